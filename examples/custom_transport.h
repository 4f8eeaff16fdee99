/* custom_transport.h - an llmk_transport over plain POSIX sockets for
 * http:// URLs (examples/custom_transport.c; docs/FIRMWARE.md).
 *
 * The shape a firmware port of libllmkit takes: the library is built with
 * -Dcurl=disabled and the program installs a transport of its own. This one
 * speaks HTTP/1.1 over a fresh TCP connection per exchange (Connection:
 * close), reads Content-Length, chunked and close-delimited bodies, applies
 * the client's total, connect and idle timeouts and notices cancellation
 * within 50 ms. No TLS: https:// URLs fail with LLMK_E_UNSUPPORTED. */
#ifndef LLMK_EXAMPLE_CUSTOM_TRANSPORT_H
#define LLMK_EXAMPLE_CUSTOM_TRANSPORT_H

#include "llmkit.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills `t` (struct_size set) with the socket transport. It keeps no state:
 * `user` is unused, and one table serves any number of clients and
 * threads. */
void posix_transport_init(llmk_transport *t);

/* The transport's send callback itself. */
int32_t posix_transport_send(llmk_exchange *ex, void *user);

#ifdef __cplusplus
}
#endif

#endif
