/* Internal helpers of the store layer (lib/store): the built-in stores. */
#ifndef LLMK_STORE_H
#define LLMK_STORE_H

#include "llmkit.h"

/* A zeroed table of this library's size with `user` set, for the built-in
 * stores' constructors (freed by llmk_store_free(), which calls `close`
 * first); NULL when out of memory. */
llmk_store *llmk__store_new(void *user);

#endif
