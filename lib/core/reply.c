/* Providers implemented by the program: the pipeline hands them the request
 * and an llmk_reply through which they build the response. Text given to a
 * streaming reply is delivered as events at once, through the same emitters
 * the built-in adapters use, so callers cannot tell the difference. */
#include <string.h>

#include "adapter.h"
#include "alloc.h"
#include "ids.h"

struct llmk_reply {
	llmk__stream_ctx *s;
	int stream;
	int32_t kind;
	size_t ncalls;
};

int32_t llmk_reply_streaming(const llmk_reply *rp)
{
	return rp ? rp->stream : 0;
}

static int emit_or_append(llmk_reply *rp, int reasoning, const char *text, size_t len)
{
	llmk__buf *b;

	if (!rp || (!text && len))
		return 1;
	if (rp->stream)
		return reasoning ? llmk__emit_reasoning(rp->s, text, len) : llmk__emit_text(rp->s, text, len);
	b = reasoning ? &rp->s->resp->reasoning : &rp->s->resp->text;
	if (llmk__buf_append(b, text, len)) {
		llmk__fail(rp->s->resp, LLMK_E_NOMEM, "out of memory storing the reply");
		return 1;
	}
	return 0;
}

int32_t llmk_reply_text(llmk_reply *rp, const char *text, size_t len)
{
	return emit_or_append(rp, 0, text, len);
}

int32_t llmk_reply_reasoning(llmk_reply *rp, const char *text, size_t len)
{
	return emit_or_append(rp, 1, text, len);
}

int32_t llmk_reply_tool_call(llmk_reply *rp, const char *id, const char *name, const char *args)
{
	llmk__tool_call *tc;
	char gen[32];

	if (!rp || !name || !*name)
		return 1;
	if (!args)
		args = "{}";
	if (!id || !*id) {
		llmk__new_call_id(gen);
		id = gen;
	}
	if (rp->stream)
		return llmk__emit_tool(rp->s, rp->ncalls++, id, name, args, strlen(args));
	tc = llmk__response_tool_call(rp->s->resp, rp->ncalls++);
	if (!tc || llmk__buf_append_str(&tc->id, id) || llmk__buf_append_str(&tc->name, name) ||
	    llmk__buf_append_str(&tc->args, args)) {
		llmk__fail(rp->s->resp, tc ? LLMK_E_NOMEM : LLMK_E_TOO_LARGE, "could not store tool call %zu",
		           rp->ncalls - 1);
		return 1;
	}
	return 0;
}

void llmk_reply_usage(llmk_reply *rp, int32_t which, int64_t value)
{
	if (rp && which >= LLMK_USAGE_INPUT && which <= LLMK_USAGE_CACHE_WRITE_1H && value >= 0)
		rp->s->resp->usage[which] = value;
}

llmk_status llmk_reply_finish(llmk_reply *rp, const char *reason)
{
	if (!rp || !reason)
		return LLMK_E_INVALID_ARG;
	rp->s->done = 1;
	return llmk__set_finish(rp->s->resp, reason);
}

llmk_status llmk_reply_embedding(llmk_reply *rp, const float *vec, size_t dim)
{
	llmk_response *r;
	float *grown;

	if (!rp || !vec || !dim)
		return LLMK_E_INVALID_ARG;
	r = rp->s->resp;
	if (r->nemb && dim != r->dim)
		return llmk__fail(r, LLMK_E_INVALID_ARG, "embedding %zu has dimension %zu, earlier ones %zu", r->nemb,
		                  dim, r->dim);
	if (r->nemb >= SIZE_MAX / sizeof(float) / dim - 1)
		return llmk__fail(r, LLMK_E_TOO_LARGE, "too many embeddings");
	grown = llmk__realloc(r->emb, (r->nemb + 1) * dim * sizeof(float));
	if (!grown)
		return llmk__fail(r, LLMK_E_NOMEM, "out of memory storing an embedding");
	memcpy(grown + r->nemb * dim, vec, dim * sizeof(float));
	r->emb = grown;
	r->dim = dim;
	r->nemb++;
	return LLMK_OK;
}

llmk_status llmk_reply_image(llmk_reply *rp, const uint8_t *data, size_t len, const char *url)
{
	llmk_response *r;
	llmk__image *grown, *img;

	if (!rp || (!data && !url) || (data && !len))
		return LLMK_E_INVALID_ARG;
	r = rp->s->resp;
	grown = llmk__realloc(r->images, (r->nimages + 1) * sizeof(*grown));
	if (!grown)
		return llmk__fail(r, LLMK_E_NOMEM, "out of memory storing an image");
	r->images = grown;
	img = &grown[r->nimages];
	memset(img, 0, sizeof(*img));
	if (data) {
		if (!(img->data = llmk__malloc(len)))
			return llmk__fail(r, LLMK_E_NOMEM, "out of memory storing an image");
		memcpy(img->data, data, len);
		img->len = len;
	} else if (!(img->url = llmk__strdup(url))) {
		return llmk__fail(r, LLMK_E_NOMEM, "out of memory storing an image");
	}
	r->nimages++;
	return LLMK_OK;
}

llmk_status llmk_reply_audio(llmk_reply *rp, const uint8_t *data, size_t len, const char *mime)
{
	llmk_response *r;
	uint8_t *copy;

	if (!rp || !data || !len)
		return LLMK_E_INVALID_ARG;
	r = rp->s->resp;
	copy = llmk__malloc(len);
	if (!copy || llmk__set_field(&r->audio_mime, mime ? mime : "application/octet-stream")) {
		llmk__free(copy);
		return llmk__fail(r, LLMK_E_NOMEM, "out of memory storing audio");
	}
	memcpy(copy, data, len);
	llmk__free(r->audio);
	r->audio = copy;
	r->audio_len = len;
	return LLMK_OK;
}

llmk_status llmk_reply_error(llmk_reply *rp, int32_t status, const char *message)
{
	if (!rp)
		return LLMK_E_INVALID_ARG;
	if (status == LLMK_OK || !llmk_status_name(status))
		status = LLMK_E_SERVER;
	return llmk__fail(rp->s->resp, (llmk_status)status, "%s: %s", rp->s->provider_name,
	                  message && *message ? message : llmk_strerror(status));
}

llmk_status llmk__user_provider_send(struct llmk__user_provider *up, const llmk_request *r, const char *model,
                                     llmk__stream_ctx *s, int stream)
{
	const llmk_provider_table *t = llmk__user_provider_table(up);
	llmk_reply rp;
	int32_t st;

	memset(&rp, 0, sizeof(rp));
	rp.s = s;
	rp.stream = stream;
	rp.kind = r->kind;
	st = t->send(llmk__user_provider_user(up), r, model, &rp);
	if (s->cancelled)
		return llmk__fail(s->resp, LLMK_E_CANCELLED, "cancelled by the stream callback");
	if (s->resp->status != LLMK_OK)
		return s->resp->status;
	if (st != LLMK_OK)
		return llmk__fail(s->resp, llmk_status_name(st) ? (llmk_status)st : LLMK_E_SERVER,
		                  "%s: provider failed: %s", s->provider_name, llmk_strerror(st));
	if (r->kind == LLMK_EMBED && s->resp->nemb != r->ninputs)
		return llmk__fail(s->resp, LLMK_E_PROTOCOL, "%s: %zu embeddings for %zu inputs", s->provider_name,
		                  s->resp->nemb, r->ninputs);
	if (r->kind == LLMK_CHAT && !s->resp->finish_reason)
		llmk__set_finish(s->resp, s->resp->ncalls ? "tool_calls" : "stop");
	return LLMK_OK;
}
