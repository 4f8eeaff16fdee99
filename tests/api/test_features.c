#define _POSIX_C_SOURCE 200809L
/* llmk_features() and llmk_feature_name(): the bits are pinned (ABI), the
 * names round-trip, and what the mask says matches what the build does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "llmkit.h"

static const struct {
	int64_t bit;
	const char *name;
} known[] = {
	{LLMK_FEATURE_CURL, "curl"},         {LLMK_FEATURE_HTTPS, "https"},   {LLMK_FEATURE_CASSETTE, "cassette"},
	{LLMK_FEATURE_OPENAI, "openai"},     {LLMK_FEATURE_ANTHROPIC, "anthropic"},
	{LLMK_FEATURE_GEMINI, "gemini"},     {LLMK_FEATURE_OLLAMA, "ollama"}, {LLMK_FEATURE_COHERE, "cohere"},
	{LLMK_FEATURE_HUGGINGFACE, "huggingface"}, {LLMK_FEATURE_WHISPERCPP, "whispercpp"},
	{LLMK_FEATURE_BEDROCK, "bedrock"},
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

static void test_values_pinned(void **state)
{
	(void)state;
	/* Values are ABI: never renumbered. */
	assert_int_equal(LLMK_FEATURE_CURL, 1);
	assert_int_equal(LLMK_FEATURE_HTTPS, 2);
	assert_int_equal(LLMK_FEATURE_CASSETTE, 4);
	assert_int_equal(LLMK_FEATURE_OPENAI, 256);
	assert_int_equal(LLMK_FEATURE_ANTHROPIC, 512);
	assert_int_equal(LLMK_FEATURE_GEMINI, 1024);
	assert_int_equal(LLMK_FEATURE_OLLAMA, 2048);
	assert_int_equal(LLMK_FEATURE_COHERE, 4096);
	assert_int_equal(LLMK_FEATURE_HUGGINGFACE, 8192);
	assert_int_equal(LLMK_FEATURE_WHISPERCPP, 16384);
	assert_int_equal(LLMK_FEATURE_BEDROCK, 32768);
}

static void test_names(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < NKNOWN; i++) {
		const char *n = llmk_feature_name(known[i].bit);
		assert_non_null(n);
		assert_string_equal(n, known[i].name);
		for (j = 0; j < i; j++)
			assert_true(known[i].bit != known[j].bit);
	}
	assert_null(llmk_feature_name(0));
	assert_null(llmk_feature_name(-1));
	assert_null(llmk_feature_name(LLMK_FEATURE_CURL | LLMK_FEATURE_HTTPS)); /* one bit at a time */
	assert_null(llmk_feature_name(1 << 7));
	assert_null(llmk_feature_name((int64_t)1 << 40));
}

static void test_mask(void **state)
{
	int64_t f = llmk_features(), all = 0;
	size_t i;

	(void)state;
	for (i = 0; i < NKNOWN; i++)
		all |= known[i].bit;
	assert_int_equal(f & ~all, 0); /* no unnamed bits */
	assert_int_equal(llmk_features(), f);
	/* Every built-in wire format is compiled in; cassettes always are. */
	assert_true(f & LLMK_FEATURE_CASSETTE);
	assert_true(f & LLMK_FEATURE_OPENAI);
	assert_true(f & LLMK_FEATURE_ANTHROPIC);
	assert_true(f & LLMK_FEATURE_GEMINI);
	assert_true(f & LLMK_FEATURE_OLLAMA);
	assert_true(f & LLMK_FEATURE_COHERE);
	assert_true(f & LLMK_FEATURE_HUGGINGFACE);
	assert_true(f & LLMK_FEATURE_WHISPERCPP);
	assert_true(f & LLMK_FEATURE_BEDROCK);
#ifdef LLMK_TEST_HAVE_CURL
	assert_true(f & LLMK_FEATURE_CURL);
	assert_true(f & LLMK_FEATURE_HTTPS); /* Debian's libcurl has TLS */
#else
	assert_false(f & LLMK_FEATURE_CURL);
	assert_false(f & LLMK_FEATURE_HTTPS); /* TLS only comes with the built-in transport */
#endif
}

/* The CURL bit says whether a client works without a transport of its own. */
static void test_mask_matches_behaviour(void **state)
{
	llmk_client *c = NULL;
	int32_t st;

	(void)state;
	assert_int_equal(llmk_client_new(&c, "ollama/llama3"), LLMK_OK);
	st = llmk_client_set_transport(c, NULL, NULL);
	if (llmk_features() & LLMK_FEATURE_CURL) {
		assert_int_equal(st, LLMK_OK);
	} else {
		assert_int_equal(st, LLMK_E_UNSUPPORTED);
		assert_non_null(strstr(llmk_client_errmsg(c), "libcurl"));
	}
	llmk_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_pinned),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_mask_matches_behaviour),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
