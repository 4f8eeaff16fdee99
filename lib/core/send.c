/* The request pipeline: build -> transport -> decode -> parse.
 *
 * One pipeline lives on the caller's stack per llmk_send()/llmk_stream()
 * call, so a client can be shared between threads: nothing here writes to
 * the client. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <sodium.h>

#include "adapter.h"
#include "alloc.h"
#include "clock.h"
#include "eventstream.h"
#include "httpdate.h"
#include "job.h"
#include "json.h"
#include "ndjson.h"
#include "sse.h"
#include "status.h"

typedef struct pipeline {
	const llmk_client *c;
	const llmk_request *r;
	llmk_response *resp;
	const llmk_adapter *ad;
	llmk_exchange ex;
	llmk_stream_ctx sctx;
	llmk_sse sse;
	llmk_ndjson nd;
	llmk_evs evs;
	int stream;      /* the wire request streams */
	int replay;      /* caller asked for a stream the provider cannot send: replay the answer */
	int sse_mode;    /* 0 undecided, 1 SSE decoding, 2 NDJSON decoding, 3 AWS event stream, -1 whole body */
	llmk_request view; /* the request as sent: unsupported parameters dropped */
	llmk_message *view_msgs; /* owned copies when image parts were dropped */
	size_t max_body;
	size_t max_events, nevents, max_depth;
	double t0;
	int64_t deadline_left_ms; /* > 0: what is left of deadline_ms for this attempt */
} pipeline;

/* ---- event emission (called by adapters during a stream) --------------- */

static int deliver(llmk_stream_ctx *s, llmk_event *ev)
{
	if (s->cancelled)
		return 1;
	if (s->fn)
		s->delivered = 1; /* from here on the request is never retried */
	if (s->fn && s->fn(ev, s->user)) {
		s->cancelled = 1;
		return 1;
	}
	return 0;
}

static void first_token(llmk_stream_ctx *s)
{
	if (s->resp->timing[LLMK_TIMING_FIRST_TOKEN_MS] < 0)
		s->resp->timing[LLMK_TIMING_FIRST_TOKEN_MS] = llmk__now_ms() - s->t0;
}

static int emit_fragment(llmk_stream_ctx *s, int32_t type, llmk_buf *acc, const char *text, size_t len)
{
	llmk_event ev;

	if (!len)
		return 0;
	if (llmk_buf_append(acc, text, len)) {
		llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory accumulating the stream");
		return 1;
	}
	first_token(s);
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	/* Point into the accumulated copy: it is NUL-terminated, the network
	 * fragment may not be. */
	ev.text = acc->data + acc->len - len;
	ev.text_len = len;
	ev.tool_index = -1;
	return deliver(s, &ev);
}

int llmk__emit_text(llmk_stream_ctx *s, const char *text, size_t len)
{
	return emit_fragment(s, LLMK_EVENT_TEXT, &s->resp->text, text, len);
}

int llmk__emit_reasoning(llmk_stream_ctx *s, const char *text, size_t len)
{
	return emit_fragment(s, LLMK_EVENT_REASONING, &s->resp->reasoning, text, len);
}

int llmk__emit_tool(llmk_stream_ctx *s, size_t index, const char *id, const char *name, const char *args,
                    size_t args_len)
{
	llmk_tool_call *tc = llmk__response_tool_call(s->resp, index);
	llmk_event ev;

	if (!tc) {
		llmk__fail(s->resp, index >= 128 ? LLMK_E_PROTOCOL : LLMK_E_NOMEM, "tool call index %zu rejected",
		           index);
		return 1;
	}
	/* The id and name come once, with the first fragment; later chunks
	 * repeat them on some servers, so only the first is kept. */
	if ((id && *id && !tc->id.len && llmk_buf_append_str(&tc->id, id)) ||
	    (name && *name && !tc->name.len && llmk_buf_append_str(&tc->name, name)) ||
	    (args_len && llmk_buf_append(&tc->args, args, args_len))) {
		llmk__fail(s->resp, LLMK_E_NOMEM, "out of memory accumulating a tool call");
		return 1;
	}
	first_token(s);
	memset(&ev, 0, sizeof(ev));
	ev.type = LLMK_EVENT_TOOL_CALL;
	ev.text = args_len ? tc->args.data + tc->args.len - args_len : "";
	ev.text_len = args_len;
	ev.tool_index = (int32_t)index;
	ev.tool_id = tc->id.data;
	ev.tool_name = tc->name.data;
	return deliver(s, &ev);
}

int llmk__emit_usage(llmk_stream_ctx *s)
{
	llmk_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = LLMK_EVENT_USAGE;
	ev.tool_index = -1;
	ev.usage = s->resp->usage;
	return deliver(s, &ev);
}

int llmk__emit_done(llmk_stream_ctx *s)
{
	llmk_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = LLMK_EVENT_DONE;
	ev.tool_index = -1;
	ev.usage = s->resp->usage;
	return deliver(s, &ev);
}

/* ---- response headers --------------------------------------------------- */

static int is_2xx(int32_t st)
{
	return st >= 200 && st < 300;
}

static int on_status(void *ctx, int32_t http_status)
{
	pipeline *p = ctx;
	llmk_response *resp = p->resp;

	/* A new status line starts a new header block (e.g. after 100
	 * Continue): forget the previous one. */
	llmk_buf_clear(&resp->headers);
	resp->nheaders = 0;
	resp->header_bytes = 0;
	resp->http_status = http_status;
	return 0;
}

static int on_header(void *ctx, const char *name, const char *value)
{
	pipeline *p = ctx;
	llmk_response *r = p->resp;
	size_t nl = strlen(name), vl = strlen(value);

	r->header_bytes += nl + vl;
	if (r->nheaders >= LLMK_MAX_HEADERS || r->header_bytes > LLMK_MAX_HEADER_BYTES) {
		llmk__fail(r, LLMK_E_TOO_LARGE, "response headers exceed %u headers / %u bytes",
		           (unsigned)LLMK_MAX_HEADERS, (unsigned)LLMK_MAX_HEADER_BYTES);
		return 1;
	}
	if ((!r->headers.cap && llmk_buf_reserve(&r->headers, 512)) || llmk_buf_append(&r->headers, name, nl + 1) ||
	    llmk_buf_append(&r->headers, value, vl + 1)) {
		llmk__fail(r, LLMK_E_NOMEM, "out of memory storing response headers");
		return 1;
	}
	r->nheaders++;
	return 0;
}

/* ---- body ------------------------------------------------------------- */

static int on_sse_event(const char *event, size_t elen, const char *data, size_t dlen, void *user)
{
	pipeline *p = user;
	llmk_status st;

	if (++p->nevents > p->max_events) {
		llmk__fail(p->resp, LLMK_E_TOO_LARGE, "stream has more than max_events (%zu) events", p->max_events);
		return 1;
	}
	if (llmk__json_too_deep(data, dlen, p->max_depth)) {
		llmk__fail(p->resp, LLMK_E_PROTOCOL, "stream event %zu nests JSON deeper than max_json_depth (%zu)",
		           p->nevents, p->max_depth);
		return 1;
	}
	st = p->ad->stream_event(&p->sctx, event && elen ? event : NULL, data, dlen);
	if (p->sctx.cancelled)
		return 1;
	if (st != LLMK_OK) {
		llmk__fail(p->resp, st, "stream event rejected");
		return 1;
	}
	return 0;
}

static int on_ndjson_line(const char *line, size_t len, void *user)
{
	return on_sse_event(NULL, 0, line, len, user);
}

static int on_evs_message(const llmk_evs_message *m, void *user)
{
	return on_sse_event(m->name, strlen(m->name), m->payload, m->payload_len, user);
}

static void evs_fail(pipeline *p, int rc)
{
	llmk_status st = rc == LLMK_EVS_E_NOMEM       ? LLMK_E_NOMEM
	                 : rc == LLMK_EVS_E_TOO_LARGE ? LLMK_E_TOO_LARGE
	                                              : LLMK_E_PROTOCOL;

	llmk__fail(p->resp, st, "%s: event stream: %s", p->c->provider->name, llmk_evs_strerror(rc));
}

static void decide_mode(pipeline *p)
{
	const char *ct = llmk__response_header(p->resp, "content-type");

	p->sse_mode = -1;
	if (!p->stream || !is_2xx(p->resp->http_status))
		return;
	if (ct && strncasecmp(ct, "text/event-stream", 17) == 0)
		p->sse_mode = 1;
	else if (p->ad->framing == LLMK_FRAMING_EVENTSTREAM ||
	         (ct && !strncasecmp(ct, "application/vnd.amazon.eventstream", 34)))
		p->sse_mode = 3;
	else if (p->ad->framing == LLMK_FRAMING_NDJSON ||
	         (ct && (!strncasecmp(ct, "application/x-ndjson", 20) || !strncasecmp(ct, "application/jsonl", 17))))
		p->sse_mode = 2;
}

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
	pipeline *p = ctx;
	llmk_response *r = p->resp;
	int rc;

	if (r->timing[LLMK_TIMING_FIRST_BYTE_MS] < 0)
		r->timing[LLMK_TIMING_FIRST_BYTE_MS] = llmk__now_ms() - p->t0;
	if (!p->sse_mode)
		decide_mode(p);
	if (len > p->max_body - r->raw.len) {
		llmk__fail(r, LLMK_E_TOO_LARGE, "response body exceeds max_response_bytes (%zu)", p->max_body);
		return 1;
	}
	if (llmk_buf_append(&r->raw, data, len)) {
		llmk__fail(r, LLMK_E_NOMEM, "out of memory receiving the response body");
		return 1;
	}
	if (p->sse_mode == 2) {
		rc = llmk_ndjson_feed(&p->nd, (const char *)data, len);
		if (rc == LLMK_NDJSON_E_TOO_LARGE)
			llmk__fail(r, LLMK_E_TOO_LARGE, "stream line exceeds max_line_bytes");
		else if (rc == LLMK_NDJSON_E_NOMEM)
			llmk__fail(r, LLMK_E_NOMEM, "out of memory decoding the stream");
		return rc != 0;
	}
	if (p->sse_mode == 3) {
		rc = llmk_evs_feed(&p->evs, data, len);
		if (rc < 0)
			evs_fail(p, rc);
		return rc != 0;
	}
	if (p->sse_mode != 1)
		return 0;
	rc = llmk_sse_feed(&p->sse, (const char *)data, len);
	if (rc == LLMK_SSE_E_TOO_LARGE)
		llmk__fail(r, LLMK_E_TOO_LARGE, "stream line or event exceeds max_line_bytes");
	else if (rc == LLMK_SSE_E_NOMEM)
		llmk__fail(r, LLMK_E_NOMEM, "out of memory decoding the stream");
	return rc != 0;
}

/* ---- error metadata ----------------------------------------------------- */

/* Retry-After: delta-seconds or an HTTP-date (RFC 9110 10.2.3);
 * retry-after-ms (OpenAI) is more precise and wins. */
static void read_retry_after(llmk_response *r)
{
	const char *v = llmk__response_header(r, "retry-after-ms");
	char *end;
	double ms;
	int64_t when, now;

	if (v) {
		ms = strtod(v, &end);
		if (end != v && ms >= 0 && ms < 1e12) {
			r->retry_after_ms = (int64_t)ms;
			return;
		}
	}
	v = llmk__response_header(r, "retry-after");
	if (!v)
		return;
	while (*v == ' ')
		v++;
	if (isdigit((unsigned char)*v)) {
		ms = strtod(v, &end);
		if (end != v && ms < 1e9)
			r->retry_after_ms = (int64_t)(ms * 1000.0);
		return;
	}
	if (!llmk__http_date(v, &when)) {
		now = (int64_t)time(NULL);
		r->retry_after_ms = when > now ? (when - now) * 1000 : 0;
	}
}

static void read_request_id(llmk_response *r)
{
	static const char *const names[] = {"x-request-id", "request-id", "apim-request-id", "x-amzn-requestid"};
	size_t i;
	const char *v;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((v = llmk__response_header(r, names[i]))) {
			llmk__set_field(&r->request_id, v);
			return;
		}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Length of the copy of key at s, plain or percent-encoded in any mix
 * (a URL echoed back), or 0. */
static size_t key_at(const char *s, const char *key)
{
	const char *p = s;

	for (; *key; key++) {
		if (*p == *key) {
			p++;
		} else if (p[0] == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0 &&
		           (char)(hexval(p[1]) * 16 + hexval(p[2])) == *key) {
			p += 3;
		} else {
			return 0;
		}
	}
	return (size_t)(p - s);
}

/* Removes any copy of the client's key from an error message: some
 * providers echo (parts of) the key they rejected. */
static void redact(char *msg, const char *key)
{
	static const char *const prefixes[] = {"sk-", "hf_", "AIza", "xai-", "gsk_"};
	size_t kl, i;
	char *hit;

	if (!msg || !key || (kl = strlen(key)) < 8)
		return;
	for (hit = msg; *hit;) {
		size_t n = key_at(hit, key);
		if (!n) {
			hit++;
			continue;
		}
		/* In place: a copy shorter than the marker (an 8 or 9 byte key)
		 * is starred out instead. */
		if (n >= 10) {
			memcpy(hit, "[REDACTED]", 10);
			memmove(hit + 10, hit + n, strlen(hit + n) + 1);
			hit += 10;
		} else {
			memset(hit, '*', n);
			hit += n;
		}
	}
	/* Masked echoes such as "sk-proj-****abcd" still give away the key's
	 * tail: drop the whole token. The prefixes are the providers' key
	 * formats: OpenAI and Anthropic (sk-), Hugging Face (hf_), Google
	 * (AIza), xAI (xai-), Groq (gsk_). */
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		for (hit = strstr(msg, prefixes[i]); hit; hit = strstr(hit + 1, prefixes[i])) {
			char *e = hit + pl;
			while (*e && (isalnum((unsigned char)*e) || *e == '-' || *e == '_' || *e == '*'))
				e++;
			if (e - hit > (ptrdiff_t)pl + 3) {
				memcpy(hit + pl, "***", 3);
				memmove(hit + pl + 3, e, strlen(e) + 1);
			}
		}
	}
}

/* ---- the pipeline ------------------------------------------------------- */

static const char *kind_path_name(int32_t kind)
{
	static const char *const names[] = {"", "chat", "embed", "image", "transcribe", "speech"};
	return kind >= LLMK_CHAT && kind <= LLMK_SPEECH ? names[kind] : "";
}

static void finish_http_error(pipeline *p)
{
	llmk_response *r = p->resp;
	llmk_status st;
	char *detail;

	read_retry_after(r);
	st = p->ad->parse_error(r, r->http_status, r->raw.data ? r->raw.data : "", r->raw.len);
	detail = r->error; /* parse_error leaves the provider's message here */
	r->error = NULL;
	r->status = LLMK_OK;
	if (detail && *detail)
		llmk__fail(r, st, "%s: HTTP %d: %s%s%s%s", p->c->provider->name, (int)r->http_status, detail,
		           r->error_code ? " (" : "", r->error_code ? r->error_code : "", r->error_code ? ")" : "");
	else
		llmk__fail(r, st, "%s: HTTP %d with no error message", p->c->provider->name, (int)r->http_status);
	llmk__free(detail);
}

/* A stream request answered with a plain JSON body (some servers ignore
 * "stream": true): parse it and replay it as events so the caller's
 * callback still sees the answer. */
static void replay_as_events(pipeline *p)
{
	llmk_response *r = p->resp;
	llmk_stream_ctx *s = &p->sctx;
	size_t i, n;
	llmk_event ev;

	if (!s->fn || r->status != LLMK_OK)
		return;
	first_token(s);
	if (r->text.len) {
		memset(&ev, 0, sizeof(ev));
		ev.type = LLMK_EVENT_TEXT;
		ev.text = r->text.data;
		ev.text_len = r->text.len;
		ev.tool_index = -1;
		if (deliver(s, &ev))
			return;
	}
	n = r->ncalls;
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = LLMK_EVENT_TOOL_CALL;
		ev.tool_index = (int32_t)i;
		ev.tool_id = r->calls[i].id.data;
		ev.tool_name = r->calls[i].name.data;
		ev.text = r->calls[i].args.data;
		ev.text_len = r->calls[i].args.len;
		if (deliver(s, &ev))
			return;
	}
	if (r->usage[LLMK_USAGE_INPUT] >= 0 || r->usage[LLMK_USAGE_OUTPUT] >= 0)
		llmk__emit_usage(s);
}

static void finish_stream(pipeline *p, int sse_rc)
{
	llmk_response *r = p->resp;

	if (sse_rc < 0) { /* SSE and NDJSON share the codes' meaning */
		llmk__fail(r, sse_rc == LLMK_SSE_E_TOO_LARGE ? LLMK_E_TOO_LARGE : LLMK_E_NOMEM,
		           "stream decoding failed");
		return;
	}
	if (r->status != LLMK_OK)
		return;
	if (!p->sctx.done && !r->finish_reason) {
		llmk__fail(r, LLMK_E_PROTOCOL, "%s: stream ended before the end-of-stream marker (truncated after %zu bytes)",
		           p->c->provider->name, r->raw.len);
		return;
	}
}

/* ---- what the provider can honour ------------------------------------- */

static int drop_wanted(const pipeline *p)
{
	int64_t v;

	if (llmk__req_i64(p->r, LLMK_OPT_DROP_UNSUPPORTED, &v))
		return v != 0;
	return llmk__client_i64(p->c, LLMK_OPT_DROP_UNSUPPORTED, 0) != 0;
}

/* A parameter the provider cannot honour: fail, or (when the caller opted
 * in) note it on the response and return 1 so the caller removes it. */
static int unsupported(pipeline *p, const char *what, int drop)
{
	llmk_response *r = p->resp;
	size_t n;
	char *grown;

	if (!drop) {
		llmk__fail(r, LLMK_E_UNSUPPORTED,
		           "%s does not support %s for %s requests (set drop_unsupported = 1 to send the request without it)",
		           p->c->provider->name, what, kind_path_name(p->r->kind));
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

static int is_remote_image(const llmk_part *pt)
{
	return pt->type == LLMK_PART_IMAGE_URL && strncmp(pt->text, "data:", 5) != 0;
}

/* Drops the image parts `which` selects (1: all, 2: remote URLs only) from
 * the view, on copies of the message arrays. */
static int drop_images(pipeline *p, int which)
{
	llmk_request *v = &p->view;
	size_t i, j, k;

	p->view_msgs = llmk__calloc(v->nmsgs, sizeof(llmk_message));
	if (!p->view_msgs)
		return -1;
	for (i = 0; i < v->nmsgs; i++) {
		const llmk_message *m = &p->r->msgs[i];
		llmk_message *c = &p->view_msgs[i];
		*c = *m;
		c->parts = m->nparts ? llmk__calloc(m->nparts, sizeof(llmk_part)) : NULL;
		c->nparts = c->cap = 0;
		if (m->nparts && !c->parts)
			return -1;
		c->cap = m->nparts;
		for (j = 0, k = 0; j < m->nparts; j++)
			if (!(m->parts[j].type == LLMK_PART_IMAGE_URL && (which == 1 || is_remote_image(&m->parts[j]))))
				c->parts[k++] = m->parts[j];
		c->nparts = k;
	}
	v->msgs = p->view_msgs;
	return 0;
}

static void free_view(pipeline *p)
{
	size_t i;

	if (!p->view_msgs)
		return;
	for (i = 0; i < p->r->nmsgs; i++)
		llmk__free(p->view_msgs[i].parts);
	llmk__free(p->view_msgs);
	p->view_msgs = NULL;
}

/* Builds p->view: the request minus what the provider cannot honour, or
 * fails with LLMK_E_UNSUPPORTED naming the provider and the parameter. */
static int check_support(pipeline *p)
{
	const llmk_provider *prov = p->c->provider;
	const llmk_request *r = p->r;
	llmk_request *v = &p->view;
	int drop = drop_wanted(p), slot, images = 0, remote = 0;
	unsigned caps = prov->chat_caps;
	int32_t id;
	size_t i, j;

	*v = *r;
	if (!(prov->kinds & (1u << r->kind))) {
		llmk__fail(p->resp, LLMK_E_UNSUPPORTED, "%s does not serve %s requests", prov->name,
		           kind_path_name(r->kind));
		return -1;
	}
	for (slot = 0; slot < LLMK_STR_SLOTS + LLMK_I64_SLOTS + LLMK_F64_SLOTS; slot++) {
		int is_str = slot < LLMK_STR_SLOTS, is_i64 = !is_str && slot < LLMK_STR_SLOTS + LLMK_I64_SLOTS;
		int k = is_str ? slot : is_i64 ? slot - LLMK_STR_SLOTS : slot - LLMK_STR_SLOTS - LLMK_I64_SLOTS;
		int set = is_str ? r->str[k] != NULL : is_i64 ? (r->i64_set >> k) & 1 : (r->f64_set >> k) & 1;
		if (!set)
			continue;
		id = (is_str ? 1000 : is_i64 ? 2000 : 3000) + k;
		if (id == LLMK_OPT_MODEL || id == LLMK_OPT_DROP_UNSUPPORTED || ((prov->opts >> LLMK__OPT_BIT(id)) & 1))
			continue;
		if (!unsupported(p, llmk_option_name(id), drop))
			return -1;
		if (is_str)
			v->str[k] = NULL;
		else if (is_i64)
			v->i64_set &= ~(1u << k);
		else
			v->f64_set &= ~(1u << k);
	}
	if (r->nstops && !(prov->opts & LLMK__OPT(STOP))) {
		if (!unsupported(p, "stop", drop))
			return -1;
		v->nstops = 0;
	}
	if (r->kind != LLMK_CHAT)
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
		}
	if (images && !(caps & LLMK_CAP_VISION)) {
		if (!unsupported(p, "images", drop))
			return -1;
		if (drop_images(p, 1))
			return llmk__fail(p->resp, LLMK_E_NOMEM, "out of memory"), -1;
	} else if (remote && !(caps & LLMK_CAP_IMAGE_URL)) {
		/* Inline data works; a URL would have to be fetched by us. */
		if (!unsupported(p, "image URLs (give image data instead)", drop))
			return -1;
		if (drop_images(p, 2))
			return llmk__fail(p->resp, LLMK_E_NOMEM, "out of memory"), -1;
	}
	return 0;
}

/* Everything up to the transfer. Returns 1 when the exchange is ready for
 * the transport, 0 when the attempt already ended (a failure recorded on the
 * response, or a registered provider that answered in-process). */
static int prepare(pipeline *p)
{
	const llmk_client *c = p->c;
	llmk_response *r = p->resp;
	const char *model = llmk__req_str(p->r, LLMK_OPT_MODEL);
	llmk_status st;
	size_t max_line;

	if (!model || !*model)
		model = c->model;
	if (!model || !*model) {
		llmk__fail(r, LLMK_E_INVALID_ARG, "no model: give one in the client's model string or LLMK_OPT_MODEL");
		return 0;
	}
	if (check_support(p))
		return 0;
	p->sctx.req = &p->view;
	if (p->stream && !(c->provider->chat_caps & LLMK_CAP_STREAM)) {
		p->stream = 0; /* ask for the whole answer, then replay it as events */
		p->replay = 1;
	}
	if (c->user_provider) {
		if (llmk__user_provider_send(c->user_provider, &p->view, model, &p->sctx, p->stream) == LLMK_OK &&
		    p->replay)
			replay_as_events(p);
		return 0;
	}
	if (!c->api_key && !(c->provider->quirks & LLMK_Q_KEY_OPTIONAL)) {
		llmk__fail(r, LLMK_E_AUTH, "%s: no API key: set %s or LLMK_OPT_API_KEY", c->provider->name,
		           c->provider->key_env ? c->provider->key_env : "the api_key option");
		return 0;
	}
	if (!c->base_url || !*c->base_url) {
		llmk__fail(r, LLMK_E_CONFIG, "%s: no base URL: set %s or LLMK_OPT_BASE_URL", c->provider->name,
		           c->provider->url_env ? c->provider->url_env : "the base_url option");
		return 0;
	}
	if (!c->transport.send) {
		llmk__fail(r, LLMK_E_UNSUPPORTED, "no transport: built without libcurl and none was installed");
		return 0;
	}
	/* The adapter's stream state (freed by job_end_attempt). */
	if (p->stream && p->ad->state_size && !(p->sctx.state = llmk__calloc(1, p->ad->state_size))) {
		llmk__fail(r, LLMK_E_NOMEM, "out of memory");
		return 0;
	}
	st = p->ad->build(c, &p->view, model, p->stream, &p->ex, r);
	if (st != LLMK_OK) {
		if (r->status == LLMK_OK)
			llmk__fail(r, st, "building the %s request failed", kind_path_name(p->r->kind));
		return 0;
	}
	p->ex.timeout_ms = llmk__client_i64(c, LLMK_OPT_TIMEOUT_MS, 600000);
	if (p->deadline_left_ms > 0 && (p->ex.timeout_ms == 0 || p->ex.timeout_ms > p->deadline_left_ms))
		p->ex.timeout_ms = p->deadline_left_ms;
	p->ex.cancel = p->r->cancel;
	p->ex.connect_timeout_ms = llmk__client_i64(c, LLMK_OPT_CONNECT_TIMEOUT_MS, 10000);
	p->ex.idle_timeout_ms = llmk__client_i64(c, LLMK_OPT_IDLE_TIMEOUT_MS, 0);
	p->max_body = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_RESPONSE_BYTES, LLMK_DEFAULT_MAX_RESPONSE);
	max_line = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_LINE_BYTES, LLMK_DEFAULT_MAX_LINE);
	p->max_events = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_EVENTS, 1000000);
	llmk_sse_init(&p->sse, max_line, on_sse_event, p);
	llmk_ndjson_init(&p->nd, max_line, on_ndjson_line, p);
	llmk_evs_init(&p->evs, max_line, on_evs_message, p);
	p->ex.sink.status = on_status;
	p->ex.sink.header = on_header;
	p->ex.sink.body = on_body;
	p->ex.sink.ctx = p;
	return 1;
}

/* Everything after the transfer, whose transport status is `st`. */
static void complete(pipeline *p, llmk_status st)
{
	const llmk_client *c = p->c;
	llmk_response *r = p->resp;

	if (p->sctx.cancelled) {
		llmk__fail(r, LLMK_E_CANCELLED, "cancelled by the stream callback");
		return;
	}
	if (llmk_cancel_triggered(p->r->cancel)) {
		llmk__fail(r, LLMK_E_CANCELLED, "%s: cancelled (cancel flag raised)", c->provider->name);
		return;
	}
	if (r->status != LLMK_OK) /* the sink failed first: that is the cause */
		return;
	if (st != LLMK_OK) {
		llmk__fail(r, st, "%s: %s: %s", c->provider->name, llmk_strerror(st),
		           p->ex.errmsg[0] ? p->ex.errmsg : "transport failed");
		return;
	}
	if (!r->http_status) {
		llmk__fail(r, LLMK_E_PROTOCOL, "transport reported success without an HTTP status");
		return;
	}
	read_request_id(r);
	/* A decoded stream's events were each checked as they came; its raw
	 * body is SSE/NDJSON text, not one JSON value. */
	if (p->sse_mode <= 0 && llmk__json_too_deep(r->raw.data, r->raw.len, p->max_depth)) {
		read_retry_after(r);
		llmk__fail(r, is_2xx(r->http_status) ? LLMK_E_PROTOCOL : llmk__status_from_http(r->http_status),
		           "%s: HTTP %d: the body nests JSON deeper than max_json_depth (%zu)", c->provider->name,
		           (int)r->http_status, p->max_depth);
		return;
	}
	if (!is_2xx(r->http_status)) {
		finish_http_error(p);
		return;
	}
	if (!p->sse_mode)
		decide_mode(p);
	if (p->sse_mode == 1) {
		finish_stream(p, llmk_sse_finish(&p->sse));
		return;
	}
	if (p->sse_mode == 2) {
		finish_stream(p, llmk_ndjson_finish(&p->nd));
		return;
	}
	if (p->sse_mode == 3) {
		int rc = llmk_evs_finish(&p->evs);
		if (rc < 0)
			evs_fail(p, rc);
		finish_stream(p, 0);
		return;
	}
	st = p->ad->parse(c, &p->view, r, llmk__response_header(r, "content-type"), r->raw.data ? r->raw.data : "",
	                  r->raw.len);
	if (st != LLMK_OK && r->status == LLMK_OK)
		llmk__fail(r, st, "%s: could not parse the response", c->provider->name);
	if (p->stream || p->replay)
		replay_as_events(p);
}

/* ---- logging ------------------------------------------------------------ */

static unsigned long next_request_number(void)
{
	static unsigned long counter;
	return __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}

/* Formats one log line, scrubs the key, hands it to the client's hook. */
static void logf_(const llmk_client *c, int32_t level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void logf_(const llmk_client *c, int32_t level, const char *fmt, ...)
{
	char line[LLMK_ERRMSG_MAX + 512];
	va_list ap;

	if (!c->log_fn || level > c->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	redact(line, c->api_key);
	redact(line, c->aws_secret);
	redact(line, c->aws_token);
	c->log_fn(level, line, c->log_user);
}

static const char *short_url(const llmk_client *c)
{
	return c->base_url ? c->base_url : "(no base URL)";
}

static void log_attempt(const llmk_client *c, unsigned long n, const llmk_response *r, int a, int max, double start)
{
	double ms = llmk__now_ms() - start;

	if (r->status == LLMK_OK)
		logf_(c, LLMK_LOG_INFO, "#%lu %s %s: HTTP %d in %.0f ms (first byte %.0f ms), attempt %d of %d%s%s", n,
		      c->provider->name, short_url(c), (int)r->http_status, ms, r->timing[LLMK_TIMING_FIRST_BYTE_MS], a,
		      max, r->request_id ? ", request id " : "", r->request_id ? r->request_id : "");
	else
		logf_(c, LLMK_LOG_WARN, "#%lu %s %s: %s after %.0f ms, attempt %d of %d%s%s: %s", n, c->provider->name,
		      short_url(c), llmk_status_name(r->status), ms, a, max, r->request_id ? ", request id " : "",
		      r->request_id ? r->request_id : "", r->error ? r->error : "");
}

/* ---- jobs: one request through its attempts ------------------------------
 *
 * A job is the state of one llmk_send()/llmk_stream() call between steps:
 * begin an attempt, transfer, finish it, maybe wait and begin the next. The
 * blocking calls run a job on the caller's stack with the transport's
 * blocking send; a multi (multi.c) keeps many on the heap and transfers
 * them together. Both go through these functions, so retries, limits and
 * logging cannot differ between the two. */

struct llmk__job {
	llmk_client *c;
	const llmk_request *req;
	int stream;
	llmk_stream_fn fn;
	void *user;
	llmk_response *r;
	int64_t retries, base, cap, deadline, left;
	double t0, t_attempt, wake_at;
	unsigned long n;
	int a;
	int in_attempt; /* p holds an attempt's resources */
	int waiting;    /* between attempts, until wake_at */
	pipeline p;
};

/* Whether a failed attempt may be repeated: connection failures and
 * timeouts, HTTP 408/409/429/5xx, an overload or server error inside a 2xx
 * answer — never once the caller has seen an event. x-should-retry (OpenAI)
 * overrides the status either way. */
static int retryable(const llmk_response *r, int delivered)
{
	const char *sr = llmk__response_header(r, "x-should-retry");
	int32_t h = r->http_status;

	if (r->status == LLMK_OK || r->status == LLMK_E_CANCELLED || delivered)
		return 0;
	if (sr && !strcasecmp(sr, "false"))
		return 0;
	if (sr && !strcasecmp(sr, "true"))
		return 1;
	if (r->status == LLMK_E_TRANSPORT || r->status == LLMK_E_TIMEOUT)
		return 1;
	if (h == 408 || h == 409 || h == 429 || h >= 500)
		return 1;
	return is_2xx(h) && (r->status == LLMK_E_OVERLOADED || r->status == LLMK_E_RATE_LIMITED || r->status == LLMK_E_SERVER);
}

/* Waits until `when` (llmk__now_ms() time), in slices, unless the cancel
 * flag goes up: 1 if it did. */
static int wait_until(double when, const llmk_cancel *cancel)
{
	double left;
	struct timespec ts;

	while ((left = when - llmk__now_ms()) > 0) {
		if (llmk_cancel_triggered(cancel))
			return 1;
		if (left > 10)
			left = 10;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e6);
		nanosleep(&ts, NULL);
	}
	return llmk_cancel_triggered(cancel);
}

/* The response is final: total time, scrubbed error, last log line. */
static int job_finish(llmk__job *j)
{
	llmk_response *r = j->r;
	const char *model = llmk__req_str(j->req, LLMK_OPT_MODEL);

	/* Who was asked for what: prices (llmk_response_cost()) key on it. */
	if (!model || !*model)
		model = j->c->model;
	if (llmk__set_field(&r->provider, j->c->provider->name) != LLMK_OK ||
	    (model && llmk__set_field(&r->req_model, model) != LLMK_OK))
		llmk__fail(r, LLMK_E_NOMEM, "out of memory");
	r->timing[LLMK_TIMING_TOTAL_MS] = llmk__now_ms() - j->t0;
	if (r->error) {
		redact(r->error, j->c->api_key);
		redact(r->error, j->c->aws_secret);
		redact(r->error, j->c->aws_token);
	}
	if (r->status != LLMK_OK)
		logf_(j->c, LLMK_LOG_ERROR, "#%lu %s failed after %d attempt(s): %s", j->n, j->c->provider->name,
		      r->attempts, r->error ? r->error : llmk_strerror(r->status));
	return LLMK__JOB_DONE;
}

/* Ends the current attempt: decides between done and a retry after a wait
 * (j->wake_at). */
static int job_end_attempt(llmk__job *j)
{
	llmk_client *c = j->c;
	llmk_response *r = j->r;
	pipeline *p = &j->p;
	int delivered;
	int64_t delay, ra;
	uint32_t bound;

	if (r->usage[LLMK_USAGE_TOTAL] < 0 && r->usage[LLMK_USAGE_INPUT] >= 0 && r->usage[LLMK_USAGE_OUTPUT] >= 0)
		r->usage[LLMK_USAGE_TOTAL] = r->usage[LLMK_USAGE_INPUT] + r->usage[LLMK_USAGE_OUTPUT];
	if (j->stream && r->status == LLMK_OK && j->fn && !p->sctx.cancelled)
		llmk__emit_done(&p->sctx);
	if (p->sctx.cancelled && r->status == LLMK_OK)
		llmk__fail(r, LLMK_E_CANCELLED, "cancelled by the stream callback");
	delivered = p->sctx.delivered;
	llmk_sse_free(&p->sse);
	llmk_ndjson_free(&p->nd);
	llmk_evs_free(&p->evs);
	free_view(p);
	llmk__exchange_clear(&p->ex);
	llmk__free(p->sctx.state);
	p->sctx.state = NULL;
	j->in_attempt = 0;

	/* An allocation failed during the attempt, yet it reports success:
	 * something may be missing (jansson's lexer, for one, drops characters
	 * it cannot store and carries on). Never pass that off as the answer. */
	if (r->status == LLMK_OK && llmk__oom_seen())
		llmk__fail(r, LLMK_E_NOMEM, "%s: out of memory while reading the answer", c->provider->name);
	r->attempts = j->a;
	log_attempt(c, j->n, r, j->a, (int)j->retries + 1, j->t_attempt);
	if (j->a > j->retries || !retryable(r, delivered))
		return job_finish(j);
	/* Retry-After is the server's word; longer than we may wait, the caller
	 * gets the answer and decides (retry_after_ms says when). */
	ra = r->retry_after_ms;
	if (ra > j->cap)
		return job_finish(j);
	if (ra >= 0) {
		delay = ra;
	} else {
		/* Full jitter: uniform in [0, min(cap, base * 2^(a-1))]. */
		int64_t top = j->base << (j->a - 1 < 20 ? j->a - 1 : 20);
		if (top > j->cap)
			top = j->cap;
		bound = top > 0x7fffffff ? 0x7fffffffu : (uint32_t)top;
		delay = (int64_t)randombytes_uniform(bound + 1);
	}
	if (j->deadline > 0 && llmk__now_ms() - j->t0 + (double)delay >= (double)j->deadline)
		return job_finish(j);
	logf_(c, LLMK_LOG_WARN, "#%lu retrying in %lld ms after %s (HTTP %d)", j->n, (long long)delay,
	      llmk_status_name(r->status), (int)r->http_status);
	j->wake_at = llmk__now_ms() + (double)delay;
	j->waiting = 1;
	return LLMK__JOB_WAIT;
}

/* Begins attempt j->a: TRANSFER when the exchange j->p.ex is ready for the
 * client's transport, else what ending the attempt gave. */
static int job_begin_attempt(llmk__job *j)
{
	llmk_client *c = j->c;
	pipeline *p = &j->p;

	j->t_attempt = llmk__now_ms();
	j->left = 0;
	if (j->deadline > 0) {
		j->left = j->deadline - (int64_t)(j->t_attempt - j->t0);
		if (j->left <= 0) {
			llmk__fail(j->r, LLMK_E_TIMEOUT, "deadline_ms (%lld ms) passed before attempt %d",
			           (long long)j->deadline, j->a);
			return job_finish(j);
		}
	}
	logf_(c, LLMK_LOG_DEBUG, "#%lu %s %s: attempt %d of %d", j->n, c->provider->name, short_url(c), j->a,
	      (int)j->retries + 1);
	llmk__oom_reset();
	memset(p, 0, sizeof(*p));
	p->c = c;
	p->r = j->req;
	p->resp = j->r;
	p->ad = c->provider->adapter;
	p->stream = j->stream && j->req->kind == LLMK_CHAT;
	p->sctx.provider_name = c->provider->name;
	p->t0 = j->t0;
	p->deadline_left_ms = j->left;
	p->max_depth = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_JSON_DEPTH, 128);
	p->max_events = (size_t)-1;
	p->sctx.resp = j->r;
	p->sctx.fn = j->fn;
	p->sctx.user = j->user;
	p->sctx.t0 = j->t0;
	llmk__exchange_init(&p->ex);
	j->in_attempt = 1;
	if (prepare(p))
		return LLMK__JOB_TRANSFER;
	return job_end_attempt(j);
}

static llmk_status job_init(llmk__job *j, llmk_client *c, const llmk_request *req, int stream, llmk_stream_fn fn,
                            void *user)
{
	memset(j, 0, sizeof(*j));
	j->r = llmk__response_new();
	if (!j->r)
		return LLMK_E_NOMEM;
	if (!c || !req)
		return llmk__fail(j->r, LLMK_E_INVALID_ARG, "%s is NULL", !c ? "client" : "request");
	if (stream && !fn)
		return llmk__fail(j->r, LLMK_E_INVALID_ARG, "stream callback is NULL");
	j->c = c;
	j->req = req;
	j->stream = stream;
	j->fn = fn;
	j->user = user;
	j->retries = llmk__client_i64(c, LLMK_OPT_MAX_RETRIES, 2);
	j->base = llmk__client_i64(c, LLMK_OPT_RETRY_BASE_MS, 500);
	j->cap = llmk__client_i64(c, LLMK_OPT_RETRY_MAX_MS, 30000);
	j->deadline = llmk__client_i64(c, LLMK_OPT_DEADLINE_MS, 0);
	j->n = next_request_number();
	j->t0 = llmk__now_ms();
	j->a = 1;
	return LLMK_OK;
}

int llmk__job_start(llmk__job **out, llmk__job *mem, llmk_client *c, const llmk_request *req, llmk_stream_fn fn,
                    void *user)
{
	llmk__job *j = mem ? mem : llmk__malloc(sizeof(*j));

	*out = j;
	if (!j)
		return LLMK__JOB_NOMEM;
	if (job_init(j, c, req, fn != NULL, fn, user) != LLMK_OK)
		return j->r ? LLMK__JOB_DONE : LLMK__JOB_NOMEM;
	return job_begin_attempt(j);
}

int llmk__job_transferred(llmk__job *j, llmk_status st)
{
	complete(&j->p, st);
	return job_end_attempt(j);
}

/* Cancelled between attempts: the last failure stays on record; the status
 * says why we stopped. */
static int cancel_wait(llmk__job *j, const char *why)
{
	char *was = j->r->error;

	j->r->error = NULL;
	j->r->status = LLMK_OK;
	llmk__fail(j->r, LLMK_E_CANCELLED, "cancelled while waiting to retry (%s; last attempt: %s)", why,
	           was ? was : "");
	llmk__free(was);
	return job_finish(j);
}

int llmk__job_wake(llmk__job *j)
{
	llmk_response *next;

	j->waiting = 0;
	if (llmk_cancel_triggered(j->req->cancel))
		return cancel_wait(j, "cancel flag raised");
	/* The wait was chosen to end before the deadline, but a busy thread (or
	 * a multi not driven for a while) can wake after it: then the answer is
	 * the last failure, as when the next wait would have passed the
	 * deadline (job_end_attempt), not an empty response. 1 ms of margin:
	 * the attempt checks the deadline again and would have only a fresh
	 * response to report on. */
	if (j->deadline > 0 && llmk__now_ms() - j->t0 + 1.0 >= (double)j->deadline)
		return job_finish(j);
	next = llmk__response_new();
	if (!next)
		return job_finish(j); /* keep the last answer: it is the best we have */
	llmk_response_free(j->r);
	j->r = next;
	j->a++;
	return job_begin_attempt(j);
}

llmk_exchange *llmk__job_exchange(llmk__job *j)
{
	return &j->p.ex;
}

double llmk__job_wake_at(const llmk__job *j)
{
	return j->wake_at;
}

const llmk_cancel *llmk__job_cancel(const llmk__job *j)
{
	return j->req ? j->req->cancel : NULL;
}

void llmk__job_free(llmk__job *mem)
{
	llmk__free(mem);
}

llmk_response *llmk__job_take(llmk__job *j, int keep)
{
	llmk_response *r = j->r;

	/* Abandoned (the multi was freed) mid-transfer or between attempts. */
	if (j->in_attempt) {
		llmk__fail(j->r, LLMK_E_CANCELLED, "cancelled: the multi handle was freed");
		job_end_attempt(j);
	} else if (j->waiting) {
		j->waiting = 0;
		cancel_wait(j, "the multi handle was freed");
	}
	j->r = NULL;
	if (!keep)
		llmk__free(j);
	return r;
}

/* ---- blocking calls ----------------------------------------------------- */

static llmk_status start(llmk_client *c, const llmk_request *req, int stream, llmk_stream_fn fn, void *user,
                         llmk_response **out)
{
	llmk__job j;
	llmk_status st;
	int state;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	st = job_init(&j, c, req, stream, fn, user);
	*out = j.r;
	if (st != LLMK_OK)
		return st;
	state = job_begin_attempt(&j);
	for (;;) {
		if (state == LLMK__JOB_TRANSFER) {
			st = c->transport.send(&j.p.ex, c->transport_user);
			state = llmk__job_transferred(&j, st);
		} else if (state == LLMK__JOB_WAIT) {
			wait_until(j.wake_at, req->cancel);
			state = llmk__job_wake(&j);
		} else {
			break;
		}
	}
	*out = j.r;
	return j.r->status;
}

llmk_status llmk_send(llmk_client *c, const llmk_request *r, llmk_response **out)
{
	return start(c, r, 0, NULL, NULL, out);
}

llmk_status llmk_stream(llmk_client *c, const llmk_request *r, llmk_stream_fn fn, void *user, llmk_response **out)
{
	return start(c, r, 1, fn, user, out);
}
