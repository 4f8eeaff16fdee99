/* A growable byte buffer, always NUL-terminated when data != NULL.
 * Growth is geometric so appends are amortised O(1). */
#ifndef LLMK_BUF_H
#define LLMK_BUF_H

#include <stddef.h>

typedef struct llmk_buf {
	char *data;
	size_t len;
	size_t cap;
} llmk_buf;

#define LLMK_BUF_INIT {NULL, 0, 0}

/* 0 on success, -1 on allocation failure (buffer unchanged). */
int llmk_buf_reserve(llmk_buf *b, size_t extra);
int llmk_buf_append(llmk_buf *b, const void *p, size_t n);
int llmk_buf_append_str(llmk_buf *b, const char *s);
int llmk_buf_append_char(llmk_buf *b, char c);
void llmk_buf_clear(llmk_buf *b);
/* Frees the storage and resets to empty. */
void llmk_buf_free(llmk_buf *b);
/* Hands the storage to the caller (free with llmk__free); buffer is reset.
 * Returns an empty allocated string when the buffer is empty, NULL on OOM. */
char *llmk_buf_detach(llmk_buf *b, size_t *len);

#endif
