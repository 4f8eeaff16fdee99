/* The exchange's sink: status, headers and body bytes as the transport
 * delivers them. Headers are stored (bounded count and size); the body is
 * kept (bounded by max_response_bytes) and, for a 2xx answer to a stream
 * request, decoded as it arrives (SSE, NDJSON, AWS event stream), each
 * event going to the adapter's stream_event(); streamed speech that comes
 * as audio bytes goes to the caller chunk by chunk. */
#include <string.h>
#include <strings.h>

#include "attempt.h"
#include "clock.h"
#include "json.h"
#include "status.h"

static int on_status(void *ctx, int32_t http_status)
{
	llmk__attempt *p = ctx;
	llmk_response *resp = p->resp;

	/* A new status line starts a new header block (e.g. after 100
	 * Continue): forget the previous one. */
	llmk__buf_clear(&resp->headers);
	resp->nheaders = 0;
	resp->header_bytes = 0;
	resp->http_status = http_status;
	return 0;
}

static int on_header(void *ctx, const char *name, const char *value)
{
	llmk__attempt *p = ctx;
	llmk_response *r = p->resp;
	size_t nl = strlen(name), vl = strlen(value);

	r->header_bytes += nl + vl;
	if (r->nheaders >= LLMK_MAX_HEADERS || r->header_bytes > LLMK_MAX_HEADER_BYTES) {
		llmk__fail(r, LLMK_E_TOO_LARGE, "response headers exceed %u headers / %u bytes",
		           (unsigned)LLMK_MAX_HEADERS, (unsigned)LLMK_MAX_HEADER_BYTES);
		return 1;
	}
	if ((!r->headers.cap && llmk__buf_reserve(&r->headers, 512)) || llmk__buf_append(&r->headers, name, nl + 1) ||
	    llmk__buf_append(&r->headers, value, vl + 1)) {
		llmk__fail(r, LLMK_E_NOMEM, "out of memory storing response headers");
		return 1;
	}
	r->nheaders++;
	return 0;
}

/* ---- body ------------------------------------------------------------- */

static int on_sse_event(const char *event, size_t elen, const char *data, size_t dlen, void *user)
{
	llmk__attempt *p = user;
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

static int on_evs_message(const llmk__evs_message *m, void *user)
{
	return on_sse_event(m->name, strlen(m->name), m->payload, m->payload_len, user);
}

static void evs_fail(llmk__attempt *p, int rc)
{
	llmk_status st = rc == LLMK_EVS_E_NOMEM       ? LLMK_E_NOMEM
	                 : rc == LLMK_EVS_E_TOO_LARGE ? LLMK_E_TOO_LARGE
	                                              : LLMK_E_PROTOCOL;

	llmk__fail(p->resp, st, "%s: event stream: %s", p->c->provider->name, llmk__evs_strerror(rc));
}

int llmk__ctype_is(const char *ct, const char *type)
{
	size_t n = strlen(type), m;

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, n))
		return 0;
	if (n && type[n - 1] == '/')
		return 1;
	m = strcspn(ct + n, ";");
	while (m && (ct[n + m - 1] == ' ' || ct[n + m - 1] == '\t'))
		m--;
	return m == 0;
}

static void decide_mode(llmk__attempt *p)
{
	const char *ct = llmk__response_header(p->resp, "content-type");

	p->sse_mode = -1;
	if (!p->stream || !llmk__is_2xx(p->resp->http_status))
		return;
	if (ct && strncasecmp(ct, "text/event-stream", 17) == 0)
		p->sse_mode = 1;
	else if (p->r->kind == LLMK_SPEECH &&
	         (llmk__ctype_is(ct, "audio/") || llmk__ctype_is(ct, "application/octet-stream")))
		p->sse_mode = 4; /* speech as it is synthesised: each chunk an AUDIO event */
	else if (p->ad->framing == LLMK_FRAMING_EVENTSTREAM ||
	         (ct && !strncasecmp(ct, "application/vnd.amazon.eventstream", 34)))
		p->sse_mode = 3;
	else if (p->ad->framing == LLMK_FRAMING_NDJSON ||
	         (ct && (!strncasecmp(ct, "application/x-ndjson", 20) || !strncasecmp(ct, "application/jsonl", 17))))
		p->sse_mode = 2;
}

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
	llmk__attempt *p = ctx;
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
	if (llmk__buf_append(&r->raw, data, len)) {
		llmk__fail(r, LLMK_E_NOMEM, "out of memory receiving the response body");
		return 1;
	}
	if (p->sse_mode == 2) {
		rc = llmk__ndjson_feed(&p->nd, (const char *)data, len);
		if (rc == LLMK_NDJSON_E_TOO_LARGE)
			llmk__fail(r, LLMK_E_TOO_LARGE, "stream line exceeds max_line_bytes");
		else if (rc == LLMK_NDJSON_E_TOO_MANY)
			llmk__fail(r, LLMK_E_TOO_LARGE,
			           "stream has more than max_events (%zu) lines, blank ones included", p->max_events);
		else if (rc == LLMK_NDJSON_E_NOMEM)
			llmk__fail(r, LLMK_E_NOMEM, "out of memory decoding the stream");
		return rc != 0;
	}
	if (p->sse_mode == 4)
		return llmk__emit_audio(&p->sctx, data, len);
	if (p->sse_mode == 3) {
		rc = llmk__evs_feed(&p->evs, data, len);
		if (rc < 0)
			evs_fail(p, rc);
		return rc != 0;
	}
	if (p->sse_mode != 1)
		return 0;
	rc = llmk__sse_feed(&p->sse, (const char *)data, len);
	if (rc == LLMK_SSE_E_TOO_LARGE)
		llmk__fail(r, LLMK_E_TOO_LARGE, "stream line or event exceeds max_line_bytes");
	else if (rc == LLMK_SSE_E_TOO_MANY)
		llmk__fail(r, LLMK_E_TOO_LARGE,
		           "stream has more than max_events (%zu) events, comments and empty events included",
		           p->max_events);
	else if (rc == LLMK_SSE_E_NOMEM)
		llmk__fail(r, LLMK_E_NOMEM, "out of memory decoding the stream");
	return rc != 0;
}

static void finish_stream(llmk__attempt *p, int sse_rc)
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
		llmk__fail(r, LLMK_E_PROTOCOL,
		           "%s: stream ended before the end-of-stream marker (truncated after %zu bytes)",
		           p->c->provider->name, r->raw.len);
		return;
	}
}

void llmk__attempt_sink(llmk__attempt *p, size_t max_line)
{
	llmk__sse_init(&p->sse, max_line, on_sse_event, p);
	llmk__sse_set_max_units(&p->sse, p->max_events);
	llmk__ndjson_init(&p->nd, max_line, on_ndjson_line, p);
	llmk__ndjson_set_max_units(&p->nd, p->max_events);
	llmk__evs_init(&p->evs, max_line, on_evs_message, p);
	p->ex.sink.status = on_status;
	p->ex.sink.header = on_header;
	p->ex.sink.body = on_body;
	p->ex.sink.ctx = p;
}

int llmk__attempt_finish_decoding(llmk__attempt *p)
{
	if (!p->sse_mode)
		decide_mode(p);
	if (p->sse_mode == 1) {
		finish_stream(p, llmk__sse_finish(&p->sse));
		return 1;
	}
	if (p->sse_mode == 2) {
		finish_stream(p, llmk__ndjson_finish(&p->nd));
		return 1;
	}
	if (p->sse_mode == 4) {
		if (!p->resp->stream_audio.len)
			llmk__fail(p->resp, LLMK_E_PROTOCOL, "%s: speech response has no audio", p->c->provider->name);
		else
			llmk__stream_audio_finish(p->resp, llmk__response_header(p->resp, "content-type"));
		return 1;
	}
	if (p->sse_mode == 3) {
		int rc = llmk__evs_finish(&p->evs);
		if (rc < 0)
			evs_fail(p, rc);
		finish_stream(p, 0);
		return 1;
	}
	return 0;
}

void llmk__attempt_decoders_free(llmk__attempt *p)
{
	llmk__sse_free(&p->sse);
	llmk__ndjson_free(&p->nd);
	llmk__evs_free(&p->evs);
}
