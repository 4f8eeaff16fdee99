/* lib/features/stats.c against values from statistics tables and worked by
 * hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "stats.h"

static void test_quantile(void **state)
{
	double v[] = {5, 1, 4, 2, 3};
	double one[] = {7};

	(void)state;
	llmk__stats_sort(v, 5);
	assert_true(v[0] == 1 && v[4] == 5);
	assert_true(llmk__stats_quantile(v, 5, 0.5) == 3);
	assert_true(llmk__stats_quantile(v, 5, 0) == 1);
	assert_true(llmk__stats_quantile(v, 5, 1) == 5);
	/* h = 4 x 0.9 = 3.6: 4 + 0.6 x (5 - 4) */
	assert_true(fabs(llmk__stats_quantile(v, 5, 0.9) - 4.6) < 1e-12);
	/* h = 4 x 0.25 = 1: exactly the second */
	assert_true(llmk__stats_quantile(v, 5, 0.25) == 2);
	assert_true(llmk__stats_quantile(v, 4, 0.5) == 2.5); /* even count: mean of the middle two */
	assert_true(llmk__stats_quantile(one, 1, 0.99) == 7);
	assert_true(llmk__stats_quantile(v, 0, 0.5) == -1);
}

static void test_wilson(void **state)
{
	double lo, hi;

	(void)state;
	/* 7 / 10, worked by hand: z^2 = 3.841459, 1 + z^2/n = 1.384146,
	 * centre (0.7 + 0.192073) / 1.384146 = 0.644493, half-width
	 * 1.959964 / 1.384146 x sqrt(0.021 + 0.009604) = 0.247715 */
	assert_int_equal(llmk__stats_wilson(7, 10, LLMK__Z975, &lo, &hi), 0);
	assert_true(fabs(lo - 0.396778) < 1e-6 && fabs(hi - 0.892209) < 1e-6);
	/* 0 / 10: [0, z^2 / (n + z^2)] = [0, 3.841459 / 13.841459 = 0.277533] */
	assert_int_equal(llmk__stats_wilson(0, 10, LLMK__Z975, &lo, &hi), 0);
	assert_true(lo == 0 && fabs(hi - 0.277533) < 1e-6);
	/* 10 / 10 mirrors it */
	assert_int_equal(llmk__stats_wilson(10, 10, LLMK__Z975, &lo, &hi), 0);
	assert_true(fabs(lo - (1 - 0.277533)) < 1e-6 && fabs(hi - 1) < 1e-12);
	assert_int_equal(llmk__stats_wilson(0, 0, LLMK__Z975, &lo, &hi), -1);
}

static void test_t975(void **state)
{
	(void)state;
	assert_true(fabs(llmk__stats_t975(1) - 12.706205) < 1e-6);
	assert_true(fabs(llmk__stats_t975(5) - 2.570582) < 1e-6);
	assert_true(fabs(llmk__stats_t975(30) - 2.042272) < 1e-6);
	/* past the table: the series against table values */
	assert_true(fabs(llmk__stats_t975(31) - 2.039513) < 1e-5);
	assert_true(fabs(llmk__stats_t975(60) - 2.000298) < 1e-5);
	assert_true(fabs(llmk__stats_t975(120) - 1.979930) < 1e-5);
	assert_true(fabs(llmk__stats_t975(100000) - LLMK__Z975) < 1e-4);
	assert_true(isnan(llmk__stats_t975(0)));
}

static void test_mean_sd(void **state)
{
	double d[] = {0, 1, 0, 1, 0, 1}, m, sd;

	(void)state;
	llmk__stats_mean_sd(d, 6, &m, &sd);
	assert_true(m == 0.5 && fabs(sd - sqrt(0.3)) < 1e-12);
	llmk__stats_mean_sd(d, 1, &m, &sd);
	assert_true(m == 0 && sd == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_quantile),
	        cmocka_unit_test(test_wilson),
	        cmocka_unit_test(test_t975),
	        cmocka_unit_test(test_mean_sd),
	};
	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
