/* Stream events: adapters emit text, reasoning, tool-call fragments and
 * usage; each is appended to the response and handed to the caller's
 * callback (so the accumulated response and the events cannot disagree).
 * Also the event accessors of the public API. */
#include <string.h>

#include "bounds.h"
#include "cache.h"
#include "clock.h"
#include "response.h"
#include "stream.h"

#define S(x) ((x) ? (x) : "")

static int deliver(llmk__stream_ctx *s, llmk_event *ev)
{
	if (s->cancelled)
		return 1;
	if (s->fn)
		s->delivered = 1; /* from here on the request is never retried */
	if (s->rec)
		llmk__cache_record(s->rec, ev);
	if (s->fn && s->fn(ev, s->user)) {
		s->cancelled = 1;
		return 1;
	}
	return 0;
}

static void first_token(llmk__stream_ctx *s)
{
	if (s->resp->timing[LLMK_TIMING_FIRST_TOKEN_MS] < 0)
		s->resp->timing[LLMK_TIMING_FIRST_TOKEN_MS] = llmk__now_ms() - s->t0;
}

static int emit_fragment(llmk__stream_ctx *s, int32_t type, llmk__buf *acc, const char *text, size_t len)
{
	llmk_event ev;

	if (!len)
		return 0;
	if (llmk__buf_append(acc, text, len)) {
		llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory accumulating the stream");
		return 1;
	}
	first_token(s);
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	/* Point into the accumulated copy: it is NUL-terminated, the network
	 * fragment may not be. */
	ev.text = acc->data + acc->len - len;
	ev.text_len = len;
	ev.tool_index = -1;
	return deliver(s, &ev);
}

int llmk__emit_text(llmk__stream_ctx *s, const char *text, size_t len)
{
	return emit_fragment(s, LLMK_EVENT_TEXT, &s->resp->text, text, len);
}

int llmk__emit_reasoning(llmk__stream_ctx *s, const char *text, size_t len)
{
	return emit_fragment(s, LLMK_EVENT_REASONING, &s->resp->reasoning, text, len);
}

int llmk__emit_refusal(llmk__stream_ctx *s, const char *text, size_t len)
{
	return emit_fragment(s, LLMK_EVENT_REFUSAL, &s->resp->refusal, text, len);
}

int llmk__emit_tool(llmk__stream_ctx *s, size_t index, const char *id, const char *name, const char *args,
                    size_t args_len)
{
	llmk__tool_call *tc = llmk__response_tool_call(s->resp, index);
	llmk_event ev;

	if (!tc) {
		llmk__fail(s->resp, index >= LLMK_MAX_TOOL_CALLS ? LLMK_E_TOO_LARGE : LLMK_E_NOMEM,
		           "tool call index %zu rejected", index);
		return 1;
	}
	/* The id and name come once, with the first fragment; later chunks
	 * repeat them on some servers, so only the first is kept. */
	if ((id && *id && !tc->id.len && llmk__buf_append_str(&tc->id, id)) ||
	    (name && *name && !tc->name.len && llmk__buf_append_str(&tc->name, name)) ||
	    (args_len && llmk__buf_append(&tc->args, args, args_len))) {
		llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory accumulating a tool call");
		return 1;
	}
	first_token(s);
	memset(&ev, 0, sizeof(ev));
	ev.type = LLMK_EVENT_TOOL_CALL;
	ev.text = args_len ? tc->args.data + tc->args.len - args_len : "";
	ev.text_len = args_len;
	ev.tool_index = (int32_t)index;
	ev.tool_id = tc->id.data;
	ev.tool_name = tc->name.data;
	return deliver(s, &ev);
}

int llmk__emit_usage(llmk__stream_ctx *s)
{
	llmk_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = LLMK_EVENT_USAGE;
	ev.tool_index = -1;
	ev.usage = s->resp->usage;
	return deliver(s, &ev);
}

int llmk__emit_audio(llmk__stream_ctx *s, const uint8_t *data, size_t len)
{
	llmk__buf *acc = &s->resp->stream_audio;
	llmk_event ev;

	if (!len)
		return 0;
	if (llmk__buf_append(acc, data, len)) {
		llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory accumulating the audio");
		return 1;
	}
	first_token(s);
	memset(&ev, 0, sizeof(ev));
	ev.type = LLMK_EVENT_AUDIO;
	ev.data = (const uint8_t *)acc->data + acc->len - len;
	ev.data_len = len;
	ev.tool_index = -1;
	ev.index = -1;
	return deliver(s, &ev);
}

int llmk__emit_image(llmk__stream_ctx *s, int32_t type, int32_t index, const uint8_t *data, size_t len)
{
	llmk_event ev;

	first_token(s);
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.data = data;
	ev.data_len = len;
	ev.tool_index = -1;
	ev.index = index;
	return deliver(s, &ev);
}

llmk_status llmk__stream_audio_finish(llmk_response *r, const char *mime)
{
	if (!r->stream_audio.len || r->audio)
		return LLMK_OK;
	if (llmk__set_field(&r->audio_mime, mime))
		return llmk__fail(r, LLMK_E_NOMEM, "out of memory");
	/* The buffer's memory is the library allocator's, as audio's is. */
	r->audio = (uint8_t *)r->stream_audio.data;
	r->audio_len = r->stream_audio.len;
	memset(&r->stream_audio, 0, sizeof(r->stream_audio));
	return LLMK_OK;
}

int llmk__emit_done(llmk__stream_ctx *s)
{
	llmk_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = LLMK_EVENT_DONE;
	ev.tool_index = -1;
	ev.usage = s->resp->usage;
	return deliver(s, &ev);
}

/* A stream request answered with a plain JSON body (some servers ignore
 * "stream": true): parse it and replay it as events so the caller's
 * callback still sees the answer. */
void llmk__replay_as_events(llmk__stream_ctx *s)
{
	llmk_response *r = s->resp;
	size_t i, n;
	llmk_event ev;

	if (!s->fn || r->status != LLMK_OK)
		return;
	first_token(s);
	if (r->text.len) {
		memset(&ev, 0, sizeof(ev));
		ev.type = LLMK_EVENT_TEXT;
		ev.text = r->text.data;
		ev.text_len = r->text.len;
		ev.tool_index = -1;
		if (deliver(s, &ev))
			return;
	}
	if (r->refusal.len) {
		memset(&ev, 0, sizeof(ev));
		ev.type = LLMK_EVENT_REFUSAL;
		ev.text = r->refusal.data;
		ev.text_len = r->refusal.len;
		ev.tool_index = -1;
		if (deliver(s, &ev))
			return;
	}
	n = r->ncalls;
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = LLMK_EVENT_TOOL_CALL;
		ev.tool_index = (int32_t)i;
		ev.tool_id = r->calls[i].id.data;
		ev.tool_name = r->calls[i].name.data;
		ev.text = r->calls[i].args.data;
		ev.text_len = r->calls[i].args.len;
		if (deliver(s, &ev))
			return;
	}
	if (r->usage[LLMK_USAGE_INPUT] >= 0 || r->usage[LLMK_USAGE_OUTPUT] >= 0)
		llmk__emit_usage(s);
}

/* ---- events ---------------------------------------------------------- */

int32_t llmk_event_type(const llmk_event *e)
{
	return e ? e->type : 0;
}

const char *llmk_event_text(const llmk_event *e)
{
	return e && e->text ? e->text : "";
}

size_t llmk_event_text_len(const llmk_event *e)
{
	return e && e->text ? e->text_len : 0;
}

const uint8_t *llmk_event_data(const llmk_event *e, size_t *len)
{
	int has = e && e->data &&
	          (e->type == LLMK_EVENT_AUDIO || e->type == LLMK_EVENT_IMAGE_PARTIAL || e->type == LLMK_EVENT_IMAGE);

	if (len)
		*len = has ? e->data_len : 0;
	return has ? e->data : NULL;
}

int32_t llmk_event_index(const llmk_event *e)
{
	return e && (e->type == LLMK_EVENT_IMAGE_PARTIAL || e->type == LLMK_EVENT_IMAGE) ? e->index : -1;
}

int32_t llmk_event_tool_index(const llmk_event *e)
{
	return e && e->type == LLMK_EVENT_TOOL_CALL ? e->tool_index : -1;
}

const char *llmk_event_tool_id(const llmk_event *e)
{
	return e ? S(e->tool_id) : "";
}

const char *llmk_event_tool_name(const llmk_event *e)
{
	return e ? S(e->tool_name) : "";
}

int64_t llmk_event_usage(const llmk_event *e, int32_t which)
{
	if (!e || !e->usage || which < LLMK_USAGE_INPUT || which > LLMK_USAGE_CACHE_WRITE_1H)
		return -1;
	return e->usage[which];
}
