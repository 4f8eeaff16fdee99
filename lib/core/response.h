/* The response and how the engine and adapters fill it (response.c). */
#ifndef LLMK_CORE_RESPONSE_H
#define LLMK_CORE_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"
#include "buf.h"

typedef struct llmk__tool_call {
	llmk__buf id, name, args;
} llmk__tool_call;

typedef struct llmk__image {
	uint8_t *data;
	size_t len;
	char *url;
	char *revised_prompt;
} llmk__image;

/* One piece of the assistant turn, in the order the provider sent it, for
 * llmk_request_add_response(): a slice of the text, of the reasoning or of
 * the refusal (from `start` to the start of the next item of the same type,
 * or the end), or a tool call, with what its wire format needs back to
 * continue the conversation (opaque: a signature, an encrypted item, a
 * block as JSON text; empty when nothing). Adapters that record no items
 * get the default turn: text, then the tool calls. */
enum { LLMK_TURN_REFUSAL = 100 }; /* besides LLMK_PART_TEXT, _REASONING, _TOOL_CALL */
typedef struct llmk__turn_item {
	int type;
	size_t start; /* TEXT, REASONING, REFUSAL: offset in its buffer; TOOL_CALL: call index */
	llmk__buf opaque;
} llmk__turn_item;

typedef struct llmk__segment {
	double start, end;
	char *text;
} llmk__segment;

/* A timed word of a transcript (timestamp_granularities word). */
typedef struct llmk__word {
	double start, end;
	char *text;
} llmk__word;

/* A token with its log probability and the most likely alternatives. */
typedef struct llmk__top_logprob {
	char *token;
	double logprob;
} llmk__top_logprob;
typedef struct llmk__logprob {
	char *token;
	double logprob;
	llmk__top_logprob *top;
	size_t ntop;
} llmk__logprob;

/* Choice i >= 1 of a chat answer with n > 1 (choice 0 is the response's
 * own text and finish reason). */
typedef struct llmk__extra_choice {
	llmk__buf text;
	char *finish_reason;
} llmk__extra_choice;

/* A rerank result: the document's position among the request's inputs,
 * its score and its text (a copy). */
typedef struct llmk__rank {
	size_t index;
	double score;
	char *document;
} llmk__rank;

/* A moderation category of one result: flagged 1/0 or -1 (not reported),
 * score or NaN, the input types it applied to ("text,image") or NULL. */
typedef struct llmk__category {
	char *name;
	int flagged;
	double score;
	char *inputs;
} llmk__category;

typedef struct llmk__moderation {
	int flagged;
	llmk__category *cats;
	size_t ncats;
} llmk__moderation;

struct llmk_response {
	llmk_status status;
	int32_t http_status;
	char *error, *error_type, *error_code;
	char *request_id, *model, *finish_reason, *audio_mime, *dropped;
	char *deployment, *tried;   /* set by a router */
	char *provider, *req_model; /* who was asked for what (prices) */
	int32_t finish;
	int32_t attempts;
	int32_t cached; /* answered from the response cache (cache.c) */
	int64_t retry_after_ms;
	llmk__buf text, reasoning, raw;
	llmk__buf refusal;      /* the model's refusal (OpenAI message.refusal, Responses refusal content) */
	char *id;               /* the provider's id of the answer (Responses API resp_...) */
	llmk__turn_item *items; /* the assistant turn, in order (see llmk__turn_item) */
	size_t nitems, itemcap;
	int64_t wire; /* LLMK_FEATURE_* bit of the adapter that answered: whom opaque items are for */
	int batch;    /* a result of a provider batch: its cost is at the batch price (price.c) */
	int64_t usage[8];
	double timing[5];
	llmk__tool_call *calls;
	size_t ncalls, callcap;
	float *emb;
	size_t nemb, dim;
	llmk__image *images;
	size_t nimages;
	uint8_t *audio;
	size_t audio_len;
	double duration;
	llmk__segment *segments;
	size_t nsegments;
	/* Image and audio answers, choices and log probabilities
	 * (response_media.c). */
	llmk__word *words;
	size_t nwords;
	llmk__logprob *logprobs;
	size_t nlogprobs, logprobcap;
	llmk__extra_choice *choices; /* choices 1.. (index i at choices[i - 1]) */
	size_t nchoices;             /* of the array: the answer has nchoices + 1 */
	int has_choice;              /* choice 0 was seen (a chat answer) */
	llmk__buf stream_audio;      /* speech streamed: chunks until the end, then audio */
	/* Response headers, all in one buffer: "name\0value\0" each (one
	 * allocation instead of two per header). */
	llmk__buf headers;
	size_t nheaders;
	size_t header_bytes; /* names and values, against LLMK_MAX_HEADER_BYTES */
	/* Rerank and moderation answers (response_kinds.c). */
	llmk__rank *ranks;
	size_t nranks;
	llmk__moderation *mods;
	size_t nmods;
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
llmk__tool_call *llmk__response_tool_call(llmk_response *resp, size_t index);
/* Records the provider's finish value and its LLMK_FINISH_* mapping (one
 * table for every provider's vocabulary, in response.c). */
llmk_status llmk__set_finish(llmk_response *resp, const char *raw);
int32_t llmk__finish_map(const char *raw);
/* Starts an item of the assistant turn at the current end of its buffer
 * (call: the tool-call index for LLMK_PART_TOOL_CALL). NULL when memory ran
 * out (recorded on the response). */
llmk__turn_item *llmk__turn_add(llmk_response *resp, int type, size_t call);
/* The last item when it has `type`, else NULL. */
llmk__turn_item *llmk__turn_last(llmk_response *resp, int type);
/* The item of tool call `call`, or NULL. */
llmk__turn_item *llmk__turn_call(llmk_response *resp, size_t call);
/* Replaces an item's opaque data; LLMK_E_NOMEM (recorded) on failure. */
llmk_status llmk__turn_set_opaque(llmk_response *resp, llmk__turn_item *it, const char *data, size_t len);
/* Frees the rerank and moderation answers (response_kinds.c). */
void llmk__response_kinds_free(llmk_response *resp);
const char *llmk__response_header(const llmk_response *resp, const char *name);
/* Frees what response_media.c adds (words, log probabilities, choices). */
void llmk__response_media_free(llmk_response *resp);
/* Appends a token's log probability; NULL when memory ran out or the count
 * passed `max` (recorded on the response). */
llmk__logprob *llmk__response_logprob(llmk_response *resp, const char *token, size_t token_len, double logprob,
                                      size_t max);
/* The choice of index i >= 1, the array grown to it (at most `max`
 * choices in all); NULL with the failure recorded. */
llmk__extra_choice *llmk__response_choice(llmk_response *resp, size_t i, size_t max);
/* Appends an image (bytes, taken over) to resp->images; LLMK_E_NOMEM or
 * LLMK_E_TOO_LARGE (past max images), recorded; on failure data is freed. */
llmk_status llmk__response_add_image(llmk_response *resp, uint8_t *data, size_t len, size_t max);
/* Retry-After (delta-seconds or HTTP-date) or retry-after-ms into
 * retry_after_ms; the request id header into request_id (meta.c). */
void llmk__read_retry_after(llmk_response *r);
void llmk__read_request_id(llmk_response *r);
/* For a 3xx answer: writes into out where its Location points, as an
 * origin only ("https://host:port"; a path, query or userinfo could carry
 * a token), or "a relative location" / "no Location header". */
void llmk__redirect_target(const llmk_response *resp, char *out, size_t cap);

#endif
