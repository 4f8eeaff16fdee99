#include "buf.h"

#include <string.h>

#include "alloc.h"

int llmk__buf_reserve(llmk__buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > (size_t)-1 - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	p = llmk__realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int llmk__buf_append(llmk__buf *b, const void *p, size_t n)
{
	/* Streams fed in small pieces append a few bytes at a time: no
	 * reserve call and no memcpy call when they fit. */
	if (n <= 8 && b->data && n < b->cap - b->len) {
		char *d = b->data + b->len;
		const char *s = p;
		size_t i;

		for (i = 0; i < n; i++)
			d[i] = s[i];
		b->len += n;
		d[n] = '\0';
		return 0;
	}
	if (llmk__buf_reserve(b, n))
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int llmk__buf_append_str(llmk__buf *b, const char *s)
{
	return llmk__buf_append(b, s, strlen(s));
}

int llmk__buf_append_char(llmk__buf *b, char c)
{
	return llmk__buf_append(b, &c, 1);
}

void llmk__buf_clear(llmk__buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void llmk__buf_free(llmk__buf *b)
{
	llmk__free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *llmk__buf_detach(llmk__buf *b, size_t *len)
{
	char *p;

	if (!b->data && llmk__buf_reserve(b, 0))
		return NULL;
	b->data[b->len] = '\0'; /* reserved but never appended to: still a string */
	p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
