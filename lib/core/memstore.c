/* The in-process store: one mutex over a chained hash of keys, each a
 * cooldown (an expiry time), a counter, or a sliding window kept as a log
 * of (time, amount) entries with their running sum. A log rather than
 * fixed buckets: a window then admits exactly `limit` in any window_ms,
 * which the limits promise, and the wait it reports is exact (when the
 * oldest entries that must leave do leave). Entries past the window are
 * dropped whenever the key is touched; a key whose state is empty (a
 * cooldown over, a window emptied, a counter back at 0) is removed then
 * too, so the table holds only live state. */
#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "memstore.h"

enum { K_COOL = 1, K_COUNT, K_WIN };

typedef struct wentry {
	double t;
	int64_t amount;
} wentry;

typedef struct mkey {
	struct mkey *next;
	uint64_t hash;
	int kind;
	double until;  /* K_COOL */
	int64_t value; /* K_COUNT; K_WIN: the sum of the log */
	wentry *log;   /* K_WIN: a ring of cap entries, n from head */
	size_t head, n, cap;
	char key[];
} mkey;

typedef struct memstore {
	pthread_mutex_t mu;
	mkey **b;
	size_t nb, nkeys;
} memstore;

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void grow(memstore *m)
{
	size_t nb = m->nb * 2, i;
	mkey **b = llmk__calloc(nb, sizeof(*b)), *k, *next;

	if (!b)
		return; /* longer chains, still correct */
	for (i = 0; i < m->nb; i++)
		for (k = m->b[i]; k; k = next) {
			next = k->next;
			k->next = b[k->hash & (nb - 1)];
			b[k->hash & (nb - 1)] = k;
		}
	llmk__free(m->b);
	m->b = b;
	m->nb = nb;
}

/* The key's state of `kind`, created when `create`; NULL when absent (or
 * of another kind: keys of different kinds do not mix) or out of memory
 * (*st says which). */
static mkey *find(memstore *m, const char *key, int kind, int create, int32_t *st)
{
	uint64_t h = fnv(key);
	size_t len;
	mkey *k;

	*st = LLMK_OK;
	for (k = m->b[h & (m->nb - 1)]; k; k = k->next)
		if (k->hash == h && !strcmp(k->key, key)) {
			if (k->kind != kind)
				*st = LLMK_E_INVALID_ARG;
			return k->kind == kind ? k : NULL;
		}
	if (!create)
		return NULL;
	if (m->nkeys >= LLMK_MEMSTORE_MAX_KEYS) {
		*st = LLMK_E_TOO_LARGE;
		return NULL;
	}
	len = strlen(key);
	k = llmk__calloc(1, sizeof(*k) + len + 1);
	if (!k) {
		*st = LLMK_E_NOMEM;
		return NULL;
	}
	memcpy(k->key, key, len + 1);
	k->hash = h;
	k->kind = kind;
	k->next = m->b[h & (m->nb - 1)];
	m->b[h & (m->nb - 1)] = k;
	if (++m->nkeys > m->nb * 2)
		grow(m);
	return k;
}

static void drop(memstore *m, mkey *k)
{
	mkey **pp = &m->b[k->hash & (m->nb - 1)];

	while (*pp != k)
		pp = &(*pp)->next;
	*pp = k->next;
	m->nkeys--;
	llmk__free(k->log);
	llmk__free(k);
}

static int32_t valid(const char *key)
{
	size_t n = 0;

	if (!key)
		return 0;
	for (; key[n]; n++)
		if ((unsigned char)key[n] <= 0x20 || (unsigned char)key[n] >= 0x7f)
			return 0;
	return n > 0 && n <= 512;
}

static int32_t cooldown_set(void *user, const char *key, int64_t ms)
{
	memstore *m = user;
	mkey *k;
	int32_t st;
	double until;

	if (!valid(key) || ms < 0)
		return LLMK_E_INVALID_ARG;
	pthread_mutex_lock(&m->mu);
	until = llmk__now_ms() + (double)ms;
	k = find(m, key, K_COOL, 1, &st);
	if (k && until > k->until)
		k->until = until;
	pthread_mutex_unlock(&m->mu);
	return st;
}

static int32_t cooldown_get(void *user, const char *key, int64_t *left_ms)
{
	memstore *m = user;
	mkey *k;
	int32_t st;
	double left = 0;

	if (!valid(key) || !left_ms)
		return LLMK_E_INVALID_ARG;
	pthread_mutex_lock(&m->mu);
	k = find(m, key, K_COOL, 0, &st);
	if (k) {
		left = k->until - llmk__now_ms();
		if (left <= 0)
			drop(m, k);
	}
	pthread_mutex_unlock(&m->mu);
	*left_ms = left > 0 ? (int64_t)(left + 0.999) : 0;
	return st;
}

static int32_t counter_add(void *user, const char *key, int64_t delta, int64_t *value)
{
	memstore *m = user;
	mkey *k;
	int32_t st;
	int64_t v = 0;

	if (!valid(key))
		return LLMK_E_INVALID_ARG;
	pthread_mutex_lock(&m->mu);
	k = find(m, key, K_COUNT, delta != 0, &st);
	if (k) {
		k->value += delta;
		v = k->value;
		if (!v)
			drop(m, k);
	}
	pthread_mutex_unlock(&m->mu);
	if (value)
		*value = v;
	return st;
}

/* Drops the entries that left the window. */
static void expire(mkey *k, double now, int64_t window_ms)
{
	while (k->n && k->log[k->head].t <= now - (double)window_ms) {
		k->value -= k->log[k->head].amount;
		k->head = (k->head + 1) % k->cap;
		k->n--;
	}
}

static int32_t record(mkey *k, double now, int64_t amount)
{
	size_t cap;
	wentry *log;

	if (k->n == LLMK_MEMSTORE_MAX_ENTRIES) {
		k->log[(k->head + k->n - 1) % k->cap].amount += amount;
		k->value += amount;
		return LLMK_OK;
	}
	if (k->n == k->cap) {
		cap = k->cap ? k->cap * 2 : 8;
		log = llmk__malloc(cap * sizeof(*log));
		if (!log)
			return LLMK_E_NOMEM;
		for (size_t i = 0; i < k->n; i++)
			log[i] = k->log[(k->head + i) % k->cap];
		llmk__free(k->log);
		k->log = log;
		k->cap = cap;
		k->head = 0;
	}
	k->log[(k->head + k->n) % k->cap].t = now;
	k->log[(k->head + k->n) % k->cap].amount = amount;
	k->n++;
	k->value += amount;
	return LLMK_OK;
}

/* Whether `amount` fits on top of `sum` (see llmk_store.window_take). */
static int fits(int64_t sum, int64_t amount, int64_t limit)
{
	return sum + amount <= limit || (amount > limit && sum <= 0);
}

static int32_t window_take(void *user, const char *key, int64_t window_ms, int64_t limit, int64_t amount,
                           int64_t *wait_ms)
{
	memstore *m = user;
	mkey *k;
	int32_t st;
	double now, wait = 0;
	int64_t sum;
	size_t i;

	if (!valid(key) || window_ms <= 0 || limit < 0 || amount < 0 || !wait_ms)
		return LLMK_E_INVALID_ARG;
	pthread_mutex_lock(&m->mu);
	now = llmk__now_ms();
	k = find(m, key, K_WIN, 1, &st);
	if (k) {
		expire(k, now, window_ms);
		if (fits(k->value, amount, limit)) {
			st = record(k, now, amount);
		} else {
			/* Until enough of the oldest entries have left. */
			sum = k->value;
			wait = (double)window_ms;
			for (i = 0; i < k->n; i++) {
				const wentry *e = &k->log[(k->head + i) % k->cap];
				sum -= e->amount;
				if (fits(sum, amount, limit)) {
					wait = e->t + (double)window_ms - now;
					break;
				}
			}
			if (wait < 1)
				wait = 1;
		}
		if (!k->n)
			drop(m, k);
	}
	pthread_mutex_unlock(&m->mu);
	*wait_ms = (int64_t)(wait + 0.999);
	return st;
}

static int32_t window_add(void *user, const char *key, int64_t window_ms, int64_t amount)
{
	memstore *m = user;
	mkey *k;
	int32_t st;
	double now;

	if (!valid(key) || window_ms <= 0)
		return LLMK_E_INVALID_ARG;
	pthread_mutex_lock(&m->mu);
	now = llmk__now_ms();
	k = find(m, key, K_WIN, 1, &st);
	if (k) {
		expire(k, now, window_ms);
		if (amount)
			st = record(k, now, amount);
		if (!k->n)
			drop(m, k);
	}
	pthread_mutex_unlock(&m->mu);
	return st;
}

static void close_store(void *user)
{
	memstore *m = user;
	size_t i;
	mkey *k, *next;

	if (!m)
		return;
	for (i = 0; i < m->nb; i++)
		for (k = m->b[i]; k; k = next) {
			next = k->next;
			llmk__free(k->log);
			llmk__free(k);
		}
	llmk__free(m->b);
	pthread_mutex_destroy(&m->mu);
	llmk__free(m);
}

llmk_store *llmk__memstore_new(void)
{
	llmk_store *s = llmk__calloc(1, sizeof(*s));
	memstore *m = llmk__calloc(1, sizeof(*m));

	if (!s || !m || !(m->b = llmk__calloc(64, sizeof(*m->b))) || pthread_mutex_init(&m->mu, NULL)) {
		if (m)
			llmk__free(m->b);
		llmk__free(m);
		llmk__free(s);
		return NULL;
	}
	m->nb = 64;
	s->struct_size = (uint32_t)sizeof(*s);
	s->user = m;
	s->cooldown_set = cooldown_set;
	s->cooldown_get = cooldown_get;
	s->counter_add = counter_add;
	s->window_take = window_take;
	s->window_add = window_add;
	s->close = close_store;
	return s;
}

void llmk__memstore_free(llmk_store *s)
{
	if (!s)
		return;
	if (s->close)
		s->close(s->user);
	llmk__free(s);
}
