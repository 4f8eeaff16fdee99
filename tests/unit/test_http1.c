/* The HTTP/1.1 response decoder (lib/codec/http1.h): every response is
 * fed whole and one byte at a time, and both must report the same. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http1.h"

typedef struct got {
	int status, statuses;
	char headers[1024];
	char body[4096];
	size_t body_len;
	int stop_at_body; /* non-zero: the body callback says stop */
} got;

static int on_status(void *user, int code)
{
	got *g = user;

	g->status = code;
	g->statuses++;
	return 0;
}

static int on_header(void *user, const char *name, const char *value)
{
	got *g = user;
	size_t n = strlen(g->headers);

	snprintf(g->headers + n, sizeof(g->headers) - n, "%s=%s|", name, value);
	return 0;
}

static int on_body(void *user, const uint8_t *data, size_t len)
{
	got *g = user;

	assert_true(g->statuses == 1); /* never a body byte before the status */
	assert_true(g->body_len + len < sizeof(g->body));
	memcpy(g->body + g->body_len, data, len);
	g->body_len += len;
	return g->stop_at_body;
}

/* Feeds `in` (whole or bytewise), then closes the connection when
 * `then_close`; returns the final code and the decoder's reason. */
static int run(const char *in, size_t n, int bytewise, int then_close, int head, got *g, char *why, size_t wcap)
{
	llmk__http1 d;
	llmk__http1_cb cb = {on_status, on_header, on_body, g};
	int rc = LLMK_HTTP1_MORE;
	size_t i;

	llmk__http1_init(&d, &cb, 64, 256, head);
	if (bytewise) {
		for (i = 0; i < n && rc == LLMK_HTTP1_MORE; i++)
			rc = llmk__http1_feed(&d, (const uint8_t *)in + i, 1);
	} else {
		rc = llmk__http1_feed(&d, (const uint8_t *)in, n);
	}
	if (rc == LLMK_HTTP1_MORE && then_close)
		rc = llmk__http1_finish(&d);
	if (rc < 0)
		assert_int_equal(llmk__http1_feed(&d, (const uint8_t *)"x", 1), rc); /* sticky */
	snprintf(why, wcap, "%s", llmk__http1_why(&d));
	llmk__http1_free(&d);
	return rc;
}

/* Both ways; returns the code, fills *g from the bytewise run and checks
 * the whole run agreed. */
static int decode(const char *in, int then_close, int head, got *g, char *why, size_t wcap)
{
	got whole;
	char why2[128];
	int rc1, rc2;

	memset(&whole, 0, sizeof(whole));
	whole.stop_at_body = g->stop_at_body;
	rc1 = run(in, strlen(in), 0, then_close, head, &whole, why2, sizeof(why2));
	rc2 = run(in, strlen(in), 1, then_close, head, g, why, wcap);
	assert_int_equal(rc1, rc2);
	assert_string_equal(why, why2);
	assert_int_equal(whole.status, g->status);
	assert_string_equal(whole.headers, g->headers);
	if (!g->stop_at_body) {
		assert_int_equal(whole.body_len, g->body_len);
		assert_memory_equal(whole.body, g->body, g->body_len);
	}
	return rc1;
}

static int ok(const char *in, int then_close, got *g)
{
	char why[128];

	memset(g, 0, sizeof(*g));
	return decode(in, then_close, 0, g, why, sizeof(why));
}

static void expect_error(const char *in, int then_close, int code, const char *needle)
{
	got g;
	char why[128];
	int rc;

	memset(&g, 0, sizeof(g));
	rc = decode(in, then_close, 0, &g, why, sizeof(why));
	if (rc != code || !strstr(why, needle))
		fail_msg("%s: got %d \"%s\", want %d \"%s\"", in, rc, why, code, needle);
}

static void test_content_length(void **state)
{
	got g;

	(void)state;
	assert_int_equal(ok("HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nContent-Length: 5\r\n\r\nhelloTRAILING", 0, &g),
	                 LLMK_HTTP1_DONE);
	assert_int_equal(g.status, 200);
	assert_string_equal(g.headers, "Content-Type=a/b|Content-Length=5|");
	assert_int_equal(g.body_len, 5);
	assert_memory_equal(g.body, "hello", 5);
	/* Bare LF ends lines too; OWS around values trimmed; no reason phrase. */
	assert_int_equal(ok("HTTP/1.0 404\nX-A:  \t v w \t\ncontent-length:0\n\n", 0, &g), LLMK_HTTP1_DONE);
	assert_int_equal(g.status, 404);
	assert_string_equal(g.headers, "X-A=v w|content-length=0|");
	assert_int_equal(g.body_len, 0);
	/* Repeated equal lengths are fine. */
	assert_int_equal(ok("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", 0, &g),
	                 LLMK_HTTP1_DONE);
}

static void test_chunked(void **state)
{
	got g;

	(void)state;
	assert_int_equal(ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                    "5;ext=1\r\nhello\r\n1A \r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\nJUNK",
	                    0, &g),
	                 LLMK_HTTP1_DONE);
	assert_int_equal(g.body_len, 31);
	assert_memory_equal(g.body, "helloabcdefghijklmnopqrstuvwxyz", 31);
	assert_string_equal(g.headers, "Transfer-Encoding=chunked|"); /* trailers dropped */
	/* Transfer-Encoding wins over Content-Length; "gzip, chunked" is chunked. */
	assert_int_equal(ok("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
	                    "2\r\nab\r\n0\r\n\r\n",
	                    0, &g),
	                 LLMK_HTTP1_DONE);
	assert_int_equal(g.body_len, 2);
}

static void test_close_delimited(void **state)
{
	got g;

	(void)state;
	assert_int_equal(ok("HTTP/1.1 200 OK\r\n\r\nuntil close", 0, &g), LLMK_HTTP1_MORE);
	assert_int_equal(ok("HTTP/1.1 200 OK\r\n\r\nuntil close", 1, &g), LLMK_HTTP1_DONE);
	assert_int_equal(g.body_len, 11);
	/* A coding list not ending in chunked: until close too. */
	assert_int_equal(ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\nxyz", 1, &g),
	                 LLMK_HTTP1_DONE);
	assert_int_equal(g.body_len, 3);
}

static void test_no_body(void **state)
{
	got g;
	char why[128];

	(void)state;
	assert_int_equal(ok("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", 0, &g), LLMK_HTTP1_DONE);
	assert_int_equal(ok("HTTP/1.1 304 Not Modified\r\n\r\n", 0, &g), LLMK_HTTP1_DONE);
	memset(&g, 0, sizeof(g));
	assert_int_equal(decode("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 0, 1, &g, why, sizeof(why)),
	                 LLMK_HTTP1_DONE); /* the answer to HEAD */
	assert_int_equal(g.body_len, 0);
}

static void test_interim(void **state)
{
	got g;
	char many[1024] = "";
	int i;

	(void)state;
	assert_int_equal(ok("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
	                    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
	                    0, &g),
	                 LLMK_HTTP1_DONE);
	assert_int_equal(g.statuses, 1);                     /* only the final one */
	assert_string_equal(g.headers, "Content-Length=1|"); /* not the interim ones' */
	expect_error("HTTP/1.1 101 Switching Protocols\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "101");
	for (i = 0; i < 9; i++)
		strcat(many, "HTTP/1.1 100 Continue\r\n\r\n");
	strcat(many, "HTTP/1.1 200 OK\r\n\r\n");
	{
		llmk__http1 d;
		llmk__http1_init(&d, NULL, 64, 4096, 0);
		assert_int_equal(llmk__http1_feed(&d, (const uint8_t *)many, strlen(many)), LLMK_HTTP1_E_PROTOCOL);
		assert_non_null(strstr(llmk__http1_why(&d), "interim"));
		llmk__http1_free(&d);
	}
}

static void test_bad_heads(void **state)
{
	(void)state;
	expect_error("SSH-2.0-OpenSSH_9.2\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "status line");
	expect_error("HTTP/2 200\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "status line");
	expect_error("HTTP/1.1 20\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "status line");
	expect_error("HTTP/1.1 2000\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "status line");
	expect_error("HTTP/1.1 099 x\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "status line");
	expect_error("\r\nHTTP/1.1 200 OK\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "status line");
	expect_error("HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "folding");
	expect_error("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "name: value");
	expect_error("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "name: value");
	expect_error("HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "header name");
	expect_error("HTTP/1.1 200 OK\r\nX-A: 1\x01\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "control character");
	expect_error("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "control character");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL,
	             "Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL,
	             "Content-Length");
}

static void test_nul_in_head(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n";
	llmk__http1 d;

	(void)state;
	llmk__http1_init(&d, NULL, 64, 256, 0);
	assert_int_equal(llmk__http1_feed(&d, (const uint8_t *)in, sizeof(in) - 1), LLMK_HTTP1_E_PROTOCOL);
	assert_non_null(strstr(llmk__http1_why(&d), "NUL"));
	llmk__http1_free(&d);
}

static void test_bad_chunks(void **state)
{
	(void)state;
#define CH "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	expect_error(CH "zz\r\n{}\r\n0\r\n\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "chunk size");
	expect_error(CH "\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "chunk size");
	expect_error(CH "1 x\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "chunk size");
	expect_error(CH "-1\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "chunk size");
	expect_error(CH "fffffffffffffffff\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "chunk size too large");
	expect_error(CH "2\r\nabc\r\n", 0, LLMK_HTTP1_E_PROTOCOL, "not followed by CRLF");
#undef CH
}

static void test_limits(void **state)
{
	char in[1024];

	(void)state;
	/* max_line 64: a line of 64 bytes is fine, 65 is not. */
	snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\nX: %058d\r\nContent-Length: 0\r\n\r\n", 0);
	{
		got g;
		assert_int_equal(ok(in, 0, &g), LLMK_HTTP1_DONE); /* 3 + 58 + CR = 62 */
	}
	snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\nX: %062d\r\n\r\n", 0);
	expect_error(in, 0, LLMK_HTTP1_E_TOO_LARGE, "larger than 64 bytes");
	/* max_head 256 (17 + 6 x 45 bytes here), lines under the limit each. */
	snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\n%s%s%s%s%s%s\r\n",
	         "A: 0123456789012345678901234567890123456789\r\n", "F: 0123456789012345678901234567890123456789\r\n",
	         "B: 0123456789012345678901234567890123456789\r\n", "C: 0123456789012345678901234567890123456789\r\n",
	         "D: 0123456789012345678901234567890123456789\r\n", "E: 0123456789012345678901234567890123456789\r\n");
	expect_error(in, 0, LLMK_HTTP1_E_TOO_LARGE, "larger than 256 bytes");
	/* A chunk-size line has the line limit, not the head limit. */
	snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;%070d\r\n", 0);
	expect_error(in, 0, LLMK_HTTP1_E_TOO_LARGE, "chunk-size line");
}

static void test_truncated(void **state)
{
	(void)state;
	expect_error("", 1, LLMK_HTTP1_E_TRUNCATED, "before any byte");
	expect_error("HTTP/1.1 200 O", 1, LLMK_HTTP1_E_TRUNCATED, "middle of the response head");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1, LLMK_HTTP1_E_TRUNCATED,
	             "before the whole body");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 1, LLMK_HTTP1_E_TRUNCATED,
	             "chunked body");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", 1, LLMK_HTTP1_E_TRUNCATED,
	             "chunked body");
}

static void test_stop(void **state)
{
	got g;
	char why[128];

	(void)state;
	memset(&g, 0, sizeof(g));
	g.stop_at_body = 1;
	assert_int_equal(decode("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, 0, &g, why, sizeof(why)),
	                 LLMK_HTTP1_E_STOPPED);
	assert_int_equal(g.body_len, 1); /* bytewise: stopped after the first byte */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_content_length),
	        cmocka_unit_test(test_chunked),
	        cmocka_unit_test(test_close_delimited),
	        cmocka_unit_test(test_no_body),
	        cmocka_unit_test(test_interim),
	        cmocka_unit_test(test_bad_heads),
	        cmocka_unit_test(test_nul_in_head),
	        cmocka_unit_test(test_bad_chunks),
	        cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
