/* The JSON writer (see json.h): byte for byte what jansson's json_dumps()
 * writes with JSON_COMPACT | JSON_REAL_PRECISION(n), faster. */
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "json.h"
#include "utf8.h"

/* jansson 2.14 added the length-taking key functions; older releases
 * (meson.build accepts 2.10) get the same through NUL-terminated keys. */
#if JANSSON_VERSION_HEX >= 0x020e00
#define iter_key_len json_object_iter_key_len
#else
#define iter_key_len(it) strlen(json_object_iter_key(it))
#endif

/* Appends s[0..n) as a JSON string: '"', '\\' and control characters
 * escaped (\b \f \n \r \t, else \u00XX), everything else as it is. -1 on
 * invalid UTF-8 (jansson refuses to write it too) or a failed allocation. */
static int dump_string(llmk__buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
	char esc[6];

	if (llmk__buf_reserve(out, n + 2))
		return -1;
	out->data[out->len++] = '"';
	while (p < end) {
		run = p;
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80)
			p++;
		if (p > run && llmk__buf_append(out, run, (size_t)(p - run)))
			return -1;
		if (p >= end)
			break;
		if (*p >= 0x80) {
			size_t k = llmk__utf8_len(p, end);
			if (!k || llmk__buf_append(out, p, k))
				return -1;
			p += k;
			continue;
		}
		esc[0] = '\\';
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			if (llmk__buf_append(out, esc, 6))
				return -1;
			p++;
			continue;
		}
		if (llmk__buf_append(out, esc, 2))
			return -1;
		p++;
	}
	return llmk__buf_append_char(out, '"');
}

/* jansson's form of a real: %.<precision>g with '.' whatever the locale,
 * ".0" added when that reads as an integer, no '+' or leading zeros in the
 * exponent. */
static int dump_real(llmk__buf *out, double d, int precision)
{
	char buf[64], *e, *q;
	const char *point = localeconv()->decimal_point;
	int n = snprintf(buf, sizeof(buf) - 3, "%.*g", precision, d);

	if (n < 0 || (size_t)n >= sizeof(buf) - 3)
		return -1;
	if (point && point[0] && point[0] != '.' && !point[1] && (q = strchr(buf, point[0])))
		*q = '.';
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(buf, 'e'))) {
		char *digits = e + 1, *from;
		if (*digits == '+') {
			memmove(digits, digits + 1, strlen(digits));
		} else if (*digits == '-') {
			digits++;
		}
		for (from = digits; *from == '0' && from[1]; from++)
			;
		if (from != digits)
			memmove(digits, from, strlen(from) + 1);
		n = (int)strlen(buf);
	}
	return llmk__buf_append(out, buf, (size_t)n);
}

typedef struct dframe {
	json_t *c;
	void *it; /* objects: the next member */
	size_t i; /* members written */
} dframe;

int llmk__json_dump(llmk__buf *out, const json_t *root, int precision)
{
	dframe small[16], *st = small, *f;
	size_t depth = 0, cap = sizeof(small) / sizeof(small[0]);
	json_t *v = (json_t *)root;
	char num[32];
	int rc = -1;

	if (precision <= 0 || precision > 17)
		precision = 17;
value:
	if (!v)
		goto out;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth == LLMK_JSON_MAX_DEPTH * 2)
			goto out; /* deeper than anything we parse or build: a cycle */
		if (depth == cap) {
			dframe *grown = llmk__malloc(cap * 2 * sizeof(*st));
			if (!grown)
				goto out;
			memcpy(grown, st, cap * sizeof(*st));
			if (st != small)
				llmk__free(st);
			st = grown;
			cap *= 2;
		}
		f = &st[depth++];
		f->c = v;
		f->i = 0;
		f->it = json_is_object(v) ? json_object_iter(v) : NULL;
		if (llmk__buf_append_char(out, json_is_object(v) ? '{' : '['))
			goto out;
		break;
	case JSON_STRING:
		if (dump_string(out, json_string_value(v), json_string_length(v)))
			goto out;
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		if (llmk__buf_append_str(out, num))
			goto out;
		break;
	case JSON_REAL:
		if (dump_real(out, json_real_value(v), precision))
			goto out;
		break;
	case JSON_TRUE:
		if (llmk__buf_append(out, "true", 4))
			goto out;
		break;
	case JSON_FALSE:
		if (llmk__buf_append(out, "false", 5))
			goto out;
		break;
	default:
		if (llmk__buf_append(out, "null", 4))
			goto out;
		break;
	}
	while (depth) {
		f = &st[depth - 1];
		if (json_is_object(f->c)) {
			if (f->it) {
				if ((f->i++ && llmk__buf_append_char(out, ',')) ||
				    dump_string(out, json_object_iter_key(f->it), iter_key_len(f->it)) ||
				    llmk__buf_append_char(out, ':'))
					goto out;
				v = json_object_iter_value(f->it);
				f->it = json_object_iter_next(f->c, f->it);
				goto value;
			}
			if (llmk__buf_append_char(out, '}'))
				goto out;
		} else {
			if (f->i < json_array_size(f->c)) {
				if (f->i && llmk__buf_append_char(out, ','))
					goto out;
				v = json_array_get(f->c, f->i++);
				goto value;
			}
			if (llmk__buf_append_char(out, ']'))
				goto out;
		}
		depth--;
	}
	rc = 0;
out:
	if (st != small)
		llmk__free(st);
	return rc;
}
