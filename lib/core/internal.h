/* Private definitions shared by lib/. Nothing here is part of the ABI. */
#ifndef LLMK_INTERNAL_H
#define LLMK_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"
#include "core/alloc.h"
#include "core/buf.h"

#define LLMK_ERRMSG_MAX 512
#define LLMK_MAX_STOP 4
#define LLMK_DEFAULT_MAX_RESPONSE (64u * 1024u * 1024u)
#define LLMK_DEFAULT_MAX_LINE (4u * 1024u * 1024u)
#define LLMK_MAX_HEADERS 256
#define LLMK_MAX_HEADER_BYTES (64u * 1024u)

/* ---- options ---------------------------------------------------------- */

/* Slots: option id % 1000 indexes a per-type array. */
#define LLMK_STR_SLOTS 32
#define LLMK_I64_SLOTS 32 /* i64_set is a 32-bit mask */
#define LLMK_F64_SLOTS 8

enum { LLMK_SCOPE_C = 1, LLMK_SCOPE_R = 2, LLMK_SCOPE_CR = 3 };

typedef struct llmk_optinfo {
	int32_t id;
	const char *name;
	int scope;
	unsigned kinds; /* bit (1 << kind) for request options; 0 = any */
} llmk_optinfo;

const llmk_optinfo *llmk__option_info(int32_t id);
/* Checks an option id for a setter of `type` and `scope` (and, for request
 * options, the request kind; 0 = skip); on failure writes why into err. */
llmk_status llmk__option_check(int32_t id, int type, int scope, int32_t kind, char *err, size_t errlen);
/* Slot index of an option within its type's array, or -1. */
int llmk__option_slot(int32_t id);

/* Bit of a request option in a provider's option mask (llmk_provider.opts):
 * strings 0..31, integers 32..47, doubles 48..63. */
#define LLMK__OPT_BIT(id) ((id) / 1000 == 1 ? (id) % 1000 : (id) / 1000 == 2 ? 32 + (id) % 1000 : 48 + (id) % 1000)
#define LLMK__OPT(NAME) (UINT64_C(1) << LLMK__OPT_BIT(LLMK_OPT_##NAME))

/* ---- conversation ----------------------------------------------------- */

typedef struct llmk_part {
	int type;
	char *text;   /* TEXT: text; IMAGE_URL: url; TOOL_CALL: arguments JSON */
	char *detail; /* IMAGE_URL: detail; TOOL_CALL: function name */
	char *id;     /* TOOL_CALL: call id */
} llmk_part;

typedef struct llmk_message {
	int32_t role;
	char *tool_call_id; /* role TOOL */
	llmk_part *parts;
	size_t nparts, cap;
} llmk_message;

typedef struct llmk_tool {
	char *name;
	char *description;
	char *parameters; /* JSON text, validated */
} llmk_tool;

struct llmk_request {
	int32_t kind;
	llmk_message *msgs;
	size_t nmsgs, msgcap;
	llmk_tool *tools;
	size_t ntools, toolcap;
	char **inputs;
	size_t ninputs, inputcap;
	char *stops[LLMK_MAX_STOP];
	size_t nstops;
	char *str[LLMK_STR_SLOTS];
	int64_t i64[LLMK_I64_SLOTS];
	double f64[LLMK_F64_SLOTS];
	uint32_t i64_set, f64_set;
	uint8_t *audio;
	size_t audio_len;
	char *audio_name, *audio_mime;
	char *extra_json;
	llmk_cancel *cancel; /* not owned */
	char errmsg[LLMK_ERRMSG_MAX];
};

/* Request option accessors: NULL / 0 when not set. */
const char *llmk__req_str(const llmk_request *r, int32_t opt);
int llmk__req_i64(const llmk_request *r, int32_t opt, int64_t *out);
int llmk__req_f64(const llmk_request *r, int32_t opt, double *out);

/* ---- response ----------------------------------------------------------- */

typedef struct llmk_tool_call {
	llmk_buf id, name, args;
} llmk_tool_call;

typedef struct llmk_image {
	uint8_t *data;
	size_t len;
	char *url;
	char *revised_prompt;
} llmk_image;

typedef struct llmk_segment {
	double start, end;
	char *text;
} llmk_segment;

typedef struct llmk_header {
	char *name, *value;
} llmk_header;

struct llmk_response {
	llmk_status status;
	int32_t http_status;
	char *error, *error_type, *error_code;
	char *request_id, *model, *finish_reason, *audio_mime, *dropped;
	char *deployment, *tried; /* set by a router */
	char *provider, *req_model; /* who was asked for what (prices) */
	int32_t finish;
	int32_t attempts;
	int64_t retry_after_ms;
	llmk_buf text, reasoning, raw;
	int64_t usage[8];
	double timing[4];
	llmk_tool_call *calls;
	size_t ncalls, callcap;
	float *emb;
	size_t nemb, dim;
	llmk_image *images;
	size_t nimages;
	uint8_t *audio;
	size_t audio_len;
	double duration;
	llmk_segment *segments;
	size_t nsegments;
	/* Response headers, all in one buffer: "name\0value\0" each (one
	 * allocation instead of two per header). */
	llmk_buf headers;
	size_t nheaders;
	size_t header_bytes; /* names and values, against LLMK_MAX_HEADER_BYTES */
};

llmk_response *llmk__response_new(void);
/* Records a failure: status and a formatted message (printf-style). The
 * first failure wins, so the root cause is not overwritten by fallout. */
llmk_status llmk__fail(llmk_response *resp, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* Replaces a string field; returns LLMK_E_NOMEM on failure. */
llmk_status llmk__set_field(char **field, const char *value);
llmk_status llmk__set_fieldn(char **field, const char *value, size_t n);
llmk_tool_call *llmk__response_tool_call(llmk_response *resp, size_t index);
/* Records the provider's finish value and its LLMK_FINISH_* mapping (one
 * table for every provider's vocabulary, in response.c). */
llmk_status llmk__set_finish(llmk_response *resp, const char *raw);
int32_t llmk__finish_map(const char *raw);
const char *llmk__response_header(const llmk_response *resp, const char *name);

/* ---- client --------------------------------------------------------------- */

struct llmk_provider;

struct llmk_client {
	const struct llmk_provider *provider;
	struct llmk_user_provider *user_provider; /* registered by the program, or NULL */
	char *model;
	char *base_url;
	char *api_key; /* sodium_malloc'd, read-only, wiped by sodium_free */
	/* AWS SigV4 credentials (bedrock), guarded like api_key; the access key
	 * id is not secret and lives in str[]. */
	char *aws_secret, *aws_token;
	char *str[LLMK_STR_SLOTS];
	int64_t i64[LLMK_I64_SLOTS];
	double f64[LLMK_F64_SLOTS];
	uint32_t i64_set, f64_set;
	llmk_transport transport;
	void *transport_user;
	int custom_transport;
	llmk_log_fn log_fn;
	void *log_user;
	int32_t log_level;
	char errmsg[LLMK_ERRMSG_MAX];
};

const char *llmk__client_str(const llmk_client *c, int32_t opt);
int64_t llmk__client_i64(const llmk_client *c, int32_t opt, int64_t dflt);

/* ---- exchange ------------------------------------------------------------- */

typedef struct llmk_exchange_sink {
	/* Return 0 to continue, non-zero to stop the transfer. */
	int (*status)(void *ctx, int32_t http_status);
	int (*header)(void *ctx, const char *name, const char *value);
	int (*body)(void *ctx, const uint8_t *data, size_t len);
	void *ctx;
} llmk_exchange_sink;

struct llmk_exchange {
	const char *method;
	char *url;
	llmk_header *headers; /* values may hold credentials: wiped on free */
	size_t nheaders, headercap;
	llmk_buf body;
	int64_t timeout_ms, connect_timeout_ms, idle_timeout_ms;
	llmk_exchange_sink sink;
	int stopped; /* the sink asked to stop */
	const llmk_cancel *cancel; /* the request's flag, or NULL */
	char errmsg[LLMK_ERRMSG_MAX];
};

void llmk__exchange_init(llmk_exchange *ex);
void llmk__exchange_clear(llmk_exchange *ex);
llmk_status llmk__exchange_set_url(llmk_exchange *ex, const char *base, const char *path);
llmk_status llmk__exchange_header(llmk_exchange *ex, const char *name, const char *value);

/* ---- streaming ------------------------------------------------------------ */

struct llmk_event {
	int32_t type;
	const char *text;
	size_t text_len;
	int32_t tool_index;
	const char *tool_id, *tool_name;
	const int64_t *usage;
};

typedef struct llmk_stream_ctx {
	llmk_response *resp;
	llmk_stream_fn fn;
	void *user;
	int done;     /* the provider signalled the end of the stream */
	int cancelled;
	int delivered; /* an event reached the caller */
	double t0;
	/* Scratch for adapters that keep state across events (e.g. Anthropic's
	 * content-block index -> tool-call index). Zeroed per request. */
	int64_t state[8];
	const llmk_request *req;
	const char *provider_name;
} llmk_stream_ctx;

/* Append to the response and tell the caller. Return non-zero to stop. */
int llmk__emit_text(llmk_stream_ctx *s, const char *text, size_t len);
int llmk__emit_reasoning(llmk_stream_ctx *s, const char *text, size_t len);
int llmk__emit_tool(llmk_stream_ctx *s, size_t index, const char *id, const char *name, const char *args,
                    size_t args_len);
int llmk__emit_usage(llmk_stream_ctx *s);
int llmk__emit_done(llmk_stream_ctx *s);

/* ---- providers -------------------------------------------------------- */

enum {
	LLMK_Q_KEY_OPTIONAL = 1u << 0,      /* local servers: no key needed */
	LLMK_Q_LEGACY_MAX_TOKENS = 1u << 1, /* send max_tokens, not max_completion_tokens */
	LLMK_Q_NO_STREAM_OPTIONS = 1u << 2, /* rejects stream_options (Mistral, ...) */
	LLMK_Q_TOOL_CHOICE_ANY = 1u << 3,   /* "any" instead of "required" (Mistral) */
	LLMK_Q_RANDOM_SEED = 1u << 4,       /* "random_seed" instead of "seed" (Mistral) */
	LLMK_Q_AZURE = 1u << 5,             /* Azure URL shape, api-key header, api-version */
	LLMK_Q_TGI = 1u << 6,               /* Hugging Face text-generation-inference server */
	LLMK_Q_TEI = 1u << 7,               /* Hugging Face text-embeddings-inference server */
	LLMK_Q_HOST_ENV = 1u << 8,          /* url_env holds host[:port] (OLLAMA_HOST) */
	LLMK_Q_DEVELOPER_ROLE = 1u << 9,    /* knows the "developer" role (else sent as system) */
	LLMK_Q_AWS = 1u << 10,              /* AWS credentials and region from the environment (bedrock) */
};

/* How a chat stream is framed on the wire. */
enum { LLMK_FRAMING_SSE = 0, LLMK_FRAMING_NDJSON = 1, LLMK_FRAMING_EVENTSTREAM = 2 };

typedef struct llmk_adapter {
	/* Fills the exchange (method, URL, headers, body) for a request. */
	llmk_status (*build)(const llmk_client *c, const llmk_request *r, const char *model, int stream,
	                     llmk_exchange *ex, llmk_response *resp);
	/* Parses a complete 2xx body. */
	llmk_status (*parse)(const llmk_client *c, const llmk_request *r, llmk_response *resp,
	                     const char *content_type, const char *body, size_t len);
	/* Fills error fields from a non-2xx body and returns the status. */
	llmk_status (*parse_error)(llmk_response *resp, int32_t http_status, const char *body, size_t len);
	/* Handles one decoded event of a chat stream: an SSE event (name, or
	 * NULL when it had none, and data), or one NDJSON line (event NULL).
	 * Set s->done when the provider signals the end. */
	llmk_status (*stream_event)(llmk_stream_ctx *s, const char *event, const char *data, size_t len);
	int framing; /* LLMK_FRAMING_* of 2xx chat streams */
} llmk_adapter;

typedef struct llmk_provider {
	const char *name;
	const char *base_url;
	const char *key_env;  /* API key variable */
	const char *key_env2; /* alternative key variable, or NULL */
	const char *url_env;  /* base URL variable */
	unsigned quirks;      /* LLMK_Q_* */
	const llmk_adapter *adapter;
	unsigned kinds;       /* 1 << LLMK_CHAT | ... */
	unsigned chat_caps;   /* LLMK_CAP_* for chat (LLMK_CAP_KIND implied) */
	unsigned embed_caps;  /* LLMK_CAP_* for embed (LLMK_CAP_BATCH) */
	uint64_t opts;        /* request options honoured: LLMK__OPT(NAME) bits */
	const char *notes;    /* one line for docs/PROVIDERS.md */
} llmk_provider;

const llmk_provider *llmk__provider_find(const char *name, size_t len);
size_t llmk__provider_builtin_count(void);
const llmk_provider *llmk__provider_builtin(size_t i);
/* A provider registered by the program (core/provider.c); refcounted so an
 * unregister cannot free it under a live client. */
struct llmk_user_provider;
struct llmk_user_provider *llmk__user_provider_get(const char *name, size_t len);
void llmk__user_provider_put(struct llmk_user_provider *up);
const char *llmk__user_provider_name(const struct llmk_user_provider *up);
const llmk_provider *llmk__user_provider_row(const struct llmk_user_provider *up);
const llmk_provider_table *llmk__user_provider_table(const struct llmk_user_provider *up);
void *llmk__user_provider_user(const struct llmk_user_provider *up);
/* Runs a request through a registered provider (send.c). */
llmk_status llmk__user_provider_send(struct llmk_user_provider *up, const llmk_request *r, const char *model,
                                     llmk_stream_ctx *s, int stream);

extern const llmk_adapter llmk__openai_adapter;
extern const llmk_adapter llmk__anthropic_adapter;
extern const llmk_adapter llmk__gemini_adapter;
extern const llmk_adapter llmk__ollama_adapter;
extern const llmk_adapter llmk__cohere_adapter;
extern const llmk_adapter llmk__huggingface_adapter;
extern const llmk_adapter llmk__whispercpp_adapter;
extern const llmk_adapter llmk__bedrock_adapter;

/* ---- helpers ---------------------------------------------------------- */

double llmk__now_ms(void);
/* Maps an HTTP status to the generic status table. */
llmk_status llmk__status_from_http(int32_t http_status);
/* Secret storage (libsodium guarded memory). */
llmk_status llmk__secret_set(char **slot, const char *value);
void llmk__secret_free(char **slot);
/* 1 when the JSON text nests arrays/objects deeper than max (strings and
 * escapes are skipped; not a validator). Linear, no allocation. */
int llmk__json_too_deep(const char *text, size_t len, size_t max);
/* An HTTP-date (RFC 9110 5.6.7: IMF-fixdate, RFC 850 or asctime form) as
 * seconds since the epoch. Locale-independent. 0, or -1 if malformed. */
int llmk__http_date(const char *s, int64_t *epoch);
/* Percent-encodes everything but RFC 3986 unreserved characters (for
 * model names and deployments placed in URL paths). */
char *llmk__url_escape(const char *s);
/* A fresh tool-call id "call_" + 24 hex digits (NUL-terminated). */
void llmk__new_call_id(char out[32]);
/* Wipes then frees ordinary heap memory that may have held a secret. */
void llmk__free_wiped(char *p);
/* ---- jobs (send.c): one request through its attempts, step by step ----- */

typedef struct llmk__job llmk__job;
enum {
	LLMK__JOB_DONE = 0,     /* the response is final: take it */
	LLMK__JOB_TRANSFER = 1, /* perform llmk__job_exchange() with the client's transport */
	LLMK__JOB_WAIT = 2,     /* call llmk__job_wake() at llmk__job_wake_at() */
	LLMK__JOB_NOMEM = 3     /* not even a response could be allocated */
};
/* Starts a request (streamed when fn != NULL) in mem (the memory of a job
 * taken with keep, or NULL to allocate); returns the job's state. *out is
 * NULL only when allocating the job failed (LLMK__JOB_NOMEM). */
int llmk__job_start(llmk__job **out, llmk__job *mem, llmk_client *c, const llmk_request *req, llmk_stream_fn fn,
                    void *user);
/* The transfer of llmk__job_exchange() ended with transport status st. */
int llmk__job_transferred(llmk__job *j, llmk_status st);
/* The wait is over (or the cancel flag went up): next attempt. */
int llmk__job_wake(llmk__job *j);
llmk_exchange *llmk__job_exchange(llmk__job *j);
double llmk__job_wake_at(const llmk__job *j);
const llmk_cancel *llmk__job_cancel(const llmk__job *j);
/* Hands over the job's response (an attempt still in progress ends as
 * cancelled) and frees the job, or with keep leaves its memory to the
 * caller for the next llmk__job_start() (a job is a few KiB: above what
 * malloc keeps in its fast per-thread caches) or llmk__job_free(). */
llmk_response *llmk__job_take(llmk__job *j, int keep);
void llmk__job_free(llmk__job *mem);

/* Queues a response that is already final (e.g. a router with every
 * deployment cooling): on_done gets it from a perform, as for any request. */
llmk_status llmk__multi_add_ready(llmk_multi *m, llmk_response *r, llmk_done_fn done, void *user);

/* The multi driver of the curl transport (curl.c), for llmk_multi. */
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

/* Built-in transport (lib/transport/curl.c); send == NULL if built without. */
extern const llmk_transport llmk__curl_transport;
void *llmk__curl_transport_new(void);

#endif
