/* The library against real servers: llama.cpp's llama-server with
 * SmolLM2-135M-Instruct, started by tests/real/harness.sh (which sets the
 * LLMK_REAL_* variables). Public API only. Every assertion is on what the
 * server really answered: tokens counted by the server, finish reasons it
 * chose, JSON it generated under a schema, vectors it computed.
 *
 * The same OpenAI-format checks run through three presets pointed at the one
 * server: openai/ (OPENAI_BASE_URL), llamacpp/ (LLAMACPP_BASE_URL) and
 * openai-compatible/ (OPENAI_COMPATIBLE_BASE_URL); anthropic/ goes through
 * the server's /v1/messages (ANTHROPIC_BASE_URL). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <jansson.h>

#include "llmkit.h"

#define MODEL "smollm2"
/* A key for the providers that insist on one; the server checks none. */
#define DUMMY_KEY "sk-local-real-server-test"

static const char *chat_url, *embed_url, *victim_url;
static int skip_tool_calls;

/* ---- helpers ---------------------------------------------------------------- */

static llmk_client *client(const char *provider)
{
	char model[64];
	llmk_client *c = NULL;

	snprintf(model, sizeof(model), "%s/%s", provider, MODEL);
	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	/* a real server on 2 shared cores: generous, but never a hang */
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, 120000), LLMK_OK);
	/* from the preset's own variable (main) */
	assert_string_equal(llmk_client_base_url(c), chat_url);
	return c;
}

static llmk_request *ask(const char *system, const char *user, int64_t max_tokens)
{
	llmk_request *r = NULL;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	if (system)
		assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, system), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, user), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0), LLMK_OK);
	if (max_tokens > 0)
		assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, max_tokens), LLMK_OK);
	return r;
}

static void expect_ok(llmk_status st, llmk_response *resp)
{
	if (st != LLMK_OK)
		fail_msg("%s: %s", llmk_status_name(st), resp ? llmk_response_error(resp) : "(no response)");
}

typedef struct events {
	char text[8192];
	size_t len;
	int ntext, nusage, ndone, after_done;
	int64_t usage_out;
} events;

static int32_t on_event(const llmk_event *e, void *user)
{
	events *ev = user;

	if (ev->ndone)
		ev->after_done++;
	switch (llmk_event_type(e)) {
	case LLMK_EVENT_TEXT:
		ev->ntext++;
		if (ev->len + llmk_event_text_len(e) < sizeof(ev->text)) {
			memcpy(ev->text + ev->len, llmk_event_text(e), llmk_event_text_len(e));
			ev->len += llmk_event_text_len(e);
			ev->text[ev->len] = '\0';
		}
		break;
	case LLMK_EVENT_USAGE:
		ev->nusage++;
		ev->usage_out = llmk_event_usage(e, LLMK_USAGE_OUTPUT);
		break;
	case LLMK_EVENT_DONE: ev->ndone++; break;
	default: break;
	}
	return 0;
}

/* Sends r through c, streamed or not; the stream's events must add up to
 * the final response. */
static llmk_response *run(llmk_client *c, llmk_request *r, int stream)
{
	llmk_response *resp = NULL;
	events ev;
	llmk_status st;

	if (!stream) {
		st = llmk_send(c, r, &resp);
		expect_ok(st, resp);
		return resp;
	}
	memset(&ev, 0, sizeof(ev));
	st = llmk_stream(c, r, on_event, &ev, &resp);
	expect_ok(st, resp);
	assert_int_equal(ev.ndone, 1);
	assert_int_equal(ev.after_done, 0);
	assert_string_equal(ev.text, llmk_response_text(resp));
	if (*ev.text)
		assert_true(ev.ntext >= 1);
	/* usage in a stream: asked for with stream_options.include_usage */
	assert_true(ev.nusage >= 1);
	assert_int_equal(ev.usage_out, llmk_response_usage(resp, LLMK_USAGE_OUTPUT));
	return resp;
}

static void expect_usage(const llmk_response *resp, int64_t max_out)
{
	int64_t in = llmk_response_usage(resp, LLMK_USAGE_INPUT), out = llmk_response_usage(resp, LLMK_USAGE_OUTPUT);

	if (in <= 0 || out <= 0 || (max_out > 0 && out > max_out))
		fail_msg("usage: %lld in, %lld out (at most %lld wanted)", (long long)in, (long long)out,
		         (long long)max_out);
}

/* ---- OpenAI wire format through three presets -------------------------------- */

static const char *const oa_presets[] = {"openai", "llamacpp", "openai-compatible"};

static void plain_and_streamed(const char *preset)
{
	int stream;

	for (stream = 0; stream <= 1; stream++) {
		llmk_client *c = client(preset);
		llmk_request *r = ask(NULL, "What is the capital of France? Answer in one word.", 16);
		llmk_response *resp = run(c, r, stream);

		if (!strstr(llmk_response_text(resp), "Paris"))
			fail_msg("%s%s: %s", preset, stream ? " (stream)" : "", llmk_response_text(resp));
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
		assert_int_equal(llmk_response_attempts(resp), 1);
		expect_usage(resp, 16);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

/* The limit is honoured: the answer is cut at N tokens, as the server counts
 * them. (Older llama.cpp servers ignored max_completion_tokens, which openai/
 * used to send; b11434 reads both names, so the name openai/ sends now is
 * pinned by test_max_tokens_name in tests/api/test_openai.c.) */
static void max_tokens(const char *preset)
{
	int stream;

	for (stream = 0; stream <= 1; stream++) {
		llmk_client *c = client(preset);
		llmk_request *r = ask(NULL, "Count from 1 to 100, separated by spaces.", 5);
		llmk_response *resp = run(c, r, stream);

		if (llmk_response_finish(resp) != LLMK_FINISH_LENGTH)
			fail_msg("%s%s: finish '%s' after %lld tokens: %s", preset, stream ? " (stream)" : "",
			         llmk_response_finish_reason(resp),
			         (long long)llmk_response_usage(resp, LLMK_USAGE_OUTPUT), llmk_response_text(resp));
		if (!strcmp(preset, "anthropic"))
			assert_string_equal(llmk_response_finish_reason(resp), "max_tokens");
		expect_usage(resp, 5);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

/* A stop sequence ends the answer before it, well short of the limit. */
static void stop_sequence(const char *preset)
{
	int stream;

	for (stream = 0; stream <= 1; stream++) {
		llmk_client *c = client(preset);
		llmk_request *r = ask(NULL, "Count from 1 to 20, separated by commas.", 80);
		llmk_response *resp;
		const char *text;

		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STOP, "7"), LLMK_OK);
		resp = run(c, r, stream);
		text = llmk_response_text(resp);
		if (llmk_response_finish(resp) != LLMK_FINISH_STOP || strchr(text, '7') || !strstr(text, "6"))
			fail_msg("%s%s: finish '%s': %s", preset, stream ? " (stream)" : "",
			         llmk_response_finish_reason(resp), text);
		expect_usage(resp, 40);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

/* The same seed gives the same text: at temperature 0, and when sampling. */
static void seeded(const char *preset)
{
	static const double temps[] = {0, 1.0};
	size_t t;

	for (t = 0; t < sizeof(temps) / sizeof(temps[0]); t++) {
		llmk_client *c = client(preset);
		llmk_request *r = ask(NULL, "Write one sentence about the sea.", 24);
		llmk_response *a, *b;

		assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, temps[t]), LLMK_OK);
		assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_SEED, 1234), LLMK_OK);
		a = run(c, r, 0);
		b = run(c, r, 1);
		assert_true(strlen(llmk_response_text(a)) > 0);
		if (strcmp(llmk_response_text(a), llmk_response_text(b)))
			fail_msg("%s, temperature %g, seed 1234: '%s' then '%s'", preset, temps[t],
			         llmk_response_text(a), llmk_response_text(b));
		llmk_response_free(a);
		llmk_response_free(b);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

/* A JSON schema answer parses and follows the schema (the server turns the
 * schema into a grammar). */
static void json_schema(const char *preset)
{
	static const char schema[] =
	        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
	        "\"country\":{\"type\":\"string\"},\"population\":{\"type\":\"integer\"}},"
	        "\"required\":[\"city\",\"country\",\"population\"],\"additionalProperties\":false}";
	int stream;

	for (stream = 0; stream <= 1; stream++) {
		llmk_client *c = client(preset);
		llmk_request *r = ask(NULL, "Describe Paris as JSON with its city name, country and population.", 80);
		llmk_response *resp;
		json_error_t err;
		json_t *j;

		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, schema), LLMK_OK);
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA_NAME, "city"), LLMK_OK);
		resp = run(c, r, stream);
		j = json_loads(llmk_response_text(resp), 0, &err);
		if (!j)
			fail_msg("%s%s: not JSON (%s): %s", preset, stream ? " (stream)" : "", err.text,
			         llmk_response_text(resp));
		if (!json_is_object(j) || json_object_size(j) != 3 || !json_is_string(json_object_get(j, "city")) ||
		    !json_is_string(json_object_get(j, "country")) ||
		    !json_is_integer(json_object_get(j, "population")))
			fail_msg("%s%s: does not follow the schema: %s", preset, stream ? " (stream)" : "",
			         llmk_response_text(resp));
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
		json_decref(j);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

static size_t collect(char *p, size_t size, size_t n, void *user)
{
	char **buf = user;
	size_t have = *buf ? strlen(*buf) : 0;
	char *nb = realloc(*buf, have + size * n + 1);

	assert_non_null(nb);
	memcpy(nb + have, p, size * n);
	nb[have + size * n] = '\0';
	*buf = nb;
	return size * n;
}

/* GET <server>/props (llama-server's own endpoint: model, template
 * capabilities, build), as JSON. */
static json_t *server_props(const char *base_url)
{
	char url[256], *body = NULL;
	CURL *h = curl_easy_init();
	json_t *j;

	snprintf(url, sizeof(url), "%.*s/props", (int)(strlen(base_url) - 3), base_url); /* without /v1 */
	assert_non_null(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	j = json_loads(body ? body : "", 0, NULL);
	free(body);
	assert_non_null(j);
	return j;
}

/* Tool calls where the server produces them. llama-server parses tool
 * calls in the syntax of the model's chat template; SmolLM2's template has
 * none (the server reports chat_template_caps.supports_tool_calls false and
 * answers a request with tools in plain text). Then the library must say
 * so truthfully: no tool calls, the text, no error; and the test says it
 * skipped the tool-call assertions. With a template that has a syntax, the
 * call must come back whole. */
static void tool_call(const char *preset)
{
	static const char params[] = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
	                             "\"required\":[\"city\"]}";
	json_t *props = server_props(chat_url);
	int supported =
	        json_is_true(json_object_get(json_object_get(props, "chat_template_caps"), "supports_tool_calls"));
	int stream;

	json_decref(props);
	for (stream = 0; stream <= 1; stream++) {
		llmk_client *c = client(preset);
		llmk_request *r = ask(NULL, "What is the weather in Paris?", 24);
		llmk_response *resp;
		json_t *args;

		assert_int_equal(llmk_request_add_tool(r, "get_weather", "The current weather in a city", params),
		                 LLMK_OK);
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "required"), LLMK_OK);
		resp = run(c, r, stream);
		if (!supported) {
			assert_int_equal(llmk_response_tool_call_count(resp), 0);
			assert_int_not_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
			assert_true(strlen(llmk_response_text(resp)) > 0);
		} else {
			if (llmk_response_tool_call_count(resp) != 1)
				fail_msg("%s%s: %zu tool calls, finish '%s', text '%s'", preset,
				         stream ? " (stream)" : "", llmk_response_tool_call_count(resp),
				         llmk_response_finish_reason(resp), llmk_response_text(resp));
			assert_string_equal(llmk_response_tool_call_name(resp, 0), "get_weather");
			assert_true(strlen(llmk_response_tool_call_id(resp, 0)) > 0);
			args = json_loads(llmk_response_tool_call_arguments(resp, 0), 0, NULL);
			if (!args || !json_is_string(json_object_get(args, "city")))
				fail_msg("%s: arguments %s", preset, llmk_response_tool_call_arguments(resp, 0));
			assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_TOOL_CALLS);
			json_decref(args);
		}
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
	if (!supported)
		skip_tool_calls = 1;
}

static void tool_call_presets(const char *preset)
{
	tool_call(preset);
}

/* The system message reaches the prompt: the server counts its tokens. (Two
 * system messages are compared: with none, SmolLM2's template puts in a
 * default one of its own.) */
static void system_message(const char *preset)
{
	llmk_client *c = client(preset);
	llmk_request *r0 = ask("Be brief.", "Say hello.", 8);
	llmk_request *r1 = ask("Be brief. You are a helpful assistant who always answers in very short sentences, "
	                       "without lists, without examples and without any greeting at all.",
	                       "Say hello.", 8);
	llmk_response *a = run(c, r0, 0), *b = run(c, r1, 1);
	int64_t d = llmk_response_usage(b, LLMK_USAGE_INPUT) - llmk_response_usage(a, LLMK_USAGE_INPUT);

	/* the longer system text has some 25 more tokens */
	if (d < 15 || d > 40)
		fail_msg("%s: %lld input tokens with the short system message, %lld with the long one", preset,
		         (long long)llmk_response_usage(a, LLMK_USAGE_INPUT),
		         (long long)llmk_response_usage(b, LLMK_USAGE_INPUT));
	llmk_response_free(a);
	llmk_response_free(b);
	llmk_request_free(r0);
	llmk_request_free(r1);
	llmk_client_free(c);
}

#define FOR_PRESETS(fn)                                                          \
	static void test_##fn(void **state)                                      \
	{                                                                        \
		size_t i;                                                        \
		(void)state;                                                     \
		for (i = 0; i < sizeof(oa_presets) / sizeof(oa_presets[0]); i++) \
			fn(oa_presets[i]);                                       \
	}
FOR_PRESETS(plain_and_streamed)
FOR_PRESETS(max_tokens)
FOR_PRESETS(stop_sequence)
FOR_PRESETS(seeded)
FOR_PRESETS(json_schema)
FOR_PRESETS(tool_call_presets)
FOR_PRESETS(system_message)

/* The Responses API (POST /v1/responses) on the same server through
 * llamacpp-responses/: plain and streamed, the limit (finish = length from
 * response.incomplete), a JSON schema (text.format), and a conversation
 * carried on by llmk_request_add_response(): the second turn sends the
 * first answer back as an output item and the server counts it. */
static void responses_multi_turn(void)
{
	llmk_client *c = client("llamacpp-responses");
	llmk_request *r = ask(NULL, "What is the capital of France? Answer in one word.", 16);
	llmk_response *a = run(c, r, 0), *b;
	int64_t in_a = llmk_response_usage(a, LLMK_USAGE_INPUT);

	if (!strstr(llmk_response_text(a), "Paris"))
		fail_msg("responses turn 1: %s", llmk_response_text(a));
	assert_int_equal(llmk_request_add_response(r, a), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "And of Italy? Answer in one word."), LLMK_OK);
	b = run(c, r, 1);
	if (!strstr(llmk_response_text(b), "Rome"))
		fail_msg("responses turn 2: %s", llmk_response_text(b));
	/* the first question, its answer and the second question went in */
	if (llmk_response_usage(b, LLMK_USAGE_INPUT) <= in_a + 5)
		fail_msg("responses turn 2 read %lld input tokens, turn 1 %lld: the history did not go back",
		         (long long)llmk_response_usage(b, LLMK_USAGE_INPUT), (long long)in_a);
	llmk_response_free(a);
	llmk_response_free(b);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* max_output_tokens is honoured: the server stops at N tokens. llama-server
 * b11434 then says status "completed" where OpenAI's API says "incomplete"
 * with incomplete_details.reason "max_output_tokens" (checked with curl;
 * docs/PROVIDERS.md): the library reports what the server said, and this
 * pins that, so a server that starts saying "incomplete" shows up here (the
 * adapter maps that to LLMK_FINISH_LENGTH: tests/api/test_responses.c). */
static void responses_limit(void)
{
	int stream;

	for (stream = 0; stream <= 1; stream++) {
		llmk_client *c = client("llamacpp-responses");
		llmk_request *r = ask(NULL, "Count from 1 to 100, separated by spaces.", 5);
		llmk_response *resp = run(c, r, stream);

		expect_usage(resp, 5);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 5);
		if (llmk_response_finish(resp) == LLMK_FINISH_LENGTH)
			fprintf(stderr, "NOTE: llama-server now reports a cut answer as incomplete: update "
			                "docs/PROVIDERS.md\n");
		else if (strcmp(llmk_response_finish_reason(resp), "completed"))
			fail_msg("responses%s: finish '%s'", stream ? " (stream)" : "",
			         llmk_response_finish_reason(resp));
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

static void test_responses_api(void **state)
{
	(void)state;
	plain_and_streamed("llamacpp-responses");
	responses_limit();
	json_schema("llamacpp-responses");
	responses_multi_turn();
}

static void test_tool_call(void **state)
{
	test_tool_call_presets(state);
	if (skip_tool_calls) {
		fprintf(stderr,
		        "SKIPPED the tool-call assertions: this server's chat template for the model has no tool-call "
		        "syntax (chat_template_caps.supports_tool_calls is false), so it answers in text; checked "
		        "instead that the library reports no tool calls and the text\n");
		skip();
	}
}

/* ---- Anthropic Messages through the server's /v1/messages -------------------- */

static void test_anthropic_plain_and_streamed(void **state)
{
	int stream;

	(void)state;
	for (stream = 0; stream <= 1; stream++) {
		llmk_client *c = client("anthropic");
		llmk_request *r = ask(NULL, "What is the capital of France? Answer in one word.", 16);
		llmk_response *resp = run(c, r, stream);

		if (!strstr(llmk_response_text(resp), "Paris"))
			fail_msg("anthropic%s: %s", stream ? " (stream)" : "", llmk_response_text(resp));
		assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
		assert_string_equal(llmk_response_finish_reason(resp), "end_turn");
		expect_usage(resp, 16);
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
}

static void test_anthropic_system(void **state)
{
	(void)state;
	system_message("anthropic");
}

static void test_anthropic_max_tokens(void **state)
{
	(void)state;
	max_tokens("anthropic");
}

static void test_anthropic_stop_sequence(void **state)
{
	(void)state;
	stop_sequence("anthropic");
}

/* ---- embeddings ----------------------------------------------------------------- */

static double cosine(const float *a, const float *b, size_t n)
{
	double ab = 0, aa = 0, bb = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		ab += (double)a[i] * b[i];
		aa += (double)a[i] * a[i];
		bb += (double)b[i] * b[i];
	}
	return ab / sqrt(aa * bb);
}

static llmk_response *embed(const char *preset, const char *const *texts, size_t n)
{
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	char model[64];
	size_t i;

	snprintf(model, sizeof(model), "%s/" MODEL "-embed", preset);
	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, embed_url), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, 120000), LLMK_OK);
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(llmk_request_add_input(r, texts[i]), LLMK_OK);
	expect_ok(llmk_send(c, r, &resp), resp);
	llmk_request_free(r);
	llmk_client_free(c);
	return resp;
}

static void test_embeddings(void **state)
{
	static const char *const texts[] = {
	        "The cat sat on the mat.",
	        "A cat was sitting on the mat.",
	        "Quarterly revenue grew by four percent in the third fiscal year.",
	};
	size_t p, i, dim;

	(void)state;
	for (p = 0; p < 2; p++) {
		const char *preset = p ? "openai" : "llamacpp";
		llmk_response *all = embed(preset, texts, 3), *one = embed(preset, texts + 2, 1);
		double near, far;

		assert_int_equal(llmk_response_embedding_count(all), 3);
		dim = llmk_response_embedding_dim(all);
		/* SmolLM2-135M's hidden size */
		assert_int_equal(dim, 576);
		assert_int_equal(llmk_response_embedding_dim(one), dim);
		for (i = 0; i < 3; i++)
			assert_non_null(llmk_response_embedding(all, i));
		near = cosine(llmk_response_embedding(all, 0), llmk_response_embedding(all, 1), dim);
		far = cosine(llmk_response_embedding(all, 0), llmk_response_embedding(all, 2), dim);
		if (!(near > far + 0.05))
			fail_msg("%s: cosine(cat, cat) %.4f is not above cosine(cat, revenue) %.4f", preset, near, far);
		/* the batch keeps the order of the inputs: its third vector is the
		 * vector of the third text alone */
		far = cosine(llmk_response_embedding(all, 2), llmk_response_embedding(one, 0), dim);
		if (far < 0.999)
			fail_msg("%s: the third vector of the batch differs from the text alone (cosine %.5f)", preset,
			         far);
		/* both presets ask for base64 (LLMK_Q_EMBED_BASE64) and llama-server
		 * answers it: the vectors came as strings, not number arrays */
		{
			size_t rlen;
			const char *raw = llmk_response_raw(all, &rlen);
			if (!raw || !strstr(raw, "\"embedding\":\""))
				fail_msg("%s: llama-server did not answer base64 embeddings", preset);
		}
		/* embeddings count input tokens only */
		assert_true(llmk_response_usage(all, LLMK_USAGE_INPUT) > llmk_response_usage(one, LLMK_USAGE_INPUT));
		assert_true(llmk_response_usage(one, LLMK_USAGE_INPUT) > 0);
		llmk_response_free(all);
		llmk_response_free(one);
	}
}

/* ---- a server killed mid-stream ---------------------------------------------- */

typedef struct victim {
	pid_t pid;
	int killed, events_after_kill, ntext;
} victim;

static int32_t kill_on_first_text(const llmk_event *e, void *user)
{
	victim *v = user;

	if (llmk_event_type(e) != LLMK_EVENT_TEXT)
		return 0;
	v->ntext++;
	if (v->killed) {
		v->events_after_kill++;
		return 0;
	}
	assert_int_equal(kill(v->pid, SIGKILL), 0);
	v->killed = 1;
	return 0;
}

/* Bytes reached the caller, then the connection broke: a transport error,
 * one attempt (a retry would repeat text the caller already has), and the
 * next request to the dead server is retried and fails to connect. */
static void test_killed_mid_stream(void **state)
{
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	victim v;
	llmk_status st;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.pid = (pid_t)atol(getenv("LLMK_REAL_VICTIM_PID"));
	assert_true(v.pid > 1);
	assert_int_equal(llmk_client_new(&c, "llamacpp/victim"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, victim_url), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 2), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, 60000), LLMK_OK);
	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Once upon a time"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 100000), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_SEED, 1), LLMK_OK);

	st = llmk_stream(c, r, kill_on_first_text, &v, &resp);
	assert_true(v.killed);
	if (st != LLMK_E_TRANSPORT)
		fail_msg("%s after the kill: %s", llmk_status_name(st), llmk_response_error(resp));
	assert_int_equal(llmk_response_status(resp), LLMK_E_TRANSPORT);
	assert_int_equal(llmk_response_attempts(resp), 1);
	assert_true(strlen(llmk_response_error(resp)) > 0);
	llmk_response_free(resp);

	/* nothing reached the caller this time: retried, then given up */
	st = llmk_send(c, r, &resp);
	assert_int_equal(st, LLMK_E_TRANSPORT);
	assert_int_equal(llmk_response_attempts(resp), 3);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* ---- which server this was --------------------------------------------------- */

/* docs/PROVIDERS.md names the llama.cpp build the presets were checked
 * against: it must be the build that answered here (the server reports it
 * in /props and in every answer's system_fingerprint, "b<build>-<commit>"). */
static void test_providers_md_names_this_server(void **state)
{
	const char *path = getenv("LLMK_REAL_PROVIDERS_MD"), *fp_text, *fp_raw;
	char needle[64], line[1024];
	json_t *props = server_props(chat_url), *raw;
	llmk_client *c = client("llamacpp");
	llmk_request *r = ask(NULL, "Hi", 2);
	llmk_response *resp = run(c, r, 0);
	size_t n, build_len;
	FILE *fp;
	int found = 0;

	(void)state;
	fp_text = json_string_value(json_object_get(props, "build_info"));
	assert_non_null(fp_text);
	build_len = strcspn(fp_text, "-");
	assert_true(build_len > 1 && fp_text[0] == 'b' && strcmp(fp_text, "b0-unknown"));
	fp_raw = llmk_response_raw(resp, &n);
	raw = json_loadb(fp_raw, n, 0, NULL);
	assert_non_null(raw);
	assert_string_equal(json_string_value(json_object_get(raw, "system_fingerprint")), fp_text);
	snprintf(needle, sizeof(needle), "llama.cpp %.*s", (int)build_len, fp_text);
	assert_non_null(path);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		found += strstr(line, needle) != NULL;
	fclose(fp);
	if (!found)
		fail_msg("%s does not name %s, the server the real-server suite ran against", path, needle);
	json_decref(raw);
	json_decref(props);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain_and_streamed),
	        cmocka_unit_test(test_max_tokens),
	        cmocka_unit_test(test_stop_sequence),
	        cmocka_unit_test(test_seeded),
	        cmocka_unit_test(test_json_schema),
	        cmocka_unit_test(test_tool_call),
	        cmocka_unit_test(test_system_message),
	        cmocka_unit_test(test_responses_api),
	        cmocka_unit_test(test_anthropic_plain_and_streamed),
	        cmocka_unit_test(test_anthropic_system),
	        cmocka_unit_test(test_anthropic_max_tokens),
	        cmocka_unit_test(test_anthropic_stop_sequence),
	        cmocka_unit_test(test_embeddings),
	        cmocka_unit_test(test_killed_mid_stream),
	        cmocka_unit_test(test_providers_md_names_this_server),
	};

	chat_url = getenv("LLMK_REAL_CHAT_URL");
	embed_url = getenv("LLMK_REAL_EMBED_URL");
	victim_url = getenv("LLMK_REAL_VICTIM_URL");
	if (!chat_url || !embed_url || !victim_url || !getenv("LLMK_REAL_VICTIM_PID")) {
		fprintf(stderr, "run me through tests/real/harness.sh chat,embed,victim\n");
		return 1;
	}
	/* Each preset reads its own variables, as a user's program would. */
	setenv("OPENAI_BASE_URL", chat_url, 1);
	setenv("OPENAI_API_KEY", DUMMY_KEY, 1);
	setenv("LLAMACPP_BASE_URL", chat_url, 1);
	setenv("OPENAI_COMPATIBLE_BASE_URL", chat_url, 1);
	setenv("ANTHROPIC_BASE_URL", chat_url, 1);
	setenv("ANTHROPIC_API_KEY", DUMMY_KEY, 1);
	unsetenv("LLAMACPP_API_KEY");
	unsetenv("OPENAI_COMPATIBLE_API_KEY");
	return cmocka_run_group_tests_name("real-server", tests, NULL, NULL);
}
