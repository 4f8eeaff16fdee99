/* The top layer: the public calls that need every layer below (library
 * initialisation, provider resolution, the built-in transport). */
#ifndef LLMK_API_API_H
#define LLMK_API_API_H

#include "adapter.h"

/* A provider by name: built-in first, then the program's. *up gets a
 * reference to a program's provider (put it back with
 * llmk__user_provider_put) and is NULL for a built-in one. */
const llmk__provider *llmk__api_provider(const char *name, size_t len, struct llmk__user_provider **up);

#endif
