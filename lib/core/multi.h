/* What the layers above the engine may do with a multi beyond the public
 * API (multi.c). */
#ifndef LLMK_CORE_MULTI_H
#define LLMK_CORE_MULTI_H

#include "llmkit.h"

/* Queues a response that is already final (e.g. a router with every
 * deployment cooling): on_done gets it from a perform, as for any request. */
llmk_status llmk__multi_add_ready(llmk_multi *m, llmk_response *r, llmk_done_fn done, void *user);

#endif
