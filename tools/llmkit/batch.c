/* llmkit batch: a dataset through a provider's batch API (llmk_batch_*):
 * submit, status (optionally waiting), results, cancel. The batch lives at
 * the provider, so each subcommand is its own process and needs only the
 * id (and the provider, from -m). Also the progress lines of
 * `llmkit eval --batch` (cli_batch_log). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char batch_help[] =
        "usage: llmkit batch submit -m MODEL [--wait] DATASET.jsonl\n"
        "       llmkit batch status -m MODEL [--wait] ID\n"
        "       llmkit batch results -m MODEL [-o OUT.jsonl] ID\n"
        "       llmkit batch cancel -m MODEL ID\n"
        "\n"
        "Runs many requests through the provider's batch API (OpenAI, Azure OpenAI,\n"
        "Anthropic, Gemini): answered within 24 hours at the batch price, usually\n"
        "half. The dataset has one case per line, as for 'llmkit eval':\n"
        "  {\"prompt\": \"...\", \"system\": \"...\", \"max_tokens\": 100, \"temperature\": 0}\n"
        "(only \"prompt\" is required; the request of line N gets the id case-N, N counting\n"
        "cases from 1). submit prints the batch's id; the other subcommands take it, with\n"
        "the same -m for the provider (the model itself is not used again).\n"
        "\n"
        "Options:\n"
        "  -m, --model MODEL   provider/model (submit), or any model of the provider\n"
        "      --wait          poll until the batch has ended, with progress on stderr\n"
        "      --poll SECONDS  how often --wait polls (default 30)\n"
        "  -o, --output FILE   results as JSONL (default: stdout): custom_id, status,\n"
        "                      text, error, input_tokens, output_tokens, cost_usd\n"
        "\n"
        "Global options (llmkit --help): --base-url, --timeout, --retries, --verbose.\n"
        "Exit status: 0; 10 from results when some requests failed; the class of the\n"
        "failure (llmkit --help) otherwise.\n";

enum { B_MODEL = 1, B_WAIT, B_POLL, B_OUT };
static const cli_opt batch_opts[] = {
        {"model", 'm', 1, B_MODEL}, {"wait", 0, 0, B_WAIT}, {"poll", 0, 1, B_POLL},
        {"output", 'o', 1, B_OUT},  {NULL, 0, 0, 0},
};

/* The progress lines of a batch (compare_batch.c logs them at info): shown
 * whatever --verbose says; other lines only with --verbose. */
void cli_batch_log(int32_t level, const char *line, void *user)
{
	const char *cmd = user;
	char *clean;

	if (strncmp(line, "batch ", 6) &&
	    (!g_opt.verbose || level > (g_opt.verbose > 1 ? LLMK_LOG_DEBUG : LLMK_LOG_INFO)))
		return;
	clean = cli_clean(line);
	cli_end_line();
	fprintf(stderr, "llmkit %s: %s\n", cmd, clean ? clean : "");
	free(clean);
}

static int fail_batch(const char *what, llmk_batch *b, llmk_status st)
{
	char *msg = cli_clean(llmk_batch_errmsg(b));

	cli_error("batch", "%s: %s (%s)", what, msg && *msg ? msg : llmk_strerror(st), llmk_status_name(st));
	free(msg);
	return cli_exit_for(st, NULL);
}

static void print_status(const llmk_batch *b, FILE *fp)
{
	fprintf(fp, "%s %s", llmk_batch_id(b), llmk_batch_state_name(llmk_batch_state(b)));
	if (llmk_batch_count(b, LLMK_BATCH_N_TOTAL) >= 0)
		fprintf(fp, " total=%lld", (long long)llmk_batch_count(b, LLMK_BATCH_N_TOTAL));
	if (llmk_batch_count(b, LLMK_BATCH_N_SUCCEEDED) >= 0)
		fprintf(fp, " succeeded=%lld", (long long)llmk_batch_count(b, LLMK_BATCH_N_SUCCEEDED));
	if (llmk_batch_count(b, LLMK_BATCH_N_FAILED) >= 0)
		fprintf(fp, " failed=%lld", (long long)llmk_batch_count(b, LLMK_BATCH_N_FAILED));
	if (llmk_batch_count(b, LLMK_BATCH_N_PENDING) >= 0)
		fprintf(fp, " pending=%lld", (long long)llmk_batch_count(b, LLMK_BATCH_N_PENDING));
	if (llmk_batch_count(b, LLMK_BATCH_N_OTHER) >= 0)
		fprintf(fp, " not_run=%lld", (long long)llmk_batch_count(b, LLMK_BATCH_N_OTHER));
	fputc('\n', fp);
}

static int32_t on_poll(const llmk_batch *b, void *user)
{
	(void)user;
	cli_end_line();
	fputs("llmkit batch: ", stderr);
	print_status(b, stderr);
	return cli_interrupted();
}

static int wait_for(llmk_batch *b, long poll_s)
{
	llmk_status st = llmk_batch_wait(b, (int64_t)poll_s * 1000, 0, on_poll, NULL);

	if (st == LLMK_E_CANCELLED && cli_interrupted()) {
		cli_note("batch", "stopped waiting; the batch goes on: llmkit batch status %s", llmk_batch_id(b));
		return EXIT_INTERRUPTED;
	}
	return st == LLMK_OK ? EXIT_OK : fail_batch("waiting", b, st);
}

static int submit(llmk_client *c, const char *path, int wait, long poll_s)
{
	llmk_compare *cmp = NULL;
	llmk_batch *b = NULL;
	llmk_status st;
	size_t i, n;
	char id[32];
	int rc = EXIT_OK;

	/* The eval dataset reader: the same format, the same errors. */
	if (llmk_compare_new(&cmp) != LLMK_OK)
		return EXIT_FAILURE_OTHER;
	if ((st = llmk_compare_load_jsonl(cmp, path)) != LLMK_OK) {
		cli_error("batch", "%s", llmk_compare_errmsg(cmp));
		rc = st == LLMK_E_NOMEM ? EXIT_FAILURE_OTHER : EXIT_USAGE;
		goto out;
	}
	if ((st = llmk_batch_new(&b, c)) != LLMK_OK) {
		cli_error("batch", "%s", llmk_client_errmsg(c));
		rc = cli_exit_for(st, NULL);
		goto out;
	}
	llmk_batch_set_cancel(b, g_cancel);
	n = llmk_compare_case_count(cmp);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "case-%zu", i + 1);
		if ((st = llmk_batch_add(b, id, llmk_compare_case_request(cmp, i))) != LLMK_OK) {
			rc = fail_batch(id, b, st);
			goto out;
		}
	}
	if ((st = llmk_batch_submit(b)) != LLMK_OK) {
		rc = fail_batch("submit", b, st);
		goto out;
	}
	printf("%s\n", llmk_batch_id(b));
	fflush(stdout);
	cli_note("batch", "%zu request(s) submitted as %s (%s)", n, llmk_batch_id(b),
	         llmk_batch_state_name(llmk_batch_state(b)));
	if (wait)
		rc = wait_for(b, poll_s);
out:
	llmk_batch_free(b);
	llmk_compare_free(cmp);
	return rc;
}

/* One result as a JSON line. */
static void put_result(FILE *fp, const char *id, const llmk_response *r)
{
	double cost = -1;
	llmk_status st = llmk_response_status(r);

	fputs("{\"custom_id\":", fp);
	cli_json_string(fp, id);
	fprintf(fp, ",\"status\":\"%s\"", llmk_status_name(st));
	if (st == LLMK_OK) {
		fputs(",\"text\":", fp);
		cli_json_string(fp, llmk_response_text(r));
	} else {
		fputs(",\"error\":", fp);
		cli_json_string(fp, llmk_response_error(r));
	}
	if (llmk_response_usage(r, LLMK_USAGE_INPUT) >= 0)
		fprintf(fp, ",\"input_tokens\":%lld", (long long)llmk_response_usage(r, LLMK_USAGE_INPUT));
	if (llmk_response_usage(r, LLMK_USAGE_OUTPUT) >= 0)
		fprintf(fp, ",\"output_tokens\":%lld", (long long)llmk_response_usage(r, LLMK_USAGE_OUTPUT));
	if (llmk_response_cost(r, &cost) == LLMK_OK)
		fprintf(fp, ",\"cost_usd\":%.9g", cost);
	fputs("}\n", fp);
}

static int results(llmk_batch *b, const char *out)
{
	FILE *fp = out && strcmp(out, "-") ? fopen(out, "w") : stdout;
	const char *id;
	llmk_response *r;
	llmk_status st;
	size_t n = 0, failed = 0;
	double total = 0, cost;
	int priced = 1;

	if (!fp) {
		cli_error("batch", "cannot write %s", out);
		return EXIT_USAGE;
	}
	while ((st = llmk_batch_next_result(b, &id, &r)) == LLMK_OK && r) {
		put_result(fp, id, r);
		n++;
		failed += llmk_response_status(r) != LLMK_OK;
		if (llmk_response_status(r) == LLMK_OK) {
			if (llmk_response_cost(r, &cost) == LLMK_OK)
				total += cost;
			else
				priced = 0;
		}
		llmk_response_free(r);
	}
	if (fp != stdout && fclose(fp)) {
		cli_error("batch", "writing %s failed", out);
		return EXIT_FAILURE_OTHER;
	}
	if (st != LLMK_OK)
		return fail_batch("results", b, st);
	if (priced)
		cli_note("batch", "%zu result(s), %zu failed, $%.6f at the batch price", n, failed, total);
	else
		cli_note("batch", "%zu result(s), %zu failed, cost unknown (no price for the model)", n, failed);
	return failed ? EXIT_PARTIAL : EXIT_OK;
}

int cmd_batch(int argc, char **argv)
{
	cli_parse p;
	const char *val, *model = NULL, *out = NULL, *sub;
	llmk_client *c = NULL;
	llmk_batch *b = NULL;
	llmk_status st;
	long poll_s = 30;
	int id, wait = 0, rc = EXIT_OK;

	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	while ((id = cli_next(&p, batch_opts, &val)) > 0) {
		if (id == B_MODEL)
			model = val;
		else if (id == B_WAIT)
			wait = 1;
		else if (id == B_OUT)
			out = val;
		else if (id == B_POLL && cli_int("batch", "--poll", val, 1, 86400, &poll_s))
			goto usage;
	}
	if (id == CLI_HELP) {
		fputs(batch_help, stdout);
		goto done;
	}
	if (id == CLI_ERROR)
		goto usage;
	if (p.npos != 2) {
		rc = cli_usage_error("batch",
		                     "expected a subcommand (submit, status, results, cancel) and its argument");
		goto done;
	}
	sub = p.pos[0];
	if (strcmp(sub, "submit") && strcmp(sub, "status") && strcmp(sub, "results") && strcmp(sub, "cancel")) {
		rc = cli_usage_error("batch", "unknown subcommand '%s'", sub);
		goto done;
	}
	if (!model) {
		rc = cli_usage_error("batch", "no model: give -m provider/model (the provider of the batch)");
		goto done;
	}
	if (!(c = cli_client("batch", model, &rc)))
		goto done;
	if (!strcmp(sub, "submit")) {
		rc = submit(c, p.pos[1], wait, poll_s);
		goto done;
	}
	st = llmk_batch_open(&b, c, p.pos[1]);
	if (st != LLMK_OK) {
		rc = b ? fail_batch(p.pos[1], b, st) : cli_exit_for(st, NULL);
		if (!b)
			cli_error("batch", "%s", llmk_client_errmsg(c));
		goto done;
	}
	llmk_batch_set_cancel(b, g_cancel);
	if (!strcmp(sub, "status")) {
		if (wait && !llmk_batch_ended(b))
			rc = wait_for(b, poll_s);
		if (rc == EXIT_OK)
			print_status(b, stdout);
		if (rc == EXIT_OK && llmk_batch_state(b) == LLMK_BATCH_FAILED && *llmk_batch_errmsg(b))
			cli_note("batch", "failed: %s", llmk_batch_errmsg(b));
	} else if (!strcmp(sub, "cancel")) {
		if ((st = llmk_batch_cancel(b)) != LLMK_OK)
			rc = fail_batch("cancel", b, st);
		else
			print_status(b, stdout);
	} else {
		rc = results(b, out);
	}
	goto done;
usage:
	rc = EXIT_USAGE;
done:
	llmk_batch_free(b);
	llmk_client_free(c);
	cli_parse_free(&p);
	return rc;
}
