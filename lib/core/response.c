/* Response and event accessors, and the helpers adapters fill them with. */
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "alloc.h"
#include "bounds.h"
#include "response.h"

llmk_response *llmk__response_new(void)
{
	llmk_response *r = llmk__calloc(1, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	r->retry_after_ms = -1;
	r->duration = -1;
	for (i = 0; i < sizeof(r->usage) / sizeof(r->usage[0]); i++)
		r->usage[i] = -1;
	for (i = 0; i < sizeof(r->timing) / sizeof(r->timing[0]); i++)
		r->timing[i] = -1;
	return r;
}

void llmk_response_free(llmk_response *r)
{
	size_t i;

	if (!r)
		return;
	llmk__free(r->error);
	llmk__free(r->error_type);
	llmk__free(r->error_code);
	llmk__free(r->request_id);
	llmk__free(r->model);
	llmk__free(r->finish_reason);
	llmk__free(r->dropped);
	llmk__free(r->deployment);
	llmk__free(r->tried);
	llmk__free(r->provider);
	llmk__free(r->req_model);
	llmk__free(r->audio_mime);
	llmk__buf_free(&r->text);
	llmk__buf_free(&r->reasoning);
	llmk__buf_free(&r->raw);
	llmk__buf_free(&r->refusal);
	llmk__free(r->id);
	for (i = 0; i < r->nitems; i++)
		llmk__buf_free(&r->items[i].opaque);
	llmk__free(r->items);
	for (i = 0; i < r->ncalls; i++) {
		llmk__buf_free(&r->calls[i].id);
		llmk__buf_free(&r->calls[i].name);
		llmk__buf_free(&r->calls[i].args);
	}
	llmk__free(r->calls);
	llmk__free(r->emb);
	for (i = 0; i < r->nimages; i++) {
		llmk__free(r->images[i].data);
		llmk__free(r->images[i].url);
		llmk__free(r->images[i].revised_prompt);
	}
	llmk__free(r->images);
	llmk__free(r->audio);
	for (i = 0; i < r->nsegments; i++)
		llmk__free(r->segments[i].text);
	llmk__free(r->segments);
	llmk__response_media_free(r);
	llmk__buf_free(&r->headers);
	llmk__response_kinds_free(r);
	llmk__free(r);
}

llmk_status llmk__fail(llmk_response *r, llmk_status st, const char *fmt, ...)
{
	char msg[LLMK_ERRMSG_MAX];
	va_list ap;

	if (r->status != LLMK_OK)
		return r->status;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* What failed after an allocation did is most likely its consequence. */
	if (llmk__oom_seen() && st != LLMK_E_NOMEM && st != LLMK_E_CANCELLED)
		st = LLMK_E_NOMEM;
	r->status = st;
	llmk__free(r->error);
	r->error = llmk__strdup(msg);
	if (!r->error) /* the accessor falls back to llmk_strerror() */
		r->status = st = LLMK_E_NOMEM;
	return st;
}

llmk_status llmk__set_fieldn(char **field, const char *value, size_t n)
{
	char *copy = llmk__strndup(value, n);

	if (value && !copy)
		return LLMK_E_NOMEM;
	llmk__free(*field);
	*field = copy;
	return LLMK_OK;
}

llmk_status llmk__set_field(char **field, const char *value)
{
	return llmk__set_fieldn(field, value, value ? strlen(value) : 0);
}

llmk__tool_call *llmk__response_tool_call(llmk_response *r, size_t index)
{
	llmk__tool_call *p;
	size_t ncap;

	/* Indexes come from the network: refuse absurd ones rather than
	 * allocate for them (recorded here, so every caller reports it). */
	if (index >= LLMK_MAX_TOOL_CALLS) {
		llmk__fail(r, LLMK_E_TOO_LARGE, "the answer has more than %u tool calls (tool call index %zu)",
		           (unsigned)LLMK_MAX_TOOL_CALLS, index);
		return NULL;
	}
	if (index >= r->callcap) {
		ncap = r->callcap ? r->callcap : 4;
		while (ncap <= index)
			ncap *= 2;
		p = llmk__realloc(r->calls, ncap * sizeof(*p));
		if (!p)
			return NULL;
		memset(p + r->callcap, 0, (ncap - r->callcap) * sizeof(*p));
		r->calls = p;
		r->callcap = ncap;
	}
	if (index >= r->ncalls)
		r->ncalls = index + 1;
	return &r->calls[index];
}

llmk__turn_item *llmk__turn_add(llmk_response *r, int type, size_t call)
{
	llmk__turn_item *it;
	size_t ncap;

	if (r->nitems == r->itemcap) {
		ncap = r->itemcap ? r->itemcap * 2 : 4;
		it = llmk__realloc(r->items, ncap * sizeof(*it));
		if (!it) {
			llmk__fail(r, LLMK_E_NOMEM, "out of memory recording the answer");
			return NULL;
		}
		r->items = it;
		r->itemcap = ncap;
	}
	it = &r->items[r->nitems++];
	memset(it, 0, sizeof(*it));
	it->type = type;
	it->start = type == LLMK_PART_TEXT        ? r->text.len
	            : type == LLMK_PART_REASONING ? r->reasoning.len
	            : type == LLMK_TURN_REFUSAL   ? r->refusal.len
	                                          : call;
	return it;
}

llmk__turn_item *llmk__turn_last(llmk_response *r, int type)
{
	return r->nitems && r->items[r->nitems - 1].type == type ? &r->items[r->nitems - 1] : NULL;
}

llmk__turn_item *llmk__turn_call(llmk_response *r, size_t call)
{
	size_t i;

	for (i = 0; i < r->nitems; i++)
		if (r->items[i].type == LLMK_PART_TOOL_CALL && r->items[i].start == call)
			return &r->items[i];
	return NULL;
}

llmk_status llmk__turn_set_opaque(llmk_response *r, llmk__turn_item *it, const char *data, size_t len)
{
	llmk__buf_clear(&it->opaque);
	if (llmk__buf_append(&it->opaque, data, len))
		return llmk__fail(r, LLMK_E_NOMEM, "out of memory recording the answer");
	return LLMK_OK;
}

const char *llmk__response_header(const llmk_response *r, const char *name)
{
	const char *h = r->headers.data, *v;
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		v = h + strlen(h) + 1;
		if (strcasecmp(h, name) == 0)
			return v;
		h = v + strlen(v) + 1;
	}
	return NULL;
}

void llmk__redirect_target(const llmk_response *r, char *out, size_t cap)
{
	const char *loc = llmk__response_header(r, "location"), *host, *end, *at;
	size_t sl;

	if (!loc || !*loc) {
		snprintf(out, cap, "no Location header");
		return;
	}
	host = strstr(loc, "://");
	sl = host ? (size_t)(host - loc) : 0;
	if (!host || !sl || strcspn(loc, "/?#") < sl) {
		snprintf(out, cap, "a relative location");
		return;
	}
	host += 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1;
	snprintf(out, cap, "%.*s://%.*s", (int)(sl < 16 ? sl : 16), loc,
	         (int)((size_t)(end - host) < 256 ? end - host : 256), host);
}

#define S(x) ((x) ? (x) : "")

llmk_status llmk_response_status(const llmk_response *r)
{
	return r ? r->status : LLMK_E_INVALID_ARG;
}

const char *llmk_response_error(const llmk_response *r)
{
	if (!r)
		return "response is NULL";
	if (r->status == LLMK_OK)
		return "";
	return r->error ? r->error : llmk_strerror(r->status);
}

const char *llmk_response_error_type(const llmk_response *r)
{
	return r ? S(r->error_type) : "";
}

const char *llmk_response_error_code(const llmk_response *r)
{
	return r ? S(r->error_code) : "";
}

int32_t llmk_response_http_status(const llmk_response *r)
{
	return r ? r->http_status : 0;
}

const char *llmk_response_request_id(const llmk_response *r)
{
	return r ? S(r->request_id) : "";
}

int64_t llmk_response_retry_after_ms(const llmk_response *r)
{
	return r ? r->retry_after_ms : -1;
}

const char *llmk_response_header(const llmk_response *r, const char *name)
{
	return r && name ? llmk__response_header(r, name) : NULL;
}

const char *llmk_response_model(const llmk_response *r)
{
	return r ? S(r->model) : "";
}

const char *llmk_response_text(const llmk_response *r)
{
	return r ? S(r->text.data) : "";
}

const char *llmk_response_reasoning(const llmk_response *r)
{
	return r ? S(r->reasoning.data) : "";
}

const char *llmk_response_id(const llmk_response *r)
{
	return r ? S(r->id) : "";
}

const char *llmk_response_refusal(const llmk_response *r)
{
	return r ? S(r->refusal.data) : "";
}

int32_t llmk_response_attempts(const llmk_response *r)
{
	return r ? r->attempts : 0;
}

int32_t llmk_response_finish(const llmk_response *r)
{
	return r ? r->finish : LLMK_FINISH_UNKNOWN;
}

const char *llmk_response_dropped(const llmk_response *r)
{
	return r ? S(r->dropped) : "";
}

const char *llmk_response_deployment(const llmk_response *r)
{
	return r ? S(r->deployment) : "";
}

const char *llmk_response_tried(const llmk_response *r)
{
	return r ? S(r->tried) : "";
}

/* Every provider's finish vocabulary, compared without regard to case
 * (Gemini shouts, Cohere too). Sources: OpenAI finish_reason; Anthropic
 * stop_reason; Gemini FinishReason; Cohere v2 finish_reason; Ollama
 * done_reason; TGI details.finish_reason; Bedrock stopReason. */
static const struct {
	const char *raw;
	int32_t finish;
} finish_words[] = {
        {"stop", LLMK_FINISH_STOP},
        {"end_turn", LLMK_FINISH_STOP},
        {"stop_sequence", LLMK_FINISH_STOP},
        {"eos_token", LLMK_FINISH_STOP},
        {"eos", LLMK_FINISH_STOP},
        {"complete", LLMK_FINISH_STOP},
        {"completed", LLMK_FINISH_STOP},           /* Responses API status */
        {"max_output_tokens", LLMK_FINISH_LENGTH}, /* Responses API incomplete_details.reason */
        {"pause_turn", LLMK_FINISH_STOP},
        {"finish_reason_unspecified", LLMK_FINISH_OTHER},
        {"length", LLMK_FINISH_LENGTH},
        {"max_tokens", LLMK_FINISH_LENGTH},
        {"max_length", LLMK_FINISH_LENGTH},
        {"model_context_window_exceeded", LLMK_FINISH_LENGTH},
        {"tool_calls", LLMK_FINISH_TOOL_CALLS},
        {"tool_call", LLMK_FINISH_TOOL_CALLS},
        {"tool_use", LLMK_FINISH_TOOL_CALLS},
        {"function_call", LLMK_FINISH_TOOL_CALLS},
        {"content_filter", LLMK_FINISH_CONTENT_FILTER},
        {"content_filtered", LLMK_FINISH_CONTENT_FILTER},
        {"refusal", LLMK_FINISH_REFUSAL},
        {"safety", LLMK_FINISH_CONTENT_FILTER},
        {"recitation", LLMK_FINISH_CONTENT_FILTER},
        {"blocklist", LLMK_FINISH_CONTENT_FILTER},
        {"prohibited_content", LLMK_FINISH_CONTENT_FILTER},
        {"spii", LLMK_FINISH_CONTENT_FILTER},
        {"image_safety", LLMK_FINISH_CONTENT_FILTER},
        {"guardrail_intervened", LLMK_FINISH_CONTENT_FILTER},
        {"error", LLMK_FINISH_ERROR},
        {"timeout", LLMK_FINISH_ERROR},
        {"error_toxic", LLMK_FINISH_CONTENT_FILTER},
        {"error_limit", LLMK_FINISH_LENGTH},
        {"malformed_function_call", LLMK_FINISH_ERROR},
        {"unexpected_tool_call", LLMK_FINISH_ERROR},
        {"other", LLMK_FINISH_OTHER},
};

int32_t llmk__finish_map(const char *raw)
{
	size_t i;

	if (!raw || !*raw)
		return LLMK_FINISH_UNKNOWN;
	for (i = 0; i < sizeof(finish_words) / sizeof(finish_words[0]); i++)
		if (!strcasecmp(raw, finish_words[i].raw))
			return finish_words[i].finish;
	return LLMK_FINISH_OTHER;
}

llmk_status llmk__set_finish(llmk_response *r, const char *raw)
{
	if (!raw || !*raw)
		return LLMK_OK;
	r->finish = llmk__finish_map(raw);
	/* OpenAI ends a refusal with "stop": the refusal says more. */
	if (r->refusal.len && r->finish == LLMK_FINISH_STOP)
		r->finish = LLMK_FINISH_REFUSAL;
	return llmk__set_field(&r->finish_reason, raw);
}

const char *llmk_response_finish_reason(const llmk_response *r)
{
	return r ? S(r->finish_reason) : "";
}

int64_t llmk_response_usage(const llmk_response *r, int32_t which)
{
	if (!r || which < LLMK_USAGE_INPUT || which > LLMK_USAGE_CACHE_WRITE_1H)
		return -1;
	return r->usage[which];
}

double llmk_response_timing(const llmk_response *r, int32_t which)
{
	if (!r || which < LLMK_TIMING_TOTAL_MS || which > LLMK_TIMING_RATE_WAIT_MS)
		return -1;
	return r->timing[which];
}

size_t llmk_response_tool_call_count(const llmk_response *r)
{
	return r ? r->ncalls : 0;
}

const char *llmk_response_tool_call_id(const llmk_response *r, size_t i)
{
	return r && i < r->ncalls ? S(r->calls[i].id.data) : NULL;
}

const char *llmk_response_tool_call_name(const llmk_response *r, size_t i)
{
	return r && i < r->ncalls ? S(r->calls[i].name.data) : NULL;
}

const char *llmk_response_tool_call_arguments(const llmk_response *r, size_t i)
{
	if (!r || i >= r->ncalls)
		return NULL;
	return r->calls[i].args.len ? r->calls[i].args.data : "{}";
}

size_t llmk_response_embedding_count(const llmk_response *r)
{
	return r ? r->nemb : 0;
}

size_t llmk_response_embedding_dim(const llmk_response *r)
{
	return r ? r->dim : 0;
}

const float *llmk_response_embedding(const llmk_response *r, size_t i)
{
	return r && i < r->nemb ? r->emb + i * r->dim : NULL;
}

size_t llmk_response_image_count(const llmk_response *r)
{
	return r ? r->nimages : 0;
}

const uint8_t *llmk_response_image_data(const llmk_response *r, size_t i, size_t *len)
{
	if (len)
		*len = 0;
	if (!r || i >= r->nimages || !r->images[i].data)
		return NULL;
	if (len)
		*len = r->images[i].len;
	return r->images[i].data;
}

const char *llmk_response_image_url(const llmk_response *r, size_t i)
{
	return r && i < r->nimages ? r->images[i].url : NULL;
}

const char *llmk_response_image_revised_prompt(const llmk_response *r, size_t i)
{
	return r && i < r->nimages ? r->images[i].revised_prompt : NULL;
}

const uint8_t *llmk_response_audio(const llmk_response *r, size_t *len)
{
	if (len)
		*len = r && r->audio ? r->audio_len : 0;
	return r ? r->audio : NULL;
}

const char *llmk_response_audio_mime(const llmk_response *r)
{
	return r ? S(r->audio_mime) : "";
}

double llmk_response_duration(const llmk_response *r)
{
	return r ? r->duration : -1;
}

size_t llmk_response_segment_count(const llmk_response *r)
{
	return r ? r->nsegments : 0;
}

double llmk_response_segment_start(const llmk_response *r, size_t i)
{
	return r && i < r->nsegments ? r->segments[i].start : -1;
}

double llmk_response_segment_end(const llmk_response *r, size_t i)
{
	return r && i < r->nsegments ? r->segments[i].end : -1;
}

const char *llmk_response_segment_text(const llmk_response *r, size_t i)
{
	return r && i < r->nsegments ? S(r->segments[i].text) : NULL;
}

const char *llmk_response_raw(const llmk_response *r, size_t *len)
{
	if (len)
		*len = r ? r->raw.len : 0;
	return r ? S(r->raw.data) : "";
}
