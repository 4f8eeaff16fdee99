/* Cassettes: recording a client's HTTP exchanges to a file and answering
 * from that file later, offline (docs/CASSETTES.md).
 *
 * Both are transports. The recorder wraps whatever transport the client had
 * (curl or the program's): it keeps the inner table and user pointer in its
 * own user pointer, tees what the inner transport reports by swapping the
 * exchange's sink for the duration of the call, and appends one JSON line
 * per exchange. All of its state lives behind transport_user, so closing the
 * client closes the recorder, which closes the inner transport.
 *
 * Credentials are removed before anything is written: the secret headers
 * by name, and the client's secrets wherever they appear in the URL, header
 * values or bodies, in any encoding (lib/base/scrub.h). Replay compares method, URL and body only, because
 * the request headers on file no longer carry the credentials. */
#include <errno.h>
#include <stdarg.h>
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
#include "client.h"
#include "exchange.h"
#include "json.h"
#include "scrub.h"
#include "secret.h"

#define CAS_MAX_FILE (256u * 1024u * 1024u)
#define CAS_MAX_LINE (64u * 1024u * 1024u)
#define REDACTED "[REDACTED]"
#define B64 sodium_base64_VARIANT_ORIGINAL

static void client_errf(llmk_client *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void client_errf(llmk_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
}

/* ---- redaction ----------------------------------------------------------- */

static int secret_header(const char *name)
{
	static const char *const names[] = {"authorization", "proxy-authorization", "x-api-key", "api-key",
	                                    "x-goog-api-key", "cookie",             "set-cookie"};
	size_t i, n = strlen(name), tl = strlen("x-amz-security-token");

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(name, names[i]))
			return 1;
	for (i = 0; i + tl <= n; i++)
		if (!strncasecmp(name + i, "x-amz-security-token", tl))
			return 1;
	return 0;
}

/* Whose secrets to scrub: the client's, through the one scrubber every
 * output uses (llmk__client_scrub: the key, the AWS secrets, the base
 * URL's password; plain, percent-encoded, JSON-escaped, in any case, and
 * masked echoes), plus the userinfo of any URL. */
typedef struct secrets {
	const llmk_client *c;
} secrets;

static int secrets_init(secrets *s, const llmk_client *c)
{
	s->c = c;
	return 0;
}

static void secrets_free(secrets *s)
{
	s->c = NULL;
}

/* A NUL-terminated scrubbed copy of (p, n); NULL on allocation failure. */
static char *scrub(const secrets *s, const void *p, size_t n, size_t *out_len)
{
	char *b = llmk__malloc(n + 1);

	if (!b)
		return NULL;
	if (n)
		memcpy(b, p, n);
	n = llmk__client_scrub(s->c, b, n, LLMK_SCRUB_USERINFO);
	b[n] = '\0';
	if (out_len)
		*out_len = n;
	return b;
}

/* ---- JSON helpers ------------------------------------------------------------ */

/* Sets "body" (text) or, for bytes that are not UTF-8 text, "body_b64". */
static int put_body(json_t *obj, const uint8_t *p, size_t n)
{
	json_t *s = NULL;
	char *b;
	size_t bl;

	if (!n)
		return json_object_set_new(obj, "body", json_string(""));
	if (!memchr(p, 0, n))
		s = json_stringn((const char *)p, n); /* NULL when not UTF-8 */
	if (s)
		return json_object_set_new(obj, "body", s);
	bl = sodium_base64_ENCODED_LEN(n, B64);
	b = llmk__malloc(bl);
	if (!b)
		return -1;
	sodium_bin2base64(b, bl, p, n, B64);
	s = json_string(b);
	llmk__free(b);
	return json_object_set_new(obj, "body_b64", s);
}

/* Reads "body" or "body_b64" into a fresh buffer (NUL-terminated). */
static int get_body(json_t *obj, uint8_t **out, size_t *out_len)
{
	json_t *t = json_object_get(obj, "body"), *b = json_object_get(obj, "body_b64");
	const char *s;
	size_t n;

	*out = NULL;
	*out_len = 0;
	if (t && json_is_string(t)) {
		n = json_string_length(t);
		if (!(*out = llmk__malloc(n + 1)))
			return -1;
		memcpy(*out, json_string_value(t), n);
		(*out)[n] = 0;
		*out_len = n;
		return 0;
	}
	if (b && json_is_string(b)) {
		s = json_string_value(b);
		n = json_string_length(b);
		if (!(*out = llmk__malloc(n / 4 * 3 + 4)))
			return -1;
		if (sodium_base642bin(*out, n / 4 * 3 + 3, s, n, " \r\n", out_len, NULL, B64)) {
			llmk__free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[*out_len] = 0;
		return 0;
	}
	return t || b ? -1 : 0; /* absent: empty */
}

typedef struct status_row {
	const char *name;
	int32_t value;
} status_row;

#define STATUS_ROW(name, value, msg) {"LLMK_" #name, value},
static const status_row status_rows[] = {LLMK_STATUS_TABLE(STATUS_ROW)};
#undef STATUS_ROW

static int status_from_json(json_t *j, int32_t *out)
{
	size_t i;

	if (json_is_integer(j)) {
		*out = (int32_t)json_integer_value(j);
		return 0;
	}
	if (!json_is_string(j))
		return -1;
	for (i = 0; i < sizeof(status_rows) / sizeof(status_rows[0]); i++)
		if (!strcmp(json_string_value(j), status_rows[i].name)) {
			*out = status_rows[i].value;
			return 0;
		}
	return -1;
}

/* The multipart boundary named by a Content-Type value, or NULL. Bodies
 * are compared with their boundaries equated: a fresh random one is drawn
 * for every multipart request. */
static char *boundary_of(const char *content_type)
{
	const char *p, *e;

	if (!content_type || strncasecmp(content_type, "multipart/", 10))
		return NULL;
	for (p = content_type; *p; p++)
		if (!strncasecmp(p, "boundary=", 9))
			break;
	if (!*p)
		return NULL;
	p += 9;
	if (*p == '"')
		p++;
	for (e = p; *e && *e != ';' && *e != '"' && *e != ' '; e++)
		;
	return e > p ? llmk__strndup(p, (size_t)(e - p)) : NULL;
}

static int body_equal(const uint8_t *a, size_t an, const char *ab, const uint8_t *b, size_t bn, const char *bb)
{
	size_t i = 0, j = 0, al = ab ? strlen(ab) : 0, bl = bb ? strlen(bb) : 0;

	if (!al || !bl)
		return an == bn && (!an || !memcmp(a, b, an));
	while (i < an && j < bn) {
		if (a[i] == (uint8_t)ab[0] && an - i >= al && bn - j >= bl && !memcmp(a + i, ab, al) &&
		    !memcmp(b + j, bb, bl)) {
			i += al;
			j += bl;
			continue;
		}
		if (a[i] != b[j])
			return 0;
		i++;
		j++;
	}
	return i == an && j == bn;
}

/* ---- recording -------------------------------------------------------------- */

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
	llmk_exchange_sink down;
	int32_t status;
	llmk_header *headers;
	size_t nheaders, cap;
	llmk_buf body;
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
	llmk_buf_free(&t->body);
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
	llmk_header *h;

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

	if (llmk_buf_append(&t->body, data, len))
		return t->oom = 1;
	return t->down.body ? t->down.body(t->down.ctx, data, len) : 0;
}

/* A JSON string holding a scrubbed copy of value (REDACTED when redact).
 * Header values from the wire need not be UTF-8: other bytes become '?'. */
static json_t *scrubbed_str(const secrets *s, const char *value, int redact)
{
	json_t *j;
	char *v;
	size_t i;

	if (redact)
		return json_string(REDACTED);
	v = scrub(s, value, strlen(value), NULL);
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

static json_t *request_json(const llmk_exchange *ex, const secrets *s)
{
	json_t *o = json_object(), *h = json_object();
	size_t i, n = 0;
	char *b = NULL;
	int bad = !o || !h;

	for (i = 0; !bad && i < ex->nheaders; i++)
		bad = json_object_set_new(h, ex->headers[i].name,
		                          scrubbed_str(s, ex->headers[i].value, secret_header(ex->headers[i].name)));
	bad = bad || json_object_set_new(o, "method", json_string(ex->method)) ||
	      json_object_set_new(o, "url", scrubbed_str(s, ex->url ? ex->url : "", 0)) ||
	      json_object_set(o, "headers", h);
	if (!bad) {
		b = scrub(s, ex->body.data ? ex->body.data : "", ex->body.len, &n);
		bad = !b || put_body(o, (const uint8_t *)b, n);
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

static json_t *response_json(const tee *t, const secrets *s)
{
	json_t *o = json_object(), *hs = json_array();
	size_t i, n = 0;
	char *b = NULL;
	int bad = !o || !hs;

	for (i = 0; !bad && i < t->nheaders; i++) {
		json_t *pair = json_array();
		const llmk_header *h = &t->headers[i];

		bad = !pair || json_array_append_new(pair, json_string(h->name)) ||
		      json_array_append_new(pair, scrubbed_str(s, h->value, secret_header(h->name)));
		if (bad)
			json_decref(pair); /* NULL-safe */
		else
			bad = json_array_append_new(hs, pair); /* stolen even on failure */
	}
	bad = bad || json_object_set_new(o, "status", json_integer(t->status)) || json_object_set(o, "headers", hs);
	if (!bad) {
		b = scrub(s, t->body.data ? t->body.data : "", t->body.len, &n);
		bad = !b || put_body(o, (const uint8_t *)b, n);
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
	secrets s;
	char *line = NULL;
	int bad;

	if (!root || secrets_init(&s, r->client)) {
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
		bad = json_object_set_new(root, "status", strcmp(name, "LLMK_E_UNKNOWN_STATUS") ? json_string(name)
		                                                                                : json_integer(st));
	if (!bad)
		line = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	secrets_free(&s);
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
	llmk_exchange_sink saved = ex->sink;
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
		client_errf(c, "already recording to %s: stop with llmk_client_record(client, NULL) first",
		            ((recorder *)c->transport_user)->path);
		return LLMK_E_CONFIG;
	}
	if (!c->transport.send) {
		client_errf(c, "no transport to record: built without libcurl and none was installed");
		return LLMK_E_UNSUPPORTED;
	}
	r = llmk__calloc(1, sizeof(*r));
	if (!r || !(r->path = llmk__strdup(path)) || pthread_mutex_init(&r->lock, NULL)) {
		if (r)
			llmk__free(r->path);
		llmk__free(r);
		client_errf(c, "out of memory");
		return LLMK_E_NOMEM;
	}
	/* The file may hold prompts and answers: private to its owner. */
	r->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (r->fd < 0) {
		client_errf(c, "cassette %s: %s", path, strerror(errno));
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

/* ---- replay ------------------------------------------------------------------- */

typedef struct entry {
	char *method, *url;
	uint8_t *body;
	size_t body_len;
	char *boundary;
	int32_t http_status;
	llmk_header *headers;
	size_t nheaders;
	uint8_t *resp_body;
	size_t resp_len;
	char *error;
	int32_t status;
	int used;
} entry;

typedef struct player {
	llmk_client *client; /* for its key, read at each send */
	entry *entries;
	size_t n;
	pthread_mutex_t lock; /* over the used marks */
} player;

static void entry_free(entry *e)
{
	size_t i;

	llmk__free(e->method);
	llmk__free(e->url);
	llmk__free(e->body);
	llmk__free(e->boundary);
	for (i = 0; i < e->nheaders; i++) {
		llmk__free(e->headers[i].name);
		llmk__free(e->headers[i].value);
	}
	llmk__free(e->headers);
	llmk__free(e->resp_body);
	llmk__free(e->error);
}

static void player_free(player *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		entry_free(&p->entries[i]);
	llmk__free(p->entries);
	pthread_mutex_destroy(&p->lock);
	llmk__free(p);
}

static const char *req_content_type(json_t *headers)
{
	const char *k;
	json_t *v;

	json_object_foreach(headers, k, v)
		if (!strcasecmp(k, "content-type") && json_is_string(v))
			return json_string_value(v);
	return NULL;
}

/* Fills e from one parsed line; returns a reason on failure. */
static const char *entry_parse(entry *e, json_t *root)
{
	json_t *req = json_object_get(root, "request"), *resp = json_object_get(root, "response");
	json_t *m = json_object_get(req, "method"), *u = json_object_get(req, "url"), *hs, *err;
	size_t i;

	if (!json_is_object(root) || !json_is_object(req))
		return "no \"request\" object";
	if (!json_is_string(m) || !json_is_string(u))
		return "the request has no method or url";
	if (resp && !json_is_object(resp))
		return "\"response\" is not an object";
	if (status_from_json(json_object_get(root, "status"), &e->status))
		return "no known \"status\"";
	e->method = llmk__strdup(json_string_value(m));
	e->url = llmk__strdup(json_string_value(u));
	if (!e->method || !e->url)
		return "out of memory";
	if (get_body(req, &e->body, &e->body_len))
		return "bad request body";
	e->boundary = boundary_of(req_content_type(json_object_get(req, "headers")));
	err = json_object_get(root, "error");
	if (err && !(json_is_string(err) && (e->error = llmk__strdup(json_string_value(err)))))
		return "bad \"error\"";
	if (!resp)
		return NULL;
	if (json_object_get(resp, "status") && !json_is_integer(json_object_get(resp, "status")))
		return "bad response status";
	e->http_status = (int32_t)json_integer_value(json_object_get(resp, "status"));
	if (e->http_status && (e->http_status < 100 || e->http_status > 999))
		return "response status out of range";
	if (get_body(resp, &e->resp_body, &e->resp_len))
		return "bad response body";
	hs = json_object_get(resp, "headers");
	if (hs && !json_is_array(hs))
		return "response headers are not an array";
	if (json_array_size(hs)) {
		e->headers = llmk__calloc(json_array_size(hs), sizeof(*e->headers));
		if (!e->headers)
			return "out of memory";
	}
	for (i = 0; i < json_array_size(hs); i++) {
		json_t *pair = json_array_get(hs, i), *k = json_array_get(pair, 0), *v = json_array_get(pair, 1);
		if (!json_is_string(k) || !json_is_string(v) || json_array_size(pair) != 2)
			return "a response header is not a [name, value] pair";
		e->headers[i].name = llmk__strdup(json_string_value(k));
		e->headers[i].value = llmk__strdup(json_string_value(v));
		e->nheaders = i + 1;
		if (!e->headers[i].name || !e->headers[i].value)
			return "out of memory";
	}
	return NULL;
}

static int blank(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++, n--;
	return n == 0;
}

/* Parses every line of the file into p; the client's errmsg says why not. */
static llmk_status player_load(llmk_client *c, player *p, const char *path, const char *data, size_t len)
{
	const char *line = data, *end = data + len;
	size_t lineno = 0, cap = 0;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		json_error_t jerr;
		const char *why;
		json_t *root;

		lineno++;
		if (n > CAS_MAX_LINE) {
			client_errf(c, "cassette %s: line %zu is longer than %u MiB", path, lineno, CAS_MAX_LINE >> 20);
			return LLMK_E_PROTOCOL;
		}
		if (!blank(line, n)) {
			if (p->n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				entry *ne = llmk__realloc(p->entries, ncap * sizeof(*ne));
				if (!ne) {
					client_errf(c, "out of memory");
					return LLMK_E_NOMEM;
				}
				p->entries = ne;
				cap = ncap;
			}
			root = llmk__json_loadb(line, n, JSON_ALLOW_NUL, &jerr);
			if (!root) {
				client_errf(c, "cassette %s: line %zu is not JSON: %s", path, lineno, jerr.text);
				return LLMK_E_PROTOCOL;
			}
			memset(&p->entries[p->n], 0, sizeof(entry));
			why = entry_parse(&p->entries[p->n], root);
			p->n++; /* freed with the rest even when incomplete */
			json_decref(root);
			if (why) {
				client_errf(c, "cassette %s: line %zu: %s", path, lineno, why);
				return strcmp(why, "out of memory") ? LLMK_E_PROTOCOL : LLMK_E_NOMEM;
			}
		}
		line += n + 1;
	}
	return LLMK_OK;
}

static char *read_file(llmk_client *c, const char *path, size_t *len, llmk_status *st)
{
	struct stat sb;
	char *data = NULL;
	size_t got = 0;
	FILE *fp = fopen(path, "rb");

	if (!fp) {
		client_errf(c, "cassette %s: %s", path, strerror(errno));
		*st = LLMK_E_NOT_FOUND;
		return NULL;
	}
	if (fstat(fileno(fp), &sb) || !S_ISREG(sb.st_mode)) {
		client_errf(c, "cassette %s: not a regular file", path);
		*st = LLMK_E_NOT_FOUND;
		goto out;
	}
	if ((uint64_t)sb.st_size > CAS_MAX_FILE) {
		client_errf(c, "cassette %s: larger than %u MiB", path, CAS_MAX_FILE >> 20);
		*st = LLMK_E_TOO_LARGE;
		goto out;
	}
	data = llmk__malloc((size_t)sb.st_size + 1);
	if (!data) {
		client_errf(c, "out of memory");
		*st = LLMK_E_NOMEM;
		goto out;
	}
	/* Read at most one byte past the size seen, to notice growth. */
	got = fread(data, 1, (size_t)sb.st_size + 1, fp);
	if (ferror(fp) || got > (size_t)sb.st_size) {
		client_errf(c, "cassette %s: %s", path, ferror(fp) ? "read error" : "changed while being read");
		*st = LLMK_E_NOT_FOUND;
		llmk__free(data);
		data = NULL;
		goto out;
	}
	data[got] = 0;
	*len = got;
out:
	fclose(fp);
	return data;
}

/* The live request's URL and body as they would have been written. */
typedef struct live {
	char *url, *body;
	size_t body_len;
	char *boundary;
} live;

static int matches(const entry *e, const llmk_exchange *ex, const live *lv)
{
	const char *body = ex->body.data ? ex->body.data : "";

	if (strcmp(e->method, ex->method))
		return 0;
	if (strcmp(e->url, lv->url) && strcmp(e->url, ex->url ? ex->url : ""))
		return 0;
	return body_equal(e->body, e->body_len, e->boundary, (const uint8_t *)lv->body, lv->body_len, lv->boundary) ||
	       body_equal(e->body, e->body_len, e->boundary, (const uint8_t *)body, ex->body.len, lv->boundary);
}

static const char *exchange_header(const llmk_exchange *ex, const char *name)
{
	size_t i;

	for (i = 0; i < ex->nheaders; i++)
		if (!strcasecmp(ex->headers[i].name, name))
			return ex->headers[i].value;
	return NULL;
}

static entry *take(player *p, const llmk_exchange *ex, const live *lv)
{
	entry *hit = NULL;
	size_t i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n && !hit; i++)
		if (!p->entries[i].used && matches(&p->entries[i], ex, lv)) {
			hit = &p->entries[i];
			hit->used = 1;
		}
	pthread_mutex_unlock(&p->lock);
	return hit;
}

static int32_t deliver(llmk_exchange *ex, const entry *e)
{
	size_t i;

	if (llmk_exchange_cancelled(ex))
		return LLMK_E_CANCELLED;
	if (e->http_status && llmk_exchange_set_status(ex, e->http_status))
		return LLMK_E_CANCELLED;
	for (i = 0; i < e->nheaders; i++)
		if (llmk_exchange_add_header(ex, e->headers[i].name, e->headers[i].value))
			return LLMK_E_CANCELLED;
	if (e->resp_len && llmk_exchange_write(ex, e->resp_body, e->resp_len))
		return LLMK_E_CANCELLED;
	if (e->status != LLMK_OK && e->error && *e->error)
		llmk_exchange_set_error(ex, e->error);
	return e->status;
}

static int32_t play_send(llmk_exchange *ex, void *user)
{
	player *p = user;
	live lv;
	secrets s;
	entry *e = NULL;
	int32_t st = LLMK_E_NOMEM;

	memset(&lv, 0, sizeof(lv));
	if (secrets_init(&s, p->client))
		goto out;
	lv.url = scrub(&s, ex->url ? ex->url : "", ex->url ? strlen(ex->url) : 0, NULL);
	lv.body = scrub(&s, ex->body.data ? ex->body.data : "", ex->body.len, &lv.body_len);
	secrets_free(&s);
	if (!lv.url || !lv.body)
		goto out;
	lv.boundary = boundary_of(exchange_header(ex, "Content-Type"));
	e = take(p, ex, &lv);
	if (e) {
		st = deliver(ex, e);
	} else {
		char msg[LLMK_ERRMSG_MAX];
		/* The URL as it would be on file: never the key. */
		snprintf(msg, sizeof(msg), "no recorded exchange for %s %s", ex->method, lv.url);
		llmk_exchange_set_error(ex, msg);
		st = LLMK_E_TRANSPORT;
	}
out:
	if (st == LLMK_E_NOMEM)
		llmk_exchange_set_error(ex, "replaying the exchange: out of memory");
	llmk__free(lv.url);
	if (lv.body)
		sodium_memzero(lv.body, lv.body_len);
	llmk__free(lv.body);
	llmk__free(lv.boundary);
	return st;
}

static void play_close(void *user)
{
	player_free(user);
}

llmk_status llmk_client_replay(llmk_client *c, const char *path)
{
	player *p;
	char *data;
	size_t len = 0;
	llmk_status st = LLMK_OK;

	if (!c)
		return LLMK_E_INVALID_ARG;
	if (!path) {
		client_errf(c, "no cassette path");
		return LLMK_E_INVALID_ARG;
	}
	llmk__oom_reset();
	data = read_file(c, path, &len, &st);
	if (!data)
		return st;
	p = llmk__calloc(1, sizeof(*p));
	if (!p || pthread_mutex_init(&p->lock, NULL)) {
		llmk__free(p);
		llmk__free(data);
		client_errf(c, "out of memory");
		return LLMK_E_NOMEM;
	}
	st = player_load(c, p, path, data, len);
	sodium_memzero(data, len);
	llmk__free(data);
	/* jansson's lexer drops characters when it cannot grow its buffer,
	 * and says nothing: an entry read then may not be the one written. */
	if (llmk__oom_seen() && st != LLMK_E_NOMEM) {
		client_errf(c, "out of memory reading cassette %s", path);
		st = LLMK_E_NOMEM;
	}
	if (st != LLMK_OK) {
		player_free(p);
		return st;
	}
	p->client = c;
	if (c->transport.close)
		c->transport.close(c->transport_user);
	memset(&c->transport, 0, sizeof(c->transport));
	c->transport.struct_size = (uint32_t)sizeof(c->transport);
	c->transport.send = play_send;
	c->transport.close = play_close;
	c->transport_user = p;
	c->custom_transport = 1;
	return LLMK_OK;
}
