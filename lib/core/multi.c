/* llmk_multi: many requests in flight on one thread.
 *
 * Each added request becomes a job (job.h) that is stepped here. A job that
 * wants a transfer goes to its client's transport: to the transport's
 * driver in this multi when the transport has the non-blocking callbacks
 * (llmk_transport multi_open ... multi_close: the built-in curl and POSIX
 * transports, or a program's own), else it is performed whole with `send`,
 * one per step (a program's blocking transport, recording, replaying). A
 * job waiting to retry sleeps until its time. Jobs are started in the order
 * added, up to the in-flight limit.
 *
 * The engine knows drivers only through the table. One driver per distinct
 * multi_open, opened on first use, closed with the multi. The multi polls
 * for all of them at once: llmk_multi_wait() gathers every driver's
 * descriptors into one poll() and keeps what it found for the next
 * perform (one poll per turn), which hands each driver the ones ready (a
 * perform not preceded by a wait polls them without waiting). A driver
 * reports a finished transfer with llmk_exchange_done(); the multi queues
 * it and acts after the driver's step returns, so a driver is never
 * re-entered (no multi_add() from inside its own step). */
#include <poll.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "client.h"
#include "clock.h"
#include "exchange.h"
#include "job.h"
#include "multi.h"
#include "request.h"
#include "response.h"

/* M_TRANSFER: with a driver (j->drv), or reported done and queued on
 * m->ended (j->drv NULL). */
enum { M_QUEUED, M_TRANSFER, M_SEQUENTIAL, M_WAIT, M_DONE };

/* Every wait has a cancel check at least this often while a flag may go up. */
#define CANCEL_SLICE_MS 10

/* One transport's non-blocking driver in this multi. */
typedef struct mdriver {
	/* The callbacks, copied: the client that opened the driver may be
	 * freed before the multi. */
	llmk_transport t;
	void *state;
	size_t transfers;          /* held now */
	size_t fd_first, fd_count; /* its part of the multi's poll set */
	struct mdriver *next;
} mdriver;

typedef struct mjob {
	struct llmk_multi *m;
	llmk__job *job;
	llmk_client *c;
	const llmk_request *req;
	llmk_stream_fn fn;
	llmk_done_fn done;
	void *user;
	llmk_response *ready; /* llmk__multi_add_ready(): the answer, no job */
	int state;
	int watched;    /* held by a driver with a cancel flag to watch */
	mdriver *drv;   /* the driver holding its transfer, or NULL */
	int32_t result; /* the transfer's status, once reported */
	struct mjob *next;
	struct mjob *next_ended;
} mjob;

struct llmk_multi {
	/* Jobs not started yet (FIFO), and jobs started and not yet swept.
	 * A job is on one list at a time; per-turn work walks only the
	 * started ones (at most the limit), never the queue. */
	mjob *queue, *queue_tail;
	mjob *active;
	size_t nqueued, nactive; /* nactive: started and not done */
	size_t nwait, nseq, ndone;
	size_t limit, started;
	/* Memory of finished jobs for the next ones (at most the most ever
	 * started at once). */
	llmk__job **spare;
	size_t nspare, sparecap;
	int busy; /* inside perform: callbacks may not drive the multi */
	int freeing;
	mdriver *drivers;
	size_t nwatched; /* transfers with drivers whose cancel flag is watched */
	/* Transfers the drivers reported done, in order, not yet acted on. */
	mjob *ended, *ended_tail;
	/* The poll set of every driver's descriptors (gather()): fdv/evv as
	 * the drivers wrote them, then the ready ones and their LLMK_POLL_*
	 * bits; polled: the set holds what llmk_multi_wait() found. */
	struct pollfd *pfd;
	int32_t *fdv, *evv;
	size_t nfd, fdcap;
	int polled;
};

llmk_status llmk_multi_new(llmk_multi **out)
{
	llmk_multi *m;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	m = llmk__calloc(1, sizeof(*m));
	if (!m)
		return LLMK_E_NOMEM;
	m->limit = 64;
	*out = m;
	return LLMK_OK;
}

llmk_status llmk_multi_set_limit(llmk_multi *m, int32_t max_in_flight)
{
	if (!m || max_in_flight < 0)
		return LLMK_E_INVALID_ARG;
	m->limit = max_in_flight ? (size_t)max_in_flight : (size_t)-1;
	return LLMK_OK;
}

static llmk_status enqueue(llmk_multi *m, llmk_client *c, const llmk_request *r, llmk_stream_fn fn, llmk_done_fn done,
                           void *user, llmk_response *ready)
{
	mjob *j = llmk__calloc(1, sizeof(*j));

	if (!j)
		return LLMK_E_NOMEM;
	j->ready = ready;
	j->m = m;
	j->c = c;
	j->req = r;
	j->fn = fn;
	j->done = done;
	j->user = user;
	j->state = M_QUEUED;
	if (m->queue_tail)
		m->queue_tail->next = j;
	else
		m->queue = j;
	m->queue_tail = j;
	m->nqueued++;
	return LLMK_OK;
}

llmk_status llmk_multi_add(llmk_multi *m, llmk_client *c, const llmk_request *r, llmk_stream_fn fn, llmk_done_fn done,
                           void *user)
{
	if (!m || !c || !r || !done || m->freeing)
		return LLMK_E_INVALID_ARG;
	return enqueue(m, c, r, fn, done, user, NULL);
}

llmk_status llmk__multi_add_ready(llmk_multi *m, llmk_response *r, llmk_done_fn done, void *user)
{
	if (!m || !r || !done || m->freeing)
		return LLMK_E_INVALID_ARG;
	return enqueue(m, NULL, NULL, NULL, done, user, r);
}

/* Keeps a finished job's memory for the next start (or frees it when
 * memory is short). */
static void keep_spare(llmk_multi *m, llmk__job *mem)
{
	if (m->nspare == m->sparecap) {
		size_t ncap = m->sparecap ? m->sparecap * 2 : 16;
		llmk__job **grown = llmk__realloc(m->spare, ncap * sizeof(*grown));
		if (!grown) {
			llmk__job_free(mem);
			return;
		}
		m->spare = grown;
		m->sparecap = ncap;
	}
	m->spare[m->nspare++] = mem;
}

/* A job finished: its response goes to on_done, the job leaves the list at
 * the next sweep. */
static void finish_job(mjob *j)
{
	llmk_response *r = j->job ? llmk__job_take(j->job, 1) : j->ready;

	if (j->job)
		keep_spare(j->m, j->job);
	j->job = NULL;
	j->ready = NULL;
	j->state = M_DONE;
	j->m->started--;
	j->m->nactive--;
	j->m->ndone++;
	j->done(r, j->user);
}

/* ---- drivers ---------------------------------------------------------- */

/* The driver of c's transport in this multi, opened on first use; NULL
 * when out of memory. */
static mdriver *driver_for(llmk_multi *m, const llmk_client *c)
{
	mdriver *d;

	for (d = m->drivers; d; d = d->next)
		if (d->t.multi_open == c->transport.multi_open)
			return d;
	d = llmk__calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->t = c->transport;
	d->state = d->t.multi_open(c->transport_user);
	if (!d->state) {
		llmk__free(d);
		return NULL;
	}
	d->next = m->drivers;
	m->drivers = d;
	return d;
}

/* The job's transfer is no longer with its driver. */
static void release(mjob *j)
{
	llmk_exchange *ex = llmk__job_exchange(j->job);

	ex->done = NULL;
	ex->done_ctx = NULL;
	j->drv->transfers--;
	j->drv = NULL;
	if (j->watched) {
		j->watched = 0;
		j->m->nwatched--;
	}
}

/* Queues a finished transfer; it is acted on by act_on_ended(). */
static void queue_ended(mjob *j, int32_t st)
{
	llmk_multi *m = j->m;

	j->result = st;
	j->next_ended = NULL;
	if (m->ended_tail)
		m->ended_tail->next_ended = j;
	else
		m->ended = j;
	m->ended_tail = j;
}

/* llmk_exchange_done() of a transfer a driver holds. */
static void transfer_done(void *ctx, int32_t st)
{
	mjob *j = ctx;

	release(j);
	queue_ended(j, st);
}

static void place(mjob *j, int state);

static void act_on_ended(llmk_multi *m)
{
	mjob *j;

	while ((j = m->ended)) {
		m->ended = j->next_ended;
		if (!m->ended)
			m->ended_tail = NULL;
		place(j, llmk__job_transferred(j->job, j->result));
	}
}

/* Takes back every transfer a driver holds and fails it with st. */
static void driver_failed(llmk_multi *m, mdriver *d, int32_t st)
{
	mjob *j;
	llmk_exchange *ex;

	for (j = m->active; j; j = j->next) {
		if (j->state != M_TRANSFER || j->drv != d)
			continue;
		ex = llmk__job_exchange(j->job);
		release(j);
		d->t.multi_remove(ex, d->state);
		if (!ex->errmsg[0])
			llmk_exchange_set_error(ex, "the transport's multi driver failed");
		queue_ended(j, st);
	}
}

/* Transfers whose cancel flag went up: taken back from their drivers
 * (which need not watch the flags themselves). */
static void take_back_cancelled(llmk_multi *m)
{
	mjob *j;
	mdriver *d;
	llmk_exchange *ex;

	if (!m->nwatched)
		return;
	for (j = m->active; j; j = j->next) {
		if (!j->watched || !llmk_cancel_triggered(llmk__job_cancel(j->job)))
			continue;
		d = j->drv;
		ex = llmk__job_exchange(j->job);
		release(j);
		d->t.multi_remove(ex, d->state);
		queue_ended(j, LLMK_E_CANCELLED);
	}
}

static short poll_events(int32_t ev)
{
	return (short)(((ev & LLMK_POLL_IN) ? POLLIN : 0) | ((ev & LLMK_POLL_OUT) ? POLLOUT : 0));
}

static int32_t poll_revents(short re)
{
	return ((re & (POLLIN | POLLHUP)) ? LLMK_POLL_IN : 0) | ((re & POLLOUT) ? LLMK_POLL_OUT : 0) |
	       ((re & (POLLERR | POLLNVAL)) ? LLMK_POLL_ERR : 0);
}

static int grow_fds(llmk_multi *m, size_t n)
{
	size_t ncap = m->fdcap ? m->fdcap : 16;
	struct pollfd *p;
	int32_t *f, *e;

	while (ncap < n)
		ncap *= 2;
	p = llmk__realloc(m->pfd, ncap * sizeof(*p));
	if (p)
		m->pfd = p;
	f = llmk__realloc(m->fdv, ncap * sizeof(*f));
	if (f)
		m->fdv = f;
	e = llmk__realloc(m->evv, ncap * sizeof(*e));
	if (e)
		m->evv = e;
	if (!p || !f || !e)
		return -1;
	m->fdcap = ncap;
	return 0;
}

/* Collects the descriptors of every driver with transfers and polls them
 * for up to timeout_ms (0: no wait; -1: no limit). Returns -1 when there
 * was nothing to poll (or no memory for it), else what poll() returned.
 * Afterwards each driver's part holds its ready descriptors only. */
static int gather_and_poll(llmk_multi *m, int64_t timeout_ms)
{
	mdriver *d;
	size_t n = 0, k, i, w;
	int r;

	for (d = m->drivers; d; d = d->next) {
		d->fd_first = n;
		d->fd_count = 0;
		if (!d->transfers)
			continue;
		k = d->t.multi_fds(m->fdv ? m->fdv + n : NULL, m->evv ? m->evv + n : NULL, m->fdcap - n, d->state);
		if (k > m->fdcap - n) {
			if (grow_fds(m, n + k))
				return -1;
			k = d->t.multi_fds(m->fdv + n, m->evv + n, m->fdcap - n, d->state);
			if (k > m->fdcap - n)
				k = m->fdcap - n;
		}
		d->fd_count = k;
		n += k;
	}
	m->nfd = n;
	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		m->pfd[i].fd = (int)m->fdv[i];
		m->pfd[i].events = poll_events(m->evv[i]);
		m->pfd[i].revents = 0;
	}
	r = poll(m->pfd, (nfds_t)n, timeout_ms < 0 || timeout_ms > INT32_MAX ? -1 : (int)timeout_ms);
	/* Each driver's part, compacted to the ready descriptors (none when
	 * the poll was interrupted). */
	for (d = m->drivers; d; d = d->next) {
		for (i = d->fd_first, w = d->fd_first; i < d->fd_first + d->fd_count; i++)
			if (r > 0 && m->pfd[i].revents) {
				m->fdv[w] = (int32_t)m->pfd[i].fd;
				m->evv[w++] = poll_revents(m->pfd[i].revents);
			}
		d->fd_count = w - d->fd_first;
	}
	return r;
}

/* Every driver with transfers moves them on, with the descriptors found
 * ready by the last wait's poll, or by one made now. */
static void step_drivers(llmk_multi *m)
{
	mdriver *d;
	int32_t st;

	if (!m->polled)
		gather_and_poll(m, 0);
	m->polled = 0;
	for (d = m->drivers; d; d = d->next) {
		if (!d->transfers)
			continue;
		st = d->t.multi_step(d->fd_count ? m->fdv + d->fd_first : NULL,
		                     d->fd_count ? m->evv + d->fd_first : NULL, d->fd_count, d->state);
		d->fd_count = 0;
		if (st != LLMK_OK)
			driver_failed(m, d, st);
	}
}

/* Hands the job's transfer to its transport's driver; returns 0, or the
 * job's next state when the transfer could not start. */
static int hand_to_driver(mjob *j, int *next)
{
	llmk_multi *m = j->m;
	llmk_exchange *ex = llmk__job_exchange(j->job);
	mdriver *d = driver_for(m, j->c);
	int32_t st;

	ex->done = NULL; /* no llmk_exchange_done() from inside multi_add() */
	if (!d) {
		llmk_exchange_set_error(ex, "out of memory opening the transport's multi driver");
		*next = llmk__job_transferred(j->job, LLMK_E_NOMEM);
		return -1;
	}
	st = d->t.multi_add(ex, j->c->transport_user, d->state);
	if (st != LLMK_OK) {
		*next = llmk__job_transferred(j->job, st);
		return -1;
	}
	ex->done = transfer_done;
	ex->done_ctx = j;
	j->drv = d;
	d->transfers++;
	if (llmk__job_cancel(j->job)) {
		j->watched = 1;
		m->nwatched++;
	}
	return 0;
}

/* ---- jobs ------------------------------------------------------------- */

static void set_state(mjob *j, int st)
{
	llmk_multi *m = j->m;

	if (j->state == M_WAIT)
		m->nwait--;
	else if (j->state == M_SEQUENTIAL)
		m->nseq--;
	if (st == M_WAIT)
		m->nwait++;
	else if (st == M_SEQUENTIAL)
		m->nseq++;
	j->state = st;
}

/* Puts a job where its state says. */
static void place(mjob *j, int state)
{
	for (;;) {
		if (state == LLMK__JOB_DONE || state == LLMK__JOB_NOMEM) {
			set_state(j, M_TRANSFER); /* out of the wait/sequential counts */
			finish_job(j);
			return;
		}
		if (state == LLMK__JOB_WAIT) {
			set_state(j, M_WAIT);
			return;
		}
		/* LLMK__JOB_TRANSFER */
		if (j->c->transport.multi_open) {
			if (hand_to_driver(j, &state))
				continue;
			set_state(j, M_TRANSFER);
			return;
		}
		set_state(j, M_SEQUENTIAL);
		return;
	}
}

static void start_queued(llmk_multi *m)
{
	mjob *j;

	while (m->queue && m->started < m->limit) {
		j = m->queue;
		m->queue = j->next;
		if (!m->queue)
			m->queue_tail = NULL;
		m->nqueued--;
		j->next = m->active;
		m->active = j;
		m->nactive++;
		m->started++;
		j->state = M_TRANSFER; /* placed for real just below */
		if (j->ready) {
			place(j, LLMK__JOB_DONE);
			continue;
		}
		place(j,
		      llmk__job_start(&j->job, m->nspare ? m->spare[--m->nspare] : NULL, j->c, j->req, j->fn, j->user));
	}
}

/* Frees the jobs that finished (their on_done has run). */
static void sweep(llmk_multi *m)
{
	mjob **pp = &m->active, *j;

	if (!m->ndone)
		return;
	while ((j = *pp)) {
		if (j->state == M_DONE) {
			*pp = j->next;
			llmk__free(j);
		} else {
			pp = &j->next;
		}
	}
	m->ndone = 0;
}

llmk_status llmk_multi_perform(llmk_multi *m, int32_t *running)
{
	mjob *j;
	size_t n;
	double now;

	if (running)
		*running = 0;
	if (!m || m->busy)
		return LLMK_E_INVALID_ARG;
	m->busy = 1;
	if (m->nwait) {
		now = llmk__now_ms();
		for (j = m->active; j; j = j->next)
			if (j->state == M_WAIT &&
			    (now >= llmk__job_wake_at(j->job) || llmk_cancel_triggered(llmk__job_cancel(j->job))))
				place(j, llmk__job_wake(j->job));
	}
	act_on_ended(m); /* reported outside a step (e.g. from multi_timeout_ms) */
	start_queued(m);
	step_drivers(m);
	take_back_cancelled(m);
	act_on_ended(m);
	/* Transports with `send` only block: one such transfer per step. */
	if (m->nseq)
		for (j = m->active; j; j = j->next)
			if (j->state == M_SEQUENTIAL) {
				llmk_client *c = j->c;
				place(j, llmk__job_transferred(j->job, c->transport.send(llmk__job_exchange(j->job),
				                                                         c->transport_user)));
				break;
			}
	start_queued(m); /* into the slots that freed up */
	sweep(m);
	n = m->nqueued + m->nactive;
	m->busy = 0;
	if (running)
		*running = n > INT32_MAX ? INT32_MAX : (int32_t)n;
	return LLMK_OK;
}

int64_t llmk_multi_timeout_ms(llmk_multi *m)
{
	mjob *j;
	mdriver *d;
	int64_t t = -1, w;
	double now;

	if (!m || (!m->nqueued && !m->nactive))
		return -1;
	if (m->nseq || m->ended || (m->nqueued && m->started < m->limit))
		return 0;
	if (m->nwait) {
		now = llmk__now_ms();
		for (j = m->active; j; j = j->next) {
			if (j->state != M_WAIT)
				continue;
			w = (int64_t)(llmk__job_wake_at(j->job) - now + 0.999);
			if (w < 0)
				w = 0;
			if (llmk__job_cancel(j->job) && w > CANCEL_SLICE_MS)
				w = CANCEL_SLICE_MS; /* a cancel flag is checked by perform */
			if (t < 0 || w < t)
				t = w;
		}
	}
	for (d = m->drivers; d; d = d->next) {
		if (!d->transfers)
			continue;
		w = d->t.multi_timeout_ms(d->state);
		if (w >= 0 && (t < 0 || w < t))
			t = w;
	}
	if (m->nwatched && (t < 0 || t > CANCEL_SLICE_MS))
		t = CANCEL_SLICE_MS; /* cancel flags are checked by perform */
	return t;
}

size_t llmk_multi_fds(llmk_multi *m, int32_t *fds, int32_t *events, size_t cap)
{
	mdriver *d;
	size_t n = 0, k;

	if (!m)
		return 0;
	for (d = m->drivers; d; d = d->next) {
		if (!d->transfers)
			continue;
		if (n < cap)
			k = d->t.multi_fds(fds ? fds + n : NULL, events ? events + n : NULL, cap - n, d->state);
		else
			k = d->t.multi_fds(NULL, NULL, 0, d->state);
		n += k;
	}
	return n;
}

llmk_status llmk_multi_wait(llmk_multi *m, int32_t timeout_ms)
{
	int64_t t;
	struct timespec ts;

	if (!m || m->busy)
		return LLMK_E_INVALID_ARG;
	t = llmk_multi_timeout_ms(m);
	if (timeout_ms >= 0 && (t < 0 || t > timeout_ms))
		t = timeout_ms;
	if (t == 0)
		return LLMK_OK;
	/* The drivers' descriptors: polled here, and what was found is kept
	 * for the next perform (one poll per turn, not two). */
	if (gather_and_poll(m, t) >= 0) {
		m->polled = 1;
		return LLMK_OK;
	}
	if (t < 0)
		return LLMK_OK; /* nothing to wait for */
	ts.tv_sec = (time_t)(t / 1000);
	ts.tv_nsec = (long)(t % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return LLMK_OK;
}

llmk_status llmk_multi_run(llmk_multi *m)
{
	int32_t running = 1;
	llmk_status st;

	if (!m || m->busy)
		return LLMK_E_INVALID_ARG;
	for (;;) {
		st = llmk_multi_perform(m, &running);
		if (st != LLMK_OK || !running)
			return st;
		llmk_multi_wait(m, -1);
	}
}

static void abandon(mjob *j)
{
	llmk_response *r;

	if (j->state != M_DONE) {
		if (j->job) {
			r = llmk__job_take(j->job, 0);
		} else if (j->ready) {
			r = j->ready;
		} else {
			r = llmk__response_new();
			if (r)
				llmk__fail(r, LLMK_E_CANCELLED,
				           "cancelled: the multi handle was freed before the request started");
		}
		j->done(r, j->user);
	}
	llmk__free(j);
}

void llmk_multi_free(llmk_multi *m)
{
	mjob *j, *next;
	mdriver *d;

	if (!m)
		return;
	m->freeing = 1;
	/* Transfers stop: the drivers drop them without reporting. */
	for (j = m->active; j; j = j->next)
		if (j->drv)
			release(j);
	while ((d = m->drivers)) {
		m->drivers = d->next;
		d->t.multi_close(d->state);
		llmk__free(d);
	}
	m->ended = m->ended_tail = NULL; /* answered below, as abandoned */
	for (j = m->active; j; j = next) {
		next = j->next;
		abandon(j);
	}
	for (j = m->queue; j; j = next) {
		next = j->next;
		abandon(j);
	}
	while (m->nspare)
		llmk__job_free(m->spare[--m->nspare]);
	llmk__free(m->spare);
	llmk__free(m->pfd);
	llmk__free(m->fdv);
	llmk__free(m->evv);
	llmk__free(m);
}
