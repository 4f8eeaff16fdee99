/* The multi driver of the curl transport (lib/transport/curl.c), for
 * llmk_multi. */
#ifndef LLMK_CORE_DRIVER_H
#define LLMK_CORE_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"

typedef struct llmk__cdriver llmk__cdriver;
llmk__cdriver *llmk__cdriver_new(void);
void llmk__cdriver_free(llmk__cdriver *d);
/* Starts transferring ex; done(ctx, status) is called from a later step. */
int32_t llmk__cdriver_add(llmk__cdriver *d, llmk_exchange *ex, void (*done)(void *ctx, int32_t status), void *ctx);
/* Moves every transfer on as far as it can without waiting. */
int32_t llmk__cdriver_step(llmk__cdriver *d);
/* Waits for curl's descriptors; the next step uses the result. */
int32_t llmk__cdriver_wait(llmk__cdriver *d, int64_t timeout_ms);
int64_t llmk__cdriver_timeout_ms(const llmk__cdriver *d);
size_t llmk__cdriver_fds(const llmk__cdriver *d, int32_t *fds, int32_t *events, size_t cap);
/* Whether t is the built-in curl transport (its transfers join the driver). */
int llmk__cdriver_owns(const llmk_transport *t);

#endif
