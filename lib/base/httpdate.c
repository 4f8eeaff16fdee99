/* HTTP dates (see httpdate.h). */
#include <stdint.h>
#include <string.h>

#include "httpdate.h"

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
