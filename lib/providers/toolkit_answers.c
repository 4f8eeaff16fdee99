/* The provider toolkit, answer side: error bodies and statuses, whole JSON
 * answers, tool calls, embeddings (toolkit.h). */
#include <string.h>

#include "toolkit.h"

/* ---- errors ------------------------------------------------------------- */

static int eq(const char *a, const char *b)
{
	return !strcmp(a, b);
}

llmk_status llmk__status_from_error(int32_t http, const char *type, const char *code, const char *msg)
{
	const char *t = type ? type : "", *k = code ? code : "", *m = msg ? msg : "";
	int in_body = http == 0 || (http >= 200 && http < 300);

	if (eq(k, "context_length_exceeded") || eq(t, "context_length_exceeded") ||
	    strstr(m, "maximum context length") || strstr(m, "context window") || strstr(m, "exceeds the context") ||
	    strstr(m, "prompt is too long") || strstr(m, "input token count") || strstr(m, "too many tokens"))
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

llmk_status llmk__answer_error(llmk_response *resp, llmk_status st, const char *prefix)
{
	return llmk__fail(resp, st, "%s%s", prefix, resp->error ? resp->error : "");
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

/* ---- whole answers ------------------------------------------------------ */

llmk_status llmk__read_json(const llmk__readers *readers, const llmk_request *r, llmk_response *resp, const char *what,
                            const char *body, size_t len)
{
	json_t *root = llmk__json_object_for(r, readers->keep, body, len, resp, what);
	llmk__reader read = r->kind > 0 && r->kind <= LLMK_SPEECH ? readers->kind[r->kind] : NULL;
	llmk_status st;

	if (!root)
		return resp->status;
	if (readers->error_prefix && json_object_get(root, "error"))
		st = llmk__answer_error(resp, llmk__error_from_json(resp, 200, root), readers->error_prefix);
	else
		st = readers->first ? readers->first(resp, root) : LLMK_OK;
	if (st == LLMK_OK)
		st = read ? read(r, root, resp)
		          : llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s: no reader for this kind", what);
	json_decref(root);
	return st;
}

llmk_status llmk__read_function_calls(json_t *calls, const char *none, llmk_response *resp)
{
	json_t *call, *fn, *args;
	llmk__tool_call *tc;
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
		    (args && !json_is_null(args) ? llmk__json_append_args(&tc->args, args)
		                                 : llmk__buf_append_str(&tc->args, none)))
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

/* Row i: rows[i], or element i of array; its member `member` when given. */
static json_t *row_at(json_t *const *rows, json_t *array, const char *member, size_t i)
{
	json_t *v = rows ? rows[i] : json_array_get(array, i);
	return member ? json_object_get(v, member) : v;
}

static llmk_status store_embeddings(llmk_response *resp, json_t *const *rows, json_t *array, const char *member,
                                    size_t n, size_t expected, const char *what)
{
	size_t i, dim;
	json_t *row;

	if (n != expected)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s has %zu vectors for %zu inputs", what, n, expected);
	if (!n)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s has no vectors", what);
	dim = llmk__json_vector_len(row_at(rows, array, member, 0));
	for (i = 0; i < n; i++) {
		row = row_at(rows, array, member, i);
		if (!llmk__json_vector_len(row))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: vector %zu is not an array of numbers", what, i);
		if (llmk__json_vector_len(row) != dim)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: vectors have different dimensions (%zu and %zu)",
			                  what, dim, llmk__json_vector_len(row));
	}
	if (dim > SIZE_MAX / sizeof(float) / n)
		return llmk__fail(resp, LLMK_E_TOO_LARGE, "%s: %zu x %zu vectors are too large", what, n, dim);
	llmk__free(resp->emb);
	resp->emb = llmk__calloc(n * dim, sizeof(float));
	if (!resp->emb)
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory storing embeddings");
	for (i = 0; i < n; i++)
		if (llmk__json_vector(row_at(rows, array, member, i), resp->emb + i * dim))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: vector %zu has a non-number", what, i);
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
