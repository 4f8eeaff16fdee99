#define _POSIX_C_SOURCE 200809L
/* Status and option tables, argument validation and client configuration,
 * through the public API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llmkit.h"

static void test_version(void **state)
{
	(void)state;
	assert_int_equal(llmk_version_number(), LLMK_VERSION_NUMBER);
	assert_int_equal(LLMK_VERSION_NUMBER,
	                 LLMK_VERSION_MAJOR * 10000 + LLMK_VERSION_MINOR * 100 + LLMK_VERSION_PATCH);
	assert_string_equal(llmk_version(), LLMK_VERSION_STRING);
}

static void test_status_table(void **state)
{
	(void)state;
	/* Values are ABI: pin them. */
	assert_int_equal(LLMK_OK, 0);
	assert_int_equal(LLMK_E_AUTH, 8);
	assert_int_equal(LLMK_E_TOO_LARGE, 18);
	assert_string_equal(llmk_status_name(LLMK_OK), "LLMK_OK");
	assert_string_equal(llmk_status_name(LLMK_E_RATE_LIMITED), "LLMK_E_RATE_LIMITED");
	assert_string_equal(llmk_status_name(LLMK_E_CONTEXT_LENGTH), "LLMK_E_CONTEXT_LENGTH");
	assert_string_equal(llmk_status_name(-5), "LLMK_E_UNKNOWN_STATUS");
	assert_string_equal(llmk_status_name(LLMK__STATUS_END), "LLMK_E_UNKNOWN_STATUS");
	assert_string_equal(llmk_strerror(LLMK_E_NOMEM), "out of memory");
	assert_string_equal(llmk_strerror(12345), "unknown status code");
	/* every code has a distinct name and a message */
	for (int i = 0; i < LLMK__STATUS_END; i++) {
		assert_string_not_equal(llmk_status_name(i), "LLMK_E_UNKNOWN_STATUS");
		assert_true(strlen(llmk_strerror(i)) > 3);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(llmk_status_name(i), llmk_status_name(j));
	}
}

static void test_option_table(void **state)
{
	(void)state;
	assert_int_equal(llmk_option_by_name("temperature"), LLMK_OPT_TEMPERATURE);
	assert_int_equal(llmk_option_by_name("base_url"), LLMK_OPT_BASE_URL);
	assert_int_equal(llmk_option_by_name("max_tokens"), LLMK_OPT_MAX_TOKENS);
	assert_int_equal(llmk_option_by_name("Temperature"), 0);
	assert_int_equal(llmk_option_by_name("nope"), 0);
	assert_int_equal(llmk_option_by_name(NULL), 0);
	assert_string_equal(llmk_option_name(LLMK_OPT_TOP_P), "top_p");
	assert_null(llmk_option_name(4242));
	assert_int_equal(llmk_option_type(LLMK_OPT_MODEL), LLMK_TYPE_STR);
	assert_int_equal(llmk_option_type(LLMK_OPT_TIMEOUT_MS), LLMK_TYPE_I64);
	assert_int_equal(llmk_option_type(LLMK_OPT_SPEED), LLMK_TYPE_F64);
	assert_int_equal(llmk_option_type(999), 0);
	/* round trip for every option in the table */
#define RT(name, id, scope, str, doc)                                \
	assert_int_equal(llmk_option_by_name(str), LLMK_OPT_##name); \
	assert_string_equal(llmk_option_name(LLMK_OPT_##name), str);
	LLMK_OPTION_TABLE(RT)
#undef RT
}

static void test_client_new_errors(void **state)
{
	llmk_client *c = (llmk_client *)state; /* poison: must be reset to NULL */

	assert_int_equal(llmk_client_new(NULL, "openai/x"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_client_new(&c, NULL), LLMK_E_INVALID_ARG);
	assert_null(c);
	c = (llmk_client *)state;
	assert_int_equal(llmk_client_new(&c, ""), LLMK_E_INVALID_ARG);
	assert_null(c);
	assert_int_equal(llmk_client_new(&c, "nosuchprovider/model"), LLMK_E_UNSUPPORTED);
	assert_null(c);
	llmk_client_free(NULL);
	llmk_request_free(NULL);
	llmk_response_free(NULL);
}

static void test_client_env_and_options(void **state)
{
	llmk_client *c;

	(void)state;
	setenv("OPENAI_API_KEY", "sk-env-key-0000000000", 1);
	setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/", 1);
	assert_int_equal(llmk_client_new(&c, "gpt-4o-mini"), LLMK_OK); /* no prefix: openai */
	assert_string_equal(llmk_client_provider(c), "openai");
	assert_string_equal(llmk_client_model(c), "gpt-4o-mini");
	assert_string_equal(llmk_client_base_url(c), "http://127.0.0.1:9/v1");
	assert_int_equal(llmk_client_has_api_key(c), 1);

	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, "ftp://x"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_client_errmsg(c), "http://"));
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, NULL), LLMK_OK);
	assert_string_equal(llmk_client_base_url(c), "https://api.openai.com/v1");
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, ""), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, NULL), LLMK_OK);
	assert_int_equal(llmk_client_has_api_key(c), 0);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_MODEL, "o3-mini"), LLMK_OK);
	assert_string_equal(llmk_client_model(c), "o3-mini");
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_ORGANIZATION, "org\r\nX-Evil: 1"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_client_errmsg(c), "control character"));

	/* wrong type, wrong scope, unknown id */
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_BASE_URL, 1), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_client_errmsg(c), "takes a string"));
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_TIMEOUT_MS, "5"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_client_set_f64(c, LLMK_OPT_TEMPERATURE, 0.5), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_client_errmsg(c), "request option"));
	assert_int_equal(llmk_client_set_i64(c, 2999, 1), LLMK_E_UNKNOWN_OPTION);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, -1), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, 1500), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RESPONSE_BYTES, 10), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_client_set_i64(NULL, LLMK_OPT_TIMEOUT_MS, 1), LLMK_E_INVALID_ARG);
	assert_string_equal(llmk_client_errmsg(NULL), "client is NULL");
	llmk_client_free(c);
	unsetenv("OPENAI_API_KEY");
	unsetenv("OPENAI_BASE_URL");
}

static void test_request_validation(void **state)
{
	llmk_request *r = (llmk_request *)state;

	(void)state;
	assert_int_equal(llmk_request_new(&r, 0), LLMK_E_INVALID_ARG);
	assert_null(r);
	assert_int_equal(llmk_request_new(&r, 8), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_new(&r, 31), LLMK_E_INVALID_ARG); /* the internal count_tokens kind */
	assert_int_equal(llmk_request_new(NULL, LLMK_CHAT), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_kind(r), LLMK_CHAT);

	/* option type, scope and kind checks */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TEMPERATURE, "0.2"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "floating-point"));
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_BASE_URL, "http://x"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "client option"));
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_VOICE, "alloy"), LLMK_E_INVALID_ARG);
	assert_string_equal(llmk_request_errmsg(r), "option 'voice' does not apply to chat requests");
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DIMENSIONS, 8), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_f64(r, 3999, 1.0), LLMK_E_UNKNOWN_OPTION);
	/* value ranges, NaN */
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 2.5), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "between 0 and 2"));
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, NAN), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 1.0), LLMK_OK);
	assert_string_equal(llmk_request_errmsg(r), "");
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "yaml"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_object"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, "{not json"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "not valid JSON"));
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, "[1]"), LLMK_E_INVALID_ARG);
	for (int i = 0; i < 4; i++)
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "x"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "x"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "y"), LLMK_OK);

	/* conversation building */
	assert_int_equal(llmk_request_add_text(r, "orphan"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "needs a message first"));
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_TOOL, "x"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_message(r, 99, "x"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "sys"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_url(r, "https://x/y.png", NULL), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "user messages"));
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "look"), LLMK_OK);
	assert_int_equal(llmk_request_add_image_url(r, "file:///etc/passwd", NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_image_url(r, "https://x/y.png", "ultra"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_image_data(r, (const uint8_t *)"x", 1, "text/plain"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_image_data(r, NULL, 0, "image/png"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_tool_call(r, "id", "fn", "{}"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "assistant"));
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, NULL), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_call(r, "id", "fn", "not json"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_tool_call(r, "", "fn", "{}"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_tool_call(r, "id", "fn", NULL), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, NULL, "x"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_tool_result(r, "id", "42"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool(r, "bad name!", NULL, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_tool(r, "ok_name", NULL, "{\"type\":"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_tool(r, "ok_name", "d", "{\"type\":\"object\"}"), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "x"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "embed requests"));
	assert_int_equal(llmk_request_set_audio(r, (const uint8_t *)"x", 1, "a.wav", NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_extra_json(r, "[]"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_extra_json(r, "{\"a\":1}"), LLMK_OK);
	assert_int_equal(llmk_request_set_extra_json(r, NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_str(NULL, LLMK_OPT_MODEL, "x"), LLMK_E_INVALID_ARG);
	assert_string_equal(llmk_request_errmsg(NULL), "request is NULL");
	llmk_request_free(r);

	assert_int_equal(llmk_request_new(&r, LLMK_TRANSCRIBE), LLMK_OK);
	assert_int_equal(llmk_request_set_audio(r, (const uint8_t *)"RIFF", 4, "../etc/x.wav", NULL),
	                 LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_audio(r, (const uint8_t *)"RIFF", 4, "a\".wav", NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_audio(r, (const uint8_t *)"RIFF", 0, "a.wav", NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "xml"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_LANGUAGE, "en"), LLMK_OK);
	llmk_request_free(r);
}

static int sends;

static int32_t dummy_send(llmk_exchange *ex, void *user)
{
	(void)ex, (void)user;
	sends++;
	return LLMK_E_TRANSPORT;
}

static void test_send_validation(void **state)
{
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;

	(void)state;
	unsetenv("OPENAI_API_KEY");
	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_add_message(r, LLMK_ROLE_USER, "hi");

	assert_int_equal(llmk_send(c, r, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_send(NULL, r, &resp), LLMK_E_INVALID_ARG);
	assert_string_equal(llmk_response_error(resp), "client is NULL");
	llmk_response_free(resp);
	assert_int_equal(llmk_send(c, NULL, &resp), LLMK_E_INVALID_ARG);
	llmk_response_free(resp);

	/* no key: a clear auth error naming the variable, before any I/O */
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_AUTH);
	assert_non_null(strstr(llmk_response_error(resp), "OPENAI_API_KEY"));
	assert_int_equal(llmk_response_http_status(resp), 0);
	llmk_response_free(resp);

	/* requests missing their essentials fail before any I/O */
	llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test-not-a-real-key");
	{
		llmk_transport t;
		llmk_transport_init(&t);
		t.send = dummy_send;
		assert_int_equal(llmk_client_set_transport(c, &t, NULL), LLMK_OK);
	}
	sends = 0;
	llmk_request_free(r);
	llmk_request_new(&r, LLMK_CHAT);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_INVALID_ARG);
	assert_string_equal(llmk_response_error(resp), "chat request has no messages");
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_request_new(&r, LLMK_EMBED);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "no inputs"));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_request_new(&r, LLMK_IMAGE);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "no prompt"));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_request_new(&r, LLMK_TRANSCRIBE);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "no audio"));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_request_new(&r, LLMK_SPEECH);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "no input text"));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_add_message(r, LLMK_ROLE_USER, "hi");
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "undeclared_tool");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "undeclared_tool"));
	llmk_response_free(resp);
	llmk_request_free(r);

	assert_int_equal(sends, 0); /* none of the above reached the transport */

	/* a model string with an empty model and no LLMK_OPT_MODEL */
	{
		llmk_client *c2;
		assert_int_equal(llmk_client_new(&c2, "openai/"), LLMK_OK);
		llmk_client_set_str(c2, LLMK_OPT_API_KEY, "sk-test-not-a-real-key");
		llmk_request_new(&r, LLMK_CHAT);
		llmk_request_add_message(r, LLMK_ROLE_USER, "hi");
		assert_int_equal(llmk_send(c2, r, &resp), LLMK_E_INVALID_ARG);
		assert_non_null(strstr(llmk_response_error(resp), "no model"));
		llmk_response_free(resp);
		/* a request-level model fills the gap; the send then reaches the transport */
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "gpt-4o-mini"), LLMK_OK);
		{
			llmk_transport t;
			llmk_transport_init(&t);
			t.send = dummy_send;
			llmk_client_set_transport(c2, &t, NULL);
		}
		llmk_client_set_i64(c2, LLMK_OPT_MAX_RETRIES, 0);
		assert_int_equal(llmk_send(c2, r, &resp), LLMK_E_TRANSPORT);
		assert_int_equal(sends, 1);
		assert_int_equal(llmk_response_attempts(resp), 1);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c2);
	}

	/* accessors on NULL never crash */
	assert_int_equal(llmk_response_status(NULL), LLMK_E_INVALID_ARG);
	assert_string_equal(llmk_response_text(NULL), "");
	assert_int_equal(llmk_response_usage(NULL, LLMK_USAGE_INPUT), -1);
	assert_null(llmk_response_embedding(NULL, 0));
	assert_int_equal(llmk_event_type(NULL), 0);
	llmk_client_free(c);
}

static void test_transport_table(void **state)
{
	llmk_client *c;
	llmk_transport t;

	(void)state;
	assert_int_equal(llmk_client_new(&c, "llamacpp/x"), LLMK_OK);
	llmk_transport_init(&t);
	assert_int_equal(t.struct_size, sizeof(llmk_transport));
	assert_null(t.send);
	assert_int_equal(llmk_client_set_transport(c, &t, NULL), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_client_errmsg(c), "no send"));
	t.send = dummy_send;
	t.struct_size = 2;
	assert_int_equal(llmk_client_set_transport(c, &t, NULL), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_client_errmsg(c), "too small"));
	t.struct_size = sizeof(t);
	assert_int_equal(llmk_client_set_transport(c, &t, NULL), LLMK_OK);
#ifdef LLMK_TEST_HAVE_CURL
	assert_int_equal(llmk_client_set_transport(c, NULL, NULL), LLMK_OK); /* back to curl */
#else
	assert_int_equal(llmk_client_set_transport(c, NULL, NULL), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_client_errmsg(c), "without libcurl"));
#endif
	assert_int_equal(llmk_client_set_transport(NULL, &t, NULL), LLMK_E_INVALID_ARG);
	{
		llmk_transport init = LLMK_TRANSPORT_INIT;
		assert_int_equal(init.struct_size, sizeof(llmk_transport));
	}
	llmk_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_version),
	        cmocka_unit_test(test_status_table),
	        cmocka_unit_test(test_option_table),
	        cmocka_unit_test(test_client_new_errors),
	        cmocka_unit_test(test_client_env_and_options),
	        cmocka_unit_test(test_request_validation),
	        cmocka_unit_test(test_send_validation),
	        cmocka_unit_test(test_transport_table),
	};
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
