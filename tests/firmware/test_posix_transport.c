#define _POSIX_C_SOURCE 200809L
/* The firmware profile: the static library with a POSIX-socket transport,
 * against the loopback test server. Runs in every build; in a
 * -Dcurl=disabled build it is the proof that the library works with no
 * libcurl at all.
 *
 * Every test of the first part runs three times: through the built-in
 * POSIX transport (llmk_transport_posix()) with llmk_send(), the same
 * transport inside an llmk_multi (its non-blocking driver), and the
 * "write your own" transport of examples/custom_transport.c (compiled from
 * that file) with llmk_send(). The second part is the multi alone: 32
 * requests in flight on one thread against a server that answers none
 * until all 32 arrived, a cancel among many, transports mixed in one
 * multi, and garbage from the server. */
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
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "llmkit.h"
#include "custom_transport.h"
#include "httpd.h"

/* How the tests of the first part send. */
enum { VIA_SEND, VIA_MULTI, VIA_EXAMPLE };
static int via;

#define KEY "sk-firmware-test-key"
#define CHAT_OK                                                                                                      \
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0," \
	"\"message\":{\"role\":\"assistant\",\"content\":\"Hello there\"},\"finish_reason\":\"stop\"}],"             \
	"\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}"
#define SSE_CHUNK(text)                                                                                      \
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{" \
	"\"index\":0,\"delta\":{\"content\":\"" text "\"},\"finish_reason\":null}]}\n\n"
/* clang-format off */
#define SSE_BODY                                                                  \
	SSE_CHUNK("Hel")                                                          \
	SSE_CHUNK("lo, ")                                                         \
	SSE_CHUNK("world")                                                        \
	"data: "                                                                  \
	"{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-" \
	"mini\",\"choices\":[{\"index\":0,"                                       \
	"\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"                          \
	"data: [DONE]\n\n"
/* clang-format on */

typedef struct fixture {
	th_server *srv;
	llmk_client *c;
	llmk_request *chat;
} fixture;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* llmk_send() or llmk_stream() as `via` says: directly, or as the only
 * request of a multi. */
typedef struct one {
	llmk_response *r;
	int calls;
	llmk_stream_fn fn; /* the caller's, with its own user */
	void *user;
} one;

static int32_t one_event(const llmk_event *ev, void *user)
{
	one *o = user;
	return o->fn(ev, o->user);
}

static void one_done(llmk_response *r, void *user)
{
	one *o = user;

	o->r = r;
	o->calls++;
}

static int32_t do_stream(llmk_client *c, const llmk_request *req, llmk_stream_fn fn, void *user, llmk_response **out)
{
	llmk_multi *m = NULL;
	one o = {NULL, 0, fn, user};

	if (via != VIA_MULTI)
		return fn ? llmk_stream(c, req, fn, user, out) : llmk_send(c, req, out);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	assert_int_equal(llmk_multi_add(m, c, req, fn ? one_event : NULL, one_done, &o), LLMK_OK);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	llmk_multi_free(m);
	assert_int_equal(o.calls, 1);
	assert_non_null(o.r);
	*out = o.r;
	return llmk_response_status(o.r);
}

static int32_t do_send(llmk_client *c, const llmk_request *req, llmk_response **out)
{
	return do_stream(c, req, NULL, NULL, out);
}

static void transport_for(llmk_transport *t, int how)
{
	llmk_transport_init(t);
	if (how == VIA_EXAMPLE)
		posix_transport_init(t);
	else
		assert_int_equal(llmk_transport_posix(t), LLMK_OK);
}

static llmk_client *new_client(const char *base)
{
	llmk_transport t;
	llmk_client *c = NULL;
	char url[160];

	transport_for(&t, via);
	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	assert_int_equal(llmk_client_set_transport(c, &t, NULL), LLMK_OK);
	snprintf(url, sizeof(url), "%s/v1", base);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK); /* one scripted answer per send */
	return c;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->srv = th_start();
	assert_non_null(f->srv);
	f->c = new_client(th_url(f->srv));
	assert_int_equal(llmk_request_new(&f->chat, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(f->chat, LLMK_ROLE_USER, "Say hello"), LLMK_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	llmk_request_free(f->chat);
	llmk_client_free(f->c);
	th_stop(f->srv);
	free(f);
	return 0;
}

static void push(fixture *f, const th_response *tmpl)
{
	th_push(f->srv, tmpl);
}

/* ---- what goes out, what comes back ------------------------------------- */

static void test_content_length(void **state)
{
	fixture *f = *state;
	llmk_response *r = NULL;
	const th_request *q;
	th_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.headers = "Content-Type: application/json\r\nx-request-id: req_fw_1\r\n";
	resp.body = CHAT_OK;
	push(f, &resp);
	assert_int_equal(do_send(f->c, f->chat, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "Hello there");
	assert_int_equal(llmk_response_http_status(r), 200);
	assert_string_equal(llmk_response_request_id(r), "req_fw_1");
	assert_int_equal(llmk_response_usage(r, LLMK_USAGE_OUTPUT), 2);
	llmk_response_free(r);

	assert_int_equal(th_request_count(f->srv), 1);
	q = th_request_at(f->srv, 0);
	assert_string_equal(q->method, "POST");
	assert_string_equal(q->target, "/v1/chat/completions");
	assert_string_equal(th_request_header(q, "Authorization"), "Bearer " KEY);
	assert_string_equal(th_request_header(q, "Content-Type"), "application/json");
	assert_string_equal(th_request_header(q, "Connection"), "close");
	assert_non_null(th_request_header(q, "Host"));
	assert_non_null(strstr(th_request_header(q, "Host"), "127.0.0.1:"));
	assert_null(th_request_header(q, "Transfer-Encoding"));
	assert_non_null(strstr((const char *)q->body, "\"model\":\"gpt-4o-mini\""));
	assert_non_null(strstr((const char *)q->body, "Say hello"));
	assert_int_equal(strlen((const char *)q->body), q->body_len);
}

typedef struct collected {
	char text[256];
	int events, done;
} collected;

static int32_t on_event(const llmk_event *ev, void *user)
{
	collected *c = user;

	c->events++;
	if (llmk_event_type(ev) == LLMK_EVENT_TEXT)
		strncat(c->text, llmk_event_text(ev), sizeof(c->text) - strlen(c->text) - 1);
	if (llmk_event_type(ev) == LLMK_EVENT_DONE)
		c->done++;
	return 0;
}

/* SSE in 7-byte chunks of a chunked body: chunk boundaries fall inside
 * lines, events and the chunk-size lines' neighbours. */
static void test_chunked_stream(void **state)
{
	fixture *f = *state;
	llmk_response *r = NULL;
	collected got;
	th_response resp;

	memset(&got, 0, sizeof(got));
	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.headers = "Content-Type: text/event-stream\r\n";
	resp.body = SSE_BODY;
	resp.chunked = 1;
	resp.write_size = 7;
	push(f, &resp);
	assert_int_equal(do_stream(f->c, f->chat, on_event, &got, &r), LLMK_OK);
	assert_string_equal(got.text, "Hello, world");
	assert_int_equal(got.done, 1);
	assert_string_equal(llmk_response_text(r), "Hello, world");
	assert_string_equal(llmk_response_finish_reason(r), "stop");
	assert_non_null(strstr((const char *)th_request_at(f->srv, 0)->body, "\"stream\":true"));
	llmk_response_free(r);
}

/* No Content-Length, no chunking: the body ends when the server closes. */
static void test_close_delimited(void **state)
{
	fixture *f = *state;
	llmk_response *r = NULL;
	th_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.headers = "Content-Type: application/json\r\n";
	resp.body = CHAT_OK;
	resp.no_length = 1;
	resp.write_size = 10;
	push(f, &resp);
	assert_int_equal(do_send(f->c, f->chat, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "Hello there");
	llmk_response_free(r);
}

/* A body many times the transport's 16 KiB buffer, both ways. */
static void test_large_bodies(void **state)
{
	fixture *f = *state;
	const size_t n = 300000;
	char *prompt = malloc(n + 1), *body = malloc(n + 256);
	llmk_request *req = NULL;
	llmk_response *r = NULL;
	const th_request *q;
	th_response resp;

	assert_non_null(prompt);
	assert_non_null(body);
	memset(prompt, 'p', n);
	prompt[n] = '\0';
	snprintf(body, n + 256,
	         "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":"
	         "{\"role\":\"assistant\",\"content\":\"%s\"},\"finish_reason\":\"stop\"}]}",
	         prompt);
	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.headers = "Content-Type: application/json\r\n";
	resp.body = body;
	resp.write_size = 4093;
	push(f, &resp);
	assert_int_equal(llmk_request_new(&req, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(req, LLMK_ROLE_USER, prompt), LLMK_OK);
	assert_int_equal(do_send(f->c, req, &r), LLMK_OK);
	assert_int_equal(strlen(llmk_response_text(r)), n);
	assert_string_equal(llmk_response_text(r), prompt);
	q = th_request_at(f->srv, 0);
	assert_non_null(q);
	assert_true(q->body_len > n);
	assert_non_null(strstr((const char *)q->body, prompt));
	llmk_response_free(r);
	llmk_request_free(req);
	free(prompt);
	free(body);
}

/* An HTTP error status is a complete response: the library maps it. */
static void test_http_error(void **state)
{
	fixture *f = *state;
	llmk_response *r = NULL;

	th_push_json(f->srv, 401,
	             "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\","
	             "\"code\":\"invalid_api_key\"}}");
	assert_int_equal(do_send(f->c, f->chat, &r), LLMK_E_AUTH);
	assert_int_equal(llmk_response_http_status(r), 401);
	assert_non_null(strstr(llmk_response_error(r), "Incorrect API key provided"));
	llmk_response_free(r);
}

/* 100 Continue before the real answer is skipped. */
static void test_interim_response(void **state)
{
	fixture *f = *state;
	char raw[1024];
	llmk_response *r = NULL;
	th_response resp;

	snprintf(raw, sizeof(raw),
	         "HTTP/1.1 100 Continue\r\n\r\n"
	         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
	         strlen(CHAT_OK), CHAT_OK);
	memset(&resp, 0, sizeof(resp));
	resp.raw = 1;
	resp.body = raw;
	resp.close = 1;
	push(f, &resp);
	assert_int_equal(do_send(f->c, f->chat, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "Hello there");
	llmk_response_free(r);
}

/* ---- failures ------------------------------------------------------------ */

static void expect_failure(fixture *f, const th_response *resp, int32_t status, const char *needle)
{
	llmk_response *r = NULL;

	push(f, resp);
	assert_int_equal(do_send(f->c, f->chat, &r), status);
	assert_non_null(r);
	if (!strstr(llmk_response_error(r), needle))
		fail_msg("error \"%s\" does not mention \"%s\"", llmk_response_error(r), needle);
	llmk_response_free(r);
}

static void test_truncated_content_length(void **state)
{
	th_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.headers = "Content-Type: application/json\r\n";
	resp.body = CHAT_OK;
	resp.truncate_at = 50;
	expect_failure(*state, &resp, LLMK_E_TRANSPORT, "before the whole body");
}

static void test_truncated_chunked(void **state)
{
	th_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.headers = "Content-Type: text/event-stream\r\n";
	resp.body = SSE_BODY;
	resp.chunked = 1;
	resp.write_size = 40;
	resp.truncate_at = 100;
	expect_failure(*state, &resp, LLMK_E_TRANSPORT, "connection closed");
}

static void test_bad_chunk_size(void **state)
{
	static const char raw[] =
	        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	        "zz\r\n{}\r\n0\r\n\r\n";
	th_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.raw = 1;
	resp.body = raw;
	resp.close = 1;
	expect_failure(*state, &resp, LLMK_E_PROTOCOL, "chunk size");
}

static void test_not_http(void **state)
{
	th_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.raw = 1;
	resp.body = "SSH-2.0-OpenSSH_9.2\r\n";
	resp.close = 1;
	expect_failure(*state, &resp, LLMK_E_PROTOCOL, "status line");
}

/* Ten 7000-byte header lines: past the transport's 64 KiB head limit. */
static void test_huge_head(void **state)
{
	size_t off, i;
	char *raw = malloc(80000);
	th_response resp;

	assert_non_null(raw);
	off = (size_t)sprintf(raw, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < 10; i++) {
		off += (size_t)sprintf(raw + off, "X-Filler-%zu: ", i);
		memset(raw + off, 'f', 7000);
		off += 7000;
		off += (size_t)sprintf(raw + off, "\r\n");
	}
	sprintf(raw + off, "\r\n{}");
	memset(&resp, 0, sizeof(resp));
	resp.raw = 1;
	resp.body = raw;
	resp.close = 1;
	expect_failure(*state, &resp, LLMK_E_TOO_LARGE, "65536 bytes");
	free(raw);
}

/* One header line longer than 8 KiB. */
static void test_long_line(void **state)
{
	size_t off;
	char *raw = malloc(20000);
	th_response resp;

	assert_non_null(raw);
	off = (size_t)sprintf(raw, "HTTP/1.1 200 OK\r\nX-Long: ");
	memset(raw + off, 'l', 9000);
	off += 9000;
	sprintf(raw + off, "\r\n\r\n{}");
	memset(&resp, 0, sizeof(resp));
	resp.raw = 1;
	resp.body = raw;
	resp.close = 1;
	expect_failure(*state, &resp, LLMK_E_TOO_LARGE, "8192 bytes");
	free(raw);
}

static void test_total_timeout(void **state)
{
	fixture *f = *state;
	th_response resp;
	double t0;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_TIMEOUT_MS, 300), LLMK_OK);
	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.headers = "Content-Type: application/json\r\n";
	resp.body = CHAT_OK;
	resp.delay_body_ms = 3000;
	t0 = now_ms();
	expect_failure(f, &resp, LLMK_E_TIMEOUT, "timeout_ms");
	assert_true(now_ms() - t0 >= 290);
	assert_true(now_ms() - t0 < 2000);
}

static void test_idle_timeout(void **state)
{
	fixture *f = *state;
	th_response resp;
	double t0;

	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_IDLE_TIMEOUT_MS, 200), LLMK_OK);
	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.headers = "Content-Type: text/event-stream\r\n";
	resp.body = SSE_BODY;
	resp.write_size = 60;
	resp.delay_ms = 3000; /* silence between writes */
	t0 = now_ms();
	expect_failure(f, &resp, LLMK_E_TIMEOUT, "idle_timeout_ms");
	assert_true(now_ms() - t0 < 2500);
}

typedef struct canceller {
	llmk_cancel *cancel;
	int delay_ms;
} canceller;

static void *cancel_later(void *arg)
{
	canceller *c = arg;
	struct timespec ts = {0, (long)c->delay_ms * 1000000L};

	nanosleep(&ts, NULL);
	llmk_cancel_trigger(c->cancel);
	return NULL;
}

static void test_cancel(void **state)
{
	fixture *f = *state;
	canceller cc = {NULL, 150};
	llmk_response *r = NULL;
	th_response resp;
	pthread_t th;
	double t0, took;

	assert_int_equal(llmk_cancel_new(&cc.cancel), LLMK_OK);
	assert_int_equal(llmk_request_set_cancel(f->chat, cc.cancel), LLMK_OK);
	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.headers = "Content-Type: application/json\r\n";
	resp.body = CHAT_OK;
	resp.delay_headers_ms = 5000;
	push(f, &resp);
	t0 = now_ms();
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &cc), 0);
	assert_int_equal(do_send(f->c, f->chat, &r), LLMK_E_CANCELLED);
	took = now_ms() - t0;
	pthread_join(th, NULL);
	assert_true(took >= 140);
	assert_true(took < 150 + 100 + 400); /* 50 ms polling; slack for a loaded machine */
	llmk_response_free(r);
	llmk_request_set_cancel(f->chat, NULL);
	llmk_cancel_free(cc.cancel);
}

/* A port nobody listens on. */
static void test_connection_refused(void **state)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	llmk_client *c;
	llmk_response *r = NULL;
	char base[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd); /* bound, never listened: connects are refused */
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", ntohs(a.sin_port));
	c = new_client(base);
	{
		fixture *f = *state;
		assert_int_equal(do_send(c, f->chat, &r), LLMK_E_TRANSPORT);
	}
	assert_non_null(strstr(llmk_response_error(r), "connect failed"));
	assert_null(strstr(llmk_response_error(r), KEY));
	llmk_response_free(r);
	llmk_client_free(c);
}

static void test_https_refused(void **state)
{
	fixture *f = *state;
	llmk_client *c = new_client("https://127.0.0.1:1");
	llmk_response *r = NULL;

	assert_int_equal(do_send(c, f->chat, &r), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(r), "TLS"));
	llmk_response_free(r);
	llmk_client_free(c);
}

/* A line break in a header value never reaches the wire as a second
 * header (the library or the transport refuses it). */
static void test_header_injection(void **state)
{
	fixture *f = *state;
	llmk_response *r = NULL;
	int32_t st;

	th_push_json(f->srv, 200, CHAT_OK);
	st = llmk_client_set_str(f->c, LLMK_OPT_API_KEY, "sk-a\r\nX-Injected: 1");
	if (st == LLMK_OK) {
		assert_int_equal(do_send(f->c, f->chat, &r), LLMK_E_INVALID_ARG);
		assert_non_null(strstr(llmk_response_error(r), "line break"));
		assert_null(strstr(llmk_response_error(r), "sk-a"));
		llmk_response_free(r);
	} else {
		assert_int_equal(st, LLMK_E_INVALID_ARG);
	}
	assert_int_equal(th_request_count(f->srv), 0);
}

/* The transport keeps no state: one client, several threads at once. */
typedef struct worker {
	llmk_client *c;
	const llmk_request *req;
	int ok;
} worker;

static void *run_worker(void *arg)
{
	worker *w = arg;
	int i;

	for (i = 0; i < 5; i++) {
		llmk_response *r = NULL;
		if (do_send(w->c, w->req, &r) == LLMK_OK && !strcmp(llmk_response_text(r), "Hello there"))
			w->ok++;
		llmk_response_free(r);
	}
	return NULL;
}

static void test_threads(void **state)
{
	fixture *f = *state;
	pthread_t th[4];
	worker w[4];
	int i;

	for (i = 0; i < 20; i++)
		th_push_json(f->srv, 200, CHAT_OK);
	for (i = 0; i < 4; i++) {
		w[i].c = f->c;
		w[i].req = f->chat;
		w[i].ok = 0;
		assert_int_equal(pthread_create(&th[i], NULL, run_worker, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].ok, 5);
	}
	assert_int_equal(th_request_count(f->srv), 20);
	assert_int_equal(th_connection_count(f->srv), 20); /* Connection: close, one each */
}

/* ---- many in flight: the POSIX transport's non-blocking driver ----------- */

/* Holds every answer until `need` requests are waiting at once (or 10 s
 * passed: then a 503 that fails the test, and for every later one too). */
typedef struct barrier {
	int need, arrived, gave_up;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} barrier;

static void hold_handler(const th_request *rq, th_response *out, void *user)
{
	barrier *b = user;
	struct timespec until;
	int all;

	(void)rq;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&b->mu);
	if (++b->arrived >= b->need)
		pthread_cond_broadcast(&b->cv);
	/* After one gave up the others do not wait: a serialising client
	 * fails in 10 s, not 32 times that. */
	while (!b->gave_up && b->arrived < b->need && pthread_cond_timedwait(&b->cv, &b->mu, &until) == 0)
		;
	all = b->arrived >= b->need;
	if (!all)
		b->gave_up++;
	pthread_mutex_unlock(&b->mu);
	out->status = all ? 200 : 503;
	out->headers = strdup("Content-Type: application/json\r\n");
	out->body = strdup(all ? CHAT_OK : "{\"error\":{\"message\":\"not all requests arrived: serialised?\"}}");
}

typedef struct many {
	llmk_response *r[64];
	int done;
} many;

static void many_done(llmk_response *r, void *user)
{
	many *m = user;

	m->r[m->done++] = r;
}

static void many_free(many *m)
{
	int i;

	for (i = 0; i < m->done; i++)
		llmk_response_free(m->r[i]);
}

/* Drives a multi from the program's own poll() loop, as an event loop
 * would: llmk_multi_fds() and llmk_multi_timeout_ms(), then perform. */
static void own_loop(llmk_multi *m)
{
	int32_t running = 1, fds[128], ev[128];
	struct pollfd p[128];
	size_t n, i;
	int64_t t;

	assert_int_equal(llmk_multi_perform(m, &running), LLMK_OK);
	while (running) {
		n = llmk_multi_fds(m, fds, ev, 128);
		assert_true(n <= 128);
		for (i = 0; i < n; i++) {
			p[i].fd = fds[i];
			p[i].events = (short)(((ev[i] & LLMK_POLL_IN) ? POLLIN : 0) |
			                      ((ev[i] & LLMK_POLL_OUT) ? POLLOUT : 0));
			p[i].revents = 0;
		}
		t = llmk_multi_timeout_ms(m);
		poll(p, (nfds_t)n, t < 0 || t > 1000 ? 1000 : (int)t);
		assert_int_equal(llmk_multi_perform(m, &running), LLMK_OK);
	}
}

static void in_flight_32(void **state, int event_loop)
{
	fixture *f = *state;
	barrier b = {32, 0, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
	llmk_multi *m = NULL;
	many res;
	double t0, ms;
	int i;

	memset(&res, 0, sizeof(res));
	th_set_handler(f->srv, hold_handler, &b);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	for (i = 0; i < 32; i++)
		assert_int_equal(llmk_multi_add(m, f->c, f->chat, NULL, many_done, &res), LLMK_OK);
	t0 = now_ms();
	if (event_loop)
		own_loop(m);
	else
		assert_int_equal(llmk_multi_run(m), LLMK_OK);
	ms = now_ms() - t0;
	llmk_multi_free(m);
	print_message("32 requests through the POSIX transport, held until all arrived: %.0f ms, %u at once\n", ms,
	              th_max_concurrent(f->srv));
	assert_int_equal(res.done, 32);
	for (i = 0; i < 32; i++) {
		if (llmk_response_status(res.r[i]) != LLMK_OK)
			fail_msg("request %d: %s", i, llmk_response_error(res.r[i]));
		assert_string_equal(llmk_response_text(res.r[i]), "Hello there");
	}
	assert_int_equal(b.gave_up, 0);
	assert_int_equal(th_max_concurrent(f->srv), 32);
	assert_int_equal(th_connection_count(f->srv), 32);
	assert_true(ms < 8000);
	many_free(&res);
	th_set_handler(f->srv, NULL, NULL);
}

static void test_32_in_flight_run(void **state)
{
	in_flight_32(state, 0);
}

static void test_32_in_flight_own_loop(void **state)
{
	in_flight_32(state, 1);
}

/* A transport with `send` only (the example) and the built-in non-blocking
 * one, in one multi: both answer, the blocking one a request per step. */
static void test_mixed_transports(void **state)
{
	fixture *f = *state;
	llmk_client *blocking;
	llmk_multi *m = NULL;
	llmk_transport t;
	many res;
	int i;

	memset(&res, 0, sizeof(res));
	blocking = new_client(th_url(f->srv));
	transport_for(&t, VIA_EXAMPLE);
	assert_int_equal(llmk_client_set_transport(blocking, &t, NULL), LLMK_OK);
	for (i = 0; i < 8; i++)
		th_push_json(f->srv, 200, CHAT_OK);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	for (i = 0; i < 8; i++)
		assert_int_equal(llmk_multi_add(m, i % 2 ? blocking : f->c, f->chat, NULL, many_done, &res), LLMK_OK);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	llmk_multi_free(m);
	assert_int_equal(res.done, 8);
	for (i = 0; i < 8; i++)
		assert_string_equal(llmk_response_text(res.r[i]), "Hello there");
	many_free(&res);
	llmk_client_free(blocking);
}

/* One of eight cancelled while the server is slow: it ends at once, the
 * others are answered; a multi freed with requests in flight answers them
 * as cancelled and leaks nothing (ASan, valgrind). */
static void test_cancel_among_many(void **state)
{
	fixture *f = *state;
	llmk_cancel *cancel;
	llmk_request *req;
	llmk_multi *m = NULL;
	many res;
	th_response slow;
	int32_t running = 1;
	double t0;
	int i, cancelled = 0, ok = 0;

	memset(&res, 0, sizeof(res));
	memset(&slow, 0, sizeof(slow));
	slow.status = 200;
	slow.headers = "Content-Type: application/json\r\n";
	slow.body = CHAT_OK;
	slow.delay_headers_ms = 600;
	for (i = 0; i < 8; i++)
		push(f, &slow);
	assert_int_equal(llmk_cancel_new(&cancel), LLMK_OK);
	assert_int_equal(llmk_request_new(&req, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(req, LLMK_ROLE_USER, "cancel me"), LLMK_OK);
	assert_int_equal(llmk_request_set_cancel(req, cancel), LLMK_OK);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	for (i = 0; i < 7; i++)
		assert_int_equal(llmk_multi_add(m, f->c, f->chat, NULL, many_done, &res), LLMK_OK);
	assert_int_equal(llmk_multi_add(m, f->c, req, NULL, many_done, &res), LLMK_OK);
	assert_int_equal(llmk_multi_perform(m, &running), LLMK_OK);
	llmk_cancel_trigger(cancel);
	t0 = now_ms();
	while (res.done == 0 && now_ms() - t0 < 2000) {
		assert_int_equal(llmk_multi_wait(m, 100), LLMK_OK);
		assert_int_equal(llmk_multi_perform(m, &running), LLMK_OK);
	}
	assert_int_equal(res.done, 1);
	assert_true(now_ms() - t0 < 400);
	assert_int_equal(llmk_response_status(res.r[0]), LLMK_E_CANCELLED);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	assert_int_equal(res.done, 8);
	for (i = 0; i < 8; i++) {
		cancelled += llmk_response_status(res.r[i]) == LLMK_E_CANCELLED;
		ok += llmk_response_status(res.r[i]) == LLMK_OK;
	}
	assert_int_equal(cancelled, 1);
	assert_int_equal(ok, 7);
	many_free(&res);

	/* Freed in flight. */
	memset(&res, 0, sizeof(res));
	for (i = 0; i < 4; i++)
		push(f, &slow);
	for (i = 0; i < 4; i++)
		assert_int_equal(llmk_multi_add(m, f->c, f->chat, NULL, many_done, &res), LLMK_OK);
	assert_int_equal(llmk_multi_perform(m, &running), LLMK_OK);
	assert_int_equal(running, 4);
	llmk_multi_free(m);
	assert_int_equal(res.done, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(llmk_response_status(res.r[i]), LLMK_E_CANCELLED);
	many_free(&res);
	llmk_request_free(req);
	llmk_cancel_free(cancel);
}

/* Garbage from the server, blocking and in a multi: every request ends
 * with a failure (or, rarely, an answer), never a crash or a hang. Half the
 * answers start like HTTP so that the garbage reaches the header and body
 * parsers. (The decoder itself is fuzzed: tests/fuzz/fuzz_http1.c.) */
static void test_garbage(void **state)
{
	static const char *starts[] = {"HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	                               "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HTTP/1.1 100 Continue\r\n",
	                               ""};
	fixture *f = *state;
	unsigned seed = 12345;
	char buf[2048];
	th_response resp;
	llmk_multi *m = NULL;
	llmk_response *r;
	many res;
	int i, k, round;

	for (round = 0; round < 2; round++) {
		memset(&res, 0, sizeof(res));
		for (i = 0; i < 40; i++) {
			const char *start = starts[i % 5];
			size_t n = strlen(start), len;
			memcpy(buf, start, n);
			seed = seed * 1103515245u + 12345u;
			len = n + (seed >> 16) % (sizeof(buf) - n);
			for (k = (int)n; k < (int)len; k++) {
				seed = seed * 1103515245u + 12345u;
				/* some bytes from the HTTP alphabet, so lines and fields happen */
				buf[k] = (seed >> 24) % 4 == 0 ? "\r\n: ;0aZ"[(seed >> 8) % 8] : (char)(seed >> 16);
			}
			memset(&resp, 0, sizeof(resp));
			resp.raw = 1;
			resp.body = buf;
			resp.body_len = len ? len : 1;
			resp.close = 1;
			push(f, &resp);
		}
		if (round == 0) {
			for (i = 0; i < 40; i++) {
				r = NULL;
				do_send(f->c, f->chat, &r);
				assert_non_null(r);
				llmk_response_free(r);
			}
		} else {
			assert_int_equal(llmk_multi_new(&m), LLMK_OK);
			for (i = 0; i < 40; i++)
				assert_int_equal(llmk_multi_add(m, f->c, f->chat, NULL, many_done, &res), LLMK_OK);
			assert_int_equal(llmk_multi_run(m), LLMK_OK);
			llmk_multi_free(m);
			assert_int_equal(res.done, 40);
			many_free(&res);
		}
	}
}

static int group_send(void **state)
{
	(void)state;
	via = VIA_SEND;
	return 0;
}

static int group_multi(void **state)
{
	(void)state;
	via = VIA_MULTI;
	return 0;
}

static int group_example(void **state)
{
	(void)state;
	via = VIA_EXAMPLE;
	return 0;
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest each_way[] = {
	        T(test_content_length),
	        T(test_chunked_stream),
	        T(test_close_delimited),
	        T(test_large_bodies),
	        T(test_http_error),
	        T(test_interim_response),
	        T(test_truncated_content_length),
	        T(test_truncated_chunked),
	        T(test_bad_chunk_size),
	        T(test_not_http),
	        T(test_huge_head),
	        T(test_long_line),
	        T(test_total_timeout),
	        T(test_idle_timeout),
	        T(test_cancel),
	        T(test_connection_refused),
	        T(test_https_refused),
	        T(test_header_injection),
	        T(test_threads),
	};
	const struct CMUnitTest in_flight[] = {
	        T(test_32_in_flight_run), T(test_32_in_flight_own_loop),
	        T(test_mixed_transports), T(test_cancel_among_many),
	        T(test_garbage),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("examples/custom_transport.c, llmk_send", each_way, group_example, NULL);
	if (!(llmk_features() & LLMK_FEATURE_POSIX)) { /* -Dposix_transport=disabled */
		print_message("no built-in POSIX transport in this build: its tests skipped\n");
		return failed;
	}
	failed += cmocka_run_group_tests_name("built-in POSIX transport, llmk_send", each_way, group_send, NULL);
	failed += cmocka_run_group_tests_name("built-in POSIX transport, llmk_multi", each_way, group_multi, NULL);
	failed += cmocka_run_group_tests_name("many in flight (built-in POSIX transport)", in_flight, group_send, NULL);
	return failed;
}
