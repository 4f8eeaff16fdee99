/* Small shared helpers: clock, HTTP status mapping, secret storage. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/internal.h"

double llmk__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

llmk_status llmk__status_from_http(int32_t http_status)
{
	switch (http_status) {
	case 400:
	case 422:
		return LLMK_E_BAD_REQUEST;
	case 401:
		return LLMK_E_AUTH;
	case 403:
		return LLMK_E_PERMISSION;
	case 404:
		return LLMK_E_NOT_FOUND;
	case 408:
	case 504:
		return LLMK_E_TIMEOUT;
	case 413:
		return LLMK_E_TOO_LARGE;
	case 429:
		return LLMK_E_RATE_LIMITED;
	case 503:
	case 529:
		return LLMK_E_OVERLOADED;
	default:
		break;
	}
	if (http_status >= 500)
		return LLMK_E_SERVER;
	if (http_status >= 400)
		return LLMK_E_BAD_REQUEST;
	return LLMK_E_PROTOCOL; /* 1xx/3xx where a final answer was expected */
}

/* Keys live in guarded pages (no swap, guard pages around, wiped on free)
 * and are made read-only once written so a stray write faults instead of
 * corrupting or leaking them. */
llmk_status llmk__secret_set(char **slot, const char *value)
{
	size_t n;
	char *p;

	llmk__secret_free(slot);
	if (!value)
		return LLMK_OK;
	n = strlen(value);
	p = sodium_malloc(n + 1);
	if (!p)
		return LLMK_E_NOMEM;
	memcpy(p, value, n + 1);
	sodium_mprotect_readonly(p);
	*slot = p;
	return LLMK_OK;
}

void llmk__secret_free(char **slot)
{
	if (*slot) {
		sodium_free(*slot);
		*slot = NULL;
	}
}

void llmk__free_wiped(char *p)
{
	if (p) {
		sodium_memzero(p, strlen(p));
		llmk__free(p);
	}
}

char *llmk__url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, o = 0;
	char *out;

	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	out = llmk__malloc(3 * n + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		    ch == '.' || ch == '_' || ch == '~') {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return out;
}

void llmk__new_call_id(char out[32])
{
	unsigned char raw[12];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, "call_", 5);
	sodium_bin2hex(out + 5, 32 - 5, raw, sizeof(raw));
}

int llmk__json_too_deep(const char *t, size_t len, size_t max)
{
	size_t i, depth = 0;
	int in_str = 0;

	if (!t)
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
