/* Token counting (llmk_count_tokens()): the adapter builds the chat request
 * as it would send it, then its URL and body become the counting
 * endpoint's, so what is counted is exactly what a send would carry.
 *
 * References: Anthropic POST /v1/messages/count_tokens (the Messages body
 * without max_tokens, stream and sampling -> {"input_tokens": n};
 * docs.anthropic.com/en/api/messages-count-tokens); OpenAI POST
 * /v1/responses/input_tokens (data/specs/openai-openapi.json:
 * TokenCountsBody -> TokenCountsResource {object: "response.input_tokens",
 * input_tokens}); Gemini POST models/{model}:countTokens
 * ({generateContentRequest} -> {totalTokens, cachedContentTokenCount?};
 * data/specs/gemini-openapi.json CountTokensRequest); llama-server b11434
 * POST /v1/chat/completions/input_tokens (server.cpp routes,
 * server-context.cpp handle_count_tokens: the chat body, its prompt
 * rendered by the model's template and tokenized -> {"input_tokens": n,
 * "object": "response.input_tokens"}); Bedrock POST
 * /model/{modelId}/count-tokens (CountTokens: {"input": {"converse":
 * ConverseTokensRequest {messages, system, toolConfig,
 * additionalModelRequestFields}}} -> {"inputTokens": n}; its body is signed
 * in build(), so bedrock.c builds it with llmk__count_bedrock_edit). */
#include <string.h>

#include "wire_kinds.h"

/* Members of the Messages body count_tokens takes. */
static const char *const anthropic_keep[] = {"model",    "messages",      "system",      "tools", "tool_choice",
                                             "thinking", "output_config", "mcp_servers", NULL};
/* TokenCountsBody's properties. */
static const char *const responses_keep[] = {"model",        "input",       "previous_response_id", "tools",
                                             "text",         "reasoning",   "truncation",           "instructions",
                                             "conversation", "tool_choice", "parallel_tool_calls",  NULL};

static int kept(const char *key, const char *const *keep)
{
	for (; *keep; keep++)
		if (!strcmp(key, *keep))
			return 1;
	return 0;
}

/* The body as the counting endpoint takes it; NULL on a failed
 * allocation. Takes body. */
static json_t *count_body(int shape, json_t *body, const char *model)
{
	const char *key;
	json_t *v, *wrap;
	void *tmp;

	switch (shape) {
	case LLMK_COUNT_ANTHROPIC:
	case LLMK_COUNT_RESPONSES:
		json_object_foreach_safe(body, tmp, key, v)
		{
			if (!kept(key, shape == LLMK_COUNT_ANTHROPIC ? anthropic_keep : responses_keep))
				json_object_del(body, key);
		}
		return body;
	case LLMK_COUNT_CHAT:
		json_object_del(body, "stream");
		json_object_del(body, "stream_options");
		return body;
	default: /* Gemini: the generateContent body, with its model, inside */
		if (!(wrap = json_object())) {
			json_decref(body);
			return NULL;
		}
		if (llmk__json_set(wrap, "generateContentRequest", body)) { /* body taken */
			json_decref(wrap);
			return NULL;
		}
		if (strncmp(model, "models/", 7)) {
			char *m = llmk__malloc(strlen(model) + 8);
			if (!m)
				return json_decref(wrap), NULL;
			memcpy(m, "models/", 7);
			strcpy(m + 7, model);
			v = json_string(m);
			llmk__free(m);
		} else {
			v = json_string(model);
		}
		if (llmk__json_set(body, "model", v))
			return json_decref(wrap), NULL;
		return wrap;
	}
}

/* The URL with `from` (the end of its path, before any query) replaced by
 * `to`. */
static llmk_status count_url(llmk_exchange *ex, const char *from, const char *to, llmk_response *resp)
{
	const char *q = strchr(ex->url, '?');
	size_t path_end = q ? (size_t)(q - ex->url) : strlen(ex->url), fl = strlen(from);
	llmk__buf u = LLMK__BUF_INIT;
	llmk_status st;

	if (path_end < fl || memcmp(ex->url + path_end - fl, from, fl))
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, "no token counting endpoint beside %s", from);
	if (llmk__buf_append(&u, ex->url, path_end - fl) || llmk__buf_append_str(&u, to) ||
	    llmk__buf_append_str(&u, ex->url + path_end))
		st = FAIL_OOM(resp);
	else
		st = llmk__exchange_set_url(ex, u.data, "") ? FAIL_OOM(resp) : LLMK_OK;
	llmk__buf_free(&u);
	return st;
}

llmk_status llmk__count_build(int shape,
                              llmk_status (*build)(const llmk_client *c, const llmk_request *r, const char *model,
                                                   int stream, llmk_exchange *ex, llmk_response *resp),
                              const llmk_client *c, const llmk_request *r, const char *model, llmk_exchange *ex,
                              llmk_response *resp)
{
	static const char *const from[] = {"", "/messages", "/responses", "/chat/completions", ":generateContent"};
	static const char *const to[] = {"", "/messages/count_tokens", "/responses/input_tokens",
	                                 "/chat/completions/input_tokens", ":countTokens"};
	llmk_request chat = *r;
	json_error_t err;
	json_t *body;
	llmk_status st;

	chat.kind = LLMK_CHAT;
	if ((st = build(c, &chat, model, 0, ex, resp)))
		return st;
	if ((st = count_url(ex, from[shape], to[shape], resp)))
		return st;
	body = llmk__json_loadb(ex->body.data, ex->body.len, 0, &err);
	if (!body || !(body = count_body(shape, body, model)))
		return FAIL_OOM(resp); /* the text is our own writer's */
	llmk__buf_clear(&ex->body);
	st = llmk__json_dump(&ex->body, body, 15) ? FAIL_OOM(resp) : LLMK_OK;
	json_decref(body);
	return st;
}

int llmk__count_bedrock_edit(json_t *body)
{
	static const char *const keep[] = {"messages", "system", "toolConfig", "additionalModelRequestFields", NULL};
	json_t *conv = json_object(), *v;
	size_t i;

	if (!conv)
		return -1;
	for (i = 0; keep[i]; i++)
		if ((v = json_object_get(body, keep[i])) && json_object_set(conv, keep[i], v)) {
			json_decref(conv);
			return -1;
		}
	json_object_clear(body);
	return llmk__json_set(body, "input", json_pack("{s:o}", "converse", conv));
}

llmk_status llmk__count_parse(const llmk_request *r, llmk_response *resp, const char *body, size_t len)
{
	static const char *const keep[] = {"input_tokens", "totalTokens", "inputTokens", "cachedContentTokenCount",
	                                   "error",        "message",     "type",        NULL};
	json_t *root = llmk__json_object_for(r, keep, body, len, resp, "token count answer");
	json_t *n;
	llmk_status st = LLMK_OK;

	if (!root)
		return resp->status;
	if (json_object_get(root, "error")) {
		st = llmk__answer_error(resp, llmk__error_from_json(resp, 200, root),
		                        "token count answer holds an error: ");
		json_decref(root);
		return st;
	}
	n = json_object_get(root, "input_tokens");
	if (!n)
		n = json_object_get(root, "totalTokens");
	if (!n)
		n = json_object_get(root, "inputTokens");
	/* Gemini writes int64 as a JSON number (proto3 would allow a string). */
	if (json_is_integer(n) && json_integer_value(n) >= 0 && json_integer_value(n) <= LLMK_MAX_COUNT) {
		resp->usage[LLMK_USAGE_INPUT] = resp->usage[LLMK_USAGE_TOTAL] = json_integer_value(n);
		/* Gemini: the part of the prompt in a context cache (cachedContent) */
		llmk__json_i64(root, "cachedContentTokenCount", &resp->usage[LLMK_USAGE_CACHED_INPUT]);
		if (resp->usage[LLMK_USAGE_CACHED_INPUT] > resp->usage[LLMK_USAGE_INPUT])
			resp->usage[LLMK_USAGE_CACHED_INPUT] = -1;
	} else
		st = llmk__fail(resp, LLMK_E_PROTOCOL,
		                "token count answer has no input_tokens, totalTokens or inputTokens count");
	json_decref(root);
	return st;
}
