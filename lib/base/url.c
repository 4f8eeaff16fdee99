/* URL pieces (see url.h). */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "url.h"

static int unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	       ch == '.' || ch == '_' || ch == '~';
}

/* Writes the encoding of s[0..n) at out (room for 3 * n bytes); returns
 * its length. */
static size_t encode(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (unreserved(ch)) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	return o;
}

char *llmk__url_escape(const char *s)
{
	size_t n = strlen(s);
	char *out;

	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	out = llmk__malloc(3 * n + 1);
	if (!out)
		return NULL;
	out[encode(out, s, n)] = '\0';
	return out;
}

int llmk__url_append_segment(llmk__buf *out, const char *seg, size_t n)
{
	if (!n || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
		return LLMK_URL_E_SEGMENT;
	if (n > (SIZE_MAX - 2) / 3 || llmk__buf_reserve(out, 3 * n + 2))
		return LLMK_URL_E_NOMEM;
	out->data[out->len++] = '/';
	out->len += encode(out->data + out->len, seg, n);
	out->data[out->len] = '\0';
	return 0;
}

int llmk__has_ctl(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 1;
	return 0;
}
