/* Embedding lists read straight into the response's float array (see
 * toolkit.h, llmk__embeddings_from_list).
 *
 * A 2048 x 1536 answer is 3 million numbers: ~40 MB of decimal text, or
 * 17 MB of base64 (little-endian float32, what OpenAI's own SDKs ask for).
 * Built as a JSON tree it would cost a value per number or a copy of every
 * base64 string; here the list's bytes (located and checked as JSON by
 * llmk__json_loadb_span) are scanned once and each vector lands in place:
 * decimal numbers through an exact fast path (Clinger: a mantissa below
 * 2^53 and a power of ten below 10^23 are both exact doubles, so one
 * multiplication or division rounds correctly, the double strtod() gives)
 * with strtod() for the rest, base64 through a table, four characters at a
 * time. Each number then goes to float as before ((float)strtod(...)).
 *
 * Hostile answers: the list was checked as JSON before, and the scanner
 * still never reads past its end; the float array is sized from the first
 * vector only after checking that expected x dim numbers could fit in the
 * answer's bytes at all (each takes at least one byte), so a short answer
 * cannot make it allocate more than four times its own size. Wrong or
 * mixed dimensions, a base64 length that is not whole float32 values, an
 * index out of range or seen twice, NaN or infinity in binary data, numbers
 * beyond float range: clear LLMK_E_PROTOCOL errors. */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toolkit.h"

typedef const unsigned char uc;

static uc *ws(uc *p, uc *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* Past the string whose '"' is at p, or NULL. A base64 vector is 8 KiB of
 * string: memchr() finds its end at memory speed, and only a string with a
 * backslash before that quote is walked byte by byte. */
static uc *skip_str(uc *p, uc *end)
{
	uc *q = memchr(p + 1, '"', (size_t)(end - p - 1));

	if (q && !memchr(p + 1, '\\', (size_t)(q - p - 1)))
		return q + 1;
	for (p++; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\')
			p++;
	}
	return NULL;
}

/* Past any value at p (text already checked as JSON; still bounded). */
static uc *skip_any(uc *p, uc *end)
{
	size_t depth = 0;

	for (;;) {
		p = ws(p, end);
		if (p >= end)
			return NULL;
		switch (*p) {
		case '"':
			if (!(p = skip_str(p, end)))
				return NULL;
			break;
		case '{':
		case '[': depth++, p++; continue;
		case '}':
		case ']':
			if (!depth)
				return NULL;
			depth--, p++;
			break;
		case ',':
		case ':':
			if (!depth)
				return NULL;
			p++;
			continue;
		default:
			while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' && *p != '\n' &&
			       *p != '\r' && *p != '\t')
				p++;
			break;
		}
		if (!depth)
			return p;
	}
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod() of the token [s, e), with the locale's decimal point (as the
 * JSON parser does), for what the fast path leaves. */
static int slow_double(uc *s, uc *e, double *out)
{
	size_t n = (size_t)(e - s);
	char small[72], *buf = small;
	const char *point = localeconv()->decimal_point;
	size_t pl = point ? strlen(point) : 0;

	if (n + 8 > sizeof(small) && !(buf = llmk__malloc(n + 8)))
		return -2;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (pl && pl < 8 && point[0] != '.') {
		char *dot = memchr(buf, '.', n);
		if (dot) {
			memmove(dot + pl, dot + 1, n - (size_t)(dot - buf));
			memcpy(dot, point, pl);
		}
	}
	errno = 0;
	*out = strtod(buf, NULL);
	if (buf != small)
		llmk__free(buf);
	return 0;
}

/* One JSON number at *pp into *out. 0; -1 not a number; 1 beyond float
 * range; -2 out of memory. */
static int read_float(uc **pp, uc *end, float *out)
{
	uc *p = *pp, *start = p;
	uint64_t m = 0;
	int neg = 0, many = 0, real = 0;
	long exp10 = 0;
	double d;

	if (p < end && *p == '-')
		neg = 1, p++;
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (m < 100000000000000000ull)
			m = m * 10 + (uint64_t)(*p - '0');
		else
			many = 1, exp10++;
	}
	if (p < end && *p == '.') {
		real = 1;
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (m < 100000000000000000ull)
				m = m * 10 + (uint64_t)(*p - '0'), exp10--;
			else if (*p != '0')
				many = 1;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		long e = 0;
		int eneg = 0;
		real = 1;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		exp10 += eneg ? -e : e;
	}
	if (m == 0 && !many)
		d = 0.0;
	else if (!many && m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22)
		d = exp10 < 0 ? (double)m / pow10_exact[-exp10] : (double)m * pow10_exact[exp10];
	else {
		int rc = slow_double(neg ? start + 1 : start, p, &d);
		if (rc)
			return rc;
	}
	if (neg && (real || d != 0.0)) /* "-0" is the integer 0, as the JSON parser reads it */
		d = -d;
	*pp = p;
	/* 2^128, one float ulp past FLT_MAX, is the float bound OpenAPI
	 * tools write (Prism's example embedding is -3.402823669209385e+38):
	 * read as the largest float. Past it: refused, never an infinity. */
	if (d > FLT_MAX && d <= 0x1p128)
		d = FLT_MAX;
	else if (d < -FLT_MAX && d >= -0x1p128)
		d = -FLT_MAX;
	if (!(d >= -FLT_MAX && d <= FLT_MAX))
		return 1;
	*out = (float)d;
	return 0;
}

/* ---- base64 ------------------------------------------------------------- */

/* The value of each base64 character (RFC 4648 section 4), -1 for the
 * others: a constant, so threads share it without a first-use race. */
static const signed char b64_val[256] = {
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63, 52, 53, 54, 55,
        56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1, -1, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
        13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1, -1, 26, 27, 28, 29, 30, 31, 32,
        33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

/* Bytes that n base64 characters (padding included) decode to, or
 * (size_t)-1 when no base64 text has that shape. */
static size_t b64_size(uc *s, size_t n)
{
	size_t pad = 0;

	if (n && s[n - 1] == '=')
		pad++;
	if (n > 1 && s[n - 2] == '=')
		pad++;
	if (pad && n % 4)
		return (size_t)-1;
	if (n % 4 == 1)
		return (size_t)-1;
	return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) - pad;
}

/* Decodes n characters into out (exactly b64_size(s, n) bytes): 0, or -1
 * on a character outside the alphabet (or '=' before the end). */
static int b64_decode(uc *s, size_t n, unsigned char *out)
{
	size_t pad = (n && s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
	size_t full = (n - pad) / 4, i, rest;
	int a, b, c, d;

	for (i = 0; i < full; i++, s += 4, out += 3) {
		a = b64_val[s[0]], b = b64_val[s[1]], c = b64_val[s[2]], d = b64_val[s[3]];
		if ((a | b | c | d) < 0)
			return -1;
		out[0] = (unsigned char)(a << 2 | b >> 4);
		out[1] = (unsigned char)(b << 4 | c >> 2);
		out[2] = (unsigned char)(c << 6 | d);
	}
	rest = n - pad - full * 4; /* 0, 2 or 3 characters left */
	if (rest == 1)
		return -1;
	if (rest >= 2) {
		a = b64_val[s[0]], b = b64_val[s[1]];
		c = rest == 3 ? b64_val[s[2]] : 0;
		if ((a | b | c) < 0)
			return -1;
		out[0] = (unsigned char)(a << 2 | b >> 4);
		if (rest == 3)
			out[1] = (unsigned char)(b << 4 | c >> 2);
	}
	return 0;
}

/* ---- the list ------------------------------------------------------------ */

/* The member name at key (klen bytes between the quotes): 1 "index",
 * 2 "embedding", 0 another. A name written with escapes ("ind\u0065x") is
 * the same name to JSON: unescaped by the parser (rare, slow, right). */
static int member_name(uc *key, size_t klen)
{
	const char *k = (const char *)key;
	json_t *u = NULL;
	int r;

	if (memchr(key, '\\', klen)) {
		if (!(u = llmk__json_loadb(k - 1, klen + 2, JSON_DECODE_ANY, NULL)) || !json_is_string(u)) {
			json_decref(u);
			return 0;
		}
		k = json_string_value(u);
		klen = json_string_length(u);
	}
	r = klen == 5 && !memcmp(k, "index", 5) ? 1 : klen == 9 && !memcmp(k, "embedding", 9) ? 2 : 0;
	json_decref(u);
	return r;
}

typedef struct vlist {
	llmk_response *resp;
	const char *what;
	size_t expected, dim, len;
	float *emb;
	unsigned char *seen;
	uc *end;
} vlist;

/* Numbers in the array at p ('['), for the first vector's size and for
 * messages; 0 when it is not an array of numbers only. */
static size_t count_numbers(uc *p, uc *end)
{
	size_t n = 0;

	p = ws(p + 1, end);
	if (p < end && *p == ']')
		return 0;
	for (;;) {
		if (p >= end || (*p != '-' && (*p < '0' || *p > '9')))
			return 0;
		while (p < end && *p != ',' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			p++;
		n++;
		p = ws(p, end);
		if (p < end && *p == ',') {
			p = ws(p + 1, end);
			continue;
		}
		return p < end && *p == ']' ? n : 0;
	}
}

/* The characters of the string at p ('"') and whether it has escapes;
 * NULL when it does not end. */
static uc *string_body(uc *p, uc *end, size_t *n, int *esc)
{
	uc *s = p + 1, *q = skip_str(p, end);

	if (!q)
		return NULL;
	*n = (size_t)(q - 1 - s);
	*esc = memchr(s, '\\', *n) != NULL;
	return s;
}

/* A string with escapes ("\/" from some JSON writers) unescaped by the
 * JSON parser; NULL when it fails. */
static json_t *unescaped(uc *p, uc *end)
{
	uc *e = skip_str(p, end);

	return e ? llmk__json_loadb((const char *)p, (size_t)(e - p), JSON_DECODE_ANY, NULL) : NULL;
}

/* Size of the vector at p: numbers in an array, or float32 values in a
 * base64 string. 0 (with the failure set) when it is neither. */
static size_t vector_dim(vlist *v, size_t i, uc *p)
{
	size_t n, bytes;
	int esc;
	uc *s;
	json_t *u = NULL;

	if (*p == '[') {
		if (!(n = count_numbers(p, v->end)))
			llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding %zu is not an array of numbers", i);
		return n;
	}
	if (*p != '"' || !(s = string_body(p, v->end, &n, &esc))) {
		llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding %zu is neither an array of numbers nor base64", i);
		return 0;
	}
	if (esc) {
		if (!(u = unescaped(p, v->end))) {
			llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding %zu: base64 string is not valid", i);
			return 0;
		}
		s = (uc *)json_string_value(u);
		n = json_string_length(u);
	}
	bytes = b64_size(s, n);
	json_decref(u);
	if (bytes == (size_t)-1 || !bytes || bytes % 4) {
		llmk__fail(v->resp, LLMK_E_PROTOCOL,
		           "embedding %zu: base64 data is not whole little-endian float32 values (%zu characters)", i,
		           n);
		return 0;
	}
	return bytes / 4;
}

static int not_finite(const float *f, size_t n)
{
	size_t i;
	uint32_t bits;

	for (i = 0; i < n; i++) {
		memcpy(&bits, &f[i], 4);
		if ((bits & 0x7f800000u) == 0x7f800000u)
			return 1;
	}
	return 0;
}

/* Decodes the vector at p (item i, index idx) into its row. */
static llmk_status decode_vector(vlist *v, size_t i, size_t idx, uc *p, uc **after)
{
	uc *p0;
	size_t n, j;
	float *row;
	int rc;

	if (p >= v->end)
		return llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding %zu is not an array of numbers", i);
	if (!v->emb) { /* the first vector sets the size of all */
		if (!(v->dim = vector_dim(v, i, p)))
			return v->resp->status;
		if (v->dim > v->len / v->expected)
			return llmk__fail(v->resp, LLMK_E_PROTOCOL,
			                  "%s: %zu vectors of %zu numbers cannot fit in %zu bytes", v->what,
			                  v->expected, v->dim, v->len);
		/* Not zeroed: every row is written before the list is accepted
		 * (each index once, as many as expected). */
		v->emb = v->expected * v->dim > SIZE_MAX / sizeof(float)
		                 ? NULL
		                 : llmk__malloc(v->expected * v->dim * sizeof(float));
		v->seen = llmk__calloc(v->expected, 1);
		if (!v->emb || !v->seen)
			return llmk__fail(v->resp, LLMK_E_NOMEM, "out of memory storing embeddings");
	}
	if (idx >= v->expected)
		return llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding index %zu out of range", idx);
	if (v->seen[idx])
		return llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding index %zu appears twice", idx);
	v->seen[idx] = 1;
	row = v->emb + idx * v->dim;
	if (*p == '"') {
		int esc;
		uc *s = string_body(p, v->end, &n, &esc);
		json_t *u = NULL;

		if (s && esc && (u = unescaped(p, v->end))) {
			s = (uc *)json_string_value(u);
			n = json_string_length(u);
		}
		if (!s || (esc && !u) || b64_size(s, n) != v->dim * 4) {
			json_decref(u);
			if (!(n = vector_dim(v, i, p)))
				return v->resp->status;
			return llmk__fail(v->resp, LLMK_E_PROTOCOL,
			                  "embeddings have different dimensions (%zu and %zu)", v->dim, n);
		}
		rc = b64_decode(s, n, (unsigned char *)row);
		json_decref(u);
		*after = esc ? skip_str(p, v->end) : s + n + 1;
		if (rc)
			return llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding %zu: base64 string is not valid", i);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		for (j = 0; j < v->dim; j++) {
			uint32_t b;
			memcpy(&b, &row[j], 4);
			b = __builtin_bswap32(b);
			memcpy(&row[j], &b, 4);
		}
#endif
		if (not_finite(row, v->dim))
			return llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding %zu has a NaN or infinite value", i);
		return LLMK_OK;
	}
	if (*p != '[')
		return llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding %zu is neither an array of numbers nor base64",
		                  i);
	p0 = p;
	p = ws(p + 1, v->end);
	for (j = 0; j < v->dim; j++) {
		if ((rc = read_float(&p, v->end, &row[j]))) {
			if (rc == -2)
				return llmk__fail(v->resp, LLMK_E_NOMEM, "out of memory reading embeddings");
			if (rc > 0)
				return llmk__fail(v->resp, LLMK_E_PROTOCOL,
				                  "embedding %zu has a number beyond float range", i);
			break;
		}
		p = ws(p, v->end);
		if (p < v->end && *p == ']' && j + 1 == v->dim) {
			*after = p + 1;
			return LLMK_OK;
		}
		if (p >= v->end || *p != ',')
			break;
		p = ws(p + 1, v->end);
	}
	/* Longer, shorter, or not numbers only: which, for the message. */
	if (!(n = count_numbers(p0, v->end)))
		return llmk__fail(v->resp, LLMK_E_PROTOCOL, "embedding %zu has a non-number", i);
	return llmk__fail(v->resp, LLMK_E_PROTOCOL, "embeddings have different dimensions (%zu and %zu)", v->dim, n);
}

llmk_status llmk__embeddings_from_list(llmk_response *resp, const char *list, size_t len, size_t expected,
                                       const char *what)
{
	vlist v = {resp, what, expected, 0, len, NULL, NULL, NULL};
	uc *p = (uc *)list, *end, *vec, *key;
	size_t count = 0, idx, klen;
	int done, known_index, seen_index, which;
	llmk_status st = LLMK_OK;

	if (!list || !len)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s has no data array", what);
	end = v.end = p + len;
	p = ws(p, end);
	if (p >= end || *p != '[')
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s has no data array", what);
	if (!expected)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: no inputs to match", what);
	p = ws(p + 1, end);
	while (p < end && *p != ']') {
		if (count >= expected) { /* count the rest for the message */
			if (!(p = skip_any(p, end)))
				break;
			count++;
			p = ws(p, end);
			if (p < end && *p == ',')
				p = ws(p + 1, end);
			continue;
		}
		if (*p != '{') {
			st = llmk__fail(resp, LLMK_E_PROTOCOL, "%s: item %zu of data is not an object", what, count);
			goto out;
		}
		idx = count;
		vec = NULL;
		done = known_index = seen_index = 0;
		p = ws(p + 1, end);
		while (p < end && *p == '"') {
			int index_key;
			key = p + 1;
			if (!(p = skip_str(p, end)))
				break;
			klen = (size_t)(p - 1 - key);
			p = ws(p, end);
			if (p >= end || *p != ':')
				break;
			p = ws(p + 1, end);
			which = member_name(key, klen);
			index_key = which == 1;
			/* Duplicate members: JSON says the last counts, and a vector
			 * may already be in its row; refused rather than guessed. */
			if ((index_key && seen_index) || (which == 2 && (vec || done))) {
				st = llmk__fail(resp, LLMK_E_PROTOCOL, "%s: item %zu of data has two \"%s\" members",
				                what, count, index_key ? "index" : "embedding");
				goto out;
			}
			seen_index |= index_key;
			if (index_key && p < end && *p >= '0' && *p <= '9') {
				/* an integer (as json_is_integer() says): else the position counts */
				uc *q = p;
				size_t x = 0;
				int big = 0;
				for (; q < end && *q >= '0' && *q <= '9'; q++) {
					if (x > (SIZE_MAX - 9) / 10)
						big = 1;
					else
						x = x * 10 + (size_t)(*q - '0');
				}
				if (q >= end || (*q != '.' && *q != 'e' && *q != 'E')) {
					if (big) {
						st = llmk__fail(resp, LLMK_E_PROTOCOL, "embedding index out of range");
						goto out;
					}
					idx = x;
					known_index = 1;
				}
			}
			if (which == 2) {
				/* With its index known (OpenAI sends it first), the
				 * vector goes to its row now; else (llama.cpp sorts
				 * the keys: "embedding" before "index") after the
				 * object, from here. */
				if (known_index && !done && p < end) {
					if ((st = decode_vector(&v, count, idx, p, &p)))
						goto out;
					done = 1;
				} else {
					vec = p;
					if (!(p = skip_any(p, end)))
						break;
				}
			} else if (!(p = skip_any(p, end))) {
				break;
			}
			p = ws(p, end);
			if (p < end && *p == ',')
				p = ws(p + 1, end);
			else
				break;
		}
		if (p >= end || *p != '}') {
			st = llmk__fail(resp, LLMK_E_PROTOCOL, "%s: item %zu of data is malformed", what, count);
			goto out;
		}
		p = ws(p + 1, end);
		if (!vec && !done) {
			st = llmk__fail(resp, LLMK_E_PROTOCOL, "embedding %zu is not an array of numbers", count);
			goto out;
		}
		if (vec && (st = decode_vector(&v, count, idx, vec, &vec)))
			goto out;
		count++;
		if (p < end && *p == ',')
			p = ws(p + 1, end);
		else if (p >= end || *p != ']')
			break;
	}
	if (p >= end || *p != ']') {
		st = llmk__fail(resp, LLMK_E_PROTOCOL, "%s: data array is malformed", what);
		goto out;
	}
	if (count != expected) {
		st = llmk__fail(resp, LLMK_E_PROTOCOL, "%s has %zu vectors for %zu inputs", what, count, expected);
		goto out;
	}
	llmk__free(resp->emb);
	resp->emb = v.emb;
	v.emb = NULL;
	resp->nemb = expected;
	resp->dim = v.dim;
out:
	llmk__free(v.emb);
	llmk__free(v.seen);
	return st;
}

llmk_status llmk__read_embedding_answer(const llmk_request *r, llmk_response *resp, const char *body, size_t len,
                                        const char *const *keep, const char *list_key,
                                        llmk_status (*root_reader)(llmk_response *resp, json_t *root), const char *what)
{
	json_error_t err;
	size_t off = 0, n = 0;
	json_t *root = llmk__json_loadb_span(body, len, 0, keep, list_key, &off, &n, &err);
	llmk_status st;

	if (!root && llmk__json_error_too_large(&err))
		return llmk__fail(resp, LLMK_E_TOO_LARGE, "%s is %s", what, err.text);
	if (!root)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s is not valid JSON: %s at byte %d", what, err.text,
		                  err.position);
	if (!json_is_object(root)) {
		json_decref(root);
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s is not a JSON object", what);
	}
	st = root_reader ? root_reader(resp, root) : LLMK_OK;
	json_decref(root);
	if (st)
		return st;
	return llmk__embeddings_from_list(resp, n ? body + off : NULL, n, r->ninputs, what);
}
