/* A build without routers (-Drouter=disabled, and reduced builds by
 * default: a firmware image talks to the deployment it was given). No
 * router can be created, so every call that would act on one answers
 * LLMK_E_UNSUPPORTED and the accessors answer as for an empty one. */
#include <stddef.h>

#include "llmkit.h"

#define OFF LLMK_E_UNSUPPORTED

llmk_status llmk_router_new(llmk_router **out)
{
	if (out)
		*out = NULL;
	return OFF;
}

void llmk_router_free(llmk_router *router)
{
	(void)router;
}

llmk_status llmk_router_set_i64(llmk_router *router, int32_t option, int64_t value)
{
	(void)router, (void)option, (void)value;
	return OFF;
}

llmk_status llmk_router_add(llmk_router *router, llmk_client *client, const char *name, double weight)
{
	(void)router, (void)client, (void)name, (void)weight;
	return OFF;
}

llmk_status llmk_router_send(llmk_router *router, const llmk_request *request, llmk_response **out)
{
	(void)router, (void)request;
	if (out)
		*out = NULL;
	return OFF;
}

llmk_status llmk_router_stream(llmk_router *router, const llmk_request *request, llmk_stream_fn on_event, void *user,
                               llmk_response **out)
{
	(void)router, (void)request, (void)on_event, (void)user;
	if (out)
		*out = NULL;
	return OFF;
}

size_t llmk_router_count(const llmk_router *router)
{
	(void)router;
	return 0;
}

int32_t llmk_router_cooling(llmk_router *router, size_t i)
{
	(void)router, (void)i;
	return 0;
}

llmk_status llmk_multi_add_routed(llmk_multi *multi, llmk_router *router, const llmk_request *request,
                                  llmk_stream_fn on_event, llmk_done_fn on_done, void *user)
{
	(void)multi, (void)router, (void)request, (void)on_event, (void)on_done, (void)user;
	return OFF;
}

llmk_status llmk_router_set_store(llmk_router *router, const llmk_store *store)
{
	(void)router, (void)store;
	return OFF;
}
