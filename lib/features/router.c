/* llmk_router: one logical endpoint over several deployments (clients).
 *
 * A request goes to the deployment the strategy picks; when it fails with a
 * status in the fallback set before any event reached the caller, the next
 * candidate is tried, and so on. Failures in that set count against the
 * deployment; `allowed_fails` of them in a row send it to rest for
 * `cooldown_ms`, during which it is not picked. The response names the
 * deployment that answered and lists every one tried with its status.
 *
 * Weighted balancing is smooth weighted round-robin (as in nginx): each
 * pick adds every available deployment's weight to its credit, takes the one
 * with the most, and charges it the total. Over any run of picks the shares
 * follow the weights exactly, without the spread of random choice.
 *
 * With a store (llmk_router_set_store()), cooldowns and in-flight counts
 * are also written there and read back before each plan, so routers in
 * other processes see them: a deployment one of them sent to rest is
 * skipped by all from their next plan (one round trip per deployment),
 * and least-busy compares every router's requests in flight. The store is
 * asked outside the router's lock (a slow store must not stall the other
 * threads' plans); what it says about a cooldown is copied into the
 * router's own state, so a store that fails later leaves the router with
 * what it last knew, plus its own observations. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "client.h"
#include "clock.h"
#include "log.h"
#include "multi.h"
#include "ratelimit.h"
#include "response.h"
#include "store_table.h"

typedef struct deployment {
	llmk_client *c;
	char *name;
	double weight, credit;
	int fails;         /* in a row */
	double cool_until; /* llmk__now_ms() time; 0 = available */
	int in_flight;
	uint64_t picks;
	int64_t shared_busy; /* in flight everywhere, as the store said (-1: unknown) */
} deployment;

struct llmk_router {
	deployment *d;
	size_t n, cap;
	int strategy;
	uint64_t fallback_on;
	int64_t allowed_fails, cooldown_ms;
	size_t rotor; /* least-busy ties */
	pthread_mutex_t mu;
	llmk_store store; /* shared state, when has_store */
	int has_store, per_key;
	int store_down; /* the store failed last time: warned (atomic) */
};

#define BIT(st) (UINT64_C(1) << (st))
#define DEFAULT_FALLBACK                                                                                \
	(BIT(LLMK_E_RATE_LIMITED) | BIT(LLMK_E_OVERLOADED) | BIT(LLMK_E_SERVER) | BIT(LLMK_E_TIMEOUT) | \
	 BIT(LLMK_E_TRANSPORT))

llmk_status llmk_router_new(llmk_router **out)
{
	llmk_router *rt;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	rt = llmk__calloc(1, sizeof(*rt));
	if (!rt)
		return LLMK_E_NOMEM;
	if (pthread_mutex_init(&rt->mu, NULL)) {
		llmk__free(rt);
		return LLMK_E_NOMEM;
	}
	rt->strategy = LLMK_ROUTE_FALLBACK;
	rt->fallback_on = DEFAULT_FALLBACK;
	rt->allowed_fails = 3;
	rt->cooldown_ms = 30000;
	*out = rt;
	return LLMK_OK;
}

void llmk_router_free(llmk_router *rt)
{
	size_t i;

	if (!rt)
		return;
	for (i = 0; i < rt->n; i++)
		llmk__free(rt->d[i].name);
	llmk__free(rt->d);
	pthread_mutex_destroy(&rt->mu);
	llmk__free(rt);
}

llmk_status llmk_router_set_i64(llmk_router *rt, int32_t option, int64_t v)
{
	if (!rt)
		return LLMK_E_INVALID_ARG;
	switch (option) {
	case LLMK_ROUTER_STRATEGY:
		if (v != LLMK_ROUTE_FALLBACK && v != LLMK_ROUTE_WEIGHTED && v != LLMK_ROUTE_LEAST_BUSY)
			return LLMK_E_INVALID_ARG;
		rt->strategy = (int)v;
		return LLMK_OK;
	case LLMK_ROUTER_FALLBACK_ON: rt->fallback_on = (uint64_t)v & ~BIT(LLMK_OK); return LLMK_OK;
	case LLMK_ROUTER_ALLOWED_FAILS:
		if (v < 1)
			return LLMK_E_INVALID_ARG;
		rt->allowed_fails = v;
		return LLMK_OK;
	case LLMK_ROUTER_COOLDOWN_MS:
		if (v < 0)
			return LLMK_E_INVALID_ARG;
		rt->cooldown_ms = v;
		return LLMK_OK;
	case LLMK_ROUTER_PER_KEY:
		if (v != 0 && v != 1)
			return LLMK_E_INVALID_ARG;
		rt->per_key = (int)v;
		return LLMK_OK;
	default: return LLMK_E_UNKNOWN_OPTION;
	}
}

static int valid_name(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (*s == ',' || *s == '=' || (unsigned char)*s < 0x20)
			return 0;
	return n > 0 && n < 128;
}

llmk_status llmk_router_add(llmk_router *rt, llmk_client *c, const char *name, double weight)
{
	deployment *nd;
	size_t i, ncap;

	if (!rt || !c || !name || !valid_name(name) || !(weight > 0) || !isfinite(weight))
		return LLMK_E_INVALID_ARG;
	for (i = 0; i < rt->n; i++)
		if (!strcmp(rt->d[i].name, name))
			return LLMK_E_CONFIG;
	if (rt->n == rt->cap) {
		ncap = rt->cap ? rt->cap * 2 : 4;
		nd = llmk__realloc(rt->d, ncap * sizeof(*nd));
		if (!nd)
			return LLMK_E_NOMEM;
		rt->d = nd;
		rt->cap = ncap;
	}
	nd = &rt->d[rt->n];
	memset(nd, 0, sizeof(*nd));
	nd->name = llmk__strdup(name);
	if (!nd->name)
		return LLMK_E_NOMEM;
	nd->c = c;
	nd->weight = weight;
	nd->shared_busy = -1;
	rt->n++;
	return LLMK_OK;
}

/* The order to try deployments in for one request (indexes into order[]);
 * returns how many are available, 0 when every one is cooling down. Takes
 * the pick's accounting (credit, in_flight of the first) under the lock. */
static size_t plan(llmk_router *rt, size_t *order, double now)
{
	size_t i, k, n = 0, best;
	double total = 0;

	for (i = 0; i < rt->n; i++) {
		if (rt->d[i].cool_until > now)
			continue;
		rt->d[i].cool_until = 0;
		order[n++] = i;
	}
#define BUSY(d) ((d)->shared_busy >= 0 ? (d)->shared_busy : (int64_t)(d)->in_flight)
	if (!n)
		return 0;
	best = 0;
	if (rt->strategy == LLMK_ROUTE_WEIGHTED) {
		for (k = 0; k < n; k++) {
			rt->d[order[k]].credit += rt->d[order[k]].weight;
			total += rt->d[order[k]].weight;
			if (rt->d[order[k]].credit > rt->d[order[best]].credit)
				best = k;
		}
		rt->d[order[best]].credit -= total;
	} else if (rt->strategy == LLMK_ROUTE_LEAST_BUSY) {
		/* Fewest in flight; among equals, the one after the last pick. */
		size_t start = rt->rotor % n;
		best = start;
		for (k = 1; k < n; k++) {
			size_t j = (start + k) % n;
			if (BUSY(&rt->d[order[j]]) < BUSY(&rt->d[order[best]]))
				best = j;
		}
		rt->rotor = best + 1;
	}
	if (best) { /* the pick first, the others keep their order */
		size_t first = order[best];
		memmove(order + 1, order, best * sizeof(*order));
		order[0] = first;
	}
	return n;
}

/* ---- shared state (llmk_router_set_store()) ---------------------------- */

#ifdef LLMK_HAVE_SHARED_STATE
llmk_status llmk_router_set_store(llmk_router *rt, const llmk_store *s)
{
	llmk_store copy;

	if (!rt)
		return LLMK_E_INVALID_ARG;
	if (s && !llmk__store_copy(&copy, s))
		return LLMK_E_INVALID_ARG;
	if (s && (!copy.cooldown_set || !copy.cooldown_get || !copy.counter_add))
		return LLMK_E_UNSUPPORTED;
	if (s)
		rt->store = copy;
	rt->has_store = s != NULL;
	return LLMK_OK;
}

static void key_of(const llmk_router *rt, const deployment *d, const char *what, char *out, size_t cap)
{
	llmk__deployment_key(d->c, NULL, rt->per_key, what, out, cap);
}

/* A store call's outcome: one warning when it starts failing (on the
 * deployment's client's log), one line when it answers again. */
static int store_said(llmk_router *rt, const deployment *d, int32_t st)
{
	if (st == LLMK_OK) {
		if (__atomic_exchange_n(&rt->store_down, 0, __ATOMIC_RELAXED))
			llmk__log(d->c, LLMK_LOG_WARN,
			          "router: the shared store is back; its cooldowns are used again");
		return 1;
	}
	if (!__atomic_exchange_n(&rt->store_down, 1, __ATOMIC_RELAXED))
		llmk__log(d->c, LLMK_LOG_WARN,
		          "router: the shared store failed (%s); going on with this router's own cooldowns and counts",
		          llmk_status_name(st));
	return 0;
}

/* Before a plan: what the store says of each deployment (cooldowns copied
 * into the router's state, in-flight counts for least-busy). Outside the
 * lock; a failure leaves the router's own state in charge. */
static void read_shared(llmk_router *rt)
{
	char key[256];
	int64_t left, busy;
	size_t i;
	double now;

	if (!rt->has_store)
		return;
	for (i = 0; i < rt->n; i++) {
		deployment *d = &rt->d[i];
		key_of(rt, d, "cd", key, sizeof(key));
		left = 0;
		if (!store_said(rt, d, rt->store.cooldown_get(rt->store.user, key, &left)))
			left = 0;
		busy = -1;
		if (rt->strategy == LLMK_ROUTE_LEAST_BUSY) {
			key_of(rt, d, "busy", key, sizeof(key));
			if (!store_said(rt, d, rt->store.counter_add(rt->store.user, key, 0, &busy)))
				busy = -1;
		}
		pthread_mutex_lock(&rt->mu);
		now = llmk__now_ms();
		if (left > 0 && d->cool_until < now + (double)left)
			d->cool_until = now + (double)left;
		d->shared_busy = busy;
		pthread_mutex_unlock(&rt->mu);
	}
}

/* Adds delta to the deployment's in-flight count in the store. */
static void shared_busy(llmk_router *rt, deployment *d, int64_t delta)
{
	char key[256];
	int64_t v;

	if (!rt->has_store)
		return;
	key_of(rt, d, "busy", key, sizeof(key));
	store_said(rt, d, rt->store.counter_add(rt->store.user, key, delta, &v));
}

static void shared_cooldown(llmk_router *rt, deployment *d)
{
	char key[256];

	if (!rt->has_store || !rt->cooldown_ms)
		return;
	key_of(rt, d, "cd", key, sizeof(key));
	store_said(rt, d, rt->store.cooldown_set(rt->store.user, key, rt->cooldown_ms));
}
#else /* -Dshared_state=disabled: the router keeps its state to itself */
llmk_status llmk_router_set_store(llmk_router *rt, const llmk_store *s)
{
	(void)s;
	return rt ? LLMK_E_UNSUPPORTED : LLMK_E_INVALID_ARG;
}
static void read_shared(llmk_router *rt)
{
	(void)rt;
}
static void shared_busy(llmk_router *rt, deployment *d, int64_t delta)
{
	(void)rt, (void)d, (void)delta;
}
static void shared_cooldown(llmk_router *rt, deployment *d)
{
	(void)rt, (void)d;
}
#endif

typedef struct relay {
	llmk_stream_fn fn;
	void *user;
	int delivered;
} relay;

static int32_t relay_event(const llmk_event *ev, void *user)
{
	relay *rl = user;

	rl->delivered = 1;
	return rl->fn(ev, rl->user);
}

/* One answer of deployment d: no longer in flight; a success clears its
 * failures, a failure in the fallback set counts towards a cooldown. */
static void account(llmk_router *rt, deployment *d, llmk_status st)
{
	int cools = 0;

	pthread_mutex_lock(&rt->mu);
	d->in_flight--;
	if (st == LLMK_OK) {
		d->fails = 0;
	} else if (rt->fallback_on & BIT(st)) {
		if (++d->fails >= rt->allowed_fails) {
			d->fails = 0;
			d->cool_until = llmk__now_ms() + (double)rt->cooldown_ms;
			cools = 1;
		}
	}
	pthread_mutex_unlock(&rt->mu);
	if (cools)
		shared_cooldown(rt, d);
	shared_busy(rt, d, -1);
}

static void take_turn(llmk_router *rt, deployment *d)
{
	pthread_mutex_lock(&rt->mu);
	d->in_flight++;
	d->picks++;
	pthread_mutex_unlock(&rt->mu);
	shared_busy(rt, d, 1);
}

/* A turn taken but not used (the request could not be sent there). */
static void give_back(llmk_router *rt, deployment *d)
{
	pthread_mutex_lock(&rt->mu);
	d->in_flight--;
	pthread_mutex_unlock(&rt->mu);
	shared_busy(rt, d, -1);
}

/* Whether an answer sends the request on to the next deployment. */
static int moves_on(const llmk_router *rt, const llmk_response *r, llmk_status st, int delivered)
{
	return r && st != LLMK_OK && (rt->fallback_on & BIT(st)) && !delivered;
}

/* The response names who answered and what was tried. */
static void label(llmk_response *r, const deployment *d, const llmk__buf *tried)
{
	if (d && llmk__set_field(&r->deployment, d->name) != LLMK_OK)
		llmk__fail(r, LLMK_E_NOMEM, "out of memory");
	if (tried->data && llmk__set_field(&r->tried, tried->data) != LLMK_OK)
		llmk__fail(r, LLMK_E_NOMEM, "out of memory");
}

/* Every deployment rests: an immediate OVERLOADED answer saying when the
 * first is back (soonest: soonest_back(), read under the lock). */
static llmk_response *all_cooling(const llmk_router *rt, double soonest, double now)
{
	llmk_response *r = llmk__response_new();

	if (r) {
		llmk__fail(r, LLMK_E_OVERLOADED,
		           "router: all %zu deployments are cooling down after failures; the first is back in %.0f ms",
		           rt->n, soonest - now);
		r->retry_after_ms = (int64_t)(soonest - now + 0.999);
	}
	return r;
}

static double soonest_back(const llmk_router *rt)
{
	double soonest = 0;
	size_t k;

	for (k = 0; k < rt->n; k++)
		if (!soonest || rt->d[k].cool_until < soonest)
			soonest = rt->d[k].cool_until;
	return soonest;
}

static void note_tried(llmk__buf *tried, const char *name, llmk_status st)
{
	if (tried->len)
		llmk__buf_append_str(tried, ",");
	llmk__buf_append_str(tried, name);
	llmk__buf_append_str(tried, "=");
	llmk__buf_append_str(tried, llmk_status_name(st));
}

static llmk_status route(llmk_router *rt, const llmk_request *req, llmk_stream_fn fn, void *user, llmk_response **out)
{
	size_t order_small[16], *order = order_small, n, k;
	llmk_response *r = NULL;
	llmk__buf tried = LLMK__BUF_INIT;
	relay rl = {fn, user, 0};
	deployment *d = NULL;
	llmk_status st = LLMK_OK;
	double now, soonest = 0;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	if (!rt || !req || !rt->n) {
		r = llmk__response_new();
		if (!r)
			return LLMK_E_NOMEM;
		*out = r;
		return llmk__fail(r, LLMK_E_INVALID_ARG, "%s",
		                  !rt    ? "router is NULL"
		                  : !req ? "request is NULL"
		                         : "router has no deployments");
	}
	if (rt->n > sizeof(order_small) / sizeof(order_small[0])) {
		order = llmk__malloc(rt->n * sizeof(*order));
		if (!order)
			return LLMK_E_NOMEM;
	}
	read_shared(rt);
	pthread_mutex_lock(&rt->mu);
	now = llmk__now_ms();
	n = plan(rt, order, now);
	if (!n)
		soonest = soonest_back(rt);
	pthread_mutex_unlock(&rt->mu);

	if (!n) {
		r = all_cooling(rt, soonest, now);
		st = r ? LLMK_E_OVERLOADED : LLMK_E_NOMEM;
	}
	for (k = 0; k < n; k++) {
		d = &rt->d[order[k]];
		take_turn(rt, d);
		llmk_response_free(r);
		r = NULL;
		st = fn ? llmk_stream(d->c, req, relay_event, &rl, &r) : llmk_send(d->c, req, &r);
		account(rt, d, st);
		note_tried(&tried, d->name, st);
		if (!moves_on(rt, r, st, rl.delivered))
			break;
	}
	if (order != order_small)
		llmk__free(order);
	*out = r;
	if (r) {
		label(r, d, &tried);
		st = r->status;
	}
	llmk__buf_free(&tried);
	return st;
}

llmk_status llmk_router_send(llmk_router *rt, const llmk_request *req, llmk_response **out)
{
	return route(rt, req, NULL, NULL, out);
}

llmk_status llmk_router_stream(llmk_router *rt, const llmk_request *req, llmk_stream_fn fn, void *user,
                               llmk_response **out)
{
	if (!fn) {
		if (out) {
			*out = llmk__response_new();
			if (!*out)
				return LLMK_E_NOMEM;
			return llmk__fail(*out, LLMK_E_INVALID_ARG, "stream callback is NULL");
		}
		return LLMK_E_INVALID_ARG;
	}
	return route(rt, req, fn, user, out);
}

size_t llmk_router_count(const llmk_router *rt)
{
	return rt ? rt->n : 0;
}

int32_t llmk_router_cooling(llmk_router *rt, size_t i)
{
	int32_t c;

	if (!rt || i >= rt->n)
		return -1;
	read_shared(rt); /* what every router sharing the store decided */
	pthread_mutex_lock(&rt->mu);
	c = rt->d[i].cool_until > llmk__now_ms();
	pthread_mutex_unlock(&rt->mu);
	return c;
}

/* ---- through a multi ----------------------------------------------------
 *
 * The same plan, walked from the multi's callbacks: each answer is
 * accounted as in route(); a failure in the fallback set (before any event
 * reached the caller) adds the request again for the next candidate. */

typedef struct routed {
	llmk_router *rt;
	llmk_multi *m;
	const llmk_request *req;
	llmk_stream_fn fn;
	llmk_done_fn done;
	void *user;
	int delivered;
	llmk__buf tried;
	size_t n, k; /* candidates, and the one asked now */
	size_t order[];
} routed;

static int32_t routed_event(const llmk_event *ev, void *user)
{
	routed *x = user;

	x->delivered = 1;
	return x->fn(ev, x->user);
}

static void routed_done(llmk_response *r, void *user)
{
	routed *x = user;
	llmk_router *rt = x->rt;
	deployment *d = &rt->d[x->order[x->k]], *next;
	llmk_status st = r ? r->status : LLMK_E_NOMEM;

	account(rt, d, st);
	note_tried(&x->tried, d->name, st);
	if (moves_on(rt, r, st, x->delivered) && x->k + 1 < x->n) {
		next = &rt->d[x->order[x->k + 1]];
		take_turn(rt, next);
		if (llmk_multi_add(x->m, next->c, x->req, x->fn ? routed_event : NULL, routed_done, x) == LLMK_OK) {
			x->k++;
			llmk_response_free(r);
			return;
		}
		/* Cannot go on (the multi is being freed, or memory is short):
		 * this answer is the one. */
		give_back(rt, next);
	}
	if (r)
		label(r, d, &x->tried);
	x->done(r, x->user);
	llmk__buf_free(&x->tried);
	llmk__free(x);
}

llmk_status llmk_multi_add_routed(llmk_multi *m, llmk_router *rt, const llmk_request *req, llmk_stream_fn fn,
                                  llmk_done_fn done, void *user)
{
	routed *x;
	llmk_response *r;
	llmk_status st;
	double now, soonest = 0;

	if (!m || !rt || !req || !done || !rt->n)
		return LLMK_E_INVALID_ARG;
	x = llmk__calloc(1, sizeof(*x) + rt->n * sizeof(x->order[0]));
	if (!x)
		return LLMK_E_NOMEM;
	x->rt = rt;
	x->m = m;
	x->req = req;
	x->fn = fn;
	x->done = done;
	x->user = user;
	read_shared(rt);
	pthread_mutex_lock(&rt->mu);
	now = llmk__now_ms();
	x->n = plan(rt, x->order, now);
	if (!x->n)
		soonest = soonest_back(rt);
	pthread_mutex_unlock(&rt->mu);
	if (!x->n) {
		llmk__free(x);
		if (!(r = all_cooling(rt, soonest, now)))
			return LLMK_E_NOMEM;
		st = llmk__multi_add_ready(m, r, done, user);
		if (st != LLMK_OK)
			llmk_response_free(r);
		return st;
	}
	take_turn(rt, &rt->d[x->order[0]]);
	st = llmk_multi_add(m, rt->d[x->order[0]].c, req, fn ? routed_event : NULL, routed_done, x);
	if (st != LLMK_OK) {
		give_back(rt, &rt->d[x->order[0]]);
		llmk__free(x);
	}
	return st;
}
