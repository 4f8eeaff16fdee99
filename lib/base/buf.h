/* A growable byte buffer, always NUL-terminated when data != NULL.
 * Growth is geometric so appends are amortised O(1). */
#ifndef LLMK_BUF_H
#define LLMK_BUF_H

#include <stddef.h>

typedef struct llmk__buf {
	char *data;
	size_t len;
	size_t cap;
} llmk__buf;

#define LLMK__BUF_INIT     \
	{                  \
		NULL, 0, 0 \
	}

/* 0 on success, -1 on allocation failure (buffer unchanged). */
int llmk__buf_reserve(llmk__buf *b, size_t extra);
int llmk__buf_append(llmk__buf *b, const void *p, size_t n);
int llmk__buf_append_str(llmk__buf *b, const char *s);
int llmk__buf_append_char(llmk__buf *b, char c);
void llmk__buf_clear(llmk__buf *b);
/* Frees the storage and resets to empty. */
void llmk__buf_free(llmk__buf *b);
/* Hands the storage to the caller (free with llmk__free); buffer is reset.
 * Returns an empty allocated string when the buffer is empty, NULL on OOM. */
char *llmk__buf_detach(llmk__buf *b, size_t *len);

#endif
