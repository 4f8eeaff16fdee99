/* See json.h. */
#include "core/json.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/alloc.h"

static __thread int parsing;

/* Blocks malloc() served while the program's allocator was failing. Rare
 * (one per refused allocation inside a parse), so a plain list under a
 * mutex; the count lets json_free skip the lock in the normal case. */
static pthread_mutex_t rescue_lock = PTHREAD_MUTEX_INITIALIZER;
static void **rescued;
static size_t nrescued, caprescued;
static size_t rescued_count; /* atomic mirror of nrescued */

static int rescue_add(void *p)
{
	void **grown;
	int rc = 0;

	pthread_mutex_lock(&rescue_lock);
	if (nrescued == caprescued) {
		grown = realloc(rescued, (caprescued ? caprescued * 2 : 16) * sizeof(*rescued));
		if (grown) {
			rescued = grown;
			caprescued = caprescued ? caprescued * 2 : 16;
		}
	}
	if (nrescued < caprescued) {
		rescued[nrescued++] = p;
		__atomic_store_n(&rescued_count, nrescued, __ATOMIC_RELEASE);
	} else {
		rc = -1;
	}
	pthread_mutex_unlock(&rescue_lock);
	return rc;
}

static int rescue_take(void *p)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&rescue_lock);
	for (i = nrescued; i-- > 0;) {
		if (rescued[i] == p) {
			rescued[i] = rescued[--nrescued];
			__atomic_store_n(&rescued_count, nrescued, __ATOMIC_RELEASE);
			found = 1;
			break;
		}
	}
	if (!nrescued) {
		free(rescued);
		rescued = NULL;
		caprescued = 0;
	}
	pthread_mutex_unlock(&rescue_lock);
	return found;
}

static void *json_alloc(size_t n)
{
	void *p = llmk__malloc(n); /* a failure is on record for the operation */

	if (p || !parsing || llmk__alloc_is_default())
		return p;
	p = malloc(n ? n : 1);
	if (p && rescue_add(p)) {
		free(p);
		p = NULL;
	}
	return p;
}

static void json_free(void *p)
{
	if (!p)
		return;
	if (__atomic_load_n(&rescued_count, __ATOMIC_ACQUIRE) && rescue_take(p)) {
		free(p);
		return;
	}
	llmk__free(p);
}

void llmk__json_setup(void)
{
	json_set_alloc_funcs(json_alloc, json_free);
}

json_t *llmk__json_loadb(const char *data, size_t len, size_t flags, json_error_t *err)
{
	json_t *j;

	parsing++;
	j = json_loadb(data ? data : "", len, flags, err);
	parsing--;
	return j;
}

json_t *llmk__json_loads(const char *text, size_t flags, json_error_t *err)
{
	json_t *j;

	parsing++;
	j = json_loads(text, flags, err);
	parsing--;
	return j;
}
