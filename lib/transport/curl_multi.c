/* The curl transport's multi driver (see curl_xfer.h). */
#include <poll.h>
#include <string.h>

#include <curl/curl.h>

#include "alloc.h"
#include "clock.h"
#include "curl_xfer.h"

/* ---- the multi driver (the non-blocking callbacks of the table) -----------
 *
 * Many transfers on one thread: one curl multi handle per llmk_multi (one
 * connection cache for all of its curl clients) driven through curl's
 * socket interface. curl tells us which sockets it wants watched and when
 * its timer expires; the multi polls those sockets (with every other
 * driver's) and a step hands curl the ready ones, so the same step works
 * under llmk_multi_wait() and under a program's event loop that only knows
 * the descriptors and the timeout. */

typedef struct dsock {
	curl_socket_t fd;
	int what; /* CURL_POLL_IN / OUT / INOUT */
} dsock;

typedef struct cdriver {
	CURLM *multi;
	dsock *socks;
	size_t nsocks, sockcap;
	double timer_at; /* < 0: no timer */
	xfer *active;
	size_t nactive;
	/* Easy handles of finished transfers, for the next ones: as many as
	 * were ever in flight at once (curl_easy_init is costly: a big
	 * calloc and all defaults set). */
	CURL **spare;
	size_t nspare, sparecap;
	CURLSH *share; /* TLS sessions and DNS of every handle (one thread: no lock) */
} cdriver;

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	cdriver *d = userp;
	size_t i, ncap;
	dsock *ns;

	(void)easy, (void)socketp;
	for (i = 0; i < d->nsocks; i++)
		if (d->socks[i].fd == fd)
			break;
	if (what == CURL_POLL_REMOVE) {
		if (i < d->nsocks)
			d->socks[i] = d->socks[--d->nsocks];
		return 0;
	}
	if (i == d->nsocks) {
		if (d->nsocks == d->sockcap) {
			ncap = d->sockcap ? d->sockcap * 2 : 16;
			ns = llmk__realloc(d->socks, ncap * sizeof(*ns));
			if (!ns)
				return -1;
			d->socks = ns;
			d->sockcap = ncap;
		}
		d->socks[d->nsocks++].fd = fd;
	}
	d->socks[i].what = what;
	return 0;
}

static int on_timer(CURLM *multi, long ms, void *userp)
{
	cdriver *d = userp;

	(void)multi;
	d->timer_at = ms < 0 ? -1.0 : llmk__now_ms() + (double)ms;
	return 0;
}

void *llmk__curl_cdriver_open(void *user)
{
	cdriver *d = llmk__calloc(1, sizeof(*d));

	(void)user; /* one connection cache for every curl client of the multi */
	if (!d)
		return NULL;
	d->timer_at = -1.0;
	d->multi = curl_multi_init();
	if (!d->multi) {
		llmk__free(d);
		return NULL;
	}
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
	/* HTTP/2 streams of many transfers on one connection (curl's default
	 * since 7.62, said here so that it does not depend on the version). */
	curl_multi_setopt(d->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	d->share = llmk__curl_share_new(NULL);
	return d;
}

static void unlink_active(cdriver *d, xfer *x)
{
	xfer **pp;

	for (pp = &d->active; *pp; pp = &(*pp)->next_active)
		if (*pp == x) {
			*pp = x->next_active;
			d->nactive--;
			return;
		}
}

/* Keeps an easy handle for reuse (or frees it when memory is short). */
static void spare_put(cdriver *d, CURL *easy)
{
	if (d->nspare == d->sparecap) {
		size_t ncap = d->sparecap ? d->sparecap * 2 : 16;
		CURL **ns = llmk__realloc(d->spare, ncap * sizeof(*ns));
		if (!ns) {
			curl_easy_cleanup(easy);
			return;
		}
		d->spare = ns;
		d->sparecap = ncap;
	}
	d->spare[d->nspare++] = easy;
}

/* Takes a transfer out of the multi handle and recycles its easy handle;
 * returns the transfer's status. */
static int32_t retire(cdriver *d, xfer *x, CURLcode rc)
{
	int32_t st;

	curl_multi_remove_handle(d->multi, x->easy);
	unlink_active(d, x);
	st = llmk__curl_xfer_end(x, rc);
	spare_put(d, x->easy);
	x->easy = NULL;
	return st;
}

void llmk__curl_cdriver_close(void *drv)
{
	cdriver *d = drv;
	xfer *x;

	while ((x = d->active)) { /* dropped: no llmk_exchange_done() any more */
		retire(d, x, CURLE_ABORTED_BY_CALLBACK);
		llmk__free(x);
	}
	while (d->nspare)
		curl_easy_cleanup(d->spare[--d->nspare]);
	llmk__free(d->spare);
	curl_multi_cleanup(d->multi);
	if (d->share)
		curl_share_cleanup(d->share);
	llmk__free(d->socks);
	llmk__free(d);
}

int32_t llmk__curl_cdriver_add(llmk_exchange *ex, void *user, void *drv)
{
	cdriver *d = drv;
	xfer *x = llmk__calloc(1, sizeof(*x));
	int32_t st;

	(void)user;
	if (!x) {
		llmk_exchange_set_error(ex, "out of memory starting a transfer");
		return LLMK_E_NOMEM;
	}
	x->easy = d->nspare ? d->spare[--d->nspare] : llmk__curl_easy_new(0, d->share);
	if (!x->easy) {
		llmk__free(x);
		llmk_exchange_set_error(ex, "curl_easy_init failed");
		return LLMK_E_NOMEM;
	}
	st = llmk__curl_xfer_setup(x, ex);
	if (st == LLMK_OK && curl_multi_add_handle(d->multi, x->easy) != CURLM_OK) {
		llmk__curl_xfer_end(x, CURLE_OUT_OF_MEMORY);
		st = LLMK_E_NOMEM;
	}
	if (st != LLMK_OK) {
		spare_put(d, x->easy);
		llmk__free(x);
		return st;
	}
	x->next_active = d->active;
	d->active = x;
	d->nactive++;
	return LLMK_OK;
}

void llmk__curl_cdriver_remove(llmk_exchange *ex, void *drv)
{
	cdriver *d = drv;
	xfer *x;

	for (x = d->active; x; x = x->next_active)
		if (x->ex == ex) {
			retire(d, x, CURLE_ABORTED_BY_CALLBACK);
			llmk__free(x);
			return;
		}
}

static void finish(cdriver *d, xfer *x, CURLcode rc)
{
	llmk_exchange *ex = x->ex;
	int32_t st = retire(d, x, rc);

	llmk__free(x);
	llmk_exchange_done(ex, st);
}

int32_t llmk__curl_cdriver_step(const int32_t *fds, const int32_t *revents, size_t n, void *drv)
{
	cdriver *d = drv;
	size_t i;
	double now;
	int running, left, ev;
	xfer *x, *next;
	CURLMsg *msg;

	for (i = 0; i < n; i++) {
		ev = ((revents[i] & LLMK_POLL_IN) ? CURL_CSELECT_IN : 0) |
		     ((revents[i] & LLMK_POLL_OUT) ? CURL_CSELECT_OUT : 0) |
		     ((revents[i] & LLMK_POLL_ERR) ? CURL_CSELECT_ERR : 0);
		curl_multi_socket_action(d->multi, (curl_socket_t)fds[i], ev, &running);
	}
	now = llmk__now_ms();
	if (d->timer_at >= 0 && now >= d->timer_at) {
		d->timer_at = -1.0;
		curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		now = llmk__now_ms();
	}
	while ((msg = curl_multi_info_read(d->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		char *priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv)
			finish(d, (xfer *)(void *)priv, msg->data.result);
	}
	/* The idle limit, a sink that said stop and cancel flags, which curl
	 * does not know about. */
	for (x = d->active; x; x = next) {
		next = x->next_active;
		if (llmk__curl_should_stop(x, now))
			finish(d, x, CURLE_ABORTED_BY_CALLBACK);
	}
	return LLMK_OK;
}

int64_t llmk__curl_cdriver_timeout_ms(void *drv)
{
	const cdriver *d = drv;
	const xfer *x;
	double t = -1.0;

	if (!d->nactive)
		return -1;
	if (d->timer_at >= 0) {
		t = d->timer_at - llmk__now_ms();
		if (t < 0)
			t = 0;
	}
	/* Idle limits are checked by the step: come back within a slice while
	 * a transfer has one. */
	for (x = d->active; x; x = x->next_active)
		if (x->idle_ms > 0) {
			if (t < 0 || t > SLICE_MS)
				t = SLICE_MS;
			break;
		}
	return t < 0 ? -1 : (int64_t)(t + 0.999);
}

size_t llmk__curl_cdriver_fds(int32_t *fds, int32_t *events, size_t cap, void *drv)
{
	const cdriver *d = drv;
	size_t i;

	for (i = 0; i < d->nsocks && i < cap; i++) {
		if (fds)
			fds[i] = (int32_t)d->socks[i].fd;
		if (events)
			events[i] = ((d->socks[i].what & CURL_POLL_IN) ? LLMK_POLL_IN : 0) |
			            ((d->socks[i].what & CURL_POLL_OUT) ? LLMK_POLL_OUT : 0);
	}
	return d->nsocks;
}
