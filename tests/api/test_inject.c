/* Hostile configuration (issue 16, item 1): values with control characters
 * from options, from the environment and in model strings never reach a
 * header, a URL or a signed string; model and deployment names are one
 * URL path segment each; query values are escaped.
 *
 * Every request that is let through goes to a loopback server, which
 * checks what arrived: no injected header, no dot segment, no extra query
 * parameter. Every refused one must not reach the server at all. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "llmkit.h"

#define HOSTILE "sk-x\r\nX-Injected: 1"
#define OK_CHAT                                                                                            \
	"{\"id\":\"c\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"}," \
	"\"finish_reason\":\"stop\"}]}"

static th_server *srv;

static int setup(void **state)
{
	(void)state;
	srv = th_start();
	return srv ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	th_stop(srv);
	return 0;
}

static llmk_client *client(const char *model)
{
	llmk_client *c;

	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	return c;
}

static llmk_request *chat(void)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"), LLMK_OK);
	return r;
}

/* Sends r on c and expects a refusal before any byte left: the status, a
 * message naming `names` and never the hostile value. */
static void expect_refused(llmk_client *c, llmk_request *r, const char *names)
{
	llmk_response *resp;
	llmk_status st;

	th_reset(srv);
	st = llmk_send(c, r, &resp);
	assert_int_equal(st, LLMK_E_INVALID_ARG);
	if (!strstr(llmk_response_error(resp), names))
		fail_msg("error '%s' does not name %s", llmk_response_error(resp), names);
	assert_null(strstr(llmk_response_error(resp), "X-Injected"));
	assert_int_equal(th_request_count(srv), 0);
	llmk_response_free(resp);
}

/* No header of the request received holds an injected line. */
static void assert_no_injected(void)
{
	size_t i, j;

	assert_true(th_request_count(srv) > 0);
	for (i = 0; i < th_request_count(srv); i++) {
		const th_request *rq = th_request_at(srv, i);
		assert_null(th_request_header(rq, "X-Injected"));
		for (j = 0; j < rq->nheaders; j++)
			assert_null(strpbrk(rq->headers[j].value, "\r\n"));
	}
}

/* The provider part of "provider/model". */
static const char *prov_of(const char *model, char *buf, size_t n)
{
	snprintf(buf, n, "%.*s", (int)strcspn(model, "/"), model);
	return buf;
}

/* A key from each provider's variable, with CR LF inside: refused when the
 * request would go out, named, never sent; the option replaces it. */
static void test_env_key_refused(void **state)
{
	static const char *const models[] = {
	        "openai/gpt-4o-mini",      "anthropic/claude-3-5-haiku-latest",
	        "gemini/gemini-2.0-flash", "mistral/small",
	        "cohere/command-r",        "huggingface/meta-llama/Llama-3.1-8B-Instruct",
	        "ollama/llama3.2",         "groq/llama-3.1-8b",
	};
	size_t i, tried = 0;

	(void)state;
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		char pname[32];
		const char *var = llmk_provider_key_env(prov_of(models[i], pname, sizeof(pname)));
		llmk_client *c;
		llmk_request *r;
		llmk_response *resp;

		if (!var || !*var)
			continue; /* not built in */
		r = chat();
		setenv(var, HOSTILE, 1);
		assert_int_equal(llmk_client_new(&c, models[i]), LLMK_OK);
		unsetenv(var);
		assert_int_equal(llmk_client_has_api_key(c), 0);
		assert_non_null(strstr(llmk_client_errmsg(c), var));
		assert_null(strstr(llmk_client_errmsg(c), "X-Injected"));
		assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
		assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
		expect_refused(c, r, var);
		/* The option takes the variable's place. */
		assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-good"), LLMK_OK);
		th_reset(srv);
		th_push_json(srv, 500, "{\"error\":{\"message\":\"stop here\"}}");
		llmk_send(c, r, &resp);
		assert_no_injected();
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
		tried++;
	}
	assert_true(tried >= 1);
}

/* AWS credentials from the environment: access key id, secret, session
 * token, region. Each one hostile on its own. */
static void test_env_aws_refused(void **state)
{
	static const char *const vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	                                   "AWS_REGION"};
	size_t i;

	(void)state;
	if (llmk_provider_capabilities("bedrock", LLMK_CHAT) <= 0)
		skip();
	unsetenv("AWS_BEARER_TOKEN_BEDROCK");
	unsetenv("AWS_DEFAULT_REGION");
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		llmk_client *c;
		llmk_request *r = chat();

		setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
		setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
		setenv("AWS_SESSION_TOKEN", "token-example", 1);
		setenv("AWS_REGION", "us-east-1", 1);
		setenv(vars[i], HOSTILE, 1);
		c = client("bedrock/anthropic.claude-3-haiku-20240307-v1:0");
		expect_refused(c, r, vars[i]);
		llmk_request_free(r);
		llmk_client_free(c);
	}
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

/* Base URL and API version variables too. */
static void test_env_url_and_version_refused(void **state)
{
	llmk_client *c;
	llmk_request *r = chat();

	(void)state;
	setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1\r\nX-Injected: 1", 1);
	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	unsetenv("OPENAI_BASE_URL");
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-good"), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	expect_refused(c, r, "OPENAI_BASE_URL");
	llmk_client_free(c);

	setenv("OPENAI_API_VERSION", "2024-10-21\r\nX-Injected: 1", 1);
	c = client("azure/my-deployment");
	unsetenv("OPENAI_API_VERSION");
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-good"), LLMK_OK);
	expect_refused(c, r, "OPENAI_API_VERSION");
	llmk_client_free(c);
	llmk_request_free(r);
}

/* Every string option of client scope refuses every control character,
 * naming the option and never quoting the value. */
static void test_options_refuse_controls(void **state)
{
	static const char *const bad[] = {"a\rb",
	                                  "a\nb",
	                                  "a\tb",
	                                  "a\x7f"
	                                  "b",
	                                  "a\x01"
	                                  "b",
	                                  "a\x1b[31mb"};
	llmk_client *c;
	int32_t id;
	size_t i, checked = 0;

	(void)state;
	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	for (id = 1001; id < 1100; id++) {
		const char *name = llmk_option_name(id);
		if (!name || llmk_client_set_str(c, id, NULL) == LLMK_E_INVALID_ARG)
			continue; /* not a client option (request scope) */
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (llmk_client_set_str(c, id, bad[i]) != LLMK_E_INVALID_ARG)
				fail_msg("option %s accepted control character %zu", name, i);
			assert_non_null(strstr(llmk_client_errmsg(c), name));
			assert_null(strstr(llmk_client_errmsg(c), bad[i]));
		}
		checked++;
	}
	assert_true(checked >= 10);
	llmk_client_free(c);
	/* A model string with one is refused where it comes in. */
	assert_int_equal(llmk_client_new(&c, "openai/gpt\r\nX-Injected: 1"), LLMK_E_INVALID_ARG);
	assert_null(c);
	{
		llmk_request *r;
		assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "gpt\nx"), LLMK_E_INVALID_ARG);
		assert_non_null(strstr(llmk_request_errmsg(r), "model"));
		llmk_request_free(r);
	}
}

/* Dot segments in a name that becomes a path segment are refused before
 * anything is sent: azure/.. posted to /openai/embeddings with the key. */
static void test_dot_segments_refused(void **state)
{
	static const struct {
		const char *model;
		int32_t kind;
	} cases[] = {
	        {"azure/..", LLMK_CHAT},
	        {"azure/.", LLMK_CHAT},
	        {"huggingface/../../x", LLMK_EMBED},
	        {"huggingface/org//x", LLMK_EMBED},
	        {"gemini/..", LLMK_CHAT},
	        {"gemini/models/..", LLMK_CHAT},
	        {"bedrock/..", LLMK_CHAT},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_client *c;
		llmk_request *r;
		llmk_response *resp;
		char pname[32];

		if (llmk_provider_capabilities(prov_of(cases[i].model, pname, sizeof(pname)), cases[i].kind) <= 0)
			continue;
		c = client(cases[i].model);
		assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-good"), LLMK_OK);
		assert_int_equal(llmk_request_new(&r, cases[i].kind), LLMK_OK);
		if (cases[i].kind == LLMK_CHAT)
			assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"), LLMK_OK);
		else
			assert_int_equal(llmk_request_add_input(r, "hi"), LLMK_OK);
		th_reset(srv);
		if (llmk_send(c, r, &resp) != LLMK_E_INVALID_ARG)
			fail_msg("%s: %s", cases[i].model, llmk_response_error(resp));
		assert_non_null(strstr(llmk_response_error(resp), "path segment"));
		assert_int_equal(th_request_count(srv), 0);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

/* A deployment with '/', ' ' and '?' stays one segment; api_version is a
 * query value, escaped: "2024&x=1#f" added a parameter and a fragment. */
static void test_segment_and_query_escaped(void **state)
{
	llmk_client *c;
	llmk_request *r = chat();
	llmk_response *resp;
	const char *target;

	(void)state;
	c = client("azure/a/b c?d");
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-good"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_VERSION, "2024&x=1#f"), LLMK_OK);
	th_reset(srv);
	th_push_json(srv, 200, OK_CHAT);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	target = th_request_at(srv, 0)->target;
	assert_string_equal(target, "/openai/deployments/a%2Fb%20c%3Fd/chat/completions?api-version=2024%26x%3D1%23f");
	llmk_response_free(resp);
	llmk_client_free(c);

	if (llmk_provider_capabilities("huggingface", LLMK_EMBED) > 0) {
		llmk_request *e;
		c = client("huggingface/org/na me");
		assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "hf_good"), LLMK_OK);
		assert_int_equal(llmk_request_new(&e, LLMK_EMBED), LLMK_OK);
		assert_int_equal(llmk_request_add_input(e, "hi"), LLMK_OK);
		th_reset(srv);
		th_push_json(srv, 200, "[[0.5,0.25]]");
		assert_int_equal(llmk_send(c, e, &resp), LLMK_OK);
		assert_string_equal(th_request_at(srv, 0)->target,
		                    "/hf-inference/models/org/na%20me/pipeline/feature-extraction");
		llmk_response_free(resp);
		llmk_request_free(e);
		llmk_client_free(c);
	}
	llmk_request_free(r);
}

/* Audio file names and MIME types become part headers or Content-Type. */
static void test_audio_names_refuse_controls(void **state)
{
	static const uint8_t wav[4] = {'R', 'I', 'F', 'F'};
	llmk_request *r;

	(void)state;
	assert_int_equal(llmk_request_new(&r, LLMK_TRANSCRIBE), LLMK_OK);
	assert_int_equal(llmk_request_set_audio(r, wav, sizeof(wav), "a\tb.wav", "audio/wav"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_audio(r, wav, sizeof(wav), "a.wav", "audio/wav\r\nX-Injected: 1"),
	                 LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_audio(r, wav, sizeof(wav), "a.wav", "audio/wav\x7f"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_audio(r, wav, sizeof(wav), "a.wav", "audio/wav"), LLMK_OK);
	llmk_request_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_env_key_refused),
	        cmocka_unit_test(test_env_aws_refused),
	        cmocka_unit_test(test_env_url_and_version_refused),
	        cmocka_unit_test(test_options_refuse_controls),
	        cmocka_unit_test(test_dot_segments_refused),
	        cmocka_unit_test(test_segment_and_query_escaped),
	        cmocka_unit_test(test_audio_names_refuse_controls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
