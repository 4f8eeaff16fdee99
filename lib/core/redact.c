/* Removing the client's secrets from text the library hands out. */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "redact.h"

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Length of the copy of key at s, plain or percent-encoded in any mix
 * (a URL echoed back), or 0. */
static size_t key_at(const char *s, const char *key)
{
	const char *p = s;

	for (; *key; key++) {
		if (*p == *key) {
			p++;
		} else if (p[0] == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0 &&
		           (char)(hexval(p[1]) * 16 + hexval(p[2])) == *key) {
			p += 3;
		} else {
			return 0;
		}
	}
	return (size_t)(p - s);
}

/* Removes any copy of the client's key from an error message: some
 * providers echo (parts of) the key they rejected. */
void llmk__redact(char *msg, const char *key)
{
	static const char *const prefixes[] = {"sk-", "hf_", "AIza", "xai-", "gsk_"};
	size_t kl, i;
	char *hit;

	if (!msg || !key || (kl = strlen(key)) < 8)
		return;
	for (hit = msg; *hit;) {
		size_t n = key_at(hit, key);
		if (!n) {
			hit++;
			continue;
		}
		/* In place: a copy shorter than the marker (an 8 or 9 byte key)
		 * is starred out instead. */
		if (n >= 10) {
			memcpy(hit, "[REDACTED]", 10);
			memmove(hit + 10, hit + n, strlen(hit + n) + 1);
			hit += 10;
		} else {
			memset(hit, '*', n);
			hit += n;
		}
	}
	/* Masked echoes such as "sk-proj-****abcd" still give away the key's
	 * tail: drop the whole token. The prefixes are the providers' key
	 * formats: OpenAI and Anthropic (sk-), Hugging Face (hf_), Google
	 * (AIza), xAI (xai-), Groq (gsk_). */
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		for (hit = strstr(msg, prefixes[i]); hit; hit = strstr(hit + 1, prefixes[i])) {
			char *e = hit + pl;
			while (*e && (isalnum((unsigned char)*e) || *e == '-' || *e == '_' || *e == '*'))
				e++;
			if (e - hit > (ptrdiff_t)pl + 3) {
				memcpy(hit + pl, "***", 3);
				memmove(hit + pl + 3, e, strlen(e) + 1);
			}
		}
	}
}

