#define _POSIX_C_SOURCE 200809L
/* The same request through every provider gives the same normalised result.
 *
 * For each built-in provider that serves chat (then embed), a loopback HTTP
 * server answers in that provider's wire format (tests/data/same/) and the
 * test checks text, finish, usage and events — plain and streamed — are
 * identical everywhere. The provider list comes from the library itself, so
 * a provider added later without a wire-format answer here fails the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "httpd.h"
#include "llmkit.h"

#define KEY "same-test-key-0123456789abcdef"
#define ANSWER "Paris is the capital of France."

typedef struct wire {
	const char *chat, *stream, *stream_type, *embed;
	const char *embed_model; /* NULL: "same-model" */
} wire;

static const wire openai = {"same/openai_chat.json", "same/openai_stream.sse", "text/event-stream",
                            "same/openai_embed.json"};
static const wire anthropic = {"same/anthropic_chat.json", "same/anthropic_stream.sse", "text/event-stream", NULL};
static const wire gemini = {"same/gemini_chat.json", "same/gemini_stream.sse", "text/event-stream",
                            "same/gemini_embed.json"};
static const wire ollama = {"same/ollama_chat.json", "same/ollama_stream.ndjson", "application/x-ndjson",
                            "same/ollama_embed.json"};
static const wire cohere = {"same/cohere_chat.json", "same/cohere_stream.sse", "text/event-stream",
                            "same/cohere_embed.json"};
/* Hugging Face: chat through the OpenAI-compatible router/TGI, vectors bare. */
static const wire hf = {"same/openai_chat.json", "same/openai_stream.sse", "text/event-stream", "same/bare_embed.json"};
/* Bedrock: Converse, ConverseStream (binary event stream); embeddings by
 * model family, so the embed request names a Cohere model. */
/* The Responses API (openai-responses/ and its presets). */
static const wire responses = {"same/responses_chat.json", "same/responses_stream.sse", "text/event-stream", NULL};
static const wire bedrock = {"same/bedrock_chat.json", "same/bedrock_stream.bin", "application/vnd.amazon.eventstream",
                             "same/bedrock_embed.json", "cohere.embed-english-v3"};

/* Providers with their own wire format; every other one is a preset of
 * the OpenAI format (or, named "-responses", of the Responses API). */
static const wire *wire_for(const char *provider)
{
	size_t n = strlen(provider);
	static const struct {
		const char *name;
		const wire *w;
	} own[] = {
	        {"anthropic", &anthropic}, {"gemini", &gemini}, {"ollama", &ollama}, {"cohere", &cohere},
	        {"huggingface", &hf},      {"tgi", &hf},        {"tei", &hf},        {"bedrock", &bedrock},
	};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcmp(own[i].name, provider))
			return own[i].w;
	if (n > 10 && !strcmp(provider + n - 10, "-responses"))
		return &responses;
	return &openai;
}

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

static llmk_client *client_for(const char *provider, const char *model_name)
{
	char model[128];
	llmk_client *c;

	snprintf(model, sizeof(model), "%s/%s", provider, model_name ? model_name : "same-model");
	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
	return c;
}

static void push(const char *file, const char *type)
{
	char headers[128];
	th_response rsp;
	size_t len;
	char *body = read_data(file, &len);

	assert_non_null(body);
	snprintf(headers, sizeof(headers), "Content-Type: %s\r\n", type);
	memset(&rsp, 0, sizeof(rsp));
	rsp.status = 200;
	rsp.headers = headers;
	rsp.body = body;
	rsp.body_len = len;
	rsp.chunked = 1;
	rsp.write_size = 13; /* events cut across writes */
	th_push(srv, &rsp);
	free(body);
}

/* The key went out in some header (each provider has its own). */
static void assert_key_sent(const char *provider)
{
	const th_request *rq = th_request_at(srv, th_request_count(srv) - 1);
	size_t i;

	assert_non_null(rq);
	for (i = 0; i < rq->nheaders; i++)
		if (strstr(rq->headers[i].value, KEY))
			return;
	fail_msg("%s: the API key was not sent in any header", provider);
}

typedef struct events {
	char text[256];
	int ntext, ndone, nusage;
	int64_t in, out;
} events;

static int32_t on_event(const llmk_event *ev, void *user)
{
	events *e = user;

	switch (llmk_event_type(ev)) {
	case LLMK_EVENT_TEXT:
		e->ntext++;
		strncat(e->text, llmk_event_text(ev), sizeof(e->text) - strlen(e->text) - 1);
		break;
	case LLMK_EVENT_USAGE: e->nusage++; break;
	case LLMK_EVENT_DONE:
		e->ndone++;
		e->in = llmk_event_usage(ev, LLMK_USAGE_INPUT);
		e->out = llmk_event_usage(ev, LLMK_USAGE_OUTPUT);
		break;
	default: break;
	}
	return 0;
}

static void assert_answer(const char *provider, const llmk_response *resp)
{
	if (llmk_response_status(resp) != LLMK_OK)
		fail_msg("%s: %s", provider, llmk_response_error(resp));
	if (strcmp(llmk_response_text(resp), ANSWER))
		fail_msg("%s: text \"%s\"", provider, llmk_response_text(resp));
	if (llmk_response_finish(resp) != LLMK_FINISH_STOP)
		fail_msg("%s: finish %d (%s)", provider, (int)llmk_response_finish(resp),
		         llmk_response_finish_reason(resp));
	if (llmk_response_usage(resp, LLMK_USAGE_INPUT) != 12 || llmk_response_usage(resp, LLMK_USAGE_OUTPUT) != 8 ||
	    llmk_response_usage(resp, LLMK_USAGE_TOTAL) != 20)
		fail_msg("%s: usage %lld/%lld/%lld", provider, (long long)llmk_response_usage(resp, LLMK_USAGE_INPUT),
		         (long long)llmk_response_usage(resp, LLMK_USAGE_OUTPUT),
		         (long long)llmk_response_usage(resp, LLMK_USAGE_TOTAL));
	if (llmk_response_tool_call_count(resp))
		fail_msg("%s: unexpected tool calls", provider);
}

static void test_same_chat_everywhere(void **state)
{
	size_t i, n = llmk_provider_count(), tried = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		const char *p = llmk_provider_name(i);
		const wire *w = wire_for(p);
		llmk_client *c;
		llmk_request *r;
		llmk_response *resp;
		events ev;

		if (!(llmk_provider_capabilities(p, LLMK_CHAT) & LLMK_CAP_KIND))
			continue;
		tried++;
		c = client_for(p, NULL);
		assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
		llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Answer in one sentence.");
		llmk_request_add_message(r, LLMK_ROLE_USER, "What is the capital of France?");
		llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 50);
		llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.2);

		push(w->chat, "application/json");
		llmk_send(c, r, &resp);
		assert_answer(p, resp);
		assert_key_sent(p);
		llmk_response_free(resp);

		if (llmk_provider_capabilities(p, LLMK_CHAT) & LLMK_CAP_STREAM) {
			push(w->stream, w->stream_type);
			memset(&ev, 0, sizeof(ev));
			llmk_stream(c, r, on_event, &ev, &resp);
			assert_answer(p, resp);
			if (strcmp(ev.text, ANSWER) || ev.ntext < 2 || ev.ndone != 1 || ev.nusage < 1 || ev.in != 12 ||
			    ev.out != 8)
				fail_msg("%s: stream events text \"%s\" (%d pieces), done %d, usage events %d, "
				         "%lld/%lld",
				         p, ev.text, ev.ntext, ev.ndone, ev.nusage, (long long)ev.in,
				         (long long)ev.out);
			llmk_response_free(resp);
		}
		llmk_request_free(r);
		llmk_client_free(c);
	}
	assert_true(tried >= 20);             /* every hosted service and local server */
	assert_int_equal(th_pending(srv), 0); /* every answer was asked for */
}

static void test_same_embeddings_everywhere(void **state)
{
	static const float want[2][3] = {{0.25f, -0.5f, 1.0f}, {0.5f, 0.75f, -1.0f}};
	size_t i, n = llmk_provider_count(), tried = 0, k;

	(void)state;
	for (i = 0; i < n; i++) {
		const char *p = llmk_provider_name(i);
		const wire *w = wire_for(p);
		llmk_client *c;
		llmk_request *r;
		llmk_response *resp;

		if (!(llmk_provider_capabilities(p, LLMK_EMBED) & LLMK_CAP_KIND))
			continue;
		if (!w->embed)
			fail_msg("%s serves embeddings but the test has no answer in its wire format", p);
		tried++;
		c = client_for(p, w->embed_model);
		assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
		llmk_request_add_input(r, "first");
		llmk_request_add_input(r, "second");
		push(w->embed, "application/json");
		llmk_send(c, r, &resp);
		if (llmk_response_status(resp) != LLMK_OK)
			fail_msg("%s: %s", p, llmk_response_error(resp));
		assert_key_sent(p);
		if (llmk_response_embedding_count(resp) != 2 || llmk_response_embedding_dim(resp) != 3)
			fail_msg("%s: %zu vectors of %zu", p, llmk_response_embedding_count(resp),
			         llmk_response_embedding_dim(resp));
		for (k = 0; k < 3; k++)
			if (llmk_response_embedding(resp, 0)[k] != want[0][k] ||
			    llmk_response_embedding(resp, 1)[k] != want[1][k])
				fail_msg("%s: vector values differ at %zu", p, k);
		/* Input tokens where the provider reports them, and then the same. */
		if (llmk_response_usage(resp, LLMK_USAGE_INPUT) != -1 &&
		    llmk_response_usage(resp, LLMK_USAGE_INPUT) != 6)
			fail_msg("%s: input tokens %lld", p, (long long)llmk_response_usage(resp, LLMK_USAGE_INPUT));
		llmk_response_free(resp);
		llmk_request_free(r);
		llmk_client_free(c);
	}
	assert_true(tried >= 12);
	assert_int_equal(th_pending(srv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_same_chat_everywhere),
	        cmocka_unit_test(test_same_embeddings_everywhere),
	};

	setenv("NO_PROXY", "127.0.0.1", 1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
