/* URL pieces, and the one test of a value bound for a header, a URL or a
 * signed string. */
#ifndef LLMK_BASE_URL_H
#define LLMK_BASE_URL_H

#include <stddef.h>

#include "buf.h"

/* Percent-encodes everything but RFC 3986 unreserved characters (query
 * values such as api-version; a model name inside a path goes through
 * llmk__url_append_segment). NULL on OOM. */
char *llmk__url_escape(const char *s);

/* Appends "/" and the n bytes at seg as exactly one path segment: every
 * byte but the unreserved ones percent-encoded, '/' included. A segment
 * that is empty, "." or ".." is refused (a dot segment moves the path
 * once a client or server normalises it, RFC 3986 5.2.4). 0 on success,
 * LLMK_URL_E_SEGMENT for a refused segment, LLMK_URL_E_NOMEM. */
#define LLMK_URL_E_SEGMENT (-1)
#define LLMK_URL_E_NOMEM (-2)
int llmk__url_append_segment(llmk__buf *out, const char *seg, size_t n);

/* 1 when s holds a byte no header value, URL or signed string may carry:
 * a C0 control character (CR, LF, TAB, ...) or DEL. A NUL ends s: callers
 * that take a length (bindings) refuse an inner NUL before calling. */
int llmk__has_ctl(const char *s);

#endif
