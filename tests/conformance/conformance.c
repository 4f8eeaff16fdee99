/* Conformance: every request kind the library builds is sent to a Prism mock
 * server serving OpenAI's official OpenAPI spec, which validates the request
 * and answers 422 with the violations when it does not conform. Then one
 * deliberately broken body per kind, corrupted inside a transport (after the
 * library built it), must be rejected: proof that validation is active. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "llmkit.h"

static const char *base_url;
static unsigned char *wav;
static size_t wav_len;

/* ---- a transport over raw libcurl that can corrupt the body ------------ */

typedef char *(*corrupt_fn)(const char *body, size_t len, size_t *out_len);

typedef struct raw {
	corrupt_fn corrupt;
	llmk_exchange *ex;
} raw;

static size_t raw_write(char *p, size_t s, size_t n, void *u)
{
	raw *r = u;
	return llmk_exchange_write(r->ex, (const uint8_t *)p, s * n) ? 0 : s * n;
}

static size_t raw_header(char *p, size_t s, size_t n, void *u)
{
	raw *r = u;
	size_t len = s * n;
	char name[256], value[1024];
	const char *colon;

	if (len > 12 && !strncmp(p, "HTTP/", 5)) {
		llmk_exchange_set_status(r->ex, atoi(strchr(p, ' ') + 1));
		return len;
	}
	colon = memchr(p, ':', len);
	if (colon && (size_t)(colon - p) < sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
		colon++;
		while (*colon == ' ')
			colon++;
		snprintf(value, sizeof(value), "%.*s", (int)(p + len - colon), colon);
		value[strcspn(value, "\r\n")] = 0;
		llmk_exchange_add_header(r->ex, name, value);
	}
	return len;
}

static int32_t raw_send(llmk_exchange *ex, void *user)
{
	raw *r = user;
	CURL *h = curl_easy_init();
	struct curl_slist *hl = NULL;
	char line[2048], *body;
	size_t len, blen, i;
	const uint8_t *b = llmk_exchange_body(ex, &len);
	CURLcode rc;

	r->ex = ex;
	body = r->corrupt((const char *)b, len, &blen);
	for (i = 0; i < llmk_exchange_header_count(ex); i++) {
		snprintf(line, sizeof(line), "%s: %s", llmk_exchange_header_name(ex, i), llmk_exchange_header_value(ex, i));
		hl = curl_slist_append(hl, line);
	}
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, llmk_exchange_url(ex));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)blen);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, raw_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, raw_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(h);
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	free(body);
	return rc == CURLE_OK ? LLMK_OK : LLMK_E_TRANSPORT;
}

/* Drop one top-level member of a JSON body. */
static char *drop_member(const char *body, size_t len, const char *key, size_t *out_len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	char *s;

	assert_non_null(j);
	assert_int_equal(json_object_del(j, key), 0);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	*out_len = strlen(s);
	return s;
}

static char *no_messages(const char *b, size_t n, size_t *o) { return drop_member(b, n, "messages", o); }
static char *no_input(const char *b, size_t n, size_t *o) { return drop_member(b, n, "input", o); }
static char *no_prompt(const char *b, size_t n, size_t *o) { return drop_member(b, n, "prompt", o); }
static char *no_voice(const char *b, size_t n, size_t *o) { return drop_member(b, n, "voice", o); }

/* Rename the multipart "file" part so the required file is missing. */
static char *no_file(const char *b, size_t n, size_t *o)
{
	char *s = malloc(n);
	size_t i;
	static const char needle[] = "name=\"file\"";

	memcpy(s, b, n);
	for (i = 0; i + sizeof(needle) - 1 <= n; i++)
		if (!memcmp(s + i, needle, sizeof(needle) - 1)) {
			memcpy(s + i, "name=\"fil_\"", sizeof(needle) - 1);
			break;
		}
	assert_true(i + sizeof(needle) - 1 <= n);
	*o = n;
	return s;
}

/* ---- requests ------------------------------------------------------------ */

static llmk_request *make(int32_t kind)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, kind), LLMK_OK);
	switch (kind) {
	case LLMK_CHAT:
		llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You are terse.");
		llmk_request_add_message(r, LLMK_ROLE_USER, "What is in this image?");
		llmk_request_add_image_url(r, "https://example.invalid/cat.png", "low");
		llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, NULL);
		llmk_request_add_tool_call(r, "call_1", "lookup", "{\"q\":\"cat\"}");
		llmk_request_add_tool_result(r, "call_1", "{\"answer\":\"a cat\"}");
		llmk_request_add_message(r, LLMK_ROLE_USER, "Thanks. Anything else?");
		llmk_request_add_tool(r, "lookup", "Look something up",
		                      "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}");
		llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "auto");
		llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.3);
		llmk_request_set_f64(r, LLMK_OPT_TOP_P, 0.9);
		llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 100);
		llmk_request_set_i64(r, LLMK_OPT_SEED, 7);
		llmk_request_set_str(r, LLMK_OPT_STOP, "END");
		llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA,
		                     "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"],"
		                     "\"additionalProperties\":false}");
		llmk_request_set_str(r, LLMK_OPT_MODEL, "gpt-4o-mini");
		break;
	case LLMK_EMBED:
		llmk_request_add_input(r, "first text");
		llmk_request_add_input(r, "second text");
		llmk_request_set_i64(r, LLMK_OPT_DIMENSIONS, 256);
		llmk_request_set_str(r, LLMK_OPT_MODEL, "text-embedding-3-small");
		break;
	case LLMK_IMAGE:
		llmk_request_set_str(r, LLMK_OPT_PROMPT, "a lighthouse at dusk");
		llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, "1024x1024");
		llmk_request_set_i64(r, LLMK_OPT_IMAGE_COUNT, 1);
		llmk_request_set_str(r, LLMK_OPT_IMAGE_QUALITY, "hd");
		llmk_request_set_str(r, LLMK_OPT_IMAGE_RESPONSE_FORMAT, "b64_json");
		llmk_request_set_str(r, LLMK_OPT_MODEL, "dall-e-3");
		break;
	case LLMK_TRANSCRIBE:
		llmk_request_set_audio(r, wav, wav_len, "jfk.wav", NULL);
		llmk_request_set_str(r, LLMK_OPT_LANGUAGE, "en");
		llmk_request_set_str(r, LLMK_OPT_PROMPT, "A presidential speech.");
		llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "json");
		llmk_request_set_str(r, LLMK_OPT_MODEL, "whisper-1");
		break;
	default:
		llmk_request_set_str(r, LLMK_OPT_INPUT, "Ask not what your country can do for you.");
		llmk_request_set_str(r, LLMK_OPT_VOICE, "alloy");
		llmk_request_set_str(r, LLMK_OPT_AUDIO_FORMAT, "mp3");
		llmk_request_set_f64(r, LLMK_OPT_SPEED, 1.1);
		llmk_request_set_str(r, LLMK_OPT_MODEL, "gpt-4o-mini-tts");
		break;
	}
	return r;
}

static llmk_client *client(void)
{
	llmk_client *c;

	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, base_url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test-prism-not-a-real-key"), LLMK_OK);
	return c;
}

static void accepted(int32_t kind, int must_parse)
{
	llmk_client *c = client();
	llmk_request *r = make(kind);
	llmk_response *resp;
	llmk_status st = llmk_send(c, r, &resp);
	int http = llmk_response_http_status(resp);

	if (http < 200 || http > 299)
		fail_msg("kind %d rejected: HTTP %d: %s\n%s", kind, http, llmk_response_error(resp),
		         llmk_response_raw(resp, NULL));
	if (must_parse && st != LLMK_OK)
		fail_msg("kind %d: Prism's example response did not parse: %s", kind, llmk_response_error(resp));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

static void rejected(int32_t kind, corrupt_fn corrupt)
{
	llmk_client *c = client();
	llmk_request *r = make(kind);
	llmk_response *resp;
	llmk_transport t;
	raw rw = {corrupt, NULL};

	llmk_transport_init(&t);
	t.send = raw_send;
	assert_int_equal(llmk_client_set_transport(c, &t, &rw), LLMK_OK);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_BAD_REQUEST);
	assert_int_equal(llmk_response_http_status(resp), 422);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
}

static void test_chat(void **s) { (void)s; accepted(LLMK_CHAT, 1); }
/* Prism's example embedding response carries one vector for any number of
 * inputs, which the library rightly reports as a protocol error. */
static void test_embed(void **s) { (void)s; accepted(LLMK_EMBED, 0); }
static void test_image(void **s) { (void)s; accepted(LLMK_IMAGE, 0); }
static void test_transcribe(void **s) { (void)s; accepted(LLMK_TRANSCRIBE, 1); }
static void test_speech(void **s) { (void)s; accepted(LLMK_SPEECH, 0); }
static void test_chat_broken(void **s) { (void)s; rejected(LLMK_CHAT, no_messages); }
static void test_embed_broken(void **s) { (void)s; rejected(LLMK_EMBED, no_input); }
static void test_image_broken(void **s) { (void)s; rejected(LLMK_IMAGE, no_prompt); }
static void test_transcribe_broken(void **s) { (void)s; rejected(LLMK_TRANSCRIBE, no_file); }
static void test_speech_broken(void **s) { (void)s; rejected(LLMK_SPEECH, no_voice); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chat),           cmocka_unit_test(test_embed),
		cmocka_unit_test(test_image),          cmocka_unit_test(test_transcribe),
		cmocka_unit_test(test_speech),         cmocka_unit_test(test_chat_broken),
		cmocka_unit_test(test_embed_broken),   cmocka_unit_test(test_image_broken),
		cmocka_unit_test(test_transcribe_broken), cmocka_unit_test(test_speech_broken),
	};
	const char *data = getenv("LLMK_SHARED_DATA");
	char path[4096];
	FILE *f;

	base_url = getenv("LLMK_PRISM_URL");
	if (!base_url || !data) {
		fprintf(stderr, "run through tests/conformance/run.sh (LLMK_PRISM_URL, LLMK_SHARED_DATA)\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/audio/jfk.wav", data);
	if (!(f = fopen(path, "rb"))) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	wav_len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	wav = malloc(wav_len);
	if (fread(wav, 1, wav_len, f) != wav_len)
		return 1;
	fclose(f);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	{
		int rc = cmocka_run_group_tests_name("prism-conformance", tests, NULL, NULL);
		free(wav);
		curl_global_cleanup();
		return rc;
	}
}
