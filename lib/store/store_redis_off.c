/* llmk_store_new_redis() in a build without hiredis (-Dredis=disabled,
 * libhiredis-dev missing, or a reduced firmware build where auto leaves it
 * out): the same API, answering LLMK_E_UNSUPPORTED (LLMK_FEATURE_REDIS is
 * clear). The URL is not even parsed: its parser is left out too. */
#include "llmkit.h"

llmk_status llmk_store_new_redis(const char *url, llmk_store **out)
{
	if (out)
		*out = NULL;
	if (!out || !url)
		return LLMK_E_INVALID_ARG;
	return LLMK_E_UNSUPPORTED;
}
