/* The judge scorer of llmk_compare (LLMK_SCORE_JUDGE): the answer, the
 * question and the rubric go to a judge model of the caller's choice, which
 * answers with structured output {"score": 0-10, "reason": "..."}; the
 * score is normalised to 0..1.
 *
 * Within a run the verdicts are cached by (rubric, question, reference,
 * answer): a repeated identical answer (runs of a deterministic model, two
 * models answering alike) is judged once; answers that arrive while the
 * same verdict is in flight wait for it. The judge's responses stay on the
 * results that sent them, so their cost is reported apart from the
 * models' (LLMK_METRIC_JUDGE_COST_USD). A judge that fails leaves the
 * answer unscored (-1) with the reason saying why: the judged model did
 * not fail. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "compare.h"
#include "json.h"
#include "response.h"

static const char default_rubric[] =
        "10: correct, complete and clear. 7-9: correct with minor omissions. 4-6: partly correct. "
        "1-3: mostly wrong. 0: wrong, off-topic or no answer.";

static const char schema[] = "{\"type\":\"object\",\"properties\":{"
                             "\"score\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10},"
                             "\"reason\":{\"type\":\"string\"}},"
                             "\"required\":[\"score\",\"reason\"],\"additionalProperties\":false}";

/* One verdict of the run's cache. */
struct judge_entry {
	uint64_t hash;
	char *key;
	int done;
	double score; /* 0..1, -1: the judge failed */
	char *reason;
	pending **waiters; /* answers waiting for the verdict in flight */
	size_t nwaiters, capwaiters;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void llmk__cmp_judge_reset(llmk_compare *cmp)
{
	size_t i;

	for (i = 0; i < cmp->njudged; i++) {
		llmk__free(cmp->judged[i].key);
		llmk__free(cmp->judged[i].reason);
		llmk__free(cmp->judged[i].waiters);
	}
	llmk__free(cmp->judged);
	cmp->judged = NULL;
	cmp->njudged = cmp->capjudged = 0;
}

llmk_status llmk_compare_set_judge(llmk_compare *cmp, llmk_client *judge, const char *rubric)
{
	char *r = NULL;

	if (!cmp || cmp->running)
		return LLMK_E_INVALID_ARG;
	if (rubric && !(r = llmk__strdup(rubric)))
		return LLMK_E_NOMEM;
	llmk__free(cmp->judge_rubric);
	cmp->judge_rubric = r;
	cmp->judge = judge;
	return LLMK_OK;
}

llmk_status llmk_compare_set_rubric(llmk_compare *cmp, size_t case_index, const char *rubric)
{
	char *r = NULL;

	if (!cmp || cmp->running || case_index >= cmp->ncases)
		return LLMK_E_INVALID_ARG;
	if (rubric && !(r = llmk__strdup(rubric)))
		return LLMK_E_NOMEM;
	llmk__free(cmp->cases[case_index].rubric);
	cmp->cases[case_index].rubric = r;
	return LLMK_OK;
}

const char *llmk_compare_judge_reason(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	if (!cmp || !cmp->results || model >= cmp->nmodels || kase >= cmp->ncases || run >= (size_t)cmp->repeat)
		return NULL;
	return llmk__cmp_slot(cmp, model, kase, run)->reason;
}

const llmk_response *llmk_compare_judge_response(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	if (!cmp || !cmp->results || model >= cmp->nmodels || kase >= cmp->ncases || run >= (size_t)cmp->repeat)
		return NULL;
	return llmk__cmp_slot(cmp, model, kase, run)->judge;
}

/* The text of the last user message: the question the answer answers. */
static const char *question_of(const llmk_request *r, llmk__buf *b)
{
	size_t i = llmk_request_message_count(r), k, n;

	while (i-- > 0)
		if (llmk_request_message_role(r, i) == LLMK_ROLE_USER) {
			n = llmk_request_part_count(r, i);
			for (k = 0; k < n; k++)
				if (llmk_request_part_type(r, i, k) == LLMK_PART_TEXT) {
					const char *t = llmk_request_part_text(r, i, k);
					if ((b->len && llmk__buf_append(b, "\n", 1)) ||
					    llmk__buf_append(b, t, strlen(t)))
						return NULL;
				}
			break;
		}
	if (llmk__buf_append(b, "", 1)) /* NUL-terminated */
		return NULL;
	b->len--;
	return b->data;
}

static int append(llmk__buf *b, const char *s)
{
	return llmk__buf_append(b, s, strlen(s));
}

/* Reads {"score": n, "reason": "..."} (a Markdown fence around it is
 * allowed); 0 when it is not that. */
static int parse_verdict(const char *text, double *score, char **reason)
{
	const char *s = strchr(text, '{'), *e = strrchr(text, '}');
	json_t *j, *v;
	double x;
	int ok = 0;

	if (!s || !e || e < s)
		return 0;
	j = llmk__json_loadb(s, (size_t)(e - s + 1), 0, NULL);
	v = json_object_get(j, "score");
	if (json_is_number(v)) {
		x = json_number_value(v);
		if (x >= 0 && x <= 10) {
			*score = x / 10;
			v = json_object_get(j, "reason");
			*reason = llmk__strdup(json_is_string(v) ? json_string_value(v) : "");
			ok = *reason != NULL;
		}
	}
	json_decref(j);
	return ok;
}

static void deliver(pending *p, double score, const char *reason)
{
	result *res = llmk__cmp_slot(p->cmp, p->model, p->kase, p->run);

	res->score = score;
	llmk__free(res->reason);
	res->reason = reason ? llmk__strdup(reason) : NULL;
	llmk__cmp_report(p);
	llmk__free(p);
}

static void judge_done(llmk_response *jr, void *user)
{
	pending *p = user;
	llmk_compare *cmp = p->cmp;
	struct judge_entry *e = &cmp->judged[p->judge_entry];
	result *res = llmk__cmp_slot(cmp, p->model, p->kase, p->run);
	char why[LLMK_ERRMSG_MAX + 64];
	size_t i;

	res->judge = jr;
	llmk_request_free(p->embed);
	p->embed = NULL;
	e->done = 1;
	if (jr && llmk_response_status(jr) == LLMK_OK && parse_verdict(llmk_response_text(jr), &e->score, &e->reason)) {
		/* e->score and e->reason set */
	} else {
		e->score = -1;
		snprintf(why, sizeof(why), "judge failed: %s",
		         !jr ? "out of memory"
		         : llmk_response_status(jr) != LLMK_OK
		                 ? llmk_response_error(jr)
		                 : "its answer is not {\"score\": 0-10, \"reason\": \"...\"}");
		e->reason = llmk__strdup(why);
	}
	for (i = 0; i < e->nwaiters; i++)
		deliver(e->waiters[i], e->score, e->reason);
	e->nwaiters = 0;
	deliver(p, e->score, e->reason);
}

static llmk_status build_request(llmk_compare *cmp, const case_entry *k, const char *question, const char *answer,
                                 llmk_request **out)
{
	llmk__buf sys = LLMK__BUF_INIT, usr = LLMK__BUF_INIT;
	const char *rubric = k->rubric ? k->rubric : cmp->judge_rubric ? cmp->judge_rubric : default_rubric;
	llmk_request *r = NULL;
	llmk_status st = LLMK_E_NOMEM;

	if (append(&sys, "You are an impartial judge. Grade the answer to the question by the rubric. Reply with "
	                 "JSON only: {\"score\": an integer from 0 to 10, \"reason\": one or two sentences}.\n\n"
	                 "Rubric:\n") ||
	    append(&sys, rubric) || llmk__buf_append(&sys, "", 1) || append(&usr, "Question:\n") ||
	    append(&usr, question) ||
	    (k->expected && (append(&usr, "\n\nReference answer:\n") || append(&usr, k->expected))) ||
	    append(&usr, "\n\nAnswer to grade:\n") || append(&usr, answer) || llmk__buf_append(&usr, "", 1))
		goto out;
	st = llmk_request_new(&r, LLMK_CHAT);
	if (st == LLMK_OK)
		st = llmk_request_add_message(r, LLMK_ROLE_SYSTEM, sys.data);
	if (st == LLMK_OK)
		st = llmk_request_add_message(r, LLMK_ROLE_USER, usr.data);
	if (st == LLMK_OK)
		st = llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, schema);
	if (st == LLMK_OK)
		st = llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA_NAME, "verdict");
	if (st == LLMK_OK) /* a judge without structured output still gets the instructions */
		st = llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1);
	if (st == LLMK_OK && cmp->cancel)
		st = llmk_request_set_cancel(r, cmp->cancel);
out:
	if (st != LLMK_OK) {
		llmk_request_free(r);
		r = NULL;
	}
	*out = r;
	llmk__buf_free(&sys);
	llmk__buf_free(&usr);
	return st;
}

/* Judges an answer: a verdict from the cache, a wait for one in flight, or
 * a request to the judge. p is consumed (reported and freed, now or when
 * the verdict comes). */
void llmk__cmp_judge(pending *p, const char *answer)
{
	llmk_compare *cmp = p->cmp;
	const case_entry *k = &cmp->cases[p->kase];
	const char *rubric = k->rubric ? k->rubric : cmp->judge_rubric ? cmp->judge_rubric : default_rubric;
	llmk__buf q = LLMK__BUF_INIT, key = LLMK__BUF_INIT;
	const char *question = question_of(k->req, &q);
	struct judge_entry *e = NULL;
	llmk_request *r = NULL;
	uint64_t h;
	size_t i;

	if (!question || append(&key, rubric) || llmk__buf_append(&key, "\x1f", 1) || append(&key, question) ||
	    llmk__buf_append(&key, "\x1f", 1) || (k->expected && append(&key, k->expected)) ||
	    llmk__buf_append(&key, "\x1f", 1) || append(&key, answer) || llmk__buf_append(&key, "", 1))
		goto oom;
	h = fnv1a(key.data);
	for (i = 0; i < cmp->njudged; i++)
		if (cmp->judged[i].hash == h && !strcmp(cmp->judged[i].key, key.data)) {
			e = &cmp->judged[i];
			break;
		}
	if (e && e->done) {
		deliver(p, e->score, e->reason);
		goto done;
	}
	if (e) {
		if (e->nwaiters == e->capwaiters) {
			size_t cap = e->capwaiters ? 2 * e->capwaiters : 4;
			pending **w = llmk__realloc(e->waiters, cap * sizeof(*w));
			if (!w)
				goto oom;
			e->waiters = w;
			e->capwaiters = cap;
		}
		e->waiters[e->nwaiters++] = p;
		goto done;
	}
	if (cmp->njudged == cmp->capjudged) {
		size_t cap = cmp->capjudged ? 2 * cmp->capjudged : 16;
		struct judge_entry *g = llmk__realloc(cmp->judged, cap * sizeof(*g));
		if (!g)
			goto oom;
		cmp->judged = g;
		cmp->capjudged = cap;
	}
	if (build_request(cmp, k, question, answer, &r) != LLMK_OK)
		goto oom;
	e = &cmp->judged[cmp->njudged];
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->key = key.data;
	key.data = NULL;
	key.len = key.cap = 0;
	p->judge_entry = cmp->njudged++;
	p->embed = r;
	if (llmk_multi_add(cmp->running_multi, cmp->judge, r, NULL, judge_done, p) != LLMK_OK) {
		cmp->njudged--;
		llmk__free(e->key);
		p->embed = NULL;
		llmk_request_free(r);
		goto oom;
	}
	goto done;
oom:
	deliver(p, -1, "judge failed: out of memory");
done:
	llmk__buf_free(&q);
	llmk__buf_free(&key);
}
