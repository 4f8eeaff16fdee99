/* llmkit batch and llmkit eval --batch, run as a program against the batch
 * APIs emulated on the loopback server (tests/support/batchd.h): submit a
 * dataset, status (and --wait), results to a file, cancel; eval --batch
 * prints the interactive eval's table at half the cost. Every run checks
 * that the key is never printed (cli_run.c). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batchd.h"
#include "cli_run.h"

#define KEY "sk-cli-batch-k3y-MUST-NEVER-BE-PRINTED-91c2"

#define RUN(o, ...)                                                    \
	do {                                                           \
		const char *const args_[] = {__VA_ARGS__, NULL};       \
		cli_spec spec_ = {args_, env, NULL, 0, NULL, NULL, 0}; \
		o = cli_run(&spec_);                                   \
	} while (0)

#define EXPECT_CODE(o, want)                                                                                         \
	do {                                                                                                         \
		if ((o)->code != (want))                                                                             \
			fail_msg("exit status %d, wanted %d\nstdout:\n%s\nstderr:\n%s", (o)->code, (want), (o)->out, \
			         (o)->err);                                                                          \
	} while (0)

#define EXPECT_IN(hay, needle)                                               \
	do {                                                                 \
		if (!strstr((hay), (needle)))                                \
			fail_msg("'%s' not found in:\n%s", (needle), (hay)); \
	} while (0)

static batchd *d;
static char url[128], dataset[256], outfile[256];
static const char *env[] = {"OPENAI_API_KEY=" KEY, "ANTHROPIC_API_KEY=" KEY, NULL};

static int setup(void **state)
{
	FILE *f;

	(void)state;
	d = batchd_start();
	snprintf(url, sizeof(url), "%s/v1", th_url(batchd_server(d)));
	snprintf(dataset, sizeof(dataset), "/tmp/llmkit-cli-batch-%d.jsonl", (int)getpid());
	snprintf(outfile, sizeof(outfile), "/tmp/llmkit-cli-batch-%d.out.jsonl", (int)getpid());
	f = fopen(dataset, "w");
	if (!f)
		return -1;
	fputs("{\"prompt\": \"alpha\", \"expected\": \"echo: alpha\"}\n"
	      "# a comment\n"
	      "{\"prompt\": \"beta\", \"expected\": \"echo: beta\", \"max_tokens\": 20}\n"
	      "{\"prompt\": \"gamma\", \"system\": \"Be brief.\", \"expected\": \"not this\"}\n",
	      f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(dataset);
	unlink(outfile);
	batchd_stop(d);
	return 0;
}

/* The id submit printed (its first line). */
static void first_line(const char *s, char *out, size_t cap)
{
	size_t n = strcspn(s, "\n");

	snprintf(out, cap, "%.*s", (int)n, s);
}

static void test_submit_status_results(void **state)
{
	cli_out *o;
	char id[64], *text = NULL;
	size_t n = 0, len = 0;
	FILE *f;
	json_t *l;

	(void)state;
	RUN(o, "batch", "submit", "-m", "openai/gpt-4o-mini", "--base-url", url, dataset);
	EXPECT_CODE(o, 0);
	first_line(o->out, id, sizeof(id));
	assert_true(!strncmp(id, "batch_", 6));
	EXPECT_IN(o->err, "3 request(s) submitted as");
	cli_out_free(o);

	RUN(o, "batch", "status", "-m", "openai/gpt-4o-mini", "--base-url", url, id);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, id);
	EXPECT_IN(o->out, " in_progress total=3");
	cli_out_free(o);

	/* Results before the end: refused, with the reason. */
	RUN(o, "batch", "results", "-m", "openai/gpt-4o-mini", "--base-url", url, id);
	EXPECT_CODE(o, 2); /* an invalid argument, as a usage error */
	EXPECT_IN(o->err, "results come once it has ended");
	cli_out_free(o);

	RUN(o, "batch", "status", "-m", "openai/gpt-4o-mini", "--base-url", url, "--wait", "--poll", "1", id);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, " completed total=3 succeeded=3 failed=0");
	cli_out_free(o);

	RUN(o, "batch", "results", "-m", "openai/gpt-4o-mini", "--base-url", url, "-o", outfile, id);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->err, "3 result(s), 0 failed, $");
	EXPECT_IN(o->err, "at the batch price");
	cli_out_free(o);
	f = fopen(outfile, "r");
	assert_non_null(f);
	while (getline(&text, &len, f) > 0) {
		l = json_loads(text, 0, NULL);
		assert_non_null(l);
		n++;
		assert_string_equal(json_string_value(json_object_get(l, "status")), "LLMK_OK");
		assert_non_null(strstr(json_string_value(json_object_get(l, "text")), "echo: "));
		assert_true(json_real_value(json_object_get(l, "cost_usd")) > 0);
		assert_true(json_integer_value(json_object_get(l, "input_tokens")) > 0);
		if (!strcmp(json_string_value(json_object_get(l, "custom_id")), "case-2"))
			assert_string_equal(json_string_value(json_object_get(l, "text")), "echo: beta");
		json_decref(l);
	}
	free(text);
	fclose(f);
	assert_int_equal(n, 3);
}

static void test_cancel(void **state)
{
	cli_out *o;
	char id[64];

	(void)state;
	RUN(o, "batch", "submit", "-m", "anthropic/claude-haiku-4-5", "--base-url", url, dataset);
	EXPECT_CODE(o, 0);
	first_line(o->out, id, sizeof(id));
	assert_true(!strncmp(id, "msgbatch_", 9));
	cli_out_free(o);
	RUN(o, "batch", "cancel", "-m", "anthropic/claude-haiku-4-5", "--base-url", url, id);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, " cancelling");
	cli_out_free(o);
	RUN(o, "batch", "status", "-m", "anthropic/claude-haiku-4-5", "--base-url", url, "--wait", "--poll", "1", id);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, " cancelled");
	EXPECT_IN(o->err, "llmkit batch: msgbatch_"); /* a poll's progress line */
	cli_out_free(o);
	/* What did not run comes back as cancelled: exit 10, some failed. */
	RUN(o, "batch", "results", "-m", "anthropic/claude-haiku-4-5", "--base-url", url, id);
	EXPECT_CODE(o, 10);
	EXPECT_IN(o->out, "\"status\":\"LLMK_E_CANCELLED\"");
	cli_out_free(o);
}

static void test_usage(void **state)
{
	cli_out *o;

	(void)state;
	RUN(o, "batch", "submit", dataset);
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "no model");
	cli_out_free(o);
	RUN(o, "batch", "frobnicate", "-m", "openai/x", "y");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "unknown subcommand");
	cli_out_free(o);
	RUN(o, "batch", "submit", "-m", "ollama/llama3.2", dataset);
	EXPECT_CODE(o, 8);
	EXPECT_IN(o->err, "no batch API");
	cli_out_free(o);
	RUN(o, "batch", "--help");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "usage: llmkit batch submit");
	cli_out_free(o);
}

/* The eval table, as JSON: each model's cost and score. */
static void eval_json(int batch, double *cost, double *score)
{
	cli_out *o;
	json_t *t, *row;

	if (batch)
		RUN(o, "eval", "--batch", "--poll", "1", "-m", "openai/gpt-4o-mini", "--format", "json", "--base-url",
		    url, dataset);
	else
		RUN(o, "eval", "-m", "openai/gpt-4o-mini", "--format", "json", "--base-url", url, dataset);
	EXPECT_CODE(o, 0);
	if (batch) {
		EXPECT_IN(o->err, "submitted, 3 requests");
		EXPECT_IN(o->err, "completed, 3 of 3 done");
	}
	t = json_loads(o->out, 0, NULL);
	if (!t)
		fail_msg("not JSON:\n%s", o->out);
	row = json_is_array(t) ? json_array_get(t, 0) : t;
	*cost = json_number_value(json_object_get(row, "cost_usd"));
	*score = json_number_value(json_object_get(row, "score"));
	json_decref(t);
	cli_out_free(o);
}

static void test_eval_batch(void **state)
{
	double c1, s1, cb, sb;

	(void)state;
	eval_json(0, &c1, &s1);
	eval_json(1, &cb, &sb);
	assert_true(c1 > 0);
	assert_true(fabs(s1 - 2.0 / 3.0) < 1e-3);
	assert_true(fabs(sb - s1) < 1e-9);
	if (fabs(cb - c1 / 2) > 1e-9)
		fail_msg("batch cost %g, interactive %g", cb, c1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_submit_status_results),
	        cmocka_unit_test(test_cancel),
	        cmocka_unit_test(test_usage),
	        cmocka_unit_test(test_eval_batch),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/llmkit\n", argv[0]);
		return 2;
	}
	cli_binary = argv[1];
	cli_secret = KEY;
	return cmocka_run_group_tests(tests, setup, teardown);
}
