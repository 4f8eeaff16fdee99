/* Creating a client: "provider/model" resolved against the built-in and the
 * program's providers, with the built-in transport installed; and
 * switching transports (NULL restores the built-in one). */
#include <stddef.h>
#include <string.h>

#include "api.h"
#include "client.h"
#include "curl.h"
#include "url.h"

#ifdef LLMK_HAVE_CURL
static llmk_status install_curl(llmk_client *c)
{
	void *u = llmk__curl_transport_new();

	if (!u)
		return LLMK_E_NOMEM;
	llmk__client_install_transport(c, &llmk__curl_transport, u, 0);
	return LLMK_OK;
}
#endif

llmk_status llmk_client_new(llmk_client **out, const char *model)
{
	struct llmk_user_provider *up;
	const llmk_provider *prov;
	const char *slash, *name, *mdl;
	size_t nlen;
	llmk_client *c;
	llmk_status st;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	/* The model part may become a URL path segment or a header value. */
	if (!model || !*model || llmk__has_ctl(model))
		return LLMK_E_INVALID_ARG;
	st = llmk_global_init();
	if (st)
		return st;

	slash = strchr(model, '/');
	if (slash) {
		name = model;
		nlen = (size_t)(slash - model);
		mdl = slash + 1;
	} else {
		name = "openai";
		nlen = 6;
		mdl = model;
	}
	prov = llmk__api_provider(name, nlen, &up);
	if (!prov)
		return LLMK_E_UNSUPPORTED;
	st = llmk__client_create(&c, prov, up, mdl);
	if (st)
		return st;
#ifdef LLMK_HAVE_CURL
	if (install_curl(c)) {
		llmk_client_free(c);
		return LLMK_E_NOMEM;
	}
#endif
	*out = c;
	return LLMK_OK;
}

llmk_status llmk_client_set_transport(llmk_client *c, const llmk_transport *t, void *user)
{
	if (!c)
		return LLMK_E_INVALID_ARG;
	if (!t) {
#ifdef LLMK_HAVE_CURL
		if (!c->custom_transport)
			return LLMK_OK;
		if (install_curl(c))
			return llmk__client_err(c, LLMK_E_NOMEM, "out of memory");
		return LLMK_OK;
#else
		return llmk__client_err(c, LLMK_E_UNSUPPORTED, "built without libcurl: a transport is required");
#endif
	}
	if (t->struct_size < offsetof(llmk_transport, send) + sizeof(t->send))
		return llmk__client_err(c, LLMK_E_INVALID_ARG, "transport struct_size %u is too small",
		                        (unsigned)t->struct_size);
	if (!t->send)
		return llmk__client_err(c, LLMK_E_INVALID_ARG, "transport has no send callback");
	llmk__client_install_transport(c, t, user, 1);
	return LLMK_OK;
}
