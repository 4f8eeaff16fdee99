#include "alloc.h"

#include <stdlib.h>
#include <string.h>

void *llmk__malloc(size_t n)
{
	return malloc(n ? n : 1);
}

void *llmk__calloc(size_t count, size_t size)
{
	return calloc(count ? count : 1, size ? size : 1);
}

void *llmk__realloc(void *p, size_t n)
{
	return realloc(p, n ? n : 1);
}

void llmk__free(void *p)
{
	free(p);
}

char *llmk__strndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	p = llmk__malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *llmk__strdup(const char *s)
{
	return s ? llmk__strndup(s, strlen(s)) : NULL;
}
