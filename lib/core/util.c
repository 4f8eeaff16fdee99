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

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (era arithmetic; valid for any year this parser accepts). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_of(const char *s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++)
		if (!strncmp(s, names + 3 * i, 3))
			return i + 1;
	return 0;
}

/* Reads exactly `n` digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n--) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return 0;
}

static int lit(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n))
		return -1;
	*p += n;
	return 0;
}

static int hms(const char **p, int *h, int *mi, int *sec)
{
	return digits(p, 2, h) || lit(p, ":") || digits(p, 2, mi) || lit(p, ":") || digits(p, 2, sec) ? -1 : 0;
}

int llmk__http_date(const char *s, int64_t *epoch)
{
	const char *p = s, *comma;
	int y = 0, m, d = 0, h, mi, sec;

	if (!s)
		return -1;
	comma = strchr(s, ',');
	if (comma && comma - s == 3) {
		/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
		p = comma + 1;
		if (lit(&p, " ") || digits(&p, 2, &d) || lit(&p, " ") || !(m = month_of(p)))
			return -1;
		p += 3;
		if (lit(&p, " ") || digits(&p, 4, &y) || lit(&p, " ") || hms(&p, &h, &mi, &sec) || lit(&p, " GMT"))
			return -1;
	} else if (comma) {
		/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit years: 19xx/20xx by the 50-year rule) */
		p = comma + 1;
		if (lit(&p, " ") || digits(&p, 2, &d) || lit(&p, "-") || !(m = month_of(p)))
			return -1;
		p += 3;
		if (lit(&p, "-") || digits(&p, 2, &y) || lit(&p, " ") || hms(&p, &h, &mi, &sec) || lit(&p, " GMT"))
			return -1;
		y += y < 70 ? 2000 : 1900;
	} else {
		/* asctime: Sun Nov  6 08:49:37 1994 */
		if (strlen(p) < 4 || p[3] != ' ')
			return -1;
		p += 4;
		if (!(m = month_of(p)))
			return -1;
		p += 3;
		if (lit(&p, " "))
			return -1;
		if (*p == ' ')
			p++, d = -1;
		if (d == -1 ? digits(&p, 1, &d) : digits(&p, 2, &d))
			return -1;
		if (lit(&p, " ") || hms(&p, &h, &mi, &sec) || lit(&p, " ") || digits(&p, 4, &y))
			return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	*epoch = days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}
