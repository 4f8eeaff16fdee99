/* The built-in transport: libcurl's easy interface.
 *
 * Each client owns a small pool of easy handles. A handle keeps its
 * connection cache across requests, so sequential requests on one client
 * reuse the connection (keep-alive); concurrent senders on other threads
 * each take their own handle from the pool. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "core/internal.h"

#define POOL_MAX 8

typedef struct curl_pool {
	pthread_mutex_t lock;
	CURL *idle[POOL_MAX];
	size_t nidle;
} curl_pool;

typedef struct xfer {
	llmk_exchange *ex;
	int64_t idle_ms;
	double last_byte;
	int idle_expired;
	int status_sent;
} xfer;

void *llmk__curl_transport_new(void)
{
	curl_pool *p = llmk__calloc(1, sizeof(*p));

	if (p && pthread_mutex_init(&p->lock, NULL)) {
		llmk__free(p);
		return NULL;
	}
	return p;
}

static void pool_close(void *user)
{
	curl_pool *p = user;
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nidle; i++)
		curl_easy_cleanup(p->idle[i]);
	pthread_mutex_destroy(&p->lock);
	llmk__free(p);
}

static CURL *pool_take(curl_pool *p)
{
	CURL *h = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->nidle)
		h = p->idle[--p->nidle];
	pthread_mutex_unlock(&p->lock);
	if (h)
		curl_easy_reset(h); /* keeps the connection and DNS caches */
	else
		h = curl_easy_init();
	return h;
}

static void pool_give(curl_pool *p, CURL *h)
{
	pthread_mutex_lock(&p->lock);
	if (p->nidle < POOL_MAX) {
		p->idle[p->nidle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (h)
		curl_easy_cleanup(h);
}

static size_t on_write(char *data, size_t size, size_t n, void *user)
{
	xfer *x = user;
	size_t len = size * n;

	x->last_byte = llmk__now_ms();
	/* Any return other than len makes curl abort with CURLE_WRITE_ERROR. */
	return llmk_exchange_write(x->ex, (const uint8_t *)data, len) ? 0 : len;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* curl hands over each header line, status line included, one at a time
 * and not NUL-terminated. */
static size_t on_header(char *data, size_t size, size_t n, void *user)
{
	xfer *x = user;
	size_t len = size * n, nl, vl;
	const char *colon, *name, *value;
	char nbuf[256], *vbuf;
	int code;

	x->last_byte = llmk__now_ms();
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', len);
		if (sp && sp + 4 <= data + len && isdigit((unsigned char)sp[1]) && isdigit((unsigned char)sp[2]) &&
		    isdigit((unsigned char)sp[3])) {
			code = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
			if (llmk_exchange_set_status(x->ex, code))
				return 0;
			x->status_sent = 1;
		}
		return len;
	}
	colon = memchr(data, ':', len);
	if (!colon || !x->status_sent)
		return len; /* blank line ending the block, or junk */
	name = data;
	nl = (size_t)(colon - data);
	value = colon + 1;
	vl = len - nl - 1;
	trim(&name, &nl);
	trim(&value, &vl);
	if (!nl || nl >= sizeof(nbuf))
		return len;
	memcpy(nbuf, name, nl);
	nbuf[nl] = '\0';
	vbuf = llmk__strndup(value, vl);
	if (!vbuf)
		return 0;
	code = llmk_exchange_add_header(x->ex, nbuf, vbuf);
	llmk__free(vbuf);
	return code ? 0 : len;
}

/* Called by curl at least once a second and on every progress; used for
 * the idle-between-bytes limit, which curl has no option for at
 * millisecond resolution. */
static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	xfer *x = user;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (x->ex->stopped)
		return 1;
	if (x->idle_ms > 0 && llmk__now_ms() - x->last_byte > (double)x->idle_ms) {
		x->idle_expired = 1;
		return 1;
	}
	return 0;
}

static void free_headers(struct curl_slist *list)
{
	struct curl_slist *it;

	/* Header lines may carry the API key: wipe before curl frees them. */
	for (it = list; it; it = it->next)
		sodium_memzero(it->data, strlen(it->data));
	curl_slist_free_all(list);
}

static int32_t map_error(CURLcode rc, xfer *x)
{
	switch (rc) {
	case CURLE_OK:
		return LLMK_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return LLMK_E_TIMEOUT;
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_WRITE_ERROR:
		if (x->idle_expired)
			return LLMK_E_TIMEOUT;
		return LLMK_E_CANCELLED;
	case CURLE_OUT_OF_MEMORY:
		return LLMK_E_NOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return LLMK_E_CONFIG;
	default:
		return LLMK_E_TRANSPORT;
	}
}

static int32_t curl_send(llmk_exchange *ex, void *user)
{
	curl_pool *pool = user;
	struct curl_slist *hdrs = NULL, *n;
	char errbuf[CURL_ERROR_SIZE], line[LLMK_ERRMSG_MAX];
	llmk_buf hl = LLMK_BUF_INIT;
	size_t i, blen;
	const uint8_t *body;
	CURLcode rc;
	CURL *h;
	xfer x;
	int32_t st;

	h = pool_take(pool);
	if (!h) {
		llmk_exchange_set_error(ex, "curl_easy_init failed");
		return LLMK_E_NOMEM;
	}
	memset(&x, 0, sizeof(x));
	x.ex = ex;
	x.idle_ms = llmk_exchange_timeout_ms(ex, LLMK_OPT_IDLE_TIMEOUT_MS);
	x.last_byte = llmk__now_ms();
	errbuf[0] = '\0';

	for (i = 0; i < llmk_exchange_header_count(ex); i++) {
		llmk_buf_clear(&hl);
		if (llmk_buf_append_str(&hl, llmk_exchange_header_name(ex, i)) || llmk_buf_append_str(&hl, ": ") ||
		    llmk_buf_append_str(&hl, llmk_exchange_header_value(ex, i)) || !(n = curl_slist_append(hdrs, hl.data))) {
			if (hl.data)
				sodium_memzero(hl.data, hl.len);
			llmk_buf_free(&hl);
			free_headers(hdrs);
			pool_give(pool, h);
			llmk_exchange_set_error(ex, "out of memory building headers");
			return LLMK_E_NOMEM;
		}
		hdrs = n;
	}
	if (hl.data)
		sodium_memzero(hl.data, hl.len);
	llmk_buf_free(&hl);
	/* No "Expect: 100-continue" round trip before uploads: it costs a
	 * full RTT (or a 1 s stall with servers that ignore it). */
	if ((n = curl_slist_append(hdrs, "Expect:")))
		hdrs = n;

	curl_easy_setopt(h, CURLOPT_URL, llmk_exchange_url(ex));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)llmk_exchange_timeout_ms(ex, LLMK_OPT_TIMEOUT_MS));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)llmk_exchange_timeout_ms(ex, LLMK_OPT_CONNECT_TIMEOUT_MS));
	body = llmk_exchange_body(ex, &blen);
	if (!strcmp(llmk_exchange_method(ex), "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
		if (strcmp(llmk_exchange_method(ex), "POST"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, llmk_exchange_method(ex));
	}

	rc = curl_easy_perform(h);
	st = map_error(rc, &x);
	if (st != LLMK_OK) {
		if (x.idle_expired)
			snprintf(line, sizeof(line), "no data for %lld ms (idle_timeout_ms)", (long long)x.idle_ms);
		else
			snprintf(line, sizeof(line), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		llmk_exchange_set_error(ex, line);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	free_headers(hdrs);
	/* A handle whose transfer was cut short may hold a half-used
	 * connection; curl closes those itself, so the handle is reusable. */
	pool_give(pool, h);
	return st;
}

const llmk_transport llmk__curl_transport = {sizeof(llmk_transport), curl_send, pool_close};
