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
	size_t i, depth = 0;
	int in_str = 0;

	if (!t)
		return 0;
	/* Nesting never exceeds the number of '{' and '[' bytes (strings
	 * included): count them with memchr (vectorised in libc) and skip the
	 * exact scan when they are too few. Stream chunks and chat answers
	 * have a handful. */
	if (opener_count_at_most(t, len, max))
		return 0;
	for (i = 0; i < len; i++) {
		char ch = t[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch == '[' || ch == '{') {
			if (++depth > max)
				return 1;
		} else if ((ch == ']' || ch == '}') && depth) {
			depth--;
		}
	}
	return 0;
}
