/* Provider batches (llmk_batch_*): the handle, the spool of lines, polling
 * and the results read back as ordinary responses. The wire formats' batch
 * APIs (batch.h, lib/providers/batch_*.c) do the talking; this file keeps
 * what every provider shares:
 *  - each added request is built at once by the same code as llmk_send()
 *    (llmk__batch_build) and its line appended to a temporary file, so a
 *    batch of 50,000 requests costs a file, not memory, and a request the
 *    provider would refuse is refused when it is added;
 *  - the provider's limits (requests, bytes) are checked as lines are added,
 *    before anything is uploaded;
 *  - results are downloaded to a temporary file and read one line at a
 *    time into a response made by the adapter's own parse() or
 *    parse_error(), marked as a batch result so its cost is at the batch
 *    price.
 *
 * One file (over 700 lines) because the handle's state -- spool, ids,
 * provider info, results file -- is shared by every step of a batch's life;
 * split, each part would need the struct and the step before it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "adapter.h"
#include "alloc.h"
#include "batch.h"
#include "clock.h"

#define ID_MAX 64
#define RESULTS_FACTOR 64 /* results may be this many times max_response_bytes */

struct llmk_batch {
	llmk_client *c;
	const llmk__batch_ops *ops;
	llmk__batch_info info;
	const llmk_cancel *cancel;
	int submitted;
	/* Before submission: the lines, their count and the ids in order
	 * (sorted copies for the duplicate check). */
	FILE *spool;
	uint64_t spool_len;
	size_t n;
	char **ids;
	size_t idcap;
	size_t *slot; /* hash set over ids: index + 1, 0 empty (open addressing) */
	size_t slotcap;
	int32_t kind;
	char *model;
	/* Results. */
	FILE *results;
	int results_read; /* downloaded */
	llmk__buf line;
	llmk_request *blank; /* a request of the batch's kind, for parse() */
	size_t blank_inputs; /* embed: how many (empty) inputs it has */
	char *cur_id;
	size_t nth;
	char errmsg[LLMK_ERRMSG_MAX];
};

static llmk_status fail(llmk_batch *b, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

static llmk_status fail(llmk_batch *b, llmk_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->errmsg, sizeof(b->errmsg), fmt, ap);
	va_end(ap);
	llmk__client_scrub_str(b->c, b->errmsg, 0);
	return st;
}

static llmk_status from_call(llmk_batch *b, const llmk__batch_call *bc, llmk_status st)
{
	if (st != LLMK_OK)
		snprintf(b->errmsg, sizeof(b->errmsg), "%s", bc->errmsg[0] ? bc->errmsg : llmk_strerror(st));
	else
		b->errmsg[0] = '\0';
	return st;
}

static void call_init(llmk_batch *b, llmk__batch_call *bc)
{
	memset(bc, 0, sizeof(*bc));
	bc->c = b->c;
	bc->cancel = b->cancel;
}

/* A failure that followed a failed allocation is out of memory, whatever it
 * looked like (a JSON text cut short reads as malformed): the allocator's
 * flag (alloc.c) is reset before each provider call and read after it. */
static llmk_status oom_wins(llmk__batch_call *bc, llmk_status st)
{
	if (st != LLMK_OK && st != LLMK_E_NOMEM && llmk__oom_seen()) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
		return LLMK_E_NOMEM;
	}
	return st;
}

static int32_t kinds_of(const llmk_client *c)
{
	return (c->provider->chat_caps & LLMK_CAP_BATCH_API ? 1u << LLMK_CHAT : 0) |
	       (c->provider->embed_caps & LLMK_CAP_BATCH_API ? 1u << LLMK_EMBED : 0);
}

static llmk_status make(llmk_batch **out, llmk_client *c)
{
	llmk_batch *b;
	const llmk__batch_ops *ops;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	if (!c)
		return LLMK_E_INVALID_ARG;
	ops = c->provider->adapter ? c->provider->adapter->batch : NULL;
	if (ops && ops->select)
		ops = ops->select(c);
	if (c->user_provider || !ops || !kinds_of(c))
		return llmk__client_err(c, LLMK_E_UNSUPPORTED, "%s has no batch API in this library",
		                        c->provider->name);
	if (!(b = llmk__calloc(1, sizeof(*b))))
		return LLMK_E_NOMEM;
	b->c = c;
	b->ops = ops;
	b->kind = -1;
	llmk__batch_info_clear(&b->info); /* zeroed by calloc: sets the unknowns */
	*out = b;
	return LLMK_OK;
}

llmk_status llmk_batch_new(llmk_batch **out, llmk_client *client)
{
	return make(out, client);
}

llmk_status llmk_batch_open(llmk_batch **out, llmk_client *client, const char *id)
{
	llmk_status st;
	llmk_batch *b;

	if (!id || !*id)
		return out ? (*out = NULL, LLMK_E_INVALID_ARG) : LLMK_E_INVALID_ARG;
	if ((st = make(out, client)) != LLMK_OK)
		return st;
	b = *out;
	b->submitted = 1;
	if (!(b->info.id = llmk__strdup(id)))
		return fail(b, LLMK_E_NOMEM, "out of memory");
	return llmk_batch_refresh(b);
}

void llmk_batch_free(llmk_batch *b)
{
	size_t i;

	if (!b)
		return;
	if (b->spool)
		fclose(b->spool);
	if (b->results)
		fclose(b->results);
	for (i = 0; i < b->n; i++)
		llmk__free(b->ids[i]);
	llmk__free(b->ids);
	llmk__free(b->slot);
	llmk__free(b->model);
	llmk__free(b->cur_id);
	llmk__buf_free(&b->line);
	llmk_request_free(b->blank);
	llmk__batch_info_clear(&b->info);
	llmk__free(b);
}

static int valid_id(const char *id)
{
	size_t n = 0;

	if (!id)
		return 0;
	for (; id[n]; n++)
		if (!((id[n] >= 'a' && id[n] <= 'z') || (id[n] >= 'A' && id[n] <= 'Z') ||
		      (id[n] >= '0' && id[n] <= '9') || id[n] == '_' || id[n] == '-') ||
		    n >= ID_MAX)
			return 0;
	return n > 0;
}

/* A batch holds tens of thousands of ids: the duplicate check is a hash
 * set over them. */
static size_t hash(const char *s)
{
	size_t h = (size_t)1469598103934665603u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * (size_t)1099511628211u;
	return h;
}

static int id_seen(const llmk_batch *b, const char *id)
{
	size_t i, k;

	if (!b->slotcap)
		return 0;
	for (i = hash(id) & (b->slotcap - 1);; i = (i + 1) & (b->slotcap - 1)) {
		k = b->slot[i];
		if (!k)
			return 0;
		if (!strcmp(b->ids[k - 1], id))
			return 1;
	}
}

/* Adds ids[index] to the set (grown to stay at most half full). */
static int id_insert(llmk_batch *b, size_t index)
{
	size_t i, j, cap;
	size_t *slot;

	if ((index + 1) * 2 > b->slotcap) {
		cap = b->slotcap ? b->slotcap * 2 : 64;
		if (!(slot = llmk__calloc(cap, sizeof(*slot))))
			return -1;
		for (j = 0; j < b->slotcap; j++)
			if (b->slot[j]) {
				for (i = hash(b->ids[b->slot[j] - 1]) & (cap - 1); slot[i]; i = (i + 1) & (cap - 1))
					;
				slot[i] = b->slot[j];
			}
		llmk__free(b->slot);
		b->slot = slot;
		b->slotcap = cap;
	}
	for (i = hash(b->ids[index]) & (b->slotcap - 1); b->slot[i]; i = (i + 1) & (b->slotcap - 1))
		;
	b->slot[i] = index + 1;
	return 0;
}

static const char *kind_word(int32_t kind)
{
	return kind == LLMK_CHAT ? "chat" : kind == LLMK_EMBED ? "embed" : "this kind of";
}

llmk_status llmk_batch_add(llmk_batch *b, const char *custom_id, const llmk_request *r)
{
	llmk_exchange ex;
	llmk_response *resp;
	llmk__buf line = LLMK__BUF_INIT;
	char *model = NULL, *id = NULL;
	llmk_status st;

	if (!b || !r)
		return LLMK_E_INVALID_ARG;
	b->errmsg[0] = '\0';
	if (!b->ops)
		return fail(b, LLMK_BATCH_E_IO, "the batch's temporary file is broken: start a new batch");
	if (b->submitted)
		return fail(b, LLMK_E_INVALID_ARG, "the batch was submitted already: requests are added before");
	if (!valid_id(custom_id))
		return fail(b, LLMK_E_INVALID_ARG, "custom id must be 1 to %d characters of A-Z a-z 0-9 _ -", ID_MAX);
	if (id_seen(b, custom_id))
		return fail(b, LLMK_E_INVALID_ARG, "custom id '%s' is already in the batch", custom_id);
	if (!(kinds_of(b->c) & b->ops->kinds & (1u << r->kind)))
		return fail(b, LLMK_E_UNSUPPORTED, "%s: %s takes no %s requests", b->c->provider->name, b->ops->name,
		            kind_word(r->kind));
	if (b->kind >= 0 && r->kind != b->kind)
		return fail(b, LLMK_E_INVALID_ARG, "every request of a batch has the same kind (this one: %s)",
		            kind_word(b->kind));
	if (b->n >= b->ops->max_requests)
		return fail(b, LLMK_E_TOO_LARGE, "%s takes at most %zu requests in a batch", b->ops->name,
		            b->ops->max_requests);
	if (!(resp = llmk__response_new()))
		return fail(b, LLMK_E_NOMEM, "out of memory");
	st = llmk__batch_build(b->c, r, &ex, resp, &model);
	if (st != LLMK_OK) {
		llmk__exchange_clear(&ex); /* a build that failed late may have filled it */
		llmk__free(model);
		llmk__response_scrub(resp, b->c);
		fail(b, st, "request '%s': %s", custom_id, resp->error ? resp->error : llmk_strerror(st));
		llmk_response_free(resp);
		return st;
	}
	llmk_response_free(resp);
	if (b->model && strcmp(b->model, model)) {
		st = fail(b, LLMK_E_INVALID_ARG, "every request of a batch asks the same model (the batch's: %s)",
		          b->model);
		goto out;
	}
	st = b->ops->line(b->c, custom_id, r->kind, &ex, &line, b->errmsg, sizeof(b->errmsg));
	if (st != LLMK_OK) {
		if (!b->errmsg[0])
			fail(b, st, "out of memory");
		goto out;
	}
	if (line.len + b->ops->line_overhead > b->ops->max_bytes - b->spool_len) {
		st = fail(b, LLMK_E_TOO_LARGE, "%s takes at most %llu bytes in a batch (request '%s' would pass it)",
		          b->ops->name, (unsigned long long)b->ops->max_bytes, custom_id);
		goto out;
	}
	if (b->n == b->idcap) {
		size_t cap = b->idcap ? b->idcap * 2 : 64;
		char **grown = llmk__realloc(b->ids, cap * sizeof(*grown));
		if (!grown) {
			st = fail(b, LLMK_E_NOMEM, "out of memory");
			goto out;
		}
		b->ids = grown;
		b->idcap = cap;
	}
	if (!b->spool && !(b->spool = tmpfile())) {
		st = fail(b, LLMK_BATCH_E_IO, "could not create a temporary file for the batch");
		goto out;
	}
	if (!(id = llmk__strdup(custom_id))) {
		st = fail(b, LLMK_E_NOMEM, "out of memory");
		goto out;
	}
	if (fwrite(line.data, 1, line.len, b->spool) != line.len) {
		st = fail(b, LLMK_BATCH_E_IO, "writing the batch's temporary file failed");
		goto out;
	}
	b->ids[b->n] = id;
	id = NULL;
	if (id_insert(b, b->n)) {
		/* The line is written: undo it so the file and the ids agree. */
		llmk__free(b->ids[b->n]);
		if (fflush(b->spool) || ftruncate(fileno(b->spool), (off_t)b->spool_len) ||
		    fseeko(b->spool, (off_t)b->spool_len, SEEK_SET))
			b->ops = NULL; /* unusable: refused from now on */
		st = fail(b, LLMK_E_NOMEM, "out of memory");
		goto out;
	}
	b->n++;
	b->spool_len += line.len + b->ops->line_overhead;
	b->kind = r->kind;
	if (!b->model) {
		b->model = model;
		model = NULL;
	}
out:
	llmk__free(id);
	llmk__free(model);
	llmk__buf_free(&line);
	llmk__exchange_clear(&ex);
	return st;
}

size_t llmk_batch_size(const llmk_batch *b)
{
	if (!b)
		return 0;
	if (b->submitted && b->info.n[LLMK_BATCH_N_TOTAL] >= 0)
		return (size_t)b->info.n[LLMK_BATCH_N_TOTAL];
	return b->n;
}

llmk_status llmk_batch_submit(llmk_batch *b)
{
	llmk__batch_call bc;
	llmk_status st;
	uint64_t len;

	if (!b)
		return LLMK_E_INVALID_ARG;
	if (b->submitted)
		return fail(b, LLMK_E_INVALID_ARG, "the batch was submitted already (%s)",
		            b->info.id ? b->info.id : "");
	if (!b->n)
		return fail(b, LLMK_E_INVALID_ARG, "the batch is empty: add requests first");
	if (fflush(b->spool))
		return fail(b, LLMK_BATCH_E_IO, "writing the batch's temporary file failed");
	len = b->spool_len - (uint64_t)b->n * b->ops->line_overhead;
	call_init(b, &bc);
	llmk__oom_reset();
	st = oom_wins(&bc, b->ops->submit(&bc, b->spool, len, b->n, b->kind, b->model, &b->info));
	if (st == LLMK_OK) {
		b->submitted = 1;
		if (b->info.kind < 0)
			b->info.kind = b->kind;
		if (b->info.n[LLMK_BATCH_N_TOTAL] < 0)
			b->info.n[LLMK_BATCH_N_TOTAL] = (int64_t)b->n;
		fclose(b->spool);
		b->spool = NULL;
	}
	return from_call(b, &bc, st);
}

const char *llmk_batch_id(const llmk_batch *b)
{
	return b && b->submitted ? b->info.id : NULL;
}

/* One poll; the id survives a failed one. */
llmk_status llmk_batch_refresh(llmk_batch *b)
{
	llmk__batch_call bc;
	llmk__batch_info next;
	llmk_status st;
	int32_t kind;

	if (!b)
		return LLMK_E_INVALID_ARG;
	if (!b->submitted || !b->ops)
		return fail(b, LLMK_E_INVALID_ARG, "the batch is not submitted");
	memset(&next, 0, sizeof(next));
	llmk__batch_info_clear(&next);
	if (!(next.id = llmk__strdup(b->info.id)))
		return fail(b, LLMK_E_NOMEM, "out of memory");
	call_init(b, &bc);
	llmk__oom_reset();
	st = oom_wins(&bc, b->ops->get(&bc, &next));
	if (st == LLMK_OK) {
		kind = b->info.kind;
		llmk__batch_info_clear(&b->info);
		b->info = next;
		if (b->info.kind < 0)
			b->info.kind = kind;
		if (b->info.error)
			llmk__client_scrub_str(b->c, b->info.error, 0);
	} else {
		llmk__batch_info_clear(&next);
	}
	st = from_call(b, &bc, st);
	if (st == LLMK_OK && b->info.state == LLMK_BATCH_FAILED && b->info.error)
		snprintf(b->errmsg, sizeof(b->errmsg), "%s", b->info.error);
	return st;
}

int32_t llmk_batch_state(const llmk_batch *b)
{
	return b ? (b->submitted ? b->info.state : LLMK_BATCH_NEW) : LLMK_BATCH_NEW;
}

const char *llmk_batch_state_name(int32_t state)
{
	static const char *const names[] = {"new",    "validating", "in_progress", "finalizing", "completed",
	                                    "failed", "expired",    "cancelling",  "cancelled"};

	return state >= 0 && state <= LLMK_BATCH_CANCELLED ? names[state] : "unknown";
}

static int ended(int32_t state)
{
	return state == LLMK_BATCH_COMPLETED || state == LLMK_BATCH_FAILED || state == LLMK_BATCH_EXPIRED ||
	       state == LLMK_BATCH_CANCELLED;
}

int32_t llmk_batch_ended(const llmk_batch *b)
{
	return b && b->submitted && ended(b->info.state);
}

int64_t llmk_batch_count(const llmk_batch *b, int32_t which)
{
	if (!b || which < LLMK_BATCH_N_TOTAL || which > LLMK_BATCH_N_OTHER)
		return -1;
	if (!b->submitted)
		return which == LLMK_BATCH_N_TOTAL ? (int64_t)b->n : -1;
	return b->info.n[which];
}

llmk_status llmk_batch_wait(llmk_batch *b, int64_t poll_ms, int64_t timeout_ms, llmk_batch_progress_fn progress,
                            void *user)
{
	double t0 = llmk__now_ms(), next;
	struct timespec ts;
	llmk_status st;

	if (!b)
		return LLMK_E_INVALID_ARG;
	if (poll_ms < 10)
		poll_ms = 10;
	for (;;) {
		if ((st = llmk_batch_refresh(b)) != LLMK_OK)
			return st;
		if (progress && progress(b, user))
			return fail(b, LLMK_E_CANCELLED, "stopped waiting (the progress callback asked)");
		if (ended(b->info.state))
			return LLMK_OK;
		next = llmk__now_ms() + (double)poll_ms;
		if (timeout_ms > 0 && next - t0 > (double)timeout_ms)
			return fail(b, LLMK_E_TIMEOUT, "the batch is still %s after %lld ms",
			            llmk_batch_state_name(b->info.state), (long long)timeout_ms);
		while (llmk__now_ms() < next) {
			if (llmk_cancel_triggered(b->cancel))
				return fail(b, LLMK_E_CANCELLED, "stopped waiting (cancel flag raised)");
			ts.tv_sec = 0;
			ts.tv_nsec = 10 * 1000000L;
			nanosleep(&ts, NULL);
		}
	}
}

llmk_status llmk_batch_cancel(llmk_batch *b)
{
	llmk__batch_call bc;
	llmk_status st;

	if (!b)
		return LLMK_E_INVALID_ARG;
	if (!b->submitted || !b->ops)
		return fail(b, LLMK_E_INVALID_ARG, "the batch is not submitted");
	call_init(b, &bc);
	llmk__oom_reset();
	st = oom_wins(&bc, b->ops->cancel(&bc, &b->info));
	return from_call(b, &bc, st);
}

llmk_status llmk_batch_set_cancel(llmk_batch *b, const llmk_cancel *cancel)
{
	if (!b)
		return LLMK_E_INVALID_ARG;
	b->cancel = cancel;
	return LLMK_OK;
}

const char *llmk_batch_errmsg(const llmk_batch *b)
{
	return b ? b->errmsg : "";
}

/* ---- results -------------------------------------------------------------- */

static llmk_status download(llmk_batch *b)
{
	llmk__batch_call bc;
	uint64_t max = (uint64_t)llmk__client_i64(b->c, LLMK_OPT_MAX_RESPONSE_BYTES, LLMK_DEFAULT_MAX_RESPONSE) *
	               RESULTS_FACTOR;
	llmk_status st;
	int32_t kind = b->info.kind >= 0 ? b->info.kind : b->kind;

	if (!ended(b->info.state))
		return fail(b, LLMK_E_INVALID_ARG, "the batch is %s: results come once it has ended",
		            llmk_batch_state_name(b->info.state));
	if (!b->blank && llmk_request_new(&b->blank, kind >= 0 ? kind : LLMK_CHAT) != LLMK_OK)
		return fail(b, LLMK_E_NOMEM, "out of memory");
	if (!(b->results = tmpfile()))
		return fail(b, LLMK_BATCH_E_IO, "could not create a temporary file for the results");
	call_init(b, &bc);
	llmk__oom_reset();
	st = oom_wins(&bc, b->ops->download(&bc, &b->info, b->results, max));
	if (st == LLMK_OK && (fflush(b->results) || fseeko(b->results, 0, SEEK_SET)))
		st = fail(b, LLMK_BATCH_E_IO, "reading the results' temporary file failed");
	if (st != LLMK_OK) {
		fclose(b->results);
		b->results = NULL;
		return b->errmsg[0] ? st : from_call(b, &bc, st);
	}
	b->results_read = 1;
	b->errmsg[0] = '\0';
	return LLMK_OK;
}

/* The next non-blank line into b->line (NUL-terminated); 0 at the end, -1
 * past the line limit, -2 out of memory. */
static int next_line(llmk_batch *b, size_t max)
{
	char chunk[8192];
	size_t n;

	llmk__buf_clear(&b->line);
	for (;;) {
		if (!fgets(chunk, sizeof(chunk), b->results)) {
			if (!b->line.len)
				return 0;
			break;
		}
		n = strlen(chunk);
		if (b->line.len + n > max)
			return -1;
		if (llmk__buf_append(&b->line, chunk, n))
			return -2;
		if (n && chunk[n - 1] == '\n') {
			b->line.len--;
			while (b->line.len &&
			       (b->line.data[b->line.len - 1] == '\r' || b->line.data[b->line.len - 1] == ' '))
				b->line.len--;
			if (!b->line.len)
				continue; /* a blank line */
			break;
		}
	}
	return llmk__buf_append(&b->line, "", 1) ? -2 : (b->line.len--, 1);
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* One result as a response made by the adapter, as the answer would have
 * been made live. */
static llmk_response *make_response(llmk_batch *b, const char *id, llmk__batch_result *res)
{
	const llmk_client *c = b->c;
	const llmk__adapter *ad = c->provider->adapter;
	llmk_response *r = llmk__response_new();
	const char *model = b->info.model ? b->info.model : b->model;
	llmk_status st;
	char *detail;

	if (!r)
		return NULL;
	r->batch = 1;
	r->attempts = 1;
	if (model && !strncmp(model, "models/", 7))
		model += 7;
	if (llmk__set_field(&r->provider, c->provider->name) || (model && llmk__set_field(&r->req_model, model))) {
		llmk__fail(r, LLMK_E_NOMEM, "out of memory");
		return r;
	}
	if (res->answer) {
		r->http_status = res->http_status;
		if (llmk__buf_append(&r->raw, res->answer, res->answer_len)) {
			llmk__fail(r, LLMK_E_NOMEM, "out of memory");
			return r;
		}
		if (res->http_status >= 200 && res->http_status < 300) {
			r->wire = ad->feature;
			/* parse() checks an embedding answer against the inputs asked
			 * for, which another process does not know: the answer says. */
			while (b->blank->kind == LLMK_EMBED && b->blank_inputs < res->inputs &&
			       llmk_request_add_input(b->blank, "") == LLMK_OK)
				b->blank_inputs++;
			if (b->blank->kind == LLMK_EMBED && b->blank_inputs != res->inputs) {
				llmk_request_free(b->blank);
				b->blank_inputs = 0;
				if (llmk_request_new(&b->blank, LLMK_EMBED) != LLMK_OK) {
					b->blank = NULL;
					llmk__fail(r, LLMK_E_NOMEM, "out of memory");
					return r;
				}
				while (b->blank_inputs < res->inputs && llmk_request_add_input(b->blank, "") == LLMK_OK)
					b->blank_inputs++;
			}
			st = ad->parse(c, b->blank, r, "application/json", r->raw.data, r->raw.len);
			if (st != LLMK_OK && r->status == LLMK_OK)
				llmk__fail(r, st, "%s: batch request %s: could not parse the answer", c->provider->name,
				           id);
			if (r->usage[LLMK_USAGE_TOTAL] < 0 && r->usage[LLMK_USAGE_INPUT] >= 0 &&
			    r->usage[LLMK_USAGE_OUTPUT] >= 0)
				r->usage[LLMK_USAGE_TOTAL] =
				        llmk__count_add(r->usage[LLMK_USAGE_INPUT], r->usage[LLMK_USAGE_OUTPUT]);
		} else {
			st = ad->parse_error(r, res->http_status, r->raw.data, r->raw.len);
			detail = r->error;
			r->error = NULL;
			r->status = LLMK_OK;
			llmk__fail(r, st, "%s: batch request %s: HTTP %d: %s", c->provider->name, id,
			           (int)res->http_status, detail && *detail ? detail : "no error message");
			llmk__free(detail);
		}
	} else {
		llmk__fail(r, res->status ? res->status : LLMK_E_PROTOCOL, "%s: %s", c->provider->name,
		           res->error ? res->error : "batch request failed");
	}
	/* As for a live answer (job.c): read while an allocation failed,
	 * something may be missing, whatever the parse said. */
	if (llmk__oom_seen() && r->status != LLMK_E_NOMEM) {
		llmk__free(r->error);
		r->error = NULL;
		r->status = LLMK_OK;
		llmk__fail(r, LLMK_E_NOMEM, "%s: out of memory while reading the answer", c->provider->name);
	}
	llmk__response_scrub(r, c);
	return r;
}

llmk_status llmk_batch_next_result(llmk_batch *b, const char **custom_id, llmk_response **out)
{
	llmk__batch_result res;
	size_t max_line;
	llmk_status st;
	int got;
	unsigned long idx;

	if (custom_id)
		*custom_id = NULL;
	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	if (!b || !custom_id)
		return LLMK_E_INVALID_ARG;
	if (!b->submitted || !b->ops)
		return fail(b, LLMK_E_INVALID_ARG, "the batch is not submitted");
	if (!b->results_read && (st = download(b)) != LLMK_OK)
		return st;
	max_line = (size_t)llmk__client_i64(b->c, LLMK_OPT_MAX_RESPONSE_BYTES, LLMK_DEFAULT_MAX_RESPONSE);
	got = next_line(b, max_line);
	if (got == -2)
		return fail(b, LLMK_E_NOMEM, "out of memory reading result %zu", b->nth + 1);
	if (got < 0)
		return fail(b, LLMK_E_TOO_LARGE, "a result line exceeds max_response_bytes (%zu)", max_line);
	if (!got)
		return LLMK_OK;
	memset(&res, 0, sizeof(res));
	llmk__oom_reset();
	st = b->ops->result(b->line.data, b->line.len, &res);
	if (st != LLMK_OK && llmk__oom_seen())
		st = LLMK_E_NOMEM;
	if (st == LLMK_E_NOMEM) {
		llmk__batch_result_clear(&res);
		return fail(b, st, "out of memory reading result %zu", b->nth + 1);
	}
	if (st != LLMK_OK) {
		llmk__batch_result_clear(&res);
		return fail(b, st, "result %zu is not a result line of %s", b->nth + 1, b->ops->name);
	}
	if (!res.custom_id) {
		char pos[32];
		snprintf(pos, sizeof(pos), "%zu", b->nth);
		if (!(res.custom_id = llmk__strdup(pos))) {
			llmk__batch_result_clear(&res);
			return fail(b, LLMK_E_NOMEM, "out of memory");
		}
	}
	b->nth++;
	/* A result named by its position (Gemini's inline answers without
	 * their metadata): the id added at that position, when known here. */
	if (all_digits(res.custom_id) && !id_seen(b, res.custom_id) &&
	    (idx = strtoul(res.custom_id, NULL, 10)) < b->n) {
		llmk__free(res.custom_id);
		res.custom_id = llmk__strdup(b->ids[idx]);
	}
	llmk__free(b->cur_id);
	b->cur_id = res.custom_id;
	res.custom_id = NULL;
	*out = make_response(b, b->cur_id ? b->cur_id : "", &res);
	if (b->cur_id && !*out) {
		llmk__batch_result_clear(&res);
		return fail(b, LLMK_E_NOMEM, "out of memory");
	}
	llmk__batch_result_clear(&res);
	*custom_id = b->cur_id ? b->cur_id : "";
	return LLMK_OK;
}
