/* Answering from a cassette (see cassette.c). */
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

typedef struct entry {
	char *method, *url;
	uint8_t *body;
	size_t body_len;
	char *boundary;
	int32_t http_status;
	llmk__header *headers;
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

	json_object_foreach(headers, k,
	                    v) if (!strcasecmp(k, "content-type") && json_is_string(v)) return json_string_value(v);
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
	if (llmk__cas_status_from_json(json_object_get(root, "status"), &e->status))
		return "no known \"status\"";
	e->method = llmk__strdup(json_string_value(m));
	e->url = llmk__strdup(json_string_value(u));
	if (!e->method || !e->url)
		return "out of memory";
	if (llmk__cas_get_body(req, &e->body, &e->body_len))
		return "bad request body";
	e->boundary = llmk__cas_boundary_of(req_content_type(json_object_get(req, "headers")));
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
	if (llmk__cas_get_body(resp, &e->resp_body, &e->resp_len))
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
			llmk__cas_client_errf(c, "cassette %s: line %zu is longer than %u MiB", path, lineno,
			                      CAS_MAX_LINE >> 20);
			return LLMK_E_PROTOCOL;
		}
		if (!blank(line, n)) {
			if (p->n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				entry *ne = llmk__realloc(p->entries, ncap * sizeof(*ne));
				if (!ne) {
					llmk__cas_client_errf(c, "out of memory");
					return LLMK_E_NOMEM;
				}
				p->entries = ne;
				cap = ncap;
			}
			root = llmk__json_loadb(line, n, JSON_ALLOW_NUL, &jerr);
			if (!root) {
				llmk__cas_client_errf(c, "cassette %s: line %zu is not JSON: %s", path, lineno,
				                      jerr.text);
				return LLMK_E_PROTOCOL;
			}
			memset(&p->entries[p->n], 0, sizeof(entry));
			why = entry_parse(&p->entries[p->n], root);
			p->n++; /* freed with the rest even when incomplete */
			json_decref(root);
			if (why) {
				llmk__cas_client_errf(c, "cassette %s: line %zu: %s", path, lineno, why);
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
		llmk__cas_client_errf(c, "cassette %s: %s", path, strerror(errno));
		*st = LLMK_E_NOT_FOUND;
		return NULL;
	}
	if (fstat(fileno(fp), &sb) || !S_ISREG(sb.st_mode)) {
		llmk__cas_client_errf(c, "cassette %s: not a regular file", path);
		*st = LLMK_E_NOT_FOUND;
		goto out;
	}
	if ((uint64_t)sb.st_size > CAS_MAX_FILE) {
		llmk__cas_client_errf(c, "cassette %s: larger than %u MiB", path, CAS_MAX_FILE >> 20);
		*st = LLMK_E_TOO_LARGE;
		goto out;
	}
	data = llmk__malloc((size_t)sb.st_size + 1);
	if (!data) {
		llmk__cas_client_errf(c, "out of memory");
		*st = LLMK_E_NOMEM;
		goto out;
	}
	/* Read at most one byte past the size seen, to notice growth. */
	got = fread(data, 1, (size_t)sb.st_size + 1, fp);
	if (ferror(fp) || got > (size_t)sb.st_size) {
		llmk__cas_client_errf(c, "cassette %s: %s", path,
		                      ferror(fp) ? "read error" : "changed while being read");
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
	return llmk__cas_body_equal(e->body, e->body_len, e->boundary, (const uint8_t *)lv->body, lv->body_len,
	                            lv->boundary) ||
	       llmk__cas_body_equal(e->body, e->body_len, e->boundary, (const uint8_t *)body, ex->body.len,
	                            lv->boundary);
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
	llmk__cas_secrets s;
	entry *e = NULL;
	int32_t st = LLMK_E_NOMEM;

	memset(&lv, 0, sizeof(lv));
	if (llmk__cas_secrets_init(&s, p->client))
		goto out;
	lv.url = llmk__cas_scrub(&s, ex->url ? ex->url : "", ex->url ? strlen(ex->url) : 0, NULL);
	lv.body = llmk__cas_scrub(&s, ex->body.data ? ex->body.data : "", ex->body.len, &lv.body_len);
	llmk__cas_secrets_free(&s);
	if (!lv.url || !lv.body)
		goto out;
	lv.boundary = llmk__cas_boundary_of(exchange_header(ex, "Content-Type"));
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
		llmk__cas_client_errf(c, "no cassette path");
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
		llmk__cas_client_errf(c, "out of memory");
		return LLMK_E_NOMEM;
	}
	st = player_load(c, p, path, data, len);
	sodium_memzero(data, len);
	llmk__free(data);
	/* jansson's lexer drops characters when it cannot grow its buffer,
	 * and says nothing: an entry read then may not be the one written. */
	if (llmk__oom_seen() && st != LLMK_E_NOMEM) {
		llmk__cas_client_errf(c, "out of memory reading cassette %s", path);
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
