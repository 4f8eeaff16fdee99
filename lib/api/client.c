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
	struct llmk__user_provider *up;
	const llmk__provider *prov;
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

/* The non-blocking callbacks come all together or not at all; a table
 * older than them (struct_size short of a field) has none. Returns the
 * name of one missing when some but not all are there, else NULL. */
static const char *missing_multi_callback(const llmk_transport *t)
{
	llmk_transport v;
	size_t n = t->struct_size < sizeof(v) ? t->struct_size : sizeof(v);
	const char *missing = NULL;
	int present = 0;

	memset(&v, 0, sizeof(v));
	memcpy(&v, t, n);
#define CHECK(field)                      \
	do {                              \
		if (v.field)              \
			present = 1;      \
		else if (!missing)        \
			missing = #field; \
	} while (0)
	CHECK(multi_open);
	CHECK(multi_add);
	CHECK(multi_step);
	CHECK(multi_fds);
	CHECK(multi_timeout_ms);
	CHECK(multi_remove);
	CHECK(multi_close);
#undef CHECK
	return present ? missing : NULL;
}

llmk_status llmk_client_set_transport(llmk_client *c, const llmk_transport *t, void *user)
{
	const char *missing;

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
	if ((missing = missing_multi_callback(t)))
		return llmk__client_err(c, LLMK_E_INVALID_ARG,
		                        "transport has some non-blocking callbacks but no %s: set all of multi_open, "
		                        "multi_add, multi_step, multi_fds, multi_timeout_ms, multi_remove and "
		                        "multi_close, or none",
		                        missing);
	llmk__client_install_transport(c, t, user, 1);
	return LLMK_OK;
}
