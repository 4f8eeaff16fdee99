/**
 * @file llmkit.h
 * @brief libllmkit: one C API for chat, embeddings, images and speech across
 * hosted model services and local model servers.
 *
 * This header is the reference manual and the contract the Python and Go
 * bindings are generated from. Conventions (see docs/ARCHITECTURE.md):
 *
 *  - Handles are opaque. `llmk_x_new(&out, ...)` creates, `llmk_x_free(x)`
 *    releases and accepts NULL.
 *  - Every fallible function returns an `llmk_status` (int32_t, 0 = LLMK_OK).
 *    Status values are fixed forever; new ones are only ever appended.
 *  - Options are typed setters keyed by an option id (`LLMK_OPT_*`); the id's
 *    range encodes its value type, so new options never change the ABI.
 *  - Inputs are copied. A returned `const char *` or array is owned by the
 *    handle it came from and stays valid until that handle is freed.
 *  - Error detail lives on the object that failed: the response for a
 *    request, the client or request for configuration. There is no
 *    thread-local "last error".
 *  - No varargs, no structs by value, no `bool`/`long`/enum-typed parameters:
 *    every function can be called directly from ctypes and cgo.
 */
#ifndef LLMKIT_H
#define LLMKIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks the library's exported functions (visibility / DLL export). */
#if defined(_WIN32) && defined(LLMK_BUILDING_DLL)
#define LLMK_API __declspec(dllexport)
#elif defined(_WIN32) && defined(LLMK_USING_DLL)
#define LLMK_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define LLMK_API __attribute__((visibility("default")))
#else
#define LLMK_API
#endif

/* ------------------------------------------------------------------------
 * Version
 * ---------------------------------------------------------------------- */

#define LLMK_VERSION_MAJOR 0 /**< major version of this header (a new one changes the soname) */
#define LLMK_VERSION_MINOR 1 /**< minor version of this header (additions only) */
#define LLMK_VERSION_PATCH 0 /**< patch version of this header (fixes only) */
/** MAJOR * 10000 + MINOR * 100 + PATCH */
#define LLMK_VERSION_NUMBER 100
/** "MAJOR.MINOR.PATCH" of this header. */
#define LLMK_VERSION_STRING "0.1.0"

/** Version of the library actually loaded, as MAJOR*10000+MINOR*100+PATCH.
 *  Compare with LLMK_VERSION_NUMBER to detect a header/library mismatch.
 *  Thread-safe. */
LLMK_API int32_t llmk_version_number(void);

/** Version of the loaded library as a static string, e.g. "0.1.0". */
LLMK_API const char *llmk_version(void);

/** What a build contains: bits returned by llmk_features(). Values are
 *  fixed forever; new features take new bits. */
enum llmk_feature {
	LLMK_FEATURE_CURL = 1 << 0,      /**< built-in libcurl transport (no llmk_client_set_transport() needed) */
	LLMK_FEATURE_HTTPS = 1 << 1,     /**< the built-in transport speaks TLS (https:// URLs) */
	LLMK_FEATURE_CASSETTE = 1 << 2,  /**< llmk_client_record() / llmk_client_replay() */
	LLMK_FEATURE_POSIX = 1 << 3,     /**< built-in POSIX-socket transport, plain http:// (llmk_transport_posix()) */
	LLMK_FEATURE_REDIS = 1 << 4,     /**< llmk_store_new_redis(): shared state in Redis or Valkey (hiredis) */
	LLMK_FEATURE_SQLITE = 1 << 5,    /**< the SQLite store (llmk_store_new_sqlite()) */
	LLMK_FEATURE_OPENAI = 1 << 8,    /**< OpenAI wire format: openai, azure and the compatible presets */
	LLMK_FEATURE_ANTHROPIC = 1 << 9, /**< Anthropic Messages API */
	LLMK_FEATURE_GEMINI = 1 << 10,   /**< Gemini (Generative Language API) */
	LLMK_FEATURE_OLLAMA = 1 << 11,   /**< Ollama native API */
	LLMK_FEATURE_COHERE = 1 << 12,   /**< Cohere v2 API */
	LLMK_FEATURE_HUGGINGFACE = 1 << 13, /**< Hugging Face Inference API and TGI */
	LLMK_FEATURE_WHISPERCPP = 1 << 14,  /**< whisper.cpp server */
	LLMK_FEATURE_BEDROCK = 1 << 15,     /**< Amazon Bedrock (Converse, InvokeModel; SigV4, event streams) */
	LLMK_FEATURE_RESPONSES = 1 << 16    /**< OpenAI Responses API (POST /responses): openai-responses,
	                                    *   azure-responses and the local servers' presets */
};

/** The LLMK_FEATURE_* bits this build of the library contains (the
 *  providers themselves are listed by llmk_provider_count() and
 *  llmk_provider_name()). Thread-safe; needs no initialisation. */
LLMK_API int64_t llmk_features(void);

/** Lower-case name of one LLMK_FEATURE_* bit ("curl", "https", "openai",
 *  ...), or NULL when `feature` is not exactly one known bit. Static
 *  storage; thread-safe. */
LLMK_API const char *llmk_feature_name(int64_t feature);

/* ------------------------------------------------------------------------
 * Status codes
 *
 * X(NAME, value, message). Values are part of the ABI: never renumbered,
 * never reused; retired codes stay as placeholders.
 * ---------------------------------------------------------------------- */

/** The status table: X(NAME, value, message) for every status code; it
 *  generates the enum, llmk_status_name() and llmk_strerror(). */
#define LLMK_STATUS_TABLE(X)                                                  \
	X(OK, 0, "success")                                                   \
	X(E_INVALID_ARG, 1, "invalid argument")                               \
	X(E_UNKNOWN_OPTION, 2, "unknown option")                              \
	X(E_NOMEM, 3, "out of memory")                                        \
	X(E_UNSUPPORTED, 4, "not supported by this provider or build")        \
	X(E_TRANSPORT, 5, "transport error (connection failed or broken)")    \
	X(E_TIMEOUT, 6, "timed out")                                          \
	X(E_CANCELLED, 7, "cancelled by the caller")                          \
	X(E_AUTH, 8, "authentication failed (missing or invalid API key)")    \
	X(E_PERMISSION, 9, "permission denied")                               \
	X(E_NOT_FOUND, 10, "not found (unknown model or endpoint)")           \
	X(E_BAD_REQUEST, 11, "request rejected as invalid by the provider")   \
	X(E_RATE_LIMITED, 12, "rate limited or quota exceeded")               \
	X(E_CONTEXT_LENGTH, 13, "context length exceeded")                    \
	X(E_CONTENT_FILTERED, 14, "blocked by the provider's content filter") \
	X(E_SERVER, 15, "provider server error")                              \
	X(E_OVERLOADED, 16, "provider overloaded or unavailable")             \
	X(E_PROTOCOL, 17, "malformed response from the provider")             \
	X(E_TOO_LARGE, 18, "response or input exceeds a configured limit")    \
	X(E_CONFIG, 19, "client configuration missing or invalid")

#define LLMK__STATUS_ENUM(name, value, msg) LLMK_##name = value,
/** Status codes returned by every fallible function (as int32_t). */
enum llmk_status_code { LLMK_STATUS_TABLE(LLMK__STATUS_ENUM) LLMK__STATUS_END };
#undef LLMK__STATUS_ENUM

/** Status type: one of the LLMK_* status codes (LLMK_OK is 0). */
typedef int32_t llmk_status;

/** Symbolic name of a status, e.g. "LLMK_E_AUTH". Never NULL: unknown
 *  values give "LLMK_E_UNKNOWN_STATUS". Static storage; thread-safe. */
LLMK_API const char *llmk_status_name(int32_t status);

/** Human-readable description of a status. Never NULL. Static storage;
 *  thread-safe. For the detail of a particular failure use
 *  llmk_response_error() or llmk_client_errmsg(). */
LLMK_API const char *llmk_strerror(int32_t status);

/* ------------------------------------------------------------------------
 * Library lifetime
 * ---------------------------------------------------------------------- */

/** Initialises the library's dependencies (libsodium, libcurl).
 *  Idempotent and thread-safe; called implicitly by llmk_client_new(), so
 *  most programs never need it. Programs that create clients from several
 *  threads at start-up may call it once first from the main thread, which
 *  libcurl's global initialisation prefers.
 *  Returns LLMK_OK, or LLMK_E_NOMEM / LLMK_E_TRANSPORT if a dependency
 *  failed to initialise. */
LLMK_API llmk_status llmk_global_init(void);

/** Frees a string the library handed to the caller through a `char **out`
 *  parameter. NULL-safe. Never use free() on such strings. */
LLMK_API void llmk_free(void *p);

/** Replaces the allocation functions the library uses, and passes them on
 *  to jansson and libcurl (libsodium's guarded memory for keys keeps its
 *  own pages). Process-wide: call it once, before any other llmk_ call,
 *  from one thread. realloc_fn(NULL, n) must act as malloc_fn(n) and
 *  free_fn(NULL) must do nothing. Returns LLMK_E_INVALID_ARG for a NULL
 *  function, LLMK_E_CONFIG when the library is already initialised. */
LLMK_API llmk_status llmk_set_allocator(void *(*malloc_fn)(size_t size), void *(*realloc_fn)(void *ptr, size_t size),
                                        void (*free_fn)(void *ptr));

/* ------------------------------------------------------------------------
 * Request kinds, roles, events
 * ---------------------------------------------------------------------- */

/** What a request asks for (passed as int32_t). */
enum llmk_kind {
	LLMK_CHAT = 1,       /**< chat / completion */
	LLMK_EMBED = 2,      /**< embeddings of one or more inputs */
	LLMK_IMAGE = 3,      /**< image generation from a prompt */
	LLMK_TRANSCRIBE = 4, /**< speech to text */
	LLMK_SPEECH = 5,     /**< text to speech */
	LLMK_RERANK = 6,     /**< documents ranked by relevance to a query (LLMK_OPT_QUERY, llmk_request_add_input()) */
	LLMK_MODERATE = 7    /**< moderation: texts (llmk_request_add_input()), images or a conversation
	                      *   (llmk_request_add_message()) flagged by category */
};

/** Message roles (passed as int32_t). */
enum llmk_role {
	LLMK_ROLE_SYSTEM = 1,
	LLMK_ROLE_USER = 2,
	LLMK_ROLE_ASSISTANT = 3,
	LLMK_ROLE_TOOL = 4,
	LLMK_ROLE_DEVELOPER = 5
};

/** Streaming event types (llmk_event_type()). */
enum llmk_event_type {
	LLMK_EVENT_TEXT = 1,          /**< a fragment of the answer text */
	LLMK_EVENT_TOOL_CALL = 2,     /**< a fragment of a tool call (by index) */
	LLMK_EVENT_USAGE = 3,         /**< token usage became known */
	LLMK_EVENT_DONE = 4,          /**< the stream ended normally */
	LLMK_EVENT_REASONING = 5,     /**< a fragment of reasoning text, where exposed */
	LLMK_EVENT_REFUSAL = 6,       /**< a fragment of the model's refusal (llmk_response_refusal()), never
	                           *   part of the text */
	LLMK_EVENT_AUDIO = 7,         /**< speech: a chunk of the audio (llmk_event_data()), also appended to
	                           *   llmk_response_audio() */
	LLMK_EVENT_IMAGE_PARTIAL = 8, /**< image: a partial image while it is generated (llmk_event_data(),
	                               *   llmk_event_index() its number); not kept on the response */
	LLMK_EVENT_IMAGE = 9          /**< image: a finished image (llmk_event_data(), llmk_event_index() its
	                               *   index in llmk_response_image_data()) */
};

/** Token counters (llmk_response_usage(), llmk_event_usage()). */
enum llmk_usage {
	LLMK_USAGE_INPUT = 1,         /**< prompt / input tokens, cached included */
	LLMK_USAGE_OUTPUT = 2,        /**< completion / output tokens, reasoning included */
	LLMK_USAGE_TOTAL = 3,         /**< as reported, or input + output */
	LLMK_USAGE_CACHED_INPUT = 4,  /**< part of INPUT served from the prompt cache */
	LLMK_USAGE_REASONING = 5,     /**< part of OUTPUT spent on reasoning */
	LLMK_USAGE_CACHE_WRITE = 6,   /**< part of INPUT written to the prompt cache
	                              * (Anthropic cache_creation_input_tokens), 1-hour writes included */
	LLMK_USAGE_CACHE_WRITE_1H = 7 /**< part of CACHE_WRITE written to a 1-hour cache (Anthropic
	                               * cache_creation.ephemeral_1h_input_tokens), priced apart */
};

/** Why generation stopped (llmk_response_finish()). The provider's own
 *  word is kept in llmk_response_finish_reason(). */
enum llmk_finish {
	LLMK_FINISH_UNKNOWN = 0,        /**< not reported (or not a chat request) */
	LLMK_FINISH_STOP = 1,           /**< natural end or a stop sequence */
	LLMK_FINISH_LENGTH = 2,         /**< hit max_tokens or the context window */
	LLMK_FINISH_TOOL_CALLS = 3,     /**< the model asks for tool calls */
	LLMK_FINISH_CONTENT_FILTER = 4, /**< cut by a safety / content filter */
	LLMK_FINISH_ERROR = 5,          /**< the provider reported a generation error */
	LLMK_FINISH_OTHER = 6,          /**< a value none of the above describes */
	LLMK_FINISH_REFUSAL = 7         /**< the model refused to answer (llmk_response_refusal() says what
	                                 *   it said; Anthropic stop_reason "refusal") */
};

/** Provider capabilities (llmk_provider_capabilities()), per request kind. */
enum llmk_capability {
	LLMK_CAP_KIND = 1 << 0,         /**< the provider serves this request kind */
	LLMK_CAP_STREAM = 1 << 1,       /**< answers stream as they are made (chat; image, audio: llmk_stream()) */
	LLMK_CAP_TOOLS = 1 << 2,        /**< chat: function / tool calling */
	LLMK_CAP_VISION = 1 << 3,       /**< chat: image inputs */
	LLMK_CAP_JSON_MODE = 1 << 4,    /**< chat: response_format json_object */
	LLMK_CAP_JSON_SCHEMA = 1 << 5,  /**< chat: json_schema structured output */
	LLMK_CAP_STREAM_USAGE = 1 << 6, /**< chat: token usage inside streams */
	LLMK_CAP_BATCH = 1 << 7,        /**< embed: several inputs in one request */
	LLMK_CAP_IMAGE_URL = 1 << 8,    /**< chat: images by http(s) URL, not just inline data */
	LLMK_CAP_KEY_REQUIRED = 1 << 9, /**< an API key is needed (hosted services) */
	LLMK_CAP_DOCUMENTS = 1 << 10,   /**< chat: document inputs (PDF, plain text: llmk_request_add_document()) */
	LLMK_CAP_COUNT_TOKENS =
	        1 << 12,               /**< chat: the provider counts a request's input tokens (llmk_count_tokens()) */
	LLMK_CAP_IMAGE_EDIT = 1 << 14, /**< image: edits of input images with a prompt (llmk_request_add_image()) */
	LLMK_CAP_IMAGE_VARIATION = 1 << 15, /**< image: variations of one input image, without a prompt */
	LLMK_CAP_BATCH_API = 1 << 16        /**< the provider's batch API takes this kind (llmk_batch_new()) */
};

/** Timings (llmk_response_timing()), in milliseconds. */
enum llmk_timing {
	LLMK_TIMING_TOTAL_MS = 1,       /**< from send to the end of the response */
	LLMK_TIMING_FIRST_BYTE_MS = 2,  /**< from send to the first body byte */
	LLMK_TIMING_FIRST_TOKEN_MS = 3, /**< from send to the first text/tool event (streams) */
	LLMK_TIMING_RATE_WAIT_MS = 4    /**< time spent waiting for the client's rate limits (0 when none
	                                 *   was needed; -1 when the client has no limit) */
};

/* ------------------------------------------------------------------------
 * Options
 *
 * X(NAME, id, scope, "name", "description"). The id's thousands digit is
 * the value type: 1xxx string, 2xxx int64, 3xxx double. Scope: C = client,
 * R = request, CR = both (a request value overrides the client's).
 * Which request kinds an option applies to is checked by the setter.
 * ---------------------------------------------------------------------- */

/** The option table: X(NAME, id, scope, name string, description) for
 *  every LLMK_OPT_* id; it generates the enum and llmk_option_by_name(). */
#define LLMK_OPTION_TABLE(X)                                                                                       \
	X(MODEL, 1001, CR, "model", "model name (without provider prefix)")                                        \
	X(BASE_URL, 1002, C, "base_url", "base URL of the API, e.g. http://127.0.0.1:8080/v1")                     \
	X(API_KEY, 1003, C, "api_key", "API key (kept in guarded memory, never logged)")                           \
	X(ORGANIZATION, 1004, C, "organization", "OpenAI organization header")                                     \
	X(PROJECT, 1005, C, "project", "OpenAI project header")                                                    \
	X(USER_AGENT, 1006, C, "user_agent", "User-Agent header")                                                  \
	X(STOP, 1007, R, "stop", "add a stop sequence (chat; repeatable, up to 4)")                                \
	X(TOOL_CHOICE, 1008, R, "tool_choice", "auto | none | required | <tool name>")                             \
	X(RESPONSE_FORMAT, 1009, R, "response_format", "text | json_object (chat)")                                \
	X(JSON_SCHEMA, 1010, R, "json_schema", "JSON Schema the answer must follow (chat)")                        \
	X(JSON_SCHEMA_NAME, 1011, R, "json_schema_name", "name of the JSON schema (chat)")                         \
	X(PROMPT, 1012, R, "prompt", "image prompt, or transcription context prompt")                              \
	X(INPUT, 1013, R, "input", "text to speak (speech)")                                                       \
	X(VOICE, 1014, R, "voice", "voice name (speech)")                                                          \
	X(AUDIO_FORMAT, 1015, R, "audio_format", "mp3 | wav | pcm | opus | aac | flac (speech)")                   \
	X(LANGUAGE, 1016, R, "language", "ISO-639-1 language of the audio (transcription)")                        \
	X(TRANSCRIPT_FORMAT, 1017, R, "transcript_format", "json | text | verbose_json")                           \
	X(IMAGE_SIZE, 1018, R, "image_size", "e.g. 1024x1024 (image)")                                             \
	X(IMAGE_QUALITY, 1019, R, "image_quality", "standard | hd | low | medium | high (image)")                  \
	X(IMAGE_STYLE, 1020, R, "image_style", "vivid | natural (image)")                                          \
	X(IMAGE_RESPONSE_FORMAT, 1021, R, "image_response_format", "b64_json | url (image)")                       \
	X(USER, 1022, R, "user", "end-user identifier forwarded to the provider")                                  \
	X(REASONING_EFFORT, 1023, R, "reasoning_effort",                                                           \
	  "none | minimal | low | medium | high | xhigh | max (chat; which ones a model takes varies)")            \
	X(INSTRUCTIONS, 1024, R, "instructions", "voice instructions (speech)")                                    \
	X(EMBED_INPUT_TYPE, 1025, R, "embed_input_type",                                                           \
	  "search_document | search_query | classification | clustering (embed; Cohere, Gemini)")                  \
	X(API_VERSION, 1026, C, "api_version",                                                                     \
	  "API version: anthropic-version header, Azure api-version query parameter")                              \
	X(AWS_REGION, 1027, C, "aws_region", "AWS region (bedrock; else AWS_REGION, AWS_DEFAULT_REGION)")          \
	X(AWS_ACCESS_KEY_ID, 1028, C, "aws_access_key_id", "AWS access key id for SigV4 (bedrock)")                \
	X(AWS_SECRET_ACCESS_KEY, 1029, C, "aws_secret_access_key",                                                 \
	  "AWS secret access key for SigV4 (bedrock; kept in guarded memory, never logged)")                       \
	X(AWS_SESSION_TOKEN, 1030, C, "aws_session_token",                                                         \
	  "AWS session token of temporary credentials (bedrock; guarded memory, never logged)")                    \
	X(CA_BUNDLE, 1031, C, "ca_bundle",                                                                         \
	  "PEM file of the CAs to trust instead of the default store (else SSL_CERT_FILE, "                        \
	  "CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE); verification stays on")                                            \
	X(CA_DIR, 1032, C, "ca_dir",                                                                               \
	  "directory of CAs to trust (OpenSSL hashed names) instead of the default store (else "                   \
	  "SSL_CERT_DIR)")                                                                                         \
	X(PREVIOUS_RESPONSE_ID, 1040, R, "previous_response_id",                                                   \
	  "id of an earlier answer the server stored (Responses API; llmk_response_id()): the "                    \
	  "messages up to the last assistant turn are then not sent again (chat)")                                 \
	X(REASONING_SUMMARY, 1041, R, "reasoning_summary",                                                         \
	  "auto | concise | detailed: reasoning summaries as reasoning text (Responses API; chat)")                \
	X(HTTP_HEADER, 1042, R, "http_header",                                                                     \
	  "add an HTTP header \"Name: value\" to the request (repeatable; NULL clears them): beta "                \
	  "flags, gateway routing; never one the library sets itself")                                             \
	X(CACHE_SYSTEM, 1043, R, "cache_system",                                                                   \
	  "5m | 1h: a prompt-cache breakpoint after the system prompt (chat; Anthropic cache_control)")            \
	X(CACHE_TOOLS, 1044, R, "cache_tools",                                                                     \
	  "5m | 1h: a prompt-cache breakpoint after the tool list (chat; Anthropic cache_control)")                \
	X(CACHE_MESSAGES, 1045, R, "cache_messages",                                                               \
	  "5m | 1h: a prompt-cache breakpoint after the last message, wherever the conversation "                  \
	  "has got to (chat; Anthropic cache_control)")                                                            \
	X(CACHED_CONTENT, 1046, R, "cached_content",                                                               \
	  "name of a context cache the provider holds, e.g. cachedContents/abc (chat; Gemini)")                    \
	X(PROMPT_CACHE_KEY, 1047, R, "prompt_cache_key",                                                           \
	  "key grouping requests that share a prompt prefix, for cache hits (Responses API; chat)")                \
	X(PROMPT_CACHE_RETENTION, 1048, R, "prompt_cache_retention",                                               \
	  "in_memory | 24h: how long the prompt cache keeps this request's prefix (Responses API; chat)")          \
	X(QUERY, 1050, R, "query", "the query the documents are ranked against (rerank)")                          \
	X(RATE_LIMIT_NAME, 1095, C, "rate_limit_name",                                                             \
	  "name of the rate limits, shared by every client (and process, through the store) that gives "           \
	  "the same name, instead of the deployment's")                                                            \
	X(TIMESTAMPS, 1060, R, "timestamps",                                                                       \
	  "word | segment | word,segment: timestamp granularities (transcription; verbose_json; "                  \
	  "llmk_response_word_*(), llmk_response_segment_*())")                                                    \
	X(CHUNKING, 1061, R, "chunking",                                                                           \
	  "auto, or a server_vad JSON object: how the audio is cut (transcription chunking_strategy)")             \
	X(IMAGE_OUTPUT_FORMAT, 1062, R, "image_output_format", "png | jpeg | webp (image)")                        \
	X(IMAGE_BACKGROUND, 1063, R, "image_background", "transparent | opaque | auto (image)")                    \
	X(IMAGE_MODERATION, 1064, R, "image_moderation", "low | auto: moderation level (image)")                   \
	X(IMAGE_INPUT_FIDELITY, 1065, R, "image_input_fidelity",                                                   \
	  "high | low: how closely an edit keeps the input images (image with input images)")                      \
	X(STREAM_FORMAT, 1066, R, "stream_format",                                                                 \
	  "audio | sse: how llmk_stream() receives speech (sse: base64 events with usage; audio: the "             \
	  "bytes as they arrive)")                                                                                 \
	X(TIMEOUT_MS, 2001, C, "timeout_ms", "total time limit per request in ms (default 600000; 0 = none)")      \
	X(CONNECT_TIMEOUT_MS, 2002, C, "connect_timeout_ms", "connection time limit in ms")                        \
	X(IDLE_TIMEOUT_MS, 2003, C, "idle_timeout_ms", "longest silence between bytes in ms")                      \
	X(MAX_RESPONSE_BYTES, 2004, C, "max_response_bytes", "largest accepted response body")                     \
	X(MAX_TOKENS, 2005, R, "max_tokens", "upper bound on generated tokens (chat)")                             \
	X(SEED, 2006, R, "seed", "sampling seed (chat)")                                                           \
	X(DIMENSIONS, 2007, R, "dimensions", "embedding dimensions (embed)")                                       \
	X(IMAGE_COUNT, 2008, R, "image_count", "number of images (image)")                                         \
	X(STREAM_USAGE, 2009, C, "stream_usage", "1: ask for usage in streams (default 1)")                        \
	X(MAX_LINE_BYTES, 2010, C, "max_line_bytes", "longest accepted stream line / event")                       \
	X(DROP_UNSUPPORTED, 2011, CR, "drop_unsupported",                                                          \
	  "1: drop parameters the provider cannot honour (listed on the response) instead of "                     \
	  "failing with LLMK_E_UNSUPPORTED")                                                                       \
	X(TOP_K, 2012, R, "top_k", "sample from the k most likely tokens (chat)")                                  \
	X(REASONING_BUDGET, 2013, R, "reasoning_budget", "thinking token budget (chat)")                           \
	X(MAX_RETRIES, 2014, C, "max_retries", "retries after a failed attempt (default 2; 0 = none)")             \
	X(RETRY_BASE_MS, 2015, C, "retry_base_ms", "bound of the first backoff delay in ms (default 500)")         \
	X(RETRY_MAX_MS, 2016, C, "retry_max_ms",                                                                   \
	  "longest wait between attempts in ms, Retry-After included (default 30000)")                             \
	X(DEADLINE_MS, 2017, C, "deadline_ms", "bound on all attempts and waits together in ms (0 = none)")        \
	X(MAX_EVENTS, 2018, C, "max_events",                                                                       \
	  "most stream events in one response, comments and empty ones included (default 1000000)")                \
	X(MAX_JSON_DEPTH, 2019, C, "max_json_depth", "deepest JSON nesting accepted (default 128)")                \
	X(STORE, 2025, R, "store",                                                                                 \
	  "1: the server keeps the answer for previous_response_id; 0: it keeps nothing, and the "                 \
	  "reasoning comes back encrypted for llmk_request_add_response() (Responses API; chat)")                  \
	X(STRICT_TOOLS, 2026, R, "strict_tools",                                                                   \
	  "1: the tools' arguments must follow their schemas exactly (strict: true; schemas closed "               \
	  "with additionalProperties false); 0: strict: false (chat)")                                             \
	X(TOP_N, 2030, R, "top_n", "return only the n most relevant documents (rerank; 1..documents)")             \
	X(MAX_TOKENS_PER_DOC, 2031, R, "max_tokens_per_doc",                                                       \
	  "truncate each document to this many tokens before ranking (rerank; Cohere)")                            \
	X(CHOICES, 2040, R, "choices", "number of answers to generate, 1..128 (chat n; llmk_response_choice_*())") \
	X(LOGPROBS, 2041, R, "logprobs",                                                                           \
	  "1: token log probabilities (chat; transcription include[]=logprobs; llmk_response_logprob*())")         \
	X(TOP_LOGPROBS, 2042, R, "top_logprobs", "most likely alternatives per token, 0..20 (chat)")               \
	X(TRANSLATE, 2043, R, "translate", "1: translate the audio into English (transcription)")                  \
	X(IMAGE_COMPRESSION, 2044, R, "image_compression", "0..100: jpeg/webp compression (image)")                \
	X(PARTIAL_IMAGES, 2045, R, "partial_images",                                                               \
	  "0..3: partial images sent while an image streams (image; LLMK_EVENT_IMAGE_PARTIAL)")                    \
	X(RATE_LIMIT_RPM, 2070, C, "rate_limit_rpm",                                                               \
	  "client-side limit: requests per minute to this deployment (0 = none; llmk_client_set_store())")         \
	X(RATE_LIMIT_TPM, 2071, C, "rate_limit_tpm",                                                               \
	  "client-side limit: tokens per minute, input estimated as body bytes / 4 before sending and "            \
	  "corrected by the usage reported (0 = none)")                                                            \
	X(RATE_LIMIT_WINDOW_MS, 2072, C, "rate_limit_window_ms",                                                   \
	  "length of the sliding window the limits are enforced over, in ms; the per-minute limits are "           \
	  "scaled to it (default 60000, at least 100)")                                                            \
	X(RATE_LIMIT_MAX_WAIT_MS, 2073, C, "rate_limit_max_wait_ms",                                               \
	  "longest wait for room under the limits before failing with LLMK_E_RATE_LIMITED (0 = fail fast; "        \
	  "unset = wait, within deadline_ms)")                                                                     \
	X(RATE_LIMIT_PER_KEY, 2074, C, "rate_limit_per_key",                                                       \
	  "1: limits are shared by every model reached with the same API key (keyed by a hash of the "             \
	  "key), 0: per deployment (provider, base URL, model; default)")                                          \
	X(CACHE_TTL_MS, 2080, CR, "cache_ttl_ms",                                                                  \
	  "response cache (llmk_client_set_cache()): how long a stored answer serves, in ms (0 = as "              \
	  "long as the store keeps it; default 0)")                                                                \
	X(CACHE, 2081, CR, "cache",                                                                                \
	  "response cache (llmk_client_set_cache()): 1 answer from it and store new answers (default), "           \
	  "0 bypass it (neither read nor write), 2 refresh (ask the provider, store the new answer)")              \
	X(TEMPERATURE, 3001, R, "temperature", "sampling temperature (chat, transcription)")                       \
	X(TOP_P, 3002, R, "top_p", "nucleus sampling mass (chat)")                                                 \
	X(SPEED, 3003, R, "speed", "speech speed 0.25..4.0 (speech)")                                              \
	X(FREQUENCY_PENALTY, 3004, R, "frequency_penalty", "-2.0..2.0 (chat)")                                     \
	X(PRESENCE_PENALTY, 3005, R, "presence_penalty", "-2.0..2.0 (chat)")

#define LLMK__OPTION_ENUM(name, id, scope, str, doc) LLMK_OPT_##name = id,
/** Option ids for the llmk_*_set_* functions. */
enum llmk_option { LLMK_OPTION_TABLE(LLMK__OPTION_ENUM) LLMK__OPT_END };
#undef LLMK__OPTION_ENUM

/** Option value types (llmk_option_type()). */
enum llmk_option_type { LLMK_TYPE_STR = 1, LLMK_TYPE_I64 = 2, LLMK_TYPE_F64 = 3 };

/** Looks an option up by its name (e.g. "temperature", as in the table
 *  above). Returns the option id, or 0 if there is no such option.
 *  Case-sensitive. For command lines and configuration files. */
LLMK_API int32_t llmk_option_by_name(const char *name);

/** Name of an option id, or NULL if the id is unknown. Static storage. */
LLMK_API const char *llmk_option_name(int32_t option);

/** Value type of an option (LLMK_TYPE_*), or 0 if the id is unknown. */
LLMK_API int32_t llmk_option_type(int32_t option);

/* ------------------------------------------------------------------------
 * Handles
 * ---------------------------------------------------------------------- */

/** A configured endpoint: provider, base URL, credentials, default model,
 *  timeouts, transport. Configure it from one thread, then it may be shared:
 *  llmk_send()/llmk_stream() may be called on one client from many threads
 *  at once. */
typedef struct llmk_client llmk_client;

/** What to ask. Built once, may be sent many times and to many clients.
 *  Not modified by sending; may be sent concurrently from several threads
 *  as long as no thread modifies it. */
typedef struct llmk_request llmk_request;

/** What came back, on success or failure. Owned by the caller. */
typedef struct llmk_response llmk_response;

/** One streaming event; valid only during the callback that receives it. */
typedef struct llmk_event llmk_event;

/** One HTTP exchange, as seen by a transport (see "Transports"). */
typedef struct llmk_exchange llmk_exchange;

/* ------------------------------------------------------------------------
 * Client
 * ---------------------------------------------------------------------- */

/** Creates a client for "provider/model", e.g. "openai/gpt-4o-mini".
 *  A string without a provider prefix means "openai/". The providers are
 *  the built-in ones (hosted services such as openai, azure, anthropic,
 *  gemini, mistral, cohere, bedrock; local servers such as ollama (its
 *  native API), llamacpp, vllm, tgi; the full list from
 *  llmk_provider_count()/llmk_provider_name() and in docs/PROVIDERS.md,
 *  depending on the wire formats built in: llmk_features()) and those the
 *  program registered (llmk_provider_register()). The API key and base URL are read from the provider's
 *  standard environment variables (OPENAI_API_KEY, OPENAI_BASE_URL, ...)
 *  when present; explicit options override them. A variable holding a
 *  control character (CR, LF, TAB, ...) is not used: llmk_client_errmsg()
 *  names it, and requests fail with LLMK_E_INVALID_ARG naming it until the
 *  option it stands for is set (docs/SECURITY.md).
 *  On success *out is a new client. On failure *out is NULL, and the
 *  status says why: LLMK_E_INVALID_ARG (NULL out/model, empty model, a
 *  control character in model),
 *  LLMK_E_UNSUPPORTED (unknown provider), LLMK_E_NOMEM.
 *  Thread-safe. */
LLMK_API llmk_status llmk_client_new(llmk_client **out, const char *model);

/** Frees a client, wiping its credentials. NULL-safe. No request may be
 *  in flight on it. */
LLMK_API void llmk_client_free(llmk_client *client);

/** Sets a string option (LLMK_OPT_* of type STR and client scope).
 *  value NULL resets the option to its default. Returns LLMK_E_UNKNOWN_OPTION
 *  for an unknown id, LLMK_E_INVALID_ARG for a wrong type/scope or a bad
 *  value -- any value holding a control character (CR, LF, TAB, DEL, ...)
 *  is one -- with detail in llmk_client_errmsg() (naming the option, never
 *  quoting the value). Not thread-safe: configure before sharing the
 *  client. */
LLMK_API llmk_status llmk_client_set_str(llmk_client *client, int32_t option, const char *value);

/** Sets an integer option (type I64, client scope). See llmk_client_set_str(). */
LLMK_API llmk_status llmk_client_set_i64(llmk_client *client, int32_t option, int64_t value);

/** Sets a floating-point option (type F64, client scope). See llmk_client_set_str(). */
LLMK_API llmk_status llmk_client_set_f64(llmk_client *client, int32_t option, double value);

/** Detail of the last configuration error on this client ("" if none).
 *  Never contains a credential. Owned by the client. */
LLMK_API const char *llmk_client_errmsg(const llmk_client *client);

/** Provider name of the client, e.g. "openai". Owned by the client. */
LLMK_API const char *llmk_client_provider(const llmk_client *client);

/** Default model of the client (may be ""). Owned by the client; valid
 *  until the model option is set again or the client is freed. */
LLMK_API const char *llmk_client_model(const llmk_client *client);

/** Base URL the client sends to. Owned by the client; valid until the
 *  option is set again or the client is freed. */
LLMK_API const char *llmk_client_base_url(const llmk_client *client);

/** 1 if the client has an API key (from the environment or set), else 0.
 *  The key itself can never be read back. */
LLMK_API int32_t llmk_client_has_api_key(const llmk_client *client);

/* ------------------------------------------------------------------------
 * Request
 * ---------------------------------------------------------------------- */

/** Creates an empty request of the given kind (LLMK_CHAT, ...).
 *  Returns LLMK_E_INVALID_ARG for NULL out or an unknown kind,
 *  LLMK_E_NOMEM. Thread-safe. */
LLMK_API llmk_status llmk_request_new(llmk_request **out, int32_t kind);

/** Frees a request. NULL-safe. */
LLMK_API void llmk_request_free(llmk_request *request);

/** Kind the request was created with. */
LLMK_API int32_t llmk_request_kind(const llmk_request *request);

/** Sets a string option of request scope. LLMK_OPT_STOP adds one stop
 *  sequence per call, LLMK_OPT_HTTP_HEADER one header ("Name: value": a
 *  token name, a value without control characters other than tab, at most
 *  32 headers). value NULL clears the option (all stop sequences or headers
 *  for those two). A header the library sets itself for the provider
 *  (authentication, content type, version headers...) fails the send with
 *  LLMK_E_INVALID_ARG naming it. Returns LLMK_E_UNKNOWN_OPTION, or LLMK_E_INVALID_ARG for
 *  a wrong type, an option that does not apply to this request kind, or a
 *  bad value; the detail is in llmk_request_errmsg(). */
LLMK_API llmk_status llmk_request_set_str(llmk_request *request, int32_t option, const char *value);

/** Sets an integer option of request scope. See llmk_request_set_str(). */
LLMK_API llmk_status llmk_request_set_i64(llmk_request *request, int32_t option, int64_t value);

/** Sets a floating-point option of request scope. See llmk_request_set_str(). */
LLMK_API llmk_status llmk_request_set_f64(llmk_request *request, int32_t option, double value);

/** Detail of the last error on this request ("" if none). Owned by it. */
LLMK_API const char *llmk_request_errmsg(const llmk_request *request);

/** Appends a message (chat; moderate: a conversation judged as one, which
 *  Mistral's chat moderation takes). text may be NULL to start a message whose
 *  content is added by the llmk_request_add_* part functions below.
 *  role is an LLMK_ROLE_*; for LLMK_ROLE_TOOL use
 *  llmk_request_add_tool_result() instead. */
LLMK_API llmk_status llmk_request_add_message(llmk_request *request, int32_t role, const char *text);

/** Appends a text part to the last message (chat). */
LLMK_API llmk_status llmk_request_add_text(llmk_request *request, const char *text);

/** Appends an image part given by URL (http(s) or data:) to the last
 *  message (chat, vision models), or an image to moderate (moderate: no
 *  message needed; OpenAI). detail: NULL, "auto", "low" or "high". */
LLMK_API llmk_status llmk_request_add_image_url(llmk_request *request, const char *url, const char *detail);

/** Appends an image part given by its bytes to the last message (chat), or
 *  an image to moderate (moderate);
 *  mime e.g. "image/png". The bytes are copied (sent as a base64 data URL
 *  to OpenAI-style APIs). */
LLMK_API llmk_status llmk_request_add_image_data(llmk_request *request, const uint8_t *data, size_t len,
                                                 const char *mime);

/** Appends a document to the last message, which must be a user message
 *  (chat): its bytes (copied), its MIME type — "application/pdf" or
 *  "text/plain" (UTF-8) — and the file name shown to the model (NULL:
 *  "document.pdf" / "document.txt"; no control characters or quotes).
 *  Sent as an OpenAI file part (file_data), a Responses API input_file,
 *  an Anthropic document block, Gemini inlineData, a Bedrock document
 *  block; providers without LLMK_CAP_DOCUMENTS refuse it, or leave it out
 *  with LLMK_OPT_DROP_UNSUPPORTED ("documents"). LLMK_E_INVALID_ARG for
 *  empty data, another MIME type, plain text that is not UTF-8 or a bad
 *  name; LLMK_E_NOMEM. */
LLMK_API llmk_status llmk_request_add_document(llmk_request *request, const uint8_t *data, size_t len, const char *mime,
                                               const char *filename);

/** Records a tool call made by the assistant in the last message (which
 *  must have role ASSISTANT), to replay a conversation that used tools.
 *  arguments_json must be a JSON object text. */
LLMK_API llmk_status llmk_request_add_tool_call(llmk_request *request, const char *id, const char *name,
                                                const char *arguments_json);

/** Appends a tool message with the result of the tool call `tool_call_id`. */
LLMK_API llmk_status llmk_request_add_tool_result(llmk_request *request, const char *tool_call_id, const char *content);

/** Appends the assistant turn of a chat response to the conversation
 *  (chat), as the provider needs it back to go on: its text, its tool
 *  calls with their ids and, in the order the provider sent them, the
 *  provider's opaque reasoning state — Anthropic thinking and
 *  redacted_thinking blocks with their signatures, Gemini thought
 *  signatures on the parts they came with, Responses API reasoning items
 *  (with encrypted_content when asked for) and output items with their
 *  ids, Bedrock reasoningContent with its signature, and Anthropic server
 *  tools' blocks (server_tool_use, web_search_tool_result and the other
 *  *_tool_result blocks) as LLMK_PART_OPAQUE parts. Add the tool results
 *  (llmk_request_add_tool_result()) and send again: that is the agent
 *  loop, the same for every provider. Everything is copied: the response
 *  may be freed afterwards.
 *  Opaque parts (llmk_request_part_wire() not 0) only ever go back to the
 *  wire format that produced them. Sent to a provider of another wire
 *  format they are left out, the visible text and tool calls kept, and
 *  llmk_response_dropped() of that answer names them ("anthropic reasoning
 *  state": the provider that answered, then "reasoning state"); this never fails the request, whatever
 *  LLMK_OPT_DROP_UNSUPPORTED says.
 *  Returns LLMK_E_INVALID_ARG (the request unchanged; detail in
 *  llmk_request_errmsg()) for a NULL argument, a request that is not chat,
 *  a failed response, a response with nothing to add (no text, reasoning
 *  state or tool call), or a tool call without id or name or
 *  whose arguments are not a JSON object (a cut-off answer); LLMK_E_NOMEM. */
LLMK_API llmk_status llmk_request_add_response(llmk_request *request, const llmk_response *response);

/** Declares a tool (function) the model may call (chat). parameters_json
 *  is a JSON Schema object text, or NULL for a function without parameters.
 *  Invalid JSON gives LLMK_E_INVALID_ARG. */
LLMK_API llmk_status llmk_request_add_tool(llmk_request *request, const char *name, const char *description,
                                           const char *parameters_json);

/** Adds one input text: to embed (embed; one vector each), a document to
 *  rank (rerank; its position, from 0, is llmk_response_rank_index()), a
 *  text to moderate (moderate; one result each). Repeatable. */
LLMK_API llmk_status llmk_request_add_input(llmk_request *request, const char *text);

/** Sets the audio to transcribe (transcribe): bytes (copied), the file
 *  name sent with it (e.g. "speech.wav"; its extension tells most services
 *  the format) and its MIME type (NULL: guessed from the name). */
LLMK_API llmk_status llmk_request_set_audio(llmk_request *request, const uint8_t *data, size_t len,
                                            const char *filename, const char *mime);

/** Adds an input image (image): its bytes (copied), MIME type
 *  ("image/png", "image/jpeg", "image/webp") and the file name sent with it
 *  (NULL: "image.png" and the like). An image request with input images
 *  edits them (OpenAI /images/edits, up to 16; Gemini: the images go with
 *  the prompt to the image model); one input image and no prompt asks for
 *  variations (OpenAI /images/variations, dall-e-2). Providers without
 *  LLMK_CAP_IMAGE_EDIT / LLMK_CAP_IMAGE_VARIATION refuse the request with
 *  LLMK_E_UNSUPPORTED. LLMK_E_INVALID_ARG for a request of another kind,
 *  empty data, a 17th image, a bad MIME type or name; LLMK_E_NOMEM. */
LLMK_API llmk_status llmk_request_add_image(llmk_request *request, const uint8_t *data, size_t len, const char *mime,
                                            const char *filename);

/** Sets the mask of an image edit (image): a PNG (copied) whose fully
 *  transparent areas say where the first input image is edited. NULL data
 *  clears it. Same errors as llmk_request_add_image(). */
LLMK_API llmk_status llmk_request_set_mask(llmk_request *request, const uint8_t *data, size_t len);

/** Merges provider-specific fields into the body sent (a JSON object text;
 *  its members replace the library's). NULL clears. For parameters no
 *  uniform option covers. In a multipart body (transcription, image edits)
 *  each member becomes form fields as OpenAI's SDKs write them: a string as
 *  it is, a number or boolean as its JSON text, an array as one "name[]"
 *  field per element, an object as one "name[key]" field per member; null
 *  removes the library's field. Member names with a quote, backslash or
 *  control character fail the send with LLMK_E_INVALID_ARG. */
LLMK_API llmk_status llmk_request_set_extra_json(llmk_request *request, const char *json_object);

/* Reading a request back: for providers registered by the program
 * (llmk_provider_register()), and for tools that log what they send. */

/** Part types of a message (llmk_request_part_type()). */
enum llmk_part_type {
	LLMK_PART_TEXT = 1,      /**< text */
	LLMK_PART_IMAGE_URL = 2, /**< an image: http(s) URL or data: URL */
	LLMK_PART_TOOL_CALL = 3, /**< an assistant's tool call (id, name, arguments JSON) */
	LLMK_PART_REASONING = 4, /**< an assistant's reasoning, added by llmk_request_add_response(): its
	                          *   text (may be "") and the provider's opaque state */
	LLMK_PART_DOCUMENT = 5,  /**< a document (llmk_request_add_document()): a base64 data: URL and
	                          *   the file name */
	LLMK_PART_OPAQUE = 6     /**< provider state with nothing to read, added by
	                          *   llmk_request_add_response(): a server tool's call or result
	                          *   (Anthropic server_tool_use, web_search_tool_result, ...) kept whole
	                          *   in its opaque state; its text is "" */
};

/** Value of a string option, or NULL when it is not set. */
LLMK_API const char *llmk_request_get_str(const llmk_request *request, int32_t option);

/** Value of an integer / floating-point option in *out; returns 1 when the
 *  option is set, 0 when not (then *out is untouched). */
LLMK_API int32_t llmk_request_get_i64(const llmk_request *request, int32_t option, int64_t *out);
/** Value of a floating-point option in *out: 1 when set, 0 when not. */
LLMK_API int32_t llmk_request_get_f64(const llmk_request *request, int32_t option, double *out);

/** Messages: count, role (LLMK_ROLE_*), and for LLMK_ROLE_TOOL the id of
 *  the call answered (NULL otherwise). Out of range: 0 / NULL. */
LLMK_API size_t llmk_request_message_count(const llmk_request *request);
/** Role (LLMK_ROLE_*) of message `message`; 0 if out of range. */
LLMK_API int32_t llmk_request_message_role(const llmk_request *request, size_t message);
/** LLMK_ROLE_TOOL: the id of the call a message answers; NULL otherwise. */
LLMK_API const char *llmk_request_message_tool_call_id(const llmk_request *request, size_t message);

/** Parts of a message: count and type (LLMK_PART_*). */
LLMK_API size_t llmk_request_part_count(const llmk_request *request, size_t message);
/** Type (LLMK_PART_*) of part `part` of message `message`; 0 if out of range. */
LLMK_API int32_t llmk_request_part_type(const llmk_request *request, size_t message, size_t part);

/** TEXT: the text; IMAGE_URL: the URL; TOOL_CALL: the arguments JSON;
 *  REASONING: its text; DOCUMENT: the data: URL; OPAQUE: "". */
LLMK_API const char *llmk_request_part_text(const llmk_request *request, size_t message, size_t part);

/** IMAGE_URL: the detail hint or NULL; TOOL_CALL: the function name;
 *  DOCUMENT: the file name. */
LLMK_API const char *llmk_request_part_detail(const llmk_request *request, size_t message, size_t part);

/** TOOL_CALL: the call id; NULL for other parts. */
LLMK_API const char *llmk_request_part_id(const llmk_request *request, size_t message, size_t part);

/** The provider's opaque state a part carries (llmk_request_add_response()),
 *  in the form its wire format's adapter reads: a signature, or an item or
 *  block as JSON text. NULL when the part has none. */
LLMK_API const char *llmk_request_part_opaque(const llmk_request *request, size_t message, size_t part);

/** Appends a part to the last message as the llmk_request_part_*()
 *  functions read it back — the inverse of reading: to copy a conversation
 *  into another request, or to restore one a program saved, the providers'
 *  opaque state included (llmk_request_add_response()). TEXT: text;
 *  IMAGE_URL: text is the URL, detail the hint; DOCUMENT: text is the
 *  data: URL, detail the file name; TOOL_CALL: text is the
 *  arguments JSON, detail the function name, id the call id; REASONING:
 *  text (NULL or ""), opaque, wire; OPAQUE: opaque and wire (text is
 *  ignored). opaque (NULL: none) goes with text, tool-call, reasoning and
 *  opaque parts and needs wire, one LLMK_FEATURE_* bit; a REASONING or
 *  OPAQUE part always has a wire, an IMAGE_URL part never. Each type is
 *  checked as its llmk_request_add_* function checks it; TOOL_CALL,
 *  REASONING and OPAQUE parts belong to assistant messages. LLMK_E_INVALID_ARG (the
 *  request unchanged), LLMK_E_NOMEM. */
LLMK_API llmk_status llmk_request_add_part(llmk_request *request, int32_t type, const char *text, const char *detail,
                                           const char *id, const char *opaque, int64_t wire);

/** The wire format a part belongs to, as its LLMK_FEATURE_* bit
 *  (llmk_feature_name() names it): set on REASONING and OPAQUE parts and on
 *  parts with opaque state, which reach only that wire format's providers as they are;
 *  0 for parts every provider receives. */
LLMK_API int64_t llmk_request_part_wire(const llmk_request *request, size_t message, size_t part);

/** Tools declared: count, name, description (may be NULL), parameters
 *  JSON Schema (NULL when none was given). */
LLMK_API size_t llmk_request_tool_count(const llmk_request *request);
/** Name of declared tool i (NULL if out of range). */
LLMK_API const char *llmk_request_tool_name(const llmk_request *request, size_t i);
/** Description of declared tool i (NULL when none was given). */
LLMK_API const char *llmk_request_tool_description(const llmk_request *request, size_t i);
/** Parameters JSON Schema of declared tool i (NULL when none was given). */
LLMK_API const char *llmk_request_tool_parameters(const llmk_request *request, size_t i);

/** Embedding inputs: count and text. */
LLMK_API size_t llmk_request_input_count(const llmk_request *request);
/** Embedding input i (NULL if out of range). */
LLMK_API const char *llmk_request_input(const llmk_request *request, size_t i);

/** Stop sequences: count and text. */
LLMK_API size_t llmk_request_stop_count(const llmk_request *request);
/** Stop sequence i (NULL if out of range). */
LLMK_API const char *llmk_request_stop(const llmk_request *request, size_t i);

/** Transcription audio (NULL when none) with its length, file name and
 *  MIME type. */
LLMK_API const uint8_t *llmk_request_audio(const llmk_request *request, size_t *len);
/** File name given with the transcription audio (NULL when none). */
LLMK_API const char *llmk_request_audio_name(const llmk_request *request);
/** MIME type given with the transcription audio (NULL when none). */
LLMK_API const char *llmk_request_audio_mime(const llmk_request *request);

/** The extra JSON object merged into the body, or NULL. */
LLMK_API const char *llmk_request_extra_json(const llmk_request *request);

/** Input images of an image request (llmk_request_add_image()): count. */
LLMK_API size_t llmk_request_image_count(const llmk_request *request);
/** Bytes of input image i with their length in *len (len may be NULL);
 *  NULL if out of range. */
LLMK_API const uint8_t *llmk_request_image(const llmk_request *request, size_t i, size_t *len);
/** MIME type of input image i (NULL if out of range). */
LLMK_API const char *llmk_request_image_mime(const llmk_request *request, size_t i);
/** File name of input image i (NULL if out of range). */
LLMK_API const char *llmk_request_image_name(const llmk_request *request, size_t i);
/** The edit mask (llmk_request_set_mask()) with its length in *len; NULL
 *  when none. */
LLMK_API const uint8_t *llmk_request_mask(const llmk_request *request, size_t *len);

/* ------------------------------------------------------------------------
 * Sending
 * ---------------------------------------------------------------------- */

/** Sends a request and waits for the whole response.
 *  *out is set to a new response whenever memory allowed, on failure too:
 *  it carries the error detail (llmk_response_error()), HTTP status and
 *  provider error fields. Free it with llmk_response_free().
 *  Returns the same status as llmk_response_status(*out).
 *  Thread-safe for one client used from many threads. Blocks the caller. */
LLMK_API llmk_status llmk_send(llmk_client *client, const llmk_request *request, llmk_response **out);

/** Streaming callback: called on the sending thread for each event, in
 *  order. Return 0 to continue, non-zero to cancel the request (the call
 *  then returns LLMK_E_CANCELLED). The event is valid only during the call. */
typedef int32_t (*llmk_stream_fn)(const llmk_event *event, void *user);

/** Sends a chat request and streams the answer to `on_event` as it
 *  arrives. When it returns, *out (set as in llmk_send()) holds the whole
 *  accumulated response: text, tool calls, finish reason and usage equal to
 *  what llmk_send() would have returned. Errors that arrive inside the
 *  stream become error statuses, never text. Transcriptions, speech and
 *  images stream too where the provider can (LLMK_CAP_STREAM for that
 *  kind): transcript text as TEXT events, speech audio as AUDIO events
 *  (LLMK_OPT_STREAM_FORMAT), partial and finished images as IMAGE_PARTIAL
 *  and IMAGE events (LLMK_OPT_PARTIAL_IMAGES); elsewhere, and for other
 *  kinds, the request is sent as by llmk_send() and delivers one DONE
 *  event. Thread-safe like llmk_send(). */
LLMK_API llmk_status llmk_stream(llmk_client *client, const llmk_request *request, llmk_stream_fn on_event, void *user,
                                 llmk_response **out);

/** Counts the input tokens of a chat request as the provider would count
 *  them, without generating anything: the provider's own counting endpoint
 *  (Anthropic /v1/messages/count_tokens, OpenAI Responses
 *  /v1/responses/input_tokens, Gemini models/{model}:countTokens,
 *  llama-server /v1/chat/completions/input_tokens), never an estimate.
 *  On success *tokens is the count. *out (when out is not NULL) is set as
 *  for llmk_send() -- the count is also its LLMK_USAGE_INPUT -- and must be
 *  freed with llmk_response_free(); it carries the error detail on
 *  failure. Returns LLMK_E_INVALID_ARG for NULL arguments or a request that
 *  is not a chat request, LLMK_E_UNSUPPORTED (naming the provider) when
 *  the provider has no counting endpoint (llmk_provider_capabilities():
 *  LLMK_CAP_COUNT_TOKENS), and the statuses of llmk_send(). Thread-safe
 *  like llmk_send(). */
LLMK_API llmk_status llmk_count_tokens(llmk_client *client, const llmk_request *request, int64_t *tokens,
                                       llmk_response **out);

/* ------------------------------------------------------------------------
 * Streaming events (valid only inside the callback)
 * ---------------------------------------------------------------------- */

/** Event type (LLMK_EVENT_*). */
LLMK_API int32_t llmk_event_type(const llmk_event *event);

/** TEXT/REASONING: the new text fragment; TOOL_CALL: the new fragment of
 *  the arguments JSON (may be ""). NUL-terminated; "" for other types. */
LLMK_API const char *llmk_event_text(const llmk_event *event);

/** Length in bytes of llmk_event_text(). */
LLMK_API size_t llmk_event_text_len(const llmk_event *event);

/** TOOL_CALL: index of the tool call the fragment belongs to; else -1. */
LLMK_API int32_t llmk_event_tool_index(const llmk_event *event);

/** TOOL_CALL: the call's id and function name as known so far (they
 *  usually arrive with the first fragment), "" if not yet known. */
LLMK_API const char *llmk_event_tool_id(const llmk_event *event);
/** TOOL_CALL: the call's function name as known so far, "" if not yet known. */
LLMK_API const char *llmk_event_tool_name(const llmk_event *event);

/** USAGE/DONE: a token counter (LLMK_USAGE_*), or -1 if not known. */
LLMK_API int64_t llmk_event_usage(const llmk_event *event, int32_t which);

/** AUDIO, IMAGE_PARTIAL, IMAGE: the decoded bytes of the event, with their
 *  length in *len (len may be NULL); NULL (and 0) for other types. Valid
 *  only inside the callback. */
LLMK_API const uint8_t *llmk_event_data(const llmk_event *event, size_t *len);

/** IMAGE_PARTIAL: the partial image's number (partial_image_index); IMAGE:
 *  the image's index on the response; else -1. */
LLMK_API int32_t llmk_event_index(const llmk_event *event);

/* ------------------------------------------------------------------------
 * Response
 * ---------------------------------------------------------------------- */

/** Frees a response. NULL-safe. */
LLMK_API void llmk_response_free(llmk_response *response);

/** Outcome of the request (LLMK_OK or an error status). */
LLMK_API llmk_status llmk_response_status(const llmk_response *response);

/** Detail of the failure ("" on success): what went wrong, naming the
 *  provider's message and HTTP status where there was one. Never contains a
 *  credential. */
LLMK_API const char *llmk_response_error(const llmk_response *response);

/** Provider's error type / code (e.g. "invalid_request_error",
 *  "context_length_exceeded"), "" when none was given. Scrubbed like the
 *  message: never contains a credential of the client. */
LLMK_API const char *llmk_response_error_type(const llmk_response *response);
/** Provider's error code (e.g. "context_length_exceeded"), "" when none was
 *  given. Never contains a credential of the client. */
LLMK_API const char *llmk_response_error_code(const llmk_response *response);

/** HTTP status of the final attempt, 0 if no response was received. */
LLMK_API int32_t llmk_response_http_status(const llmk_response *response);

/** Provider's request id (x-request-id and the like), "" if none. Never
 *  contains a credential of the client (nor does llmk_response_model() or
 *  llmk_response_finish_reason()); headers, text and the raw body are
 *  handed over as received (docs/SECURITY.md). */
LLMK_API const char *llmk_response_request_id(const llmk_response *response);

/** Delay the provider asked for before retrying (Retry-After,
 *  retry-after-ms), in ms; -1 if none was given. */
LLMK_API int64_t llmk_response_retry_after_ms(const llmk_response *response);

/** Value of a response header (case-insensitive name), NULL if absent. */
LLMK_API const char *llmk_response_header(const llmk_response *response, const char *name);

/** Model that answered, as reported by the provider ("" if not reported). */
LLMK_API const char *llmk_response_model(const llmk_response *response);

/** Chat: the answer text ("" if none). Transcribe: the transcript. */
LLMK_API const char *llmk_response_text(const llmk_response *response);

/** Chat: reasoning text where the provider exposes it ("" if none). */
LLMK_API const char *llmk_response_reasoning(const llmk_response *response);

/** The provider's id of the answer where it gives one that a later
 *  request can refer to (Responses API "resp_...": LLMK_OPT_PREVIOUS_RESPONSE_ID);
 *  "" otherwise. */
LLMK_API const char *llmk_response_id(const llmk_response *response);

/** Chat: the model's refusal, where the provider reports it apart from
 *  the answer (OpenAI message.refusal, Responses API refusal content;
 *  streamed as LLMK_EVENT_REFUSAL); "" if none. A response with a refusal
 *  finishes with LLMK_FINISH_REFUSAL. */
LLMK_API const char *llmk_response_refusal(const llmk_response *response);

/** Chat: why generation stopped, as one LLMK_FINISH_* value for every
 *  provider. */
LLMK_API int32_t llmk_response_finish(const llmk_response *response);

/** Chat: the provider's own finish value as it sent it ("stop",
 *  "end_turn", "MAX_TOKENS", "eos_token", ...); "" if none was sent. */
LLMK_API const char *llmk_response_finish_reason(const llmk_response *response);

/** Parameters left out of the request because the provider cannot honour
 *  them (only with LLMK_OPT_DROP_UNSUPPORTED = 1): option names and
 *  "tools", "images", separated by commas; "" when nothing was dropped. */
LLMK_API const char *llmk_response_dropped(const llmk_response *response);

/** Attempts made (1 when the first one was final; more after retries; 0
 *  for an answer from the response cache). */
LLMK_API int32_t llmk_response_attempts(const llmk_response *response);

/** 1 when the answer came from the response cache (llmk_client_set_cache()):
 *  no request reached the provider, llmk_response_cost() is $0, and the
 *  usage is what the original answer reported; 0 otherwise. */
LLMK_API int32_t llmk_response_cached(const llmk_response *response);

/** A token counter (LLMK_USAGE_*), or -1 if the provider did not report it. */
LLMK_API int64_t llmk_response_usage(const llmk_response *response, int32_t which);

/** A timing (LLMK_TIMING_*) in milliseconds, or -1 if not measured. */
LLMK_API double llmk_response_timing(const llmk_response *response, int32_t which);

/** Chat: number of tool calls the model made. */
LLMK_API size_t llmk_response_tool_call_count(const llmk_response *response);

/** Chat: id, function name and arguments (JSON text) of tool call i;
 *  NULL if i is out of range. */
LLMK_API const char *llmk_response_tool_call_id(const llmk_response *response, size_t i);
/** Chat: function name of tool call i; NULL if i is out of range. */
LLMK_API const char *llmk_response_tool_call_name(const llmk_response *response, size_t i);
/** Chat: arguments (JSON text) of tool call i; NULL if i is out of range. */
LLMK_API const char *llmk_response_tool_call_arguments(const llmk_response *response, size_t i);

/** Embed: number of vectors (one per input, in input order). */
LLMK_API size_t llmk_response_embedding_count(const llmk_response *response);

/** Embed: dimension of the vectors (all vectors share it), 0 if none. */
LLMK_API size_t llmk_response_embedding_dim(const llmk_response *response);

/** Embed: vector i as `dim` contiguous floats; NULL if out of range. */
LLMK_API const float *llmk_response_embedding(const llmk_response *response, size_t i);

/** Image: number of images returned. */
LLMK_API size_t llmk_response_image_count(const llmk_response *response);

/** Image: decoded bytes of image i (when the provider returned data),
 *  with their length in *len; NULL (and *len 0) if the image came as URL
 *  or i is out of range. len may be NULL. */
LLMK_API const uint8_t *llmk_response_image_data(const llmk_response *response, size_t i, size_t *len);

/** Image: URL of image i when returned by URL, else NULL. */
LLMK_API const char *llmk_response_image_url(const llmk_response *response, size_t i);

/** Image: the prompt as revised by the provider, NULL if none. */
LLMK_API const char *llmk_response_image_revised_prompt(const llmk_response *response, size_t i);

/** Speech: the audio bytes, length in *len (len may be NULL); NULL if none. */
LLMK_API const uint8_t *llmk_response_audio(const llmk_response *response, size_t *len);

/** Speech: MIME type of the audio (from Content-Type), "" if unknown. */
LLMK_API const char *llmk_response_audio_mime(const llmk_response *response);

/** Transcribe: duration of the audio in seconds, -1 if not reported. */
LLMK_API double llmk_response_duration(const llmk_response *response);

/** Transcribe (verbose_json): number of timed segments. */
LLMK_API size_t llmk_response_segment_count(const llmk_response *response);

/** Transcribe: start/end time in seconds and text of segment i
 *  (-1 / NULL if out of range). */
LLMK_API double llmk_response_segment_start(const llmk_response *response, size_t i);
/** Transcribe: end time in seconds of segment i (-1 if out of range). */
LLMK_API double llmk_response_segment_end(const llmk_response *response, size_t i);
/** Transcribe: text of segment i (NULL if out of range). */
LLMK_API const char *llmk_response_segment_text(const llmk_response *response, size_t i);

/** Transcribe (verbose_json with LLMK_OPT_TIMESTAMPS "word"): number of
 *  timed words. */
LLMK_API size_t llmk_response_word_count(const llmk_response *response);
/** Transcribe: start time in seconds of word i (-1 if out of range). */
LLMK_API double llmk_response_word_start(const llmk_response *response, size_t i);
/** Transcribe: end time in seconds of word i (-1 if out of range). */
LLMK_API double llmk_response_word_end(const llmk_response *response, size_t i);
/** Transcribe: word i (NULL if out of range). */
LLMK_API const char *llmk_response_word_text(const llmk_response *response, size_t i);

/** Chat: number of answers (choices); 1 for an ordinary answer, more with
 *  LLMK_OPT_CHOICES; 0 when there was none. Choice 0 is the answer
 *  llmk_response_text() and the other accessors describe; in a stream only
 *  choice 0 arrives as events, the others are collected here. */
LLMK_API size_t llmk_response_choice_count(const llmk_response *response);
/** Chat: text of choice i (NULL if out of range). */
LLMK_API const char *llmk_response_choice_text(const llmk_response *response, size_t i);
/** Chat: the provider's finish value of choice i ("" if none sent; NULL if
 *  out of range). */
LLMK_API const char *llmk_response_choice_finish_reason(const llmk_response *response, size_t i);

/** Chat (LLMK_OPT_LOGPROBS, of choice 0) and transcribe (gpt-4o
 *  transcription models): number of tokens with a log probability. */
LLMK_API size_t llmk_response_logprob_count(const llmk_response *response);
/** Token i as the provider wrote it (NULL if out of range). */
LLMK_API const char *llmk_response_logprob_token(const llmk_response *response, size_t i);
/** Log probability of token i (0 if out of range; OpenAI uses -9999 for a
 *  token outside the 20 most likely). */
LLMK_API double llmk_response_logprob(const llmk_response *response, size_t i);
/** Number of alternatives given for token i (LLMK_OPT_TOP_LOGPROBS). */
LLMK_API size_t llmk_response_top_logprob_count(const llmk_response *response, size_t i);
/** Alternative j of token i (NULL if out of range). */
LLMK_API const char *llmk_response_top_logprob_token(const llmk_response *response, size_t i, size_t j);
/** Log probability of alternative j of token i (0 if out of range). */
LLMK_API double llmk_response_top_logprob(const llmk_response *response, size_t i, size_t j);

/** Rerank: number of ranked documents, most relevant first (all of them,
 *  or the LLMK_OPT_TOP_N best). */
LLMK_API size_t llmk_response_rank_count(const llmk_response *response);

/** Rerank: which document result i is -- its position among the request's
 *  inputs (llmk_request_add_input(), from 0) -- or -1 if i is out of range. */
LLMK_API int64_t llmk_response_rank_index(const llmk_response *response, size_t i);

/** Rerank: relevance score of result i as the provider reports it (higher is
 *  more relevant; the scale is the model's: a probability for most hosted
 *  rerankers, a raw logit for llama.cpp), NaN if i is out of range. */
LLMK_API double llmk_response_rank_score(const llmk_response *response, size_t i);

/** Rerank: text of the document of result i: the request's input, copied
 *  into the response (never a server's copy, which may be truncated), NULL
 *  if i is out of range. */
LLMK_API const char *llmk_response_rank_document(const llmk_response *response, size_t i);

/** Moderation: number of results: one per text input, or one for all the
 *  inputs together when the request holds images (OpenAI's multi-modal
 *  input is judged as one) or is a conversation (Mistral). */
LLMK_API size_t llmk_response_moderation_count(const llmk_response *response);

/** Moderation: 1 when result i is flagged (as the provider says, or, for a
 *  provider that reports no overall verdict, when any category is), 0 when
 *  not, -1 if i is out of range. */
LLMK_API int32_t llmk_response_moderation_flagged(const llmk_response *response, size_t i);

/** Moderation: number of categories of result i (0 if out of range). */
LLMK_API size_t llmk_response_moderation_category_count(const llmk_response *response, size_t i);

/** Moderation: name of category j of result i as the provider spells it
 *  (e.g. "harassment/threatening", "self-harm"), NULL if out of range. */
LLMK_API const char *llmk_response_moderation_category_name(const llmk_response *response, size_t i, size_t j);

/** Moderation: 1 when category `category` (a name, or NULL with index j)
 *  of result i is flagged, 0 when not, -1 when the category was not
 *  reported or i/j is out of range. With a name, j is ignored. */
LLMK_API int32_t llmk_response_moderation_category_flagged(const llmk_response *response, size_t i,
                                                           const char *category, size_t j);

/** Moderation: score (0..1) of category `category` (a name, or NULL with
 *  index j) of result i; NaN when no score was reported or out of range. */
LLMK_API double llmk_response_moderation_category_score(const llmk_response *response, size_t i, const char *category,
                                                        size_t j);

/** Moderation: the input types a category's verdict applied to, comma
 *  separated ("text", "text,image"; OpenAI category_applied_input_types),
 *  or NULL when not reported or out of range. Same addressing as
 *  llmk_response_moderation_category_flagged(). */
LLMK_API const char *llmk_response_moderation_category_inputs(const llmk_response *response, size_t i,
                                                              const char *category, size_t j);

/** The response body as received (for a stream: the concatenated raw
 *  stream), length in *len (len may be NULL). Always NUL-terminated. For
 *  provider fields no accessor covers. */
LLMK_API const char *llmk_response_raw(const llmk_response *response, size_t *len);

/* ------------------------------------------------------------------------
 * Cancellation, logging, recording
 * ---------------------------------------------------------------------- */

/** A cancel flag another thread can raise to stop requests in flight. */
typedef struct llmk_cancel llmk_cancel;

/** Creates a cancel flag (lowered). */
LLMK_API llmk_status llmk_cancel_new(llmk_cancel **out);

/** Raises the flag: every request sent with it stops within about 100 ms
 *  (LLMK_E_CANCELLED), waits between retries included. Thread-safe and
 *  async-signal-safe. NULL-safe. */
LLMK_API void llmk_cancel_trigger(llmk_cancel *cancel);

/** 1 when raised. */
LLMK_API int32_t llmk_cancel_triggered(const llmk_cancel *cancel);

/** Lowers the flag again, for the next request. */
LLMK_API void llmk_cancel_reset(llmk_cancel *cancel);

/** Frees the flag; no request may still be using it. NULL-safe. */
LLMK_API void llmk_cancel_free(llmk_cancel *cancel);

/** Attaches a cancel flag to a request (NULL detaches); the request does
 *  not own it. Every send of the request watches it. */
LLMK_API llmk_status llmk_request_set_cancel(llmk_request *request, llmk_cancel *cancel);

/** Log levels (llmk_client_set_log()). */
enum llmk_log_level { LLMK_LOG_ERROR = 1, LLMK_LOG_WARN = 2, LLMK_LOG_INFO = 3, LLMK_LOG_DEBUG = 4 };

/** Log callback: one line (no newline), valid during the call. Lines never
 *  contain a credential. Called on the sending thread. */
typedef void (*llmk_log_fn)(int32_t level, const char *line, void *user);

/** Installs a log callback for a client's requests, up to `max_level`
 *  (NULL fn: off). Lines carry a request number, provider, method and URL,
 *  HTTP status, request id, attempts and timings. Not thread-safe. */
LLMK_API llmk_status llmk_client_set_log(llmk_client *client, llmk_log_fn fn, int32_t max_level, void *user);

/** Records every exchange the client makes (through its current
 *  transport) to a cassette file, one JSON object per line, appending.
 *  Credentials are redacted: authentication headers are replaced and the
 *  key is scrubbed from URLs and bodies. NULL path stops recording. */
LLMK_API llmk_status llmk_client_record(llmk_client *client, const char *path);

/** Replaces the client's transport with one that answers from a cassette
 *  (llmk_client_record()), offline: each request takes the first unused
 *  recorded exchange with the same method, URL and body. A request with no
 *  recorded answer fails with LLMK_E_TRANSPORT naming it. LLMK_E_NOT_FOUND
 *  when the file cannot be read, LLMK_E_PROTOCOL when it is not a cassette. */
LLMK_API llmk_status llmk_client_replay(llmk_client *client, const char *path);

/* ------------------------------------------------------------------------
 * Many requests at once, on one thread
 *
 * A multi handle keeps many requests in flight on the thread that drives
 * it. A transport with the non-blocking callbacks (llmk_transport
 * multi_open ... multi_close: the built-in curl and POSIX transports, or a
 * program's own) carries all of its requests at once; with the built-in
 * curl transport they share one connection cache. A transport with `send`
 * only (and a client that records or replays) runs its requests one after
 * another, one per llmk_multi_perform(). Requests of clients with different
 * transports mix freely in one multi. Retries, timeouts, limits and cancel
 * flags behave as in llmk_send().
 *
 * Drive it with llmk_multi_run(), or from a program's own event loop: wait
 * until one of llmk_multi_fds() is ready or llmk_multi_timeout_ms() passed,
 * then call llmk_multi_perform(); repeat while requests are running
 * (examples/event_loop.c). A multi handle is used by one thread at a time.
 * ---------------------------------------------------------------------- */

/** Requests in flight together (see above). */
typedef struct llmk_multi llmk_multi;

/** Called once per request added to a multi, when it has finished
 *  (successfully or not), on the thread driving the multi. The callee owns
 *  `response` and frees it with llmk_response_free(); it is NULL only when
 *  not even a response could be allocated. May call llmk_multi_add(). */
typedef void (*llmk_done_fn)(llmk_response *response, void *user);

/** Readiness bits of llmk_multi_fds() and of a transport's multi_fds() /
 *  multi_step(). */
enum llmk_poll {
	LLMK_POLL_IN = 1,  /**< readable (or the peer closed) */
	LLMK_POLL_OUT = 2, /**< writable */
	LLMK_POLL_ERR = 4  /**< error or hang-up; only in what multi_step() is given */
};

/** Creates an empty multi handle (at most 64 requests in flight). */
LLMK_API llmk_status llmk_multi_new(llmk_multi **out);

/** Frees a multi handle. Requests not finished end with LLMK_E_CANCELLED
 *  and their on_done is called. NULL-safe. Not from inside a callback. */
LLMK_API void llmk_multi_free(llmk_multi *multi);

/** Most requests in flight at once (0: no limit; default 64); the others
 *  wait their turn in the order they were added. */
LLMK_API llmk_status llmk_multi_set_limit(llmk_multi *multi, int32_t max_in_flight);

/** Adds a request: sent to `client` with llmk_stream() semantics when
 *  on_event is not NULL, else llmk_send() semantics; on_done receives the
 *  response. Nothing is sent until the multi is driven. The client and the
 *  request must stay alive (and the request unchanged) until on_done; one
 *  request may be added many times, to one client or many. */
LLMK_API llmk_status llmk_multi_add(llmk_multi *multi, llmk_client *client, const llmk_request *request,
                                    llmk_stream_fn on_event, llmk_done_fn on_done, void *user);

/** Drives every request to its end, blocking; returns LLMK_OK, or
 *  LLMK_E_INVALID_ARG when called from one of the multi's callbacks. */
LLMK_API llmk_status llmk_multi_run(llmk_multi *multi);

/** Moves every request on as far as possible without blocking (a request
 *  on a transport without the non-blocking callbacks is the exception: one
 *  such request is performed whole per call).
 *  *running (may be NULL) is set to the number of requests not finished. */
LLMK_API llmk_status llmk_multi_perform(llmk_multi *multi, int32_t *running);

/** The file descriptors to watch before the next llmk_multi_perform(): up
 *  to `cap` of them are written to fds[] with their LLMK_POLL_* bits in
 *  events[] (either may be NULL). Returns how many there are (it may exceed
 *  cap). The set changes between performs: ask again each time. */
LLMK_API size_t llmk_multi_fds(llmk_multi *multi, int32_t *fds, int32_t *events, size_t cap);

/** Longest wait, in ms, before llmk_multi_perform() should be called even
 *  if no descriptor is ready (0: call it now); -1 when nothing is running. */
LLMK_API int64_t llmk_multi_timeout_ms(llmk_multi *multi);

/** Waits until a descriptor is ready, the multi's own timeout passes, or
 *  timeout_ms (-1: no limit of its own) — for programs without an event
 *  loop of their own. */
LLMK_API llmk_status llmk_multi_wait(llmk_multi *multi, int32_t timeout_ms);

/* ------------------------------------------------------------------------
 * Router: one endpoint over several deployments
 *
 * A router sends each request to one of its deployments (clients, of any
 * providers) chosen by a strategy, and moves on to the next when the
 * answer is a failure in the fallback set (by default: rate limited,
 * overloaded, server error, timeout, transport) and no stream event has
 * reached the caller yet. A deployment that failed `allowed_fails` times in
 * a row rests for `cooldown_ms`. The response says which deployment
 * answered (llmk_response_deployment()) and what was tried
 * (llmk_response_tried()). Configure it from one thread; then it may be
 * shared: llmk_router_send()/llmk_router_stream() are thread-safe.
 * ---------------------------------------------------------------------- */

/** A set of deployments behind one send call. */
typedef struct llmk_router llmk_router;

/** Router strategies (LLMK_ROUTER_STRATEGY). */
enum llmk_route {
	LLMK_ROUTE_FALLBACK = 1,  /* in the order added; the next only on failure (default) */
	LLMK_ROUTE_WEIGHTED = 2,  /* shares of requests follow the weights (smooth weighted
	                           * round-robin); the others are fallbacks */
	LLMK_ROUTE_LEAST_BUSY = 3 /* the deployment with the fewest requests in flight */
};

/** Router options (llmk_router_set_i64()). */
enum llmk_router_option {
	LLMK_ROUTER_STRATEGY = 1,      /* LLMK_ROUTE_* */
	LLMK_ROUTER_FALLBACK_ON = 2,   /* bit mask of (1 << status): failures that move on
	                                * to the next deployment and count towards a cooldown */
	LLMK_ROUTER_ALLOWED_FAILS = 3, /* failures in a row before a cooldown (default 3) */
	LLMK_ROUTER_COOLDOWN_MS = 4,   /* how long a deployment rests (default 30000) */
	LLMK_ROUTER_PER_KEY = 5        /* 1: with a store (llmk_router_set_store()), cooldowns are kept
	                                * per deployment and API key (a hash of it), 0: per deployment
	                                * (provider, base URL, model; default) */
};

/** Creates an empty router (strategy FALLBACK). */
LLMK_API llmk_status llmk_router_new(llmk_router **out);

/** Frees a router; its clients are not freed (they belong to the caller).
 *  No request may be in flight on it. NULL-safe. */
LLMK_API void llmk_router_free(llmk_router *router);

/** Sets a router option (LLMK_ROUTER_*). LLMK_E_UNKNOWN_OPTION for an
 *  unknown id, LLMK_E_INVALID_ARG for a bad value. Not thread-safe. */
LLMK_API llmk_status llmk_router_set_i64(llmk_router *router, int32_t option, int64_t value);

/** Adds a deployment: a configured client (not copied, not owned: it must
 *  outlive the router), a unique name without ',' or '=' (at most 127
 *  bytes) and a weight > 0 (used by LLMK_ROUTE_WEIGHTED). LLMK_E_CONFIG
 *  when the name is taken. Not thread-safe. */
LLMK_API llmk_status llmk_router_add(llmk_router *router, llmk_client *client, const char *name, double weight);

/** Sends a request through the router, as llmk_send() does to one client.
 *  When every deployment is cooling down: LLMK_E_OVERLOADED, with
 *  llmk_response_retry_after_ms() saying when the first is back. */
LLMK_API llmk_status llmk_router_send(llmk_router *router, const llmk_request *request, llmk_response **out);

/** Streams a request through the router, as llmk_stream() does. Falls back
 *  only while no event has reached on_event. */
LLMK_API llmk_status llmk_router_stream(llmk_router *router, const llmk_request *request, llmk_stream_fn on_event,
                                        void *user, llmk_response **out);

/** Number of deployments of the router. */
LLMK_API size_t llmk_router_count(const llmk_router *router);

/** 1 while deployment i (in the order added) is cooling down after
 *  failures, 0 when available, -1 when out of range. Thread-safe. */
LLMK_API int32_t llmk_router_cooling(llmk_router *router, size_t i);

/** Adds a request to a multi through a router: the deployment is picked
 *  now (least-busy counts requests added this way as in flight), and when
 *  its answer is a failure in the fallback set (before any event reached
 *  on_event) the request is added again for the next deployment, from the
 *  multi's own callbacks; on_done receives the final response, with
 *  llmk_response_deployment() and llmk_response_tried() set as
 *  llmk_router_send() sets them. When every deployment is cooling down,
 *  on_done gets LLMK_E_OVERLOADED (with retry_after_ms) from the next
 *  perform. LLMK_E_INVALID_ARG for a NULL argument or a router without
 *  deployments. The router, its clients and the request must outlive
 *  on_done. */
LLMK_API llmk_status llmk_multi_add_routed(llmk_multi *multi, llmk_router *router, const llmk_request *request,
                                           llmk_stream_fn on_event, llmk_done_fn on_done, void *user);

/** Router: name of the deployment that gave this response ("" when not
 *  sent through a router). */
LLMK_API const char *llmk_response_deployment(const llmk_response *response);

/** Router: every deployment tried, in order, with its outcome:
 *  "primary=LLMK_E_RATE_LIMITED,backup=LLMK_OK" ("" outside a router). */
LLMK_API const char *llmk_response_tried(const llmk_response *response);

/* ------------------------------------------------------------------------
 * Provider batches: many requests run by the provider, at its batch price
 *
 * A batch hands many ordinary requests to the provider's batch API (OpenAI
 * and Azure OpenAI: a JSONL file and /batches; Anthropic: Message Batches;
 * Gemini: batchGenerateContent, inline or past 20 MB an uploaded file;
 * Mistral: batch jobs), which runs them
 * within 24 hours at a lower price. Each request gets a custom id of the caller's; the results
 * come back as ordinary responses (text, tool calls, usage, and a cost at
 * the batch price), failed requests as error responses, matched by that id.
 * The batch lives at the provider: its id is all another process needs to
 * follow it, cancel it or collect its results (llmk_batch_open()).
 * Every call below blocks while it talks to the provider, with the
 * client's timeouts and retry policy. A batch handle is used by one thread
 * at a time.
 * ---------------------------------------------------------------------- */

/** A provider batch (opaque). */
typedef struct llmk_batch llmk_batch;

/** Where a batch is (llmk_batch_state()), the provider's word mapped. */
enum llmk_batch_state {
	LLMK_BATCH_NEW = 0,         /**< not submitted yet (llmk_batch_new()) */
	LLMK_BATCH_VALIDATING = 1,  /**< the provider checks the input */
	LLMK_BATCH_IN_PROGRESS = 2, /**< requests are being run */
	LLMK_BATCH_FINALIZING = 3,  /**< the results are being prepared */
	LLMK_BATCH_COMPLETED = 4,   /**< ended: results ready (some requests may have failed) */
	LLMK_BATCH_FAILED = 5,      /**< the batch as a whole failed (llmk_batch_errmsg() says why) */
	LLMK_BATCH_EXPIRED = 6,     /**< not done within the window: what finished has results */
	LLMK_BATCH_CANCELLING = 7,  /**< a cancel was asked for and is in progress */
	LLMK_BATCH_CANCELLED = 8    /**< cancelled: what finished before has results */
};

/** Request counts of a batch (llmk_batch_count()). */
enum llmk_batch_count_kind {
	LLMK_BATCH_N_TOTAL = 0,     /**< requests in the batch */
	LLMK_BATCH_N_SUCCEEDED = 1, /**< answered */
	LLMK_BATCH_N_FAILED = 2,    /**< ended with an error (Anthropic: errored) */
	LLMK_BATCH_N_PENDING = 3,   /**< not ended yet */
	LLMK_BATCH_N_OTHER = 4      /**< cancelled or expired before they ran (Anthropic) */
};

/** Called by llmk_batch_wait() after each poll (on the calling thread);
 *  non-zero stops waiting (the batch goes on at the provider). */
typedef int32_t (*llmk_batch_progress_fn)(const llmk_batch *batch, void *user);

/** A new, empty batch for `client`'s provider (which must have a batch
 *  API: LLMK_CAP_BATCH_API; else LLMK_E_UNSUPPORTED with the reason in
 *  llmk_client_errmsg()). The client must outlive the batch. Requests
 *  are turned into the provider's lines as they are added and kept in a
 *  temporary file, not in memory. */
LLMK_API llmk_status llmk_batch_new(llmk_batch **out, llmk_client *client);

/** A handle on a batch submitted earlier (by this or another process),
 *  by the id llmk_batch_id() gave; asks the provider for its state once.
 *  The handle is returned (*out) even when that poll fails, so the error
 *  is in llmk_batch_errmsg(); LLMK_E_NOT_FOUND when the provider does not
 *  know the id. */
LLMK_API llmk_status llmk_batch_open(llmk_batch **out, llmk_client *client, const char *id);

/** Frees the handle (NULL is fine); the batch itself goes on at the
 *  provider. */
LLMK_API void llmk_batch_free(llmk_batch *batch);

/** Adds a request under the caller's `custom_id` (1 to 64 characters of
 *  [A-Za-z0-9_-], unique in the batch). Every request of a batch has the
 *  same kind and model, and the provider's batch API must take it (OpenAI,
 *  Azure and Mistral: chat and embed; Anthropic and Gemini: chat). The
 *  request is checked and built exactly as llmk_send() would send it (it is
 *  not referenced afterwards);
 *  streaming and stream callbacks do not apply. Refused with a message in
 *  llmk_batch_errmsg(): LLMK_E_INVALID_ARG (id, kind mismatch, duplicate,
 *  already submitted), LLMK_E_UNSUPPORTED, LLMK_E_TOO_LARGE (past the
 *  provider's request count or size limit). */
LLMK_API llmk_status llmk_batch_add(llmk_batch *batch, const char *custom_id, const llmk_request *request);

/** Requests added so far (or, for an opened batch, the provider's total). */
LLMK_API size_t llmk_batch_size(const llmk_batch *batch);

/** Submits the batch (OpenAI: uploads the file, streamed from disk, then
 *  creates the batch). On success llmk_batch_id() names it. Failures
 *  carry the provider's message in llmk_batch_errmsg(). */
LLMK_API llmk_status llmk_batch_submit(llmk_batch *batch);

/** The provider's id of the batch, or NULL before it was submitted.
 *  Borrowed from the handle. */
LLMK_API const char *llmk_batch_id(const llmk_batch *batch);

/** Asks the provider for the batch's state and counts once. */
LLMK_API llmk_status llmk_batch_refresh(llmk_batch *batch);

/** The state (LLMK_BATCH_*) known from the last submit, refresh or cancel. */
LLMK_API int32_t llmk_batch_state(const llmk_batch *batch);

/** Lower-case name of a state ("in_progress", ...); "unknown" otherwise. */
LLMK_API const char *llmk_batch_state_name(int32_t state);

/** 1 when the state is one a batch does not leave (completed, failed,
 *  expired, cancelled). */
LLMK_API int32_t llmk_batch_ended(const llmk_batch *batch);

/** One of the request counts (LLMK_BATCH_N_*) of the last poll; -1
 *  when the provider did not say. */
LLMK_API int64_t llmk_batch_count(const llmk_batch *batch, int32_t which);

/** Polls every `poll_ms` (at least 10) until the batch ends, `timeout_ms`
 *  passes (0: no limit; then LLMK_E_TIMEOUT), the progress callback
 *  (optional) returns non-zero or the batch's cancel flag goes up (both:
 *  LLMK_E_CANCELLED; the batch goes on at the provider). A poll that fails
 *  after the client's retries ends the wait with its status. */
LLMK_API llmk_status llmk_batch_wait(llmk_batch *batch, int64_t poll_ms, int64_t timeout_ms,
                                     llmk_batch_progress_fn progress, void *user);

/** Asks the provider to cancel the batch; the state becomes cancelling or
 *  cancelled. Requests that ended before keep their results. */
LLMK_API llmk_status llmk_batch_cancel(llmk_batch *batch);

/** The next result of an ended batch: *out is a response the caller frees
 *  (llmk_response_free()), its custom id in *custom_id (borrowed from the
 *  handle until the next call). A request that failed is an error response
 *  (llmk_response_status(), llmk_response_error()); one cancelled or
 *  expired before it ran is LLMK_E_CANCELLED or LLMK_E_TIMEOUT. Costs are
 *  at the batch price (llmk_response_cost()). The first call downloads the
 *  results (into a temporary file, bounded by max_response_bytes x 64);
 *  after the last one *out is NULL and LLMK_OK is returned. A batch that
 *  has not ended: LLMK_E_INVALID_ARG. Results come in the provider's order
 *  (Anthropic's is not the order of the requests). */
LLMK_API llmk_status llmk_batch_next_result(llmk_batch *batch, const char **custom_id, llmk_response **out);

/** Attaches a cancel flag (NULL detaches): raised, the blocking calls end
 *  with LLMK_E_CANCELLED. The flag must outlive its use. */
LLMK_API llmk_status llmk_batch_set_cancel(llmk_batch *batch, const llmk_cancel *cancel);

/** Why the last call on the batch failed, or the provider's message for a
 *  failed batch; "" when nothing failed. Borrowed from the handle. */
LLMK_API const char *llmk_batch_errmsg(const llmk_batch *batch);

/* ------------------------------------------------------------------------
 * Cost
 * ---------------------------------------------------------------------- */

/** Cost of a response in USD, from its token usage and the price of its
 *  model (the built-in table or llmk_model_set_price()): non-cached input,
 *  cached input, cache writes and output (reasoning included) each at
 *  their price; a result of a provider batch (llmk_batch_next_result()) at
 *  the model's batch prices, or the provider's batch discount applied to
 *  the standard ones (docs/PRICES.md). LLMK_E_NOT_FOUND when no price is known for the model,
 *  LLMK_E_INVALID_ARG when the response has no token usage. */
LLMK_API llmk_status llmk_response_cost(const llmk_response *response, double *usd);

/* ------------------------------------------------------------------------
 * Compare and evaluate
 *
 * The same requests (cases) sent to several models at once, R times each,
 * with the figures to choose between them: latency, time to first token,
 * tokens per second, tokens, cost, and — when the cases carry expected
 * answers — a score. Runs on one thread through a llmk_multi.
 * ---------------------------------------------------------------------- */

/** A comparison: models x cases x repeats. Used by one thread at a time. */
typedef struct llmk_compare llmk_compare;

/** Compare options (llmk_compare_set_i64()). */
enum llmk_compare_option {
	LLMK_COMPARE_REPEAT = 1,        /* runs of each case per model (default 1; medians over them) */
	LLMK_COMPARE_STREAM = 2,        /* 1: stream chat answers, measuring time to first token */
	LLMK_COMPARE_MAX_IN_FLIGHT = 3, /* requests at once over all models (default 16; 0: no limit) */
	LLMK_COMPARE_CONCURRENCY = 4,   /* requests at once per model (default 0: only MAX_IN_FLIGHT);
	                                 * a model's next run starts as one of its own ends, so
	                                 * LLMK_METRIC_THROUGHPUT_* measure it under that load */
	LLMK_COMPARE_PASS_PERCENT = 5   /* a scored run passes when its score is at least this
	                                 * percent (0..100, default 50) */
};

/** How an answer is scored against the expected one (0 or 1, similarity in
 *  between). */
enum llmk_scorer {
	LLMK_SCORE_NONE = 0,       /* not scored */
	LLMK_SCORE_EXACT = 1,      /* equal after trimming white space */
	LLMK_SCORE_CONTAINS = 2,   /* contains the expected text, ignoring ASCII case */
	LLMK_SCORE_REGEX = 3,      /* matches the expected POSIX extended regular expression */
	LLMK_SCORE_JSON = 4,       /* is JSON (a Markdown code fence around it is allowed);
	                           * equal to the expected JSON when one is given */
	LLMK_SCORE_SIMILARITY = 5, /* cosine similarity of the embeddings of answer and
	                            * expected answer (llmk_compare_set_embedder()), below 0 as 0 */
	LLMK_SCORE_JUDGE = 6       /* a judge model grades the answer by a rubric, 0-10 as 0..1
	                            * (llmk_compare_set_judge(); the expected answer, if any, is
	                            * shown to it as the reference) */
};

/** Figures per model (llmk_compare_metric()), over the runs finished so far. */
enum llmk_metric {
	LLMK_METRIC_RUNS = 1,          /* runs finished */
	LLMK_METRIC_OK = 2,            /* runs that succeeded */
	LLMK_METRIC_LATENCY_MS = 3,    /* median total time of successful runs */
	LLMK_METRIC_TTFT_MS = 4,       /* median time to first token (streamed runs), -1 if none */
	LLMK_METRIC_TOKENS_PER_S = 5,  /* median output tokens per second of generation
	                                * (after the first token when streamed) */
	LLMK_METRIC_INPUT_TOKENS = 6,  /* sum over successful runs */
	LLMK_METRIC_OUTPUT_TOKENS = 7, /* sum over successful runs */
	LLMK_METRIC_CACHED_TOKENS = 8, /* sum of cached input tokens */
	LLMK_METRIC_COST_USD = 9,      /* sum over successful runs; -1 if a price is unknown */
	LLMK_METRIC_SCORE = 10,        /* mean score of scored runs (a failed run scores 0); -1 if none */
	/* Percentiles interpolate linearly between the closest ranks (R's and
	 * numpy's default): p50 is the median; -1 when there is no value. */
	LLMK_METRIC_LATENCY_P50_MS = 11,       /* total time of successful runs: 50th percentile */
	LLMK_METRIC_LATENCY_P90_MS = 12,       /* 90th percentile */
	LLMK_METRIC_LATENCY_P99_MS = 13,       /* 99th percentile */
	LLMK_METRIC_LATENCY_MIN_MS = 14,       /* fastest */
	LLMK_METRIC_LATENCY_MAX_MS = 15,       /* slowest */
	LLMK_METRIC_TTFT_P50_MS = 16,          /* time to first token (streamed runs): 50th percentile */
	LLMK_METRIC_TTFT_P90_MS = 17,          /* 90th percentile */
	LLMK_METRIC_TTFT_P99_MS = 18,          /* 99th percentile */
	LLMK_METRIC_TTFT_MIN_MS = 19,          /* first */
	LLMK_METRIC_TTFT_MAX_MS = 20,          /* last */
	LLMK_METRIC_ERROR_RATE = 21,           /* failed runs / runs (0..1; by status: llmk_compare_status_count()) */
	LLMK_METRIC_SCORED = 22,               /* runs scored (failed ones included, at 0) */
	LLMK_METRIC_PASSED = 23,               /* scored runs that pass (LLMK_COMPARE_PASS_PERCENT) */
	LLMK_METRIC_PASS_RATE = 24,            /* passed / scored (0..1), -1 if nothing scored */
	LLMK_METRIC_PASS_RATE_LOW = 25,        /* Wilson score 95 % interval of the pass rate: low end */
	LLMK_METRIC_PASS_RATE_HIGH = 26,       /* high end */
	LLMK_METRIC_SCORE_STDERR = 27,         /* standard error of the mean score: sample sd / sqrt(n);
	                                  * -1 with fewer than 2 scored runs */
	LLMK_METRIC_COST_PER_1K_REQUESTS = 28, /* USD of the successful runs per 1,000 runs made (a
	                                        * failed run has no usage, so costs 0); -1 if a price
	                                        * is unknown */
	LLMK_METRIC_COST_PER_CORRECT = 29,     /* USD of the successful runs / passed runs; -1 if none
	                                        * passed or a price is unknown */
	LLMK_METRIC_WALL_MS = 30,              /* from the start of llmk_compare_run() to this model's
	                                        * last finished run */
	LLMK_METRIC_THROUGHPUT_RPS = 31,       /* successful runs per second of WALL_MS */
	LLMK_METRIC_THROUGHPUT_TOKENS_PER_S = 32, /* output tokens of successful runs per second of
	                                           * WALL_MS (under LLMK_COMPARE_CONCURRENCY) */
	LLMK_METRIC_JUDGE_COST_USD = 33,          /* what the judge cost to grade this model's answers (not in
	                                  * COST_USD); -1 if its price is unknown */
	LLMK_METRIC_JUDGE_CALLS = 34              /* requests sent to the judge for this model (verdicts reused
	                                  * within the run are not sent again) */
};

/** Called as each run finishes (on the thread in llmk_compare_run()); the
 *  figures already include it. The response stays owned by the compare. */
typedef void (*llmk_compare_fn)(const llmk_compare *cmp, size_t model, size_t case_index, size_t run,
                                const llmk_response *response, void *user);

/** Creates an empty comparison. */
LLMK_API llmk_status llmk_compare_new(llmk_compare **out);

/** Frees a comparison, its results and the clients it created. NULL-safe. */
LLMK_API void llmk_compare_free(llmk_compare *cmp);

/** Sets an option (LLMK_COMPARE_*). */
LLMK_API llmk_status llmk_compare_set_i64(llmk_compare *cmp, int32_t option, int64_t value);

/** Adds a model by its "provider/model" string: a client is created as by
 *  llmk_client_new() (keys and base URLs from the environment). */
LLMK_API llmk_status llmk_compare_add_model(llmk_compare *cmp, const char *model);

/** Adds a configured client (not owned; it must outlive the comparison)
 *  under a label (NULL: "provider/model"). */
LLMK_API llmk_status llmk_compare_add_client(llmk_compare *cmp, llmk_client *client, const char *label);

/** Adds a case: a request (not copied: it must outlive the run) and, to
 *  score it, the expected answer and an LLMK_SCORE_* (LLMK_SCORE_NONE and
 *  NULL to just compare). LLMK_E_INVALID_ARG for a regular expression that
 *  does not compile or a scorer without an expected answer. */
LLMK_API llmk_status llmk_compare_add_case(llmk_compare *cmp, const llmk_request *request, const char *expected,
                                           int32_t scorer);

/** Adds the cases of a JSONL file, one chat case per line:
 *  {"prompt": "...", "system": "...", "expected": "...", "scorer": "contains",
 *   "max_tokens": 100, "temperature": 0, "rubric": "..."}; only "prompt" is required; the
 *  scorer defaults to "contains" when "expected" is given. Blank lines and
 *  lines starting with '#' are skipped. All or nothing: on an error no case
 *  is added and llmk_compare_errmsg() names the line. */
LLMK_API llmk_status llmk_compare_load_jsonl(llmk_compare *cmp, const char *path);

/** A cancel flag every run of the comparison watches, besides the
 *  requests' own (NULL: none). When it is raised, llmk_compare_run() ends
 *  promptly (within about 10 ms), the runs not finished end as
 *  LLMK_E_CANCELLED (on_result is called for them too), and it returns
 *  LLMK_E_CANCELLED; the finished runs' figures stay readable. The flag is
 *  not owned; llmk_cancel_trigger() is async-signal-safe, so a SIGINT
 *  handler may raise it. */
LLMK_API llmk_status llmk_compare_set_cancel(llmk_compare *cmp, llmk_cancel *cancel);

/** The client that embeds answers for LLMK_SCORE_SIMILARITY (not owned). */
LLMK_API llmk_status llmk_compare_set_embedder(llmk_compare *cmp, llmk_client *client);

/** Runs every case on every model `repeat` times, concurrently, calling
 *  on_result (may be NULL) as runs finish. Returns LLMK_OK when all runs
 *  were made, whatever their outcome (see llmk_compare_metric() and
 *  llmk_compare_response()); LLMK_E_CANCELLED when the flag of
 *  llmk_compare_set_cancel() stopped it; another error when the comparison
 *  could not run. Running again replaces the previous results. */
LLMK_API llmk_status llmk_compare_run(llmk_compare *cmp, llmk_compare_fn on_result, void *user);

/** Number of models (in the order added). */
LLMK_API size_t llmk_compare_model_count(const llmk_compare *cmp);

/** Label of model `model`: its model string or the label given; NULL when
 *  out of range. Owned by the comparison. */
LLMK_API const char *llmk_compare_model(const llmk_compare *cmp, size_t model);

/** Number of cases. */
LLMK_API size_t llmk_compare_case_count(const llmk_compare *cmp);

/** The request of case `case_index` (added or loaded from a JSONL file),
 *  owned as it was given; NULL when out of range. */
LLMK_API const llmk_request *llmk_compare_case_request(const llmk_compare *cmp, size_t case_index);

/** The expected answer of a case (NULL when it has none or out of range).
 *  Owned by the comparison. */
LLMK_API const char *llmk_compare_case_expected(const llmk_compare *cmp, size_t case_index);

/** A figure (LLMK_METRIC_*) of a model over the runs finished; -1 when not
 *  known. */
LLMK_API double llmk_compare_metric(const llmk_compare *cmp, size_t model, int32_t metric);

/** The response of one run (owned by the comparison, valid until the next
 *  run or free), NULL when out of range or not finished. */
LLMK_API const llmk_response *llmk_compare_response(const llmk_compare *cmp, size_t model, size_t case_index,
                                                    size_t run);

/** The score of one run (0..1), -1 when not scored or not finished. */
LLMK_API double llmk_compare_score(const llmk_compare *cmp, size_t model, size_t case_index, size_t run);

/** Detail of the last error of the comparison ("" if none). */
LLMK_API const char *llmk_compare_errmsg(const llmk_compare *cmp);

/** The judge (LLMK_SCORE_JUDGE): a client of the caller's choice (not
 *  owned; it must outlive the runs) and the rubric it grades by (copied;
 *  NULL: a built-in 0-10 rubric of correctness and completeness). The judge
 *  is asked for structured output {"score": 0-10, "reason": "..."}; a
 *  verdict is reused within a run for the same rubric, question, reference
 *  and answer. A judge that fails leaves the answer unscored (-1), its
 *  reason saying why. */
LLMK_API llmk_status llmk_compare_set_judge(llmk_compare *cmp, llmk_client *judge, const char *rubric);

/** Runs the comparison through the providers' batch APIs (llmk_batch_new()):
 *  each model's runs go as one batch, polled every `poll_ms` (at least 10;
 *  0 turns batch mode off), and llmk_compare_run() returns once every batch
 *  has ended and its results are scored, which may take the provider's
 *  24 hours. Figures and callbacks are those of an interactive run, with
 *  costs at the batch price; latency and time to first token are unknown.
 *  Every model's provider needs a batch API (LLMK_CAP_BATCH_API), else the
 *  run fails naming it. Progress (submitted, each poll's state and counts)
 *  goes to each model client's log hook (llmk_client_set_log()) at
 *  LLMK_LOG_INFO. The compare's cancel flag stops the wait (the batches go
 *  on at the provider). */
LLMK_API llmk_status llmk_compare_set_batch(llmk_compare *cmp, int64_t poll_ms);

/** A rubric for one case (copied; NULL: the comparison's). JSONL cases
 *  give it as "rubric". LLMK_E_INVALID_ARG out of range. */
LLMK_API llmk_status llmk_compare_set_rubric(llmk_compare *cmp, size_t case_index, const char *rubric);

/** The judge's reason for the score of one run; NULL when not judged.
 *  Owned by the comparison. */
LLMK_API const char *llmk_compare_judge_reason(const llmk_compare *cmp, size_t model, size_t case_index, size_t run);

/** The judge's response for one run (its usage, cost, timings); NULL when
 *  not judged or when the verdict was reused from another run. Owned by the
 *  comparison. */
LLMK_API const llmk_response *llmk_compare_judge_response(const llmk_compare *cmp, size_t model, size_t case_index,
                                                          size_t run);

/** How many finished runs of a model ended with this status (LLMK_OK for
 *  the successes); 0 when out of range. Error rates by status are this
 *  over LLMK_METRIC_RUNS. */
LLMK_API size_t llmk_compare_status_count(const llmk_compare *cmp, size_t model, int32_t status);

/** Paired difference of a model against a baseline model on the same
 *  cases: for each case answered by both, the mean over its runs of a
 *  per-run figure for `model` minus that for `baseline`; *mean is the mean
 *  of those differences and [*low, *high] its 95 % interval by Student's
 *  t with pairs - 1 degrees of freedom (mean +- t * sd / sqrt(pairs)).
 *  metric: LLMK_METRIC_SCORE, _PASS_RATE (1 passed, 0 not), _LATENCY_MS,
 *  _TTFT_MS, _TOKENS_PER_S, _INPUT_TOKENS, _OUTPUT_TOKENS or _COST_USD.
 *  pairs may be NULL. LLMK_E_NOT_FOUND when fewer than two cases have both
 *  figures (*pairs says how many, *mean is set, the interval is 0 0);
 *  LLMK_E_INVALID_ARG for another metric or an index out of range. */
LLMK_API llmk_status llmk_compare_paired(double *mean, double *low, double *high, size_t *pairs,
                                         const llmk_compare *cmp, size_t model, size_t baseline, int32_t metric);

/* ------------------------------------------------------------------------
 * Providers
 *
 * The model string "provider/model" picks a provider. Built-in providers
 * are listed by llmk_provider_count()/llmk_provider_name(); a program adds
 * its own (an engine it links in-process, a service with its own wire
 * format) with llmk_provider_register().
 * ---------------------------------------------------------------------- */

/** Number of providers known (built-in and registered), and the name of
 *  provider i (NULL if out of range): built-in ones first, in a fixed
 *  order, then registered ones. A registered provider's name is valid until
 *  it is unregistered. */
LLMK_API size_t llmk_provider_count(void);
/** Name of provider i (NULL if out of range); see llmk_provider_count(). */
LLMK_API const char *llmk_provider_name(size_t i);

/** What a provider supports for a request kind: LLMK_CAP_* bits (0 when the
 *  kind is not served), or -1 for an unknown provider. */
LLMK_API int64_t llmk_provider_capabilities(const char *provider, int32_t kind);

/** 1 when the provider honours request option `option` (it is sent on),
 *  0 when it does not (sending it fails with LLMK_E_UNSUPPORTED unless
 *  LLMK_OPT_DROP_UNSUPPORTED is set), -1 for an unknown provider. */
LLMK_API int32_t llmk_provider_supports_option(const char *provider, int32_t option);

/** Default base URL, the environment variable read for the API key, and
 *  the one read for the base URL (NULL when there is none). */
LLMK_API const char *llmk_provider_base_url(const char *provider);
/** Environment variable read for the provider's API key (NULL when none). */
LLMK_API const char *llmk_provider_key_env(const char *provider);
/** Environment variable read for the provider's base URL (NULL when none). */
LLMK_API const char *llmk_provider_url_env(const char *provider);

/** The answer a registered provider is building (valid during `send`). */
typedef struct llmk_reply llmk_reply;

/** A provider implemented by the program. Grows only at the end;
 *  struct_size tells the library which fields the caller's version has. */
typedef struct llmk_provider_table {
	uint32_t
	        struct_size; /**< sizeof(llmk_provider_table) as the caller compiled it: set by llmk_provider_table_init() */
	/** Answers one request, calling llmk_reply_*() to build the answer (in
	 *  a stream each text call becomes an event at once). `model` is the
	 *  part of the model string after "provider/" (or LLMK_OPT_MODEL).
	 *  Returns LLMK_OK or an error status (llmk_reply_error() says more).
	 *  Called on the sending thread, possibly from several at once. */
	int32_t (*send)(void *user, const llmk_request *request, const char *model, llmk_reply *reply);
	/** Called once when the provider is unregistered (may be NULL). */
	void (*release)(void *user);
	/** Request kinds served: bit (1 << LLMK_CHAT) | (1 << LLMK_EMBED) ... */
	uint32_t kinds;
	/** LLMK_CAP_* bits for chat requests (LLMK_CAP_STREAM, TOOLS, ...).
	 *  Requests needing a missing capability fail before `send`. */
	uint32_t chat_capabilities;
} llmk_provider_table;

/** Initialises a provider table: zeroes it and sets struct_size. */
LLMK_API void llmk_provider_table_init(llmk_provider_table *table);

/** Registers a provider under `name` (letters, digits, '-', '_', '.';
 *  at most 63 bytes). The table is copied. LLMK_E_INVALID_ARG for a bad
 *  name or table, LLMK_E_CONFIG when the name is taken (built-in names
 *  cannot be replaced). Thread-safe; clients created afterwards find it. */
LLMK_API llmk_status llmk_provider_register(const char *name, const llmk_provider_table *table, void *user);

/** Removes a registered provider and calls its `release`. The caller must
 *  first free every client using it. LLMK_E_NOT_FOUND if not registered. */
LLMK_API llmk_status llmk_provider_unregister(const char *name);

/** 1 when the caller is streaming (text then arrives as events). */
LLMK_API int32_t llmk_reply_streaming(const llmk_reply *reply);

/** Appends answer text (or reasoning text). Returns 0 to go on; non-zero
 *  when the caller cancelled or memory ran out: stop and return. */
LLMK_API int32_t llmk_reply_text(llmk_reply *reply, const char *text, size_t len);
/** Appends reasoning text; returns as llmk_reply_text(). */
LLMK_API int32_t llmk_reply_reasoning(llmk_reply *reply, const char *text, size_t len);

/** Adds a complete tool call (arguments: a JSON object text). Returns as
 *  llmk_reply_text(). */
LLMK_API int32_t llmk_reply_tool_call(llmk_reply *reply, const char *id, const char *name, const char *arguments);

/** Sets a token counter (LLMK_USAGE_*). */
LLMK_API void llmk_reply_usage(llmk_reply *reply, int32_t which, int64_t value);

/** Sets the finish reason: the provider's own word, mapped to
 *  LLMK_FINISH_* like the built-in providers' values. */
LLMK_API llmk_status llmk_reply_finish(llmk_reply *reply, const char *reason);

/** Adds one embedding vector; all must have the same dimension. */
LLMK_API llmk_status llmk_reply_embedding(llmk_reply *reply, const float *vector, size_t dim);

/** Adds an image (bytes, or a URL when data is NULL). */
LLMK_API llmk_status llmk_reply_image(llmk_reply *reply, const uint8_t *data, size_t len, const char *url);

/** Sets speech audio and its MIME type. */
LLMK_API llmk_status llmk_reply_audio(llmk_reply *reply, const uint8_t *data, size_t len, const char *mime);

/** Records a failure with a message; returns `status` for convenience. */
LLMK_API llmk_status llmk_reply_error(llmk_reply *reply, int32_t status, const char *message);

/* ------------------------------------------------------------------------
 * Models and prices
 *
 * A built-in table of models with their published prices (USD per million
 * tokens) and limits, compiled from data/models.json; its date says when
 * the prices were read (docs/PRICES.md lists the sources: the providers'
 * pages, litellm's and genai-prices' price lists). A build with
 * -Dprice_table=local (the default of reduced firmware builds) carries only
 * the local servers' rows. Keys are
 * "provider/model" with the provider names of llmk_provider_name(); a row
 * whose model part is "*" prices every model of a provider (local servers,
 * at 0). Lookups take
 * the exact key first, then a dated snapshot's family: "-YYYY-MM-DD",
 * "-YYYYMMDD" or "-MMDD" removed, then with "-latest", then with "-0" appended
 * (openai/gpt-4o-mini-2024-07-18 -> openai/gpt-4o-mini,
 * anthropic/claude-3-5-haiku-20241022 -> anthropic/claude-3-5-haiku-latest),
 * then the provider's "*" row.
 * ---------------------------------------------------------------------- */

/** What llmk_model_info() reports (passed as int32_t). Prices are USD per
 *  million tokens; -1 when the provider publishes none. A cached-input or
 *  cache-write price of -1 means those tokens are billed as input. */
enum llmk_model_info {
	LLMK_INFO_INPUT_PRICE = 1,              /* uncached input tokens */
	LLMK_INFO_OUTPUT_PRICE = 2,             /* output tokens, reasoning included */
	LLMK_INFO_CACHED_INPUT_PRICE = 3,       /* input tokens read from the prompt cache */
	LLMK_INFO_CACHE_WRITE_PRICE = 4,        /* input tokens written to the cache (Anthropic, 5-minute) */
	LLMK_INFO_CONTEXT_TOKENS = 5,           /* context window in tokens */
	LLMK_INFO_MAX_OUTPUT_TOKENS = 6,        /* most output tokens per response */
	LLMK_INFO_CACHE_WRITE_1H_PRICE = 7,     /* input tokens written to a 1-hour cache (Anthropic) */
	LLMK_INFO_BATCH_INPUT_PRICE = 8,        /* input tokens of a batch request (not used by the cost) */
	LLMK_INFO_BATCH_OUTPUT_PRICE = 9,       /* output tokens of a batch request */
	LLMK_INFO_TIER_ABOVE_TOKENS = 10,       /* a prompt above this many input tokens bills the whole
	                                      * request at the TIER_* prices (long-context pricing) */
	LLMK_INFO_TIER_INPUT_PRICE = 11,        /* input above the tier threshold */
	LLMK_INFO_TIER_OUTPUT_PRICE = 12,       /* output of a request above the threshold */
	LLMK_INFO_TIER_CACHED_INPUT_PRICE = 13, /* cached input above the threshold (-1: tier input) */
	LLMK_INFO_DEPRECATION_DATE = 14,        /* YYYYMMDD the provider retires the model, -1 if none known */
	LLMK_INFO_INPUT_MODALITIES = 15,        /* LLMK_MODALITY_* bits the model reads, -1 if unknown */
	LLMK_INFO_OUTPUT_MODALITIES = 16,       /* LLMK_MODALITY_* bits it writes, -1 if unknown */
	LLMK_INFO_SOURCE = 17                   /* where the row's prices come from: LLMK_SOURCE_*
	                                      * (-1 for a model only priced by llmk_model_set_price()) */
};

/** Modalities (bits of LLMK_INFO_INPUT_MODALITIES / _OUTPUT_MODALITIES). */
enum llmk_modality {
	LLMK_MODALITY_TEXT = 1,
	LLMK_MODALITY_IMAGE = 2,
	LLMK_MODALITY_AUDIO = 4,
	LLMK_MODALITY_VIDEO = 8,
	LLMK_MODALITY_PDF = 16,
	LLMK_MODALITY_EMBEDDING = 32 /* an embedding vector */
};

/** Where a built-in row comes from (LLMK_INFO_SOURCE; docs/PRICES.md). */
enum llmk_price_source {
	LLMK_SOURCE_PAGE = 1,         /* read on the provider's own pricing or model page */
	LLMK_SOURCE_LITELLM = 2,      /* litellm's model_prices_and_context_window.json */
	LLMK_SOURCE_GENAI_PRICES = 3, /* the genai-prices package */
	LLMK_SOURCE_RULE = 4          /* a local server: $0 by rule */
};

/** Number of models in the table: the built-in rows, then models added by
 *  llmk_model_set_price() that have no built-in row. Thread-safe. */
LLMK_API size_t llmk_model_count(void);

/** Key ("provider/model") of model i, in the order of llmk_model_count();
 *  NULL if out of range. Static storage, valid for the life of the
 *  process. Thread-safe. */
LLMK_API const char *llmk_model_name(size_t i);

/** One figure (LLMK_INFO_*) of a model, looked up by the rules above, into
 *  *out (-1 when not published). A caller's price from
 *  llmk_model_set_price() wins over the built-in one. LLMK_E_NOT_FOUND for
 *  a model the table does not know, LLMK_E_INVALID_ARG for a NULL argument
 *  or an unknown `which`. Thread-safe. */
LLMK_API llmk_status llmk_model_info(const char *model, int32_t which, double *out);

/** Sets the prices of a model ("provider/model", exact key; a family key
 *  such as "openai/gpt-4o-mini" also prices its dated snapshots), in USD
 *  per million tokens: input and output >= 0, cached_input and cache_write
 *  >= 0 or -1 (billed as input). Replaces the built-in prices or adds the
 *  model. Process-wide, lasts until the process ends, thread-safe; costs
 *  computed afterwards use it. LLMK_E_INVALID_ARG for a bad key or price,
 *  LLMK_E_NOMEM. */
LLMK_API llmk_status llmk_model_set_price(const char *model, double input, double output, double cached_input,
                                          double cache_write);

/** Date the built-in prices were read from the providers' pages,
 *  "YYYY-MM-DD". Static storage. */
LLMK_API const char *llmk_model_table_date(void);

/* ------------------------------------------------------------------------
 * Transports
 *
 * A transport moves one HTTP exchange. The library builds the exchange
 * (method, URL, headers, body), calls `send`, and the transport reports what
 * came back through llmk_exchange_set_status(), llmk_exchange_add_header()
 * and llmk_exchange_write() as bytes arrive. The built-in transport is
 * libcurl; programs with their own HTTP stack install theirs with
 * llmk_client_set_transport(). The POSIX-socket transport
 * (llmk_transport_posix()) is built in too, for builds without libcurl.
 *
 * Many at once. `send` blocks, so llmk_multi runs a transport that has only
 * `send` one request at a time. A transport that also fills the optional
 * non-blocking callbacks (multi_open ... multi_close, all or none) carries
 * every request of a multi at once, on the thread that drives the multi,
 * as curl's multi_socket interface does:
 *
 *   - per llmk_multi, the library opens one *driver* for each distinct
 *     multi_open function among its clients' transports, when the first
 *     transfer needs it, and closes it when the multi is freed;
 *   - multi_add() hands the driver an exchange, which it starts and moves
 *     on in later multi_step() calls, never blocking (non-blocking sockets);
 *   - the library polls the descriptors multi_fds() names (or the program's
 *     event loop does, through llmk_multi_fds()) and calls multi_step() with
 *     the ones found ready, at the latest after multi_timeout_ms();
 *   - the driver reports the end of each transfer with
 *     llmk_exchange_done(exchange, status), `status` as `send` returns it;
 *   - multi_remove() takes back a transfer the library no longer wants (its
 *     cancel flag went up); multi_close() drops whatever is left.
 *
 * Every callback of a driver is called on the thread driving the multi,
 * never from two threads at once for one driver, and never re-entered: the
 * library acts on llmk_exchange_done() after multi_step() returns, so
 * multi_add() is never called from inside the driver's own callbacks.
 * Timeouts (llmk_exchange_timeout_ms()) are the driver's to apply, as for
 * `send`; the request's cancel flag is watched by the library.
 * ---------------------------------------------------------------------- */

/** Transport callback table. Grows only at the end; struct_size tells the
 *  library which fields the caller's version has (a table from before the
 *  non-blocking callbacks existed simply has none). */
typedef struct llmk_transport {
	uint32_t
	        struct_size; /**< sizeof(llmk_transport) as the caller compiled it: set by llmk_transport_init() / LLMK_TRANSPORT_INIT */
	/** Performs the exchange, blocking until the response is complete or
	 *  the transfer failed. Called on the sending thread, possibly from
	 *  several threads at once for one client. Returns LLMK_OK when an HTTP
	 *  response was received completely (whatever its status), or
	 *  LLMK_E_TRANSPORT / LLMK_E_TIMEOUT / LLMK_E_CANCELLED (when
	 *  llmk_exchange_write() returned non-zero). Required, also in a
	 *  transport with the non-blocking callbacks (llmk_send() uses it). */
	int32_t (*send)(llmk_exchange *exchange, void *user);
	/** Called once when the client is freed (may be NULL). */
	void (*close)(void *user);

	/* ---- optional: non-blocking transfers in an llmk_multi (all or none) ---- */

	/** Opens a driver for one llmk_multi: called the first time a request
	 *  of a client with this transport needs a transfer in that multi.
	 *  Clients whose tables have the same multi_open share the driver
	 *  (each transfer brings its own client's `user` to multi_add), so
	 *  `user` here is only the first such client's and must not be kept.
	 *  Returns the driver state, passed to every other multi_* callback,
	 *  or NULL when out of memory (the request then fails with
	 *  LLMK_E_NOMEM). */
	void *(*multi_open)(void *user);
	/** Starts transferring `exchange` without blocking. `user` is the
	 *  exchange's client's transport user. Returns LLMK_OK when the driver
	 *  took the transfer (it then ends with exactly one
	 *  llmk_exchange_done() or a multi_remove()), or the status the
	 *  transfer fails with right away, as `send` would return it (with
	 *  llmk_exchange_set_error()); llmk_exchange_done() may not be called
	 *  from here. The exchange stays valid until then. */
	int32_t (*multi_add)(llmk_exchange *exchange, void *user, void *driver);
	/** Moves every transfer on as far as it can without blocking, reporting
	 *  the ones that end with llmk_exchange_done(). fds[0..n) are the
	 *  driver's descriptors that a poll just found ready, with their
	 *  LLMK_POLL_* bits in revents[] (n may be 0: called also when no
	 *  descriptor is ready, for timers, new transfers and timeouts). A
	 *  descriptor not listed may be ready too (e.g. one opened since it was
	 *  polled): trying it costs only an EAGAIN. Returns LLMK_OK; any other
	 *  status means the driver itself failed: every transfer it still holds
	 *  is taken back (multi_remove()) and fails with that status. */
	int32_t (*multi_step)(const int32_t *fds, const int32_t *revents, size_t n, void *driver);
	/** The descriptors to watch before the next multi_step(): up to `cap`
	 *  of them are written to fds[] with their LLMK_POLL_IN / LLMK_POLL_OUT
	 *  bits in events[] (either may be NULL when cap is 0). Returns how
	 *  many there are (it may exceed cap: the library asks again with more
	 *  room). 0 for a driver whose progress does not show on descriptors
	 *  (it then relies on multi_timeout_ms()). */
	size_t (*multi_fds)(int32_t *fds, int32_t *events, size_t cap, void *driver);
	/** Longest wait, in ms, before multi_step() must be called even if no
	 *  descriptor is ready (0: now; -1: only when a descriptor is ready). */
	int64_t (*multi_timeout_ms)(void *driver);
	/** Stops a transfer taken by multi_add() that has not ended: the driver
	 *  forgets the exchange, releases what it held for it and does not call
	 *  llmk_exchange_done() for it. */
	void (*multi_remove)(llmk_exchange *exchange, void *driver);
	/** Closes the driver when its multi is freed: transfers still in it are
	 *  dropped without llmk_exchange_done() (the library already answered
	 *  their requests). */
	void (*multi_close)(void *driver);
} llmk_transport;

/** Static initialiser of an llmk_transport (struct_size set, no callbacks). */
#define LLMK_TRANSPORT_INIT                                       \
	{                                                         \
		sizeof(llmk_transport), 0, 0, 0, 0, 0, 0, 0, 0, 0 \
	}

/** Initialises a transport table: zeroes it and sets struct_size. */
LLMK_API void llmk_transport_init(llmk_transport *transport);

/** Installs a transport on a client (the table is copied, as far as its
 *  struct_size reaches; `user` is passed to its callbacks). NULL transport
 *  restores the built-in one.
 *  Returns LLMK_E_INVALID_ARG for a NULL client, a table without `send`,
 *  with a struct_size too small, or with some but not all of the
 *  non-blocking callbacks (the client's error message names the missing
 *  one); LLMK_E_UNSUPPORTED for NULL when the library was built without
 *  libcurl. Not thread-safe; not while the client has requests in flight. */
LLMK_API llmk_status llmk_client_set_transport(llmk_client *client, const llmk_transport *transport, void *user);

/** Fills `transport` with the built-in POSIX-socket transport: HTTP/1.1 over
 *  plain TCP (http:// URLs only: a local server or a TLS-terminating
 *  proxy; https:// fails with LLMK_E_UNSUPPORTED), one connection per
 *  exchange (Connection: close), with the non-blocking callbacks, so many
 *  requests share one llmk_multi on one thread. Applies the client's total,
 *  connect and idle timeouts and bounds what it accepts (status and header
 *  lines 8 KiB, header block 64 KiB, 8 interim 1xx answers; chunked,
 *  Content-Length and close-delimited bodies). Host names are resolved
 *  with getaddrinfo(), which blocks: use numeric addresses where that
 *  matters. It keeps no state: install it with `user` NULL, on any number
 *  of clients and threads.
 *  Initialise the table first (llmk_transport_init() / LLMK_TRANSPORT_INIT):
 *  only the fields its struct_size covers are written. Returns
 *  LLMK_E_INVALID_ARG for NULL or a struct_size too small to hold `send`,
 *  LLMK_E_UNSUPPORTED when this build has no POSIX sockets
 *  (LLMK_FEATURE_POSIX clear). Thread-safe. */
LLMK_API llmk_status llmk_transport_posix(llmk_transport *transport);

/** Request method, e.g. "POST". */
LLMK_API const char *llmk_exchange_method(const llmk_exchange *exchange);

/** Full request URL. */
LLMK_API const char *llmk_exchange_url(const llmk_exchange *exchange);

/** Number of request headers, and name/value of header i (NULL if out of
 *  range). Values may carry credentials: transports must not log them. */
LLMK_API size_t llmk_exchange_header_count(const llmk_exchange *exchange);
/** Name of request header i (NULL if out of range). */
LLMK_API const char *llmk_exchange_header_name(const llmk_exchange *exchange, size_t i);
/** Value of request header i (NULL if out of range); may be a credential: never log it. */
LLMK_API const char *llmk_exchange_header_value(const llmk_exchange *exchange, size_t i);

/** Request body and its length (len may be NULL); NULL when there is none. */
LLMK_API const uint8_t *llmk_exchange_body(const llmk_exchange *exchange, size_t *len);

/** Timeouts the transport should apply, in ms (0 = none): total,
 *  connect and idle-between-bytes (LLMK_OPT_TIMEOUT_MS ... option ids). */
LLMK_API int64_t llmk_exchange_timeout_ms(const llmk_exchange *exchange, int32_t option);

/** Reports the HTTP status of the response. Call before writing body. */
LLMK_API llmk_status llmk_exchange_set_status(llmk_exchange *exchange, int32_t http_status);

/** Reports one response header. */
LLMK_API llmk_status llmk_exchange_add_header(llmk_exchange *exchange, const char *name, const char *value);

/** Reports response body bytes as they arrive. Returns 0 to continue;
 *  non-zero means the library wants the transfer stopped (the caller
 *  cancelled, or a limit was exceeded): the transport must abort and return
 *  LLMK_E_CANCELLED. */
LLMK_API int32_t llmk_exchange_write(llmk_exchange *exchange, const uint8_t *data, size_t len);

/** Attaches a message describing a transport failure (e.g. "connection
 *  refused"); it becomes part of llmk_response_error(). */
LLMK_API void llmk_exchange_set_error(llmk_exchange *exchange, const char *message);

/** 1 once the caller cancelled (cancel flag raised): a transport that
 *  blocks should poll this at least every 50 ms and return
 *  LLMK_E_CANCELLED. */
LLMK_API int32_t llmk_exchange_cancelled(const llmk_exchange *exchange);

/** Reports the end of a non-blocking transfer (one taken by a transport's
 *  multi_add()): `status` as `send` would return it (LLMK_OK once the whole
 *  response was reported, else LLMK_E_TRANSPORT, LLMK_E_TIMEOUT,
 *  LLMK_E_CANCELLED, ... with llmk_exchange_set_error() first). Called by
 *  the driver on the thread driving the multi, normally from its
 *  multi_step(); the library acts on it when that returns. The exchange
 *  must not be touched afterwards. Returns LLMK_E_INVALID_ARG when the
 *  exchange is not a transfer in progress in a driver (never added, added
 *  by a `send`, already ended, or from inside multi_add()). */
LLMK_API llmk_status llmk_exchange_done(llmk_exchange *exchange, int32_t status);

/* ------------------------------------------------------------------------
 * Shared state: llmk_store
 *
 * What routers and rate limiters must agree on (cooldown marks, in-flight
 * counters, sliding-window counters) and what the response cache keeps
 * (values with a time to live), behind one callback table, so that it can
 * live in this process or be shared by every process that uses the same
 * store (docs/ARCHITECTURE.md, "Shared state"). The library builds the
 * keys (printable ASCII, at most 512 bytes; never an API key) and a store
 * adds its own prefix. Every callback may be called from several threads
 * at once and returns LLMK_OK or a status; a store that fails is never
 * the reason a request fails: the library logs a warning and goes on with
 * what it knows locally. A callback left NULL means the store does not
 * keep that kind of state (installing it where that state is needed is
 * refused with LLMK_E_UNSUPPORTED).
 * ---------------------------------------------------------------------- */

/** A shared-state store: a callback table, like llmk_transport, grown only
 *  at its end and read as far as its struct_size reaches. */
typedef struct llmk_store {
	uint32_t
	        struct_size; /**< sizeof(llmk_store) as the caller compiled it: set by llmk_store_init() / LLMK_STORE_INIT */
	void *user;          /**< passed to every callback */
	/** Marks `key` as cooling down for `ms` from now (a longer cooldown
	 *  already set is kept). */
	int32_t (*cooldown_set)(void *user, const char *key, int64_t ms);
	/** The cooldown left on `key` in *left_ms (0 when it is not cooling). */
	int32_t (*cooldown_get)(void *user, const char *key, int64_t *left_ms);
	/** Adds `delta` (may be negative) to the counter `key` (created at 0)
	 *  and gives the new value in *value. */
	int32_t (*counter_add)(void *user, const char *key, int64_t delta, int64_t *value);
	/** Sliding window of `window_ms`: when what was recorded on `key` in the
	 *  last window_ms plus `amount` stays within `limit`, records `amount`
	 *  and sets *wait_ms to 0; otherwise records nothing and sets *wait_ms
	 *  to the time until it would fit (atomic: two callers never both fit
	 *  the last unit). An amount larger than `limit` fits an empty window
	 *  (so it is not refused for ever). */
	int32_t (*window_take)(void *user, const char *key, int64_t window_ms, int64_t limit, int64_t amount,
	                       int64_t *wait_ms);
	/** Records `amount` (may be negative: a correction, e.g. an estimate of
	 *  tokens replaced by the usage reported) on `key` without a limit. */
	int32_t (*window_add)(void *user, const char *key, int64_t window_ms, int64_t amount);
	/** Looks `key` up: LLMK_OK with the value passed once to `take` (which
	 *  copies it; a non-zero return from `take` is passed back), or
	 *  LLMK_E_NOT_FOUND when there is none or it expired. */
	int32_t (*kv_get)(void *user, const char *key, int32_t (*take)(void *ctx, const uint8_t *data, size_t len),
	                  void *ctx);
	/** Stores `len` bytes under `key` for `ttl_ms` (0: as long as the store
	 *  keeps it), replacing any value. */
	int32_t (*kv_put)(void *user, const char *key, const uint8_t *data, size_t len, int64_t ttl_ms);
	/** Releases the store's state (llmk_store_free()); may be NULL. */
	void (*close)(void *user);
} llmk_store;

/** An in-process store (cooldowns, counters, sliding windows; no
 *  key/value): what a client or router uses when none is installed, to be
 *  installed on several clients or routers of this process so they share
 *  their limits and cooldowns. Freed with llmk_store_free(). Thread-safe. */
LLMK_API llmk_status llmk_store_new_local(llmk_store **out);

/** A store in Redis or Valkey, shared by every process that uses the same
 *  server, database and prefix. `url`: `redis://[[user]:password@]host[:port][/db]`
 *  with optional query parameters `prefix=` (prepended to every key; default
 *  "llmk:"; letters, digits and `:_-.`), `timeout_ms=` (bound on each command,
 *  default 250), `connect_timeout_ms=` (default 250) and `pool=` (most
 *  connections at once, 1..64, default 8); `rediss://` (TLS)
 *  answers LLMK_E_UNSUPPORTED when the hiredis this library was built with
 *  has no TLS (Debian 12's 0.14 has none). The password is never logged nor
 *  shown in an error. Updates are atomic (server-side Lua scripts). A server
 *  that is down, slow or answering errors makes the callbacks fail quickly
 *  (the library then goes on with local state and logs a warning); the store
 *  reconnects with a growing backoff. The first connection is tried here:
 *  a server down now is not an error. LLMK_E_UNSUPPORTED in a build without
 *  hiredis (LLMK_FEATURE_REDIS clear), LLMK_E_INVALID_ARG for a bad URL.
 *  Thread-safe (a small pool of connections). */
LLMK_API llmk_status llmk_store_new_redis(const char *url, llmk_store **out);

/** Installs a store for the client's rate limits (LLMK_OPT_RATE_LIMIT_*):
 *  the table is copied and the store must outlive the client. Every client
 *  using the same store and the same deployment (or rate_limit_name) shares
 *  the limits, across processes with llmk_store_new_redis(). Without a
 *  store, the limits are kept in the client. llmk_send(), llmk_stream() and
 *  llmk_multi honour them (a multi schedules the wait, it does not block).
 *  The store needs window_take and window_add (else LLMK_E_UNSUPPORTED).
 *  NULL goes back to the client's own state. Not thread-safe: configure
 *  before sending. */
LLMK_API llmk_status llmk_client_set_store(llmk_client *client, const llmk_store *store);

/** Keeps the router's cooldowns and least-busy counts in `store` as well
 *  as in the router (the table is copied; the store must outlive the
 *  router), so every router sharing the store — in this process or, with
 *  llmk_store_new_redis(), in any process — skips a deployment one of them
 *  sent to rest, and least-busy counts every router's requests in flight.
 *  Keys are built from provider, base URL and model (never the API key;
 *  a hash of it with LLMK_ROUTER_PER_KEY). When the store fails, the
 *  router goes on with its own state. NULL removes the store. The store
 *  needs cooldown_set, cooldown_get and counter_add (else
 *  LLMK_E_UNSUPPORTED). Not thread-safe: configure before sending. */
LLMK_API llmk_status llmk_router_set_store(llmk_router *router, const llmk_store *store);

/** Static initialiser of an llmk_store (struct_size set, no callbacks). */
#define LLMK_STORE_INIT                                       \
	{                                                     \
		sizeof(llmk_store), 0, 0, 0, 0, 0, 0, 0, 0, 0 \
	}

/** Initialises a store table: zeroes it and sets struct_size. */
LLMK_API void llmk_store_init(llmk_store *store);

/** Frees a store made by one of the library's llmk_store_new_*()
 *  functions: calls its `close` and releases the table. Whatever uses the
 *  store (clients, routers) must be freed first. NULL is ignored. Not for
 *  a table the program filled itself. */
LLMK_API void llmk_store_free(llmk_store *store);

/** A store in this process's memory, for the response cache: values kept
 *  in least-recently-used order within `max_bytes` (keys, values and about
 *  100 bytes of bookkeeping each; a value larger than that is not kept),
 *  each until its time to live passes. Only kv_get, kv_put and close are
 *  filled. Thread-safe. Free with llmk_store_free() after every client
 *  using it. Returns LLMK_E_INVALID_ARG for a NULL out or max_bytes < 1,
 *  LLMK_E_NOMEM, LLMK_E_UNSUPPORTED in a build without the response cache
 *  (-Dresponse_cache=disabled). */
LLMK_API llmk_status llmk_store_new_memory(int64_t max_bytes, llmk_store **out);

/** A store in an SQLite database file at `path` (created when missing),
 *  for the response cache on one machine: several threads and processes
 *  may use the same file at once (write-ahead log, a 5 s busy timeout);
 *  expired values are never returned and are deleted from time to time.
 *  Only kv_get, kv_put and close are filled. A process that forks opens
 *  its own store after the fork. Returns LLMK_E_UNSUPPORTED in a build
 *  without SQLite (llmk_features() has no LLMK_FEATURE_SQLITE),
 *  LLMK_E_INVALID_ARG for a NULL argument, LLMK_E_CONFIG when the file
 *  cannot be opened or is not an SQLite database (the caller decides
 *  whether to go on without a cache), LLMK_E_NOMEM. A database damaged
 *  later makes its reads fail (LLMK_E_PROTOCOL): the cache then logs a
 *  warning and asks the provider. */
LLMK_API llmk_status llmk_store_new_sqlite(const char *path, llmk_store **out);

/** Turns the response cache on for this client with `store` (copied; what
 *  its `user` points to must outlive the client), or off with NULL.
 *
 *  Chat and embedding requests are then answered from the store when an
 *  identical one was answered before, without any request to the
 *  provider: llmk_response_cached() is 1, llmk_response_cost() $0, and a
 *  streamed request gets the same events the original stream gave (a
 *  stored whole answer streams as one event per part). Every successful
 *  answer to such a request is stored (a streamed one once it is complete);
 *  failed, cancelled and cut answers never are, nor answers finishing with
 *  LLMK_FINISH_ERROR or holding an echo of one of the client's secrets, nor
 *  answers with several choices or log probabilities (not kept by the
 *  cache: they are asked for again).
 *  Requests answered by a registered provider (llmk_provider_register())
 *  are not cached.
 *
 *  The key is a BLAKE2b hash of the provider, model, base URL and of the
 *  request as it would go on the wire (method, URL, body, and the headers
 *  that can change the answer: API version, beta flags, LLMK_OPT_HTTP_HEADER
 *  values), never of a credential, a signature or a per-request id; a
 *  stored value carries its key, an expiry and a checksum, and one that
 *  does not check out is a miss with a warning logged, never an answer.
 *  LLMK_OPT_CACHE_TTL_MS and LLMK_OPT_CACHE (bypass, refresh) apply per
 *  client or per request. A store that fails never fails a request: the
 *  client logs a warning and asks the provider.
 *
 *  Returns LLMK_E_UNSUPPORTED when the table has no kv_get or kv_put,
 *  and in a build without the response cache (-Dresponse_cache=disabled,
 *  the default of a reduced build, docs/FIRMWARE.md), LLMK_E_INVALID_ARG
 *  for a NULL client or a table too small to be one, LLMK_E_NOMEM. Set it
 *  before the client is shared between threads. */
LLMK_API llmk_status llmk_client_set_cache(llmk_client *client, const llmk_store *store);

#ifdef __cplusplus
}
#endif

#endif /* LLMKIT_H */
