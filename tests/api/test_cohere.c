#define _POSIX_C_SOURCE 200809L
/* Cohere v2 wire format through the public API: the exact requests chat and
 * embed produce, and how answers, streams and errors are read back. Uses
 * the capture transport; one test goes through libcurl to a loopback
 * server. Fixtures: tests/data/cohere/README.md. */
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

#define KEY "co-test-0123456789abcdef0123456789abcdef"
#define SPEC_TEXT                                                                                                   \
	"LLMs stand for Large Language Models, which are a type of neural network model specialized in processing " \
	"and generating human language."
#define TOOL_PLAN                                                                                                \
	"I will use the weather tool to find the weather in San Francisco and the cityAttractions tool to find " \
	"attractions in San Francisco."

typedef tu_fixture fixture;

static int setup(void **state)
{
	*state = tu_fixture_new("cohere/command-a-03-2025", KEY, "https://api.example.invalid/");
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

	f->cap.resp_body = read_data("cohere/chat_response.json", NULL);
	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Be brief."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_DEVELOPER, "Answer in English."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "What is this?"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_url(r, "https://example.invalid/cat.jpg", "low"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_data(r, png, sizeof(png), "image/png"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "A cat."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Look it up."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "I will look up cats."), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "lookup_abc123", "lookup", "{\"q\":\"cat\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "lookup_def456", "lookup", "{\"q\":\"dog\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "lookup_abc123", "{\"species\":\"cat\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "lookup_def456", "{\"species\":\"dog\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, NULL), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "lookup_x", "lookup", "{}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "lookup_x", "none"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Thanks"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.25), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TOP_P, 0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_K, 40), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 64), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_SEED, 42), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_FREQUENCY_PENALTY, 0.125), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_PRESENCE_PENALTY, 0.375), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_REASONING_BUDGET, 512), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "END"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "\n\n"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "lookup", "Look a thing up",
	                                       "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "noparams", NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "required"), LLMK_OK);
	assert_int_equal(llmk_request_set_extra_json(r, "{\"safety_mode\":\"STRICT\",\"seed\":7}"), LLMK_OK);

	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, "https://api.example.invalid/v2/chat");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " KEY);
	assert_string_equal(capture_header(&f->cap, "Content-Type"), "application/json");
	assert_string_equal(capture_header(&f->cap, "Accept"), "application/json");
	assert_string_equal(capture_header(&f->cap, "User-Agent"), "llmkit/" LLMK_VERSION_STRING);

	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "model"), "command-a-03-2025");
	assert_int_equal(json_array_size(jget(j, "messages")), 11);
	assert_string_equal(jstr(j, "messages.0.role"), "system");
	assert_string_equal(jstr(j, "messages.0.content"), "Be brief.");
	assert_string_equal(jstr(j, "messages.1.role"), "system"); /* no developer role */
	assert_string_equal(jstr(j, "messages.1.content"), "Answer in English.");
	assert_string_equal(jstr(j, "messages.2.role"), "user");
	assert_int_equal(json_array_size(jget(j, "messages.2.content")), 3);
	assert_string_equal(jstr(j, "messages.2.content.0.type"), "text");
	assert_string_equal(jstr(j, "messages.2.content.0.text"), "What is this?");
	assert_string_equal(jstr(j, "messages.2.content.1.type"), "image_url");
	assert_string_equal(jstr(j, "messages.2.content.1.image_url.url"), "https://example.invalid/cat.jpg");
	assert_string_equal(jstr(j, "messages.2.content.1.image_url.detail"), "low");
	assert_string_equal(jstr(j, "messages.2.content.2.type"), "image_url");
	assert_string_equal(jstr(j, "messages.2.content.2.image_url.url"), "data:image/png;base64,iVBORw0KGgo=");
	assert_null(jget(j, "messages.2.content.2.image_url.detail"));
	assert_string_equal(jstr(j, "messages.3.role"), "assistant");
	assert_string_equal(jstr(j, "messages.3.content"), "A cat.");
	assert_null(jget(j, "messages.3.tool_calls"));
	assert_string_equal(jstr(j, "messages.4.content"), "Look it up."); /* text-only user: a string */
	/* text next to tool calls goes out as the tool plan */
	assert_string_equal(jstr(j, "messages.5.role"), "assistant");
	assert_null(jget(j, "messages.5.content"));
	assert_string_equal(jstr(j, "messages.5.tool_plan"), "I will look up cats.");
	assert_int_equal(json_array_size(jget(j, "messages.5.tool_calls")), 2);
	assert_string_equal(jstr(j, "messages.5.tool_calls.0.id"), "lookup_abc123");
	assert_string_equal(jstr(j, "messages.5.tool_calls.0.type"), "function");
	assert_string_equal(jstr(j, "messages.5.tool_calls.0.function.name"), "lookup");
	assert_string_equal(jstr(j, "messages.5.tool_calls.0.function.arguments"), "{\"q\":\"cat\"}");
	assert_string_equal(jstr(j, "messages.5.tool_calls.1.id"), "lookup_def456");
	assert_string_equal(jstr(j, "messages.5.tool_calls.1.function.arguments"), "{\"q\":\"dog\"}");
	assert_string_equal(jstr(j, "messages.6.role"), "tool");
	assert_string_equal(jstr(j, "messages.6.tool_call_id"), "lookup_abc123");
	assert_string_equal(jstr(j, "messages.6.content"), "{\"species\":\"cat\"}");
	assert_string_equal(jstr(j, "messages.7.tool_call_id"), "lookup_def456");
	assert_string_equal(jstr(j, "messages.7.content"), "{\"species\":\"dog\"}");
	assert_null(jget(j, "messages.8.tool_plan")); /* calls without text: no plan, no content */
	assert_null(jget(j, "messages.8.content"));
	assert_string_equal(jstr(j, "messages.8.tool_calls.0.id"), "lookup_x");
	assert_string_equal(jstr(j, "messages.9.role"), "tool");
	assert_string_equal(jstr(j, "messages.9.content"), "none");
	assert_string_equal(jstr(j, "messages.10.role"), "user");
	assert_string_equal(jstr(j, "messages.10.content"), "Thanks");
	assert_true(fabs(json_real_value(jget(j, "temperature")) - 0.25) < 1e-12);
	assert_true(fabs(json_real_value(jget(j, "p")) - 0.5) < 1e-12);
	assert_null(jget(j, "top_p"));
	assert_int_equal(json_integer_value(jget(j, "k")), 40);
	assert_int_equal(json_integer_value(jget(j, "max_tokens")), 64);
	assert_int_equal(json_integer_value(jget(j, "seed")), 7); /* extra JSON wins */
	assert_true(fabs(json_real_value(jget(j, "frequency_penalty")) - 0.125) < 1e-12);
	assert_true(fabs(json_real_value(jget(j, "presence_penalty")) - 0.375) < 1e-12);
	assert_string_equal(jstr(j, "thinking.type"), "enabled");
	assert_int_equal(json_integer_value(jget(j, "thinking.token_budget")), 512);
	assert_string_equal(jstr(j, "stop_sequences.0"), "END");
	assert_string_equal(jstr(j, "stop_sequences.1"), "\n\n");
	assert_null(jget(j, "stop"));
	assert_string_equal(jstr(j, "tools.0.type"), "function");
	assert_string_equal(jstr(j, "tools.0.function.name"), "lookup");
	assert_string_equal(jstr(j, "tools.0.function.description"), "Look a thing up");
	assert_string_equal(jstr(j, "tools.0.function.parameters.properties.q.type"), "string");
	assert_string_equal(jstr(j, "tools.1.function.name"), "noparams");
	assert_null(jget(j, "tools.1.function.description"));
	assert_string_equal(jstr(j, "tools.1.function.parameters.type"), "object");
	assert_string_equal(jstr(j, "tool_choice"), "REQUIRED");
	assert_string_equal(jstr(j, "safety_mode"), "STRICT");
	assert_null(jget(j, "stream"));
	assert_null(jget(j, "response_format"));
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

/* Sends r and returns the body (caller frees), or NULL when want != OK. */
static json_t *send_expect(fixture *f, llmk_request *r, llmk_status want, const char *msg_part)
{
	llmk_response *resp;
	int calls = f->cap.calls;
	json_t *j = NULL;

	f->cap.resp_body =
	        "{\"id\":\"x\",\"finish_reason\":\"COMPLETE\",\"message\":{\"role\":\"assistant\",\"content\":[]}}";
	assert_int_equal(llmk_send(f->c, r, &resp), want);
	if (msg_part && !strstr(llmk_response_error(resp), msg_part))
		fail_msg("error '%s' lacks '%s'", llmk_response_error(resp), msg_part);
	if (want == LLMK_OK)
		j = sent_json(&f->cap);
	else
		assert_int_equal(f->cap.calls, calls); /* nothing was sent */
	llmk_response_free(resp);
	return j;
}

static void test_tool_choice_mapping(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	json_t *j;

	llmk_request_add_tool(r, "get_weather", "Weather", NULL);
	j = send_expect(f, r, LLMK_OK, NULL);
	assert_null(jget(j, "tool_choice"));
	json_decref(j);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "auto");
	j = send_expect(f, r, LLMK_OK, NULL);
	assert_null(jget(j, "tool_choice")); /* the default has no wire value */
	json_decref(j);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "none");
	j = send_expect(f, r, LLMK_OK, NULL);
	assert_string_equal(jstr(j, "tool_choice"), "NONE");
	json_decref(j);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "get_weather"); /* the only tool */
	j = send_expect(f, r, LLMK_OK, NULL);
	assert_string_equal(jstr(j, "tool_choice"), "REQUIRED");
	json_decref(j);
	llmk_request_add_tool(r, "get_time", "Time", NULL);
	j = send_expect(f, r, LLMK_E_UNSUPPORTED, "cohere cannot force a named tool (tool_choice 'get_weather'");
	assert_null(j);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "get_date");
	assert_null(send_expect(f, r, LLMK_E_INVALID_ARG, "tool_choice 'get_date'"));
	llmk_request_free(r);
}

static void test_response_format(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	json_t *j;

	llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_object");
	j = send_expect(f, r, LLMK_OK, NULL);
	assert_string_equal(jstr(j, "response_format.type"), "json_object");
	assert_null(jget(j, "response_format.json_schema"));
	json_decref(j);
	llmk_request_set_str(
	        r, LLMK_OPT_JSON_SCHEMA,
	        "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}");
	llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA_NAME, "person");
	j = send_expect(f, r, LLMK_OK, NULL);
	assert_string_equal(jstr(j, "response_format.type"), "json_object");
	assert_string_equal(jstr(j, "response_format.json_schema.properties.name.type"), "string");
	assert_string_equal(jstr(j, "response_format.json_schema.required.0"), "name");
	assert_null(jget(j, "response_format.name"));
	json_decref(j);
	llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, NULL);
	llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "text");
	j = send_expect(f, r, LLMK_OK, NULL);
	assert_string_equal(jstr(j, "response_format.type"), "text");
	json_decref(j);
	/* the setter already refuses other formats */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_schema"), LLMK_E_INVALID_ARG);
	llmk_request_free(r);
}

static void test_unsupported_parameter(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	json_t *j;

	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "high"), LLMK_OK);
	assert_null(send_expect(f, r, LLMK_E_UNSUPPORTED, "cohere does not support reasoning_effort for chat"));
	llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, NULL);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_USER, "user-42"), LLMK_OK);
	assert_null(send_expect(f, r, LLMK_E_UNSUPPORTED, "cohere does not support user"));

	/* opting in drops it and says so */
	llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1);
	f->cap.resp_body =
	        "{\"id\":\"x\",\"finish_reason\":\"COMPLETE\",\"message\":{\"role\":\"assistant\",\"content\":[]}}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_dropped(resp), "user");
	j = sent_json(&f->cap);
	assert_null(jget(j, "user"));
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- response parsing ----------------------------------------------------- */

static void test_chat_response_parsed(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	json_t *fx;
	size_t rawlen;

	f->cap.resp_body = read_data("cohere/chat_response.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json\nx-request-id: 7b1c0a1e-req\n";
	fx = json_loads(f->cap.resp_body, 0, NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), jstr(fx, "message.content.0.text"));
	assert_int_equal(strncmp(llmk_response_text(resp), "LLMs stand for Large Language Models", 36), 0);
	assert_string_equal(llmk_response_reasoning(resp), "");
	assert_string_equal(llmk_response_finish_reason(resp), "COMPLETE");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	/* tokens (71 in, 418 out), not billed_units (5 in) */
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 71);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 418);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 489);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), -1);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_REASONING), -1);
	assert_string_equal(llmk_response_request_id(resp), "7b1c0a1e-req");
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_int_equal(llmk_response_tool_call_count(resp), 0);
	assert_string_equal(llmk_response_raw(resp, &rawlen), f->cap.resp_body);
	assert_string_equal(llmk_response_error(resp), "");
	json_decref(fx);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	f->cap.resp_headers = NULL;

	f->cap.resp_body = read_data("cohere/chat_cached_usage.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "OK.");
	assert_string_equal(llmk_response_finish_reason(resp), "MAX_TOKENS");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_LENGTH);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 500);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 5);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 448);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 505);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* finish values of the v2 enum, and one the core does not know */
	f->cap.resp_body = "{\"id\":\"x\",\"finish_reason\":\"STOP_SEQUENCE\",\"message\":{\"role\":\"assistant\","
	                   "\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]},"
	                   "\"usage\":{\"billed_units\":{\"input_tokens\":3,\"output_tokens\":2}}}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "ab");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	/* without tokens, billed_units are all there is */
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 3);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 2);
	llmk_response_free(resp);
	f->cap.resp_body =
	        "{\"id\":\"x\",\"finish_reason\":\"TIMEOUT\",\"message\":{\"role\":\"assistant\",\"content\":[]}}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_finish_reason(resp), "TIMEOUT");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_ERROR); /* cut short on Cohere's side */
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), -1);
	llmk_response_free(resp);
	f->cap.resp_body =
	        "{\"id\":\"x\",\"finish_reason\":\"ERROR\",\"message\":{\"role\":\"assistant\",\"content\":[]}}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_ERROR);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_chat_tool_calls_parsed(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;

	f->cap.resp_body = read_data("cohere/chat_tool_calls.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_tool_call_count(resp), 2);
	assert_string_equal(llmk_response_tool_call_id(resp, 0), "query_daily_sales_report_hgxxmkby3wta");
	assert_string_equal(llmk_response_tool_call_name(resp, 0), "query_daily_sales_report");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"day\": \"2023-09-29\"}");
	assert_string_equal(llmk_response_tool_call_id(resp, 1), "query_product_catalog_rpg0z5h8yyz2");
	assert_string_equal(llmk_response_tool_call_name(resp, 1), "query_product_catalog");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"category\": \"Electronics\"}");
	assert_null(llmk_response_tool_call_id(resp, 2));
	/* the thinking block is reasoning, not text */
	assert_string_equal(llmk_response_text(resp), "");
	assert_string_equal(
	        llmk_response_reasoning(resp),
	        "I will first find the sales summary for 29th September 2023. Then, I will find the details "
	        "of the products in the 'Electronics' category.");
	assert_string_equal(llmk_response_finish_reason(resp), "TOOL_CALL");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 1032);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 124);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* tool_plan (older models) is reasoning too; null arguments become {} */
	f->cap.resp_body =
	        "{\"id\":\"x\",\"finish_reason\":\"TOOL_CALL\",\"message\":{\"role\":\"assistant\",\"tool_plan\":"
	        "\"I will check the time.\",\"tool_calls\":[{\"id\":\"now_1\",\"type\":\"function\",\"function\":"
	        "{\"name\":\"now\",\"arguments\":null}}]}}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_reasoning(resp), "I will check the time.");
	assert_string_equal(llmk_response_text(resp), "");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{}");
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_malformed_bodies(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;

	f->cap.resp_body = "{\"id\":\"x\",\"message\":";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "not valid JSON"));
	llmk_response_free(resp);
	f->cap.resp_body = "[1,2,3]";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "not a JSON object"));
	llmk_response_free(resp);
	f->cap.resp_body = "{\"id\":\"x\",\"finish_reason\":\"COMPLETE\"}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "cohere chat response has no message"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- streaming ------------------------------------------------------------ */

static llmk_status stream_fixture(fixture *f, const char *body, size_t write_size, tu_events *e, llmk_response **resp)
{
	llmk_request *r = chat_request("hi");
	llmk_status st;

	tu_events_init(e, TU_EV_ALL);
	st = tu_stream(f, r, TU_SSE, body, write_size, e, resp);
	f->cap.write_size = 0;
	f->cap.resp_headers = NULL;
	llmk_request_free(r);
	return st;
}

static void check_text_stream(fixture *f, const char *body, size_t ws)
{
	llmk_response *resp;
	tu_events e;
	json_t *j;
	char expect_seq[64];

	assert_int_equal(stream_fixture(f, body, ws, &e, &resp), LLMK_OK);
	assert_string_equal(e.text, SPEC_TEXT);
	assert_int_equal(e.ntext, 24); /* the empty content-start is not an event */
	memset(expect_seq, 'T', 24);
	strcpy(expect_seq + 24, "UD");
	assert_string_equal(e.seq, expect_seq);
	assert_int_equal(e.usage_in, 71);
	assert_int_equal(e.usage_out, 26);
	assert_string_equal(llmk_response_text(resp), SPEC_TEXT);
	assert_string_equal(llmk_response_finish_reason(resp), "COMPLETE");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 97);
	assert_true(llmk_response_timing(resp, LLMK_TIMING_FIRST_TOKEN_MS) >= 0);
	j = sent_json(&f->cap);
	assert_true(json_is_true(jget(j, "stream")));
	assert_null(jget(j, "stream_options"));
	json_decref(j);
	assert_string_equal(capture_header(&f->cap, "Accept"), "text/event-stream");
	llmk_response_free(resp);
}

static void test_stream_text_every_split(void **state)
{
	fixture *f = *state;
	size_t len, ws;
	char *body = read_data("cohere/chat_stream.sse", &len);

	for (ws = 0; ws <= len; ws++)
		check_text_stream(f, body, ws);
	free(body);
}

static void test_stream_cached_usage_every_split(void **state)
{
	fixture *f = *state;
	llmk_response *resp;
	tu_events e;
	size_t len, ws;
	char *body = read_data("cohere/chat_stream_cached.sse", &len);

	for (ws = 0; ws <= len; ws++) {
		assert_int_equal(stream_fixture(f, body, ws, &e, &resp), LLMK_OK);
		assert_string_equal(e.seq, "TTUD");
		assert_string_equal(e.text, "OK.");
		assert_int_equal(e.usage_in, 500);
		assert_int_equal(e.usage_out, 5);
		assert_int_equal(e.usage_cached, 448);
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_LENGTH);
		assert_string_equal(llmk_response_finish_reason(resp), "MAX_TOKENS");
		llmk_response_free(resp);
	}
	free(body);
}

static void test_stream_tool_calls_assembled(void **state)
{
	fixture *f = *state;
	llmk_response *resp;
	tu_events e;
	size_t len, ws;
	char *body = read_data("cohere/chat_stream_tools.sse", &len);

	for (ws = 0; ws <= len; ws += (ws < 64 ? 1 : 97)) {
		assert_int_equal(stream_fixture(f, body, ws, &e, &resp), LLMK_OK);
		assert_int_equal(llmk_response_tool_call_count(resp), 2);
		assert_string_equal(llmk_response_tool_call_id(resp, 0), "weather_e8p4pn45zt0t");
		assert_string_equal(llmk_response_tool_call_name(resp, 0), "weather");
		assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"location\": \"San Francisco\"}");
		assert_string_equal(llmk_response_tool_call_id(resp, 1), "cityAttractions_pyxssbwnq9fq");
		assert_string_equal(llmk_response_tool_call_name(resp, 1), "cityAttractions");
		assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"city\": \"San Francisco\"}");
		assert_null(llmk_response_tool_call_id(resp, 2));
		assert_string_equal(e.tool_args[0], "{\"location\": \"San Francisco\"}");
		assert_string_equal(e.tool_args[1], "{\"city\": \"San Francisco\"}");
		assert_string_equal(e.tool_name[1], "cityAttractions");
		assert_string_equal(e.tool_id[0], "weather_e8p4pn45zt0t");
		assert_int_equal(e.ntool, 16); /* 2 starts + 14 argument fragments */
		assert_int_equal(e.nreasoning, 27);
		assert_string_equal(e.reasoning, TOOL_PLAN);
		assert_string_equal(llmk_response_reasoning(resp), TOOL_PLAN);
		assert_string_equal(llmk_response_text(resp), "");
		assert_int_equal(e.ntext, 0);
		assert_string_equal(llmk_response_finish_reason(resp), "TOOL_CALL");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 1549);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 95);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 1504);
		assert_int_equal(e.nusage, 1);
		assert_int_equal(e.ndone, 1);
		assert_int_equal(e.seq[strlen(e.seq) - 1], 'D');
		assert_int_equal(e.seq[strlen(e.seq) - 2], 'U');
		llmk_response_free(resp);
	}
	free(body);
}

static void test_stream_reasoning(void **state)
{
	fixture *f = *state;
	llmk_response *resp;
	tu_events e;
	char *body = read_data("cohere/chat_stream_reasoning.sse", NULL);

	assert_int_equal(stream_fixture(f, body, 5, &e, &resp), LLMK_OK);
	assert_string_equal(e.reasoning,
	                    "The user is asking for the sum of 2 and 2. Since this is a straightforward "
	                    "arithmetic problem, I don't need to use any tools. I can calculate the answer "
	                    "directly.");
	assert_string_equal(llmk_response_reasoning(resp), e.reasoning);
	assert_string_equal(e.text, "The answer to 2 + 2 is 4.");
	assert_int_equal(e.nreasoning, 36);
	assert_int_equal(e.ntext, 9);
	assert_int_equal(strspn(e.seq, "R"), 36); /* reasoning first, then text */
	assert_int_equal(strspn(e.seq + 36, "T"), 9);
	assert_string_equal(e.seq + 45, "UD");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 1394);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 54);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 1360);
	llmk_response_free(resp);
	free(body);
}

static void test_stream_citations_and_float_usage(void **state)
{
	fixture *f = *state;
	llmk_response *resp;
	tu_events e;
	char *body = read_data("cohere/chat_stream_citations.sse", NULL);

	assert_int_equal(stream_fixture(f, body, 0, &e, &resp), LLMK_OK);
	assert_string_equal(e.text, "Both Nsync and Backstreet Boys were");
	assert_string_equal(e.seq, "TTTTTTUD");                              /* citation events are not reported */
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 1661); /* sent as 1661.0 */
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 19);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	llmk_response_free(resp);
	free(body);
}

static void test_stream_error_in_message_end(void **state)
{
	fixture *f = *state;
	llmk_response *resp;
	tu_events e;
	char *body = read_data("cohere/chat_stream_error.sse", NULL);

	assert_int_equal(stream_fixture(f, body, 3, &e, &resp), LLMK_E_SERVER);
	assert_int_equal(llmk_response_status(resp), LLMK_E_SERVER);
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_non_null(strstr(llmk_response_error(resp), "error inside the stream: internal server error"));
	assert_string_equal(e.text, "LL");
	assert_null(strstr(llmk_response_text(resp), "error"));
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_ERROR);
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);
	free(body);
}

static void test_stream_truncated_is_protocol_error(void **state)
{
	fixture *f = *state;
	llmk_response *resp;
	tu_events e;
	char *body = read_data("cohere/chat_stream_truncated.sse", NULL);

	assert_int_equal(stream_fixture(f, body, 11, &e, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "cohere: stream ended before the end-of-stream marker"));
	assert_string_equal(llmk_response_text(resp), SPEC_TEXT);
	assert_int_equal(e.ndone, 0);
	assert_int_equal(e.nusage, 0);
	llmk_response_free(resp);
	free(body);
}

static void test_stream_malformed_event(void **state)
{
	fixture *f = *state;
	llmk_response *resp;
	tu_events e;

	assert_int_equal(stream_fixture(f,
	                                "event: content-delta\ndata: {\"type\":\"content-delta\",\"index\":0,\"delta\":"
	                                "{\"message\":{\"content\":{\"text\":\"Hi\"}}}}\n\nevent: content-delta\ndata: "
	                                "{\"type\":\"content-delta\",\"ind\n\n",
	                                0, &e, &resp),
	                 LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "cohere stream event content-delta is not a JSON object"));
	assert_string_equal(e.text, "Hi");
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);

	/* a delta with no tool call open */
	assert_int_equal(
	        stream_fixture(f,
	                       "event: tool-call-delta\ndata: {\"type\":\"tool-call-delta\",\"index\":0,\"delta\":"
	                       "{\"message\":{\"tool_calls\":{\"function\":{\"arguments\":\"{\"}}}}}\n\n",
	                       0, &e, &resp),
	        LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "tool-call-delta outside a tool call"));
	llmk_response_free(resp);
}

static void test_stream_variants(void **state)
{
	fixture *f = *state;
	llmk_response *resp;
	tu_events e;
	size_t len;
	char *body = read_data("cohere/chat_stream_cached.sse", &len);
	char *more = malloc(len + 64);
	llmk_request *r;

	/* a trailing [DONE] (the spec's terminator) and keep-alive comments */
	snprintf(more, len + 64, ": ping\n\n%sdata: [DONE]\n\n", body);
	assert_int_equal(stream_fixture(f, more, 2, &e, &resp), LLMK_OK);
	assert_string_equal(e.seq, "TTUD");
	llmk_response_free(resp);

	/* events named only by the SSE event field */
	assert_int_equal(
	        stream_fixture(f,
	                       "event: content-delta\ndata: {\"delta\":{\"message\":{\"content\":{\"text\":\"Hi\"}}}}"
	                       "\n\nevent: message-end\ndata: {\"delta\":{\"finish_reason\":\"COMPLETE\"}}\n\n",
	                       0, &e, &resp),
	        LLMK_OK);
	assert_string_equal(e.seq, "TD");
	llmk_response_free(resp);

	/* an SSE body under the wrong Content-Type is still read, then replayed */
	tu_events_init(&e, TU_EV_ALL);
	r = chat_request("hi");
	assert_int_equal(tu_stream(f, r, TU_JSON, body, 0, &e, &resp), LLMK_OK);
	assert_string_equal(e.text, "OK.");
	assert_string_equal(e.seq, "TUD");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 448);
	llmk_response_free(resp);
	/* ... and llmk_send on it works the same */
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "OK.");
	llmk_response_free(resp);
	/* cut short there too */
	f->cap.resp_len = len - 60;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "before message-end"));
	llmk_response_free(resp);
	f->cap.resp_len = 0;

	/* stream requested, JSON answered: replayed as events */
	tu_events_init(&e, TU_EV_ALL);
	free(body);
	body = read_data("cohere/chat_cached_usage.json", NULL);
	f->cap.resp_body = body;
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
	assert_string_equal(e.seq, "TUD");
	llmk_response_free(resp);
	f->cap.resp_headers = NULL;
	llmk_request_free(r);
	free(more);
	free(body);
}

/* ---- embed ---------------------------------------------------------------- */

static void test_embed(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const float *v;
	json_t *j;

	f->cap.resp_body = read_data("cohere/embed.json", NULL);
	llmk_request_new(&r, LLMK_EMBED);
	assert_int_equal(llmk_request_add_input(r, "hello"), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "goodbye"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "embed-v4.0"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v2/embed");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " KEY);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "model"), "embed-v4.0");
	assert_int_equal(json_array_size(jget(j, "texts")), 2);
	assert_string_equal(jstr(j, "texts.0"), "hello");
	assert_string_equal(jstr(j, "texts.1"), "goodbye");
	assert_string_equal(jstr(j, "input_type"), "search_document");
	assert_int_equal(json_array_size(jget(j, "embedding_types")), 1);
	assert_string_equal(jstr(j, "embedding_types.0"), "float");
	assert_null(jget(j, "output_dimension"));
	json_decref(j);
	assert_int_equal(llmk_response_embedding_count(resp), 2);
	assert_int_equal(llmk_response_embedding_dim(resp), 1024);
	v = llmk_response_embedding(resp, 0);
	assert_true(v[0] == 0.016296387f && v[1] == -0.008354187f && v[7] == 0.019134521f);
	v = llmk_response_embedding(resp, 1);
	assert_true(v[0] == 0.04663086f && v[7] == -0.0015516281f);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 2);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), -1);
	llmk_response_free(resp);

	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_EMBED_INPUT_TYPE, "search_query"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DIMENSIONS, 1024), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "input_type"), "search_query");
	assert_int_equal(json_integer_value(jget(j, "output_dimension")), 1024);
	json_decref(j);
	llmk_response_free(resp);

	/* three inputs, two vectors */
	llmk_request_add_input(r, "again");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "cohere embed response has 2 vectors for 3 inputs"));
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	f->cap.resp_body = "{\"id\":\"x\",\"embeddings\":{\"int8\":[[1,2]]}}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "no embeddings.float"));
	llmk_response_free(resp);
	llmk_request_free(r);

	llmk_request_new(&r, LLMK_EMBED);
	for (int i = 0; i < 97; i++)
		llmk_request_add_input(r, "x");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "97 inputs; cohere takes at most 96"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- errors ------------------------------------------------------------- */

static void expect_error(fixture *f, int http, const char *file, const char *inline_body, llmk_status want,
                         const char *msg_part)
{
	char *body = file ? read_data(file, NULL) : NULL;
	llmk_response *resp = tu_send_error(f, http, TU_JSON, body ? body : inline_body, want, msg_part);
	char prefix[64];

	snprintf(prefix, sizeof(prefix), http == 200 ? "cohere returned an error: " : "cohere: HTTP %d: ", http);
	if (strncmp(llmk_response_error(resp), prefix, strlen(prefix)))
		fail_msg("error '%s' does not start with '%s'", llmk_response_error(resp), prefix);
	assert_null(strstr(llmk_response_error(resp), "cdef"));
	llmk_response_free(resp);
	free(body);
}

static void test_error_mapping(void **state)
{
	fixture *f = *state;

	expect_error(f, 400, "cohere/error_400.json", NULL, LLMK_E_BAD_REQUEST,
	             "temperature must be between 0 and 1.0");
	expect_error(f, 400, "cohere/error_400_too_many_tokens.json", NULL, LLMK_E_CONTEXT_LENGTH,
	             "too many tokens: total number of tokens in the prompt cannot exceed 4081");
	expect_error(f, 401, "cohere/error_401.json", NULL, LLMK_E_AUTH, "invalid api token");
	expect_error(f, 402, "cohere/error_402.json", NULL, LLMK_E_RATE_LIMITED, "add or update your payment method");
	expect_error(f, 403, NULL, "{\"message\":\"forbidden\"}", LLMK_E_PERMISSION, "forbidden");
	expect_error(f, 404, "cohere/error_404.json", NULL, LLMK_E_NOT_FOUND, "model 'xyz' not found");
	expect_error(f, 422, NULL,
	             "{\"id\":\"0f3b\",\"message\":\"invalid request: tool call must be of type function\"}",
	             LLMK_E_BAD_REQUEST, "tool call must be of type function");
	expect_error(f, 429, "cohere/error_429.json", NULL, LLMK_E_RATE_LIMITED, "past the per minute request limit");
	/* 498: "a request or response contains a deny-listed token" (spec) */
	expect_error(f, 498, NULL, "{\"message\":\"blocked output: the generation contains a deny-listed token\"}",
	             LLMK_E_CONTENT_FILTERED, "deny-listed token");
	/* 499: cancelled on Cohere's side; retryable, so not a bad request */
	expect_error(f, 499, "cohere/error_499.json", NULL, LLMK_E_SERVER, "request cancelled");
	expect_error(f, 500, "cohere/error_500.json", NULL, LLMK_E_SERVER,
	             "internal server error, this has been reported to our developers. id b8361921");
	expect_error(f, 502, NULL, "<html><body>Bad gateway</body></html>", LLMK_E_SERVER, "Bad gateway");
	expect_error(f, 503, NULL, "{\"message\":\"service unavailable\"}", LLMK_E_OVERLOADED, "service unavailable");
	expect_error(f, 504, NULL, "{\"message\":\"gateway timeout\"}", LLMK_E_TIMEOUT, "gateway timeout");
	/* an error body under 200 */
	expect_error(f, 200, NULL, "{\"message\":\"invalid request: x\"}", LLMK_E_SERVER, "invalid request: x");
}

static void test_key_never_in_errors(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;

	f->cap.status = 401;
	f->cap.resp_body = "{\"message\":\"invalid api token " KEY "\"}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_AUTH);
	assert_null(strstr(llmk_response_error(resp), KEY));
	assert_null(strstr(llmk_response_error(resp), "0123456789abcdef"));
	assert_non_null(strstr(llmk_response_error(resp), "invalid api token"));
	llmk_response_free(resp);
	f->cap.status = 0;
	llmk_request_free(r);
}

static void test_env_keys_and_defaults(void **state)
{
	llmk_client *c;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	capture cap;

	(void)state;
	memset(&cap, 0, sizeof(cap));
	unsetenv("COHERE_API_KEY");
	unsetenv("CO_API_KEY");
	unsetenv("COHERE_BASE_URL");
	assert_int_equal(llmk_client_new(&c, "cohere/command-r7b-12-2024"), LLMK_OK);
	assert_string_equal(llmk_client_base_url(c), "https://api.cohere.com");
	assert_int_equal(llmk_client_has_api_key(c), 0);
	capture_install(c, &cap);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_AUTH);
	assert_non_null(strstr(llmk_response_error(resp), "COHERE_API_KEY"));
	assert_int_equal(cap.calls, 0);
	llmk_response_free(resp);
	llmk_client_free(c);

	cap.resp_body =
	        "{\"id\":\"x\",\"finish_reason\":\"COMPLETE\",\"message\":{\"role\":\"assistant\",\"content\":[]}}";
	setenv("CO_API_KEY", "co-env-key-two-0000000000", 1);
	assert_int_equal(llmk_client_new(&c, "cohere/command-r7b-12-2024"), LLMK_OK);
	assert_int_equal(llmk_client_has_api_key(c), 1);
	capture_install(c, &cap);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(cap.url, "https://api.cohere.com/v2/chat");
	assert_string_equal(capture_header(&cap, "Authorization"), "Bearer co-env-key-two-0000000000");
	llmk_response_free(resp);
	llmk_client_free(c);

	setenv("COHERE_API_KEY", "co-env-key-one-0000000000", 1); /* the first variable wins */
	setenv("COHERE_BASE_URL", "http://127.0.0.1:9/", 1);
	assert_int_equal(llmk_client_new(&c, "cohere/command-r7b-12-2024"), LLMK_OK);
	assert_string_equal(llmk_client_base_url(c), "http://127.0.0.1:9");
	capture_install(c, &cap);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(cap.url, "http://127.0.0.1:9/v2/chat");
	assert_string_equal(capture_header(&cap, "Authorization"), "Bearer co-env-key-one-0000000000");
	llmk_response_free(resp);
	llmk_client_free(c);
	unsetenv("COHERE_API_KEY");
	unsetenv("CO_API_KEY");
	unsetenv("COHERE_BASE_URL");
	llmk_request_free(r);

	/* what the provider table says */
	assert_true(llmk_provider_capabilities("cohere", LLMK_CHAT) & LLMK_CAP_STREAM);
	assert_true(llmk_provider_capabilities("cohere", LLMK_CHAT) & LLMK_CAP_JSON_SCHEMA);
	assert_true(llmk_provider_capabilities("cohere", LLMK_EMBED) & LLMK_CAP_BATCH);
	assert_false(llmk_provider_capabilities("cohere", LLMK_IMAGE) & LLMK_CAP_KIND);
}

/* ---- through libcurl -------------------------------------------------------- */

#ifdef LLMK_TEST_HAVE_CURL
static void test_http_loopback(void **state)
{
	th_server *srv = th_start();
	llmk_client *c;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	const th_request *req;
	th_response tr;
	tu_events e;
	char *body = read_data("cohere/chat_stream_tools.sse", NULL);
	char *plain = read_data("cohere/chat_response.json", NULL);

	(void)state;
	assert_non_null(srv);
	assert_int_equal(llmk_client_new(&c, "cohere/command-a-03-2025"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK); /* one scripted answer per send */
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);

	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: text/event-stream\r\nx-request-id: req-co-1\r\n";
	tr.body = body;
	tr.chunked = 1;
	tr.write_size = 100;
	th_push(srv, &tr);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(llmk_stream(c, r, tu_on_event, &e, &resp), LLMK_OK);
	assert_int_equal(llmk_response_tool_call_count(resp), 2);
	assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"city\": \"San Francisco\"}");
	assert_string_equal(llmk_response_reasoning(resp), TOOL_PLAN);
	assert_string_equal(llmk_response_request_id(resp), "req-co-1");
	assert_int_equal(e.ndone, 1);
	req = th_request_at(srv, 0);
	assert_non_null(req);
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->target, "/v2/chat");
	assert_string_equal(th_request_header(req, "Authorization"), "Bearer " KEY);
	assert_string_equal(th_request_header(req, "Accept"), "text/event-stream");
	assert_non_null(strstr((const char *)req->body, "\"stream\":true"));
	llmk_response_free(resp);

	th_push_json(srv, 200, plain);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_finish_reason(resp), "COMPLETE");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 418);
	llmk_response_free(resp);

	th_push_json(srv, 429, "{\"message\":\"trial token rate limit exceeded, limit is 100000 tokens per minute\"}");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_RATE_LIMITED);
	assert_non_null(strstr(llmk_response_error(resp), "trial token rate limit exceeded"));
	llmk_response_free(resp);

	llmk_client_free(c);
	llmk_request_free(r);
	th_stop(srv);
	free(body);
	free(plain);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_chat_request_body, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_tool_choice_mapping, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_response_format, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_unsupported_parameter, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_response_parsed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_tool_calls_parsed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_malformed_bodies, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_text_every_split, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_cached_usage_every_split, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_tool_calls_assembled, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_reasoning, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_citations_and_float_usage, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_error_in_message_end, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_truncated_is_protocol_error, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_malformed_event, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_variants, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_embed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_error_mapping, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_key_never_in_errors, setup, tu_teardown),
	        cmocka_unit_test(test_env_keys_and_defaults),
#ifdef LLMK_TEST_HAVE_CURL
	        cmocka_unit_test(test_http_loopback),
#endif
	};
	return cmocka_run_group_tests_name("cohere", tests, NULL, NULL);
}
