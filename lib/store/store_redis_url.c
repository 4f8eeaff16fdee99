/* The Redis store's URL: the usual redis:// form (as redis-cli, redis-py
 * and hiredis-based clients read it), checked strictly: a value that is
 * not understood is refused rather than guessed, since a wrong database or
 * prefix would silently share (or split) state between programs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "secret.h"
#include "store_redis.h"

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Percent-decodes s[0..n) into a new string; NULL on a bad escape, a NUL
 * byte, or no memory (*nomem says which). */
static char *decode(const char *s, size_t n, int *nomem)
{
	char *out = llmk__malloc(n + 1);
	size_t i, w = 0;

	*nomem = !out;
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				out[w] = '\0'; /* what was decoded is wiped */
				llmk__free_wiped(out);
				return NULL;
			}
			out[w++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[w++] = s[i];
		}
	}
	out[w] = '\0';
	return out;
}

/* A decimal number in [lo, hi] spanning s[0..n) exactly. */
static int number(const char *s, size_t n, long lo, long hi, long *out)
{
	long v = 0;
	size_t i;

	if (!n || n > 9)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

static int prefix_ok(const char *s, size_t n)
{
	size_t i;

	if (n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
		      c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

static llmk_status query(const char *q, llmk__redis_url *u)
{
	long v;

	while (*q) {
		size_t n = strcspn(q, "&"), k = strcspn(q, "=");
		const char *val = q + k + 1;
		size_t vn = k < n ? n - k - 1 : 0;

		if (k >= n)
			return LLMK_E_INVALID_ARG;
		if (k == 6 && !strncmp(q, "prefix", 6) && prefix_ok(val, vn)) {
			memcpy(u->prefix, val, vn);
			u->prefix[vn] = '\0';
		} else if (k == 2 && !strncmp(q, "db", 2) && number(val, vn, 0, 9999, &v)) {
			u->db = (int)v;
		} else if (k == 10 && !strncmp(q, "timeout_ms", 10) && number(val, vn, 1, 60000, &v)) {
			u->timeout_ms = v;
		} else if (k == 18 && !strncmp(q, "connect_timeout_ms", 18) && number(val, vn, 1, 60000, &v)) {
			u->connect_timeout_ms = v;
		} else if (k == 4 && !strncmp(q, "pool", 4) && number(val, vn, 1, 64, &v)) {
			u->pool = (int)v;
		} else {
			return LLMK_E_INVALID_ARG;
		}
		q += n;
		if (*q == '&')
			q++;
	}
	return LLMK_OK;
}

llmk_status llmk__redis_url_parse(const char *url, llmk__redis_url *u)
{
	const char *p, *auth_end, *at, *host, *host_end, *colon;
	size_t i, hn;
	long v;
	int nomem = 0;

	memset(u, 0, sizeof(*u));
	u->port = 6379;
	u->timeout_ms = 250;
	u->connect_timeout_ms = 250;
	u->pool = 8;
	snprintf(u->prefix, sizeof(u->prefix), "llmk:");
	if (!url)
		return LLMK_E_INVALID_ARG;
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f || i > 4096)
			return LLMK_E_INVALID_ARG;
	if (!strncmp(url, "redis://", 8)) {
		p = url + 8;
	} else if (!strncmp(url, "rediss://", 9)) {
		p = url + 9;
		u->tls = 1;
	} else {
		return LLMK_E_INVALID_ARG;
	}
	auth_end = p + strcspn(p, "/?#");
	if (*auth_end == '#')
		return LLMK_E_INVALID_ARG;
	/* Userinfo: up to the last '@' of the authority. */
	for (at = NULL, host = p; host < auth_end; host++)
		if (*host == '@')
			at = host;
	host = p;
	if (at) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon) {
			if (colon > p && !(u->user = decode(p, (size_t)(colon - p), &nomem)))
				return nomem ? LLMK_E_NOMEM : LLMK_E_INVALID_ARG;
			if (!(u->password = decode(colon + 1, (size_t)(at - colon - 1), &nomem)))
				return nomem ? LLMK_E_NOMEM : LLMK_E_INVALID_ARG;
			if (!*u->password)
				return LLMK_E_INVALID_ARG;
		} else if (at > p && !(u->user = decode(p, (size_t)(at - p), &nomem))) {
			return nomem ? LLMK_E_NOMEM : LLMK_E_INVALID_ARG;
		}
		host = at + 1;
	}
	/* Host: a name, an IPv4 address or a bracketed IPv6 one; then a port. */
	if (*host == '[') {
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (!host_end)
			return LLMK_E_INVALID_ARG;
		hn = (size_t)(host_end - host - 1);
		memcpy(u->host, host + 1, hn < sizeof(u->host) ? hn : 0);
		host_end++;
	} else {
		host_end = memchr(host, ':', (size_t)(auth_end - host));
		if (!host_end)
			host_end = auth_end;
		hn = (size_t)(host_end - host);
		memcpy(u->host, host, hn < sizeof(u->host) ? hn : 0);
	}
	if (!hn || hn >= sizeof(u->host) || !u->host[0] || strpbrk(u->host, "@[]/"))
		return LLMK_E_INVALID_ARG;
	if (host_end < auth_end) {
		if (*host_end != ':' || !number(host_end + 1, (size_t)(auth_end - host_end - 1), 1, 65535, &v))
			return LLMK_E_INVALID_ARG;
		u->port = (int)v;
	}
	p = auth_end;
	if (*p == '/') {
		size_t n = strcspn(p + 1, "?#");
		if (n && !number(p + 1, n, 0, 9999, &v))
			return LLMK_E_INVALID_ARG;
		if (n)
			u->db = (int)v;
		p += 1 + n;
	}
	if (*p == '#')
		return LLMK_E_INVALID_ARG;
	if (*p == '?')
		return query(p + 1, u);
	return LLMK_OK;
}

void llmk__redis_url_clear(llmk__redis_url *u)
{
	llmk__free_wiped(u->user);
	llmk__free_wiped(u->password);
	u->user = u->password = NULL;
}
