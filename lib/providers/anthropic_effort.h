/* Anthropic reasoning controls (anthropic_effort.c): private to
 * anthropic.c. */
#ifndef LLMK_PROVIDERS_ANTHROPIC_EFFORT_H
#define LLMK_PROVIDERS_ANTHROPIC_EFFORT_H

#include <stdint.h>

#include <jansson.h>

#include "llmkit.h"
#include "request.h"
#include "response.h"

/* body["thinking"] and body["output_config"]["effort"] for the request's
 * reasoning_effort and reasoning_budget on `model` (the table and its
 * sources are at the top of anthropic_effort.c); output_config may already
 * hold the format. *budget is the thinking budget sent (0: none), for the
 * max_tokens default. LLMK_E_INVALID_ARG, naming the model and the levels
 * it takes, for a value it cannot take. */
llmk_status llmk__anthropic_thinking(const llmk_request *r, const char *model, json_t *body, int64_t *budget,
                                     llmk_response *resp);

#endif
