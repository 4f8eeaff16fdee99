/* The SQLite store (llmk_store_new_sqlite()): key/value pairs with an
 * expiry in one table of a database file, the response cache's embedded
 * default for one machine. SQLite (Debian's libsqlite3) rather than a file
 * format of our own: it already gives what several processes sharing one
 * file need -- atomic replacement, locking, recovery after a crash -- and
 * its write-ahead log lets readers go on while one process writes.
 *
 * One connection per store, guarded by a mutex (statements are prepared
 * once and reused). Expiry is wall-clock Unix time in ms, the one clock
 * every process on the machine shares; an expired row is never returned,
 * and rows expired are deleted at open and every PURGE_EVERY puts. Errors
 * map to statuses the cache logs: a damaged database answers
 * LLMK_E_PROTOCOL, a lock held too long LLMK_E_TIMEOUT. */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "alloc.h"
#include "llmkit.h"
#include "store.h"

#define BUSY_TIMEOUT_MS 5000
#define PURGE_EVERY 128

typedef struct sq {
	pthread_mutex_t mu;
	sqlite3 *db;
	sqlite3_stmt *get, *put, *purge;
	unsigned puts;
} sq;

static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int32_t status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW: return LLMK_OK;
	case SQLITE_NOMEM: return LLMK_E_NOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return LLMK_E_TIMEOUT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT:
	case SQLITE_SCHEMA:
	case SQLITE_MISMATCH: return LLMK_E_PROTOCOL;
	case SQLITE_FULL:
	case SQLITE_TOOBIG: return LLMK_E_TOO_LARGE;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH: return LLMK_E_CONFIG;
	default: return LLMK_E_TRANSPORT;
	}
}

static int32_t sq_get(void *user, const char *key, int32_t (*take)(void *ctx, const uint8_t *data, size_t len),
                      void *ctx)
{
	sq *s = user;
	int rc;
	int32_t st;

	if (!key || !take)
		return LLMK_E_INVALID_ARG;
	pthread_mutex_lock(&s->mu);
	sqlite3_bind_text(s->get, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->get, 2, unix_ms());
	rc = sqlite3_step(s->get);
	if (rc == SQLITE_ROW) {
		const void *v = sqlite3_column_blob(s->get, 0);
		int n = sqlite3_column_bytes(s->get, 0);
		/* NULL with n == 0 is an empty value; NULL otherwise is no memory */
		st = v || !n ? take(ctx, v ? v : (const void *)"", (size_t)n) : LLMK_E_NOMEM;
	} else {
		st = rc == SQLITE_DONE ? LLMK_E_NOT_FOUND : status_of(rc);
	}
	sqlite3_reset(s->get);
	sqlite3_clear_bindings(s->get);
	pthread_mutex_unlock(&s->mu);
	return st;
}

static int32_t sq_put(void *user, const char *key, const uint8_t *data, size_t len, int64_t ttl_ms)
{
	sq *s = user;
	int64_t now = unix_ms();
	int rc;

	if (!key || (!data && len) || ttl_ms < 0)
		return LLMK_E_INVALID_ARG;
	if (len > INT32_MAX)
		return LLMK_E_TOO_LARGE;
	pthread_mutex_lock(&s->mu);
	sqlite3_bind_text(s->put, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->put, 2, len ? (const void *)data : "", (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s->put, 3, ttl_ms ? now + ttl_ms : 0);
	rc = sqlite3_step(s->put);
	sqlite3_reset(s->put);
	sqlite3_clear_bindings(s->put);
	if (rc == SQLITE_DONE && ++s->puts % PURGE_EVERY == 0) {
		sqlite3_bind_int64(s->purge, 1, now);
		sqlite3_step(s->purge); /* best effort: the next purge tries again */
		sqlite3_reset(s->purge);
	}
	pthread_mutex_unlock(&s->mu);
	return status_of(rc);
}

static void sq_close(void *user)
{
	sq *s = user;

	if (!s)
		return;
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->purge);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->mu);
	llmk__free(s);
}

/* Runs sql, waiting out a lock another process holds while it sets the
 * file up (the busy handler does not cover every case of it, e.g. a
 * switch to WAL racing with another opener). */
static int exec_retry(sqlite3 *db, const char *sql)
{
	struct timespec ts = {0, 20 * 1000000L};
	int rc, i;

	for (i = 0; i < 250; i++) {
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return rc;
		nanosleep(&ts, NULL);
	}
	return rc;
}

static const char schema[] = "CREATE TABLE IF NOT EXISTS llmk_kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL, "
                             "expires_ms INTEGER NOT NULL) WITHOUT ROWID;"
                             "CREATE INDEX IF NOT EXISTS llmk_kv_expires ON llmk_kv (expires_ms) WHERE expires_ms > 0;";

static int open_db(sq *s, const char *path)
{
	int rc;

	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 0);
	if ((rc = exec_retry(s->db, "PRAGMA journal_mode=WAL;")) != SQLITE_OK ||
	    (rc = exec_retry(s->db, "PRAGMA synchronous=NORMAL;")) != SQLITE_OK ||
	    (rc = exec_retry(s->db, schema)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_prepare_v3(s->db,
	                             "SELECT value FROM llmk_kv WHERE key = ?1 AND (expires_ms = 0 OR expires_ms > ?2)",
	                             -1, SQLITE_PREPARE_PERSISTENT, &s->get, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v3(s->db,
	                             "INSERT OR REPLACE INTO llmk_kv (key, value, expires_ms) VALUES (?1, ?2, ?3)", -1,
	                             SQLITE_PREPARE_PERSISTENT, &s->put, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v3(s->db, "DELETE FROM llmk_kv WHERE expires_ms > 0 AND expires_ms <= ?1", -1,
	                             SQLITE_PREPARE_PERSISTENT, &s->purge, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s->purge, 1, unix_ms());
	sqlite3_step(s->purge);
	sqlite3_reset(s->purge);
	return SQLITE_OK;
}

llmk_status llmk_store_new_sqlite(const char *path, llmk_store **out)
{
	sq *s;
	llmk_store *t;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !path || !*path)
		return LLMK_E_INVALID_ARG;
	if (!(s = llmk__calloc(1, sizeof(*s))))
		return LLMK_E_NOMEM;
	if (pthread_mutex_init(&s->mu, NULL)) {
		llmk__free(s);
		return LLMK_E_NOMEM;
	}
	rc = open_db(s, path);
	if (rc != SQLITE_OK) {
		sq_close(s);
		return (rc & 0xff) == SQLITE_NOMEM ? LLMK_E_NOMEM : LLMK_E_CONFIG;
	}
	if (!(t = llmk__store_new(s))) {
		sq_close(s);
		return LLMK_E_NOMEM;
	}
	t->kv_get = sq_get;
	t->kv_put = sq_put;
	t->close = sq_close;
	*out = t;
	return LLMK_OK;
}
