/* Helpers of the batch APIs (batch_wire.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "batch_wire.h"

json_t *llmk__bw_object(llmk__batch_call *bc, const llmk_response *r, const char *what)
{
	json_t *v = llmk__json_loadb(r->raw.data, r->raw.len, 0, NULL);

	if (v && json_is_object(v))
		return v;
	json_decref(v);
	snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: %s is not a JSON object", bc->c->provider->name, what);
	return NULL;
}

llmk_status llmk__bw_str(char **field, json_t *v)
{
	if (!json_is_string(v))
		return LLMK_OK;
	return llmk__set_fieldn(field, json_string_value(v), json_string_length(v));
}

llmk_status llmk__bw_dump(json_t *v, char **out, size_t *len)
{
	llmk__buf b = LLMK__BUF_INIT;

	*out = NULL;
	*len = 0;
	if (llmk__json_dump(&b, v, 17) || llmk__buf_append(&b, "", 1)) {
		llmk__buf_free(&b);
		return LLMK_E_NOMEM;
	}
	*len = b.len - 1;
	*out = b.data;
	return LLMK_OK;
}

int64_t llmk__bw_count(json_t *v)
{
	int64_t n = -1;

	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < LLMK_MAX_COUNT)
		n = json_integer_value(v);
	return n;
}

llmk_status llmk__bw_id_path(llmk__batch_call *bc, llmk__buf *url, const char *id, int allow_slash)
{
	const unsigned char *p;

	if (!id || !*id || strlen(id) > 256 || !strcmp(id, ".") || !strcmp(id, "..") || strstr(id, "/."))
		goto bad;
	for (p = (const unsigned char *)id; *p; p++) {
		if (*p == '/' && allow_slash && p != (const unsigned char *)id && p[1] && p[-1] != '/')
			continue;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-' || *p == '.'))
			goto bad;
	}
	if (llmk__buf_append_str(url, "/") || llmk__buf_append_str(url, id)) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
		return LLMK_E_NOMEM;
	}
	return LLMK_OK;
bad:
	snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: batch id refused (letters, digits, '_', '-', '.' only)",
	         bc->c->provider->name);
	return LLMK_E_INVALID_ARG;
}

llmk_status llmk__bw_error(llmk__batch_result *res, llmk_status st, const char *fmt, ...)
{
	char msg[LLMK_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	res->status = st;
	return llmk__set_field(&res->error, msg);
}

llmk_status llmk__bw_put_line(llmk__batch_call *bc, FILE *out, const char *line, size_t len, uint64_t *written,
                              uint64_t max)
{
	if (len + 1 > max - *written) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: batch results exceed %llu bytes", bc->c->provider->name,
		         (unsigned long long)max);
		return LLMK_E_TOO_LARGE;
	}
	if (fwrite(line, 1, len, out) != len || fputc('\n', out) == EOF) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "writing the batch results to a temporary file failed");
		return LLMK_BATCH_E_IO;
	}
	*written += len + 1;
	return LLMK_OK;
}
