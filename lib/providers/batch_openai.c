/* The OpenAI Batch API, and Azure OpenAI's (global batch deployments).
 *
 * OpenAI (reference: data/specs/openai-openapi.json, paths /files,
 * /batches, /batches/{batch_id}, /batches/{batch_id}/cancel,
 * /files/{file_id}/content; guide platform.openai.com/docs/guides/batch):
 *   1. POST /v1/files, multipart: purpose=batch, file=<JSONL>; one line per
 *      request {"custom_id","method":"POST","url":"/v1/chat/completions",
 *      "body":{...}}; up to 50,000 requests and 200 MB.
 *   2. POST /v1/batches {"input_file_id","endpoint","completion_window":"24h"}
 *      -> a Batch: status validating | in_progress | finalizing |
 *      completed | failed | expired | cancelling | cancelled,
 *      request_counts {total, completed, failed}, output_file_id,
 *      error_file_id, errors {data: [{code, message, line}]}.
 *   3. GET /v1/batches/{id}; POST /v1/batches/{id}/cancel.
 *   4. GET /v1/files/{file}/content: JSONL lines {"id","custom_id",
 *      "response":{"status_code","request_id","body"},"error"} (the error
 *      file holds failed requests, and those the window or a cancel left
 *      unrun: error codes batch_expired, batch_cancelled).
 * Azure OpenAI (learn.microsoft.com/azure/ai-foundry/openai/how-to/batch,
 * read 2026-12-06): the same objects under {endpoint}/openai/files and
 * /openai/batches with ?api-version= (2024-10-21 and later), the api-key
 * header, lines whose url is "/chat/completions" and whose model is the
 * global batch deployment's name.
 *
 * Mistral (data/specs/mistral-openapi.yaml: /v1/batch/jobs, BatchJobIn,
 * BatchJobOut, BatchJobStatus; docs.mistral.ai/capabilities/batch, read
 * 2026-12-06), on the same wire format: POST /v1/batch/jobs {"endpoint",
 * "model","requests":[{"custom_id","body"}]} (inline, up to 10,000
 * requests), GET /v1/batch/jobs/{id}, POST /v1/batch/jobs/{id}/cancel;
 * status QUEUED | RUNNING | SUCCESS | FAILED | TIMEOUT_EXCEEDED |
 * CANCELLATION_REQUESTED | CANCELLED; total/succeeded/failed/completed
 * _requests; output_file and error_file read through /v1/files/{id}/content,
 * lines as OpenAI's ({"custom_id","response":{"status_code","body"},
 * "error"}, the error sometimes a bare string).
 *
 * A line's body is the adapter's build() output as it is (batch_http.c):
 * exactly what the request would send on its own. */
#include <stdio.h>
#include <string.h>

#include "batch_wire.h"

#define AZURE_BATCH_API_VERSION "2024-10-21"

static int azure(const llmk_client *c)
{
	return (c->provider->quirks & LLMK_Q_AZURE) != 0;
}

static const char *endpoint(const llmk_client *c, int32_t kind)
{
	if (c->provider->adapter->feature == LLMK_FEATURE_RESPONSES)
		return azure(c) ? "/responses" : "/v1/responses";
	if (kind == LLMK_EMBED)
		return azure(c) ? "/embeddings" : "/v1/embeddings";
	return azure(c) ? "/chat/completions" : "/v1/chat/completions";
}

/* base + path (+ id + rest) (+ ?api-version for Azure): LLMK_OK, or the
 * failure with bc->errmsg set. */
static llmk_status url_for(llmk__batch_call *bc, llmk__buf *u, const char *path, const char *id, const char *rest)
{
	const llmk_client *c = bc->c;
	const char *ver = llmk__client_str(c, LLMK_OPT_API_VERSION);
	char *esc = NULL;
	size_t n = strlen(c->base_url);
	llmk_status st;

	while (n && c->base_url[n - 1] == '/')
		n--;
	if (llmk__buf_append(u, c->base_url, n) || llmk__buf_append_str(u, azure(c) ? "/openai" : "") ||
	    llmk__buf_append_str(u, path))
		goto oom;
	if (id && (st = llmk__bw_id_path(bc, u, id, 0)) != LLMK_OK)
		return st;
	if (rest && llmk__buf_append_str(u, rest))
		goto oom;
	if (azure(c)) {
		/* Batches came with 2024-10-21: an older api_version set for chat
		 * would be refused here, so the batch calls use it only when newer. */
		if (!ver || strcmp(ver, AZURE_BATCH_API_VERSION) < 0)
			ver = AZURE_BATCH_API_VERSION;
		if (!(esc = llmk__url_escape(ver)) || llmk__buf_append_str(u, "?api-version=") ||
		    llmk__buf_append_str(u, esc))
			goto oom;
	}
	llmk__free(esc);
	if (!llmk__buf_append(u, "", 1))
		return LLMK_OK;
oom:
	llmk__free(esc);
	snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
	return LLMK_E_NOMEM;
}

static llmk_status line(const llmk_client *c, const char *custom_id, int32_t kind, const llmk_exchange *ex,
                        llmk__buf *out, char *err, size_t errcap)
{
	if (memchr(ex->body.data, '\n', ex->body.len)) {
		snprintf(err, errcap, "the request body holds a line break");
		return LLMK_E_INVALID_ARG;
	}
	if (llmk__buf_append_str(out, "{\"custom_id\":\"") || llmk__buf_append_str(out, custom_id) ||
	    llmk__buf_append_str(out, "\",\"method\":\"POST\",\"url\":\"") ||
	    llmk__buf_append_str(out, endpoint(c, kind)) || llmk__buf_append_str(out, "\",\"body\":") ||
	    llmk__buf_append(out, ex->body.data, ex->body.len) || llmk__buf_append_str(out, "}\n"))
		return LLMK_E_NOMEM;
	return LLMK_OK;
}

static const struct {
	const char *word;
	int32_t state;
} states[] = {{"validating", LLMK_BATCH_VALIDATING}, {"in_progress", LLMK_BATCH_IN_PROGRESS},
              {"finalizing", LLMK_BATCH_FINALIZING}, {"completed", LLMK_BATCH_COMPLETED},
              {"failed", LLMK_BATCH_FAILED},         {"expired", LLMK_BATCH_EXPIRED},
              {"cancelling", LLMK_BATCH_CANCELLING}, {"cancelled", LLMK_BATCH_CANCELLED}};

/* A Batch object into info. */
static llmk_status read_batch(llmk__batch_call *bc, const llmk_response *r, llmk__batch_info *info)
{
	json_t *b = llmk__bw_object(bc, r, "the batch"), *v, *counts, *errs;
	const char *s, *ep;
	size_t i;
	int64_t done;

	if (!b)
		return LLMK_E_PROTOCOL;
	s = json_string_value(json_object_get(b, "status"));
	if (!json_is_string(json_object_get(b, "id")) || !s) {
		json_decref(b);
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: the batch has no id or status", bc->c->provider->name);
		return LLMK_E_PROTOCOL;
	}
	info->state = -1;
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(s, states[i].word))
			info->state = states[i].state;
	if (info->state < 0) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: unknown batch status '%.64s'", bc->c->provider->name, s);
		json_decref(b);
		return LLMK_E_PROTOCOL;
	}
	ep = json_string_value(json_object_get(b, "endpoint"));
	if (ep)
		info->kind = strstr(ep, "/embeddings") ? LLMK_EMBED : LLMK_CHAT;
	counts = json_object_get(b, "request_counts");
	info->n[LLMK_BATCH_N_TOTAL] = llmk__bw_count(json_object_get(counts, "total"));
	info->n[LLMK_BATCH_N_SUCCEEDED] = llmk__bw_count(json_object_get(counts, "completed"));
	info->n[LLMK_BATCH_N_FAILED] = llmk__bw_count(json_object_get(counts, "failed"));
	done = info->n[LLMK_BATCH_N_SUCCEEDED] + info->n[LLMK_BATCH_N_FAILED];
	info->n[LLMK_BATCH_N_PENDING] = info->n[LLMK_BATCH_N_TOTAL] >= done && info->n[LLMK_BATCH_N_SUCCEEDED] >= 0 &&
	                                                info->n[LLMK_BATCH_N_FAILED] >= 0
	                                        ? info->n[LLMK_BATCH_N_TOTAL] - done
	                                        : -1;
	info->n[LLMK_BATCH_N_OTHER] = -1;
	errs = json_object_get(json_object_get(b, "errors"), "data");
	v = json_array_get(errs, 0);
	if (llmk__bw_str(&info->id, json_object_get(b, "id")) ||
	    llmk__bw_str(&info->model, json_object_get(b, "model")) ||
	    llmk__bw_str(&info->where[0], json_object_get(b, "output_file_id")) ||
	    llmk__bw_str(&info->where[1], json_object_get(b, "error_file_id")) ||
	    llmk__bw_str(&info->error, json_object_get(v, "message"))) {
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
	rq->headers = llmk__openai_headers;
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
	llmk__multipart mp;
	llmk__batch_req rq = {0};
	llmk__batch_body body = {0};
	llmk__buf u = LLMK__BUF_INIT, head = LLMK__BUF_INIT, tail = LLMK__BUF_INIT, ct = LLMK__BUF_INIT;
	llmk_response *r = NULL;
	json_t *f = NULL, *req = NULL;
	char *file_id = NULL, *text = NULL;
	size_t tlen;
	llmk_status st = LLMK_E_NOMEM;

	(void)n, (void)model;
	/* The form's head and tail around the file, streamed from disk
	 * between them: the JSONL is never held in memory. */
	llmk__multipart_init(&mp);
	if (llmk__buf_append_str(&head, "--") || llmk__buf_append_str(&head, mp.boundary) ||
	    llmk__buf_append_str(&head, "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--") ||
	    llmk__buf_append_str(&head, mp.boundary) ||
	    llmk__buf_append_str(&head,
	                         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"batch.jsonl\"\r\n"
	                         "Content-Type: application/jsonl\r\n\r\n") ||
	    llmk__buf_append_str(&tail, "\r\n--") || llmk__buf_append_str(&tail, mp.boundary) ||
	    llmk__buf_append_str(&tail, "--\r\n") || llmk__buf_append_str(&ct, "multipart/form-data; boundary=") ||
	    llmk__buf_append_str(&ct, mp.boundary) || llmk__buf_append(&ct, "", 1))
		goto oom;
	body.head = head.data;
	body.head_len = head.len;
	body.file = lines;
	body.file_len = len;
	body.tail = tail.data;
	body.tail_len = tail.len;
	rq.method = "POST";
	rq.content_type = ct.data;
	rq.stream = &body;
	rq.idempotent = 1; /* a second upload is an unused file, not a second batch */
	rq.headers = llmk__openai_headers;
	if ((st = url_for(bc, &u, "/files", NULL, NULL)) != LLMK_OK)
		goto out;
	rq.url = u.data;
	if ((st = llmk__batch_http(bc, &rq, &r)) != LLMK_OK)
		goto out;
	if (!(f = llmk__bw_object(bc, r, "the uploaded file")) || !json_is_string(json_object_get(f, "id"))) {
		if (f)
			snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: the uploaded file has no id",
			         bc->c->provider->name);
		st = LLMK_E_PROTOCOL;
		goto out;
	}
	if (llmk__bw_str(&file_id, json_object_get(f, "id")))
		goto oom;
	llmk__buf_free(&u);
	req = json_pack("{s:s,s:s,s:s}", "input_file_id", file_id, "endpoint", endpoint(bc->c, kind),
	                "completion_window", "24h");
	if (!req || llmk__bw_dump(req, &text, &tlen))
		goto oom;
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.content_type = "application/json";
	rq.body = text;
	rq.body_len = tlen;
	if ((st = url_for(bc, &u, "/batches", NULL, NULL)) != LLMK_OK)
		goto out;
	st = call(bc, &rq, &u, info);
	goto out;
oom:
	st = LLMK_E_NOMEM;
	snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
out:
	llmk__multipart_free(&mp);
	llmk_response_free(r);
	json_decref(f);
	json_decref(req);
	llmk__free(file_id);
	llmk__free(text);
	llmk__buf_free(&u);
	llmk__buf_free(&head);
	llmk__buf_free(&tail);
	llmk__buf_free(&ct);
	return st;
}

/* GET or POST on {collection}/{id}{suffix}, read as a batch object by
 * `read` (call: the OpenAI shape; m_call: Mistral's jobs). Both are
 * idempotent: asking twice for a batch, or to cancel it, is harmless. */
static llmk_status by_id(llmk__batch_call *bc, llmk__batch_info *info, const char *method, const char *collection,
                         const char *suffix,
                         llmk_status (*read)(llmk__batch_call *, llmk__batch_req *, llmk__buf *, llmk__batch_info *))
{
	llmk__batch_req rq = {.method = method, .idempotent = 1};
	llmk__buf u = LLMK__BUF_INIT;
	llmk_status ust;

	if ((ust = url_for(bc, &u, collection, info->id, suffix)) != LLMK_OK) {
		llmk__buf_free(&u);
		return ust;
	}
	return read(bc, &rq, &u, info);
}

static llmk_status get(llmk__batch_call *bc, llmk__batch_info *info)
{
	return by_id(bc, info, "GET", "/batches", NULL, call);
}

static llmk_status cancel(llmk__batch_call *bc, llmk__batch_info *info)
{
	return by_id(bc, info, "POST", "/batches", "/cancel", call);
}

static llmk_status download(llmk__batch_call *bc, const llmk__batch_info *info, FILE *out, uint64_t max)
{
	llmk__batch_req rq = {.method = "GET", .idempotent = 1, .to = out};
	llmk__buf u = LLMK__BUF_INIT;
	llmk_status ust;
	llmk_status st;
	off_t end;
	int i;

	/* The output file, then the error file: every request once. */
	for (i = 0; i < 2; i++) {
		if (!info->where[i] || !*info->where[i])
			continue;
		end = ftello(out);
		if (end < 0 || (uint64_t)end >= max) {
			snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: batch results exceed %llu bytes",
			         bc->c->provider->name, (unsigned long long)max);
			return LLMK_E_TOO_LARGE;
		}
		rq.max_to = max - (uint64_t)end;
		if ((ust = url_for(bc, &u, "/files", info->where[i], "/content")) != LLMK_OK) {
			llmk__buf_free(&u);
			return ust;
		}
		if ((st = call(bc, &rq, &u, NULL)) != LLMK_OK)
			return st;
		if (fputc('\n', out) == EOF) /* a file without a final newline ends its last line here */
			return LLMK_BATCH_E_IO;
	}
	return LLMK_OK;
}

static llmk_status result(const char *text, size_t len, llmk__batch_result *res)
{
	json_t *l = llmk__json_loadb(text, len, 0, NULL), *resp, *err, *body;
	const char *code, *msg;
	json_int_t http;
	llmk_status st = LLMK_OK;

	if (!l || !json_is_object(l) || !json_is_string(json_object_get(l, "custom_id"))) {
		json_decref(l);
		return LLMK_E_PROTOCOL;
	}
	if (llmk__bw_str(&res->custom_id, json_object_get(l, "custom_id")))
		goto oom;
	resp = json_object_get(l, "response");
	err = json_object_get(l, "error");
	body = json_object_get(resp, "body");
	http = json_integer_value(json_object_get(resp, "status_code"));
	if (json_is_object(resp) && json_is_object(body) && http >= 100 && http <= 599) {
		res->http_status = (int32_t)http;
		res->inputs = json_array_size(json_object_get(body, "data"));
		if (llmk__bw_dump(body, &res->answer, &res->answer_len))
			goto oom;
	} else if (json_is_object(err) || json_is_string(err)) {
		code = json_string_value(json_object_get(err, "code"));
		msg = json_is_string(err) ? json_string_value(err) : json_string_value(json_object_get(err, "message"));
		st = code && !strcmp(code, "batch_expired")     ? LLMK_E_TIMEOUT
		     : code && !strcmp(code, "batch_cancelled") ? LLMK_E_CANCELLED
		                                                : llmk__status_from_error(0, NULL, code, msg);
		if (st == LLMK_OK)
			st = LLMK_E_SERVER;
		if (llmk__bw_error(res, st, "batch request %s: %.300s%s%.64s%s", res->custom_id, msg ? msg : "failed",
		                   code ? " (" : "", code ? code : "", code ? ")" : ""))
			goto oom;
	} else if (llmk__bw_error(res, LLMK_E_PROTOCOL, "batch request %s: the result line has no response",
	                          res->custom_id)) {
		goto oom;
	}
	json_decref(l);
	return LLMK_OK;
oom:
	json_decref(l);
	return LLMK_E_NOMEM;
}

/* ---- Mistral's batch jobs ------------------------------------------------------ */

static llmk_status m_line(const llmk_client *c, const char *custom_id, int32_t kind, const llmk_exchange *ex,
                          llmk__buf *out, char *err, size_t errcap)
{
	(void)c, (void)kind;
	if (memchr(ex->body.data, '\n', ex->body.len)) {
		snprintf(err, errcap, "the request body holds a line break");
		return LLMK_E_INVALID_ARG;
	}
	if (llmk__buf_append_str(out, "{\"custom_id\":\"") || llmk__buf_append_str(out, custom_id) ||
	    llmk__buf_append_str(out, "\",\"body\":") || llmk__buf_append(out, ex->body.data, ex->body.len) ||
	    llmk__buf_append_str(out, "}\n"))
		return LLMK_E_NOMEM;
	return LLMK_OK;
}

static const struct {
	const char *word;
	int32_t state;
} m_states[] = {{"QUEUED", LLMK_BATCH_VALIDATING},        {"RUNNING", LLMK_BATCH_IN_PROGRESS},
                {"SUCCESS", LLMK_BATCH_COMPLETED},        {"FAILED", LLMK_BATCH_FAILED},
                {"TIMEOUT_EXCEEDED", LLMK_BATCH_EXPIRED}, {"CANCELLATION_REQUESTED", LLMK_BATCH_CANCELLING},
                {"CANCELLED", LLMK_BATCH_CANCELLED}};

static llmk_status m_read(llmk__batch_call *bc, const llmk_response *r, llmk__batch_info *info)
{
	json_t *b = llmk__bw_object(bc, r, "the batch job");
	const char *s, *ep;
	size_t i;
	int64_t total, done;

	if (!b)
		return LLMK_E_PROTOCOL;
	s = json_string_value(json_object_get(b, "status"));
	info->state = -1;
	for (i = 0; s && i < sizeof(m_states) / sizeof(m_states[0]); i++)
		if (!strcmp(s, m_states[i].word))
			info->state = m_states[i].state;
	if (!json_is_string(json_object_get(b, "id")) || info->state < 0) {
		snprintf(bc->errmsg, sizeof(bc->errmsg),
		         "%s: the batch job has no id or a status unknown here ('%.64s')", bc->c->provider->name,
		         s ? s : "");
		json_decref(b);
		return LLMK_E_PROTOCOL;
	}
	ep = json_string_value(json_object_get(b, "endpoint"));
	if (ep)
		info->kind = strstr(ep, "/embeddings") ? LLMK_EMBED : LLMK_CHAT;
	total = llmk__bw_count(json_object_get(b, "total_requests"));
	done = llmk__bw_count(json_object_get(b, "completed_requests"));
	info->n[LLMK_BATCH_N_TOTAL] = total;
	info->n[LLMK_BATCH_N_SUCCEEDED] = llmk__bw_count(json_object_get(b, "succeeded_requests"));
	info->n[LLMK_BATCH_N_FAILED] = llmk__bw_count(json_object_get(b, "failed_requests"));
	info->n[LLMK_BATCH_N_PENDING] = total >= 0 && done >= 0 && total >= done ? total - done : -1;
	info->n[LLMK_BATCH_N_OTHER] = -1;
	if (llmk__bw_str(&info->id, json_object_get(b, "id")) ||
	    llmk__bw_str(&info->model, json_object_get(b, "model")) ||
	    llmk__bw_str(&info->where[0], json_object_get(b, "output_file")) ||
	    llmk__bw_str(&info->where[1], json_object_get(b, "error_file")) ||
	    llmk__bw_str(&info->error, json_object_get(json_array_get(json_object_get(b, "errors"), 0), "message"))) {
		json_decref(b);
		snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
		return LLMK_E_NOMEM;
	}
	json_decref(b);
	return LLMK_OK;
}

static llmk_status m_call(llmk__batch_call *bc, llmk__batch_req *rq, llmk__buf *u, llmk__batch_info *info)
{
	llmk_response *r;
	llmk_status st;

	rq->url = u->data;
	rq->headers = llmk__openai_headers;
	st = llmk__batch_http(bc, rq, &r);
	if (st == LLMK_OK && info)
		st = m_read(bc, r, info);
	llmk_response_free(r);
	llmk__buf_free(u);
	return st;
}

static llmk_status m_submit(llmk__batch_call *bc, FILE *lines, uint64_t len, size_t n, int32_t kind, const char *model,
                            llmk__batch_info *info)
{
	llmk__batch_body body = {.file = lines, .file_len = len, .tail = "]}", .tail_len = 2, .join = 1};
	/* Not idempotent: only a 408/429 (or x-should-retry) is tried again. */
	llmk__batch_req rq = {.method = "POST", .content_type = "application/json", .stream = &body};
	llmk__buf u = LLMK__BUF_INIT, head = LLMK__BUF_INIT;
	json_t *m = json_string(model);
	llmk_status st = LLMK_E_NOMEM;

	(void)n;
	if (m && !llmk__buf_append_str(&head, "{\"endpoint\":\"") &&
	    !llmk__buf_append_str(&head, kind == LLMK_EMBED ? "/v1/embeddings" : "/v1/chat/completions") &&
	    !llmk__buf_append_str(&head, "\",\"model\":") && !llmk__json_dump(&head, m, 0) &&
	    !llmk__buf_append_str(&head, ",\"requests\":[") &&
	    (st = url_for(bc, &u, "/batch/jobs", NULL, NULL)) == LLMK_OK) {
		body.head = head.data;
		body.head_len = head.len;
		st = m_call(bc, &rq, &u, info);
	} else if (!bc->errmsg[0]) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
	}
	json_decref(m);
	llmk__buf_free(&u);
	llmk__buf_free(&head);
	return st;
}

static llmk_status m_get(llmk__batch_call *bc, llmk__batch_info *info)
{
	return by_id(bc, info, "GET", "/batch/jobs", NULL, m_call);
}

static llmk_status m_cancel(llmk__batch_call *bc, llmk__batch_info *info)
{
	return by_id(bc, info, "POST", "/batch/jobs", "/cancel", m_call);
}

static const llmk__batch_ops mistral_ops = {.name = "the Mistral batch API",
                                            .kinds = 1u << LLMK_CHAT | 1u << LLMK_EMBED,
                                            .max_requests = 10000,
                                            .max_bytes = 200u * 1000u * 1000u,
                                            .line = m_line,
                                            .line_overhead = 1,
                                            .submit = m_submit,
                                            .get = m_get,
                                            .cancel = m_cancel,
                                            .download = download,
                                            .result = result};

/* Mistral is a preset of this wire format with a batch API of its own. */
static const llmk__batch_ops *select_ops(const llmk_client *c)
{
	return !strcmp(c->provider->name, "mistral") ? &mistral_ops : &llmk__batch_openai;
}

const llmk__batch_ops llmk__batch_openai = {.name = "the OpenAI batch API",
                                            .kinds = 1u << LLMK_CHAT | 1u << LLMK_EMBED,
                                            .max_requests = 50000,
                                            .max_bytes = 200u * 1000u * 1000u,
                                            .line = line,
                                            .submit = submit,
                                            .get = get,
                                            .cancel = cancel,
                                            .download = download,
                                            .result = result,
                                            .select = select_ops};
