/* What the provider can honour: each request option, stop sequences,
 * tools and images are checked against the provider's row. What it cannot
 * honour fails with LLMK_E_UNSUPPORTED naming provider and parameter, or,
 * with drop_unsupported, is left out of a shallow view of the request (the
 * caller's request is never touched) and listed on the response. Adapters
 * only ever see the view. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "attempt.h"

const char *llmk__kind_name(int32_t kind)
{
	static const char *const names[] = {"", "chat", "embed", "image", "transcribe", "speech", "rerank", "moderate"};
	if (kind == LLMK__COUNT_TOKENS)
		return "count_tokens";
	return kind >= LLMK_CHAT && kind <= LLMK_MODERATE ? names[kind] : "";
}

int llmk__media_streams(const llmk__provider *prov, const llmk_request *r)
{
	int64_t partial;

	if (!(prov->media_caps & LLMK_CAP_STREAM))
		return 0;
	if (r->kind == LLMK_TRANSCRIBE || r->kind == LLMK_SPEECH)
		return 1;
	return r->kind == LLMK_IMAGE && llmk__req_i64(r, LLMK_OPT_PARTIAL_IMAGES, &partial);
}

/* Input images make an image request an edit (with a prompt) or a request
 * for variations (one image, no prompt). Never dropped: without them the
 * request would ask for something else. */
static int check_image_inputs(llmk__attempt *p, const llmk__provider *prov, const llmk_request *r)
{
	const char *prompt = llmk__req_str(r, LLMK_OPT_PROMPT);
	int edit = prompt && *prompt;

	if (r->mask.data && !r->nimages)
		return llmk__fail(p->resp, LLMK_E_INVALID_ARG,
		                  "an image mask needs an input image to edit (add_image)"),
		       -1;
	if (!r->nimages)
		return 0;
	if (!(prov->media_caps & (edit ? LLMK_CAP_IMAGE_EDIT : LLMK_CAP_IMAGE_VARIATION))) {
		llmk__fail(p->resp, LLMK_E_UNSUPPORTED, "%s does not serve image %s", prov->name,
		           edit ? "edits (input images with a prompt)"
		                : "variations (an input image without a prompt)");
		return -1;
	}
	if (!edit && (r->nimages > 1 || r->mask.data)) {
		llmk__fail(p->resp, LLMK_E_INVALID_ARG,
		           "image variations take one input image and no mask (give a prompt to edit instead)");
		return -1;
	}
	return 0;
}

static int drop_wanted(const llmk__attempt *p)
{
	int64_t v;

	if (llmk__req_i64(p->r, LLMK_OPT_DROP_UNSUPPORTED, &v))
		return v != 0;
	return llmk__client_i64(p->c, LLMK_OPT_DROP_UNSUPPORTED, 0) != 0;
}

/* A parameter the provider cannot honour: fail, or (when the caller opted
 * in) note it on the response and return 1 so the caller removes it. */
static int unsupported(llmk__attempt *p, const char *what, int drop)
{
	llmk_response *r = p->resp;
	size_t n;
	char *grown;

	if (!drop) {
		llmk__fail(r, LLMK_E_UNSUPPORTED,
		           "%s does not support %s for %s requests (set drop_unsupported = 1 to send the request "
		           "without it)",
		           p->c->provider->name, what, llmk__kind_name(p->r->kind));
		return 0;
	}
	n = r->dropped ? strlen(r->dropped) : 0;
	grown = llmk__realloc(r->dropped, n + strlen(what) + 2);
	if (!grown) {
		llmk__fail(r, LLMK_E_NOMEM, "out of memory");
		return 0;
	}
	if (n)
		grown[n++] = ',';
	strcpy(grown + n, what);
	r->dropped = grown;
	return 1;
}

static int is_remote_image(const llmk__part *pt)
{
	return pt->type == LLMK_PART_IMAGE_URL && strncmp(pt->text, "data:", 5) != 0;
}

/* A part that belongs to another wire format's adapter (add_response()). */
static int foreign(const llmk__part *pt, int64_t wire)
{
	return pt->wire && pt->wire != wire;
}

/* Copies the messages into the view, leaving out the image parts `images`
 * selects (0: none, 1: all, 2: remote URLs only), the documents when
 * `docs`, and what belongs to
 * another wire format than `wire`: its reasoning parts, and the opaque
 * data of its other parts (their text and calls stay). The copies are
 * shallow: the view owns only the arrays. */
static int filter_parts(llmk__attempt *p, int images, int docs, int64_t wire)
{
	llmk_request *v = &p->view;
	size_t i, j, k;

	p->view_msgs = llmk__calloc(v->nmsgs, sizeof(llmk__message));
	if (!p->view_msgs)
		return -1;
	for (i = 0; i < v->nmsgs; i++) {
		const llmk__message *m = &p->r->msgs[i];
		llmk__message *c = &p->view_msgs[i];
		*c = *m;
		c->parts = m->nparts ? llmk__calloc(m->nparts, sizeof(llmk__part)) : NULL;
		c->nparts = c->cap = 0;
		if (m->nparts && !c->parts)
			return -1;
		c->cap = m->nparts;
		for (j = 0, k = 0; j < m->nparts; j++) {
			const llmk__part *pt = &m->parts[j];
			if (pt->type == LLMK_PART_IMAGE_URL && (images == 1 || (images == 2 && is_remote_image(pt))))
				continue;
			if (pt->type == LLMK_PART_DOCUMENT && docs)
				continue;
			if (foreign(pt, wire) && (pt->type == LLMK_PART_REASONING || pt->type == LLMK_PART_OPAQUE))
				continue;
			c->parts[k] = *pt;
			if (foreign(pt, wire)) {
				c->parts[k].opaque = NULL;
				c->parts[k].wire = 0;
			}
			k++;
		}
		c->nparts = k;
	}
	v->msgs = p->view_msgs;
	return 0;
}

/* Lists "<provider> reasoning state" on the response once per provider
 * whose opaque parts this wire format cannot read. Never a failure: a
 * conversation may move between providers, and what only the first can
 * read is not the conversation. */
static int note_foreign(llmk__attempt *p, int64_t wire)
{
	llmk_response *r = p->resp;
	const llmk_request *q = p->r;
	char what[96];
	size_t i, j, n;
	char *grown;
	int any = 0;

	for (i = 0; i < q->nmsgs; i++) {
		for (j = 0; j < q->msgs[i].nparts && !foreign(&q->msgs[i].parts[j], wire); j++)
			;
		if (j == q->msgs[i].nparts)
			continue;
		any = 1;
		snprintf(what, sizeof(what), "%s reasoning state",
		         q->msgs[i].origin ? q->msgs[i].origin : "another provider's");
		if (r->dropped && strstr(r->dropped, what))
			continue;
		n = r->dropped ? strlen(r->dropped) : 0;
		if (!(grown = llmk__realloc(r->dropped, n + strlen(what) + 2)))
			return -1;
		if (n)
			grown[n++] = ',';
		strcpy(grown + n, what);
		r->dropped = grown;
	}
	return any;
}

void llmk__free_view(llmk__attempt *p)
{
	size_t i;

	if (!p->view_msgs)
		return;
	for (i = 0; i < p->r->nmsgs; i++)
		llmk__free(p->view_msgs[i].parts);
	llmk__free(p->view_msgs);
	p->view_msgs = NULL;
}

int llmk__check_support(llmk__attempt *p)
{
	const llmk__provider *prov = p->c->provider;
	const llmk_request *r = p->r;
	llmk_request *v = &p->view;
	int drop = drop_wanted(p), slot, images = 0, remote = 0, which = 0, foreign_parts, docs = 0, drop_docs = 0;
	int64_t wire = prov->adapter ? prov->adapter->feature : 0;
	unsigned caps = prov->chat_caps;
	int32_t id;
	size_t i, j;

	*v = *r;
	if (!(prov->kinds & (1u << r->kind))) {
		llmk__fail(p->resp, LLMK_E_UNSUPPORTED, "%s does not serve %s requests", prov->name,
		           llmk__kind_name(r->kind));
		return -1;
	}
	for (slot = 0; slot < LLMK_STR_SLOTS + LLMK_I64_SLOTS + LLMK_F64_SLOTS; slot++) {
		int is_str = slot < LLMK_STR_SLOTS, is_i64 = !is_str && slot < LLMK_STR_SLOTS + LLMK_I64_SLOTS;
		int k = is_str ? slot : is_i64 ? slot - LLMK_STR_SLOTS : slot - LLMK_STR_SLOTS - LLMK_I64_SLOTS;
		int set = is_str ? r->str[k] != NULL : is_i64 ? (r->i64_set >> k) & 1 : (r->f64_set >> k) & 1;
		if (!set)
			continue;
		id = llmk__option_at_slot(is_str ? LLMK_TYPE_STR : is_i64 ? LLMK_TYPE_I64 : LLMK_TYPE_F64, k);
		if (id == LLMK_OPT_MODEL || id == LLMK_OPT_DROP_UNSUPPORTED || llmk__option_bit(id) < 0 ||
		    ((prov->opts >> llmk__option_bit(id)) & 1))
			continue;
		if (!unsupported(p, llmk_option_name(id), drop))
			return -1;
		if (is_str)
			v->str[k] = NULL;
		else if (is_i64)
			v->i64_set &= ~(UINT64_C(1) << k);
		else
			v->f64_set &= ~(UINT64_C(1) << k);
	}
	if (r->nstops && !(prov->opts & LLMK__OPT(STOP))) {
		if (!unsupported(p, "stop", drop))
			return -1;
		v->nstops = 0;
	}
	if (r->kind == LLMK_IMAGE)
		return check_image_inputs(p, prov, r);
	if (r->kind != LLMK_CHAT && r->kind != LLMK__COUNT_TOKENS)
		return 0;
	if (r->ntools && !(caps & LLMK_CAP_TOOLS)) {
		if (!unsupported(p, "tools", drop))
			return -1;
		v->ntools = 0;
		v->str[llmk__option_slot(LLMK_OPT_TOOL_CHOICE)] = NULL;
	}
	for (i = 0; i < r->nmsgs; i++)
		for (j = 0; j < r->msgs[i].nparts; j++) {
			images += r->msgs[i].parts[j].type == LLMK_PART_IMAGE_URL;
			remote += is_remote_image(&r->msgs[i].parts[j]);
			docs += r->msgs[i].parts[j].type == LLMK_PART_DOCUMENT;
		}
	if (docs && !(caps & LLMK_CAP_DOCUMENTS)) {
		if (!unsupported(p, "documents", drop))
			return -1;
		drop_docs = 1;
	}
	if (images && !(caps & LLMK_CAP_VISION)) {
		if (!unsupported(p, "images", drop))
			return -1;
		which = 1;
	} else if (remote && !(caps & LLMK_CAP_IMAGE_URL)) {
		/* Inline data works; a URL would have to be fetched by us. */
		if (!unsupported(p, "image URLs (give image data instead)", drop))
			return -1;
		which = 2;
	}
	if ((foreign_parts = note_foreign(p, wire)) < 0)
		return llmk__fail(p->resp, LLMK_E_NOMEM, "out of memory"), -1;
	if ((which || drop_docs || foreign_parts) && filter_parts(p, which, drop_docs, wire))
		return llmk__fail(p->resp, LLMK_E_NOMEM, "out of memory"), -1;
	return 0;
}
