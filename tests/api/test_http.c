#define _POSIX_C_SOURCE 200809L
/* The whole pipeline over real sockets: the built-in curl transport against
 * a loopback HTTP/1.1 server (tests/support/httpd.c) speaking OpenAI's wire
 * format, including slow, truncated and failing responses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "httpd.h"
#include "llmkit.h"

#define KEY "sk-test-loopback-000000000000000000"

typedef struct fixture {
	th_server *srv;
	llmk_client *c;
	llmk_request *chat;
} fixture;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	char url[128];

	f->srv = th_start();
	assert_non_null(f->srv);
	assert_int_equal(llmk_client_new(&f->c, "openai/gpt-4o-mini"), LLMK_OK);
	snprintf(url, sizeof(url), "%s/v1", th_url(f->srv));
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_MAX_RETRIES, 0),
	                 LLMK_OK); /* one scripted answer per send */
	llmk_request_new(&f->chat, LLMK_CHAT);
	llmk_request_add_message(f->chat, LLMK_ROLE_USER, "Say hello");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	llmk_request_free(f->chat);
	llmk_client_free(f->c);
	th_stop(f->srv);
	free(f);
	return 0;
}

static void push_sse(fixture *f, const char *body, size_t write_size, int delay_ms, size_t truncate_at)
{
	th_response r;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: text/event-stream\r\nx-request-id: req_sse\r\n";
	r.body = body;
	r.chunked = 1;
	r.write_size = write_size;
	r.delay_ms = delay_ms;
	r.truncate_at = truncate_at;
	th_push(f->srv, &r);
}

static void test_chat_roundtrip_and_keepalive(void **state)
{
	fixture *f = *state;
	char *body = read_data("openai/chat_completion.json", NULL);
	llmk_response *resp;
	const th_request *req;

	for (int i = 0; i < 3; i++)
		th_push_json(f->srv, 200, body);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(llmk_send(f->c, f->chat, &resp), LLMK_OK);
		assert_string_equal(llmk_response_text(resp), "Hello! How can I assist you today?");
		assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_TOTAL), 29);
		assert_true(llmk_response_timing(resp, LLMK_TIMING_TOTAL_MS) > 0);
		llmk_response_free(resp);
	}
	assert_int_equal(th_request_count(f->srv), 3);
	/* three requests, one TCP connection: keep-alive works */
	assert_int_equal(th_connection_count(f->srv), 1);
	req = th_request_at(f->srv, 2);
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->target, "/v1/chat/completions");
	assert_string_equal(th_request_header(req, "Authorization"), "Bearer " KEY);
	assert_string_equal(th_request_header(req, "Content-Type"), "application/json");
	assert_non_null(strstr(th_request_header(req, "User-Agent"), "llmkit/"));
	assert_null(th_request_header(req, "Expect"));
	assert_non_null(
	        strstr((const char *)req->body, "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]"));
	free(body);
}

static int32_t collect(const llmk_event *ev, void *user)
{
	char *acc = user;

	if (llmk_event_type(ev) == LLMK_EVENT_TEXT)
		strncat(acc, llmk_event_text(ev), 1023 - strlen(acc));
	return 0;
}

static void test_stream_dripped_byte_by_byte(void **state)
{
	fixture *f = *state;
	char *sse = read_data("openai/chat_stream.sse", NULL);
	char acc[1024] = "";
	llmk_response *resp;

	push_sse(f, sse, 1, 0, 0);
	assert_int_equal(llmk_stream(f->c, f->chat, collect, acc, &resp), LLMK_OK);
	assert_string_equal(acc, "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2");
	assert_string_equal(llmk_response_text(resp), acc);
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_OUTPUT), 5);
	assert_string_equal(llmk_response_request_id(resp), "req_sse");
	assert_non_null(
	        strstr((const char *)th_request_at(f->srv, 0)->body, "\"stream_options\":{\"include_usage\":true}"));
	llmk_response_free(resp);
	free(sse);
}

static void test_stream_error_midway(void **state)
{
	fixture *f = *state;
	char *sse = read_data("openai/chat_stream_error.sse", NULL);
	char acc[1024] = "";
	llmk_response *resp;

	push_sse(f, sse, 50, 0, 0);
	assert_int_equal(llmk_stream(f->c, f->chat, collect, acc, &resp), LLMK_E_SERVER);
	assert_string_equal(acc, "Partial");
	assert_non_null(strstr(llmk_response_error(resp), "error inside the stream"));
	llmk_response_free(resp);
	free(sse);
}

static void test_stream_connection_cut(void **state)
{
	fixture *f = *state;
	char *sse = read_data("openai/chat_stream.sse", NULL);
	char acc[1024] = "";
	llmk_response *resp;
	llmk_status st;

	/* cut in the middle of the third chunk: curl sees a broken chunked
	 * body, the library must not report success with half an answer */
	push_sse(f, sse, 64, 0, 700);
	st = llmk_stream(f->c, f->chat, collect, acc, &resp);
	assert_true(st == LLMK_E_TRANSPORT || st == LLMK_E_PROTOCOL);
	assert_string_not_equal(llmk_response_error(resp), "");
	llmk_response_free(resp);
	free(sse);
}

static void test_rate_limited_with_retry_after(void **state)
{
	fixture *f = *state;
	char *body = read_data("openai/error_429.json", NULL);
	th_response r;
	llmk_response *resp;

	memset(&r, 0, sizeof(r));
	r.status = 429;
	r.headers =
	        "Content-Type: application/json\r\nretry-after: 3\r\nretry-after-ms: 2500\r\nx-request-id: req_429\r\n";
	r.body = body;
	th_push(f->srv, &r);
	assert_int_equal(llmk_send(f->c, f->chat, &resp), LLMK_E_RATE_LIMITED);
	assert_int_equal(llmk_response_http_status(resp), 429);
	assert_int_equal(llmk_response_retry_after_ms(resp), 2500);
	assert_string_equal(llmk_response_error_code(resp), "rate_limit_exceeded");
	assert_string_equal(llmk_response_request_id(resp), "req_429");
	assert_non_null(strstr(llmk_response_error(resp), "HTTP 429"));
	assert_non_null(strstr(llmk_response_error(resp), "Rate limit reached"));
	llmk_response_free(resp);
	free(body);
}

static void test_total_timeout(void **state)
{
	fixture *f = *state;
	th_response r;
	llmk_response *resp;
	double t0, el;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\n";
	r.body = "{\"choices\":[]}                                                          ";
	r.delay_headers_ms = 3000;
	th_push(f->srv, &r);
	llmk_client_set_i64(f->c, LLMK_OPT_TIMEOUT_MS, 400);
	t0 = now_ms();
	assert_int_equal(llmk_send(f->c, f->chat, &resp), LLMK_E_TIMEOUT);
	el = now_ms() - t0;
	assert_true(el >= 390 && el < 1500);
	assert_non_null(strstr(llmk_response_error(resp), "timed out"));
	llmk_response_free(resp);
}

static void test_idle_timeout_on_stream(void **state)
{
	fixture *f = *state;
	char *sse = read_data("openai/chat_stream.sse", NULL);
	char acc[1024] = "";
	llmk_response *resp;
	double t0, el;

	/* headers and first bytes, then 2 s silences between writes */
	push_sse(f, sse, 200, 2000, 0);
	llmk_client_set_i64(f->c, LLMK_OPT_IDLE_TIMEOUT_MS, 300);
	t0 = now_ms();
	assert_int_equal(llmk_stream(f->c, f->chat, collect, acc, &resp), LLMK_E_TIMEOUT);
	el = now_ms() - t0;
	assert_true(el >= 290 && el < 1900);
	assert_non_null(strstr(llmk_response_error(resp), "idle_timeout_ms"));
	llmk_response_free(resp);
	free(sse);
}

static void test_connection_refused(void **state)
{
	fixture *f = *state;
	llmk_response *resp;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	char url[64];

	(void)f;
	/* a port that was free a moment ago: bind, read it, close */
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", ntohs(a.sin_port));
	llmk_client_set_str(f->c, LLMK_OPT_BASE_URL, url);
	assert_int_equal(llmk_send(f->c, f->chat, &resp), LLMK_E_TRANSPORT);
	assert_int_equal(llmk_response_http_status(resp), 0);
	assert_non_null(strstr(llmk_response_error(resp), "127.0.0.1"));
	llmk_response_free(resp);
}

static void test_close_delimited_body(void **state)
{
	fixture *f = *state;
	char *body = read_data("openai/chat_completion.json", NULL);
	th_response r;
	llmk_response *resp;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\n";
	r.body = body;
	r.no_length = 1;
	r.write_size = 17;
	th_push(f->srv, &r);
	assert_int_equal(llmk_send(f->c, f->chat, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "Hello! How can I assist you today?");
	llmk_response_free(resp);
	free(body);
}

static void test_oversized_body(void **state)
{
	fixture *f = *state;
	size_t n = 300000;
	char *big = malloc(n + 1);
	th_response r;
	llmk_response *resp;

	memset(big, 'x', n);
	big[n] = 0;
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\n";
	r.body = big;
	th_push(f->srv, &r);
	llmk_client_set_i64(f->c, LLMK_OPT_MAX_RESPONSE_BYTES, 100000);
	assert_int_equal(llmk_send(f->c, f->chat, &resp), LLMK_E_TOO_LARGE);
	llmk_response_free(resp);
	/* the client stays usable after an aborted transfer */
	th_push_json(f->srv, 200,
	             "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_"
	             "reason\":\"stop\"}]}");
	assert_int_equal(llmk_send(f->c, f->chat, &resp), LLMK_OK);
	assert_string_equal(llmk_response_text(resp), "ok");
	llmk_response_free(resp);
	free(big);
}

static int32_t cancel_after_first(const llmk_event *ev, void *user)
{
	int *n = user;
	return llmk_event_type(ev) == LLMK_EVENT_TEXT && ++*n >= 1;
}

static void test_cancel_slow_stream(void **state)
{
	fixture *f = *state;
	char *sse = read_data("openai/chat_stream.sse", NULL);
	llmk_response *resp;
	int n = 0;
	double t0, el;

	push_sse(f, sse, 400, 1000, 0); /* about 5 s in all if not cancelled */
	t0 = now_ms();
	assert_int_equal(llmk_stream(f->c, f->chat, cancel_after_first, &n, &resp), LLMK_E_CANCELLED);
	el = now_ms() - t0;
	assert_int_equal(n, 1);
	assert_true(el < 1500);
	llmk_response_free(resp);
	free(sse);
}

static void test_transcribe_real_audio(void **state)
{
	fixture *f = *state;
	char path[4096];
	FILE *fp;
	unsigned char *wav;
	size_t len;
	llmk_request *r;
	llmk_response *resp;
	const th_request *req;
	char *fixture_body = read_data("openai/transcription.json", NULL);

	snprintf(path, sizeof(path), "%s/../../../shared/data/audio/jfk.wav", TEST_DATA_DIR);
	fp = fopen(path, "rb");
	if (!fp) { /* a release tarball has no shared/data beside it */
		free(fixture_body);
		print_message("shared/data/audio/jfk.wav not found beside the project (%s): skipped\n", path);
		skip();
	}
	fseek(fp, 0, SEEK_END);
	len = (size_t)ftell(fp);
	fseek(fp, 0, SEEK_SET);
	wav = malloc(len);
	assert_int_equal(fread(wav, 1, len, fp), len);
	fclose(fp);

	th_push_json(f->srv, 200, fixture_body);
	llmk_request_new(&r, LLMK_TRANSCRIBE);
	assert_int_equal(llmk_request_set_audio(r, wav, len, "jfk.wav", NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "whisper-1"), LLMK_OK);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_non_null(strstr(llmk_response_text(resp), "ask not what your country can do for you"));
	req = th_request_at(f->srv, 0);
	assert_string_equal(req->target, "/v1/audio/transcriptions");
	assert_true(req->body_len > len); /* the whole file plus the form */
	/* the audio arrived byte for byte */
	{
		const unsigned char *b = req->body, *hit = NULL;
		for (size_t i = 0; i + 4 <= req->body_len; i++)
			if (!memcmp(b + i, "RIFF", 4)) {
				hit = b + i;
				break;
			}
		assert_non_null(hit);
		assert_memory_equal(hit, wav, len);
	}
	llmk_response_free(resp);
	llmk_request_free(r);
	free(wav);
	free(fixture_body);
}

static void test_speech_binary(void **state)
{
	fixture *f = *state;
	unsigned char audio[4096];
	th_response tr;
	llmk_request *r;
	llmk_response *resp;
	const uint8_t *got;
	size_t len;

	for (size_t i = 0; i < sizeof(audio); i++)
		audio[i] = (unsigned char)(i * 7 + 3);
	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: audio/wav\r\n";
	tr.body = audio;
	tr.body_len = sizeof(audio);
	tr.chunked = 1;
	tr.write_size = 1000;
	th_push(f->srv, &tr);
	llmk_request_new(&r, LLMK_SPEECH);
	llmk_request_set_str(r, LLMK_OPT_INPUT, "Hello");
	llmk_request_set_str(r, LLMK_OPT_AUDIO_FORMAT, "wav");
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	got = llmk_response_audio(resp, &len);
	assert_int_equal(len, sizeof(audio));
	assert_memory_equal(got, audio, len);
	assert_string_equal(llmk_response_audio_mime(resp), "audio/wav");
	llmk_response_free(resp);
	llmk_request_free(r);
}

typedef struct worker {
	fixture *f;
	int ok;
} worker;

static void *send_many(void *arg)
{
	worker *w = arg;
	llmk_response *resp;

	for (int i = 0; i < 10; i++) {
		if (llmk_send(w->f->c, w->f->chat, &resp) == LLMK_OK && !strcmp(llmk_response_text(resp), "pong"))
			w->ok++;
		llmk_response_free(resp);
	}
	return NULL;
}

static void test_one_client_many_threads(void **state)
{
	fixture *f = *state;
	pthread_t t[4];
	worker w[4];
	int total = 0;

	for (int i = 0; i < 40; i++)
		th_push_json(f->srv, 200,
		             "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"pong\"},"
		             "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,"
		             "\"total_tokens\":2}}");
	for (int i = 0; i < 4; i++) {
		w[i].f = f;
		w[i].ok = 0;
		pthread_create(&t[i], NULL, send_many, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += w[i].ok;
	}
	assert_int_equal(total, 40);
	assert_int_equal(th_request_count(f->srv), 40);
	assert_true(th_connection_count(f->srv) <= 8); /* pooled, not one per request */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_chat_roundtrip_and_keepalive, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_dripped_byte_by_byte, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_error_midway, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stream_connection_cut, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rate_limited_with_retry_after, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_total_timeout, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_idle_timeout_on_stream, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_close_delimited_body, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_oversized_body, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_slow_stream, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_transcribe_real_audio, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_speech_binary, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_one_client_many_threads, setup, teardown),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
