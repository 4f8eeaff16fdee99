#define _POSIX_C_SOURCE 200809L
/* Images and audio through the public API, on the OpenAI format (and
 * Gemini's image edits, whisper.cpp's translations): every documented
 * parameter on the wire (multipart bodies parsed back part by part), edits,
 * variations, translations, word timestamps, log probabilities, choices,
 * streamed transcripts, speech and images split at every byte, content
 * types checked, hostile streams refused with a bounded, clear error.
 * Uses the capture transport (no sockets). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "llmkit.h"

#define KEY "sk-test-0123456789abcdef0123456789abcdef"

typedef tu_fixture fixture;

static int setup(void **state)
{
	*state = tu_fixture_new("openai/gpt-4o-transcribe", KEY, "https://api.example.invalid/v1/");
	return 0;
}

/* ---- multipart, read back part by part ------------------------------------- */

#define MAX_PARTS 32
typedef struct part {
	char name[128], filename[128], type[64];
	const unsigned char *data;
	size_t len;
} part;

typedef struct form {
	part p[MAX_PARTS];
	size_t n;
} form;

static const unsigned char *find(const unsigned char *h, size_t hn, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= hn; i++)
		if (!memcmp(h + i, needle, n))
			return h + i;
	return NULL;
}

/* Parses the captured multipart body strictly (RFC 7578 as the library
 * writes it): each part a Content-Disposition with a name (and a filename
 * for files), an optional Content-Type, the data, CRLF, the next
 * delimiter; the body ends with the close delimiter. */
static void parse_form(const capture *cap, form *out)
{
	const char *ct = capture_header(cap, "Content-Type");
	char delim[160], hdr[512];
	const unsigned char *b = cap->body, *end = cap->body + cap->body_len, *p, *next, *he;
	size_t dl;

	assert_non_null(ct);
	assert_int_equal(strncmp(ct, "multipart/form-data; boundary=", 30), 0);
	snprintf(delim, sizeof(delim), "--%s", ct + 30);
	dl = strlen(delim);
	memset(out, 0, sizeof(*out));
	assert_true(cap->body_len > dl && !memcmp(b, delim, dl));
	p = b + dl;
	for (;;) {
		part *pt;
		if (end - p >= 4 && !memcmp(p, "--\r\n", 4)) {
			assert_ptr_equal(p + 4, end); /* nothing after the close delimiter */
			return;
		}
		assert_true(end - p >= 2 && !memcmp(p, "\r\n", 2));
		p += 2;
		he = find(p, (size_t)(end - p), "\r\n\r\n");
		assert_non_null(he);
		assert_true((size_t)(he - p) < sizeof(hdr));
		memcpy(hdr, p, (size_t)(he - p));
		hdr[he - p] = '\0';
		assert_true(out->n < MAX_PARTS);
		pt = &out->p[out->n++];
		assert_int_equal(sscanf(hdr, "Content-Disposition: form-data; name=\"%127[^\"]\"", pt->name), 1);
		if (strstr(hdr, "; filename=\""))
			sscanf(strstr(hdr, "; filename=\"") + 12, "%127[^\"]", pt->filename);
		if (strstr(hdr, "\r\nContent-Type: "))
			sscanf(strstr(hdr, "\r\nContent-Type: ") + 16, "%63s", pt->type);
		pt->data = he + 4;
		next = find(pt->data, (size_t)(end - pt->data), delim);
		assert_non_null(next);
		assert_true(next - pt->data >= 2 && !memcmp(next - 2, "\r\n", 2));
		pt->len = (size_t)(next - 2 - pt->data);
		p = next + dl;
	}
}

/* The parts as "name=value" lines (files as "name@filename:type:len"),
 * to compare with one string: order and every field checked at once. */
static char *form_lines(const form *fm)
{
	static char out[8192];
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < fm->n; i++) {
		const part *p = &fm->p[i];
		if (p->filename[0])
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s@%s:%s:%zu\n", p->name, p->filename, p->type,
			                      p->len);
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s=%.*s\n", p->name, (int)p->len,
			                      (const char *)p->data);
	}
	return out;
}

static const part *form_part(const form *fm, const char *name, int nth)
{
	for (size_t i = 0; i < fm->n; i++)
		if (!strcmp(fm->p[i].name, name) && nth-- == 0)
			return &fm->p[i];
	return NULL;
}

static const uint8_t wav[] = {'R', 'I', 'F', 'F', 0, 1, 2, 3, 'W', 'A', 'V', 'E'};
static const uint8_t png1[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
static const uint8_t png2[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3};
static const uint8_t jpg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F'};

static llmk_request *transcribe_request(void)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_TRANSCRIBE), LLMK_OK);
	assert_int_equal(llmk_request_set_audio(r, wav, sizeof(wav), "talk.wav", NULL), LLMK_OK);
	return r;
}

/* ---- transcription parameters -------------------------------------------------- */

static void test_transcribe_every_field(void **state)
{
	fixture *f = *state;
	llmk_request *r = transcribe_request();
	llmk_response *resp;
	form fm;

	f->cap.resp_body = "{\"text\":\"hi\"}";
	f->cap.resp_headers = TU_JSON;
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_LANGUAGE, "en"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a talk"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "verbose_json"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.2), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TIMESTAMPS, "word,segment"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_LOGPROBS, 1), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_CHUNKING, "auto"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/audio/transcriptions");
	parse_form(&f->cap, &fm);
	assert_string_equal(form_lines(&fm), "file@talk.wav:audio/wav:12\n"
	                                     "model=gpt-4o-transcribe\n"
	                                     "prompt=a talk\n"
	                                     "response_format=verbose_json\n"
	                                     "temperature=0.2\n"
	                                     "language=en\n"
	                                     "timestamp_granularities[]=word\n"
	                                     "timestamp_granularities[]=segment\n"
	                                     "include[]=logprobs\n"
	                                     "chunking_strategy=auto\n");
	assert_memory_equal(form_part(&fm, "file", 0)->data, wav, sizeof(wav));
	llmk_response_free(resp);

	/* chunking as a server_vad object goes member by member, the way
	 * OpenAI's SDKs write objects in a form; stream=true only from
	 * llmk_stream(). */
	assert_int_equal(
	        llmk_request_set_str(r, LLMK_OPT_CHUNKING,
	                             "{\"type\":\"server_vad\",\"threshold\":0.6,\"silence_duration_ms\":300}"),
	        LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TIMESTAMPS, "segment"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	parse_form(&f->cap, &fm);
	assert_non_null(strstr(form_lines(&fm), "timestamp_granularities[]=segment\ninclude[]=logprobs\n"
	                                        "chunking_strategy[type]=server_vad\nchunking_strategy[threshold]=0.6\n"
	                                        "chunking_strategy[silence_duration_ms]=300\n"));
	assert_null(form_part(&fm, "timestamp_granularities[]", 1));
	assert_null(form_part(&fm, "stream", 0));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* Extra JSON reaches a multipart body as OpenAI's SDKs write forms: a
 * string as it is, numbers and booleans as JSON text, arrays as name[]
 * fields, objects as name[key] fields, null removes the library's own
 * field; a member cannot inject a header. */
static void test_transcribe_extra_json(void **state)
{
	fixture *f = *state;
	llmk_request *r = transcribe_request();
	llmk_response *resp;
	form fm;

	f->cap.resp_body = "{\"text\":\"hi\"}";
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "json"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_LANGUAGE, "en"), LLMK_OK);
	assert_int_equal(llmk_request_set_extra_json(r, "{\"language\":null,\"languages\":[\"en\",\"fr\"],"
	                                                "\"keywords\":[\"llmkit\"],\"stream\":false,\"n\":3,"
	                                                "\"temperature\":0.125,\"chunking_strategy\":"
	                                                "{\"type\":\"server_vad\",\"x\":{\"y\":[1,true]}},"
	                                                "\"response_format\":\"text\"}"),
	                 LLMK_OK);
	f->cap.resp_body = "hi";
	f->cap.resp_headers = "Content-Type: text/plain; charset=utf-8\n";
	/* The answer is read by the format the request names (json): text/plain
	 * is then not the answer. The extra JSON's response_format reached the
	 * wire all the same. */
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "expected application/json"));
	assert_non_null(strstr(llmk_response_error(resp), "text/plain"));
	parse_form(&f->cap, &fm);
	assert_string_equal(form_lines(&fm), "file@talk.wav:audio/wav:12\n"
	                                     "model=gpt-4o-transcribe\n"
	                                     "response_format=text\n"
	                                     "languages[]=en\n"
	                                     "languages[]=fr\n"
	                                     "keywords[]=llmkit\n"
	                                     "stream=false\n"
	                                     "n=3\n"
	                                     "temperature=0.125\n"
	                                     "chunking_strategy[type]=server_vad\n"
	                                     "chunking_strategy[x][y][]=1\n"
	                                     "chunking_strategy[x][y][]=true\n");
	llmk_response_free(resp);

	/* A quote, CR or LF in a member name would write a header of its own. */
	assert_int_equal(llmk_request_set_extra_json(r, "{\"x\\\"\\r\\nContent-Type: text/html\":\"1\"}"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "form field"));
	llmk_response_free(resp);
	/* ... nor a nested one. */
	assert_int_equal(llmk_request_set_extra_json(r, "{\"a\":{\"b\\r\\nX: y\":1}}"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	llmk_response_free(resp);
	f->cap.resp_headers = NULL;
	llmk_request_free(r);
}

static void test_transcribe_words_logprobs(void **state)
{
	fixture *f = *state;
	llmk_request *r = transcribe_request();
	llmk_response *resp;

	f->cap.resp_body = read_data("openai/transcription_words.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json; charset=utf-8\n";
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "verbose_json"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TIMESTAMPS, "word"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_word_count(resp), 2);
	assert_string_equal(llmk_response_word_text(resp, 0), "The");
	assert_true(llmk_response_word_start(resp, 0) == 0.0);
	assert_true(llmk_response_word_end(resp, 0) == 0.23999999463558197);
	assert_string_equal(llmk_response_word_text(resp, 1), "volleyball");
	assert_true(llmk_response_word_start(resp, 1) == 7.400000095367432);
	assert_true(llmk_response_word_end(resp, 1) == 7.900000095367432);
	assert_null(llmk_response_word_text(resp, 2));
	assert_true(llmk_response_word_start(resp, 2) == -1);
	assert_true(llmk_response_duration(resp) == 8.470000267028809);
	assert_int_equal(llmk_response_segment_count(resp), 0);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	f->cap.resp_body = read_data("openai/transcription_logprobs.json", NULL);
	llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "json");
	llmk_request_set_str(r, LLMK_OPT_TIMESTAMPS, NULL);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_LOGPROBS, 1), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_logprob_count(resp), 16);
	assert_string_equal(llmk_response_logprob_token(resp, 0), "Hey");
	assert_true(llmk_response_logprob(resp, 0) == -1.0415299);
	assert_string_equal(llmk_response_logprob_token(resp, 15), ".");
	assert_true(llmk_response_logprob(resp, 15) == -0.00011093382);
	assert_int_equal(llmk_response_top_logprob_count(resp, 0), 0);
	assert_null(llmk_response_logprob_token(resp, 16));
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 14);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 45);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	f->cap.resp_headers = NULL;
	llmk_request_free(r);
}

static void test_translation(void **state)
{
	fixture *f = *state;
	llmk_request *r = transcribe_request();
	llmk_response *resp;
	form fm;

	tu_fixture_use(f, "openai/whisper-1", KEY, "https://api.example.invalid/v1");
	f->cap.resp_body = "{\"text\":\"Hello, my name is Wolfgang.\"}";
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TRANSLATE, 1), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "names: Wolfgang"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "json"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/audio/translations");
	parse_form(&f->cap, &fm);
	assert_string_equal(form_lines(&fm), "file@talk.wav:audio/wav:12\n"
	                                     "model=whisper-1\n"
	                                     "prompt=names: Wolfgang\n"
	                                     "response_format=json\n"
	                                     "temperature=0\n");
	assert_string_equal(llmk_response_text(resp), "Hello, my name is Wolfgang.");
	llmk_response_free(resp);

	/* What only transcriptions take is refused, not dropped in silence. */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_LANGUAGE, "de"), LLMK_OK);
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "language is not sent to /audio/translations"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);

	/* whisper.cpp's server: translate=true on /inference. */
	tu_fixture_use(f, "whispercpp/ggml-base", NULL, "http://127.0.0.1:8080");
	r = transcribe_request();
	f->cap.resp_body = "{\"text\":\" Hello.\"}";
	f->cap.resp_headers = TU_JSON;
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TRANSLATE, 1), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	parse_form(&f->cap, &fm);
	assert_string_equal(form_lines(&fm), "file@talk.wav:audio/wav:12\ntranslate=true\n");
	llmk_response_free(resp);
	/* A JSON format answered with HTML (a proxy's page) is no transcript. */
	f->cap.resp_body = "<html>gateway</html>";
	f->cap.resp_headers = "Content-Type: text/html\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(
	        strstr(llmk_response_error(resp), "expected application/json, received Content-Type text/html"));
	llmk_response_free(resp);
	f->cap.resp_headers = NULL;
	llmk_request_free(r);
	/* Other transcription services do not translate: refused by the row. */
	tu_fixture_use(f, "groq/whisper-large-v3", KEY, NULL);
	r = transcribe_request();
	llmk_request_set_i64(r, LLMK_OPT_TRANSLATE, 1);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "translate"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- images --------------------------------------------------------------------- */

static void test_image_generation_fields(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	json_t *j;

	tu_fixture_use(f, "openai/gpt-image-1", KEY, "https://api.example.invalid/v1");
	f->cap.resp_body = read_data("openai/image_b64.json", NULL);
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a red pixel"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_OUTPUT_FORMAT, "webp"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_IMAGE_COMPRESSION, 80), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_BACKGROUND, "transparent"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_MODERATION, "low"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_QUALITY, "high"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/images/generations");
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "output_format"), "webp");
	assert_int_equal(jint(j, "output_compression"), 80);
	assert_string_equal(jstr(j, "background"), "transparent");
	assert_string_equal(jstr(j, "moderation"), "low");
	assert_string_equal(jstr(j, "quality"), "high");
	assert_null(jget(j, "stream"));
	assert_int_equal(json_object_size(j), 7);
	json_decref(j);
	assert_int_equal(llmk_response_image_count(resp), 1);
	llmk_response_free(resp);
	/* Edits' own field is refused here. */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_INPUT_FIDELITY, "high"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "image_input_fidelity is not sent to /images/generations"));
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	llmk_request_free(r);
}

static void test_image_edit_multipart(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	const part *p;
	form fm;

	tu_fixture_use(f, "openai/gpt-image-1", KEY, "https://api.example.invalid/v1");
	f->cap.resp_body = read_data("openai/image_b64.json", NULL);
	f->cap.resp_headers = TU_JSON;
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "add a hat"), LLMK_OK);
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), "image/png", "cat.png"), LLMK_OK);
	assert_int_equal(llmk_request_set_mask(r, png2, sizeof(png2)), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, "1024x1024"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_QUALITY, "high"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_BACKGROUND, "opaque"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_OUTPUT_FORMAT, "jpeg"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_IMAGE_COMPRESSION, 50), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_INPUT_FIDELITY, "high"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_IMAGE_COUNT, 2), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_USER, "user-1234"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/images/edits");
	assert_string_equal(capture_header(&f->cap, "Accept"), "application/json");
	parse_form(&f->cap, &fm);
	assert_string_equal(form_lines(&fm), "image@cat.png:image/png:16\n"
	                                     "mask@mask.png:image/png:11\n"
	                                     "model=gpt-image-1\n"
	                                     "prompt=add a hat\n"
	                                     "n=2\n"
	                                     "size=1024x1024\n"
	                                     "user=user-1234\n"
	                                     "quality=high\n"
	                                     "output_format=jpeg\n"
	                                     "output_compression=50\n"
	                                     "background=opaque\n"
	                                     "input_fidelity=high\n");
	assert_memory_equal(form_part(&fm, "image", 0)->data, png1, sizeof(png1));
	assert_memory_equal(form_part(&fm, "mask", 0)->data, png2, sizeof(png2));
	assert_int_equal(llmk_response_image_count(resp), 1);
	llmk_response_free(resp);

	/* Several images: image[] each, in order, names and types kept. */
	assert_int_equal(llmk_request_add_image(r, jpg, sizeof(jpg), "image/jpeg", NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_mask(r, NULL, 0), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	parse_form(&f->cap, &fm);
	p = form_part(&fm, "image[]", 0);
	assert_non_null(p);
	assert_string_equal(p->filename, "cat.png");
	p = form_part(&fm, "image[]", 1);
	assert_non_null(p);
	assert_string_equal(p->filename, "image.jpg");
	assert_string_equal(p->type, "image/jpeg");
	assert_memory_equal(p->data, jpg, sizeof(jpg));
	assert_null(form_part(&fm, "image", 0));
	assert_null(form_part(&fm, "mask", 0));
	assert_int_equal(llmk_request_image_count(r), 2);
	llmk_response_free(resp);
	/* Generation-only fields are refused for edits. */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_STYLE, "vivid"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "image_style is not sent to /images/edits"));
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	f->cap.resp_headers = NULL;
	llmk_request_free(r);
}

static void test_image_variation(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	form fm;

	tu_fixture_use(f, "openai/dall-e-2", KEY, "https://api.example.invalid/v1");
	f->cap.resp_body = read_data("openai/image_url.json", NULL);
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_IMAGE_COUNT, 2), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, "256x256"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_RESPONSE_FORMAT, "url"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.example.invalid/v1/images/variations");
	parse_form(&f->cap, &fm);
	assert_string_equal(form_lines(&fm), "image@image.png:image/png:16\n"
	                                     "model=dall-e-2\n"
	                                     "n=2\n"
	                                     "size=256x256\n"
	                                     "response_format=url\n");
	assert_int_equal(llmk_response_image_count(resp), 2);
	llmk_response_free(resp);
	/* Variations take one image and none of the GPT image fields. */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_IMAGE_QUALITY, "high"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "image_quality is not sent to /images/variations"));
	llmk_response_free(resp);
	llmk_request_set_str(r, LLMK_OPT_IMAGE_QUALITY, NULL);
	assert_int_equal(llmk_request_add_image(r, png2, sizeof(png2), "image/png", "b.png"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "variations take one input image"));
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	llmk_request_free(r);
}

static void test_image_input_checks(void **state)
{
	fixture *f = *state;
	llmk_request *r, *chat;
	llmk_response *resp;
	const uint8_t *d;
	size_t len;
	int i;

	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_add_image(r, NULL, 0, "image/png", NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), "image/gif", NULL), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "image/png, image/jpeg or image/webp"));
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), "image/png", "a\"b.png"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), "image/png", "a\r\n.png"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), "image/png", "../x.png"), LLMK_E_INVALID_ARG);
	for (i = 0; i < 16; i++)
		assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), "image/webp", NULL), LLMK_OK);
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), NULL, NULL), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "at most 16"));
	assert_int_equal(llmk_request_image_count(r), 16);
	d = llmk_request_image(r, 15, &len);
	assert_int_equal(len, sizeof(png1));
	assert_memory_equal(d, png1, len);
	assert_string_equal(llmk_request_image_mime(r, 0), "image/webp");
	assert_string_equal(llmk_request_image_name(r, 0), "image.webp");
	assert_null(llmk_request_image(r, 16, &len));
	assert_int_equal(len, 0);
	assert_null(llmk_request_mask(r, &len));
	llmk_request_free(r);

	chat = chat_request("hi");
	assert_int_equal(llmk_request_add_image(chat, png1, sizeof(png1), NULL, NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_mask(chat, png1, sizeof(png1)), LLMK_E_INVALID_ARG);
	llmk_request_free(chat);

	/* A mask alone; a provider without edits. Nothing is sent. */
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	llmk_request_set_str(r, LLMK_OPT_PROMPT, "x");
	assert_int_equal(llmk_request_set_mask(r, png2, sizeof(png2)), LLMK_OK);
	d = llmk_request_mask(r, &len);
	assert_int_equal(len, sizeof(png2));
	assert_memory_equal(d, png2, len);
	tu_fixture_use(f, "openai/gpt-image-1", KEY, "https://api.example.invalid/v1");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "mask needs an input image"));
	llmk_response_free(resp);
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), NULL, NULL), LLMK_OK);
	tu_fixture_use(f, "together/black-forest-labs/FLUX.1-schnell", KEY, NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "does not serve image edits"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_gemini_image_edit(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	json_t *j;

	tu_fixture_use(f, "gemini/gemini-2.5-flash-image", "AIza-test-key", "https://gemini.example.invalid/v1beta");
	f->cap.resp_body = "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"inlineData\":{\"mimeType\":"
	                   "\"image/png\",\"data\":\"iVBORw0KGgo=\"}}]},\"finishReason\":\"STOP\"}],"
	                   "\"usageMetadata\":{\"promptTokenCount\":300,\"candidatesTokenCount\":1290}}";
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "make the cat wear a hat"), LLMK_OK);
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), "image/png", NULL), LLMK_OK);
	assert_int_equal(llmk_request_add_image(r, jpg, sizeof(jpg), "image/jpeg", NULL), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_non_null(strstr(f->cap.url, "/models/gemini-2.5-flash-image:generateContent"));
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "contents.0.parts.0.text"), "make the cat wear a hat");
	assert_string_equal(jstr(j, "contents.0.parts.1.inlineData.mimeType"), "image/png");
	assert_string_equal(jstr(j, "contents.0.parts.1.inlineData.data"), "iVBORw0KGgoAAAANSUhEUg==");
	assert_string_equal(jstr(j, "contents.0.parts.2.inlineData.mimeType"), "image/jpeg");
	assert_string_equal(jstr(j, "contents.0.parts.2.inlineData.data"), "/9j/4AAQSkZJRg==");
	assert_null(jget(j, "contents.0.parts.3"));
	json_decref(j);
	assert_int_equal(llmk_response_image_count(resp), 1);
	llmk_response_free(resp);
	/* Its answers must be JSON. */
	f->cap.resp_headers = "Content-Type: text/html; charset=UTF-8\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(
	        strstr(llmk_response_error(resp), "expected application/json, received Content-Type text/html"));
	llmk_response_free(resp);
	f->cap.resp_headers = "Content-Type: application/json; charset=UTF-8\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	llmk_response_free(resp);
	f->cap.resp_headers = NULL;
	/* No mask in Gemini's API; no variations either. */
	assert_int_equal(llmk_request_set_mask(r, png2, sizeof(png2)), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "no mask"));
	llmk_response_free(resp);
	llmk_request_free(r);
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), "image/png", NULL), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "variations"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* ---- chat choices and log probabilities ------------------------------------------ */

static void test_chat_choices_logprobs(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	json_t *j;

	tu_fixture_use(f, "openai/gpt-4o-mini", KEY, "https://api.example.invalid/v1");
	f->cap.resp_body = read_data("openai/chat_choices_logprobs.json", NULL);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_CHOICES, 2), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_LOGPROBS, 1), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_TOP_LOGPROBS, 2), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_int_equal(jint(j, "n"), 2);
	assert_true(json_is_true(jget(j, "logprobs")));
	assert_int_equal(jint(j, "top_logprobs"), 2);
	json_decref(j);
	assert_int_equal(llmk_response_choice_count(resp), 2);
	assert_string_equal(llmk_response_choice_text(resp, 0), "Hello!");
	assert_string_equal(llmk_response_text(resp), "Hello!");
	assert_string_equal(llmk_response_choice_finish_reason(resp, 0), "stop");
	assert_string_equal(llmk_response_choice_text(resp, 1), "Hi there");
	assert_string_equal(llmk_response_choice_finish_reason(resp, 1), "length");
	assert_null(llmk_response_choice_text(resp, 2));
	assert_int_equal(llmk_response_logprob_count(resp), 2);
	assert_string_equal(llmk_response_logprob_token(resp, 0), "Hello");
	assert_true(llmk_response_logprob(resp, 0) == -0.31725305);
	assert_int_equal(llmk_response_top_logprob_count(resp, 1), 2);
	assert_string_equal(llmk_response_top_logprob_token(resp, 1, 1), " there");
	assert_true(llmk_response_top_logprob(resp, 1, 1) == -3.787621);
	assert_null(llmk_response_top_logprob_token(resp, 1, 2));
	assert_null(llmk_response_top_logprob_token(resp, 2, 0));
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* The response cache cannot keep choices or logprobs: such an answer is
	 * not stored, so the second send asks the provider again and gets them. */
	{
		llmk_store *store = NULL;
		int calls;
		if (llmk_store_new_memory(1 << 20, &store) == LLMK_OK &&
		    llmk_client_set_cache(f->c, store) == LLMK_OK) {
			f->cap.resp_body = read_data("openai/chat_choices_logprobs.json", NULL);
			calls = f->cap.calls;
			assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
			llmk_response_free(resp);
			assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
			assert_int_equal(llmk_response_cached(resp), 0);
			assert_int_equal(f->cap.calls, calls + 2);
			assert_int_equal(llmk_response_choice_count(resp), 2);
			assert_int_equal(llmk_response_logprob_count(resp), 2);
			llmk_response_free(resp);
			free((void *)f->cap.resp_body);
			llmk_client_set_cache(f->c, NULL);
		}
		llmk_store_free(store);
	}
	/* An ordinary answer is one choice; none when the answer had none. */
	f->cap.resp_body = read_data("openai/chat_completion.json", NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_choice_count(resp), 1);
	assert_string_equal(llmk_response_choice_text(resp, 0), llmk_response_text(resp));
	assert_int_equal(llmk_response_logprob_count(resp), 0);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	assert_int_equal(llmk_response_choice_count(NULL), 0);

	/* Where n is not served it is refused by name, never half-honoured. */
	tu_fixture_use(f, "anthropic/claude-sonnet-4-5", KEY, "https://api.example.invalid/v1");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "anthropic does not support choices"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	tu_fixture_use(f, "openai/gpt-4o-mini", KEY, "https://api.example.invalid/v1");
	/* A choice index past the bound is the server's fault, said so. */
	f->cap.resp_body = "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"a\"}},"
	                   "{\"index\":4000,\"message\":{\"content\":\"b\"}}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "choice index 4000"));
	llmk_response_free(resp);
	llmk_request_free(r);
}

typedef struct media_events {
	char text[8192];
	unsigned char audio[4096];
	size_t audio_len;
	int ntext, naudio, npartial, nimage, nusage, ndone, after_done;
	size_t partial_len[4];
	int partial_index[4];
	unsigned char last_partial[256];
	size_t last_partial_len;
	int image_index;
	size_t image_len;
	int64_t usage_in, usage_out;
	int stop_after_audio;
} media_events;

static int32_t on_media(const llmk_event *ev, void *user)
{
	media_events *m = user;
	size_t len;
	const uint8_t *d = llmk_event_data(ev, &len);

	if (m->ndone)
		m->after_done++;
	switch (llmk_event_type(ev)) {
	case LLMK_EVENT_TEXT:
		assert_null(d);
		assert_true(strlen(m->text) + llmk_event_text_len(ev) < sizeof(m->text));
		strncat(m->text, llmk_event_text(ev), llmk_event_text_len(ev));
		m->ntext++;
		break;
	case LLMK_EVENT_AUDIO:
		assert_non_null(d);
		assert_int_equal(llmk_event_index(ev), -1);
		assert_true(m->audio_len + len <= sizeof(m->audio));
		memcpy(m->audio + m->audio_len, d, len);
		m->audio_len += len;
		m->naudio++;
		if (m->stop_after_audio && m->naudio >= m->stop_after_audio)
			return 1;
		break;
	case LLMK_EVENT_IMAGE_PARTIAL:
		assert_true(m->npartial < 4);
		m->partial_len[m->npartial] = len;
		m->partial_index[m->npartial++] = llmk_event_index(ev);
		assert_true(len <= sizeof(m->last_partial));
		memcpy(m->last_partial, d, len);
		m->last_partial_len = len;
		break;
	case LLMK_EVENT_IMAGE:
		m->nimage++;
		m->image_index = llmk_event_index(ev);
		m->image_len = len;
		break;
	case LLMK_EVENT_USAGE:
		m->nusage++;
		m->usage_in = llmk_event_usage(ev, LLMK_USAGE_INPUT);
		m->usage_out = llmk_event_usage(ev, LLMK_USAGE_OUTPUT);
		break;
	case LLMK_EVENT_DONE: m->ndone++; break;
	default: fail_msg("unexpected event type %d", (int)llmk_event_type(ev));
	}
	return 0;
}

static llmk_status media_stream(fixture *f, const llmk_request *r, const char *headers, const char *body, size_t len,
                                size_t ws, media_events *m, llmk_response **resp)
{
	memset(m, 0, sizeof(*m));
	f->cap.resp_headers = headers;
	f->cap.resp_body = body;
	f->cap.resp_len = len;
	f->cap.write_size = ws;
	return llmk_stream(f->c, r, on_media, m, resp);
}

static void test_chat_stream_choices(void **state)
{
	fixture *f = *state;
	llmk_request *r = chat_request("hi");
	llmk_response *resp;
	media_events m;
	char *sse = read_data("openai/chat_stream_choices.sse", NULL);
	size_t ws, n = strlen(sse);

	tu_fixture_use(f, "openai/gpt-4o-mini", KEY, "https://api.example.invalid/v1");
	llmk_request_set_i64(r, LLMK_OPT_CHOICES, 2);
	llmk_request_set_i64(r, LLMK_OPT_LOGPROBS, 1);
	/* Split at every byte: each write size from 1 to the whole. */
	for (ws = 1; ws <= n; ws += ws < 64 ? 1 : 37) {
		assert_int_equal(media_stream(f, r, TU_SSE, sse, 0, ws, &m, &resp), LLMK_OK);
		assert_string_equal(m.text, "Hello!"); /* only choice 0 as events */
		assert_int_equal(llmk_response_choice_count(resp), 2);
		assert_string_equal(llmk_response_choice_text(resp, 1), "Hi there");
		assert_string_equal(llmk_response_choice_finish_reason(resp, 1), "length");
		assert_string_equal(llmk_response_choice_finish_reason(resp, 0), "stop");
		assert_int_equal(llmk_response_logprob_count(resp), 2); /* choice 0's */
		assert_string_equal(llmk_response_logprob_token(resp, 1), "!");
		assert_int_equal(m.ndone, 1);
		llmk_response_free(resp);
	}
	f->cap.write_size = 0;
	free(sse);
	llmk_request_free(r);
}

/* ---- streams -------------------------------------------------------------------- */

#define STREAM_TEXT                                                                                                 \
	"I see skies of blue and clouds of white, the bright blessed days, the dark sacred nights, and I think to " \
	"myself, what a wonderful world."

static void test_transcribe_stream(void **state)
{
	fixture *f = *state;
	llmk_request *r = transcribe_request();
	llmk_response *resp;
	media_events m;
	size_t n, ws;
	char *sse = read_data("openai/transcription_stream.sse", &n);
	form fm;

	tu_fixture_use(f, "openai/gpt-4o-mini-transcribe", KEY, "https://api.example.invalid/v1");
	assert_int_equal(llmk_provider_capabilities("openai", LLMK_TRANSCRIBE) & LLMK_CAP_STREAM, LLMK_CAP_STREAM);
	llmk_request_set_i64(r, LLMK_OPT_LOGPROBS, 1);
	for (ws = 1; ws <= n; ws += ws < 200 ? 1 : 101) {
		assert_int_equal(media_stream(f, r, TU_SSE, sse, 0, ws, &m, &resp), LLMK_OK);
		assert_string_equal(m.text, STREAM_TEXT);
		assert_int_equal(m.ntext, ws == 1 ? 31 : m.ntext);
		assert_string_equal(llmk_response_text(resp), STREAM_TEXT);
		assert_int_equal(llmk_response_logprob_count(resp), 31); /* from the deltas, not twice */
		assert_string_equal(llmk_response_logprob_token(resp, 2), " skies");
		assert_true(llmk_response_logprob(resp, 2) == -2.3392786e-6);
		assert_int_equal(m.nusage, 1);
		assert_int_equal(m.usage_in, 14);
		assert_int_equal(m.usage_out, 45);
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 59);
		assert_int_equal(m.ndone, 1);
		assert_int_equal(m.after_done, 0);
		llmk_response_free(resp);
	}
	assert_int_equal(m.ntext, 31);
	/* stream=true went in the form; the answer was asked as SSE. */
	parse_form(&f->cap, &fm);
	assert_non_null(strstr(form_lines(&fm), "include[]=logprobs\nstream=true\n"));
	assert_string_equal(capture_header(&f->cap, "Accept"), "text/event-stream");
	free(sse);

	/* A server that ignores stream and answers one document: the text comes
	 * as one event all the same (whisper-1 does that, per the spec). */
	assert_int_equal(media_stream(f, r, TU_JSON, "{\"text\":\"whole\"}", 0, 0, &m, &resp), LLMK_OK);
	assert_string_equal(m.text, "whole");
	assert_int_equal(m.ndone, 1);
	llmk_response_free(resp);
	/* Only the done event (no deltas): its text is the text. */
	assert_int_equal(media_stream(f, r, TU_SSE,
	                              "data: {\"type\":\"transcript.text.done\",\"text\":\"all at once\"}\n\n", 0, 0,
	                              &m, &resp),
	                 LLMK_OK);
	assert_string_equal(m.text, "all at once");
	llmk_response_free(resp);
	/* vLLM's chat-like transcription chunks, ending with [DONE]. */
	assert_int_equal(media_stream(f, r, TU_SSE,
	                              "data: {\"id\":\"trsc-1\",\"object\":\"transcription.chunk\",\"created\":1,"
	                              "\"model\":\"openai/whisper-large-v3\",\"choices\":[{\"delta\":{\"content\":"
	                              "\" And so\"}}]}\n\n"
	                              "data: {\"id\":\"trsc-1\",\"object\":\"transcription.chunk\",\"created\":1,"
	                              "\"model\":\"openai/whisper-large-v3\",\"choices\":[{\"delta\":{\"content\":"
	                              "\" my fellow\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
	                              "20,\"completion_tokens\":4,\"total_tokens\":24}}\n\n"
	                              "data: [DONE]\n\n",
	                              0, 5, &m, &resp),
	                 LLMK_OK);
	assert_string_equal(m.text, " And so my fellow");
	assert_int_equal(m.usage_out, 4);
	llmk_response_free(resp);
	assert_int_equal(media_stream(f, r, TU_SSE,
	                              "data: {\"object\":\"transcription.chunk\",\"choices\":[{\"delta\":"
	                              "{\"content\":\"x\"}}]}\n\n",
	                              0, 0, &m, &resp),
	                 LLMK_E_PROTOCOL); /* no [DONE]: cut off */
	llmk_response_free(resp);
	/* Diarized segments are collected. */
	assert_int_equal(
	        media_stream(f, r, TU_SSE,
	                     "data: {\"type\":\"transcript.text.segment\",\"id\":\"seg_002\",\"start\":5.2,"
	                     "\"end\":12.8,\"text\":\"Hi, I need help with diarization.\",\"speaker\":\"A\"}\n\n"
	                     "data: {\"type\":\"transcript.text.delta\",\"delta\":\"Hi, I need help with "
	                     "diarization.\",\"segment_id\":\"seg_002\"}\n\n"
	                     "data: {\"type\":\"transcript.text.done\",\"text\":\"Hi, I need help with "
	                     "diarization.\"}\n\n",
	                     0, 0, &m, &resp),
	        LLMK_OK);
	assert_int_equal(llmk_response_segment_count(resp), 1);
	assert_true(llmk_response_segment_start(resp, 0) == 5.2);
	assert_string_equal(llmk_response_segment_text(resp, 0), "Hi, I need help with diarization.");
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.resp_headers = NULL;
	f->cap.write_size = 0;
}

static llmk_request *speech_request(const char *stream_format)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_SPEECH), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_INPUT, "Today is a wonderful day."), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_VOICE, "coral"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_INSTRUCTIONS, "Speak in a cheerful tone."), LLMK_OK);
	if (stream_format)
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_STREAM_FORMAT, stream_format), LLMK_OK);
	return r;
}

static void test_speech_stream_sse(void **state)
{
	fixture *f = *state;
	llmk_request *r = speech_request("sse");
	llmk_response *resp;
	media_events m;
	size_t n, alen, ws, len;
	char *sse = read_data("openai/speech_stream.sse", &n);
	char *audio = read_data("openai/speech_stream.bin", &alen);
	const uint8_t *got;
	json_t *j;

	tu_fixture_use(f, "openai/gpt-4o-mini-tts", KEY, "https://api.example.invalid/v1");
	for (ws = 1; ws <= n; ws++) {
		assert_int_equal(media_stream(f, r, TU_SSE, sse, 0, ws, &m, &resp), LLMK_OK);
		assert_int_equal(m.audio_len, alen);
		assert_memory_equal(m.audio, audio, alen);
		assert_int_equal(m.naudio, 3);
		got = llmk_response_audio(resp, &len);
		assert_int_equal(len, alen);
		assert_memory_equal(got, audio, alen);
		assert_string_equal(llmk_response_audio_mime(resp), "audio/mpeg");
		assert_int_equal(m.usage_in, 14);
		assert_int_equal(m.usage_out, 101);
		assert_int_equal(m.ndone, 1);
		llmk_response_free(resp);
	}
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "stream_format"), "sse");
	assert_string_equal(jstr(j, "instructions"), "Speak in a cheerful tone.");
	json_decref(j);
	assert_string_equal(capture_header(&f->cap, "Accept"), "text/event-stream");
	/* The callback stops the stream: cancelled, as for chat. */
	memset(&m, 0, sizeof(m));
	m.stop_after_audio = 1;
	f->cap.resp_body = sse;
	f->cap.resp_headers = TU_SSE;
	f->cap.write_size = 0;
	assert_int_equal(llmk_stream(f->c, r, on_media, &m, &resp), LLMK_E_CANCELLED);
	assert_int_equal(m.naudio, 1);
	llmk_response_free(resp);
	/* llmk_send() never asks for SSE: the audio itself comes back. */
	f->cap.resp_body = audio;
	f->cap.resp_len = alen;
	f->cap.resp_headers = "Content-Type: audio/mpeg\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_null(jget(j, "stream_format"));
	json_decref(j);
	llmk_response_free(resp);
	free(sse);
	free(audio);
	llmk_request_free(r);
	f->cap.resp_len = 0;
	f->cap.resp_headers = NULL;
}

/* stream_format audio (the default): the bytes as they arrive, each write
 * an AUDIO event, for every speech model. */
static void test_speech_stream_audio(void **state)
{
	fixture *f = *state;
	llmk_request *r = speech_request(NULL);
	llmk_response *resp;
	media_events m;
	size_t alen, ws, len;
	char *audio = read_data("openai/speech_stream.bin", &alen);
	const uint8_t *got;
	json_t *j;

	tu_fixture_use(f, "openai/tts-1", KEY, "https://api.example.invalid/v1");
	for (ws = 1; ws <= alen; ws++) {
		assert_int_equal(media_stream(f, r, "Content-Type: audio/mpeg\n", audio, alen, ws, &m, &resp), LLMK_OK);
		assert_int_equal(m.naudio, (int)((alen + ws - 1) / ws));
		assert_int_equal(m.audio_len, alen);
		assert_memory_equal(m.audio, audio, alen);
		got = llmk_response_audio(resp, &len);
		assert_int_equal(len, alen);
		assert_memory_equal(got, audio, alen);
		assert_string_equal(llmk_response_audio_mime(resp), "audio/mpeg");
		assert_int_equal(m.ndone, 1);
		llmk_response_free(resp);
	}
	j = sent_json(&f->cap);
	assert_null(jget(j, "stream_format"));
	json_decref(j);
	/* An empty answer is no audio. */
	assert_int_equal(media_stream(f, r, "Content-Type: audio/mpeg\n", "", 0, 0, &m, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "no audio"));
	llmk_response_free(resp);
	free(audio);
	llmk_request_free(r);
	f->cap.resp_len = 0;
	f->cap.write_size = 0;
	f->cap.resp_headers = NULL;
}

static void test_image_stream(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	media_events m;
	size_t n, flen, plen, ws, len;
	char *sse = read_data("openai/image_stream.sse", &n);
	char *final = read_data("openai/image_final.png", &flen);
	char *partial = read_data("openai/image_partial1.png", &plen);
	const uint8_t *img;
	json_t *j;

	tu_fixture_use(f, "openai/gpt-image-1", KEY, "https://api.example.invalid/v1");
	assert_int_equal(llmk_request_new(&r, LLMK_IMAGE), LLMK_OK);
	llmk_request_set_str(r, LLMK_OPT_PROMPT, "a red square");
	/* Without partial_images an image request is not streamed on the wire
	 * (dall-e models refuse "stream"): one DONE event. */
	f->cap.resp_body = read_data("openai/image_b64.json", NULL);
	memset(&m, 0, sizeof(m));
	assert_int_equal(llmk_stream(f->c, r, on_media, &m, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_null(jget(j, "stream"));
	json_decref(j);
	assert_int_equal(m.ndone, 1);
	assert_int_equal(m.nimage + m.npartial, 0);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_PARTIAL_IMAGES, 2), LLMK_OK);
	for (ws = 1; ws <= n; ws++) {
		assert_int_equal(media_stream(f, r, TU_SSE, sse, 0, ws, &m, &resp), LLMK_OK);
		assert_int_equal(m.npartial, 2);
		assert_int_equal(m.partial_index[0], 0);
		assert_int_equal(m.partial_index[1], 1);
		assert_int_equal(m.last_partial_len, plen);
		assert_memory_equal(m.last_partial, partial, plen);
		assert_int_equal(m.nimage, 1);
		assert_int_equal(m.image_index, 0);
		assert_int_equal(m.image_len, flen);
		assert_int_equal(llmk_response_image_count(resp), 1);
		img = llmk_response_image_data(resp, 0, &len);
		assert_int_equal(len, flen);
		assert_memory_equal(img, final, flen);
		assert_int_equal(m.usage_in, 50);
		assert_int_equal(m.usage_out, 50);
		assert_int_equal(m.ndone, 1);
		llmk_response_free(resp);
	}
	j = sent_json(&f->cap);
	assert_true(json_is_true(jget(j, "stream")));
	assert_int_equal(jint(j, "partial_images"), 2);
	json_decref(j);
	/* An edit streams the same way (image_edit.* events). */
	assert_int_equal(llmk_request_add_image(r, png1, sizeof(png1), NULL, NULL), LLMK_OK);
	{
		char *edit = malloc(n + 1);
		const char *s = sse;
		size_t o = 0;
		form fm;
		/* image_generation. -> image_edit. (one event family for the other) */
		while (*s) {
			if (!strncmp(s, "image_generation.", 17)) {
				memcpy(edit + o, "image_edit.", 11);
				o += 11;
				s += 17;
			} else {
				edit[o++] = *s++;
			}
		}
		edit[o] = '\0';
		assert_int_equal(media_stream(f, r, TU_SSE, edit, 0, 7, &m, &resp), LLMK_OK);
		assert_int_equal(m.npartial, 2);
		assert_int_equal(m.nimage, 1);
		assert_string_equal(f->cap.url, "https://api.example.invalid/v1/images/edits");
		parse_form(&f->cap, &fm);
		assert_non_null(strstr(form_lines(&fm), "stream=true\npartial_images=2\n"));
		llmk_response_free(resp);
		free(edit);
	}
	free(sse);
	free(final);
	free(partial);
	llmk_request_free(r);
	f->cap.resp_headers = NULL;
	f->cap.write_size = 0;
}

/* ---- content types ---------------------------------------------------------------- */

static void expect_protocol(fixture *f, const llmk_request *r, const char *headers, const char *body, const char *msg1,
                            const char *msg2)
{
	llmk_response *resp;

	f->cap.resp_headers = headers;
	f->cap.resp_body = body;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), msg1));
	if (msg2)
		assert_non_null(strstr(llmk_response_error(resp), msg2));
	assert_null(llmk_response_audio(resp, NULL));
	llmk_response_free(resp);
	f->cap.resp_headers = NULL;
}

static void test_content_types(void **state)
{
	fixture *f = *state;
	llmk_request *t = transcribe_request(), *s = speech_request(NULL), *c = chat_request("hi"), *img;
	llmk_response *resp;
	static const char sse[] = "data: {\"type\":\"transcript.text.delta\",\"delta\":\"hi\"}\n\n";

	tu_fixture_use(f, "openai/gpt-4o-mini-transcribe", KEY, "https://api.example.invalid/v1");
	/* The raw event stream was once returned as the transcript, and as
	 * "audio" of type text/event-stream. */
	expect_protocol(f, t, TU_SSE, sse, "expected one JSON document, received text/event-stream", NULL);
	expect_protocol(f, s, "Content-Type: text/event-stream; charset=utf-8\n",
	                "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AA==\"}\n\n",
	                "expected audio, received text/event-stream", NULL);
	expect_protocol(f, s, "Content-Type: application/json\n", "{\"ok\":true}", "expected audio",
	                "application/json");
	expect_protocol(f, s, "Content-Type: text/html\n", "<html></html>", "expected audio", "text/html");
	expect_protocol(f, c, "Content-Type: text/html; charset=utf-8\n", "<html>502</html>",
	                "expected application/json, received Content-Type text/html", NULL);
	expect_protocol(f, c, TU_SSE, "data: {}\n\n", "received text/event-stream", NULL);
	assert_int_equal(llmk_request_new(&img, LLMK_IMAGE), LLMK_OK);
	llmk_request_set_str(img, LLMK_OPT_PROMPT, "x");
	expect_protocol(f, img, "Content-Type: text/plain\n", "{\"data\":[]}", "expected application/json", NULL);
	/* srt asked: JSON is not it. */
	llmk_request_set_str(t, LLMK_OPT_TRANSCRIPT_FORMAT, "srt");
	expect_protocol(f, t, "Content-Type: application/json\n", "{\"text\":\"x\"}", "expected text", NULL);

	/* Parameters, case and white space of a type are tolerated; so is no
	 * type at all (then the format asked for decides). */
	f->cap.resp_headers = "Content-Type:  APPLICATION/JSON ; charset=UTF-8\n";
	f->cap.resp_body = read_data("openai/chat_completion.json", NULL);
	assert_int_equal(llmk_send(f->c, c, &resp), LLMK_OK);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);
	f->cap.resp_headers = "Content-Type: application/jsonx\n";
	f->cap.resp_body = "{}";
	assert_int_equal(llmk_send(f->c, c, &resp), LLMK_E_PROTOCOL);
	llmk_response_free(resp);
	f->cap.resp_headers = "Content-Type: text/plain; charset=utf-8\n";
	f->cap.resp_body = "1\n00:00:00,000 --> 00:00:01,000\nhi\n";
	assert_int_equal(llmk_send(f->c, t, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "1\n00:00:00,000 --> 00:00:01,000\nhi\n");
	llmk_response_free(resp);
	f->cap.resp_headers = "Content-Type: audio/ogg; codecs=opus\n";
	f->cap.resp_body = "OggS";
	assert_int_equal(llmk_send(f->c, s, &resp), LLMK_OK);
	assert_string_equal(llmk_response_audio_mime(resp), "audio/ogg; codecs=opus");
	llmk_response_free(resp);
	f->cap.resp_headers = "Content-Type: application/octet-stream\n"; /* what the spec names */
	assert_int_equal(llmk_send(f->c, s, &resp), LLMK_OK);
	llmk_response_free(resp);
	f->cap.resp_headers = NULL;
	llmk_request_free(t);
	llmk_request_free(s);
	llmk_request_free(c);
	llmk_request_free(img);
}

/* ---- hostile streams -------------------------------------------------------------- */

static void expect_stream_error(fixture *f, const llmk_request *r, const char *body, llmk_status want, const char *msg)
{
	llmk_response *resp;
	media_events m;

	assert_int_equal(media_stream(f, r, TU_SSE, body, 0, 3, &m, &resp), want);
	assert_int_equal(llmk_response_status(resp), want);
	assert_non_null(strstr(llmk_response_error(resp), msg));
	assert_int_equal(m.ndone, 0);
	llmk_response_free(resp);
}

static void test_hostile_streams(void **state)
{
	fixture *f = *state;
	llmk_request *t = transcribe_request(), *s = speech_request("sse"), *img;
	char *big;
	size_t i;

	tu_fixture_use(f, "openai/gpt-4o-mini-transcribe", KEY, "https://api.example.invalid/v1");
	expect_stream_error(f, s, "data: {\"type\":\"speech.audio.delta\",\"audio\":\"not base64!\"}\n\n",
	                    LLMK_E_PROTOCOL, "not valid base64");
	expect_stream_error(f, s, "data: {\"type\":\"speech.audio.delta\",\"audio\":42}\n\n", LLMK_E_PROTOCOL,
	                    "has no audio");
	expect_stream_error(f, s,
	                    "data: {\"type\":\"speech.audio.done\",\"usage\":{}}\n\n"
	                    "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAAA\"}\n\n",
	                    LLMK_E_PROTOCOL, "speech stream ended without audio");
	expect_stream_error(f, s,
	                    "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAAA\"}\n\n"
	                    "data: {\"type\":\"speech.audio.done\"}\n\n"
	                    "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAAA\"}\n\n",
	                    LLMK_E_PROTOCOL, "speech.audio.delta event after the end of the stream");
	expect_stream_error(f, s, "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAAA\"}\n\n", LLMK_E_PROTOCOL,
	                    "ended before the end-of-stream marker");
	expect_stream_error(f, s, "data: {\"audio\":\"AAAA\"}\n\n", LLMK_E_PROTOCOL, "has no type");
	expect_stream_error(f, s, "data: [1,2]\n\n", LLMK_E_PROTOCOL, "not a JSON object");
	expect_stream_error(f, t,
	                    "data: {\"type\":\"transcript.text.done\",\"text\":\"a\"}\n\n"
	                    "data: {\"type\":\"transcript.text.delta\",\"delta\":\"b\"}\n\n",
	                    LLMK_E_PROTOCOL, "transcript.text.delta event after the end");
	expect_stream_error(f, t, "data: {\"type\":\"transcript.text.done\"}\n\n", LLMK_E_PROTOCOL, "has no text");
	expect_stream_error(f, t,
	                    "data: {\"type\":\"transcript.text.delta\",\"delta\":\"x\",\"logprobs\":[{\"logprob\":1}]}"
	                    "\n\n",
	                    LLMK_E_PROTOCOL, "log probability 0 has no token");
	expect_stream_error(f, t,
	                    "data: {\"type\":\"error\",\"error\":{\"message\":\"audio too long\",\"type\":"
	                    "\"invalid_request_error\"}}\n\n",
	                    LLMK_E_BAD_REQUEST, "audio too long");
	/* An event larger than max_line_bytes: bounded, named. */
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_MAX_LINE_BYTES, 4096), LLMK_OK);
	big = malloc(20000);
	strcpy(big, "data: {\"type\":\"speech.audio.delta\",\"audio\":\"");
	for (i = strlen(big); i < 19000; i++)
		big[i] = 'A';
	strcpy(big + i, "\"}\n\n");
	expect_stream_error(f, s, big, LLMK_E_TOO_LARGE, "max_line_bytes");
	free(big);

	assert_int_equal(llmk_request_new(&img, LLMK_IMAGE), LLMK_OK);
	llmk_request_set_str(img, LLMK_OPT_PROMPT, "x");
	llmk_request_set_i64(img, LLMK_OPT_PARTIAL_IMAGES, 1);
	expect_stream_error(f, img,
	                    "data: {\"type\":\"image_generation.completed\",\"b64_json\":\"AAAA\"}\n\n"
	                    "data: {\"type\":\"image_generation.partial_image\",\"b64_json\":\"AAAA\","
	                    "\"partial_image_index\":0}\n\n",
	                    LLMK_E_PROTOCOL, "partial_image event after the end");
	expect_stream_error(f, img, "data: {\"type\":\"image_generation.completed\",\"b64_json\":\"@@\"}\n\n",
	                    LLMK_E_PROTOCOL, "not valid base64");
	expect_stream_error(f, img, "data: {\"type\":\"image_generation.partial_image\"}\n\n", LLMK_E_PROTOCOL,
	                    "has no b64_json");
	llmk_request_free(img);
	llmk_request_free(t);
	llmk_request_free(s);
	f->cap.resp_headers = NULL;
	f->cap.write_size = 0;
}

/* ---- options and capabilities ------------------------------------------------------- */

static void test_options(void **state)
{
	llmk_request *t = transcribe_request(), *img, *c = chat_request("hi"), *s = speech_request(NULL);

	(void)state;
	assert_int_equal(llmk_request_set_str(t, LLMK_OPT_TIMESTAMPS, "words"), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(t), "word, segment or word,segment"));
	assert_int_equal(llmk_request_set_str(t, LLMK_OPT_TIMESTAMPS, "segment,word"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(t, LLMK_OPT_CHUNKING, "manual"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(t, LLMK_OPT_CHUNKING, "[1]"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_i64(t, LLMK_OPT_TRANSLATE, 2), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_i64(t, LLMK_OPT_LOGPROBS, 1), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(t, LLMK_OPT_CHOICES, 2), LLMK_E_INVALID_ARG); /* chat only */
	assert_int_equal(llmk_request_set_i64(c, LLMK_OPT_CHOICES, 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_i64(c, LLMK_OPT_CHOICES, 129), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_i64(c, LLMK_OPT_CHOICES, 128), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(c, LLMK_OPT_TOP_LOGPROBS, 21), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(c), "between 0 and 20"));
	assert_int_equal(llmk_request_set_str(c, LLMK_OPT_TIMESTAMPS, "word"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_new(&img, LLMK_IMAGE), LLMK_OK);
	assert_int_equal(llmk_request_set_str(img, LLMK_OPT_IMAGE_OUTPUT_FORMAT, "gif"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(img, LLMK_OPT_IMAGE_BACKGROUND, "white"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(img, LLMK_OPT_IMAGE_MODERATION, "high"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(img, LLMK_OPT_IMAGE_INPUT_FIDELITY, "medium"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_i64(img, LLMK_OPT_IMAGE_COMPRESSION, 101), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_i64(img, LLMK_OPT_IMAGE_COMPRESSION, 0), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(img, LLMK_OPT_PARTIAL_IMAGES, 4), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_i64(img, LLMK_OPT_PARTIAL_IMAGES, 3), LLMK_OK);
	assert_int_equal(llmk_request_set_str(s, LLMK_OPT_STREAM_FORMAT, "wav"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_set_str(s, LLMK_OPT_STREAM_FORMAT, "audio"), LLMK_OK);
	assert_int_equal(llmk_option_by_name("image_input_fidelity"), LLMK_OPT_IMAGE_INPUT_FIDELITY);
	assert_int_equal(llmk_option_by_name("timestamps"), LLMK_OPT_TIMESTAMPS);
	assert_int_equal(llmk_option_type(LLMK_OPT_PARTIAL_IMAGES), LLMK_TYPE_I64);
	/* Integer options past slot 31 (a 64-bit mask now): choices (2040) is
	 * set, image_count (2008, slot 40 - 32) is not. */
	{
		int64_t v = 0;
		assert_int_equal(llmk_request_get_i64(c, LLMK_OPT_CHOICES, &v), 1);
		assert_int_equal(v, 128);
		assert_int_equal(llmk_request_get_i64(c, LLMK_OPT_IMAGE_COUNT, &v), 0);
	}
	llmk_request_free(t);
	llmk_request_free(img);
	llmk_request_free(c);
	llmk_request_free(s);
}

static void test_capabilities(void **state)
{
	(void)state;
	assert_int_equal(llmk_provider_capabilities("openai", LLMK_IMAGE) &
	                         (LLMK_CAP_IMAGE_EDIT | LLMK_CAP_IMAGE_VARIATION | LLMK_CAP_STREAM),
	                 LLMK_CAP_IMAGE_EDIT | LLMK_CAP_IMAGE_VARIATION | LLMK_CAP_STREAM);
	assert_int_equal(llmk_provider_capabilities("openai", LLMK_SPEECH) & LLMK_CAP_STREAM, LLMK_CAP_STREAM);
	assert_int_equal(llmk_provider_capabilities("openai", LLMK_SPEECH) & LLMK_CAP_IMAGE_EDIT, 0);
	assert_int_equal(llmk_provider_capabilities("gemini", LLMK_IMAGE) &
	                         (LLMK_CAP_IMAGE_EDIT | LLMK_CAP_IMAGE_VARIATION | LLMK_CAP_STREAM),
	                 LLMK_CAP_IMAGE_EDIT);
	assert_int_equal(llmk_provider_capabilities("whispercpp", LLMK_TRANSCRIBE) & LLMK_CAP_STREAM, 0);
	/* the media bits stay on the media kinds */
	assert_int_equal(llmk_provider_capabilities("openai", LLMK_MODERATE) &
	                         (LLMK_CAP_STREAM | LLMK_CAP_IMAGE_EDIT | LLMK_CAP_IMAGE_VARIATION),
	                 0);
	assert_int_equal(llmk_provider_capabilities("openai", LLMK_EMBED) & (LLMK_CAP_STREAM | LLMK_CAP_IMAGE_EDIT), 0);
	assert_int_equal(llmk_provider_supports_option("whispercpp", LLMK_OPT_TRANSLATE), 1);
	assert_int_equal(llmk_provider_supports_option("openai", LLMK_OPT_TIMESTAMPS), 1);
	assert_int_equal(llmk_provider_supports_option("groq", LLMK_OPT_TIMESTAMPS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_transcribe_every_field, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_transcribe_extra_json, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_transcribe_words_logprobs, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_translation, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_image_generation_fields, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_image_edit_multipart, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_image_variation, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_image_input_checks, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_gemini_image_edit, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_choices_logprobs, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_stream_choices, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_transcribe_stream, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_speech_stream_sse, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_speech_stream_audio, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_image_stream, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_content_types, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_hostile_streams, setup, tu_teardown),
	        cmocka_unit_test(test_options),
	        cmocka_unit_test(test_capabilities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
