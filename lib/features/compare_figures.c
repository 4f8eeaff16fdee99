/* What the stored answers of a comparison add up to: per-answer accessors
 * and the figures per model (medians, sums, cost, scores), computed when
 * asked so they are current during a run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "compare.h"
#include "response.h"

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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	if (!n)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double llmk_compare_metric(const llmk_compare *cmp, size_t model, int32_t metric)
{
	size_t k, run, n = 0, runs = 0, ok = 0, scored = 0;
	double *v, out = -1, sum = 0, x, ttft, total, score_sum = 0, cost;
	int64_t tokens, out_tokens;
	int cost_unknown = 0;
	const result *res;
	const llmk_response *r;

	if (!cmp || !cmp->results || model >= cmp->nmodels)
		return -1;
	v = llmk__malloc((cmp->ncases * (size_t)cmp->repeat + 1) * sizeof(*v));
	if (!v)
		return -1;
	for (k = 0; k < cmp->ncases; k++)
		for (run = 0; run < (size_t)cmp->repeat; run++) {
			res = llmk__cmp_slot(cmp, model, k, run);
			if (!res->done)
				continue;
			runs++;
			if (res->score >= 0) {
				scored++;
				score_sum += res->score;
			}
			r = res->resp;
			if (!r || r->status != LLMK_OK)
				continue;
			ok++;
			total = r->timing[LLMK_TIMING_TOTAL_MS];
			ttft = r->timing[LLMK_TIMING_FIRST_TOKEN_MS];
			switch (metric) {
			case LLMK_METRIC_LATENCY_MS:
				v[n++] = total;
				break;
			case LLMK_METRIC_TTFT_MS:
				if (ttft >= 0)
					v[n++] = ttft;
				break;
			case LLMK_METRIC_TOKENS_PER_S:
				out_tokens = r->usage[LLMK_USAGE_OUTPUT];
				/* generation time: after the first token when it is known */
				x = ttft >= 0 && total > ttft ? total - ttft : total;
				if (out_tokens >= 0 && x > 0)
					v[n++] = (double)out_tokens / (x / 1000.0);
				break;
			case LLMK_METRIC_INPUT_TOKENS:
			case LLMK_METRIC_OUTPUT_TOKENS:
			case LLMK_METRIC_CACHED_TOKENS:
				tokens = r->usage[metric == LLMK_METRIC_INPUT_TOKENS    ? LLMK_USAGE_INPUT
				                  : metric == LLMK_METRIC_OUTPUT_TOKENS ? LLMK_USAGE_OUTPUT
				                                                        : LLMK_USAGE_CACHED_INPUT];
				if (tokens >= 0) {
					sum += (double)tokens;
					n++;
				}
				break;
			case LLMK_METRIC_COST_USD:
				if (llmk_response_cost(r, &cost) == LLMK_OK)
					sum += cost;
				else
					cost_unknown = 1;
				break;
			default:
				break;
			}
		}
	switch (metric) {
	case LLMK_METRIC_RUNS:
		out = (double)runs;
		break;
	case LLMK_METRIC_OK:
		out = (double)ok;
		break;
	case LLMK_METRIC_LATENCY_MS:
	case LLMK_METRIC_TTFT_MS:
	case LLMK_METRIC_TOKENS_PER_S:
		out = median(v, n);
		break;
	case LLMK_METRIC_INPUT_TOKENS:
	case LLMK_METRIC_OUTPUT_TOKENS:
	case LLMK_METRIC_CACHED_TOKENS:
		out = n ? sum : (ok ? -1 : 0);
		break;
	case LLMK_METRIC_COST_USD:
		out = cost_unknown ? -1 : sum;
		break;
	case LLMK_METRIC_SCORE:
		out = scored ? score_sum / (double)scored : -1;
		break;
	default:
		out = -1;
	}
	llmk__free(v);
	return out;
}
