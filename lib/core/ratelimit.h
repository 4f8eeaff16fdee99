/* Client-side rate limits (ratelimit.c): requests and tokens per minute
 * for one deployment (or API key, or a named limit), kept in the client's
 * own in-process store or in the store the program installed
 * (llmk_client_set_store()), and asked before every attempt goes out. */
#ifndef LLMK_CORE_RATELIMIT_H
#define LLMK_CORE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"

struct llmk_client;
struct llmk_request;
struct llmk_response;

/* The shared-state key of a deployment (client c, model: the request's or
 * NULL for the client's) for `what` ("rl", "cd", "busy"): provider, model
 * and a hash of the base URL without its userinfo; with per_key a hash of
 * the API key instead of the model. Printable, no spaces, under 224 bytes;
 * never the key itself. The router's cooldowns and the rate limits name a
 * deployment the same way. */
void llmk__deployment_key(const struct llmk_client *c, const char *model, int per_key, const char *what, char *out,
                          size_t cap);

/* The client's rate-limit state (created on first use). */
typedef struct llmk__rl llmk__rl;
void llmk__rl_free(llmk__rl *rl);

/* What one job took from the limits: the keys it used and the tokens it
 * recorded, to correct by the usage reported; the time waited so far. */
typedef struct llmk__rl_ticket {
	int active;       /* the client has a limit */
	int64_t estimate; /* tokens recorded for the attempt in flight (0: none) */
	double waited;    /* ms spent waiting, over every attempt */
	double wait_from; /* llmk__now_ms() when the current wait began (0: none) */
	char key[224];    /* "<base>" of the limits, without the ":r" / ":t" suffix */
} llmk__rl_ticket;

enum { LLMK__RL_GO = 0, LLMK__RL_WAIT = 1, LLMK__RL_FAIL = 2 };
/* Asks for room for one attempt of `body_len` bytes (the estimate: bytes /
 * 4 tokens). GO: recorded, send it. WAIT: *wait_ms until there may be
 * room (ask again then). FAIL: resp carries LLMK_E_RATE_LIMITED naming the
 * limit (fail fast, or a wait past rate_limit_max_wait_ms or the
 * deadline: elapsed_ms is the job's time so far). */
int llmk__rl_take(const struct llmk_client *c, const struct llmk_request *req, size_t body_len, double elapsed_ms,
                  llmk__rl_ticket *t, struct llmk_response *resp, int64_t *wait_ms);
/* The attempt ended: the estimate is replaced by the usage reported. */
void llmk__rl_settle(const struct llmk_client *c, llmk__rl_ticket *t, const struct llmk_response *resp);

#endif
