/* Shared state (llmk_store): the built-in stores live beside this file,
 * one per backend; what uses a store (router, rate limits, response
 * cache) reaches it only through the public table (core/store_table.h). */
#include "alloc.h"
#include "llmkit.h"
#include "store.h"

void llmk_store_free(llmk_store *s)
{
	if (!s)
		return;
	if (s->close)
		s->close(s->user);
	llmk__free(s);
}

llmk_store *llmk__store_new(void *user)
{
	llmk_store *s = llmk__calloc(1, sizeof(*s));
	if (s) {
		s->struct_size = (uint32_t)sizeof(*s);
		s->user = user;
	}
	return s;
}
