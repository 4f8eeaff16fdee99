#define _POSIX_C_SOURCE 200809L
/* Beyond one process (issue 24's checks): worker processes (this program
 * run again as `test_shared worker ...`) share one Redis store against
 * loopback deployments, with redis-server started and stopped here.
 *
 *  1. Four workers, each limited to R requests per second, sharing Redis:
 *     the server never sees more than R in any second (one window's
 *     jitter allowed: spans of SPAN ms are counted), and every request
 *     completes. Two workers use llmk_multi, two llmk_send.
 *  2. The same without Redis: each worker keeps its own counts, and the
 *     server sees the excess (so check 1 can fail).
 *  3. A deployment answers 429 to the first worker: the three others do
 *     not contact it during the cooldown (the server counts), and all four
 *     use it again after.
 *  0. Redis down when the workers start: every request completes, on
 *     local counts, with a warning each.
 *  4. Redis killed mid-run and restarted: no request fails, the workers log
 *     the outage and the return, and once it is back the limit holds
 *     across the workers again.
 *
 * Output: the counts each check saw (the numbers the docs quote). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "llmkit.h"
#include "redisd.h"

#define R 10 /* requests per second the deployment allows */
#define WORKERS 4
/* Arrivals are counted in spans this much shorter than the 1 s window: the
 * limit is kept where requests are admitted (by Redis's clock), and a
 * request's way from there to the server (a scheduler on two busy cores,
 * a sanitizer) shifts its arrival; without Redis the excess is many times
 * the limit, far above this allowance. */
#define SPAN 800
#define MAXREQ 1024

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

/* ---- the workers --------------------------------------------------------- */

static FILE *logf_;

static void to_file(int32_t level, const char *line, void *user)
{
	(void)user;
	if (level <= LLMK_LOG_WARN && logf_) {
		fprintf(logf_, "%s\n", line);
		fflush(logf_);
	}
}

static llmk_client *worker_client(const char *base, const char *redis_only_for_log)
{
	llmk_client *c;
	char url[256];

	(void)redis_only_for_log;
	if (llmk_client_new(&c, "openai/gpt-4o-mini") != LLMK_OK)
		exit(10);
	snprintf(url, sizeof(url), "%s/v1", base);
	llmk_client_set_str(c, LLMK_OPT_BASE_URL, url);
	llmk_client_set_str(c, LLMK_OPT_API_KEY, "sk-test-shared-00000000000000000000");
	llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0);
	llmk_client_set_log(c, to_file, LLMK_LOG_WARN, NULL);
	return c;
}

static int failures;

static void on_done(llmk_response *r, void *user)
{
	(void)user;
	if (llmk_response_status(r) != LLMK_OK) {
		fprintf(stderr, "worker: request failed: %s\n", llmk_response_error(r));
		failures++;
	}
	llmk_response_free(r);
}

/* worker limit ID BASE REDIS|- COUNT LOG: COUNT requests under the limit. */
static int worker_limit(int id, const char *base, llmk_store *store, int count, double until)
{
	llmk_client *c = worker_client(base, NULL);
	llmk_request *req;

	llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_RPM, R * 60);
	llmk_client_set_i64(c, LLMK_OPT_RATE_LIMIT_WINDOW_MS, 1000);
	if (store && llmk_client_set_store(c, store) != LLMK_OK)
		return 11;
	llmk_request_new(&req, LLMK_CHAT);
	llmk_request_add_message(req, LLMK_ROLE_USER, "hello from a worker");
	if (until > 0) { /* timed: as many as the limit allows until then */
		while (now_ms() < until) {
			llmk_response *r;
			if (llmk_send(c, req, &r) != LLMK_OK) {
				fprintf(stderr, "worker: request failed: %s\n", llmk_response_error(r));
				failures++;
			}
			llmk_response_free(r);
		}
	} else if (id % 2 == 0) { /* through a multi: the waits are scheduled */
		llmk_multi *m;
		llmk_multi_new(&m);
		for (int i = 0; i < count; i++)
			llmk_multi_add(m, c, req, NULL, on_done, NULL);
		llmk_multi_run(m);
		llmk_multi_free(m);
	} else {
		for (int i = 0; i < count; i++) {
			llmk_response *r;
			llmk_send(c, req, &r);
			on_done(r, NULL);
		}
	}
	llmk_request_free(req);
	llmk_client_free(c);
	return failures ? 1 : 0;
}

/* worker router ID BASE_A BASE_B REDIS COUNT GAP_MS EXPECT LOG: COUNT
 * requests through a router (A first, B as fallback), each answered by
 * EXPECT ("A", "B"). */
static int worker_router(const char *a, const char *b, llmk_store *store, int count, int gap, const char *expect)
{
	llmk_client *ca = worker_client(a, NULL), *cb = worker_client(b, NULL);
	llmk_router *rt;
	llmk_request *req;

	llmk_router_new(&rt);
	llmk_router_add(rt, ca, "A", 1);
	llmk_router_add(rt, cb, "B", 1);
	llmk_router_set_i64(rt, LLMK_ROUTER_ALLOWED_FAILS, 1);
	llmk_router_set_i64(rt, LLMK_ROUTER_COOLDOWN_MS, 3000);
	if (llmk_router_set_store(rt, store) != LLMK_OK)
		return 12;
	llmk_request_new(&req, LLMK_CHAT);
	llmk_request_add_message(req, LLMK_ROLE_USER, "hello from a worker");
	for (int i = 0; i < count; i++) {
		llmk_response *r;
		if (llmk_router_send(rt, req, &r) != LLMK_OK || strcmp(llmk_response_deployment(r), expect)) {
			fprintf(stderr, "worker: %s answered (%s), %s expected\n", llmk_response_deployment(r),
			        llmk_response_tried(r), expect);
			failures++;
		}
		llmk_response_free(r);
		sleep_ms(gap);
	}
	llmk_request_free(req);
	llmk_router_free(rt);
	llmk_client_free(ca);
	llmk_client_free(cb);
	return failures ? 1 : 0;
}

static int worker(int argc, char **argv)
{
	llmk_store *store = NULL;
	int rc;

	if (argc < 6)
		return 20;
	logf_ = fopen(argv[argc - 1], "a");
	if (strcmp(argv[4], "-") && llmk_store_new_redis(argv[4], &store) != LLMK_OK)
		return 21;
	if (!strcmp(argv[2], "limit"))
		rc = worker_limit(atoi(argv[3]), argv[5], store, atoi(argv[6]), 0);
	else if (!strcmp(argv[2], "timed"))
		rc = worker_limit(atoi(argv[3]), argv[5], store, 0, now_ms() + atof(argv[6]));
	else if (!strcmp(argv[2], "router"))
		rc = worker_router(argv[5], argv[6], store, atoi(argv[7]), atoi(argv[8]), argv[9]);
	else
		rc = 22;
	llmk_store_free(store);
	if (logf_)
		fclose(logf_);
	return rc;
}

/* ---- the deployments ------------------------------------------------------ */

typedef struct deployment {
	th_server *s;
	pthread_mutex_t mu;
	double at[MAXREQ];
	size_t n;
	int status;
} deployment;

static void handler(const th_request *rq, th_response *out, void *user)
{
	deployment *d = user;
	int status;

	(void)rq;
	pthread_mutex_lock(&d->mu);
	if (d->n < MAXREQ)
		d->at[d->n++] = now_ms();
	status = d->status;
	pthread_mutex_unlock(&d->mu);
	out->status = status;
	out->headers = strdup("Content-Type: application/json\r\n");
	out->body = strdup(status == 200 ? "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
	                                   "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
	                                   "\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,"
	                                   "\"completion_tokens\":1,\"total_tokens\":4}}"
	                                 : "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
	                                   "\"code\":\"rate_limit_exceeded\"}}");
}

static void dep_start(deployment *d, int status)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->mu, NULL);
	d->status = status;
	d->s = th_start();
	if (!d->s)
		exit(2);
	th_set_handler(d->s, handler, d);
}

static void dep_reset(deployment *d)
{
	pthread_mutex_lock(&d->mu);
	d->n = 0;
	pthread_mutex_unlock(&d->mu);
}

static size_t dep_count(deployment *d)
{
	size_t n;
	pthread_mutex_lock(&d->mu);
	n = d->n;
	pthread_mutex_unlock(&d->mu);
	return n;
}

/* Most arrivals in any span of `span` ms starting at or after `from`. */
static size_t most_within(deployment *d, double span, double from)
{
	size_t best = 0;

	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < d->n; i++) {
		size_t k = 0;
		if (d->at[i] < from)
			continue;
		for (size_t j = 0; j < d->n; j++)
			if (d->at[j] >= d->at[i] && d->at[j] < d->at[i] + span)
				k++;
		if (k > best)
			best = k;
	}
	pthread_mutex_unlock(&d->mu);
	return best;
}

/* ---- the parent ---------------------------------------------------------- */

static int checks_failed;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                        \
			fprintf(stderr, "\n");                               \
			checks_failed++;                                     \
		}                                                            \
	} while (0)

static pid_t spawn(char **args)
{
	pid_t pid;

	fflush(stdout); /* or the child's exit prints it again */
	fflush(stderr);
	pid = fork();

	if (pid == 0) {
		execv("/proc/self/exe", args);
		_exit(30);
	}
	return pid;
}

/* Runs n workers with the same arguments but their id; 0 when all exited
 * 0. */
static int run_workers(int n, const char *mode, const char *redis, const char *a, const char *b, const char *c,
                       const char *d, const char *e, const char *log)
{
	pid_t pids[WORKERS];
	char id[8];
	int bad = 0, st;

	for (int i = 0; i < n; i++) {
		/* the arguments given, then the log file last */
		char *args[12] = {"test_shared", "worker", (char *)mode, id, (char *)redis};
		const char *rest[] = {a, b, c, d, e};
		int k = 5;
		for (int j = 0; j < 5 && rest[j]; j++)
			args[k++] = (char *)rest[j];
		args[k++] = (char *)log;
		args[k] = NULL;
		snprintf(id, sizeof(id), "%d", i);
		pids[i] = spawn(args);
	}
	for (int i = 0; i < n; i++) {
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "worker %d: exit %d\n", i, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			bad++;
		}
	}
	return bad;
}

static int count_in(const char *path, const char *what)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	redisd rd;
	deployment one, a, b;
	char redis[256], log[128], count[16];
	double t0;
	size_t most;

	if (argc > 1 && !strcmp(argv[1], "worker"))
		return worker(argc, argv);
	if (!(llmk_features() & LLMK_FEATURE_REDIS)) {
		printf("SKIP: this build has no hiredis (LLMK_FEATURE_REDIS)\n");
		return 77;
	}
	if (!redisd_binary()) {
		fprintf(stderr, "##### SKIP: redis-server is not installed (scripts/deps.sh installs it): the "
		                "multi-process checks did NOT run\n");
		return 77;
	}
	if (redisd_start(&rd, "")) {
		fprintf(stderr, "redis-server did not start\n");
		return 1;
	}
	snprintf(redis, sizeof(redis), "%s?prefix=shared%d:&timeout_ms=200&connect_timeout_ms=200", rd.url,
	         (int)getpid());
	snprintf(log, sizeof(log), "/tmp/llmk-test-shared-%d.log", (int)getpid());
	dep_start(&one, 200);

	/* 0. Redis down at start (nothing listens on the port): every request
	 * completes on local counts, and the workers say so */
	{
		redisd dead;
		char dead_url[256];
		if (!redisd_start(&dead, "")) {
			redisd_kill(&dead);
			snprintf(dead_url, sizeof(dead_url), "%s?timeout_ms=100&connect_timeout_ms=100", dead.url);
			remove(log);
			CHECK(!run_workers(2, "limit", dead_url, th_url(one.s), "4", NULL, NULL, NULL, log),
			      "a request failed with Redis down at start");
			CHECK(dep_count(&one) == 8, "server saw %zu of 8", dep_count(&one));
			CHECK(count_in(log, "shared store failed") == 2, "warnings: %d",
			      count_in(log, "shared store failed"));
			printf("down at start: %zu requests, none failed, %d warnings\n", dep_count(&one),
			       count_in(log, "shared store failed"));
			dep_reset(&one);
		}
	}

	/* 1. four workers share the limit through Redis */
	snprintf(count, sizeof(count), "%d", 8);
	t0 = now_ms();
	CHECK(!run_workers(WORKERS, "limit", redis, th_url(one.s), count, NULL, NULL, NULL, log), "a worker failed");
	most = most_within(&one, SPAN, 0);
	printf("shared: %zu requests from %d workers in %.0f ms; most in any %d ms: %zu (limit %d per s)\n",
	       dep_count(&one), WORKERS, now_ms() - t0, SPAN, most, R);
	CHECK(dep_count(&one) == WORKERS * 8, "server saw %zu requests", dep_count(&one));
	CHECK(most <= R, "with Redis, %zu requests in SPAN ms > %d", most, R);

	/* 2. the same without Redis: the excess shows */
	dep_reset(&one);
	CHECK(!run_workers(WORKERS, "limit", "-", th_url(one.s), count, NULL, NULL, NULL, log), "a worker failed");
	most = most_within(&one, SPAN, 0);
	printf("alone: %zu requests; most in any %d ms: %zu\n", dep_count(&one), SPAN, most);
	CHECK(most > R, "without Redis the workers should exceed %d per second together (saw %zu)", R, most);

	/* 3. a deployment answering 429 to the first worker is skipped by the
	 * others during the cooldown (3 s), and used by all after it */
	dep_start(&a, 429);
	dep_start(&b, 200);
	CHECK(!run_workers(1, "router", redis, th_url(a.s), th_url(b.s), "1", "0", "B", log), "first router worker");
	CHECK(dep_count(&a) == 1, "A saw %zu requests from the first worker", dep_count(&a));
	t0 = now_ms();
	pthread_mutex_lock(&a.mu);
	a.status = 200; /* it has recovered, but the cooldown still runs */
	pthread_mutex_unlock(&a.mu);
	CHECK(!run_workers(3, "router", redis, th_url(a.s), th_url(b.s), "5", "200", "B", log),
	      "router workers during cooldown");
	printf("cooldown: A saw %zu request(s) in %.0f ms of cooldown, B %zu\n", dep_count(&a), now_ms() - t0,
	       dep_count(&b));
	CHECK(dep_count(&a) == 1, "A was contacted during its cooldown (%zu requests)", dep_count(&a));
	CHECK(dep_count(&b) == 1 + 15, "B saw %zu", dep_count(&b));
	while (now_ms() - t0 < 3200)
		sleep_ms(50);
	CHECK(!run_workers(WORKERS, "router", redis, th_url(a.s), th_url(b.s), "2", "0", "A", log),
	      "router workers after");
	CHECK(dep_count(&a) == 1 + 8, "A after its cooldown saw %zu", dep_count(&a));

	/* 4. Redis killed mid-run and restarted */
	dep_reset(&one);
	remove(log);
	{
		char *args[] = {"test_shared", "worker", "timed", "0", redis, (char *)th_url(one.s), "7000", log, NULL};
		pid_t pids[WORKERS];
		int st, bad = 0;
		double restarted;
		char id[WORKERS][8];

		for (int i = 0; i < WORKERS; i++) {
			snprintf(id[i], sizeof(id[i]), "%d", i);
			args[3] = id[i];
			pids[i] = spawn(args);
		}
		sleep_ms(1500);
		redisd_kill(&rd);
		sleep_ms(1000);
		CHECK(!redisd_restart(&rd), "redis-server did not restart");
		restarted = now_ms();
		for (int i = 0; i < WORKERS; i++)
			if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st))
				bad++;
		CHECK(!bad, "%d worker(s) had a failed request while Redis was down", bad);
		/* the backoff is at most 5 s; here it was down ~1 s: back within 2.5 s */
		most = most_within(&one, SPAN, restarted + 2500);
		printf("outage: %zu requests, none failed; warnings: %d 'failed', %d 'back'; most in a span after the "
		       "rejoin: %zu; during the outage: %zu\n",
		       dep_count(&one), count_in(log, "shared store failed"), count_in(log, "shared store is back"),
		       most, most_within(&one, SPAN, 0));
		CHECK(count_in(log, "shared store failed") >= 1, "no warning logged for the outage");
		CHECK(count_in(log, "shared store is back") >= 1, "no line logged for the return");
		CHECK(most <= R, "after the rejoin, %zu requests in SPAN ms > %d", most, R);
		CHECK(most_within(&one, SPAN, restarted + 2500) > 0, "no request after the rejoin");
	}
	remove(log);
	th_stop(one.s);
	th_stop(a.s);
	th_stop(b.s);
	redisd_stop(&rd);
	printf("%d passed, %d failed\n", checks_failed ? 0 : 1, checks_failed ? 1 : 0);
	return checks_failed ? 1 : 0;
}
