/* Stream events: what adapters emit while a chat streams (stream.c). */
#ifndef LLMK_CORE_STREAM_H
#define LLMK_CORE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"

struct llmk_event {
	int32_t type;
	const char *text;
	size_t text_len;
	int32_t tool_index;
	const char *tool_id, *tool_name;
	const int64_t *usage;
	const uint8_t *data; /* AUDIO, IMAGE_PARTIAL, IMAGE: decoded bytes */
	size_t data_len;
	int32_t index; /* IMAGE_PARTIAL: partial_image_index; IMAGE: index on the response */
};

typedef struct llmk__stream_ctx {
	llmk_response *resp;
	llmk_stream_fn fn;
	void *user;
	int done; /* the provider signalled the end of the stream */
	int cancelled;
	int delivered; /* an event reached the caller */
	double t0;
	/* The adapter's own state across the events of one attempt (e.g.
	 * Anthropic's content-block index -> tool-call index): a zeroed block of
	 * its llmk__adapter.state_size bytes, NULL when that is 0. The engine
	 * owns the memory; only the adapter knows the layout. */
	void *state;
	const llmk_request *req;
	const char *provider_name;
	/* The response cache's record of the events delivered (cache.c), so a
	 * stored stream replays as the same events; NULL when not caching. */
	struct llmk__cache_rec *rec;
} llmk__stream_ctx;

/* Append to the response and tell the caller. Return non-zero to stop. */
int llmk__emit_text(llmk__stream_ctx *s, const char *text, size_t len);
int llmk__emit_reasoning(llmk__stream_ctx *s, const char *text, size_t len);
int llmk__emit_refusal(llmk__stream_ctx *s, const char *text, size_t len);
int llmk__emit_tool(llmk__stream_ctx *s, size_t index, const char *id, const char *name, const char *args,
                    size_t args_len);
int llmk__emit_usage(llmk__stream_ctx *s);
/* A chunk of streamed speech: appended to the response's audio (moved
 * there by llmk__stream_audio_finish()) and handed to the caller. */
int llmk__emit_audio(llmk__stream_ctx *s, const uint8_t *data, size_t len);
/* A partial image (LLMK_EVENT_IMAGE_PARTIAL, not kept) or a finished one
 * (LLMK_EVENT_IMAGE: index is its place on the response). */
int llmk__emit_image(llmk__stream_ctx *s, int32_t type, int32_t index, const uint8_t *data, size_t len);
/* Ends a speech stream: the accumulated chunks become llmk_response_audio()
 * with MIME type `mime`; LLMK_E_NOMEM (recorded) on failure. */
llmk_status llmk__stream_audio_finish(llmk_response *resp, const char *mime);
int llmk__emit_done(llmk__stream_ctx *s);
/* A whole answer replayed as events (a stream asked of a provider that
 * answered with one document). */
void llmk__replay_as_events(llmk__stream_ctx *s);

#endif
