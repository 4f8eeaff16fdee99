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

#include "httpdate.h"
#include "json.h"
#include "options.h"

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
		"", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMTx",
		"Sun Nov 6 08:49:37 1994", "Sun", "120", "Sunday, 06-Nov-1994 08:49:37 GMT",
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
		const llmk_optinfo *o = llmk__option_info(id);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_date_forms),
		cmocka_unit_test(test_http_date_rejects),
		cmocka_unit_test(test_http_date_matches_timegm),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_option_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
