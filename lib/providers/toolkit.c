/* Helpers shared by the provider adapters (see toolkit.h). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "sse.h"
#include "toolkit.h"

int llmk__json_set(json_t *obj, const char *key, json_t *val)
{
	return val ? json_object_set_new(obj, key, val) : -1;
}

json_t *llmk__json_text(const char *text)
{
	return text ? llmk__json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

json_t *llmk__json_object(const char *body, size_t len, llmk_response *resp, const char *what)
{
	json_error_t err;
	json_t *j = llmk__json_loadb(body, len, 0, &err);

	if (!j)
		llmk__fail(resp, LLMK_E_PROTOCOL, "%s is not valid JSON: %s at byte %d", what, err.text, err.position);
	else if (!json_is_object(j)) {
		json_decref(j);
		j = NULL;
		llmk__fail(resp, LLMK_E_PROTOCOL, "%s is not a JSON object", what);
	}
	return j;
}

void llmk__json_i64(json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*out = json_integer_value(v);
}

char *llmk__json_string_or_number(json_t *v)
{
	char buf[32];

	if (json_is_string(v))
		return llmk__strdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return llmk__strdup(buf);
	}
	return NULL;
}

llmk_status llmk__json_append_args(llmk_buf *out, json_t *args)
{
	if (json_is_string(args))
		return llmk_buf_append(out, json_string_value(args), json_string_length(args)) ? LLMK_E_NOMEM : LLMK_OK;
	if (!args || json_is_null(args))
		return llmk_buf_append_str(out, "{}") ? LLMK_E_NOMEM : LLMK_OK;
	return llmk__json_dump(out, args, 0) ? LLMK_E_NOMEM : LLMK_OK;
}

json_t *llmk__json_set_array(json_t *obj, const char *key)
{
	json_t *a = json_array();

	return a && !json_object_set_new(obj, key, a) ? a : NULL;
}

int llmk__json_set_strings(json_t *obj, const char *key, char *const *v, size_t n)
{
	json_t *a = llmk__json_set_array(obj, key);
	size_t i;

	if (!a)
		return -1;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(v[i])))
			return -1;
	return 0;
}

int llmk__put_stops(json_t *obj, const char *key, const llmk_request *r)
{
	return r->nstops ? llmk__json_set_strings(obj, key, r->stops, r->nstops) : 0;
}

int llmk__put_opts(json_t *obj, const llmk_request *r, const llmk__opt_key *map)
{
	const char *s;
	int64_t i64;
	double f;
	int bad = 0;

	for (; map->key && !bad; map++) {
		switch (llmk_option_type(map->opt)) {
		case LLMK_TYPE_STR:
			bad = (s = llmk__req_str(r, map->opt)) && llmk__json_set(obj, map->key, json_string(s));
			break;
		case LLMK_TYPE_I64:
			bad = llmk__req_i64(r, map->opt, &i64) && llmk__json_set(obj, map->key, json_integer(i64));
			break;
		default:
			bad = llmk__req_f64(r, map->opt, &f) && llmk__json_set(obj, map->key, json_real(f));
			break;
		}
	}
	return bad ? -1 : 0;
}

int llmk__put_section(json_t *body, const char *key, const llmk_request *r, const llmk__opt_key *map,
                      const char *stops_key)
{
	json_t *sec = json_object();

	/* Put in place first, so that it keeps its position among the members. */
	if (!sec || json_object_set_new(body, key, sec) || llmk__put_opts(sec, r, map) || llmk__put_stops(sec, stops_key, r))
		return -1;
	if (!json_object_size(sec))
		json_object_del(body, key);
	return 0;
}

void llmk__form_opts(llmk_multipart *mp, const llmk_request *r, const llmk__opt_key *map)
{
	const char *s;
	char num[32];
	int64_t i64;
	double f;

	for (; map->key; map++) {
		switch (llmk_option_type(map->opt)) {
		case LLMK_TYPE_STR:
			if ((s = llmk__req_str(r, map->opt)))
				llmk_multipart_field(mp, map->key, s);
			break;
		case LLMK_TYPE_I64:
			if (llmk__req_i64(r, map->opt, &i64)) {
				snprintf(num, sizeof(num), "%lld", (long long)i64);
				llmk_multipart_field(mp, map->key, num);
			}
			break;
		default:
			if (llmk__req_f64(r, map->opt, &f)) {
				snprintf(num, sizeof(num), "%g", f);
				llmk_multipart_field(mp, map->key, num);
			}
			break;
		}
	}
}

llmk_status llmk__set_form_body(llmk_exchange *ex, llmk_multipart *mp, const char *accept, llmk_response *resp)
{
	if (llmk_multipart_finish(mp) || llmk__exchange_header(ex, "Content-Type", mp->content_type) ||
	    (accept && llmk__exchange_header(ex, "Accept", accept))) {
		llmk_multipart_free(mp);
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory building the multipart body");
	}
	ex->body = mp->body; /* hand the buffer over */
	return LLMK_OK;
}

llmk_status llmk__merge_extra(const llmk_request *r, json_t *body, llmk_response *resp)
{
	json_t *extra;
	int bad;

	if (!r->extra_json)
		return LLMK_OK;
	extra = llmk__json_text(r->extra_json);
	bad = !extra || json_object_update(body, extra);
	json_decref(extra);
	return bad ? FAIL_OOM(resp) : LLMK_OK;
}

llmk_status llmk__set_json_body(llmk_exchange *ex, json_t *body, const char *accept, llmk_response *resp)
{
	/* Straight into the exchange's body, by our writer (the same text as
	 * jansson's, several times faster). 15 significant digits: 0.7 goes
	 * out as 0.7, not 0.69999999999999996. */
	int bad = llmk_buf_reserve(&ex->body, 256) || llmk__json_dump(&ex->body, body, 15) ||
	          llmk__exchange_header(ex, "Content-Type", "application/json") ||
	          llmk__exchange_header(ex, "Accept", accept ? accept : "application/json");

	return bad ? FAIL_OOM(resp) : LLMK_OK;
}

llmk_status llmk__finish_body(llmk_exchange *ex, const llmk_request *r, json_t *body, llmk_status st,
                              llmk__body_edit edit, const char *accept, llmk_response *resp)
{
	if (st == LLMK_OK)
		st = llmk__merge_extra(r, body, resp);
	if (st == LLMK_OK && edit && edit(body))
		st = FAIL_OOM(resp);
	if (st == LLMK_OK)
		st = llmk__set_json_body(ex, body, accept, resp);
	json_decref(body);
	return st;
}

llmk_status llmk__put_messages(json_t *body, const llmk_client *c, const llmk_request *r,
                               json_t *(*one)(const llmk_client *c, const llmk_message *m), llmk_response *resp)
{
	json_t *msgs;
	size_t i;

	if (!r->nmsgs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "chat request has no messages");
	if (!(msgs = llmk__json_set_array(body, "messages")))
		return FAIL_OOM(resp);
	for (i = 0; i < r->nmsgs; i++)
		if (json_array_append_new(msgs, one(c, &r->msgs[i])))
			return FAIL_OOM(resp);
	return LLMK_OK;
}

llmk_status llmk__build_json(const llmk__builders *b, const llmk_client *c, const llmk_request *r, const char *model,
                             int stream, llmk_exchange *ex, llmk_response *resp)
{
	llmk__builder fill = r->kind > 0 && r->kind <= LLMK_SPEECH ? b->kind[r->kind] : NULL;
	json_t *body;

	if (!fill)
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s does not serve this request kind", c->provider->name);
	if (llmk__exchange_set_url(ex, c->base_url, b->path[r->kind]) ||
	    llmk__key_headers(c, ex, b->key_header, b->key_prefix) || !(body = json_pack("{s:s}", "model", model)))
		return FAIL_OOM(resp);
	return llmk__finish_body(ex, r, body, fill(c, r, stream, body, resp), NULL, stream ? b->stream_accept : NULL,
	                         resp);
}

llmk_status llmk__auth_header(llmk_exchange *ex, const char *name, const char *prefix, const char *key)
{
	llmk_buf v = LLMK_BUF_INIT;
	size_t pl = prefix ? strlen(prefix) : 0;
	llmk_status st;

	/* Reserve once: a realloc would leave an unwiped copy behind. */
	if (llmk_buf_reserve(&v, pl + strlen(key)) || (pl && llmk_buf_append(&v, prefix, pl)) ||
	    llmk_buf_append_str(&v, key))
		st = LLMK_E_NOMEM;
	else
		st = llmk__exchange_header(ex, name, v.data);
	if (v.data)
		sodium_memzero(v.data, v.len);
	llmk_buf_free(&v);
	return st;
}

llmk_status llmk__user_agent(const llmk_client *c, llmk_exchange *ex)
{
	const char *v = llmk__client_str(c, LLMK_OPT_USER_AGENT);
	return llmk__exchange_header(ex, "User-Agent", v ? v : "llmkit/" LLMK_VERSION_STRING);
}

llmk_status llmk__key_headers(const llmk_client *c, llmk_exchange *ex, const char *name, const char *prefix)
{
	llmk_status st;

	if (c->api_key && (st = llmk__auth_header(ex, name, prefix, c->api_key)))
		return st;
	return llmk__user_agent(c, ex);
}

static int eq(const char *a, const char *b)
{
	return !strcmp(a, b);
}

llmk_status llmk__status_from_error(int32_t http, const char *type, const char *code, const char *msg)
{
	const char *t = type ? type : "", *k = code ? code : "", *m = msg ? msg : "";
	int in_body = http == 0 || (http >= 200 && http < 300);

	if (eq(k, "context_length_exceeded") || eq(t, "context_length_exceeded") || strstr(m, "maximum context length") ||
	    strstr(m, "context window") || strstr(m, "exceeds the context") || strstr(m, "prompt is too long") ||
	    strstr(m, "input token count") || strstr(m, "too many tokens"))
		return LLMK_E_CONTEXT_LENGTH;
	if (eq(k, "content_filter") || eq(k, "content_policy_violation") || eq(t, "content_policy_violation"))
		return LLMK_E_CONTENT_FILTERED;
	if (eq(t, "overloaded_error") || eq(k, "overloaded_error") || eq(t, "UNAVAILABLE") || http == 529)
		return LLMK_E_OVERLOADED;
	if (eq(k, "rate_limit_exceeded") || eq(k, "insufficient_quota") || eq(t, "rate_limit_exceeded") ||
	    eq(t, "insufficient_quota") || eq(t, "tokens") || eq(t, "requests") || eq(t, "rate_limit_error") ||
	    eq(t, "RESOURCE_EXHAUSTED"))
		return LLMK_E_RATE_LIMITED;
	if (eq(k, "invalid_api_key") || eq(t, "authentication_error") || eq(t, "UNAUTHENTICATED"))
		return LLMK_E_AUTH;
	if (eq(t, "permission_error") || eq(t, "PERMISSION_DENIED"))
		return LLMK_E_PERMISSION;
	if (eq(k, "model_not_found") || eq(t, "not_found_error") || eq(t, "NOT_FOUND"))
		return LLMK_E_NOT_FOUND;
	if (in_body) { /* an error inside a 200 */
		if (eq(t, "invalid_request_error") || eq(t, "INVALID_ARGUMENT"))
			return LLMK_E_BAD_REQUEST;
		return LLMK_E_SERVER;
	}
	return llmk__status_from_http(http);
}

llmk_status llmk__error_from_json(llmk_response *resp, int32_t http, json_t *root)
{
	json_t *err = json_object_get(root, "error");
	const char *msg = NULL;

	llmk__free(resp->error_type);
	llmk__free(resp->error_code);
	resp->error_type = resp->error_code = NULL;
	if (json_is_object(err)) {
		msg = json_string_value(json_object_get(err, "message"));
		resp->error_type = llmk__json_string_or_number(json_object_get(err, "type"));
		if (!resp->error_type) /* Google: {"code":429,"status":"RESOURCE_EXHAUSTED"} */
			resp->error_type = llmk__json_string_or_number(json_object_get(err, "status"));
		resp->error_code = llmk__json_string_or_number(json_object_get(err, "code"));
	} else if (json_is_string(err)) { /* {"error": "..."} (llama.cpp, Ollama, TGI) */
		msg = json_string_value(err);
		resp->error_type = llmk__json_string_or_number(json_object_get(root, "error_type"));
	}
	if (!msg)
		msg = json_string_value(json_object_get(root, "message")); /* Mistral, Cohere */
	if (!msg)
		msg = json_string_value(json_object_get(root, "detail")); /* FastAPI servers */
	if (!resp->error_type)
		resp->error_type = llmk__json_string_or_number(json_object_get(root, "type"));
	if (!resp->error_code)
		resp->error_code = llmk__json_string_or_number(json_object_get(root, "code"));
	llmk__set_field(&resp->error, msg ? msg : "");
	return llmk__status_from_error(http, resp->error_type, resp->error_code, msg);
}

llmk_status llmk__error_generic(llmk_response *resp, int32_t http, const char *body, size_t len)
{
	json_t *root = llmk__json_loadb(body, len, 0, NULL);
	llmk_status st;
	char snippet[201];
	size_t i, n;

	if (!json_is_object(root)) {
		json_decref(root);
		/* Not JSON (a proxy's HTML page, plain text): quote its start,
		 * printable characters only. */
		n = len < 200 ? len : 200;
		for (i = 0; i < n; i++)
			snippet[i] = (body[i] >= 0x20 && body[i] < 0x7f) ? body[i] : ' ';
		snippet[n] = '\0';
		llmk__set_field(&resp->error, n ? snippet : "");
		return llmk__status_from_http(http);
	}
	st = llmk__error_from_json(resp, http, root);
	json_decref(root);
	return st;
}

llmk_status llmk__stream_failure(llmk_response *resp, llmk_status st)
{
	char *m = resp->error;

	resp->error = NULL;
	llmk__fail(resp, st, "error inside the stream: %s%s%s%s", m && *m ? m : "(no message)",
	           resp->error_code ? " (" : "", resp->error_code ? resp->error_code : "", resp->error_code ? ")" : "");
	llmk__free(m);
	return st;
}

static const llmk__slot *slot_of(json_t *v, const llmk__slot *slots, size_t n)
{
	const char *s = json_string_value(v);
	size_t i;

	if (s && *s == '$')
		for (i = 0; i < n; i++)
			if (!strcmp(s, slots[i].name))
				return &slots[i];
	return NULL;
}

static json_t *slot_value(const llmk__slot *sl)
{
	return sl->value ? json_incref(sl->value) : json_string(sl->text);
}

static int fill_template(json_t *t, const llmk__slot *slots, size_t n)
{
	const llmk__slot *sl;
	const char *k;
	json_t *v;
	void *tmp;
	size_t i;

	json_object_foreach_safe(t, tmp, k, v)
	{
		if (!(sl = slot_of(v, slots, n))) {
			if (fill_template(v, slots, n))
				return -1;
		} else if (!sl->value && !sl->text) {
			json_object_del(t, k);
		} else if (json_object_set_new(t, k, slot_value(sl))) {
			return -1;
		}
	}
	for (i = 0; i < json_array_size(t);) {
		v = json_array_get(t, i);
		if (!(sl = slot_of(v, slots, n))) {
			if (fill_template(v, slots, n))
				return -1;
			i++;
		} else if (!sl->value && !sl->text) {
			json_array_remove(t, i);
		} else if (json_array_set_new(t, i++, slot_value(sl))) {
			return -1;
		}
	}
	return 0;
}

json_t *llmk__json_template(const char *tmpl, const llmk__slot *slots, size_t nslots)
{
	json_t *t = llmk__json_loads(tmpl, JSON_DECODE_ANY, NULL);

	if (t && fill_template(t, slots, nslots)) {
		json_decref(t);
		t = NULL;
	}
	return t;
}

const llmk__tool_shape llmk__function_tool = {
    .decl = "{\"type\":\"function\",\"function\":"
            "{\"name\":\"$name\",\"description\":\"$description\",\"parameters\":\"$schema\"}}",
    .no_parameters = "{\"type\":\"object\",\"properties\":{}}",
};

static json_t *tool_decl(const llmk_tool *t, const llmk__tool_shape *shape)
{
	const char *params = t->parameters ? t->parameters : shape->no_parameters;
	llmk__slot slots[] = {{"$name", t->name, NULL}, {"$description", t->description, NULL}, {"$schema", NULL, NULL}};
	json_t *decl;

	if (params && !(slots[2].value = llmk__json_text(params)))
		return NULL;
	if (slots[2].value && shape->schema && shape->schema(&slots[2].value)) {
		json_decref(slots[2].value);
		return NULL;
	}
	decl = llmk__json_template(shape->decl, slots, 3);
	json_decref(slots[2].value);
	return decl;
}

llmk_status llmk__tool_decls(const llmk_request *r, const llmk__tool_shape *shape, json_t *obj, const char *key,
                             llmk_response *resp)
{
	json_t *tools;
	size_t i;

	if (!r->ntools)
		return LLMK_OK;
	if (!(tools = llmk__json_set_array(obj, key)))
		return FAIL_OOM(resp);
	for (i = 0; i < r->ntools; i++)
		if (json_array_append_new(tools, tool_decl(&r->tools[i], shape)))
			return FAIL_OOM(resp);
	return LLMK_OK;
}

json_t *llmk__tool_call_json(const llmk_part *p, const char *tmpl, const char *provider, llmk_response *resp)
{
	llmk__slot slots[] = {{"$id", p->id, NULL}, {"$name", p->detail ? p->detail : "", NULL}, {"$input", NULL, NULL}};
	json_t *call;

	/* Sent as the object itself, not as its text. */
	slots[2].value = llmk__json_text(p->text && *p->text ? p->text : "{}");
	if (slots[2].value && !json_is_object(slots[2].value)) {
		json_decref(slots[2].value);
		llmk__fail(resp, LLMK_E_INVALID_ARG, "%s: arguments of tool call '%s' are not a JSON object", provider,
		           p->id ? p->id : "");
		return NULL;
	}
	call = slots[2].value ? llmk__json_template(tmpl, slots, 3) : NULL;
	json_decref(slots[2].value);
	if (!call)
		FAIL_OOM(resp);
	return call;
}

const char *llmk__tool_call_name(const llmk_request *r, size_t upto, const char *id)
{
	size_t i, j;

	if (!id)
		return NULL;
	for (i = upto; i-- > 0;)
		for (j = 0; j < r->msgs[i].nparts; j++) {
			const llmk_part *p = &r->msgs[i].parts[j];
			if (p->type == LLMK_PART_TOOL_CALL && p->id && !strcmp(p->id, id))
				return p->detail;
		}
	return NULL;
}

llmk_status llmk__append_parts(json_t *blocks, const llmk_message *m, const llmk__part_shape *shape,
                               const char *provider, llmk_response *resp)
{
	llmk__slot text = {"$text", NULL, NULL};
	json_t *b;
	size_t i;

	for (i = 0; i < m->nparts; i++) {
		const llmk_part *p = &m->parts[i];
		if (p->type == LLMK_PART_TEXT) {
			if (!*p->text && shape->skip_empty_text)
				continue;
			text.text = p->text;
			if (!(b = llmk__json_template(shape->text, &text, 1)))
				return FAIL_OOM(resp);
		} else if (p->type == LLMK_PART_IMAGE_URL) {
			if (!(b = shape->image(p, resp)))
				return resp->status;
		} else if (p->type == LLMK_PART_TOOL_CALL) {
			if (!(b = llmk__tool_call_json(p, shape->tool_call, provider, resp)))
				return resp->status;
		} else {
			continue;
		}
		if (json_array_append_new(blocks, b))
			return FAIL_OOM(resp);
	}
	return LLMK_OK;
}

static const char *choice_json(const llmk__choice *map, const char *word)
{
	for (; map->word; map++)
		if (!strcmp(map->word, word))
			return map->json;
	return NULL;
}

static int declared_tool(const llmk_request *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ntools; i++)
		if (!strcmp(name, r->tools[i].name))
			return 1;
	return 0;
}

/* "tool_choice 'x' is neither auto, none, required nor ...": the words of
 * the table. */
static llmk_status choice_refused(const llmk__choice *map, const char *choice, const char *provider,
                                  llmk_response *resp)
{
	static const char *const words[] = {"auto", "none", "required"};
	char list[32] = "";
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (choice_json(map, words[i]))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", *list ? ", " : "", words[i]);
	return llmk__fail(resp, LLMK_E_INVALID_ARG, "%s: tool_choice '%s' is neither %s nor the name of a declared tool",
	                  provider, choice, list);
}

llmk_status llmk__set_tool_choice(const llmk_request *r, const llmk__choice *map, json_t *obj, const char *key,
                                  const char *provider, llmk_response *resp)
{
	const char *choice = llmk__req_str(r, LLMK_OPT_TOOL_CHOICE), *json = NULL;
	llmk__slot tool = {"$name", choice, NULL};

	if (!choice)
		return LLMK_OK;
	if (*choice != '$')
		json = choice_json(map, choice);
	if (!json) {
		if (!declared_tool(r, choice))
			return choice_refused(map, choice, provider, resp);
		json = r->ntools == 1 ? choice_json(map, "$only") : NULL;
		if (!json && !(json = choice_json(map, "$tool")))
			return llmk__fail(resp, LLMK_E_UNSUPPORTED,
			                  "%s cannot force a named tool (tool_choice '%s' among %zu tools): use required, or "
			                  "declare only that tool",
			                  provider, choice, r->ntools);
	}
	if (!*json)
		return LLMK_OK;
	return llmk__json_set(obj, key, llmk__json_template(json, &tool, 1)) ? FAIL_OOM(resp) : LLMK_OK;
}

json_t *llmk__content_parts(const llmk_message *m)
{
	json_t *arr = json_array(), *part, *iu;
	size_t i;

	for (i = 0; arr && i < m->nparts; i++) {
		const llmk_part *p = &m->parts[i];
		if (p->type == LLMK_PART_TEXT) {
			part = json_pack("{s:s, s:s}", "type", "text", "text", p->text);
		} else if (p->type == LLMK_PART_IMAGE_URL) {
			iu = json_pack("{s:s}", "url", p->text);
			if (iu && p->detail && llmk__json_set(iu, "detail", json_string(p->detail))) {
				json_decref(iu);
				iu = NULL;
			}
			part = iu ? json_pack("{s:s, s:o}", "type", "image_url", "image_url", iu) : NULL;
		} else {
			continue;
		}
		if (!part || json_array_append_new(arr, part)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int llmk__data_url_split(const char *url, const char **mime, size_t *mime_len, const char **b64)
{
	const char *semi, *comma;

	if (!url || strncmp(url, "data:", 5))
		return 0;
	comma = strchr(url + 5, ',');
	semi = strchr(url + 5, ';');
	/* ";base64" must lie after "data:" (found by fuzz_b64: "data:;," read
	 * one byte before the string). */
	if (!comma || !semi || semi > comma || comma - (url + 5) < 7 || strncmp(comma - 7, ";base64", 7))
		return 0;
	*mime = url + 5;
	*mime_len = (size_t)(semi - (url + 5));
	*b64 = comma + 1;
	return 1;
}

llmk_status llmk__message_text(const llmk_message *m, llmk_buf *out)
{
	size_t i;
	int first = 1;

	for (i = 0; i < m->nparts; i++) {
		if (m->parts[i].type != LLMK_PART_TEXT)
			continue;
		if ((!first && llmk_buf_append(out, "\n", 1)) || llmk_buf_append_str(out, m->parts[i].text))
			return LLMK_E_NOMEM;
		first = 0;
	}
	return llmk_buf_append(out, "", 0) ? LLMK_E_NOMEM : LLMK_OK;
}

/* Row i: rows[i], or element i of array; its member `member` when given. */
static json_t *row_at(json_t *const *rows, json_t *array, const char *member, size_t i)
{
	json_t *v = rows ? rows[i] : json_array_get(array, i);
	return member ? json_object_get(v, member) : v;
}

static llmk_status store_embeddings(llmk_response *resp, json_t *const *rows, json_t *array, const char *member,
                                    size_t n, size_t expected, const char *what)
{
	size_t i, j, dim;
	json_t *row, *x;

	if (n != expected)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s has %zu vectors for %zu inputs", what, n, expected);
	if (!n)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s has no vectors", what);
	dim = json_array_size(row_at(rows, array, member, 0));
	for (i = 0; i < n; i++) {
		row = row_at(rows, array, member, i);
		if (!json_is_array(row) || !json_array_size(row))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: vector %zu is not an array of numbers", what, i);
		if (json_array_size(row) != dim)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: vectors have different dimensions (%zu and %zu)", what,
			                  dim, json_array_size(row));
	}
	if (dim > SIZE_MAX / sizeof(float) / n)
		return llmk__fail(resp, LLMK_E_TOO_LARGE, "%s: %zu x %zu vectors are too large", what, n, dim);
	llmk__free(resp->emb);
	resp->emb = llmk__calloc(n * dim, sizeof(float));
	if (!resp->emb)
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory storing embeddings");
	for (i = 0; i < n; i++)
		json_array_foreach(row_at(rows, array, member, i), j, x)
		{
			if (!json_is_number(x))
				return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: vector %zu has a non-number at %zu", what, i, j);
			resp->emb[i * dim + j] = (float)json_number_value(x);
		}
	resp->nemb = n;
	resp->dim = dim;
	return LLMK_OK;
}

llmk_status llmk__embeddings_from_rows(llmk_response *resp, json_t *const *rows, size_t n, size_t expected,
                                       const char *what)
{
	return store_embeddings(resp, rows, NULL, NULL, n, expected, what);
}

llmk_status llmk__embeddings_from_array(llmk_response *resp, json_t *array, const char *member, size_t expected,
                                        const char *what)
{
	return store_embeddings(resp, NULL, array, member, json_array_size(array), expected, what);
}

llmk_status llmk__read_function_calls(json_t *calls, const char *none, llmk_response *resp)
{
	json_t *call, *fn, *args;
	llmk_tool_call *tc;
	size_t i;

	json_array_foreach(calls, i, call)
	{
		fn = json_object_get(call, "function");
		if (!json_is_object(fn))
			continue;
		if (!(tc = llmk__response_tool_call(resp, resp->ncalls)))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "too many tool calls");
		args = json_object_get(fn, "arguments");
		if (llmk__json_append_str(&tc->id, json_object_get(call, "id")) ||
		    llmk__json_append_str(&tc->name, json_object_get(fn, "name")) ||
		    (args && !json_is_null(args) ? llmk__json_append_args(&tc->args, args) : llmk_buf_append_str(&tc->args, none)))
			return llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading tool calls");
	}
	return LLMK_OK;
}

const char *llmk__call_id(json_t *v, char gen[32])
{
	const char *id = json_string_value(v);

	if (id && *id)
		return id;
	llmk__new_call_id(gen);
	return gen;
}

int llmk__json_append_str(llmk_buf *b, json_t *v)
{
	return json_is_string(v) ? llmk_buf_append(b, json_string_value(v), json_string_length(v)) : 0;
}

llmk_status llmk__set_finish_calls(llmk_response *resp, json_t *v)
{
	if (!json_is_string(v))
		return LLMK_OK;
	if (llmk__set_finish(resp, json_string_value(v)))
		return LLMK_E_NOMEM;
	if (resp->ncalls && resp->finish == LLMK_FINISH_STOP)
		resp->finish = LLMK_FINISH_TOOL_CALLS;
	return LLMK_OK;
}

llmk_status llmk__answer_error(llmk_response *resp, llmk_status st, const char *prefix)
{
	return llmk__fail(resp, st, "%s%s", prefix, resp->error ? resp->error : "");
}

llmk_status llmk__read_json(const llmk__readers *readers, const llmk_request *r, llmk_response *resp,
                            const char *what, const char *body, size_t len)
{
	json_t *root = llmk__json_object(body, len, resp, what);
	llmk__reader read = r->kind > 0 && r->kind <= LLMK_SPEECH ? readers->kind[r->kind] : NULL;
	llmk_status st;

	if (!root)
		return resp->status;
	if (readers->error_prefix && json_object_get(root, "error"))
		st = llmk__answer_error(resp, llmk__error_from_json(resp, 200, root), readers->error_prefix);
	else
		st = readers->first ? readers->first(resp, root) : LLMK_OK;
	if (st == LLMK_OK)
		st = read ? read(r, root, resp) : llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s: no reader for this kind", what);
	json_decref(root);
	return st;
}

llmk_status llmk__read_error(llmk_response *resp, int32_t http, const char *body, size_t len,
                             llmk_status (*read)(llmk_response *resp, int32_t http, json_t *root))
{
	json_t *root = llmk__json_loadb(body, len, 0, NULL);
	llmk_status st;

	if (!json_is_object(root)) {
		json_decref(root);
		return llmk__error_generic(resp, http, body, len);
	}
	st = read(resp, http, root);
	json_decref(root);
	return st;
}

void llmk__block_set_tool(llmk__blocks *b, size_t block)
{
	if (block < LLMK_MAX_BLOCKS)
		b->tool[block / 64] |= (uint64_t)1 << (block % 64);
}

int llmk__block_is_tool(const llmk__blocks *b, size_t block)
{
	return block < LLMK_MAX_BLOCKS && ((b->tool[block / 64] >> (block % 64)) & 1u);
}

size_t llmk__block_tool_index(const llmk__blocks *b, size_t block)
{
	size_t n = 0, i;

	for (i = 0; i < block && i < LLMK_MAX_BLOCKS; i++)
		n += (size_t)llmk__block_is_tool(b, i);
	return n;
}

llmk_status llmk__block_tool_start(llmk_stream_ctx *s, json_t *ev, const char *key, const char *what, const char *id,
                                   const char *name, const char *args, size_t len)
{
	size_t idx;

	if (llmk__json_index(ev, key, &idx) || idx >= LLMK_MAX_BLOCKS)
		return llmk__fail(s->resp, LLMK_E_PROTOCOL, "%s without a usable %s", what, key);
	llmk__block_set_tool(s->state, idx);
	return llmk__emit_tool(s, llmk__block_tool_index(s->state, idx), id, name, args, len) ? llmk__stream_stopped(s)
	                                                                                       : LLMK_OK;
}

llmk_status llmk__block_tool_args(llmk_stream_ctx *s, size_t block, json_t *fragment)
{
	if (!json_is_string(fragment) || !json_string_length(fragment))
		return LLMK_OK;
	return llmk__emit_tool(s, llmk__block_tool_index(s->state, block), NULL, NULL, json_string_value(fragment),
	                       json_string_length(fragment))
	           ? llmk__stream_stopped(s)
	           : LLMK_OK;
}

llmk_status llmk__stream_stopped(llmk_stream_ctx *s)
{
	return s->resp->status ? s->resp->status : LLMK_E_CANCELLED;
}

int llmk__looks_like_sse(const char *body, size_t len)
{
	while (len && (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')) {
		body++;
		len--;
	}
	return (len >= 6 && !memcmp(body, "event:", 6)) || (len >= 5 && !memcmp(body, "data:", 5));
}

typedef struct sse_replay {
	const llmk_adapter *ad;
	llmk_stream_ctx *s;
	llmk_status st;
} sse_replay;

static int on_replay_event(const char *event, size_t elen, const char *data, size_t dlen, void *user)
{
	sse_replay *rp = user;

	rp->st = rp->ad->stream_event(rp->s, elen ? event : NULL, data, dlen);
	return rp->st != LLMK_OK;
}

llmk_status llmk__sse_body(const llmk_adapter *ad, const llmk_request *r, llmk_response *resp, const char *provider,
                           const char *end, const char *body, size_t len)
{
	llmk_stream_ctx s;
	sse_replay rp = {ad, &s, LLMK_OK};
	llmk_sse sse;
	int rc;

	memset(&s, 0, sizeof(s));
	s.resp = resp;
	s.req = r;
	s.provider_name = provider;
	if (ad->state_size && !(s.state = llmk__calloc(1, ad->state_size)))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory decoding the stream");
	llmk_sse_init(&sse, 0, on_replay_event, &rp);
	rc = llmk_sse_feed(&sse, body, len);
	if (rc == 0)
		rc = llmk_sse_finish(&sse);
	llmk_sse_free(&sse);
	llmk__free(s.state);
	if (rp.st != LLMK_OK)
		return resp->status ? resp->status : rp.st;
	if (rc < 0)
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory decoding the stream");
	if (!s.done)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: stream ended before %s (truncated after %zu bytes)", provider,
		                  end, len);
	return LLMK_OK;
}

json_t *llmk__json_event(const char *data, size_t len, llmk_response *resp, const char *what, const char *event)
{
	json_error_t err;
	json_t *root = llmk__json_loadb(data, len, 0, &err);

	if (json_is_object(root))
		return root;
	json_decref(root);
	llmk__fail(resp, LLMK_E_PROTOCOL, "%s%s%.64s is not a JSON object: %s", what, event ? " " : "", event ? event : "",
	           err.text);
	return NULL;
}

llmk_status llmk__json_stream_event(llmk_stream_ctx *s, const char *data, size_t len, const char *what,
                                    llmk_status (*handle)(llmk_stream_ctx *s, json_t *root))
{
	json_t *root = llmk__json_event(data, len, s->resp, what, NULL);
	llmk_status st;

	if (!root)
		return s->resp->status;
	if (json_object_get(root, "error"))
		st = llmk__stream_failure(s->resp, llmk__error_from_json(s->resp, 200, root));
	else
		st = handle(s, root);
	json_decref(root);
	return st;
}

llmk_status llmk__emit_json_text(llmk_stream_ctx *s, json_t *v)
{
	return json_is_string(v) && llmk__emit_text(s, json_string_value(v), json_string_length(v))
	           ? llmk__stream_stopped(s)
	           : LLMK_OK;
}

llmk_status llmk__emit_json_reasoning(llmk_stream_ctx *s, json_t *v)
{
	return json_is_string(v) && llmk__emit_reasoning(s, json_string_value(v), json_string_length(v))
	           ? llmk__stream_stopped(s)
	           : LLMK_OK;
}

llmk_status llmk__stream_usage(llmk_stream_ctx *s, json_t *u, void (*read)(json_t *u, llmk_response *resp))
{
	if (!json_is_object(u))
		return LLMK_OK;
	read(u, s->resp);
	return llmk__emit_usage(s) ? llmk__stream_stopped(s) : LLMK_OK;
}

int llmk__json_index(json_t *obj, const char *key, size_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (size_t)json_integer_value(v);
	return 0;
}
