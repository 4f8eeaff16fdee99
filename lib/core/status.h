/* Status mapping (status.c). */
#ifndef LLMK_CORE_STATUS_H
#define LLMK_CORE_STATUS_H

#include <stdint.h>

#include "llmkit.h"

/* Maps an HTTP status to the generic status table. */
llmk_status llmk__status_from_http(int32_t http_status);
/* Whether an attempt answered with this HTTP status may be repeated:
 * 408, 409, 429 and 5xx except 501 Not Implemented and 505 HTTP Version
 * Not Supported, which the same request gets again. */
int llmk__http_retryable(int32_t http_status);

/* Whether an HTTP status is 2xx. */
static inline int llmk__is_2xx(int32_t st)
{
	return st >= 200 && st < 300;
}

#endif
