/* OpenAI wire format: /chat/completions and /embeddings here; images and
 * audio in openai_media.c (llmk__openai_media_*). Also serves the OpenAI-compatible
 * servers (vLLM, llama.cpp, LocalAI, LM Studio, Ollama's /v1) through
 * presets in registry.c; their deviations are tolerated here.
 *
 * Reference: OpenAI OpenAPI spec v2.3.0 (shared/data/specs/openai-openapi.json). */
#include <math.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "openai.h"
#include "wire_kinds.h"

/* ---- building ------------------------------------------------------------ */

static json_t *message_content(const llmk__message *m)
{
	size_t i, ntext = 0, nimg = 0;

	for (i = 0; i < m->nparts; i++) {
		ntext += m->parts[i].type == LLMK_PART_TEXT;
		nimg += m->parts[i].type == LLMK_PART_IMAGE_URL || m->parts[i].type == LLMK_PART_DOCUMENT;
	}
	/* Plain string content is what every compatible server understands;
	 * use the array form only when it is needed. */
	if (!nimg && ntext <= 1) {
		for (i = 0; i < m->nparts; i++)
			if (m->parts[i].type == LLMK_PART_TEXT)
				return json_string(m->parts[i].text);
		return m->role == LLMK_ROLE_ASSISTANT ? json_null() : json_string("");
	}
	if (!nimg && m->role != LLMK_ROLE_USER) {
		/* system/assistant text-only parts: join */
		llmk__buf b = LLMK__BUF_INIT;
		json_t *s;
		for (i = 0; i < m->nparts; i++)
			if (m->parts[i].type == LLMK_PART_TEXT && llmk__buf_append_str(&b, m->parts[i].text)) {
				llmk__buf_free(&b);
				return NULL;
			}
		s = json_stringn(b.data ? b.data : "", b.len);
		llmk__buf_free(&b);
		return s;
	}
	return llmk__content_parts(m);
}

static json_t *build_message(const llmk_client *c, const llmk__message *m)
{
	static const char *const roles[] = {"", "system", "user", "assistant", "tool", "developer"};
	/* "developer" is OpenAI's (and Azure's) alone: elsewhere it is the
	 * system role (Mistral's spec rejects it, as do most servers). */
	int32_t role = m->role == LLMK_ROLE_DEVELOPER && !(c->provider->quirks & LLMK_Q_DEVELOPER_ROLE)
	                       ? LLMK_ROLE_SYSTEM
	                       : m->role;
	json_t *msg, *calls, *call;
	size_t i;

	msg = json_pack("{s:s}", "role", roles[role]);
	if (!msg)
		return NULL;
	if (m->role == LLMK_ROLE_TOOL) {
		if (llmk__json_set(msg, "tool_call_id", json_string(m->tool_call_id)) ||
		    llmk__json_set(msg, "content", json_string(m->nparts ? m->parts[0].text : "")))
			goto fail;
		return msg;
	}
	if (llmk__json_set(msg, "content", message_content(m)))
		goto fail;
	calls = NULL;
	for (i = 0; i < m->nparts; i++) {
		const llmk__part *p = &m->parts[i];
		if (p->type != LLMK_PART_TOOL_CALL)
			continue;
		if (!calls && (!(calls = json_array()) || json_object_set_new(msg, "tool_calls", calls)))
			goto fail;
		call = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", p->id, "type", "function", "function", "name",
		                 p->detail, "arguments", p->text);
		if (!call || json_array_append_new(calls, call))
			goto fail;
	}
	return msg;
fail:
	json_decref(msg);
	return NULL;
}

#define FORCE_TOOL "{\"type\":\"function\",\"function\":{\"name\":\"$name\"}}"
static const llmk__choice openai_choices[] = {
        {"auto", "\"auto\""}, {"none", "\"none\""}, {"required", "\"required\""}, {"$tool", FORCE_TOOL}, {NULL, NULL}};
/* LLMK_Q_TOOL_CHOICE_ANY (Mistral): "any" instead of "required". */
static const llmk__choice any_choices[] = {{"auto", "\"auto\""}, {"none", "\"none\""},  {"required", "\"any\""},
                                           {"any", "\"any\""},   {"$tool", FORCE_TOOL}, {NULL, NULL}};

static llmk_status build_tools(const llmk_client *c, const llmk_request *r, json_t *body, llmk_response *resp)
{
	llmk_status st = llmk__tool_decls(r, &llmk__function_tool, body, "tools", resp);

	if (st)
		return st;
	return llmk__set_tool_choice(r, (c->provider->quirks & LLMK_Q_TOOL_CHOICE_ANY) ? any_choices : openai_choices,
	                             body, "tool_choice", c->provider->name, resp);
}

static llmk_status build_response_format(const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *schema = llmk__req_str(r, LLMK_OPT_JSON_SCHEMA);
	const char *fmt = llmk__req_str(r, LLMK_OPT_RESPONSE_FORMAT);
	const char *name = llmk__req_str(r, LLMK_OPT_JSON_SCHEMA_NAME);
	json_t *rf;

	if (schema) {
		rf = json_pack("{s:s, s:{s:s, s:o, s:b}}", "type", "json_schema", "json_schema", "name",
		               name ? name : "response", "schema", llmk__json_text(schema), "strict", 1);
	} else if (fmt) {
		rf = json_pack("{s:s}", "type", fmt);
	} else {
		return LLMK_OK;
	}
	return llmk__json_set(body, "response_format", rf) ? FAIL_OOM(resp) : LLMK_OK;
}

/* The host of an http(s) URL: its start and length (0 when there is none). */
static size_t url_host(const char *url, const char **host)
{
	const char *p = url ? strstr(url, "://") : NULL, *at;
	size_t n;

	if (!p)
		return 0;
	p += 3;
	n = strcspn(p, "/?#");
	at = memchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	*host = p;
	return strcspn(p, ":/?#") < n ? strcspn(p, ":/?#") : n;
}

static int same_host(const char *a, const char *b)
{
	const char *ha, *hb;
	size_t na = url_host(a, &ha), nb = url_host(b, &hb);

	return na && na == nb && !strncasecmp(ha, hb, na);
}

/* The name of the output limit. OpenAI deprecated max_tokens (its reasoning
 * models reject it) for max_completion_tokens, which older compatible
 * servers do not know and silently ignore: llama.cpp's server before it
 * learned the alias generated 2002 tokens for a limit of 10. So a provider
 * whose home is OpenAI (openai/, groq/, ...) uses the new name at its own
 * host only; pointed at any other base URL (OPENAI_BASE_URL=a local
 * server, a proxy) it sends max_tokens, the name every compatible server
 * reads. A proxy in front of OpenAI's reasoning models then answers 400
 * naming the parameter, instead of an unbounded answer; extra JSON with
 * max_completion_tokens overrides this. Azure has its own URL shape. */
static const char *max_tokens_name(const llmk_client *c)
{
	unsigned q = c->provider->quirks;

	if ((q & LLMK_Q_LEGACY_MAX_TOKENS) ||
	    (!(q & LLMK_Q_AZURE) && c->provider->base_url && !same_host(c->base_url, c->provider->base_url)))
		return "max_tokens";
	return "max_completion_tokens";
}

static llmk_status build_chat(const llmk_client *c, const llmk_request *r, int stream, json_t *body,
                              llmk_response *resp)
{
	unsigned q = c->provider->quirks;
	const llmk__opt_key sampling[] = {{LLMK_OPT_TEMPERATURE, "temperature"},
	                                  {LLMK_OPT_TOP_P, "top_p"},
	                                  {LLMK_OPT_FREQUENCY_PENALTY, "frequency_penalty"},
	                                  {LLMK_OPT_PRESENCE_PENALTY, "presence_penalty"},
	                                  {LLMK_OPT_MAX_TOKENS, max_tokens_name(c)},
	                                  {LLMK_OPT_SEED, (q & LLMK_Q_RANDOM_SEED) ? "random_seed" : "seed"},
	                                  {0, NULL}};
	static const llmk__opt_key reasoning[] = {{LLMK_OPT_REASONING_EFFORT, "reasoning_effort"}, {0, NULL}};
	/* n and log probabilities: read back as choices and logprobs
	 * (llmk__openai_read_logprobs below, shared with transcriptions). */
	static const llmk__opt_key more[] = {
	        {LLMK_OPT_CHOICES, "n"}, {LLMK_OPT_TOP_LOGPROBS, "top_logprobs"}, {0, NULL}};
	int64_t logprobs = 0;
	llmk_status st;

	if ((st = llmk__put_messages(body, c, r, build_message, resp)))
		return st;
	if (llmk__put_opts(body, r, sampling) || llmk__put_stops(body, "stop", r) ||
	    llmk__put_opts(body, r, reasoning) || llmk__put_opts(body, r, more) ||
	    (llmk__req_i64(r, LLMK_OPT_LOGPROBS, &logprobs) &&
	     llmk__json_set(body, "logprobs", logprobs ? json_true() : json_false())))
		return FAIL_OOM(resp);
	if ((st = build_tools(c, r, body, resp)) || (st = build_response_format(r, body, resp)))
		return st;
	if (stream) {
		if (llmk__json_set(body, "stream", json_true()))
			return FAIL_OOM(resp);
		if (llmk__client_i64(c, LLMK_OPT_STREAM_USAGE, 1) &&
		    !(c->provider->quirks & LLMK_Q_NO_STREAM_OPTIONS) &&
		    llmk__json_set(body, "stream_options", json_pack("{s:b}", "include_usage", 1)))
			return FAIL_OOM(resp);
	}
	return LLMK_OK;
}

static llmk_status build_embed(const llmk_client *c, const llmk_request *r, json_t *body, llmk_response *resp)
{
	/* base64 where the server accepts it (LLMK_Q_EMBED_BASE64, as OpenAI's
	 * SDKs ask by default); the answer is read in either form. */
	const char *fmt = c->provider->quirks & LLMK_Q_EMBED_BASE64 ? "base64" : "float";
	static const llmk__opt_key opts[] = {{LLMK_OPT_DIMENSIONS, "dimensions"}, {0, NULL}};

	if (!r->ninputs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "embed request has no inputs (llmk_request_add_input)");
	if (r->ninputs > 2048)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "embed request has %zu inputs; the API takes at most 2048",
		                  r->ninputs);
	if (llmk__json_set_strings(body, "input", r->inputs, r->ninputs) ||
	    llmk__json_set(body, "encoding_format", json_string(fmt)) || llmk__put_opts(body, r, opts))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

/* Azure: {endpoint}/openai/deployments/{deployment}{path}?api-version=V,
 * the deployment being the model-string's model part. */
#define AZURE_DEFAULT_API_VERSION "2024-10-21"

llmk_status llmk__openai_set_url(const llmk_client *c, const char *model, const char *path, llmk_exchange *ex,
                                 llmk_response *resp)
{
	llmk__buf p = LLMK__BUF_INIT;
	const char *ver;
	char *esc;
	llmk_status st;

	if (!(c->provider->quirks & LLMK_Q_AZURE))
		return llmk__exchange_set_url(ex, c->base_url, path);
	ver = llmk__client_str(c, LLMK_OPT_API_VERSION);
	esc = llmk__url_escape(ver ? ver : AZURE_DEFAULT_API_VERSION); /* a query value: '&' and '#' escaped */
	if (!esc || llmk__buf_append_str(&p, "/openai/deployments") ||
	    llmk__path_segment(&p, "azure deployment (the model name)", model, strlen(model), resp) ||
	    llmk__buf_append_str(&p, path) || llmk__buf_append_str(&p, "?api-version=") ||
	    llmk__buf_append_str(&p, esc))
		st = LLMK_E_NOMEM;
	else
		st = llmk__exchange_set_url(ex, c->base_url, p.data);
	llmk__free(esc);
	llmk__buf_free(&p);
	return st;
}

llmk_status llmk__openai_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                               llmk_exchange *ex, llmk_response *resp, llmk__body_edit edit)
{
	static const char *const paths[] = {"", "/chat/completions", "/embeddings"};
	static const llmk__opt_key user[] = {{LLMK_OPT_USER, "user"}, {0, NULL}};
	json_t *body;
	llmk_status st;

	if (r->kind != LLMK_CHAT && r->kind != LLMK_EMBED)
		return llmk__openai_media_build(c, r, model, stream, ex, resp, edit);
	if (llmk__openai_set_url(c, model, paths[r->kind], ex, resp) || llmk__openai_headers(c, ex))
		return FAIL_OOM(resp);
	body = json_pack("{s:s}", "model", model);
	if (!body)
		return FAIL_OOM(resp);
	st = r->kind == LLMK_CHAT ? build_chat(c, r, stream, body, resp) : build_embed(c, r, body, resp);
	if (st == LLMK_OK && llmk__put_opts(body, r, user))
		st = FAIL_OOM(resp);
	return llmk__finish_body(ex, r, body, st, edit, stream ? "text/event-stream" : "application/json", resp);
}

static llmk_status openai_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                llmk_exchange *ex, llmk_response *resp)
{
	if (r->kind == LLMK_RERANK)
		return llmk__rerank_build(LLMK_RERANK_JINA, c, r, model, ex, resp);
	if (r->kind == LLMK_MODERATE)
		return llmk__moderation_build(c, r, model, ex, resp);
	if (r->kind == LLMK__COUNT_TOKENS)
		return llmk__count_build(LLMK_COUNT_CHAT, openai_build, c, r, model, ex, resp);
	return llmk__openai_build(c, r, model, stream, ex, resp, NULL);
}

/* ---- parsing ------------------------------------------------------------ */

/* usage: chat (prompt_/completion_tokens with *_details), embeddings
 * (prompt_tokens, total_tokens), transcription (input_/output_tokens).
 * Normalised to llmkit.h: INPUT includes the cached part, OUTPUT includes
 * reasoning. The compatible services name the cached part differently:
 * OpenAI, xAI, Groq prompt_tokens_details.cached_tokens; Mistral also
 * prompt_token_details and num_cached_tokens; DeepSeek
 * prompt_cache_hit_tokens (prompt_tokens = hit + miss). OpenAI counts
 * reasoning inside completion_tokens (total = prompt + completion); xAI
 * reports it beside them (total = prompt + completion + reasoning), which
 * the totals tell apart, so OUTPUT adds it back only then. */
void llmk__openai_read_usage(json_t *u, llmk_response *resp)
{
	static const char *const cached_paths[][2] = {{"prompt_tokens_details", "cached_tokens"},
	                                              {"prompt_token_details", "cached_tokens"},
	                                              {NULL, "num_cached_tokens"},
	                                              {NULL, "prompt_cache_hit_tokens"}};
	int64_t prompt = -1, completion = -1, total = -1, reasoning = -1, cached = -1;
	size_t i;

	if (!json_is_object(u))
		return;
	llmk__json_i64(u, "prompt_tokens", &resp->usage[LLMK_USAGE_INPUT]);
	llmk__json_i64(u, "input_tokens", &resp->usage[LLMK_USAGE_INPUT]);
	llmk__json_i64(u, "completion_tokens", &resp->usage[LLMK_USAGE_OUTPUT]);
	llmk__json_i64(u, "output_tokens", &resp->usage[LLMK_USAGE_OUTPUT]);
	llmk__json_i64(u, "total_tokens", &resp->usage[LLMK_USAGE_TOTAL]);
	for (i = 0; i < sizeof(cached_paths) / sizeof(cached_paths[0]) && cached < 0; i++)
		llmk__json_i64(cached_paths[i][0] ? json_object_get(u, cached_paths[i][0]) : u, cached_paths[i][1],
		               &cached);
	if (cached >= 0)
		resp->usage[LLMK_USAGE_CACHED_INPUT] = cached;
	llmk__json_i64(json_object_get(u, "completion_tokens_details"), "reasoning_tokens", &reasoning);
	if (reasoning >= 0)
		resp->usage[LLMK_USAGE_REASONING] = reasoning;
	llmk__json_i64(u, "prompt_tokens", &prompt);
	llmk__json_i64(u, "completion_tokens", &completion);
	llmk__json_i64(u, "total_tokens", &total);
	if (reasoning > 0 && prompt >= 0 && completion >= 0 &&
	    total == llmk__count_add(llmk__count_add(prompt, completion), reasoning))
		resp->usage[LLMK_USAGE_OUTPUT] = llmk__count_add(completion, reasoning);
	if (resp->usage[LLMK_USAGE_OUTPUT] < 0 && resp->usage[LLMK_USAGE_INPUT] >= 0 &&
	    resp->usage[LLMK_USAGE_TOTAL] >= resp->usage[LLMK_USAGE_INPUT] && !json_object_get(u, "completion_tokens"))
		resp->usage[LLMK_USAGE_OUTPUT] = resp->usage[LLMK_USAGE_TOTAL] - resp->usage[LLMK_USAGE_INPUT];
}

static llmk_status set_finish(llmk_response *resp, json_t *v)
{
	return json_is_string(v) ? llmk__set_finish(resp, json_string_value(v)) : LLMK_OK;
}

static llmk_status set_model(llmk_response *resp, json_t *root)
{
	json_t *m = json_object_get(root, "model");
	/* Azure's first stream chunk has model "": wait for a real one. */
	return json_is_string(m) && json_string_length(m) && !resp->model
	               ? llmk__set_field(&resp->model, json_string_value(m))
	               : LLMK_OK;
}

/* Choice index `idx` >= 1 of an answer with n > 1: its text (or, in a
 * stream, a fragment of it) and finish reason. Choice 0 is the response's
 * own. */
static llmk_status other_choice(llmk_response *resp, size_t idx, json_t *choice, const char *member)
{
	llmk__extra_choice *ch = llmk__response_choice(resp, idx, LLMK_MAX_CHOICES);
	json_t *fin = json_object_get(choice, "finish_reason");

	if (!ch)
		return resp->status;
	if (llmk__json_append_str(&ch->text, json_object_get(json_object_get(choice, member), "content")) ||
	    (json_is_string(fin) && llmk__set_field(&ch->finish_reason, json_string_value(fin))))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading choices");
	return LLMK_OK;
}

static llmk_status read_other_choices(json_t *choices, llmk_response *resp)
{
	json_t *choice;
	size_t i, idx;
	llmk_status st;

	json_array_foreach(choices, i, choice)
	{
		if (!i)
			continue;
		if (llmk__json_index(choice, "index", &idx) || !idx)
			idx = i;
		if ((st = other_choice(resp, idx, choice, "message")))
			return st;
	}
	return LLMK_OK;
}

/* logprobs [{token, logprob, bytes, top_logprobs: [...]}] (chat's and the
 * transcription's shape) appended to the response. */
llmk_status llmk__openai_read_logprobs(json_t *arr, llmk_response *resp)
{
	json_t *lp, *tok, *top, *alt;
	llmk__logprob *out;
	size_t i, j, n;

	json_array_foreach(arr, i, lp)
	{
		tok = json_object_get(lp, "token");
		if (!json_is_string(tok))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "log probability %zu has no token", i);
		out = llmk__response_logprob(resp, json_string_value(tok), json_string_length(tok),
		                             json_number_value(json_object_get(lp, "logprob")), LLMK_MAX_LOGPROBS);
		if (!out)
			return resp->status;
		top = json_object_get(lp, "top_logprobs");
		if (!(n = json_array_size(top)))
			continue;
		if (n > 20)
			return llmk__fail(resp, LLMK_E_PROTOCOL,
			                  "token %zu has %zu alternatives (the API gives at most 20)", i, n);
		if (!(out->top = llmk__calloc(n, sizeof(*out->top))))
			return llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading log probabilities");
		json_array_foreach(top, j, alt)
		{
			if (!(out->top[j].token = llmk__strdup(json_string_value(json_object_get(alt, "token")))))
				return llmk__fail(resp,
				                  json_is_string(json_object_get(alt, "token")) ? LLMK_E_NOMEM
				                                                                : LLMK_E_PROTOCOL,
				                  "token %zu: alternative %zu has no token", i, j);
			out->top[j].logprob = json_number_value(json_object_get(alt, "logprob"));
			out->ntop = j + 1;
		}
	}
	return LLMK_OK;
}

static llmk_status parse_chat(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *choices = json_object_get(root, "choices"), *choice = json_array_get(choices, 0), *msg;
	llmk_status st;

	if (llmk__count_check(resp, "choices", json_array_size(choices), LLMK_MAX_CHOICES))
		return resp->status;
	(void)r;
	if (!json_is_object(choice)) {
		if (json_object_get(root, "error"))
			/* Sequenced: the status call fills resp->error first. */
			return llmk__stream_failure(resp, llmk__error_from_json(resp, 200, root));
		return llmk__fail(resp, LLMK_E_PROTOCOL, "chat response has no choices");
	}
	msg = json_object_get(choice, "message");
	if (llmk__json_append_str(&resp->text, json_object_get(msg, "content")) ||
	    llmk__json_append_str(&resp->reasoning, json_object_get(msg, "reasoning_content")) ||
	    llmk__json_append_str(&resp->refusal, json_object_get(msg, "refusal")))
		return LLMK_E_NOMEM;
	/* Some servers send the arguments as an object. */
	if ((st = llmk__read_function_calls(json_object_get(msg, "tool_calls"), "", resp)))
		return st;
	if (set_finish(resp, json_object_get(choice, "finish_reason")))
		return LLMK_E_NOMEM;
	resp->has_choice = 1;
	if ((st = llmk__openai_read_logprobs(json_object_get(json_object_get(choice, "logprobs"), "content"), resp)) ||
	    (st = read_other_choices(choices, resp)))
		return st;
	llmk__openai_read_usage(json_object_get(root, "usage"), resp);
	return LLMK_OK;
}

/* The members of an embeddings answer built as a tree: "data" is decoded
 * straight into the float array (llmk__read_embedding_answer). */
static const char *const embed_members[] = {"model", "usage", NULL};

static llmk_status embed_root(llmk_response *resp, json_t *root)
{
	if (set_model(resp, root))
		return LLMK_E_NOMEM;
	llmk__openai_read_usage(json_object_get(root, "usage"), resp);
	return LLMK_OK;
}

/* The members of an answer (chat, embeddings, images) read here or by the
 * error reader (llmk__error_from_json); the others are skipped unbuilt. */
static const char *const answer_members[] = {"choices", "data", "model", "usage",      "error", "message",
                                             "detail",  "type", "code",  "error_type", NULL};

static const llmk__readers readers = {.keep = answer_members, .first = set_model, .kind = {[LLMK_CHAT] = parse_chat}};

static llmk_status openai_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *ctype,
                                const char *body, size_t len)
{
	if (r->kind == LLMK_IMAGE || r->kind == LLMK_TRANSCRIBE || r->kind == LLMK_SPEECH)
		return llmk__openai_media_parse(c, r, resp, ctype, body, len);
	/* No type at all is taken as JSON; another type is not the answer. */
	if (ctype && *ctype && !llmk__ctype_is(ctype, "application/json"))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: expected application/json, received Content-Type %.100s",
		                  c->provider->name, ctype);
	if (r->kind == LLMK_RERANK)
		return llmk__rerank_parse(r, resp, body, len);
	if (r->kind == LLMK_MODERATE)
		return llmk__moderation_parse(r, resp, body, len);
	if (r->kind == LLMK__COUNT_TOKENS)
		return llmk__count_parse(r, resp, body, len);
	if (r->kind == LLMK_EMBED)
		return llmk__read_embedding_answer(r, resp, body, len, embed_members, "data", embed_root,
		                                   "embedding response");
	return llmk__read_json(&readers, r, resp, "response body", body, len);
}

/* ---- streaming ------------------------------------------------------------ */

static llmk_status stream_tool_deltas(llmk__stream_ctx *s, json_t *calls)
{
	json_t *call, *fn, *args;
	size_t i, index;
	const char *a;

	json_array_foreach(calls, i, call)
	{
		/* Servers that send whole calls without an index number them by
		 * position. */
		if (llmk__json_index(call, "index", &index))
			index = i;
		fn = json_object_get(call, "function");
		args = json_object_get(fn, "arguments");
		a = json_is_string(args) ? json_string_value(args) : "";
		if (llmk__emit_tool(s, index, json_string_value(json_object_get(call, "id")),
		                    json_string_value(json_object_get(fn, "name")), a, strlen(a)))
			return llmk__stream_stopped(s);
	}
	return LLMK_OK;
}

static llmk_status choice0_delta(llmk__stream_ctx *s, json_t *choice);

static llmk_status on_chunk(llmk__stream_ctx *s, json_t *root)
{
	llmk_response *resp = s->resp;
	json_t *choices, *choice, *usage;
	size_t i, idx;
	llmk_status st;

	if (set_model(resp, root))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	usage = json_object_get(root, "usage");
	if (!json_is_object(usage)) /* Groq streams put it in x_groq */
		usage = json_object_get(json_object_get(root, "x_groq"), "usage");
	if ((st = llmk__stream_usage(s, usage, llmk__openai_read_usage)))
		return st;
	/* Azure sends chunks with empty choices (prompt filter results). With
	 * n > 1 each chunk carries one choice, by index: only choice 0 is
	 * streamed as events, the others are collected. */
	choices = json_object_get(root, "choices");
	json_array_foreach(choices, i, choice)
	{
		if (!json_is_object(choice))
			continue;
		if (llmk__json_index(choice, "index", &idx))
			idx = i;
		if ((st = idx ? other_choice(resp, idx, choice, "delta") : choice0_delta(s, choice)))
			return st;
	}
	return LLMK_OK;
}

static llmk_status choice0_delta(llmk__stream_ctx *s, json_t *choice)
{
	llmk_response *resp = s->resp;
	json_t *delta, *calls;
	llmk_status st;

	resp->has_choice = 1;
	if ((st = llmk__openai_read_logprobs(json_object_get(json_object_get(choice, "logprobs"), "content"), resp)))
		return st;
	delta = json_object_get(choice, "delta");
	calls = json_object_get(delta, "tool_calls");
	if ((st = llmk__emit_json_text(s, json_object_get(delta, "content"))) ||
	    (st = llmk__emit_json_reasoning(s, json_object_get(delta, "reasoning_content"))) ||
	    (st = llmk__emit_json_refusal(s, json_object_get(delta, "refusal"))) ||
	    (json_is_array(calls) && (st = stream_tool_deltas(s, calls))))
		return st;
	if (set_finish(resp, json_object_get(choice, "finish_reason")))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	return LLMK_OK;
}

static llmk_status openai_stream_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	if (s->req->kind != LLMK_CHAT)
		return llmk__openai_media_event(s, event, data, len);
	if (s->done)
		return LLMK_OK; /* nothing after [DONE] counts */
	if (len == 6 && !memcmp(data, "[DONE]", 6)) {
		s->done = 1;
		return LLMK_OK;
	}
	return llmk__json_stream_event(s, data, len, "stream chunk", on_chunk);
}

const llmk__adapter llmk__openai_adapter = {.build = openai_build,
                                            .parse = openai_parse,
                                            .parse_error = llmk__error_generic,
                                            .stream_event = openai_stream_event,
                                            .framing = LLMK_FRAMING_SSE,
                                            .feature = LLMK_FEATURE_OPENAI,
                                            .batch = &llmk__batch_openai};
