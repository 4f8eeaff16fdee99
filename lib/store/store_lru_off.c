/* A build without the response cache (-Dresponse_cache=disabled): the
 * memory store is its only user, so it goes too; the call answers
 * LLMK_E_UNSUPPORTED. */
#include "llmkit.h"

llmk_status llmk_store_new_memory(int64_t max_bytes, llmk_store **out)
{
	(void)max_bytes;
	if (out)
		*out = NULL;
	return LLMK_E_UNSUPPORTED;
}
