#define _POSIX_C_SOURCE 200809L
/* Client-side rate limits (LLMK_OPT_RATE_LIMIT_*) against a loopback
 * server that records when each request arrived: the limits hold in any
 * window, a wait shows on the response (LLMK_TIMING_RATE_WAIT_MS), fail
 * fast sends nothing and names the limit, tokens are estimated then
 * corrected by the usage reported, a multi schedules the wait instead of
 * blocking, clients share limits through one store, and a failing store
 * never fails a request. (Across processes, through Redis:
 * tests/store/test_shared.c.) */
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

#include "httpd.h"
#include "llmkit.h"

#define MAXREQ 256

typedef struct srv {
	th_server *s;
	pthread_mutex_t mu;
	double at[MAXREQ];
	size_t n;
	int usage_total; /* total_tokens to report */
} srv;

/* Upper time bounds get their slack times LLMK_TEST_TIME_FACTOR when set
 * (scripts/test sets 4 under valgrind), where requests themselves are so
 * slow that the limit may not need to wait: the waits are then not
 * checked, only that the limit held. */
static double time_slack(double ms)
{
	const char *f = getenv("LLMK_TEST_TIME_FACTOR");
	double k = f ? atof(f) : 1;

	return ms * (k >= 1 ? k : 1);
}

static int strict_timing(void)
{
	const char *f = getenv("LLMK_TEST_TIME_FACTOR");
	return !f || atof(f) <= 1;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void handler(const th_request *rq, th_response *out, void *user)
{
	srv *v = user;
	char *body = malloc(512);

	(void)rq;
	pthread_mutex_lock(&v->mu);
	if (v->n < MAXREQ)
		v->at[v->n++] = now_ms();
	snprintf(body, 512,
	         "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
	         "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
	         "\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":0,\"total_tokens\":%d}}",
	         v->usage_total, v->usage_total);
	pthread_mutex_unlock(&v->mu);
	out->status = 200;
	out->headers = strdup("Content-Type: application/json\r\n");
	out->body = body;
}

/* Most arrivals in any span of `span` ms. The checks use a span 100 ms
 * shorter than the window (and none under valgrind, where a request's
 * first run through new code takes hundreds of ms: there the total time
 * says the limit held): the limit is kept where requests are admitted,
 * and a request's way to the server (a first connection, a busy machine)
 * may shift its arrival by some ms; without the limit every request
 * arrives within a few ms, far above it. */
static size_t most_within(srv *v, double span)
{
	size_t i, j, best = 0;

	pthread_mutex_lock(&v->mu);
	for (i = 0; i < v->n; i++) {
		size_t k = 0;
		for (j = 0; j < v->n; j++)
			if (v->at[j] >= v->at[i] && v->at[j] < v->at[i] + span)
				k++;
		if (k > best)
			best = k;
	}
	pthread_mutex_unlock(&v->mu);
	return best;
}

typedef struct fx {
	srv v;
	llmk_client *c;
	llmk_request *req;
} fx;

static llmk_client *client_for(srv *v)
{
	llmk_client *c;
	char url[96];

	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	snprintf(url, sizeof(url), "%s/v1", th_url(v->s));
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test-ratelimit-0000000000000000"), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	return c;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	pthread_mutex_init(&f->v.mu, NULL);
	f->v.s = th_start();
	assert_non_null(f->v.s);
	f->v.usage_total = 3;
	th_set_handler(f->v.s, handler, &f->v);
	f->c = client_for(&f->v);
	llmk_request_new(&f->req, LLMK_CHAT);
	llmk_request_add_message(f->req, LLMK_ROLE_USER, "hello");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	llmk_client_free(f->c);
	llmk_request_free(f->req);
	th_stop(f->v.s);
	pthread_mutex_destroy(&f->v.mu);
	free(f);
	return 0;
}

/* 5 per 1000 ms window (300 per minute): 12 requests take at least two
 * windows more, no span shorter than the window sees more than 5, later
 * responses say they waited, and the wait is inside the total time. */
static void test_requests_per_window(void **state)
{
	fx *f = *state;
	llmk_response *r;
	double t0 = now_ms(), waited = 0, w;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_RPM, 300), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_WINDOW_MS, 1000), LLMK_OK);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK);
		w = llmk_response_timing(r, LLMK_TIMING_RATE_WAIT_MS);
		assert_true(w >= 0);
		if (i < 5)
			assert_true(w == 0); /* room at once: never waited */
		assert_true(w <= llmk_response_timing(r, LLMK_TIMING_TOTAL_MS));
		waited += w;
		llmk_response_free(r);
	}
	assert_true(now_ms() - t0 >= 2000 - 20);
	if (strict_timing())
		assert_true(waited >= 1800);
	assert_int_equal(f->v.n, 12);
	if (strict_timing())
		assert_true(most_within(&f->v, 900) <= 5);
}

/* Without a limit the timing says "not measured". */
static void test_no_limit_no_timing(void **state)
{
	fx *f = *state;
	llmk_response *r;

	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK);
	assert_true(llmk_response_timing(r, LLMK_TIMING_RATE_WAIT_MS) < 0);
	llmk_response_free(r);
}

/* Fail fast: the limit is named, nothing is sent, retry_after says when. */
static void test_fail_fast(void **state)
{
	fx *f = *state;
	llmk_response *r;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_RPM, 3), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_MAX_WAIT_MS, 0), LLMK_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK);
		llmk_response_free(r);
	}
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_E_RATE_LIMITED);
	assert_non_null(strstr(llmk_response_error(r), "rate_limit_rpm = 3"));
	assert_non_null(strstr(llmk_response_error(r), "nothing was sent"));
	assert_true(llmk_response_retry_after_ms(r) > 50000); /* a minute's window */
	assert_int_equal(llmk_response_http_status(r), 0);
	llmk_response_free(r);
	assert_int_equal(f->v.n, 3);
	/* a bounded wait that is too short fails the same way */
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_MAX_WAIT_MS, 100), LLMK_OK);
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_E_RATE_LIMITED);
	assert_non_null(strstr(llmk_response_error(r), "rate_limit_max_wait_ms"));
	llmk_response_free(r);
	/* and so does a wait past the deadline */
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_MAX_WAIT_MS, 600000), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_DEADLINE_MS, 2000), LLMK_OK);
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_E_RATE_LIMITED);
	assert_non_null(strstr(llmk_response_error(r), "deadline_ms"));
	llmk_response_free(r);
	assert_int_equal(f->v.n, 3);
}

/* Tokens: the estimate (body bytes / 4) is taken before sending, then
 * replaced by the usage reported. A big usage fills the window: the next
 * request must wait; a small one leaves room. */
static void test_tokens_estimate_then_usage(void **state)
{
	fx *f = *state;
	llmk_response *r;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_TPM, 1000), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_MAX_WAIT_MS, 0), LLMK_OK);
	/* each body is ~100 bytes: 25 tokens estimated, 3 reported: room for
	 * far more than 10 requests a minute */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK);
		llmk_response_free(r);
	}
	/* now the server reports 990 tokens for one: the next is refused */
	f->v.usage_total = 990;
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK);
	llmk_response_free(r);
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_E_RATE_LIMITED);
	assert_non_null(strstr(llmk_response_error(r), "rate_limit_tpm = 1000"));
	llmk_response_free(r);
	assert_int_equal(f->v.n, 21);
}

typedef struct done_state {
	int n, ok;
	double last_wait;
} done_state;

static void on_done(llmk_response *r, void *user)
{
	done_state *d = user;

	d->n++;
	d->ok += llmk_response_status(r) == LLMK_OK;
	d->last_wait = llmk_response_timing(r, LLMK_TIMING_RATE_WAIT_MS);
	llmk_response_free(r);
}

/* A multi does not block its thread while requests wait for room: every
 * perform returns at once, llmk_multi_timeout_ms() says when to come
 * back, and the limit holds. */
static void test_multi_schedules_the_wait(void **state)
{
	fx *f = *state;
	llmk_multi *m;
	done_state d = {0, 0, 0};
	int32_t running = 1;
	double t0 = now_ms(), slowest = 0, t;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_RPM, 240), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_WINDOW_MS, 1000), LLMK_OK);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	for (int i = 0; i < 12; i++)
		assert_int_equal(llmk_multi_add(m, f->c, f->req, NULL, on_done, &d), LLMK_OK);
	while (running) {
		t = now_ms();
		assert_int_equal(llmk_multi_perform(m, &running), LLMK_OK);
		if (now_ms() - t > slowest)
			slowest = now_ms() - t;
		if (running)
			llmk_multi_wait(m, 100);
	}
	llmk_multi_free(m);
	assert_int_equal(d.n, 12);
	assert_int_equal(d.ok, 12);
	assert_true(d.last_wait > 0);
	assert_true(now_ms() - t0 >= 2000 - 20); /* 4 per 1000 ms: 12 take two windows more */
	assert_true(slowest < time_slack(300));  /* never the whole wait inside perform */
	if (strict_timing())
		assert_true(most_within(&f->v, 900) <= 4);
}

/* Two clients of the same deployment share their limit through one store;
 * without it each would have its own. */
static void test_store_shared_between_clients(void **state)
{
	fx *f = *state;
	llmk_client *other = client_for(&f->v);
	llmk_store *store;
	llmk_response *r;
	int ok = 0, limited = 0;

	assert_int_equal(llmk_store_new_local(&store), LLMK_OK);
	for (int k = 0; k < 2; k++) {
		llmk_client *c = k ? other : f->c;
		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_RPM, 4), LLMK_OK);
		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_MAX_WAIT_MS, 0), LLMK_OK);
		assert_int_equal(llmk_client_set_store(c, store), LLMK_OK);
	}
	for (int i = 0; i < 6; i++) {
		llmk_status st = llmk_send(i % 2 ? other : f->c, f->req, &r);
		ok += st == LLMK_OK;
		limited += st == LLMK_E_RATE_LIMITED;
		llmk_response_free(r);
	}
	assert_int_equal(ok, 4);
	assert_int_equal(limited, 2);
	/* a named limit is another bucket */
	assert_int_equal(llmk_client_set_str(other, LLMK_OPT_RATE_LIMIT_NAME, "batch-jobs"), LLMK_OK);
	assert_int_equal(llmk_send(other, f->req, &r), LLMK_OK);
	llmk_response_free(r);
	/* back to the client's own counts: a fresh window */
	assert_int_equal(llmk_client_set_store(f->c, NULL), LLMK_OK);
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK);
	llmk_response_free(r);
	llmk_client_free(other);
	llmk_store_free(store);
}

static int32_t bad_take(void *u, const char *k, int64_t w, int64_t l, int64_t a, int64_t *wait)
{
	(void)u, (void)k, (void)w, (void)l, (void)a;
	*wait = 0;
	return LLMK_E_TRANSPORT;
}
static int32_t bad_add(void *u, const char *k, int64_t w, int64_t a)
{
	(void)u, (void)k, (void)w, (void)a;
	return LLMK_E_TIMEOUT;
}

typedef struct logged {
	int failed, back;
} logged;

static void on_log(int32_t level, const char *line, void *user)
{
	logged *l = user;

	if (level == LLMK_LOG_WARN && strstr(line, "shared store failed"))
		l->failed++;
	if (level == LLMK_LOG_WARN && strstr(line, "shared store is back"))
		l->back++;
}

/* A store that fails: no request fails, one warning, and the limit is
 * still held with the client's own counts. */
static void test_failing_store(void **state)
{
	fx *f = *state;
	llmk_store bad;
	llmk_response *r;
	logged l = {0, 0};

	llmk_store_init(&bad);
	bad.window_take = bad_take;
	bad.window_add = bad_add;
	assert_int_equal(llmk_client_set_log(f->c, on_log, LLMK_LOG_WARN, &l), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_RPM, 3), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_MAX_WAIT_MS, 0), LLMK_OK);
	assert_int_equal(llmk_client_set_store(f->c, &bad), LLMK_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK);
		llmk_response_free(r);
	}
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_E_RATE_LIMITED);
	llmk_response_free(r);
	assert_int_equal(l.failed, 1);
	assert_int_equal(l.back, 0);
	/* a table without windows is refused */
	bad.window_add = NULL;
	assert_int_equal(llmk_client_set_store(f->c, &bad), LLMK_E_UNSUPPORTED);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_WINDOW_MS, 99), LLMK_E_INVALID_ARG);
}

/* The cancel flag ends a wait for room at once. */
static void test_cancel_while_waiting(void **state)
{
	fx *f = *state;
	llmk_response *r;
	llmk_cancel *cancel;
	double t0;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_RPM, 1), LLMK_OK);
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK);
	llmk_response_free(r);
	assert_int_equal(llmk_cancel_new(&cancel), LLMK_OK);
	llmk_cancel_trigger(cancel);
	llmk_request_set_cancel(f->req, cancel);
	t0 = now_ms();
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_E_CANCELLED);
	assert_true(now_ms() - t0 < time_slack(1000));
	assert_non_null(strstr(llmk_response_error(r), "rate limits"));
	llmk_response_free(r);
	llmk_request_set_cancel(f->req, NULL);
	llmk_cancel_free(cancel);
	assert_int_equal(f->v.n, 1);
}

static int32_t ignore_event(const llmk_event *ev, void *user)
{
	(void)ev, (void)user;
	return 0;
}

/* llmk_stream goes through the same gate: a fail-fast limit refuses the
 * second stream before anything is sent. */
static void test_stream_is_limited(void **state)
{
	fx *f = *state;
	llmk_response *r;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_RPM, 1), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RATE_LIMIT_MAX_WAIT_MS, 0), LLMK_OK);
	llmk_stream(f->c, f->req, ignore_event, NULL, &r); /* answered as JSON: whatever it makes of it */
	llmk_response_free(r);
	assert_int_equal(f->v.n, 1);
	assert_int_equal(llmk_stream(f->c, f->req, ignore_event, NULL, &r), LLMK_E_RATE_LIMITED);
	llmk_response_free(r);
	assert_int_equal(f->v.n, 1);
}

/* Per deployment (default), two models of one provider and key have two
 * limits; per key they share one, and another key has its own. */
static void test_per_key(void **state)
{
	fx *f = *state;
	llmk_client *other = client_for(&f->v), *third = client_for(&f->v);
	llmk_store *store;
	llmk_response *r;

	assert_int_equal(llmk_store_new_local(&store), LLMK_OK);
	assert_int_equal(llmk_client_set_str(other, LLMK_OPT_MODEL, "gpt-4o"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(third, LLMK_OPT_API_KEY, "sk-test-another-key-000000000000000"), LLMK_OK);
	for (int k = 0; k < 3; k++) {
		llmk_client *c = k == 0 ? f->c : k == 1 ? other : third;
		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_RPM, 1), LLMK_OK);
		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_MAX_WAIT_MS, 0), LLMK_OK);
		assert_int_equal(llmk_client_set_store(c, store), LLMK_OK);
	}
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK);
	llmk_response_free(r);
	assert_int_equal(llmk_send(other, f->req, &r), LLMK_OK); /* another model: another limit */
	llmk_response_free(r);
	for (int k = 0; k < 3; k++) {
		llmk_client *c = k == 0 ? f->c : k == 1 ? other : third;
		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_PER_KEY, 1), LLMK_OK);
	}
	assert_int_equal(llmk_send(f->c, f->req, &r), LLMK_OK); /* the key's own window: empty */
	llmk_response_free(r);
	assert_int_equal(llmk_send(other, f->req, &r), LLMK_E_RATE_LIMITED); /* same key */
	llmk_response_free(r);
	assert_int_equal(llmk_send(third, f->req, &r), LLMK_OK); /* another key */
	llmk_response_free(r);
	assert_int_equal(f->v.n, 4);
	llmk_client_free(other);
	llmk_client_free(third);
	llmk_store_free(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_requests_per_window, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_no_limit_no_timing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fail_fast, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tokens_estimate_then_usage, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_multi_schedules_the_wait, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_store_shared_between_clients, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_failing_store, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_while_waiting, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_is_limited, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_per_key, setup, teardown),
	};
	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
