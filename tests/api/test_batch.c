#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
/* Provider batches (llmk_batch_*) against the batch APIs emulated on the
 * loopback server (tests/support/batchd.h): the whole life of a batch for
 * OpenAI, Azure OpenAI, Anthropic and Gemini (upload, create, polls,
 * completed with per-request failures, expired, cancelled), resumed by id
 * from a fresh client and across a service restart mid-poll; the results
 * equal what the same requests sent one by one return (text, tool calls,
 * usage), at the batch price; the limits checked before anything is sent;
 * and a 50,000-request file uploaded streaming from disk in a child
 * process whose peak RSS is measured.
 *
 * One file (over 700 lines): the tests share one emulator and its fixtures
 * of the lifecycle (submit_cases, check_results).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "batchd.h"
#include "llmkit.h"

#define KEY "sk-test-batch-0123456789abcdef0123"

static batchd *d;

static int setup(void **state)
{
	(void)state;
	llmk_global_init();
	d = batchd_start();
	return d ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	batchd_stop(d);
	return 0;
}

static llmk_client *client(const char *model, const char *path)
{
	llmk_client *c;
	char url[128];

	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	snprintf(url, sizeof(url), "%s%s", th_url(batchd_server(d)), path);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_BASE_MS, 1), LLMK_OK);
	return c;
}

static llmk_request *chat(const char *text, int tool)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, text), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 64), LLMK_OK);
	if (tool)
		assert_int_equal(
		        llmk_request_add_tool(r, "lookup", "Looks a word up",
		                              "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}"),
		        LLMK_OK);
	return r;
}

/* The requests of the lifecycle tests: id, text, tool. */
static const struct {
	const char *id, *text;
	int tool;
} cases[] = {{"a1", "hello", 0}, {"tool1", "paris", 1}, {"bad1", "x", 0}, {"a2", "second question", 0}};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static llmk_batch *submit_cases(llmk_client *c)
{
	llmk_batch *b;
	llmk_request *r;
	size_t i;

	assert_int_equal(llmk_batch_new(&b, c), LLMK_OK);
	assert_int_equal(llmk_batch_state(b), LLMK_BATCH_NEW);
	for (i = 0; i < NCASES; i++) {
		r = chat(cases[i].text, cases[i].tool);
		if (llmk_batch_add(b, cases[i].id, r) != LLMK_OK)
			fail_msg("%s", llmk_batch_errmsg(b));
		llmk_request_free(r);
	}
	assert_int_equal(llmk_batch_size(b), NCASES);
	assert_null(llmk_batch_id(b));
	assert_int_equal(llmk_batch_submit(b), LLMK_OK);
	assert_non_null(llmk_batch_id(b));
	return b;
}

static int case_of(const char *id)
{
	size_t i;

	for (i = 0; i < NCASES; i++)
		if (!strcmp(cases[i].id, id))
			return (int)i;
	return -1;
}

/* Every result against the same request sent alone: text, tool calls,
 * usage equal; cost half of the single one (the discount or the table's
 * batch prices). `ended` says how many ran (the rest: `rest_status`). */
static void check_results(llmk_client *c, llmk_batch *b, size_t ran_first, llmk_status rest_status, int ordered)
{
	const char *id;
	llmk_response *resp, *one;
	llmk_request *r;
	int seen[NCASES] = {0}, k;
	size_t n = 0;
	double cost_b, cost_1;
	int64_t ib, ob, i1, o1;

	for (;;) {
		assert_int_equal(llmk_batch_next_result(b, &id, &resp), LLMK_OK);
		if (!resp)
			break;
		k = case_of(id);
		assert_true(k >= 0);
		assert_false(seen[k]);
		seen[k] = 1;
		if (ordered == 1)
			assert_int_equal((size_t)k, n);
		n++;
		if ((size_t)k >= ran_first) {
			assert_int_equal(llmk_response_status(resp), rest_status);
			llmk_response_free(resp);
			continue;
		}
		if (!strncmp(id, "bad", 3)) {
			assert_int_equal(llmk_response_status(resp), LLMK_E_BAD_REQUEST);
			assert_non_null(strstr(llmk_response_error(resp), "bad request"));
			assert_non_null(strstr(llmk_response_error(resp), "bad1"));
			llmk_response_free(resp);
			continue;
		}
		assert_int_equal(llmk_response_status(resp), LLMK_OK);
		r = chat(cases[k].text, cases[k].tool);
		assert_int_equal(llmk_send(c, r, &one), LLMK_OK);
		assert_string_equal(llmk_response_text(resp), llmk_response_text(one));
		assert_int_equal(llmk_response_tool_call_count(resp), llmk_response_tool_call_count(one));
		if (cases[k].tool) {
			assert_int_equal(llmk_response_tool_call_count(resp), 1);
			assert_string_equal(llmk_response_tool_call_name(resp, 0),
			                    llmk_response_tool_call_name(one, 0));
			assert_string_equal(llmk_response_tool_call_arguments(resp, 0),
			                    llmk_response_tool_call_arguments(one, 0));
		}
		assert_int_equal(llmk_response_finish(resp), llmk_response_finish(one));
		ib = llmk_response_usage(resp, LLMK_USAGE_INPUT);
		ob = llmk_response_usage(resp, LLMK_USAGE_OUTPUT);
		i1 = llmk_response_usage(one, LLMK_USAGE_INPUT);
		o1 = llmk_response_usage(one, LLMK_USAGE_OUTPUT);
		assert_true(ib > 0 && ob > 0);
		assert_int_equal(ib, i1);
		assert_int_equal(ob, o1);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL),
		                 llmk_response_usage(one, LLMK_USAGE_TOTAL));
		assert_int_equal(llmk_response_cost(resp, &cost_b), LLMK_OK);
		assert_int_equal(llmk_response_cost(one, &cost_1), LLMK_OK);
		assert_true(cost_1 > 0);
		assert_true(fabs(cost_b - cost_1 / 2) < 1e-12);
		llmk_response_free(one);
		llmk_request_free(r);
		llmk_response_free(resp);
	}
	assert_int_equal(n, NCASES);
	/* After the last one: still the end. */
	assert_int_equal(llmk_batch_next_result(b, &id, &resp), LLMK_OK);
	assert_null(resp);
}

/* The whole life of a batch: submit, resume by id from a fresh client,
 * a service restart mid-poll (503s retried), completed, results. */
static void lifecycle(const char *model, const char *path, int32_t first_state, int ordered)
{
	llmk_client *c = client(model, path), *c2;
	llmk_batch *b, *b2;
	char id[128];
	int polls;

	b = submit_cases(c);
	assert_int_equal(llmk_batch_state(b), first_state);
	assert_int_equal(llmk_batch_count(b, LLMK_BATCH_N_TOTAL), (int64_t)NCASES);
	assert_false(llmk_batch_ended(b));
	/* Results before the end are refused, with the state named. */
	{
		const char *cid;
		llmk_response *resp;
		assert_int_equal(llmk_batch_next_result(b, &cid, &resp), LLMK_E_INVALID_ARG);
		assert_non_null(strstr(llmk_batch_errmsg(b), "results come once it has ended"));
	}
	snprintf(id, sizeof(id), "%s", llmk_batch_id(b));
	llmk_batch_free(b);
	llmk_client_free(c);

	/* Another process: only the id. */
	c2 = client(model, path);
	assert_int_equal(llmk_batch_open(&b2, c2, id), LLMK_OK);
	assert_string_equal(llmk_batch_id(b2), id);
	assert_false(llmk_batch_ended(b2));
	/* The service restarts: the next poll gets two 503s, retried. */
	polls = batchd_polls(d);
	batchd_fail_polls(d, 2);
	assert_int_equal(llmk_batch_wait(b2, 10, 30000, NULL, NULL), LLMK_OK);
	assert_true(batchd_polls(d) - polls >= 3);
	assert_int_equal(llmk_batch_state(b2), LLMK_BATCH_COMPLETED);
	assert_true(llmk_batch_ended(b2));
	assert_int_equal(llmk_batch_count(b2, LLMK_BATCH_N_TOTAL), (int64_t)NCASES);
	assert_int_equal(llmk_batch_count(b2, LLMK_BATCH_N_SUCCEEDED), (int64_t)NCASES - 1);
	assert_int_equal(llmk_batch_count(b2, LLMK_BATCH_N_FAILED), 1);
	check_results(c2, b2, NCASES, LLMK_OK, ordered);
	llmk_batch_free(b2);
	llmk_client_free(c2);
}

static void test_openai_lifecycle(void **state)
{
	(void)state;
	lifecycle("openai/gpt-4o-mini", "/v1", LLMK_BATCH_VALIDATING, 0);
}

static void test_azure_lifecycle(void **state)
{
	(void)state;
	/* A deployment named after its model, so the price table knows it
	 * (azure/gpt-4o-mini has batch prices of its own). */
	lifecycle("azure/gpt-4o-mini", "", LLMK_BATCH_VALIDATING, 0);
}

static void test_anthropic_lifecycle(void **state)
{
	(void)state;
	/* Anthropic's results come in no particular order (the emulator
	 * sends them last first): matched by id. */
	lifecycle("anthropic/claude-haiku-4-5", "/v1", LLMK_BATCH_IN_PROGRESS, 0);
}

static void test_gemini_lifecycle(void **state)
{
	(void)state;
	lifecycle("gemini/gemini-2.5-flash", "/v1beta", LLMK_BATCH_VALIDATING, 1);
}

/* A line of the uploaded file carries exactly the body the request sends
 * alone. */
static void test_mistral_lifecycle(void **state)
{
	(void)state;
	/* mistral-small-latest has batch prices of its own (half). */
	lifecycle("mistral/mistral-small-latest", "/v1", LLMK_BATCH_VALIDATING, 0);
}

static void test_openai_line_is_the_request(void **state)
{
	llmk_client *c = client("openai/gpt-4o-mini", "/v1");
	th_server *s = batchd_server(d);
	llmk_batch *b;
	llmk_request *r = chat("same bytes", 1);
	llmk_response *one;
	const th_request *up = NULL, *single = NULL;
	size_t i, before = th_request_count(s);
	char expect[4096];

	(void)state;
	assert_int_equal(llmk_batch_new(&b, c), LLMK_OK);
	assert_int_equal(llmk_batch_add(b, "only", r), LLMK_OK);
	assert_int_equal(llmk_batch_submit(b), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &one), LLMK_OK);
	for (i = before; i < th_request_count(s); i++) {
		const th_request *q = th_request_at(s, i);
		if (!strcmp(q->target, "/v1/files"))
			up = q;
		if (!strcmp(q->target, "/v1/chat/completions"))
			single = q;
	}
	assert_non_null(up);
	assert_non_null(single);
	snprintf(expect, sizeof(expect),
	         "{\"custom_id\":\"only\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":%s}\n",
	         (const char *)single->body);
	assert_non_null(strstr((const char *)up->body, expect));
	assert_non_null(strstr((const char *)up->body, "name=\"purpose\"\r\n\r\nbatch\r\n"));
	assert_int_equal(batchd_upload_lines(d), 1);
	llmk_response_free(one);
	llmk_request_free(r);
	llmk_batch_free(b);
	llmk_client_free(c);
}

/* Ended early (expired, or cancelled): the requests that ran have their
 * answers, the others LLMK_E_TIMEOUT / LLMK_E_CANCELLED. */
static void ended_early(const char *model, const char *path, int cancel)
{
	llmk_client *c = client(model, path);
	llmk_batch *b;

	batchd_expire(d, !cancel);
	b = submit_cases(c);
	batchd_expire(d, 0);
	if (cancel) {
		assert_int_equal(llmk_batch_cancel(b), LLMK_OK);
		assert_true(llmk_batch_state(b) == LLMK_BATCH_CANCELLING ||
		            llmk_batch_state(b) == LLMK_BATCH_IN_PROGRESS ||
		            llmk_batch_state(b) == LLMK_BATCH_VALIDATING);
		assert_int_equal(llmk_batch_refresh(b), LLMK_OK);
		if (strncmp(model, "gemini", 6))
			assert_int_equal(llmk_batch_state(b), strncmp(model, "anthropic", 9) ? LLMK_BATCH_CANCELLING
			                                                                     : LLMK_BATCH_CANCELLING);
	}
	assert_int_equal(llmk_batch_wait(b, 10, 30000, NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_batch_state(b), cancel ? LLMK_BATCH_CANCELLED : LLMK_BATCH_EXPIRED);
	check_results(c, b, NCASES / 2, cancel ? LLMK_E_CANCELLED : LLMK_E_TIMEOUT, 0);
	llmk_batch_free(b);
	llmk_client_free(c);
}

static void test_openai_expired(void **state)
{
	(void)state;
	ended_early("openai/gpt-4o-mini", "/v1", 0);
}

static void test_openai_cancelled(void **state)
{
	(void)state;
	ended_early("openai/gpt-4o-mini", "/v1", 1);
}

static void test_mistral_cancelled(void **state)
{
	(void)state;
	ended_early("mistral/mistral-small-latest", "/v1", 1);
}

static void test_anthropic_expired(void **state)
{
	(void)state;
	ended_early("anthropic/claude-haiku-4-5", "/v1", 0);
}

static void test_anthropic_cancelled(void **state)
{
	(void)state;
	ended_early("anthropic/claude-haiku-4-5", "/v1", 1);
}

static void test_gemini_cancelled(void **state)
{
	llmk_client *c = client("gemini/gemini-2.5-flash", "/v1beta");
	llmk_batch *b;
	const char *id;
	llmk_response *resp;
	size_t n = 0;

	(void)state;
	b = submit_cases(c);
	assert_int_equal(llmk_batch_cancel(b), LLMK_OK);
	assert_int_equal(llmk_batch_wait(b, 10, 30000, NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_batch_state(b), LLMK_BATCH_CANCELLED);
	/* Gemini lists the answers of what ran, the first half. */
	while (llmk_batch_next_result(b, &id, &resp) == LLMK_OK && resp) {
		assert_int_equal(case_of(id), (int)n);
		n++;
		llmk_response_free(resp);
	}
	assert_int_equal(n, NCASES / 2);
	llmk_batch_free(b);
	llmk_client_free(c);
}

static void test_embeddings(void **state)
{
	llmk_client *c = client("openai/text-embedding-3-small", "/v1");
	llmk_batch *b;
	llmk_request *r;
	llmk_response *resp, *one;
	const char *id;
	double cb, c1;

	(void)state;
	assert_int_equal(llmk_batch_new(&b, c), LLMK_OK);
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "four"), LLMK_OK);
	assert_int_equal(llmk_batch_add(b, "e1", r), LLMK_OK);
	assert_int_equal(llmk_batch_submit(b), LLMK_OK);
	assert_int_equal(llmk_batch_wait(b, 10, 30000, NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_batch_next_result(b, &id, &resp), LLMK_OK);
	assert_non_null(resp);
	assert_string_equal(id, "e1");
	assert_int_equal(llmk_response_status(resp), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &one), LLMK_OK);
	assert_int_equal(llmk_response_embedding_count(resp), 1);
	assert_int_equal(llmk_response_embedding_dim(resp), 3);
	assert_true(llmk_response_embedding(resp, 0)[0] == 4.0f);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), llmk_response_usage(one, LLMK_USAGE_INPUT));
	assert_int_equal(llmk_response_cost(resp, &cb), LLMK_OK);
	assert_int_equal(llmk_response_cost(one, &c1), LLMK_OK);
	assert_true(fabs(cb - c1 / 2) < 1e-15);
	llmk_response_free(resp);
	llmk_response_free(one);
	llmk_request_free(r);
	llmk_batch_free(b);
	llmk_client_free(c);
}

/* Refusals before anything is sent, each with its reason. */
static void test_refusals(void **state)
{
	llmk_client *c = client("openai/gpt-4o-mini", "/v1"), *g;
	llmk_batch *b;
	llmk_request *r = chat("x", 0), *e;
	size_t before = th_request_count(batchd_server(d));
	const char *cid;
	llmk_response *resp;

	(void)state;
	assert_int_equal(llmk_batch_new(&b, c), LLMK_OK);
	assert_int_equal(llmk_batch_add(b, "", r), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_batch_add(b, "has space", r), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_batch_errmsg(b), "custom id"));
	assert_int_equal(llmk_batch_add(b, "x", r), LLMK_OK);
	assert_int_equal(llmk_batch_add(b, "x", r), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_batch_errmsg(b), "already in the batch"));
	assert_int_equal(llmk_request_new(&e, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_request_add_input(e, "y"), LLMK_OK);
	assert_int_equal(llmk_batch_add(b, "e", e), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_batch_errmsg(b), "same kind"));
	assert_int_equal(llmk_batch_refresh(b), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_batch_next_result(b, &cid, &resp), LLMK_E_INVALID_ARG);
	assert_null(resp);
	llmk_batch_free(b);
	/* Empty batch. */
	assert_int_equal(llmk_batch_new(&b, c), LLMK_OK);
	assert_int_equal(llmk_batch_submit(b), LLMK_E_INVALID_ARG);
	llmk_batch_free(b);
	/* A provider without a batch API, and a kind the API does not take. */
	assert_int_equal(llmk_client_new(&g, "groq/llama-3.1-8b-instant"), LLMK_OK);
	assert_int_equal(llmk_batch_new(&b, g), LLMK_E_UNSUPPORTED);
	assert_null(b);
	assert_non_null(strstr(llmk_client_errmsg(g), "no batch API"));
	llmk_client_free(g);
	g = client("anthropic/claude-haiku-4-5", "/v1");
	assert_int_equal(llmk_batch_new(&b, g), LLMK_OK);
	assert_int_equal(llmk_batch_add(b, "e", e), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_batch_errmsg(b), "takes no embed requests"));
	/* A request the adapter refuses is refused when added. */
	{
		llmk_request *empty;
		assert_int_equal(llmk_request_new(&empty, LLMK_CHAT), LLMK_OK);
		assert_int_not_equal(llmk_batch_add(b, "empty", empty), LLMK_OK);
		assert_non_null(strstr(llmk_batch_errmsg(b), "empty"));
		llmk_request_free(empty);
	}
	llmk_batch_free(b);
	llmk_client_free(g);
	/* Unknown id: the provider's 404 and message. */
	assert_int_equal(llmk_batch_open(&b, c, "batch_nope"), LLMK_E_NOT_FOUND);
	assert_non_null(b);
	assert_non_null(strstr(llmk_batch_errmsg(b), "No batch found"));
	llmk_batch_free(b);
	/* An id that would change the URL's path. */
	assert_int_equal(llmk_batch_open(&b, c, "../files"), LLMK_E_INVALID_ARG);
	llmk_batch_free(b);
	assert_int_equal(th_request_count(batchd_server(d)) - before, 1); /* only the 404 poll went out */
	llmk_request_free(e);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* The request-count limit, checked as requests are added. */
static void test_count_limit(void **state)
{
	llmk_client *c = client("openai/gpt-4o-mini", "/v1");
	llmk_batch *b;
	llmk_request *r = chat("x", 0);
	char id[16];
	int i;

	(void)state;
	assert_int_equal(llmk_batch_new(&b, c), LLMK_OK);
	for (i = 0; i < 50000; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		assert_int_equal(llmk_batch_add(b, id, r), LLMK_OK);
	}
	assert_int_equal(llmk_batch_add(b, "one-more", r), LLMK_E_TOO_LARGE);
	assert_non_null(strstr(llmk_batch_errmsg(b), "at most 50000 requests"));
	llmk_batch_free(b);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* A hostile server: the key it echoes never reaches an error message, and
 * a results_url on another host is not followed (the key would go
 * there). Scripted on a plain loopback server. */
static void test_hostile_server(void **state)
{
	th_server *s = th_start();
	llmk_client *c;
	llmk_batch *b;
	llmk_response *resp;
	const char *id;
	char url[128], body[1024];

	(void)state;
	assert_non_null(s);
	snprintf(url, sizeof(url), "%s/v1", th_url(s));
	assert_int_equal(llmk_client_new(&c, "anthropic/claude-haiku-4-5"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	/* The key echoed in an error. */
	th_push_json(s, 404,
	             "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"no batch for key " KEY
	             "\"}}");
	assert_int_equal(llmk_batch_open(&b, c, "msgbatch_x"), LLMK_E_NOT_FOUND);
	assert_non_null(strstr(llmk_batch_errmsg(b), "no batch for key"));
	assert_null(strstr(llmk_batch_errmsg(b), KEY));
	llmk_batch_free(b);
	/* Ended, results on another host. */
	th_push_json(s, 200,
	             "{\"id\":\"msgbatch_x\",\"type\":\"message_batch\",\"processing_status\":\"ended\","
	             "\"request_counts\":{\"processing\":0,\"succeeded\":1,\"errored\":0,\"canceled\":0,"
	             "\"expired\":0},\"results_url\":\"http://198.51.100.7/v1/messages/batches/msgbatch_x/results\"}");
	assert_int_equal(llmk_batch_open(&b, c, "msgbatch_x"), LLMK_OK);
	assert_int_equal(llmk_batch_state(b), LLMK_BATCH_COMPLETED);
	assert_int_equal(llmk_batch_next_result(b, &id, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_batch_errmsg(b), "not on the API's host"));
	assert_null(resp);
	llmk_batch_free(b);
	/* Ended, results here: a failed request's message echoing the key. */
	snprintf(body, sizeof(body),
	         "{\"id\":\"msgbatch_x\",\"type\":\"message_batch\",\"processing_status\":\"ended\","
	         "\"request_counts\":{\"processing\":0,\"succeeded\":0,\"errored\":1,\"canceled\":0,"
	         "\"expired\":0},\"results_url\":\"%s/messages/batches/msgbatch_x/results\"}",
	         url);
	th_push_json(s, 200, body);
	th_push_json(s, 200,
	             "{\"custom_id\":\"a\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\","
	             "\"error\":{\"type\":\"invalid_request_error\",\"message\":\"bad key " KEY "\"}}}}\n");
	assert_int_equal(llmk_batch_open(&b, c, "msgbatch_x"), LLMK_OK);
	assert_int_equal(llmk_batch_next_result(b, &id, &resp), LLMK_OK);
	assert_non_null(resp);
	assert_string_equal(id, "a");
	assert_int_equal(llmk_response_status(resp), LLMK_E_BAD_REQUEST);
	assert_non_null(strstr(llmk_response_error(resp), "bad key"));
	assert_null(strstr(llmk_response_error(resp), KEY));
	llmk_response_free(resp);
	/* the results request carried the key to the server itself only */
	assert_string_equal(th_request_at(s, th_request_count(s) - 1)->target,
	                    "/v1/messages/batches/msgbatch_x/results");
	llmk_batch_free(b);
	llmk_client_free(c);
	th_stop(s);
}

/* The create bodies of Anthropic and Gemini equal fixtures made from their
 * references' examples (tests/data/batch/README.md). */
static void body_fixture(const char *model, const char *path, const char *fixture, const char *const ids[2],
                         const char *const texts[2], int64_t max_tokens, const char *target_part)
{
	llmk_client *c = client(model, path);
	th_server *s = batchd_server(d);
	llmk_batch *b;
	llmk_request *r;
	size_t i, before = th_request_count(s);
	const th_request *q = NULL;
	char file[512];
	json_t *want, *got;
	int k;

	assert_int_equal(llmk_batch_new(&b, c), LLMK_OK);
	for (k = 0; k < 2; k++) {
		assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
		assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, texts[k]), LLMK_OK);
		if (max_tokens)
			assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, max_tokens), LLMK_OK);
		assert_int_equal(llmk_batch_add(b, ids[k], r), LLMK_OK);
		llmk_request_free(r);
	}
	assert_int_equal(llmk_batch_submit(b), LLMK_OK);
	for (i = before; i < th_request_count(s); i++)
		if (strstr(th_request_at(s, i)->target, target_part))
			q = th_request_at(s, i);
	assert_non_null(q);
	snprintf(file, sizeof(file), "%s/batch/%s", TEST_DATA_DIR, fixture);
	want = json_load_file(file, 0, NULL);
	got = json_loadb((const char *)q->body, q->body_len, 0, NULL);
	assert_non_null(want);
	assert_non_null(got);
	if (!json_equal(want, got))
		fail_msg("%s: the body sent differs from %s:\n%.*s", model, fixture, (int)q->body_len,
		         (const char *)q->body);
	json_decref(want);
	json_decref(got);
	llmk_batch_free(b);
	llmk_client_free(c);
}

static void test_anthropic_body(void **state)
{
	static const char *const ids[2] = {"my-first-request", "my-second-request"};
	static const char *const texts[2] = {"Hello, world", "Hi again, friend"};

	(void)state;
	body_fixture("anthropic/claude-haiku-4-5", "/v1", "anthropic/create_request.json", ids, texts, 1024,
	             "/v1/messages/batches");
}

static void test_gemini_body(void **state)
{
	static const char *const ids[2] = {"request-1", "request-2"};
	static const char *const texts[2] = {"Describe the process of photosynthesis.",
	                                     "Describe the process of making tea."};

	(void)state;
	body_fixture("gemini/gemini-2.5-flash", "/v1beta", "gemini/create_request.json", ids, texts, 0,
	             ":batchGenerateContent");
}

/* A Gemini batch whose results are a responses file (a batch made with a
 * file of requests, elsewhere): downloaded from /download/v1beta/...,
 * lines without keys named by their position. Scripted answers. */
static void test_gemini_responses_file(void **state)
{
	th_server *s = th_start();
	llmk_client *c;
	llmk_batch *b;
	llmk_response *resp;
	const char *id;
	char url[128];

	(void)state;
	assert_non_null(s);
	snprintf(url, sizeof(url), "%s/v1beta", th_url(s));
	assert_int_equal(llmk_client_new(&c, "gemini/gemini-2.5-flash"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	th_push_json(s, 200,
	             "{\"name\":\"batches/f1\",\"metadata\":{\"model\":\"models/gemini-2.5-flash\",\"state\":"
	             "\"BATCH_STATE_SUCCEEDED\",\"batchStats\":{\"requestCount\":\"2\",\"successfulRequestCount\":"
	             "\"1\",\"failedRequestCount\":\"1\"}},\"done\":true,\"response\":{\"responsesFile\":"
	             "\"files/r1\"}}");
	th_push_json(s, 200,
	             "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"first\"}]},"
	             "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":4,"
	             "\"candidatesTokenCount\":1,\"totalTokenCount\":5}}\n"
	             "{\"code\":3,\"message\":\"contents: bad request\"}\n");
	assert_int_equal(llmk_batch_open(&b, c, "batches/f1"), LLMK_OK);
	assert_int_equal(llmk_batch_state(b), LLMK_BATCH_COMPLETED);
	assert_int_equal(llmk_batch_count(b, LLMK_BATCH_N_TOTAL), 2);
	assert_int_equal(llmk_batch_next_result(b, &id, &resp), LLMK_OK);
	assert_non_null(resp);
	assert_string_equal(id, "0");
	assert_int_equal(llmk_response_status(resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "first");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 4);
	llmk_response_free(resp);
	assert_int_equal(llmk_batch_next_result(b, &id, &resp), LLMK_OK);
	assert_non_null(resp);
	assert_string_equal(id, "1");
	assert_int_equal(llmk_response_status(resp), LLMK_E_BAD_REQUEST);
	assert_non_null(strstr(llmk_response_error(resp), "contents: bad request"));
	llmk_response_free(resp);
	assert_int_equal(llmk_batch_next_result(b, &id, &resp), LLMK_OK);
	assert_null(resp);
	assert_string_equal(th_request_at(s, 1)->target, "/download/v1beta/files/r1:download?alt=media");
	assert_string_equal(th_request_header(th_request_at(s, 1), "x-goog-api-key"), KEY);
	llmk_batch_free(b);
	llmk_client_free(c);
	th_stop(s);
}

/* Past Gemini's 20 MB inline limit the requests go as an uploaded file
 * (the Files API's resumable upload, the upload URL's own grant without
 * the key), the results come back as a responses file. */
static void test_gemini_file_batch(void **state)
{
	llmk_client *c = client("gemini/gemini-2.5-flash", "/v1beta");
	th_server *s = batchd_server(d);
	llmk_batch *b;
	llmk_request *r;
	llmk_response *resp;
	const char *id;
	char *big = malloc(1000001), cid[16];
	size_t i, n = 0, before = th_request_count(s);
	int k, seen_create = 0;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 1000000);
	big[1000000] = 0;
	assert_int_equal(llmk_batch_new(&b, c), LLMK_OK);
	for (k = 0; k < 25; k++) {
		snprintf(cid, sizeof(cid), "big-%d", k);
		big[0] = (char)('a' + k); /* each prompt its own */
		assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
		assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, big), LLMK_OK);
		assert_int_equal(llmk_batch_add(b, cid, r), LLMK_OK);
		llmk_request_free(r);
	}
	if (llmk_batch_submit(b) != LLMK_OK)
		fail_msg("%s", llmk_batch_errmsg(b));
	assert_true(batchd_upload_bytes(d) > 25u * 1000000u);
	for (i = before; i < th_request_count(s); i++) {
		const th_request *q = th_request_at(s, i);
		if (strstr(q->target, ":batchGenerateContent")) {
			seen_create = 1;
			assert_non_null(strstr((const char *)q->body, "\"input_config\":{\"file_name\":\"files/in"));
		}
	}
	assert_true(seen_create);
	assert_string_equal(th_request_at(s, before)->target, "/upload/v1beta/files");
	assert_int_equal(llmk_batch_wait(b, 10, 30000, NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_batch_state(b), LLMK_BATCH_COMPLETED);
	while (llmk_batch_next_result(b, &id, &resp) == LLMK_OK && resp) {
		assert_int_equal(llmk_response_status(resp), LLMK_OK);
		assert_true(!strncmp(id, "big-", 4));
		assert_int_equal(llmk_response_text(resp)[6], 'a' + atoi(id + 4));
		n++;
		llmk_response_free(resp);
	}
	assert_int_equal(n, 25);
	free(big);
	llmk_batch_free(b);
	llmk_client_free(c);
}

/* This program's path (argv[0]): /proc/self/exe would name valgrind's tool
 * under valgrind. */
static const char *self_path = "/proc/self/exe";

static int instrumented(void)
{
	const char *pre = getenv("LD_PRELOAD");

#if defined(__SANITIZE_ADDRESS__)
	return 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
	return 1;
#endif
#endif
	return pre && strstr(pre, "vgpreload") != NULL;
}

/* 50,000 requests of about 1.2 KB each (a 61 MB file) built and uploaded
 * from a child process (the server's copy of the upload stays in this
 * one): the child's peak RSS stays under 64 MiB, where holding the file
 * (let alone the multipart body around it) would pass it. */
static void test_big_upload_rss(void **state)
{
	int fd[2];
	pid_t pid;
	int status;
	long rss_kib = -1;
	char url[128];
	/* Under a sanitizer or valgrind (whose memory the bound does not
	 * measure) a tenth of the requests keeps the run short. */
	const int n = instrumented() ? 5000 : 50000;

	(void)state;
	snprintf(url, sizeof(url), "%s/v1", th_url(batchd_server(d)));
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A fresh process (exec), so its peak RSS is the upload's and not
		 * the pages this test process touched before the fork. */
		char nbuf[16], fdbuf[16];
		snprintf(nbuf, sizeof(nbuf), "%d", n);
		snprintf(fdbuf, sizeof(fdbuf), "%d", fd[1]);
		close(fd[0]);
		execl(self_path, self_path, "--big-upload-child", url, nbuf, fdbuf, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	{
		char buf[64] = {0};
		int ok = 0;
		ssize_t got = read(fd[0], buf, sizeof(buf) - 1);
		assert_true(got > 0);
		assert_int_equal(sscanf(buf, "%d %ld", &ok, &rss_kib), 2);
		assert_int_equal(ok, 1);
	}
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(batchd_upload_lines(d), (size_t)n);
	assert_true(batchd_upload_bytes(d) > (size_t)n * 1200u);
	printf("big upload: %zu lines, %zu bytes, child peak RSS %ld KiB\n", batchd_upload_lines(d),
	       batchd_upload_bytes(d), rss_kib);
	/* A sanitizer's shadow memory and quarantine, or valgrind's, are not
	 * the library's: the bound is checked in ordinary builds only. */
	if (instrumented()) {
		printf("big upload: RSS bound not checked (sanitizer or valgrind)\n");
		return;
	}
	assert_true(rss_kib > 0 && rss_kib < 64 * 1024);
}

/* A comparison through batches scores and counts like the interactive
 * one, at half the cost; progress reaches the clients' log hooks. */
static int progress_lines;

static void on_log(int32_t level, const char *line, void *user)
{
	(void)user;
	if (level == LLMK_LOG_INFO && strstr(line, "batch ") && strstr(line, " done"))
		progress_lines++;
}

static void run_compare(int batch, double score[2], double cost[2], double ok[2])
{
	llmk_compare *cmp;
	llmk_client *c[2] = {client("openai/gpt-4o-mini", "/v1"), client("anthropic/claude-haiku-4-5", "/v1")};
	llmk_request *r[3];
	static const char *expect[3] = {"echo: one", "echo: two", "echo: nope"};
	int i;

	assert_int_equal(llmk_compare_new(&cmp), LLMK_OK);
	for (i = 0; i < 2; i++) {
		assert_int_equal(llmk_client_set_log(c[i], on_log, LLMK_LOG_INFO, NULL), LLMK_OK);
		assert_int_equal(llmk_compare_add_client(cmp, c[i], NULL), LLMK_OK);
	}
	r[0] = chat("one", 0);
	r[1] = chat("two", 0);
	r[2] = chat("three", 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(llmk_compare_add_case(cmp, r[i], expect[i], LLMK_SCORE_CONTAINS), LLMK_OK);
	if (batch)
		assert_int_equal(llmk_compare_set_batch(cmp, 10), LLMK_OK);
	if (llmk_compare_run(cmp, NULL, NULL) != LLMK_OK)
		fail_msg("%s", llmk_compare_errmsg(cmp));
	for (i = 0; i < 2; i++) {
		score[i] = llmk_compare_metric(cmp, (size_t)i, LLMK_METRIC_SCORE);
		cost[i] = llmk_compare_metric(cmp, (size_t)i, LLMK_METRIC_COST_USD);
		ok[i] = llmk_compare_metric(cmp, (size_t)i, LLMK_METRIC_OK);
	}
	llmk_compare_free(cmp);
	for (i = 0; i < 3; i++)
		llmk_request_free(r[i]);
	llmk_client_free(c[0]);
	llmk_client_free(c[1]);
}

static void test_compare_batch(void **state)
{
	double s1[2], c1[2], o1[2], sb[2], cb[2], ob[2];
	int i;

	(void)state;
	run_compare(0, s1, c1, o1);
	progress_lines = 0;
	run_compare(1, sb, cb, ob);
	assert_true(progress_lines >= 4); /* each model polled at least twice */
	for (i = 0; i < 2; i++) {
		assert_true(fabs(s1[i] - 2.0 / 3.0) < 1e-9);
		assert_true(fabs(sb[i] - s1[i]) < 1e-12);
		assert_true(o1[i] == 3 && ob[i] == 3);
		assert_true(c1[i] > 0);
		if (fabs(cb[i] - c1[i] / 2) >= 1e-12)
			fail_msg("model %d: batch cost %.12g, interactive %.12g", i, cb[i], c1[i]);
	}
}

/* This process's peak resident set (VmHWM of /proc/self/status), in KiB:
 * unlike getrusage()'s ru_maxrss, it starts afresh at exec, so it is the
 * child's own and not the forked test process's. -1 if unknown. */
static long peak_rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kib = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

/* The child of test_big_upload_rss, in a fresh process: builds n requests,
 * submits them, writes "ok maxrss_kib" to the pipe fd. */
static int big_upload_child(const char *url, int n, int fd)
{
	llmk_client *c;
	llmk_batch *b = NULL;
	llmk_request *r;
	char prompt[1100], id[16];
	int i, ok = 1;

	llmk_global_init();
	memset(prompt, 'w', sizeof(prompt) - 1);
	prompt[sizeof(prompt) - 1] = 0;
	ok &= llmk_client_new(&c, "openai/gpt-4o-mini") == LLMK_OK;
	ok &= llmk_client_set_str(c, LLMK_OPT_BASE_URL, url) == LLMK_OK;
	ok &= llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY) == LLMK_OK;
	ok &= llmk_batch_new(&b, c) == LLMK_OK;
	for (i = 0; ok && i < n; i++) {
		snprintf(id, sizeof(id), "r%05d", i);
		memcpy(prompt, id, strlen(id)); /* every line different */
		ok &= llmk_request_new(&r, LLMK_CHAT) == LLMK_OK;
		ok &= llmk_request_add_message(r, LLMK_ROLE_USER, prompt) == LLMK_OK;
		ok &= llmk_batch_add(b, id, r) == LLMK_OK;
		llmk_request_free(r);
	}
	ok &= llmk_batch_submit(b) == LLMK_OK;
	if (!ok)
		fprintf(stderr, "child: %s\n", llmk_batch_errmsg(b));
	dprintf(fd, "%d %ld\n", ok, peak_rss_kib());
	close(fd);
	llmk_batch_free(b);
	llmk_client_free(c);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_openai_lifecycle),    cmocka_unit_test(test_azure_lifecycle),
	        cmocka_unit_test(test_anthropic_lifecycle), cmocka_unit_test(test_gemini_lifecycle),
	        cmocka_unit_test(test_mistral_lifecycle),   cmocka_unit_test(test_openai_line_is_the_request),
	        cmocka_unit_test(test_openai_expired),      cmocka_unit_test(test_openai_cancelled),
	        cmocka_unit_test(test_anthropic_expired),   cmocka_unit_test(test_anthropic_cancelled),
	        cmocka_unit_test(test_gemini_cancelled),    cmocka_unit_test(test_mistral_cancelled),
	        cmocka_unit_test(test_embeddings),          cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_hostile_server),      cmocka_unit_test(test_anthropic_body),
	        cmocka_unit_test(test_gemini_body),         cmocka_unit_test(test_gemini_responses_file),
	        cmocka_unit_test(test_gemini_file_batch),   cmocka_unit_test(test_count_limit),
	        cmocka_unit_test(test_compare_batch),       cmocka_unit_test(test_big_upload_rss),
	};
	if (argc > 0 && strchr(argv[0], '/'))
		self_path = argv[0];
	if (argc == 5 && !strcmp(argv[1], "--big-upload-child"))
		return big_upload_child(argv[2], atoi(argv[3]), atoi(argv[4]));
	return cmocka_run_group_tests(tests, setup, teardown);
}
