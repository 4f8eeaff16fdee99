/* Internal helpers with no network: the HTTP-date parser behind
 * Retry-After, and the JSON nesting pre-check behind max_json_depth. */
#define _DEFAULT_SOURCE /* timegm, as the reference in the property test */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "exchange.h"
#include "httpdate.h"
#include "json.h"
#include "options.h"
#include "scrub.h"
#include "url.h"

static int64_t parse(const char *s)
{
	int64_t t = -42;

	if (llmk__http_date(s, &t))
		return -1;
	return t;
}

static void test_http_date_forms(void **state)
{
	(void)state;
	/* RFC 9110 section 5.6.7: the same instant in all three forms. */
	assert_int_equal(parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
	assert_int_equal(parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
	assert_int_equal(parse("Sun Nov  6 08:49:37 1994"), 784111777);
	assert_int_equal(parse("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	assert_int_equal(parse("Tue, 29 Feb 2028 23:59:59 GMT"), 1835481599);
	assert_int_equal(parse("Wed, 25 Nov 2026 10:00:00 GMT  "), 1795600800);
}

static void test_http_date_rejects(void **state)
{
	static const char *const bad[] = {
	        "",
	        "Sun, 06 Nov 1994 08:49:37",
	        "Sun, 06 Nov 1994 08:49:37 UTC",
	        "Sun, 6 Nov 1994 08:49:37 GMT",
	        "Sun, 06 Foo 1994 08:49:37 GMT",
	        "Sun, 06 Nov 94 08:49:37 GMT",
	        "Sun, 06 Nov 1994 24:00:00 GMT",
	        "Sun, 06 Nov 1994 08:60:00 GMT",
	        "Sun, 00 Nov 1994 08:49:37 GMT",
	        "Sun, 06 Nov 1994 08:49:37 GMTx",
	        "Sun Nov 6 08:49:37 1994",
	        "Sun",
	        "120",
	        "Sunday, 06-Nov-1994 08:49:37 GMT",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i]) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(llmk__http_date(NULL, NULL), -1);
}

/* Against glibc's strftime/timegm for a day-by-day walk over 1970..2400,
 * with the process in a non-English locale if one is installed: the parser
 * must not care. */
static void test_http_date_matches_timegm(void **state)
{
	char buf[64];
	struct tm tm;
	time_t t;
	int64_t got;

	(void)state;
	setlocale(LC_ALL, "de_DE.UTF-8"); /* may fail: C stays, still a valid run */
	for (t = 0; t < (time_t)13569465600; t += 86400 + 3661) {
		gmtime_r(&t, &tm);
		/* Build the English form by hand: strftime would follow the locale. */
		static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
		static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
		snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm.tm_wday], tm.tm_mday,
		         mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
		assert_int_equal(llmk__http_date(buf, &got), 0);
		if (got != (int64_t)timegm(&tm))
			fail_msg("%s -> %lld, timegm says %lld", buf, (long long)got, (long long)timegm(&tm));
	}
	setlocale(LC_ALL, "C");
}

static void test_json_depth(void **state)
{
	char deep[300];

	(void)state;
	assert_false(llmk__json_too_deep("{\"a\":[1,{\"b\":2}]}", 17, 3));
	assert_true(llmk__json_too_deep("{\"a\":[1,{\"b\":2}]}", 17, 2));
	/* Brackets inside strings, escaped quotes included, do not count. */
	assert_false(llmk__json_too_deep("{\"a\":\"[[[[\\\"[[[[\"}", 18, 1));
	memset(deep, '[', 200);
	memset(deep + 200, ']', 100);
	assert_true(llmk__json_too_deep(deep, 300, 128));
	assert_false(llmk__json_too_deep(deep, 300, 200));
	/* Closers never take the depth below zero. */
	assert_false(llmk__json_too_deep("]]]]]]{}", 8, 1));
	assert_false(llmk__json_too_deep(NULL, 5, 1));
}

/* Every option a request can carry has its own bit in a provider's option
 * mask, whatever its id (integer ids 2016..2019 once landed on the bits
 * of the double options); client options have none. */
static void test_option_bits(void **state)
{
	uint64_t seen = 0;
	int32_t id;
	int n = 0;

	(void)state;
	for (id = 1000; id < 4000; id++) {
		const llmk__optinfo *o = llmk__option_info(id);
		int bit = llmk__option_bit(id);
		if (!o) {
			assert_int_equal(bit, -1);
			continue;
		}
		if (!(o->scope & LLMK_SCOPE_R)) {
			assert_int_equal(bit, -1);
			continue;
		}
		assert_true(bit >= 0 && bit < 64);
		assert_false((seen >> bit) & 1);
		seen |= UINT64_C(1) << bit;
		n++;
	}
	assert_int_equal(n, LLMK__RB_COUNT);
	assert_int_equal(LLMK__OPT(TEMPERATURE), UINT64_C(1) << llmk__option_bit(LLMK_OPT_TEMPERATURE));
	assert_int_not_equal(llmk__option_bit(LLMK_OPT_TEMPERATURE), llmk__option_bit(LLMK_OPT_REASONING_BUDGET));
}

/* One path segment: everything but unreserved bytes encoded, '/'
 * included; empty, "." and ".." refused. */
static void test_url_segment(void **state)
{
	llmk__buf b = LLMK__BUF_INIT;

	(void)state;
	assert_int_equal(llmk__url_append_segment(&b, "a/b c?d#e%f..", 13), 0);
	assert_string_equal(b.data, "/a%2Fb%20c%3Fd%23e%25f..");
	assert_int_equal(llmk__url_append_segment(&b, ".", 1), LLMK_URL_E_SEGMENT);
	assert_int_equal(llmk__url_append_segment(&b, "..", 2), LLMK_URL_E_SEGMENT);
	assert_int_equal(llmk__url_append_segment(&b, "", 0), LLMK_URL_E_SEGMENT);
	assert_int_equal(llmk__url_append_segment(&b, "...", 3), 0);
	assert_string_equal(b.data, "/a%2Fb%20c%3Fd%23e%25f../...");
	llmk__buf_free(&b);
}

/* Every C0 control character and DEL, nothing else. */
static void test_has_ctl(void **state)
{
	char s[4] = "a?b";
	int c;

	(void)state;
	for (c = 1; c < 256; c++) {
		s[1] = (char)c;
		assert_int_equal(llmk__has_ctl(s), c < 0x20 || c == 0x7f);
	}
}

/* The exchange refuses what no adapter may build: the last line. */
static void test_exchange_refuses_controls(void **state)
{
	llmk_exchange ex;

	(void)state;
	llmk__exchange_init(&ex);
	assert_int_equal(llmk__exchange_header(&ex, "X-A", "v\r\nX-Injected: 1"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk__exchange_header(&ex, "X-A\r\nX-B", "v"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk__exchange_header(&ex, "X A", "v"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk__exchange_header(&ex, "X:A", "v"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk__exchange_header(&ex, "", "v"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk__exchange_header(&ex, "X-A", "v\tw"), LLMK_E_INVALID_ARG);
	assert_int_equal(ex.nheaders, 0);
	assert_int_equal(llmk__exchange_set_url(&ex, "http://h\r\n", "/p"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk__exchange_set_url(&ex, "http://h", "/p\n"), LLMK_E_INVALID_ARG);
	assert_null(ex.url);
	assert_int_equal(llmk__exchange_header(&ex, "X-A", "v w"), LLMK_OK);
	assert_int_equal(llmk__exchange_set_url(&ex, "http://h", "/p"), LLMK_OK);
	llmk__exchange_clear(&ex);
}

/* The scrubber, shape by shape; it only ever shrinks the text. */
static void test_scrub_shapes(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	        {"key sk-abc/def+ghi=jkl12 here", "key [REDACTED] here"},
	        {"key sk-abc%2Fdef%2bghi%3Djkl12.", "key [REDACTED]."},
	        {"key sk-abc\\/def+ghi\\u003djkl12", "key [REDACTED]"},
	        {"key \\u0073k-abc\\\\/def+ghi=jkl12", "key [REDACTED]"},
	        {"key SK-ABC/DEF+GHI=JKL12", "key [REDACTED]"},
	        {"key sk-abc%252Fdef+ghi=jkl12", "key [REDACTED]"},
	        {"masked sk-ABC************kl12.", "masked [REDACTED]."},
	        {"masked ****************kl12!", "masked [REDACTED]!"},
	        {"masked sk-*** ab***", "masked sk-*** ab***"}, /* too few to say anything */
	        {"tok: tok3n TOK3N", "tok: ***** *****"},
	        {"url http://u:p%40ss@h/x and https://tok@h", "url http://u:***@h/x and https://***@h"},
	        {"other sk-proj-abcdefgh and task-1234", "other sk-*** and task-1234"},
	        {"", ""},
	};
	const char *const secrets[] = {"sk-abc/def+ghi=jkl12", NULL, "tok3n", ""};
	char buf[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		llmk__scrub_str(buf, secrets, 4, LLMK_SCRUB_KEYLIKE | LLMK_SCRUB_USERINFO);
		if (strcmp(buf, cases[i].out))
			fail_msg("case %zu: '%s' became '%s', wanted '%s'", i, cases[i].in, buf, cases[i].out);
	}
	assert_int_equal(llmk__url_userinfo_secret("http://u:p%40ss@h/x", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "p@ss");
	assert_int_equal(llmk__url_userinfo_secret("http://tok@h", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "tok");
	assert_int_equal(llmk__url_userinfo_secret("http://h/a@b", buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_http_date_forms),
	        cmocka_unit_test(test_http_date_rejects),
	        cmocka_unit_test(test_http_date_matches_timegm),
	        cmocka_unit_test(test_json_depth),
	        cmocka_unit_test(test_option_bits),
	        cmocka_unit_test(test_url_segment),
	        cmocka_unit_test(test_has_ctl),
	        cmocka_unit_test(test_exchange_refuses_controls),
	        cmocka_unit_test(test_scrub_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
