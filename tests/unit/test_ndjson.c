/* NDJSON splitter (lib/codec/ndjson.c): lines at any feed split, CRLF,
 * blank keep-alive lines, a last line without LF, limits, stopping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ndjson.h"

typedef struct seen {
	char lines[8][64];
	int n, stop_at;
} seen;

static int on_line(const char *line, size_t len, void *user)
{
	seen *s = user;

	assert_int_equal(strlen(line), len); /* NUL-terminated at len */
	assert_true(s->n < 8);
	memcpy(s->lines[s->n], line, len + 1);
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

static const char stream[] = "{\"a\":1}\n\r\n  \n{\"b\":\"x y\"}\r\n\n{\"done\":true}";

static void check(const seen *s)
{
	assert_int_equal(s->n, 3);
	assert_string_equal(s->lines[0], "{\"a\":1}");
	assert_string_equal(s->lines[1], "{\"b\":\"x y\"}");
	assert_string_equal(s->lines[2], "{\"done\":true}");
}

static void test_every_split(void **state)
{
	size_t len = strlen(stream), step, off;

	(void)state;
	for (step = 1; step <= len; step++) {
		llmk__ndjson d;
		seen s;
		memset(&s, 0, sizeof(s));
		llmk__ndjson_init(&d, 1024, on_line, &s);
		for (off = 0; off < len; off += step)
			assert_int_equal(llmk__ndjson_feed(&d, stream + off, step < len - off ? step : len - off), 0);
		assert_int_equal(s.n, 2); /* the last line has no LF yet */
		assert_int_equal(llmk__ndjson_finish(&d), 0);
		check(&s);
		assert_int_equal(llmk__ndjson_finish(&d), 0); /* nothing twice */
		assert_int_equal(s.n, 3);
		llmk__ndjson_free(&d);
	}
}

/* Blank keep-alive lines count toward the line bound. */
static void test_units_count_blank_lines(void **state)
{
	llmk__ndjson d;
	seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	llmk__ndjson_init(&d, 1024, on_line, &s);
	llmk__ndjson_set_max_units(&d, 4);
	assert_int_equal(llmk__ndjson_feed(&d, "{\"a\":1}\n\n\n\n", 11), 0);
	assert_int_equal(llmk__ndjson_feed(&d, "\n", 1), LLMK_NDJSON_E_TOO_MANY);
	assert_int_equal(llmk__ndjson_feed(&d, "{}\n", 3), LLMK_NDJSON_E_TOO_MANY); /* sticky */
	assert_int_equal(s.n, 1);
	llmk__ndjson_free(&d);
}

static void test_line_limit_is_sticky(void **state)
{
	llmk__ndjson d;
	seen s;
	char big[100];

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(big, 'x', sizeof(big));
	llmk__ndjson_init(&d, 64, on_line, &s);
	assert_int_equal(llmk__ndjson_feed(&d, "{}\n", 3), 0);
	/* Over the limit in pieces, before any LF arrives. */
	assert_int_equal(llmk__ndjson_feed(&d, big, 40), 0);
	assert_int_equal(llmk__ndjson_feed(&d, big, 40), LLMK_NDJSON_E_TOO_LARGE);
	assert_int_equal(llmk__ndjson_feed(&d, "\n{}\n", 4), LLMK_NDJSON_E_TOO_LARGE);
	assert_int_equal(llmk__ndjson_finish(&d), LLMK_NDJSON_E_TOO_LARGE);
	assert_int_equal(s.n, 1);
	llmk__ndjson_free(&d);

	/* Exactly at the limit is fine; a whole long line in one feed is not. */
	memset(&s, 0, sizeof(s));
	llmk__ndjson_init(&d, 64, on_line, &s);
	big[63] = '\n';
	assert_int_equal(llmk__ndjson_feed(&d, big, 64), 0);
	assert_int_equal(s.n, 1);
	big[63] = 'x';
	big[99] = '\n';
	assert_int_equal(llmk__ndjson_feed(&d, big, 100), LLMK_NDJSON_E_TOO_LARGE);
	llmk__ndjson_free(&d);
}

static void test_callback_stops(void **state)
{
	llmk__ndjson d;
	seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	llmk__ndjson_init(&d, 0, on_line, &s);
	assert_int_equal(llmk__ndjson_feed(&d, "1\n2\n3\n", 6), 7);
	assert_int_equal(s.n, 1);
	llmk__ndjson_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_split),
	        cmocka_unit_test(test_units_count_blank_lines),
	        cmocka_unit_test(test_line_limit_is_sticky),
	        cmocka_unit_test(test_callback_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
