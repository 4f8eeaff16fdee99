/* Hostile servers on 127.0.0.1 (issue 16): statuses that say what happened
 * (item 5), streams that end by a configured bound (item 6), and numbers
 * that do not overflow or throw the answer away (item 4). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "llmkit.h"

static th_server *srv;

static int setup(void **state)
{
	(void)state;
	srv = th_start();
	return srv ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	th_stop(srv);
	return 0;
}

static llmk_client *client(const char *model, int64_t retries)
{
	llmk_client *c;

	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, retries), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_BASE_MS, 1), LLMK_OK);
	return c;
}

static llmk_request *chat(void)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"), LLMK_OK);
	return r;
}

static void push_raw(const char *bytes, size_t len)
{
	th_response tr;

	memset(&tr, 0, sizeof(tr));
	tr.raw = 1;
	tr.body = bytes;
	tr.body_len = len;
	tr.close = 1;
	th_push(srv, &tr);
}

/* ---- item 5: statuses ----------------------------------------------------------- */

/* An answer that is not HTTP is the server's fault: LLMK_E_PROTOCOL, not
 * "client configuration missing" (curl's "Received HTTP/0.9"), and it is
 * not retried. */
static void test_malformed_status_line(void **state)
{
	static const char *const answers[] = {
	        "HTTQ/9.9 200 OK\r\nContent-Length: 2\r\n\r\n{}",   "just a body, no status line\n",
	        "HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\n{}", "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n{}",
	        "HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\n{}",   "HTTP/1.1 99 Low\r\nContent-Length: 2\r\n\r\n{}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		llmk_client *c = client("openai/gpt-4o-mini", 2);
		llmk_request *r = chat();
		llmk_response *resp;
		llmk_status st;

		th_reset(srv);
		push_raw(answers[i], strlen(answers[i]));
		st = llmk_send(c, r, &resp);
		if (st != LLMK_E_PROTOCOL)
			fail_msg("answer %zu: %s: %s", i, llmk_status_name(st), llmk_response_error(resp));
		assert_non_null(strstr(llmk_response_error(resp), "not valid HTTP"));
		assert_int_equal(th_request_count(srv), 1);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

/* A 200 KB header line is a limit, not a lack of memory. */
static void test_huge_header_line(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nX-Big: ", tail[] = "\r\nContent-Length: 2\r\n\r\n{}";
	size_t n = 200 * 1024, hl = sizeof(head) - 1, tl = sizeof(tail) - 1;
	char *raw = malloc(hl + n + tl);
	llmk_client *c = client("openai/gpt-4o-mini", 0);
	llmk_request *r = chat();
	llmk_response *resp;

	(void)state;
	assert_non_null(raw);
	memcpy(raw, head, hl);
	memset(raw + hl, 'a', n);
	memcpy(raw + hl + n, tail, tl);
	th_reset(srv);
	push_raw(raw, hl + n + tl);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_TOO_LARGE);
	assert_non_null(strstr(llmk_response_error(resp), "longer than"));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	free(raw);
}

/* A redirect (not followed) names its status and the Location's origin,
 * never its path or query (a token may ride there). */
static void test_redirect_named(void **state)
{
	static const struct {
		const char *headers, *want;
	} cases[] = {
	        {"Location: https://user:pw@evil.example:8443/steal?key=sk-test#x\r\n",
	         "redirect to https://evil.example:8443,"},
	        {"Location: /v2/chat/completions?key=1\r\n", "redirect to a relative location"},
	        {"", "redirect to no Location header"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_client *c = client("openai/gpt-4o-mini", 0);
		llmk_request *r = chat();
		llmk_response *resp;
		th_response tr;
		const char *e;

		memset(&tr, 0, sizeof(tr));
		tr.status = 307;
		tr.headers = cases[i].headers;
		th_reset(srv);
		th_push(srv, &tr);
		assert_int_equal(llmk_send(c, r, &resp), LLMK_E_PROTOCOL);
		e = llmk_response_error(resp);
		assert_non_null(strstr(e, "HTTP 307"));
		if (!strstr(e, cases[i].want))
			fail_msg("'%s' does not say '%s'", e, cases[i].want);
		assert_null(strstr(e, "steal"));
		assert_null(strstr(e, "pw@"));
		assert_int_equal(th_request_count(srv), 1);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

/* 501 Not Implemented (and 505) will not change on a retry; 502 may. */
static void test_501_not_retried(void **state)
{
	static const struct {
		int status;
		size_t requests;
	} cases[] = {{501, 1}, {505, 1}, {502, 3}, {500, 3}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_client *c = client("openai/gpt-4o-mini", 2);
		llmk_request *r = chat();
		llmk_response *resp;
		int k;

		th_reset(srv);
		for (k = 0; k < 3; k++)
			th_push_json(srv, cases[i].status, "{\"error\":{\"message\":\"no\"}}");
		assert_int_not_equal(llmk_send(c, r, &resp), LLMK_OK);
		if (th_request_count(srv) != cases[i].requests)
			fail_msg("HTTP %d: %zu requests, wanted %zu", cases[i].status, th_request_count(srv),
			         cases[i].requests);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

/* ---- item 6: streams that end -------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int32_t on_event(const llmk_event *ev, void *user)
{
	(void)ev, (void)user;
	return 0;
}

/* A stream that is only keep-alives -- comments, empty events, blank lines
 * -- trickling in under the idle timeout with no total timeout: it ends by
 * max_events, not after the server's 10 s. */
static void test_keepalives_end(void **state)
{
	static const struct {
		const char *model, *ctype, *unit;
	} cases[] = {
	        {"openai/gpt-4o-mini", "text/event-stream", ":\n"},
	        {"openai/gpt-4o-mini", "text/event-stream", ": keep-alive\n\n"},
	        {"openai/gpt-4o-mini", "text/event-stream", "event: ping\n\n"},
	        {"anthropic/claude-3-5-haiku-latest", "text/event-stream", "id: 7\n"},
	        {"ollama/llama3.2", "application/x-ndjson", "\n"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_client *c = client(cases[i].model, 0);
		llmk_request *r = chat();
		llmk_response *resp;
		th_response tr;
		char hdrs[128], *body;
		size_t ul = strlen(cases[i].unit), k, n = 2000;
		double t0;
		llmk_status st;

		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, 0), LLMK_OK);
		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_IDLE_TIMEOUT_MS, 2000), LLMK_OK);
		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_EVENTS, 50), LLMK_OK);
		body = malloc(n * ul + 1);
		assert_non_null(body);
		for (k = 0; k < n; k++)
			memcpy(body + k * ul, cases[i].unit, ul);
		body[n * ul] = '\0';
		snprintf(hdrs, sizeof(hdrs), "Content-Type: %s\r\n", cases[i].ctype);
		memset(&tr, 0, sizeof(tr));
		tr.status = 200;
		tr.headers = hdrs;
		tr.body = body;
		tr.write_size = ul;
		tr.delay_ms = 5; /* 2000 units: 10 s */
		th_reset(srv);
		th_push(srv, &tr);
		t0 = now_ms();
		st = llmk_stream(c, r, on_event, NULL, &resp);
		if (st != LLMK_E_TOO_LARGE || now_ms() - t0 > 5000)
			fail_msg("%s '%s': %s after %.0f ms: %s", cases[i].model, cases[i].unit, llmk_status_name(st),
			         now_ms() - t0, llmk_response_error(resp));
		assert_non_null(strstr(llmk_response_error(resp), "max_events"));
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
		free(body);
	}
}

/* ---- item 4: numbers from the server ------------------------------------------- */

static void check_usage_sane(const llmk_response *resp, const char *what)
{
	int32_t k;

	for (k = LLMK_USAGE_INPUT; k <= LLMK_USAGE_CACHE_WRITE; k++)
		if (llmk_response_usage(resp, k) < -1)
			fail_msg("%s: usage %d is %lld", what, (int)k, (long long)llmk_response_usage(resp, k));
}

/* Usage counts at INT64_MAX overflowed when summed (the total, OpenAI's
 * reasoning + output); negative ones must read as absent. Under UBSan
 * (halt_on_error) an overflow fails the run. */
static void test_usage_arithmetic(void **state)
{
	static const struct {
		const char *model, *body;
	} cases[] = {
	        {"openai/gpt-4o-mini",
	         "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":"
	         "\"stop\"}],\"usage\":{\"prompt_tokens\":9223372036854775807,\"completion_tokens\":"
	         "9223372036854775807,"
	         "\"total_tokens\":9223372036854775807,\"completion_tokens_details\":{\"reasoning_tokens\":"
	         "9223372036854775807}}}"},
	        {"openai/gpt-4o-mini",
	         "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":"
	         "\"stop\"}],\"usage\":{\"prompt_tokens\":4611686018427387904,\"completion_tokens\":"
	         "4611686018427387904,"
	         "\"completion_tokens_details\":{\"reasoning_tokens\":4611686018427387904}}}"},
	        {"openai/gpt-4o-mini",
	         "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":"
	         "\"stop\"}],\"usage\":{\"prompt_tokens\":-5,\"completion_tokens\":-9223372036854775808}}"},
	        {"anthropic/claude-3-5-haiku-latest",
	         "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],"
	         "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":9223372036854775807,\"output_tokens\":"
	         "9223372036854775807,\"cache_read_input_tokens\":9223372036854775807,\"cache_creation_input_tokens\":"
	         "9223372036854775807}}"},
	        {"ollama/llama3.2",
	         "{\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"done\":true,\"prompt_eval_count\":"
	         "9223372036854775807,\"eval_count\":9223372036854775807}"},
	        {"gemini/gemini-2.0-flash",
	         "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ok\"}],\"role\":\"model\"},\"finishReason\":"
	         "\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":9223372036854775807,\"toolUsePromptTokenCount\":"
	         "9223372036854775807,\"candidatesTokenCount\":9223372036854775807,\"thoughtsTokenCount\":"
	         "9223372036854775807}}"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_client *c = client(cases[i].model, 0);
		llmk_request *r = chat();
		llmk_response *resp;
		llmk_status st;

		th_reset(srv);
		th_push_json(srv, 200, cases[i].body);
		st = llmk_send(c, r, &resp);
		if (st != LLMK_OK)
			fail_msg("case %zu: %s: %s", i, llmk_status_name(st), llmk_response_error(resp));
		assert_string_equal(llmk_response_text(resp), "ok");
		check_usage_sane(resp, cases[i].model);
		if (i == 2) { /* negative counts are absent */
			assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), -1);
			assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), -1);
		}
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

static int32_t huge_usage_send(void *user, const llmk_request *request, const char *model, llmk_reply *reply)
{
	(void)user, (void)request, (void)model;
	llmk_reply_text(reply, "ok", 2);
	llmk_reply_usage(reply, LLMK_USAGE_INPUT, INT64_MAX);
	llmk_reply_usage(reply, LLMK_USAGE_OUTPUT, INT64_MAX);
	llmk_reply_usage(reply, LLMK_USAGE_CACHED_INPUT, -7); /* never negative */
	return llmk_reply_finish(reply, "stop");
}

/* The engine's own total (input + output) saturates: a program's provider
 * can report anything. */
static void test_usage_total_saturates(void **state)
{
	llmk_provider_table t;
	llmk_client *c;
	llmk_request *r = chat();
	llmk_response *resp;

	(void)state;
	llmk_provider_table_init(&t);
	t.send = huge_usage_send;
	t.kinds = 1u << LLMK_CHAT;
	assert_int_equal(llmk_provider_register("hugecounts", &t, NULL), LLMK_OK);
	assert_int_equal(llmk_client_new(&c, "hugecounts/m"), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_true(llmk_response_usage(resp, LLMK_USAGE_TOTAL) == INT64_MAX);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), -1);
	llmk_response_free(resp);
	llmk_client_free(c);
	llmk_request_free(r);
	assert_int_equal(llmk_provider_unregister("hugecounts"), LLMK_OK);
}

/* A number beyond int64 or double in a member the library does not read
 * made the whole answer LLMK_E_PROTOCOL, its text lost. */
static void test_absurd_numbers_keep_the_answer(void **state)
{
	static const char *const bodies[] = {
	        "{\"id\":\"x\",\"created\":1e999,\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
	        "\"content\":\"kept\"},\"finish_reason\":\"stop\",\"logprobs\":{\"x\":-1e999}}]}",
	        "{\"id\":\"x\",\"created\":99999999999999999999999,\"choices\":[{\"index\":0,\"message\":{\"role\":"
	        "\"assistant\",\"content\":\"kept\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1e999,"
	        "\"completion_tokens\":18446744073709551616}}",
	};
	static const char stream[] =
	        "data: "
	        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"kept\"},\"finish_reason\":null}],\"x\":1e999}\n\n"
	        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"created\":"
	        "123456789012345678901234567890}\n\ndata: [DONE]\n\n";
	size_t i;
	llmk_client *c = client("openai/gpt-4o-mini", 0);
	llmk_request *r = chat();
	llmk_response *resp;
	th_response tr;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		th_reset(srv);
		th_push_json(srv, 200, bodies[i]);
		if (llmk_send(c, r, &resp) != LLMK_OK)
			fail_msg("body %zu: %s", i, llmk_response_error(resp));
		assert_string_equal(llmk_response_text(resp), "kept");
		if (i == 1) { /* out of range: not a count */
			assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), -1);
			assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), -1);
		}
		llmk_response_free(resp);
	}
	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: text/event-stream\r\n";
	tr.body = stream;
	th_reset(srv);
	th_push(srv, &tr);
	if (llmk_stream(c, r, on_event, NULL, &resp) != LLMK_OK)
		fail_msg("stream: %s", llmk_response_error(resp));
	assert_string_equal(llmk_response_text(resp), "kept");
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* ---- item 3: element counts and large answers ------------------------------------ */

/* Builds prefix, n copies of unit joined by ',', suffix (caller frees). */
static char *repeat(const char *prefix, const char *unit, size_t n, const char *suffix)
{
	size_t pl = strlen(prefix), ul = strlen(unit), sl = strlen(suffix), i, o = 0;
	char *b = malloc(pl + n * (ul + 1) + sl + 1);

	assert_non_null(b);
	memcpy(b, prefix, pl);
	o = pl;
	for (i = 0; i < n; i++) {
		if (i)
			b[o++] = ',';
		memcpy(b + o, unit, ul);
		o += ul;
	}
	memcpy(b + o, suffix, sl + 1);
	return b;
}

/* More choices, tool calls or images than an answer may have: a clear
 * LLMK_E_TOO_LARGE naming them, not "protocol error" or out of memory. */
static void test_element_counts(void **state)
{
	static const struct {
		const char *prefix, *unit, *suffix, *name;
		int32_t kind;
	} cases[] = {
	        {"{\"choices\":[", "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"}}", "]}",
	         "choices", LLMK_CHAT},
	        {"{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"tool_calls\":[",
	         "{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}",
	         "]},\"finish_reason\":\"tool_calls\"}]}", "tool calls", LLMK_CHAT},
	        {"{\"created\":1,\"data\":[", "{\"url\":\"https://example.com/a.png\"}", "]}", "images", LLMK_IMAGE},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_client *c = client("openai/gpt-4o-mini", 0);
		llmk_request *r;
		llmk_response *resp;
		char *body = repeat(cases[i].prefix, cases[i].unit, 129, cases[i].suffix);
		llmk_status st;

		assert_int_equal(llmk_request_new(&r, cases[i].kind), LLMK_OK);
		if (cases[i].kind == LLMK_CHAT)
			assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"), LLMK_OK);
		else
			assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a cat"), LLMK_OK);
		th_reset(srv);
		th_push_json(srv, 200, body);
		st = llmk_send(c, r, &resp);
		if (st != LLMK_E_TOO_LARGE || !strstr(llmk_response_error(resp), cases[i].name))
			fail_msg("%s: %s: %s", cases[i].name, llmk_status_name(st), llmk_response_error(resp));
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
		free(body);
	}
}

/* Embedding answers with 16-number vectors (packed while parsing) read
 * the same through every adapter's answer shape. */
static void test_packed_embeddings(void **state)
{
	static const char vec[] = "[0.5,-0.25,0.125,1,2,3,4,5,6,7,8,9,10,11,12,-13.5]";
	static const struct {
		const char *model, *before, *after;
	} cases[] = {
	        {"openai/text-embedding-3-small", "{\"data\":[{\"index\":0,\"embedding\":", "}],\"junk\":[{},{}]}"},
	        {"gemini/text-embedding-004", "{\"embedding\":{\"values\":", "}}"},
	        {"ollama/nomic-embed-text", "{\"embeddings\":[", "]}"},
	        {"cohere/embed-english-v3.0", "{\"embeddings\":{\"float\":[", "]}}"},
	        {"bedrock/amazon.titan-embed-text-v2:0", "{\"embedding\":", ",\"inputTextTokenCount\":2}"},
	        {"huggingface/BAAI/bge-small-en-v1.5", "[", "]"},
	        {"huggingface/BAAI/bge-small-en-v1.5", "", ""},
	        {"huggingface/BAAI/bge-small-en-v1.5", "[[", "]]"}, /* per-token vectors: refused */
	};
	static const float want[16] = {0.5f, -0.25f, 0.125f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -13.5f};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char pname[32], body[512];
		llmk_client *c;
		llmk_request *r;
		llmk_response *resp;
		const float *v;

		snprintf(pname, sizeof(pname), "%.*s", (int)strcspn(cases[i].model, "/"), cases[i].model);
		if (llmk_provider_capabilities(pname, LLMK_EMBED) <= 0)
			continue;
		c = client(cases[i].model, 0);
		if (!strcmp(pname, "bedrock"))
			assert_int_equal(llmk_client_set_str(c, LLMK_OPT_AWS_REGION, "us-east-1"), LLMK_OK);
		assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
		assert_int_equal(llmk_request_add_input(r, "hi"), LLMK_OK);
		snprintf(body, sizeof(body), "%s%s%s", cases[i].before, vec, cases[i].after);
		th_reset(srv);
		th_push_json(srv, 200, body);
		if (!strcmp(cases[i].before, "[[")) {
			assert_int_equal(llmk_send(c, r, &resp), LLMK_E_PROTOCOL);
			assert_non_null(strstr(llmk_response_error(resp), "3-level"));
			llmk_response_free(resp);
			llmk_request_free(r);
			llmk_client_free(c);
			continue;
		}
		if (llmk_send(c, r, &resp) != LLMK_OK)
			fail_msg("%s: %s", cases[i].model, llmk_response_error(resp));
		assert_int_equal(llmk_response_embedding_count(resp), 1);
		assert_int_equal(llmk_response_embedding_dim(resp), 16);
		v = llmk_response_embedding(resp, 0);
		for (k = 0; k < 16; k++)
			if (v[k] != want[k])
				fail_msg("%s: [%zu] = %g", cases[i].model, k, (double)v[k]);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_malformed_status_line), cmocka_unit_test(test_huge_header_line),
	        cmocka_unit_test(test_redirect_named),        cmocka_unit_test(test_501_not_retried),
	        cmocka_unit_test(test_keepalives_end),        cmocka_unit_test(test_usage_arithmetic),
	        cmocka_unit_test(test_usage_total_saturates), cmocka_unit_test(test_absurd_numbers_keep_the_answer),
	        cmocka_unit_test(test_element_counts),        cmocka_unit_test(test_packed_embeddings),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
