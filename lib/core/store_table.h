/* The llmk_store table (public header) as the library's own code uses it. */
#ifndef LLMK_STORE_TABLE_H
#define LLMK_STORE_TABLE_H

#include "llmkit.h"

/* Copies a caller's table into `dst` as far as its struct_size reaches
 * (the rest zeroed); 0 when `src` is NULL or too small to be a table. */
int llmk__store_copy(llmk_store *dst, const llmk_store *src);

#endif
