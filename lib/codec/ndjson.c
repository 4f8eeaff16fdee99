/* NDJSON splitter (see ndjson.h). */
#include <string.h>

#include "ndjson.h"

void llmk__ndjson_init(llmk__ndjson *d, size_t max_line, llmk__ndjson_fn fn, void *user)
{
	memset(d, 0, sizeof(*d));
	d->max_line = max_line;
	d->fn = fn;
	d->user = user;
}

static int blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

void llmk__ndjson_set_max_units(llmk__ndjson *d, size_t max_units)
{
	d->max_units = max_units;
}

static int emit(llmk__ndjson *d, char *s, size_t n)
{
	if (d->max_units && ++d->units > d->max_units)
		return d->err = LLMK_NDJSON_E_TOO_MANY;
	if (n && s[n - 1] == '\r')
		s[--n] = '\0'; /* CRLF: the line ends before the CR */
	if (blank(s, n) || !d->fn)
		return 0;
	return d->fn(s, n, d->user);
}

static int append(llmk__ndjson *d, const char *s, size_t n)
{
	if (d->max_line && n > d->max_line - d->line.len)
		return d->err = LLMK_NDJSON_E_TOO_LARGE;
	if (llmk__buf_append(&d->line, s, n))
		return d->err = LLMK_NDJSON_E_NOMEM;
	return 0;
}

int llmk__ndjson_feed(llmk__ndjson *d, const char *data, size_t len)
{
	const char *nl;
	size_t n;
	int rc;

	if (d->err)
		return d->err;
	while (len) {
		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) : len;
		if (!nl)
			return append(d, data, n);
		/* Lines are assembled in one buffer so the callback always gets a
		 * NUL-terminated string, whatever the feed split. */
		if ((rc = append(d, data, n)))
			return rc;
		rc = emit(d, d->line.data, d->line.len);
		d->line.len = 0;
		if (rc)
			return rc;
		data += n + 1;
		len -= n + 1;
	}
	return 0;
}

int llmk__ndjson_finish(llmk__ndjson *d)
{
	int rc;

	if (d->err)
		return d->err;
	if (!d->line.len)
		return 0;
	rc = emit(d, d->line.data, d->line.len);
	d->line.len = 0;
	return rc;
}

void llmk__ndjson_free(llmk__ndjson *d)
{
	llmk__buf_free(&d->line);
}
