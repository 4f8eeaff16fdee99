/* llmk_count_tokens(): a chat request sent as a token count. The engine
 * runs it like any request (retries, limits, transports, logs) on a shallow
 * view of the caller's request whose kind is LLMK__COUNT_TOKENS: the row's
 * kind bit says who can count, and each adapter that can turns it into its
 * counting endpoint (lib/providers/tokens.c). */
#include "request.h"
#include "response.h"

llmk_status llmk_count_tokens(llmk_client *c, const llmk_request *r, int64_t *tokens, llmk_response **out)
{
	llmk_request view;
	llmk_response *resp = NULL;
	llmk_status st;

	if (out)
		*out = NULL;
	if (!c || !r || !tokens)
		return LLMK_E_INVALID_ARG;
	*tokens = -1;
	if (r->kind != LLMK_CHAT)
		return LLMK_E_INVALID_ARG;
	view = *r;
	view.kind = LLMK__COUNT_TOKENS;
	st = llmk_send(c, &view, &resp);
	if (st == LLMK_OK && resp && resp->usage[LLMK_USAGE_INPUT] < 0)
		st = llmk__fail(resp, LLMK_E_PROTOCOL, "the token count answer holds no count");
	if (st == LLMK_OK)
		*tokens = resp->usage[LLMK_USAGE_INPUT];
	if (out)
		*out = resp;
	else
		llmk_response_free(resp);
	return st;
}
