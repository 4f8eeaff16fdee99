/* What image, audio and choice answers add to a response: timed words,
 * token log probabilities, the choices after the first, images appended
 * one by one (streams), with their accessors. */
#include <string.h>

#include "alloc.h"
#include "response.h"

#define S(x) ((x) ? (x) : "")

void llmk__response_media_free(llmk_response *r)
{
	size_t i, j;

	for (i = 0; i < r->nwords; i++)
		llmk__free(r->words[i].text);
	llmk__free(r->words);
	for (i = 0; i < r->nlogprobs; i++) {
		llmk__free(r->logprobs[i].token);
		for (j = 0; j < r->logprobs[i].ntop; j++)
			llmk__free(r->logprobs[i].top[j].token);
		llmk__free(r->logprobs[i].top);
	}
	llmk__free(r->logprobs);
	for (i = 0; i < r->nchoices; i++) {
		llmk__buf_free(&r->choices[i].text);
		llmk__free(r->choices[i].finish_reason);
	}
	llmk__free(r->choices);
	llmk__buf_free(&r->stream_audio);
}

llmk__logprob *llmk__response_logprob(llmk_response *r, const char *token, size_t token_len, double logprob, size_t max)
{
	llmk__logprob *lp;
	size_t cap;

	if (r->nlogprobs >= max) {
		llmk__fail(r, LLMK_E_TOO_LARGE, "the answer has more than %zu log probabilities", max);
		return NULL;
	}
	if (r->nlogprobs == r->logprobcap) {
		cap = r->logprobcap ? r->logprobcap * 2 : 16;
		lp = llmk__realloc(r->logprobs, cap * sizeof(*lp));
		if (!lp)
			goto oom;
		r->logprobs = lp;
		r->logprobcap = cap;
	}
	lp = &r->logprobs[r->nlogprobs];
	memset(lp, 0, sizeof(*lp));
	if (!(lp->token = llmk__malloc(token_len + 1)))
		goto oom;
	memcpy(lp->token, token, token_len);
	lp->token[token_len] = '\0';
	lp->logprob = logprob;
	r->nlogprobs++;
	return lp;
oom:
	llmk__fail(r, LLMK_E_NOMEM, "out of memory reading log probabilities");
	return NULL;
}

llmk__extra_choice *llmk__response_choice(llmk_response *r, size_t i, size_t max)
{
	llmk__extra_choice *grown;

	if (i == 0 || i >= max) {
		llmk__fail(r, LLMK_E_PROTOCOL, "choice index %zu out of range (at most %zu choices)", i, max);
		return NULL;
	}
	if (i > r->nchoices) {
		grown = llmk__realloc(r->choices, i * sizeof(*grown));
		if (!grown) {
			llmk__fail(r, LLMK_E_NOMEM, "out of memory reading choices");
			return NULL;
		}
		memset(grown + r->nchoices, 0, (i - r->nchoices) * sizeof(*grown));
		r->choices = grown;
		r->nchoices = i;
	}
	return &r->choices[i - 1];
}

llmk_status llmk__response_add_image(llmk_response *r, uint8_t *data, size_t len, size_t max)
{
	llmk__image *grown;

	if (r->nimages >= max) {
		llmk__free(data);
		return llmk__fail(r, LLMK_E_TOO_LARGE, "the answer has more than %zu images", max);
	}
	grown = llmk__realloc(r->images, (r->nimages + 1) * sizeof(*grown));
	if (!grown) {
		llmk__free(data);
		return llmk__fail(r, LLMK_E_NOMEM, "out of memory receiving an image");
	}
	r->images = grown;
	memset(&r->images[r->nimages], 0, sizeof(*grown));
	r->images[r->nimages].data = data;
	r->images[r->nimages].len = len;
	r->nimages++;
	return LLMK_OK;
}

/* ---- accessors ------------------------------------------------------------ */

size_t llmk_response_word_count(const llmk_response *r)
{
	return r ? r->nwords : 0;
}

double llmk_response_word_start(const llmk_response *r, size_t i)
{
	return r && i < r->nwords ? r->words[i].start : -1;
}

double llmk_response_word_end(const llmk_response *r, size_t i)
{
	return r && i < r->nwords ? r->words[i].end : -1;
}

const char *llmk_response_word_text(const llmk_response *r, size_t i)
{
	return r && i < r->nwords ? S(r->words[i].text) : NULL;
}

size_t llmk_response_choice_count(const llmk_response *r)
{
	if (!r)
		return 0;
	if (r->nchoices)
		return r->nchoices + 1;
	return r->has_choice || r->text.len || r->finish_reason || r->ncalls ? 1 : 0;
}

const char *llmk_response_choice_text(const llmk_response *r, size_t i)
{
	if (!r || i >= llmk_response_choice_count(r))
		return NULL;
	if (i == 0)
		return S(r->text.data);
	return S(r->choices[i - 1].text.data);
}

const char *llmk_response_choice_finish_reason(const llmk_response *r, size_t i)
{
	if (!r || i >= llmk_response_choice_count(r))
		return NULL;
	return i == 0 ? S(r->finish_reason) : S(r->choices[i - 1].finish_reason);
}

size_t llmk_response_logprob_count(const llmk_response *r)
{
	return r ? r->nlogprobs : 0;
}

const char *llmk_response_logprob_token(const llmk_response *r, size_t i)
{
	return r && i < r->nlogprobs ? r->logprobs[i].token : NULL;
}

double llmk_response_logprob(const llmk_response *r, size_t i)
{
	return r && i < r->nlogprobs ? r->logprobs[i].logprob : 0;
}

size_t llmk_response_top_logprob_count(const llmk_response *r, size_t i)
{
	return r && i < r->nlogprobs ? r->logprobs[i].ntop : 0;
}

const char *llmk_response_top_logprob_token(const llmk_response *r, size_t i, size_t j)
{
	return j < llmk_response_top_logprob_count(r, i) ? r->logprobs[i].top[j].token : NULL;
}

double llmk_response_top_logprob(const llmk_response *r, size_t i, size_t j)
{
	return j < llmk_response_top_logprob_count(r, i) ? r->logprobs[i].top[j].logprob : 0;
}
