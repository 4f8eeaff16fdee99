#define _POSIX_C_SOURCE 200809L
/* Cassettes (llmk_client_record / llmk_client_replay): real exchanges with
 * the loopback server are recorded, then replayed with no server at all and
 * must give the same results; the file never holds the key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "capture.h"
#include "httpd.h"
#include "llmkit.h"
#include "testutil.h"

#define KEY "sk-test-cassette-0123456789abcdefSECRET"
#define OTHER_KEY "sk-replay-key-different-from-the-recording"

typedef struct fixture {
	char dir[64];
	char path[128];
	char base[128];    /* the server's /v1 URL, still used after it stopped */
	char refused[128]; /* a /v1 URL where nothing listens */
	th_server *srv;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	snprintf(f->dir, sizeof(f->dir), "/tmp/llmk-cassette-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/exchanges.jsonl", f->dir);
	f->srv = th_start();
	assert_non_null(f->srv);
	snprintf(f->base, sizeof(f->base), "%s/v1", th_url(f->srv));
	/* a port that was free a moment ago: bind, read it, close */
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	snprintf(f->refused, sizeof(f->refused), "http://127.0.0.1:%d/v1", ntohs(a.sin_port));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	DIR *d;
	struct dirent *de;
	char p[512];

	th_stop(f->srv);
	d = opendir(f->dir);
	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
			unlink(p);
		}
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static llmk_client *new_client(const char *model, const char *base, const char *key)
{
	llmk_client *c;

	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	if (base)
		assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, base), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, key), LLMK_OK);
	/* one exchange per send (test_retries_replayed turns them back on) */
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	return c;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = 0;
	fclose(fp);
	if (len)
		*len = (size_t)n;
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* ---- what a send looked like, as text, to compare record with replay ---- */

typedef struct outcome {
	char s[4096];
} outcome;

static void add(outcome *o, const char *fmt, ...)
{
	size_t n = strlen(o->s);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->s + n, sizeof(o->s) - n, fmt, ap);
	va_end(ap);
}

static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

static void describe(outcome *o, llmk_status st, const llmk_response *r, const tu_events *ev)
{
	static const char *const hdrs[] = {"content-type", "x-request-id", "retry-after", "retry-after-ms"};
	const uint8_t *audio;
	size_t len, i;
	unsigned sum = 0;

	memset(o, 0, sizeof(*o));
	add(o, "status=%s response_status=%s http=%d\n", llmk_status_name(st),
	    llmk_status_name(llmk_response_status(r)), llmk_response_http_status(r));
	add(o, "error=%s\ntype=%s code=%s\n", nz(llmk_response_error(r)), nz(llmk_response_error_type(r)),
	    nz(llmk_response_error_code(r)));
	add(o, "request_id=%s retry_after=%lld\n", nz(llmk_response_request_id(r)),
	    (long long)llmk_response_retry_after_ms(r));
	add(o, "text=%s\nfinish=%s model=%s\n", nz(llmk_response_text(r)), nz(llmk_response_finish_reason(r)),
	    nz(llmk_response_model(r)));
	add(o, "usage=%lld/%lld/%lld\n", (long long)llmk_response_usage(r, LLMK_USAGE_INPUT),
	    (long long)llmk_response_usage(r, LLMK_USAGE_OUTPUT), (long long)llmk_response_usage(r, LLMK_USAGE_TOTAL));
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		add(o, "%s: %s\n", hdrs[i], nz(llmk_response_header(r, hdrs[i])));
	audio = llmk_response_audio(r, &len);
	for (i = 0; audio && i < len; i++)
		sum = sum * 31 + audio[i];
	add(o, "audio=%zu/%u mime=%s\n", audio ? len : 0, sum, nz(llmk_response_audio_mime(r)));
	if (ev)
		add(o, "events=%s text=%s usage=%lld/%lld done=%d order=%d\n", ev->seq, ev->text,
		    (long long)ev->usage_in, (long long)ev->usage_out, ev->ndone, ev->order_ok);
}

/* ---- the script: the same calls, recorded then replayed ------------------ */

#define NSTEPS 6

typedef struct inputs {
	llmk_request *chat, *stream, *transcribe, *speech;
	uint8_t *audio;
	size_t audio_len;
} inputs;

static void inputs_new(inputs *in)
{
	memset(in, 0, sizeof(*in));
	in->chat = chat_request("Say hello");
	in->stream = chat_request("Stream hello");
	in->audio = read_jfk(&in->audio_len);
	if (!in->audio) { /* stand-in WAV-ish bytes: binary, not UTF-8 */
		in->audio_len = 4000;
		in->audio = malloc(in->audio_len);
		memcpy(in->audio, "RIFF", 4);
		for (size_t i = 4; i < in->audio_len; i++)
			in->audio[i] = (uint8_t)(i * 13 + 0x80);
	}
	llmk_request_new(&in->transcribe, LLMK_TRANSCRIBE);
	assert_int_equal(llmk_request_set_audio(in->transcribe, in->audio, in->audio_len, "jfk.wav", NULL), LLMK_OK);
	assert_int_equal(llmk_request_set_str(in->transcribe, LLMK_OPT_MODEL, "whisper-1"), LLMK_OK);
	llmk_request_new(&in->speech, LLMK_SPEECH);
	llmk_request_set_str(in->speech, LLMK_OPT_INPUT, "Hello");
	llmk_request_set_str(in->speech, LLMK_OPT_AUDIO_FORMAT, "wav");
}

static void inputs_free(inputs *in)
{
	llmk_request_free(in->chat);
	llmk_request_free(in->stream);
	llmk_request_free(in->transcribe);
	llmk_request_free(in->speech);
	free(in->audio);
}

/* Queues the server's answers for run_script(), in order. */
static void push_answers(th_server *srv, char **owned)
{
	th_response r;
	static uint8_t wav[3000];

	owned[0] = read_data("openai/chat_completion.json", NULL);
	owned[1] = read_data("openai/chat_stream.sse", NULL);
	owned[2] = read_data("openai/error_429.json", NULL);
	owned[3] = read_data("openai/transcription.json", NULL);

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: application/json\r\nx-request-id: req_chat\r\n"
	            "Set-Cookie: __cf_bm=COOKIESECRET; path=/\r\nx-amz-security-token: AMZTOKENSECRET\r\n";
	r.body = owned[0];
	th_push(srv, &r);

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: text/event-stream\r\nx-request-id: req_sse\r\n";
	r.body = owned[1];
	r.chunked = 1;
	r.write_size = 97;
	th_push(srv, &r);

	memset(&r, 0, sizeof(r));
	r.status = 429;
	r.headers = "Content-Type: application/json\r\nretry-after: 3\r\nretry-after-ms: 2500\r\n"
	            "x-request-id: req_429\r\n";
	r.body = owned[2];
	th_push(srv, &r);

	th_push_json(srv, 200, owned[3]);

	for (size_t i = 0; i < sizeof(wav); i++)
		wav[i] = (uint8_t)(i * 7 + 3);
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.headers = "Content-Type: audio/wav\r\n";
	r.body = wav;
	r.body_len = sizeof(wav);
	th_push(srv, &r);
}

static void run_script(llmk_client *c, const fixture *f, inputs *in, outcome out[NSTEPS])
{
	llmk_response *r;
	llmk_status st;
	tu_events ev;

	st = llmk_send(c, in->chat, &r);
	describe(&out[0], st, r, NULL);
	llmk_response_free(r);

	tu_events_init(&ev, TU_EV_ALL);
	st = llmk_stream(c, in->stream, tu_on_event, &ev, &r);
	describe(&out[1], st, r, &ev);
	llmk_response_free(r);

	st = llmk_send(c, in->chat, &r);
	describe(&out[2], st, r, NULL);
	llmk_response_free(r);

	st = llmk_send(c, in->transcribe, &r);
	describe(&out[3], st, r, NULL);
	llmk_response_free(r);

	st = llmk_send(c, in->speech, &r);
	describe(&out[4], st, r, NULL);
	llmk_response_free(r);

	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, f->refused), LLMK_OK);
	st = llmk_send(c, in->chat, &r);
	describe(&out[5], st, r, NULL);
	llmk_response_free(r);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, f->base), LLMK_OK);
}

static json_t *line_json(const char *text, size_t index)
{
	const char *p = text;
	json_error_t err;
	json_t *j;

	for (size_t i = 0; i < index; i++) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	j = json_loadb(p, (size_t)(strchr(p, '\n') - p), 0, &err);
	if (!j)
		fail_msg("line %zu is not JSON: %s", index + 1, err.text);
	return j;
}

static void test_record_then_replay_offline(void **state)
{
	fixture *f = *state;
	llmk_client *c = new_client("openai/gpt-4o-mini", f->base, KEY);
	outcome rec[NSTEPS], rep[NSTEPS];
	char *owned[4], *file, url[256];
	inputs in;
	json_t *j;
	llmk_response *r;

	inputs_new(&in);
	push_answers(f->srv, owned);
	assert_int_equal(llmk_client_record(c, f->path), LLMK_OK);
	run_script(c, f, &in, rec);
	llmk_client_free(c);
	assert_int_equal(th_request_count(f->srv), 5);

	/* what was recorded is what we expect it to be */
	assert_non_null(strstr(rec[0].s, "status=LLMK_OK"));
	assert_non_null(strstr(rec[0].s, "text=Hello! How can I assist you today?\n"));
	assert_non_null(strstr(rec[0].s, "usage=19/10/29"));
	assert_non_null(strstr(rec[1].s, "status=LLMK_OK"));
	assert_non_null(strstr(rec[1].s, "done=1"));
	assert_non_null(strstr(rec[2].s, "status=LLMK_E_RATE_LIMITED"));
	assert_non_null(strstr(rec[2].s, "retry_after=2500"));
	assert_non_null(strstr(rec[3].s, "ask not what your country"));
	assert_non_null(strstr(rec[4].s, "audio=3000/"));
	assert_non_null(strstr(rec[5].s, "status=LLMK_E_TRANSPORT"));
	assert_non_null(strstr(rec[5].s, "127.0.0.1"));

	/* nothing is listening any more: the answers come from the file */
	th_stop(f->srv);
	f->srv = NULL;
	c = new_client("openai/gpt-4o-mini", f->base, OTHER_KEY);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_OK);
	run_script(c, f, &in, rep);
	for (int i = 0; i < NSTEPS; i++)
		assert_string_equal(rep[i].s, rec[i].s);

	/* each recorded exchange answers once */
	assert_int_equal(llmk_send(c, in.chat, &r), LLMK_E_TRANSPORT);
	assert_non_null(strstr(llmk_response_error(r), "no recorded exchange for POST "));
	llmk_response_free(r);
	llmk_client_free(c);

	/* the file: one line per exchange, what the format promises */
	file = slurp(f->path, NULL);
	assert_int_equal(count_lines(file), NSTEPS);
	j = line_json(file, 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "request"), "method")), "POST");
	snprintf(url, sizeof(url), "%s/chat/completions", f->base);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "request"), "url")), url);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "LLMK_OK");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "response"), "status")), 200);
	assert_null(json_object_get(j, "error"));
	json_decref(j);
	j = line_json(file, 3); /* the multipart upload: binary, so base64 */
	assert_non_null(json_object_get(json_object_get(j, "request"), "body_b64"));
	assert_null(json_object_get(json_object_get(j, "request"), "body"));
	assert_non_null(json_object_get(json_object_get(j, "response"), "body"));
	json_decref(j);
	j = line_json(file, 4); /* the speech answer */
	assert_non_null(json_object_get(json_object_get(j, "response"), "body_b64"));
	json_decref(j);
	j = line_json(file, 5);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "LLMK_E_TRANSPORT");
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "127.0.0.1"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "response"), "status")), 0);
	json_decref(j);

	/* credentials never reached the disk */
	assert_null(strstr(file, KEY));
	assert_null(strstr(file, "Bearer " KEY));
	assert_null(strstr(file, "COOKIESECRET"));
	assert_null(strstr(file, "AMZTOKENSECRET"));
	assert_non_null(strstr(file, "\"Authorization\":\"[REDACTED]\""));
	assert_non_null(strstr(file, "[\"Set-Cookie\",\"[REDACTED]\"]"));
	assert_non_null(strstr(file, "[\"x-amz-security-token\",\"[REDACTED]\"]"));
	free(file);
	for (int i = 0; i < 4; i++)
		free(owned[i]);
	inputs_free(&in);
}

static void test_replay_stream_cancel_and_redacted_headers(void **state)
{
	fixture *f = *state;
	llmk_client *c = new_client("openai/gpt-4o-mini", f->base, KEY);
	char *owned[4];
	outcome rec[NSTEPS];
	inputs in;
	tu_events ev;
	llmk_response *r;

	inputs_new(&in);
	push_answers(f->srv, owned);
	assert_int_equal(llmk_client_record(c, f->path), LLMK_OK);
	run_script(c, f, &in, rec);
	llmk_client_free(c);

	c = new_client("openai/gpt-4o-mini", f->base, KEY);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_OK);
	/* secret answer headers come back redacted, the others as recorded */
	assert_int_equal(llmk_send(c, in.chat, &r), LLMK_OK);
	assert_string_equal(llmk_response_header(r, "set-cookie"), "[REDACTED]");
	assert_string_equal(llmk_response_header(r, "x-amz-security-token"), "[REDACTED]");
	assert_string_equal(llmk_response_request_id(r), "req_chat");
	llmk_response_free(r);
	/* a callback that stops the replayed stream stops it */
	tu_events_init(&ev, TU_EV_ALL);
	ev.stop_after = 1;
	assert_int_equal(llmk_stream(c, in.stream, tu_on_event, &ev, &r), LLMK_E_CANCELLED);
	assert_int_equal(ev.ntext, 1);
	llmk_response_free(r);
	llmk_client_free(c);
	for (int i = 0; i < 4; i++)
		free(owned[i]);
	inputs_free(&in);
}

/* The key scrubbed from the URL and both bodies; a replay with the same key
 * still finds the exchange. */
static void test_key_scrubbed_everywhere(void **state)
{
	fixture *f = *state;
	char base[256], *file;
	llmk_client *c;
	llmk_request *q = chat_request("my key is " KEY ", keep it safe");
	llmk_request *other = chat_request("something else");
	llmk_response *r;

	snprintf(base, sizeof(base), "%s/" KEY "/v1", th_url(f->srv));
	c = new_client("openai/gpt-4o-mini", base, KEY);
	th_push_json(f->srv, 200,
	             "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"you said " KEY
	             "\"},\"finish_reason\":\"stop\"}]}");
	assert_int_equal(llmk_client_record(c, f->path), LLMK_OK);
	assert_int_equal(llmk_send(c, q, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "you said " KEY);
	llmk_response_free(r);
	llmk_client_free(c);

	file = slurp(f->path, NULL);
	assert_null(strstr(file, KEY));
	assert_null(strstr(file, "0123456789abcdefSECRET"));
	assert_non_null(strstr(file, "/[REDACTED]/v1/chat/completions\""));
	assert_non_null(strstr(file, "my key is [REDACTED], keep it safe"));
	assert_non_null(strstr(file, "you said [REDACTED]"));
	free(file);

	th_stop(f->srv);
	f->srv = NULL;
	c = new_client("openai/gpt-4o-mini", base, KEY);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_OK);
	assert_int_equal(llmk_send(c, q, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "you said [REDACTED]");
	llmk_response_free(r);
	/* a mismatch names method and URL, never the key */
	assert_int_equal(llmk_send(c, other, &r), LLMK_E_TRANSPORT);
	assert_non_null(strstr(llmk_response_error(r), "no recorded exchange for POST http://127.0.0.1:"));
	assert_non_null(strstr(llmk_response_error(r), "/[REDACTED]/v1/chat/completions"));
	assert_null(strstr(llmk_response_error(r), KEY));
	assert_int_equal(llmk_response_http_status(r), 0);
	llmk_response_free(r);
	llmk_client_free(c);
	llmk_request_free(q);
	llmk_request_free(other);
}

static void test_replay_mismatch(void **state)
{
	fixture *f = *state;
	llmk_client *c = new_client("openai/gpt-4o-mini", f->base, KEY);
	llmk_request *hello = chat_request("hello"), *bye = chat_request("bye");
	llmk_response *r;
	char want[512];

	th_push_json(f->srv, 200,
	             "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
	             "\"finish_reason\":\"stop\"}]}");
	assert_int_equal(llmk_client_record(c, f->path), LLMK_OK);
	assert_int_equal(llmk_send(c, hello, &r), LLMK_OK);
	llmk_response_free(r);
	llmk_client_free(c);

	c = new_client("openai/gpt-4o-mini", f->base, KEY);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_OK);
	/* same method and URL, another body: no answer */
	assert_int_equal(llmk_send(c, bye, &r), LLMK_E_TRANSPORT);
	snprintf(want, sizeof(want), "no recorded exchange for POST %s/chat/completions", f->base);
	assert_non_null(strstr(llmk_response_error(r), want));
	llmk_response_free(r);
	/* another URL: no answer either */
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, f->refused), LLMK_OK);
	assert_int_equal(llmk_send(c, hello, &r), LLMK_E_TRANSPORT);
	snprintf(want, sizeof(want), "no recorded exchange for POST %s/chat/completions", f->refused);
	assert_non_null(strstr(llmk_response_error(r), want));
	llmk_response_free(r);
	/* the right one still answers */
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, f->base), LLMK_OK);
	assert_int_equal(llmk_send(c, hello, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "hi");
	llmk_response_free(r);
	assert_int_equal(th_request_count(f->srv), 1); /* replay never touched the network */
	llmk_client_free(c);
	llmk_request_free(hello);
	llmk_request_free(bye);
}

static void test_bad_cassettes(void **state)
{
	fixture *f = *state;
	llmk_client *c = new_client("openai/gpt-4o-mini", f->base, KEY);
	char p[256];
	llmk_response *r;
	llmk_request *q = chat_request("hi");
	FILE *fp;

	/* missing file */
	snprintf(p, sizeof(p), "%s/nope.jsonl", f->dir);
	assert_int_equal(llmk_client_replay(c, p), LLMK_E_NOT_FOUND);
	assert_non_null(strstr(llmk_client_errmsg(c), p));
	/* malformed third line (the second is blank) */
	write_file(f->path, "{\"request\":{\"method\":\"POST\",\"url\":\"http://x/v1/chat/completions\","
	                    "\"body\":\"{}\"},"
	                    "\"response\":{\"status\":200,\"headers\":[[\"Content-Type\",\"application/json\"]],"
	                    "\"body\":\"{}\"},\"status\":\"LLMK_OK\"}\n\n{\"request\": oops\n");
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_client_errmsg(c), "line 3"));
	/* JSON, but not an exchange */
	write_file(f->path, "{\"hello\":1}\n");
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_client_errmsg(c), "line 1"));
	write_file(f->path, "{\"request\":{\"method\":\"POST\",\"url\":\"u\"},\"status\":\"LLMK_E_NO_SUCH\"}\n");
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_E_PROTOCOL);
	write_file(f->path,
	           "{\"request\":{\"method\":\"POST\",\"url\":\"u\",\"body_b64\":\"!!!\"},\"status\":\"LLMK_OK\"}\n");
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_E_PROTOCOL);
	write_file(f->path, "{\"request\":{\"method\":\"POST\",\"url\":\"u\"},\"response\":{\"status\":200,"
	                    "\"headers\":[[\"a\"]]},\"status\":\"LLMK_OK\"}\n");
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_client_errmsg(c), "[name, value]"));
	/* a line over 64 MiB (sparse: no newline in it) */
	fp = fopen(f->path, "wb");
	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), (off_t)65 * 1024 * 1024), 0);
	fclose(fp);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_client_errmsg(c), "line 1"));
	/* a file over 256 MiB is refused before it is read */
	fp = fopen(f->path, "wb");
	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), (off_t)257 * 1024 * 1024), 0);
	fclose(fp);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_E_TOO_LARGE);
	/* failed loads left the transport alone: the server still answers */
	th_push_json(f->srv, 200,
	             "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"live\"},"
	             "\"finish_reason\":\"stop\"}]}");
	assert_int_equal(llmk_send(c, q, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "live");
	llmk_response_free(r);
	/* an empty cassette is valid: it just has no answers */
	write_file(f->path, "");
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_OK);
	assert_int_equal(llmk_send(c, q, &r), LLMK_E_TRANSPORT);
	llmk_response_free(r);
	llmk_client_free(c);
	llmk_request_free(q);
}

static void test_record_errors(void **state)
{
	fixture *f = *state;
	llmk_client *c = new_client("openai/gpt-4o-mini", f->base, KEY);
	char p[256];

	snprintf(p, sizeof(p), "%s/no/such/dir/x.jsonl", f->dir);
	assert_int_equal(llmk_client_record(c, p), LLMK_E_CONFIG);
	assert_non_null(strstr(llmk_client_errmsg(c), p));
	assert_non_null(strstr(llmk_client_errmsg(c), "No such file"));
	assert_int_equal(llmk_client_record(c, NULL), LLMK_OK); /* not recording: nothing to stop */
	assert_int_equal(llmk_client_record(c, f->path), LLMK_OK);
	/* a recording of a recording is refused */
	assert_int_equal(llmk_client_record(c, f->path), LLMK_E_CONFIG);
	assert_non_null(strstr(llmk_client_errmsg(c), "already recording"));
	assert_int_equal(llmk_client_record(NULL, f->path), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_client_replay(NULL, f->path), LLMK_E_INVALID_ARG);
	llmk_client_free(c); /* closes the recorder and the transport under it */
}

/* Every attempt is an exchange: a send that was retried while recording
 * is retried the same way on replay, with the same answers. */
static void test_retries_replayed(void **state)
{
	fixture *f = *state;
	llmk_client *c = new_client("openai/gpt-4o-mini", f->base, KEY);
	llmk_request *q = chat_request("hi");
	llmk_response *r;
	char *file;

	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 2), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_BASE_MS, 1), LLMK_OK);
	th_push_json(f->srv, 503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}");
	th_push_json(f->srv, 200,
	             "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"second\"},"
	             "\"finish_reason\":\"stop\"}]}");
	assert_int_equal(llmk_client_record(c, f->path), LLMK_OK);
	assert_int_equal(llmk_send(c, q, &r), LLMK_OK);
	assert_int_equal(llmk_response_attempts(r), 2);
	llmk_response_free(r);
	llmk_client_free(c);
	file = slurp(f->path, NULL);
	assert_int_equal(count_lines(file), 2);
	free(file);

	th_stop(f->srv);
	f->srv = NULL;
	c = new_client("openai/gpt-4o-mini", f->base, KEY);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 2), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_BASE_MS, 1), LLMK_OK);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_OK);
	assert_int_equal(llmk_send(c, q, &r), LLMK_OK);
	assert_int_equal(llmk_response_attempts(r), 2);
	assert_string_equal(llmk_response_text(r), "second");
	llmk_response_free(r);
	llmk_client_free(c);
	llmk_request_free(q);
}

/* ---- threads ---------------------------------------------------------------- */

#define PER_THREAD 20

typedef struct worker {
	llmk_client *c;
	llmk_request *q;
	int ok;
} worker;

static void *send_many(void *arg)
{
	worker *w = arg;
	llmk_response *r;

	for (int i = 0; i < PER_THREAD; i++) {
		if (llmk_send(w->c, w->q, &r) == LLMK_OK && !strcmp(llmk_response_text(r), "pong"))
			w->ok++;
		llmk_response_free(r);
	}
	return NULL;
}

static void run_threads(llmk_client *c, llmk_request *q0, llmk_request *q1)
{
	pthread_t t[2];
	worker w[2] = {{c, q0, 0}, {c, q1, 0}};

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, send_many, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(w[0].ok + w[1].ok, 2 * PER_THREAD);
}

static void test_threads_share_one_recording(void **state)
{
	fixture *f = *state;
	llmk_client *c = new_client("openai/gpt-4o-mini", f->base, KEY);
	llmk_request *q0 = chat_request("from thread zero"), *q1 = chat_request("from thread one");
	size_t n0 = 0, n1 = 0;
	char *file, *line, *save = NULL;

	for (int i = 0; i < 2 * PER_THREAD; i++)
		th_push_json(f->srv, 200,
		             "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"pong\"},"
		             "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,"
		             "\"total_tokens\":2}}");
	assert_int_equal(llmk_client_record(c, f->path), LLMK_OK);
	run_threads(c, q0, q1);
	llmk_client_free(c);

	file = slurp(f->path, NULL);
	assert_int_equal(count_lines(file), 2 * PER_THREAD);
	for (line = strtok_r(file, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t err;
		json_t *j = json_loads(line, 0, &err), *req;
		const char *body;

		if (!j)
			fail_msg("torn line: %s", err.text);
		req = json_object_get(j, "request");
		body = json_string_value(json_object_get(req, "body"));
		assert_non_null(body);
		n0 += strstr(body, "from thread zero") != NULL;
		n1 += strstr(body, "from thread one") != NULL;
		body = json_string_value(json_object_get(json_object_get(j, "response"), "body"));
		assert_non_null(body);
		assert_non_null(strstr(body, "pong"));
		json_decref(j);
	}
	assert_int_equal(n0, PER_THREAD);
	assert_int_equal(n1, PER_THREAD);
	free(file);

	/* and the replay serves both threads at once, each exchange once */
	th_stop(f->srv);
	f->srv = NULL;
	c = new_client("openai/gpt-4o-mini", f->base, KEY);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_OK);
	run_threads(c, q0, q1);
	llmk_client_free(c);
	llmk_request_free(q0);
	llmk_request_free(q1);
}

/* ---- a program's own transport under the recorder ----------------------- */

static void test_record_user_transport(void **state)
{
	fixture *f = *state;
	capture cap;
	llmk_client *c = new_client("anthropic/claude-3-5-haiku-latest", "http://anthropic.invalid", KEY);
	llmk_request *q = chat_request("hi");
	llmk_response *r;
	char *file, copy[256];

	memset(&cap, 0, sizeof(cap));
	cap.status = 200;
	cap.resp_headers = "content-type: application/json\nrequest-id: req_user\nset-cookie: s=COOKIESECRET\n";
	cap.resp_body = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-3-5-haiku\","
	                "\"content\":[{\"type\":\"text\",\"text\":\"Hi from a user transport\"}],"
	                "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":5}}";
	cap.write_size = 7;
	capture_install(c, &cap);
	assert_int_equal(llmk_client_record(c, f->path), LLMK_OK);
	assert_int_equal(llmk_send(c, q, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "Hi from a user transport");
	llmk_response_free(r);
	assert_int_equal(cap.calls, 1);
	/* a transport failure of the program's transport is recorded too */
	cap.fail_with = LLMK_E_TIMEOUT;
	assert_int_equal(llmk_send(c, q, &r), LLMK_E_TIMEOUT);
	llmk_response_free(r);
	cap.fail_with = 0;
	/* stop: the program's transport is back, nothing more is written */
	assert_int_equal(llmk_client_record(c, NULL), LLMK_OK);
	assert_int_equal(llmk_send(c, q, &r), LLMK_OK);
	llmk_response_free(r);
	assert_int_equal(cap.calls, 3);

	file = slurp(f->path, NULL);
	assert_int_equal(count_lines(file), 2);
	assert_null(strstr(file, KEY));
	assert_null(strstr(file, "COOKIESECRET"));
	assert_non_null(strstr(file, "\"x-api-key\":\"[REDACTED]\""));
	assert_non_null(strstr(file, "[\"set-cookie\",\"[REDACTED]\"]"));
	assert_non_null(strstr(file, "\"error\":\"scripted transport failure\",\"status\":\"LLMK_E_TIMEOUT\""));
	free(file);
	llmk_client_free(c); /* closes the capture: once */

	/* the replay gives the same answers, and the recorded failure */
	c = new_client("anthropic/claude-3-5-haiku-latest", "http://anthropic.invalid", OTHER_KEY);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_OK);
	assert_int_equal(llmk_send(c, q, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "Hi from a user transport");
	assert_string_equal(llmk_response_request_id(r), "req_user");
	assert_int_equal(llmk_response_usage(r, LLMK_USAGE_OUTPUT), 5);
	llmk_response_free(r);
	assert_int_equal(llmk_send(c, q, &r), LLMK_E_TIMEOUT);
	assert_non_null(strstr(llmk_response_error(r), "scripted transport failure"));
	llmk_response_free(r);
	llmk_client_free(c);

	/* recording a replay is allowed: the answers are copied to a new file */
	c = new_client("anthropic/claude-3-5-haiku-latest", "http://anthropic.invalid", OTHER_KEY);
	assert_int_equal(llmk_client_replay(c, f->path), LLMK_OK);
	snprintf(copy, sizeof(copy), "%s/copy.jsonl", f->dir);
	assert_int_equal(llmk_client_record(c, copy), LLMK_OK);
	assert_int_equal(llmk_send(c, q, &r), LLMK_OK);
	llmk_response_free(r);
	assert_int_equal(llmk_send(c, q, &r), LLMK_E_TIMEOUT);
	llmk_response_free(r);
	llmk_client_free(c);
	file = slurp(copy, NULL);
	assert_int_equal(count_lines(file), 2);
	assert_non_null(strstr(file, "Hi from a user transport"));
	assert_non_null(strstr(file, "\"status\":\"LLMK_E_TIMEOUT\""));
	free(file);
	llmk_request_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_record_then_replay_offline, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_replay_stream_cancel_and_redacted_headers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_key_scrubbed_everywhere, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_replay_mismatch, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_cassettes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_record_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_retries_replayed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_threads_share_one_recording, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_record_user_transport, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
