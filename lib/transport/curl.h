/* The built-in transport over libcurl (curl.c; present only in builds with
 * curl: -Dcurl). */
#ifndef LLMK_TRANSPORT_CURL_H
#define LLMK_TRANSPORT_CURL_H

#include "llmkit.h"

extern const llmk_transport llmk__curl_transport;
/* A client's transport state (its pool of easy handles), or NULL on OOM. */
void *llmk__curl_transport_new(void);
/* curl_global_init, with the program's allocator when one was set. */
llmk_status llmk__curl_global_init(void);
/* Whether this libcurl speaks TLS. */
int llmk__curl_has_tls(void);

#endif
