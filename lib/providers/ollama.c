/* Ollama's native API: POST /api/chat (NDJSON stream by default) and
 * POST /api/embed.
 *
 * References: shared/data/specs/ollama-openapi.yaml (ChatRequest,
 * ChatMessage, ChatResponse, ChatStreamEvent, EmbedRequest, EmbedResponse,
 * ErrorResponse) and Ollama's docs (docs/api.md, "tool calling": a tool
 * result names its tool in "tool_name").
 *
 * Wire facts that shape this file:
 * - "stream" defaults to true, so it is always sent.
 * - Sampling parameters live in "options"; max_tokens is "num_predict".
 * - Images are bare base64 strings in the message's "images" array.
 * - Tool calls have no id and their arguments are JSON objects. Ids are
 *   made here (llmk__new_call_id) so callers can answer them; a tool result
 *   is sent with the name of the call its id refers to.
 * - done_reason is "stop" even when the model stopped to call tools. The
 *   raw value is kept as Ollama sent it, but the finish enum says
 *   LLMK_FINISH_TOOL_CALLS then: the model is waiting for tool results,
 *   which is what callers test the enum for.
 * - An error can arrive as {"error": "..."} under HTTP 200, in a stream
 *   line or as the whole body. */
#include <string.h>

#include <jansson.h>

#include "toolkit.h"

/* ---- building ------------------------------------------------------------ */

static const char *role_name(int32_t role)
{
	switch (role) {
	case LLMK_ROLE_SYSTEM:
	case LLMK_ROLE_DEVELOPER: /* Ollama knows system, user, assistant, tool */ return "system";
	case LLMK_ROLE_ASSISTANT: return "assistant";
	case LLMK_ROLE_TOOL: return "tool";
	default: return "user";
	}
}

static llmk_status add_image(json_t *msg, const llmk__part *p, llmk_response *resp)
{
	json_t *images = json_object_get(msg, "images");
	const char *mime, *b64;
	size_t mime_len;

	if (!llmk__data_url_split(p->text, &mime, &mime_len, &b64))
		return llmk__fail(resp, strncmp(p->text, "data:", 5) ? LLMK_E_UNSUPPORTED : LLMK_E_INVALID_ARG,
		                  "ollama takes images as base64 data only; '%.40s...' is not a base64 data URL",
		                  p->text);
	if (!images && (!(images = json_array()) || json_object_set_new(msg, "images", images)))
		return FAIL_OOM(resp);
	return json_array_append_new(images, json_string(b64)) ? FAIL_OOM(resp) : LLMK_OK;
}

static llmk_status add_tool_call(json_t *msg, const llmk__part *p, llmk_response *resp)
{
	json_t *calls = json_object_get(msg, "tool_calls"), *call;

	call = llmk__tool_call_json(p, "{\"function\":{\"name\":\"$name\",\"arguments\":\"$input\"}}", "ollama", resp);
	if (!call)
		return resp->status;
	if (!calls && (!(calls = json_array()) || json_object_set_new(msg, "tool_calls", calls))) {
		json_decref(call);
		return FAIL_OOM(resp);
	}
	return json_array_append_new(calls, call) ? FAIL_OOM(resp) : LLMK_OK;
}

static llmk_status build_message(const llmk_request *r, size_t idx, json_t *msgs, llmk_response *resp)
{
	const llmk__message *m = &r->msgs[idx];
	llmk__buf text = LLMK__BUF_INIT;
	const char *name;
	llmk_status st = LLMK_OK;
	json_t *msg;
	size_t i;

	msg = json_pack("{s:s}", "role", role_name(m->role));
	if (!msg || json_array_append_new(msgs, msg))
		return FAIL_OOM(resp);
	if (llmk__message_text(m, &text) || llmk__json_set(msg, "content", json_stringn(text.data, text.len))) {
		llmk__buf_free(&text);
		return FAIL_OOM(resp);
	}
	llmk__buf_free(&text);
	if (m->role == LLMK_ROLE_TOOL) {
		name = llmk__tool_call_name(r, idx, m->tool_call_id);
		return name && llmk__json_set(msg, "tool_name", json_string(name)) ? FAIL_OOM(resp) : LLMK_OK;
	}
	for (i = 0; st == LLMK_OK && i < m->nparts; i++) {
		if (m->parts[i].type == LLMK_PART_IMAGE_URL)
			st = add_image(msg, &m->parts[i], resp);
		else if (m->parts[i].type == LLMK_PART_TOOL_CALL)
			st = add_tool_call(msg, &m->parts[i], resp);
	}
	return st;
}

/* OpenAI's function shape, the description last. */
static const llmk__tool_shape tool_shape = {
        .decl = "{\"type\":\"function\",\"function\":"
                "{\"name\":\"$name\",\"parameters\":\"$schema\",\"description\":\"$description\"}}",
        .no_parameters = "{\"type\":\"object\",\"properties\":{}}",
};

/* "format": "json" for json_object, the schema itself for json_schema. */
static llmk_status build_format(const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *schema = llmk__req_str(r, LLMK_OPT_JSON_SCHEMA);
	const char *fmt = llmk__req_str(r, LLMK_OPT_RESPONSE_FORMAT);

	if (schema)
		return llmk__json_set(body, "format", llmk__json_text(schema)) ? FAIL_OOM(resp) : LLMK_OK;
	if (!fmt || !strcmp(fmt, "text"))
		return LLMK_OK;
	if (!strcmp(fmt, "json_object"))
		return llmk__json_set(body, "format", json_string("json")) ? FAIL_OOM(resp) : LLMK_OK;
	return llmk__fail(resp, LLMK_E_INVALID_ARG,
	                  "ollama: response_format '%s' is neither text nor json_object (use json_schema for a schema)",
	                  fmt);
}

/* think: true/false or "low" | "medium" | "high" | "max" (ChatRequest.think). */
static llmk_status build_think(const llmk_request *r, json_t *body, llmk_response *resp)
{
	static const char *const levels[] = {"low", "medium", "high", "max"};
	const char *effort = llmk__req_str(r, LLMK_OPT_REASONING_EFFORT);
	size_t i;

	if (!effort)
		return LLMK_OK;
	if (!strcmp(effort, "none"))
		return llmk__json_set(body, "think", json_false()) ? FAIL_OOM(resp) : LLMK_OK;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(effort, levels[i]))
			return llmk__json_set(body, "think", json_string(effort)) ? FAIL_OOM(resp) : LLMK_OK;
	return llmk__fail(resp, LLMK_E_INVALID_ARG,
	                  "ollama: reasoning_effort '%s' is not one of none, low, medium, high, max", effort);
}

static llmk_status build_options(const llmk_request *r, json_t *body, llmk_response *resp)
{
	static const llmk__opt_key sampling[] = {{LLMK_OPT_TEMPERATURE, "temperature"},
	                                         {LLMK_OPT_TOP_P, "top_p"},
	                                         {LLMK_OPT_FREQUENCY_PENALTY, "frequency_penalty"},
	                                         {LLMK_OPT_PRESENCE_PENALTY, "presence_penalty"},
	                                         {LLMK_OPT_MAX_TOKENS, "num_predict"},
	                                         {LLMK_OPT_TOP_K, "top_k"},
	                                         {LLMK_OPT_SEED, "seed"},
	                                         {0, NULL}};

	return llmk__put_section(body, "options", r, sampling, "stop") ? FAIL_OOM(resp) : LLMK_OK;
}

static llmk_status build_chat(const llmk_client *c, const llmk_request *r, int stream, json_t *body,
                              llmk_response *resp)
{
	json_t *msgs;
	llmk_status st;
	size_t i;

	(void)c;
	if (!r->nmsgs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "chat request has no messages");
	if (!(msgs = llmk__json_set_array(body, "messages")))
		return FAIL_OOM(resp);
	for (i = 0; i < r->nmsgs; i++)
		if ((st = build_message(r, i, msgs, resp)))
			return st;
	if ((st = llmk__tool_decls(r, &tool_shape, body, "tools", resp)) || (st = build_format(r, body, resp)) ||
	    (st = build_think(r, body, resp)) || (st = build_options(r, body, resp)))
		return st;
	/* Ollama streams unless told otherwise. */
	return llmk__json_set(body, "stream", json_boolean(stream)) ? FAIL_OOM(resp) : LLMK_OK;
}

static llmk_status build_embed(const llmk_client *c, const llmk_request *r, int stream, json_t *body,
                               llmk_response *resp)
{
	static const llmk__opt_key opts[] = {{LLMK_OPT_DIMENSIONS, "dimensions"}, {0, NULL}};

	(void)c;
	(void)stream;
	if (!r->ninputs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "embed request has no inputs (llmk_request_add_input)");
	if (llmk__json_set_strings(body, "input", r->inputs, r->ninputs) || llmk__put_opts(body, r, opts))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

/* No key locally; ollama.com and authenticating proxies take a Bearer. */
static const llmk__builders builders = {.key_header = "Authorization",
                                        .key_prefix = "Bearer ",
                                        .stream_accept = "application/x-ndjson",
                                        .path = {[LLMK_CHAT] = "/api/chat", [LLMK_EMBED] = "/api/embed"},
                                        .kind = {[LLMK_CHAT] = build_chat, [LLMK_EMBED] = build_embed}};

static llmk_status ollama_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                llmk_exchange *ex, llmk_response *resp)
{
	return llmk__build_json(&builders, c, r, model, stream, ex, resp);
}

/* ---- parsing ------------------------------------------------------------ */

/* Ollama reports no total: TOTAL is input + output, in the USAGE event of a
 * stream as in the response. */
static void read_usage(json_t *root, llmk_response *resp)
{
	int64_t *us = resp->usage;

	llmk__json_i64(root, "prompt_eval_count", &us[LLMK_USAGE_INPUT]);
	llmk__json_i64(root, "eval_count", &us[LLMK_USAGE_OUTPUT]);
	if (us[LLMK_USAGE_INPUT] >= 0 && us[LLMK_USAGE_OUTPUT] >= 0)
		us[LLMK_USAGE_TOTAL] = us[LLMK_USAGE_INPUT] + us[LLMK_USAGE_OUTPUT];
}

static llmk_status set_model(llmk_response *resp, json_t *root)
{
	json_t *m = json_object_get(root, "model");
	return json_is_string(m) && !resp->model ? llmk__set_field(&resp->model, json_string_value(m)) : LLMK_OK;
}

/* done_reason as sent, TOOL_CALLS in the enum when the model called tools
 * (see the top of the file). */
static llmk_status set_finish(llmk_response *resp, json_t *root)
{
	return llmk__set_finish_calls(resp, json_object_get(root, "done_reason"));
}

static llmk_status parse_chat(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *msg = json_object_get(root, "message"), *call, *fn;
	llmk__tool_call *tc;
	const char *name;
	char gen[32];
	size_t i;

	(void)r;
	if (!json_is_object(msg))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "ollama: chat response has no message");
	if (llmk__json_append_str(&resp->text, json_object_get(msg, "content")) ||
	    llmk__json_append_str(&resp->reasoning, json_object_get(msg, "thinking")))
		return LLMK_E_NOMEM;
	json_array_foreach(json_object_get(msg, "tool_calls"), i, call)
	{
		fn = json_object_get(call, "function");
		if (!json_is_object(fn) || !(name = json_string_value(json_object_get(fn, "name"))))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "ollama: tool call %zu has no function name", i);
		tc = llmk__response_tool_call(resp, resp->ncalls);
		if (!tc)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "ollama: too many tool calls");
		/* Ollama sends no id, but take one if a newer server does. */
		if (llmk__buf_append_str(&tc->id, llmk__call_id(json_object_get(call, "id"), gen)) ||
		    llmk__buf_append_str(&tc->name, name) ||
		    llmk__json_append_args(&tc->args, json_object_get(fn, "arguments")))
			return LLMK_E_NOMEM;
	}
	read_usage(root, resp);
	return set_finish(resp, root);
}

static llmk_status parse_embed(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *embs = json_object_get(root, "embeddings");
	llmk_status st;

	if (!json_is_array(embs))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "ollama: embed response has no embeddings array");
	st = llmk__embeddings_from_array(resp, embs, NULL, r->ninputs, "ollama embed response");
	if (st == LLMK_OK)
		llmk__json_i64(root, "prompt_eval_count", &resp->usage[LLMK_USAGE_INPUT]);
	return st;
}

/* An error can come whole under HTTP 200 (see the top of the file). */
static const llmk__readers readers = {.error_prefix = "ollama returned an error: ",
                                      .first = set_model,
                                      .kind = {[LLMK_CHAT] = parse_chat, [LLMK_EMBED] = parse_embed}};

static llmk_status ollama_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *ctype,
                                const char *body, size_t len)
{
	(void)c;
	(void)ctype;
	return llmk__read_json(&readers, r, resp, "ollama response body", body, len);
}

/* ---- streaming ------------------------------------------------------------ */

/* Each tool call arrives whole in one line; the stream state (a size_t)
 * counts them so they keep distinct indices across lines. */
static llmk_status stream_tools(llmk__stream_ctx *s, json_t *calls)
{
	llmk__buf args = LLMK__BUF_INIT;
	json_t *call, *fn;
	const char *name;
	char gen[32];
	size_t i;
	int stop;

	json_array_foreach(calls, i, call)
	{
		fn = json_object_get(call, "function");
		if (!json_is_object(fn) || !(name = json_string_value(json_object_get(fn, "name"))))
			return llmk__fail(s->resp, LLMK_E_PROTOCOL, "ollama: streamed tool call has no function name");
		if (llmk__json_append_args(&args, json_object_get(fn, "arguments"))) {
			llmk__buf_free(&args);
			return llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory");
		}
		stop = llmk__emit_tool(s, (*(size_t *)s->state)++, llmk__call_id(json_object_get(call, "id"), gen),
		                       name, args.data, args.len);
		llmk__buf_free(&args);
		if (stop)
			return llmk__stream_stopped(s);
	}
	return LLMK_OK;
}

static llmk_status stream_line(llmk__stream_ctx *s, json_t *root)
{
	llmk_response *resp = s->resp;
	json_t *msg = json_object_get(root, "message"), *v;
	llmk_status st;

	if (set_model(resp, root))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	v = json_object_get(msg, "tool_calls");
	if ((st = llmk__emit_json_reasoning(s, json_object_get(msg, "thinking"))) ||
	    (st = llmk__emit_json_text(s, json_object_get(msg, "content"))) ||
	    (json_is_array(v) && (st = stream_tools(s, v))))
		return st;
	if (!json_is_true(json_object_get(root, "done")))
		return LLMK_OK;
	s->done = 1;
	read_usage(root, resp);
	if (set_finish(resp, root))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	if ((resp->usage[LLMK_USAGE_INPUT] >= 0 || resp->usage[LLMK_USAGE_OUTPUT] >= 0) && llmk__emit_usage(s))
		return llmk__stream_stopped(s);
	return LLMK_OK;
}

static llmk_status ollama_stream_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	(void)event;
	if (s->done)
		return LLMK_OK; /* nothing after the done line counts */
	return llmk__json_stream_event(s, data, len, "ollama: stream line", stream_line);
}

const llmk__adapter llmk__ollama_adapter = {.build = ollama_build,
                                            .parse = ollama_parse,
                                            .parse_error = llmk__error_generic,
                                            .stream_event = ollama_stream_event,
                                            .framing = LLMK_FRAMING_NDJSON,
                                            .feature = LLMK_FEATURE_OLLAMA,
                                            .state_size = sizeof(size_t)};
