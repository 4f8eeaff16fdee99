/* SSE decoder: WHATWG event-stream rules, any split of the input, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/sse.h"

/* Events are recorded as "name|data\n" lines (data with LF shown as \n). */
typedef struct rec {
	char log[65536];
	int n;
	int stop_at; /* return 7 at this event (1-based), 0 = never */
	int nul_ok;
} rec;

static int on_event(const char *event, size_t elen, const char *data, size_t dlen, void *user)
{
	rec *r = user;
	size_t i, at = strlen(r->log);

	r->nul_ok &= event[elen] == '\0' && data[dlen] == '\0' && strlen(event) == elen;
	at += (size_t)snprintf(r->log + at, sizeof(r->log) - at, "%s|", event);
	for (i = 0; i < dlen && at + 3 < sizeof(r->log); i++) {
		if (data[i] == '\n') {
			r->log[at++] = '\\';
			r->log[at++] = 'n';
		} else {
			r->log[at++] = data[i];
		}
	}
	r->log[at++] = '\n';
	r->log[at] = '\0';
	r->n++;
	return r->stop_at && r->n == r->stop_at ? 7 : 0;
}

/* Feeds `in` split at every given position; returns the finish result. */
static int run_split(const char *in, size_t len, size_t split, rec *r, size_t max_line)
{
	llmk_sse d;
	int rc, fin;

	memset(r, 0, sizeof(*r));
	r->nul_ok = 1;
	llmk_sse_init(&d, max_line, on_event, r);
	rc = llmk_sse_feed(&d, in, split);
	if (rc == 0)
		rc = llmk_sse_feed(&d, in + split, len - split);
	fin = rc ? rc : llmk_sse_finish(&d);
	llmk_sse_free(&d);
	return fin;
}

static int run_bytes(const char *in, size_t len, rec *r, size_t max_line)
{
	llmk_sse d;
	int rc = 0, fin;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->nul_ok = 1;
	llmk_sse_init(&d, max_line, on_event, r);
	for (i = 0; i < len && !rc; i++)
		rc = llmk_sse_feed(&d, in + i, 1);
	fin = rc ? rc : llmk_sse_finish(&d);
	llmk_sse_free(&d);
	return fin;
}

/* The same events and end state whole, at every split point, byte by byte. */
static void expect_events(const char *in, const char *want, int want_fin)
{
	size_t len = strlen(in), k;
	rec r;

	for (k = 0; k <= len; k++) {
		int fin = run_split(in, len, k, &r, 0);
		if (strcmp(r.log, want) || fin != want_fin)
			fail_msg("split at %zu: got\n%s(finish %d)\nwant\n%s(finish %d)", k, r.log, fin, want, want_fin);
		assert_true(r.nul_ok);
	}
	assert_int_equal(run_bytes(in, len, &r, 0), want_fin);
	assert_string_equal(r.log, want);
}

static void test_openai_style(void **state)
{
	(void)state;
	expect_events("data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n",
	              "|{\"a\":1}\n|{\"b\":2}\n|[DONE]\n", 0);
}

static void test_named_events(void **state)
{
	(void)state;
	expect_events("event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
	              "event: ping\ndata: {}\n\n"
	              "event: content_block_delta\ndata: {\"t\":\"x\"}\n\n",
	              "message_start|{\"type\":\"message_start\"}\nping|{}\ncontent_block_delta|{\"t\":\"x\"}\n", 0);
	/* the event name does not leak into the next event */
	expect_events("event: a\ndata: 1\n\ndata: 2\n\n", "a|1\n|2\n", 0);
}

static void test_line_endings(void **state)
{
	(void)state;
	expect_events("data: lf\n\n", "|lf\n", 0);
	expect_events("data: crlf\r\n\r\n", "|crlf\n", 0);
	expect_events("data: cr\r\r", "|cr\n", 0);
	expect_events("data: a\r\ndata: b\rdata: c\n\r\n", "|a\\nb\\nc\n", 0);
	/* CRLF split across feeds is one line end, not two (which would
	 * dispatch an empty line between "data: x" and "data: y") */
	expect_events("data: x\r\ndata: y\r\n\r\n", "|x\\ny\n", 0);
}

static void test_comments_and_fields(void **state)
{
	(void)state;
	expect_events(": keep-alive\n\n: another\ndata: hi\n\n", "|hi\n", 0);
	expect_events(":\n\ndata:no-space\n\n", "|no-space\n", 0);
	expect_events("data:  two spaces\n\n", "| two spaces\n", 0); /* only one space removed */
	expect_events("data\n\n", "|\n", 0);                           /* no colon: empty data line */
	expect_events("data:\ndata:\n\n", "|\\n\n", 0);
	expect_events("unknown: x\ndata: y\nfoo\n\n", "|y\n", 0);
	expect_events("DATA: case\n\ndata: ok\n\n", "|ok\n", 0); /* field names are case-sensitive */
	expect_events("data: multi\ndata: line\ndata: data\n\n", "|multi\\nline\\ndata\n", 0);
	/* blank lines without data dispatch nothing; a colon inside data stays */
	expect_events("\n\n\ndata: a:b:c\n\n\n\n", "|a:b:c\n", 0);
	/* an event with only a name and no data is not dispatched */
	expect_events("event: lonely\n\ndata: x\n\n", "|x\n", 0);
}

static void test_bom(void **state)
{
	(void)state;
	expect_events("\xEF\xBB\xBF" "data: after bom\n\n", "|after bom\n", 0);
	/* only at the very start; a BOM-like prefix that is not a BOM is data */
	expect_events("\xEF\xBB" "data: x\n\n", "", 0);
}

static void test_id_and_retry(void **state)
{
	llmk_sse d;
	rec r;
	const char *in = "id: 42\nretry: 1500\ndata: x\n\nretry: 12a\nid\ndata: y\n\n";

	(void)state;
	memset(&r, 0, sizeof(r));
	r.nul_ok = 1;
	llmk_sse_init(&d, 0, on_event, &r);
	assert_int_equal(llmk_sse_retry_ms(&d), -1);
	assert_string_equal(llmk_sse_last_id(&d), "");
	assert_int_equal(llmk_sse_feed(&d, in, 24), 0);
	assert_int_equal(llmk_sse_feed(&d, in + 24, strlen(in) - 24), 0);
	assert_int_equal(llmk_sse_retry_ms(&d), 1500); /* "12a" ignored */
	assert_string_equal(llmk_sse_last_id(&d), ""); /* "id" with no value resets */
	assert_int_equal(r.n, 2);
	assert_int_equal(llmk_sse_finish(&d), 0);
	llmk_sse_free(&d);
	llmk_sse_free(&d); /* twice is safe */
}

static void test_truncated_stream(void **state)
{
	rec r;

	(void)state;
	/* a complete event, then one cut before its blank line */
	assert_int_equal(run_split("data: a\n\ndata: b", 16, 5, &r, 0), 1);
	assert_string_equal(r.log, "|a\n");
	assert_int_equal(run_split("data: a\n\ndata: b\n", 17, 9, &r, 0), 1);
	assert_int_equal(run_split("data: a\n\n", 9, 3, &r, 0), 0);
	assert_int_equal(run_split("data: a\n\n: comment", 18, 3, &r, 0), 1);
}

static void test_line_too_large(void **state)
{
	char big[300];
	rec r;
	llmk_sse d;

	(void)state;
	memset(big, 'x', sizeof(big));
	memcpy(big, "data: ", 6);
	big[sizeof(big) - 1] = '\n';
	/* whole, split, and byte by byte: the same error */
	assert_int_equal(run_split(big, sizeof(big), sizeof(big), &r, 100), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(run_split(big, sizeof(big), 57, &r, 100), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(run_bytes(big, sizeof(big), &r, 100), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(r.n, 0);
	/* a long comment line counts too */
	big[0] = ':';
	assert_int_equal(run_bytes(big, sizeof(big), &r, 100), LLMK_SSE_E_TOO_LARGE);
	/* the error is sticky */
	llmk_sse_init(&d, 100, on_event, &r);
	assert_int_equal(llmk_sse_feed(&d, big, sizeof(big)), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(llmk_sse_feed(&d, "data: ok\n\n", 10), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(llmk_sse_finish(&d), LLMK_SSE_E_TOO_LARGE);
	llmk_sse_free(&d);
	/* exactly at the limit is fine */
	assert_int_equal(run_bytes("data: 1234\n\n", 12, &r, 10), 0);
	assert_string_equal(r.log, "|1234\n");
}

static void test_event_data_too_large(void **state)
{
	llmk_buf b = LLMK_BUF_INIT;
	rec r;
	int i;

	(void)state;
	/* many short lines, each under the limit, whose joined data is not */
	for (i = 0; i < 40; i++)
		llmk_buf_append_str(&b, "data: 0123456789\n");
	llmk_buf_append_str(&b, "\n");
	assert_int_equal(run_split(b.data, b.len, b.len / 2, &r, 200), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(r.n, 0);
	assert_int_equal(run_bytes(b.data, b.len, &r, 200), LLMK_SSE_E_TOO_LARGE);
	llmk_buf_free(&b);
}

static void test_callback_stops(void **state)
{
	llmk_sse d;
	rec r;
	const char *in = "data: 1\n\ndata: 2\n\ndata: 3\n\n";

	(void)state;
	memset(&r, 0, sizeof(r));
	r.nul_ok = 1;
	r.stop_at = 2;
	llmk_sse_init(&d, 0, on_event, &r);
	assert_int_equal(llmk_sse_feed(&d, in, strlen(in)), 7);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.log, "|1\n|2\n");
	llmk_sse_free(&d);
}

static void test_nul_in_data(void **state)
{
	static const char in[] = "data: a\0b\n\n";
	llmk_sse d;
	rec r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.nul_ok = 1;
	llmk_sse_init(&d, 0, on_event, &r);
	assert_int_equal(llmk_sse_feed(&d, in, sizeof(in) - 1), 0);
	assert_int_equal(r.n, 1);
	llmk_sse_free(&d);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Linear time: a 1 MiB single line fed one byte at a time must not cost
 * more than a few times the same line fed at once (a decoder that rescans
 * its buffer per byte would take ~10^12 steps here). */
static void test_linear_time(void **state)
{
	size_t n = 1 << 20, i;
	char *big = malloc(n + 8);
	llmk_sse d;
	rec r;
	double t0, whole, bytes;

	(void)state;
	memcpy(big, "data: ", 6);
	memset(big + 6, 'y', n);
	memcpy(big + 6 + n, "\n\n", 2);
	memset(&r, 0, sizeof(r));
	r.nul_ok = 1;
	t0 = now_s();
	llmk_sse_init(&d, 2u << 20, on_event, &r);
	assert_int_equal(llmk_sse_feed(&d, big, n + 8), 0);
	llmk_sse_free(&d);
	whole = now_s() - t0;
	memset(&r, 0, sizeof(r));
	r.nul_ok = 1;
	t0 = now_s();
	llmk_sse_init(&d, 2u << 20, on_event, &r);
	for (i = 0; i < n + 8; i++)
		assert_int_equal(llmk_sse_feed(&d, big + i, 1), 0);
	llmk_sse_free(&d);
	bytes = now_s() - t0;
	assert_int_equal(r.n, 1);
	assert_true(bytes < 2.0);
	(void)whole;
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openai_style),
		cmocka_unit_test(test_named_events),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_comments_and_fields),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_id_and_retry),
		cmocka_unit_test(test_truncated_stream),
		cmocka_unit_test(test_line_too_large),
		cmocka_unit_test(test_event_data_too_large),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_nul_in_data),
		cmocka_unit_test(test_linear_time),
	};
	return cmocka_run_group_tests_name("sse", tests, NULL, NULL);
}
