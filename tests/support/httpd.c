/*
 * httpd.c - scriptable HTTP/1.1 test server (see httpd.h).
 *
 * Threads: one accept thread, one thread per connection. Everything shared
 * (queue, recorded requests, connection list, stop flag, connection fds) is
 * guarded by th_server.mu. A connection's input buffer belongs to its thread.
 *
 * Stopping: th_stop() sets `stopping`, wakes scripted delays through a
 * condition variable and shutdown()s every live socket, which makes blocked
 * accept()/recv()/send() calls return. Only then are the threads joined, so
 * an idle keep-alive client can never make it hang.
 *
 * Out of memory aborts: this is test support, and a clear abort beats
 * threading allocation failures through every helper.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* BSD/macOS: SO_NOSIGPIPE is set on the socket instead */
#endif

#define TH_MAX_HEAD (64u * 1024u)         /* request line + headers (+ trailers) */
#define TH_MAX_BODY (64u * 1024u * 1024u) /* decoded request body */
#define TH_MAX_CHUNK_LINE 4096u           /* "1a2b;ext=..." line of a chunked body */
#define TH_LINGER_MS 1000                 /* how long a closing connection drains input */

static const char no_script_body[] =
        "{\"error\":{\"message\":\"test server: no scripted response\",\"type\":\"test\"}}";

/* Outcome of reading one request. */
enum { RD_OK, RD_EOF, RD_BAD, RD_HEAD_TOO_LARGE, RD_BODY_TOO_LARGE };

typedef struct queued {
	th_response r; /* r.headers and r.body point to copies owned by this node */
	struct queued *next;
} queued;

typedef struct conn {
	th_server *srv;
	pthread_t thread;
	unsigned id;
	int fd;    /* -1 once closed; written under srv->mu */
	int done;  /* thread finished, may be joined; under srv->mu */
	int reset; /* end with a TCP RST instead of a graceful close; conn thread only */
	struct conn *next;
	/* Unread input: bytes [pos, len) of buf. Only the connection thread. */
	char *buf;
	size_t pos, len, cap;
} conn;

struct th_server {
	int listen_fd;
	int port;
	char url[40];
	pthread_t accept_thread;

	pthread_mutex_t mu;
	pthread_cond_t stop_cv; /* broadcast by th_stop; scripted delays wait on it */
	int stopping;
	queued *qhead, *qtail;
	size_t npending;
	th_request **reqs; /* pointers, so th_request_at results survive growth */
	size_t nreqs, capreqs;
	conn *conns;
	unsigned nconns;
	th_handler handler; /* answers when the queue is empty, or NULL */
	void *handler_user;
	unsigned busy, max_busy; /* requests being answered now / at most */
};

/* ---------------------------------------------------------------- memory */

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fputs("test httpd: out of memory\n", stderr);
		abort();
	}
	return q;
}

static void *xmalloc(size_t n)
{
	return xrealloc(NULL, n);
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void free_request(th_request *rq)
{
	if (!rq)
		return;
	for (size_t i = 0; i < rq->nheaders; i++) {
		free(rq->headers[i].name);
		free(rq->headers[i].value);
	}
	free(rq->headers);
	free(rq->target);
	free(rq->body);
	free(rq);
}

static void free_queued(queued *q)
{
	if (!q)
		return;
	free((void *)q->r.headers);
	free((void *)q->r.body);
	free(q);
}

/* Caller holds s->mu. */
static void clear_locked(th_server *s)
{
	for (size_t i = 0; i < s->nreqs; i++)
		free_request(s->reqs[i]);
	free(s->reqs);
	s->reqs = NULL;
	s->nreqs = s->capreqs = 0;
	while (s->qhead) {
		queued *q = s->qhead;
		s->qhead = q->next;
		free_queued(q);
	}
	s->qtail = NULL;
	s->npending = 0;
}

/* ------------------------------------------------------------ small I/O */

static int send_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0) {
		/* MSG_NOSIGNAL: a client that hung up must not kill the test with SIGPIPE. */
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int send_str(int fd, const char *s)
{
	return send_all(fd, s, strlen(s));
}

/* Sleep for a scripted delay, but return at once when the server stops, so
 * th_stop() never waits for a long delay_ms to run out. */
static void server_sleep(th_server *s, int ms)
{
	struct timespec deadline;

	if (ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stopping && pthread_cond_timedwait(&s->stop_cv, &s->mu, &deadline) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&s->mu);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------- buffered input */

static size_t avail(const conn *c)
{
	return c->len - c->pos;
}
static const char *cur(const conn *c)
{
	return c->buf + c->pos;
}

/* Receive more input. Room is made for at least `want` unread bytes, so a
 * large Content-Length body arrives with few reallocations. 0 on EOF/error. */
static int conn_fill(conn *c, size_t want)
{
	size_t need;

	/* Move unread bytes to the front; offsets relative to pos stay valid. */
	if (c->pos > 0) {
		memmove(c->buf, c->buf + c->pos, avail(c));
		c->len -= c->pos;
		c->pos = 0;
	}
	need = c->len + 16384;
	if (want > need)
		need = want;
	if (c->cap < need) {
		while (c->cap < need)
			c->cap *= 2;
		c->buf = xrealloc(c->buf, c->cap);
	}
	for (;;) {
		ssize_t k = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (k > 0) {
			c->len += (size_t)k;
			return 1;
		}
		if (k < 0 && errno == EINTR)
			continue;
		return 0;
	}
}

/* Make at least n unread bytes available. 0 on EOF. */
static int conn_need(conn *c, size_t n)
{
	while (avail(c) < n)
		if (!conn_fill(c, n))
			return 0;
	return 1;
}

/* Find `delim` in the unread input, receiving more as needed. On RD_OK *end
 * is the offset from pos just past the delimiter. RD_HEAD_TOO_LARGE when
 * more than `limit` bytes arrive without one. */
static int conn_find(conn *c, const char *delim, size_t limit, size_t *end)
{
	size_t dlen = strlen(delim), from = 0;

	for (;;) {
		size_t n = avail(c);
		for (size_t i = from; i + dlen <= n; i++) {
			if (memcmp(cur(c) + i, delim, dlen) == 0) {
				*end = i + dlen;
				return RD_OK;
			}
		}
		if (n > limit)
			return RD_HEAD_TOO_LARGE;
		from = n >= dlen ? n - dlen + 1 : 0; /* don't rescan */
		if (!conn_fill(c, 0))
			return RD_EOF;
	}
}

/* ------------------------------------------------------ request parsing */

static void add_header(th_request *rq, const char *name, size_t nlen, const char *value, size_t vlen)
{
	/* Capacity is kept at the next power of two, so the array is full
	 * exactly when nheaders is 0 or a power of two. */
	size_t n = rq->nheaders;

	if ((n & (n - 1)) == 0)
		rq->headers = xrealloc(rq->headers, (n ? n * 2 : 1) * sizeof *rq->headers);
	rq->headers[rq->nheaders].name = xstrndup(name, nlen);
	rq->headers[rq->nheaders].value = xstrndup(value, vlen);
	rq->nheaders++;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* "METHOD SP target SP HTTP/1.x". */
static int parse_request_line(const char *line, size_t n, th_request *rq, int *http10)
{
	const char *end = line + n;
	const char *sp1 = memchr(line, ' ', n);
	const char *sp2;

	if (!sp1 || sp1 == line || (size_t)(sp1 - line) >= sizeof rq->method)
		return RD_BAD;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return RD_BAD;
	if (end - (sp2 + 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return RD_BAD;
	memcpy(rq->method, line, (size_t)(sp1 - line));
	rq->method[sp1 - line] = '\0';
	rq->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	*http10 = sp2[8] == '0';
	return RD_OK;
}

/* "Name: value". Whitespace before the colon and folded (obs-fold)
 * continuation lines are rejected, as RFC 9112 asks of servers. */
static int parse_header_line(const char *line, size_t n, th_request *rq)
{
	const char *colon = memchr(line, ':', n);
	const char *v, *vend = line + n;

	if (!colon || colon == line || is_blank(line[0]) || is_blank(colon[-1]))
		return RD_BAD;
	v = colon + 1;
	while (v < vend && is_blank(*v))
		v++;
	while (vend > v && is_blank(vend[-1]))
		vend--;
	add_header(rq, line, (size_t)(colon - line), v, (size_t)(vend - v));
	return RD_OK;
}

/* head: n bytes, ending in the empty line "\r\n\r\n". */
static int parse_head(const char *head, size_t n, th_request *rq, int *http10)
{
	const char *p = head, *end = head + n - 2; /* stop before the final CRLF */
	int first = 1;

	while (p < end) {
		const char *eol = p;
		int rc;
		while (!(eol[0] == '\r' && eol[1] == '\n'))
			eol++;
		rc = first ? parse_request_line(p, (size_t)(eol - p), rq, http10)
		           : parse_header_line(p, (size_t)(eol - p), rq);
		if (rc != RD_OK)
			return rc;
		first = 0;
		p = eol + 2;
	}
	return first ? RD_BAD : RD_OK;
}

/* Does the comma-separated header value contain `token` (case-insensitive)? */
static int has_token(const char *value, const char *token)
{
	size_t tlen = strlen(token);

	while (value && *value) {
		size_t n;
		while (*value == ',' || is_blank(*value))
			value++;
		n = strcspn(value, ",");
		while (n > 0 && is_blank(value[n - 1]))
			n--;
		if (n == tlen && strncasecmp(value, token, n) == 0)
			return 1;
		value += strcspn(value, ",");
	}
	return 0;
}

/* Strict decimal, no sign or blanks (so "5, 5" or "-1" are rejected). */
static int parse_content_length(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return RD_BAD;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return RD_BAD;
		if (v > (UINT64_MAX - 9) / 10)
			return RD_BODY_TOO_LARGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return RD_OK;
}

static int read_fixed_body(conn *c, uint64_t n, th_request *rq)
{
	if (n > TH_MAX_BODY)
		return RD_BODY_TOO_LARGE;
	if (!conn_need(c, (size_t)n))
		return RD_EOF;
	rq->body = xmalloc((size_t)n + 1);
	memcpy(rq->body, cur(c), (size_t)n);
	rq->body[n] = '\0';
	rq->body_len = (size_t)n;
	c->pos += (size_t)n;
	return RD_OK;
}

/* Hex chunk size at the start of a size line; extensions after it ignored. */
static int parse_chunk_size(const char *line, size_t n, size_t *out)
{
	size_t v = 0, i;

	for (i = 0; i < n; i++) {
		char ch = line[i];
		int d = ch >= '0' && ch <= '9'   ? ch - '0'
		        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
		                                 : -1;
		if (d < 0)
			break;
		if (v > TH_MAX_BODY)
			return RD_BODY_TOO_LARGE; /* also keeps v from overflowing */
		v = v * 16 + (size_t)d;
	}
	if (i == 0 || (i < n && line[i] != ';' && !is_blank(line[i]) && line[i] != '\r'))
		return RD_BAD;
	*out = v;
	return RD_OK;
}

static int read_chunked_body(conn *c, th_request *rq)
{
	size_t total = 0, cap = 64, end, size, trailer_bytes = 0;
	int rc;

	rq->body = xmalloc(cap);
	for (;;) {
		rc = conn_find(c, "\r\n", TH_MAX_CHUNK_LINE, &end);
		if (rc != RD_OK)
			return rc == RD_HEAD_TOO_LARGE ? RD_BAD : rc;
		rc = parse_chunk_size(cur(c), end - 2, &size);
		if (rc != RD_OK)
			return rc;
		c->pos += end;
		if (size == 0)
			break;
		if (size > TH_MAX_BODY - total)
			return RD_BODY_TOO_LARGE;
		if (!conn_need(c, size + 2))
			return RD_EOF;
		if (cur(c)[size] != '\r' || cur(c)[size + 1] != '\n')
			return RD_BAD;
		while (cap < total + size + 1)
			cap *= 2;
		rq->body = xrealloc(rq->body, cap);
		memcpy(rq->body + total, cur(c), size);
		total += size;
		c->pos += size + 2;
	}
	/* Trailer fields up to the empty line; accepted and dropped. */
	for (;;) {
		rc = conn_find(c, "\r\n", TH_MAX_HEAD - trailer_bytes, &end);
		if (rc != RD_OK)
			return rc;
		c->pos += end;
		if (end == 2)
			break;
		trailer_bytes += end;
	}
	rq->body[total] = '\0';
	rq->body_len = total;
	return RD_OK;
}

/* Read the body framed as the headers say. Sends "100 Continue" first if the
 * client waits for it (libcurl does for larger POSTs, for up to a second). */
static int read_body(conn *c, th_request *rq, int http10)
{
	const char *te = th_request_header(rq, "Transfer-Encoding");
	const char *cl = th_request_header(rq, "Content-Length");
	const char *expect = th_request_header(rq, "Expect");
	int want_continue = !http10 && expect && strcasecmp(expect, "100-continue") == 0;
	uint64_t n = 0;
	int rc;

	if (te) {
		/* Only chunked is decoded; anything else can't be framed. */
		if (!has_token(te, "chunked"))
			return RD_BAD;
		if (want_continue && send_str(c->fd, "HTTP/1.1 100 Continue\r\n\r\n") != 0)
			return RD_EOF;
		return read_chunked_body(c, rq);
	}
	if (cl) {
		rc = parse_content_length(cl, &n);
		if (rc != RD_OK)
			return rc;
		if (n > TH_MAX_BODY)
			return RD_BODY_TOO_LARGE; /* before 100 Continue: don't invite it */
	}
	if (n > 0 && want_continue && send_str(c->fd, "HTTP/1.1 100 Continue\r\n\r\n") != 0)
		return RD_EOF;
	return read_fixed_body(c, n, rq);
}

/* Read one complete request. On RD_OK *out is set and *client_close tells
 * whether the client asked to close the connection afterwards. */
static int read_request(conn *c, th_request **out, int *client_close)
{
	th_request *rq;
	size_t end;
	int http10 = 0, rc;
	const char *connection;

	rc = conn_find(c, "\r\n\r\n", TH_MAX_HEAD, &end);
	if (rc != RD_OK)
		return rc;
	rq = calloc(1, sizeof *rq);
	if (!rq)
		abort();
	rq->conn_id = c->id;
	rc = parse_head(cur(c), end, rq, &http10);
	c->pos += end;
	if (rc == RD_OK)
		rc = read_body(c, rq, http10);
	if (rc != RD_OK) {
		free_request(rq);
		return rc;
	}
	connection = th_request_header(rq, "Connection");
	*client_close = http10 ? !has_token(connection, "keep-alive") : has_token(connection, "close");
	*out = rq;
	return RD_OK;
}

/* ------------------------------------------------------------ responses */

static const char *reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 529: return "Site Overloaded";
	case 599: return "No Scripted Response";
	default: return "Status";
	}
}

/* One chunk "<hex>\r\n<data>\r\n" in a single send(), so each scripted write
 * is exactly one chunk. */
static int send_chunk(int fd, const unsigned char *data, size_t n)
{
	char *frame = xmalloc(n + 32);
	int len = snprintf(frame, 32, "%zx\r\n", n);
	int rc;

	memcpy(frame + len, data, n);
	memcpy(frame + len + n, "\r\n", 2);
	rc = send_all(fd, frame, (size_t)len + n + 2);
	free(frame);
	return rc;
}

/* Send body bytes in write_size pieces with delay_ms between them. */
static int send_pieces(conn *c, const th_response *r, const unsigned char *data, size_t n, int chunked)
{
	size_t step = r->write_size ? r->write_size : n;

	for (size_t off = 0; off < n; off += step) {
		size_t k = n - off < step ? n - off : step;
		if (off > 0)
			server_sleep(c->srv, r->delay_ms);
		if (chunked ? send_chunk(c->fd, data + off, k) : send_all(c->fd, data + off, k))
			return -1;
	}
	return 0;
}

static char *build_head(const th_response *r, int closing)
{
	const char *extra = r->headers ? r->headers : "";
	size_t cap = 256 + strlen(extra); /* fixed lines need < 150 */
	char *head = xmalloc(cap);
	int n = snprintf(head, cap, "HTTP/1.1 %d %s\r\n", r->status, reason(r->status));

	if (r->chunked)
		n += snprintf(head + n, cap - (size_t)n, "Transfer-Encoding: chunked\r\n");
	else if (!r->no_length)
		n += snprintf(head + n, cap - (size_t)n, "Content-Length: %zu\r\n", r->body_len);
	if (closing)
		n += snprintf(head + n, cap - (size_t)n, "Connection: close\r\n");
	snprintf(head + n, cap - (size_t)n, "%s\r\n", extra);
	return head;
}

/* Send a scripted response. Returns 1 if the connection may be kept. */
static int send_scripted(conn *c, const th_response *r, int head_only, int client_close)
{
	const unsigned char *body = r->body;
	size_t n = r->body_len;
	int truncated = r->truncate_at > 0;
	/* Without a length or with a cut body, only closing delimits the message. */
	int closing = r->close || r->no_length || truncated || client_close;
	char *head;
	int rc;

	if (r->raw)
		return send_pieces(c, r, body, n, 0) == 0 && !r->close && !client_close;

	server_sleep(c->srv, r->delay_headers_ms);
	head = build_head(r, closing);
	rc = send_str(c->fd, head);
	free(head);
	if (rc != 0 || head_only)
		return rc == 0 && !closing;
	server_sleep(c->srv, r->delay_body_ms);
	if (truncated && r->truncate_at < n)
		n = r->truncate_at;
	if (send_pieces(c, r, body, n, r->chunked) != 0)
		return 0;
	if (r->chunked && !truncated && send_str(c->fd, "0\r\n\r\n") != 0)
		return 0;
	return !closing;
}

/* send_scripted(), then the optional reset: the connection is marked so
 * conn_main() aborts it with an RST instead of lingering. */
static int send_response(conn *c, const th_response *r, int head_only, int client_close)
{
	int keep = send_scripted(c, r, head_only, client_close);

	if (!r->reset)
		return keep;
	if (r->body_len > 0 || !r->raw)
		server_sleep(c->srv, r->delay_ms); /* let the client consume what was sent */
	c->reset = 1;
	return 0;
}

/* Reply to a request that could not be read, then the caller closes: after
 * a framing error the stream can't be resynchronised. */
static void send_error(conn *c, int rd)
{
	th_response r = {0};
	const char *what = rd == RD_BODY_TOO_LARGE   ? "body too large"
	                   : rd == RD_HEAD_TOO_LARGE ? "headers too large"
	                                             : "malformed request";
	char body[128];

	snprintf(body, sizeof body, "{\"error\":{\"message\":\"test server: %s\",\"type\":\"test\"}}", what);
	r.status = rd == RD_BODY_TOO_LARGE ? 413 : rd == RD_HEAD_TOO_LARGE ? 431 : 400;
	r.headers = "Content-Type: application/json\r\n";
	r.body = body;
	r.body_len = strlen(body);
	r.close = 1;
	send_response(c, &r, 0, 1);
}

/* ----------------------------------------------------------- connection */

/* Record the request, then take the next scripted response, in one critical
 * section so request order and response order agree across connections. */
static queued *record_and_pop(th_server *s, th_request *rq)
{
	queued *q;

	pthread_mutex_lock(&s->mu);
	if (s->nreqs == s->capreqs) {
		s->capreqs = s->capreqs ? s->capreqs * 2 : 16;
		s->reqs = xrealloc(s->reqs, s->capreqs * sizeof *s->reqs);
	}
	s->reqs[s->nreqs++] = rq;
	q = s->qhead;
	if (q) {
		s->qhead = q->next;
		if (!s->qhead)
			s->qtail = NULL;
		s->npending--;
	}
	pthread_mutex_unlock(&s->mu);
	return q;
}

/* Half-close, then discard input until the client closes (bounded). Closing
 * with unread input would send RST, which can destroy the response we just
 * sent before the client reads it (e.g. a 413 while curl is still uploading). */
static void linger_close(conn *c)
{
	int64_t deadline = now_ms() + TH_LINGER_MS;
	char sink[4096];

	shutdown(c->fd, SHUT_WR);
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		if (recv(c->fd, sink, sizeof sink, 0) <= 0)
			break;
	}
}

static void *conn_main(void *arg)
{
	conn *c = arg;
	th_server *s = c->srv;
	static const th_response no_script = {
	        .status = 599,
	        .headers = "Content-Type: application/json\r\n",
	        .body = no_script_body,
	        .body_len = sizeof no_script_body - 1,
	};

	for (;;) {
		th_request *rq = NULL;
		int client_close = 0, keep, head_only;
		th_handler handler;
		void *handler_user;
		int rc = read_request(c, &rq, &client_close);
		queued *q;

		if (rc == RD_EOF)
			break;
		if (rc != RD_OK) {
			send_error(c, rc);
			break;
		}
		head_only = strcmp(rq->method, "HEAD") == 0;
		q = record_and_pop(s, rq); /* rq now belongs to the server */
		pthread_mutex_lock(&s->mu);
		if (++s->busy > s->max_busy)
			s->max_busy = s->busy;
		handler = s->handler;
		handler_user = s->handler_user;
		pthread_mutex_unlock(&s->mu);
		if (!q && handler) {
			th_response hr;
			memset(&hr, 0, sizeof hr);
			handler(rq, &hr, handler_user);
			if (hr.body && !hr.body_len)
				hr.body_len = strlen(hr.body);
			keep = send_response(c, &hr, head_only, client_close);
			free((void *)hr.body);
			free((void *)hr.headers);
		} else {
			keep = send_response(c, q ? &q->r : &no_script, head_only, client_close);
		}
		pthread_mutex_lock(&s->mu);
		s->busy--;
		pthread_mutex_unlock(&s->mu);
		free_queued(q);
		if (!keep)
			break;
	}
	if (c->reset) {
		/* SO_LINGER with a zero timeout: close() sends RST, not FIN. */
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	} else {
		linger_close(c);
	}
	/* Close under the lock: th_stop() shutdown()s fds under it, and must never
	 * hit a number the kernel has already reused for another file. */
	pthread_mutex_lock(&s->mu);
	close(c->fd);
	c->fd = -1;
	c->done = 1;
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void free_conn(conn *c)
{
	free(c->buf);
	free(c);
}

/* Join connection threads that have finished, so a test that opens many
 * connections doesn't pile up zombie threads until th_stop(). */
static void reap_finished(th_server *s)
{
	conn *done = NULL, **pp;

	pthread_mutex_lock(&s->mu);
	for (pp = &s->conns; *pp;) {
		conn *c = *pp;
		if (c->done) {
			*pp = c->next;
			c->next = done;
			done = c;
		} else {
			pp = &c->next;
		}
	}
	pthread_mutex_unlock(&s->mu);
	while (done) {
		conn *c = done;
		done = c->next;
		pthread_join(c->thread, NULL);
		free_conn(c);
	}
}

static void set_socket_options(int fd)
{
	int one = 1;

	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* Scripted writes must leave at once; Nagle plus delayed ACKs would merge
	 * or stall them and break streaming/timing tests. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
	setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

/* Hand an accepted socket to a new thread. -1 when stopping (fd closed). */
static int start_conn(th_server *s, int fd)
{
	conn *c = calloc(1, sizeof *c);

	if (!c)
		abort();
	c->srv = s;
	c->fd = fd;
	c->cap = 16384;
	c->buf = xmalloc(c->cap);
	set_socket_options(fd);

	/* Register under the lock and only if not stopping: th_stop() then
	 * either sees this connection (and shuts it down) or we drop it here. */
	pthread_mutex_lock(&s->mu);
	c->id = s->nconns + 1;
	if (s->stopping || pthread_create(&c->thread, NULL, conn_main, c) != 0) {
		int stopping = s->stopping;
		pthread_mutex_unlock(&s->mu);
		close(fd);
		free_conn(c);
		return stopping ? -1 : 0;
	}
	s->nconns++;
	c->next = s->conns;
	s->conns = c;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static int is_stopping(th_server *s)
{
	int v;

	pthread_mutex_lock(&s->mu);
	v = s->stopping;
	pthread_mutex_unlock(&s->mu);
	return v;
}

static void *accept_main(void *arg)
{
	th_server *s = arg;

	for (;;) {
		int fd = accept(s->listen_fd, NULL, NULL);
		if (fd < 0) {
			int err = errno;
			if (is_stopping(s))
				break;
			if (err == EINTR || err == ECONNABORTED)
				continue;
			if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
				server_sleep(s, 10); /* transient; don't spin */
				continue;
			}
			break;
		}
		reap_finished(s);
		if (start_conn(s, fd) != 0)
			break; /* e.g. poke_listener()'s wake-up connection */
	}
	return NULL;
}

/* ------------------------------------------------------------ public API */

static int open_listener(th_server *s)
{
	struct sockaddr_in addr;
	socklen_t alen = sizeof addr;
	int one = 1;

	s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->listen_fd < 0)
		return -1;
	fcntl(s->listen_fd, F_SETFD, FD_CLOEXEC);
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* never reachable off-machine */
	addr.sin_port = 0;                             /* kernel picks a free port */
	if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s->listen_fd, 128) != 0 ||
	    getsockname(s->listen_fd, (struct sockaddr *)&addr, &alen) != 0) {
		close(s->listen_fd);
		return -1;
	}
	s->port = ntohs(addr.sin_port);
	snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
	return 0;
}

static int init_sync(th_server *s)
{
	pthread_condattr_t ca;
	int ok;

	if (pthread_mutex_init(&s->mu, NULL) != 0)
		return -1;
	/* Monotonic clock: delays must not jump with wall-clock changes. */
	ok = pthread_condattr_init(&ca) == 0;
	if (ok) {
		ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&s->stop_cv, &ca) == 0;
		pthread_condattr_destroy(&ca);
	}
	if (!ok) {
		pthread_mutex_destroy(&s->mu);
		return -1;
	}
	return 0;
}

th_server *th_start(void)
{
	th_server *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	if (init_sync(s) != 0) {
		free(s);
		return NULL;
	}
	if (open_listener(s) != 0)
		goto fail;
	if (pthread_create(&s->accept_thread, NULL, accept_main, s) != 0) {
		close(s->listen_fd);
		goto fail;
	}
	return s;
fail:
	pthread_cond_destroy(&s->stop_cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return NULL;
}

int th_port(const th_server *s)
{
	return s->port;
}

void th_set_handler(th_server *s, th_handler fn, void *user)
{
	pthread_mutex_lock(&s->mu);
	s->handler = fn;
	s->handler_user = user;
	pthread_mutex_unlock(&s->mu);
}

unsigned th_max_concurrent(th_server *s)
{
	unsigned n;

	pthread_mutex_lock(&s->mu);
	n = s->max_busy;
	pthread_mutex_unlock(&s->mu);
	return n;
}
const char *th_url(const th_server *s)
{
	return s->url;
}

void th_push(th_server *s, const th_response *r)
{
	queued *q = calloc(1, sizeof *q);
	size_t n = r->body_len;
	unsigned char *body;

	if (!q)
		abort();
	if (n == 0 && r->body)
		n = strlen(r->body);
	body = xmalloc(n + 1);
	if (n)
		memcpy(body, r->body, n);
	body[n] = '\0';
	q->r = *r;
	q->r.body = body;
	q->r.body_len = n;
	q->r.headers = r->headers ? xstrndup(r->headers, strlen(r->headers)) : NULL;

	pthread_mutex_lock(&s->mu);
	if (s->qtail)
		s->qtail->next = q;
	else
		s->qhead = q;
	s->qtail = q;
	s->npending++;
	pthread_mutex_unlock(&s->mu);
}

void th_push_json(th_server *s, int status, const char *json)
{
	th_response r = {0};

	r.status = status;
	r.headers = "Content-Type: application/json\r\n";
	r.body = json;
	r.body_len = json ? strlen(json) : 0;
	th_push(s, &r);
}

size_t th_request_count(th_server *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->nreqs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const th_request *th_request_at(th_server *s, size_t i)
{
	const th_request *rq;

	pthread_mutex_lock(&s->mu);
	rq = i < s->nreqs ? s->reqs[i] : NULL;
	pthread_mutex_unlock(&s->mu);
	return rq;
}

const char *th_request_header(const th_request *r, const char *name)
{
	for (size_t i = 0; r && i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

unsigned th_connection_count(th_server *s)
{
	unsigned n;

	pthread_mutex_lock(&s->mu);
	n = s->nconns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

size_t th_pending(th_server *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->npending;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void th_reset(th_server *s)
{
	pthread_mutex_lock(&s->mu);
	clear_locked(s);
	pthread_mutex_unlock(&s->mu);
}

/* Where shutdown() on a listening socket doesn't wake accept() (it does on
 * Linux), a throwaway connection does; accept_main then sees `stopping`. */
static void poke_listener(th_server *s)
{
	struct sockaddr_in addr;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((unsigned short)s->port);
	(void)connect(fd, (struct sockaddr *)&addr, sizeof addr);
	close(fd);
}

void th_stop(th_server *s)
{
	conn *c;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_broadcast(&s->stop_cv);
	shutdown(s->listen_fd, SHUT_RDWR);
	for (c = s->conns; c; c = c->next)
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&s->mu);
	poke_listener(s);

	pthread_join(s->accept_thread, NULL);
	/* The accept thread is gone, so the list can no longer grow. */
	while ((c = s->conns) != NULL) {
		s->conns = c->next;
		pthread_join(c->thread, NULL);
		free_conn(c);
	}
	close(s->listen_fd);
	clear_locked(s); /* no other thread left */
	pthread_cond_destroy(&s->stop_cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
