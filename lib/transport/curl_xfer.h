/* What the blocking transport (curl.c) and the multi driver (curl_multi.c)
 * of the curl transport share: a transfer's state and how one is set up,
 * judged and ended. */
#ifndef LLMK_TRANSPORT_CURL_XFER_H
#define LLMK_TRANSPORT_CURL_XFER_H

#include <pthread.h>
#include <stdint.h>

#include <curl/curl.h>

#include "exchange.h"

#define POOL_MAX 8
#define SLICE_MS 10 /* longest wait between checks of cancel and idle */

typedef struct conn {
	CURL *easy;
	CURLM *multi;
} conn;

typedef struct curl_pool {
	pthread_mutex_t lock;
	conn idle[POOL_MAX];
	size_t nidle;
	/* TLS sessions (and DNS answers) shared by every handle of the
	 * client's pool, so a new pooled connection resumes the session another
	 * one negotiated (llmk__curl_share_new); NULL when curl refused one. */
	CURLSH *share;
	pthread_mutex_t share_lock;
} curl_pool;

typedef struct xfer {
	llmk_exchange *ex;
	int64_t idle_ms;
	double last_byte;
	/* Bytes arrived since last_byte was stamped: the callbacks only set
	 * this, and whoever next checks the idle limit stamps the time it
	 * reads anyway (a clock read per header line and body piece was a
	 * measurable part of a small request). */
	int fresh;
	int idle_expired;
	int status_sent;
	int requests;       /* times curl was about to send the request */
	int resend_refused; /* curl wanted to send the request a second time */
	int body_started;   /* a byte of the body arrived */
	int bad_status;     /* the status line's code was refused */
	int head_too_large; /* curl's "out of memory" was its header line limit */
	CURL *easy;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	/* Used by the multi driver only. */
	struct xfer *next_active;
} xfer;

/* A configured easy handle (with the progress callback for blocking
 * transfers), attached to share when not NULL, or NULL. */
CURL *llmk__curl_easy_new(int progress, CURLSH *share);
/* A share of TLS session ids and DNS answers for the handles of one pool
 * or one multi driver; lock (may be NULL: one thread) guards it across
 * threads. NULL when curl cannot make one (transfers then work unshared). */
CURLSH *llmk__curl_share_new(pthread_mutex_t *lock);
/* Points x's easy handle at ex: URL, method, headers, body, limits. */
int32_t llmk__curl_xfer_setup(xfer *x, llmk_exchange *ex);
/* The transport status of a finished transfer (curl's code rc). */
int32_t llmk__curl_xfer_end(xfer *x, CURLcode rc);
/* Whether x must stop now (cancel flag, idle limit). */
int llmk__curl_should_stop(xfer *x, double now);

/* The multi driver: the table's non-blocking callbacks (curl_multi.c). */
void *llmk__curl_cdriver_open(void *user);
int32_t llmk__curl_cdriver_add(llmk_exchange *ex, void *user, void *drv);
int32_t llmk__curl_cdriver_step(const int32_t *fds, const int32_t *revents, size_t n, void *drv);
size_t llmk__curl_cdriver_fds(int32_t *fds, int32_t *events, size_t cap, void *drv);
int64_t llmk__curl_cdriver_timeout_ms(void *drv);
void llmk__curl_cdriver_remove(llmk_exchange *ex, void *drv);
void llmk__curl_cdriver_close(void *drv);

#endif
