/* A private certificate authority (issue 16, item 8): a TLS server on
 * 127.0.0.1 (tests/support/tls_serve.py) with a certificate from a test CA
 * made at test time (openssl; the keys live in a temporary directory and
 * are removed). Refused without the CA -- verification is on -- and
 * accepted with it, from the ca_bundle and ca_dir options and from the
 * variables the ecosystem honours; a client that drops the option is
 * refused again (connection handles are reused: the default trust store
 * must come back). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llmkit.h"

static char dir[64], url[64], bundle[128], cadir[128];
static pid_t server_pid;
static int server_stdin = -1;

static const char *const ca_vars[] = {"SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR"};

static int run(const char *cmd)
{
	int rc = system(cmd);
	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

/* The CA, a server certificate for 127.0.0.1 signed by it, and the CA in a
 * hashed directory, all in dir. */
static int make_ca(void)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
	         "(set -e; cd %s; "
	         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key "
	         "-out ca.pem -days 1 -subj /CN=llmkit-test-ca -addext basicConstraints=critical,CA:TRUE "
	         "-addext keyUsage=critical,keyCertSign,cRLSign; "
	         "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr "
	         "-subj /CN=127.0.0.1; "
	         "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\n"
	         "extendedKeyUsage=serverAuth\\n' > ext.cnf; "
	         "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 1 "
	         "-extfile ext.cnf; "
	         "mkdir cadir; cp ca.pem cadir/$(openssl x509 -hash -noout -in ca.pem).0) >/dev/null 2>&1",
	         dir);
	return run(cmd) == 0 ? 0 : -1;
}

static int start_server(void)
{
	int in[2], out[2];
	char script[512], line[64], key[128], cert[128];
	FILE *fp;

	snprintf(script, sizeof(script), "%s/../support/tls_serve.py", TEST_DATA_DIR);
	snprintf(cert, sizeof(cert), "%s/srv.pem", dir);
	snprintf(key, sizeof(key), "%s/srv.key", dir);
	if (pipe(in) || pipe(out))
		return -1;
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("python3", "python3", script, cert, key, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	server_stdin = in[1];
	fp = fdopen(out[0], "r");
	if (!fp || !fgets(line, sizeof(line), fp) || strncmp(line, "port ", 5)) {
		if (fp)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1", atoi(line + 5));
	return 0;
}

static int setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ca_vars) / sizeof(ca_vars[0]); i++)
		unsetenv(ca_vars[i]);
	if (run("command -v openssl >/dev/null && command -v python3 >/dev/null") != 0)
		return 0; /* the tests skip */
	snprintf(dir, sizeof(dir), "/tmp/llmk-tls-XXXXXX");
	if (!mkdtemp(dir) || make_ca() || start_server())
		return -1;
	snprintf(bundle, sizeof(bundle), "%s/ca.pem", dir);
	snprintf(cadir, sizeof(cadir), "%s/cadir", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (server_stdin >= 0)
		close(server_stdin); /* the server reads stdin to its end, then exits */
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		run(cmd);
	}
	return 0;
}

static llmk_client *client(void)
{
	llmk_client *c;

	if (!url[0])
		skip();
	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	return c;
}

/* Sends one chat request and checks the status (and the answer or the
 * reason of the refusal). */
static void expect(llmk_client *c, llmk_status want, const char *what)
{
	llmk_request *r;
	llmk_response *resp;
	llmk_status st;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"), LLMK_OK);
	st = llmk_send(c, r, &resp);
	if (st != want)
		fail_msg("%s: %s: %s", what, llmk_status_name(st), llmk_response_error(resp));
	if (want == LLMK_OK)
		assert_string_equal(llmk_response_text(resp), "over TLS");
	else if (want == LLMK_E_TRANSPORT && !strstr(llmk_response_error(resp), "certificate"))
		fail_msg("%s: refused, but not for the certificate: %s", what, llmk_response_error(resp));
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_refused_without_the_ca(void **state)
{
	llmk_client *c = client();

	(void)state;
	expect(c, LLMK_E_TRANSPORT, "no CA");
	llmk_client_free(c);
}

static void test_ca_options(void **state)
{
	llmk_client *c = client();

	(void)state;
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_CA_BUNDLE, bundle), LLMK_OK);
	expect(c, LLMK_OK, "ca_bundle");
	expect(c, LLMK_OK, "ca_bundle, again (a reused connection)");
	/* Dropped: the default store is back, on the same handles. */
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_CA_BUNDLE, NULL), LLMK_OK);
	expect(c, LLMK_E_TRANSPORT, "ca_bundle dropped");
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_CA_DIR, cadir), LLMK_OK);
	expect(c, LLMK_OK, "ca_dir");
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_CA_DIR, NULL), LLMK_OK);
	expect(c, LLMK_E_TRANSPORT, "ca_dir dropped");
	/* A file that cannot be read is the client's configuration. */
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_CA_BUNDLE, "/nonexistent/ca.pem"), LLMK_OK);
	expect(c, LLMK_E_CONFIG, "unreadable ca_bundle");
	llmk_client_free(c);
}

static void test_ca_environment(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ca_vars) / sizeof(ca_vars[0]); i++) {
		llmk_client *c;
		setenv(ca_vars[i], i == 3 ? cadir : bundle, 1);
		c = client();
		unsetenv(ca_vars[i]);
		expect(c, LLMK_OK, ca_vars[i]);
		llmk_client_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_refused_without_the_ca),
	        cmocka_unit_test(test_ca_options),
	        cmocka_unit_test(test_ca_environment),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
