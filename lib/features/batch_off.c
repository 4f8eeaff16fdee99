/* A build without the batch APIs (-Dbatch=disabled, and reduced builds by
 * default, like the judge scorer): the same functions, answering
 * LLMK_E_UNSUPPORTED, so the ABI and the bindings do not change. */
#include <stddef.h>

#include "client.h"
#include "compare.h"

#define WHY "provider batches are not in this build of the library (-Dbatch=disabled)"

llmk_status llmk_batch_new(llmk_batch **out, llmk_client *client)
{
	if (out)
		*out = NULL;
	if (!out || !client)
		return LLMK_E_INVALID_ARG;
	return llmk__client_err(client, LLMK_E_UNSUPPORTED, WHY);
}

llmk_status llmk_batch_open(llmk_batch **out, llmk_client *client, const char *id)
{
	(void)id;
	return llmk_batch_new(out, client);
}

void llmk_batch_free(llmk_batch *batch)
{
	(void)batch;
}

llmk_status llmk_batch_add(llmk_batch *batch, const char *custom_id, const llmk_request *request)
{
	(void)batch, (void)custom_id, (void)request;
	return LLMK_E_UNSUPPORTED;
}

size_t llmk_batch_size(const llmk_batch *batch)
{
	(void)batch;
	return 0;
}

llmk_status llmk_batch_submit(llmk_batch *batch)
{
	(void)batch;
	return LLMK_E_UNSUPPORTED;
}

const char *llmk_batch_id(const llmk_batch *batch)
{
	(void)batch;
	return NULL;
}

llmk_status llmk_batch_refresh(llmk_batch *batch)
{
	(void)batch;
	return LLMK_E_UNSUPPORTED;
}

int32_t llmk_batch_state(const llmk_batch *batch)
{
	(void)batch;
	return LLMK_BATCH_NEW;
}

const char *llmk_batch_state_name(int32_t state)
{
	(void)state;
	return "unknown";
}

int32_t llmk_batch_ended(const llmk_batch *batch)
{
	(void)batch;
	return 0;
}

int64_t llmk_batch_count(const llmk_batch *batch, int32_t which)
{
	(void)batch, (void)which;
	return -1;
}

llmk_status llmk_batch_wait(llmk_batch *batch, int64_t poll_ms, int64_t timeout_ms, llmk_batch_progress_fn progress,
                            void *user)
{
	(void)batch, (void)poll_ms, (void)timeout_ms, (void)progress, (void)user;
	return LLMK_E_UNSUPPORTED;
}

llmk_status llmk_batch_cancel(llmk_batch *batch)
{
	(void)batch;
	return LLMK_E_UNSUPPORTED;
}

llmk_status llmk_batch_next_result(llmk_batch *batch, const char **custom_id, llmk_response **out)
{
	(void)batch;
	if (custom_id)
		*custom_id = NULL;
	if (out)
		*out = NULL;
	return LLMK_E_UNSUPPORTED;
}

llmk_status llmk_batch_set_cancel(llmk_batch *batch, const llmk_cancel *cancel)
{
	(void)batch, (void)cancel;
	return LLMK_E_UNSUPPORTED;
}

const char *llmk_batch_errmsg(const llmk_batch *batch)
{
	(void)batch;
	return WHY;
}

#ifdef LLMK_HAVE_COMPARE /* else compare_off.c answers for the comparison */
llmk_status llmk_compare_set_batch(llmk_compare *cmp, int64_t poll_ms)
{
	(void)poll_ms;
	return cmp ? llmk__cmp_err(cmp, LLMK_E_UNSUPPORTED, WHY) : LLMK_E_INVALID_ARG;
}

llmk_status llmk__cmp_batch(llmk_compare *cmp, llmk_multi *m)
{
	(void)m;
	return llmk__cmp_err(cmp, LLMK_E_UNSUPPORTED, WHY);
}
#endif
