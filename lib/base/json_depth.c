/* A bound on JSON nesting checked before parsing (see json.h). */
#include <string.h>

#include "json.h"

static int opener_count_at_most(const char *t, size_t len, size_t max)
{
	static const char open[2] = {'{', '['};
	size_t n = 0, k;

	for (k = 0; k < 2; k++) {
		const char *p = t, *end = t + len;
		while (p < end && (p = memchr(p, open[k], (size_t)(end - p)))) {
			if (++n > max)
				return 0;
			p++;
		}
	}
	return 1;
}

int llmk__json_too_deep(const char *t, size_t len, size_t max)
{
	static const unsigned char special[256] = {['"'] = 1, ['['] = 1, ['{'] = 1, [']'] = 1, ['}'] = 1};
	size_t i, depth = 0;

	if (!t)
		return 0;
	/* Nesting never exceeds the number of '{' and '[' bytes (strings
	 * included): count them with memchr (vectorised in libc) and skip the
	 * exact scan when they are too few. Stream chunks and chat answers
	 * have a handful. */
	if (opener_count_at_most(t, len, max))
		return 0;
	/* Outside strings only '"' and brackets matter: a table marks them; a
	 * string is crossed with memchr (a base64 embedding is 8 KiB of string,
	 * a decimal one 20 KiB of digits; the scan used to be a tenth of the
	 * time of a bulk embedding answer). */
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)t[i];
		if (!special[ch])
			continue;
		if (ch == '"') {
			for (;;) {
				const char *q = memchr(t + i + 1, '"', len - i - 1), *bs;
				if (!q)
					return 0; /* an unterminated string: no deeper */
				bs = memchr(t + i + 1, '\\', (size_t)(q - (t + i + 1)));
				if (!bs) {
					i = (size_t)(q - t);
					break;
				}
				i = (size_t)(bs - t) + 1; /* the escaped byte, then on */
				if (i >= len)
					return 0;
			}
		} else if (ch == '[' || ch == '{') {
			if (++depth > max)
				return 1;
		} else if ((ch == ']' || ch == '}') && depth) {
			depth--;
		}
	}
	return 0;
}
