/* Allocation-failure injection on a batch's whole life (as test_nomem.c
 * does for single requests): the k-th allocation of the library (its own
 * and jansson's) fails, for k = 1, 2, ... until the life goes through
 * without reaching k. Every run must end in LLMK_E_NOMEM at some step, or
 * give exactly the results of the run without failures; leave no block
 * behind (counted here); and not crash (ASan/valgrind runs of this binary).
 *
 * The batch API answers come from an in-process transport (OpenAI's Batch
 * API, the fixtures of tests/data/batch/openai), so every allocation made
 * is the library's: no socket, no server thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "llmkit.h"

#define MAX_K 100000

static long live, count, fail_at;
static int failed;

static int should_fail(void)
{
	if (fail_at && ++count == fail_at) {
		failed = 1;
		/* LLMK_NOMEM_TRACE=1: where each injected failure happened. */
		if (getenv("LLMK_NOMEM_TRACE")) {
			void *frames[24];
			int n = backtrace(frames, 24);
			fprintf(stderr, "--- failing allocation %ld:\n", count);
			backtrace_symbols_fd(frames, n, 2);
		}
		return 1;
	}
	return 0;
}

static void *t_malloc(size_t n)
{
	void *p;

	if (should_fail())
		return NULL;
	p = malloc(n);
	if (p)
		live++;
	return p;
}

static void *t_realloc(void *old, size_t n)
{
	if (!old)
		return t_malloc(n);
	if (should_fail())
		return NULL;
	return realloc(old, n);
}

static void t_free(void *p)
{
	if (p) {
		live--;
		free(p);
	}
}

/* ---- the OpenAI Batch API, in process ---------------------------------------- */

static char *fixture[5];
static size_t fixture_len[5];

static const char *answer_for(const char *method, const char *url, size_t *len)
{
	int i = -1;

	if (!strcmp(method, "POST") && strstr(url, "/v1/files"))
		i = 0;
	else if (!strcmp(method, "POST") && strstr(url, "/v1/batches"))
		i = 1;
	else if (!strcmp(method, "GET") && strstr(url, "/v1/batches/"))
		i = 2;
	else if (strstr(url, "/files/file-out456/content"))
		i = 3;
	else if (strstr(url, "/files/file-err789/content"))
		i = 4;
	if (i < 0)
		return NULL;
	*len = fixture_len[i];
	return fixture[i];
}

static int32_t t_send(llmk_exchange *ex, void *user)
{
	size_t len = 0, blen;
	const char *body = answer_for(llmk_exchange_method(ex), llmk_exchange_url(ex), &len);
	int32_t st;

	(void)user;
	(void)llmk_exchange_body(ex, &blen); /* a streamed upload is read whole here */
	if (!body) {
		llmk_exchange_set_status(ex, 404);
		return LLMK_OK;
	}
	if ((st = llmk_exchange_set_status(ex, 200)) != LLMK_OK ||
	    (st = llmk_exchange_add_header(ex, "Content-Type", "application/json")) != LLMK_OK)
		return st;
	if (llmk_exchange_write(ex, (const uint8_t *)body, len))
		return LLMK_E_CANCELLED;
	return LLMK_OK;
}

/* ---- one life: add, submit, refresh, results --------------------------------- */

static void put(char *out, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + n, cap - n, fmt, ap);
	va_end(ap);
}

/* The life's outcome as text; the status of the step that stopped it. */
static llmk_status life(char *out, size_t cap)
{
	llmk_client *c = NULL;
	llmk_batch *b = NULL;
	llmk_request *r = NULL;
	llmk_response *resp;
	llmk_transport t;
	const char *id;
	llmk_status st;
	double cost;
	int i;

	out[0] = '\0';
	if ((st = llmk_client_new(&c, "openai/gpt-4o-mini")) != LLMK_OK)
		goto out;
	llmk_transport_init(&t);
	t.send = t_send;
	if ((st = llmk_client_set_transport(c, &t, NULL)) != LLMK_OK ||
	    (st = llmk_client_set_str(c, LLMK_OPT_BASE_URL, "http://batch.test/v1")) != LLMK_OK ||
	    (st = llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test-nomem")) != LLMK_OK ||
	    (st = llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0)) != LLMK_OK)
		goto out;
	if ((st = llmk_batch_new(&b, c)) != LLMK_OK)
		goto out;
	for (i = 0; i < 2; i++) {
		if ((st = llmk_request_new(&r, LLMK_CHAT)) != LLMK_OK ||
		    (st = llmk_request_add_message(r, LLMK_ROLE_USER, i ? "x" : "What is RAG?")) != LLMK_OK ||
		    (st = llmk_batch_add(b, i ? "bad" : "q1", r)) != LLMK_OK)
			goto out;
		llmk_request_free(r);
		r = NULL;
	}
	if ((st = llmk_batch_submit(b)) != LLMK_OK)
		goto out;
	put(out, cap, "id %s state %d\n", llmk_batch_id(b), (int)llmk_batch_state(b));
	if ((st = llmk_batch_refresh(b)) != LLMK_OK)
		goto out;
	put(out, cap, "state %d counts %lld %lld %lld\n", (int)llmk_batch_state(b),
	    (long long)llmk_batch_count(b, LLMK_BATCH_N_TOTAL), (long long)llmk_batch_count(b, LLMK_BATCH_N_SUCCEEDED),
	    (long long)llmk_batch_count(b, LLMK_BATCH_N_FAILED));
	for (;;) {
		if ((st = llmk_batch_next_result(b, &id, &resp)) != LLMK_OK)
			goto out;
		if (!resp)
			break;
		cost = -1;
		llmk_response_cost(resp, &cost);
		put(out, cap, "%s: %s [%s] [%s] %lld/%lld $%.9g\n", id, llmk_status_name(llmk_response_status(resp)),
		    llmk_response_text(resp), llmk_response_error(resp) ? llmk_response_error(resp) : "-",
		    (long long)llmk_response_usage(resp, LLMK_USAGE_INPUT),
		    (long long)llmk_response_usage(resp, LLMK_USAGE_OUTPUT), cost);
		st = llmk_response_status(resp);
		llmk_response_free(resp);
		/* A result made while memory ran out says so itself. */
		if (st == LLMK_E_NOMEM)
			goto out;
	}
	st = LLMK_OK;
out:
	llmk_request_free(r);
	llmk_batch_free(b);
	llmk_client_free(c);
	return st;
}

static void test_batch_life_under_failing_allocations(void **state)
{
	static char want[4096], got[4096];
	llmk_status st;
	long k, nomem = 0;

	(void)state;
	assert_int_equal(life(want, sizeof(want)), LLMK_OK);
	assert_int_equal(live, 0);
	assert_non_null(strstr(want, "q1: LLMK_OK [Retrieval-augmented generation.]"));
	assert_non_null(strstr(want, "bad: LLMK_E_BAD_REQUEST"));
	for (k = 1; k < MAX_K; k++) {
		count = 0;
		failed = 0;
		fail_at = k;
		st = life(got, sizeof(got));
		fail_at = 0;
		if (live != 0)
			fail_msg("allocation %ld failed: %ld block(s) left behind", k, live);
		if (!failed) {
			/* the life went through without reaching k: done */
			assert_int_equal(st, LLMK_OK);
			assert_string_equal(got, want);
			break;
		}
		if (st == LLMK_OK) {
			/* a failure absorbed (a retry, a fallback): the result must not change */
			if (strcmp(got, want))
				fail_msg("allocation %ld failed, success reported, but:\n%s\nwanted:\n%s", k, got,
				         want);
		} else if (st == LLMK_E_NOMEM) {
			nomem++;
		} else {
			fail_msg("allocation %ld failed: status %s, not LLMK_E_NOMEM", k, llmk_status_name(st));
		}
	}
	assert_true(k < MAX_K);
	printf("batch life: %ld allocations, each failed once (%ld ended in LLMK_E_NOMEM)\n", k - 1, nomem);
}

static int setup(void **state)
{
	static const char *const names[5] = {"file.json", "batch_validating.json", "batch_completed.json",
	                                     "output.jsonl", "errors.jsonl"};
	char rel[128];
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		snprintf(rel, sizeof(rel), "batch/openai/%s", names[i]);
		if (!(fixture[i] = read_data(rel, &fixture_len[i])))
			return -1;
	}
	/* The allocator first: it goes to jansson when the library starts. */
	if (llmk_set_allocator(t_malloc, t_realloc, t_free) != LLMK_OK)
		return -1;
	return llmk_global_init() == LLMK_OK ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_batch_life_under_failing_allocations)};

	return cmocka_run_group_tests(tests, setup, NULL);
}
