#define _POSIX_C_SOURCE 200809L
/* llmk_features() and llmk_feature_name(): the bits are pinned (ABI), the
 * names round-trip, and what the mask says matches what the build does:
 * the wire formats this build was configured with (-Dwire_formats, passed
 * in as LLMK_WIRE_* like to the library) and no others, the providers
 * that speak them and no others. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llmkit.h"

static const struct {
	int64_t bit;
	const char *name;
} known[] = {
        {LLMK_FEATURE_CURL, "curl"},
        {LLMK_FEATURE_HTTPS, "https"},
        {LLMK_FEATURE_CASSETTE, "cassette"},
        {LLMK_FEATURE_POSIX, "posix"},
        {LLMK_FEATURE_REDIS, "redis"},
        {LLMK_FEATURE_SQLITE, "sqlite"},
        {LLMK_FEATURE_OPENAI, "openai"},
        {LLMK_FEATURE_ANTHROPIC, "anthropic"},
        {LLMK_FEATURE_GEMINI, "gemini"},
        {LLMK_FEATURE_OLLAMA, "ollama"},
        {LLMK_FEATURE_COHERE, "cohere"},
        {LLMK_FEATURE_HUGGINGFACE, "huggingface"},
        {LLMK_FEATURE_WHISPERCPP, "whispercpp"},
        {LLMK_FEATURE_BEDROCK, "bedrock"},
        {LLMK_FEATURE_RESPONSES, "responses"},
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

/* What meson built in (tests/meson.build passes the library's LLMK_WIRE_*). */
/* The hosted rerankers exist only with the extra kinds (-Dextra_kinds):
 * without them their rows are left out, like a format not built in. */
#ifdef LLMK_HAVE_EXTRA_KINDS
#define RERANKERS LLMK_FEATURE_OPENAI
#else
#define RERANKERS (INT64_C(1) << 62) /* never configured */
#endif

static int64_t configured(void)
{
	int64_t f = 0;
#ifdef LLMK_WIRE_OPENAI
	f |= LLMK_FEATURE_OPENAI;
#endif
#ifdef LLMK_WIRE_ANTHROPIC
	f |= LLMK_FEATURE_ANTHROPIC;
#endif
#ifdef LLMK_WIRE_GEMINI
	f |= LLMK_FEATURE_GEMINI;
#endif
#ifdef LLMK_WIRE_OLLAMA
	f |= LLMK_FEATURE_OLLAMA;
#endif
#ifdef LLMK_WIRE_COHERE
	f |= LLMK_FEATURE_COHERE;
#endif
#ifdef LLMK_WIRE_HUGGINGFACE
	f |= LLMK_FEATURE_HUGGINGFACE;
#endif
#ifdef LLMK_WIRE_WHISPERCPP
	f |= LLMK_FEATURE_WHISPERCPP;
#endif
#ifdef LLMK_WIRE_BEDROCK
	f |= LLMK_FEATURE_BEDROCK;
#endif
#ifdef LLMK_WIRE_RESPONSES
	f |= LLMK_FEATURE_RESPONSES;
#endif
	return f;
}

#define WIRE_ALL                                                                                           \
	(LLMK_FEATURE_OPENAI | LLMK_FEATURE_ANTHROPIC | LLMK_FEATURE_GEMINI | LLMK_FEATURE_OLLAMA |        \
	 LLMK_FEATURE_COHERE | LLMK_FEATURE_HUGGINGFACE | LLMK_FEATURE_WHISPERCPP | LLMK_FEATURE_BEDROCK | \
	 LLMK_FEATURE_RESPONSES)

/* Every built-in provider and the wire format it speaks. */
static const struct {
	const char *name;
	int64_t wire;
} providers[] = {
        {"openai", LLMK_FEATURE_OPENAI},
        {"azure", LLMK_FEATURE_OPENAI},
        {"mistral", LLMK_FEATURE_OPENAI},
        {"openrouter", LLMK_FEATURE_OPENAI},
        {"groq", LLMK_FEATURE_OPENAI},
        {"together", LLMK_FEATURE_OPENAI},
        {"deepseek", LLMK_FEATURE_OPENAI},
        {"fireworks", LLMK_FEATURE_OPENAI},
        {"xai", LLMK_FEATURE_OPENAI},
        {"perplexity", LLMK_FEATURE_OPENAI},
        {"vllm", LLMK_FEATURE_OPENAI},
        {"llamacpp", LLMK_FEATURE_OPENAI},
        {"localai", LLMK_FEATURE_OPENAI},
        {"lmstudio", LLMK_FEATURE_OPENAI},
        {"openai-compatible", LLMK_FEATURE_OPENAI},
        {"jina", RERANKERS},
        {"voyage", RERANKERS},
        {"anthropic", LLMK_FEATURE_ANTHROPIC},
        {"gemini", LLMK_FEATURE_GEMINI},
        {"ollama", LLMK_FEATURE_OLLAMA},
        {"cohere", LLMK_FEATURE_COHERE},
        {"huggingface", LLMK_FEATURE_HUGGINGFACE},
        {"tgi", LLMK_FEATURE_HUGGINGFACE},
        {"tei", LLMK_FEATURE_HUGGINGFACE},
        {"bedrock", LLMK_FEATURE_BEDROCK},
        {"whispercpp", LLMK_FEATURE_WHISPERCPP},
        {"openai-responses", LLMK_FEATURE_RESPONSES},
        {"azure-responses", LLMK_FEATURE_RESPONSES},
        {"openrouter-responses", LLMK_FEATURE_RESPONSES},
        {"llamacpp-responses", LLMK_FEATURE_RESPONSES},
        {"vllm-responses", LLMK_FEATURE_RESPONSES},
        {"ollama-responses", LLMK_FEATURE_RESPONSES},
};
#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

static void test_values_pinned(void **state)
{
	(void)state;
	/* Values are ABI: never renumbered. */
	assert_int_equal(LLMK_FEATURE_CURL, 1);
	assert_int_equal(LLMK_FEATURE_HTTPS, 2);
	assert_int_equal(LLMK_FEATURE_CASSETTE, 4);
	assert_int_equal(LLMK_FEATURE_POSIX, 8);
	assert_int_equal(LLMK_FEATURE_REDIS, 16);
	assert_int_equal(LLMK_FEATURE_SQLITE, 32);
	assert_int_equal(LLMK_FEATURE_OPENAI, 256);
	assert_int_equal(LLMK_FEATURE_ANTHROPIC, 512);
	assert_int_equal(LLMK_FEATURE_GEMINI, 1024);
	assert_int_equal(LLMK_FEATURE_OLLAMA, 2048);
	assert_int_equal(LLMK_FEATURE_COHERE, 4096);
	assert_int_equal(LLMK_FEATURE_HUGGINGFACE, 8192);
	assert_int_equal(LLMK_FEATURE_WHISPERCPP, 16384);
	assert_int_equal(LLMK_FEATURE_BEDROCK, 32768);
	assert_int_equal(LLMK_FEATURE_RESPONSES, 65536);
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
	/* Exactly the configured wire formats and cassette support. */
#ifdef LLMK_HAVE_CASSETTE
	assert_true(f & LLMK_FEATURE_CASSETTE);
#else
	assert_false(f & LLMK_FEATURE_CASSETTE);
#endif
#ifdef LLMK_HAVE_POSIX_TRANSPORT
	assert_true(f & LLMK_FEATURE_POSIX);
#else
	assert_false(f & LLMK_FEATURE_POSIX);
#endif
#ifdef LLMK_TEST_HAVE_REDIS
	assert_true(f & LLMK_FEATURE_REDIS);
#else
	assert_false(f & LLMK_FEATURE_REDIS);
#endif
#ifdef LLMK_TEST_HAVE_SQLITE
	assert_true(f & LLMK_FEATURE_SQLITE);
#else
	assert_false(f & LLMK_FEATURE_SQLITE);
#endif
	assert_true(configured() != 0);
	assert_int_equal(f & WIRE_ALL, configured());
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
	char model[64];
	size_t i;
	int32_t st;

	(void)state;
	for (i = 0; !(configured() & providers[i].wire); i++)
		;
	snprintf(model, sizeof(model), "%s/some-model", providers[i].name);
	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	st = llmk_client_set_transport(c, NULL, NULL);
	if (llmk_features() & LLMK_FEATURE_CURL) {
		assert_int_equal(st, LLMK_OK);
	} else {
		assert_int_equal(st, LLMK_E_UNSUPPORTED);
		assert_non_null(strstr(llmk_client_errmsg(c), "libcurl"));
	}
	llmk_client_free(c);
}

/* Cassettes: when left out, record and replay say so and change nothing. */
static void test_cassette_presence(void **state)
{
	llmk_client *c = NULL;
	size_t i;
	char model[64];
	int32_t st;

	(void)state;
	for (i = 0; !(configured() & providers[i].wire); i++)
		;
	snprintf(model, sizeof(model), "%s/some-model", providers[i].name);
	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	st = llmk_client_replay(c, "/nonexistent/cassette.jsonl");
	if (llmk_features() & LLMK_FEATURE_CASSETTE) {
		assert_int_equal(st, LLMK_E_NOT_FOUND);
	} else {
		assert_int_equal(st, LLMK_E_UNSUPPORTED);
		assert_non_null(strstr(llmk_client_errmsg(c), "-Dcassette=false"));
		assert_int_equal(llmk_client_record(c, "/tmp/never-written.jsonl"), LLMK_E_UNSUPPORTED);
	}
	assert_int_equal(llmk_client_replay(NULL, "x"), LLMK_E_INVALID_ARG);
	llmk_client_free(c);
}

/* The POSIX bit says whether llmk_transport_posix() fills a table; the
 * table it fills installs, blocking and non-blocking callbacks alike, and
 * a table from before the non-blocking callbacks gets `send` only. */
/* The SQLITE bit says whether llmk_store_new_sqlite() works. */
static void test_sqlite_presence(void **state)
{
	llmk_store *s = (llmk_store *)1;
	char path[64] = "/tmp/llmk-features-XXXXXX", side[80];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path); /* a name no one uses: the store creates the file */
	if (llmk_features() & LLMK_FEATURE_SQLITE) {
		assert_int_equal(llmk_store_new_sqlite(path, &s), LLMK_OK);
		assert_non_null(s);
		assert_non_null(s->kv_get);
		llmk_store_free(s);
		unlink(path);
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
	} else {
		assert_int_equal(llmk_store_new_sqlite(path, &s), LLMK_E_UNSUPPORTED);
		assert_null(s);
	}
}

static void test_posix_presence(void **state)
{
	llmk_transport t;
	llmk_client *c = NULL;
	size_t i;
	char model[64];

	(void)state;
	assert_int_equal(llmk_transport_posix(NULL), LLMK_E_INVALID_ARG);
	llmk_transport_init(&t);
	if (!(llmk_features() & LLMK_FEATURE_POSIX)) {
		assert_int_equal(llmk_transport_posix(&t), LLMK_E_UNSUPPORTED);
		return;
	}
	assert_int_equal(llmk_transport_posix(&t), LLMK_OK);
	assert_int_equal(t.struct_size, sizeof(t));
	assert_non_null(t.send);
	assert_null(t.close);
	assert_non_null(t.multi_open);
	assert_non_null(t.multi_close);
	for (i = 0; !(configured() & providers[i].wire); i++)
		;
	snprintf(model, sizeof(model), "%s/some-model", providers[i].name);
	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	assert_int_equal(llmk_client_set_transport(c, &t, NULL), LLMK_OK);

	/* An older caller's table: struct_size up to `close` only. */
	llmk_transport_init(&t);
	t.struct_size = (uint32_t)(offsetof(llmk_transport, close) + sizeof(t.close));
	assert_int_equal(llmk_transport_posix(&t), LLMK_OK);
	assert_int_equal(t.struct_size, offsetof(llmk_transport, close) + sizeof(t.close));
	assert_non_null(t.send);
	assert_null(t.multi_open); /* beyond its struct_size: untouched */
	assert_int_equal(llmk_client_set_transport(c, &t, NULL), LLMK_OK);
	t.struct_size = 4; /* not even `send` */
	assert_int_equal(llmk_transport_posix(&t), LLMK_E_INVALID_ARG);
	llmk_client_free(c);
}

/* A provider whose wire format is not built in does not exist: no client,
 * not in the provider list, no capabilities; the others all work. */
static void test_providers_of_the_build(void **state)
{
	size_t i, j, listed = 0;
	llmk_client *c;
	char model[64];

	(void)state;
	for (i = 0; i < NPROVIDERS; i++) {
		int built = (configured() & providers[i].wire) != 0;
		snprintf(model, sizeof(model), "%s/some-model", providers[i].name);
		c = NULL;
		assert_int_equal(llmk_client_new(&c, model), built ? LLMK_OK : LLMK_E_UNSUPPORTED);
		assert_true(built ? c != NULL : c == NULL);
		llmk_client_free(c);
		assert_int_equal(llmk_provider_capabilities(providers[i].name, LLMK_CHAT) > 0 ||
		                         llmk_provider_capabilities(providers[i].name, LLMK_EMBED) > 0 ||
		                         llmk_provider_capabilities(providers[i].name, LLMK_TRANSCRIBE) > 0 ||
		                         llmk_provider_capabilities(providers[i].name, LLMK_RERANK) > 0,
		                 built);
		listed += built;
	}
	/* The public list is exactly the built ones (a provider added to the
	 * table must be added above, with its format). */
	assert_int_equal(llmk_provider_count(), listed);
	for (j = 0; j < llmk_provider_count(); j++) {
		for (i = 0; i < NPROVIDERS && strcmp(providers[i].name, llmk_provider_name(j)); i++)
			;
		assert_true(i < NPROVIDERS);
		assert_true(configured() & providers[i].wire);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_values_pinned),
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_mask),
	        cmocka_unit_test(test_mask_matches_behaviour),
	        cmocka_unit_test(test_providers_of_the_build),
	        cmocka_unit_test(test_cassette_presence),
	        cmocka_unit_test(test_posix_presence),
	        cmocka_unit_test(test_sqlite_presence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
