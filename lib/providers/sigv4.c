/* AWS Signature Version 4, header form (see sigv4.h). */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "alloc.h"
#include "sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

static const char hexdig[] = "0123456789ABCDEF";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char lower[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = lower[in[i] >> 4];
		out[2 * i + 1] = lower[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void llmk__sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)data, (unsigned long long)len);
	to_hex(h, sizeof(h), out);
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '.' || c == '~';
}

/* RFC 3986 encoding, upper-case hex, every byte but the unreserved ones
 * (and '/' when keep_slash). */
static int encode(llmk__buf *out, const char *s, size_t n, int keep_slash)
{
	char esc[3];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			if (llmk__buf_append_char(out, (char)c))
				return -1;
			continue;
		}
		esc[0] = '%';
		esc[1] = hexdig[c >> 4];
		esc[2] = hexdig[c & 15];
		if (llmk__buf_append(out, esc, 3))
			return -1;
	}
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Percent-decodes s[0..n) into out (malformed escapes are kept as is). */
static int decode(llmk__buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			if (llmk__buf_append_char(out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]))))
				return -1;
			i += 2;
		} else if (llmk__buf_append_char(out, s[i])) {
			return -1;
		}
	}
	return 0;
}

/* One query parameter, name and value encoded canonically. */
typedef struct qparam {
	llmk__buf name, value;
} qparam;

static int qparam_less(const qparam *a, const qparam *b)
{
	int c = strcmp(a->name.data, b->name.data);
	return c < 0 || (c == 0 && strcmp(a->value.data, b->value.data) < 0);
}

/* Decodes then re-encodes each name=value pair, sorts by name then value,
 * joins them with '&'. */
static int canonical_query(const char *q, llmk__buf *out)
{
	llmk__buf tmp = LLMK__BUF_INIT;
	qparam *ps = NULL, t;
	size_t n = 0, i, j, cnt = 1;
	const char *p, *amp, *eq;
	int rc = -1;

	if (!q || !*q)
		return 0;
	for (p = q; *p; p++)
		cnt += *p == '&';
	ps = llmk__calloc(cnt, sizeof(*ps));
	if (!ps)
		return -1;
	for (p = q;; p = amp + 1) {
		amp = strchr(p, '&');
		if (!amp)
			amp = p + strlen(p);
		if (amp > p) {
			eq = memchr(p, '=', (size_t)(amp - p));
			if (!eq)
				eq = amp;
			llmk__buf_clear(&tmp);
			if (decode(&tmp, p, (size_t)(eq - p)) ||
			    encode(&ps[n].name, tmp.data ? tmp.data : "", tmp.len, 0) ||
			    llmk__buf_append(&ps[n].name, "", 0)) /* allocates: never NULL data */
				goto out;
			llmk__buf_clear(&tmp);
			if ((eq < amp && decode(&tmp, eq + 1, (size_t)(amp - eq - 1))) ||
			    encode(&ps[n].value, tmp.data ? tmp.data : "", tmp.len, 0) ||
			    llmk__buf_append_str(&ps[n].value, ""))
				goto out;
			n++;
		}
		if (!*amp)
			break;
	}
	for (i = 1; i < n; i++) /* insertion sort: a handful of parameters */
		for (j = i; j > 0 && qparam_less(&ps[j], &ps[j - 1]); j--) {
			t = ps[j];
			ps[j] = ps[j - 1];
			ps[j - 1] = t;
		}
	for (i = 0; i < n; i++)
		if ((i && llmk__buf_append_char(out, '&')) || llmk__buf_append(out, ps[i].name.data, ps[i].name.len) ||
		    llmk__buf_append_char(out, '=') || llmk__buf_append(out, ps[i].value.data, ps[i].value.len))
			goto out;
	rc = 0;
out:
	for (i = 0; i < cnt; i++) {
		llmk__buf_free(&ps[i].name);
		llmk__buf_free(&ps[i].value);
	}
	llmk__free(ps);
	llmk__buf_free(&tmp);
	return rc;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int name_cmp(const char *a, const char *b)
{
	for (; *a && lower(*a) == lower(*b); a++, b++)
		;
	return (unsigned char)lower(*a) - (unsigned char)lower(*b);
}

/* Value trimmed, inner runs of spaces collapsed to one. */
static int append_value(llmk__buf *out, const char *v)
{
	const char *e;
	int space = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (; v < e; v++) {
		if (*v == ' ' || *v == '\t') {
			space = 1;
			continue;
		}
		if ((space && llmk__buf_append_char(out, ' ')) || llmk__buf_append_char(out, *v))
			return -1;
		space = 0;
	}
	return 0;
}

int llmk__sigv4_canonical_request(const llmk__sigv4 *q, llmk__buf *out, llmk__buf *signed_headers)
{
	size_t *order, i, j, t;
	const char *path = q->path && *q->path ? q->path : "/";
	const char *qm = strchr(path, '?');
	llmk__buf names = LLMK__BUF_INIT;
	int rc = -1;

	order = llmk__calloc(q->nheaders ? q->nheaders : 1, sizeof(*order));
	if (!order)
		return -1;
	for (i = 0; i < q->nheaders; i++)
		order[i] = i;
	/* Stable: headers of one name keep their order when joined. */
	for (i = 1; i < q->nheaders; i++)
		for (j = i; j > 0 && name_cmp(q->headers[order[j]].name, q->headers[order[j - 1]].name) < 0; j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	if (llmk__buf_append_str(out, q->method) || llmk__buf_append_char(out, '\n') ||
	    (qm == path ? llmk__buf_append_char(out, '/')
	                : encode(out, path, qm ? (size_t)(qm - path) : strlen(path), 1)) ||
	    llmk__buf_append_char(out, '\n') ||
	    canonical_query(q->query ? q->query
	                    : qm     ? qm + 1
	                             : NULL,
	                    out) ||
	    llmk__buf_append_char(out, '\n'))
		goto fail;
	for (i = 0; i < q->nheaders; i++) {
		const llmk__header *h = &q->headers[order[i]];
		int same = i && !name_cmp(h->name, q->headers[order[i - 1]].name);
		const char *c;
		if (same) {
			if (llmk__buf_append_char(out, ','))
				goto fail;
		} else {
			if (i && llmk__buf_append_char(out, '\n'))
				goto fail;
			if (names.len && llmk__buf_append_char(&names, ';'))
				goto fail;
			for (c = h->name; *c; c++)
				if (llmk__buf_append_char(out, lower(*c)) || llmk__buf_append_char(&names, lower(*c)))
					goto fail;
			if (llmk__buf_append_char(out, ':'))
				goto fail;
		}
		if (append_value(out, h->value))
			goto fail;
	}
	if ((q->nheaders && llmk__buf_append_char(out, '\n')) || llmk__buf_append_char(out, '\n') ||
	    llmk__buf_append(out, names.data ? names.data : "", names.len) || llmk__buf_append_char(out, '\n') ||
	    llmk__buf_append_str(out, q->payload_hash))
		goto fail;
	if (signed_headers && llmk__buf_append(signed_headers, names.data ? names.data : "", names.len))
		goto fail;
	rc = 0;
fail:
	llmk__buf_free(&names);
	llmk__free(order);
	return rc;
}

static int scope(const llmk__sigv4 *q, llmk__buf *out)
{
	return llmk__buf_append(out, q->amz_date, 8) || llmk__buf_append_char(out, '/') ||
	       llmk__buf_append_str(out, q->region) || llmk__buf_append_char(out, '/') ||
	       llmk__buf_append_str(out, q->service) || llmk__buf_append_str(out, "/aws4_request");
}

int llmk__sigv4_string_to_sign(const llmk__sigv4 *q, const char *creq, size_t creq_len, llmk__buf *out)
{
	char hash[65];

	if (strlen(q->amz_date) < 8)
		return -1;
	llmk__sha256_hex(creq, creq_len, hash);
	return llmk__buf_append_str(out, ALGORITHM "\n") || llmk__buf_append_str(out, q->amz_date) ||
	                       llmk__buf_append_char(out, '\n') || scope(q, out) || llmk__buf_append_char(out, '\n') ||
	                       llmk__buf_append_str(out, hash)
	               ? -1
	               : 0;
}

static void hmac(unsigned char out[32], const unsigned char *key, size_t klen, const char *msg, size_t mlen)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, (unsigned long long)mlen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

int llmk__sigv4_authorization(const llmk__sigv4 *q, const char *access_key, const char *secret_key, llmk__buf *out)
{
	llmk__buf creq = LLMK__BUF_INIT, sts = LLMK__BUF_INIT, names = LLMK__BUF_INIT;
	unsigned char k[32], sig[32];
	char hex[65];
	size_t slen = strlen(secret_key);
	char *kinit;
	int rc = -1;

	if (strlen(q->amz_date) < 8)
		return -1;
	/* kSecret = "AWS4" + secret, in guarded memory like the secret itself. */
	kinit = sodium_malloc(slen + 5);
	if (!kinit)
		return -1;
	memcpy(kinit, "AWS4", 4);
	memcpy(kinit + 4, secret_key, slen + 1);
	if (llmk__sigv4_canonical_request(q, &creq, &names) || llmk__sigv4_string_to_sign(q, creq.data, creq.len, &sts))
		goto out;
	hmac(k, (const unsigned char *)kinit, slen + 4, q->amz_date, 8);
	hmac(k, k, 32, q->region, strlen(q->region));
	hmac(k, k, 32, q->service, strlen(q->service));
	hmac(k, k, 32, "aws4_request", 12);
	hmac(sig, k, 32, sts.data, sts.len);
	to_hex(sig, sizeof(sig), hex);
	if (llmk__buf_append_str(out, ALGORITHM " Credential=") || llmk__buf_append_str(out, access_key) ||
	    llmk__buf_append_char(out, '/') || scope(q, out) || llmk__buf_append_str(out, ", SignedHeaders=") ||
	    llmk__buf_append(out, names.data ? names.data : "", names.len) ||
	    llmk__buf_append_str(out, ", Signature=") || llmk__buf_append_str(out, hex))
		goto out;
	rc = 0;
out:
	sodium_memzero(k, sizeof(k));
	sodium_free(kinit);
	llmk__buf_free(&creq);
	llmk__buf_free(&sts);
	llmk__buf_free(&names);
	return rc;
}

void llmk__sigv4_date(int64_t epoch, char out[17])
{
	time_t t = (time_t)epoch;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}
