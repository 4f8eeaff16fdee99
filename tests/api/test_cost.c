#define _POSIX_C_SOURCE 200809L
/* The model table, prices and the cost of a response.
 *
 * - The compiled table says exactly what data/models.json says (the file is
 *   the one source of truth; the C table is generated from it).
 * - Lookup rules (snapshot families, provider rows), caller overrides, and
 *   the cost function's arithmetic and edge cases.
 * - For each provider's usage shape, an answer served over real sockets by
 *   the loopback server (tests/support/httpd.h) gives the exact normalised
 *   usage (INPUT includes cached and written tokens, OUTPUT includes
 *   reasoning) and the exact cost from the table (tests/data/cost/README.md
 *   says where each fixture comes from).
 *
 * Prices marked TEST below are made up for the test, on providers whose
 * published prices the table does not carry: they are set with
 * llmk_model_set_price() and chosen to be exact binary fractions so that
 * the expected costs are exact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capture.h"
#include "httpd.h"
#include "llmkit.h"
#include "price.h"

#define KEY "sk-test-cost-0123456789abcdef0123456789"

#define U_IN LLMK_USAGE_INPUT
#define U_OUT LLMK_USAGE_OUTPUT
#define U_TOTAL LLMK_USAGE_TOTAL
#define U_CACHED LLMK_USAGE_CACHED_INPUT
#define U_REASON LLMK_USAGE_REASONING
#define U_WRITE LLMK_USAGE_CACHE_WRITE

static th_server *srv;

static int group_setup(void **state)
{
	(void)state;
	srv = th_start();
	return srv ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	th_stop(srv);
	return 0;
}

/* Costs are sums of products of token counts and prices; equal up to the
 * rounding of the final division. */
static void assert_cost(double want, double got)
{
	if (fabs(want - got) > 1e-15 + 1e-12 * fabs(want))
		fail_msg("cost %.17g, want %.17g", got, want);
}

/* ---- the table is the data file ------------------------------------------ */

static double field(json_t *row, const char *name)
{
	json_t *v = json_object_get(row, name);

	return v ? json_number_value(v) : -1;
}

/* Runs first: nothing has been added to the table yet. */
static void test_table_matches_data_file(void **state)
{
	static const struct {
		const char *name;
		int32_t which;
	} fields[] = {{"input", LLMK_INFO_INPUT_PRICE},
	              {"output", LLMK_INFO_OUTPUT_PRICE},
	              {"cached_input", LLMK_INFO_CACHED_INPUT_PRICE},
	              {"cache_write", LLMK_INFO_CACHE_WRITE_PRICE},
	              {"context_tokens", LLMK_INFO_CONTEXT_TOKENS},
	              {"max_output_tokens", LLMK_INFO_MAX_OUTPUT_TOKENS},
	              {"cache_write_1h", LLMK_INFO_CACHE_WRITE_1H_PRICE},
	              {"batch_input", LLMK_INFO_BATCH_INPUT_PRICE},
	              {"batch_output", LLMK_INFO_BATCH_OUTPUT_PRICE},
	              {"tier_above", LLMK_INFO_TIER_ABOVE_TOKENS},
	              {"tier_input", LLMK_INFO_TIER_INPUT_PRICE},
	              {"tier_output", LLMK_INFO_TIER_OUTPUT_PRICE},
	              {"tier_cached_input", LLMK_INFO_TIER_CACHED_INPUT_PRICE}};
	static const char *const modality[] = {"text", "image", "audio", "video", "pdf", "embedding"};
	static const char *const source[] = {"page", "litellm", "genai-prices", "rule"};
	json_error_t err;
	json_t *root = json_load_file(MODELS_JSON, 0, &err), *models, *row;
	size_t i, k;
	double got;

	(void)state;
	if (!root)
		fail_msg("%s: %s", MODELS_JSON, err.text);
	assert_string_equal(llmk_model_table_date(), json_string_value(json_object_get(root, "date")));
	models = json_object_get(root, "models");
	assert_true(json_array_size(models) > 0);
	assert_int_equal(llmk_model_count(), json_array_size(models));
	json_array_foreach(models, i, row)
	{
		const char *name = json_string_value(json_object_get(row, "model"));

		assert_non_null(llmk_model_name(i));
		assert_string_equal(llmk_model_name(i), name);
		for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
			assert_int_equal(llmk_model_info(name, fields[k].which, &got), LLMK_OK);
			if (got != field(row, fields[k].name))
				fail_msg("%s %s: library %.17g, file %.17g", name, fields[k].name, got,
				         field(row, fields[k].name));
		}
		/* deprecation date as YYYYMMDD, modalities as bits, source */
		{
			const char *dep = json_string_value(json_object_get(row, "deprecated"));
			double want = -1, bits;
			json_t *list, *m;
			size_t j, t;
			if (dep)
				want = atof(dep) * 10000 + atof(dep + 5) * 100 + atof(dep + 8);
			assert_int_equal(llmk_model_info(name, LLMK_INFO_DEPRECATION_DATE, &got), LLMK_OK);
			if (got != want)
				fail_msg("%s deprecated: library %.0f, file %s", name, got, dep ? dep : "-");
			for (t = 0; t < 2; t++) {
				list = json_object_get(row, t ? "output_modalities" : "input_modalities");
				bits = 0;
				json_array_foreach(list, j, m) for (size_t b = 0; b < 6;
				                                    b++) if (!strcmp(json_string_value(m), modality[b]))
				        bits += 1 << b;
				assert_int_equal(
				        llmk_model_info(name,
				                        t ? LLMK_INFO_OUTPUT_MODALITIES : LLMK_INFO_INPUT_MODALITIES,
				                        &got),
				        LLMK_OK);
				if (got != (bits ? bits : -1))
					fail_msg("%s modalities: library %.0f, file %.0f", name, got, bits);
			}
			assert_int_equal(llmk_model_info(name, LLMK_INFO_SOURCE, &got), LLMK_OK);
			assert_true(got >= 1 && got <= 4);
			assert_string_equal(json_string_value(json_object_get(row, "source")), source[(int)got - 1]);
		}
		/* every provider named is a built-in one */
		{
			char provider[64];
			size_t n = strcspn(name, "/");
			assert_true(n < sizeof(provider));
			memcpy(provider, name, n);
			provider[n] = 0;
			assert_true(llmk_provider_capabilities(provider, LLMK_CHAT) >= 0 ||
			            llmk_provider_capabilities(provider, LLMK_EMBED) >= 0);
		}
	}
	assert_null(llmk_model_name(json_array_size(models)));
	json_decref(root);
}

/* ---- lookups ----------------------------------------------------------------- */

static double info(const char *model, int32_t which)
{
	double v = -2;

	if (llmk_model_info(model, which, &v) != LLMK_OK)
		fail_msg("no %d for %s", which, model);
	return v;
}

static void test_lookup_rules(void **state)
{
	double v = 5;

	(void)state;
	/* exact row (published on Anthropic's pricing page) */
	assert_true(info("anthropic/claude-sonnet-4-5", LLMK_INFO_INPUT_PRICE) == 3.0);
	assert_true(info("anthropic/claude-sonnet-4-5", LLMK_INFO_CACHE_WRITE_PRICE) == 3.75);
	assert_true(info("anthropic/claude-sonnet-4-5", LLMK_INFO_CONTEXT_TOKENS) == 200000);
	/* a dated snapshot prices as its family: without the date ... */
	assert_true(info("anthropic/claude-sonnet-4-5-20250929", LLMK_INFO_OUTPUT_PRICE) == 15.0);
	assert_true(info("anthropic/claude-haiku-4-5-20251001", LLMK_INFO_MAX_OUTPUT_TOKENS) == 64000);
	/* ... then "-latest" ... */
	assert_true(info("anthropic/claude-3-5-haiku-20241022", LLMK_INFO_INPUT_PRICE) == 0.8);
	assert_true(info("anthropic/claude-3-7-sonnet-20250219", LLMK_INFO_CACHED_INPUT_PRICE) == 0.3);
	/* ... then "-0" */
	assert_true(info("anthropic/claude-sonnet-4-20250514", LLMK_INFO_OUTPUT_PRICE) == 15.0);
	/* "-MMDD" snapshots (older OpenAI) */
	assert_true(info("openai/gpt-4-0613", LLMK_INFO_INPUT_PRICE) == 30.0);
	assert_true(info("openai/gpt-5-mini-2025-08-07", LLMK_INFO_CACHED_INPUT_PRICE) == 0.025);
	assert_int_equal(llmk_model_info("openai/gpt-4-1399", LLMK_INFO_INPUT_PRICE, &v), LLMK_E_NOT_FOUND);
	/* not published: -1 */
	assert_true(info("anthropic/claude-3-haiku-20240307", LLMK_INFO_CONTEXT_TOKENS) == -1);
	assert_true(info("anthropic/claude-3-haiku-20240307", LLMK_INFO_CACHE_WRITE_1H_PRICE) == -1);
	assert_true(info("xai/grok-4.20-0309-reasoning", LLMK_INFO_CONTEXT_TOKENS) == 1000000);
	/* the page's limits win; what it did not give comes from the lists */
	assert_true(info("anthropic/claude-opus-4-5", LLMK_INFO_CONTEXT_TOKENS) == 200000);
	assert_true(info("anthropic/claude-opus-4-5", LLMK_INFO_SOURCE) == LLMK_SOURCE_PAGE);
	/* local servers: every model at 0 */
	assert_true(info("ollama/llama3.2:3b", LLMK_INFO_INPUT_PRICE) == 0);
	assert_true(info("vllm/Qwen/Qwen2.5-7B-Instruct", LLMK_INFO_OUTPUT_PRICE) == 0);
	assert_true(info("tgi/tgi", LLMK_INFO_CACHED_INPUT_PRICE) == 0);
	/* unknown */
	assert_int_equal(llmk_model_info("anthropic/claude-unknown", LLMK_INFO_INPUT_PRICE, &v), LLMK_E_NOT_FOUND);
	assert_true(v == -1);
	assert_int_equal(llmk_model_info("anthropic/claude-sonnet-4-5-2025", LLMK_INFO_INPUT_PRICE, &v),
	                 LLMK_E_NOT_FOUND);
	assert_int_equal(llmk_model_info("claude-sonnet-4-5", LLMK_INFO_INPUT_PRICE, &v), LLMK_E_NOT_FOUND);
	assert_int_equal(llmk_model_info("anthropic/", LLMK_INFO_INPUT_PRICE, &v), LLMK_E_NOT_FOUND);
	assert_int_equal(llmk_model_info("/x", LLMK_INFO_INPUT_PRICE, &v), LLMK_E_NOT_FOUND);
	assert_int_equal(llmk_model_info("openai/no-such-model", LLMK_INFO_INPUT_PRICE, &v), LLMK_E_NOT_FOUND);
	assert_int_equal(llmk_model_info("openrouter/no-such/model", LLMK_INFO_INPUT_PRICE, &v), LLMK_E_NOT_FOUND);
	/* bad arguments */
	assert_int_equal(llmk_model_info(NULL, LLMK_INFO_INPUT_PRICE, &v), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_info("anthropic/claude-sonnet-4-5", 0, &v), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_info("anthropic/claude-sonnet-4-5", LLMK_INFO_SOURCE + 1, &v), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_info("anthropic/claude-sonnet-4-5", LLMK_INFO_INPUT_PRICE, NULL),
	                 LLMK_E_INVALID_ARG);
	assert_true(strlen(llmk_model_table_date()) == 10);
}

/* ---- overrides ------------------------------------------------------------- */

static void test_set_price(void **state)
{
	size_t n = llmk_model_count(), i;
	char long_key[300];
	int found = 0;

	(void)state;
	/* bad keys and prices */
	assert_int_equal(llmk_model_set_price(NULL, 1, 1, -1, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_set_price("gpt-4o", 1, 1, -1, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_set_price("/gpt-4o", 1, 1, -1, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_set_price("openai/", 1, 1, -1, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_set_price("openai/gpt 4o", 1, 1, -1, -1), LLMK_E_INVALID_ARG);
	memset(long_key, 'a', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = 0;
	long_key[3] = '/';
	assert_int_equal(llmk_model_set_price(long_key, 1, 1, -1, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_set_price("x/y", -1, 1, -1, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_set_price("x/y", 1, NAN, -1, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_set_price("x/y", 1, INFINITY, -1, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_set_price("x/y", 1, 1, -2, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_set_price("x/y", 1, 1, -1, -0.5), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_model_count(), n);

	/* overriding a built-in row: same count, new prices, limits kept */
	assert_int_equal(llmk_model_set_price("anthropic/claude-haiku-4-5", 2, 10, 0.2, 2.5), LLMK_OK);
	assert_int_equal(llmk_model_count(), n);
	assert_true(info("anthropic/claude-haiku-4-5", LLMK_INFO_INPUT_PRICE) == 2);
	assert_true(info("anthropic/claude-haiku-4-5-20251001", LLMK_INFO_OUTPUT_PRICE) == 10);
	assert_true(info("anthropic/claude-haiku-4-5", LLMK_INFO_CONTEXT_TOKENS) == 200000);
	/* and back to the published prices, for the tests after this one */
	assert_int_equal(llmk_model_set_price("anthropic/claude-haiku-4-5", 1, 5, 0.1, 1.25), LLMK_OK);

	/* adding a model: counted and named after the built-in rows; a family
	 * key prices its snapshots */
	assert_int_equal(llmk_model_set_price("openai/my-tuned-model", 0.5, 2, 0.25, -1), LLMK_OK); /* TEST */
	assert_int_equal(llmk_model_count(), n + 1);
	assert_string_equal(llmk_model_name(n), "openai/my-tuned-model");
	assert_null(llmk_model_name(n + 1));
	assert_true(info("openai/my-tuned-model-2024-07-18", LLMK_INFO_CACHED_INPUT_PRICE) == 0.25);
	assert_true(info("openai/my-tuned-model", LLMK_INFO_CACHE_WRITE_PRICE) == -1);
	assert_true(info("openai/my-tuned-model", LLMK_INFO_CONTEXT_TOKENS) == -1);
	assert_true(info("openai/my-tuned-model", LLMK_INFO_SOURCE) == -1);
	/* setting it again replaces, does not add */
	assert_int_equal(llmk_model_set_price("openai/my-tuned-model", 0.5, 2, 0.25, -1), LLMK_OK);
	assert_int_equal(llmk_model_count(), n + 1);
	for (i = 0; i < llmk_model_count(); i++)
		found += !strcmp(llmk_model_name(i), "openai/my-tuned-model");
	assert_int_equal(found, 1);
	/* a family price also prices a snapshot the table lists apart */
	assert_true(info("openai/gpt-4o-mini-2024-07-18", LLMK_INFO_INPUT_PRICE) != 0.5);
	assert_int_equal(llmk_model_set_price("openai/gpt-4o-mini", 0.5, 2, 0.25, -1), LLMK_OK); /* TEST */
	assert_true(info("openai/gpt-4o-mini-2024-07-18", LLMK_INFO_INPUT_PRICE) == 0.5);
	assert_true(info("openai/gpt-4o-mini-2024-07-18", LLMK_INFO_CONTEXT_TOKENS) == 128000);
	assert_int_equal(llmk_model_count(), n + 1);
}

/* Many threads setting and reading prices at once (run under TSan by the
 * lead's sanitizer job): every read sees one of the values written. */
#define N_THREADS 4
#define N_ROUNDS 2000

static void *price_worker(void *arg)
{
	int id = (int)(intptr_t)arg, i;
	char key[64];
	double v;

	for (i = 0; i < N_ROUNDS; i++) {
		snprintf(key, sizeof(key), "together/thread-%d-model-%d", id, i % 16);
		if (llmk_model_set_price(key, (double)(i % 4), 1, -1, -1) != LLMK_OK)
			return (void *)1;
		if (llmk_model_set_price("together/shared", (double)(id + 1), 1, -1, -1) != LLMK_OK)
			return (void *)1;
		if (llmk_model_info("together/shared", LLMK_INFO_INPUT_PRICE, &v) != LLMK_OK || v < 1 || v > N_THREADS)
			return (void *)1;
		if (!llmk_model_name(llmk_model_count() - 1))
			return (void *)1;
	}
	return NULL;
}

static void test_set_price_threads(void **state)
{
	pthread_t t[N_THREADS];
	size_t n = llmk_model_count();
	void *ret;
	int i;

	(void)state;
	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, price_worker, (void *)(intptr_t)i), 0);
	for (i = 0; i < N_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	/* 16 models per thread and one shared, each added once */
	assert_int_equal(llmk_model_count(), n + N_THREADS * 16 + 1);
}

/* ---- the cost function ------------------------------------------------------ */

static void usage_set(int64_t u[8], int64_t in, int64_t out, int64_t cached, int64_t write, int64_t reasoning)
{
	int i;

	for (i = 0; i < 8; i++)
		u[i] = -1;
	u[U_IN] = in;
	u[U_OUT] = out;
	u[U_CACHED] = cached;
	u[U_WRITE] = write;
	u[U_REASON] = reasoning;
}

static void test_cost_function(void **state)
{
	int64_t u[8];
	double usd = 0;

	(void)state;
	/* Anthropic, table prices 3 / 0.3 cached / 3.75 written / 15: 50k of
	 * each kind of token costs 5 % of the sum of the prices */
	usage_set(u, 150000, 50000, 50000, 50000, -1);
	assert_int_equal(llmk__cost_usd("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", u, &usd),
	                 LLMK_OK);
	assert_cost((3 + 0.3 + 3.75 + 15) * 0.05, usd);
	/* a prompt above 200k tokens bills the whole request at the long-context
	 * tier: input 6, cached 0.6, output 22.5 (cache writes keep 3.75) */
	usage_set(u, 3000000, 1000000, 1000000, 1000000, -1);
	assert_int_equal(llmk__cost_usd("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", u, &usd),
	                 LLMK_OK);
	assert_cost(6 + 0.6 + 3.75 + 22.5, usd);
	assert_true(info("anthropic/claude-sonnet-4-5", LLMK_INFO_TIER_ABOVE_TOKENS) == 200000);
	/* 1-hour writes (part of CACHE_WRITE) at the 1-hour price, $6 for
	 * Sonnet 4.5: 1M written of which 400k for an hour = 0.6 * 3.75 +
	 * 0.4 * 6 = 2.25 + 2.4 */
	usage_set(u, 1000000, 0, 0, 1000000, -1);
	u[LLMK_USAGE_CACHE_WRITE_1H] = 400000;
	assert_int_equal(llmk__cost_usd("anthropic", "claude-sonnet-4-5", NULL, u, &usd), LLMK_OK);
	assert_cost(4.65, usd);
	/* a 1-hour count above the total is capped at it: all 1 h, $6 */
	u[LLMK_USAGE_CACHE_WRITE_1H] = 2000000;
	assert_int_equal(llmk__cost_usd("anthropic", "claude-sonnet-4-5", NULL, u, &usd), LLMK_OK);
	assert_cost(6, usd);
	/* a row without a 1-hour price (Claude 3 Haiku: 0.30 per 5-minute
	 * write) bills them at the 5-minute price */
	u[LLMK_USAGE_CACHE_WRITE_1H] = 400000;
	assert_true(info("anthropic/claude-3-haiku-20240307", LLMK_INFO_CACHE_WRITE_1H_PRICE) == -1);
	assert_int_equal(llmk__cost_usd("anthropic", "claude-3-haiku-20240307", NULL, u, &usd), LLMK_OK);
	assert_cost(info("anthropic/claude-3-haiku-20240307", LLMK_INFO_CACHE_WRITE_PRICE), usd);
	/* the reported snapshot wins over the requested alias */
	usage_set(u, 1000000, 0, -1, -1, -1);
	assert_int_equal(llmk__cost_usd("anthropic", "claude-sonnet-4-5", "claude-3-haiku-20240307", u, &usd), LLMK_OK);
	assert_cost(0.25, usd);
	/* no reported model: the requested one */
	assert_int_equal(llmk__cost_usd("anthropic", "claude-opus-4-5", "", u, &usd), LLMK_OK);
	assert_cost(5, usd);
	assert_int_equal(llmk__cost_usd("anthropic", "claude-opus-4-5", NULL, u, &usd), LLMK_OK);
	assert_cost(5, usd);
	/* unknown parts count as 0; reasoning is already inside OUTPUT */
	usage_set(u, -1, 1000000, -1, -1, 400000);
	assert_int_equal(llmk__cost_usd("anthropic", "claude-haiku-4-5", NULL, u, &usd), LLMK_OK);
	assert_cost(5, usd);
	/* counters that contradict each other: what was reported cached or
	 * written is billed as such, the uncached part never goes negative */
	usage_set(u, 100, 0, 1000000, 0, -1);
	assert_int_equal(llmk__cost_usd("anthropic", "claude-haiku-4-5", NULL, u, &usd), LLMK_OK);
	assert_cost(0.1, usd);
	/* local servers cost nothing */
	usage_set(u, 123456, 654321, 1000, -1, 500);
	assert_int_equal(llmk__cost_usd("ollama", "llama3.2", "llama3.2:latest", u, &usd), LLMK_OK);
	assert_true(usd == 0);
	assert_int_equal(llmk__cost_usd("llamacpp", NULL, NULL, u, &usd), LLMK_OK);
	assert_true(usd == 0);
	/* a caller's price for one local model wins over the provider's row */
	assert_int_equal(llmk_model_set_price("vllm/big-model", 1, 2, -1, -1), LLMK_OK); /* TEST */
	usage_set(u, 1000000, 1000000, 500000, -1, -1);
	assert_int_equal(llmk__cost_usd("vllm", "big-model", "big-model-served", u, &usd), LLMK_OK);
	assert_cost(3, usd); /* cached price -1: cached tokens billed as input */
	/* no price known */
	assert_int_equal(llmk__cost_usd("together", "no-such/model", NULL, u, &usd), LLMK_E_NOT_FOUND);
	assert_true(usd == -1);
	assert_int_equal(llmk__cost_usd("no-such-provider", "m", NULL, u, &usd), LLMK_E_NOT_FOUND);
	/* no counts at all */
	usage_set(u, -1, -1, -1, -1, -1);
	assert_int_equal(llmk__cost_usd("anthropic", "claude-haiku-4-5", NULL, u, &usd), LLMK_E_UNSUPPORTED);
	assert_true(usd == -1);
	/* bad arguments */
	assert_int_equal(llmk__cost_usd(NULL, "m", NULL, u, &usd), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk__cost_usd("", "m", NULL, u, &usd), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk__cost_usd("anthropic", "m", NULL, NULL, &usd), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk__cost_usd("anthropic", "m", NULL, u, NULL), LLMK_E_INVALID_ARG);
}

/* ---- each provider's usage over real sockets ---------------------------------- */

typedef struct answer {
	llmk_client *c;
	llmk_response *resp;
	int nusage;            /* USAGE events seen while streaming */
	int64_t last_usage[8]; /* what the last one said */
} answer;

static int32_t on_event(const llmk_event *ev, void *user)
{
	answer *a = user;
	int i;

	if (llmk_event_type(ev) == LLMK_EVENT_USAGE) {
		a->nusage++;
		for (i = 0; i < 8; i++)
			a->last_usage[i] = llmk_event_usage(ev, i);
	}
	return 0;
}

/* Sends "hi" to `model` ("provider/model") at the loopback server + path,
 * answered by the fixture `file` (an SSE stream when stream is 1). */
static void ask(answer *a, const char *model, const char *path, const char *file, int stream)
{
	char url[256], *body = read_data(file, NULL);
	llmk_request *r;
	th_response tr;
	llmk_status st;

	memset(a, 0, sizeof(*a));
	assert_non_null(body);
	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = stream ? "Content-Type: text/event-stream\r\n" : "Content-Type: application/json\r\n";
	tr.body = body;
	tr.chunked = stream;
	tr.write_size = stream ? 97 : 0; /* streams arrive in pieces */
	th_reset(srv);
	th_push(srv, &tr);
	free(body);

	assert_int_equal(llmk_client_new(&a->c, model), LLMK_OK);
	snprintf(url, sizeof(url), "%s%s", th_url(srv), path);
	assert_int_equal(llmk_client_set_str(a->c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(a->c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(a->c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"), LLMK_OK);
	st = stream ? llmk_stream(a->c, r, on_event, a, &a->resp) : llmk_send(a->c, r, &a->resp);
	llmk_request_free(r);
	if (st != LLMK_OK)
		fail_msg("%s: %s: %s", model, llmk_status_name(st), llmk_response_error(a->resp));
	assert_int_equal(th_request_count(srv), 1);
	if (stream)
		assert_true(a->nusage > 0);
}

static void answer_free(answer *a)
{
	llmk_response_free(a->resp);
	llmk_client_free(a->c);
}

/* The normalised counters of the response (and of the last USAGE event of
 * a stream): -1 where the provider reports none. */
static void check_usage(const answer *a, int64_t in, int64_t out, int64_t total, int64_t cached, int64_t write,
                        int64_t reasoning)
{
	const int64_t want[7] = {0, in, out, total, cached, reasoning, write};
	int i;

	for (i = U_IN; i <= U_WRITE; i++) {
		if (llmk_response_usage(a->resp, i) != want[i])
			fail_msg("usage %d: %lld, want %lld", i, (long long)llmk_response_usage(a->resp, i),
			         (long long)want[i]);
		if (a->nusage && a->last_usage[i] != want[i])
			fail_msg("usage event %d: %lld, want %lld", i, (long long)a->last_usage[i], (long long)want[i]);
	}
}

/* The cost of the response, as compare computes it. */
static double cost_of(const answer *a, const char *provider, const char *requested)
{
	int64_t u[8];
	double usd;
	int i;

	for (i = 0; i < 8; i++)
		u[i] = llmk_response_usage(a->resp, i);
	assert_int_equal(llmk__cost_usd(provider, requested, llmk_response_model(a->resp), u, &usd), LLMK_OK);
	return usd;
}

static void test_openai_chat(void **state)
{
	answer a;

	(void)state;
	assert_int_equal(llmk_model_set_price("openai/o4-mini", 1, 4, 0.25, -1), LLMK_OK); /* TEST */
	ask(&a, "openai/o4-mini", "/v1", "cost/openai_chat.json", 0);
	assert_string_equal(llmk_response_model(a.resp), "o4-mini-2025-04-16");
	check_usage(&a, 2006, 300, 2306, 1920, -1, 192);
	/* 86 uncached + 1920 cached + 300 output, reasoning inside */
	assert_cost((86 * 1 + 1920 * 0.25 + 300 * 4) / 1e6, cost_of(&a, "openai", "o4-mini"));
	assert_cost(0.001766, cost_of(&a, "openai", "o4-mini"));
	answer_free(&a);
}

static void test_openai_stream(void **state)
{
	answer a;

	(void)state;
	assert_int_equal(llmk_model_set_price("openai/gpt-4o-mini", 0.5, 2, 0.25, -1), LLMK_OK); /* TEST */
	ask(&a, "openai/gpt-4o-mini", "/v1", "cost/openai_stream.sse", 1);
	assert_string_equal(llmk_response_text(a.resp), "Hello");
	check_usage(&a, 1536, 2, 1538, 1280, -1, 0);
	assert_cost(452e-6, cost_of(&a, "openai", "gpt-4o-mini")); /* 256 * 0.5 + 1280 * 0.25 + 2 * 2 */
	answer_free(&a);
}

static void test_azure_stream(void **state)
{
	answer a;

	(void)state;
	/* the model string names a deployment; the answer names the model */
	assert_int_equal(llmk_model_set_price("openai/gpt-4o", 2, 8, 1, -1), LLMK_OK); /* TEST */
	ask(&a, "azure/my-gpt4o-deployment", "", "azure/chat_stream.sse", 1);
	assert_string_equal(llmk_response_model(a.resp), "gpt-4o-2024-11-20");
	check_usage(&a, 9, 3, 12, 0, -1, 0);
	assert_cost(42e-6, cost_of(&a, "azure", "my-gpt4o-deployment")); /* 9 * 2 + 3 * 8 */
	/* a price for the deployment itself wins */
	assert_int_equal(llmk_model_set_price("azure/my-gpt4o-deployment", 4, 16, -1, -1), LLMK_OK); /* TEST */
	assert_cost(84e-6, cost_of(&a, "azure", "my-gpt4o-deployment"));
	answer_free(&a);
}

/* Anthropic's input_tokens leaves out the tokens read from and written to
 * the cache: INPUT is their sum. Table prices (Anthropic's pricing page). */
static void test_anthropic_message(void **state)
{
	answer a;

	(void)state;
	ask(&a, "anthropic/claude-sonnet-4-5", "/v1", "anthropic/message.json", 0);
	assert_string_equal(llmk_response_model(a.resp), "claude-sonnet-4-5-20250929");
	check_usage(&a, 14 + 1800 + 200, 9, 14 + 1800 + 200 + 9, 1800, 200, -1);
	/* of the 200 written, 120 went to the 1-hour cache (cache_creation) */
	assert_int_equal(llmk_response_usage(a.resp, LLMK_USAGE_CACHE_WRITE_1H), 120);
	/* 14 * $3 + 1800 * $0.30 + 80 * $3.75 (5 min) + 120 * $6 (1 h) + 9 * $15
	 * per million = 42 + 540 + 300 + 720 + 135 = 1737 */
	assert_cost(1737e-6, cost_of(&a, "anthropic", "claude-sonnet-4-5"));
	answer_free(&a);
}

static void test_anthropic_stream(void **state)
{
	answer a;

	(void)state;
	/* message_start carries the input counts, message_delta the final
	 * output count */
	ask(&a, "anthropic/claude-sonnet-4-5", "/v1", "anthropic/stream.sse", 1);
	check_usage(&a, 2014, 9, 2023, 1800, 200, -1);
	assert_int_equal(llmk_response_usage(a.resp, LLMK_USAGE_CACHE_WRITE_1H), 120);
	assert_int_equal(a.last_usage[LLMK_USAGE_CACHE_WRITE_1H], 120); /* the usage event says it too */
	assert_cost(1737e-6, cost_of(&a, "anthropic", "claude-sonnet-4-5"));
	answer_free(&a);
}

/* Gemini: promptTokenCount includes cachedContentTokenCount;
 * candidatesTokenCount leaves out thoughtsTokenCount (total = prompt +
 * candidates + thoughts), so OUTPUT adds them. */
static void test_gemini_thinking(void **state)
{
	answer a;

	(void)state;
	assert_int_equal(llmk_model_set_price("gemini/gemini-2.5-flash", 0.25, 2, 0.125, -1), LLMK_OK); /* TEST */
	ask(&a, "gemini/gemini-2.5-flash", "/v1beta", "gemini/generate_content_thinking.json", 0);
	check_usage(&a, 12, 11 + 187, 210, 4, -1, 187);
	assert_cost(398.5e-6, cost_of(&a, "gemini", "gemini-2.5-flash")); /* 8 * .25 + 4 * .125 + 198 * 2 */
	answer_free(&a);
}

static void test_gemini_stream(void **state)
{
	answer a;

	(void)state;
	assert_int_equal(llmk_model_set_price("gemini/gemini-2.5-flash", 0.25, 2, 0.125, -1), LLMK_OK); /* TEST */
	ask(&a, "gemini/gemini-2.5-flash", "/v1beta", "gemini/stream_thinking.sse", 1);
	check_usage(&a, 5, 3 + 40, 48, -1, -1, 40);
	assert_cost(87.25e-6, cost_of(&a, "gemini", "gemini-2.5-flash")); /* 5 * .25 + 43 * 2 */
	answer_free(&a);
}

/* Cohere: tokens (what the model read and wrote) over billed_units;
 * cached_tokens is part of tokens.input_tokens. */
static void test_cohere_cached(void **state)
{
	answer a;

	(void)state;
	assert_int_equal(llmk_model_set_price("cohere/command-a-03-2025", 2.5, 10, -1, -1), LLMK_OK); /* TEST */
	ask(&a, "cohere/command-a-03-2025", "", "cohere/chat_cached_usage.json", 0);
	check_usage(&a, 500, 5, 505, 448, -1, -1);
	/* no cached price: cached tokens billed as input */
	assert_cost(1300e-6, cost_of(&a, "cohere", "command-a-03-2025")); /* 500 * 2.5 + 5 * 10 */
	answer_free(&a);
}

static void test_cohere_stream(void **state)
{
	answer a;

	(void)state;
	assert_int_equal(llmk_model_set_price("cohere/command-a-03-2025", 2.5, 10, 0.625, -1), LLMK_OK); /* TEST */
	ask(&a, "cohere/command-a-03-2025", "", "cohere/chat_stream_cached.sse", 1);
	check_usage(&a, 500, 5, 505, 448, -1, -1);
	assert_cost(460e-6, cost_of(&a, "cohere", "command-a-03-2025")); /* 52 * 2.5 + 448 * .625 + 5 * 10 */
	answer_free(&a);
}

static void test_mistral_cached(void **state)
{
	answer a;

	(void)state;
	/* priced by the requested alias: the reported snapshot has no row */
	assert_int_equal(llmk_model_set_price("mistral/mistral-medium-latest", 0.5, 2, 0.125, -1), LLMK_OK); /* TEST */
	ask(&a, "mistral/mistral-medium-latest", "/v1", "cost/mistral_chat.json", 0);
	assert_string_equal(llmk_response_model(a.resp), "mistral-medium-2508");
	check_usage(&a, 1200, 80, 1280, 1024, -1, -1);
	assert_cost(376e-6, cost_of(&a, "mistral", "mistral-medium-latest")); /* 176 * .5 + 1024 * .125 + 80 * 2 */
	answer_free(&a);
}

static void test_deepseek_cache_hit(void **state)
{
	answer a;

	(void)state;
	assert_int_equal(llmk_model_set_price("deepseek/deepseek-reasoner", 0.5, 2, 0.125, -1), LLMK_OK); /* TEST */
	ask(&a, "deepseek/deepseek-reasoner", "/v1", "cost/deepseek_reasoner.json", 0);
	assert_string_equal(llmk_response_reasoning(a.resp), "Compare the tenths: 1 < 8.");
	check_usage(&a, 1500, 400, 1900, 1024, -1, 350);
	assert_cost(1166e-6, cost_of(&a, "deepseek", "deepseek-reasoner")); /* 476 * .5 + 1024 * .125 + 400 * 2 */
	answer_free(&a);
}

/* xAI counts reasoning beside completion_tokens, not inside. */
static void test_xai_reasoning(void **state)
{
	answer a;

	(void)state;
	assert_int_equal(llmk_model_set_price("xai/grok-3-mini", 0.25, 0.5, 0.0625, -1), LLMK_OK); /* TEST */
	ask(&a, "xai/grok-3-mini", "/v1", "cost/xai_reasoning.json", 0);
	check_usage(&a, 28, 4 + 300, 332, 5, -1, 300);
	assert_cost(158.0625e-6, cost_of(&a, "xai", "grok-3-mini")); /* 23 * .25 + 5 * .0625 + 304 * .5 */
	answer_free(&a);
}

static void test_groq_stream(void **state)
{
	answer a;

	(void)state;
	assert_int_equal(llmk_model_set_price("groq/llama-3.3-70b-versatile", 0.5, 1, -1, -1), LLMK_OK); /* TEST */
	ask(&a, "groq/llama-3.3-70b-versatile", "/openai/v1", "cost/groq_stream.sse", 1);
	check_usage(&a, 18, 439, 457, -1, -1, -1);
	assert_cost(448e-6, cost_of(&a, "groq", "llama-3.3-70b-versatile")); /* 18 * .5 + 439 */
	answer_free(&a);
}

static void test_ollama_free(void **state)
{
	answer a;

	(void)state;
	ask(&a, "ollama/llama3.2", "", "cost/ollama_chat.json", 0);
	check_usage(&a, 11, 18, 29, -1, -1, -1);
	assert_true(cost_of(&a, "ollama", "llama3.2") == 0);
	answer_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table_matches_data_file), /* first: nothing added yet */
	        cmocka_unit_test(test_lookup_rules),
	        cmocka_unit_test(test_set_price),
	        cmocka_unit_test(test_set_price_threads),
	        cmocka_unit_test(test_cost_function),
	        cmocka_unit_test(test_openai_chat),
	        cmocka_unit_test(test_openai_stream),
	        cmocka_unit_test(test_azure_stream),
	        cmocka_unit_test(test_anthropic_message),
	        cmocka_unit_test(test_anthropic_stream),
	        cmocka_unit_test(test_gemini_thinking),
	        cmocka_unit_test(test_gemini_stream),
	        cmocka_unit_test(test_cohere_cached),
	        cmocka_unit_test(test_cohere_stream),
	        cmocka_unit_test(test_mistral_cached),
	        cmocka_unit_test(test_deepseek_cache_hit),
	        cmocka_unit_test(test_xai_reasoning),
	        cmocka_unit_test(test_groq_stream),
	        cmocka_unit_test(test_ollama_free),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
