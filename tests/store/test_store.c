#define _POSIX_C_SOURCE 200809L
/* The built-in stores: the in-process one and the Redis one (against a
 * redis-server this test starts on 127.0.0.1 and stops) pass the same
 * behaviour suite through the public table; then what only Redis has: its
 * scripts (atomic windows across connections, EVAL after NOSCRIPT),
 * key/value with TTL, prefixes and databases, passwords, the URL, and the
 * faults (down at start, killed and restarted, slow, answering errors). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "echo.h"
#include "llmkit.h"
#include "memstore.h"
#include "redisd.h"
#include "store_redis.h"

static redisd server;
static int have_redis;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A unique key per test run, so the Redis runs never see each other. */
static const char *k(const char *name)
{
	static char buf[8][128];
	static int i;
	static unsigned run;
	if (!run)
		run = (unsigned)getpid();
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "t%u:%s", run, name);
	return buf[i];
}

typedef struct backend {
	const char *name;
	llmk_store *s;
} backend;

static int open_local(void **state)
{
	backend *b = calloc(1, sizeof(*b));
	b->name = "local";
	assert_int_equal(llmk_store_new_local(&b->s), LLMK_OK);
	*state = b;
	return 0;
}

static int open_redis(void **state)
{
	backend *b = calloc(1, sizeof(*b));
	char url[256];

	if (!have_redis) {
		free(b);
		skip();
	}
	b->name = "redis";
	snprintf(url, sizeof(url), "%s/0?prefix=test:", server.url);
	assert_int_equal(llmk_store_new_redis(url, &b->s), LLMK_OK);
	*state = b;
	return 0;
}

static int close_backend(void **state)
{
	backend *b = *state;
	if (b) {
		llmk_store_free(b->s);
		free(b);
	}
	return 0;
}

/* ---- the behaviour suite, run on both --------------------------------- */

static void test_cooldowns(void **state)
{
	llmk_store *s = ((backend *)*state)->s;
	int64_t left = -1;
	const char *key = k("cool");

	assert_int_equal(s->cooldown_get(s->user, key, &left), LLMK_OK);
	assert_int_equal(left, 0);
	assert_int_equal(s->cooldown_set(s->user, key, 400), LLMK_OK);
	assert_int_equal(s->cooldown_get(s->user, key, &left), LLMK_OK);
	assert_true(left > 200 && left <= 400);
	/* a shorter one does not shorten it */
	assert_int_equal(s->cooldown_set(s->user, key, 50), LLMK_OK);
	assert_int_equal(s->cooldown_get(s->user, key, &left), LLMK_OK);
	assert_true(left > 200);
	/* a longer one lengthens it */
	assert_int_equal(s->cooldown_set(s->user, key, 2000), LLMK_OK);
	assert_int_equal(s->cooldown_get(s->user, key, &left), LLMK_OK);
	assert_true(left > 1500);
	key = k("cool2");
	assert_int_equal(s->cooldown_set(s->user, key, 100), LLMK_OK);
	sleep_ms(160);
	assert_int_equal(s->cooldown_get(s->user, key, &left), LLMK_OK);
	assert_int_equal(left, 0);
}

static void test_counters(void **state)
{
	llmk_store *s = ((backend *)*state)->s;
	int64_t v = -1;
	const char *key = k("busy");

	assert_int_equal(s->counter_add(s->user, key, 0, &v), LLMK_OK);
	assert_int_equal(v, 0);
	assert_int_equal(s->counter_add(s->user, key, 1, &v), LLMK_OK);
	assert_int_equal(v, 1);
	assert_int_equal(s->counter_add(s->user, key, 2, &v), LLMK_OK);
	assert_int_equal(v, 3);
	assert_int_equal(s->counter_add(s->user, key, 0, &v), LLMK_OK);
	assert_int_equal(v, 3);
	assert_int_equal(s->counter_add(s->user, key, -3, &v), LLMK_OK);
	assert_int_equal(v, 0);
	assert_int_equal(s->counter_add(s->user, key, -1, &v), LLMK_OK);
	assert_int_equal(v, -1);
}

static void test_windows(void **state)
{
	llmk_store *s = ((backend *)*state)->s;
	int64_t wait = -1;
	const char *key = k("win");
	double t0 = now_ms();

	for (int i = 0; i < 3; i++) {
		assert_int_equal(s->window_take(s->user, key, 500, 3, 1, &wait), LLMK_OK);
		assert_int_equal(wait, 0);
	}
	assert_int_equal(s->window_take(s->user, key, 500, 3, 1, &wait), LLMK_OK);
	/* the first entry leaves 500 ms after it came */
	assert_true(wait > 0 && wait <= 500);
	assert_true(wait >= 500 - (now_ms() - t0) - 30);
	/* a correction gives room back at once */
	assert_int_equal(s->window_add(s->user, key, 500, -1), LLMK_OK);
	assert_int_equal(s->window_take(s->user, key, 500, 3, 1, &wait), LLMK_OK);
	assert_int_equal(wait, 0);
	assert_int_equal(s->window_take(s->user, key, 500, 3, 1, &wait), LLMK_OK);
	assert_true(wait > 0);
	/* after the wait it fits */
	sleep_ms((int)wait + 20);
	assert_int_equal(s->window_take(s->user, key, 500, 3, 1, &wait), LLMK_OK);
	assert_int_equal(wait, 0);
	/* amounts: 100 tokens in a window of 250 */
	key = k("tokens");
	assert_int_equal(s->window_take(s->user, key, 60000, 250, 200, &wait), LLMK_OK);
	assert_int_equal(wait, 0);
	assert_int_equal(s->window_take(s->user, key, 60000, 250, 100, &wait), LLMK_OK);
	assert_true(wait > 59000); /* the only entry leaves in a minute */
	assert_int_equal(s->window_take(s->user, key, 60000, 250, 50, &wait), LLMK_OK);
	assert_int_equal(wait, 0);
	/* one amount above the limit fits an empty window, and only that */
	key = k("big");
	assert_int_equal(s->window_take(s->user, key, 60000, 10, 30, &wait), LLMK_OK);
	assert_int_equal(wait, 0);
	assert_int_equal(s->window_take(s->user, key, 60000, 10, 1, &wait), LLMK_OK);
	assert_true(wait > 0);
}

static void test_bad_keys(void **state)
{
	llmk_store *s = ((backend *)*state)->s;
	char longkey[600];
	int64_t v;

	memset(longkey, 'a', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(s->counter_add(s->user, "two words", 1, &v), LLMK_E_INVALID_ARG);
	assert_int_equal(s->counter_add(s->user, "", 1, &v), LLMK_E_INVALID_ARG);
	assert_int_equal(s->counter_add(s->user, "a\nb", 1, &v), LLMK_E_INVALID_ARG);
	assert_int_equal(s->counter_add(s->user, longkey, 1, &v), LLMK_E_INVALID_ARG);
	assert_int_equal(s->window_take(s->user, k("w"), 0, 1, 1, &v), LLMK_E_INVALID_ARG);
	assert_int_equal(s->window_take(s->user, k("w"), 100, 1, -1, &v), LLMK_E_INVALID_ARG);
	assert_int_equal(s->cooldown_set(s->user, k("c"), -1), LLMK_E_INVALID_ARG);
}

typedef struct racer {
	llmk_store *s;
	const char *key;
	int admitted;
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	int64_t wait;

	for (int i = 0; i < 50; i++)
		if (r->s->window_take(r->s->user, r->key, 60000, 40, 1, &wait) == LLMK_OK && wait == 0)
			r->admitted++;
	return NULL;
}

/* 4 threads x 50 takes against a limit of 40: exactly 40 get through (for
 * Redis over several pooled connections: the script is atomic). */
static void test_window_is_atomic(void **state)
{
	llmk_store *s = ((backend *)*state)->s;
	pthread_t t[4];
	racer r[4];
	int total = 0;
	const char *key = k("race");

	for (int i = 0; i < 4; i++) {
		r[i] = (racer){s, key, 0};
		pthread_create(&t[i], NULL, race, &r[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += r[i].admitted;
	}
	assert_int_equal(total, 40);
}

/* ---- Redis only ---------------------------------------------------------- */

typedef struct got {
	uint8_t data[64];
	size_t len;
	int refuse;
} got;

static int32_t take(void *ctx, const uint8_t *data, size_t len)
{
	got *g = ctx;
	if (g->refuse)
		return LLMK_E_TOO_LARGE;
	g->len = len < sizeof(g->data) ? len : sizeof(g->data);
	memcpy(g->data, data, g->len);
	return LLMK_OK;
}

static void test_redis_kv(void **state)
{
	llmk_store *s = ((backend *)*state)->s;
	static const uint8_t value[] = {'a', 0, 'b', 0xff, '\r', '\n'};
	got g = {{0}, 0, 0};

	assert_int_equal(s->kv_get(s->user, k("kv"), take, &g), LLMK_E_NOT_FOUND);
	assert_int_equal(s->kv_put(s->user, k("kv"), value, sizeof(value), 0), LLMK_OK);
	assert_int_equal(s->kv_get(s->user, k("kv"), take, &g), LLMK_OK);
	assert_int_equal(g.len, sizeof(value));
	assert_memory_equal(g.data, value, sizeof(value));
	g.refuse = 1; /* the taker's answer is passed back */
	assert_int_equal(s->kv_get(s->user, k("kv"), take, &g), LLMK_E_TOO_LARGE);
	g.refuse = 0;
	/* with a TTL (PX): gone after it */
	assert_int_equal(s->kv_put(s->user, k("kvttl"), value, 3, 150), LLMK_OK);
	assert_int_equal(s->kv_get(s->user, k("kvttl"), take, &g), LLMK_OK);
	assert_int_equal(g.len, 3);
	sleep_ms(250);
	assert_int_equal(s->kv_get(s->user, k("kvttl"), take, &g), LLMK_E_NOT_FOUND);
	assert_int_equal(s->kv_put(s->user, k("kv"), value, 1, -5), LLMK_E_INVALID_ARG);
	/* an answer the store kept under the prefix */
	{
		char out[64], pattern[160];
		snprintf(pattern, sizeof(pattern), "test:%s", k("kv"));
		assert_int_equal(redisd_command(&server, out, sizeof(out), "EXISTS", pattern, NULL), 0);
		assert_string_equal(out, ":1");
	}
}

/* After SCRIPT FLUSH the server answers NOSCRIPT to EVALSHA: the store
 * sends the script itself and goes on. */
static void test_redis_noscript(void **state)
{
	llmk_store *s = ((backend *)*state)->s;
	int64_t wait = -1, v;
	char out[64];

	assert_int_equal(s->window_take(s->user, k("ns"), 10000, 5, 1, &wait), LLMK_OK);
	assert_int_equal(redisd_command(&server, out, sizeof(out), "SCRIPT", "FLUSH", NULL), 0);
	assert_string_equal(out, "+OK");
	assert_int_equal(s->window_take(s->user, k("ns"), 10000, 5, 1, &wait), LLMK_OK);
	assert_int_equal(wait, 0);
	assert_int_equal(s->counter_add(s->user, k("nsc"), 2, &v), LLMK_OK);
	assert_int_equal(v, 2);
	assert_int_equal(s->cooldown_set(s->user, k("nscd"), 1000), LLMK_OK);
	assert_int_equal(s->cooldown_get(s->user, k("nscd"), &v), LLMK_OK);
	assert_true(v > 500);
}

/* Two prefixes, or two databases, are two separate sets of state; the same
 * prefix and database in another store object is the same state. */
static void test_redis_prefix_and_db(void **state)
{
	llmk_store *a, *b, *c, *d;
	char url[256];
	int64_t wait;
	const char *key = k("iso");

	(void)state;
	snprintf(url, sizeof(url), "%s?prefix=one:", server.url);
	assert_int_equal(llmk_store_new_redis(url, &a), LLMK_OK);
	assert_int_equal(llmk_store_new_redis(url, &c), LLMK_OK);
	snprintf(url, sizeof(url), "%s?prefix=two:", server.url);
	assert_int_equal(llmk_store_new_redis(url, &b), LLMK_OK);
	snprintf(url, sizeof(url), "%s/2?prefix=one:", server.url);
	assert_int_equal(llmk_store_new_redis(url, &d), LLMK_OK);
	assert_int_equal(a->window_take(a->user, key, 60000, 1, 1, &wait), LLMK_OK);
	assert_int_equal(wait, 0);
	assert_int_equal(c->window_take(c->user, key, 60000, 1, 1, &wait), LLMK_OK);
	assert_true(wait > 0); /* same prefix, same database: shared */
	assert_int_equal(b->window_take(b->user, key, 60000, 1, 1, &wait), LLMK_OK);
	assert_int_equal(wait, 0); /* another prefix */
	assert_int_equal(d->window_take(d->user, key, 60000, 1, 1, &wait), LLMK_OK);
	assert_int_equal(wait, 0); /* another database */
	llmk_store_free(a);
	llmk_store_free(b);
	llmk_store_free(c);
	llmk_store_free(d);
}

/* The URL: what is accepted, what is refused. */
static void test_redis_url(void **state)
{
	llmk_store *s;

	(void)state;
#ifndef LLMK_TEST_HAVE_REDIS /* no hiredis, no parser: the call says so */
	assert_false(llmk_features() & LLMK_FEATURE_REDIS);
	assert_int_equal(llmk_store_new_redis("redis://h", &s), LLMK_E_UNSUPPORTED);
	assert_null(s);
	assert_int_equal(llmk_store_new_redis(NULL, &s), LLMK_E_INVALID_ARG);
#else
	llmk__redis_url u;

	assert_int_equal(llmk__redis_url_parse("redis://h", &u), LLMK_OK);
	assert_string_equal(u.host, "h");
	assert_int_equal(u.port, 6379);
	assert_int_equal(u.db, 0);
	assert_string_equal(u.prefix, "llmk:");
	assert_null(u.password);
	llmk__redis_url_clear(&u);
	assert_int_equal(llmk__redis_url_parse("redis://al%40x:p%3Aw%2F@10.0.0.1:7000/3?prefix=app:v1.&timeout_ms=50"
	                                       "&connect_timeout_ms=70",
	                                       &u),
	                 LLMK_OK);
	assert_string_equal(u.user, "al@x");
	assert_string_equal(u.password, "p:w/");
	assert_string_equal(u.host, "10.0.0.1");
	assert_int_equal(u.port, 7000);
	assert_int_equal(u.db, 3);
	assert_string_equal(u.prefix, "app:v1.");
	assert_int_equal(u.timeout_ms, 50);
	assert_int_equal(u.connect_timeout_ms, 70);
	llmk__redis_url_clear(&u);
	assert_int_equal(u.pool, 8);
	llmk__redis_url_clear(&u);
	assert_int_equal(llmk__redis_url_parse("redis://h?pool=1", &u), LLMK_OK);
	assert_int_equal(u.pool, 1);
	llmk__redis_url_clear(&u);
	assert_int_equal(llmk__redis_url_parse("redis://:pw@[::1]:6380?db=4", &u), LLMK_OK);
	assert_null(u.user);
	assert_string_equal(u.password, "pw");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 6380);
	assert_int_equal(u.db, 4);
	llmk__redis_url_clear(&u);
	assert_int_equal(llmk__redis_url_parse("rediss://h", &u), LLMK_OK);
	assert_int_equal(u.tls, 1);
	llmk__redis_url_clear(&u);
	static const char *const bad[] = {
	        NULL,
	        "",
	        "http://h",
	        "redis://",
	        "redis://h:0",
	        "redis://h:65536",
	        "redis://h:x",
	        "redis://h/x",
	        "redis://h/1?prefix=a b",
	        "redis://h?prefix=a%20",
	        "redis://h?unknown=1",
	        "redis://h?timeout_ms=0",
	        "redis://h?timeout_ms",
	        "redis://h?pool=0",
	        "redis://h?pool=65",
	        "redis://:@h",
	        "redis://u:p%zz@h",
	        "redis://u:p%00@h",
	        "redis://h#frag",
	        "redis://[::1",
	        "redis://h\r\n",
	        "redis://h?prefix=0123456789012345678901234567890123456789012345678901234567890123456789"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(llmk__redis_url_parse(bad[i], &u), LLMK_E_INVALID_ARG);
		llmk__redis_url_clear(&u);
		assert_int_equal(llmk_store_new_redis(bad[i], &s), LLMK_E_INVALID_ARG);
		assert_null(s);
	}
	/* no TLS in Debian 12's hiredis: said, not faked */
	assert_int_equal(llmk_store_new_redis("rediss://127.0.0.1:6390", &s), LLMK_E_UNSUPPORTED);
	assert_null(s);
#endif
}

/* A transport that never reaches anything: every build has it. */
static int32_t refuse(llmk_exchange *ex, void *user)
{
	(void)ex, (void)user;
	return LLMK_E_TRANSPORT;
}

typedef struct lines {
	char text[8192];
	size_t n;
	int failed, back;
} lines;

static void on_log(int32_t level, const char *line, void *user)
{
	lines *l = user;

	l->n += (size_t)snprintf(l->text + l->n, sizeof(l->text) - l->n, "%s\n", line);
	if (l->n >= sizeof(l->text))
		l->n = sizeof(l->text) - 1;
	if (level == LLMK_LOG_WARN && strstr(line, "shared store failed"))
		l->failed++;
	if (level == LLMK_LOG_WARN && strstr(line, "shared store is back"))
		l->back++;
}

/* A password: the right one works, a wrong one makes the store fail (and
 * the library fall back, with a warning that never holds the password). */
static void test_redis_password(void **state)
{
	redisd locked;
	llmk_store *s;
	char url[256];
	int64_t v = -1;
	llmk_client *c;
	llmk_request *req;
	llmk_response *r;
	lines l;
	static const char canary[] = "Canary-Redis-Pass-7f3a";

	(void)state;
	assert_int_equal(redisd_start(&locked, canary), 0);
	snprintf(url, sizeof(url), "redis://default:%s@127.0.0.1:%d", canary, locked.port);
	assert_int_equal(llmk_store_new_redis(url, &s), LLMK_OK);
	assert_int_equal(s->counter_add(s->user, k("auth"), 5, &v), LLMK_OK);
	assert_int_equal(v, 5);
	llmk_store_free(s);
	snprintf(url, sizeof(url), "redis://:%s@127.0.0.1:%d", canary, locked.port);
	assert_int_equal(llmk_store_new_redis(url, &s), LLMK_OK);
	assert_int_equal(s->counter_add(s->user, k("auth"), 1, &v), LLMK_OK);
	assert_int_equal(v, 6);
	llmk_store_free(s);
	/* the wrong one, then no password at all */
	snprintf(url, sizeof(url), "redis://:%sX@127.0.0.1:%d", canary, locked.port);
	assert_int_equal(llmk_store_new_redis(url, &s), LLMK_OK);
	assert_int_equal(s->counter_add(s->user, k("auth"), 1, &v), LLMK_E_TRANSPORT);
	/* a client limited through it still sends (a capture-free check: the
	 * request fails on the unreachable base URL, not on the store) and its
	 * log never shows the password */
	memset(&l, 0, sizeof(l));
	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, "http://127.0.0.1:9/v1"), LLMK_OK);
	{
		llmk_transport t;
		llmk_transport_init(&t);
		t.send = refuse;
		assert_int_equal(llmk_client_set_transport(c, &t, NULL), LLMK_OK);
	}
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test-0000000000000000000000"), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_RPM, 100), LLMK_OK);
	assert_int_equal(llmk_client_set_log(c, on_log, LLMK_LOG_DEBUG, &l), LLMK_OK);
	assert_int_equal(llmk_client_set_store(c, s), LLMK_OK);
	llmk_request_new(&req, LLMK_CHAT);
	llmk_request_add_message(req, LLMK_ROLE_USER, "hi");
	assert_int_equal(llmk_send(c, req, &r), LLMK_E_TRANSPORT); /* the transport's failure, not the store's */
	assert_int_equal(l.failed, 1);
	assert_null(echo_find(l.text, canary));
	assert_null(echo_find(llmk_response_error(r), canary));
	llmk_response_free(r);
	llmk_request_free(req);
	llmk_client_free(c);
	llmk_store_free(s);
	redisd_stop(&locked);
}

/* Down at start: created all the same; calls fail at once while it is
 * down (the backoff: no connection attempt per call), and succeed once a
 * server is there. */
static void test_redis_down_at_start_then_up(void **state)
{
	redisd later;
	llmk_store *s;
	int64_t v;
	double t0;
	int ok = 0;

	(void)state;
	assert_int_equal(redisd_start(&later, ""), 0);
	redisd_kill(&later);
	assert_int_equal(llmk_store_new_redis(later.url, &s), LLMK_OK);
	assert_int_equal(s->counter_add(s->user, k("late"), 1, &v), LLMK_E_TRANSPORT);
	t0 = now_ms();
	for (int i = 0; i < 100; i++)
		assert_int_not_equal(s->counter_add(s->user, k("late"), 1, &v), LLMK_OK);
	assert_true(now_ms() - t0 < 200); /* 100 calls, no network */
	assert_int_equal(redisd_restart(&later), 0);
	t0 = now_ms();
	while (now_ms() - t0 < 8000 && !ok) {
		ok = s->counter_add(s->user, k("late"), 1, &v) == LLMK_OK;
		if (!ok)
			sleep_ms(50);
	}
	assert_true(ok);
	assert_int_equal(v, 1);
	llmk_store_free(s);
	redisd_stop(&later);
}

/* Killed mid-run and restarted: failures while it is gone, then the store
 * rejoins by itself, its scripts loaded again on the new connection. */
static void test_redis_killed_and_restarted(void **state)
{
	redisd mine;
	llmk_store *s;
	int64_t wait = 0;
	double t0;
	int ok = 0;

	(void)state;
	assert_int_equal(redisd_start(&mine, ""), 0);
	assert_int_equal(llmk_store_new_redis(mine.url, &s), LLMK_OK);
	assert_int_equal(s->window_take(s->user, k("kill"), 60000, 2, 1, &wait), LLMK_OK);
	redisd_kill(&mine);
	assert_int_not_equal(s->window_take(s->user, k("kill"), 60000, 2, 1, &wait), LLMK_OK);
	sleep_ms(300);
	assert_int_equal(redisd_restart(&mine), 0);
	t0 = now_ms();
	while (now_ms() - t0 < 8000 && !ok) {
		ok = s->window_take(s->user, k("kill"), 60000, 2, 1, &wait) == LLMK_OK;
		if (!ok)
			sleep_ms(50);
	}
	assert_true(ok);
	assert_int_equal(wait, 0); /* a new server: the window starts empty */
	llmk_store_free(s);
	redisd_stop(&mine);
}

/* A server that accepts and never answers: each call is bounded by
 * timeout_ms, and the calls after the first fail at once (backoff). */
static void test_redis_slow(void **state)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char url[128];
	llmk_store *s;
	int64_t v;
	double t0;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d?timeout_ms=100&connect_timeout_ms=100", ntohs(a.sin_port));
	t0 = now_ms();
	assert_int_equal(llmk_store_new_redis(url, &s), LLMK_OK);
	assert_true(now_ms() - t0 < 1500); /* SCRIPT LOAD timed out */
	t0 = now_ms();
	assert_int_not_equal(s->counter_add(s->user, k("slow"), 1, &v), LLMK_OK);
	assert_true(now_ms() - t0 < 1500);
	t0 = now_ms();
	for (int i = 0; i < 50; i++)
		assert_int_not_equal(s->counter_add(s->user, k("slow"), 1, &v), LLMK_OK);
	assert_true(now_ms() - t0 < 1500);
	llmk_store_free(s);
	close(fd);
}

/* The server drops the connection, then a large value is written to it:
 * the second write hits a reset socket, which raises SIGPIPE. The store
 * keeps that signal from ending the program (default disposition here:
 * without the store's guard this test process dies). */
static void test_redis_sigpipe(void **state)
{
	llmk_store *s = ((backend *)*state)->s;
	size_t n = 8u << 20;
	uint8_t *big = calloc(1, n);
	char out[64];
	int64_t v;

	signal(SIGPIPE, SIG_DFL);
	assert_int_equal(s->counter_add(s->user, k("pipe"), 1, &v), LLMK_OK); /* a pooled connection */
	redisd_command(&server, out, sizeof(out), "CLIENT", "KILL", "TYPE", "normal", NULL);
	sleep_ms(100);
	assert_int_not_equal(s->kv_put(s->user, k("pipe-big"), big, n, 0), LLMK_OK);
	free(big);
	/* and it rejoins */
	for (int i = 0; i < 100 && s->counter_add(s->user, k("pipe"), 1, &v) != LLMK_OK; i++)
		sleep_ms(50);
	assert_int_equal(v, 2);
}

/* An error answer (a counter on a key holding text) is a failure, not a
 * crash or a wrong number. */
static void test_redis_error_answer(void **state)
{
	llmk_store *s = ((backend *)*state)->s;
	char out[64], key[160];
	int64_t v = 42;

	snprintf(key, sizeof(key), "test:%s", k("text"));
	assert_int_equal(redisd_command(&server, out, sizeof(out), "SET", key, "not-a-number", NULL), 0);
	assert_int_equal(s->counter_add(s->user, k("text"), 1, &v), LLMK_E_SERVER);
	assert_int_equal(v, 0);
}

int main(void)
{
	const struct CMUnitTest local[] = {
	        cmocka_unit_test_setup_teardown(test_cooldowns, open_local, close_backend),
	        cmocka_unit_test_setup_teardown(test_counters, open_local, close_backend),
	        cmocka_unit_test_setup_teardown(test_windows, open_local, close_backend),
	        cmocka_unit_test_setup_teardown(test_bad_keys, open_local, close_backend),
	        cmocka_unit_test_setup_teardown(test_window_is_atomic, open_local, close_backend),
	        cmocka_unit_test(test_redis_url),
	};
	const struct CMUnitTest redis[] = {
	        cmocka_unit_test_setup_teardown(test_cooldowns, open_redis, close_backend),
	        cmocka_unit_test_setup_teardown(test_counters, open_redis, close_backend),
	        cmocka_unit_test_setup_teardown(test_windows, open_redis, close_backend),
	        cmocka_unit_test_setup_teardown(test_bad_keys, open_redis, close_backend),
	        cmocka_unit_test_setup_teardown(test_window_is_atomic, open_redis, close_backend),
	        cmocka_unit_test_setup_teardown(test_redis_kv, open_redis, close_backend),
	        cmocka_unit_test_setup_teardown(test_redis_noscript, open_redis, close_backend),
	        cmocka_unit_test_setup_teardown(test_redis_error_answer, open_redis, close_backend),
	        cmocka_unit_test_setup_teardown(test_redis_sigpipe, open_redis, close_backend),
	        cmocka_unit_test(test_redis_prefix_and_db),
	        cmocka_unit_test(test_redis_password),
	        cmocka_unit_test(test_redis_down_at_start_then_up),
	        cmocka_unit_test(test_redis_killed_and_restarted),
	        cmocka_unit_test(test_redis_slow),
	};
	int fails = cmocka_run_group_tests_name("store_local", local, NULL, NULL);

	if (!(llmk_features() & LLMK_FEATURE_REDIS)) {
		llmk_store *s = (llmk_store *)1;
		printf("store_redis: this build has no hiredis; llmk_store_new_redis() must say so\n");
		if (llmk_store_new_redis("redis://127.0.0.1", &s) != LLMK_E_UNSUPPORTED || s)
			fails++;
		return fails;
	}
	if (!redisd_binary()) {
		fprintf(stderr, "##### SKIP: redis-server is not installed (scripts/deps.sh installs it): the Redis "
		                "store was NOT tested\n");
		return fails ? fails : 77;
	}
	if (redisd_start(&server, "")) {
		fprintf(stderr, "redis-server did not start\n");
		return 1;
	}
	have_redis = 1;
	fails += cmocka_run_group_tests_name("store_redis", redis, NULL, NULL);
	redisd_stop(&server);
	return fails;
}
