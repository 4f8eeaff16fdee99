/* Google Gemini, Generative Language API v1beta:
 *   chat   POST {base}/models/{model}:generateContent
 *          POST {base}/models/{model}:streamGenerateContent?alt=sse
 *   embed  POST {base}/models/{model}:embedContent (one input)
 *          POST {base}/models/{model}:batchEmbedContents (several)
 *   image  POST {base}/models/{model}:generateContent with
 *          generationConfig.responseModalities ["TEXT", "IMAGE"]
 * The key goes in x-goog-api-key, never in the URL (?key= would end up in
 * proxy logs and error messages).
 *
 * References: shared/data/specs/gemini-openapi.json (GenerateContentRequest,
 * GenerateContentResponse, EmbedContentRequest, BatchEmbedContentsRequest,
 * FunctionCallingConfig) and the ai.google.dev API reference for the fields
 * that spec predates (seed, thinkingConfig, responseJsonSchema,
 * responseModalities, thoughtsTokenCount, part.thought).
 *
 * Over 700 lines as one cohesive thing: one wire format, with the rewrite
 * of JSON Schema into Gemini's Schema (schema_types) inside it. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "multipart.h"
#include "toolkit.h"
#include "wire_kinds.h"

#define NAME "gemini"
/* BatchEmbedContentsRequest.requests: "at most 100 requests can be in one batch". */
#define MAX_BATCH 100

/* ---- building: conversation ----------------------------------------------- */

/* Appends parts under role, merging into the previous content when it has
 * the same role: Gemini wants user and model turns to alternate. Steals
 * parts. */
static int add_content(json_t *contents, const char *role, json_t *parts)
{
	size_t n = json_array_size(contents);
	json_t *last = n ? json_array_get(contents, n - 1) : NULL;
	const char *lr = json_string_value(json_object_get(last, "role"));
	int bad;

	if (!parts)
		return -1;
	if (!json_array_size(parts)) { /* an empty parts array is rejected */
		json_decref(parts);
		return 0;
	}
	if (lr && !strcmp(lr, role)) {
		bad = json_array_extend(json_object_get(last, "parts"), parts);
		json_decref(parts);
		return bad;
	}
	return json_array_append_new(contents, json_pack("{s:s, s:o}", "role", role, "parts", parts));
}

static json_t *image_part(const llmk__part *p, llmk_response *resp)
{
	const char *mime, *b64;
	size_t mlen;
	json_t *part;

	/* http(s) URLs never get here: the row lacks LLMK_CAP_IMAGE_URL. */
	if (!llmk__data_url_split(p->text, &mime, &mlen, &b64)) {
		llmk__fail(resp, LLMK_E_INVALID_ARG, NAME ": images must be base64 data: URLs (inlineData)");
		return NULL;
	}
	if (!(part = json_pack("{s:{s:s%, s:s}}", "inlineData", "mimeType", mime, mlen, "data", b64)))
		FAIL_OOM(resp);
	return part;
}

/* A thought summary of an earlier answer goes back only with its
 * signature (an unsigned one is nothing the model reads); the signature
 * itself is put on by llmk__append_parts (signature_key). */
static json_t *thought_part(const llmk__part *p, llmk_response *resp)
{
	json_t *part;

	if (p->wire != LLMK_FEATURE_GEMINI || !p->opaque || !*p->opaque)
		return NULL;
	if (!(part = json_pack("{s:s, s:b}", "text", p->text, "thought", 1)))
		FAIL_OOM(resp);
	return part;
}

/* An earlier answer's thoughtSignature goes back on the part it came with
 * (llmk_request_add_response()); documents go as inlineData, any MIME. */
static const llmk__part_shape part_shape = {
        .text = "{\"text\":\"$text\"}",
        .tool_call = "{\"functionCall\":{\"name\":\"$name\",\"args\":\"$input\"}}",
        .image = image_part,
        .document = image_part,
        .reasoning = thought_part,
        .signature_key = "thoughtSignature",
        .wire = LLMK_FEATURE_GEMINI,
};

/* Parts of a user, assistant or system message. */
static llmk_status message_parts(const llmk__message *m, json_t **out, llmk_response *resp)
{
	json_t *parts = json_array();
	llmk_status st;

	if (!parts)
		return FAIL_OOM(resp);
	if ((st = llmk__append_parts(parts, m, &part_shape, NAME, resp))) {
		json_decref(parts);
		return st;
	}
	*out = parts;
	return LLMK_OK;
}

static llmk_status tool_result_parts(const llmk_request *r, size_t i, json_t **out, llmk_response *resp)
{
	const llmk__message *m = &r->msgs[i];
	/* Gemini matches a functionResponse to its call by function name. */
	const char *name = llmk__tool_call_name(r, i, m->tool_call_id);
	llmk__buf text = LLMK__BUF_INIT;
	json_t *response;

	if (!name)
		return llmk__fail(resp, LLMK_E_INVALID_ARG,
		                  NAME ": tool result for call '%s' has no earlier assistant tool call with that id",
		                  m->tool_call_id);
	if (llmk__message_text(m, &text)) {
		llmk__buf_free(&text);
		return FAIL_OOM(resp);
	}
	/* FunctionResponse.response is a Struct: a result that is not a JSON
	 * object travels as {"result": "<text>"}. */
	response = llmk__json_loadb(text.data, text.len, 0, NULL);
	if (!json_is_object(response)) {
		json_decref(response);
		response = json_pack("{s:s%}", "result", text.data, text.len);
	}
	llmk__buf_free(&text);
	*out = response ? json_pack("[{s:{s:s, s:o}}]", "functionResponse", "name", name, "response", response) : NULL;
	return *out ? LLMK_OK : FAIL_OOM(resp);
}

/* Gemini 3 rejects a model turn whose first functionCall part lacks the
 * thoughtSignature it was sent with ("Function call is missing a
 * thought_signature"). Calls added by llmk_request_add_response() carry
 * the real one; the caller's own tool calls carry none, so use the value
 * Google documents for calls it did not sign
 * (ai.google.dev/gemini-api/docs/thought-signatures), which it says may
 * degrade answers. Older models do not check, and get nothing. */
static int sign_calls(const char *model, json_t *contents)
{
	json_t *c, *part;
	size_t i, j;

	if (!strstr(model, "gemini-3"))
		return 0;
	json_array_foreach(contents, i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "role")), "model"))
			continue;
		json_array_foreach(json_object_get(c, "parts"), j, part)
		{
			if (!json_object_get(part, "functionCall"))
				continue;
			if (!json_object_get(part, "thoughtSignature") &&
			    llmk__json_set(part, "thoughtSignature", json_string("skip_thought_signature_validator")))
				return -1;
			break;
		}
	}
	return 0;
}

static llmk_status build_contents(const llmk_request *r, const char *model, json_t *body, llmk_response *resp)
{
	json_t *contents = json_array(), *system = json_array(), *parts;
	llmk_status st = LLMK_OK;
	size_t i;

	if (!contents || !system) {
		json_decref(contents);
		json_decref(system);
		return FAIL_OOM(resp);
	}
	if (json_object_set_new(body, "contents", contents)) { /* steals contents either way */
		json_decref(system);
		return FAIL_OOM(resp);
	}
	for (i = 0; i < r->nmsgs && st == LLMK_OK; i++) {
		const llmk__message *m = &r->msgs[i];
		parts = NULL;
		if (m->role == LLMK_ROLE_TOOL)
			st = tool_result_parts(r, i, &parts, resp);
		else
			st = message_parts(m, &parts, resp);
		if (st != LLMK_OK)
			break;
		if (m->role == LLMK_ROLE_SYSTEM || m->role == LLMK_ROLE_DEVELOPER) {
			if (json_array_extend(system, parts))
				st = FAIL_OOM(resp);
			json_decref(parts);
		} else if (add_content(contents, m->role == LLMK_ROLE_ASSISTANT ? "model" : "user", parts)) {
			st = FAIL_OOM(resp);
		}
	}
	if (st == LLMK_OK && json_array_size(system) &&
	    llmk__json_set(body, "systemInstruction", json_pack("{s:O}", "parts", system)))
		st = FAIL_OOM(resp);
	json_decref(system);
	if (st == LLMK_OK && !json_array_size(contents))
		st = llmk__fail(resp, LLMK_E_INVALID_ARG, NAME ": chat request has no user or assistant messages");
	if (st == LLMK_OK && sign_calls(model, contents))
		st = FAIL_OOM(resp);
	return st;
}

/* ---- building: tools and generation config -------------------------------- */

/* An object schema without properties is rejected ("properties: should be
 * non-empty for OBJECT type"): a function without parameters omits them. */
static int empty_object_schema(json_t *p)
{
	json_t *props = json_object_get(p, "properties");
	const char *type = json_string_value(json_object_get(p, "type"));

	return json_is_object(p) && (!type || !strcmp(type, "object")) && (!props || !json_object_size(props)) &&
	       json_object_size(p) <= 2;
}

static json_t *upper_type(const char *t)
{
	char buf[32];
	size_t i;

	for (i = 0; t[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (t[i] >= 'a' && t[i] <= 'z') ? (char)(t[i] - 'a' + 'A') : t[i];
	buf[i] = '\0';
	return json_string(buf);
}

/* Members of Gemini's Schema (the v1beta API reference; the bundled spec
 * lists the first ten). The API rejects any other member, so JSON Schema
 * keywords it lacks (additionalProperties, $schema, $ref, oneOf, const, ...)
 * are left out; their constraint then lives only in the description. */
static int gemini_schema_member(const char *k)
{
	static const char *const ok[] = {
	        "type",     "format",           "description",   "nullable",     "enum",    "items",
	        "maxItems", "minItems",         "properties",    "required",     "title",   "minimum",
	        "maximum",  "minLength",        "maxLength",     "pattern",      "example", "anyOf",
	        "default",  "propertyOrdering", "minProperties", "maxProperties"};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(k, ok[i]))
			return 1;
	return 0;
}

/* FunctionDeclaration.parameters is the spec's Schema (an OpenAPI subset)
 * whose Type enum is upper case (OBJECT, STRING, ...): rewrite the JSON
 * Schema types in place, ["string", "null"] as STRING + nullable, and drop
 * members Gemini's Schema does not have. Only schema positions are
 * visited, so a property named "type" is left alone. */
static int schema_types(json_t *s, int depth)
{
	json_t *t, *v, *one = NULL;
	const char *k;
	void *tmp;
	size_t i, n = 0, nulls = 0;

	if (!json_is_object(s) || depth > 64)
		return 0;
	json_object_foreach_safe(s, tmp, k, v)
	{
		if (!gemini_schema_member(k))
			json_object_del(s, k);
	}
	t = json_object_get(s, "type");
	if (json_is_string(t)) {
		if (json_object_set_new(s, "type", upper_type(json_string_value(t))))
			return -1;
	} else if (json_is_array(t)) {
		json_array_foreach(t, i, v)
		{
			if (json_is_string(v) && !strcmp(json_string_value(v), "null"))
				nulls++;
			else if (json_is_string(v) && !n++)
				one = v;
		}
		/* set nullable first: replacing "type" frees the array `one` is in */
		if (n == 1 && ((nulls && json_object_set_new(s, "nullable", json_true())) ||
		               json_object_set_new(s, "type", upper_type(json_string_value(one)))))
			return -1;
	}
	json_object_foreach(json_object_get(s, "properties"), k, v)
	{
		if (schema_types(v, depth + 1))
			return -1;
	}
	if (schema_types(json_object_get(s, "items"), depth + 1))
		return -1;
	json_array_foreach(json_object_get(s, "anyOf"), i, v)
	{
		if (schema_types(v, depth + 1))
			return -1;
	}
	return 0;
}

static int wire_schema(json_t **schema)
{
	if (!empty_object_schema(*schema))
		return schema_types(*schema, 0);
	json_decref(*schema);
	*schema = NULL;
	return 0;
}

/* A tool without parameters, or with an empty object schema, has none. */
static const llmk__tool_shape tool_shape = {
        .decl = "{\"name\":\"$name\",\"description\":\"$description\",\"parameters\":\"$schema\"}",
        .schema = wire_schema,
};
static const llmk__choice choices[] = {
        {"auto", "{\"functionCallingConfig\":{\"mode\":\"AUTO\"}}"},
        {"none", "{\"functionCallingConfig\":{\"mode\":\"NONE\"}}"},
        {"required", "{\"functionCallingConfig\":{\"mode\":\"ANY\"}}"},
        {"$tool", "{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"$name\"]}}"},
        {NULL, NULL}};

/* tools: [{"functionDeclarations": [...]}], then toolConfig. */
static llmk_status build_tools(const llmk_request *r, json_t *body, llmk_response *resp)
{
	json_t *tools;
	llmk_status st;

	if (r->ntools) {
		if (!(tools = llmk__json_set_array(body, "tools")) || json_array_append_new(tools, json_object()))
			return FAIL_OOM(resp);
		if ((st = llmk__tool_decls(r, &tool_shape, json_array_get(tools, 0), "functionDeclarations", resp)))
			return st;
	}
	return llmk__set_tool_choice(r, choices, body, "toolConfig", NAME, resp);
}

static llmk_status build_generation_config(const llmk_request *r, json_t *body, llmk_response *resp)
{
	static const llmk__opt_key sampling[] = {{LLMK_OPT_TEMPERATURE, "temperature"},
	                                         {LLMK_OPT_TOP_P, "topP"},
	                                         {LLMK_OPT_TOP_K, "topK"},
	                                         {LLMK_OPT_MAX_TOKENS, "maxOutputTokens"},
	                                         {LLMK_OPT_SEED, "seed"},
	                                         {LLMK_OPT_PRESENCE_PENALTY, "presencePenalty"},
	                                         {LLMK_OPT_FREQUENCY_PENALTY, "frequencyPenalty"},
	                                         {0, NULL}};
	const char *schema = llmk__req_str(r, LLMK_OPT_JSON_SCHEMA);
	const char *fmt = llmk__req_str(r, LLMK_OPT_RESPONSE_FORMAT);
	json_t *cfg = json_object();
	const char *effort;
	int64_t budget;

	if (!cfg || json_object_set_new(body, "generationConfig", cfg) || llmk__put_opts(cfg, r, sampling) ||
	    llmk__put_stops(cfg, "stopSequences", r))
		return FAIL_OOM(resp);
	/* responseJsonSchema takes standard JSON Schema; responseSchema only
	 * the OpenAPI subset (uppercase types, no $ref/$defs). */
	if (schema || (fmt && !strcmp(fmt, "json_object"))) {
		if (llmk__json_set(cfg, "responseMimeType", json_string("application/json")))
			return FAIL_OOM(resp);
		if (schema && llmk__json_set(cfg, "responseJsonSchema", llmk__json_text(schema)))
			return FAIL_OOM(resp);
	}
	/* Gemini 3: reasoning_effort as thinkingLevel (minimal | low | medium |
	 * high | xhigh, which ones depending on the model), never together with
	 * a budget: the API refuses the pair. */
	if ((effort = llmk__req_str(r, LLMK_OPT_REASONING_EFFORT))) {
		if (llmk__req_i64(r, LLMK_OPT_REASONING_BUDGET, &budget))
			return llmk__fail(resp, LLMK_E_INVALID_ARG,
			                  NAME
			                  ": reasoning_effort (thinkingLevel) and reasoning_budget (thinkingBudget) "
			                  "cannot go together: set one");
		if (!strcmp(effort, "none") || !strcmp(effort, "max"))
			return llmk__fail(
			        resp, LLMK_E_INVALID_ARG,
			        NAME ": reasoning_effort '%s' has no thinkingLevel (minimal, low, medium, high, xhigh; "
			             "reasoning_budget 0 turns thinking off on 2.5 models)",
			        effort);
		if (llmk__json_set(cfg, "thinkingConfig",
		                   json_pack("{s:s, s:b}", "thinkingLevel", effort, "includeThoughts", 1)))
			return FAIL_OOM(resp);
	}
	/* includeThoughts: return thought summaries (parts with thought:true)
	 * so they surface as reasoning; budget 0 turns thinking off. */
	if (llmk__req_i64(r, LLMK_OPT_REASONING_BUDGET, &budget) &&
	    llmk__json_set(cfg, "thinkingConfig",
	                   budget ? json_pack("{s:I, s:b}", "thinkingBudget", (json_int_t)budget, "includeThoughts", 1)
	                          : json_pack("{s:I}", "thinkingBudget", (json_int_t)budget)))
		return FAIL_OOM(resp);
	if (!json_object_size(cfg))
		json_object_del(body, "generationConfig");
	return LLMK_OK;
}

/* ---- building: embed and image -------------------------------------------- */

static const char *task_type(const llmk_request *r)
{
	static const char *const map[][2] = {{"search_document", "RETRIEVAL_DOCUMENT"},
	                                     {"search_query", "RETRIEVAL_QUERY"},
	                                     {"classification", "CLASSIFICATION"},
	                                     {"clustering", "CLUSTERING"}};
	const char *v = llmk__req_str(r, LLMK_OPT_EMBED_INPUT_TYPE);
	size_t i;

	for (i = 0; v && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(v, map[i][0]))
			return map[i][1];
	return NULL; /* request.c admits only the values above */
}

/* One EmbedContentRequest; `model` only inside a batch. */
static json_t *embed_request(const llmk_request *r, const char *text, const char *model)
{
	static const llmk__opt_key opts[] = {{LLMK_OPT_DIMENSIONS, "outputDimensionality"}, {0, NULL}};
	const char *task = task_type(r);
	json_t *req = json_pack("{s:{s:[{s:s}]}}", "content", "parts", "text", text);

	if (!req)
		return NULL;
	if ((model && llmk__json_set(req, "model", json_pack("s+", "models/", model))) ||
	    (task && llmk__json_set(req, "taskType", json_string(task))) || llmk__put_opts(req, r, opts)) {
		json_decref(req);
		return NULL;
	}
	return req;
}

static llmk_status build_embed(const llmk_request *r, const char *model, json_t *body, llmk_response *resp)
{
	json_t *reqs, *one;
	size_t i;

	if (!r->ninputs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG,
		                  NAME ": embed request has no inputs (llmk_request_add_input)");
	if (r->ninputs > MAX_BATCH)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, NAME ": embed request has %zu inputs; at most %d are taken",
		                  r->ninputs, MAX_BATCH);
	if (r->ninputs == 1) {
		one = embed_request(r, r->inputs[0], NULL);
		if (!one || json_object_update(body, one)) {
			json_decref(one);
			return FAIL_OOM(resp);
		}
		json_decref(one);
		return LLMK_OK;
	}
	if (!(reqs = llmk__json_set_array(body, "requests")))
		return FAIL_OOM(resp);
	for (i = 0; i < r->ninputs; i++)
		if (json_array_append_new(reqs, embed_request(r, r->inputs[i], model)))
			return FAIL_OOM(resp);
	return LLMK_OK;
}

static llmk_status build_image(const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *prompt = llmk__req_str(r, LLMK_OPT_PROMPT);

	if (!prompt || !*prompt)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, NAME ": image request has no prompt (LLMK_OPT_PROMPT)");
	json_t *parts;
	size_t i;

	if (r->mask.data)
		return llmk__fail(resp, LLMK_E_INVALID_ARG,
		                  NAME ": image edits take no mask; say in the prompt what to change");
	/* candidateCount is refused by the image models ("Multiple candidates
	 * is not enabled"), so image_count is not in the row. */
	if (llmk__json_set(body, "contents",
	                   json_pack("[{s:s, s:[{s:s}]}]", "role", "user", "parts", "text", prompt)) ||
	    llmk__json_set(body, "generationConfig", json_pack("{s:[s, s]}", "responseModalities", "TEXT", "IMAGE")))
		return FAIL_OOM(resp);
	/* Editing is the same call with the images after the prompt (Gemini API
	 * docs, image generation: "Image editing (text-and-image-to-image)"). */
	parts = json_object_get(json_array_get(json_object_get(body, "contents"), 0), "parts");
	for (i = 0; i < r->nimages; i++) {
		char *url = llmk__data_url(r->images[i].mime, r->images[i].data, r->images[i].len);
		const char *b64 = url ? strchr(url, ',') : NULL;
		int bad = !b64 || json_array_append_new(parts, json_pack("{s:{s:s, s:s}}", "inlineData", "mimeType",
		                                                         r->images[i].mime, "data", b64 + 1));
		llmk__free(url);
		if (bad)
			return FAIL_OOM(resp);
	}
	return LLMK_OK;
}

/* ---- building: URL and headers -------------------------------------------- */

/* {base}/models/{model}{verb}; "models/gemini-x" and "gemini-x" both work. */
static llmk_status set_url(const llmk_client *c, const char *model, const char *verb, llmk_exchange *ex,
                           llmk_response *resp)
{
	llmk__buf p = LLMK__BUF_INIT;
	llmk_status st;

	if (!strncmp(model, "models/", 7))
		model += 7;
	if (llmk__buf_append_str(&p, "/models") || llmk__path_segment(&p, "gemini model", model, strlen(model), resp) ||
	    llmk__buf_append_str(&p, verb))
		st = LLMK_E_NOMEM;
	else
		st = llmk__exchange_set_url(ex, c->base_url, p.data);
	llmk__buf_free(&p);
	return st;
}

static const char *bare_model(const char *model)
{
	return strncmp(model, "models/", 7) ? model : model + 7;
}

static llmk_status gemini_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                llmk_exchange *ex, llmk_response *resp)
{
	const char *verb;
	json_t *body;
	llmk_status st;

	if (r->kind == LLMK__COUNT_TOKENS)
		return llmk__count_build(LLMK_COUNT_GEMINI, gemini_build, c, r, model, ex, resp);
	if (r->kind == LLMK_EMBED)
		verb = r->ninputs > 1 ? ":batchEmbedContents" : ":embedContent";
	else if (r->kind == LLMK_CHAT && stream)
		verb = ":streamGenerateContent?alt=sse";
	else
		verb = ":generateContent";
	if (set_url(c, model, verb, ex, resp) || llmk__key_headers(c, ex, "x-goog-api-key", NULL) ||
	    !(body = json_object()))
		return FAIL_OOM(resp);
	switch (r->kind) {
	case LLMK_CHAT:
		st = build_contents(r, bare_model(model), body, resp);
		if (st == LLMK_OK)
			st = build_tools(r, body, resp);
		if (st == LLMK_OK)
			st = build_generation_config(r, body, resp);
		break;
	case LLMK_EMBED: st = build_embed(r, bare_model(model), body, resp); break;
	case LLMK_IMAGE: st = build_image(r, body, resp); break;
	default: st = llmk__fail(resp, LLMK_E_UNSUPPORTED, NAME ": request kind %d is not served", (int)r->kind); break;
	}
	/* An explicit context cache (POST cachedContents made it). */
	if (st == LLMK_OK && llmk__req_str(r, LLMK_OPT_CACHED_CONTENT) &&
	    llmk__json_set(body, "cachedContent", json_string(llmk__req_str(r, LLMK_OPT_CACHED_CONTENT))))
		st = FAIL_OOM(resp);
	return llmk__finish_body(ex, r, body, st, NULL, stream ? "text/event-stream" : NULL, resp);
}

/* ---- parsing -------------------------------------------------------------- */

/* usageMetadata: candidatesTokenCount excludes thoughts (totalTokenCount =
 * prompt + toolUsePrompt + candidates + thoughts), so OUTPUT adds them back
 * and INPUT counts tool-use prompt tokens. Fields absent from this object
 * leave the counters as they were (stream chunks carry running totals). */
static void read_usage(json_t *u, llmk_response *resp)
{
	int64_t prompt = -1, tool = -1, cand = -1, thoughts = -1;

	if (!json_is_object(u))
		return;
	llmk__json_i64(u, "promptTokenCount", &prompt);
	llmk__json_i64(u, "toolUsePromptTokenCount", &tool);
	llmk__json_i64(u, "candidatesTokenCount", &cand);
	llmk__json_i64(u, "thoughtsTokenCount", &thoughts);
	if (prompt >= 0 || tool >= 0)
		resp->usage[LLMK_USAGE_INPUT] = (prompt > 0 ? prompt : 0) + (tool > 0 ? tool : 0);
	if (cand >= 0 || thoughts >= 0)
		resp->usage[LLMK_USAGE_OUTPUT] = (cand > 0 ? cand : 0) + (thoughts > 0 ? thoughts : 0);
	if (thoughts >= 0)
		resp->usage[LLMK_USAGE_REASONING] = thoughts;
	llmk__json_i64(u, "cachedContentTokenCount", &resp->usage[LLMK_USAGE_CACHED_INPUT]);
	llmk__json_i64(u, "totalTokenCount", &resp->usage[LLMK_USAGE_TOTAL]);
}

/* modelVersion and responseId (Gemini sends no request-id header). */
static llmk_status read_ids(llmk_response *resp, json_t *root)
{
	json_t *v = json_object_get(root, "modelVersion");

	if (json_is_string(v) && !resp->model && llmk__set_field(&resp->model, json_string_value(v)))
		return LLMK_E_NOMEM;
	v = json_object_get(root, "responseId");
	if (json_is_string(v) && !resp->request_id && llmk__set_field(&resp->request_id, json_string_value(v)))
		return LLMK_E_NOMEM;
	return LLMK_OK;
}

/* Gemini says STOP when it calls functions; the raw value is kept, the
 * enum tells the caller to run the tools. */
static llmk_status set_finish(llmk_response *resp, json_t *cand)
{
	return llmk__set_finish_calls(resp, json_object_get(cand, "finishReason"));
}

/* An answer without candidates: a blocked prompt, or garbage. */
static llmk_status no_candidates(json_t *root, llmk_response *resp)
{
	json_t *fb = json_object_get(root, "promptFeedback");
	const char *why = json_string_value(json_object_get(fb, "blockReason"));

	read_usage(json_object_get(root, "usageMetadata"), resp);
	if (why) {
		llmk__set_finish(resp, why);
		return llmk__fail(resp, LLMK_E_CONTENT_FILTERED, NAME ": the prompt was blocked (blockReason %s)", why);
	}
	return llmk__fail(resp, LLMK_E_PROTOCOL, NAME ": response has no candidates");
}

static llmk_status fill_call(llmk__tool_call *tc, json_t *fc)
{
	const char *name = json_string_value(json_object_get(fc, "name"));
	char gen[32];

	/* Gemini sends no ids (yet): one is made. */
	if (llmk__buf_append_str(&tc->id, llmk__call_id(json_object_get(fc, "id"), gen)) ||
	    llmk__buf_append_str(&tc->name, name ? name : ""))
		return LLMK_E_NOMEM;
	return llmk__json_append_args(&tc->args, json_object_get(fc, "args"));
}

/* Where a part goes in the turn (llmk_request_add_response()), recorded
 * before its text is appended: text, and thoughts, extend the current item
 * of their kind (a stream sends one part per chunk) until a part carrying
 * a thoughtSignature closes it, so the signature goes back on the part that
 * ends with the text it was made for. A call is an item of its own. */
static llmk_status turn_part(llmk_response *resp, json_t *part, int call, size_t index)
{
	json_t *sig = json_object_get(part, "thoughtSignature");
	int type = call                                             ? LLMK_PART_TOOL_CALL
	           : json_is_true(json_object_get(part, "thought")) ? LLMK_PART_REASONING
	                                                            : LLMK_PART_TEXT;
	llmk__turn_item *it = call ? NULL : llmk__turn_last(resp, type);

	if (!it || it->opaque.len)
		it = llmk__turn_add(resp, type, index);
	if (!it)
		return LLMK_E_NOMEM;
	return json_string_length(sig)
	               ? llmk__turn_set_opaque(resp, it, json_string_value(sig), json_string_length(sig))
	               : LLMK_OK;
}

static llmk_status parse_chat(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *cand = json_array_get(json_object_get(root, "candidates"), 0), *part, *v;
	llmk__tool_call *tc;
	size_t i;

	(void)r;
	if (!json_is_object(cand))
		return no_candidates(root, resp);
	json_array_foreach(json_object_get(json_object_get(cand, "content"), "parts"), i, part)
	{
		if ((json_is_string(json_object_get(part, "text")) ||
		     (!json_object_get(part, "functionCall") && json_object_get(part, "thoughtSignature"))) &&
		    turn_part(resp, part, 0, 0))
			return LLMK_E_NOMEM;
		if (llmk__json_append_str(json_is_true(json_object_get(part, "thought")) ? &resp->reasoning
		                                                                         : &resp->text,
		                          json_object_get(part, "text")))
			return LLMK_E_NOMEM;
		v = json_object_get(part, "functionCall");
		if (json_is_object(v)) {
			if (turn_part(resp, part, 1, resp->ncalls))
				return LLMK_E_NOMEM;
			if (!(tc = llmk__response_tool_call(resp, resp->ncalls)))
				return llmk__fail(resp, LLMK_E_PROTOCOL, NAME ": too many tool calls");
			if (fill_call(tc, v))
				return LLMK_E_NOMEM;
		}
	}
	if (set_finish(resp, cand))
		return LLMK_E_NOMEM;
	read_usage(json_object_get(root, "usageMetadata"), resp);
	return LLMK_OK;
}

static llmk_status parse_embed(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *list = json_object_get(root, "embeddings"), *one;

	if (r->ninputs <= 1) {
		one = json_object_get(json_object_get(root, "embedding"), "values");
		if (!llmk__json_vector_len(one))
			return llmk__fail(resp, LLMK_E_PROTOCOL, NAME ": embedding response has no embedding.values");
		return llmk__embeddings_from_rows(resp, &one, 1, r->ninputs, NAME " embedding response");
	}
	if (!json_is_array(list))
		return llmk__fail(resp, LLMK_E_PROTOCOL, NAME ": batch embedding response has no embeddings array");
	return llmk__embeddings_from_array(resp, list, "values", r->ninputs, NAME " batch embedding response");
}

static json_t *inline_image(json_t *part)
{
	json_t *d = json_object_get(part, "inlineData");
	const char *mime = json_string_value(json_object_get(d, "mimeType"));
	return mime && !strncmp(mime, "image/", 6) ? d : NULL;
}

static size_t count_images(json_t *cands)
{
	json_t *cand, *part;
	size_t i, j, n = 0;

	json_array_foreach(cands, i, cand)
	{
		json_array_foreach(json_object_get(json_object_get(cand, "content"), "parts"), j, part) n +=
		        inline_image(part) != NULL;
	}
	return n;
}

/* One part of an image answer: text goes to the response text, image data
 * into the next image slot. */
static llmk_status image_answer_part(json_t *part, llmk_response *resp)
{
	json_t *v = json_object_get(part, "text"), *d = inline_image(part);
	llmk__image *img;
	const char *b64;
	int bad = 0;

	if (!json_is_true(json_object_get(part, "thought")) && llmk__json_append_str(&resp->text, v))
		return LLMK_E_NOMEM;
	if (!d)
		return LLMK_OK;
	img = &resp->images[resp->nimages++];
	b64 = json_string_value(json_object_get(d, "data"));
	img->data = b64 ? llmk__b64_decode(b64, strlen(b64), &img->len, &bad) : NULL;
	if (img->data)
		return LLMK_OK;
	if (b64 && !bad)
		return LLMK_E_NOMEM;
	return llmk__fail(resp, LLMK_E_PROTOCOL, NAME ": image %zu: inlineData.data is not base64", resp->nimages - 1);
}

static llmk_status parse_image(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *cands = json_object_get(root, "candidates"), *cand, *part;
	size_t i, j, n = count_images(cands);
	llmk_status st;

	(void)r;
	if (!json_array_size(cands))
		return no_candidates(root, resp);
	read_usage(json_object_get(root, "usageMetadata"), resp);
	if (set_finish(resp, json_array_get(cands, 0)))
		return LLMK_E_NOMEM;
	if (llmk__count_check(resp, "images", n, LLMK_MAX_IMAGES))
		return resp->status;
	if (n && !(resp->images = llmk__calloc(n, sizeof(*resp->images))))
		return LLMK_E_NOMEM;
	json_array_foreach(cands, i, cand)
	{
		json_array_foreach(json_object_get(json_object_get(cand, "content"), "parts"), j,
		                   part) if ((st = image_answer_part(part, resp))) return st;
	}
	if (n)
		return LLMK_OK;
	if (resp->finish == LLMK_FINISH_CONTENT_FILTER)
		return llmk__fail(resp, LLMK_E_CONTENT_FILTERED,
		                  NAME ": no image: generation stopped (finishReason %s)", resp->finish_reason);
	return llmk__fail(resp, LLMK_E_PROTOCOL, NAME ": the answer has no image%s%.200s%s",
	                  resp->text.len ? " (the model said: " : "", resp->text.len ? resp->text.data : "",
	                  resp->text.len ? ")" : "");
}

static const llmk__readers readers = {
        .error_prefix = NAME ": error inside a 200 response: ",
        .first = read_ids,
        .kind = {[LLMK_CHAT] = parse_chat, [LLMK_EMBED] = parse_embed, [LLMK_IMAGE] = parse_image}};

static llmk_status gemini_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp,
                                const char *content_type, const char *body, size_t len)
{
	if (r->kind == LLMK__COUNT_TOKENS)
		return llmk__count_parse(r, resp, body, len);
	(void)c;
	/* Answers are JSON; none given is taken as JSON, another type is not the answer. */
	if (content_type && *content_type && !llmk__ctype_is(content_type, "application/json"))
		return llmk__fail(resp, LLMK_E_PROTOCOL,
		                  NAME ": expected application/json, received Content-Type %.100s", content_type);
	return llmk__read_json(&readers, r, resp, NAME " response body", body, len);
}

/* ---- errors --------------------------------------------------------------- */

/* google.rpc details: ErrorInfo.reason API_KEY_INVALID comes with HTTP 400
 * INVALID_ARGUMENT but is an authentication failure; RetryInfo.retryDelay
 * ("47s") says when to retry when no Retry-After header did. */
static llmk_status read_details(json_t *err, llmk_response *resp, llmk_status st)
{
	json_t *d;
	const char *reason, *delay;
	char *end;
	double secs;
	size_t i;

	json_array_foreach(json_object_get(err, "details"), i, d)
	{
		reason = json_string_value(json_object_get(d, "reason"));
		if (reason && !strcmp(reason, "API_KEY_INVALID"))
			st = LLMK_E_AUTH;
		delay = json_string_value(json_object_get(d, "retryDelay"));
		if (delay && resp->retry_after_ms < 0) {
			secs = strtod(delay, &end);
			if (end != delay && *end == 's' && secs >= 0 && secs < 1e9)
				resp->retry_after_ms = (int64_t)(secs * 1000.0);
		}
	}
	return st;
}

static llmk_status gemini_parse_error(llmk_response *resp, int32_t http, const char *body, size_t len)
{
	json_t *root = llmk__json_loadb(body, len, 0, NULL), *obj = root;
	llmk_status st;

	/* streamGenerateContent without alt=sse wraps errors in an array. */
	if (json_is_array(root))
		obj = json_array_get(root, 0);
	if (!json_is_object(obj)) {
		json_decref(root);
		return llmk__error_generic(resp, http, body, len);
	}
	st = llmk__error_from_json(resp, http, obj);
	st = read_details(json_object_get(obj, "error"), resp, st);
	json_decref(root);
	return st;
}

/* ---- streaming ------------------------------------------------------------ */

/* The stream state (a size_t) counts the tool calls seen so far
 * (functionCall parts arrive whole, one index each). */
static llmk_status stream_call(llmk__stream_ctx *s, json_t *fc)
{
	llmk__tool_call tmp;
	size_t index = (*(size_t *)s->state)++;
	int stop;

	memset(&tmp, 0, sizeof(tmp));
	if (fill_call(&tmp, fc)) {
		stop = 1;
		llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory");
	} else {
		stop = llmk__emit_tool(s, index, tmp.id.data, tmp.name.data, tmp.args.data ? tmp.args.data : "",
		                       tmp.args.len);
	}
	llmk__buf_free(&tmp.id);
	llmk__buf_free(&tmp.name);
	llmk__buf_free(&tmp.args);
	return stop ? llmk__stream_stopped(s) : LLMK_OK;
}

static llmk_status stream_candidate(llmk__stream_ctx *s, json_t *cand)
{
	json_t *part, *v, *fc;
	llmk_status st;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(cand, "content"), "parts"), i, part)
	{
		v = json_object_get(part, "text");
		fc = json_object_get(part, "functionCall");
		if ((json_is_string(v) || (!json_is_object(fc) && json_object_get(part, "thoughtSignature"))) &&
		    turn_part(s->resp, part, 0, 0))
			return llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory");
		if (json_is_object(fc) && turn_part(s->resp, part, 1, s->resp->ncalls))
			return llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory");
		if ((st = json_is_true(json_object_get(part, "thought")) ? llmk__emit_json_reasoning(s, v)
		                                                         : llmk__emit_json_text(s, v)) ||
		    (json_is_object(fc) && (st = stream_call(s, fc))))
			return st;
	}
	if (json_is_string(json_object_get(cand, "finishReason"))) {
		if (set_finish(s->resp, cand))
			return llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory");
		s->done = 1; /* no [DONE]: the finish reason is the end marker */
	}
	return LLMK_OK;
}

static llmk_status on_chunk(llmk__stream_ctx *s, json_t *root)
{
	llmk_response *resp = s->resp;
	json_t *cand = json_array_get(json_object_get(root, "candidates"), 0);
	llmk_status st;

	if (read_ids(resp, root))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	if (!json_is_object(cand) && json_object_get(json_object_get(root, "promptFeedback"), "blockReason"))
		return no_candidates(root, resp);
	if (json_is_object(cand) && (st = stream_candidate(s, cand)))
		return st;
	return llmk__stream_usage(s, json_object_get(root, "usageMetadata"), read_usage);
}

static llmk_status gemini_stream_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	(void)event;
	return llmk__json_stream_event(s, data, len, NAME ": stream chunk", on_chunk);
}

const llmk__adapter llmk__gemini_adapter = {.build = gemini_build,
                                            .parse = gemini_parse,
                                            .parse_error = gemini_parse_error,
                                            .stream_event = gemini_stream_event,
                                            .framing = LLMK_FRAMING_SSE,
                                            .feature = LLMK_FEATURE_GEMINI,
                                            .state_size = sizeof(size_t),
                                            .batch = &llmk__batch_gemini};
