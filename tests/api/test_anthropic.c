#define _POSIX_C_SOURCE 200809L
/* Anthropic Messages API through the public header: the exact request a
 * conversation produces (system at the top level, merged turns, tool_use and
 * tool_result blocks, images, options), whole answers, named-event streams
 * with tool calls and errors inside them, and error mapping. Uses the
 * capture transport; one test runs over real sockets (loopback server). */
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
#include "httpd.h"
#include "llmkit.h"

#define KEY "sk-ant-api03-test-0123456789abcdef0123456789abcdef"
#define MODEL "claude-sonnet-4-5-20250929"

typedef tu_fixture fixture;

static int setup(void **state)
{
	*state = tu_fixture_new("anthropic/" MODEL, KEY, "https://api.example.invalid/v1/");
	return 0;
}

static const char *ok_body = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" MODEL "\","
                             "\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\","
                             "\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}";

/* Sends r and returns the body that went out (caller decrefs). */
static json_t *send_ok(fixture *f, llmk_request *r)
{
	llmk_response *resp;

	f->cap.resp_body = ok_body;
	f->cap.resp_headers = "Content-Type: application/json\n";
	if (llmk_send(f->c, r, &resp) != LLMK_OK)
		fail_msg("send failed: %s", llmk_response_error(resp));
	llmk_response_free(resp);
	f->cap.resp_headers = NULL;
	return sent_json(&f->cap);
}

/* ---- request mapping ---------------------------------------------------- */

static void test_request_body(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	json_t *j;
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Be brief."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "What is this?"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_url(r, "https://example.invalid/cat.jpg", "low"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_data(r, png, sizeof(png), "image/png"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_DEVELOPER, "Answer in English."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Be quick."), LLMK_OK); /* merged */
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Looking."), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "toolu_1", "lookup", "{\"q\":\"cat\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "toolu_2", "lookup", "{\"q\":\"dog\",\"n\":[1,2]}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "toolu_1", "{\"species\":\"cat\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "toolu_2", "no dog"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Thanks"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.25), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TOP_P, 0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_K, 40), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 64), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "END"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "\n\nHuman:"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_USER, "user-42"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "lookup", "Look a thing up",
	                                       "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "now", NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "lookup"), LLMK_OK);
	assert_int_equal(llmk_request_set_extra_json(r, "{\"service_tier\":\"auto\",\"top_k\":5}"), LLMK_OK);

	j = send_ok(f, r);
	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/messages");
	assert_string_equal(capture_header(&f->cap, "x-api-key"), KEY);
	assert_string_equal(capture_header(&f->cap, "anthropic-version"), "2023-06-01");
	assert_string_equal(capture_header(&f->cap, "Content-Type"), "application/json");
	assert_string_equal(capture_header(&f->cap, "Accept"), "application/json");
	assert_null(capture_header(&f->cap, "Authorization"));

	assert_string_equal(jstr(j, "model"), MODEL);
	/* system and developer text at the top level, in order */
	assert_string_equal(jstr(j, "system"), "Be brief.\n\nAnswer in English.");
	/* user / assistant / user: the two user messages merged, the tool
	 * results and the following user text in one user turn */
	assert_int_equal(json_array_size(jget(j, "messages")), 3);
	assert_string_equal(jstr(j, "messages.0.role"), "user");
	assert_int_equal(json_array_size(jget(j, "messages.0.content")), 4);
	assert_string_equal(jstr(j, "messages.0.content.0.type"), "text");
	assert_string_equal(jstr(j, "messages.0.content.0.text"), "What is this?");
	assert_string_equal(jstr(j, "messages.0.content.1.type"), "image");
	assert_string_equal(jstr(j, "messages.0.content.1.source.type"), "url");
	assert_string_equal(jstr(j, "messages.0.content.1.source.url"), "https://example.invalid/cat.jpg");
	assert_null(jget(j, "messages.0.content.1.detail"));
	assert_string_equal(jstr(j, "messages.0.content.2.type"), "image");
	assert_string_equal(jstr(j, "messages.0.content.2.source.type"), "base64");
	assert_string_equal(jstr(j, "messages.0.content.2.source.media_type"), "image/png");
	assert_string_equal(jstr(j, "messages.0.content.2.source.data"), "iVBORw0KGgo=");
	assert_string_equal(jstr(j, "messages.0.content.3.text"), "Be quick.");

	assert_string_equal(jstr(j, "messages.1.role"), "assistant");
	assert_int_equal(json_array_size(jget(j, "messages.1.content")), 3);
	assert_string_equal(jstr(j, "messages.1.content.0.type"), "text");
	assert_string_equal(jstr(j, "messages.1.content.0.text"), "Looking.");
	assert_string_equal(jstr(j, "messages.1.content.1.type"), "tool_use");
	assert_string_equal(jstr(j, "messages.1.content.1.id"), "toolu_1");
	assert_string_equal(jstr(j, "messages.1.content.1.name"), "lookup");
	assert_true(json_is_object(jget(j, "messages.1.content.1.input"))); /* an object, not a string */
	assert_string_equal(jstr(j, "messages.1.content.1.input.q"), "cat");
	assert_string_equal(jstr(j, "messages.1.content.2.id"), "toolu_2");
	assert_int_equal(jint(j, "messages.1.content.2.input.n.1"), 2);

	assert_string_equal(jstr(j, "messages.2.role"), "user");
	assert_int_equal(json_array_size(jget(j, "messages.2.content")), 3);
	assert_string_equal(jstr(j, "messages.2.content.0.type"), "tool_result");
	assert_string_equal(jstr(j, "messages.2.content.0.tool_use_id"), "toolu_1");
	assert_string_equal(jstr(j, "messages.2.content.0.content"), "{\"species\":\"cat\"}");
	assert_string_equal(jstr(j, "messages.2.content.1.type"), "tool_result");
	assert_string_equal(jstr(j, "messages.2.content.1.tool_use_id"), "toolu_2");
	assert_string_equal(jstr(j, "messages.2.content.1.content"), "no dog");
	assert_string_equal(jstr(j, "messages.2.content.2.type"), "text");
	assert_string_equal(jstr(j, "messages.2.content.2.text"), "Thanks");

	assert_true(fabs(json_real_value(jget(j, "temperature")) - 0.25) < 1e-12);
	assert_true(fabs(json_real_value(jget(j, "top_p")) - 0.5) < 1e-12);
	assert_int_equal(jint(j, "top_k"), 5); /* extra JSON wins */
	assert_string_equal(jstr(j, "service_tier"), "auto");
	assert_int_equal(jint(j, "max_tokens"), 64);
	assert_string_equal(jstr(j, "stop_sequences.0"), "END");
	assert_string_equal(jstr(j, "stop_sequences.1"), "\n\nHuman:");
	assert_null(jget(j, "stop"));
	assert_string_equal(jstr(j, "metadata.user_id"), "user-42");
	assert_null(jget(j, "user"));
	assert_string_equal(jstr(j, "tools.0.name"), "lookup");
	assert_string_equal(jstr(j, "tools.0.description"), "Look a thing up");
	assert_string_equal(jstr(j, "tools.0.input_schema.properties.q.type"), "string");
	assert_null(jget(j, "tools.0.type"));
	assert_null(jget(j, "tools.0.function"));
	assert_string_equal(jstr(j, "tools.1.name"), "now");
	assert_null(jget(j, "tools.1.description"));
	assert_string_equal(jstr(j, "tools.1.input_schema.type"), "object");
	assert_string_equal(jstr(j, "tool_choice.type"), "tool");
	assert_string_equal(jstr(j, "tool_choice.name"), "lookup");
	assert_null(jget(j, "stream"));
	assert_null(jget(j, "thinking"));
	json_decref(j);
	llmk_request_free(r);
}

static void test_defaults_and_plain_content(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("Hello");
	json_t *j;

	/* max_tokens is required by the API: 4096 when not set */
	llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Hi! What");
	llmk_request_add_message(r, LLMK_ROLE_USER, "");   /* empty text is not sent ... */
	llmk_request_add_message(r, LLMK_ROLE_USER, "Go"); /* ... the turn still is */
	j = send_ok(f, r);
	assert_int_equal(jint(j, "max_tokens"), 4096);
	assert_null(jget(j, "system"));
	assert_null(jget(j, "temperature"));
	assert_null(jget(j, "tools"));
	assert_null(jget(j, "tool_choice"));
	assert_null(jget(j, "metadata"));
	/* one text block goes out as plain string content */
	assert_int_equal(json_array_size(jget(j, "messages")), 3);
	assert_string_equal(jstr(j, "messages.0.content"), "Hello");
	assert_string_equal(jstr(j, "messages.1.role"), "assistant");
	assert_string_equal(jstr(j, "messages.1.content"), "Hi! What");
	assert_string_equal(jstr(j, "messages.2.role"), "user");
	assert_string_equal(jstr(j, "messages.2.content"), "Go");
	assert_string_equal(capture_header(&f->cap, "User-Agent"), "llmkit/" LLMK_VERSION_STRING);
	json_decref(j);

	/* the anthropic-version header follows the client's api_version */
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_API_VERSION, "2023-01-01"), LLMK_OK);
	j = send_ok(f, r);
	assert_string_equal(capture_header(&f->cap, "anthropic-version"), "2023-01-01");
	json_decref(j);
	llmk_client_set_str(f->c, LLMK_OPT_API_VERSION, NULL);
	j = send_ok(f, r);
	assert_string_equal(capture_header(&f->cap, "anthropic-version"), "2023-06-01");
	json_decref(j);
	llmk_request_free(r);
}

/* The API wants tool_result blocks first in their user turn, whatever the
 * order the conversation recorded them in. */
static void test_tool_results_lead_their_turn(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("weather?");
	json_t *j;

	llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, NULL);
	llmk_request_add_tool_call(r, "toolu_a", "get_weather", NULL);
	llmk_request_add_message(r, LLMK_ROLE_USER, "In Celsius please.");
	llmk_request_add_tool_result(r, "toolu_a", "");
	j = send_ok(f, r);
	assert_int_equal(json_array_size(jget(j, "messages")), 3);
	assert_string_equal(jstr(j, "messages.1.role"), "assistant");
	assert_int_equal(json_array_size(jget(j, "messages.1.content")), 1); /* no empty text block */
	assert_string_equal(jstr(j, "messages.1.content.0.type"), "tool_use");
	assert_true(json_is_object(jget(j, "messages.1.content.0.input")));
	assert_int_equal(json_object_size(jget(j, "messages.1.content.0.input")), 0);
	assert_string_equal(jstr(j, "messages.2.content.0.type"), "tool_result");
	assert_string_equal(jstr(j, "messages.2.content.0.tool_use_id"), "toolu_a");
	assert_null(jget(j, "messages.2.content.0.content")); /* empty result: no content */
	assert_string_equal(jstr(j, "messages.2.content.1.text"), "In Celsius please.");
	json_decref(j);
	llmk_request_free(r);
}

static void test_tool_choice_values(void **state)
{
	fixture *f = *state;
	static const char *const in[] = {"auto", "none", "required", "any"};
	static const char *const out[] = {"auto", "none", "any", "any"};
	llmk_request *r = chat_request("weather?");
	llmk_response *resp;
	json_t *j;

	llmk_request_add_tool(r, "get_weather", NULL, NULL);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, in[i]), LLMK_OK);
		j = send_ok(f, r);
		assert_string_equal(jstr(j, "tool_choice.type"), out[i]);
		assert_null(jget(j, "tool_choice.name"));
		json_decref(j);
	}
	/* a name that is no declared tool: rejected before anything is sent */
	f->cap.calls = 0;
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "get_time");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "get_time"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_reasoning_budget(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("Think about it.");
	json_t *j;

	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_REASONING_BUDGET, 2048), LLMK_OK);
	j = send_ok(f, r);
	assert_string_equal(jstr(j, "thinking.type"), "enabled");
	assert_int_equal(jint(j, "thinking.budget_tokens"), 2048);
	assert_int_equal(jint(j, "max_tokens"), 4096);
	json_decref(j);
	/* the API wants max_tokens > budget_tokens: the default makes room */
	llmk_request_set_i64(r, LLMK_OPT_REASONING_BUDGET, 10000);
	j = send_ok(f, r);
	assert_int_equal(jint(j, "thinking.budget_tokens"), 10000);
	assert_int_equal(jint(j, "max_tokens"), 14096);
	json_decref(j);
	/* an explicit max_tokens is sent as given */
	llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 16000);
	j = send_ok(f, r);
	assert_int_equal(jint(j, "max_tokens"), 16000);
	json_decref(j);
	llmk_request_free(r);
}

/* json_schema is Anthropic's GA structured output: output_config.format
 * (the name has no place there); json_object has no counterpart and stays
 * refused, or dropped on request. */
static void test_json_schema(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("Give me JSON.");
	llmk_response *resp;
	json_t *j;

	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA,
	                                      "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
	                                      "\"required\":[\"a\"],\"additionalProperties\":false}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA_NAME, "answer"), LLMK_OK);
	j = send_ok(f, r);
	assert_string_equal(jstr(j, "output_config.format.type"), "json_schema");
	assert_string_equal(jstr(j, "output_config.format.schema.properties.a.type"), "string");
	assert_true(json_is_false(jget(j, "output_config.format.schema.additionalProperties")));
	assert_null(jget(j, "output_config.format.name"));
	assert_null(jget(j, "response_format"));
	json_decref(j);
	llmk_request_free(r);

	r = chat_request("Give me JSON.");
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_object"), LLMK_OK);
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "anthropic"));
	assert_non_null(strstr(llmk_response_error(resp), "response_format"));
	assert_int_equal(f->cap.calls, 0); /* refused before anything was sent */
	llmk_response_free(resp);

	/* opted in: sent without it, and the response says what was left out */
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1), LLMK_OK);
	f->cap.resp_body = ok_body;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_dropped(resp), "response_format");
	j = sent_json(&f->cap);
	assert_null(jget(j, "output_config"));
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);
	assert_true(llmk_provider_capabilities("anthropic", LLMK_CHAT) & LLMK_CAP_JSON_SCHEMA);
}

static void test_key_from_environment(void **state)
{
	llmk_client *c;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	capture cap;

	(void)state;
	memset(&cap, 0, sizeof(cap));
	cap.resp_body = ok_body;
	setenv("ANTHROPIC_API_KEY", "sk-ant-from-env-00000000000000", 1);
	setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/anthropic/v1", 1);
	assert_int_equal(llmk_client_new(&c, "anthropic/claude-3-5-haiku-latest"), LLMK_OK);
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("ANTHROPIC_BASE_URL");
	capture_install(c, &cap);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(cap.url, "http://127.0.0.1:9/anthropic/v1/messages");
	assert_string_equal(capture_header(&cap, "x-api-key"), "sk-ant-from-env-00000000000000");
	assert_non_null(strstr((const char *)cap.body, "\"model\":\"claude-3-5-haiku-latest\""));
	llmk_response_free(resp);
	llmk_client_free(c);
	llmk_request_free(r);

	/* no key anywhere: a clear error naming the variable, nothing sent */
	assert_int_equal(llmk_client_new(&c, "anthropic/claude-3-5-haiku-latest"), LLMK_OK);
	memset(&cap, 0, sizeof(cap));
	capture_install(c, &cap);
	r = chat_request("hi");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_AUTH);
	assert_non_null(strstr(llmk_response_error(resp), "ANTHROPIC_API_KEY"));
	assert_int_equal(cap.calls, 0);
	llmk_response_free(resp);
	llmk_client_free(c);
	llmk_request_free(r);
}

static void test_capabilities(void **state)
{
	int64_t caps = llmk_provider_capabilities("anthropic", LLMK_CHAT);

	(void)state;
	assert_true(caps & LLMK_CAP_KIND);
	assert_true(caps & LLMK_CAP_STREAM);
	assert_true(caps & LLMK_CAP_TOOLS);
	assert_true(caps & LLMK_CAP_VISION);
	assert_true(caps & LLMK_CAP_IMAGE_URL);
	assert_true(caps & LLMK_CAP_JSON_SCHEMA); /* output_config.format */
	assert_false(caps & LLMK_CAP_JSON_MODE);
	assert_false(llmk_provider_capabilities("anthropic", LLMK_EMBED) & LLMK_CAP_KIND);
}

/* ---- whole responses ------------------------------------------------------- */

static void test_response_parsed(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;

	f->cap.resp_body = read_data("anthropic/message.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json\nrequest-id: req_018EeWyXxfu5pfWkrYcMdjWG\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2");
	assert_string_equal(llmk_response_reasoning(resp), "");
	assert_string_equal(llmk_response_finish_reason(resp), "end_turn");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_string_equal(llmk_response_model(resp), MODEL);
	assert_string_equal(llmk_response_request_id(resp), "req_018EeWyXxfu5pfWkrYcMdjWG");
	/* input counts cached tokens too: 14 + 1800 read + 200 written */
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 2014);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 1800);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHE_WRITE), 200);
	/* cache_creation: 120 of the 200 went to the 1-hour cache */
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHE_WRITE_1H), 120);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 9);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 2023);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_REASONING), -1);
	assert_int_equal(llmk_response_tool_call_count(resp), 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
	f->cap.resp_headers = NULL;
}

static void test_tool_use_parsed(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("weather and time in Paris?");
	llmk_response *resp;

	f->cap.resp_body = read_data("anthropic/message_tool_use.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_reasoning(resp), "The user wants weather and the local time.");
	assert_string_equal(llmk_response_text(resp), "Let me check.");
	/* server tool blocks are not the caller's tool calls */
	assert_int_equal(llmk_response_tool_call_count(resp), 2);
	assert_string_equal(llmk_response_tool_call_id(resp, 0), "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
	assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_weather");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"location\":\"Paris\"}");
	assert_string_equal(llmk_response_tool_call_id(resp, 1), "toolu_01Zx81bVQ3mU2nJd5Hk0aTqW");
	assert_string_equal(llmk_response_tool_call_name(resp, 1), "get_time");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"timezone\":\"Europe/Paris\"}");
	assert_string_equal(llmk_response_finish_reason(resp), "tool_use");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 472);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 0);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 89);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_REASONING), 12);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

static void test_stop_reasons(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *raw;
		int32_t finish;
	} cases[] = {
	        {"end_turn", LLMK_FINISH_STOP},
	        {"stop_sequence", LLMK_FINISH_STOP},
	        {"max_tokens", LLMK_FINISH_LENGTH},
	        {"tool_use", LLMK_FINISH_TOOL_CALLS},
	        {"refusal", LLMK_FINISH_REFUSAL},
	        {"pause_turn", LLMK_FINISH_STOP},
	        {"model_context_window_exceeded", LLMK_FINISH_LENGTH},
	        {"some_new_reason", LLMK_FINISH_OTHER},
	};
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	char body[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body),
		         "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":\"%s\","
		         "\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":0}}",
		         cases[i].raw);
		f->cap.resp_body = body;
		assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
		assert_string_equal(llmk_response_finish_reason(resp), cases[i].raw);
		assert_int_equal(llmk_response_finish(resp), cases[i].finish);
		assert_string_equal(llmk_response_text(resp), "");
		llmk_response_free(resp);
	}
	/* no content array: a malformed answer, not an empty one */
	f->cap.resp_body = "{\"type\":\"message\",\"role\":\"assistant\",\"stop_reason\":\"end_turn\"}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	llmk_response_free(resp);
	f->cap.resp_body = "not json";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- streams -------------------------------------------------------------- */

static void run_text_stream(fixture *f, const char *sse, size_t write_size)
{
	llmk_request *r = chat_request("hi");
	llmk_response *resp, *plain;
	tu_events e;
	json_t *j;

	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, "Content-Type: text/event-stream; charset=utf-8\nrequest-id: req_stream_1\n",
	                           sse, write_size, &e, &resp),
	                 LLMK_OK);

	j = sent_json(&f->cap);
	assert_true(json_is_true(jget(j, "stream")));
	assert_null(jget(j, "stream_options"));
	assert_string_equal(capture_header(&f->cap, "Accept"), "text/event-stream");
	json_decref(j);

	assert_string_equal(e.text, "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2");
	assert_int_equal(e.ntext, 5); /* the empty text of content_block_start is no event */
	assert_int_equal(e.ndone, 1);
	assert_int_equal(e.nusage, 2); /* input on message_start, output on message_delta */
	assert_int_equal(e.usage_in, 2014);
	assert_int_equal(e.usage_cached, 1800);
	assert_int_equal(e.usage_out, 9);
	assert_true(e.order_ok);
	assert_string_equal(llmk_response_text(resp), e.text);
	assert_string_equal(llmk_response_finish_reason(resp), "end_turn");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_string_equal(llmk_response_model(resp), MODEL);
	assert_string_equal(llmk_response_request_id(resp), "req_stream_1");
	assert_true(llmk_response_timing(resp, LLMK_TIMING_FIRST_TOKEN_MS) >= 0);

	/* The final response of a stream equals what llmk_send returns for the
	 * same answer. */
	f->cap.resp_body = read_data("anthropic/message.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json\n";
	assert_int_equal(llmk_send(f->c, r, &plain), LLMK_OK);
	assert_string_equal(llmk_response_text(plain), llmk_response_text(resp));
	assert_string_equal(llmk_response_finish_reason(plain), llmk_response_finish_reason(resp));
	assert_int_equal(llmk_response_finish(plain), llmk_response_finish(resp));
	assert_string_equal(llmk_response_model(plain), llmk_response_model(resp));
	for (int u = LLMK_USAGE_INPUT; u <= LLMK_USAGE_CACHE_WRITE; u++)
		assert_int_equal(llmk_response_usage(plain, u), llmk_response_usage(resp, u));
	assert_int_equal(llmk_response_tool_call_count(plain), llmk_response_tool_call_count(resp));
	free((void *)f->cap.resp_body);
	llmk_response_free(plain);
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.write_size = 0;
	f->cap.resp_headers = NULL;
}

static void test_stream_text(void **state)
{
	char *sse = read_data("anthropic/stream.sse", NULL);
	size_t ws[] = {0, 1, 7, 113};

	for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
		run_text_stream(*state, sse, ws[i]);
	free(sse);
}

/* Proxies that drop the "event:" lines still send the type inside the data;
 * CRLF line ends are as good as LF. */
static void test_stream_without_event_names(void **state)
{
	char *sse = read_data("anthropic/stream.sse", NULL);
	char *out = calloc(1, strlen(sse) * 2 + 1), *line, *save, *o = out;

	for (line = strtok_r(sse, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "event:", 6))
			o += sprintf(o, "%s\r\n\r\n", line);
	run_text_stream(*state, out, 5);
	free(out);
	free(sse);
}

static void test_stream_tool_calls(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("weather and time in Paris?");
	llmk_response *resp;
	tu_events e;
	size_t ws[] = {0, 1, 3};

	llmk_request_add_tool(r, "get_weather", NULL, NULL);
	llmk_request_add_tool(r, "get_time", NULL, NULL);
	f->cap.resp_body = read_data("anthropic/stream_tools.sse", NULL);
	f->cap.resp_headers = "Content-Type: text/event-stream\n";
	for (size_t k = 0; k < sizeof(ws) / sizeof(ws[0]); k++) {
		tu_events_init(&e, TU_EV_ALL);
		f->cap.write_size = ws[k];
		assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
		/* content blocks 2 and 5 are tool calls 0 and 1; the thinking,
		 * text and server-tool blocks between them do not count */
		assert_int_equal(llmk_response_tool_call_count(resp), 2);
		assert_string_equal(llmk_response_tool_call_id(resp, 0), "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
		assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_weather");
		assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"location\": \"Paris\"}");
		assert_string_equal(llmk_response_tool_call_id(resp, 1), "toolu_01Zx81bVQ3mU2nJd5Hk0aTqW");
		assert_string_equal(llmk_response_tool_call_name(resp, 1), "get_time");
		assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"timezone\":\"Europe/Paris\"}");
		assert_null(llmk_response_tool_call_id(resp, 2));
		assert_string_equal(e.tool_args[0], "{\"location\": \"Paris\"}");
		assert_string_equal(e.tool_args[1], "{\"timezone\":\"Europe/Paris\"}");
		assert_string_equal(e.tool_id[0], "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
		assert_string_equal(e.tool_name[1], "get_time");
		assert_int_equal(e.ntool, 2 + 3 + 2); /* one start each, then the non-empty fragments */
		assert_string_equal(e.reasoning, "The user wants weather and the local time.");
		assert_string_equal(llmk_response_reasoning(resp), e.reasoning);
		assert_int_equal(e.nreasoning, 2);
		assert_string_equal(llmk_response_text(resp), "Let me check.");
		assert_string_equal(llmk_response_finish_reason(resp), "tool_use");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 472);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 89);
		assert_int_equal(e.ndone, 1);
		assert_true(e.order_ok);
		llmk_response_free(resp);
	}
	free((void *)f->cap.resp_body);
	llmk_request_free(r);
	f->cap.write_size = 0;
	f->cap.resp_headers = NULL;
}

#define EV(name, json) "event: " name "\ndata: " json "\n\n"

/* Usage on message_delta is cumulative and may repeat the input counts:
 * nothing is counted twice. Blocks whose events interleave still land on
 * the right tool call. */
static void test_stream_cumulative_usage_and_interleaving(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("two tools");
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, TU_EV_ALL);
	f->cap.resp_headers = "Content-Type: text/event-stream\n";
	f->cap.resp_body = EV(
	        "message_start",
	        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_x\",\"type\":\"message\","
	        "\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"usage\":{\"input_tokens\":10,"
	        "\"cache_read_input_tokens\":5,\"output_tokens\":1}}}") EV("content_block_start",
	                                                                   "{\"type\":\"content_block_start\","
	                                                                   "\"index\":0,\"content_block\":{\"type\":"
	                                                                   "\"text\",\"text\":\"Checking \"}}")
	        EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":"
	                                  "\"tool_use\",\"id\":\"toolu_a\",\"name\":\"a\",\"input\":{}}}")
	                EV("content_block_start",
	                   "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":"
	                   "\"tool_use\",\"id\":\"toolu_b\",\"name\":\"b\",\"input\":{}}}")
	                        EV("content_block_delta",
	                           "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":"
	                           "\"input_json_delta\",\"partial_json\":\"{\\\"y\\\"\"}}")
	                                EV("content_block_delta",
	                                   "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":"
	                                   "\"input_json_delta\",\"partial_json\":\"{\\\"x\\\":1}\"}}")
	                                        EV("content_block_delta",
	                                           "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":"
	                                           "\"input_json_delta\",\"partial_json\":\":2}\"}}")
	                                                EV("content_block_delta", "{\"type\":\"content_block_delta\","
	                                                                          "\"index\":0,\"delta\":{\"type\":"
	                                                                          "\"text_delta\",\"text\":\"both.\"}}")
	                                                        EV("message_delta",
	                                                           "{\"type\":\"message_delta\",\"delta\":{\"stop_"
	                                                           "reason\":\"tool_use\","
	                                                           "\"stop_sequence\":null},\"usage\":{\"input_"
	                                                           "tokens\":10,\"cache_read_input_tokens\":5,"
	                                                           "\"cache_creation_input_tokens\":0,\"output_"
	                                                           "tokens\":7}}") EV("message_stop",
	                                                                              "{\"type\":\"message_stop\"}");
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "Checking both.");
	assert_int_equal(llmk_response_tool_call_count(resp), 2);
	assert_string_equal(llmk_response_tool_call_id(resp, 0), "toolu_a");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"x\":1}");
	assert_string_equal(llmk_response_tool_call_id(resp, 1), "toolu_b");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"y\":2}");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 15);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 5);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHE_WRITE), 0);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 7);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 22);
	assert_int_equal(e.nusage, 2);
	assert_int_equal(e.usage_in, 15);
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.resp_headers = NULL;
}

static void test_stream_error_inside_200(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, TU_SSE, read_data("anthropic/stream_error.sse", NULL), 0, &e, &resp),
	                 LLMK_E_OVERLOADED);
	assert_int_equal(llmk_response_status(resp), LLMK_E_OVERLOADED);
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_non_null(strstr(llmk_response_error(resp), "error inside the stream"));
	assert_non_null(strstr(llmk_response_error(resp), "Overloaded"));
	assert_string_equal(llmk_response_error_type(resp), "overloaded_error");
	/* the error is not text, and no DONE event was sent */
	assert_string_equal(e.text, "Partial");
	assert_string_equal(llmk_response_text(resp), "Partial");
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* other error types inside a stream keep their meaning */
	f->cap.resp_body = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\","
	                   "\"message\":\"Internal server error\"}}\n\n";
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_SERVER);
	llmk_response_free(resp);
	f->cap.resp_body = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
	                   "\"message\":\"slow down\"}}\n\n";
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_RATE_LIMITED);
	llmk_response_free(resp);
	/* a data line that is not JSON is a protocol error, not text */
	f->cap.resp_body = "event: content_block_delta\ndata: Hello\n\n";
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_PROTOCOL);
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.resp_headers = NULL;
}

static void test_stream_truncated(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, TU_SSE, read_data("anthropic/stream_truncated.sse", NULL), 0, &e, &resp),
	                 LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "stream ended"));
	assert_string_equal(llmk_response_text(resp), "Cut");
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	llmk_request_free(r);
	f->cap.resp_headers = NULL;
}

static void test_stream_cancel_and_after_stop(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	tu_events e;
	char *sse = read_data("anthropic/stream.sse", NULL);
	size_t n = strlen(sse);
	char *more = malloc(n + 200);

	tu_events_init(&e, TU_EV_ALL);
	e.stop_after = 2;
	assert_int_equal(tu_stream(f, r, TU_SSE, sse, 1, &e, &resp), LLMK_E_CANCELLED);
	assert_int_equal(e.ntext, 2);
	assert_int_equal(e.ndone, 0);
	assert_true(f->cap.write_refused);
	assert_string_equal(llmk_response_text(resp), "Hello!");
	llmk_response_free(resp);
	f->cap.write_size = 0;

	/* events after message_stop are ignored */
	memcpy(more, sse, n);
	strcpy(more + n, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
	                 "\"delta\":{\"type\":\"text_delta\",\"text\":\" late\"}}\n\n");
	tu_events_init(&e, TU_EV_ALL);
	f->cap.resp_body = more;
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2");
	llmk_response_free(resp);
	free(more);
	free(sse);
	llmk_request_free(r);
	f->cap.resp_headers = NULL;
}

static void test_stream_answered_with_json(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, TU_JSON, read_data("anthropic/message_tool_use.json", NULL), 0, &e, &resp),
	                 LLMK_OK);
	assert_string_equal(e.text, "Let me check.");
	assert_string_equal(e.tool_args[1], "{\"timezone\":\"Europe/Paris\"}");
	assert_int_equal(e.ndone, 1);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	llmk_request_free(r);
	f->cap.resp_headers = NULL;
}

/* ---- errors --------------------------------------------------------------- */

static void test_error_mapping(void **state)
{
	fixture *f = *state;
	char *e400 = read_data("anthropic/error_400_prompt_too_long.json", NULL);
	char *e401 = read_data("anthropic/error_401.json", NULL);
	char *e429 = read_data("anthropic/error_429.json", NULL);
	char *e529 = read_data("anthropic/error_529.json", NULL);
	llmk_response *resp;

	/* prompt too long: a context-length error, not a generic bad request */
	resp = tu_send_error(f, 400, "request-id: req_hdr_1\n", e400, LLMK_E_CONTEXT_LENGTH, "prompt is too long");
	assert_string_equal(llmk_response_error_type(resp), "invalid_request_error");
	assert_string_equal(llmk_response_request_id(resp), "req_hdr_1");
	llmk_response_free(resp);
	/* the request id from the body when no header carried it */
	resp = tu_send_error(f, 400, NULL, e400, LLMK_E_CONTEXT_LENGTH, "HTTP 400");
	assert_string_equal(llmk_response_request_id(resp), "req_011CV5J4YZo4J3KLTDZgDN7S");
	llmk_response_free(resp);
	llmk_response_free(tu_send_error(
	        f, 400, NULL,
	        "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"input length and "
	        "`max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and "
	        "try again\"}}",
	        LLMK_E_CONTEXT_LENGTH, "exceed context limit"));
	llmk_response_free(tu_send_error(
	        f, 400, NULL,
	        "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: Field "
	        "required\"}}",
	        LLMK_E_BAD_REQUEST, "max_tokens: Field required"));
	resp = tu_send_error(f, 401, NULL, e401, LLMK_E_AUTH, "invalid x-api-key");
	assert_string_equal(llmk_response_error_type(resp), "authentication_error");
	llmk_response_free(resp);
	llmk_response_free(tu_send_error(f, 403, NULL,
	                                 "{\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":"
	                                 "\"Your API key does not have permission to use the specified resource.\"}}",
	                                 LLMK_E_PERMISSION, "permission"));
	llmk_response_free(
	        tu_send_error(f, 404, NULL,
	                      "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"model: "
	                      "claude-9\"}}",
	                      LLMK_E_NOT_FOUND, "model: claude-9"));
	llmk_response_free(tu_send_error(f, 413, NULL,
	                                 "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\",\"message\":"
	                                 "\"Request exceeds the maximum allowed number of bytes.\"}}",
	                                 LLMK_E_TOO_LARGE, "maximum allowed"));
	resp = tu_send_error(f, 429, "retry-after: 20\nanthropic-ratelimit-requests-remaining: 0\n", e429,
	                     LLMK_E_RATE_LIMITED, "rate limit");
	assert_int_equal(llmk_response_retry_after_ms(resp), 20000);
	llmk_response_free(resp);
	llmk_response_free(tu_send_error(
	        f, 500, NULL,
	        "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}",
	        LLMK_E_SERVER, "Internal server error"));
	resp = tu_send_error(f, 529, NULL, e529, LLMK_E_OVERLOADED, "Overloaded");
	assert_string_equal(llmk_response_error_type(resp), "overloaded_error");
	llmk_response_free(resp);
	llmk_response_free(tu_send_error(f, 529, NULL, "", LLMK_E_OVERLOADED, "HTTP 529"));
	llmk_response_free(
	        tu_send_error(f, 502, NULL, "<html><body>Bad gateway</body></html>", LLMK_E_SERVER, "Bad gateway"));
	/* an error body under 200 is an error too */
	llmk_response_free(tu_send_error(f, 200, NULL, e529, LLMK_E_OVERLOADED, "Overloaded"));
	free(e400);
	free(e401);
	free(e429);
	free(e529);
}

static void test_key_never_in_errors(void **state)
{
	fixture *f = *state;

	llmk_response_free(tu_send_error(f, 401, NULL,
	                                 "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
	                                 "\"message\":\"invalid x-api-key " KEY " rejected\"}}",
	                                 LLMK_E_AUTH, "rejected"));
}

/* ---- over real sockets ---------------------------------------------------- */

/* ---- the next turn: llmk_request_add_response() ------------------------- */

#define SIG "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"
#define REDACTED "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"

/* The server tool's blocks of message_tool_use.json (content 4 and 5) must
 * come back exactly as they came, from a whole answer or a stream. */
static void check_server_blocks(json_t *sent, size_t at)
{
	char *text = read_data("anthropic/message_tool_use.json", NULL);
	json_t *ref = json_loads(text, 0, NULL);

	assert_non_null(ref);
	assert_true(json_equal(
	        json_array_get(json_object_get(json_array_get(json_object_get(sent, "messages"), 1), "content"), at),
	        jget(ref, "content.4")));
	assert_true(json_equal(
	        json_array_get(json_object_get(json_array_get(json_object_get(sent, "messages"), 1), "content"),
	                       at + 1),
	        jget(ref, "content.5")));
	json_decref(ref);
	free(text);
}

/* The request after message_tool_use.json (or stream_tools.sse) was added
 * and both tools answered: the assistant turn starts with the thinking
 * block, its signature unchanged, then (whole answers) the redacted block,
 * the text and the tool_use blocks with the server tool's blocks between
 * them, in the order they came; both results lead the next user turn. */
static void check_next_turn(json_t *j, int redacted)
{
	size_t k = 0;

	assert_int_equal(json_array_size(jget(j, "messages")), 3);
	assert_string_equal(jstr(j, "messages.1.role"), "assistant");
	assert_int_equal(json_array_size(jget(j, "messages.1.content")), 6 + (size_t)redacted);
	check_server_blocks(j, 3 + (size_t)redacted);
	assert_string_equal(jstr(j, "messages.1.content.0.type"), "thinking");
	assert_string_equal(jstr(j, "messages.1.content.0.thinking"), "The user wants weather and the local time.");
	assert_string_equal(jstr(j, "messages.1.content.0.signature"), SIG);
	assert_int_equal(json_object_size(jget(j, "messages.1.content.0")), 3);
	if (redacted) {
		k = 1;
		assert_string_equal(jstr(j, "messages.1.content.1.type"), "redacted_thinking");
		assert_string_equal(jstr(j, "messages.1.content.1.data"), REDACTED);
	}
	assert_string_equal(jstr(j, k == 1 ? "messages.1.content.2.type" : "messages.1.content.1.type"), "text");
	assert_string_equal(jstr(j, k == 1 ? "messages.1.content.2.text" : "messages.1.content.1.text"),
	                    "Let me check.");
	assert_string_equal(jstr(j, k == 1 ? "messages.1.content.3.name" : "messages.1.content.2.name"), "get_weather");
	assert_string_equal(
	        jstr(j, k == 1 ? "messages.1.content.3.input.location" : "messages.1.content.2.input.location"),
	        "Paris");
	assert_string_equal(jstr(j, k == 1 ? "messages.1.content.6.id" : "messages.1.content.5.id"),
	                    "toolu_01Zx81bVQ3mU2nJd5Hk0aTqW");
	assert_string_equal(jstr(j, "messages.2.role"), "user");
	assert_string_equal(jstr(j, "messages.2.content.0.type"), "tool_result");
	assert_string_equal(jstr(j, "messages.2.content.0.tool_use_id"), "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
	assert_string_equal(jstr(j, "messages.2.content.1.tool_use_id"), "toolu_01Zx81bVQ3mU2nJd5Hk0aTqW");
}

static void answer_tools(llmk_request *r, const llmk_response *resp)
{
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, llmk_response_tool_call_id(resp, 0), "18 C"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, llmk_response_tool_call_id(resp, 1), "14:05"), LLMK_OK);
}

static void test_add_response_whole(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("weather and time in Paris?");
	llmk_response *resp;
	json_t *j;

	llmk_request_set_i64(r, LLMK_OPT_REASONING_BUDGET, 2048);
	f->cap.resp_body = read_data("anthropic/message_tool_use.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	answer_tools(r, resp);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* read back: reasoning parts carry the block, for this wire only */
	assert_int_equal(llmk_request_message_role(r, 1), LLMK_ROLE_ASSISTANT);
	assert_int_equal(llmk_request_part_count(r, 1), 7);
	assert_int_equal(llmk_request_part_type(r, 1, 0), LLMK_PART_REASONING);
	assert_int_equal(llmk_request_part_wire(r, 1, 0), LLMK_FEATURE_ANTHROPIC);
	assert_non_null(strstr(llmk_request_part_opaque(r, 1, 0), SIG));
	assert_string_equal(llmk_request_part_text(r, 1, 0), "The user wants weather and the local time.");
	assert_int_equal(llmk_request_part_type(r, 1, 1), LLMK_PART_REASONING);
	assert_string_equal(llmk_request_part_text(r, 1, 1), "");
	assert_int_equal(llmk_request_part_type(r, 1, 2), LLMK_PART_TEXT);
	assert_int_equal(llmk_request_part_wire(r, 1, 2), 0);
	assert_null(llmk_request_part_opaque(r, 1, 2));
	assert_int_equal(llmk_request_part_type(r, 1, 3), LLMK_PART_TOOL_CALL);
	/* the server tool's call and result: opaque, whole, this wire's */
	assert_int_equal(llmk_request_part_type(r, 1, 4), LLMK_PART_OPAQUE);
	assert_int_equal(llmk_request_part_wire(r, 1, 4), LLMK_FEATURE_ANTHROPIC);
	assert_string_equal(llmk_request_part_text(r, 1, 4), "");
	assert_non_null(strstr(llmk_request_part_opaque(r, 1, 4), "\"server_tool_use\""));
	assert_int_equal(llmk_request_part_type(r, 1, 5), LLMK_PART_OPAQUE);
	assert_non_null(strstr(llmk_request_part_opaque(r, 1, 5), "\"encrypted_content\":\"Eo8BCioIAhgB\""));
	assert_int_equal(llmk_request_part_type(r, 1, 6), LLMK_PART_TOOL_CALL);
	assert_string_equal(llmk_request_part_id(r, 1, 6), "toolu_01Zx81bVQ3mU2nJd5Hk0aTqW");

	j = send_ok(f, r);
	check_next_turn(j, 1);
	json_decref(j);
	llmk_request_free(r);
}

static void test_add_response_stream(void **state)
{
	fixture *f = *state;
	char *sse = read_data("anthropic/stream_tools.sse", NULL);
	size_t ws[] = {0, 1, 7};
	llmk_response *resp;
	llmk_request *r;
	tu_events e;
	json_t *j;

	for (size_t k = 0; k < sizeof(ws) / sizeof(ws[0]); k++) {
		r = chat_request("weather and time in Paris?");
		tu_events_init(&e, TU_EV_ALL);
		assert_int_equal(tu_stream(f, r, TU_SSE, sse, ws[k], &e, &resp), LLMK_OK);
		answer_tools(r, resp);
		llmk_response_free(resp);
		j = send_ok(f, r);
		check_next_turn(j, 0);
		json_decref(j);
		llmk_request_free(r);
	}
	free(sse);
}

/* The same history sent to another wire format: the thinking stays behind,
 * the text and the calls go, and the answer says what was left out. Sent
 * back to Anthropic, nothing is missing. */
static void test_add_response_other_provider(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("weather and time in Paris?");
	llmk_response *resp;
	json_t *j;

	f->cap.resp_body = read_data("anthropic/message_tool_use.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	answer_tools(r, resp);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	tu_fixture_use(f, "openai/gpt-4o-mini", "sk-test-0123456789", "https://api.example.invalid/v1");
	f->cap.resp_body = read_data("openai/chat_completion.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK); /* whatever drop_unsupported says */
	assert_string_equal(llmk_response_dropped(resp), "anthropic reasoning state");
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	assert_null(body_find(&f->cap, SIG));
	assert_null(body_find(&f->cap, REDACTED));
	assert_null(body_find(&f->cap, "thinking"));
	assert_null(body_find(&f->cap, "srvtoolu_"));
	assert_null(body_find(&f->cap, "encrypted_content"));
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "messages.1.role"), "assistant");
	assert_string_equal(jstr(j, "messages.1.content"), "Let me check.");
	assert_string_equal(jstr(j, "messages.1.tool_calls.1.id"), "toolu_01Zx81bVQ3mU2nJd5Hk0aTqW");
	assert_string_equal(jstr(j, "messages.3.tool_call_id"), "toolu_01Zx81bVQ3mU2nJd5Hk0aTqW");
	json_decref(j);
	/* the request itself still has everything */
	assert_int_equal(llmk_request_part_count(r, 1), 7);
	llmk_request_free(r);
}

/* What add_response() refuses, leaving the request as it was. */
static void test_add_response_rejects(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi"), *e;
	llmk_response *resp;

	assert_int_equal(llmk_request_add_response(r, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_response(NULL, NULL), LLMK_E_INVALID_ARG);
	f->cap.status = 401;
	f->cap.resp_body = read_data("anthropic/error_401.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_AUTH);
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "failure"));
	assert_int_equal(llmk_request_message_count(r), 1);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	f->cap.status = 200;
	/* a cut-off tool call: arguments that are not an object */
	f->cap.resp_body =
	        "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"x\"},"
	        "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":[1]}],"
	        "\"stop_reason\":\"max_tokens\"}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_message_count(r), 1);
	assert_int_equal(llmk_request_new(&e, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_request_add_response(e, resp), LLMK_E_INVALID_ARG);
	/* llmk_request_add_part(): what it refuses */
	assert_int_equal(llmk_request_add_part(e, LLMK_PART_TEXT, "x", NULL, NULL, NULL, 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_REASONING, "x", NULL, NULL, "sig", LLMK_FEATURE_ANTHROPIC),
	                 LLMK_E_INVALID_ARG); /* r's last message is the user's */
	llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, NULL);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_TEXT, "x", NULL, NULL, "sig", 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_TEXT, "x", NULL, NULL, "sig", 3 << 8), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_TEXT, "x", NULL, NULL, NULL, LLMK_FEATURE_GEMINI),
	                 LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_REASONING, "x", NULL, NULL, NULL, 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_IMAGE_URL, "https://example.invalid/a.png", NULL, NULL, "s",
	                                       LLMK_FEATURE_GEMINI),
	                 LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_part(r, 99, "x", NULL, NULL, NULL, 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_TOOL_CALL, "[1]", "f", "id1", NULL, 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_part_count(r, 1), 0);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_REASONING, NULL, NULL, NULL, "sig", LLMK_FEATURE_ANTHROPIC),
	                 LLMK_OK);
	assert_string_equal(llmk_request_part_text(r, 1, 0), "");
	assert_string_equal(llmk_request_part_opaque(r, 1, 0), "sig");
	assert_int_equal(llmk_request_part_wire(r, 1, 0), LLMK_FEATURE_ANTHROPIC);
	llmk_request_free(e);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- prompt caching ------------------------------------------------------ */

static void test_cache_breakpoints(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("What is in the report?");
	llmk_response *resp;
	json_t *j;

	llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You read long reports.");
	llmk_request_add_tool(r, "a", NULL, NULL);
	llmk_request_add_tool(r, "b", NULL, NULL);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_CACHE_SYSTEM, "1h"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_CACHE_TOOLS, "5m"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_CACHE_MESSAGES, "5m"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_CACHE_MESSAGES, "2h"), LLMK_E_INVALID_ARG);
	j = send_ok(f, r);
	assert_string_equal(jstr(j, "system.0.type"), "text");
	assert_string_equal(jstr(j, "system.0.text"), "You read long reports.");
	assert_string_equal(jstr(j, "system.0.cache_control.type"), "ephemeral");
	assert_string_equal(jstr(j, "system.0.cache_control.ttl"), "1h");
	assert_null(jget(j, "tools.0.cache_control"));
	assert_string_equal(jstr(j, "tools.1.cache_control.ttl"), "5m");
	/* the one text block keeps its breakpoint: not turned into a string */
	assert_string_equal(jstr(j, "messages.0.content.0.text"), "What is in the report?");
	assert_string_equal(jstr(j, "messages.0.content.0.cache_control.ttl"), "5m");
	json_decref(j);
	llmk_request_free(r);

	/* elsewhere: refused by name, or dropped on request; Gemini's own cache */
	r = chat_request("hi");
	llmk_request_set_str(r, LLMK_OPT_CACHE_MESSAGES, "5m");
	tu_fixture_use(f, "openai/gpt-4o-mini", "sk-test", "https://api.example.invalid/v1");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "cache_messages"));
	llmk_response_free(resp);
	llmk_request_set_str(r, LLMK_OPT_CACHE_MESSAGES, NULL);
	llmk_request_set_str(r, LLMK_OPT_CACHED_CONTENT, "cachedContents/abc123");
	tu_fixture_use(f, "gemini/gemini-2.5-flash", "AIzaSyFAKE", "https://api.example.invalid/v1beta");
	f->cap.resp_body = read_data("gemini/generate_content.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "cachedContent"), "cachedContents/abc123");
	json_decref(j);
	llmk_request_free(r);
}

/* reasoning_effort by model (platform.claude.com "Effort", "Adaptive
 * thinking"; the mapping is documented at the top of build_thinking() in
 * anthropic.c). Each case: the model, the effort, then what goes out --
 * thinking.type (NULL: no thinking member), its budget_tokens (0: none),
 * output_config.effort (NULL: none) -- or the error's words. */
static void test_reasoning_effort(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *model, *effort, *thinking;
		int64_t budget;
		const char *sent_effort, *error;
	} cases[] = {
	        /* adaptive, effort as given (Opus 4.6 / Sonnet 4.6: no xhigh) */
	        {"claude-opus-4-6", "medium", "adaptive", 0, "medium", NULL},
	        {"claude-sonnet-4-6", "max", "adaptive", 0, "max", NULL},
	        {"claude-sonnet-4-6", "xhigh", NULL, 0, NULL,
	         "takes reasoning_effort low, medium, high, max, not 'xhigh'"},
	        {"claude-opus-4-7", "xhigh", "adaptive", 0, "xhigh", NULL},
	        {"claude-opus-4-8-20260601", "low", "adaptive", 0, "low", NULL},
	        {"claude-fable-5-1", "max", "adaptive", 0, "max", NULL},
	        {"claude-sonnet-5-5", "high", "adaptive", 0, "high", NULL},
	        {"claude-mythos-preview", "xhigh", NULL, 0, NULL, "not 'xhigh'"},
	        /* none: thinking left out (4.x: off by default), turned off
	         * (5.x that think by default), or refused (always on) */
	        {"claude-opus-4-6", "none", NULL, 0, NULL, NULL},
	        {"claude-opus-5", "none", "disabled", 0, NULL, NULL},
	        {"claude-haiku-5-5", "none", "disabled", 0, NULL, NULL},
	        {"claude-opus-5-5", "none", NULL, 0, NULL, "always thinks"},
	        {"claude-fable-5", "none", NULL, 0, NULL, "always thinks"},
	        /* minimal is not an Anthropic level where effort is sent */
	        {"claude-opus-4-7", "minimal", NULL, 0, NULL, "not 'minimal'"},
	        /* Opus 4.5: output_config.effort, no adaptive thinking, no max */
	        {"claude-opus-4-5-20251101", "low", NULL, 0, "low", NULL},
	        {"claude-opus-4-5-20251101", "max", NULL, 0, NULL, "takes reasoning_effort low, medium, high, not"},
	        /* older: a fixed budget (LiteLLM's 1024 / 2048 / 4096) */
	        {"claude-sonnet-4-5-20250929", "minimal", "enabled", 1024, NULL, NULL},
	        {"claude-sonnet-4-5-20250929", "low", "enabled", 1024, NULL, NULL},
	        {"claude-haiku-4-5", "medium", "enabled", 2048, NULL, NULL},
	        {"claude-3-7-sonnet-latest", "high", "enabled", 4096, NULL, NULL},
	        {"claude-opus-4-1", "xhigh", NULL, 0, NULL, "minimal, low, medium or high (as a thinking budget)"},
	        {"claude-sonnet-4-20250514", "none", NULL, 0, NULL, NULL},
	        /* no extended thinking at all */
	        {"claude-3-5-haiku-latest", "low", NULL, 0, NULL, "has no extended thinking"},
	        {"claude-3-5-haiku-latest", "none", NULL, 0, NULL, NULL},
	        /* a model the table does not know: adaptive, the API judges */
	        {"my-proxy-model", "high", "adaptive", 0, "high", NULL},
	};
	llmk_response *resp;
	json_t *j;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_request *r = chat_request("Think about it.");
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, cases[i].model), LLMK_OK);
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, cases[i].effort), LLMK_OK);
		if (cases[i].error) {
			f->cap.resp_body = ok_body;
			assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
			if (!strstr(llmk_response_error(resp), cases[i].error) ||
			    !strstr(llmk_response_error(resp), cases[i].model))
				fail_msg("%s %s: %s", cases[i].model, cases[i].effort, llmk_response_error(resp));
			llmk_response_free(resp);
			llmk_request_free(r);
			continue;
		}
		j = send_ok(f, r);
		if (cases[i].thinking)
			assert_string_equal(jstr(j, "thinking.type"), cases[i].thinking);
		else
			assert_null(jget(j, "thinking"));
		if (cases[i].budget)
			assert_int_equal(jint(j, "thinking.budget_tokens"), cases[i].budget);
		else if (cases[i].thinking)
			assert_null(jget(j, "thinking.budget_tokens"));
		if (cases[i].sent_effort)
			assert_string_equal(jstr(j, "output_config.effort"), cases[i].sent_effort);
		else
			assert_null(jget(j, "output_config"));
		assert_int_equal(jint(j, "max_tokens"), cases[i].budget >= 4096 ? cases[i].budget + 4096 : 4096);
		json_decref(j);
		llmk_request_free(r);
	}
}

/* Effort beside a budget or a schema: one output_config; Opus 4.5 takes
 * both (they are independent there); adaptive models have no budget. */
static void test_reasoning_effort_combined(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("Give me JSON.");
	llmk_response *resp;
	json_t *j;

	llmk_request_set_str(r, LLMK_OPT_MODEL, "claude-opus-4-7");
	llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "low");
	llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, "{\"type\":\"object\"}");
	j = send_ok(f, r);
	assert_string_equal(jstr(j, "output_config.effort"), "low");
	assert_string_equal(jstr(j, "output_config.format.type"), "json_schema");
	assert_string_equal(jstr(j, "thinking.type"), "adaptive");
	json_decref(j);
	llmk_request_set_i64(r, LLMK_OPT_REASONING_BUDGET, 2048);
	f->cap.resp_body = ok_body;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "adaptive thinking, which has no budget"));
	llmk_response_free(resp);
	llmk_request_set_str(r, LLMK_OPT_MODEL, "claude-opus-4-5");
	llmk_request_set_i64(r, LLMK_OPT_REASONING_BUDGET, 8000);
	j = send_ok(f, r);
	assert_string_equal(jstr(j, "thinking.type"), "enabled");
	assert_int_equal(jint(j, "thinking.budget_tokens"), 8000);
	assert_int_equal(jint(j, "max_tokens"), 12096);
	assert_string_equal(jstr(j, "output_config.effort"), "low");
	json_decref(j);
	llmk_request_set_str(r, LLMK_OPT_MODEL, "claude-sonnet-4-5");
	f->cap.resp_body = ok_body;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "not both"));
	llmk_response_free(resp);
	llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "none");
	f->cap.resp_body = ok_body;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "contradict"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* strict_tools: strict on every tool definition ("Strict tool use"), as
 * OpenAI's Chat Completions gets it on function.strict; unset: left out. */
static void test_strict_tools(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("weather?");
	llmk_response *resp;
	json_t *j;

	llmk_request_add_tool(r, "get_weather", "Weather now",
	                      "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
	                      "\"required\":[\"city\"],\"additionalProperties\":false}");
	llmk_request_add_tool(r, "ping", NULL, NULL);
	j = send_ok(f, r);
	assert_null(jget(j, "tools.0.strict"));
	json_decref(j);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_STRICT_TOOLS, 2), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_STRICT_TOOLS, 1), LLMK_OK);
	j = send_ok(f, r);
	assert_true(json_is_true(jget(j, "tools.0.strict")));
	assert_true(json_is_true(jget(j, "tools.1.strict")));
	assert_string_equal(jstr(j, "tools.0.input_schema.properties.city.type"), "string");
	assert_int_equal(json_object_size(jget(j, "tools.1")), 3); /* name, input_schema, strict */
	json_decref(j);
	llmk_request_set_i64(r, LLMK_OPT_STRICT_TOOLS, 0);
	j = send_ok(f, r);
	assert_true(json_is_false(jget(j, "tools.0.strict")));
	json_decref(j);

	/* OpenAI Chat Completions: function.strict */
	llmk_request_set_i64(r, LLMK_OPT_STRICT_TOOLS, 1);
	tu_fixture_use(f, "openai/gpt-4o-mini", "sk-test-0123456789", "https://api.example.invalid/v1");
	f->cap.resp_body = read_data("openai/chat_completion.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	j = sent_json(&f->cap);
	assert_true(json_is_true(jget(j, "tools.0.function.strict")));
	assert_string_equal(jstr(j, "tools.0.function.name"), "get_weather");
	json_decref(j);
	/* a provider without it: refused by name */
	tu_fixture_use(f, "cohere/command-r", "co-test", "https://api.example.invalid");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "strict_tools"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* An opaque part restored by hand (a saved conversation): sent back as it
 * is; one that is not a JSON object fails the request, naming it. */
static void test_opaque_parts(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("search it");
	llmk_response *resp;
	json_t *j;
	const char *block = "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\","
	                    "\"input\":{\"query\":\"q\"}}";

	assert_int_equal(llmk_request_add_part(r, LLMK_PART_OPAQUE, NULL, NULL, NULL, block, LLMK_FEATURE_ANTHROPIC),
	                 LLMK_E_INVALID_ARG); /* a user message */
	llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Searching.");
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_OPAQUE, NULL, NULL, NULL, NULL, LLMK_FEATURE_ANTHROPIC),
	                 LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_OPAQUE, NULL, NULL, NULL, block, 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_OPAQUE, NULL, NULL, NULL, block, LLMK_FEATURE_ANTHROPIC),
	                 LLMK_OK);
	assert_int_equal(llmk_request_part_type(r, 1, 1), LLMK_PART_OPAQUE);
	assert_string_equal(llmk_request_part_text(r, 1, 1), "");
	llmk_request_add_message(r, LLMK_ROLE_USER, "go on");
	j = send_ok(f, r);
	assert_string_equal(jstr(j, "messages.1.content.0.text"), "Searching.");
	assert_string_equal(jstr(j, "messages.1.content.1.type"), "server_tool_use");
	assert_string_equal(jstr(j, "messages.1.content.1.input.query"), "q");
	json_decref(j);
	llmk_request_free(r);

	r = chat_request("search it");
	llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Searching.");
	llmk_request_add_part(r, LLMK_PART_OPAQUE, NULL, NULL, NULL, "[1,2]", LLMK_FEATURE_ANTHROPIC);
	f->cap.resp_body = ok_body;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "opaque part is not a JSON object"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* A server tool's streamed input that is not JSON fails the stream (the
 * block could not be sent back); without any fragment the input is {}. */
static void test_stream_server_block_input(void **state)
{
	fixture *f = *state;
	static const char *head =
	        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":"
	        "{\"input_tokens\":1}}}\n\n"
	        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
	        "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}}}\n\n";
	static const char *tail = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
	                          "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
	                          "\"end_turn\"},\"usage\":{\"output_tokens\":3}}\n\n"
	                          "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
	static const char *bad = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
	                         "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"query\\\": \"}}\n\n";
	/* closes the input early and goes on to rewrite the block */
	static const char *sneaky = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
	                            "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"
	                            "\"{}, \\\"type\\\": \\\"text\\\"\"}}\n\n";
	static const char *good = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
	                          "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"
	                          "\"{\\\"query\\\": \\\"q\\\"}\"}}\n\n";
	static const char *text_then_end =
	        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
	        "{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srvtoolu_1\",\"content\":[]}}\n\n"
	        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":"
	        "{\"type\":\"text\",\"text\":\"\"}}\n\n"
	        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":"
	        "{\"type\":\"text_delta\",\"text\":\"Found it.\"}}\n\n"
	        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
	char sse[2048];
	llmk_response *resp;
	llmk_request *r = chat_request("search");
	tu_events e;

	snprintf(sse, sizeof(sse), "%s%s%s", head, bad, tail);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, TU_SSE, sse, 0, &e, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "server tool block"));
	llmk_response_free(resp);
	snprintf(sse, sizeof(sse), "%s%s%s", head, sneaky, tail);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, TU_SSE, sse, 0, &e, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "server tool block"));
	llmk_response_free(resp);
	snprintf(sse, sizeof(sse), "%s%s", head, tail);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, TU_SSE, sse, 1, &e, &resp), LLMK_OK);
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
	llmk_response_free(resp);
	assert_string_equal(
	        llmk_request_part_opaque(r, 1, 0),
	        "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}}");
	llmk_request_free(r);

	/* no content_block_stop: the next block's start closes it */
	r = chat_request("search");
	snprintf(sse, sizeof(sse), "%s%s%s", head, good, text_then_end);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, TU_SSE, sse, 1, &e, &resp), LLMK_OK);
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
	llmk_response_free(resp);
	assert_int_equal(llmk_request_part_count(r, 1), 3);
	assert_string_equal(llmk_request_part_opaque(r, 1, 0),
	                    "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\","
	                    "\"input\":{\"query\": \"q\"}}");
	assert_string_equal(llmk_request_part_opaque(r, 1, 1),
	                    "{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srvtoolu_1\",\"content\":[]}");
	assert_string_equal(llmk_request_part_text(r, 1, 2), "Found it.");
	llmk_request_free(r);
}

#ifdef LLMK_TEST_HAVE_CURL
static void test_loopback(void **state)
{
	th_server *srv = th_start();
	char url[128], *sse = read_data("anthropic/stream_tools.sse", NULL);
	char *e529 = read_data("anthropic/error_529.json", NULL);
	llmk_client *c;
	llmk_request *r = chat_request("weather?");
	llmk_response *resp;
	const th_request *req;
	th_response tr;
	tu_events e;

	(void)state;
	assert_non_null(srv);
	assert_int_equal(llmk_client_new(&c, "anthropic/" MODEL), LLMK_OK);
	snprintf(url, sizeof(url), "%s/v1", th_url(srv));
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK); /* one scripted answer per send */

	/* a tool-call stream dripped in small chunked writes */
	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: text/event-stream\r\nrequest-id: req_loop_1\r\n";
	tr.body = sse;
	tr.chunked = 1;
	tr.write_size = 17;
	th_push(srv, &tr);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(llmk_stream(c, r, tu_on_event, &e, &resp), LLMK_OK);
	assert_int_equal(llmk_response_tool_call_count(resp), 2);
	assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"timezone\":\"Europe/Paris\"}");
	assert_string_equal(llmk_response_request_id(resp), "req_loop_1");
	assert_int_equal(e.ndone, 1);
	llmk_response_free(resp);
	req = th_request_at(srv, 0);
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->target, "/v1/messages");
	assert_string_equal(th_request_header(req, "x-api-key"), KEY);
	assert_string_equal(th_request_header(req, "anthropic-version"), "2023-06-01");
	assert_null(th_request_header(req, "Authorization"));
	assert_non_null(strstr((const char *)req->body, "\"stream\":true"));

	/* 529 over the wire */
	memset(&tr, 0, sizeof(tr));
	tr.status = 529;
	tr.headers = "Content-Type: application/json\r\nrequest-id: req_loop_2\r\n";
	tr.body = e529;
	th_push(srv, &tr);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_OVERLOADED);
	assert_string_equal(llmk_response_request_id(resp), "req_loop_2");
	assert_string_equal(llmk_response_error_type(resp), "overloaded_error");
	llmk_response_free(resp);

	llmk_request_free(r);
	llmk_client_free(c);
	th_stop(srv);
	free(sse);
	free(e529);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_request_body, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_defaults_and_plain_content, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_tool_results_lead_their_turn, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_tool_choice_values, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_reasoning_budget, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_json_schema, setup, tu_teardown),
	        cmocka_unit_test(test_key_from_environment),
	        cmocka_unit_test(test_capabilities),
	        cmocka_unit_test_setup_teardown(test_response_parsed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_tool_use_parsed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stop_reasons, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_text, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_without_event_names, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_tool_calls, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_cumulative_usage_and_interleaving, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_error_inside_200, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_truncated, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_cancel_and_after_stop, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_answered_with_json, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_error_mapping, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_key_never_in_errors, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_add_response_whole, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_add_response_stream, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_add_response_other_provider, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_add_response_rejects, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_cache_breakpoints, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_reasoning_effort, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_reasoning_effort_combined, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_strict_tools, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_opaque_parts, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_server_block_input, setup, tu_teardown),
#ifdef LLMK_TEST_HAVE_CURL
	        cmocka_unit_test(test_loopback),
#endif
	};
	return cmocka_run_group_tests_name("anthropic", tests, NULL, NULL);
}
