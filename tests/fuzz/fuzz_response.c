/* libFuzzer target: response parsing of every built-in provider, through
 * the public API only (include/llmkit.h).
 *
 * A test transport answers every request with the fuzz input. Byte 0
 * chooses the answer (see answer_for()): bits 0-2 the kind of answer (200
 * with a JSON, SSE, NDJSON, plain-text, audio or no content type; an HTTP error
 * with a JSON or text body), bits 3-7 the HTTP error status, or for 2xx
 * answers the size of the transport's writes (0: one write). The rest is
 * the body.
 *
 * For each provider (llmk_provider_count()/llmk_provider_name()) and each
 * kind it serves (llmk_provider_capabilities()) a minimal valid request is
 * sent with llmk_send() and with llmk_stream(), with the media parameters
 * the provider takes (word timestamps and logprobs, speech streamed as SSE,
 * n = 2 with logprobs, partial images), plus an image edit (an input image
 * and a prompt) where the provider edits images, and for each provider that
 * counts tokens (LLMK_CAP_COUNT_TOKENS) a chat request with
 * llmk_count_tokens(). Any status is fine; crashes,
 * sanitizer reports, leaks, hangs and inconsistent accessors are findings.
 * Clients and requests are built once, in LLVMFuzzerInitialize, and small
 * limits keep one execution short. */
#include <string.h>

#include "fuzz.h"
#include "llmkit.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

#define MAX_RESPONSE 6000 /* below -max_len, so the limit is reached too */
#define MAX_LINE 1024
#define MAX_TARGETS 256

/* What the transport answers with (one per execution). */
typedef struct answer {
	int32_t status;
	const char *content_type; /* NULL: no Content-Type header */
	size_t write_size;        /* 0: the body in one write */
	const uint8_t *body;
	size_t len;
	int calls;         /* transport calls since the last reset */
	int write_refused; /* llmk_exchange_write asked to stop */
} answer;

typedef struct target {
	const char *provider;
	int32_t kind;
	int edit; /* an image request with an input image */
	int64_t caps;
	int count; /* sent with llmk_count_tokens() */
	llmk_client *client;
	llmk_request *request;
} target;

static answer ans;
static target targets[MAX_TARGETS];
static size_t ntargets;
static const target *cur; /* for the report when a check fails */
static const char *cur_call;

#define CHECK(cond)                                                                                                 \
	do {                                                                                                        \
		if (!(cond) && cur)                                                                                 \
			fprintf(stderr, "fuzz_response: %s, kind %d, %s, HTTP %d\n", cur->provider, (int)cur->kind, \
			        cur_call, (int)ans.status);                                                         \
		FUZZ_CHECK(cond);                                                                                   \
	} while (0)

static int32_t fuzz_send(llmk_exchange *ex, void *user)
{
	answer *a = user;
	size_t off, n;

	a->calls++;
	CHECK(llmk_exchange_method(ex) != NULL && llmk_exchange_url(ex) != NULL);
	if (llmk_exchange_set_status(ex, a->status))
		return LLMK_E_CANCELLED;
	if (a->content_type && llmk_exchange_add_header(ex, "Content-Type", a->content_type))
		return LLMK_E_CANCELLED;
	if (llmk_exchange_add_header(ex, "x-request-id", "req-fuzz"))
		return LLMK_E_CANCELLED;
	for (off = 0; off < a->len; off += n) {
		n = a->write_size && a->write_size < a->len - off ? a->write_size : a->len - off;
		if (llmk_exchange_write(ex, a->body + off, n)) {
			a->write_refused = 1;
			return LLMK_E_CANCELLED;
		}
	}
	return LLMK_OK;
}

static void answer_for(answer *a, const uint8_t *data, size_t size)
{
	static const int32_t errors[] = {400, 401, 402, 403, 404, 408, 409, 413,
	                                 422, 424, 429, 499, 500, 502, 503, 529};
	unsigned sel = data[0] & 7, arg = data[0] >> 3;

	memset(a, 0, sizeof *a);
	a->status = 200;
	a->write_size = arg;
	switch (sel) {
	case 0: a->content_type = "application/json"; break;
	case 1: a->content_type = "text/event-stream; charset=utf-8"; break;
	case 2: a->content_type = "application/x-ndjson"; break;
	case 3: a->content_type = "text/plain; charset=utf-8"; break;
	case 4: /* no content type, or audio (speech streamed as bytes) */
		a->content_type = arg & 16 ? "audio/mpeg" : NULL;
		a->write_size = arg & 15;
		break;
	case 5: /* 4xx/5xx with a JSON body */
	case 6: /* the same, as an HTML/text error page */
		a->status = errors[arg % (sizeof errors / sizeof errors[0])];
		a->content_type = sel == 5 ? "application/json" : "text/html";
		a->write_size = 0;
		break;
	default: /* 2xx other than 200 */
		a->status = arg & 1 ? 201 : 204;
		a->content_type = "application/json";
		a->write_size = arg >> 1;
		break;
	}
	a->body = data + 1;
	a->len = size - 1;
}

/* ---- checking a response ------------------------------------------------ */

static size_t check_str(const char *s)
{
	CHECK(s != NULL);
	return strlen(s);
}

static void check_bytes(const uint8_t *p, size_t len)
{
	volatile uint8_t sink = 0;
	size_t i;

	CHECK(p != NULL || len == 0);
	for (i = 0; i < len; i++)
		sink ^= p[i];
	(void)sink;
}

static void check_response(const target *t, const llmk_response *r, int32_t st, int streamed)
{
	size_t i, n, dim, len;
	const char *raw;
	int32_t which;

	CHECK(r != NULL);
	CHECK(llmk_response_status(r) == st);
	/* "" on success, the detail on failure */
	len = check_str(llmk_response_error(r));
	CHECK(st == LLMK_OK ? len == 0 : len > 0);
	check_str(llmk_response_error_type(r));
	check_str(llmk_response_error_code(r));
	check_str(llmk_response_request_id(r));
	check_str(llmk_response_model(r));
	check_str(llmk_response_text(r));
	check_str(llmk_response_reasoning(r));
	check_str(llmk_response_finish_reason(r));
	check_str(llmk_response_dropped(r));
	check_str(llmk_response_audio_mime(r));
	CHECK(llmk_response_finish(r) >= LLMK_FINISH_UNKNOWN && llmk_response_finish(r) <= LLMK_FINISH_REFUSAL);
	CHECK(llmk_response_attempts(r) == 1);
	CHECK(llmk_response_retry_after_ms(r) >= -1);
	for (which = LLMK_USAGE_INPUT; which <= LLMK_USAGE_CACHE_WRITE_1H; which++)
		CHECK(llmk_response_usage(r, which) >= -1);

	/* The transport answered (the request was valid; see Initialize). */
	CHECK(ans.calls == 1);
	CHECK(llmk_response_http_status(r) == ans.status);
	if (ans.content_type)
		CHECK(llmk_response_header(r, "content-type") != NULL &&
		      !strcmp(llmk_response_header(r, "content-type"), ans.content_type));
	else
		CHECK(llmk_response_header(r, "content-type") == NULL);

	/* The raw body is what was written, up to the limit. */
	raw = llmk_response_raw(r, &len);
	CHECK(raw != NULL && raw[len] == '\0');
	CHECK(len <= MAX_RESPONSE && len <= ans.len);
	CHECK(!len || !memcmp(raw, ans.body, len));
	if (ans.len <= MAX_RESPONSE && !ans.write_refused)
		CHECK(len == ans.len);
	if (ans.len > MAX_RESPONSE) /* the limit, or an earlier failure inside the body */
		CHECK(st != LLMK_OK);

	n = llmk_response_tool_call_count(r);
	for (i = 0; i < n; i++) {
		check_str(llmk_response_tool_call_id(r, i));
		check_str(llmk_response_tool_call_name(r, i));
		check_str(llmk_response_tool_call_arguments(r, i));
	}
	CHECK(llmk_response_tool_call_id(r, n) == NULL);
	CHECK(llmk_response_tool_call_name(r, n) == NULL);
	CHECK(llmk_response_tool_call_arguments(r, n) == NULL);

	n = llmk_response_embedding_count(r);
	dim = llmk_response_embedding_dim(r);
	for (i = 0; i < n; i++) {
		const float *v = llmk_response_embedding(r, i);
		CHECK(v != NULL || dim == 0);
		check_bytes((const uint8_t *)v, dim * sizeof(float));
	}
	CHECK(llmk_response_embedding(r, n) == NULL);

	n = llmk_response_image_count(r);
	for (i = 0; i < n; i++) {
		const uint8_t *img = llmk_response_image_data(r, i, &len);
		const char *url = llmk_response_image_url(r, i);
		check_bytes(img, img ? len : 0);
		CHECK(img != NULL || len == 0);
		if (url)
			check_str(url);
		if (llmk_response_image_revised_prompt(r, i))
			check_str(llmk_response_image_revised_prompt(r, i));
	}
	CHECK(llmk_response_image_data(r, n, &len) == NULL && len == 0);
	CHECK(llmk_response_image_url(r, n) == NULL);

	{
		const uint8_t *audio = llmk_response_audio(r, &len);
		CHECK(audio != NULL || len == 0);
		check_bytes(audio, len);
	}

	(void)llmk_response_duration(r);
	n = llmk_response_segment_count(r);
	for (i = 0; i < n; i++) {
		(void)llmk_response_segment_start(r, i);
		(void)llmk_response_segment_end(r, i);
		check_str(llmk_response_segment_text(r, i));
	}
	CHECK(llmk_response_segment_text(r, n) == NULL);
	CHECK(llmk_response_segment_start(r, n) == -1 && llmk_response_segment_end(r, n) == -1);

	n = llmk_response_word_count(r);
	for (i = 0; i < n; i++)
		check_str(llmk_response_word_text(r, i));
	CHECK(llmk_response_word_text(r, n) == NULL && llmk_response_word_end(r, n) == -1);
	n = llmk_response_choice_count(r);
	for (i = 0; i < n; i++) {
		check_str(llmk_response_choice_text(r, i));
		check_str(llmk_response_choice_finish_reason(r, i));
	}
	CHECK(n < 129);
	CHECK(llmk_response_choice_text(r, n) == NULL && llmk_response_choice_finish_reason(r, n) == NULL);
	CHECK(n == 0 || !strcmp(llmk_response_choice_text(r, 0), llmk_response_text(r)));
	n = llmk_response_logprob_count(r);
	for (i = 0; i < n; i++) {
		size_t j, m = llmk_response_top_logprob_count(r, i);
		check_str(llmk_response_logprob_token(r, i));
		CHECK(m <= 20);
		for (j = 0; j < m; j++)
			check_str(llmk_response_top_logprob_token(r, i, j));
		CHECK(llmk_response_top_logprob_token(r, i, m) == NULL);
	}
	CHECK(llmk_response_logprob_token(r, n) == NULL && llmk_response_top_logprob_count(r, n) == 0);
	/* Rerank: each document at most once, at an index the request has,
	 * finite scores, most relevant first, with its text; nothing on a
	 * failure. */
	n = llmk_response_rank_count(r);
	CHECK((st == LLMK_OK && t->kind == LLMK_RERANK) || n == 0);
	CHECK(n <= llmk_request_input_count(t->request));
	for (i = 0; i < n; i++) {
		int64_t idx = llmk_response_rank_index(r, i);
		double s = llmk_response_rank_score(r, i);
		size_t j;
		CHECK(idx >= 0 && (size_t)idx < llmk_request_input_count(t->request));
		CHECK(s == s && s - s == 0); /* finite */
		CHECK(i == 0 || llmk_response_rank_score(r, i - 1) >= s);
		for (j = 0; j < i; j++)
			CHECK(llmk_response_rank_index(r, j) != idx);
		CHECK(!strcmp(llmk_response_rank_document(r, i), llmk_request_input(t->request, (size_t)idx)));
	}
	CHECK(llmk_response_rank_index(r, n) == -1 && llmk_response_rank_document(r, n) == NULL);
	/* Moderation: one result per input, flags 0/1 (-1: not reported),
	 * scores finite or NaN. */
	n = llmk_response_moderation_count(r);
	CHECK(st == LLMK_OK && t->kind == LLMK_MODERATE ? n == llmk_request_input_count(t->request) : n == 0);
	for (i = 0; i < n; i++) {
		size_t j, nc = llmk_response_moderation_category_count(r, i);
		int32_t f = llmk_response_moderation_flagged(r, i);
		CHECK(f == 0 || f == 1);
		for (j = 0; j < nc; j++) {
			const char *name = llmk_response_moderation_category_name(r, i, j);
			double s = llmk_response_moderation_category_score(r, i, NULL, j);
			int32_t cf = llmk_response_moderation_category_flagged(r, i, NULL, j);
			check_str(name);
			CHECK(cf >= -1 && cf <= 1);
			CHECK(s != s || s - s == 0);
			if (llmk_response_moderation_category_inputs(r, i, NULL, j))
				check_str(llmk_response_moderation_category_inputs(r, i, NULL, j));
			/* by name finds a category of that name */
			CHECK(llmk_response_moderation_category_flagged(r, i, name, 0) >= -1);
		}
		CHECK(llmk_response_moderation_category_name(r, i, nc) == NULL);
	}
	CHECK(llmk_response_moderation_flagged(r, n) == -1);

	for (which = LLMK_TIMING_TOTAL_MS; which <= LLMK_TIMING_FIRST_TOKEN_MS; which++)
		CHECK(llmk_response_timing(r, which) >= -1);
	(void)t;
	(void)streamed;
}

/* ---- streaming ---------------------------------------------------------- */

typedef struct events {
	size_t n, done, media;
	int after_done; /* an event came after DONE */
	char text[MAX_RESPONSE + 1];
	size_t text_len; /* TEXT fragments joined (only when they fit) */
	int text_nul;    /* a fragment held a NUL byte */
	int text_overflow;
} events;

static int32_t on_event(const llmk_event *ev, void *user)
{
	events *e = user;
	int32_t type = llmk_event_type(ev);
	const char *text = llmk_event_text(ev);
	size_t len = llmk_event_text_len(ev);
	int32_t which;

	e->n++;
	if (e->done)
		e->after_done = 1;
	CHECK(type >= LLMK_EVENT_TEXT && type <= LLMK_EVENT_IMAGE);
	CHECK(text != NULL && text[len] == '\0');
	check_bytes((const uint8_t *)text, len);
	{
		size_t dlen = 1;
		const uint8_t *d = llmk_event_data(ev, &dlen);
		if (type == LLMK_EVENT_AUDIO || type == LLMK_EVENT_IMAGE_PARTIAL || type == LLMK_EVENT_IMAGE) {
			CHECK(d != NULL || dlen == 0);
			check_bytes(d, dlen);
			CHECK(len == 0);
			e->media++;
		} else {
			CHECK(d == NULL && dlen == 0);
		}
		CHECK(type == LLMK_EVENT_IMAGE ? llmk_event_index(ev) >= 0
		                               : type == LLMK_EVENT_IMAGE_PARTIAL || llmk_event_index(ev) == -1);
	}
	if (type == LLMK_EVENT_TOOL_CALL) {
		CHECK(llmk_event_tool_index(ev) >= 0);
		check_str(llmk_event_tool_id(ev));
		check_str(llmk_event_tool_name(ev));
	} else {
		CHECK(llmk_event_tool_index(ev) == -1);
	}
	if (type == LLMK_EVENT_USAGE || type == LLMK_EVENT_DONE)
		for (which = LLMK_USAGE_INPUT; which <= LLMK_USAGE_CACHE_WRITE_1H; which++)
			CHECK(llmk_event_usage(ev, which) >= -1);
	if (type == LLMK_EVENT_DONE)
		e->done++;
	if (type == LLMK_EVENT_TEXT) {
		if (memchr(text, '\0', len))
			e->text_nul = 1;
		if (len > sizeof e->text - 1 - e->text_len) {
			e->text_overflow = 1;
		} else {
			memcpy(e->text + e->text_len, text, len);
			e->text_len += len;
		}
	}
	return 0;
}

static void check_stream(const target *t, const llmk_response *r, int32_t st, events *e)
{
	CHECK(e->done <= 1 && !e->after_done);
	/* Kinds that do not stream there are sent as by llmk_send() and deliver
	 * one DONE event; media events come only for media kinds. */
	if (t->kind != LLMK_CHAT && !(t->caps & LLMK_CAP_STREAM))
		CHECK(e->n == e->done);
	if (t->kind == LLMK_CHAT || t->kind == LLMK_EMBED)
		CHECK(e->media == 0);
	if (st == LLMK_OK) {
		CHECK(e->done == 1);
		/* The response holds what the events delivered. */
		if (t->kind == LLMK_CHAT && !e->text_nul && !e->text_overflow) {
			e->text[e->text_len] = '\0';
			CHECK(!strcmp(e->text, llmk_response_text(r)));
		}
	}
}

/* ---- setup -------------------------------------------------------------- */

static void set_or_die(llmk_status st)
{
	FUZZ_CHECK(st == LLMK_OK);
}

/* Sets an option when the provider honours it. */
static void maybe_str(llmk_request *r, const char *provider, int32_t opt, const char *v)
{
	if (llmk_provider_supports_option(provider, opt) == 1)
		set_or_die(llmk_request_set_str(r, opt, v));
}

static void maybe_i64(llmk_request *r, const char *provider, int32_t opt, int64_t v)
{
	if (llmk_provider_supports_option(provider, opt) == 1)
		set_or_die(llmk_request_set_i64(r, opt, v));
}

/* variant: 0 the kind's request, 1 an image edit, 2 a plain chat (counted) */
static llmk_request *minimal_request(const char *provider, int32_t kind, int variant)
{
	int edit = variant == 1;
	static const uint8_t wav[44] = {'R', 'I', 'F', 'F', 36, 0, 0, 0, 'W', 'A', 'V', 'E'};
	llmk_request *r;

	set_or_die(llmk_request_new(&r, kind));
	switch (kind) {
	case LLMK_CHAT:
		set_or_die(llmk_request_add_message(r, LLMK_ROLE_USER, "hi"));
		if (variant == 2)
			break;
		maybe_i64(r, provider, LLMK_OPT_CHOICES, 2);
		maybe_i64(r, provider, LLMK_OPT_LOGPROBS, 1);
		maybe_i64(r, provider, LLMK_OPT_TOP_LOGPROBS, 2);
		break;
	case LLMK_EMBED: set_or_die(llmk_request_add_input(r, "a")); break;
	case LLMK_IMAGE:
		set_or_die(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a red pixel"));
		if (edit)
			set_or_die(
			        llmk_request_add_image(r, (const uint8_t *)"\x89PNG\r\n\x1a\n", 8, "image/png", NULL));
		maybe_i64(r, provider, LLMK_OPT_PARTIAL_IMAGES, 1);
		break;
	case LLMK_RERANK:
		set_or_die(llmk_request_set_str(r, LLMK_OPT_QUERY, "q"));
		set_or_die(llmk_request_add_input(r, "a"));
		set_or_die(llmk_request_add_input(r, "b"));
		set_or_die(llmk_request_add_input(r, "c"));
		break;
	case LLMK_MODERATE:
		set_or_die(llmk_request_add_input(r, "a"));
		set_or_die(llmk_request_add_input(r, "b"));
		break;
	case LLMK_TRANSCRIBE:
		set_or_die(llmk_request_set_audio(r, wav, sizeof wav, "a.wav", NULL));
		/* verbose_json reaches the segment parser where it exists */
		if (llmk_provider_supports_option(provider, LLMK_OPT_TRANSCRIPT_FORMAT) == 1)
			set_or_die(llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "verbose_json"));
		maybe_str(r, provider, LLMK_OPT_TIMESTAMPS, "word,segment");
		maybe_i64(r, provider, LLMK_OPT_LOGPROBS, 1);
		break;
	default: /* LLMK_SPEECH */
		set_or_die(llmk_request_set_str(r, LLMK_OPT_INPUT, "hi"));
		if (llmk_provider_supports_option(provider, LLMK_OPT_VOICE) == 1)
			set_or_die(llmk_request_set_str(r, LLMK_OPT_VOICE, "alloy"));
		maybe_str(r, provider, LLMK_OPT_STREAM_FORMAT, "sse");
		break;
	}
	/* Bedrock builds InvokeModel bodies by model family; its parsers read
	 * every family's answer shape whatever the model. */
	if (!strcmp(provider, "bedrock") && kind == LLMK_EMBED)
		set_or_die(llmk_request_set_str(r, LLMK_OPT_MODEL, "cohere.embed-english-v3"));
	/* Bedrock's rerank names its model by ARN (no region here). */
	if (!strcmp(provider, "bedrock") && kind == LLMK_RERANK)
		set_or_die(llmk_request_set_str(r, LLMK_OPT_MODEL,
		                                "arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0"));
	if (!strcmp(provider, "bedrock") && kind == LLMK_IMAGE)
		set_or_die(llmk_request_set_str(r, LLMK_OPT_MODEL, "amazon.titan-image-generator-v2:0"));
	return r;
}

static llmk_client *fuzz_client(const char *provider)
{
	char model[128];
	llmk_client *c;
	llmk_transport tr;

	snprintf(model, sizeof model, "%s/fuzz-model", provider);
	set_or_die(llmk_client_new(&c, model));
	set_or_die(llmk_client_set_str(c, LLMK_OPT_API_KEY, "fuzz-key-0123456789"));
	set_or_die(llmk_client_set_str(c, LLMK_OPT_BASE_URL, "http://127.0.0.1:9/v1"));
	set_or_die(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0));
	set_or_die(llmk_client_set_i64(c, LLMK_OPT_MAX_RESPONSE_BYTES, MAX_RESPONSE));
	set_or_die(llmk_client_set_i64(c, LLMK_OPT_MAX_LINE_BYTES, MAX_LINE));
#ifndef TMP_SKIP
	set_or_die(llmk_client_set_i64(c, LLMK_OPT_MAX_EVENTS, 256));
	set_or_die(llmk_client_set_i64(c, LLMK_OPT_MAX_JSON_DEPTH, 32));
#endif
	llmk_transport_init(&tr);
	tr.send = fuzz_send;
	set_or_die(llmk_client_set_transport(c, &tr, &ans));
	return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;
	int32_t kind;
	static const uint8_t ok[] = "\x00{}";

	(void)argc;
	(void)argv;
	set_or_die(llmk_global_init());
	for (i = 0; i < llmk_provider_count(); i++) {
		const char *name = llmk_provider_name(i);
		llmk_client *c = NULL;

		/* kind LLMK_MODERATE + 1: llmk_count_tokens() of a chat request;
		 * LLMK_MODERATE + 2: an image edit where the provider edits */
		for (kind = LLMK_CHAT; kind <= LLMK_MODERATE + 2; kind++) {
			int count = kind == LLMK_MODERATE + 1, edit = kind == LLMK_MODERATE + 2;
			int32_t k = count ? LLMK_CHAT : edit ? LLMK_IMAGE : kind;
			int64_t caps = llmk_provider_capabilities(name, k);
			llmk_response *resp = NULL;
			int64_t n;

			FUZZ_CHECK(caps >= 0);
			if (!(caps & LLMK_CAP_KIND) || (count && !(caps & LLMK_CAP_COUNT_TOKENS)) ||
			    (edit && !(caps & LLMK_CAP_IMAGE_EDIT)))
				continue;
			FUZZ_CHECK(ntargets < MAX_TARGETS);
			if (!c)
				c = fuzz_client(name);
			targets[ntargets].provider = name;
			targets[ntargets].kind = k;
			targets[ntargets].count = count;
			targets[ntargets].edit = edit;
			targets[ntargets].caps = caps;
			targets[ntargets].client = c;
			targets[ntargets].request = minimal_request(name, k, edit ? 1 : count ? 2 : 0);
			/* The request must reach the transport, or it fuzzes nothing. */
			answer_for(&ans, ok, sizeof ok - 1);
			if (count)
				llmk_count_tokens(c, targets[ntargets].request, &n, &resp);
			else
				llmk_send(c, targets[ntargets].request, &resp);
			if (ans.calls != 1) {
				fprintf(stderr, "fuzz_response: %s kind %d never reaches the transport: %s\n", name,
				        (int)kind, resp ? llmk_response_error(resp) : "(no response)");
				abort();
			}
			llmk_response_free(resp);
			ntargets++;
		}
	}
	FUZZ_CHECK(ntargets > 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;
	static events ev;

	if (size < 1)
		return 0;
	for (i = 0; i < ntargets; i++) {
		const target *t = &targets[i];
		llmk_response *resp = NULL;
		int32_t st;

		cur = t;
		if (t->count) {
			int64_t n = 7;
			cur_call = "llmk_count_tokens";
			answer_for(&ans, data, size);
			st = llmk_count_tokens(t->client, t->request, &n, &resp);
			check_response(t, resp, st, 0);
			/* a count only on success, and then the response's */
			CHECK(st == LLMK_OK ? n >= 0 && n == llmk_response_usage(resp, LLMK_USAGE_INPUT) : n == -1);
			llmk_response_free(resp);
			continue;
		}
		cur_call = "llmk_send";
		answer_for(&ans, data, size);
		st = llmk_send(t->client, t->request, &resp);
		check_response(t, resp, st, 0);
		llmk_response_free(resp);

		cur_call = "llmk_stream";
		answer_for(&ans, data, size);
		memset(&ev, 0, sizeof ev);
		resp = NULL;
		st = llmk_stream(t->client, t->request, on_event, &ev, &resp);
		check_response(t, resp, st, 1);
		check_stream(t, resp, st, &ev);
		llmk_response_free(resp);
	}
	return 0;
}
