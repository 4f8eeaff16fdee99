/* The llmkit tool against a real llama.cpp server (tests/real/harness.sh
 * chat,embed): chat through a preset, the model chosen with no -m,
 * compare of three presets on the one server as JSON, and embeddings.
 * The binary's path is argv[1]; runs go through tests/cli/cli_run.c (so a
 * valgrind wrapper applies, and the key is checked never to be printed). */
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

#include "cli_run.h"

#define KEY "sk-local-real-cli-0123456789"

static char chat_env[3][256], embed_env[256];

#define RUN(o, envv, ...)                                                    \
	do {                                                                 \
		const char *const args_[] = {__VA_ARGS__, NULL};             \
		cli_spec spec_ = {args_, envv, NULL, 0, NULL, NULL, 180000}; \
		o = cli_run(&spec_);                                         \
	} while (0)

static void expect_code(cli_out *o, int code)
{
	if (o->code != code)
		fail_msg("exit %d (want %d)\nstdout: %s\nstderr: %s", o->code, code, o->out, o->err);
}

static void test_chat(void **state)
{
	const char *env[] = {chat_env[0], NULL};
	cli_out *o;

	(void)state;
	RUN(o, env, "chat", "-m", "llamacpp/smollm2", "-t", "0", "--max-tokens", "16",
	    "What is the capital of France? Answer in one word.");
	expect_code(o, 0);
	if (!strstr(o->out, "Paris"))
		fail_msg("answer: %s", o->out);
	cli_out_free(o);

	/* streamed by default; --no-stream gives the same text */
	RUN(o, env, "chat", "--no-stream", "-m", "llamacpp/smollm2", "-t", "0", "--max-tokens", "16",
	    "What is the capital of France? Answer in one word.");
	expect_code(o, 0);
	if (!strstr(o->out, "Paris"))
		fail_msg("answer: %s", o->out);
	cli_out_free(o);
}

/* No -m and no key: the tool finds the server through LLAMACPP_BASE_URL
 * (the choice scripts/quickstart relies on). */
static void test_chat_picks_the_server(void **state)
{
	const char *env[] = {chat_env[0], NULL};
	cli_out *o;

	(void)state;
	RUN(o, env, "chat", "--print-model");
	expect_code(o, 0);
	assert_string_equal(o->out, "llamacpp/default\n");
	cli_out_free(o);
	RUN(o, env, "chat", "-t", "0", "--max-tokens", "8", "Say hello.");
	expect_code(o, 0);
	assert_true(strlen(o->out) > 1);
	cli_out_free(o);
}

/* One prompt, three presets, one server: every run answers, within the
 * limit, as JSON. */
static void test_compare_three_presets(void **state)
{
	static const char *const models[] = {"openai/smollm2", "llamacpp/smollm2", "openai-compatible/smollm2"};
	const char *env[] = {chat_env[0], chat_env[1], chat_env[2], "OPENAI_API_KEY=" KEY, NULL};
	json_error_t jerr;
	json_t *j;
	cli_out *o;
	size_t i;

	(void)state;
	RUN(o, env, "compare", "--format", "json", "-t", "0", "--max-tokens", "8", "-m", models[0], "-m", models[1],
	    "-m", models[2], "Count from 1 to 100, separated by spaces.");
	expect_code(o, 0);
	j = json_loads(o->out, 0, &jerr);
	if (!j)
		fail_msg("not JSON (%s):\n%s", jerr.text, o->out);
	assert_int_equal(json_array_size(j), 3);
	for (i = 0; i < 3; i++) {
		json_t *row = json_array_get(j, i);
		double out = json_number_value(json_object_get(row, "output_tokens"));

		assert_string_equal(json_string_value(json_object_get(row, "model")), models[i]);
		assert_string_equal(json_string_value(json_object_get(row, "status")), "ok");
		/* the limit holds for every preset (openai/ sent a name the server ignored) */
		if (out < 1 || out > 8)
			fail_msg("%s: %g output tokens for --max-tokens 8", models[i], out);
		assert_true(json_number_value(json_object_get(row, "input_tokens")) > 0);
		assert_true(strlen(json_string_value(json_object_get(row, "answer"))) > 0);
		assert_true(json_number_value(json_object_get(row, "ttft_ms")) >= 0);
	}
	/* temperature 0 on one server: the same answer from each preset */
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "answer")),
	                    json_string_value(json_object_get(json_array_get(j, 1), "answer")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "answer")),
	                    json_string_value(json_object_get(json_array_get(j, 2), "answer")));
	json_decref(j);
	cli_out_free(o);
}

static void test_embed(void **state)
{
	const char *env[] = {embed_env, NULL};
	cli_out *o;
	json_t *v;
	char *nl;

	(void)state;
	RUN(o, env, "embed", "-m", "llamacpp/smollm2-embed", "The cat sat on the mat.", "Quarterly revenue grew.");
	expect_code(o, 0);
	nl = strchr(o->out, '\n');
	assert_non_null(nl);
	*nl = '\0';
	v = json_loads(o->out, 0, NULL);
	assert_non_null(v);
	assert_int_equal(json_array_size(v), 576);
	json_decref(v);
	assert_non_null(strchr(nl + 1, '\n')); /* a second vector */
	cli_out_free(o);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_chat),
	        cmocka_unit_test(test_chat_picks_the_server),
	        cmocka_unit_test(test_compare_three_presets),
	        cmocka_unit_test(test_embed),
	};
	const char *chat = getenv("LLMK_REAL_CHAT_URL"), *embed = getenv("LLMK_REAL_EMBED_URL");

	if (argc < 2 || !chat || !embed) {
		fprintf(stderr, "usage: tests/real/harness.sh chat,embed test_real_cli LLMKIT_BINARY\n");
		return 1;
	}
	cli_binary = argv[1];
	cli_secret = KEY;
	snprintf(chat_env[0], sizeof(chat_env[0]), "LLAMACPP_BASE_URL=%s", chat);
	snprintf(chat_env[1], sizeof(chat_env[1]), "OPENAI_BASE_URL=%s", chat);
	snprintf(chat_env[2], sizeof(chat_env[2]), "OPENAI_COMPATIBLE_BASE_URL=%s", chat);
	snprintf(embed_env, sizeof(embed_env), "LLAMACPP_BASE_URL=%s", embed);
	return cmocka_run_group_tests_name("real-server-cli", tests, NULL, NULL);
}
