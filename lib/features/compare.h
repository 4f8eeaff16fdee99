/* The comparison's state, shared by its files: compare.c (models, cases,
 * the run), compare_data.c (JSONL datasets), compare_score.c (scorers),
 * compare_figures.c (what the stored answers add up to). */
#ifndef LLMK_FEATURES_COMPARE_H
#define LLMK_FEATURES_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"
#include "bounds.h"

#define MAX_CASES 100000
#define MAX_LINE (1u << 20)

typedef struct model_entry {
	llmk_client *c;
	int owned;
	char *label;
	size_t next;         /* per-model concurrency: the next of its runs to add */
	double last_done_ms; /* when its last run finished (llmk__now_ms), 0: none yet */
} model_entry;

typedef struct case_entry {
	const llmk_request *req;
	llmk_request *owned; /* from a JSONL file */
	char *expected;
	int32_t scorer;
	char *rubric; /* judge: this case's rubric (NULL: the comparison's) */
} case_entry;

typedef struct result {
	llmk_response *resp;
	double score; /* -1: not scored */
	int done;
	char *reason;         /* judge: the verdict's reason */
	llmk_response *judge; /* judge: its answer, on the run that asked */
} result;

/* One request in flight: where its answer goes. */
typedef struct pending {
	llmk_compare *cmp;
	size_t model, kase, run;
	llmk_request *embed; /* similarity scoring: the embedding request; judge: the judge's */
	size_t judge_entry;  /* judge: the verdict's index in the cache */
} pending;

struct judge_entry;

struct llmk_compare {
	model_entry *models;
	size_t nmodels, modelcap;
	case_entry *cases;
	size_t ncases, casecap;
	int64_t repeat, stream, max_in_flight;
	int64_t concurrency;     /* runs in flight per model, 0: no per-model limit */
	int64_t pass_percent;    /* a run passes when its score is at least this / 100 */
	double started_ms;       /* when the run started (llmk__now_ms) */
	llmk_status feed_status; /* a failure adding a model's next run */
	llmk_client *embedder;
	llmk_client *judge; /* LLMK_SCORE_JUDGE (not owned) */
	char *judge_rubric;
	struct judge_entry *judged; /* the verdicts of this run (compare_judge.c) */
	size_t njudged, capjudged;
	result *results; /* [model][case][run] */
	size_t nresults;
	llmk_compare_fn on_result;
	void *user;
	int running;
	int stopping; /* cancelled: what is still in flight is being ended */
	llmk_cancel *cancel;
	llmk_multi *running_multi;
	int64_t batch_poll_ms; /* > 0: runs go as provider batches (compare_batch.c) */
	char errmsg[LLMK_ERRMSG_MAX];
};

/* Formats cmp->errmsg and returns st. */
llmk_status llmk__cmp_err(llmk_compare *cmp, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;
/* Adds a case (owned: a request the comparison frees). */
llmk_status llmk__cmp_push_case(llmk_compare *cmp, const llmk_request *req, llmk_request *owned, const char *expected,
                                int32_t scorer);
/* Checks that a scorer can be used with this expected answer (a regex
 * compiles, similarity has an embedder). */
llmk_status llmk__cmp_check_scorer(llmk_compare *cmp, const char *expected, int32_t scorer);
/* The score of answer against expected by a text scorer (LLMK_SCORE_*
 * but similarity): 0..1, or -1 when the scorer does not apply. */
double llmk__cmp_score_text(int32_t scorer, const char *answer, const char *expected);

/* Reports a finished run (marks it done, calls on_result). */
void llmk__cmp_report(pending *p);
/* What the multi calls with a run's answer (compare.c): scoring, then the
 * report. */
void llmk__cmp_answer_done(llmk_response *resp, void *user);
/* Batch mode (compare_batch.c): every model's runs submitted as one
 * provider batch each, waited for, and their results queued on m for
 * llmk__cmp_answer_done(); sets each model's `next` past its runs. */
llmk_status llmk__cmp_batch(llmk_compare *cmp, llmk_multi *m);
/* Judges an answer (compare_judge.c); consumes p. */
void llmk__cmp_judge(pending *p, const char *answer);
/* Forgets the verdicts of the last run. */
void llmk__cmp_judge_reset(llmk_compare *cmp);

static inline result *llmk__cmp_slot(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	return &cmp->results[(model * cmp->ncases + kase) * (size_t)cmp->repeat + run];
}

#endif
