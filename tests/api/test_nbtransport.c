#define _POSIX_C_SOURCE 200809L
/* A program's own non-blocking transport in an llmk_multi (the multi_*
 * callbacks of llmk_transport), through the public header only; no
 * sockets, no libcurl: runs in every build.
 *
 * The transport here is a pretend network: multi_add() parks the exchange,
 * a "network" thread decides when answers are ready and says so by writing
 * one byte per answer into a pipe, the driver's descriptor. The multi polls
 * the pipe (the driver has no timeout of its own), and the step answers as
 * many parked exchanges as bytes arrived. The network answers nobody until
 * all 32 requests are parked at once, so the test fails if the multi runs
 * them one after another. The rest checks the contract: which callbacks are
 * called when, llmk_exchange_done() misuse, cancel, failures of the driver,
 * freeing with transfers in flight, and the all-or-none rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llmkit.h"

#define KEY "sk-test-nb-000000000000000000000000"
#define MAXX 64
#define CHAT_OK                                                                                                \
	"{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":" \
	"{\"role\":\"assistant\",\"content\":\"parked\"},\"finish_reason\":\"stop\"}],"                        \
	"\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- the pretend network and its driver ------------------------------------ */

/* What the test sets up and observes; the transport's `user`. */
typedef struct net {
	int hold_until;        /* the network answers nothing before this many are parked */
	int32_t answer_status; /* what llmk_exchange_done() reports (LLMK_OK: an HTTP 200) */
	int32_t step_fails;    /* non-zero: multi_step() returns it once */
	int fail_open, fail_add;
	/* Counts of the callbacks. */
	int opens, adds, steps, removes, closes, max_parked;
	int done_twice_refused, done_in_add_refused;
} net;

typedef struct driver {
	net *n;
	int pipe_r, pipe_w;
	llmk_exchange *parked[MAXX];
	int nparked;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Shared with the network thread, under mu. */
	int added_total, most_parked, hold_until;
	int stop;
} driver;

/* The network: once hold_until exchanges were parked at once, one byte per
 * answer into the pipe. */
static void *network(void *arg)
{
	driver *d = arg;
	int answered = 0;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (!d->stop && d->added_total - answered <= 0)
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->stop)
			break;
		if (d->hold_until && d->most_parked < d->hold_until) {
			pthread_cond_wait(&d->cv, &d->mu);
			continue;
		}
		while (answered < d->added_total) {
			char b = 'x';
			if (write(d->pipe_w, &b, 1) != 1)
				break;
			answered++;
		}
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

static void *nb_open(void *user)
{
	net *n = user;
	driver *d;
	int p[2];

	n->opens++;
	if (n->fail_open || pipe(p))
		return NULL;
	d = calloc(1, sizeof(*d));
	d->n = n;
	d->pipe_r = p[0];
	d->pipe_w = p[1];
	fcntl(d->pipe_r, F_SETFL, fcntl(d->pipe_r, F_GETFL) | O_NONBLOCK);
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	pthread_create(&d->thread, NULL, network, d);
	return d;
}

static int32_t nb_add(llmk_exchange *ex, void *user, void *drv)
{
	driver *d = drv;

	assert_ptr_equal(user, d->n); /* the exchange's client's user */
	d->n->adds++;
	if (llmk_exchange_done(ex, LLMK_OK) == LLMK_E_INVALID_ARG)
		d->n->done_in_add_refused++;
	if (d->n->fail_add) {
		llmk_exchange_set_error(ex, "pretend network unreachable");
		return LLMK_E_TRANSPORT;
	}
	assert_true(d->nparked < MAXX);
	d->parked[d->nparked++] = ex;
	if (d->nparked > d->n->max_parked)
		d->n->max_parked = d->nparked;
	pthread_mutex_lock(&d->mu);
	d->most_parked = d->n->max_parked;
	d->hold_until = d->n->hold_until;
	d->added_total++;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return LLMK_OK;
}

static void answer(driver *d, llmk_exchange *ex)
{
	int32_t st = d->n->answer_status;

	if (st == LLMK_OK) {
		llmk_exchange_set_status(ex, 200);
		llmk_exchange_add_header(ex, "Content-Type", "application/json");
		if (llmk_exchange_write(ex, (const uint8_t *)CHAT_OK, sizeof(CHAT_OK) - 1))
			st = LLMK_E_CANCELLED;
	} else {
		llmk_exchange_set_error(ex, "pretend network failure");
	}
	assert_int_equal(llmk_exchange_done(ex, st), LLMK_OK);
	if (llmk_exchange_done(ex, st) == LLMK_E_INVALID_ARG)
		d->n->done_twice_refused++;
}

static int32_t nb_step(const int32_t *fds, const int32_t *revents, size_t n, void *drv)
{
	driver *d = drv;
	char buf[MAXX];
	ssize_t got;
	size_t i;

	d->n->steps++;
	for (i = 0; i < n; i++) {
		assert_int_equal(fds[i], d->pipe_r); /* only ready descriptors of ours */
		assert_true(revents[i] & LLMK_POLL_IN);
	}
	if (d->n->step_fails) {
		int32_t st = d->n->step_fails;
		d->n->step_fails = 0;
		return st;
	}
	got = read(d->pipe_r, buf, sizeof(buf));
	while (got > 0 && d->nparked) {
		answer(d, d->parked[0]);
		memmove(d->parked, d->parked + 1, (size_t)(--d->nparked) * sizeof(d->parked[0]));
		got--;
	}
	return LLMK_OK;
}

static size_t nb_fds(int32_t *fds, int32_t *events, size_t cap, void *drv)
{
	driver *d = drv;

	if (cap) {
		if (fds)
			fds[0] = d->pipe_r;
		if (events)
			events[0] = LLMK_POLL_IN;
	}
	return 1;
}

static int64_t nb_timeout_ms(void *drv)
{
	(void)drv;
	return -1; /* only the pipe says when */
}

static void nb_remove(llmk_exchange *ex, void *drv)
{
	driver *d = drv;
	int i;

	d->n->removes++;
	for (i = 0; i < d->nparked; i++)
		if (d->parked[i] == ex) {
			memmove(d->parked + i, d->parked + i + 1, (size_t)(d->nparked - i - 1) * sizeof(d->parked[0]));
			d->nparked--;
			return;
		}
	fail_msg("multi_remove() of an exchange the driver does not hold");
}

static void nb_close(void *drv)
{
	driver *d = drv;

	d->n->closes++;
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	close(d->pipe_r);
	close(d->pipe_w);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
}

/* A blocking `send` is required too; these tests never use it. */
static int32_t nb_send(llmk_exchange *ex, void *user)
{
	(void)user;
	llmk_exchange_set_error(ex, "blocking send not expected here");
	return LLMK_E_TRANSPORT;
}

static void nb_table(llmk_transport *t)
{
	llmk_transport_init(t);
	t->send = nb_send;
	t->multi_open = nb_open;
	t->multi_add = nb_add;
	t->multi_step = nb_step;
	t->multi_fds = nb_fds;
	t->multi_timeout_ms = nb_timeout_ms;
	t->multi_remove = nb_remove;
	t->multi_close = nb_close;
}

/* ---- fixture ------------------------------------------------------------- */

typedef struct fixture {
	net n;
	llmk_client *c;
	llmk_request *req;
	llmk_multi *m;
	llmk_response *resp[MAXX];
	int done;
} fixture;

static llmk_client *new_client(net *n)
{
	llmk_transport t;
	llmk_client *c = NULL;

	nb_table(&t);
	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	assert_int_equal(llmk_client_set_transport(c, &t, n), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, "http://pretend.invalid/v1"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	return c;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->n.answer_status = LLMK_OK;
	f->c = new_client(&f->n);
	assert_int_equal(llmk_request_new(&f->req, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(f->req, LLMK_ROLE_USER, "hello"), LLMK_OK);
	assert_int_equal(llmk_multi_new(&f->m), LLMK_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int i;

	llmk_multi_free(f->m);
	for (i = 0; i < MAXX; i++)
		llmk_response_free(f->resp[i]);
	llmk_request_free(f->req);
	llmk_client_free(f->c);
	free(f);
	return 0;
}

typedef struct slot {
	fixture *f;
	int i;
} slot;

static slot slots[MAXX];

static void on_done(llmk_response *r, void *user)
{
	slot *s = user;

	assert_null(s->f->resp[s->i]);
	s->f->resp[s->i] = r;
	s->f->done++;
}

/* Adds n requests whose answers land in f->resp[0..n). */
static void add_n(fixture *f, llmk_client *c, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		slots[i].f = f;
		slots[i].i = i;
		assert_int_equal(llmk_multi_add(f->m, c, f->req, NULL, on_done, &slots[i]), LLMK_OK);
	}
}

/* Drives the multi like llmk_multi_run(), but gives up after limit_ms. */
static int drive(fixture *f, double limit_ms)
{
	int32_t running = 1;
	double t0 = now_ms();

	while (running && now_ms() - t0 < limit_ms) {
		assert_int_equal(llmk_multi_perform(f->m, &running), LLMK_OK);
		if (running)
			assert_int_equal(llmk_multi_wait(f->m, 100), LLMK_OK);
	}
	return running;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_32_in_flight(void **state)
{
	fixture *f = *state;
	double t0;
	int i;

	f->n.hold_until = 32;
	add_n(f, f->c, 32);
	t0 = now_ms();
	assert_int_equal(drive(f, 5000), 0);
	print_message("32 requests held until all were parked: %.0f ms, %d steps\n", now_ms() - t0, f->n.steps);
	assert_int_equal(f->done, 32);
	assert_int_equal(f->n.max_parked, 32);
	for (i = 0; i < 32; i++) {
		assert_non_null(f->resp[i]);
		if (llmk_response_status(f->resp[i]) != LLMK_OK)
			fail_msg("request %d: %s", i, llmk_response_error(f->resp[i]));
		assert_string_equal(llmk_response_text(f->resp[i]), "parked");
	}
	assert_int_equal(f->n.opens, 1); /* one driver for the multi */
	assert_int_equal(f->n.adds, 32);
	assert_int_equal(f->n.removes, 0);
	assert_int_equal(f->n.done_twice_refused, 32);
	assert_int_equal(f->n.done_in_add_refused, 32);
	assert_int_equal(f->n.closes, 0); /* until the multi is freed */
	llmk_multi_free(f->m);
	f->m = NULL;
	assert_int_equal(f->n.closes, 1);
}

/* The same multi with llmk_multi_run(): the wait blocks on the driver's
 * descriptor (no timeout of its own), and a second client with the same
 * transport shares the driver. */
static void test_run_and_shared_driver(void **state)
{
	fixture *f = *state;
	llmk_client *c2 = new_client(&f->n);
	int i;

	f->n.hold_until = 8;
	for (i = 0; i < 8; i++) {
		slots[i].f = f;
		slots[i].i = i;
		assert_int_equal(llmk_multi_add(f->m, i % 2 ? c2 : f->c, f->req, NULL, on_done, &slots[i]), LLMK_OK);
	}
	assert_int_equal(llmk_multi_run(f->m), LLMK_OK);
	assert_int_equal(f->done, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(llmk_response_status(f->resp[i]), LLMK_OK);
	assert_int_equal(f->n.opens, 1);
	llmk_multi_free(f->m);
	f->m = NULL;
	llmk_client_free(c2);
}

/* The descriptors and the timeout a program's event loop sees. */
static void test_fds_for_an_event_loop(void **state)
{
	fixture *f = *state;
	int32_t fds[4], ev[4], running;

	f->n.hold_until = 1000; /* never answers */
	slots[0].f = f;
	slots[0].i = 0;
	assert_int_equal(llmk_multi_fds(f->m, fds, ev, 4), 0); /* nothing started yet */
	assert_int_equal(llmk_multi_add(f->m, f->c, f->req, NULL, on_done, &slots[0]), LLMK_OK);
	assert_int_equal(llmk_multi_timeout_ms(f->m), 0); /* a queued request: perform now */
	assert_int_equal(llmk_multi_perform(f->m, &running), LLMK_OK);
	assert_int_equal(running, 1);
	assert_int_equal(llmk_multi_fds(f->m, fds, ev, 4), 1);
	assert_int_equal(ev[0], LLMK_POLL_IN);
	assert_int_equal(llmk_multi_fds(f->m, NULL, NULL, 0), 1); /* the count alone */
	assert_int_equal(llmk_multi_timeout_ms(f->m), -1);        /* only the descriptor says when */
	llmk_multi_free(f->m);                                    /* in flight: on_done gets a cancelled answer */
	f->m = NULL;
	assert_int_equal(f->done, 1);
	assert_int_equal(llmk_response_status(f->resp[0]), LLMK_E_CANCELLED);
	assert_int_equal(f->n.removes, 0); /* dropped by multi_close, not removed one by one */
	assert_int_equal(f->n.closes, 1);
}

/* A raised cancel flag: the multi takes the transfer back (multi_remove)
 * without the driver looking at the flag. */
static void test_cancel_takes_back(void **state)
{
	fixture *f = *state;
	llmk_cancel *cancel;
	llmk_request *r2;
	double t0;

	f->n.hold_until = 1000;
	assert_int_equal(llmk_cancel_new(&cancel), LLMK_OK);
	assert_int_equal(llmk_request_new(&r2, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r2, LLMK_ROLE_USER, "cancel me"), LLMK_OK);
	assert_int_equal(llmk_request_set_cancel(r2, cancel), LLMK_OK);
	slots[0].f = f;
	slots[0].i = 0;
	assert_int_equal(llmk_multi_add(f->m, f->c, r2, NULL, on_done, &slots[0]), LLMK_OK);
	assert_int_equal(drive(f, 50), 1);
	assert_int_equal(f->n.adds, 1);
	/* With a flag to watch, the multi comes back soon even though the
	 * driver has no timeout. */
	assert_true(llmk_multi_timeout_ms(f->m) >= 0 && llmk_multi_timeout_ms(f->m) <= 10);
	llmk_cancel_trigger(cancel);
	t0 = now_ms();
	assert_int_equal(drive(f, 2000), 0);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(f->n.removes, 1);
	assert_int_equal(llmk_response_status(f->resp[0]), LLMK_E_CANCELLED);
	llmk_request_free(r2);
	llmk_cancel_free(cancel);
}

/* Failures: of the transfer (done with a status), of multi_add, of
 * multi_open, and of the driver's step (every transfer it holds fails). */
static void test_failures(void **state)
{
	fixture *f = *state;
	int i;

	f->n.answer_status = LLMK_E_TIMEOUT;
	f->n.hold_until = 2;
	add_n(f, f->c, 2);
	assert_int_equal(drive(f, 5000), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(llmk_response_status(f->resp[i]), LLMK_E_TIMEOUT);
		assert_non_null(strstr(llmk_response_error(f->resp[i]), "pretend network failure"));
		llmk_response_free(f->resp[i]);
		f->resp[i] = NULL;
	}

	f->done = 0;
	f->n.fail_add = 1;
	add_n(f, f->c, 1);
	assert_int_equal(drive(f, 5000), 0);
	assert_int_equal(llmk_response_status(f->resp[0]), LLMK_E_TRANSPORT);
	assert_non_null(strstr(llmk_response_error(f->resp[0]), "pretend network unreachable"));
	llmk_response_free(f->resp[0]);
	f->resp[0] = NULL;
	f->n.fail_add = 0;

	f->done = 0;
	f->n.hold_until = 1000;
	f->n.step_fails = LLMK_E_NOMEM;
	add_n(f, f->c, 3);
	assert_int_equal(drive(f, 5000), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(llmk_response_status(f->resp[i]), LLMK_E_NOMEM);
		assert_non_null(strstr(llmk_response_error(f->resp[i]), "driver failed"));
	}
	assert_int_equal(f->n.removes, 3);

	/* multi_open failing: a fresh multi, its first transfer fails. */
	llmk_multi_free(f->m);
	assert_int_equal(llmk_multi_new(&f->m), LLMK_OK);
	for (i = 0; i < 3; i++) {
		llmk_response_free(f->resp[i]);
		f->resp[i] = NULL;
	}
	f->done = 0;
	f->n.fail_open = 1;
	add_n(f, f->c, 1);
	assert_int_equal(drive(f, 5000), 0);
	assert_int_equal(llmk_response_status(f->resp[0]), LLMK_E_NOMEM);
	assert_non_null(strstr(llmk_response_error(f->resp[0]), "multi driver"));
}

/* llmk_exchange_done() outside a driver's transfer is refused. */
static int32_t done_from_send(llmk_exchange *ex, void *user)
{
	int *refused = user;

	if (llmk_exchange_done(ex, LLMK_OK) == LLMK_E_INVALID_ARG)
		(*refused)++;
	llmk_exchange_set_status(ex, 200);
	llmk_exchange_add_header(ex, "Content-Type", "application/json");
	return llmk_exchange_write(ex, (const uint8_t *)CHAT_OK, sizeof(CHAT_OK) - 1) ? LLMK_E_CANCELLED : LLMK_OK;
}

static void test_done_misuse_and_old_tables(void **state)
{
	fixture *f = *state;
	llmk_transport t;
	llmk_client *c = NULL;
	llmk_response *r = NULL;
	int refused = 0;

	assert_int_equal(llmk_exchange_done(NULL, LLMK_OK), LLMK_E_INVALID_ARG);
	/* A table as a program compiled before the non-blocking callbacks
	 * existed (struct_size up to `close`): blocking, in llmk_send() and
	 * one request per step in a multi; what lies past its struct_size is
	 * never read. */
	nb_table(&t);
	t.send = done_from_send;
	t.struct_size = (uint32_t)(offsetof(llmk_transport, close) + sizeof(t.close));
	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	assert_int_equal(llmk_client_set_transport(c, &t, &refused), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, "http://pretend.invalid/v1"), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_send(c, f->req, &r), LLMK_OK);
	assert_string_equal(llmk_response_text(r), "parked");
	llmk_response_free(r);
	add_n(f, c, 3);
	assert_int_equal(drive(f, 5000), 0);
	assert_int_equal(f->done, 3);
	assert_int_equal(llmk_response_status(f->resp[2]), LLMK_OK);
	assert_int_equal(refused, 4);
	assert_int_equal(f->n.opens, 0);
	llmk_client_free(c);
}

/* All or none: a table with some of the non-blocking callbacks is refused,
 * naming what is missing, and the client keeps its transport. */
static void test_all_or_none(void **state)
{
	fixture *f = *state;
	llmk_transport t;

	nb_table(&t);
	t.multi_remove = NULL;
	assert_int_equal(llmk_client_set_transport(f->c, &t, &f->n), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_client_errmsg(f->c), "multi_remove"));
	nb_table(&t);
	t.multi_open = NULL;
	assert_int_equal(llmk_client_set_transport(f->c, &t, &f->n), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_client_errmsg(f->c), "multi_open"));
	llmk_transport_init(&t);
	t.send = nb_send;
	t.multi_step = nb_step;
	assert_int_equal(llmk_client_set_transport(f->c, &t, &f->n), LLMK_E_INVALID_ARG);
	/* A struct_size that stops before the table's end: only what it covers
	 * counts, so this table has `send` and no non-blocking callbacks. */
	nb_table(&t);
	t.multi_open = NULL;
	t.struct_size = (uint32_t)offsetof(llmk_transport, multi_open);
	assert_int_equal(llmk_client_set_transport(f->c, &t, &f->n), LLMK_OK);
	/* The whole table still installs. */
	nb_table(&t);
	assert_int_equal(llmk_client_set_transport(f->c, &t, &f->n), LLMK_OK);
	f->n.hold_until = 1;
	add_n(f, f->c, 1);
	assert_int_equal(drive(f, 5000), 0);
	assert_int_equal(llmk_response_status(f->resp[0]), LLMK_OK);
	assert_int_equal(f->n.opens, 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(test_32_in_flight),
	        T(test_run_and_shared_driver),
	        T(test_fds_for_an_event_loop),
	        T(test_cancel_takes_back),
	        T(test_failures),
	        T(test_done_misuse_and_old_tables),
	        T(test_all_or_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
