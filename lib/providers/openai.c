/* OpenAI wire format: /chat/completions, /embeddings, /images/generations,
 * /audio/transcriptions, /audio/speech. Also serves the OpenAI-compatible
 * servers (vLLM, llama.cpp, LocalAI, LM Studio, Ollama's /v1) through
 * presets in registry.c; their deviations are tolerated here.
 *
 * Reference: OpenAI OpenAPI spec v2.3.0 (shared/data/specs/openai-openapi.json). */
#include <math.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "codec/multipart.h"
#include "providers/common.h"

#define FAIL_OOM(resp) LLMK__FAIL_OOM(resp)

/* ---- building ------------------------------------------------------------ */

static json_t *message_content(const llmk_message *m)
{
	size_t i, ntext = 0, nimg = 0;

	for (i = 0; i < m->nparts; i++) {
		ntext += m->parts[i].type == LLMK_PART_TEXT;
		nimg += m->parts[i].type == LLMK_PART_IMAGE_URL;
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
		llmk_buf b = LLMK_BUF_INIT;
		json_t *s;
		for (i = 0; i < m->nparts; i++)
			if (m->parts[i].type == LLMK_PART_TEXT && llmk_buf_append_str(&b, m->parts[i].text)) {
				llmk_buf_free(&b);
				return NULL;
			}
		s = json_stringn(b.data ? b.data : "", b.len);
		llmk_buf_free(&b);
		return s;
	}
	return llmk__content_parts(m);
}

static json_t *build_message(const llmk_client *c, const llmk_message *m)
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
		const llmk_part *p = &m->parts[i];
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

static llmk_status build_tools(const llmk_client *c, const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *choice = llmk__req_str(r, LLMK_OPT_TOOL_CHOICE);
	llmk_status st;
	size_t i;

	if ((st = llmk__tool_decls(r, body, "tools", "parameters", 1, resp)))
		return st;
	if (!choice)
		return LLMK_OK;
	if (!strcmp(choice, "required") && (c->provider->quirks & LLMK_Q_TOOL_CHOICE_ANY))
		choice = "any";
	if (!strcmp(choice, "auto") || !strcmp(choice, "none") || !strcmp(choice, "required") ||
	    (!strcmp(choice, "any") && (c->provider->quirks & LLMK_Q_TOOL_CHOICE_ANY)))
		return llmk__json_set(body, "tool_choice", json_string(choice)) ? FAIL_OOM(resp) : LLMK_OK;
	for (i = 0; i < r->ntools; i++)
		if (!strcmp(choice, r->tools[i].name))
			return llmk__json_set(body, "tool_choice",
			               json_pack("{s:s, s:{s:s}}", "type", "function", "function", "name", choice))
			           ? FAIL_OOM(resp)
			           : LLMK_OK;
	return llmk__fail(resp, LLMK_E_INVALID_ARG,
	                  "tool_choice '%s' is neither auto, none, required nor the name of a declared tool", choice);
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
	json_t *msgs, *stops;
	llmk_status st;
	int64_t i64;
	double f;
	size_t i;

	if (!r->nmsgs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "chat request has no messages");
	msgs = json_array();
	if (!msgs || json_object_set_new(body, "messages", msgs))
		return FAIL_OOM(resp);
	for (i = 0; i < r->nmsgs; i++)
		if (json_array_append_new(msgs, build_message(c, &r->msgs[i])))
			return FAIL_OOM(resp);
	if (llmk__req_f64(r, LLMK_OPT_TEMPERATURE, &f) && llmk__json_set(body, "temperature", json_real(f)))
		return FAIL_OOM(resp);
	if (llmk__req_f64(r, LLMK_OPT_TOP_P, &f) && llmk__json_set(body, "top_p", json_real(f)))
		return FAIL_OOM(resp);
	if (llmk__req_f64(r, LLMK_OPT_FREQUENCY_PENALTY, &f) && llmk__json_set(body, "frequency_penalty", json_real(f)))
		return FAIL_OOM(resp);
	if (llmk__req_f64(r, LLMK_OPT_PRESENCE_PENALTY, &f) && llmk__json_set(body, "presence_penalty", json_real(f)))
		return FAIL_OOM(resp);
	if (llmk__req_i64(r, LLMK_OPT_MAX_TOKENS, &i64) && llmk__json_set(body, max_tokens_name(c), json_integer(i64)))
		return FAIL_OOM(resp);
	if (llmk__req_i64(r, LLMK_OPT_SEED, &i64) && llmk__json_set(body, (c->provider->quirks & LLMK_Q_RANDOM_SEED) ? "random_seed" : "seed", json_integer(i64)))
		return FAIL_OOM(resp);
	if (r->nstops) {
		stops = json_array();
		if (!stops || json_object_set_new(body, "stop", stops))
			return FAIL_OOM(resp);
		for (i = 0; i < r->nstops; i++)
			if (json_array_append_new(stops, json_string(r->stops[i])))
				return FAIL_OOM(resp);
	}
	if (llmk__req_str(r, LLMK_OPT_REASONING_EFFORT) &&
	    llmk__json_set(body, "reasoning_effort", json_string(llmk__req_str(r, LLMK_OPT_REASONING_EFFORT))))
		return FAIL_OOM(resp);
	if ((st = build_tools(c, r, body, resp)) || (st = build_response_format(r, body, resp)))
		return st;
	if (stream) {
		if (llmk__json_set(body, "stream", json_true()))
			return FAIL_OOM(resp);
		if (llmk__client_i64(c, LLMK_OPT_STREAM_USAGE, 1) && !(c->provider->quirks & LLMK_Q_NO_STREAM_OPTIONS) &&
		    llmk__json_set(body, "stream_options", json_pack("{s:b}", "include_usage", 1)))
			return FAIL_OOM(resp);
	}
	return LLMK_OK;
}

static llmk_status build_embed(const llmk_request *r, json_t *body, llmk_response *resp)
{
	json_t *in;
	int64_t dims;
	size_t i;

	if (!r->ninputs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "embed request has no inputs (llmk_request_add_input)");
	if (r->ninputs > 2048)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "embed request has %zu inputs; the API takes at most 2048",
		                  r->ninputs);
	in = json_array();
	if (!in || json_object_set_new(body, "input", in))
		return FAIL_OOM(resp);
	for (i = 0; i < r->ninputs; i++)
		if (json_array_append_new(in, json_string(r->inputs[i])))
			return FAIL_OOM(resp);
	if (llmk__json_set(body, "encoding_format", json_string("float")))
		return FAIL_OOM(resp);
	if (llmk__req_i64(r, LLMK_OPT_DIMENSIONS, &dims) && llmk__json_set(body, "dimensions", json_integer(dims)))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

static llmk_status put_opt_str(const llmk_request *r, int32_t opt, json_t *body, const char *key,
                               llmk_response *resp)
{
	const char *v = llmk__req_str(r, opt);
	return v && llmk__json_set(body, key, json_string(v)) ? FAIL_OOM(resp) : LLMK_OK;
}

static llmk_status build_image(const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *prompt = llmk__req_str(r, LLMK_OPT_PROMPT);
	int64_t n;
	llmk_status st;

	if (!prompt || !*prompt)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "image request has no prompt (LLMK_OPT_PROMPT)");
	if (llmk__json_set(body, "prompt", json_string(prompt)))
		return FAIL_OOM(resp);
	if (llmk__req_i64(r, LLMK_OPT_IMAGE_COUNT, &n) && llmk__json_set(body, "n", json_integer(n)))
		return FAIL_OOM(resp);
	if ((st = put_opt_str(r, LLMK_OPT_IMAGE_SIZE, body, "size", resp)) ||
	    (st = put_opt_str(r, LLMK_OPT_IMAGE_QUALITY, body, "quality", resp)) ||
	    (st = put_opt_str(r, LLMK_OPT_IMAGE_STYLE, body, "style", resp)) ||
	    (st = put_opt_str(r, LLMK_OPT_IMAGE_RESPONSE_FORMAT, body, "response_format", resp)))
		return st;
	return LLMK_OK;
}

static llmk_status build_speech(const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *input = llmk__req_str(r, LLMK_OPT_INPUT);
	const char *voice = llmk__req_str(r, LLMK_OPT_VOICE);
	llmk_status st;
	double speed;

	if (!input || !*input)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "speech request has no input text (LLMK_OPT_INPUT)");
	if (strlen(input) > 4096)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "speech input is %zu bytes; the API takes at most 4096 characters",
		                  strlen(input));
	if (llmk__json_set(body, "input", json_string(input)) || llmk__json_set(body, "voice", json_string(voice ? voice : "alloy")))
		return FAIL_OOM(resp);
	if ((st = put_opt_str(r, LLMK_OPT_AUDIO_FORMAT, body, "response_format", resp)) ||
	    (st = put_opt_str(r, LLMK_OPT_INSTRUCTIONS, body, "instructions", resp)))
		return st;
	if (llmk__req_f64(r, LLMK_OPT_SPEED, &speed) && llmk__json_set(body, "speed", json_real(speed)))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

static llmk_status build_transcribe(const llmk_request *r, const char *model, llmk_exchange *ex,
                                    llmk_response *resp)
{
	llmk_multipart mp;
	const char *v;
	char num[32];
	double t;

	if (!r->audio)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "transcribe request has no audio (llmk_request_set_audio)");
	llmk_multipart_init(&mp);
	llmk_multipart_file(&mp, "file", r->audio_name, r->audio_mime, r->audio, r->audio_len);
	llmk_multipart_field(&mp, "model", model);
	if ((v = llmk__req_str(r, LLMK_OPT_LANGUAGE)))
		llmk_multipart_field(&mp, "language", v);
	if ((v = llmk__req_str(r, LLMK_OPT_PROMPT)))
		llmk_multipart_field(&mp, "prompt", v);
	if ((v = llmk__req_str(r, LLMK_OPT_TRANSCRIPT_FORMAT)))
		llmk_multipart_field(&mp, "response_format", v);
	if (llmk__req_f64(r, LLMK_OPT_TEMPERATURE, &t)) {
		snprintf(num, sizeof(num), "%g", t);
		llmk_multipart_field(&mp, "temperature", num);
	}
	if (llmk_multipart_finish(&mp) || llmk__exchange_header(ex, "Content-Type", mp.content_type)) {
		llmk_multipart_free(&mp);
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory building the multipart body");
	}
	ex->body = mp.body; /* hand the buffer over */
	return LLMK_OK;
}

static llmk_status add_auth_headers(const llmk_client *c, llmk_exchange *ex)
{
	const char *v;
	llmk_status st;

	if (c->api_key) {
		st = (c->provider->quirks & LLMK_Q_AZURE) ? llmk__auth_header(ex, "api-key", NULL, c->api_key)
		                                          : llmk__auth_header(ex, "Authorization", "Bearer ", c->api_key);
		if (st)
			return st;
	}
	if ((v = llmk__client_str(c, LLMK_OPT_ORGANIZATION)) && (st = llmk__exchange_header(ex, "OpenAI-Organization", v)))
		return st;
	if ((v = llmk__client_str(c, LLMK_OPT_PROJECT)) && (st = llmk__exchange_header(ex, "OpenAI-Project", v)))
		return st;
	return llmk__user_agent(c, ex);
}

/* Azure: {endpoint}/openai/deployments/{deployment}{path}?api-version=V,
 * the deployment being the model-string's model part. */
#define AZURE_DEFAULT_API_VERSION "2024-10-21"

static llmk_status set_url(const llmk_client *c, const char *model, const char *path, llmk_exchange *ex)
{
	llmk_buf p = LLMK_BUF_INIT;
	const char *ver;
	char *esc;
	llmk_status st;

	if (!(c->provider->quirks & LLMK_Q_AZURE))
		return llmk__exchange_set_url(ex, c->base_url, path);
	ver = llmk__client_str(c, LLMK_OPT_API_VERSION);
	esc = llmk__url_escape(model);
	if (!esc || llmk_buf_append_str(&p, "/openai/deployments/") || llmk_buf_append_str(&p, esc) ||
	    llmk_buf_append_str(&p, path) || llmk_buf_append_str(&p, "?api-version=") ||
	    llmk_buf_append_str(&p, ver ? ver : AZURE_DEFAULT_API_VERSION))
		st = LLMK_E_NOMEM;
	else
		st = llmk__exchange_set_url(ex, c->base_url, p.data);
	llmk__free(esc);
	llmk_buf_free(&p);
	return st;
}

static llmk_status openai_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                llmk_exchange *ex, llmk_response *resp)
{
	static const char *const paths[] = {"", "/chat/completions", "/embeddings", "/images/generations",
	                                    "/audio/transcriptions", "/audio/speech"};
	json_t *body = NULL;
	llmk_status st;

	if (set_url(c, model, paths[r->kind], ex) || add_auth_headers(c, ex))
		return FAIL_OOM(resp);
	if (r->kind == LLMK_TRANSCRIBE)
		return build_transcribe(r, model, ex, resp);

	body = json_pack("{s:s}", "model", model);
	if (!body)
		return FAIL_OOM(resp);
	switch (r->kind) {
	case LLMK_CHAT:
		st = build_chat(c, r, stream, body, resp);
		break;
	case LLMK_EMBED:
		st = build_embed(r, body, resp);
		break;
	case LLMK_IMAGE:
		st = build_image(r, body, resp);
		break;
	default:
		st = build_speech(r, body, resp);
		break;
	}
	if (st == LLMK_OK && llmk__req_str(r, LLMK_OPT_USER))
		st = put_opt_str(r, LLMK_OPT_USER, body, "user", resp);
	if (st == LLMK_OK)
		st = llmk__merge_extra(r, body, resp);
	/* Speech answers with audio: asking for JSON there gets a 406 from
	 * servers that honour Accept. */
	if (st == LLMK_OK)
		st = llmk__set_json_body(ex, body,
		                         stream ? "text/event-stream" : r->kind == LLMK_SPEECH ? "*/*" : "application/json",
		                         resp);
	json_decref(body);
	return st;
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
static void read_usage(json_t *u, llmk_response *resp)
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
	if (reasoning > 0 && prompt >= 0 && completion >= 0 && total == prompt + completion + reasoning)
		resp->usage[LLMK_USAGE_OUTPUT] = completion + reasoning;
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

static llmk_status parse_tool_calls(json_t *calls, llmk_response *resp)
{
	size_t i;
	json_t *call, *fn, *args;
	llmk_tool_call *tc;
	const char *s;

	json_array_foreach(calls, i, call)
	{
		fn = json_object_get(call, "function");
		if (!json_is_object(fn))
			continue;
		tc = llmk__response_tool_call(resp, resp->ncalls);
		if (!tc)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "too many tool calls");
		if ((s = json_string_value(json_object_get(call, "id"))) && llmk_buf_append_str(&tc->id, s))
			return LLMK_E_NOMEM;
		if ((s = json_string_value(json_object_get(fn, "name"))) && llmk_buf_append_str(&tc->name, s))
			return LLMK_E_NOMEM;
		args = json_object_get(fn, "arguments");
		if (json_is_string(args)) {
			if (llmk_buf_append_str(&tc->args, json_string_value(args)))
				return LLMK_E_NOMEM;
		} else if (json_is_object(args) && llmk__json_append_args(&tc->args, args)) {
			return LLMK_E_NOMEM; /* some servers send an object */
		}
	}
	return LLMK_OK;
}

static llmk_status parse_chat(json_t *root, llmk_response *resp)
{
	json_t *choices = json_object_get(root, "choices"), *choice, *msg, *content, *reasoning;

	choice = json_array_get(choices, 0);
	if (!json_is_object(choice)) {
		if (json_object_get(root, "error"))
			/* Sequenced: the status call fills resp->error first. */
			return llmk__stream_failure(resp, llmk__error_from_json(resp, 200, root));
		return llmk__fail(resp, LLMK_E_PROTOCOL, "chat response has no choices");
	}
	msg = json_object_get(choice, "message");
	content = json_object_get(msg, "content");
	if (json_is_string(content) && llmk_buf_append(&resp->text, json_string_value(content), json_string_length(content)))
		return LLMK_E_NOMEM;
	reasoning = json_object_get(msg, "reasoning_content");
	if (json_is_string(reasoning) &&
	    llmk_buf_append(&resp->reasoning, json_string_value(reasoning), json_string_length(reasoning)))
		return LLMK_E_NOMEM;
	if (parse_tool_calls(json_object_get(msg, "tool_calls"), resp))
		return resp->status ? resp->status : LLMK_E_NOMEM;
	if (set_finish(resp, json_object_get(choice, "finish_reason")))
		return LLMK_E_NOMEM;
	read_usage(json_object_get(root, "usage"), resp);
	return LLMK_OK;
}

static llmk_status parse_embed(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *data = json_object_get(root, "data"), *item, *vec, *x;
	size_t i, j, n, dim = 0, idx;

	if (!json_is_array(data))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "embedding response has no data array");
	n = json_array_size(data);
	if (n != r->ninputs)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "embedding response has %zu vectors for %zu inputs", n, r->ninputs);
	for (i = 0; i < n; i++) {
		item = json_array_get(data, i);
		vec = json_object_get(item, "embedding");
		if (!json_is_array(vec) || !json_array_size(vec))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "embedding %zu is not an array of numbers", i);
		if (!dim)
			dim = json_array_size(vec);
		else if (json_array_size(vec) != dim)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "embeddings have different dimensions (%zu and %zu)", dim,
			                  json_array_size(vec));
	}
	resp->emb = llmk__calloc(n * dim, sizeof(float));
	if (!resp->emb)
		return LLMK_E_NOMEM;
	/* "index" says which input a vector belongs to; servers may reorder. */
	for (i = 0; i < n; i++) {
		item = json_array_get(data, i);
		x = json_object_get(item, "index");
		idx = json_is_integer(x) ? (size_t)json_integer_value(x) : i;
		if (idx >= n)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "embedding index %zu out of range", idx);
		vec = json_object_get(item, "embedding");
		json_array_foreach(vec, j, x)
		{
			if (!json_is_number(x))
				return llmk__fail(resp, LLMK_E_PROTOCOL, "embedding %zu has a non-number at %zu", i, j);
			resp->emb[idx * dim + j] = (float)json_number_value(x);
		}
	}
	resp->nemb = n;
	resp->dim = dim;
	read_usage(json_object_get(root, "usage"), resp);
	return LLMK_OK;
}

static llmk_status parse_image(json_t *root, llmk_response *resp)
{
	json_t *data = json_object_get(root, "data"), *item;
	const char *s;
	size_t i, n;
	int bad;

	if (!json_is_array(data) || !(n = json_array_size(data)))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "image response has no data");
	resp->images = llmk__calloc(n, sizeof(*resp->images));
	if (!resp->images)
		return LLMK_E_NOMEM;
	json_array_foreach(data, i, item)
	{
		llmk_image *img = &resp->images[i];
		resp->nimages = i + 1;
		if ((s = json_string_value(json_object_get(item, "b64_json")))) {
			img->data = llmk__b64_decode(s, strlen(s), &img->len, &bad);
			if (!img->data)
				return bad ? llmk__fail(resp, LLMK_E_PROTOCOL, "image %zu: b64_json is not valid base64", i)
				           : LLMK_E_NOMEM;
		} else if ((s = json_string_value(json_object_get(item, "url")))) {
			if (!(img->url = llmk__strdup(s)))
				return LLMK_E_NOMEM;
		} else {
			return llmk__fail(resp, LLMK_E_PROTOCOL, "image %zu has neither b64_json nor url", i);
		}
		if ((s = json_string_value(json_object_get(item, "revised_prompt"))) &&
		    !(img->revised_prompt = llmk__strdup(s)))
			return LLMK_E_NOMEM;
	}
	read_usage(json_object_get(root, "usage"), resp);
	return LLMK_OK;
}

static llmk_status parse_transcript(const llmk_request *r, const char *ctype, const char *body, size_t len,
                                    llmk_response *resp)
{
	const char *fmt = llmk__req_str(r, LLMK_OPT_TRANSCRIPT_FORMAT);
	json_t *root, *text, *segs, *seg, *dur;
	size_t i, n;

	/* text, srt and vtt come back as plain text. */
	if ((fmt && strcmp(fmt, "json") && strcmp(fmt, "verbose_json")) || (ctype && !strncasecmp(ctype, "text/", 5)))
		return llmk_buf_append(&resp->text, body, len) ? LLMK_E_NOMEM : LLMK_OK;
	if (!(root = llmk__json_object(body, len, resp, "transcription response")))
		return resp->status;
	text = json_object_get(root, "text");
	if (!json_is_string(text)) {
		json_decref(root);
		return llmk__fail(resp, LLMK_E_PROTOCOL, "transcription response has no text");
	}
	if (llmk_buf_append(&resp->text, json_string_value(text), json_string_length(text)))
		goto oom;
	dur = json_object_get(root, "duration");
	if (json_is_number(dur))
		resp->duration = json_number_value(dur);
	segs = json_object_get(root, "segments");
	if (json_is_array(segs) && (n = json_array_size(segs))) {
		resp->segments = llmk__calloc(n, sizeof(*resp->segments));
		if (!resp->segments)
			goto oom;
		json_array_foreach(segs, i, seg)
		{
			resp->segments[i].start = json_number_value(json_object_get(seg, "start"));
			resp->segments[i].end = json_number_value(json_object_get(seg, "end"));
			resp->segments[i].text = llmk__strdup(json_string_value(json_object_get(seg, "text")));
			resp->nsegments = i + 1;
		}
	}
	read_usage(json_object_get(root, "usage"), resp);
	if (resp->duration < 0 && json_is_number(json_object_get(json_object_get(root, "usage"), "seconds")))
		resp->duration = json_number_value(json_object_get(json_object_get(root, "usage"), "seconds"));
	json_decref(root);
	return LLMK_OK;
oom:
	json_decref(root);
	return LLMK_E_NOMEM;
}

static llmk_status openai_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp,
                                const char *ctype, const char *body, size_t len)
{
	json_t *root;
	llmk_status st;

	(void)c;
	if (r->kind == LLMK_SPEECH) {
		if (!len)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "speech response has no audio");
		if (ctype && !strncasecmp(ctype, "application/json", 16))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "speech response is JSON, not audio");
		resp->audio = llmk__malloc(len);
		if (!resp->audio || llmk__set_field(&resp->audio_mime, ctype ? ctype : "application/octet-stream"))
			return LLMK_E_NOMEM;
		memcpy(resp->audio, body, len);
		resp->audio_len = len;
		return LLMK_OK;
	}
	if (r->kind == LLMK_TRANSCRIBE)
		return parse_transcript(r, ctype, body, len, resp);
	if (!(root = llmk__json_object(body, len, resp, "response body")))
		return resp->status;
	st = set_model(resp, root);
	if (st == LLMK_OK) {
		if (r->kind == LLMK_CHAT)
			st = parse_chat(root, resp);
		else if (r->kind == LLMK_EMBED)
			st = parse_embed(r, root, resp);
		else
			st = parse_image(root, resp);
	}
	json_decref(root);
	return st;
}

/* ---- streaming ------------------------------------------------------------ */

static llmk_status stream_tool_deltas(llmk_stream_ctx *s, json_t *calls)
{
	json_t *call, *fn, *idx, *args;
	size_t i, index;
	const char *a;

	json_array_foreach(calls, i, call)
	{
		idx = json_object_get(call, "index");
		/* Servers that send whole calls without an index number them by
		 * position. */
		index = json_is_integer(idx) && json_integer_value(idx) >= 0 ? (size_t)json_integer_value(idx) : i;
		fn = json_object_get(call, "function");
		args = json_object_get(fn, "arguments");
		a = json_is_string(args) ? json_string_value(args) : "";
		if (llmk__emit_tool(s, index, json_string_value(json_object_get(call, "id")),
		                    json_string_value(json_object_get(fn, "name")), a, strlen(a)))
			return s->resp->status ? s->resp->status : LLMK_E_CANCELLED;
	}
	return LLMK_OK;
}

static llmk_status openai_stream_event(llmk_stream_ctx *s, const char *event, const char *data, size_t len)
{
	llmk_response *resp = s->resp;
	json_t *root, *choice, *delta, *v, *usage;
	llmk_status st = LLMK_OK;
	json_error_t err;

	(void)event;
	if (s->done)
		return LLMK_OK; /* nothing after [DONE] counts */
	if (len == 6 && !memcmp(data, "[DONE]", 6)) {
		s->done = 1;
		return LLMK_OK;
	}
	root = llmk__json_loadb(data, len, 0, &err);
	if (!json_is_object(root)) {
		json_decref(root);
		return llmk__fail(resp, LLMK_E_PROTOCOL, "stream chunk is not a JSON object: %s", err.text);
	}
	if (json_object_get(root, "error")) {
		st = llmk__stream_failure(resp, llmk__error_from_json(resp, 200, root));
		json_decref(root);
		return st;
	}
	if (set_model(resp, root))
		goto oom;
	usage = json_object_get(root, "usage");
	if (!json_is_object(usage)) /* Groq streams put it in x_groq */
		usage = json_object_get(json_object_get(root, "x_groq"), "usage");
	if (json_is_object(usage)) {
		read_usage(usage, resp);
		if (llmk__emit_usage(s))
			goto stop;
	}
	/* Azure sends chunks with empty choices (prompt filter results). */
	choice = json_array_get(json_object_get(root, "choices"), 0);
	if (json_is_object(choice)) {
		delta = json_object_get(choice, "delta");
		v = json_object_get(delta, "content");
		if (json_is_string(v) && llmk__emit_text(s, json_string_value(v), json_string_length(v)))
			goto stop;
		v = json_object_get(delta, "reasoning_content");
		if (json_is_string(v) && llmk__emit_reasoning(s, json_string_value(v), json_string_length(v)))
			goto stop;
		v = json_object_get(delta, "tool_calls");
		if (json_is_array(v) && (st = stream_tool_deltas(s, v)))
			goto out;
		if (set_finish(resp, json_object_get(choice, "finish_reason")))
			goto oom;
	}
	goto out;
oom:
	st = llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	goto out;
stop:
	st = resp->status ? resp->status : LLMK_E_CANCELLED;
out:
	json_decref(root);
	return st;
}

const llmk_adapter llmk__openai_adapter = {openai_build, openai_parse, llmk__error_generic, openai_stream_event,
                                           LLMK_FRAMING_SSE};
