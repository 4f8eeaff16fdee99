/* whisper.cpp's example server: POST /inference, multipart/form-data.
 *
 * Reference: ggml-org/whisper.cpp examples/server/README.md and
 * server.cpp. Wire facts that shape this file:
 * - Fields: file, response_format (json | text | srt | vtt | verbose_json;
 *   json when absent), language, prompt, temperature, translate (true:
 *   into English). The model is chosen
 *   when the server starts, so the request's model is not sent.
 * - json answers {"text": "..."}; verbose_json adds task, language (a full
 *   name such as "english"), duration (seconds), segments [{id, text,
 *   start, end, tokens, words, temperature, avg_logprob, no_speech_prob}]
 *   (start/end absent with no_timestamps); text is "text/html", srt
 *   "application/x-subrip", vtt "text/vtt".
 * - Input problems (no file field, audio it cannot read, ffmpeg failure)
 *   come back as {"error": "..."} with HTTP 200; a failed inference as the
 *   same shape with 500; unknown paths as plain text with 404. */
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "multipart.h"
#include "toolkit.h"

static llmk_status whispercpp_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                    llmk_exchange *ex, llmk_response *resp)
{
	static const llmk__opt_key fields_map[] = {{LLMK_OPT_TRANSCRIPT_FORMAT, "response_format"},
	                                           {LLMK_OPT_LANGUAGE, "language"},
	                                           {LLMK_OPT_PROMPT, "prompt"},
	                                           {LLMK_OPT_TEMPERATURE, "temperature"},
	                                           {0, NULL}};
	int64_t translate = 0;
	llmk__multipart mp;
	json_t *fields;

	(void)model;
	(void)stream;
	if (r->kind != LLMK_TRANSCRIBE)
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, "whispercpp serves transcribe requests only");
	if (!r->audio)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "transcribe request has no audio (llmk_request_set_audio)");
	if (llmk__exchange_set_url(ex, c->base_url, "/inference") ||
	    llmk__key_headers(c, ex, "Authorization", "Bearer "))
		return FAIL_OOM(resp);
	llmk__req_i64(r, LLMK_OPT_TRANSLATE, &translate);
	fields = json_object();
	/* server.cpp reads "translate" as a boolean parameter ("true"). */
	if (!fields || llmk__put_opts(fields, r, fields_map) ||
	    (translate && llmk__json_set(fields, "translate", json_true()))) {
		json_decref(fields);
		return FAIL_OOM(resp);
	}
	llmk__multipart_init(&mp);
	llmk__multipart_file(&mp, "file", r->audio_name, r->audio_mime, r->audio, r->audio_len);
	return llmk__form_body(ex, &mp, r, fields, "application/json, text/*", resp);
}

/* The Content-Type decides: errors are JSON whatever format was asked for.
 * Without one, the format asked for does. A JSON format answered with
 * another type is refused (an HTML page from a proxy is no transcript). */
static int is_plain_text(const llmk_request *r, const char *ctype, llmk_response *resp)
{
	const char *fmt = llmk__req_str(r, LLMK_OPT_TRANSCRIPT_FORMAT);
	int text_fmt = fmt && strcmp(fmt, "json") && strcmp(fmt, "verbose_json");

	if (ctype && *ctype) {
		if (llmk__ctype_is(ctype, "application/json"))
			return 0;
		if (!text_fmt) {
			llmk__fail(resp, LLMK_E_PROTOCOL,
			           "whispercpp: expected application/json, received Content-Type %.100s", ctype);
			return -1;
		}
		return 1;
	}
	return text_fmt;
}

static llmk_status read_segments(json_t *segs, llmk_response *resp)
{
	json_t *seg, *text;
	size_t i, n = json_array_size(segs);

	if (!n)
		return LLMK_OK;
	if (llmk__count_check(resp, "segments", n, LLMK_MAX_SEGMENTS))
		return resp->status;
	resp->segments = llmk__calloc(n, sizeof(*resp->segments));
	if (!resp->segments)
		return LLMK_E_NOMEM;
	json_array_foreach(segs, i, seg)
	{
		text = json_object_get(seg, "text");
		if (!json_is_object(seg) || !json_is_string(text))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "whispercpp: segment %zu has no text", i);
		resp->segments[i].start = json_number_value(json_object_get(seg, "start"));
		resp->segments[i].end = json_number_value(json_object_get(seg, "end"));
		resp->segments[i].text = llmk__strdup(json_string_value(text));
		resp->nsegments = i + 1;
		if (!resp->segments[i].text)
			return LLMK_E_NOMEM;
	}
	return LLMK_OK;
}

static llmk_status whispercpp_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *ctype,
                                    const char *body, size_t len)
{
	json_t *root, *text, *dur;
	llmk_status st;
	int plain;

	(void)c;
	if ((plain = is_plain_text(r, ctype, resp)) < 0)
		return resp->status;
	if (plain)
		return llmk__buf_append(&resp->text, body, len) ? LLMK_E_NOMEM : LLMK_OK;
	if (!(root = llmk__json_object(body, len, resp, "whispercpp response body")))
		return resp->status;
	if (json_object_get(root, "error")) {
		/* Input errors arrive with HTTP 200 (see the top of the file). */
		llmk__error_from_json(resp, 200, root);
		st = llmk__answer_error(resp, LLMK_E_BAD_REQUEST, "whispercpp: HTTP 200 carrying an error: ");
		json_decref(root);
		return st;
	}
	text = json_object_get(root, "text");
	if (!json_is_string(text)) {
		json_decref(root);
		return llmk__fail(resp, LLMK_E_PROTOCOL, "whispercpp: transcription response has no text");
	}
	st = llmk__buf_append(&resp->text, json_string_value(text), json_string_length(text)) ? LLMK_E_NOMEM : LLMK_OK;
	dur = json_object_get(root, "duration");
	if (json_is_number(dur))
		resp->duration = json_number_value(dur);
	if (st == LLMK_OK)
		st = read_segments(json_object_get(root, "segments"), resp);
	json_decref(root);
	return st;
}

static llmk_status whispercpp_stream_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	(void)event;
	(void)data;
	(void)len;
	return llmk__fail(s->resp, LLMK_E_PROTOCOL, "whispercpp does not stream");
}

const llmk__adapter llmk__whispercpp_adapter = {.build = whispercpp_build,
                                                .parse = whispercpp_parse,
                                                .parse_error = llmk__error_generic,
                                                .stream_event = whispercpp_stream_event,
                                                .framing = LLMK_FRAMING_SSE,
                                                .feature = LLMK_FEATURE_WHISPERCPP};
