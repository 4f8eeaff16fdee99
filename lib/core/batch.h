/* Provider batches: what the engine (lib/features/batch.c) and the wire
 * formats (lib/providers/batch_*.c) share. A wire format with a batch API
 * points its adapter's `batch` at a table of these operations; the engine
 * never sees a provider's JSON, the operations never see the handle.
 * One protocol call (upload, create, poll, cancel, download) goes through
 * llmk__batch_http() (batch_http.c): the client's transport, timeouts,
 * retry policy and scrubber, and the provider's own error reading. */
#ifndef LLMK_CORE_BATCH_H
#define LLMK_CORE_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "llmkit.h"
#include "buf.h"
#include "exchange.h"

/* A temporary file could not be read or written: no status of its own
 * (the message names the file); reported like a broken transfer. */
#define LLMK_BATCH_E_IO LLMK_E_TRANSPORT

/* What a poll knows about a batch. Strings are owned (llmk__free). */
typedef struct llmk__batch_info {
	char *id;
	int32_t state;      /* LLMK_BATCH_* */
	int64_t n[5];       /* LLMK_BATCH_N_*; -1 unknown */
	int32_t kind;       /* LLMK_CHAT, LLMK_EMBED; -1 unknown */
	char *model;        /* the batch's model when the provider names it, or NULL */
	char *where[2];     /* where the results are: OpenAI's output and error file ids,
	                  * Anthropic's results_url, Gemini's responsesFile */
	int inline_results; /* Gemini: the results are inside the batch itself */
	char *error;        /* the provider's words for a failed batch, or NULL */
} llmk__batch_info;

void llmk__batch_info_clear(llmk__batch_info *info);

/* One protocol call's context: the client and the batch's cancel flag; a
 * failure leaves its message (scrubbed) in errmsg. */
typedef struct llmk__batch_call {
	llmk_client *c;
	const llmk_cancel *cancel;
	char errmsg[LLMK_ERRMSG_MAX];
} llmk__batch_call;

/* A body streamed from a file, between a head and a tail held in memory (a
 * multipart upload: the form's head, the JSONL file, the closing line). */
typedef struct llmk__batch_body {
	const char *head;
	size_t head_len;
	FILE *file;
	uint64_t file_len;
	const char *tail;
	size_t tail_len;
	int join;     /* the lines are a JSON array's elements: each line break
	               * but the last is sent as ',' (Anthropic, Gemini inline) */
	uint64_t pos; /* bytes handed out so far */
	int failed;   /* the file could not be read */
} llmk__batch_body;

/* One HTTP request of the batch protocol. */
typedef struct llmk__batch_req {
	const char *method; /* "GET", "POST" */
	const char *url;    /* absolute */
	const char *content_type;
	const char *body; /* in memory, or */
	size_t body_len;
	llmk__batch_body *stream; /* streamed (rewound for each attempt) */
	FILE *to;                 /* the answer's body goes here (bounded by max_to), else to the response */
	uint64_t max_to;
	/* Whether a failed attempt whose fate at the server is unknown (a
	 * transport failure, 5xx) may be repeated: polls, downloads and
	 * uploads yes; creating a batch only when the server said it did
	 * nothing (408, 429, or x-should-retry). */
	int idempotent;
	/* Sets the provider's headers (credentials, version). */
	llmk_status (*headers)(const llmk_client *c, llmk_exchange *ex);
	/* More headers of this request: name, value, ..., NULL (or NULL). */
	const char *const *extra;
} llmk__batch_req;

/* Performs rq with the client's policy; *out is the last answer (its
 * status, headers and body, or the provider's error read by the adapter's
 * parse_error), freed by the caller. Returns *out's status; on a failure
 * bc->errmsg says what and *out may be NULL (out of memory). */
llmk_status llmk__batch_http(llmk__batch_call *bc, const llmk__batch_req *rq, llmk_response **out);

/* Builds request r exactly as llmk_send() would (model, support check,
 * credentials, the adapter's build()), without sending it: the exchange's
 * URL and body are what a batch line carries. *model_out gets the model
 * asked for (owned). The failure, if any, is on resp. */
llmk_status llmk__batch_build(const llmk_client *c, const llmk_request *r, llmk_exchange *ex, llmk_response *resp,
                              char **model_out);

/* One result line read by a wire format. */
typedef struct llmk__batch_result {
	char *custom_id;
	int32_t http_status; /* the request's own status (2xx: answer is the body to parse) */
	char *answer;        /* JSON text: the answer, or the error body for parse_error() */
	size_t answer_len;
	size_t inputs;      /* an embedding answer: the vectors it holds (the inputs it was asked for) */
	llmk_status status; /* not run (cancelled, expired) or failed without a body: */
	char *error;        /* this status and message */
} llmk__batch_result;

void llmk__batch_result_clear(llmk__batch_result *res);

/* A wire format's batch API. */
typedef struct llmk__batch_ops {
	const char *name; /* "OpenAI batch API", for messages */
	unsigned kinds;   /* 1 << kind it takes */
	size_t max_requests;
	uint64_t max_bytes; /* of the whole input */
	/* Appends the batch line (or element) for a built request. */
	llmk_status (*line)(const llmk_client *c, const char *custom_id, int32_t kind, const llmk_exchange *ex,
	                    llmk__buf *out, char *err, size_t errcap);
	/* Bytes the submission adds around the lines (an array's brackets and
	 * commas, an envelope): counted against max_bytes. */
	size_t line_overhead;
	/* Submits the n lines of `lines` (len bytes, one per line, each ending
	 * in '\n'); fills info (id, state). */
	llmk_status (*submit)(llmk__batch_call *bc, FILE *lines, uint64_t len, size_t n, int32_t kind,
	                      const char *model, llmk__batch_info *info);
	llmk_status (*get)(llmk__batch_call *bc, llmk__batch_info *info);
	llmk_status (*cancel)(llmk__batch_call *bc, llmk__batch_info *info);
	/* Writes the results, one JSON line each, into out (bounded by max). */
	llmk_status (*download)(llmk__batch_call *bc, const llmk__batch_info *info, FILE *out, uint64_t max);
	/* Reads one line written by download(). */
	llmk_status (*result)(const char *line, size_t len, llmk__batch_result *res);
	/* A wire format whose presets have batch APIs of their own (Mistral on
	 * the OpenAI format): the operations for this client, or NULL. */
	const struct llmk__batch_ops *(*select)(const llmk_client *c);
} llmk__batch_ops;

/* A body reader for llmk__batch_body (exchange.body_read). */
size_t llmk__batch_body_read(void *ctx, uint8_t *buf, size_t cap);

#endif
