/* The canary: every built-in provider, every request kind it serves,
 * through the real curl transport to a loopback server that does its worst
 * with every secret the client holds -- the API key, the AWS secret key and
 * session token, the base URL's password -- echoing each in error messages,
 * error types and codes, request ids, response headers, the answer's text
 * and model, stream events, and a failure that is retried, in every shape
 * (tests/support/echo.h: plain, percent-encoded, JSON-escaped once and
 * twice, upper-cased, masked), while the client logs at DEBUG and records a
 * cassette. Then everything the library produced for the program is
 * scanned:
 *
 *   - every log line,
 *   - every llmk_response_error(), _error_type(), _error_code(),
 *     _request_id(), _model(), _finish_reason(), and llmk_client_errmsg(),
 *   - every cassette file,
 *   - every key and value the response cache was given, and its SQLite
 *     file (each client caches; answers echoing a secret must not be
 *     stored, clean ones are, so the scan reads something),
 *
 * for each secret in any of those shapes and for its tail (enough to
 * rebuild a masked echo). None may hold any. A second round does the same
 * with a short key (5 characters, as local servers use). The answer's own
 * text, headers and raw body are the server's words handed over as they
 * are: they are not scanned, but their copies in the cassette are. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "echo.h"
#include "httpd.h"
#include "llmkit.h"

/* Characters a URL escapes ('/', '+', '=') so the percent-encoded form
 * differs from the plain one and is checked for real. */
#define CANARY "sk-canary/7f3a+Q9d=b41e0c2d9a8f6e5b4c3d2e1f0a9b8c7d6e5f4"
#define CANARY_AWS_SECRET "wJalr/CANARY+SECRET=K7MDENGbPxRfiCY9e8d7c6b5a4"
#define CANARY_AWS_TOKEN "IQoJb3JpZ2luX2Vj/CANARYTOKEN+0a1b2c3d4e5f6a7b8c9d"
#define CANARY_PASS "pw-Canary/URL+pass=1c2d3e4f5a6b"
#define SHORT_KEY "tok3n"

static const char *secrets[4];
static size_t nsecrets;

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
	size_t i;
	const char *what;

	for (i = 0; i < nsecrets; i++)
		if ((what = echo_find(text, secrets[i])))
			fail_msg("%s holds %s of secret %zu:\n%s", where, what, i, text);
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

/* A file's bytes as text for the scan: NUL bytes (an SQLite file, binary
 * values) become spaces so the scan reads past them. */
static char *slurp_bin(const char *path, size_t *len)
{
	char *buf = slurp(path);
	FILE *f = fopen(path, "rb");
	size_t i;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fclose(f);
	for (i = 0; i < *len; i++)
		if (!buf[i])
			buf[i] = ' ';
	return buf;
}

/* ---- the response cache: every key and value it stores ----------------------- */

typedef struct cache_rec {
	llmk_store *file; /* the SQLite store it passes everything on to */
	sink puts;        /* every key and value, NUL bytes as spaces */
	size_t nputs;
} cache_rec;

static int32_t rec_get(void *user, const char *key, int32_t (*take)(void *, const uint8_t *, size_t), void *ctx)
{
	cache_rec *r = user;
	return r->file->kv_get(r->file->user, key, take, ctx);
}

static int32_t rec_put(void *user, const char *key, const uint8_t *data, size_t len, int64_t ttl_ms)
{
	cache_rec *r = user;
	char *text = malloc(len + 1);
	size_t i;

	assert_non_null(text);
	for (i = 0; i < len; i++)
		text[i] = data[i] ? (char)data[i] : ' ';
	text[len] = '\0';
	sink_add(&r->puts, key, text);
	free(text);
	r->nputs++;
	return r->file->kv_put(r->file->user, key, data, len, ttl_ms);
}

/* ---- answers that echo the secrets -------------------------------------------- */

/* Every shape of every secret, as JSON string content. */
static char *all_shapes(void)
{
	size_t cap = 16384, i, o = 0;
	char *out = malloc(cap), one[2048];

	assert_non_null(out);
	out[0] = '\0';
	for (i = 0; i < nsecrets; i++) {
		echo_shapes_json(one, sizeof(one), secrets[i]);
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? " and " : "", one);
	}
	return out;
}

static void push_answers(th_server *srv, int32_t kind, int stream)
{
	static char body[32768], hdrs[2048];
	const char *key = secrets[0];
	char pct[512];
	char *shapes = all_shapes();
	th_response r;
	size_t i, o = 0;

	for (i = 0; key[i]; i++)
		o += (size_t)snprintf(pct + o, sizeof(pct) - o, strchr("/+=", key[i]) ? "%%%02X" : "%c",
		                      (unsigned char)key[i]);
	/* 1: a server error carrying the secrets everywhere, retried. */
	snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\nx-echo-key: %s\r\nx-request-id: req_%s\r\n",
	         key, pct);
	snprintf(body, sizeof(body),
	         "{\"error\":{\"message\":\"Incorrect API key provided: %s. You can find your API key at "
	         "https://platform.openai.com/account/api-keys.\",\"type\":\"%s\",\"code\":\"%s\",\"param\":"
	         "\"%s\",\"status\":\"%s\"}}",
	         shapes, key, secrets[nsecrets - 1], key, key);
	memset(&r, 0, sizeof(r));
	r.status = 500;
	r.headers = hdrs;
	r.body = body;
	th_push(srv, &r);
	/* 2: then 401 with the same: the final answer of the first send. */
	r.status = 401;
	th_push(srv, &r);
	/* 3: a second send is answered 200 with the secrets in the content,
	 * the model and the finish reason, the shape being whatever the kind
	 * expects; a wrong shape is fine too: the failure message is scanned. */
	memset(&r, 0, sizeof(r));
	r.status = 200;
	if (stream && kind == LLMK_CHAT) {
		snprintf(hdrs, sizeof(hdrs),
		         "Content-Type: text/event-stream\r\nx-echo-key: %s\r\nx-request-id: %s\r\n", key, key);
		snprintf(body, sizeof(body),
		         "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"%s\",\"choices\":"
		         "[{\"index\":0,\"delta\":{\"content\":\"your key is %s\"},\"finish_reason\":null}]}\n\n"
		         "data: {\"error\":{\"message\":\"stream failed for key %s\",\"type\":\"%s\",\"code\":"
		         "\"%s\"}}\n\n",
		         key, key, shapes, key, key);
	} else {
		snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\nx-echo-key: %s\r\nx-request-id: %s\r\n",
		         key, key);
		snprintf(body, sizeof(body),
		         "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"%s\",\"choices\":[{\"index\":0,"
		         "\"message\":{\"role\":\"assistant\",\"content\":\"your key is %s\"},\"finish_reason\":"
		         "\"%s\"}],\"text\":\"%s\",\"data\":[{\"embedding\":[0.5,\"%s\"]}]}",
		         key, shapes, key, key, shapes);
	}
	r.headers = hdrs;
	r.body = body;
	th_push(srv, &r);
	free(shapes);
}

static llmk_request *request_for(int32_t kind)
{
	static const uint8_t wav[44] = {'R', 'I', 'F', 'F', 36, 0, 0, 0, 'W', 'A', 'V', 'E'};
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, kind), LLMK_OK);
	switch (kind) {
	case LLMK_CHAT: assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "repeat my key"), LLMK_OK); break;
	case LLMK_EMBED: assert_int_equal(llmk_request_add_input(r, "embed me"), LLMK_OK); break;
	case LLMK_IMAGE: assert_int_equal(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a canary"), LLMK_OK); break;
	case LLMK_SPEECH: assert_int_equal(llmk_request_set_str(r, LLMK_OPT_INPUT, "a canary"), LLMK_OK); break;
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

/* One round: every provider, kind and mode with `key` (and, when `all`,
 * the AWS secrets and a password in the base URL). */
static void canary_round(const char *key, int all)
{
	th_server *srv = th_start();
	sink logs = {0}, errors = {0};
	char path[64], where[160], url[256], cache_path[64];
	cache_rec rec = {0};
	llmk_store table;
	size_t i, sends = 0;
	int32_t kind;
	int stream;

	assert_non_null(srv);
	nsecrets = 0;
	secrets[nsecrets++] = key;
	if (all) {
		secrets[nsecrets++] = CANARY_AWS_SECRET;
		secrets[nsecrets++] = CANARY_AWS_TOKEN;
		secrets[nsecrets++] = CANARY_PASS;
		/* '/', '+' and '=' percent-encoded: the URL carries them so. */
		snprintf(url, sizeof(url), "http://canary:pw-Canary%%2FURL%%2Bpass%%3D1c2d3e4f5a6b@127.0.0.1:%d",
		         th_port(srv));
	} else {
		snprintf(url, sizeof(url), "%s", th_url(srv));
	}
	snprintf(path, sizeof(path), "/tmp/llmk-canary-%ld.jsonl", (long)getpid());
	unlink(path);
	/* Every client caches its answers in an SQLite file, through a table
	 * that records what it is given. */
	snprintf(cache_path, sizeof(cache_path), "/tmp/llmk-canary-%ld.db", (long)getpid());
	unlink(cache_path);
	llmk_store_init(&table);
	table.user = &rec;
	table.kv_get = rec_get;
	table.kv_put = rec_put;
	if (llmk_features() & LLMK_FEATURE_SQLITE) {
		assert_int_equal(llmk_store_new_sqlite(cache_path, &rec.file), LLMK_OK);
	} else {
		assert_int_equal(llmk_store_new_memory(1 << 24, &rec.file), LLMK_OK);
	}
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
				assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, key), LLMK_OK);
				/* Any client can hold them; bedrock signs with them. */
				if (all) {
					assert_int_equal(
					        llmk_client_set_str(c, LLMK_OPT_AWS_ACCESS_KEY_ID, "AKIDCANARY"),
					        LLMK_OK);
					assert_int_equal(llmk_client_set_str(c, LLMK_OPT_AWS_SECRET_ACCESS_KEY,
					                                     CANARY_AWS_SECRET),
					                 LLMK_OK);
					assert_int_equal(
					        llmk_client_set_str(c, LLMK_OPT_AWS_SESSION_TOKEN, CANARY_AWS_TOKEN),
					        LLMK_OK);
					assert_int_equal(llmk_client_set_str(c, LLMK_OPT_AWS_REGION, "us-east-1"),
					                 LLMK_OK);
				}
				assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
				assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 1), LLMK_OK);
				assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RETRY_BASE_MS, 1), LLMK_OK);
				assert_int_equal(llmk_client_set_log(c, on_log, LLMK_LOG_DEBUG, &logs), LLMK_OK);
				assert_int_equal(llmk_client_record(c, path), LLMK_OK);
				assert_int_equal(llmk_client_set_cache(c, &table), LLMK_OK);
				r = request_for(kind);
				th_reset(srv);
				push_answers(srv, kind, stream);
				for (n = 0; n < 2; n++) {
					llmk_status st = stream ? llmk_stream(c, r, on_event, NULL, &resp)
					                        : llmk_send(c, r, &resp);
					const char *const fields[] = {
					        llmk_response_error(resp),      llmk_response_error_type(resp),
					        llmk_response_error_code(resp), llmk_response_request_id(resp),
					        llmk_response_model(resp),      llmk_response_finish_reason(resp)};
					size_t f;

					snprintf(where, sizeof(where), "%s kind %d%s send %d", name, (int)kind,
					         stream ? " stream" : "", n + 1);
					if (n == 0 && st == LLMK_OK)
						fail_msg("%s: a 401 answer gave LLMK_OK", where);
					for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
						sink_add(&errors, where, fields[f]);
						assert_clean(where, fields[f]);
					}
					llmk_response_free(resp);
					sends++;
				}
				/* A clean answer (OpenAI's shape) to another question is
				 * stored: the scan below reads what the cache keeps. */
				if (!stream && (kind == LLMK_CHAT || kind == LLMK_EMBED)) {
					llmk_request_free(r);
					r = request_for(kind);
					assert_int_equal(llmk_request_set_str(r, LLMK_OPT_USER, "another question"),
					                 LLMK_OK);
					th_push_json(
					        srv, 200,
					        kind == LLMK_CHAT
					                ? "{\"id\":\"c2\",\"object\":\"chat.completion\",\"model\":"
					                  "\"m\","
					                  "\"choices\":[{\"index\":0,\"message\":{\"role\":"
					                  "\"assistant\","
					                  "\"content\":\"a clean "
					                  "answer\"},\"finish_reason\":\"stop\"}]}"
					                : "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\","
					                  "\"index\":0,\"embedding\":[0.5,0.25]}],\"model\":\"m\"}");
					(void)llmk_send(c, r, &resp); /* only OpenAI's shape parses */
					llmk_response_free(resp);
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
		print_message("[canary] %zu secret(s): %zu sends, %zu log lines, %zu error fields, %zu cassette lines "
		              "scanned\n",
		              nsecrets, sends, logs.lines, errors.lines, lines);
		assert_true(lines >= sends); /* every attempt recorded, retries included */
		assert_true(logs.lines >= 3 * sends);
		assert_non_null(strstr(cassette, "[REDACTED]"));
		assert_clean("the log", logs.text);
		assert_clean("the error messages", errors.text);
		assert_clean("the cassette", cassette);
		free(cassette);
	}
	/* What the response cache was given, and its file. */
	{
		size_t len = 0;
		char *file;

		llmk_store_free(rec.file); /* the last connection folds the log into the file */
		print_message("[canary] the response cache stored %zu value(s)\n", rec.nputs);
		assert_true(rec.nputs >= 2); /* the clean answers at least: the scan is not empty */
		assert_clean("the cache's keys and values", rec.puts.text);
		if (llmk_features() & LLMK_FEATURE_SQLITE) {
			file = slurp_bin(cache_path, &len);
			assert_true(len > 0);
			assert_clean("the cache file", file);
			free(file);
		}
		free(rec.puts.text);
		unlink(cache_path);
	}
	unlink(path);
	free(logs.text);
	free(errors.text);
	th_stop(srv);
}

static void test_canary_everywhere(void **state)
{
	(void)state;
	canary_round(CANARY, 1);
}

/* Local servers use short tokens: those are secrets too. */
static void test_canary_short_key(void **state)
{
	(void)state;
	canary_round(SHORT_KEY, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_canary_everywhere),
	        cmocka_unit_test(test_canary_short_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
