/*
 * test_httpd.c - self-test of the scripted test HTTP server (httpd.h).
 *
 * Most tests talk to the server over a raw client socket so the exact bytes
 * on the wire can be checked; the last ones use libcurl, as the library does.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "httpd.h"

/* ------------------------------------------------------- client helpers */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connected socket with a receive timeout, so a server bug fails the test
 * instead of hanging it. */
static int client_connect(const th_server *s)
{
	struct sockaddr_in addr;
	struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((unsigned short)th_port(s));
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
	return fd;
}

static void client_send(int fd, const char *data)
{
	size_t n = strlen(data);
	while (n > 0) {
		ssize_t k = send(fd, data, n, MSG_NOSIGNAL);
		assert_true(k > 0);
		data += k;
		n -= (size_t)k;
	}
}

/* Read exactly n bytes into a NUL-terminated buffer. */
static char *client_read_n(int fd, size_t n)
{
	char *buf = malloc(n + 1);
	size_t got = 0;

	assert_non_null(buf);
	while (got < n) {
		ssize_t k = recv(fd, buf + got, n - got, 0);
		assert_true(k > 0);
		got += (size_t)k;
	}
	buf[n] = '\0';
	return buf;
}

/* Read a response head (through the empty line); byte by byte so nothing
 * after it is consumed. */
static char *client_read_head(int fd)
{
	size_t n = 0, cap = 256;
	char *buf = malloc(cap);

	assert_non_null(buf);
	while (n < 4 || memcmp(buf + n - 4, "\r\n\r\n", 4) != 0) {
		ssize_t k;
		if (n + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		k = recv(fd, buf + n, 1, 0);
		assert_int_equal(k, 1);
		n++;
	}
	buf[n] = '\0';
	return buf;
}

/* Value of a header in a raw head, -1 if absent (test heads are small and
 * well formed, so a substring search is enough). */
static long head_number(const char *head, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof key, "\r\n%s:", name);
	p = strstr(head, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

typedef struct resp {
	int status;
	char *head;
	char *body; /* NUL-terminated */
} resp;

/* Read one response framed by Content-Length. */
static resp client_read_response(int fd)
{
	resp r;
	long len;

	r.head = client_read_head(fd);
	assert_int_equal(strncmp(r.head, "HTTP/1.1 ", 9), 0);
	r.status = atoi(r.head + 9);
	len = head_number(r.head, "Content-Length");
	assert_true(len >= 0);
	r.body = client_read_n(fd, (size_t)len);
	return r;
}

static void resp_free(resp *r)
{
	free(r->head);
	free(r->body);
}

/* Read until the server closes; fails on timeout. */
static char *client_read_to_eof(int fd, size_t *len)
{
	size_t n = 0, cap = 1024;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (;;) {
		ssize_t k;
		if (cap - n < 512) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		k = recv(fd, buf + n, cap - n - 1, 0);
		assert_true(k >= 0); /* k < 0 here means timeout: no close came */
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* ------------------------------------------------------------- fixtures */

static int setup(void **state)
{
	th_server *s = th_start();
	if (!s)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	th_stop(*state);
	return 0;
}

/* ---------------------------------------------------------------- tests */

static void test_url_and_port(void **state)
{
	th_server *s = *state;
	char want[64];

	assert_true(th_port(s) > 0);
	snprintf(want, sizeof want, "http://127.0.0.1:%d", th_port(s));
	assert_string_equal(th_url(s), want);
}

static void test_keepalive(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	resp r;

	th_push_json(s, 200, "{\"n\":1}");
	th_push_json(s, 201, "{\"n\":2}");
	assert_int_equal(th_pending(s), 2);

	client_send(fd, "GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
	r = client_read_response(fd);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"n\":1}");
	assert_non_null(strstr(r.head, "\r\nContent-Type: application/json\r\n"));
	assert_null(strstr(r.head, "Connection: close"));
	resp_free(&r);

	client_send(fd, "GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
	r = client_read_response(fd);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{\"n\":2}");
	resp_free(&r);
	close(fd);

	assert_int_equal(th_request_count(s), 2);
	assert_string_equal(th_request_at(s, 0)->target, "/one");
	assert_string_equal(th_request_at(s, 1)->target, "/two");
	assert_int_equal(th_request_at(s, 0)->conn_id, 1);
	assert_int_equal(th_request_at(s, 1)->conn_id, 1);
	assert_int_equal(th_connection_count(s), 1);
	assert_int_equal(th_pending(s), 0);
	assert_null(th_request_at(s, 2));
}

static void test_separate_connections(void **state)
{
	th_server *s = *state;
	int a = client_connect(s), b;
	resp r;

	th_push_json(s, 200, "{}");
	th_push_json(s, 200, "{}");
	client_send(a, "GET /a HTTP/1.1\r\n\r\n");
	r = client_read_response(a);
	resp_free(&r);
	b = client_connect(s);
	client_send(b, "GET /b HTTP/1.1\r\n\r\n");
	r = client_read_response(b);
	resp_free(&r);
	close(a);
	close(b);

	assert_int_equal(th_request_at(s, 0)->conn_id, 1);
	assert_int_equal(th_request_at(s, 1)->conn_id, 2);
	assert_int_equal(th_connection_count(s), 2);
}

static void test_content_length_body(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	const th_request *rq;
	resp r;

	th_push_json(s, 200, "{\"ok\":true}");
	client_send(fd, "POST /v1/chat/completions?x=1 HTTP/1.1\r\n"
	                "Host: 127.0.0.1\r\n"
	                "Content-Type: application/json\r\n"
	                "Content-Length: 13\r\n"
	                "\r\n"
	                "{\"model\":\"m\"}");
	r = client_read_response(fd);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	close(fd);

	rq = th_request_at(s, 0);
	assert_non_null(rq);
	assert_string_equal(rq->method, "POST");
	assert_string_equal(rq->target, "/v1/chat/completions?x=1");
	assert_int_equal(rq->nheaders, 3);
	assert_int_equal(rq->body_len, 13);
	assert_string_equal((const char *)rq->body, "{\"model\":\"m\"}");
}

static void test_empty_body_is_empty_string(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	resp r;

	th_push_json(s, 200, "{}");
	client_send(fd, "GET / HTTP/1.1\r\n\r\n");
	r = client_read_response(fd);
	resp_free(&r);
	close(fd);
	assert_int_equal(th_request_at(s, 0)->body_len, 0);
	assert_non_null(th_request_at(s, 0)->body);
	assert_string_equal((const char *)th_request_at(s, 0)->body, "");
}

static void test_chunked_request_body(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	const th_request *rq;
	resp r;

	th_push_json(s, 200, "{}");
	/* Sent in pieces so the decoder sees chunks split across reads. */
	client_send(fd, "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
	usleep(20000);
	client_send(fd, "lo\r\n6;ext=1\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n");
	r = client_read_response(fd);
	assert_int_equal(r.status, 200);
	resp_free(&r);

	/* The connection is still usable after a chunked body. */
	th_push_json(s, 200, "{}");
	client_send(fd, "GET /after HTTP/1.1\r\n\r\n");
	r = client_read_response(fd);
	resp_free(&r);
	close(fd);

	rq = th_request_at(s, 0);
	assert_int_equal(rq->body_len, 21);
	assert_string_equal((const char *)rq->body, "hello world0123456789");
	assert_string_equal(th_request_at(s, 1)->target, "/after");
}

static void test_expect_100_continue(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	char *interim;
	resp r;

	th_push_json(s, 200, "{\"uploaded\":true}");
	client_send(fd, "POST /v1/files HTTP/1.1\r\n"
	                "Content-Length: 4\r\n"
	                "Expect: 100-continue\r\n\r\n");
	/* The body is only sent after the interim response arrives. */
	interim = client_read_head(fd);
	assert_string_equal(interim, "HTTP/1.1 100 Continue\r\n\r\n");
	free(interim);
	client_send(fd, "data");
	r = client_read_response(fd);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"uploaded\":true}");
	resp_free(&r);
	close(fd);
	assert_string_equal((const char *)th_request_at(s, 0)->body, "data");
}

static void test_empty_queue_599(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	resp r;

	client_send(fd, "GET /nothing HTTP/1.1\r\n\r\n");
	r = client_read_response(fd);
	assert_int_equal(r.status, 599);
	assert_string_equal(r.body,
	                    "{\"error\":{\"message\":\"test server: no scripted response\",\"type\":\"test\"}}");
	resp_free(&r);
	close(fd);
	assert_int_equal(th_request_count(s), 1); /* recorded all the same */
}

static void test_chunked_response_wire(void **state)
{
	th_server *s = *state;
	th_response rs = {0};
	int fd = client_connect(s);
	char *all, *body;

	rs.status = 200;
	rs.headers = "Content-Type: text/event-stream\r\n";
	rs.body = "abcdefghij";
	rs.chunked = 1;
	rs.write_size = 4;
	rs.delay_ms = 5;
	rs.close = 1;
	th_push(s, &rs);
	client_send(fd, "POST /stream HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
	all = client_read_to_eof(fd, NULL);
	close(fd);

	body = strstr(all, "\r\n\r\n");
	assert_non_null(body);
	body[2] = '\0';
	assert_string_equal(all, "HTTP/1.1 200 OK\r\n"
	                         "Transfer-Encoding: chunked\r\n"
	                         "Connection: close\r\n"
	                         "Content-Type: text/event-stream\r\n");
	assert_string_equal(body + 4, "4\r\nabcd\r\n4\r\nefgh\r\n2\r\nij\r\n0\r\n\r\n");
	free(all);
}

static void test_truncate_at(void **state)
{
	th_server *s = *state;
	th_response rs = {0};
	int fd = client_connect(s);
	size_t n;
	char *all;
	int64_t t0;

	rs.status = 200;
	rs.body = "0123456789";
	rs.truncate_at = 4;
	th_push(s, &rs); /* close not asked for: truncation implies it */
	client_send(fd, "GET / HTTP/1.1\r\n\r\n");
	t0 = now_ms();
	all = client_read_to_eof(fd, &n);
	assert_true(now_ms() - t0 < 2000);
	close(fd);
	assert_non_null(strstr(all, "\r\nContent-Length: 10\r\n"));
	assert_int_equal(strlen(strstr(all, "\r\n\r\n") + 4), 4);
	assert_string_equal(strstr(all, "\r\n\r\n") + 4, "0123");
	free(all);
}

static void test_truncate_chunked_has_no_terminator(void **state)
{
	th_server *s = *state;
	th_response rs = {0};
	int fd = client_connect(s);
	char *all;

	rs.status = 200;
	rs.body = "abcdefgh";
	rs.chunked = 1;
	rs.write_size = 3;
	rs.truncate_at = 6;
	th_push(s, &rs);
	client_send(fd, "GET / HTTP/1.1\r\n\r\n");
	all = client_read_to_eof(fd, NULL);
	close(fd);
	assert_string_equal(strstr(all, "\r\n\r\n") + 4, "3\r\nabc\r\n3\r\ndef\r\n");
	free(all);
}

static void test_close(void **state)
{
	th_server *s = *state;
	th_response rs = {0};
	int fd = client_connect(s);
	char rest;
	resp r;

	rs.status = 404;
	rs.body = "{}";
	rs.close = 1;
	th_push(s, &rs);
	client_send(fd, "GET / HTTP/1.1\r\n\r\n");
	r = client_read_response(fd);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.head, "HTTP/1.1 404 Not Found\r\n"));
	assert_non_null(strstr(r.head, "\r\nConnection: close\r\n"));
	assert_string_equal(r.body, "{}");
	resp_free(&r);
	assert_int_equal(recv(fd, &rest, 1, 0), 0); /* EOF, not a timeout */
	close(fd);
}

static void test_client_connection_close(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	char rest;
	resp r;

	th_push_json(s, 200, "{}");
	client_send(fd, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
	r = client_read_response(fd);
	assert_non_null(strstr(r.head, "\r\nConnection: close\r\n"));
	resp_free(&r);
	assert_int_equal(recv(fd, &rest, 1, 0), 0);
	close(fd);
}

static void test_no_length(void **state)
{
	th_server *s = *state;
	th_response rs = {0};
	int fd = client_connect(s);
	char *all;

	rs.status = 200;
	rs.body = "until close";
	rs.no_length = 1;
	th_push(s, &rs);
	client_send(fd, "GET / HTTP/1.1\r\n\r\n");
	all = client_read_to_eof(fd, NULL);
	close(fd);
	assert_string_equal(all, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close");
	free(all);
}

static void test_raw(void **state)
{
	th_server *s = *state;
	static const char wire[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Raw: 1\r\n\r\nhi";
	th_response rs = {0};
	int fd = client_connect(s);
	char *all;

	rs.raw = 1;
	rs.body = wire;
	rs.write_size = 5;
	rs.close = 1;
	th_push(s, &rs);
	client_send(fd, "GET / HTTP/1.1\r\n\r\n");
	all = client_read_to_eof(fd, NULL);
	close(fd);
	assert_string_equal(all, wire);
	free(all);
}

static void test_header_lookup(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	const th_request *rq;
	resp r;

	th_push_json(s, 200, "{}");
	client_send(fd, "GET / HTTP/1.1\r\n"
	                "authorization: Bearer sk-test\r\n"
	                "X-Custom-Thing:   spaced value \t\r\n"
	                "Empty:\r\n\r\n");
	r = client_read_response(fd);
	resp_free(&r);
	close(fd);

	rq = th_request_at(s, 0);
	assert_string_equal(th_request_header(rq, "Authorization"), "Bearer sk-test");
	assert_string_equal(th_request_header(rq, "AUTHORIZATION"), "Bearer sk-test");
	assert_string_equal(th_request_header(rq, "x-custom-thing"), "spaced value");
	assert_string_equal(th_request_header(rq, "empty"), "");
	assert_null(th_request_header(rq, "X-Missing"));
	assert_string_equal(rq->headers[0].name, "authorization"); /* as received */
}

static void test_malformed_400(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	char *all;

	th_push_json(s, 200, "{}");
	client_send(fd, "NONSENSE\r\n\r\n");
	all = client_read_to_eof(fd, NULL);
	close(fd);
	assert_int_equal(strncmp(all, "HTTP/1.1 400 ", 13), 0);
	free(all);
	assert_int_equal(th_request_count(s), 0); /* not a request */
	assert_int_equal(th_pending(s), 1);       /* script untouched */
}

static void test_body_too_large_413(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	char *all;

	client_send(fd, "POST / HTTP/1.1\r\nContent-Length: 999999999999\r\n"
	                "Expect: 100-continue\r\n\r\n");
	all = client_read_to_eof(fd, NULL);
	close(fd);
	/* Refused outright: no "100 Continue" inviting the body first. */
	assert_int_equal(strncmp(all, "HTTP/1.1 413 ", 13), 0);
	free(all);
}

static void test_headers_too_large_431(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	char *big = malloc(70 * 1024), *all;

	assert_non_null(big);
	memset(big, 'a', 70 * 1024 - 1);
	big[70 * 1024 - 1] = '\0';
	client_send(fd, "GET / HTTP/1.1\r\nX-Big: ");
	client_send(fd, big);
	free(big);
	all = client_read_to_eof(fd, NULL);
	close(fd);
	assert_int_equal(strncmp(all, "HTTP/1.1 431 ", 13), 0);
	free(all);
}

static void test_reset(void **state)
{
	th_server *s = *state;
	int fd = client_connect(s);
	resp r;

	th_push_json(s, 200, "{}");
	client_send(fd, "GET / HTTP/1.1\r\n\r\n");
	r = client_read_response(fd);
	resp_free(&r);
	th_push_json(s, 200, "{}");
	assert_int_equal(th_request_count(s), 1);
	assert_int_equal(th_pending(s), 1);
	th_reset(s);
	assert_int_equal(th_request_count(s), 0);
	assert_int_equal(th_pending(s), 0);

	client_send(fd, "GET / HTTP/1.1\r\n\r\n");
	r = client_read_response(fd);
	assert_int_equal(r.status, 599);
	resp_free(&r);
	close(fd);
}

/* Idle keep-alive clients, a client that never sent anything and a response
 * stuck in a long scripted delay must not hold th_stop() up. */
static void test_stop_with_open_clients(void **state)
{
	th_server *s = th_start();
	th_response slow = {0};
	int idle, fresh, stuck;
	char *head, *first;
	int64_t t0, elapsed;
	resp r;

	(void)state;
	assert_non_null(s);
	th_push_json(s, 200, "{}");
	slow.status = 200;
	slow.body = "ab";
	slow.write_size = 1;
	slow.delay_ms = 60000;
	th_push(s, &slow);

	idle = client_connect(s);
	client_send(idle, "GET / HTTP/1.1\r\n\r\n");
	r = client_read_response(idle);
	resp_free(&r);

	stuck = client_connect(s);
	client_send(stuck, "GET /slow HTTP/1.1\r\n\r\n");
	head = client_read_head(stuck);
	first = client_read_n(stuck, 1); /* the server now sleeps before "b" */
	assert_string_equal(first, "a");
	free(head);
	free(first);

	fresh = client_connect(s);
	while (th_connection_count(s) < 3)
		usleep(1000);

	t0 = now_ms();
	th_stop(s);
	elapsed = now_ms() - t0;
	assert_true(elapsed < 3000);

	close(idle);
	close(stuck);
	close(fresh);
}

static void test_start_stop_no_traffic(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		th_server *s = th_start();
		assert_non_null(s);
		th_push_json(s, 200, "{}"); /* queued and never used: freed by stop */
		th_stop(s);
	}
	th_stop(NULL);
}

/* --------------------------------------------------------------- libcurl */

typedef struct sink {
	char *data;
	size_t len;
} sink;

static size_t sink_write(char *p, size_t size, size_t n, void *ud)
{
	sink *k = ud;
	char *d = realloc(k->data, k->len + size * n + 1);

	if (!d)
		return 0;
	memcpy(d + k->len, p, size * n);
	k->data = d;
	k->len += size * n;
	k->data[k->len] = '\0';
	return size * n;
}

static CURLcode curl_post(CURL *h, const char *url, const char *body, size_t len, sink *out, long *status)
{
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	CURLcode rc;

	out->data = NULL;
	out->len = 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	return rc;
}

static void test_curl_post(void **state)
{
	th_server *s = *state;
	CURL *h = curl_easy_init();
	char url[128];
	const char *req = "{\"model\":\"gpt-test\",\"messages\":[]}";
	const char *reply = "{\"id\":\"chatcmpl-1\",\"choices\":[]}";
	size_t big_len = 2u * 1024 * 1024;
	char *big = malloc(big_len + 1);
	const th_request *rq;
	long status = 0;
	sink out;

	assert_non_null(h);
	assert_non_null(big);
	snprintf(url, sizeof url, "%s/v1/chat/completions", th_url(s));

	th_push_json(s, 200, reply);
	assert_int_equal(curl_post(h, url, req, strlen(req), &out, &status), CURLE_OK);
	assert_int_equal(status, 200);
	assert_string_equal(out.data, reply);
	free(out.data);

	rq = th_request_at(s, 0);
	assert_string_equal(rq->method, "POST");
	assert_string_equal(rq->target, "/v1/chat/completions");
	assert_string_equal((const char *)rq->body, req);
	assert_string_equal(th_request_header(rq, "content-type"), "application/json");

	/* A large body makes curl send "Expect: 100-continue". */
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len] = '\0';
	th_push_json(s, 200, "{\"big\":true}");
	assert_int_equal(curl_post(h, url, big, big_len, &out, &status), CURLE_OK);
	assert_int_equal(status, 200);
	assert_string_equal(out.data, "{\"big\":true}");
	free(out.data);

	rq = th_request_at(s, 1);
	assert_int_equal(rq->body_len, big_len);
	assert_memory_equal(rq->body, big, big_len);
	assert_non_null(th_request_header(rq, "Expect"));
	assert_int_equal(th_connection_count(s), 1); /* curl reused the connection */

	free(big);
	curl_easy_cleanup(h);
}

static void test_curl_streaming_and_truncation(void **state)
{
	th_server *s = *state;
	CURL *h = curl_easy_init();
	const char *sse = "data: {\"delta\":\"Hel\"}\n\ndata: {\"delta\":\"lo\"}\n\ndata: [DONE]\n\n";
	th_response rs = {0};
	long status = 0;
	sink out;

	assert_non_null(h);
	rs.status = 200;
	rs.headers = "Content-Type: text/event-stream\r\n";
	rs.body = sse;
	rs.chunked = 1;
	rs.write_size = 7;
	rs.delay_ms = 2;
	th_push(s, &rs);
	assert_int_equal(curl_post(h, th_url(s), "{}", 2, &out, &status), CURLE_OK);
	assert_int_equal(status, 200);
	assert_string_equal(out.data, sse);
	free(out.data);

	memset(&rs, 0, sizeof rs);
	rs.status = 200;
	rs.body = "{\"partial\":\"json that never ends\"}";
	rs.truncate_at = 10;
	th_push(s, &rs);
	assert_int_equal(curl_post(h, th_url(s), "{}", 2, &out, &status), CURLE_PARTIAL_FILE);
	free(out.data);

	th_push_json(s, 429, "{\"error\":{\"message\":\"slow down\"}}");
	assert_int_equal(curl_post(h, th_url(s), "{}", 2, &out, &status), CURLE_OK);
	assert_int_equal(status, 429);
	free(out.data);

	/* The truncated response closed its connection, so curl opened a new one. */
	assert_int_equal(th_connection_count(s), 2);
	assert_int_equal(th_request_at(s, 2)->conn_id, 2);
	curl_easy_cleanup(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_url_and_port, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_keepalive, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_separate_connections, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_content_length_body, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_body_is_empty_string, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_chunked_request_body, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expect_100_continue, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_queue_599, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_chunked_response_wire, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_truncate_at, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_truncate_chunked_has_no_terminator, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_close, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_client_connection_close, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_no_length, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_header_lookup, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_malformed_400, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_body_too_large_413, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_headers_too_large_431, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	        cmocka_unit_test(test_stop_with_open_clients),
	        cmocka_unit_test(test_start_stop_no_traffic),
	        cmocka_unit_test_setup_teardown(test_curl_post, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_curl_streaming_and_truncation, setup, teardown),
	};
	int failed;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return failed;
}
