/* The in-process store (memstore.c): cooldowns, counters and sliding
 * windows in this process's memory, behind the public llmk_store table.
 * It lives in core because the engine needs it without a store installed
 * (a client's own rate limits, and the fallback when an installed store
 * fails); llmk_store_new_local() (lib/store) hands the same one out. */
#ifndef LLMK_CORE_MEMSTORE_H
#define LLMK_CORE_MEMSTORE_H

#include "llmkit.h"

/* A new in-process store (table and state allocated with llmk__calloc:
 * llmk_store_free() or llmk__memstore_free() release it); NULL when out
 * of memory. */
llmk_store *llmk__memstore_new(void);
void llmk__memstore_free(llmk_store *s);

/* Most keys one store holds, and most entries one window keeps (past it,
 * an amount is added to the newest entry: it then expires a little late,
 * which errs on the side of the limit). */
#define LLMK_MEMSTORE_MAX_KEYS 65536
#define LLMK_MEMSTORE_MAX_ENTRIES 4096

#endif
