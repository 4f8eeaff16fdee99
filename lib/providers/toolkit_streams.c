/* The provider toolkit, stream side: JSON events, the stream-stopped
 * status, tool blocks, whole SSE bodies (toolkit.h). */
#include <string.h>

#include "sse.h"
#include "toolkit.h"

/* ---- events ------------------------------------------------------------- */

llmk_status llmk__stream_stopped(llmk__stream_ctx *s)
{
	return s->resp->status ? s->resp->status : LLMK_E_CANCELLED;
}

json_t *llmk__json_event(const char *data, size_t len, llmk_response *resp, const char *what, const char *event)
{
	json_error_t err;
	json_t *root = llmk__json_loadb(data, len, 0, &err);

	if (json_is_object(root))
		return root;
	json_decref(root);
	llmk__fail(resp, LLMK_E_PROTOCOL, "%s%s%.64s is not a JSON object: %s", what, event ? " " : "",
	           event ? event : "", err.text);
	return NULL;
}

llmk_status llmk__json_stream_event(llmk__stream_ctx *s, const char *data, size_t len, const char *what,
                                    llmk_status (*handle)(llmk__stream_ctx *s, json_t *root))
{
	json_t *root = llmk__json_event(data, len, s->resp, what, NULL);
	llmk_status st;

	if (!root)
		return s->resp->status;
	if (json_object_get(root, "error"))
		st = llmk__stream_failure(s->resp, llmk__error_from_json(s->resp, 200, root));
	else
		st = handle(s, root);
	json_decref(root);
	return st;
}

llmk_status llmk__emit_json_text(llmk__stream_ctx *s, json_t *v)
{
	return json_is_string(v) && llmk__emit_text(s, json_string_value(v), json_string_length(v))
	               ? llmk__stream_stopped(s)
	               : LLMK_OK;
}

llmk_status llmk__emit_json_reasoning(llmk__stream_ctx *s, json_t *v)
{
	return json_is_string(v) && llmk__emit_reasoning(s, json_string_value(v), json_string_length(v))
	               ? llmk__stream_stopped(s)
	               : LLMK_OK;
}

llmk_status llmk__emit_json_refusal(llmk__stream_ctx *s, json_t *v)
{
	return json_is_string(v) && llmk__emit_refusal(s, json_string_value(v), json_string_length(v))
	               ? llmk__stream_stopped(s)
	               : LLMK_OK;
}

llmk_status llmk__stream_usage(llmk__stream_ctx *s, json_t *u, void (*read)(json_t *u, llmk_response *resp))
{
	if (!json_is_object(u))
		return LLMK_OK;
	read(u, s->resp);
	return llmk__emit_usage(s) ? llmk__stream_stopped(s) : LLMK_OK;
}

/* ---- tool blocks -------------------------------------------------------- */

void llmk__block_set_tool(llmk__blocks *b, size_t block)
{
	if (block < LLMK_MAX_BLOCKS)
		b->tool[block / 64] |= (uint64_t)1 << (block % 64);
}

int llmk__block_is_tool(const llmk__blocks *b, size_t block)
{
	return block < LLMK_MAX_BLOCKS && ((b->tool[block / 64] >> (block % 64)) & 1u);
}

size_t llmk__block_tool_index(const llmk__blocks *b, size_t block)
{
	size_t n = 0, i;

	for (i = 0; i < block && i < LLMK_MAX_BLOCKS; i++)
		n += (size_t)llmk__block_is_tool(b, i);
	return n;
}

llmk_status llmk__block_tool_start(llmk__stream_ctx *s, json_t *ev, const char *key, const char *what, const char *id,
                                   const char *name, const char *args, size_t len)
{
	size_t idx;

	if (llmk__json_index(ev, key, &idx) || idx >= LLMK_MAX_BLOCKS)
		return llmk__fail(s->resp, LLMK_E_PROTOCOL, "%s without a usable %s", what, key);
	llmk__block_set_tool(s->state, idx);
	/* A call is an item of the answer's turn (llmk_request_add_response()). */
	if (!llmk__turn_add(s->resp, LLMK_PART_TOOL_CALL, llmk__block_tool_index(s->state, idx)))
		return llmk__stream_stopped(s);
	return llmk__emit_tool(s, llmk__block_tool_index(s->state, idx), id, name, args, len) ? llmk__stream_stopped(s)
	                                                                                      : LLMK_OK;
}

llmk_status llmk__block_tool_args(llmk__stream_ctx *s, size_t block, json_t *fragment)
{
	if (!json_is_string(fragment) || !json_string_length(fragment))
		return LLMK_OK;
	return llmk__emit_tool(s, llmk__block_tool_index(s->state, block), NULL, NULL, json_string_value(fragment),
	                       json_string_length(fragment))
	               ? llmk__stream_stopped(s)
	               : LLMK_OK;
}

/* ---- whole SSE bodies --------------------------------------------------- */

int llmk__looks_like_sse(const char *body, size_t len)
{
	while (len && (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')) {
		body++;
		len--;
	}
	return (len >= 6 && !memcmp(body, "event:", 6)) || (len >= 5 && !memcmp(body, "data:", 5));
}

typedef struct sse_replay {
	const llmk__adapter *ad;
	llmk__stream_ctx *s;
	llmk_status st;
} sse_replay;

static int on_replay_event(const char *event, size_t elen, const char *data, size_t dlen, void *user)
{
	sse_replay *rp = user;

	rp->st = rp->ad->stream_event(rp->s, elen ? event : NULL, data, dlen);
	return rp->st != LLMK_OK;
}

llmk_status llmk__sse_body(const llmk__adapter *ad, const llmk_request *r, llmk_response *resp, const char *provider,
                           const char *end, const char *body, size_t len)
{
	llmk__stream_ctx s;
	sse_replay rp = {ad, &s, LLMK_OK};
	llmk__sse sse;
	int rc;

	memset(&s, 0, sizeof(s));
	s.resp = resp;
	s.req = r;
	s.provider_name = provider;
	if (ad->state_size && !(s.state = llmk__calloc(1, ad->state_size)))
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory decoding the stream");
	llmk__sse_init(&sse, 0, on_replay_event, &rp);
	rc = llmk__sse_feed(&sse, body, len);
	if (rc == 0)
		rc = llmk__sse_finish(&sse);
	llmk__sse_free(&sse);
	llmk__free(s.state);
	if (rp.st != LLMK_OK)
		return resp->status ? resp->status : rp.st;
	if (rc < 0)
		return llmk__fail(resp, LLMK_E_NOMEM, "out of memory decoding the stream");
	if (!s.done)
		return llmk__fail(resp, LLMK_E_PROTOCOL, "%s: stream ended before %s (truncated after %zu bytes)",
		                  provider, end, len);
	return LLMK_OK;
}
