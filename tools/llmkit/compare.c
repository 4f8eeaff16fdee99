/* llmkit compare and eval: several models at once through llmk_compare, with
 * a table that fills in as results arrive. On a terminal the table is
 * redrawn in place (ANSI cursor movement); otherwise one plain line per
 * finished run goes to stderr and the table is printed at the end. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat_opts.h"
#include "history.h"
#include "report.h"
#include "stats_table.h"

#define MAX_MODELS 32
#define PREVIEW_COLS 60 /* widest answer preview in a table */

typedef struct live {
	const char *cmd;
	int eval; /* eval columns (score) instead of compare's */
	int format;
	int redraw; /* a terminal: redraw in place */
	int color;
	size_t lines;       /* lines of the last frame */
	size_t done, total; /* runs */
	size_t repeat;
	cli_stats_opts stats; /* --stats / --baseline: the statistics table at the end */
	int want_stats;
	int batch; /* eval --batch: progress lines on stderr, so no redrawing */
	cli_table t;
} live;

static const char *compare_head[] = {"model", "status", "latency", "ttft", "tok/s", "tokens in/out", "cost", "answer"};
static const int compare_kind[] = {COL_LEFT, COL_LEFT, COL_RIGHT, COL_RIGHT, COL_RIGHT, COL_RIGHT, COL_RIGHT, COL_LEFT};
static const char *compare_mhead[] = {"model",         "status",   "runs",         "ok",
                                      "latency_ms",    "ttft_ms",  "tokens_per_s", "input_tokens",
                                      "output_tokens", "cost_usd", "answer"};
static const int compare_mkind[] = {COL_LEFT,   COL_LEFT,   COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER,
                                    COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_LEFT};
static const char *eval_head[] = {"model", "score", "status", "latency", "tok/s", "tokens in/out", "cost"};
static const int eval_kind[] = {COL_LEFT, COL_RIGHT, COL_LEFT, COL_RIGHT, COL_RIGHT, COL_RIGHT, COL_RIGHT};
static const char *eval_mhead[] = {"model",      "score",        "status",       "runs",          "ok",
                                   "latency_ms", "tokens_per_s", "input_tokens", "output_tokens", "cost_usd"};
static const int eval_mkind[] = {COL_LEFT,   COL_NUMBER, COL_LEFT,   COL_NUMBER, COL_NUMBER,
                                 COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER};

static const char *short_status(llmk_status st)
{
	const char *n = llmk_status_name(st);
	return !strncmp(n, "LLMK_E_", 7) ? n + 7 : !strncmp(n, "LLMK_", 5) ? n + 5 : n;
}

/* The first finished response of a model (an OK one if any). */
static const llmk_response *first_response(const llmk_compare *cmp, size_t m, size_t repeat, int want_ok)
{
	size_t k, r, nk = llmk_compare_case_count(cmp);
	const llmk_response *resp;

	for (k = 0; k < nk; k++)
		for (r = 0; r < repeat; r++) {
			resp = llmk_compare_response(cmp, m, k, r);
			if (resp && (!want_ok || llmk_response_status(resp) == LLMK_OK))
				return resp;
		}
	return NULL;
}

/* Status cell: progress, "ok", the failure, or "ok 2/3". */
static const char *status_cell(live *L, const llmk_compare *cmp, size_t m, char *buf, size_t cap)
{
	double runs = llmk_compare_metric(cmp, m, LLMK_METRIC_RUNS), ok = llmk_compare_metric(cmp, m, LLMK_METRIC_OK);
	size_t want = L->repeat * llmk_compare_case_count(cmp);
	const llmk_response *fail;

	if (runs < (double)want && L->format == FMT_TABLE) {
		snprintf(buf, cap, "running %.0f/%zu", runs < 0 ? 0 : runs, want);
		return C_DIM;
	}
	if (ok == runs) {
		snprintf(buf, cap, "ok");
		return C_GREEN;
	}
	if (ok <= 0) {
		fail = first_response(cmp, m, L->repeat, 0);
		snprintf(buf, cap, "%s", fail ? short_status(llmk_response_status(fail)) : "failed");
		return C_RED;
	}
	snprintf(buf, cap, "ok %.0f/%.0f", ok, runs);
	return C_YELLOW;
}

static void num_cell(live *L, size_t row, size_t col, double v, const char *prefix, int decimals, const char *unit)
{
	if (v < 0)
		cli_table_set(&L->t, row, col, NULL, "%s", L->format == FMT_TABLE ? "-" : "");
	else if (L->format == FMT_TABLE)
		cli_table_set(&L->t, row, col, NULL, "%s%.*f%s", prefix, decimals, v, unit);
	else
		cli_table_set(&L->t, row, col, NULL, "%.6g", v);
}

static void fill(live *L, const llmk_compare *cmp)
{
	size_t m, nm = llmk_compare_model_count(cmp), row, col;
	int pretty = L->format == FMT_TABLE;

	cli_table_clear(&L->t);
	for (m = 0; m < nm; m++) {
		char status[64];
		const char *sc = status_cell(L, cmp, m, status, sizeof(status));
		double runs = llmk_compare_metric(cmp, m, LLMK_METRIC_RUNS);
		double in = llmk_compare_metric(cmp, m, LLMK_METRIC_INPUT_TOKENS);
		double out = llmk_compare_metric(cmp, m, LLMK_METRIC_OUTPUT_TOKENS);
		double cost = llmk_compare_metric(cmp, m, LLMK_METRIC_COST_USD);
		double ok = llmk_compare_metric(cmp, m, LLMK_METRIC_OK);

		row = cli_table_row(&L->t);
		col = 0;
		cli_table_set(&L->t, row, col++, NULL, "%s", llmk_compare_model(cmp, m));
		if (L->eval) {
			double score = llmk_compare_metric(cmp, m, LLMK_METRIC_SCORE);
			num_cell(L, row, col++, score, "", 2, "");
		}
		cli_table_set(&L->t, row, col++, sc, "%s", status);
		if (!pretty) {
			num_cell(L, row, col++, runs, "", 0, "");
			num_cell(L, row, col++, ok, "", 0, "");
		}
		num_cell(L, row, col++, llmk_compare_metric(cmp, m, LLMK_METRIC_LATENCY_MS), "", 0, " ms");
		if (!L->eval)
			num_cell(L, row, col++, llmk_compare_metric(cmp, m, LLMK_METRIC_TTFT_MS), "", 0, " ms");
		num_cell(L, row, col++, llmk_compare_metric(cmp, m, LLMK_METRIC_TOKENS_PER_S), "", 1, "");
		if (pretty) {
			if (ok > 0 && in >= 0 && out >= 0)
				cli_table_set(&L->t, row, col++, NULL, "%.0f/%.0f", in, out);
			else
				cli_table_set(&L->t, row, col++, NULL, "-");
		} else {
			num_cell(L, row, col++, ok > 0 ? in : -1, "", 0, "");
			num_cell(L, row, col++, ok > 0 ? out : -1, "", 0, "");
		}
		if (pretty && ok > 0 && cost < 0)
			cli_table_set(&L->t, row, col++, C_DIM, "unknown");
		else
			num_cell(L, row, col++, ok > 0 ? cost : -1, "$", 6, "");
		if (!L->eval) {
			const llmk_response *r = first_response(cmp, m, L->repeat, 1);
			/* a preview in the table (the live one cuts it to the screen);
			 * the whole text in the other formats */
			const char *text = r ? llmk_response_text(r) : NULL, *color = NULL;
			size_t len;
			if (!r && (r = first_response(cmp, m, L->repeat, 0)) != NULL) {
				text = llmk_response_error(r);
				color = C_RED;
			}
			len = text ? strlen(text) : 0;
			if (text && pretty && cli_utf8_width(text) > PREVIEW_COLS)
				cli_table_set(&L->t, row, col++, color, "%.*s...",
				              (int)cli_utf8_cut(text, PREVIEW_COLS - 3), text);
			else if (text)
				cli_table_set(&L->t, row, col++, color, "%.*s", (int)len, text);
			else
				cli_table_set(&L->t, row, col++, NULL, "%s", "");
		}
	}
}

static void draw(live *L, const llmk_compare *cmp)
{
	int cols = cli_term_cols(STDOUT_FILENO);

	fill(L, cmp);
	if (L->lines)
		printf("\033[%zuA\r", L->lines);
	L->lines = cli_table_print(&L->t, stdout, FMT_TABLE, L->color, cols > 1 ? cols - 1 : 79);
	printf("%s%zu/%zu runs done%s\033[K\n", cli_c(L->color, C_DIM), L->done, L->total, cli_c(L->color, C_RESET));
	L->lines++;
	fflush(stdout);
}

static void on_result(const llmk_compare *cmp, size_t model, size_t case_index, size_t run, const llmk_response *resp,
                      void *user)
{
	live *L = user;
	llmk_status st = llmk_response_status(resp);

	L->done++;
	if (L->redraw) {
		draw(L, cmp);
		return;
	}
	fprintf(stderr, "llmkit %s: %s", L->cmd, llmk_compare_model(cmp, model));
	if (llmk_compare_case_count(cmp) > 1)
		fprintf(stderr, " case %zu", case_index + 1);
	if (L->repeat > 1)
		fprintf(stderr, " run %zu", run + 1);
	if (st == LLMK_OK)
		fprintf(stderr, ": ok in %.0f ms", llmk_response_timing(resp, LLMK_TIMING_TOTAL_MS));
	else {
		char *msg = cli_clean(llmk_response_error(resp));
		fprintf(stderr, ": %s: %s", short_status(st), msg ? msg : "");
		free(msg);
	}
	fprintf(stderr, " (%zu/%zu)\n", L->done, L->total);
	if (g_opt.verbose)
		cli_verbose_response(L->cmd, resp);
}

/* 0 when every run succeeded; the class when all failures share one; else
 * EXIT_PARTIAL. */
static int outcome(const llmk_compare *cmp, size_t repeat)
{
	size_t m, k, r, nm = llmk_compare_model_count(cmp), nk = llmk_compare_case_count(cmp);
	int cls = -1, failed = 0, ok = 0;

	for (m = 0; m < nm; m++)
		for (k = 0; k < nk; k++)
			for (r = 0; r < repeat; r++) {
				const llmk_response *resp = llmk_compare_response(cmp, m, k, r);
				llmk_status st = resp ? llmk_response_status(resp) : LLMK_E_NOMEM;
				int c;
				if (st == LLMK_OK) {
					ok++;
					continue;
				}
				c = cli_exit_for(st, resp);
				failed++;
				cls = cls < 0 || cls == c ? c : -2;
			}
	if (cli_interrupted())
		return EXIT_INTERRUPTED;
	if (!failed)
		return EXIT_OK;
	return !ok && cls >= 0 ? cls : EXIT_PARTIAL;
}

/* Runs the comparison and prints; returns the exit status. */
static int run(live *L, llmk_compare *cmp)
{
	llmk_status st;
	int rc;

	L->total = llmk_compare_model_count(cmp) * llmk_compare_case_count(cmp) * L->repeat;
	/* Redrawing moves the cursor up over the last frame: only on a terminal,
	 * when nothing else writes to it in between (--verbose logs) and when
	 * the frame fits on the screen. */
	L->redraw = L->format == FMT_TABLE && cli_isatty(stdout) && !g_opt.verbose && !L->batch &&
	            llmk_compare_model_count(cmp) + 3 < (size_t)cli_term_rows(STDOUT_FILENO);
	L->color = g_opt.color_out;
	if (L->eval)
		cli_table_init(&L->t, L->format == FMT_TABLE ? 7 : 10, L->format == FMT_TABLE ? eval_head : eval_mhead,
		               L->format == FMT_TABLE ? eval_kind : eval_mkind);
	else
		cli_table_init(&L->t, L->format == FMT_TABLE ? 8 : 11,
		               L->format == FMT_TABLE ? compare_head : compare_mhead,
		               L->format == FMT_TABLE ? compare_kind : compare_mkind);
	if (L->redraw) {
		cli_cursor(0);
		draw(L, cmp);
	} else {
		fprintf(stderr, "llmkit %s: %zu model(s), %zu run(s) in all\n", L->cmd, llmk_compare_model_count(cmp),
		        L->total);
	}
	/* Ctrl-C raises g_cancel: the comparison ends its runs as cancelled
	 * and the table of what finished is still printed. */
	llmk_compare_set_cancel(cmp, g_cancel);
	st = llmk_compare_run(cmp, on_result, L);
	if (st == LLMK_E_CANCELLED && cli_interrupted())
		st = LLMK_OK; /* outcome() says interrupted */
	if (st != LLMK_OK) {
		if (L->redraw)
			cli_cursor(1);
		cli_error(L->cmd, "%s", llmk_compare_errmsg(cmp));
		cli_table_free(&L->t);
		return cli_exit_for(st, NULL);
	}
	if (L->redraw) {
		draw(L, cmp);
		cli_cursor(1);
	} else if (!L->want_stats) {
		fill(L, cmp);
		cli_table_print(&L->t, stdout, L->format, L->format == FMT_TABLE && g_opt.color_out, 0);
	}
	if (L->want_stats) {
		if (L->redraw)
			putchar('\n');
		L->stats.eval = L->eval;
		L->stats.format = L->format;
		L->stats.color = L->format == FMT_TABLE && g_opt.color_out;
		cli_stats_print(cmp, &L->stats, stdout);
	}
	rc = outcome(cmp, L->repeat);
	if (rc == EXIT_INTERRUPTED)
		cli_note(L->cmd, "interrupted");
	cli_table_free(&L->t);
	return rc;
}

/* ---- compare ------------------------------------------------------------------- */

static const char compare_help[] = "usage: llmkit compare -m MODEL -m MODEL... [options] [PROMPT...]\n"
                                   "\n"
                                   "Sends PROMPT (or standard input) to every model at once and shows a table:\n"
                                   "model, status, latency, time to first token, tokens per second, tokens,\n"
                                   "cost and the start of the answer. On a terminal the table fills in live;\n"
                                   "otherwise a line per finished run goes to stderr and the table to stdout.\n"
                                   "\n"
                                   "Options:\n"
                                   "  -m, --model MODEL      provider/model (repeatable, up to 32)\n"
                                   "  -r, --repeat N         runs per model; figures are medians (default 1)\n"
                                   "      --format FORMAT    table (default), json, csv or markdown\n"
                                   "      --no-stream        do not stream (no time to first token)\n"
                                   "      --concurrency N    requests in flight per model: a model's next run\n"
                                   "                         starts as one ends (throughput under load;\n"
                                   "                         default: all at once, at most 16 in all)\n"
                                   "      --stats            statistics per model instead of the table:\n"
                                   "                         latency and TTFT p50/p90/p99/min/max, errors by\n"
                                   "                         status, tok/s, requests/s, cost per 1,000 requests\n"
                                   "      --baseline MODEL   with --stats, paired differences against MODEL\n"
                                   "                         (latency, TTFT, cost) with 95% intervals\n"
                                   "      --history          run nothing: the models' figures across the runs\n"
                                   "                         recorded in the history (all models, or the -m\n"
                                   "                         ones; llmkit logs)\n"
                                   "      --report FILE      also write a self-contained HTML report: the\n"
                                   "                         figures, speed against cost, latency and TTFT\n"
                                   "                         distributions, failures, the answers\n"
                                   "  -s, --system TEXT      system message\n"
                                   "  -t, --temperature T    sampling temperature\n"
                                   "      --max-tokens N     upper bound on each answer's tokens\n"
                                   "      --json             ask for a JSON object\n"
                                   "      --schema FILE      ask for JSON following this JSON Schema\n"
                                   "  -i, --image FILE|URL   attach an image (repeatable)\n"
                                   "      --set NAME=VALUE   any request option by its library name\n"
                                   "\n"
                                   "Global options (llmkit --help): --base-url, --timeout, --retries, --verbose.\n"
                                   "Exit status: 0 when every run succeeded; 10 when some failed; the class of\n"
                                   "the failure (llmkit --help) when all failed the same way.\n";

enum {
	C_MODEL = 1,
	C_SYSTEM = CHAT_O_SYSTEM,
	C_TEMP = CHAT_O_TEMP,
	C_MAXTOK = CHAT_O_MAXTOK,
	C_JSON = CHAT_O_JSON,
	C_SCHEMA = CHAT_O_SCHEMA,
	C_IMAGE = CHAT_O_IMAGE,
	C_SET = CHAT_O_SET,
	C_REPEAT = 20,
	C_FORMAT,
	C_NOSTREAM,
	C_CONC,
	C_EMBEDDER,
	C_STATS,
	C_BASELINE,
	C_PASS,
	C_REPORT,
	C_HISTORY
};

static const cli_opt compare_opts[] = {
        {"model", 'm', 1, C_MODEL},
        {"repeat", 'r', 1, C_REPEAT},
        {"format", 0, 1, C_FORMAT},
        {"no-stream", 0, 0, C_NOSTREAM},
        {"concurrency", 0, 1, C_CONC},
        {"stats", 0, 0, C_STATS},
        {"baseline", 0, 1, C_BASELINE},
        {"report", 0, 1, C_REPORT},
        {"history", 0, 0, C_HISTORY},
        {"system", 's', 1, C_SYSTEM},
        {"temperature", 't', 1, C_TEMP},
        {"max-tokens", 0, 1, C_MAXTOK},
        {"json", 0, 0, C_JSON},
        {"schema", 0, 1, C_SCHEMA},
        {"image", 'i', 1, C_IMAGE},
        {"set", 0, 1, C_SET},
        {NULL, 0, 0, 0},
};

/* What compare and eval share: models, repeat, format, concurrency. */
typedef struct setup {
	const char *models[MAX_MODELS];
	llmk_client *clients[MAX_MODELS];
	size_t nmodels;
	long repeat, concurrency; /* concurrency: per model, 0: not given */
	int format, stream;
	const char *embedder;
	int stats;            /* --stats (also implied by --baseline) */
	const char *baseline; /* --baseline MODEL */
	long baseline_index;
	long pass_percent;  /* --pass PERCENT */
	const char *report; /* --report FILE.html */
	int history;        /* compare --history: the recorded trends instead of a run */
} setup;

static int common_opt(setup *s, const char *cmd, int id, const char *val)
{
	switch (id) {
	case C_MODEL:
		if (s->nmodels == MAX_MODELS)
			return cli_usage_error(cmd, "at most %d models", MAX_MODELS), -1;
		s->models[s->nmodels++] = val;
		return 0;
	case C_REPEAT: return cli_int(cmd, "--repeat", val, 1, 1000, &s->repeat);
	case C_FORMAT: return cli_format(cmd, val, &s->format);
	case C_NOSTREAM: s->stream = 0; return 0;
	case C_CONC: return cli_int(cmd, "--concurrency", val, 1, 1024, &s->concurrency);
	case C_EMBEDDER: s->embedder = val; return 0;
	case C_STATS: s->stats = 1; return 0;
	case C_BASELINE:
		s->baseline = val;
		s->stats = 1;
		return 0;
	case C_PASS: return cli_int(cmd, "--pass", val, 0, 100, &s->pass_percent);
	case C_REPORT: s->report = val; return 0;
	case C_HISTORY: s->history = 1; return 0;
	}
	return 1; /* not a common option */
}

/* Clients for the models, added to cmp. 0 or an exit status. */
static int add_models(setup *s, const char *cmd, llmk_compare *cmp)
{
	size_t i;
	int rc = EXIT_OK;

	if (!s->nmodels)
		return cli_usage_error(cmd, "no models: give -m provider/model, once per model");
	/* the baseline is one of the models; named only by --baseline, it is
	 * added as the last */
	s->baseline_index = -1;
	if (s->baseline) {
		for (i = 0; i < s->nmodels && strcmp(s->models[i], s->baseline); i++)
			;
		if (i == s->nmodels) {
			if (s->nmodels == MAX_MODELS)
				return cli_usage_error(cmd, "at most %d models (the baseline included)", MAX_MODELS);
			s->models[s->nmodels++] = s->baseline;
		}
		s->baseline_index = (long)i;
	}
	for (i = 0; i < s->nmodels; i++) {
		s->clients[i] = cli_client_ex(cmd, s->models[i], 0, &rc);
		if (!s->clients[i])
			return rc;
		if (llmk_compare_add_client(cmp, s->clients[i], s->models[i]) != LLMK_OK) {
			cli_error(cmd, "%s", llmk_compare_errmsg(cmp));
			return EXIT_USAGE;
		}
	}
	/* --concurrency N: N in flight per model (so N x models in all);
	 * without it, at most 16 in all */
	if (llmk_compare_set_i64(cmp, LLMK_COMPARE_REPEAT, s->repeat) != LLMK_OK ||
	    llmk_compare_set_i64(cmp, LLMK_COMPARE_STREAM, s->stream) != LLMK_OK ||
	    llmk_compare_set_i64(cmp, LLMK_COMPARE_CONCURRENCY, s->concurrency) != LLMK_OK ||
	    llmk_compare_set_i64(cmp, LLMK_COMPARE_MAX_IN_FLIGHT,
	                         s->concurrency ? s->concurrency * (long)s->nmodels : 16) != LLMK_OK ||
	    llmk_compare_set_i64(cmp, LLMK_COMPARE_PASS_PERCENT, s->pass_percent) != LLMK_OK)
		return cli_usage_error(cmd, "%s", llmk_compare_errmsg(cmp));
	return EXIT_OK;
}

/* --report: after the table, whatever the runs' outcome (not when the
 * comparison could not run at all); a report that cannot be written makes
 * the exit status 1 when it would have been 0. */
static int write_report(const setup *s, const live *L, const llmk_compare *cmp, const char *source, int rc)
{
	cli_report_info info;

	if (!s->report || llmk_compare_metric(cmp, 0, LLMK_METRIC_RUNS) < 0)
		return rc;
	memset(&info, 0, sizeof(info));
	info.eval = L->eval;
	info.repeat = L->repeat;
	info.pass_percent = s->pass_percent;
	info.source = source;
	info.max_cases = 200;
	if (cli_report_write(L->cmd, s->report, cmp, &info))
		return rc == EXIT_OK ? EXIT_FAILURE_OTHER : rc;
	if (!cli_isatty(stdout) || L->format != FMT_TABLE)
		return rc;
	cli_note(L->cmd, "report written to %s", s->report);
	return rc;
}

static void free_clients(setup *s)
{
	size_t i;

	for (i = 0; i < s->nmodels; i++)
		llmk_client_free(s->clients[i]);
}

int cmd_compare(int argc, char **argv)
{
	cli_parse p;
	setup s;
	chat_opts o;
	live L;
	const char *val;
	llmk_compare *cmp = NULL;
	llmk_request *r = NULL;
	char *prompt = NULL;
	int id, rc = EXIT_OK, c;

	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	memset(&L, 0, sizeof(L));
	s.repeat = 1;
	s.pass_percent = 50;
	s.stream = 1;
	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	while ((id = cli_next(&p, compare_opts, &val)) > 0) {
		c = common_opt(&s, "compare", id, val);
		if (c < 0 || (c > 0 && chat_opts_add(&o, "compare", id, val)))
			goto usage;
	}
	if (id == CLI_HELP) {
		fputs(compare_help, stdout);
		goto out;
	}
	if (id == CLI_ERROR)
		goto usage;
	if (s.history) {
		if (p.npos) {
			rc = cli_usage_error("compare", "--history takes no PROMPT (it runs nothing)");
			goto out;
		}
		rc = cli_history_trend("compare", s.models, s.nmodels, s.format);
		goto out;
	}
	if (!s.nmodels) {
		rc = cli_usage_error("compare", "no models: give -m provider/model, once per model");
		goto out;
	}
	prompt = cli_text_arg("compare", p.pos, p.npos, "PROMPT");
	if (!prompt)
		goto usage;
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_set_cancel(r, g_cancel);
	if ((o.system && llmk_request_add_message(r, LLMK_ROLE_SYSTEM, o.system) != LLMK_OK) ||
	    llmk_request_add_message(r, LLMK_ROLE_USER, prompt) != LLMK_OK) {
		rc = cli_usage_error("compare", "%s", llmk_request_errmsg(r));
		goto out;
	}
	if (chat_opts_images(&o, "compare", r) || chat_opts_apply(&o, "compare", r))
		goto usage;
	if (llmk_compare_new(&cmp) != LLMK_OK) {
		rc = EXIT_FAILURE_OTHER;
		goto out;
	}
	rc = add_models(&s, "compare", cmp);
	if (rc != EXIT_OK)
		goto out;
	if (llmk_compare_add_case(cmp, r, NULL, LLMK_SCORE_NONE) != LLMK_OK) {
		cli_error("compare", "%s", llmk_compare_errmsg(cmp));
		rc = EXIT_FAILURE_OTHER;
		goto out;
	}
	L.cmd = "compare";
	L.format = s.format;
	L.repeat = (size_t)s.repeat;
	L.want_stats = s.stats;
	L.stats.baseline = s.baseline_index;
	L.stats.pass_percent = s.pass_percent;
	rc = run(&L, cmp);
	if (llmk_compare_metric(cmp, 0, LLMK_METRIC_RUNS) > 0)
		cli_history_compare("compare", cmp, L.repeat, NULL, rc);
	rc = write_report(&s, &L, cmp, "prompt", rc);
	goto out;
usage:
	rc = EXIT_USAGE;
out:
	llmk_compare_free(cmp);
	free_clients(&s);
	llmk_request_free(r);
	free(prompt);
	cli_parse_free(&p);
	return rc;
}

/* ---- eval ---------------------------------------------------------------------- */

static const char eval_help[] = "usage: llmkit eval -m MODEL -m MODEL... [options] DATASET.jsonl\n"
                                "\n"
                                "Runs every case of DATASET on every model at once and shows per model the\n"
                                "score (mean over cases, 0 to 1), status, median latency, tokens per second,\n"
                                "tokens and cost. One case per line:\n"
                                "  {\"prompt\": \"...\", \"expected\": \"...\", \"scorer\": \"contains\",\n"
                                "   \"system\": \"...\", \"max_tokens\": 100, \"temperature\": 0,\n"
                                "   \"rubric\": \"...\"}\n"
                                "Only \"prompt\" is required; scorers: exact, contains (the default when\n"
                                "\"expected\" is given), regex, json, similarity (needs --embedder), judge\n"
                                "(needs --judge; graded 0-10 by the case's rubric, or --rubric). Blank\n"
                                "lines and lines starting with # are skipped.\n"
                                "\n"
                                "Options:\n"
                                "  -m, --model MODEL      provider/model (repeatable, up to 32)\n"
                                "  -r, --repeat N         runs per case and model (default 1)\n"
                                "      --format FORMAT    table (default), json, csv or markdown\n"
                                "      --stream           stream the answers\n"
                                "      --concurrency N    requests in flight per model (default: all at\n"
                                "                         once, at most 16 in all)\n"
                                "      --stats            statistics per model instead of the table: also\n"
                                "                         pass rate with its Wilson 95% interval, mean\n"
                                "                         score with its standard error, cost per correct\n"
                                "                         answer\n"
                                "      --pass PERCENT     a run passes when its score is at least this\n"
                                "                         (default 50)\n"
                                "      --baseline MODEL   with --stats, paired differences against MODEL on\n"
                                "                         the same cases (score, latency, cost), 95% intervals\n"
                                "      --embedder MODEL   embedding model for the similarity scorer\n"
                                "      --report FILE      also write a self-contained HTML report: figures,\n"
                                "                         quality and speed against cost, latency and TTFT\n"
                                "                         distributions, failures, answers side by side\n"
                                "      --judge MODEL      the model that grades answers of the judge scorer;\n"
                                "                         its cost is reported apart (stderr, --stats)\n"
                                "      --rubric TEXT      rubric of cases that give none (@FILE reads a file)\n"
                                "      --batch            send each model's runs through its provider's batch\n"
                                "                         API (OpenAI, Azure, Anthropic, Gemini): the same table\n"
                                "                         at the batch price, once every batch has ended (up to\n"
                                "                         24 hours); progress on stderr\n"
                                "      --poll SECONDS     how often --batch polls (default 30)\n"
                                "\n"
                                "Ctrl-C stops at once (nothing is printed).\n"
                                "Global options (llmkit --help): --base-url, --timeout, --retries, --verbose.\n"
                                "Exit status: 0 when every run succeeded (whatever the scores); 10 when some\n"
                                "failed; the class of the failure (llmkit --help) when all failed the same way.\n";

enum { EV_STREAM = 40, EV_JUDGE, EV_RUBRIC, EV_BATCH, EV_POLL };
static const cli_opt eval_opts[] = {
        {"model", 'm', 1, C_MODEL},  {"repeat", 'r', 1, C_REPEAT},   {"format", 0, 1, C_FORMAT},
        {"stream", 0, 0, EV_STREAM}, {"concurrency", 0, 1, C_CONC},  {"embedder", 0, 1, C_EMBEDDER},
        {"stats", 0, 0, C_STATS},    {"baseline", 0, 1, C_BASELINE}, {"pass", 0, 1, C_PASS},
        {"report", 0, 1, C_REPORT},  {"judge", 0, 1, EV_JUDGE},      {"rubric", 0, 1, EV_RUBRIC},
        {"batch", 0, 0, EV_BATCH},   {"poll", 0, 1, EV_POLL},        {NULL, 0, 0, 0},
};

/* After the table: what the judge cost, apart from the models' cost. */
static void judge_note(const llmk_compare *cmp, const char *judge)
{
	size_t m, nm = llmk_compare_model_count(cmp);
	double calls = 0, cost = 0, c;
	int unknown = 0;

	for (m = 0; m < nm; m++) {
		calls += llmk_compare_metric(cmp, m, LLMK_METRIC_JUDGE_CALLS);
		c = llmk_compare_metric(cmp, m, LLMK_METRIC_JUDGE_COST_USD);
		if (c < 0)
			unknown = 1;
		else
			cost += c;
	}
	if (unknown)
		cli_note("eval", "judge %s: %.0f request(s), cost unknown (not in the cost column)", judge, calls);
	else
		cli_note("eval", "judge %s: %.0f request(s), $%.6f (not in the cost column)", judge, calls, cost);
}

int cmd_eval(int argc, char **argv)
{
	cli_parse p;
	setup s;
	live L;
	const char *val;
	llmk_compare *cmp = NULL;
	llmk_client *emb = NULL, *judge = NULL;
	const char *judge_model = NULL, *rubric_arg = NULL;
	unsigned char *rubric = NULL;
	int id, rc = EXIT_OK, batch = 0;
	long poll_s = 30;
	size_t i;
	llmk_status st;

	memset(&s, 0, sizeof(s));
	memset(&L, 0, sizeof(L));
	s.repeat = 1;
	s.pass_percent = 50;
	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	while ((id = cli_next(&p, eval_opts, &val)) > 0) {
		if (id == EV_STREAM)
			s.stream = 1;
		else if (id == EV_JUDGE)
			judge_model = val;
		else if (id == EV_RUBRIC)
			rubric_arg = val;
		else if (id == EV_BATCH)
			batch = 1;
		else if (id == EV_POLL) {
			if (cli_int("eval", "--poll", val, 1, 86400, &poll_s))
				goto usage;
		} else if (common_opt(&s, "eval", id, val))
			goto usage;
	}
	if (id == CLI_HELP) {
		fputs(eval_help, stdout);
		goto out;
	}
	if (id == CLI_ERROR)
		goto usage;
	if (p.npos != 1) {
		rc = cli_usage_error("eval", p.npos ? "one DATASET at a time" : "no DATASET.jsonl given");
		goto out;
	}
	if (!s.nmodels) {
		rc = cli_usage_error("eval", "no models: give -m provider/model, once per model");
		goto out;
	}
	if (llmk_compare_new(&cmp) != LLMK_OK) {
		rc = EXIT_FAILURE_OTHER;
		goto out;
	}
	st = llmk_compare_load_jsonl(cmp, p.pos[0]);
	if (st != LLMK_OK) {
		cli_error("eval", "%s", llmk_compare_errmsg(cmp));
		rc = st == LLMK_E_NOMEM ? EXIT_FAILURE_OTHER : EXIT_USAGE;
		goto out;
	}
	rc = add_models(&s, "eval", cmp);
	if (rc != EXIT_OK)
		goto out;
	if (batch) {
		/* Each model's runs as one provider batch; its progress lines go
		 * to stderr through the clients' log hook. */
		if (s.stream) {
			rc = cli_usage_error("eval", "--batch answers are not streamed: drop --stream");
			goto out;
		}
		for (i = 0; i < s.nmodels; i++)
			llmk_client_set_log(s.clients[i], cli_batch_log,
			                    g_opt.verbose > 1 ? LLMK_LOG_DEBUG : LLMK_LOG_INFO, (void *)"eval");
		llmk_compare_set_batch(cmp, (int64_t)poll_s * 1000);
		L.batch = 1;
	}
	if (s.embedder) {
		emb = cli_client("eval", s.embedder, &rc);
		if (!emb)
			goto out;
		llmk_compare_set_embedder(cmp, emb);
	}
	if (rubric_arg && rubric_arg[0] == '@') {
		size_t rlen;
		rubric = cli_read_file("eval", rubric_arg + 1, 1 << 20, &rlen);
		if (!rubric)
			goto usage;
	}
	if (judge_model) {
		judge = cli_client("eval", judge_model, &rc);
		if (!judge)
			goto out;
		llmk_compare_set_judge(cmp, judge, rubric ? (const char *)rubric : rubric_arg);
	}
	L.cmd = "eval";
	L.eval = 1;
	L.format = s.format;
	L.repeat = (size_t)s.repeat;
	L.want_stats = s.stats;
	L.stats.baseline = s.baseline_index;
	L.stats.pass_percent = s.pass_percent;
	rc = run(&L, cmp);
	if (judge && llmk_compare_metric(cmp, 0, LLMK_METRIC_RUNS) > 0)
		judge_note(cmp, judge_model);
	if (llmk_compare_metric(cmp, 0, LLMK_METRIC_RUNS) > 0)
		cli_history_compare("eval", cmp, L.repeat, p.pos[0], rc);
	rc = write_report(&s, &L, cmp, p.pos[0], rc);
	goto out;
usage:
	rc = EXIT_USAGE;
out:
	llmk_compare_free(cmp);
	free_clients(&s);
	llmk_client_free(emb);
	llmk_client_free(judge);
	free(rubric);
	cli_parse_free(&p);
	return rc;
}
