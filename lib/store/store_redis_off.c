/* llmk_store_new_redis() in a build without hiredis (-Dredis=disabled, or
 * libhiredis-dev missing): the same API, answering LLMK_E_UNSUPPORTED
 * (LLMK_FEATURE_REDIS is clear). A malformed URL is still refused as such. */
#include "llmkit.h"
#include "store_redis.h"

llmk_status llmk_store_new_redis(const char *url, llmk_store **out)
{
	llmk__redis_url u;
	llmk_status st;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	st = llmk__redis_url_parse(url, &u);
	llmk__redis_url_clear(&u);
	return st != LLMK_OK ? st : LLMK_E_UNSUPPORTED;
}
