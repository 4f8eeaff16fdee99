#define _POSIX_C_SOURCE 200809L
/* llmk_count_tokens() through the public API: each provider's counting
 * endpoint gets the chat request as a send would carry it, less what the
 * endpoint does not take, and the count comes back; providers without one
 * answer LLMK_E_UNSUPPORTED without sending; hostile counts are refused.
 * Capture transport; fixtures: tests/data/kinds/README.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "llmkit.h"

#define KEY "tk-test-0123456789abcdef0123456789abcdef"

typedef tu_fixture fixture;

static int setup(void **state)
{
	*state = tu_fixture_new("anthropic/claude-sonnet-4-5", KEY, NULL);
	return 0;
}

/* A chat request with a system prompt, a user turn, sampling options and a
 * tool: what a real agent counts before sending. */
static llmk_request *agent_request(void)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You are a scientist"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Hello, Claude"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 100), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "get_weather", "Weather of a city",
	                                       "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}"),
	                 LLMK_OK);
	return r;
}

static void test_anthropic(void **state)
{
	fixture *f = *state;
	llmk_request *r = agent_request();
	llmk_response *resp;
	int64_t n = 0;
	json_t *sent;
	char *answer = read_data("kinds/anthropic_count_tokens.json", NULL);

	f->cap.resp_body = answer;
	assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_OK);
	assert_int_equal(n, 2095);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 2095);
	assert_string_equal(f->cap.url, "https://api.anthropic.com/v1/messages/count_tokens");
	assert_string_equal(capture_header(&f->cap, "x-api-key"), KEY);
	assert_non_null(capture_header(&f->cap, "anthropic-version"));
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "model"), "claude-sonnet-4-5");
	assert_string_equal(jstr(sent, "system"), "You are a scientist");
	assert_string_equal(jstr(sent, "messages.0.role"), "user");
	assert_string_equal(jstr(sent, "tools.0.name"), "get_weather");
	/* count_tokens takes no max_tokens, sampling or stream. */
	assert_null(jget(sent, "max_tokens"));
	assert_null(jget(sent, "temperature"));
	assert_null(jget(sent, "stream"));
	json_decref(sent);
	llmk_response_free(resp);
	/* out may be NULL. */
	n = 0;
	assert_int_equal(llmk_count_tokens(f->c, r, &n, NULL), LLMK_OK);
	assert_int_equal(n, 2095);
	llmk_request_free(r);
	free(answer);
	assert_true(llmk_provider_capabilities("anthropic", LLMK_CHAT) & LLMK_CAP_COUNT_TOKENS);
}

/* OpenAI Responses API: /responses/input_tokens takes TokenCountsBody
 * only (no max_output_tokens, temperature, store, stream). */
static void test_openai_responses(void **state)
{
	fixture *f = *state;
	llmk_request *r = agent_request();
	llmk_response *resp;
	int64_t n = 0;
	json_t *sent;
	const char *key;
	json_t *v;
	static const char *const allowed[] = {"model",        "input",       "previous_response_id", "tools",
	                                      "text",         "reasoning",   "truncation",           "instructions",
	                                      "conversation", "tool_choice", "parallel_tool_calls",  NULL};
	char *answer = read_data("kinds/openai_input_tokens.json", NULL);

	tu_fixture_use(f, "openai-responses/gpt-5", KEY, NULL);
	f->cap.resp_body = answer;
	assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_OK);
	assert_int_equal(n, 123);
	assert_string_equal(f->cap.url, "https://api.openai.com/v1/responses/input_tokens");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " KEY);
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "model"), "gpt-5");
	assert_non_null(jget(sent, "input"));
	assert_non_null(jget(sent, "tools"));
	json_object_foreach(sent, key, v)
	{
		const char *const *a;
		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (!*a)
			fail_msg("member %s is not in TokenCountsBody", key);
	}
	json_decref(sent);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

static void test_gemini(void **state)
{
	fixture *f = *state;
	llmk_request *r = agent_request();
	llmk_response *resp;
	int64_t n = 0;
	json_t *sent;
	char *answer = read_data("kinds/gemini_count_tokens.json", NULL);

	tu_fixture_use(f, "gemini/gemini-2.5-flash", KEY, NULL);
	f->cap.resp_body = answer;
	assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_OK);
	assert_int_equal(n, 31);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), -1);
	assert_string_equal(f->cap.url,
	                    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:countTokens");
	assert_string_equal(capture_header(&f->cap, "x-goog-api-key"), KEY);
	sent = sent_json(&f->cap);
	assert_int_equal(json_object_size(sent), 1);
	assert_string_equal(jstr(sent, "generateContentRequest.model"), "models/gemini-2.5-flash");
	assert_string_equal(jstr(sent, "generateContentRequest.contents.0.parts.0.text"), "Hello, Claude");
	assert_non_null(jget(sent, "generateContentRequest.systemInstruction"));
	assert_non_null(jget(sent, "generateContentRequest.tools"));
	json_decref(sent);
	llmk_response_free(resp);
	/* With a context cache: the cached part is reported, within the total. */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_CACHED_CONTENT, "cachedContents/abc"), LLMK_OK);
	f->cap.resp_body = "{\"totalTokens\":1031,\"cachedContentTokenCount\":1000}";
	assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_OK);
	assert_int_equal(n, 1031);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 1000);
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "generateContentRequest.cachedContent"), "cachedContents/abc");
	json_decref(sent);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

/* llama-server's /v1/chat/completions/input_tokens: the chat body, not
 * streamed. */
static void test_llamacpp(void **state)
{
	fixture *f = *state;
	llmk_request *r = agent_request();
	llmk_response *resp;
	int64_t n = 0;
	json_t *sent;
	char *answer = read_data("kinds/llamacpp_input_tokens.json", NULL);

	tu_fixture_use(f, "llamacpp/smollm2", NULL, "http://127.0.0.1:8080/v1");
	f->cap.resp_body = answer;
	assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_OK);
	assert_int_equal(n, 17);
	assert_string_equal(f->cap.url, "http://127.0.0.1:8080/v1/chat/completions/input_tokens");
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "messages.1.content"), "Hello, Claude");
	assert_null(jget(sent, "stream"));
	json_decref(sent);
	llmk_response_free(resp);
	/* And through its Responses row. */
	tu_fixture_use(f, "llamacpp-responses/smollm2", NULL, "http://127.0.0.1:8080/v1");
	f->cap.resp_body = answer;
	assert_int_equal(llmk_count_tokens(f->c, r, &n, NULL), LLMK_OK);
	assert_string_equal(f->cap.url, "http://127.0.0.1:8080/v1/responses/input_tokens");
	llmk_request_free(r);
	free(answer);
}

/* Bedrock: CountTokens of the Converse body, signed. */
static void test_bedrock(void **state)
{
	fixture *f = *state;
	llmk_request *r = agent_request();
	llmk_response *resp;
	int64_t n = 0;
	json_t *sent;
	char *answer = read_data("kinds/bedrock_count_tokens.json", NULL);

	tu_fixture_use(f, "bedrock/anthropic.claude-haiku-4-5-20251001-v1:0", NULL, NULL);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_AWS_REGION, "us-east-1"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_AWS_ACCESS_KEY_ID, "AKIDEXAMPLE"), LLMK_OK);
	assert_int_equal(
	        llmk_client_set_str(f->c, LLMK_OPT_AWS_SECRET_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
	        LLMK_OK);
	f->cap.resp_body = answer;
	assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_OK);
	assert_int_equal(n, 19);
	assert_string_equal(f->cap.url, "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
	                                "anthropic.claude-haiku-4-5-20251001-v1%3A0/count-tokens");
	assert_non_null(strstr(capture_header(&f->cap, "Authorization"), "/us-east-1/bedrock/aws4_request"));
	sent = sent_json(&f->cap);
	assert_int_equal(json_object_size(sent), 1);
	assert_int_equal(json_object_size(jget(sent, "input")), 1);
	assert_string_equal(jstr(sent, "input.converse.system.0.text"), "You are a scientist");
	assert_string_equal(jstr(sent, "input.converse.messages.0.content.0.text"), "Hello, Claude");
	assert_non_null(jget(sent, "input.converse.toolConfig"));
	assert_null(jget(sent, "input.converse.inferenceConfig"));
	json_decref(sent);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

/* No counting endpoint: refused before sending, naming the provider and
 * count_tokens; never an estimate. */
static void test_unsupported(void **state)
{
	fixture *f = *state;
	static const char *const models[] = {"openai/gpt-4o-mini", "cohere/command-a-03-2025", "ollama/llama3.2",
	                                     "mistral/mistral-small-latest", "vllm/qwen3"};
	llmk_request *r = agent_request();
	llmk_response *resp;
	int64_t n = 5;
	size_t i;

	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		char want[128];
		tu_fixture_use(f, models[i], KEY, NULL);
		snprintf(want, sizeof(want), "%.*s does not serve count_tokens requests",
		         (int)(strchr(models[i], '/') - models[i]), models[i]);
		assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_E_UNSUPPORTED);
		assert_int_equal(n, -1);
		if (!strstr(llmk_response_error(resp), want))
			fail_msg("error '%s' lacks '%s'", llmk_response_error(resp), want);
		assert_int_equal(f->cap.calls, 0);
		llmk_response_free(resp);
	}
	assert_false(llmk_provider_capabilities("openai", LLMK_CHAT) & LLMK_CAP_COUNT_TOKENS);
	llmk_request_free(r);
	/* Not a chat request; NULL arguments. */
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_E_INVALID_ARG);
	assert_null(resp);
	assert_int_equal(llmk_count_tokens(f->c, NULL, &n, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_count_tokens(NULL, r, &n, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_count_tokens(f->c, r, NULL, NULL), LLMK_E_INVALID_ARG);
	llmk_request_free(r);
	/* LLMK__COUNT_TOKENS is no public kind. */
	assert_int_equal(llmk_request_new(&r, 31), LLMK_E_INVALID_ARG);
}

static void test_hostile(void **state)
{
	fixture *f = *state;
	static const char *const bodies[] = {"{}",
	                                     "{\"input_tokens\":-3}",
	                                     "{\"input_tokens\":\"12\"}",
	                                     "{\"input_tokens\":1.5}",
	                                     "{\"input_tokens\":99999999999999999}",
	                                     "[12]",
	                                     "{\"input_tokens\":12"};
	llmk_request *r = agent_request();
	llmk_response *resp;
	int64_t n;
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		f->cap.resp_body = bodies[i];
		n = 7;
		assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_E_PROTOCOL);
		assert_int_equal(n, -1);
		llmk_response_free(resp);
	}
	/* An error answer is the error, with its status. */
	f->cap.status = 400;
	f->cap.resp_body = "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"messages: "
	                   "at least one message is required\"}}";
	assert_int_equal(llmk_count_tokens(f->c, r, &n, &resp), LLMK_E_BAD_REQUEST);
	assert_non_null(strstr(llmk_response_error(resp), "at least one message is required"));
	assert_int_equal(llmk_response_http_status(resp), 400);
	llmk_response_free(resp);
	f->cap.status = 0;
	llmk_request_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_anthropic, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_openai_responses, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_gemini, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_llamacpp, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_bedrock, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_unsupported, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_hostile, setup, tu_teardown),
	};
	llmk_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
