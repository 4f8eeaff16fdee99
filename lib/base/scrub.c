/* The scrubber (see scrub.h). Four passes over the text, each in place with
 * a read and a write position (the write position never passes the read
 * one, since every replacement is at most as long as what it replaces):
 * secrets in every encoding, masked echoes, key-shaped tokens, URL
 * userinfo. */
#include <string.h>

#include "scrub.h"

#define MARK "[REDACTED]"
#define MARK_LEN (sizeof(MARK) - 1)
#define MIN_MASK 3 /* '*' in a row that make a masked echo */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

static int hex4(const char *p)
{
	return hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0 && hexval(p[3]) >= 0;
}

/* One character of the text at p as it would read decoded: %XX (and
 * %25XX, encoded twice), \uXXXX below U+0100, \/ \" \\, with any number of
 * backslashes (JSON inside JSON), or the byte itself. Sets *c; returns the
 * bytes it takes, 0 at the end. */
static size_t decode(const char *p, const char *end, int *c)
{
	const char *q;

	if (p >= end)
		return 0;
	if (*p == '%' && end - p >= 5 && !memcmp(p, "%25", 3) && hexval(p[3]) >= 0 && hexval(p[4]) >= 0) {
		*c = hexval(p[3]) * 16 + hexval(p[4]);
		return 5;
	}
	if (*p == '%' && end - p >= 3 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
		*c = hexval(p[1]) * 16 + hexval(p[2]);
		return 3;
	}
	if (*p == '\\') {
		for (q = p; q < end && *q == '\\'; q++)
			;
		if (q < end && (*q == '/' || *q == '"')) {
			*c = *q;
			return (size_t)(q - p) + 1;
		}
		if (end - q >= 5 && *q == 'u' && hex4(q + 1)) {
			int v = ((hexval(q[1]) * 16 + hexval(q[2])) * 16 + hexval(q[3])) * 16 + hexval(q[4]);
			*c = v < 0x100 ? v : -1;
			return (size_t)(q - p) + 5;
		}
		if (q - p >= 2) { /* an escaped backslash */
			*c = '\\';
			return 2;
		}
	}
	*c = (unsigned char)*p;
	return 1;
}

/* Bytes of the echo of key that starts at p, 0 when none does. */
static size_t echo_at(const char *p, const char *end, const char *key)
{
	const char *q = p;
	size_t k;
	int c;

	for (; *key; key++) {
		k = decode(q, end, &c);
		if (!k || lower(c) != lower((unsigned char)*key))
			return 0;
		q += k;
	}
	return (size_t)(q - p);
}

/* Writes what replaces an m-byte echo at w; returns its length (<= m). */
static size_t put_mark(char *w, size_t m)
{
	if (m >= MARK_LEN) {
		memmove(w, MARK, MARK_LEN);
		return MARK_LEN;
	}
	memset(w, '*', m);
	return m;
}

static int usable(const char *s)
{
	return s && *s;
}

static size_t pass_secrets(char *t, size_t len, const char *const *sec, size_t n)
{
	size_t r = 0, w = 0, i, m, best;

	while (r < len) {
		best = 0;
		for (i = 0; i < n; i++)
			if (usable(sec[i]) && (m = echo_at(t + r, t + len, sec[i])) > best)
				best = m;
		if (best) {
			w += put_mark(t + w, best);
			r += best;
		} else {
			t[w++] = t[r++];
		}
	}
	return w;
}

static int same_ci(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Longest j < klen with the j bytes before `at` equal to the key's first j
 * (so the text shows the key's start). */
static size_t head_before(const char *start, const char *at, const char *key, size_t klen)
{
	size_t j = klen - 1;

	if ((size_t)(at - start) < j)
		j = (size_t)(at - start);
	for (; j; j--)
		if (same_ci(at - j, key, j))
			return j;
	return 0;
}

/* Longest j < klen with the j bytes at `at` equal to the key's last j. */
static size_t tail_after(const char *at, const char *end, const char *key, size_t klen)
{
	size_t j = klen - 1;

	if ((size_t)(end - at) < j)
		j = (size_t)(end - at);
	for (; j; j--)
		if (same_ci(at, key + klen - j, j))
			return j;
	return 0;
}

/* A run of '*' with enough of a secret's head before it or tail after it. */
static size_t pass_masked(char *t, size_t len, const char *const *sec, size_t n)
{
	size_t r = 0, w = 0, e, i, klen, thr, pre, suf, best_pre, best_suf;

	while (r < len) {
		if (t[r] != '*') {
			t[w++] = t[r++];
			continue;
		}
		for (e = r; e < len && t[e] == '*'; e++)
			;
		best_pre = best_suf = 0;
		if (e - r >= MIN_MASK)
			for (i = 0; i < n; i++) {
				if (!usable(sec[i]))
					continue;
				klen = strlen(sec[i]);
				thr = klen >= 8 ? 4 : (klen + 1) / 2;
				pre = klen > 1 ? head_before(t, t + w, sec[i], klen) : 0;
				suf = klen > 1 ? tail_after(t + e, t + len, sec[i], klen) : 0;
				if (pre >= thr || suf >= thr) {
					if (pre > best_pre)
						best_pre = pre;
					if (suf > best_suf)
						best_suf = suf;
				}
			}
		if (best_pre || best_suf) {
			w -= best_pre;
			w += put_mark(t + w, best_pre + (e - r) + best_suf);
			r = e + best_suf;
		} else {
			memmove(t + w, t + r, e - r);
			w += e - r;
			r = e;
		}
	}
	return w;
}

static int key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '*';
}

/* Provider key formats: OpenAI and Anthropic (sk-), Hugging Face (hf_),
 * Google (AIza), xAI (xai-), Groq (gsk_). A token that starts with one
 * and goes on for more than three characters keeps only the prefix. */
static size_t pass_keylike(char *t, size_t len)
{
	static const char *const prefixes[] = {"sk-", "hf_", "AIza", "xai-", "gsk_"};
	size_t r = 0, w = 0, i, pl, e;

	while (r < len) {
		int hit = 0;
		if (r == 0 || !key_char(t[r - 1]))
			for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]) && !hit; i++) {
				pl = strlen(prefixes[i]);
				if (len - r < pl || memcmp(t + r, prefixes[i], pl))
					continue;
				for (e = r + pl; e < len && key_char(t[e]); e++)
					;
				if (e - r > pl + 3) {
					memmove(t + w, t + r, pl);
					memcpy(t + w + pl, "***", 3);
					w += pl + 3;
					r = e;
					hit = 1;
				}
			}
		if (!hit)
			t[w++] = t[r++];
	}
	return w;
}

/* "scheme://user:password@host": the password (or a userinfo without
 * one, a token) becomes "***". */
static size_t pass_userinfo(char *t, size_t len)
{
	size_t r = 0, w = 0, s;

	while (r < len) {
		if (len - r > 3 && !memcmp(t + r, "://", 3)) {
			memmove(t + w, t + r, 3);
			w += 3;
			r += 3;
			for (s = r; s < len && !strchr("/?#@ \t\r\n\"'<>\\", t[s]); s++)
				;
			if (s < len && t[s] == '@' && s > r) {
				/* The user name stays when there is a password. */
				const char *colon = memchr(t + r, ':', s - r);
				if (colon) {
					size_t ul = (size_t)(colon - (t + r)) + 1;
					memmove(t + w, t + r, ul);
					w += ul;
					r += ul;
				}
				/* "***" (fewer for a shorter one): there was one. */
				if (s - r >= 3) {
					memcpy(t + w, "***", 3);
					w += 3;
				} else {
					memset(t + w, '*', s - r);
					w += s - r;
				}
				r = s;
			}
			continue;
		}
		t[w++] = t[r++];
	}
	return w;
}

size_t llmk__scrub(char *text, size_t len, const char *const *secrets, size_t n, unsigned flags)
{
	if (!text || !len)
		return 0;
	if (n) {
		len = pass_secrets(text, len, secrets, n);
		len = pass_masked(text, len, secrets, n);
	}
	if (flags & LLMK_SCRUB_KEYLIKE)
		len = pass_keylike(text, len);
	if (flags & LLMK_SCRUB_USERINFO)
		len = pass_userinfo(text, len);
	return len;
}

void llmk__scrub_str(char *s, const char *const *secrets, size_t n, unsigned flags)
{
	if (s)
		s[llmk__scrub(s, strlen(s), secrets, n, flags)] = '\0';
}

int llmk__url_userinfo_secret(const char *url, char *out, size_t cap)
{
	const char *p = url ? strstr(url, "://") : NULL, *e, *colon;
	size_t n;

	if (cap)
		out[0] = '\0';

	if (!p)
		return 0;
	p += 3;
	e = p + strcspn(p, "/?#@");
	if (*e != '@')
		return 0;
	colon = memchr(p, ':', (size_t)(e - p));
	if (colon)
		p = colon + 1;
	/* Percent-decoded: that is what goes over the wire and comes back. */
	for (n = 0; p < e; n++) {
		if (n + 1 >= cap)
			return 0;
		if (*p == '%' && e - p >= 3 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			out[n] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 3;
		} else {
			out[n] = *p++;
		}
	}
	out[n] = '\0';
	return n > 0;
}
