/* The OpenAI wire format's images and audio: /images/generations,
 * /audio/transcriptions, /audio/speech. Apart from openai.c (chat,
 * embeddings) so that work on one does not collide with the other.
 *
 * Reference: OpenAI OpenAPI spec v2.3.0 (shared/data/specs/openai-openapi.json). */
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "multipart.h"
#include "openai.h"

/* ---- building ------------------------------------------------------------ */

static llmk_status build_image(const llmk_request *r, json_t *body, llmk_response *resp)
{
	static const llmk__opt_key opts[] = {{LLMK_OPT_IMAGE_COUNT, "n"},
	                                     {LLMK_OPT_IMAGE_SIZE, "size"},
	                                     {LLMK_OPT_IMAGE_QUALITY, "quality"},
	                                     {LLMK_OPT_IMAGE_STYLE, "style"},
	                                     {LLMK_OPT_IMAGE_RESPONSE_FORMAT, "response_format"},
	                                     {0, NULL}};
	const char *prompt = llmk__req_str(r, LLMK_OPT_PROMPT);

	if (!prompt || !*prompt)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "image request has no prompt (LLMK_OPT_PROMPT)");
	if (llmk__json_set(body, "prompt", json_string(prompt)) || llmk__put_opts(body, r, opts))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

static llmk_status build_speech(const llmk_request *r, json_t *body, llmk_response *resp)
{
	static const llmk__opt_key opts[] = {{LLMK_OPT_AUDIO_FORMAT, "response_format"},
	                                     {LLMK_OPT_INSTRUCTIONS, "instructions"},
	                                     {LLMK_OPT_SPEED, "speed"},
	                                     {0, NULL}};
	const char *input = llmk__req_str(r, LLMK_OPT_INPUT);
	const char *voice = llmk__req_str(r, LLMK_OPT_VOICE);

	if (!input || !*input)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "speech request has no input text (LLMK_OPT_INPUT)");
	if (strlen(input) > 4096)
		return llmk__fail(resp, LLMK_E_INVALID_ARG,
		                  "speech input is %zu bytes; the API takes at most 4096 characters", strlen(input));
	if (llmk__json_set(body, "input", json_string(input)) ||
	    llmk__json_set(body, "voice", json_string(voice ? voice : "alloy")) || llmk__put_opts(body, r, opts))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

static llmk_status build_transcribe(const llmk_request *r, const char *model, llmk_exchange *ex, llmk_response *resp)
{
	static const llmk__opt_key fields[] = {{LLMK_OPT_LANGUAGE, "language"},
	                                       {LLMK_OPT_PROMPT, "prompt"},
	                                       {LLMK_OPT_TRANSCRIPT_FORMAT, "response_format"},
	                                       {LLMK_OPT_TEMPERATURE, "temperature"},
	                                       {0, NULL}};
	llmk__multipart mp;

	if (!r->audio)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "transcribe request has no audio (llmk_request_set_audio)");
	llmk__multipart_init(&mp);
	llmk__multipart_file(&mp, "file", r->audio_name, r->audio_mime, r->audio, r->audio_len);
	llmk__multipart_field(&mp, "model", model);
	llmk__form_opts(&mp, r, fields);
	return llmk__set_form_body(ex, &mp, NULL, resp);
}

llmk_status llmk__openai_media_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                     llmk_exchange *ex, llmk_response *resp, llmk__body_edit edit)
{
	static const char *const paths[] = {"", "", "", "/images/generations", "/audio/transcriptions", "/audio/speech"};
	static const llmk__opt_key user[] = {{LLMK_OPT_USER, "user"}, {0, NULL}};
	json_t *body;
	llmk_status st;

	if (r->kind < LLMK_IMAGE || r->kind > LLMK_SPEECH)
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s does not serve this request kind", c->provider->name);
	if (llmk__openai_set_url(c, model, paths[r->kind], ex, resp) || llmk__openai_headers(c, ex))
		return FAIL_OOM(resp);
	if (r->kind == LLMK_TRANSCRIBE)
		return build_transcribe(r, model, ex, resp);

	body = json_pack("{s:s}", "model", model);
	if (!body)
		return FAIL_OOM(resp);
	st = r->kind == LLMK_IMAGE ? build_image(r, body, resp) : build_speech(r, body, resp);
	if (st == LLMK_OK && llmk__put_opts(body, r, user))
		st = FAIL_OOM(resp);
	/* Speech answers with audio: asking for JSON there gets a 406 from
	 * servers that honour Accept. */
	return llmk__finish_body(ex, r, body, st, edit,
	                         stream                   ? "text/event-stream"
	                         : r->kind == LLMK_SPEECH ? "*/*"
	                                                  : "application/json",
	                         resp);
}

/* ---- parsing ------------------------------------------------------------ */

static llmk_status parse_image(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *data = json_object_get(root, "data"), *item;
	const char *s;
	size_t i, n;
	int bad;

	(void)r;
	if (!json_is_array(data) || !(n = json_array_size(data)))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "image response has no data");
	if (llmk__count_check(resp, "images", n, LLMK_MAX_IMAGES))
		return resp->status;
	resp->images = llmk__calloc(n, sizeof(*resp->images));
	if (!resp->images)
		return LLMK_E_NOMEM;
	json_array_foreach(data, i, item)
	{
		llmk__image *img = &resp->images[i];
		resp->nimages = i + 1;
		if ((s = json_string_value(json_object_get(item, "b64_json")))) {
			img->data = llmk__b64_decode(s, strlen(s), &img->len, &bad);
			if (!img->data)
				return bad ? llmk__fail(resp, LLMK_E_PROTOCOL,
				                        "image %zu: b64_json is not valid base64", i)
				           : LLMK_E_NOMEM;
		} else if ((s = json_string_value(json_object_get(item, "url")))) {
			if (!(img->url = llmk__strdup(s)))
				return LLMK_E_NOMEM;
		} else {
			return llmk__fail(resp, LLMK_E_PROTOCOL, "image %zu has neither b64_json nor url", i);
		}
		if ((s = json_string_value(json_object_get(item, "revised_prompt"))) &&
		    !(img->revised_prompt = llmk__strdup(s)))
			return LLMK_E_NOMEM;
	}
	llmk__openai_read_usage(json_object_get(root, "usage"), resp);
	return LLMK_OK;
}

static llmk_status parse_transcript(const llmk_request *r, const char *ctype, const char *body, size_t len,
                                    llmk_response *resp)
{
	const char *fmt = llmk__req_str(r, LLMK_OPT_TRANSCRIPT_FORMAT);
	json_t *root, *text, *segs, *seg, *dur;
	size_t i, n;

	/* text, srt and vtt come back as plain text. */
	if ((fmt && strcmp(fmt, "json") && strcmp(fmt, "verbose_json")) || (ctype && !strncasecmp(ctype, "text/", 5)))
		return llmk__buf_append(&resp->text, body, len) ? LLMK_E_NOMEM : LLMK_OK;
	if (!(root = llmk__json_object(body, len, resp, "transcription response")))
		return resp->status;
	text = json_object_get(root, "text");
	if (!json_is_string(text)) {
		json_decref(root);
		return llmk__fail(resp, LLMK_E_PROTOCOL, "transcription response has no text");
	}
	if (llmk__buf_append(&resp->text, json_string_value(text), json_string_length(text)))
		goto oom;
	dur = json_object_get(root, "duration");
	if (json_is_number(dur))
		resp->duration = json_number_value(dur);
	segs = json_object_get(root, "segments");
	if (json_is_array(segs) && (n = json_array_size(segs))) {
		if (llmk__count_check(resp, "segments", n, LLMK_MAX_SEGMENTS)) {
			json_decref(root);
			return resp->status;
		}
		resp->segments = llmk__calloc(n, sizeof(*resp->segments));
		if (!resp->segments)
			goto oom;
		json_array_foreach(segs, i, seg)
		{
			resp->segments[i].start = json_number_value(json_object_get(seg, "start"));
			resp->segments[i].end = json_number_value(json_object_get(seg, "end"));
			resp->segments[i].text = llmk__strdup(json_string_value(json_object_get(seg, "text")));
			resp->nsegments = i + 1;
		}
	}
	llmk__openai_read_usage(json_object_get(root, "usage"), resp);
	if (resp->duration < 0 && json_is_number(json_object_get(json_object_get(root, "usage"), "seconds")))
		resp->duration = json_number_value(json_object_get(json_object_get(root, "usage"), "seconds"));
	json_decref(root);
	return LLMK_OK;
oom:
	json_decref(root);
	return LLMK_E_NOMEM;
}

static const llmk__readers image_readers = {.kind = {[LLMK_IMAGE] = parse_image}};

llmk_status llmk__openai_media_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp,
                                     const char *ctype, const char *body, size_t len)
{
	(void)c;
	if (r->kind == LLMK_SPEECH) {
		if (!len)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "speech response has no audio");
		if (ctype && !strncasecmp(ctype, "application/json", 16))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "speech response is JSON, not audio");
		resp->audio = llmk__malloc(len);
		if (!resp->audio || llmk__set_field(&resp->audio_mime, ctype ? ctype : "application/octet-stream"))
			return LLMK_E_NOMEM;
		memcpy(resp->audio, body, len);
		resp->audio_len = len;
		return LLMK_OK;
	}
	if (r->kind == LLMK_TRANSCRIBE)
		return parse_transcript(r, ctype, body, len, resp);
	return llmk__read_json(&image_readers, r, resp, "response body", body, len);
}

/* ---- streaming ------------------------------------------------------------ */

llmk_status llmk__openai_media_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	(void)event;
	(void)data;
	(void)len;
	return llmk__fail(s->resp, LLMK_E_PROTOCOL, "%s: no stream is asked for %s requests", s->provider_name,
	                  "media");
}
