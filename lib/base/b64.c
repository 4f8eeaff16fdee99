/* Base64 and data URLs (see b64.h). */
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "b64.h"

char *llmk__data_url(const char *mime, const uint8_t *data, size_t len)
{
	size_t ml = strlen(mime), bl = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *u;

	if (len > ((size_t)-1) / 2 - ml - 32)
		return NULL;
	u = llmk__malloc(5 + ml + 8 + bl);
	if (!u)
		return NULL;
	memcpy(u, "data:", 5);
	memcpy(u + 5, mime, ml);
	memcpy(u + 5 + ml, ";base64,", 8);
	sodium_bin2base64(u + 13 + ml, bl, data, len, sodium_base64_VARIANT_ORIGINAL);
	return u;
}

uint8_t *llmk__b64_decode(const char *b64, size_t b64_len, size_t *out_len, int *bad)
{
	size_t cap = b64_len / 4 * 3 + 3;
	uint8_t *out = llmk__malloc(cap);

	*bad = 0;
	*out_len = 0;
	if (!out)
		return NULL;
	if (sodium_base642bin(out, cap, b64, b64_len, " \t\r\n", out_len, NULL, sodium_base64_VARIANT_ORIGINAL)) {
		llmk__free(out);
		*bad = 1;
		return NULL;
	}
	return out;
}
