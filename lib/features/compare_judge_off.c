/* The judge scorer left out (-Djudge=disabled, the default of reduced
 * firmware builds; about 4 KB): the API stays, setting a judge answers
 * LLMK_E_UNSUPPORTED, and a case scored by a judge cannot run (no judge
 * client). */
#include "alloc.h"
#include "compare.h"

void llmk__cmp_judge_reset(llmk_compare *cmp)
{
	(void)cmp;
}

llmk_status llmk_compare_set_judge(llmk_compare *cmp, llmk_client *judge, const char *rubric)
{
	(void)judge, (void)rubric;
	if (!cmp)
		return LLMK_E_INVALID_ARG;
	return llmk__cmp_err(cmp, LLMK_E_UNSUPPORTED, "the judge scorer is not in this build (-Djudge)");
}

llmk_status llmk_compare_set_rubric(llmk_compare *cmp, size_t case_index, const char *rubric)
{
	(void)case_index, (void)rubric;
	if (!cmp)
		return LLMK_E_INVALID_ARG;
	return llmk__cmp_err(cmp, LLMK_E_UNSUPPORTED, "the judge scorer is not in this build (-Djudge)");
}

const char *llmk_compare_judge_reason(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	(void)cmp, (void)model, (void)kase, (void)run;
	return NULL;
}

const llmk_response *llmk_compare_judge_response(const llmk_compare *cmp, size_t model, size_t kase, size_t run)
{
	(void)cmp, (void)model, (void)kase, (void)run;
	return NULL;
}

/* Unreachable: llmk_compare_run() refuses a judge case without a judge. */
void llmk__cmp_judge(pending *p, const char *answer)
{
	(void)answer;
	llmk__cmp_slot(p->cmp, p->model, p->kase, p->run)->score = -1;
	llmk__cmp_report(p);
	llmk__free(p);
}
