/* Jobs: one request through its attempts, and the blocking calls
 * llmk_send()/llmk_stream() that run one on the caller's stack (so a
 * client can be shared between threads: nothing here writes to it). */
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "alloc.h"
#include "attempt.h"
#include "cache.h"
#include "clock.h"
#include "job.h"
#include "log.h"
#include "ratelimit.h"
#include "status.h"

/* ---- jobs: one request through its attempts ------------------------------
 *
 * A job is the state of one llmk_send()/llmk_stream() call between steps:
 * begin an attempt, transfer, finish it, maybe wait and begin the next. The
 * blocking calls run a job on the caller's stack with the transport's
 * blocking send; a multi (multi.c) keeps many on the heap and transfers
 * them together. Both go through these functions, so retries, limits and
 * logging cannot differ between the two. */

struct llmk__job {
	llmk_client *c;
	const llmk_request *req;
	int stream;
	llmk_stream_fn fn;
	void *user;
	llmk_response *r;
	int64_t retries, base, cap, deadline, left;
	double t0, t_attempt, wake_at;
	unsigned long n;
	int a;
	int in_attempt; /* p holds an attempt's resources */
	int waiting;    /* between attempts, until wake_at */
	int rl_gate;    /* waiting at the rate limits with the attempt prepared */
	llmk__rl_ticket rl;
	llmk__cache_job *cache; /* the answer goes to the response cache (cache.c) */
	llmk__attempt p;
};

/* Whether a failed attempt may be repeated: connection failures and
 * timeouts, HTTP 408/409/429/5xx, an overload or server error inside a 2xx
 * answer — never once the caller has seen an event. x-should-retry (OpenAI)
 * overrides the status either way. */
static int retryable(const llmk_response *r, int delivered)
{
	const char *sr = llmk__response_header(r, "x-should-retry");
	int32_t h = r->http_status;

	if (r->status == LLMK_OK || r->status == LLMK_E_CANCELLED || delivered)
		return 0;
	if (sr && !strcasecmp(sr, "false"))
		return 0;
	if (sr && !strcasecmp(sr, "true"))
		return 1;
	if (r->status == LLMK_E_TRANSPORT || r->status == LLMK_E_TIMEOUT)
		return 1;
	if (llmk__http_retryable(h))
		return 1;
	return llmk__is_2xx(h) &&
	       (r->status == LLMK_E_OVERLOADED || r->status == LLMK_E_RATE_LIMITED || r->status == LLMK_E_SERVER);
}

/* Waits until `when` (llmk__now_ms() time), in slices, unless the cancel
 * flag goes up: 1 if it did. */
static int wait_until(double when, const llmk_cancel *cancel)
{
	double left;
	struct timespec ts;

	while ((left = when - llmk__now_ms()) > 0) {
		if (llmk_cancel_triggered(cancel))
			return 1;
		if (left > 10)
			left = 10;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e6);
		nanosleep(&ts, NULL);
	}
	return llmk_cancel_triggered(cancel);
}

/* The response is final: total time, scrubbed error, last log line. */
static int job_finish(llmk__job *j)
{
	llmk_response *r = j->r;
	const char *model = llmk__req_str(j->req, LLMK_OPT_MODEL);

	/* Who was asked for what: prices (llmk_response_cost()) key on it. */
	if (!model || !*model)
		model = j->c->model;
	if (llmk__set_field(&r->provider, j->c->provider->name) != LLMK_OK ||
	    (model && llmk__set_field(&r->req_model, model) != LLMK_OK))
		llmk__fail(r, LLMK_E_NOMEM, "out of memory");
	r->timing[LLMK_TIMING_TOTAL_MS] = llmk__now_ms() - j->t0;
#ifdef LLMK_HAVE_SHARED_STATE
	if (j->rl.active)
		r->timing[LLMK_TIMING_RATE_WAIT_MS] = j->rl.waited;
#endif
	llmk__response_scrub(r, j->c);
	llmk__cache_end(j->cache, j->c, r);
	j->cache = NULL;
	if (r->status != LLMK_OK)
		llmk__log(j->c, LLMK_LOG_ERROR, "#%lu %s failed after %d attempt(s): %s", j->n, j->c->provider->name,
		          r->attempts, r->error ? r->error : llmk_strerror(r->status));
	return LLMK__JOB_DONE;
}

/* Frees what the attempt held (its exchange was sent or never will be). */
static void attempt_release(llmk__job *j)
{
	llmk__attempt *p = &j->p;

	llmk__attempt_decoders_free(p);
	llmk__free_view(p);
	llmk__exchange_clear(&p->ex);
	llmk__free(p->sctx.state);
	p->sctx.state = NULL;
	j->in_attempt = 0;
}

/* The response cache (cache.c): looked up once the first attempt's
 * exchange is built; later attempts only restart its record of events.
 * 1 when it answered: the exchange is never sent. */
static int job_cache(llmk__job *j)
{
	if (!j->c->cache)
		return 0;
	if (j->a > 1) {
		llmk__cache_retry(j->cache, &j->p);
		return 0;
	}
	return llmk__cache_begin(&j->cache, j->c, j->req, &j->p, j->n, &j->r);
}

/* Answered from the cache: the stream ends as one from the provider would
 * (its events were replayed); no attempt was made. */
static int job_cache_hit(llmk__job *j)
{
	llmk__attempt *p = &j->p;

	if (j->stream && j->fn && j->r->status == LLMK_OK && !p->sctx.cancelled)
		llmk__emit_done(&p->sctx);
	if (p->sctx.cancelled && j->r->status == LLMK_OK)
		llmk__fail(j->r, LLMK_E_CANCELLED, "cancelled by the stream callback");
	attempt_release(j);
	return job_finish(j);
}

/* Ends the current attempt: decides between done and a retry after a wait
 * (j->wake_at). */
static int job_end_attempt(llmk__job *j)
{
	llmk_client *c = j->c;
	llmk_response *r = j->r;
	llmk__attempt *p = &j->p;
	int delivered;
	int64_t delay, ra;
	uint32_t bound;

#ifdef LLMK_HAVE_SHARED_STATE
	llmk__rl_settle(c, &j->rl, r);
#endif
	if (r->usage[LLMK_USAGE_TOTAL] < 0 && r->usage[LLMK_USAGE_INPUT] >= 0 && r->usage[LLMK_USAGE_OUTPUT] >= 0)
		r->usage[LLMK_USAGE_TOTAL] = llmk__count_add(r->usage[LLMK_USAGE_INPUT], r->usage[LLMK_USAGE_OUTPUT]);
	if (j->stream && r->status == LLMK_OK && j->fn && !p->sctx.cancelled)
		llmk__emit_done(&p->sctx);
	if (p->sctx.cancelled && r->status == LLMK_OK)
		llmk__fail(r, LLMK_E_CANCELLED, "cancelled by the stream callback");
	delivered = p->sctx.delivered;
	attempt_release(j);

	/* An allocation failed during the attempt, yet it reports success:
	 * something may be missing (jansson's lexer, for one, drops characters
	 * it cannot store and carries on). Never pass that off as the answer. */
	if (r->status == LLMK_OK && llmk__oom_seen())
		llmk__fail(r, LLMK_E_NOMEM, "%s: out of memory while reading the answer", c->provider->name);
	r->attempts = j->a;
	llmk__log_attempt(c, j->n, r, j->a, (int)j->retries + 1, j->t_attempt);
	if (j->a > j->retries || !retryable(r, delivered))
		return job_finish(j);
	/* Retry-After is the server's word; longer than we may wait, the caller
	 * gets the answer and decides (retry_after_ms says when). */
	ra = r->retry_after_ms;
	if (ra > j->cap)
		return job_finish(j);
	if (ra >= 0) {
		delay = ra;
	} else {
		/* Full jitter: uniform in [0, min(cap, base * 2^(a-1))]. */
		int64_t top = j->base << (j->a - 1 < 20 ? j->a - 1 : 20);
		if (top > j->cap)
			top = j->cap;
		bound = top > 0x7fffffff ? 0x7fffffffu : (uint32_t)top;
		delay = (int64_t)randombytes_uniform(bound + 1);
	}
	if (j->deadline > 0 && llmk__now_ms() - j->t0 + (double)delay >= (double)j->deadline)
		return job_finish(j);
	llmk__log(c, LLMK_LOG_WARN, "#%lu retrying in %lld ms after %s (HTTP %d)", j->n, (long long)delay,
	          llmk_status_name(r->status), (int)r->http_status);
	j->wake_at = llmk__now_ms() + (double)delay;
	j->waiting = 1;
	return LLMK__JOB_WAIT;
}

/* The client's rate limits, asked once the attempt is prepared (its body
 * is the token estimate): TRANSFER when there is room; WAIT (the attempt
 * kept as it is) until there may be; else the attempt ends failed. A
 * build without shared state (-Dshared_state) has no gate at all: the
 * smallest build counts its bytes. */
#ifndef LLMK_HAVE_SHARED_STATE
#define job_rate_gate(j) LLMK__JOB_TRANSFER
#else
static int job_rate_gate(llmk__job *j)
{
	int64_t wait;
	double now = llmk__now_ms();

	if (j->rl.wait_from > 0)
		j->rl.waited += now - j->rl.wait_from;
	j->rl.wait_from = 0;
	switch (llmk__rl_take(j->c, j->req, j->p.ex.body.len, now - j->t0, &j->rl, j->r, &wait)) {
	case LLMK__RL_GO: return LLMK__JOB_TRANSFER;
	case LLMK__RL_WAIT:
		j->rl.wait_from = now;
		j->wake_at = now + (double)wait;
		j->waiting = j->rl_gate = 1;
		return LLMK__JOB_WAIT;
	default: return job_end_attempt(j);
	}
}
#endif

/* Begins attempt j->a: TRANSFER when the exchange j->p.ex is ready for the
 * client's transport, else what ending the attempt gave. */
static int job_begin_attempt(llmk__job *j)
{
	llmk_client *c = j->c;
	llmk__attempt *p = &j->p;

	j->t_attempt = llmk__now_ms();
	j->left = 0;
	if (j->deadline > 0) {
		j->left = j->deadline - (int64_t)(j->t_attempt - j->t0);
		if (j->left <= 0) {
			llmk__fail(j->r, LLMK_E_TIMEOUT, "deadline_ms (%lld ms) passed before attempt %d",
			           (long long)j->deadline, j->a);
			return job_finish(j);
		}
	}
	llmk__log(c, LLMK_LOG_DEBUG, "#%lu %s %s: attempt %d of %d", j->n, c->provider->name, llmk__log_url(c), j->a,
	          (int)j->retries + 1);
	llmk__oom_reset();
	memset(p, 0, sizeof(*p));
	p->c = c;
	p->r = j->req;
	p->resp = j->r;
	p->ad = c->provider->adapter;
	p->stream = j->stream && (j->req->kind == LLMK_CHAT || llmk__media_streams(c->provider, j->req));
	p->sctx.provider_name = c->provider->name;
	p->t0 = j->t0;
	p->deadline_left_ms = j->left;
	p->max_depth = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_JSON_DEPTH, 128);
	p->max_events = (size_t)-1;
	p->sctx.resp = j->r;
	p->sctx.fn = j->fn;
	p->sctx.user = j->user;
	p->sctx.t0 = j->t0;
	llmk__exchange_init(&p->ex);
	j->in_attempt = 1;
	if (llmk__attempt_prepare(p))
		return job_cache(j) ? job_cache_hit(j) : job_rate_gate(j);
	return job_end_attempt(j);
}

static llmk_status job_init(llmk__job *j, llmk_client *c, const llmk_request *req, int stream, llmk_stream_fn fn,
                            void *user)
{
	memset(j, 0, sizeof(*j));
	j->r = llmk__response_new();
	if (!j->r)
		return LLMK_E_NOMEM;
	if (!c || !req)
		return llmk__fail(j->r, LLMK_E_INVALID_ARG, "%s is NULL", !c ? "client" : "request");
	if (stream && !fn)
		return llmk__fail(j->r, LLMK_E_INVALID_ARG, "stream callback is NULL");
	j->c = c;
	j->req = req;
	j->stream = stream;
	j->fn = fn;
	j->user = user;
	j->retries = llmk__client_i64(c, LLMK_OPT_MAX_RETRIES, 2);
	j->base = llmk__client_i64(c, LLMK_OPT_RETRY_BASE_MS, 500);
	j->cap = llmk__client_i64(c, LLMK_OPT_RETRY_MAX_MS, 30000);
	j->deadline = llmk__client_i64(c, LLMK_OPT_DEADLINE_MS, 0);
	j->n = llmk__request_number();
	j->t0 = llmk__now_ms();
	j->a = 1;
	return LLMK_OK;
}

int llmk__job_start(llmk__job **out, llmk__job *mem, llmk_client *c, const llmk_request *req, llmk_stream_fn fn,
                    void *user)
{
	llmk__job *j = mem ? mem : llmk__malloc(sizeof(*j));

	*out = j;
	if (!j)
		return LLMK__JOB_NOMEM;
	if (job_init(j, c, req, fn != NULL, fn, user) != LLMK_OK)
		return j->r ? LLMK__JOB_DONE : LLMK__JOB_NOMEM;
	return job_begin_attempt(j);
}

int llmk__job_transferred(llmk__job *j, llmk_status st)
{
	llmk__attempt_complete(&j->p, st);
	return job_end_attempt(j);
}

/* Cancelled between attempts: the last failure stays on record; the status
 * says why we stopped. */
static int cancel_wait(llmk__job *j, const char *why)
{
	char *was = j->r->error;

	j->r->error = NULL;
	j->r->status = LLMK_OK;
	llmk__fail(j->r, LLMK_E_CANCELLED, "cancelled while waiting to retry (%s; last attempt: %s)", why,
	           was ? was : "");
	llmk__free(was);
	return job_finish(j);
}

int llmk__job_wake(llmk__job *j)
{
	llmk_response *next;

	j->waiting = 0;
#ifdef LLMK_HAVE_SHARED_STATE
	if (j->rl_gate) { /* the attempt is prepared: ask the limits again */
		j->rl_gate = 0;
		if (!llmk_cancel_triggered(j->req->cancel))
			return job_rate_gate(j);
		llmk__fail(j->r, LLMK_E_CANCELLED, "cancelled while waiting for the rate limits (cancel flag raised)");
		return job_end_attempt(j);
	}
#endif
	if (llmk_cancel_triggered(j->req->cancel))
		return cancel_wait(j, "cancel flag raised");
	/* The wait was chosen to end before the deadline, but a busy thread (or
	 * a multi not driven for a while) can wake after it: then the answer is
	 * the last failure, as when the next wait would have passed the
	 * deadline (job_end_attempt), not an empty response. 1 ms of margin:
	 * the attempt checks the deadline again and would have only a fresh
	 * response to report on. */
	if (j->deadline > 0 && llmk__now_ms() - j->t0 + 1.0 >= (double)j->deadline)
		return job_finish(j);
	next = llmk__response_new();
	if (!next)
		return job_finish(j); /* keep the last answer: it is the best we have */
	llmk_response_free(j->r);
	j->r = next;
	j->a++;
	return job_begin_attempt(j);
}

llmk_exchange *llmk__job_exchange(llmk__job *j)
{
	return &j->p.ex;
}

double llmk__job_wake_at(const llmk__job *j)
{
	return j->wake_at;
}

const llmk_cancel *llmk__job_cancel(const llmk__job *j)
{
	return j->req ? j->req->cancel : NULL;
}

void llmk__job_free(llmk__job *mem)
{
	llmk__free(mem);
}

llmk_response *llmk__job_take(llmk__job *j, int keep)
{
	llmk_response *r = j->r;

	/* Abandoned (the multi was freed) mid-transfer or between attempts. */
	if (j->in_attempt) {
		llmk__fail(j->r, LLMK_E_CANCELLED, "cancelled: the multi handle was freed");
		job_end_attempt(j);
	} else if (j->waiting) {
		j->waiting = 0;
		cancel_wait(j, "the multi handle was freed");
	}
	j->r = NULL;
	if (!keep)
		llmk__free(j);
	return r;
}

/* ---- blocking calls ----------------------------------------------------- */

static llmk_status start(llmk_client *c, const llmk_request *req, int stream, llmk_stream_fn fn, void *user,
                         llmk_response **out)
{
	llmk__job j;
	llmk_status st;
	int state;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	st = job_init(&j, c, req, stream, fn, user);
	*out = j.r;
	if (st != LLMK_OK)
		return st;
	state = job_begin_attempt(&j);
	for (;;) {
		if (state == LLMK__JOB_TRANSFER) {
			st = c->transport.send(&j.p.ex, c->transport_user);
			state = llmk__job_transferred(&j, st);
		} else if (state == LLMK__JOB_WAIT) {
			wait_until(j.wake_at, req->cancel);
			state = llmk__job_wake(&j);
		} else {
			break;
		}
	}
	*out = j.r;
	return j.r->status;
}

llmk_status llmk_send(llmk_client *c, const llmk_request *r, llmk_response **out)
{
	return start(c, r, 0, NULL, NULL, out);
}

llmk_status llmk_stream(llmk_client *c, const llmk_request *r, llmk_stream_fn fn, void *user, llmk_response **out)
{
	return start(c, r, 1, fn, user, out);
}
