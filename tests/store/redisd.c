#define _POSIX_C_SOURCE 200809L
/* A redis-server for the tests (redisd.h). Speaks RESP itself for its
 * few administrative commands (PING, SCRIPT FLUSH, FLUSHALL, KEYS), so the
 * checks do not go through the code under test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "redisd.h"

/* Every server started, so that a failed test (cmocka jumps out of it)
 * cannot leave one running: killed at exit. */
static int started[64];
static size_t nstarted;

static void kill_all(void)
{
	for (size_t i = 0; i < nstarted; i++)
		if (started[i] > 0 && !kill(started[i], SIGKILL))
			waitpid(started[i], NULL, 0);
}

const char *redisd_binary(void)
{
	static const char *const where[] = {"/usr/bin/redis-server", "/usr/local/bin/redis-server",
	                                    "/usr/bin/valkey-server"};
	struct stat st;

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (!stat(where[i], &st))
			return where[i];
	return NULL;
}

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) && !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int spawn(redisd *d)
{
	char port[16];
	const char *bin = redisd_binary();
	pid_t pid;

	if (!bin)
		return -1;
	snprintf(port, sizeof(port), "%d", d->port);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* stdout/stderr of the server to /dev/null: its log is not ours */
		int maxfd = (int)sysconf(_SC_OPEN_MAX);
		FILE *nul = freopen("/dev/null", "w", stdout);
		(void)nul;
		nul = freopen("/dev/null", "w", stderr);
		(void)nul;
		for (int fd = 3; fd < (maxfd > 0 && maxfd < 65536 ? maxfd : 1024); fd++)
			close(fd); /* the test's sockets and pipes are not the server's */
		if (d->password[0])
			execl(bin, bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			      "--dir", "/tmp", "--requirepass", d->password, (char *)NULL);
		else
			execl(bin, bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			      "--dir", "/tmp", (char *)NULL);
		_exit(127);
	}
	d->pid = (int)pid;
	if (!nstarted)
		atexit(kill_all);
	if (nstarted < sizeof(started) / sizeof(started[0]))
		started[nstarted++] = d->pid;
	for (int i = 0; i < 250; i++) {
		char out[64];
		if (!redisd_command(d, out, sizeof(out), "PING", NULL) &&
		    (!strcmp(out, "+PONG") || !strncmp(out, "-NOAUTH", 7)))
			return 0;
		sleep_ms(20);
	}
	redisd_kill(d);
	return -1;
}

int redisd_start(redisd *d, const char *password)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->password, sizeof(d->password), "%s", password ? password : "");
	for (int tries = 0; tries < 5; tries++) {
		d->port = free_port();
		if (d->port <= 0)
			continue;
		snprintf(d->url, sizeof(d->url), "redis://127.0.0.1:%d", d->port);
		if (!spawn(d))
			return 0;
	}
	return -1;
}

int redisd_restart(redisd *d)
{
	/* the port may linger a moment after a kill */
	for (int tries = 0; tries < 20; tries++) {
		if (!spawn(d))
			return 0;
		sleep_ms(100);
	}
	return -1;
}

void redisd_kill(redisd *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	d->pid = 0;
}

void redisd_stop(redisd *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;
			return;
		}
		sleep_ms(20);
	}
	redisd_kill(d);
}

int redisd_command(const redisd *d, char *out, size_t cap, ...)
{
	struct sockaddr_in a;
	struct timeval tv = {2, 0};
	char buf[8192];
	size_t n = 0;
	int fd, argc = 0;
	const char *words[16], *w;
	va_list ap;
	ssize_t got;

	va_start(ap, cap);
	while ((w = va_arg(ap, const char *)) && argc < 16)
		words[argc++] = w;
	va_end(ap);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)d->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	if (d->password[0] && strcmp(words[0], "PING"))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "*2\r\n$4\r\nAUTH\r\n$%zu\r\n%s\r\n",
		                      strlen(d->password), d->password);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "$%zu\r\n%s\r\n", strlen(words[i]), words[i]);
	if (write(fd, buf, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	n = 0;
	/* the last reply's first line (after AUTH's "+OK" when there was one) */
	for (;;) {
		char *nl, *last;
		got = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (got <= 0)
			break;
		n += (size_t)got;
		buf[n] = '\0';
		if (d->password[0] && strcmp(words[0], "PING")) {
			if (!(nl = strstr(buf, "\r\n")) || !strstr(nl + 2, "\r\n"))
				continue;
			last = nl + 2;
		} else {
			if (!strstr(buf, "\r\n"))
				continue;
			last = buf;
		}
		/* arrays and bulk strings: keep reading for a moment for the rest */
		if ((*last == '*' || *last == '$') && got == (ssize_t)sizeof(buf) - 1)
			continue;
		*strstr(last, "\r\n") = '\0';
		snprintf(out, cap, "%s", last);
		close(fd);
		return 0;
	}
	close(fd);
	return -1;
}
