/* What the stored answers of a comparison add up to: per-answer accessors
 * and the figures per model (percentiles, sums, rates with their
 * intervals, cost), computed when asked so they are current during a run.
 * The statistics themselves are in stats.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "compare.h"
#include "response.h"
#include "stats.h"

size_t llmk_compare_model_count(const llmk_compare *cmp)
{
	return cmp ? cmp->nmodels : 0;
}

const char *llmk_compare_model(const llmk_compare *cmp, size_t model)
{
	return cmp && model < cmp->nmodels ? cmp->models[model].label : NULL;
}

size_t llmk_compare_case_count(const llmk_compare *cmp)
{
	return cmp ? cmp->ncases : 0;
}

const llmk_request *llmk_compare_case_request(const llmk_compare *cmp, size_t kase)
{
	return cmp && kase < cmp->ncases ? cmp->cases[kase].req : NULL;
}

const char *llmk_compare_case_expected(const llmk_compare *cmp, size_t kase)
{
	return cmp && kase < cmp->ncases ? cmp->cases[kase].expected : NULL;
}

const llmk_response *llmk_compare_response(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	if (!cmp || !cmp->results || model >= cmp->nmodels || kase >= cmp->ncases || run >= (size_t)cmp->repeat)
		return NULL;
	return llmk__cmp_slot(cmp, model, kase, run)->resp;
}

double llmk_compare_score(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	if (!cmp || !cmp->results || model >= cmp->nmodels || kase >= cmp->ncases || run >= (size_t)cmp->repeat)
		return -1;
	return llmk__cmp_slot(cmp, model, kase, run)->done ? llmk__cmp_slot(cmp, model, kase, run)->score : -1;
}

static int passes(const llmk_compare *cmp, double score)
{
	return score >= (double)cmp->pass_percent / 100.0 - 1e-12;
}

/* The value one finished run gives a per-run figure: 1 and *out when it
 * has one. Latency, TTFT, tokens and cost come from successful runs only;
 * a score from every scored run (a failed run scores 0). *unknown is set
 * when a successful run has no price. */
static int run_value(const llmk_compare *cmp, const result *res, int32_t metric, double *out, int *unknown)
{
	const llmk_response *r = res->resp;
	double total, ttft, x, cost;
	int64_t tokens;

	if (!res->done)
		return 0;
	if (metric == LLMK_METRIC_SCORE || metric == LLMK_METRIC_PASS_RATE) {
		if (res->score < 0)
			return 0;
		*out = metric == LLMK_METRIC_SCORE ? res->score : passes(cmp, res->score);
		return 1;
	}
	if (!r || r->status != LLMK_OK)
		return 0;
	total = r->timing[LLMK_TIMING_TOTAL_MS];
	ttft = r->timing[LLMK_TIMING_FIRST_TOKEN_MS];
	switch (metric) {
	case LLMK_METRIC_LATENCY_MS: *out = total; return 1;
	case LLMK_METRIC_TTFT_MS: *out = ttft; return ttft >= 0;
	case LLMK_METRIC_TOKENS_PER_S:
		tokens = r->usage[LLMK_USAGE_OUTPUT];
		/* generation time: after the first token when it is known */
		x = ttft >= 0 && total > ttft ? total - ttft : total;
		*out = tokens >= 0 && x > 0 ? (double)tokens / (x / 1000.0) : -1;
		return tokens >= 0 && x > 0;
	case LLMK_METRIC_INPUT_TOKENS:
	case LLMK_METRIC_OUTPUT_TOKENS:
	case LLMK_METRIC_CACHED_TOKENS:
		tokens = r->usage[metric == LLMK_METRIC_INPUT_TOKENS    ? LLMK_USAGE_INPUT
		                  : metric == LLMK_METRIC_OUTPUT_TOKENS ? LLMK_USAGE_OUTPUT
		                                                        : LLMK_USAGE_CACHED_INPUT];
		*out = (double)tokens;
		return tokens >= 0;
	case LLMK_METRIC_COST_USD:
		if (llmk_response_cost(r, &cost) == LLMK_OK) {
			*out = cost;
			return 1;
		}
		if (unknown)
			*unknown = 1;
		return 0;
	default: return 0;
	}
}

/* The per-run figure a metric is a statistic of, and which statistic (q:
 * the quantile, 0 min, 1 max). */
static int32_t sample_of(int32_t metric, double *q)
{
	*q = 0.5;
	switch (metric) {
	case LLMK_METRIC_LATENCY_MS:
	case LLMK_METRIC_LATENCY_P50_MS: return LLMK_METRIC_LATENCY_MS;
	case LLMK_METRIC_LATENCY_P90_MS: *q = 0.9; return LLMK_METRIC_LATENCY_MS;
	case LLMK_METRIC_LATENCY_P99_MS: *q = 0.99; return LLMK_METRIC_LATENCY_MS;
	case LLMK_METRIC_LATENCY_MIN_MS: *q = 0; return LLMK_METRIC_LATENCY_MS;
	case LLMK_METRIC_LATENCY_MAX_MS: *q = 1; return LLMK_METRIC_LATENCY_MS;
	case LLMK_METRIC_TTFT_MS:
	case LLMK_METRIC_TTFT_P50_MS: return LLMK_METRIC_TTFT_MS;
	case LLMK_METRIC_TTFT_P90_MS: *q = 0.9; return LLMK_METRIC_TTFT_MS;
	case LLMK_METRIC_TTFT_P99_MS: *q = 0.99; return LLMK_METRIC_TTFT_MS;
	case LLMK_METRIC_TTFT_MIN_MS: *q = 0; return LLMK_METRIC_TTFT_MS;
	case LLMK_METRIC_TTFT_MAX_MS: *q = 1; return LLMK_METRIC_TTFT_MS;
	case LLMK_METRIC_TOKENS_PER_S: return LLMK_METRIC_TOKENS_PER_S;
	default: return 0;
	}
}

/* Counts over a model's finished runs, and the sums the figures need. */
typedef struct tally {
	size_t runs, ok, scored, passed;
	double score_sum, score_sq, cost, out_tokens;
	int cost_unknown, out_tokens_known;
} tally;

static void count(const llmk_compare *cmp, size_t model, tally *t)
{
	size_t k, run;
	const result *res;
	double x;

	memset(t, 0, sizeof(*t));
	for (k = 0; k < cmp->ncases; k++)
		for (run = 0; run < (size_t)cmp->repeat; run++) {
			res = llmk__cmp_slot(cmp, model, k, run);
			if (!res->done)
				continue;
			t->runs++;
			if (res->score >= 0) {
				t->scored++;
				t->score_sum += res->score;
				t->score_sq += res->score * res->score;
				t->passed += (size_t)passes(cmp, res->score);
			}
			if (!res->resp || res->resp->status != LLMK_OK)
				continue;
			t->ok++;
			if (run_value(cmp, res, LLMK_METRIC_COST_USD, &x, &t->cost_unknown))
				t->cost += x;
			if (run_value(cmp, res, LLMK_METRIC_OUTPUT_TOKENS, &x, NULL)) {
				t->out_tokens += x;
				t->out_tokens_known = 1;
			}
		}
}

/* A statistic of the per-run values of a model. */
static double sample_stat(const llmk_compare *cmp, size_t model, int32_t sample, double q, int sum)
{
	size_t k, run, n = 0;
	double *v, x, out = -1, total = 0;

	v = llmk__malloc((cmp->ncases * (size_t)cmp->repeat + 1) * sizeof(*v));
	if (!v)
		return -1;
	for (k = 0; k < cmp->ncases; k++)
		for (run = 0; run < (size_t)cmp->repeat; run++)
			if (run_value(cmp, llmk__cmp_slot(cmp, model, k, run), sample, &x, NULL)) {
				v[n++] = x;
				total += x;
			}
	if (sum) {
		out = n ? total : -1;
	} else if (n) {
		llmk__stats_sort(v, n);
		out = llmk__stats_quantile(v, n, q);
	}
	llmk__free(v);
	return out;
}

/* What the judge's own responses for a model add up to. */
static double judge_figure(const llmk_compare *cmp, size_t model, int32_t metric)
{
	size_t k, run, calls = 0;
	double cost = 0, c;
	int unknown = 0;
	const result *res;

	for (k = 0; k < cmp->ncases; k++)
		for (run = 0; run < (size_t)cmp->repeat; run++) {
			res = llmk__cmp_slot(cmp, model, k, run);
			if (!res->judge)
				continue;
			calls++;
			if (llmk_response_status(res->judge) != LLMK_OK)
				continue; /* a failed request has no usage to bill */
			if (llmk_response_cost(res->judge, &c) == LLMK_OK)
				cost += c;
			else
				unknown = 1;
		}
	if (metric == LLMK_METRIC_JUDGE_CALLS)
		return (double)calls;
	return unknown ? -1 : cost;
}

static double wall_ms(const llmk_compare *cmp, size_t model)
{
	double w = cmp->models[model].last_done_ms - cmp->started_ms;
	return cmp->models[model].last_done_ms > 0 && w > 0 ? w : -1;
}

double llmk_compare_metric(const llmk_compare *cmp, size_t model, int32_t metric)
{
	tally t;
	double q, lo, hi, w, mean, var;
	int32_t sample;

	if (!cmp || !cmp->results || model >= cmp->nmodels)
		return -1;
	sample = sample_of(metric, &q);
	if (sample)
		return sample_stat(cmp, model, sample, q, 0);
	count(cmp, model, &t);
	switch (metric) {
	case LLMK_METRIC_RUNS: return (double)t.runs;
	case LLMK_METRIC_OK: return (double)t.ok;
	case LLMK_METRIC_INPUT_TOKENS:
	case LLMK_METRIC_OUTPUT_TOKENS:
	case LLMK_METRIC_CACHED_TOKENS: q = sample_stat(cmp, model, metric, 0, 1); return q >= 0 ? q : (t.ok ? -1 : 0);
	case LLMK_METRIC_COST_USD: return t.cost_unknown ? -1 : t.cost;
	case LLMK_METRIC_SCORE: return t.scored ? t.score_sum / (double)t.scored : -1;
	case LLMK_METRIC_ERROR_RATE: return t.runs ? (double)(t.runs - t.ok) / (double)t.runs : -1;
	case LLMK_METRIC_SCORED: return (double)t.scored;
	case LLMK_METRIC_PASSED: return (double)t.passed;
	case LLMK_METRIC_PASS_RATE: return t.scored ? (double)t.passed / (double)t.scored : -1;
	case LLMK_METRIC_PASS_RATE_LOW:
	case LLMK_METRIC_PASS_RATE_HIGH:
		if (llmk__stats_wilson((double)t.passed, (double)t.scored, LLMK__Z975, &lo, &hi))
			return -1;
		return metric == LLMK_METRIC_PASS_RATE_LOW ? lo : hi;
	case LLMK_METRIC_SCORE_STDERR:
		if (t.scored < 2)
			return -1;
		mean = t.score_sum / (double)t.scored;
		var = (t.score_sq - (double)t.scored * mean * mean) / (double)(t.scored - 1);
		return sqrt(var > 0 ? var : 0) / sqrt((double)t.scored);
	case LLMK_METRIC_COST_PER_1K_REQUESTS: return t.cost_unknown || !t.runs ? -1 : t.cost / (double)t.runs * 1000.0;
	case LLMK_METRIC_COST_PER_CORRECT: return t.cost_unknown || !t.passed ? -1 : t.cost / (double)t.passed;
	case LLMK_METRIC_WALL_MS: return wall_ms(cmp, model);
	case LLMK_METRIC_THROUGHPUT_RPS: w = wall_ms(cmp, model); return w > 0 ? (double)t.ok / (w / 1000.0) : -1;
	case LLMK_METRIC_THROUGHPUT_TOKENS_PER_S:
		w = wall_ms(cmp, model);
		return w > 0 && t.out_tokens_known ? t.out_tokens / (w / 1000.0) : -1;
	case LLMK_METRIC_JUDGE_COST_USD:
	case LLMK_METRIC_JUDGE_CALLS: return judge_figure(cmp, model, metric);
	default: return -1;
	}
}

size_t llmk_compare_status_count(const llmk_compare *cmp, size_t model, int32_t status)
{
	size_t k, run, n = 0;
	const result *res;

	if (!cmp || !cmp->results || model >= cmp->nmodels)
		return 0;
	for (k = 0; k < cmp->ncases; k++)
		for (run = 0; run < (size_t)cmp->repeat; run++) {
			res = llmk__cmp_slot(cmp, model, k, run);
			if (res->done && (res->resp ? res->resp->status : LLMK_E_NOMEM) == status)
				n++;
		}
	return n;
}

/* The mean over the runs of one case of a per-run figure; 0 when none. */
static int case_mean(const llmk_compare *cmp, size_t model, size_t kase, int32_t metric, double *out)
{
	size_t run, n = 0;
	double x, sum = 0;

	for (run = 0; run < (size_t)cmp->repeat; run++)
		if (run_value(cmp, llmk__cmp_slot(cmp, model, kase, run), metric, &x, NULL)) {
			sum += x;
			n++;
		}
	if (n)
		*out = sum / (double)n;
	return n > 0;
}

llmk_status llmk_compare_paired(double *mean, double *low, double *high, size_t *pairs, const llmk_compare *cmp,
                                size_t model, size_t baseline, int32_t metric)
{
	size_t k, n = 0;
	double *d, a, b, m = 0, sd = 0, half;
	llmk_status st = LLMK_OK;

	if (mean)
		*mean = 0;
	if (low)
		*low = 0;
	if (high)
		*high = 0;
	if (pairs)
		*pairs = 0;
	if (!mean || !low || !high || !cmp || !cmp->results || model >= cmp->nmodels || baseline >= cmp->nmodels)
		return LLMK_E_INVALID_ARG;
	switch (metric) {
	case LLMK_METRIC_SCORE:
	case LLMK_METRIC_PASS_RATE:
	case LLMK_METRIC_LATENCY_MS:
	case LLMK_METRIC_TTFT_MS:
	case LLMK_METRIC_TOKENS_PER_S:
	case LLMK_METRIC_INPUT_TOKENS:
	case LLMK_METRIC_OUTPUT_TOKENS:
	case LLMK_METRIC_COST_USD: break;
	default: return LLMK_E_INVALID_ARG;
	}
	d = llmk__malloc((cmp->ncases + 1) * sizeof(*d));
	if (!d)
		return LLMK_E_NOMEM;
	for (k = 0; k < cmp->ncases; k++)
		if (case_mean(cmp, model, k, metric, &a) && case_mean(cmp, baseline, k, metric, &b))
			d[n++] = a - b;
	if (pairs)
		*pairs = n;
	if (n)
		llmk__stats_mean_sd(d, n, &m, &sd);
	*mean = m;
	if (n < 2) {
		st = LLMK_E_NOT_FOUND;
	} else {
		half = llmk__stats_t975(n - 1) * sd / sqrt((double)n);
		*low = m - half;
		*high = m + half;
	}
	llmk__free(d);
	return st;
}
