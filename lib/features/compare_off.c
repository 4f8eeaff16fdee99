/* A build without comparisons (-Dcompare=disabled, and reduced builds by
 * default: firmware links the engine, not the evaluation tools). No
 * comparison can be created, so every call that would act on one answers
 * LLMK_E_UNSUPPORTED and every accessor answers as for an empty one. */
#include <math.h>
#include <stddef.h>

#include "llmkit.h"

#define OFF LLMK_E_UNSUPPORTED

llmk_status llmk_compare_new(llmk_compare **out)
{
	if (out)
		*out = NULL;
	return OFF;
}

void llmk_compare_free(llmk_compare *cmp)
{
	(void)cmp;
}

llmk_status llmk_compare_set_i64(llmk_compare *cmp, int32_t option, int64_t value)
{
	(void)cmp, (void)option, (void)value;
	return OFF;
}

llmk_status llmk_compare_add_model(llmk_compare *cmp, const char *model)
{
	(void)cmp, (void)model;
	return OFF;
}

llmk_status llmk_compare_add_client(llmk_compare *cmp, llmk_client *client, const char *label)
{
	(void)cmp, (void)client, (void)label;
	return OFF;
}

llmk_status llmk_compare_add_case(llmk_compare *cmp, const llmk_request *request, const char *expected, int32_t scorer)
{
	(void)cmp, (void)request, (void)expected, (void)scorer;
	return OFF;
}

llmk_status llmk_compare_load_jsonl(llmk_compare *cmp, const char *path)
{
	(void)cmp, (void)path;
	return OFF;
}

llmk_status llmk_compare_set_cancel(llmk_compare *cmp, llmk_cancel *cancel)
{
	(void)cmp, (void)cancel;
	return OFF;
}

llmk_status llmk_compare_set_embedder(llmk_compare *cmp, llmk_client *client)
{
	(void)cmp, (void)client;
	return OFF;
}

llmk_status llmk_compare_run(llmk_compare *cmp, llmk_compare_fn on_result, void *user)
{
	(void)cmp, (void)on_result, (void)user;
	return OFF;
}

size_t llmk_compare_model_count(const llmk_compare *cmp)
{
	(void)cmp;
	return 0;
}

const char *llmk_compare_model(const llmk_compare *cmp, size_t model)
{
	(void)cmp, (void)model;
	return NULL;
}

size_t llmk_compare_case_count(const llmk_compare *cmp)
{
	(void)cmp;
	return 0;
}

const llmk_request *llmk_compare_case_request(const llmk_compare *cmp, size_t case_index)
{
	(void)cmp, (void)case_index;
	return NULL;
}

const char *llmk_compare_case_expected(const llmk_compare *cmp, size_t case_index)
{
	(void)cmp, (void)case_index;
	return NULL;
}

double llmk_compare_metric(const llmk_compare *cmp, size_t model, int32_t metric)
{
	(void)cmp, (void)model, (void)metric;
	return NAN;
}

const llmk_response *llmk_compare_response(const llmk_compare *cmp, size_t model, size_t case_index, size_t run)
{
	(void)cmp, (void)model, (void)case_index, (void)run;
	return NULL;
}

double llmk_compare_score(const llmk_compare *cmp, size_t model, size_t case_index, size_t run)
{
	(void)cmp, (void)model, (void)case_index, (void)run;
	return NAN;
}

const char *llmk_compare_errmsg(const llmk_compare *cmp)
{
	(void)cmp;
	return "comparisons are left out of this build (-Dcompare)";
}

llmk_status llmk_compare_set_judge(llmk_compare *cmp, llmk_client *judge, const char *rubric)
{
	(void)cmp, (void)judge, (void)rubric;
	return OFF;
}

llmk_status llmk_compare_set_batch(llmk_compare *cmp, int64_t poll_ms)
{
	(void)cmp, (void)poll_ms;
	return OFF;
}

llmk_status llmk_compare_set_rubric(llmk_compare *cmp, size_t case_index, const char *rubric)
{
	(void)cmp, (void)case_index, (void)rubric;
	return OFF;
}

const char *llmk_compare_judge_reason(const llmk_compare *cmp, size_t model, size_t case_index, size_t run)
{
	(void)cmp, (void)model, (void)case_index, (void)run;
	return NULL;
}

const llmk_response *llmk_compare_judge_response(const llmk_compare *cmp, size_t model, size_t case_index, size_t run)
{
	(void)cmp, (void)model, (void)case_index, (void)run;
	return NULL;
}

size_t llmk_compare_status_count(const llmk_compare *cmp, size_t model, int32_t status)
{
	(void)cmp, (void)model, (void)status;
	return 0;
}

llmk_status llmk_compare_paired(double *mean, double *low, double *high, size_t *pairs, const llmk_compare *cmp,
                                size_t model, size_t baseline, int32_t metric)
{
	(void)mean, (void)low, (void)high, (void)pairs, (void)cmp, (void)model, (void)baseline, (void)metric;
	return OFF;
}
