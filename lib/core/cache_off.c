/* A build without the response cache (-Dresponse_cache=disabled, the
 * default of a reduced build): the same API, answering LLMK_E_UNSUPPORTED,
 * and hooks that never answer from a cache nor store anything. */
#include <stddef.h>

#include "cache.h"
#include "client.h"

int llmk__cache_begin(llmk__cache_job **cj, const llmk_client *c, const llmk_request *req, struct llmk__attempt *p,
                      unsigned long n, llmk_response **resp)
{
	(void)c, (void)req, (void)p, (void)n, (void)resp;
	*cj = NULL;
	return 0;
}

void llmk__cache_retry(llmk__cache_job *cj, struct llmk__attempt *p)
{
	(void)cj, (void)p;
}

void llmk__cache_end(llmk__cache_job *cj, const llmk_client *c, const llmk_response *r)
{
	(void)cj, (void)c, (void)r;
}

void llmk__cache_record(llmk__cache_rec *rec, const llmk_event *ev)
{
	(void)rec, (void)ev;
}

llmk_status llmk_client_set_cache(llmk_client *c, const llmk_store *store)
{
	if (!c)
		return LLMK_E_INVALID_ARG;
	if (!store)
		return LLMK_OK; /* off: it is */
	return llmk__client_err(c, LLMK_E_UNSUPPORTED, "this build has no response cache (-Dresponse_cache)");
}

int32_t llmk_response_cached(const llmk_response *r)
{
	(void)r;
	return 0;
}
