/* A build without SQLite (-Dsqlite=disabled, or no libsqlite3): the same
 * API, answering LLMK_E_UNSUPPORTED; llmk_features() has no
 * LLMK_FEATURE_SQLITE. */
#include "llmkit.h"

llmk_status llmk_store_new_sqlite(const char *path, llmk_store **out)
{
	(void)path;
	if (out)
		*out = NULL;
	return LLMK_E_UNSUPPORTED;
}
