/* The request: kind, conversation, tools, inputs, options (request.c,
 * request_get.c). Adapters read it; only request.c writes it. */
#ifndef LLMK_CORE_REQUEST_H
#define LLMK_CORE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"
#include "bounds.h"
#include "options.h"

typedef struct llmk__part {
	int type;
	char *text;   /* TEXT: text; IMAGE_URL: url; TOOL_CALL: arguments JSON; REASONING: its text */
	char *detail; /* IMAGE_URL: detail; TOOL_CALL: function name */
	char *id;     /* TOOL_CALL: call id */
	/* From llmk_request_add_response(): what the wire format `wire` (an
	 * LLMK_FEATURE_* bit) needs back, in its adapter's own form (a
	 * signature, a block or item as JSON text), or NULL. A part with a wire
	 * reaches only that wire's adapter as it is: elsewhere support.c leaves
	 * the opaque data out (and REASONING parts altogether). */
	char *opaque;
	int64_t wire;
} llmk__part;

typedef struct llmk__message {
	int32_t role;
	char *tool_call_id; /* role TOOL */
	char *origin;       /* added by llmk_request_add_response(): the provider that answered */
	llmk__part *parts;
	size_t nparts, cap;
} llmk__message;

typedef struct llmk__tool {
	char *name;
	char *description;
	char *parameters; /* JSON text, validated */
} llmk__tool;

/* Bytes given with a request (input images, mask): owned copies. */
typedef struct llmk__blob {
	uint8_t *data;
	size_t len;
	char *mime, *name;
} llmk__blob;

struct llmk_request {
	int32_t kind;
	llmk__message *msgs;
	size_t nmsgs, msgcap;
	llmk__tool *tools;
	size_t ntools, toolcap;
	char **inputs;
	size_t ninputs, inputcap;
	char *stops[LLMK_MAX_STOP];
	size_t nstops;
	char *headers[LLMK_MAX_REQ_HEADERS]; /* LLMK_OPT_HTTP_HEADER: "Name: value", checked */
	size_t nheaders;
	char *str[LLMK_STR_SLOTS];
	int64_t i64[LLMK_I64_SLOTS];
	double f64[LLMK_F64_SLOTS];
	uint64_t i64_set, f64_set;   /* bit (1 << slot) */
	llmk__cache_opts cache_opts; /* LLMK_OPT_CACHE* (options.h) */
	uint8_t *audio;
	size_t audio_len;
	char *audio_name, *audio_mime;
	char *extra_json;
	llmk__blob *images; /* image: input images to edit (llmk_request_add_image) */
	size_t nimages;
	llmk__blob mask;     /* image: the edit mask (PNG), data NULL when none */
	llmk_cancel *cancel; /* not owned */
	char errmsg[LLMK_ERRMSG_MAX];
};

/* Frees the input images and the mask (request_media.c). */
void llmk__request_media_free(llmk_request *r);

/* The kind a chat request is sent as by llmk_count_tokens() (count.c): a
 * shallow view of the caller's request with this kind, so the pipeline
 * checks it against the row's bit 1 << LLMK__COUNT_TOKENS (a provider
 * counts tokens when its row has that bit; llmk_provider_capabilities()
 * reports it as LLMK_CAP_COUNT_TOKENS of chat) and adapters tell it from
 * a chat request. Never a public kind: llmk_request_new() refuses it. */
#define LLMK__COUNT_TOKENS 31

/* Request option accessors: NULL / 0 when not set. */
const char *llmk__req_str(const llmk_request *r, int32_t opt);
int llmk__req_i64(const llmk_request *r, int32_t opt, int64_t *out);
int llmk__req_f64(const llmk_request *r, int32_t opt, double *out);

#endif
