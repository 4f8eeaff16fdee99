/* An answer as the next assistant turn (llmk_request_add_response()) and
 * parts written back as llmk_request_part_*() read them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "json.h"
#include "options.h"
#include "request.h"
#include "request_build.h"
#include "response.h"
#include "url.h"
#include "utf8.h"

/* ---- a response as the next assistant turn ------------------------------- */

/* End of the slice of item i in its buffer: where the next item of the same
 * type starts, else the buffer's end. */
static size_t item_end(const llmk_response *resp, size_t i, size_t len)
{
	size_t j;

	for (j = i + 1; j < resp->nitems; j++)
		if (resp->items[j].type == resp->items[i].type)
			return resp->items[j].start < len ? resp->items[j].start : len;
	return len;
}

static llmk_status turn_part(llmk_request *r, llmk__message *m, int type, const char *text, size_t len,
                             const llmk__buf *opaque, int64_t wire)
{
	llmk__part *p = llmk__req_new_part(m);

	if (!p)
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	p->type = type;
	p->text = llmk__strndup(text ? text : "", text ? len : 0);
	if (opaque && opaque->len)
		p->opaque = llmk__strndup(opaque->data, opaque->len);
	if (!p->text || (opaque && opaque->len && !p->opaque)) {
		llmk__req_part_free(p);
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	/* Reasoning is the provider's state, never conversation: it keeps its
	 * wire even without opaque data, so no other provider receives it. */
	p->wire = p->opaque || type == LLMK_PART_REASONING || type == LLMK_PART_OPAQUE ? wire : 0;
	m->nparts++;
	return LLMK_OK;
}

static llmk_status call_part(llmk_request *r, llmk__message *m, const llmk_response *resp, size_t i,
                             const llmk__buf *opaque)
{
	const llmk__tool_call *tc = &resp->calls[i];
	const char *args = tc->args.len ? tc->args.data : "{}";
	llmk_status st;
	llmk__part *p;

	if (!tc->id.len || !tc->name.len)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "tool call %zu of the response has no id or no name", i);
	if ((st = llmk__req_check_json(r, "tool call arguments of the response", args, 1)))
		return st;
	if (!(p = llmk__req_new_part(m)))
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	p->type = LLMK_PART_TOOL_CALL;
	p->id = llmk__strdup(tc->id.data);
	p->detail = llmk__strdup(tc->name.data);
	p->text = llmk__strdup(args);
	if (opaque && opaque->len) {
		p->opaque = llmk__strndup(opaque->data, opaque->len);
		p->wire = resp->wire;
	}
	if (!p->id || !p->detail || !p->text || (opaque && opaque->len && !p->opaque)) {
		llmk__req_part_free(p);
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	m->nparts++;
	return LLMK_OK;
}

/* The turn as the adapter recorded it, item by item; calls it did not
 * record follow at the end. */
static llmk_status turn_from_items(llmk_request *r, llmk__message *m, const llmk_response *resp)
{
	const llmk__buf *bufs[3] = {&resp->text, &resp->reasoning, &resp->refusal};
	llmk_status st = LLMK_OK;
	size_t i, j, end;
	int b;

	for (i = 0; i < resp->nitems && st == LLMK_OK; i++) {
		const llmk__turn_item *it = &resp->items[i];
		if (it->type == LLMK_PART_TOOL_CALL) {
			if (it->start < resp->ncalls)
				st = call_part(r, m, resp, it->start, &it->opaque);
			continue;
		}
		if (it->type == LLMK_PART_OPAQUE) { /* a whole block, nothing to read */
			if (it->opaque.len)
				st = turn_part(r, m, LLMK_PART_OPAQUE, "", 0, &it->opaque, resp->wire);
			continue;
		}
		b = it->type == LLMK_PART_TEXT ? 0 : it->type == LLMK_PART_REASONING ? 1 : 2;
		if (it->start > bufs[b]->len)
			continue;
		end = item_end(resp, i, bufs[b]->len);
		if (end <= it->start && !it->opaque.len)
			continue; /* nothing said, nothing to carry */
		st = turn_part(r, m, b == 1 ? LLMK_PART_REASONING : LLMK_PART_TEXT, bufs[b]->data + it->start,
		               end > it->start ? end - it->start : 0, &it->opaque, resp->wire);
	}
	for (j = 0; j < resp->ncalls && st == LLMK_OK; j++) {
		for (i = 0; i < resp->nitems; i++)
			if (resp->items[i].type == LLMK_PART_TOOL_CALL && resp->items[i].start == j)
				break;
		if (i == resp->nitems)
			st = call_part(r, m, resp, j, NULL);
	}
	return st;
}

/* Adapters that record no items: the text (or the refusal), then the
 * calls. */
static llmk_status turn_default(llmk_request *r, llmk__message *m, const llmk_response *resp)
{
	const llmk__buf *t = resp->text.len ? &resp->text : &resp->refusal;
	llmk_status st = LLMK_OK;
	size_t i;

	if (t->len)
		st = turn_part(r, m, LLMK_PART_TEXT, t->data, t->len, NULL, 0);
	for (i = 0; i < resp->ncalls && st == LLMK_OK; i++)
		st = call_part(r, m, resp, i, NULL);
	return st;
}

llmk_status llmk_request_add_response(llmk_request *r, const llmk_response *resp)
{
	llmk__message *m;
	llmk_status st;
	size_t i;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if ((st = llmk__req_need_kind(r, LLMK_CHAT, "add_response")))
		return st;
	if (!resp)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "response is NULL");
	if (resp->status != LLMK_OK)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "the response is a failure (%s): it has no turn to add",
		                     llmk_status_name(resp->status));
	if (!(m = llmk__req_new_message(r, LLMK_ROLE_ASSISTANT)))
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	st = resp->nitems ? turn_from_items(r, m, resp) : turn_default(r, m, resp);
	if (st == LLMK_OK && !m->nparts)
		st = llmk__req_err(r, LLMK_E_INVALID_ARG, "the response has no text, refusal or tool call to add");
	if (st == LLMK_OK && resp->provider && !(m->origin = llmk__strdup(resp->provider)))
		st = llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	if (st != LLMK_OK) { /* all or nothing */
		for (i = 0; i < m->nparts; i++)
			llmk__req_part_free(&m->parts[i]);
		llmk__free(m->parts);
		r->nmsgs--;
	}
	return st;
}

/* ---- a part as llmk_request_part_*() read it back ------------------------- */

static int one_bit(int64_t v)
{
	return v > 0 && !(v & (v - 1));
}

/* The opaque state of the part just added; on failure the part goes. */
static llmk_status add_opaque(llmk_request *r, llmk__message *m, const char *opaque, int64_t wire)
{
	llmk__part *p = &m->parts[m->nparts - 1];

	if (!(p->opaque = llmk__strdup(opaque))) {
		llmk__req_part_free(p);
		m->nparts--;
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	p->wire = wire;
	return LLMK_OK;
}

llmk_status llmk_request_add_part(llmk_request *r, int32_t type, const char *text, const char *detail, const char *id,
                                  const char *opaque, int64_t wire)
{
	llmk__message *m;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if (!(m = llmk__req_last_message(r, "add_part")))
		return LLMK_E_INVALID_ARG;
	if ((opaque || wire) && (!one_bit(wire) || type == LLMK_PART_IMAGE_URL || type == LLMK_PART_DOCUMENT ||
	                         (!opaque && type != LLMK_PART_REASONING)))
		return llmk__req_err(
		        r, LLMK_E_INVALID_ARG,
		        "opaque state needs the wire format it belongs to (one LLMK_FEATURE_* bit) and goes with "
		        "text, tool-call, reasoning and opaque parts");
	switch (type) {
	case LLMK_PART_TEXT: st = llmk_request_add_text(r, text); break;
	case LLMK_PART_IMAGE_URL: return llmk_request_add_image_url(r, text, detail);
	case LLMK_PART_DOCUMENT: {
		char *url;
		if (!text ||
		    (strncmp(text, "data:application/pdf;base64,", 28) &&
		     strncmp(text, "data:text/plain;base64,", 23)) ||
		    !detail || !llmk__req_valid_doc_name(detail))
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "a document part is a PDF or text/plain base64 data: URL and a "
			                     "file name");
		if (!(url = llmk__strdup(text)))
			return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
		return llmk__req_add_document_part(r, url, detail);
	}
	case LLMK_PART_TOOL_CALL: st = llmk_request_add_tool_call(r, id, detail, text); break;
	case LLMK_PART_REASONING:
		if (m->role != LLMK_ROLE_ASSISTANT)
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "reasoning belongs to assistant messages");
		if (!wire)
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "a reasoning part needs the wire format it belongs to");
		st = turn_part(r, m, LLMK_PART_REASONING, text, text ? strlen(text) : 0, NULL, wire);
		break;
	case LLMK_PART_OPAQUE:
		if (m->role != LLMK_ROLE_ASSISTANT)
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "an opaque part belongs to assistant messages");
		if (!opaque || !*opaque)
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "an opaque part needs its opaque state and the wire format it belongs to");
		st = turn_part(r, m, LLMK_PART_OPAQUE, "", 0, NULL, wire);
		break;
	default: return llmk__req_err(r, LLMK_E_INVALID_ARG, "unknown part type %d", (int)type);
	}
	if (st != LLMK_OK || !opaque)
		return st;
	return add_opaque(r, m, opaque, wire);
}
