/* The response cache: chat and embedding answers kept in an llmk_store
 * (llmk_client_set_cache()), so that a request asked again -- by this
 * process or, through a shared store, by another -- is answered without
 * reaching the provider.
 *
 * Which requests: every chat and embedding request of a client with a
 * cache, unless LLMK_OPT_CACHE says to bypass it. The caller opted in, so
 * sampling settings are not second-guessed (a temperature of 1 asked twice
 * gets the first answer twice: that is what a cache is for, and an
 * evaluation re-run wants exactly that); LLMK_OPT_CACHE = 2 asks again and
 * replaces the stored answer. Only complete successes are stored: never a
 * failure, a cancelled or cut stream (one that ended early is an error), an
 * answer whose finish is LLMK_FINISH_ERROR, an answer from a registered
 * provider, nor one holding an echo of the client's secrets. An answer
 * that stopped at max_tokens is complete: the same request gets the same.
 *
 * The key is a hash of what decides the answer: provider, model, base URL,
 * and the request as the adapter builds it for the wire -- method, URL, the
 * headers that can change the answer (API version, beta flags, the
 * caller's LLMK_OPT_HTTP_HEADER values), the body. Building it is the
 * normalisation: options the provider ignores are dropped there, the body's
 * member order is the adapter's. A streamed request is keyed by the body it
 * would have without streaming, so a stream and a plain send share their
 * answer. Credentials never enter the key: headers that carry one (by name,
 * or holding a secret of the client), per-request ids and signatures are
 * left out, and a URL's userinfo and key-like query parameters removed. */
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "alloc.h"
#include "attempt.h"
#include "cache.h"
#include "client.h"
#include "log.h"
#include "scrub.h"
#include "store_table.h"

#define KEY_PREFIX "cache:v1:"
#define KEY_MAX 128

struct llmk__cache_job {
	char key[KEY_MAX];
	int32_t kind;
	int stream; /* record the events delivered */
	int64_t ttl_ms;
	unsigned long n; /* the request's number, for log lines */
	llmk__cache_rec rec;
};

static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t opt(const llmk_client *c, const llmk_request *req, int32_t id, int64_t dflt)
{
	int64_t v;

	return llmk__req_i64(req, id, &v) ? v : llmk__client_i64(c, id, dflt);
}

/* Whether text holds an echo of one of the client's secrets (in any of
 * the shapes the scrubber knows). Out of memory counts as yes: the caller
 * then leaves the cache alone. */
static int holds_secret(const llmk_client *c, const char *text, size_t len)
{
	char *copy;
	int found;

	if (!c->api_key && !c->aws_secret && !c->aws_token && (!c->base_url || !strchr(c->base_url, '@')))
		return 0;
	if (!(copy = llmk__malloc(len + 1)))
		return 1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	found = llmk__client_scrub(c, copy, len, LLMK_SCRUB_USERINFO) != len || memcmp(copy, text, len);
	sodium_memzero(copy, len);
	llmk__free(copy);
	return found;
}

/* Whether text holds one of the client's secrets as it is: what a caller
 * could have put in a header value or a URL of the request. Only the key
 * is checked with this (a hash: nothing of it can be read back, but it must
 * not depend on a credential); stored values get the scrubber's full
 * search (holds_secret()). */
static int mentions_secret(const llmk_client *c, const char *text, size_t len)
{
	const char *secrets[3] = {c->api_key, c->aws_secret, c->aws_token};
	size_t i, k, n;

	for (i = 0; i < 3; i++) {
		if (!secrets[i] || !(n = strlen(secrets[i])))
			continue;
		for (k = 0; k + n <= len; k++)
			if (text[k] == secrets[i][0] && !memcmp(text + k, secrets[i], n))
				return 1;
	}
	return 0;
}

/* A header or query parameter whose name says it carries a credential, a
 * signature or a per-request id. */
static int credential_name(const char *name, size_t n)
{
	static const char *const words[] = {"auth",   "key",      "token",      "secret",      "signature", "session",
	                                    "cookie", "password", "request-id", "idempotency", "credential"};
	static const char *const exact[] = {
	        "sig",        "code", "user-agent",  "content-length", "expect",     "accept-encoding",
	        "connection", "host", "traceparent", "tracestate",     "x-amz-date", "x-amz-content-sha256"};
	char low[128];
	size_t i;

	if (n >= sizeof(low))
		return 1;
	for (i = 0; i < n; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	low[n] = '\0';
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(low, exact[i]))
			return 1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]))
			return 1;
	return 0;
}

static void h_add(crypto_generichash_state *st, const void *p, size_t n)
{
	uint8_t len[8];
	size_t i;

	for (i = 0; i < 8; i++)
		len[i] = (uint8_t)((uint64_t)n >> (8 * i));
	crypto_generichash_update(st, len, 8);
	if (n)
		crypto_generichash_update(st, p, n);
}

static void h_str(crypto_generichash_state *st, const char *s)
{
	h_add(st, s ? s : "", s ? strlen(s) : 0);
}

/* A URL without its userinfo, fragment and credential query parameters,
 * into the hash; -1 when what is left still holds a secret. */
static int h_url(crypto_generichash_state *st, const llmk_client *c, const char *url)
{
	llmk__buf b = LLMK__BUF_INIT;
	const char *p = url ? url : "", *auth = strstr(p, "://"), *end, *at, *q;
	int bad = 0;

	if (auth) {
		auth += 3;
		end = auth + strcspn(auth, "/?#");
		for (at = auth, q = NULL; at < end; at++)
			if (*at == '@')
				q = at;
		bad |= llmk__buf_append(&b, p, (size_t)(auth - p));
		p = q ? q + 1 : auth;
	}
	end = p + strcspn(p, "?#");
	bad |= llmk__buf_append(&b, p, (size_t)(end - p));
	if (*end == '?') {
		char sep = '?';
		p = end + 1;
		while (*p && *p != '#') {
			size_t n = strcspn(p, "&#"), name = strcspn(p, "=&#");
			if (!credential_name(p, name)) {
				bad |= llmk__buf_append_char(&b, sep) || llmk__buf_append(&b, p, n);
				sep = '&';
			}
			p += n;
			if (*p == '&')
				p++;
		}
	}
	bad = bad || mentions_secret(c, b.data ? b.data : "", b.len);
	if (!bad)
		h_add(st, b.data, b.len);
	llmk__buf_free(&b);
	return bad ? -1 : 0;
}

static void h_header(crypto_generichash_state *st, const llmk_client *c, const char *name, const char *value)
{
	if (credential_name(name, strlen(name)) || mentions_secret(c, value, strlen(value)))
		return;
	h_str(st, name);
	h_str(st, value);
}

/* The key of p's request into cj->key; -1 when it has none (it cannot be
 * built without the streaming flag, or a credential is in its URL). */
static int make_key(llmk__cache_job *cj, const llmk_client *c, const llmk_request *req, llmk__attempt *p,
                    const char *model)
{
	crypto_generichash_state st;
	uint8_t h[32];
	llmk_exchange scratch, *ex = &p->ex;
	llmk_response *sr = NULL;
	size_t i, nad;
	int rc = -1;

	if (p->stream) {
		/* The body a plain send would have: build it once more. */
		llmk__exchange_init(&scratch);
		ex = &scratch;
		if (!(sr = llmk__response_new()) || p->ad->build(c, &p->view, model, 0, ex, sr) != LLMK_OK)
			goto out;
		nad = ex->nheaders;
	} else {
		nad = ex->nheaders >= req->nheaders ? ex->nheaders - req->nheaders : 0;
	}
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	h_str(&st, "llmkit response cache v1");
	h_str(&st, llmk__kind_name(req->kind)); /* text: keys are shared between machines */
	h_str(&st, c->provider->name);
	h_str(&st, model);
	if (h_url(&st, c, c->base_url) || h_url(&st, c, ex->url))
		goto out;
	h_str(&st, ex->method);
	for (i = 0; i < nad; i++)
		h_header(&st, c, ex->headers[i].name, ex->headers[i].value);
	h_str(&st, "caller headers");
	for (i = 0; i < req->nheaders; i++) {
		char name[128];
		size_t n = strcspn(req->headers[i], ":");
		const char *v = req->headers[i] + n + (req->headers[i][n] ? 1 : 0);
		if (n >= sizeof(name))
			continue;
		memcpy(name, req->headers[i], n);
		name[n] = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		h_header(&st, c, name, v);
	}
	h_add(&st, ex->body.data, ex->body.len);
	crypto_generichash_final(&st, h, sizeof(h));
	if (strlen(KEY_PREFIX) + strlen(c->provider->name) + 2 + 2 * sizeof(h) > KEY_MAX)
		goto out;
	strcpy(cj->key, KEY_PREFIX);
	strcat(cj->key, c->provider->name);
	strcat(cj->key, ":");
	sodium_bin2hex(cj->key + strlen(cj->key), 2 * sizeof(h) + 1, h, sizeof(h));
	rc = 0;
out:
	if (ex == &scratch)
		llmk__exchange_clear(&scratch);
	llmk_response_free(sr);
	return rc;
}

/* A store's failure in words for the log: the statuses are the ones the
 * llmk_store documentation gives a store to answer. */
static const char *store_failure(int32_t st)
{
	switch (st) {
	case LLMK_E_PROTOCOL: return "its data is damaged or not in its format";
	case LLMK_E_TIMEOUT: return "it stayed busy or did not answer in time";
	case LLMK_E_TRANSPORT: return "it could not be reached or failed";
	case LLMK_E_CONFIG: return "it cannot be used as set up (read-only file, permissions)";
	case LLMK_E_TOO_LARGE: return "the answer is larger than it keeps";
	default: return llmk_strerror(st);
	}
}

/* ---- reading ------------------------------------------------------------- */

typedef struct got {
	llmk__buf b;
	size_t max;
} got;

static int32_t take_value(void *ctx, const uint8_t *data, size_t len)
{
	got *g = ctx;

	if (len > g->max)
		return LLMK_E_TOO_LARGE;
	llmk__buf_clear(&g->b);
	return llmk__buf_append(&g->b, data, len) ? LLMK_E_NOMEM : LLMK_OK;
}

#define MOVE(f) (dst->f = src->f, src->f = NULL)

/* Everything of src but the parts events carry (text, reasoning, refusal,
 * tool calls) into dst. */
static void move_meta(llmk_response *dst, llmk_response *src)
{
	MOVE(model);
	MOVE(request_id);
	MOVE(finish_reason);
	MOVE(id);
	MOVE(dropped);
	MOVE(items);
	MOVE(emb);
	MOVE(raw.data);
	MOVE(headers.data);
	dst->raw.len = src->raw.len, dst->raw.cap = src->raw.cap;
	dst->headers.len = src->headers.len, dst->headers.cap = src->headers.cap;
	dst->nheaders = src->nheaders, dst->header_bytes = src->header_bytes;
	dst->nitems = src->nitems, dst->itemcap = src->itemcap;
	dst->nemb = src->nemb, dst->dim = src->dim;
	src->nitems = src->itemcap = src->nemb = 0;
	dst->http_status = src->http_status;
	dst->finish = src->finish;
	dst->wire = src->wire;
}

/* The recorded events once more, through the same emitters as the
 * original stream (so the accumulated answer and the events agree),
 * slices of src's buffers in their order. */
static void replay_recorded(llmk__stream_ctx *s, llmk_response *src, const llmk__cache_rec *rec)
{
	llmk_response *dst = s->resp;
	size_t text = 0, reasoning = 0, refusal = 0, args[LLMK_MAX_TOOL_CALLS] = {0}, i, len;
	int stop = 0;

	for (i = 0; i < rec->n && !stop; i++) {
		const llmk__cache_ev *e = &rec->ev[i];
		llmk__tool_call *tc;
		len = (size_t)e->len;
		switch (e->type) {
		case LLMK_EVENT_TEXT:
			stop = llmk__emit_text(s, src->text.data ? src->text.data + text : "", len);
			text += len;
			break;
		case LLMK_EVENT_REASONING:
			stop = llmk__emit_reasoning(s, src->reasoning.data ? src->reasoning.data + reasoning : "", len);
			reasoning += len;
			break;
		case LLMK_EVENT_REFUSAL:
			stop = llmk__emit_refusal(s, src->refusal.data ? src->refusal.data + refusal : "", len);
			refusal += len;
			break;
		case LLMK_EVENT_TOOL_CALL:
			tc = &src->calls[e->index];
			stop = llmk__emit_tool(s, e->index, (e->flags & 1) ? tc->id.data : NULL,
			                       (e->flags & 2) ? tc->name.data : NULL,
			                       tc->args.data ? tc->args.data + args[e->index] : "", len);
			args[e->index] += len;
			break;
		case LLMK_EVENT_USAGE:
			memcpy(dst->usage, e->usage, sizeof(dst->usage));
			stop = llmk__emit_usage(s);
			break;
		default: break;
		}
	}
	memcpy(dst->usage, src->usage, sizeof(dst->usage));
	if (stop)
		return;
	/* Calls whose id or name no fragment carried, as the answer had them. */
	for (i = 0; i < src->ncalls; i++) {
		llmk__tool_call *tc = llmk__response_tool_call(dst, i);
		if (!tc ||
		    (!tc->id.len && src->calls[i].id.len && llmk__buf_append_str(&tc->id, src->calls[i].id.data)) ||
		    (!tc->name.len && src->calls[i].name.len &&
		     llmk__buf_append_str(&tc->name, src->calls[i].name.data)) ||
		    (!tc->args.len && src->calls[i].args.len &&
		     llmk__buf_append(&tc->args, src->calls[i].args.data, src->calls[i].args.len))) {
			llmk__fail(dst, LLMK_E_NOMEM, "out of memory");
			return;
		}
	}
}

/* A stored answer for the request: 1 with *resp replaced, else 0. */
static int lookup(llmk__cache_job *cj, const llmk_client *c, llmk__attempt *p, llmk_response **resp)
{
	got g = {LLMK__BUF_INIT, 0};
	llmk_response *src = NULL, *dst;
	llmk__cache_rec rec;
	const char *why;
	int32_t st;

	/* A value holds the raw body, the text parsed from it and the events:
	 * a few times the largest answer accepted. */
	g.max = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_RESPONSE_BYTES, LLMK_DEFAULT_MAX_RESPONSE);
	g.max = g.max > SIZE_MAX / 4 - (1u << 20) ? SIZE_MAX : 4 * g.max + (1u << 20);
	st = c->cache->kv_get(c->cache->user, cj->key, take_value, &g);
	if (st == LLMK_E_NOT_FOUND) {
		llmk__log(c, LLMK_LOG_DEBUG, "#%lu response cache: miss", cj->n);
		llmk__buf_free(&g.b);
		return 0;
	}
	if (st != LLMK_OK) {
		llmk__log(c, LLMK_LOG_WARN,
		          "#%lu response cache: the store could not be read (%s: %s); asking the provider", cj->n,
		          llmk_status_name(st), store_failure(st));
		llmk__buf_free(&g.b);
		return 0;
	}
	if (llmk__cache_value_read((const uint8_t *)g.b.data, g.b.len, cj->kind, cj->key, unix_ms(), &src, &rec,
	                           &why)) {
		llmk__log(c, strcmp(why, "it expired") ? LLMK_LOG_WARN : LLMK_LOG_DEBUG,
		          "#%lu response cache: the stored answer is not used: %s; asking the provider", cj->n, why);
		llmk__buf_free(&g.b);
		return 0;
	}
	llmk__buf_free(&g.b);
	dst = src;
	if (p->sctx.fn && rec.n && !(dst = llmk__response_new())) {
		/* No memory for a faithful replay: never other events than the
		 * original's; the provider is asked instead. */
		llmk_response_free(src);
		llmk__free(rec.ev);
		return 0;
	}
	if (dst != src)
		move_meta(dst, src);
	dst->cached = 1;
	llmk_response_free(*resp);
	*resp = p->resp = p->sctx.resp = dst;
	if (p->sctx.fn) {
		if (dst != src)
			replay_recorded(&p->sctx, src, &rec);
		else
			llmk__replay_as_events(&p->sctx);
	}
	if (dst != src)
		llmk_response_free(src);
	llmk__free(rec.ev);
	llmk__log(c, LLMK_LOG_INFO, "#%lu %s: answered from the response cache", cj->n, c->provider->name);
	return 1;
}

/* ---- the job's hooks ----------------------------------------------------- */

int llmk__cache_begin(llmk__cache_job **out, const llmk_client *c, const llmk_request *req, llmk__attempt *p,
                      unsigned long n, llmk_response **resp)
{
	llmk__cache_job *cj;
	const char *model = llmk__req_str(req, LLMK_OPT_MODEL);
	int64_t mode = opt(c, req, LLMK_OPT_CACHE, 1);

	*out = NULL;
	if (!c->cache || !mode || (req->kind != LLMK_CHAT && req->kind != LLMK_EMBED))
		return 0;
	if (!model || !*model)
		model = c->model;
	if (!(cj = llmk__calloc(1, sizeof(*cj))))
		return 0; /* no memory: a request without the cache */
	cj->kind = req->kind;
	cj->stream = p->sctx.fn != NULL;
	cj->ttl_ms = opt(c, req, LLMK_OPT_CACHE_TTL_MS, 0);
	cj->n = n;
	if (make_key(cj, c, req, p, model)) {
		llmk__log(c, LLMK_LOG_DEBUG, "response cache: this request has no key (a credential in its URL?)");
		llmk__free(cj);
		return 0;
	}
	if (mode != 2 && lookup(cj, c, p, resp)) {
		llmk__free(cj);
		return 1;
	}
	*out = cj;
	p->sctx.rec = cj->stream ? &cj->rec : NULL;
	return 0;
}

void llmk__cache_retry(llmk__cache_job *cj, llmk__attempt *p)
{
	if (!cj)
		return;
	cj->rec.n = 0;
	cj->rec.broken = 0;
	p->sctx.rec = cj->stream ? &cj->rec : NULL;
}

void llmk__cache_record(llmk__cache_rec *rec, const llmk_event *ev)
{
	llmk__cache_ev *e;

	if (rec->broken || ev->type == LLMK_EVENT_DONE)
		return;
	if (rec->n == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 64;
		llmk__cache_ev *n = cap > 4000000 ? NULL : llmk__realloc(rec->ev, cap * sizeof(*n));
		if (!n) {
			rec->broken = 1;
			return;
		}
		rec->ev = n;
		rec->cap = cap;
	}
	e = &rec->ev[rec->n++];
	memset(e, 0, sizeof(*e));
	e->type = (uint8_t)ev->type;
	e->len = ev->text_len;
	if (ev->type == LLMK_EVENT_TOOL_CALL) {
		e->index = (uint32_t)ev->tool_index;
		e->flags = (uint8_t)((ev->tool_id && *ev->tool_id ? 1 : 0) | (ev->tool_name && *ev->tool_name ? 2 : 0));
	} else if (ev->type == LLMK_EVENT_USAGE) {
		e->len = 0;
		if (ev->usage)
			memcpy(e->usage, ev->usage, sizeof(e->usage));
	}
}

void llmk__cache_end(llmk__cache_job *cj, const llmk_client *c, const llmk_response *r)
{
	llmk__buf v = LLMK__BUF_INIT;
	int64_t expires;
	int32_t st;

	if (!cj)
		return;
	/* A generation the provider reports as failed (finish "error",
	 * "timeout", a malformed tool call) is a failure too, even under 200. */
	if (r->status != LLMK_OK || r->cached || r->http_status < 200 || r->http_status > 299 || cj->rec.broken ||
	    r->finish == LLMK_FINISH_ERROR || !c->cache)
		goto out;
	expires = cj->ttl_ms > 0 ? unix_ms() + cj->ttl_ms : 0;
	if (llmk__cache_value_write(&v, r, cj->kind, cj->key, expires, cj->stream ? &cj->rec : NULL)) {
		llmk__log(c, LLMK_LOG_WARN,
		          "#%lu response cache: the answer could not be serialised (out of memory, or "
		          "a part of it this version cannot store); not stored",
		          cj->n);
		goto out;
	}
	if (holds_secret(c, v.data, v.len)) {
		llmk__log(c, LLMK_LOG_INFO, "#%lu response cache: the answer echoes a credential; not stored", cj->n);
		goto out;
	}
	st = c->cache->kv_put(c->cache->user, cj->key, (const uint8_t *)v.data, v.len, cj->ttl_ms);
	if (st != LLMK_OK)
		llmk__log(c, st == LLMK_E_TOO_LARGE ? LLMK_LOG_INFO : LLMK_LOG_WARN,
		          "#%lu response cache: the store did not keep the answer (%s: %s)", cj->n,
		          llmk_status_name(st), store_failure(st));
	else
		llmk__log(c, LLMK_LOG_DEBUG, "#%lu response cache: stored %zu bytes", cj->n, v.len);
out:
	llmk__buf_free(&v);
	llmk__free(cj->rec.ev);
	llmk__free(cj);
}

/* ---- public calls -------------------------------------------------------- */

llmk_status llmk_client_set_cache(llmk_client *c, const llmk_store *store)
{
	llmk_store *copy;

	if (!c)
		return LLMK_E_INVALID_ARG;
	if (!store) {
		llmk__free(c->cache);
		c->cache = NULL;
		return LLMK_OK;
	}
	if (!(copy = llmk__calloc(1, sizeof(*copy))))
		return llmk__client_err(c, LLMK_E_NOMEM, "out of memory");
	if (!llmk__store_copy(copy, store)) {
		llmk__free(copy);
		return llmk__client_err(c, LLMK_E_INVALID_ARG, "the store table is too small (struct_size)");
	}
	if (!copy->kv_get || !copy->kv_put) {
		llmk__free(copy);
		return llmk__client_err(c, LLMK_E_UNSUPPORTED,
		                        "the store has no kv_get or kv_put: it cannot keep answers");
	}
	llmk__free(c->cache);
	c->cache = copy;
	return LLMK_OK;
}

int32_t llmk_response_cached(const llmk_response *r)
{
	return r && r->cached ? 1 : 0;
}
