/* The canary key: every built-in provider, every request kind it serves,
 * through the real curl transport to a loopback server that does its worst
 * with the key -- echoes it in error messages, in response headers, in the
 * answer's text, in stream events, in a failure that is retried -- while the
 * client logs at DEBUG and records a cassette. Then everything the library
 * produced for the program is scanned:
 *
 *   - every log line,
 *   - every llmk_response_error() and llmk_client_errmsg(),
 *   - every cassette file,
 *
 * for the key, its percent-encoded form and its last 16 characters (enough
 * to rebuild a masked echo). None may hold any of them. The answer's own
 * text is the model's output and is handed over as it is: it is not
 * scanned, but its copy in the cassette is. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "llmkit.h"

/* Characters a URL escapes ('/', '+', '=') so the percent-encoded form
 * differs from the plain one and is checked for real. */
#define CANARY "sk-canary/7f3a+Q9d=b41e0c2d9a8f6e5b4c3d2e1f0a9b8c7d6e5f4"
#define CANARY_PCT "sk-canary%2F7f3a%2BQ9d%3Db41e0c2d9a8f6e5b4c3d2e1f0a9b8c7d6e5f4"

typedef struct sink {
	char *text;
	size_t len, cap;
	size_t lines;
} sink;

static void sink_add(sink *s, const char *what, const char *text)
{
	size_t n;

	if (!text)
		return;
	n = strlen(what) + strlen(text) + 2;
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->text = realloc(s->text, s->cap);
		assert_non_null(s->text);
	}
	s->len += (size_t)snprintf(s->text + s->len, s->cap - s->len, "%s %s\n", what, text);
	s->lines++;
}

static void on_log(int32_t level, const char *line, void *user)
{
	(void)level;
	sink_add(user, "log", line);
}

static void assert_clean(const char *where, const char *text)
{
	static const char *const needles[] = {CANARY, CANARY_PCT, CANARY + sizeof(CANARY) - 1 - 16};
	size_t i;

	for (i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
		if (text && strstr(text, needles[i]))
			fail_msg("%s holds the key (as %s) at offset %ld", where,
			         i == 0 ? "the key" : i == 1 ? "percent-encoded" : "its tail", (long)(strstr(text, needles[i]) - text));
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- answers that echo the key ------------------------------------------------ */

static void push_answers(th_server *srv, int32_t kind, int stream)
{
	static char body[2048], hdrs[512];
	th_response r;

	/* 1: a server error carrying the key everywhere, retried. */
	snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\nx-echo-key: %s\r\nx-request-id: req_%s\r\n",
	         CANARY, CANARY_PCT);
	snprintf(body, sizeof(body),
	         "{\"error\":{\"message\":\"Incorrect API key provided: %s (%s). You can find your API key at "
	         "https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\",\"code\":"
	         "\"invalid_api_key\",\"key\":\"%s\"}}",
	         CANARY, CANARY_PCT, CANARY);
	memset(&r, 0, sizeof(r));
	r.status = 500;
	r.headers = hdrs;
	r.body = body;
	th_push(srv, &r);
	/* 2: then 401 with the same: the final answer of the first send. */
	r.status = 401;
	th_push(srv, &r);
	/* 3: a second send is answered 200 with the key in the content, the
	 * shape being whatever the kind expects; a wrong shape is fine too:
	 * the failure message is scanned. */
	memset(&r, 0, sizeof(r));
	r.status = 200;
	if (stream && kind == LLMK_CHAT) {
		snprintf(hdrs, sizeof(hdrs), "Content-Type: text/event-stream\r\nx-echo-key: %s\r\n", CANARY);
		snprintf(body, sizeof(body),
		         "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
		         "{\"content\":\"your key is %s\"},\"finish_reason\":null}]}\n\n"
		         "data: {\"error\":{\"message\":\"stream failed for key %s\",\"type\":\"server_error\"}}\n\n",
		         CANARY, CANARY);
	} else {
		snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\nx-echo-key: %s\r\n", CANARY);
		snprintf(body, sizeof(body),
		         "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
		         "\"assistant\",\"content\":\"your key is %s\"},\"finish_reason\":\"stop\"}],\"text\":\"%s\","
		         "\"data\":[{\"embedding\":[0.5,\"%s\"]}]}",
		         CANARY, CANARY, CANARY);
	}
	r.headers = hdrs;
	r.body = body;
	th_push(srv, &r);
}

static llmk_request *request_for(int32_t kind)
{
	static const uint8_t wav[44] = {'R', 'I', 'F', 'F', 36, 0, 0, 0, 'W', 'A', 'V', 'E'};
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, kind), LLMK_OK);
	switch (kind) {
	case LLMK_CHAT:
		assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "repeat my key"), LLMK_OK);
		break;
	case LLMK_EMBED:
		assert_int_equal(llmk_request_add_input(r, "embed me"), LLMK_OK);
		break;
	case LLMK_IMAGE:
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a canary"), LLMK_OK);
		break;
	case LLMK_SPEECH:
		assert_int_equal(llmk_request_set_str(r, LLMK_OPT_INPUT, "a canary"), LLMK_OK);
		break;
	case LLMK_TRANSCRIBE:
		assert_int_equal(llmk_request_set_audio(r, wav, sizeof(wav), "a.wav", "audio/wav"), LLMK_OK);
		break;
	}
	return r;
}

static int32_t on_event(const llmk_event *ev, void *user)
{
	(void)ev, (void)user;
	return 0;
}

static void test_canary_everywhere(void **state)
{
	th_server *srv = th_start();
	sink logs = {0}, errors = {0};
	char path[64], where[160];
	size_t i, sends = 0;
	int32_t kind;
	int stream;

	(void)state;
	assert_non_null(srv);
	snprintf(path, sizeof(path), "/tmp/llmk-canary-%ld.jsonl", (long)getpid());
	unlink(path);
	for (i = 0; i < llmk_provider_count(); i++) {
		const char *name = llmk_provider_name(i);
		for (kind = LLMK_CHAT; kind <= LLMK_SPEECH; kind++) {
			int64_t caps = llmk_provider_capabilities(name, kind);
			if (!(caps & LLMK_CAP_KIND))
				continue;
			for (stream = 0; stream <= (kind == LLMK_CHAT && (caps & LLMK_CAP_STREAM) ? 1 : 0); stream++) {
				char model[96];
				llmk_client *c;
				llmk_request *r;
				llmk_response *resp;
				int n;

				snprintf(model, sizeof(model), "%s/canary-model", name);
				assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
				assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, CANARY), LLMK_OK);
				assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
				assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 1), LLMK_OK);
				assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_BASE_MS, 1), LLMK_OK);
				assert_int_equal(llmk_client_set_log(c, on_log, LLMK_LOG_DEBUG, &logs), LLMK_OK);
				assert_int_equal(llmk_client_record(c, path), LLMK_OK);
				r = request_for(kind);
				th_reset(srv);
				push_answers(srv, kind, stream);
				for (n = 0; n < 2; n++) {
					llmk_status st = stream ? llmk_stream(c, r, on_event, NULL, &resp) : llmk_send(c, r, &resp);
					snprintf(where, sizeof(where), "%s kind %d%s send %d", name, (int)kind,
					         stream ? " stream" : "", n + 1);
					if (n == 0 && st == LLMK_OK)
						fail_msg("%s: a 401 answer gave LLMK_OK", where);
					sink_add(&errors, where, llmk_response_error(resp));
					assert_clean(where, llmk_response_error(resp));
					llmk_response_free(resp);
					sends++;
				}
				sink_add(&errors, name, llmk_client_errmsg(c));
				llmk_request_free(r);
				llmk_client_free(c);
			}
		}
	}
	/* The scans, with what they covered. */
	{
		char *cassette = slurp(path);
		size_t lines = 0;
		const char *p;

		for (p = cassette; (p = strchr(p, '\n')); p++)
			lines++;
		print_message("[canary] %zu sends, %zu log lines, %zu error messages, %zu cassette lines scanned\n",
		              sends, logs.lines, errors.lines, lines);
		assert_true(lines >= sends); /* every attempt recorded, retries included */
		assert_true(logs.lines >= 3 * sends);
		assert_non_null(strstr(cassette, "[REDACTED]"));
		assert_clean("the log", logs.text);
		assert_clean("the error messages", errors.text);
		assert_clean("the cassette", cassette);
		free(cassette);
	}
	unlink(path);
	free(logs.text);
	free(errors.text);
	th_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canary_everywhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
