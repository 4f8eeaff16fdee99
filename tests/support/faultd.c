/*
 * faultd.c - network faults and hostile payloads (see faultd.h).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "faultd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fd_refuser {
	int fd;
	int port;
};

struct fd_blackhole {
	int listen_fd;
	int filler_fd; /* the connection sitting in the accept queue */
	int port;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("test faultd: out of memory\n", stderr);
		abort();
	}
	return p;
}

static void loopback(struct sockaddr_in *a, int port)
{
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons((unsigned short)port);
}

/* A TCP socket bound to 127.0.0.1:<free port>; the port in *port. */
static int bound_socket(int *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	loopback(&a, 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

fd_refuser *fd_refuser_start(void)
{
	fd_refuser *r = xmalloc(sizeof *r);

	r->fd = bound_socket(&r->port);
	if (r->fd < 0) {
		free(r);
		return NULL;
	}
	return r;
}

int fd_refuser_port(const fd_refuser *r)
{
	return r->port;
}

void fd_refuser_stop(fd_refuser *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r);
}

/* Non-blocking connect to the port; returns the fd. *connected: 1 when the
 * handshake completed within wait_ms, 0 when it is still pending, -1 when
 * it failed. */
static int probe_connect(int port, int wait_ms, int *connected)
{
	struct sockaddr_in a;
	struct pollfd p;
	int fd = socket(AF_INET, SOCK_STREAM, 0), err = 0;
	socklen_t el = sizeof err;

	*connected = -1;
	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	loopback(&a, port);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		*connected = 1;
		return fd;
	}
	if (errno != EINPROGRESS)
		return fd;
	p.fd = fd;
	p.events = POLLOUT;
	p.revents = 0;
	if (poll(&p, 1, wait_ms) == 0) {
		*connected = 0;
		return fd;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	*connected = err == 0 ? 1 : -1;
	return fd;
}

fd_blackhole *fd_blackhole_start(void)
{
	fd_blackhole *b = xmalloc(sizeof *b);
	int state, probe;

	b->filler_fd = -1;
	b->listen_fd = bound_socket(&b->port);
	/* Backlog 0: Linux queues one finished handshake (the filler) and
	 * drops every later SYN while it sits there unaccepted. */
	if (b->listen_fd < 0 || listen(b->listen_fd, 0) != 0)
		goto fail;
	b->filler_fd = probe_connect(b->port, 1000, &state);
	if (b->filler_fd < 0 || state != 1)
		goto fail;
	probe = probe_connect(b->port, 50, &state);
	if (probe >= 0)
		close(probe);
	if (state != 0) {
		fprintf(stderr, "test faultd: a connect to a full backlog-0 listener did not hang (%d)\n", state);
		goto fail;
	}
	return b;
fail:
	fd_blackhole_stop(b);
	return NULL;
}

int fd_blackhole_port(const fd_blackhole *b)
{
	return b->port;
}

void fd_blackhole_stop(fd_blackhole *b)
{
	if (!b)
		return;
	if (b->filler_fd >= 0)
		close(b->filler_fd);
	if (b->listen_fd >= 0)
		close(b->listen_fd);
	free(b);
}

char *fd_nested_json(const char *prefix, size_t depth, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *s = xmalloc(pl + 2 * depth + sl + 1);

	memcpy(s, prefix, pl);
	memset(s + pl, '[', depth);
	memset(s + pl + depth, ']', depth);
	memcpy(s + pl + 2 * depth, suffix, sl + 1);
	return s;
}

char *fd_chunk_every_byte(const char *headers, const char *body, size_t *out_len)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n";
	size_t hl = strlen(headers), bl = strlen(body), n = 0;
	/* "1\r\nX\r\n" is 6 bytes a body byte. */
	char *s = xmalloc(sizeof head + hl + 2 + 6 * bl + 5 + 1);

	memcpy(s, head, sizeof head - 1);
	n = sizeof head - 1;
	memcpy(s + n, headers, hl);
	n += hl;
	memcpy(s + n, "\r\n", 2);
	n += 2;
	for (size_t i = 0; i < bl; i++) {
		memcpy(s + n, "1\r\n", 3);
		s[n + 3] = body[i];
		memcpy(s + n + 4, "\r\n", 2);
		n += 6;
	}
	memcpy(s + n, "0\r\n\r\n", 5);
	n += 5;
	s[n] = '\0';
	*out_len = n;
	return s;
}
