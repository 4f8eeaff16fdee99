/* Incremental newline-delimited JSON (NDJSON / JSON Lines) splitter.
 *
 * Splits a byte stream into lines at LF (a CR before the LF is dropped),
 * skips blank lines (keep-alives) and hands each line to a callback. It does
 * not parse JSON: the adapter does. Bytes may be fed in any split; work is
 * linear in the input. max_line bounds one line (0 = no bound); exceeding it
 * fails with LLMK_NDJSON_E_TOO_LARGE. Optionally the stream is bounded in
 * lines, blank ones included (llmk__ndjson_set_max_units): one past it fails
 * with LLMK_NDJSON_E_TOO_MANY, so keep-alive blank lines cannot keep a
 * stream alive forever. Errors are sticky. */
#ifndef LLMK_NDJSON_H
#define LLMK_NDJSON_H

#include <stddef.h>

#include "buf.h"

#define LLMK_NDJSON_E_NOMEM (-1)
#define LLMK_NDJSON_E_TOO_LARGE (-2)
#define LLMK_NDJSON_E_TOO_MANY (-3)

/* Called once per non-blank line; line is NUL-terminated at len and valid
 * only during the call. Non-zero (positive) stops the feed, which returns it. */
typedef int (*llmk__ndjson_fn)(const char *line, size_t len, void *user);

typedef struct llmk__ndjson {
	size_t max_line;
	llmk__ndjson_fn fn;
	void *user;
	int err;
	size_t max_units, units; /* lines, blank ones included; 0 = no bound */
	llmk__buf line;
} llmk__ndjson;

void llmk__ndjson_init(llmk__ndjson *d, size_t max_line, llmk__ndjson_fn fn, void *user);
/* Bounds the lines of the stream, blank ones included (0 = none). */
void llmk__ndjson_set_max_units(llmk__ndjson *d, size_t max_units);
/* Returns 0, a negative LLMK_NDJSON_E_* code, or the callback's value. */
int llmk__ndjson_feed(llmk__ndjson *d, const char *data, size_t len);
/* End of input: delivers a last line that had no LF. Same returns. */
int llmk__ndjson_finish(llmk__ndjson *d);
void llmk__ndjson_free(llmk__ndjson *d);

#endif
