/* The Gemini API's batch mode (ai.google.dev/api/batch-api and the guide
 * ai.google.dev/gemini-api/docs/batch-mode, read 2026-12-06):
 *   POST /v1beta/models/{model}:batchGenerateContent
 *     {"batch":{"display_name","input_config":{"requests":{"requests":[
 *       {"request":GenerateContentRequest,"metadata":{"key":...}}]}}}}
 *     (inline requests: up to 20 MB) -> a long-running Operation
 *     {"name":"batches/...","metadata":{GenerateContentBatch: model, state,
 *     batchStats {requestCount, successfulRequestCount, failedRequestCount,
 *     pendingRequestCount} (int64 as strings)}, "done",
 *     "response":{inlinedResponses {inlinedResponses: [{response | error,
 *     metadata}]} | responsesFile}}
 *   GET /v1beta/batches/{id}; POST /v1beta/batches/{id}:cancel
 *   GET /download/v1beta/{responsesFile}:download?alt=media: JSONL
 *     {"key","response"|"error"}.
 * States BATCH_STATE_PENDING | RUNNING | SUCCEEDED | FAILED | CANCELLED |
 * EXPIRED (the guide's examples spell them JOB_STATE_*: both are read).
 * Inline responses come in the order of the requests; when one lacks its
 * metadata (reported on the forum), its position names it, as it does a
 * responses-file line without a key (the SDKs describe those files as one
 * GenerateContentResponse or status object per line, in request order).
 * Past the inline limit the requests go as a file: the lines become
 * {"key","request"} in a temporary file, uploaded with the Files API's
 * resumable protocol (POST /upload/v1beta/files with X-Goog-Upload-Protocol:
 * resumable, X-Goog-Upload-Command: start and the length and type in
 * X-Goog-Upload-Header-*; the answer's X-Goog-Upload-URL then takes the
 * bytes with X-Goog-Upload-Command: upload, finalize and names the file),
 * and the batch is created with input_config.file_name
 * (ai.google.dev/gemini-api/docs/batch-mode and /api/files, read
 * 2026-12-06). The upload URL comes from the server: it is followed on the
 * API's own origin only, and without the key (it carries its own grant). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_wire.h"

#define INLINE_MAX (20u * 1000u * 1000u)
#define FILE_MAX (2000ull * 1000u * 1000u) /* the Files API's limit per file */

static llmk_status headers(const llmk_client *c, llmk_exchange *ex)
{
	return llmk__key_headers(c, ex, "x-goog-api-key", NULL);
}

static size_t base_len(const char *base)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	return n;
}

/* base/{id}{rest}: id is "batches/..." */
static llmk_status url_for(llmk__batch_call *bc, llmk__buf *u, const char *id, const char *rest)
{
	const char *base = bc->c->base_url;
	llmk_status st;

	if (strncmp(id, "batches/", 8)) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: a batch id is \"batches/...\"", bc->c->provider->name);
		return LLMK_E_INVALID_ARG;
	}
	if (llmk__buf_append(u, base, base_len(base)))
		goto oom;
	if ((st = llmk__bw_id_path(bc, u, id, 1)) != LLMK_OK)
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
	if (llmk__buf_append_str(out, "{\"request\":") || llmk__buf_append(out, ex->body.data, ex->body.len) ||
	    llmk__buf_append_str(out, ",\"metadata\":{\"key\":\"") || llmk__buf_append_str(out, custom_id) ||
	    llmk__buf_append_str(out, "\"}}\n"))
		return LLMK_E_NOMEM;
	return LLMK_OK;
}

/* An int64 of proto3 JSON: a string of digits, or a number. */
static int64_t count(json_t *v)
{
	const char *s = json_string_value(v);
	char *end;
	long long n;

	if (!s)
		return v ? llmk__bw_count(v) : -1;
	n = strtoll(s, &end, 10);
	return end != s && !*end && n >= 0 && n < LLMK_MAX_COUNT ? (int64_t)n : -1;
}

static const struct {
	const char *word;
	int32_t state;
} states[] = {{"PENDING", LLMK_BATCH_VALIDATING},  {"RUNNING", LLMK_BATCH_IN_PROGRESS},
              {"SUCCEEDED", LLMK_BATCH_COMPLETED}, {"FAILED", LLMK_BATCH_FAILED},
              {"CANCELLED", LLMK_BATCH_CANCELLED}, {"EXPIRED", LLMK_BATCH_EXPIRED}};

/* The batch's output: the operation's response, else the batch's own
 * output member. */
static json_t *output_of(json_t *op)
{
	json_t *o = json_object_get(op, "response");

	return json_is_object(o) ? o : json_object_get(json_object_get(op, "metadata"), "output");
}

static llmk_status read_op(llmk__batch_call *bc, json_t *op, llmk__batch_info *info)
{
	json_t *md = json_object_get(op, "metadata"), *stats = json_object_get(md, "batchStats"), *out;
	const char *s = json_string_value(json_object_get(md, "state"));
	size_t i;

	if (!json_is_string(json_object_get(op, "name")) || !s) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: the batch operation has no name or state",
		         bc->c->provider->name);
		return LLMK_E_PROTOCOL;
	}
	if (!strncmp(s, "BATCH_STATE_", 12))
		s += 12;
	else if (!strncmp(s, "JOB_STATE_", 10))
		s += 10;
	info->state = -1;
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(s, states[i].word))
			info->state = states[i].state;
	if (info->state < 0) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: unknown batch state '%.64s'", bc->c->provider->name,
		         json_string_value(json_object_get(md, "state")));
		return LLMK_E_PROTOCOL;
	}
	info->kind = LLMK_CHAT;
	info->n[LLMK_BATCH_N_TOTAL] = count(json_object_get(stats, "requestCount"));
	info->n[LLMK_BATCH_N_SUCCEEDED] = count(json_object_get(stats, "successfulRequestCount"));
	info->n[LLMK_BATCH_N_FAILED] = count(json_object_get(stats, "failedRequestCount"));
	info->n[LLMK_BATCH_N_PENDING] = count(json_object_get(stats, "pendingRequestCount"));
	info->n[LLMK_BATCH_N_OTHER] = -1;
	out = output_of(op);
	info->inline_results = json_object_get(out, "inlinedResponses") != NULL;
	if (llmk__bw_str(&info->id, json_object_get(op, "name")) ||
	    llmk__bw_str(&info->model, json_object_get(md, "model")) ||
	    llmk__bw_str(&info->where[0], json_object_get(out, "responsesFile")) ||
	    llmk__bw_str(&info->error, json_object_get(json_object_get(op, "error"), "message"))) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
		return LLMK_E_NOMEM;
	}
	return LLMK_OK;
}

/* Performs rq at u; with info, reads the operation into it; with keep,
 * hands the operation over. */
static llmk_status call(llmk__batch_call *bc, llmk__batch_req *rq, llmk__buf *u, llmk__batch_info *info, json_t **keep)
{
	llmk_response *r;
	llmk_status st;
	json_t *op = NULL;

	rq->url = u->data;
	rq->headers = headers;
	st = llmk__batch_http(bc, rq, &r);
	if (st == LLMK_OK && info) {
		if (!(op = llmk__bw_object(bc, r, "the batch operation")))
			st = LLMK_E_PROTOCOL;
		else
			st = read_op(bc, op, info);
	}
	if (keep && st == LLMK_OK)
		*keep = op;
	else
		json_decref(op);
	llmk_response_free(r);
	llmk__buf_free(u);
	return st;
}

/* {origin}{prefix}{path of the base}: the Files API's upload and download
 * endpoints sit beside the API's (/upload/v1beta/..., /download/v1beta/...). */
static llmk_status beside(llmk__batch_call *bc, llmk__buf *u, const char *prefix)
{
	const char *base = bc->c->base_url, *p = strstr(base, "://");
	size_t origin = p ? (size_t)(p + 3 - base) + strcspn(p + 3, "/") : 0;

	if (llmk__buf_append(u, base, origin) || llmk__buf_append_str(u, prefix) ||
	    llmk__buf_append(u, base + origin, base_len(base) - origin)) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
		return LLMK_E_NOMEM;
	}
	return LLMK_OK;
}

/* The upload URL's headers: no key (the URL carries its own grant). */
static llmk_status upload_headers(const llmk_client *c, llmk_exchange *ex)
{
	return llmk__user_agent(c, ex);
}

/* The spool's inline lines ({"request":BODY,"metadata":{"key":"ID"}}, as
 * line() wrote them) as the file's ({"key":"ID","request":BODY}) in out. */
static llmk_status file_lines(llmk__batch_call *bc, FILE *lines, FILE *out, uint64_t *len)
{
	static const char mid[] = ",\"metadata\":{\"key\":\"";
	llmk__buf line = LLMK__BUF_INIT;
	char chunk[65536];
	const char *key;
	size_t n, body;
	off_t off = 0;
	llmk_status st = LLMK_OK;

	*len = 0;
	if (fseeko(lines, 0, SEEK_SET))
		goto io;
	while (st == LLMK_OK && fgets(chunk, sizeof(chunk), lines)) {
		n = strlen(chunk);
		if (llmk__buf_append(&line, chunk, n)) {
			st = LLMK_E_NOMEM;
			break;
		}
		if (!n || chunk[n - 1] != '\n')
			continue;
		line.len--; /* the line break */
		/* the key is after the last ",\"metadata\":{\"key\":\"" */
		for (key = NULL, body = line.len; body >= sizeof(mid) - 1; body--)
			if (!memcmp(line.data + body - (sizeof(mid) - 1), mid, sizeof(mid) - 1)) {
				key = line.data + body;
				break;
			}
		if (!key || line.len < 11 + 3 || memcmp(line.data, "{\"request\":", 11)) {
			snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: the batch's temporary file is damaged",
			         bc->c->provider->name);
			st = LLMK_E_PROTOCOL;
			break;
		}
		body -= sizeof(mid) - 1;
		if (fputs("{\"key\":\"", out) == EOF ||
		    fwrite(key, 1, line.len - 3 - (size_t)(key - line.data), out) !=
		            line.len - 3 - (size_t)(key - line.data) ||
		    fputs("\",\"request\":", out) == EOF || fwrite(line.data + 11, 1, body - 11, out) != body - 11 ||
		    fputs("}\n", out) == EOF)
			goto io;
		llmk__buf_clear(&line);
	}
	llmk__buf_free(&line);
	if (st == LLMK_E_NOMEM)
		snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
	if (st == LLMK_OK && (ferror(lines) || fflush(out) || (off = ftello(out)) < 0 || fseeko(out, 0, SEEK_SET)))
		goto io;
	*len = (uint64_t)off;
	return st;
io:
	llmk__buf_free(&line);
	snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: reading or writing the batch's temporary files failed",
	         bc->c->provider->name);
	return LLMK_BATCH_E_IO;
}

/* Uploads the file of requests; *name gets the file's name ("files/..."). */
static llmk_status upload(llmk__batch_call *bc, FILE *f, uint64_t len, char **name)
{
	char size[32];
	const char *const start_headers[] = {"X-Goog-Upload-Protocol",
	                                     "resumable",
	                                     "X-Goog-Upload-Command",
	                                     "start",
	                                     "X-Goog-Upload-Header-Content-Length",
	                                     size,
	                                     "X-Goog-Upload-Header-Content-Type",
	                                     "application/jsonl",
	                                     NULL};
	static const char *const put_headers[] = {"X-Goog-Upload-Offset", "0", "X-Goog-Upload-Command",
	                                          "upload, finalize", NULL};
	static const char meta[] = "{\"file\":{\"display_name\":\"llmkit-batch\"}}";
	llmk__batch_body body = {.file = f, .file_len = len};
	llmk__batch_req rq = {.method = "POST",
	                      .content_type = "application/json",
	                      .body = meta,
	                      .body_len = sizeof(meta) - 1,
	                      .headers = headers,
	                      .extra = start_headers,
	                      .idempotent = 1};
	llmk__buf u = LLMK__BUF_INIT, to = LLMK__BUF_INIT;
	llmk_response *r = NULL;
	const char *where, *base = bc->c->base_url, *p = strstr(base, "://");
	size_t origin = p ? (size_t)(p + 3 - base) + strcspn(p + 3, "/") : 0;
	json_t *o = NULL;
	llmk_status st;

	*name = NULL;
	snprintf(size, sizeof(size), "%llu", (unsigned long long)len);
	if ((st = beside(bc, &u, "/upload")) != LLMK_OK)
		goto out;
	if (llmk__buf_append_str(&u, "/files") || llmk__buf_append(&u, "", 1)) {
		st = LLMK_E_NOMEM;
		goto out;
	}
	rq.url = u.data;
	if ((st = llmk__batch_http(bc, &rq, &r)) != LLMK_OK)
		goto out;
	where = llmk__response_header(r, "x-goog-upload-url");
	if (!where || strncmp(where, base, origin) || (where[origin] != '/' && where[origin] != '?')) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: the upload URL is %s", bc->c->provider->name,
		         where ? "not on the API's host: not followed" : "missing (X-Goog-Upload-URL)");
		st = LLMK_E_PROTOCOL;
		goto out;
	}
	if (llmk__buf_append_str(&to, where) || llmk__buf_append(&to, "", 1)) {
		st = LLMK_E_NOMEM;
		goto out;
	}
	llmk_response_free(r);
	r = NULL;
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = to.data;
	rq.content_type = "application/jsonl";
	rq.stream = &body;
	rq.headers = upload_headers;
	rq.extra = put_headers;
	/* Not retried: a second "finalize" of a grant already used is refused. */
	if ((st = llmk__batch_http(bc, &rq, &r)) != LLMK_OK)
		goto out;
	if (!(o = llmk__bw_object(bc, r, "the uploaded file")) ||
	    !json_is_string(json_object_get(json_object_get(o, "file"), "name"))) {
		if (o)
			snprintf(bc->errmsg, sizeof(bc->errmsg), "%s: the uploaded file has no name",
			         bc->c->provider->name);
		st = LLMK_E_PROTOCOL;
		goto out;
	}
	st = llmk__bw_str(name, json_object_get(json_object_get(o, "file"), "name"));
out:
	if (st == LLMK_E_NOMEM)
		snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
	json_decref(o);
	llmk_response_free(r);
	llmk__buf_free(&u);
	llmk__buf_free(&to);
	return st;
}

static llmk_status submit(llmk__batch_call *bc, FILE *lines, uint64_t len, size_t n, int32_t kind, const char *model,
                          llmk__batch_info *info)
{
	static const char head[] =
	        "{\"batch\":{\"display_name\":\"llmkit\",\"input_config\":{\"requests\":{\"requests\":[",
	                  tail[] = "]}}}}";
	llmk__batch_body body = {.head = head,
	                         .head_len = sizeof(head) - 1,
	                         .file = lines,
	                         .file_len = len,
	                         .tail = tail,
	                         .tail_len = sizeof(tail) - 1,
	                         .join = 1};
	llmk__batch_req rq = {.method = "POST", .content_type = "application/json", .stream = &body};
	llmk__buf u = LLMK__BUF_INIT;
	const char *base = bc->c->base_url;
	llmk_response *dummy = llmk__response_new();
	llmk_status st;
	int bad;

	(void)n, (void)kind;
	if (!dummy)
		return LLMK_E_NOMEM;
	char *file = NULL, *text = NULL;
	size_t tlen;
	FILE *tmp = NULL;
	uint64_t flen;
	json_t *req = NULL;
	int by_file = len + sizeof(head) + sizeof(tail) > INLINE_MAX;

	if (!strncmp(model, "models/", 7))
		model += 7;
	bad = llmk__buf_append(&u, base, base_len(base)) || llmk__buf_append_str(&u, "/models") ||
	      llmk__path_segment(&u, "gemini model", model, strlen(model), dummy) ||
	      llmk__buf_append_str(&u, ":batchGenerateContent") || llmk__buf_append(&u, "", 1);
	st = !bad ? LLMK_OK : dummy->status != LLMK_OK ? dummy->status : LLMK_E_NOMEM;
	if (bad)
		snprintf(bc->errmsg, sizeof(bc->errmsg), "%s", dummy->error ? dummy->error : "out of memory");
	llmk_response_free(dummy);
	if (st != LLMK_OK) {
		llmk__buf_free(&u);
		return st;
	}
	if (!by_file)
		return call(bc, &rq, &u, info, NULL);
	/* Past the inline limit: a file of {"key","request"} lines. */
	if (!(tmp = tmpfile())) {
		snprintf(bc->errmsg, sizeof(bc->errmsg), "could not create a temporary file for the batch");
		st = LLMK_BATCH_E_IO;
	} else if ((st = file_lines(bc, lines, tmp, &flen)) == LLMK_OK &&
	           (st = upload(bc, tmp, flen, &file)) == LLMK_OK) {
		req = json_pack("{s:{s:s,s:{s:s}}}", "batch", "display_name", "llmkit", "input_config", "file_name",
		                file);
		if (!req || llmk__bw_dump(req, &text, &tlen)) {
			snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
			st = LLMK_E_NOMEM;
		} else {
			memset(&rq, 0, sizeof(rq));
			rq.method = "POST";
			rq.content_type = "application/json";
			rq.body = text;
			rq.body_len = tlen;
			st = call(bc, &rq, &u, info, NULL);
			u.data = NULL; /* call() freed it */
		}
	}
	if (tmp)
		fclose(tmp);
	json_decref(req);
	llmk__free(text);
	llmk__free(file);
	llmk__buf_free(&u);
	return st;
}

static llmk_status get(llmk__batch_call *bc, llmk__batch_info *info)
{
	llmk__batch_req rq = {.method = "GET", .idempotent = 1};
	llmk__buf u = LLMK__BUF_INIT;
	llmk_status st;

	if ((st = url_for(bc, &u, info->id, NULL)) != LLMK_OK) {
		llmk__buf_free(&u);
		return st;
	}
	return call(bc, &rq, &u, info, NULL);
}

static llmk_status cancel(llmk__batch_call *bc, llmk__batch_info *info)
{
	llmk__batch_req rq = {
	        .method = "POST", .idempotent = 1, .content_type = "application/json", .body = "{}", .body_len = 2};
	llmk__buf u = LLMK__BUF_INIT;
	llmk_status st;

	if ((st = url_for(bc, &u, info->id, ":cancel")) != LLMK_OK) {
		llmk__buf_free(&u);
		return st;
	}
	if ((st = call(bc, &rq, &u, NULL, NULL)) != LLMK_OK)
		return st;
	return get(bc, info); /* the answer is empty: the state is the batch's */
}

/* Inline results: one line each, {"key", "response"|"error"}. */
static llmk_status inline_lines(llmk__batch_call *bc, json_t *op, FILE *out, uint64_t max)
{
	json_t *list = json_object_get(output_of(op), "inlinedResponses"), *item, *key, *line = NULL;
	char *text = NULL, idx[32];
	size_t i, len;
	uint64_t written = 0;
	llmk_status st = LLMK_OK;

	if (json_is_object(list))
		list = json_object_get(list, "inlinedResponses");
	json_array_foreach(list, i, item)
	{
		key = json_object_get(json_object_get(item, "metadata"), "key");
		snprintf(idx, sizeof(idx), "%zu", i);
		line = json_pack("{s:O?,s:O?,s:O?}", "key", json_is_string(key) ? key : NULL, "response",
		                 json_object_get(item, "response"), "error", json_object_get(item, "error"));
		if (!line || (!json_is_string(key) && json_object_set_new(line, "key", json_string(idx))) ||
		    llmk__bw_dump(line, &text, &len)) {
			snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
			st = LLMK_E_NOMEM;
		} else {
			st = llmk__bw_put_line(bc, out, text, len, &written, max);
		}
		json_decref(line);
		llmk__free(text);
		text = NULL;
		if (st != LLMK_OK)
			break;
	}
	return st;
}

static llmk_status download(llmk__batch_call *bc, const llmk__batch_info *info, FILE *out, uint64_t max)
{
	llmk__batch_req rq = {.method = "GET", .idempotent = 1};
	llmk__batch_info again;
	llmk__buf u = LLMK__BUF_INIT;
	const char *base = bc->c->base_url, *p;
	json_t *op = NULL;
	llmk_status st;
	size_t origin;

	if (!info->where[0]) {
		/* The results are in the operation itself: fetch it whole. */
		memset(&again, 0, sizeof(again));
		if ((st = url_for(bc, &u, info->id, NULL)) != LLMK_OK) {
			llmk__buf_free(&u);
			return st;
		}
		st = call(bc, &rq, &u, &again, &op);
		llmk__batch_info_clear(&again);
		if (st == LLMK_OK)
			st = inline_lines(bc, op, out, max);
		json_decref(op);
		return st;
	}
	/* {origin}/download{path of the base}/{file}:download?alt=media */
	p = strstr(base, "://");
	origin = p ? (size_t)(p + 3 - base) + strcspn(p + 3, "/") : 0;
	rq.to = out;
	rq.max_to = max;
	st = llmk__buf_append(&u, base, origin) || llmk__buf_append_str(&u, "/download") ||
	                     llmk__buf_append(&u, base + origin, base_len(base) - origin)
	             ? LLMK_E_NOMEM
	             : llmk__bw_id_path(bc, &u, info->where[0], 1);
	if (st == LLMK_OK && (llmk__buf_append_str(&u, ":download?alt=media") || llmk__buf_append(&u, "", 1)))
		st = LLMK_E_NOMEM;
	if (st != LLMK_OK) {
		if (st == LLMK_E_NOMEM)
			snprintf(bc->errmsg, sizeof(bc->errmsg), "out of memory");
		llmk__buf_free(&u);
		return st;
	}
	return call(bc, &rq, &u, NULL, NULL);
}

static llmk_status result(const char *text, size_t len, llmk__batch_result *res)
{
	json_t *l = llmk__json_loadb(text, len, 0, NULL), *v, *e;
	const char *msg;
	llmk_status st = LLMK_E_NOMEM;
	json_int_t code;

	if (!l || !json_is_object(l)) {
		json_decref(l);
		return LLMK_E_PROTOCOL;
	}
	/* Without a key the line is named by its position (the engine's
	 * count); the SDKs describe such files as one GenerateContentResponse,
	 * or a status object, per line in the order of the requests. */
	if (llmk__bw_str(&res->custom_id, json_object_get(l, "key")))
		goto out;
	if (!json_object_get(l, "key") && !json_object_get(l, "response") && !json_object_get(l, "error")) {
		json_t *bare = l;
		l = json_object_get(bare, "candidates") || json_object_get(bare, "promptFeedback") ||
		                    json_object_get(bare, "usageMetadata")
		            ? json_pack("{s:O}", "response", bare)
		            : json_pack("{s:O}", "error", bare);
		json_decref(bare);
		if (!l)
			return LLMK_E_NOMEM;
	}
	if (json_is_object(v = json_object_get(l, "response"))) {
		res->http_status = 200;
		if (llmk__bw_dump(v, &res->answer, &res->answer_len))
			goto out;
	} else if (json_is_object(e = json_object_get(l, "error"))) {
		/* A google.rpc.Status {code (gRPC), message, details}: the error
		 * body the adapter reads is {"error": {...}} with an HTTP code. */
		json_t *wrap = json_pack("{s:O}", "error", e);
		code = json_integer_value(json_object_get(e, "code"));
		msg = json_string_value(json_object_get(e, "message"));
		res->http_status = code == 3 || code == 9 || code == 11 ? 400
		                   : code == 7                          ? 403
		                   : code == 5                          ? 404
		                   : code == 8                          ? 429
		                   : code == 16                         ? 401
		                   : code == 4                          ? 504
		                   : code >= 400 && code <= 599         ? (int32_t)code
		                                                        : 500;
		(void)msg;
		if (!wrap || llmk__bw_dump(wrap, &res->answer, &res->answer_len)) {
			json_decref(wrap);
			goto out;
		}
		json_decref(wrap);
	} else if (llmk__bw_error(res, LLMK_E_PROTOCOL, "batch request %s: the result has no response",
	                          res->custom_id ? res->custom_id : "")) {
		goto out;
	}
	st = LLMK_OK;
out:
	json_decref(l);
	return st;
}

const llmk__batch_ops llmk__batch_gemini = {.name = "the Gemini batch API",
                                            .kinds = 1u << LLMK_CHAT,
                                            .max_requests = 100000,
                                            .max_bytes = FILE_MAX,
                                            .line = line,
                                            .line_overhead = 1,
                                            .submit = submit,
                                            .get = get,
                                            .cancel = cancel,
                                            .download = download,
                                            .result = result};
