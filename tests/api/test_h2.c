/* TLS and HTTP/2 as real providers speak them (issue 24): nghttpx (Debian
 * nghttp2-proxy) on 127.0.0.1 terminates TLS with a certificate from a CA
 * made at test time and speaks HTTP/2 to the client, in front of
 * tests/support/tls_serve.py. Its access log names, per request, the
 * client's port (one port = one TCP connection), the protocol (ALPN) and
 * whether the TLS session was resumed, which is what is asserted:
 *  - 64 requests in flight through one llmk_multi travel as HTTP/2 streams
 *    of ONE connection (not 64 handshakes);
 *  - blocking llmk_send() uses HTTP/2 and keeps its connection;
 *  - a new connection resumes the TLS session an earlier one negotiated,
 *    also from a handle that never connected before (the session is shared
 *    by the handles of a multi and of a client's pool), and a new client
 *    starts afresh.
 * Skipped (not failed) when nghttpx or openssl is missing. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "llmkit.h"

#define NGHTTPX_PATHS "/usr/sbin/nghttpx /usr/bin/nghttpx /usr/local/bin/nghttpx"

static char dir[64], bundle[128], nghttpx[64];
static pid_t backend_pid, proxy_pids[8]; /* proxies left by a failed test: stopped at teardown */
static int backend_stdin = -1, backend_port;

typedef struct proxy {
	pid_t pid;
	int port;
	char log[160];
	char url[64];
} proxy;

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

static int make_ca(void)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
	         "(set -e; cd %s; "
	         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key "
	         "-out ca.pem -days 1 -subj /CN=llmkit-h2-ca -addext basicConstraints=critical,CA:TRUE "
	         "-addext keyUsage=critical,keyCertSign,cRLSign; "
	         "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr "
	         "-subj /CN=127.0.0.1; "
	         "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\n"
	         "extendedKeyUsage=serverAuth\\n' > ext.cnf; "
	         "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 1 "
	         "-extfile ext.cnf) >/dev/null 2>&1",
	         dir);
	return run(cmd) == 0 ? 0 : -1;
}

/* The TLS HTTP/1.1 backend (tests/support/tls_serve.py). */
static int start_backend(void)
{
	int in[2], out[2];
	char script[512], line[64], key[128], cert[128];
	FILE *fp;

	snprintf(script, sizeof(script), "%s/../support/tls_serve.py", TEST_DATA_DIR);
	snprintf(cert, sizeof(cert), "%s/srv.pem", dir);
	snprintf(key, sizeof(key), "%s/srv.key", dir);
	if (pipe(in) || pipe(out))
		return -1;
	backend_pid = fork();
	if (backend_pid < 0)
		return -1;
	if (backend_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("python3", "python3", script, cert, key, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	backend_stdin = in[1];
	fp = fdopen(out[0], "r");
	if (!fp || !fgets(line, sizeof(line), fp) || strncmp(line, "port ", 5)) {
		if (fp)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	backend_port = atoi(line + 5);
	return 0;
}

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) && !getsockname(fd, (struct sockaddr *)&a, &al))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int can_connect(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	ok = fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* nghttpx in front of the backend; extra: more options (one word each,
 * space-separated, may be ""). */
static void proxy_start(proxy *p, const char *name, const char *extra)
{
	char front[64], back[64], key[128], cert[128],
	        fmt[] = "--accesslog-format=$remote_port $alpn "
	                "$tls_session_reused $status";
	char errlog[160], xbuf[256], *argv[24], *tok;
	int i, n = 0;

	memset(p, 0, sizeof(*p));
	p->port = free_port();
	assert_true(p->port > 0);
	snprintf(p->log, sizeof(p->log), "%s/%s.log", dir, name);
	snprintf(errlog, sizeof(errlog), "--errorlog-file=%s/%s.err", dir, name);
	snprintf(front, sizeof(front), "-f127.0.0.1,%d", p->port);
	snprintf(back, sizeof(back), "-b127.0.0.1,%d;;tls", backend_port);
	snprintf(key, sizeof(key), "%s/srv.key", dir);
	snprintf(cert, sizeof(cert), "%s/srv.pem", dir);
	snprintf(xbuf, sizeof(xbuf), "%s", extra);
	argv[n++] = nghttpx;
	argv[n++] = front;
	argv[n++] = back;
	argv[n++] = "-k";               /* the backend's certificate: the test's own */
	argv[n++] = "--conf=/dev/null"; /* not the system's /etc/nghttpx/nghttpx.conf */
	argv[n++] = "--no-ocsp";
	argv[n++] = "--workers=1";
	argv[n++] = "--frontend-http2-max-concurrent-streams=128";
	{
		static char logopt[200];
		snprintf(logopt, sizeof(logopt), "--accesslog-file=%s", p->log);
		argv[n++] = logopt;
	}
	argv[n++] = fmt;
	argv[n++] = errlog;
	for (tok = strtok(xbuf, " "); tok && n < 20; tok = strtok(NULL, " "))
		argv[n++] = tok;
	argv[n++] = key;
	argv[n++] = cert;
	argv[n] = NULL;
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		execv(nghttpx, argv);
		_exit(127);
	}
	for (i = 0; i < 8; i++)
		if (!proxy_pids[i]) {
			proxy_pids[i] = p->pid;
			break;
		}
	for (i = 0; i < 500 && !can_connect(p->port); i++)
		pause_ms(10);
	assert_true(can_connect(p->port));
	snprintf(p->url, sizeof(p->url), "https://127.0.0.1:%d/v1", p->port);
}

static void stop_pid(pid_t pid)
{
	int i;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	for (i = 0; i < 8; i++)
		if (proxy_pids[i] == pid)
			proxy_pids[i] = 0;
}

static void proxy_stop(proxy *p)
{
	stop_pid(p->pid);
	p->pid = 0;
}

typedef struct logline {
	int port;
	char alpn[16];
	char reused[4];
	int status;
} logline;

/* The proxy's access log, waiting (up to 5 s) for at least want lines:
 * the number of lines read into out (at most cap). */
static size_t read_log(const proxy *p, logline *out, size_t cap, size_t want)
{
	size_t n = 0;
	int tries;

	for (tries = 0; tries < 500; tries++) {
		FILE *f = fopen(p->log, "r");
		char line[256];
		n = 0;
		while (f && n < cap && fgets(line, sizeof(line), f))
			if (sscanf(line, "%d %15s %3s %d", &out[n].port, out[n].alpn, out[n].reused, &out[n].status) ==
			    4)
				n++;
		if (f)
			fclose(f);
		if (n >= want)
			break;
		pause_ms(10);
	}
	return n;
}

static size_t distinct_ports(const logline *l, size_t n)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i && l[j].port != l[i].port; j++)
			;
		k += j == i;
	}
	return k;
}

static int setup(void **state)
{
	const char *paths = NGHTTPX_PATHS;
	char buf[sizeof(NGHTTPX_PATHS)], *tok;

	(void)state;
	unsetenv("SSL_CERT_FILE");
	unsetenv("CURL_CA_BUNDLE");
	snprintf(buf, sizeof(buf), "%s", paths);
	for (tok = strtok(buf, " "); tok; tok = strtok(NULL, " "))
		if (!access(tok, X_OK)) {
			snprintf(nghttpx, sizeof(nghttpx), "%s", tok);
			break;
		}
	if (!nghttpx[0] || run("command -v openssl >/dev/null && command -v python3 >/dev/null") != 0)
		return 0; /* the tests skip */
	snprintf(dir, sizeof(dir), "/tmp/llmk-h2-XXXXXX");
	if (!mkdtemp(dir) || make_ca() || start_backend())
		return -1;
	snprintf(bundle, sizeof(bundle), "%s/ca.pem", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	int i;

	(void)state;
	for (i = 0; i < 8; i++)
		stop_pid(proxy_pids[i]);
	if (backend_stdin >= 0)
		close(backend_stdin);
	if (backend_pid > 0) {
		kill(backend_pid, SIGTERM);
		waitpid(backend_pid, NULL, 0);
	}
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		run(cmd);
	}
	return 0;
}

static llmk_client *client(const char *url)
{
	llmk_client *c;

	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_CA_BUNDLE, bundle), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	return c;
}

typedef struct tally {
	size_t ok, failed;
} tally;

static void on_done(llmk_response *resp, void *user)
{
	tally *t = user;

	if (llmk_response_status(resp) == LLMK_OK && !strcmp(llmk_response_text(resp), "over TLS"))
		t->ok++;
	else {
		if (!t->failed)
			print_message("request failed: %s %s\n", llmk_status_name(llmk_response_status(resp)),
			              llmk_response_error(resp));
		t->failed++;
	}
	llmk_response_free(resp);
}

/* n requests through the multi m, k in flight; all must succeed. */
static void multi_on(llmk_multi *m, llmk_client *c, size_t n, int32_t k)
{
	llmk_request *r;
	tally t = {0, 0};
	size_t i;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"), LLMK_OK);
	assert_int_equal(llmk_multi_set_limit(m, k), LLMK_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(llmk_multi_add(m, c, r, NULL, on_done, &t), LLMK_OK);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	llmk_request_free(r);
	assert_int_equal(t.failed, 0);
	assert_int_equal(t.ok, n);
}

/* The same on a multi of its own. */
static void multi_run(llmk_client *c, size_t n, int32_t k)
{
	llmk_multi *m;

	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	multi_on(m, c, n, k);
	llmk_multi_free(m);
}

static void send_one(llmk_client *c)
{
	llmk_request *r;
	llmk_response *resp;
	llmk_status st;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"), LLMK_OK);
	st = llmk_send(c, r, &resp);
	if (st != LLMK_OK)
		fail_msg("llmk_send: %s: %s", llmk_status_name(st), llmk_response_error(resp));
	assert_string_equal(llmk_response_text(resp), "over TLS");
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* 64 in flight, one TCP connection, every request an HTTP/2 stream. */
static void test_multi_one_connection(void **state)
{
	logline l[200];
	proxy p;
	llmk_client *c;
	size_t n, i;

	(void)state;
	if (!dir[0])
		skip();
	proxy_start(&p, "multi", "");
	c = client(p.url);
	multi_run(c, 64, 64);
	n = read_log(&p, l, 200, 64);
	assert_int_equal(n, 64);
	for (i = 0; i < n; i++) {
		assert_string_equal(l[i].alpn, "h2");
		assert_int_equal(l[i].status, 200);
	}
	if (distinct_ports(l, n) != 1)
		fail_msg("64 requests in flight used %zu connections, want 1", distinct_ports(l, n));
	/* 128 more, 64 at a time, on a new multi: still that one connection?
	 * No: a new multi has its own connection cache, so one more. */
	multi_run(c, 128, 64);
	n = read_log(&p, l, 200, 192);
	assert_int_equal(n, 192);
	assert_int_equal(distinct_ports(l, n), 2);
	llmk_client_free(c);
	proxy_stop(&p);
}

/* Blocking sends: HTTP/2, one kept connection. */
static void test_send_h2_kept(void **state)
{
	logline l[8];
	proxy p;
	llmk_client *c;
	size_t n, i;

	(void)state;
	if (!dir[0])
		skip();
	proxy_start(&p, "send", "");
	c = client(p.url);
	for (i = 0; i < 3; i++)
		send_one(c);
	n = read_log(&p, l, 8, 3);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_string_equal(l[i].alpn, "h2");
	assert_int_equal(distinct_ports(l, n), 1);
	llmk_client_free(c);
	proxy_stop(&p);
}

static void *send_five(void *c)
{
	int i;

	for (i = 0; i < 5; i++)
		send_one(c);
	return NULL;
}

/* Four threads on one client over TLS: the pool's handles share one
 * session cache under its lock (ThreadSanitizer runs this in scripts/test);
 * every connection after the first full handshake may resume. */
static void test_threads_share_sessions(void **state)
{
	logline l[32];
	proxy p;
	llmk_client *c;
	pthread_t t[4];
	size_t n, i, resumed = 0;

	(void)state;
	if (!dir[0])
		skip();
	proxy_start(&p, "threads", "--frontend-max-requests=1 --npn-list=http/1.1 --tls-max-proto-version=TLSv1.2");
	c = client(p.url);
	send_one(c); /* a session to share */
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, send_five, c), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	n = read_log(&p, l, 32, 21);
	assert_int_equal(n, 21);
	assert_int_equal(distinct_ports(l, n), 21);
	for (i = 1; i < n; i++)
		resumed += !strcmp(l[i].reused, "r");
	if (resumed != n - 1)
		fail_msg("%zu of %zu new connections resumed the TLS session", resumed, n - 1);
	llmk_client_free(c);
	proxy_stop(&p);
}

/* Every connection serves one request (--frontend-max-requests=1, HTTP/1.1
 * only, so k in flight are k connections): after the first full handshake
 * every new connection resumes the session, including those of handles
 * that never connected before; a new client starts afresh. */
static void test_session_reuse(void **state)
{
	logline l[32];
	proxy p;
	llmk_client *c, *c2;
	llmk_multi *m;
	size_t n, i;

	(void)state;
	if (!dir[0])
		skip();
	/* TLS 1.2: a TLS 1.3 server may take each ticket once (OpenSSL's
	 * stateful tickets are single-use), so connections opened at the same
	 * moment could not all resume one session whatever the client does. */
	proxy_start(&p, "reuse", "--frontend-max-requests=1 --npn-list=http/1.1 --tls-max-proto-version=TLSv1.2");
	c = client(p.url);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	multi_on(m, c, 1, 1);
	n = read_log(&p, l, 32, 1);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].reused, "."); /* the first: a full handshake */
	assert_string_equal(l[0].alpn, "http/1.1");
	multi_on(m, c, 4, 4); /* 4 connections at once: 3 from handles never used */
	llmk_multi_free(m);
	n = read_log(&p, l, 32, 5);
	assert_int_equal(n, 5);
	assert_int_equal(distinct_ports(l, n), 5);
	for (i = 1; i < n; i++)
		if (strcmp(l[i].reused, "r"))
			fail_msg("multi: connection %zu did not resume the TLS session", i);
	/* Blocking sends of the same client: a pool of its own, one session
	 * cache for all of its handles. */
	send_one(c);
	send_one(c);
	n = read_log(&p, l, 32, 7);
	assert_int_equal(n, 7);
	assert_string_equal(l[5].reused, ".");
	assert_string_equal(l[6].reused, "r");
	/* Another client: its own sessions. */
	c2 = client(p.url);
	send_one(c2);
	n = read_log(&p, l, 32, 8);
	assert_int_equal(n, 8);
	assert_string_equal(l[7].reused, ".");
	llmk_client_free(c2);
	llmk_client_free(c);
	proxy_stop(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_multi_one_connection),
	        cmocka_unit_test(test_send_h2_kept),
	        cmocka_unit_test(test_session_reuse),
	        cmocka_unit_test(test_threads_share_sessions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
