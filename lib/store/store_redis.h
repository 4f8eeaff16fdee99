/* The Redis store's URL (store_redis_url.c), parsed apart from hiredis so
 * that every build checks it the same way and unit tests reach it. */
#ifndef LLMK_STORE_REDIS_H
#define LLMK_STORE_REDIS_H

#include <stdint.h>

#include "llmkit.h"

typedef struct llmk__redis_url {
	char host[256];
	int port, db, tls;
	char *user, *password; /* percent-decoded, heap (wiped by _clear) */
	char prefix[65];
	int64_t timeout_ms, connect_timeout_ms;
	int pool; /* most connections at once */
} llmk__redis_url;

/* redis://[[user]:password@]host[:port][/db][?prefix=&db=&timeout_ms=&connect_timeout_ms=&pool=]
 * or rediss:// (tls set). LLMK_E_INVALID_ARG for anything else; LLMK_E_NOMEM.
 * Call _clear afterwards whatever it returned. */
llmk_status llmk__redis_url_parse(const char *url, llmk__redis_url *u);
void llmk__redis_url_clear(llmk__redis_url *u);

#endif
