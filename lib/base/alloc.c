/* Allocation entry points (see alloc.h) and the process-wide allocator
 * hook. The functions are set once, before the library initialises its
 * dependencies (llmk_set_allocator()), and only read afterwards. */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static void *(*malloc_fn)(size_t) = malloc;
static void *(*realloc_fn)(void *, size_t) = realloc;
static void (*free_fn)(void *) = free;
static int used; /* an allocation was made: too late to switch */
/* An allocation failed on this thread since llmk__oom_reset(): a failure
 * that surfaces later as something else (jansson's "invalid JSON" when its
 * parser could not allocate) is then reported as what it was. */
static __thread int oom;

int llmk__set_alloc(void *(*m)(size_t), void *(*r)(void *, size_t), void (*f)(void *))
{
	if (__atomic_load_n(&used, __ATOMIC_RELAXED))
		return -1;
	malloc_fn = m;
	realloc_fn = r;
	free_fn = f;
	return 0;
}

static void mark_used(void)
{
	if (!__atomic_load_n(&used, __ATOMIC_RELAXED))
		__atomic_store_n(&used, 1, __ATOMIC_RELAXED);
}

int llmk__alloc_is_default(void)
{
	return malloc_fn == malloc;
}

void llmk__oom_reset(void)
{
	oom = 0;
}

int llmk__oom_seen(void)
{
	return oom;
}

void *llmk__malloc(size_t n)
{
	void *p;

	mark_used();
	p = malloc_fn(n ? n : 1);
	if (!p)
		oom = 1;
	return p;
}

void *llmk__calloc(size_t count, size_t size)
{
	void *p;

	if (!count)
		count = 1;
	if (!size)
		size = 1;
	if (count > (size_t)-1 / size) {
		oom = 1;
		return NULL;
	}
	p = llmk__malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *llmk__realloc(void *p, size_t n)
{
	void *q;

	mark_used();
	q = realloc_fn(p, n ? n : 1);
	if (!q)
		oom = 1;
	return q;
}

void llmk__free(void *p)
{
	if (p)
		free_fn(p);
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
