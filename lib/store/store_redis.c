/* llmk_store_new_redis(): shared state in Redis or Valkey through hiredis.
 *
 * Every update is one server-side Lua script, so it is atomic however many
 * processes share the server: a cooldown only ever grows, a window admits
 * exactly its limit. Scripts are loaded on each new connection (SCRIPT
 * LOAD gives their SHA1) and run with EVALSHA; a server that forgot them
 * (restarted, SCRIPT FLUSH) answers NOSCRIPT and gets the script itself
 * with EVAL, which also caches it again. Windows are timed by the
 * server's clock (TIME inside the script), so processes on machines whose
 * clocks differ still agree.
 *
 * Keys: prefix + the library's key; a window's keys share a hash tag
 * ({...}) so a Redis Cluster would keep them on one node. A window is a
 * sorted set of "seq:amount" members scored by time, with its running sum
 * beside it: expired members are summed and removed as the window is
 * touched, so no call walks the whole window unless it must say how long
 * to wait.
 *
 * Threads: a small pool of connections (at most `pool`, default 8), each used by
 * one thread at a time; a thread that finds none idle opens one, or waits
 * for one up to the command timeout. One locked connection would serialise
 * every thread behind the slowest round trip; a connection per thread would
 * grow with the program's threads (bench/store_pool.c measures the pool against one connection: docs/PERFORMANCE.md).
 *
 * Faults: connecting and every command are bounded (connect_timeout_ms,
 * timeout_ms). A failed connection or command (down, slow, an error
 * answer other than NOSCRIPT) closes the connection, and every idle one,
 * and marks the server down: for the backoff (100 ms, doubling to 5 s)
 * every call fails at once without touching the network, so the library's
 * fallback to local state costs nothing. The next call after it tries
 * again, and a success resets the backoff. The store never logs: it
 * answers statuses, and its callers log (scrubbed) warnings. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "llmkit.h"
#include "secret.h"
#include "store.h"
#include "store_redis.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define KEY_MAX 512
#define PREFIX_MAX 64

/* Windows: KEYS = members (zset), sum, sequence; ARGV = window ms, limit
 * (-1: none, an add), amount. Returns the ms to wait (0: recorded). */
static const char window_script[] = "local t = redis.call('TIME')\n"
                                    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
                                    "local win, limit, amt = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
                                    "local function amount(m) return tonumber(string.match(m, ':(-?%d+)$')) or 0 end\n"
                                    "local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - win)\n"
                                    "if #old > 0 then\n"
                                    "  local gone = 0\n"
                                    "  for _, m in ipairs(old) do gone = gone + amount(m) end\n"
                                    "  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)\n"
                                    "  redis.call('DECRBY', KEYS[2], gone)\n"
                                    "end\n"
                                    "local sum = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
                                    "local function fits(s) return s + amt <= limit or (amt > limit and s <= 0) end\n"
                                    "if limit >= 0 and not fits(sum) then\n"
                                    "  local left = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')\n"
                                    "  for i = 1, #left, 2 do\n"
                                    "    sum = sum - amount(left[i])\n"
                                    "    if fits(sum) then return math.max(1, tonumber(left[i + 1]) + win - now) end\n"
                                    "  end\n"
                                    "  return win\n"
                                    "end\n"
                                    "if amt ~= 0 then\n"
                                    "  local seq = redis.call('INCR', KEYS[3])\n"
                                    "  redis.call('ZADD', KEYS[1], now, seq .. ':' .. amt)\n"
                                    "  redis.call('INCRBY', KEYS[2], amt)\n"
                                    "end\n"
                                    "redis.call('PEXPIRE', KEYS[1], win + 1000)\n"
                                    "redis.call('PEXPIRE', KEYS[2], win + 1000)\n"
                                    "redis.call('PEXPIRE', KEYS[3], win + 1000)\n"
                                    "return 0\n";

/* A cooldown only grows: KEYS = mark; ARGV = ms. */
static const char cooldown_script[] = "local ms = tonumber(ARGV[1])\n"
                                      "if ms > 0 and redis.call('PTTL', KEYS[1]) < ms then\n"
                                      "  redis.call('SET', KEYS[1], '1', 'PX', ms)\n"
                                      "end\n"
                                      "return 0\n";

/* Counters: KEYS = counter; ARGV = delta. A counter left by a process that
 * died goes away after ten minutes without updates; one back at 0 goes at
 * once. */
static const char counter_script[] = "local v = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
                                     "if v == 0 then redis.call('DEL', KEYS[1])\n"
                                     "else redis.call('PEXPIRE', KEYS[1], 600000) end\n"
                                     "return v\n";

enum { S_WINDOW, S_COOLDOWN, S_COUNTER, S_COUNT };
static const char *const scripts[S_COUNT] = {window_script, cooldown_script, counter_script};

typedef struct rconn {
	redisContext *ctx;
	struct rconn *next;
} rconn;

typedef struct rstore {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	rconn *idle;
	size_t open, pool_max;
	double retry_at;    /* down until then (llmk__now_ms()); 0 = up */
	int64_t backoff_ms; /* the next backoff */
	char sha[S_COUNT][41];
	/* From the URL. */
	char host[256];
	int port, db;
	char *user;     /* heap */
	char *password; /* guarded memory */
	char prefix[PREFIX_MAX + 1];
	int64_t timeout_ms, connect_timeout_ms;
} rstore;

static struct timeval tv_of(int64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	return tv;
}

/* One command on a connection: the reply, or NULL when the connection is
 * broken (closed, timed out). hiredis writes with write(): to a server that
 * went away that raises SIGPIPE, which would end the program. So SIGPIPE is
 * blocked on this thread for the call and one it raised is taken back
 * (the way libcurl and libpq keep a library's writes from killing their
 * host), leaving the program's own handling of the signal alone. */
static redisReply *run(redisContext *ctx, int argc, const char **argv, const size_t *lens)
{
	sigset_t pipe_only, old, pending;
	struct timespec zero = {0, 0};
	int was_pending;
	redisReply *r;

	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
	r = redisCommandArgv(ctx, argc, argv, lens);
	if (!was_pending) {
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE) == 1)
			sigtimedwait(&pipe_only, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (!r || ctx->err) {
		if (r)
			freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* A fresh connection: connected, authenticated, database selected, scripts
 * loaded (their SHA1s noted). NULL on any failure. */
static redisContext *dial(rstore *s)
{
	redisContext *ctx = redisConnectWithTimeout(s->host, s->port, tv_of(s->connect_timeout_ms));
	redisReply *r;
	const char *argv[3];
	size_t lens[3];
	char db[16];
	int i, ok = 1;

	if (!ctx || ctx->err || redisSetTimeout(ctx, tv_of(s->timeout_ms)) != REDIS_OK)
		goto fail;
	redisEnableKeepAlive(ctx);
	if (s->password) {
		i = 0;
		argv[i] = "AUTH", lens[i++] = 4;
		if (s->user)
			argv[i] = s->user, lens[i] = strlen(s->user), i++;
		argv[i] = s->password, lens[i] = strlen(s->password), i++;
		r = run(ctx, i, argv, lens);
		ok = r && r->type == REDIS_REPLY_STATUS;
		if (r)
			freeReplyObject(r);
		if (!ok)
			goto fail;
	}
	if (s->db) {
		snprintf(db, sizeof(db), "%d", s->db);
		argv[0] = "SELECT", lens[0] = 6;
		argv[1] = db, lens[1] = strlen(db);
		r = run(ctx, 2, argv, lens);
		ok = r && r->type == REDIS_REPLY_STATUS;
		if (r)
			freeReplyObject(r);
		if (!ok)
			goto fail;
	}
	for (i = 0; i < S_COUNT; i++) {
		argv[0] = "SCRIPT", lens[0] = 6;
		argv[1] = "LOAD", lens[1] = 4;
		argv[2] = scripts[i], lens[2] = strlen(scripts[i]);
		r = run(ctx, 3, argv, lens);
		ok = r && r->type == REDIS_REPLY_STRING && r->len == 40;
		if (ok) {
			pthread_mutex_lock(&s->mu);
			memcpy(s->sha[i], r->str, 40);
			s->sha[i][40] = '\0';
			pthread_mutex_unlock(&s->mu);
		}
		if (r)
			freeReplyObject(r);
		if (!ok)
			goto fail;
	}
	return ctx;
fail:
	if (ctx)
		redisFree(ctx);
	return NULL;
}

/* Called with the lock held: the server is down for the backoff. */
static void mark_down(rstore *s)
{
	rconn *c;

	s->retry_at = llmk__now_ms() + (double)s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
	while ((c = s->idle)) { /* the same server: they would fail too */
		s->idle = c->next;
		redisFree(c->ctx);
		llmk__free(c);
		s->open--;
	}
	pthread_cond_broadcast(&s->cv);
}

/* A connection for one call; NULL (and *st) when the server is down,
 * cannot be reached, or every connection stayed busy for the timeout. */
static rconn *get(rstore *s, int32_t *st)
{
	rconn *c = NULL;
	struct timespec until;
	double now = llmk__now_ms();

	pthread_mutex_lock(&s->mu);
	if (s->retry_at > now) {
		pthread_mutex_unlock(&s->mu);
		*st = LLMK_E_TRANSPORT;
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(s->timeout_ms / 1000);
	until.tv_nsec += (long)(s->timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!s->idle && s->open >= s->pool_max && s->retry_at <= llmk__now_ms())
		if (pthread_cond_timedwait(&s->cv, &s->mu, &until)) {
			pthread_mutex_unlock(&s->mu);
			*st = LLMK_E_TIMEOUT;
			return NULL;
		}
	if (s->idle) {
		c = s->idle;
		s->idle = c->next;
		pthread_mutex_unlock(&s->mu);
		return c;
	}
	if (s->retry_at > llmk__now_ms()) {
		pthread_mutex_unlock(&s->mu);
		*st = LLMK_E_TRANSPORT;
		return NULL;
	}
	s->open++;
	pthread_mutex_unlock(&s->mu);
	c = llmk__calloc(1, sizeof(*c));
	if (c && !(c->ctx = dial(s))) {
		llmk__free(c);
		c = NULL;
		*st = LLMK_E_TRANSPORT;
	} else if (!c) {
		*st = LLMK_E_NOMEM;
	}
	if (!c) {
		pthread_mutex_lock(&s->mu);
		s->open--;
		if (*st == LLMK_E_TRANSPORT)
			mark_down(s);
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	return c;
}

/* Gives a connection back: kept when it worked, else closed and the server
 * marked down. */
static void put(rstore *s, rconn *c, int ok)
{
	pthread_mutex_lock(&s->mu);
	if (ok) {
		c->next = s->idle;
		s->idle = c;
		s->retry_at = 0;
		s->backoff_ms = BACKOFF_MIN_MS;
	} else {
		redisFree(c->ctx);
		llmk__free(c);
		s->open--;
		mark_down(s);
	}
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* The prefixed key (with a hash tag and a suffix for a window's parts). */
static int32_t full_key(const rstore *s, const char *key, const char *suffix, char *out, size_t cap)
{
	size_t n = 0;
	int w;

	if (!key)
		return LLMK_E_INVALID_ARG;
	for (; key[n]; n++)
		if ((unsigned char)key[n] <= 0x20 || (unsigned char)key[n] >= 0x7f)
			return LLMK_E_INVALID_ARG;
	if (!n || n > KEY_MAX)
		return LLMK_E_INVALID_ARG;
	w = suffix ? snprintf(out, cap, "%s{%s}%s", s->prefix, key, suffix)
	           : snprintf(out, cap, "%s%s", s->prefix, key);
	return w > 0 && (size_t)w < cap ? LLMK_OK : LLMK_E_INVALID_ARG;
}

/* Runs script `which` (EVALSHA; EVAL when the server answers NOSCRIPT)
 * and gives its integer answer. */
static int32_t script(rstore *s, int which, int nkeys, const char *const *keys, int nargs, const char *const *args,
                      long long *out)
{
	const char *argv[12];
	size_t lens[12];
	char sha[41], nk[8];
	redisReply *r;
	rconn *c;
	int32_t st = LLMK_OK;
	int argc = 0, i, attempt;

	if (!(c = get(s, &st)))
		return st;
	pthread_mutex_lock(&s->mu);
	memcpy(sha, s->sha[which], sizeof(sha));
	pthread_mutex_unlock(&s->mu);
	snprintf(nk, sizeof(nk), "%d", nkeys);
	for (attempt = 0; attempt < 2; attempt++) {
		argc = 0;
		argv[argc] = attempt ? "EVAL" : "EVALSHA", lens[argc] = attempt ? 4 : 7, argc++;
		argv[argc] = attempt ? scripts[which] : sha, lens[argc] = strlen(argv[argc]), argc++;
		argv[argc] = nk, lens[argc] = strlen(nk), argc++;
		for (i = 0; i < nkeys; i++)
			argv[argc] = keys[i], lens[argc] = strlen(keys[i]), argc++;
		for (i = 0; i < nargs; i++)
			argv[argc] = args[i], lens[argc] = strlen(args[i]), argc++;
		r = run(c->ctx, argc, argv, lens);
		if (!r) {
			put(s, c, 0);
			return LLMK_E_TRANSPORT;
		}
		if (r->type == REDIS_REPLY_ERROR && !attempt && !strncmp(r->str, "NOSCRIPT", 8)) {
			freeReplyObject(r);
			continue;
		}
		if (r->type == REDIS_REPLY_INTEGER)
			*out = r->integer;
		else
			st = LLMK_E_SERVER;
		freeReplyObject(r);
		break;
	}
	put(s, c, st == LLMK_OK);
	return st;
}

/* One plain command; the reply goes to `use` (when it is not an error). */
static int32_t command(rstore *s, int argc, const char **argv, const size_t *lens,
                       int32_t (*use)(const redisReply *r, void *ctx), void *ctx)
{
	redisReply *r;
	rconn *c;
	int32_t st = LLMK_OK;

	if (!(c = get(s, &st)))
		return st;
	r = run(c->ctx, argc, argv, lens);
	if (!r) {
		put(s, c, 0);
		return LLMK_E_TRANSPORT;
	}
	st = r->type == REDIS_REPLY_ERROR ? LLMK_E_SERVER : use(r, ctx);
	freeReplyObject(r);
	/* An answer the callback refused is not the server's fault. */
	put(s, c, st != LLMK_E_SERVER);
	return st;
}

static int32_t cooldown_set(void *user, const char *key, int64_t ms)
{
	rstore *s = user;
	char k[KEY_MAX + PREFIX_MAX + 16], a[24];
	const char *keys[1] = {k}, *args[1] = {a};
	long long v;
	int32_t st;

	if (ms < 0)
		return LLMK_E_INVALID_ARG;
	if ((st = full_key(s, key, NULL, k, sizeof(k))))
		return st;
	snprintf(a, sizeof(a), "%lld", (long long)ms);
	return script(s, S_COOLDOWN, 1, keys, 1, args, &v);
}

static int32_t take_pttl(const redisReply *r, void *ctx)
{
	if (r->type != REDIS_REPLY_INTEGER)
		return LLMK_E_SERVER;
	*(int64_t *)ctx = r->integer > 0 ? (int64_t)r->integer : 0;
	return LLMK_OK;
}

static int32_t cooldown_get(void *user, const char *key, int64_t *left_ms)
{
	rstore *s = user;
	char k[KEY_MAX + PREFIX_MAX + 16];
	const char *argv[2] = {"PTTL", k};
	size_t lens[2];
	int32_t st;

	if (!left_ms || (st = full_key(s, key, NULL, k, sizeof(k))))
		return left_ms ? st : LLMK_E_INVALID_ARG;
	*left_ms = 0;
	lens[0] = 4;
	lens[1] = strlen(k);
	return command(s, 2, argv, lens, take_pttl, left_ms);
}

static int32_t counter_add(void *user, const char *key, int64_t delta, int64_t *value)
{
	rstore *s = user;
	char k[KEY_MAX + PREFIX_MAX + 16], a[24];
	const char *keys[1] = {k}, *args[1] = {a};
	long long v = 0;
	int32_t st;

	if ((st = full_key(s, key, NULL, k, sizeof(k))))
		return st;
	snprintf(a, sizeof(a), "%lld", (long long)delta);
	st = script(s, S_COUNTER, 1, keys, 1, args, &v);
	if (value)
		*value = st == LLMK_OK ? (int64_t)v : 0;
	return st;
}

static int32_t window(rstore *s, const char *key, int64_t window_ms, int64_t limit, int64_t amount, int64_t *wait)
{
	char z[KEY_MAX + PREFIX_MAX + 16], sum[sizeof(z)], seq[sizeof(z)], a[3][24];
	const char *keys[3] = {z, sum, seq}, *args[3] = {a[0], a[1], a[2]};
	long long v = 0;
	int32_t st;

	if ((st = full_key(s, key, ":z", z, sizeof(z))) || (st = full_key(s, key, ":s", sum, sizeof(sum))) ||
	    (st = full_key(s, key, ":q", seq, sizeof(seq))))
		return st;
	snprintf(a[0], sizeof(a[0]), "%lld", (long long)window_ms);
	snprintf(a[1], sizeof(a[1]), "%lld", (long long)limit);
	snprintf(a[2], sizeof(a[2]), "%lld", (long long)amount);
	st = script(s, S_WINDOW, 3, keys, 3, args, &v);
	if (wait)
		*wait = st == LLMK_OK && v > 0 ? (int64_t)v : 0;
	return st;
}

static int32_t window_take(void *user, const char *key, int64_t window_ms, int64_t limit, int64_t amount,
                           int64_t *wait_ms)
{
	if (window_ms <= 0 || limit < 0 || amount < 0 || !wait_ms)
		return LLMK_E_INVALID_ARG;
	*wait_ms = 0;
	return window(user, key, window_ms, limit, amount, wait_ms);
}

static int32_t window_add(void *user, const char *key, int64_t window_ms, int64_t amount)
{
	if (window_ms <= 0)
		return LLMK_E_INVALID_ARG;
	return window(user, key, window_ms, -1, amount, NULL);
}

typedef struct kv_ctx {
	int32_t (*take)(void *ctx, const uint8_t *data, size_t len);
	void *ctx;
} kv_ctx;

static int32_t take_value(const redisReply *r, void *ctx)
{
	kv_ctx *k = ctx;

	if (r->type == REDIS_REPLY_NIL)
		return LLMK_E_NOT_FOUND;
	if (r->type != REDIS_REPLY_STRING)
		return LLMK_E_SERVER;
	return k->take(k->ctx, (const uint8_t *)r->str, r->len);
}

static int32_t kv_get(void *user, const char *key, int32_t (*take)(void *ctx, const uint8_t *data, size_t len),
                      void *ctx)
{
	rstore *s = user;
	char k[KEY_MAX + PREFIX_MAX + 16];
	const char *argv[2] = {"GET", k};
	size_t lens[2];
	kv_ctx kc = {take, ctx};
	int32_t st;

	if (!take || (st = full_key(s, key, NULL, k, sizeof(k))))
		return take ? st : LLMK_E_INVALID_ARG;
	lens[0] = 3;
	lens[1] = strlen(k);
	return command(s, 2, argv, lens, take_value, &kc);
}

static int32_t check_ok(const redisReply *r, void *ctx)
{
	(void)ctx;
	return r->type == REDIS_REPLY_STATUS ? LLMK_OK : LLMK_E_SERVER;
}

static int32_t kv_put(void *user, const char *key, const uint8_t *data, size_t len, int64_t ttl_ms)
{
	rstore *s = user;
	char k[KEY_MAX + PREFIX_MAX + 16], ttl[24];
	const char *argv[5] = {"SET", k, (const char *)data, "PX", ttl};
	size_t lens[5];
	int32_t st;

	if ((!data && len) || ttl_ms < 0 || (st = full_key(s, key, NULL, k, sizeof(k))))
		return (!data && len) || ttl_ms < 0 ? LLMK_E_INVALID_ARG : st;
	if (!data)
		argv[2] = "";
	snprintf(ttl, sizeof(ttl), "%lld", (long long)ttl_ms);
	lens[0] = 3;
	lens[1] = strlen(k);
	lens[2] = len;
	lens[3] = 2;
	lens[4] = strlen(ttl);
	return command(s, ttl_ms ? 5 : 3, argv, lens, check_ok, NULL);
}

static void close_store(void *user)
{
	rstore *s = user;
	rconn *c;

	if (!s)
		return;
	while ((c = s->idle)) {
		s->idle = c->next;
		redisFree(c->ctx);
		llmk__free(c);
	}
	llmk__free_wiped(s->user);
	llmk__secret_free(&s->password);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	llmk__free(s);
}

llmk_status llmk_store_new_redis(const char *url, llmk_store **out)
{
	llmk__redis_url u;
	rstore *s;
	llmk_store *t;
	llmk_status st;
	int32_t ignored;
	rconn *c;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	if (sodium_init() < 0) /* the password's guarded memory; idempotent */
		return LLMK_E_NOMEM;
	if ((st = llmk__redis_url_parse(url, &u)) != LLMK_OK || u.tls) {
		/* hiredis 0.14 (Debian 12) has no TLS: rediss:// cannot be kept. */
		llmk__redis_url_clear(&u);
		return st != LLMK_OK ? st : LLMK_E_UNSUPPORTED;
	}
	s = llmk__calloc(1, sizeof(*s));
	if (!s || pthread_mutex_init(&s->mu, NULL)) {
		llmk__free(s);
		llmk__redis_url_clear(&u);
		return LLMK_E_NOMEM;
	}
	pthread_cond_init(&s->cv, NULL);
	snprintf(s->host, sizeof(s->host), "%s", u.host);
	s->port = u.port;
	s->db = u.db;
	snprintf(s->prefix, sizeof(s->prefix), "%s", u.prefix);
	s->timeout_ms = u.timeout_ms;
	s->connect_timeout_ms = u.connect_timeout_ms;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->pool_max = (size_t)u.pool;
	s->user = u.user;
	u.user = NULL;
	st = u.password ? llmk__secret_set(&s->password, u.password) : LLMK_OK;
	llmk__redis_url_clear(&u);
	t = st == LLMK_OK ? llmk__store_new(s) : NULL;
	if (!t) {
		close_store(s);
		return LLMK_E_NOMEM;
	}
	t->cooldown_set = cooldown_set;
	t->cooldown_get = cooldown_get;
	t->counter_add = counter_add;
	t->window_take = window_take;
	t->window_add = window_add;
	t->kv_get = kv_get;
	t->kv_put = kv_put;
	t->close = close_store;
	/* The first connection now, so the first request does not pay for it;
	 * a server that is down now is not an error (the calls fail over to
	 * local state until it is up). */
	if ((c = get(s, &ignored)))
		put(s, c, 1);
	*out = t;
	return LLMK_OK;
}
