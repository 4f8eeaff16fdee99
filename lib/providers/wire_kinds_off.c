/* A build without rerank, moderation and token counting (-Dextra_kinds=
 * disabled, and reduced builds by default): the provider rows claim none of
 * those kinds (registry.c), so the engine refuses such a request before an
 * adapter is reached; should one get here anyway, it is refused by name. */
#include "wire_kinds.h"

#define OFF(resp, what) llmk__fail((resp), LLMK_E_UNSUPPORTED, "%s is left out of this build (-Dextra_kinds)", (what))

llmk_status llmk__rerank_build(int shape, const llmk_client *c, const llmk_request *r, const char *model,
                               llmk_exchange *ex, llmk_response *resp)
{
	(void)shape, (void)c, (void)r, (void)model, (void)ex;
	return OFF(resp, "rerank");
}

llmk_status llmk__rerank_bedrock_body(const llmk_request *r, const char *model, const char *region, json_t **out,
                                      llmk_response *resp)
{
	(void)r, (void)model, (void)region;
	*out = NULL;
	return OFF(resp, "rerank");
}

llmk_status llmk__rerank_parse(const llmk_request *r, llmk_response *resp, const char *body, size_t len)
{
	(void)r, (void)body, (void)len;
	return OFF(resp, "rerank");
}

llmk_status llmk__count_build(int shape,
                              llmk_status (*build)(const llmk_client *c, const llmk_request *r, const char *model,
                                                   int stream, llmk_exchange *ex, llmk_response *resp),
                              const llmk_client *c, const llmk_request *r, const char *model, llmk_exchange *ex,
                              llmk_response *resp)
{
	(void)shape, (void)build, (void)c, (void)r, (void)model, (void)ex;
	return OFF(resp, "token counting");
}

int llmk__count_bedrock_edit(json_t *body)
{
	(void)body;
	return -1;
}

llmk_status llmk__count_parse(const llmk_request *r, llmk_response *resp, const char *body, size_t len)
{
	(void)r, (void)body, (void)len;
	return OFF(resp, "token counting");
}

llmk_status llmk__moderation_build(const llmk_client *c, const llmk_request *r, const char *model, llmk_exchange *ex,
                                   llmk_response *resp)
{
	(void)c, (void)r, (void)model, (void)ex;
	return OFF(resp, "moderation");
}

llmk_status llmk__moderation_parse(const llmk_request *r, llmk_response *resp, const char *body, size_t len)
{
	(void)r, (void)body, (void)len;
	return OFF(resp, "moderation");
}
