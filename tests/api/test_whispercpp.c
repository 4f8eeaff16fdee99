#define _GNU_SOURCE /* memmem */
/* whisper.cpp server (/inference) through the public API: the multipart
 * request with real audio, json / verbose_json / text / srt answers, and its
 * errors (some of which come with HTTP 200). Fixtures:
 * tests/data/whispercpp/README.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "llmkit.h"
#ifdef LLMK_TEST_HAVE_CURL
#include "httpd.h"
#endif

#define JFK_TEXT                                                                                               \
	" And so my fellow Americans, ask not what your country can do for you, ask what you can do for your " \
	"country.\n"

typedef tu_fixture fixture;

/* A tiny WAV header + 4 samples: enough for request mapping. */
static const uint8_t tiny_wav[] = {'R', 'I', 'F', 'F',  44, 0, 0, 0,    'W',  'A', 'V', 'E',  'f',
                                   'm', 't', ' ', 16,   0,  0, 0, 1,    0,    1,   0,   0x80, 0x3e,
                                   0,   0,   0,   0x7d, 0,  0, 2, 0,    16,   0,   'd', 'a',  't',
                                   'a', 8,   0,   0,    0,  1, 0, 0xff, 0xff, 2,   0,   0xfe, 0xff};

static int setup(void **state)
{
	unsetenv("WHISPERCPP_BASE_URL");
	unsetenv("WHISPERCPP_API_KEY");
	*state = tu_fixture_new("whispercpp/ggml-base", NULL, NULL);
	return 0;
}

static llmk_request *transcribe(const uint8_t *audio, size_t len)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_TRANSCRIBE), LLMK_OK);
	assert_int_equal(llmk_request_set_audio(r, audio, len, "jfk.wav", "audio/wav"), LLMK_OK);
	return r;
}

/* ---- request mapping ---------------------------------------------------- */

static void test_request_multipart_with_real_audio(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;
	size_t len, off;
	uint8_t *wav = read_jfk(&len);
	const char *ct, *b;
	char boundary[128], marker[512];

	if (!wav)
		skip();
	f->cap.resp_body = read_data("whispercpp/transcription.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json\nServer: whisper.cpp\n";
	r = transcribe(wav, len);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_LANGUAGE, "en"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "JFK inaugural"), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "json"), LLMK_OK);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.2), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);

	assert_string_equal(f->cap.method, "POST");
	assert_string_equal(f->cap.url, "http://127.0.0.1:8080/inference");
	assert_null(capture_header(&f->cap, "Authorization"));
	ct = capture_header(&f->cap, "Content-Type");
	assert_non_null(ct);
	assert_int_equal(strncmp(ct, "multipart/form-data; boundary=", 30), 0);
	snprintf(boundary, sizeof(boundary), "%s", ct + 30);
	b = (const char *)f->cap.body;
	snprintf(marker, sizeof(marker),
	         "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"jfk.wav\"\r\n"
	         "Content-Type: audio/wav\r\n\r\n",
	         boundary);
	assert_int_equal(memcmp(b, marker, strlen(marker)), 0);
	assert_memory_equal(b + strlen(marker), wav, len); /* every byte of the file */
	off = strlen(marker) + len;
	/* right after the file: the next part */
	snprintf(marker, sizeof(marker),
	         "\r\n--%s\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\njson\r\n", boundary);
	assert_int_equal(memcmp(b + off, marker, strlen(marker)), 0);
	assert_non_null(body_find(&f->cap, "name=\"language\"\r\n\r\nen\r\n"));
	assert_non_null(body_find(&f->cap, "name=\"prompt\"\r\n\r\nJFK inaugural\r\n"));
	assert_non_null(body_find(&f->cap, "name=\"temperature\"\r\n\r\n0.2\r\n"));
	assert_null(body_find(&f->cap, "name=\"model\"")); /* the server picks its model at start */
	snprintf(marker, sizeof(marker), "\r\n--%s--\r\n", boundary);
	assert_int_equal(memcmp(b + f->cap.body_len - strlen(marker), marker, strlen(marker)), 0);

	assert_string_equal(llmk_response_text(resp), JFK_TEXT);
	assert_int_equal(llmk_response_segment_count(resp), 0);
	assert_true(llmk_response_duration(resp) < 0); /* json has no duration */
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
	free(wav);
}

static void test_request_minimal(void **state)
{
	fixture *f = *state;
	llmk_request *r = transcribe(tiny_wav, sizeof(tiny_wav));
	llmk_response *resp;

	f->cap.resp_body = read_data("whispercpp/transcription.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json\n";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	/* only the file: the server's defaults apply (json, its language) */
	assert_non_null(body_find(&f->cap, "name=\"file\"; filename=\"jfk.wav\""));
	assert_null(body_find(&f->cap, "name=\"response_format\""));
	assert_null(body_find(&f->cap, "name=\"language\""));
	assert_null(body_find(&f->cap, "name=\"temperature\""));
	assert_null(body_find(&f->cap, "name=\"prompt\""));
	assert_string_equal(llmk_response_text(resp), JFK_TEXT);
	llmk_response_free(resp);
	llmk_request_free(r);
	free((void *)f->cap.resp_body);
}

/* ---- answers ------------------------------------------------------------- */

static void test_verbose_json(void **state)
{
	fixture *f = *state;
	llmk_request *r = transcribe(tiny_wav, sizeof(tiny_wav));
	llmk_response *resp;

	f->cap.resp_body = read_data("whispercpp/transcription_verbose.json", NULL);
	f->cap.resp_headers = "Content-Type: application/json\n";
	llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "verbose_json");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_non_null(body_find(&f->cap, "name=\"response_format\"\r\n\r\nverbose_json\r\n"));
	assert_string_equal(llmk_response_text(resp),
	                    " And so my fellow Americans,\n ask not what your country can do for "
	                    "you,\n ask what you can do for your country.\n");
	assert_true(llmk_response_duration(resp) == 11.0);
	assert_int_equal(llmk_response_segment_count(resp), 3);
	assert_true(llmk_response_segment_start(resp, 0) == 0.0);
	assert_true(llmk_response_segment_end(resp, 0) == 3.0);
	assert_string_equal(llmk_response_segment_text(resp, 0), " And so my fellow Americans,");
	assert_true(llmk_response_segment_start(resp, 1) == 3.0);
	assert_true(llmk_response_segment_end(resp, 1) == 731 * 0.01); /* centiseconds * 0.01, as sent */
	assert_string_equal(llmk_response_segment_text(resp, 1), " ask not what your country can do for you,");
	assert_true(llmk_response_segment_start(resp, 2) == 731 * 0.01);
	assert_true(llmk_response_segment_end(resp, 2) == 11.0);
	assert_string_equal(llmk_response_segment_text(resp, 2), " ask what you can do for your country.");
	assert_null(llmk_response_segment_text(resp, 3));
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	/* no_timestamps on the server: segments without start/end */
	f->cap.resp_body = "{\"task\":\"transcribe\",\"language\":\"english\",\"duration\":11.0,\"text\":\" Hi.\\n\","
	                   "\"segments\":[{\"id\":0,\"text\":\" Hi.\",\"tokens\":[15902],\"words\":[{\"word\":\" Hi\","
	                   "\"probability\":0.9}],\"temperature\":0.0,\"avg_logprob\":-0.1,\"no_speech_prob\":0.01}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_segment_count(resp), 1);
	assert_true(llmk_response_segment_start(resp, 0) == 0.0);
	assert_string_equal(llmk_response_segment_text(resp, 0), " Hi.");
	llmk_response_free(resp);
	llmk_request_free(r);
}

static void test_text_and_srt(void **state)
{
	fixture *f = *state;
	llmk_request *r = transcribe(tiny_wav, sizeof(tiny_wav));
	llmk_response *resp;
	char *srt;

	f->cap.resp_body = read_data("whispercpp/transcription.txt", NULL);
	f->cap.resp_headers = "Content-Type: text/html; charset=utf-8\n"; /* what the server labels text with */
	llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "text");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_non_null(body_find(&f->cap, "name=\"response_format\"\r\n\r\ntext\r\n"));
	assert_string_equal(llmk_response_text(resp), JFK_TEXT);
	llmk_response_free(resp);
	free((void *)f->cap.resp_body);

	srt = read_data("whispercpp/transcription.srt", NULL);
	f->cap.resp_body = srt;
	f->cap.resp_headers = "Content-Type: application/x-subrip\n";
	llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "srt");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), srt);
	assert_int_equal(strncmp(llmk_response_text(resp), "1\n00:00:00,000 --> 00:00:11,000\n And so", 39), 0);
	llmk_response_free(resp);

	/* no Content-Type: the format asked for decides */
	f->cap.resp_headers = NULL;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), srt);
	llmk_response_free(resp);
	free(srt);
	llmk_request_free(r);
}

/* ---- errors ------------------------------------------------------------------ */

static void expect_error(fixture *f, const char *format, int http, const char *ctype, const char *body,
                         llmk_status want, const char *part)
{
	llmk_request *r = transcribe(tiny_wav, sizeof(tiny_wav));
	llmk_response *resp;
	char hdr[128];

	if (format)
		llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, format);
	snprintf(hdr, sizeof(hdr), "Content-Type: %s\n", ctype);
	f->cap.status = http;
	f->cap.resp_headers = hdr;
	f->cap.resp_body = body;
	assert_int_equal(llmk_send(f->c, r, &resp), want);
	assert_int_equal(llmk_response_http_status(resp), http);
	if (!strstr(llmk_response_error(resp), part))
		fail_msg("error '%s' lacks '%s'", llmk_response_error(resp), part);
	assert_string_equal(llmk_response_text(resp), "");
	llmk_response_free(resp);
	llmk_request_free(r);
	f->cap.status = 0;
	f->cap.resp_headers = NULL;
}

static void test_errors(void **state)
{
	fixture *f = *state;
	char *e200 = read_data("whispercpp/error_200.json", NULL), *e500 = read_data("whispercpp/error_500.json", NULL);

	/* input errors come with HTTP 200, whatever format was asked for */
	expect_error(f, NULL, 200, "application/json", e200, LLMK_E_BAD_REQUEST,
	             "whispercpp: HTTP 200 carrying an error: failed to read audio data");
	expect_error(f, "text", 200, "application/json", e200, LLMK_E_BAD_REQUEST, "failed to read audio data");
	expect_error(f, "verbose_json", 200, "application/json", "{\"error\":\"no 'file' field in the request\"}",
	             LLMK_E_BAD_REQUEST, "no 'file' field in the request");
	expect_error(f, NULL, 500, "application/json", e500, LLMK_E_SERVER,
	             "whispercpp: HTTP 500: failed to process audio");
	expect_error(f, NULL, 404, "text/plain", "File Not Found (/v1/inference)", LLMK_E_NOT_FOUND,
	             "whispercpp: HTTP 404: File Not Found (/v1/inference)");
	expect_error(f, NULL, 400, "text/plain", "Invalid request", LLMK_E_BAD_REQUEST, "HTTP 400: Invalid request");
	expect_error(f, NULL, 200, "application/json", "{\"text\":", LLMK_E_PROTOCOL, "not valid JSON");
	expect_error(f, NULL, 200, "application/json", "{\"status\":\"ok\"}", LLMK_E_PROTOCOL,
	             "transcription response has no text");
	free(e200);
	free(e500);
}

static void test_unsupported(void **state)
{
	fixture *f = *state;
	llmk_request *r;
	llmk_response *resp;

	r = chat_request("hi");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "whispercpp does not serve chat requests"));
	llmk_response_free(resp);
	llmk_request_free(r);

	llmk_request_new(&r, LLMK_TRANSCRIBE);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "no audio"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	assert_int_equal(llmk_provider_capabilities("whispercpp", LLMK_TRANSCRIBE), LLMK_CAP_KIND);
}

static void test_env_base_url_and_key(void **state)
{
	llmk_client *c;
	llmk_request *r = transcribe(tiny_wav, sizeof(tiny_wav));
	llmk_response *resp;
	capture cap;

	(void)state;
	setenv("WHISPERCPP_BASE_URL", "http://asr.local:9000/", 1);
	setenv("WHISPERCPP_API_KEY", "wk-test-0123456789", 1);
	assert_int_equal(llmk_client_new(&c, "whispercpp/ggml-large-v3"), LLMK_OK);
	unsetenv("WHISPERCPP_BASE_URL");
	unsetenv("WHISPERCPP_API_KEY");
	memset(&cap, 0, sizeof(cap));
	cap.resp_body = "{\"text\":\" ok\\n\"}";
	capture_install(c, &cap);
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_string_equal(cap.url, "http://asr.local:9000/inference");
	assert_string_equal(capture_header(&cap, "Authorization"), "Bearer wk-test-0123456789");
	assert_string_equal(llmk_response_text(resp), " ok\n");
	llmk_response_free(resp);
	llmk_client_free(c);
	llmk_request_free(r);
}

/* ---- over a real socket ------------------------------------------------------ */

#ifdef LLMK_TEST_HAVE_CURL
static void test_http_loopback(void **state)
{
	th_server *srv;
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	const th_request *req;
	size_t len;
	uint8_t *wav = read_jfk(&len);
	char *verbose;

	(void)state;
	if (!wav)
		skip();
	srv = th_start();
	assert_non_null(srv);
	assert_int_equal(llmk_client_new(&c, "whispercpp/ggml-base"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
	verbose = read_data("whispercpp/transcription_verbose.json", NULL);
	th_push_json(srv, 200, verbose);
	r = transcribe(wav, len);
	llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "verbose_json");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_segment_count(resp), 3);
	assert_true(llmk_response_duration(resp) == 11.0);
	llmk_response_free(resp);
	req = th_request_at(srv, 0);
	assert_non_null(req);
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->target, "/inference");
	assert_int_equal(strncmp(th_request_header(req, "Content-Type"), "multipart/form-data; boundary=", 30), 0);
	assert_non_null(memmem(req->body, req->body_len, wav, len));

	th_push_json(srv, 200, "{\"error\":\"failed to read audio data\"}");
	assert_int_equal(llmk_send(c, r, &resp), LLMK_E_BAD_REQUEST);
	assert_non_null(strstr(llmk_response_error(resp), "failed to read audio data"));
	llmk_response_free(resp);

	llmk_request_free(r);
	llmk_client_free(c);
	th_stop(srv);
	free(verbose);
	free(wav);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_request_multipart_with_real_audio, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_request_minimal, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_verbose_json, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_text_and_srt, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_errors, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_unsupported, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_env_base_url_and_key, setup, tu_teardown),
#ifdef LLMK_TEST_HAVE_CURL
	        cmocka_unit_test_setup_teardown(test_http_loopback, setup, tu_teardown),
#endif
	};
	return cmocka_run_group_tests_name("whispercpp", tests, NULL, NULL);
}
