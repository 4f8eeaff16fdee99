/* The provider table: one row per provider or OpenAI-compatible preset,
 * written with designated initializers so a row names what it sets and a
 * new field of llmk__provider is 0/NULL in every row that does not set it.
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

/* LLMK_Q_EMBED_BASE64 (embeddings asked as base64 float32): OpenAI and
 * Azure (encoding_format "base64" in their API references; OpenAI's SDKs
 * ask for it by default), vLLM (serving_embedding.py encodes float32 for
 * "base64"), llama-server (b11434: "The format to return the embeddings
 * in. Can be either float or base64"). Not set where it is not known to
 * work: LM Studio ignores encoding_format (lmstudio-bug-tracker #756, it
 * answers floats, which are read anyway), LocalAI, Mistral, OpenRouter,
 * Together, Fireworks and the generic openai-compatible preset ask "float". */
/* Option sets (see LLMK_OPTION_TABLE). */
#define SAMPLING (O(TEMPERATURE) | O(TOP_P) | O(MAX_TOKENS) | O(STOP))
#define PENALTIES (O(FREQUENCY_PENALTY) | O(PRESENCE_PENALTY))
#define JSON_OUT (O(RESPONSE_FORMAT) | O(JSON_SCHEMA) | O(JSON_SCHEMA_NAME))
#define OA_CHAT \
	(SAMPLING | PENALTIES | JSON_OUT | O(SEED) | O(TOOL_CHOICE) | O(REASONING_EFFORT) | O(USER) | O(STRICT_TOOLS))
#define OA_EMBED (O(DIMENSIONS) | O(USER))
#define OA_IMAGE                                                                                                     \
	(O(PROMPT) | O(IMAGE_SIZE) | O(IMAGE_QUALITY) | O(IMAGE_STYLE) | O(IMAGE_RESPONSE_FORMAT) | O(IMAGE_COUNT) | \
	 O(USER))
#define OA_TRANSCRIBE (O(LANGUAGE) | O(PROMPT) | O(TRANSCRIPT_FORMAT) | O(TEMPERATURE))
#define OA_SPEECH (O(INPUT) | O(VOICE) | O(AUDIO_FORMAT) | O(INSTRUCTIONS) | O(SPEED))
/* What OpenAI's own API adds (spec v2.3.0): n and logprobs for chat, GPT
 * image model fields, transcription timestamps, logprobs, chunking and
 * translations, speech streamed as events. */
#define OA_MORE                                                                                                    \
	(O(CHOICES) | O(LOGPROBS) | O(TOP_LOGPROBS) | O(IMAGE_OUTPUT_FORMAT) | O(IMAGE_COMPRESSION) |              \
	 O(IMAGE_BACKGROUND) | O(IMAGE_MODERATION) | O(IMAGE_INPUT_FIDELITY) | O(PARTIAL_IMAGES) | O(TIMESTAMPS) | \
	 O(CHUNKING) | O(TRANSLATE) | O(STREAM_FORMAT))
#define OA_ALL (OA_CHAT | OA_EMBED | OA_IMAGE | OA_TRANSCRIBE | OA_SPEECH | OA_MORE)
/* Streams, edits and variations of images and audio (OpenAI, Azure). */
#define OA_MEDIA (LLMK_CAP_STREAM | LLMK_CAP_IMAGE_EDIT | LLMK_CAP_IMAGE_VARIATION)
/* What a typical OpenAI-compatible server accepts for chat. */
#define COMPAT_CHAT (SAMPLING | PENALTIES | O(SEED) | O(TOOL_CHOICE) | O(RESPONSE_FORMAT))

/* Rerank requests: every shape takes a query and top_n (TEI's is applied
 * by the reader). */
#define RERANK_OPTS (O(QUERY) | O(TOP_N))
/* llmk_count_tokens(): the row has a counting endpoint (LLMK_CAP_COUNT_TOKENS). */
#ifdef LLMK_HAVE_EXTRA_KINDS
#define COUNT K(LLMK__COUNT_TOKENS)
#define RERANK K(LLMK_RERANK)
#define MODERATE K(LLMK_MODERATE)
#else /* -Dextra_kinds=disabled: no row serves them */
#define COUNT 0
#define RERANK 0
#define MODERATE 0
#endif

/* The OpenAI format's images and audio (-Dopenai_media). */
#ifdef LLMK_HAVE_OPENAI_MEDIA
#define OAK_IMAGE K(LLMK_IMAGE)
#define OAK_TRANSCRIBE K(LLMK_TRANSCRIBE)
#define OAK_SPEECH K(LLMK_SPEECH)
#else
#define OAK_IMAGE 0
#define OAK_TRANSCRIBE 0
#define OAK_SPEECH 0
#endif
#define OAK_ALL_KINDS (K(LLMK_CHAT) | K(LLMK_EMBED) | OAK_IMAGE | OAK_TRANSCRIBE | OAK_SPEECH)
#define CHAT_FULL (LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_IMAGE_URL | LLMK_CAP_STREAM_USAGE)
/* ... and document inputs (PDF, plain text) */
#define CHAT_DOCS (CHAT_FULL | LLMK_CAP_DOCUMENTS)
#define LOCAL (LLMK_Q_KEY_OPTIONAL | LLMK_Q_LEGACY_MAX_TOKENS)
/* What the Responses API takes (no stop, seed or penalties there), and what
 * the local servers serving it statelessly take. */
#define RS_LOCAL (O(TEMPERATURE) | O(TOP_P) | O(MAX_TOKENS) | JSON_OUT | O(TOOL_CHOICE) | O(REASONING_EFFORT))
#define RS_CHAT                                                                                                 \
	(RS_LOCAL | O(REASONING_SUMMARY) | O(STORE) | O(PREVIOUS_RESPONSE_ID) | O(USER) | O(PROMPT_CACHE_KEY) | \
	 O(PROMPT_CACHE_RETENTION))
#define RS_LOCAL_CAPS (LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_STREAM_USAGE)

/* The providers whose batch API this build has (-Dbatch): the capability
 * says what llmk_batch_new() will take. */
#ifdef LLMK_HAVE_BATCH
#define BATCH_API LLMK_CAP_BATCH_API
#else
#define BATCH_API 0
#endif

static const llmk__provider providers[] = {
#ifdef LLMK_WIRE_OPENAI
        {.name = "openai",
         .base_url = "https://api.openai.com/v1",
         .key_env = "OPENAI_API_KEY",
         .url_env = "OPENAI_BASE_URL",
         .quirks = LLMK_Q_DEVELOPER_ROLE | LLMK_Q_EMBED_BASE64,
         .adapter = &llmk__openai_adapter,
         .kinds = OAK_ALL_KINDS | MODERATE,
         .chat_caps = CHAT_DOCS | BATCH_API,
         .embed_caps = LLMK_CAP_BATCH | BATCH_API,
         .opts = OA_ALL,
         .media_caps = OA_MEDIA,
         .notes = "Chat Completions, embeddings, images, audio, moderation (text and images)"},
        {.name = "azure",
         .key_env = "AZURE_OPENAI_API_KEY",
         .url_env = "AZURE_OPENAI_ENDPOINT",
         .quirks = LLMK_Q_AZURE | LLMK_Q_DEVELOPER_ROLE | LLMK_Q_EMBED_BASE64,
         .adapter = &llmk__openai_adapter,
         .kinds = OAK_ALL_KINDS,
         .chat_caps = CHAT_DOCS | BATCH_API,
         .embed_caps = LLMK_CAP_BATCH | BATCH_API,
         .opts = OA_ALL,
         .media_caps = OA_MEDIA,
         .notes = "model = deployment name; api-version from api_version or OPENAI_API_VERSION (default 2024-10-21)"},
        {.name = "mistral",
         .base_url = "https://api.mistral.ai/v1",
         .key_env = "MISTRAL_API_KEY",
         .url_env = "MISTRAL_BASE_URL",
         .quirks = LLMK_Q_LEGACY_MAX_TOKENS | LLMK_Q_NO_STREAM_OPTIONS | LLMK_Q_TOOL_CHOICE_ANY | LLMK_Q_RANDOM_SEED,
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED) | OAK_TRANSCRIBE | MODERATE,
         .chat_caps = CHAT_FULL | BATCH_API,
         .embed_caps = LLMK_CAP_BATCH | BATCH_API,
         .opts = SAMPLING | PENALTIES | JSON_OUT | O(SEED) | O(TOOL_CHOICE) | O(LANGUAGE) | O(TEMPERATURE),
         .notes = "tool_choice required -> any, seed -> random_seed, no stream_options (usage is sent anyway)"},
        /* Hosted OpenAI-compatible services. */
        {.name = "openrouter",
         .base_url = "https://openrouter.ai/api/v1",
         .key_env = "OPENROUTER_API_KEY",
         .url_env = "OPENROUTER_BASE_URL",
         .quirks = LLMK_Q_LEGACY_MAX_TOKENS,
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED),
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = COMPAT_CHAT | JSON_OUT | O(REASONING_EFFORT) | O(USER) | O(TOP_K) | O(DIMENSIONS),
         .notes = "model = vendor/model"},
        {.name = "groq",
         .base_url = "https://api.groq.com/openai/v1",
         .key_env = "GROQ_API_KEY",
         .url_env = "GROQ_BASE_URL",
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT) | OAK_TRANSCRIBE | OAK_SPEECH,
         .chat_caps = CHAT_FULL,
         .opts = COMPAT_CHAT | JSON_OUT | O(REASONING_EFFORT) | O(USER) | OA_TRANSCRIBE | O(INPUT) | O(VOICE) |
                 O(AUDIO_FORMAT) | O(SPEED)},
        {.name = "together",
         .base_url = "https://api.together.xyz/v1",
         .key_env = "TOGETHER_API_KEY",
         .url_env = "TOGETHER_BASE_URL",
         .quirks = LLMK_Q_LEGACY_MAX_TOKENS,
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED) | OAK_IMAGE | RERANK,
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = COMPAT_CHAT | JSON_OUT | O(TOP_K) | O(PROMPT) | O(IMAGE_COUNT) | O(IMAGE_RESPONSE_FORMAT) |
                 RERANK_OPTS},
        {.name = "deepseek",
         .base_url = "https://api.deepseek.com/v1",
         .key_env = "DEEPSEEK_API_KEY",
         .url_env = "DEEPSEEK_BASE_URL",
         .quirks = LLMK_Q_LEGACY_MAX_TOKENS,
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT),
         .chat_caps = LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_STREAM_USAGE,
         .opts = SAMPLING | PENALTIES | O(TOOL_CHOICE) | O(RESPONSE_FORMAT),
         .notes = "reasoning text of deepseek-reasoner in reasoning"},
        {.name = "fireworks",
         .base_url = "https://api.fireworks.ai/inference/v1",
         .key_env = "FIREWORKS_API_KEY",
         .url_env = "FIREWORKS_BASE_URL",
         .quirks = LLMK_Q_LEGACY_MAX_TOKENS,
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED),
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = COMPAT_CHAT | JSON_OUT | O(TOP_K) | O(USER) | O(DIMENSIONS),
         .notes = "model = accounts/fireworks/models/..."},
        {.name = "xai",
         .base_url = "https://api.x.ai/v1",
         .key_env = "XAI_API_KEY",
         .url_env = "XAI_BASE_URL",
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT) | OAK_IMAGE,
         .chat_caps = CHAT_FULL,
         .opts = COMPAT_CHAT | JSON_OUT | O(REASONING_EFFORT) | O(USER) | O(PROMPT) | O(IMAGE_COUNT) |
                 O(IMAGE_RESPONSE_FORMAT)},
        {.name = "perplexity",
         .base_url = "https://api.perplexity.ai",
         .key_env = "PERPLEXITY_API_KEY",
         .key_env2 = "PPLX_API_KEY",
         .url_env = "PERPLEXITY_BASE_URL",
         .quirks = LLMK_Q_LEGACY_MAX_TOKENS,
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT),
         .chat_caps = LLMK_CAP_STREAM | LLMK_CAP_STREAM_USAGE,
         .opts = SAMPLING | PENALTIES | JSON_OUT | O(TOP_K),
         .notes = "no tools"},
        /* Local OpenAI-compatible servers on their usual ports. */
        {.name = "vllm",
         .base_url = "http://127.0.0.1:8000/v1",
         .key_env = "VLLM_API_KEY",
         .url_env = "VLLM_BASE_URL",
         .quirks = LLMK_Q_KEY_OPTIONAL | LLMK_Q_EMBED_BASE64,
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED) | OAK_TRANSCRIBE | RERANK,
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = COMPAT_CHAT | JSON_OUT | O(TOP_K) | O(REASONING_EFFORT) | O(DIMENSIONS) | OA_TRANSCRIBE | RERANK_OPTS},
        {.name = "llamacpp",
         .base_url = "http://127.0.0.1:8080/v1",
         .key_env = "LLAMACPP_API_KEY",
         .url_env = "LLAMACPP_BASE_URL",
         .quirks = LOCAL | LLMK_Q_EMBED_BASE64,
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED) | RERANK | COUNT,
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = COMPAT_CHAT | JSON_OUT | O(TOP_K) | RERANK_OPTS,
         .notes = "llama-server; tools need --jinja; rerank needs --reranking (--embedding --pooling rank)"},
        {.name = "localai",
         .base_url = "http://127.0.0.1:8080/v1",
         .key_env = "LOCALAI_API_KEY",
         .url_env = "LOCALAI_BASE_URL",
         .quirks = LOCAL,
         .adapter = &llmk__openai_adapter,
         .kinds = OAK_ALL_KINDS,
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = COMPAT_CHAT | JSON_OUT | O(TOP_K) | OA_IMAGE | OA_TRANSCRIBE | O(INPUT) | O(VOICE) | O(AUDIO_FORMAT)},
        {.name = "lmstudio",
         .base_url = "http://127.0.0.1:1234/v1",
         .key_env = "LMSTUDIO_API_KEY",
         .url_env = "LMSTUDIO_BASE_URL",
         .quirks = LOCAL,
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED),
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = COMPAT_CHAT | JSON_OUT | O(TOP_K)},
        /* Any other OpenAI-compatible server: set its base URL. Accepts every
	 * OpenAI parameter; the server decides. */
        {.name = "openai-compatible",
         .base_url = "http://127.0.0.1:8080/v1",
         .key_env = "OPENAI_COMPATIBLE_API_KEY",
         .url_env = "OPENAI_COMPATIBLE_BASE_URL",
         .quirks = LOCAL,
         .adapter = &llmk__openai_adapter,
         .kinds = OAK_ALL_KINDS,
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = OA_ALL | O(TOP_K),
         .media_caps = OA_MEDIA,
         .notes = "any server speaking the OpenAI paths"},
#ifdef LLMK_HAVE_EXTRA_KINDS
        /* Hosted rerankers (the Jina shape: rerank.c). */
        {.name = "jina",
         .base_url = "https://api.jina.ai/v1",
         .key_env = "JINA_API_KEY",
         .url_env = "JINA_BASE_URL",
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_RERANK),
         .opts = RERANK_OPTS,
         .notes = "rerank only (POST /v1/rerank)"},
        {.name = "voyage",
         .base_url = "https://api.voyageai.com/v1",
         .key_env = "VOYAGE_API_KEY",
         .url_env = "VOYAGE_BASE_URL",
         .adapter = &llmk__openai_adapter,
         .kinds = K(LLMK_RERANK),
         .opts = RERANK_OPTS,
         .notes = "rerank only (POST /v1/rerank; top_n as top_k)"},
#endif
#endif
#ifdef LLMK_WIRE_ANTHROPIC
        /* Native wire formats (one adapter file each). */
        {.name = "anthropic",
         .base_url = "https://api.anthropic.com/v1",
         .key_env = "ANTHROPIC_API_KEY",
         .url_env = "ANTHROPIC_BASE_URL",
         .adapter = &llmk__anthropic_adapter,
         .kinds = K(LLMK_CHAT) | COUNT,
         .chat_caps = CHAT_DOCS | BATCH_API,
         .opts = SAMPLING | O(TOP_K) | O(TOOL_CHOICE) | O(REASONING_BUDGET) | O(REASONING_EFFORT) | O(USER) |
                 O(JSON_SCHEMA) | O(JSON_SCHEMA_NAME) | O(CACHE_SYSTEM) | O(CACHE_TOOLS) | O(CACHE_MESSAGES) |
                 O(STRICT_TOOLS),
         .notes = "Messages API; max_tokens defaults to 4096; anthropic-version from api_version (default 2023-06-01); "
                  "json_schema as output_config.format (no name); reasoning_effort as adaptive thinking and "
                  "output_config.effort, or a thinking budget on older models"},
#endif
#ifdef LLMK_WIRE_GEMINI
        {.name = "gemini",
         .base_url = "https://generativelanguage.googleapis.com/v1beta",
         .key_env = "GEMINI_API_KEY",
         .key_env2 = "GOOGLE_API_KEY",
         .url_env = "GEMINI_BASE_URL",
         .adapter = &llmk__gemini_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_IMAGE) | COUNT,
         .chat_caps = LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_STREAM_USAGE | LLMK_CAP_DOCUMENTS |
                      BATCH_API,
         .embed_caps = LLMK_CAP_BATCH,
         .media_caps = LLMK_CAP_IMAGE_EDIT, /* input images go with the prompt */
         .opts = SAMPLING | PENALTIES | JSON_OUT | O(TOP_K) | O(SEED) | O(TOOL_CHOICE) | O(REASONING_BUDGET) |
                 O(DIMENSIONS) | O(EMBED_INPUT_TYPE) | O(PROMPT) | O(CACHED_CONTENT) | O(REASONING_EFFORT),
         .notes = "Generative Language API v1beta; images inline only; image models take no candidateCount "
                  "(no image_count)"},
#endif
#ifdef LLMK_WIRE_OLLAMA
        {.name = "ollama",
         .base_url = "http://127.0.0.1:11434",
         .key_env = "OLLAMA_API_KEY",
         .url_env = "OLLAMA_HOST",
         .quirks = LLMK_Q_KEY_OPTIONAL | LLMK_Q_HOST_ENV,
         .adapter = &llmk__ollama_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED),
         .chat_caps = LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_STREAM_USAGE,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = SAMPLING | PENALTIES | JSON_OUT | O(TOP_K) | O(SEED) | O(REASONING_EFFORT) | O(DIMENSIONS),
         .notes = "native /api/chat and /api/embed; NDJSON streams; images inline only"},
#endif
#ifdef LLMK_WIRE_COHERE
        {.name = "cohere",
         .base_url = "https://api.cohere.com",
         .key_env = "COHERE_API_KEY",
         .key_env2 = "CO_API_KEY",
         .url_env = "COHERE_BASE_URL",
         .adapter = &llmk__cohere_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED) | RERANK,
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = SAMPLING | PENALTIES | JSON_OUT | O(TOP_K) | O(SEED) | O(TOOL_CHOICE) | O(REASONING_BUDGET) |
                 O(EMBED_INPUT_TYPE) | O(DIMENSIONS) | RERANK_OPTS | O(MAX_TOKENS_PER_DOC),
         .notes = "v2 chat, embed and rerank; embed_input_type defaults to search_document; tool_choice cannot name "
                  "one of "
                  "several tools"},
#endif
#ifdef LLMK_WIRE_HUGGINGFACE
        {.name = "huggingface",
         .base_url = "https://router.huggingface.co",
         .key_env = "HF_TOKEN",
         .key_env2 = "HUGGING_FACE_HUB_TOKEN",
         .url_env = "HF_BASE_URL",
         .quirks = LLMK_Q_LEGACY_MAX_TOKENS,
         .adapter = &llmk__huggingface_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_IMAGE) | K(LLMK_TRANSCRIBE),
         .chat_caps = CHAT_FULL,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = COMPAT_CHAT | JSON_OUT | O(PROMPT) | O(IMAGE_SIZE),
         .notes = "Inference Providers router: chat at /v1, other tasks at /hf-inference/models/{model}"},
        {.name = "tgi",
         .base_url = "http://127.0.0.1:8080",
         .key_env = "HF_TOKEN",
         .url_env = "TGI_BASE_URL",
         .quirks = LLMK_Q_KEY_OPTIONAL | LLMK_Q_TGI | LLMK_Q_LEGACY_MAX_TOKENS,
         .adapter = &llmk__huggingface_adapter,
         .kinds = K(LLMK_CHAT),
         .chat_caps = LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_IMAGE_URL | LLMK_CAP_STREAM_USAGE,
         .opts = SAMPLING | PENALTIES | O(SEED) | O(TOOL_CHOICE) | JSON_OUT,
         .notes = "text-generation-inference Messages API (/v1/chat/completions); JSON output as a TGI grammar"},
        {.name = "tei",
         .base_url = "http://127.0.0.1:8080",
         .key_env = "HF_TOKEN",
         .url_env = "TEI_BASE_URL",
         .quirks = LLMK_Q_KEY_OPTIONAL | LLMK_Q_TEI,
         .adapter = &llmk__huggingface_adapter,
         .kinds = K(LLMK_EMBED) | RERANK,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = RERANK_OPTS,
         .notes = "text-embeddings-inference /embed and /rerank (top_n applied to its answer)"},
#endif
#ifdef LLMK_WIRE_BEDROCK
        {.name = "bedrock",
         .base_url = "https://bedrock-runtime.{region}.amazonaws.com",
         .key_env = "AWS_BEARER_TOKEN_BEDROCK",
         .url_env = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
         .quirks = LLMK_Q_KEY_OPTIONAL | LLMK_Q_AWS,
         .adapter = &llmk__bedrock_adapter,
         .kinds = K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_IMAGE) | RERANK | COUNT,
         .chat_caps = LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_STREAM_USAGE | LLMK_CAP_DOCUMENTS,
         .embed_caps = LLMK_CAP_BATCH,
         .opts = O(TEMPERATURE) | O(TOP_P) | O(MAX_TOKENS) | O(STOP) | O(TOOL_CHOICE) | O(DIMENSIONS) |
                 O(EMBED_INPUT_TYPE) | O(PROMPT) | O(IMAGE_SIZE) | O(IMAGE_QUALITY) | O(IMAGE_COUNT) | O(SEED) |
                 O(CACHE_SYSTEM) | O(CACHE_TOOLS) | O(CACHE_MESSAGES) | RERANK_OPTS,
         .notes = "Converse / ConverseStream (event stream), CountTokens, Rerank (bedrock-agent-runtime), InvokeModel "
                  "for Titan and Cohere embeddings, Titan, "
                  "Nova Canvas and Stability images; SigV4 from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/"
                  "AWS_SESSION_TOKEN or a Bedrock API key; region from AWS_REGION/AWS_DEFAULT_REGION"},
#endif
#ifdef LLMK_WIRE_WHISPERCPP
        {.name = "whispercpp",
         .base_url = "http://127.0.0.1:8080",
         .key_env = "WHISPERCPP_API_KEY",
         .url_env = "WHISPERCPP_BASE_URL",
         .quirks = LLMK_Q_KEY_OPTIONAL,
         .adapter = &llmk__whispercpp_adapter,
         .kinds = K(LLMK_TRANSCRIBE),
         .opts = OA_TRANSCRIBE | O(TRANSLATE),
         .notes = "whisper.cpp server POST /inference; the model is the one the server was started with"},
#endif
#ifdef LLMK_WIRE_RESPONSES
        /* The Responses API (one adapter: responses.c), a "-responses" row
	 * beside each service's Chat Completions row, sharing its variables. */
        {.name = "openai-responses",
         .base_url = "https://api.openai.com/v1",
         .key_env = "OPENAI_API_KEY",
         .url_env = "OPENAI_BASE_URL",
         .adapter = &llmk__responses_adapter,
         .kinds = K(LLMK_CHAT) | COUNT,
         .chat_caps = CHAT_DOCS | BATCH_API,
         .opts = RS_CHAT,
         .notes = "POST /responses: reasoning items, store and previous_response_id; store = 0 brings encrypted "
                  "reasoning"},
        {.name = "azure-responses",
         .key_env = "AZURE_OPENAI_API_KEY",
         .url_env = "AZURE_OPENAI_ENDPOINT",
         .quirks = LLMK_Q_AZURE,
         .adapter = &llmk__responses_adapter,
         .kinds = K(LLMK_CHAT),
         .chat_caps = CHAT_DOCS,
         .opts = RS_CHAT,
         .notes = "Azure OpenAI v1 API: {endpoint}/openai/v1/responses, api-key, model = deployment name, no "
                  "api-version"},
        {.name = "openrouter-responses",
         .base_url = "https://openrouter.ai/api/v1",
         .key_env = "OPENROUTER_API_KEY",
         .url_env = "OPENROUTER_BASE_URL",
         .adapter = &llmk__responses_adapter,
         .kinds = K(LLMK_CHAT),
         .chat_caps = CHAT_FULL,
         .opts = RS_LOCAL | O(USER),
         .notes = "stateless; model = vendor/model"},
        {.name = "llamacpp-responses",
         .base_url = "http://127.0.0.1:8080/v1",
         .key_env = "LLAMACPP_API_KEY",
         .url_env = "LLAMACPP_BASE_URL",
         .quirks = LLMK_Q_KEY_OPTIONAL | LLMK_Q_RS_RESPONSE_FORMAT,
         .adapter = &llmk__responses_adapter,
         .kinds = K(LLMK_CHAT) | COUNT,
         .chat_caps = RS_LOCAL_CAPS,
         .opts = RS_LOCAL,
         .notes = "llama-server /v1/responses (stateless); tools need --jinja; b11434 reads the schema from "
                  "response_format (sent beside text.format) and reports an answer cut by max_output_tokens as "
                  "completed"},
        {.name = "vllm-responses",
         .base_url = "http://127.0.0.1:8000/v1",
         .key_env = "VLLM_API_KEY",
         .url_env = "VLLM_BASE_URL",
         .quirks = LLMK_Q_KEY_OPTIONAL,
         .adapter = &llmk__responses_adapter,
         .kinds = K(LLMK_CHAT),
         .chat_caps = RS_LOCAL_CAPS,
         .opts = RS_LOCAL,
         .notes = "vLLM /v1/responses"},
        {.name = "ollama-responses",
         .base_url = "http://127.0.0.1:11434",
         .key_env = "OLLAMA_API_KEY",
         .url_env = "OLLAMA_HOST",
         .quirks = LLMK_Q_KEY_OPTIONAL | LLMK_Q_HOST_ENV,
         .adapter = &llmk__responses_adapter,
         .kinds = K(LLMK_CHAT),
         .chat_caps = RS_LOCAL_CAPS,
         .opts = RS_LOCAL,
         .notes = "Ollama >= 0.13.3 /v1/responses (stateless)"},
#endif
};

const llmk__provider *llmk__provider_find(const char *name, size_t len)
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

const llmk__provider *llmk__provider_builtin(size_t i)
{
	return i < sizeof(providers) / sizeof(providers[0]) ? &providers[i] : NULL;
}
