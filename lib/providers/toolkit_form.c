/* Multipart bodies from a tree of fields, so that what a JSON body gets
 * (options as members, the request's extra JSON merged over them) reaches
 * a form too: transcription's timestamp_granularities[], include[],
 * chunking_strategy and stream, image edits' fields. One rule for every
 * value, stated in llmkit.h (llmk_request_set_extra_json()). */
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

/* One value as a form field: a string as it is, a number or boolean as
 * its JSON text, an object (or a nested array) as its JSON text. -1 when
 * memory ran out. */
static int put_value(llmk__multipart *mp, const char *name, json_t *v)
{
	llmk__buf b = LLMK__BUF_INIT;
	char num[40];
	const char *text = num;

	switch (json_typeof(v)) {
	case JSON_STRING: text = json_string_value(v); break;
	case JSON_INTEGER: snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v)); break;
	case JSON_REAL: real_text(json_real_value(v), num, sizeof(num)); break;
	case JSON_TRUE: text = "true"; break;
	case JSON_FALSE: text = "false"; break;
	default:
		if (llmk__json_dump(&b, v, 17)) {
			llmk__buf_free(&b);
			return -1;
		}
		text = b.data;
		break;
	}
	llmk__multipart_field(mp, name, text);
	llmk__buf_free(&b);
	return 0;
}

/* A field name goes between quotes in a part's header: no quote, no
 * backslash, no control character (a CR or LF would start a header). */
static int bad_name(const char *key)
{
	return !*key || strlen(key) > 200 || strpbrk(key, "\"\\") || llmk__has_ctl(key);
}

llmk_status llmk__form_body(llmk_exchange *ex, llmk__multipart *mp, const llmk_request *r, json_t *fields,
                            const char *accept, llmk_response *resp)
{
	const char *key;
	json_t *v, *el, *extra = NULL;
	char name[256];
	size_t i;
	int bad = !fields;

	if (!bad && r->extra_json) {
		extra = llmk__json_text(r->extra_json);
		bad = !extra || json_object_update(fields, extra);
		json_decref(extra);
	}
	if (!bad)
		json_object_foreach(fields, key, v)
		{
			if (bad_name(key)) {
				json_decref(fields);
				llmk__multipart_free(mp);
				return llmk__fail(resp, LLMK_E_INVALID_ARG,
				                  "extra JSON member names a form field with a quote, backslash or "
				                  "control character");
			}
			if (json_is_null(v))
				continue; /* extra JSON's null removes the library's field */
			if (!json_is_array(v)) {
				bad |= put_value(mp, key, v);
				continue;
			}
			/* Arrays the way OpenAI's SDKs send them: one "name[]" per element. */
			snprintf(name, sizeof(name), "%.*s[]", (int)(sizeof(name) - 3), key);
			json_array_foreach(v, i, el) bad |= put_value(mp, name, el);
		}
	json_decref(fields);
	if (bad || mp->failed) {
		llmk__multipart_free(mp);
		return llmk__fail(resp, bad ? LLMK_E_NOMEM : LLMK_E_INVALID_ARG, "%s",
		                  bad ? "out of memory building the multipart body"
		                      : "a form field holds the multipart boundary, or memory ran out");
	}
	return llmk__set_form_body(ex, mp, accept, resp);
}
