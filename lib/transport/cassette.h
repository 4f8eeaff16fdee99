/* Cassettes (docs/CASSETTES.md): what recording (cassette_record.c) and
 * replay (cassette_replay.c) share (cassette.c): limits, the client's
 * secrets and how they are scrubbed, bodies and statuses in JSON. */
#ifndef LLMK_TRANSPORT_CASSETTE_H
#define LLMK_TRANSPORT_CASSETTE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sodium.h>

#include "llmkit.h"

#define CAS_MAX_FILE (256u * 1024u * 1024u)
#define CAS_MAX_LINE (64u * 1024u * 1024u)
#define REDACTED "[REDACTED]"
#define B64 sodium_base64_VARIANT_ORIGINAL

typedef struct llmk__cas_secrets {
	const llmk_client *c;
} llmk__cas_secrets;

void llmk__cas_client_errf(llmk_client *c, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;
int llmk__cas_secret_header(const char *name);
int llmk__cas_secrets_init(llmk__cas_secrets *s, const llmk_client *c);
void llmk__cas_secrets_free(llmk__cas_secrets *s);
char *llmk__cas_scrub(const llmk__cas_secrets *s, const void *p, size_t n, size_t *out_len);
int llmk__cas_put_body(json_t *obj, const uint8_t *p, size_t n);
int llmk__cas_get_body(json_t *obj, uint8_t **out, size_t *out_len);
int llmk__cas_status_from_json(json_t *j, int32_t *out);
char *llmk__cas_boundary_of(const char *content_type);
int llmk__cas_body_equal(const uint8_t *a, size_t an, const char *ab, const uint8_t *b, size_t bn, const char *bb);

#endif
