#include "codec/multipart.h"

#include <string.h>

#include <sodium.h>

#include "core/alloc.h"

void llmk_multipart_init(llmk_multipart *m)
{
	unsigned char rnd[12];
	char hex[25];

	memset(m, 0, sizeof(*m));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	memcpy(m->boundary, "llmkit-", 7);
	memcpy(m->boundary + 7, hex, 25);
	memcpy(m->content_type, "multipart/form-data; boundary=", 30);
	memcpy(m->content_type + 30, m->boundary, strlen(m->boundary) + 1);
}

static void put(llmk_multipart *m, const void *p, size_t n)
{
	if (!m->failed && llmk_buf_append(&m->body, p, n))
		m->failed = 1;
}

static void puts_(llmk_multipart *m, const char *s)
{
	put(m, s, strlen(s));
}

static void part_head(llmk_multipart *m, const char *name, const char *filename, const char *mime)
{
	puts_(m, "--");
	puts_(m, m->boundary);
	puts_(m, "\r\nContent-Disposition: form-data; name=\"");
	puts_(m, name);
	puts_(m, "\"");
	if (filename) {
		puts_(m, "; filename=\"");
		puts_(m, filename);
		puts_(m, "\"");
	}
	if (mime) {
		puts_(m, "\r\nContent-Type: ");
		puts_(m, mime);
	}
	puts_(m, "\r\n\r\n");
}

void llmk_multipart_field(llmk_multipart *m, const char *name, const char *value)
{
	/* A value containing the boundary would end the part early; with 96
	 * random bits that only happens on purpose. */
	if (strstr(value, m->boundary)) {
		m->failed = 1;
		return;
	}
	part_head(m, name, NULL, NULL);
	puts_(m, value);
	puts_(m, "\r\n");
}

void llmk_multipart_file(llmk_multipart *m, const char *name, const char *filename, const char *mime,
                         const uint8_t *data, size_t len)
{
	part_head(m, name, filename, mime);
	put(m, data, len);
	puts_(m, "\r\n");
}

int llmk_multipart_finish(llmk_multipart *m)
{
	puts_(m, "--");
	puts_(m, m->boundary);
	puts_(m, "--\r\n");
	return m->failed ? -1 : 0;
}

void llmk_multipart_free(llmk_multipart *m)
{
	llmk_buf_free(&m->body);
}

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
