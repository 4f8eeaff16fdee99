/* The client's log hook: one line per attempt, retry and failure, each
 * scrubbed of the client's secrets before the hook sees it. */
#include <stdarg.h>
#include <stdio.h>

#include "clock.h"
#include "adapter.h"
#include "log.h"
#include "scrub.h"

unsigned long llmk__request_number(void)
{
	static unsigned long counter;
	return __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}

void llmk__log(const llmk_client *c, int32_t level, const char *fmt, ...)
{
	char line[LLMK_ERRMSG_MAX + 512];
	va_list ap;

	if (!c->log_fn || level > c->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	llmk__client_scrub_str(c, line, LLMK_SCRUB_KEYLIKE | LLMK_SCRUB_USERINFO);
	c->log_fn(level, line, c->log_user);
}

const char *llmk__log_url(const llmk_client *c)
{
	return c->base_url ? c->base_url : "(no base URL)";
}

void llmk__log_attempt(const llmk_client *c, unsigned long n, const llmk_response *r, int a, int max, double start)
{
	double ms = llmk__now_ms() - start;

	if (r->status == LLMK_OK)
		llmk__log(c, LLMK_LOG_INFO, "#%lu %s %s: HTTP %d in %.0f ms (first byte %.0f ms), attempt %d of %d%s%s",
		          n, c->provider->name, llmk__log_url(c), (int)r->http_status, ms,
		          r->timing[LLMK_TIMING_FIRST_BYTE_MS], a, max, r->request_id ? ", request id " : "",
		          r->request_id ? r->request_id : "");
	else
		llmk__log(c, LLMK_LOG_WARN, "#%lu %s %s: %s after %.0f ms, attempt %d of %d%s%s: %s", n,
		          c->provider->name, llmk__log_url(c), llmk_status_name(r->status), ms, a, max,
		          r->request_id ? ", request id " : "", r->request_id ? r->request_id : "",
		          r->error ? r->error : "");
}
