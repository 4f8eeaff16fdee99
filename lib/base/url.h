/* URL pieces. */
#ifndef LLMK_BASE_URL_H
#define LLMK_BASE_URL_H

/* Percent-encodes everything but RFC 3986 unreserved characters (for
 * model names and deployments placed in URL paths). NULL on OOM. */
char *llmk__url_escape(const char *s);

#endif
