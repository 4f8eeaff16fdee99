/* A build without shared state (-Dshared_state=disabled, or a reduced
 * firmware build where auto leaves it out): no limit is ever applied and
 * the calls that would install one answer LLMK_E_UNSUPPORTED (setting a
 * rate_limit_* option too: client.c). */
#include "client.h"
#include "ratelimit.h"

void llmk__rl_free(llmk__rl *rl)
{
	(void)rl;
}

void llmk__deployment_key(const llmk_client *c, const char *model, int per_key, const char *what, char *out, size_t cap)
{
	(void)c, (void)model, (void)per_key, (void)what;
	if (cap)
		out[0] = '\0';
}

int llmk__rl_take(const llmk_client *c, const llmk_request *req, size_t body_len, double elapsed_ms, llmk__rl_ticket *t,
                  llmk_response *resp, int64_t *wait_ms)
{
	(void)c, (void)req, (void)body_len, (void)elapsed_ms, (void)resp;
	t->estimate = 0;
	*wait_ms = 0;
	return LLMK__RL_GO;
}

void llmk__rl_settle(const llmk_client *c, llmk__rl_ticket *t, const llmk_response *resp)
{
	(void)c, (void)t, (void)resp;
}

llmk_status llmk_client_set_store(llmk_client *c, const llmk_store *s)
{
	(void)s;
	if (!c)
		return LLMK_E_INVALID_ARG;
	return llmk__client_err(c, LLMK_E_UNSUPPORTED,
	                        "this build has no rate limits or shared state (-Dshared_state)");
}
