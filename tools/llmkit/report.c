/* llmkit compare|eval --report FILE.html: one self-contained HTML file that
 * works offline (no script, no font, no image or style sheet fetched: CSS
 * and inline SVG only): the figures per model, a quality-vs-cost and a
 * speed-vs-cost scatter, the latency and time-to-first-token distribution
 * of each model, failures by status, and the answers side by side per case.
 * Every figure comes from the comparison (llmk_compare_metric() and the
 * stored responses); every text is escaped. */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ANSWER (16 * 1024) /* bytes of an answer shown per cell */
#define CHART_W 560
#define CHART_H 320

static const char *const palette[] = {"#2563eb", "#dc2626", "#16a34a", "#d97706",
                                      "#7c3aed", "#0891b2", "#db2777", "#4b5563"};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* Text as HTML (also inside attributes); control characters but newline
 * and tab become spaces; at most max bytes (0: all), cut on a UTF-8
 * boundary with an ellipsis. */
static void esc(FILE *fp, const char *s, size_t max)
{
	size_t n = 0;

	for (; s && *s; s++, n++) {
		unsigned char c = (unsigned char)*s;
		if (max && n >= max && (c & 0xC0) != 0x80) {
			fputs("\xe2\x80\xa6", fp);
			return;
		}
		switch (c) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: fputc(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c, fp);
		}
	}
}

static const char *status_short(int32_t st)
{
	const char *n = llmk_status_name(st);
	return !strncmp(n, "LLMK_E_", 7) ? n + 7 : !strncmp(n, "LLMK_", 5) ? n + 5 : n;
}

static double metric(const llmk_compare *cmp, size_t m, int32_t id)
{
	return llmk_compare_metric(cmp, m, id);
}

/* A figure cell: "-" when unknown. */
static void cell(FILE *fp, double v, const char *prefix, int decimals, const char *suffix)
{
	fputs("<td class=num>", fp);
	if (v < 0)
		fputs("&ndash;", fp);
	else
		fprintf(fp, "%s%.*f%s", prefix, decimals, v, suffix);
	fputs("</td>", fp);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Type-7 quantile of sorted v (as the library's percentiles). */
static double quantile(const double *v, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t i = (size_t)h;

	return i + 1 < n ? v[i] + (h - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

/* The successful runs' latencies (ttft: times to first token) of a model,
 * sorted; *n of them. free() the array. */
static double *samples(const llmk_compare *cmp, size_t m, size_t repeat, int ttft, size_t *n)
{
	size_t k, r, nk = llmk_compare_case_count(cmp);
	double *v = malloc((nk * repeat + 1) * sizeof(*v)), x;
	const llmk_response *resp;

	*n = 0;
	if (!v)
		return NULL;
	for (k = 0; k < nk; k++)
		for (r = 0; r < repeat; r++) {
			resp = llmk_compare_response(cmp, m, k, r);
			if (!resp || llmk_response_status(resp) != LLMK_OK)
				continue;
			x = llmk_response_timing(resp, ttft ? LLMK_TIMING_FIRST_TOKEN_MS : LLMK_TIMING_TOTAL_MS);
			if (x >= 0)
				v[(*n)++] = x;
		}
	qsort(v, *n, sizeof(*v), cmp_double);
	return v;
}

/* ---- axes ------------------------------------------------------------------------- */

typedef struct axis {
	double lo, hi;
	int log; /* log10 scale */
	int px0, px1;
} axis;

static void axis_fit(axis *a, double lo, double hi, int allow_log)
{
	a->log = allow_log && lo > 0 && hi / lo > 20;
	if (a->log) {
		a->lo = pow(10, floor(log10(lo)));
		a->hi = pow(10, ceil(log10(hi)));
	} else {
		double span = hi - lo > 0 ? hi - lo : (hi > 0 ? hi : 1), step = pow(10, floor(log10(span)));
		if (span / step < 3)
			step /= 2;
		a->lo = lo >= 0 && lo - span * 0.1 < 0 ? 0 : floor((lo - span * 0.1) / step) * step;
		a->hi = ceil((hi + span * 0.1) / step) * step;
		if (a->hi <= a->lo)
			a->hi = a->lo + 1;
	}
}

static double axis_px(const axis *a, double v)
{
	double t = a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo)) : (v - a->lo) / (a->hi - a->lo);
	return a->px0 + t * (a->px1 - a->px0);
}

static void fmt_tick(char *buf, size_t cap, double v)
{
	if (v != 0 && (fabs(v) < 0.01 || fabs(v) >= 1e6))
		snprintf(buf, cap, "%.0e", v);
	else
		snprintf(buf, cap, "%g", v);
}

/* Ticks and grid lines; horizontal: along x at the bottom, else along y. */
static void axis_draw(FILE *fp, const axis *a, int horizontal, int other0, int other1, const char *label)
{
	char t[32];
	int i, n = 5;
	double v, p;

	for (i = 0; i <= n; i++) {
		v = a->log ? pow(10, log10(a->lo) + (log10(a->hi) - log10(a->lo)) * i / n)
		           : a->lo + (a->hi - a->lo) * i / n;
		p = axis_px(a, v);
		fmt_tick(t, sizeof(t), v);
		if (horizontal)
			fprintf(fp,
			        "<line class=grid x1=%.1f y1=%d x2=%.1f y2=%d></line>"
			        "<text x=%.1f y=%d text-anchor=middle>%s</text>",
			        p, other0, p, other1, p, other1 + 16, t);
		else
			fprintf(fp,
			        "<line class=grid x1=%d y1=%.1f x2=%d y2=%.1f></line>"
			        "<text x=%d y=%.1f text-anchor=end>%s</text>",
			        other0, p, other1, p, other0 - 6, p + 4, t);
	}
	if (horizontal)
		fprintf(fp, "<text class=label x=%d y=%d text-anchor=middle>", (a->px0 + a->px1) / 2, other1 + 34);
	else
		fprintf(fp, "<text class=label x=14 y=%d text-anchor=middle transform=\"rotate(-90 14 %d)\">",
		        (a->px0 + a->px1) / 2, (a->px0 + a->px1) / 2);
	esc(fp, label, 0);
	fputs("</text>", fp);
}

/* ---- charts ------------------------------------------------------------------------- */

/* y against x per model (cost per 1,000 requests on x); models without
 * both figures are named under the chart. */
static void scatter(FILE *fp, const llmk_compare *cmp, const char *title, int32_t ymetric, const char *ylabel,
                    int yunit)
{
	size_t m, nm = llmk_compare_model_count(cmp), shown = 0;
	double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = -INFINITY, x, y;
	axis ax = {0, 0, 0, 70, CHART_W - 20}, ay = {0, 0, 0, CHART_H - 50, 20};
	int first_missing = 1;

	for (m = 0; m < nm; m++) {
		x = metric(cmp, m, LLMK_METRIC_COST_PER_1K_REQUESTS);
		y = metric(cmp, m, ymetric);
		if (x < 0 || y < 0)
			continue;
		xlo = fmin(xlo, x), xhi = fmax(xhi, x), ylo = fmin(ylo, y), yhi = fmax(yhi, y);
		shown++;
	}
	fprintf(fp, "<figure><figcaption>");
	esc(fp, title, 0);
	fputs("</figcaption>", fp);
	if (!shown) {
		fputs("<p class=note>No model has both figures.</p>", fp);
	} else {
		axis_fit(&ax, xlo > 0 ? xlo : 0, xhi > 0 ? xhi : 1, xlo > 0);
		if (yunit)
			ylo = 0, yhi = 1;
		axis_fit(&ay, ylo, yhi, 0);
		if (yunit)
			ay.lo = 0, ay.hi = 1;
		fprintf(fp, "<svg class=chart viewBox=\"0 0 %d %d\" width=%d height=%d role=img>", CHART_W, CHART_H,
		        CHART_W, CHART_H);
		axis_draw(fp, &ax, 1, 20, CHART_H - 50, "USD per 1,000 requests");
		axis_draw(fp, &ay, 0, 70, CHART_W - 20, ylabel);
		for (m = 0; m < nm; m++) {
			x = metric(cmp, m, LLMK_METRIC_COST_PER_1K_REQUESTS);
			y = metric(cmp, m, ymetric);
			if (x < 0 || y < 0)
				continue;
			fprintf(fp, "<circle class=point cx=%.1f cy=%.1f r=6 fill=\"%s\"><title>", axis_px(&ax, x),
			        axis_px(&ay, y), palette[m % NPALETTE]);
			esc(fp, llmk_compare_model(cmp, m), 0);
			fprintf(fp, ": $%.4f per 1,000, %.3g</title></circle>", x, y);
			if (axis_px(&ax, x) > CHART_W * 0.6)
				fprintf(fp, "<text x=%.1f y=%.1f class=pointlabel text-anchor=end>",
				        axis_px(&ax, x) - 9, axis_px(&ay, y) - 7);
			else
				fprintf(fp, "<text x=%.1f y=%.1f class=pointlabel>", axis_px(&ax, x) + 9,
				        axis_px(&ay, y) - 7);
			esc(fp, llmk_compare_model(cmp, m), 60);
			fputs("</text>", fp);
		}
		fputs("</svg>", fp);
	}
	for (m = 0; m < nm; m++)
		if (metric(cmp, m, LLMK_METRIC_COST_PER_1K_REQUESTS) < 0 || metric(cmp, m, ymetric) < 0) {
			fputs(first_missing ? "<p class=note>Not shown (cost or figure unknown): " : ", ", fp);
			esc(fp, llmk_compare_model(cmp, m), 0);
			first_missing = 0;
		}
	if (!first_missing)
		fputs("</p>", fp);
	fputs("</figure>\n", fp);
}

/* One row per model: every run as a dot, the box from p25 to p75, the
 * median as a bar, whiskers to min and max, p90 as a tick. */
static void distribution(FILE *fp, const llmk_compare *cmp, size_t repeat, int ttft)
{
	size_t m, nm = llmk_compare_model_count(cmp), n, i, any = 0;
	double hi = 0, **v = calloc(nm + 1, sizeof(*v));
	size_t *cnt = calloc(nm + 1, sizeof(*cnt));
	int row_h = 34, h = (int)nm * row_h + 60, left = 250;
	axis ax = {0, 0, 0, 0, CHART_W + 260 - 20};

	if (!v || !cnt)
		goto out;
	ax.px0 = left;
	for (m = 0; m < nm; m++) {
		v[m] = samples(cmp, m, repeat, ttft, &cnt[m]);
		if (v[m] && cnt[m]) {
			hi = fmax(hi, v[m][cnt[m] - 1]);
			any++;
		}
	}
	fprintf(fp, "<figure><figcaption>%s per model (successful runs; ms)</figcaption>",
	        ttft ? "Time to first token" : "Latency");
	if (!any) {
		fprintf(fp, "<p class=note>%s</p></figure>\n",
		        ttft ? "No time to first token: the answers were not streamed." : "No successful run.");
		goto out;
	}
	axis_fit(&ax, 0, hi, 0);
	fprintf(fp, "<svg class=chart viewBox=\"0 0 %d %d\" width=%d height=%d role=img>", CHART_W + 260, h,
	        CHART_W + 260, h);
	axis_draw(fp, &ax, 1, 10, h - 40, "milliseconds");
	for (m = 0; m < nm; m++) {
		int y = 10 + (int)m * row_h + row_h / 2;
		const char *c = palette[m % NPALETTE];
		n = cnt[m];
		fprintf(fp, "<text x=%d y=%d text-anchor=end class=rowlabel>", left - 8, y + 4);
		esc(fp, llmk_compare_model(cmp, m), 33);
		fputs("</text>", fp);
		if (!n)
			continue;
		fprintf(fp, "<g class=dist><title>");
		esc(fp, llmk_compare_model(cmp, m), 0);
		fprintf(fp, ": %zu runs, min %.0f, p50 %.0f, p90 %.0f, max %.0f ms</title>", n, v[m][0],
		        quantile(v[m], n, 0.5), quantile(v[m], n, 0.9), v[m][n - 1]);
		fprintf(fp, "<line x1=%.1f y1=%d x2=%.1f y2=%d stroke=\"%s\"></line>", axis_px(&ax, v[m][0]), y,
		        axis_px(&ax, v[m][n - 1]), y, c);
		fprintf(fp,
		        "<rect x=%.1f y=%d width=%.1f height=%d fill=\"%s\" fill-opacity=0.18 stroke=\"%s\"></rect>",
		        axis_px(&ax, quantile(v[m], n, 0.25)), y - 9,
		        fmax(1, axis_px(&ax, quantile(v[m], n, 0.75)) - axis_px(&ax, quantile(v[m], n, 0.25))), 18, c,
		        c);
		fprintf(fp, "<line x1=%.1f y1=%d x2=%.1f y2=%d stroke=\"%s\" stroke-width=3></line>",
		        axis_px(&ax, quantile(v[m], n, 0.5)), y - 11, axis_px(&ax, quantile(v[m], n, 0.5)), y + 11, c);
		fprintf(fp, "<line x1=%.1f y1=%d x2=%.1f y2=%d stroke=\"%s\" stroke-dasharray=\"2 2\"></line>",
		        axis_px(&ax, quantile(v[m], n, 0.9)), y - 11, axis_px(&ax, quantile(v[m], n, 0.9)), y + 11, c);
		for (i = 0; i < n; i++)
			fprintf(fp, "<circle cx=%.1f cy=%d r=2.5 fill=\"%s\" fill-opacity=0.7></circle>",
			        axis_px(&ax, v[m][i]), y, c);
		fputs("</g>", fp);
	}
	fputs("</svg><p class=note>Box: 25th to 75th percentile; thick bar: median; dashed: 90th percentile; "
	      "whiskers: fastest and slowest; dots: every run.</p></figure>\n",
	      fp);
out:
	for (m = 0; v && m < nm; m++)
		free(v[m]);
	free(v);
	free(cnt);
}

/* A stacked bar per model: successes and each failure status. */
static void failures(FILE *fp, const llmk_compare *cmp)
{
	size_t m, nm = llmk_compare_model_count(cmp), n;
	int32_t st, used[64] = {0};
	int row_h = 30, h = (int)nm * row_h + 90, left = 250, nused = 0, i;
	double runs_max = 0, x;
	static const char *const fail_colors[] = {"#dc2626", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#4b5563"};
	axis ax = {0, 0, 0, 0, CHART_W + 260 - 20};

	ax.px0 = left;
	for (m = 0; m < nm; m++)
		runs_max = fmax(runs_max, metric(cmp, m, LLMK_METRIC_RUNS));
	for (st = 1; st < 64; st++)
		for (m = 0; m < nm; m++)
			if (strcmp(llmk_status_name(st), "LLMK_E_UNKNOWN_STATUS") &&
			    llmk_compare_status_count(cmp, m, st)) {
				used[nused++] = st;
				break;
			}
	fputs("<figure><figcaption>Runs by outcome</figcaption>", fp);
	if (runs_max <= 0) {
		fputs("<p class=note>No run finished.</p></figure>\n", fp);
		return;
	}
	axis_fit(&ax, 0, runs_max, 0);
	ax.hi = runs_max;
	fprintf(fp, "<svg class=chart viewBox=\"0 0 %d %d\" width=%d height=%d role=img>", CHART_W + 260, h,
	        CHART_W + 260, h);
	axis_draw(fp, &ax, 1, 10, h - 70, "runs");
	for (m = 0; m < nm; m++) {
		int y = 10 + (int)m * row_h + 5;
		fprintf(fp, "<text x=%d y=%d text-anchor=end class=rowlabel>", left - 8, y + 14);
		esc(fp, llmk_compare_model(cmp, m), 33);
		fputs("</text>", fp);
		x = left;
		n = llmk_compare_status_count(cmp, m, LLMK_OK);
		if (n) {
			fprintf(fp,
			        "<rect x=%.1f y=%d width=%.1f height=20 fill=\"#16a34a\"><title>ok: %zu</title></rect>",
			        x, y, axis_px(&ax, (double)n) - left, n);
			x = axis_px(&ax, (double)n);
		}
		for (i = 0; i < nused; i++) {
			n = llmk_compare_status_count(cmp, m, used[i]);
			if (!n)
				continue;
			fprintf(fp,
			        "<rect class=fail x=%.1f y=%d width=%.1f height=20 fill=\"%s\"><title>%s: "
			        "%zu</title></rect>",
			        x, y, axis_px(&ax, (double)n) - left, fail_colors[i % 6], status_short(used[i]), n);
			x += axis_px(&ax, (double)n) - left;
		}
	}
	/* legend */
	{
		int lx = left, ly = h - 6;
		fprintf(fp, "<rect x=%d y=%d width=12 height=12 fill=\"#16a34a\"></rect><text x=%d y=%d>ok</text>", lx,
		        ly - 10, lx + 16, ly);
		lx += 50;
		for (i = 0; i < nused; i++) {
			fprintf(fp, "<rect x=%d y=%d width=12 height=12 fill=\"%s\"></rect><text x=%d y=%d>%s</text>",
			        lx, ly - 10, fail_colors[i % 6], lx + 16, ly, status_short(used[i]));
			lx += 30 + 8 * (int)strlen(status_short(used[i]));
		}
	}
	fputs("</svg></figure>\n", fp);
}

/* ---- tables ---------------------------------------------------------------------- */

static void summary(FILE *fp, const llmk_compare *cmp, int eval)
{
	size_t m, nm = llmk_compare_model_count(cmp);
	int32_t st;
	int judged = 0;

	for (m = 0; m < nm; m++)
		judged |= metric(cmp, m, LLMK_METRIC_JUDGE_CALLS) > 0;

	fputs("<div class=scroll><table class=summary><thead><tr><th>model</th><th>runs</th><th>errors</th><th>latency "
	      "p50</th>"
	      "<th>p90</th><th>p99</th><th>TTFT p50</th><th>tok/s</th><th>cost</th><th>$ / 1,000 req</th>",
	      fp);
	if (eval)
		fprintf(fp, "<th>score &plusmn; se</th><th>pass [95%% CI]</th><th>$ / correct</th>%s",
		        judged ? "<th>judge $</th>" : "");
	fputs("</tr></thead><tbody>\n", fp);
	for (m = 0; m < nm; m++) {
		double ok = metric(cmp, m, LLMK_METRIC_OK), cost = metric(cmp, m, LLMK_METRIC_COST_USD);
		int any = 0;
		fprintf(fp, "<tr><td><span class=swatch style=\"background:%s\"></span>", palette[m % NPALETTE]);
		esc(fp, llmk_compare_model(cmp, m), 0);
		fprintf(fp, "</td><td class=num>%.0f</td><td>", metric(cmp, m, LLMK_METRIC_RUNS));
		for (st = 1; st < 64; st++) {
			size_t n;
			if (!strcmp(llmk_status_name(st), "LLMK_E_UNKNOWN_STATUS") ||
			    !(n = llmk_compare_status_count(cmp, m, st)))
				continue;
			fprintf(fp, "%s<span class=bad>%s %zu</span>", any ? " " : "", status_short(st), n);
			any = 1;
		}
		if (!any)
			fputs("0", fp);
		fputs("</td>", fp);
		cell(fp, metric(cmp, m, LLMK_METRIC_LATENCY_P50_MS), "", 0, " ms");
		cell(fp, metric(cmp, m, LLMK_METRIC_LATENCY_P90_MS), "", 0, " ms");
		cell(fp, metric(cmp, m, LLMK_METRIC_LATENCY_P99_MS), "", 0, " ms");
		cell(fp, metric(cmp, m, LLMK_METRIC_TTFT_P50_MS), "", 0, " ms");
		cell(fp, metric(cmp, m, LLMK_METRIC_TOKENS_PER_S), "", 1, "");
		if (ok > 0 && cost < 0)
			fputs("<td class=num>unknown</td><td class=num>unknown</td>", fp);
		else {
			cell(fp, ok > 0 ? cost : -1, "$", 6, "");
			cell(fp, metric(cmp, m, LLMK_METRIC_COST_PER_1K_REQUESTS), "$", 4, "");
		}
		if (eval) {
			double sc = metric(cmp, m, LLMK_METRIC_SCORE), se = metric(cmp, m, LLMK_METRIC_SCORE_STDERR);
			double pr = metric(cmp, m, LLMK_METRIC_PASS_RATE);
			if (sc < 0)
				fputs("<td class=num>&ndash;</td>", fp);
			else if (se < 0)
				fprintf(fp, "<td class=num>%.2f</td>", sc);
			else
				fprintf(fp, "<td class=num>%.2f &plusmn; %.2f</td>", sc, se);
			if (pr < 0)
				fputs("<td class=num>&ndash;</td>", fp);
			else
				fprintf(fp, "<td class=num>%.0f%% [%.0f, %.0f]</td>", 100 * pr,
				        100 * metric(cmp, m, LLMK_METRIC_PASS_RATE_LOW),
				        100 * metric(cmp, m, LLMK_METRIC_PASS_RATE_HIGH));
			cell(fp, metric(cmp, m, LLMK_METRIC_COST_PER_CORRECT), "$", 6, "");
			if (judged)
				cell(fp,
				     metric(cmp, m, LLMK_METRIC_JUDGE_CALLS) > 0
				             ? metric(cmp, m, LLMK_METRIC_JUDGE_COST_USD)
				             : -1,
				     "$", 6, "");
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table></div>\n", fp);
}

/* The text of the last user message of a case's request. */
static void prompt_of(FILE *fp, const llmk_compare *cmp, size_t k, const cli_report_info *info)
{
	const llmk_request *r = llmk_compare_case_request(cmp, k);
	size_t i, p, n;

	(void)info;
	if (!r)
		return;
	for (i = llmk_request_message_count(r); i-- > 0;)
		if (llmk_request_message_role(r, i) == LLMK_ROLE_USER) {
			n = llmk_request_part_count(r, i);
			for (p = 0; p < n; p++)
				if (llmk_request_part_type(r, i, p) == LLMK_PART_TEXT)
					esc(fp, llmk_request_part_text(r, i, p), 4000);
			return;
		}
}

static void answers(FILE *fp, const llmk_compare *cmp, const cli_report_info *info)
{
	size_t k, m, nk = llmk_compare_case_count(cmp), nm = llmk_compare_model_count(cmp);
	size_t shown = nk > info->max_cases ? info->max_cases : nk;

	fprintf(fp, "<h2>Answers side by side</h2>\n<p class=note>The first run of each case%s.",
	        info->repeat > 1 ? " (of several)" : "");
	if (shown < nk)
		fprintf(fp, " The first %zu of %zu cases.", shown, nk);
	fputs("</p>\n", fp);
	for (k = 0; k < shown; k++) {
		fprintf(fp, "<section class=case><h3>Case %zu</h3><div class=prompt>", k + 1);
		prompt_of(fp, cmp, k, info);
		fputs("</div>", fp);
		if (llmk_compare_case_expected(cmp, k)) {
			fputs("<div class=expected>expected: ", fp);
			esc(fp, llmk_compare_case_expected(cmp, k), 2000);
			fputs("</div>", fp);
		}
		fputs("<div class=grid>", fp);
		for (m = 0; m < nm; m++) {
			const llmk_response *r = llmk_compare_response(cmp, m, k, 0);
			double score = llmk_compare_score(cmp, m, k, 0);
			const char *why = llmk_compare_judge_reason(cmp, m, k, 0);
			int ok = r && llmk_response_status(r) == LLMK_OK;
			fprintf(fp, "<div class=answer style=\"border-top-color:%s\"><div class=head>",
			        palette[m % NPALETTE]);
			esc(fp, llmk_compare_model(cmp, m), 0);
			if (r)
				fprintf(fp, " <span class=meta>%.0f ms</span>",
				        llmk_response_timing(r, LLMK_TIMING_TOTAL_MS));
			if (score >= 0)
				fprintf(fp, " <span class=\"score %s\">score %.2f</span>",
				        score >= 0.5 ? "good" : "bad", score);
			fputs("</div>", fp);
			if (!r)
				fputs("<div class=\"text bad\">(not run)</div>", fp);
			else if (!ok) {
				fprintf(fp, "<div class=\"text bad\">%s: ", status_short(llmk_response_status(r)));
				esc(fp, llmk_response_error(r), 2000);
				fputs("</div>", fp);
			} else {
				fputs("<div class=text>", fp);
				esc(fp, llmk_response_text(r), MAX_ANSWER);
				fputs("</div>", fp);
			}
			if (why) {
				fputs("<div class=why>judge: ", fp);
				esc(fp, why, 2000);
				fputs("</div>", fp);
			}
			fputs("</div>", fp);
		}
		fputs("</div></section>\n", fp);
	}
}

static const char css[] =
        "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#111827;margin:24px auto;"
        "max-width:1200px;padding:0 16px;background:#fff}"
        "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb}"
        "h3{font-size:15px;margin:0 0 6px}.sub{color:#6b7280;margin:0 0 16px}"
        "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}"
        "th,td{padding:5px 8px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}"
        "th{background:#f9fafb;font-weight:600;white-space:nowrap}td.num{text-align:right;white-space:nowrap}"
        ".scroll{overflow-x:auto}table.summary{font-size:12px}table.summary th,table.summary td{padding:4px "
        "6px}table.summary td:first-child{min-width:200px}"
        ".swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}"
        ".bad{color:#b91c1c}.good{color:#15803d}.note{color:#6b7280;font-size:12px;margin:4px 0}"
        ".charts{display:flex;flex-wrap:wrap;gap:24px}figure{margin:0}"
        "figcaption{font-weight:600;margin:0 0 4px}"
        "svg.chart{background:#fff;border:1px solid #e5e7eb;border-radius:6px;max-width:100%;height:auto}"
        "svg text{font:11px system-ui,sans-serif;fill:#374151}svg text.label{font-size:12px;fill:#111827}"
        "svg text.pointlabel{font-size:11px;fill:#111827}svg text.rowlabel{font-size:12px}"
        "svg line.grid{stroke:#f3f4f6}"
        ".case{margin:16px 0;padding:12px;border:1px solid #e5e7eb;border-radius:8px}"
        ".prompt{white-space:pre-wrap;background:#f9fafb;padding:8px;border-radius:6px}"
        ".expected{color:#374151;margin:6px 0;font-size:13px}"
        ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:10px;margin-top:8px}"
        ".answer{border:1px solid #e5e7eb;border-top:4px solid;border-radius:6px;padding:8px}"
        ".answer .head{font-weight:600;margin-bottom:4px}.meta{color:#6b7280;font-weight:400}"
        ".score{font-weight:600}.text{white-space:pre-wrap;overflow-wrap:anywhere}"
        ".why{color:#4b5563;font-size:12px;margin-top:6px;border-top:1px dashed #e5e7eb;padding-top:4px}"
        "footer{color:#9ca3af;font-size:12px;margin:32px 0 8px}";

int cli_report_write(const char *cmd, const char *path, const llmk_compare *cmp, const cli_report_info *info)
{
	FILE *fp = fopen(path, "w");
	size_t nm = llmk_compare_model_count(cmp);
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	if (!fp) {
		cli_error(cmd, "--report %s: cannot be written", path);
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
	      "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
	      "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">"
	      "<title>",
	      fp);
	fprintf(fp, "llmkit %s: %zu model%s</title><style>%s</style></head><body>\n", info->eval ? "eval" : "compare",
	        nm, nm == 1 ? "" : "s", css);
	fprintf(fp, "<h1>llmkit %s</h1><p class=sub>", info->eval ? "eval" : "compare");
	if (info->source) {
		esc(fp, info->source, 200);
		fputs(" &middot; ", fp);
	}
	fprintf(fp, "%zu model%s &middot; %zu case%s &middot; %zu run%s each &middot; %s &middot; prices of %s</p>\n",
	        nm, nm == 1 ? "" : "s", llmk_compare_case_count(cmp), llmk_compare_case_count(cmp) == 1 ? "" : "s",
	        info->repeat, info->repeat == 1 ? "" : "s", when, llmk_model_table_date());
	fputs("<h2>Per model</h2>\n", fp);
	summary(fp, cmp, info->eval);
	fputs("<p class=note>Latency and tokens per second over successful runs; percentiles interpolated between "
	      "ranks. "
	      "Cost from the built-in price table (docs/PRICES.md), a failed run costing nothing.",
	      fp);
	if (info->eval)
		fprintf(fp,
		        " A run passes with a score of at least %ld%%; pass-rate interval: Wilson 95%%; the judge's "
		        "cost "
		        "is not in the cost columns.",
		        info->pass_percent);
	fputs("</p>\n<h2>Quality, speed and cost</h2>\n<div class=charts>\n", fp);
	if (info->eval)
		scatter(fp, cmp, "Quality against cost", LLMK_METRIC_SCORE, "mean score", 1);
	scatter(fp, cmp, "Speed against cost", LLMK_METRIC_TOKENS_PER_S, "output tokens per second (median)", 0);
	fputs("</div>\n<h2>Latency</h2>\n", fp);
	distribution(fp, cmp, info->repeat, 0);
	distribution(fp, cmp, info->repeat, 1);
	fputs("<h2>Failures</h2>\n", fp);
	failures(fp, cmp);
	answers(fp, cmp, info);
	fprintf(fp, "<footer>Made by llmkit %s (libllmkit %s). A single file: no script, nothing fetched.</footer>\n",
	        LLMK_VERSION_STRING, llmk_version());
	fputs("</body></html>\n", fp);
	if (fclose(fp) != 0) {
		cli_error(cmd, "--report %s: write error", path);
		return -1;
	}
	return 0;
}
