#define _POSIX_C_SOURCE 200809L
/* Rerank (LLMK_RERANK) through the public API: the exact request of each
 * wire shape (Cohere v2, the Jina shape of llama.cpp / vLLM / Jina /
 * Together, Voyage, TEI), the answers read back sorted and checked, every
 * bad input refused before sending and every hostile answer refused with
 * LLMK_E_PROTOCOL. Capture transport; fixtures: tests/data/kinds/README.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "llmkit.h"

#define KEY "rr-test-0123456789abcdef0123456789abcdef"

typedef tu_fixture fixture;

static int setup(void **state)
{
	*state = tu_fixture_new("cohere/rerank-v4.0-pro", KEY, "https://api.example.invalid");
	return 0;
}

/* A rerank request of the documents of cohere_rerank_request.json (the
 * spec's example), or of `docs` when not NULL. */
static llmk_request *rerank_request(const char *query, const char *const *docs, size_t n)
{
	llmk_request *r;
	size_t i;

	assert_int_equal(llmk_request_new(&r, LLMK_RERANK), LLMK_OK);
	if (query)
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_QUERY, query), LLMK_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(llmk_request_add_input(r, docs[i]), LLMK_OK);
	return r;
}

static llmk_request *spec_request(json_t **spec)
{
	char *text = read_data("kinds/cohere_rerank_request.json", NULL);
	json_t *j = json_loads(text, 0, NULL), *d;
	llmk_request *r;
	size_t i;

	free(text);
	assert_non_null(j);
	r = rerank_request(jstr(j, "query"), NULL, 0);
	json_array_foreach(json_object_get(j, "documents"), i, d)
	        assert_int_equal(llmk_request_add_input(r, json_string_value(d)), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, jint(j, "top_n")), LLMK_OK);
	*spec = j;
	return r;
}

/* Cohere v2: the body is the spec's own example request, member for
 * member; the spec's example answer is read back. */
static void test_cohere(void **state)
{
	fixture *f = *state;
	json_t *spec, *sent;
	llmk_request *r = spec_request(&spec);
	llmk_response *resp;
	char *answer = read_data("kinds/cohere_rerank.json", NULL);

	f->cap.resp_body = answer;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, "https://api.example.invalid/v2/rerank");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " KEY);
	sent = sent_json(&f->cap);
	assert_true(json_equal(sent, spec));
	assert_int_equal(llmk_response_rank_count(resp), 3);
	assert_int_equal(llmk_response_rank_index(resp, 0), 3);
	assert_int_equal(llmk_response_rank_index(resp, 1), 4);
	assert_int_equal(llmk_response_rank_index(resp, 2), 0);
	assert_true(fabs(llmk_response_rank_score(resp, 0) - 0.999071) < 1e-9);
	assert_true(fabs(llmk_response_rank_score(resp, 2) - 0.32713068) < 1e-9);
	assert_string_equal(llmk_response_rank_document(resp, 0), jstr(spec, "documents.3"));
	assert_string_equal(llmk_response_rank_document(resp, 2), jstr(spec, "documents.0"));
	/* Out of range. */
	assert_int_equal(llmk_response_rank_index(resp, 3), -1);
	assert_true(isnan(llmk_response_rank_score(resp, 3)));
	assert_null(llmk_response_rank_document(resp, 3));
	assert_int_equal(llmk_response_rank_count(NULL), 0);
	json_decref(sent);
	json_decref(spec);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

static void test_cohere_max_tokens_per_doc(void **state)
{
	fixture *f = *state;
	static const char *const docs[] = {"a", "b"};
	llmk_request *r = rerank_request("q", docs, 2);
	llmk_response *resp;
	json_t *sent;

	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS_PER_DOC, 512), LLMK_OK);
	f->cap.resp_body =
	        "{\"results\":[{\"index\":1,\"relevance_score\":0.5},{\"index\":0,\"relevance_score\":0.25}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	sent = sent_json(&f->cap);
	assert_int_equal(jint(sent, "max_tokens_per_doc"), 512);
	assert_null(jget(sent, "top_n"));
	assert_int_equal(json_object_size(sent), 4); /* model, query, documents, max_tokens_per_doc */
	assert_int_equal(llmk_response_rank_count(resp), 2);
	assert_string_equal(llmk_response_rank_document(resp, 0), "b");
	json_decref(sent);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* llama-server /v1/rerank (the Jina shape), its answer as
 * format_response_rerank() writes it: logits as scores, usage. */
static void test_llamacpp(void **state)
{
	fixture *f = *state;
	static const char *const docs[] = {"hi", "it is a bear", "world"};
	llmk_request *r = rerank_request("What is panda?", docs, 3);
	llmk_response *resp;
	char *answer = read_data("kinds/llamacpp_rerank.json", NULL);
	json_t *sent;

	tu_fixture_use(f, "llamacpp/bge-reranker-v2-m3", NULL, "http://127.0.0.1:8080/v1");
	f->cap.resp_body = answer;
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, 3), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "http://127.0.0.1:8080/v1/rerank");
	assert_null(capture_header(&f->cap, "Authorization"));
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "model"), "bge-reranker-v2-m3");
	assert_string_equal(jstr(sent, "query"), "What is panda?");
	assert_string_equal(jstr(sent, "documents.2"), "world");
	assert_int_equal(jint(sent, "top_n"), 3);
	assert_int_equal(json_object_size(sent), 4);
	assert_int_equal(llmk_response_rank_count(resp), 3);
	assert_int_equal(llmk_response_rank_index(resp, 0), 1);
	assert_string_equal(llmk_response_rank_document(resp, 0), "it is a bear");
	assert_true(llmk_response_rank_score(resp, 2) < -10.0);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 51);
	assert_string_equal(llmk_response_model(resp), "bge-reranker-v2-m3");
	json_decref(sent);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

/* Voyage: top_n goes out as top_k, the answer's list is "data". */
static void test_voyage(void **state)
{
	fixture *f = *state;
	static const char *const docs[] = {"Sun is a star.", "The sun rises in the east.", "Moon"};
	llmk_request *r = rerank_request("When is the sunrise?", docs, 3);
	llmk_response *resp;
	char *answer = read_data("kinds/voyage_rerank.json", NULL);
	json_t *sent;

	tu_fixture_use(f, "voyage/rerank-lite-1", KEY, NULL);
	f->cap.resp_body = answer;
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, 2), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.voyageai.com/v1/rerank");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " KEY);
	sent = sent_json(&f->cap);
	assert_int_equal(jint(sent, "top_k"), 2);
	assert_null(jget(sent, "top_n"));
	assert_int_equal(llmk_response_rank_count(resp), 2);
	assert_int_equal(llmk_response_rank_index(resp, 0), 0);
	assert_int_equal(llmk_response_rank_index(resp, 1), 1);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 26);
	json_decref(sent);
	llmk_response_free(resp);
	/* Voyage has no max_tokens_per_doc: refused, naming both. */
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS_PER_DOC, 8), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "voyage does not support max_tokens_per_doc"));
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

/* TEI: {query, texts}, no model; a bare array back; top_n is applied to
 * the answer (TEI has none). */
static void test_tei(void **state)
{
	fixture *f = *state;
	static const char *const docs[] = {"Deep Learning is not...", "cheese", "Deep learning is..."};
	llmk_request *r = rerank_request("What is Deep Learning?", docs, 3);
	llmk_response *resp;
	char *answer = read_data("kinds/tei_rerank.json", NULL);
	json_t *sent;

	tu_fixture_use(f, "tei/bge-reranker-base", NULL, "http://127.0.0.1:8080");
	f->cap.resp_body = answer;
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, 2), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "http://127.0.0.1:8080/rerank");
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "query"), "What is Deep Learning?");
	assert_string_equal(jstr(sent, "texts.1"), "cheese");
	assert_int_equal(json_object_size(sent), 2);
	assert_int_equal(llmk_response_rank_count(resp), 2);
	assert_int_equal(llmk_response_rank_index(resp, 0), 2);
	assert_int_equal(llmk_response_rank_index(resp, 1), 0);
	assert_string_equal(llmk_response_rank_document(resp, 0), "Deep learning is...");
	json_decref(sent);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

/* Bedrock: the Agents runtime's /rerank, signed; the model id becomes its
 * ARN in the client's region. */
static void test_bedrock(void **state)
{
	fixture *f = *state;
	static const char *const docs[] = {"Carson City is in Nevada.", "Washington, D.C. is the capital."};
	llmk_request *r = rerank_request("What is the capital of the United States?", docs, 2);
	llmk_response *resp;
	char *answer = read_data("kinds/bedrock_rerank.json", NULL);
	json_t *sent;

	tu_fixture_use(f, "bedrock/amazon.rerank-v1:0", NULL, NULL);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_AWS_REGION, "us-west-2"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_AWS_ACCESS_KEY_ID, "AKIDEXAMPLE"), LLMK_OK);
	assert_int_equal(
	        llmk_client_set_str(f->c, LLMK_OPT_AWS_SECRET_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
	        LLMK_OK);
	f->cap.resp_body = answer;
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, 1), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, "https://bedrock-agent-runtime.us-west-2.amazonaws.com/rerank");
	assert_non_null(strstr(capture_header(&f->cap, "Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
	assert_non_null(strstr(capture_header(&f->cap, "Authorization"), "/us-west-2/bedrock/aws4_request"));
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "queries.0.type"), "TEXT");
	assert_string_equal(jstr(sent, "queries.0.textQuery.text"), "What is the capital of the United States?");
	assert_string_equal(jstr(sent, "sources.1.type"), "INLINE");
	assert_string_equal(jstr(sent, "sources.1.inlineDocumentSource.type"), "TEXT");
	assert_string_equal(jstr(sent, "sources.1.inlineDocumentSource.textDocument.text"), docs[1]);
	assert_string_equal(jstr(sent, "rerankingConfiguration.type"), "BEDROCK_RERANKING_MODEL");
	assert_string_equal(
	        jstr(sent, "rerankingConfiguration.bedrockRerankingConfiguration.modelConfiguration.modelArn"),
	        "arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0");
	assert_int_equal(jint(sent, "rerankingConfiguration.bedrockRerankingConfiguration.numberOfResults"), 1);
	/* top_n 1: the answer's second result is not kept */
	assert_int_equal(llmk_response_rank_count(resp), 1);
	assert_int_equal(llmk_response_rank_index(resp, 0), 1);
	assert_true(fabs(llmk_response_rank_score(resp, 0) - 0.9986) < 1e-9);
	json_decref(sent);
	llmk_response_free(resp);
	/* No region and a bare model id: no ARN can be made. */
	tu_fixture_use(f, "bedrock/amazon.rerank-v1:0", "bedrock-api-key-0123456789",
	               "https://bedrock.example.invalid");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_CONFIG);
	assert_non_null(strstr(llmk_response_error(resp), "the model's ARN needs a region"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	/* An ARN is sent as it is, to a base URL of one's own. */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL,
	                                      "arn:aws:bedrock:eu-central-1::foundation-model/cohere.rerank-v3-5:0"),
	                 LLMK_OK);
	f->cap.resp_body = answer;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://bedrock.example.invalid/rerank");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer bedrock-api-key-0123456789");
	sent = sent_json(&f->cap);
	assert_string_equal(
	        jstr(sent, "rerankingConfiguration.bedrockRerankingConfiguration.modelConfiguration.modelArn"),
	        "arn:aws:bedrock:eu-central-1::foundation-model/cohere.rerank-v3-5:0");
	json_decref(sent);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

/* The other Jina-shaped rows: their URLs. */
static void test_jina_rows(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *model, *url;
	} rows[] = {{"jina/jina-reranker-v2-base-multilingual", "https://api.jina.ai/v1/rerank"},
	            {"together/Salesforce/Llama-Rank-V1", "https://api.together.xyz/v1/rerank"},
	            {"vllm/BAAI/bge-reranker-base", "http://127.0.0.1:8000/v1/rerank"}};
	static const char *const docs[] = {"a", "b"};
	llmk_request *r = rerank_request("q", docs, 2);
	llmk_response *resp;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		tu_fixture_use(f, rows[i].model, KEY, NULL);
		f->cap.resp_body = "{\"results\":[{\"index\":0,\"relevance_score\":0.9,\"document\":{\"text\":\"a\"}},"
		                   "{\"index\":1,\"relevance_score\":0.1,\"document\":{\"text\":\"b\"}}]}";
		assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
		assert_string_equal(f->cap.url, rows[i].url);
		assert_int_equal(llmk_response_rank_count(resp), 2);
		assert_true(llmk_provider_capabilities(rows[i].model[0] == 'j'   ? "jina"
		                                       : rows[i].model[0] == 't' ? "together"
		                                                                 : "vllm",
		                                       LLMK_RERANK) &
		            LLMK_CAP_KIND);
		llmk_response_free(resp);
	}
	llmk_request_free(r);
}

/* A server that does not sort: the response is sorted, ties in document
 * order. */
static void test_sorted(void **state)
{
	fixture *f = *state;
	static const char *const docs[] = {"a", "b", "c", "d"};
	llmk_request *r = rerank_request("q", docs, 4);
	llmk_response *resp;

	f->cap.resp_body = "{\"results\":[{\"index\":0,\"relevance_score\":0.1},{\"index\":3,\"relevance_score\":0.5},"
	                   "{\"index\":1,\"relevance_score\":0.9},{\"index\":2,\"relevance_score\":0.5}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_rank_index(resp, 0), 1);
	assert_int_equal(llmk_response_rank_index(resp, 1), 2);
	assert_int_equal(llmk_response_rank_index(resp, 2), 3);
	assert_int_equal(llmk_response_rank_index(resp, 3), 0);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void expect_refused(fixture *f, llmk_request *r, llmk_status want, const char *part)
{
	llmk_response *resp;

	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), want);
	if (!strstr(llmk_response_error(resp), part))
		fail_msg("error '%s' lacks '%s'", llmk_response_error(resp), part);
	assert_int_equal(f->cap.calls, 0); /* nothing was sent */
	assert_int_equal(llmk_response_rank_count(resp), 0);
	llmk_response_free(resp);
}

static void test_bad_inputs(void **state)
{
	fixture *f = *state;
	static const char *const docs[] = {"a", "b"};
	static const char *const empty_doc[] = {"a", ""};
	llmk_request *r;

	r = rerank_request(NULL, docs, 2);
	expect_refused(f, r, LLMK_E_INVALID_ARG, "has no query");
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_QUERY, ""), LLMK_OK);
	expect_refused(f, r, LLMK_E_INVALID_ARG, "has no query");
	llmk_request_free(r);

	r = rerank_request("q", NULL, 0);
	expect_refused(f, r, LLMK_E_INVALID_ARG, "has no documents");
	llmk_request_free(r);

	r = rerank_request("q", empty_doc, 2);
	expect_refused(f, r, LLMK_E_INVALID_ARG, "document 1 is empty");
	llmk_request_free(r);

	r = rerank_request("q", docs, 2);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, 0), LLMK_OK);
	expect_refused(f, r, LLMK_E_INVALID_ARG, "top_n is 0; it must be between 1 and the number of documents (2)");
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, 3), LLMK_OK);
	expect_refused(f, r, LLMK_E_INVALID_ARG, "top_n is 3");
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, 2), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS_PER_DOC, 0), LLMK_OK);
	expect_refused(f, r, LLMK_E_INVALID_ARG, "max_tokens_per_doc is 0");
	llmk_request_free(r);

	/* Too many documents. */
	assert_int_equal(llmk_request_new(&r, LLMK_RERANK), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_QUERY, "q"), LLMK_OK);
	for (int i = 0; i < 10001; i++)
		assert_int_equal(llmk_request_add_input(r, "d"), LLMK_OK);
	expect_refused(f, r, LLMK_E_INVALID_ARG, "10001 documents; at most 10000");
	llmk_request_free(r);

	/* A provider that does not rerank, named. */
	tu_fixture_use(f, "anthropic/claude-haiku-4-5", KEY, NULL);
	r = rerank_request("q", docs, 2);
	expect_refused(f, r, LLMK_E_UNSUPPORTED, "anthropic does not serve rerank requests");
	tu_fixture_use(f, "openai/gpt-4o-mini", KEY, NULL);
	expect_refused(f, r, LLMK_E_UNSUPPORTED, "openai does not serve rerank requests");
	llmk_request_free(r);

	/* The options belong to rerank requests only. */
	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_QUERY, "q"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_N, 1), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "does not apply to chat requests"));
	llmk_request_free(r);
	assert_int_equal(llmk_option_by_name("top_n"), LLMK_OPT_TOP_N);
	assert_int_equal(llmk_option_by_name("query"), LLMK_OPT_QUERY);
	assert_int_equal(llmk_option_by_name("max_tokens_per_doc"), LLMK_OPT_MAX_TOKENS_PER_DOC);
}

/* Hostile answers: each is LLMK_E_PROTOCOL naming the problem, with no
 * results left on the response. */
static void test_hostile_answers(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *body, *part;
	} cases[] = {
	        {"{\"results\":[{\"index\":2,\"relevance_score\":0.5}]}", "no index among the 2 documents"},
	        {"{\"results\":[{\"index\":-1,\"relevance_score\":0.5}]}", "no index among"},
	        {"{\"results\":[{\"index\":1.5,\"relevance_score\":0.5}]}", "no index among"},
	        {"{\"results\":[{\"relevance_score\":0.5}]}", "no index among"},
	        {"{\"results\":[{\"index\":1,\"relevance_score\":0.5},{\"index\":1,\"relevance_score\":0.4}]}",
	         "lists document 1 twice"},
	        {"{\"results\":[{\"index\":0,\"relevance_score\":\"NaN\"}]}", "has no numeric score"},
	        {"{\"results\":[{\"index\":0}]}", "has no numeric score"},
	        {"{\"results\":[{\"index\":0,\"relevance_score\":0.1},{\"index\":1,\"relevance_score\":0.2},"
	         "{\"index\":0,\"relevance_score\":0.3}]}",
	         "3 results for 2 documents"},
	        {"{\"results\":[]}", "has no results"},
	        {"{\"results\":{}}", "no results array"},
	        {"{\"id\":\"x\"}", "no results array"},
	        {"[1,2", "not JSON"},
	        {"{\"results\":[7]}", "no index among"},
	};
	static const char *const docs[] = {"a", "b"};
	llmk_request *r = rerank_request("q", docs, 2);
	llmk_response *resp;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->cap.resp_body = cases[i].body;
		assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
		if (!strstr(llmk_response_error(resp), cases[i].part))
			fail_msg("case %zu: error '%s' lacks '%s'", i, llmk_response_error(resp), cases[i].part);
		assert_int_equal(llmk_response_rank_count(resp), 0);
		llmk_response_free(resp);
	}
	/* An error object under 200, and a 4xx error. */
	f->cap.resp_body = "{\"error\":{\"message\":\"model not found\",\"type\":\"invalid_request_error\"}}";
	assert_int_not_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_non_null(strstr(llmk_response_error(resp), "model not found"));
	llmk_response_free(resp);
	f->cap.status = 400;
	f->cap.resp_body = "{\"message\":\"invalid request: documents must not be empty\"}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_BAD_REQUEST);
	assert_non_null(strstr(llmk_response_error(resp), "documents must not be empty"));
	assert_null(strstr(llmk_response_error(resp), KEY));
	llmk_response_free(resp);
	f->cap.status = 0;
	llmk_request_free(r);
}

/* A huge answer of valid results stays within the parse budget or is
 * refused as too large: never unbounded. */
static void test_huge_answer(void **state)
{
	fixture *f = *state;
	static const char *const docs[] = {"a", "b"};
	llmk_request *r = rerank_request("q", docs, 2);
	llmk_response *resp;
	size_t n = 200000, i, off = 0;
	char *body = malloc(n * 40 + 64);

	off += (size_t)sprintf(body, "{\"results\":[");
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(body + off, "%s{\"index\":%zu,\"relevance_score\":0.5}", i ? "," : "", i % 2);
	strcpy(body + off, "]}");
	f->cap.resp_body = body;
	/* 8 MB of small objects: the parse budget stops the tree first. */
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_TOO_LARGE);
	llmk_response_free(resp);
	/* 3000 of them parse, and are refused for what they are. */
	off = (size_t)sprintf(body, "{\"results\":[");
	for (i = 0; i < 3000; i++)
		off += (size_t)sprintf(body + off, "%s{\"index\":%zu,\"relevance_score\":0.5}", i ? "," : "", i % 2);
	strcpy(body + off, "]}");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "3000 results for 2 documents"));
	llmk_response_free(resp);
	llmk_request_free(r);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_cohere, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_cohere_max_tokens_per_doc, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_llamacpp, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_voyage, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_tei, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_bedrock, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_jina_rows, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_sorted, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_inputs, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_hostile_answers, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_huge_answer, setup, tu_teardown),
	};
	llmk_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
