/* The llmk_store table, as the engine and the features above it use it:
 * initialised and copied like a transport table (public header). The
 * built-in stores are in lib/store. */
#include <stddef.h>
#include <string.h>

#include "llmkit.h"
#include "store_table.h"

void llmk_store_init(llmk_store *s)
{
	if (s) {
		memset(s, 0, sizeof(*s));
		s->struct_size = (uint32_t)sizeof(*s);
	}
}

int llmk__store_copy(llmk_store *dst, const llmk_store *src)
{
	/* Only what the caller's version of the table has; a table too small
	 * to reach `user` is not one. */
	if (!src || src->struct_size < offsetof(llmk_store, user) + sizeof(src->user))
		return 0;
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, src, src->struct_size < sizeof(*dst) ? src->struct_size : sizeof(*dst));
	dst->struct_size = (uint32_t)sizeof(*dst);
	return 1;
}
