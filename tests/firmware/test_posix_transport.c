#define _POSIX_C_SOURCE 200809L
/* The firmware profile: the static library with the POSIX socket transport
 * of examples/custom_transport.c (compiled from that file), against the
 * loopback test server. Runs in every build; in a -Dcurl=disabled build it
 * is the proof that the library works with no libcurl at all. */
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
#include <sys/socket.h>

#include "llmkit.h"
#include "custom_transport.h"
#include "httpd.h"

#define KEY "sk-firmware-test-key"
#define CHAT_OK                                                                                                  \
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0," \
	"\"message\":{\"role\":\"assistant\",\"content\":\"Hello there\"},\"finish_reason\":\"stop\"}],"             \
	"\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}"
#define SSE_CHUNK(text)                                                                                    \
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{" \
	"\"index\":0,\"delta\":{\"content\":\"" text "\"},\"finish_reason\":null}]}\n\n"
#define SSE_BODY                                                                                                 \
	SSE_CHUNK("Hel") SSE_CHUNK("lo, ") SSE_CHUNK("world")                                                      \
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0," \
	"\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"                                                          \
	"data: [DONE]\n\n"

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

static llmk_client *new_client(const char *base)
{
	llmk_transport t;
	llmk_client *c = NULL;
	char url[160];

	posix_transport_init(&t);
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
	assert_int_equal(llmk_send(f->c, f->chat, &r), LLMK_OK);
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
	assert_int_equal(llmk_stream(f->c, f->chat, on_event, &got, &r), LLMK_OK);
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
	assert_int_equal(llmk_send(f->c, f->chat, &r), LLMK_OK);
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
	assert_int_equal(llmk_send(f->c, req, &r), LLMK_OK);
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

	th_push_json(f->srv, 401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\","
	                          "\"code\":\"invalid_api_key\"}}");
	assert_int_equal(llmk_send(f->c, f->chat, &r), LLMK_E_AUTH);
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
	assert_int_equal(llmk_send(f->c, f->chat, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "Hello there");
	llmk_response_free(r);
}

/* ---- failures ------------------------------------------------------------ */

static void expect_failure(fixture *f, const th_response *resp, int32_t status, const char *needle)
{
	llmk_response *r = NULL;

	push(f, resp);
	assert_int_equal(llmk_send(f->c, f->chat, &r), status);
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
	static const char raw[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
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
	assert_int_equal(llmk_send(f->c, f->chat, &r), LLMK_E_CANCELLED);
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
		assert_int_equal(llmk_send(c, f->chat, &r), LLMK_E_TRANSPORT);
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

	assert_int_equal(llmk_send(c, f->chat, &r), LLMK_E_UNSUPPORTED);
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
		assert_int_equal(llmk_send(f->c, f->chat, &r), LLMK_E_INVALID_ARG);
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
		if (llmk_send(w->c, w->req, &r) == LLMK_OK && !strcmp(llmk_response_text(r), "Hello there"))
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

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_content_length),  T(test_chunked_stream),        T(test_close_delimited),
		T(test_large_bodies),    T(test_http_error),            T(test_interim_response),
		T(test_truncated_content_length), T(test_truncated_chunked), T(test_bad_chunk_size),
		T(test_not_http),        T(test_huge_head),       T(test_long_line),           T(test_total_timeout),
		T(test_idle_timeout),    T(test_cancel),                T(test_connection_refused),
		T(test_https_refused),   T(test_header_injection),   T(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
