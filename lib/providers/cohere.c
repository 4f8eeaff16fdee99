/* Cohere v2 wire format: POST /v2/chat (JSON or SSE) and POST /v2/embed.
 *
 * Reference: Cohere OpenAPI spec (shared/data/specs/cohere-openapi.json:
 * chatv2, embedv2, ChatFinishReason, Usage, ApiMeta, the streamed event
 * schemas) and docs.cohere.com/reference/errors.
 *
 * Mapping choices worth knowing:
 * - tool_choice has only "REQUIRED" and "NONE"; "auto" is the default and
 *   is sent by omission. A named tool cannot be forced, except when it is
 *   the only declared tool (then REQUIRED means the same thing).
 * - An assistant turn with tool calls carries its text as tool_plan:
 *   Cohere rejects text content next to tool_calls.
 * - The model's tool plan (tool_plan, tool-plan-delta) and its thinking
 *   content are reasoning, not answer text.
 * - Usage counts come from usage.tokens; see read_usage(). */
#include <string.h>

#include <jansson.h>

#include "toolkit.h"
#include "wire_kinds.h"

#define MAX_EMBED_TEXTS 96 /* V2EmbedRequest.texts maxItems */

/* Stream state (llmk__stream_ctx.state): tool calls stream one at a time
 * (start, deltas, end) and are numbered here, see on_tool_start(). */
typedef struct cohere_stream {
	size_t ncalls; /* calls started so far */
	size_t cur;    /* index of the call in progress */
	int in_call;   /* between tool-call-start and tool-call-end */
} cohere_stream;

/* ---- building ------------------------------------------------------------ */

static int count_parts(const llmk__message *m, int type)
{
	size_t i;
	int n = 0;

	for (i = 0; i < m->nparts; i++)
		n += m->parts[i].type == type;
	return n;
}

/* The text parts joined with "\n" as a JSON string. */
static json_t *joined_text(const llmk__message *m)
{
	llmk__buf b = LLMK__BUF_INIT;
	json_t *s = NULL;

	if (llmk__message_text(m, &b) == LLMK_OK)
		s = json_stringn(b.data ? b.data : "", b.len);
	llmk__buf_free(&b);
	return s;
}

/* User content: a plain string unless images need the array form
 * (Content: ChatTextContent | ImageContent). */
static json_t *user_content(const llmk__message *m)
{
	return count_parts(m, LLMK_PART_IMAGE_URL) ? llmk__content_parts(m) : joined_text(m);
}

static int add_tool_calls(const llmk__message *m, json_t *msg)
{
	json_t *calls = json_array(), *call;
	size_t i;

	if (!calls || json_object_set_new(msg, "tool_calls", calls))
		return -1;
	for (i = 0; i < m->nparts; i++) {
		const llmk__part *p = &m->parts[i];
		if (p->type != LLMK_PART_TOOL_CALL)
			continue;
		call = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", p->id, "type", "function", "function", "name",
		                 p->detail, "arguments", p->text);
		if (!call || json_array_append_new(calls, call))
			return -1;
	}
	return 0;
}

static json_t *build_message(const llmk_client *c, const llmk__message *m)
{
	json_t *msg;
	int has_text = count_parts(m, LLMK_PART_TEXT) > 0;

	(void)c;
	switch (m->role) {
	case LLMK_ROLE_SYSTEM:
	case LLMK_ROLE_DEVELOPER: /* Cohere has no developer role */
		msg = json_pack("{s:s}", "role", "system");
		if (msg && llmk__json_set(msg, "content", joined_text(m)))
			goto fail;
		return msg;
	case LLMK_ROLE_USER:
		msg = json_pack("{s:s}", "role", "user");
		if (msg && llmk__json_set(msg, "content", user_content(m)))
			goto fail;
		return msg;
	case LLMK_ROLE_TOOL:
		msg = json_pack("{s:s, s:s}", "role", "tool", "tool_call_id", m->tool_call_id ? m->tool_call_id : "");
		if (msg && llmk__json_set(msg, "content", joined_text(m)))
			goto fail;
		return msg;
	default: break;
	}
	msg = json_pack("{s:s}", "role", "assistant");
	if (!msg)
		return NULL;
	if (!count_parts(m, LLMK_PART_TOOL_CALL))
		return llmk__json_set(msg, "content", joined_text(m)) ? (json_decref(msg), NULL) : msg;
	/* "text content is not allowed when tool_calls are provided": the
	 * text that came with the calls is their plan. */
	if ((has_text && llmk__json_set(msg, "tool_plan", joined_text(m))) || add_tool_calls(m, msg))
		goto fail;
	return msg;
fail:
	json_decref(msg);
	return NULL;
}

static const llmk__choice choices[] = {{"auto", ""}, /* the API's default; it has no "AUTO" value */
                                       {"none", "\"NONE\""},
                                       {"required", "\"REQUIRED\""},
                                       {"$only", "\"REQUIRED\""}, /* forcing the only tool is "use a tool" */
                                       {NULL, NULL}};

static llmk_status build_tools(const llmk_request *r, json_t *body, llmk_response *resp)
{
	/* parameters is required by ToolV2Function: always sent */
	llmk_status st = llmk__tool_decls(r, &llmk__function_tool, body, "tools", resp);

	return st ? st : llmk__set_tool_choice(r, choices, body, "tool_choice", "cohere", resp);
}

static llmk_status build_response_format(const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *schema = llmk__req_str(r, LLMK_OPT_JSON_SCHEMA);
	const char *fmt = llmk__req_str(r, LLMK_OPT_RESPONSE_FORMAT);
	json_t *rf;

	/* JsonResponseFormatV2 has no schema name: json_schema_name is only a
	 * label and is not sent. */
	if (schema) {
		rf = json_pack("{s:s, s:o}", "type", "json_object", "json_schema", llmk__json_text(schema));
	} else if (fmt && (!strcmp(fmt, "text") || !strcmp(fmt, "json_object"))) {
		rf = json_pack("{s:s}", "type", fmt);
	} else if (fmt) {
		return llmk__fail(
		        resp, LLMK_E_INVALID_ARG,
		        "cohere response_format '%s' is not text or json_object (give a schema with json_schema)", fmt);
	} else {
		return LLMK_OK;
	}
	return llmk__json_set(body, "response_format", rf) ? FAIL_OOM(resp) : LLMK_OK;
}

static llmk_status build_chat(const llmk_client *c, const llmk_request *r, int stream, json_t *body,
                              llmk_response *resp)
{
	static const llmk__opt_key sampling[] = {{LLMK_OPT_TEMPERATURE, "temperature"},
	                                         {LLMK_OPT_TOP_P, "p"},
	                                         {LLMK_OPT_FREQUENCY_PENALTY, "frequency_penalty"},
	                                         {LLMK_OPT_PRESENCE_PENALTY, "presence_penalty"},
	                                         {LLMK_OPT_TOP_K, "k"},
	                                         {LLMK_OPT_MAX_TOKENS, "max_tokens"},
	                                         {LLMK_OPT_SEED, "seed"},
	                                         {0, NULL}};
	llmk_status st;
	int64_t budget;

	if ((st = llmk__put_messages(body, c, r, build_message, resp)))
		return st;
	if (llmk__put_opts(body, r, sampling))
		return FAIL_OOM(resp);
	if (llmk__req_i64(r, LLMK_OPT_REASONING_BUDGET, &budget) &&
	    llmk__json_set(body, "thinking",
	                   budget > 0 ? json_pack("{s:s, s:I}", "type", "enabled", "token_budget", (json_int_t)budget)
	                              : json_pack("{s:s}", "type", "disabled")))
		return FAIL_OOM(resp);
	if (llmk__put_stops(body, "stop_sequences", r))
		return FAIL_OOM(resp);
	if ((st = build_tools(r, body, resp)) || (st = build_response_format(r, body, resp)))
		return st;
	if (stream && llmk__json_set(body, "stream", json_true()))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

static llmk_status build_embed(const llmk_client *c, const llmk_request *r, int stream, json_t *body,
                               llmk_response *resp)
{
	static const llmk__opt_key opts[] = {{LLMK_OPT_DIMENSIONS, "output_dimension"}, {0, NULL}};
	const char *type = llmk__req_str(r, LLMK_OPT_EMBED_INPUT_TYPE);

	(void)c;
	(void)stream;
	if (!r->ninputs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "embed request has no inputs (llmk_request_add_input)");
	if (r->ninputs > MAX_EMBED_TEXTS)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "embed request has %zu inputs; cohere takes at most %d",
		                  r->ninputs, MAX_EMBED_TEXTS);
	/* input_type is required for v3+ models; documents are the common case. */
	if (llmk__json_set_strings(body, "texts", r->inputs, r->ninputs) ||
	    llmk__json_set(body, "input_type", json_string(type ? type : "search_document")) ||
	    llmk__json_set(body, "embedding_types", json_pack("[s]", "float")) || llmk__put_opts(body, r, opts))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

static const llmk__builders builders = {.key_header = "Authorization",
                                        .key_prefix = "Bearer ",
                                        .stream_accept = "text/event-stream",
                                        .path = {[LLMK_CHAT] = "/v2/chat", [LLMK_EMBED] = "/v2/embed"},
                                        .kind = {[LLMK_CHAT] = build_chat, [LLMK_EMBED] = build_embed}};

static llmk_status cohere_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                llmk_exchange *ex, llmk_response *resp)
{
	if (r->kind == LLMK_RERANK)
		return llmk__rerank_build(LLMK_RERANK_COHERE, c, r, model, ex, resp);
	return llmk__build_json(&builders, c, r, model, stream, ex, resp);
}

/* ---- parsing ------------------------------------------------------------ */

/* Counts are JSON numbers, sometimes written as 18.0 (spec examples). */
static void num(json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) < 9e15)
		*out = (int64_t)json_number_value(v);
}

/* Usage has two pairs of counts. billed_units are what Cohere charges
 * for, which excludes the prompt template it wraps around the messages
 * (5 billed vs 71 processed input tokens in the spec's example); tokens
 * are what the model actually read and wrote, which is what INPUT/OUTPUT
 * mean for every other provider and what context limits count. So tokens
 * win; billed_units are the fallback when tokens are absent. cached_tokens
 * (top level, "prompt tokens that hit the inference cache") is part of
 * tokens.input_tokens. */
static void read_usage(json_t *u, llmk_response *resp)
{
	json_t *tokens = json_object_get(u, "tokens"), *billed = json_object_get(u, "billed_units");

	if (!json_is_object(u))
		return;
	num(billed, "input_tokens", &resp->usage[LLMK_USAGE_INPUT]);
	num(billed, "output_tokens", &resp->usage[LLMK_USAGE_OUTPUT]);
	num(tokens, "input_tokens", &resp->usage[LLMK_USAGE_INPUT]);
	num(tokens, "output_tokens", &resp->usage[LLMK_USAGE_OUTPUT]);
	num(u, "cached_tokens", &resp->usage[LLMK_USAGE_CACHED_INPUT]);
	/* no total is reported: input + output, in stream events too */
	if (resp->usage[LLMK_USAGE_INPUT] >= 0 && resp->usage[LLMK_USAGE_OUTPUT] >= 0)
		resp->usage[LLMK_USAGE_TOTAL] = resp->usage[LLMK_USAGE_INPUT] + resp->usage[LLMK_USAGE_OUTPUT];
}

static int append_reasoning(llmk_response *resp, json_t *v)
{
	if (!json_is_string(v) || !json_string_length(v))
		return 0;
	if (resp->reasoning.len && llmk__buf_append(&resp->reasoning, "\n", 1))
		return -1;
	return llmk__buf_append(&resp->reasoning, json_string_value(v), json_string_length(v));
}

static llmk_status parse_chat(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *msg = json_object_get(root, "message"), *item, *fr;
	const char *type;
	size_t i;
	llmk_status st;

	(void)r;
	if (!json_is_object(msg)) {
		if (json_is_string(json_object_get(root, "message"))) /* an error body under 2xx */
			return llmk__answer_error(resp, llmk__error_from_json(resp, 200, root),
			                          "cohere returned an error: ");
		return llmk__fail(resp, LLMK_E_PROTOCOL, "cohere chat response has no message object");
	}
	json_array_foreach(json_object_get(msg, "content"), i, item)
	{
		type = json_string_value(json_object_get(item, "type"));
		if (type && !strcmp(type, "text")) {
			if (llmk__json_append_str(&resp->text, json_object_get(item, "text")))
				goto oom;
		} else if (type && !strcmp(type, "thinking") &&
		           append_reasoning(resp, json_object_get(item, "thinking"))) {
			goto oom;
		}
	}
	if (append_reasoning(resp, json_object_get(msg, "tool_plan")))
		goto oom;
	if ((st = llmk__read_function_calls(json_object_get(msg, "tool_calls"), "{}", resp)))
		return st;
	fr = json_object_get(root, "finish_reason");
	if (json_is_string(fr) && llmk__set_finish(resp, json_string_value(fr)))
		goto oom;
	read_usage(json_object_get(root, "usage"), resp);
	return LLMK_OK;
oom:
	return llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading the chat response");
}

static llmk_status parse_embed(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *rows = json_object_get(json_object_get(root, "embeddings"), "float"), *meta;
	llmk_status st;

	if (!json_is_array(rows))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "cohere embed response has no embeddings.float array");
	st = llmk__embeddings_from_array(resp, rows, NULL, r->ninputs, "cohere embed response");
	meta = json_object_get(root, "meta");
	num(json_object_get(meta, "billed_units"), "input_tokens", &resp->usage[LLMK_USAGE_INPUT]);
	num(json_object_get(meta, "tokens"), "input_tokens", &resp->usage[LLMK_USAGE_INPUT]);
	return st;
}

static const llmk__readers readers = {.kind = {[LLMK_CHAT] = parse_chat, [LLMK_EMBED] = parse_embed}};

static llmk_status cohere_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp,
                                const char *content_type, const char *body, size_t len)
{
	if (r->kind == LLMK_RERANK)
		return llmk__rerank_parse(r, resp, body, len);
	(void)c;
	(void)content_type;
	/* A stream whose Content-Type a proxy rewrote; the core replays the
	 * result as events. */
	if (r->kind == LLMK_CHAT && llmk__looks_like_sse(body, len))
		return llmk__sse_body(&llmk__cohere_adapter, r, resp, "cohere", "message-end", body, len);
	return llmk__read_json(&readers, r, resp, "cohere response body", body, len);
}

/* Generic mapping plus the statuses only Cohere uses (spec components
 * "InvalidToken", "RequestCancelled"; docs.cohere.com/reference/errors). */
static llmk_status cohere_parse_error(llmk_response *resp, int32_t http, const char *body, size_t len)
{
	llmk_status st = llmk__error_generic(resp, http, body, len);

	switch (http) {
	case 402: /* billing limit reached: a quota, as insufficient_quota is elsewhere */ return LLMK_E_RATE_LIMITED;
	case 498: /* "a request or response contains a deny-listed token" */ return LLMK_E_CONTENT_FILTERED;
	case 499: /* cancelled on Cohere's side ("request cancelled", "streaming
	           * error"): we did not cancel, and the docs say to retry */
		return LLMK_E_SERVER;
	default: return st;
	}
}

/* ---- streaming ------------------------------------------------------------ */

static llmk_status on_content(llmk__stream_ctx *s, json_t *content)
{
	llmk_status st = llmk__emit_json_text(s, json_object_get(content, "text"));

	return st ? st : llmk__emit_json_reasoning(s, json_object_get(content, "thinking"));
}

/* Tool calls stream one at a time (start, deltas, end). Cohere's "index"
 * numbers content blocks, not calls, so calls are numbered here. */
static llmk_status on_tool_start(llmk__stream_ctx *s, json_t *call)
{
	json_t *fn = json_object_get(call, "function"), *args = json_object_get(fn, "arguments");
	const char *a = json_is_string(args) ? json_string_value(args) : "";
	cohere_stream *cs = s->state;

	cs->cur = cs->ncalls++;
	cs->in_call = 1;
	if (llmk__emit_tool(s, cs->cur, json_string_value(json_object_get(call, "id")),
	                    json_string_value(json_object_get(fn, "name")), a, strlen(a)))
		return llmk__stream_stopped(s);
	return LLMK_OK;
}

static llmk_status on_tool_delta(llmk__stream_ctx *s, json_t *call)
{
	json_t *args = json_object_get(json_object_get(call, "function"), "arguments");
	const cohere_stream *cs = s->state;

	if (!cs->in_call)
		return llmk__fail(s->resp, LLMK_E_PROTOCOL, "cohere: tool-call-delta outside a tool call");
	if (json_is_string(args) &&
	    llmk__emit_tool(s, cs->cur, NULL, NULL, json_string_value(args), json_string_length(args)))
		return llmk__stream_stopped(s);
	return LLMK_OK;
}

static llmk_status on_message_end(llmk__stream_ctx *s, json_t *delta)
{
	json_t *err = json_object_get(delta, "error"), *fr = json_object_get(delta, "finish_reason");

	if (json_is_string(fr) && llmk__set_finish(s->resp, json_string_value(fr)))
		return llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory");
	if (json_is_string(err) && json_string_length(err)) {
		llmk__set_field(&s->resp->error, json_string_value(err));
		return llmk__stream_failure(s->resp, LLMK_E_SERVER);
	}
	s->done = 1;
	return llmk__stream_usage(s, json_object_get(delta, "usage"), read_usage);
}

static llmk_status dispatch(llmk__stream_ctx *s, const char *type, json_t *root)
{
	json_t *delta = json_object_get(root, "delta"), *msg = json_object_get(delta, "message");

	if (!strcmp(type, "content-start") || !strcmp(type, "content-delta"))
		return on_content(s, json_object_get(msg, "content"));
	if (!strcmp(type, "tool-plan-delta"))
		return llmk__emit_json_reasoning(s, json_object_get(msg, "tool_plan"));
	if (!strcmp(type, "tool-call-start"))
		return on_tool_start(s, json_object_get(msg, "tool_calls"));
	if (!strcmp(type, "tool-call-delta"))
		return on_tool_delta(s, json_object_get(msg, "tool_calls"));
	if (!strcmp(type, "tool-call-end")) {
		((cohere_stream *)s->state)->in_call = 0;
		return LLMK_OK;
	}
	if (!strcmp(type, "message-end"))
		return on_message_end(s, delta);
	/* message-start, content-end, citation-start/-end, debug, and types
	 * added later carry nothing we report. */
	return LLMK_OK;
}

static llmk_status stream_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	llmk_response *resp = s->resp;
	json_t *root, *t;
	const char *type;
	llmk_status st;

	if (s->done || !len)
		return LLMK_OK;
	/* The spec's streaming terminator; the SDKs skip it. */
	if (len == 6 && !memcmp(data, "[DONE]", 6))
		return LLMK_OK;
	if (!(root = llmk__json_event(data, len, resp, "cohere stream event", event ? event : "(unnamed)")))
		return resp->status;
	t = json_object_get(root, "type");
	type = json_is_string(t) ? json_string_value(t) : event;
	if (!type && json_is_string(json_object_get(root, "message"))) {
		st = llmk__stream_failure(resp, llmk__error_from_json(resp, 200, root)); /* an error body */
	} else {
		st = type ? dispatch(s, type, root) : LLMK_OK;
	}
	json_decref(root);
	return st;
}

const llmk__adapter llmk__cohere_adapter = {.build = cohere_build,
                                            .parse = cohere_parse,
                                            .parse_error = cohere_parse_error,
                                            .stream_event = stream_event,
                                            .framing = LLMK_FRAMING_SSE,
                                            .feature = LLMK_FEATURE_COHERE,
                                            .state_size = sizeof(cohere_stream)};
