/* llmkit models and providers: what the library knows, and what is set up. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- models ---------------------------------------------------------------- */

static const char models_help[] = "usage: llmkit models [--format FORMAT] [PROVIDER...]\n"
                                  "\n"
                                  "Lists the models of the built-in price table (all, or those of the PROVIDERs\n"
                                  "named) with context length, most output tokens and prices in USD per million\n"
                                  "tokens, the date the provider retires it and where the prices come from\n"
                                  "(page: the provider's own page; litellm, genai-prices: those price lists;\n"
                                  "rule: a local server, $0). The json, csv and markdown formats add batch,\n"
                                  "1-hour cache-write and long-context prices. A model named provider/*\n"
                                  "prices every model of that provider.\n"
                                  "\n"
                                  "Options:\n"
                                  "      --format FORMAT    table (default), json, csv or markdown\n"
                                  "\n"
                                  "Exit status: 0, or 2 for a bad command line or an unknown provider.\n";

enum { M_FORMAT = 1 };
static const cli_opt models_opts[] = {{"format", 0, 1, M_FORMAT}, {NULL, 0, 0, 0}};

static int known_provider(const char *name)
{
	size_t i, n = llmk_provider_count();

	for (i = 0; i < n; i++)
		if (!strcmp(llmk_provider_name(i), name))
			return 1;
	return 0;
}

static void info_cell(cli_table *t, size_t row, size_t col, const char *model, int32_t which, int pretty, int price)
{
	double v = -1;

	llmk_model_info(model, which, &v);
	if (v < 0)
		cli_table_set(t, row, col, NULL, "%s", pretty ? "-" : "");
	else if (which == LLMK_INFO_SOURCE)
		cli_table_set(t, row, col, NULL, "%s",
		              v == LLMK_SOURCE_PAGE      ? "page"
		              : v == LLMK_SOURCE_LITELLM ? "litellm"
		              : v == LLMK_SOURCE_RULE    ? "rule"
		                                         : "genai-prices");
	else if (which == LLMK_INFO_DEPRECATION_DATE)
		cli_table_set(t, row, col, NULL, "%04.0f-%02.0f-%02.0f", floor(v / 10000), fmod(floor(v / 100), 100),
		              fmod(v, 100));
	else if (!pretty)
		cli_table_set(t, row, col, NULL, "%.6g", v);
	else if (price)
		cli_table_set(t, row, col, NULL, "%g", v);
	else
		cli_table_set(t, row, col, NULL, "%.0f", v);
}

int cmd_models(int argc, char **argv)
{
	static const char *head[] = {"model",      "context",    "max output", "input $/M",
	                             "cached $/M", "output $/M", "retires",    "source"};
	static const int32_t which[] = {LLMK_INFO_CONTEXT_TOKENS,
	                                LLMK_INFO_MAX_OUTPUT_TOKENS,
	                                LLMK_INFO_INPUT_PRICE,
	                                LLMK_INFO_CACHED_INPUT_PRICE,
	                                LLMK_INFO_OUTPUT_PRICE,
	                                LLMK_INFO_DEPRECATION_DATE,
	                                LLMK_INFO_SOURCE,
	                                LLMK_INFO_CACHE_WRITE_PRICE,
	                                LLMK_INFO_CACHE_WRITE_1H_PRICE,
	                                LLMK_INFO_BATCH_INPUT_PRICE,
	                                LLMK_INFO_BATCH_OUTPUT_PRICE,
	                                LLMK_INFO_TIER_ABOVE_TOKENS,
	                                LLMK_INFO_TIER_INPUT_PRICE,
	                                LLMK_INFO_TIER_OUTPUT_PRICE};
	static const char *mhead[] = {"model",
	                              "context_tokens",
	                              "max_output_tokens",
	                              "input_usd_per_mtok",
	                              "cached_input_usd_per_mtok",
	                              "output_usd_per_mtok",
	                              "deprecated",
	                              "source",
	                              "cache_write_usd_per_mtok",
	                              "cache_write_1h_usd_per_mtok",
	                              "batch_input_usd_per_mtok",
	                              "batch_output_usd_per_mtok",
	                              "tier_above_tokens",
	                              "tier_input_usd_per_mtok",
	                              "tier_output_usd_per_mtok"};
	static const int kind[] = {COL_LEFT,   COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER,
	                           COL_NUMBER, COL_LEFT,   COL_LEFT,   COL_NUMBER, COL_NUMBER,
	                           COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER};
	cli_parse p;
	cli_table t;
	const char *val;
	int id, format = FMT_TABLE, rc = EXIT_OK;
	size_t i, j, n = llmk_model_count(), row;

	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	while ((id = cli_next(&p, models_opts, &val)) > 0)
		if (cli_format("models", val, &format)) {
			rc = EXIT_USAGE;
			goto out;
		}
	if (id == CLI_HELP) {
		fputs(models_help, stdout);
		goto out;
	}
	if (id == CLI_ERROR) {
		rc = EXIT_USAGE;
		goto out;
	}
	for (j = 0; j < p.npos; j++)
		if (!known_provider(p.pos[j])) {
			rc = cli_usage_error("models", "'%s' is not a provider ('llmkit providers' lists them)",
			                     p.pos[j]);
			goto out;
		}
	cli_table_init(&t, format == FMT_TABLE ? 8 : 15, format == FMT_TABLE ? head : mhead, kind);
	for (i = 0; i < n; i++) {
		const char *m = llmk_model_name(i);
		size_t plen = strcspn(m, "/");
		int pretty = format == FMT_TABLE;

		if (p.npos) {
			for (j = 0; j < p.npos; j++)
				if (strlen(p.pos[j]) == plen && !strncmp(p.pos[j], m, plen))
					break;
			if (j == p.npos)
				continue;
		}
		row = cli_table_row(&t);
		cli_table_set(&t, row, 0, NULL, "%s", m);
		for (j = 0; j + 1 < t.ncols; j++)
			info_cell(&t, row, j + 1, m, which[j], pretty,
			          which[j] != LLMK_INFO_CONTEXT_TOKENS && which[j] != LLMK_INFO_MAX_OUTPUT_TOKENS &&
			                  which[j] != LLMK_INFO_TIER_ABOVE_TOKENS);
	}
	cli_table_print(&t, stdout, format, g_opt.color_out, 0);
	if (format == FMT_TABLE)
		printf("%s%zu models; prices in USD per million tokens as of %s (docs/PRICES.md)%s\n",
		       cli_c(g_opt.color_out, C_DIM), t.nrows, llmk_model_table_date(),
		       cli_c(g_opt.color_out, C_RESET));
	cli_table_free(&t);
out:
	cli_parse_free(&p);
	return rc;
}

/* ---- providers --------------------------------------------------------------- */

static const char providers_help[] = "usage: llmkit providers [--format FORMAT] [--no-probe]\n"
                                     "\n"
                                     "Lists the providers with the request kinds they serve, the environment\n"
                                     "variables they read, and whether they are ready: for hosted services,\n"
                                     "whether the API key variable is set; for local servers, whether something\n"
                                     "listens at the base URL (a TCP connection, nothing is sent).\n"
                                     "\n"
                                     "Options:\n"
                                     "      --format FORMAT    table (default), json, csv or markdown\n"
                                     "      --no-probe         do not connect to local servers\n"
                                     "\n"
                                     "Exit status: 0, or 2 for a bad command line.\n";

enum { P_FORMAT = 1, P_NOPROBE };
static const cli_opt providers_opts[] = {
        {"format", 0, 1, P_FORMAT},
        {"no-probe", 0, 0, P_NOPROBE},
        {NULL, 0, 0, 0},
};

static void kinds(const char *prov, char *out, size_t cap)
{
	static const char *const names[] = {"", "chat", "embed", "image", "transcribe", "speak", "rerank", "moderate"};
	int32_t k;
	size_t n = 0;

	out[0] = '\0';
	for (k = LLMK_CHAT; k <= LLMK_MODERATE; k++) {
		int64_t caps = llmk_provider_capabilities(prov, k);
		if (caps > 0 && (caps & LLMK_CAP_KIND) && n + strlen(names[k]) + 2 < cap)
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "", names[k]);
	}
}

/* 1 when the URL's host is this machine (127.x.x.x, ::1, localhost). */
static int is_loopback(const char *url)
{
	const char *h = url ? strstr(url, "://") : NULL;

	if (!h)
		return 0;
	h += 3;
	return !strncmp(h, "127.", 4) || !strncmp(h, "[::1]", 5) ||
	       (!strncmp(h, "localhost", 9) && strchr(":/", h[9] ? h[9] : '/'));
}

/* Credentials other than the key variable that make a provider usable:
 * "A and B" when both are set, else NULL. */
static const char *other_credentials(const char *prov)
{
	static const struct {
		const char *provider, *a, *b, *both;
	} alt[] = {
	        {"bedrock", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
	};
	size_t i;

	for (i = 0; i < sizeof(alt) / sizeof(alt[0]); i++) {
		const char *a = getenv(alt[i].a), *b = getenv(alt[i].b);
		if (!strcmp(prov, alt[i].provider) && a && *a && b && *b)
			return alt[i].both;
	}
	return NULL;
}

int cmd_providers(int argc, char **argv)
{
	static const char *head[] = {"provider", "serves", "key variable", "url variable", "status"};
	static const char *mhead[] = {"provider", "serves", "key_env", "url_env",
	                              "base_url", "hosted", "ready",   "status"};
	static const int kind[] = {COL_LEFT, COL_LEFT, COL_LEFT, COL_LEFT, COL_LEFT, COL_LEFT, COL_LEFT, COL_LEFT};
	cli_parse p;
	cli_table t;
	const char *val;
	int id, format = FMT_TABLE, probe = 1, rc = EXIT_OK;
	size_t i, n = llmk_provider_count(), row, ready = 0;

	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	while ((id = cli_next(&p, providers_opts, &val)) > 0) {
		if (id == P_NOPROBE)
			probe = 0;
		else if (cli_format("providers", val, &format)) {
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (id == CLI_HELP) {
		fputs(providers_help, stdout);
		goto out;
	}
	if (id == CLI_ERROR) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (p.npos) {
		rc = cli_usage_error("providers", "no arguments expected");
		goto out;
	}
	cli_table_init(&t, format == FMT_TABLE ? 5 : 8, format == FMT_TABLE ? head : mhead, kind);
	for (i = 0; i < n; i++) {
		const char *prov = llmk_provider_name(i), *kenv = llmk_provider_key_env(prov),
		           *uenv = llmk_provider_url_env(prov), *url = llmk_provider_base_url(prov), *uv;
		const char *color, *key = kenv ? getenv(kenv) : NULL, *cred;
		char serves[64], status[512];
		int hosted = 0, ok = 0;
		int32_t k;
		size_t col = 0;

		for (k = LLMK_CHAT; k <= LLMK_MODERATE; k++) {
			int64_t caps = llmk_provider_capabilities(prov, k);
			if (caps > 0 && (caps & LLMK_CAP_KEY_REQUIRED))
				hosted = 1;
		}
		/* a service whose key is optional but whose home is not this machine
		 * (Bedrock) is hosted too: never probed */
		if (!is_loopback(url))
			hosted = 1;
		cred = kenv;
		if (!(key && *key) && other_credentials(prov)) {
			key = "set";
			cred = other_credentials(prov);
		}
		uv = uenv ? getenv(uenv) : NULL;
		if (uv && *uv)
			url = uv;
		if (g_opt.base_url)
			url = g_opt.base_url;
		kinds(prov, serves, sizeof(serves));
		if (hosted) {
			ok = key && *key;
			if (ok && (!url || !*url)) { /* Azure: the endpoint is the user's own */
				ok = 0;
				snprintf(status, sizeof(status), "key set, no base URL (set %s)",
				         uenv ? uenv : "--base-url");
			} else if (ok)
				snprintf(status, sizeof(status), "configured (%s %s set)", cred,
				         strstr(cred, " and ") ? "are" : "is");
			else
				snprintf(status, sizeof(status), "no key (set %s)", kenv ? kenv : "a key");
		} else if (!url || !*url) {
			snprintf(status, sizeof(status), "no base URL (set %s)", uenv ? uenv : "--base-url");
		} else if (!probe) {
			snprintf(status, sizeof(status), "local server at %s (not probed)", url);
		} else {
			ok = cli_probe_url(url, 300);
			snprintf(status, sizeof(status), "%s at %s", ok ? "reachable" : "not reachable", url);
		}
		ready += ok;
		color = ok ? C_GREEN : NULL;
		row = cli_table_row(&t);
		cli_table_set(&t, row, col++, NULL, "%s", prov);
		cli_table_set(&t, row, col++, NULL, "%s", serves);
		cli_table_set(&t, row, col++, NULL, "%s", kenv ? kenv : (format == FMT_TABLE ? "-" : ""));
		cli_table_set(&t, row, col++, NULL, "%s", uenv ? uenv : (format == FMT_TABLE ? "-" : ""));
		if (format != FMT_TABLE) {
			cli_table_set(&t, row, col++, NULL, "%s", url ? url : "");
			cli_table_set(&t, row, col++, NULL, "%s", hosted ? "yes" : "no");
			cli_table_set(&t, row, col++, NULL, "%s", ok ? "yes" : "no");
		}
		cli_table_set(&t, row, col++, color, "%s", status);
	}
	cli_table_print(&t, stdout, format, g_opt.color_out, 0);
	if (format == FMT_TABLE)
		printf("%s%zu of %zu ready%s\n", cli_c(g_opt.color_out, C_DIM), ready, n,
		       cli_c(g_opt.color_out, C_RESET));
	cli_table_free(&t);
out:
	cli_parse_free(&p);
	return rc;
}
