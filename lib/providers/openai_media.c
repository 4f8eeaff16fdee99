/* The OpenAI wire format's images and audio: /images/generations,
 * /images/edits, /images/variations, /audio/transcriptions,
 * /audio/translations, /audio/speech, whole and streamed. Apart from
 * openai.c (chat, embeddings) so that work on one does not collide with
 * the other.
 *
 * Reference: OpenAI OpenAPI spec v2.3.0 (shared/data/specs/openai-openapi.json):
 * CreateImageRequest, CreateImageEditRequest, CreateImageVariationRequest,
 * CreateTranscriptionRequest, CreateTranslationRequest, CreateSpeechRequest
 * and their stream events (ImageGenStreamEvent, ImageEditStreamEvent,
 * CreateTranscriptionResponseStreamEvent, CreateSpeechResponseStreamEvent).
 * Wire facts that shape this file:
 * - Edits and variations are multipart: one image as "image", several as
 *   "image[]" (the SDKs' array form), the mask as "mask"; arrays of other
 *   fields likewise ("timestamp_granularities[]", "include[]").
 * - Streams are SSE whose data carry "type": transcript.text.delta /
 *   .segment / .done (usage), speech.audio.delta (base64 audio) / .done
 *   (usage), image_generation.partial_image / .completed and the
 *   image_edit twins (b64_json, partial_image_index, usage). No [DONE].
 *   vLLM streams transcripts as chat-like "transcription.chunk" chunks
 *   ending with [DONE]: read too (compatible servers use this adapter).
 * - Speech answers an audio type (the spec says application/octet-stream; the
 *   API sends audio/mpeg and the like); a streamed speech request without
 *   stream_format sse gets the same bytes, chunked as they are made. */
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "b64.h"
#include "multipart.h"
#include "openai.h"

#define LLMK_MAX_LOGPROBS 1000000

/* ---- building ------------------------------------------------------------ */

/* The options every image request sends, in JSON and in forms alike. */
static const llmk__opt_key image_common[] = {{LLMK_OPT_IMAGE_COUNT, "n"},
                                             {LLMK_OPT_IMAGE_SIZE, "size"},
                                             {LLMK_OPT_IMAGE_RESPONSE_FORMAT, "response_format"},
                                             {LLMK_OPT_USER, "user"},
                                             {0, NULL}};
/* ... generations and edits (GPT image models) ... */
static const llmk__opt_key image_gpt[] = {{LLMK_OPT_IMAGE_QUALITY, "quality"},
                                          {LLMK_OPT_IMAGE_OUTPUT_FORMAT, "output_format"},
                                          {LLMK_OPT_IMAGE_COMPRESSION, "output_compression"},
                                          {LLMK_OPT_IMAGE_BACKGROUND, "background"},
                                          {0, NULL}};
/* ... generations only ... */
static const llmk__opt_key image_gen[] = {
        {LLMK_OPT_IMAGE_STYLE, "style"}, {LLMK_OPT_IMAGE_MODERATION, "moderation"}, {0, NULL}};
/* ... edits only. */
static const llmk__opt_key image_edit[] = {{LLMK_OPT_IMAGE_INPUT_FIDELITY, "input_fidelity"}, {0, NULL}};

/* An option set on the request that the endpoint does not take: a clear
 * failure instead of a field the server would ignore (or refuse less
 * clearly). NULL map entries end the list. */
static llmk_status refuse_opts(const llmk_request *r, const llmk__opt_key *map, const char *endpoint,
                               llmk_response *resp)
{
	int64_t i;
	double f;

	for (; map->key; map++)
		if (llmk_option_type(map->opt) == LLMK_TYPE_STR   ? llmk__req_str(r, map->opt) != NULL
		    : llmk_option_type(map->opt) == LLMK_TYPE_I64 ? llmk__req_i64(r, map->opt, &i)
		                                                  : llmk__req_f64(r, map->opt, &f))
			return llmk__fail(resp, LLMK_E_INVALID_ARG, "%s is not sent to %s (the API does not take it)",
			                  llmk_option_name(map->opt), endpoint);
	return LLMK_OK;
}

/* stream and partial_images: what asks an image to stream. */
static int put_image_stream(json_t *body, const llmk_request *r, int stream)
{
	static const llmk__opt_key partial[] = {{LLMK_OPT_PARTIAL_IMAGES, "partial_images"}, {0, NULL}};

	if (!stream)
		return 0;
	return llmk__json_set(body, "stream", json_true()) || llmk__put_opts(body, r, partial);
}

static llmk_status build_image(const llmk_request *r, int stream, json_t *body, llmk_response *resp)
{
	const char *prompt = llmk__req_str(r, LLMK_OPT_PROMPT);
	llmk_status st;

	if (!prompt || !*prompt)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "image request has no prompt (LLMK_OPT_PROMPT)");
	if ((st = refuse_opts(r, image_edit, "/images/generations (it is for edits)", resp)))
		return st;
	if (llmk__json_set(body, "prompt", json_string(prompt)) || llmk__put_opts(body, r, image_common) ||
	    llmk__put_opts(body, r, image_gpt) || llmk__put_opts(body, r, image_gen) ||
	    put_image_stream(body, r, stream))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

/* /images/edits (a prompt) or /images/variations (none): multipart, the
 * images first. */
static llmk_status build_image_form(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                    llmk_exchange *ex, llmk_response *resp)
{
	static const llmk__opt_key not_variation[] = {{LLMK_OPT_IMAGE_QUALITY, "quality"},
	                                              {LLMK_OPT_IMAGE_OUTPUT_FORMAT, "output_format"},
	                                              {LLMK_OPT_IMAGE_COMPRESSION, "c"},
	                                              {LLMK_OPT_IMAGE_BACKGROUND, "background"},
	                                              {LLMK_OPT_IMAGE_INPUT_FIDELITY, "fidelity"},
	                                              {LLMK_OPT_PARTIAL_IMAGES, "partial_images"},
	                                              {0, NULL}};
	const char *prompt = llmk__req_str(r, LLMK_OPT_PROMPT);
	int edit = prompt && *prompt;
	const char *path = edit ? "/images/edits" : "/images/variations";
	llmk__multipart mp;
	json_t *fields;
	llmk_status st;
	size_t i;

	if ((st = refuse_opts(r, image_gen, path, resp)) || (!edit && (st = refuse_opts(r, not_variation, path, resp))))
		return st;
	if (llmk__openai_set_url(c, model, path, ex, resp) || llmk__openai_headers(c, ex))
		return FAIL_OOM(resp);
	fields = json_pack("{s:s}", "model", model);
	if (!fields || (edit && llmk__json_set(fields, "prompt", json_string(prompt))) ||
	    llmk__put_opts(fields, r, image_common) || (edit && llmk__put_opts(fields, r, image_gpt)) ||
	    (edit && llmk__put_opts(fields, r, image_edit)) || (edit && put_image_stream(fields, r, stream))) {
		json_decref(fields);
		return FAIL_OOM(resp);
	}
	llmk__multipart_init(&mp);
	for (i = 0; i < r->nimages; i++)
		llmk__multipart_file(&mp, r->nimages > 1 ? "image[]" : "image", r->images[i].name, r->images[i].mime,
		                     r->images[i].data, r->images[i].len);
	if (r->mask.data)
		llmk__multipart_file(&mp, "mask", r->mask.name, r->mask.mime, r->mask.data, r->mask.len);
	return llmk__form_body(ex, &mp, r, fields, stream && edit ? "text/event-stream" : "application/json", resp);
}

static llmk_status build_speech(const llmk_request *r, int stream, json_t *body, llmk_response *resp)
{
	static const llmk__opt_key opts[] = {{LLMK_OPT_AUDIO_FORMAT, "response_format"},
	                                     {LLMK_OPT_INSTRUCTIONS, "instructions"},
	                                     {LLMK_OPT_SPEED, "speed"},
	                                     {0, NULL}};
	const char *input = llmk__req_str(r, LLMK_OPT_INPUT);
	const char *voice = llmk__req_str(r, LLMK_OPT_VOICE);
	const char *sf = llmk__req_str(r, LLMK_OPT_STREAM_FORMAT);

	if (!input || !*input)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "speech request has no input text (LLMK_OPT_INPUT)");
	if (strlen(input) > 4096)
		return llmk__fail(resp, LLMK_E_INVALID_ARG,
		                  "speech input is %zu bytes; the API takes at most 4096 characters", strlen(input));
	if (llmk__json_set(body, "input", json_string(input)) ||
	    llmk__json_set(body, "voice", json_string(voice ? voice : "alloy")) || llmk__put_opts(body, r, opts))
		return FAIL_OOM(resp);
	/* stream_format says how llmk_stream() receives the audio; a whole
	 * answer (llmk_send()) is always the audio itself. */
	if (stream && sf && llmk__json_set(body, "stream_format", json_string(sf)))
		return FAIL_OOM(resp);
	return LLMK_OK;
}

/* "word,segment" -> ["word", "segment"] */
static json_t *granularities(const char *v)
{
	json_t *a = json_array();
	const char *comma = strchr(v, ',');

	if (!a || json_array_append_new(a, comma ? json_stringn(v, (size_t)(comma - v)) : json_string(v)) ||
	    (comma && json_array_append_new(a, json_string(comma + 1)))) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static llmk_status build_transcribe(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                    llmk_exchange *ex, llmk_response *resp)
{
	static const llmk__opt_key fields_map[] = {{LLMK_OPT_PROMPT, "prompt"},
	                                           {LLMK_OPT_TRANSCRIPT_FORMAT, "response_format"},
	                                           {LLMK_OPT_TEMPERATURE, "temperature"},
	                                           {0, NULL}};
	static const llmk__opt_key transcription_only[] = {{LLMK_OPT_LANGUAGE, "language"},
	                                                   {LLMK_OPT_TIMESTAMPS, "timestamp_granularities"},
	                                                   {LLMK_OPT_LOGPROBS, "include"},
	                                                   {LLMK_OPT_CHUNKING, "chunking_strategy"},
	                                                   {0, NULL}};
	const char *grain = llmk__req_str(r, LLMK_OPT_TIMESTAMPS), *chunking = llmk__req_str(r, LLMK_OPT_CHUNKING);
	int64_t translate = 0, logprobs = 0;
	llmk__multipart mp;
	json_t *fields;
	llmk_status st;
	int bad;

	if (!r->audio)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "transcribe request has no audio (llmk_request_set_audio)");
	llmk__req_i64(r, LLMK_OPT_TRANSLATE, &translate);
	llmk__req_i64(r, LLMK_OPT_LOGPROBS, &logprobs);
	/* Translations (whisper-1) take file, model, prompt, response_format
	 * and temperature only, and do not stream. */
	if (translate && (st = refuse_opts(r, transcription_only, "/audio/translations", resp)))
		return st;
	if (llmk__openai_set_url(c, model, translate ? "/audio/translations" : "/audio/transcriptions", ex, resp) ||
	    llmk__openai_headers(c, ex))
		return FAIL_OOM(resp);
	fields = json_pack("{s:s}", "model", model);
	bad = !fields || llmk__put_opts(fields, r, fields_map);
	if (!bad && !translate) {
		static const llmk__opt_key lang[] = {{LLMK_OPT_LANGUAGE, "language"}, {0, NULL}};
		bad = llmk__put_opts(fields, r, lang) ||
		      (grain && llmk__json_set(fields, "timestamp_granularities", granularities(grain))) ||
		      (logprobs && llmk__json_set(fields, "include", json_pack("[s]", "logprobs"))) ||
		      (chunking &&
		       llmk__json_set(fields, "chunking_strategy",
		                      strcmp(chunking, "auto") ? llmk__json_text(chunking) : json_string("auto"))) ||
		      (stream && llmk__json_set(fields, "stream", json_true()));
	}
	if (bad) {
		json_decref(fields);
		return FAIL_OOM(resp);
	}
	llmk__multipart_init(&mp);
	llmk__multipart_file(&mp, "file", r->audio_name, r->audio_mime, r->audio, r->audio_len);
	return llmk__form_body(ex, &mp, r, fields, stream && !translate ? "text/event-stream" : NULL, resp);
}

llmk_status llmk__openai_media_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                     llmk_exchange *ex, llmk_response *resp, llmk__body_edit edit)
{
	static const char *const paths[] = {
	        "", "", "", "/images/generations", "/audio/transcriptions", "/audio/speech"};
	json_t *body;
	llmk_status st;

	if (r->kind < LLMK_IMAGE || r->kind > LLMK_SPEECH)
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s does not serve this request kind", c->provider->name);
	if (r->kind == LLMK_TRANSCRIBE)
		return build_transcribe(c, r, model, stream, ex, resp);
	if (r->kind == LLMK_IMAGE && r->nimages)
		return build_image_form(c, r, model, stream, ex, resp);
	if (llmk__openai_set_url(c, model, paths[r->kind], ex, resp) || llmk__openai_headers(c, ex))
		return FAIL_OOM(resp);
	body = json_pack("{s:s}", "model", model);
	if (!body)
		return FAIL_OOM(resp);
	st = r->kind == LLMK_IMAGE ? build_image(r, stream, body, resp) : build_speech(r, stream, body, resp);
	/* Speech answers with audio: asking for JSON there gets a 406 from
	 * servers that honour Accept. */
	return llmk__finish_body(ex, r, body, st, edit,
	                         stream                   ? "text/event-stream"
	                         : r->kind == LLMK_SPEECH ? "*/*"
	                                                  : "application/json",
	                         resp);
}

/* ---- parsing ------------------------------------------------------------ */

/* Whether a Content-Type (which may be absent: then the format asked for
 * decides) is one of the types the request expects; else the failure,
 * naming both. types: a list ending in NULL; "audio/" matches any audio type. */
static llmk_status expect_type(llmk_response *resp, const char *ctype, const char *const *types, const char *what)
{
	const char *const *t;

	if (!ctype || !*ctype)
		return LLMK_OK;
	for (t = types; *t; t++)
		if (llmk__ctype_is(ctype, *t))
			return LLMK_OK;
	return llmk__fail(resp, LLMK_E_PROTOCOL, "expected %s, received Content-Type %.100s", what, ctype);
}

static const char *const json_types[] = {"application/json", NULL};

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

/* logprobs [{token, logprob, bytes, top_logprobs: [...]}] (chat's and the
 * transcription's shape) appended to the response. */
llmk_status llmk__openai_read_logprobs(json_t *arr, llmk_response *resp)
{
	json_t *lp, *tok, *top, *alt;
	llmk__logprob *out;
	size_t i, j, n;

	json_array_foreach(arr, i, lp)
	{
		tok = json_object_get(lp, "token");
		if (!json_is_string(tok))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "log probability %zu has no token", i);
		out = llmk__response_logprob(resp, json_string_value(tok), json_string_length(tok),
		                             json_number_value(json_object_get(lp, "logprob")), LLMK_MAX_LOGPROBS);
		if (!out)
			return resp->status;
		top = json_object_get(lp, "top_logprobs");
		if (!(n = json_array_size(top)))
			continue;
		if (n > 20)
			return llmk__fail(resp, LLMK_E_PROTOCOL,
			                  "token %zu has %zu alternatives (the API gives at most 20)", i, n);
		if (!(out->top = llmk__calloc(n, sizeof(*out->top))))
			return llmk__fail(resp, LLMK_E_NOMEM, "out of memory reading log probabilities");
		json_array_foreach(top, j, alt)
		{
			if (!(out->top[j].token = llmk__strdup(json_string_value(json_object_get(alt, "token")))))
				return llmk__fail(resp,
				                  json_is_string(json_object_get(alt, "token")) ? LLMK_E_NOMEM
				                                                                : LLMK_E_PROTOCOL,
				                  "token %zu: alternative %zu has no token", i, j);
			out->top[j].logprob = json_number_value(json_object_get(alt, "logprob"));
			out->ntop = j + 1;
		}
	}
	return LLMK_OK;
}

/* segments or words: [{start, end, text|word}] */
static llmk_status read_timed(json_t *arr, const char *text_key, llmk_response *resp, int words)
{
	size_t i, n = json_array_size(arr);
	json_t *el, *text;
	double *start, *end;
	char **out;

	if (!n)
		return LLMK_OK;
	if (llmk__count_check(resp, words ? "words" : "segments", n, LLMK_MAX_SEGMENTS))
		return resp->status;
	if (words ? !(resp->words = llmk__calloc(n, sizeof(*resp->words)))
	          : !(resp->segments = llmk__calloc(n, sizeof(*resp->segments))))
		return LLMK_E_NOMEM;
	json_array_foreach(arr, i, el)
	{
		text = json_object_get(el, text_key);
		if (!json_is_string(text))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "transcription %s %zu has no %s",
			                  words ? "word" : "segment", i, text_key);
		start = words ? &resp->words[i].start : &resp->segments[i].start;
		end = words ? &resp->words[i].end : &resp->segments[i].end;
		out = words ? &resp->words[i].text : &resp->segments[i].text;
		*start = json_number_value(json_object_get(el, "start"));
		*end = json_number_value(json_object_get(el, "end"));
		if (words)
			resp->nwords = i + 1;
		else
			resp->nsegments = i + 1;
		if (!(*out = llmk__strdup(json_string_value(text))))
			return LLMK_E_NOMEM;
	}
	return LLMK_OK;
}

static llmk_status parse_transcript(const llmk_request *r, const char *ctype, const char *body, size_t len,
                                    llmk_response *resp)
{
	/* srt and vtt come back as text/plain from OpenAI; whisper.cpp-style
	 * servers label them application/x-subrip and text/vtt. */
	static const char *const text_types[] = {"text/", "application/x-subrip", NULL};
	const char *fmt = llmk__req_str(r, LLMK_OPT_TRANSCRIPT_FORMAT);
	json_t *root, *text, *dur, *usage;
	llmk_status st;

	if (fmt && strcmp(fmt, "json") && strcmp(fmt, "verbose_json")) {
		if ((st = expect_type(resp, ctype, text_types, "text for a text, srt or vtt transcript")))
			return st;
		return llmk__buf_append(&resp->text, body, len) ? LLMK_E_NOMEM : LLMK_OK;
	}
	if ((st = expect_type(resp, ctype, json_types, "application/json for a json transcript")))
		return st;
	if (!(root = llmk__json_object(body, len, resp, "transcription response")))
		return resp->status;
	text = json_object_get(root, "text");
	if (!json_is_string(text)) {
		json_decref(root);
		return llmk__fail(resp, LLMK_E_PROTOCOL, "transcription response has no text");
	}
	st = llmk__buf_append(&resp->text, json_string_value(text), json_string_length(text)) ? LLMK_E_NOMEM : LLMK_OK;
	dur = json_object_get(root, "duration");
	if (json_is_number(dur))
		resp->duration = json_number_value(dur);
	if (st == LLMK_OK)
		st = read_timed(json_object_get(root, "segments"), "text", resp, 0);
	if (st == LLMK_OK)
		st = read_timed(json_object_get(root, "words"), "word", resp, 1);
	if (st == LLMK_OK)
		st = llmk__openai_read_logprobs(json_object_get(root, "logprobs"), resp);
	usage = json_object_get(root, "usage");
	llmk__openai_read_usage(usage, resp);
	if (resp->duration < 0 && json_is_number(json_object_get(usage, "seconds")))
		resp->duration = json_number_value(json_object_get(usage, "seconds"));
	json_decref(root);
	return st;
}

static const llmk__readers image_readers = {.kind = {[LLMK_IMAGE] = parse_image}};

llmk_status llmk__openai_media_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp,
                                     const char *ctype, const char *body, size_t len)
{
	static const char *const audio_types[] = {"audio/", "application/octet-stream", NULL};
	llmk_status st;

	(void)c;
	if (r->kind == LLMK_SPEECH) {
		if ((st = expect_type(resp, ctype, audio_types, "audio (audio/*)")))
			return st;
		if (!len)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "speech response has no audio");
		resp->audio = llmk__malloc(len);
		if (!resp->audio || llmk__set_field(&resp->audio_mime, ctype ? ctype : "application/octet-stream"))
			return LLMK_E_NOMEM;
		memcpy(resp->audio, body, len);
		resp->audio_len = len;
		return LLMK_OK;
	}
	if (r->kind == LLMK_TRANSCRIBE)
		return parse_transcript(r, ctype, body, len, resp);
	if ((st = expect_type(resp, ctype, json_types, "application/json")))
		return st;
	return llmk__read_json(&image_readers, r, resp, "response body", body, len);
}

/* ---- streaming ------------------------------------------------------------ */

/* The MIME type of streamed speech: the answer's own type is
 * text/event-stream, so the format asked for names it. */
static const char *speech_mime(const llmk_request *r)
{
	static const char *const map[][2] = {{"mp3", "audio/mpeg"}, {"wav", "audio/wav"},   {"opus", "audio/ogg"},
	                                     {"aac", "audio/aac"},  {"flac", "audio/flac"}, {"pcm", "audio/pcm"}};
	const char *f = llmk__req_str(r, LLMK_OPT_AUDIO_FORMAT);
	size_t i;

	for (i = 0; f && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(f, map[i][0]))
			return map[i][1];
	return "audio/mpeg"; /* the API's default format, mp3 */
}

/* The base64 member `key` of an event, decoded; NULL with the failure on
 * record. */
static uint8_t *event_bytes(llmk__stream_ctx *s, json_t *root, const char *key, const char *type, size_t *len)
{
	json_t *v = json_object_get(root, key);
	uint8_t *out;
	int bad = 0;

	if (!json_is_string(v)) {
		llmk__fail(s->resp, LLMK_E_PROTOCOL, "%s: %s event has no %s", s->provider_name, type, key);
		return NULL;
	}
	out = llmk__b64_decode(json_string_value(v), json_string_length(v), len, &bad);
	if (!out)
		llmk__fail(s->resp, bad ? LLMK_E_PROTOCOL : LLMK_E_NOMEM, "%s: %s event: %s", s->provider_name, type,
		           bad ? "its base64 data is not valid base64" : "out of memory decoding it");
	return out;
}

static llmk_status after_done(llmk__stream_ctx *s, const char *type)
{
	return llmk__fail(s->resp, LLMK_E_PROTOCOL, "%s: %s event after the end of the stream", s->provider_name, type);
}

static llmk_status transcript_event(llmk__stream_ctx *s, const char *type, json_t *root)
{
	llmk_response *resp = s->resp;
	json_t *v;
	llmk_status st;

	if (!strcmp(type, "transcript.text.delta")) {
		if (s->done)
			return after_done(s, type);
		if ((st = llmk__openai_read_logprobs(json_object_get(root, "logprobs"), resp)))
			return st;
		return llmk__emit_json_text(s, json_object_get(root, "delta"));
	}
	if (!strcmp(type, "transcript.text.segment")) {
		llmk__segment *grown;
		if (s->done)
			return after_done(s, type);
		if ((v = json_object_get(root, "text")) && !json_is_string(v))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: %s text is not a string", s->provider_name, type);
		if (llmk__count_check(resp, "segments", resp->nsegments + 1, LLMK_MAX_SEGMENTS))
			return resp->status;
		if (!(grown = llmk__realloc(resp->segments, (resp->nsegments + 1) * sizeof(*grown))))
			return llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
		resp->segments = grown;
		grown[resp->nsegments].start = json_number_value(json_object_get(root, "start"));
		grown[resp->nsegments].end = json_number_value(json_object_get(root, "end"));
		grown[resp->nsegments].text = llmk__strdup(v ? json_string_value(v) : "");
		if (!grown[resp->nsegments++].text)
			return llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
		return LLMK_OK;
	}
	if (!strcmp(type, "transcript.text.done")) {
		if (s->done)
			return after_done(s, type);
		s->done = 1;
		v = json_object_get(root, "text");
		if (!json_is_string(v))
			return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: transcript.text.done has no text",
			                  s->provider_name);
		/* The whole text, when no delta brought it (a server that only
		 * sends the end). */
		if (!resp->text.len && (st = llmk__emit_json_text(s, v)))
			return st;
		if (!resp->nlogprobs && (st = llmk__openai_read_logprobs(json_object_get(root, "logprobs"), resp)))
			return st;
		return llmk__stream_usage(s, json_object_get(root, "usage"), llmk__openai_read_usage);
	}
	return LLMK_OK; /* a later event type: not ours to refuse */
}

static llmk_status speech_event(llmk__stream_ctx *s, const char *type, json_t *root)
{
	uint8_t *audio;
	size_t len;
	int stop;
	llmk_status st;

	if (!strcmp(type, "speech.audio.delta")) {
		if (s->done)
			return after_done(s, type);
		if (!(audio = event_bytes(s, root, "audio", type, &len)))
			return s->resp->status;
		stop = llmk__emit_audio(s, audio, len);
		llmk__free(audio);
		return stop ? llmk__stream_stopped(s) : LLMK_OK;
	}
	if (!strcmp(type, "speech.audio.done")) {
		if (s->done)
			return after_done(s, type);
		s->done = 1;
		if (!s->resp->stream_audio.len)
			return llmk__fail(s->resp, LLMK_E_PROTOCOL, "%s: speech stream ended without audio",
			                  s->provider_name);
		if ((st = llmk__stream_audio_finish(s->resp, speech_mime(s->req))))
			return st;
		return llmk__stream_usage(s, json_object_get(root, "usage"), llmk__openai_read_usage);
	}
	return LLMK_OK;
}

static llmk_status image_event(llmk__stream_ctx *s, const char *type, json_t *root)
{
	int partial = !strcmp(type, "image_generation.partial_image") || !strcmp(type, "image_edit.partial_image");
	int completed = !strcmp(type, "image_generation.completed") || !strcmp(type, "image_edit.completed");
	llmk_response *resp = s->resp;
	uint8_t *data;
	size_t len;
	int64_t index = -1;
	int stop;
	llmk_status st;

	if (!partial && !completed)
		return LLMK_OK;
	/* n > 1 ends each image with its own completed event: more may come
	 * after one, but never a partial image of one already done. */
	if (partial && s->done)
		return after_done(s, type);
	if (!(data = event_bytes(s, root, "b64_json", type, &len)))
		return resp->status;
	if (partial) {
		llmk__json_i64(root, "partial_image_index", &index);
		stop = llmk__emit_image(s, LLMK_EVENT_IMAGE_PARTIAL, index < 0 || index > 1000 ? -1 : (int32_t)index,
		                        data, len);
		llmk__free(data);
		return stop ? llmk__stream_stopped(s) : LLMK_OK;
	}
	s->done = 1;
	if ((st = llmk__response_add_image(resp, data, len, LLMK_MAX_IMAGES)))
		return st;
	if (llmk__emit_image(s, LLMK_EVENT_IMAGE, (int32_t)(resp->nimages - 1), data, len))
		return llmk__stream_stopped(s);
	return llmk__stream_usage(s, json_object_get(root, "usage"), llmk__openai_read_usage);
}

/* vLLM's streamed transcripts (its TranscriptionStreamResponse): chat-like
 * chunks {"object": "transcription.chunk", "choices": [{"delta":
 * {"content": ...}}], "usage"}, ending with [DONE]. */
static llmk_status compat_transcript_chunk(llmk__stream_ctx *s, json_t *root)
{
	json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
	llmk_status st;

	if (s->done)
		return after_done(s, "transcription.chunk");
	if ((st = llmk__emit_json_text(s, json_object_get(json_object_get(choice, "delta"), "content"))))
		return st;
	return llmk__stream_usage(s, json_object_get(root, "usage"), llmk__openai_read_usage);
}

static llmk_status media_chunk(llmk__stream_ctx *s, json_t *root)
{
	json_t *t = json_object_get(root, "type");
	const char *type = json_string_value(t);

	if (!type && s->req->kind == LLMK_TRANSCRIBE && json_is_array(json_object_get(root, "choices")))
		return compat_transcript_chunk(s, root);
	if (!type)
		return llmk__fail(s->resp, LLMK_E_PROTOCOL, "%s: stream event has no type", s->provider_name);
	if (!strcmp(type, "error")) /* {"type": "error", "error": {...}} is caught before; a bare one here */
		return llmk__stream_failure(s->resp, llmk__error_from_json(s->resp, 200, root));
	switch (s->req->kind) {
	case LLMK_TRANSCRIBE: return transcript_event(s, type, root);
	case LLMK_SPEECH: return speech_event(s, type, root);
	default: return image_event(s, type, root);
	}
}

llmk_status llmk__openai_media_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	(void)event; /* the type is in the data too, and that is what the spec defines */
	if (len == 6 && !memcmp(data, "[DONE]", 6)) {
		s->done = 1; /* not sent by OpenAI here; compatible servers may */
		return LLMK_OK;
	}
	return llmk__json_stream_event(s, data, len, "stream event", media_chunk);
}
