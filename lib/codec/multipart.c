#include "multipart.h"

#include <string.h>

#include <sodium.h>

#include "alloc.h"

void llmk__multipart_init(llmk__multipart *m)
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

static void put(llmk__multipart *m, const void *p, size_t n)
{
	if (!m->failed && llmk__buf_append(&m->body, p, n))
		m->failed = 1;
}

static void puts_(llmk__multipart *m, const char *s)
{
	put(m, s, strlen(s));
}

static void part_head(llmk__multipart *m, const char *name, const char *filename, const char *mime)
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

void llmk__multipart_field(llmk__multipart *m, const char *name, const char *value)
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

void llmk__multipart_file(llmk__multipart *m, const char *name, const char *filename, const char *mime,
                          const uint8_t *data, size_t len)
{
	part_head(m, name, filename, mime);
	put(m, data, len);
	puts_(m, "\r\n");
}

int llmk__multipart_finish(llmk__multipart *m)
{
	puts_(m, "--");
	puts_(m, m->boundary);
	puts_(m, "--\r\n");
	return m->failed ? -1 : 0;
}

void llmk__multipart_free(llmk__multipart *m)
{
	llmk__buf_free(&m->body);
}
