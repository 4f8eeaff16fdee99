/*
 * faultd.h - network faults and hostile payloads for the fault tests, beyond
 * what httpd.h scripts on a connection it has accepted:
 *
 *  - a refusing port (connection refused, at once, without network),
 *  - a "blackhole" port whose connects never complete (connect timeouts),
 *  - payload builders: JSON nested N deep, a raw HTTP/1.1 response with one
 *    chunk per body byte (to be written one byte at a time with httpd's
 *    raw mode).
 *
 * Everything listens on 127.0.0.1 only. Out of memory aborts.
 */
#ifndef LLMKIT_TESTS_FAULTD_H
#define LLMKIT_TESTS_FAULTD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A socket bound to 127.0.0.1:<free port> that never listens: the kernel
 * answers every SYN with RST ("connection refused"). Holding the port bound
 * keeps anyone else from taking it while the test runs. */
typedef struct fd_refuser fd_refuser;
fd_refuser *fd_refuser_start(void); /* NULL on failure */
int fd_refuser_port(const fd_refuser *r);
void fd_refuser_stop(fd_refuser *r); /* NULL is a no-op */

/* A listener with backlog 0 whose accept queue is already full (one
 * connection made and never accepted): Linux drops further SYNs, so a
 * connect() to it neither succeeds nor fails until the client gives up.
 * fd_blackhole_start() checks that a probe connect really hangs for 50 ms
 * and returns NULL otherwise (a kernel that answers differently). */
typedef struct fd_blackhole fd_blackhole;
fd_blackhole *fd_blackhole_start(void);
int fd_blackhole_port(const fd_blackhole *b);
void fd_blackhole_stop(fd_blackhole *b); /* NULL is a no-op */

/* `prefix`, then `depth` '[' then `depth` ']', then `suffix`; NUL-terminated,
 * caller frees. */
char *fd_nested_json(const char *prefix, size_t depth, const char *suffix);

/* A complete HTTP/1.1 200 response: the status line, `headers` (raw lines,
 * each ending "\r\n"), "Transfer-Encoding: chunked", then the body with
 * one chunk per byte and the terminating chunk. Caller frees; length in
 * *out_len. Push it with th_response.raw = 1 and write_size = 1. */
char *fd_chunk_every_byte(const char *headers, const char *body, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif
