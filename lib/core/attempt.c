/* One attempt, before and after the transfer: resolve the model, check
 * support, check the key and endpoint, let the adapter build the exchange;
 * afterwards classify what came back (cancel, transport failure, HTTP
 * error, decoded stream, whole body) and hand it to the adapter. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "attempt.h"
#include "json.h"
#include "status.h"

static void finish_http_error(llmk__attempt *p)
{
	llmk_response *r = p->resp;
	llmk_status st;
	char *detail;

	llmk__read_retry_after(r);
	st = p->ad->parse_error(r, r->http_status, r->raw.data ? r->raw.data : "", r->raw.len);
	detail = r->error; /* parse_error leaves the provider's message here */
	r->error = NULL;
	r->status = LLMK_OK;
	if (r->http_status >= 300 && r->http_status < 400) {
		char to[300];
		llmk__redirect_target(r, to, sizeof(to));
		llmk__fail(r, st, "%s: HTTP %d redirect to %s, not followed (set base_url to the endpoint itself)%s%s",
		           p->c->provider->name, (int)r->http_status, to, detail && *detail ? ": " : "",
		           detail ? detail : "");
	} else if (detail && *detail)
		llmk__fail(r, st, "%s: HTTP %d: %s%s%s%s", p->c->provider->name, (int)r->http_status, detail,
		           r->error_code ? " (" : "", r->error_code ? r->error_code : "", r->error_code ? ")" : "");
	else
		llmk__fail(r, st, "%s: HTTP %d with no error message", p->c->provider->name, (int)r->http_status);
	llmk__free(detail);
}

/* The caller's LLMK_OPT_HTTP_HEADER values, after the adapter's headers
 * (set after signing too: SigV4 signs only the headers it names). One the
 * adapter set already is refused: a second Authorization or Content-Type
 * would be the server's guess. 0, or -1 with the failure recorded. */
static int add_request_headers(llmk__attempt *p)
{
	const llmk_request *q = p->r;
	char name[256];
	const char *v;
	size_t i, j, n;

	for (i = 0; i < q->nheaders; i++) {
		n = strcspn(q->headers[i], ":");
		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) - 1 ? n : sizeof(name) - 1), q->headers[i]);
		for (j = 0; j < p->ex.nheaders; j++)
			if (!strcasecmp(p->ex.headers[j].name, name)) {
				llmk__fail(
				        p->resp, LLMK_E_INVALID_ARG,
				        "http_header '%s' is set by the library for %s (use the option that sets it)",
				        name, p->c->provider->name);
				return -1;
			}
		for (v = q->headers[i] + n + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (llmk__exchange_header(&p->ex, name, v)) {
			llmk__fail(p->resp, LLMK_E_NOMEM, "out of memory");
			return -1;
		}
	}
	return 0;
}

int llmk__attempt_prepare(llmk__attempt *p)
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
	if (llmk__check_support(p))
		return 0;
	p->sctx.req = &p->view;
	if (p->stream && p->r->kind == LLMK_CHAT && !(c->provider->chat_caps & LLMK_CAP_STREAM)) {
		p->stream = 0; /* ask for the whole answer, then replay it as events */
		p->replay = 1;
	}
	if (c->user_provider) {
		if (llmk__user_provider_send(c->user_provider, &p->view, model, &p->sctx, p->stream) == LLMK_OK &&
		    p->replay)
			llmk__replay_as_events(&p->sctx);
		return 0;
	}
	if (llmk__client_env_check(c, r))
		return 0;
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
	r->wire = p->ad->feature; /* whose opaque turn items the answer holds */
	st = p->ad->build(c, &p->view, model, p->stream, &p->ex, r);
	if (st != LLMK_OK) {
		if (r->status == LLMK_OK)
			llmk__fail(r, st, "building the %s request failed", llmk__kind_name(p->r->kind));
		return 0;
	}
	if (add_request_headers(p))
		return 0;
	p->ex.timeout_ms = llmk__client_i64(c, LLMK_OPT_TIMEOUT_MS, 600000);
	if (p->deadline_left_ms > 0 && (p->ex.timeout_ms == 0 || p->ex.timeout_ms > p->deadline_left_ms))
		p->ex.timeout_ms = p->deadline_left_ms;
	p->ex.cancel = p->r->cancel;
	p->ex.connect_timeout_ms = llmk__client_i64(c, LLMK_OPT_CONNECT_TIMEOUT_MS, 10000);
	p->ex.idle_timeout_ms = llmk__client_i64(c, LLMK_OPT_IDLE_TIMEOUT_MS, 0);
	p->ex.ca_file = llmk__client_str(c, LLMK_OPT_CA_BUNDLE);
	p->ex.ca_dir = llmk__client_str(c, LLMK_OPT_CA_DIR);
	p->max_body = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_RESPONSE_BYTES, LLMK_DEFAULT_MAX_RESPONSE);
	max_line = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_LINE_BYTES, LLMK_DEFAULT_MAX_LINE);
	p->max_events = (size_t)llmk__client_i64(c, LLMK_OPT_MAX_EVENTS, 1000000);
	llmk__attempt_sink(p, max_line);
	return 1;
}

void llmk__attempt_complete(llmk__attempt *p, llmk_status st)
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
	llmk__read_request_id(r);
	/* A decoded stream's events were each checked as they came; its raw
	 * body is SSE/NDJSON text, not one JSON value. */
	if (p->sse_mode <= 0 && llmk__json_too_deep(r->raw.data, r->raw.len, p->max_depth)) {
		llmk__read_retry_after(r);
		llmk__fail(r, llmk__is_2xx(r->http_status) ? LLMK_E_PROTOCOL : llmk__status_from_http(r->http_status),
		           "%s: HTTP %d: the body nests JSON deeper than max_json_depth (%zu)", c->provider->name,
		           (int)r->http_status, p->max_depth);
		return;
	}
	if (!llmk__is_2xx(r->http_status)) {
		finish_http_error(p);
		return;
	}
	if (llmk__attempt_finish_decoding(p))
		return;
	if (llmk__ctype_is(llmk__response_header(r, "content-type"), "text/event-stream")) {
		/* An event stream to a request that asked for one document: never
		 * the answer itself (it used to come back as the transcript, or as
		 * "audio" of type text/event-stream). */
		llmk__fail(r, LLMK_E_PROTOCOL,
		           "%s: expected %s, received text/event-stream (a stream was not asked for)",
		           c->provider->name, p->r->kind == LLMK_SPEECH ? "audio" : "one JSON document");
		return;
	}
	st = p->ad->parse(c, &p->view, r, llmk__response_header(r, "content-type"), r->raw.data ? r->raw.data : "",
	                  r->raw.len);
	if (st != LLMK_OK && r->status == LLMK_OK)
		llmk__fail(r, st, "%s: could not parse the response", c->provider->name);
	if (p->stream || p->replay)
		llmk__replay_as_events(&p->sctx);
}
