/* Logging through the client's hook (log.c). */
#ifndef LLMK_CORE_LOG_H
#define LLMK_CORE_LOG_H

#include <stdint.h>

#include "client.h"
#include "response.h"

/* A process-wide number per request, for log lines. */
unsigned long llmk__request_number(void);
/* Formats one log line, scrubs the client's secrets, hands it to the
 * client's hook (nothing when none or above its level). */
void llmk__log(const llmk_client *c, int32_t level, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;
/* The client's base URL as log lines show it. */
const char *llmk__log_url(const llmk_client *c);
/* One line for attempt a of max of request n, started at start (ms). */
void llmk__log_attempt(const llmk_client *c, unsigned long n, const llmk_response *r, int a, int max, double start);

#endif
