/* llmkit compare/eval --stats and --baseline: the statistics table. One
 * row per model with the spread of latency and time to first token,
 * throughput, errors by status, cost per 1,000 requests and, for eval,
 * the pass rate with its Wilson 95 % interval, the mean score with its
 * standard error and the cost per correct answer; with a baseline, the
 * paired differences against it with their 95 % intervals. All figures
 * come from llmk_compare_metric() and llmk_compare_paired(). */
#include "cli.h"
#include "stats_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 48

typedef struct stbl {
	const char *head[MAX_COLS];
	int kind[MAX_COLS];
	size_t n;
} stbl;

static void add_col(stbl *s, const char *head, int kind)
{
	if (s->n < MAX_COLS) {
		s->head[s->n] = head;
		s->kind[s->n] = kind;
		s->n++;
	}
}

static const char *short_name(int32_t st)
{
	const char *n = llmk_status_name(st);
	return !strncmp(n, "LLMK_E_", 7) ? n + 7 : !strncmp(n, "LLMK_", 5) ? n + 5 : n;
}

/* "SERVER:3 TIMEOUT:1" (empty when none failed). */
static void errors_by_status(const llmk_compare *cmp, size_t m, char *buf, size_t cap)
{
	size_t len = 0, n;
	int32_t st;

	buf[0] = '\0';
	for (st = 1; st < 64 && len + 1 < cap; st++) {
		if (!strcmp(llmk_status_name(st), "LLMK_E_UNKNOWN_STATUS") ||
		    !(n = llmk_compare_status_count(cmp, m, st)))
			continue;
		len += (size_t)snprintf(buf + len, cap - len, "%s%s:%zu", len ? " " : "", short_name(st), n);
	}
}

/* A number cell: "-" (table) or empty (others) when unknown. */
static void num(cli_table *t, size_t row, size_t col, int pretty, double v, int known, int decimals, const char *unit)
{
	if (!known)
		cli_table_set(t, row, col, NULL, "%s", pretty ? "-" : "");
	else if (pretty)
		cli_table_set(t, row, col, NULL, "%.*f%s", decimals, v, unit);
	else
		cli_table_set(t, row, col, NULL, "%.6g", v);
}

/* v as it prints with `decimals`, without "-0" */
static double tidy(double v, int decimals)
{
	return fabs(v) < 0.5 * pow(10, -decimals) ? 0 : v;
}

static double metric(const llmk_compare *cmp, size_t m, int32_t id)
{
	return llmk_compare_metric(cmp, m, id);
}

int cli_stats_print(const llmk_compare *cmp, const cli_stats_opts *o, FILE *fp)
{
	size_t m, nm = llmk_compare_model_count(cmp), row, c;
	int pretty = o->format == FMT_TABLE || o->format == FMT_MARKDOWN;
	int base = o->baseline >= 0 && (size_t)o->baseline < nm;
	char errs[256], dscore[64], dlat[64], dcost[64], dttft[64];
	stbl s;
	cli_table t;
	/* the paired figures: score (eval), latency, cost (compare: TTFT too) */
	static const int32_t paired_eval[] = {LLMK_METRIC_SCORE, LLMK_METRIC_LATENCY_MS, LLMK_METRIC_COST_USD};
	static const int32_t paired_cmp[] = {LLMK_METRIC_LATENCY_MS, LLMK_METRIC_TTFT_MS, LLMK_METRIC_COST_USD};
	const int32_t *paired = o->eval ? paired_eval : paired_cmp;

	memset(&s, 0, sizeof(s));
	if (pretty) {
		static const char *eval_heads[] = {"score \xc2\xb1 se", "pass [95% CI]", "$/correct", "judge $"};
		add_col(&s, "model", COL_LEFT);
		add_col(&s, "runs", COL_RIGHT);
		add_col(&s, "errors", COL_LEFT);
		add_col(&s, "p50", COL_RIGHT);
		add_col(&s, "p90", COL_RIGHT);
		add_col(&s, "p99", COL_RIGHT);
		add_col(&s, "min-max", COL_RIGHT);
		add_col(&s, "ttft p50/p90", COL_RIGHT);
		add_col(&s, "tok/s", COL_RIGHT);
		add_col(&s, "req/s", COL_RIGHT);
		add_col(&s, "$/1k req", COL_RIGHT);
		if (o->eval)
			for (c = 0; c < 4; c++)
				add_col(&s, eval_heads[c], COL_RIGHT);
		if (base) {
			if (o->eval)
				add_col(&s, "\xce\x94score [95% CI]", COL_RIGHT);
			add_col(&s, "\xce\x94latency ms [95% CI]", COL_RIGHT);
			if (!o->eval)
				add_col(&s, "\xce\x94ttft ms [95% CI]", COL_RIGHT);
			add_col(&s, "\xce\x94$ [95% CI]", COL_RIGHT);
		}
	} else {
		static const char *heads[] = {"runs",
		                              "ok",
		                              "error_rate",
		                              "errors",
		                              "latency_p50_ms",
		                              "latency_p90_ms",
		                              "latency_p99_ms",
		                              "latency_min_ms",
		                              "latency_max_ms",
		                              "ttft_p50_ms",
		                              "ttft_p90_ms",
		                              "ttft_p99_ms",
		                              "tokens_per_s",
		                              "throughput_rps",
		                              "throughput_tokens_per_s",
		                              "cost_usd",
		                              "cost_per_1k_requests_usd"};
		add_col(&s, "model", COL_LEFT);
		for (c = 0; c < sizeof(heads) / sizeof(heads[0]); c++)
			add_col(&s, heads[c], strcmp(heads[c], "errors") ? COL_NUMBER : COL_LEFT);
		if (o->eval) {
			add_col(&s, "score", COL_NUMBER);
			add_col(&s, "score_stderr", COL_NUMBER);
			add_col(&s, "passed", COL_NUMBER);
			add_col(&s, "pass_rate", COL_NUMBER);
			add_col(&s, "pass_rate_low", COL_NUMBER);
			add_col(&s, "pass_rate_high", COL_NUMBER);
			add_col(&s, "cost_per_correct_usd", COL_NUMBER);
			add_col(&s, "judge_calls", COL_NUMBER);
			add_col(&s, "judge_cost_usd", COL_NUMBER);
		}
		if (base) {
			static const char *eval_d[] = {"d_score",      "d_score_low",      "d_score_high",
			                               "d_latency_ms", "d_latency_ms_low", "d_latency_ms_high",
			                               "d_cost_usd",   "d_cost_usd_low",   "d_cost_usd_high"};
			static const char *cmp_d[] = {"d_latency_ms", "d_latency_ms_low", "d_latency_ms_high",
			                              "d_ttft_ms",    "d_ttft_ms_low",    "d_ttft_ms_high",
			                              "d_cost_usd",   "d_cost_usd_low",   "d_cost_usd_high"};
			add_col(&s, "baseline", COL_LEFT);
			add_col(&s, "pairs", COL_NUMBER);
			for (c = 0; c < 9; c++)
				add_col(&s, o->eval ? eval_d[c] : cmp_d[c], COL_NUMBER);
		}
	}
	cli_table_init(&t, s.n, s.head, s.kind);
	for (m = 0; m < nm; m++) {
		double runs = metric(cmp, m, LLMK_METRIC_RUNS), v;
		row = cli_table_row(&t);
		c = 0;
		errors_by_status(cmp, m, errs, sizeof(errs));
		cli_table_set(&t, row, c++, NULL, "%s", llmk_compare_model(cmp, m));
		if (pretty) {
			double lo = metric(cmp, m, LLMK_METRIC_LATENCY_MIN_MS),
			       hi = metric(cmp, m, LLMK_METRIC_LATENCY_MAX_MS);
			double t50 = metric(cmp, m, LLMK_METRIC_TTFT_P50_MS),
			       t90 = metric(cmp, m, LLMK_METRIC_TTFT_P90_MS);
			cli_table_set(&t, row, c++, NULL, "%.0f", runs);
			cli_table_set(&t, row, c++, *errs ? C_RED : NULL, "%s", *errs ? errs : "0");
			v = metric(cmp, m, LLMK_METRIC_LATENCY_P50_MS);
			num(&t, row, c++, 1, v, v >= 0, 0, " ms");
			v = metric(cmp, m, LLMK_METRIC_LATENCY_P90_MS);
			num(&t, row, c++, 1, v, v >= 0, 0, " ms");
			v = metric(cmp, m, LLMK_METRIC_LATENCY_P99_MS);
			num(&t, row, c++, 1, v, v >= 0, 0, " ms");
			if (lo >= 0)
				cli_table_set(&t, row, c++, NULL, "%.0f-%.0f", lo, hi);
			else
				cli_table_set(&t, row, c++, NULL, "-");
			if (t50 >= 0)
				cli_table_set(&t, row, c++, NULL, "%.0f/%.0f ms", t50, t90);
			else
				cli_table_set(&t, row, c++, NULL, "-");
			v = metric(cmp, m, LLMK_METRIC_TOKENS_PER_S);
			num(&t, row, c++, 1, v, v >= 0, 1, "");
			v = metric(cmp, m, LLMK_METRIC_THROUGHPUT_RPS);
			num(&t, row, c++, 1, v, v >= 0, 2, "");
			v = metric(cmp, m, LLMK_METRIC_COST_PER_1K_REQUESTS);
			if (v < 0 && metric(cmp, m, LLMK_METRIC_OK) > 0)
				cli_table_set(&t, row, c++, C_DIM, "unknown");
			else
				num(&t, row, c++, 1, v, v >= 0, 4, "");
			if (o->eval) {
				double sc = metric(cmp, m, LLMK_METRIC_SCORE),
				       se = metric(cmp, m, LLMK_METRIC_SCORE_STDERR);
				double pr = metric(cmp, m, LLMK_METRIC_PASS_RATE);
				if (sc < 0)
					cli_table_set(&t, row, c++, NULL, "-");
				else if (se < 0)
					cli_table_set(&t, row, c++, NULL, "%.2f", sc);
				else
					cli_table_set(&t, row, c++, NULL, "%.2f \xc2\xb1 %.2f", sc, se);
				if (pr < 0)
					cli_table_set(&t, row, c++, NULL, "-");
				else
					cli_table_set(&t, row, c++, NULL, "%.0f%% [%.0f, %.0f]", 100 * pr,
					              100 * metric(cmp, m, LLMK_METRIC_PASS_RATE_LOW),
					              100 * metric(cmp, m, LLMK_METRIC_PASS_RATE_HIGH));
				v = metric(cmp, m, LLMK_METRIC_COST_PER_CORRECT);
				num(&t, row, c++, 1, v, v >= 0, 6, "");
				v = metric(cmp, m, LLMK_METRIC_JUDGE_COST_USD);
				if (metric(cmp, m, LLMK_METRIC_JUDGE_CALLS) <= 0)
					cli_table_set(&t, row, c++, NULL, "-");
				else if (v < 0)
					cli_table_set(&t, row, c++, C_DIM, "unknown");
				else
					num(&t, row, c++, 1, v, 1, 6, "");
			}
			if (base) {
				char *cells[3] = {o->eval ? dscore : dlat, o->eval ? dlat : dttft, dcost};
				for (size_t i = 0; i < 3; i++) {
					double mean, lo2, hi2;
					size_t pairs;
					llmk_status st;
					int dec = paired[i] == LLMK_METRIC_COST_USD ? 6
					          : paired[i] == LLMK_METRIC_SCORE  ? 2
					                                            : 0;
					if ((size_t)o->baseline == m) {
						snprintf(cells[i], 64, "(baseline)");
					} else {
						st = llmk_compare_paired(&mean, &lo2, &hi2, &pairs, cmp, m,
						                         (size_t)o->baseline, paired[i]);
						if (st == LLMK_OK)
							snprintf(cells[i], 64, "%+.*f [%+.*f, %+.*f]", dec,
							         tidy(mean, dec), dec, tidy(lo2, dec), dec,
							         tidy(hi2, dec));
						else if (pairs == 1)
							snprintf(cells[i], 64, "%+.*f [n=1]", dec, tidy(mean, dec));
						else
							snprintf(cells[i], 64, "-");
					}
					cli_table_set(&t, row, c++, NULL, "%s", cells[i]);
				}
			}
		} else {
			static const int32_t ids[] = {LLMK_METRIC_RUNS,
			                              LLMK_METRIC_OK,
			                              LLMK_METRIC_ERROR_RATE,
			                              0 /* errors */,
			                              LLMK_METRIC_LATENCY_P50_MS,
			                              LLMK_METRIC_LATENCY_P90_MS,
			                              LLMK_METRIC_LATENCY_P99_MS,
			                              LLMK_METRIC_LATENCY_MIN_MS,
			                              LLMK_METRIC_LATENCY_MAX_MS,
			                              LLMK_METRIC_TTFT_P50_MS,
			                              LLMK_METRIC_TTFT_P90_MS,
			                              LLMK_METRIC_TTFT_P99_MS,
			                              LLMK_METRIC_TOKENS_PER_S,
			                              LLMK_METRIC_THROUGHPUT_RPS,
			                              LLMK_METRIC_THROUGHPUT_TOKENS_PER_S,
			                              LLMK_METRIC_COST_USD,
			                              LLMK_METRIC_COST_PER_1K_REQUESTS};
			static const int32_t eval_ids[] = {LLMK_METRIC_SCORE,
			                                   LLMK_METRIC_SCORE_STDERR,
			                                   LLMK_METRIC_PASSED,
			                                   LLMK_METRIC_PASS_RATE,
			                                   LLMK_METRIC_PASS_RATE_LOW,
			                                   LLMK_METRIC_PASS_RATE_HIGH,
			                                   LLMK_METRIC_COST_PER_CORRECT,
			                                   LLMK_METRIC_JUDGE_CALLS,
			                                   LLMK_METRIC_JUDGE_COST_USD};
			for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
				if (!ids[i]) {
					cli_table_set(&t, row, c++, NULL, "%s", errs);
					continue;
				}
				v = metric(cmp, m, ids[i]);
				num(&t, row, c++, 0, v, v >= 0, 0, "");
			}
			if (o->eval)
				for (size_t i = 0; i < sizeof(eval_ids) / sizeof(eval_ids[0]); i++) {
					v = metric(cmp, m, eval_ids[i]);
					num(&t, row, c++, 0, v, v >= 0, 0, "");
				}
			if (base) {
				size_t pairs = 0;
				cli_table_set(&t, row, c++, NULL, "%s", llmk_compare_model(cmp, (size_t)o->baseline));
				llmk_compare_paired(&(double){0}, &(double){0}, &(double){0}, &pairs, cmp, m,
				                    (size_t)o->baseline, paired[0]);
				num(&t, row, c++, 0, (double)pairs, 1, 0, "");
				for (size_t i = 0; i < 3; i++) {
					double mean, lo2, hi2;
					llmk_status st = llmk_compare_paired(&mean, &lo2, &hi2, &pairs, cmp, m,
					                                     (size_t)o->baseline, paired[i]);
					num(&t, row, c++, 0, mean, st == LLMK_OK || pairs == 1, 0, "");
					num(&t, row, c++, 0, lo2, st == LLMK_OK, 0, "");
					num(&t, row, c++, 0, hi2, st == LLMK_OK, 0, "");
				}
			}
		}
	}
	cli_table_print(&t, fp, o->format, o->color, 0);
	if (o->format == FMT_TABLE || o->format == FMT_MARKDOWN) {
		fprintf(fp, "%s", o->format == FMT_MARKDOWN ? "\n" : "");
		fprintf(fp,
		        "%slatency: successful runs; percentiles interpolated between ranks; pass: score >= %ld%%, "
		        "Wilson 95%% interval%s%s%s%s\n",
		        cli_c(o->color && o->format == FMT_TABLE, C_DIM), o->pass_percent,
		        base ? "; \xce\x94: paired difference against " : "",
		        base ? llmk_compare_model(cmp, (size_t)o->baseline) : "",
		        base ? " on the same cases, Student t 95% interval" : "",
		        cli_c(o->color && o->format == FMT_TABLE, C_RESET));
	}
	cli_table_free(&t);
	return 0;
}
