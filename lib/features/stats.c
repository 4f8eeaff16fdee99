/* Statistics for the comparison's figures (stats.h). The formulas are the
 * textbook ones, stated in the header so the tests can work them by hand. */
#include <math.h>
#include <stdlib.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void llmk__stats_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

double llmk__stats_quantile(const double *v, size_t n, double q)
{
	double h, lo;
	size_t i;

	if (!n)
		return -1;
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	h = (double)(n - 1) * q;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (h - lo) * (v[i + 1] - v[i]);
}

int llmk__stats_wilson(double passed, double n, double z, double *low, double *high)
{
	double p, z2, d, c, h;

	if (n <= 0)
		return -1;
	p = passed / n;
	z2 = z * z;
	d = 1 + z2 / n;
	c = (p + z2 / (2 * n)) / d;
	h = z / d * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
	*low = c - h < 0 ? 0 : c - h;
	*high = c + h > 1 ? 1 : c + h;
	return 0;
}

double llmk__stats_t975(size_t df)
{
	/* t(0.975, df), df = 1..30 (any statistics table; these to 6 places) */
	static const double t[30] = {12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
	                             2.262157,  2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
	                             2.109816,  2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
	                             2.059539,  2.055529, 2.051831, 2.048407, 2.045230, 2.042272};
	double z = LLMK__Z975, z3, z5, z7, n;

	if (df == 0)
		return NAN;
	if (df <= 30)
		return t[df - 1];
	/* Cornish-Fisher expansion of t in powers of 1/df (Abramowitz & Stegun
	 * 26.7.5) */
	n = (double)df;
	z3 = z * z * z;
	z5 = z3 * z * z;
	z7 = z5 * z * z;
	return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
	       (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

void llmk__stats_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double m = 0, s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m += v[i];
	m = n ? m / (double)n : 0;
	for (i = 0; i < n; i++)
		s += (v[i] - m) * (v[i] - m);
	*mean = m;
	*sd = n > 1 ? sqrt(s / (double)(n - 1)) : 0;
}
