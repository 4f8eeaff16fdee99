/* Secret storage: keys and tokens live in libsodium guarded memory. */
#ifndef LLMK_BASE_SECRET_H
#define LLMK_BASE_SECRET_H

#include "llmkit.h"

/* Replaces *slot with a guarded, read-only copy of value (NULL clears). */
llmk_status llmk__secret_set(char **slot, const char *value);
/* Wipes and frees *slot; sets it to NULL. */
void llmk__secret_free(char **slot);
/* Wipes then frees ordinary heap memory that may have held a secret. */
void llmk__free_wiped(char *p);

#endif
