/* The built-in transport: libcurl. Blocking sends: one easy handle driven
 * by its own multi handle per transfer; in an llmk_multi: the non-blocking
 * callbacks of the table, one curl multi handle per llmk_multi (curl_multi.c).
 *
 * Each client owns a small pool of (easy, multi) pairs. The multi handle
 * keeps the connection cache across requests, so sequential requests on one
 * client reuse the connection (keep-alive); concurrent senders on other
 * threads each take their own pair from the pool. Driving the transfer
 * with curl_multi_poll() in short slices (instead of curl_easy_perform)
 * lets the loop itself enforce the idle-between-bytes limit and notice a
 * cancel flag within a slice, whatever curl's own callback cadence. */
#include <ctype.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "alloc.h"
#include "client.h"
#include "clock.h"
#include "curl.h"
#include "curl_xfer.h"
#include "exchange.h"

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *user)
{
	(void)h, (void)data, (void)access;
	pthread_mutex_lock(user);
}

static void share_unlock(CURL *h, curl_lock_data data, void *user)
{
	(void)h, (void)data;
	pthread_mutex_unlock(user);
}

/* Without it every new connection of a client (another thread's pooled
 * handle, a spare handle of a multi) paid a full TLS handshake although a
 * session for the host was at hand: curl keeps session ids per easy handle
 * unless a share holds them. curl only resumes a session for a connection
 * whose TLS settings (CA, verification) match the one that made it. */
CURLSH *llmk__curl_share_new(pthread_mutex_t *lock)
{
	CURLSH *sh = curl_share_init();

	if (!sh)
		return NULL;
	if (curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
	    curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	    (lock && (curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
	              curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
	              curl_share_setopt(sh, CURLSHOPT_USERDATA, lock) != CURLSHE_OK))) {
		curl_share_cleanup(sh);
		return NULL;
	}
	return sh;
}

void *llmk__curl_transport_new(void)
{
	curl_pool *p = llmk__calloc(1, sizeof(*p));

	if (p && pthread_mutex_init(&p->lock, NULL)) {
		llmk__free(p);
		return NULL;
	}
	if (p && pthread_mutex_init(&p->share_lock, NULL)) {
		pthread_mutex_destroy(&p->lock);
		llmk__free(p);
		return NULL;
	}
	if (p)
		p->share = llmk__curl_share_new(&p->share_lock);
	return p;
}

static void conn_free(conn *c)
{
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->easy)
		curl_easy_cleanup(c->easy);
	c->multi = NULL;
	c->easy = NULL;
}

static void pool_close(void *user)
{
	curl_pool *p = user;
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nidle; i++)
		conn_free(&p->idle[i]);
	if (p->share) /* after its handles: curl refuses to free a share in use */
		curl_share_cleanup(p->share);
	pthread_mutex_destroy(&p->share_lock);
	pthread_mutex_destroy(&p->lock);
	llmk__free(p);
}

static int pool_take(curl_pool *p, conn *out)
{
	int found = 0;

	pthread_mutex_lock(&p->lock);
	if (p->nidle) {
		*out = p->idle[--p->nidle];
		found = 1;
	}
	pthread_mutex_unlock(&p->lock);
	if (found) {
		return 0; /* llmk__curl_xfer_setup() sets every option it ever uses, each time */
	}
	out->easy = llmk__curl_easy_new(1, p->share);
	out->multi = curl_multi_init();
	if (!out->easy || !out->multi) {
		conn_free(out);
		return -1;
	}
	return 0;
}

static void pool_give(curl_pool *p, conn *c)
{
	int kept = 0;

	pthread_mutex_lock(&p->lock);
	if (p->nidle < POOL_MAX) {
		p->idle[p->nidle++] = *c;
		kept = 1;
	}
	pthread_mutex_unlock(&p->lock);
	if (!kept)
		conn_free(c);
}

static size_t on_write(char *data, size_t size, size_t n, void *user)
{
	xfer *x = user;
	size_t len = size * n;

	x->fresh = 1;
	x->body_started = 1;
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
	char nbuf[256], vsmall[512], *vbuf;
	int code;

	x->fresh = 1;
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', len);
		if (sp && sp + 4 <= data + len && isdigit((unsigned char)sp[1]) && isdigit((unsigned char)sp[2]) &&
		    isdigit((unsigned char)sp[3]) && (sp + 4 == data + len || !isdigit((unsigned char)sp[4]))) {
			code = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
			if (llmk_exchange_set_status(x->ex, code)) {
				x->bad_status = code < 100;
				return 0;
			}
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
	/* Values are short: a copy on the stack, the heap only for long ones. */
	vbuf = vl < sizeof(vsmall) ? vsmall : llmk__malloc(vl + 1);
	if (!vbuf)
		return 0;
	memcpy(vbuf, value, vl);
	vbuf[vl] = '\0';
	code = llmk_exchange_add_header(x->ex, nbuf, vbuf);
	if (vbuf != vsmall)
		llmk__free(vbuf);
	return code ? 0 : len;
}

/* libcurl resends a request by itself when a reused connection dies before
 * any byte of the answer (meant for connections the server closed while
 * idle). The server may have read and acted on it (a billed generation), so
 * a resend is an attempt and only the retry policy may make it: curl calls
 * this just before each time it sends the request; refuse the second. The
 * body goes as CURLOPT_POSTFIELDS, which lets curl send a small request in
 * one write (a read callback costs a second send() per request). */
static int on_prereq(void *user, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
	xfer *x = user;

	(void)primary_ip, (void)local_ip, (void)primary_port, (void)local_port;
	if (x->requests++ == 0)
		return CURL_PREREQFUNC_OK;
	x->resend_refused = 1;
	return CURL_PREREQFUNC_ABORT;
}

/* The idle limit and the cancel flag, checked by the drive loop between
 * slices and by curl's progress callback while it is busy, and by the
 * multi driver at each step (which also stops a transfer whose sink said
 * stop); now is the caller's clock reading. */
int llmk__curl_should_stop(xfer *x, double now)
{
	if (llmk_exchange_cancelled(x->ex))
		return 1;
	if (x->fresh) {
		x->fresh = 0;
		x->last_byte = now;
	}
	if (x->idle_ms > 0 && now - x->last_byte > (double)x->idle_ms) {
		x->idle_expired = 1;
		return 1;
	}
	return 0;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return llmk__curl_should_stop(user, llmk__now_ms());
}

/* Runs the transfer to its end, or until cancelled or idle too long. */
static CURLcode drive(conn *c, xfer *x)
{
	CURLcode rc = CURLE_OK;
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;
	long wait;
	double idle_left, now;

	if (curl_multi_add_handle(c->multi, c->easy) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	while (running) {
		mc = curl_multi_perform(c->multi, &running);
		if (mc != CURLM_OK) {
			rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_SEND_ERROR;
			break;
		}
		if (!running)
			break;
		now = llmk__now_ms();
		if (llmk__curl_should_stop(x, now)) {
			rc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		wait = SLICE_MS;
		if (x->idle_ms > 0) {
			idle_left = (double)x->idle_ms - (now - x->last_byte);
			if (idle_left < (double)wait)
				wait = idle_left > 1 ? (long)idle_left : 1;
		}
		if (curl_multi_poll(c->multi, NULL, 0, (int)wait, NULL) != CURLM_OK) {
			rc = CURLE_RECV_ERROR;
			break;
		}
	}
	if (!running && rc == CURLE_OK) {
		rc = CURLE_RECV_ERROR; /* no DONE message: should not happen */
		while ((msg = curl_multi_info_read(c->multi, &left)))
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == c->easy)
				rc = msg->data.result;
	}
	/* Removing a transfer still in progress closes its connection. */
	curl_multi_remove_handle(c->multi, c->easy);
	return rc;
}

static void free_headers(struct curl_slist *list)
{
	struct curl_slist *it;

	/* Header lines may carry the API key: wipe before curl frees them. */
	for (it = list; it; it = it->next)
		sodium_memzero(it->data, strlen(it->data));
	curl_slist_free_all(list);
}

static int memory_at_hand(void)
{
	void *p = llmk__malloc(1u << 20);

	llmk__free(p);
	return p != NULL;
}

static int32_t map_error(CURLcode rc, xfer *x)
{
	switch (rc) {
	case CURLE_OK: return LLMK_OK;
	case CURLE_OPERATION_TIMEDOUT: return LLMK_E_TIMEOUT;
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_WRITE_ERROR:
		if (x->resend_refused)
			return LLMK_E_TRANSPORT;
		if (x->bad_status)
			return LLMK_E_PROTOCOL;
		if (x->idle_expired)
			return LLMK_E_TIMEOUT;
		return LLMK_E_CANCELLED;
	case CURLE_OUT_OF_MEMORY:
		/* curl also says "out of memory" when a line of the answer's head
		 * passes its limit (CURL_MAX_HTTP_HEADER, 100 KB): while the head
		 * arrives and memory is at hand, that is what happened. */
		if (x->requests && !x->body_started && memory_at_hand()) {
			x->head_too_large = 1;
			return LLMK_E_TOO_LARGE;
		}
		return LLMK_E_NOMEM;
	case CURLE_SSL_CACERT_BADFILE: /* ca_bundle / ca_dir cannot be read */ return LLMK_E_CONFIG;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		/* Once the request went out, it is the answer that is wrong (no
		 * status line: "Received HTTP/0.9"; "Unsupported HTTP version"). */
		return x->requests ? LLMK_E_PROTOCOL : LLMK_E_CONFIG;
	case CURLE_WEIRD_SERVER_REPLY: return LLMK_E_PROTOCOL;
	default: return LLMK_E_TRANSPORT;
	}
}

/* A new easy handle with the options every transfer of ours uses. Handles
 * are reused without curl_easy_reset(): llmk__curl_xfer_setup() sets the rest each
 * time. progress: whether curl should call on_progress while it works
 * (the blocking drive() loop needs it to stop a transfer while curl is
 * busy; the multi driver checks every transfer itself at each step, and
 * the progress machinery is a measurable part of a small request). */
CURL *llmk__curl_easy_new(int progress, CURLSH *share)
{
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	if (share)
		curl_easy_setopt(h, CURLOPT_SHARE, share);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	if (progress) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
	return h;
}

/* curl's own trust store (its build's CA file and directory), so a
 * handle that carried a client's ca_bundle / ca_dir gets it back. */
static pthread_once_t ca_once = PTHREAD_ONCE_INIT;
static char *ca_default_file, *ca_default_dir;

static void ca_defaults(void)
{
	CURL *h = curl_easy_init();
	char *v = NULL;

	if (!h)
		return;
	if (curl_easy_getinfo(h, CURLINFO_CAINFO, &v) == CURLE_OK && v)
		ca_default_file = llmk__strdup(v);
	v = NULL;
	if (curl_easy_getinfo(h, CURLINFO_CAPATH, &v) == CURLE_OK && v)
		ca_default_dir = llmk__strdup(v);
	curl_easy_cleanup(h);
}

/* curl's read callback for a streamed body (llmk_exchange.body_read). */
static size_t read_body(char *buf, size_t size, size_t nitems, void *user)
{
	llmk_exchange *ex = user;
	size_t n = ex->body_read(ex->body_read_ctx, (uint8_t *)buf, size * nitems);

	return n == (size_t)-1 ? CURL_READFUNC_ABORT : n;
}

/* Configures the easy handle x->easy for the exchange. On failure the
 * exchange carries the message. */
int32_t llmk__curl_xfer_setup(xfer *x, llmk_exchange *ex)
{
	struct curl_slist *n;
	llmk__buf hl = LLMK__BUF_INIT;
	size_t i, blen;
	const uint8_t *body;
	CURL *h = x->easy;
	int custom_ca;

	x->ex = ex;
	x->idle_ms = llmk_exchange_timeout_ms(ex, LLMK_OPT_IDLE_TIMEOUT_MS);
	x->last_byte = llmk__now_ms();
	x->fresh = 0;
	x->errbuf[0] = '\0';
	x->hdrs = NULL;

	for (i = 0; i < llmk_exchange_header_count(ex); i++) {
		llmk__buf_clear(&hl);
		if (llmk__buf_append_str(&hl, llmk_exchange_header_name(ex, i)) || llmk__buf_append_str(&hl, ": ") ||
		    llmk__buf_append_str(&hl, llmk_exchange_header_value(ex, i)) ||
		    !(n = curl_slist_append(x->hdrs, hl.data))) {
			if (hl.data)
				sodium_memzero(hl.data, hl.len);
			llmk__buf_free(&hl);
			free_headers(x->hdrs);
			x->hdrs = NULL;
			llmk_exchange_set_error(ex, "out of memory building headers");
			return LLMK_E_NOMEM;
		}
		x->hdrs = n;
	}
	if (hl.data)
		sodium_memzero(hl.data, hl.len);
	llmk__buf_free(&hl);
	/* No "Expect: 100-continue" round trip before uploads: it costs a
	 * full RTT (or a 1 s stall with servers that ignore it). curl asks
	 * for one only past a body size (1 MiB today, 1 KiB in older
	 * releases), so small bodies skip the extra header. */
	/* A streamed body (a batch file upload) is read in pieces, never
	 * whole: llmk_exchange_body() would read it all into memory. */
	body = ex->body_read ? NULL : llmk_exchange_body(ex, &blen);
	if (((body && blen > 1024) || ex->body_read) && (n = curl_slist_append(x->hdrs, "Expect:")))
		x->hdrs = n;

	/* The options that never change were set when the handle was made
	 * (llmk__curl_easy_new()); these change with every transfer. */
	curl_easy_setopt(h, CURLOPT_URL, llmk_exchange_url(ex));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	curl_easy_setopt(h, CURLOPT_PREREQDATA, x);
	/* Over TLS (where HTTP/2 is offered: CURL_HTTP_VERSION_2TLS) a transfer
	 * that finds a connection still being set up waits to learn whether it
	 * multiplexes instead of opening one more: 64 transfers started at once
	 * share one HTTP/2 connection, not 64 handshakes. Plain http stays
	 * HTTP/1.1, where waiting would only delay the first requests. */
	curl_easy_setopt(h, CURLOPT_PIPEWAIT, strncmp(llmk_exchange_url(ex), "https:", 6) ? 0L : 1L);
	x->requests = 0;
	x->resend_refused = 0;
	x->body_started = x->bad_status = x->head_too_large = 0;
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)llmk_exchange_timeout_ms(ex, LLMK_OPT_TIMEOUT_MS));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)llmk_exchange_timeout_ms(ex, LLMK_OPT_CONNECT_TIMEOUT_MS));
	/* A private CA: ca_bundle and ca_dir together replace the default
	 * trust store (verification is never turned off); a reused handle
	 * gets the defaults back. */
	pthread_once(&ca_once, ca_defaults);
	custom_ca = ex->ca_file || ex->ca_dir;
	curl_easy_setopt(h, CURLOPT_CAINFO, custom_ca ? ex->ca_file : ca_default_file);
	curl_easy_setopt(h, CURLOPT_CAPATH, custom_ca ? ex->ca_dir : ca_default_dir);
	/* Handles are reused without curl_easy_reset() (it costs more than the
	 * rest of the setup): whatever one request set, the next sets again. */
	if (!strcmp(llmk_exchange_method(ex), "GET")) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)NULL);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, (const char *)NULL);
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (ex->body_read) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)NULL);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
		curl_easy_setopt(h, CURLOPT_READDATA, ex);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)ex->body_read_len);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
		                 strcmp(llmk_exchange_method(ex), "POST") ? llmk_exchange_method(ex)
		                                                          : (const char *)NULL);
	} else {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? blen : 0));
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
		                 strcmp(llmk_exchange_method(ex), "POST") ? llmk_exchange_method(ex)
		                                                          : (const char *)NULL);
	}
	return LLMK_OK;
}

/* After the transfer (the handle is out of any multi): the status, the
 * message, and the header list wiped and freed. */
int32_t llmk__curl_xfer_end(xfer *x, CURLcode rc)
{
	char line[LLMK_ERRMSG_MAX];
	int32_t st = map_error(rc, x);

	if (st != LLMK_OK) {
		if (x->idle_expired)
			snprintf(line, sizeof(line), "no data for %lld ms (idle_timeout_ms)", (long long)x->idle_ms);
		else if (x->resend_refused)
			snprintf(line, sizeof(line),
			         "connection closed before any byte of the answer (a kept-alive "
			         "connection; the server may have received the request)");
		else if (x->head_too_large)
			snprintf(line, sizeof(line), "a line of the answer's head is longer than 100 KB");
		else if (x->bad_status || st == LLMK_E_PROTOCOL)
			snprintf(line, sizeof(line), "the answer is not valid HTTP: %s",
			         x->bad_status  ? "status code below 100"
			         : x->errbuf[0] ? x->errbuf
			                        : curl_easy_strerror(rc));
		else
			snprintf(line, sizeof(line), "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		llmk_exchange_set_error(x->ex, line);
	}
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, NULL);
	free_headers(x->hdrs);
	x->hdrs = NULL;
	return st;
}

static int32_t curl_send(llmk_exchange *ex, void *user)
{
	curl_pool *pool = user;
	conn cn;
	xfer x;
	int32_t st;

	if (pool_take(pool, &cn)) {
		llmk_exchange_set_error(ex, "curl_easy_init failed");
		return LLMK_E_NOMEM;
	}
	memset(&x, 0, sizeof(x));
	x.easy = cn.easy;
	st = llmk__curl_xfer_setup(&x, ex);
	if (st == LLMK_OK)
		st = llmk__curl_xfer_end(&x, drive(&cn, &x));
	/* A transfer cut short closed its connection when it was removed
	 * from the multi handle; the pair is reusable. */
	pool_give(pool, &cn);
	return st;
}

static char *curl_strdup(const char *s)
{
	return llmk__strdup(s);
}

static void *curl_calloc(size_t n, size_t size)
{
	return llmk__calloc(n, size);
}

/* curl frees through this; free(NULL) is legal there too. */
static void *curl_malloc(size_t n)
{
	return llmk__malloc(n);
}

static void *curl_realloc(void *p, size_t n)
{
	return llmk__realloc(p, n);
}

llmk_status llmk__curl_global_init(void)
{
	/* curl gets the program's allocator only when one was set: its own
	 * default path is then left exactly as curl ships it. */
	if ((llmk__alloc_is_default() ? curl_global_init(CURL_GLOBAL_DEFAULT)
	                              : curl_global_init_mem(CURL_GLOBAL_DEFAULT, curl_malloc, llmk__free, curl_realloc,
	                                                     curl_strdup, curl_calloc)) != CURLE_OK)
		return LLMK_E_TRANSPORT;
	return LLMK_OK;
}

int llmk__curl_has_tls(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	return v && (v->features & CURL_VERSION_SSL);
}

const llmk_transport llmk__curl_transport = {
        .struct_size = sizeof(llmk_transport),
        .send = curl_send,
        .close = pool_close,
        .multi_open = llmk__curl_cdriver_open,
        .multi_add = llmk__curl_cdriver_add,
        .multi_step = llmk__curl_cdriver_step,
        .multi_fds = llmk__curl_cdriver_fds,
        .multi_timeout_ms = llmk__curl_cdriver_timeout_ms,
        .multi_remove = llmk__curl_cdriver_remove,
        .multi_close = llmk__curl_cdriver_close,
};
