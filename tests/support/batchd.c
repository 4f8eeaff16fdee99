/*
 * batchd.c - provider batch APIs on the loopback server (see batchd.h).
 * Test support: out of memory aborts.
 *
 * One file (over 700 lines): the five emulated APIs share the batch store,
 * the answer generator and the lifecycle, so that their answers agree with
 * each other and with the single-request endpoints.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#define _GNU_SOURCE

#include "batchd.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define MAX_BATCHES 64
#define MAX_FILES 128 /* uploads and results of a test run */

enum { P_OPENAI, P_ANTHROPIC, P_GEMINI, P_MISTRAL };

typedef struct req {
	char *custom_id;
	json_t *body; /* the request as the provider would get it alone */
} req;

typedef struct batch {
	int provider;
	char id[64];
	char endpoint[64];
	char model[128];
	req *reqs;
	size_t n;
	int step;      /* polls so far */
	int cancelled; /* a cancel was asked */
	int expire;
	int ended;   /* 0 running, else the state it ended in */
	size_t done; /* requests run when it ended */
	char out_file[32], err_file[32];
	int by_file; /* Gemini: the requests came as a file; the results go as one */
} batch;

typedef struct file {
	char id[32];
	char *data;
	size_t len;
} file;

struct batchd {
	th_server *srv;
	pthread_mutex_t mu;
	batch b[MAX_BATCHES];
	size_t nb;
	file f[MAX_FILES];
	size_t nf;
	int expire, fail_polls, polls;
	size_t upload_bytes, upload_lines;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

static void reply(th_response *out, int status, const char *ctype, char *body)
{
	char h[128];

	out->status = status;
	snprintf(h, sizeof(h), "Content-Type: %s\r\n", ctype);
	out->headers = xstrdup(h);
	out->body = body;
	out->body_len = strlen(body);
}

static void reply_json(th_response *out, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);

	if (!s)
		abort();
	json_decref(v);
	reply(out, status, "application/json", s);
}

static void reply_error(th_response *out, int provider, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (provider == P_ANTHROPIC)
		reply_json(out, status,
		           json_pack("{s:s,s:{s:s,s:s}}", "type", "error", "error", "type",
		                     status == 404 ? "not_found_error" : "invalid_request_error", "message", msg));
	else if (provider == P_GEMINI)
		reply_json(out, status,
		           json_pack("{s:{s:i,s:s,s:s}}", "error", "code", status, "message", msg, "status",
		                     status == 404 ? "NOT_FOUND" : "INVALID_ARGUMENT"));
	else
		reply_json(out, status,
		           json_pack("{s:{s:s,s:s,s:n,s:n}}", "error", "message", msg, "type", "invalid_request_error",
		                     "param", "code"));
}

/* ---- answers ---------------------------------------------------------------- */

/* The last user text of a request body (OpenAI messages, Anthropic
 * messages, Gemini contents); "" when none. */
static const char *last_text(json_t *body)
{
	json_t *msgs = json_object_get(body, "messages"), *m, *c, *p;
	size_t n;

	if (!msgs)
		msgs = json_object_get(body, "contents");
	n = json_array_size(msgs);
	if (!n)
		return "";
	m = json_array_get(msgs, n - 1);
	c = json_object_get(m, "content");
	if (json_is_string(c))
		return json_string_value(c);
	if (!c)
		c = json_object_get(m, "parts");
	p = json_array_get(c, 0);
	return json_string_value(json_object_get(p, "text")) ? json_string_value(json_object_get(p, "text")) : "";
}

/* The tool the answer calls: the first one's name, or NULL. */
static const char *tool_name(json_t *body)
{
	json_t *t = json_array_get(json_object_get(body, "tools"), 0);
	const char *n = json_string_value(json_object_get(json_object_get(t, "function"), "name"));

	if (!n)
		n = json_string_value(json_object_get(t, "name"));
	if (!n)
		n = json_string_value(
		        json_object_get(json_array_get(json_object_get(t, "functionDeclarations"), 0), "name"));
	return n;
}

static json_t *answer(int provider, const char *endpoint, json_t *body, const char *custom_id, int *status)
{
	const char *text = last_text(body), *tool = tool_name(body);
	const char *model = json_string_value(json_object_get(body, "model"));
	char echo[1024], args[1100];
	json_t *in;

	*status = 200;
	if (custom_id && !strncmp(custom_id, "bad", 3)) {
		*status = 400;
		if (provider == P_ANTHROPIC)
			return json_pack("{s:s,s:{s:s,s:s}}", "type", "error", "error", "type", "invalid_request_error",
			                 "message", "messages: bad request");
		if (provider == P_GEMINI)
			return json_pack("{s:i,s:s}", "code", 3, "message", "contents: bad request");
		return json_pack("{s:{s:s,s:s,s:s,s:n}}", "error", "message", "Invalid 'messages': bad request", "type",
		                 "invalid_request_error", "param", "messages", "code");
	}
	snprintf(echo, sizeof(echo), "echo: %s", text);
	snprintf(args, sizeof(args), "{\"q\":\"%s\"}", text);
	if (provider == P_OPENAI && strstr(endpoint, "embeddings")) {
		in = json_object_get(body, "input");
		text = json_is_string(in) ? json_string_value(in) : json_string_value(json_array_get(in, 0));
		if (!text)
			text = "";
		return json_pack("{s:s,s:[{s:s,s:i,s:[f,f,f]}],s:s,s:{s:i,s:i}}", "object", "list", "data", "object",
		                 "embedding", "index", 0, "embedding", (double)strlen(text), 1.0, 0.5, "model",
		                 model ? model : "m", "usage", "prompt_tokens", (int)strlen(text), "total_tokens",
		                 (int)strlen(text));
	}
	if (provider == P_OPENAI) {
		json_t *msg = tool ? json_pack("{s:s,s:n,s:[{s:s,s:s,s:{s:s,s:s}}]}", "role", "assistant", "content",
		                               "tool_calls", "id", "call_1", "type", "function", "function", "name",
		                               tool, "arguments", args)
		                   : json_pack("{s:s,s:s}", "role", "assistant", "content", echo);
		return json_pack("{s:s,s:s,s:i,s:s,s:[{s:i,s:o,s:s}],s:{s:i,s:i,s:i}}", "id", "chatcmpl-1", "object",
		                 "chat.completion", "created", 1700000000, "model", model ? model : "m", "choices",
		                 "index", 0, "message", msg, "finish_reason", tool ? "tool_calls" : "stop", "usage",
		                 "prompt_tokens", (int)strlen(text), "completion_tokens", (int)strlen(echo),
		                 "total_tokens", (int)(strlen(text) + strlen(echo)));
	}
	if (provider == P_ANTHROPIC) {
		json_t *content = tool ? json_pack("[{s:s,s:s,s:s,s:{s:s}}]", "type", "tool_use", "id", "toolu_1",
		                                   "name", tool, "input", "q", text)
		                       : json_pack("[{s:s,s:s}]", "type", "text", "text", echo);
		return json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:n,s:{s:i,s:i}}", "id", "msg_1", "type", "message", "role",
		                 "assistant", "model", model ? model : "m", "content", content, "stop_reason",
		                 tool ? "tool_use" : "end_turn", "stop_sequence", "usage", "input_tokens",
		                 (int)strlen(text), "output_tokens", (int)strlen(echo));
	}
	return json_pack("{s:[{s:{s:s,s:o},s:s,s:i}],s:{s:i,s:i,s:i},s:s}", "candidates", "content", "role", "model",
	                 "parts",
	                 tool ? json_pack("[{s:{s:s,s:{s:s}}}]", "functionCall", "name", tool, "args", "q", text)
	                      : json_pack("[{s:s}]", "text", echo),
	                 "finishReason", "STOP", "index", 0, "usageMetadata", "promptTokenCount", (int)strlen(text),
	                 "candidatesTokenCount", (int)strlen(echo), "totalTokenCount",
	                 (int)(strlen(text) + strlen(echo)), "modelVersion", "gemini-2.5-flash");
}

/* ---- state -------------------------------------------------------------------- */

static batch *find_batch(batchd *d, const char *id, size_t n)
{
	size_t i;

	for (i = 0; i < d->nb; i++)
		if (strlen(d->b[i].id) == n && !strncmp(d->b[i].id, id, n))
			return &d->b[i];
	return NULL;
}

static file *find_file(batchd *d, const char *id, size_t n)
{
	size_t i;

	for (i = 0; i < d->nf; i++)
		if (strlen(d->f[i].id) == n && !strncmp(d->f[i].id, id, n))
			return &d->f[i];
	return NULL;
}

static batch *new_batch(batchd *d, int provider)
{
	batch *b;

	if (d->nb == MAX_BATCHES)
		abort();
	b = &d->b[d->nb++];
	memset(b, 0, sizeof(*b));
	b->provider = provider;
	b->expire = d->expire;
	snprintf(b->id, sizeof(b->id),
	         provider == P_ANTHROPIC ? "msgbatch_%03zu"
	         : provider == P_GEMINI  ? "batches/g%03zu"
	                                 : "batch_%03zu",
	         d->nb);
	return b;
}

static void add_req(batch *b, const char *id, json_t *body)
{
	b->reqs = realloc(b->reqs, (b->n + 1) * sizeof(*b->reqs));
	if (!b->reqs)
		abort();
	b->reqs[b->n].custom_id = xstrdup(id);
	b->reqs[b->n].body = json_incref(body);
	b->n++;
}

/* Moves a batch one step along its life; ends it when its time comes. */
static void step(batch *b)
{
	int last = b->provider == P_OPENAI || b->provider == P_MISTRAL ? 3 : 2;

	if (b->ended)
		return;
	b->step++;
	if (b->cancelled && b->step > b->cancelled) { /* cancelled: the step of the cancel + 1 */
		b->ended = 8;                         /* cancelled */
		b->done = b->n / 2;
	} else if (!b->cancelled && b->step >= last) {
		b->ended = b->expire ? 6 : 4;
		b->done = b->expire ? b->n / 2 : b->n;
	}
}

static const char *openai_status(const batch *b)
{
	static const char *const s[] = {"validating", "in_progress", "finalizing"};

	if (b->ended)
		return b->ended == 4 ? "completed" : b->ended == 6 ? "expired" : "cancelled";
	if (b->cancelled)
		return "cancelling";
	return s[b->step < 3 ? b->step : 2];
}

static size_t n_bad(const batch *b, size_t upto)
{
	size_t i, k = 0;

	for (i = 0; i < upto; i++)
		k += !strncmp(b->reqs[i].custom_id, "bad", 3);
	return k;
}

static json_t *openai_batch(const batch *b)
{
	size_t ran = b->ended ? b->done : 0, bad = n_bad(b, ran);
	json_t *o =
	        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:{s:i,s:i,s:i}}", "id", b->id, "object", "batch", "endpoint",
	                  b->endpoint, "model", b->model, "input_file_id", "file-in", "completion_window", "24h",
	                  "created_at", 1700000000, "request_counts", "total", (int)b->n, "completed", (int)(ran - bad),
	                  "failed", (int)(b->ended ? b->n - ran + bad : 0));

	json_object_set_new(o, "status", json_string(openai_status(b)));
	if (b->ended) {
		json_object_set_new(o, "output_file_id", json_string(b->out_file));
		json_object_set_new(o, "error_file_id", json_string(b->err_file));
	}
	return o;
}

static json_t *mistral_job(const batch *b)
{
	static const char *const run[] = {"QUEUED", "RUNNING", "RUNNING"};
	size_t ran = b->ended ? b->done : 0, bad = n_bad(b, ran);
	const char *status = b->ended == 4   ? "SUCCESS"
	                     : b->ended == 6 ? "TIMEOUT_EXCEEDED"
	                     : b->ended == 8 ? "CANCELLED"
	                     : b->cancelled  ? "CANCELLATION_REQUESTED"
	                                     : run[b->step < 3 ? b->step : 2];
	json_t *o = json_pack("{s:s,s:s,s:[],s:s,s:s,s:[],s:s,s:i,s:i,s:i,s:i,s:i}", "id", b->id, "object", "batch",
	                      "input_files", "endpoint", b->endpoint, "model", b->model, "errors", "status", status,
	                      "created_at", 1765000000, "total_requests", (int)b->n, "completed_requests",
	                      (int)(b->ended ? b->n : 0), "succeeded_requests", (int)(ran - bad), "failed_requests",
	                      (int)(b->ended ? b->n - ran + bad : 0));

	json_object_set_new(o, "output_file", b->ended ? json_string(b->out_file) : json_null());
	json_object_set_new(o, "error_file", b->ended ? json_string(b->err_file) : json_null());
	return o;
}

/* The results of an ended OpenAI batch as its two files. */
static void openai_results(batchd *d, batch *b)
{
	size_t i;
	int st;
	json_t *ans, *line;
	char *text;
	FILE *f[2];
	char *buf[2];
	size_t len[2];

	f[0] = open_memstream(&buf[0], &len[0]);
	f[1] = open_memstream(&buf[1], &len[1]);
	for (i = 0; i < b->n; i++) {
		if (i < b->done) {
			ans = answer(P_OPENAI, b->endpoint, b->reqs[i].body, b->reqs[i].custom_id, &st);
			line = json_pack("{s:s,s:s,s:{s:i,s:s,s:o},s:n}", "id", "batch_req_1", "custom_id",
			                 b->reqs[i].custom_id, "response", "status_code", st, "request_id", "req_1",
			                 "body", ans, "error");
		} else {
			line = json_pack(
			        "{s:s,s:s,s:n,s:{s:s,s:s}}", "id", "batch_req_1", "custom_id", b->reqs[i].custom_id,
			        "response", "error", "code", b->ended == 6 ? "batch_expired" : "batch_cancelled",
			        "message",
			        b->ended == 6
			                ? "This request could not be executed before the completion window expired."
			                : "This request was cancelled.");
			st = 0;
		}
		text = json_dumps(line, JSON_COMPACT);
		fprintf(f[st == 200 ? 0 : 1], "%s\n", text);
		free(text);
		json_decref(line);
	}
	fclose(f[0]);
	fclose(f[1]);
	for (i = 0; i < 2; i++) {
		file *fl = &d->f[d->nf++];
		snprintf(fl->id, sizeof(fl->id), "file-out%zu", d->nf);
		fl->data = buf[i];
		fl->len = len[i];
		memcpy(i ? b->err_file : b->out_file, fl->id, sizeof(b->out_file));
	}
}

/* The "file" part of a multipart body (the boundary from Content-Type). */
static int form_file(const th_request *rq, const char **data, size_t *len, int *purpose_batch)
{
	const char *ct = th_request_header(rq, "Content-Type"), *b, *p, *end;
	char delim[128];
	const char *body = (const char *)rq->body;

	if (!ct || strncmp(ct, "multipart/form-data; boundary=", 30))
		return -1;
	b = ct + 30;
	snprintf(delim, sizeof(delim), "\r\n--%s", b);
	*purpose_batch = strstr(body, "name=\"purpose\"\r\n\r\nbatch\r\n") != NULL;
	p = strstr(body, "name=\"file\"");
	if (!p || !(p = strstr(p, "\r\n\r\n")))
		return -1;
	p += 4;
	end = memmem(p, rq->body_len - (size_t)(p - body), delim, strlen(delim));
	if (!end)
		return -1;
	*data = p;
	*len = (size_t)(end - p);
	return 0;
}

/* Checks an uploaded JSONL file; the error, or NULL. */
static const char *check_lines(const char *data, size_t len, size_t *nlines, const char **endpoint)
{
	static char why[256];
	const char *p = data, *nl;
	json_t *l;
	size_t n = 0;

	*endpoint = NULL;
	while (p < data + len) {
		nl = memchr(p, '\n', (size_t)(data + len - p));
		if (!nl)
			nl = data + len;
		l = json_loadb(p, (size_t)(nl - p), 0, NULL);
		n++;
		if (!l || !json_is_string(json_object_get(l, "custom_id")) ||
		    !json_string_value(json_object_get(l, "method")) ||
		    strcmp(json_string_value(json_object_get(l, "method")), "POST") ||
		    !json_is_string(json_object_get(l, "url")) || !json_is_object(json_object_get(l, "body"))) {
			snprintf(why, sizeof(why), "line %zu is not a batch request line", n);
			json_decref(l);
			return why;
		}
		json_decref(l);
		p = nl + 1;
	}
	*nlines = n;
	return NULL;
}

static void load_lines(batch *b, const file *f)
{
	const char *p = f->data, *nl;
	json_t *l;

	while (p < f->data + f->len) {
		nl = memchr(p, '\n', (size_t)(f->data + f->len - p));
		if (!nl)
			nl = f->data + f->len;
		l = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if (l) {
			if (!b->model[0] && json_is_string(json_object_get(json_object_get(l, "body"), "model")))
				snprintf(b->model, sizeof(b->model), "%s",
				         json_string_value(json_object_get(json_object_get(l, "body"), "model")));
			add_req(b, json_string_value(json_object_get(l, "custom_id")), json_object_get(l, "body"));
		}
		json_decref(l);
		p = nl + 1;
	}
}

/* ---- routes --------------------------------------------------------------------- */

static int poll_fails(batchd *d, th_response *out, int provider)
{
	d->polls++;
	if (d->fail_polls > 0) {
		d->fail_polls--;
		reply_error(out, provider, 503, "the service is restarting");
		return 1;
	}
	return 0;
}

static void openai(batchd *d, const th_request *rq, const char *path, th_response *out)
{
	json_t *body = rq->body_len ? json_loadb((const char *)rq->body, rq->body_len, 0, NULL) : NULL;
	batch *b;
	file *f;
	const char *data, *ep, *why;
	size_t len, n, idlen;
	int purpose, st;

	if (!strcmp(rq->method, "POST") && !strcmp(path, "/files")) {
		if (form_file(rq, &data, &len, &purpose) || !purpose) {
			reply_error(out, P_OPENAI, 400, "expected a multipart form with purpose=batch and a file");
		} else if ((why = check_lines(data, len, &n, &ep))) {
			reply_error(out, P_OPENAI, 400, "%s", why);
		} else {
			f = &d->f[d->nf++];
			snprintf(f->id, sizeof(f->id), "file-in%zu", d->nf);
			f->data = xmalloc(len);
			memcpy(f->data, data, len);
			f->len = len;
			d->upload_bytes = len;
			d->upload_lines = n;
			reply_json(out, 200,
			           json_pack("{s:s,s:s,s:i,s:i,s:s,s:s,s:s}", "id", f->id, "object", "file", "bytes",
			                     (int)len, "created_at", 1700000000, "filename", "batch.jsonl", "purpose",
			                     "batch", "status", "processed"));
		}
	} else if (!strcmp(rq->method, "POST") && !strcmp(path, "/batches")) {
		const char *fid = json_string_value(json_object_get(body, "input_file_id"));
		ep = json_string_value(json_object_get(body, "endpoint"));
		if (!fid || !ep || !json_string_value(json_object_get(body, "completion_window")) ||
		    strcmp(json_string_value(json_object_get(body, "completion_window")), "24h") ||
		    !(f = find_file(d, fid, strlen(fid)))) {
			reply_error(out, P_OPENAI, 400,
			            "input_file_id, endpoint and completion_window 24h are required");
		} else {
			b = new_batch(d, P_OPENAI);
			snprintf(b->endpoint, sizeof(b->endpoint), "%s", ep);
			load_lines(b, f);
			reply_json(out, 200, openai_batch(b));
		}
	} else if (!strncmp(path, "/batches/", 9)) {
		const char *id = path + 9;
		int cancel = 0;
		idlen = strcspn(id, "/");
		if (!strcmp(id + idlen, "/cancel") && !strcmp(rq->method, "POST"))
			cancel = 1;
		else if (id[idlen] || strcmp(rq->method, "GET")) {
			reply_error(out, P_OPENAI, 404, "no route");
			goto out;
		}
		if (!(b = find_batch(d, id, idlen))) {
			reply_error(out, P_OPENAI, 404, "No batch found with id '%.*s'.", (int)idlen, id);
			goto out;
		}
		if (cancel) {
			if (!b->ended && !b->cancelled)
				b->cancelled = b->step + 1;
		} else if (poll_fails(d, out, P_OPENAI)) {
			goto out;
		} else {
			step(b);
			if (b->ended && !b->out_file[0])
				openai_results(d, b);
		}
		reply_json(out, 200, openai_batch(b));
	} else if (!strcmp(rq->method, "POST") && !strcmp(path, "/batch/jobs")) {
		/* Mistral: inline requests, the model once */
		json_t *reqs = json_object_get(body, "requests"), *r;
		size_t i;
		ep = json_string_value(json_object_get(body, "endpoint"));
		if (!ep || !json_is_string(json_object_get(body, "model")) || !json_array_size(reqs)) {
			reply_error(out, P_OPENAI, 400, "endpoint, model and requests are required");
			goto out;
		}
		json_array_foreach(reqs, i, r)
		{
			if (!json_is_string(json_object_get(r, "custom_id")) ||
			    !json_is_object(json_object_get(r, "body"))) {
				reply_error(out, P_OPENAI, 400, "requests.%zu: custom_id and body", i);
				goto out;
			}
		}
		b = new_batch(d, P_MISTRAL);
		snprintf(b->endpoint, sizeof(b->endpoint), "%s", ep);
		snprintf(b->model, sizeof(b->model), "%s", json_string_value(json_object_get(body, "model")));
		json_array_foreach(reqs, i, r)
		        add_req(b, json_string_value(json_object_get(r, "custom_id")), json_object_get(r, "body"));
		reply_json(out, 200, mistral_job(b));
	} else if (!strncmp(path, "/batch/jobs/", 12)) {
		const char *id = path + 12;
		idlen = strcspn(id, "/");
		if (!(b = find_batch(d, id, idlen))) {
			reply_error(out, P_OPENAI, 404, "No batch job %.*s", (int)idlen, id);
			goto out;
		}
		if (!strcmp(id + idlen, "/cancel") && !strcmp(rq->method, "POST")) {
			if (!b->ended && !b->cancelled)
				b->cancelled = b->step + 1;
		} else if (!id[idlen] && !strcmp(rq->method, "GET")) {
			if (poll_fails(d, out, P_OPENAI))
				goto out;
			step(b);
			if (b->ended && !b->out_file[0])
				openai_results(d, b);
		} else {
			reply_error(out, P_OPENAI, 404, "no route");
			goto out;
		}
		reply_json(out, 200, mistral_job(b));
	} else if (!strncmp(path, "/files/", 7) && strstr(path, "/content") && !strcmp(rq->method, "GET")) {
		idlen = strcspn(path + 7, "/");
		if (!(f = find_file(d, path + 7, idlen))) {
			reply_error(out, P_OPENAI, 404, "No such File object");
		} else {
			char *copy = xmalloc(f->len + 1);
			memcpy(copy, f->data, f->len);
			copy[f->len] = 0;
			reply(out, 200, "application/octet-stream", copy);
			out->body_len = f->len;
		}
	} else if (!strcmp(rq->method, "POST") &&
	           (!strcmp(path, "/chat/completions") || !strcmp(path, "/embeddings"))) {
		reply_json(out, 200, answer(P_OPENAI, path, body, NULL, &st));
	} else {
		reply_error(out, P_OPENAI, 404, "no route %s", path);
	}
out:
	json_decref(body);
}

static json_t *anthropic_batch(batchd *d, const batch *b)
{
	size_t ran = b->ended ? b->done : 0, bad = n_bad(b, ran);
	char url[256];
	json_t *o = json_pack("{s:s,s:s,s:s,s:{s:i,s:i,s:i,s:i,s:i},s:s}", "id", b->id, "type", "message_batch",
	                      "processing_status",
	                      b->ended       ? "ended"
	                      : b->cancelled ? "canceling"
	                                     : "in_progress",
	                      "request_counts", "processing", (int)(b->ended ? 0 : b->n), "succeeded", (int)(ran - bad),
	                      "errored", (int)bad, "canceled", (int)(b->ended == 8 ? b->n - ran : 0), "expired",
	                      (int)(b->ended == 6 ? b->n - ran : 0), "created_at", "2026-12-06T10:00:00Z");

	json_object_set_new(o, "cancel_initiated_at", b->cancelled ? json_string("2026-12-06T10:01:00Z") : json_null());
	if (b->ended) {
		snprintf(url, sizeof(url), "%s/v1/messages/batches/%s/results", th_url(d->srv), b->id);
		json_object_set_new(o, "results_url", json_string(url));
	} else {
		json_object_set_new(o, "results_url", json_null());
	}
	return o;
}

static void anthropic(batchd *d, const th_request *rq, const char *path, th_response *out)
{
	json_t *body = rq->body_len ? json_loadb((const char *)rq->body, rq->body_len, 0, NULL) : NULL, *r;
	batch *b;
	size_t i, idlen;
	int st;

	if (!strcmp(rq->method, "POST") && !strcmp(path, "/messages/batches")) {
		json_t *reqs = json_object_get(body, "requests");
		if (!json_array_size(reqs)) {
			reply_error(out, P_ANTHROPIC, 400, "requests: a non-empty array is required");
			goto out;
		}
		json_array_foreach(reqs, i, r)
		{
			if (!json_is_string(json_object_get(r, "custom_id")) ||
			    !json_is_object(json_object_get(r, "params")) ||
			    !json_integer_value(json_object_get(json_object_get(r, "params"), "max_tokens"))) {
				reply_error(out, P_ANTHROPIC, 400, "requests.%zu: custom_id and params with max_tokens",
				            i);
				goto out;
			}
		}
		b = new_batch(d, P_ANTHROPIC);
		json_array_foreach(reqs, i, r)
		        add_req(b, json_string_value(json_object_get(r, "custom_id")), json_object_get(r, "params"));
		reply_json(out, 200, anthropic_batch(d, b));
	} else if (!strncmp(path, "/messages/batches/", 18)) {
		const char *id = path + 18, *rest;
		idlen = strcspn(id, "/");
		rest = id + idlen;
		if (!(b = find_batch(d, id, idlen))) {
			reply_error(out, P_ANTHROPIC, 404, "not found");
			goto out;
		}
		if (!strcmp(rest, "/cancel") && !strcmp(rq->method, "POST")) {
			if (!b->ended && !b->cancelled)
				b->cancelled = b->step + 1;
			reply_json(out, 200, anthropic_batch(d, b));
		} else if (!strcmp(rest, "/results") && b->ended) {
			char *buf;
			size_t len;
			FILE *f = open_memstream(&buf, &len);
			for (i = 0; i < b->n; i++) {
				/* Not in request order: results come last first. */
				req *q = &b->reqs[b->n - 1 - i];
				json_t *res, *line;
				char *text;
				if (b->n - 1 - i < b->done) {
					json_t *a = answer(P_ANTHROPIC, "", q->body, q->custom_id, &st);
					res = st == 200 ? json_pack("{s:s,s:o}", "type", "succeeded", "message", a)
					                : json_pack("{s:s,s:o}", "type", "errored", "error", a);
				} else {
					res = json_pack("{s:s}", "type", b->ended == 6 ? "expired" : "canceled");
				}
				line = json_pack("{s:s,s:o}", "custom_id", q->custom_id, "result", res);
				text = json_dumps(line, JSON_COMPACT);
				fprintf(f, "%s\n", text);
				free(text);
				json_decref(line);
			}
			fclose(f);
			reply(out, 200, "application/binary", buf);
			out->body_len = len;
		} else if (!*rest && !strcmp(rq->method, "GET")) {
			if (!poll_fails(d, out, P_ANTHROPIC)) {
				step(b);
				reply_json(out, 200, anthropic_batch(d, b));
			}
		} else {
			reply_error(out, P_ANTHROPIC, 404, "no route");
		}
	} else if (!strcmp(rq->method, "POST") && !strcmp(path, "/messages")) {
		reply_json(out, 200, answer(P_ANTHROPIC, "", body, NULL, &st));
	} else {
		reply_error(out, P_ANTHROPIC, 404, "no route");
	}
out:
	json_decref(body);
}

static json_t *gemini_op(const batch *b, int with_output)
{
	static const char *const run[] = {"BATCH_STATE_PENDING", "BATCH_STATE_RUNNING"};
	size_t ran = b->ended ? b->done : 0, bad = n_bad(b, ran), i;
	char n[4][24];
	const char *state = b->ended == 4   ? "BATCH_STATE_SUCCEEDED"
	                    : b->ended == 6 ? "BATCH_STATE_EXPIRED"
	                    : b->ended == 8 ? "BATCH_STATE_CANCELLED"
	                                    : run[b->step < 2 ? b->step : 1];
	json_t *op, *list;
	int st;

	snprintf(n[0], sizeof(n[0]), "%zu", b->n);
	snprintf(n[1], sizeof(n[1]), "%zu", ran - bad);
	snprintf(n[2], sizeof(n[2]), "%zu", bad);
	snprintf(n[3], sizeof(n[3]), "%zu", b->ended ? (size_t)0 : b->n);
	op = json_pack("{s:s,s:{s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s}},s:b}", "name", b->id, "metadata", "@type",
	               "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch", "model",
	               b->model, "displayName", "llmkit", "state", state, "batchStats", "requestCount", n[0],
	               "successfulRequestCount", n[1], "failedRequestCount", n[2], "pendingRequestCount", n[3], "done",
	               b->ended != 0);
	if (b->ended && with_output && b->by_file) {
		json_object_set_new(
		        op, "response",
		        json_pack("{s:s,s:s}", "@type",
		                  "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
		                  "responsesFile", b->out_file));
	} else if (b->ended && with_output) {
		list = json_array();
		for (i = 0; i < b->done; i++) {
			json_t *a = answer(P_GEMINI, "", b->reqs[i].body, b->reqs[i].custom_id, &st);
			json_array_append_new(list, json_pack("{s:o,s:{s:s}}", st == 200 ? "response" : "error", a,
			                                      "metadata", "key", b->reqs[i].custom_id));
		}
		json_object_set_new(
		        op, "response",
		        json_pack("{s:s,s:{s:o}}", "@type",
		                  "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
		                  "inlinedResponses", "inlinedResponses", list));
	}
	return op;
}

/* The results of a file-based Gemini batch as its responses file. */
static void gemini_results_file(batchd *d, batch *b)
{
	char *buf, *text;
	size_t len, i;
	int st;
	FILE *f = open_memstream(&buf, &len);
	file *fl;

	for (i = 0; i < b->done; i++) {
		json_t *a = answer(P_GEMINI, "", b->reqs[i].body, b->reqs[i].custom_id, &st);
		json_t *line = json_pack("{s:s,s:o}", "key", b->reqs[i].custom_id, st == 200 ? "response" : "error", a);
		text = json_dumps(line, JSON_COMPACT);
		fprintf(f, "%s\n", text);
		free(text);
		json_decref(line);
	}
	fclose(f);
	fl = &d->f[d->nf++];
	snprintf(fl->id, sizeof(fl->id), "files/out%zu", d->nf);
	fl->data = buf;
	fl->len = len;
	memcpy(b->out_file, fl->id, sizeof(b->out_file));
}

/* The Files API's resumable upload (start, then upload + finalize at the
 * URL the start gave) and its downloads. */
static void gemini_files(batchd *d, const th_request *rq, const char *path, th_response *out)
{
	const char *cmd = th_request_header(rq, "X-Goog-Upload-Command");
	char h[512];

	if (!strcmp(path, "/upload/v1beta/files") && cmd && !strcmp(cmd, "start")) {
		if (!th_request_header(rq, "x-goog-api-key") ||
		    strcmp(th_request_header(rq, "X-Goog-Upload-Protocol")
		                   ? th_request_header(rq, "X-Goog-Upload-Protocol")
		                   : "",
		           "resumable") ||
		    !th_request_header(rq, "X-Goog-Upload-Header-Content-Length")) {
			reply_error(out, P_GEMINI, 400, "a resumable upload start needs its headers and the key");
			return;
		}
		reply(out, 200, "application/json", xstrdup("{}"));
		snprintf(h, sizeof(h),
		         "Content-Type: application/json\r\nX-Goog-Upload-URL: "
		         "%s/upload/v1beta/files?upload_id=u%zu\r\n",
		         th_url(d->srv), d->nf + 1);
		free((void *)out->headers);
		out->headers = xstrdup(h);
	} else if (!strcmp(path, "/upload/v1beta/files") && cmd && !strcmp(cmd, "upload, finalize") &&
	           strstr(rq->target, "upload_id=")) {
		file *f = &d->f[d->nf++];
		if (th_request_header(rq, "x-goog-api-key")) {
			reply_error(out, P_GEMINI, 400, "the upload URL is its own grant: no key expected");
			return;
		}
		snprintf(f->id, sizeof(f->id), "files/in%zu", d->nf);
		f->data = xmalloc(rq->body_len);
		memcpy(f->data, rq->body, rq->body_len);
		f->len = rq->body_len;
		d->upload_bytes = rq->body_len;
		reply_json(out, 200,
		           json_pack("{s:{s:s,s:s}}", "file", "name", f->id, "mimeType", "application/jsonl"));
	} else if (!strncmp(path, "/download/v1beta/", 17) && strstr(path, ":download")) {
		size_t n = strcspn(path + 17, ":");
		file *f = find_file(d, path + 17, n);
		if (!f) {
			reply_error(out, P_GEMINI, 404, "no such file");
		} else {
			char *copy = xmalloc(f->len + 1);
			memcpy(copy, f->data, f->len);
			copy[f->len] = 0;
			reply(out, 200, "application/octet-stream", copy);
			out->body_len = f->len;
		}
	} else {
		reply_error(out, P_GEMINI, 404, "no route %s", path);
	}
}

static void gemini(batchd *d, const th_request *rq, const char *path, th_response *out)
{
	json_t *body = rq->body_len ? json_loadb((const char *)rq->body, rq->body_len, 0, NULL) : NULL, *r;
	batch *b;
	const char *verb;
	size_t i;
	int st;

	if (!strncmp(path, "/models/", 8) && (verb = strchr(path + 8, ':')) && !strcmp(verb, ":batchGenerateContent")) {
		json_t *reqs = json_object_get(
		        json_object_get(json_object_get(json_object_get(body, "batch"), "input_config"), "requests"),
		        "requests");
		const char *fname = json_string_value(
		        json_object_get(json_object_get(json_object_get(body, "batch"), "input_config"), "file_name"));
		file *f = fname ? find_file(d, fname, strlen(fname)) : NULL;
		if (f) {
			/* {"key","request"} lines */
			const char *lp = f->data, *nl;
			b = new_batch(d, P_GEMINI);
			b->by_file = 1;
			snprintf(b->model, sizeof(b->model), "models/%.*s", (int)(verb - path - 8), path + 8);
			while (lp < f->data + f->len) {
				json_t *l;
				nl = memchr(lp, '\n', (size_t)(f->data + f->len - lp));
				if (!nl)
					nl = f->data + f->len;
				l = json_loadb(lp, (size_t)(nl - lp), 0, NULL);
				if (l && json_is_string(json_object_get(l, "key")))
					add_req(b, json_string_value(json_object_get(l, "key")),
					        json_object_get(l, "request"));
				json_decref(l);
				lp = nl + 1;
			}
			reply_json(out, 200, gemini_op(b, 0));
			goto out;
		}
		if (!json_array_size(reqs) ||
		    !json_is_string(json_object_get(json_object_get(body, "batch"), "display_name"))) {
			reply_error(out, P_GEMINI, 400,
			            "batch.display_name and batch.input_config.requests are required");
			goto out;
		}
		b = new_batch(d, P_GEMINI);
		snprintf(b->model, sizeof(b->model), "models/%.*s", (int)(verb - path - 8), path + 8);
		json_array_foreach(reqs, i, r)
		        add_req(b,
		                json_string_value(json_object_get(json_object_get(r, "metadata"), "key"))
		                        ? json_string_value(json_object_get(json_object_get(r, "metadata"), "key"))
		                        : "?",
		                json_object_get(r, "request"));
		reply_json(out, 200, gemini_op(b, 0));
	} else if (!strncmp(path, "/batches/", 9)) {
		size_t idlen = strcspn(path + 1, ":");
		if (!(b = find_batch(d, path + 1, idlen))) {
			reply_error(out, P_GEMINI, 404, "not found");
			goto out;
		}
		if (!strcmp(path + 1 + idlen, ":cancel") && !strcmp(rq->method, "POST")) {
			if (!b->ended && !b->cancelled)
				b->cancelled = b->step + 1;
			reply(out, 200, "application/json", xstrdup("{}"));
		} else if (!path[1 + idlen] && !strcmp(rq->method, "GET")) {
			if (!poll_fails(d, out, P_GEMINI)) {
				step(b);
				if (b->ended && b->by_file && !b->out_file[0])
					gemini_results_file(d, b);
				reply_json(out, 200, gemini_op(b, 1));
			}
		} else {
			reply_error(out, P_GEMINI, 404, "no route");
		}
	} else if (!strncmp(path, "/models/", 8) && strstr(path, ":generateContent")) {
		reply_json(out, 200, answer(P_GEMINI, "", body, NULL, &st));
	} else {
		reply_error(out, P_GEMINI, 404, "no route");
	}
out:
	json_decref(body);
}

static void handler(const th_request *rq, th_response *out, void *user)
{
	batchd *d = user;
	char path[512];
	size_t n = strcspn(rq->target, "?");

	snprintf(path, sizeof(path), "%.*s", (int)n, rq->target);
	pthread_mutex_lock(&d->mu);
	if (!strncmp(path, "/openai/", 8)) {
		/* Azure: the OpenAI routes, with an api-version */
		if (!strstr(rq->target, "?api-version=20") || !th_request_header(rq, "api-key"))
			reply_error(out, P_OPENAI, 400, "api-version query and api-key header required");
		else if (!strncmp(path, "/openai/deployments/", 20))
			openai(d, rq, strchr(path + 20, '/') ? strchr(path + 20, '/') : "", out);
		else
			openai(d, rq, path + 7, out);
	} else if (!strncmp(path, "/v1/messages", 12)) {
		if (!th_request_header(rq, "x-api-key") || !th_request_header(rq, "anthropic-version"))
			reply_error(out, P_ANTHROPIC, 401, "x-api-key and anthropic-version required");
		else
			anthropic(d, rq, path + 3, out);
	} else if (!strncmp(path, "/upload/v1beta/", 15) || !strncmp(path, "/download/v1beta/", 17)) {
		gemini_files(d, rq, path, out);
	} else if (!strncmp(path, "/v1beta/", 8)) {
		if (!th_request_header(rq, "x-goog-api-key"))
			reply_error(out, P_GEMINI, 401, "x-goog-api-key required");
		else
			gemini(d, rq, path + 7, out);
	} else if (!strncmp(path, "/v1/", 4)) {
		if (!th_request_header(rq, "Authorization"))
			reply_error(out, P_OPENAI, 401, "Authorization required");
		else
			openai(d, rq, path + 3, out);
	} else {
		reply_error(out, P_OPENAI, 404, "no route %s", path);
	}
	pthread_mutex_unlock(&d->mu);
}

batchd *batchd_start(void)
{
	batchd *d = calloc(1, sizeof(*d));

	if (!d)
		abort();
	pthread_mutex_init(&d->mu, NULL);
	d->srv = th_start();
	if (!d->srv)
		abort();
	th_set_handler(d->srv, handler, d);
	return d;
}

void batchd_stop(batchd *d)
{
	size_t i, j;

	if (!d)
		return;
	th_stop(d->srv);
	for (i = 0; i < d->nb; i++) {
		for (j = 0; j < d->b[i].n; j++) {
			free(d->b[i].reqs[j].custom_id);
			json_decref(d->b[i].reqs[j].body);
		}
		free(d->b[i].reqs);
	}
	for (i = 0; i < d->nf; i++)
		free(d->f[i].data);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

th_server *batchd_server(batchd *d)
{
	return d->srv;
}

void batchd_expire(batchd *d, int on)
{
	pthread_mutex_lock(&d->mu);
	d->expire = on;
	pthread_mutex_unlock(&d->mu);
}

void batchd_fail_polls(batchd *d, int n)
{
	pthread_mutex_lock(&d->mu);
	d->fail_polls = n;
	pthread_mutex_unlock(&d->mu);
}

int batchd_polls(batchd *d)
{
	int n;

	pthread_mutex_lock(&d->mu);
	n = d->polls;
	pthread_mutex_unlock(&d->mu);
	return n;
}

size_t batchd_upload_bytes(batchd *d)
{
	return d->upload_bytes;
}

size_t batchd_upload_lines(batchd *d)
{
	return d->upload_lines;
}
