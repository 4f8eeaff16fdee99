/* See echo.h. */
#define _POSIX_C_SOURCE 200809L
#include "echo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(char *out, size_t cap, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o + n + 1 > cap)
		n = cap - *o - 1;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
}

static size_t head_len(size_t n)
{
	return n >= 16 ? 7 : n >= 8 ? 4 : (n + 1) / 2;
}

static size_t tail_len(size_t n)
{
	return n >= 8 ? 4 : (n + 1) / 2;
}

void echo_shapes_json(char *out, size_t cap, const char *secret)
{
	size_t n = strlen(secret), o = 0, i, h = head_len(n), t = tail_len(n);
	char tmp[16];

	out[0] = '\0';
	put(out, cap, &o, secret);
	put(out, cap, &o, " ");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)secret[i];
		if (isalnum(c) || strchr("-._~", c)) {
			tmp[0] = (char)c;
			tmp[1] = '\0';
		} else {
			snprintf(tmp, sizeof(tmp), "%%%02X", c);
		}
		put(out, cap, &o, tmp);
	}
	put(out, cap, &o, " ");
	for (i = 0; i < n; i++) { /* decodes to the plain secret */
		if (i == 0)
			snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned char)secret[i]);
		else if (secret[i] == '/')
			snprintf(tmp, sizeof(tmp), "\\/");
		else
			snprintf(tmp, sizeof(tmp), "%c", secret[i]);
		put(out, cap, &o, tmp);
	}
	put(out, cap, &o, " ");
	for (i = 0; i < n; i++) { /* decodes to a JSON-escaped secret */
		if (i == 0)
			snprintf(tmp, sizeof(tmp), "\\\\u%04x", (unsigned char)secret[i]);
		else if (secret[i] == '/')
			snprintf(tmp, sizeof(tmp), "\\\\/");
		else
			snprintf(tmp, sizeof(tmp), "%c", secret[i]);
		put(out, cap, &o, tmp);
	}
	put(out, cap, &o, " ");
	for (i = 0; i < n; i++) {
		tmp[0] = (char)toupper((unsigned char)secret[i]);
		tmp[1] = '\0';
		put(out, cap, &o, tmp);
	}
	put(out, cap, &o, " ");
	for (i = 0; i < h; i++) {
		tmp[0] = (char)toupper((unsigned char)secret[i]);
		tmp[1] = '\0';
		put(out, cap, &o, tmp);
	}
	put(out, cap, &o, "************");
	put(out, cap, &o, secret + n - t);
}

static int hexv(int c)
{
	return isdigit(c)               ? c - '0'
	       : (c >= 'a' && c <= 'f') ? c - 'a' + 10
	       : (c >= 'A' && c <= 'F') ? c - 'A' + 10
	                                : -1;
}

/* One round of decoding over s (in place): %XX, backslash runs before '/',
 * '"' or uXXXX; 1 if anything changed. Case is folded by the caller. */
static int decode_round(char *s)
{
	char *r = s, *w = s;
	int changed = 0;

	while (*r) {
		if (r[0] == '%' && hexv(r[1]) >= 0 && hexv(r[2]) >= 0) {
			*w++ = (char)(hexv(r[1]) * 16 + hexv(r[2]));
			r += 3;
			changed = 1;
		} else if (r[0] == '\\') {
			char *q = r;
			while (*q == '\\')
				q++;
			if (*q == '/' || *q == '"') {
				*w++ = *q;
				r = q + 1;
				changed = 1;
			} else if (q[0] == 'u' && hexv(q[1]) >= 0 && hexv(q[2]) >= 0 && hexv(q[3]) >= 0 &&
			           hexv(q[4]) >= 0 && q[1] == '0' && q[2] == '0') {
				*w++ = (char)(hexv(q[3]) * 16 + hexv(q[4]));
				r = q + 5;
				changed = 1;
			} else {
				*w++ = *r++;
			}
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return changed;
}

static void lower_str(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

const char *echo_find(const char *text, const char *secret)
{
	size_t n = strlen(secret), h = head_len(n), t = tail_len(n), tl = n < 16 ? n : 16;
	char *norm, *sec, needle[64];
	const char *what = NULL;
	int rounds;

	if (!text || !n)
		return NULL;
	norm = strdup(text);
	sec = strdup(secret);
	if (!norm || !sec)
		abort();
	for (rounds = 0; rounds < 4 && decode_round(norm); rounds++)
		;
	lower_str(norm);
	lower_str(sec);
	if (strstr(norm, sec))
		what = "the secret";
	snprintf(needle, sizeof(needle), "%.*s***", (int)h, sec);
	if (!what && strstr(norm, needle))
		what = "a masked head";
	snprintf(needle, sizeof(needle), "***%s", sec + n - t);
	if (!what && strstr(norm, needle))
		what = "a masked tail";
	if (!what && strstr(norm, sec + n - tl))
		what = "its tail";
	free(norm);
	free(sec);
	return what;
}
