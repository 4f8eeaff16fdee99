/* bench/server.c - the bench's HTTP/1.1 server on 127.0.0.1.
 *
 * One thread, epoll, keep-alive, pipelining tolerated. Answers
 *   POST .../chat/completions            a fixed OpenAI chat.completion
 *   POST .../chat/completions "stream":true  an SSE chat.completion.chunk
 *        stream (usage chunk when the body asks for include_usage)
 *   POST .../embeddings                  an OpenAI embedding list: the path
 *        prefix /e<N>x<D>/ gives N vectors of D numbers (default 8 x 16),
 *        "encoding_format":"base64" in the body the base64 form (little-
 *        endian float32), else decimal text ("%.9g" of each float32, the
 *        precision OpenAI's float answers carry); values bench_embed_value()
 *   anything else                        404
 * The path may start with /n<N>/w<W>/ to choose the number of content
 * chunks of a stream (default 16) and the write size: W = 0 writes each
 * response whole, W = k > 0 writes the body k bytes per send() (blocking,
 * TCP_NODELAY), so the client reads it in pieces.
 *
 * Usage: server [port]   (0 or nothing: any free port). Prints "PORT <p>"
 * on stdout once listening; runs until SIGTERM/SIGINT. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define MAX_REQ (1u << 20)

typedef struct conn {
	int fd;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	/* A large cached body sent after out without a copy (embeddings). */
	const char *ext;
	size_t ext_len, ext_off;
	int closing;
} conn;

static volatile sig_atomic_t stop;
static int ep;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int grow(char **b, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 4096;
	char *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*b, n);
	if (!p)
		return -1;
	*b = p;
	*cap = n;
	return 0;
}

static int out_add(conn *c, const char *p, size_t n)
{
	if (grow(&c->out, &c->out_cap, c->out_len + n))
		return -1;
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

static void conn_close(conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* Cached stream bodies: the last one built for each usage flag. */
static struct {
	char *body;
	size_t len, n;
} sse_cache[2];

static const char *sse_body(size_t n, int usage, size_t *len)
{
	if (!sse_cache[usage].body || sse_cache[usage].n != n) {
		free(sse_cache[usage].body);
		sse_cache[usage].body = bench_sse_body(n, usage, &sse_cache[usage].len);
		sse_cache[usage].n = n;
	}
	*len = sse_cache[usage].len;
	return sse_cache[usage].body;
}

/* Cached embedding answers: the last one built for each form. */
static struct {
	char *body;
	size_t len, n, dim;
} emb_cache[2];

static const char b64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *embed_body(size_t n, size_t dim, int b64, size_t *len)
{
	size_t cap, off = 0, i, j;
	char *b;

	if (emb_cache[b64].body && emb_cache[b64].n == n && emb_cache[b64].dim == dim) {
		*len = emb_cache[b64].len;
		return emb_cache[b64].body;
	}
	free(emb_cache[b64].body);
	emb_cache[b64].body = NULL;
	cap = 256 + n * (96 + (b64 ? dim * 16 / 3 + 8 : dim * 18));
	if (!(b = malloc(cap)))
		return NULL;
	off += (size_t)sprintf(b, "{\"object\":\"list\",\"data\":[");
	for (i = 0; i < n; i++) {
		off += (size_t)sprintf(b + off, "%s{\"object\":\"embedding\",\"index\":%zu,\"embedding\":%s",
		                       i ? "," : "", i, b64 ? "\"" : "[");
		if (b64) {
			unsigned char q[3];
			size_t k = 0, nb = dim * 4, t;
			for (t = 0; t < nb; t++) {
				float f = bench_embed_value(i, t / 4);
				uint32_t u;
				memcpy(&u, &f, 4);
				q[k++] = (unsigned char)(u >> (8 * (t % 4)));
				if (k == 3 || t + 1 == nb) {
					uint32_t w = (uint32_t)q[0] << 16 | (k > 1 ? (uint32_t)q[1] << 8 : 0) |
					             (k > 2 ? q[2] : 0);
					b[off++] = b64_alpha[w >> 18];
					b[off++] = b64_alpha[(w >> 12) & 63];
					b[off++] = k > 1 ? b64_alpha[(w >> 6) & 63] : '=';
					b[off++] = k > 2 ? b64_alpha[w & 63] : '=';
					k = 0;
				}
			}
			b[off++] = '"';
		} else {
			for (j = 0; j < dim; j++)
				off += (size_t)sprintf(b + off, "%s%.9g", j ? "," : "",
				                       (double)bench_embed_value(i, j));
			b[off++] = ']';
		}
		b[off++] = '}';
	}
	off += (size_t)sprintf(b + off, "],\"model\":\"%s\",\"usage\":{\"prompt_tokens\":%zu,\"total_tokens\":%zu}}",
	                       BENCH_EMBED_MODEL, n * 2, n * 2);
	emb_cache[b64].body = b;
	emb_cache[b64].len = *len = off;
	emb_cache[b64].n = n;
	emb_cache[b64].dim = dim;
	return b;
}

/* Flushes pending output; returns -1 when the connection must close. */
static int flush_out(conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		c->out_off += (size_t)w;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	while (!c->out_len && c->ext && c->ext_off < c->ext_len) {
		ssize_t w = send(c->fd, c->ext + c->ext_off, c->ext_len - c->ext_off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		c->ext_off += (size_t)w;
	}
	if (c->ext && c->ext_off == c->ext_len)
		c->ext = NULL;
	return 0;
}

static int send_blocking(int fd, const char *p, size_t n, size_t step)
{
	int fl = fcntl(fd, F_GETFL);
	size_t off = 0;

	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	while (off < n) {
		size_t k = n - off < step ? n - off : step;
		ssize_t w = send(fd, p + off, k, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fcntl(fd, F_SETFL, fl);
			return -1;
		}
		off += (size_t)w;
	}
	fcntl(fd, F_SETFL, fl);
	return 0;
}

static const char *find_header(const char *h, size_t hlen, const char *name)
{
	size_t nl = strlen(name);
	const char *p = h, *end = h + hlen;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			break;
		if ((size_t)(eol - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl))
			return p + nl + 1;
		p = eol + 2;
	}
	return NULL;
}

/* Handles every complete request in c->in; returns -1 to close. */
static int handle(conn *c)
{
	for (;;) {
		char *hend = c->in_len >= 4 ? memmem(c->in, c->in_len, "\r\n\r\n", 4) : NULL;
		const char *cl, *body, *path, *sp;
		size_t hlen, blen = 0, total, n = 16, step = 0, plen;
		char head[256];
		int stream, usage, hn;

		if (c->ext) /* a large answer is still going out: the next waits */
			return 0;
		if (!hend)
			return c->in_len > MAX_REQ ? -1 : 0;
		hlen = (size_t)(hend - c->in) + 4;
		if ((cl = find_header(c->in, hlen, "Content-Length")))
			blen = strtoul(cl, NULL, 10);
		if (blen > MAX_REQ)
			return -1;
		total = hlen + blen;
		if (c->in_len < total)
			return 0;
		body = c->in + hlen;
		path = memchr(c->in, ' ', hlen);
		if (!path)
			return -1;
		path++;
		sp = memchr(path, ' ', hlen - (size_t)(path - c->in));
		if (!sp)
			return -1;
		plen = (size_t)(sp - path);
		if (plen > 2 && path[1] == 'n') {
			char *e;
			n = strtoul(path + 2, &e, 10);
			if (e[0] == '/' && e[1] == 'w')
				step = strtoul(e + 2, NULL, 10);
		}
		if (find_header(c->in, hlen, "Connection") && strstr(find_header(c->in, hlen, "Connection"), "close"))
			c->closing = 1;
		if (plen >= 11 && !memcmp(sp - 11, "/embeddings", 11)) {
			size_t en = 8, ed = 16, elen = 0;
			const char *eb;
			int b64 = memmem(body, blen, "\"base64\"", 8) != NULL;
			if (plen > 2 && path[1] == 'e') {
				char *e;
				en = strtoul(path + 2, &e, 10);
				if (*e == 'x')
					ed = strtoul(e + 1, NULL, 10);
			}
			eb = embed_body(en, ed, b64, &elen);
			hn = snprintf(head, sizeof(head),
			              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: req_bench\r\n"
			              "Content-Length: %zu\r\n\r\n",
			              elen);
			if (!eb || out_add(c, head, (size_t)hn))
				return -1;
			c->ext = eb;
			c->ext_len = elen;
			c->ext_off = 0;
		} else if (plen < 17 || memcmp(sp - 17, "/chat/completions", 17)) {
			static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Type: "
			                         "application/json\r\nContent-Length: 2\r\n\r\n{}";
			if (out_add(c, nf, sizeof(nf) - 1))
				return -1;
		} else {
			stream =
			        memmem(body, blen, "\"stream\":true", 13) || memmem(body, blen, "\"stream\": true", 14);
			usage = memmem(body, blen, "include_usage", 13) != NULL;
			if (stream) {
				size_t slen;
				const char *sb = sse_body(n, usage, &slen);
				hn = snprintf(head, sizeof(head),
				              "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
				              "x-request-id: req_bench\r\nContent-Length: %zu\r\n\r\n",
				              slen);
				if (!sb || out_add(c, head, (size_t)hn))
					return -1;
				if (step) {
					if (flush_out(c) || c->out_len || send_blocking(c->fd, sb, slen, step))
						return -1;
				} else if (out_add(c, sb, slen)) {
					return -1;
				}
			} else {
				hn = snprintf(head, sizeof(head),
				              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: "
				              "req_bench\r\n"
				              "Content-Length: %zu\r\n\r\n",
				              sizeof(BENCH_CHAT_JSON) - 1);
				if (out_add(c, head, (size_t)hn) ||
				    out_add(c, BENCH_CHAT_JSON, sizeof(BENCH_CHAT_JSON) - 1))
					return -1;
			}
		}
		memmove(c->in, c->in + total, c->in_len - total);
		c->in_len -= total;
	}
}

static void on_conn(conn *c, uint32_t events)
{
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (;;) {
			ssize_t r;
			if (grow(&c->in, &c->in_cap, c->in_len + 65536))
				goto bye;
			r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
			if (r == 0)
				goto bye;
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				goto bye;
			}
			c->in_len += (size_t)r;
			if (c->in_len >= 4 && memmem(c->in, c->in_len, "\r\n\r\n", 4))
				break; /* answer before reading more (keeps latency low) */
		}
		if (handle(c))
			goto bye;
	}
	if (flush_out(c))
		goto bye;
	{
		struct epoll_event ev = {.events = EPOLLIN | (c->out_len || c->ext ? EPOLLOUT : 0), .data.ptr = c};
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	if (c->closing && !c->out_len && !c->ext)
		goto bye;
	return;
bye:
	conn_close(c);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	struct epoll_event ev, evs[128];
	int lfd, one = 1, i, k;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)(argc > 1 ? atoi(argv[1]) : 0));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1024) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al)) {
		perror("server: listen");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("PORT %d\n", ntohs(a.sin_port));
	fflush(stdout);
	while (!stop) {
		k = epoll_wait(ep, evs, 128, 500);
		for (i = 0; i < k; i++) {
			if (!evs[i].data.ptr) {
				int fd;
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					conn *c = calloc(1, sizeof(*c));
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			on_conn(evs[i].data.ptr, evs[i].events);
		}
	}
	close(lfd);
	return 0;
}
