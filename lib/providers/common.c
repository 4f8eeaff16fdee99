/* Helpers shared by the provider adapters (see common.h). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common.h"

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

llmk_status llmk__merge_extra(const llmk_request *r, json_t *body, llmk_response *resp)
{
	json_t *extra;
	int bad;

	if (!r->extra_json)
		return LLMK_OK;
	extra = llmk__json_text(r->extra_json);
	bad = !extra || json_object_update(body, extra);
	json_decref(extra);
	return bad ? LLMK__FAIL_OOM(resp) : LLMK_OK;
}

llmk_status llmk__set_json_body(llmk_exchange *ex, json_t *body, const char *accept, llmk_response *resp)
{
	/* Straight into the exchange's body, by our writer (the same text as
	 * jansson's, several times faster). 15 significant digits: 0.7 goes
	 * out as 0.7, not 0.69999999999999996. */
	int bad = llmk_buf_reserve(&ex->body, 256) || llmk__json_dump(&ex->body, body, 15) ||
	          llmk__exchange_header(ex, "Content-Type", "application/json") ||
	          llmk__exchange_header(ex, "Accept", accept ? accept : "application/json");

	return bad ? LLMK__FAIL_OOM(resp) : LLMK_OK;
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

json_t *llmk__tool_decl(const llmk_tool *t, const char *schema_key, int wrap)
{
	json_t *fn = json_pack("{s:s}", "name", t->name), *schema;

	if (!fn || (t->description && llmk__json_set(fn, "description", json_string(t->description)))) {
		json_decref(fn);
		return NULL;
	}
	schema = t->parameters ? llmk__json_text(t->parameters) : json_pack("{s:s, s:{}}", "type", "object", "properties");
	if (llmk__json_set(fn, schema_key, schema)) {
		json_decref(fn);
		return NULL;
	}
	return wrap ? json_pack("{s:s, s:o}", "type", "function", "function", fn) : fn;
}

llmk_status llmk__tool_decls(const llmk_request *r, json_t *body, const char *key, const char *schema_key, int wrap,
                             llmk_response *resp)
{
	json_t *tools;
	size_t i;

	if (!r->ntools)
		return LLMK_OK;
	tools = json_array();
	if (!tools || json_object_set_new(body, key, tools))
		return LLMK__FAIL_OOM(resp);
	for (i = 0; i < r->ntools; i++)
		if (json_array_append_new(tools, llmk__tool_decl(&r->tools[i], schema_key, wrap)))
			return LLMK__FAIL_OOM(resp);
	return LLMK_OK;
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

llmk_status llmk__embeddings_from_rows(llmk_response *resp, json_t *const *rows, size_t n, size_t expected,
                                       const char *what)
{
	size_t i, j, dim;
	json_t *x;

	if (n != expected)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s has %zu vectors for %zu inputs", what, n, expected);
	if (!n)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s has no vectors", what);
	dim = json_array_size(rows[0]);
	for (i = 0; i < n; i++) {
		if (!json_is_array(rows[i]) || !json_array_size(rows[i]))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: vector %zu is not an array of numbers", what, i);
		if (json_array_size(rows[i]) != dim)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: vectors have different dimensions (%zu and %zu)", what,
			                  dim, json_array_size(rows[i]));
	}
	if (dim > SIZE_MAX / sizeof(float) / n)
		return llmk__fail(resp, LLMK_E_TOO_LARGE, "%s: %zu x %zu vectors are too large", what, n, dim);
	llmk__free(resp->emb);
	resp->emb = llmk__calloc(n * dim, sizeof(float));
	if (!resp->emb)
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory storing embeddings");
	for (i = 0; i < n; i++)
		json_array_foreach(rows[i], j, x)
		{
			if (!json_is_number(x))
				return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: vector %zu has a non-number at %zu", what, i, j);
			resp->emb[i * dim + j] = (float)json_number_value(x);
		}
	resp->nemb = n;
	resp->dim = dim;
	return LLMK_OK;
}

void llmk__block_set_tool(llmk_stream_ctx *s, size_t block)
{
	if (block < LLMK_MAX_BLOCKS)
		s->state[block / 64] = (int64_t)((uint64_t)s->state[block / 64] | ((uint64_t)1 << (block % 64)));
}

int llmk__block_is_tool(const llmk_stream_ctx *s, size_t block)
{
	return block < LLMK_MAX_BLOCKS && (((uint64_t)s->state[block / 64] >> (block % 64)) & 1u);
}

size_t llmk__block_tool_index(const llmk_stream_ctx *s, size_t block)
{
	size_t n = 0, i;

	for (i = 0; i < block && i < LLMK_MAX_BLOCKS; i++)
		n += (size_t)llmk__block_is_tool(s, i);
	return n;
}

llmk_status llmk__stream_stopped(llmk_stream_ctx *s)
{
	return s->resp->status ? s->resp->status : LLMK_E_CANCELLED;
}

llmk_status llmk__document_text(const llmk_part *p, llmk_buf *out)
{
	const char *mime, *b64;
	size_t mlen, n;
	int bad = 0;
	uint8_t *text;

	if (!llmk__data_url_split(p->text, &mime, &mlen, &b64))
		return LLMK_E_INVALID_ARG;
	if (!(text = llmk__b64_decode(b64, strlen(b64), &n, &bad)))
		return bad ? LLMK_E_INVALID_ARG : LLMK_E_NOMEM;
	bad = llmk_buf_append(out, text, n);
	llmk__free(text);
	return bad ? LLMK_E_NOMEM : LLMK_OK;
}

json_t *llmk__document_part(const llmk_part *p, const char *text_type, const char *file_type)
{
	llmk_buf text = LLMK_BUF_INIT;
	json_t *part = NULL;

	if (strncmp(p->text, "data:text/plain;", 16)) { /* a PDF */
		if (!strcmp(file_type, "file"))
			return json_pack("{s:s, s:{s:s, s:s}}", "type", "file", "file", "filename", p->detail, "file_data",
			                 p->text);
		return json_pack("{s:s, s:s, s:s}", "type", file_type, "filename", p->detail, "file_data", p->text);
	}
	if (llmk__document_text(p, &text) == LLMK_OK)
		part = json_pack("{s:s, s:s%}", "type", text_type, "text", text.data ? text.data : "", text.len);
	llmk_buf_free(&text);
	return part;
}
