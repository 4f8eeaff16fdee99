/* HTTP/1.1 response decoder (see http1.h). */
#include <stdio.h>
#include <string.h>

#include "http1.h"

enum {
	H_STATUS,         /* the status line */
	H_INTERIM_FIELDS, /* the fields of a 1xx response (dropped) */
	H_FIELDS,         /* the fields of the final response */
	H_LENGTH,         /* body bytes, Content-Length framed */
	H_CLOSE,          /* body bytes until the connection closes */
	H_CHUNK_SIZE,     /* a chunk-size line */
	H_CHUNK_DATA,     /* chunk bytes */
	H_CHUNK_END,      /* the CRLF after a chunk's bytes */
	H_TRAILERS,       /* trailer fields after the last chunk (dropped) */
	H_DONE
};

#define MAX_CHUNK ((uint64_t)1 << 40)
#define MAX_LENGTH ((uint64_t)1 << 53)

void llmk__http1_init(llmk__http1 *d, const llmk__http1_cb *cb, size_t max_line, size_t max_head, int head_request)
{
	memset(d, 0, sizeof(*d));
	if (cb)
		d->cb = *cb;
	d->max_line = max_line;
	d->max_head = max_head;
	d->head_request = head_request;
	d->state = H_STATUS;
}

void llmk__http1_free(llmk__http1 *d)
{
	llmk__buf_free(&d->line);
}

const char *llmk__http1_why(const llmk__http1 *d)
{
	return d->why;
}

static int fail(llmk__http1 *d, int err, const char *why)
{
	d->err = err;
	snprintf(d->why, sizeof(d->why), "%s", why);
	return err;
}

static int fail_limit(llmk__http1 *d, const char *what, size_t limit)
{
	d->err = LLMK_HTTP1_E_TOO_LARGE;
	snprintf(d->why, sizeof(d->why), "%s larger than %zu bytes", what, limit);
	return d->err;
}

static int is_tchar(unsigned char c)
{
	/* RFC 9110 5.6.2 token characters */
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int lower_eq(const char *a, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = a[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lit[i])
			return 0;
	}
	return 1;
}

static int ows(char c)
{
	return c == ' ' || c == '\t';
}

/* "HTTP/1.x SSS[ reason]" */
static int status_line(llmk__http1 *d, const char *s, size_t n)
{
	int code;

	if (n < 12 || memcmp(s, "HTTP/1.", 7) || s[7] < '0' || s[7] > '9' || s[8] != ' ' || s[9] < '1' || s[9] > '9' ||
	    s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' || (n > 12 && s[12] != ' '))
		return fail(d, LLMK_HTTP1_E_PROTOCOL, "the response does not start with an HTTP/1.x status line");
	code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (code == 101)
		return fail(d, LLMK_HTTP1_E_PROTOCOL, "unexpected 101 (Switching Protocols) response");
	if (code < 200) {
		if (++d->interim > LLMK_HTTP1_MAX_INTERIM)
			return fail(d, LLMK_HTTP1_E_PROTOCOL, "too many interim (1xx) responses");
		d->state = H_INTERIM_FIELDS;
		return 0;
	}
	d->status = code;
	d->state = H_FIELDS;
	if (d->cb.status && d->cb.status(d->cb.user, code))
		return fail(d, LLMK_HTTP1_E_STOPPED, "stopped by the consumer");
	return 0;
}

/* Splits a field line in place into name and value (NUL-terminated), or
 * fails. */
static int split_field(llmk__http1 *d, char *s, size_t n, char **name, size_t *nl, char **value, size_t *vl)
{
	char *colon, *v, *e;
	size_t i;

	if (ows(s[0]))
		return fail(d, LLMK_HTTP1_E_PROTOCOL, "folded header line in the response (obsolete line folding)");
	colon = memchr(s, ':', n);
	if (!colon || colon == s)
		return fail(d, LLMK_HTTP1_E_PROTOCOL, "a response header line is not \"name: value\"");
	for (i = 0; s + i < colon; i++)
		if (!is_tchar((unsigned char)s[i]))
			return fail(d, LLMK_HTTP1_E_PROTOCOL, "bad character in a response header name");
	v = colon + 1;
	e = s + n;
	while (v < e && ows(*v))
		v++;
	while (e > v && ows(e[-1]))
		e--;
	for (i = 0; v + i < e; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(d, LLMK_HTTP1_E_PROTOCOL, "control character in a response header value");
	}
	*colon = '\0';
	*e = '\0';
	*name = s;
	*nl = (size_t)(colon - s);
	*value = v;
	*vl = (size_t)(e - v);
	return 0;
}

/* Content-Length: digits only; repeats must agree. */
static int content_length(llmk__http1 *d, const char *v, size_t n)
{
	uint64_t x = 0;
	size_t i;

	if (!n)
		return fail(d, LLMK_HTTP1_E_PROTOCOL, "bad Content-Length in the response");
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > MAX_LENGTH / 10)
			return fail(d, LLMK_HTTP1_E_PROTOCOL, "bad Content-Length in the response");
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > MAX_LENGTH || (d->has_length && x != d->length))
		return fail(d, LLMK_HTTP1_E_PROTOCOL, "bad Content-Length in the response");
	d->has_length = 1;
	d->length = x;
	return 0;
}

/* Transfer-Encoding: chunked when it is the last coding of the last
 * field. */
static void transfer_encoding(llmk__http1 *d, const char *v, size_t n)
{
	const char *last = v, *p;
	size_t ln;

	for (p = v; p < v + n; p++)
		if (*p == ',')
			last = p + 1;
	ln = (size_t)(v + n - last);
	while (ln && ows(*last))
		last++, ln--;
	while (ln && ows(last[ln - 1]))
		ln--;
	d->has_te = 1;
	d->chunked = lower_eq(last, ln, "chunked");
}

static int field_line(llmk__http1 *d, char *s, size_t n)
{
	char *name, *value;
	size_t nl, vl;
	int rc = split_field(d, s, n, &name, &nl, &value, &vl);

	if (rc)
		return rc;
	if (d->state == H_INTERIM_FIELDS || d->state == H_TRAILERS)
		return 0;
	if (lower_eq(name, nl, "transfer-encoding"))
		transfer_encoding(d, value, vl);
	else if (lower_eq(name, nl, "content-length") && (rc = content_length(d, value, vl)))
		return rc;
	if (d->cb.header && d->cb.header(d->cb.user, name, value))
		return fail(d, LLMK_HTTP1_E_STOPPED, "stopped by the consumer");
	return 0;
}

/* The empty line after the final response's fields: how the body ends. */
static void end_of_head(llmk__http1 *d)
{
	if (d->head_request || d->status == 204 || d->status == 304)
		d->state = H_DONE;
	else if (d->has_te)
		d->state = d->chunked ? H_CHUNK_SIZE : H_CLOSE;
	else if (d->has_length && d->length) {
		d->state = H_LENGTH;
		d->left = d->length;
	} else if (d->has_length)
		d->state = H_DONE;
	else
		d->state = H_CLOSE;
}

/* HEXDIG+ [BWS] [";" extensions] */
static int chunk_size(llmk__http1 *d, const char *s, size_t n)
{
	uint64_t x = 0;
	size_t i = 0;
	int v;

	for (; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			break;
		x = x * 16 + (uint64_t)v;
		if (x > MAX_CHUNK)
			return fail(d, LLMK_HTTP1_E_PROTOCOL, "chunk size too large in the response");
	}
	if (!i)
		return fail(d, LLMK_HTTP1_E_PROTOCOL, "bad chunk size line in the response");
	while (i < n && ows(s[i]))
		i++;
	if (i < n && s[i] != ';')
		return fail(d, LLMK_HTTP1_E_PROTOCOL, "bad chunk size line in the response");
	if (x == 0) {
		d->state = H_TRAILERS;
	} else {
		d->left = x;
		d->state = H_CHUNK_DATA;
	}
	return 0;
}

/* One complete line of the head, chunk framing or trailers: in d->line
 * without its line break, NUL-terminated. */
static int on_line(llmk__http1 *d)
{
	char *s = d->line.data ? d->line.data : (char *)"";
	size_t n = d->line.len;

	if (n && s[n - 1] == '\r')
		s[--n] = '\0';
	if (d->state != H_CHUNK_SIZE && d->state != H_CHUNK_END && memchr(s, '\0', n))
		return fail(d, LLMK_HTTP1_E_PROTOCOL, "NUL byte in the response head");
	switch (d->state) {
	case H_STATUS: return status_line(d, s, n);
	case H_INTERIM_FIELDS:
		if (!n)
			d->state = H_STATUS;
		return n ? field_line(d, s, n) : 0;
	case H_FIELDS:
		if (!n) {
			end_of_head(d);
			return 0;
		}
		return field_line(d, s, n);
	case H_CHUNK_SIZE: return chunk_size(d, s, n);
	case H_CHUNK_END:
		if (n)
			return fail(d, LLMK_HTTP1_E_PROTOCOL, "chunk data not followed by CRLF in the response");
		d->state = H_CHUNK_SIZE;
		return 0;
	default: /* H_TRAILERS */
		if (!n) {
			d->state = H_DONE;
			return 0;
		}
		return field_line(d, s, n);
	}
}

/* Collects bytes of a line; consumes through its LF and handles it when
 * complete. Returns the bytes consumed, or -1 on an error (d->err). When a
 * line would pass both limits, the one passed at the earlier byte is
 * reported, so the verdict does not depend on how the input was split. */
static long take_line(llmk__http1 *d, const uint8_t *p, size_t n)
{
	const uint8_t *nl = memchr(p, '\n', n);
	size_t k = nl ? (size_t)(nl - p) : n, counted = k + (nl ? 1 : 0);
	size_t line_room = d->max_line - d->line.len;
	int head = d->state != H_CHUNK_SIZE && d->state != H_CHUNK_END; /* trailers included */
	size_t head_room = head ? d->max_head - d->head_bytes : (size_t)-1;
	int over_line = k > line_room, over_head = head && counted > head_room;

	/* Over the line limit at byte line_room of this piece, over the head
	 * limit at byte head_room (the LF counts for the head). */
	if (over_line && (!over_head || line_room <= head_room))
		return fail_limit(d, head ? "a line of the response head" : "a chunk-size line of the response",
		                  d->max_line),
		       -1;
	if (over_head)
		return fail_limit(d, "the response head", d->max_head), -1;
	if (head)
		d->head_bytes += counted;
	if (k && llmk__buf_append(&d->line, p, k))
		return fail(d, LLMK_HTTP1_E_NOMEM, "out of memory reading the response head"), -1;
	if (!nl)
		return (long)n;
	if (on_line(d))
		return -1;
	d->line.len = 0;
	return (long)(k + 1);
}

static int body(llmk__http1 *d, const uint8_t *p, size_t n)
{
	if (n && d->cb.body && d->cb.body(d->cb.user, p, n))
		return fail(d, LLMK_HTTP1_E_STOPPED, "stopped by the consumer");
	return 0;
}

int llmk__http1_feed(llmk__http1 *d, const uint8_t *p, size_t n)
{
	size_t k;
	long used;

	if (d->err)
		return d->err;
	if (n)
		d->any = 1;
	while (n && d->state != H_DONE) {
		switch (d->state) {
		case H_CLOSE: k = n; break;
		case H_LENGTH:
		case H_CHUNK_DATA:
			k = (uint64_t)n < d->left ? n : (size_t)d->left;
			d->left -= k;
			break;
		default:
			used = take_line(d, p, n);
			if (used < 0)
				return d->err;
			p += used;
			n -= (size_t)used;
			continue;
		}
		if (body(d, p, k))
			return d->err;
		p += k;
		n -= k;
		if (d->state == H_LENGTH && !d->left)
			d->state = H_DONE;
		else if (d->state == H_CHUNK_DATA && !d->left)
			d->state = H_CHUNK_END;
	}
	return d->state == H_DONE ? LLMK_HTTP1_DONE : LLMK_HTTP1_MORE;
}

int llmk__http1_finish(llmk__http1 *d)
{
	if (d->err)
		return d->err;
	if (d->state == H_DONE || d->state == H_CLOSE) {
		d->state = H_DONE;
		return LLMK_HTTP1_DONE;
	}
	if (!d->any)
		return fail(d, LLMK_HTTP1_E_TRUNCATED, "connection closed before any byte of the response");
	switch (d->state) {
	case H_STATUS:
	case H_INTERIM_FIELDS:
	case H_FIELDS: return fail(d, LLMK_HTTP1_E_TRUNCATED, "connection closed in the middle of the response head");
	case H_LENGTH:
		return fail(d, LLMK_HTTP1_E_TRUNCATED,
		            "connection closed before the whole body (Content-Length) arrived");
	default: return fail(d, LLMK_HTTP1_E_TRUNCATED, "connection closed in the middle of the chunked body");
	}
}
