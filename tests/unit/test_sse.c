/* Unit tests for the incremental SSE decoder (lib/codec/sse.c). */
/* clock_gettime() under -std=c99. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "sse.h"
#include "alloc.h"

/* ---- recording harness ------------------------------------------------ */

typedef struct rec_ev {
	char *name;
	size_t name_len;
	char *data;
	size_t data_len;
	char last_id[32]; /* llmk__sse_last_id() as seen inside the callback */
} rec_ev;

typedef struct rec {
	const llmk__sse *d;
	rec_ev *evs;
	size_t n, cap;
	size_t stop_at; /* 1-based event index whose callback returns stop_rc; 0 = never */
	int stop_rc;
	int bad_nul; /* callbacks that saw a string without its NUL */
} rec;

static char *dup_bytes(const char *p, size_t n)
{
	char *s = llmk__malloc(n + 1);

	assert_non_null(s);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int on_event(const char *event, size_t event_len, const char *data, size_t data_len, void *user)
{
	rec *r = user;
	rec_ev *e;

	if (event[event_len] != '\0' || data[data_len] != '\0')
		r->bad_nul++;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		rec_ev *p = llmk__realloc(r->evs, cap * sizeof *p);

		assert_non_null(p);
		r->evs = p;
		r->cap = cap;
	}
	e = &r->evs[r->n++];
	e->name = dup_bytes(event, event_len);
	e->name_len = event_len;
	e->data = dup_bytes(data, data_len);
	e->data_len = data_len;
	strncpy(e->last_id, llmk__sse_last_id(r->d), sizeof e->last_id - 1);
	e->last_id[sizeof e->last_id - 1] = '\0';
	if (r->stop_at && r->n == r->stop_at)
		return r->stop_rc;
	return 0;
}

static void rec_free(rec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		llmk__free(r->evs[i].name);
		llmk__free(r->evs[i].data);
	}
	llmk__free(r->evs);
	r->evs = NULL;
	r->n = r->cap = 0;
}

/* An expected event. */
typedef struct exp_ev {
	const char *name;
	const char *data;
	size_t data_len;
} exp_ev;

#define ANY_RC 12345 /* expected finish result that is not checked */
#define S(lit) lit, sizeof(lit) - 1
#define NEXP(a) (sizeof(a) / sizeof((a)[0]))
#define ALL (size_t) - 1 /* exp_ev.data_len: use strlen(data) */

enum { M_WHOLE, M_SPLIT, M_BYTES };

typedef struct run_result {
	rec r;
	int feed_rc;  /* first nonzero feed result, else 0 */
	int again_rc; /* a further feed after a failure (checks stickiness) */
	int fin_rc;
} run_result;

static void run(const char *in, size_t n, size_t max_line, int mode, size_t k, size_t stop_at, run_result *out)
{
	llmk__sse d;
	size_t i;

	memset(out, 0, sizeof *out);
	out->r.d = &d;
	out->r.stop_at = stop_at;
	out->r.stop_rc = 7;
	llmk__sse_init(&d, max_line, on_event, &out->r);
	switch (mode) {
	case M_WHOLE: out->feed_rc = llmk__sse_feed(&d, in, n); break;
	case M_SPLIT:
		out->feed_rc = llmk__sse_feed(&d, in, k);
		if (!out->feed_rc)
			out->feed_rc = llmk__sse_feed(&d, in + k, n - k);
		break;
	default:
		for (i = 0; i < n && !out->feed_rc; i++)
			out->feed_rc = llmk__sse_feed(&d, in + i, 1);
		break;
	}
	/* A failed decoder must refuse further input. */
	if (out->feed_rc < 0)
		out->again_rc = llmk__sse_feed(&d, S("data: z\n\n"));
	out->fin_rc = llmk__sse_finish(&d);
	llmk__sse_free(&d);
	llmk__sse_free(&d); /* must be harmless */
}

static void check_events(const rec *r, const exp_ev *exp, size_t nexp)
{
	size_t i;

	assert_int_equal(r->bad_nul, 0);
	assert_int_equal(r->n, nexp);
	for (i = 0; i < nexp; i++) {
		size_t dl = exp[i].data_len == ALL ? strlen(exp[i].data) : exp[i].data_len;

		assert_int_equal(r->evs[i].name_len, strlen(exp[i].name));
		assert_string_equal(r->evs[i].name, exp[i].name);
		assert_int_equal(r->evs[i].data_len, dl);
		assert_memory_equal(r->evs[i].data, exp[i].data, dl);
	}
}

/* Feeds in whole, split at every point, and one byte at a time; each must
 * give exactly the expected events, feed result and (unless ANY_RC) finish
 * result. stop_at makes that event's callback return 7. */
static void check_stream_ex(const char *in, size_t n, size_t max_line, const exp_ev *exp, size_t nexp, int exp_feed_rc,
                            int exp_fin_rc, size_t stop_at)
{
	run_result res;
	size_t k;
	int mode;

	for (mode = M_WHOLE; mode <= M_BYTES; mode++) {
		size_t kmax = mode == M_SPLIT ? n : 0;

		for (k = 0; k <= kmax; k++) {
			run(in, n, max_line, mode, k, stop_at, &res);
			assert_int_equal(res.feed_rc, exp_feed_rc);
			if (exp_feed_rc < 0) {
				/* Failed decoders stay failed. */
				assert_int_equal(res.again_rc, exp_feed_rc);
				assert_int_equal(res.fin_rc, exp_feed_rc);
			} else if (exp_fin_rc != ANY_RC) {
				assert_int_equal(res.fin_rc, exp_fin_rc);
			}
			check_events(&res.r, exp, nexp);
			rec_free(&res.r);
		}
	}
}

/* Fed in two parts split at every point, finish must give exp_fin_rc. */
static void check_finish(const char *in, size_t n, size_t max_line, int exp_fin_rc)
{
	size_t k;

	for (k = 0; k <= n; k++) {
		llmk__sse d;
		rec r;

		memset(&r, 0, sizeof r);
		r.d = &d;
		llmk__sse_init(&d, max_line, on_event, &r);
		assert_int_equal(llmk__sse_feed(&d, in, k), 0);
		assert_int_equal(llmk__sse_feed(&d, in + k, n - k), 0);
		assert_int_equal(llmk__sse_finish(&d), exp_fin_rc);
		llmk__sse_free(&d);
		rec_free(&r);
	}
}

static void check_stream(const char *in, size_t n, const exp_ev *exp, size_t nexp)
{
	check_stream_ex(in, n, 0, exp, nexp, 0, ANY_RC, 0);
}

/* ---- tests ------------------------------------------------------------ */

static void test_openai_style(void **state)
{
	static const char in[] = "data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
	                         "data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"!\"}}]}\n\n"
	                         "data: [DONE]\n\n";
	static const exp_ev exp[] = {
	        {"", "{\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}", ALL},
	        {"", "{\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"!\"}}]}", ALL},
	        {"", "[DONE]", ALL},
	};

	(void)state;
	check_stream(S(in), exp, NEXP(exp));
	check_finish(S(in), 0, 0);
}

static void test_anthropic_style(void **state)
{
	static const char in[] = "event: message_start\n"
	                         "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}\n\n"
	                         "event: ping\ndata: {\"type\": \"ping\"}\n\n"
	                         "event: content_block_delta\n"
	                         "data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Hello\"}}\n\n"
	                         "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
	static const exp_ev exp[] = {
	        {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}", ALL},
	        {"ping", "{\"type\": \"ping\"}", ALL},
	        {"content_block_delta", "{\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Hello\"}}", ALL},
	        {"message_stop", "{\"type\":\"message_stop\"}", ALL},
	};

	(void)state;
	check_stream(S(in), exp, NEXP(exp));
	check_finish(S(in), 0, 0);
}

static void test_line_endings(void **state)
{
	static const exp_ev exp[] = {
	        {"e1", "a\nb", ALL},
	        {"", "c", ALL},
	};

	(void)state;
	check_stream(S("event: e1\ndata: a\ndata: b\n\ndata: c\n\n"), exp, NEXP(exp));
	check_stream(S("event: e1\r\ndata: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n"), exp, NEXP(exp));
	check_stream(S("event: e1\rdata: a\rdata: b\r\rdata: c\r\r"), exp, NEXP(exp));
	check_stream(S("event: e1\r\ndata: a\rdata: b\n\r\ndata: c\r\n\n"), exp, NEXP(exp));
	check_stream(S("event: e1\ndata: a\r\ndata: b\r\rdata: c\n\r"), exp, NEXP(exp));
	check_finish(S("event: e1\rdata: a\rdata: b\r\rdata: c\r\r"), 0, 0);
}

/* CR ending one feed and LF starting the next are one line end: had the LF
 * counted as a second (blank) line, "a" would dispatch alone. */
static void test_cr_lf_across_feeds(void **state)
{
	llmk__sse d;
	rec r;

	(void)state;
	memset(&r, 0, sizeof r);
	r.d = &d;
	llmk__sse_init(&d, 0, on_event, &r);
	assert_int_equal(llmk__sse_feed(&d, S("data: a\r")), 0);
	assert_int_equal(llmk__sse_feed(&d, S("\ndata: b\r")), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(llmk__sse_feed(&d, S("\n")), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(llmk__sse_feed(&d, S("\r")), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.evs[0].data, "a\nb");
	/* The LF after that CR is still swallowed, even in its own feed. */
	assert_int_equal(llmk__sse_feed(&d, S("\n")), 0);
	assert_int_equal(llmk__sse_feed(&d, S("data: c\r")), 0);
	assert_int_equal(llmk__sse_feed(&d, S("\r")), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.evs[1].data, "c");
	/* Empty feeds in between do not forget the pending CR. */
	assert_int_equal(llmk__sse_feed(&d, S("data: d\r")), 0);
	assert_int_equal(llmk__sse_feed(&d, "", 0), 0);
	assert_int_equal(llmk__sse_feed(&d, S("\n")), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(llmk__sse_feed(&d, S("\n")), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.evs[2].data, "d");
	assert_int_equal(llmk__sse_finish(&d), 0);
	llmk__sse_free(&d);
	rec_free(&r);
}

static void test_comments(void **state)
{
	static const char in[] = ": this is a comment\ndata: x\n:another: one\n:\n\n: ping\n\n:data: y\n\n";
	static const exp_ev exp[] = {{"", "x", ALL}};

	(void)state;
	check_stream(S(in), exp, NEXP(exp));
	check_finish(S(in), 0, 0);
	check_stream(S(": keep-alive\n\n"), NULL, 0);
}

static void test_multiline_data(void **state)
{
	static const exp_ev exp[] = {{"", "first\nsecond\n\nfourth", ALL}};

	(void)state;
	check_stream(S("data: first\ndata: second\ndata:\ndata: fourth\n\n"), exp, NEXP(exp));
}

static void test_space_after_colon(void **state)
{
	static const char in[] = "data:x\n\n"
	                         "data: x\n\n"
	                         "data:  x\n\n"
	                         "data: \n\n"
	                         "data:\n\n"
	                         "data\n\n"
	                         "data:x \n\n";
	static const exp_ev exp[] = {
	        {"", "x", ALL}, {"", "x", ALL}, {"", " x", ALL}, {"", "", ALL},
	        {"", "", ALL},  {"", "", ALL},  {"", "x ", ALL},
	};

	(void)state;
	check_stream(S(in), exp, NEXP(exp));
}

static void test_event_names(void **state)
{
	static const char in[] = "event: a\ndata: 1\n\n"
	                         "data: 2\n\n"                              /* type reset after dispatch */
	                         "event: first\nevent: second\ndata: 3\n\n" /* last wins */
	                         "event: skipped\n\n"                       /* reset without dispatch */
	                         "data: 4\n\n"
	                         "event:\ndata: 5\n\n"
	                         "event\ndata: 6\n\n"
	                         "data: 7\nevent:late\n\n";
	static const exp_ev exp[] = {
	        {"a", "1", ALL}, {"", "2", ALL}, {"second", "3", ALL}, {"", "4", ALL},
	        {"", "5", ALL},  {"", "6", ALL}, {"late", "7", ALL},
	};

	(void)state;
	check_stream(S(in), exp, NEXP(exp));
}

static void test_unknown_fields(void **state)
{
	static const char in[] = "foo: bar\ndat: x\ndatax: y\nData: z\n data: w\nretryy: 5\ndata: ok\n"
	                         "averyveryverylongfieldname: v\n\n";
	static const exp_ev exp[] = {{"", "ok", ALL}};

	(void)state;
	check_stream(S(in), exp, NEXP(exp));
}

static void test_bom(void **state)
{
	static const exp_ev one[] = {{"", "x", ALL}};
	static const exp_ev bom_in_data[] = {{"", "\xEF\xBB\xBFx", ALL}};

	(void)state;
	check_stream(S("\xEF\xBB\xBF"
	               "data: x\n\n"),
	             one, NEXP(one));
	/* Only the first one is a BOM; the second makes an unknown field. */
	check_stream(S("\xEF\xBB\xBF\xEF\xBB\xBF"
	               "data: x\n\n"),
	             NULL, 0);
	/* A partial BOM is ordinary bytes: these name unknown fields. */
	check_stream(S("\xEF\xBB"
	               "data: x\n\n"),
	             NULL, 0);
	check_stream(S("\xEF"
	               "data: x\n\n"),
	             NULL, 0);
	/* A held partial BOM is replayed as line content: here an unknown
	 * field line, not a blank line, so nothing dispatches early. */
	check_stream(S("\xEF\xBB\ndata: x\n\n"), one, NEXP(one));
	check_stream(S("data: \xEF\xBB\xBFx\n\n"), bom_in_data, NEXP(bom_in_data));
	check_finish(S("\xEF\xBB\xBF"
	               "data: x\n\n"),
	             0, 0);
	check_finish(S("\xEF\xBB"), 0, 1);
	check_finish(S("\xEF\xBB\xBF"), 0, 0);
}

static void test_id_and_retry(void **state)
{
	llmk__sse d;
	rec r;

	(void)state;
	memset(&r, 0, sizeof r);
	r.d = &d;
	llmk__sse_init(&d, 0, on_event, &r);
	assert_string_equal(llmk__sse_last_id(&d), "");
	assert_int_equal(llmk__sse_retry_ms(&d), -1);

	assert_int_equal(llmk__sse_feed(&d, S("id: 42\nretry: 1500\ndata: x\n")), 0);
	/* retry applies at once; the id only at the blank line. */
	assert_int_equal(llmk__sse_retry_ms(&d), 1500);
	assert_string_equal(llmk__sse_last_id(&d), "");
	assert_int_equal(llmk__sse_feed(&d, S("\n")), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.evs[0].last_id, "42");
	assert_string_equal(llmk__sse_last_id(&d), "42");

	/* The id buffer persists: the next event without an id keeps it. */
	assert_int_equal(llmk__sse_feed(&d, S("data: y\n\n")), 0);
	assert_string_equal(r.evs[1].last_id, "42");

	/* Invalid retry values are ignored. */
	assert_int_equal(llmk__sse_feed(&d, S("retry: 12a\nretry:\nretry: -5\nretry:  7\nretry\n")), 0);
	assert_int_equal(llmk__sse_retry_ms(&d), 1500);
	assert_int_equal(llmk__sse_feed(&d, S("retry:0\n")), 0);
	assert_int_equal(llmk__sse_retry_ms(&d), 0);
	assert_int_equal(llmk__sse_feed(&d, S("retry: 99999999999999999999999\n")), 0);
	assert_true(llmk__sse_retry_ms(&d) == 9223372036854775807LL);

	/* An id containing NUL is ignored. */
	assert_int_equal(llmk__sse_feed(&d, "id: a\0b\n\n", 9), 0);
	assert_string_equal(llmk__sse_last_id(&d), "42");

	/* A blank line commits the id even when nothing is dispatched. */
	assert_int_equal(llmk__sse_feed(&d, S("id:evt-7\n\n")), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(llmk__sse_last_id(&d), "evt-7");

	/* An empty id resets it. */
	assert_int_equal(llmk__sse_feed(&d, S("id\n\n")), 0);
	assert_string_equal(llmk__sse_last_id(&d), "");
	assert_int_equal(llmk__sse_feed(&d, S("id: 9\n\nid:\n\n")), 0);
	assert_string_equal(llmk__sse_last_id(&d), "");

	/* An id without its blank line is not committed, and finish reports it. */
	assert_int_equal(llmk__sse_feed(&d, S("id: 10\n\nid: 11\n")), 0);
	assert_int_equal(llmk__sse_finish(&d), 1);
	assert_string_equal(llmk__sse_last_id(&d), "10");
	assert_int_equal(llmk__sse_retry_ms(&d), 9223372036854775807LL);

	/* After finish, a new stream without ids keeps the committed id. */
	assert_int_equal(llmk__sse_feed(&d, S("data: z\n\n")), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.evs[2].last_id, "10");
	assert_int_equal(llmk__sse_finish(&d), 0);
	llmk__sse_free(&d);
	rec_free(&r);
}

static void test_blank_lines_dispatch_nothing(void **state)
{
	static const char in[] = "\n\n\r\n\r\r\n\nevent: foo\n\n\nid: 1\n\nretry: 5\n\nfoo: bar\n\n";

	(void)state;
	check_stream(S(in), NULL, 0);
	check_finish(S(in), 0, 0);
}

static void test_embedded_nul_and_nul_termination(void **state)
{
	static const char in[] = "event: nm\ndata: a\0b\ndata: \0\n\n";
	static const exp_ev exp[] = {{"nm", "a\0b\n\0", 5}};
	llmk__sse d;
	rec r;

	(void)state;
	check_stream(in, sizeof in - 1, exp, NEXP(exp));

	/* Buffers get reused across events; a shorter event after a longer one
	 * must still be terminated at its own length. */
	memset(&r, 0, sizeof r);
	r.d = &d;
	llmk__sse_init(&d, 0, on_event, &r);
	assert_int_equal(llmk__sse_feed(&d, S("event: longname\ndata: 0123456789\n\nevent: s\ndata: ab\n\n")), 0);
	assert_int_equal(r.bad_nul, 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.evs[1].name, "s");
	assert_string_equal(r.evs[1].data, "ab");
	llmk__sse_free(&d);
	rec_free(&r);
}

static void test_line_too_large(void **state)
{
	static const exp_ev one[] = {{"", "ok", ALL}};
	/* "data: 0123456789" is 16 bytes: fits max_line 16 exactly. */
	static const exp_ev fits[] = {{"", "0123456789", ALL}};

	(void)state;
	check_stream_ex(S("data: 0123456789\n\n"), 16, fits, NEXP(fits), 0, 0, 0);
	/* One byte more fails, whether whole, split or byte by byte; events
	 * before the long line are still delivered. */
	check_stream_ex(S("data: ok\n\ndata: 0123456789a\n\n"), 16, one, NEXP(one), LLMK_SSE_E_TOO_LARGE, 0, 0);
	/* Without a terminator too: the bound applies as bytes arrive. */
	check_stream_ex(S("data: ok\n\ndata: 0123456789a"), 16, one, NEXP(one), LLMK_SSE_E_TOO_LARGE, 0, 0);
	/* Comment and unknown-field lines are lines too. */
	check_stream_ex(S(": 0123456789abcdef\n"), 16, NULL, 0, LLMK_SSE_E_TOO_LARGE, 0, 0);
	check_stream_ex(S("0123456789abcdefg\n"), 16, NULL, 0, LLMK_SSE_E_TOO_LARGE, 0, 0);
}

static void test_too_large_sticky(void **state)
{
	llmk__sse d;
	rec r;
	size_t i;
	int rc = 0;
	static const char in[] = "data: this line is too long\n\n";

	(void)state;
	memset(&r, 0, sizeof r);
	r.d = &d;
	llmk__sse_init(&d, 8, on_event, &r);
	for (i = 0; i < sizeof in - 1 && !rc; i++)
		rc = llmk__sse_feed(&d, in + i, 1);
	assert_int_equal(rc, LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(i, 9); /* the 9th line byte is the first over the bound */
	assert_int_equal(llmk__sse_feed(&d, S("\n")), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(llmk__sse_feed(&d, S("data: a\n\n")), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(llmk__sse_feed(&d, "", 0), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(llmk__sse_finish(&d), LLMK_SSE_E_TOO_LARGE);
	assert_int_equal(r.n, 0);
	llmk__sse_free(&d);
	rec_free(&r);
}

static void test_data_too_large(void **state)
{
	/* Each line adds 10 bytes plus LF to the data buffer. */
	static const char in[] = "data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\n";
	static const exp_ev exp[] = {{"", "0123456789\n0123456789\n0123456789", ALL}};
	static const exp_ev pre[] = {{"", "x", ALL}};

	(void)state;
	/* 33 bytes (three values, three LFs) fit exactly at 33... */
	check_stream_ex(S(in), 33, exp, NEXP(exp), 0, 0, 0);
	/* ...and fail at 32, though every line is well under the bound. */
	check_stream_ex(S(in), 32, NULL, 0, LLMK_SSE_E_TOO_LARGE, 0, 0);
	/* The bound is per event: many small events are fine. */
	check_stream_ex(S("data: x\n\ndata: 0123456789\ndata: 0123456789\ndata: 012345678901\n\n"), 32, pre, NEXP(pre),
	                LLMK_SSE_E_TOO_LARGE, 0, 0);
	{
		static const char many[] = "data: 0123456789\n\ndata: 0123456789\n\ndata: 0123456789\n\n"
		                           "data: 0123456789\n\n";
		static const exp_ev four[] = {
		        {"", "0123456789", ALL},
		        {"", "0123456789", ALL},
		        {"", "0123456789", ALL},
		        {"", "0123456789", ALL},
		};
		check_stream_ex(S(many), 16, four, NEXP(four), 0, 0, 0);
	}
}

static void test_callback_stop(void **state)
{
	static const char in[] = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
	static const exp_ev two[] = {{"", "1", ALL}, {"", "2", ALL}};
	llmk__sse d;
	rec r;

	(void)state;
	/* Every split stops at the second event and returns the callback's 7. */
	check_stream_ex(S(in), 0, two, NEXP(two), 7, ANY_RC, 2);

	/* The decoder is left at an event boundary and can continue. */
	memset(&r, 0, sizeof r);
	r.d = &d;
	r.stop_at = 1;
	r.stop_rc = 3;
	llmk__sse_init(&d, 0, on_event, &r);
	assert_int_equal(llmk__sse_feed(&d, S(in)), 3);
	assert_int_equal(r.n, 1);
	assert_int_equal(llmk__sse_feed(&d, S("data: 4\n\n")), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.evs[1].data, "4");
	assert_int_equal(llmk__sse_finish(&d), 0);
	llmk__sse_free(&d);
	rec_free(&r);
}

static void test_finish(void **state)
{
	(void)state;
	check_finish(S(""), 0, 0);
	check_finish(S("data: x\n\n"), 0, 0);
	check_finish(S("data: x\n\r\n"), 0, 0);
	check_finish(S("data: x\r\r"), 0, 0);
	check_finish(S(": comment\n"), 0, 0);
	check_finish(S("retry: 5\n"), 0, 0);
	check_finish(S("unknown: 5\n"), 0, 0);
	check_finish(S("data: x\n"), 0, 1);
	check_finish(S("data: x"), 0, 1);
	check_finish(S("data: x\n\ndata: y"), 0, 1);
	check_finish(S("data:\n"), 0, 1);
	check_finish(S("event: a\n"), 0, 1);
	check_finish(S("id: a\n"), 0, 1);
	check_finish(S(": unterminated comment"), 0, 1);
	check_finish(S("data: x\n\nd"), 0, 1);
}

static void test_finish_resets_for_new_stream(void **state)
{
	llmk__sse d;
	rec r;

	(void)state;
	memset(&r, 0, sizeof r);
	r.d = &d;
	llmk__sse_init(&d, 0, on_event, &r);
	assert_int_equal(llmk__sse_feed(&d, S("event: e\ndata: partial")), 0);
	assert_int_equal(llmk__sse_finish(&d), 1);
	/* Nothing of the discarded event leaks into the next stream, and the
	 * new stream may start with a BOM again. */
	assert_int_equal(llmk__sse_feed(&d, S("\xEF\xBB\xBF"
	                                      "data: fresh\n\n")),
	                 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.evs[0].name, "");
	assert_string_equal(r.evs[0].data, "fresh");
	/* A trailing CR of the old stream must not swallow the new one's LF. */
	assert_int_equal(llmk__sse_feed(&d, S("data: a\r")), 0);
	assert_int_equal(llmk__sse_finish(&d), 1);
	assert_int_equal(llmk__sse_feed(&d, S("\n")), 0);
	assert_int_equal(llmk__sse_feed(&d, S("data: b\n")), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(llmk__sse_feed(&d, S("\n")), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.evs[1].data, "b");
	assert_int_equal(llmk__sse_finish(&d), 0);
	llmk__sse_free(&d);
	rec_free(&r);
}

/* A mixed stream exercising everything at once across all splits. */
static void test_split_equivalence(void **state)
{
	static const char in[] = "\xEF\xBB\xBF: hello\r\n"
	                         "retry: 3000\r"
	                         "event: message_start\r\ndata: {\"a\":1}\r\n\r\n"
	                         "id: 5\ndata:x\ndata:  y\rdata\n\n"
	                         "event: e\rdata: z\r\r"
	                         "\n\n\r\n"
	                         "data: [DONE]\n\n";
	static const exp_ev exp[] = {
	        {"message_start", "{\"a\":1}", ALL},
	        {"", "x\n y\n", ALL},
	        {"e", "z", ALL},
	        {"", "[DONE]", ALL},
	};

	(void)state;
	check_stream(S(in), exp, NEXP(exp));
	check_finish(S(in), 0, 0);
	check_stream_ex(S(in), 20, exp, NEXP(exp), 0, 0, 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One 1 MiB data line, one byte per feed: quadratic rescanning would take
 * ~10^12 steps here, linear work a few milliseconds. */
static void test_linear_long_line(void **state)
{
	const size_t vlen = 1024 * 1024;
	size_t n = 6 + vlen + 2, i;
	char *in = llmk__malloc(n);
	llmk__sse d;
	rec r;
	double t0, dt;

	(void)state;
	assert_non_null(in);
	memcpy(in, "data: ", 6);
	for (i = 0; i < vlen; i++)
		in[6 + i] = (char)('a' + i % 26);
	in[n - 2] = '\n';
	in[n - 1] = '\n';

	memset(&r, 0, sizeof r);
	r.d = &d;
	llmk__sse_init(&d, 2 * 1024 * 1024, on_event, &r);
	t0 = now_s();
	for (i = 0; i < n; i++)
		assert_int_equal(llmk__sse_feed(&d, in + i, 1), 0);
	dt = now_s() - t0;
	assert_int_equal(r.n, 1);
	assert_int_equal(r.evs[0].data_len, vlen);
	assert_memory_equal(r.evs[0].data, in + 6, vlen);
	assert_true(dt < 2.0);
	assert_int_equal(llmk__sse_finish(&d), 0);
	llmk__sse_free(&d);
	rec_free(&r);
	llmk__free(in);
}

typedef struct count_ctx {
	size_t events, bytes, named;
	unsigned long sum;
} count_ctx;

static int on_count(const char *event, size_t event_len, const char *data, size_t data_len, void *user)
{
	count_ctx *c = user;
	size_t i;

	c->events++;
	c->bytes += data_len;
	if (event_len == 5 && !memcmp(event, "delta", 5))
		c->named++;
	for (i = 0; i < data_len; i++)
		c->sum += (unsigned char)data[i];
	return 0;
}

/* A 4 MiB stream of many events fed one byte at a time must give the same
 * counts as feeding it whole, in time proportional to its size. */
static void test_linear_many_events(void **state)
{
	static const char ev[] = "event: delta\ndata: {\"choices\":[{\"delta\":{\"content\":\"tok\"}}]}\n\n";
	const size_t evlen = sizeof ev - 1, datalen = 41; /* the JSON after "data: " */
	size_t count = (4u * 1024 * 1024) / evlen, n = count * evlen, i;
	char *in = llmk__malloc(n);
	count_ctx whole, bytes;
	llmk__sse d;
	double t0, dt;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < count; i++)
		memcpy(in + i * evlen, ev, evlen);

	memset(&whole, 0, sizeof whole);
	llmk__sse_init(&d, 1024, on_count, &whole);
	assert_int_equal(llmk__sse_feed(&d, in, n), 0);
	assert_int_equal(llmk__sse_finish(&d), 0);
	llmk__sse_free(&d);
	assert_int_equal(whole.events, count);
	assert_int_equal(whole.named, count);
	assert_int_equal(whole.bytes, count * datalen);

	memset(&bytes, 0, sizeof bytes);
	llmk__sse_init(&d, 1024, on_count, &bytes);
	t0 = now_s();
	for (i = 0; i < n; i++)
		assert_int_equal(llmk__sse_feed(&d, in + i, 1), 0);
	dt = now_s() - t0;
	assert_int_equal(llmk__sse_finish(&d), 0);
	llmk__sse_free(&d);
	assert_int_equal(bytes.events, whole.events);
	assert_int_equal(bytes.named, whole.named);
	assert_int_equal(bytes.bytes, whole.bytes);
	assert_true(bytes.sum == whole.sum);
	/* Generous: valgrind and sanitizers included. */
	assert_true(dt < 30.0);
	llmk__free(in);
}

static void test_null_callback(void **state)
{
	llmk__sse d;

	(void)state;
	llmk__sse_init(&d, 0, NULL, NULL);
	assert_int_equal(llmk__sse_feed(&d, S("id: 1\ndata: x\n\n")), 0);
	assert_string_equal(llmk__sse_last_id(&d), "1");
	assert_int_equal(llmk__sse_finish(&d), 0);
	llmk__sse_free(&d);
	llmk__sse_free(&d);
}

/* Units: an event is one, whatever its field lines; comments, blank lines
 * that dispatch nothing and field lines of events never dispatched count
 * too, so a stream of keep-alives ends by the same bound. */
static void test_units_bound_everything(void **state)
{
	static const struct {
		const char *stream;
		size_t max, events;
		int rc;
	} cases[] = {
	        {"data: a\n\ndata: b\n\ndata: c\n\n", 3, 3, 0},
	        {"data: a\n\ndata: b\n\ndata: c\n\ndata: d\n\n", 3, 3, LLMK_SSE_E_TOO_MANY},
	        /* named events with ids: still one unit each */
	        {"event: x\nid: 1\ndata: a\n\nevent: x\nid: 2\ndata: b\n\nevent: y\ndata: c\n\n", 3, 3, 0},
	        {":\n:\n:\n", 3, 0, 0},
	        {":\n:\n:\n:\n", 3, 0, LLMK_SSE_E_TOO_MANY},
	        {"\n\n\n\n", 3, 0, LLMK_SSE_E_TOO_MANY},
	        {"event: x\n\nevent: x\n\n", 3, 0, LLMK_SSE_E_TOO_MANY},
	        {"id: 1\nid: 1\nid: 1\nid: 1\nid: 1\nid: 1\nid: 1\nid: 1\nid: 1\nid: 1\nid: 1\nid: 1\n", 3, 0,
	         LLMK_SSE_E_TOO_MANY},
	        {": ping\ndata: a\n\n", 2, 1, 0},
	        {": ping\ndata: a\n\n: ping\n", 2, 1, LLMK_SSE_E_TOO_MANY},
	        {":\n:\n:\n:\n", 0, 0, 0}, /* no bound */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk__sse d;
		rec r;
		int rc;

		memset(&r, 0, sizeof(r));
		llmk__sse_init(&d, 1024, on_event, &r);
		r.d = &d;
		llmk__sse_set_max_units(&d, cases[i].max);
		rc = llmk__sse_feed(&d, cases[i].stream, strlen(cases[i].stream));
		if (rc != cases[i].rc || r.n != cases[i].events)
			fail_msg("case %zu: rc %d, %zu events; wanted %d, %zu", i, rc, r.n, cases[i].rc,
			         cases[i].events);
		rec_free(&r);
		llmk__sse_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_units_bound_everything),
	        cmocka_unit_test(test_openai_style),
	        cmocka_unit_test(test_anthropic_style),
	        cmocka_unit_test(test_line_endings),
	        cmocka_unit_test(test_cr_lf_across_feeds),
	        cmocka_unit_test(test_comments),
	        cmocka_unit_test(test_multiline_data),
	        cmocka_unit_test(test_space_after_colon),
	        cmocka_unit_test(test_event_names),
	        cmocka_unit_test(test_unknown_fields),
	        cmocka_unit_test(test_bom),
	        cmocka_unit_test(test_id_and_retry),
	        cmocka_unit_test(test_blank_lines_dispatch_nothing),
	        cmocka_unit_test(test_embedded_nul_and_nul_termination),
	        cmocka_unit_test(test_line_too_large),
	        cmocka_unit_test(test_too_large_sticky),
	        cmocka_unit_test(test_data_too_large),
	        cmocka_unit_test(test_callback_stop),
	        cmocka_unit_test(test_finish),
	        cmocka_unit_test(test_finish_resets_for_new_stream),
	        cmocka_unit_test(test_split_equivalence),
	        cmocka_unit_test(test_linear_long_line),
	        cmocka_unit_test(test_linear_many_events),
	        cmocka_unit_test(test_null_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
