/* Token counting and rerank against llama.cpp's llama-server b11434 with
 * SmolLM2-135M-Instruct, started by tests/real/harness.sh chat,rank.
 * Public API only.
 *
 * Counting: llmk_count_tokens() through llamacpp/ (POST
 * /v1/chat/completions/input_tokens), llamacpp-responses/
 * (/v1/responses/input_tokens) and anthropic/ (/v1/messages/count_tokens)
 * must give the same number, and that number must be the prompt tokens the
 * server then reports for the same request really sent: the server's own
 * count, twice. A longer conversation counts more.
 *
 * Rerank: llamacpp/ and vllm/ (the Jina shape, /v1/rerank) and tei/ (TEI's
 * shape, /rerank at the server's root) against the server started with
 * --reranking. SmolLM2 has no reranking head, so its scores say little
 * about relevance: what is checked is the wire -- every document once, at
 * its index, with its text, sorted, top_n honoured, the three shapes giving
 * the same scores for the same documents. No reranker GGUF small enough
 * ships in a registry package (tests/real/README.md). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmkit.h"

static const char *chat_url, *rank_url;

static llmk_client *client(const char *model, const char *base)
{
	llmk_client *c = NULL;

	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, 120000), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, base), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-local-real-server-test"), LLMK_OK);
	return c;
}

static llmk_request *chat(int turns)
{
	llmk_request *r = NULL;
	int i;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Be brief."), LLMK_OK);
	for (i = 0; i < turns; i++) {
		if (i) {
			assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Paris."), LLMK_OK);
		}
		assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "What is the capital of France?"),
		                 LLMK_OK);
	}
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 1), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0), LLMK_OK);
	return r;
}

static int64_t count(const char *model, llmk_request *r)
{
	llmk_client *c = client(model, chat_url);
	llmk_response *resp = NULL;
	int64_t n = -1;
	llmk_status st = llmk_count_tokens(c, r, &n, &resp);

	if (st != LLMK_OK)
		fail_msg("%s: %s: %s", model, llmk_status_name(st), llmk_response_error(resp));
	assert_true(n > 0);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), n);
	llmk_response_free(resp);
	llmk_client_free(c);
	return n;
}

static void test_count_tokens(void **state)
{
	llmk_request *r = chat(1), *longer = chat(3);
	llmk_client *c;
	llmk_response *resp = NULL;
	int64_t n = count("llamacpp/smollm2", r), n3;
	llmk_status st;

	(void)state;
	assert_int_equal(count("llamacpp-responses/smollm2", r), n);
	assert_int_equal(count("anthropic/smollm2", r), n);
	/* The same request sent: the server's prompt tokens are the count. */
	c = client("llamacpp/smollm2", chat_url);
	st = llmk_send(c, r, &resp);
	if (st != LLMK_OK)
		fail_msg("%s", llmk_response_error(resp));
	if (llmk_response_usage(resp, LLMK_USAGE_INPUT) != n)
		fail_msg("counted %lld, the server then read %lld prompt tokens", (long long)n,
		         (long long)llmk_response_usage(resp, LLMK_USAGE_INPUT));
	llmk_response_free(resp);
	n3 = count("llamacpp/smollm2", longer);
	assert_true(n3 > n);
	fprintf(stderr, "count_tokens: %lld tokens (1 turn), %lld (3 turns), equal to the prompt tokens served\n",
	        (long long)n, (long long)n3);
	/* openai/ has no counting endpoint: refused, nothing sent. */
	llmk_client_free(c);
	c = client("openai/smollm2", chat_url);
	assert_int_equal(llmk_count_tokens(c, r, &n, &resp), LLMK_E_UNSUPPORTED);
	assert_int_equal(llmk_response_http_status(resp), 0);
	llmk_response_free(resp);
	llmk_client_free(c);
	llmk_request_free(r);
	llmk_request_free(longer);
}

static const char *const docs[] = {"hi", "it is a bear", "The giant panda is a bear species endemic to China.",
                                   "Paris is in France."};
#define NDOCS 4

static llmk_response *rerank(const char *model, const char *base, int64_t top_n)
{
	llmk_client *c = client(model, base);
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	llmk_status st;
	size_t i, j;

	assert_int_equal(llmk_request_new(&r, LLMK_RERANK), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_QUERY, "What is panda?"), LLMK_OK);
	for (i = 0; i < NDOCS; i++)
		assert_int_equal(llmk_request_add_input(r, docs[i]), LLMK_OK);
	if (top_n)
		assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, top_n), LLMK_OK);
	st = llmk_send(c, r, &resp);
	if (st != LLMK_OK)
		fail_msg("%s: %s: %s", model, llmk_status_name(st), llmk_response_error(resp));
	assert_int_equal(llmk_response_rank_count(resp), top_n ? (size_t)top_n : NDOCS);
	for (i = 0; i < llmk_response_rank_count(resp); i++) {
		int64_t idx = llmk_response_rank_index(resp, i);
		assert_true(idx >= 0 && idx < NDOCS);
		assert_string_equal(llmk_response_rank_document(resp, i), docs[idx]);
		assert_true(isfinite(llmk_response_rank_score(resp, i)));
		if (i)
			assert_true(llmk_response_rank_score(resp, i - 1) >= llmk_response_rank_score(resp, i));
		for (j = 0; j < i; j++)
			assert_true(llmk_response_rank_index(resp, j) != idx);
	}
	llmk_request_free(r);
	llmk_client_free(c);
	return resp;
}

static void test_rerank(void **state)
{
	char root[256];
	llmk_response *jina, *vllm, *tei, *top;
	size_t i;

	(void)state;
	/* TEI's /rerank is at the server's root. */
	snprintf(root, sizeof(root), "%.*s", (int)(strlen(rank_url) - 3), rank_url);
	jina = rerank("llamacpp/smollm2-rank", rank_url, 0);
	vllm = rerank("vllm/smollm2-rank", rank_url, 0);
	tei = rerank("tei/smollm2-rank", root, 0);
	top = rerank("llamacpp/smollm2-rank", rank_url, 2);
	assert_true(llmk_response_usage(jina, LLMK_USAGE_INPUT) > 0);
	for (i = 0; i < NDOCS; i++) {
		assert_int_equal(llmk_response_rank_index(vllm, i), llmk_response_rank_index(jina, i));
		assert_int_equal(llmk_response_rank_index(tei, i), llmk_response_rank_index(jina, i));
		assert_true(fabs(llmk_response_rank_score(tei, i) - llmk_response_rank_score(jina, i)) < 1e-4);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(llmk_response_rank_index(top, i), llmk_response_rank_index(jina, i));
	fprintf(stderr, "rerank: best %lld (%.4f), worst %lld (%.4f), the same through llamacpp/, vllm/, tei/\n",
	        (long long)llmk_response_rank_index(jina, 0), llmk_response_rank_score(jina, 0),
	        (long long)llmk_response_rank_index(jina, NDOCS - 1), llmk_response_rank_score(jina, NDOCS - 1));
	llmk_response_free(jina);
	llmk_response_free(vllm);
	llmk_response_free(tei);
	llmk_response_free(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_count_tokens),
	        cmocka_unit_test(test_rerank),
	};

	chat_url = getenv("LLMK_REAL_CHAT_URL");
	rank_url = getenv("LLMK_REAL_RANK_URL");
	if (!chat_url || !rank_url) {
		fprintf(stderr, "run me through tests/real/harness.sh chat,rank\n");
		return 1;
	}
	return cmocka_run_group_tests_name("real-server kinds", tests, NULL, NULL);
}
