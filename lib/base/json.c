/* See json.h. The parser is iterative (an explicit stack of open
 * containers), so hostile nesting costs heap, never C stack, and stops at
 * LLMK_JSON_MAX_DEPTH like jansson's own parser.
 *
 * One file over ~700 lines on purpose: the scanners, the memory budget, the
 * member filter, packed number arrays and the state machine share one
 * `parser` and its error rule (the first failure wins, positions as
 * jansson reports them); split, each part would need that whole state.
 * The writer, which shares nothing with it, is json_write.c. */
#include "json.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "utf8.h"

/* jansson 2.14 added the length-taking key functions; older releases
 * (meson.build accepts 2.10) get the same through NUL-terminated keys. */
#if JANSSON_VERSION_HEX >= 0x020e00
#define obj_setn json_object_setn_new_nocheck
#define iter_key_len json_object_iter_key_len
#else
static int obj_setn(json_t *o, const char *k, size_t n, json_t *v)
{
	char small[128], *key = n < sizeof(small) ? small : llmk__malloc(n + 1);
	int rc;

	if (!key) {
		json_decref(v);
		return -1;
	}
	memcpy(key, k, n);
	key[n] = '\0';
	rc = json_object_set_new_nocheck(o, key, v);
	if (key != small)
		llmk__free(key);
	return rc;
}
#define iter_key_len(it) strlen(json_object_iter_key(it))
#endif

static void *json_alloc(size_t n)
{
	return llmk__malloc(n);
}

static void json_free(void *p)
{
	llmk__free(p);
}

void llmk__json_setup(void)
{
	json_set_alloc_funcs(json_alloc, json_free);
}

typedef struct frame {
	json_t *c;     /* the open array or object, not yet in its parent */
	char *kown;    /* the pending key when it had escapes (ours) */
	const char *k; /* the pending key of an object */
	size_t klen;
} frame;

typedef struct parser {
	const unsigned char *s, *p, *end;
	size_t flags;
	json_error_t *err;
	int failed;
	char *scratch; /* unescaped string text */
	size_t scap;
	size_t budget, spent;    /* memory the tree may take, estimated (see charge()) */
	const char *const *keep; /* the root object's members to build; NULL: all */
	const char *span_key;    /* a root member skipped but located (llmk__json_loadb_span) */
	size_t span_off, span_len;
} parser;

/* The first error wins; the text never quotes input bytes beyond one
 * printable character, so nothing the server sent is echoed at length. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
fail(parser *ps, const unsigned char *at, const char *fmt, ...)
{
	json_error_t *e = ps->err;
	const unsigned char *q, *line = ps->s;
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = 1;
	if (!e)
		return;
	if (at > ps->end)
		at = ps->end;
	e->line = 1;
	for (q = ps->s; q < at; q++)
		if (*q == '\n') {
			e->line++;
			line = q + 1;
		}
	e->column = (int)(at - line) + 1;
	e->position = (int)(at - ps->s);
	snprintf(e->source, sizeof(e->source), "%s", "<buffer>");
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}

static void fail_char(parser *ps, const unsigned char *at, const char *what)
{
	if (at >= ps->end)
		fail(ps, at, "unexpected end of input, %s expected", what);
	else if (*at >= 0x20 && *at < 0x7f)
		fail(ps, at, "unexpected '%c', %s expected", *at, what);
	else
		fail(ps, at, "unexpected byte 0x%02x, %s expected", *at, what);
}

/* What jansson spends on each value it builds, measured with glibc's
 * malloc on 64-bit (jansson 2.14), rounded up: an object 240 bytes, each
 * member 120 and its key, an array 144 and 16 per element, a string 80
 * and its length, a number 32; true, false and null nothing. The parse
 * fails ("too large") once the sum passes the budget, so a body's tree is
 * bounded by the body's size however it is shaped ({}, {}, ... cost 78
 * times their text). */
#define COST_OBJECT 240
#define COST_MEMBER 120
#define COST_ARRAY 144
#define COST_ELEMENT 16
#define COST_STRING 80
#define COST_NUMBER 32

static int charge(parser *ps, size_t n, const unsigned char *at)
{
	if (n > ps->budget - ps->spent) {
		fail(ps, at, "too large: the parsed value would take more than %zu bytes (2 x the text + %u MiB)",
		     ps->budget, (unsigned)(LLMK_JSON_BUDGET_MARGIN >> 20));
		return -1;
	}
	ps->spent += n;
	return 0;
}

static const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The end of the run of bytes at p that a string takes as they are
 * (printable ASCII other than '"' and '\\'), eight at a time: a word
 * goes by whole when none of its bytes is below 0x20, has the top bit,
 * or equals '"' or '\\' (the usual has-zero-byte tests: a false alarm
 * only sends that word to the byte loop). */
static const unsigned char *plain_run(const unsigned char *p, const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t w, q, b;

	while (end - p >= 8) {
		memcpy(&w, p, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | w) & high)
			break;
		p += 8;
	}
	while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80)
		p++;
	return p;
}

/* The string whose opening quote is at ps->p. On success *out and *len are its
 * text: a slice of the input when it has no escapes, else the scratch
 * buffer (valid until the next string); *has_nul says whether it holds a
 * U+0000. ps->p moves past the closing quote. */
static int scan_string(parser *ps, const char **out, size_t *len, int *has_nul)
{
	const unsigned char *p = ps->p + 1, *end = ps->end, *start = p;
	char *o;

	*has_nul = 0;
	for (;;) {
		p = plain_run(p, end);
		if (p >= end) {
			fail(ps, p, "unterminated string");
			return -1;
		}
		if (*p == '"') {
			*out = (const char *)start;
			*len = (size_t)(p - start);
			ps->p = p + 1;
			return 0;
		}
		if (*p == '\\')
			break;
		if (*p < 0x20) {
			fail(ps, p, "control character 0x%02x in a string", *p);
			return -1;
		}
		{
			size_t n = llmk__utf8_len(p, end);
			if (!n) {
				fail(ps, p, "invalid UTF-8 in a string");
				return -1;
			}
			p += n;
		}
	}
	/* Escapes: the text shrinks when decoded, so the rest of the input
	 * bounds the scratch space needed. */
	if ((size_t)(end - start) + 1 > ps->scap) {
		size_t cap = (size_t)(end - start) + 1;
		char *grown = llmk__realloc(ps->scratch, cap);
		if (!grown) {
			fail(ps, p, "out of memory");
			return -1;
		}
		ps->scratch = grown;
		ps->scap = cap;
	}
	memcpy(ps->scratch, start, (size_t)(p - start));
	o = ps->scratch + (p - start);
	while (p < end && *p != '"') {
		unsigned char c = *p;
		if (c == '\\') {
			unsigned cp, lo;
			if (p + 1 >= end) {
				fail(ps, p, "unterminated string");
				return -1;
			}
			switch (p[1]) {
			case '"':
				*o++ = '"';
				p += 2;
				continue;
			case '\\':
				*o++ = '\\';
				p += 2;
				continue;
			case '/':
				*o++ = '/';
				p += 2;
				continue;
			case 'b':
				*o++ = '\b';
				p += 2;
				continue;
			case 'f':
				*o++ = '\f';
				p += 2;
				continue;
			case 'n':
				*o++ = '\n';
				p += 2;
				continue;
			case 'r':
				*o++ = '\r';
				p += 2;
				continue;
			case 't':
				*o++ = '\t';
				p += 2;
				continue;
			case 'u': break;
			default:
				if (p[1] >= 0x20 && p[1] < 0x7f)
					fail(ps, p, "invalid escape '\\%c' in a string", p[1]);
				else
					fail(ps, p, "invalid escape in a string");
				return -1;
			}
			if (hex4(p + 2, end, &cp)) {
				fail(ps, p, "invalid \\u escape in a string");
				return -1;
			}
			if (cp >= 0xDC00 && cp <= 0xDFFF) {
				fail(ps, p, "lone surrogate '\\u%04X' in a string", cp);
				return -1;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, end, &lo) ||
				    lo < 0xDC00 || lo > 0xDFFF) {
					fail(ps, p, "lone surrogate '\\u%04X' in a string", cp);
					return -1;
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			if (!cp)
				*has_nul = 1;
			o += put_utf8(o, cp);
			p += 6;
		} else if (c < 0x20) {
			fail(ps, p, "control character 0x%02x in a string", c);
			return -1;
		} else if (c < 0x80) {
			*o++ = (char)c;
			p++;
		} else {
			size_t n = llmk__utf8_len(p, end);
			if (!n) {
				fail(ps, p, "invalid UTF-8 in a string");
				return -1;
			}
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	if (p >= end) {
		fail(ps, p, "unterminated string");
		return -1;
	}
	*out = ps->scratch;
	*len = (size_t)(o - ps->scratch);
	ps->p = p + 1;
	return 0;
}

/* Past a run of at least one digit at p (a fraction or an exponent);
 * NULL, with the error set, when there is none. */
static const unsigned char *digits(parser *ps, const unsigned char *p)
{
	if (p >= ps->end || *p < '0' || *p > '9') {
		fail_char(ps, p, "a digit");
		return NULL;
	}
	while (p < ps->end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

static json_t *scan_number(parser *ps)
{
	const unsigned char *p = ps->p, *end = ps->end, *start = p;
	int neg = 0, real = 0;
	uint64_t mag = 0;
	int overflow = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p < end && *p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9') {
			fail(ps, p, "leading zero in a number");
			return NULL;
		}
	} else if (p < end && *p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9') {
			unsigned d = (unsigned)(*p - '0');
			if (mag > (UINT64_MAX - d) / 10)
				overflow = 1;
			else
				mag = mag * 10 + d;
			p++;
		}
	} else {
		fail_char(ps, p, "a digit");
		return NULL;
	}
	if (p < end && *p == '.') {
		real = 1;
		if (!(p = digits(ps, p + 1)))
			return NULL;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = 1;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!(p = digits(ps, p)))
			return NULL;
	}
	if (!real && (overflow || mag > (uint64_t)INT64_MAX + (uint64_t)neg)) {
		if (ps->flags & LLMK_JSON_STRICT_NUMBERS) {
			fail(ps, start, "integer out of range");
			return NULL;
		}
		real = 1; /* read as a real, as most JSON readers do */
	}
	if (!real) {
		json_t *v;
		ps->p = p;
		v = json_integer(neg ? (json_int_t)(0 - mag) : (json_int_t)mag);
		if (!v)
			fail(ps, start, "out of memory");
		return v;
	}
	{
		/* strtod() follows LC_NUMERIC: give it the locale's decimal
		 * point, as jansson does, so a host program's setlocale() cannot
		 * change what a number means. */
		size_t n = (size_t)(p - start);
		char small[64], *buf = small;
		const char *point = localeconv()->decimal_point;
		double d;
		json_t *v;

		if (n + 8 > sizeof(small) && !(buf = llmk__malloc(n + 8))) {
			fail(ps, start, "out of memory");
			return NULL;
		}
		memcpy(buf, start, n);
		buf[n] = '\0';
		if (point && point[0] != '.' && point[0] && strlen(point) < 8) {
			char *dot = memchr(buf, '.', n);
			if (dot) {
				size_t pl = strlen(point);
				memmove(dot + pl, dot + 1, n - (size_t)(dot - buf));
				memcpy(dot, point, pl);
			}
		}
		errno = 0;
		d = strtod(buf, NULL);
		if (buf != small)
			llmk__free(buf);
		if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) {
			if (ps->flags & LLMK_JSON_STRICT_NUMBERS) {
				fail(ps, start, "number out of range");
				return NULL;
			}
			ps->p = p;
			return json_null();
		}
		ps->p = p;
		if (!(v = json_real(d)))
			fail(ps, start, "out of memory");
		return v;
	}
}

static json_t *scan_literal(parser *ps)
{
	static const struct {
		const char *word;
		size_t len;
	} words[] = {{"true", 4}, {"false", 5}, {"null", 4}};
	const unsigned char *p = ps->p;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if ((size_t)(ps->end - p) >= words[i].len && !memcmp(p, words[i].word, words[i].len)) {
			ps->p = p + words[i].len;
			return i == 0 ? json_true() : i == 1 ? json_false() : json_null();
		}
	}
	fail_char(ps, p, "a value");
	return NULL;
}

/* A packed array (LLMK_JSON_PACK_REALS): a jansson string of this magic and
 * the floats. A string our parser makes never begins with 0xFF (not UTF-8),
 * so no text can pass for one. */
static const char pack_magic[4] = {'\xff', 'L', 'K', 'F'};
#define PACK_MIN 8

static int numberish(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* The array at ps->p ('[') packed, when it holds only numbers (at least
 * PACK_MIN, each within float range). NULL otherwise: with ps->p where it
 * was, for the ordinary path to build it, or with the error set (a
 * malformed number, the budget), which the ordinary path would have met
 * the same way. */
static json_t *try_pack(parser *ps)
{
	const unsigned char *start = ps->p, *p = ps->p + 1, *end = ps->end;
	size_t n = 0, i, cost;
	char *buf;
	json_t *v;

	for (;;) { /* the shape first: number-like tokens, ',' between, then ']' */
		p = skip_ws(p, end);
		if (p >= end || (*p != '-' && (*p < '0' || *p > '9')))
			return NULL;
		while (p < end && numberish(*p))
			p++;
		n++;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == ']')
			break;
		return NULL;
	}
	if (n < PACK_MIN || n > (SIZE_MAX - COST_STRING - sizeof(pack_magic)) / sizeof(float))
		return NULL;
	cost = COST_STRING + sizeof(pack_magic) + n * sizeof(float);
	if (charge(ps, cost, start))
		return NULL;
	if (!(buf = llmk__malloc(sizeof(pack_magic) + n * sizeof(float)))) {
		fail(ps, start, "out of memory");
		return NULL;
	}
	memcpy(buf, pack_magic, sizeof(pack_magic));
	ps->p = start + 1;
	for (i = 0; i < n; i++) {
		json_t *x;
		double d;
		float f;

		ps->p = skip_ws(ps->p, end);
		if (!(x = scan_number(ps))) {
			llmk__free(buf);
			return NULL;
		}
		d = json_is_integer(x) ? (double)json_integer_value(x) : json_is_real(x) ? json_real_value(x) : NAN;
		json_decref(x);
		ps->p = skip_ws(ps->p, end);
		if (ps->p >= end || *ps->p != (i + 1 < n ? ',' : ']')) {
			fail_char(ps, ps->p, "',' or ']'");
			llmk__free(buf);
			return NULL;
		}
		ps->p++;
		if (!(d >= -FLT_MAX && d <= FLT_MAX)) { /* null (1e999) or beyond float: not packed */
			llmk__free(buf);
			ps->spent -= cost;
			ps->p = start;
			return NULL;
		}
		f = (float)d;
		memcpy(buf + sizeof(pack_magic) + i * sizeof(float), &f, sizeof(f));
	}
	v = json_stringn_nocheck(buf, sizeof(pack_magic) + n * sizeof(float));
	llmk__free(buf);
	if (!v)
		fail(ps, start, "out of memory");
	return v;
}

const float *llmk__json_packed(const json_t *v, size_t *n)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);

	if (!s || len < sizeof(pack_magic) || (len - sizeof(pack_magic)) % sizeof(float) ||
	    memcmp(s, pack_magic, sizeof(pack_magic)))
		return NULL;
	*n = (len - sizeof(pack_magic)) / sizeof(float);
	return (const float *)(const void *)(s + sizeof(pack_magic));
}

static int kept(const char *const *keep, const char *k, size_t n)
{
	for (; *keep; keep++)
		if (strlen(*keep) == n && !memcmp(*keep, k, n))
			return 1;
	return 0;
}

/* An object member's key and the ':' after it (the scanner is before the
 * key): 0, or -1 with the failure recorded. The key text may be in the
 * scratch buffer, which the next string reuses. */
static int scan_key(parser *ps, const char **s, size_t *len)
{
	int nul;

	ps->p = skip_ws(ps->p, ps->end);
	if (ps->p >= ps->end || *ps->p != '"') {
		fail_char(ps, ps->p, "a string key");
		return -1;
	}
	if (scan_string(ps, s, len, &nul))
		return -1;
	if (nul) {
		fail(ps, ps->p - 1, "\\u0000 in an object key");
		return -1;
	}
	ps->p = skip_ws(ps->p, ps->end);
	if (ps->p >= ps->end || *ps->p != ':') {
		fail_char(ps, ps->p, "':'");
		return -1;
	}
	ps->p++;
	return 0;
}

/* Past the number at ps->p, checked as scan_number() checks it, nothing
 * converted: 0, or -1 with the error set. */
static int skip_number(parser *ps)
{
	const unsigned char *p = ps->p, *end = ps->end;

	if (*p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9') {
			fail(ps, p, "leading zero in a number");
			return -1;
		}
	} else if (!(p = digits(ps, p))) {
		return -1;
	}
	if (p < end && *p == '.' && !(p = digits(ps, p + 1)))
		return -1;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!(p = digits(ps, p)))
			return -1;
	}
	ps->p = p;
	return 0;
}

/* Past the value at ps->p, checked as parse() checks it but built nowhere
 * (a member of the root object nobody asked for). 0, or -1 with the error
 * set. `depth` is the nesting the value starts at. */
static int skip_value(parser *ps, size_t depth0)
{
	char close[LLMK_JSON_MAX_DEPTH];
	size_t depth = 0;
	const char *s;
	size_t len;
	int nul;
	json_t *x;

	for (;;) {
		ps->p = skip_ws(ps->p, ps->end);
		if (ps->p >= ps->end) {
			fail_char(ps, ps->p, "a value");
			return -1;
		}
		if (depth0 + depth == LLMK_JSON_MAX_DEPTH) {
			fail(ps, ps->p, "nesting deeper than %d", LLMK_JSON_MAX_DEPTH);
			return -1;
		}
		switch (*ps->p) {
		case '{':
		case '[':
			close[depth++] = *ps->p == '{' ? '}' : ']';
			ps->p = skip_ws(ps->p + 1, ps->end);
			if (ps->p < ps->end && *ps->p == close[depth - 1]) {
				ps->p++;
				depth--;
				goto after;
			}
			if (close[depth - 1] == '}')
				goto key;
			continue;
		case '"':
			if (scan_string(ps, &s, &len, &nul))
				return -1;
			if (nul && !(ps->flags & JSON_ALLOW_NUL)) {
				fail(ps, ps->p - 1, "\\u0000 in a string");
				return -1;
			}
			break;
		case '-':
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7':
		case '8':
		case '9':
			/* Only the syntax matters here: no value is built (a skipped
			 * embedding array is millions of numbers). Strict parses still
			 * convert, for their range check. */
			if (!(ps->flags & LLMK_JSON_STRICT_NUMBERS)) {
				if (skip_number(ps))
					return -1;
			} else {
				if (!(x = scan_number(ps)))
					return -1;
				json_decref(x);
			}
			break;
		default:
			if (!(x = scan_literal(ps)))
				return -1;
			json_decref(x);
			break;
		}
	after:
		if (!depth)
			return 0;
		ps->p = skip_ws(ps->p, ps->end);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			if (close[depth - 1] == '}')
				goto key;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close[depth - 1]) {
			ps->p++;
			depth--;
			goto after;
		}
		fail_char(ps, ps->p, close[depth - 1] == '}' ? "',' or '}'" : "',' or ']'");
		return -1;
	key:
		if (scan_key(ps, &s, &len))
			return -1;
	}
}

/* A string, number or literal value (the scanner is at its first byte). */
static json_t *scan_scalar(parser *ps)
{
	const char *s;
	size_t len;
	int nul;
	json_t *v;

	switch (*ps->p) {
	case '"':
		if (scan_string(ps, &s, &len, &nul) || charge(ps, COST_STRING + len, ps->p))
			return NULL;
		if (nul && !(ps->flags & JSON_ALLOW_NUL)) {
			fail(ps, ps->p - 1, "\\u0000 in a string");
			return NULL;
		}
		if (!(v = json_stringn_nocheck(s, len)))
			fail(ps, ps->p, "out of memory");
		return v;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		if (charge(ps, COST_NUMBER, ps->p))
			return NULL;
		return scan_number(ps);
	default: return scan_literal(ps);
	}
}

/* Opens the container at the scanner on the stack (grown as needed):
 * the new frame, or NULL on failure. */
static frame *open_container(parser *ps, frame **st, size_t *cap, size_t depth)
{
	frame *f;

	if (depth == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		frame *grown = llmk__realloc(*st, ncap * sizeof(**st));
		if (!grown) {
			fail(ps, ps->p, "out of memory");
			return NULL;
		}
		*st = grown;
		*cap = ncap;
	}
	f = &(*st)[depth];
	f->kown = NULL;
	f->k = NULL;
	f->klen = 0;
	f->c = NULL;
	if (charge(ps, *ps->p == '{' ? COST_OBJECT : COST_ARRAY, ps->p))
		return NULL;
	if (!(f->c = *ps->p == '{' ? json_object() : json_array())) {
		fail(ps, ps->p, "out of memory");
		return NULL;
	}
	return f;
}

/* Puts v (stolen) into the open container f under its pending key. */
static int attach(parser *ps, frame *f, json_t *v)
{
	int rc;

	if (charge(ps, json_is_object(f->c) ? COST_MEMBER + f->klen : COST_ELEMENT, ps->p)) {
		json_decref(v);
		return -1;
	}
	if (json_is_object(f->c)) {
		rc = obj_setn(f->c, f->k, f->klen, v);
		llmk__free(f->kown);
		f->kown = NULL;
	} else {
		rc = json_array_append_new(f->c, v);
	}
	if (rc)
		fail(ps, ps->p, "out of memory");
	return rc ? -1 : 0;
}

/* Reads a member's key and its ':' into f: 0, then the value follows;
 * 1 when the member is one nobody reads and was skipped whole; -1. */
static int read_key(parser *ps, frame *f, size_t depth)
{
	const char *s;
	size_t len;

	if (scan_key(ps, &s, &len))
		return -1;
	if (depth == 1 && ps->keep && !kept(ps->keep, s, len)) { /* a member nobody reads */
		int span = ps->span_key && strlen(ps->span_key) == len && !memcmp(ps->span_key, s, len);
		const unsigned char *at = skip_ws(ps->p, ps->end);
		if (skip_value(ps, depth))
			return -1;
		if (span) { /* the last of duplicate keys wins, as for built members */
			ps->span_off = (size_t)(at - ps->s);
			ps->span_len = (size_t)(ps->p - at);
		}
		return 1;
	}
	if (s == ps->scratch) { /* the scratch buffer is reused by the value */
		if (!(f->kown = llmk__malloc(len ? len : 1))) {
			fail(ps, ps->p, "out of memory");
			return -1;
		}
		memcpy(f->kown, s, len);
		s = f->kown;
	}
	f->k = s;
	f->klen = len;
	return 0;
}

static json_t *parse(parser *ps)
{
	frame *st = NULL, *f;
	size_t depth = 0, cap = 0;
	json_t *v = NULL;
	int rc;

	ps->p = skip_ws(ps->p, ps->end);
	if (!(ps->flags & JSON_DECODE_ANY) && (ps->p >= ps->end || (*ps->p != '[' && *ps->p != '{'))) {
		fail_char(ps, ps->p, "'[' or '{'");
		return NULL;
	}
value:
	ps->p = skip_ws(ps->p, ps->end);
	if (ps->p >= ps->end) {
		fail_char(ps, ps->p, "a value");
		goto bad;
	}
	/* jansson counts every value, so the innermost of the
	 * LLMK_JSON_MAX_DEPTH levels may only be an empty container. */
	if (depth == LLMK_JSON_MAX_DEPTH) {
		fail(ps, ps->p, "nesting deeper than %d", LLMK_JSON_MAX_DEPTH);
		goto bad;
	}
	if (*ps->p != '{' && *ps->p != '[') {
		if (!(v = scan_scalar(ps)))
			goto bad;
		goto got;
	}
	if (*ps->p == '[' && (ps->flags & LLMK_JSON_PACK_REALS)) {
		if ((v = try_pack(ps)))
			goto got;
		if (ps->failed)
			goto bad;
	}
	if (!(f = open_container(ps, &st, &cap, depth)))
		goto bad;
	depth++;
	ps->p = skip_ws(ps->p + 1, ps->end);
	if (ps->p < ps->end && *ps->p == (json_is_object(f->c) ? '}' : ']')) {
		ps->p++;
		v = f->c;
		depth--;
		goto got;
	}
	if (json_is_object(f->c))
		goto key;
	goto value;
got:
	if (!depth)
		goto done;
	f = &st[depth - 1];
	rc = attach(ps, f, v);
	v = NULL;
	if (rc)
		goto bad;
next:
	ps->p = skip_ws(ps->p, ps->end);
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		if (json_is_object(f->c))
			goto key;
		goto value;
	}
	if (ps->p < ps->end && *ps->p == (json_is_object(f->c) ? '}' : ']')) {
		ps->p++;
		v = f->c;
		depth--;
		goto got;
	}
	fail_char(ps, ps->p, json_is_object(f->c) ? "',' or '}'" : "',' or ']'");
	goto bad;
key:
	f = &st[depth - 1];
	rc = read_key(ps, f, depth);
	if (rc < 0)
		goto bad;
	if (rc > 0)
		goto next;
	goto value;
done:
	ps->p = skip_ws(ps->p, ps->end);
	if (ps->p < ps->end) {
		fail_char(ps, ps->p, "end of input");
		goto bad;
	}
	llmk__free(st);
	return v;
bad:
	json_decref(v);
	while (depth--) {
		json_decref(st[depth].c);
		llmk__free(st[depth].kown);
	}
	llmk__free(st);
	return NULL;
}

json_t *llmk__json_loadb(const char *data, size_t len, size_t flags, json_error_t *err)
{
	return llmk__json_loadb_keys(data, len, flags, NULL, err);
}

json_t *llmk__json_loadb_keys(const char *data, size_t len, size_t flags, const char *const *keep, json_error_t *err)
{
	return llmk__json_loadb_span(data, len, flags, keep, NULL, NULL, NULL, err);
}

json_t *llmk__json_loadb_span(const char *data, size_t len, size_t flags, const char *const *keep, const char *span_key,
                              size_t *span_off, size_t *span_len, json_error_t *err)
{
	parser ps;
	json_t *j;

	memset(&ps, 0, sizeof(ps));
	ps.span_key = keep ? span_key : NULL;
	ps.s = ps.p = (const unsigned char *)(data ? data : "");
	ps.end = ps.s + (data ? len : 0);
	ps.flags = flags;
	ps.keep = keep;
	ps.budget = len > (SIZE_MAX - LLMK_JSON_BUDGET_MARGIN) / 2 ? SIZE_MAX : 2 * len + LLMK_JSON_BUDGET_MARGIN;
	ps.err = err;
	if (err) {
		err->text[0] = '\0';
		err->source[0] = '\0';
		err->line = err->column = -1;
		err->position = 0;
	}
	j = parse(&ps);
	llmk__free(ps.scratch);
	if (span_off)
		*span_off = j ? ps.span_off : 0;
	if (span_len)
		*span_len = j ? ps.span_len : 0;
	return j;
}

int llmk__json_error_too_large(const json_error_t *err)
{
	return err && !strncmp(err->text, "too large:", 10);
}

json_t *llmk__json_loads(const char *text, size_t flags, json_error_t *err)
{
	return llmk__json_loadb(text, text ? strlen(text) : 0, flags, err);
}
