#define _POSIX_C_SOURCE 200809L
/* The OpenAI Responses API (openai-responses/ and its presets) through the
 * public header: the request a conversation becomes (instructions, input
 * items, function tools with strict where the schema allows it, text.format,
 * reasoning, store/include, previous_response_id), whole answers (reasoning
 * items, calls, refusals, incomplete and failed responses), every stream
 * fixture in every split, and the stateless agent loop: each output item
 * goes back unchanged. Fixtures: tests/data/responses (README.md there). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "llmkit.h"

#define KEY "sk-test-0123456789abcdef0123456789abcdef"
#define BASE "https://api.example.invalid/v1"

#define RS1 "rs_68d9303e94ac819ead3d9e066f405eae0000000000000001"
#define ENC_DONE "gAAAAABo_reasoning-step-1-encrypted-made-up-for-tests_D1"
#define FC1 "fc_68d9303fe7fc819ea999bda4361740420000000000000001"
#define FC2 "fc_68d9303fe7fc819ea999bda4361740420000000000000002"
#define CALL1 "call_5dp5Uj0Loqn1YcyIpqSq6sLX"
#define CALL2 "call_Zx81bVQ3mU2nJd5Hk0aTqWeR"
#define MSG "msg_68d930427844819ebda216a5dcfbec460000000000000001"
#define SUMMARY "**Two lookups**\n\nThe user wants the weather and the time.\n\n**Order**\n\nWeather first."
#define ANSWER "It is 18 C and 14:05 in Paris."
#define REFUSAL "I'm sorry, I can't help with that."

typedef tu_fixture fixture;

static int setup(void **state)
{
	*state = tu_fixture_new("openai-responses/gpt-5", KEY, BASE);
	return 0;
}

static void answer(fixture *f, const char *file)
{
	free(f->owned);
	f->owned = read_data(file, NULL);
	f->cap.resp_body = f->owned;
	f->cap.resp_headers = TU_JSON;
	f->cap.write_size = 0;
	f->cap.status = 0;
}

static llmk_response *send_ok(fixture *f, llmk_request *r, const char *file)
{
	llmk_response *resp;

	answer(f, file);
	if (llmk_send(f->c, r, &resp) != LLMK_OK)
		fail_msg("send failed: %s", llmk_response_error(resp));
	return resp;
}

/* ---- request mapping ---------------------------------------------------- */

#define STRICT_SCHEMA                                                                                           \
	"{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"},\"days\":{\"type\":\"array\"," \
	"\"items\":{\"type\":\"object\",\"properties\":{\"d\":{\"type\":\"integer\"}},\"required\":[\"d\"],"    \
	"\"additionalProperties\":false}}},\"required\":[\"location\",\"days\"],\"additionalProperties\":false}"
/* the nested object is open: strict mode would refuse it */
#define LOOSE_SCHEMA                                                                                           \
	"{\"type\":\"object\",\"properties\":{\"tz\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":" \
	"\"string\"}}}},\"required\":[\"tz\"],\"additionalProperties\":false}"

static void test_request_body(void **state)
{
	fixture *f = *state;
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
	llmk_response *resp;
	llmk_request *r;
	json_t *j;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Be brief."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "What is this?"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_url(r, "https://example.invalid/cat.jpg", "low"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_data(r, png, sizeof(png), "image/png"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_DEVELOPER, "Use tools."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Looking."), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "call_1", "get_weather", "{\"location\":\"Paris\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "call_1", "{\"temp_c\":18}"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Thanks"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "get_weather", "Weather by place", STRICT_SCHEMA), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "get_time", NULL, LOOSE_SCHEMA), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "ping", NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "get_time"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, "{\"type\":\"object\"}"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA_NAME, "answer"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 300), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.25), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TOP_P, 0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "xhigh"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_SUMMARY, "detailed"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_STORE, 0), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_USER, "user-42"), LLMK_OK);
	assert_int_equal(llmk_request_set_extra_json(r, "{\"parallel_tool_calls\":false}"), LLMK_OK);

	resp = send_ok(f, r, "responses/response_text.json");
	llmk_response_free(resp);
	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, BASE "/responses");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " KEY);
	assert_string_equal(capture_header(&f->cap, "Accept"), "application/json");
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "model"), "gpt-5");
	assert_string_equal(jstr(j, "instructions"), "Be brief.\n\nUse tools.");
	assert_int_equal(json_array_size(jget(j, "input")), 5);
	assert_string_equal(jstr(j, "input.0.role"), "user");
	assert_string_equal(jstr(j, "input.0.content.0.type"), "input_text");
	assert_string_equal(jstr(j, "input.0.content.0.text"), "What is this?");
	assert_string_equal(jstr(j, "input.0.content.1.type"), "input_image");
	assert_string_equal(jstr(j, "input.0.content.1.image_url"), "https://example.invalid/cat.jpg");
	assert_string_equal(jstr(j, "input.0.content.1.detail"), "low");
	assert_string_equal(jstr(j, "input.0.content.2.image_url"), "data:image/png;base64,iVBORw0KGgo=");
	assert_string_equal(jstr(j, "input.0.content.2.detail"), "auto"); /* required by the spec */
	assert_string_equal(jstr(j, "input.1.role"), "assistant");
	assert_string_equal(jstr(j, "input.1.content"), "Looking.");
	assert_string_equal(jstr(j, "input.2.type"), "function_call");
	assert_string_equal(jstr(j, "input.2.call_id"), "call_1");
	assert_string_equal(jstr(j, "input.2.name"), "get_weather");
	assert_string_equal(jstr(j, "input.2.arguments"), "{\"location\":\"Paris\"}");
	assert_string_equal(jstr(j, "input.3.type"), "function_call_output");
	assert_string_equal(jstr(j, "input.3.call_id"), "call_1");
	assert_string_equal(jstr(j, "input.3.output"), "{\"temp_c\":18}");
	assert_string_equal(jstr(j, "input.4.content"), "Thanks");
	assert_int_equal(json_array_size(jget(j, "tools")), 3);
	assert_string_equal(jstr(j, "tools.0.type"), "function");
	assert_string_equal(jstr(j, "tools.0.name"), "get_weather");
	assert_string_equal(jstr(j, "tools.0.description"), "Weather by place");
	assert_true(json_is_true(jget(j, "tools.0.strict")));
	assert_string_equal(jstr(j, "tools.0.parameters.properties.location.type"), "string");
	assert_true(json_is_false(jget(j, "tools.1.strict")));
	assert_null(jget(j, "tools.1.description"));
	assert_true(json_is_false(jget(j, "tools.2.strict")));
	assert_string_equal(jstr(j, "tools.2.parameters.type"), "object");
	assert_string_equal(jstr(j, "tool_choice.type"), "function");
	assert_string_equal(jstr(j, "tool_choice.name"), "get_time");
	assert_string_equal(jstr(j, "text.format.type"), "json_schema");
	assert_string_equal(jstr(j, "text.format.name"), "answer");
	assert_string_equal(jstr(j, "text.format.schema.type"), "object");
	assert_true(json_is_true(jget(j, "text.format.strict")));
	assert_int_equal(jint(j, "max_output_tokens"), 300);
	assert_null(jget(j, "max_tokens"));
	assert_true(fabs(jnum(j, "temperature") - 0.25) < 1e-12);
	assert_true(fabs(jnum(j, "top_p") - 0.5) < 1e-12);
	assert_string_equal(jstr(j, "reasoning.effort"), "xhigh");
	assert_string_equal(jstr(j, "reasoning.summary"), "detailed");
	assert_true(json_is_false(jget(j, "store")));
	assert_string_equal(jstr(j, "include.0"), "reasoning.encrypted_content");
	assert_string_equal(jstr(j, "safety_identifier"), "user-42");
	assert_null(jget(j, "user"));
	assert_true(json_is_false(jget(j, "parallel_tool_calls")));
	assert_null(jget(j, "stream"));
	json_decref(j);
	llmk_request_free(r);
}

static void test_options(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	json_t *j;

	/* store on: no include; json_object; tool_choice words */
	llmk_request_set_i64(r, LLMK_OPT_STORE, 1);
	llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_object");
	llmk_request_add_tool(r, "f", NULL, NULL);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "required");
	llmk_response_free(send_ok(f, r, "responses/response_text.json"));
	j = sent_json(&f->cap);
	assert_true(json_is_true(jget(j, "store")));
	assert_null(jget(j, "include"));
	assert_string_equal(jstr(j, "text.format.type"), "json_object");
	assert_string_equal(jstr(j, "tool_choice"), "required");
	assert_string_equal(jstr(j, "input.0.content"), "hi");
	assert_null(jget(j, "instructions"));
	json_decref(j);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_STORE, 2), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_SUMMARY, "short"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "extreme"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "nope"), LLMK_OK);
	answer(f, "responses/response_text.json");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* the API has no stop, seed or penalties: refused by name, before sending */
	r = chat_request("hi");
	llmk_request_set_str(r, LLMK_OPT_STOP, "END");
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "openai-responses does not support stop"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	assert_int_equal(llmk_provider_supports_option("openai-responses", LLMK_OPT_SEED), 0);
	assert_int_equal(llmk_provider_supports_option("openai-responses", LLMK_OPT_STORE), 1);
	assert_int_equal(llmk_provider_supports_option("llamacpp-responses", LLMK_OPT_PREVIOUS_RESPONSE_ID), 0);
	assert_true(llmk_features() & LLMK_FEATURE_RESPONSES);
	assert_string_equal(llmk_feature_name(LLMK_FEATURE_RESPONSES), "responses");
}

/* Prompt caching where the API has it: prompt_cache_key and
 * prompt_cache_retention (CreateResponse; the conformance suite has Prism
 * check them against the spec). Anthropic's breakpoints have no
 * counterpart here: refused by name, or dropped and listed on request. */
static void test_prompt_cache(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	json_t *j;

	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT_CACHE_KEY, ""), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT_CACHE_RETENTION, "1h"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT_CACHE_KEY, "conversation-42"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT_CACHE_RETENTION, "in_memory"), LLMK_OK);
	llmk_response_free(send_ok(f, r, "responses/response_text.json"));
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "prompt_cache_key"), "conversation-42");
	assert_string_equal(jstr(j, "prompt_cache_retention"), "in_memory");
	json_decref(j);
	llmk_request_set_str(r, LLMK_OPT_PROMPT_CACHE_RETENTION, NULL);
	llmk_response_free(send_ok(f, r, "responses/response_text.json"));
	j = sent_json(&f->cap);
	assert_null(jget(j, "prompt_cache_retention"));
	json_decref(j);

	llmk_request_set_str(r, LLMK_OPT_CACHE_MESSAGES, "5m");
	answer(f, "responses/response_text.json");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "cache_messages"));
	llmk_response_free(resp);
	llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1);
	resp = send_ok(f, r, "responses/response_text.json");
	assert_string_equal(llmk_response_dropped(resp), "cache_messages");
	llmk_response_free(resp);
	llmk_request_free(r);

	/* the local servers' rows do not take the key: refused by name */
	assert_int_equal(llmk_provider_supports_option("openai-responses", LLMK_OPT_PROMPT_CACHE_KEY), 1);
	assert_int_equal(llmk_provider_supports_option("llamacpp-responses", LLMK_OPT_PROMPT_CACHE_KEY), 0);
	assert_int_equal(llmk_provider_supports_option("openai", LLMK_OPT_PROMPT_CACHE_KEY), 0);
}

/* Azure's v1 API, a local server by base URL and Ollama by OLLAMA_HOST. */
static void test_presets(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");

	tu_fixture_use(f, "azure-responses/my-gpt5-deployment", "azure-key-0123456789", "https://res.openai.azure.com");
	llmk_response_free(send_ok(f, r, "responses/response_text.json"));
	assert_string_equal(f->cap.url, "https://res.openai.azure.com/openai/v1/responses");
	assert_string_equal(capture_header(&f->cap, "api-key"), "azure-key-0123456789");
	assert_null(capture_header(&f->cap, "Authorization"));
	assert_non_null(body_find(&f->cap, "\"model\":\"my-gpt5-deployment\""));
	tu_fixture_use(f, "azure-responses/d", "k", "https://res.openai.azure.com/openai/v1/");
	llmk_response_free(send_ok(f, r, "responses/response_text.json"));
	assert_string_equal(f->cap.url, "https://res.openai.azure.com/openai/v1/responses");

	tu_fixture_use(f, "llamacpp-responses/default", NULL, "http://127.0.0.1:18080/v1");
	llmk_response_free(send_ok(f, r, "responses/response_text.json"));
	assert_string_equal(f->cap.url, "http://127.0.0.1:18080/v1/responses");
	assert_null(capture_header(&f->cap, "Authorization"));
	/* llama-server reads response_format, not text.format (tests/real): its
	 * preset sends both; OpenAI's own gets text.format alone. */
	{
		json_t *j;
		llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, "{\"type\":\"object\"}");
		llmk_response_free(send_ok(f, r, "responses/response_text.json"));
		j = sent_json(&f->cap);
		assert_string_equal(jstr(j, "text.format.type"), "json_schema");
		assert_string_equal(jstr(j, "response_format.type"), "json_schema");
		assert_string_equal(jstr(j, "response_format.json_schema.schema.type"), "object");
		json_decref(j);
		tu_fixture_use(f, "openai-responses/gpt-5", KEY, NULL);
		llmk_response_free(send_ok(f, r, "responses/response_text.json"));
		j = sent_json(&f->cap);
		assert_string_equal(jstr(j, "text.format.type"), "json_schema");
		assert_null(jget(j, "response_format"));
		json_decref(j);
		llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, NULL);
	}

	setenv("OLLAMA_HOST", "127.0.0.1:21434", 1);
	tu_fixture_use(f, "ollama-responses/gpt-oss:20b", NULL, NULL);
	unsetenv("OLLAMA_HOST");
	llmk_response_free(send_ok(f, r, "responses/response_text.json"));
	assert_string_equal(f->cap.url, "http://127.0.0.1:21434/v1/responses");
	llmk_request_free(r);
}

/* ---- answers -------------------------------------------------------------- */

static void check_tools_answer(const llmk_response *resp)
{
	assert_int_equal(llmk_response_status(resp), LLMK_OK);
	assert_string_equal(llmk_response_id(resp), "resp_tools_0001");
	assert_string_equal(llmk_response_model(resp), "gpt-5-2025-08-07");
	assert_string_equal(llmk_response_text(resp), "");
	assert_string_equal(llmk_response_reasoning(resp), SUMMARY);
	assert_int_equal(llmk_response_tool_call_count(resp), 2);
	assert_string_equal(llmk_response_tool_call_id(resp, 0), CALL1);
	assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_weather");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"location\":\"Paris\"}");
	assert_string_equal(llmk_response_tool_call_id(resp, 1), CALL2);
	assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"timezone\":\"Europe/Paris\"}");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
	assert_string_equal(llmk_response_finish_reason(resp), "completed");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 512);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 384);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 148);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_REASONING), 96);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 660);
}

static void test_answers(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("weather and time in Paris?");
	llmk_response *resp;

	resp = send_ok(f, r, "responses/response_tools.json");
	check_tools_answer(resp);
	llmk_response_free(resp);

	resp = send_ok(f, r, "responses/response_text.json");
	assert_string_equal(llmk_response_text(resp), ANSWER);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 640);
	llmk_response_free(resp);

	resp = send_ok(f, r, "responses/response_refusal.json");
	assert_string_equal(llmk_response_text(resp), "");
	assert_string_equal(llmk_response_refusal(resp), REFUSAL);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_REFUSAL);
	llmk_response_free(resp);

	resp = send_ok(f, r, "responses/response_incomplete.json");
	assert_string_equal(llmk_response_text(resp), "The weather in Par");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_LENGTH);
	assert_string_equal(llmk_response_finish_reason(resp), "max_output_tokens");
	llmk_response_free(resp);

	answer(f, "responses/response_failed.json");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_SERVER);
	assert_non_null(strstr(llmk_response_error(resp), "The model failed to generate a response."));
	assert_string_equal(llmk_response_error_code(resp), "server_error");
	llmk_response_free(resp);

	/* HTTP errors have OpenAI's shape */
	answer(f, "openai/error_429.json");
	f->cap.status = 429;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_RATE_LIMITED);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- streams -------------------------------------------------------------- */

static llmk_status stream(fixture *f, const char *body, size_t ws, tu_events *e, llmk_response **resp)
{
	llmk_request *r = chat_request("weather and time in Paris?");
	llmk_status st;

	tu_events_init(e, TU_EV_ALL);
	st = tu_stream(f, r, TU_SSE, body, ws, e, resp);
	llmk_request_free(r);
	return st;
}

/* Every fixture, in every split: the same events and the same final
 * response as the whole answer. */
static void test_streams_every_split(void **state)
{
	fixture *f = *state;
	size_t len, ws;
	char *tools = read_data("responses/stream_tools.sse", &len), *text, *refusal, *cut, *local;
	llmk_response *resp;
	tu_events e;
	json_t *j;

	for (ws = 0; ws <= len; ws++) {
		assert_int_equal(stream(f, tools, ws, &e, &resp), LLMK_OK);
		check_tools_answer(resp);
		assert_string_equal(e.reasoning, SUMMARY);
		assert_string_equal(e.tool_args[0], "{\"location\":\"Paris\"}");
		assert_string_equal(e.tool_id[1], CALL2);
		assert_string_equal(e.tool_name[1], "get_time");
		assert_string_equal(e.runs, "RCUD");
		assert_int_equal(e.usage_cached, 384);
		assert_true(e.order_ok);
		llmk_response_free(resp);
	}
	j = sent_json(&f->cap);
	assert_true(json_is_true(jget(j, "stream")));
	assert_null(jget(j, "stream_options"));
	json_decref(j);
	assert_string_equal(capture_header(&f->cap, "Accept"), "text/event-stream");
	free(tools);

	text = read_data("responses/stream_text.sse", &len);
	for (ws = 0; ws <= len; ws++) {
		assert_int_equal(stream(f, text, ws, &e, &resp), LLMK_OK);
		assert_string_equal(e.text, ANSWER);
		assert_string_equal(e.runs, "TUD");
		assert_string_equal(llmk_response_text(resp), ANSWER);
		assert_string_equal(llmk_response_id(resp), "resp_text_0002");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 700);
		llmk_response_free(resp);
	}
	free(text);

	refusal = read_data("responses/stream_refusal.sse", &len);
	for (ws = 0; ws <= len; ws++) {
		assert_int_equal(stream(f, refusal, ws, &e, &resp), LLMK_OK);
		assert_string_equal(e.refusal, REFUSAL);
		assert_int_equal(e.ntext, 0);
		assert_string_equal(llmk_response_refusal(resp), REFUSAL);
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_REFUSAL);
		llmk_response_free(resp);
	}
	free(refusal);

	cut = read_data("responses/stream_incomplete.sse", &len);
	for (ws = 0; ws <= len; ws++) {
		assert_int_equal(stream(f, cut, ws, &e, &resp), LLMK_OK);
		assert_string_equal(e.text, "The weather in Par");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_LENGTH);
		assert_string_equal(llmk_response_finish_reason(resp), "max_output_tokens");
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 16);
		llmk_response_free(resp);
	}
	free(cut);

	/* a compatible server: reasoning_text, a call sent whole, no numbers */
	local = read_data("responses/stream_local.sse", &len);
	for (ws = 0; ws <= len; ws++) {
		assert_int_equal(stream(f, local, ws, &e, &resp), LLMK_OK);
		assert_string_equal(e.reasoning, "Need the weather.");
		assert_string_equal(e.tool_args[0], "{\"location\":\"Paris\"}");
		assert_string_equal(e.tool_id[0], "call_local_1");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_REASONING), 6);
		llmk_response_free(resp);
	}
	free(local);
}

static void test_stream_failures(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *file;
		llmk_status st;
		const char *msg;
	} cases[] = {
	        {"responses/stream_failed.sse", LLMK_E_SERVER,
	         "The model failed to generate a response. (server_error)"},
	        {"responses/stream_error.sse", LLMK_E_RATE_LIMITED, "Rate limit reached for gpt-5"},
	        {"responses/stream_truncated.sse", LLMK_E_PROTOCOL, ""},
	        {"responses/stream_bad_sequence.sse", LLMK_E_PROTOCOL, "sequence_number 2 after 2"},
	};
	llmk_response *resp;
	size_t i, len, ws;
	tu_events e;
	char *body;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = read_data(cases[i].file, &len);
		for (ws = 0; ws <= len; ws += 1 + ws / 16) {
			assert_int_equal(stream(f, body, ws, &e, &resp), cases[i].st);
			if (!strstr(llmk_response_error(resp), cases[i].msg))
				fail_msg("%s: '%s' lacks '%s'", cases[i].file, llmk_response_error(resp), cases[i].msg);
			assert_int_equal(e.ndone, 0);
			llmk_response_free(resp);
		}
		free(body);
	}
}

/* ---- the agent loop: llmk_request_add_response() -------------------------- */

/* Round 1 answered by stream_tools.sse (or response_tools.json), both
 * calls answered: the next input is the user message, then the reasoning
 * item, both function calls exactly as they came, then both outputs. */
static void check_round2(json_t *j)
{
	json_t *in = jget(j, "input");

	assert_int_equal(json_array_size(in), 6);
	assert_string_equal(jstr(j, "input.0.role"), "user");
	assert_string_equal(jstr(j, "input.1.type"), "reasoning");
	assert_string_equal(jstr(j, "input.1.id"), RS1);
	assert_string_equal(jstr(j, "input.1.encrypted_content"), ENC_DONE);
	assert_int_equal(json_array_size(jget(j, "input.1.summary")), 2);
	assert_string_equal(jstr(j, "input.2.type"), "function_call");
	assert_string_equal(jstr(j, "input.2.id"), FC1);
	assert_string_equal(jstr(j, "input.2.call_id"), CALL1);
	assert_string_equal(jstr(j, "input.2.status"), "completed");
	assert_string_equal(jstr(j, "input.3.id"), FC2);
	assert_string_equal(jstr(j, "input.4.type"), "function_call_output");
	assert_string_equal(jstr(j, "input.4.call_id"), CALL1);
	assert_string_equal(jstr(j, "input.4.output"), "18 C");
	assert_string_equal(jstr(j, "input.5.call_id"), CALL2);
	assert_true(json_is_false(jget(j, "store")));
	assert_string_equal(jstr(j, "include.0"), "reasoning.encrypted_content");
}

static void test_stateless_loop(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	tu_events e;
	json_t *j;

	for (int streamed = 0; streamed < 2; streamed++) {
		r = chat_request("weather and time in Paris?");
		llmk_request_set_i64(r, LLMK_OPT_STORE, 0);
		if (streamed) {
			tu_events_init(&e, TU_EV_ALL);
			answer(f, "responses/stream_tools.sse");
			f->cap.resp_headers = TU_SSE;
			assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
		} else {
			resp = send_ok(f, r, "responses/response_tools.json");
		}
		assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
		assert_int_equal(llmk_request_add_tool_result(r, CALL1, "18 C"), LLMK_OK);
		assert_int_equal(llmk_request_add_tool_result(r, CALL2, "14:05"), LLMK_OK);
		llmk_response_free(resp);
		assert_int_equal(llmk_request_part_type(r, 1, 0), LLMK_PART_REASONING);
		assert_int_equal(llmk_request_part_wire(r, 1, 0), LLMK_FEATURE_RESPONSES);
		assert_string_equal(llmk_request_part_text(r, 1, 0), SUMMARY);

		/* round 2: the final answer, then a user question after it */
		resp = send_ok(f, r, "responses/response_text.json");
		j = sent_json(&f->cap);
		check_round2(j);
		json_decref(j);
		assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
		llmk_response_free(resp);
		assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "and tomorrow?"), LLMK_OK);
		llmk_response_free(send_ok(f, r, "responses/response_text.json"));
		j = sent_json(&f->cap);
		assert_int_equal(json_array_size(jget(j, "input")), 8);
		assert_string_equal(jstr(j, "input.6.type"), "message");
		assert_string_equal(jstr(j, "input.6.id"), MSG);
		assert_string_equal(jstr(j, "input.6.content.0.text"), ANSWER);
		assert_string_equal(jstr(j, "input.7.content"), "and tomorrow?");
		json_decref(j);
		llmk_request_free(r);
	}
}

/* With previous_response_id the server has the history: only what follows
 * the last assistant turn goes out. */
static void test_previous_response_id(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("weather and time in Paris?");
	llmk_response *resp;
	json_t *j;

	llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Answer with the tools.");
	llmk_request_set_i64(r, LLMK_OPT_STORE, 1);
	resp = send_ok(f, r, "responses/response_tools.json");
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PREVIOUS_RESPONSE_ID, llmk_response_id(resp)), LLMK_OK);
	llmk_response_free(resp);
	llmk_request_add_tool_result(r, CALL1, "18 C");
	llmk_request_add_tool_result(r, CALL2, "14:05");
	llmk_response_free(send_ok(f, r, "responses/response_text.json"));
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "previous_response_id"), "resp_tools_0001");
	assert_string_equal(jstr(j, "instructions"), "Answer with the tools."); /* never carried over */
	assert_int_equal(json_array_size(jget(j, "input")), 2);
	assert_string_equal(jstr(j, "input.0.type"), "function_call_output");
	assert_string_equal(jstr(j, "input.1.call_id"), CALL2);
	assert_null(body_find(&f->cap, RS1));
	json_decref(j);
	llmk_request_free(r);
}

/* Responses history sent through Chat Completions or to Anthropic: the
 * reasoning items stay behind, the calls go by their call_id. */
static void test_history_elsewhere(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("weather and time in Paris?");
	llmk_response *resp;
	json_t *j;

	resp = send_ok(f, r, "responses/response_tools.json");
	llmk_request_add_response(r, resp);
	llmk_response_free(resp);
	llmk_request_add_tool_result(r, CALL1, "18 C");
	llmk_request_add_tool_result(r, CALL2, "14:05");
	tu_fixture_use(f, "anthropic/claude-sonnet-4-5", "sk-ant-test", BASE);
	resp = send_ok(f, r, "anthropic/message.json");
	assert_string_equal(llmk_response_dropped(resp), "openai-responses reasoning state");
	llmk_response_free(resp);
	assert_null(body_find(&f->cap, ENC_DONE));
	assert_null(body_find(&f->cap, FC1));
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "messages.1.content.0.type"), "tool_use");
	assert_string_equal(jstr(j, "messages.1.content.0.id"), CALL1);
	assert_string_equal(jstr(j, "messages.2.content.1.tool_use_id"), CALL2);
	json_decref(j);
	llmk_request_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_request_body, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_options, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_prompt_cache, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_presets, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_answers, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_streams_every_split, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_failures, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stateless_loop, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_previous_response_id, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_history_elsewhere, setup, tu_teardown),
	};
	return cmocka_run_group_tests_name("responses", tests, NULL, NULL);
}
