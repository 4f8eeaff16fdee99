/* The Redis store's connection pool against one shared connection
 * (docs/PERFORMANCE.md, "Shared state"): T threads each run N window_take
 * calls (the rate limiter's call) on one store, whose URL sets the pool
 * size; prints calls per second for each pool size, and the ratios to
 * pool=1 measured in the same run.
 *
 *   store_pool redis://127.0.0.1:PORT [threads] [calls per thread]
 *
 * Needs a running redis-server (bench/run does not start one: run it by
 * hand, as docs/PERFORMANCE.md shows). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llmkit.h"

typedef struct job {
	llmk_store *s;
	int n, id, failed;
} job;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	job *j = arg;
	char key[64];
	int64_t wait;

	snprintf(key, sizeof(key), "bench:%d", j->id % 4);
	for (int i = 0; i < j->n; i++)
		if (j->s->window_take(j->s->user, key, 60000, 1000000000, 1, &wait) != LLMK_OK)
			j->failed++;
	return NULL;
}

static double measure(const char *base, int pool, int threads, int n)
{
	char url[512];
	llmk_store *s;
	pthread_t t[64];
	job j[64];
	double t0;
	int failed = 0;

	snprintf(url, sizeof(url), "%s%cpool=%d&prefix=bench%d:", base, strchr(base, '?') ? '&' : '?', pool, pool);
	if (llmk_store_new_redis(url, &s) != LLMK_OK)
		return -1;
	t0 = now_s();
	for (int i = 0; i < threads; i++) {
		j[i] = (job){s, n, i, 0};
		pthread_create(&t[i], NULL, run, &j[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		failed += j[i].failed;
	}
	t0 = now_s() - t0;
	llmk_store_free(s);
	if (failed)
		fprintf(stderr, "pool=%d: %d calls failed\n", pool, failed);
	return failed ? -1 : (double)threads * n / t0;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[2]) : 4, n = argc > 3 ? atoi(argv[3]) : 5000;
	static const int pools[] = {1, 2, 4, 8};
	double base = 0, r;

	if (argc < 2 || threads < 1 || threads > 64 || n < 1) {
		fprintf(stderr, "usage: store_pool redis://HOST:PORT [threads 1..64] [calls per thread]\n");
		return 2;
	}
	printf("threads %d, %d window_take calls each\n", threads, n);
	if (measure(argv[1], 1, threads, n) < 0) /* warm-up (server and client), not counted */
		return 1;
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		if ((r = measure(argv[1], pools[i], threads, n)) < 0)
			return 1;
		if (!base)
			base = r;
		printf("pool=%d  %8.0f calls/s  x%.2f of pool=1\n", pools[i], r, r / base);
	}
	return 0;
}
