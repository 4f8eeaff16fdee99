/* See cli_server.h. Model names (the part after "openai/") choose the
 * answer of a chat request:
 *   ratelimited  HTTP 429 (error_429.json) with Retry-After: 20
 *   badkey       HTTP 401 (error_401.json)
 *   broken       HTTP 500 with a server_error body
 *   nosuchmodel  HTTP 404 model_not_found
 *   hang         headers after 5 s (timeouts, Ctrl-C)
 *   escapes      an answer holding terminal escape sequences (not streamed)
 *   dall-e-3     images: the answer by URL (image_url.json); edits and
 *                variations answer like generations
 *   gpt-4o-mini-transcribe  transcriptions asked with stream=true: the
 *                reference's stream (transcription_stream.sse); other
 *                models ignore stream, as whisper-1 does; word timestamps
 *                asked: transcription_words.json
 *   slow         headers after 1.5 s (the live table; images too: the spinner)
 *   slowtext     the stream in pieces 250 ms apart (streaming, Ctrl-C)
 *   echokey      HTTP 401 echoing the key and CLI_PASS in every shape
 *                (tests/support/echo.h), the key in the error type and code
 *   echokeyok    HTTP 200 with the key as the request id and the model
 *   nothttp      an answer without an HTTP status line
 *   refuses      a refusal (chat_stream_refusal.sse, chat_refusal.json)
 *   judge        a judge's verdict: {"score": 8 or 3, "reason": ...} (eval --judge)
 *   anything else: chat_stream.sse when streamed, chat_completion.json
 * Every answer carries an x-request-id. A request without
 * "Authorization: Bearer CLI_KEY" gets a 401. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_server.h"
#include "echo.h"

static char *slurp(const char *name)
{
	char path[512];
	FILE *fp;
	long n;
	char *s;

	snprintf(path, sizeof(path), "%s/openai/%s", TEST_DATA_DIR, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fclose(fp);
	return s;
}

static void answer(th_response *out, int status, const char *ctype, const char *extra, const char *body, size_t len)
{
	char hdr[256];
	static unsigned long n;

	snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\nx-request-id: req_cli_%04lu\r\n%s", ctype,
	         __atomic_add_fetch(&n, 1, __ATOMIC_SEQ_CST), extra ? extra : "");
	out->status = status;
	out->headers = strdup(hdr);
	out->body = malloc(len + 1);
	memcpy((char *)out->body, body, len);
	((char *)out->body)[len] = '\0';
	out->body_len = len;
}

static int model_is(const char *body, const char *name)
{
	char pat[96];
	snprintf(pat, sizeof(pat), "\"model\":\"%s\"", name);
	return body && strstr(body, pat) != NULL;
}

static void handler(const th_request *rq, th_response *out, void *user)
{
	cli_server *s = user;
	const char *b = (const char *)rq->body, *auth = th_request_header(rq, "Authorization");
	int stream = b && strstr(b, "\"stream\":true");

	if (!auth || strcmp(auth, "Bearer " CLI_KEY)) {
		answer(out, 401, "application/json", NULL, s->err401, strlen(s->err401));
		return;
	}
	/* failures chosen by the model name, for every JSON endpoint */
	if (model_is(b, "ratelimited")) {
		answer(out, 429, "application/json", "Retry-After: 20\r\n", s->err429, strlen(s->err429));
		return;
	}
	if (model_is(b, "badkey")) {
		answer(out, 401, "application/json", NULL, s->err401, strlen(s->err401));
		return;
	}
	if (model_is(b, "broken")) {
		static const char e[] =
		        "{\"error\":{\"message\":\"The server had an error while processing your request. "
		        "Sorry about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
		answer(out, 500, "application/json", NULL, e, sizeof(e) - 1);
		return;
	}
	if (model_is(b, "nosuchmodel")) {
		static const char e[] =
		        "{\"error\":{\"message\":\"The model `nosuchmodel` does not exist or you do not have "
		        "access to it.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":"
		        "\"model_not_found\"}}";
		answer(out, 404, "application/json", NULL, e, sizeof(e) - 1);
		return;
	}
	/* rerank, tokens, moderate (test_cli.c test_kinds) */
	if (strstr(rq->target, "/rerank")) {
		static const char a[] = "{\"model\":\"m\",\"object\":\"list\",\"results\":[{\"index\":1,"
		                        "\"relevance_score\":0.875},{\"index\":0,\"relevance_score\":0.125}]}";
		answer(out, 200, "application/json", NULL, a, sizeof(a) - 1);
		return;
	}
	if (strstr(rq->target, "/responses/input_tokens")) {
		static const char a[] = "{\"object\":\"response.input_tokens\",\"input_tokens\":42}";
		answer(out, 200, "application/json", NULL, a, sizeof(a) - 1);
		return;
	}
	if (strstr(rq->target, "/moderations")) {
		static const char a[] =
		        "{\"id\":\"modr-1\",\"model\":\"omni-moderation-latest\",\"results\":[{\"flagged\":true,"
		        "\"categories\":{\"violence\":true,\"hate\":false},\"category_scores\":{\"violence\":0.9375,"
		        "\"hate\":0.0625},\"category_applied_input_types\":{\"violence\":[\"text\"],\"hate\":[\"text\"]"
		        "}}]}";
		answer(out, 200, "application/json", NULL, a, sizeof(a) - 1);
		return;
	}
	if (strstr(rq->target, "/embeddings")) {
		answer(out, 200, "application/json", NULL, s->embeddings, strlen(s->embeddings));
		return;
	}
	if (strstr(rq->target, "/images/generations") || strstr(rq->target, "/images/edits") ||
	    strstr(rq->target, "/images/variations")) {
		if (model_is(b, "dall-e-3"))
			answer(out, 200, "application/json", NULL, s->image_url, strlen(s->image_url));
		else
			answer(out, 200, "application/json", NULL, s->image, strlen(s->image));
		if (model_is(b, "slow"))
			out->delay_headers_ms = 1500;
		return;
	}
	if (strstr(rq->target, "/audio/transcriptions") || strstr(rq->target, "/audio/translations")) {
		static const char streamed[] = "name=\"stream\"\r\n\r\ntrue\r\n", words[] = "\r\n\r\nword\r\n";
		const char *t =
		        b && memmem(b, rq->body_len, "verbose_json", 12) ? s->transcription_verbose : s->transcription;
		if (b && memmem(b, rq->body_len, words, sizeof(words) - 1))
			t = s->transcription_words;
		if (b && memmem(b, rq->body_len, streamed, sizeof(streamed) - 1) &&
		    memmem(b, rq->body_len, "gpt-4o-mini-transcribe", 22)) {
			answer(out, 200, "text/event-stream", NULL, s->transcription_stream,
			       strlen(s->transcription_stream));
			out->write_size = 64;
			return;
		}
		answer(out, 200, "application/json", NULL, t, strlen(t));
		return;
	}
	if (strstr(rq->target, "/audio/speech")) {
		answer(out, 200, "audio/mpeg", NULL, CLI_AUDIO, sizeof(CLI_AUDIO) - 1);
		return;
	}
	if (!strstr(rq->target, "/chat/completions")) {
		answer(out, 404, "application/json", NULL, "{}", 2);
		return;
	}
	if (model_is(b, "echokey")) {
		char *body = malloc(16384), ks[4096], ps[2048];
		echo_shapes_json(ks, sizeof(ks), CLI_KEY);
		echo_shapes_json(ps, sizeof(ps), CLI_PASS);
		snprintf(body, 16384,
		         "{\"error\":{\"message\":\"Incorrect API key provided: %s; password %s\",\"type\":\"%s\","
		         "\"code\":\"%s\"}}",
		         ks, ps, CLI_KEY, CLI_PASS);
		answer(out, 401, "application/json", "x-echo: " CLI_KEY "\r\n", body, strlen(body));
		free(body);
		return;
	}
	if (model_is(b, "nothttp")) {
		static const char raw[] = "HTTQ/9.9 200 OK\r\nContent-Length: 2\r\n\r\n{}";
		out->raw = 1;
		out->close = 1;
		out->body = strdup(raw);
		out->body_len = sizeof(raw) - 1;
		return;
	}
	if (model_is(b, "echokeyok")) {
		static const char c[] = "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"" CLI_KEY "\","
		                        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
		                        "\"fine\"},\"finish_reason\":\"stop\"}]}";
		out->status = 200;
		out->headers = strdup("Content-Type: application/json\r\nx-request-id: " CLI_KEY "\r\n");
		out->body = strdup(c);
		out->body_len = sizeof(c) - 1;
		return;
	}
	if (__atomic_exchange_n(&s->fail_first, 0, __ATOMIC_SEQ_CST)) {
		static const char e[] =
		        "{\"error\":{\"message\":\"The server had an error while processing your request. "
		        "Sorry about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
		answer(out, 500, "application/json", NULL, e, sizeof(e) - 1);
		return;
	}
	if (model_is(b, "judge")) {
		/* a judge (llmkit eval --judge): 8 of 10 for an answer that offers
		 * help, 3 otherwise */
		int good = b && strstr(b, "Answer to grade:") && strstr(strstr(b, "Answer to grade:"), "assist");
		char c[512];
		int n = snprintf(
		        c, sizeof(c),
		        "{\"id\":\"chatcmpl-judge\",\"object\":\"chat.completion\",\"created\":1741569952,"
		        "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
		        "\"assistant\",\"content\":\"{\\\"score\\\": %d, \\\"reason\\\": \\\"%s\\\"}\"},"
		        "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":10,"
		        "\"total_tokens\":110}}",
		        good ? 8 : 3, good ? "offers help" : "does not");
		answer(out, 200, "application/json", NULL, c, (size_t)n);
		return;
	}
	if (model_is(b, "escapes")) {
		/* an answer trying to drive the terminal: OSC 52 (write the
		 * clipboard), a colour, a carriage return, a C1 CSI */
		static const char c[] = "{\"id\":\"chatcmpl-esc\",\"object\":\"chat.completion\",\"created\":"
		                        "1741569952,\"model\":\"gpt-4o-mini\","
		                        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
		                        "\"Hi \\u001b]52;c;ZXZpbA==\\u0007"
		                        "there \\u001b[31mred\\r\\u009b2J end\"},\"finish_reason\":\"stop\"}],"
		                        "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9,\"total_tokens\":14}}";
		answer(out, 200, "application/json", NULL, c, sizeof(c) - 1);
		return;
	}
	if (model_is(b, "refuses")) {
		char *body = slurp(stream ? "chat_stream_refusal.sse" : "chat_refusal.json");
		answer(out, 200, stream ? "text/event-stream" : "application/json", NULL, body, strlen(body));
		free(body);
		return;
	}
	if (stream)
		answer(out, 200, "text/event-stream", NULL, s->stream, strlen(s->stream));
	else
		answer(out, 200, "application/json", NULL, s->completion, strlen(s->completion));
	if (model_is(b, "hang"))
		out->delay_headers_ms = 5000;
	if (model_is(b, "slow"))
		out->delay_headers_ms = 1500;
	if (model_is(b, "slowtext")) {
		/* one event (about 330 bytes) per write */
		out->write_size = 330;
		out->delay_ms = 250;
	}
}

int cli_server_setup(void **state)
{
	cli_server *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->stream = slurp("chat_stream.sse");
	s->completion = slurp("chat_completion.json");
	s->embeddings = slurp("embeddings.json");
	s->image = slurp("image_b64.json");
	s->image_url = slurp("image_url.json");
	s->transcription = slurp("transcription.json");
	s->transcription_verbose = slurp("transcription_verbose.json");
	s->transcription_words = slurp("transcription_words.json");
	s->transcription_stream = slurp("transcription_stream.sse");
	s->err429 = slurp("error_429.json");
	s->err401 = slurp("error_401.json");
	s->srv = th_start();
	assert_non_null(s->srv);
	th_set_handler(s->srv, handler, s);
	snprintf(s->url_env, sizeof(s->url_env), "OPENAI_BASE_URL=%s/v1", th_url(s->srv));
	s->env[0] = "OPENAI_API_KEY=" CLI_KEY;
	s->env[1] = s->url_env;
	s->env[2] = NULL;
	snprintf(s->dir, sizeof(s->dir), "/tmp/llmkit-cli-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	*state = s;
	return 0;
}

int cli_server_teardown(void **state)
{
	cli_server *s = *state;

	th_stop(s->srv);
	rmdir(s->dir);
	free(s->stream);
	free(s->completion);
	free(s->embeddings);
	free(s->image);
	free(s->image_url);
	free(s->transcription);
	free(s->transcription_verbose);
	free(s->transcription_words);
	free(s->transcription_stream);
	free(s->err429);
	free(s->err401);
	free(s);
	return 0;
}
