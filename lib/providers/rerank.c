/* Rerank: a query and documents in, the documents' relevance out. Three
 * wire shapes (wire_kinds.h), one reader for all of their answers.
 *
 * References: Cohere v2 POST /v2/rerank (data/specs/cohere-openapi.json:
 * V2RerankRequest, V2RerankResponse); the Jina shape served by
 * api.jina.ai/v1/rerank, vLLM /v1/rerank and llama-server /v1/rerank
 * (tools/server/server-context.cpp post_rerank and server-common.cpp
 * format_response_rerank at b11434: {model, object: "list", usage:
 * {prompt_tokens, total_tokens}, results: [{index, relevance_score}]}, the
 * results sorted, top_n applied), Together /v1/rerank (same shape);
 * Voyage POST /v1/rerank (docs.voyageai.com/reference/reranker-api:
 * {query, documents, model, top_k, truncation} -> {object: "list", data:
 * [{relevance_score, index}], model, usage: {total_tokens}}); TEI POST
 * /rerank (text-embeddings-inference's OpenAPI: RerankRequest {query,
 * texts, raw_scores, return_text, truncate} -> [{index, score, text?}]).
 *
 * Whatever a server sends, the response holds each document at most once,
 * at an index the request has, with a finite score, sorted by score (the
 * servers sort; a hostile one need not), at most top_n of them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wire_kinds.h"

/* The checks every shape needs before anything is sent. */
static llmk_status check(const llmk_request *r, int64_t *top_n, llmk_response *resp)
{
	const char *q = llmk__req_str(r, LLMK_OPT_QUERY);
	int64_t v;
	size_t i;

	if (!q || !*q)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "rerank request has no query (LLMK_OPT_QUERY)");
	if (!r->ninputs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "rerank request has no documents (llmk_request_add_input)");
	if (r->ninputs > LLMK_MAX_RERANK_DOCS)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "rerank request has %zu documents; at most %d are sent",
		                  r->ninputs, LLMK_MAX_RERANK_DOCS);
	for (i = 0; i < r->ninputs; i++)
		if (!r->inputs[i][0])
			return llmk__fail(resp, LLMK_E_INVALID_ARG, "rerank document %zu is empty", i);
	*top_n = -1;
	if (llmk__req_i64(r, LLMK_OPT_TOP_N, &v)) {
		if (v < 1 || (uint64_t)v > r->ninputs)
			return llmk__fail(resp, LLMK_E_INVALID_ARG,
			                  "top_n is %lld; it must be between 1 and the number of documents (%zu)",
			                  (long long)v, r->ninputs);
		*top_n = v;
	}
	if (llmk__req_i64(r, LLMK_OPT_MAX_TOKENS_PER_DOC, &v) && v < 1)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "max_tokens_per_doc is %lld; it must be at least 1",
		                  (long long)v);
	return LLMK_OK;
}

llmk_status llmk__rerank_build(int shape, const llmk_client *c, const llmk_request *r, const char *model,
                               llmk_exchange *ex, llmk_response *resp)
{
	/* Voyage takes the Jina shape with its own names: top_k, and data in
	 * the answer (read below like results). */
	int voyage = !strcmp(c->provider->name, "voyage");
	const char *query = llmk__req_str(r, LLMK_OPT_QUERY);
	int64_t top_n = -1, per_doc;
	json_t *body;
	llmk_status st;

	if ((st = check(r, &top_n, resp)))
		return st;
	if (llmk__exchange_set_url(ex, c->base_url, shape == LLMK_RERANK_COHERE ? "/v2/rerank" : "/rerank") ||
	    llmk__key_headers(c, ex, "Authorization", "Bearer "))
		return FAIL_OOM(resp);
	if (shape == LLMK_RERANK_TEI) {
		/* TEI serves the one model it was started with, and has no top_n:
		 * the reader keeps the best top_n. Scores as probabilities (the
		 * default raw_scores false), no texts back (we have them). */
		body = json_pack("{s:s}", "query", query);
		if (!body || llmk__json_set_strings(body, "texts", r->inputs, r->ninputs))
			return llmk__finish_body(ex, r, body, FAIL_OOM(resp), NULL, NULL, resp);
		return llmk__finish_body(ex, r, body, LLMK_OK, NULL, NULL, resp);
	}
	body = json_pack("{s:s, s:s}", "model", model, "query", query);
	st = !body || llmk__json_set_strings(body, "documents", r->inputs, r->ninputs) ? FAIL_OOM(resp) : LLMK_OK;
	if (st == LLMK_OK && top_n > 0 && llmk__json_set(body, voyage ? "top_k" : "top_n", json_integer(top_n)))
		st = FAIL_OOM(resp);
	if (st == LLMK_OK && llmk__req_i64(r, LLMK_OPT_MAX_TOKENS_PER_DOC, &per_doc) &&
	    llmk__json_set(body, "max_tokens_per_doc", json_integer(per_doc)))
		st = FAIL_OOM(resp);
	if (!body)
		return st;
	return llmk__finish_body(ex, r, body, st, NULL, NULL, resp);
}

llmk_status llmk__rerank_bedrock_body(const llmk_request *r, const char *model, const char *region, json_t **out,
                                      llmk_response *resp)
{
	const char *query = llmk__req_str(r, LLMK_OPT_QUERY);
	json_t *body = NULL, *sources, *src;
	int64_t top_n = -1;
	char *arn = NULL;
	llmk_status st;
	size_t i;

	*out = NULL;
	if ((st = check(r, &top_n, resp)))
		return st;
	/* The API takes the model as an ARN: a bare model id becomes the
	 * foundation model's ARN in the client's region. */
	if (strncmp(model, "arn:", 4)) {
		if (!region)
			return llmk__fail(
			        resp, LLMK_E_CONFIG,
			        "bedrock rerank: the model's ARN needs a region: set AWS_REGION or aws_region, or "
			        "give the model as an ARN");
		if (!(arn = llmk__malloc(strlen(model) + strlen(region) + 48)))
			return FAIL_OOM(resp);
		sprintf(arn, "arn:aws:bedrock:%s::foundation-model/%s", region, model);
	}
	body = json_pack("{s:[{s:s, s:{s:s}}], s:{s:s, s:{s:{s:s}, s:I}}}", "queries", "type", "TEXT", "textQuery",
	                 "text", query, "rerankingConfiguration", "type", "BEDROCK_RERANKING_MODEL",
	                 "bedrockRerankingConfiguration", "modelConfiguration", "modelArn", arn ? arn : model,
	                 "numberOfResults", (json_int_t)(top_n > 0 ? (size_t)top_n : r->ninputs));
	llmk__free(arn);
	if (!body || !(sources = llmk__json_set_array(body, "sources"))) {
		json_decref(body);
		return FAIL_OOM(resp);
	}
	for (i = 0; i < r->ninputs; i++) {
		src = json_pack("{s:s, s:{s:s, s:{s:s}}}", "type", "INLINE", "inlineDocumentSource", "type", "TEXT",
		                "textDocument", "text", r->inputs[i]);
		if (json_array_append_new(sources, src)) {
			json_decref(body);
			return FAIL_OOM(resp);
		}
	}
	*out = body;
	return LLMK_OK;
}

/* Higher score first; equal scores in document order, so the order is the
 * same on every platform (qsort is not stable). */
static int by_score(const void *a, const void *b)
{
	const llmk__rank *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* A result's score under any of the shapes' names. */
static json_t *score_of(json_t *item)
{
	json_t *v = json_object_get(item, "relevance_score");

	if (!v)
		v = json_object_get(item, "score");
	if (!v)
		v = json_object_get(item, "relevanceScore"); /* Bedrock */
	return v;
}

static void read_usage(json_t *root, llmk_response *resp)
{
	json_t *u = json_object_get(root, "usage"), *billed;

	llmk__json_i64(u, "prompt_tokens", &resp->usage[LLMK_USAGE_INPUT]);
	llmk__json_i64(u, "total_tokens", &resp->usage[LLMK_USAGE_TOTAL]);
	if (resp->usage[LLMK_USAGE_INPUT] < 0)
		resp->usage[LLMK_USAGE_INPUT] = resp->usage[LLMK_USAGE_TOTAL];
	/* Cohere bills search units, not tokens: meta.billed_units.search_units
	 * stays in the raw body; tokens only when it reports them. */
	billed = json_object_get(json_object_get(root, "meta"), "tokens");
	if (resp->usage[LLMK_USAGE_INPUT] < 0)
		llmk__json_i64(billed, "input_tokens", &resp->usage[LLMK_USAGE_INPUT]);
}

static llmk_status read_results(const llmk_request *r, json_t *results, int64_t top_n, llmk_response *resp)
{
	size_t n = json_array_size(results), i, k;
	unsigned char *seen;
	json_t *item, *s;

	if (n > r->ninputs)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "rerank answer has %zu results for %zu documents", n,
		                  r->ninputs);
	if (!n)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "rerank answer has no results");
	resp->ranks = llmk__calloc(n, sizeof(*resp->ranks));
	seen = llmk__calloc(r->ninputs, 1);
	if (!resp->ranks || !seen) {
		llmk__free(seen);
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading the rerank answer");
	}
	json_array_foreach(results, i, item)
	{
		llmk__rank *rk = &resp->ranks[i];
		if (!json_is_object(item) || llmk__json_index(item, "index", &rk->index) || rk->index >= r->ninputs) {
			llmk__free(seen);
			return llmk__fail(resp, LLMK_E_PROTOCOL,
			                  "rerank result %zu has no index among the %zu documents", i, r->ninputs);
		}
		if (seen[rk->index]++) {
			llmk__free(seen);
			return llmk__fail(resp, LLMK_E_PROTOCOL, "rerank answer lists document %zu twice", rk->index);
		}
		s = score_of(item);
		if (!json_is_number(s) || !isfinite(json_number_value(s))) {
			llmk__free(seen);
			return llmk__fail(resp, LLMK_E_PROTOCOL, "rerank result %zu has no numeric score", i);
		}
		rk->score = json_number_value(s);
		resp->nranks = i + 1;
	}
	llmk__free(seen);
	qsort(resp->ranks, resp->nranks, sizeof(*resp->ranks), by_score);
	/* TEI has no top_n: keep the best. */
	if (top_n > 0 && resp->nranks > (size_t)top_n)
		resp->nranks = (size_t)top_n;
	for (k = 0; k < resp->nranks; k++) {
		/* The document as it was sent: a server's copy may be truncated. */
		if (!(resp->ranks[k].document = llmk__strdup(r->inputs[resp->ranks[k].index])))
			return llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading the rerank answer");
	}
	return LLMK_OK;
}

llmk_status llmk__rerank_parse(const llmk_request *r, llmk_response *resp, const char *body, size_t len)
{
	json_error_t err;
	json_t *root = llmk__json_loadb(body, len, 0, &err), *results;
	int64_t top_n = -1;
	llmk_status st;

	if (!root) {
		if (llmk__json_error_too_large(&err))
			return llmk__fail(resp, LLMK_E_TOO_LARGE, "rerank answer is too large to read");
		return llmk__fail(resp, LLMK_E_PROTOCOL, "rerank answer is not JSON: %s", err.text);
	}
	llmk__req_i64(r, LLMK_OPT_TOP_N, &top_n);
	if (json_is_array(root)) { /* TEI */
		results = root;
	} else if (json_is_object(root) && json_object_get(root, "error")) {
		st = llmk__answer_error(resp, llmk__error_from_json(resp, 200, root), "rerank answer holds an error: ");
		json_decref(root);
		return st;
	} else {
		results = json_object_get(root, "results");
		if (!results)
			results = json_object_get(root, "data"); /* Voyage */
		if (json_is_string(json_object_get(root, "model")) &&
		    llmk__set_field(&resp->model, json_string_value(json_object_get(root, "model")))) {
			json_decref(root);
			return llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
		}
		read_usage(root, resp);
	}
	st = json_is_array(results) ? read_results(r, results, top_n, resp)
	                            : llmk__fail(resp, LLMK_E_PROTOCOL, "rerank answer has no results array");
	json_decref(root);
	if (st != LLMK_OK) /* no half answer */
		llmk__response_kinds_free(resp);
	return st;
}
