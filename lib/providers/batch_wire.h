/* What the batch APIs of the wire formats (batch_openai.c,
 * batch_anthropic.c, batch_gemini.c) share (batch_wire.c). */
#ifndef LLMK_PROVIDERS_BATCH_WIRE_H
#define LLMK_PROVIDERS_BATCH_WIRE_H

#include "batch.h"
#include "toolkit.h"

/* The answer's body as a JSON object, or NULL with bc->errmsg naming
 * `what` (the body is the provider's: bounded by max_response_bytes). */
json_t *llmk__bw_object(llmk__batch_call *bc, const llmk_response *r, const char *what);
/* Replaces *field with v's text when v is a string (else leaves it). */
llmk_status llmk__bw_str(char **field, json_t *v);
/* v's compact JSON text (numbers at full precision) into *out (owned). */
llmk_status llmk__bw_dump(json_t *v, char **out, size_t *len);
/* The i64 of v, or -1 when it is not a non-negative integer. */
int64_t llmk__bw_count(json_t *v);
/* Appends "/" and an id as URL path (ids come from callers and servers):
 * LLMK_OK; LLMK_E_INVALID_ARG with bc->errmsg set for an empty id, one with
 * a character other than [A-Za-z0-9_.-], or a '/' where the format allows
 * none (allow_slash: Gemini's "batches/123"); LLMK_E_NOMEM. */
llmk_status llmk__bw_id_path(llmk__batch_call *bc, llmk__buf *url, const char *id, int allow_slash);
/* An error outcome: custom id taken, status and message copied. */
llmk_status llmk__bw_error(llmk__batch_result *res, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;
/* Writes line (len bytes) and a newline to out, bounded: LLMK_E_TOO_LARGE
 * past max. */
llmk_status llmk__bw_put_line(llmk__batch_call *bc, FILE *out, const char *line, size_t len, uint64_t *written,
                              uint64_t max);

#endif
