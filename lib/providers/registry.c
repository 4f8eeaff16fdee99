/* The provider table: one line per provider or OpenAI-compatible preset.
 * Presets differ only in data (base URL, key variable, quirks). */
#include <string.h>

#include "core/internal.h"

static const llmk_provider providers[] = {
	{"openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "OPENAI_BASE_URL", 0, &llmk__openai_adapter},
	/* Local OpenAI-compatible servers on their usual ports. */
	{"vllm", "http://127.0.0.1:8000/v1", "VLLM_API_KEY", "VLLM_BASE_URL", LLMK_Q_KEY_OPTIONAL, &llmk__openai_adapter},
	{"llamacpp", "http://127.0.0.1:8080/v1", "LLAMACPP_API_KEY", "LLAMACPP_BASE_URL",
	 LLMK_Q_KEY_OPTIONAL | LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter},
	{"localai", "http://127.0.0.1:8080/v1", "LOCALAI_API_KEY", "LOCALAI_BASE_URL",
	 LLMK_Q_KEY_OPTIONAL | LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter},
	{"lmstudio", "http://127.0.0.1:1234/v1", "LMSTUDIO_API_KEY", "LMSTUDIO_BASE_URL",
	 LLMK_Q_KEY_OPTIONAL | LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter},
	/* Ollama's OpenAI-compatible endpoint; its native API is a provider
	 * of its own (issue: providers). */
	{"ollama", "http://127.0.0.1:11434/v1", "OLLAMA_API_KEY", "OLLAMA_BASE_URL",
	 LLMK_Q_KEY_OPTIONAL | LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter},
	/* Any other OpenAI-compatible server: base URL required. */
	{"openai-compatible", "http://127.0.0.1:8080/v1", "OPENAI_COMPATIBLE_API_KEY", "OPENAI_COMPATIBLE_BASE_URL",
	 LLMK_Q_KEY_OPTIONAL | LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter},
};

const llmk_provider *llmk__provider_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strlen(providers[i].name) == len && !memcmp(providers[i].name, name, len))
			return &providers[i];
	return NULL;
}
