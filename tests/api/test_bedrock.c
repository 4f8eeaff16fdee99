#define _POSIX_C_SOURCE 200809L
/* Amazon Bedrock over the loopback server (tests/support/httpd.h):
 * Converse request mapping and answers, SigV4 headers checked by signing
 * what the server received again (lib/core/sigv4.c, itself checked against
 * AWS's test suite in tests/unit/test_sigv4.c), Bedrock API keys (Bearer),
 * credentials and region from the environment, ConverseStream event streams
 * (application/vnd.amazon.eventstream) delivered one byte per write, tool
 * use inside streams, every in-stream exception, truncated and corrupted
 * streams, HTTP errors, InvokeModel embeddings and images. Fixtures:
 * tests/data/bedrock/ (README.md there). Links the library's objects
 * (not only the public header) to reach the signer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capture.h"
#include "eventstream.h"
#include "sigv4.h"
#include "httpd.h"
#include "llmkit.h"
#include "testutil.h"

#define MODEL "anthropic.claude-3-5-sonnet-20240620-v1:0"
#define MODEL_PATH "anthropic.claude-3-5-sonnet-20240620-v1%3A0"
#define AKID "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define TOKEN "FwoGZXIvYXdzEXAMPLEsessionTOKEN0123456789abcdef"
#define BEARER "ABSKQmVkcm9ja0FQSUtleS1EXAMPLE0123456789abcdef"
#define EVS                                                                      \
	"Content-Type: application/vnd.amazon.eventstream\r\nx-amzn-RequestId: " \
	"7f3c2a1e-0000-4000-8000-000000000001\r\n"
#define JSONH "Content-Type: application/json\r\nx-amzn-RequestId: 7f3c2a1e-0000-4000-8000-000000000002\r\n"

typedef struct fx {
	th_server *srv;
	llmk_client *c;
	char *logs;
	size_t loglen;
} fx;

static void on_log(int32_t level, const char *line, void *user)
{
	fx *f = user;
	size_t n = strlen(line);
	char *p = realloc(f->logs, f->loglen + n + 2);

	(void)level;
	assert_non_null(p);
	memcpy(p + f->loglen, line, n);
	p[f->loglen + n] = '\n';
	p[f->loglen + n + 1] = '\0';
	f->logs = p;
	f->loglen += n + 1;
}

static void clear_env(void)
{
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_BEARER_TOKEN_BEDROCK");
	unsetenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
}

/* A client signing with a key pair and session token, region us-west-2,
 * answering from the loopback server. */
static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	clear_env();
	f->srv = th_start();
	assert_non_null(f->srv);
	assert_int_equal(llmk_client_new(&f->c, "bedrock/" MODEL), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_BASE_URL, th_url(f->srv)), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_AWS_REGION, "us-west-2"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_AWS_ACCESS_KEY_ID, AKID), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_AWS_SECRET_ACCESS_KEY, SECRET), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_AWS_SESSION_TOKEN, TOKEN), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	assert_int_equal(llmk_client_set_log(f->c, on_log, LLMK_LOG_DEBUG, f), LLMK_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	/* Nothing secret was ever logged. */
	if (f->logs) {
		assert_null(strstr(f->logs, SECRET));
		assert_null(strstr(f->logs, TOKEN));
		assert_null(strstr(f->logs, BEARER));
	}
	llmk_client_free(f->c);
	th_stop(f->srv);
	free(f->logs);
	free(f);
	clear_env();
	return 0;
}

static void push(fx *f, int status, const char *headers, const char *body, size_t len, size_t write_size)
{
	th_response tr;

	memset(&tr, 0, sizeof(tr));
	tr.status = status;
	tr.headers = headers;
	tr.body = body;
	tr.body_len = len;
	tr.chunked = 1;
	tr.write_size = write_size;
	th_push(f->srv, &tr);
}

static void push_file(fx *f, int status, const char *headers, const char *rel, size_t write_size)
{
	size_t len;
	char *body = read_data(rel, &len);

	push(f, status, headers, body, len, write_size);
	free(body);
}

/* Signs the request the server received once more, from what came over the
 * wire, and checks every SigV4 header. */
static void check_signed(const th_request *req)
{
	const char *date = th_request_header(req, "X-Amz-Date"), *hash = th_request_header(req, "X-Amz-Content-Sha256");
	const char *auth = th_request_header(req, "Authorization");
	char body_hash[65], scope[128];
	llmk__header hs[5];
	llmk__buf want = LLMK__BUF_INIT;
	llmk__sigv4 q;

	assert_non_null(date);
	assert_non_null(hash);
	assert_non_null(auth);
	assert_int_equal(strlen(date), 16);
	assert_int_equal(date[8], 'T');
	assert_int_equal(date[15], 'Z');
	llmk__sha256_hex(req->body, req->body_len, body_hash);
	assert_string_equal(hash, body_hash);
	assert_string_equal(th_request_header(req, "X-Amz-Security-Token"), TOKEN);
	snprintf(scope, sizeof(scope), "AWS4-HMAC-SHA256 Credential=" AKID "/%.8s/us-west-2/bedrock/aws4_request, ",
	         date);
	assert_true(!strncmp(auth, scope, strlen(scope)));
	hs[0].name = (char *)"Content-Type";
	hs[0].value = (char *)th_request_header(req, "Content-Type");
	hs[1].name = (char *)"Host";
	hs[1].value = (char *)th_request_header(req, "Host");
	hs[2].name = (char *)"X-Amz-Content-Sha256";
	hs[2].value = (char *)hash;
	hs[3].name = (char *)"X-Amz-Date";
	hs[3].value = (char *)date;
	hs[4].name = (char *)"X-Amz-Security-Token";
	hs[4].value = (char *)TOKEN;
	memset(&q, 0, sizeof(q));
	q.method = req->method;
	q.path = req->target;
	q.headers = hs;
	q.nheaders = 5;
	q.payload_hash = body_hash;
	q.amz_date = date;
	q.region = "us-west-2";
	q.service = "bedrock";
	assert_int_equal(llmk__sigv4_authorization(&q, AKID, SECRET, &want), 0);
	assert_string_equal(auth, want.data);
	assert_non_null(
	        strstr(auth, "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "));
	llmk__buf_free(&want);
}

static json_t *body_json(const th_request *req)
{
	json_error_t err;
	json_t *j = json_loadb((const char *)req->body, req->body_len, 0, &err);

	if (!j)
		fail_msg("request body is not JSON: %s", err.text);
	return j;
}

/* ---- Converse ------------------------------------------------------------ */

static void test_converse_request_and_answer(void **state)
{
	fx *f = *state;
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
	llmk_request *r;
	llmk_response *resp;
	const th_request *req;
	json_t *j;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Be brief."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "What is this?"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_data(r, png, sizeof(png), "image/png"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Be quick."), LLMK_OK); /* merged */
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Looking."), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "tooluse_1", "lookup", "{\"q\":\"cat\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "tooluse_1", "a cat"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "lookup", "Looks things up",
	                                       "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "lookup"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 64), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.25), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TOP_P, 0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "END"), LLMK_OK);
	/* a header of the caller's: sent, outside the signature */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "X-Trace-Id: t-1"), LLMK_OK);

	push_file(f, 200, JSONH, "bedrock/converse.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "Paris is the capital of France.");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_string_equal(llmk_response_finish_reason(resp), "end_turn");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 2014); /* 14 + 1800 read + 200 written */
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 1800);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHE_WRITE), 200);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 9);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 2023);
	assert_string_equal(llmk_response_request_id(resp), "7f3c2a1e-0000-4000-8000-000000000002");
	llmk_response_free(resp);

	req = th_request_at(f->srv, 0);
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->target, "/model/" MODEL_PATH "/converse");
	assert_string_equal(th_request_header(req, "Content-Type"), "application/json");
	assert_string_equal(th_request_header(req, "Accept"), "application/json");
	assert_string_equal(th_request_header(req, "X-Trace-Id"), "t-1");
	check_signed(req);
	j = body_json(req);
	assert_null(json_object_get(j, "modelId")); /* in the path only */
	assert_string_equal(jstr(j, "system.0.text"), "Be brief.");
	assert_int_equal(json_array_size(json_object_get(j, "messages")), 3);
	assert_string_equal(jstr(j, "messages.0.role"), "user");
	assert_string_equal(jstr(j, "messages.0.content.0.text"), "What is this?");
	assert_string_equal(jstr(j, "messages.0.content.1.image.format"), "png");
	assert_string_equal(jstr(j, "messages.0.content.1.image.source.bytes"), "iVBORw0KGgo=");
	assert_string_equal(jstr(j, "messages.0.content.2.text"), "Be quick.");
	assert_string_equal(jstr(j, "messages.1.role"), "assistant");
	assert_string_equal(jstr(j, "messages.1.content.0.text"), "Looking.");
	assert_string_equal(jstr(j, "messages.1.content.1.toolUse.toolUseId"), "tooluse_1");
	assert_string_equal(jstr(j, "messages.1.content.1.toolUse.name"), "lookup");
	assert_string_equal(jstr(j, "messages.1.content.1.toolUse.input.q"), "cat");
	assert_string_equal(jstr(j, "messages.2.role"), "user");
	assert_string_equal(jstr(j, "messages.2.content.0.toolResult.toolUseId"), "tooluse_1");
	assert_string_equal(jstr(j, "messages.2.content.0.toolResult.content.0.text"), "a cat");
	assert_int_equal(jint(j, "inferenceConfig.maxTokens"), 64);
	assert_true(jnum(j, "inferenceConfig.temperature") == 0.25);
	assert_true(jnum(j, "inferenceConfig.topP") == 0.5);
	assert_string_equal(jstr(j, "inferenceConfig.stopSequences.0"), "END");
	assert_string_equal(jstr(j, "toolConfig.tools.0.toolSpec.name"), "lookup");
	assert_string_equal(jstr(j, "toolConfig.tools.0.toolSpec.description"), "Looks things up");
	assert_string_equal(jstr(j, "toolConfig.tools.0.toolSpec.inputSchema.json.type"), "object");
	assert_string_equal(jstr(j, "toolConfig.toolChoice.tool.name"), "lookup");
	json_decref(j);
	llmk_request_free(r);
}

static void test_converse_tool_use(void **state)
{
	fx *f = *state;
	llmk_request *r = chat_request("weather in Paris?");
	llmk_response *resp;

	push_file(f, 200, JSONH, "bedrock/converse_tool_use.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "I'll look that up.");
	assert_string_equal(llmk_response_reasoning(resp), "The user wants the weather.");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
	assert_int_equal(llmk_response_tool_call_count(resp), 1);
	assert_string_equal(llmk_response_tool_call_id(resp, 0), "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
	assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_weather");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"city\":\"Paris\",\"unit\":\"c\"}");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 410);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_bearer_api_key(void **state)
{
	fx *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	const th_request *req;

	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_API_KEY, BEARER), LLMK_OK);
	push_file(f, 200, JSONH, "bedrock/converse.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	req = th_request_at(f->srv, 0);
	assert_string_equal(th_request_header(req, "Authorization"), "Bearer " BEARER);
	assert_null(th_request_header(req, "X-Amz-Date"));
	assert_null(th_request_header(req, "X-Amz-Security-Token"));
	llmk_request_free(r);
}

/* AWS_* variables, as the AWS SDKs read them; the default endpoint takes
 * the region; no credentials and no region are clear errors. */
static void test_environment(void **state)
{
	fx *f = *state;
	llmk_client *c;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	const th_request *req;

	(void)f;
	setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
	setenv("AWS_ACCESS_KEY_ID", AKID, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_SESSION_TOKEN", TOKEN, 1);
	setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", th_url(f->srv), 1);
	assert_int_equal(llmk_client_new(&c, "bedrock/" MODEL), LLMK_OK);
	assert_string_equal(llmk_client_base_url(c), th_url(f->srv));
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	push_file(f, 200, JSONH, "bedrock/converse.json", 0);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	req = th_request_at(f->srv, 0);
	assert_non_null(strstr(th_request_header(req, "Authorization"), "/eu-central-1/bedrock/aws4_request"));
	assert_string_equal(th_request_header(req, "X-Amz-Security-Token"), TOKEN);
	llmk_client_free(c);

	/* AWS_REGION wins over AWS_DEFAULT_REGION; the default endpoint. */
	unsetenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
	setenv("AWS_REGION", "us-east-2", 1);
	assert_int_equal(llmk_client_new(&c, "bedrock/" MODEL), LLMK_OK);
	assert_string_equal(llmk_client_base_url(c), "https://bedrock-runtime.{region}.amazonaws.com");
	llmk_client_free(c);

	/* No region, default endpoint. */
	clear_env();
	setenv("AWS_BEARER_TOKEN_BEDROCK", BEARER, 1);
	assert_int_equal(llmk_client_new(&c, "bedrock/" MODEL), LLMK_OK);
	assert_true(llmk_client_has_api_key(c));
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_CONFIG);
	assert_non_null(strstr(llmk_response_error(resp), "AWS_REGION"));
	llmk_response_free(resp);
	/* A region that is not one cannot reach a host name. */
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_AWS_REGION, "us-east-1.evil.example/"), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_CONFIG);
	llmk_response_free(resp);
	llmk_client_free(c);

	/* No credentials at all. */
	clear_env();
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_ACCESS_KEY_ID", AKID, 1); /* half a key pair */
	assert_int_equal(llmk_client_new(&c, "bedrock/" MODEL), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(f->srv)), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_AUTH);
	assert_non_null(strstr(llmk_response_error(resp), "AWS_SECRET_ACCESS_KEY"));
	llmk_response_free(resp);
	llmk_client_free(c);
	assert_int_equal(th_request_count(f->srv), 1); /* none of the failures went out */
	llmk_request_free(r);
}

/* ---- ConverseStream -------------------------------------------------------- */

static void test_stream_text_byte_by_byte(void **state)
{
	fx *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	const th_request *req;
	tu_events e;

	push_file(f, 200, EVS, "bedrock/stream.bin", 1);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
	assert_string_equal(e.text, "Hello, world");
	assert_string_equal(e.runs, "TUD");
	assert_int_equal(e.usage_in, 12);
	assert_int_equal(e.usage_out, 7);
	assert_string_equal(llmk_response_text(resp), "Hello, world");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 19);
	llmk_response_free(resp);
	req = th_request_at(f->srv, 0);
	assert_string_equal(req->target, "/model/" MODEL_PATH "/converse-stream");
	assert_string_equal(th_request_header(req, "Accept"), "application/vnd.amazon.eventstream");
	check_signed(req);
	llmk_request_free(r);
}

static void test_stream_tool_use(void **state)
{
	fx *f = *state;
	llmk_request *r = chat_request("weather and time?");
	llmk_response *resp;
	size_t step;
	tu_events e;

	for (step = 1; step <= 64; step *= 4) {
		push_file(f, 200, EVS, "bedrock/stream_tools.bin", step);
		tu_events_init(&e, TU_EV_ALL);
		assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
		assert_string_equal(e.text, "Let me check.");
		assert_int_equal(llmk_response_tool_call_count(resp), 2);
		assert_string_equal(llmk_response_tool_call_id(resp, 0), "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
		assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_weather");
		assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"city\":\"Paris\",\"unit\":\"c\"}");
		assert_string_equal(llmk_response_tool_call_id(resp, 1), "tooluse_2nd0VnBxT8mS0YyX1c5fQw");
		assert_string_equal(llmk_response_tool_call_name(resp, 1), "get_time");
		assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"tz\":\"CET\"}");
		assert_string_equal(e.tool_args[0], "{\"city\":\"Paris\",\"unit\":\"c\"}");
		assert_string_equal(e.tool_name[1], "get_time");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 96);
		assert_int_equal(e.ndone, 1);
		llmk_response_free(resp);
	}
	llmk_request_free(r);
}

static void test_stream_exceptions(void **state)
{
	static const struct {
		const char *name;
		llmk_status st;
		const char *msg;
	} cases[] = {
	        {"throttlingException", LLMK_E_RATE_LIMITED, "Too many requests"},
	        {"modelStreamErrorException", LLMK_E_SERVER, "failed to continue the stream"},
	        {"validationException", LLMK_E_BAD_REQUEST, "Input is malformed"},
	        {"internalServerException", LLMK_E_SERVER, "internal error"},
	        {"serviceUnavailableException", LLMK_E_OVERLOADED, "unavailable"},
	};
	fx *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	char rel[96];
	size_t i;
	tu_events e;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rel, sizeof(rel), "bedrock/stream_%s.bin", cases[i].name);
		push_file(f, 200, EVS, rel, 7);
		tu_events_init(&e, TU_EV_ALL);
		assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), cases[i].st);
		assert_string_equal(e.text, "Partial");
		assert_non_null(strstr(llmk_response_error(resp), cases[i].msg));
		assert_string_equal(llmk_response_error_type(resp), cases[i].name);
		assert_int_equal(e.ndone, 0);
		llmk_response_free(resp);
	}
	llmk_request_free(r);
}

static void test_stream_broken(void **state)
{
	fx *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	size_t len;
	char *body;
	tu_events e;

	/* cut inside a message */
	push_file(f, 200, EVS, "bedrock/stream_truncated.bin", 5);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "ends inside a message"));
	llmk_response_free(resp);

	/* one payload byte changed: the message CRC catches it */
	body = read_data("bedrock/stream.bin", &len);
	body[len / 2] ^= 0x20;
	push(f, 200, EVS, body, len, 3);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "CRC"));
	llmk_response_free(resp);
	free(body);

	/* a message larger than max_line_bytes: refused at its prelude */
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_MAX_LINE_BYTES, 1024), LLMK_OK);
	{
		static uint8_t big[2000]; /* announces 2000 bytes, prelude CRC right */
		uint32_t crc;

		memset(big, ' ', sizeof(big));
		memcpy(big, "\x00\x00\x07\xd0\x00\x00\x00\x00", 8);
		crc = llmk__crc32(0, big, 8);
		big[8] = (uint8_t)(crc >> 24);
		big[9] = (uint8_t)(crc >> 16);
		big[10] = (uint8_t)(crc >> 8);
		big[11] = (uint8_t)crc;
		push(f, 200, EVS, (const char *)big, sizeof(big), 0);
	}
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_TOO_LARGE);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- HTTP errors ------------------------------------------------------------- */

static void test_http_errors(void **state)
{
	static const struct {
		int http;
		const char *type, *file;
		llmk_status st;
	} cases[] = {
	        {400, "ValidationException", "bedrock/error_400_validation.json", LLMK_E_BAD_REQUEST},
	        {400, "ValidationException", "bedrock/error_400_too_long.json", LLMK_E_CONTEXT_LENGTH},
	        {403, "AccessDeniedException", "bedrock/error_403_access_denied.json", LLMK_E_PERMISSION},
	        {403, "InvalidSignatureException", "bedrock/error_403_signature.json", LLMK_E_AUTH},
	        {429, "ThrottlingException", "bedrock/error_429_throttling.json", LLMK_E_RATE_LIMITED},
	};
	fx *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	char headers[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(headers, sizeof(headers),
		         "Content-Type: application/json\r\nx-amzn-ErrorType: %s:http://internal.amazon.com/coral/"
		         "com.amazon.bedrock/\r\nx-amzn-RequestId: req-%zu\r\n",
		         cases[i].type, i);
		push_file(f, cases[i].http, headers, cases[i].file, 0);
		assert_int_equal(llmk_send(f->c, r, &resp), cases[i].st);
		assert_int_equal(llmk_response_http_status(resp), cases[i].http);
		assert_string_equal(llmk_response_error_type(resp), cases[i].type);
		assert_null(strstr(llmk_response_error(resp), SECRET));
		llmk_response_free(resp);
	}
	llmk_request_free(r);
}

/* A service echoing the credentials it rejected: they leave the error
 * text (and the log lines, checked at teardown). */
static void test_echoed_credentials_redacted(void **state)
{
	static const char body[] =
	        "{\"message\":\"The security token " TOKEN " is expired; secret " SECRET " rejected\"}";
	fx *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;

	push(f, 403, "Content-Type: application/json\r\nx-amzn-ErrorType: ExpiredTokenException\r\n", body,
	     sizeof(body) - 1, 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_AUTH);
	assert_non_null(strstr(llmk_response_error(resp), "is expired"));
	assert_null(strstr(llmk_response_error(resp), TOKEN));
	assert_null(strstr(llmk_response_error(resp), SECRET));
	assert_non_null(strstr(llmk_response_error(resp), "[REDACTED]"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- InvokeModel ------------------------------------------------------------ */

static void test_embeddings(void **state)
{
	fx *f = *state;
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	const th_request *req;
	json_t *j;

	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_MODEL, "amazon.titan-embed-text-v2:0"), LLMK_OK);
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "hello"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DIMENSIONS, 256), LLMK_OK);
	push_file(f, 200, JSONH, "bedrock/embed_titan.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_embedding_count(resp), 1);
	assert_int_equal(llmk_response_embedding_dim(resp), 4);
	assert_true(llmk_response_embedding(resp, 0)[1] == -0.25f);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 5);
	llmk_response_free(resp);
	req = th_request_at(f->srv, 0);
	assert_string_equal(req->target, "/model/amazon.titan-embed-text-v2%3A0/invoke");
	check_signed(req);
	j = body_json(req);
	assert_string_equal(jstr(j, "inputText"), "hello");
	assert_int_equal(jint(j, "dimensions"), 256);
	json_decref(j);
	/* Titan embeds one text per call */
	assert_int_equal(llmk_request_add_input(r, "world"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* Cohere: a batch, input_type */
	assert_int_equal(llmk_client_new(&c, "bedrock/cohere.embed-english-v3"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(f->srv)), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, BEARER), LLMK_OK);
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "hello"), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "world"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_EMBED_INPUT_TYPE, "search_query"), LLMK_OK);
	push_file(f, 200, JSONH, "bedrock/embed_cohere.json", 0);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_embedding_count(resp), 2);
	assert_int_equal(llmk_response_embedding_dim(resp), 3);
	assert_true(llmk_response_embedding(resp, 1)[2] == 0.6f);
	llmk_response_free(resp);
	req = th_request_at(f->srv, 1);
	assert_string_equal(req->target, "/model/cohere.embed-english-v3/invoke");
	j = body_json(req);
	assert_string_equal(jstr(j, "texts.1"), "world");
	assert_string_equal(jstr(j, "input_type"), "search_query");
	json_decref(j);
	llmk_request_free(r);
	llmk_client_free(c);
}

static void test_images(void **state)
{
	fx *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const th_request *req;
	const uint8_t *data;
	size_t len;
	json_t *j;

	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_MODEL, "amazon.titan-image-generator-v2:0"), LLMK_OK);
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a lighthouse at dusk"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_IMAGE_COUNT, 2), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, "1024x768"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_QUALITY, "hd"), LLMK_OK);
	push_file(f, 200, JSONH, "bedrock/image_titan.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_image_count(resp), 2);
	data = llmk_response_image_data(resp, 1, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(data, "\x89PNG\r\n\x1a\n", 8);
	llmk_response_free(resp);
	req = th_request_at(f->srv, 0);
	j = body_json(req);
	assert_string_equal(jstr(j, "taskType"), "TEXT_IMAGE");
	assert_string_equal(jstr(j, "textToImageParams.text"), "a lighthouse at dusk");
	assert_int_equal(jint(j, "imageGenerationConfig.numberOfImages"), 2);
	assert_int_equal(jint(j, "imageGenerationConfig.width"), 1024);
	assert_int_equal(jint(j, "imageGenerationConfig.height"), 768);
	assert_string_equal(jstr(j, "imageGenerationConfig.quality"), "premium");
	json_decref(j);
	llmk_request_free(r);

	/* Stability SDXL */
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_MODEL, "stability.stable-diffusion-xl-v1"), LLMK_OK);
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a fox"), LLMK_OK);
	push_file(f, 200, JSONH, "bedrock/image_sdxl.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_image_count(resp), 1);
	llmk_response_free(resp);
	j = body_json(th_request_at(f->srv, 1));
	assert_string_equal(jstr(j, "text_prompts.0.text"), "a fox");
	json_decref(j);

	/* Stable Image Ultra */
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_MODEL, "stability.stable-image-ultra-v1:1"), LLMK_OK);
	push_file(f, 200, JSONH, "bedrock/image_stability.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_image_count(resp), 1);
	llmk_response_free(resp);
	j = body_json(th_request_at(f->srv, 2));
	assert_string_equal(jstr(j, "prompt"), "a fox");
	assert_string_equal(jstr(j, "output_format"), "png");
	json_decref(j);
	llmk_request_free(r);
}

/* ---- the next turn: llmk_request_add_response() ------------------------- */

/* The last request the server received, as JSON. */
static json_t *last_body(fx *f)
{
	return body_json(th_request_at(f->srv, th_request_count(f->srv) - 1));
}

/* Reasoning with its signature goes back first and unchanged, then a
 * redacted block as it came, the text, the call; the result follows. */
static void test_add_response_reasoning(void **state)
{
	fx *f = *state;
	llmk_request *r = chat_request("weather in Paris?");
	llmk_response *resp;
	tu_events e;
	json_t *j;

	push_file(f, 200, JSONH, "bedrock/converse_tool_use.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "18 C"), LLMK_OK);
	llmk_response_free(resp);
	push_file(f, 200, JSONH, "bedrock/converse.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	j = last_body(f);
	assert_string_equal(jstr(j, "messages.1.role"), "assistant");
	assert_int_equal(json_array_size(jget(j, "messages.1.content")), 3);
	assert_string_equal(jstr(j, "messages.1.content.0.reasoningContent.reasoningText.text"),
	                    "The user wants the weather.");
	assert_string_equal(jstr(j, "messages.1.content.0.reasoningContent.reasoningText.signature"),
	                    "EqoBCkgIARABGAIiQL5s");
	assert_string_equal(jstr(j, "messages.1.content.1.text"), "I'll look that up.");
	assert_string_equal(jstr(j, "messages.1.content.2.toolUse.toolUseId"), "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
	assert_string_equal(jstr(j, "messages.2.content.0.toolResult.toolUseId"), "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
	json_decref(j);
	llmk_request_free(r);

	for (size_t step = 1; step <= 49; step *= 7) {
		r = chat_request("weather in Paris?");
		push_file(f, 200, EVS, "bedrock/stream_reasoning_tools.bin", step);
		tu_events_init(&e, TU_EV_ALL);
		assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
		assert_string_equal(e.reasoning, "The user wants the weather in Paris.");
		assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
		assert_int_equal(llmk_request_add_tool_result(r, "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "18 C"), LLMK_OK);
		llmk_response_free(resp);
		push_file(f, 200, JSONH, "bedrock/converse.json", 0);
		assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
		llmk_response_free(resp);
		j = last_body(f);
		assert_int_equal(json_array_size(jget(j, "messages.1.content")), 4);
		assert_string_equal(jstr(j, "messages.1.content.0.reasoningContent.reasoningText.text"),
		                    "The user wants the weather in Paris.");
		assert_string_equal(jstr(j, "messages.1.content.0.reasoningContent.reasoningText.signature"),
		                    "EqoBCkgIARABGAIiQBedrockSig");
		assert_string_equal(jstr(j, "messages.1.content.1.reasoningContent.redactedContent"),
		                    "RWR1Y2F0ZWQgZ3Vlc3M=");
		assert_string_equal(jstr(j, "messages.1.content.2.text"), "I'll look that up.");
		assert_string_equal(jstr(j, "messages.1.content.3.toolUse.name"), "get_weather");
		assert_string_equal(jstr(j, "messages.1.content.3.toolUse.input.city"), "Paris");
		json_decref(j);
		llmk_request_free(r);
	}
}

/* Prompt caching: a CachePointBlock ({"cachePoint": {"type": "default",
 * "ttl": ...}}, API reference "CachePointBlock") closes system[], the tool
 * list and the last message for cache_system / _tools / _messages, inside
 * the signed body. */
static void test_cache_points(void **state)
{
	fx *f = *state;
	llmk_request *r = chat_request("What is in the report?");
	llmk_response *resp;
	json_t *j;

	llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You read long reports.");
	llmk_request_add_tool(r, "lookup", NULL, NULL);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_CACHE_SYSTEM, "1h"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_CACHE_TOOLS, "1h"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_CACHE_MESSAGES, "5m"), LLMK_OK);
	push_file(f, 200, JSONH, "bedrock/converse.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_dropped(resp), "");
	llmk_response_free(resp);
	check_signed(th_request_at(f->srv, 0));
	j = last_body(f);
	assert_int_equal(json_array_size(jget(j, "system")), 2);
	assert_string_equal(jstr(j, "system.0.text"), "You read long reports.");
	assert_string_equal(jstr(j, "system.1.cachePoint.type"), "default");
	assert_string_equal(jstr(j, "system.1.cachePoint.ttl"), "1h");
	assert_int_equal(json_object_size(jget(j, "system.1")), 1);
	assert_int_equal(json_array_size(jget(j, "toolConfig.tools")), 2);
	assert_string_equal(jstr(j, "toolConfig.tools.0.toolSpec.name"), "lookup");
	assert_string_equal(jstr(j, "toolConfig.tools.1.cachePoint.ttl"), "1h");
	assert_int_equal(json_array_size(jget(j, "messages.0.content")), 2);
	assert_string_equal(jstr(j, "messages.0.content.0.text"), "What is in the report?");
	assert_string_equal(jstr(j, "messages.0.content.1.cachePoint.type"), "default");
	assert_string_equal(jstr(j, "messages.0.content.1.cachePoint.ttl"), "5m");
	json_decref(j);
	llmk_request_free(r);

	/* nothing to close: no block */
	r = chat_request("hi");
	llmk_request_set_str(r, LLMK_OPT_CACHE_SYSTEM, "5m");
	llmk_request_set_str(r, LLMK_OPT_CACHE_TOOLS, "5m");
	push_file(f, 200, JSONH, "bedrock/converse.json", 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	j = last_body(f);
	assert_null(jget(j, "system"));
	assert_null(jget(j, "toolConfig"));
	assert_int_equal(json_array_size(jget(j, "messages.0.content")), 1);
	json_decref(j);
	llmk_request_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_converse_request_and_answer, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_converse_tool_use, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_add_response_reasoning, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bearer_api_key, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_text_byte_by_byte, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_tool_use, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_exceptions, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_broken, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_http_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_echoed_credentials_redacted, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_embeddings, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_images, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cache_points, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
