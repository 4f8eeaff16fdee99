/* Recording a client's exchanges to a cassette (see cassette.c). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "alloc.h"
#include "cassette.h"
#include "client.h"
#include "exchange.h"
#include "json.h"
#include "scrub.h"
#include "secret.h"

typedef struct recorder {
	llmk_client *client; /* for its key, read at each send */
	llmk_transport inner;
	void *inner_user;
	int inner_custom;
	int fd;
	pthread_mutex_t lock; /* one line, one write, in order */
	char *path;
} recorder;

/* What the inner transport reported, on its way to the pipeline. */
typedef struct tee {
	llmk__exchange_sink down;
	int32_t status;
	llmk__header *headers;
	size_t nheaders, cap;
	llmk__buf body;
	int oom;
} tee;

static void tee_clear_headers(tee *t)
{
	size_t i;

	for (i = 0; i < t->nheaders; i++) {
		llmk__free(t->headers[i].name);
		llmk__free_wiped(t->headers[i].value);
	}
	t->nheaders = 0;
}

static void tee_free(tee *t)
{
	tee_clear_headers(t);
	llmk__free(t->headers);
	if (t->body.data)
		sodium_memzero(t->body.data, t->body.len);
	llmk__buf_free(&t->body);
}

static int tee_status(void *ctx, int32_t http_status)
{
	tee *t = ctx;

	/* A new status line starts a new header block, as in the pipeline. */
	tee_clear_headers(t);
	t->status = http_status;
	return t->down.status ? t->down.status(t->down.ctx, http_status) : 0;
}

static int tee_header(void *ctx, const char *name, const char *value)
{
	tee *t = ctx;
	llmk__header *h;

	if (t->nheaders == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		h = llmk__realloc(t->headers, ncap * sizeof(*h));
		if (!h)
			return t->oom = 1;
		t->headers = h;
		t->cap = ncap;
	}
	h = &t->headers[t->nheaders];
	h->name = llmk__strdup(name);
	h->value = llmk__strdup(value);
	if (!h->name || !h->value) {
		llmk__free(h->name);
		llmk__free_wiped(h->value);
		return t->oom = 1;
	}
	t->nheaders++;
	return t->down.header ? t->down.header(t->down.ctx, name, value) : 0;
}

static int tee_body(void *ctx, const uint8_t *data, size_t len)
{
	tee *t = ctx;

	if (llmk__buf_append(&t->body, data, len))
		return t->oom = 1;
	return t->down.body ? t->down.body(t->down.ctx, data, len) : 0;
}

/* A JSON string holding a scrubbed copy of value (REDACTED when redact).
 * Header values from the wire need not be UTF-8: other bytes become '?'. */
static json_t *scrubbed_str(const llmk__cas_secrets *s, const char *value, int redact)
{
	json_t *j;
	char *v;
	size_t i;

	if (redact)
		return json_string(REDACTED);
	v = llmk__cas_scrub(s, value, strlen(value), NULL);
	if (!v)
		return NULL;
	j = json_string(v);
	if (!j) {
		for (i = 0; v[i]; i++)
			if ((unsigned char)v[i] >= 0x80 || (unsigned char)v[i] < 0x20)
				v[i] = '?';
		j = json_string(v);
	}
	llmk__free_wiped(v);
	return j;
}

static json_t *request_json(const llmk_exchange *ex, const llmk__cas_secrets *s)
{
	json_t *o = json_object(), *h = json_object();
	size_t i, n = 0;
	char *b = NULL;
	int bad = !o || !h;

	for (i = 0; !bad && i < ex->nheaders; i++)
		bad = json_object_set_new(
		        h, ex->headers[i].name,
		        scrubbed_str(s, ex->headers[i].value, llmk__cas_secret_header(ex->headers[i].name)));
	bad = bad || json_object_set_new(o, "method", json_string(ex->method)) ||
	      json_object_set_new(o, "url", scrubbed_str(s, ex->url ? ex->url : "", 0)) ||
	      json_object_set(o, "headers", h);
	if (!bad) {
		b = llmk__cas_scrub(s, ex->body.data ? ex->body.data : "", ex->body.len, &n);
		bad = !b || llmk__cas_put_body(o, (const uint8_t *)b, n);
	}
	if (b)
		sodium_memzero(b, n);
	llmk__free(b);
	json_decref(h);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *response_json(const tee *t, const llmk__cas_secrets *s)
{
	json_t *o = json_object(), *hs = json_array();
	size_t i, n = 0;
	char *b = NULL;
	int bad = !o || !hs;

	for (i = 0; !bad && i < t->nheaders; i++) {
		json_t *pair = json_array();
		const llmk__header *h = &t->headers[i];

		bad = !pair || json_array_append_new(pair, json_string(h->name)) ||
		      json_array_append_new(pair, scrubbed_str(s, h->value, llmk__cas_secret_header(h->name)));
		if (bad)
			json_decref(pair); /* NULL-safe */
		else
			bad = json_array_append_new(hs, pair); /* stolen even on failure */
	}
	bad = bad || json_object_set_new(o, "status", json_integer(t->status)) || json_object_set(o, "headers", hs);
	if (!bad) {
		b = llmk__cas_scrub(s, t->body.data ? t->body.data : "", t->body.len, &n);
		bad = !b || llmk__cas_put_body(o, (const uint8_t *)b, n);
	}
	if (b)
		sodium_memzero(b, n);
	llmk__free(b);
	json_decref(hs);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static char *entry_line(recorder *r, const llmk_exchange *ex, const tee *t, int32_t st)
{
	json_t *root = json_object(), *req, *resp;
	const char *name = llmk_status_name(st);
	llmk__cas_secrets s;
	char *line = NULL;
	int bad;

	if (!root || llmk__cas_secrets_init(&s, r->client)) {
		json_decref(root);
		return NULL;
	}
	/* set_new takes the value, even NULL or on failure */
	req = request_json(ex, &s);
	bad = json_object_set_new(root, "request", req);
	resp = bad ? NULL : response_json(t, &s);
	bad = bad || json_object_set_new(root, "response", resp);
	if (!bad && st != LLMK_OK)
		bad = json_object_set_new(root, "error", scrubbed_str(&s, ex->errmsg, 0));
	if (!bad)
		bad = json_object_set_new(root, "status",
		                          strcmp(name, "LLMK_E_UNKNOWN_STATUS") ? json_string(name) : json_integer(st));
	if (!bad)
		line = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	llmk__cas_secrets_free(&s);
	json_decref(root);
	return line;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int32_t rec_send(llmk_exchange *ex, void *user)
{
	recorder *r = user;
	llmk__exchange_sink saved = ex->sink;
	tee t;
	int32_t st;
	char *line;
	size_t n;
	int err = 0;

	memset(&t, 0, sizeof(t));
	t.down = saved;
	ex->sink.status = tee_status;
	ex->sink.header = tee_header;
	ex->sink.body = tee_body;
	ex->sink.ctx = &t;
	st = r->inner.send(ex, r->inner_user);
	ex->sink = saved;
	if (t.oom) {
		tee_free(&t);
		llmk_exchange_set_error(ex, "recording the exchange: out of memory");
		return LLMK_E_NOMEM;
	}
	line = entry_line(r, ex, &t, st);
	tee_free(&t);
	if (!line) {
		llmk_exchange_set_error(ex, "recording the exchange: out of memory");
		return st == LLMK_OK ? LLMK_E_NOMEM : st;
	}
	n = strlen(line);
	line[n] = '\n'; /* replaces the NUL: written by length */
	pthread_mutex_lock(&r->lock);
	if (write_all(r->fd, line, n + 1))
		err = errno ? errno : EIO;
	pthread_mutex_unlock(&r->lock);
	sodium_memzero(line, n + 1);
	llmk__free(line);
	if (err && st == LLMK_OK) {
		char msg[LLMK_ERRMSG_MAX];
		snprintf(msg, sizeof(msg), "cassette %s: write failed: %s", r->path, strerror(err));
		llmk_exchange_set_error(ex, msg);
		return LLMK_E_TRANSPORT;
	}
	return st;
}

static void rec_free(recorder *r)
{
	if (r->fd >= 0)
		close(r->fd);
	pthread_mutex_destroy(&r->lock);
	llmk__free(r->path);
	llmk__free(r);
}

static void rec_close(void *user)
{
	recorder *r = user;

	if (r->inner.close)
		r->inner.close(r->inner_user);
	rec_free(r);
}

static llmk_status record_stop(llmk_client *c)
{
	recorder *r;

	if (c->transport.send != rec_send)
		return LLMK_OK;
	r = c->transport_user;
	c->transport = r->inner;
	c->transport_user = r->inner_user;
	c->custom_transport = r->inner_custom;
	rec_free(r); /* the inner transport lives on */
	return LLMK_OK;
}

llmk_status llmk_client_record(llmk_client *c, const char *path)
{
	recorder *r;

	if (!c)
		return LLMK_E_INVALID_ARG;
	if (!path)
		return record_stop(c);
	if (c->transport.send == rec_send) {
		llmk__cas_client_errf(c, "already recording to %s: stop with llmk_client_record(client, NULL) first",
		                      ((recorder *)c->transport_user)->path);
		return LLMK_E_CONFIG;
	}
	if (!c->transport.send) {
		llmk__cas_client_errf(c, "no transport to record: built without libcurl and none was installed");
		return LLMK_E_UNSUPPORTED;
	}
	r = llmk__calloc(1, sizeof(*r));
	if (!r || !(r->path = llmk__strdup(path)) || pthread_mutex_init(&r->lock, NULL)) {
		if (r)
			llmk__free(r->path);
		llmk__free(r);
		llmk__cas_client_errf(c, "out of memory");
		return LLMK_E_NOMEM;
	}
	/* The file may hold prompts and answers: private to its owner. */
	r->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (r->fd < 0) {
		llmk__cas_client_errf(c, "cassette %s: %s", path, strerror(errno));
		rec_free(r);
		return LLMK_E_CONFIG;
	}
	r->client = c;
	r->inner = c->transport;
	r->inner_user = c->transport_user;
	r->inner_custom = c->custom_transport;
	memset(&c->transport, 0, sizeof(c->transport));
	c->transport.struct_size = (uint32_t)sizeof(c->transport);
	c->transport.send = rec_send;
	c->transport.close = rec_close;
	c->transport_user = r;
	c->custom_transport = 1;
	return LLMK_OK;
}
