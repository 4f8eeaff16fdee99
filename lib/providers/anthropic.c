/* Anthropic Messages API: POST {base}/messages, chat only (text, images,
 * tools, extended thinking), whole answers and named-event SSE streams.
 *
 * Reference: docs.claude.com (formerly docs.anthropic.com) "Messages",
 * "Streaming Messages" and "Errors" pages, and the types of the official
 * SDKs generated from Anthropic's OpenAPI spec; platform.claude.com
 * "Effort", "Adaptive thinking", "Strict tool use", "Tool reference" and
 * "Prompt caching" for the parts named there. */
#include <string.h>

#include <jansson.h>

#include "anthropic_effort.h"
#include "toolkit.h"
#include "wire_kinds.h"

#define DEFAULT_API_VERSION "2023-06-01"
/* max_tokens is required by the Messages API and has no server default.
 * Without LLMK_OPT_MAX_TOKENS we send 4096: every current Claude model
 * accepts it and it leaves room for a long answer. With a reasoning budget
 * of 4096 or more the default grows to budget + 4096, because the API
 * rejects max_tokens <= thinking.budget_tokens. */
#define DEFAULT_MAX_TOKENS 4096

/* ---- building ------------------------------------------------------------ */

/* One message of the request being built: its role ("user"/"assistant")
 * and its content blocks. Consecutive messages of the same role are merged,
 * since the API wants user and assistant turns to alternate. */
typedef struct turn {
	const char *role;
	json_t *blocks;  /* borrowed: owned by the messages array */
	size_t nresults; /* leading tool_result blocks */
} turn;

/* data: URLs become base64 sources, http(s) URLs url sources. The
 * OpenAI-style detail hint has no counterpart here and is not sent. */
static json_t *image_block(const llmk__part *p, llmk_response *resp)
{
	const char *mime, *b64;
	size_t mime_len;
	json_t *src;

	if (!strncmp(p->text, "data:", 5)) {
		if (!llmk__data_url_split(p->text, &mime, &mime_len, &b64)) {
			llmk__fail(resp, LLMK_E_INVALID_ARG,
			           "image data URL is not base64 (data:<mime>;base64,<data>)");
			return NULL;
		}
		src = json_pack("{s:s, s:s%, s:s}", "type", "base64", "media_type", mime, mime_len, "data", b64);
	} else {
		src = json_pack("{s:s, s:s}", "type", "url", "url", p->text);
	}
	if (!src) {
		FAIL_OOM(resp);
		return NULL;
	}
	return json_pack("{s:s, s:o}", "type", "image", "source", src);
}

/* A document block: a PDF as base64, a text document as its text; the
 * file name as its title. */
static json_t *document_block(const llmk__part *p, llmk_response *resp)
{
	llmk__buf text = LLMK__BUF_INIT;
	const char *mime, *b64;
	size_t mlen;
	json_t *src = NULL, *b;

	if (!llmk__data_url_split(p->text, &mime, &mlen, &b64)) {
		llmk__fail(resp, LLMK_E_INVALID_ARG, "document is not a base64 data: URL");
		return NULL;
	}
	if (mlen == 10 && !memcmp(mime, "text/plain", 10)) {
		if (llmk__document_text(p, &text) == LLMK_OK)
			src = json_pack("{s:s, s:s, s:s%}", "type", "text", "media_type", "text/plain", "data",
			                text.data ? text.data : "", text.len);
		llmk__buf_free(&text);
	} else {
		src = json_pack("{s:s, s:s%, s:s}", "type", "base64", "media_type", mime, mlen, "data", b64);
	}
	b = src ? json_pack("{s:s, s:o, s:s}", "type", "document", "source", src, "title", p->detail) : NULL;
	if (!b)
		FAIL_OOM(resp);
	return b;
}

static json_t *thinking_block(const llmk__part *p, llmk_response *resp);

/* Empty text is left out: the API rejects empty text blocks. */
static const llmk__part_shape part_shape = {
        .text = "{\"type\":\"text\",\"text\":\"$text\"}",
        .tool_call = "{\"type\":\"tool_use\",\"id\":\"$id\",\"name\":\"$name\",\"input\":\"$input\"}",
        .image = image_block,
        .document = document_block,
        .reasoning = thinking_block,
        .skip_empty_text = 1,
        .opaque_wire = LLMK_FEATURE_ANTHROPIC, /* server tools' blocks (keep_server_block) */
};

/* A thinking block of an earlier answer (llmk_request_add_response()),
 * unchanged (thinking, redacted_thinking), or from a stream its text with
 * the signature the signature_delta events carried. */
static json_t *thinking_block(const llmk__part *p, llmk_response *resp)
{
	return llmk__signed_block(p, LLMK_FEATURE_ANTHROPIC,
	                          "{\"type\":\"thinking\",\"thinking\":\"$text\",\"signature\":\"$signature\"}", resp);
}

/* Appends the blocks of one message to cur (a new turn or the previous one
 * of the same role). */
static llmk_status add_blocks(const llmk__message *m, turn *cur, llmk_response *resp)
{
	json_t *b;

	if (m->role == LLMK_ROLE_TOOL) {
		const char *content = m->nparts ? m->parts[0].text : "";
		b = json_pack("{s:s, s:s}", "type", "tool_result", "tool_use_id", m->tool_call_id);
		if (!b || (*content && llmk__json_set(b, "content", json_string(content)))) {
			json_decref(b);
			return FAIL_OOM(resp);
		}
		/* tool_result blocks must come first in a user turn. */
		if (json_array_insert_new(cur->blocks, cur->nresults, b))
			return FAIL_OOM(resp);
		cur->nresults++;
		return LLMK_OK;
	}
	return llmk__append_parts(cur->blocks, m, &part_shape, "anthropic", resp);
}

/* A turn that is one text block goes out as plain string content. */
static llmk_status simplify(json_t *msgs, llmk_response *resp)
{
	size_t i;
	json_t *msg, *blocks, *only;

	json_array_foreach(msgs, i, msg)
	{
		blocks = json_object_get(msg, "content");
		only = json_array_get(blocks, 0);
		if (json_array_size(blocks) != 1 || strcmp(json_string_value(json_object_get(only, "type")), "text") ||
		    json_object_size(only) != 2) /* a cache_control must stay */
			continue;
		if (json_object_set(msg, "content", json_object_get(only, "text")))
			return FAIL_OOM(resp);
	}
	return LLMK_OK;
}

/* cache_control {"type": "ephemeral", "ttl": "5m" | "1h"} on a block. */
static llmk_status cache_point(json_t *block, const char *ttl, llmk_response *resp)
{
	if (!json_is_object(block))
		return LLMK_OK;
	return llmk__json_set(block, "cache_control", json_pack("{s:s, s:s}", "type", "ephemeral", "ttl", ttl))
	               ? FAIL_OOM(resp)
	               : LLMK_OK;
}

static llmk_status build_messages(const llmk_request *r, json_t *body, llmk_response *resp)
{
	llmk__buf system = LLMK__BUF_INIT;
	json_t *msgs, *msg;
	turn cur = {NULL, NULL, 0};
	llmk_status st = LLMK_OK;
	int nsystem = 0;
	size_t i;

	if (!(msgs = llmk__json_set_array(body, "messages")))
		return FAIL_OOM(resp);
	for (i = 0; i < r->nmsgs && st == LLMK_OK; i++) {
		const llmk__message *m = &r->msgs[i];
		const char *role;
		if (m->role == LLMK_ROLE_SYSTEM || m->role == LLMK_ROLE_DEVELOPER) {
			/* No system role in messages: one top-level system text. */
			if ((nsystem++ && llmk__buf_append_str(&system, "\n\n")) || llmk__message_text(m, &system))
				st = FAIL_OOM(resp);
			continue;
		}
		role = m->role == LLMK_ROLE_ASSISTANT ? "assistant" : "user";
		if (!cur.role || strcmp(cur.role, role)) {
			msg = json_pack("{s:s, s:[]}", "role", role, "content");
			if (!msg || json_array_append_new(msgs, msg)) {
				st = FAIL_OOM(resp);
				break;
			}
			cur.role = role;
			cur.blocks = json_object_get(msg, "content");
			cur.nresults = 0;
		}
		st = add_blocks(m, &cur, resp);
	}
	/* Turns left without content (only empty text) would be rejected. */
	for (i = json_array_size(msgs); st == LLMK_OK && i-- > 0;)
		if (!json_array_size(json_object_get(json_array_get(msgs, i), "content")) && json_array_remove(msgs, i))
			st = FAIL_OOM(resp);
	if (st == LLMK_OK && !json_array_size(msgs))
		st = llmk__fail(resp, LLMK_E_INVALID_ARG, "chat request has no user or assistant message with content");
	/* Prompt caching: a breakpoint on the last block of the conversation
	 * (before simplify(), which keeps such a block), and after the system
	 * prompt, which then goes as a text block. */
	if (st == LLMK_OK && llmk__req_str(r, LLMK_OPT_CACHE_MESSAGES)) {
		json_t *last = json_object_get(json_array_get(msgs, json_array_size(msgs) - 1), "content");
		st = cache_point(json_array_get(last, json_array_size(last) - 1),
		                 llmk__req_str(r, LLMK_OPT_CACHE_MESSAGES), resp);
	}
	if (st == LLMK_OK)
		st = simplify(msgs, resp);
	if (st == LLMK_OK && nsystem && llmk__req_str(r, LLMK_OPT_CACHE_SYSTEM)) {
		json_t *blocks =
		        json_pack("[{s:s, s:s%}]", "type", "text", "text", system.data ? system.data : "", system.len);
		if (!blocks || llmk__json_set(body, "system", blocks))
			st = FAIL_OOM(resp);
		else
			st = cache_point(json_array_get(blocks, 0), llmk__req_str(r, LLMK_OPT_CACHE_SYSTEM), resp);
	} else if (st == LLMK_OK && nsystem &&
	           llmk__json_set(body, "system", json_stringn(system.data ? system.data : "", system.len)))
		st = FAIL_OOM(resp);
	llmk__buf_free(&system);
	return st;
}

/* input_schema is required and must describe an object; strict (GA
 * structured outputs, "Strict tool use") makes the tool's input follow it. */
static const llmk__tool_shape tool_shape = {
        .decl = "{\"name\":\"$name\",\"description\":\"$description\",\"input_schema\":\"$schema\","
                "\"strict\":\"$strict\"}",
        .no_parameters = "{\"type\":\"object\",\"properties\":{}}",
};
static const llmk__choice choices[] = {{"auto", "{\"type\":\"auto\"}"},
                                       {"none", "{\"type\":\"none\"}"},
                                       {"required", "{\"type\":\"any\"}"},
                                       {"any", "{\"type\":\"any\"}"},
                                       {"$tool", "{\"type\":\"tool\",\"name\":\"$name\"}"},
                                       {NULL, NULL}};

static llmk_status build_tools(const llmk_request *r, json_t *body, llmk_response *resp)
{
	llmk_status st = llmk__tool_decls(r, &tool_shape, body, "tools", resp);

	if (st == LLMK_OK && r->ntools && llmk__req_str(r, LLMK_OPT_CACHE_TOOLS))
		st = cache_point(json_array_get(json_object_get(body, "tools"), r->ntools - 1),
		                 llmk__req_str(r, LLMK_OPT_CACHE_TOOLS), resp);
	return st ? st : llmk__set_tool_choice(r, choices, body, "tool_choice", "anthropic", resp);
}

static llmk_status build_options(const llmk_request *r, const char *model, json_t *body, llmk_response *resp)
{
	static const llmk__opt_key sampling[] = {
	        {LLMK_OPT_TEMPERATURE, "temperature"}, {LLMK_OPT_TOP_P, "top_p"}, {LLMK_OPT_TOP_K, "top_k"}, {0, NULL}};
	int64_t max_tokens = DEFAULT_MAX_TOKENS, budget;
	const char *user = llmk__req_str(r, LLMK_OPT_USER);
	llmk_status st;

	/* max_tokens is written first and settled once the budget is known. */
	if (llmk__json_set(body, "max_tokens", json_integer(max_tokens)) || llmk__put_opts(body, r, sampling) ||
	    llmk__put_stops(body, "stop_sequences", r))
		return FAIL_OOM(resp);
	if (user && llmk__json_set(body, "metadata", json_pack("{s:s}", "user_id", user)))
		return FAIL_OOM(resp);
	/* Structured outputs (GA): output_config.format; the API has no name
	 * for the schema. */
	if (llmk__req_str(r, LLMK_OPT_JSON_SCHEMA) &&
	    llmk__json_set(body, "output_config",
	                   json_pack("{s:{s:s, s:o}}", "format", "type", "json_schema", "schema",
	                             llmk__json_text(llmk__req_str(r, LLMK_OPT_JSON_SCHEMA)))))
		return FAIL_OOM(resp);
	if ((st = llmk__anthropic_thinking(r, model, body, &budget, resp)))
		return st;
	if (!llmk__req_i64(r, LLMK_OPT_MAX_TOKENS, &max_tokens) && budget >= DEFAULT_MAX_TOKENS)
		max_tokens = budget + DEFAULT_MAX_TOKENS;
	return llmk__json_set(body, "max_tokens", json_integer(max_tokens)) ? FAIL_OOM(resp) : LLMK_OK;
}

static llmk_status anthropic_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                   llmk_exchange *ex, llmk_response *resp)
{
	const char *ver = llmk__client_str(c, LLMK_OPT_API_VERSION);
	json_t *body;
	llmk_status st;

	if (r->kind == LLMK__COUNT_TOKENS)
		return llmk__count_build(LLMK_COUNT_ANTHROPIC, anthropic_build, c, r, model, ex, resp);
	if (r->kind != LLMK_CHAT)
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, "anthropic serves chat requests only");
	if (!r->nmsgs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "chat request has no messages");
	if (llmk__exchange_set_url(ex, c->base_url, "/messages") ||
	    (c->api_key && llmk__auth_header(ex, "x-api-key", NULL, c->api_key)) ||
	    llmk__exchange_header(ex, "anthropic-version", ver && *ver ? ver : DEFAULT_API_VERSION) ||
	    llmk__user_agent(c, ex))
		return FAIL_OOM(resp);
	body = json_pack("{s:s}", "model", model);
	if (!body)
		return FAIL_OOM(resp);
	if ((st = build_messages(r, body, resp)) == LLMK_OK && (st = build_options(r, model, body, resp)) == LLMK_OK &&
	    (st = build_tools(r, body, resp)) == LLMK_OK && stream && llmk__json_set(body, "stream", json_true()))
		st = FAIL_OOM(resp);
	return llmk__finish_body(ex, r, body, st, NULL, stream ? "text/event-stream" : NULL, resp);
}

/* ---- parsing ------------------------------------------------------------ */

static int64_t nonneg(int64_t v)
{
	return v > 0 ? v : 0;
}

/* Usage, normalised: INPUT counts every input token, cached ones included
 * (Anthropic's input_tokens leaves out the tokens read from or written to
 * the cache); CACHED_INPUT and CACHE_WRITE are the parts of it. Streams send
 * usage twice (message_start, then cumulative counts on message_delta) and
 * either may lack fields, so present fields update the counters and INPUT
 * is recomputed from the uncached part it already holds. */
static void read_usage(json_t *u, llmk_response *resp)
{
	int64_t *us = resp->usage, raw = -1, cr, cw;

	if (!json_is_object(u))
		return;
	cr = us[LLMK_USAGE_CACHED_INPUT];
	cw = us[LLMK_USAGE_CACHE_WRITE];
	if (us[LLMK_USAGE_INPUT] >= 0)
		raw = us[LLMK_USAGE_INPUT] - nonneg(cr) - nonneg(cw);
	llmk__json_i64(u, "input_tokens", &raw);
	llmk__json_i64(u, "cache_read_input_tokens", &cr);
	llmk__json_i64(u, "cache_creation_input_tokens", &cw);
	us[LLMK_USAGE_CACHED_INPUT] = cr;
	us[LLMK_USAGE_CACHE_WRITE] = cw;
	if (raw >= 0)
		us[LLMK_USAGE_INPUT] = raw + nonneg(cr) + nonneg(cw);
	/* cache_creation splits the writes by lifetime; the 1-hour ones are
	 * priced apart (LLMK_USAGE_CACHE_WRITE keeps the total). */
	llmk__json_i64(json_object_get(u, "cache_creation"), "ephemeral_1h_input_tokens",
	               &us[LLMK_USAGE_CACHE_WRITE_1H]);
	llmk__json_i64(u, "output_tokens", &us[LLMK_USAGE_OUTPUT]);
	llmk__json_i64(json_object_get(u, "output_tokens_details"), "thinking_tokens", &us[LLMK_USAGE_REASONING]);
	if (us[LLMK_USAGE_INPUT] >= 0 && us[LLMK_USAGE_OUTPUT] >= 0)
		us[LLMK_USAGE_TOTAL] = us[LLMK_USAGE_INPUT] + us[LLMK_USAGE_OUTPUT];
}

static int has_word(const char *s, const char *w)
{
	return s && strstr(s, w) != NULL;
}

/* Error status from {"type":"error","error":{"type","message"}} (and the
 * other common shapes), with Anthropic's own types and wordings on top of
 * the shared table. */
static llmk_status error_status(llmk_response *resp, int32_t http, json_t *root)
{
	llmk_status st = llmk__error_from_json(resp, http, root);
	const char *t = resp->error_type ? resp->error_type : "", *rid;

	/* "input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000" */
	if (has_word(resp->error, "exceed context limit"))
		st = LLMK_E_CONTEXT_LENGTH;
	else if (st == LLMK_E_SERVER || st == LLMK_E_BAD_REQUEST) {
		if (!strcmp(t, "request_too_large"))
			st = LLMK_E_TOO_LARGE;
		else if (!strcmp(t, "timeout_error"))
			st = LLMK_E_TIMEOUT;
	}
	/* The body repeats the request-id header; keep it when a proxy dropped
	 * the header. */
	rid = json_string_value(json_object_get(root, "request_id"));
	if (rid && !resp->request_id)
		llmk__set_field(&resp->request_id, rid);
	return st;
}

static llmk_status anthropic_parse_error(llmk_response *resp, int32_t http, const char *body, size_t len)
{
	return llmk__read_error(resp, http, body, len, error_status);
}

static llmk_status set_model(llmk_response *resp, json_t *msg)
{
	const char *m = json_string_value(json_object_get(msg, "model"));
	return m && !resp->model ? llmk__set_field(&resp->model, m) : LLMK_OK;
}

static llmk_status set_finish(llmk_response *resp, json_t *obj)
{
	const char *v = json_string_value(json_object_get(obj, "stop_reason"));
	return v ? llmk__set_finish(resp, v) : LLMK_OK;
}

/* A block kept whole, as the next request must send it back
 * (llmk_request_add_response()): thinking and redacted_thinking as
 * reasoning, server tools' blocks as opaque parts. */
static llmk_status keep_block_as(llmk_response *resp, json_t *b, int type)
{
	llmk__turn_item *it = llmk__turn_add(resp, type, 0);
	llmk__buf text = LLMK__BUF_INIT;
	llmk_status st;

	if (!it)
		return LLMK_E_NOMEM;
	if (llmk__json_dump(&text, b, 0))
		st = FAIL_OOM(resp);
	else
		st = llmk__turn_set_opaque(resp, it, text.data, text.len);
	llmk__buf_free(&text);
	return st;
}

static llmk_status keep_block(llmk_response *resp, json_t *b)
{
	return keep_block_as(resp, b, LLMK_PART_REASONING);
}

/* Blocks of tools Anthropic runs itself ("Tool reference": web search and
 * fetch, code execution, tool search, MCP, advisor): server_tool_use,
 * mcp_tool_use, and their results, every "*_tool_result" but the client's
 * own "tool_result". Not the caller's to act on, but the next turn must
 * carry them back unchanged and in place. */
static int is_server_block(const char *type)
{
	size_t n = strlen(type);

	return !strcmp(type, "server_tool_use") || !strcmp(type, "mcp_tool_use") ||
	       (n > 12 && !strcmp(type + n - 12, "_tool_result"));
}

/* Content blocks of a whole message, each an item of the turn. Blocks of
 * server tools are kept whole for the next turn (is_server_block()), as is
 * redacted thinking; block types added later are skipped. */
static llmk_status parse_blocks(json_t *content, llmk_response *resp)
{
	json_t *b;
	llmk__tool_call *tc;
	const char *type;
	size_t i;

	json_array_foreach(content, i, b)
	{
		type = json_string_value(json_object_get(b, "type"));
		if (!type)
			continue;
		if (!strcmp(type, "text")) {
			if (!llmk__turn_add(resp, LLMK_PART_TEXT, 0) ||
			    llmk__json_append_str(&resp->text, json_object_get(b, "text")))
				return LLMK_E_NOMEM;
		} else if (!strcmp(type, "thinking") || !strcmp(type, "redacted_thinking")) {
			if (keep_block(resp, b) ||
			    llmk__json_append_str(&resp->reasoning, json_object_get(b, "thinking")))
				return LLMK_E_NOMEM;
		} else if (!strcmp(type, "tool_use")) {
			tc = llmk__response_tool_call(resp, resp->ncalls);
			if (!tc)
				return llmk__fail(resp, LLMK_E_PROTOCOL, "too many tool calls");
			if (!llmk__turn_add(resp, LLMK_PART_TOOL_CALL, resp->ncalls - 1) ||
			    llmk__json_append_str(&tc->id, json_object_get(b, "id")) ||
			    llmk__json_append_str(&tc->name, json_object_get(b, "name")) ||
			    llmk__json_append_args(&tc->args, json_object_get(b, "input")))
				return LLMK_E_NOMEM;
		} else if (is_server_block(type)) {
			if (keep_block_as(resp, b, LLMK_PART_OPAQUE))
				return LLMK_E_NOMEM;
		}
	}
	return LLMK_OK;
}

static llmk_status read_message(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *content = json_object_get(root, "content");
	llmk_status st;

	(void)r;
	if (json_object_get(root, "error")) /* an error under a 2xx status */
		return llmk__answer_error(resp, error_status(resp, 200, root), "provider returned an error: ");
	if (!json_is_array(content))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "message has no content array");
	st = set_model(resp, root);
	if (st == LLMK_OK)
		st = parse_blocks(content, resp);
	if (st == LLMK_OK)
		st = set_finish(resp, root);
	read_usage(json_object_get(root, "usage"), resp);
	return st;
}

static const llmk__readers readers = {.kind = {[LLMK_CHAT] = read_message}};

static llmk_status anthropic_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *ctype,
                                   const char *body, size_t len)
{
	if (r->kind == LLMK__COUNT_TOKENS)
		return llmk__count_parse(r, resp, body, len);
	(void)c;
	(void)ctype;
	return llmk__read_json(&readers, r, resp, "response body", body, len);
}

/* ---- streaming ------------------------------------------------------------ */

/* A streamed attempt's state. A server tool's call streams its input as
 * input_json_delta fragments like a client tool's: its block is kept as
 * its JSON text up to `"input":`, the fragments are appended to it, and
 * content_block_stop closes it (blocks of one message never interleave). */
typedef struct stream_state {
	llmk__blocks blocks; /* first: llmk__block_*() take the state as one */
	size_t open;         /* 1 + the index of the server block being assembled; 0: none */
	size_t input_at;     /* where its input starts in the kept text */
	int got_input;
} stream_state;

/* A server block starts: whole, or (a call whose input is still to come)
 * open for its input fragments. */
static llmk_status server_block_start(llmk__stream_ctx *s, json_t *ev, json_t *b, const char *type)
{
	stream_state *st = s->state;
	json_t *input = json_object_get(b, "input"), *head;
	llmk__buf text = LLMK__BUF_INIT;
	llmk__turn_item *it;
	llmk_status rc;
	size_t idx;

	if (strcmp(type + strlen(type) - 4, "_use") || json_object_size(input) || llmk__json_index(ev, "index", &idx))
		return keep_block_as(s->resp, b, LLMK_PART_OPAQUE) ? llmk__stream_stopped(s) : LLMK_OK;
	if (!(head = json_copy(b)) || (json_object_del(head, "input"), llmk__json_dump(&text, head, 0)) ||
	    text.len < 2 || llmk__buf_append_str(&text, ",\"input\":")) {
		json_decref(head);
		llmk__buf_free(&text);
		return FAIL_OOM(s->resp);
	}
	json_decref(head);
	/* "{...}" + ,"input": -> "{...,"input": */
	memmove(text.data + text.len - 10, text.data + text.len - 9, 10);
	text.len--;
	if (!(it = llmk__turn_add(s->resp, LLMK_PART_OPAQUE, 0)))
		rc = llmk__stream_stopped(s);
	else
		rc = llmk__turn_set_opaque(s->resp, it, text.data, text.len);
	st->open = rc == LLMK_OK ? idx + 1 : 0;
	st->input_at = text.len;
	st->got_input = 0;
	llmk__buf_free(&text);
	return rc;
}

/* The open server block ends: its input ({} when none came) must be one
 * JSON object and nothing else -- fragments that closed it early and went
 * on would rewrite the block -- and the block is closed after it. */
static llmk_status server_block_stop(llmk__stream_ctx *s)
{
	stream_state *st = s->state;
	llmk__turn_item *it = llmk__turn_last(s->resp, LLMK_PART_OPAQUE);
	json_t *input = NULL;

	if (!st->open || !it)
		return LLMK_OK;
	st->open = 0;
	if (st->got_input && it->opaque.len > st->input_at)
		input = llmk__json_loadb(it->opaque.data + st->input_at, it->opaque.len - st->input_at, 0, NULL);
	if (st->got_input && !json_is_object(input)) {
		json_decref(input);
		return llmk__fail(s->resp, LLMK_E_PROTOCOL,
		                  "server tool block: its streamed input is not a JSON object");
	}
	json_decref(input);
	if (llmk__buf_append_str(&it->opaque, st->got_input ? "}" : "{}}"))
		return FAIL_OOM(s->resp);
	return LLMK_OK;
}

/* Content-block index -> tool-call index: llmk__block_* (toolkit.h). */
static llmk_status block_start(llmk__stream_ctx *s, json_t *ev)
{
	json_t *b = json_object_get(ev, "content_block"), *v;
	const char *type = json_string_value(json_object_get(b, "type"));
	llmk__buf args = LLMK__BUF_INIT;
	llmk_status st;

	if (!type)
		return LLMK_OK;
	if (!strcmp(type, "text")) {
		if (!llmk__turn_add(s->resp, LLMK_PART_TEXT, 0))
			return llmk__stream_stopped(s);
		return llmk__emit_json_text(s, json_object_get(b, "text"));
	}
	/* Thinking is kept for the next turn as its text and the signature
	 * that signature_delta events bring (the block's own is ""); a
	 * redacted block arrives whole. */
	if (!strcmp(type, "redacted_thinking"))
		return keep_block(s->resp, b) ? llmk__stream_stopped(s) : LLMK_OK;
	if (!strcmp(type, "thinking")) {
		llmk__turn_item *it = llmk__turn_add(s->resp, LLMK_PART_REASONING, 0);
		json_t *sig = json_object_get(b, "signature");
		if (!it || (json_string_length(sig) &&
		            llmk__turn_set_opaque(s->resp, it, json_string_value(sig), json_string_length(sig))))
			return llmk__stream_stopped(s);
		return llmk__emit_json_reasoning(s, json_object_get(b, "thinking"));
	}
	if (is_server_block(type))
		return server_block_start(s, ev, b, type);
	if (strcmp(type, "tool_use"))
		return LLMK_OK; /* block types added later */
	/* input is {} here and arrives as input_json_delta fragments; a
	 * non-empty input (some compatible servers send it whole) is taken. */
	v = json_object_get(b, "input");
	if (json_object_size(v) && llmk__json_append_args(&args, v))
		return llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory");
	st = llmk__block_tool_start(s, ev, "index", "tool_use block", json_string_value(json_object_get(b, "id")),
	                            json_string_value(json_object_get(b, "name")), args.data ? args.data : "",
	                            args.len);
	llmk__buf_free(&args);
	return st;
}

static llmk_status block_delta(llmk__stream_ctx *s, json_t *ev)
{
	json_t *d = json_object_get(ev, "delta");
	const char *type = json_string_value(json_object_get(d, "type"));
	size_t idx;

	if (!type)
		return LLMK_OK;
	if (!strcmp(type, "text_delta"))
		return llmk__emit_json_text(s, json_object_get(d, "text"));
	if (!strcmp(type, "thinking_delta"))
		return llmk__emit_json_reasoning(s, json_object_get(d, "thinking"));
	if (!strcmp(type, "signature_delta")) {
		llmk__turn_item *it = llmk__turn_last(s->resp, LLMK_PART_REASONING);
		json_t *sig = json_object_get(d, "signature");
		if (it && json_is_string(sig) &&
		    llmk__buf_append(&it->opaque, json_string_value(sig), json_string_length(sig)))
			return FAIL_OOM(s->resp);
		return LLMK_OK;
	}
	if (strcmp(type, "input_json_delta"))
		return LLMK_OK; /* citations_delta, ... */
	if (llmk__json_index(ev, "index", &idx))
		return LLMK_OK;
	/* A server tool's input goes into its kept block. */
	if (((stream_state *)s->state)->open == idx + 1) {
		llmk__turn_item *it = llmk__turn_last(s->resp, LLMK_PART_OPAQUE);
		json_t *frag = json_object_get(d, "partial_json");
		if (!it || !json_is_string(frag))
			return LLMK_OK;
		((stream_state *)s->state)->got_input |= json_string_length(frag) > 0;
		return llmk__buf_append(&it->opaque, json_string_value(frag), json_string_length(frag))
		               ? FAIL_OOM(s->resp)
		               : LLMK_OK;
	}
	if (!llmk__block_is_tool(s->state, idx))
		return LLMK_OK;
	return llmk__block_tool_args(s, idx, json_object_get(d, "partial_json"));
}

static llmk_status anthropic_stream_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	llmk_response *resp = s->resp;
	json_t *root, *msg;
	const char *type;
	llmk_status st = LLMK_OK;

	if (s->done || (event && !strcmp(event, "ping")))
		return LLMK_OK; /* nothing after message_stop counts */
	if (!(root = llmk__json_event(data, len, resp, "stream event", NULL)))
		return resp->status;
	/* The event name and the data's type agree; proxies that drop the
	 * event: lines still send the type. */
	type = event ? event : json_string_value(json_object_get(root, "type"));
	if (!type)
		type = "";
	if (!strcmp(type, "error") || json_is_object(json_object_get(root, "error"))) {
		st = llmk__stream_failure(resp, error_status(resp, 200, root));
	} else if (!strcmp(type, "message_start")) {
		msg = json_object_get(root, "message");
		st = set_model(resp, msg) ? FAIL_OOM(resp)
		                          : llmk__stream_usage(s, json_object_get(msg, "usage"), read_usage);
	} else if (!strcmp(type, "content_block_start")) {
		/* a server block left open (no content_block_stop) ends here */
		if ((st = server_block_stop(s)) == LLMK_OK)
			st = block_start(s, root);
	} else if (!strcmp(type, "content_block_delta")) {
		st = block_delta(s, root);
	} else if (!strcmp(type, "message_delta")) {
		if (set_finish(resp, json_object_get(root, "delta")))
			st = FAIL_OOM(resp);
		else
			st = llmk__stream_usage(s, json_object_get(root, "usage"), read_usage);
	} else if (!strcmp(type, "content_block_stop")) {
		size_t idx;
		if (!llmk__json_index(root, "index", &idx) && ((stream_state *)s->state)->open == idx + 1)
			st = server_block_stop(s);
	} else if (!strcmp(type, "message_stop")) {
		st = server_block_stop(s); /* a block left open: closed, or refused */
		s->done = 1;
	}
	/* ping and event types added later: nothing to do */
	json_decref(root);
	return st;
}

const llmk__adapter llmk__anthropic_adapter = {.build = anthropic_build,
                                               .parse = anthropic_parse,
                                               .parse_error = anthropic_parse_error,
                                               .stream_event = anthropic_stream_event,
                                               .framing = LLMK_FRAMING_SSE,
                                               .feature = LLMK_FEATURE_ANTHROPIC,
                                               .state_size = sizeof(stream_state),
                                               .batch = &llmk__batch_anthropic};
