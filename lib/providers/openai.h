/* The OpenAI wire format for the adapters built on it (huggingface.c) and
 * between its two files (openai.c: chat and embeddings; openai_media.c:
 * images and audio). */
#ifndef LLMK_PROVIDERS_OPENAI_H
#define LLMK_PROVIDERS_OPENAI_H

#include "toolkit.h"

/* The OpenAI adapter's build() with a hand-off: edit (when not NULL)
 * rewrites the body tree once the extra JSON is merged, before it is
 * written (a dialect of the format, such as TGI's). */
llmk_status llmk__openai_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                               llmk_exchange *ex, llmk_response *resp, llmk__body_edit edit);

/* The URL of `path` for the client: the base URL's, or Azure's deployment
 * shape (openai.c). */
llmk_status llmk__openai_set_url(const llmk_client *c, const char *model, const char *path, llmk_exchange *ex,
                                 llmk_response *resp);
/* Reads an OpenAI usage object (any of its shapes) into resp->usage. */
void llmk__openai_read_usage(json_t *u, llmk_response *resp);

/* logprobs [{token, logprob, top_logprobs}] (chat, transcription) appended
 * to the response (openai_media.c). */
llmk_status llmk__openai_read_logprobs(json_t *arr, llmk_response *resp);

/* Images and audio (openai_media.c): build, parse, one stream event. */
llmk_status llmk__openai_media_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                     llmk_exchange *ex, llmk_response *resp, llmk__body_edit edit);
llmk_status llmk__openai_media_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp,
                                     const char *ctype, const char *body, size_t len);
llmk_status llmk__openai_media_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len);

#endif
