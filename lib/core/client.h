/* The client: provider, endpoint, credentials, options, transport (client.c). */
#ifndef LLMK_CORE_CLIENT_H
#define LLMK_CORE_CLIENT_H

#include <stdint.h>

#include "llmkit.h"
#include "bounds.h"
#include "options.h"

struct llmk__provider;
struct llmk__user_provider;

struct llmk_client {
	const struct llmk__provider *provider;
	struct llmk__user_provider *user_provider; /* registered by the program, or NULL */
	char *model;
	char *base_url;
	char *api_key; /* sodium_malloc'd, read-only, wiped by sodium_free */
	/* AWS SigV4 credentials (bedrock), guarded like api_key; the access key
	 * id is not secret and lives in str[]. */
	char *aws_secret, *aws_token;
	char *str[LLMK_STR_SLOTS];
	int64_t i64[LLMK_I64_SLOTS];
	double f64[LLMK_F64_SLOTS];
	uint64_t i64_set, f64_set; /* bit (1 << slot) */
	llmk_transport transport;
	void *transport_user;
	int custom_transport;
	/* Environment values refused at creation (a control character): the
	 * variable and the option that takes its place. Sending fails naming
	 * the variable until that option is set. */
	struct {
		const char *var;
		int32_t opt;
	} env_bad[8];
	size_t nenv_bad;
	/* Rate limits (ratelimit.c): created on first use, from any thread. */
	struct llmk__rl *rl;
	/* The response cache (cache.c): a copy of the store's table, NULL when
	 * off; its options (LLMK_OPT_CACHE*) live outside the slots. */
	llmk_store *cache;
	llmk__cache_opts cache_opts;
	llmk_log_fn log_fn;
	void *log_user;
	int32_t log_level;
	char errmsg[LLMK_ERRMSG_MAX];
};

const char *llmk__client_str(const llmk_client *c, int32_t opt);
int64_t llmk__client_i64(const llmk_client *c, int32_t opt, int64_t dflt);

/* A new client for provider row prov (up: the program's provider behind
 * it, whose reference the client takes over) and model name mdl, with the
 * endpoint and credentials the provider's environment variables give. No
 * transport yet. */
llmk_status llmk__client_create(llmk_client **out, const struct llmk__provider *prov, struct llmk__user_provider *up,
                                const char *mdl);
/* Replaces the client's transport (closing the old one); custom marks a
 * program's own. */
void llmk__client_install_transport(llmk_client *c, const llmk_transport *t, void *user, int custom);
/* LLMK_OK, or LLMK_E_INVALID_ARG recorded on resp when an environment
 * variable the client would have used was refused and no option took its
 * place: a request must not go out without it, nor with it. */
struct llmk_response;
llmk_status llmk__client_env_check(const llmk_client *c, struct llmk_response *resp);
/* Scrubs text of every secret the client holds (API key, AWS secret key
 * and session token, the base URL's password) with llmk__scrub() and
 * `flags` (LLMK_SCRUB_*); returns the new length. The one way core,
 * transports and cassettes clean what they hand out. */
size_t llmk__client_scrub(const llmk_client *c, char *text, size_t len, unsigned flags);
void llmk__client_scrub_str(const llmk_client *c, char *s, unsigned flags);
/* Scrubs every text field of a finished response that the library fills
 * from what the server said (error message, type, code, request id, model,
 * finish reason). The body, headers and the answer itself stay as
 * received. */
void llmk__response_scrub(struct llmk_response *resp, const llmk_client *c);
/* Formats c->errmsg and returns st. */
llmk_status llmk__client_err(llmk_client *c, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

#endif
