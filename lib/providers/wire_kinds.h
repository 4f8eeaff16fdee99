/* The wire formats of the request kinds several adapters share: rerank
 * (rerank.c), token counting (tokens.c) and moderation (moderation.c).
 * An adapter that serves one adds a dispatch line to its build() and
 * parse(); the shape of the wire is chosen from its row. */
#ifndef LLMK_PROVIDERS_WIRE_KINDS_H
#define LLMK_PROVIDERS_WIRE_KINDS_H

#include "toolkit.h"

/* Rerank wire shapes. */
enum {
	LLMK_RERANK_JINA = 1, /* POST {base}/rerank {model, query, documents, top_n} -> {results: [{index,
	                       * relevance_score}]}: Jina, vLLM, llama.cpp, Together (Voyage: top_k, data) */
	LLMK_RERANK_COHERE,   /* POST {base}/v2/rerank, + max_tokens_per_doc */
	LLMK_RERANK_TEI       /* POST {base}/rerank {query, texts} -> [{index, score}] */
};

/* Builds a rerank request of `shape`; the query, documents and top_n are
 * checked first (LLMK_E_INVALID_ARG naming what is wrong). */
llmk_status llmk__rerank_build(int shape, const llmk_client *c, const llmk_request *r, const char *model,
                               llmk_exchange *ex, llmk_response *resp);
/* Bedrock's Rerank body (bedrock-agent-runtime POST /rerank: queries,
 * inline text sources, rerankingConfiguration with the model's ARN --
 * "arn:aws:bedrock:{region}::foundation-model/{model}" unless model is one
 * -- and numberOfResults), checked like the others; bedrock.c sends and
 * signs it. *out is NULL on failure. */
llmk_status llmk__rerank_bedrock_body(const llmk_request *r, const char *model, const char *region, json_t **out,
                                      llmk_response *resp);
/* Reads any of the shapes' answers: results sorted by score, each index
 * checked against the request's documents (out of range, repeated, a score
 * that is not a finite number: LLMK_E_PROTOCOL). */
llmk_status llmk__rerank_parse(const llmk_request *r, llmk_response *resp, const char *body, size_t len);

/* Token counting: the adapter's own chat build() run on a chat view of the
 * request, then its URL and body turned into the counting endpoint's:
 *   LLMK_COUNT_ANTHROPIC  /messages -> /messages/count_tokens, only the
 *                         members count_tokens takes
 *   LLMK_COUNT_RESPONSES  /responses -> /responses/input_tokens, likewise
 *   LLMK_COUNT_CHAT       /chat/completions -> /chat/completions/input_tokens
 *                         (llama-server), without stream
 *   LLMK_COUNT_GEMINI     :generateContent -> :countTokens, the body as
 *                         {"generateContentRequest": {model, ...}}
 * Bedrock signs its body inside build(), so it cannot be re-aimed after:
 * bedrock.c builds /model/{id}/count-tokens itself, with
 * llmk__count_bedrock_edit as the body edit. */
enum { LLMK_COUNT_ANTHROPIC = 1, LLMK_COUNT_RESPONSES, LLMK_COUNT_CHAT, LLMK_COUNT_GEMINI };
llmk_status llmk__count_build(int shape,
                              llmk_status (*build)(const llmk_client *c, const llmk_request *r, const char *model,
                                                   int stream, llmk_exchange *ex, llmk_response *resp),
                              const llmk_client *c, const llmk_request *r, const char *model, llmk_exchange *ex,
                              llmk_response *resp);
/* The Converse body as CountTokens takes it: {"input": {"converse":
 * {messages, system, toolConfig, additionalModelRequestFields}}}; -1 on a
 * failed allocation. */
int llmk__count_bedrock_edit(json_t *body);
/* Reads {"input_tokens": n} (Anthropic, OpenAI, llama-server),
 * {"totalTokens": n} (Gemini) or {"inputTokens": n} (Bedrock) into
 * LLMK_USAGE_INPUT and TOTAL. */
llmk_status llmk__count_parse(const llmk_request *r, llmk_response *resp, const char *body, size_t len);

/* Moderation: POST {base}/moderations {model, input} (OpenAI, Mistral). */
llmk_status llmk__moderation_build(const llmk_client *c, const llmk_request *r, const char *model, llmk_exchange *ex,
                                   llmk_response *resp);
/* Reads {results: [{flagged?, categories, category_scores,
 * category_applied_input_types?}]}. */
llmk_status llmk__moderation_parse(const llmk_request *r, llmk_response *resp, const char *body, size_t len);

#endif
