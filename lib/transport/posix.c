/* The POSIX-socket transport (llmk_transport_posix()): HTTP/1.1 over plain
 * TCP for http:// URLs, for builds without libcurl (firmware, a local
 * model server, a TLS-terminating proxy).
 *
 * One exchange is one connection (Connection: close, no reuse) moved by
 * one state machine, conn_run(), that never blocks: connect, write the
 * request, read the response through the HTTP/1.1 decoder
 * (lib/codec/http1.h, which bounds what a server can make us hold), as far
 * as the socket allows. The blocking `send` waits for the connection's
 * descriptor with poll() in slices of at most SLICE_MS (to notice the
 * cancel flag) and runs it again; the multi driver (the non-blocking
 * callbacks) keeps many connections and runs the ones whose descriptor is
 * ready, whose deadline passed or that were just added. One pipeline, two
 * ways of waiting.
 *
 * Host names are resolved with getaddrinfo(), which blocks (numeric
 * addresses do not). Timeouts: total (timeout_ms), connect
 * (connect_timeout_ms, per exchange over all the addresses tried) and idle
 * (idle_timeout_ms, silence in either direction once connected).
 *
 * One file of some 750 lines on purpose: the request writer, the state
 * machine and its two drivers share the connection struct and nothing
 * else needs it. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sodium.h>

#include "llmkit.h"
#include "alloc.h"
#include "bounds.h"
#include "clock.h"
#include "http1.h"

#define SLICE_MS 50      /* longest blocking wait between cancel checks */
#define MAX_LINE 8192    /* status, header, chunk-size and trailer lines */
#define MAX_HEAD 65536   /* the response head with interim answers and trailers */
#define READS_PER_RUN 16 /* reads per run before others get their turn */

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* SO_NOSIGPIPE is set on the socket instead */
#endif

enum { C_CONNECT, C_SEND, C_RECV, C_DONE };

typedef struct pconn {
	llmk_exchange *ex;
	int fd;
	int phase;
	short want;                  /* POLLIN or POLLOUT while waiting */
	struct addrinfo *addrs, *ai; /* resolved; the one being tried */
	char *head;                  /* request line and headers: may hold the API key, wiped */
	size_t head_len, head_cap;
	const uint8_t *body;
	size_t body_len;
	size_t sent;    /* of head then body */
	int send_errno; /* the write failed; the server may have answered already */
	llmk__http1 dec;
	int64_t total_ms, connect_ms, idle_ms;
	double deadline, connect_by, last_io; /* 0: no deadline */
	int32_t result;
	/* The multi driver's. */
	int ready; /* run at the next step: ready descriptor, or just added */
	struct pconn *next;
	uint8_t in[4096];
} pconn;

static int32_t conn_fail(pconn *c, int32_t st, const char *what, const char *detail)
{
	char msg[LLMK_ERRMSG_MAX > 256 ? 256 : LLMK_ERRMSG_MAX];

	snprintf(msg, sizeof(msg), "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
	llmk_exchange_set_error(c->ex, msg);
	c->result = st;
	c->phase = C_DONE;
	return st;
}

static void conn_free(pconn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->addrs)
		freeaddrinfo(c->addrs);
	if (c->head) {
		sodium_memzero(c->head, c->head_cap);
		llmk__free(c->head);
	}
	llmk__http1_free(&c->dec);
	llmk__free(c);
}

/* ---- the request ------------------------------------------------------- */

/* Splits "http://host[:port][/path][?query]" into host, port and the
 * request target (a fragment dropped). IPv6 literals come in brackets. */
static int32_t parse_url(pconn *c, const char *url, char *host, size_t hcap, char *port, size_t pcap,
                         const char **target, size_t *tlen)
{
	const char *h, *end, *colon = NULL, *p;
	size_t hl, pl;

	if (!url)
		return conn_fail(c, LLMK_E_CONFIG, "no URL", NULL);
	if (!strncasecmp(url, "https://", 8))
		return conn_fail(c, LLMK_E_UNSUPPORTED,
		                 "https:// needs a TLS transport; the POSIX transport speaks http:// only", NULL);
	if (strncasecmp(url, "http://", 7))
		return conn_fail(c, LLMK_E_CONFIG, "not an http:// URL", NULL);
	h = url + 7;
	end = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(end - h)))
		return conn_fail(c, LLMK_E_CONFIG, "credentials in the URL are not supported", NULL);
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (!rb || (rb + 1 != end && rb[1] != ':'))
			return conn_fail(c, LLMK_E_CONFIG, "bad IPv6 address in the URL", NULL);
		hl = (size_t)(rb - h - 1);
		h++;
		if (rb + 1 != end)
			colon = rb + 1;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hl = (size_t)((colon ? colon : end) - h);
	}
	pl = colon ? (size_t)(end - colon - 1) : 0;
	if (!hl || hl >= hcap || (colon && (!pl || pl >= pcap || pl > 5)))
		return conn_fail(c, LLMK_E_CONFIG, "bad host or port in the URL", NULL);
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon) {
		memcpy(port, colon + 1, pl);
		port[pl] = '\0';
		if (strspn(port, "0123456789") != pl || atoi(port) < 1 || atoi(port) > 65535)
			return conn_fail(c, LLMK_E_CONFIG, "bad port in the URL", NULL);
	} else {
		snprintf(port, pcap, "80");
	}
	*target = end;
	*tlen = strcspn(end, "#");
	for (p = end; p < end + *tlen; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return conn_fail(c, LLMK_E_CONFIG, "space or control character in the URL", NULL);
	return LLMK_OK;
}

static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      strchr("!#$%&'*+-.^_`|~", *s)))
			return 0;
	return 1;
}

/* Headers the transport writes itself (framing and the connection). */
static int ours(const char *name)
{
	return !strcasecmp(name, "Host") || !strcasecmp(name, "Content-Length") || !strcasecmp(name, "Connection") ||
	       !strcasecmp(name, "Transfer-Encoding");
}

/* Appends to the head; the capacity was computed for everything. */
static void put(pconn *c, const char *s, size_t n)
{
	if (n <= c->head_cap - c->head_len) {
		memcpy(c->head + c->head_len, s, n);
		c->head_len += n;
	}
}

static void puts_(pconn *c, const char *s)
{
	put(c, s, strlen(s));
}

/* Request line and headers in one buffer. A header with a line break would
 * smuggle in another header: refused, like a method or name that is not a
 * token. */
static int32_t build_head(pconn *c, const char *host, const char *port, const char *target, size_t tlen)
{
	llmk_exchange *ex = c->ex;
	const char *method = llmk_exchange_method(ex), *n, *v;
	size_t i, nh = llmk_exchange_header_count(ex), cap;
	int ipv6 = strchr(host, ':') != NULL, accept = 0, length;
	char num[32];

	if (!method || !is_token(method))
		return conn_fail(c, LLMK_E_INVALID_ARG, "bad request method", NULL);
	cap = strlen(method) + tlen + strlen(host) + strlen(port) + 160;
	for (i = 0; i < nh; i++) {
		n = llmk_exchange_header_name(ex, i);
		v = llmk_exchange_header_value(ex, i);
		if (strpbrk(v, "\r\n"))
			return conn_fail(c, LLMK_E_INVALID_ARG, "a request header contains a line break", NULL);
		if (!is_token(n))
			return conn_fail(c, LLMK_E_INVALID_ARG, "a request header name is not a token", NULL);
		accept |= !strcasecmp(n, "Accept");
		cap += strlen(n) + strlen(v) + 4;
	}
	c->head = llmk__malloc(cap);
	if (!c->head)
		return conn_fail(c, LLMK_E_NOMEM, "out of memory building the request", NULL);
	c->head_cap = cap;
	puts_(c, method);
	puts_(c, *target == '/' ? " " : " /");
	put(c, target, tlen);
	puts_(c, " HTTP/1.1\r\nHost: ");
	puts_(c, ipv6 ? "[" : "");
	puts_(c, host);
	puts_(c, ipv6 ? "]" : "");
	if (strcmp(port, "80")) {
		puts_(c, ":");
		puts_(c, port);
	}
	puts_(c, "\r\n");
	for (i = 0; i < nh; i++) {
		n = llmk_exchange_header_name(ex, i);
		if (ours(n))
			continue;
		puts_(c, n);
		puts_(c, ": ");
		puts_(c, llmk_exchange_header_value(ex, i));
		puts_(c, "\r\n");
	}
	length = c->body || (strcmp(method, "GET") && strcmp(method, "HEAD"));
	if (length) {
		snprintf(num, sizeof(num), "Content-Length: %zu\r\n", c->body ? c->body_len : (size_t)0);
		puts_(c, num);
	}
	if (!accept)
		puts_(c, "Accept: */*\r\n");
	puts_(c, "Connection: close\r\n\r\n");
	return LLMK_OK;
}

/* ---- the response -------------------------------------------------------- */

static int on_status(void *user, int code)
{
	pconn *c = user;
	return llmk_exchange_set_status(c->ex, code) != LLMK_OK;
}

static int on_header(void *user, const char *name, const char *value)
{
	pconn *c = user;
	return llmk_exchange_add_header(c->ex, name, value) != LLMK_OK;
}

static int on_body(void *user, const uint8_t *data, size_t len)
{
	pconn *c = user;
	return llmk_exchange_write(c->ex, data, len) != 0;
}

/* The decoder's end: done or why not. */
static int32_t decoded(pconn *c, int rc)
{
	const char *why = llmk__http1_why(&c->dec);

	switch (rc) {
	case LLMK_HTTP1_DONE:
		c->phase = C_DONE;
		c->result = LLMK_OK;
		return LLMK_OK;
	case LLMK_HTTP1_E_NOMEM: return conn_fail(c, LLMK_E_NOMEM, why, NULL);
	case LLMK_HTTP1_E_TOO_LARGE: return conn_fail(c, LLMK_E_TOO_LARGE, why, NULL);
	case LLMK_HTTP1_E_STOPPED: return conn_fail(c, LLMK_E_CANCELLED, "transfer stopped by the library", NULL);
	case LLMK_HTTP1_E_TRUNCATED:
		if (c->send_errno && !c->dec.any) /* nothing came back: the write failure is the story */
			return conn_fail(c, LLMK_E_TRANSPORT, "send failed", strerror(c->send_errno));
		return conn_fail(c, LLMK_E_TRANSPORT, why, NULL);
	default: return conn_fail(c, LLMK_E_PROTOCOL, why, NULL);
	}
}

/* ---- connecting ------------------------------------------------------------ */

/* Starts connecting to c->ai, or the next address that accepts a socket. */
static void connect_next(pconn *c)
{
	int err = ECONNREFUSED;

	for (; c->ai; c->ai = c->ai->ai_next) {
		int one = 1;

		c->fd = socket(c->ai->ai_family, c->ai->ai_socktype, c->ai->ai_protocol);
		if (c->fd < 0) {
			err = errno;
			continue;
		}
		(void)one;
#ifdef SO_NOSIGPIPE
		setsockopt(c->fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
#endif
		fcntl(c->fd, F_SETFD, FD_CLOEXEC);
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
		if (connect(c->fd, c->ai->ai_addr, c->ai->ai_addrlen) == 0) {
			c->phase = C_SEND;
			return;
		}
		if (errno == EINPROGRESS || errno == EINTR) {
			c->want = POLLOUT;
			return;
		}
		err = errno;
		close(c->fd);
		c->fd = -1;
	}
	conn_fail(c, LLMK_E_TRANSPORT, "connect failed", strerror(err));
}

/* The connection in progress has an outcome yet? */
static void connect_check(pconn *c)
{
	struct pollfd p = {c->fd, POLLOUT, 0};
	int err = 0;
	socklen_t len = sizeof(err);

	if (poll(&p, 1, 0) <= 0)
		return; /* still connecting */
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
		c->phase = C_SEND;
		return;
	}
	close(c->fd);
	c->fd = -1;
	c->ai = c->ai->ai_next;
	if (c->ai) {
		connect_next(c);
	} else {
		conn_fail(c, LLMK_E_TRANSPORT, "connect failed", strerror(err ? err : ECONNREFUSED));
	}
}

/* A new connection for ex: the request built, the address resolved, the
 * connect started. On failure *out is NULL and the exchange says why. */
static int32_t conn_new(pconn **out, llmk_exchange *ex)
{
	pconn *c = llmk__calloc(1, sizeof(*c));
	char host[256], port[8];
	const char *target = "";
	size_t tlen = 0;
	struct addrinfo hints;
	llmk__http1_cb cb = {on_status, on_header, on_body, NULL};
	double now = llmk__now_ms();
	int gai;
	int32_t st;

	*out = NULL;
	if (!c) {
		llmk_exchange_set_error(ex, "out of memory");
		return LLMK_E_NOMEM;
	}
	c->fd = -1;
	c->ex = ex;
	c->body = llmk_exchange_body(ex, &c->body_len);
	c->total_ms = llmk_exchange_timeout_ms(ex, LLMK_OPT_TIMEOUT_MS);
	c->connect_ms = llmk_exchange_timeout_ms(ex, LLMK_OPT_CONNECT_TIMEOUT_MS);
	c->idle_ms = llmk_exchange_timeout_ms(ex, LLMK_OPT_IDLE_TIMEOUT_MS);
	c->deadline = c->total_ms > 0 ? now + (double)c->total_ms : 0;
	c->connect_by = c->connect_ms > 0 ? now + (double)c->connect_ms : 0;
	c->last_io = now;
	cb.user = c;
	llmk__http1_init(&c->dec, &cb, MAX_LINE, MAX_HEAD,
	                 llmk_exchange_method(ex) && !strcmp(llmk_exchange_method(ex), "HEAD"));
	st = parse_url(c, llmk_exchange_url(ex), host, sizeof(host), port, sizeof(port), &target, &tlen);
	if (st == LLMK_OK)
		st = build_head(c, host, port, target, tlen);
	if (st == LLMK_OK) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		gai = getaddrinfo(host, port, &hints, &c->addrs);
		if (gai)
			st = conn_fail(c, LLMK_E_TRANSPORT, "cannot resolve the host", gai_strerror(gai));
	}
	if (st == LLMK_OK) {
		c->ai = c->addrs;
		connect_next(c);
		st = c->phase == C_DONE ? c->result : LLMK_OK;
	}
	if (st != LLMK_OK) {
		conn_free(c);
		return st;
	}
	*out = c;
	return LLMK_OK;
}

/* ---- running ----------------------------------------------------------------- */

/* The next time conn_run() must look at c even if its socket is quiet
 * (0: none). */
static double conn_wake_at(const pconn *c)
{
	double t = c->deadline, u = 0;

	if (c->phase == C_CONNECT)
		u = c->connect_by;
	else if (c->idle_ms > 0)
		u = c->last_io + (double)c->idle_ms;
	if (u > 0 && (t <= 0 || u < t))
		t = u;
	return t;
}

static int timed_out(pconn *c, double now)
{
	char msg[96];

	if (c->deadline > 0 && now >= c->deadline) {
		snprintf(msg, sizeof(msg), "no complete response within %lld ms (timeout_ms)", (long long)c->total_ms);
	} else if (c->phase == C_CONNECT && c->connect_by > 0 && now >= c->connect_by) {
		snprintf(msg, sizeof(msg), "connect took longer than %lld ms (connect_timeout_ms)",
		         (long long)c->connect_ms);
	} else if (c->phase != C_CONNECT && c->idle_ms > 0 && now - c->last_io >= (double)c->idle_ms) {
		snprintf(msg, sizeof(msg), "no data for %lld ms (idle_timeout_ms)", (long long)c->idle_ms);
	} else {
		return 0;
	}
	conn_fail(c, LLMK_E_TIMEOUT, msg, NULL);
	return 1;
}

static void send_some(pconn *c, double now)
{
	for (;;) {
		struct iovec iov[2];
		struct msghdr msg;
		int k = 0;
		ssize_t n;

		if (c->sent < c->head_len) {
			iov[k].iov_base = c->head + c->sent;
			iov[k++].iov_len = c->head_len - c->sent;
		}
		if (c->body_len && c->sent < c->head_len + c->body_len) {
			size_t off = c->sent > c->head_len ? c->sent - c->head_len : 0;
			iov[k].iov_base = (void *)(c->body + off);
			iov[k++].iov_len = c->body_len - off;
		}
		if (!k) {
			/* All written: the head (with the key) is not needed any more. */
			sodium_memzero(c->head, c->head_cap);
			c->phase = C_RECV;
			c->want = POLLIN;
			return;
		}
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)k;
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
		if (n > 0) {
			c->sent += (size_t)n;
			c->last_io = now;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->want = POLLOUT;
			return;
		} else {
			/* The server may have answered before reading everything (a
			 * 413, say) and closed: read what it said. */
			c->send_errno = n < 0 ? errno : EPIPE;
			sodium_memzero(c->head, c->head_cap);
			c->phase = C_RECV;
			c->want = POLLIN;
			return;
		}
	}
}

static void recv_some(pconn *c, double now)
{
	int i;

	for (i = 0; i < READS_PER_RUN && c->phase == C_RECV; i++) {
		ssize_t n = recv(c->fd, c->in, sizeof(c->in), 0);
		int rc;

		if (n > 0) {
			c->last_io = now;
			rc = llmk__http1_feed(&c->dec, c->in, (size_t)n);
			if (rc != LLMK_HTTP1_MORE)
				decoded(c, rc);
		} else if (n == 0) {
			decoded(c, llmk__http1_finish(&c->dec));
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->want = POLLIN;
			return;
		} else if (c->send_errno && (errno == ECONNRESET || errno == EPIPE)) {
			decoded(c, llmk__http1_finish(&c->dec));
		} else {
			conn_fail(c, LLMK_E_TRANSPORT, "receive failed", strerror(errno));
		}
	}
}

/* Moves the exchange on as far as the socket allows without blocking.
 * Returns 1 when it is over (c->result), 0 when waiting for c->want or a
 * deadline. */
static int conn_run(pconn *c, double now)
{
	if (c->phase != C_DONE && timed_out(c, now))
		return 1;
	if (c->phase == C_CONNECT)
		connect_check(c);
	if (c->phase == C_SEND)
		send_some(c, now);
	if (c->phase == C_RECV)
		recv_some(c, now);
	return c->phase == C_DONE;
}

/* ---- blocking ---------------------------------------------------------------- */

static int32_t posix_send(llmk_exchange *ex, void *user)
{
	pconn *c;
	double now, wake;
	int32_t st;
	int wait;

	(void)user;
	st = conn_new(&c, ex);
	if (st != LLMK_OK)
		return st;
	for (;;) {
		now = llmk__now_ms();
		if (llmk_exchange_cancelled(ex)) {
			conn_fail(c, LLMK_E_CANCELLED, "cancelled", NULL);
			break;
		}
		if (conn_run(c, now))
			break;
		wait = SLICE_MS;
		wake = conn_wake_at(c);
		if (wake > 0 && wake - now < (double)wait)
			wait = wake > now ? (int)(wake - now) + 1 : 0;
		{
			struct pollfd p = {c->fd, c->want, 0};
			poll(&p, 1, wait);
		}
	}
	st = c->result;
	conn_free(c);
	return st;
}

/* ---- the multi driver ----------------------------------------------------- */

typedef struct pdriver {
	pconn *conns;
	size_t n;
	/* Descriptor -> connection, for the ready list a step receives;
	 * refreshed by pdriver_fds(). */
	pconn **byfd;
	size_t byfd_cap;
} pdriver;

static void *pdriver_open(void *user)
{
	(void)user;
	return llmk__calloc(1, sizeof(pdriver));
}

static void pdriver_close(void *drv)
{
	pdriver *d = drv;
	pconn *c;

	while ((c = d->conns)) {
		d->conns = c->next;
		conn_free(c);
	}
	llmk__free(d->byfd);
	llmk__free(d);
}

static int32_t pdriver_add(llmk_exchange *ex, void *user, void *drv)
{
	pdriver *d = drv;
	pconn *c;
	int32_t st;

	(void)user;
	st = conn_new(&c, ex);
	if (st != LLMK_OK)
		return st;
	c->ready = 1; /* the connect may be done already: try at the next step */
	c->next = d->conns;
	d->conns = c;
	d->n++;
	return LLMK_OK;
}

static void unmap_fd(pdriver *d, const pconn *c)
{
	if (c->fd >= 0 && (size_t)c->fd < d->byfd_cap && d->byfd[c->fd] == c)
		d->byfd[c->fd] = NULL;
}

static void pdriver_remove(llmk_exchange *ex, void *drv)
{
	pdriver *d = drv;
	pconn **pp, *c;

	for (pp = &d->conns; (c = *pp); pp = &c->next)
		if (c->ex == ex) {
			*pp = c->next;
			d->n--;
			unmap_fd(d, c);
			conn_free(c);
			return;
		}
}

static void map_fd(pdriver *d, pconn *c)
{
	size_t fd = (size_t)c->fd, ncap;
	pconn **nm;

	if (c->fd < 0)
		return;
	if (fd >= d->byfd_cap) {
		ncap = d->byfd_cap ? d->byfd_cap : 64;
		while (ncap <= fd)
			ncap *= 2;
		nm = llmk__realloc(d->byfd, ncap * sizeof(*nm));
		if (!nm)
			return; /* the step then runs everything */
		memset(nm + d->byfd_cap, 0, (ncap - d->byfd_cap) * sizeof(*nm));
		d->byfd = nm;
		d->byfd_cap = ncap;
	}
	d->byfd[fd] = c;
}

static size_t pdriver_fds(int32_t *fds, int32_t *events, size_t cap, void *drv)
{
	pdriver *d = drv;
	pconn *c;
	size_t i = 0;

	for (c = d->conns; c; c = c->next) {
		if (c->fd < 0)
			continue;
		if (i < cap) {
			map_fd(d, c);
			if (fds)
				fds[i] = c->fd;
			if (events)
				events[i] = c->want == POLLOUT ? LLMK_POLL_OUT : LLMK_POLL_IN;
		}
		i++;
	}
	return i;
}

static int32_t pdriver_step(const int32_t *fds, const int32_t *revents, size_t n, void *drv)
{
	pdriver *d = drv;
	pconn **pp, *c;
	llmk_exchange *ex;
	size_t i;
	int32_t st;
	double now, wake;

	(void)revents; /* any readiness: the connection is run, it finds out itself */
	/* Every descriptor listed was mapped by the pdriver_fds() that
	 * preceded the poll; a connection freed since cleared its entry. */
	for (i = 0; i < n; i++) {
		size_t fd = (size_t)fds[i];
		if (fds[i] < 0)
			continue;
		if (fd < d->byfd_cap) {
			if (d->byfd[fd] && d->byfd[fd]->fd == fds[i])
				d->byfd[fd]->ready = 1;
		} else { /* not in the map (it could not grow): run them all */
			for (c = d->conns; c; c = c->next)
				c->ready = 1;
			break;
		}
	}
	now = llmk__now_ms();
	for (pp = &d->conns; (c = *pp);) {
		wake = conn_wake_at(c);
		if (c->ready || (wake > 0 && now >= wake)) {
			c->ready = 0;
			if (conn_run(c, now)) {
				*pp = c->next;
				d->n--;
				unmap_fd(d, c);
				ex = c->ex;
				st = c->result;
				conn_free(c);
				llmk_exchange_done(ex, st);
				continue;
			}
		}
		pp = &c->next;
	}
	return LLMK_OK;
}

static int64_t pdriver_timeout_ms(void *drv)
{
	pdriver *d = drv;
	pconn *c;
	double now = llmk__now_ms(), t = -1, w;

	for (c = d->conns; c; c = c->next) {
		if (c->ready)
			return 0;
		w = conn_wake_at(c);
		if (w <= 0)
			continue;
		w = w > now ? w - now : 0;
		if (t < 0 || w < t)
			t = w;
	}
	return t < 0 ? -1 : (int64_t)(t + 0.999);
}

llmk_status llmk_transport_posix(llmk_transport *t)
{
	llmk_transport full;

	if (!t || t->struct_size < offsetof(llmk_transport, send) + sizeof(t->send))
		return LLMK_E_INVALID_ARG;
	memset(&full, 0, sizeof(full));
	full.struct_size = t->struct_size < sizeof(full) ? t->struct_size : (uint32_t)sizeof(full);
	full.send = posix_send;
	full.multi_open = pdriver_open;
	full.multi_add = pdriver_add;
	full.multi_step = pdriver_step;
	full.multi_fds = pdriver_fds;
	full.multi_timeout_ms = pdriver_timeout_ms;
	full.multi_remove = pdriver_remove;
	full.multi_close = pdriver_close;
	/* Only what the caller's table has room for (its struct_size). */
	memcpy(t, &full, full.struct_size);
	return LLMK_OK;
}
