/* Anthropic's Message Batches API (docs.claude.com/en/api/creating-message-batches,
 * retrieving-message-batches, canceling-message-batches,
 * retrieving-message-batch-results; read 2026-12-06):
 *   POST /v1/messages/batches {"requests":[{"custom_id","params":{...}}]}
 *     (params: a Messages API body; up to 100,000 requests or 256 MB)
 *   -> a MessageBatch {id, type:"message_batch", processing_status:
 *      in_progress | canceling | ended, request_counts {processing,
 *      succeeded, errored, canceled, expired}, cancel_initiated_at,
 *      ended_at, results_url}
 *   GET /v1/messages/batches/{id}; POST /v1/messages/batches/{id}/cancel
 *   GET results_url: JSONL {"custom_id","result":{"type":"succeeded",
 *     "message":{...}} | {"type":"errored","error":{"type":"error",
 *     "error":{"type","message"}}} | {"type":"canceled"} | {"type":"expired"}},
 *     in no particular order.
 * A batch has no "expired" or "cancelled" status of its own: an ended batch
 * whose cancel was asked for is cancelled, one with expired requests (the
 * 24 hours passed) expired, any other completed. */
#include <stdio.h>
#include <string.h>

#include "batch_wire.h"

#define DEFAULT_API_VERSION "2023-06-01"

static llmk_status headers(const llmk_client *c, llmk_exchange *ex)
{
	const char *ver = llmk__client_str(c, LLMK_OPT_API_VERSION);

	if ((c->api_key && llmk__auth_header(ex, "x-api-key", NULL, c->api_key)) ||
	    llmk__exchange_header(ex, "anthropic-version", ver && *ver ? ver : DEFAULT_API_VERSION) ||
	    llmk__user_agent(c, ex))
		return LLMK_E_NOMEM;
	return LLMK_OK;
}

static llmk_status url_for(llmk__batch_call *bc, llmk__buf *u, const char *id, const char *rest)
{
	const char *base = bc->c->base_url;
	size_t n = strlen(base);
	llmk_status st;

	while (n && base[n - 1] == '/')
		n--;
	if (llmk__buf_append(u, base, n) || llmk__buf_append_str(u, "/messages/batches"))
		goto oom;
	if (id && (st = llmk__bw_id_path(bc, u, id, 0)) != LLMK_OK)
		return st;
	if ((rest && llmk__buf_append_str(u, rest)) || llmk__buf_append(u, "", 1))
		goto oom;
	return LLMK_OK;
oom:
	snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
	return LLMK_E_NOMEM;
}

static llmk_status line(const llmk_client *c, const char *custom_id, int32_t kind, const llmk_exchange *ex,
                        llmk__buf *out, char *err, size_t errcap)
{
	(void)c, (void)kind;
	if (memchr(ex->body.data, '\n', ex->body.len)) {
		snprintf(err, errcap, "the request body holds a line break");
		return LLMK_E_INVALID_ARG;
	}
	if (llmk__buf_append_str(out, "{\"custom_id\":\"") || llmk__buf_append_str(out, custom_id) ||
	    llmk__buf_append_str(out, "\",\"params\":") || llmk__buf_append(out, ex->body.data, ex->body.len) ||
	    llmk__buf_append_str(out, "}\n"))
		return LLMK_E_NOMEM;
	return LLMK_OK;
}

static llmk_status read_batch(llmk__batch_call *bc, const llmk_response *r, llmk__batch_info *info)
{
	json_t *b = llmk__bw_object(bc, r, "the message batch"), *counts;
	const char *s;
	int64_t n[5];
	int i;

	if (!b)
		return LLMK_E_PROTOCOL;
	s = json_string_value(json_object_get(b, "processing_status"));
	if (!json_is_string(json_object_get(b, "id")) || !s) {
		json_decref(b);
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: the batch has no id or processing_status",
		         bc->c->provider->name);
		return LLMK_E_PROTOCOL;
	}
	counts = json_object_get(b, "request_counts");
	n[0] = llmk__bw_count(json_object_get(counts, "processing"));
	n[1] = llmk__bw_count(json_object_get(counts, "succeeded"));
	n[2] = llmk__bw_count(json_object_get(counts, "errored"));
	n[3] = llmk__bw_count(json_object_get(counts, "canceled"));
	n[4] = llmk__bw_count(json_object_get(counts, "expired"));
	for (i = 0; i < 5 && n[i] >= 0; i++)
		;
	info->n[LLMK_BATCH_N_TOTAL] = i == 5 ? n[0] + n[1] + n[2] + n[3] + n[4] : -1;
	info->n[LLMK_BATCH_N_SUCCEEDED] = n[1];
	info->n[LLMK_BATCH_N_FAILED] = n[2];
	info->n[LLMK_BATCH_N_PENDING] = n[0];
	info->n[LLMK_BATCH_N_OTHER] = n[3] >= 0 && n[4] >= 0 ? n[3] + n[4] : -1;
	info->kind = LLMK_CHAT;
	if (!strcmp(s, "in_progress"))
		info->state = LLMK_BATCH_IN_PROGRESS;
	else if (!strcmp(s, "canceling"))
		info->state = LLMK_BATCH_CANCELLING;
	else if (!strcmp(s, "ended"))
		info->state = json_is_string(json_object_get(b, "cancel_initiated_at")) ? LLMK_BATCH_CANCELLED
		              : n[4] > 0                                                ? LLMK_BATCH_EXPIRED
		                                                                        : LLMK_BATCH_COMPLETED;
	else {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: unknown processing_status '%.64s'", bc->c->provider->name,
		         s);
		json_decref(b);
		return LLMK_E_PROTOCOL;
	}
	if (llmk__bw_str(&info->id, json_object_get(b, "id")) ||
	    llmk__bw_str(&info->where[0], json_object_get(b, "results_url"))) {
		json_decref(b);
		snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
		return LLMK_E_NOMEM;
	}
	json_decref(b);
	return LLMK_OK;
}

static llmk_status call(llmk__batch_call *bc, llmk__batch_req *rq, llmk__buf *u, llmk__batch_info *info)
{
	llmk_response *r;
	llmk_status st;

	rq->url = u->data;
	rq->headers = headers;
	st = llmk__batch_http(bc, rq, &r);
	if (st == LLMK_OK && info)
		st = read_batch(bc, r, info);
	llmk_response_free(r);
	llmk__buf_free(u);
	return st;
}

static llmk_status submit(llmk__batch_call *bc, FILE *lines, uint64_t len, size_t n, int32_t kind, const char *model,
                          llmk__batch_info *info)
{
	static const char head[] = "{\"requests\":[", tail[] = "]}";
	llmk__batch_body body = {.head = head,
	                         .head_len = sizeof(head) - 1,
	                         .file = lines,
	                         .file_len = len,
	                         .tail = tail,
	                         .tail_len = sizeof(tail) - 1,
	                         .join = 1};
	/* Not idempotent: a create whose answer was lost may have made a
	 * batch; only a 408/429 (or x-should-retry) is tried again. */
	llmk__batch_req rq = {.method = "POST", .content_type = "application/json", .stream = &body};
	llmk__buf u = LLMK__BUF_INIT;
	llmk_status ust;

	(void)n, (void)kind, (void)model;
	if ((ust = url_for(bc, &u, NULL, NULL)) != LLMK_OK) {
		llmk__buf_free(&u);
		return ust;
	}
	return call(bc, &rq, &u, info);
}

static llmk_status get(llmk__batch_call *bc, llmk__batch_info *info)
{
	llmk__batch_req rq = {.method = "GET", .idempotent = 1};
	llmk__buf u = LLMK__BUF_INIT;
	llmk_status ust;

	if ((ust = url_for(bc, &u, info->id, NULL)) != LLMK_OK) {
		llmk__buf_free(&u);
		return ust;
	}
	return call(bc, &rq, &u, info);
}

static llmk_status cancel(llmk__batch_call *bc, llmk__batch_info *info)
{
	llmk__batch_req rq = {.method = "POST", .idempotent = 1};
	llmk__buf u = LLMK__BUF_INIT;
	llmk_status ust;

	if ((ust = url_for(bc, &u, info->id, "/cancel")) != LLMK_OK) {
		llmk__buf_free(&u);
		return ust;
	}
	return call(bc, &rq, &u, info);
}

/* results_url comes from the server; the key goes with the request, so it
 * must point at the client's own origin (scheme, host and port). */
static int same_origin(const char *base, const char *url)
{
	const char *p = strstr(base, "://");
	size_t n;

	if (!p)
		return 0;
	p += 3;
	n = (size_t)(p - base) + strcspn(p, "/?#");
	return !strncmp(base, url, n) && (url[n] == '/' || url[n] == '\0');
}

static llmk_status download(llmk__batch_call *bc, const llmk__batch_info *info, FILE *out, uint64_t max)
{
	llmk__batch_req rq = {.method = "GET", .idempotent = 1, .to = out, .max_to = max};
	llmk__buf u = LLMK__BUF_INIT;

	if (!info->where[0] || !same_origin(bc->c->base_url, info->where[0])) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: the batch's results_url is %s", bc->c->provider->name,
		         info->where[0] ? "not on the API's host: not followed" : "missing");
		return LLMK_E_PROTOCOL;
	}
	if (llmk__buf_append_str(&u, info->where[0]) || llmk__buf_append(&u, "", 1)) {
		llmk__buf_free(&u);
		return LLMK_E_NOMEM;
	}
	return call(bc, &rq, &u, NULL);
}

/* The HTTP status an error type stands for (docs.claude.com/en/api/errors),
 * so the adapter's parse_error() maps it as it would have live. */
static int32_t http_for(const char *type)
{
	static const struct {
		const char *type;
		int32_t http;
	} t[] = {{"invalid_request_error", 400},
	         {"authentication_error", 401},
	         {"permission_error", 403},
	         {"not_found_error", 404},
	         {"request_too_large", 413},
	         {"rate_limit_error", 429},
	         {"api_error", 500},
	         {"overloaded_error", 529}};
	size_t i;

	for (i = 0; type && i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(type, t[i].type))
			return t[i].http;
	return 500;
}

static llmk_status result(const char *text, size_t len, llmk__batch_result *res)
{
	json_t *l = llmk__json_loadb(text, len, 0, NULL), *r, *v;
	const char *type;
	llmk_status st = LLMK_E_NOMEM;

	if (!l || !json_is_object(l) || !json_is_string(json_object_get(l, "custom_id"))) {
		json_decref(l);
		return LLMK_E_PROTOCOL;
	}
	if (llmk__bw_str(&res->custom_id, json_object_get(l, "custom_id")))
		goto out;
	r = json_object_get(l, "result");
	type = json_string_value(json_object_get(r, "type"));
	if (type && !strcmp(type, "succeeded") && json_is_object(v = json_object_get(r, "message"))) {
		res->http_status = 200;
		if (llmk__bw_dump(v, &res->answer, &res->answer_len))
			goto out;
	} else if (type && !strcmp(type, "errored") && json_is_object(v = json_object_get(r, "error"))) {
		res->http_status = http_for(json_string_value(json_object_get(json_object_get(v, "error"), "type")));
		if (llmk__bw_dump(v, &res->answer, &res->answer_len))
			goto out;
	} else if (type && !strcmp(type, "canceled")) {
		if (llmk__bw_error(res, LLMK_E_CANCELLED, "batch request %s: cancelled before it ran", res->custom_id))
			goto out;
	} else if (type && !strcmp(type, "expired")) {
		if (llmk__bw_error(res, LLMK_E_TIMEOUT, "batch request %s: expired (the batch's 24 hours ended first)",
		                   res->custom_id))
			goto out;
	} else if (llmk__bw_error(res, LLMK_E_PROTOCOL, "batch request %s: unknown result type '%.32s'", res->custom_id,
	                          type ? type : "")) {
		goto out;
	}
	st = LLMK_OK;
out:
	json_decref(l);
	return st;
}

const llmk__batch_ops llmk__batch_anthropic = {.name = "the Anthropic Message Batches API",
                                               .kinds = 1u << LLMK_CHAT,
                                               .max_requests = 100000,
                                               .max_bytes = 256u * 1024u * 1024u,
                                               .line = line,
                                               .line_overhead = 1,
                                               .submit = submit,
                                               .get = get,
                                               .cancel = cancel,
                                               .download = download,
                                               .result = result};
