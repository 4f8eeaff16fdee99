/* The OpenAI wire format for the adapters built on it (huggingface.c). */
#ifndef LLMK_PROVIDERS_OPENAI_H
#define LLMK_PROVIDERS_OPENAI_H

#include "toolkit.h"

/* The OpenAI adapter's build() with a hand-off: edit (when not NULL)
 * rewrites the body tree once the extra JSON is merged, before it is
 * written (a dialect of the format, such as TGI's). */
llmk_status llmk__openai_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                               llmk_exchange *ex, llmk_response *resp, llmk__body_edit edit);

#endif
