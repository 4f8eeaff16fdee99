#define _POSIX_C_SOURCE 200809L
/* llmk_multi: many requests in flight on one thread, against the loopback
 * server (tests/support/httpd.c). The server's handler answers each chat
 * request with the text of its own prompt ("echo:<prompt>"), after a delay,
 * so every response can be checked against the request it belongs to (a
 * prompt starting "slow" waits longer, one starting "silent" gets its headers
 * and then nothing for 3 s), and
 * concurrency shows in the wall time and in the server's count of requests
 * answered at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "llmkit.h"

#define KEY "sk-test-multi-0000000000000000000000"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- the echo server ----------------------------------------------------- */

typedef struct echo_cfg {
	int delay_ms;      /* before the answer */
	int slow_delay_ms; /* for prompts starting with "slow" */
	/* > 0: hold every answer until this many requests are waiting at once
	 * (or 20 s passed): only a client with all of them in flight together
	 * gets its answers quickly, however slowly it ran (valgrind). */
	int barrier;
	int arrived;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} echo_cfg;

/* The prompt: the first "content":"..." of the request body. */
static void prompt_of(const th_request *rq, char *out, size_t cap)
{
	const char *p = rq->body ? strstr((const char *)rq->body, "\"content\":\"") : NULL;
	size_t n = 0;

	if (p)
		for (p += 11; *p && *p != '"' && n + 1 < cap; p++)
			out[n++] = *p;
	out[n] = '\0';
}

static void echo_handler(const th_request *rq, th_response *out, void *user)
{
	echo_cfg *cfg = user;
	char prompt[128], *body;
	size_t cap = 512;

	prompt_of(rq, prompt, sizeof(prompt));
	if (cfg->barrier) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 20;
		pthread_mutex_lock(&cfg->mu);
		if (++cfg->arrived >= cfg->barrier)
			pthread_cond_broadcast(&cfg->cv);
		while (cfg->arrived < cfg->barrier && pthread_cond_timedwait(&cfg->cv, &cfg->mu, &until) == 0)
			;
		pthread_mutex_unlock(&cfg->mu);
	}
	body = malloc(cap);
	snprintf(body, cap,
	         "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
	         "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"echo:%s\"},"
	         "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,"
	         "\"total_tokens\":5}}",
	         prompt);
	out->status = 200;
	out->headers = strdup("Content-Type: application/json\r\n");
	out->body = body;
	out->delay_headers_ms = !strncmp(prompt, "slow", 4) ? cfg->slow_delay_ms : cfg->delay_ms;
	if (!strncmp(prompt, "silent", 6))
		out->delay_body_ms = 3000; /* headers, then nothing for 3 s */
}

typedef struct fixture {
	th_server *srv;
	echo_cfg cfg;
	llmk_client *c;
	llmk_multi *m;
} fixture;

static llmk_client *client_for(const char *url_base)
{
	llmk_client *c;
	char url[128];

	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	snprintf(url, sizeof(url), "%s/v1", url_base);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	return c;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->srv = th_start();
	assert_non_null(f->srv);
	pthread_mutex_init(&f->cfg.mu, NULL);
	pthread_cond_init(&f->cfg.cv, NULL);
	th_set_handler(f->srv, echo_handler, &f->cfg);
	f->c = client_for(th_url(f->srv));
	assert_int_equal(llmk_multi_new(&f->m), LLMK_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	llmk_multi_free(f->m);
	llmk_client_free(f->c);
	th_stop(f->srv);
	pthread_mutex_destroy(&f->cfg.mu);
	pthread_cond_destroy(&f->cfg.cv);
	free(f);
	return 0;
}

/* ---- what came back ------------------------------------------------------- */

#define MAXQ 128

typedef struct slot {
	llmk_request *req;
	char prompt[32];
	llmk_response *resp;
	int done_calls;
	int events;
	double done_at;
	struct results *owner;
} slot;

typedef struct results {
	slot s[MAXQ];
	size_t n;
	int done;
} results;

static void on_done(llmk_response *resp, void *user)
{
	slot *s = user;

	s->done_calls++;
	s->done_at = now_ms();
	s->resp = resp;
	s->owner->done++;
}

static int32_t on_event(const llmk_event *ev, void *user)
{
	slot *s = user;

	if (llmk_event_type(ev) == LLMK_EVENT_TEXT)
		s->events++;
	return 0;
}

static slot *add(fixture *f, results *res, llmk_client *c, const char *prompt, llmk_stream_fn fn)
{
	slot *s = &res->s[res->n++];

	s->owner = res;
	snprintf(s->prompt, sizeof(s->prompt), "%s", prompt);
	assert_int_equal(llmk_request_new(&s->req, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(s->req, LLMK_ROLE_USER, s->prompt), LLMK_OK);
	assert_int_equal(llmk_multi_add(f->m, c, s->req, fn, on_done, s), LLMK_OK);
	return s;
}

static void results_free(results *res)
{
	for (size_t i = 0; i < res->n; i++) {
		llmk_response_free(res->s[i].resp);
		llmk_request_free(res->s[i].req);
	}
}

/* Every request answered once, with its own prompt echoed. */
static void assert_all_echoed(results *res)
{
	char want[64];

	assert_int_equal(res->done, (int)res->n);
	for (size_t i = 0; i < res->n; i++) {
		slot *s = &res->s[i];
		assert_int_equal(s->done_calls, 1);
		assert_non_null(s->resp);
		if (llmk_response_status(s->resp) != LLMK_OK)
			fail_msg("request %zu (%s): %s", i, s->prompt, llmk_response_error(s->resp));
		snprintf(want, sizeof(want), "echo:%s", s->prompt);
		assert_string_equal(llmk_response_text(s->resp), want);
		assert_int_equal(llmk_response_usage(s->resp, LLMK_USAGE_TOTAL), 5);
	}
}

/* ---- tests ---------------------------------------------------------------- */

static void test_64_in_flight_on_one_thread(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	char prompt[32];
	double t0, ms;

	/* The server answers nobody until all 64 requests are waiting at once. */
	f->cfg.barrier = 64;
	for (int i = 0; i < 64; i++) {
		snprintf(prompt, sizeof(prompt), "q%d", i);
		add(f, res, f->c, prompt, NULL);
	}
	t0 = now_ms();
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	ms = now_ms() - t0;
	assert_all_echoed(res);
	print_message("64 requests held until all were in flight: %.0f ms, %u answered at once\n", ms,
	              th_max_concurrent(f->srv));
	assert_int_equal(th_max_concurrent(f->srv), 64);
	assert_true(ms < 15000); /* the barrier's 20 s did not expire */
	assert_int_equal(th_request_count(f->srv), 64);
	results_free(res);
	free(res);
}

static void test_many_slow_requests_overlap(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	char prompt[32];
	double t0, ms;

	f->cfg.delay_ms = 500;
	for (int i = 0; i < 32; i++) {
		snprintf(prompt, sizeof(prompt), "o%d", i);
		add(f, res, f->c, prompt, NULL);
	}
	t0 = now_ms();
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	ms = now_ms() - t0;
	assert_all_echoed(res);
	/* One after another: 32 x 500 ms = 16 s. */
	print_message("32 requests of 500 ms each: %.0f ms\n", ms);
	assert_true(ms < 5000);
	results_free(res);
	free(res);
}

static void test_limit_in_flight(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	char prompt[32];
	double t0, ms;

	f->cfg.delay_ms = 100;
	assert_int_equal(llmk_multi_set_limit(f->m, 4), LLMK_OK);
	assert_int_equal(llmk_multi_set_limit(f->m, -1), LLMK_E_INVALID_ARG);
	for (int i = 0; i < 12; i++) {
		snprintf(prompt, sizeof(prompt), "l%d", i);
		add(f, res, f->c, prompt, NULL);
	}
	t0 = now_ms();
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	ms = now_ms() - t0;
	assert_all_echoed(res);
	assert_true(th_max_concurrent(f->srv) <= 4);
	assert_true(ms >= 3 * 100 - 5); /* three rounds of four */
	/* Requests start in the order added: the first four finish first. */
	for (int i = 0; i < 4; i++)
		for (int k = 8; k < 12; k++)
			assert_true(res->s[i].done_at <= res->s[k].done_at);
	/* Connections are reused between rounds. */
	assert_true(th_connection_count(f->srv) <= 4);
	results_free(res);
	free(res);
}

static const char *sse_body =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
        "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
        "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
        "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
        "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
        "data: [DONE]\n\n";

static void test_streams_in_flight(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	th_response r;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: text/event-stream\r\n";
	r.body = sse_body;
	r.chunked = 1;
	r.write_size = 40;
	r.delay_ms = 5;
	for (int i = 0; i < 8; i++)
		th_push(f->srv, &r);
	for (int i = 0; i < 8; i++)
		add(f, res, f->c, "stream", on_event);
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	assert_int_equal(res->done, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(llmk_response_status(res->s[i].resp), LLMK_OK);
		assert_string_equal(llmk_response_text(res->s[i].resp), "Hello");
		assert_int_equal(res->s[i].events, 2);
		assert_int_equal(llmk_response_finish(res->s[i].resp), LLMK_FINISH_STOP);
		assert_true(llmk_response_timing(res->s[i].resp, LLMK_TIMING_FIRST_TOKEN_MS) >= 0);
	}
	assert_true(th_max_concurrent(f->srv) >= 2);
	results_free(res);
	free(res);
}

static void test_retry_inside_multi(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_MAX_RETRIES, 2), LLMK_OK);
	th_push_json(f->srv, 503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}");
	th_push(f->srv, &(th_response){.status = 429,
	                               .headers = "Content-Type: application/json\r\nretry-after-ms: 50\r\n",
	                               .body = "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}"});
	/* the third attempt reaches the echo handler */
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_RETRY_BASE_MS, 20), LLMK_OK);
	add(f, res, f->c, "again", NULL);
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	assert_all_echoed(res);
	assert_int_equal(llmk_response_attempts(res->s[0].resp), 3);
	results_free(res);
	free(res);
}

static void test_failures_stay_with_their_request(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	th_server *dead = th_start();
	char url[64];
	llmk_client *down;

	snprintf(url, sizeof(url), "%s", th_url(dead));
	th_stop(dead); /* nothing listens there any more */
	down = client_for(url);
	f->cfg.delay_ms = 20;
	add(f, res, f->c, "a", NULL);
	add(f, res, down, "b", NULL);
	add(f, res, f->c, "c", NULL);
	add(f, res, down, "d", NULL);
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	assert_int_equal(res->done, 4);
	assert_string_equal(llmk_response_text(res->s[0].resp), "echo:a");
	assert_string_equal(llmk_response_text(res->s[2].resp), "echo:c");
	assert_int_equal(llmk_response_status(res->s[1].resp), LLMK_E_TRANSPORT);
	assert_int_equal(llmk_response_status(res->s[3].resp), LLMK_E_TRANSPORT);
	assert_non_null(strstr(llmk_response_error(res->s[1].resp), "openai"));
	assert_null(strstr(llmk_response_error(res->s[1].resp), KEY));
	llmk_client_free(down);
	results_free(res);
	free(res);
}

/* The program's own loop: poll() on what the multi asks for. */
static void test_own_event_loop(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	int32_t fds[128], ev[128], running = 1;
	struct pollfd pf[128];
	size_t n, loops = 0, max_fds = 0;
	int64_t t;
	char prompt[32];

	f->cfg.delay_ms = 50;
	for (int i = 0; i < 16; i++) {
		snprintf(prompt, sizeof(prompt), "e%d", i);
		add(f, res, f->c, prompt, NULL);
	}
	assert_int_equal(llmk_multi_timeout_ms(f->m), 0); /* queued: perform now */
	while (running) {
		assert_int_equal(llmk_multi_perform(f->m, &running), LLMK_OK);
		if (!running)
			break;
		n = llmk_multi_fds(f->m, fds, ev, 128);
		assert_true(n <= 128);
		if (n > max_fds)
			max_fds = n;
		for (size_t i = 0; i < n; i++) {
			pf[i].fd = fds[i];
			pf[i].events = (short)(((ev[i] & LLMK_POLL_IN) ? POLLIN : 0) |
			                       ((ev[i] & LLMK_POLL_OUT) ? POLLOUT : 0));
			assert_true(ev[i] & (LLMK_POLL_IN | LLMK_POLL_OUT));
		}
		t = llmk_multi_timeout_ms(f->m);
		poll(pf, n, t < 0 || t > 1000 ? 1000 : (int)t);
		assert_true(++loops < 10000);
	}
	assert_all_echoed(res);
	assert_true(max_fds >= 2); /* it did hand out descriptors */
	assert_int_equal(llmk_multi_timeout_ms(f->m), -1);
	assert_int_equal(llmk_multi_fds(f->m, NULL, NULL, 0), 0);
	print_message("16 requests in %zu loop turns, up to %zu descriptors\n", loops, max_fds);
	results_free(res);
	free(res);
}

typedef struct canceller {
	llmk_cancel *flag;
	double trigger_at, triggered_at;
} canceller;

static void test_cancel_one_of_many(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	llmk_cancel *flag;
	int32_t running = 1;
	double t0, trig = 0;
	slot *slow;

	f->cfg.delay_ms = 100;
	f->cfg.slow_delay_ms = 5000;
	assert_int_equal(llmk_cancel_new(&flag), LLMK_OK);
	add(f, res, f->c, "fast1", NULL);
	slow = add(f, res, f->c, "slow", NULL);
	assert_int_equal(llmk_request_set_cancel(slow->req, flag), LLMK_OK);
	add(f, res, f->c, "fast2", NULL);
	t0 = now_ms();
	while (running) {
		assert_int_equal(llmk_multi_perform(f->m, &running), LLMK_OK);
		if (!trig && now_ms() - t0 > 300) {
			llmk_cancel_trigger(flag);
			trig = now_ms();
		}
		if (running)
			assert_int_equal(llmk_multi_wait(f->m, 50), LLMK_OK);
	}
	assert_int_equal(res->done, 3);
	assert_string_equal(llmk_response_text(res->s[0].resp), "echo:fast1");
	assert_string_equal(llmk_response_text(res->s[2].resp), "echo:fast2");
	assert_int_equal(llmk_response_status(slow->resp), LLMK_E_CANCELLED);
	print_message("cancelled %.1f ms after the trigger\n", slow->done_at - trig);
	assert_true(slow->done_at - trig < 100);
	llmk_cancel_free(flag);
	results_free(res);
	free(res);
}

static void test_free_with_requests_in_flight(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	int32_t running;

	f->cfg.delay_ms = 2000;
	assert_int_equal(llmk_multi_set_limit(f->m, 2), LLMK_OK);
	for (int i = 0; i < 4; i++)
		add(f, res, f->c, "late", NULL);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(llmk_multi_perform(f->m, &running), LLMK_OK);
		assert_int_equal(running, 4);
		llmk_multi_wait(f->m, 20);
	}
	llmk_multi_free(f->m); /* two transferring, two queued */
	f->m = NULL;
	assert_int_equal(res->done, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(res->s[i].done_calls, 1);
		assert_int_equal(llmk_response_status(res->s[i].resp), LLMK_E_CANCELLED);
		assert_non_null(strstr(llmk_response_error(res->s[i].resp), "multi handle was freed"));
	}
	results_free(res);
	free(res);
}

/* A transport of the program's own: requests run one after another. */
static int32_t inline_send(llmk_exchange *ex, void *user)
{
	static const char body[] = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
	                           "\"inline\"},\"finish_reason\":\"stop\"}]}";
	int *calls = user;

	(*calls)++;
	llmk_exchange_set_status(ex, 200);
	llmk_exchange_add_header(ex, "Content-Type", "application/json");
	return llmk_exchange_write(ex, (const uint8_t *)body, sizeof(body) - 1) ? LLMK_E_CANCELLED : LLMK_OK;
}

static void test_own_transport_runs_sequentially(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	llmk_transport t;
	llmk_client *c = client_for("http://127.0.0.1:9");
	int calls = 0;

	llmk_transport_init(&t);
	t.send = inline_send;
	assert_int_equal(llmk_client_set_transport(c, &t, &calls), LLMK_OK);
	for (int i = 0; i < 5; i++)
		add(f, res, c, "x", NULL);
	add(f, res, f->c, "mixed", NULL); /* and one over curl alongside */
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	assert_int_equal(res->done, 6);
	assert_int_equal(calls, 5);
	for (int i = 0; i < 5; i++)
		assert_string_equal(llmk_response_text(res->s[i].resp), "inline");
	assert_string_equal(llmk_response_text(res->s[5].resp), "echo:mixed");
	results_free(res);
	free(res);
	llmk_client_free(c);
}

typedef struct chain {
	fixture *f;
	llmk_request *req;
	int done, ok;
} chain;

static void chain_done(llmk_response *resp, void *user)
{
	chain *ch = user;

	ch->done++;
	if (resp && llmk_response_status(resp) == LLMK_OK && !strcmp(llmk_response_text(resp), "echo:next"))
		ch->ok++;
	llmk_response_free(resp);
	if (ch->done < 10)
		assert_int_equal(llmk_multi_add(ch->f->m, ch->f->c, ch->req, NULL, chain_done, ch), LLMK_OK);
	/* driving the multi from its own callback is refused */
	assert_int_equal(llmk_multi_run(ch->f->m), LLMK_E_INVALID_ARG);
}

static void test_add_from_done_callback(void **state)
{
	fixture *f = *state;
	chain ch = {f, NULL, 0, 0};

	llmk_request_new(&ch.req, LLMK_CHAT);
	llmk_request_add_message(ch.req, LLMK_ROLE_USER, "next");
	assert_int_equal(llmk_multi_add(f->m, f->c, ch.req, NULL, chain_done, &ch), LLMK_OK);
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	assert_int_equal(ch.done, 10);
	assert_int_equal(ch.ok, 10);
	assert_int_equal(th_connection_count(f->srv), 1); /* one kept-alive connection for all */
	llmk_request_free(ch.req);
}

/* A program that stops driving its multi while a request waits to retry
 * wakes it after its deadline: the answer is the last failure, with its
 * attempts, as when the next wait would pass the deadline; not an empty
 * response. */
static void test_deadline_passes_while_waiting(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	int32_t running = 1;
	llmk_response *r;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_MAX_RETRIES, 3), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_DEADLINE_MS, 250), LLMK_OK);
	th_push(f->srv, &(th_response){.status = 500,
	                               .headers = "Content-Type: application/json\r\nretry-after-ms: 100\r\n",
	                               .body = "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"});
	add(f, res, f->c, "late", NULL);
	/* drive until the first answer came back and the retry is waiting */
	for (int i = 0; i < 200 && th_request_count(f->srv) < 1; i++) {
		assert_int_equal(llmk_multi_perform(f->m, &running), LLMK_OK);
		llmk_multi_wait(f->m, 5);
	}
	/* the 500 is answered at once: a few more turns take it in, and the
	 * request then waits 100 ms for its retry (no descriptor to watch) */
	for (int i = 0; i < 200 && (llmk_multi_fds(f->m, NULL, NULL, 0) || llmk_multi_timeout_ms(f->m) < 20); i++) {
		assert_int_equal(llmk_multi_perform(f->m, &running), LLMK_OK);
		llmk_multi_wait(f->m, 5);
	}
	assert_int_equal(running, 1);
	assert_true(llmk_multi_timeout_ms(f->m) >= 20);
	nanosleep(&(struct timespec){0, 300 * 1000000L}, NULL); /* busy elsewhere, past the deadline */
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	r = res->s[0].resp;
	assert_int_equal(llmk_response_status(r), LLMK_E_SERVER);
	assert_non_null(strstr(llmk_response_error(r), "boom"));
	assert_int_equal(llmk_response_attempts(r), 1);
	assert_int_equal(llmk_response_http_status(r), 500);
	assert_int_equal(th_request_count(f->srv), 1);
	results_free(res);
	free(res);
}

static void test_idle_timeout_inside_multi(void **state)
{
	fixture *f = *state;
	results *res = calloc(1, sizeof(*res));
	double t0, ms;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_IDLE_TIMEOUT_MS, 200), LLMK_OK);
	f->cfg.delay_ms = 0;
	add(f, res, f->c, "silent", NULL);
	add(f, res, f->c, "fine", NULL);
	t0 = now_ms();
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	ms = res->s[0].done_at - t0;
	assert_int_equal(llmk_response_status(res->s[0].resp), LLMK_E_TIMEOUT);
	assert_non_null(strstr(llmk_response_error(res->s[0].resp), "idle_timeout_ms"));
	print_message("idle 200 ms -> %.1f ms\n", ms);
	assert_true(ms >= 200 && ms < 220 + 100);
	assert_string_equal(llmk_response_text(res->s[1].resp), "echo:fine");
	results_free(res);
	free(res);
}

static void test_bad_arguments(void **state)
{
	fixture *f = *state;
	llmk_request *r;

	llmk_request_new(&r, LLMK_CHAT);
	assert_int_equal(llmk_multi_new(NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_add(NULL, f->c, r, NULL, on_done, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_add(f->m, NULL, r, NULL, on_done, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_add(f->m, f->c, NULL, NULL, on_done, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_add(f->m, f->c, r, NULL, NULL, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_perform(NULL, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_run(NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_multi_timeout_ms(NULL), -1);
	assert_int_equal(llmk_multi_timeout_ms(f->m), -1); /* nothing added */
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);   /* nothing to do */
	llmk_multi_free(NULL);
	llmk_request_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_64_in_flight_on_one_thread, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_many_slow_requests_overlap, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_limit_in_flight, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_streams_in_flight, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_retry_inside_multi, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_failures_stay_with_their_request, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_own_event_loop, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_one_of_many, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_free_with_requests_in_flight, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_own_transport_runs_sequentially, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_add_from_done_callback, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_deadline_passes_while_waiting, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_idle_timeout_inside_multi, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};
	return cmocka_run_group_tests_name("multi", tests, NULL, NULL);
}
