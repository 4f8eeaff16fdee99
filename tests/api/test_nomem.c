/* Allocation-failure injection: for each operation on the main paths, the
 * k-th allocation the library makes (its own, jansson's: everything behind
 * llmk_set_allocator()) fails, for k = 1, 2, ... until the operation gets
 * through without reaching k. Every run must
 *
 *  - return LLMK_E_NOMEM, or what the run without failures returned with
 *    the same result (text, tool calls, usage, vectors, events: nothing
 *    silently lost);
 *  - leave no allocation behind (counted here, in every build, not only
 *    under LeakSanitizer or valgrind);
 *  - not crash (ASan/UBSan and valgrind runs of this binary check reads and
 *    writes around the failure paths).
 *
 * Answers come from the provider fixtures in tests/data through the capture
 * transport, so no socket is involved and every allocation is the
 * library's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "llmkit.h"

#define MAX_K 200000 /* far above any operation here: a bound on a runaway loop */

/* ---- the failing allocator ------------------------------------------------ */

static long live;    /* blocks handed out and not freed */
static long count;   /* allocations since arming */
static long fail_at; /* 0: never fail */
static int failed;   /* the armed failure happened */

static int should_fail(void)
{
	if (fail_at && ++count == fail_at) {
		failed = 1;
		/* LLMK_NOMEM_TRACE=1: where each injected failure happened. */
		if (getenv("LLMK_NOMEM_TRACE")) {
			void *frames[24];
			int n = backtrace(frames, 24);
			fprintf(stderr, "--- failing allocation %ld:\n", count);
			backtrace_symbols_fd(frames, n, 2);
		}
		return 1;
	}
	return 0;
}

static void *t_malloc(size_t n)
{
	void *p;

	if (should_fail())
		return NULL;
	p = malloc(n);
	if (p)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

static void *t_realloc(void *old, size_t n)
{
	void *p;

	if (!old)
		return t_malloc(n);
	if (should_fail())
		return NULL;
	p = realloc(old, n);
	return p;
}

static void t_free(void *p)
{
	if (p) {
		__atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
		free(p);
	}
}

/* ---- what an operation produced ------------------------------------------- */

typedef struct result {
	char text[16384];
	size_t len;
} result;

static void put(result *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < sizeof(r->text) - r->len ? (size_t)n : sizeof(r->text) - r->len - 1;
}

/* Tool call ids are left out: some providers get ids made up at random. */
static void describe(result *out, const llmk_response *resp)
{
	size_t i, j;
	const float *v;

	put(out, "http %d finish %d text [%s] reasoning [%s] error [%s]\n", (int)llmk_response_http_status(resp),
	    (int)llmk_response_finish(resp), llmk_response_text(resp) ? llmk_response_text(resp) : "-",
	    llmk_response_reasoning(resp) ? llmk_response_reasoning(resp) : "-",
	    llmk_response_error(resp) ? llmk_response_error(resp) : "-");
	put(out, "refusal [%s]\n", llmk_response_refusal(resp));
	for (i = 0; i < llmk_response_tool_call_count(resp); i++)
		put(out, "tool %s %s\n", llmk_response_tool_call_name(resp, i),
		    llmk_response_tool_call_arguments(resp, i));
	for (i = LLMK_USAGE_INPUT; i <= LLMK_USAGE_CACHE_WRITE; i++)
		put(out, "u%zu=%lld ", i, (long long)llmk_response_usage(resp, (int32_t)i));
	/* images, audio, words, choices, log probabilities (issue 20) */
	{
		size_t alen = 0, ilen = 0;
		llmk_response_audio(resp, &alen);
		if (llmk_response_image_count(resp))
			llmk_response_image_data(resp, 0, &ilen);
		put(out, "audio %zu images %zu (%zu) words %zu choices %zu logprobs %zu segments %zu\n", alen,
		    llmk_response_image_count(resp), ilen, llmk_response_word_count(resp),
		    llmk_response_choice_count(resp), llmk_response_logprob_count(resp),
		    llmk_response_segment_count(resp));
	}
	for (i = 0; i < llmk_response_embedding_count(resp); i++) {
		v = llmk_response_embedding(resp, i);
		put(out, "\nvec %zu:", llmk_response_embedding_dim(resp));
		for (j = 0; v && j < llmk_response_embedding_dim(resp) && j < 4; j++)
			put(out, " %g", (double)v[j]);
	}
}

static int32_t on_event(const llmk_event *ev, void *user)
{
	result *r = user;

	size_t dlen;

	llmk_event_data(ev, &dlen);
	put(r, "ev%d[%.*s]%zu", (int)llmk_event_type(ev), (int)llmk_event_text_len(ev),
	    llmk_event_text(ev) ? llmk_event_text(ev) : "", dlen);
	return 0;
}

/* ---- the driver ------------------------------------------------------------- */

typedef llmk_status (*op_fn)(const void *arg, result *out);

static void run_op(const char *name, op_fn op, const void *arg)
{
	static result ref, got;
	llmk_status want, st;
	long k, base, nomem = 0, same = 0;

	/* Once to warm up whatever is set up on first use, once for reference. */
	memset(&ref, 0, sizeof(ref));
	(void)op(arg, &ref);
	memset(&ref, 0, sizeof(ref));
	base = live;
	want = op(arg, &ref);
	assert_int_equal(live, base);
	for (k = 1; k < MAX_K; k++) {
		memset(&got, 0, sizeof(got));
		count = 0;
		failed = 0;
		fail_at = k;
		st = op(arg, &got);
		fail_at = 0;
		if (live != base)
			fail_msg("%s: failing allocation %ld: %ld block(s) leaked (%s)", name, k, live - base,
			         llmk_status_name(st));
		if (!failed) {
			/* Reached the end without allocation k: done. */
			if (st != want || strcmp(got.text, ref.text))
				fail_msg("%s: the run without failures changed", name);
			break;
		}
		if (st == LLMK_E_NOMEM) {
			nomem++;
			continue;
		}
		if (st != want)
			fail_msg("%s: failing allocation %ld gave %s, not LLMK_E_NOMEM or %s\n  %s", name, k,
			         llmk_status_name(st), llmk_status_name(want), got.text);
		if (strcmp(got.text, ref.text))
			fail_msg(
			        "%s: failing allocation %ld returned %s with a different result:\n  want %s\n  got  %s",
			        name, k, llmk_status_name(st), ref.text, got.text);
		same++;
	}
	assert_true(k < MAX_K);
	print_message("[nomem] %-34s %5ld allocations: %ld LLMK_E_NOMEM, %ld absorbed\n", name, k - 1, nomem, same);
}

/* ---- operations ------------------------------------------------------------- */

static llmk_status op_client(const void *arg, result *out)
{
	llmk_client *c;
	llmk_status st;

	(void)arg;
	st = llmk_client_new(&c, "anthropic/claude-sonnet-4-5");
	if (st)
		return st;
	if ((st = llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-ant-nomem-0000000000")) ||
	    (st = llmk_client_set_str(c, LLMK_OPT_BASE_URL, "http://127.0.0.1:9/v1")) ||
	    (st = llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, 1000)) ||
	    (st = llmk_client_set_str(c, LLMK_OPT_MODEL, "claude-haiku-4-5")))
		goto done;
	put(out, "%s", llmk_client_errmsg(c));
done:
	llmk_client_free(c);
	return st;
}

static llmk_status build_chat(llmk_request **out, int tools)
{
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13};
	llmk_request *r;
	llmk_status st;

	st = llmk_request_new(&r, LLMK_CHAT);
	if (st)
		return st;
	if ((st = llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Be brief.")) ||
	    (st = llmk_request_add_message(r, LLMK_ROLE_USER, "What is in this image, and the weather?")) ||
	    (st = llmk_request_add_image_data(r, png, sizeof(png), "image/png")) ||
	    (st = llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, NULL)) ||
	    (st = llmk_request_add_tool_call(r, "call_1", "get_weather", "{\"city\":\"Paris\"}")) ||
	    (st = llmk_request_add_tool_result(r, "call_1", "{\"temp\":21}")) ||
	    (st = llmk_request_add_message(r, LLMK_ROLE_USER, "And tomorrow?")) ||
	    (st = llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 300)) ||
	    (st = llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.5)))
		goto fail;
	if (tools && (st = llmk_request_add_tool(r, "get_weather", "Weather for a city",
	                                         "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":"
	                                         "\"string\"}},\"required\":[\"city\"]}")))
		goto fail;
	*out = r;
	return LLMK_OK;
fail:
	llmk_request_free(r);
	return st;
}

static llmk_status op_request(const void *arg, result *out)
{
	llmk_request *r;
	llmk_status st;

	(void)arg;
	st = build_chat(&r, 1);
	if (st)
		return st;
	put(out, "built");
	llmk_request_free(r);
	return LLMK_OK;
}

/* An image edit (streamed with partial images), a transcription with
 * logprobs and word times, or speech streamed as SSE. */
static llmk_status build_media(llmk_request **out, int32_t kind)
{
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13};
	llmk_request *r;
	llmk_status st = llmk_request_new(&r, kind);

	if (st)
		return st;
	if (kind == LLMK_IMAGE)
		(void)((st = llmk_request_set_str(r, LLMK_OPT_PROMPT, "a hat")) ||
		       (st = llmk_request_add_image(r, png, sizeof(png), "image/png", "cat.png")) ||
		       (st = llmk_request_set_mask(r, png, sizeof(png))) ||
		       (st = llmk_request_set_i64(r, LLMK_OPT_PARTIAL_IMAGES, 2)) ||
		       (st = llmk_request_set_extra_json(r, "{\"quality\":\"low\",\"x\":{\"y\":[1,2]}}")));
	else if (kind == LLMK_TRANSCRIBE)
		(void)((st = llmk_request_set_audio(r, png, sizeof(png), "a.wav", NULL)) ||
		       (st = llmk_request_set_str(r, LLMK_OPT_TIMESTAMPS, "word,segment")) ||
		       (st = llmk_request_set_i64(r, LLMK_OPT_LOGPROBS, 1)));
	else
		(void)((st = llmk_request_set_str(r, LLMK_OPT_INPUT, "Hello")) ||
		       (st = llmk_request_set_str(r, LLMK_OPT_STREAM_FORMAT, "sse")));
	if (st) {
		llmk_request_free(r);
		return st;
	}
	*out = r;
	return LLMK_OK;
}

/* One exchange: a client for `model` answering with a fixture. */
#define COUNT 31 /* exchange_case.kind: llmk_count_tokens() of a chat request */
typedef struct exchange_case {
	const char *name;
	const char *model;
	int32_t kind;
	int stream;
	const char *fixture; /* tests/data/... */
	int http;
	const char *headers;
	int next; /* 1: then the answer is added to the request (llmk_request_add_response()) and the
	           * request is sent again: the next turn, its opaque parts included; 2 (chat): with
	           * n = 2 and logprobs */
} exchange_case;

static llmk_status op_exchange(const void *arg, result *out)
{
	const exchange_case *x = arg;
	static capture cap;
	static char *body;
	static size_t body_len;
	static const char *loaded;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	llmk_status st;

	if (loaded != x->fixture) {
		free(body);
		body = read_data(x->fixture, &body_len);
		assert_non_null(body);
		loaded = x->fixture;
	}
	st = llmk_client_new(&c, x->model);
	if (st)
		return st;
	memset(&cap, 0, sizeof(cap));
	capture_install(c, &cap);
	cap.status = x->http;
	cap.resp_headers = x->headers;
	cap.resp_body = body;
	cap.resp_len = body_len;
	cap.write_size = x->stream ? 61 : 0;     /* events split across writes */
	if (!strncmp(x->model, "bedrock/", 8)) { /* SigV4: the signer's allocations too */
		if ((st = llmk_client_set_str(c, LLMK_OPT_AWS_REGION, "us-east-1")) ||
		    (st = llmk_client_set_str(c, LLMK_OPT_AWS_ACCESS_KEY_ID, "AKIAIOSFODNN7EXAMPLE")) ||
		    (st = llmk_client_set_str(c, LLMK_OPT_AWS_SECRET_ACCESS_KEY,
		                              "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")) ||
		    (st = llmk_client_set_str(c, LLMK_OPT_AWS_SESSION_TOKEN, "nomem-session-token")) ||
		    (st = llmk_client_set_str(c, LLMK_OPT_BASE_URL, "https://bedrock.example.invalid")))
			goto done;
	} else if ((st = llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-nomem-0123456789abcdef"))) {
		goto done;
	}
	if (x->kind == LLMK_CHAT || x->kind == COUNT) {
		st = build_chat(&r, 1);
		if (!st && x->next == 2 && !(st = llmk_request_set_i64(r, LLMK_OPT_CHOICES, 2)))
			st = llmk_request_set_i64(r, LLMK_OPT_LOGPROBS, 1);
	} else if (x->kind == LLMK_RERANK) {
		static const char *const docs[] = {"a", "b", "c", "d", "e"};
		size_t i;
		if (!(st = llmk_request_new(&r, LLMK_RERANK)))
			st = llmk_request_set_str(r, LLMK_OPT_QUERY, "What is the capital of the United States?");
		for (i = 0; !st && i < 5; i++)
			st = llmk_request_add_input(r, docs[i]);
	} else if (x->kind == LLMK_MODERATE) {
		if (!(st = llmk_request_new(&r, LLMK_MODERATE)))
			st = llmk_request_add_input(r, "I want to kill them.");
	} else if (x->kind != LLMK_EMBED) {
		st = build_media(&r, x->kind);
	} else {
		if (!(st = llmk_request_new(&r, LLMK_EMBED)) && !(st = llmk_request_add_input(r, "first text")))
			st = llmk_request_add_input(r, "second text");
	}
	if (st)
		goto done;
	if (x->kind == COUNT) {
		int64_t n = -1;
		st = llmk_count_tokens(c, r, &n, &resp);
		put(out, "count %lld", (long long)n);
	} else {
		st = x->stream ? llmk_stream(c, r, on_event, out, &resp) : llmk_send(c, r, &resp);
	}
	if (resp) {
		size_t i;
		describe(out, resp);
		for (i = 0; i < llmk_response_rank_count(resp); i++)
			put(out, "rank %lld %.6f %s", (long long)llmk_response_rank_index(resp, i),
			    llmk_response_rank_score(resp, i), llmk_response_rank_document(resp, i));
		for (i = 0; i < llmk_response_moderation_count(resp); i++)
			put(out, "moderation %d %zu categories", (int)llmk_response_moderation_flagged(resp, i),
			    llmk_response_moderation_category_count(resp, i));
	}
	if (st == LLMK_OK && x->next == 1) {
		if ((st = llmk_request_add_response(r, resp)))
			goto done;
		llmk_response_free(resp);
		resp = NULL;
		st = x->stream ? llmk_stream(c, r, on_event, out, &resp) : llmk_send(c, r, &resp);
		/* what went out (every part of the turn) is part of the result */
		put(out, "next turn sent %zu bytes", cap.body_len);
		if (resp)
			describe(out, resp);
	}
done:
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	capture_reset(&cap);
	return st;
}

#define JSON "Content-Type: application/json\n"
#define SSE "Content-Type: text/event-stream\n"
#define NDJSON "Content-Type: application/x-ndjson\n"
#define EVS "Content-Type: application/vnd.amazon.eventstream\n"

static const exchange_case cases[] = {
        {"openai chat tools", "openai/gpt-4o-mini", LLMK_CHAT, 0, "openai/chat_tool_calls.json", 200, JSON},
        {"openai stream tools", "openai/gpt-4o-mini", LLMK_CHAT, 1, "openai/chat_stream_tools.sse", 200, SSE},
        {"openai stream", "openai/gpt-4o-mini", LLMK_CHAT, 1, "openai/chat_stream.sse", 200, SSE},
        {"openai stream error", "openai/gpt-4o-mini", LLMK_CHAT, 1, "openai/chat_stream_error.sse", 200, SSE},
        {"azure content filter", "azure/gpt-4o", LLMK_CHAT, 0, "azure/error_content_filter.json", 400, JSON},
        {"anthropic tool use", "anthropic/claude-sonnet-4-5", LLMK_CHAT, 0, "anthropic/message_tool_use.json", 200,
         JSON},
        {"anthropic stream tools", "anthropic/claude-sonnet-4-5", LLMK_CHAT, 1, "anthropic/stream_tools.sse", 200, SSE},
        {"anthropic 429", "anthropic/claude-sonnet-4-5", LLMK_CHAT, 0, "anthropic/error_429.json", 429,
         JSON "retry-after: 7\nrequest-id: req_1\n"},
        {"gemini tools", "gemini/gemini-2.5-flash", LLMK_CHAT, 0, "gemini/generate_content_tools.json", 200, JSON},
        {"gemini stream thinking", "gemini/gemini-2.5-flash", LLMK_CHAT, 1, "gemini/stream_thinking.sse", 200, SSE},
        {"gemini embed batch", "gemini/gemini-embedding-001", LLMK_EMBED, 0, "gemini/embed_batch.json", 200, JSON},
        {"ollama tools", "ollama/llama3.2", LLMK_CHAT, 0, "ollama/chat_tools.json", 200, JSON},
        {"ollama stream tools", "ollama/llama3.2", LLMK_CHAT, 1, "ollama/chat_stream_tools.ndjson", 200, NDJSON},
        {"cohere tool calls", "cohere/command-a-03-2025", LLMK_CHAT, 0, "cohere/chat_tool_calls.json", 200, JSON},
        {"cohere stream tools", "cohere/command-a-03-2025", LLMK_CHAT, 1, "cohere/chat_stream_tools.sse", 200, SSE},
        {"cohere embed", "cohere/embed-v4.0", LLMK_EMBED, 0, "cohere/embed.json", 200, JSON},
        {"tgi stream", "tgi/tgi", LLMK_CHAT, 1, "huggingface/tgi_chat_stream.sse", 200, SSE},
        {"tei embed", "tei/bge", LLMK_EMBED, 0, "huggingface/tei_embed.json", 200, JSON},
        {"bedrock converse tool use", "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", LLMK_CHAT, 0,
         "bedrock/converse_tool_use.json", 200, JSON},
        {"bedrock stream tools", "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", LLMK_CHAT, 1,
         "bedrock/stream_tools.bin", 200, EVS},
        {"bedrock stream exception", "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", LLMK_CHAT, 1,
         "bedrock/stream_throttlingException.bin", 200, EVS},
        {"anthropic next turn", "anthropic/claude-sonnet-4-5", LLMK_CHAT, 1, "anthropic/stream_tools.sse", 200, SSE, 1},
        {"gemini next turn", "gemini/gemini-3-pro-preview", LLMK_CHAT, 1, "gemini/stream_signed.sse", 200, SSE, 1},
        {"bedrock next turn", "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", LLMK_CHAT, 1,
         "bedrock/stream_reasoning_tools.bin", 200, EVS, 1},
        {"responses tools", "openai-responses/gpt-5", LLMK_CHAT, 0, "responses/response_tools.json", 200, JSON, 1},
        {"responses stream tools", "openai-responses/gpt-5", LLMK_CHAT, 1, "responses/stream_tools.sse", 200, SSE, 1},
        {"responses stream refusal", "openai-responses/gpt-5", LLMK_CHAT, 1, "responses/stream_refusal.sse", 200, SSE},
        {"bedrock embed cohere", "bedrock/cohere.embed-english-v3", LLMK_EMBED, 0, "bedrock/embed_cohere.json", 200,
         JSON},
        {"openai choices logprobs", "openai/gpt-4o-mini", LLMK_CHAT, 0, "openai/chat_choices_logprobs.json", 200, JSON,
         2},
        {"openai stream choices", "openai/gpt-4o-mini", LLMK_CHAT, 1, "openai/chat_stream_choices.sse", 200, SSE, 2},
        {"openai transcript stream", "openai/gpt-4o-mini-transcribe", LLMK_TRANSCRIBE, 1,
         "openai/transcription_stream.sse", 200, SSE},
        {"openai transcript words", "openai/whisper-1", LLMK_TRANSCRIBE, 0, "openai/transcription_words.json", 200,
         JSON},
        {"openai speech sse", "openai/gpt-4o-mini-tts", LLMK_SPEECH, 1, "openai/speech_stream.sse", 200, SSE},
        {"openai speech bytes", "openai/tts-1", LLMK_SPEECH, 1, "openai/speech_stream.bin", 200,
         "Content-Type: audio/mpeg\n"},
        {"openai image edit stream", "openai/gpt-image-1", LLMK_IMAGE, 1, "openai/image_stream.sse", 200, SSE},
        {"cohere rerank", "cohere/rerank-v3.5", LLMK_RERANK, 0, "kinds/cohere_rerank.json", 200, JSON},
        {"openai moderation", "openai/omni-moderation-latest", LLMK_MODERATE, 0, "kinds/openai_moderation_text.json",
         200, JSON},
        {"gemini count tokens", "gemini/gemini-2.5-flash", COUNT, 0, "kinds/gemini_count_tokens.json", 200, JSON},
        {"anthropic count tokens", "anthropic/claude-sonnet-4-5", COUNT, 0, "kinds/anthropic_count_tokens.json", 200,
         JSON},
        {"responses count tokens", "openai-responses/gpt-5", COUNT, 0, "kinds/openai_input_tokens.json", 200, JSON},
        {"tei rerank", "tei/bge-reranker-base", LLMK_RERANK, 0, "kinds/tei_rerank.json", 200, JSON},
        {"bedrock rerank", "bedrock/amazon.rerank-v1:0", LLMK_RERANK, 0, "kinds/bedrock_rerank.json", 200, JSON},
        {"bedrock count tokens", "bedrock/anthropic.claude-haiku-4-5-20251001-v1:0", COUNT, 0,
         "kinds/bedrock_count_tokens.json", 200, JSON},
        {"mistral moderation", "mistral/mistral-moderation-latest", LLMK_MODERATE, 0, "kinds/mistral_moderation.json",
         200, JSON},
};

/* Record one exchange to a cassette, then replay it on a new client. */
static llmk_status op_cassette(const void *arg, result *out)
{
	static const char *const answer =
	        "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
	        "\"assistant\",\"content\":\"recorded\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
	        "5,\"completion_tokens\":1,\"total_tokens\":6}}";
	const char *path = arg;
	static capture cap;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	llmk_status st;

	unlink(path);
	st = build_chat(&r, 0);
	if (st)
		return st;
	if ((st = llmk_client_new(&c, "openai/gpt-4o-mini")))
		goto done;
	memset(&cap, 0, sizeof(cap));
	capture_install(c, &cap);
	cap.resp_headers = JSON;
	cap.resp_body = answer;
	if ((st = llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-nomem-0123456789abcdef")) ||
	    (st = llmk_client_record(c, path)) || (st = llmk_send(c, r, &resp)))
		goto done;
	llmk_response_free(resp);
	resp = NULL;
	llmk_client_free(c);
	capture_reset(&cap);
	if ((st = llmk_client_new(&c, "openai/gpt-4o-mini")) ||
	    (st = llmk_client_set_str(c, LLMK_OPT_API_KEY, "x-replay")))
		goto done;
	if ((st = llmk_client_replay(c, path)))
		goto done;
	st = llmk_send(c, r, &resp);
	if (resp)
		describe(out, resp);
done:
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	capture_reset(&cap);
	unlink(path);
	return st;
}

/* The response cache: a streamed answer stored in a memory store, then
 * replayed to a stream and to a send. A failure in the cache (no memory to
 * build a key, keep a value or read it back) must cost nothing but the
 * cache: the same answers and events, or LLMK_E_NOMEM. */
static llmk_status op_cache(const void *arg, result *out)
{
	static capture cap;
	static char *body;
	static size_t body_len;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	llmk_store *store = NULL;
	llmk_status st;
	int i;

	(void)arg;
	if (!body) {
		body = read_data("openai/chat_stream_tools.sse", &body_len);
		assert_non_null(body);
	}
	if ((st = llmk_store_new_memory(1 << 20, &store)))
		return st;
	if ((st = llmk_client_new(&c, "openai/gpt-4o-mini")))
		goto done;
	memset(&cap, 0, sizeof(cap));
	capture_install(c, &cap);
	cap.resp_headers = SSE;
	cap.resp_body = body;
	cap.resp_len = body_len;
	cap.write_size = 61;
	if ((st = llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-nomem-0123456789abcdef")) ||
	    (st = llmk_client_set_cache(c, store)) || (st = build_chat(&r, 1)))
		goto done;
	for (i = 0; i < 3; i++) {
		st = i < 2 ? llmk_stream(c, r, on_event, out, &resp) : llmk_send(c, r, &resp);
		if (resp)
			describe(out, resp);
		llmk_response_free(resp);
		resp = NULL;
		if (st)
			goto done;
		put(out, "\n");
	}
done:
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	llmk_store_free(store);
	capture_reset(&cap);
	return st;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_client(void **state)
{
	(void)state;
	run_op("client new/set/free", op_client, NULL);
}

static void test_request(void **state)
{
	(void)state;
	run_op("request building", op_request, NULL);
}

static void test_exchanges(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_op(cases[i].name, op_exchange, &cases[i]);
}

static void test_cache(void **state)
{
	llmk_store *s = NULL;

	(void)state;
	if (llmk_store_new_memory(1024, &s) == LLMK_E_UNSUPPORTED)
		skip(); /* a build without the response cache */
	llmk_store_free(s);
	run_op("response cache: store, replay, send", op_cache, NULL);
}

static void test_cassette(void **state)
{
	char path[64];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/llmk-nomem-%ld.jsonl", (long)getpid());
	run_op("cassette record + replay", op_cassette, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_client),   cmocka_unit_test(test_request), cmocka_unit_test(test_exchanges),
	        cmocka_unit_test(test_cassette), cmocka_unit_test(test_cache),
	};

	/* Before anything else in the library: the allocator is process-wide. */
	if (llmk_set_allocator(t_malloc, t_realloc, t_free) != LLMK_OK) {
		fprintf(stderr, "llmk_set_allocator failed\n");
		return 1;
	}
	if (llmk_global_init() != LLMK_OK) {
		fprintf(stderr, "llmk_global_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
