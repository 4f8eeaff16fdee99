/* What the client-side rate limits cost per request (docs/PERFORMANCE.md,
 * "Shared state"): N llmk_send() calls answered by an in-process transport
 * (no network: the library's own work only), without a limit, with an
 * in-process limit too high to ever wait, and (given a redis:// URL) with
 * the same limit kept in Redis. Prints µs per request and the ratios to
 * the unlimited run, all in the same run.
 *
 *   ratelimit_cost [requests] [redis://HOST:PORT]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llmkit.h"

static const char answer[] =
        "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
        "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
        "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";

static int32_t send_canned(llmk_exchange *ex, void *user)
{
	(void)user;
	if (llmk_exchange_set_status(ex, 200) || llmk_exchange_add_header(ex, "Content-Type", "application/json") ||
	    llmk_exchange_write(ex, (const uint8_t *)answer, sizeof(answer) - 1))
		return LLMK_E_CANCELLED;
	return LLMK_OK;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* µs per request; limit 0: none; store: NULL for the client's own. */
static double run(int n, int64_t limit, llmk_store *store)
{
	llmk_client *c;
	llmk_request *r;
	llmk_transport t;
	double t0;

	llmk_client_new(&c, "openai/gpt-4o-mini");
	llmk_client_set_str(c, LLMK_OPT_BASE_URL, "http://127.0.0.1:9/v1");
	llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-bench-0000000000000000000000");
	llmk_transport_init(&t);
	t.send = send_canned;
	llmk_client_set_transport(c, &t, NULL);
	if (limit) {
		llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_RPM, limit);
		llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_TPM, limit * 100);
		llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_WINDOW_MS, 1000);
	}
	if (store)
		llmk_client_set_store(c, store);
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_add_message(r, LLMK_ROLE_USER, "Explain RAG in one sentence.");
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		llmk_response *resp;
		if (llmk_send(c, r, &resp) != LLMK_OK) {
			fprintf(stderr, "request failed: %s\n", llmk_response_error(resp));
			exit(1);
		}
		llmk_response_free(resp);
	}
	t0 = now_s() - t0;
	llmk_request_free(r);
	llmk_client_free(c);
	return t0 * 1e6 / n;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	double none, own, redis = -1;
	llmk_store *s = NULL;

	if (n < 1)
		return 2;
	run(n / 10 + 1, 0, NULL); /* warm-up */
	none = run(n, 0, NULL);
	own = run(n, INT64_C(1) << 40, NULL);
	if (argc > 2 && llmk_store_new_redis(argv[2], &s) == LLMK_OK) {
		redis = run(n / 10 + 1, INT64_C(1) << 40, s);
		llmk_store_free(s);
	}
	printf("no limit:            %7.2f us/request\n", none);
	printf("in-process limits:   %7.2f us/request  x%.2f\n", own, own / none);
	if (redis >= 0)
		printf("limits in Redis:     %7.2f us/request  x%.2f (3 round trips per request on loopback)\n", redis,
		       redis / none);
	return 0;
}
