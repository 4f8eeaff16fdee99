/* Secret storage (see secret.h). */
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "secret.h"

/* Keys live in guarded pages (no swap, guard pages around, wiped on free)
 * and are made read-only once written so a stray write faults instead of
 * corrupting or leaking them. */
llmk_status llmk__secret_set(char **slot, const char *value)
{
	size_t n;
	char *p;

	llmk__secret_free(slot);
	if (!value)
		return LLMK_OK;
	n = strlen(value);
	p = sodium_malloc(n + 1);
	if (!p)
		return LLMK_E_NOMEM;
	memcpy(p, value, n + 1);
	sodium_mprotect_readonly(p);
	*slot = p;
	return LLMK_OK;
}

void llmk__secret_free(char **slot)
{
	if (*slot) {
		sodium_free(*slot);
		*slot = NULL;
	}
}

void llmk__free_wiped(char *p)
{
	if (p) {
		sodium_memzero(p, strlen(p));
		llmk__free(p);
	}
}
