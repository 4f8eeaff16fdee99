#define _POSIX_C_SOURCE 200809L
/* llmk_router over real deployments: each deployment is a client of its
 * own loopback server, whose handler answers with the deployment's name, or
 * with the failure the test sets (status, delay) at any moment. Blocking
 * (llmk_router_send/stream) and through a multi (llmk_multi_add_routed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "llmkit.h"

#define KEY "sk-test-router-000000000000000000000"

typedef struct dep {
	char name[16];
	th_server *srv;
	llmk_client *c;
	pthread_mutex_t mu;
	int status;   /* HTTP status to answer with */
	int delay_ms; /* before answering */
	int stream;   /* answer chat as SSE */
} dep;

static void handler(const th_request *rq, th_response *out, void *user)
{
	dep *d = user;
	char *body = malloc(1024);
	int status, delay, stream;

	(void)rq;
	pthread_mutex_lock(&d->mu);
	status = d->status;
	delay = d->delay_ms;
	stream = d->stream;
	pthread_mutex_unlock(&d->mu);
	out->status = status;
	out->delay_headers_ms = delay;
	if (status == 200 && stream) {
		snprintf(body, 1024,
		         "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
		         "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"from:%s\"},\"finish_reason\":\"stop\"}]}"
		         "\n\n"
		         "data: [DONE]\n\n",
		         d->name);
		out->headers = strdup("Content-Type: text/event-stream\r\n");
	} else if (status == 200) {
		snprintf(body, 1024,
		         "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{"
		         "\"index\":0,"
		         "\"message\":{\"role\":\"assistant\",\"content\":\"from:%s\"},\"finish_reason\":\"stop\"}],"
		         "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}",
		         d->name);
		out->headers = strdup("Content-Type: application/json\r\n");
	} else {
		/* OpenAI's error shape (error object with message/type/code) */
		snprintf(body, 1024, "{\"error\":{\"message\":\"%s failed with %d\",\"type\":\"%s\",\"code\":null}}",
		         d->name, status,
		         status == 429   ? "rate_limit_exceeded"
		         : status >= 500 ? "server_error"
		                         : "invalid_request_error");
		out->headers = strdup("Content-Type: application/json\r\n");
	}
	out->body = body;
}

static void set(dep *d, int status, int delay_ms)
{
	pthread_mutex_lock(&d->mu);
	d->status = status;
	d->delay_ms = delay_ms;
	pthread_mutex_unlock(&d->mu);
}

typedef struct fixture {
	dep d[3];
	llmk_router *rt;
	llmk_request *req;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	static const char *names[] = {"primary", "second", "third"};
	char url[96];

	for (int i = 0; i < 3; i++) {
		dep *d = &f->d[i];
		snprintf(d->name, sizeof(d->name), "%s", names[i]);
		pthread_mutex_init(&d->mu, NULL);
		d->status = 200;
		d->srv = th_start();
		assert_non_null(d->srv);
		th_set_handler(d->srv, handler, d);
		assert_int_equal(llmk_client_new(&d->c, "openai/gpt-4o-mini"), LLMK_OK);
		snprintf(url, sizeof(url), "%s/v1", th_url(d->srv));
		assert_int_equal(llmk_client_set_str(d->c, LLMK_OPT_BASE_URL, url), LLMK_OK);
		assert_int_equal(llmk_client_set_str(d->c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
		assert_int_equal(llmk_client_set_i64(d->c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	}
	assert_int_equal(llmk_router_new(&f->rt), LLMK_OK);
	llmk_request_new(&f->req, LLMK_CHAT);
	llmk_request_add_message(f->req, LLMK_ROLE_USER, "hello");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	llmk_router_free(f->rt);
	llmk_request_free(f->req);
	for (int i = 0; i < 3; i++) {
		llmk_client_free(f->d[i].c);
		th_stop(f->d[i].srv);
		pthread_mutex_destroy(&f->d[i].mu);
	}
	free(f);
	return 0;
}

static void add_all(fixture *f, double w0, double w1, double w2)
{
	assert_int_equal(llmk_router_add(f->rt, f->d[0].c, f->d[0].name, w0), LLMK_OK);
	assert_int_equal(llmk_router_add(f->rt, f->d[1].c, f->d[1].name, w1), LLMK_OK);
	assert_int_equal(llmk_router_add(f->rt, f->d[2].c, f->d[2].name, w2), LLMK_OK);
}

/* Sends once; checks status, deployment and the tried list. */
static void expect(fixture *f, llmk_status st, const char *deployment, const char *tried)
{
	llmk_response *r;

	assert_int_equal(llmk_router_send(f->rt, f->req, &r), st);
	assert_non_null(r);
	assert_string_equal(llmk_response_deployment(r), deployment);
	assert_string_equal(llmk_response_tried(r), tried);
	if (st == LLMK_OK) {
		char want[32];
		snprintf(want, sizeof(want), "from:%s", deployment);
		assert_string_equal(llmk_response_text(r), want);
	}
	llmk_response_free(r);
}

static void test_fallback_in_order(void **state)
{
	fixture *f = *state;

	add_all(f, 1, 1, 1);
	expect(f, LLMK_OK, "primary", "primary=LLMK_OK");
	set(&f->d[0], 503, 0);
	set(&f->d[1], 500, 0);
	expect(f, LLMK_OK, "third", "primary=LLMK_E_OVERLOADED,second=LLMK_E_SERVER,third=LLMK_OK");
	set(&f->d[0], 429, 0);
	set(&f->d[1], 200, 0);
	expect(f, LLMK_OK, "second", "primary=LLMK_E_RATE_LIMITED,second=LLMK_OK");
	/* every one failing: the last failure is the answer, all were tried */
	set(&f->d[1], 502, 0);
	set(&f->d[2], 503, 0);
	{
		llmk_response *r;
		assert_int_equal(llmk_router_send(f->rt, f->req, &r), LLMK_E_OVERLOADED);
		assert_string_equal(llmk_response_deployment(r), "third");
		assert_non_null(strstr(llmk_response_error(r), "third failed with 503"));
		assert_int_equal(llmk_response_http_status(r), 503);
		llmk_response_free(r);
	}
}

static void test_what_does_not_fall_back(void **state)
{
	fixture *f = *state;

	add_all(f, 1, 1, 1);
	/* a bad request would be bad everywhere */
	set(&f->d[0], 400, 0);
	expect(f, LLMK_E_BAD_REQUEST, "primary", "primary=LLMK_E_BAD_REQUEST");
	/* configured: only rate limits move on */
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_FALLBACK_ON, 1 << LLMK_E_RATE_LIMITED), LLMK_OK);
	set(&f->d[0], 503, 0);
	expect(f, LLMK_E_OVERLOADED, "primary", "primary=LLMK_E_OVERLOADED");
	set(&f->d[0], 429, 0);
	expect(f, LLMK_OK, "second", "primary=LLMK_E_RATE_LIMITED,second=LLMK_OK");
	/* and auth failures can be made to move on too */
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_FALLBACK_ON, 1 << LLMK_E_AUTH), LLMK_OK);
	set(&f->d[0], 401, 0);
	expect(f, LLMK_OK, "second", "primary=LLMK_E_AUTH,second=LLMK_OK");
}

static void test_timeout_falls_back(void **state)
{
	fixture *f = *state;
	struct timespec t0, t1;
	double ms;

	add_all(f, 1, 1, 1);
	assert_int_equal(llmk_client_set_i64(f->d[0].c, LLMK_OPT_TIMEOUT_MS, 200), LLMK_OK);
	set(&f->d[0], 200, 3000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect(f, LLMK_OK, "second", "primary=LLMK_E_TIMEOUT,second=LLMK_OK");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000.0 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms >= 200 && ms < 1500);
}

static void test_weighted_shares(void **state)
{
	fixture *f = *state;
	int count[3] = {0, 0, 0};

	add_all(f, 1, 3, 6);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_STRATEGY, LLMK_ROUTE_WEIGHTED), LLMK_OK);
	for (int i = 0; i < 1000; i++) {
		llmk_response *r;
		assert_int_equal(llmk_router_send(f->rt, f->req, &r), LLMK_OK);
		for (int k = 0; k < 3; k++)
			if (!strcmp(llmk_response_deployment(r), f->d[k].name))
				count[k]++;
		llmk_response_free(r);
	}
	print_message("weights 1:3:6 over 1000 requests: %d / %d / %d\n", count[0], count[1], count[2]);
	/* within 5 % of the configured shares (they are exact by construction) */
	assert_in_range(count[0], 95, 105);
	assert_in_range(count[1], 285, 315);
	assert_in_range(count[2], 570, 630);
	assert_int_equal((int)th_request_count(f->d[0].srv), count[0]);
	/* a failing deployment's requests go to the others */
	set(&f->d[2], 503, 0);
	for (int i = 0; i < 10; i++) {
		llmk_response *r;
		assert_int_equal(llmk_router_send(f->rt, f->req, &r), LLMK_OK);
		assert_string_not_equal(llmk_response_deployment(r), "third");
		llmk_response_free(r);
	}
}

static void test_cooldown_and_recovery(void **state)
{
	fixture *f = *state;
	size_t before;

	add_all(f, 1, 1, 1);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_ALLOWED_FAILS, 2), LLMK_OK);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_COOLDOWN_MS, 300), LLMK_OK);
	set(&f->d[0], 429, 0);
	expect(f, LLMK_OK, "second", "primary=LLMK_E_RATE_LIMITED,second=LLMK_OK");
	assert_int_equal(llmk_router_cooling(f->rt, 0), 0);
	expect(f, LLMK_OK, "second", "primary=LLMK_E_RATE_LIMITED,second=LLMK_OK");
	/* two in a row: primary rests, and is not even asked */
	assert_int_equal(llmk_router_cooling(f->rt, 0), 1);
	before = th_request_count(f->d[0].srv);
	for (int i = 0; i < 5; i++)
		expect(f, LLMK_OK, "second", "second=LLMK_OK");
	assert_int_equal(th_request_count(f->d[0].srv), before);
	/* it recovered meanwhile; after the cooldown it answers again */
	set(&f->d[0], 200, 0);
	nanosleep(&(struct timespec){0, 320 * 1000000L}, NULL);
	assert_int_equal(llmk_router_cooling(f->rt, 0), 0);
	expect(f, LLMK_OK, "primary", "primary=LLMK_OK");
	assert_int_equal(th_request_count(f->d[0].srv), before + 1);
}

#ifdef LLMK_HAVE_SHARED_STATE
/* Two routers over the same deployments sharing one store (as two
 * processes sharing Redis would): a cooldown one of them decides is obeyed
 * by the other, which never contacts the resting deployment, and both
 * recover after it. */
static void test_store_shares_cooldowns(void **state)
{
	fixture *f = *state;
	llmk_router *other;
	llmk_store *store;
	size_t before;

	assert_int_equal(llmk_store_new_local(&store), LLMK_OK);
	add_all(f, 1, 1, 1);
	assert_int_equal(llmk_router_new(&other), LLMK_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(llmk_router_add(other, f->d[i].c, f->d[i].name, 1), LLMK_OK);
	assert_int_equal(llmk_router_set_store(f->rt, store), LLMK_OK);
	assert_int_equal(llmk_router_set_store(other, store), LLMK_OK);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_ALLOWED_FAILS, 1), LLMK_OK);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_COOLDOWN_MS, 400), LLMK_OK);
	set(&f->d[0], 429, 0);
	expect(f, LLMK_OK, "second", "primary=LLMK_E_RATE_LIMITED,second=LLMK_OK");
	before = th_request_count(f->d[0].srv);
	assert_int_equal(before, 1);
	/* the other router has seen no failure itself, and still skips it */
	assert_int_equal(llmk_router_cooling(other, 0), 1);
	for (int i = 0; i < 4; i++) {
		llmk_response *r;
		assert_int_equal(llmk_router_send(other, f->req, &r), LLMK_OK);
		assert_string_equal(llmk_response_deployment(r), "second");
		assert_string_equal(llmk_response_tried(r), "second=LLMK_OK");
		llmk_response_free(r);
	}
	assert_int_equal(th_request_count(f->d[0].srv), before);
	set(&f->d[0], 200, 0);
	nanosleep(&(struct timespec){0, 450 * 1000000L}, NULL);
	assert_int_equal(llmk_router_cooling(other, 0), 0);
	{
		llmk_response *r;
		assert_int_equal(llmk_router_send(other, f->req, &r), LLMK_OK);
		assert_string_equal(llmk_response_deployment(r), "primary");
		llmk_response_free(r);
	}
	llmk_router_free(other);
	llmk_store_free(store);
}

static void drop_done(llmk_response *r, void *user)
{
	(void)user;
	assert_int_equal(llmk_response_status(r), LLMK_OK);
	llmk_response_free(r);
}

/* Least-busy with a store counts every router's requests in flight: a
 * request held by one router on "primary" makes the other pick "second". */
static void test_store_least_busy_counts_everyone(void **state)
{
	fixture *f = *state;
	llmk_router *other;
	llmk_store *store;
	llmk_multi *m;
	llmk_response *r;
	int32_t running;

	assert_int_equal(llmk_store_new_local(&store), LLMK_OK);
	assert_int_equal(llmk_router_add(f->rt, f->d[0].c, f->d[0].name, 1), LLMK_OK);
	assert_int_equal(llmk_router_add(f->rt, f->d[1].c, f->d[1].name, 1), LLMK_OK);
	assert_int_equal(llmk_router_new(&other), LLMK_OK);
	assert_int_equal(llmk_router_add(other, f->d[0].c, f->d[0].name, 1), LLMK_OK);
	assert_int_equal(llmk_router_add(other, f->d[1].c, f->d[1].name, 1), LLMK_OK);
	for (int k = 0; k < 2; k++) {
		llmk_router *x = k ? other : f->rt;
		assert_int_equal(llmk_router_set_store(x, store), LLMK_OK);
		assert_int_equal(llmk_router_set_i64(x, LLMK_ROUTER_STRATEGY, LLMK_ROUTE_LEAST_BUSY), LLMK_OK);
	}
	/* f->rt holds a slow request on primary (its first pick) */
	set(&f->d[0], 200, 600);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	assert_int_equal(llmk_multi_add_routed(m, f->rt, f->req, NULL, drop_done, NULL), LLMK_OK);
	for (int i = 0; i < 20 && th_request_count(f->d[0].srv) == 0; i++) {
		llmk_multi_perform(m, &running);
		llmk_multi_wait(m, 20);
	}
	assert_int_equal(th_request_count(f->d[0].srv), 1);
	/* the other router's own count is 0 everywhere; the store's is not */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(llmk_router_send(other, f->req, &r), LLMK_OK);
		assert_string_equal(llmk_response_deployment(r), "second");
		llmk_response_free(r);
	}
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	llmk_multi_free(m);
	llmk_router_free(other);
	llmk_store_free(store);
}

static int32_t failing_cd_set(void *u, const char *k, int64_t ms)
{
	(void)u, (void)k, (void)ms;
	return LLMK_E_TRANSPORT;
}
static int32_t failing_cd_get(void *u, const char *k, int64_t *left)
{
	(void)u, (void)k;
	*left = 0;
	return LLMK_E_TRANSPORT;
}
static int32_t failing_counter(void *u, const char *k, int64_t d, int64_t *v)
{
	(void)u, (void)k, (void)d;
	*v = 0;
	return LLMK_E_TIMEOUT;
}

static void count_warn(int32_t level, const char *line, void *user)
{
	if (level == LLMK_LOG_WARN && strstr(line, "shared store failed"))
		(*(int *)user)++;
}

/* A store that fails every call: the router goes on with its own state
 * (cooldowns still work), one warning is logged, no request fails. */
static void test_store_failing_is_not_fatal(void **state)
{
	fixture *f = *state;
	llmk_store bad;
	int warned = 0;

	llmk_store_init(&bad);
	bad.cooldown_set = failing_cd_set;
	bad.cooldown_get = failing_cd_get;
	bad.counter_add = failing_counter;
	add_all(f, 1, 1, 1);
	for (int i = 0; i < 3; i++)
		llmk_client_set_log(f->d[i].c, count_warn, LLMK_LOG_WARN, &warned);
	assert_int_equal(llmk_router_set_store(f->rt, &bad), LLMK_OK);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_ALLOWED_FAILS, 1), LLMK_OK);
	set(&f->d[0], 429, 0);
	expect(f, LLMK_OK, "second", "primary=LLMK_E_RATE_LIMITED,second=LLMK_OK");
	expect(f, LLMK_OK, "second", "second=LLMK_OK"); /* its own cooldown */
	assert_int_equal(th_request_count(f->d[0].srv), 1);
	assert_int_equal(warned, 1);
	/* a table without the calls a router needs is refused */
	bad.counter_add = NULL;
	assert_int_equal(llmk_router_set_store(f->rt, &bad), LLMK_E_UNSUPPORTED);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_PER_KEY, 2), LLMK_E_INVALID_ARG);
}

#else
/* -Dshared_state=disabled: said, not ignored. */
static void test_store_unsupported(void **state)
{
	fixture *f = *state;
	llmk_store t = LLMK_STORE_INIT;
	llmk_store *s = NULL;

	assert_int_equal(llmk_store_new_local(&s), LLMK_E_UNSUPPORTED);
	assert_int_equal(llmk_router_set_store(f->rt, &t), LLMK_E_UNSUPPORTED);
}
#endif

static void test_all_cooling(void **state)
{
	fixture *f = *state;
	llmk_response *r;

	add_all(f, 1, 1, 1);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_ALLOWED_FAILS, 1), LLMK_OK);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_COOLDOWN_MS, 5000), LLMK_OK);
	for (int i = 0; i < 3; i++)
		set(&f->d[i], 503, 0);
	assert_int_equal(llmk_router_send(f->rt, f->req, &r), LLMK_E_OVERLOADED);
	assert_string_equal(llmk_response_tried(r),
	                    "primary=LLMK_E_OVERLOADED,second=LLMK_E_OVERLOADED,third=LLMK_E_OVERLOADED");
	llmk_response_free(r);
	assert_int_equal(llmk_router_send(f->rt, f->req, &r), LLMK_E_OVERLOADED);
	assert_string_equal(llmk_response_tried(r), "");
	assert_non_null(strstr(llmk_response_error(r), "cooling down"));
	assert_true(llmk_response_retry_after_ms(r) > 4000 && llmk_response_retry_after_ms(r) <= 5000);
	llmk_response_free(r);
}

typedef struct sworker {
	fixture *f;
	int n, slow_picks, fast_picks;
} sworker;

static void *least_busy_worker(void *arg)
{
	sworker *w = arg;

	for (int i = 0; i < w->n; i++) {
		llmk_response *r;
		if (llmk_router_send(w->f->rt, w->f->req, &r) == LLMK_OK) {
			if (!strcmp(llmk_response_deployment(r), "primary"))
				w->slow_picks++;
			else
				w->fast_picks++;
		}
		llmk_response_free(r);
	}
	return NULL;
}

static void test_least_busy(void **state)
{
	fixture *f = *state;
	pthread_t t[4];
	sworker w[4];
	int slow = 0, fast = 0;

	assert_int_equal(llmk_router_add(f->rt, f->d[0].c, "primary", 1), LLMK_OK);
	assert_int_equal(llmk_router_add(f->rt, f->d[1].c, "second", 1), LLMK_OK);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_STRATEGY, LLMK_ROUTE_LEAST_BUSY), LLMK_OK);
	/* one thread: nobody is busy, so the two alternate */
	for (int i = 0; i < 4; i++) {
		llmk_response *r;
		assert_int_equal(llmk_router_send(f->rt, f->req, &r), LLMK_OK);
		assert_string_equal(llmk_response_deployment(r), i % 2 ? "second" : "primary");
		llmk_response_free(r);
	}
	/* four threads, primary slow: it holds one request at a time while
	 * the fast one takes the rest */
	set(&f->d[0], 200, 400);
	set(&f->d[1], 200, 5);
	for (int i = 0; i < 4; i++) {
		w[i] = (sworker){f, 10, 0, 0};
		pthread_create(&t[i], NULL, least_busy_worker, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		slow += w[i].slow_picks;
		fast += w[i].fast_picks;
	}
	print_message("least busy, slow vs fast deployment: %d / %d\n", slow, fast);
	assert_int_equal(slow + fast, 40);
	assert_true(slow * 4 < fast);
}

typedef struct seen {
	int text;
	char got[64];
} seen;

static int32_t on_event(const llmk_event *ev, void *user)
{
	seen *s = user;

	if (llmk_event_type(ev) == LLMK_EVENT_TEXT) {
		s->text++;
		snprintf(s->got, sizeof(s->got), "%s", llmk_event_text(ev));
	}
	return 0;
}

static void test_stream_falls_back_before_events(void **state)
{
	fixture *f = *state;
	llmk_response *r;
	seen s = {0, ""};

	add_all(f, 1, 1, 1);
	f->d[1].stream = 1;
	set(&f->d[0], 529, 0);
	assert_int_equal(llmk_router_stream(f->rt, f->req, on_event, &s, &r), LLMK_OK);
	assert_string_equal(llmk_response_deployment(r), "second");
	assert_string_equal(llmk_response_tried(r), "primary=LLMK_E_OVERLOADED,second=LLMK_OK");
	assert_int_equal(s.text, 1);
	assert_string_equal(s.got, "from:second");
	assert_string_equal(llmk_response_text(r), "from:second");
	llmk_response_free(r);
	assert_int_equal(llmk_router_stream(f->rt, f->req, NULL, NULL, &r), LLMK_E_INVALID_ARG);
	llmk_response_free(r);
}

static void test_bad_arguments(void **state)
{
	fixture *f = *state;
	llmk_response *r;

	assert_int_equal(llmk_router_new(NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_router_send(f->rt, f->req, &r), LLMK_E_INVALID_ARG); /* empty */
	assert_non_null(strstr(llmk_response_error(r), "no deployments"));
	llmk_response_free(r);
	assert_int_equal(llmk_router_add(f->rt, f->d[0].c, "a,b", 1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_router_add(f->rt, f->d[0].c, "", 1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_router_add(f->rt, f->d[0].c, "x", 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_router_add(f->rt, NULL, "x", 1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_router_add(f->rt, f->d[0].c, "x", 1), LLMK_OK);
	assert_int_equal(llmk_router_add(f->rt, f->d[1].c, "x", 1), LLMK_E_CONFIG);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_STRATEGY, 9), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_router_set_i64(f->rt, 99, 1), LLMK_E_UNKNOWN_OPTION);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_ALLOWED_FAILS, 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_router_count(f->rt), 1);
	assert_int_equal(llmk_router_cooling(f->rt, 5), -1);
	assert_int_equal(llmk_router_send(f->rt, NULL, &r), LLMK_E_INVALID_ARG);
	llmk_response_free(r);
	/* outside a router the fields are empty */
	assert_int_equal(llmk_send(f->d[0].c, f->req, &r), LLMK_OK);
	assert_string_equal(llmk_response_deployment(r), "");
	assert_string_equal(llmk_response_tried(r), "");
	llmk_response_free(r);
	llmk_router_free(NULL);
}

/* ---- through a multi (llmk_multi_add_routed) ----------------------------- */

typedef struct routed_tally {
	int done, ok, per[3], in_add;
	char tried[160], deployment[32], error[256];
	llmk_status last;
	int64_t retry_after;
	seen ev;
} routed_tally;

static void routed_done(llmk_response *r, void *user)
{
	routed_tally *t = user;

	assert_false(t->in_add); /* answers come from performs, never from the add */
	assert_non_null(r);
	t->done++;
	t->last = llmk_response_status(r);
	if (t->last == LLMK_OK)
		t->ok++;
	for (int k = 0; k < 3; k++)
		if (!strcmp(llmk_response_deployment(r), (const char *[]){"primary", "second", "third"}[k]))
			t->per[k]++;
	snprintf(t->tried, sizeof(t->tried), "%s", llmk_response_tried(r));
	snprintf(t->deployment, sizeof(t->deployment), "%s", llmk_response_deployment(r));
	snprintf(t->error, sizeof(t->error), "%s", llmk_response_error(r));
	t->retry_after = llmk_response_retry_after_ms(r);
	if (t->last == LLMK_OK) {
		char want[32];
		snprintf(want, sizeof(want), "from:%s", llmk_response_deployment(r));
		assert_string_equal(llmk_response_text(r), want);
	}
	llmk_response_free(r);
}

static int32_t routed_on_event(const llmk_event *ev, void *user)
{
	return on_event(ev, &((routed_tally *)user)->ev);
}

static void add_routed(llmk_multi *m, fixture *f, routed_tally *t, int stream)
{
	t->in_add = 1;
	assert_int_equal(llmk_multi_add_routed(m, f->rt, f->req, stream ? routed_on_event : NULL, routed_done, t),
	                 LLMK_OK);
	t->in_add = 0;
}

/* n requests through the router in one multi, run to the end. */
static void run_routed(fixture *f, routed_tally *t, int n, int stream)
{
	llmk_multi *m;

	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	for (int i = 0; i < n; i++)
		add_routed(m, f, t, stream);
	assert_int_equal(t->done, 0);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	llmk_multi_free(m);
}

/* Upper time bounds stretch by LLMK_TEST_TIME_FACTOR (4 in scripts/test's
 * valgrind run); lower bounds never do. */
static double time_factor(void)
{
	const char *f = getenv("LLMK_TEST_TIME_FACTOR");
	double k = f ? atof(f) : 1;

	return k >= 1 ? k : 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void test_multi_falls_back_concurrently(void **state)
{
	fixture *f = *state;
	routed_tally t;
	double t0, ms;

	memset(&t, 0, sizeof(t));
	add_all(f, 1, 1, 1);
	set(&f->d[0], 503, 0);
	set(&f->d[1], 429, 50);
	set(&f->d[2], 200, 200);
	t0 = now_ms();
	run_routed(f, &t, 30, 0);
	ms = now_ms() - t0;
	print_message("30 routed requests, each failing over twice: %.0f ms, third saw %d at once\n", ms,
	              (int)th_max_concurrent(f->d[2].srv));
	assert_int_equal(t.done, 30);
	assert_int_equal(t.ok, 30);
	assert_int_equal(t.per[2], 30);
	assert_string_equal(t.tried, "primary=LLMK_E_OVERLOADED,second=LLMK_E_RATE_LIMITED,third=LLMK_OK");
	assert_int_equal((int)th_request_count(f->d[0].srv), 30);
	assert_int_equal((int)th_request_count(f->d[1].srv), 30);
	assert_int_equal((int)th_request_count(f->d[2].srv), 30);
	/* in flight together: 30 x 250 ms one after another would be 7.5 s */
	assert_true(th_max_concurrent(f->d[2].srv) > 10);
	assert_true(ms < 2500 * time_factor());
	/* the failures counted: primary and second are cooling now */
	assert_int_equal(llmk_router_cooling(f->rt, 0), 1);
	assert_int_equal(llmk_router_cooling(f->rt, 1), 1);
	assert_int_equal(llmk_router_cooling(f->rt, 2), 0);
}

static void test_multi_weighted_shares(void **state)
{
	fixture *f = *state;
	routed_tally t;

	memset(&t, 0, sizeof(t));
	add_all(f, 1, 3, 6);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_STRATEGY, LLMK_ROUTE_WEIGHTED), LLMK_OK);
	run_routed(f, &t, 1000, 0);
	print_message("multi, weights 1:3:6 over 1000 requests: %d / %d / %d\n", t.per[0], t.per[1], t.per[2]);
	assert_int_equal(t.ok, 1000);
	assert_in_range(t.per[0], 95, 105);
	assert_in_range(t.per[1], 285, 315);
	assert_in_range(t.per[2], 570, 630);
	for (int k = 0; k < 3; k++)
		assert_int_equal((int)th_request_count(f->d[k].srv), t.per[k]);
}

static void test_multi_all_cooling(void **state)
{
	fixture *f = *state;
	routed_tally t;
	llmk_multi *m;

	memset(&t, 0, sizeof(t));
	add_all(f, 1, 1, 1);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_ALLOWED_FAILS, 1), LLMK_OK);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_COOLDOWN_MS, 5000), LLMK_OK);
	for (int i = 0; i < 3; i++)
		set(&f->d[i], 503, 0);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	add_routed(m, f, &t, 0);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	assert_int_equal(t.last, LLMK_E_OVERLOADED);
	assert_string_equal(t.tried, "primary=LLMK_E_OVERLOADED,second=LLMK_E_OVERLOADED,third=LLMK_E_OVERLOADED");
	assert_string_equal(t.deployment, "third");
	/* now every deployment rests: the answer is immediate, no server asked,
	 * and it still arrives through a perform */
	add_routed(m, f, &t, 0);
	assert_int_equal(t.done, 1);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	assert_int_equal(t.done, 2);
	assert_int_equal(t.last, LLMK_E_OVERLOADED);
	assert_string_equal(t.tried, "");
	assert_non_null(strstr(t.error, "cooling down"));
	assert_true(t.retry_after > 4000 && t.retry_after <= 5000);
	for (int k = 0; k < 3; k++)
		assert_int_equal((int)th_request_count(f->d[k].srv), 1);
	/* freeing a multi with such an answer queued still delivers it */
	add_routed(m, f, &t, 0);
	llmk_multi_free(m);
	assert_int_equal(t.done, 3);
	assert_int_equal(t.last, LLMK_E_OVERLOADED);
}

static void test_multi_stream_falls_back_before_events(void **state)
{
	fixture *f = *state;
	routed_tally t;

	memset(&t, 0, sizeof(t));
	add_all(f, 1, 1, 1);
	f->d[1].stream = 1;
	set(&f->d[0], 529, 0);
	run_routed(f, &t, 2, 1);
	assert_int_equal(t.ok, 2);
	assert_int_equal(t.per[1], 2);
	assert_string_equal(t.tried, "primary=LLMK_E_OVERLOADED,second=LLMK_OK");
	assert_int_equal(t.ev.text, 2);
	assert_string_equal(t.ev.got, "from:second");
}

static void test_multi_freed_mid_flight(void **state)
{
	fixture *f = *state;
	routed_tally t;
	llmk_multi *m;
	int32_t running = 0;

	memset(&t, 0, sizeof(t));
	add_all(f, 1, 1, 1);
	assert_int_equal(llmk_router_set_i64(f->rt, LLMK_ROUTER_STRATEGY, LLMK_ROUTE_LEAST_BUSY), LLMK_OK);
	set(&f->d[0], 200, 3000);
	set(&f->d[1], 200, 3000);
	set(&f->d[2], 200, 3000);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	add_routed(m, f, &t, 0);
	add_routed(m, f, &t, 0);
	/* least busy: requests added to a multi count as in flight, so the
	 * second went elsewhere */
	for (int i = 0; i < 20 && (th_request_count(f->d[0].srv) + th_request_count(f->d[1].srv) +
	                           th_request_count(f->d[2].srv)) < 2;
	     i++) {
		assert_int_equal(llmk_multi_perform(m, &running), LLMK_OK);
		llmk_multi_wait(m, 20);
	}
	assert_int_equal(running, 2);
	llmk_multi_free(m);
	assert_int_equal(t.done, 2);
	assert_int_equal(t.last, LLMK_E_CANCELLED);
	assert_true(t.per[0] == 1 && t.per[1] == 1);
	/* nothing is left counted as in flight: the next two go to primary and
	 * second again, not to third */
	memset(&t, 0, sizeof(t));
	for (int k = 0; k < 3; k++)
		set(&f->d[k], 200, 0);
	run_routed(f, &t, 3, 0);
	assert_int_equal(t.ok, 3);
	assert_true(t.per[0] == 1 && t.per[1] == 1 && t.per[2] == 1);
}

static void test_multi_routed_bad_arguments(void **state)
{
	fixture *f = *state;
	routed_tally t;
	llmk_multi *m;

	memset(&t, 0, sizeof(t));
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	/* a router without deployments */
	assert_int_equal(llmk_multi_add_routed(m, f->rt, f->req, NULL, routed_done, &t), LLMK_E_INVALID_ARG);
	add_all(f, 1, 1, 1);
	assert_int_equal(llmk_multi_add_routed(NULL, f->rt, f->req, NULL, routed_done, &t), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_add_routed(m, NULL, f->req, NULL, routed_done, &t), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_add_routed(m, f->rt, NULL, NULL, routed_done, &t), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_add_routed(m, f->rt, f->req, NULL, NULL, &t), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	assert_int_equal(t.done, 0);
	llmk_multi_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_fallback_in_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_what_does_not_fall_back, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_timeout_falls_back, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_weighted_shares, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cooldown_and_recovery, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_all_cooling, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_least_busy, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_multi_falls_back_concurrently, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_multi_weighted_shares, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_multi_all_cooling, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_multi_stream_falls_back_before_events, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_multi_freed_mid_flight, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_multi_routed_bad_arguments, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_falls_back_before_events, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
#ifdef LLMK_HAVE_SHARED_STATE
	        cmocka_unit_test_setup_teardown(test_store_shares_cooldowns, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_store_least_busy_counts_everyone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_store_failing_is_not_fatal, setup, teardown),
#else
	        cmocka_unit_test_setup_teardown(test_store_unsupported, setup, teardown),
#endif
	};
	return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
