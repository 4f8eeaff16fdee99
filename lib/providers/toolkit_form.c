/* Multipart bodies from a tree of fields, so that what a JSON body gets
 * (options as members, the request's extra JSON merged over them) reaches
 * a form too: transcription's timestamp_granularities[], include[],
 * chunking_strategy and stream, image edits' fields. One rule for every
 * value, stated in llmkit.h (llmk_request_set_extra_json()), the one
 * OpenAI's SDKs follow. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json.h"
#include "url.h"
#include "toolkit.h"

/* A number as the shortest text that reads back as the same double. */
static void real_text(double v, char *out, size_t cap)
{
	snprintf(out, cap, "%.15g", v);
	if (strtod(out, NULL) != v)
		snprintf(out, cap, "%.17g", v);
}

/* A field name goes between quotes in a part's header: no quote, no
 * backslash, no control character (a CR or LF would start a header). */
static int bad_name(const char *key)
{
	return !*key || strlen(key) > 256 || strpbrk(key, "\"\\") || llmk__has_ctl(key);
}

/* One value as form fields, the way OpenAI's SDKs write them (their
 * multipart serialiser, qs "brackets" format): a string as it is, a number
 * or boolean as its JSON text, an array as one "name[]" field per element,
 * an object as one "name[key]" field per member (nested likewise); null
 * writes nothing. -1 when memory ran out, -2 for a name bad_name()
 * refuses. */
static int put_value(llmk__multipart *mp, llmk__buf *name, json_t *v, int depth)
{
	size_t mark = name->len, i;
	const char *key;
	json_t *el;
	char num[40];
	const char *text = num;
	int rc = 0, sub;

	if (depth > 8) /* extra JSON is the caller's, but keep the recursion bounded */
		return -2;
	switch (json_typeof(v)) {
	case JSON_NULL: return 0;
	case JSON_STRING: text = json_string_value(v); break;
	case JSON_INTEGER: snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v)); break;
	case JSON_REAL: real_text(json_real_value(v), num, sizeof(num)); break;
	case JSON_TRUE: text = "true"; break;
	case JSON_FALSE: text = "false"; break;
	case JSON_ARRAY:
		json_array_foreach(v, i, el)
		{
			name->len = mark;
			sub = llmk__buf_append_str(name, "[]") ? -1 : put_value(mp, name, el, depth + 1);
			rc = rc ? rc : sub;
		}
		name->len = mark;
		name->data[mark] = '\0';
		return rc;
	case JSON_OBJECT:
		json_object_foreach(v, key, el)
		{
			name->len = mark;
			sub = llmk__buf_append_str(name, "[") || llmk__buf_append_str(name, key) ||
			                      llmk__buf_append_str(name, "]")
			              ? -1
			              : put_value(mp, name, el, depth + 1);
			rc = rc ? rc : sub;
		}
		name->len = mark;
		name->data[mark] = '\0';
		return rc;
	}
	if (bad_name(name->data))
		return -2;
	llmk__multipart_field(mp, name->data, text);
	return 0;
}

llmk_status llmk__form_body(llmk_exchange *ex, llmk__multipart *mp, const llmk_request *r, json_t *fields,
                            const char *accept, llmk_response *resp)
{
	llmk__buf name = LLMK__BUF_INIT;
	const char *key;
	json_t *v, *extra = NULL;
	int rc = fields ? 0 : -1;

	if (!rc && r->extra_json) {
		extra = llmk__json_text(r->extra_json);
		rc = !extra || json_object_update(fields, extra) ? -1 : 0;
		json_decref(extra);
	}
	if (!rc)
		json_object_foreach(fields, key, v)
		{
			llmk__buf_clear(&name);
			rc = llmk__buf_append_str(&name, key) ? -1 : put_value(mp, &name, v, 0);
			if (rc)
				break;
		}
	llmk__buf_free(&name);
	json_decref(fields);
	if (rc || mp->failed) {
		llmk__multipart_free(mp);
		if (rc == -2)
			return llmk__fail(resp, LLMK_E_INVALID_ARG,
			                  "extra JSON names a form field with a quote, backslash or control character, "
			                  "or nests deeper than 8");
		return llmk__fail(resp, rc ? LLMK_E_NOMEM : LLMK_E_INVALID_ARG, "%s",
		                  rc ? "out of memory building the multipart body"
		                     : "a form field holds the multipart boundary, or memory ran out");
	}
	return llmk__set_form_body(ex, mp, accept, resp);
}
