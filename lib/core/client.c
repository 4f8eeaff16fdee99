/* Client: provider resolution, configuration, credentials. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "adapter.h"
#include "alloc.h"
#include "client.h"
#include "ratelimit.h"
#include "response.h"
#include "scrub.h"
#include "secret.h"

llmk_status llmk__client_err(llmk_client *c, llmk_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return st;
}

static const char *env_nonempty(const char *name)
{
	const char *v = name ? getenv(name) : NULL;
	return v && *v ? v : NULL;
}

/* A variable's value when it is set, not empty and passes the value check
 * (a control character would reach a header or URL: OPENAI_API_KEY=
 * $'sk-x\r\nX-Injected: 1'); a refused one is noted against `opt`, the
 * option that replaces it, and reads as unset. */
static const char *env_checked(llmk_client *c, const char *name, int32_t opt)
{
	const char *v = env_nonempty(name);

	if (!v || llmk__value_check(name, v, c->errmsg, sizeof(c->errmsg)) == LLMK_OK)
		return v;
	if (c->nenv_bad < sizeof(c->env_bad) / sizeof(c->env_bad[0])) {
		c->env_bad[c->nenv_bad].var = name;
		c->env_bad[c->nenv_bad++].opt = opt;
	}
	return NULL;
}

/* Setting an option replaces the variables it stands for. */
static void env_replaced(llmk_client *c, int32_t opt)
{
	size_t i, o = 0;

	for (i = 0; i < c->nenv_bad; i++)
		if (c->env_bad[i].opt != opt)
			c->env_bad[o++] = c->env_bad[i];
	c->nenv_bad = o;
}

llmk_status llmk__client_env_check(const llmk_client *c, llmk_response *resp)
{
	if (!c->nenv_bad)
		return LLMK_OK;
	return llmk__fail(resp, LLMK_E_INVALID_ARG,
	                  "%s: environment variable %s holds a control character (CR, LF, TAB or another) and was "
	                  "not used: fix it or set option '%s'",
	                  c->provider->name, c->env_bad[0].var, llmk_option_name(c->env_bad[0].opt));
}

/* OLLAMA_HOST style, read as Ollama reads it: "host", "host:port" or a
 * URL. Without a scheme, http and the provider's default port; with one,
 * the scheme's own default port. An empty host or 0.0.0.0 (a listen
 * address) means this machine. */
static char *host_to_url(const char *v, const char *dflt)
{
	llmk__buf b = LLMK__BUF_INIT;
	const char *sep = strstr(v, "://"), *host = sep ? sep + 3 : v, *dport = strrchr(dflt, ':');
	const char *end = host + strcspn(host, "/");
	int bad;

	bad = sep ? llmk__buf_append(&b, v, (size_t)(host - v)) : llmk__buf_append_str(&b, "http://");
	if (!bad && (end == host || *host == ':' || (end - host >= 7 && !strncmp(host, "0.0.0.0", 7)))) {
		bad = llmk__buf_append_str(&b, "127.0.0.1");
		host += *host == '0' ? 7 : 0;
	}
	if (!bad)
		bad = llmk__buf_append(&b, host, (size_t)(end - host));
	if (!bad && !sep && !memchr(host, ':', (size_t)(end - host)) && dport && dport[1] >= '0' && dport[1] <= '9')
		bad = llmk__buf_append(&b, dport, strcspn(dport, "/"));
	if (!bad)
		bad = llmk__buf_append_str(&b, end);
	if (bad) {
		llmk__buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* The AWS SDKs' variables: region, then the access key pair and the
 * session token of temporary credentials (Bedrock). */
static int aws_from_env(llmk_client *c)
{
	const char *region = env_checked(c, "AWS_REGION", LLMK_OPT_AWS_REGION);
	const char *id = env_checked(c, "AWS_ACCESS_KEY_ID", LLMK_OPT_AWS_ACCESS_KEY_ID);
	const char *secret = env_checked(c, "AWS_SECRET_ACCESS_KEY", LLMK_OPT_AWS_SECRET_ACCESS_KEY);
	const char *token = env_checked(c, "AWS_SESSION_TOKEN", LLMK_OPT_AWS_SESSION_TOKEN);

	if (!region && !env_nonempty("AWS_REGION"))
		region = env_checked(c, "AWS_DEFAULT_REGION", LLMK_OPT_AWS_REGION);
	if (region && !(c->str[llmk__option_slot(LLMK_OPT_AWS_REGION)] = llmk__strdup(region)))
		return -1;
	if (!id || !secret) /* half a key pair is no key pair */
		return 0;
	if (!(c->str[llmk__option_slot(LLMK_OPT_AWS_ACCESS_KEY_ID)] = llmk__strdup(id)) ||
	    llmk__secret_set(&c->aws_secret, secret) || (token && llmk__secret_set(&c->aws_token, token)))
		return -1;
	return 0;
}

static int ca_from_env(llmk_client *c)
{
	static const char *const files[] = {"SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"};
	const char *v = NULL;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !v; i++)
		if (env_nonempty(files[i]))
			v = env_checked(c, files[i], LLMK_OPT_CA_BUNDLE);
	if (v && !(c->str[llmk__option_slot(LLMK_OPT_CA_BUNDLE)] = llmk__strdup(v)))
		return -1;
	v = env_checked(c, "SSL_CERT_DIR", LLMK_OPT_CA_DIR);
	if (v && !(c->str[llmk__option_slot(LLMK_OPT_CA_DIR)] = llmk__strdup(v)))
		return -1;
	return 0;
}

llmk_status llmk__client_create(llmk_client **out, const llmk__provider *prov, struct llmk__user_provider *up,
                                const char *mdl)
{
	const char *v;
	size_t nlen;
	llmk_client *c;

	*out = NULL;
	c = llmk__calloc(1, sizeof(*c));
	if (!c) {
		llmk__user_provider_put(up);
		return LLMK_E_NOMEM;
	}
	c->provider = prov;
	c->user_provider = up;
	c->model = llmk__strdup(mdl);
	v = env_checked(c, prov->url_env, LLMK_OPT_BASE_URL);
	if (v && (prov->quirks & LLMK_Q_HOST_ENV))
		c->base_url = host_to_url(v, prov->base_url);
	else if (v || prov->base_url)
		c->base_url = llmk__strdup(v ? v : prov->base_url);
	if (!c->model || ((v || prov->base_url) && !c->base_url)) {
		llmk_client_free(c);
		return LLMK_E_NOMEM;
	}
	/* Strip one trailing slash so paths join cleanly. */
	nlen = c->base_url ? strlen(c->base_url) : 0;
	if (nlen > 1 && c->base_url[nlen - 1] == '/')
		c->base_url[nlen - 1] = '\0';
	v = env_nonempty(prov->key_env) ? env_checked(c, prov->key_env, LLMK_OPT_API_KEY)
	                                : env_checked(c, prov->key_env2, LLMK_OPT_API_KEY);
	if (v && llmk__secret_set(&c->api_key, v)) {
		llmk_client_free(c);
		return LLMK_E_NOMEM;
	}
	if ((prov->quirks & LLMK_Q_AWS) && aws_from_env(c)) {
		llmk_client_free(c);
		return LLMK_E_NOMEM;
	}
	/* A private CA, from the variables the ecosystem honours: OpenSSL's,
	 * curl's, Python requests'. */
	if (ca_from_env(c)) {
		llmk_client_free(c);
		return LLMK_E_NOMEM;
	}
	/* Azure's SDKs read the API version from the environment. */
	v = (prov->quirks & LLMK_Q_AZURE) ? env_checked(c, "OPENAI_API_VERSION", LLMK_OPT_API_VERSION) : NULL;
	if (v && !(c->str[llmk__option_slot(LLMK_OPT_API_VERSION)] = llmk__strdup(v))) {
		llmk_client_free(c);
		return LLMK_E_NOMEM;
	}
	*out = c;
	return LLMK_OK;
}

size_t llmk__client_scrub(const llmk_client *c, char *text, size_t len, unsigned flags)
{
	const char *secrets[4];
	char pass[256];
	size_t n = 0;

	secrets[n++] = c->api_key;
	secrets[n++] = c->aws_secret;
	secrets[n++] = c->aws_token;
	if (llmk__url_userinfo_secret(c->base_url, pass, sizeof(pass)))
		secrets[n++] = pass;
	len = llmk__scrub(text, len, secrets, n, flags);
	sodium_memzero(pass, sizeof(pass));
	return len;
}

void llmk__client_scrub_str(const llmk_client *c, char *s, unsigned flags)
{
	if (s)
		s[llmk__client_scrub(c, s, strlen(s), flags)] = '\0';
}

void llmk__response_scrub(llmk_response *r, const llmk_client *c)
{
	char *const fields[] = {r->error, r->error_type, r->error_code, r->request_id, r->model, r->finish_reason};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		llmk__client_scrub_str(c, fields[i], LLMK_SCRUB_KEYLIKE | LLMK_SCRUB_USERINFO);
}

void llmk_client_free(llmk_client *c)
{
	size_t i;

	if (!c)
		return;
	if (c->transport.close)
		c->transport.close(c->transport_user);
	llmk__secret_free(&c->api_key);
	llmk__secret_free(&c->aws_secret);
	llmk__secret_free(&c->aws_token);
	llmk__user_provider_put(c->user_provider);
	llmk__rl_free(c->rl);
	llmk__free(c->cache);
	llmk__free(c->model);
	llmk__free(c->base_url);
	for (i = 0; i < LLMK_STR_SLOTS; i++)
		llmk__free_wiped(c->str[i]);
	llmk__free(c);
}

static llmk_status check_opt(llmk_client *c, int32_t opt, int type)
{
	return llmk__option_check(opt, type, LLMK_SCOPE_C, 0, c->errmsg, sizeof(c->errmsg));
}

static int valid_url(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

llmk_status llmk_client_set_str(llmk_client *c, int32_t opt, const char *value)
{
	llmk_status st;
	char *copy;
	size_t n;

	if (!c)
		return LLMK_E_INVALID_ARG;
	st = check_opt(c, opt, LLMK_TYPE_STR);
	if (st)
		return st;
	/* Every string option may reach a header, a URL or a signed string. */
	if ((st = llmk__value_check(llmk_option_name(opt), value, c->errmsg, sizeof(c->errmsg))))
		return st;
	env_replaced(c, opt);
	switch (opt) {
	case LLMK_OPT_API_KEY:
		if (value && !*value)
			return llmk__client_err(c, LLMK_E_INVALID_ARG, "api_key must not be empty");
		if (llmk__secret_set(&c->api_key, value))
			return llmk__client_err(c, LLMK_E_NOMEM, "out of memory storing api_key");
		return LLMK_OK;
	case LLMK_OPT_AWS_SECRET_ACCESS_KEY:
	case LLMK_OPT_AWS_SESSION_TOKEN:
		if (value && !*value)
			return llmk__client_err(c, LLMK_E_INVALID_ARG, "%s must not be empty", llmk_option_name(opt));
		if (llmk__secret_set(opt == LLMK_OPT_AWS_SESSION_TOKEN ? &c->aws_token : &c->aws_secret, value))
			return llmk__client_err(c, LLMK_E_NOMEM, "out of memory storing %s", llmk_option_name(opt));
		return LLMK_OK;
	case LLMK_OPT_BASE_URL:
		if (!value)
			value = c->provider->base_url;
		if (!value) { /* no default (Azure): back to unset */
			llmk__free(c->base_url);
			c->base_url = NULL;
			return LLMK_OK;
		}
		if (!valid_url(value))
			return llmk__client_err(c, LLMK_E_INVALID_ARG, "base_url must start with http:// or https://");
		copy = llmk__strdup(value);
		if (!copy)
			return llmk__client_err(c, LLMK_E_NOMEM, "out of memory");
		n = strlen(copy);
		if (n > 8 && copy[n - 1] == '/')
			copy[n - 1] = '\0';
		llmk__free(c->base_url);
		c->base_url = copy;
		return LLMK_OK;
	case LLMK_OPT_MODEL:
		if (!value || !*value)
			return llmk__client_err(c, LLMK_E_INVALID_ARG, "model must not be empty");
		copy = llmk__strdup(value);
		if (!copy)
			return llmk__client_err(c, LLMK_E_NOMEM, "out of memory");
		llmk__free(c->model);
		c->model = copy;
		return LLMK_OK;
	default: break;
	}
	copy = NULL;
	if (value && !(copy = llmk__strdup(value)))
		return llmk__client_err(c, LLMK_E_NOMEM, "out of memory");
	llmk__free_wiped(c->str[llmk__option_slot(opt)]);
	c->str[llmk__option_slot(opt)] = copy;
	return LLMK_OK;
}

llmk_status llmk_client_set_i64(llmk_client *c, int32_t opt, int64_t value)
{
	llmk_status st;
	int slot;

	if (!c)
		return LLMK_E_INVALID_ARG;
	st = check_opt(c, opt, LLMK_TYPE_I64);
	if (st)
		return st;
	if (value < 0)
		return llmk__client_err(c, LLMK_E_INVALID_ARG, "option '%s' must not be negative",
		                        llmk_option_name(opt));
	if ((opt == LLMK_OPT_MAX_RESPONSE_BYTES || opt == LLMK_OPT_MAX_LINE_BYTES) && value < 1024)
		return llmk__client_err(c, LLMK_E_INVALID_ARG, "option '%s' must be at least 1024",
		                        llmk_option_name(opt));
#ifndef LLMK_HAVE_SHARED_STATE
	if (opt >= LLMK_OPT_RATE_LIMIT_RPM && opt <= LLMK_OPT_RATE_LIMIT_PER_KEY && value)
		return llmk_client_set_store(c, NULL); /* says "no rate limits in this build" */
#endif
	if (opt == LLMK_OPT_RATE_LIMIT_WINDOW_MS && value < 100)
		return llmk__client_err(c, LLMK_E_INVALID_ARG, "option 'rate_limit_window_ms' must be at least 100");
	if (opt == LLMK_OPT_CACHE && value > 2)
		return llmk__client_err(c, LLMK_E_INVALID_ARG, "option 'cache' must be 0, 1 or 2");
	if (LLMK__IS_CACHE_OPT(opt)) {
		llmk__cache_opt_set(&c->cache_opts, opt, value);
		return LLMK_OK;
	}
	slot = llmk__option_slot(opt);
	c->i64[slot] = value;
	c->i64_set |= UINT64_C(1) << slot;
	return LLMK_OK;
}

llmk_status llmk_client_set_f64(llmk_client *c, int32_t opt, double value)
{
	llmk_status st;

	if (!c)
		return LLMK_E_INVALID_ARG;
	st = check_opt(c, opt, LLMK_TYPE_F64);
	if (st)
		return st;
	/* No client-scope double options exist yet; check_opt rejected all. */
	(void)value;
	return LLMK_E_INVALID_ARG;
}

const char *llmk_client_errmsg(const llmk_client *c)
{
	return c ? c->errmsg : "client is NULL";
}

const char *llmk_client_provider(const llmk_client *c)
{
	return c ? c->provider->name : "";
}

const char *llmk_client_model(const llmk_client *c)
{
	return c ? c->model : "";
}

const char *llmk_client_base_url(const llmk_client *c)
{
	return c && c->base_url ? c->base_url : "";
}

int32_t llmk_client_has_api_key(const llmk_client *c)
{
	return c && c->api_key ? 1 : 0;
}

const char *llmk__client_str(const llmk_client *c, int32_t opt)
{
	int slot = llmk__option_slot(opt);
	return slot >= 0 ? c->str[slot] : NULL;
}

int64_t llmk__client_i64(const llmk_client *c, int32_t opt, int64_t dflt)
{
	int slot = llmk__option_slot(opt);
	int64_t v;

	if (LLMK__IS_CACHE_OPT(opt))
		return llmk__cache_opt_get(&c->cache_opts, opt, &v) ? v : dflt;
	return slot >= 0 && (c->i64_set & (UINT64_C(1) << slot)) ? c->i64[slot] : dflt;
}

void llmk_transport_init(llmk_transport *t)
{
	if (t) {
		memset(t, 0, sizeof(*t));
		t->struct_size = (uint32_t)sizeof(*t);
	}
}

void llmk__client_install_transport(llmk_client *c, const llmk_transport *t, void *user, int custom)
{
	if (c->transport.close)
		c->transport.close(c->transport_user);
	/* Copy only what the caller's version of the table has. */
	memset(&c->transport, 0, sizeof(c->transport));
	memcpy(&c->transport, t, t->struct_size < sizeof(*t) ? t->struct_size : sizeof(*t));
	c->transport.struct_size = (uint32_t)sizeof(c->transport);
	c->transport_user = user;
	c->custom_transport = custom;
}

llmk_status llmk_client_set_log(llmk_client *c, llmk_log_fn fn, int32_t max_level, void *user)
{
	if (!c || (fn && (max_level < LLMK_LOG_ERROR || max_level > LLMK_LOG_DEBUG)))
		return LLMK_E_INVALID_ARG;
	c->log_fn = fn;
	c->log_level = max_level;
	c->log_user = user;
	return LLMK_OK;
}
