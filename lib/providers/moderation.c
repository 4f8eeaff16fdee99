/* Moderation: texts (and, for OpenAI, images) in, a verdict per category
 * out.
 *
 * References: OpenAI POST /v1/moderations (data/specs/openai-openapi.json:
 * CreateModerationRequest {input: string | [string] | [{type: "text",
 * text} | {type: "image_url", image_url: {url}}], model} ->
 * CreateModerationResponse {id, model, results: [{flagged, categories,
 * category_scores, category_applied_input_types}]}); Mistral POST
 * /v1/moderations (data/specs/mistral-openapi.yaml: ClassificationRequest
 * {model, input: string | [string]}, additionalProperties false ->
 * ModerationResponse {id, model, results: [{categories, category_scores}]},
 * no overall flag: a result is flagged when a category is) and POST
 * /v1/chat/moderations (ChatModerationRequest {model, input: [messages]}:
 * a conversation, given with llmk_request_add_message(), judged as one).
 *
 * An array of texts gets one result per text; a multi-modal input (texts
 * and images as parts) or a conversation is judged as one, so it gets one
 * result. Whatever a
 * server sends, the response holds exactly that many results (another
 * count would leave a text without its verdict, or with another's), at
 * most LLMK_MAX_CATEGORIES categories each, every flag a boolean and every
 * score a finite number. */
#include <math.h>
#include <string.h>

#include "wire_kinds.h"

/* The request's image parts (llmk_request_add_image_url/_data on a
 * moderation request: one implicit user message). */
static size_t image_count(const llmk_request *r)
{
	size_t i, j, n = 0;

	for (i = 0; i < r->nmsgs; i++)
		for (j = 0; j < r->msgs[i].nparts; j++)
			n += r->msgs[i].parts[j].type == LLMK_PART_IMAGE_URL;
	return n;
}

/* A conversation to moderate: a message with text (images alone are the
 * implicit message llmk_request_add_image_*() makes). */
static int is_conversation(const llmk_request *r)
{
	size_t i, j;

	for (i = 0; i < r->nmsgs; i++)
		for (j = 0; j < r->msgs[i].nparts; j++)
			if (r->msgs[i].parts[j].type == LLMK_PART_TEXT)
				return 1;
	return 0;
}

/* Mistral's chat moderation: [{role, content}] of the conversation's
 * text. */
static llmk_status conversation_input(const llmk_request *r, json_t **out, llmk_response *resp)
{
	static const char *const roles[] = {"", "system", "user", "assistant", "tool", "system"};
	json_t *a = json_array(), *m;
	llmk__buf text = LLMK__BUF_INIT;
	size_t i;

	*out = NULL;
	if (!a)
		return FAIL_OOM(resp);
	for (i = 0; i < r->nmsgs; i++) {
		llmk__buf_clear(&text);
		if (llmk__message_text(&r->msgs[i], &text) ||
		    !(m = json_pack("{s:s, s:s}", "role", roles[r->msgs[i].role], "content",
		                    text.data ? text.data : "")) ||
		    json_array_append_new(a, m)) {
			llmk__buf_free(&text);
			json_decref(a);
			return FAIL_OOM(resp);
		}
	}
	llmk__buf_free(&text);
	*out = a;
	return LLMK_OK;
}

/* [{type: text, text}..., {type: image_url, image_url: {url}}...] */
static json_t *parts_input(const llmk_request *r)
{
	json_t *a = json_array(), *p;
	size_t i, j;

	for (i = 0; a && i < r->ninputs; i++)
		if (!(p = json_pack("{s:s, s:s}", "type", "text", "text", r->inputs[i])) || json_array_append_new(a, p))
			return json_decref(a), NULL;
	for (i = 0; a && i < r->nmsgs; i++)
		for (j = 0; j < r->msgs[i].nparts; j++) {
			const llmk__part *pt = &r->msgs[i].parts[j];
			if (pt->type != LLMK_PART_IMAGE_URL)
				continue;
			if (!(p = json_pack("{s:s, s:{s:s}}", "type", "image_url", "image_url", "url", pt->text)) ||
			    json_array_append_new(a, p))
				return json_decref(a), NULL;
		}
	return a;
}

/* {"model", "input"} into the exchange; takes input (NULL: out of memory). */
static llmk_status send_input(llmk_exchange *ex, const llmk_request *r, const char *model, json_t *input,
                              llmk_response *resp)
{
	json_t *body = json_pack("{s:s}", "model", model);

	if (!body) {
		json_decref(input);
		return FAIL_OOM(resp);
	}
	if (llmk__json_set(body, "input", input)) { /* input taken, even on failure */
		json_decref(body);
		return FAIL_OOM(resp);
	}
	return llmk__finish_body(ex, r, body, LLMK_OK, NULL, NULL, resp);
}

llmk_status llmk__moderation_build(const llmk_client *c, const llmk_request *r, const char *model, llmk_exchange *ex,
                                   llmk_response *resp)
{
	size_t images = image_count(r), i;
	int openai = !strcmp(c->provider->name, "openai"); /* the one that takes images */
	int conversation = is_conversation(r);
	json_t *input = NULL;

	if (conversation) {
		if (strcmp(c->provider->name, "mistral"))
			return llmk__fail(resp, LLMK_E_UNSUPPORTED,
			                  "%s moderates texts (llmk_request_add_input), not conversations",
			                  c->provider->name);
		if (r->ninputs || images)
			return llmk__fail(
			        resp, LLMK_E_INVALID_ARG,
			        "moderation request has a conversation and inputs or images: one or the other");
		if (llmk__exchange_set_url(ex, c->base_url, "/chat/moderations") || llmk__openai_headers(c, ex))
			return FAIL_OOM(resp);
		if (conversation_input(r, &input, resp))
			return resp->status;
		return send_input(ex, r, model, input, resp);
	}
	if (!r->ninputs && !images)
		return llmk__fail(resp, LLMK_E_INVALID_ARG,
		                  "moderation request has no input (llmk_request_add_input, or an image)");
	for (i = 0; i < r->ninputs; i++)
		if (!r->inputs[i][0])
			return llmk__fail(resp, LLMK_E_INVALID_ARG, "moderation input %zu is empty", i);
	if (r->ninputs > LLMK_MAX_MODERATION_RESULTS)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "moderation request has %zu inputs; at most %d are sent",
		                  r->ninputs, LLMK_MAX_MODERATION_RESULTS);
	if (images && !openai)
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s moderates text only (the request has %zu images)",
		                  c->provider->name, images);
	if (llmk__exchange_set_url(ex, c->base_url, "/moderations") || llmk__openai_headers(c, ex))
		return FAIL_OOM(resp);
	if (images)
		input = parts_input(r);
	else if (r->ninputs == 1)
		input = json_string(r->inputs[0]);
	else if ((input = json_array()))
		for (i = 0; i < r->ninputs; i++)
			if (json_array_append_new(input, json_string(r->inputs[i]))) {
				json_decref(input);
				input = NULL;
				break;
			}
	return send_input(ex, r, model, input, resp);
}

/* category_applied_input_types[name] (["text", "image"]) as "text,image",
 * or NULL; -1 on a failed allocation. */
static int applied(json_t *types, char **out)
{
	llmk__buf b = LLMK__BUF_INIT;
	json_t *t;
	size_t i;

	*out = NULL;
	if (!json_is_array(types))
		return 0;
	json_array_foreach(types, i, t)
	{
		if (!json_is_string(t))
			continue;
		if ((b.len && llmk__buf_append_char(&b, ',')) || llmk__buf_append_str(&b, json_string_value(t))) {
			llmk__buf_free(&b);
			return -1;
		}
	}
	if (!b.len) {
		llmk__buf_free(&b);
		return 0;
	}
	*out = llmk__buf_detach(&b, NULL);
	return *out ? 0 : -1;
}

static llmk_status read_result(json_t *res, size_t n, llmk__moderation *m, llmk_response *resp)
{
	json_t *cats = json_object_get(res, "categories"), *scores = json_object_get(res, "category_scores");
	json_t *types = json_object_get(res, "category_applied_input_types"), *v,
	       *flag = json_object_get(res, "flagged");
	size_t count = 0;
	const char *key;
	int any = 0;

	if (!json_is_object(cats) && !json_is_object(scores))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "moderation result %zu has no categories", n);
	/* The union of both objects' names, categories' first. */
	count = json_object_size(cats);
	json_object_foreach(scores, key, v)
	{
		if (!json_object_get(cats, key))
			count++;
	}
	if (count > LLMK_MAX_CATEGORIES)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "moderation result %zu has %zu categories (more than %d)", n,
		                  count, LLMK_MAX_CATEGORIES);
	if (count && !(m->cats = llmk__calloc(count, sizeof(*m->cats))))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading the moderation answer");
	for (int pass = 0; pass < 2; pass++) {
		json_object_foreach(pass ? scores : cats, key, v)
		{
			llmk__category *c;
			json_t *s = json_object_get(scores, key), *f = json_object_get(cats, key);
			if (pass && json_object_get(cats, key))
				continue;
			c = &m->cats[m->ncats];
			if (!(c->name = llmk__strdup(key)) || applied(json_object_get(types, key), &c->inputs))
				return llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading the moderation answer");
			m->ncats++;
			if (f && !json_is_boolean(f))
				return llmk__fail(resp, LLMK_E_PROTOCOL, "moderation category %s is not true or false",
				                  key);
			c->flagged = f ? json_is_true(f) : -1;
			any |= c->flagged == 1;
			if (s && (!json_is_number(s) || !isfinite(json_number_value(s))))
				return llmk__fail(resp, LLMK_E_PROTOCOL, "moderation score of %s is not a number", key);
			c->score = s ? json_number_value(s) : NAN;
		}
	}
	if (flag && !json_is_boolean(flag))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "moderation result %zu: flagged is not true or false", n);
	m->flagged = flag ? json_is_true(flag) : any;
	return LLMK_OK;
}

llmk_status llmk__moderation_parse(const llmk_request *r, llmk_response *resp, const char *body, size_t len)
{
	static const char *const keep[] = {"id", "model", "results", "error", "message", "type", "code", NULL};
	json_t *root = llmk__json_object_for(r, keep, body, len, resp, "moderation answer"), *results, *res;
	size_t expect = image_count(r) || is_conversation(r) ? 1 : r->ninputs, n, i;
	llmk_status st = LLMK_OK;

	if (!root)
		return resp->status;
	if (json_object_get(root, "error")) {
		st = llmk__answer_error(resp, llmk__error_from_json(resp, 200, root),
		                        "moderation answer holds an error: ");
		json_decref(root);
		return st;
	}
	results = json_object_get(root, "results");
	n = json_array_size(results);
	if (!json_is_array(results) || n != expect)
		st = llmk__fail(resp, LLMK_E_PROTOCOL, "moderation answer has %zu results for %zu inputs", n, expect);
	if (st == LLMK_OK && json_is_string(json_object_get(root, "model")) &&
	    llmk__set_field(&resp->model, json_string_value(json_object_get(root, "model"))))
		st = llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	if (st == LLMK_OK && json_is_string(json_object_get(root, "id")) &&
	    llmk__set_field(&resp->id, json_string_value(json_object_get(root, "id"))))
		st = llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	if (st == LLMK_OK && !(resp->mods = llmk__calloc(n, sizeof(*resp->mods))))
		st = llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading the moderation answer");
	json_array_foreach(results, i, res)
	{
		if (st != LLMK_OK)
			break;
		resp->nmods = i + 1;
		if (!json_is_object(res))
			st = llmk__fail(resp, LLMK_E_PROTOCOL, "moderation result %zu is not an object", i);
		else
			st = read_result(res, i, &resp->mods[i], resp);
	}
	json_decref(root);
	if (st != LLMK_OK) /* no half answer */
		llmk__response_kinds_free(resp);
	return st;
}
