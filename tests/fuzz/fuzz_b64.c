/* libFuzzer target: base64 and data-URL decoding (lib/codec/multipart.h,
 * llmk__data_url_split in lib/providers/toolkit.h).
 *
 * The input is used three ways:
 *  1. as base64 text: llmk__b64_decode must either fail (bad set, NULL) or
 *     return at most len/4*3+3 bytes, and then re-encoding those bytes as a
 *     data URL and decoding it again must give them back;
 *  2. as a URL string (NUL-terminated copy, so an over-read is an ASan
 *     report): when llmk__data_url_split accepts it, the pieces it returns
 *     must lie inside the string, and decoding the base64 part must not
 *     crash;
 *  3. as bytes: llmk__data_url(bytes) split and decoded gives the bytes. */
#include <string.h>

#include "b64.h"
#include "multipart.h"
#include "alloc.h"
#include "fuzz.h"
#include "toolkit.h"

static void round_trip(const char *mime, const uint8_t *bytes, size_t len)
{
	char *url = llmk__data_url(mime, bytes, len);
	const char *m, *b64;
	size_t mlen, out_len;
	uint8_t *out;
	int bad;

	FUZZ_CHECK(url != NULL);
	FUZZ_CHECK(llmk__data_url_split(url, &m, &mlen, &b64) == 1);
	FUZZ_CHECK(mlen == strlen(mime) && !memcmp(m, mime, mlen));
	out = llmk__b64_decode(b64, strlen(b64), &out_len, &bad);
	FUZZ_CHECK(out != NULL && !bad);
	FUZZ_CHECK(out_len == len && (!len || !memcmp(out, bytes, len)));
	llmk__free(out);
	llmk__free(url);
}

static void as_base64(const uint8_t *data, size_t size)
{
	size_t out_len = 12345;
	int bad = -1;
	uint8_t *out = llmk__b64_decode((const char *)data, size, &out_len, &bad);

	if (!out) {
		FUZZ_CHECK(bad == 1);
		return;
	}
	FUZZ_CHECK(bad == 0);
	FUZZ_CHECK(out_len <= size / 4 * 3 + 3);
	round_trip("application/octet-stream", out, out_len);
	llmk__free(out);
}

static void as_url(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	const char *m = NULL, *b64 = NULL;
	size_t mlen = 0, out_len;
	uint8_t *out;
	int bad;

	FUZZ_CHECK(url != NULL);
	memcpy(url, data, size);
	url[size] = '\0';
#ifdef TMP_SKIP
	if (strchr(url, ',') && strchr(url, ',') < url + 7) {
		free(url);
		return;
	}
#endif
	if (llmk__data_url_split(url, &m, &mlen, &b64)) {
		size_t slen = strlen(url);
		FUZZ_CHECK(m == url + 5);
		FUZZ_CHECK(mlen <= slen - 5 && b64 > m + mlen && b64 <= url + slen);
		out = llmk__b64_decode(b64, strlen(b64), &out_len, &bad);
		llmk__free(out);
	}
	free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_base64(data, size);
	as_url(data, size);
	round_trip("image/png", data, size);
	return 0;
}
