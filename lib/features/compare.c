/* llmk_compare: the same requests to several models at once, and the
 * figures to choose between them; with expected answers, an evaluation.
 *
 * Every (run, case, model) becomes one request in a llmk_multi, added run by
 * run and case by case with the models interleaved, so each model starts at
 * once and a slow one does not hold the others up. Scoring by similarity
 * adds an embedding request to the same multi from the answer's callback.
 * Figures are computed from the stored responses when asked, so they are
 * current while the run is still going (for live tables). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "clock.h"
#include "json.h"
#include "bounds.h"
#include "response.h"

#define MAX_CASES 100000
#define MAX_LINE (1u << 20)

typedef struct model_entry {
	llmk_client *c;
	int owned;
	char *label;
} model_entry;

typedef struct case_entry {
	const llmk_request *req;
	llmk_request *owned; /* from a JSONL file */
	char *expected;
	int32_t scorer;
} case_entry;

typedef struct result {
	llmk_response *resp;
	double score; /* -1: not scored */
	int done;
} result;

/* One request in flight: where its answer goes. */
typedef struct pending {
	llmk_compare *cmp;
	size_t model, kase, run;
	llmk_request *embed; /* similarity scoring: the embedding request */
} pending;

struct llmk_compare {
	model_entry *models;
	size_t nmodels, modelcap;
	case_entry *cases;
	size_t ncases, casecap;
	int64_t repeat, stream, max_in_flight;
	llmk_client *embedder;
	result *results; /* [model][case][run] */
	size_t nresults;
	llmk_compare_fn on_result;
	void *user;
	int running;
	int stopping; /* cancelled: what is still in flight is being ended */
	llmk_cancel *cancel;
	llmk_multi *running_multi;
	char errmsg[LLMK_ERRMSG_MAX];
};

static llmk_status cmp_err(llmk_compare *cmp, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static llmk_status cmp_err(llmk_compare *cmp, llmk_status st, const char *fmt, ...)
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
	*out = cmp;
	return LLMK_OK;
}

static void free_results(llmk_compare *cmp)
{
	size_t i;

	for (i = 0; i < cmp->nresults; i++)
		llmk_response_free(cmp->results[i].resp);
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
	}
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
			return cmp_err(cmp, LLMK_E_INVALID_ARG, "repeat must be 1..1000, not %lld", (long long)v);
		cmp->repeat = v;
		return LLMK_OK;
	case LLMK_COMPARE_STREAM:
		cmp->stream = v != 0;
		return LLMK_OK;
	case LLMK_COMPARE_MAX_IN_FLIGHT:
		if (v < 0 || v > 100000)
			return cmp_err(cmp, LLMK_E_INVALID_ARG, "max_in_flight must be 0..100000");
		cmp->max_in_flight = v;
		return LLMK_OK;
	default:
		return cmp_err(cmp, LLMK_E_UNKNOWN_OPTION, "unknown compare option %d", (int)option);
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
		return cmp_err(cmp, st, "%s: %s", model, llmk_strerror(st));
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

static llmk_status check_scorer(llmk_compare *cmp, const char *expected, int32_t scorer)
{
	regex_t re;
	int rc;

	if (scorer < LLMK_SCORE_NONE || scorer > LLMK_SCORE_SIMILARITY)
		return cmp_err(cmp, LLMK_E_INVALID_ARG, "unknown scorer %d", (int)scorer);
	if (scorer != LLMK_SCORE_NONE && scorer != LLMK_SCORE_JSON && !expected)
		return cmp_err(cmp, LLMK_E_INVALID_ARG, "this scorer needs an expected answer");
	if (scorer == LLMK_SCORE_REGEX) {
		rc = regcomp(&re, expected, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char why[128];
			regerror(rc, &re, why, sizeof(why));
			return cmp_err(cmp, LLMK_E_INVALID_ARG, "expected regular expression does not compile: %s", why);
		}
		regfree(&re);
	}
	return LLMK_OK;
}

static llmk_status push_case(llmk_compare *cmp, const llmk_request *req, llmk_request *owned, const char *expected,
                             int32_t scorer)
{
	case_entry *k;
	size_t ncap;

	if (cmp->ncases >= MAX_CASES)
		return cmp_err(cmp, LLMK_E_TOO_LARGE, "more than %d cases", MAX_CASES);
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
	st = check_scorer(cmp, expected, scorer);
	if (st != LLMK_OK)
		return st;
	return push_case(cmp, req, NULL, expected, scorer);
}

static int32_t scorer_by_name(const char *s)
{
	static const char *names[] = {"none", "exact", "contains", "regex", "json", "similarity"};
	int32_t i;

	for (i = 0; i < 6; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* One JSONL line: {"prompt": "...", "system": "...", "expected": "...",
 * "scorer": "contains", "max_tokens": 100, "temperature": 0}. */
static llmk_status load_line(llmk_compare *cmp, const char *line, size_t len, size_t lineno)
{
	json_error_t jerr;
	json_t *j = llmk__json_loadb(line, len, 0, &jerr), *v;
	llmk_request *r = NULL;
	const char *prompt, *expected = NULL;
	int32_t scorer;
	llmk_status st;

	if (!j)
		return cmp_err(cmp, llmk__oom_seen() ? LLMK_E_NOMEM : LLMK_E_INVALID_ARG, "line %zu: not JSON: %s", lineno,
		               jerr.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return cmp_err(cmp, LLMK_E_INVALID_ARG, "line %zu: not a JSON object", lineno);
	}
	prompt = json_string_value(json_object_get(j, "prompt"));
	if (!prompt) {
		json_decref(j);
		return cmp_err(cmp, LLMK_E_INVALID_ARG, "line %zu: no \"prompt\" string", lineno);
	}
	v = json_object_get(j, "expected");
	if (v && !json_is_null(v)) {
		expected = json_string_value(v);
		if (!expected) {
			json_decref(j);
			return cmp_err(cmp, LLMK_E_INVALID_ARG, "line %zu: \"expected\" must be a string", lineno);
		}
	}
	v = json_object_get(j, "scorer");
	if (v) {
		scorer = json_is_string(v) ? scorer_by_name(json_string_value(v)) : -1;
		if (scorer < 0) {
			json_decref(j);
			return cmp_err(cmp, LLMK_E_INVALID_ARG,
			               "line %zu: \"scorer\" must be one of none, exact, contains, regex, json, similarity", lineno);
		}
	} else {
		scorer = expected ? LLMK_SCORE_CONTAINS : LLMK_SCORE_NONE;
	}
	st = check_scorer(cmp, expected, scorer);
	if (st != LLMK_OK) {
		char was[LLMK_ERRMSG_MAX];
		snprintf(was, sizeof(was), "%s", cmp->errmsg);
		json_decref(j);
		return cmp_err(cmp, st, "line %zu: %s", lineno, was);
	}
	st = llmk_request_new(&r, LLMK_CHAT);
	v = json_object_get(j, "system");
	if (st == LLMK_OK && json_is_string(v))
		st = llmk_request_add_message(r, LLMK_ROLE_SYSTEM, json_string_value(v));
	if (st == LLMK_OK)
		st = llmk_request_add_message(r, LLMK_ROLE_USER, prompt);
	v = json_object_get(j, "max_tokens");
	if (st == LLMK_OK && json_is_integer(v))
		st = llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, json_integer_value(v));
	v = json_object_get(j, "temperature");
	if (st == LLMK_OK && json_is_number(v))
		st = llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, json_number_value(v));
	if (st == LLMK_OK)
		st = push_case(cmp, r, r, expected, scorer);
	if (st != LLMK_OK) {
		if (!cmp->errmsg[0] || st == LLMK_E_NOMEM)
			cmp_err(cmp, st, "line %zu: %s%s%s", lineno, llmk_strerror(st), r && *llmk_request_errmsg(r) ? ": " : "",
			        r ? llmk_request_errmsg(r) : "");
		llmk_request_free(r);
	}
	json_decref(j);
	return st;
}

llmk_status llmk_compare_load_jsonl(llmk_compare *cmp, const char *path)
{
	FILE *fp;
	llmk_buf line = LLMK_BUF_INIT;
	size_t lineno = 0, before;
	llmk_status st = LLMK_OK;
	int ch, more = 1;

	if (!cmp || !path || cmp->running)
		return LLMK_E_INVALID_ARG;
	cmp->errmsg[0] = '\0';
	fp = fopen(path, "rb");
	if (!fp)
		return cmp_err(cmp, LLMK_E_NOT_FOUND, "%s: cannot be opened", path);
	before = cmp->ncases;
	while (more && st == LLMK_OK) {
		llmk_buf_clear(&line);
		lineno++;
		while ((ch = getc(fp)) != EOF && ch != '\n') {
			if (line.len >= MAX_LINE) {
				st = cmp_err(cmp, LLMK_E_TOO_LARGE, "%s: line %zu is longer than %u bytes", path, lineno, MAX_LINE);
				break;
			}
			char c = (char)ch;
			if (llmk_buf_append(&line, &c, 1)) {
				st = LLMK_E_NOMEM;
				break;
			}
		}
		more = ch != EOF;
		if (st != LLMK_OK)
			break;
		while (line.len && isspace((unsigned char)line.data[line.len - 1]))
			line.len--;
		if (!line.len || line.data[0] == '#')
			continue;
		st = load_line(cmp, line.data, line.len, lineno);
	}
	if (st == LLMK_OK && ferror(fp))
		st = cmp_err(cmp, LLMK_E_TRANSPORT, "%s: read error", path);
	fclose(fp);
	llmk_buf_free(&line);
	if (st == LLMK_OK && cmp->ncases == before)
		st = cmp_err(cmp, LLMK_E_INVALID_ARG, "%s: no cases in the file", path);
	if (st != LLMK_OK) { /* all or nothing */
		while (cmp->ncases > before) {
			cmp->ncases--;
			llmk_request_free(cmp->cases[cmp->ncases].owned);
			llmk__free(cmp->cases[cmp->ncases].expected);
		}
		if (st == LLMK_E_NOMEM && !cmp->errmsg[0])
			cmp_err(cmp, st, "out of memory reading %s", path);
	}
	return st;
}

/* ---- scoring ------------------------------------------------------------- */

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	if (!n)
		return 1;
	for (; *hay; hay++) {
		for (i = 0; i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]); i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

/* JSON scorer: the answer (without a Markdown code fence around it) must
 * be JSON, and equal to the expected JSON when one is given. */
static double score_json(const char *answer, const char *expected)
{
	const char *s = answer, *nl;
	size_t n = strlen(answer);
	json_t *a, *e;
	double score;

	trim(&s, &n);
	if (n >= 6 && !strncmp(s, "```", 3) && !strncmp(s + n - 3, "```", 3)) {
		nl = memchr(s, '\n', n);
		if (nl && nl < s + n - 3) {
			n = (size_t)(s + n - 3 - (nl + 1));
			s = nl + 1;
		}
	}
	a = llmk__json_loadb(s, n, JSON_DECODE_ANY, NULL);
	if (!a)
		return 0;
	score = 1;
	if (expected && *expected) {
		e = llmk__json_loads(expected, JSON_DECODE_ANY, NULL);
		score = e && json_equal(a, e) ? 1 : 0;
		json_decref(e);
	}
	json_decref(a);
	return score;
}

static double score_text(int32_t scorer, const char *answer, const char *expected)
{
	const char *a = answer, *e = expected;
	size_t an = strlen(answer), en;
	regex_t re;
	double s;

	switch (scorer) {
	case LLMK_SCORE_EXACT:
		en = strlen(expected);
		trim(&a, &an);
		trim(&e, &en);
		return an == en && !memcmp(a, e, an) ? 1 : 0;
	case LLMK_SCORE_CONTAINS:
		return contains_nocase(answer, expected) ? 1 : 0;
	case LLMK_SCORE_REGEX:
		if (regcomp(&re, expected, REG_EXTENDED | REG_NOSUB))
			return 0;
		s = regexec(&re, answer, 0, NULL, 0) == 0 ? 1 : 0;
		regfree(&re);
		return s;
	case LLMK_SCORE_JSON:
		return score_json(answer, expected);
	default:
		return -1;
	}
}

static result *slot(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	return &cmp->results[(model * cmp->ncases + kase) * (size_t)cmp->repeat + run];
}

static void report(pending *p)
{
	llmk_compare *cmp = p->cmp;
	result *res = slot(cmp, p->model, p->kase, p->run);

	res->done = 1;
	if (cmp->on_result)
		cmp->on_result(cmp, p->model, p->kase, p->run, res->resp, cmp->user);
}

static void embed_done(llmk_response *er, void *user)
{
	pending *p = user;
	result *res = slot(p->cmp, p->model, p->kase, p->run);
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
		llmk__fail(res->resp, er ? llmk_response_status(er) : LLMK_E_NOMEM,
		           "similarity scoring failed: %s", er ? llmk_response_error(er) : "out of memory");
		res->score = 0;
	}
	llmk_response_free(er);
	llmk_request_free(p->embed);
	report(p);
	llmk__free(p);
}

static void answer_done(llmk_response *resp, void *user)
{
	pending *p = user;
	llmk_compare *cmp = p->cmp;
	const case_entry *k = &cmp->cases[p->kase];
	result *res = slot(cmp, p->model, p->kase, p->run);
	const char *text;

	res->resp = resp;
	res->score = -1;
	if (k->scorer != LLMK_SCORE_NONE) {
		if (!resp || resp->status != LLMK_OK) {
			res->score = 0; /* no answer is a wrong answer */
		} else if (k->scorer != LLMK_SCORE_SIMILARITY) {
			res->score = score_text(k->scorer, llmk_response_text(resp), k->expected ? k->expected : "");
		} else {
			text = llmk_response_text(resp);
			if (cmp->stopping) {
				res->score = -1; /* cancelled before it could be scored */
				report(p);
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
	report(p);
	llmk__free(p);
}

/* Streamed runs measure the time to the first token; the events themselves
 * are not needed. */
static int32_t ignore_event(const llmk_event *ev, void *user)
{
	(void)ev, (void)user;
	return 0;
}

llmk_status llmk_compare_run(llmk_compare *cmp, llmk_compare_fn on_result, void *user)
{
	llmk_multi *m = NULL;
	size_t i, k, run, n;
	pending *p;
	llmk_status st;

	if (!cmp || cmp->running)
		return LLMK_E_INVALID_ARG;
	cmp->errmsg[0] = '\0';
	if (!cmp->nmodels)
		return cmp_err(cmp, LLMK_E_INVALID_ARG, "no models to compare: add some first");
	if (!cmp->ncases)
		return cmp_err(cmp, LLMK_E_INVALID_ARG, "no request: add a case (or load a JSONL file) first");
	for (k = 0; k < cmp->ncases; k++)
		if (cmp->cases[k].scorer == LLMK_SCORE_SIMILARITY && !cmp->embedder)
			return cmp_err(cmp, LLMK_E_CONFIG, "case %zu is scored by similarity: set an embedding client", k);
	free_results(cmp);
	n = cmp->nmodels * cmp->ncases * (size_t)cmp->repeat;
	cmp->results = llmk__calloc(n, sizeof(*cmp->results));
	if (!cmp->results)
		return cmp_err(cmp, LLMK_E_NOMEM, "out of memory");
	cmp->nresults = n;
	st = llmk_multi_new(&m);
	if (st == LLMK_OK)
		st = llmk_multi_set_limit(m, (int32_t)cmp->max_in_flight);
	if (st != LLMK_OK) {
		llmk_multi_free(m);
		return cmp_err(cmp, st, "%s", llmk_strerror(st));
	}
	cmp->on_result = on_result;
	cmp->user = user;
	cmp->running = 1;
	cmp->running_multi = m;
	for (run = 0; run < (size_t)cmp->repeat && st == LLMK_OK; run++)
		for (k = 0; k < cmp->ncases && st == LLMK_OK; k++)
			for (i = 0; i < cmp->nmodels && st == LLMK_OK; i++) {
				p = llmk__calloc(1, sizeof(*p));
				if (!p) {
					st = LLMK_E_NOMEM;
					break;
				}
				p->cmp = cmp;
				p->model = i;
				p->kase = k;
				p->run = run;
				st = llmk_multi_add(m, cmp->models[i].c, cmp->cases[k].req, cmp->stream ? ignore_event : NULL,
				                    answer_done, p);
				if (st != LLMK_OK)
					llmk__free(p);
			}
	/* llmk_multi_run(), watching the comparison's cancel flag between turns
	 * (every 10 ms at most while there is one). */
	while (st == LLMK_OK) {
		int32_t running = 0;
		st = llmk_multi_perform(m, &running);
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
	cmp->stopping = 0;
	cmp->running = 0;
	cmp->running_multi = NULL;
	if (st == LLMK_E_CANCELLED) {
		size_t done = 0, r;
		for (r = 0; r < cmp->nresults; r++)
			done += cmp->results[r].resp && cmp->results[r].resp->status != LLMK_E_CANCELLED;
		return cmp_err(cmp, st, "cancelled: %zu of %zu runs had finished", done, cmp->nresults);
	}
	if (st != LLMK_OK)
		return cmp_err(cmp, st, "%s", llmk_strerror(st));
	return LLMK_OK;
}

size_t llmk_compare_model_count(const llmk_compare *cmp)
{
	return cmp ? cmp->nmodels : 0;
}

const char *llmk_compare_model(const llmk_compare *cmp, size_t model)
{
	return cmp && model < cmp->nmodels ? cmp->models[model].label : NULL;
}

size_t llmk_compare_case_count(const llmk_compare *cmp)
{
	return cmp ? cmp->ncases : 0;
}

const llmk_response *llmk_compare_response(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	if (!cmp || !cmp->results || model >= cmp->nmodels || kase >= cmp->ncases || run >= (size_t)cmp->repeat)
		return NULL;
	return slot(cmp, model, kase, run)->resp;
}

double llmk_compare_score(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	if (!cmp || !cmp->results || model >= cmp->nmodels || kase >= cmp->ncases || run >= (size_t)cmp->repeat)
		return -1;
	return slot(cmp, model, kase, run)->done ? slot(cmp, model, kase, run)->score : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	if (!n)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double llmk_compare_metric(const llmk_compare *cmp, size_t model, int32_t metric)
{
	size_t k, run, n = 0, runs = 0, ok = 0, scored = 0;
	double *v, out = -1, sum = 0, x, ttft, total, score_sum = 0, cost;
	int64_t tokens, out_tokens;
	int cost_unknown = 0;
	const result *res;
	const llmk_response *r;

	if (!cmp || !cmp->results || model >= cmp->nmodels)
		return -1;
	v = llmk__malloc((cmp->ncases * (size_t)cmp->repeat + 1) * sizeof(*v));
	if (!v)
		return -1;
	for (k = 0; k < cmp->ncases; k++)
		for (run = 0; run < (size_t)cmp->repeat; run++) {
			res = slot(cmp, model, k, run);
			if (!res->done)
				continue;
			runs++;
			if (res->score >= 0) {
				scored++;
				score_sum += res->score;
			}
			r = res->resp;
			if (!r || r->status != LLMK_OK)
				continue;
			ok++;
			total = r->timing[LLMK_TIMING_TOTAL_MS];
			ttft = r->timing[LLMK_TIMING_FIRST_TOKEN_MS];
			switch (metric) {
			case LLMK_METRIC_LATENCY_MS:
				v[n++] = total;
				break;
			case LLMK_METRIC_TTFT_MS:
				if (ttft >= 0)
					v[n++] = ttft;
				break;
			case LLMK_METRIC_TOKENS_PER_S:
				out_tokens = r->usage[LLMK_USAGE_OUTPUT];
				/* generation time: after the first token when it is known */
				x = ttft >= 0 && total > ttft ? total - ttft : total;
				if (out_tokens >= 0 && x > 0)
					v[n++] = (double)out_tokens / (x / 1000.0);
				break;
			case LLMK_METRIC_INPUT_TOKENS:
			case LLMK_METRIC_OUTPUT_TOKENS:
			case LLMK_METRIC_CACHED_TOKENS:
				tokens = r->usage[metric == LLMK_METRIC_INPUT_TOKENS    ? LLMK_USAGE_INPUT
				                  : metric == LLMK_METRIC_OUTPUT_TOKENS ? LLMK_USAGE_OUTPUT
				                                                        : LLMK_USAGE_CACHED_INPUT];
				if (tokens >= 0) {
					sum += (double)tokens;
					n++;
				}
				break;
			case LLMK_METRIC_COST_USD:
				if (llmk_response_cost(r, &cost) == LLMK_OK)
					sum += cost;
				else
					cost_unknown = 1;
				break;
			default:
				break;
			}
		}
	switch (metric) {
	case LLMK_METRIC_RUNS:
		out = (double)runs;
		break;
	case LLMK_METRIC_OK:
		out = (double)ok;
		break;
	case LLMK_METRIC_LATENCY_MS:
	case LLMK_METRIC_TTFT_MS:
	case LLMK_METRIC_TOKENS_PER_S:
		out = median(v, n);
		break;
	case LLMK_METRIC_INPUT_TOKENS:
	case LLMK_METRIC_OUTPUT_TOKENS:
	case LLMK_METRIC_CACHED_TOKENS:
		out = n ? sum : (ok ? -1 : 0);
		break;
	case LLMK_METRIC_COST_USD:
		out = cost_unknown ? -1 : sum;
		break;
	case LLMK_METRIC_SCORE:
		out = scored ? score_sum / (double)scored : -1;
		break;
	default:
		out = -1;
	}
	llmk__free(v);
	return out;
}
