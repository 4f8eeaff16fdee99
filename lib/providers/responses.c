/* OpenAI Responses API: POST {base}/responses, chat only. The wire format
 * OpenAI recommends for new projects (some models are served only there),
 * also served by Azure's v1 API and by llama.cpp's server, vLLM and Ollama
 * (stateless there). A conversation is a list of input items (messages,
 * function calls and their outputs, reasoning items); an answer is a list
 * of output items; a stream is a sequence of typed SSE events numbered by
 * sequence_number, ending with response.completed / .incomplete / .failed
 * (or an error event), never [DONE].
 *
 * The next turn (llmk_request_add_response()): every output item of an
 * answer is kept as it came (JSON text: a reasoning item with its id and,
 * when asked for, encrypted_content; a message with its id; a function
 * call with its id and call_id) and goes back unchanged, in order, as an
 * input item: what OpenAI documents as "add the output to the input". With
 * store = 0 the request asks for include ["reasoning.encrypted_content"],
 * so reasoning survives with nothing kept on the server; with
 * previous_response_id the server has the history, and only what follows
 * the last assistant turn is sent.
 *
 * Mapping: system and developer messages -> instructions (joined by a
 * blank line); user text and images -> input_text / input_image (detail
 * "auto" unless given: the spec requires it); a PDF -> input_file with its
 * data: URL as file_data, a text document -> input_text; tool results ->
 * function_call_output; tools -> function tools, "strict" true when the
 * schema is written for strict mode (every object closed with
 * additionalProperties false and all its properties required; the API's
 * default is strict, which refuses any other schema), false otherwise;
 * json_schema / response_format -> text.format; max_tokens ->
 * max_output_tokens; reasoning_effort / reasoning_summary -> reasoning;
 * user -> safety_identifier (user is deprecated there). No stop, seed or
 * penalties: the API has none.
 *
 * Reference: OpenAI OpenAPI spec v2.3.0 (shared/data/specs/openai-openapi.json):
 * CreateResponse, Response, InputItem, EasyInputMessage, FunctionTool,
 * ToolChoiceParam, OutputItem, ResponseUsage, ResponseStreamEvent and the
 * event schemas it lists. */
#include <string.h>

#include <jansson.h>

#include "toolkit.h"
#include "wire_kinds.h"

#define NAME "responses"

/* Stream state: which output indexes are function calls (llmk__blocks,
 * toolkit.h), and the last sequence_number + 1 (0: none seen yet). */
typedef struct rs_state {
	llmk__blocks blocks;
	int64_t seq;
} rs_state;
#define SEQ(s) (((rs_state *)(s)->state)->seq)
#define BLOCKS(s) (&((rs_state *)(s)->state)->blocks)

/* ---- building ------------------------------------------------------------ */

/* An item of an earlier answer of this wire format, as it came
 * (llmk_request_add_response()); NULL (and *st OK) when the part has none. */
static json_t *own_item(const llmk__part *p, llmk_status *st, llmk_response *resp)
{
	json_t *j;

	*st = LLMK_OK;
	if (p->wire != LLMK_FEATURE_RESPONSES || !p->opaque || *p->opaque != '{')
		return NULL;
	j = llmk__json_text(p->opaque);
	if (!json_is_object(j)) {
		json_decref(j);
		*st = FAIL_OOM(resp);
		return NULL;
	}
	return j;
}

static json_t *user_content(const llmk__message *m)
{
	json_t *arr, *part;
	size_t i, ntext = 0, nimg = 0;

	for (i = 0; i < m->nparts; i++) {
		ntext += m->parts[i].type == LLMK_PART_TEXT;
		nimg += m->parts[i].type == LLMK_PART_IMAGE_URL || m->parts[i].type == LLMK_PART_DOCUMENT;
	}
	if (!nimg && ntext == 1)
		for (i = 0; i < m->nparts; i++)
			if (m->parts[i].type == LLMK_PART_TEXT)
				return json_string(m->parts[i].text);
	if (!(arr = json_array()))
		return NULL;
	for (i = 0; i < m->nparts; i++) {
		const llmk__part *p = &m->parts[i];
		if (p->type == LLMK_PART_TEXT)
			part = json_pack("{s:s, s:s}", "type", "input_text", "text", p->text);
		else if (p->type == LLMK_PART_IMAGE_URL)
			part = json_pack("{s:s, s:s, s:s}", "type", "input_image", "image_url", p->text, "detail",
			                 p->detail ? p->detail : "auto");
		else if (p->type == LLMK_PART_DOCUMENT)
			part = llmk__document_part(p, "input_text", "input_file");
		else
			continue;
		if (!part || json_array_append_new(arr, part)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* Text said by the assistant that is not an item of ours goes out as one
 * message (EasyInputMessage). */
static int flush_text(json_t *input, llmk__buf *text)
{
	int bad;

	if (!text->len)
		return 0;
	bad = json_array_append_new(input,
	                            json_pack("{s:s, s:s%}", "role", "assistant", "content", text->data, text->len));
	llmk__buf_clear(text);
	return bad;
}

/* An assistant message, part by part: our own items unchanged, other text
 * as an assistant message, calls as function_call items. Reasoning of no
 * item is not sent (the API reads only its own reasoning items). */
static llmk_status add_assistant(json_t *input, const llmk__message *m, llmk_response *resp)
{
	llmk__buf text = LLMK__BUF_INIT;
	llmk_status st = LLMK_OK;
	json_t *item;
	size_t i;

	for (i = 0; i < m->nparts && st == LLMK_OK; i++) {
		const llmk__part *p = &m->parts[i];
		if ((item = own_item(p, &st, resp))) {
			if (flush_text(input, &text) || json_array_append_new(input, item))
				st = FAIL_OOM(resp);
			continue;
		}
		if (st != LLMK_OK)
			break;
		if (p->type == LLMK_PART_TEXT) {
			if ((text.len && llmk__buf_append_char(&text, '\n')) || llmk__buf_append_str(&text, p->text))
				st = FAIL_OOM(resp);
		} else if (p->type == LLMK_PART_TOOL_CALL) {
			if (flush_text(input, &text) ||
			    json_array_append_new(input,
			                          json_pack("{s:s, s:s, s:s, s:s}", "type", "function_call", "call_id",
			                                    p->id, "name", p->detail, "arguments", p->text)))
				st = FAIL_OOM(resp);
		}
	}
	if (st == LLMK_OK && flush_text(input, &text))
		st = FAIL_OOM(resp);
	llmk__buf_free(&text);
	return st;
}

/* instructions and input. With previous_response_id the server holds the
 * conversation up to its answer: only what follows the last assistant
 * message is sent. */
static llmk_status build_input(const llmk_request *r, json_t *body, llmk_response *resp)
{
	llmk__buf sys = LLMK__BUF_INIT;
	json_t *input = json_array(), *v;
	llmk_status st = LLMK_OK;
	size_t i, first = 0;

	if (!input || json_object_set_new(body, "input", input))
		return FAIL_OOM(resp);
	if (llmk__req_str(r, LLMK_OPT_PREVIOUS_RESPONSE_ID))
		for (i = 0; i < r->nmsgs; i++)
			if (r->msgs[i].role == LLMK_ROLE_ASSISTANT)
				first = i + 1;
	for (i = 0; i < r->nmsgs && st == LLMK_OK; i++) {
		const llmk__message *m = &r->msgs[i];
		if (m->role == LLMK_ROLE_SYSTEM || m->role == LLMK_ROLE_DEVELOPER) {
			if ((sys.len && llmk__buf_append_str(&sys, "\n\n")) || llmk__message_text(m, &sys))
				st = FAIL_OOM(resp);
			continue;
		}
		if (i < first)
			continue;
		if (m->role == LLMK_ROLE_ASSISTANT) {
			st = add_assistant(input, m, resp);
		} else if (m->role == LLMK_ROLE_TOOL) {
			v = json_pack("{s:s, s:s, s:s}", "type", "function_call_output", "call_id", m->tool_call_id,
			              "output", m->nparts ? m->parts[0].text : "");
			if (!v || json_array_append_new(input, v))
				st = FAIL_OOM(resp);
		} else {
			v = user_content(m);
			if (!v || json_array_append_new(input, json_pack("{s:s, s:o}", "role", "user", "content", v)))
				st = FAIL_OOM(resp);
		}
	}
	if (st == LLMK_OK && sys.len && llmk__json_set(body, "instructions", json_stringn(sys.data, sys.len)))
		st = FAIL_OOM(resp);
	llmk__buf_free(&sys);
	if (st == LLMK_OK && !json_array_size(input))
		st = llmk__fail(resp, LLMK_E_INVALID_ARG, NAME ": chat request has no input after its instructions%s",
		                first ? " (previous_response_id leaves out everything up to the last assistant turn)"
		                      : "");
	return st;
}

/* A schema strict mode accepts: every object schema closed
 * (additionalProperties false) with all its properties required, the same
 * below. Anything else would be refused with strict on. */
static int strict_ok(json_t *s, int depth)
{
	json_t *props = json_object_get(s, "properties"), *req = json_object_get(s, "required"), *v;
	const char *k, *type = json_string_value(json_object_get(s, "type"));
	size_t i, j;

	if (!json_is_object(s) || depth > 32)
		return depth <= 32;
	if ((type && !strcmp(type, "object")) || props) {
		if (!json_is_false(json_object_get(s, "additionalProperties")))
			return 0;
		json_object_foreach(props, k, v)
		{
			for (j = 0; j < json_array_size(req); j++)
				if (json_is_string(json_array_get(req, j)) &&
				    !strcmp(json_string_value(json_array_get(req, j)), k))
					break;
			if (j == json_array_size(req) || !strict_ok(v, depth + 1))
				return 0;
		}
	}
	if (!strict_ok(json_object_get(s, "items"), depth + 1))
		return 0;
	json_array_foreach(json_object_get(s, "anyOf"), i, v)
	{
		if (!strict_ok(v, depth + 1))
			return 0;
	}
	return 1;
}

static llmk_status build_tools(const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *choice = llmk__req_str(r, LLMK_OPT_TOOL_CHOICE);
	json_t *tools, *t, *schema;
	size_t i;

	if (r->ntools) {
		if (!(tools = json_array()) || json_object_set_new(body, "tools", tools))
			return FAIL_OOM(resp);
		for (i = 0; i < r->ntools; i++) {
			schema = r->tools[i].parameters ? llmk__json_text(r->tools[i].parameters)
			                                : json_pack("{s:s, s:{}}", "type", "object", "properties");
			t = schema ? json_pack("{s:s, s:s, s:o, s:b}", "type", "function", "name", r->tools[i].name,
			                       "parameters", schema, "strict", strict_ok(schema, 0))
			           : NULL;
			if (!t || json_array_append_new(tools, t) ||
			    (r->tools[i].description &&
			     llmk__json_set(t, "description", json_string(r->tools[i].description))))
				return FAIL_OOM(resp);
		}
	}
	if (!choice)
		return LLMK_OK;
	if (!strcmp(choice, "auto") || !strcmp(choice, "none") || !strcmp(choice, "required"))
		return llmk__json_set(body, "tool_choice", json_string(choice)) ? FAIL_OOM(resp) : LLMK_OK;
	for (i = 0; i < r->ntools; i++)
		if (!strcmp(choice, r->tools[i].name))
			return llmk__json_set(body, "tool_choice",
			                      json_pack("{s:s, s:s}", "type", "function", "name", choice))
			               ? FAIL_OOM(resp)
			               : LLMK_OK;
	return llmk__fail(resp, LLMK_E_INVALID_ARG,
	                  "tool_choice '%s' is neither auto, none, required nor the name of a declared tool", choice);
}

/* llama-server b11434 answers /v1/responses under Chat Completions'
 * response_format and ignores text.format (found by tests/real: the schema
 * was not followed); its preset sends both (LLMK_Q_RS_RESPONSE_FORMAT). */
static llmk_status chat_response_format(const char *schema, const char *name, const char *fmt, json_t *body,
                                        llmk_response *resp)
{
	json_t *rf = schema ? json_pack("{s:s, s:{s:s, s:o, s:b}}", "type", "json_schema", "json_schema", "name",
	                                name ? name : "response", "schema", llmk__json_text(schema), "strict", 1)
	                    : json_pack("{s:s}", "type", fmt);

	return llmk__json_set(body, "response_format", rf) ? FAIL_OOM(resp) : LLMK_OK;
}

/* Prompt caching (CreateResponse in the OpenAI spec): prompt_cache_key
 * groups requests sharing a prefix; prompt_cache_retention "in_memory" or
 * "24h". The spec marks retention deprecated in favour of
 * prompt_cache_options.ttl, whose only value, "30m", is a minimum where
 * retention is a maximum: the two say different things, and retention is
 * what the models before gpt-5.6 read. */
static llmk_status build_cache(const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *v;

	if ((v = llmk__req_str(r, LLMK_OPT_PROMPT_CACHE_KEY)) &&
	    llmk__json_set(body, "prompt_cache_key", json_string(v)))
		return FAIL_OOM(resp);
	if ((v = llmk__req_str(r, LLMK_OPT_PROMPT_CACHE_RETENTION)) &&
	    llmk__json_set(body, "prompt_cache_retention", json_string(v)))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

static llmk_status build_options(const llmk_client *c, const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *schema = llmk__req_str(r, LLMK_OPT_JSON_SCHEMA), *fmt = llmk__req_str(r, LLMK_OPT_RESPONSE_FORMAT);
	const char *name = llmk__req_str(r, LLMK_OPT_JSON_SCHEMA_NAME), *v;
	const char *effort = llmk__req_str(r, LLMK_OPT_REASONING_EFFORT);
	const char *summary = llmk__req_str(r, LLMK_OPT_REASONING_SUMMARY);
	json_t *reasoning;
	int64_t i64;
	double f;

	if ((llmk__req_f64(r, LLMK_OPT_TEMPERATURE, &f) && llmk__json_set(body, "temperature", json_real(f))) ||
	    (llmk__req_f64(r, LLMK_OPT_TOP_P, &f) && llmk__json_set(body, "top_p", json_real(f))) ||
	    (llmk__req_i64(r, LLMK_OPT_MAX_TOKENS, &i64) &&
	     llmk__json_set(body, "max_output_tokens", json_integer(i64))))
		return FAIL_OOM(resp);
	if (schema) {
		if (llmk__json_set(body, "text",
		                   json_pack("{s:{s:s, s:s, s:o, s:b}}", "format", "type", "json_schema", "name",
		                             name ? name : "response", "schema", llmk__json_text(schema), "strict", 1)))
			return FAIL_OOM(resp);
	} else if (fmt && llmk__json_set(body, "text", json_pack("{s:{s:s}}", "format", "type", fmt))) {
		return FAIL_OOM(resp);
	}
	if ((schema || fmt) && (c->provider->quirks & LLMK_Q_RS_RESPONSE_FORMAT) &&
	    chat_response_format(schema, name, fmt, body, resp))
		return resp->status;
	if (effort || summary) {
		if (!(reasoning = json_object()) || json_object_set_new(body, "reasoning", reasoning) ||
		    (effort && llmk__json_set(reasoning, "effort", json_string(effort))) ||
		    (summary && llmk__json_set(reasoning, "summary", json_string(summary))))
			return FAIL_OOM(resp);
	}
	if (llmk__req_i64(r, LLMK_OPT_STORE, &i64)) {
		if (llmk__json_set(body, "store", json_boolean(i64)))
			return FAIL_OOM(resp);
		/* Nothing kept on the server: the reasoning must travel with the
		 * conversation, encrypted (llmk_request_add_response()). */
		if (!i64 && llmk__json_set(body, "include", json_pack("[s]", "reasoning.encrypted_content")))
			return FAIL_OOM(resp);
	}
	if ((v = llmk__req_str(r, LLMK_OPT_PREVIOUS_RESPONSE_ID)) &&
	    llmk__json_set(body, "previous_response_id", json_string(v)))
		return FAIL_OOM(resp);
	if ((v = llmk__req_str(r, LLMK_OPT_USER)) && llmk__json_set(body, "safety_identifier", json_string(v)))
		return FAIL_OOM(resp);
	return build_cache(r, body, resp);
}

/* {base}/responses; Azure's v1 API: {endpoint}/openai/v1/responses (the
 * endpoint as AZURE_OPENAI_ENDPOINT gives it, or already ending in /v1);
 * a server root from a host variable (OLLAMA_HOST): {root}/v1/responses. */
static llmk_status set_url(const llmk_client *c, llmk_exchange *ex)
{
	size_t n = strlen(c->base_url);
	const char *path = "/responses";

	if ((c->provider->quirks & LLMK_Q_AZURE) && !(n >= 3 && !strcmp(c->base_url + n - 3, "/v1")))
		path = "/openai/v1/responses";
	else if ((c->provider->quirks & LLMK_Q_HOST_ENV) && !(n >= 3 && !strcmp(c->base_url + n - 3, "/v1")))
		path = "/v1/responses";
	return llmk__exchange_set_url(ex, c->base_url, path);
}

static llmk_status responses_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                   llmk_exchange *ex, llmk_response *resp)
{
	json_t *body;
	llmk_status st;

	if (r->kind == LLMK__COUNT_TOKENS)
		return llmk__count_build(LLMK_COUNT_RESPONSES, responses_build, c, r, model, ex, resp);
	if (r->kind != LLMK_CHAT)
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, NAME ": the Responses API serves chat requests only");
	if (!r->nmsgs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "chat request has no messages");
	if (set_url(c, ex) || llmk__openai_headers(c, ex))
		return FAIL_OOM(resp);
	if (!(body = json_pack("{s:s}", "model", model)))
		return FAIL_OOM(resp);
	if ((st = build_input(r, body, resp)) == LLMK_OK && (st = build_tools(r, body, resp)) == LLMK_OK &&
	    (st = build_options(c, r, body, resp)) == LLMK_OK && stream && llmk__json_set(body, "stream", json_true()))
		st = FAIL_OOM(resp);
	if (st == LLMK_OK)
		st = llmk__merge_extra(r, body, resp);
	if (st == LLMK_OK)
		st = llmk__set_json_body(ex, body, stream ? "text/event-stream" : "application/json", resp);
	json_decref(body);
	return st;
}

/* ---- reading answers -------------------------------------------------------- */

/* Keeps an output item, as it came, on a turn item. */
static llmk_status keep_item(llmk_response *resp, llmk__turn_item *it, json_t *item)
{
	llmk__buf text = LLMK__BUF_INIT;
	llmk_status st;

	st = llmk__json_dump(&text, item, 17) ? FAIL_OOM(resp) : llmk__turn_set_opaque(resp, it, text.data, text.len);
	llmk__buf_free(&text);
	return st;
}

/* ResponseUsage: input_tokens counts the cached ones (input_tokens_details),
 * output_tokens the reasoning ones, as llmkit.h does. */
static void read_usage(json_t *u, llmk_response *resp)
{
	if (!json_is_object(u))
		return;
	llmk__json_i64(u, "input_tokens", &resp->usage[LLMK_USAGE_INPUT]);
	llmk__json_i64(u, "output_tokens", &resp->usage[LLMK_USAGE_OUTPUT]);
	llmk__json_i64(u, "total_tokens", &resp->usage[LLMK_USAGE_TOTAL]);
	llmk__json_i64(json_object_get(u, "input_tokens_details"), "cached_tokens",
	               &resp->usage[LLMK_USAGE_CACHED_INPUT]);
	llmk__json_i64(json_object_get(u, "input_tokens_details"), "cache_write_tokens",
	               &resp->usage[LLMK_USAGE_CACHE_WRITE]);
	llmk__json_i64(json_object_get(u, "output_tokens_details"), "reasoning_tokens",
	               &resp->usage[LLMK_USAGE_REASONING]);
}

static llmk_status read_ids(json_t *r, llmk_response *resp)
{
	const char *id = json_string_value(json_object_get(r, "id")),
	           *m = json_string_value(json_object_get(r, "model"));

	if ((id && *id && !resp->id && llmk__set_field(&resp->id, id)) ||
	    (m && *m && !resp->model && llmk__set_field(&resp->model, m)))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

/* A failed response ("status": "failed", error {code, message}), or an
 * error object where a response should be. */
static llmk_status failure(json_t *err, llmk_response *resp, const char *what)
{
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));

	if (code)
		llmk__set_field(&resp->error_code, code);
	return llmk__fail(resp, llmk__status_from_error(200, NULL, code, msg), NAME ": %s: %s%s%s%s", what,
	                  msg ? msg : "(no message)", code ? " (" : "", code ? code : "", code ? ")" : "");
}

/* Finish from the response's status: completed (tool calls when it called
 * functions; a refusal when it refused), incomplete with its reason
 * (max_output_tokens, content_filter), failed. */
static llmk_status read_status(json_t *r, llmk_response *resp, const char *what)
{
	const char *status = json_string_value(json_object_get(r, "status"));
	const char *why = json_string_value(json_object_get(json_object_get(r, "incomplete_details"), "reason"));

	if (json_is_object(json_object_get(r, "error")) || (status && !strcmp(status, "failed")))
		return failure(json_object_get(r, "error"), resp, what);
	if (status && !strcmp(status, "incomplete"))
		status = why ? why : status;
	if (status && llmk__set_finish(resp, status))
		return FAIL_OOM(resp);
	if (resp->ncalls && resp->finish == LLMK_FINISH_STOP)
		resp->finish = LLMK_FINISH_TOOL_CALLS;
	return LLMK_OK;
}

static llmk_status append_json_str(llmk__buf *b, json_t *v)
{
	return json_is_string(v) && llmk__buf_append(b, json_string_value(v), json_string_length(v)) ? LLMK_E_NOMEM
	                                                                                             : LLMK_OK;
}

/* Reasoning text of a reasoning item: its summary, else its content
 * (reasoning_text, from open models), parts a blank line apart. */
static llmk_status reasoning_text(json_t *item, llmk__buf *out)
{
	json_t *parts = json_object_get(item, "summary"), *p;
	size_t i, n = 0;

	if (!json_array_size(parts))
		parts = json_object_get(item, "content");
	json_array_foreach(parts, i, p)
	{
		if (!json_is_string(json_object_get(p, "text")))
			continue;
		if ((n++ && llmk__buf_append_str(out, "\n\n")) || append_json_str(out, json_object_get(p, "text")))
			return LLMK_E_NOMEM;
	}
	return LLMK_OK;
}

/* One output item of a whole answer: its text, refusal, call or
 * reasoning, and the item itself for the next turn. Other items (built-in
 * tools) are not the caller's and are skipped. */
static llmk_status parse_item(json_t *item, llmk_response *resp)
{
	const char *type = json_string_value(json_object_get(item, "type"));
	json_t *c, *content = json_object_get(item, "content");
	llmk__turn_item *it;
	llmk__tool_call *tc;
	int has_text = 0;
	size_t i;

	if (!type)
		return LLMK_OK;
	if (!strcmp(type, "message")) {
		json_array_foreach(content, i, c) has_text |= json_is_string(json_object_get(c, "text"));
		if (!(it = llmk__turn_add(
		              resp, has_text || !json_array_size(content) ? LLMK_PART_TEXT : LLMK_TURN_REFUSAL, 0)))
			return LLMK_E_NOMEM;
		json_array_foreach(content, i, c)
		{
			if (append_json_str(&resp->text, json_object_get(c, "text")) ||
			    append_json_str(&resp->refusal, json_object_get(c, "refusal")))
				return LLMK_E_NOMEM;
		}
		return keep_item(resp, it, item);
	}
	if (!strcmp(type, "function_call")) {
		const char *id = json_string_value(json_object_get(item, "call_id"));
		if (!(tc = llmk__response_tool_call(resp, resp->ncalls)))
			return llmk__fail(resp, LLMK_E_PROTOCOL, NAME ": too many tool calls");
		if (!(it = llmk__turn_add(resp, LLMK_PART_TOOL_CALL, resp->ncalls - 1)) ||
		    llmk__buf_append_str(&tc->id, id ? id : "") ||
		    append_json_str(&tc->name, json_object_get(item, "name")) ||
		    append_json_str(&tc->args, json_object_get(item, "arguments")))
			return LLMK_E_NOMEM;
		return keep_item(resp, it, item);
	}
	if (!strcmp(type, "reasoning")) {
		if (!(it = llmk__turn_add(resp, LLMK_PART_REASONING, 0)) || reasoning_text(item, &resp->reasoning))
			return LLMK_E_NOMEM;
		return keep_item(resp, it, item);
	}
	return LLMK_OK;
}

static llmk_status responses_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *ctype,
                                   const char *body, size_t len)
{
	if (r->kind == LLMK__COUNT_TOKENS)
		return llmk__count_parse(r, resp, body, len);
	json_t *root, *item;
	llmk_status st = LLMK_OK;
	size_t i;

	(void)c;
	(void)r;
	(void)ctype;
	if (!(root = llmk__json_object(body, len, resp, NAME " response body")))
		return resp->status;
	if (json_is_object(json_object_get(root, "error")) && !json_object_get(root, "output")) {
		st = llmk__stream_failure(resp, llmk__error_from_json(resp, 200, root));
		json_decref(root);
		return st;
	}
	if (!json_is_array(json_object_get(root, "output"))) {
		json_decref(root);
		return llmk__fail(resp, LLMK_E_PROTOCOL, NAME ": response has no output array");
	}
	st = read_ids(root, resp);
	json_array_foreach(json_object_get(root, "output"), i, item)
	{
		if (st == LLMK_OK && (st = parse_item(item, resp)) == LLMK_E_NOMEM)
			st = FAIL_OOM(resp);
	}
	read_usage(json_object_get(root, "usage"), resp);
	if (st == LLMK_OK)
		st = read_status(root, resp, "the response failed");
	json_decref(root);
	return st;
}

/* ---- streaming ------------------------------------------------------------ */

static int output_index(json_t *ev, size_t *out)
{
	json_t *v = json_object_get(ev, "output_index");

	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= LLMK_MAX_BLOCKS)
		return -1;
	*out = (size_t)json_integer_value(v);
	return 0;
}

/* The turn item text of this type goes to: the last one, or a new one
 * (servers that send no output_item.added). */
static llmk__turn_item *current(llmk__stream_ctx *s, int type)
{
	llmk__turn_item *it = llmk__turn_last(s->resp, type);

	return it ? it : llmk__turn_add(s->resp, type, 0);
}

static llmk_status emit_str(llmk__stream_ctx *s, int (*emit)(llmk__stream_ctx *, const char *, size_t), json_t *v)
{
	return json_is_string(v) && emit(s, json_string_value(v), json_string_length(v)) ? llmk__stream_stopped(s)
	                                                                                 : LLMK_OK;
}

/* A function call begins (output_item.added, or output_item.done for a
 * server that sends no .added): tool call for its output index, turn item. */
static llmk_status call_begins(llmk__stream_ctx *s, size_t idx, json_t *item)
{
	json_t *args = json_object_get(item, "arguments");
	size_t index;

	llmk__block_set_tool(BLOCKS(s), idx);
	index = llmk__block_tool_index(BLOCKS(s), idx);
	if (!llmk__turn_call(s->resp, index) && !llmk__turn_add(s->resp, LLMK_PART_TOOL_CALL, index))
		return llmk__stream_stopped(s);
	return llmk__emit_tool(s, index, json_string_value(json_object_get(item, "call_id")),
	                       json_string_value(json_object_get(item, "name")),
	                       json_string_value(args) ? json_string_value(args) : "", json_string_length(args))
	               ? llmk__stream_stopped(s)
	               : LLMK_OK;
}

static llmk_status item_added(llmk__stream_ctx *s, json_t *ev)
{
	json_t *item = json_object_get(ev, "item");
	const char *type = json_string_value(json_object_get(item, "type"));
	size_t idx;

	if (!type)
		return LLMK_OK;
	if (!strcmp(type, "message"))
		return llmk__turn_add(s->resp, LLMK_PART_TEXT, 0) ? LLMK_OK : llmk__stream_stopped(s);
	if (!strcmp(type, "reasoning"))
		return llmk__turn_add(s->resp, LLMK_PART_REASONING, 0) ? LLMK_OK : llmk__stream_stopped(s);
	if (strcmp(type, "function_call"))
		return LLMK_OK;
	if (output_index(ev, &idx))
		return llmk__fail(s->resp, LLMK_E_PROTOCOL, NAME ": function call without a usable output_index");
	return call_begins(s, idx, item);
}

static llmk_status emit_call_args(llmk__stream_ctx *s, size_t index, json_t *args)
{
	return json_string_length(args) &&
	                       llmk__emit_tool(s, index, NULL, NULL, json_string_value(args), json_string_length(args))
	               ? llmk__stream_stopped(s)
	               : LLMK_OK;
}

/* An output item is complete: kept whole for the next turn, and what no
 * delta brought (servers that send whole items) is delivered from it. */
static llmk_status item_done(llmk__stream_ctx *s, json_t *ev)
{
	json_t *item = json_object_get(ev, "item"), *c;
	const char *type = json_string_value(json_object_get(item, "type"));
	llmk_response *resp = s->resp;
	llmk__turn_item *it;
	llmk__tool_call *tc;
	llmk_status st;
	size_t idx, i, index;

	if (!type)
		return LLMK_OK;
	if (!strcmp(type, "function_call")) {
		if (output_index(ev, &idx))
			return llmk__fail(resp, LLMK_E_PROTOCOL, NAME ": function call without a usable output_index");
		if (!llmk__block_is_tool(BLOCKS(s), idx) && (st = call_begins(s, idx, item)))
			return st;
		index = llmk__block_tool_index(BLOCKS(s), idx);
		tc = index < resp->ncalls ? &resp->calls[index] : NULL;
		if (tc && !tc->args.len && (st = emit_call_args(s, index, json_object_get(item, "arguments"))))
			return st;
		return (it = llmk__turn_call(resp, index)) ? keep_item(resp, it, item) : LLMK_OK;
	}
	if (!strcmp(type, "message")) {
		it = llmk__turn_last(resp, LLMK_PART_TEXT);
		if (!it)
			it = llmk__turn_last(resp, LLMK_TURN_REFUSAL);
		if (!it && !(it = llmk__turn_add(resp, LLMK_PART_TEXT, 0)))
			return llmk__stream_stopped(s);
		if ((it->type == LLMK_PART_TEXT ? resp->text.len : resp->refusal.len) == it->start) {
			json_array_foreach(json_object_get(item, "content"), i, c)
			{
				if ((st = emit_str(s, llmk__emit_text, json_object_get(c, "text"))) ||
				    (st = emit_str(s, llmk__emit_refusal, json_object_get(c, "refusal"))))
					return st;
			}
		}
		return keep_item(resp, it, item);
	}
	if (!strcmp(type, "reasoning")) {
		llmk__buf text = LLMK__BUF_INIT;
		if (!(it = current(s, LLMK_PART_REASONING)))
			return llmk__stream_stopped(s);
		if (resp->reasoning.len == it->start) {
			st = reasoning_text(item, &text) ? FAIL_OOM(resp) : LLMK_OK;
			if (st == LLMK_OK && text.len && llmk__emit_reasoning(s, text.data, text.len))
				st = llmk__stream_stopped(s);
			llmk__buf_free(&text);
			if (st)
				return st;
		}
		return keep_item(resp, it, item);
	}
	return LLMK_OK;
}

/* Refusal text of a message: the message's turn item becomes a refusal
 * when nothing else was said in it. */
static llmk_status refusal_delta(llmk__stream_ctx *s, json_t *ev)
{
	llmk_response *resp = s->resp;
	llmk__turn_item *it = llmk__turn_last(resp, LLMK_PART_TEXT);

	if (it && it->start == resp->text.len) {
		it->type = LLMK_TURN_REFUSAL;
		it->start = resp->refusal.len;
	} else if (!llmk__turn_last(resp, LLMK_TURN_REFUSAL) && !llmk__turn_add(resp, LLMK_TURN_REFUSAL, 0)) {
		return llmk__stream_stopped(s);
	}
	return emit_str(s, llmk__emit_refusal, json_object_get(ev, "delta"));
}

static llmk_status args_delta(llmk__stream_ctx *s, json_t *ev, int done)
{
	size_t idx, index;

	if (output_index(ev, &idx) || !llmk__block_is_tool(BLOCKS(s), idx))
		return llmk__fail(s->resp, LLMK_E_PROTOCOL,
		                  NAME ": function call arguments for an output item that is not a function call");
	index = llmk__block_tool_index(BLOCKS(s), idx);
	if (!done)
		return emit_call_args(s, index, json_object_get(ev, "delta"));
	/* .done repeats the whole arguments: only taken when no delta came */
	if (index < s->resp->ncalls && s->resp->calls[index].args.len)
		return LLMK_OK;
	return emit_call_args(s, index, json_object_get(ev, "arguments"));
}

/* response.completed / .incomplete: the final response object (usage,
 * status); .failed: its error. */
static llmk_status terminal(llmk__stream_ctx *s, json_t *ev)
{
	json_t *r = json_object_get(ev, "response");
	llmk_status st;

	s->done = 1;
	if ((st = read_ids(r, s->resp)) || (st = read_status(r, s->resp, "the response failed")))
		return st;
	if (json_is_object(json_object_get(r, "usage"))) {
		read_usage(json_object_get(r, "usage"), s->resp);
		if (llmk__emit_usage(s))
			return llmk__stream_stopped(s);
	}
	return LLMK_OK;
}

/* sequence_number must grow from event to event (gaps are tolerated: a
 * server may leave out events it does not send); absent, nothing is
 * checked (some compatible servers number nothing). */
static llmk_status check_sequence(llmk__stream_ctx *s, json_t *root)
{
	json_t *v = json_object_get(root, "sequence_number");
	json_int_t n;

	if (!json_is_integer(v))
		return LLMK_OK;
	n = json_integer_value(v);
	if (n < 0 || n == INT64_MAX || n + 1 <= SEQ(s))
		return llmk__fail(s->resp, LLMK_E_PROTOCOL, NAME ": stream event with sequence_number %lld after %lld",
		                  (long long)n, (long long)(SEQ(s) - 1));
	SEQ(s) = n + 1;
	return LLMK_OK;
}

static llmk_status dispatch(llmk__stream_ctx *s, const char *type, json_t *root)
{
	llmk_response *resp = s->resp;
	json_t *v;

	if (!strcmp(type, "response.output_text.delta"))
		return current(s, LLMK_PART_TEXT) ? emit_str(s, llmk__emit_text, json_object_get(root, "delta"))
		                                  : llmk__stream_stopped(s);
	if (!strcmp(type, "response.reasoning_summary_text.delta") || !strcmp(type, "response.reasoning_text.delta"))
		return current(s, LLMK_PART_REASONING)
		               ? emit_str(s, llmk__emit_reasoning, json_object_get(root, "delta"))
		               : llmk__stream_stopped(s);
	if (!strcmp(type, "response.reasoning_summary_part.added")) {
		/* summaries come in parts: a blank line between them */
		v = json_object_get(root, "summary_index");
		return json_is_integer(v) && json_integer_value(v) > 0 && llmk__emit_reasoning(s, "\n\n", 2)
		               ? llmk__stream_stopped(s)
		               : LLMK_OK;
	}
	if (!strcmp(type, "response.refusal.delta"))
		return refusal_delta(s, root);
	if (!strcmp(type, "response.function_call_arguments.delta"))
		return args_delta(s, root, 0);
	if (!strcmp(type, "response.function_call_arguments.done"))
		return args_delta(s, root, 1);
	if (!strcmp(type, "response.output_item.added"))
		return item_added(s, root);
	if (!strcmp(type, "response.output_item.done"))
		return item_done(s, root);
	if (!strcmp(type, "response.created") || !strcmp(type, "response.in_progress") ||
	    !strcmp(type, "response.queued"))
		return read_ids(json_object_get(root, "response"), resp);
	if (!strcmp(type, "response.completed") || !strcmp(type, "response.incomplete") ||
	    !strcmp(type, "response.failed"))
		return terminal(s, root);
	if (!strcmp(type, "error")) /* {type, code, message, param} */
		return llmk__stream_failure(resp, llmk__error_from_json(resp, 200, root));
	/* content_part, *.done with nothing new, annotations, built-in tools,
	 * events added later: nothing for us */
	return LLMK_OK;
}

static llmk_status responses_stream_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	json_t *root;
	const char *type;
	llmk_status st;
	json_error_t err;

	if (s->done)
		return LLMK_OK; /* nothing after the terminal event counts */
	root = llmk__json_loadb(data, len, 0, &err);
	if (!json_is_object(root)) {
		json_decref(root);
		return llmk__fail(s->resp, LLMK_E_PROTOCOL, NAME ": stream event is not a JSON object: %s", err.text);
	}
	/* The data's type is the event; a proxy may drop the event: lines. */
	type = json_string_value(json_object_get(root, "type"));
	if (!type)
		type = event ? event : "";
	st = check_sequence(s, root);
	if (st == LLMK_OK)
		st = dispatch(s, type, root);
	json_decref(root);
	return st;
}

const llmk__adapter llmk__responses_adapter = {.build = responses_build,
                                               .parse = responses_parse,
                                               .parse_error = llmk__error_generic,
                                               .stream_event = responses_stream_event,
                                               .framing = LLMK_FRAMING_SSE,
                                               .feature = LLMK_FEATURE_RESPONSES,
                                               .state_size = sizeof(rs_state),
                                               .batch = &llmk__batch_openai};
