/* The in-memory store (llmk_store_new_memory()): key/value pairs with a
 * time to live, in least-recently-used order within a byte budget, for the
 * response cache of one process. One mutex guards everything: an operation
 * is a hash lookup and a few pointer moves, and the value is copied by the
 * caller's `take` while the lock is held, so no entry can be freed under
 * it. Keys are hashed with SipHash (libsodium's crypto_shorthash) under a
 * random key, so no one choosing keys can make a chain long. */
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "llmkit.h"
#include "store.h"

/* Counted per entry besides its key and value: the entry itself and a
 * bucket's share, so a budget of many tiny values still bounds memory. */
#define ENTRY_OVERHEAD 96

typedef struct entry {
	struct entry *chain;       /* next in the bucket */
	struct entry *prev, *next; /* LRU list: head is the most recent */
	uint64_t hash;
	double expires; /* llmk__now_ms() time, 0 = never */
	size_t klen, vlen;
	char *key;    /* klen + 1 bytes */
	uint8_t *val; /* vlen bytes (NULL when 0) */
} entry;

typedef struct lru {
	pthread_mutex_t mu;
	entry **buckets;
	size_t nbuckets, count;
	entry *head, *tail;
	size_t bytes, max;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
} lru;

static uint64_t hash_of(const lru *m, const char *key, size_t n)
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t h = 0;
	int i;

	crypto_shorthash(out, (const uint8_t *)key, n, m->hkey);
	for (i = 0; i < 8; i++)
		h |= (uint64_t)out[i] << (8 * i);
	return h;
}

static size_t cost(const entry *e)
{
	return e->klen + e->vlen + ENTRY_OVERHEAD;
}

static void list_unlink(lru *m, entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		m->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		m->tail = e->prev;
	e->prev = e->next = NULL;
}

static void list_push(lru *m, entry *e)
{
	e->prev = NULL;
	e->next = m->head;
	if (m->head)
		m->head->prev = e;
	m->head = e;
	if (!m->tail)
		m->tail = e;
}

static entry **find(lru *m, const char *key, size_t n, uint64_t h)
{
	entry **pp = &m->buckets[h & (m->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->chain)
		if ((*pp)->hash == h && (*pp)->klen == n && !memcmp((*pp)->key, key, n))
			return pp;
	return pp;
}

static void drop(lru *m, entry **pp)
{
	entry *e = *pp;

	*pp = e->chain;
	list_unlink(m, e);
	m->bytes -= cost(e);
	m->count--;
	llmk__free(e->key);
	llmk__free(e->val);
	llmk__free(e);
}

static void drop_entry(lru *m, entry *e)
{
	drop(m, find(m, e->key, e->klen, e->hash));
}

/* Doubles the bucket array when the table is full; a failure leaves the
 * chains longer, nothing worse. */
static void grow(lru *m)
{
	size_t n = m->nbuckets * 2, i;
	entry **b, *e, *next;

	if (m->count < m->nbuckets || n > ((size_t)1 << 30) || !(b = llmk__calloc(n, sizeof(*b))))
		return;
	for (i = 0; i < m->nbuckets; i++)
		for (e = m->buckets[i]; e; e = next) {
			next = e->chain;
			e->chain = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	llmk__free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
}

static int32_t lru_get(void *user, const char *key, int32_t (*take)(void *ctx, const uint8_t *data, size_t len),
                       void *ctx)
{
	lru *m = user;
	size_t n;
	entry **pp;
	int32_t st = LLMK_E_NOT_FOUND;

	if (!key || !take)
		return LLMK_E_INVALID_ARG;
	n = strlen(key);
	pthread_mutex_lock(&m->mu);
	pp = find(m, key, n, hash_of(m, key, n));
	if (*pp && (*pp)->expires && (*pp)->expires <= llmk__now_ms()) {
		drop(m, pp);
	} else if (*pp) {
		list_unlink(m, *pp);
		list_push(m, *pp);
		st = take(ctx, (*pp)->val ? (*pp)->val : (const uint8_t *)"", (*pp)->vlen);
	}
	pthread_mutex_unlock(&m->mu);
	return st;
}

static int32_t lru_put(void *user, const char *key, const uint8_t *data, size_t len, int64_t ttl_ms)
{
	lru *m = user;
	entry *e, **pp;
	size_t n;

	if (!key || (!data && len) || ttl_ms < 0)
		return LLMK_E_INVALID_ARG;
	n = strlen(key);
	if (m->max < ENTRY_OVERHEAD || n > m->max - ENTRY_OVERHEAD || len > m->max - ENTRY_OVERHEAD - n)
		return LLMK_E_TOO_LARGE;
	if (!(e = llmk__calloc(1, sizeof(*e))) || !(e->key = llmk__strndup(key, n)) ||
	    (len && !(e->val = llmk__malloc(len)))) {
		if (e)
			llmk__free(e->key);
		llmk__free(e);
		return LLMK_E_NOMEM;
	}
	if (len)
		memcpy(e->val, data, len);
	e->klen = n;
	e->vlen = len;
	e->expires = ttl_ms ? llmk__now_ms() + (double)ttl_ms : 0;
	pthread_mutex_lock(&m->mu);
	e->hash = hash_of(m, key, n);
	pp = find(m, key, n, e->hash);
	if (*pp)
		drop(m, pp);
	while (m->tail && m->bytes + cost(e) > m->max)
		drop_entry(m, m->tail);
	grow(m);
	pp = &m->buckets[e->hash & (m->nbuckets - 1)];
	e->chain = *pp;
	*pp = e;
	list_push(m, e);
	m->bytes += cost(e);
	m->count++;
	pthread_mutex_unlock(&m->mu);
	return LLMK_OK;
}

static void lru_close(void *user)
{
	lru *m = user;

	if (!m)
		return;
	while (m->head)
		drop_entry(m, m->head);
	llmk__free(m->buckets);
	pthread_mutex_destroy(&m->mu);
	llmk__free(m);
}

llmk_status llmk_store_new_memory(int64_t max_bytes, llmk_store **out)
{
	lru *m;
	llmk_store *s;

	if (out)
		*out = NULL;
	if (!out || max_bytes < 1)
		return LLMK_E_INVALID_ARG;
	if (sodium_init() < 0)
		return LLMK_E_NOMEM;
	if (!(m = llmk__calloc(1, sizeof(*m))))
		return LLMK_E_NOMEM;
	m->nbuckets = 64;
	m->max = (uint64_t)max_bytes > SIZE_MAX ? SIZE_MAX : (size_t)max_bytes;
	randombytes_buf(m->hkey, sizeof(m->hkey));
	if (!(m->buckets = llmk__calloc(m->nbuckets, sizeof(*m->buckets))) || pthread_mutex_init(&m->mu, NULL)) {
		llmk__free(m->buckets);
		llmk__free(m);
		return LLMK_E_NOMEM;
	}
	if (!(s = llmk__store_new(m))) {
		lru_close(m);
		return LLMK_E_NOMEM;
	}
	s->kv_get = lru_get;
	s->kv_put = lru_put;
	s->close = lru_close;
	*out = s;
	return LLMK_OK;
}
