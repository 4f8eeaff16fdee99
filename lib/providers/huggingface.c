/* Hugging Face: the Inference Providers router ("huggingface"), a
 * text-generation-inference server ("tgi", LLMK_Q_TGI) and a
 * text-embeddings-inference server ("tei", LLMK_Q_TEI).
 *
 * Chat on the router and on TGI is the OpenAI-compatible
 * POST /v1/chat/completions: the OpenAI adapter builds and reads it, this
 * file fixes the path, TGI's grammar form of response_format and the
 * {"error": "...", "error_type": "..."} errors both send.
 *
 * TGI's native /generate and /generate_stream are deliberately not used:
 * they take one prompt string, so the model's chat template would have to
 * be applied here (it lives in the model's tokenizer config as Jinja, which
 * we cannot run); the Messages API applies it server-side and adds tools,
 * grammars and usage, with the same finish vocabulary (eos_token, length,
 * stop_sequence) and the same error objects.
 *
 * Other router tasks go to the hf-inference provider:
 *   embed       POST /hf-inference/models/{model}/pipeline/feature-extraction
 *               {"inputs": [...]} -> [[...], ...]
 *   image       POST /hf-inference/models/{model}
 *               {"inputs": prompt, "parameters": {...}} -> image bytes
 *   transcribe  POST /hf-inference/models/{model}, the audio as the body
 *               -> {"text": ..., "chunks": [...]}
 * TEI: POST /embed {"inputs", "normalize", "truncate"} -> [[...], ...].
 *
 * References: TGI OpenAPI spec 3.3.6 (shared/data/specs/tgi-openapi.json);
 * huggingface.co/docs inference-providers, text-embeddings-inference;
 * huggingface.js packages/inference/src/providers/hf-inference.ts (routes). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "openai.h"
#include "wire_kinds.h"

static int has_bytes(const char *data, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (data[i] == needle[0] && !memcmp(data + i, needle, n))
			return 1;
	return 0;
}

/* ---- errors --------------------------------------------------------------- */

/* TGI: validation, generation, overloaded, incomplete_generation.
 * TEI: Validation (413), Tokenizer (422), Backend (424), Overloaded (429),
 * Unhealthy (503), Empty (400). 0 when the type says nothing more than the
 * HTTP status. */
static llmk_status status_from_type(int32_t http, const char *type, const char *msg)
{
	int in_body = http == 0 || (http >= 200 && http < 300);

	if (!type)
		return 0;
	if (!strcasecmp(type, "validation") || !strcasecmp(type, "tokenizer") || !strcasecmp(type, "empty")) {
		/* "`inputs` must have less than 512 tokens. Given: 600",
		 * "`inputs` tokens + `max_new_tokens` must be <= 4096." */
		if (msg && strstr(msg, "tokens") && (strstr(msg, "must have less than") || strstr(msg, "must be <=")))
			return LLMK_E_CONTEXT_LENGTH;
		return in_body || http < 400 || http >= 500 ? LLMK_E_BAD_REQUEST : llmk__status_from_http(http);
	}
	if (!strcasecmp(type, "overloaded"))
		return LLMK_E_OVERLOADED;
	if (!strcasecmp(type, "generation") || !strcasecmp(type, "incomplete_generation") ||
	    !strcasecmp(type, "backend") || !strcasecmp(type, "unhealthy"))
		return LLMK_E_SERVER;
	return 0;
}

/* Fills error fields from a JSON error body and returns its status. Shapes:
 * {"error": "...", "error_type": "..."} (TGI, TEI, router), {"error":
 * ["...", ...]} (hf-inference), {"error": {...}} (providers behind the
 * router), and "estimated_time" while a model loads (503). */
static llmk_status error_from_root(llmk_response *resp, int32_t http, json_t *root)
{
	json_t *err = json_object_get(root, "error"), *eta = json_object_get(root, "estimated_time"), *copy, *x;
	llmk__buf msg = LLMK__BUF_INIT;
	llmk_status st, typed;
	size_t i;

	if (json_is_array(err)) {
		json_array_foreach(err, i, x)
		{
			if (!json_is_string(x))
				continue;
			if ((msg.len && llmk__buf_append_str(&msg, "; ")) ||
			    llmk__buf_append_str(&msg, json_string_value(x))) {
				llmk__buf_free(&msg);
				return LLMK_E_NOMEM;
			}
		}
		copy = json_copy(root);
		if (!copy || llmk__json_set(copy, "error", json_string(msg.data ? msg.data : ""))) {
			json_decref(copy);
			llmk__buf_free(&msg);
			return LLMK_E_NOMEM;
		}
		st = llmk__error_from_json(resp, http, copy);
		json_decref(copy);
		llmk__buf_free(&msg);
	} else {
		st = llmk__error_from_json(resp, http, root);
	}
	typed = status_from_type(http, resp->error_type, resp->error);
	if (typed)
		st = typed;
	if (json_is_number(eta)) {
		/* The model is being loaded: worth retrying after that long. A
		 * Retry-After header, when present, was read first and wins. */
		st = LLMK_E_OVERLOADED;
		if (resp->retry_after_ms < 0 && json_number_value(eta) >= 0 && json_number_value(eta) < 1e9)
			resp->retry_after_ms = (int64_t)(json_number_value(eta) * 1000.0);
	}
	return st;
}

static llmk_status hf_parse_error(llmk_response *resp, int32_t http, const char *body, size_t len)
{
	return llmk__read_error(resp, http, body, len, error_from_root);
}

/* An error object where an answer was expected (HTTP 200). */
static llmk_status fail_in_body(const llmk_client *c, llmk_response *resp, json_t *root)
{
	llmk_status st = error_from_root(resp, 200, root);
	char *m = resp->error;

	if (st == LLMK_E_NOMEM)
		return llmk__fail(resp, st, "out of memory reading an error");
	resp->error = NULL;
	llmk__fail(resp, st, "%s: provider returned an error: %s", c->provider->name, m && *m ? m : "(no message)");
	llmk__free(m);
	return st;
}

/* ---- building ------------------------------------------------------------- */

/* "/hf-inference/models/{model}" + suffix; each path segment of the model id
 * ("org/name") is escaped on its own so the slash stays a separator. */
static llmk_status set_task_url(const llmk_client *c, const char *model, const char *suffix, llmk_exchange *ex,
                                llmk_response *resp)
{
	llmk__buf p = LLMK__BUF_INIT;
	const char *s = model, *slash;
	llmk_status st = LLMK_OK;

	if (llmk__buf_append_str(&p, "/hf-inference/models"))
		st = LLMK_E_NOMEM;
	while (st == LLMK_OK && *s) {
		slash = strchr(s, '/');
		st = llmk__path_segment(&p, "huggingface model id", s, slash ? (size_t)(slash - s) : strlen(s), resp);
		s = slash ? slash + 1 : s + strlen(s);
	}
	if (st == LLMK_OK && (llmk__buf_append_str(&p, suffix) || llmk__exchange_set_url(ex, c->base_url, p.data)))
		st = LLMK_E_NOMEM;
	llmk__buf_free(&p);
	return st;
}

/* TGI's Messages API differs from OpenAI's in three request members (TGI
 * OpenAPI spec 3.3.6): response_format is a grammar, {"type": "json",
 * "value": <schema>}, and OpenAI's forms (no "value") are rejected; a tool's
 * schema is FunctionDefinition.arguments, not "parameters", and a named
 * tool_choice is {"function": {"name"}} without "type"; a message has
 * content or tool calls, not both (below). tgi_edit() rewrites the tree the
 * OpenAI adapter built; a TGI-shaped value from extra JSON is kept. */
static int tgi_grammar(json_t *body)
{
	json_t *rf = json_object_get(body, "response_format"), *schema, *grammar = NULL;
	const char *type = json_string_value(json_object_get(rf, "type"));

	if (!json_is_object(rf) || json_object_get(rf, "value") || !type)
		return 0;
	if (!strcmp(type, "json_schema")) {
		schema = json_object_get(json_object_get(rf, "json_schema"), "schema");
		grammar = json_pack("{s:s, s:O}", "type", "json", "value", schema ? schema : json_object());
	} else if (!strcmp(type, "json_object")) {
		grammar = json_pack("{s:s, s:{s:s}}", "type", "json", "value", "type", "object");
	}
	if (grammar)
		return json_object_set_new(body, "response_format", grammar);
	return json_object_del(body, "response_format"); /* "text": the default */
}

static int tgi_tool_arguments(json_t *body)
{
	json_t *tool, *fn, *params, *choice = json_object_get(body, "tool_choice");
	size_t i;

	/* A named choice is {"function": {"name"}}: ToolChoice has no "type". */
	if (json_is_object(choice) && json_object_get(choice, "type") && json_object_del(choice, "type"))
		return -1;
	json_array_foreach(json_object_get(body, "tools"), i, tool)
	{
		fn = json_object_get(tool, "function");
		params = json_object_get(fn, "parameters");
		if (!params || json_object_get(fn, "arguments"))
			continue;
		if (json_object_set(fn, "arguments", params) || json_object_del(fn, "parameters"))
			return -1;
	}
	return 0;
}

/* TGI's MessageBody is exactly one of {content} or {tool_calls} (an
 * untagged enum server-side: with both, the calls would be dropped), so an
 * assistant turn that calls tools goes without its text. Its Message has
 * no tool_call_id either (role, name and the body only): a tool result is
 * matched to its call by position, as TGI's chat templates do. */
static int tgi_tool_call_messages(json_t *body)
{
	json_t *msg;
	size_t i;

	json_array_foreach(json_object_get(body, "messages"), i, msg)
	{
		if (json_array_size(json_object_get(msg, "tool_calls")) && json_object_get(msg, "content") &&
		    json_object_del(msg, "content"))
			return -1;
		if (json_object_get(msg, "tool_call_id") && json_object_del(msg, "tool_call_id"))
			return -1;
	}
	return 0;
}

static int tgi_edit(json_t *body)
{
	return tgi_grammar(body) || tgi_tool_arguments(body) || tgi_tool_call_messages(body) ? -1 : 0;
}

static llmk_status build_chat(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                              llmk_exchange *ex, llmk_response *resp)
{
	size_t bl = strlen(c->base_url);
	llmk_status st;

	if ((st = llmk__openai_build(c, r, model, stream, ex, resp,
	                             (c->provider->quirks & LLMK_Q_TGI) ? tgi_edit : NULL)))
		return st;
	/* The OpenAI adapter appends /chat/completions to the base URL; ours
	 * is the server root (a base already ending in /v1 is accepted too). */
	if (llmk__exchange_set_url(ex, c->base_url,
	                           bl >= 3 && !strcmp(c->base_url + bl - 3, "/v1") ? "/chat/completions"
	                                                                           : "/v1/chat/completions"))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

static llmk_status build_embed(const llmk_client *c, const llmk_request *r, const char *model, llmk_exchange *ex,
                               llmk_response *resp)
{
	int tei = (c->provider->quirks & LLMK_Q_TEI) != 0;
	json_t *body;
	llmk_status st;

	if (!r->ninputs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "%s: embed request has no inputs (llmk_request_add_input)",
		                  c->provider->name);
	st = tei ? llmk__exchange_set_url(ex, c->base_url, "/embed")
	         : set_task_url(c, model, "/pipeline/feature-extraction", ex, resp);
	if (st || llmk__key_headers(c, ex, "Authorization", "Bearer ") || !(body = json_object()))
		return FAIL_OOM(resp);
	/* TEI's defaults, spelled out: unit vectors, and an error rather than
	 * a silently cut input. */
	if (llmk__json_set_strings(body, "inputs", r->inputs, r->ninputs) ||
	    (tei && (llmk__json_set(body, "normalize", json_true()) || llmk__json_set(body, "truncate", json_false()))))
		st = FAIL_OOM(resp);
	return llmk__finish_body(ex, r, body, st, NULL, NULL, resp);
}

/* "1024x768" -> width 1024, height 768. */
static llmk_status image_size(const llmk_client *c, const char *size, json_t *params, llmk_response *resp)
{
	char *end;
	long w, h;

	w = strtol(size, &end, 10);
	if (end == size || (*end != 'x' && *end != 'X'))
		goto bad;
	h = strtol(end + 1, &end, 10);
	if (*end || w <= 0 || h <= 0 || w > 65536 || h > 65536)
		goto bad;
	if (llmk__json_set(params, "width", json_integer(w)) || llmk__json_set(params, "height", json_integer(h)))
		return FAIL_OOM(resp);
	return LLMK_OK;
bad:
	return llmk__fail(resp, LLMK_E_INVALID_ARG, "%s: image_size '%s' is not WIDTHxHEIGHT", c->provider->name, size);
}

static llmk_status build_image(const llmk_client *c, const llmk_request *r, const char *model, llmk_exchange *ex,
                               llmk_response *resp)
{
	const char *prompt = llmk__req_str(r, LLMK_OPT_PROMPT), *size = llmk__req_str(r, LLMK_OPT_IMAGE_SIZE);
	json_t *body, *params = NULL;
	llmk_status st;

	if (!prompt || !*prompt)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "%s: image request has no prompt (LLMK_OPT_PROMPT)",
		                  c->provider->name);
	if (set_task_url(c, model, "", ex, resp) || llmk__key_headers(c, ex, "Authorization", "Bearer ") ||
	    !(body = json_pack("{s:s}", "inputs", prompt)))
		return FAIL_OOM(resp);
	st = LLMK_OK;
	if (size) {
		params = json_object();
		if (!params || json_object_set_new(body, "parameters", params))
			st = FAIL_OOM(resp);
		else
			st = image_size(c, size, params, resp);
	}
	/* hf-inference answers with the image itself; ask for PNG. */
	return llmk__finish_body(ex, r, body, st, NULL, "image/png", resp);
}

static llmk_status build_transcribe(const llmk_client *c, const llmk_request *r, const char *model, llmk_exchange *ex,
                                    llmk_response *resp)
{
	if (!r->audio || !r->audio_len)
		return llmk__fail(resp, LLMK_E_INVALID_ARG,
		                  "%s: transcribe request has no audio (llmk_request_set_audio)", c->provider->name);
	if (set_task_url(c, model, "", ex, resp) || llmk__key_headers(c, ex, "Authorization", "Bearer ") ||
	    llmk__exchange_header(ex, "Content-Type", r->audio_mime ? r->audio_mime : "application/octet-stream") ||
	    llmk__exchange_header(ex, "Accept", "application/json") ||
	    llmk__buf_append(&ex->body, r->audio, r->audio_len))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

static llmk_status hf_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                            llmk_exchange *ex, llmk_response *resp)
{
	unsigned q = c->provider->quirks;

	switch (r->kind) {
	case LLMK_CHAT:
		if (!(q & LLMK_Q_TEI))
			return build_chat(c, r, model, stream, ex, resp);
		break;
	case LLMK_EMBED:
		if (!(q & LLMK_Q_TGI))
			return build_embed(c, r, model, ex, resp);
		break;
	case LLMK_IMAGE:
		if (!(q & (LLMK_Q_TGI | LLMK_Q_TEI)))
			return build_image(c, r, model, ex, resp);
		break;
	case LLMK_TRANSCRIBE:
		if (!(q & (LLMK_Q_TGI | LLMK_Q_TEI)))
			return build_transcribe(c, r, model, ex, resp);
		break;
	case LLMK_RERANK:
		if (q & LLMK_Q_TEI)
			return llmk__rerank_build(LLMK_RERANK_TEI, c, r, model, ex, resp);
		break;
	default: break;
	}
	return llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s does not serve this request kind", c->provider->name);
}

/* ---- parsing ---------------------------------------------------------------- */

static llmk_status parse_chat(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *ctype,
                              const char *body, size_t len)
{
	json_t *root, *err;
	llmk_status st;

	/* {"error": "...", "error_type": "..."} under 200: map TGI's types
	 * before the OpenAI reader's generic mapping sees it. */
	if (has_bytes(body, len, "\"error\"")) {
		root = llmk__json_loadb(body, len, 0, NULL);
		err = json_object_get(root, "error");
		if (json_is_object(root) && !json_object_get(root, "choices") &&
		    (json_is_string(err) || json_is_array(err))) {
			st = fail_in_body(c, resp, root);
			json_decref(root);
			return st;
		}
		json_decref(root);
	}
	return llmk__openai_adapter.parse(c, r, resp, ctype, body, len);
}

/* 2-level [[...], ...] arrays, one row per input; a flat [...] for a single
 * input is accepted. 3-level arrays are per-token vectors of a model without
 * pooling: refused, since mean vs CLS pooling depends on how the model was
 * trained and a wrong guess gives plausible-looking but useless vectors. */
static llmk_status parse_embed(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *body,
                               size_t len)
{
	const char *what = (c->provider->quirks & LLMK_Q_TEI) ? "/embed response" : "feature-extraction response";
	json_error_t jerr;
	json_t *root = llmk__json_loadb(body, len, LLMK_JSON_PACK_REALS, &jerr), *first, *one[1];
	size_t n;
	llmk_status st;

	if (!root)
		return llmk__fail(resp, llmk__json_error_too_large(&jerr) ? LLMK_E_TOO_LARGE : LLMK_E_PROTOCOL,
		                  "%s: %s is not valid JSON: %s at byte %d", c->provider->name, what, jerr.text,
		                  jerr.position);
	if (json_is_object(root) && json_object_get(root, "error")) {
		st = fail_in_body(c, resp, root);
		goto out;
	}
	if (llmk__json_packed(root, &n)) { /* one vector, packed */
		one[0] = root;
		st = llmk__embeddings_from_rows(resp, one, 1, r->ninputs, what);
		goto out;
	}
	if (!json_is_array(root) || !json_array_size(root)) {
		st = llmk__fail(resp, LLMK_E_PROTOCOL, "%s: %s is not an array of vectors", c->provider->name, what);
		goto out;
	}
	first = json_array_get(root, 0);
	if (json_is_number(first)) {
		one[0] = root;
		st = llmk__embeddings_from_rows(resp, one, 1, r->ninputs, what);
		goto out;
	}
	if (json_is_array(first) && llmk__json_vector_len(json_array_get(first, 0))) {
		st = llmk__fail(resp, LLMK_E_PROTOCOL,
		                "%s: %s holds one vector per token (3-level array): the model has no pooling; "
		                "use a sentence-embedding model (e.g. sentence-transformers/...)",
		                c->provider->name, what);
		goto out;
	}
	st = llmk__embeddings_from_array(resp, root, NULL, r->ninputs, what);
out:
	json_decref(root);
	return st;
}

static int is_json_type(const char *ctype)
{
	return ctype &&
	       (!strncasecmp(ctype, "application/json", 16) || !strncasecmp(ctype, "application/problem+json", 24));
}

static llmk_status parse_image(const llmk_client *c, llmk_response *resp, const char *ctype, const char *body,
                               size_t len)
{
	json_t *root;
	llmk_status st;

	if (is_json_type(ctype) || (len && body[0] == '{')) {
		root = llmk__json_loadb(body, len, 0, NULL);
		if (json_is_object(root) && json_object_get(root, "error"))
			st = fail_in_body(c, resp, root);
		else
			st = llmk__fail(resp, LLMK_E_PROTOCOL, "%s: text-to-image answered with JSON, not an image",
			                c->provider->name);
		json_decref(root);
		return st;
	}
	if (!len)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: text-to-image response has no image", c->provider->name);
	if (ctype && strncasecmp(ctype, "image/", 6) && strncasecmp(ctype, "application/octet-stream", 24))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: text-to-image answered with %s, not an image",
		                  c->provider->name, ctype);
	resp->images = llmk__calloc(1, sizeof(*resp->images));
	if (!resp->images || !(resp->images[0].data = llmk__malloc(len)))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory storing the image");
	resp->nimages = 1;
	memcpy(resp->images[0].data, body, len);
	resp->images[0].len = len;
	return LLMK_OK;
}

/* {"text": "...", "chunks": [{"text": "...", "timestamp": [start, end]}]};
 * the last chunk's end may be null (-1 then). */
static llmk_status parse_transcript(const llmk_client *c, llmk_response *resp, const char *body, size_t len)
{
	json_t *root = llmk__json_object(body, len, resp, "transcription response"), *text, *chunks, *ch, *ts;
	llmk__segment *seg;
	const char *t;
	llmk_status st = LLMK_OK;
	size_t i, n;

	if (!root)
		return resp->status;
	if (json_object_get(root, "error")) {
		st = fail_in_body(c, resp, root);
		goto out;
	}
	text = json_object_get(root, "text");
	if (!json_is_string(text)) {
		st = llmk__fail(resp, LLMK_E_PROTOCOL, "%s: transcription response has no text", c->provider->name);
		goto out;
	}
	if (llmk__buf_append(&resp->text, json_string_value(text), json_string_length(text)))
		goto oom;
	chunks = json_object_get(root, "chunks");
	if (!json_is_array(chunks) || !(n = json_array_size(chunks)))
		goto out;
	if ((st = llmk__count_check(resp, "segments", n, LLMK_MAX_SEGMENTS)))
		goto out;
	if (!(resp->segments = llmk__calloc(n, sizeof(*resp->segments))))
		goto oom;
	json_array_foreach(chunks, i, ch)
	{
		seg = &resp->segments[resp->nsegments];
		ts = json_object_get(ch, "timestamp");
		seg->start = json_is_number(json_array_get(ts, 0)) ? json_number_value(json_array_get(ts, 0)) : -1;
		seg->end = json_is_number(json_array_get(ts, 1)) ? json_number_value(json_array_get(ts, 1)) : -1;
		t = json_string_value(json_object_get(ch, "text"));
		if (!(seg->text = llmk__strdup(t ? t : "")))
			goto oom;
		resp->nsegments++;
	}
	goto out;
oom:
	st = llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading the transcription");
out:
	json_decref(root);
	return st;
}

static llmk_status hf_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *ctype,
                            const char *body, size_t len)
{
	if (r->kind == LLMK_RERANK)
		return llmk__rerank_parse(r, resp, body, len);
	switch (r->kind) {
	case LLMK_CHAT: return parse_chat(c, r, resp, ctype, body, len);
	case LLMK_EMBED: return parse_embed(c, r, resp, body, len);
	case LLMK_IMAGE: return parse_image(c, resp, ctype, body, len);
	default: return parse_transcript(c, resp, body, len);
	}
}

/* ---- streaming ------------------------------------------------------------ */

/* TGI reports failures inside a 200 stream as
 * data:{"error":"...","error_type":"generation"}; map its type here, the
 * rest is OpenAI chunks. */
static llmk_status hf_stream_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	json_t *root, *err;
	llmk_status st;

	if (!s->done && has_bytes(data, len, "\"error\"")) {
		root = llmk__json_loadb(data, len, 0, NULL);
		err = json_object_get(root, "error");
		if (json_is_object(root) && !json_object_get(root, "choices") &&
		    (json_is_string(err) || json_is_array(err))) {
			st = llmk__stream_failure(s->resp, error_from_root(s->resp, 200, root));
			json_decref(root);
			return st;
		}
		json_decref(root);
	}
	return llmk__openai_adapter.stream_event(s, event, data, len);
}

const llmk__adapter llmk__huggingface_adapter = {.build = hf_build,
                                                 .parse = hf_parse,
                                                 .parse_error = hf_parse_error,
                                                 .stream_event = hf_stream_event,
                                                 .framing = LLMK_FRAMING_SSE,
                                                 .feature = LLMK_FEATURE_HUGGINGFACE};
