/* One attempt of a request: the exchange built by the adapter, the
 * decoders its answer streams through, the view of the request as sent.
 * A job (job.c) runs attempts one after another; the files that each do
 * one part of an attempt share this layout and nothing else does:
 *   support.c  what the provider can honour: the view, or a clear refusal
 *   attempt.c  build before the transfer, classify and parse after it
 *   sink.c     status, headers and body bytes as the transport delivers
 *              them, decoded incrementally (SSE, NDJSON, AWS event stream)
 *   stream.c   events to the caller's callback (emit, replay) */
#ifndef LLMK_CORE_ATTEMPT_H
#define LLMK_CORE_ATTEMPT_H

#include <stddef.h>
#include <stdint.h>

#include "adapter.h"
#include "eventstream.h"
#include "ndjson.h"
#include "sse.h"

typedef struct llmk__attempt {
	const llmk_client *c;
	const llmk_request *r;
	llmk_response *resp;
	const llmk__adapter *ad;
	llmk_exchange ex;
	llmk__stream_ctx sctx;
	llmk__sse sse;
	llmk__ndjson nd;
	llmk__evs evs;
	int stream;        /* the wire request streams */
	int replay;        /* caller asked for a stream the provider cannot send: replay the answer */
	int sse_mode;      /* 0 undecided, 1 SSE, 2 NDJSON, 3 AWS event stream, 4 speech audio bytes, -1 whole body */
	llmk_request view; /* the request as sent: unsupported parameters dropped */
	llmk__message *view_msgs; /* owned copies when image parts were dropped */
	size_t max_body;
	size_t max_events, nevents, max_depth;
	double t0;
	int64_t deadline_left_ms; /* > 0: what is left of deadline_ms for this attempt */
} llmk__attempt;

/* Builds p->view, the request minus what the provider cannot honour, or
 * fails with LLMK_E_UNSUPPORTED naming the provider and the parameter
 * (-1; the failure is on the response). */
int llmk__check_support(llmk__attempt *p);
void llmk__free_view(llmk__attempt *p);
/* 1 when llmk_stream() of this image, transcribe or speech request streams
 * on the wire (the row's media_caps has LLMK_CAP_STREAM; an image also
 * needs LLMK_OPT_PARTIAL_IMAGES, since models without streaming refuse
 * "stream"). */
int llmk__media_streams(const llmk__provider *prov, const llmk_request *r);
/* "chat", "embed", ... for messages. */
const char *llmk__kind_name(int32_t kind);

/* Everything up to the transfer: 1 when the exchange is ready for the
 * transport, 0 when the attempt already ended (a failure recorded on the
 * response, or a registered provider that answered in-process). */
int llmk__attempt_prepare(llmk__attempt *p);
/* Everything after the transfer, whose transport status is st. */
void llmk__attempt_complete(llmk__attempt *p, llmk_status st);

/* Points the exchange's sink at p and sets up the decoders. */
void llmk__attempt_sink(llmk__attempt *p, size_t max_line);
/* After a 2xx answer: ends a decoded stream (1), or 0 when the body is
 * one document for the adapter's parse(). */
int llmk__attempt_finish_decoding(llmk__attempt *p);
/* Frees the decoders' buffers. */
void llmk__attempt_decoders_free(llmk__attempt *p);

#endif
