/* custom_transport: libllmkit with a transport of the program's own.
 *
 * Firmware and other programs with their own network stack build the
 * library without libcurl (meson -Dcurl=disabled, docs/FIRMWARE.md) and
 * hand it a transport: one callback that moves an HTTP exchange. This file
 * is such a transport over plain POSIX sockets, for http:// URLs (a local
 * Ollama, llama.cpp or vLLM server, or a TLS-terminating proxy), followed
 * by a small program using it. It is the "write your own" illustration: on
 * a POSIX system the library has this transport built in, better
 * (llmk_transport_posix(): the same HTTP/1.1 over sockets, plus the
 * non-blocking callbacks that let many requests share one llmk_multi on
 * one thread; lib/transport/posix.c). A transport of your own joins a
 * multi the same way by filling multi_open ... multi_close (llmkit.h,
 * "Transports"; tests/api/test_nbtransport.c has a small one); this one
 * has `send` only, so a multi runs its requests one at a time.
 *
 *
 *   build/examples/custom_transport http://127.0.0.1:11434 ollama/llama3.2 "Why is the sky blue?"
 *
 * What a transport does (see "Transports" in llmkit.h):
 *   - read the request with llmk_exchange_method(), _url(), _header_name(),
 *     _header_value() and _body();
 *   - report the answer with llmk_exchange_set_status(), _add_header() and
 *     _write() as bytes arrive, stopping when _write() returns non-zero;
 *   - apply llmk_exchange_timeout_ms() and poll llmk_exchange_cancelled()
 *     at least every 50 ms while it waits;
 *   - return LLMK_OK once a whole response came in, whatever its HTTP
 *     status, or LLMK_E_TRANSPORT / LLMK_E_TIMEOUT / LLMK_E_CANCELLED,
 *     saying why with llmk_exchange_set_error(); never log header values
 *     (they carry the API key).
 *
 * Limits: one TCP connection per exchange (no keep-alive); the host name is
 * resolved with getaddrinfo(), which cannot be interrupted (use numeric
 * addresses where that matters); responses are taken as sent (no
 * Content-Encoding is requested). tests/firmware/ runs this file against
 * the loopback test server. */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "custom_transport.h"

#define POLL_SLICE_MS 50       /* longest wait between cancel checks */
#define MAX_LINE 8192          /* status line, header line, chunk-size line */
#define MAX_HEADER_BYTES 65536 /* the whole header block */
#define MAX_INTERIM 8          /* 1xx responses skipped before the real one */

typedef struct conn {
	int fd;
	llmk_exchange *ex;
	int64_t deadline; /* absolute ms (monotonic) for the whole exchange; 0 = none */
	int64_t total_ms, idle_ms;
	unsigned char buf[16384]; /* received, not yet consumed: buf[off..len) */
	size_t off, len;
	int eof;
} conn;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Stores "what" or "what: detail" for llmk_response_error() and returns
 * `status`. */
static int32_t fail(conn *c, int32_t status, const char *what, const char *detail)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
	llmk_exchange_set_error(c->ex, msg);
	return status;
}

/* Clears memory that held credentials (a loop the compiler keeps). */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

/* Waits until fd is ready for `events`, in slices of at most 50 ms so a
 * cancel is noticed. `limit` is an absolute deadline for this wait (idle or
 * connect), `what` names it in the timeout message. */
static int32_t wait_fd(conn *c, short events, int64_t limit, const char *what)
{
	for (;;) {
		struct pollfd p;
		int64_t t = now_ms(), wait = POLL_SLICE_MS;
		int r;

		if (llmk_exchange_cancelled(c->ex))
			return fail(c, LLMK_E_CANCELLED, "cancelled", NULL);
		if (c->deadline && t >= c->deadline) {
			char msg[80];
			snprintf(msg, sizeof(msg), "no complete response within %lld ms (timeout_ms)",
			         (long long)c->total_ms);
			return fail(c, LLMK_E_TIMEOUT, msg, NULL);
		}
		if (limit && t >= limit)
			return fail(c, LLMK_E_TIMEOUT, what, NULL);
		if (c->deadline && c->deadline - t < wait)
			wait = c->deadline - t;
		if (limit && limit - t < wait)
			wait = limit - t;
		p.fd = c->fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, (int)wait);
		if (r > 0)
			return LLMK_OK; /* readable, writable, or an error the next call reports */
		if (r < 0 && errno != EINTR)
			return fail(c, LLMK_E_TRANSPORT, "poll", strerror(errno));
	}
}

static int64_t idle_limit(const conn *c)
{
	return c->idle_ms > 0 ? now_ms() + c->idle_ms : 0;
}

/* ---- connecting ---------------------------------------------------------- */

/* Splits "http://host[:port][/path]" into its parts; the path keeps any
 * query. IPv6 literals come in brackets. */
static int32_t parse_url(conn *c, const char *url, char *host, size_t hcap, char *port, size_t pcap, const char **path)
{
	const char *h, *end, *colon = NULL;
	size_t hl, pl;

	if (!strncasecmp(url, "https://", 8))
		return fail(c, LLMK_E_UNSUPPORTED, "https:// needs a TLS transport; this one speaks http:// only",
		            NULL);
	if (strncasecmp(url, "http://", 7))
		return fail(c, LLMK_E_TRANSPORT, "not an http:// URL", NULL);
	h = url + 7;
	end = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(end - h)))
		return fail(c, LLMK_E_TRANSPORT, "credentials in the URL are not supported", NULL);
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (!rb)
			return fail(c, LLMK_E_TRANSPORT, "unterminated IPv6 address in the URL", NULL);
		hl = (size_t)(rb - h - 1);
		h++;
		if (rb[1] == ':')
			colon = rb + 1;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hl = (size_t)((colon ? colon : end) - h);
	}
	pl = colon ? (size_t)(end - colon - 1) : 2;
	if (!hl || hl >= hcap || pl == 0 || pl >= pcap)
		return fail(c, LLMK_E_TRANSPORT, "bad host or port in the URL", NULL);
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon) {
		memcpy(port, colon + 1, pl);
		port[pl] = '\0';
		if (strspn(port, "0123456789") != pl)
			return fail(c, LLMK_E_TRANSPORT, "bad port in the URL", NULL);
	} else {
		strcpy(port, "80");
	}
	*path = end; /* "/path?query", "?query" or "" (a '/' goes first then) */
	return LLMK_OK;
}

static int32_t connect_to(conn *c, const char *host, const char *port)
{
	struct addrinfo hints, *res = NULL, *ai;
	int64_t connect_ms = llmk_exchange_timeout_ms(c->ex, LLMK_OPT_CONNECT_TIMEOUT_MS);
	int64_t limit = connect_ms > 0 ? now_ms() + connect_ms : 0;
	int32_t st = LLMK_E_TRANSPORT;
	int err = 0, gai;
	char msg[96];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai)
		return fail(c, LLMK_E_TRANSPORT, "cannot resolve host", gai_strerror(gai));
	snprintf(msg, sizeof(msg), "connect took longer than %lld ms (connect_timeout_ms)", (long long)connect_ms);
	for (ai = res; ai; ai = ai->ai_next) {
		socklen_t len = sizeof(err);

		c->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (c->fd < 0) {
			err = errno;
			continue;
		}
		fcntl(c->fd, F_SETFD, FD_CLOEXEC);
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			st = LLMK_OK;
			break;
		}
		err = errno;
		if (err == EINPROGRESS) {
			st = wait_fd(c, POLLOUT, limit, msg);
			if (st == LLMK_OK && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
				break;
			if (st != LLMK_OK)
				break; /* timeout or cancel: do not try the next address */
			st = LLMK_E_TRANSPORT;
		}
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (st == LLMK_E_TRANSPORT)
		return fail(c, st, "connect failed", strerror(err ? err : ECONNREFUSED));
	return st;
}

/* ---- sending --------------------------------------------------------------- */

static int32_t send_all(conn *c, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int32_t st = wait_fd(c, POLLOUT, idle_limit(c), "sending stalled (idle_timeout_ms)");
			if (st)
				return st;
		} else if (n < 0 && errno != EINTR) {
			return fail(c, LLMK_E_TRANSPORT, "send failed", strerror(errno));
		}
	}
	return LLMK_OK;
}

static int has_header(llmk_exchange *ex, const char *name)
{
	size_t i;

	for (i = 0; i < llmk_exchange_header_count(ex); i++)
		if (!strcasecmp(llmk_exchange_header_name(ex, i), name))
			return 1;
	return 0;
}

/* Copies `n` bytes of `s` into head at *used when they fit (cap was
 * computed for everything; this only guards the arithmetic). */
static int put(char *head, size_t cap, size_t *used, const char *s, size_t n)
{
	if (n >= cap - *used)
		return -1;
	memcpy(head + *used, s, n);
	*used += n;
	return 0;
}

static int puts0(char *head, size_t cap, size_t *used, const char *s)
{
	return put(head, cap, used, s, strlen(s));
}

/* Request line and headers in one buffer, wiped afterwards (it holds the
 * API key). Host, Content-Length and Connection are ours. A header with a
 * line break in it would smuggle in another header: refused. */
static int32_t send_request(conn *c, const char *host, const char *port, const char *path)
{
	llmk_exchange *ex = c->ex;
	size_t blen = 0, cap = 128, i, used = 0, plen = strcspn(path, "#");
	const uint8_t *body = llmk_exchange_body(ex, &blen);
	const char *method = llmk_exchange_method(ex);
	int ipv6 = strchr(host, ':') != NULL, bad = 0;
	char *head, num[32];
	int32_t st;

	cap += strlen(method) + plen + strlen(host) + strlen(port);
	for (i = 0; i < llmk_exchange_header_count(ex); i++)
		cap += strlen(llmk_exchange_header_name(ex, i)) + strlen(llmk_exchange_header_value(ex, i)) + 4;
	head = malloc(cap);
	if (!head)
		return fail(c, LLMK_E_NOMEM, "out of memory", NULL);
	bad |= puts0(head, cap, &used, method);
	bad |= puts0(head, cap, &used, *path == '/' ? " " : " /");
	bad |= put(head, cap, &used, path, plen);
	bad |= puts0(head, cap, &used, " HTTP/1.1\r\nHost: ");
	bad |= puts0(head, cap, &used, ipv6 ? "[" : "");
	bad |= puts0(head, cap, &used, host);
	bad |= puts0(head, cap, &used, ipv6 ? "]" : "");
	if (strcmp(port, "80")) {
		bad |= puts0(head, cap, &used, ":");
		bad |= puts0(head, cap, &used, port);
	}
	bad |= puts0(head, cap, &used, "\r\n");
	for (i = 0; i < llmk_exchange_header_count(ex); i++) {
		const char *n = llmk_exchange_header_name(ex, i), *v = llmk_exchange_header_value(ex, i);
		if (!strcasecmp(n, "Host") || !strcasecmp(n, "Content-Length") || !strcasecmp(n, "Connection"))
			continue;
		if (strpbrk(n, "\r\n:") || strpbrk(v, "\r\n")) {
			wipe(head, cap);
			free(head);
			return fail(c, LLMK_E_INVALID_ARG, "a request header contains a line break", NULL);
		}
		bad |= puts0(head, cap, &used, n);
		bad |= puts0(head, cap, &used, ": ");
		bad |= puts0(head, cap, &used, v);
		bad |= puts0(head, cap, &used, "\r\n");
	}
	if (body || strcmp(method, "GET")) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)(body ? blen : 0));
		bad |= puts0(head, cap, &used, "Content-Length: ");
		bad |= puts0(head, cap, &used, num);
		bad |= puts0(head, cap, &used, "\r\n");
	}
	if (!has_header(ex, "Accept"))
		bad |= puts0(head, cap, &used, "Accept: */*\r\n");
	bad |= puts0(head, cap, &used, "Connection: close\r\n\r\n");
	st = bad ? fail(c, LLMK_E_NOMEM, "request head larger than computed", NULL) : send_all(c, head, used);
	wipe(head, cap);
	free(head);
	if (st == LLMK_OK && body && blen)
		st = send_all(c, body, blen);
	return st;
}

/* ---- receiving ------------------------------------------------------------- */

/* Reads more bytes into the buffer (compacting it first). Sets c->eof when
 * the server closed the connection. */
static int32_t fill(conn *c)
{
	if (c->off) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	for (;;) {
		ssize_t n;
		int32_t st;

		if (c->len == sizeof(c->buf))
			return LLMK_OK;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			return LLMK_OK;
		}
		if (n == 0) {
			c->eof = 1;
			return LLMK_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(c, LLMK_E_TRANSPORT, "receive failed", strerror(errno));
		if (c->idle_ms > 0) {
			char what[80];
			snprintf(what, sizeof(what), "no data for %lld ms (idle_timeout_ms)", (long long)c->idle_ms);
			st = wait_fd(c, POLLIN, idle_limit(c), what);
		} else {
			st = wait_fd(c, POLLIN, 0, "");
		}
		if (st)
			return st;
	}
}

/* Next CRLF- (or LF-) terminated line, NUL-terminated in place, without
 * its line break. */
static int32_t read_line(conn *c, char **line, size_t *total)
{
	for (;;) {
		unsigned char *nl = memchr(c->buf + c->off, '\n', c->len - c->off);
		int32_t st;

		if (nl) {
			size_t n = (size_t)(nl - (c->buf + c->off));
			if (n >= MAX_LINE)
				break;
			*line = (char *)c->buf + c->off;
			c->off += n + 1;
			if (total && (*total += n + 1) > MAX_HEADER_BYTES)
				return fail(c, LLMK_E_TOO_LARGE, "response headers larger than 65536 bytes", NULL);
			if (n && (*line)[n - 1] == '\r')
				n--;
			(*line)[n] = '\0';
			return LLMK_OK;
		}
		if (c->len - c->off >= MAX_LINE)
			break;
		if (c->eof)
			return fail(c, LLMK_E_TRANSPORT, "connection closed in the middle of the response head", NULL);
		if ((st = fill(c)))
			return st;
	}
	return fail(c, LLMK_E_TOO_LARGE, "line longer than 8192 bytes in the response head", NULL);
}

/* Hands body bytes to the library; non-zero from it means stop. */
static int32_t deliver(conn *c, const unsigned char *p, size_t n)
{
	if (n && llmk_exchange_write(c->ex, p, n))
		return fail(c, LLMK_E_CANCELLED, "transfer stopped by the library", NULL);
	return LLMK_OK;
}

/* Exactly `n` bytes of body (n = -1: until the server closes). */
static int32_t read_body(conn *c, int64_t n, const char *what)
{
	while (n != 0) {
		size_t avail = c->len - c->off, take = avail;
		int32_t st;

		if (n > 0 && (int64_t)take > n)
			take = (size_t)n;
		if (take) {
			if ((st = deliver(c, c->buf + c->off, take)))
				return st;
			c->off += take;
			if (n > 0)
				n -= (int64_t)take;
			continue;
		}
		if (c->eof)
			return n < 0 ? LLMK_OK : fail(c, LLMK_E_TRANSPORT, "connection closed", what);
		if ((st = fill(c)))
			return st;
	}
	return LLMK_OK;
}

static int32_t read_chunked(conn *c)
{
	for (;;) {
		char *line, *end;
		unsigned long long size;
		int32_t st;

		if ((st = read_line(c, &line, NULL)))
			return st;
		line[strcspn(line, ";")] = '\0'; /* chunk extensions */
		errno = 0;
		size = strtoull(line, &end, 16);
		if (end == line || errno || size > ((unsigned long long)1 << 40) ||
		    (*end && *end != ' ' && *end != '\t'))
			return fail(c, LLMK_E_PROTOCOL, "bad chunk size line in the response", NULL);
		if (size == 0)
			break;
		if ((st = read_body(c, (int64_t)size, "in the middle of a chunk")))
			return st;
		if ((st = read_line(c, &line, NULL)))
			return st;
		if (*line)
			return fail(c, LLMK_E_PROTOCOL, "chunk not followed by CRLF", NULL);
	}
	for (;;) { /* trailer fields, then the empty line */
		char *line;
		int32_t st = read_line(c, &line, NULL);

		if (st)
			return st;
		if (!*line)
			return LLMK_OK;
	}
}

static int32_t read_response(conn *c)
{
	int64_t length = -1;
	int chunked = 0, status = 0, interim;
	size_t total = 0;
	char *line;
	int32_t st;

	for (interim = 0; interim <= MAX_INTERIM; interim++) {
		if ((st = read_line(c, &line, &total)))
			return st;
		if (strncmp(line, "HTTP/1.", 7) || strlen(line) < 12 || line[8] != ' ' ||
		    strspn(line + 9, "0123456789") < 3)
			return fail(c, LLMK_E_PROTOCOL, "the response does not start with an HTTP/1.x status line",
			            NULL);
		status = atoi(line + 9);
		if (status >= 200)
			break;
		do { /* 1xx: skip its headers, read the real status line */
			if ((st = read_line(c, &line, &total)))
				return st;
		} while (*line);
	}
	if (status < 200)
		return fail(c, LLMK_E_PROTOCOL, "too many interim (1xx) responses", NULL);
	if ((st = llmk_exchange_set_status(c->ex, status)))
		return fail(c, st, "response refused by the library", NULL);
	for (;;) {
		char *colon, *v, *e;

		if ((st = read_line(c, &line, &total)))
			return st;
		if (!*line)
			break;
		colon = strchr(line, ':');
		if (!colon || colon == line)
			continue; /* not a field line: ignore it, as HTTP/1.1 clients may */
		*colon = '\0';
		v = colon + 1 + strspn(colon + 1, " \t");
		e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!strcasecmp(line, "Transfer-Encoding")) {
			/* chunked must be the last coding (RFC 9112 6.1) */
			size_t vl = strlen(v);
			chunked = vl >= 7 && !strcasecmp(v + vl - 7, "chunked");
		} else if (!strcasecmp(line, "Content-Length")) {
			char *end;
			unsigned long long n;
			errno = 0;
			n = strtoull(v, &end, 10);
			if (end == v || *end || errno || n > ((unsigned long long)1 << 40) ||
			    (length >= 0 && (int64_t)n != length))
				return fail(c, LLMK_E_PROTOCOL, "bad Content-Length in the response", NULL);
			length = (int64_t)n;
		}
		if ((st = llmk_exchange_add_header(c->ex, line, v)))
			return fail(c, st, "response refused by the library", NULL);
	}
	if (status == 204 || status == 304)
		return LLMK_OK;
	if (chunked)
		return read_chunked(c);
	return read_body(c, length, "before the whole body (Content-Length) arrived");
}

/* ---- the transport --------------------------------------------------------- */

int32_t posix_transport_send(llmk_exchange *ex, void *user)
{
	conn *c;
	char host[256], port[8];
	const char *path = "";
	int32_t st;

	(void)user;
	c = calloc(1, sizeof(*c));
	if (!c) {
		llmk_exchange_set_error(ex, "out of memory");
		return LLMK_E_NOMEM;
	}
	c->fd = -1;
	c->ex = ex;
	c->total_ms = llmk_exchange_timeout_ms(ex, LLMK_OPT_TIMEOUT_MS);
	c->idle_ms = llmk_exchange_timeout_ms(ex, LLMK_OPT_IDLE_TIMEOUT_MS);
	c->deadline = c->total_ms > 0 ? now_ms() + c->total_ms : 0;
	st = parse_url(c, llmk_exchange_url(ex), host, sizeof(host), port, sizeof(port), &path);
	if (st == LLMK_OK)
		st = connect_to(c, host, port);
	if (st == LLMK_OK)
		st = send_request(c, host, port, path);
	if (st == LLMK_OK)
		st = read_response(c);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return st;
}

void posix_transport_init(llmk_transport *t)
{
	llmk_transport_init(t);
	t->send = posix_transport_send;
}

/* ---- a program using it ---------------------------------------------------- */

#ifndef CUSTOM_TRANSPORT_NO_MAIN
int main(int argc, char **argv)
{
	llmk_transport t;
	llmk_client *client = NULL;
	llmk_request *req = NULL;
	llmk_response *resp = NULL;
	int32_t st;
	int rc = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: %s http://HOST:PORT[/PATH] PROVIDER/MODEL PROMPT\n", argv[0]);
		return 2;
	}
	posix_transport_init(&t);
	if ((st = llmk_client_new(&client, argv[2])) || (st = llmk_client_set_transport(client, &t, NULL)) ||
	    (st = llmk_client_set_str(client, LLMK_OPT_BASE_URL, argv[1]))) {
		fprintf(stderr, "client: %s: %s\n", llmk_status_name(st), client ? llmk_client_errmsg(client) : "");
		goto out;
	}
	if ((st = llmk_request_new(&req, LLMK_CHAT)) || (st = llmk_request_add_message(req, LLMK_ROLE_USER, argv[3]))) {
		fprintf(stderr, "request: %s\n", llmk_status_name(st));
		goto out;
	}
	st = llmk_send(client, req, &resp);
	if (st) {
		fprintf(stderr, "%s: %s\n", llmk_status_name(st), resp ? llmk_response_error(resp) : "");
		goto out;
	}
	printf("%s\n", llmk_response_text(resp));
	rc = 0;
out:
	llmk_response_free(resp);
	llmk_request_free(req);
	llmk_client_free(client);
	return rc;
}
#endif
