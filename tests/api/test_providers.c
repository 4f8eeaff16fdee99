#define _POSIX_C_SOURCE 200809L
/* What every provider shares, through the public API: capability queries,
 * parameters a provider cannot honour (refused, or dropped and listed),
 * providers registered by the program, the OpenAI-compatible presets
 * (Azure, Mistral, hosted and local servers) and their environment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "llmkit.h"

#define KEY "test-key-0123456789abcdef0123456789"

static const char chat_ok[] =
        "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":"
        "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
        "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";

static llmk_client *client_for(const char *model, capture *cap)
{
	llmk_client *c;

	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	memset(cap, 0, sizeof(*cap));
	capture_install(c, cap);
	return c;
}

/* ---- queries ------------------------------------------------------------ */

static void test_provider_list_and_queries(void **state)
{
	size_t i, n = llmk_provider_count();
	int seen_openai = 0, seen_azure = 0;

	(void)state;
	assert_true(n >= 15);
	assert_null(llmk_provider_name(n));
	for (i = 0; i < n; i++) {
		const char *name = llmk_provider_name(i);
		int64_t any = 0;
		int32_t k;
		assert_non_null(name);
		seen_openai += !strcmp(name, "openai");
		seen_azure += !strcmp(name, "azure");
		for (k = LLMK_CHAT; k <= LLMK_MODERATE; k++) {
			int64_t caps = llmk_provider_capabilities(name, k);
			assert_true(caps >= 0);
			/* Feature bits only ever come with the kind bit. */
			assert_true(caps == 0 || (caps & LLMK_CAP_KIND));
			any |= caps;
		}
		assert_true(any & LLMK_CAP_KIND); /* every provider serves something */
		/* The model is always accepted; unknown ids never are. */
		assert_int_equal(llmk_provider_supports_option(name, LLMK_OPT_MODEL), 1);
		assert_int_equal(llmk_provider_supports_option(name, 999999), 0);
	}
	assert_int_equal(seen_openai, 1);
	assert_int_equal(seen_azure, 1);

	assert_int_equal(llmk_provider_capabilities("no-such-provider", LLMK_CHAT), -1);
	assert_int_equal(llmk_provider_capabilities(NULL, LLMK_CHAT), -1);
	assert_int_equal(llmk_provider_supports_option("no-such-provider", LLMK_OPT_TEMPERATURE), -1);
	assert_int_equal(llmk_provider_capabilities("openai", 0), 0);
	assert_int_equal(llmk_provider_capabilities("openai", 99), 0);

	/* Facts from the table. */
	assert_true(llmk_provider_capabilities("openai", LLMK_SPEECH) & LLMK_CAP_KIND);
	assert_true(llmk_provider_capabilities("openai", LLMK_CHAT) & LLMK_CAP_JSON_SCHEMA);
	assert_true(llmk_provider_capabilities("openai", LLMK_CHAT) & LLMK_CAP_KEY_REQUIRED);
	assert_false(llmk_provider_capabilities("vllm", LLMK_CHAT) & LLMK_CAP_KEY_REQUIRED);
	assert_int_equal(llmk_provider_capabilities("deepseek", LLMK_EMBED), 0);
	assert_false(llmk_provider_capabilities("perplexity", LLMK_CHAT) & LLMK_CAP_TOOLS);
	assert_false(llmk_provider_capabilities("deepseek", LLMK_CHAT) & LLMK_CAP_JSON_SCHEMA);
	assert_true(llmk_provider_capabilities("deepseek", LLMK_CHAT) & LLMK_CAP_JSON_MODE);
	assert_int_equal(llmk_provider_supports_option("openai", LLMK_OPT_TOP_K), 0);
	assert_int_equal(llmk_provider_supports_option("openai", LLMK_OPT_TIMEOUT_MS), 1); /* client option */
	assert_int_equal(llmk_provider_supports_option("mistral", LLMK_OPT_SEED), 1);
	assert_string_equal(llmk_provider_base_url("groq"), "https://api.groq.com/openai/v1");
	assert_string_equal(llmk_provider_key_env("azure"), "AZURE_OPENAI_API_KEY");
	assert_string_equal(llmk_provider_url_env("azure"), "AZURE_OPENAI_ENDPOINT");
	assert_null(llmk_provider_base_url("azure")); /* no default endpoint */
	assert_null(llmk_provider_key_env("nope"));
}

/* ---- unsupported parameters ------------------------------------------- */

static void test_unsupported_option_refused_then_dropped(void **state)
{
	capture cap;
	llmk_client *c = client_for("openai/gpt-4o-mini", &cap);
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	json_t *j;

	(void)state;
	cap.resp_body = chat_ok;
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_K, 40), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.5), LLMK_OK);

	/* Refused by default: nothing is sent, the message names both. */
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_int_equal(cap.calls, 0);
	assert_non_null(strstr(llmk_response_error(resp), "openai"));
	assert_non_null(strstr(llmk_response_error(resp), "top_k"));
	assert_string_equal(llmk_response_dropped(resp), "");
	llmk_response_free(resp);

	/* Opted in on the request: sent without it, and the response says so. */
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_int_equal(cap.calls, 1);
	assert_string_equal(llmk_response_dropped(resp), "top_k");
	j = sent_json(&cap);
	assert_null(json_object_get(j, "top_k"));
	assert_true(json_real_value(json_object_get(j, "temperature")) == 0.5); /* the rest is kept */
	json_decref(j);
	llmk_response_free(resp);

	/* The request kept its option: dropping works on a view. */
	{
		int64_t v = 0;
		assert_int_equal(llmk_request_get_i64(r, LLMK_OPT_TOP_K, &v), 1);
		assert_int_equal(v, 40);
	}

	/* The opt-in can also be the client's. */
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 0), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_DROP_UNSUPPORTED, 1), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_UNSUPPORTED); /* the request's 0 wins */
	llmk_response_free(resp);
	llmk_request_free(r);
	r = chat_request("hi");
	llmk_request_set_i64(r, LLMK_OPT_TOP_K, 40);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_dropped(resp), "top_k");
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

static void test_unsupported_features(void **state)
{
	capture cap;
	llmk_client *c = client_for("perplexity/sonar", &cap);
	llmk_request *r = chat_request("weather?");
	llmk_response *resp;
	json_t *j;

	(void)state;
	cap.resp_body = chat_ok;
	assert_int_equal(llmk_request_add_tool(r, "get_weather", "Weather", "{\"type\":\"object\",\"properties\":{}}"),
	                 LLMK_OK);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "required");
	llmk_request_set_str(r, LLMK_OPT_STOP, "END");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "perplexity does not support tool_choice"));
	llmk_response_free(resp);

	llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_dropped(resp), "tool_choice,tools");
	j = sent_json(&cap);
	assert_null(json_object_get(j, "tools"));
	assert_null(json_object_get(j, "tool_choice"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "stop"), 0)), "END");
	json_decref(j);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* A kind the provider does not serve is never dropped. */
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	llmk_request_add_input(r, "x");
	llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "perplexity does not serve embed requests"));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

static void test_images_dropped_from_a_copy(void **state)
{
	capture cap;
	llmk_client *c = client_for("deepseek/deepseek-chat", &cap);
	llmk_request *r = chat_request("what is this?");
	llmk_response *resp;
	const uint8_t png[] = {0x89, 'P', 'N', 'G'};
	json_t *j;

	(void)state;
	cap.resp_body = chat_ok;
	assert_int_equal(llmk_request_add_image_data(r, png, sizeof(png), "image/png"), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "images"));
	llmk_response_free(resp);
	llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_dropped(resp), "images");
	j = sent_json(&cap);
	/* Only the text is left, sent as plain string content. */
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(json_object_get(j, "messages"), 0), "content")),
	        "what is this?");
	json_decref(j);
	llmk_response_free(resp);
	/* The caller's request still has its image. */
	assert_int_equal(llmk_request_part_count(r, 0), 2);
	assert_int_equal(llmk_request_part_type(r, 0, 1), LLMK_PART_IMAGE_URL);
	assert_non_null(strstr(llmk_request_part_text(r, 0, 1), "data:image/png;base64,"));
	llmk_request_free(r);
	llmk_client_free(c);
}

/* ---- presets ----------------------------------------------------------- */

static void test_azure_url_header_version(void **state)
{
	capture cap;
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;

	(void)state;
	unsetenv("AZURE_OPENAI_ENDPOINT");
	unsetenv("OPENAI_API_VERSION");
	unsetenv("AZURE_OPENAI_API_KEY");
	c = client_for("azure/my gpt4o", &cap);
	r = chat_request("hi");
	cap.resp_body = chat_ok;
	/* No endpoint configured: a configuration error naming the variable. */
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_CONFIG);
	assert_non_null(strstr(llmk_response_error(resp), "AZURE_OPENAI_ENDPOINT"));
	assert_int_equal(cap.calls, 0);
	llmk_response_free(resp);
	llmk_client_free(c);

	setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/", 1);
	setenv("OPENAI_API_VERSION", "2025-01-01-preview", 1);
	setenv("AZURE_OPENAI_API_KEY", "azure-env-key-0123456789", 1);
	assert_int_equal(llmk_client_new(&c, "azure/my gpt4o"), LLMK_OK);
	memset(&cap, 0, sizeof(cap));
	capture_install(c, &cap);
	cap.resp_body = chat_ok;
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(cap.url, "https://res.openai.azure.com/openai/deployments/my%20gpt4o/chat/completions"
	                             "?api-version=2025-01-01-preview");
	assert_string_equal(capture_header(&cap, "api-key"), "azure-env-key-0123456789");
	assert_null(capture_header(&cap, "Authorization"));
	llmk_response_free(resp);

	/* The option wins over the environment. */
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_VERSION, "2024-10-21"), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_non_null(strstr(cap.url, "?api-version=2024-10-21"));
	llmk_response_free(resp);
	llmk_request_free(r);

	/* Embeddings on the same deployment path. */
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	llmk_request_add_input(r, "x");
	cap.resp_body = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.5,1]}],"
	                "\"model\":\"e\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}";
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(
	        cap.url,
	        "https://res.openai.azure.com/openai/deployments/my%20gpt4o/embeddings?api-version=2024-10-21");
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	unsetenv("AZURE_OPENAI_ENDPOINT");
	unsetenv("OPENAI_API_VERSION");
	unsetenv("AZURE_OPENAI_API_KEY");
}

/* Azure streams open with a chunk whose choices are empty (prompt filter
 * results) and report content filtering per choice. Shape from Azure
 * OpenAI's REST reference (tests/data/azure/README.md). */
static void test_azure_stream_and_content_filter(void **state)
{
	capture cap;
	llmk_client *c;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	char *body;

	(void)state;
	setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com", 1);
	c = client_for("azure/gpt-4o", &cap);
	body = read_data("azure/chat_stream.sse", NULL);
	cap.resp_body = body;
	cap.resp_headers = "Content-Type: text/event-stream\n";
	/* Every split of the bytes gives the same answer. */
	for (cap.write_size = 1; cap.write_size <= 97; cap.write_size += 8) {
		tu_events ev;
		tu_events_init(&ev, TU_EV_ALL);
		assert_int_equal(llmk_stream(c, r, tu_on_event, &ev, &resp), LLMK_OK);
		assert_string_equal(ev.text, "Hello there!");
		assert_int_equal(ev.ndone, 1);
		assert_string_equal(llmk_response_text(resp), "Hello there!");
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 9);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 3);
		assert_string_equal(llmk_response_model(resp),
		                    "gpt-4o-2024-11-20"); /* not the empty first chunk's "" */
		llmk_response_free(resp);
	}
	free(body);

	body = read_data("azure/chat_content_filter.json", NULL);
	cap.resp_body = body;
	cap.resp_headers = "Content-Type: application/json\n";
	cap.write_size = 0;
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_CONTENT_FILTER);
	assert_string_equal(llmk_response_finish_reason(resp), "content_filter");
	llmk_response_free(resp);
	free(body);

	body = read_data("azure/error_content_filter.json", NULL);
	cap.resp_body = body;
	cap.status = 400;
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_CONTENT_FILTERED);
	assert_string_equal(llmk_response_error_code(resp), "content_filter");
	llmk_response_free(resp);
	free(body);
	llmk_request_free(r);
	llmk_client_free(c);
	unsetenv("AZURE_OPENAI_ENDPOINT");
}

static void test_mistral_quirks(void **state)
{
	capture cap;
	llmk_client *c = client_for("mistral/mistral-small-latest", &cap);
	llmk_request *r;
	llmk_response *resp;
	json_t *j;

	(void)state;
	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	llmk_request_add_message(r, LLMK_ROLE_DEVELOPER, "Be brief.");
	llmk_request_add_message(r, LLMK_ROLE_USER, "hi");
	cap.resp_body = chat_ok;
	llmk_request_add_tool(r, "f", NULL, NULL);
	llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "required");
	llmk_request_set_i64(r, LLMK_OPT_SEED, 7);
	llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 20);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(cap.url, "https://api.mistral.ai/v1/chat/completions");
	assert_non_null(strstr(capture_header(&cap, "Authorization"), "Bearer "));
	j = sent_json(&cap);
	assert_string_equal(json_string_value(json_object_get(j, "tool_choice")), "any");
	assert_int_equal(json_integer_value(json_object_get(j, "random_seed")), 7);
	assert_null(json_object_get(j, "seed"));
	assert_int_equal(json_integer_value(json_object_get(j, "max_tokens")), 20);
	/* Mistral has no developer role (its spec rejects it): system. */
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(json_object_get(j, "messages"), 0), "role")),
	        "system");
	json_decref(j);
	llmk_response_free(resp);

	/* Streams: no stream_options (Mistral rejects it), usage still read
	 * from the last chunk. */
	cap.resp_body = "data: {\"id\":\"a\",\"object\":\"chat.completion.chunk\",\"model\":\"mistral-small-latest\","
	                "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},"
	                "\"finish_reason\":null}]}\n\n"
	                "data: {\"id\":\"a\",\"object\":\"chat.completion.chunk\",\"model\":\"mistral-small-latest\","
	                "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}],"
	                "\"usage\":{\"prompt_tokens\":5,\"total_tokens\":7,\"completion_tokens\":2}}\n\n"
	                "data: [DONE]\n\n";
	cap.resp_headers = "Content-Type: text/event-stream\n";
	llmk_request_free(r);
	r = chat_request("hi");
	{
		tu_events ev;
		tu_events_init(&ev, TU_EV_ALL);
		assert_int_equal(llmk_stream(c, r, tu_on_event, &ev, &resp), LLMK_OK);
		assert_string_equal(ev.text, "Hello");
		j = sent_json(&cap);
		assert_true(json_is_true(json_object_get(j, "stream")));
		assert_null(json_object_get(j, "stream_options"));
		json_decref(j);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 5);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 2);
	}
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

static void test_developer_role_only_where_known(void **state)
{
	static const struct {
		const char *model, *role;
	} cases[] = {{"openai/gpt-4o", "developer"},
	             {"azure/gpt-4o", "developer"},
	             {"groq/llama", "system"},
	             {"vllm/m", "system"},
	             {"deepseek/deepseek-chat", "system"}};
	size_t i;

	(void)state;
	setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com", 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		capture cap;
		llmk_client *c = client_for(cases[i].model, &cap);
		llmk_request *r;
		llmk_response *resp;
		json_t *j;

		assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
		llmk_request_add_message(r, LLMK_ROLE_DEVELOPER, "Be brief.");
		llmk_request_add_message(r, LLMK_ROLE_USER, "hi");
		cap.resp_body = chat_ok;
		assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
		j = sent_json(&cap);
		assert_string_equal(
		        json_string_value(json_object_get(json_array_get(json_object_get(j, "messages"), 0), "role")),
		        cases[i].role);
		json_decref(j);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
	unsetenv("AZURE_OPENAI_ENDPOINT");
}

/* Providers echo rejected keys masked ("hf_****wxyz"): the tail still
 * identifies the key, so the whole token goes, whatever the key format. */
static void test_masked_key_echoes_scrubbed(void **state)
{
	static const struct {
		const char *model, *body, *gone, *kept;
	} cases[] = {
	        {"huggingface/m", "{\"error\":\"Invalid credentials in Authorization header: hf_abc****wxyz\"}", "wxyz",
	         "hf_***"},
	        {"gemini/gemini-2.0-flash",
	         "{\"error\":{\"code\":400,\"message\":\"API key not valid: "
	         "AIzaSyA****Q9k\",\"status\":\"INVALID_ARGUMENT\"}}",
	         "Q9k", "AIza***"},
	        {"groq/llama",
	         "{\"error\":{\"message\":\"Invalid API Key gsk_12****89ab\",\"type\":\"invalid_request_error\"}}",
	         "89ab", "gsk_***"},
	        {"openai/gpt-4o",
	         "{\"error\":{\"message\":\"Incorrect API key provided: "
	         "sk-proj-****abcd.\",\"code\":\"invalid_api_key\"}}",
	         "abcd", "sk-***."},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		capture cap;
		llmk_client *c = client_for(cases[i].model, &cap);
		llmk_request *r = chat_request("hi");
		llmk_response *resp;

		cap.status = 401;
		cap.resp_body = cases[i].body;
		assert_int_not_equal(llmk_send(c, r, &resp), LLMK_OK);
		if (strstr(llmk_response_error(resp), cases[i].gone) ||
		    !strstr(llmk_response_error(resp), cases[i].kept))
			fail_msg("%s: %s", cases[i].model, llmk_response_error(resp));
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

static void test_presets_base_urls_and_keys(void **state)
{
	static const struct {
		const char *model, *url, *key_env;
	} cases[] = {
	        {"openrouter/openai/gpt-4o", "https://openrouter.ai/api/v1/chat/completions", "OPENROUTER_API_KEY"},
	        {"groq/llama-3.1-8b-instant", "https://api.groq.com/openai/v1/chat/completions", "GROQ_API_KEY"},
	        {"together/meta-llama/Llama-3-8b-chat-hf", "https://api.together.xyz/v1/chat/completions",
	         "TOGETHER_API_KEY"},
	        {"deepseek/deepseek-chat", "https://api.deepseek.com/v1/chat/completions", "DEEPSEEK_API_KEY"},
	        {"fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct",
	         "https://api.fireworks.ai/inference/v1/chat/completions", "FIREWORKS_API_KEY"},
	        {"xai/grok-3", "https://api.x.ai/v1/chat/completions", "XAI_API_KEY"},
	        {"perplexity/sonar", "https://api.perplexity.ai/chat/completions", "PERPLEXITY_API_KEY"},
	        {"vllm/m", "http://127.0.0.1:8000/v1/chat/completions", NULL},
	        {"llamacpp/m", "http://127.0.0.1:8080/v1/chat/completions", NULL},
	        {"lmstudio/m", "http://127.0.0.1:1234/v1/chat/completions", NULL},
	        {"localai/m", "http://127.0.0.1:8080/v1/chat/completions", NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		capture cap;
		llmk_client *c;
		llmk_request *r = chat_request("hi");
		llmk_response *resp;
		char auth[128];

		if (cases[i].key_env)
			setenv(cases[i].key_env, "env-key-for-preset-0123456789", 1);
		assert_int_equal(llmk_client_new(&c, cases[i].model), LLMK_OK);
		memset(&cap, 0, sizeof(cap));
		capture_install(c, &cap);
		cap.resp_body = chat_ok;
		assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
		assert_string_equal(cap.url, cases[i].url);
		if (cases[i].key_env) {
			snprintf(auth, sizeof(auth), "Bearer %s", "env-key-for-preset-0123456789");
			assert_string_equal(capture_header(&cap, "Authorization"), auth);
			unsetenv(cases[i].key_env);
		} else {
			assert_null(capture_header(&cap, "Authorization"));
		}
		/* The model part after the first slash goes out whole. */
		{
			json_t *j = sent_json(&cap);
			assert_string_equal(json_string_value(json_object_get(j, "model")),
			                    strchr(cases[i].model, '/') + 1);
			json_decref(j);
		}
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

static void test_hosted_preset_needs_key(void **state)
{
	llmk_client *c;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	capture cap;

	(void)state;
	unsetenv("GROQ_API_KEY");
	assert_int_equal(llmk_client_new(&c, "groq/llama"), LLMK_OK);
	memset(&cap, 0, sizeof(cap));
	capture_install(c, &cap);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_AUTH);
	assert_non_null(strstr(llmk_response_error(resp), "GROQ_API_KEY"));
	assert_int_equal(cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* ---- providers registered by the program ------------------------------ */

typedef struct engine {
	int calls, released;
	char last_model[64];
} engine;

static int32_t engine_send(void *user, const llmk_request *req, const char *model, llmk_reply *reply)
{
	engine *e = user;
	size_t i;

	e->calls++;
	snprintf(e->last_model, sizeof(e->last_model), "%s", model);
	switch (llmk_request_kind(req)) {
	case LLMK_CHAT: {
		const char *last = llmk_request_part_text(req, llmk_request_message_count(req) - 1, 0);
		if (last && !strcmp(last, "fail"))
			return llmk_reply_error(reply, LLMK_E_OVERLOADED, "engine busy");
		if (last && !strcmp(last, "tool")) {
			if (llmk_reply_tool_call(reply, NULL, "lookup", "{\"q\":1}"))
				return LLMK_E_CANCELLED;
			llmk_reply_finish(reply, "tool_calls");
			return LLMK_OK;
		}
		/* Echo, in three pieces so a stream shows several events. */
		if (llmk_reply_text(reply, "echo: ", 6) || llmk_reply_text(reply, last, strlen(last)) ||
		    llmk_reply_text(reply, "!", 1))
			return LLMK_E_CANCELLED;
		llmk_reply_usage(reply, LLMK_USAGE_INPUT, 10);
		llmk_reply_usage(reply, LLMK_USAGE_OUTPUT, 3);
		return LLMK_OK;
	}
	case LLMK_EMBED:
		for (i = 0; i < llmk_request_input_count(req); i++) {
			float v[3] = {(float)i, (float)strlen(llmk_request_input(req, i)), 0.5f};
			if (llmk_reply_embedding(reply, v, 3))
				return LLMK_E_NOMEM;
		}
		return LLMK_OK;
	default: return LLMK_E_UNSUPPORTED;
	}
}

static void engine_release(void *user)
{
	((engine *)user)->released++;
}

static int32_t cancel_first(const llmk_event *ev, void *user)
{
	(void)ev;
	(void)user;
	return 1;
}

static void test_registered_provider(void **state)
{
	llmk_provider_table t;
	engine e;
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	tu_events ev;

	(void)state;
	memset(&e, 0, sizeof(e));
	llmk_provider_table_init(&t);
	assert_int_equal(t.struct_size, sizeof(t));
	/* Bad registrations. */
	assert_int_equal(llmk_provider_register("my engine", &t, &e), LLMK_E_INVALID_ARG); /* no send, bad name */
	t.send = engine_send;
	t.release = engine_release;
	t.kinds = (1u << LLMK_CHAT) | (1u << LLMK_EMBED);
	t.chat_capabilities = LLMK_CAP_STREAM;
	assert_int_equal(llmk_provider_register("my engine", &t, &e), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_provider_register("openai", &t, &e), LLMK_E_CONFIG); /* built-in names are taken */
	t.kinds = 1u << 9;
	assert_int_equal(llmk_provider_register("engine", &t, &e), LLMK_E_INVALID_ARG);
	t.kinds = (1u << LLMK_CHAT) | (1u << LLMK_EMBED);

	assert_int_equal(llmk_provider_register("engine", &t, &e), LLMK_OK);
	assert_int_equal(llmk_provider_register("engine", &t, &e), LLMK_E_CONFIG);
	assert_string_equal(llmk_provider_name(llmk_provider_count() - 1), "engine");
	assert_int_equal(llmk_provider_capabilities("engine", LLMK_CHAT), LLMK_CAP_KIND | LLMK_CAP_STREAM);
	assert_int_equal(llmk_provider_capabilities("engine", LLMK_IMAGE), 0);

	assert_int_equal(llmk_client_new(&c, "engine/tiny-1"), LLMK_OK);
	assert_string_equal(llmk_client_provider(c), "engine");

	/* Plain. */
	r = chat_request("hello");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "echo: hello!");
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 13);
	assert_string_equal(e.last_model, "tiny-1");
	llmk_response_free(resp);

	/* Streamed: the same answer, as events. */
	tu_events_init(&ev, TU_EV_ALL);
	assert_int_equal(llmk_stream(c, r, tu_on_event, &ev, &resp), LLMK_OK);
	assert_int_equal(ev.ntext, 3);
	assert_int_equal(ev.ndone, 1);
	assert_string_equal(ev.text, "echo: hello!");
	assert_string_equal(llmk_response_text(resp), "echo: hello!");
	llmk_response_free(resp);
	assert_int_equal(llmk_stream(c, r, cancel_first, NULL, &resp), LLMK_E_CANCELLED);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* Tool calls get an id when the engine gives none. */
	r = chat_request("tool");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_tool_call_count(resp), 1);
	assert_string_equal(llmk_response_tool_call_name(resp, 0), "lookup");
	assert_int_equal(strncmp(llmk_response_tool_call_id(resp, 0), "call_", 5), 0);
	assert_int_equal(strlen(llmk_response_tool_call_id(resp, 0)), 29);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* Errors carry the status and the engine's message. */
	r = chat_request("fail");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_OVERLOADED);
	assert_non_null(strstr(llmk_response_error(resp), "engine busy"));
	llmk_response_free(resp);

	/* Capabilities the engine did not declare are refused before it runs. */
	llmk_request_add_tool(r, "f", NULL, NULL);
	e.calls = 0;
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_int_equal(e.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* Embeddings. */
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	llmk_request_add_input(r, "ab");
	llmk_request_add_input(r, "abcd");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_embedding_count(resp), 2);
	assert_int_equal(llmk_response_embedding_dim(resp), 3);
	assert_true(llmk_response_embedding(resp, 1)[0] == 1.0f);
	assert_true(llmk_response_embedding(resp, 1)[1] == 4.0f);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* Unregistering while a client holds it: released only when the last
	 * user lets go. */
	assert_int_equal(llmk_provider_unregister("engine"), LLMK_OK);
	assert_int_equal(llmk_provider_unregister("engine"), LLMK_E_NOT_FOUND);
	assert_int_equal(e.released, 0);
	assert_int_equal(llmk_provider_capabilities("engine", LLMK_CHAT), -1);
	{
		llmk_client *c2;
		assert_int_equal(llmk_client_new(&c2, "engine/x"), LLMK_E_UNSUPPORTED);
	}
	llmk_client_free(c);
	assert_int_equal(e.released, 1);
}

/* ---- request getters ---------------------------------------------------- */

static void test_request_getters(void **state)
{
	llmk_request *r;
	double d = 0;
	int64_t i = 0;
	size_t n = 0;
	const uint8_t wav[] = {'R', 'I', 'F', 'F'};

	(void)state;
	r = chat_request("hi");
	llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, NULL);
	llmk_request_add_tool_call(r, "call_1", "f", "{\"a\":1}");
	llmk_request_add_tool_result(r, "call_1", "42");
	llmk_request_add_tool(r, "f", "does f", "{\"type\":\"object\"}");
	llmk_request_set_str(r, LLMK_OPT_STOP, "END");
	llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.25);
	assert_int_equal(llmk_request_message_count(r), 3);
	assert_int_equal(llmk_request_message_role(r, 2), LLMK_ROLE_TOOL);
	assert_string_equal(llmk_request_message_tool_call_id(r, 2), "call_1");
	assert_null(llmk_request_message_tool_call_id(r, 0));
	assert_int_equal(llmk_request_part_type(r, 1, 0), LLMK_PART_TOOL_CALL);
	assert_string_equal(llmk_request_part_id(r, 1, 0), "call_1");
	assert_string_equal(llmk_request_part_detail(r, 1, 0), "f");
	assert_string_equal(llmk_request_part_text(r, 1, 0), "{\"a\":1}");
	assert_null(llmk_request_part_text(r, 9, 0));
	assert_int_equal(llmk_request_part_type(r, 0, 5), 0);
	assert_int_equal(llmk_request_tool_count(r), 1);
	assert_string_equal(llmk_request_tool_description(r, 0), "does f");
	assert_string_equal(llmk_request_tool_parameters(r, 0), "{\"type\":\"object\"}");
	assert_null(llmk_request_tool_name(r, 1));
	assert_int_equal(llmk_request_stop_count(r), 1);
	assert_string_equal(llmk_request_stop(r, 0), "END");
	assert_int_equal(llmk_request_get_f64(r, LLMK_OPT_TEMPERATURE, &d), 1);
	assert_true(d == 0.25);
	assert_int_equal(llmk_request_get_f64(r, LLMK_OPT_TOP_P, &d), 0);
	assert_int_equal(llmk_request_get_i64(r, LLMK_OPT_TEMPERATURE, &i), 0); /* wrong type */
	assert_null(llmk_request_get_str(r, LLMK_OPT_TEMPERATURE));
	llmk_request_free(r);

	assert_int_equal(llmk_request_new(&r, LLMK_TRANSCRIBE), LLMK_OK);
	assert_null(llmk_request_audio(r, &n));
	assert_int_equal(n, 0);
	llmk_request_set_audio(r, wav, sizeof(wav), "a.wav", NULL);
	assert_non_null(llmk_request_audio(r, &n));
	assert_int_equal(n, 4);
	assert_string_equal(llmk_request_audio_name(r), "a.wav");
	assert_string_equal(llmk_request_audio_mime(r), "audio/wav");
	llmk_request_free(r);
	assert_int_equal(llmk_request_message_count(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_provider_list_and_queries),
	        cmocka_unit_test(test_unsupported_option_refused_then_dropped),
	        cmocka_unit_test(test_unsupported_features),
	        cmocka_unit_test(test_images_dropped_from_a_copy),
	        cmocka_unit_test(test_azure_url_header_version),
	        cmocka_unit_test(test_azure_stream_and_content_filter),
	        cmocka_unit_test(test_mistral_quirks),
	        cmocka_unit_test(test_developer_role_only_where_known),
	        cmocka_unit_test(test_masked_key_echoes_scrubbed),
	        cmocka_unit_test(test_presets_base_urls_and_keys),
	        cmocka_unit_test(test_hosted_preset_needs_key),
	        cmocka_unit_test(test_registered_provider),
	        cmocka_unit_test(test_request_getters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
