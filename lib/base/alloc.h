/* Internal allocation entry points. Every allocation in lib/ goes through
 * these so that a process-wide allocator hook (and allocation-failure tests)
 * can replace them in one place. */
#ifndef LLMK_ALLOC_H
#define LLMK_ALLOC_H

#include <stddef.h>

void *llmk__malloc(size_t n);
void *llmk__calloc(size_t count, size_t size);
void *llmk__realloc(void *p, size_t n);
void llmk__free(void *p);
/* NULL in, NULL out; NULL on allocation failure. */
char *llmk__strdup(const char *s);
char *llmk__strndup(const char *s, size_t n);
/* The hook behind llmk_set_allocator(); -1 once anything was allocated. */
int llmk__set_alloc(void *(*m)(size_t), void *(*r)(void *, size_t), void (*f)(void *));
int llmk__alloc_is_default(void);
/* Whether an allocation through these functions (jansson's included) failed
 * on the calling thread since the last reset. Public operations reset it on
 * entry and report LLMK_E_NOMEM for a failure that followed one. */
void llmk__oom_reset(void);
int llmk__oom_seen(void);

#endif
