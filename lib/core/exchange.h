/* One HTTP exchange: what adapters fill and transports carry (exchange.c). */
#ifndef LLMK_CORE_EXCHANGE_H
#define LLMK_CORE_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"
#include "buf.h"
#include "bounds.h"

typedef struct llmk__header {
	char *name, *value;
} llmk__header;

typedef struct llmk__exchange_sink {
	/* Return 0 to continue, non-zero to stop the transfer. */
	int (*status)(void *ctx, int32_t http_status);
	int (*header)(void *ctx, const char *name, const char *value);
	int (*body)(void *ctx, const uint8_t *data, size_t len);
	void *ctx;
} llmk__exchange_sink;

struct llmk_exchange {
	const char *method;
	char *url;
	llmk__header *headers; /* values may hold credentials: wiped on free */
	size_t nheaders, headercap;
	llmk__buf body;
	int64_t timeout_ms, connect_timeout_ms, idle_timeout_ms;
	const char *ca_file, *ca_dir; /* the client's ca_bundle / ca_dir, or NULL */
	llmk__exchange_sink sink;
	int stopped;               /* the sink asked to stop */
	const llmk_cancel *cancel; /* the request's flag, or NULL */
	/* Set by the multi while a transport's driver holds the exchange
	 * (multi_add() to llmk_exchange_done() / multi_remove()), NULL
	 * otherwise: llmk_exchange_done() calls it once and clears it. */
	void (*done)(void *ctx, int32_t status);
	void *done_ctx;
	char errmsg[LLMK_ERRMSG_MAX];
	/* A body read in pieces instead of held in `body` (a batch's file
	 * upload, streamed from disk: batch_http.c). body_read() fills buf and
	 * returns the bytes written, 0 at the end, (size_t)-1 when reading
	 * failed; body_read_len is the whole length. The built-in curl
	 * transport reads it in pieces; llmk_exchange_body() reads it all into
	 * `body` first for a transport that asks for the whole body. */
	size_t (*body_read)(void *ctx, uint8_t *buf, size_t cap);
	void *body_read_ctx;
	uint64_t body_read_len;
};

void llmk__exchange_init(llmk_exchange *ex);
void llmk__exchange_clear(llmk_exchange *ex);
/* Both refuse (LLMK_E_INVALID_ARG, ex->errmsg says so) a control character
 * in any part, and a header name that is empty or holds ':' or a space:
 * whatever an adapter builds, no extra header line or request line can
 * reach a transport. */
llmk_status llmk__exchange_set_url(llmk_exchange *ex, const char *base, const char *path);
llmk_status llmk__exchange_header(llmk_exchange *ex, const char *name, const char *value);

/* 1 when a Content-Type's media type (parameters ignored, any case) is
 * `type`, or starts with it when type ends in '/' (sink.c). */
int llmk__ctype_is(const char *ctype, const char *type);

#endif
