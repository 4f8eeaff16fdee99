/* Base64 (RFC 4648 section 4) and data URLs (RFC 2397), over libsodium. */
#ifndef LLMK_BASE_B64_H
#define LLMK_BASE_B64_H

#include <stddef.h>
#include <stdint.h>

/* "data:<mime>;base64,<...>", NULL on OOM. Free with llmk__free. */
char *llmk__data_url(const char *mime, const uint8_t *data, size_t len);
/* Decodes standard base64 (whitespace ignored). NULL on bad input or OOM;
 * *bad set to 1 when the input was not base64. */
uint8_t *llmk__b64_decode(const char *b64, size_t b64_len, size_t *out_len, int *bad);

#endif
