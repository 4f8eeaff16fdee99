/* Client-side rate limits.
 *
 * Two sliding windows per limit: requests (":r", one per attempt sent) and
 * tokens (":t": the input estimated as body bytes / 4 before sending,
 * replaced by the total the provider reports after). The per-minute
 * limits are scaled to rate_limit_window_ms: 600 per minute over a 1000 ms
 * window is 10 in any second, which is how a provider that counts per
 * second sees it. An attempt is asked for before it goes out, retries
 * included: every request the server sees was counted.
 *
 * Where the counts live: the store the program installed
 * (llmk_client_set_store(): shared by every client and process using it),
 * else the client's own in-process store. When the installed store fails
 * (Redis down, slow, answering errors), the same question goes to the
 * client's own store, a warning is logged once, and the next success logs
 * that the shared counts are used again: a request never fails because the
 * coordinator is gone. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "adapter.h"
#include "alloc.h"
#include "client.h"
#include "clock.h"
#include "log.h"
#include "memstore.h"
#include "ratelimit.h"
#include "request.h"
#include "response.h"
#include "store_table.h"

struct llmk__rl {
	llmk_store shared;
	int has_shared;
	llmk_store *local;
	int down; /* the shared store failed last time (atomic) */
};

void llmk__rl_free(llmk__rl *rl)
{
	if (!rl)
		return;
	llmk__memstore_free(rl->local);
	llmk__free(rl);
}

static llmk__rl *rl_new(void)
{
	llmk__rl *rl = llmk__calloc(1, sizeof(*rl));

	if (rl && !(rl->local = llmk__memstore_new())) {
		llmk__free(rl);
		rl = NULL;
	}
	return rl;
}

/* The client's state, created on first use by whichever thread gets there
 * first (a client is shared between threads). */
static llmk__rl *rl_of(const llmk_client *c)
{
	llmk__rl *rl = __atomic_load_n(&c->rl, __ATOMIC_ACQUIRE), *mine, *expected = NULL;

	if (rl)
		return rl;
	if (!(mine = rl_new()))
		return NULL;
	if (__atomic_compare_exchange_n((llmk__rl **)&c->rl, &expected, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return mine;
	llmk__rl_free(mine);
	return expected;
}

llmk_status llmk_client_set_store(llmk_client *c, const llmk_store *s)
{
	llmk__rl *rl;
	llmk_store copy;

	if (!c)
		return LLMK_E_INVALID_ARG;
	if (s && !llmk__store_copy(&copy, s))
		return llmk__client_err(c, LLMK_E_INVALID_ARG, "store table too small (struct_size %u)",
		                        (unsigned)s->struct_size);
	if (s && (!copy.window_take || !copy.window_add))
		return llmk__client_err(c, LLMK_E_UNSUPPORTED,
		                        "the store keeps no rate windows (window_take, window_add)");
	if (!(rl = rl_of(c)))
		return llmk__client_err(c, LLMK_E_NOMEM, "out of memory");
	if (s)
		rl->shared = copy;
	rl->has_shared = s != NULL;
	__atomic_store_n(&rl->down, 0, __ATOMIC_RELAXED);
	return LLMK_OK;
}

/* Copies s into out with every byte outside [A-Za-z0-9._/:-] as '_', at
 * most max bytes. */
static void put_token(char *out, size_t cap, const char *s, size_t max)
{
	size_t n = strlen(out), i;

	for (i = 0; s && s[i] && i < max && n + 1 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		         ch == '.' || ch == '_' || ch == '/' || ch == ':' || ch == '-';
		out[n++] = ok ? (char)ch : '_';
	}
	out[n] = '\0';
}

/* Hex of a 16-byte BLAKE2b of the parts (NUL-separated) into out. */
static void put_hash(char *out, size_t cap, const char *const *parts, size_t n)
{
	crypto_generichash_state st;
	unsigned char h[16];
	char hex[33];
	size_t i;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	for (i = 0; i < n; i++)
		crypto_generichash_update(&st, (const unsigned char *)(parts[i] ? parts[i] : ""),
		                          strlen(parts[i] ? parts[i] : "") + 1);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	put_token(out, cap, hex, 32);
}

/* The base URL without its userinfo: a password never goes into a key,
 * not even hashed. */
static void url_public(char *out, size_t cap, const char *url)
{
	const char *at, *scheme, *end;

	snprintf(out, cap, "%s", url ? url : "");
	if (!url || !(scheme = strstr(url, "://")))
		return;
	end = scheme + 3 + strcspn(scheme + 3, "/?#");
	at = memchr(scheme + 3, '@', (size_t)(end - scheme - 3));
	if (at)
		snprintf(out, cap, "%.*s%s", (int)(scheme + 3 - url), url, at + 1);
}

void llmk__deployment_key(const llmk_client *c, const char *model, int per_key, const char *what, char *out, size_t cap)
{
	char url[1024];

	if (!model || !*model)
		model = c->model;
	url_public(url, sizeof(url), c->base_url);
	out[0] = '\0';
	put_token(out, cap, what, 16);
	if (per_key) {
		const char *parts[3] = {c->provider->name, url, c->api_key};
		put_token(out, cap, ":k:", 3);
		put_token(out, cap, c->provider->name, 48);
		put_token(out, cap, ":", 1);
		put_hash(out, cap, parts, 3);
	} else {
		const char *parts[1] = {url};
		put_token(out, cap, ":d:", 3);
		put_token(out, cap, c->provider->name, 48);
		put_token(out, cap, ":", 1);
		put_token(out, cap, model, 96);
		put_token(out, cap, ":", 1);
		put_hash(out, cap, parts, 1);
	}
}

/* The limits' key: a name the program gave, or the deployment's. */
static void make_key(const llmk_client *c, const llmk_request *req, char *out, size_t cap)
{
	const char *name = llmk__client_str(c, LLMK_OPT_RATE_LIMIT_NAME);

	if (name && *name) {
		out[0] = '\0';
		put_token(out, cap, "rl:n:", 8);
		put_token(out, cap, name, 128);
		return;
	}
	llmk__deployment_key(c, llmk__req_str(req, LLMK_OPT_MODEL),
	                     (int)llmk__client_i64(c, LLMK_OPT_RATE_LIMIT_PER_KEY, 0), "rl", out, cap);
}

static void shared_ok(const llmk_client *c, llmk__rl *rl)
{
	if (__atomic_exchange_n(&rl->down, 0, __ATOMIC_RELAXED))
		llmk__log(c, LLMK_LOG_WARN, "rate limits: the shared store is back; its counts are used again");
}

static void shared_failed(const llmk_client *c, llmk__rl *rl, int32_t st)
{
	if (!__atomic_exchange_n(&rl->down, 1, __ATOMIC_RELAXED))
		llmk__log(c, LLMK_LOG_WARN,
		          "rate limits: the shared store failed (%s); going on with this client's own counts until it "
		          "answers again",
		          llmk_status_name(st));
}

static int32_t take(const llmk_client *c, llmk__rl *rl, const char *key, int64_t win, int64_t limit, int64_t amount,
                    int64_t *wait)
{
	int32_t st;

	if (rl->has_shared) {
		*wait = 0;
		st = rl->shared.window_take(rl->shared.user, key, win, limit, amount, wait);
		if (st == LLMK_OK && *wait >= 0) {
			shared_ok(c, rl);
			return LLMK_OK;
		}
		shared_failed(c, rl, st == LLMK_OK ? LLMK_E_SERVER : st);
	}
	*wait = 0;
	return rl->local->window_take(rl->local->user, key, win, limit, amount, wait);
}

static void add(const llmk_client *c, llmk__rl *rl, const char *key, int64_t win, int64_t amount)
{
	int32_t st;

	if (rl->has_shared) {
		st = rl->shared.window_add(rl->shared.user, key, win, amount);
		if (st == LLMK_OK) {
			shared_ok(c, rl);
			return;
		}
		shared_failed(c, rl, st);
	}
	rl->local->window_add(rl->local->user, key, win, amount);
}

/* A per-minute limit over a window of win ms (at least 1). */
static int64_t scaled(int64_t per_minute, int64_t win)
{
	double v = (double)per_minute * (double)win / 60000.0;

	if (v < 1)
		return 1;
	return v > 4e18 ? INT64_C(4000000000000000000) : (int64_t)v;
}

static int64_t window_ms(const llmk_client *c)
{
	return llmk__client_i64(c, LLMK_OPT_RATE_LIMIT_WINDOW_MS, 60000);
}

int llmk__rl_take(const llmk_client *c, const llmk_request *req, size_t body_len, double elapsed_ms, llmk__rl_ticket *t,
                  llmk_response *resp, int64_t *wait_ms)
{
	int64_t rpm = llmk__client_i64(c, LLMK_OPT_RATE_LIMIT_RPM, 0);
	int64_t tpm = llmk__client_i64(c, LLMK_OPT_RATE_LIMIT_TPM, 0);
	int64_t win = window_ms(c), max_wait, deadline, wait = 0, est = 0;
	const char *which = NULL;
	int64_t lim = 0;
	char key[sizeof(t->key) + 4];
	llmk__rl *rl;

	*wait_ms = 0;
	t->estimate = 0;
	if (rpm <= 0 && tpm <= 0)
		return LLMK__RL_GO;
	t->active = 1;
	if (!(rl = rl_of(c)))
		return LLMK__RL_GO; /* no memory for the counts: a limit is never why a request fails */
	make_key(c, req, t->key, sizeof(t->key));
	if (rpm > 0) {
		snprintf(key, sizeof(key), "%s:r", t->key);
		if (take(c, rl, key, win, scaled(rpm, win), 1, &wait) != LLMK_OK)
			wait = 0;
		if (wait > 0) {
			which = "rate_limit_rpm";
			lim = rpm;
		}
	}
	if (!wait && tpm > 0) {
		est = (int64_t)(body_len / 4) + 1;
		snprintf(key, sizeof(key), "%s:t", t->key);
		if (take(c, rl, key, win, scaled(tpm, win), est, &wait) != LLMK_OK)
			wait = est = 0;
		if (wait > 0) {
			which = "rate_limit_tpm";
			lim = tpm;
			est = 0;
			if (rpm > 0) { /* the request taken above is given back */
				snprintf(key, sizeof(key), "%s:r", t->key);
				add(c, rl, key, win, -1);
			}
		}
	}
	if (!wait) {
		t->estimate = est;
		return LLMK__RL_GO;
	}
	max_wait = llmk__client_i64(c, LLMK_OPT_RATE_LIMIT_MAX_WAIT_MS, -1);
	deadline = llmk__client_i64(c, LLMK_OPT_DEADLINE_MS, 0);
	if ((max_wait >= 0 && t->waited + (double)wait > (double)max_wait) ||
	    (deadline > 0 && elapsed_ms + (double)wait >= (double)deadline)) {
		llmk__fail(resp, LLMK_E_RATE_LIMITED,
		           "%s: this client's limit %s = %lld (%lld per %lld ms window) is reached; room in %lld ms, "
		           "longer than %s allows; nothing was sent",
		           c->provider->name, which, (long long)lim, (long long)scaled(lim, win), (long long)win,
		           (long long)wait,
		           max_wait >= 0 && t->waited + (double)wait > (double)max_wait ? "rate_limit_max_wait_ms"
		                                                                        : "deadline_ms");
		resp->retry_after_ms = wait;
		return LLMK__RL_FAIL;
	}
	*wait_ms = wait;
	return LLMK__RL_WAIT;
}

void llmk__rl_settle(const llmk_client *c, llmk__rl_ticket *t, const llmk_response *resp)
{
	int64_t used = -1;
	char key[sizeof(t->key) + 4];
	llmk__rl *rl;

	if (!t->estimate)
		return;
	if (resp->usage[LLMK_USAGE_TOTAL] >= 0)
		used = resp->usage[LLMK_USAGE_TOTAL];
	else if (resp->usage[LLMK_USAGE_INPUT] >= 0)
		used = resp->usage[LLMK_USAGE_INPUT] +
		       (resp->usage[LLMK_USAGE_OUTPUT] > 0 ? resp->usage[LLMK_USAGE_OUTPUT] : 0);
	if (used >= 0 && used != t->estimate && (rl = rl_of(c))) {
		snprintf(key, sizeof(key), "%s:t", t->key);
		add(c, rl, key, window_ms(c), used - t->estimate);
	}
	t->estimate = 0;
}
