/* Stored answers of the response cache: a versioned, self-describing
 * serialisation of a response, written here and read back defensively.
 *
 * A value is
 *   "LLMKCACHE", version (u8, 1), total length (u32),
 *   fields: tag (u16), length (u32), that many bytes,
 *   and last the field END whose 32 bytes are the BLAKE2b-256 of all
 *   that comes before them.
 * Integers are little-endian whatever the machine (a Redis store is shared
 * between machines). A tag with bit 15 set must be understood; others an
 * older reader skips, so a later version can add what is only nice to
 * have. The reader checks the length and checksum before anything else,
 * then every field's bounds, then that the parts agree (turn items point
 * inside their buffers, recorded events add up to the text and calls), and
 * refuses anything else: a damaged value is a miss, never an answer. */
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "alloc.h"
#include "bounds.h"
#include "cache.h"
#include "response.h"

#define MAGIC "LLMKCACHE"
#define MAGIC_LEN 9
#define VERSION 1
#define HEAD_LEN (MAGIC_LEN + 1 + 4)
#define SUM_LEN 32
#define MAX_ITEMS 4096
#define MAX_EVENTS 4000000u

enum {
	T_CRITICAL = 0x8000,
	T_KEY = 0x8001,
	T_KIND = 0x8002,
	T_EXPIRES = 0x8003,
	T_CREATED = 0x0004, /* information only */
	T_HTTP = 0x8005,
	T_FINISH = 0x8006,
	T_USAGE = 0x8007,
	T_WIRE = 0x8008,
	T_MODEL = 0x8010,
	T_REQUEST_ID = 0x8011,
	T_FINISH_REASON = 0x8012,
	T_ID = 0x8013,
	T_DROPPED = 0x8014,
	T_TEXT = 0x8020,
	T_REASONING = 0x8021,
	T_REFUSAL = 0x8022,
	T_RAW = 0x8023,
	T_CALL = 0x8030,
	T_ITEM = 0x8031,
	T_HEADERS = 0x8032,
	T_EMB = 0x8040,
	T_EVENTS = 0x8050,
	T_END = 0xffff
};

/* ---- writing ------------------------------------------------------------- */

static void le(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int put_int(llmk__buf *b, uint64_t v, int n)
{
	uint8_t t[8];

	le(t, v, n);
	return llmk__buf_append(b, t, (size_t)n);
}

static int put_head(llmk__buf *b, unsigned tag, size_t len)
{
	return len > UINT32_MAX || put_int(b, tag, 2) || put_int(b, len, 4) ? -1 : 0;
}

static int put_bytes(llmk__buf *b, unsigned tag, const void *p, size_t len)
{
	return put_head(b, tag, len) || (len && llmk__buf_append(b, p, len)) ? -1 : 0;
}

static int put_str(llmk__buf *b, unsigned tag, const char *s)
{
	return s ? put_bytes(b, tag, s, strlen(s)) : 0;
}

static int put_i64(llmk__buf *b, unsigned tag, int64_t v)
{
	return put_head(b, tag, 8) || put_int(b, (uint64_t)v, 8) ? -1 : 0;
}

static int put_lv(llmk__buf *b, const char *p, size_t len)
{
	return len > UINT32_MAX || put_int(b, len, 4) || (len && llmk__buf_append(b, p, len)) ? -1 : 0;
}

static int put_calls(llmk__buf *b, const llmk_response *r)
{
	size_t i;

	for (i = 0; i < r->ncalls; i++) {
		const llmk__tool_call *tc = &r->calls[i];
		if (put_head(b, T_CALL, 12 + tc->id.len + tc->name.len + tc->args.len) ||
		    put_lv(b, tc->id.data, tc->id.len) || put_lv(b, tc->name.data, tc->name.len) ||
		    put_lv(b, tc->args.data, tc->args.len))
			return -1;
	}
	for (i = 0; i < r->nitems; i++) {
		const llmk__turn_item *it = &r->items[i];
		if (put_head(b, T_ITEM, 12 + it->opaque.len) || put_int(b, (uint32_t)it->type, 4) ||
		    put_int(b, it->start, 8) ||
		    (it->opaque.len && llmk__buf_append(b, it->opaque.data, it->opaque.len)))
			return -1;
	}
	return 0;
}

/* The headers as received but Set-Cookie (a session is no part of an
 * answer, and a credential). */
static int put_headers(llmk__buf *b, const llmk_response *r)
{
	llmk__buf h = LLMK__BUF_INIT;
	const char *p = r->headers.data, *v;
	size_t i, n = 0;
	int bad = 0;

	for (i = 0; i < r->nheaders && p; i++) {
		v = p + strlen(p) + 1;
		if (strcasecmp(p, "set-cookie") != 0) {
			bad |= llmk__buf_append(&h, p, (size_t)(v - p)) || llmk__buf_append(&h, v, strlen(v) + 1);
			n++;
		}
		p = v + strlen(v) + 1;
	}
	bad = bad || put_head(b, T_HEADERS, 4 + h.len) || put_int(b, n, 4) ||
	      (h.len && llmk__buf_append(b, h.data, h.len));
	llmk__buf_free(&h);
	return bad ? -1 : 0;
}

static int put_emb(llmk__buf *b, const llmk_response *r)
{
	size_t i, n = r->nemb * r->dim;
	uint32_t u;

	if (!r->nemb)
		return 0;
	if (r->dim && n / r->dim != r->nemb)
		return -1;
	if (put_head(b, T_EMB, 16 + 4 * n) || put_int(b, r->nemb, 8) || put_int(b, r->dim, 8) ||
	    llmk__buf_reserve(b, 4 * n))
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(&u, &r->emb[i], 4);
		put_int(b, u, 4); /* reserved above: cannot fail */
	}
	return 0;
}

static int put_events(llmk__buf *b, const llmk__cache_rec *rec)
{
	size_t i, size = 4;
	int k;

	if (!rec || !rec->n)
		return 0;
	for (i = 0; i < rec->n; i++)
		size += 1 + (rec->ev[i].type == LLMK_EVENT_USAGE       ? 64
		             : rec->ev[i].type == LLMK_EVENT_TOOL_CALL ? 13
		                                                       : 8);
	if (put_head(b, T_EVENTS, size) || put_int(b, rec->n, 4))
		return -1;
	for (i = 0; i < rec->n; i++) {
		const llmk__cache_ev *e = &rec->ev[i];
		if (put_int(b, e->type, 1))
			return -1;
		if (e->type == LLMK_EVENT_USAGE) {
			for (k = 0; k < 8; k++)
				if (put_int(b, (uint64_t)e->usage[k], 8))
					return -1;
		} else if (e->type == LLMK_EVENT_TOOL_CALL) {
			if (put_int(b, e->index, 4) || put_int(b, e->flags, 1) || put_int(b, e->len, 8))
				return -1;
		} else if (put_int(b, e->len, 8)) {
			return -1;
		}
	}
	return 0;
}

int llmk__cache_value_write(llmk__buf *b, const llmk_response *r, int32_t kind, const char *key, int64_t expires,
                            const llmk__cache_rec *rec)
{
	uint8_t sum[SUM_LEN];
	int k, bad;
	size_t i;

	llmk__buf_clear(b);
	/* Choices after the first and log probabilities (LLMK_OPT_CHOICES,
	 * LLMK_OPT_LOGPROBS) have no field in this version: an answer holding
	 * them is not stored, rather than served later without them. */
	if (r->nchoices || r->nlogprobs)
		return -1;
	/* A turn item this reader does not know would make the value a miss
	 * forever: such an answer is not stored (a new item type must be
	 * taught to consistent() below first). */
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].type != LLMK_PART_TEXT && r->items[i].type != LLMK_PART_REASONING &&
		    r->items[i].type != LLMK_TURN_REFUSAL && r->items[i].type != LLMK_PART_TOOL_CALL &&
		    r->items[i].type != LLMK_PART_OPAQUE)
			return -1;
	bad = llmk__buf_append(b, MAGIC, MAGIC_LEN) || put_int(b, VERSION, 1) || put_int(b, 0, 4) ||
	      put_str(b, T_KEY, key) || put_head(b, T_KIND, 4) || put_int(b, (uint32_t)kind, 4) ||
	      put_i64(b, T_EXPIRES, expires) || put_head(b, T_HTTP, 4) || put_int(b, (uint32_t)r->http_status, 4) ||
	      put_head(b, T_FINISH, 4) || put_int(b, (uint32_t)r->finish, 4) || put_i64(b, T_WIRE, r->wire) ||
	      put_head(b, T_USAGE, 64);
	for (k = 0; k < 8 && !bad; k++)
		bad = put_int(b, (uint64_t)r->usage[k], 8);
	bad = bad || put_str(b, T_MODEL, r->model) || put_str(b, T_REQUEST_ID, r->request_id) ||
	      put_str(b, T_FINISH_REASON, r->finish_reason) || put_str(b, T_ID, r->id) ||
	      put_str(b, T_DROPPED, r->dropped) || put_bytes(b, T_TEXT, r->text.data, r->text.len) ||
	      put_bytes(b, T_REASONING, r->reasoning.data, r->reasoning.len) ||
	      put_bytes(b, T_REFUSAL, r->refusal.data, r->refusal.len) ||
	      put_bytes(b, T_RAW, r->raw.data, r->raw.len) || put_calls(b, r) || put_headers(b, r) || put_emb(b, r) ||
	      put_events(b, rec) || put_head(b, T_END, SUM_LEN) || b->len + SUM_LEN > UINT32_MAX;
	if (bad)
		return -1;
	le((uint8_t *)b->data + MAGIC_LEN + 1, b->len + SUM_LEN, 4);
	crypto_generichash(sum, SUM_LEN, (const uint8_t *)b->data, b->len, NULL, 0);
	return llmk__buf_append(b, sum, SUM_LEN);
}

/* ---- reading ------------------------------------------------------------- */

typedef struct rd {
	const uint8_t *p;
	size_t n, off;
} rd;

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* n bytes from the reader, or NULL when fewer are left. */
static const uint8_t *take(rd *r, size_t n)
{
	const uint8_t *p;

	if (n > r->n - r->off)
		return NULL;
	p = r->p + r->off;
	r->off += n;
	return p;
}

static int take_int(rd *r, int n, uint64_t *v)
{
	const uint8_t *p = take(r, (size_t)n);

	if (!p)
		return -1;
	*v = get_le(p, n);
	return 0;
}

/* A length-prefixed run of bytes appended to b (a buffer: any byte, as
 * the response held it). */
static int take_lv(rd *r, llmk__buf *b)
{
	uint64_t n;
	const uint8_t *p;

	if (take_int(r, 4, &n) || !(p = take(r, (size_t)n)))
		return -1;
	return n ? llmk__buf_append(b, p, (size_t)n) : 0;
}

static int set_str(char **field, const uint8_t *p, size_t n)
{
	if (*field || memchr(p, 0, n))
		return -1; /* twice, or not a string */
	*field = llmk__strndup((const char *)p, n);
	return *field ? 0 : -1;
}

static int set_buf(llmk__buf *b, const uint8_t *p, size_t n, int *seen)
{
	if (*seen)
		return -1;
	*seen = 1;
	return n ? llmk__buf_append(b, p, n) : 0;
}

static int read_call(llmk_response *r, rd *f)
{
	llmk__tool_call *tc;

	if (r->ncalls >= LLMK_MAX_TOOL_CALLS || !(tc = llmk__response_tool_call(r, r->ncalls)))
		return -1;
	return take_lv(f, &tc->id) || take_lv(f, &tc->name) || take_lv(f, &tc->args) || f->off != f->n ? -1 : 0;
}

static int read_item(llmk_response *r, rd *f)
{
	uint64_t type, start;
	llmk__turn_item *it;

	if (r->nitems >= MAX_ITEMS || take_int(f, 4, &type) || take_int(f, 8, &start))
		return -1;
	if (r->nitems == r->itemcap) {
		size_t cap = r->itemcap ? r->itemcap * 2 : 8;
		llmk__turn_item *n = llmk__realloc(r->items, cap * sizeof(*n));
		if (!n)
			return -1;
		r->items = n;
		r->itemcap = cap;
	}
	it = &r->items[r->nitems++];
	memset(it, 0, sizeof(*it));
	it->type = (int)type;
	it->start = (size_t)start;
	if (start > SIZE_MAX)
		return -1;
	return f->n > f->off ? llmk__buf_append(&it->opaque, f->p + f->off, f->n - f->off) : 0;
}

static int read_headers(llmk_response *r, rd *f)
{
	uint64_t n;
	const char *p, *end;
	size_t i;

	if (r->headers.data || take_int(f, 4, &n) || n > LLMK_MAX_HEADERS)
		return -1;
	p = (const char *)f->p + f->off;
	end = (const char *)f->p + f->n;
	for (i = 0; i < 2 * n; i++) {
		const char *z = memchr(p, 0, (size_t)(end - p));
		if (!z)
			return -1;
		r->header_bytes += (size_t)(z - p);
		p = z + 1;
	}
	if (p != end || (f->n > f->off && llmk__buf_append(&r->headers, f->p + f->off, f->n - f->off)))
		return -1;
	r->nheaders = (size_t)n;
	return 0;
}

static int read_emb(llmk_response *r, rd *f)
{
	uint64_t n, dim, u = 0;
	size_t i, cnt;
	uint32_t w;

	if (r->emb || take_int(f, 8, &n) || take_int(f, 8, &dim) || !n || !dim || n > SIZE_MAX / 4 ||
	    dim > SIZE_MAX / 4 / n || 4 * n * dim != f->n - f->off)
		return -1;
	cnt = (size_t)(n * dim);
	if (!(r->emb = llmk__malloc(cnt * sizeof(float))))
		return -1;
	for (i = 0; i < cnt; i++) {
		take_int(f, 4, &u); /* the size was checked above */
		w = (uint32_t)u;
		memcpy(&r->emb[i], &w, 4);
	}
	r->nemb = (size_t)n;
	r->dim = (size_t)dim;
	return 0;
}

static int read_events(llmk__cache_rec *rec, rd *f)
{
	uint64_t n, v;
	size_t i;
	int k;

	if (rec->ev || take_int(f, 4, &n) || n > MAX_EVENTS || n > (f->n - f->off) / 9)
		return -1;
	if (!(rec->ev = llmk__calloc((size_t)n ? (size_t)n : 1, sizeof(*rec->ev))))
		return -1;
	rec->cap = (size_t)n;
	for (i = 0; i < n; i++) {
		llmk__cache_ev *e = &rec->ev[i];
		if (take_int(f, 1, &v))
			return -1;
		e->type = (uint8_t)v;
		switch (e->type) {
		case LLMK_EVENT_USAGE:
			for (k = 0; k < 8; k++) {
				if (take_int(f, 8, &v))
					return -1;
				e->usage[k] = (int64_t)v;
			}
			break;
		case LLMK_EVENT_TOOL_CALL:
			if (take_int(f, 4, &v) || v >= LLMK_MAX_TOOL_CALLS)
				return -1;
			e->index = (uint32_t)v;
			if (take_int(f, 1, &v) || v > 3)
				return -1;
			e->flags = (uint8_t)v;
			if (take_int(f, 8, &e->len))
				return -1;
			break;
		case LLMK_EVENT_TEXT:
		case LLMK_EVENT_REASONING:
		case LLMK_EVENT_REFUSAL:
			if (take_int(f, 8, &e->len))
				return -1;
			break;
		default: return -1;
		}
		rec->n++;
	}
	return f->off == f->n ? 0 : -1;
}

/* The parts agree with each other: items inside their buffers, events
 * adding up to exactly the text, reasoning, refusal and each call. */
static int consistent(const llmk_response *r, const llmk__cache_rec *rec)
{
	uint64_t text = 0, reasoning = 0, refusal = 0, args[LLMK_MAX_TOOL_CALLS] = {0};
	size_t i;

	for (i = 0; i < r->nitems; i++) {
		const llmk__turn_item *it = &r->items[i];
		size_t lim;
		switch (it->type) {
		case LLMK_PART_TEXT: lim = r->text.len; break;
		case LLMK_PART_REASONING: lim = r->reasoning.len; break;
		case LLMK_TURN_REFUSAL: lim = r->refusal.len; break;
		case LLMK_PART_TOOL_CALL: lim = r->ncalls ? r->ncalls - 1 : 0; break;
		case LLMK_PART_OPAQUE: continue; /* a whole block in its opaque data; start unused */
		default: return -1;
		}
		if (it->start > lim || (it->type == LLMK_PART_TOOL_CALL && !r->ncalls))
			return -1;
	}
	if (!rec->n)
		return 0;
	for (i = 0; i < rec->n; i++) {
		const llmk__cache_ev *e = &rec->ev[i];
		uint64_t *acc = e->type == LLMK_EVENT_TEXT        ? &text
		                : e->type == LLMK_EVENT_REASONING ? &reasoning
		                : e->type == LLMK_EVENT_REFUSAL   ? &refusal
		                : e->type == LLMK_EVENT_TOOL_CALL ? &args[e->index]
		                                                  : NULL;
		if (e->type == LLMK_EVENT_TOOL_CALL && e->index >= r->ncalls)
			return -1;
		if (acc) {
			if (e->len > UINT64_MAX - *acc)
				return -1;
			*acc += e->len;
		}
	}
	if (text != r->text.len || reasoning != r->reasoning.len || refusal != r->refusal.len)
		return -1;
	for (i = 0; i < r->ncalls; i++)
		if (args[i] != r->calls[i].args.len)
			return -1;
	return 0;
}

/* One field into the response; -1 when it is not one this reader can
 * take (unknown and critical, repeated, or out of its bounds). */
static int read_field(llmk_response *r, llmk__cache_rec *rec, unsigned tag, rd *f, int32_t kind, const char *key,
                      int64_t now, int *seen, const char **why)
{
	const uint8_t *p = f->p;
	size_t n = f->n;
	uint64_t v;
	int k;

	switch (tag) {
	case T_KEY:
		if (n != strlen(key) || memcmp(p, key, n)) {
			*why = "it was stored under another key";
			return -1;
		}
		seen[0] = 1;
		return 0;
	case T_KIND:
		if (n != 4 || (int32_t)get_le(p, 4) != kind) {
			*why = "it answers another kind of request";
			return -1;
		}
		seen[1] = 1;
		return 0;
	case T_EXPIRES:
		if (n != 8)
			return -1;
		v = get_le(p, 8);
		if (v && (int64_t)v <= now) {
			*why = "it expired";
			return -1;
		}
		seen[2] = 1;
		return 0;
	case T_HTTP:
		if (n != 4)
			return -1;
		r->http_status = (int32_t)get_le(p, 4);
		if (r->http_status < 200 || r->http_status > 299)
			return -1;
		return 0;
	case T_FINISH:
		if (n != 4)
			return -1;
		r->finish = (int32_t)get_le(p, 4);
		return r->finish < LLMK_FINISH_UNKNOWN || r->finish > LLMK_FINISH_REFUSAL ? -1 : 0;
	case T_WIRE: return n == 8 ? (r->wire = (int64_t)get_le(p, 8), 0) : -1;
	case T_USAGE:
		if (n != 64)
			return -1;
		for (k = 0; k < 8; k++)
			r->usage[k] = (int64_t)get_le(p + 8 * k, 8);
		return 0;
	case T_MODEL: return set_str(&r->model, p, n);
	case T_REQUEST_ID: return set_str(&r->request_id, p, n);
	case T_FINISH_REASON: return set_str(&r->finish_reason, p, n);
	case T_ID: return set_str(&r->id, p, n);
	case T_DROPPED: return set_str(&r->dropped, p, n);
	case T_TEXT: return set_buf(&r->text, p, n, &seen[3]);
	case T_REASONING: return set_buf(&r->reasoning, p, n, &seen[4]);
	case T_REFUSAL: return set_buf(&r->refusal, p, n, &seen[5]);
	case T_RAW: return set_buf(&r->raw, p, n, &seen[6]);
	case T_CALL: return read_call(r, f);
	case T_ITEM: return read_item(r, f);
	case T_HEADERS: return read_headers(r, f);
	case T_EMB: return read_emb(r, f);
	case T_EVENTS: return read_events(rec, f);
	default: return (tag & T_CRITICAL) ? -1 : 0; /* a later version's extra: skipped */
	}
}

int llmk__cache_value_read(const uint8_t *data, size_t len, int32_t kind, const char *key, int64_t now,
                           llmk_response **out, llmk__cache_rec *rec, const char **why)
{
	uint8_t sum[SUM_LEN];
	rd r = {data, len, HEAD_LEN};
	llmk_response *resp;
	int seen[8] = {0};
	uint64_t tag, flen;

	*out = NULL;
	memset(rec, 0, sizeof(*rec));
	*why = "it is not a value this version of the library wrote";
	if (len < HEAD_LEN + 6 + SUM_LEN || memcmp(data, MAGIC, MAGIC_LEN) || data[MAGIC_LEN] != VERSION)
		return -1;
	if (get_le(data + MAGIC_LEN + 1, 4) != len) {
		*why = "it is truncated or has bytes after its end";
		return -1;
	}
	crypto_generichash(sum, SUM_LEN, data, len - SUM_LEN, NULL, 0);
	if (get_le(data + len - SUM_LEN - 6, 2) != T_END || get_le(data + len - SUM_LEN - 4, 4) != SUM_LEN ||
	    sodium_memcmp(sum, data + len - SUM_LEN, SUM_LEN)) {
		*why = "its checksum does not match (damaged)";
		return -1;
	}
	if (!(resp = llmk__response_new())) {
		*why = "out of memory";
		return -1;
	}
	r.n = len - SUM_LEN - 6;
	while (r.off < r.n) {
		rd f;
		if (take_int(&r, 2, &tag) || take_int(&r, 4, &flen) || !(f.p = take(&r, (size_t)flen)))
			goto bad;
		f.n = (size_t)flen;
		f.off = 0;
		if (read_field(resp, rec, (unsigned)tag, &f, kind, key, now, seen, why))
			goto bad;
	}
	if (!seen[0] || !seen[1] || !seen[2] || !resp->http_status)
		goto bad;
	if (consistent(resp, rec)) {
		*why = "its parts do not agree";
		goto bad;
	}
	*out = resp;
	return 0;
bad:
	if (!strcmp(*why, "it is not a value this version of the library wrote"))
		*why = "a field is malformed";
	llmk_response_free(resp);
	llmk__free(rec->ev);
	memset(rec, 0, sizeof(*rec));
	return -1;
}
