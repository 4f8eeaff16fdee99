#define _POSIX_C_SOURCE 200809L
/* Ollama's native API through the public API: the exact /api/chat and
 * /api/embed bodies, NDJSON streams (split anywhere, keep-alive lines, no
 * final newline, truncated, errors inside HTTP 200), tool calls without ids,
 * errors, OLLAMA_HOST. Fixtures: tests/data/ollama/README.md. */
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
#ifdef LLMK_TEST_HAVE_CURL
#include "httpd.h"
#endif

typedef tu_fixture fixture;

#define QUESTION "why is the sky blue?"

static int setup(void **state)
{
	unsetenv("OLLAMA_HOST");
	unsetenv("OLLAMA_API_KEY");
	*state = tu_fixture_new("ollama/llama3.2", NULL, NULL);
	return 0;
}

/* ---- request mapping ---------------------------------------------------- */

static void test_chat_request_body(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	json_t *j;
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};

	f->cap.resp_body = read_data("ollama/chat.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json; charset=utf-8\n";
	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Be brief."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_DEVELOPER, "Use metric units."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "What is this?"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_data(r, png, sizeof(png), "image/png"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Let me check."), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "call_w1", "get_current_weather",
	                                            "{\"location\":\"Paris, FR\",\"format\":\"celsius\"}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "call_t2", "get_time", "{}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "call_t2", "12:00"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "call_w1", "22 degrees"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "call_unknown", "?"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Thanks"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.25), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TOP_P, 0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_FREQUENCY_PENALTY, 0.125), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_PRESENCE_PENALTY, -0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_K, 40), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 64), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_SEED, 101), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "END"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "\n\n"), LLMK_OK);
	assert_int_equal(
	        llmk_request_add_tool(r, "get_current_weather", "Get the current weather for a location",
	                              "{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}},"
	                              "\"required\":[\"location\"]}"),
	        LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "get_time", NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA,
	                                      "{\"type\":\"object\",\"properties\":{\"age\":{\"type\":\"integer\"}}}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA_NAME, "answer"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "high"), LLMK_OK);
	assert_int_equal(llmk_request_set_extra_json(r, "{\"keep_alive\":\"5m\"}"), LLMK_OK);

	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, "http://127.0.0.1:11434/api/chat");
	assert_null(capture_header(&f->cap, "Authorization"));
	assert_string_equal(capture_header(&f->cap, "Content-Type"), "application/json");
	assert_string_equal(capture_header(&f->cap, "Accept"), "application/json");
	assert_string_equal(capture_header(&f->cap, "User-Agent"), "llmkit/" LLMK_VERSION_STRING);

	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "model"), "llama3.2");
	assert_true(json_is_false(jget(j, "stream"))); /* Ollama streams unless told not to */
	assert_int_equal(json_array_size(jget(j, "messages")), 8);
	assert_string_equal(jstr(j, "messages.0.role"), "system");
	assert_string_equal(jstr(j, "messages.0.content"), "Be brief.");
	assert_string_equal(jstr(j, "messages.1.role"), "system"); /* no developer role */
	assert_string_equal(jstr(j, "messages.1.content"), "Use metric units.");
	assert_string_equal(jstr(j, "messages.2.role"), "user");
	assert_string_equal(jstr(j, "messages.2.content"), "What is this?");
	assert_int_equal(json_array_size(jget(j, "messages.2.images")), 1);
	assert_string_equal(jstr(j, "messages.2.images.0"), "iVBORw0KGgo="); /* bare base64 */
	assert_string_equal(jstr(j, "messages.3.role"), "assistant");
	assert_string_equal(jstr(j, "messages.3.content"), "Let me check.");
	assert_int_equal(json_array_size(jget(j, "messages.3.tool_calls")), 2);
	assert_string_equal(jstr(j, "messages.3.tool_calls.0.function.name"), "get_current_weather");
	assert_true(json_is_object(jget(j, "messages.3.tool_calls.0.function.arguments")));
	assert_string_equal(jstr(j, "messages.3.tool_calls.0.function.arguments.location"), "Paris, FR");
	assert_string_equal(jstr(j, "messages.3.tool_calls.0.function.arguments.format"), "celsius");
	assert_null(jget(j, "messages.3.tool_calls.0.id"));
	assert_null(jget(j, "messages.3.tool_calls.0.type"));
	assert_string_equal(jstr(j, "messages.3.tool_calls.1.function.name"), "get_time");
	assert_int_equal(json_object_size(jget(j, "messages.3.tool_calls.1.function.arguments")), 0);
	assert_string_equal(jstr(j, "messages.4.role"), "tool");
	assert_string_equal(jstr(j, "messages.4.content"), "12:00");
	assert_string_equal(jstr(j, "messages.4.tool_name"), "get_time"); /* looked up by id */
	assert_null(jget(j, "messages.4.tool_call_id"));
	assert_string_equal(jstr(j, "messages.5.tool_name"), "get_current_weather");
	assert_string_equal(jstr(j, "messages.5.content"), "22 degrees");
	assert_string_equal(jstr(j, "messages.6.role"), "tool");
	assert_null(jget(j, "messages.6.tool_name")); /* unknown id: no name */
	assert_string_equal(jstr(j, "messages.7.content"), "Thanks");
	assert_null(jget(j, "messages.7.images"));
	assert_null(jget(j, "messages.7.tool_calls"));

	assert_int_equal(json_object_size(jget(j, "options")), 8);
	assert_true(fabs(json_real_value(jget(j, "options.temperature")) - 0.25) < 1e-12);
	assert_true(fabs(json_real_value(jget(j, "options.top_p")) - 0.5) < 1e-12);
	assert_true(fabs(json_real_value(jget(j, "options.frequency_penalty")) - 0.125) < 1e-12);
	assert_true(fabs(json_real_value(jget(j, "options.presence_penalty")) + 0.5) < 1e-12);
	assert_int_equal(json_integer_value(jget(j, "options.top_k")), 40);
	assert_int_equal(json_integer_value(jget(j, "options.num_predict")), 64);
	assert_int_equal(json_integer_value(jget(j, "options.seed")), 101);
	assert_string_equal(jstr(j, "options.stop.0"), "END");
	assert_string_equal(jstr(j, "options.stop.1"), "\n\n");
	assert_null(jget(j, "temperature")); /* not at the top level */
	assert_null(jget(j, "max_tokens"));

	assert_int_equal(json_array_size(jget(j, "tools")), 2);
	assert_string_equal(jstr(j, "tools.0.type"), "function");
	assert_string_equal(jstr(j, "tools.0.function.name"), "get_current_weather");
	assert_string_equal(jstr(j, "tools.0.function.description"), "Get the current weather for a location");
	assert_string_equal(jstr(j, "tools.0.function.parameters.properties.location.type"), "string");
	assert_string_equal(jstr(j, "tools.0.function.parameters.required.0"), "location");
	assert_null(jget(j, "tools.1.function.description"));
	assert_string_equal(jstr(j, "tools.1.function.parameters.type"), "object");
	assert_string_equal(jstr(j, "format.type"), "object"); /* the schema itself */
	assert_string_equal(jstr(j, "format.properties.age.type"), "integer");
	assert_null(jget(j, "response_format"));
	assert_string_equal(jstr(j, "think"), "high");
	assert_null(jget(j, "reasoning_effort"));
	assert_string_equal(jstr(j, "keep_alive"), "5m");
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

static void expect_body(fixture *f, llmk_request *r, const char *key, const char *want_json)
{
	llmk_response *resp;
	json_t *j, *want = want_json ? json_loads(want_json, JSON_DECODE_ANY, NULL) : NULL;

	f->cap.resp_body =
	        "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"{}\"},\"done\":true}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	if (want ? !json_equal(jget(j, key), want) : jget(j, key) != NULL)
		fail_msg("%s: sent %s", key, f->cap.body);
	json_decref(j);
	json_decref(want);
	llmk_response_free(resp);
}

static void test_format_and_think_values(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request(QUESTION);
	llmk_response *resp;

	llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_object");
	expect_body(f, r, "format", "\"json\"");
	llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "text");
	expect_body(f, r, "format", NULL); /* absent */
	llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "none");
	expect_body(f, r, "think", "false");
	llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "low");
	expect_body(f, r, "think", "\"low\"");
	llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "max");
	expect_body(f, r, "think", "\"max\"");
	expect_body(f, r, "options", NULL); /* no sampling options: no object */

	/* outside the vocabulary: refused when set (the value stays "max") */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "extreme"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "reasoning_effort must be"));
	expect_body(f, r, "think", "\"max\"");
	/* the effort is checked before anything is sent */
	llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "minimal");
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "not one of none, low, medium, high, max"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_unsupported_parameters(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request(QUESTION);
	llmk_response *resp;
	json_t *j;

	llmk_request_add_tool(r, "lookup", NULL, NULL);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "required");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "ollama does not support tool_choice"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* a remote image: Ollama takes inline data only */
	r = chat_request(QUESTION);
	llmk_request_add_image_url(r, "https://example.invalid/cat.jpg", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "ollama"));
	assert_non_null(strstr(llmk_response_error(resp), "image URLs"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	/* ... dropped on request, and listed */
	llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1);
	f->cap.resp_body =
	        "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"done\":true}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_null(jget(j, "messages.0.images"));
	json_decref(j);
	assert_non_null(strstr(llmk_response_dropped(resp), "image URLs"));
	llmk_response_free(resp);
	llmk_request_free(r);

	llmk_request_new(&r, LLMK_EMBED);
	llmk_request_add_input(r, "x");
	llmk_request_set_str(r, LLMK_OPT_USER, "u-1");
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "ollama does not support user for embed requests"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	assert_int_equal(llmk_provider_capabilities("ollama", LLMK_CHAT),
	                 LLMK_CAP_KIND | LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_JSON_MODE |
	                         LLMK_CAP_JSON_SCHEMA | LLMK_CAP_STREAM_USAGE); /* no image URLs, no key needed */
	assert_int_equal(llmk_provider_capabilities("ollama", LLMK_EMBED), LLMK_CAP_KIND | LLMK_CAP_BATCH);

	llmk_request_new(&r, LLMK_SPEECH);
	llmk_request_set_str(r, LLMK_OPT_INPUT, "hello");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "ollama does not serve speech requests"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- non-streamed answers ------------------------------------------------- */

static void test_chat_response_parsed(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request(QUESTION);
	llmk_response *resp;

	f->cap.resp_body = read_data("ollama/chat.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json; charset=utf-8\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "Hello! How are you today?");
	assert_string_equal(llmk_response_reasoning(resp), "");
	assert_string_equal(llmk_response_model(resp), "llama3.2");
	assert_string_equal(llmk_response_finish_reason(resp), "stop");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 26);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 298);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 324);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), -1);
	assert_int_equal(llmk_response_tool_call_count(resp), 0);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* thinking, and a length stop */
	f->cap.resp_body =
	        "{\"model\":\"qwen3\",\"created_at\":\"2025-06-01T10:00:00Z\",\"message\":{\"role\":\"assistant\","
	        "\"content\":\"2\",\"thinking\":\"1+1 is 2.\"},\"done_reason\":\"length\",\"done\":true,"
	        "\"prompt_eval_count\":12,\"eval_count\":7}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "2");
	assert_string_equal(llmk_response_reasoning(resp), "1+1 is 2.");
	assert_string_equal(llmk_response_finish_reason(resp), "length");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_LENGTH);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_chat_tool_calls_parsed(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request(QUESTION);
	llmk_response *resp;
	char id[64];
	json_t *j;

	llmk_request_add_tool(r, "get_current_weather", NULL, NULL);
	f->cap.resp_body = read_data("ollama/chat_tools.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_tool_call_count(resp), 1);
	assert_true(is_call_id(llmk_response_tool_call_id(resp, 0))); /* made up: Ollama sends none */
	assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_current_weather");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0),
	                    "{\"format\":\"celsius\",\"location\":\"Paris, FR\"}");
	assert_string_equal(llmk_response_text(resp), "");
	/* Ollama says "stop"; the enum says the model waits for tool results */
	assert_string_equal(llmk_response_finish_reason(resp), "stop");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 122);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 33);
	strcpy(id, llmk_response_tool_call_id(resp, 0));
	free((void *)f->cap.resp_body);

	/* answering the call by its id names the tool */
	llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, NULL);
	llmk_request_add_tool_call(r, id, llmk_response_tool_call_name(resp, 0),
	                           llmk_response_tool_call_arguments(resp, 0));
	llmk_request_add_tool_result(r, id, "22");
	llmk_response_free(resp);
	f->cap.resp_body = read_data("ollama/chat.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "messages.1.content"), "");
	assert_string_equal(jstr(j, "messages.1.tool_calls.0.function.arguments.location"), "Paris, FR");
	assert_string_equal(jstr(j, "messages.2.role"), "tool");
	assert_string_equal(jstr(j, "messages.2.tool_name"), "get_current_weather");
	assert_string_equal(jstr(j, "messages.2.content"), "22");
	json_decref(j);
	/* a second call gets another id */
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	f->cap.resp_body = read_data("ollama/chat_tools.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_true(is_call_id(llmk_response_tool_call_id(resp, 0)));
	assert_string_not_equal(llmk_response_tool_call_id(resp, 0), id);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

static void test_embed(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const float *v;
	size_t n, dim;
	json_t *j;

	f->cap.resp_body = read_data("ollama/embed.json", NULL);
	llmk_request_new(&r, LLMK_EMBED);
	assert_int_equal(llmk_request_add_input(r, "Why is the sky blue?"), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "Why is the grass green?"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DIMENSIONS, 10), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "all-minilm"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "http://127.0.0.1:11434/api/embed");
	j = sent_json(&f->cap);
	assert_int_equal(json_object_size(j), 3);
	assert_string_equal(jstr(j, "model"), "all-minilm");
	assert_string_equal(jstr(j, "input.0"), "Why is the sky blue?");
	assert_string_equal(jstr(j, "input.1"), "Why is the grass green?");
	assert_int_equal(json_integer_value(jget(j, "dimensions")), 10);
	json_decref(j);
	n = llmk_response_embedding_count(resp);
	assert_int_equal(n, 2);
	dim = llmk_response_embedding_dim(resp);
	assert_int_equal(dim, 10);
	v = llmk_response_embedding(resp, 0);
	assert_true(fabsf(v[0] - 0.010071029f) < 1e-9f);
	assert_true(fabsf(v[9] - 0.031952348f) < 1e-9f);
	v = llmk_response_embedding(resp, 1);
	assert_true(fabsf(v[1] - 0.06042469f) < 1e-9f);
	assert_string_equal(llmk_response_model(resp), "all-minilm");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 8);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* one vector for two inputs */
	f->cap.resp_body = "{\"model\":\"all-minilm\",\"embeddings\":[[0.1,0.2]]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "1 vectors for 2 inputs"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- streams ---------------------------------------------------------------- */

#define STREAM_TEXT "The sky is blue \xe2\x80\x94 caf\xc3\xa9 \xe7\xa9\xba."

static void check_text_stream(const tu_events *e, llmk_response *resp)
{
	assert_int_equal(llmk_response_status(resp), LLMK_OK);
	assert_string_equal(e->text, STREAM_TEXT);
	assert_int_equal(e->ntext, 5); /* the empty content of the done line is no event */
	assert_int_equal(e->nusage, 1);
	assert_int_equal(e->ndone, 1);
	assert_string_equal(e->runs, "TUD");
	assert_int_equal(e->usage_in, 26);
	assert_int_equal(e->usage_out, 282);
	assert_string_equal(llmk_response_text(resp), STREAM_TEXT);
	assert_string_equal(llmk_response_model(resp), "llama3.2");
	assert_string_equal(llmk_response_finish_reason(resp), "stop");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 308);
}

static void run_stream(fixture *f, const char *body, size_t write_size, tu_events *e, llmk_response **resp)
{
	llmk_request *r = chat_request(QUESTION);

	tu_events_init(e, TU_EV_ALL);
	tu_stream(f, r, "Content-Type: application/x-ndjson\n", body, write_size, e, resp);
	llmk_request_free(r);
	f->cap.write_size = 0;
}

static void test_stream_request_and_text(void **state)
{
	fixture *f = *state;
	char *body = read_data("ollama/chat_stream.ndjson", NULL);
	size_t sizes[] = {0, 1, 2, 3, 7, 64, 113};
	llmk_response *resp;
	tu_events e;
	json_t *j;

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		run_stream(f, body, sizes[k], &e, &resp);
		check_text_stream(&e, resp);
		llmk_response_free(resp);
	}
	j = sent_json(&f->cap);
	assert_true(json_is_true(jget(j, "stream")));
	assert_null(jget(j, "stream_options"));
	json_decref(j);
	assert_string_equal(capture_header(&f->cap, "Accept"), "application/x-ndjson");
	free(body);
}

/* A transport that delivers the scripted body in two writes split at
 * `split`: every byte boundary of the stream gets tried. */
typedef struct split_body {
	const char *body;
	size_t len, split;
} split_body;

static int32_t split_send(llmk_exchange *ex, void *user)
{
	split_body *sb = user;

	if (llmk_exchange_set_status(ex, 200) || llmk_exchange_add_header(ex, "Content-Type", "application/x-ndjson"))
		return LLMK_E_CANCELLED;
	if (sb->split && llmk_exchange_write(ex, (const uint8_t *)sb->body, sb->split))
		return LLMK_E_CANCELLED;
	if (sb->len > sb->split && llmk_exchange_write(ex, (const uint8_t *)sb->body + sb->split, sb->len - sb->split))
		return LLMK_E_CANCELLED;
	return LLMK_OK;
}

static void test_stream_split_at_every_byte(void **state)
{
	llmk_client *c;
	llmk_transport t;
	llmk_request *r = chat_request(QUESTION);
	llmk_response *resp;
	split_body sb;
	tu_events e;

	(void)state;
	sb.body = read_data("ollama/chat_stream.ndjson", &sb.len);
	assert_int_equal(llmk_client_new(&c, "ollama/llama3.2"), LLMK_OK);
	llmk_transport_init(&t);
	t.send = split_send;
	assert_int_equal(llmk_client_set_transport(c, &t, &sb), LLMK_OK);
	for (sb.split = 0; sb.split <= sb.len; sb.split++) {
		tu_events_init(&e, TU_EV_ALL);
		assert_int_equal(llmk_stream(c, r, tu_on_event, &e, &resp), LLMK_OK);
		check_text_stream(&e, resp);
		llmk_response_free(resp);
	}
	llmk_client_free(c);
	llmk_request_free(r);
	free((void *)sb.body);
}

static void test_stream_keepalive_crlf_and_no_final_newline(void **state)
{
	fixture *f = *state;
	char *body = read_data("ollama/chat_stream.ndjson", NULL), *odd, *p, *o;
	size_t len = strlen(body);
	llmk_response *resp;
	tu_events e;

	/* blank keep-alive lines (also with spaces and CR), CRLF line ends */
	odd = malloc(len * 3 + 64);
	o = odd;
	o += sprintf(o, "\n \r\n");
	for (p = body; *p; p++) {
		if (*p == '\n') {
			memcpy(o, "\r\n\n\t\n", 5);
			o += 5;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
	run_stream(f, odd, 5, &e, &resp);
	check_text_stream(&e, resp);
	llmk_response_free(resp);

	/* the done line without a trailing newline */
	body[len - 1] = 0;
	run_stream(f, body, 0, &e, &resp);
	check_text_stream(&e, resp);
	llmk_response_free(resp);
	run_stream(f, body, 1, &e, &resp);
	check_text_stream(&e, resp);
	llmk_response_free(resp);
	free(odd);
	free(body);
}

static void test_stream_truncated_is_protocol_error(void **state)
{
	fixture *f = *state;
	char *body = read_data("ollama/chat_stream.ndjson", NULL);
	llmk_response *resp;
	tu_events e;

	/* cut before the done line */
	*strstr(body, "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T19:22:45") = 0;
	run_stream(f, body, 3, &e, &resp);
	assert_int_equal(llmk_response_status(resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "ollama: stream ended before the end-of-stream marker"));
	assert_string_equal(llmk_response_text(resp), "The sky is blue \xe2\x80\x94 caf\xc3\xa9 \xe7\xa9\xba.");
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);

	/* cut inside a line: the fragment is not JSON */
	strcat(body, "{\"model\":\"llama3.2\",\"crea");
	run_stream(f, body, 0, &e, &resp);
	assert_int_equal(llmk_response_status(resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "stream line is not a JSON object"));
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);
	free(body);
}

static void test_stream_tools_and_thinking(void **state)
{
	fixture *f = *state;
	char *body = read_data("ollama/chat_stream_tools.ndjson", NULL);
	size_t sizes[] = {0, 1, 17};
	llmk_response *resp;
	tu_events e;

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		run_stream(f, body, sizes[k], &e, &resp);
		assert_int_equal(llmk_response_status(resp), LLMK_OK);
		assert_string_equal(e.runs, "RCUD");
		assert_string_equal(e.reasoning, "The user wants the weather in Toronto.");
		assert_string_equal(llmk_response_reasoning(resp), e.reasoning);
		assert_int_equal(e.nreasoning, 2);
		assert_int_equal(e.ntext, 0);
		assert_int_equal(e.ntool, 2);
		assert_string_equal(e.tool_name[0], "get_current_weather");
		assert_string_equal(e.tool_args[0], "{\"format\":\"celsius\",\"location\":\"Toronto\"}");
		assert_string_equal(e.tool_name[1], "get_time");
		assert_string_equal(e.tool_args[1], "{\"timezone\":\"America/Toronto\"}");
		assert_true(is_call_id(e.tool_id[0]));
		assert_true(is_call_id(e.tool_id[1]));
		assert_string_not_equal(e.tool_id[0], e.tool_id[1]);
		assert_int_equal(llmk_response_tool_call_count(resp), 2);
		assert_string_equal(llmk_response_tool_call_id(resp, 1), e.tool_id[1]);
		assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"timezone\":\"America/Toronto\"}");
		assert_string_equal(llmk_response_text(resp), "");
		assert_string_equal(llmk_response_finish_reason(resp), "stop");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
		assert_int_equal(e.usage_in, 214);
		assert_int_equal(e.usage_out, 47);
		llmk_response_free(resp);
	}
	free(body);
}

static void test_stream_error_inside_200(void **state)
{
	fixture *f = *state;
	char *body = read_data("ollama/chat_stream_error.ndjson", NULL);
	llmk_response *resp;
	tu_events e;

	run_stream(f, body, 4, &e, &resp);
	assert_int_equal(llmk_response_status(resp), LLMK_E_SERVER);
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_non_null(
	        strstr(llmk_response_error(resp),
	               "error inside the stream: an error was encountered while running the model: unexpected EOF"));
	assert_string_equal(e.text, "Partial");
	assert_string_equal(llmk_response_text(resp), "Partial");
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);
	free(body);
}

static void test_stream_answered_with_one_object(void **state)
{
	fixture *f = *state;
	char *body = read_data("ollama/chat_tools.json", NULL);
	llmk_response *resp;
	tu_events e;

	llmk_request *r = chat_request(QUESTION);

	/* a proxy or old server ignoring "stream": one JSON object, done:true */
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, "Content-Type: application/json; charset=utf-8\n", body, 0, &e, &resp),
	                 LLMK_OK);
	llmk_request_free(r);
	assert_string_equal(e.runs, "CUD");
	assert_string_equal(e.tool_name[0], "get_current_weather");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
	assert_int_equal(e.usage_in, 122);
	llmk_response_free(resp);
	free(body);
}

/* ---- errors --------------------------------------------------------------- */

static void expect_error(fixture *f, int http, const char *body, llmk_status want, const char *part)
{
	llmk_request *r = chat_request(QUESTION);
	llmk_response *resp;

	f->cap.status = http;
	f->cap.resp_body = body;
	f->cap.resp_headers = "Content-Type: application/json; charset=utf-8\n";
	assert_int_equal(llmk_send(f->c, r, &resp), want);
	assert_int_equal(llmk_response_http_status(resp), http);
	if (!strstr(llmk_response_error(resp), part))
		fail_msg("error '%s' lacks '%s'", llmk_response_error(resp), part);
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.status = 0;
}

static void test_errors(void **state)
{
	fixture *f = *state;
	char *e404 = read_data("ollama/error_404.json", NULL);

	expect_error(f, 404, e404, LLMK_E_NOT_FOUND,
	             "ollama: HTTP 404: model \"llama9\" not found, try pulling it first");
	expect_error(f, 400, "{\"error\":\"invalid options: num_gpux\"}", LLMK_E_BAD_REQUEST,
	             "ollama: HTTP 400: invalid options: num_gpux");
	expect_error(f, 500, "{\"error\":\"llama runner process has terminated: signal: killed\"}", LLMK_E_SERVER,
	             "HTTP 500: llama runner process has terminated");
	expect_error(f, 502, "Bad Gateway", LLMK_E_SERVER, "HTTP 502: Bad Gateway");
	/* an error object as the whole 200 body */
	expect_error(f, 200, "{\"error\":\"unexpected server status: llm server loading model\"}", LLMK_E_SERVER,
	             "ollama returned an error: unexpected server status");
	expect_error(f, 200, "{\"model\":\"llama3.2\",\"done\":true}", LLMK_E_PROTOCOL, "chat response has no message");
	free(e404);
}

/* ---- configuration -------------------------------------------------------- */

static void expect_host(const char *env, const char *want)
{
	llmk_client *c;

	if (env)
		setenv("OLLAMA_HOST", env, 1);
	else
		unsetenv("OLLAMA_HOST");
	assert_int_equal(llmk_client_new(&c, "ollama/llama3.2"), LLMK_OK);
	assert_string_equal(llmk_client_base_url(c), want);
	llmk_client_free(c);
}

static void test_ollama_host_and_key(void **state)
{
	llmk_client *c;
	llmk_request *r = chat_request(QUESTION);
	llmk_response *resp;
	capture cap;

	(void)state;
	expect_host(NULL, "http://127.0.0.1:11434");
	expect_host("0.0.0.0:11434", "http://127.0.0.1:11434");
	expect_host("0.0.0.0", "http://127.0.0.1:11434");
	expect_host("myhost", "http://myhost:11434");
	expect_host("myhost:8000", "http://myhost:8000");
	expect_host("http://h:1234", "http://h:1234");
	expect_host("https://ollama.example.com:443/", "https://ollama.example.com:443");
	/* As Ollama's envconfig.Host(): a scheme brings its own default port,
	 * an empty host is this machine. */
	expect_host("http://myhost", "http://myhost");
	expect_host("https://ollama.example.com", "https://ollama.example.com");
	expect_host(":11434", "http://127.0.0.1:11434");
	expect_host("http://0.0.0.0:9999", "http://127.0.0.1:9999");

	/* the request goes where OLLAMA_HOST says, with the key when one is set */
	setenv("OLLAMA_HOST", "http://h:1234", 1);
	setenv("OLLAMA_API_KEY", "ollama-test-key-0123456789", 1);
	assert_int_equal(llmk_client_new(&c, "ollama/llama3.2"), LLMK_OK);
	memset(&cap, 0, sizeof(cap));
	cap.resp_body =
	        "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"done\":true}";
	capture_install(c, &cap);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(cap.url, "http://h:1234/api/chat");
	assert_string_equal(capture_header(&cap, "Authorization"), "Bearer ollama-test-key-0123456789");
	assert_string_equal(llmk_response_text(resp), "ok");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_UNKNOWN); /* no done_reason sent */
	llmk_response_free(resp);
	llmk_client_free(c);
	llmk_request_free(r);
	unsetenv("OLLAMA_HOST");
	unsetenv("OLLAMA_API_KEY");
}

/* ---- over a real socket ----------------------------------------------------- */

#ifdef LLMK_TEST_HAVE_CURL
static void test_http_loopback(void **state)
{
	th_server *srv = th_start();
	llmk_client *c;
	llmk_request *r = chat_request(QUESTION);
	llmk_response *resp;
	const th_request *req;
	th_response tr;
	char *body = read_data("ollama/chat_stream.ndjson", NULL), host[64];
	tu_events e;
	json_t *j;

	(void)state;
	assert_non_null(srv);
	snprintf(host, sizeof(host), "127.0.0.1:%d", th_port(srv));
	setenv("OLLAMA_HOST", host, 1);
	assert_int_equal(llmk_client_new(&c, "ollama/llama3.2"), LLMK_OK);
	unsetenv("OLLAMA_HOST");
	assert_string_equal(llmk_client_base_url(c), th_url(srv));

	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: application/x-ndjson\r\n";
	tr.body = body;
	tr.chunked = 1;
	tr.write_size = 9;
	th_push(srv, &tr);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(llmk_stream(c, r, tu_on_event, &e, &resp), LLMK_OK);
	check_text_stream(&e, resp);
	llmk_response_free(resp);
	req = th_request_at(srv, 0);
	assert_non_null(req);
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->target, "/api/chat");
	assert_string_equal(th_request_header(req, "Content-Type"), "application/json");
	j = json_loadb((const char *)req->body, req->body_len, 0, NULL);
	assert_true(json_is_true(json_object_get(j, "stream")));
	assert_string_equal(json_string_value(json_object_get(j, "model")), "llama3.2");
	json_decref(j);

	th_push_json(srv, 404, "{\"error\":\"model \\\"llama3.2\\\" not found, try pulling it first\"}");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_NOT_FOUND);
	assert_non_null(strstr(llmk_response_error(resp), "not found, try pulling it first"));
	llmk_response_free(resp);

	llmk_client_free(c);
	llmk_request_free(r);
	th_stop(srv);
	free(body);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_chat_request_body, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_format_and_think_values, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_unsupported_parameters, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_response_parsed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_tool_calls_parsed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_embed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_request_and_text, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_split_at_every_byte, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_keepalive_crlf_and_no_final_newline, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_truncated_is_protocol_error, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_tools_and_thinking, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_error_inside_200, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_answered_with_one_object, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_errors, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_ollama_host_and_key, setup, tu_teardown),
#ifdef LLMK_TEST_HAVE_CURL
	        cmocka_unit_test_setup_teardown(test_http_loopback, setup, tu_teardown),
#endif
	};
	return cmocka_run_group_tests_name("ollama", tests, NULL, NULL);
}
