/* compare: one prompt to several models at once, and a table to choose by.
 *
 *   compare [-r repeats] [-s] -m provider/model -m provider/model ... [prompt]
 *
 * -s streams the answers (time to first token is measured), -r repeats each
 * request and reports medians. Without -m it compares the models of the
 * hosted services whose API key is set. Keys and base URLs come from each
 * provider's environment variables (docs/PROVIDERS.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmkit.h"

#define MAX_MODELS 16

static void on_result(const llmk_compare *cmp, size_t model, size_t case_index, size_t run, const llmk_response *resp,
                      void *user)
{
	(void)case_index, (void)user;
	fprintf(stderr, "  %-36s run %zu: %s (%.0f ms)\n", llmk_compare_model(cmp, model), run + 1,
	        llmk_status_name(llmk_response_status(resp)), llmk_response_timing(resp, LLMK_TIMING_TOTAL_MS));
}

/* The first line of the answer, cut to fit the column. */
static void preview(const char *text, char *out, size_t cap)
{
	size_t n = 0;

	for (; *text && n + 4 < cap; text++)
		out[n++] = *text == '\n' || *text == '\r' || *text == '\t' ? ' ' : *text;
	if (*text)
		memcpy(out + n, "...", 3), n += 3;
	out[n] = '\0';
}

static void cell(double v, int width, int decimals)
{
	if (v < 0)
		printf(" %*s", width, "-");
	else
		printf(" %*.*f", width, decimals, v);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *env, *model;
	} hosted[] = {
	        {"OPENAI_API_KEY", "openai/gpt-5-mini"},       {"ANTHROPIC_API_KEY", "anthropic/claude-haiku-4-5"},
	        {"GEMINI_API_KEY", "gemini/gemini-2.5-flash"}, {"MISTRAL_API_KEY", "mistral/mistral-small-latest"},
	        {"GROQ_API_KEY", "groq/llama-3.1-8b-instant"},
	};
	const char *models[MAX_MODELS], *prompt = "In one sentence: what is retrieval-augmented generation?";
	size_t nmodels = 0, i;
	long repeat = 1;
	int stream = 0, a;
	llmk_compare *cmp;
	llmk_request *req;
	llmk_status st;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-m") && a + 1 < argc && nmodels < MAX_MODELS)
			models[nmodels++] = argv[++a];
		else if (!strcmp(argv[a], "-r") && a + 1 < argc)
			repeat = strtol(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "-s"))
			stream = 1;
		else if (argv[a][0] == '-') {
			fprintf(stderr, "usage: compare [-r repeats] [-s] -m provider/model ... [prompt]\n");
			return 2;
		} else
			prompt = argv[a];
	}
	if (!nmodels)
		for (i = 0; i < sizeof(hosted) / sizeof(hosted[0]); i++)
			if (getenv(hosted[i].env))
				models[nmodels++] = hosted[i].model;
	if (!nmodels) {
		fprintf(stderr,
		        "compare: no models: give -m provider/model (or set OPENAI_API_KEY, ANTHROPIC_API_KEY, ...)\n");
		return 2;
	}

	llmk_compare_new(&cmp);
	for (i = 0; i < nmodels; i++)
		if ((st = llmk_compare_add_model(cmp, models[i])) != LLMK_OK) {
			fprintf(stderr, "compare: %s\n", llmk_compare_errmsg(cmp));
			llmk_compare_free(cmp);
			return 2;
		}
	llmk_request_new(&req, LLMK_CHAT);
	llmk_request_add_message(req, LLMK_ROLE_USER, prompt);
	llmk_compare_add_case(cmp, req, NULL, LLMK_SCORE_NONE);
	if (llmk_compare_set_i64(cmp, LLMK_COMPARE_REPEAT, repeat) != LLMK_OK) {
		fprintf(stderr, "compare: %s\n", llmk_compare_errmsg(cmp));
		return 2;
	}
	llmk_compare_set_i64(cmp, LLMK_COMPARE_STREAM, stream);
	fprintf(stderr, "%zu models, %ld run(s) each, all at once:\n", nmodels, repeat);
	st = llmk_compare_run(cmp, on_result, NULL);
	if (st != LLMK_OK) {
		fprintf(stderr, "compare: %s\n", llmk_compare_errmsg(cmp));
		return 1;
	}

	printf("\n%-36s %5s %9s %8s %8s %7s %7s %11s  %s\n", "model", "ok", "latency", "ttft", "tok/s", "in", "out",
	       "cost USD", "answer");
	for (i = 0; i < nmodels; i++) {
		const llmk_response *r = llmk_compare_response(cmp, i, 0, 0);
		char ans[64];
		double cost = llmk_compare_metric(cmp, i, LLMK_METRIC_COST_USD);

		if (llmk_response_status(r) == LLMK_OK)
			preview(llmk_response_text(r), ans, sizeof(ans));
		else
			preview(llmk_response_error(r), ans, sizeof(ans));
		printf("%-36s %2.0f/%-2.0f", llmk_compare_model(cmp, i), llmk_compare_metric(cmp, i, LLMK_METRIC_OK),
		       llmk_compare_metric(cmp, i, LLMK_METRIC_RUNS));
		cell(llmk_compare_metric(cmp, i, LLMK_METRIC_LATENCY_MS), 6, 0);
		printf(" ms");
		cell(llmk_compare_metric(cmp, i, LLMK_METRIC_TTFT_MS), 5, 0);
		printf(" ms");
		cell(llmk_compare_metric(cmp, i, LLMK_METRIC_TOKENS_PER_S), 8, 1);
		cell(llmk_compare_metric(cmp, i, LLMK_METRIC_INPUT_TOKENS), 7, 0);
		cell(llmk_compare_metric(cmp, i, LLMK_METRIC_OUTPUT_TOKENS), 7, 0);
		if (cost < 0)
			printf(" %11s", "unknown");
		else
			printf(" %11.6f", cost);
		printf("  %s\n", ans);
	}
	llmk_request_free(req);
	llmk_compare_free(cmp);
	return 0;
}
