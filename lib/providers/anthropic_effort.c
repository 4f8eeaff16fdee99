/* Anthropic: LLMK_OPT_REASONING_EFFORT (and the thinking budget beside it)
 * as the request members a model takes, by model family. Apart from
 * anthropic.c: a table to edit when a model ships.
 *
 * LLMK_OPT_REASONING_EFFORT by model, from platform.claude.com "Effort"
 * (levels and the models taking each), "Adaptive thinking" (which models
 * take thinking {type: "adaptive"}, which take only it, which cannot turn
 * thinking off) and "Extended thinking" (budget_tokens >= 1024):
 *
 *   adaptive models   thinking {type: "adaptive"} and output_config.effort
 *                     (low, medium, high; xhigh and max where the table
 *                     lists the model); "none" leaves thinking out (4.x:
 *                     off by default), or {type: "disabled"} (5.x models
 *                     that think by default), or is refused (models whose
 *                     thinking is always on);
 *   Claude Opus 4.5   output_config.effort (low, medium, high) without
 *                     adaptive thinking, which it lacks; a budget set
 *                     beside it still enables thinking;
 *   older models      thinking {type: "enabled"} with a fixed budget:
 *                     minimal and low 1024 (the API's minimum), medium
 *                     2048, high 4096 -- LiteLLM's mapping of the same
 *                     words, so a program moving over gets the same spend;
 *                     no xhigh or max;
 *   Claude 3 (but 3.7) no thinking: only "none".
 *
 * "minimal" is not an Anthropic effort level: refused where effort is sent.
 * A model the table does not know (newer, or a compatible server's) is
 * taken as adaptive with every level the API names: the API judges. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "anthropic_effort.h"
#include "toolkit.h"

enum {
	EF_LOW = 1 << 0,
	EF_MEDIUM = 1 << 1,
	EF_HIGH = 1 << 2,
	EF_XHIGH = 1 << 3,
	EF_MAX = 1 << 4,
	EF_BASE = EF_LOW | EF_MEDIUM | EF_HIGH,
	EF_ALL = EF_BASE | EF_XHIGH | EF_MAX
};
enum { MODE_ADAPTIVE, MODE_EFFORT_ONLY, MODE_BUDGET, MODE_NONE };
enum { OFF_OMIT, OFF_DISABLE, OFF_REFUSE };

typedef struct effort_family {
	const char *prefix; /* model names starting with it; first match wins */
	int mode, levels, off;
	int takes_budget; /* thinking {type: "enabled"} is still accepted */
} effort_family;

static const effort_family families[] = {
        /* Always thinking: Fable, Mythos, Opus 5.5 ("Thinking is always
         * adaptive. Turning thinking off ... is rejected"). */
        {"claude-fable-", MODE_ADAPTIVE, EF_ALL, OFF_REFUSE, 0},
        {"claude-mythos-preview", MODE_ADAPTIVE, EF_BASE | EF_MAX, OFF_REFUSE, 0},
        {"claude-mythos-", MODE_ADAPTIVE, EF_ALL, OFF_REFUSE, 0},
        {"claude-opus-5-5", MODE_ADAPTIVE, EF_ALL, OFF_REFUSE, 0},
        /* 5.x that think by default and may turn it off. */
        {"claude-opus-5", MODE_ADAPTIVE, EF_ALL, OFF_DISABLE, 0},
        {"claude-sonnet-5", MODE_ADAPTIVE, EF_ALL, OFF_DISABLE, 0},
        {"claude-haiku-5", MODE_ADAPTIVE, EF_ALL, OFF_DISABLE, 0},
        /* 4.6 - 4.8: adaptive; 4.6 still takes a budget (deprecated). */
        {"claude-opus-4-8", MODE_ADAPTIVE, EF_ALL, OFF_OMIT, 0},
        {"claude-opus-4-7", MODE_ADAPTIVE, EF_ALL, OFF_OMIT, 0},
        {"claude-opus-4-6", MODE_ADAPTIVE, EF_BASE | EF_MAX, OFF_OMIT, 1},
        {"claude-sonnet-4-6", MODE_ADAPTIVE, EF_BASE | EF_MAX, OFF_OMIT, 1},
        {"claude-opus-4-5", MODE_EFFORT_ONLY, EF_BASE, OFF_OMIT, 1},
        /* Extended thinking with a budget only. */
        {"claude-opus-4", MODE_BUDGET, EF_BASE, OFF_OMIT, 1},
        {"claude-sonnet-4", MODE_BUDGET, EF_BASE, OFF_OMIT, 1},
        {"claude-haiku-4", MODE_BUDGET, EF_BASE, OFF_OMIT, 1},
        {"claude-3-7-sonnet", MODE_BUDGET, EF_BASE, OFF_OMIT, 1},
        {"claude-", MODE_NONE, 0, OFF_OMIT, 0}, /* Claude 3, 3.5, 2 */
};
static const effort_family unknown_model = {"", MODE_ADAPTIVE, EF_ALL, OFF_OMIT, 1};

static const effort_family *family_of(const char *model)
{
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strncmp(model, families[i].prefix, strlen(families[i].prefix)))
			return &families[i];
	return &unknown_model;
}

static int effort_bit(const char *e)
{
	static const char *const names[] = {"low", "medium", "high", "xhigh", "max"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(e, names[i]))
			return 1 << i;
	return 0; /* none, minimal */
}

/* The levels a family takes, for messages: "low, medium, high, max". */
static void levels_text(int levels, char *out, size_t n)
{
	static const char *const names[] = {"low", "medium", "high", "xhigh", "max"};
	size_t i, len = 0;

	out[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && len < n; i++)
		if (levels & (1 << i))
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? ", " : "", names[i]);
}

/* Sets *budget from the effort word on a budget-only model (0: none). */
static int64_t effort_budget(const char *e)
{
	if (!strcmp(e, "medium"))
		return 2048;
	if (!strcmp(e, "high"))
		return 4096;
	return 1024; /* minimal, low: the smallest budget the API takes */
}

llmk_status llmk__anthropic_thinking(const llmk_request *r, const char *model, json_t *body, int64_t *budget,
                                     llmk_response *resp)
{
	const char *e = llmk__req_str(r, LLMK_OPT_REASONING_EFFORT);
	int has_budget = llmk__req_i64(r, LLMK_OPT_REASONING_BUDGET, budget);
	const effort_family *f = family_of(model);
	json_t *thinking = NULL, *oc;
	char levels[64];
	int bit;

	if (!has_budget)
		*budget = 0;
	if (!e) {
		if (has_budget &&
		    !(thinking = json_pack("{s:s, s:I}", "type", "enabled", "budget_tokens", (json_int_t)*budget)))
			return FAIL_OOM(resp);
		return thinking && llmk__json_set(body, "thinking", thinking) ? FAIL_OOM(resp) : LLMK_OK;
	}
	bit = effort_bit(e);
	levels_text(f->levels, levels, sizeof(levels));
	if (!strcmp(e, "none")) {
		if (has_budget)
			return llmk__fail(
			        resp, LLMK_E_INVALID_ARG,
			        "anthropic: reasoning_effort 'none' and a reasoning_budget contradict each other");
		if (f->off == OFF_REFUSE)
			return llmk__fail(resp, LLMK_E_INVALID_ARG,
			                  "anthropic: %s always thinks: reasoning_effort 'none' is not taken (%s)",
			                  model, levels);
		if (f->off == OFF_DISABLE && llmk__json_set(body, "thinking", json_pack("{s:s}", "type", "disabled")))
			return FAIL_OOM(resp);
		return LLMK_OK;
	}
	if (f->mode == MODE_NONE)
		return llmk__fail(resp, LLMK_E_INVALID_ARG,
		                  "anthropic: %s has no extended thinking: reasoning_effort '%s'", model, e);
	if (f->mode == MODE_BUDGET) {
		if (bit & ~f->levels || (!bit && strcmp(e, "minimal")))
			return llmk__fail(
			        resp, LLMK_E_INVALID_ARG,
			        "anthropic: %s takes reasoning_effort minimal, low, medium or high (as a thinking "
			        "budget), not '%s'",
			        model, e);
		if (has_budget)
			return llmk__fail(
			        resp, LLMK_E_INVALID_ARG,
			        "anthropic: %s: reasoning_effort becomes a thinking budget; set reasoning_effort "
			        "or reasoning_budget, not both",
			        model);
		*budget = effort_budget(e);
		return llmk__json_set(body, "thinking",
		                      json_pack("{s:s, s:I}", "type", "enabled", "budget_tokens", (json_int_t)*budget))
		               ? FAIL_OOM(resp)
		               : LLMK_OK;
	}
	if (!(bit & f->levels))
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "anthropic: %s takes reasoning_effort %s, not '%s'", model,
		                  levels, e);
	if (f->mode == MODE_ADAPTIVE) {
		if (has_budget)
			return llmk__fail(
			        resp, LLMK_E_INVALID_ARG,
			        "anthropic: %s: reasoning_effort is adaptive thinking, which has no budget; set "
			        "reasoning_effort or reasoning_budget, not both",
			        model);
		thinking = json_pack("{s:s}", "type", "adaptive");
	} else if (has_budget) { /* Opus 4.5: effort and a budget are independent */
		thinking = json_pack("{s:s, s:I}", "type", "enabled", "budget_tokens", (json_int_t)*budget);
	}
	if ((f->mode == MODE_ADAPTIVE || has_budget) && (!thinking || llmk__json_set(body, "thinking", thinking)))
		return FAIL_OOM(resp);
	oc = json_object_get(body, "output_config");
	if (!oc && (!(oc = json_object()) || llmk__json_set(body, "output_config", oc)))
		return FAIL_OOM(resp);
	return llmk__json_set(oc, "effort", json_string(e)) ? FAIL_OOM(resp) : LLMK_OK;
}
