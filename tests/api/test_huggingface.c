#define _POSIX_C_SOURCE 200809L
/* Hugging Face adapter through the public API: the router ("huggingface"),
 * a TGI server ("tgi") and a TEI server ("tei"). The capture transport
 * checks the exact requests and feeds recorded answers
 * (tests/data/huggingface/README.md); one test goes through libcurl to the
 * loopback server. */
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
#ifdef LLMK_TEST_HAVE_CURL
#include "httpd.h"
#endif

#define TOKEN "hf_TestToken0123456789abcdefABCDEFxyz"
#define ROUTER "https://router.example.invalid"
/* The event kinds these streams may bring: no tool calls, no reasoning. */
#define HF_EVENTS (TU_EV(LLMK_EVENT_TEXT) | TU_EV(LLMK_EVENT_USAGE) | TU_EV(LLMK_EVENT_DONE))

typedef tu_fixture fixture;

static void clear_env(void)
{
	unsetenv("HF_TOKEN");
	unsetenv("HUGGING_FACE_HUB_TOKEN");
	unsetenv("HF_BASE_URL");
	unsetenv("TGI_BASE_URL");
	unsetenv("TEI_BASE_URL");
}

static int setup(void **state)
{
	clear_env();
	*state = tu_fixture_new("huggingface/meta-llama/Llama-3.1-8B-Instruct", TOKEN, ROUTER);
	return 0;
}

static int teardown(void **state)
{
	tu_teardown(state);
	clear_env();
	return 0;
}

static llmk_request *embed_request(void)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "The cat sat on the mat."), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "A dog barked."), LLMK_OK);
	return r;
}

/* Sends r, expects `st` and (when given) a message fragment. */
static void expect(fixture *f, llmk_request *r, llmk_status st, const char *fragment)
{
	llmk_response *resp;

	assert_int_equal(llmk_send(f->c, r, &resp), st);
	assert_int_equal(llmk_response_status(resp), st);
	if (fragment && !strstr(llmk_response_error(resp), fragment))
		fail_msg("error '%s' lacks '%s'", llmk_response_error(resp), fragment);
	llmk_response_free(resp);
}

static void expect_error(fixture *f, llmk_request *r, int http, const char *headers, const char *fixture_name,
                         llmk_status st, const char *type, const char *fragment)
{
	llmk_response *resp;
	char *body = read_data(fixture_name, NULL);

	f->cap.status = http;
	f->cap.resp_headers = headers ? headers : "Content-Type: application/json\n";
	f->cap.resp_body = body;
	assert_int_equal(llmk_send(f->c, r, &resp), st);
	assert_int_equal(llmk_response_http_status(resp), http);
	if (!strstr(llmk_response_error(resp), fragment))
		fail_msg("error '%s' lacks '%s'", llmk_response_error(resp), fragment);
	if (type)
		assert_string_equal(llmk_response_error_type(resp), type);
	llmk_response_free(resp);
	free(body);
	f->cap.status = 0;
	f->cap.resp_headers = NULL;
	f->cap.resp_body = NULL;
}

/* ---- events ------------------------------------------------------------------ */

/* ---- router chat ------------------------------------------------------------------ */

static void test_router_chat(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("What is the capital of France?");
	llmk_response *resp;
	json_t *j;

	f->cap.resp_body = read_data("huggingface/router_chat.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json\nx-request-id: Root=1-6828f0a1-2f3b\n";
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "meta-llama/Llama-3.1-8B-Instruct:novita"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 64), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.5), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);

	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, ROUTER "/v1/chat/completions");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " TOKEN);
	assert_string_equal(capture_header(&f->cap, "Content-Type"), "application/json");
	assert_string_equal(capture_header(&f->cap, "Accept"), "application/json");
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "model"), "meta-llama/Llama-3.1-8B-Instruct:novita");
	assert_string_equal(jstr(j, "messages.0.role"), "user");
	assert_string_equal(jstr(j, "messages.0.content"), "What is the capital of France?");
	assert_int_equal(json_integer_value(jget(j, "max_tokens")), 64);
	assert_null(jget(j, "max_completion_tokens"));
	assert_true(json_real_value(jget(j, "temperature")) == 0.5);
	assert_null(jget(j, "stream"));
	json_decref(j);

	assert_string_equal(llmk_response_text(resp), "The capital of France is Paris.");
	assert_string_equal(llmk_response_finish_reason(resp), "stop");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_string_equal(llmk_response_model(resp), "meta-llama/Llama-3.1-8B-Instruct");
	assert_string_equal(llmk_response_request_id(resp), "Root=1-6828f0a1-2f3b");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 42);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 8);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 50);
	assert_int_equal(llmk_response_tool_call_count(resp), 0);
	llmk_response_free(resp);

	/* A base URL given with /v1 (as OpenAI clients spell it) is not doubled. */
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_BASE_URL, ROUTER "/v1"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, ROUTER "/v1/chat/completions");
	llmk_response_free(resp);

	/* Malformed JSON is a protocol error. */
	free((void *)f->cap.resp_body);
	f->cap.resp_body = "{\"choices\":[{\"index\":0,";
	expect(f, r, LLMK_E_PROTOCOL, "not valid JSON");
	f->cap.resp_body = NULL;
	llmk_request_free(r);
}

static void run_router_stream(fixture *f, size_t write_size)
{
	llmk_request *r = chat_request("What is the capital of France?");
	llmk_response *resp;
	tu_events e;
	json_t *j;

	tu_events_init(&e, HF_EVENTS);
	assert_int_equal(
	        tu_stream(f, r, TU_SSE, read_data("huggingface/router_chat_stream.sse", NULL), write_size, &e, &resp),
	        LLMK_OK);
	j = sent_json(&f->cap);
	assert_true(json_is_true(jget(j, "stream")));
	assert_true(json_is_true(jget(j, "stream_options.include_usage")));
	assert_string_equal(capture_header(&f->cap, "Accept"), "text/event-stream");
	json_decref(j);
	assert_string_equal(e.text, "The capital of France is Paris.");
	assert_int_equal(e.ntext, 2);
	assert_string_equal(e.seq, "TTUD");
	assert_int_equal(e.usage_in, 42);
	assert_int_equal(e.usage_out, 8);
	assert_string_equal(llmk_response_text(resp), e.text);
	assert_string_equal(llmk_response_finish_reason(resp), "stop");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 50);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
	f->cap.resp_body = NULL;
	f->cap.write_size = 0;
}

static void test_router_chat_stream(void **state)
{
	run_router_stream(*state, 0);
	run_router_stream(*state, 1);
	run_router_stream(*state, 7);
}

/* ---- TGI ------------------------------------------------------------------------- */

static void test_tgi_chat_request_and_grammar(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("Weather in Brooklyn?");
	llmk_response *resp;
	json_t *j;

	tu_fixture_use(f, "tgi/tgi", NULL, NULL); /* default base, no key */
	f->cap.resp_body = read_data("huggingface/tgi_chat.json", NULL);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 100), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_SEED, 42), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "\n\n"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_FREQUENCY_PENALTY, 0.25), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA,
	                                      "{\"type\":\"object\",\"properties\":{\"temp\":{\"type\":\"number\"}}}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA_NAME, "weather"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);

	assert_string_equal(f->cap.url, "http://127.0.0.1:8080/v1/chat/completions");
	assert_null(capture_header(&f->cap, "Authorization"));
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "model"), "tgi");
	assert_int_equal(json_integer_value(jget(j, "max_tokens")), 100);
	assert_null(jget(j, "max_completion_tokens"));
	assert_int_equal(json_integer_value(jget(j, "seed")), 42);
	assert_string_equal(jstr(j, "stop.0"), "\n\n");
	assert_true(json_real_value(jget(j, "frequency_penalty")) == 0.25);
	/* TGI's grammar form, not OpenAI's json_schema wrapper */
	assert_string_equal(jstr(j, "response_format.type"), "json");
	assert_string_equal(jstr(j, "response_format.value.type"), "object");
	assert_string_equal(jstr(j, "response_format.value.properties.temp.type"), "number");
	assert_null(jget(j, "response_format.json_schema"));
	json_decref(j);

	assert_string_equal(llmk_response_text(resp), "As of your last question, the weather in Brooklyn, New York, is "
	                                              "typically hot and humid throughout the year.");
	assert_string_equal(llmk_response_finish_reason(resp), "length");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_LENGTH);
	assert_string_equal(llmk_response_model(resp), "TinyLlama/TinyLlama-1.1B-Chat-v1.0");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 62);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 100);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 162);
	llmk_response_free(resp);

	/* json_object -> a grammar for any object; text -> no grammar at all */
	llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, NULL);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_object"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "response_format.type"), "json");
	assert_string_equal(jstr(j, "response_format.value.type"), "object");
	json_decref(j);
	llmk_response_free(resp);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "text"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_null(jget(j, "response_format"));
	assert_int_equal(json_integer_value(jget(j, "seed")), 42); /* the rest survives the rewrite */
	json_decref(j);
	llmk_response_free(resp);

	/* A TGI-shaped grammar given as extra JSON is passed through untouched. */
	llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, NULL);
	assert_int_equal(
	        llmk_request_set_extra_json(r, "{\"response_format\":{\"type\":\"regex\",\"value\":\"[0-9]+\"}}"),
	        LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "response_format.type"), "regex");
	assert_string_equal(jstr(j, "response_format.value"), "[0-9]+");
	json_decref(j);
	llmk_response_free(resp);

	/* Tools: TGI's FunctionDefinition carries the schema as "arguments"
	 * (its spec requires it; "parameters" is not a member). */
	assert_int_equal(llmk_request_add_tool(r, "get_weather", "Weather for a city",
	                                       "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}"),
	                 LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "tools.0.type"), "function");
	assert_string_equal(jstr(j, "tools.0.function.name"), "get_weather");
	assert_string_equal(jstr(j, "tools.0.function.arguments.properties.city.type"), "string");
	assert_null(jget(j, "tools.0.function.parameters"));
	json_decref(j);
	llmk_response_free(resp);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "get_weather"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "tool_choice.function.name"), "get_weather");
	assert_null(jget(j, "tool_choice.type")); /* TGI's ToolChoice object has only "function" */
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, NULL);

	/* A tool-calling assistant turn goes as {tool_calls} alone: TGI's
	 * message is content or tool calls, never both. */
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Let me check."), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "call_1", "get_weather", "{\"city\":\"Brooklyn\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "call_1", "{\"temp\":30}"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "messages.1.role"), "assistant");
	assert_null(jget(j, "messages.1.content"));
	assert_string_equal(jstr(j, "messages.1.tool_calls.0.function.name"), "get_weather");
	assert_string_equal(jstr(j, "messages.1.tool_calls.0.function.arguments"), "{\"city\":\"Brooklyn\"}");
	assert_string_equal(jstr(j, "messages.2.role"), "tool");
	assert_null(jget(j, "messages.2.tool_call_id")); /* not a member of TGI's Message */
	assert_string_equal(jstr(j, "messages.2.content"), "{\"temp\":30}");
	assert_string_equal(jstr(j, "messages.0.content"), "Weather in Brooklyn?"); /* other turns keep theirs */
	json_decref(j);
	llmk_response_free(resp);

	/* With a key (HF Inference Endpoints in front of TGI): Bearer. */
	free((void *)f->cap.resp_body);
	tu_fixture_use(f, "tgi/tgi", TOKEN, "https://xyz.endpoints.example.invalid");
	f->cap.resp_body = read_data("huggingface/tgi_chat.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://xyz.endpoints.example.invalid/v1/chat/completions");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " TOKEN);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	f->cap.resp_body = NULL;
	llmk_request_free(r);
}

static void test_tgi_stream(void **state)
{
	fixture *f = *state;
	size_t ws[] = {0, 1, 5};
	llmk_request *r = chat_request("Say OK");
	llmk_response *resp;
	tu_events e;

	tu_fixture_use(f, "tgi/tgi", NULL, "http://tgi.example.invalid:8080");
	for (size_t k = 0; k < 3; k++) {
		tu_events_init(&e, HF_EVENTS);
		assert_int_equal(
		        tu_stream(f, r, TU_SSE, read_data("huggingface/tgi_chat_stream.sse", NULL), ws[k], &e, &resp),
		        LLMK_OK);
		assert_string_equal(f->cap.url, "http://tgi.example.invalid:8080/v1/chat/completions");
		assert_string_equal(e.text, "OK!");
		assert_string_equal(e.seq, "TTUD");
		assert_int_equal(e.usage_in, 39);
		assert_int_equal(e.usage_out, 3);
		assert_string_equal(llmk_response_finish_reason(resp), "stop");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 42);
		assert_string_equal(llmk_response_model(resp), "meta-llama/Llama-3.1-8B-Instruct");
		llmk_response_free(resp);
		free((void *)f->cap.resp_body);
	}

	/* TGI 2.0: finish_reason in TGI's own words, no [DONE], no usage */
	for (size_t k = 0; k < 3; k++) {
		tu_events_init(&e, HF_EVENTS);
		f->cap.resp_body = read_data("huggingface/tgi2_chat_stream.sse", NULL);
		f->cap.write_size = ws[k];
		assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
		assert_string_equal(e.text, "Deep learning.");
		assert_string_equal(e.seq, "TTTD");
		assert_string_equal(llmk_response_finish_reason(resp), "eos_token");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), -1);
		llmk_response_free(resp);
		free((void *)f->cap.resp_body);
	}
	f->cap.resp_body = NULL;
	f->cap.write_size = 0;
	llmk_request_free(r);
}

static void test_tgi_stream_error_inside_200(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("Say OK");
	llmk_response *resp;
	tu_events e;
	static const struct {
		const char *sse;
		llmk_status st;
		const char *type, *msg;
	} cases[] = {
	        {"data:{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}\n\n", LLMK_E_OVERLOADED,
	         "overloaded", "Model is overloaded"},
	        {"data:{\"error\":\"Input validation error: `top_p` must be > 0.0 and < "
	         "1.0\",\"error_type\":\"validation\"}\n\n",
	         LLMK_E_BAD_REQUEST, "validation", "`top_p` must be"},
	        {"data:{\"error\":\"Incomplete generation\",\"error_type\":\"incomplete_generation\"}\n\n",
	         LLMK_E_SERVER, "incomplete_generation", "Incomplete generation"},
	};

	tu_fixture_use(f, "tgi/tgi", NULL, NULL);
	tu_events_init(&e, HF_EVENTS);
	assert_int_equal(
	        tu_stream(f, r, TU_SSE, read_data("huggingface/tgi_chat_stream_error.sse", NULL), 0, &e, &resp),
	        LLMK_E_SERVER);
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_non_null(strstr(llmk_response_error(resp), "error inside the stream"));
	assert_non_null(strstr(llmk_response_error(resp), "CUDA out of memory"));
	assert_string_equal(llmk_response_error_type(resp), "generation");
	assert_string_equal(e.text, "OK");
	assert_string_equal(e.seq, "T"); /* no DONE */
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		tu_events_init(&e, HF_EVENTS);
		f->cap.resp_body = cases[k].sse;
		assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), cases[k].st);
		assert_string_equal(llmk_response_error_type(resp), cases[k].type);
		assert_non_null(strstr(llmk_response_error(resp), cases[k].msg));
		assert_string_equal(e.seq, "");
		llmk_response_free(resp);
	}

	/* The same error as a whole 200 body to a non-streamed request */
	f->cap.resp_body = "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}";
	f->cap.resp_headers = "Content-Type: application/json\n";
	expect(f, r, LLMK_E_OVERLOADED, "tgi: provider returned an error: Model is overloaded");
	f->cap.resp_body = NULL;
	llmk_request_free(r);
}

static void test_tgi_stream_truncated(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("Say OK");
	llmk_response *resp;
	tu_events e;

	tu_fixture_use(f, "tgi/tgi", NULL, NULL);
	tu_events_init(&e, HF_EVENTS);
	assert_int_equal(
	        tu_stream(f, r, TU_SSE, read_data("huggingface/tgi_chat_stream_truncated.sse", NULL), 0, &e, &resp),
	        LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "tgi: stream ended before the end-of-stream marker"));
	assert_string_equal(llmk_response_text(resp), "OK!");
	assert_string_equal(e.seq, "TT");
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* a chunk that is not JSON */
	f->cap.resp_body = "data:{\"object\":\"chat.completion.chunk\",\"choices\":[\n\n";
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "not a JSON object"));
	llmk_response_free(resp);
	f->cap.resp_body = NULL;
	llmk_request_free(r);
}

static void test_tgi_errors(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");

	tu_fixture_use(f, "tgi/tgi", NULL, NULL);
	expect_error(f, r, 422, NULL, "huggingface/tgi_error_422.json", LLMK_E_BAD_REQUEST, "validation",
	             "tgi: HTTP 422: Input validation error: `temperature` must be strictly positive");
	expect_error(f, r, 422, NULL, "huggingface/tgi_error_422_context.json", LLMK_E_CONTEXT_LENGTH, "validation",
	             "must be <= 4096");
	expect_error(f, r, 424, NULL, "huggingface/tgi_error_424.json", LLMK_E_SERVER, "generation",
	             "tgi: HTTP 424: Request failed during generation");
	expect_error(f, r, 429, NULL, "huggingface/tgi_error_429.json", LLMK_E_OVERLOADED, "overloaded",
	             "Model is overloaded");
	expect_error(f, r, 500, NULL, "huggingface/tgi_error_500.json", LLMK_E_SERVER, "incomplete_generation",
	             "Incomplete generation");
	llmk_request_free(r);
}

/* ---- TEI ----------------------------------------------------------------------------- */

static void test_tei_embed(void **state)
{
	fixture *f = *state;
	llmk_request *r = embed_request();
	llmk_response *resp;
	const float *v;

	tu_fixture_use(f, "tei/BAAI/bge-small-en-v1.5", NULL, "http://tei.example.invalid:8080");
	f->cap.resp_body = read_data("huggingface/tei_embed.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "http://tei.example.invalid:8080/embed");
	assert_null(capture_header(&f->cap, "Authorization"));
	assert_string_equal(capture_header(&f->cap, "Content-Type"), "application/json");
	assert_int_equal(f->cap.body_len, strlen("{\"inputs\":[\"The cat sat on the mat.\",\"A dog barked.\"],"
	                                         "\"normalize\":true,\"truncate\":false}"));
	assert_memory_equal(f->cap.body,
	                    "{\"inputs\":[\"The cat sat on the mat.\",\"A dog barked.\"],"
	                    "\"normalize\":true,\"truncate\":false}",
	                    f->cap.body_len);
	assert_int_equal(llmk_response_embedding_count(resp), 2);
	assert_int_equal(llmk_response_embedding_dim(resp), 4);
	v = llmk_response_embedding(resp, 0);
	assert_true(v[0] == 0.010071029f && v[1] == -0.0017594862f && v[2] == 0.05007221f && v[3] == 0.04692972f);
	v = llmk_response_embedding(resp, 1);
	assert_true(v[0] == -0.038120165f && v[3] == 0.06651372f);
	assert_null(llmk_response_embedding(resp, 2));
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* a key, when set, goes out as Bearer; extra JSON overrides the defaults */
	tu_fixture_use(f, "tei/BAAI/bge-small-en-v1.5", TOKEN, NULL);
	f->cap.resp_body = read_data("huggingface/tei_embed.json", NULL);
	assert_int_equal(llmk_request_set_extra_json(r, "{\"truncate\":true}"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "http://127.0.0.1:8080/embed");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " TOKEN);
	assert_non_null(strstr((const char *)f->cap.body, "\"truncate\":true"));
	llmk_response_free(resp);

	/* fewer vectors than inputs; not an array */
	free((void *)f->cap.resp_body);
	f->cap.resp_body = "[[0.1,0.2]]";
	expect(f, r, LLMK_E_PROTOCOL, "1 vectors for 2 inputs");
	f->cap.resp_body = "{\"embeddings\":[]}";
	expect(f, r, LLMK_E_PROTOCOL, "not an array of vectors");
	f->cap.resp_body = "[[0.1,0.2],[0.3";
	expect(f, r, LLMK_E_PROTOCOL, "not valid JSON");
	f->cap.resp_body = NULL;
	llmk_request_free(r);
}

static void test_tei_errors(void **state)
{
	fixture *f = *state;
	llmk_request *r = embed_request();

	tu_fixture_use(f, "tei/BAAI/bge-small-en-v1.5", NULL, NULL);
	expect_error(f, r, 413, NULL, "huggingface/tei_error_413.json", LLMK_E_TOO_LARGE, "Validation",
	             "tei: HTTP 413: batch size 64 > maximum allowed batch size 32");
	expect_error(f, r, 413, NULL, "huggingface/tei_error_413_context.json", LLMK_E_CONTEXT_LENGTH, "Validation",
	             "must have less than 512 tokens");
	expect_error(f, r, 422, NULL, "huggingface/tei_error_422.json", LLMK_E_BAD_REQUEST, "Tokenizer",
	             "cannot be empty");
	expect_error(f, r, 424, NULL, "huggingface/tei_error_424.json", LLMK_E_SERVER, "Backend", "Inference failed");
	expect_error(f, r, 429, NULL, "huggingface/tei_error_429.json", LLMK_E_OVERLOADED, "Overloaded",
	             "Model is overloaded");
	llmk_request_free(r);
}

/* ---- router: feature extraction, text-to-image, speech recognition ------------------------- */

static void test_hf_embed(void **state)
{
	fixture *f = *state;
	llmk_request *r = embed_request();
	llmk_response *resp;
	const float *v;

	tu_fixture_use(f, "huggingface/sentence-transformers/all-MiniLM-L6-v2", TOKEN, ROUTER);
	f->cap.resp_body = read_data("huggingface/hf_embed.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, ROUTER
	                    "/hf-inference/models/sentence-transformers/all-MiniLM-L6-v2/pipeline/feature-extraction");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " TOKEN);
	assert_int_equal(f->cap.body_len, strlen("{\"inputs\":[\"The cat sat on the mat.\",\"A dog barked.\"]}"));
	assert_memory_equal(f->cap.body, "{\"inputs\":[\"The cat sat on the mat.\",\"A dog barked.\"]}",
	                    f->cap.body_len);
	assert_int_equal(llmk_response_embedding_count(resp), 2);
	assert_int_equal(llmk_response_embedding_dim(resp), 4);
	v = llmk_response_embedding(resp, 0);
	assert_true(v[0] == 0.0464711524546146f && v[2] == -0.06469148397445679f);
	v = llmk_response_embedding(resp, 1);
	assert_true(v[1] == 0.028473135083913803f && v[3] == -0.002290491946041584f);
	llmk_response_free(resp);

	/* Per-token vectors of a model without pooling are refused. */
	free((void *)f->cap.resp_body);
	f->cap.resp_body = read_data("huggingface/hf_embed_tokens.json", NULL);
	llmk_request_free(r);
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "hello"), LLMK_OK);
	expect(f, r, LLMK_E_PROTOCOL, "one vector per token");

	/* A flat vector answers a single input. */
	free((void *)f->cap.resp_body);
	f->cap.resp_body = "[0.5,-0.25,0.125]";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_embedding_count(resp), 1);
	assert_int_equal(llmk_response_embedding_dim(resp), 3);
	assert_true(llmk_response_embedding(resp, 0)[2] == 0.125f);
	llmk_response_free(resp);

	/* Model ids are escaped segment by segment. */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "my-org/odd name+v2"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url,
	                    ROUTER "/hf-inference/models/my-org/odd%20name%2Bv2/pipeline/feature-extraction");
	llmk_response_free(resp);
	f->cap.resp_body = NULL;
	llmk_request_free(r);
}

static void test_hf_image(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	size_t png_len, len;
	char *png = read_data("huggingface/image.png", &png_len);
	const uint8_t *data;
	json_t *j;

	tu_fixture_use(f, "huggingface/black-forest-labs/FLUX.1-schnell", TOKEN, ROUTER);
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "Astronaut riding a horse"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, "512x256"), LLMK_OK);
	f->cap.resp_body = png;
	f->cap.resp_len = png_len;
	f->cap.resp_headers = "Content-Type: image/png\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, ROUTER "/hf-inference/models/black-forest-labs/FLUX.1-schnell");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " TOKEN);
	assert_string_equal(capture_header(&f->cap, "Accept"), "image/png");
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "inputs"), "Astronaut riding a horse");
	assert_int_equal(json_integer_value(jget(j, "parameters.width")), 512);
	assert_int_equal(json_integer_value(jget(j, "parameters.height")), 256);
	assert_int_equal(json_object_size(j), 2);
	json_decref(j);
	assert_int_equal(llmk_response_image_count(resp), 1);
	data = llmk_response_image_data(resp, 0, &len);
	assert_int_equal(len, png_len);
	assert_int_equal(png_len, 74);
	assert_memory_equal(data, png, png_len);
	assert_null(llmk_response_image_url(resp, 0));
	llmk_response_free(resp);

	/* JPEG works too; no size -> no parameters */
	llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, NULL);
	f->cap.resp_headers = "Content-Type: image/jpeg\n";
	f->cap.resp_body = "\xff\xd8\xff\xe0\x00\x10JFIF";
	f->cap.resp_len = 10;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_memory_equal(f->cap.body, "{\"inputs\":\"Astronaut riding a horse\"}", f->cap.body_len);
	data = llmk_response_image_data(resp, 0, &len);
	assert_int_equal(len, 10);
	assert_memory_equal(data, "\xff\xd8\xff\xe0\x00\x10JFIF", 10);
	llmk_response_free(resp);
	f->cap.resp_len = 0;

	/* JSON instead of an image: the error it carries, or a protocol error */
	f->cap.resp_headers = "Content-Type: application/json\n";
	f->cap.resp_body = "{\"error\":\"Model too busy, unable to get response in less than 60 second(s)\"}";
	expect(f, r, LLMK_E_SERVER, "Model too busy");
	f->cap.resp_body = "{\"generated_image\":null}";
	expect(f, r, LLMK_E_PROTOCOL, "JSON, not an image");
	f->cap.resp_headers = "Content-Type: text/html\n";
	f->cap.resp_body = "<html>hi</html>";
	expect(f, r, LLMK_E_PROTOCOL, "text/html, not an image");
	f->cap.resp_headers = "Content-Type: image/png\n";
	f->cap.resp_body = "";
	expect(f, r, LLMK_E_PROTOCOL, "no image");
	f->cap.resp_body = NULL;
	f->cap.resp_headers = NULL;

	llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, "big");
	expect(f, r, LLMK_E_INVALID_ARG, "image_size 'big'");
	llmk_request_free(r);
	free(png);
}

static void test_hf_transcribe(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	size_t wav_len = 0;
	uint8_t *wav = read_jfk(&wav_len);
	static const char jfk[] = " And so my fellow Americans, ask not what your country can do for you, ask what you "
	                          "can do for your country.";

	if (!wav) {
		static const char fake[] = "RIFF\x24\x00\x00\x00WAVEfmt ";
		wav_len = sizeof(fake) - 1;
		wav = malloc(wav_len);
		memcpy(wav, fake, wav_len);
	}
	tu_fixture_use(f, "huggingface/openai/whisper-large-v3", TOKEN, ROUTER);
	assert_int_equal(llmk_request_new(&r, LLMK_TRANSCRIBE), LLMK_OK);
	assert_int_equal(llmk_request_set_audio(r, (const uint8_t *)wav, wav_len, "jfk.wav", NULL), LLMK_OK);
	f->cap.resp_body = read_data("huggingface/hf_asr.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, ROUTER "/hf-inference/models/openai/whisper-large-v3");
	assert_string_equal(capture_header(&f->cap, "Content-Type"), "audio/wav");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " TOKEN);
	assert_int_equal(f->cap.body_len, wav_len);
	assert_memory_equal(f->cap.body, wav, wav_len);
	assert_string_equal(llmk_response_text(resp), jfk);
	assert_int_equal(llmk_response_segment_count(resp), 0);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* with timestamps: chunks become segments; a null end is -1 */
	f->cap.resp_body = read_data("huggingface/hf_asr_chunks.json", NULL);
	assert_int_equal(llmk_request_set_audio(r, (const uint8_t *)wav, wav_len, "jfk.flac", "audio/flac"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(capture_header(&f->cap, "Content-Type"), "audio/flac");
	assert_string_equal(llmk_response_text(resp), jfk);
	assert_int_equal(llmk_response_segment_count(resp), 2);
	assert_true(llmk_response_segment_start(resp, 0) == 0.0);
	assert_true(llmk_response_segment_end(resp, 0) == 7.6);
	assert_string_equal(llmk_response_segment_text(resp, 0),
	                    " And so my fellow Americans, ask not what your country can do for you,");
	assert_true(llmk_response_segment_start(resp, 1) == 7.6);
	assert_true(llmk_response_segment_end(resp, 1) == -1);
	assert_string_equal(llmk_response_segment_text(resp, 1), " ask what you can do for your country.");
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	f->cap.resp_body = "{\"chunks\":[]}";
	expect(f, r, LLMK_E_PROTOCOL, "no text");
	f->cap.resp_body = "{\"text\":";
	expect(f, r, LLMK_E_PROTOCOL, "not valid JSON");
	f->cap.resp_body = NULL;

	/* Parameters the raw-audio request cannot carry are refused before
	 * anything is sent. */
	f->cap.calls = 0;
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_LANGUAGE, "en"), LLMK_OK);
	expect(f, r, LLMK_E_UNSUPPORTED, "huggingface does not support language for transcribe requests");
	assert_int_equal(f->cap.calls, 0);
	llmk_request_free(r);
	free(wav);
}

static void test_hf_errors(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	char *body;

	tu_fixture_use(f, "huggingface/openai/whisper-large-v3", TOKEN, ROUTER);
	assert_int_equal(llmk_request_new(&r, LLMK_TRANSCRIBE), LLMK_OK);
	assert_int_equal(llmk_request_set_audio(r, (const uint8_t *)"RIFF", 4, "a.wav", NULL), LLMK_OK);

	/* Model loading: 503 with estimated_time -> overloaded, retry after */
	body = read_data("huggingface/hf_error_loading.json", NULL);
	f->cap.status = 503;
	f->cap.resp_headers = "Content-Type: application/json\n";
	f->cap.resp_body = body;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_OVERLOADED);
	assert_non_null(strstr(llmk_response_error(resp),
	                       "huggingface: HTTP 503: Model openai/whisper-large-v3 is currently loading"));
	assert_int_equal(llmk_response_retry_after_ms(resp), 20000);
	llmk_response_free(resp);
	/* a Retry-After header wins over the estimate */
	f->cap.resp_headers = "Content-Type: application/json\nRetry-After: 5\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_OVERLOADED);
	assert_int_equal(llmk_response_retry_after_ms(resp), 5000);
	llmk_response_free(resp);
	free(body);
	f->cap.status = 0;

	expect_error(f, r, 400, NULL, "huggingface/hf_error_list.json", LLMK_E_BAD_REQUEST, NULL,
	             "huggingface: HTTP 400: Error in `inputs`: field required");
	expect_error(f, r, 401, NULL, "huggingface/hf_error_401.json", LLMK_E_AUTH, NULL,
	             "Invalid credentials in Authorization header");
	expect_error(f, r, 404, NULL, "huggingface/hf_error_404.json", LLMK_E_NOT_FOUND, NULL, "does not exist");
	f->cap.status = 502;
	f->cap.resp_headers = "Content-Type: text/html\n";
	f->cap.resp_body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
	expect(f, r, LLMK_E_SERVER, "502 Bad Gateway");
	/* an OpenAI-style error from a provider behind the router */
	f->cap.status = 429;
	f->cap.resp_headers = "Content-Type: application/json\n";
	f->cap.resp_body = "{\"error\":{\"message\":\"You exceeded your monthly included credits\","
	                   "\"type\":\"rate_limit_error\"}}";
	expect(f, r, LLMK_E_RATE_LIMITED, "monthly included credits");
	f->cap.status = 0;
	f->cap.resp_body = NULL;
	f->cap.resp_headers = NULL;
	llmk_request_free(r);
}

/* ---- provider rows: what each serves, keys ------------------------------------------------- */

static void test_unsupported(void **state)
{
	fixture *f = *state;
	llmk_request *r;

	tu_fixture_use(f, "tei/BAAI/bge-small-en-v1.5", NULL, NULL);
	r = embed_request();
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DIMENSIONS, 128), LLMK_OK);
	expect(f, r, LLMK_E_UNSUPPORTED, "tei does not support dimensions for embed requests");
	llmk_request_free(r);
	r = chat_request("hi");
	expect(f, r, LLMK_E_UNSUPPORTED, "tei does not serve chat requests");
	llmk_request_free(r);

	tu_fixture_use(f, "tgi/tgi", NULL, NULL);
	r = embed_request();
	expect(f, r, LLMK_E_UNSUPPORTED, "tgi does not serve embed requests");
	llmk_request_free(r);
	r = chat_request("hi");
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_K, 5), LLMK_OK);
	expect(f, r, LLMK_E_UNSUPPORTED, "tgi does not support top_k for chat requests");
	llmk_request_free(r);

	tu_fixture_use(f, "huggingface/meta-llama/Llama-3.1-8B-Instruct", TOKEN, ROUTER);
	r = chat_request("hi");
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "high"), LLMK_OK);
	expect(f, r, LLMK_E_UNSUPPORTED, "huggingface does not support reasoning_effort for chat requests");
	llmk_request_free(r);
	assert_int_equal(f->cap.calls, 0);
}

static void test_hf_token_env(void **state)
{
	fixture *f = *state;
	llmk_request *r = embed_request();
	llmk_response *resp;

	setenv("HF_TOKEN", TOKEN, 1);
	tu_fixture_use(f, "huggingface/sentence-transformers/all-MiniLM-L6-v2", NULL, ROUTER);
	f->cap.resp_body = read_data("huggingface/hf_embed.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " TOKEN);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* the hub's older variable works too */
	unsetenv("HF_TOKEN");
	setenv("HUGGING_FACE_HUB_TOKEN", "hf_OtherToken9876543210", 1);
	tu_fixture_use(f, "huggingface/sentence-transformers/all-MiniLM-L6-v2", NULL, ROUTER);
	f->cap.resp_body = read_data("huggingface/hf_embed.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer hf_OtherToken9876543210");
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	unsetenv("HUGGING_FACE_HUB_TOKEN");

	/* none: the router needs one, and says which variable */
	tu_fixture_use(f, "huggingface/sentence-transformers/all-MiniLM-L6-v2", NULL, ROUTER);
	expect(f, r, LLMK_E_AUTH, "HF_TOKEN");
	assert_int_equal(f->cap.calls, 0);

	/* HF_BASE_URL moves the router */
	setenv("HF_BASE_URL", "https://proxy.example.invalid/hf", 1);
	setenv("HF_TOKEN", TOKEN, 1);
	tu_fixture_use(f, "huggingface/sentence-transformers/all-MiniLM-L6-v2", NULL, NULL);
	f->cap.resp_body = read_data("huggingface/hf_embed.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://proxy.example.invalid/hf/hf-inference/models/sentence-transformers/"
	                                "all-MiniLM-L6-v2/pipeline/feature-extraction");
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	f->cap.resp_body = NULL;
	llmk_request_free(r);
}

static void test_token_never_in_errors(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	tu_events e;

	f->cap.status = 401;
	f->cap.resp_headers = "Content-Type: application/json\n";
	f->cap.resp_body = "{\"error\":\"Authorization header is invalid: token " TOKEN " was rejected\"}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_AUTH);
	assert_null(strstr(llmk_response_error(resp), TOKEN));
	assert_null(strstr(llmk_response_error(resp), "0123456789abcdef"));
	assert_non_null(strstr(llmk_response_error(resp), "was rejected"));
	llmk_response_free(resp);
	/* same inside a 200 stream */
	f->cap.status = 0;
	f->cap.resp_headers = "Content-Type: text/event-stream\n";
	f->cap.resp_body = "data: {\"error\":\"bad token " TOKEN "\",\"error_type\":\"validation\"}\n\n";
	tu_events_init(&e, HF_EVENTS);
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_BAD_REQUEST);
	assert_null(strstr(llmk_response_error(resp), TOKEN));
	llmk_response_free(resp);
	f->cap.resp_body = NULL;
	f->cap.resp_headers = NULL;
	llmk_request_free(r);
}

/* ---- through libcurl and a real socket ---------------------------------------------- */

#ifdef LLMK_TEST_HAVE_CURL
static void test_http_end_to_end(void **state)
{
	th_server *srv = th_start();
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	th_response tr;
	const th_request *req;
	char *sse = read_data("huggingface/tgi_chat_stream.sse", NULL);
	char *asr = read_data("huggingface/hf_asr.json", NULL);
	size_t wav_len = 0;
	uint8_t *wav = read_jfk(&wav_len);
	tu_events e;

	(void)state;
	assert_non_null(srv);
	/* TGI stream, chunked, dripped in 3-byte writes */
	assert_int_equal(llmk_client_new(&c, "tgi/tgi"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK); /* one scripted answer per send */
	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: text/event-stream\r\n";
	tr.body = sse;
	tr.chunked = 1;
	tr.write_size = 3;
	th_push(srv, &tr);
	r = chat_request("Say OK");
	tu_events_init(&e, HF_EVENTS);
	assert_int_equal(llmk_stream(c, r, tu_on_event, &e, &resp), LLMK_OK);
	assert_string_equal(e.text, "OK!");
	assert_string_equal(e.seq, "TTUD");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	req = th_request_at(srv, 0);
	assert_string_equal(req->target, "/v1/chat/completions");
	assert_null(th_request_header(req, "Authorization"));
	assert_non_null(strstr((const char *)req->body, "\"stream\":true"));
	llmk_response_free(resp);
	llmk_request_free(r);

	/* TGI error status over HTTP */
	th_push_json(srv, 429, "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}");
	r = chat_request("Say OK");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_OVERLOADED);
	assert_non_null(strstr(llmk_response_error(resp), "tgi: HTTP 429: Model is overloaded"));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);

	/* speech recognition: the real recording goes out byte for byte */
	if (wav) {
		setenv("HF_TOKEN", TOKEN, 1);
		assert_int_equal(llmk_client_new(&c, "huggingface/openai/whisper-large-v3"), LLMK_OK);
		unsetenv("HF_TOKEN");
		assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0),
		                 LLMK_OK); /* one scripted answer per send */
		th_push_json(srv, 200, asr);
		assert_int_equal(llmk_request_new(&r, LLMK_TRANSCRIBE), LLMK_OK);
		assert_int_equal(llmk_request_set_audio(r, (const uint8_t *)wav, wav_len, "jfk.wav", NULL), LLMK_OK);
		assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
		assert_non_null(strstr(llmk_response_text(resp), "ask not what your country can do for you"));
		req = th_request_at(srv, 2);
		assert_string_equal(req->target, "/hf-inference/models/openai/whisper-large-v3");
		assert_string_equal(th_request_header(req, "Content-Type"), "audio/wav");
		assert_string_equal(th_request_header(req, "Authorization"), "Bearer " TOKEN);
		assert_int_equal(req->body_len, wav_len);
		assert_memory_equal(req->body, wav, wav_len);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
	th_stop(srv);
	free(sse);
	free(asr);
	free(wav);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_router_chat, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_router_chat_stream, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tgi_chat_request_and_grammar, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tgi_stream, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tgi_stream_error_inside_200, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tgi_stream_truncated, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tgi_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tei_embed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tei_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hf_embed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hf_image, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hf_transcribe, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hf_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unsupported, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hf_token_env, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_token_never_in_errors, setup, teardown),
#ifdef LLMK_TEST_HAVE_CURL
	        cmocka_unit_test(test_http_end_to_end),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
