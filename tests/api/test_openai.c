#define _POSIX_C_SOURCE 200809L
/* OpenAI wire format through the public API: the exact request each kind
 * produces, and how responses, streams and errors are read back. Uses the
 * capture transport (no sockets); test_http.c covers the real transport. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "testutil.h"
#include "llmkit.h"

#define KEY "sk-test-0123456789abcdef0123456789abcdef"
/* The event kinds an OpenAI stream may bring: no reasoning. */
#define OPENAI_EVENTS (TU_EV_ALL & ~TU_EV(LLMK_EVENT_REASONING))

typedef tu_fixture fixture;

static int setup(void **state)
{
	*state = tu_fixture_new("openai/gpt-4o-mini", KEY, "https://api.example.invalid/v1/");
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

	f->cap.resp_body = read_data("openai/chat_completion.json", NULL);
	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Be brief."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "What is this?"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_url(r, "https://example.invalid/cat.jpg", "low"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_data(r, png, sizeof(png), "image/png"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, NULL), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "call_1", "lookup", "{\"q\":\"cat\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "call_1", "{\"species\":\"cat\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Thanks"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.25), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TOP_P, 0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 64), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_SEED, 42), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "END"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "\n\n"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "lookup", "Look a thing up",
	                                       "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "lookup"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, "{\"type\":\"object\"}"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA_NAME, "answer"), LLMK_OK);
	assert_int_equal(llmk_request_set_extra_json(r, "{\"logprobs\":true,\"seed\":7}"), LLMK_OK);

	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/chat/completions");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " KEY);
	assert_string_equal(capture_header(&f->cap, "Content-Type"), "application/json");

	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "model"), "gpt-4o-mini");
	assert_int_equal(json_array_size(jget(j, "messages")), 5);
	assert_string_equal(jstr(j, "messages.0.role"), "system");
	assert_string_equal(jstr(j, "messages.0.content"), "Be brief.");
	assert_string_equal(jstr(j, "messages.1.role"), "user");
	assert_string_equal(jstr(j, "messages.1.content.0.type"), "text");
	assert_string_equal(jstr(j, "messages.1.content.0.text"), "What is this?");
	assert_string_equal(jstr(j, "messages.1.content.1.type"), "image_url");
	assert_string_equal(jstr(j, "messages.1.content.1.image_url.url"), "https://example.invalid/cat.jpg");
	assert_string_equal(jstr(j, "messages.1.content.1.image_url.detail"), "low");
	assert_string_equal(jstr(j, "messages.1.content.2.image_url.url"), "data:image/png;base64,iVBORw0KGgo=");
	assert_string_equal(jstr(j, "messages.2.role"), "assistant");
	assert_true(json_is_null(jget(j, "messages.2.content")));
	assert_string_equal(jstr(j, "messages.2.tool_calls.0.id"), "call_1");
	assert_string_equal(jstr(j, "messages.2.tool_calls.0.type"), "function");
	assert_string_equal(jstr(j, "messages.2.tool_calls.0.function.name"), "lookup");
	assert_string_equal(jstr(j, "messages.2.tool_calls.0.function.arguments"), "{\"q\":\"cat\"}");
	assert_string_equal(jstr(j, "messages.3.role"), "tool");
	assert_string_equal(jstr(j, "messages.3.tool_call_id"), "call_1");
	assert_string_equal(jstr(j, "messages.3.content"), "{\"species\":\"cat\"}");
	assert_string_equal(jstr(j, "messages.4.content"), "Thanks");
	assert_true(fabs(json_real_value(jget(j, "temperature")) - 0.25) < 1e-12);
	assert_true(fabs(json_real_value(jget(j, "top_p")) - 0.5) < 1e-12);
	/* not OpenAI's host: the name every compatible server reads (test_max_tokens_name) */
	assert_int_equal(json_integer_value(jget(j, "max_tokens")), 64);
	assert_null(jget(j, "max_completion_tokens"));
	assert_int_equal(json_integer_value(jget(j, "seed")), 7); /* extra JSON wins */
	assert_true(json_is_true(jget(j, "logprobs")));
	assert_string_equal(jstr(j, "stop.0"), "END");
	assert_string_equal(jstr(j, "stop.1"), "\n\n");
	assert_string_equal(jstr(j, "tools.0.type"), "function");
	assert_string_equal(jstr(j, "tools.0.function.name"), "lookup");
	assert_string_equal(jstr(j, "tools.0.function.description"), "Look a thing up");
	assert_string_equal(jstr(j, "tools.0.function.parameters.properties.q.type"), "string");
	assert_string_equal(jstr(j, "tool_choice.type"), "function");
	assert_string_equal(jstr(j, "tool_choice.function.name"), "lookup");
	assert_string_equal(jstr(j, "response_format.type"), "json_schema");
	assert_string_equal(jstr(j, "response_format.json_schema.name"), "answer");
	assert_string_equal(jstr(j, "response_format.json_schema.schema.type"), "object");
	assert_true(json_is_true(jget(j, "response_format.json_schema.strict")));
	assert_null(jget(j, "stream"));
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

static void test_stream_null_callback(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	r = chat_request("hi");
	assert_int_equal(llmk_stream(f->c, r, NULL, NULL, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(resp);
	assert_non_null(strstr(llmk_response_error(resp), "callback is NULL"));
	assert_int_equal(f->cap.calls, 0); /* nothing was sent */
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void run_text_stream(fixture *f, size_t write_size)
{
	llmk_request *r;
	llmk_response *resp, *plain;
	tu_events e;
	json_t *j;

	tu_events_init(&e, OPENAI_EVENTS);
	r = chat_request("hi");
	assert_int_equal(tu_stream(f, r, "Content-Type: text/event-stream; charset=utf-8\nx-request-id: req_stream_1\n",
	                           read_data("openai/chat_stream.sse", NULL), write_size, &e, &resp),
	                 LLMK_OK);

	j = sent_json(&f->cap);
	assert_true(json_is_true(jget(j, "stream")));
	assert_true(json_is_true(jget(j, "stream_options.include_usage")));
	assert_string_equal(capture_header(&f->cap, "Accept"), "text/event-stream");
	json_decref(j);

	assert_string_equal(e.text, "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2");
	assert_int_equal(e.ntext, 5); /* the empty first delta is not an event */
	assert_int_equal(e.ndone, 1);
	assert_int_equal(e.nusage, 1);
	assert_int_equal(e.usage_in, 12);
	assert_int_equal(e.usage_out, 5);
	assert_true(e.order_ok);
	assert_string_equal(llmk_response_text(resp), e.text);
	assert_string_equal(llmk_response_finish_reason(resp), "stop");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_string_equal(llmk_response_model(resp), "gpt-4o-mini-2024-07-18");
	assert_string_equal(llmk_response_request_id(resp), "req_stream_1");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 17);
	assert_true(llmk_response_timing(resp, LLMK_TIMING_FIRST_TOKEN_MS) >= 0);
	assert_true(llmk_response_timing(resp, LLMK_TIMING_TOTAL_MS) >=
	            llmk_response_timing(resp, LLMK_TIMING_FIRST_TOKEN_MS));

	/* The final response of a stream equals what llmk_send returns for the
	 * same answer. */
	free((void *)f->cap.resp_body);
	f->cap.resp_body =
	        "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{"
	        "\"index\":0,"
	        "\"message\":{\"role\":\"assistant\",\"content\":\"Hello! How can I help? \xc3\xa9\xe6\xbc\xa2\"},"
	        "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,"
	        "\"total_tokens\":17,\"prompt_tokens_details\":{\"cached_tokens\":0},"
	        "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}";
	f->cap.resp_headers = "Content-Type: application/json\n";
	assert_int_equal(llmk_send(f->c, r, &plain), LLMK_OK);
	assert_string_equal(llmk_response_text(plain), llmk_response_text(resp));
	assert_string_equal(llmk_response_finish_reason(plain), llmk_response_finish_reason(resp));
	assert_string_equal(llmk_response_model(plain), llmk_response_model(resp));
	for (int u = LLMK_USAGE_INPUT; u <= LLMK_USAGE_REASONING; u++)
		assert_int_equal(llmk_response_usage(plain, u), llmk_response_usage(resp, u));
	assert_int_equal(llmk_response_tool_call_count(plain), llmk_response_tool_call_count(resp));
	llmk_response_free(plain);
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.write_size = 0;
}

static void test_stream_text_whole(void **state)
{
	run_text_stream(*state, 0);
}

static void test_stream_text_byte_by_byte(void **state)
{
	run_text_stream(*state, 1);
}

static void test_stream_text_odd_splits(void **state)
{
	run_text_stream(*state, 7);
	run_text_stream(*state, 113);
}

static void test_stream_tool_calls_assembled(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	tu_events e;
	size_t ws[] = {0, 1, 3};

	for (size_t k = 0; k < 3; k++) {
		tu_events_init(&e, OPENAI_EVENTS);
		r = chat_request("weather and time in Paris?");
		llmk_request_add_tool(r, "get_weather", NULL, NULL);
		llmk_request_add_tool(r, "get_time", NULL, NULL);
		assert_int_equal(
		        tu_stream(f, r, TU_SSE, read_data("openai/chat_stream_tools.sse", NULL), ws[k], &e, &resp),
		        LLMK_OK);
		assert_int_equal(llmk_response_tool_call_count(resp), 2);
		assert_string_equal(llmk_response_tool_call_id(resp, 0), "call_PieqNSej6kM9hgYbcQdbZSaC");
		assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_weather");
		assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"location\":\"Paris\"}");
		assert_string_equal(llmk_response_tool_call_id(resp, 1), "call_Zx81bVQ3mU2nJd5Hk0aTqWeR");
		assert_string_equal(llmk_response_tool_call_name(resp, 1), "get_time");
		assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"timezone\":\"Europe/Paris\"}");
		assert_null(llmk_response_tool_call_id(resp, 2));
		assert_string_equal(llmk_response_finish_reason(resp), "tool_calls");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
		assert_string_equal(e.tool_args[0], "{\"location\":\"Paris\"}");
		assert_string_equal(e.tool_args[1], "{\"timezone\":\"Europe/Paris\"}");
		assert_string_equal(e.tool_name[1], "get_time");
		assert_string_equal(e.tool_id[0], "call_PieqNSej6kM9hgYbcQdbZSaC");
		assert_int_equal(e.ntool, 7);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 80);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 40);
		assert_string_equal(llmk_response_text(resp), "");
		llmk_response_free(resp);
		llmk_request_free(r);
		free((void *)f->cap.resp_body);
	}
	f->cap.write_size = 0;
}

static void test_stream_error_inside_200(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, OPENAI_EVENTS);
	r = chat_request("hi");
	assert_int_equal(tu_stream(f, r, TU_SSE, read_data("openai/chat_stream_error.sse", NULL), 0, &e, &resp),
	                 LLMK_E_SERVER);
	assert_int_equal(llmk_response_status(resp), LLMK_E_SERVER);
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_non_null(strstr(llmk_response_error(resp), "The server had an error"));
	assert_string_equal(llmk_response_error_type(resp), "server_error");
	/* the error is not text, and no DONE event was sent */
	assert_string_equal(e.text, "Partial");
	assert_null(strstr(llmk_response_text(resp), "error"));
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

static void test_stream_truncated_is_protocol_error(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, OPENAI_EVENTS);
	r = chat_request("hi");
	assert_int_equal(tu_stream(f, r, TU_SSE, read_data("openai/chat_stream_truncated.sse", NULL), 0, &e, &resp),
	                 LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "stream ended"));
	assert_string_equal(llmk_response_text(resp), "Cut");
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

static void test_stream_cancel_from_callback(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, OPENAI_EVENTS);
	e.stop_after = 2;
	f->cap.write_refused = 0;
	r = chat_request("hi");
	assert_int_equal(tu_stream(f, r, TU_SSE, read_data("openai/chat_stream.sse", NULL), 1, &e, &resp),
	                 LLMK_E_CANCELLED);
	assert_int_equal(e.ntext, 2);
	assert_int_equal(e.ndone, 0);
	assert_true(f->cap.write_refused); /* the transport was told to stop */
	assert_string_equal(llmk_response_text(resp), "Hello!");
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
	f->cap.write_size = 0;
}

static void test_stream_answered_with_json(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, OPENAI_EVENTS);
	r = chat_request("hi");
	assert_int_equal(tu_stream(f, r, TU_JSON, read_data("openai/chat_completion.json", NULL), 0, &e, &resp),
	                 LLMK_OK);
	assert_string_equal(e.text, "Hello! How can I assist you today?");
	assert_int_equal(e.ndone, 1);
	assert_int_equal(e.nusage, 1);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

/* ---- response parsing ----------------------------------------------------- */

static void test_chat_response_parsed(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	size_t rawlen;

	f->cap.resp_body = read_data("openai/chat_completion.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json\nx-request-id: req_abc123\n";
	r = chat_request("hi");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "Hello! How can I assist you today?");
	assert_string_equal(llmk_response_finish_reason(resp), "stop");
	assert_string_equal(llmk_response_model(resp), "gpt-4.1-2025-04-14");
	assert_string_equal(llmk_response_request_id(resp), "req_abc123");
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 19);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 10);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 29);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 4);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_REASONING), 2);
	assert_int_equal(llmk_response_usage(resp, 99), -1);
	assert_string_equal(llmk_response_error(resp), "");
	assert_string_equal(llmk_response_header(resp, "X-Request-ID"), "req_abc123");
	assert_string_equal(llmk_response_raw(resp, &rawlen), f->cap.resp_body);
	assert_int_equal(rawlen, strlen(f->cap.resp_body));
	assert_int_equal(llmk_response_tool_call_count(resp), 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

static void test_chat_tool_calls_parsed(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	f->cap.resp_body = read_data("openai/chat_tool_calls.json", NULL);
	r = chat_request("hi");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_tool_call_count(resp), 2);
	assert_string_equal(llmk_response_tool_call_id(resp, 0), "call_qOfTGgDrItLORNfC6VwUbyLL");
	assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_weather");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"location\":\"Shanghai\"}");
	assert_string_equal(llmk_response_tool_call_name(resp, 1), "get_time");
	assert_string_equal(llmk_response_finish_reason(resp), "tool_calls");
	assert_string_equal(llmk_response_text(resp), "");
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

/* The output limit's name follows the base URL: max_completion_tokens at
 * OpenAI's own host (its reasoning models reject max_tokens), max_tokens
 * anywhere else (older llama.cpp servers ignore the new name and generate
 * without limit); presets of compatible servers always max_tokens. */
static void test_max_tokens_name(void **state)
{
	static const struct {
		const char *model, *base_url, *name;
	} cases[] = {
	        {"openai/gpt-4o-mini", NULL, "max_completion_tokens"},
	        {"openai/gpt-4o-mini", "https://api.openai.com/v1", "max_completion_tokens"},
	        {"openai/gpt-4o-mini", "https://API.OpenAI.com:443/v1/", "max_completion_tokens"},
	        {"openai/gpt-4o-mini", "https://user@api.openai.com/v1", "max_completion_tokens"},
	        {"openai/gpt-4o-mini", "http://127.0.0.1:8080/v1", "max_tokens"},
	        {"openai/gpt-4o-mini", "https://api.openai.com.example.invalid/v1", "max_tokens"},
	        {"openai/gpt-4o-mini", "https://proxy.example.invalid/api.openai.com/v1", "max_tokens"},
	        {"groq/llama-3.1-8b-instant", NULL, "max_completion_tokens"},
	        {"llamacpp/any", NULL, "max_tokens"},
	        {"openai-compatible/any", "http://127.0.0.1:9/v1", "max_tokens"},
	        {"azure/my-deployment", "https://res.openai.azure.com", "max_completion_tokens"},
	};
	fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_request *r = chat_request("Hi");
		llmk_response *resp;
		const char *other;
		json_t *j;

		tu_fixture_use(f, cases[i].model, KEY, cases[i].base_url);
		f->cap.resp_body = "{\"choices\":[{\"index\":0,\"finish_reason\":\"length\",\"message\":{\"role\":"
		                   "\"assistant\",\"content\":\"Hel\"}}]}";
		llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 3);
		assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
		j = sent_json(&f->cap);
		other = strcmp(cases[i].name, "max_tokens") ? "max_tokens" : "max_completion_tokens";
		if (json_integer_value(json_object_get(j, cases[i].name)) != 3 || json_object_get(j, other))
			fail_msg("%s at %s: sent %.*s, want %s", cases[i].model,
			         cases[i].base_url ? cases[i].base_url : "(default)", (int)f->cap.body_len,
			         (const char *)f->cap.body, cases[i].name);
		json_decref(j);
		llmk_response_free(resp);
		llmk_request_free(r);
	}
}

static void test_compatible_server_quirks(void **state)
{
	fixture *f = *state;
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	capture cap;
	json_t *j;

	(void)f;
	memset(&cap, 0, sizeof(cap));
	/* llama.cpp-style: no usage, extra fields, TGI-style finish reason,
	 * and no API key needed. */
	cap.resp_body =
	        "{\"choices\":[{\"finish_reason\":\"eos_token\",\"index\":0,\"message\":{\"content\":\"Once upon a "
	        "time\",\"role\":\"assistant\"}}],\"created\":1,\"model\":\"stories260K\",\"object\":\"chat."
	        "completion\","
	        "\"timings\":{\"predicted_ms\":3.2}}";
	unsetenv("LLAMACPP_API_KEY");
	assert_int_equal(llmk_client_new(&c, "llamacpp/stories260K"), LLMK_OK);
	assert_string_equal(llmk_client_base_url(c), "http://127.0.0.1:8080/v1");
	assert_int_equal(llmk_client_has_api_key(c), 0);
	capture_install(c, &cap);
	r = chat_request("Tell a story");
	llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 16);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_null(capture_header(&cap, "Authorization"));
	j = json_loadb((const char *)cap.body, cap.body_len, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(j, "max_tokens")), 16); /* legacy name */
	assert_null(json_object_get(j, "max_completion_tokens"));
	json_decref(j);
	assert_string_equal(llmk_response_text(resp), "Once upon a time");
	assert_string_equal(llmk_response_finish_reason(resp), "eos_token"); /* the server's word, kept */
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), -1);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), -1);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

static void test_embed(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const float *v;
	json_t *j;

	f->cap.resp_body = read_data("openai/embeddings.json", NULL);
	llmk_request_new(&r, LLMK_EMBED);
	assert_int_equal(llmk_request_add_input(r, "first"), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "second"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DIMENSIONS, 4), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "text-embedding-3-small"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/embeddings");
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "model"), "text-embedding-3-small");
	assert_string_equal(jstr(j, "input.0"), "first");
	assert_string_equal(jstr(j, "input.1"), "second");
	assert_string_equal(jstr(j, "encoding_format"), "base64");
	assert_int_equal(json_integer_value(jget(j, "dimensions")), 4);
	json_decref(j);
	assert_int_equal(llmk_response_embedding_count(resp), 2);
	assert_int_equal(llmk_response_embedding_dim(resp), 4);
	v = llmk_response_embedding(resp, 0); /* index 0 came second in data */
	assert_true(fabsf(v[0] - 0.0023064255f) < 1e-9f);
	assert_true(fabsf(v[3] + 0.0077780345f) < 1e-9f);
	v = llmk_response_embedding(resp, 1);
	assert_true(v[0] == 0.5f && v[1] == -0.25f && v[2] == 0.125f && v[3] == 1.0f);
	assert_null(llmk_response_embedding(resp, 2));
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 8);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 8);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* one vector for two inputs: the mismatch is reported, not hidden */
	f->cap.resp_body =
	        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[1,2]}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "1 vectors for 2 inputs"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_image_b64_and_url(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const uint8_t *png;
	size_t len;
	json_t *j;

	f->cap.resp_body = read_data("openai/image_b64.json", NULL);
	llmk_request_new(&r, LLMK_IMAGE);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a red pixel"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, "1024x1024"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_QUALITY, "hd"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_STYLE, "vivid"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_RESPONSE_FORMAT, "b64_json"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_IMAGE_COUNT, 1), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "dall-e-3"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/images/generations");
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "prompt"), "a red pixel");
	assert_string_equal(jstr(j, "model"), "dall-e-3");
	assert_string_equal(jstr(j, "size"), "1024x1024");
	assert_string_equal(jstr(j, "quality"), "hd");
	assert_string_equal(jstr(j, "style"), "vivid");
	assert_string_equal(jstr(j, "response_format"), "b64_json");
	assert_int_equal(json_integer_value(jget(j, "n")), 1);
	json_decref(j);
	assert_int_equal(llmk_response_image_count(resp), 1);
	png = llmk_response_image_data(resp, 0, &len);
	assert_non_null(png);
	assert_int_equal(len, 70);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	assert_string_equal(llmk_response_image_revised_prompt(resp, 0), "A single red pixel on a white background.");
	assert_null(llmk_response_image_url(resp, 0));
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 50);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	f->cap.resp_body = read_data("openai/image_url.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_image_count(resp), 2);
	assert_string_equal(llmk_response_image_url(resp, 1), "https://example.invalid/images/b.png");
	assert_null(llmk_response_image_data(resp, 1, &len));
	assert_int_equal(len, 0);
	assert_null(llmk_response_image_revised_prompt(resp, 1));
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	f->cap.resp_body = "{\"created\":1,\"data\":[{\"b64_json\":\"not base64!!\"}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "base64"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_transcribe_multipart(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const char *ct, *b;
	char boundary[128], marker[256];
	static const uint8_t wav[] = {'R', 'I', 'F', 'F', 0, 1, 2, 3, '\r', '\n', '-', '-', 0xff};

	f->cap.resp_body = read_data("openai/transcription.json", NULL);
	llmk_request_new(&r, LLMK_TRANSCRIBE);
	assert_int_equal(llmk_request_set_audio(r, wav, sizeof(wav), "jfk.wav", NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_LANGUAGE, "en"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "JFK inaugural"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "json"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.0), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "whisper-1"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/audio/transcriptions");
	ct = capture_header(&f->cap, "Content-Type");
	assert_non_null(ct);
	assert_int_equal(strncmp(ct, "multipart/form-data; boundary=", 30), 0);
	strcpy(boundary, ct + 30);
	b = (const char *)f->cap.body;
	snprintf(marker, sizeof(marker),
	         "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"jfk.wav\"\r\n"
	         "Content-Type: audio/wav\r\n\r\nRIFF",
	         boundary);
	assert_int_equal(memcmp(b, marker, strlen(marker)), 0);
	assert_memory_equal(b + strlen(marker) - 4, wav, sizeof(wav));
	snprintf(marker, sizeof(marker), "--%s\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n",
	         boundary);
	assert_non_null(body_find(&f->cap, marker));
	assert_non_null(body_find(&f->cap, "name=\"language\"\r\n\r\nen\r\n"));
	assert_non_null(body_find(&f->cap, "name=\"prompt\"\r\n\r\nJFK inaugural\r\n"));
	assert_non_null(body_find(&f->cap, "name=\"response_format\"\r\n\r\njson\r\n"));
	assert_non_null(body_find(&f->cap, "name=\"temperature\"\r\n\r\n0\r\n"));
	snprintf(marker, sizeof(marker), "--%s--\r\n", boundary);
	assert_int_equal(strcmp(b + f->cap.body_len - strlen(marker), marker), 0);
	assert_string_equal(llmk_response_text(resp), "And so my fellow Americans, ask not what your country can do "
	                                              "for you, ask what you can do for your country.");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 14);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 45);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	f->cap.resp_body = read_data("openai/transcription_verbose.json", NULL);
	llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "verbose_json");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_true(llmk_response_duration(resp) == 11.0);
	assert_int_equal(llmk_response_segment_count(resp), 2);
	assert_true(llmk_response_segment_start(resp, 1) == 7.6);
	assert_true(llmk_response_segment_end(resp, 1) == 10.6);
	assert_string_equal(llmk_response_segment_text(resp, 1), " ask what you can do for your country.");
	assert_null(llmk_response_segment_text(resp, 2));
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	f->cap.resp_body = "And so my fellow Americans\n";
	f->cap.resp_headers = "Content-Type: text/plain; charset=utf-8\n";
	llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "text");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "And so my fellow Americans\n");
	llmk_response_free(resp);
	f->cap.resp_headers = NULL;
	llmk_request_free(r);
}

static void test_speech(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const uint8_t *audio;
	size_t len;
	json_t *j;
	static const char mp3[] = "ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00";

	f->cap.resp_body = mp3;
	f->cap.resp_len = sizeof(mp3) - 1;
	f->cap.resp_headers = "Content-Type: audio/mpeg\n";
	llmk_request_new(&r, LLMK_SPEECH);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_INPUT, "Hello there"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_VOICE, "coral"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_AUDIO_FORMAT, "mp3"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_SPEED, 1.25), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "gpt-4o-mini-tts"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/audio/speech");
	assert_string_equal(capture_header(&f->cap, "Accept"), "*/*"); /* audio comes back, not JSON */
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "model"), "gpt-4o-mini-tts");
	assert_string_equal(jstr(j, "input"), "Hello there");
	assert_string_equal(jstr(j, "voice"), "coral");
	assert_string_equal(jstr(j, "response_format"), "mp3");
	assert_true(json_real_value(jget(j, "speed")) == 1.25);
	json_decref(j);
	audio = llmk_response_audio(resp, &len);
	assert_int_equal(len, sizeof(mp3) - 1);
	assert_memory_equal(audio, mp3, len);
	assert_string_equal(llmk_response_audio_mime(resp), "audio/mpeg");
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.resp_len = 0;
	f->cap.resp_headers = NULL;
}

/* ---- errors ------------------------------------------------------------- */

static void expect_error(fixture *f, int http, const char *headers, const char *body, llmk_status want,
                         const char *msg_part)
{
	llmk_response *resp = tu_send_error(f, http, headers, body, want, msg_part);

	assert_null(strstr(llmk_response_error(resp), "cdef"));
	llmk_response_free(resp);
}

static void test_error_mapping(void **state)
{
	fixture *f = *state;
	char *e401 = read_data("openai/error_401.json", NULL);
	char *e429 = read_data("openai/error_429.json", NULL);
	char *ectx = read_data("openai/error_400_context.json", NULL);

	expect_error(f, 401, NULL, e401, LLMK_E_AUTH, "Incorrect API key provided");
	expect_error(f, 403, NULL, "{\"error\":{\"message\":\"Country not supported\",\"type\":\"request_forbidden\"}}",
	             LLMK_E_PERMISSION, "Country not supported");
	expect_error(f, 404, NULL,
	             "{\"error\":{\"message\":\"The model `gpt-9` does not exist\",\"type\":\"invalid_request_error\","
	             "\"param\":null,\"code\":\"model_not_found\"}}",
	             LLMK_E_NOT_FOUND, "(model_not_found)");
	expect_error(f, 400, NULL, ectx, LLMK_E_CONTEXT_LENGTH, "maximum context length");
	expect_error(f, 400, NULL,
	             "{\"error\":{\"message\":\"Invalid value for 'temperature'\",\"type\":\"invalid_request_error\","
	             "\"param\":\"temperature\",\"code\":\"invalid_value\"}}",
	             LLMK_E_BAD_REQUEST, "HTTP 400");
	expect_error(f, 400, NULL,
	             "{\"error\":{\"message\":\"Your request was rejected as a result of our safety system.\","
	             "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"content_policy_violation\"}}",
	             LLMK_E_CONTENT_FILTERED, "safety system");
	expect_error(f, 429, "retry-after: 20\nx-ratelimit-remaining-requests: 0\n", e429, LLMK_E_RATE_LIMITED,
	             "Rate limit reached");
	expect_error(f, 500, NULL, "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}",
	             LLMK_E_SERVER, "HTTP 500");
	expect_error(f, 502, NULL, "<html><body>Bad gateway</body></html>", LLMK_E_SERVER, "Bad gateway");
	expect_error(f, 503, NULL, "{\"error\":{\"message\":\"The engine is currently overloaded\"}}",
	             LLMK_E_OVERLOADED, "overloaded");
	expect_error(f, 529, NULL, "", LLMK_E_OVERLOADED, "HTTP 529");
	/* OpenAI-compatible servers: error as a plain string, and FastAPI's detail */
	expect_error(f, 400, NULL, "{\"error\":\"the request exceeds the available context size\"}", LLMK_E_BAD_REQUEST,
	             "available context size");
	expect_error(f, 422, NULL, "{\"detail\":\"field required\"}", LLMK_E_BAD_REQUEST, "field required");
	/* a rate limit reported as 400 by a quota code */
	expect_error(f, 400, NULL,
	             "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\","
	             "\"param\":null,\"code\":\"insufficient_quota\"}}",
	             LLMK_E_RATE_LIMITED, "quota");
	free(e401);
	free(e429);
	free(ectx);
}

static void test_retry_after_forms(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	char date[64];
	time_t t = time(NULL) + 120;
	struct tm tm;

	r = chat_request("hi");
	f->cap.status = 429;
	f->cap.resp_body =
	        "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";

	f->cap.resp_headers = "Retry-After: 7\n";
	llmk_send(f->c, r, &resp);
	assert_int_equal(llmk_response_retry_after_ms(resp), 7000);
	llmk_response_free(resp);

	f->cap.resp_headers = "retry-after: 20\nretry-after-ms: 1250.5\n";
	llmk_send(f->c, r, &resp);
	assert_int_equal(llmk_response_retry_after_ms(resp), 1250);
	llmk_response_free(resp);

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "Retry-After: %a, %d %b %Y %H:%M:%S GMT\n", &tm);
	f->cap.resp_headers = date;
	llmk_send(f->c, r, &resp);
	assert_true(llmk_response_retry_after_ms(resp) > 110000 && llmk_response_retry_after_ms(resp) <= 120000);
	llmk_response_free(resp);

	f->cap.resp_headers = NULL;
	llmk_send(f->c, r, &resp);
	assert_int_equal(llmk_response_retry_after_ms(resp), -1);
	llmk_response_free(resp);

	f->cap.status = 0;
	llmk_request_free(r);
}

static void test_transport_failure_and_garbage(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	r = chat_request("hi");
	f->cap.fail_with = LLMK_E_TRANSPORT;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_TRANSPORT);
	assert_non_null(strstr(llmk_response_error(resp), "scripted transport failure"));
	assert_int_equal(llmk_response_http_status(resp), 0);
	llmk_response_free(resp);
	f->cap.fail_with = 0;

	f->cap.resp_body = "{\"choices\": [";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "not valid JSON"));
	llmk_response_free(resp);

	f->cap.resp_body = "[1,2,3]";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	llmk_response_free(resp);

	f->cap.resp_body = "{\"object\":\"chat.completion\",\"choices\":[]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "no choices"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_response_size_limit(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	char *big = malloc(4096);

	memset(big, ' ', 4095);
	big[4095] = 0;
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_MAX_RESPONSE_BYTES, 2048), LLMK_OK);
	r = chat_request("hi");
	f->cap.resp_body = big;
	f->cap.write_size = 100;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_TOO_LARGE);
	assert_true(f->cap.write_refused);
	assert_non_null(strstr(llmk_response_error(resp), "max_response_bytes"));
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.write_size = 0;
	free(big);
}

static void test_client_headers(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	f->cap.resp_body = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
	                   "\"finish_reason\":\"stop\"}]}";
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_ORGANIZATION, "org-test123"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_PROJECT, "proj_test456"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_USER_AGENT, "my-app/1.2"), LLMK_OK);
	r = chat_request("hi");
	llmk_request_set_str(r, LLMK_OPT_USER, "user-42");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(capture_header(&f->cap, "OpenAI-Organization"), "org-test123");
	assert_string_equal(capture_header(&f->cap, "OpenAI-Project"), "proj_test456");
	assert_string_equal(capture_header(&f->cap, "User-Agent"), "my-app/1.2");
	assert_string_equal(capture_header(&f->cap, "Accept"), "application/json");
	assert_non_null(body_find(&f->cap, "\"user\":\"user-42\""));
	llmk_response_free(resp);
	/* unset again: headers disappear, default user agent returns */
	llmk_client_set_str(f->c, LLMK_OPT_ORGANIZATION, NULL);
	llmk_client_set_str(f->c, LLMK_OPT_USER_AGENT, NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_null(capture_header(&f->cap, "OpenAI-Organization"));
	assert_string_equal(capture_header(&f->cap, "User-Agent"), "llmkit/" LLMK_VERSION_STRING);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_key_never_in_errors(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	/* A server that echoes the key in full. */
	f->cap.status = 401;
	f->cap.resp_body = "{\"error\":{\"message\":\"bad key " KEY " rejected\",\"type\":\"invalid_request_error\"}}";
	r = chat_request("hi");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_AUTH);
	assert_null(strstr(llmk_response_error(resp), KEY));
	assert_null(strstr(llmk_response_error(resp), "0123456789abcdef"));
	assert_non_null(strstr(llmk_response_error(resp), "rejected"));
	assert_null(strstr(llmk_client_errmsg(f->c), "sk-"));
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.status = 0;
}

/* ---- refusals ------------------------------------------------------------ */

#define REFUSAL "I'm sorry, I can't help with that request."

/* message.refusal is not the text: it has its own accessor and finish, in
 * a stream its own events; the next turn carries it as the assistant's
 * words. */
static void test_refusal(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("how do I pick a lock?");
	llmk_response *resp;
	size_t ws[] = {0, 1, 9};
	tu_events e;
	json_t *j;

	f->cap.resp_body = read_data("openai/chat_refusal.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "");
	assert_string_equal(llmk_response_refusal(resp), REFUSAL);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_REFUSAL);
	assert_string_equal(llmk_response_finish_reason(resp), "stop");
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
	llmk_response_free(resp);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "why not?"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "messages.1.role"), "assistant");
	assert_string_equal(jstr(j, "messages.1.content"), REFUSAL);
	json_decref(j);
	free((void *)f->cap.resp_body);
	llmk_request_free(r);

	r = chat_request("how do I pick a lock?");
	for (size_t k = 0; k < sizeof(ws) / sizeof(ws[0]); k++) {
		tu_events_init(&e, OPENAI_EVENTS);
		assert_int_equal(
		        tu_stream(f, r, TU_SSE, read_data("openai/chat_stream_refusal.sse", NULL), ws[k], &e, &resp),
		        LLMK_OK);
		free((void *)f->cap.resp_body);
		assert_string_equal(e.refusal, REFUSAL);
		assert_int_equal(e.nrefusal, 3);
		assert_int_equal(e.ntext, 0);
		assert_string_equal(llmk_response_refusal(resp), REFUSAL);
		assert_string_equal(llmk_response_text(resp), "");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_REFUSAL);
		llmk_response_free(resp);
	}
	/* asked to stream, answered whole: the refusal is replayed as an event */
	tu_events_init(&e, OPENAI_EVENTS);
	assert_int_equal(tu_stream(f, r, TU_JSON, read_data("openai/chat_refusal.json", NULL), 0, &e, &resp), LLMK_OK);
	free((void *)f->cap.resp_body);
	assert_string_equal(e.refusal, REFUSAL);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- per-request HTTP headers ---------------------------------------------- */

static void test_http_headers(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	char many[40];
	int i;

	f->cap.resp_body = read_data("openai/chat_completion.json", NULL);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "X-Gateway-Route: eu-1"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "OpenAI-Beta:\tresponses=v1"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	assert_string_equal(capture_header(&f->cap, "X-Gateway-Route"), "eu-1");
	assert_string_equal(capture_header(&f->cap, "OpenAI-Beta"), "responses=v1");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " KEY);

	/* a header must never become two, nor be empty of name */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "X-A: b\r\nX-Evil: 1"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "http_header"));
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "X-A: b\n"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, ": b"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "X A: b"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "no colon"), LLMK_E_INVALID_ARG);

	/* one the library sets itself: refused by name, nothing sent */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "authorization: Bearer other"), LLMK_OK);
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "http_header 'authorization' is set by the library"));
	assert_null(strstr(llmk_response_error(resp), "other"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);

	/* NULL clears them all; at most 32 */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, NULL), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	assert_null(capture_header(&f->cap, "X-Gateway-Route"));
	for (i = 0; i < 32; i++) {
		snprintf(many, sizeof(many), "X-H%d: %d", i, i);
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, many), LLMK_OK);
	}
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "X-H32: 32"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	assert_string_equal(capture_header(&f->cap, "X-H31"), "31");
	assert_int_equal(llmk_provider_supports_option("anthropic", LLMK_OPT_HTTP_HEADER), 1);
	free((void *)f->cap.resp_body);
	llmk_request_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_chat_request_body, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_max_tokens_name, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_null_callback, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_text_whole, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_text_byte_by_byte, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_text_odd_splits, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_tool_calls_assembled, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_error_inside_200, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_truncated_is_protocol_error, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_cancel_from_callback, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_answered_with_json, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_response_parsed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_tool_calls_parsed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_compatible_server_quirks, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_embed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_image_b64_and_url, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_transcribe_multipart, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_speech, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_error_mapping, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_retry_after_forms, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_transport_failure_and_garbage, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_response_size_limit, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_client_headers, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_key_never_in_errors, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_refusal, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_http_headers, setup, tu_teardown),
	};
	return cmocka_run_group_tests_name("openai", tests, NULL, NULL);
}
