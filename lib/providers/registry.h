/* The built-in provider table (registry.c) and the adapters it points at. */
#ifndef LLMK_PROVIDERS_REGISTRY_H
#define LLMK_PROVIDERS_REGISTRY_H

#include <stddef.h>

#include "adapter.h"

const llmk__provider *llmk__provider_find(const char *name, size_t len);
size_t llmk__provider_builtin_count(void);
const llmk__provider *llmk__provider_builtin(size_t i);

extern const llmk__adapter llmk__openai_adapter;
extern const llmk__adapter llmk__anthropic_adapter;
extern const llmk__adapter llmk__gemini_adapter;
extern const llmk__adapter llmk__ollama_adapter;
extern const llmk__adapter llmk__cohere_adapter;
extern const llmk__adapter llmk__huggingface_adapter;
extern const llmk__adapter llmk__whispercpp_adapter;
extern const llmk__adapter llmk__bedrock_adapter;
extern const llmk__adapter llmk__responses_adapter;

/* The batch APIs (batch_<format>.c, batch.h), pointed at by their adapters. */
struct llmk__batch_ops;
extern const struct llmk__batch_ops llmk__batch_openai;
extern const struct llmk__batch_ops llmk__batch_anthropic;
extern const struct llmk__batch_ops llmk__batch_gemini;

#endif
