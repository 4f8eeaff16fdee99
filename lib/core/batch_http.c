/* The batch protocol's HTTP calls (upload, create, poll, cancel, download)
 * and the building of a batch line. A protocol call is not a model request
 * (no kind, no adapter build or parse), so it does not run as a job; it
 * gets the same transport, timeouts, retry policy (full jitter, the
 * server's Retry-After, x-should-retry), cancel flag and scrubbing. A line
 * is built by the same attempt code as llmk_send() (attempt.c), so it is
 * exactly what the request would send on its own. */
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "adapter.h"
#include "alloc.h"
#include "attempt.h"
#include "batch.h"
#include "clock.h"
#include "log.h"
#include "status.h"

void llmk__batch_info_clear(llmk__batch_info *info)
{
	llmk__free(info->id);
	llmk__free(info->model);
	llmk__free(info->where[0]);
	llmk__free(info->where[1]);
	llmk__free(info->error);
	memset(info, 0, sizeof(*info));
	info->kind = -1;
	info->n[0] = info->n[1] = info->n[2] = info->n[3] = info->n[4] = -1;
}

void llmk__batch_result_clear(llmk__batch_result *res)
{
	llmk__free(res->custom_id);
	llmk__free(res->answer);
	llmk__free(res->error);
	memset(res, 0, sizeof(*res));
}

/* The file's line breaks as an array's commas; the last one (at
 * file_len - 1) as a space. */
static void join_lines(uint8_t *p, size_t k, uint64_t at, uint64_t file_len)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (p[i] == '\n')
			p[i] = at + i + 1 == file_len ? ' ' : ',';
}

size_t llmk__batch_body_read(void *ctx, uint8_t *buf, size_t cap)
{
	llmk__batch_body *b = ctx;
	size_t n = 0, k;
	uint64_t end1 = b->head_len, end2 = end1 + b->file_len, end3 = end2 + b->tail_len;

	while (n < cap && b->pos < end3) {
		if (b->pos < end1) {
			k = (size_t)(end1 - b->pos) < cap - n ? (size_t)(end1 - b->pos) : cap - n;
			memcpy(buf + n, b->head + b->pos, k);
		} else if (b->pos < end2) {
			k = (uint64_t)(cap - n) < end2 - b->pos ? cap - n : (size_t)(end2 - b->pos);
			k = fread(buf + n, 1, k, b->file);
			if (!k) {
				b->failed = 1;
				return (size_t)-1;
			}
			if (b->join)
				join_lines(buf + n, k, b->pos - end1, b->file_len);
		} else {
			k = (size_t)(end3 - b->pos) < cap - n ? (size_t)(end3 - b->pos) : cap - n;
			memcpy(buf + n, b->tail + (b->pos - end2), k);
		}
		n += k;
		b->pos += k;
	}
	return n;
}

/* ---- one call ------------------------------------------------------------- */

typedef struct sink {
	llmk_response *r;
	FILE *to;
	uint64_t max_to, got;
	off_t start; /* where this call's bytes start in `to` (a retry starts there again) */
	size_t max_body;
	int64_t deadline_left_ms; /* > 0: what deadline_ms leaves for this attempt */
} sink;

static int on_status(void *ctx, int32_t http_status)
{
	sink *s = ctx;

	llmk__buf_clear(&s->r->headers);
	s->r->nheaders = 0;
	s->r->header_bytes = 0;
	s->r->http_status = http_status;
	return 0;
}

static int on_header(void *ctx, const char *name, const char *value)
{
	sink *s = ctx;
	llmk_response *r = s->r;
	size_t nl = strlen(name), vl = strlen(value);

	r->header_bytes += nl + vl;
	if (r->nheaders >= LLMK_MAX_HEADERS || r->header_bytes > LLMK_MAX_HEADER_BYTES) {
		llmk__fail(r, LLMK_E_TOO_LARGE, "response headers exceed %u headers / %u bytes",
		           (unsigned)LLMK_MAX_HEADERS, (unsigned)LLMK_MAX_HEADER_BYTES);
		return 1;
	}
	if (llmk__buf_append(&r->headers, name, nl + 1) || llmk__buf_append(&r->headers, value, vl + 1)) {
		llmk__fail(r, LLMK_E_NOMEM, "out of memory storing response headers");
		return 1;
	}
	r->nheaders++;
	return 0;
}

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
	sink *s = ctx;
	llmk_response *r = s->r;

	/* Only a 2xx answer goes to the file: an error body is read by the
	 * adapter's parse_error(). */
	if (s->to && llmk__is_2xx(r->http_status)) {
		if (len > s->max_to - s->got) {
			llmk__fail(r, LLMK_E_TOO_LARGE, "batch results exceed %llu bytes (max_response_bytes x 64)",
			           (unsigned long long)s->max_to);
			return 1;
		}
		if (fwrite(data, 1, len, s->to) != len) {
			llmk__fail(r, LLMK_BATCH_E_IO, "writing the batch results to a temporary file failed");
			return 1;
		}
		s->got += len;
		return 0;
	}
	if (len > s->max_body - r->raw.len) {
		llmk__fail(r, LLMK_E_TOO_LARGE, "response body exceeds max_response_bytes (%zu)", s->max_body);
		return 1;
	}
	if (llmk__buf_append(&r->raw, data, len)) {
		llmk__fail(r, LLMK_E_NOMEM, "out of memory receiving the response body");
		return 1;
	}
	return 0;
}

/* Sets up one attempt's exchange. */
static llmk_status prepare(llmk__batch_call *bc, const llmk__batch_req *rq, llmk_exchange *ex, sink *s,
                           llmk_response *r)
{
	const llmk_client *c = bc->c;
	llmk_status st;
	size_t i;

	llmk__exchange_init(ex);
	ex->method = rq->method;
	if ((st = llmk__exchange_set_url(ex, rq->url, "")) != LLMK_OK)
		return llmk__fail(r, st, "%s: batch URL refused: %s", c->provider->name, ex->errmsg);
	if ((st = rq->headers(c, ex)) != LLMK_OK ||
	    (rq->content_type && (st = llmk__exchange_header(ex, "Content-Type", rq->content_type)) != LLMK_OK))
		return llmk__fail(r, st, "%s: building the batch request failed", c->provider->name);
	for (i = 0; rq->extra && rq->extra[i] && rq->extra[i + 1]; i += 2)
		if ((st = llmk__exchange_header(ex, rq->extra[i], rq->extra[i + 1])) != LLMK_OK)
			return llmk__fail(r, st, "%s: building the batch request failed", c->provider->name);
	if (rq->stream) {
		rq->stream->pos = 0;
		rq->stream->failed = 0;
		if (rq->stream->file && fseeko(rq->stream->file, 0, SEEK_SET))
			return llmk__fail(r, LLMK_BATCH_E_IO, "rewinding the batch file failed");
		ex->body_read = llmk__batch_body_read;
		ex->body_read_ctx = rq->stream;
		ex->body_read_len = rq->stream->head_len + rq->stream->file_len + rq->stream->tail_len;
	} else if (rq->body && llmk__buf_append(&ex->body, rq->body, rq->body_len)) {
		return llmk__fail(r, LLMK_E_NOMEM, "out of memory");
	}
	ex->timeout_ms = llmk__client_i64(c, LLMK_OPT_TIMEOUT_MS, 600000);
	if (s->deadline_left_ms > 0 && (ex->timeout_ms == 0 || ex->timeout_ms > s->deadline_left_ms))
		ex->timeout_ms = s->deadline_left_ms;
	ex->connect_timeout_ms = llmk__client_i64(c, LLMK_OPT_CONNECT_TIMEOUT_MS, 10000);
	ex->idle_timeout_ms = llmk__client_i64(c, LLMK_OPT_IDLE_TIMEOUT_MS, 0);
	ex->ca_file = llmk__client_str(c, LLMK_OPT_CA_BUNDLE);
	ex->ca_dir = llmk__client_str(c, LLMK_OPT_CA_DIR);
	ex->cancel = bc->cancel;
	s->r = r;
	s->to = rq->to;
	s->max_to = rq->max_to;
	s->got = 0;
	s->max_body = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_RESPONSE_BYTES, LLMK_DEFAULT_MAX_RESPONSE);
	ex->sink.status = on_status;
	ex->sink.header = on_header;
	ex->sink.body = on_body;
	ex->sink.ctx = s;
	if (rq->to && (fflush(rq->to) || fseeko(rq->to, s->start, SEEK_SET) || ftruncate(fileno(rq->to), s->start)))
		return llmk__fail(r, LLMK_BATCH_E_IO, "resetting the batch results file failed");
	return LLMK_OK;
}

/* After the transfer: the status of the answer. */
static void classify(llmk__batch_call *bc, const llmk__batch_req *rq, llmk_exchange *ex, llmk_response *r,
                     llmk_status st)
{
	const llmk_client *c = bc->c;
	llmk_status es;
	char *detail;

	if (llmk_cancel_triggered(bc->cancel)) {
		r->status = LLMK_OK;
		llmk__fail(r, LLMK_E_CANCELLED, "%s: cancelled (cancel flag raised)", c->provider->name);
		return;
	}
	if (r->status != LLMK_OK)
		return;
	if (rq->stream && rq->stream->failed) {
		llmk__fail(r, LLMK_BATCH_E_IO, "%s: reading the batch file failed", c->provider->name);
		return;
	}
	if (st != LLMK_OK) {
		llmk__fail(r, st, "%s: %s: %s", c->provider->name, llmk_strerror(st),
		           ex->errmsg[0] ? ex->errmsg : "transport failed");
		return;
	}
	if (!r->http_status) {
		llmk__fail(r, LLMK_E_PROTOCOL, "transport reported success without an HTTP status");
		return;
	}
	llmk__read_request_id(r);
	if (llmk__is_2xx(r->http_status))
		return;
	llmk__read_retry_after(r);
	es = c->provider->adapter->parse_error(r, r->http_status, r->raw.data ? r->raw.data : "", r->raw.len);
	detail = r->error;
	r->error = NULL;
	r->status = LLMK_OK;
	if (detail && *detail)
		llmk__fail(r, es, "%s: HTTP %d: %s", c->provider->name, (int)r->http_status, detail);
	else
		llmk__fail(r, es, "%s: HTTP %d with no error message", c->provider->name, (int)r->http_status);
	llmk__free(detail);
}

static int may_retry(const llmk__batch_req *rq, const llmk_response *r)
{
	const char *sr = llmk__response_header(r, "x-should-retry");
	int32_t h = r->http_status;

	if (r->status == LLMK_OK || r->status == LLMK_E_CANCELLED)
		return 0;
	if (sr && !strcasecmp(sr, "false"))
		return 0;
	if (sr && !strcasecmp(sr, "true"))
		return 1;
	if (h == 408 || h == 429)
		return 1;
	if (!rq->idempotent)
		return 0;
	return r->status == LLMK_E_TRANSPORT || r->status == LLMK_E_TIMEOUT || llmk__http_retryable(h);
}

/* Sleeps ms in slices, unless the flag goes up: 1 if it did. */
static int pause_ms(int64_t ms, const llmk_cancel *cancel)
{
	double until = llmk__now_ms() + (double)ms, left;
	struct timespec ts;

	while ((left = until - llmk__now_ms()) > 0) {
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

llmk_status llmk__batch_http(llmk__batch_call *bc, const llmk__batch_req *rq, llmk_response **out)
{
	llmk_client *c = bc->c;
	int64_t retries = llmk__client_i64(c, LLMK_OPT_MAX_RETRIES, 2);
	int64_t base = llmk__client_i64(c, LLMK_OPT_RETRY_BASE_MS, 500);
	int64_t cap = llmk__client_i64(c, LLMK_OPT_RETRY_MAX_MS, 30000);
	int64_t deadline = llmk__client_i64(c, LLMK_OPT_DEADLINE_MS, 0);
	double t0 = llmk__now_ms(), t_attempt;
	unsigned long n = llmk__request_number();
	llmk_response *r = NULL;
	llmk_exchange ex;
	sink s;
	llmk_status st;
	int64_t a, delay;
	uint32_t bound;

	*out = NULL;
	bc->errmsg[0] = '\0';
	s.start = rq->to ? ftello(rq->to) : 0;
	for (a = 0;; a++) {
		llmk_response_free(r);
		if (!(r = llmk__response_new())) {
			snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
			return LLMK_E_NOMEM;
		}
		r->attempts = (int32_t)(a + 1);
		t_attempt = llmk__now_ms();
		s.deadline_left_ms = deadline > 0 ? deadline - (int64_t)(t_attempt - t0) : 0;
		if (deadline > 0 && s.deadline_left_ms <= 0) {
			llmk__fail(r, LLMK_E_TIMEOUT, "%s: deadline_ms (%lld) passed", c->provider->name,
			           (long long)deadline);
			break;
		}
		llmk__log(c, LLMK_LOG_DEBUG, "#%lu %s batch: %s %s", n, c->provider->name, rq->method, rq->url);
		if (prepare(bc, rq, &ex, &s, r) == LLMK_OK) {
			if (!c->transport.send)
				llmk__fail(r, LLMK_E_UNSUPPORTED,
				           "no transport: built without libcurl and none was installed");
			else
				classify(bc, rq, &ex, r, c->transport.send(&ex, c->transport_user));
		}
		llmk__exchange_clear(&ex);
		llmk__log_attempt(c, n, r, (int)a + 1, (int)retries + 1, t_attempt);
		if (a >= retries || !may_retry(rq, r))
			break;
		delay = r->retry_after_ms;
		if (delay <= 0) {
			delay = base << (a < 20 ? a : 20);
			if (delay > cap || delay < 0)
				delay = cap;
			bound = delay > (int64_t)UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)delay;
			delay = (int64_t)randombytes_uniform(bound + 1);
		} else if (delay > cap) {
			break; /* the server asks for longer than we may wait */
		}
		if (deadline > 0 && llmk__now_ms() - t0 + (double)delay >= (double)deadline)
			break; /* the wait would cross deadline_ms: the answer in hand is the result */
		if (pause_ms(delay, bc->cancel)) {
			r->status = LLMK_OK;
			llmk__free(r->error);
			r->error = NULL;
			llmk__fail(r, LLMK_E_CANCELLED, "%s: cancelled while waiting to retry", c->provider->name);
			break;
		}
	}
	llmk__response_scrub(r, c);
	if (r->status != LLMK_OK)
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s", r->error ? r->error : llmk_strerror(r->status));
	st = r->status;
	*out = r;
	return st;
}

/* ---- a line: the request as llmk_send() would build it -------------------- */

llmk_status llmk__batch_build(const llmk_client *c, const llmk_request *r, llmk_exchange *ex, llmk_response *resp,
                              char **model_out)
{
	const char *model = llmk__req_str(r, LLMK_OPT_MODEL);
	llmk__attempt *p;
	int ok;

	*model_out = NULL;
	llmk__exchange_init(ex);
	if (c->user_provider)
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s is a provider of the program's: it has no batch API",
		                  c->provider->name);
	if (!(p = llmk__calloc(1, sizeof(*p))))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	p->c = c;
	p->r = r;
	p->resp = resp;
	p->ad = c->provider->adapter;
	p->sctx.provider_name = c->provider->name;
	p->sctx.resp = resp;
	p->max_depth = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_JSON_DEPTH, 128);
	p->max_events = (size_t)-1;
	llmk__exchange_init(&p->ex);
	ok = llmk__attempt_prepare(p);
	if (ok) {
		*ex = p->ex; /* the URL, headers and body move to the caller */
		ex->sink.ctx = NULL;
		if (!model || !*model)
			model = c->model;
		if (!(*model_out = llmk__strdup(model)))
			llmk__fail(resp, LLMK_E_NOMEM, "out of memory");
	} else {
		llmk__exchange_clear(&p->ex);
		if (resp->status == LLMK_OK)
			llmk__fail(resp, LLMK_E_INVALID_ARG, "the request could not be built for a batch");
	}
	llmk__attempt_decoders_free(p);
	llmk__free_view(p);
	llmk__free(p->sctx.state);
	llmk__free(p);
	return resp->status;
}
