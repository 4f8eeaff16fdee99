/* The llmkit command-line tool, run as a program: every subcommand against
 * the loopback server answering in OpenAI's wire format (tests/data/openai),
 * checking stdout, stderr and the exit status, failures included (no key,
 * server down, rate limited, refused key, server error, timeout, bad
 * arguments). Every run also checks that the API key is never printed
 * (cli_run.c). The terminal behaviour (streaming, live table, colour) is in
 * test_cli_tty.c. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"
#include "cli_server.h"
#include "echo.h"
#include "httpd.h"

#define RUN(o, envv, ...)                                               \
	do {                                                            \
		const char *const args_[] = {__VA_ARGS__, NULL};        \
		cli_spec spec_ = {args_, envv, NULL, 0, NULL, NULL, 0}; \
		o = cli_run(&spec_);                                    \
	} while (0)

#define RUN_IN(o, envv, input, ...)                                      \
	do {                                                             \
		const char *const args_[] = {__VA_ARGS__, NULL};         \
		cli_spec spec_ = {args_, envv, input, 0, NULL, NULL, 0}; \
		o = cli_run(&spec_);                                     \
	} while (0)

#define EXPECT_CODE(o, want)                                                                                         \
	do {                                                                                                         \
		if ((o)->code != (want))                                                                             \
			fail_msg("exit status %d, wanted %d\nstdout:\n%s\nstderr:\n%s", (o)->code, (want), (o)->out, \
			         (o)->err);                                                                          \
	} while (0)

#define EXPECT_IN(hay, needle)                                               \
	do {                                                                 \
		if (!strstr((hay), (needle)))                                \
			fail_msg("'%s' not found in:\n%s", (needle), (hay)); \
	} while (0)

/* needle in a request body that may hold NUL bytes (multipart) */
static int body_has(const th_request *rq, const char *needle)
{
	return rq && memmem(rq->body, rq->body_len, needle, strlen(needle)) != NULL;
}

/* ---- help and arguments -------------------------------------------------------- */

static void test_help(void **state)
{
	static const char *const cmds[] = {"chat",    "embed", "image",  "transcribe", "speak",
	                                   "compare", "eval",  "models", "providers"};
	cli_out *o;
	size_t i;
	char want[64];

	(void)state;
	RUN(o, NULL, "--help");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "usage: llmkit");
	EXPECT_IN(o->out, "Exit status:");
	EXPECT_IN(o->out, "130    interrupted");
	EXPECT_IN(o->out, "--timeout SECONDS  time limit per request (default 600,");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		EXPECT_IN(o->out, cmds[i]);
	assert_int_equal(o->err_len, 0);
	cli_out_free(o);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		RUN(o, NULL, cmds[i], "--help");
		EXPECT_CODE(o, 0);
		snprintf(want, sizeof(want), "usage: llmkit %s", cmds[i]);
		assert_true(!strncmp(o->out, want, strlen(want)));
		assert_int_equal(o->err_len, 0);
		cli_out_free(o);
		RUN(o, NULL, cmds[i], "-h");
		EXPECT_CODE(o, 0);
		assert_true(!strncmp(o->out, want, strlen(want)));
		cli_out_free(o);
	}
	RUN(o, NULL, "--version");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "llmkit 0.1.0");
	cli_out_free(o);
}

static void test_bad_arguments(void **state)
{
	cli_server *s = *state;
	cli_out *o;

	RUN(o, s->env, "--nope");
	EXPECT_CODE(o, 2);
	cli_out_free(o);
	{
		const char *const args[] = {NULL};
		cli_spec spec = {args, s->env, NULL, 0, NULL, NULL, 0};
		o = cli_run(&spec);
		EXPECT_CODE(o, 2);
		EXPECT_IN(o->err, "usage: llmkit");
		cli_out_free(o);
	}
	RUN(o, s->env, "bogus");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "'bogus' is not a command");
	cli_out_free(o);
	RUN(o, s->env, "chat", "-m", "openai/gpt-4o-mini", "--nope", "hi");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "unknown option '--nope'");
	EXPECT_IN(o->err, "llmkit chat --help");
	cli_out_free(o);
	RUN(o, s->env, "chat", "-m", "openai/gpt-4o-mini", "--temperature", "warm", "hi");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "--temperature: 'warm' is not a number");
	cli_out_free(o);
	RUN(o, s->env, "chat", "-m", "openai/gpt-4o-mini", "--max-tokens");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "needs a value");
	cli_out_free(o);
	RUN(o, s->env, "chat", "-m", "openai/gpt-4o-mini", "--set", "voice=alloy", "hi");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "--set voice");
	cli_out_free(o);
	RUN(o, s->env, "chat", "-m", "openai/gpt-4o-mini", "--image", "photo.bmp", "hi");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "photo.bmp");
	cli_out_free(o);
	RUN(o, s->env, "chat", "-m", "nosuchprovider/model", "hi");
	EXPECT_CODE(o, 3);
	EXPECT_IN(o->err, "unknown provider");
	cli_out_free(o);
	RUN(o, s->env, "compare", "hi");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "no models");
	cli_out_free(o);
	RUN(o, s->env, "compare", "-m", "openai/a", "--format", "xml", "hi");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "'xml' is not one of");
	cli_out_free(o);
	RUN(o, s->env, "compare", "-m", "openai/a", "--repeat", "0", "hi");
	EXPECT_CODE(o, 2);
	cli_out_free(o);
	RUN(o, s->env, "image", "-m", "openai/gpt-image-1", "a cat");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "-o FILE");
	cli_out_free(o);
	RUN(o, s->env, "transcribe", "-m", "openai/whisper-1", "/nonexistent/audio.wav");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "/nonexistent/audio.wav: cannot be opened");
	cli_out_free(o);
	RUN(o, s->env, "eval", "-m", "openai/a", "/nonexistent/cases.jsonl");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "cannot be opened");
	cli_out_free(o);
	RUN(o, s->env, "embed", "-m", "openai/text-embedding-3-small");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "nothing to embed");
	cli_out_free(o);
	RUN(o, s->env, "models", "nosuchprovider");
	EXPECT_CODE(o, 2);
	cli_out_free(o);
	/* nothing was sent for any of these */
	assert_int_equal(th_request_count(s->srv), 0);
}

/* ---- chat ------------------------------------------------------------------------ */

static void test_chat_stream(void **state)
{
	cli_server *s = *state;
	const th_request *rq;
	cli_out *o;

	RUN(o, s->env, "chat", "-m", "openai/gpt-4o-mini", "Say", "hello");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2\n");
	assert_int_equal(o->err_len, 0); /* not a terminal, not verbose: no footer */
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), 1);
	rq = th_request_at(s->srv, 0);
	assert_string_equal(rq->method, "POST");
	assert_string_equal(rq->target, "/v1/chat/completions");
	assert_string_equal(th_request_header(rq, "Authorization"), "Bearer " CLI_KEY);
	EXPECT_IN((const char *)rq->body, "\"stream\":true");
	EXPECT_IN((const char *)rq->body, "\"content\":\"Say hello\"");
	EXPECT_IN((const char *)rq->body, "\"model\":\"gpt-4o-mini\"");
}

static void test_chat_options_and_stdin(void **state)
{
	cli_server *s = *state;
	const th_request *rq;
	json_t *j;
	cli_out *o;

	RUN_IN(o, s->env, "What is 2+2?\n", "chat", "-m", "openai/gpt-4o-mini", "--no-stream", "-s", "Be brief.",
	       "--temperature", "0.5", "--max-tokens", "64", "--json", "--set", "seed=7");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "Hello! How can I assist you today?\n");
	cli_out_free(o);
	rq = th_request_at(s->srv, 0);
	j = json_loads((const char *)rq->body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(json_object_get(j, "messages"), 0), "role")),
	        "system");
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(json_object_get(j, "messages"), 1), "content")),
	        "What is 2+2?");
	assert_true(fabs(json_number_value(json_object_get(j, "temperature")) - 0.5) < 1e-9);
	assert_int_equal(json_integer_value(json_object_get(j, "max_tokens")) +
	                         json_integer_value(json_object_get(j, "max_completion_tokens")),
	                 64);
	assert_int_equal(json_integer_value(json_object_get(j, "seed")), 7);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "response_format"), "type")),
	                    "json_object");
	assert_null(json_object_get(j, "stream"));
	json_decref(j);
}

static void test_chat_image_and_schema(void **state)
{
	cli_server *s = *state;
	char img[64], schema[64];
	const th_request *rq;
	cli_out *o;
	FILE *fp;

	snprintf(img, sizeof(img), "%s/pixel.png", s->dir);
	snprintf(schema, sizeof(schema), "%s/answer.json", s->dir);
	fp = fopen(img, "wb");
	fwrite("\x89PNG\r\n\x1a\n", 1, 8, fp);
	fclose(fp);
	fp = fopen(schema, "w");
	fputs("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}", fp);
	fclose(fp);
	RUN(o, s->env, "chat", "-m", "openai/gpt-4o-mini", "--image", img, "--schema", schema, "What is this?");
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	rq = th_request_at(s->srv, 0);
	EXPECT_IN((const char *)rq->body, "data:image/png;base64,iVBORw0KGgo=");
	EXPECT_IN((const char *)rq->body, "\"json_schema\"");
	EXPECT_IN((const char *)rq->body, "\"name\":\"answer\"");
	unlink(img);
	unlink(schema);
}

/* --file: a PDF as a file part, a .txt as text, an unknown extension refused. */
static void test_chat_file(void **state)
{
	cli_server *s = *state;
	char pdf[64], txt[64], bad[64];
	const th_request *rq;
	cli_out *o;
	FILE *fp;

	snprintf(pdf, sizeof(pdf), "%s/report.pdf", s->dir);
	snprintf(txt, sizeof(txt), "%s/notes.txt", s->dir);
	snprintf(bad, sizeof(bad), "%s/a.docx", s->dir);
	fp = fopen(pdf, "wb");
	fputs("%PDF-1.7\n", fp);
	fclose(fp);
	fp = fopen(txt, "w");
	fputs("buy milk", fp);
	fclose(fp);
	RUN(o, s->env, "chat", "-m", "openai/gpt-4o-mini", "--no-stream", "-f", pdf, "--file", txt, "Summarise.");
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	rq = th_request_at(s->srv, 0);
	EXPECT_IN((const char *)rq->body, "{\"type\":\"file\",\"file\":{\"filename\":\"report.pdf\",\"file_data\":"
	                                  "\"data:application/pdf;base64,JVBERi0xLjcK\"}}");
	EXPECT_IN((const char *)rq->body, "{\"type\":\"text\",\"text\":\"buy milk\"}");
	RUN(o, s->env, "chat", "-m", "openai/gpt-4o-mini", "-f", bad, "hi");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "not an image");
	cli_out_free(o);
	unlink(pdf);
	unlink(txt);
}

static void test_chat_no_key(void **state)
{
	cli_server *s = *state;
	const char *const env[] = {s->url_env, NULL};
	cli_out *o;

	RUN(o, env, "chat", "-m", "openai/gpt-4o-mini", "hi");
	EXPECT_CODE(o, 3);
	EXPECT_IN(o->err, "no API key");
	EXPECT_IN(o->err, "OPENAI_API_KEY");
	assert_int_equal(o->out_len, 0);
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), 0);
}

static void test_chat_server_down(void **state)
{
	cli_server *s = *state;
	th_server *gone = th_start();
	char url[96];
	const char *env[] = {"OPENAI_API_KEY=" CLI_KEY, url, NULL};
	cli_out *o;

	snprintf(url, sizeof(url), "OPENAI_BASE_URL=%s/v1", th_url(gone));
	th_stop(gone); /* nothing listens there any more */
	(void)s;
	RUN(o, env, "--retries", "0", "chat", "-m", "openai/gpt-4o-mini", "hi");
	EXPECT_CODE(o, 5);
	EXPECT_IN(o->err, "LLMK_E_TRANSPORT");
	cli_out_free(o);
}

static void test_chat_rate_limited(void **state)
{
	cli_server *s = *state;
	cli_out *o;

	RUN(o, s->env, "chat", "--retries", "0", "-m", "openai/ratelimited", "hi");
	EXPECT_CODE(o, 7);
	EXPECT_IN(o->err, "Rate limit reached");
	EXPECT_IN(o->err, "LLMK_E_RATE_LIMITED");
	EXPECT_IN(o->err, "wait 20.0 s");
	cli_out_free(o);
}

static void test_chat_refused_key(void **state)
{
	cli_server *s = *state;
	cli_out *o;

	RUN(o, s->env, "chat", "-m", "openai/badkey", "hi");
	EXPECT_CODE(o, 4);
	EXPECT_IN(o->err, "LLMK_E_AUTH");
	EXPECT_IN(o->err, "Incorrect API key");
	cli_out_free(o);
}

/* A refusal is not an answer: nothing on stdout, the refusal on stderr,
 * status 11; streamed or not. */
static void test_chat_refusal(void **state)
{
	cli_server *s = *state;
	cli_out *o;

	RUN(o, s->env, "chat", "-m", "openai/refuses", "pick", "a", "lock");
	EXPECT_CODE(o, 11);
	assert_int_equal(o->out_len, 0);
	EXPECT_IN(o->err, "I'm sorry, I can't help with that request.\n");
	cli_out_free(o);
	RUN(o, s->env, "chat", "--no-stream", "-m", "openai/refuses", "pick", "a", "lock");
	EXPECT_CODE(o, 11);
	assert_int_equal(o->out_len, 0);
	EXPECT_IN(o->err, "I'm sorry, I can't help with that request.\n");
	cli_out_free(o);
}

static void test_chat_server_error_and_timeout(void **state)
{
	cli_server *s = *state;
	cli_out *o;

	RUN(o, s->env, "chat", "--retries", "0", "-m", "openai/broken", "hi");
	EXPECT_CODE(o, 9);
	EXPECT_IN(o->err, "LLMK_E_SERVER");
	cli_out_free(o);
	RUN(o, s->env, "chat", "--retries", "0", "--timeout", "0.3", "-m", "openai/hang", "hi");
	EXPECT_CODE(o, 6);
	EXPECT_IN(o->err, "LLMK_E_TIMEOUT");
	cli_out_free(o);
	RUN(o, s->env, "chat", "--retries", "0", "-m", "openai/nosuchmodel", "hi");
	EXPECT_CODE(o, 8);
	EXPECT_IN(o->err, "does not exist");
	cli_out_free(o);
}

/* An answer that is not HTTP is the server's fault (exit 9), not "not
 * configured" (exit 3). */
static void test_chat_not_http(void **state)
{
	cli_server *s = *state;
	cli_out *o;

	RUN(o, s->env, "chat", "--retries", "0", "-m", "openai/nothttp", "hi");
	EXPECT_CODE(o, 9);
	EXPECT_IN(o->err, "LLMK_E_PROTOCOL");
	EXPECT_IN(o->err, "not valid HTTP");
	cli_out_free(o);
}

static void test_verbose(void **state)
{
	cli_server *s = *state;
	cli_out *o;

	/* the first attempt fails with 500, the retry succeeds */
	s->fail_first = 1;
	RUN(o, s->env, "--verbose", "chat", "--retries", "1", "-m", "openai/gpt-4o-mini", "hi");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "Hello!");
	EXPECT_IN(o->err, "req_cli_"); /* request id */
	EXPECT_IN(o->err, "HTTP 500");
	EXPECT_IN(o->err, "retrying in");
	EXPECT_IN(o->err, "HTTP 200");
	EXPECT_IN(o->err, "2 attempt(s)");
	EXPECT_IN(o->err, "ms total");
	EXPECT_IN(o->err, "tokens"); /* the footer */
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), 2);
}

static void test_ctrl_c(void **state);

/* The canary through the tool: a server echoing the key and the base URL's
 * password in every shape, in the error, its type and code, the request id
 * and the model, with -v -v (log lines, the "via" line, the request id
 * line). Nothing the tool writes holds either. */
static void test_canary_cli(void **state)
{
	static const char *const models[] = {"openai/echokey", "openai/echokeyok"};
	cli_server *s = *state;
	char url[256];
	size_t i;
	cli_out *o;

	snprintf(url, sizeof(url), "http://user:%s@127.0.0.1:%d/v1", CLI_PASS_URL, th_port(s->srv));
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		const char *w;
		RUN(o, s->env, "-v", "-v", "--base-url", url, "chat", "--retries", "1", "-m", models[i], "hi");
		EXPECT_CODE(o, i == 0 ? 4 : 0);
		EXPECT_IN(o->err, "via http://user:***@127.0.0.1");
		if (i == 1)
			EXPECT_IN(o->err, "request id [REDACTED]");
		if ((w = echo_find(o->err, CLI_KEY)) || (w = echo_find(o->out, CLI_KEY)))
			fail_msg("%s: the output holds %s of the key:\n%s%s", models[i], w, o->out, o->err);
		if ((w = echo_find(o->err, CLI_PASS)) || (w = echo_find(o->out, CLI_PASS)) ||
		    strstr(o->err, CLI_PASS_URL))
			fail_msg("%s: the output holds %s of the password:\n%s%s", models[i], w ? w : "the URL form",
			         o->out, o->err);
		cli_out_free(o);
	}
}

/* --verbose twice (debug lines) with other providers' ways of sending the
 * key (x-api-key, x-goog-api-key or ?key=): the key is still never printed
 * (cli_run asserts it), and the failure is reported. */
static void test_verbose_other_providers(void **state)
{
	cli_server *s = *state;
	static const char *const providers[][3] = {
	        {"gemini/gemini-2.0-flash", "GEMINI_API_KEY=", "GEMINI_BASE_URL="},
	        {"anthropic/claude-3-5-haiku-latest", "ANTHROPIC_API_KEY=", "ANTHROPIC_BASE_URL="},
	        {"cohere/command-r7b-12-2024", "COHERE_API_KEY=", "COHERE_BASE_URL="},
	};
	char key[128], url[160];
	const char *env[] = {key, url, NULL};
	size_t i;
	cli_out *o;

	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
		snprintf(key, sizeof(key), "%s%s", providers[i][1], CLI_KEY);
		snprintf(url, sizeof(url), "%s%s", providers[i][2], th_url(s->srv));
		RUN(o, env, "-v", "-v", "--retries", "1", "--retry-delay-is-not-an-option");
		EXPECT_CODE(o, 2);
		cli_out_free(o);
		RUN(o, env, "-v", "-v", "--retries", "0", "chat", "-m", providers[i][0], "hi");
		/* the loopback server speaks OpenAI only: the answer is refused */
		assert_true(o->code == 4 || o->code == 8 || o->code == 9);
		EXPECT_IN(o->err, "[debug]");
		EXPECT_IN(o->err, "llmkit chat: error: ");
		cli_out_free(o);
	}
	assert_true(th_request_count(s->srv) >= 3);
}

/* ---- embed, image, transcribe, speak ------------------------------------------------ */

static void test_embed(void **state)
{
	cli_server *s = *state;
	cli_out *o;
	char want[64];
	double a[4] = {0.0023064255, -0.009327292, 0.015797347, -0.0077780345}, b[4] = {0.5, -0.25, 0.125, 1.0};
	double ab = 0, aa = 0, bb = 0;
	float v[8];
	size_t i;

	RUN(o, s->env, "embed", "-m", "openai/text-embedding-3-small", "first text", "second text");
	EXPECT_CODE(o, 0);
	/* index 0 first, although the fixture lists it second */
	assert_string_equal(o->out,
	                    "[0.00230642548,-0.00932729244,0.0157973468,-0.00777803455]\n[0.5,-0.25,0.125,1]\n");
	cli_out_free(o);
	EXPECT_IN((const char *)th_request_at(s->srv, 0)->body, "\"input\":[\"first text\",\"second text\"]");
	assert_string_equal(th_request_at(s->srv, 0)->target, "/v1/embeddings");

	for (i = 0; i < 4; i++)
		ab += (double)(float)a[i] * (float)b[i], aa += (double)(float)a[i] * (float)a[i],
		        bb += (double)(float)b[i] * (float)b[i];
	snprintf(want, sizeof(want), "%.6f\n", ab / (sqrt(aa) * sqrt(bb)));
	RUN_IN(o, s->env, "first text\n\nsecond text\n", "embed", "-m", "openai/text-embedding-3-small",
	       "--similarity");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, want);
	cli_out_free(o);

	RUN(o, s->env, "embed", "-m", "openai/text-embedding-3-small", "--format", "binary", "x", "y");
	EXPECT_CODE(o, 0);
	assert_int_equal(o->out_len, sizeof(v));
	memcpy(v, o->out, sizeof(v));
	for (i = 0; i < 4; i++) {
		assert_true(v[i] == (float)a[i]);
		assert_true(v[4 + i] == (float)b[i]);
	}
	cli_out_free(o);
}

/* rerank, tokens, moderate: what goes out and what is printed. */
static void test_kinds(void **state)
{
	cli_server *s = *state;
	char url[160];
	const char *env[3] = {"TOGETHER_API_KEY=" CLI_KEY, url, NULL};
	cli_out *o;

	snprintf(url, sizeof(url), "TOGETHER_BASE_URL=%s/v1", th_url(s->srv));
	RUN(o, env, "rerank", "-m", "together/Salesforce/Llama-Rank-V1", "-n", "2", "which is it?", "not this",
	    "this one");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "1\t2\t0.875\tthis one\n2\t1\t0.125\tnot this\n");
	cli_out_free(o);
	assert_string_equal(th_request_at(s->srv, 0)->target, "/v1/rerank");
	EXPECT_IN((const char *)th_request_at(s->srv, 0)->body,
	          "\"query\":\"which is it?\",\"documents\":[\"not this\",\"this one\"],\"top_n\":2");
	RUN_IN(o, env, "not this\n\nthis one\n", "rerank", "-m", "together/r", "--format", "json", "q");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "{\"rank\":1,\"index\":1,\"score\":0.875,\"document\":\"this one\"}\n"
	                            "{\"rank\":2,\"index\":0,\"score\":0.125,\"document\":\"not this\"}\n");
	cli_out_free(o);
	RUN(o, env, "rerank", "-m", "together/r", "-n", "3", "q", "a", "b");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "top_n is 3; it must be between 1 and the number of documents (2)");
	cli_out_free(o);
	RUN(o, s->env, "rerank", "-m", "openai/gpt-4o-mini", "q", "a");
	EXPECT_IN(o->err, "openai does not serve rerank requests");
	EXPECT_CODE(o, 8);
	cli_out_free(o);

	RUN(o, s->env, "tokens", "-m", "openai-responses/gpt-5", "-s", "Be brief.", "Tell", "me", "a", "joke.");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "42\n");
	cli_out_free(o);
	EXPECT_IN((const char *)th_request_at(s->srv, 2)->body, "Tell me a joke.");
	assert_string_equal(th_request_at(s->srv, 2)->target, "/v1/responses/input_tokens");
	RUN(o, s->env, "tokens", "-m", "openai/gpt-4o-mini", "hi");
	EXPECT_CODE(o, 8); /* rejected: unsupported */
	EXPECT_IN(o->err, "openai does not serve count_tokens requests");
	cli_out_free(o);

	RUN(o, s->env, "moderate", "-m", "openai/omni-moderation-latest", "I want to hurt them.");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "flagged: violence 0.938\n");
	cli_out_free(o);
	RUN(o, s->env, "moderate", "-m", "openai/omni-moderation-latest", "--format", "json", "-i",
	    "https://example.com/a.png", "x");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "{\"flagged\":true,\"categories\":{\"violence\":{\"flagged\":true,\"score\":"
	                            "0.9375,\"inputs\":\"text\"},\"hate\":{\"flagged\":false,\"score\":0.0625,"
	                            "\"inputs\":\"text\"}}}\n");
	cli_out_free(o);
	EXPECT_IN((const char *)th_request_at(s->srv, 4)->body,
	          "\"input\":[{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"image_url\",\"image_url\":"
	          "{\"url\":\"https://example.com/a.png\"}}]");
}

static void test_image(void **state)
{
	cli_server *s = *state;
	char path[96], line[128];
	unsigned char png[16];
	cli_out *o;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/cat.png", s->dir);
	RUN(o, s->env, "image", "-m", "openai/gpt-image-1", "-o", path, "--size", "1024x1024", "a", "red", "pixel");
	EXPECT_CODE(o, 0);
	snprintf(line, sizeof(line), "%s\n", path);
	assert_string_equal(o->out, line);
	cli_out_free(o);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(png, 1, sizeof(png), fp);
	fclose(fp);
	assert_true(n >= 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
	unlink(path);
	assert_string_equal(th_request_at(s->srv, 0)->target, "/v1/images/generations");
	EXPECT_IN((const char *)th_request_at(s->srv, 0)->body, "\"prompt\":\"a red pixel\"");
	EXPECT_IN((const char *)th_request_at(s->srv, 0)->body, "\"size\":\"1024x1024\"");

	/* an image by URL: the URL is printed, nothing is written */
	RUN(o, s->env, "image", "-m", "openai/dall-e-3", "-o", path, "a cat");
	EXPECT_CODE(o, 0);
	assert_true(!strncmp(o->out, "https://", 8));
	EXPECT_IN(o->err, "came as a URL");
	assert_int_equal(access(path, F_OK), -1);
	cli_out_free(o);

	/* the output cannot be written: the image is not lost silently */
	RUN(o, s->env, "image", "-m", "openai/gpt-image-1", "-o", "/nonexistent/dir/cat.png", "a cat");
	EXPECT_CODE(o, 1);
	EXPECT_IN(o->err, "cannot be written");
	cli_out_free(o);
}

static void test_transcribe(void **state)
{
	cli_server *s = *state;
	char path[96];
	cli_out *o;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/speech.wav", s->dir);
	fp = fopen(path, "wb");
	fwrite("RIFF\x24\0\0\0WAVEfmt ", 1, 16, fp);
	fclose(fp);
	RUN(o, s->env, "transcribe", "-m", "openai/whisper-1", "--language", "en", path);
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out,
	                    "And so my fellow Americans, ask not what your country can do for you, ask what you "
	                    "can do for your country.\n");
	cli_out_free(o);
	assert_string_equal(th_request_at(s->srv, 0)->target, "/v1/audio/transcriptions");
	assert_true(body_has(th_request_at(s->srv, 0), "filename=\"speech.wav\""));
	assert_true(body_has(th_request_at(s->srv, 0), "name=\"language\"\r\n\r\nen\r\n"));

	RUN(o, s->env, "transcribe", "-m", "openai/whisper-1", "--timestamps", "segment", path);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "[   0.00 -->");
	EXPECT_IN(o->out, "] And so my fellow Americans");
	cli_out_free(o);

	/* word timestamps: asked as timestamp_granularities[], one line a word */
	RUN(o, s->env, "transcribe", "-m", "openai/whisper-1", "--timestamps", "word", path);
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "[   0.00 -->    0.24] The\n[   7.40 -->    7.90] volleyball\n");
	cli_out_free(o);
	assert_true(body_has(th_request_at(s->srv, 2), "name=\"timestamp_granularities[]\"\r\n\r\nword\r\n"));
	RUN(o, s->env, "transcribe", "-m", "openai/whisper-1", "--timestamps", "words", path);
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "not word or segment");
	cli_out_free(o);

	/* --translate: /audio/translations */
	RUN(o, s->env, "transcribe", "-m", "openai/whisper-1", "--translate", path);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "And so my fellow Americans");
	cli_out_free(o);
	assert_string_equal(th_request_at(s->srv, 3)->target, "/v1/audio/translations");

	/* a streamed transcript is printed as it arrives, whole at the end */
	RUN(o, s->env, "transcribe", "-m", "openai/gpt-4o-mini-transcribe", path);
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "I see skies of blue and clouds of white, the bright blessed days, the dark "
	                            "sacred nights, and I think to myself, what a wonderful world.\n");
	cli_out_free(o);
	assert_true(body_has(th_request_at(s->srv, 4), "name=\"stream\"\r\n\r\ntrue\r\n"));
	unlink(path);
}

static void test_image_edit(void **state)
{
	cli_server *s = *state;
	char in[96], mask[96], out[96];
	cli_out *o;
	FILE *fp;

	snprintf(in, sizeof(in), "%s/in.jpg", s->dir);
	snprintf(mask, sizeof(mask), "%s/mask.png", s->dir);
	snprintf(out, sizeof(out), "%s/out.png", s->dir);
	fp = fopen(in, "wb");
	fwrite("JPEG-bytes", 1, 10, fp);
	fclose(fp);
	fp = fopen(mask, "wb");
	fwrite("PNG-mask", 1, 8, fp);
	fclose(fp);
	RUN(o, s->env, "image", "-m", "openai/gpt-image-1", "-o", out, "--edit", in, "--mask", mask, "--format", "png",
	    "add", "a", "hat");
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	assert_string_equal(th_request_at(s->srv, 0)->target, "/v1/images/edits");
	assert_true(body_has(th_request_at(s->srv, 0),
	                     "name=\"image\"; filename=\"in.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nJPEG-bytes"));
	assert_true(body_has(th_request_at(s->srv, 0), "name=\"mask\"; filename=\"mask.png\""));
	assert_true(body_has(th_request_at(s->srv, 0), "name=\"prompt\"\r\n\r\nadd a hat\r\n"));
	assert_true(body_has(th_request_at(s->srv, 0), "name=\"output_format\"\r\n\r\npng\r\n"));
	assert_int_equal(access(out, F_OK), 0);
	unlink(out);

	RUN(o, s->env, "image", "-m", "openai/dall-e-2", "-o", out, "--edit", in, "--variation");
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	assert_string_equal(th_request_at(s->srv, 1)->target, "/v1/images/variations");
	unlink(out);

	RUN(o, s->env, "image", "-m", "openai/gpt-image-1", "-o", out, "--mask", mask, "a hat");
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "give --edit IMAGE");
	cli_out_free(o);
	RUN(o, s->env, "image", "-m", "openai/gpt-image-1", "-o", out, "--edit", "/nonexistent.png", "a hat");
	EXPECT_CODE(o, 2);
	cli_out_free(o);
	unlink(in);
	unlink(mask);
}

static void test_speak(void **state)
{
	cli_server *s = *state;
	char path[96], line[128], got[64];
	cli_out *o;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/hello.wav", s->dir);
	RUN(o, s->env, "speak", "-m", "openai/gpt-4o-mini-tts", "-o", path, "--voice", "coral", "Hello", "there");
	EXPECT_CODE(o, 0);
	snprintf(line, sizeof(line), "%s\n", path);
	assert_string_equal(o->out, line);
	cli_out_free(o);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(got, 1, sizeof(got), fp);
	fclose(fp);
	assert_int_equal(n, sizeof(CLI_AUDIO) - 1);
	assert_memory_equal(got, CLI_AUDIO, n);
	unlink(path);
	assert_string_equal(th_request_at(s->srv, 0)->target, "/v1/audio/speech");
	EXPECT_IN((const char *)th_request_at(s->srv, 0)->body, "\"input\":\"Hello there\"");
	EXPECT_IN((const char *)th_request_at(s->srv, 0)->body, "\"voice\":\"coral\"");
	EXPECT_IN((const char *)th_request_at(s->srv, 0)->body, "\"response_format\":\"wav\"");

	RUN(o, s->env, "speak", "-m", "openai/gpt-4o-mini-tts", "-o", "-", "Hello");
	EXPECT_CODE(o, 0);
	assert_int_equal(o->out_len, sizeof(CLI_AUDIO) - 1);
	assert_memory_equal(o->out, CLI_AUDIO, o->out_len);
	cli_out_free(o);
}

/* ---- compare and eval ---------------------------------------------------------------- */

static void test_compare_table(void **state)
{
	cli_server *s = *state;
	cli_out *o;

	RUN(o, s->env, "compare", "-m", "openai/gpt-4", "-m", "openai/gpt-5-mini", "-r", "2", "Say hello");
	EXPECT_CODE(o, 0);
	/* the table on stdout: header, one row per model, no escape sequences */
	EXPECT_IN(o->out, "model");
	EXPECT_IN(o->out, "latency");
	EXPECT_IN(o->out, "ttft");
	EXPECT_IN(o->out, "openai/gpt-4 ");
	EXPECT_IN(o->out, "openai/gpt-5-mini");
	EXPECT_IN(o->out, "24/10"); /* 2 runs x 12 in / 5 out tokens */
	/* priced as the model that answered, gpt-4o-mini-2024-07-18 (data/models.json:
	 * $0.15 in, $0.60 out): 2 x (12 x 0.15 + 5 x 0.6) / 1M */
	EXPECT_IN(o->out, "$0.000010");
	EXPECT_IN(o->out, "Hello! How can I help?");
	assert_null(strchr(o->out, '\033'));
	assert_null(strchr(o->err, '\033'));
	/* a plain line per finished run on stderr */
	EXPECT_IN(o->err, "openai/gpt-4 run 1: ok in");
	EXPECT_IN(o->err, "openai/gpt-5-mini run 2: ok in");
	EXPECT_IN(o->err, "(4/4)");
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), 4);
}

static void test_compare_failures(void **state)
{
	cli_server *s = *state;
	const char *const nokey[] = {s->url_env, NULL};
	cli_out *o;

	RUN(o, s->env, "compare", "--retries", "0", "-m", "openai/gpt-4", "-m", "openai/ratelimited", "hi");
	EXPECT_CODE(o, 10);
	EXPECT_IN(o->out, "RATE_LIMITED");
	EXPECT_IN(o->out, "Rate limit reached");
	EXPECT_IN(o->out, "ok");
	cli_out_free(o);
	/* every run failed the same way: that class */
	RUN(o, s->env, "compare", "--retries", "0", "-m", "openai/ratelimited", "-m", "openai/ratelimited", "hi");
	EXPECT_CODE(o, 7);
	cli_out_free(o);
	/* no key: the table says so, the exit status is the configuration one */
	th_reset(s->srv);
	RUN(o, nokey, "compare", "-m", "openai/gpt-4", "hi");
	EXPECT_CODE(o, 3);
	EXPECT_IN(o->out, "AUTH");
	EXPECT_IN(o->out, "no API key");
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), 0);
}

static void test_compare_formats(void **state)
{
	cli_server *s = *state;
	json_error_t jerr;
	json_t *j, *row;
	cli_out *o;

	RUN(o, s->env, "compare", "--format", "json", "-m", "openai/gpt-4", "-m", "openai/gpt-5-mini", "hi");
	EXPECT_CODE(o, 0);
	j = json_loads(o->out, 0, &jerr);
	if (!j)
		fail_msg("not JSON (%s):\n%s", jerr.text, o->out);
	assert_int_equal(json_array_size(j), 2);
	row = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(row, "model")), "openai/gpt-4");
	assert_string_equal(json_string_value(json_object_get(row, "status")), "ok");
	assert_int_equal((int)json_number_value(json_object_get(row, "runs")), 1);
	assert_int_equal((int)json_number_value(json_object_get(row, "input_tokens")), 12);
	assert_int_equal((int)json_number_value(json_object_get(row, "output_tokens")), 5);
	assert_true(fabs(json_number_value(json_object_get(row, "cost_usd")) - 4.8e-6) < 1e-12); /* as above, one run */
	assert_true(json_number_value(json_object_get(row, "latency_ms")) >= 0);
	assert_true(json_is_number(json_object_get(row, "ttft_ms")));
	assert_string_equal(json_string_value(json_object_get(row, "answer")),
	                    "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2");
	json_decref(j);
	cli_out_free(o);

	RUN(o, s->env, "compare", "--format", "csv", "--no-stream", "-m", "openai/gpt-4", "hi, there");
	EXPECT_CODE(o, 0);
	assert_true(!strncmp(o->out,
	                     "model,status,runs,ok,latency_ms,ttft_ms,tokens_per_s,input_tokens,output_tokens,"
	                     "cost_usd,answer\r\nopenai/gpt-4,ok,1,1,",
	                     110));
	EXPECT_IN(o->out, ",,"); /* no time to first token without streaming */
	/* not streamed, gpt-4.1-2025-04-14 answers: 15 x $2 + 4 cached x $0.50 + 10 x $8 per million */
	EXPECT_IN(o->out, ",19,10,0.000112,Hello! How can I assist you today?\r\n");
	cli_out_free(o);

	RUN(o, s->env, "compare", "--format", "markdown", "-m", "openai/gpt-4", "hi");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "| model | status |");
	EXPECT_IN(o->out, "| --- | --- | ---: |");
	EXPECT_IN(o->out, "| openai/gpt-4 | ok |");
	cli_out_free(o);
}

static void test_eval(void **state)
{
	cli_server *s = *state;
	char path[96];
	json_t *j, *row;
	cli_out *o;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/cases.jsonl", s->dir);
	fp = fopen(path, "w");
	fputs("# two cases: the canned answer contains \"assist\", not \"Paris\"\n"
	      "{\"prompt\": \"Greet me\", \"expected\": \"assist\"}\n"
	      "\n"
	      "{\"prompt\": \"Capital of France?\", \"expected\": \"Paris\", \"scorer\": \"contains\"}\n",
	      fp);
	fclose(fp);
	RUN(o, s->env, "eval", "-m", "openai/gpt-4", "-m", "openai/gpt-5-mini", "--format", "json", path);
	EXPECT_CODE(o, 0);
	j = json_loads(o->out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 2);
	row = json_array_get(j, 1);
	assert_string_equal(json_string_value(json_object_get(row, "model")), "openai/gpt-5-mini");
	assert_true(fabs(json_number_value(json_object_get(row, "score")) - 0.5) < 1e-9);
	assert_int_equal((int)json_number_value(json_object_get(row, "runs")), 2);
	assert_int_equal((int)json_number_value(json_object_get(row, "ok")), 2);
	json_decref(j);
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), 4);

	RUN(o, s->env, "eval", "-m", "openai/gpt-4", path);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "score");
	EXPECT_IN(o->out, "0.50");
	cli_out_free(o);

	/* a broken dataset names the line */
	fp = fopen(path, "w");
	fputs("{\"prompt\": \"ok\"}\n{\"prompt\": 42}\n", fp);
	fclose(fp);
	RUN(o, s->env, "eval", "-m", "openai/gpt-4", path);
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "line 2");
	cli_out_free(o);
	unlink(path);
}

/* eval --stats --baseline: the statistics table, in JSON against figures
 * worked by hand, and as a table. Four cases, three of which the canned
 * answer ("Hello! How can I assist you today?") passes. */
static void test_eval_stats(void **state)
{
	cli_server *s = *state;
	char path[96];
	json_t *j, *row;
	cli_out *o;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/stats.jsonl", s->dir);
	fp = fopen(path, "w");
	fputs("{\"prompt\": \"a\", \"expected\": \"assist\"}\n"
	      "{\"prompt\": \"b\", \"expected\": \"hello\"}\n"
	      "{\"prompt\": \"c\", \"expected\": \"today\"}\n"
	      "{\"prompt\": \"d\", \"expected\": \"Paris\"}\n",
	      fp);
	fclose(fp);
	RUN(o, s->env, "eval", "--retries", "0", "-m", "openai/gpt-4", "-m", "openai/ratelimited", "--baseline",
	    "openai/gpt-5-mini", "--concurrency", "2", "--format", "json", path);
	EXPECT_CODE(o, 10);
	j = json_loads(o->out, 0, NULL);
	if (!j)
		fail_msg("not JSON:\n%s", o->out);
	assert_int_equal(json_array_size(j), 3); /* the baseline was added */
	row = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(row, "model")), "openai/gpt-4");
	assert_int_equal((int)json_number_value(json_object_get(row, "runs")), 4);
	assert_true(json_number_value(json_object_get(row, "pass_rate")) == 0.75);
	/* Wilson 3/4: centre (0.75 + 0.480182) / 1.960365, half-width
	 * 1.959964 / 1.960365 x sqrt(0.046875 + 0.060023) */
	assert_true(fabs(json_number_value(json_object_get(row, "pass_rate_low")) - 0.300642) < 1e-6);
	assert_true(fabs(json_number_value(json_object_get(row, "pass_rate_high")) - 0.954413) < 1e-6);
	/* scores 1 1 1 0: sd = sqrt(0.75 / 3) = 0.5, se = 0.5 / 2 */
	assert_true(fabs(json_number_value(json_object_get(row, "score_stderr")) - 0.25) < 1e-9);
	/* gpt-4.1-2025-04-14 answers: 15 in x $2 + 4 cached x $0.50 + 10 out x $8 per million = $0.000112 */
	assert_true(fabs(json_number_value(json_object_get(row, "cost_per_1k_requests_usd")) - 0.112) < 1e-12);
	assert_true(fabs(json_number_value(json_object_get(row, "cost_per_correct_usd")) - 4 * 0.000112 / 3) <
	            1e-9); /* 6 digits */
	assert_true(json_number_value(json_object_get(row, "latency_p90_ms")) >=
	            json_number_value(json_object_get(row, "latency_p50_ms")));
	assert_string_equal(json_string_value(json_object_get(row, "errors")), "");
	/* the same answers as the baseline: no difference in score */
	assert_string_equal(json_string_value(json_object_get(row, "baseline")), "openai/gpt-5-mini");
	assert_int_equal((int)json_number_value(json_object_get(row, "pairs")), 4);
	assert_true(json_number_value(json_object_get(row, "d_score")) == 0);
	assert_true(json_number_value(json_object_get(row, "d_score_low")) == 0);
	/* both are priced as the model that answered (the same canned answer) */
	assert_true(json_number_value(json_object_get(row, "d_cost_usd")) == 0);
	row = json_array_get(j, 1);
	assert_string_equal(json_string_value(json_object_get(row, "errors")), "RATE_LIMITED:4");
	assert_true(json_number_value(json_object_get(row, "error_rate")) == 1);
	assert_true(json_number_value(json_object_get(row, "pass_rate")) == 0);
	assert_true(json_is_null(json_object_get(row, "latency_p50_ms")));
	assert_true(json_is_null(json_object_get(row, "cost_per_correct_usd")));
	assert_true(json_number_value(json_object_get(row, "d_score")) == -0.75);
	json_decref(j);
	cli_out_free(o);

	RUN(o, s->env, "eval", "-m", "openai/gpt-4", "--stats", "--baseline", "openai/gpt-5-mini", path);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "p90");
	EXPECT_IN(o->out, "pass [95% CI]");
	EXPECT_IN(o->out, "75% [30, 95]");
	EXPECT_IN(o->out, "0.75 \xc2\xb1 0.25");
	EXPECT_IN(o->out, "(baseline)");
	EXPECT_IN(o->out, "+0.00 [+0.00, +0.00]");
	EXPECT_IN(o->out, "paired difference against openai/gpt-5-mini");
	cli_out_free(o);

	/* compare --stats: latency, TTFT and cost spread, no scores */
	RUN(o, s->env, "compare", "-m", "openai/gpt-4", "-r", "3", "--stats", "--format", "csv", "hi");
	EXPECT_CODE(o, 0);
	assert_true(!strncmp(o->out, "model,runs,ok,error_rate,errors,latency_p50_ms,latency_p90_ms,", 62));
	assert_null(strstr(o->out, "pass_rate"));
	EXPECT_IN(o->out, "\r\nopenai/gpt-4,3,3,0,,");
	cli_out_free(o);
	unlink(path);
}

/* Three hosted providers from the price lists (issue 22): none is "unknown",
 * each priced at its own row of data/models.json. */
static void test_compare_three_providers_priced(void **state)
{
	cli_server *s = *state;
	const char *const env[] = {"GROQ_API_KEY=" CLI_KEY, "TOGETHER_API_KEY=" CLI_KEY, "OPENROUTER_API_KEY=" CLI_KEY,
	                           NULL};
	const char *url = strchr(s->url_env, '=') + 1;
	/* 19 input tokens (4 cached), 10 output; USD per million from the rows */
	static const struct {
		const char *model;
		double cost;
	} want[] = {{"groq/llama-3.3-70b-versatile", (19 * 0.59 + 10 * 0.79) / 1e6}, /* no cached price */
	            {"together/meta-llama/Llama-3.3-70B-Instruct-Turbo", 29 * 0.88 / 1e6},
	            {"openrouter/meta-llama/llama-3.3-70b-instruct", (15 * 0.59 + 4 * 0.295 + 10 * 0.79) / 1e6}};
	json_t *j;
	cli_out *o;

	RUN(o, env, "compare", "--base-url", url, "--no-stream", "--format", "json", "-m", want[0].model, "-m",
	    want[1].model, "-m", want[2].model, "hi");
	EXPECT_CODE(o, 0);
	j = json_loads(o->out, 0, NULL);
	if (!j)
		fail_msg("not JSON:\n%s", o->out);
	for (size_t i = 0; i < 3; i++) {
		json_t *row = json_array_get(j, i);
		double got = json_number_value(json_object_get(row, "cost_usd"));
		assert_string_equal(json_string_value(json_object_get(row, "model")), want[i].model);
		if (!json_is_number(json_object_get(row, "cost_usd")) || fabs(got - want[i].cost) > 1e-9)
			fail_msg("%s: cost %.9g, want %.9g", want[i].model, got, want[i].cost);
	}
	json_decref(j);
	cli_out_free(o);
	RUN(o, env, "compare", "--base-url", url, "-m", want[0].model, "-m", want[1].model, "-m", want[2].model, "hi");
	EXPECT_CODE(o, 0);
	assert_null(strstr(o->out, "unknown"));
	cli_out_free(o);
}

/* eval --judge: the judge model grades by the rubric; its cost is reported
 * apart, on stderr and in --stats. */
static void test_eval_judge(void **state)
{
	cli_server *s = *state;
	char path[96], rubric[96];
	json_t *j, *row;
	cli_out *o;
	FILE *fp;
#ifndef LLMK_TEST_HAVE_JUDGE
	skip(); /* -Djudge=disabled */
#endif

	snprintf(path, sizeof(path), "%s/judge.jsonl", s->dir);
	snprintf(rubric, sizeof(rubric), "%s/rubric.txt", s->dir);
	fp = fopen(path, "w");
	fputs("{\"prompt\": \"Greet me\", \"scorer\": \"judge\", \"rubric\": \"A greeting that offers help: 8.\"}\n"
	      "{\"prompt\": \"Greet me again\", \"scorer\": \"judge\"}\n",
	      fp);
	fclose(fp);
	fp = fopen(rubric, "w");
	fputs("RUBRIC FROM A FILE", fp);
	fclose(fp);
	RUN(o, s->env, "eval", "-m", "openai/gpt-4", "--judge", "openai/judge", "--rubric", "@", "--format", "json",
	    path);
	EXPECT_CODE(o, 2); /* "@" names no file */
	cli_out_free(o);
	{
		char at[100];
		snprintf(at, sizeof(at), "@%s", rubric);
		RUN(o, s->env, "eval", "-m", "openai/gpt-4", "--judge", "openai/judge", "--rubric", at, "--stats",
		    "--format", "json", path);
	}
	EXPECT_CODE(o, 0);
	j = json_loads(o->out, 0, NULL);
	if (!j)
		fail_msg("not JSON:\n%s\n%s", o->out, o->err);
	row = json_array_get(j, 0);
	assert_true(fabs(json_number_value(json_object_get(row, "score")) - 0.8) < 1e-9);
	assert_int_equal((int)json_number_value(json_object_get(row, "judge_calls")), 2);
	/* gpt-4o-mini judged: 2 x (100 x $0.15 + 10 x $0.60) per million */
	assert_true(fabs(json_number_value(json_object_get(row, "judge_cost_usd")) - 2 * 21e-6) < 1e-12);
	json_decref(j);
	EXPECT_IN(o->err, "judge openai/judge: 2 request(s), $0.000042 (not in the cost column)");
	cli_out_free(o);
	/* the rubrics went to the judge: the case's own, and the file's */
	{
		int own = 0, file = 0;
		for (size_t i = 0; i < th_request_count(s->srv); i++) {
			const char *b = (const char *)th_request_at(s->srv, i)->body;
			own += b && strstr(b, "A greeting that offers help: 8.") != NULL;
			file += b && strstr(b, "RUBRIC FROM A FILE") != NULL;
		}
		assert_int_equal(own, 1);
		assert_int_equal(file, 1);
	}
	/* without --judge: a configuration error naming it */
	RUN(o, s->env, "eval", "-m", "openai/gpt-4", path);
	EXPECT_CODE(o, 3);
	EXPECT_IN(o->err, "judge");
	cli_out_free(o);
	unlink(path);
	unlink(rubric);
}

/* --report: the file is written after the table; a report that cannot be
 * written is an error (exit 1) that leaves the table on stdout. */
static void test_report_file(void **state)
{
	cli_server *s = *state;
	char path[96];
	cli_out *o;
	FILE *fp;
	char buf[256];
	size_t n;

	snprintf(path, sizeof(path), "%s/report.html", s->dir);
	RUN(o, s->env, "compare", "-m", "openai/gpt-4", "--report", path, "hi");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "openai/gpt-4");
	cli_out_free(o);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = 0;
	fclose(fp);
	assert_true(!strncmp(buf, "<!DOCTYPE html>", 15));
	unlink(path);
	RUN(o, s->env, "compare", "-m", "openai/gpt-4", "--report", "/nonexistent/dir/report.html", "hi");
	EXPECT_CODE(o, 1);
	EXPECT_IN(o->out, "openai/gpt-4");
	EXPECT_IN(o->err, "/nonexistent/dir/report.html");
	cli_out_free(o);
}

/* ---- models and providers --------------------------------------------------------------- */

static void test_models(void **state)
{
	cli_out *o;

	(void)state;
	RUN(o, NULL, "models", "openai");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "openai/gpt-4 ");
	EXPECT_IN(o->out, "8192");
	EXPECT_IN(o->out, "  30  ");
	EXPECT_IN(o->out, "prices in USD per million tokens as of 20");
	assert_null(strstr(o->out, "anthropic/"));
	cli_out_free(o);
	RUN(o, NULL, "models", "--format", "csv");
	EXPECT_CODE(o, 0);
	assert_true(!strncmp(o->out, "model,context_tokens,max_output_tokens,input_usd_per_mtok,", 57));
	EXPECT_IN(o->out, "\r\nopenai/gpt-4,8192,8192,30,,60,2026-10-23,page,,,15,30,,,\r\n");
	EXPECT_IN(o->out, "\r\nopenrouter/"); /* from the price lists */
	EXPECT_IN(o->out, ",genai-prices,");
	EXPECT_IN(o->out, ",litellm,");
	EXPECT_IN(o->out, "anthropic/");
	cli_out_free(o);
}

static void test_providers(void **state)
{
	cli_server *s = *state;
	char llama[96];
	const char *env[] = {"OPENAI_API_KEY=" CLI_KEY, llama, "LMSTUDIO_BASE_URL=http://127.0.0.1:1/v1",
	                     "AZURE_OPENAI_API_KEY=" CLI_KEY, NULL};
	json_t *j, *row;
	size_t i;
	int seen = 0;
	cli_out *o;

	snprintf(llama, sizeof(llama), "LLAMACPP_BASE_URL=%s/v1", th_url(s->srv));
	RUN(o, env, "providers");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "configured (OPENAI_API_KEY is set)");
	EXPECT_IN(o->out, "no key (set ANTHROPIC_API_KEY)");
	EXPECT_IN(o->out, "key set, no base URL (set AZURE_OPENAI_ENDPOINT)");
	/* Bedrock: hosted (never probed), no key variable set here */
	EXPECT_IN(o->out, "no key (set AWS_BEARER_TOKEN_BEDROCK)");
	EXPECT_IN(o->out, "reachable at http://127.0.0.1:");
	EXPECT_IN(o->out, "not reachable at http://127.0.0.1:1/v1");
	cli_out_free(o);
	{
		const char *aws[] = {"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=" CLI_KEY, NULL};
		RUN(o, aws, "providers", "--no-probe");
		EXPECT_CODE(o, 0);
		EXPECT_IN(o->out, "configured (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set)");
		EXPECT_IN(o->out, "local server at http://127.0.0.1:11434 (not probed)");
	}
	cli_out_free(o);
	RUN(o, env, "providers", "--format", "json");
	EXPECT_CODE(o, 0);
	j = json_loads(o->out, 0, NULL);
	assert_non_null(j);
	for (i = 0; i < json_array_size(j); i++) {
		row = json_array_get(j, i);
		if (!strcmp(json_string_value(json_object_get(row, "provider")), "llamacpp")) {
			assert_string_equal(json_string_value(json_object_get(row, "ready")), "yes");
			assert_string_equal(json_string_value(json_object_get(row, "hosted")), "no");
			seen++;
		}
		if (!strcmp(json_string_value(json_object_get(row, "provider")), "openai")) {
			assert_string_equal(json_string_value(json_object_get(row, "ready")), "yes");
			assert_string_equal(json_string_value(json_object_get(row, "key_env")), "OPENAI_API_KEY");
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	json_decref(j);
	cli_out_free(o);
	/* probing is a TCP connection only: no HTTP request reached the server */
	assert_int_equal(th_request_count(s->srv), 0);
}

/* chat without -m: the first provider configured, else a local server,
 * else what was tried. */
static void test_chat_picks_provider(void **state)
{
	cli_server *s = *state;
	char llama[96];
	const char *local[] = {llama, "LLAMACPP_API_KEY=" CLI_KEY, "OLLAMA_HOST=http://127.0.0.1:1", NULL};
	const char *none[] = {"LLAMACPP_BASE_URL=http://127.0.0.1:1/v1", "OLLAMA_HOST=http://127.0.0.1:1", NULL};
	cli_out *o;

	RUN(o, s->env, "chat", "hi");
	EXPECT_CODE(o, 0);
	EXPECT_IN((const char *)th_request_at(s->srv, 0)->body, "\"model\":\"gpt-4o-mini\"");
	cli_out_free(o);
	th_reset(s->srv);
	snprintf(llama, sizeof(llama), "LLAMACPP_BASE_URL=%s/v1", th_url(s->srv));
	RUN(o, local, "chat", "hi");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "Hello!");
	assert_int_equal(th_request_count(s->srv), 1);
	cli_out_free(o);
	RUN(o, none, "chat", "hi");
	EXPECT_CODE(o, 3);
	EXPECT_IN(o->err, "no model provider is reachable");
	EXPECT_IN(o->err, "none of OPENAI_API_KEY");
	EXPECT_IN(o->err, "llamacpp/default at http://127.0.0.1:1/v1: nothing listening");
	EXPECT_IN(o->err, "ollama/llama3.2 at http://127.0.0.1:1");
	cli_out_free(o);

	/* --print-model: the same choice, said and not sent (scripts/quickstart) */
	th_reset(s->srv);
	RUN(o, s->env, "chat", "--print-model", "hi");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "openai/gpt-4o-mini\n");
	cli_out_free(o);
	RUN(o, local, "chat", "--print-model");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "llamacpp/default\n");
	cli_out_free(o);
	RUN(o, none, "chat", "--print-model", "-m", "ollama/qwen3");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "ollama/qwen3\n");
	cli_out_free(o);
	RUN(o, none, "chat", "--print-model");
	EXPECT_CODE(o, 3);
	assert_string_equal(o->out, "");
	EXPECT_IN(o->err, "no model provider is reachable");
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), 0);
}

/* Ctrl-C in the middle of a streamed answer: what arrived stays printed,
 * the request is cancelled, the exit status says interrupted. */
static int interrupt_after_text(const cli_out *so_far, pid_t pid, int alive, void *user)
{
	(void)user;
	if (alive && strstr(so_far->out, "Hello")) {
		kill(pid, SIGINT);
		return 1;
	}
	return 0;
}

static void test_ctrl_c(void **state)
{
	cli_server *s = *state;
	const char *const args[] = {"chat", "-m", "openai/slowtext", "hi", NULL};
	cli_spec spec = {args, s->env, NULL, 0, interrupt_after_text, NULL, 0};
	cli_out *o = cli_run(&spec);

	EXPECT_CODE(o, 130);
	EXPECT_IN(o->out, "Hello");
	assert_null(strstr(o->out, "help?")); /* the rest never came */
	EXPECT_IN(o->err, "interrupted");
	cli_out_free(o);
}

/* Redirected, the answer is written byte for byte, control characters
 * included: only a terminal gets them filtered (test_cli_tty.c). */
static void test_raw_when_redirected(void **state)
{
	cli_server *s = *state;
	cli_out *o;

	RUN(o, s->env, "chat", "--no-stream", "-m", "openai/escapes", "hi");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, "Hi \033]52;c;ZXZpbA==\007there \033[31mred\r\xc2\x9b"
	                            "2J end\n");
	cli_out_free(o);
}

/* The failure classes hold for the other subcommands too. */
static void test_media_failures(void **state)
{
	cli_server *s = *state;
	const char *const nokey[] = {s->url_env, NULL};
	const char *const wrongkey[] = {"OPENAI_API_KEY=sk-wrong-key-000", s->url_env, NULL};
	th_server *gone = th_start();
	char down_url[96], path[96], audio[96];
	const char *const down[] = {s->env[0], down_url, NULL};
	cli_out *o;
	FILE *fp;

	snprintf(down_url, sizeof(down_url), "OPENAI_BASE_URL=%s/v1", th_url(gone));
	th_stop(gone);
	snprintf(path, sizeof(path), "%s/out.bin", s->dir);
	snprintf(audio, sizeof(audio), "%s/a.mp3", s->dir);
	fp = fopen(audio, "wb");
	fputs("ID3", fp);
	fclose(fp);

	RUN(o, nokey, "embed", "-m", "openai/text-embedding-3-small", "x");
	EXPECT_CODE(o, 3);
	EXPECT_IN(o->err, "OPENAI_API_KEY");
	cli_out_free(o);
	RUN(o, down, "--retries", "0", "image", "-m", "openai/gpt-image-1", "-o", path, "a cat");
	EXPECT_CODE(o, 5);
	cli_out_free(o);
	RUN(o, s->env, "--retries", "0", "speak", "-m", "openai/ratelimited", "-o", path, "hi");
	EXPECT_CODE(o, 7);
	EXPECT_IN(o->err, "Rate limit reached");
	cli_out_free(o);
	RUN(o, wrongkey, "transcribe", "-m", "openai/whisper-1", audio);
	EXPECT_CODE(o, 4);
	EXPECT_IN(o->err, "Incorrect API key");
	cli_out_free(o);
	RUN(o, s->env, "--retries", "0", "embed", "-m", "openai/broken", "x");
	EXPECT_CODE(o, 9);
	cli_out_free(o);
	assert_int_equal(access(path, F_OK), -1); /* nothing written on failure */
	unlink(audio);
}

/* Ctrl-C during compare: the requests in flight are cancelled at once (the
 * "hang" model would take 5 s), the table shows what finished. */
typedef struct interrupt_at {
	const char *err_text; /* send SIGINT once stderr holds this */
	double sent_ms;
} interrupt_at;

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int interrupt_on_stderr(const cli_out *so_far, pid_t pid, int alive, void *user)
{
	interrupt_at *w = user;

	if (alive && strstr(so_far->err, w->err_text)) {
		kill(pid, SIGINT);
		w->sent_ms = mono_ms();
		return 1;
	}
	return 0;
}

static void test_compare_ctrl_c(void **state)
{
	cli_server *s = *state;
	const char *const args[] = {"compare", "--retries", "0", "-m", "openai/gpt-4", "-m", "openai/hang", "hi", NULL};
	interrupt_at w = {"openai/gpt-4: ok in", 0};
	cli_spec spec = {args, s->env, NULL, 0, interrupt_on_stderr, &w, 0};
	cli_out *o = cli_run(&spec);
	double after = mono_ms() - w.sent_ms;

	EXPECT_CODE(o, 130);
	assert_true(w.sent_ms > 0);
	if (after > 3000)
		fail_msg("llmkit took %.0f ms to stop after Ctrl-C", after);
	EXPECT_IN(o->out, "openai/gpt-4 ");
	EXPECT_IN(o->out, "CANCELLED");
	EXPECT_IN(o->err, "interrupted");
	cli_out_free(o);
}

/* Ctrl-C during eval cancels the runs in flight; the table of what had
 * finished is printed and the exit status says interrupted. */
static void test_eval_ctrl_c(void **state)
{
	cli_server *s = *state;
	char path[96];
	const char *const args[] = {"eval", "-m", "openai/hang", path, NULL};
	interrupt_at w = {"run(s) in all", 0};
	cli_spec spec = {args, s->env, NULL, 0, interrupt_on_stderr, &w, 0};
	cli_out *o;
	double after;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/cases.jsonl", s->dir);
	fp = fopen(path, "w");
	fputs("{\"prompt\": \"hi\", \"expected\": \"hello\"}\n", fp);
	fclose(fp);
	o = cli_run(&spec);
	after = mono_ms() - w.sent_ms;
	EXPECT_CODE(o, 130);
	if (after > 3000)
		fail_msg("llmkit took %.0f ms to stop after Ctrl-C", after);
	EXPECT_IN(o->out, "openai/hang");
	EXPECT_IN(o->err, "interrupted");
	cli_out_free(o);
	unlink(path);
}

/* --cache FILE: a chat, then an eval, asked again are answered from the
 * SQLite file without a request; the file holds no key; a file that is no
 * cache is a warning and the run goes on. */
static void test_cache(void **state)
{
	cli_server *s = *state;
	char path[96], cases[96], *first, *data;
	cli_out *o;
	FILE *fp;
	size_t n;
	long size;

	snprintf(path, sizeof(path), "%s/cache.db", s->dir);
	RUN(o, s->env, "chat", "--cache", path, "-m", "openai/gpt-4o-mini", "Say", "hello");
	EXPECT_CODE(o, 0);
	first = strdup(o->out);
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), 1);
	RUN(o, s->env, "--cache", path, "chat", "-m", "openai/gpt-4o-mini", "Say", "hello");
	EXPECT_CODE(o, 0);
	assert_string_equal(o->out, first);
	assert_int_equal(o->err_len, 0);
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), 1);
	free(first);

	snprintf(cases, sizeof(cases), "%s/cases.jsonl", s->dir);
	fp = fopen(cases, "w");
	fputs("{\"prompt\": \"Greet me\", \"expected\": \"assist\"}\n"
	      "{\"prompt\": \"Capital of France?\", \"expected\": \"Paris\"}\n",
	      fp);
	fclose(fp);
	RUN(o, s->env, "eval", "--cache", path, "-m", "openai/gpt-4", "--format", "json", cases);
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	n = th_request_count(s->srv);
	assert_int_equal(n, 3);
	RUN(o, s->env, "eval", "--cache", path, "-m", "openai/gpt-4", "--format", "json", cases);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "\"cost_usd\": 0");
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), n); /* the re-run paid nothing */

	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	data = malloc((size_t)size + 1);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	assert_null(memmem(data, (size_t)size, CLI_KEY, strlen(CLI_KEY)));
	free(data);

	/* Not a cache: said, and the answer still comes. */
	fp = fopen(cases, "w");
	fputs("this is not a database, and it is long enough to be read as one's header\n", fp);
	fclose(fp);
	RUN(o, s->env, "chat", "--cache", cases, "-m", "openai/gpt-4o-mini", "Say", "hello");
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->err, "cannot be used as a cache");
	EXPECT_IN(o->out, "Hello!");
	cli_out_free(o);
	assert_int_equal(th_request_count(s->srv), n + 1);
	unlink(cases);
	unlink(path);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_help),
	        cmocka_unit_test_setup_teardown(test_bad_arguments, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_stream, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_kinds, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_raw_when_redirected, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_options_and_stdin, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_image_and_schema, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_file, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_no_key, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_server_down, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_rate_limited, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_refused_key, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_refusal, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_server_error_and_timeout, cli_server_setup,
	                                        cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_canary_cli, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_not_http, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_verbose, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_verbose_other_providers, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_chat_picks_provider, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_ctrl_c, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_embed, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_image, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_transcribe, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_image_edit, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_speak, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_media_failures, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_compare_table, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_compare_failures, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_compare_formats, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_eval, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_cache, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_eval_stats, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_eval_judge, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_report_file, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_compare_three_providers_priced, cli_server_setup,
	                                        cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_compare_ctrl_c, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_eval_ctrl_c, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test(test_models),
	        cmocka_unit_test_setup_teardown(test_providers, cli_server_setup, cli_server_teardown),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/llmkit\n", argv[0]);
		return 2;
	}
	cli_binary = argv[1];
	cli_secret = CLI_KEY;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
