/* llmk_compare: the same requests to several models at once, and the
 * figures to choose between them; with expected answers, an evaluation.
 *
 * Every (run, case, model) becomes one request in a llmk_multi, added run by
 * run and case by case with the models interleaved, so each model starts at
 * once and a slow one does not hold the others up. Scoring by similarity
 * adds an embedding request to the same multi from the answer's callback.
 * Figures are computed from the stored responses when asked, so they are
 * current while the run is still going (for live tables). */
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "compare.h"
#include "response.h"

llmk_status llmk__cmp_err(llmk_compare *cmp, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

llmk_status llmk__cmp_err(llmk_compare *cmp, llmk_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmp->errmsg, sizeof(cmp->errmsg), fmt, ap);
	va_end(ap);
	return st;
}

llmk_status llmk_compare_new(llmk_compare **out)
{
	llmk_compare *cmp;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	cmp = llmk__calloc(1, sizeof(*cmp));
	if (!cmp)
		return LLMK_E_NOMEM;
	cmp->repeat = 1;
	cmp->max_in_flight = 16;
	cmp->pass_percent = 50;
	*out = cmp;
	return LLMK_OK;
}

static void free_results(llmk_compare *cmp)
{
	size_t i;

	for (i = 0; i < cmp->nresults; i++) {
		llmk_response_free(cmp->results[i].resp);
		llmk_response_free(cmp->results[i].judge);
		llmk__free(cmp->results[i].reason);
	}
	llmk__free(cmp->results);
	cmp->results = NULL;
	cmp->nresults = 0;
}

void llmk_compare_free(llmk_compare *cmp)
{
	size_t i;

	if (!cmp)
		return;
	free_results(cmp);
	for (i = 0; i < cmp->nmodels; i++) {
		if (cmp->models[i].owned)
			llmk_client_free(cmp->models[i].c);
		llmk__free(cmp->models[i].label);
	}
	llmk__free(cmp->models);
	for (i = 0; i < cmp->ncases; i++) {
		llmk_request_free(cmp->cases[i].owned);
		llmk__free(cmp->cases[i].expected);
		llmk__free(cmp->cases[i].rubric);
	}
	llmk__cmp_judge_reset(cmp);
	llmk__free(cmp->judge_rubric);
	llmk__free(cmp->cases);
	llmk__free(cmp);
}

const char *llmk_compare_errmsg(const llmk_compare *cmp)
{
	return cmp ? cmp->errmsg : "";
}

llmk_status llmk_compare_set_i64(llmk_compare *cmp, int32_t option, int64_t v)
{
	if (!cmp || cmp->running)
		return LLMK_E_INVALID_ARG;
	switch (option) {
	case LLMK_COMPARE_REPEAT:
		if (v < 1 || v > 1000)
			return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "repeat must be 1..1000, not %lld", (long long)v);
		cmp->repeat = v;
		return LLMK_OK;
	case LLMK_COMPARE_STREAM: cmp->stream = v != 0; return LLMK_OK;
	case LLMK_COMPARE_MAX_IN_FLIGHT:
		if (v < 0 || v > 100000)
			return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "max_in_flight must be 0..100000");
		cmp->max_in_flight = v;
		return LLMK_OK;
	case LLMK_COMPARE_CONCURRENCY:
		if (v < 0 || v > 100000)
			return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "concurrency must be 0..100000");
		cmp->concurrency = v;
		return LLMK_OK;
	case LLMK_COMPARE_PASS_PERCENT:
		if (v < 0 || v > 100)
			return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "pass_percent must be 0..100");
		cmp->pass_percent = v;
		return LLMK_OK;
	default: return llmk__cmp_err(cmp, LLMK_E_UNKNOWN_OPTION, "unknown compare option %d", (int)option);
	}
}

static llmk_status add_entry(llmk_compare *cmp, llmk_client *c, int owned, const char *label)
{
	model_entry *m;
	size_t ncap;

	if (cmp->nmodels == cmp->modelcap) {
		ncap = cmp->modelcap ? cmp->modelcap * 2 : 4;
		m = llmk__realloc(cmp->models, ncap * sizeof(*m));
		if (!m)
			return LLMK_E_NOMEM;
		cmp->models = m;
		cmp->modelcap = ncap;
	}
	m = &cmp->models[cmp->nmodels];
	m->label = llmk__strdup(label);
	if (!m->label)
		return LLMK_E_NOMEM;
	m->c = c;
	m->owned = owned;
	cmp->nmodels++;
	free_results(cmp);
	return LLMK_OK;
}

llmk_status llmk_compare_add_model(llmk_compare *cmp, const char *model)
{
	llmk_client *c;
	llmk_status st;

	if (!cmp || !model || cmp->running)
		return LLMK_E_INVALID_ARG;
	st = llmk_client_new(&c, model);
	if (st != LLMK_OK)
		return llmk__cmp_err(cmp, st, "%s: %s", model, llmk_strerror(st));
	st = add_entry(cmp, c, 1, model);
	if (st != LLMK_OK)
		llmk_client_free(c);
	return st;
}

llmk_status llmk_compare_add_client(llmk_compare *cmp, llmk_client *client, const char *label)
{
	char buf[256];

	if (!cmp || !client || cmp->running)
		return LLMK_E_INVALID_ARG;
	if (!label || !*label) {
		snprintf(buf, sizeof(buf), "%s/%s", llmk_client_provider(client), llmk_client_model(client));
		label = buf;
	}
	return add_entry(cmp, client, 0, label);
}

llmk_status llmk_compare_set_cancel(llmk_compare *cmp, llmk_cancel *cancel)
{
	if (!cmp || cmp->running)
		return LLMK_E_INVALID_ARG;
	cmp->cancel = cancel;
	return LLMK_OK;
}

llmk_status llmk_compare_set_embedder(llmk_compare *cmp, llmk_client *client)
{
	if (!cmp || cmp->running)
		return LLMK_E_INVALID_ARG;
	cmp->embedder = client;
	return LLMK_OK;
}

llmk_status llmk__cmp_check_scorer(llmk_compare *cmp, const char *expected, int32_t scorer)
{
	regex_t re;
	int rc;

	if (scorer < LLMK_SCORE_NONE || scorer > LLMK_SCORE_JUDGE)
		return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "unknown scorer %d", (int)scorer);
	if (scorer != LLMK_SCORE_NONE && scorer != LLMK_SCORE_JSON && scorer != LLMK_SCORE_JUDGE && !expected)
		return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "this scorer needs an expected answer");
	if (scorer == LLMK_SCORE_REGEX) {
		rc = regcomp(&re, expected, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char why[128];
			regerror(rc, &re, why, sizeof(why));
			return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG,
			                     "expected regular expression does not compile: %s", why);
		}
		regfree(&re);
	}
	return LLMK_OK;
}

llmk_status llmk__cmp_push_case(llmk_compare *cmp, const llmk_request *req, llmk_request *owned, const char *expected,
                                int32_t scorer)
{
	case_entry *k;
	size_t ncap;

	if (cmp->ncases >= MAX_CASES)
		return llmk__cmp_err(cmp, LLMK_E_TOO_LARGE, "more than %d cases", MAX_CASES);
	if (cmp->ncases == cmp->casecap) {
		ncap = cmp->casecap ? cmp->casecap * 2 : 8;
		k = llmk__realloc(cmp->cases, ncap * sizeof(*k));
		if (!k)
			return LLMK_E_NOMEM;
		cmp->cases = k;
		cmp->casecap = ncap;
	}
	k = &cmp->cases[cmp->ncases];
	memset(k, 0, sizeof(*k));
	if (expected && !(k->expected = llmk__strdup(expected)))
		return LLMK_E_NOMEM;
	k->req = req;
	k->owned = owned;
	k->scorer = scorer;
	cmp->ncases++;
	free_results(cmp);
	return LLMK_OK;
}

llmk_status llmk_compare_add_case(llmk_compare *cmp, const llmk_request *req, const char *expected, int32_t scorer)
{
	llmk_status st;

	if (!cmp || !req || cmp->running)
		return LLMK_E_INVALID_ARG;
	st = llmk__cmp_check_scorer(cmp, expected, scorer);
	if (st != LLMK_OK)
		return st;
	return llmk__cmp_push_case(cmp, req, NULL, expected, scorer);
}

void llmk__cmp_report(pending *p)
{
	llmk_compare *cmp = p->cmp;
	result *res = llmk__cmp_slot(cmp, p->model, p->kase, p->run);

	res->done = 1;
	cmp->models[p->model].last_done_ms = llmk__now_ms();
	if (cmp->on_result)
		cmp->on_result(cmp, p->model, p->kase, p->run, res->resp, cmp->user);
}

static void embed_done(llmk_response *er, void *user)
{
	pending *p = user;
	result *res = llmk__cmp_slot(p->cmp, p->model, p->kase, p->run);
	const float *a, *b;
	double dot = 0, na = 0, nb = 0;
	size_t i, dim;

	if (er && llmk_response_status(er) == LLMK_OK && llmk_response_embedding_count(er) == 2) {
		dim = llmk_response_embedding_dim(er);
		a = llmk_response_embedding(er, 0);
		b = llmk_response_embedding(er, 1);
		for (i = 0; i < dim; i++) {
			dot += (double)a[i] * b[i];
			na += (double)a[i] * a[i];
			nb += (double)b[i] * b[i];
		}
		res->score = na > 0 && nb > 0 ? dot / (sqrt(na) * sqrt(nb)) : 0;
		if (res->score < 0)
			res->score = 0;
		if (res->score > 1)
			res->score = 1;
	} else if (res->resp && res->resp->status == LLMK_OK) {
		/* The answer came but could not be scored: say so on it. */
		llmk__fail(res->resp, er ? llmk_response_status(er) : LLMK_E_NOMEM, "similarity scoring failed: %s",
		           er ? llmk_response_error(er) : "out of memory");
		res->score = 0;
	}
	llmk_response_free(er);
	llmk_request_free(p->embed);
	llmk__cmp_report(p);
	llmk__free(p);
}

/* Streamed runs measure the time to the first token; the events themselves
 * are not needed. */
static int32_t ignore_event(const llmk_event *ev, void *user)
{
	(void)ev, (void)user;
	return 0;
}

/* Adds the run number `seq` of a model (run-major: seq = run x cases +
 * case) to the multi. */
static llmk_status add_run(llmk_compare *cmp, llmk_multi *m, size_t model, size_t seq)
{
	pending *p = llmk__calloc(1, sizeof(*p));
	llmk_status st;

	if (!p)
		return LLMK_E_NOMEM;
	p->cmp = cmp;
	p->model = model;
	p->kase = seq % cmp->ncases;
	p->run = seq / cmp->ncases;
	st = llmk_multi_add(m, cmp->models[model].c, cmp->cases[p->kase].req, cmp->stream ? ignore_event : NULL,
	                    llmk__cmp_answer_done, p);
	if (st != LLMK_OK)
		llmk__free(p);
	return st;
}

/* Per-model concurrency: a finished run makes room for the model's next. */
static void feed(llmk_compare *cmp, size_t model)
{
	model_entry *e = &cmp->models[model];
	llmk_status st;

	if (!cmp->concurrency || cmp->stopping || cmp->feed_status != LLMK_OK ||
	    e->next >= cmp->ncases * (size_t)cmp->repeat)
		return;
	st = add_run(cmp, cmp->running_multi, model, e->next);
	if (st == LLMK_OK)
		e->next++;
	else
		cmp->feed_status = st;
}

void llmk__cmp_answer_done(llmk_response *resp, void *user)
{
	pending *p = user;
	llmk_compare *cmp = p->cmp;
	const case_entry *k = &cmp->cases[p->kase];
	result *res = llmk__cmp_slot(cmp, p->model, p->kase, p->run);
	const char *text;

	res->resp = resp;
	res->score = -1;
	feed(cmp, p->model);
	if (k->scorer != LLMK_SCORE_NONE) {
		if (!resp || resp->status != LLMK_OK) {
			res->score = 0; /* no answer is a wrong answer */
		} else if (k->scorer == LLMK_SCORE_JUDGE) {
			if (cmp->stopping) {
				res->score = -1; /* cancelled before it could be judged */
			} else {
				llmk__cmp_judge(p, llmk_response_text(resp));
				return; /* reported when the verdict is in */
			}
		} else if (k->scorer != LLMK_SCORE_SIMILARITY) {
			res->score = llmk__cmp_score_text(k->scorer, llmk_response_text(resp),
			                                  k->expected ? k->expected : "");
		} else {
			text = llmk_response_text(resp);
			if (cmp->stopping) {
				res->score = -1; /* cancelled before it could be scored */
				llmk__cmp_report(p);
				llmk__free(p);
				return;
			}
			if (llmk_request_new(&p->embed, LLMK_EMBED) == LLMK_OK &&
			    llmk_request_add_input(p->embed, *text ? text : " ") == LLMK_OK &&
			    llmk_request_add_input(p->embed, k->expected) == LLMK_OK &&
			    llmk_multi_add(cmp->running_multi, cmp->embedder, p->embed, NULL, embed_done, p) == LLMK_OK)
				return; /* reported when the embeddings are back */
			llmk_request_free(p->embed);
			p->embed = NULL;
			llmk__fail(resp, LLMK_E_NOMEM, "similarity scoring: out of memory");
			res->score = 0;
		}
	}
	llmk__cmp_report(p);
	llmk__free(p);
}

/* After a cancel or a failure, the runs per-model concurrency had not
 * added yet end like those in flight: as cancelled, and reported. */
static void report_unstarted(llmk_compare *cmp, llmk_status why)
{
	size_t i, seq;
	pending p;
	result *res;

	for (i = 0; i < cmp->nmodels; i++)
		for (seq = cmp->models[i].next; seq < cmp->ncases * (size_t)cmp->repeat; seq++) {
			p.cmp = cmp;
			p.model = i;
			p.kase = seq % cmp->ncases;
			p.run = seq / cmp->ncases;
			p.embed = NULL;
			p.judge_entry = 0;
			res = llmk__cmp_slot(cmp, i, p.kase, p.run);
			if (res->done)
				continue;
			res->resp = llmk__response_new();
			if (res->resp)
				llmk__fail(res->resp, LLMK_E_CANCELLED, "not started: the comparison stopped (%s)",
				           llmk_status_name(why));
			res->score = cmp->cases[p.kase].scorer != LLMK_SCORE_NONE ? 0 : -1;
			llmk__cmp_report(&p);
		}
}

llmk_status llmk_compare_run(llmk_compare *cmp, llmk_compare_fn on_result, void *user)
{
	llmk_multi *m = NULL;
	size_t i, k, n, seq, per_model;
	llmk_status st;

	if (!cmp || cmp->running)
		return LLMK_E_INVALID_ARG;
	cmp->errmsg[0] = '\0';
	if (!cmp->nmodels)
		return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "no models to compare: add some first");
	if (!cmp->ncases)
		return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "no request: add a case (or load a JSONL file) first");
	for (k = 0; k < cmp->ncases; k++)
		if (cmp->cases[k].scorer == LLMK_SCORE_SIMILARITY && !cmp->embedder)
			return llmk__cmp_err(cmp, LLMK_E_CONFIG,
			                     "case %zu is scored by similarity: set an embedding client", k);
		else if (cmp->cases[k].scorer == LLMK_SCORE_JUDGE && !cmp->judge)
			return llmk__cmp_err(cmp, LLMK_E_CONFIG, "case %zu is scored by a judge: set a judge client",
			                     k);
	llmk__cmp_judge_reset(cmp);
	free_results(cmp);
	n = cmp->nmodels * cmp->ncases * (size_t)cmp->repeat;
	cmp->results = llmk__calloc(n, sizeof(*cmp->results));
	if (!cmp->results)
		return llmk__cmp_err(cmp, LLMK_E_NOMEM, "out of memory");
	cmp->nresults = n;
	st = llmk_multi_new(&m);
	if (st == LLMK_OK)
		st = llmk_multi_set_limit(m, (int32_t)cmp->max_in_flight);
	if (st != LLMK_OK) {
		llmk_multi_free(m);
		return llmk__cmp_err(cmp, st, "%s", llmk_strerror(st));
	}
	cmp->on_result = on_result;
	cmp->user = user;
	cmp->running = 1;
	cmp->running_multi = m;
	cmp->feed_status = LLMK_OK;
	cmp->started_ms = llmk__now_ms();
	per_model = (size_t)cmp->ncases * (size_t)cmp->repeat;
	for (i = 0; i < cmp->nmodels; i++) {
		cmp->models[i].last_done_ms = 0;
		/* with a per-model limit, each model starts that many runs and
		 * adds one more as one finishes (feed()) */
		cmp->models[i].next =
		        cmp->concurrency && (size_t)cmp->concurrency < per_model ? (size_t)cmp->concurrency : per_model;
		if (cmp->batch_poll_ms > 0)
			cmp->models[i].next = 0; /* the batch runs them (llmk__cmp_batch) */
	}
	if (cmp->batch_poll_ms > 0)
		st = llmk__cmp_batch(cmp, m);
	/* runs, then cases, with the models interleaved: each starts at once */
	for (seq = 0; seq < per_model && st == LLMK_OK && cmp->batch_poll_ms <= 0; seq++)
		for (i = 0; i < cmp->nmodels && st == LLMK_OK; i++)
			if (seq < cmp->models[i].next)
				st = add_run(cmp, m, i, seq);
	/* llmk_multi_run(), watching the comparison's cancel flag between turns
	 * (every 10 ms at most while there is one). */
	while (st == LLMK_OK) {
		int32_t running = 0;
		st = llmk_multi_perform(m, &running);
		if (st == LLMK_OK)
			st = cmp->feed_status;
		if (st != LLMK_OK || !running)
			break;
		if (llmk_cancel_triggered(cmp->cancel)) {
			st = LLMK_E_CANCELLED;
			break;
		}
		llmk_multi_wait(m, cmp->cancel ? 10 : -1);
	}
	/* After a failure or a cancel, what is still queued or in flight ends as
	 * LLMK_E_CANCELLED and is reported like any other run. */
	cmp->stopping = st != LLMK_OK;
	llmk_multi_free(m);
	if (cmp->stopping)
		report_unstarted(cmp, st);
	cmp->stopping = 0;
	cmp->running = 0;
	cmp->running_multi = NULL;
	if (st == LLMK_E_CANCELLED) {
		size_t done = 0, r;
		for (r = 0; r < cmp->nresults; r++)
			done += cmp->results[r].resp && cmp->results[r].resp->status != LLMK_E_CANCELLED;
		return llmk__cmp_err(cmp, st, "cancelled: %zu of %zu runs had finished", done, cmp->nresults);
	}
	if (st != LLMK_OK)
		return llmk__cmp_err(cmp, st, "%s", llmk_strerror(st));
	return LLMK_OK;
}
