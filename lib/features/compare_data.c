/* Datasets for llmk_compare: one JSON object per line (prompt or messages,
 * expected answer, scorer). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "compare.h"
#include "json.h"

static int32_t scorer_by_name(const char *s)
{
	static const char *names[] = {"none", "exact", "contains", "regex", "json", "similarity", "judge"};
	int32_t i;

	for (i = 0; i < 7; i++)
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
		return llmk__cmp_err(cmp, llmk__oom_seen() ? LLMK_E_NOMEM : LLMK_E_INVALID_ARG,
		                     "line %zu: not JSON: %s", lineno, jerr.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "line %zu: not a JSON object", lineno);
	}
	prompt = json_string_value(json_object_get(j, "prompt"));
	if (!prompt) {
		json_decref(j);
		return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "line %zu: no \"prompt\" string", lineno);
	}
	v = json_object_get(j, "expected");
	if (v && !json_is_null(v)) {
		expected = json_string_value(v);
		if (!expected) {
			json_decref(j);
			return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "line %zu: \"expected\" must be a string",
			                     lineno);
		}
	}
	v = json_object_get(j, "scorer");
	if (v) {
		scorer = json_is_string(v) ? scorer_by_name(json_string_value(v)) : -1;
		if (scorer < 0) {
			json_decref(j);
			return llmk__cmp_err(cmp, LLMK_E_INVALID_ARG,
			                     "line %zu: \"scorer\" must be one of none, exact, contains, regex, json, "
			                     "similarity, judge",
			                     lineno);
		}
	} else {
		scorer = expected ? LLMK_SCORE_CONTAINS : LLMK_SCORE_NONE;
	}
	st = llmk__cmp_check_scorer(cmp, expected, scorer);
	if (st != LLMK_OK) {
		char was[LLMK_ERRMSG_MAX];
		snprintf(was, sizeof(was), "%s", cmp->errmsg);
		json_decref(j);
		return llmk__cmp_err(cmp, st, "line %zu: %s", lineno, was);
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
		st = llmk__cmp_push_case(cmp, r, r, expected, scorer);
	v = json_object_get(j, "rubric");
	if (st == LLMK_OK && json_is_string(v) && llmk_compare_set_rubric(cmp, cmp->ncases - 1, json_string_value(v))) {
		json_decref(j); /* the case owns r now; the rollback frees it */
		return llmk__cmp_err(cmp, LLMK_E_NOMEM, "line %zu: out of memory", lineno);
	}
	if (st != LLMK_OK) {
		if (!cmp->errmsg[0] || st == LLMK_E_NOMEM)
			llmk__cmp_err(cmp, st, "line %zu: %s%s%s", lineno, llmk_strerror(st),
			              r && *llmk_request_errmsg(r) ? ": " : "", r ? llmk_request_errmsg(r) : "");
		llmk_request_free(r);
	}
	json_decref(j);
	return st;
}

llmk_status llmk_compare_load_jsonl(llmk_compare *cmp, const char *path)
{
	FILE *fp;
	llmk__buf line = LLMK__BUF_INIT;
	size_t lineno = 0, before;
	llmk_status st = LLMK_OK;
	int ch, more = 1;

	if (!cmp || !path || cmp->running)
		return LLMK_E_INVALID_ARG;
	cmp->errmsg[0] = '\0';
	fp = fopen(path, "rb");
	if (!fp)
		return llmk__cmp_err(cmp, LLMK_E_NOT_FOUND, "%s: cannot be opened", path);
	before = cmp->ncases;
	while (more && st == LLMK_OK) {
		llmk__buf_clear(&line);
		lineno++;
		while ((ch = getc(fp)) != EOF && ch != '\n') {
			if (line.len >= MAX_LINE) {
				st = llmk__cmp_err(cmp, LLMK_E_TOO_LARGE, "%s: line %zu is longer than %u bytes", path,
				                   lineno, MAX_LINE);
				break;
			}
			char c = (char)ch;
			if (llmk__buf_append(&line, &c, 1)) {
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
		st = llmk__cmp_err(cmp, LLMK_E_TRANSPORT, "%s: read error", path);
	fclose(fp);
	llmk__buf_free(&line);
	if (st == LLMK_OK && cmp->ncases == before)
		st = llmk__cmp_err(cmp, LLMK_E_INVALID_ARG, "%s: no cases in the file", path);
	if (st != LLMK_OK) { /* all or nothing */
		while (cmp->ncases > before) {
			cmp->ncases--;
			llmk_request_free(cmp->cases[cmp->ncases].owned);
			llmk__free(cmp->cases[cmp->ncases].expected);
			llmk__free(cmp->cases[cmp->ncases].rubric);
		}
		if (st == LLMK_E_NOMEM && !cmp->errmsg[0])
			llmk__cmp_err(cmp, st, "out of memory reading %s", path);
	}
	return st;
}
