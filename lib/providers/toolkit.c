/* The provider toolkit, request side: JSON values and templates, request
 * bodies, tool declarations and tool_choice, headers (toolkit.h). The
 * answer side is in toolkit_answers.c, streams in toolkit_streams.c. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "toolkit.h"

/* ---- JSON values -------------------------------------------------------- */

int llmk__json_set(json_t *obj, const char *key, json_t *val)
{
	return val ? json_object_set_new(obj, key, val) : -1;
}

json_t *llmk__json_text(const char *text)
{
	return text ? llmk__json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

static json_t *json_object_flags(const char *body, size_t len, size_t flags, const char *const *keep,
                                 llmk_response *resp, const char *what)
{
	json_error_t err;
	json_t *j = llmk__json_loadb_keys(body, len, flags, keep, &err);

	if (!j && llmk__json_error_too_large(&err))
		llmk__fail(resp, LLMK_E_TOO_LARGE, "%s is %s", what, err.text);
	else if (!j)
		llmk__fail(resp, LLMK_E_PROTOCOL, "%s is not valid JSON: %s at byte %d", what, err.text, err.position);
	else if (!json_is_object(j)) {
		json_decref(j);
		j = NULL;
		llmk__fail(resp, LLMK_E_PROTOCOL, "%s is not a JSON object", what);
	}
	return j;
}

json_t *llmk__json_object(const char *body, size_t len, llmk_response *resp, const char *what)
{
	return json_object_flags(body, len, 0, NULL, resp, what);
}

json_t *llmk__json_object_for(const llmk_request *r, const char *const *keep, const char *body, size_t len,
                              llmk_response *resp, const char *what)
{
	return json_object_flags(body, len, r->kind == LLMK_EMBED ? LLMK_JSON_PACK_REALS : 0, keep, resp, what);
}

size_t llmk__json_vector_len(const json_t *v)
{
	size_t n;

	return llmk__json_packed(v, &n) ? n : json_is_array(v) ? json_array_size(v) : 0;
}

int llmk__json_vector(const json_t *v, float *out)
{
	size_t n, i;
	const float *f = llmk__json_packed(v, &n);
	json_t *x;

	if (f) {
		memcpy(out, f, n * sizeof(float));
		return 0;
	}
	json_array_foreach(v, i, x)
	{
		if (!json_is_number(x))
			return -1;
		out[i] = (float)json_number_value(x);
	}
	return 0;
}

void llmk__json_i64(json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= LLMK_MAX_COUNT)
		*out = json_integer_value(v);
}

int llmk__json_index(json_t *obj, const char *key, size_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (size_t)json_integer_value(v);
	return 0;
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

llmk_status llmk__json_append_args(llmk__buf *out, json_t *args)
{
	if (json_is_string(args))
		return llmk__buf_append(out, json_string_value(args), json_string_length(args)) ? LLMK_E_NOMEM
		                                                                                : LLMK_OK;
	if (!args || json_is_null(args))
		return llmk__buf_append_str(out, "{}") ? LLMK_E_NOMEM : LLMK_OK;
	return llmk__json_dump(out, args, 0) ? LLMK_E_NOMEM : LLMK_OK;
}

int llmk__json_append_str(llmk__buf *b, json_t *v)
{
	return json_is_string(v) ? llmk__buf_append(b, json_string_value(v), json_string_length(v)) : 0;
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

/* ---- JSON templates ----------------------------------------------------- */

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

/* ---- request bodies ----------------------------------------------------- */

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
		default: bad = llmk__req_f64(r, map->opt, &f) && llmk__json_set(obj, map->key, json_real(f)); break;
		}
	}
	return bad ? -1 : 0;
}

int llmk__put_stops(json_t *obj, const char *key, const llmk_request *r)
{
	return r->nstops ? llmk__json_set_strings(obj, key, r->stops, r->nstops) : 0;
}

int llmk__put_section(json_t *body, const char *key, const llmk_request *r, const llmk__opt_key *map,
                      const char *stops_key)
{
	json_t *sec = json_object();

	/* Put in place first, so that it keeps its position among the members. */
	if (!sec || json_object_set_new(body, key, sec) || llmk__put_opts(sec, r, map) ||
	    llmk__put_stops(sec, stops_key, r))
		return -1;
	if (!json_object_size(sec))
		json_object_del(body, key);
	return 0;
}

llmk_status llmk__message_text(const llmk__message *m, llmk__buf *out)
{
	size_t i;
	int first = 1;

	for (i = 0; i < m->nparts; i++) {
		if (m->parts[i].type != LLMK_PART_TEXT)
			continue;
		if ((!first && llmk__buf_append(out, "\n", 1)) || llmk__buf_append_str(out, m->parts[i].text))
			return LLMK_E_NOMEM;
		first = 0;
	}
	return llmk__buf_append(out, "", 0) ? LLMK_E_NOMEM : LLMK_OK;
}

json_t *llmk__content_parts(const llmk__message *m)
{
	json_t *arr = json_array(), *part, *iu;
	size_t i;

	for (i = 0; arr && i < m->nparts; i++) {
		const llmk__part *p = &m->parts[i];
		if (p->type == LLMK_PART_TEXT) {
			part = json_pack("{s:s, s:s}", "type", "text", "text", p->text);
		} else if (p->type == LLMK_PART_IMAGE_URL) {
			iu = json_pack("{s:s}", "url", p->text);
			if (iu && p->detail && llmk__json_set(iu, "detail", json_string(p->detail))) {
				json_decref(iu);
				iu = NULL;
			}
			part = iu ? json_pack("{s:s, s:o}", "type", "image_url", "image_url", iu) : NULL;
		} else if (p->type == LLMK_PART_DOCUMENT) {
			part = llmk__document_part(p, "text", "file");
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

llmk_status llmk__put_messages(json_t *body, const llmk_client *c, const llmk_request *r,
                               json_t *(*one)(const llmk_client *c, const llmk__message *m), llmk_response *resp)
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

json_t *llmk__tool_call_json(const llmk__part *p, const char *tmpl, const char *provider, llmk_response *resp)
{
	llmk__slot slots[] = {
	        {"$id", p->id, NULL}, {"$name", p->detail ? p->detail : "", NULL}, {"$input", NULL, NULL}};
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

llmk_status llmk__append_parts(json_t *blocks, const llmk__message *m, const llmk__part_shape *shape,
                               const char *provider, llmk_response *resp)
{
	llmk__slot text = {"$text", NULL, NULL};
	json_t *b;
	size_t i;

	for (i = 0; i < m->nparts; i++) {
		const llmk__part *p = &m->parts[i];
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
		} else if (p->type == LLMK_PART_DOCUMENT && shape->document) {
			if (!(b = shape->document(p, resp)))
				return resp->status;
		} else if (p->type == LLMK_PART_OPAQUE) {
			/* A whole block of this format (a server tool's), as it came. */
			if (!shape->opaque_wire || p->wire != shape->opaque_wire || !p->opaque)
				continue;
			if (!(b = llmk__json_text(p->opaque)) || !json_is_object(b)) {
				json_decref(b);
				return llmk__fail(resp, LLMK_E_INVALID_ARG, "%s: an opaque part is not a JSON object",
				                  provider);
			}
		} else if (p->type == LLMK_PART_REASONING && shape->reasoning) {
			if (!(b = shape->reasoning(p, resp))) {
				if (resp->status)
					return resp->status;
				continue;
			}
		} else {
			continue;
		}
		if (shape->signature_key && p->wire == shape->wire && p->opaque && *p->opaque &&
		    llmk__json_set(b, shape->signature_key, json_string(p->opaque))) {
			json_decref(b);
			return FAIL_OOM(resp);
		}
		if (json_array_append_new(blocks, b))
			return FAIL_OOM(resp);
	}
	return LLMK_OK;
}

json_t *llmk__signed_block(const llmk__part *p, int64_t wire, const char *tmpl, llmk_response *resp)
{
	llmk__slot slots[2] = {{"$text", NULL, NULL}, {"$signature", NULL, NULL}};
	json_t *b;

	if (p->wire != wire || !p->opaque || !*p->opaque)
		return NULL;
	slots[0].text = p->text ? p->text : "";
	slots[1].text = p->opaque;
	b = *p->opaque == '{' ? llmk__json_text(p->opaque) : llmk__json_template(tmpl, slots, 2);
	if (!json_is_object(b)) {
		json_decref(b);
		FAIL_OOM(resp);
		return NULL;
	}
	return b;
}

const char *llmk__tool_call_name(const llmk_request *r, size_t upto, const char *id)
{
	size_t i, j;

	if (!id)
		return NULL;
	for (i = upto; i-- > 0;)
		for (j = 0; j < r->msgs[i].nparts; j++) {
			const llmk__part *p = &r->msgs[i].parts[j];
			if (p->type == LLMK_PART_TOOL_CALL && p->id && !strcmp(p->id, id))
				return p->detail;
		}
	return NULL;
}

/* ---- tools -------------------------------------------------------------- */

const llmk__tool_shape llmk__function_tool = {
        .decl = "{\"type\":\"function\",\"function\":"
                "{\"name\":\"$name\",\"description\":\"$description\",\"parameters\":\"$schema\","
                "\"strict\":\"$strict\"}}",
        .no_parameters = "{\"type\":\"object\",\"properties\":{}}",
};

/* strict: the request's LLMK_OPT_STRICT_TOOLS as true or false, left out
 * when unset (the API's own default). */
static json_t *tool_decl(const llmk__tool *t, const llmk__tool_shape *shape, json_t *strict)
{
	const char *params = t->parameters ? t->parameters : shape->no_parameters;
	llmk__slot slots[] = {{"$name", t->name, NULL},
	                      {"$description", t->description, NULL},
	                      {"$schema", NULL, NULL},
	                      {"$strict", NULL, strict}};
	json_t *decl;

	if (params && !(slots[2].value = llmk__json_text(params)))
		return NULL;
	if (slots[2].value && shape->schema && shape->schema(&slots[2].value)) {
		json_decref(slots[2].value);
		return NULL;
	}
	decl = llmk__json_template(shape->decl, slots, 4);
	json_decref(slots[2].value);
	return decl;
}

llmk_status llmk__tool_decls(const llmk_request *r, const llmk__tool_shape *shape, json_t *obj, const char *key,
                             llmk_response *resp)
{
	json_t *tools, *strict = NULL;
	int64_t v;
	size_t i;

	if (!r->ntools)
		return LLMK_OK;
	if (!(tools = llmk__json_set_array(obj, key)))
		return FAIL_OOM(resp);
	if (llmk__req_i64(r, LLMK_OPT_STRICT_TOOLS, &v))
		strict = json_boolean(v); /* a static value: no reference to drop */
	for (i = 0; i < r->ntools; i++)
		if (json_array_append_new(tools, tool_decl(&r->tools[i], shape, strict)))
			return FAIL_OOM(resp);
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
	return llmk__fail(resp, LLMK_E_INVALID_ARG,
	                  "%s: tool_choice '%s' is neither %s nor the name of a declared tool", provider, choice, list);
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
			return llmk__fail(
			        resp, LLMK_E_UNSUPPORTED,
			        "%s cannot force a named tool (tool_choice '%s' among %zu tools): use required, or "
			        "declare only that tool",
			        provider, choice, r->ntools);
	}
	if (!*json)
		return LLMK_OK;
	return llmk__json_set(obj, key, llmk__json_template(json, &tool, 1)) ? FAIL_OOM(resp) : LLMK_OK;
}

/* ---- finishing a request ------------------------------------------------ */

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
	int bad = llmk__buf_reserve(&ex->body, 256) || llmk__json_dump(&ex->body, body, 15) ||
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

void llmk__form_opts(llmk__multipart *mp, const llmk_request *r, const llmk__opt_key *map)
{
	const char *s;
	char num[32];
	int64_t i64;
	double f;

	for (; map->key; map++) {
		switch (llmk_option_type(map->opt)) {
		case LLMK_TYPE_STR:
			if ((s = llmk__req_str(r, map->opt)))
				llmk__multipart_field(mp, map->key, s);
			break;
		case LLMK_TYPE_I64:
			if (llmk__req_i64(r, map->opt, &i64)) {
				snprintf(num, sizeof(num), "%lld", (long long)i64);
				llmk__multipart_field(mp, map->key, num);
			}
			break;
		default:
			if (llmk__req_f64(r, map->opt, &f)) {
				snprintf(num, sizeof(num), "%g", f);
				llmk__multipart_field(mp, map->key, num);
			}
			break;
		}
	}
}

llmk_status llmk__set_form_body(llmk_exchange *ex, llmk__multipart *mp, const char *accept, llmk_response *resp)
{
	if (llmk__multipart_finish(mp) || llmk__exchange_header(ex, "Content-Type", mp->content_type) ||
	    (accept && llmk__exchange_header(ex, "Accept", accept))) {
		llmk__multipart_free(mp);
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory building the multipart body");
	}
	ex->body = mp->body; /* hand the buffer over */
	return LLMK_OK;
}

llmk_status llmk__auth_header(llmk_exchange *ex, const char *name, const char *prefix, const char *key)
{
	llmk__buf v = LLMK__BUF_INIT;
	size_t pl = prefix ? strlen(prefix) : 0;
	llmk_status st;

	/* Reserve once: a realloc would leave an unwiped copy behind. */
	if (llmk__buf_reserve(&v, pl + strlen(key)) || (pl && llmk__buf_append(&v, prefix, pl)) ||
	    llmk__buf_append_str(&v, key))
		st = LLMK_E_NOMEM;
	else
		st = llmk__exchange_header(ex, name, v.data);
	if (v.data)
		sodium_memzero(v.data, v.len);
	llmk__buf_free(&v);
	return st;
}

llmk_status llmk__path_segment(llmk__buf *path, const char *what, const char *seg, size_t n, llmk_response *resp)
{
	int rc = llmk__url_append_segment(path, seg, n);

	if (rc == LLMK_URL_E_SEGMENT)
		return llmk__fail(resp, LLMK_E_INVALID_ARG,
		                  "%s: an empty, '.' or '..' part cannot be a URL path segment", what);
	return rc ? FAIL_OOM(resp) : LLMK_OK;
}

llmk_status llmk__count_check(llmk_response *resp, const char *what, size_t n, size_t max)
{
	if (n <= max)
		return LLMK_OK;
	return llmk__fail(resp, LLMK_E_TOO_LARGE, "the answer has %zu %s, more than %zu", n, what, max);
}

llmk_status llmk__openai_headers(const llmk_client *c, llmk_exchange *ex)
{
	const char *v;
	llmk_status st;

	if (c->api_key) {
		st = (c->provider->quirks & LLMK_Q_AZURE)
		             ? llmk__auth_header(ex, "api-key", NULL, c->api_key)
		             : llmk__auth_header(ex, "Authorization", "Bearer ", c->api_key);
		if (st)
			return st;
	}
	if ((v = llmk__client_str(c, LLMK_OPT_ORGANIZATION)) &&
	    (st = llmk__exchange_header(ex, "OpenAI-Organization", v)))
		return st;
	if ((v = llmk__client_str(c, LLMK_OPT_PROJECT)) && (st = llmk__exchange_header(ex, "OpenAI-Project", v)))
		return st;
	return llmk__user_agent(c, ex);
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

llmk_status llmk__document_text(const llmk__part *p, llmk__buf *out)
{
	const char *mime, *b64;
	size_t mlen, n;
	int bad = 0;
	uint8_t *text;

	if (!llmk__data_url_split(p->text, &mime, &mlen, &b64))
		return LLMK_E_INVALID_ARG;
	if (!(text = llmk__b64_decode(b64, strlen(b64), &n, &bad)))
		return bad ? LLMK_E_INVALID_ARG : LLMK_E_NOMEM;
	bad = llmk__buf_append(out, text, n);
	llmk__free(text);
	return bad ? LLMK_E_NOMEM : LLMK_OK;
}

json_t *llmk__document_part(const llmk__part *p, const char *text_type, const char *file_type)
{
	llmk__buf text = LLMK__BUF_INIT;
	json_t *part = NULL;

	if (strncmp(p->text, "data:text/plain;", 16)) { /* a PDF */
		if (!strcmp(file_type, "file"))
			return json_pack("{s:s, s:{s:s, s:s}}", "type", "file", "file", "filename", p->detail,
			                 "file_data", p->text);
		return json_pack("{s:s, s:s, s:s}", "type", file_type, "filename", p->detail, "file_data", p->text);
	}
	if (llmk__document_text(p, &text) == LLMK_OK)
		part = json_pack("{s:s, s:s%}", "type", text_type, "text", text.data ? text.data : "", text.len);
	llmk__buf_free(&text);
	return part;
}
