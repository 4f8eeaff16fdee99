/* bench/llmk_multi.c - many requests on one thread through libllmkit's
 * llmk_multi API (issue 5): N chats, K in flight (llmk_multi_set_limit),
 * the same server and answer checks as raw_multi.c. Built only when
 * llmkit.h declares llmk_multi_new (bench/meson.build).
 *
 * Usage: llmk_multi BASE_URL N K. Prints one result line (bench.h). */
#include "llmkit.h"

#include "bench.h"

typedef struct tally {
	size_t done, failed;
} tally;

static void on_done(llmk_response *resp, void *user)
{
	tally *t = user;

	if (llmk_response_status(resp) || strcmp(llmk_response_text(resp), BENCH_CHAT_CONTENT) ||
	    llmk_response_usage(resp, LLMK_USAGE_OUTPUT) != 10) {
		if (!t->failed)
			fprintf(stderr, "llmk_multi: request failed: %s %s\n",
			        llmk_status_name(llmk_response_status(resp)), llmk_response_error(resp));
		t->failed++;
	}
	t->done++;
	llmk_response_free(resp);
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "http://127.0.0.1:8080/v1";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000, k = argc > 3 ? strtoul(argv[3], NULL, 10) : 64, i;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_multi *m = NULL;
	tally t = {0, 0};
	double t0, c0;
	llmk_status st;

	if (llmk_client_new(&c, "openai/" BENCH_MODEL) || llmk_client_set_str(c, LLMK_OPT_API_KEY, BENCH_KEY) ||
	    llmk_client_set_str(c, LLMK_OPT_BASE_URL, base) || bench_llmk_tls(c) || llmk_request_new(&r, LLMK_CHAT) ||
	    llmk_request_add_message(r, LLMK_ROLE_USER, BENCH_PROMPT)) {
		fprintf(stderr, "llmk_multi: setup failed\n");
		return 1;
	}
	t0 = bench_now_us();
	c0 = bench_cpu_us();
	if (llmk_multi_new(&m) || llmk_multi_set_limit(m, (int32_t)k)) {
		fprintf(stderr, "llmk_multi: llmk_multi_new failed\n");
		return 1;
	}
	for (i = 0; i < n; i++)
		if ((st = llmk_multi_add(m, c, r, NULL, on_done, &t))) {
			fprintf(stderr, "llmk_multi: add %zu failed: %s\n", i, llmk_status_name(st));
			return 1;
		}
	st = llmk_multi_run(m);
	if (st || t.done != n || t.failed) {
		fprintf(stderr, "llmk_multi: run %s, %zu done, %zu failed of %zu\n", llmk_status_name(st), t.done,
		        t.failed, n);
		return 1;
	}
	bench_report("llmk_multi", n, bench_now_us() - t0, bench_cpu_us() - c0, NULL, 0);
	llmk_multi_free(m);
	llmk_request_free(r);
	llmk_client_free(c);
	return 0;
}
