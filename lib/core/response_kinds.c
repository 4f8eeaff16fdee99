/* The answers of rerank and moderation requests: their accessors and
 * their release. Adapters fill resp->ranks and resp->mods (the providers
 * layer's rerank.c and moderation.c). */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "response.h"

void llmk__response_kinds_free(llmk_response *r)
{
	size_t i, j;

	for (i = 0; i < r->nranks; i++)
		llmk__free(r->ranks[i].document);
	llmk__free(r->ranks);
	for (i = 0; i < r->nmods; i++) {
		for (j = 0; j < r->mods[i].ncats; j++) {
			llmk__free(r->mods[i].cats[j].name);
			llmk__free(r->mods[i].cats[j].inputs);
		}
		llmk__free(r->mods[i].cats);
	}
	llmk__free(r->mods);
	r->ranks = NULL;
	r->mods = NULL;
	r->nranks = r->nmods = 0;
}

size_t llmk_response_rank_count(const llmk_response *r)
{
	return r ? r->nranks : 0;
}

int64_t llmk_response_rank_index(const llmk_response *r, size_t i)
{
	return r && i < r->nranks ? (int64_t)r->ranks[i].index : -1;
}

double llmk_response_rank_score(const llmk_response *r, size_t i)
{
	return r && i < r->nranks ? r->ranks[i].score : NAN;
}

const char *llmk_response_rank_document(const llmk_response *r, size_t i)
{
	return r && i < r->nranks ? r->ranks[i].document : NULL;
}

size_t llmk_response_moderation_count(const llmk_response *r)
{
	return r ? r->nmods : 0;
}

int32_t llmk_response_moderation_flagged(const llmk_response *r, size_t i)
{
	return r && i < r->nmods ? r->mods[i].flagged : -1;
}

size_t llmk_response_moderation_category_count(const llmk_response *r, size_t i)
{
	return r && i < r->nmods ? r->mods[i].ncats : 0;
}

/* Category `name` (or, with name NULL, number j) of result i, or NULL. */
static const llmk__category *category(const llmk_response *r, size_t i, const char *name, size_t j)
{
	const llmk__moderation *m;
	size_t k;

	if (!r || i >= r->nmods)
		return NULL;
	m = &r->mods[i];
	if (!name)
		return j < m->ncats ? &m->cats[j] : NULL;
	for (k = 0; k < m->ncats; k++)
		if (!strcmp(m->cats[k].name, name))
			return &m->cats[k];
	return NULL;
}

const char *llmk_response_moderation_category_name(const llmk_response *r, size_t i, size_t j)
{
	const llmk__category *c = category(r, i, NULL, j);
	return c ? c->name : NULL;
}

int32_t llmk_response_moderation_category_flagged(const llmk_response *r, size_t i, const char *name, size_t j)
{
	const llmk__category *c = category(r, i, name, j);
	return c ? c->flagged : -1;
}

double llmk_response_moderation_category_score(const llmk_response *r, size_t i, const char *name, size_t j)
{
	const llmk__category *c = category(r, i, name, j);
	return c ? c->score : NAN;
}

const char *llmk_response_moderation_category_inputs(const llmk_response *r, size_t i, const char *name, size_t j)
{
	const llmk__category *c = category(r, i, name, j);
	return c ? c->inputs : NULL;
}
