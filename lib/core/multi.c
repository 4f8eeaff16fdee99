/* llmk_multi: many requests in flight on one thread.
 *
 * Each added request becomes a job (send.c) that is stepped here: a job
 * that wants a transfer is handed to the curl driver (curl.c) when its
 * client uses the built-in transport, or performed whole, one per step,
 * when the client has a transport of the program's own (or records or
 * replays); a job waiting to retry sleeps until its time. Jobs are started
 * in the order added, up to the in-flight limit. */
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "client.h"
#include "clock.h"
#include "driver.h"
#include "exchange.h"
#include "job.h"
#include "multi.h"
#include "request.h"
#include "response.h"

enum { M_QUEUED, M_TRANSFER, M_SEQUENTIAL, M_WAIT, M_DONE };

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
	struct mjob *next;
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
#ifdef LLMK_HAVE_CURL
	llmk__cdriver *drv;
#endif
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

static llmk_status enqueue(llmk_multi *m, llmk_client *c, const llmk_request *r, llmk_stream_fn fn,
                           llmk_done_fn done, void *user, llmk_response *ready)
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

llmk_status llmk_multi_add(llmk_multi *m, llmk_client *c, const llmk_request *r, llmk_stream_fn fn,
                           llmk_done_fn done, void *user)
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

static int uses_curl(const llmk_client *c)
{
#ifdef LLMK_HAVE_CURL
	return llmk__cdriver_owns(&c->transport);
#else
	(void)c;
	return 0;
#endif
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

static void transfer_done(void *ctx, int32_t st);

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
#ifdef LLMK_HAVE_CURL
		if (uses_curl(j->c)) {
			int32_t st;
			if (!j->m->drv && !(j->m->drv = llmk__cdriver_new())) {
				llmk_exchange_set_error(llmk__job_exchange(j->job), "curl_multi_init failed");
				state = llmk__job_transferred(j->job, LLMK_E_NOMEM);
				continue;
			}
			st = llmk__cdriver_add(j->m->drv, llmk__job_exchange(j->job), transfer_done, j);
			if (st != LLMK_OK) {
				state = llmk__job_transferred(j->job, st);
				continue;
			}
			set_state(j, M_TRANSFER);
			return;
		}
#endif
		set_state(j, M_SEQUENTIAL);
		return;
	}
}

static void transfer_done(void *ctx, int32_t st)
{
	mjob *j = ctx;

	place(j, llmk__job_transferred(j->job, st));
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
		place(j, llmk__job_start(&j->job, m->nspare ? m->spare[--m->nspare] : NULL, j->c, j->req, j->fn, j->user));
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
	start_queued(m);
#ifdef LLMK_HAVE_CURL
	if (m->drv)
		llmk__cdriver_step(m->drv);
#endif
	/* Transports of the program's own block: one such transfer per step. */
	if (m->nseq)
		for (j = m->active; j; j = j->next)
			if (j->state == M_SEQUENTIAL) {
				llmk_client *c = j->c;
				place(j, llmk__job_transferred(j->job,
				                               c->transport.send(llmk__job_exchange(j->job), c->transport_user)));
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
	int64_t t = -1, w;
	double now;

	if (!m || (!m->nqueued && !m->nactive))
		return -1;
	if (m->nseq || (m->nqueued && m->started < m->limit))
		return 0;
	if (m->nwait) {
		now = llmk__now_ms();
		for (j = m->active; j; j = j->next) {
			if (j->state != M_WAIT)
				continue;
			w = (int64_t)(llmk__job_wake_at(j->job) - now + 0.999);
			if (w < 0)
				w = 0;
			if (llmk__job_cancel(j->job) && w > 10)
				w = 10; /* a cancel flag is checked by perform */
			if (t < 0 || w < t)
				t = w;
		}
	}
#ifdef LLMK_HAVE_CURL
	if (m->drv) {
		w = llmk__cdriver_timeout_ms(m->drv);
		if (w >= 0 && (t < 0 || w < t))
			t = w;
	}
#endif
	return t;
}

size_t llmk_multi_fds(llmk_multi *m, int32_t *fds, int32_t *events, size_t cap)
{
	if (!m)
		return 0;
#ifdef LLMK_HAVE_CURL
	if (m->drv)
		return llmk__cdriver_fds(m->drv, fds, events, cap);
#endif
	(void)fds, (void)events, (void)cap;
	return 0;
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
#ifdef LLMK_HAVE_CURL
	/* curl's descriptors: the driver polls them and keeps what it found
	 * for the next perform (one poll per turn, not two). */
	if (m->drv && llmk__cdriver_fds(m->drv, NULL, NULL, 0))
		return llmk__cdriver_wait(m->drv, t);
#endif
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
				llmk__fail(r, LLMK_E_CANCELLED, "cancelled: the multi handle was freed before the request started");
		}
		j->done(r, j->user);
	}
	llmk__free(j);
}

void llmk_multi_free(llmk_multi *m)
{
	mjob *j, *next;

	if (!m)
		return;
	m->freeing = 1;
#ifdef LLMK_HAVE_CURL
	llmk__cdriver_free(m->drv); /* transfers stop; no callbacks */
	m->drv = NULL;
#endif
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
	llmk__free(m);
}
