#define _POSIX_C_SOURCE 200809L
/* The retry policy, deadlines, cancel flags, limits and the log hook,
 * through the public API with a scripted transport (a sequence of
 * answers). test_faults.c drives the same over real sockets. */
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

#include "llmkit.h"

#define KEY "sk-retry-test-0123456789abcdefghij"

/* Scheduling allowance added to upper time bounds: 30 ms, times
 * LLMK_TEST_TIME_FACTOR when set (scripts/test sets 4 for its valgrind run,
 * where every step between two attempts runs many times slower). Lower
 * bounds never get slack. */
static double slack(void)
{
	const char *f = getenv("LLMK_TEST_TIME_FACTOR");
	double k = f ? atof(f) : 1;

	return 30 * (k >= 1 ? k : 1);
}

static const char ok_body[] =
        "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":"
        "{\"role\":\"assistant\",\"content\":\"fine\"},\"finish_reason\":\"stop\"}],"
        "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";

typedef struct answer {
	int status;          /* 0: transport failure */
	const char *headers; /* "Name: value\n" lines */
	const char *body;
	const char *ctype;
} answer;

typedef struct script {
	const answer *answers;
	size_t n, next;
	double at[16]; /* when each attempt arrived */
} script;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int32_t script_send(llmk_exchange *ex, void *user)
{
	script *s = user;
	const answer *a;
	const char *p, *e;

	if (s->next < 16)
		s->at[s->next] = now_ms();
	a = &s->answers[s->next < s->n ? s->next : s->n - 1];
	s->next++;
	if (!a->status) {
		llmk_exchange_set_error(ex, "connection reset by peer (scripted)");
		return LLMK_E_TRANSPORT;
	}
	if (llmk_exchange_set_status(ex, a->status) ||
	    llmk_exchange_add_header(ex, "Content-Type", a->ctype ? a->ctype : "application/json"))
		return LLMK_E_CANCELLED;
	for (p = a->headers; p && *p; p = e + 1) {
		char name[64], value[256];
		const char *colon = strchr(p, ':');
		e = strchr(p, '\n');
		snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
		snprintf(value, sizeof(value), "%.*s", (int)(e - colon - 2), colon + 2);
		if (llmk_exchange_add_header(ex, name, value))
			return LLMK_E_CANCELLED;
	}
	if (a->body && llmk_exchange_write(ex, (const uint8_t *)a->body, strlen(a->body)))
		return LLMK_E_CANCELLED;
	return LLMK_OK;
}

static llmk_client *client(script *s, int retries, int base_ms, int max_ms)
{
	llmk_client *c;
	llmk_transport t;

	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	llmk_transport_init(&t);
	t.send = script_send;
	assert_int_equal(llmk_client_set_transport(c, &t, s), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, retries), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_BASE_MS, base_ms), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_MAX_MS, max_ms), LLMK_OK);
	return c;
}

static llmk_request *chat(void)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"), LLMK_OK);
	return r;
}

static llmk_status run(script *s, int retries, int base_ms, int max_ms, llmk_response **resp)
{
	llmk_client *c = client(s, retries, base_ms, max_ms);
	llmk_request *r = chat();
	llmk_status st = llmk_send(c, r, resp);

	llmk_request_free(r);
	llmk_client_free(c);
	return st;
}

static void test_retries_then_success(void **state)
{
	static const answer a[] = {
	        {503, NULL, "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}", NULL},
	        {0, NULL, NULL, NULL},
	        {200, NULL, ok_body, NULL},
	};
	script s = {a, 3, 0, {0}};
	llmk_response *resp;

	(void)state;
	assert_int_equal(run(&s, 2, 20, 200, &resp), LLMK_OK);
	assert_int_equal(s.next, 3);
	assert_int_equal(llmk_response_attempts(resp), 3);
	assert_string_equal(llmk_response_text(resp), "fine");
	/* Full jitter: each wait within [0, base * 2^(attempt-1)] (+ scheduling). */
	assert_true(s.at[1] - s.at[0] <= 20 + slack());
	assert_true(s.at[2] - s.at[1] <= 40 + slack());
	llmk_response_free(resp);

	/* Out of attempts: the last answer is returned, with its count. */
	s.next = 0;
	{
		static const answer all503[] = {{503, NULL, "{\"error\":{\"message\":\"still busy\"}}", NULL}};
		script s2 = {all503, 1, 0, {0}};
		assert_int_equal(run(&s2, 2, 1, 5, &resp), LLMK_E_OVERLOADED);
		assert_int_equal(s2.next, 3);
		assert_int_equal(llmk_response_attempts(resp), 3);
		assert_non_null(strstr(llmk_response_error(resp), "still busy"));
		llmk_response_free(resp);
		s2.next = 0;
		assert_int_equal(run(&s2, 0, 1, 5, &resp), LLMK_E_OVERLOADED);
		assert_int_equal(s2.next, 1);
		assert_int_equal(llmk_response_attempts(resp), 1);
		llmk_response_free(resp);
	}
}

static void test_what_is_not_retried(void **state)
{
	static const struct {
		answer a;
		llmk_status want;
	} cases[] = {
	        {{400, NULL, "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\"}}", NULL},
	         LLMK_E_BAD_REQUEST},
	        {{401, NULL, "{\"error\":{\"message\":\"no\",\"code\":\"invalid_api_key\"}}", NULL}, LLMK_E_AUTH},
	        {{404, NULL, "{\"error\":{\"message\":\"no model\",\"code\":\"model_not_found\"}}", NULL},
	         LLMK_E_NOT_FOUND},
	        /* x-should-retry: false wins over a retryable status */
	        {{500, "x-should-retry: false\n", "{\"error\":{\"message\":\"final\"}}", NULL}, LLMK_E_SERVER},
	        /* a Retry-After longer than retry_max_ms is the caller's to honour */
	        {{429, "retry-after: 120\n", "{\"error\":{\"message\":\"slow down\",\"code\":\"rate_limit_exceeded\"}}",
	          NULL},
	         LLMK_E_RATE_LIMITED},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		script s = {&cases[i].a, 1, 0, {0}};
		llmk_response *resp;
		assert_int_equal(run(&s, 3, 1, 1000, &resp), cases[i].want);
		assert_int_equal(s.next, 1);
		assert_int_equal(llmk_response_attempts(resp), 1);
		llmk_response_free(resp);
	}
	{
		script s = {&cases[4].a, 1, 0, {0}};
		llmk_response *resp;
		run(&s, 3, 1, 1000, &resp);
		assert_int_equal(llmk_response_retry_after_ms(resp), 120000);
		llmk_response_free(resp);
	}
}

static void test_retry_after_forms_and_should_retry(void **state)
{
	static const answer ms[] = {
	        {429, "retry-after-ms: 60\nretry-after: 1\n", "{\"error\":{\"message\":\"rl\"}}", NULL},
	        {200, NULL, ok_body, NULL}};
	static const answer sec[] = {{503, "retry-after: 0\n", "{\"error\":{\"message\":\"x\"}}", NULL},
	                             {200, NULL, ok_body, NULL}};
	static const answer force[] = {{400, "x-should-retry: true\n", "{\"error\":{\"message\":\"x\"}}", NULL},
	                               {200, NULL, ok_body, NULL}};
	script s = {ms, 2, 0, {0}};
	llmk_response *resp;
	double waited;

	(void)state;
	/* retry-after-ms is more precise than retry-after and wins. */
	assert_int_equal(run(&s, 2, 1000, 5000, &resp), LLMK_OK);
	waited = s.at[1] - s.at[0];
	assert_true(waited >= 60 && waited < 60 + 10 + slack());
	assert_int_equal(llmk_response_attempts(resp), 2);
	llmk_response_free(resp);
	/* retry-after: 0 means now, not the jittered backoff. */
	s.answers = sec;
	s.next = 0;
	assert_int_equal(run(&s, 2, 1000, 5000, &resp), LLMK_OK);
	assert_true(s.at[1] - s.at[0] < 10 + slack());
	llmk_response_free(resp);
	/* x-should-retry: true retries even a 400. */
	s.answers = force;
	s.next = 0;
	assert_int_equal(run(&s, 2, 1, 5, &resp), LLMK_OK);
	assert_int_equal(llmk_response_attempts(resp), 2);
	llmk_response_free(resp);
}

static void test_deadline_bounds_everything(void **state)
{
	static const answer a[] = {{503, NULL, "{\"error\":{\"message\":\"busy\"}}", NULL}};
	script s = {a, 1, 0, {0}};
	llmk_client *c = client(&s, 50, 30, 30);
	llmk_request *r = chat();
	llmk_response *resp;
	double t0 = now_ms(), took;

	(void)state;
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_DEADLINE_MS, 150), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_OVERLOADED);
	took = now_ms() - t0;
	/* The next wait would pass the deadline: it stops before, not after. */
	assert_true(took < 150 + slack());
	assert_true(llmk_response_attempts(resp) >= 2 && llmk_response_attempts(resp) < 50);
	assert_int_equal((int)s.next, llmk_response_attempts(resp));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* ---- streams -------------------------------------------------------------- */

static int32_t count_events(const llmk_event *ev, void *user)
{
	(void)ev;
	++*(int *)user;
	return 0;
}

static void test_streams_retry_only_before_the_first_event(void **state)
{
	/* Overloaded inside a 200 stream before any event: retried. */
	static const answer before[] = {
	        {200, NULL,
	         "event: error\ndata: "
	         "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
	         "text/event-stream"},
	        {200, NULL,
	         "data: "
	         "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: "
	         "[DONE]\n\n",
	         "text/event-stream"},
	};
	/* Text reached the caller, then the stream broke: never retried. */
	static const answer after[] = {
	        {200, NULL,
	         "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half\"},\"finish_reason\":null}]}\n\n"
	         "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n",
	         "text/event-stream"},
	        {200, NULL, "data: [DONE]\n\n", "text/event-stream"},
	};
	script s = {before, 2, 0, {0}};
	llmk_client *c = client(&s, 2, 1, 5);
	llmk_request *r = chat();
	llmk_response *resp;
	int n = 0;

	(void)state;
	assert_int_equal(llmk_stream(c, r, count_events, &n, &resp), LLMK_OK);
	assert_int_equal(llmk_response_attempts(resp), 2);
	assert_string_equal(llmk_response_text(resp), "ok");
	llmk_response_free(resp);
	llmk_client_free(c);

	s.answers = after;
	s.next = 0;
	n = 0;
	c = client(&s, 2, 1, 5);
	assert_int_equal(llmk_stream(c, r, count_events, &n, &resp), LLMK_E_SERVER);
	assert_int_equal(s.next, 1);
	assert_int_equal(llmk_response_attempts(resp), 1);
	assert_string_equal(llmk_response_text(resp), "half"); /* what arrived is kept */
	assert_true(n >= 1);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* ---- cancel flag ---------------------------------------------------------- */

typedef struct trigger {
	llmk_cancel *flag;
	int after_ms;
	double at;
} trigger;

static void *fire(void *arg)
{
	trigger *t = arg;
	struct timespec ts = {t->after_ms / 1000, (long)(t->after_ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
	t->at = now_ms();
	llmk_cancel_trigger(t->flag);
	return NULL;
}

static void test_cancel_flag_during_retry_wait(void **state)
{
	static const answer a[] = {{429, "retry-after: 5\n", "{\"error\":{\"message\":\"wait\"}}", NULL}};
	script s = {a, 1, 0, {0}};
	llmk_client *c = client(&s, 3, 1, 10000);
	llmk_request *r = chat();
	llmk_response *resp;
	trigger t;
	pthread_t th;
	double end;

	(void)state;
	assert_int_equal(llmk_cancel_new(&t.flag), LLMK_OK);
	assert_int_equal(llmk_request_set_cancel(r, t.flag), LLMK_OK);
	t.after_ms = 100;
	assert_int_equal(pthread_create(&th, NULL, fire, &t), 0);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_CANCELLED);
	end = now_ms();
	pthread_join(th, NULL);
	assert_true(end - t.at < 100); /* ended within 100 ms of the trigger */
	assert_int_equal(s.next, 1);
	assert_non_null(strstr(llmk_response_error(resp), "waiting to retry"));
	assert_non_null(strstr(llmk_response_error(resp), "wait")); /* the last failure is kept */
	assert_int_equal(llmk_cancel_triggered(t.flag), 1);
	llmk_response_free(resp);

	/* Raised before sending: nothing is sent... the transport is still
	 * called (it decides), but a raised flag ends the request. */
	llmk_cancel_reset(t.flag);
	assert_int_equal(llmk_cancel_triggered(t.flag), 0);
	llmk_request_free(r);
	llmk_client_free(c);
	llmk_cancel_free(t.flag);
	llmk_cancel_trigger(NULL);
	assert_int_equal(llmk_cancel_triggered(NULL), 0);
}

/* ---- limits ------------------------------------------------------------- */

static void test_event_and_depth_limits(void **state)
{
	char *body, *p;
	size_t i;
	answer a[1];
	script s = {a, 1, 0, {0}};
	llmk_client *c;
	llmk_request *r = chat();
	llmk_response *resp;
	int n = 0;

	(void)state;
	/* 50 events with max_events 20. */
	body = calloc(1, 50 * 100);
	for (i = 0, p = body; i < 50; i++)
		p += sprintf(p, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n");
	a[0] = (answer){200, NULL, body, "text/event-stream"};
	c = client(&s, 0, 1, 1);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_EVENTS, 20), LLMK_OK);
	assert_int_equal(llmk_stream(c, r, count_events, &n, &resp), LLMK_E_TOO_LARGE);
	assert_non_null(strstr(llmk_response_error(resp), "max_events"));
	assert_int_equal(n, 20);
	llmk_response_free(resp);
	free(body);

	/* JSON nested 1000 deep, in a body and in a stream event. */
	body = calloc(1, 3000);
	p = body + sprintf(body, "{\"error\":");
	for (i = 0; i < 1000; i++)
		*p++ = '[';
	for (i = 0; i < 1000; i++)
		*p++ = ']';
	*p++ = '}';
	a[0] = (answer){500, NULL, body, NULL};
	s.next = 0;
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_SERVER); /* the HTTP status still says what happened */
	assert_non_null(strstr(llmk_response_error(resp), "max_json_depth"));
	llmk_response_free(resp);
	a[0] = (answer){200, NULL, body, NULL};
	s.next = 0;
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_PROTOCOL);
	llmk_response_free(resp);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_JSON_DEPTH, 2000), LLMK_OK);
	s.next = 0;
	/* allowed by us now; jansson's own limit or the shape ends it */
	assert_int_not_equal(llmk_send(c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	free(body);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* ---- log hook --------------------------------------------------------------- */

typedef struct lines {
	char text[4096];
	int n[5];
} lines;

static void on_log(int32_t level, const char *line, void *user)
{
	lines *l = user;

	assert_true(level >= LLMK_LOG_ERROR && level <= LLMK_LOG_DEBUG);
	assert_null(strchr(line, '\n'));
	l->n[level]++;
	strncat(l->text, line, sizeof(l->text) - strlen(l->text) - 2);
	strcat(l->text, "\n");
}

static void test_log_hook(void **state)
{
	/* The provider echoes the key in its error: the log must not. */
	static const answer a[] = {
	        {503, "x-request-id: req_abc\n", "{\"error\":{\"message\":\"busy for key " KEY "\"}}", NULL},
	        {200, "x-request-id: req_def\n", ok_body, NULL},
	};
	script s = {a, 2, 0, {0}};
	llmk_client *c = client(&s, 2, 1, 5);
	llmk_request *r = chat();
	llmk_response *resp;
	lines l;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(llmk_client_set_log(c, on_log, LLMK_LOG_DEBUG, &l), LLMK_OK);
	assert_int_equal(llmk_client_set_log(c, on_log, 9, &l), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	assert_null(strstr(l.text, KEY));
	assert_null(strstr(l.text, "0123456789abcdefghij"));
	assert_non_null(strstr(l.text, "attempt 1 of 3"));
	assert_non_null(strstr(l.text, "LLMK_E_OVERLOADED"));
	assert_non_null(strstr(l.text, "retrying in"));
	assert_non_null(strstr(l.text, "HTTP 200"));
	assert_non_null(strstr(l.text, "request id req_def"));
	assert_int_equal(l.n[LLMK_LOG_DEBUG], 2); /* one per attempt */
	assert_int_equal(l.n[LLMK_LOG_INFO], 1);
	assert_int_equal(l.n[LLMK_LOG_WARN], 2); /* the failed attempt, the retry */
	assert_int_equal(l.n[LLMK_LOG_ERROR], 0);

	/* Only up to the level asked for; a final failure is an ERROR line. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(llmk_client_set_log(c, on_log, LLMK_LOG_ERROR, &l), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	s.next = 0;
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_OVERLOADED);
	llmk_response_free(resp);
	assert_int_equal(l.n[LLMK_LOG_ERROR], 1);
	assert_int_equal(l.n[LLMK_LOG_WARN] + l.n[LLMK_LOG_INFO] + l.n[LLMK_LOG_DEBUG], 0);
	assert_null(strstr(l.text, KEY));
	assert_non_null(strstr(l.text, "[REDACTED]"));

	/* Off again. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(llmk_client_set_log(c, NULL, 0, NULL), LLMK_OK);
	s.next = 0;
	llmk_send(c, r, &resp);
	llmk_response_free(resp);
	assert_int_equal(l.n[LLMK_LOG_ERROR], 0);
	llmk_request_free(r);
	llmk_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_retries_then_success),
	        cmocka_unit_test(test_what_is_not_retried),
	        cmocka_unit_test(test_retry_after_forms_and_should_retry),
	        cmocka_unit_test(test_deadline_bounds_everything),
	        cmocka_unit_test(test_streams_retry_only_before_the_first_event),
	        cmocka_unit_test(test_cancel_flag_during_retry_wait),
	        cmocka_unit_test(test_event_and_depth_limits),
	        cmocka_unit_test(test_log_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
