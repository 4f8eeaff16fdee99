#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* timegm-free gmtime_r, strftime */
/* Fault injection through the built-in curl transport: refused and
 * blackholed connections, TCP resets before and inside answers, truncated
 * streams, silences and slow drips against the timeouts, rate limits with
 * every form of Retry-After, server errors then success, hostile bodies
 * (gigantic, invalid UTF-8, invalid or 10000-deep JSON, too many events),
 * odd but valid framings, and cancellation from another thread. Each case
 * checks the status, llmk_response_attempts(), the time taken, the requests
 * the server saw and that the response explains itself.
 *
 * Servers: tests/support/httpd.c (scripted answers, RST and body delays)
 * and tests/support/faultd.c (refusing and blackhole ports, payloads).
 *
 * Timing bounds: a timeout must fire within ±10 % of its configured value,
 * plus FIXED_MS (30 ms) for thread scheduling and loopback I/O on a busy
 * machine. Under valgrind (RUNNING_ON_VALGRIND from <valgrind/valgrind.h>,
 * when available) everything runs 20-50x slower, so there -- and only
 * there -- the upper bounds are widened (x3 + 500 ms); lower bounds never
 * are. Measured values are printed to stderr ("[faults] ...") so a run
 * shows the precision achieved. */
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

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define FT_HAVE_VALGRIND 1
#endif
#endif

#include "capture.h"
#include "faultd.h"
#include "httpd.h"
#include "llmkit.h"

#define KEY "sk-test-faults-0000000000000000000000"
#define FIXED_MS 30.0   /* scheduling allowance added to every upper bound */
#define CANCEL_MS 100.0 /* the header's promise: cancelled within about 100 ms */

static const char OK_JSON[] =
        "{\"id\":\"chatcmpl-ok\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
        "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
        "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";
static const char ERR_500[] =
        "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
static const char STREAM_TEXT[] = "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2";

static int slow; /* running under valgrind */

/* ---- time ----------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double upper(double ms)
{
	return slow ? ms * 1.1 * 3 + 500 : ms * 1.1 + FIXED_MS;
}

/* A timeout of `cfg` ms fired after `el` ms: within ±10 % (+FIXED_MS). */
static void check_fired(const char *what, double cfg, double el)
{
	fprintf(stderr, "[faults] %s: configured %.0f ms, fired at %.1f ms\n", what, cfg, el);
	if (el < cfg * 0.9 || el > upper(cfg))
		fail_msg("%s: %.1f ms is outside [%.1f, %.1f]", what, el, cfg * 0.9, upper(cfg));
}

/* Something that should take at most `max` ms (plus the allowances). */
static void check_within(const char *what, double max, double el)
{
	fprintf(stderr, "[faults] %s: %.1f ms (bound %.0f ms)\n", what, el, max);
	if (el > upper(max))
		fail_msg("%s: %.1f ms exceeds %.1f ms", what, el, upper(max));
}

static void check_between(const char *what, double lo, double hi, double el)
{
	fprintf(stderr, "[faults] %s: %.1f ms (expected %.0f..%.0f ms)\n", what, el, lo, hi);
	if (el < lo || el > upper(hi))
		fail_msg("%s: %.1f ms is outside [%.1f, %.1f]", what, el, lo, upper(hi));
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* ---- fixture -------------------------------------------------------------- */

typedef struct fx {
	th_server *srv;
	llmk_client *c;
	llmk_request *chat;
	llmk_cancel *cancel;
} fx;

/* A client for `model` sending to `base` (NULL: the fixture's server +
 * suffix), with short retry delays: base 20 ms, at most 200 ms. */
static llmk_client *new_client(fx *f, const char *model, const char *suffix)
{
	llmk_client *c;
	char url[256];

	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	snprintf(url, sizeof(url), "%s%s", th_url(f->srv), suffix);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_BASE_MS, 20), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_MAX_MS, 200), LLMK_OK);
	return c;
}

static void use_client(fx *f, const char *model, const char *suffix)
{
	llmk_client_free(f->c);
	f->c = new_client(f, model, suffix);
}

static void set_i64(fx *f, int32_t opt, int64_t v)
{
	assert_int_equal(llmk_client_set_i64(f->c, opt, v), LLMK_OK);
}

static void set_base_port(fx *f, int port)
{
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_BASE_URL, url), LLMK_OK);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->srv = th_start();
	assert_non_null(f->srv);
	f->c = new_client(f, "openai/gpt-4o-mini", "/v1");
	assert_int_equal(llmk_request_new(&f->chat, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(f->chat, LLMK_ROLE_USER, "Say hello"), LLMK_OK);
	assert_int_equal(llmk_cancel_new(&f->cancel), LLMK_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	llmk_request_free(f->chat);
	llmk_client_free(f->c);
	llmk_cancel_free(f->cancel);
	th_stop(f->srv);
	free(f);
	return 0;
}

/* ---- scripting -------------------------------------------------------------- */

static void push_status(fx *f, int status, const char *headers, const char *body)
{
	th_response r;
	char h[512];

	memset(&r, 0, sizeof(r));
	snprintf(h, sizeof(h), "Content-Type: application/json\r\n%s", headers ? headers : "");
	r.status = status;
	r.headers = h;
	r.body = body;
	th_push(f->srv, &r);
}

static void push_ok(fx *f)
{
	push_status(f, 200, NULL, OK_JSON);
}

/* An RST before any byte of the answer. */
static void push_reset(fx *f)
{
	th_response r;

	memset(&r, 0, sizeof(r));
	r.raw = 1;
	r.reset = 1;
	th_push(f->srv, &r);
}

static void push_sse(fx *f, const char *body, size_t write_size, int delay_ms)
{
	th_response r;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: text/event-stream\r\n";
	r.body = body;
	r.chunked = 1;
	r.write_size = write_size;
	r.delay_ms = delay_ms;
	th_push(f->srv, &r);
}

static void check_ok_answer(llmk_response *resp)
{
	assert_int_equal(llmk_response_status(resp), LLMK_OK);
	assert_string_equal(llmk_response_error(resp), "");
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_string_equal(llmk_response_text(resp), "ok");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 3);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 1);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 4);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
}

/* The error names its cause: one of the words given (case-sensitive). */
static void check_error_mentions(const llmk_response *resp, const char *a, const char *b)
{
	const char *e = llmk_response_error(resp);

	if (!strstr(e, a) && !(b && strstr(e, b)))
		fail_msg("error \"%s\" names neither \"%s\" nor \"%s\"", e, a, b ? b : "");
	assert_null(strstr(e, KEY));
}

static void check_attempts(const llmk_response *resp, int32_t want)
{
	if (llmk_response_attempts(resp) != want)
		fail_msg("attempts: %d, expected %d (status %s: %s)", (int)llmk_response_attempts(resp), (int)want,
		         llmk_status_name(llmk_response_status(resp)), llmk_response_error(resp));
}

/* resp by address: it is read only after the call that set it (argument
 * evaluation order is unspecified). */
static void check_status(llmk_status got, llmk_status want, llmk_response *const *resp)
{
	if (got != want)
		fail_msg("status %s, expected %s (%s)", llmk_status_name(got), llmk_status_name(want),
		         *resp ? llmk_response_error(*resp) : "");
	assert_int_equal(llmk_response_status(*resp), want);
}

/* ---- stream recorder -------------------------------------------------------- */

typedef struct rec {
	char text[1 << 16];
	size_t len;
	int nevents, ntext, ndone;
} rec;

static int32_t on_event(const llmk_event *ev, void *user)
{
	rec *r = user;

	r->nevents++;
	if (llmk_event_type(ev) == LLMK_EVENT_TEXT) {
		size_t n = llmk_event_text_len(ev);
		r->ntext++;
		if (r->len + n < sizeof(r->text)) {
			memcpy(r->text + r->len, llmk_event_text(ev), n);
			r->len += n;
			r->text[r->len] = '\0';
		}
	}
	if (llmk_event_type(ev) == LLMK_EVENT_DONE)
		r->ndone++;
	return 0;
}

/* One OpenAI stream chunk carrying `text`. */
static void sse_chunk(char *out, size_t cap, const char *text)
{
	snprintf(out, cap,
	         "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
	         "{\"content\":\"%s\"},\"finish_reason\":null}]}\n\n",
	         text);
}

/* ---- connection faults ---------------------------------------------------- */

static void test_refused_retried_then_fails(void **state)
{
	fx *f = *state;
	fd_refuser *ref = fd_refuser_start();
	llmk_response *resp;
	double t0, el;

	assert_non_null(ref);
	set_base_port(f, fd_refuser_port(ref));
	/* default max_retries (2): three attempts, backoff at most 20 + 40 ms */
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TRANSPORT, &resp);
	el = now_ms() - t0;
	check_attempts(resp, 3);
	assert_int_equal(llmk_response_http_status(resp), 0);
	check_error_mentions(resp, "127.0.0.1", "refused");
	check_within("refused x3 (backoff <= 60 ms)", 60 + 3 * 20, el);
	llmk_response_free(resp);

	/* max_retries 0: one attempt */
	set_i64(f, LLMK_OPT_MAX_RETRIES, 0);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TRANSPORT, &resp);
	check_attempts(resp, 1);
	llmk_response_free(resp);
	assert_int_equal(th_request_count(f->srv), 0);
	fd_refuser_stop(ref);
}

static void test_connect_timeout_blackhole(void **state)
{
	fx *f = *state;
	fd_blackhole *bh = fd_blackhole_start();
	llmk_response *resp;
	double t0, el;

	assert_non_null(bh);
	set_base_port(f, fd_blackhole_port(bh));
	set_i64(f, LLMK_OPT_MAX_RETRIES, 0);
	set_i64(f, LLMK_OPT_CONNECT_TIMEOUT_MS, 300);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TIMEOUT, &resp);
	el = now_ms() - t0;
	check_fired("connect_timeout_ms (blackhole)", 300, el);
	check_attempts(resp, 1);
	assert_int_equal(llmk_response_http_status(resp), 0);
	check_error_mentions(resp, "onnect", "timed out");
	llmk_response_free(resp);

	/* a connect timeout is retried like any connection failure */
	set_i64(f, LLMK_OPT_MAX_RETRIES, 1);
	set_i64(f, LLMK_OPT_CONNECT_TIMEOUT_MS, 100);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TIMEOUT, &resp);
	el = now_ms() - t0;
	check_attempts(resp, 2);
	check_between("connect_timeout_ms 100 x2 (+backoff <= 20)", 180, 220, el);
	llmk_response_free(resp);
	fd_blackhole_stop(bh);
}

static void test_reset_before_headers(void **state)
{
	fx *f = *state;
	llmk_response *resp;

	/* reset, then an answer: the retry succeeds */
	push_reset(f);
	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	check_ok_answer(resp);
	check_attempts(resp, 2);
	assert_int_equal(th_request_count(f->srv), 2);
	llmk_response_free(resp);

	/* reset on every attempt: 1 + max_retries attempts, then the transport
	 * error. A new client, so no kept-alive connection is reused (see
	 * test_reset_on_reused_connection). */
	th_reset(f->srv);
	use_client(f, "openai/gpt-4o-mini", "/v1");
	for (int i = 0; i < 3; i++)
		push_reset(f);
	push_ok(f); /* must stay unused */
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TRANSPORT, &resp);
	check_attempts(resp, 3);
	assert_int_equal(th_request_count(f->srv), 3);
	assert_int_equal(th_pending(f->srv), 1);
	assert_int_equal(llmk_response_http_status(resp), 0);
	check_error_mentions(resp, "reset", "Recv failure");
	llmk_response_free(resp);
}

/* A kept-alive connection reset before any byte of the answer. libcurl
 * resends a request by itself when a reused connection dies that way
 * (meant for connections the server closed while idle), but this server
 * had read the request: it may have acted on it (a billed generation).
 * The request must reach the server no more often than attempts says, so
 * max_retries 0 means one request. */
static void test_reset_on_reused_connection(void **state)
{
	fx *f = *state;
	llmk_response *resp;
	llmk_status st;

	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	llmk_response_free(resp);
	assert_int_equal(th_connection_count(f->srv), 1);
	th_reset(f->srv);
	push_reset(f);
	push_ok(f);
	set_i64(f, LLMK_OPT_MAX_RETRIES, 0);
	st = llmk_send(f->c, f->chat, &resp);
	fprintf(stderr, "[faults] reset on a reused connection, max_retries 0: %s, attempts %d, requests seen %zu\n",
	        llmk_status_name(st), (int)llmk_response_attempts(resp), th_request_count(f->srv));
	if (th_request_count(f->srv) != (size_t)llmk_response_attempts(resp))
		fail_msg("the server saw %zu requests for %d attempt(s) (%s)", th_request_count(f->srv),
		         (int)llmk_response_attempts(resp), llmk_status_name(st));
	check_status(st, LLMK_E_TRANSPORT, &resp);
	check_attempts(resp, 1);
	llmk_response_free(resp);
}

static void test_reset_mid_body(void **state)
{
	fx *f = *state;
	th_response r;
	llmk_response *resp;

	/* Content-Length announces the whole answer; 40 bytes, then RST */
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\n";
	r.body = OK_JSON;
	r.truncate_at = 40;
	r.reset = 1;
	th_push(f->srv, &r);
	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	check_ok_answer(resp);
	check_attempts(resp, 2);
	assert_int_equal(th_request_count(f->srv), 2);
	llmk_response_free(resp);

	/* without retries the cut is reported, not half an answer */
	th_reset(f->srv);
	th_push(f->srv, &r);
	set_i64(f, LLMK_OPT_MAX_RETRIES, 0);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TRANSPORT, &resp);
	check_attempts(resp, 1);
	assert_string_equal(llmk_response_text(resp), "");
	check_error_mentions(resp, "reset", "Recv failure");
	llmk_response_free(resp);
}

static void test_reset_mid_stream_not_retried(void **state)
{
	fx *f = *state;
	char *sse = read_data("openai/chat_stream.sse", NULL);
	th_response r;
	rec *e = calloc(1, sizeof(*e));
	llmk_response *resp;

	/* three chunks of 400 bytes (two text events reach the caller), then RST */
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: text/event-stream\r\n";
	r.body = sse;
	r.chunked = 1;
	r.write_size = 400;
	r.delay_ms = 30;
	r.truncate_at = 1200;
	r.reset = 1;
	th_push(f->srv, &r);
	push_sse(f, sse, 0, 0); /* a good stream the library must not fetch */
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_TRANSPORT, &resp);
	check_attempts(resp, 1);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(th_pending(f->srv), 1);
	assert_true(e->ntext >= 1);
	assert_int_equal(e->ndone, 0);
	assert_string_equal(llmk_response_text(resp), e->text); /* what the caller saw, no more */
	assert_non_null(strstr(STREAM_TEXT, e->text));
	check_error_mentions(resp, "reset", "Recv failure");
	llmk_response_free(resp);
	free(e);
	free(sse);
}

/* ---- truncation ------------------------------------------------------------- */

static void test_truncated_sse(void **state)
{
	fx *f = *state;
	char *sse = read_data("openai/chat_stream.sse", NULL);
	th_response r;
	rec *e = calloc(1, sizeof(*e));
	llmk_response *resp;
	llmk_status st;
	char *cut;

	/* chunked, cut (FIN) in the middle of an event: no terminating chunk */
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: text/event-stream\r\n";
	r.body = sse;
	r.chunked = 1;
	r.write_size = 300;
	r.truncate_at = 1000;
	th_push(f->srv, &r);
	push_sse(f, sse, 0, 0);
	st = llmk_stream(f->c, f->chat, on_event, e, &resp);
	if (st != LLMK_E_TRANSPORT && st != LLMK_E_PROTOCOL)
		fail_msg("truncated chunked stream: %s (%s)", llmk_status_name(st), llmk_response_error(resp));
	check_attempts(resp, 1); /* events reached the caller: never retried */
	assert_int_equal(th_request_count(f->srv), 1);
	assert_true(e->ntext >= 1);
	assert_int_equal(e->ndone, 0);
	assert_string_not_equal(llmk_response_error(resp), "");
	llmk_response_free(resp);

	/* close-delimited (no length, no chunks), ending before "data: [DONE]"
	 * and before the finish reason: the end of the connection looks clean,
	 * only the missing end-of-stream marker tells */
	th_reset(f->srv);
	memset(e, 0, sizeof(*e));
	cut = strdup(sse);
	*strstr(cut, "data: {\"id\":\"chatcmpl-AyPYs3kLq8Vb2Kt7rZpW\",\"object\":\"chat.completion.chunk\",\"created\":"
	             "1738960860,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_"
	             "fingerprint\":\"fp_72ed7ab54c\",\"choices\":[{\"index\":0,\"delta\":{},") = '\0';
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: text/event-stream\r\n";
	r.body = cut;
	r.no_length = 1;
	th_push(f->srv, &r);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_PROTOCOL, &resp);
	check_attempts(resp, 1);
	assert_string_equal(e->text, STREAM_TEXT);
	assert_int_equal(e->ndone, 0);
	check_error_mentions(resp, "truncated", "end-of-stream");
	llmk_response_free(resp);
	free(cut);
	free(e);
	free(sse);
}

static void test_truncated_ndjson(void **state)
{
	fx *f = *state;
	char *nd = read_data("ollama/chat_stream.ndjson", NULL);
	th_response r;
	rec *e = calloc(1, sizeof(*e));
	llmk_response *resp;
	char *last;

	use_client(f, "ollama/llama3.2", "");
	/* cut in the middle of the last line, the one with "done":true */
	last = strstr(nd, "\"done_reason\"");
	assert_non_null(last);
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/x-ndjson\r\n";
	r.body = nd;
	r.body_len = (size_t)(last - nd);
	r.no_length = 1;
	th_push(f->srv, &r);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_PROTOCOL, &resp);
	check_attempts(resp, 1);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_string_equal(e->text, "The sky is blue \xe2\x80\x94 caf\xc3\xa9 \xe7\xa9\xba.");
	assert_int_equal(e->ndone, 0);
	assert_string_not_equal(llmk_response_error(resp), "");
	llmk_response_free(resp);

	/* the same cut inside chunked framing (no terminating chunk) */
	memset(e, 0, sizeof(*e));
	r.no_length = 0;
	r.chunked = 1;
	r.write_size = 100;
	r.truncate_at = r.body_len;
	r.body_len = strlen(nd);
	th_push(f->srv, &r);
	{
		llmk_status st = llmk_stream(f->c, f->chat, on_event, e, &resp);
		if (st != LLMK_E_TRANSPORT && st != LLMK_E_PROTOCOL)
			fail_msg("truncated chunked NDJSON: %s (%s)", llmk_status_name(st), llmk_response_error(resp));
	}
	check_attempts(resp, 1);
	assert_int_equal(e->ndone, 0);
	llmk_response_free(resp);
	free(e);
	free(nd);
}

/* ---- timeouts --------------------------------------------------------------- */

static void test_idle_timeout_headers_then_silence(void **state)
{
	fx *f = *state;
	th_response r;
	llmk_response *resp;
	double t0, el;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\n";
	r.body = OK_JSON;
	r.delay_body_ms = 10000; /* th_stop() cuts it short */
	th_push(f->srv, &r);
	set_i64(f, LLMK_OPT_MAX_RETRIES, 0);
	set_i64(f, LLMK_OPT_IDLE_TIMEOUT_MS, 300);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TIMEOUT, &resp);
	el = now_ms() - t0;
	check_fired("idle_timeout_ms (headers, then silence)", 300, el);
	check_attempts(resp, 1);
	check_error_mentions(resp, "idle_timeout_ms", NULL);
	llmk_response_free(resp);

	/* with retries: the silence, then an answer */
	th_reset(f->srv);
	th_push(f->srv, &r);
	push_ok(f);
	set_i64(f, LLMK_OPT_MAX_RETRIES, 2);
	set_i64(f, LLMK_OPT_IDLE_TIMEOUT_MS, 150);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	el = now_ms() - t0;
	check_ok_answer(resp);
	check_attempts(resp, 2);
	assert_int_equal(th_request_count(f->srv), 2);
	check_between("idle 150 then retry (backoff <= 20)", 135, 150 + 20 + 20, el);
	llmk_response_free(resp);
}

static void test_idle_timeout_mid_stream(void **state)
{
	fx *f = *state;
	char *sse = read_data("openai/chat_stream.sse", NULL);
	rec *e = calloc(1, sizeof(*e));
	llmk_response *resp;
	double t0, el;

	/* the first 800 bytes at once, then 10 s of silence before the rest;
	 * events reached the caller, so the timeout is final even with retries */
	push_sse(f, sse, 800, 10000);
	push_sse(f, sse, 0, 0);
	set_i64(f, LLMK_OPT_IDLE_TIMEOUT_MS, 250);
	t0 = now_ms();
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_TIMEOUT, &resp);
	el = now_ms() - t0;
	check_fired("idle_timeout_ms (mid-stream)", 250, el);
	check_attempts(resp, 1);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_true(e->ntext >= 1);
	check_error_mentions(resp, "idle_timeout_ms", NULL);
	llmk_response_free(resp);
	free(e);
	free(sse);
}

static void test_total_timeout_slow_drip(void **state)
{
	fx *f = *state;
	th_response r;
	llmk_response *resp;
	double t0, el;

	/* one byte every 20 ms: never idle for 100 ms, done only after ~4 s */
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\n";
	r.body = OK_JSON;
	r.write_size = 1;
	r.delay_ms = 20;
	th_push(f->srv, &r);
	set_i64(f, LLMK_OPT_MAX_RETRIES, 0);
	set_i64(f, LLMK_OPT_IDLE_TIMEOUT_MS, 100);
	set_i64(f, LLMK_OPT_TIMEOUT_MS, 400);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TIMEOUT, &resp);
	el = now_ms() - t0;
	check_fired("timeout_ms (slow drip)", 400, el);
	check_attempts(resp, 1);
	check_error_mentions(resp, "timed out", "timeout");
	assert_null(strstr(llmk_response_error(resp), "idle_timeout_ms"));
	llmk_response_free(resp);
}

static void test_deadline(void **state)
{
	fx *f = *state;
	th_response r;
	llmk_response *resp;
	double t0, el;
	int32_t a;

	/* one slow attempt: the deadline cuts it, no time is left to retry */
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\n";
	r.body = OK_JSON;
	r.delay_headers_ms = 10000;
	th_push(f->srv, &r);
	set_i64(f, LLMK_OPT_DEADLINE_MS, 300);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TIMEOUT, &resp);
	el = now_ms() - t0;
	check_fired("deadline_ms (one slow attempt)", 300, el);
	check_attempts(resp, 1);
	llmk_response_free(resp);

	/* 500s, each asking for 100 ms: attempts at ~0, 100, 200, 300 ms, then
	 * a fifth would start after the 350 ms deadline: the last 500 returned */
	th_reset(f->srv);
	for (int i = 0; i < 20; i++)
		push_status(f, 500, "retry-after-ms: 100\r\n", ERR_500);
	set_i64(f, LLMK_OPT_MAX_RETRIES, 50);
	set_i64(f, LLMK_OPT_DEADLINE_MS, 350);
	t0 = now_ms();
	llmk_send(f->c, f->chat, &resp);
	el = now_ms() - t0;
	if (llmk_response_status(resp) != LLMK_E_SERVER && llmk_response_status(resp) != LLMK_E_TIMEOUT)
		fail_msg("deadline over retries: %s", llmk_status_name(llmk_response_status(resp)));
	check_within("deadline_ms 350 over retries", 350, el);
	a = llmk_response_attempts(resp);
	fprintf(stderr, "[faults] deadline 350 ms, retry-after-ms 100: %d attempts\n", (int)a);
	assert_true(a >= 3 && a <= 4);
	assert_int_equal(th_request_count(f->srv), (size_t)a);
	llmk_response_free(resp);

	/* a Retry-After longer than what is left of the deadline is not waited
	 * for, though retry_max_ms would allow it */
	th_reset(f->srv);
	push_status(f, 503, "Retry-After: 1\r\n", ERR_500);
	push_ok(f);
	set_i64(f, LLMK_OPT_RETRY_MAX_MS, 5000);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_OVERLOADED, &resp);
	el = now_ms() - t0;
	check_within("Retry-After 1 s beyond deadline 350 ms", 50, el);
	check_attempts(resp, 1);
	assert_int_equal(llmk_response_retry_after_ms(resp), 1000);
	assert_int_equal(th_pending(f->srv), 1);
	llmk_response_free(resp);
}

/* ---- rate limits and server errors ---------------------------------------- */

static void test_429_retry_after_seconds(void **state)
{
	fx *f = *state;
	llmk_response *resp;
	double t0, el;

	push_status(f, 429, "Retry-After: 1\r\n",
	            "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\","
	            "\"code\":\"rate_limit_exceeded\"}}");
	push_ok(f);
	set_i64(f, LLMK_OPT_RETRY_MAX_MS, 2000); /* allow waiting for it */
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	el = now_ms() - t0;
	check_fired("Retry-After: 1 honoured", 1000, el);
	if (el < 1000)
		fail_msg("retried after %.1f ms, before Retry-After's 1000 ms", el);
	check_ok_answer(resp);
	check_attempts(resp, 2);
	assert_int_equal(th_request_count(f->srv), 2);
	llmk_response_free(resp);
}

static void test_429_retry_after_beyond_max(void **state)
{
	fx *f = *state;
	llmk_response *resp;
	double t0, el;

	/* 30 s is more than retry_max_ms (200): returned at once, with the delay */
	push_status(f, 429, "Retry-After: 30\r\nx-request-id: req_429\r\n",
	            "{\"error\":{\"message\":\"Rate limit "
	            "reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
	push_ok(f);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_RATE_LIMITED, &resp);
	el = now_ms() - t0;
	check_within("Retry-After 30 s beyond retry_max_ms: returned", 50, el);
	check_attempts(resp, 1);
	assert_int_equal(llmk_response_http_status(resp), 429);
	assert_int_equal(llmk_response_retry_after_ms(resp), 30000);
	assert_string_equal(llmk_response_request_id(resp), "req_429");
	check_error_mentions(resp, "HTTP 429", NULL);
	check_error_mentions(resp, "Rate limit reached", NULL);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(th_pending(f->srv), 1);
	llmk_response_free(resp);
}

static void http_date(char *out, size_t cap, time_t when)
{
	struct tm tm;
	gmtime_r(&when, &tm);
	strftime(out, cap, "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
}

static void test_429_retry_after_http_date(void **state)
{
	fx *f = *state;
	llmk_response *resp;
	char h[128];
	double t0, el;
	int64_t ra;

	/* two seconds ahead, at one-second resolution: a wait of 1 to 2 s */
	http_date(h, sizeof(h), time(NULL) + 2);
	push_status(f, 429, h, "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\"}}");
	push_ok(f);
	set_i64(f, LLMK_OPT_RETRY_MAX_MS, 5000);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	el = now_ms() - t0;
	check_between("Retry-After: <HTTP-date 2 s ahead> honoured", 900, 2000, el);
	check_ok_answer(resp);
	check_attempts(resp, 2);
	assert_int_equal(th_request_count(f->srv), 2);
	llmk_response_free(resp);

	/* an hour ahead: beyond retry_max_ms, returned with the delay */
	th_reset(f->srv);
	http_date(h, sizeof(h), time(NULL) + 3600);
	push_status(f, 429, h, "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\"}}");
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_RATE_LIMITED, &resp);
	check_attempts(resp, 1);
	ra = llmk_response_retry_after_ms(resp);
	if (ra < 3598000 || ra > 3600000)
		fail_msg("retry_after_ms %lld for an HTTP-date an hour ahead", (long long)ra);
	llmk_response_free(resp);

	/* a date in the past: retry at once */
	th_reset(f->srv);
	http_date(h, sizeof(h), time(NULL) - 3600);
	push_status(f, 429, h, "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\"}}");
	push_ok(f);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	check_within("Retry-After: <HTTP-date in the past>", 50, now_ms() - t0);
	check_attempts(resp, 2);
	llmk_response_free(resp);
}

static void test_429_retry_after_ms(void **state)
{
	fx *f = *state;
	llmk_response *resp;
	double t0, el;

	/* retry-after-ms wins over the coarser Retry-After */
	push_status(f, 429, "retry-after-ms: 300\r\nRetry-After: 1\r\n",
	            "{\"error\":{\"message\":\"slow down\",\"type\":\"tokens\"}}");
	push_ok(f);
	set_i64(f, LLMK_OPT_RETRY_MAX_MS, 2000);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	el = now_ms() - t0;
	check_fired("retry-after-ms: 300 honoured", 300, el);
	if (el < 300)
		fail_msg("retried after %.1f ms, before retry-after-ms's 300 ms", el);
	check_ok_answer(resp);
	check_attempts(resp, 2);
	llmk_response_free(resp);
}

static void test_should_retry_header(void **state)
{
	fx *f = *state;
	llmk_response *resp;

	/* x-should-retry: false on a 500: returned at once */
	push_status(f, 500, "x-should-retry: false\r\n", ERR_500);
	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_SERVER, &resp);
	check_attempts(resp, 1);
	assert_int_equal(llmk_response_http_status(resp), 500);
	check_error_mentions(resp, "boom", NULL);
	check_error_mentions(resp, "HTTP 500", NULL);
	assert_int_equal(th_request_count(f->srv), 1);
	llmk_response_free(resp);

	/* x-should-retry: true on a 400 (not retried by itself): retried */
	th_reset(f->srv);
	push_status(f, 400, "x-should-retry: true\r\n",
	            "{\"error\":{\"message\":\"try again\",\"type\":\"invalid_request_error\"}}");
	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	check_ok_answer(resp);
	check_attempts(resp, 2);
	llmk_response_free(resp);

	/* a plain 400 is final */
	th_reset(f->srv);
	push_status(f, 400, NULL, "{\"error\":{\"message\":\"bad field\",\"type\":\"invalid_request_error\"}}");
	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_BAD_REQUEST, &resp);
	check_attempts(resp, 1);
	assert_int_equal(th_pending(f->srv), 1);
	llmk_response_free(resp);
}

static void test_errors_then_success(void **state)
{
	fx *f = *state;
	static const int retried[] = {500, 502, 503, 529, 408, 409, 429};
	static const int final[] = {400, 401, 403, 404, 422};
	llmk_response *resp;
	double t0, el;

	for (size_t i = 0; i < sizeof(retried) / sizeof(retried[0]); i++) {
		th_reset(f->srv);
		push_status(f, retried[i], NULL, ERR_500);
		push_ok(f);
		if (llmk_send(f->c, f->chat, &resp) != LLMK_OK)
			fail_msg("HTTP %d then 200: %s", retried[i], llmk_response_error(resp));
		check_ok_answer(resp);
		check_attempts(resp, 2);
		assert_int_equal(th_request_count(f->srv), 2);
		llmk_response_free(resp);
	}
	for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++) {
		th_reset(f->srv);
		push_status(f, final[i], NULL, "{\"error\":{\"message\":\"no\",\"type\":\"x\"}}");
		push_ok(f);
		if (llmk_send(f->c, f->chat, &resp) == LLMK_OK)
			fail_msg("HTTP %d was retried", final[i]);
		check_attempts(resp, 1);
		assert_int_equal(llmk_response_http_status(resp), final[i]);
		llmk_response_free(resp);
	}

	/* a stream request answered 503, then a stream */
	{
		char *sse = read_data("openai/chat_stream.sse", NULL);
		rec *e = calloc(1, sizeof(*e));
		th_reset(f->srv);
		push_status(f, 503, NULL, ERR_500);
		push_sse(f, sse, 0, 0);
		check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_OK, &resp);
		check_attempts(resp, 2);
		assert_string_equal(e->text, STREAM_TEXT);
		assert_int_equal(e->ndone, 1);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 17);
		llmk_response_free(resp);
		free(e);
		free(sse);
	}

	/* 500, 502, 503, 529, then 200 with max_retries 4 */
	th_reset(f->srv);
	push_status(f, 500, NULL, ERR_500);
	push_status(f, 502, NULL, ERR_500);
	push_status(f, 503, NULL, ERR_500);
	push_status(f, 529, NULL,
	            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
	push_ok(f);
	set_i64(f, LLMK_OPT_MAX_RETRIES, 4);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	el = now_ms() - t0;
	check_ok_answer(resp);
	check_attempts(resp, 5);
	assert_int_equal(th_request_count(f->srv), 5);
	/* full jitter: the waits are at most 20 + 40 + 80 + 160 ms */
	check_within("4 failures, then success (backoff <= 300 ms)", 300 + 5 * 10, el);
	llmk_response_free(resp);

	/* exhausted: the last failure is the answer */
	th_reset(f->srv);
	for (int i = 0; i < 3; i++)
		push_status(
		        f, 529, NULL,
		        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
	push_ok(f);
	set_i64(f, LLMK_OPT_MAX_RETRIES, 2);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_OVERLOADED, &resp);
	check_attempts(resp, 3);
	assert_int_equal(llmk_response_http_status(resp), 529);
	check_error_mentions(resp, "HTTP 529", NULL);
	check_error_mentions(resp, "Overloaded", NULL);
	assert_int_equal(th_request_count(f->srv), 3);
	assert_int_equal(th_pending(f->srv), 1);
	llmk_response_free(resp);
}

static void test_backoff_is_bounded(void **state)
{
	fx *f = *state;
	llmk_response *resp;
	double t0, el;

	/* 8 retries with base 20, max 200: waits at most 20+40+80+160+200*4 */
	for (int i = 0; i < 9; i++)
		push_status(f, 503, NULL, ERR_500);
	set_i64(f, LLMK_OPT_MAX_RETRIES, 8);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_OVERLOADED, &resp);
	el = now_ms() - t0;
	check_attempts(resp, 9);
	assert_int_equal(th_request_count(f->srv), 9);
	check_within("8 retries, backoff capped at 200 ms", 1100 + 9 * 10, el);
	llmk_response_free(resp);
}

static void test_overloaded_in_stream(void **state)
{
	fx *f = *state;
	char *good = read_data("anthropic/stream.sse", NULL);
	char *bad_after = read_data("anthropic/stream_error.sse", NULL);
	static const char bad_first[] =
	        "event: error\n"
	        "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
	rec *e = calloc(1, sizeof(*e));
	llmk_response *resp;

	use_client(f, "anthropic/claude-sonnet-4-5", "/v1");
	/* overloaded inside a 200 before any event: retried, the caller sees
	 * the second answer only, once */
	push_sse(f, bad_first, 0, 0);
	push_sse(f, good, 0, 0);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_OK, &resp);
	check_attempts(resp, 2);
	assert_int_equal(th_request_count(f->srv), 2);
	assert_string_equal(e->text, STREAM_TEXT);
	assert_string_equal(llmk_response_text(resp), STREAM_TEXT);
	assert_int_equal(e->ndone, 1);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 9);
	llmk_response_free(resp);

	/* after "Partial" reached the caller: final */
	th_reset(f->srv);
	memset(e, 0, sizeof(*e));
	push_sse(f, bad_after, 0, 0);
	push_sse(f, good, 0, 0);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_OVERLOADED, &resp);
	check_attempts(resp, 1);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_string_equal(e->text, "Partial");
	check_error_mentions(resp, "Overloaded", NULL);
	llmk_response_free(resp);

	free(e);
	free(good);
	free(bad_after);
}

/* ---- hostile bodies ---------------------------------------------------------- */

static void test_gigantic_body(void **state)
{
	fx *f = *state;
	size_t n = 16u * 1024 * 1024;
	char *big = malloc(n + 1);
	th_response r;
	llmk_response *resp;
	double t0, el;

	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\n";
	r.body = big;
	r.body_len = n;
	r.write_size = 64 * 1024;
	th_push(f->srv, &r);
	set_i64(f, LLMK_OPT_MAX_RESPONSE_BYTES, 1024 * 1024);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_TOO_LARGE, &resp);
	el = now_ms() - t0;
	check_attempts(resp, 1);
	check_error_mentions(resp, "max_response_bytes", NULL);
	assert_true(llmk_response_raw(resp, NULL) != NULL);
	check_within("16 MiB body cut at max_response_bytes 1 MiB", 1000, el);
	assert_int_equal(th_request_count(f->srv), 1);
	llmk_response_free(resp);

	/* the client still works afterwards */
	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	check_ok_answer(resp);
	llmk_response_free(resp);

	/* a stream line without an end, beyond max_line_bytes */
	th_reset(f->srv);
	memcpy(big, "data: ", 6);
	memset(big + 6, 'a', 1024 * 1024);
	big[6 + 1024 * 1024] = '\0';
	push_sse(f, big, 64 * 1024, 0);
	set_i64(f, LLMK_OPT_MAX_LINE_BYTES, 64 * 1024);
	{
		rec *e = calloc(1, sizeof(*e));
		check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_TOO_LARGE, &resp);
		check_attempts(resp, 1);
		check_error_mentions(resp, "max_line_bytes", NULL);
		assert_int_equal(e->nevents, 0);
		free(e);
	}
	llmk_response_free(resp);
	free(big);
}

static void test_invalid_utf8(void **state)
{
	fx *f = *state;
	static const char *const bodies[] = {
	        /* a lone continuation byte, 0xff, an overlong '/', a surrogate half, a cut sequence */
	        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"bad \x80 byte\"},"
	        "\"finish_reason\":\"stop\"}]}",
	        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"bad \xff\xfe\"},"
	        "\"finish_reason\":\"stop\"}]}",
	        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\xc0\xaf\"},"
	        "\"finish_reason\":\"stop\"}]}",
	        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\xed\xa0\x80\"},"
	        "\"finish_reason\":\"stop\"}]}",
	        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\xe6\xbc\"},"
	        "\"finish_reason\":\"stop\"}]}",
	};
	llmk_response *resp;
	rec *e = calloc(1, sizeof(*e));
	char sse[512];

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		th_reset(f->srv);
		push_status(f, 200, NULL, bodies[i]);
		if (llmk_send(f->c, f->chat, &resp) != LLMK_E_PROTOCOL)
			fail_msg("invalid UTF-8 body %zu: %s, text \"%s\"", i,
			         llmk_status_name(llmk_response_status(resp)), llmk_response_text(resp));
		check_attempts(resp, 1);
		assert_int_equal(th_request_count(f->srv), 1);
		assert_string_not_equal(llmk_response_error(resp), "");
		llmk_response_free(resp);
	}
	/* inside a stream event */
	th_reset(f->srv);
	sse_chunk(sse, sizeof(sse), "ok \xff\xfe");
	strcat(sse, "data: [DONE]\n\n");
	push_sse(f, sse, 0, 0);
	if (llmk_stream(f->c, f->chat, on_event, e, &resp) != LLMK_E_PROTOCOL)
		fail_msg("invalid UTF-8 in a stream: %s, text \"%s\"", llmk_status_name(llmk_response_status(resp)),
		         llmk_response_text(resp));
	check_attempts(resp, 1);
	assert_int_equal(e->ntext, 0);
	llmk_response_free(resp);
	free(e);
}

static void test_invalid_json(void **state)
{
	fx *f = *state;
	static const char *const bodies[] = {
	        "not json at all",
	        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"}",
	        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":"
	        "\"stop\"}]}"
	        " trailing",
	        "",
	        "[1,2,3]",
	};
	llmk_response *resp;
	rec *e = calloc(1, sizeof(*e));

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		th_reset(f->srv);
		push_status(f, 200, NULL, bodies[i]);
		push_ok(f);
		if (llmk_send(f->c, f->chat, &resp) != LLMK_E_PROTOCOL)
			fail_msg("invalid JSON body %zu: %s (%s)", i, llmk_status_name(llmk_response_status(resp)),
			         llmk_response_error(resp));
		check_attempts(resp, 1);
		assert_int_equal(th_pending(f->srv), 1);
		assert_string_not_equal(llmk_response_error(resp), "");
		llmk_response_free(resp);
	}
	/* a stream event that is not JSON */
	th_reset(f->srv);
	push_sse(f, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"\n\ndata: [DONE]\n\n", 0, 0);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_PROTOCOL, &resp);
	check_attempts(resp, 1);
	assert_int_equal(e->ntext, 0);
	llmk_response_free(resp);
	free(e);
}

static void test_deep_json(void **state)
{
	fx *f = *state;
	static const char head[] = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
	                           "\"finish_reason\":\"stop\"}],\"x\":";
	char *deep = fd_nested_json(head, 10000, "}");
	llmk_response *resp;
	rec *e = calloc(1, sizeof(*e));
	char *sse;

	/* 10000 deep in a whole answer */
	push_status(f, 200, NULL, deep);
	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_PROTOCOL, &resp);
	check_attempts(resp, 1);
	check_error_mentions(resp, "max_json_depth", "deep");
	assert_int_equal(th_pending(f->srv), 1);
	llmk_response_free(resp);
	free(deep);

	/* 10000 deep in an error answer: still an HTTP 500, never a crash */
	th_reset(f->srv);
	deep = fd_nested_json("{\"error\":", 10000, "}");
	push_status(f, 500, "x-should-retry: false\r\n", deep);
	llmk_send(f->c, f->chat, &resp);
	assert_int_not_equal(llmk_response_status(resp), LLMK_OK);
	check_attempts(resp, 1);
	assert_int_equal(llmk_response_http_status(resp), 500);
	llmk_response_free(resp);
	free(deep);

	/* 10000 deep in a stream event */
	th_reset(f->srv);
	deep = fd_nested_json("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}],\"x\":", 10000,
	                      "}\n\n");
	sse = malloc(strlen(deep) + 32);
	sprintf(sse, "%sdata: [DONE]\n\n", deep);
	push_sse(f, sse, 0, 0);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_PROTOCOL, &resp);
	check_attempts(resp, 1);
	check_error_mentions(resp, "max_json_depth", "deep");
	assert_int_equal(e->ntext, 0);
	llmk_response_free(resp);
	free(sse);
	free(deep);

	/* the limit is the option's: 20 deep passes the default 128, fails 16 */
	th_reset(f->srv);
	deep = fd_nested_json(head, 20, "}");
	push_status(f, 200, NULL, deep);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	assert_string_equal(llmk_response_text(resp), "ok");
	llmk_response_free(resp);
	push_status(f, 200, NULL, deep);
	set_i64(f, LLMK_OPT_MAX_JSON_DEPTH, 16);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_PROTOCOL, &resp);
	check_error_mentions(resp, "max_json_depth", NULL);
	llmk_response_free(resp);
	free(deep);
	free(e);
}

static void test_max_events(void **state)
{
	fx *f = *state;
	char *sse = malloc(64 * 1024), chunk[512];
	rec *e = calloc(1, sizeof(*e));
	llmk_response *resp;

	sse[0] = '\0';
	for (int i = 0; i < 50; i++) {
		sse_chunk(chunk, sizeof(chunk), "x");
		strcat(sse, chunk);
	}
	strcat(sse, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
	push_sse(f, sse, 0, 0);
	push_sse(f, sse, 0, 0);
	set_i64(f, LLMK_OPT_MAX_EVENTS, 10);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_TOO_LARGE, &resp);
	check_attempts(resp, 1);
	check_error_mentions(resp, "max_events", NULL);
	assert_true(e->ntext <= 10);
	assert_int_equal(th_pending(f->srv), 1);
	llmk_response_free(resp);

	/* under the limit: all 50 fragments */
	memset(e, 0, sizeof(*e));
	set_i64(f, LLMK_OPT_MAX_EVENTS, 1000);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_OK, &resp);
	assert_int_equal(e->ntext, 50);
	assert_int_equal(strlen(llmk_response_text(resp)), 50);
	llmk_response_free(resp);
	free(e);
	free(sse);
}

/* ---- odd but valid framings --------------------------------------------------- */

static void test_http10_close_delimited(void **state)
{
	fx *f = *state;
	th_response r;
	llmk_response *resp;
	char *raw = malloc(sizeof(OK_JSON) + 128);

	sprintf(raw, "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n%s", OK_JSON);
	memset(&r, 0, sizeof(r));
	r.raw = 1;
	r.body = raw;
	r.write_size = 37;
	r.close = 1;
	th_push(f->srv, &r);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	check_ok_answer(resp);
	check_attempts(resp, 1);
	llmk_response_free(resp);
	free(raw);
}

static void test_chunked_every_byte(void **state)
{
	fx *f = *state;
	char *sse = read_data("openai/chat_stream.sse", NULL);
	th_response r;
	llmk_response *resp;
	rec *e = calloc(1, sizeof(*e));
	size_t len;
	char *raw;

	/* a whole JSON answer: one chunk per byte, written one byte at a time */
	raw = fd_chunk_every_byte("Content-Type: application/json\r\n", OK_JSON, &len);
	memset(&r, 0, sizeof(r));
	r.raw = 1;
	r.body = raw;
	r.body_len = len;
	r.write_size = 1;
	th_push(f->srv, &r);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	check_ok_answer(resp);
	check_attempts(resp, 1);
	llmk_response_free(resp);
	free(raw);

	/* a stream, the same way */
	raw = fd_chunk_every_byte("Content-Type: text/event-stream\r\n", sse, &len);
	r.body = raw;
	r.body_len = len;
	th_push(f->srv, &r);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_OK, &resp);
	assert_string_equal(e->text, STREAM_TEXT);
	assert_string_equal(llmk_response_text(resp), STREAM_TEXT);
	assert_int_equal(e->ndone, 1);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 12);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 5);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 17);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	/* both on one connection: the framing ended exactly where it should */
	assert_int_equal(th_connection_count(f->srv), 1);
	llmk_response_free(resp);
	free(raw);
	free(e);
	free(sse);
}

/* ---- cancellation from another thread ---------------------------------------- */

typedef struct trigger {
	llmk_cancel *flag;
	int after_ms;
	double at; /* when the flag went up (taken just before raising it) */
	pthread_t thread;
} trigger;

static void *trigger_main(void *arg)
{
	trigger *t = arg;

	sleep_ms(t->after_ms);
	t->at = now_ms();
	llmk_cancel_trigger(t->flag);
	return NULL;
}

static void trigger_start(trigger *t, llmk_cancel *flag, int after_ms)
{
	memset(t, 0, sizeof(*t));
	t->flag = flag;
	t->after_ms = after_ms;
	assert_int_equal(pthread_create(&t->thread, NULL, trigger_main, t), 0);
}

/* Joins the trigger thread and checks the call returned within
 * CANCEL_MS of the flag going up. */
static void trigger_check(trigger *t, const char *what, double returned)
{
	double lag;

	pthread_join(t->thread, NULL);
	assert_true(t->at > 0);
	lag = returned - t->at;
	fprintf(stderr, "[faults] cancel %s: returned %.1f ms after the trigger\n", what, lag);
	if (lag > (slow ? CANCEL_MS * 6 : CANCEL_MS))
		fail_msg("cancel %s: returned %.1f ms after the trigger", what, lag);
}

static void test_cancel_slow_stream(void **state)
{
	fx *f = *state;
	char *sse = read_data("openai/chat_stream.sse", NULL);
	rec *e = calloc(1, sizeof(*e));
	llmk_response *resp;
	trigger t;

	/* 40 bytes every 50 ms: about 2.5 s in all if not cancelled */
	push_sse(f, sse, 40, 50);
	assert_int_equal(llmk_request_set_cancel(f->chat, f->cancel), LLMK_OK);
	trigger_start(&t, f->cancel, 200);
	check_status(llmk_stream(f->c, f->chat, on_event, e, &resp), LLMK_E_CANCELLED, &resp);
	trigger_check(&t, "slow stream", now_ms());
	check_attempts(resp, 1);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(e->ndone, 0);
	check_error_mentions(resp, "cancel", NULL);
	llmk_response_free(resp);
	free(e);
	free(sse);
}

static void test_cancel_silent_server(void **state)
{
	fx *f = *state;
	th_response r;
	llmk_response *resp;
	trigger t;

	/* headers, then nothing: no bytes flow to wake a progress callback */
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\n";
	r.body = OK_JSON;
	r.delay_body_ms = 10000;
	th_push(f->srv, &r);
	llmk_request_set_cancel(f->chat, f->cancel);
	trigger_start(&t, f->cancel, 200);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_CANCELLED, &resp);
	trigger_check(&t, "silent server", now_ms());
	check_attempts(resp, 1);
	llmk_response_free(resp);
}

static void test_cancel_during_connect(void **state)
{
	fx *f = *state;
	fd_blackhole *bh = fd_blackhole_start();
	llmk_response *resp;
	trigger t;

	assert_non_null(bh);
	set_base_port(f, fd_blackhole_port(bh));
	set_i64(f, LLMK_OPT_CONNECT_TIMEOUT_MS, 10000);
	llmk_request_set_cancel(f->chat, f->cancel);
	trigger_start(&t, f->cancel, 200);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_CANCELLED, &resp);
	trigger_check(&t, "during connect", now_ms());
	check_attempts(resp, 1);
	llmk_response_free(resp);
	fd_blackhole_stop(bh);
}

static void test_cancel_during_retry_wait(void **state)
{
	fx *f = *state;
	llmk_response *resp;
	trigger t;

	/* a 503 asking for 3 s (allowed by retry_max_ms 10000): cancelled while waiting */
	push_status(f, 503, "Retry-After: 3\r\n", ERR_500);
	push_ok(f);
	set_i64(f, LLMK_OPT_RETRY_MAX_MS, 10000);
	llmk_request_set_cancel(f->chat, f->cancel);
	trigger_start(&t, f->cancel, 200);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_CANCELLED, &resp);
	trigger_check(&t, "during a retry wait", now_ms());
	check_attempts(resp, 1);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(th_pending(f->srv), 1);
	check_error_mentions(resp, "cancel", NULL);
	llmk_response_free(resp);
}

static void test_cancel_flag_reuse(void **state)
{
	fx *f = *state;
	llmk_response *resp;
	double t0;

	/* raised before sending: stops at once, whatever the retries */
	llmk_request_set_cancel(f->chat, f->cancel);
	llmk_cancel_trigger(f->cancel);
	assert_int_equal(llmk_cancel_triggered(f->cancel), 1);
	push_ok(f);
	t0 = now_ms();
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_E_CANCELLED, &resp);
	check_within("pre-raised flag", 50, now_ms() - t0);
	assert_true(llmk_response_attempts(resp) <= 1);
	llmk_response_free(resp);

	/* lowered again: the next send goes through */
	llmk_cancel_reset(f->cancel);
	assert_int_equal(llmk_cancel_triggered(f->cancel), 0);
	th_reset(f->srv);
	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	check_ok_answer(resp);
	check_attempts(resp, 1);
	llmk_response_free(resp);

	/* detached: a raised flag no longer matters */
	llmk_cancel_trigger(f->cancel);
	assert_int_equal(llmk_request_set_cancel(f->chat, NULL), LLMK_OK);
	push_ok(f);
	check_status(llmk_send(f->c, f->chat, &resp), LLMK_OK, &resp);
	llmk_response_free(resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_refused_retried_then_fails, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_connect_timeout_blackhole, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reset_before_headers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reset_on_reused_connection, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reset_mid_body, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reset_mid_stream_not_retried, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_truncated_sse, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_truncated_ndjson, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_idle_timeout_headers_then_silence, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_idle_timeout_mid_stream, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_total_timeout_slow_drip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_429_retry_after_seconds, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_429_retry_after_beyond_max, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_429_retry_after_http_date, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_429_retry_after_ms, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_should_retry_header, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_errors_then_success, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_backoff_is_bounded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_overloaded_in_stream, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_gigantic_body, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_invalid_json, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_deep_json, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_max_events, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_http10_close_delimited, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_chunked_every_byte, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_slow_stream, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_silent_server, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_during_connect, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_during_retry_wait, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_flag_reuse, setup, teardown),
	};

#ifdef FT_HAVE_VALGRIND
	slow = RUNNING_ON_VALGRIND != 0;
#endif
	return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
