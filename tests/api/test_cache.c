/* The response cache (llmk_client_set_cache()) against a loopback OpenAI
 * server that counts what reaches it: hits make no upstream request, cost
 * $0 and give back the whole answer; a changed parameter, model or header
 * misses; the API key is not part of the key; TTL expiry; bypass and
 * refresh; streams replay the very events of the original stream; a multi
 * answers hits without a transfer; failures, cancelled streams and
 * answers echoing the key are never stored; a damaged or truncated value
 * is a miss with a warning, never an answer; a store that fails never
 * fails a request. Stores: the memory LRU, the SQLite file (two processes
 * sharing one answer, 8 processes at once, a damaged file), and a table of
 * the test's own with only kv_get/kv_put.
 *
 * One file of about 1,200 lines: every test shares the scripted server,
 * its handler, the test's own store and the event recorder, and the
 * SQLite tests run this program again as their child processes. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "llmkit.h"
#ifdef LLMK_TEST_HAVE_SQLITE
#include <sqlite3.h>
#endif

#define KEY "sk-cache-test-KEY-7f3a9d0c2b1e4f56a7b8c9d0"
#define KEY2 "sk-cache-test-OTHER-00112233445566778899aa"

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- the server ------------------------------------------------------------ */

typedef struct srv_cfg {
	int fail;     /* answer 500 */
	int echo_key; /* put the request's Authorization header in the answer */
	int version;  /* changes the answer: "v<version>" */
} srv_cfg;

static void prompt_of(const th_request *rq, char *out, size_t cap)
{
	const char *p = rq->body ? strstr((const char *)rq->body, "\"content\":\"") : NULL;
	size_t n = 0;

	if (p)
		for (p += 11; *p && *p != '"' && n + 1 < cap; p++)
			out[n++] = *p;
	out[n] = '\0';
}

#define CHUNK(delta, finish)                                                                                   \
	"data: {\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-" \
	"mini-2024\",\"choices\":[{\"index\":0,\"delta\":" delta ",\"finish_reason\":" finish "}]}\n\n"

static void handler(const th_request *rq, th_response *out, void *user)
{
	srv_cfg *cfg = user;
	char prompt[128], *body;
	size_t cap = 8192;
	const char *auth = th_request_header(rq, "authorization");

	prompt_of(rq, prompt, sizeof(prompt));
	body = malloc(cap);
	if (cfg->fail) {
		snprintf(body, cap, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}");
		out->status = 500;
		out->headers = strdup("Content-Type: application/json\r\n");
		out->body = body;
		return;
	}
	if (rq->body && strstr((const char *)rq->body, "\"input\"")) { /* embeddings */
		snprintf(
		        body, cap,
		        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.25,-1.5,"
		        "3.0e-3]},{\"object\":\"embedding\",\"index\":1,\"embedding\":[1,2,%d]}],\"model\":\"text-"
		        "embedding-3-small\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}",
		        cfg->version);
	} else if (rq->body && strstr((const char *)rq->body, "\"stream\":true")) {
		snprintf(body, cap,
		         CHUNK("{\"role\":\"assistant\",\"content\":\"\"}",
		               "null") CHUNK("{\"content\":\"Hel\"}", "null") CHUNK("{\"content\":\"lo v%d \"}", "null")
		                 CHUNK("{\"content\":\"%s\"}", "null") CHUNK(
		                         "{\"tool_calls\":[{\"index\":0,\"id\":\"call_A1\",\"type\":\"function\","
		                         "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
		                         "null") CHUNK("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{"
		                                       "\\\"ci\"}}]}",
		                                       "null") CHUNK("{\"tool_calls\":[{\"index\":0,\"function\":{"
		                                                     "\"arguments\":\"ty\\\":\\\"Paris\\\"}\"}}"
		                                                     "]}",
		                                                     "null")
		                         CHUNK("{}", "\"tool_calls\"") "data: "
		                                                       "{\"id\":\"chatcmpl-s1\",\"object\":\"chat."
		                                                       "completion.chunk\",\"created\":"
		                                                       "1,\"model\":\"gpt-4o-mini-2024\",\"choices\":[]"
		                                                       ",\"usage\":{\"prompt_tokens\":7,"
		                                                       "\"completion_tokens\":5,\"total_tokens\":12}}"
		                                                       "\n\ndata: [DONE]\n\n",
		         cfg->version, prompt);
		out->status = 200;
		out->headers = strdup("Content-Type: text/event-stream\r\nx-request-id: req_stream\r\n");
		out->body = body;
		out->write_size = 40;
		return;
	} else {
		snprintf(
		        body, cap,
		        "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini-"
		        "2024\","
		        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"v%d echo:%s%s%s\","
		        "\"tool_calls\":[{\"id\":\"call_Z\",\"type\":\"function\",\"function\":{\"name\":\"f\","
		        "\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":3,"
		        "\"completion_tokens\":2,\"total_tokens\":5}}",
		        cfg->version, prompt, cfg->echo_key ? " " : "", cfg->echo_key && auth ? auth : "");
	}
	out->status = 200;
	out->headers = strdup("Content-Type: application/json\r\nx-request-id: req_1\r\n");
	out->body = body;
}

/* ---- a store of the test's own: only kv_get and kv_put ------------------- */

#define OWN_MAX 64
typedef struct own_store {
	pthread_mutex_t mu;
	char *key[OWN_MAX];
	unsigned char *val[OWN_MAX];
	size_t len[OWN_MAX];
	int n, gets, puts;
	int32_t fail; /* every call answers this status */
} own_store;

static int own_find(own_store *s, const char *key)
{
	int i;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->key[i], key))
			return i;
	return -1;
}

static int32_t own_get(void *user, const char *key, int32_t (*take)(void *, const uint8_t *, size_t), void *ctx)
{
	own_store *s = user;
	int32_t st = LLMK_E_NOT_FOUND;
	int i;

	pthread_mutex_lock(&s->mu);
	s->gets++;
	if (s->fail)
		st = s->fail;
	else if ((i = own_find(s, key)) >= 0)
		st = take(ctx, s->val[i], s->len[i]);
	pthread_mutex_unlock(&s->mu);
	return st;
}

static int32_t own_put(void *user, const char *key, const uint8_t *data, size_t len, int64_t ttl_ms)
{
	own_store *s = user;
	int i;

	(void)ttl_ms; /* the values carry their own expiry */
	pthread_mutex_lock(&s->mu);
	s->puts++;
	if (s->fail) {
		pthread_mutex_unlock(&s->mu);
		return s->fail;
	}
	if ((i = own_find(s, key)) < 0) {
		assert_true(s->n < OWN_MAX);
		i = s->n++;
		s->key[i] = strdup(key);
	} else {
		free(s->val[i]);
	}
	s->val[i] = malloc(len ? len : 1);
	memcpy(s->val[i], data, len);
	s->len[i] = len;
	pthread_mutex_unlock(&s->mu);
	return LLMK_OK;
}

static void own_init(own_store *s, llmk_store *t)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	llmk_store_init(t);
	t->user = s;
	t->kv_get = own_get;
	t->kv_put = own_put;
}

static void own_free(own_store *s)
{
	int i;
	for (i = 0; i < s->n; i++) {
		free(s->key[i]);
		free(s->val[i]);
	}
	pthread_mutex_destroy(&s->mu);
}

/* ---- fixture --------------------------------------------------------------- */

typedef struct logbuf {
	pthread_mutex_t mu;
	char text[16384];
} logbuf;

static void on_log(int32_t level, const char *line, void *user)
{
	logbuf *l = user;
	pthread_mutex_lock(&l->mu);
	if (level <= LLMK_LOG_WARN && strlen(l->text) + strlen(line) + 2 < sizeof(l->text)) {
		strcat(l->text, line);
		strcat(l->text, "\n");
	}
	pthread_mutex_unlock(&l->mu);
}

typedef struct fx {
	th_server *srv;
	srv_cfg cfg;
	llmk_client *c;
	llmk_store *mem;
	own_store own;
	llmk_store own_table;
	logbuf log;
	char dir[64];
} fx;

static llmk_client *client_for(fx *f, const char *key)
{
	llmk_client *c;
	char url[128];

	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	snprintf(url, sizeof(url), "%s/v1", th_url(f->srv));
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, key), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	assert_int_equal(llmk_client_set_log(c, on_log, LLMK_LOG_DEBUG, &f->log), LLMK_OK);
	return c;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	pthread_mutex_init(&f->log.mu, NULL);
	f->srv = th_start();
	assert_non_null(f->srv);
	f->cfg.version = 1;
	th_set_handler(f->srv, handler, &f->cfg);
	f->c = client_for(f, KEY);
	assert_int_equal(llmk_store_new_memory(1 << 20, &f->mem), LLMK_OK);
	own_init(&f->own, &f->own_table);
	strcpy(f->dir, "/tmp/llmk-cache-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char cmd[128];

	llmk_client_free(f->c);
	llmk_store_free(f->mem);
	own_free(&f->own);
	th_stop(f->srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	pthread_mutex_destroy(&f->log.mu);
	free(f);
	return 0;
}

static llmk_request *chat(const char *text)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, text), LLMK_OK);
	return r;
}

static llmk_response *send_ok(llmk_client *c, llmk_request *r)
{
	llmk_response *resp = NULL;
	llmk_status st = llmk_send(c, r, &resp);

	if (st != LLMK_OK)
		fail_msg("send: %s: %s", llmk_status_name(st), llmk_response_error(resp));
	return resp;
}

/* Two answers are the same answer, every part of it. */
static void assert_same_answer(const llmk_response *a, const llmk_response *b)
{
	size_t i, la, lb;
	const char *ra = llmk_response_raw(a, &la), *rb = llmk_response_raw(b, &lb);

	assert_string_equal(llmk_response_text(a), llmk_response_text(b));
	assert_string_equal(llmk_response_reasoning(a), llmk_response_reasoning(b));
	assert_string_equal(llmk_response_refusal(a), llmk_response_refusal(b));
	assert_string_equal(llmk_response_model(a), llmk_response_model(b));
	assert_string_equal(llmk_response_id(a), llmk_response_id(b));
	assert_string_equal(llmk_response_request_id(a), llmk_response_request_id(b));
	assert_string_equal(llmk_response_finish_reason(a), llmk_response_finish_reason(b));
	assert_int_equal(llmk_response_finish(a), llmk_response_finish(b));
	assert_int_equal(llmk_response_http_status(a), llmk_response_http_status(b));
	for (i = LLMK_USAGE_INPUT; i <= LLMK_USAGE_CACHE_WRITE; i++)
		assert_int_equal(llmk_response_usage(a, (int32_t)i), llmk_response_usage(b, (int32_t)i));
	assert_int_equal(llmk_response_tool_call_count(a), llmk_response_tool_call_count(b));
	for (i = 0; i < llmk_response_tool_call_count(a); i++) {
		assert_string_equal(llmk_response_tool_call_id(a, i), llmk_response_tool_call_id(b, i));
		assert_string_equal(llmk_response_tool_call_name(a, i), llmk_response_tool_call_name(b, i));
		assert_string_equal(llmk_response_tool_call_arguments(a, i), llmk_response_tool_call_arguments(b, i));
	}
	assert_int_equal(la, lb);
	assert_memory_equal(ra, rb, la);
	assert_string_equal(llmk_response_header(a, "content-type"), llmk_response_header(b, "content-type"));
}

/* ---- the basics ------------------------------------------------------------ */

static void hit_is_whole_free_and_local(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("hello");
	llmk_response *a, *b;
	double cost = -1;

	assert_int_equal(llmk_client_set_cache(f->c, f->mem), LLMK_OK);
	a = send_ok(f->c, r);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(llmk_response_cached(a), 0);
	assert_int_equal(llmk_response_attempts(a), 1);
	assert_string_equal(llmk_response_text(a), "v1 echo:hello");
	assert_int_equal(llmk_response_cost(a, &cost), LLMK_OK);
	assert_true(cost > 0);

	f->cfg.version = 2; /* a second upstream answer would differ */
	b = send_ok(f->c, r);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(llmk_response_cached(b), 1);
	assert_int_equal(llmk_response_attempts(b), 0);
	assert_same_answer(a, b);
	assert_int_equal(llmk_response_cost(b, &cost), LLMK_OK);
	assert_true(cost == 0.0);
	assert_true(llmk_response_timing(b, LLMK_TIMING_TOTAL_MS) >= 0);

	/* A hit is an answer like any other: it continues the conversation. */
	assert_int_equal(llmk_request_add_response(r, b), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r, "call_Z", "42"), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), 2);
	llmk_response_free(a);
	llmk_response_free(b);
	llmk_request_free(r);
	assert_null(strstr(f->log.text, "response cache")); /* no warning */
}

static void what_changes_the_key(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("key test");
	llmk_client *other;
	size_t n;

	assert_int_equal(llmk_client_set_cache(f->c, &f->own_table), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), 1);

	/* Another API key for the same request: the key holds no credential. */
	other = client_for(f, KEY2);
	assert_int_equal(llmk_client_set_cache(other, &f->own_table), LLMK_OK);
	llmk_response_free(send_ok(other, r));
	assert_int_equal(th_request_count(f->srv), 1);

	/* Each of these is another question: a miss each, then a hit each. */
	n = th_request_count(f->srv);
	assert_int_equal(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.5), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), ++n);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), n);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_MODEL, "gpt-4o"), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), ++n);
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "OpenAI-Beta: assistants=v2"), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), ++n);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), n);
	/* A per-request id header is not part of the question. */
	assert_int_equal(llmk_request_set_str(r, LLMK_OPT_HTTP_HEADER, "X-Client-Request-Id: 123"), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), n);
	/* The same request to another base URL. */
	assert_int_equal(llmk_client_set_str(other, LLMK_OPT_BASE_URL, "http://localhost:1/v1"), LLMK_OK);
	{
		char url[128];
		snprintf(url, sizeof(url), "http://localhost:%d/v1", th_port(f->srv));
		assert_int_equal(llmk_client_set_str(other, LLMK_OPT_BASE_URL, url), LLMK_OK);
	}
	llmk_response_free(send_ok(other, r));
	assert_int_equal(th_request_count(f->srv), ++n);

	/* A caller's header that carries the client's own key is left out of
	 * the key: two clients with their own keys there ask the same. */
	{
		llmk_request *h1 = chat("forwarded"), *h2 = chat("forwarded");
		assert_int_equal(llmk_request_set_str(h1, LLMK_OPT_HTTP_HEADER, "X-Forwarded-Bearer: " KEY), LLMK_OK);
		assert_int_equal(llmk_request_set_str(h2, LLMK_OPT_HTTP_HEADER, "X-Forwarded-Bearer: " KEY2), LLMK_OK);
		llmk_response_free(send_ok(f->c, h1));
		assert_int_equal(th_request_count(f->srv), ++n);
		{
			char url[128];
			snprintf(url, sizeof(url), "%s/v1", th_url(f->srv));
			assert_int_equal(llmk_client_set_str(other, LLMK_OPT_BASE_URL, url), LLMK_OK);
		}
		llmk_response_free(send_ok(other, h2));
		assert_int_equal(th_request_count(f->srv), n);
		llmk_request_free(h1);
		llmk_request_free(h2);
	}

	/* No key or value holds a credential; keys are printable. */
	for (int i = 0; i < f->own.n; i++) {
		assert_null(memmem(f->own.val[i], f->own.len[i], KEY, strlen(KEY)));
		assert_null(memmem(f->own.val[i], f->own.len[i], KEY2, strlen(KEY2)));
		assert_null(strstr(f->own.key[i], "sk-"));
		for (const char *k = f->own.key[i]; *k; k++)
			assert_true(*k > 32 && *k < 127);
		assert_true(strlen(f->own.key[i]) <= 512);
	}
	assert_true(f->own.n >= 4);
	llmk_client_free(other);
	llmk_request_free(r);
}

static void ttl_expiry(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("ttl");
	llmk_response *b;

	assert_int_equal(llmk_client_set_cache(f->c, &f->own_table), LLMK_OK); /* expiry from the value itself */
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_CACHE_TTL_MS, 1500), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	b = send_ok(f->c, r);
	assert_int_equal(llmk_response_cached(b), 1);
	llmk_response_free(b);
	assert_int_equal(th_request_count(f->srv), 1);
	sleep_ms(2000);
	b = send_ok(f->c, r);
	assert_int_equal(llmk_response_cached(b), 0);
	assert_int_equal(th_request_count(f->srv), 2);
	llmk_response_free(b);
	/* A request's own TTL wins over the client's; the memory store expires too. */
	assert_int_equal(llmk_client_set_cache(f->c, f->mem), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_CACHE_TTL_MS, 300), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), 3);
	sleep_ms(800);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), 4);
	assert_null(strstr(f->log.text, "not used")); /* an expiry is no warning */
	llmk_request_free(r);
}

static void bypass_and_refresh(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("modes");
	llmk_response *b;

	assert_int_equal(llmk_client_set_cache(f->c, f->mem), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_CACHE, 0), LLMK_OK); /* bypass */
	f->cfg.version = 2;
	b = send_ok(f->c, r);
	assert_int_equal(th_request_count(f->srv), 2);
	assert_string_equal(llmk_response_text(b), "v2 echo:modes");
	llmk_response_free(b);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_CACHE, 1), LLMK_OK); /* bypass wrote nothing */
	b = send_ok(f->c, r);
	assert_string_equal(llmk_response_text(b), "v1 echo:modes");
	assert_int_equal(llmk_response_cached(b), 1);
	llmk_response_free(b);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_CACHE, 2), LLMK_OK); /* refresh */
	{
		int64_t v = -1;
		assert_int_equal(llmk_request_get_i64(r, LLMK_OPT_CACHE, &v), 1);
		assert_int_equal(v, 2);
		assert_int_equal(llmk_request_get_i64(r, LLMK_OPT_CACHE_TTL_MS, &v), 0); /* not set */
		assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_CACHE_TTL_MS, -1), LLMK_E_INVALID_ARG);
	}
	f->cfg.version = 3;
	b = send_ok(f->c, r);
	assert_int_equal(llmk_response_cached(b), 0);
	assert_int_equal(th_request_count(f->srv), 3);
	llmk_response_free(b);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_CACHE, 1), LLMK_OK);
	b = send_ok(f->c, r);
	assert_string_equal(llmk_response_text(b), "v3 echo:modes");
	assert_int_equal(th_request_count(f->srv), 3);
	llmk_response_free(b);
	/* The client's default, and refused values. */
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_CACHE, 0), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_CACHE, 3), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_client_set_i64(f->c, LLMK_OPT_CACHE, 3), LLMK_E_INVALID_ARG);
	llmk_request_free(r);
	r = chat("modes");
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), 4);
	assert_int_equal(llmk_option_by_name("cache_ttl_ms"), LLMK_OPT_CACHE_TTL_MS);
	assert_int_equal(llmk_option_by_name("cache"), LLMK_OPT_CACHE);
	llmk_request_free(r);
}

static void never_stored(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("failing");
	llmk_response *b = NULL;
	llmk_store bad;

	assert_int_equal(llmk_client_set_cache(f->c, &f->own_table), LLMK_OK);
	f->cfg.fail = 1;
	assert_int_equal(llmk_send(f->c, r, &b), LLMK_E_SERVER);
	llmk_response_free(b);
	f->cfg.fail = 0;
	assert_int_equal(f->own.puts, 0);
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), 2);
	assert_int_equal(f->own.puts, 1);

	/* Nor an answer whose generation the provider says failed. */
	{
		llmk_request *e = chat("finish error");
		th_push_json(
		        f->srv, 200,
		        "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,"
		        "\"message\":{\"role\":\"assistant\",\"content\":\"half\"},\"finish_reason\":\"error\"}]}");
		b = send_ok(f->c, e);
		assert_int_equal(llmk_response_finish(b), LLMK_FINISH_ERROR);
		llmk_response_free(b);
		assert_int_equal(f->own.puts, 1);
		llmk_request_free(e);
	}

	/* An answer that echoes the API key is handed over, never stored. */
	f->cfg.echo_key = 1;
	llmk_request_free(r);
	r = chat("echo the key");
	b = send_ok(f->c, r);
	assert_non_null(strstr(llmk_response_text(b), KEY));
	llmk_response_free(b);
	assert_int_equal(f->own.puts, 1);
	for (int i = 0; i < f->own.n; i++)
		assert_null(memmem(f->own.val[i], f->own.len[i], KEY, strlen(KEY)));

	/* Tables that cannot keep answers are refused. */
	llmk_store_init(&bad);
	bad.kv_get = own_get;
	assert_int_equal(llmk_client_set_cache(f->c, &bad), LLMK_E_UNSUPPORTED);
	bad.struct_size = 4;
	assert_int_equal(llmk_client_set_cache(f->c, &bad), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_client_set_cache(NULL, f->mem), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_client_set_cache(f->c, NULL), LLMK_OK); /* off */
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), 5);
	llmk_request_free(r);
}

static void failing_store_never_fails_a_request(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("store down");

	assert_int_equal(llmk_client_set_cache(f->c, &f->own_table), LLMK_OK);
	f->own.fail = LLMK_E_TRANSPORT;
	llmk_response_free(send_ok(f->c, r));
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), 2);
	assert_non_null(strstr(f->log.text, "response cache: the store could not be read (LLMK_E_TRANSPORT"));
	assert_non_null(strstr(f->log.text, "response cache: the store did not keep the answer (LLMK_E_TRANSPORT"));
	f->own.fail = 0;
	llmk_response_free(send_ok(f->c, r));
	llmk_response_free(send_ok(f->c, r));
	assert_int_equal(th_request_count(f->srv), 3); /* back in use */
	llmk_request_free(r);
}

static void restore(own_store *s, const unsigned char *orig, size_t len)
{
	free(s->val[0]);
	s->val[0] = malloc(len);
	memcpy(s->val[0], orig, len);
	s->len[0] = len;
}

/* Every byte of a stored value changed in turn, and every truncation: each
 * is a miss with a warning and the provider's answer, never a wrong one. */
static void damaged_values_are_misses(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("damage");
	llmk_response *a, *b;
	unsigned char *orig;
	size_t len, i, n, step;

	assert_int_equal(llmk_client_set_cache(f->c, &f->own_table), LLMK_OK);
	a = send_ok(f->c, r);
	assert_int_equal(f->own.n, 1);
	len = f->own.len[0];
	orig = malloc(len);
	memcpy(orig, f->own.val[0], len);
	n = th_request_count(f->srv);
	step = len / 97 + 1;
	for (i = 0; i < len; i += step) {
		f->own.val[0][i] ^= 0x20;
		f->log.text[0] = '\0';
		b = send_ok(f->c, r);
		assert_int_equal(llmk_response_cached(b), 0);
		assert_same_answer(a, b);
		assert_non_null(strstr(f->log.text, "response cache: the stored answer is not used"));
		llmk_response_free(b);
		assert_int_equal(th_request_count(f->srv), ++n);
		restore(&f->own, orig, len); /* the fresh answer replaced it: put the original back */
	}
	for (i = 0; i < len; i += step) {
		f->own.len[0] = i;
		f->log.text[0] = '\0';
		b = send_ok(f->c, r);
		assert_int_equal(llmk_response_cached(b), 0);
		assert_non_null(strstr(f->log.text, "not used"));
		llmk_response_free(b);
		restore(&f->own, orig, len);
	}
	/* Intact, it answers. */
	b = send_ok(f->c, r);
	assert_int_equal(llmk_response_cached(b), 1);
	assert_same_answer(a, b);
	llmk_response_free(b);
	free(orig);
	llmk_response_free(a);
	llmk_request_free(r);
}

static void embeddings(void **state)
{
	fx *f = *state;
	llmk_request *r;
	llmk_response *a, *b;
	llmk_client *c;
	size_t i;

	assert_int_equal(llmk_client_new(&c, "openai/text-embedding-3-small"), LLMK_OK);
	{
		char url[128];
		snprintf(url, sizeof(url), "%s/v1", th_url(f->srv));
		assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	}
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_cache(c, f->mem), LLMK_OK);
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "one"), LLMK_OK);
	assert_int_equal(llmk_request_add_input(r, "two"), LLMK_OK);
	a = send_ok(c, r);
	f->cfg.version = 9;
	b = send_ok(c, r);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(llmk_response_cached(b), 1);
	assert_int_equal(llmk_response_embedding_count(b), 2);
	assert_int_equal(llmk_response_embedding_dim(b), 3);
	for (i = 0; i < 2; i++)
		assert_memory_equal(llmk_response_embedding(a, i), llmk_response_embedding(b, i), 3 * sizeof(float));
	assert_true(llmk_response_embedding(b, 0)[1] == -1.5f);
	assert_int_equal(llmk_response_usage(b, LLMK_USAGE_INPUT), 4);
	llmk_response_free(a);
	llmk_response_free(b);
	llmk_request_free(r);
	llmk_client_free(c);
}

/* ---- streams ---------------------------------------------------------------- */

typedef struct evlog {
	char s[8192];
	int n, stop_at;
} evlog;

static int32_t on_event(const llmk_event *ev, void *user)
{
	evlog *l = user;
	char line[1024];
	int32_t t = llmk_event_type(ev);

	switch (t) {
	case LLMK_EVENT_TOOL_CALL:
		snprintf(line, sizeof(line), "C%d[%s/%s]'%.*s'|", (int)llmk_event_tool_index(ev),
		         llmk_event_tool_id(ev), llmk_event_tool_name(ev), (int)llmk_event_text_len(ev),
		         llmk_event_text(ev));
		break;
	case LLMK_EVENT_USAGE:
	case LLMK_EVENT_DONE:
		snprintf(line, sizeof(line), "%c%lld/%lld/%lld|", t == LLMK_EVENT_USAGE ? 'U' : 'D',
		         (long long)llmk_event_usage(ev, LLMK_USAGE_INPUT),
		         (long long)llmk_event_usage(ev, LLMK_USAGE_OUTPUT),
		         (long long)llmk_event_usage(ev, LLMK_USAGE_TOTAL));
		break;
	default:
		/* The text is NUL-terminated at its length, as the original's. */
		assert_int_equal(strlen(llmk_event_text(ev)), llmk_event_text_len(ev));
		snprintf(line, sizeof(line), "%d'%s'|", (int)t, llmk_event_text(ev));
		break;
	}
	strncat(l->s, line, sizeof(l->s) - strlen(l->s) - 1);
	return ++l->n == l->stop_at;
}

static void stream_replays_same_events(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("streamed");
	llmk_response *a = NULL, *b = NULL, *c;
	evlog first = {{0}, 0, 0}, second = {{0}, 0, 0}, third = {{0}, 0, 0};

	assert_int_equal(llmk_client_set_cache(f->c, f->mem), LLMK_OK);
	assert_int_equal(llmk_stream(f->c, r, on_event, &first, &a), LLMK_OK);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_true(first.n >= 7);
	assert_non_null(strstr(first.s, "C0[call_A1/get_weather]"));
	assert_non_null(strstr(first.s, "1'Hel'|1'lo v1 '|1'streamed'|"));
	f->cfg.version = 2;
	assert_int_equal(llmk_stream(f->c, r, on_event, &second, &b), LLMK_OK);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(llmk_response_cached(b), 1);
	/* Event by event, the same stream. */
	assert_int_equal(first.n, second.n);
	assert_string_equal(first.s, second.s);
	assert_same_answer(a, b);
	assert_true(llmk_response_timing(b, LLMK_TIMING_FIRST_TOKEN_MS) >= 0);

	/* A plain send of the same request is the same question. */
	c = send_ok(f->c, r);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_same_answer(a, c);
	llmk_response_free(c);

	/* A stream cancelled by its callback is not stored; nor is its replay
	 * cut short taken for an answer. */
	llmk_request_free(r);
	r = chat("cut");
	third.stop_at = 2;
	llmk_response_free(a);
	a = NULL;
	assert_int_equal(llmk_stream(f->c, r, on_event, &third, &a), LLMK_E_CANCELLED);
	llmk_response_free(a);
	memset(&third, 0, sizeof(third));
	assert_int_equal(llmk_stream(f->c, r, on_event, &third, &a), LLMK_OK);
	assert_int_equal(th_request_count(f->srv), 3);
	assert_int_equal(llmk_response_cached(a), 0);
	llmk_response_free(a);
	memset(&second, 0, sizeof(second));
	second.stop_at = 3;
	assert_int_equal(llmk_stream(f->c, r, on_event, &second, &a), LLMK_E_CANCELLED);
	assert_int_equal(th_request_count(f->srv), 3);
	assert_int_equal(second.n, 3);
	llmk_response_free(a);
	llmk_response_free(b);
	llmk_request_free(r);
}

static void stored_send_streams_as_events(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("plain first");
	llmk_response *a, *b = NULL;
	evlog l = {{0}, 0, 0};

	assert_int_equal(llmk_client_set_cache(f->c, f->mem), LLMK_OK);
	a = send_ok(f->c, r);
	assert_int_equal(llmk_stream(f->c, r, on_event, &l, &b), LLMK_OK);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(llmk_response_cached(b), 1);
	assert_string_equal(l.s, "1'v1 echo:plain first'|C0[call_Z/f]'{}'|U3/2/5|D3/2/5|");
	assert_same_answer(a, b);
	llmk_response_free(a);
	llmk_response_free(b);
	llmk_request_free(r);
}

static char *read_fixture(const char *rel, size_t *len)
{
	char path[512];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, rel);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* Anthropic's stream with thinking (and its signature), a server tool's
 * blocks and tool calls: the hit streams the same events, and continuing
 * the conversation from the hit sends exactly what continuing from the
 * original sends (the opaque parts came back). */
static void anthropic_opaque_parts_survive(void **state)
{
	fx *f = *state;
	llmk_client *c;
	llmk_request *r1, *r2;
	llmk_response *a = NULL, *b = NULL;
	evlog first = {{0}, 0, 0}, second = {{0}, 0, 0};
	th_response tr;
	size_t len, n;
	char *sse = read_fixture("anthropic/stream_tools.sse", &len);
	const th_request *q1, *q2;

	assert_int_equal(llmk_client_new(&c, "anthropic/claude-sonnet-4-5"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(f->srv)), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	assert_int_equal(llmk_client_set_cache(c, f->mem), LLMK_OK);
	memset(&tr, 0, sizeof(tr));
	tr.status = 200;
	tr.headers = "Content-Type: text/event-stream\r\n";
	tr.body = sse;
	tr.body_len = len;
	tr.write_size = 64;
	th_push(f->srv, &tr);
	r1 = chat("weather in Paris, and think first");
	r2 = chat("weather in Paris, and think first");
	if (llmk_stream(c, r1, on_event, &first, &a) != LLMK_OK)
		fail_msg("first turn: %s", llmk_response_error(a));
	assert_int_equal(llmk_stream(c, r2, on_event, &second, &b), LLMK_OK);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(llmk_response_cached(b), 1);
	assert_string_equal(first.s, second.s);
	assert_non_null(strstr(first.s, "5'")); /* reasoning events */
	assert_same_answer(a, b);
	assert_true(llmk_response_tool_call_count(b) >= 1);

	assert_int_equal(llmk_request_add_response(r1, a), LLMK_OK);
	assert_int_equal(llmk_request_add_response(r2, b), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r1, llmk_response_tool_call_id(a, 0), "sunny"), LLMK_OK);
	assert_int_equal(llmk_request_add_tool_result(r2, llmk_response_tool_call_id(b, 0), "sunny"), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r1, LLMK_OPT_CACHE, 0), LLMK_OK);
	assert_int_equal(llmk_request_set_i64(r2, LLMK_OPT_CACHE, 0), LLMK_OK);
	llmk_response_free(a);
	llmk_response_free(b);
	a = b = NULL;
	th_push(f->srv, &tr);
	th_push(f->srv, &tr);
	memset(&first, 0, sizeof(first));
	memset(&second, 0, sizeof(second));
	if (llmk_stream(c, r1, on_event, &first, &a) != LLMK_OK)
		fail_msg("next turn: %s", llmk_response_error(a));
	if (llmk_stream(c, r2, on_event, &second, &b) != LLMK_OK)
		fail_msg("next turn from the hit: %s", llmk_response_error(b));
	n = th_request_count(f->srv);
	assert_int_equal(n, 3);
	q1 = th_request_at(f->srv, 1);
	q2 = th_request_at(f->srv, 2);
	assert_int_equal(q1->body_len, q2->body_len);
	assert_memory_equal(q1->body, q2->body, q1->body_len);
	assert_non_null(strstr((const char *)q2->body, "\"signature\""));
	llmk_response_free(a);
	llmk_response_free(b);
	llmk_request_free(r1);
	llmk_request_free(r2);
	llmk_client_free(c);
	free(sse);
}

/* ---- multi ------------------------------------------------------------------ */

typedef struct done_rec {
	evlog l; /* first: the events' user is the same pointer */
	int n, cached;
	char text[4][64];
} done_rec;

static void on_done(llmk_response *resp, void *user)
{
	done_rec *d = user;

	assert_int_equal(llmk_response_status(resp), LLMK_OK);
	if (d->n < 4)
		snprintf(d->text[d->n], sizeof(d->text[0]), "%s", llmk_response_text(resp));
	d->n++;
	d->cached += llmk_response_cached(resp);
	llmk_response_free(resp);
}

static void multi_hits_without_transfer(void **state)
{
	fx *f = *state;
	llmk_request *r = chat("multi"), *r2 = chat("multi other");
	llmk_multi *m;
	static done_rec d;
	unsigned conns;

	assert_int_equal(llmk_client_set_cache(f->c, f->mem), LLMK_OK);
	llmk_response_free(send_ok(f->c, r));
	conns = th_connection_count(f->srv);
	assert_int_equal(llmk_multi_new(&m), LLMK_OK);
	assert_int_equal(llmk_multi_add(m, f->c, r, NULL, on_done, &d), LLMK_OK);
	assert_int_equal(llmk_multi_add(m, f->c, r, NULL, on_done, &d), LLMK_OK);
	assert_int_equal(llmk_multi_add(m, f->c, r, on_event, on_done, &d), LLMK_OK);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.cached, 3);
	assert_int_equal(th_request_count(f->srv), 1);
	assert_int_equal(th_connection_count(f->srv), conns);
	assert_string_equal(d.text[0], "v1 echo:multi");
	assert_string_equal(d.l.s, "1'v1 echo:multi'|C0[call_Z/f]'{}'|U3/2/5|D3/2/5|");
	/* A miss in a multi goes out and is stored. */
	assert_int_equal(llmk_multi_add(m, f->c, r2, NULL, on_done, &d), LLMK_OK);
	assert_int_equal(llmk_multi_run(m), LLMK_OK);
	assert_int_equal(th_request_count(f->srv), 2);
	llmk_response_free(send_ok(f->c, r2));
	assert_int_equal(th_request_count(f->srv), 2);
	llmk_multi_free(m);
	llmk_request_free(r);
	llmk_request_free(r2);
}

/* ---- the memory store itself ------------------------------------------------ */

static int32_t take_copy(void *ctx, const uint8_t *data, size_t len)
{
	char *out = ctx;
	memcpy(out, data, len);
	out[len] = '\0';
	return LLMK_OK;
}

static void memory_store_lru(void **state)
{
	llmk_store *s;
	char v[1024], big[300];
	(void)state;

	assert_int_equal(llmk_store_new_memory(0, &s), LLMK_E_INVALID_ARG);
	/* Room for two of these entries (key + value + 96 of bookkeeping). */
	assert_int_equal(llmk_store_new_memory(2 * (1 + 200 + 96) + 50, &s), LLMK_OK);
	memset(big, 'x', 200);
	big[200] = '\0';
	big[0] = '1';
	assert_int_equal(s->kv_put(s->user, "a", (const uint8_t *)big, 200, 0), LLMK_OK);
	big[0] = '2';
	assert_int_equal(s->kv_put(s->user, "b", (const uint8_t *)big, 200, 0), LLMK_OK);
	assert_int_equal(s->kv_get(s->user, "a", take_copy, v), LLMK_OK); /* a is now the most recent */
	assert_int_equal(v[0], '1');
	big[0] = '3';
	assert_int_equal(s->kv_put(s->user, "c", (const uint8_t *)big, 200, 0), LLMK_OK);
	assert_int_equal(s->kv_get(s->user, "b", take_copy, v), LLMK_E_NOT_FOUND);
	assert_int_equal(s->kv_get(s->user, "a", take_copy, v), LLMK_OK);
	assert_int_equal(s->kv_get(s->user, "c", take_copy, v), LLMK_OK);
	assert_int_equal(v[0], '3');
	/* Replacing keeps one entry; too large is refused; TTL. */
	assert_int_equal(s->kv_put(s->user, "c", (const uint8_t *)"new", 3, 0), LLMK_OK);
	assert_int_equal(s->kv_get(s->user, "c", take_copy, v), LLMK_OK);
	assert_string_equal(v, "new");
	assert_int_equal(s->kv_put(s->user, "z", (const uint8_t *)v, 600, 0), LLMK_E_TOO_LARGE);
	assert_int_equal(s->kv_put(s->user, "t", (const uint8_t *)"ttl", 3, 100), LLMK_OK);
	assert_int_equal(s->kv_get(s->user, "t", take_copy, v), LLMK_OK);
	sleep_ms(300);
	assert_int_equal(s->kv_get(s->user, "t", take_copy, v), LLMK_E_NOT_FOUND);
	assert_null(s->cooldown_set);
	assert_null(s->window_take);
	llmk_store_free(s);
}

/* ---- SQLite: processes ------------------------------------------------------ */

/* A child process (this program run again with --child, so that it starts
 * clean: no threads of the parent, nothing of its curl): its own client and
 * store on `path`, asks `count` questions of `nprompts` from the `first`,
 * exits 0 when every answer is right. */
static int child_asks(const char *url_base, const char *path, int first, int count, int nprompts)
{
	llmk_client *c;
	llmk_store *s;
	int i, bad = 0;
	char url[128], prompt[32], want[64];

	if (llmk_store_new_sqlite(path, &s) != LLMK_OK || llmk_client_new(&c, "openai/gpt-4o-mini") != LLMK_OK)
		return 10;
	snprintf(url, sizeof(url), "%s/v1", url_base);
	llmk_client_set_str(c, LLMK_OPT_BASE_URL, url);
	llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY);
	if (llmk_client_set_cache(c, s) != LLMK_OK)
		return 11;
	for (i = 0; i < count; i++) {
		llmk_request *r;
		llmk_response *resp = NULL;
		snprintf(prompt, sizeof(prompt), "p%d", (first + i) % nprompts);
		snprintf(want, sizeof(want), "v1 echo:%s", prompt);
		llmk_request_new(&r, LLMK_CHAT);
		llmk_request_add_message(r, LLMK_ROLE_USER, prompt);
		if (llmk_send(c, r, &resp) != LLMK_OK || strcmp(llmk_response_text(resp), want)) {
			fprintf(stderr, "child: %s: %s\n", prompt, resp ? llmk_response_error(resp) : "no response");
			bad++;
		}
		llmk_response_free(resp);
		llmk_request_free(r);
	}
	llmk_client_free(c);
	llmk_store_free(s);
	return bad ? 1 : 0;
}

/* This program, as main() found it: /proc/self/exe would be valgrind's
 * tool under valgrind. */
static char self_exe[4096];

static void run_children(fx *f, const char *path, int nproc, int count, int nprompts)
{
	pid_t pid[16];
	int i, st;
	char first[16], cnt[16], np[16];

	for (i = 0; i < nproc; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			snprintf(first, sizeof(first), "%d", i * 3);
			snprintf(cnt, sizeof(cnt), "%d", count);
			snprintf(np, sizeof(np), "%d", nprompts);
			execl(self_exe, "test_cache", "--child", th_url(f->srv), path, first, cnt, np, (char *)NULL);
			_exit(127);
		}
	}
	for (i = 0; i < nproc; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
}

/* Threads sharing one client and one store: every answer right, and each
 * question asked upstream at most once per thread. */
typedef struct thr_arg {
	llmk_client *c;
	int id, bad;
} thr_arg;

static void *thread_asks(void *p)
{
	thr_arg *a = p;
	int i;
	char prompt[32], want[64];

	for (i = 0; i < 40; i++) {
		llmk_request *r;
		llmk_response *resp = NULL;
		snprintf(prompt, sizeof(prompt), "t%d", (a->id + i) % 10);
		snprintf(want, sizeof(want), "v1 echo:%s", prompt);
		llmk_request_new(&r, LLMK_CHAT);
		llmk_request_add_message(r, LLMK_ROLE_USER, prompt);
		if (llmk_send(a->c, r, &resp) != LLMK_OK || strcmp(llmk_response_text(resp), want))
			a->bad++;
		llmk_response_free(resp);
		llmk_request_free(r);
	}
	return NULL;
}

static void threads_share_a_cache(void **state)
{
	fx *f = *state;
	llmk_store *stores[2] = {f->mem, NULL};
	pthread_t t[8];
	thr_arg a[8];
	char path[128];
	int i, k;

	snprintf(path, sizeof(path), "%s/threads.db", f->dir);
	if (llmk_features() & LLMK_FEATURE_SQLITE)
		assert_int_equal(llmk_store_new_sqlite(path, &stores[1]), LLMK_OK);
	for (k = 0; k < 2 && stores[k]; k++) {
		size_t before = th_request_count(f->srv), n;
		assert_int_equal(llmk_client_set_cache(f->c, stores[k]), LLMK_OK);
		for (i = 0; i < 8; i++) {
			a[i].c = f->c;
			a[i].id = i;
			a[i].bad = 0;
			assert_int_equal(pthread_create(&t[i], NULL, thread_asks, &a[i]), 0);
		}
		for (i = 0; i < 8; i++) {
			pthread_join(t[i], NULL);
			assert_int_equal(a[i].bad, 0);
		}
		n = th_request_count(f->srv) - before;
		assert_true(n >= 10 && n <= 80);
	}
	assert_int_equal(llmk_client_set_cache(f->c, NULL), LLMK_OK);
	llmk_store_free(stores[1]);
}

static void sqlite_two_processes_one_call(void **state)
{
	fx *f = *state;
	char path[128];

	if (!(llmk_features() & LLMK_FEATURE_SQLITE))
		skip();
	snprintf(path, sizeof(path), "%s/cache.db", f->dir);
	run_children(f, path, 1, 1, 1);
	run_children(f, path, 1, 1, 1);
	assert_int_equal(th_request_count(f->srv), 1);
}

static void sqlite_eight_processes(void **state)
{
	fx *f = *state;
	char path[128];
	size_t n;

	if (!(llmk_features() & LLMK_FEATURE_SQLITE))
		skip();
	snprintf(path, sizeof(path), "%s/cache8.db", f->dir);
	/* 8 processes at once over 24 questions, 24 each, in different orders:
	 * every answer right, at most 8 upstream calls per question (those
	 * asked at the same moment all miss). */
	run_children(f, path, 8, 24, 24);
	n = th_request_count(f->srv);
	assert_true(n >= 24 && n <= 24 * 8);
	/* Then everything is in the file: 8 more processes, no upstream call. */
	run_children(f, path, 8, 24, 24);
	assert_int_equal(th_request_count(f->srv), n);
}

static void sqlite_damaged_file(void **state)
{
	fx *f = *state;
	char path[128];
	llmk_store *s;
	llmk_request *r = chat("on disk");
	llmk_response *a, *b;
	FILE *fp;
	long size, at;
	char *data, *hit;
	int i;

	if (!(llmk_features() & LLMK_FEATURE_SQLITE)) {
		assert_int_equal(llmk_store_new_sqlite("/tmp/x.db", &s), LLMK_E_UNSUPPORTED);
		llmk_request_free(r);
		skip();
	}
	snprintf(path, sizeof(path), "%s/damaged.db", f->dir);
	assert_int_equal(llmk_store_new_sqlite(path, &s), LLMK_OK);
	assert_int_equal(llmk_client_set_cache(f->c, s), LLMK_OK);
	a = send_ok(f->c, r);
	b = send_ok(f->c, r);
	assert_int_equal(llmk_response_cached(b), 1);
	llmk_response_free(b);
	assert_int_equal(llmk_client_set_cache(f->c, NULL), LLMK_OK);
	llmk_store_free(s); /* the last connection checkpoints the log into the file */

	/* No credential in the file. */
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	data = malloc((size_t)size);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	assert_null(memmem(data, (size_t)size, KEY, strlen(KEY)));
	assert_null(memmem(data, (size_t)size, "sk-cache", 8));
	/* Damage the stored answer's text in place. */
	hit = memmem(data, (size_t)size, "v1 echo:on disk", 15);
	assert_non_null(hit);
	at = hit - data;
	fp = fopen(path, "r+b");
	fseek(fp, at, SEEK_SET);
	fputs("v7", fp);
	fclose(fp);
	assert_int_equal(llmk_store_new_sqlite(path, &s), LLMK_OK);
	assert_int_equal(llmk_client_set_cache(f->c, s), LLMK_OK);
	f->log.text[0] = '\0';
	f->cfg.version = 1;
	b = send_ok(f->c, r);
	assert_int_equal(llmk_response_cached(b), 0);
	assert_string_equal(llmk_response_text(b), "v1 echo:on disk");
	assert_non_null(strstr(f->log.text, "checksum does not match"));
	llmk_response_free(b);
	assert_int_equal(llmk_client_set_cache(f->c, NULL), LLMK_OK);
	llmk_store_free(s);

	/* Damage every page but the first (header and schema): reading fails
	 * -- a warning and the provider's answer. */
	fp = fopen(path, "r+b");
	fseek(fp, 4096, SEEK_SET);
	for (at = 4096; at < size; at++)
		fputc((int)((at * 131) ^ 0xA5) & 0xff, fp);
	fclose(fp);
	{
		llmk_status st = llmk_store_new_sqlite(path, &s);
		if (st != LLMK_OK) {
			assert_int_equal(st, LLMK_E_CONFIG);
			goto no_db;
		}
		assert_int_equal(llmk_client_set_cache(f->c, s), LLMK_OK);
		f->log.text[0] = '\0';
		b = send_ok(f->c, r);
		assert_int_equal(llmk_response_cached(b), 0);
		assert_string_equal(llmk_response_text(b), "v1 echo:on disk");
		assert_non_null(strstr(f->log.text, "response cache: the store could not be read (LLMK_E_PROTOCOL: its "
		                                    "data is damaged"));
		llmk_response_free(b);
		assert_int_equal(llmk_client_set_cache(f->c, NULL), LLMK_OK);
		llmk_store_free(s);
	}
no_db:
	/* A file that is no database at all is refused at open. */
	fp = fopen(path, "wb");
	for (i = 0; i < 8192; i++)
		fputc(i * 7, fp);
	fclose(fp);
	assert_int_equal(llmk_store_new_sqlite(path, &s), LLMK_E_CONFIG);
	assert_null(s);
	assert_int_equal(llmk_store_new_sqlite(NULL, &s), LLMK_E_INVALID_ARG);
	free(data);
	llmk_response_free(a);
	llmk_request_free(r);
}

/* Expired values are never returned, and the rows go: at the 128th put
 * after them and when the file is opened. */
static void sqlite_expired_rows_purged(void **state)
{
#ifdef LLMK_TEST_HAVE_SQLITE
	fx *f = *state;
	char path[128], key[32], v[64];
	llmk_store *s;
	sqlite3 *db;
	sqlite3_stmt *q;
	int i, rows = -1;

	snprintf(path, sizeof(path), "%s/purge.db", f->dir);
	assert_int_equal(llmk_store_new_sqlite(path, &s), LLMK_OK);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "short%d", i);
		assert_int_equal(s->kv_put(s->user, key, (const uint8_t *)"x", 1, 100), LLMK_OK);
	}
	sleep_ms(400);
	assert_int_equal(s->kv_get(s->user, "short1", take_copy, v), LLMK_E_NOT_FOUND);
	for (i = 0; i < 28; i++) { /* puts 101..128: the 128th purges */
		snprintf(key, sizeof(key), "long%d", i);
		assert_int_equal(s->kv_put(s->user, key, (const uint8_t *)"y", 1, 0), LLMK_OK);
	}
	assert_int_equal(s->kv_get(s->user, "long3", take_copy, v), LLMK_OK);
	assert_string_equal(v, "y");
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM llmk_kv", -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		rows = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_int_equal(rows, 28);
	llmk_store_free(s);
#else
	(void)state;
	skip();
#endif
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(hit_is_whole_free_and_local, setup, teardown),
	        cmocka_unit_test_setup_teardown(what_changes_the_key, setup, teardown),
	        cmocka_unit_test_setup_teardown(ttl_expiry, setup, teardown),
	        cmocka_unit_test_setup_teardown(bypass_and_refresh, setup, teardown),
	        cmocka_unit_test_setup_teardown(never_stored, setup, teardown),
	        cmocka_unit_test_setup_teardown(failing_store_never_fails_a_request, setup, teardown),
	        cmocka_unit_test_setup_teardown(damaged_values_are_misses, setup, teardown),
	        cmocka_unit_test_setup_teardown(embeddings, setup, teardown),
	        cmocka_unit_test_setup_teardown(stream_replays_same_events, setup, teardown),
	        cmocka_unit_test_setup_teardown(stored_send_streams_as_events, setup, teardown),
	        cmocka_unit_test_setup_teardown(anthropic_opaque_parts_survive, setup, teardown),
	        cmocka_unit_test_setup_teardown(multi_hits_without_transfer, setup, teardown),
	        cmocka_unit_test(memory_store_lru),
	        cmocka_unit_test_setup_teardown(threads_share_a_cache, setup, teardown),
	        cmocka_unit_test_setup_teardown(sqlite_two_processes_one_call, setup, teardown),
	        cmocka_unit_test_setup_teardown(sqlite_eight_processes, setup, teardown),
	        cmocka_unit_test_setup_teardown(sqlite_damaged_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(sqlite_expired_rows_purged, setup, teardown),
	};
	if (!realpath(argv[0], self_exe))
		snprintf(self_exe, sizeof(self_exe), "%s", argv[0]);
	if (argc == 7 && !strcmp(argv[1], "--child"))
		return child_asks(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
