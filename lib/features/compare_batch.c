/* Comparisons through the providers' batch APIs (llmk_compare_set_batch()):
 * each model's runs are added to one llmk_batch under ids "run-<seq>",
 * submitted, polled until every batch has ended, and each result is queued
 * on the comparison's multi as a ready answer (llmk__multi_add_ready), so
 * scoring, judging, figures and callbacks are those of an interactive run;
 * only the price differs (a batch result's cost is at the batch price).
 * Progress goes to each model client's log hook at the info level. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "clock.h"
#include "compare.h"
#include "log.h"
#include "multi.h"

llmk_status llmk_compare_set_batch(llmk_compare *cmp, int64_t poll_ms)
{
	if (!cmp || poll_ms < 0 || cmp->running)
		return LLMK_E_INVALID_ARG;
	cmp->batch_poll_ms = poll_ms && poll_ms < 10 ? 10 : poll_ms;
	return LLMK_OK;
}

/* Queues the answer of run `seq` of model i. */
static llmk_status queue(llmk_compare *cmp, llmk_multi *m, size_t i, size_t seq, llmk_response *resp)
{
	pending *p = llmk__calloc(1, sizeof(*p));

	if (!p) {
		llmk_response_free(resp);
		return LLMK_E_NOMEM;
	}
	p->cmp = cmp;
	p->model = i;
	p->kase = seq % cmp->ncases;
	p->run = seq / cmp->ncases;
	if (llmk__multi_add_ready(m, resp, llmk__cmp_answer_done, p) != LLMK_OK) {
		llmk__free(p);
		llmk_response_free(resp);
		return LLMK_E_NOMEM;
	}
	return LLMK_OK;
}

/* Every result of model i's ended batch queued; runs the batch has no
 * result for (Gemini lists only what ran) end as failed. */
static llmk_status collect(llmk_compare *cmp, llmk_multi *m, size_t i, llmk_batch *b, size_t per_model)
{
	unsigned char *got = llmk__calloc(per_model ? per_model : 1, 1);
	const char *id;
	char *end;
	llmk_response *resp;
	llmk_status st = LLMK_OK;
	unsigned long seq;
	size_t k;

	if (!got)
		return LLMK_E_NOMEM;
	while ((st = llmk_batch_next_result(b, &id, &resp)) == LLMK_OK && resp) {
		seq = strncmp(id, "run-", 4) ? per_model : strtoul(id + 4, &end, 10);
		if (seq >= per_model || got[seq]) {
			llmk_response_free(resp);
			continue; /* not one of ours: the provider's mix-up, not a run */
		}
		got[seq] = 1;
		if ((st = queue(cmp, m, i, seq, resp)) != LLMK_OK)
			break;
	}
	if (st != LLMK_OK)
		llmk__cmp_err(cmp, st, "%s: batch %s: %s", cmp->models[i].label, llmk_batch_id(b),
		              llmk_batch_errmsg(b));
	for (k = 0; k < per_model && st == LLMK_OK; k++)
		if (!got[k]) {
			if (!(resp = llmk__response_new())) {
				st = LLMK_E_NOMEM;
				break;
			}
			llmk__fail(resp, llmk_batch_state(b) == LLMK_BATCH_CANCELLED ? LLMK_E_CANCELLED : LLMK_E_SERVER,
			           "batch %s ended %s without a result for this run", llmk_batch_id(b),
			           llmk_batch_state_name(llmk_batch_state(b)));
			st = queue(cmp, m, i, k, resp);
		}
	llmk__free(got);
	cmp->models[i].next = per_model;
	return st;
}

static int sleep_ms(int64_t ms, const llmk_cancel *cancel)
{
	double until = llmk__now_ms() + (double)ms;
	struct timespec ts = {0, 10 * 1000000L};

	while (llmk__now_ms() < until) {
		if (llmk_cancel_triggered(cancel))
			return 1;
		nanosleep(&ts, NULL);
	}
	return llmk_cancel_triggered(cancel);
}

llmk_status llmk__cmp_batch(llmk_compare *cmp, llmk_multi *m)
{
	size_t per_model = cmp->ncases * (size_t)cmp->repeat, i, seq, left;
	llmk_batch **b = llmk__calloc(cmp->nmodels, sizeof(*b));
	llmk_status st = LLMK_OK;
	char id[32];

	if (!b)
		return llmk__cmp_err(cmp, LLMK_E_NOMEM, "out of memory");
	for (i = 0; i < cmp->nmodels && st == LLMK_OK; i++) {
		llmk_client *c = cmp->models[i].c;
		if ((st = llmk_batch_new(&b[i], c)) != LLMK_OK) {
			llmk__cmp_err(cmp, st, "%s: %s", cmp->models[i].label, llmk_client_errmsg(c));
			break;
		}
		llmk_batch_set_cancel(b[i], cmp->cancel);
		for (seq = 0; seq < per_model && st == LLMK_OK; seq++) {
			snprintf(id, sizeof(id), "run-%zu", seq);
			st = llmk_batch_add(b[i], id, cmp->cases[seq % cmp->ncases].req);
		}
		if (st == LLMK_OK)
			st = llmk_batch_submit(b[i]);
		if (st != LLMK_OK)
			llmk__cmp_err(cmp, st, "%s: %s", cmp->models[i].label, llmk_batch_errmsg(b[i]));
		else
			llmk__log(c, LLMK_LOG_INFO, "batch %s: %s submitted, %zu requests", cmp->models[i].label,
			          llmk_batch_id(b[i]), per_model);
	}
	for (left = st == LLMK_OK ? cmp->nmodels : 0; left && st == LLMK_OK;) {
		for (i = 0, left = 0; i < cmp->nmodels && st == LLMK_OK; i++) {
			if (!b[i] || cmp->models[i].next == per_model)
				continue;
			if ((st = llmk_batch_refresh(b[i])) != LLMK_OK) {
				llmk__cmp_err(cmp, st, "%s: %s", cmp->models[i].label, llmk_batch_errmsg(b[i]));
				break;
			}
			llmk__log(cmp->models[i].c, LLMK_LOG_INFO, "batch %s: %s %s, %lld of %zu done",
			          cmp->models[i].label, llmk_batch_id(b[i]),
			          llmk_batch_state_name(llmk_batch_state(b[i])),
			          (long long)(llmk_batch_count(b[i], LLMK_BATCH_N_SUCCEEDED) +
			                      llmk_batch_count(b[i], LLMK_BATCH_N_FAILED)),
			          per_model);
			if (llmk_batch_ended(b[i]))
				st = collect(cmp, m, i, b[i], per_model);
			else
				left++;
		}
		if (st == LLMK_OK && left && sleep_ms(cmp->batch_poll_ms, cmp->cancel))
			st = LLMK_E_CANCELLED;
	}
	for (i = 0; i < cmp->nmodels; i++)
		llmk_batch_free(b[i]);
	llmk__free(b);
	return st;
}
