/* What the engine reads from response headers: when to retry, the
 * provider's request id. */
#include <ctype.h>
#include <stdlib.h>
#include <time.h>

#include "httpdate.h"
#include "response.h"

/* Retry-After: delta-seconds or an HTTP-date (RFC 9110 10.2.3);
 * retry-after-ms (OpenAI) is more precise and wins. */
void llmk__read_retry_after(llmk_response *r)
{
	const char *v = llmk__response_header(r, "retry-after-ms");
	char *end;
	double ms;
	int64_t when, now;

	if (v) {
		ms = strtod(v, &end);
		if (end != v && ms >= 0 && ms < 1e12) {
			r->retry_after_ms = (int64_t)ms;
			return;
		}
	}
	v = llmk__response_header(r, "retry-after");
	if (!v)
		return;
	while (*v == ' ')
		v++;
	if (isdigit((unsigned char)*v)) {
		ms = strtod(v, &end);
		if (end != v && ms < 1e9)
			r->retry_after_ms = (int64_t)(ms * 1000.0);
		return;
	}
	if (!llmk__http_date(v, &when)) {
		now = (int64_t)time(NULL);
		r->retry_after_ms = when > now ? (when - now) * 1000 : 0;
	}
}

void llmk__read_request_id(llmk_response *r)
{
	static const char *const names[] = {"x-request-id", "request-id", "apim-request-id", "x-amzn-requestid"};
	size_t i;
	const char *v;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((v = llmk__response_header(r, names[i]))) {
			llmk__set_field(&r->request_id, v);
			return;
		}
}
