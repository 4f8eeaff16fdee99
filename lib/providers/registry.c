/* The provider table: one row per provider or OpenAI-compatible preset.
 * JSON-output capabilities are not listed in the caps: they follow from the
 * response_format / json_schema bits of the option mask.
 * Presets differ only in data (base URL, key variable, quirks, what they
 * honour); docs/PROVIDERS.md is generated from this table through the
 * public query functions (tools/providers_md.c), and a test fails when the
 * two disagree. */
#include <string.h>

#include "registry.h"

#define K(kind) (1u << (kind))
#define O(NAME) LLMK__OPT(NAME)

/* Option sets (see LLMK_OPTION_TABLE). */
#define SAMPLING (O(TEMPERATURE) | O(TOP_P) | O(MAX_TOKENS) | O(STOP))
#define PENALTIES (O(FREQUENCY_PENALTY) | O(PRESENCE_PENALTY))
#define JSON_OUT (O(RESPONSE_FORMAT) | O(JSON_SCHEMA) | O(JSON_SCHEMA_NAME))
#define OA_CHAT (SAMPLING | PENALTIES | JSON_OUT | O(SEED) | O(TOOL_CHOICE) | O(REASONING_EFFORT) | O(USER))
#define OA_EMBED (O(DIMENSIONS) | O(USER))
#define OA_IMAGE (O(PROMPT) | O(IMAGE_SIZE) | O(IMAGE_QUALITY) | O(IMAGE_STYLE) | O(IMAGE_RESPONSE_FORMAT) | \
                  O(IMAGE_COUNT) | O(USER))
#define OA_TRANSCRIBE (O(LANGUAGE) | O(PROMPT) | O(TRANSCRIPT_FORMAT) | O(TEMPERATURE))
#define OA_SPEECH (O(INPUT) | O(VOICE) | O(AUDIO_FORMAT) | O(INSTRUCTIONS) | O(SPEED))
#define OA_ALL (OA_CHAT | OA_EMBED | OA_IMAGE | OA_TRANSCRIBE | OA_SPEECH)
/* What a typical OpenAI-compatible server accepts for chat. */
#define COMPAT_CHAT (SAMPLING | PENALTIES | O(SEED) | O(TOOL_CHOICE) | O(RESPONSE_FORMAT))

#define ALL_KINDS (K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_IMAGE) | K(LLMK_TRANSCRIBE) | K(LLMK_SPEECH))
#define CHAT_FULL (LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_IMAGE_URL | LLMK_CAP_STREAM_USAGE)
/* ... and document inputs (PDF, plain text) */
#define CHAT_DOCS (CHAT_FULL | LLMK_CAP_DOCUMENTS)
#define LOCAL (LLMK_Q_KEY_OPTIONAL | LLMK_Q_LEGACY_MAX_TOKENS)
/* What the Responses API takes (no stop, seed or penalties there), and what
 * the local servers serving it statelessly take. */
#define RS_LOCAL (O(TEMPERATURE) | O(TOP_P) | O(MAX_TOKENS) | JSON_OUT | O(TOOL_CHOICE) | O(REASONING_EFFORT))
#define RS_CHAT (RS_LOCAL | O(REASONING_SUMMARY) | O(STORE) | O(PREVIOUS_RESPONSE_ID) | O(USER))
#define RS_LOCAL_CAPS (LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_STREAM_USAGE)

static const llmk_provider providers[] = {
#ifdef LLMK_WIRE_OPENAI
	{"openai", "https://api.openai.com/v1", "OPENAI_API_KEY", NULL, "OPENAI_BASE_URL", LLMK_Q_DEVELOPER_ROLE,
	 &llmk__openai_adapter,
	 ALL_KINDS, CHAT_DOCS, LLMK_CAP_BATCH, OA_ALL, "Chat Completions, embeddings, images, audio"},
	{"azure", NULL, "AZURE_OPENAI_API_KEY", NULL, "AZURE_OPENAI_ENDPOINT", LLMK_Q_AZURE | LLMK_Q_DEVELOPER_ROLE,
	 &llmk__openai_adapter,
	 ALL_KINDS, CHAT_DOCS, LLMK_CAP_BATCH, OA_ALL,
	 "model = deployment name; api-version from api_version or OPENAI_API_VERSION (default 2024-10-21)"},
	{"mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY", NULL, "MISTRAL_BASE_URL",
	 LLMK_Q_LEGACY_MAX_TOKENS | LLMK_Q_NO_STREAM_OPTIONS | LLMK_Q_TOOL_CHOICE_ANY | LLMK_Q_RANDOM_SEED,
	 &llmk__openai_adapter, K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_TRANSCRIBE), CHAT_FULL, LLMK_CAP_BATCH,
	 SAMPLING | PENALTIES | JSON_OUT | O(SEED) | O(TOOL_CHOICE) | O(LANGUAGE) | O(TEMPERATURE),
	 "tool_choice required -> any, seed -> random_seed, no stream_options (usage is sent anyway)"},
	/* Hosted OpenAI-compatible services. */
	{"openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", NULL, "OPENROUTER_BASE_URL",
	 LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter, K(LLMK_CHAT) | K(LLMK_EMBED), CHAT_FULL, LLMK_CAP_BATCH,
	 COMPAT_CHAT | JSON_OUT | O(REASONING_EFFORT) | O(USER) | O(TOP_K) | O(DIMENSIONS), "model = vendor/model"},
	{"groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY", NULL, "GROQ_BASE_URL", 0, &llmk__openai_adapter,
	 K(LLMK_CHAT) | K(LLMK_TRANSCRIBE) | K(LLMK_SPEECH), CHAT_FULL, 0,
	 COMPAT_CHAT | JSON_OUT | O(REASONING_EFFORT) | O(USER) | OA_TRANSCRIBE | O(INPUT) | O(VOICE) |
	     O(AUDIO_FORMAT) | O(SPEED),
	 ""},
	{"together", "https://api.together.xyz/v1", "TOGETHER_API_KEY", NULL, "TOGETHER_BASE_URL",
	 LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter, K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_IMAGE), CHAT_FULL,
	 LLMK_CAP_BATCH, COMPAT_CHAT | JSON_OUT | O(TOP_K) | O(PROMPT) | O(IMAGE_COUNT) | O(IMAGE_RESPONSE_FORMAT),
	 ""},
	{"deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", NULL, "DEEPSEEK_BASE_URL",
	 LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter, K(LLMK_CHAT), LLMK_CAP_STREAM | LLMK_CAP_TOOLS |
	 LLMK_CAP_STREAM_USAGE, 0, SAMPLING | PENALTIES | O(TOOL_CHOICE) | O(RESPONSE_FORMAT), "reasoning text of deepseek-reasoner in reasoning"},
	{"fireworks", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY", NULL, "FIREWORKS_BASE_URL",
	 LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter, K(LLMK_CHAT) | K(LLMK_EMBED), CHAT_FULL, LLMK_CAP_BATCH,
	 COMPAT_CHAT | JSON_OUT | O(TOP_K) | O(USER) | O(DIMENSIONS), "model = accounts/fireworks/models/..."},
	{"xai", "https://api.x.ai/v1", "XAI_API_KEY", NULL, "XAI_BASE_URL", 0, &llmk__openai_adapter,
	 K(LLMK_CHAT) | K(LLMK_IMAGE), CHAT_FULL, 0,
	 COMPAT_CHAT | JSON_OUT | O(REASONING_EFFORT) | O(USER) | O(PROMPT) | O(IMAGE_COUNT) | O(IMAGE_RESPONSE_FORMAT),
	 ""},
	{"perplexity", "https://api.perplexity.ai", "PERPLEXITY_API_KEY", "PPLX_API_KEY", "PERPLEXITY_BASE_URL",
	 LLMK_Q_LEGACY_MAX_TOKENS, &llmk__openai_adapter, K(LLMK_CHAT), LLMK_CAP_STREAM | LLMK_CAP_STREAM_USAGE, 0,
	 SAMPLING | PENALTIES | JSON_OUT | O(TOP_K), "no tools"},
	/* Local OpenAI-compatible servers on their usual ports. */
	{"vllm", "http://127.0.0.1:8000/v1", "VLLM_API_KEY", NULL, "VLLM_BASE_URL", LLMK_Q_KEY_OPTIONAL,
	 &llmk__openai_adapter, K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_TRANSCRIBE), CHAT_FULL, LLMK_CAP_BATCH,
	 COMPAT_CHAT | JSON_OUT | O(TOP_K) | O(REASONING_EFFORT) | O(DIMENSIONS) | OA_TRANSCRIBE, ""},
	{"llamacpp", "http://127.0.0.1:8080/v1", "LLAMACPP_API_KEY", NULL, "LLAMACPP_BASE_URL", LOCAL,
	 &llmk__openai_adapter, K(LLMK_CHAT) | K(LLMK_EMBED), CHAT_FULL, LLMK_CAP_BATCH,
	 COMPAT_CHAT | JSON_OUT | O(TOP_K), "llama-server; tools need --jinja"},
	{"localai", "http://127.0.0.1:8080/v1", "LOCALAI_API_KEY", NULL, "LOCALAI_BASE_URL", LOCAL,
	 &llmk__openai_adapter, ALL_KINDS, CHAT_FULL, LLMK_CAP_BATCH,
	 COMPAT_CHAT | JSON_OUT | O(TOP_K) | OA_IMAGE | OA_TRANSCRIBE | O(INPUT) | O(VOICE) | O(AUDIO_FORMAT), ""},
	{"lmstudio", "http://127.0.0.1:1234/v1", "LMSTUDIO_API_KEY", NULL, "LMSTUDIO_BASE_URL", LOCAL,
	 &llmk__openai_adapter, K(LLMK_CHAT) | K(LLMK_EMBED), CHAT_FULL, LLMK_CAP_BATCH, COMPAT_CHAT | JSON_OUT | O(TOP_K),
	 ""},
	/* Any other OpenAI-compatible server: set its base URL. Accepts every
	 * OpenAI parameter; the server decides. */
	{"openai-compatible", "http://127.0.0.1:8080/v1", "OPENAI_COMPATIBLE_API_KEY", NULL,
	 "OPENAI_COMPATIBLE_BASE_URL", LOCAL, &llmk__openai_adapter, ALL_KINDS, CHAT_FULL, LLMK_CAP_BATCH,
	 OA_ALL | O(TOP_K), "any server speaking the OpenAI paths"},
#endif
#ifdef LLMK_WIRE_ANTHROPIC
	/* Native wire formats (one adapter file each). */
	{"anthropic", "https://api.anthropic.com/v1", "ANTHROPIC_API_KEY", NULL, "ANTHROPIC_BASE_URL", 0,
	 &llmk__anthropic_adapter, K(LLMK_CHAT), CHAT_DOCS, 0,
	 SAMPLING | O(TOP_K) | O(TOOL_CHOICE) | O(REASONING_BUDGET) | O(USER) | O(JSON_SCHEMA) | O(JSON_SCHEMA_NAME) |
	     O(CACHE_SYSTEM) | O(CACHE_TOOLS) | O(CACHE_MESSAGES),
	 "Messages API; max_tokens defaults to 4096; anthropic-version from api_version (default 2023-06-01); "
	 "json_schema as output_config.format (no name)"},
#endif
#ifdef LLMK_WIRE_GEMINI
	{"gemini", "https://generativelanguage.googleapis.com/v1beta", "GEMINI_API_KEY", "GOOGLE_API_KEY",
	 "GEMINI_BASE_URL", 0, &llmk__gemini_adapter, K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_IMAGE),
	 LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_STREAM_USAGE | LLMK_CAP_DOCUMENTS,
	 LLMK_CAP_BATCH,
	 SAMPLING | PENALTIES | JSON_OUT | O(TOP_K) | O(SEED) | O(TOOL_CHOICE) | O(REASONING_BUDGET) | O(DIMENSIONS) |
	     O(EMBED_INPUT_TYPE) | O(PROMPT) | O(CACHED_CONTENT) | O(REASONING_EFFORT),
	 "Generative Language API v1beta; images inline only; image models take no candidateCount (no image_count)"},
#endif
#ifdef LLMK_WIRE_OLLAMA
	{"ollama", "http://127.0.0.1:11434", "OLLAMA_API_KEY", NULL, "OLLAMA_HOST", LLMK_Q_KEY_OPTIONAL | LLMK_Q_HOST_ENV,
	 &llmk__ollama_adapter, K(LLMK_CHAT) | K(LLMK_EMBED),
	 LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_STREAM_USAGE,
	 LLMK_CAP_BATCH,
	 SAMPLING | PENALTIES | JSON_OUT | O(TOP_K) | O(SEED) | O(REASONING_EFFORT) | O(DIMENSIONS),
	 "native /api/chat and /api/embed; NDJSON streams; images inline only"},
#endif
#ifdef LLMK_WIRE_COHERE
	{"cohere", "https://api.cohere.com", "COHERE_API_KEY", "CO_API_KEY", "COHERE_BASE_URL", 0,
	 &llmk__cohere_adapter, K(LLMK_CHAT) | K(LLMK_EMBED), CHAT_FULL, LLMK_CAP_BATCH,
	 SAMPLING | PENALTIES | JSON_OUT | O(TOP_K) | O(SEED) | O(TOOL_CHOICE) | O(REASONING_BUDGET) | O(EMBED_INPUT_TYPE) |
	     O(DIMENSIONS),
	 "v2 chat and embed; embed_input_type defaults to search_document; tool_choice cannot name one of several tools"},
#endif
#ifdef LLMK_WIRE_HUGGINGFACE
	{"huggingface", "https://router.huggingface.co", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_BASE_URL",
	 LLMK_Q_LEGACY_MAX_TOKENS, &llmk__huggingface_adapter,
	 K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_IMAGE) | K(LLMK_TRANSCRIBE), CHAT_FULL, LLMK_CAP_BATCH,
	 COMPAT_CHAT | JSON_OUT | O(PROMPT) | O(IMAGE_SIZE),
	 "Inference Providers router: chat at /v1, other tasks at /hf-inference/models/{model}"},
	{"tgi", "http://127.0.0.1:8080", "HF_TOKEN", NULL, "TGI_BASE_URL",
	 LLMK_Q_KEY_OPTIONAL | LLMK_Q_TGI | LLMK_Q_LEGACY_MAX_TOKENS, &llmk__huggingface_adapter, K(LLMK_CHAT),
	 LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_IMAGE_URL | LLMK_CAP_STREAM_USAGE, 0,
	 SAMPLING | PENALTIES | O(SEED) | O(TOOL_CHOICE) | JSON_OUT,
	 "text-generation-inference Messages API (/v1/chat/completions); JSON output as a TGI grammar"},
	{"tei", "http://127.0.0.1:8080", "HF_TOKEN", NULL, "TEI_BASE_URL", LLMK_Q_KEY_OPTIONAL | LLMK_Q_TEI,
	 &llmk__huggingface_adapter, K(LLMK_EMBED), 0, LLMK_CAP_BATCH, 0, "text-embeddings-inference /embed"},
#endif
#ifdef LLMK_WIRE_BEDROCK
	{"bedrock", "https://bedrock-runtime.{region}.amazonaws.com", "AWS_BEARER_TOKEN_BEDROCK", NULL,
	 "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", LLMK_Q_KEY_OPTIONAL | LLMK_Q_AWS, &llmk__bedrock_adapter,
	 K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_IMAGE),
	 LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_STREAM_USAGE | LLMK_CAP_DOCUMENTS, LLMK_CAP_BATCH,
	 O(TEMPERATURE) | O(TOP_P) | O(MAX_TOKENS) | O(STOP) | O(TOOL_CHOICE) | O(DIMENSIONS) | O(EMBED_INPUT_TYPE) |
	     O(PROMPT) | O(IMAGE_SIZE) | O(IMAGE_QUALITY) | O(IMAGE_COUNT) | O(SEED),
	 "Converse / ConverseStream (event stream), InvokeModel for Titan and Cohere embeddings, Titan, Nova Canvas "
	 "and Stability images; SigV4 from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or a Bedrock "
	 "API key; region from AWS_REGION/AWS_DEFAULT_REGION"},
#endif
#ifdef LLMK_WIRE_WHISPERCPP
	{"whispercpp", "http://127.0.0.1:8080", "WHISPERCPP_API_KEY", NULL, "WHISPERCPP_BASE_URL", LLMK_Q_KEY_OPTIONAL,
	 &llmk__whispercpp_adapter, K(LLMK_TRANSCRIBE), 0, 0, OA_TRANSCRIBE,
	 "whisper.cpp server POST /inference; the model is the one the server was started with"},
#endif
#ifdef LLMK_WIRE_RESPONSES
	/* The Responses API (one adapter: responses.c), a "-responses" row
	 * beside each service's Chat Completions row, sharing its variables. */
	{"openai-responses", "https://api.openai.com/v1", "OPENAI_API_KEY", NULL, "OPENAI_BASE_URL", 0,
	 &llmk__responses_adapter, K(LLMK_CHAT), CHAT_DOCS, 0, RS_CHAT,
	 "POST /responses: reasoning items, store and previous_response_id; store = 0 brings encrypted reasoning"},
	{"azure-responses", NULL, "AZURE_OPENAI_API_KEY", NULL, "AZURE_OPENAI_ENDPOINT", LLMK_Q_AZURE,
	 &llmk__responses_adapter, K(LLMK_CHAT), CHAT_DOCS, 0, RS_CHAT,
	 "Azure OpenAI v1 API: {endpoint}/openai/v1/responses, api-key, model = deployment name, no api-version"},
	{"openrouter-responses", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", NULL, "OPENROUTER_BASE_URL", 0,
	 &llmk__responses_adapter, K(LLMK_CHAT), CHAT_FULL, 0, RS_LOCAL | O(USER), "stateless; model = vendor/model"},
	{"llamacpp-responses", "http://127.0.0.1:8080/v1", "LLAMACPP_API_KEY", NULL, "LLAMACPP_BASE_URL",
	 LLMK_Q_KEY_OPTIONAL, &llmk__responses_adapter, K(LLMK_CHAT), RS_LOCAL_CAPS, 0, RS_LOCAL,
	 "llama-server /v1/responses (stateless); tools need --jinja"},
	{"vllm-responses", "http://127.0.0.1:8000/v1", "VLLM_API_KEY", NULL, "VLLM_BASE_URL", LLMK_Q_KEY_OPTIONAL,
	 &llmk__responses_adapter, K(LLMK_CHAT), RS_LOCAL_CAPS, 0, RS_LOCAL, "vLLM /v1/responses"},
	{"ollama-responses", "http://127.0.0.1:11434", "OLLAMA_API_KEY", NULL, "OLLAMA_HOST",
	 LLMK_Q_KEY_OPTIONAL | LLMK_Q_HOST_ENV, &llmk__responses_adapter, K(LLMK_CHAT), RS_LOCAL_CAPS, 0, RS_LOCAL,
	 "Ollama >= 0.13.3 /v1/responses (stateless)"},
#endif
};

const llmk_provider *llmk__provider_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strlen(providers[i].name) == len && !memcmp(providers[i].name, name, len))
			return &providers[i];
	return NULL;
}

size_t llmk__provider_builtin_count(void)
{
	return sizeof(providers) / sizeof(providers[0]);
}

const llmk_provider *llmk__provider_builtin(size_t i)
{
	return i < sizeof(providers) / sizeof(providers[0]) ? &providers[i] : NULL;
}
