/* Memory stays proportional to the body (issue 16, item 3): for hostile
 * bodies of 1, 16 and 64 MiB -- a needed answer beside a huge unknown
 * member of empty objects, a million choices, a million tool calls, a
 * needed object made very wide -- and for a large legitimate embedding
 * answer, the peak resident set of the process that receives and parses it
 * is at most 4 x N + 16 MiB, whether the answer is accepted or refused.
 *
 * Each body is received by a fresh process (this program run again) from
 * the loopback server in the test, so only what the library holds counts;
 * its peak comes from wait4()'s getrusage (see zygote()). The
 * table it prints is the measurement the bound is checked against.
 * LLMK_MEMBOUND_MAX_MIB lowers the largest size. Under AddressSanitizer or
 * ThreadSanitizer (their shadow memory is not the library's) and under
 * valgrind (the children start from valgrind's image, and the peak keeps
 * it) the sizes stop at 16 MiB and the bound is reported, not checked. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "llmkit.h"

#define MIB (1024u * 1024u)

/* ASan and TSan keep shadow memory the library never asked for: the peak
 * is theirs, so the bound is only reported there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static const char *self; /* argv[0]: children are this program again */

typedef struct shape {
	const char *name;
	int32_t kind;
	const char *prefix, *unit, *suffix; /* unit: "%u" is the element's number, when present */
	int must_accept;                    /* a legitimate answer: must parse */
} shape;

static const shape shapes[] = {
        {"junk of {}", LLMK_CHAT,
         "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":"
         "\"stop\"}],"
         "\"junk\":[",
         "{}", "]}", 0},
        {"choices", LLMK_CHAT, "{\"choices\":[",
         "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}", "]}", 0},
        {"tool calls", LLMK_CHAT, "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"tool_calls\":[",
         "{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}",
         "]},\"finish_reason\":\"tool_calls\"}]}", 0},
        {"wide object", LLMK_CHAT,
         "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\",\"junk\":{", "\"k%u\":0",
         "}},\"finish_reason\":\"stop\"}]}", 0},
        {"deep-wide", LLMK_CHAT,
         "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":"
         "\"stop\"}],"
         "\"junk\":{",
         "\"k%u\":{\"a\":{\"b\":[{},{}]}}", "}}", 0},
        {"embedding", LLMK_EMBED,
         "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[", "-0.012345678",
         "]}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}", 1},
};

/* Appends unit at b, its "%u" (if any) replaced by i; returns the length. */
static size_t put_unit(char *b, const char *unit, unsigned i)
{
	const char *pc = strstr(unit, "%u");
	size_t o;

	if (!pc) {
		o = strlen(unit);
		memcpy(b, unit, o);
		return o;
	}
	o = (size_t)(pc - unit);
	memcpy(b, unit, o);
	o += (size_t)sprintf(b + o, "%u", i);
	memcpy(b + o, pc + 2, strlen(pc + 2));
	return o + strlen(pc + 2);
}

/* A body of about n bytes: prefix, units joined by ',', suffix. */
static char *make_body(const shape *s, size_t n, size_t *len)
{
	size_t pl = strlen(s->prefix), sl = strlen(s->suffix), ul = strlen(s->unit) + 16, o = 0;
	char *b = malloc(n + 256);
	unsigned i = 0;

	assert_non_null(b);
	memcpy(b, s->prefix, pl);
	o = pl;
	while (o + sl + ul + 1 < n) {
		if (i)
			b[o++] = ',';
		o += put_unit(b + o, s->unit, i);
		i++;
	}
	memcpy(b + o, s->suffix, sl);
	o += sl;
	b[o] = '\0';
	*len = o;
	return b;
}

/* The child (this program run again as "--child KIND URL"): one request;
 * its status is the exit status. */
static void child(int32_t kind, const char *url)
{
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	int32_t st;

	if (llmk_client_new(&c, "openai/gpt-4o-mini") || llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test") ||
	    llmk_client_set_str(c, LLMK_OPT_BASE_URL, url) || llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0) ||
	    llmk_request_new(&r, kind))
		_exit(100);
	if (kind == LLMK_CHAT)
		llmk_request_add_message(r, LLMK_ROLE_USER, "hi");
	else
		llmk_request_add_input(r, "hi");
	st = llmk_send(c, r, &resp);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	_exit((int)st);
}

/* The zygote: forked first thing, while the test is small, it starts each
 * child (fork + exec) on the parent's word and reports its status and
 * peak. A child's ru_maxrss counts the image it was forked from (Linux
 * keeps the high-water mark across exec), so children must come from a
 * small process, not from the test holding 64 MiB bodies. */
static int zy_in = -1, zy_out = -1;
static pid_t zy_pid;

static void zygote(int in, int out)
{
	char line[256];
	FILE *fp = fdopen(in, "r");

	while (fp && fgets(line, sizeof(line), fp)) {
		char url[200], reply[64];
		int kind, wst;
		struct rusage ru;
		pid_t pid;

		if (sscanf(line, "%d %199s", &kind, url) != 2)
			break;
		pid = fork();
		if (pid == 0) {
			char k[16];
			snprintf(k, sizeof(k), "%d", kind);
			execl(self, self, "--child", k, url, (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || wait4(pid, &wst, 0, &ru) != pid || !WIFEXITED(wst))
			snprintf(reply, sizeof(reply), "-1 0\n");
		else
			snprintf(reply, sizeof(reply), "%d %ld\n", WEXITSTATUS(wst), ru.ru_maxrss);
		if (write(out, reply, strlen(reply)) < 0)
			break;
	}
	_exit(0);
}

static void zygote_start(void)
{
	int to[2], from[2];

	if (pipe(to) || pipe(from))
		return;
	zy_pid = fork();
	if (zy_pid == 0) {
		close(to[1]);
		close(from[0]);
		zygote(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	zy_in = to[1];
	zy_out = from[0];
}

/* Peak RSS in KiB of a child receiving a body of shape s and about n
 * bytes; *len is its length, *st the child's status. */
static long measure(th_server *srv, const shape *s, size_t n, size_t *len, int32_t *st, double *secs)
{
	char cmd[256], reply[64];
	long kib = 0;
	ssize_t got;
	char *body = make_body(s, n, len);
	struct timespec t0, t1;
	th_response tr;

	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: application/json\r\n";
	tr.body = body;
	tr.body_len = *len;
	th_reset(srv);
	th_push(srv, &tr);
	free(body);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(cmd, sizeof(cmd), "%d %s\n", (int)s->kind, th_url(srv));
	assert_int_equal(write(zy_in, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	got = read(zy_out, reply, sizeof(reply) - 1);
	assert_true(got > 0);
	reply[got] = '\0';
	assert_int_equal(sscanf(reply, "%d %ld", st, &kib), 2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(*st >= 0 && *st < 100);
	return kib;
}

static int under_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");

	return (pre && strstr(pre, "vgpreload")) || getenv("LLMK_TEST_TIME_FACTOR");
}

static void test_peak_rss_bound(void **state)
{
	static const size_t sizes[] = {1, 16, 64};
	const char *env = getenv("LLMK_MEMBOUND_MAX_MIB");
	int measured = !UNDER_ASAN && !under_valgrind();
	size_t max_mib = env ? (size_t)atol(env) : measured ? 64 : 16, i, k;
	th_server *srv = th_start();
	int failed = 0;

	(void)state;
	assert_non_null(srv);
	print_message("[membound] %-12s %6s %10s %10s %8s  %s\n", "shape", "MiB", "peak MiB", "bound MiB", "seconds",
	              "status");
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			size_t len;
			int32_t st;
			double secs, peak, bound;

			if (sizes[k] > max_mib)
				continue;
			peak = (double)measure(srv, &shapes[i], sizes[k] * MIB, &len, &st, &secs) / 1024.0;
			bound = 4.0 * (double)len / MIB + 16.0;
			print_message("[membound] %-12s %6zu %10.1f %10.1f %8.2f  %s\n", shapes[i].name, sizes[k], peak,
			              bound, secs, llmk_status_name(st));
			if (peak > bound && measured)
				failed = 1;
			if (shapes[i].must_accept && st != LLMK_OK)
				failed = 1;
			if (!shapes[i].must_accept && st != LLMK_OK && st != LLMK_E_TOO_LARGE)
				failed = 1;
		}
	th_stop(srv);
	assert_false(failed);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_peak_rss_bound),
	};
	int rc;

	self = argv[0];
	if (argc == 4 && !strcmp(argv[1], "--child"))
		child((int32_t)atoi(argv[2]), argv[3]);
	zygote_start();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	close(zy_in);
	if (zy_pid > 0)
		waitpid(zy_pid, NULL, 0);
	return rc;
}
