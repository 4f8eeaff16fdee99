/* Incremental HTTP/1.1 response decoder (the client side of RFC 9112), for
 * transports that speak HTTP/1.1 themselves (lib/transport/posix.c).
 *
 * Reads one response from a byte stream in any split: the status line,
 * the header fields, and the body framed by the chunked transfer coding, by
 * Content-Length, or by the connection's close (RFC 9112 section 6.3). It
 * reports the final status, each header field and the body bytes through
 * callbacks; chunk framing, chunk extensions, trailers and interim (1xx)
 * responses are consumed here. Work is linear in the input; body bytes are
 * passed through without a copy; only one line of the head is held at a
 * time (bounded by max_line).
 *
 * Deviations and choices, all on the strict side (a client only needs to
 * read what servers send, and refusing garbage is safer than guessing):
 *   - a bare LF ends a line as CRLF does (RFC 9112 2.2 allows it);
 *   - obsolete line folding, a field line without a colon or with
 *     whitespace before it, a field name that is not a token, a control
 *     character other than HTAB in a field value, and a NUL anywhere in the
 *     head are errors (LLMK_HTTP1_E_PROTOCOL), not repaired;
 *   - only "HTTP/1.x" status lines are accepted; the reason phrase is
 *     ignored; 101 (Switching Protocols) is an error: we never ask for it;
 *   - Transfer-Encoding wins over Content-Length; a coding list whose last
 *     coding is not "chunked" means "until close" (RFC 9112 6.3 item 4);
 *     Content-Length must be digits only, and repeated ones must agree;
 *   - 204, 304 and the answer to a HEAD request have no body;
 *   - trailer fields are read (they count against max_head) and dropped;
 *   - bytes after the end of the response are not looked at (the
 *     connection is not reused).
 * Limits: one head line (status, field, chunk-size or trailer line) at
 * most max_line bytes; the head, its interim responses and the trailers
 * together at most max_head bytes; at most LLMK_HTTP1_MAX_INTERIM interim
 * responses; a chunk at most 2^40 bytes; Content-Length at most 2^53. The
 * body's total size is the consumer's to bound (its body callback can stop
 * the feed). Errors are sticky. */
#ifndef LLMK_CODEC_HTTP1_H
#define LLMK_CODEC_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define LLMK_HTTP1_MORE 0 /* feed: need more bytes */
#define LLMK_HTTP1_DONE 1 /* the whole response was read */
#define LLMK_HTTP1_E_NOMEM (-1)
#define LLMK_HTTP1_E_TOO_LARGE (-2)
#define LLMK_HTTP1_E_PROTOCOL (-3)
#define LLMK_HTTP1_E_TRUNCATED (-4) /* the connection closed early (finish) */
#define LLMK_HTTP1_E_STOPPED (-5)   /* a callback returned non-zero */

#define LLMK_HTTP1_MAX_INTERIM 8

/* What the decoder reports; each returns 0 to go on, non-zero to stop.
 * Strings are NUL-terminated and valid only during the call. */
typedef struct llmk__http1_cb {
	int (*status)(void *user, int code); /* the final status, 200..999 */
	int (*header)(void *user, const char *name, const char *value);
	int (*body)(void *user, const uint8_t *data, size_t len);
	void *user;
} llmk__http1_cb;

typedef struct llmk__http1 {
	llmk__http1_cb cb;
	size_t max_line, max_head;
	int state;
	int err;
	char why[96];     /* what went wrong */
	int head_request; /* the request was HEAD: no body */
	int status;
	int interim;
	size_t head_bytes;
	/* Framing read from the head. */
	int chunked, has_te, has_length;
	uint64_t length;
	uint64_t left; /* body bytes of the current chunk or of the length */
	int any;       /* a byte of the response has arrived */
	llmk__buf line;
} llmk__http1;

/* head_request: the request's method was HEAD. */
void llmk__http1_init(llmk__http1 *d, const llmk__http1_cb *cb, size_t max_line, size_t max_head, int head_request);
/* Returns LLMK_HTTP1_MORE, LLMK_HTTP1_DONE or a negative LLMK_HTTP1_E_*
 * code; after DONE or an error, further feeds return the same. */
int llmk__http1_feed(llmk__http1 *d, const uint8_t *data, size_t len);
/* The connection closed: DONE when that ends the response (a body framed
 * by close, or a response already complete), else LLMK_HTTP1_E_TRUNCATED
 * (or the sticky error). */
int llmk__http1_finish(llmk__http1 *d);
/* What went wrong, for an error message ("" when nothing did); valid
 * while d is. */
const char *llmk__http1_why(const llmk__http1 *d);
void llmk__http1_free(llmk__http1 *d);

#endif
