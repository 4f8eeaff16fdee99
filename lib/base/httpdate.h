/* HTTP dates (Retry-After). */
#ifndef LLMK_BASE_HTTPDATE_H
#define LLMK_BASE_HTTPDATE_H

#include <stdint.h>

/* An HTTP-date (RFC 9110 5.6.7: IMF-fixdate, RFC 850 or asctime form) as
 * seconds since the epoch. Locale-independent. 0, or -1 if malformed. */
int llmk__http_date(const char *s, int64_t *epoch);

#endif
