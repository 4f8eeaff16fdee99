/* The response and how the engine and adapters fill it (response.c). */
#ifndef LLMK_CORE_RESPONSE_H
#define LLMK_CORE_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"
#include "buf.h"

typedef struct llmk_tool_call {
	llmk_buf id, name, args;
} llmk_tool_call;

typedef struct llmk_image {
	uint8_t *data;
	size_t len;
	char *url;
	char *revised_prompt;
} llmk_image;

typedef struct llmk_segment {
	double start, end;
	char *text;
} llmk_segment;

struct llmk_response {
	llmk_status status;
	int32_t http_status;
	char *error, *error_type, *error_code;
	char *request_id, *model, *finish_reason, *audio_mime, *dropped;
	char *deployment, *tried; /* set by a router */
	char *provider, *req_model; /* who was asked for what (prices) */
	int32_t finish;
	int32_t attempts;
	int64_t retry_after_ms;
	llmk_buf text, reasoning, raw;
	int64_t usage[8];
	double timing[4];
	llmk_tool_call *calls;
	size_t ncalls, callcap;
	float *emb;
	size_t nemb, dim;
	llmk_image *images;
	size_t nimages;
	uint8_t *audio;
	size_t audio_len;
	double duration;
	llmk_segment *segments;
	size_t nsegments;
	/* Response headers, all in one buffer: "name\0value\0" each (one
	 * allocation instead of two per header). */
	llmk_buf headers;
	size_t nheaders;
	size_t header_bytes; /* names and values, against LLMK_MAX_HEADER_BYTES */
};

/* The sum of two token counts (non-negative), saturating at INT64_MAX:
 * counts come from servers and programs, and a sum must never wrap into a
 * negative total. */
static inline int64_t llmk__count_add(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

llmk_response *llmk__response_new(void);
/* Records a failure: status and a formatted message (printf-style). The
 * first failure wins, so the root cause is not overwritten by fallout. */
llmk_status llmk__fail(llmk_response *resp, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* Replaces a string field; returns LLMK_E_NOMEM on failure. */
llmk_status llmk__set_field(char **field, const char *value);
llmk_status llmk__set_fieldn(char **field, const char *value, size_t n);
llmk_tool_call *llmk__response_tool_call(llmk_response *resp, size_t index);
/* Records the provider's finish value and its LLMK_FINISH_* mapping (one
 * table for every provider's vocabulary, in response.c). */
llmk_status llmk__set_finish(llmk_response *resp, const char *raw);
int32_t llmk__finish_map(const char *raw);
const char *llmk__response_header(const llmk_response *resp, const char *name);
/* Retry-After (delta-seconds or HTTP-date) or retry-after-ms into
 * retry_after_ms; the request id header into request_id (meta.c). */
void llmk__read_retry_after(llmk_response *r);
void llmk__read_request_id(llmk_response *r);
/* For a 3xx answer: writes into out where its Location points, as an
 * origin only ("https://host:port"; a path, query or userinfo could carry
 * a token), or "a relative location" / "no Location header". */
void llmk__redirect_target(const llmk_response *resp, char *out, size_t cap);

#endif
