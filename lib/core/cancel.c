/* Cancel flags: raised from any thread (or a signal handler), watched by
 * the pipeline, the built-in transport and the waits between retries. */
#include "alloc.h"
#include "exchange.h"
#include "request.h"

struct llmk_cancel {
	int raised;
};

llmk_status llmk_cancel_new(llmk_cancel **out)
{
	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = llmk__calloc(1, sizeof(**out));
	return *out ? LLMK_OK : LLMK_E_NOMEM;
}

void llmk_cancel_trigger(llmk_cancel *c)
{
	if (c)
		__atomic_store_n(&c->raised, 1, __ATOMIC_SEQ_CST);
}

int32_t llmk_cancel_triggered(const llmk_cancel *c)
{
	return c ? __atomic_load_n(&c->raised, __ATOMIC_SEQ_CST) : 0;
}

void llmk_cancel_reset(llmk_cancel *c)
{
	if (c)
		__atomic_store_n(&c->raised, 0, __ATOMIC_SEQ_CST);
}

void llmk_cancel_free(llmk_cancel *c)
{
	llmk__free(c);
}

llmk_status llmk_request_set_cancel(llmk_request *r, llmk_cancel *c)
{
	if (!r)
		return LLMK_E_INVALID_ARG;
	r->cancel = c;
	return LLMK_OK;
}

int32_t llmk_exchange_cancelled(const llmk_exchange *ex)
{
	return ex && (ex->stopped || llmk_cancel_triggered(ex->cancel));
}
