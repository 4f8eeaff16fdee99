/* The interface between the engine and the wire formats: a provider row
 * (name, endpoint, environment, quirks, what it serves) and the adapter it
 * points at (build a request, parse an answer, an error, a stream event).
 * The providers layer fills rows; the engine only calls through them. */
#ifndef LLMK_CORE_ADAPTER_H
#define LLMK_CORE_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"
#include "client.h"
#include "exchange.h"
#include "request.h"
#include "response.h"
#include "stream.h"

enum {
	LLMK_Q_KEY_OPTIONAL = 1u << 0,        /* local servers: no key needed */
	LLMK_Q_LEGACY_MAX_TOKENS = 1u << 1,   /* send max_tokens, not max_completion_tokens */
	LLMK_Q_NO_STREAM_OPTIONS = 1u << 2,   /* rejects stream_options (Mistral, ...) */
	LLMK_Q_TOOL_CHOICE_ANY = 1u << 3,     /* "any" instead of "required" (Mistral) */
	LLMK_Q_RANDOM_SEED = 1u << 4,         /* "random_seed" instead of "seed" (Mistral) */
	LLMK_Q_AZURE = 1u << 5,               /* Azure URL shape, api-key header, api-version */
	LLMK_Q_TGI = 1u << 6,                 /* Hugging Face text-generation-inference server */
	LLMK_Q_TEI = 1u << 7,                 /* Hugging Face text-embeddings-inference server */
	LLMK_Q_HOST_ENV = 1u << 8,            /* url_env holds host[:port] (OLLAMA_HOST) */
	LLMK_Q_DEVELOPER_ROLE = 1u << 9,      /* knows the "developer" role (else sent as system) */
	LLMK_Q_AWS = 1u << 10,                /* AWS credentials and region from the environment (bedrock) */
	LLMK_Q_RS_RESPONSE_FORMAT = 1u << 11, /* Responses API server that reads Chat Completions' response_format,
	                                         not text.format (llama-server b11434): send both */
	/* Embeddings asked as base64 (little-endian float32), a quarter of the
	 * bytes of decimal text and far cheaper to read; only where the server
	 * is known to accept it (others get "float"). A high bit: far from the
	 * ones other work adds next. */
	LLMK_Q_EMBED_BASE64 = 1u << 20,
};

struct llmk__batch_ops;

/* How a chat stream is framed on the wire. */
enum { LLMK_FRAMING_SSE = 0, LLMK_FRAMING_NDJSON = 1, LLMK_FRAMING_EVENTSTREAM = 2 };

typedef struct llmk__adapter {
	/* Fills the exchange (method, URL, headers, body) for a request. */
	llmk_status (*build)(const llmk_client *c, const llmk_request *r, const char *model, int stream,
	                     llmk_exchange *ex, llmk_response *resp);
	/* Parses a complete 2xx body. */
	llmk_status (*parse)(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *content_type,
	                     const char *body, size_t len);
	/* Fills error fields from a non-2xx body and returns the status. */
	llmk_status (*parse_error)(llmk_response *resp, int32_t http_status, const char *body, size_t len);
	/* Handles one decoded event of a chat stream: an SSE event (name, or
	 * NULL when it had none, and data), or one NDJSON line (event NULL).
	 * Set s->done when the provider signals the end. */
	llmk_status (*stream_event)(llmk__stream_ctx *s, const char *event, const char *data, size_t len);
	int framing;       /* LLMK_FRAMING_* of 2xx chat streams */
	int64_t feature;   /* the LLMK_FEATURE_* bit of this wire format */
	size_t state_size; /* bytes of llmk__stream_ctx.state the engine zeroes for each streamed attempt (0: none) */
	const struct llmk__batch_ops *batch; /* the format's batch API (batch.h), or NULL */
} llmk__adapter;

typedef struct llmk__provider {
	const char *name;
	const char *base_url;
	const char *key_env;  /* API key variable */
	const char *key_env2; /* alternative key variable, or NULL */
	const char *url_env;  /* base URL variable */
	unsigned quirks;      /* LLMK_Q_* */
	const llmk__adapter *adapter;
	unsigned kinds;      /* 1 << LLMK_CHAT | ... */
	unsigned chat_caps;  /* LLMK_CAP_* for chat (LLMK_CAP_KIND implied) */
	unsigned embed_caps; /* LLMK_CAP_* for embed (LLMK_CAP_BATCH) */
	uint64_t opts;       /* request options honoured: LLMK__OPT(NAME) bits */
	unsigned media_caps; /* LLMK_CAP_* for image, transcribe, speech: STREAM (llmk_stream() streams them),
	                        IMAGE_EDIT, IMAGE_VARIATION */
	const char *notes;   /* one line for docs/PROVIDERS.md, or NULL */
} llmk__provider;

/* Providers implemented by the program (userprov.c): a registry of rows
 * with a callback table; refcounted so an unregister cannot free one under
 * a live client. */
struct llmk__user_provider;
struct llmk__user_provider *llmk__user_provider_get(const char *name, size_t len);
void llmk__user_provider_put(struct llmk__user_provider *up);
const char *llmk__user_provider_name(const struct llmk__user_provider *up);
const llmk__provider *llmk__user_provider_row(const struct llmk__user_provider *up);
const llmk_provider_table *llmk__user_provider_table(const struct llmk__user_provider *up);
void *llmk__user_provider_user(const struct llmk__user_provider *up);
/* The row of a registered provider by name, or NULL. */
const llmk__provider *llmk__user_provider_find(const char *name);
size_t llmk__user_provider_count(void);
/* Name of the i-th registered provider (i < count), or NULL. */
const char *llmk__user_provider_at(size_t i);
/* Registers (taken: the name is a built-in provider's: LLMK_E_CONFIG once
 * the arguments are valid) / removes. */
llmk_status llmk__user_provider_add(const char *name, const llmk_provider_table *t, void *user, int taken);
llmk_status llmk__user_provider_remove(const char *name);
/* Runs a request through a registered provider (reply.c). */
llmk_status llmk__user_provider_send(struct llmk__user_provider *up, const llmk_request *r, const char *model,
                                     llmk__stream_ctx *s, int stream);

#endif
