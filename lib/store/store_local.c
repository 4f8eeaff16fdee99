/* llmk_store_new_local(): the in-process store. Its code is in core
 * (memstore.c), because the engine keeps a client's own rate limits in one
 * without any store installed; here it is handed to the program, to share
 * between several clients and routers of this process. */
#include "llmkit.h"
#include "memstore.h"

llmk_status llmk_store_new_local(llmk_store **out)
{
	if (!out)
		return LLMK_E_INVALID_ARG;
#ifdef LLMK_HAVE_SHARED_STATE
	*out = llmk__memstore_new();
	return *out ? LLMK_OK : LLMK_E_NOMEM;
#else
	*out = NULL;
	return LLMK_E_UNSUPPORTED; /* -Dshared_state=disabled */
#endif
}
