/* Small statistics for the figures of a comparison: quantiles, the Wilson
 * score interval of a proportion, and Student's t for paired differences.
 * Pure functions on plain arrays; no allocation. */
#ifndef LLMK_FEATURES_STATS_H
#define LLMK_FEATURES_STATS_H

#include <stddef.h>

/* z of a two-sided 95 % interval: the 0.975 quantile of the normal law. */
#define LLMK__Z975 1.959963984540054

/* Sorts v ascending (in place). */
void llmk__stats_sort(double *v, size_t n);

/* The q-quantile (0 <= q <= 1) of sorted v by linear interpolation between
 * the closest ranks (Hyndman & Fan type 7: R's default, numpy's "linear",
 * Excel's PERCENTILE.INC): h = (n - 1) q, v[floor h] + (h - floor h)
 * (v[floor h + 1] - v[floor h]). q = 0.5 is the median. -1 when n is 0. */
double llmk__stats_quantile(const double *sorted, size_t n, double q);

/* Wilson score interval of `passed` successes in `n` trials at z
 * (E. B. Wilson, 1927):
 *   centre = (p + z^2 / 2n) / (1 + z^2 / n)
 *   half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)
 * Returns 0 and sets *low, *high (within 0..1); -1 when n is 0. */
int llmk__stats_wilson(double passed, double n, double z, double *low, double *high);

/* The 0.975 quantile of Student's t with df degrees of freedom (df >= 1):
 * exact table values for df <= 30, beyond that the Cornish-Fisher series in
 * 1/df (error below 1e-6 from df 30 on). */
double llmk__stats_t975(size_t df);

/* Mean, sample standard deviation (n - 1) of v; sd is 0 when n < 2. */
void llmk__stats_mean_sd(const double *v, size_t n, double *mean, double *sd);

#endif
