#define _POSIX_C_SOURCE 200809L
/* Gemini (Generative Language API v1beta) through the public API: the
 * exact requests each kind produces (URL, x-goog-api-key, contents,
 * generationConfig, tools), and how answers, SSE streams, embeddings,
 * images and errors are read back. Uses the capture transport; one test
 * runs the whole pipeline over a loopback socket through libcurl. */
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

/* Fake key in Google's shape (AIza + 35 characters). */
#define KEY "AIzaSyFAKE-test-key-0123456789abcdefghi"
#define BASE "https://generativelanguage.example.invalid/v1beta"

typedef tu_fixture fixture;

static int setup(void **state)
{
	*state = tu_fixture_new("gemini/gemini-2.0-flash", KEY, BASE "/");
	return 0;
}

/* Answer the next requests with a fixture file. */
static void answer(fixture *f, const char *file, const char *headers)
{
	free(f->owned);
	f->owned = read_data(file, NULL);
	f->cap.resp_body = f->owned;
	f->cap.resp_len = 0;
	f->cap.resp_headers = headers;
	f->cap.status = 0;
}

/* ---- request mapping ------------------------------------------------------ */

static void test_chat_request_body(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	json_t *j;
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};

	answer(f, "gemini/generate_content.json", "Content-Type: application/json; charset=UTF-8\n");
	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Be brief."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "What is this?"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_data(r, png, sizeof(png), "image/png"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_DEVELOPER, "Answer in English."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "And look it up."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Looking."), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "call_1", "lookup", "{\"q\":\"cat\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "call_2", "get_time", "{}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "call_1", "{\"species\":\"cat\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "call_2", "12:00"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Thanks"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.25), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TOP_P, 0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_K, 40), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 64), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_SEED, 42), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_PRESENCE_PENALTY, 0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_FREQUENCY_PENALTY, -0.5), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "END"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "\n\n"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_REASONING_BUDGET, 1024), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "lookup", "Look a thing up",
	                                       "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"},"
	                                       "\"type\":{\"type\":[\"integer\",\"null\"]},\"tags\":{\"type\":"
	                                       "\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}}},"
	                                       "\"required\":[\"q\"],\"additionalProperties\":false,"
	                                       "\"$schema\":\"http://json-schema.org/draft-07/schema#\"}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "get_time", NULL, "{\"type\":\"object\",\"properties\":{}}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "lookup"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA,
	                                      "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/x\"}}}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_set_extra_json(r,
	                                             "{\"safetySettings\":[{\"category\":\"HARM_CATEGORY_HARASSMENT\","
	                                             "\"threshold\":\"BLOCK_NONE\"}]}"),
	                 LLMK_OK);

	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, BASE "/models/gemini-2.0-flash:generateContent");
	assert_null(strstr(f->cap.url, "key="));
	assert_string_equal(capture_header(&f->cap, "x-goog-api-key"), KEY);
	assert_null(capture_header(&f->cap, "Authorization"));
	assert_string_equal(capture_header(&f->cap, "Content-Type"), "application/json");
	assert_string_equal(capture_header(&f->cap, "Accept"), "application/json");

	j = sent_json(&f->cap);
	assert_null(jget(j, "model"));
	/* system and developer messages become systemInstruction */
	assert_int_equal(json_array_size(jget(j, "systemInstruction.parts")), 2);
	assert_string_equal(jstr(j, "systemInstruction.parts.0.text"), "Be brief.");
	assert_string_equal(jstr(j, "systemInstruction.parts.1.text"), "Answer in English.");
	assert_null(jget(j, "systemInstruction.role"));
	/* user, user (merged) / model / tool results + user (merged) */
	assert_int_equal(json_array_size(jget(j, "contents")), 3);
	assert_string_equal(jstr(j, "contents.0.role"), "user");
	assert_int_equal(json_array_size(jget(j, "contents.0.parts")), 3);
	assert_string_equal(jstr(j, "contents.0.parts.0.text"), "What is this?");
	assert_string_equal(jstr(j, "contents.0.parts.1.inlineData.mimeType"), "image/png");
	assert_string_equal(jstr(j, "contents.0.parts.1.inlineData.data"), "iVBORw0KGgo=");
	assert_string_equal(jstr(j, "contents.0.parts.2.text"), "And look it up.");
	assert_string_equal(jstr(j, "contents.1.role"), "model");
	assert_int_equal(json_array_size(jget(j, "contents.1.parts")), 3);
	assert_string_equal(jstr(j, "contents.1.parts.0.text"), "Looking.");
	assert_string_equal(jstr(j, "contents.1.parts.1.functionCall.name"), "lookup");
	assert_string_equal(jstr(j, "contents.1.parts.1.functionCall.args.q"), "cat");
	assert_string_equal(jstr(j, "contents.1.parts.2.functionCall.name"), "get_time");
	assert_true(json_is_object(jget(j, "contents.1.parts.2.functionCall.args")));
	assert_int_equal(json_object_size(jget(j, "contents.1.parts.2.functionCall.args")), 0);
	assert_string_equal(jstr(j, "contents.2.role"), "user");
	assert_int_equal(json_array_size(jget(j, "contents.2.parts")), 3);
	assert_string_equal(jstr(j, "contents.2.parts.0.functionResponse.name"), "lookup");
	assert_string_equal(jstr(j, "contents.2.parts.0.functionResponse.response.species"), "cat");
	assert_string_equal(jstr(j, "contents.2.parts.1.functionResponse.name"), "get_time");
	assert_string_equal(jstr(j, "contents.2.parts.1.functionResponse.response.result"), "12:00");
	assert_string_equal(jstr(j, "contents.2.parts.2.text"), "Thanks");
	/* generationConfig */
	assert_true(fabs(jnum(j, "generationConfig.temperature") - 0.25) < 1e-12);
	assert_true(fabs(jnum(j, "generationConfig.topP") - 0.5) < 1e-12);
	assert_int_equal(json_integer_value(jget(j, "generationConfig.topK")), 40);
	assert_int_equal(json_integer_value(jget(j, "generationConfig.maxOutputTokens")), 64);
	assert_int_equal(json_integer_value(jget(j, "generationConfig.seed")), 42);
	assert_true(fabs(jnum(j, "generationConfig.presencePenalty") - 0.5) < 1e-12);
	assert_true(fabs(jnum(j, "generationConfig.frequencyPenalty") + 0.5) < 1e-12);
	assert_string_equal(jstr(j, "generationConfig.stopSequences.0"), "END");
	assert_string_equal(jstr(j, "generationConfig.stopSequences.1"), "\n\n");
	assert_int_equal(json_integer_value(jget(j, "generationConfig.thinkingConfig.thinkingBudget")), 1024);
	assert_true(json_is_true(jget(j, "generationConfig.thinkingConfig.includeThoughts")));
	assert_string_equal(jstr(j, "generationConfig.responseMimeType"), "application/json");
	assert_string_equal(jstr(j, "generationConfig.responseJsonSchema.properties.a.$ref"), "#/$defs/x");
	assert_null(jget(j, "generationConfig.responseSchema"));
	/* tools and toolConfig */
	assert_int_equal(json_array_size(jget(j, "tools")), 1);
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.0.name"), "lookup");
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.0.description"), "Look a thing up");
	/* JSON Schema types become the spec's upper-case Type enum */
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.0.parameters.type"), "OBJECT");
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.0.parameters.properties.q.type"), "STRING");
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.0.parameters.properties.type.type"), "INTEGER");
	assert_true(json_is_true(jget(j, "tools.0.functionDeclarations.0.parameters.properties.type.nullable")));
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.0.parameters.properties.tags.type"), "ARRAY");
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.0.parameters.properties.tags.items.type"), "STRING");
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.0.parameters.properties.tags.items.enum.1"), "b");
	assert_null(jget(j, "tools.0.functionDeclarations.0.parameters.properties.q.nullable"));
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.0.parameters.required.0"), "q");
	/* JSON Schema keywords Gemini's Schema lacks are left out (the API
	 * rejects unknown members) */
	assert_null(jget(j, "tools.0.functionDeclarations.0.parameters.additionalProperties"));
	assert_null(jget(j, "tools.0.functionDeclarations.0.parameters.$schema"));
	assert_string_equal(jstr(j, "tools.0.functionDeclarations.1.name"), "get_time");
	assert_null(jget(j, "tools.0.functionDeclarations.1.description"));
	assert_null(jget(j, "tools.0.functionDeclarations.1.parameters")); /* empty object schema is rejected */
	assert_string_equal(jstr(j, "toolConfig.functionCallingConfig.mode"), "ANY");
	assert_string_equal(jstr(j, "toolConfig.functionCallingConfig.allowedFunctionNames.0"), "lookup");
	assert_int_equal(json_array_size(jget(j, "toolConfig.functionCallingConfig.allowedFunctionNames")), 1);
	/* extra JSON merged at the top level */
	assert_string_equal(jstr(j, "safetySettings.0.threshold"), "BLOCK_NONE");
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void expect_tool_mode(fixture *f, const char *choice, const char *mode)
{
	llmk_request *r;
	llmk_response *resp;
	json_t *j;

	r = chat_request("hi");
	llmk_request_add_tool(r, "lookup", NULL, NULL);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, choice);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "toolConfig.functionCallingConfig.mode"), mode);
	assert_null(jget(j, "toolConfig.functionCallingConfig.allowedFunctionNames"));
	assert_null(jget(j, "tools.0.functionDeclarations.0.parameters"));
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_request_variants(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	json_t *j;

	answer(f, "gemini/generate_content.json", NULL);
	expect_tool_mode(f, "auto", "AUTO");
	expect_tool_mode(f, "none", "NONE");
	expect_tool_mode(f, "required", "ANY");

	/* a bare request: no generationConfig, no systemInstruction, no tools */
	r = chat_request("hi");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_int_equal(json_object_size(j), 1);
	assert_string_equal(jstr(j, "contents.0.role"), "user");
	assert_string_equal(jstr(j, "contents.0.parts.0.text"), "hi");
	json_decref(j);
	llmk_response_free(resp);

	/* json_object: the MIME type alone; budget 0 turns thinking off */
	llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_object");
	llmk_request_set_i64(r, LLMK_OPT_REASONING_BUDGET, 0);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "generationConfig.responseMimeType"), "application/json");
	assert_null(jget(j, "generationConfig.responseJsonSchema"));
	assert_int_equal(json_integer_value(jget(j, "generationConfig.thinkingConfig.thinkingBudget")), 0);
	assert_null(jget(j, "generationConfig.thinkingConfig.includeThoughts"));
	json_decref(j);
	llmk_response_free(resp);

	/* "models/..." is not doubled; other characters are escaped */
	llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "text");
	llmk_request_set_str(r, LLMK_OPT_MODEL, "models/gemini-2.5-pro");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, BASE "/models/gemini-2.5-pro:generateContent");
	j = sent_json(&f->cap);
	assert_null(jget(j, "generationConfig.responseMimeType"));
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_set_str(r, LLMK_OPT_MODEL, "my model?x=1");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, BASE "/models/my%20model%3Fx%3D1:generateContent");
	llmk_response_free(resp);
	llmk_request_free(r);

	/* tool_choice naming an undeclared tool: refused before sending */
	f->cap.calls = 0;
	r = chat_request("hi");
	llmk_request_add_tool(r, "lookup", NULL, NULL);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "other");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "gemini"));
	assert_non_null(strstr(llmk_response_error(resp), "'other'"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* only a system message: Gemini needs contents */
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You are terse.");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "no user or assistant messages"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* a tool result whose call id matches no earlier tool call */
	r = chat_request("hi");
	llmk_request_add_tool_result(r, "call_missing", "42");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "call_missing"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_unsupported_parameters(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	answer(f, "gemini/generate_content.json", NULL);
	f->cap.calls = 0;
	r = chat_request("hi");
	llmk_request_set_str(r, LLMK_OPT_USER, "user-1"); /* (reasoning_effort is thinkingLevel now) */
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "gemini"));
	assert_non_null(strstr(llmk_response_error(resp), "user"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* images by http URL: Gemini takes inline data only */
	r = chat_request("What is this?");
	llmk_request_add_image_url(r, "https://example.invalid/cat.jpg", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "gemini"));
	assert_non_null(strstr(llmk_response_error(resp), "image URLs"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* image_count: image models refuse candidateCount */
	llmk_request_new(&r, LLMK_IMAGE);
	llmk_request_set_str(r, LLMK_OPT_PROMPT, "a red pixel");
	llmk_request_set_i64(r, LLMK_OPT_IMAGE_COUNT, 2);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "gemini does not support image_count"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	assert_int_equal(llmk_provider_supports_option("gemini", LLMK_OPT_IMAGE_COUNT), 0);
	assert_int_equal(llmk_provider_supports_option("gemini", LLMK_OPT_REASONING_BUDGET), 1);
	assert_true(llmk_provider_capabilities("gemini", LLMK_CHAT) & LLMK_CAP_STREAM);
	assert_false(llmk_provider_capabilities("gemini", LLMK_CHAT) & LLMK_CAP_IMAGE_URL);
}

/* ---- response parsing ----------------------------------------------------- */

static void test_chat_response_parsed(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	size_t rawlen;

	answer(f, "gemini/generate_content.json", "Content-Type: application/json; charset=UTF-8\n");
	r = chat_request("hi");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "Hello! How can I help you today?");
	assert_string_equal(llmk_response_reasoning(resp), "");
	assert_string_equal(llmk_response_finish_reason(resp), "STOP");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_string_equal(llmk_response_model(resp), "gemini-2.0-flash");
	assert_string_equal(llmk_response_request_id(resp), "Yx3kZ9u1J4m0nvgP6Pa1qAc");
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 9);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 10);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 19);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_REASONING), -1);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), -1);
	assert_int_equal(llmk_response_tool_call_count(resp), 0);
	assert_string_equal(llmk_response_raw(resp, &rawlen), f->cap.resp_body);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_thinking_response(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	answer(f, "gemini/generate_content_thinking.json", NULL);
	r = chat_request("How many r's in strawberry?");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "There are 3 r's in \"strawberry\".");
	assert_string_equal(llmk_response_reasoning(resp), "**Counting the letters**\n\nThe word has three r's.");
	assert_string_equal(llmk_response_model(resp), "gemini-2.5-flash");
	/* candidatesTokenCount (11) excludes the thoughts (187) */
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 12);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 198);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_REASONING), 187);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_CACHED_INPUT), 4);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 210);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_tool_calls_round_trip(void **state)
{
	fixture *f = *state;
	llmk_request *r, *next;
	llmk_response *resp, *resp2;
	char id0[64], id1[64];
	json_t *j;

	answer(f, "gemini/generate_content_tools.json", NULL);
	r = chat_request("Weather and time in Paris?");
	llmk_request_add_tool(r, "get_weather", NULL,
	                      "{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}}}");
	llmk_request_add_tool(r, "get_time", NULL,
	                      "{\"type\":\"object\",\"properties\":{\"timezone\":{\"type\":\"string\"}}}");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_tool_call_count(resp), 2);
	assert_true(is_call_id(llmk_response_tool_call_id(resp, 0)));
	assert_true(is_call_id(llmk_response_tool_call_id(resp, 1)));
	assert_string_not_equal(llmk_response_tool_call_id(resp, 0), llmk_response_tool_call_id(resp, 1));
	assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_weather");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{\"location\":\"Paris\"}");
	assert_string_equal(llmk_response_tool_call_name(resp, 1), "get_time");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"timezone\":\"Europe/Paris\"}");
	assert_null(llmk_response_tool_call_id(resp, 2));
	assert_string_equal(llmk_response_finish_reason(resp), "STOP"); /* Gemini's word, kept */
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
	assert_string_equal(llmk_response_text(resp), "");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 28 + 104);
	snprintf(id0, sizeof(id0), "%s", llmk_response_tool_call_id(resp, 0));
	snprintf(id1, sizeof(id1), "%s", llmk_response_tool_call_id(resp, 1));

	/* send the calls back with their results: names come from the calls */
	llmk_request_new(&next, LLMK_CHAT);
	llmk_request_add_message(next, LLMK_ROLE_USER, "Weather and time in Paris?");
	llmk_request_add_message(next, LLMK_ROLE_ASSISTANT, NULL);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(llmk_request_add_tool_call(next, llmk_response_tool_call_id(resp, i),
		                                            llmk_response_tool_call_name(resp, i),
		                                            llmk_response_tool_call_arguments(resp, i)),
		                 LLMK_OK);
	/* results in the other order, one of them not JSON */
	assert_int_equal(llmk_request_add_tool_result(next, id1, "\"14:05\""), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(next, id0, "{\"temp_c\":18,\"sky\":\"clear\"}"), LLMK_OK);
	answer(f, "gemini/generate_content.json", NULL);
	assert_int_equal(llmk_send(f->c, next, &resp2), LLMK_OK);
	j = sent_json(&f->cap);
	assert_int_equal(json_array_size(jget(j, "contents")), 3);
	assert_string_equal(jstr(j, "contents.1.role"), "model");
	assert_int_equal(json_array_size(jget(j, "contents.1.parts")), 2); /* no empty text part */
	assert_string_equal(jstr(j, "contents.1.parts.0.functionCall.name"), "get_weather");
	assert_string_equal(jstr(j, "contents.1.parts.0.functionCall.args.location"), "Paris");
	assert_string_equal(jstr(j, "contents.1.parts.1.functionCall.args.timezone"), "Europe/Paris");
	assert_string_equal(jstr(j, "contents.2.role"), "user");
	assert_string_equal(jstr(j, "contents.2.parts.0.functionResponse.name"), "get_time");
	/* a JSON string is not an object: wrapped as text */
	assert_string_equal(jstr(j, "contents.2.parts.0.functionResponse.response.result"), "\"14:05\"");
	assert_string_equal(jstr(j, "contents.2.parts.1.functionResponse.name"), "get_weather");
	assert_int_equal(json_integer_value(jget(j, "contents.2.parts.1.functionResponse.response.temp_c")), 18);
	assert_string_equal(jstr(j, "contents.2.parts.1.functionResponse.response.sky"), "clear");
	assert_null(jget(j, "contents.1.parts.0.thoughtSignature")); /* gemini-2.0 does not check */
	json_decref(j);
	llmk_response_free(resp2);

	/* Gemini 3 wants a thoughtSignature on the first call of a model turn:
	 * the documented value for calls it did not sign */
	llmk_request_set_str(next, LLMK_OPT_MODEL, "gemini-3-pro-preview");
	assert_int_equal(llmk_send(f->c, next, &resp2), LLMK_OK);
	assert_string_equal(f->cap.url, BASE "/models/gemini-3-pro-preview:generateContent");
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "contents.1.parts.0.thoughtSignature"), "skip_thought_signature_validator");
	assert_null(jget(j, "contents.1.parts.1.thoughtSignature"));
	assert_null(jget(j, "contents.0.parts.0.thoughtSignature"));
	json_decref(j);
	llmk_response_free(resp2);
	llmk_request_free(next);
	llmk_response_free(resp);

	/* a functionCall that carries its own id keeps it */
	f->cap.resp_body =
	        "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"id\":\"fc-7\",\"name\":\"get_time\","
	        "\"args\":{}}}],\"role\":\"model\"},\"finishReason\":\"STOP\"}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_tool_call_id(resp, 0), "fc-7");
	assert_string_equal(llmk_response_tool_call_arguments(resp, 0), "{}");
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_other_finish_reasons(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *raw;
		int32_t finish;
	} cases[] = {{"MAX_TOKENS", LLMK_FINISH_LENGTH},
	             {"SAFETY", LLMK_FINISH_CONTENT_FILTER},
	             {"RECITATION", LLMK_FINISH_CONTENT_FILTER},
	             {"PROHIBITED_CONTENT", LLMK_FINISH_CONTENT_FILTER},
	             {"MALFORMED_FUNCTION_CALL", LLMK_FINISH_ERROR},
	             {"LANGUAGE", LLMK_FINISH_OTHER},
	             {"OTHER", LLMK_FINISH_OTHER}};
	char body[512];
	llmk_request *r;
	llmk_response *resp;

	r = chat_request("hi");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body),
		         "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Once\"}],\"role\":\"model\"},"
		         "\"finishReason\":"
		         "\"%s\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":1,"
		         "\"totalTokenCount\":4}}",
		         cases[i].raw);
		f->cap.resp_body = body;
		assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
		assert_string_equal(llmk_response_finish_reason(resp), cases[i].raw);
		assert_int_equal(llmk_response_finish(resp), cases[i].finish);
		assert_string_equal(llmk_response_text(resp), "Once");
		llmk_response_free(resp);
	}
	/* a candidate cut by safety before any content */
	f->cap.resp_body = "{\"candidates\":[{\"finishReason\":\"SAFETY\",\"index\":0,\"safetyRatings\":[]}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_CONTENT_FILTER);
	assert_string_equal(llmk_response_text(resp), "");
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_malformed_and_blocked(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	r = chat_request("hi");
	f->cap.resp_body = "{\"candidates\": [";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "not valid JSON"));
	llmk_response_free(resp);

	f->cap.resp_body = "[{\"candidates\":[]}]";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "not a JSON object"));
	llmk_response_free(resp);

	f->cap.resp_body = "{\"candidates\":[],\"modelVersion\":\"gemini-2.0-flash\"}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "gemini: response has no candidates"));
	llmk_response_free(resp);

	answer(f, "gemini/blocked_prompt.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_CONTENT_FILTERED);
	assert_non_null(strstr(llmk_response_error(resp), "blocked"));
	assert_non_null(strstr(llmk_response_error(resp), "PROHIBITED_CONTENT"));
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_CONTENT_FILTER);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 7);
	llmk_response_free(resp);

	/* an error object under HTTP 200 */
	f->cap.resp_body = "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\","
	                   "\"status\":\"UNAVAILABLE\"}}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_OVERLOADED);
	assert_non_null(strstr(llmk_response_error(resp), "The model is overloaded"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- streaming ------------------------------------------------------------ */

static void run_text_stream(fixture *f, const char *sse, size_t write_size)
{
	llmk_request *r;
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, TU_EV_ALL);
	r = chat_request("hi");
	assert_int_equal(tu_stream(f, r, TU_SSE, sse, write_size, &e, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, BASE "/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
	assert_string_equal(capture_header(&f->cap, "Accept"), "text/event-stream");
	assert_string_equal(capture_header(&f->cap, "x-goog-api-key"), KEY);
	assert_string_equal(e.text, "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2");
	assert_int_equal(e.ntext, 3);  /* the empty text chunk is no event */
	assert_int_equal(e.nusage, 4); /* every chunk carries running usage */
	assert_int_equal(e.usage_in, 7);
	assert_int_equal(e.usage_out, 6);
	assert_int_equal(e.ndone, 1);
	assert_true(e.order_ok);
	assert_string_equal(llmk_response_text(resp), e.text);
	assert_string_equal(llmk_response_finish_reason(resp), "STOP");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_string_equal(llmk_response_model(resp), "gemini-2.5-flash");
	assert_string_equal(llmk_response_request_id(resp), "IZI2acSKMoWl0-kPmYj2yQc");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 7);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 6);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 13);
	assert_true(llmk_response_timing(resp, LLMK_TIMING_FIRST_TOKEN_MS) >= 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.write_size = 0;
}

static void test_stream_text_every_split(void **state)
{
	fixture *f = *state;
	size_t len;
	char *sse = read_data("gemini/stream.sse", &len);

	for (size_t ws = 0; ws <= len; ws++)
		run_text_stream(f, sse, ws);
	free(sse);
}

static void test_stream_equals_send(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *streamed, *plain;
	tu_events e;

	tu_events_init(&e, TU_EV_ALL);
	answer(f, "gemini/stream_thinking.sse", "Content-Type: text/event-stream\n");
	r = chat_request("The answer?");
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &streamed), LLMK_OK);
	assert_string_equal(e.reasoning, "**Planning** the answer.");
	assert_int_equal(e.nreasoning, 1);
	assert_string_equal(e.text, "Forty-two.");
	assert_string_equal(llmk_response_reasoning(streamed), "**Planning** the answer.");
	assert_int_equal(llmk_response_usage(streamed, LLMK_USAGE_REASONING), 40);
	assert_int_equal(llmk_response_usage(streamed, LLMK_USAGE_OUTPUT), 43);

	/* the same answer in one body reads back the same */
	f->cap.resp_body =
	        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"**Planning** the answer.\",\"thought\":true},"
	        "{\"text\":\"Forty-two.\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
	        "\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":3,\"totalTokenCount\":48,"
	        "\"thoughtsTokenCount\":40},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":"
	        "\"pTC2afKcLp2Wvr0PtKaEqQw\"}";
	f->cap.resp_headers = "Content-Type: application/json\n";
	assert_int_equal(llmk_send(f->c, r, &plain), LLMK_OK);
	assert_string_equal(llmk_response_text(plain), llmk_response_text(streamed));
	assert_string_equal(llmk_response_reasoning(plain), llmk_response_reasoning(streamed));
	assert_string_equal(llmk_response_finish_reason(plain), llmk_response_finish_reason(streamed));
	assert_string_equal(llmk_response_model(plain), llmk_response_model(streamed));
	assert_string_equal(llmk_response_request_id(plain), llmk_response_request_id(streamed));
	for (int u = LLMK_USAGE_INPUT; u <= LLMK_USAGE_REASONING; u++)
		assert_int_equal(llmk_response_usage(plain, u), llmk_response_usage(streamed, u));
	llmk_response_free(plain);
	llmk_response_free(streamed);
	llmk_request_free(r);
}

static void test_stream_tool_calls_every_split(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	tu_events e;
	size_t len;
	char *sse = read_data("gemini/stream_tools.sse", &len);

	r = chat_request("Weather and time in Paris?");
	llmk_request_add_tool(r, "get_weather", NULL, NULL);
	llmk_request_add_tool(r, "get_time", NULL, NULL);
	f->cap.resp_body = sse;
	f->cap.resp_headers = "Content-Type: text/event-stream\n";
	for (size_t ws = 0; ws <= len; ws++) {
		tu_events_init(&e, TU_EV_ALL);
		f->cap.write_size = ws;
		assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
		assert_string_equal(e.text, "Let me check.");
		assert_int_equal(e.ntool, 2); /* whole calls: one event each */
		assert_string_equal(e.tool_name[0], "get_weather");
		assert_string_equal(e.tool_args[0], "{\"location\":\"Paris\"}");
		assert_string_equal(e.tool_name[1], "get_time");
		assert_string_equal(e.tool_args[1], "{\"timezone\":\"Europe/Paris\"}");
		assert_true(is_call_id(e.tool_id[0]) && is_call_id(e.tool_id[1]));
		assert_string_not_equal(e.tool_id[0], e.tool_id[1]);
		assert_int_equal(llmk_response_tool_call_count(resp), 2);
		assert_string_equal(llmk_response_tool_call_id(resp, 0), e.tool_id[0]);
		assert_string_equal(llmk_response_tool_call_arguments(resp, 1), "{\"timezone\":\"Europe/Paris\"}");
		assert_string_equal(llmk_response_finish_reason(resp), "STOP");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
		assert_int_equal(e.nusage, 2);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 80);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 40);
		assert_int_equal(e.ndone, 1);
		assert_true(e.order_ok);
		llmk_response_free(resp);
	}
	f->cap.write_size = 0;
	llmk_request_free(r);
	free(sse);
}

static void test_stream_error_inside_200(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, TU_EV_ALL);
	answer(f, "gemini/stream_error.sse", "Content-Type: text/event-stream\n");
	r = chat_request("hi");
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_SERVER);
	assert_int_equal(llmk_response_http_status(resp), 200);
	assert_non_null(strstr(llmk_response_error(resp), "error inside the stream"));
	assert_non_null(strstr(llmk_response_error(resp), "An internal error has occurred"));
	assert_string_equal(llmk_response_error_type(resp), "INTERNAL");
	assert_string_equal(e.text, "Partial");
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);

	/* overloaded, reported inside the stream */
	f->cap.resp_body = "data: {\"error\": {\"code\": 503,\"message\": \"The model is overloaded. Please try again "
	                   "later.\",\"status\": \"UNAVAILABLE\"}}\r\n\r\n";
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_OVERLOADED);
	assert_non_null(strstr(llmk_response_error(resp), "overloaded"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_stream_truncated_and_malformed(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	tu_events e;

	tu_events_init(&e, TU_EV_ALL);
	answer(f, "gemini/stream_truncated.sse", "Content-Type: text/event-stream\n");
	r = chat_request("hi");
	/* no [DONE] in Gemini streams: EOF before a finishReason is a cut */
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "gemini: stream ended"));
	assert_string_equal(llmk_response_text(resp), "Cut short");
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);

	f->cap.resp_body = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}\r\n\r\n";
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "stream chunk is not a JSON object"));
	llmk_response_free(resp);

	/* a blocked prompt: a single chunk with promptFeedback, no candidates */
	tu_events_init(&e, TU_EV_ALL);
	answer(f, "gemini/stream_blocked.sse", "Content-Type: text/event-stream\n");
	assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_E_CONTENT_FILTERED);
	assert_non_null(strstr(llmk_response_error(resp), "blockReason SAFETY"));
	assert_string_equal(e.text, "");
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- embeddings ------------------------------------------------------------ */

static void test_embed_single(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const float *v;
	json_t *j;

	answer(f, "gemini/embed_single.json", NULL);
	llmk_request_new(&r, LLMK_EMBED);
	assert_int_equal(llmk_request_add_input(r, "What is the meaning of life?"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "text-embedding-004"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_EMBED_INPUT_TYPE, "search_query"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DIMENSIONS, 4), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, BASE "/models/text-embedding-004:embedContent");
	assert_string_equal(capture_header(&f->cap, "x-goog-api-key"), KEY);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "content.parts.0.text"), "What is the meaning of life?");
	assert_int_equal(json_array_size(jget(j, "content.parts")), 1);
	assert_string_equal(jstr(j, "taskType"), "RETRIEVAL_QUERY");
	assert_int_equal(json_integer_value(jget(j, "outputDimensionality")), 4);
	assert_null(jget(j, "requests"));
	json_decref(j);
	assert_int_equal(llmk_response_embedding_count(resp), 1);
	assert_int_equal(llmk_response_embedding_dim(resp), 4);
	v = llmk_response_embedding(resp, 0);
	assert_true(fabsf(v[0] - 0.013168523f) < 1e-9f);
	assert_true(fabsf(v[2] + 0.046782676f) < 1e-9f);
	assert_null(llmk_response_embedding(resp, 1));
	llmk_response_free(resp);

	f->cap.resp_body = "{\"embeddings\":[{\"values\":[1,2]}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "embedding.values"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_embed_batch(void **state)
{
	fixture *f = *state;
	static const char *const types[][2] = {{"search_document", "RETRIEVAL_DOCUMENT"},
	                                       {"classification", "CLASSIFICATION"},
	                                       {"clustering", "CLUSTERING"}};
	llmk_request *r;
	llmk_response *resp;
	const float *v;
	json_t *j;

	answer(f, "gemini/embed_batch.json", NULL);
	llmk_request_new(&r, LLMK_EMBED);
	llmk_request_add_input(r, "first");
	llmk_request_add_input(r, "second");
	llmk_request_set_str(r, LLMK_OPT_MODEL, "models/text-embedding-004");
	for (size_t k = 0; k < 3; k++) {
		llmk_request_set_str(r, LLMK_OPT_EMBED_INPUT_TYPE, types[k][0]);
		assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
		assert_string_equal(f->cap.url, BASE "/models/text-embedding-004:batchEmbedContents");
		j = sent_json(&f->cap);
		assert_int_equal(json_object_size(j), 1);
		assert_int_equal(json_array_size(jget(j, "requests")), 2);
		for (int i = 0; i < 2; i++) {
			char p[64];
			snprintf(p, sizeof(p), "requests.%d.model", i);
			assert_string_equal(jstr(j, p), "models/text-embedding-004");
			snprintf(p, sizeof(p), "requests.%d.taskType", i);
			assert_string_equal(jstr(j, p), types[k][1]);
			snprintf(p, sizeof(p), "requests.%d.outputDimensionality", i);
			assert_null(jget(j, p));
		}
		assert_string_equal(jstr(j, "requests.0.content.parts.0.text"), "first");
		assert_string_equal(jstr(j, "requests.1.content.parts.0.text"), "second");
		json_decref(j);
		assert_int_equal(llmk_response_embedding_count(resp), 2);
		assert_int_equal(llmk_response_embedding_dim(resp), 4);
		v = llmk_response_embedding(resp, 0);
		assert_true(v[0] == 0.5f && v[1] == -0.25f && v[2] == 0.125f && v[3] == 1.0f);
		v = llmk_response_embedding(resp, 1);
		assert_true(fabsf(v[3] - 0.0071125627f) < 1e-9f);
		llmk_response_free(resp);
	}

	/* one vector for two inputs is reported */
	f->cap.resp_body = "{\"embeddings\":[{\"values\":[1,2]}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "1 vectors for 2 inputs"));
	llmk_response_free(resp);
	llmk_request_free(r);

	/* batchEmbedContents takes at most 100 requests */
	f->cap.calls = 0;
	llmk_request_new(&r, LLMK_EMBED);
	for (int i = 0; i < 101; i++)
		llmk_request_add_input(r, "x");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "at most 100"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- images ---------------------------------------------------------------- */

static void test_image(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const uint8_t *data;
	size_t len, plen;
	char *png = read_data("gemini/red_pixel.png", &plen);
	json_t *j;

	answer(f, "gemini/image.json", NULL);
	llmk_request_new(&r, LLMK_IMAGE);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a red pixel"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "gemini-2.5-flash-image"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, BASE "/models/gemini-2.5-flash-image:generateContent");
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "contents.0.role"), "user");
	assert_string_equal(jstr(j, "contents.0.parts.0.text"), "a red pixel");
	assert_int_equal(json_array_size(jget(j, "generationConfig.responseModalities")), 2);
	assert_string_equal(jstr(j, "generationConfig.responseModalities.0"), "TEXT");
	assert_string_equal(jstr(j, "generationConfig.responseModalities.1"), "IMAGE");
	assert_null(jget(j, "generationConfig.candidateCount"));
	json_decref(j);
	assert_int_equal(llmk_response_image_count(resp), 1);
	data = llmk_response_image_data(resp, 0, &len);
	assert_int_equal(len, plen);
	assert_memory_equal(data, png, plen);
	assert_null(llmk_response_image_url(resp, 0));
	assert_string_equal(llmk_response_text(resp), "Here is a single red pixel.");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 6);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 1297);
	assert_string_equal(llmk_response_model(resp), "gemini-2.5-flash-image");
	llmk_response_free(resp);

	/* text only: the model declined to draw */
	f->cap.resp_body =
	        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"I can't draw that.\"}],\"role\":\"model\"},"
	        "\"finishReason\":\"STOP\",\"index\":0}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "no image"));
	assert_non_null(strstr(llmk_response_error(resp), "I can't draw that."));
	llmk_response_free(resp);

	f->cap.resp_body = "{\"candidates\":[{\"finishReason\":\"IMAGE_SAFETY\",\"index\":0}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_CONTENT_FILTERED);
	assert_non_null(strstr(llmk_response_error(resp), "IMAGE_SAFETY"));
	llmk_response_free(resp);

	f->cap.resp_body = "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\","
	                   "\"data\":\"not base64!!\"}}],\"role\":\"model\"},\"finishReason\":\"STOP\"}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "base64"));
	llmk_response_free(resp);

	/* no prompt */
	llmk_request_free(r);
	llmk_request_new(&r, LLMK_IMAGE);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "no prompt"));
	llmk_response_free(resp);
	llmk_request_free(r);
	free(png);
}

/* ---- errors --------------------------------------------------------------- */

static void expect_error(fixture *f, int http, const char *headers, const char *body, llmk_status want,
                         const char *msg_part)
{
	llmk_response *resp = tu_send_error(f, http, headers, body, want, msg_part);

	assert_non_null(strstr(llmk_response_error(resp), "gemini: HTTP"));
	llmk_response_free(resp);
}

static void test_error_mapping(void **state)
{
	fixture *f = *state;
	static const struct {
		int http;
		const char *file;
		llmk_status want;
		const char *msg;
	} cases[] = {
	        {400, "gemini/error_400_api_key.json", LLMK_E_AUTH, "API key not valid"},
	        {400, "gemini/error_400_invalid.json", LLMK_E_BAD_REQUEST, "Unknown name \"foo\""},
	        {400, "gemini/error_400_context.json", LLMK_E_CONTEXT_LENGTH, "exceeds the maximum number of tokens"},
	        {403, "gemini/error_403.json", LLMK_E_PERMISSION, "unregistered callers"},
	        {404, "gemini/error_404.json", LLMK_E_NOT_FOUND, "is not found for API version v1beta"},
	        {429, "gemini/error_429.json", LLMK_E_RATE_LIMITED, "You exceeded your current quota"},
	        {500, "gemini/error_500.json", LLMK_E_SERVER, "An internal error has occurred"},
	        {503, "gemini/error_503.json", LLMK_E_OVERLOADED, "The model is overloaded"},
	};
	llmk_request *r;
	llmk_response *resp;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *body = read_data(cases[i].file, NULL);
		expect_error(f, cases[i].http, NULL, body, cases[i].want, cases[i].msg);
		free(body);
	}
	/* the numeric code is reported too, the status as the type */
	f->owned = read_data("gemini/error_429.json", NULL);
	f->cap.status = 429;
	f->cap.resp_body = f->owned;
	r = chat_request("hi");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_RATE_LIMITED);
	assert_string_equal(llmk_response_error_type(resp), "RESOURCE_EXHAUSTED");
	assert_string_equal(llmk_response_error_code(resp), "429");
	/* RetryInfo.retryDelay "47s" when no Retry-After header came */
	assert_int_equal(llmk_response_retry_after_ms(resp), 47000);
	llmk_response_free(resp);
	f->cap.resp_headers = "Retry-After: 3\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_RATE_LIMITED);
	assert_int_equal(llmk_response_retry_after_ms(resp), 3000); /* the header wins */
	llmk_response_free(resp);
	f->cap.resp_headers = NULL;
	llmk_request_free(r);

	/* errors wrapped in an array (streamGenerateContent without alt=sse) */
	expect_error(
	        f, 503, NULL,
	        "[{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"The model is overloaded. Please try again "
	        "later.\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n]",
	        LLMK_E_OVERLOADED, "overloaded");
	/* a proxy's page */
	expect_error(f, 502, NULL, "<html><body>Bad Gateway</body></html>", LLMK_E_SERVER, "Bad Gateway");
	expect_error(f, 504, NULL, "", LLMK_E_TIMEOUT, "HTTP 504 with no error message");
	/* a stream request answered with an error status is parsed the same */
	{
		tu_events e;
		tu_events_init(&e, TU_EV_ALL);
		f->cap.status = 429;
		r = chat_request("hi");
		assert_int_equal(
		        tu_stream(f, r, "Content-Type: application/json; charset=UTF-8\n", f->owned, 0, &e, &resp),
		        LLMK_E_RATE_LIMITED);
		assert_non_null(strstr(llmk_response_error(resp), "You exceeded your current quota"));
		assert_int_equal(e.ndone, 0);
		llmk_response_free(resp);
		llmk_request_free(r);
		f->cap.status = 0;
		f->cap.resp_headers = NULL;
	}
}

static void test_key_never_in_url_or_errors(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	/* a server that echoes the key it rejected */
	f->cap.status = 403;
	f->cap.resp_body =
	        "{\n  \"error\": {\n    \"code\": 403,\n    \"message\": \"Permission denied: Consumer 'api_key:" KEY
	        "' has been suspended.\",\n    \"status\": \"PERMISSION_DENIED\"\n  }\n}\n";
	r = chat_request("hi");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PERMISSION);
	assert_null(strstr(f->cap.url, KEY));
	assert_null(strstr(f->cap.url, "key"));
	assert_null(strstr(llmk_response_error(resp), KEY));
	assert_non_null(strstr(llmk_response_error(resp), "has been suspended"));
	assert_null(strstr((const char *)f->cap.body, KEY));
	llmk_response_free(resp);
	f->cap.status = 0;

	/* streams too */
	answer(f, "gemini/stream.sse", "Content-Type: text/event-stream\n");
	{
		tu_events e;
		tu_events_init(&e, TU_EV_ALL);
		assert_int_equal(llmk_stream(f->c, r, tu_on_event, &e, &resp), LLMK_OK);
	}
	assert_null(strstr(f->cap.url, KEY));
	assert_null(strstr(f->cap.url, "key="));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- environment ----------------------------------------------------------- */

static void check_env_key(const char *want)
{
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	capture cap;

	memset(&cap, 0, sizeof(cap));
	cap.resp_body = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ok\"}],\"role\":\"model\"},"
	                "\"finishReason\":\"STOP\"}]}";
	assert_int_equal(llmk_client_new(&c, "gemini/gemini-2.0-flash"), LLMK_OK);
	assert_string_equal(llmk_client_base_url(c), "https://generativelanguage.googleapis.com/v1beta");
	capture_install(c, &cap);
	r = chat_request("hi");
	if (!want) {
		assert_int_equal(llmk_client_has_api_key(c), 0);
		assert_int_equal(llmk_send(c, r, &resp), LLMK_E_AUTH);
		assert_non_null(strstr(llmk_response_error(resp), "GEMINI_API_KEY"));
		assert_int_equal(cap.calls, 0);
	} else {
		assert_int_equal(llmk_client_has_api_key(c), 1);
		assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
		assert_string_equal(capture_header(&cap, "x-goog-api-key"), want);
		assert_string_equal(
		        cap.url,
		        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent");
		assert_string_equal(llmk_response_text(resp), "ok");
	}
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

static void test_env_keys(void **state)
{
	llmk_client *c;

	(void)state;
	unsetenv("GEMINI_BASE_URL");
	unsetenv("GEMINI_API_KEY");
	unsetenv("GOOGLE_API_KEY");
	check_env_key(NULL);
	setenv("GOOGLE_API_KEY", "AIzaSyFAKE-google-env-key-000000000000", 1);
	check_env_key("AIzaSyFAKE-google-env-key-000000000000");
	setenv("GEMINI_API_KEY", "AIzaSyFAKE-gemini-env-key-000000000000", 1);
	check_env_key("AIzaSyFAKE-gemini-env-key-000000000000"); /* GEMINI_API_KEY wins */
	unsetenv("GOOGLE_API_KEY");
	check_env_key("AIzaSyFAKE-gemini-env-key-000000000000");
	setenv("GEMINI_API_KEY", "", 1); /* empty counts as unset */
	check_env_key(NULL);
	unsetenv("GEMINI_API_KEY");

	setenv("GEMINI_BASE_URL", "http://127.0.0.1:9/v1beta/", 1);
	assert_int_equal(llmk_client_new(&c, "gemini/gemini-2.0-flash"), LLMK_OK);
	assert_string_equal(llmk_client_base_url(c), "http://127.0.0.1:9/v1beta");
	llmk_client_free(c);
	unsetenv("GEMINI_BASE_URL");
}

/* ---- over a real socket ------------------------------------------------------ */

/* ---- the next turn: llmk_request_add_response() ------------------------- */

#define SIG_CALL "CiQBc2lnbmVkLWNhbGwtc3RlcC0xLW1hZGUtdXAtZm9yLXRlc3Rz"
#define SIG_TEXT "CiQBc2lnbmVkLXRleHQtbWFkZS11cC1mb3ItdGVzdHMtb25seQ=="

/* The request after generate_content_signed.json (or stream_signed.sse)
 * was added and both calls answered, sent to Gemini 3: the first call goes
 * back with the signature it came with, not the placeholder; the parallel
 * call without one stays without; the unsigned thought summary is not sent;
 * the streamed text is one part. */
static void check_signed_turn(json_t *j)
{
	assert_int_equal(json_array_size(jget(j, "contents")), 3);
	assert_string_equal(jstr(j, "contents.1.role"), "model");
	assert_int_equal(json_array_size(jget(j, "contents.1.parts")), 3);
	assert_string_equal(jstr(j, "contents.1.parts.0.text"), "Let me check.");
	assert_null(jget(j, "contents.1.parts.0.thoughtSignature"));
	assert_string_equal(jstr(j, "contents.1.parts.1.functionCall.name"), "get_weather");
	assert_string_equal(jstr(j, "contents.1.parts.1.thoughtSignature"), SIG_CALL);
	assert_string_equal(jstr(j, "contents.1.parts.2.functionCall.name"), "get_time");
	assert_null(jget(j, "contents.1.parts.2.thoughtSignature"));
	assert_string_equal(jstr(j, "contents.2.parts.0.functionResponse.name"), "get_weather");
	assert_string_equal(jstr(j, "contents.2.parts.1.functionResponse.name"), "get_time");
}

static void next_turn(llmk_request *r, const llmk_response *resp)
{
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, llmk_response_tool_call_id(resp, 0), "{\"temp_c\":18}"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, llmk_response_tool_call_id(resp, 1), "\"14:05\""), LLMK_OK);
}

static void test_add_response_signed_calls(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	size_t ws[] = {0, 1, 5};
	tu_events e;
	json_t *j;

	tu_fixture_use(f, "gemini/gemini-3-pro-preview", KEY, BASE "/");
	/* whole */
	r = chat_request("weather and time in Paris?");
	answer(f, "gemini/generate_content_signed.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_reasoning(resp), "**Checking two things** at once.");
	next_turn(r, resp);
	llmk_response_free(resp);
	assert_int_equal(llmk_request_part_type(r, 1, 0), LLMK_PART_REASONING);
	assert_int_equal(llmk_request_part_wire(r, 1, 0), LLMK_FEATURE_GEMINI);
	assert_null(llmk_request_part_opaque(r, 1, 0));
	assert_string_equal(llmk_request_part_opaque(r, 1, 2), SIG_CALL);
	answer(f, "gemini/generate_content.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	check_signed_turn(j);
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* streamed, in any split */
	for (size_t k = 0; k < sizeof(ws) / sizeof(ws[0]); k++) {
		r = chat_request("weather and time in Paris?");
		tu_events_init(&e, TU_EV_ALL);
		assert_int_equal(tu_stream(f, r, TU_SSE, read_data("gemini/stream_signed.sse", NULL), ws[k], &e, &resp),
		                 LLMK_OK);
		free((void *)f->cap.resp_body);
		next_turn(r, resp);
		llmk_response_free(resp);
		answer(f, "gemini/generate_content.json", NULL);
		assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
		j = sent_json(&f->cap);
		check_signed_turn(j);
		json_decref(j);
		llmk_response_free(resp);
		llmk_request_free(r);
	}
}

/* An answer without calls may sign its last part, in a stream one of its
 * own with empty text: the signature goes back on the turn's text. */
static void test_add_response_signed_text(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("and now?");
	llmk_response *resp;
	tu_events e;
	json_t *j;

	tu_fixture_use(f, "gemini/gemini-3-pro-preview", KEY, BASE "/");
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(tu_stream(f, r, TU_SSE, read_data("gemini/stream_signed_text.sse", NULL), 3, &e, &resp),
	                 LLMK_OK);
	free((void *)f->cap.resp_body);
	assert_string_equal(llmk_response_text(resp), "It is 18 C and 14:05 in Paris.");
	assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
	llmk_response_free(resp);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "thanks"), LLMK_OK);
	answer(f, "gemini/generate_content.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_int_equal(json_array_size(jget(j, "contents.1.parts")), 1);
	assert_string_equal(jstr(j, "contents.1.parts.0.text"), "It is 18 C and 14:05 in Paris.");
	assert_string_equal(jstr(j, "contents.1.parts.0.thoughtSignature"), SIG_TEXT);
	json_decref(j);
	llmk_response_free(resp);

	/* to another provider: the signature stays behind, the text goes */
	tu_fixture_use(f, "anthropic/claude-sonnet-4-5", "sk-ant-test", "https://api.example.invalid/v1");
	answer(f, "anthropic/message.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_dropped(resp), "gemini reasoning state");
	assert_null(body_find(&f->cap, SIG_TEXT));
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "messages.1.content"), "It is 18 C and 14:05 in Paris.");
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* reasoning_effort is Gemini 3's thinkingLevel; with a budget it is an
 * error before anything is sent. */
static void test_thinking_level(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("Think about it.");
	llmk_response *resp;
	json_t *j;

	answer(f, "gemini/generate_content.json", NULL);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "low"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "generationConfig.thinkingConfig.thinkingLevel"), "low");
	assert_true(json_is_true(jget(j, "generationConfig.thinkingConfig.includeThoughts")));
	assert_null(jget(j, "generationConfig.thinkingConfig.thinkingBudget"));
	json_decref(j);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_REASONING_BUDGET, 1024), LLMK_OK);
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "cannot go together"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	r = chat_request("x");
	llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "none");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "no thinkingLevel"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

#ifdef LLMK_TEST_HAVE_CURL
static void test_loopback_stream_and_embed(void **state)
{
	th_server *srv = th_start();
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	const th_request *req;
	th_response tr;
	char url[160];
	char *sse = read_data("gemini/stream.sse", NULL);
	char *cut = read_data("gemini/stream_truncated.sse", NULL);
	char *emb = read_data("gemini/embed_batch.json", NULL);
	tu_events e;

	(void)state;
	assert_non_null(srv);
	assert_int_equal(llmk_client_new(&c, "gemini/gemini-2.0-flash"), LLMK_OK);
	snprintf(url, sizeof(url), "%s/v1beta", th_url(srv));
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK); /* one scripted answer per send */

	/* SSE dripped in 5-byte chunked writes */
	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: text/event-stream\r\nX-Content-Type-Options: nosniff\r\n";
	tr.body = sse;
	tr.chunked = 1;
	tr.write_size = 5;
	th_push(srv, &tr);
	tu_events_init(&e, TU_EV_ALL);
	r = chat_request("Say hello");
	assert_int_equal(llmk_stream(c, r, tu_on_event, &e, &resp), LLMK_OK);
	assert_string_equal(e.text, "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2");
	assert_int_equal(e.ndone, 1);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 13);
	req = th_request_at(srv, 0);
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->target, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
	assert_string_equal(th_request_header(req, "x-goog-api-key"), KEY);
	assert_null(th_request_header(req, "Authorization"));
	assert_string_equal(th_request_header(req, "Accept"), "text/event-stream");
	assert_non_null(strstr((const char *)req->body,
	                       "\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Say hello\"}]}]"));
	llmk_response_free(resp);

	/* the connection closes cleanly before any finishReason: truncated */
	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: text/event-stream\r\n";
	tr.body = cut;
	tr.no_length = 1;
	th_push(srv, &tr);
	tu_events_init(&e, TU_EV_ALL);
	assert_int_equal(llmk_stream(c, r, tu_on_event, &e, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "stream ended"));
	assert_int_equal(e.ndone, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* batch embeddings */
	th_push_json(srv, 200, emb);
	llmk_request_new(&r, LLMK_EMBED);
	llmk_request_add_input(r, "first");
	llmk_request_add_input(r, "second");
	llmk_request_set_str(r, LLMK_OPT_MODEL, "text-embedding-004");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_embedding_count(resp), 2);
	req = th_request_at(srv, 2);
	assert_string_equal(req->target, "/v1beta/models/text-embedding-004:batchEmbedContents");
	assert_null(strstr(req->target, KEY));
	llmk_response_free(resp);
	llmk_request_free(r);

	/* a 429 over the wire */
	th_push_json(srv, 429,
	             "{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"Resource has been exhausted (e.g. "
	             "check quota).\",\n    \"status\": \"RESOURCE_EXHAUSTED\"\n  }\n}\n");
	r = chat_request("hi");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_RATE_LIMITED);
	assert_non_null(strstr(llmk_response_error(resp), "Resource has been exhausted"));
	llmk_response_free(resp);
	llmk_request_free(r);

	llmk_client_free(c);
	th_stop(srv);
	free(sse);
	free(cut);
	free(emb);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_chat_request_body, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_request_variants, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_unsupported_parameters, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_response_parsed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_thinking_response, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_tool_calls_round_trip, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_other_finish_reasons, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_malformed_and_blocked, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_text_every_split, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_equals_send, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_tool_calls_every_split, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_error_inside_200, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_stream_truncated_and_malformed, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_embed_single, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_embed_batch, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_image, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_error_mapping, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_key_never_in_url_or_errors, setup, tu_teardown),
	        cmocka_unit_test(test_env_keys),
	        cmocka_unit_test_setup_teardown(test_add_response_signed_calls, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_add_response_signed_text, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_thinking_level, setup, tu_teardown),
#ifdef LLMK_TEST_HAVE_CURL
	        cmocka_unit_test(test_loopback_stream_and_embed),
#endif
	};
	return cmocka_run_group_tests_name("gemini", tests, NULL, NULL);
}
