/* Scorers of llmk_compare that look at the text: exact, contains, regex,
 * JSON. (Similarity scoring sends an embedding request: compare.c.) */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "compare.h"
#include "json.h"

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	if (!n)
		return 1;
	for (; *hay; hay++) {
		for (i = 0; i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]); i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

/* JSON scorer: the answer (without a Markdown code fence around it) must
 * be JSON, and equal to the expected JSON when one is given. */
static double score_json(const char *answer, const char *expected)
{
	const char *s = answer, *nl;
	size_t n = strlen(answer);
	json_t *a, *e;
	double score;

	trim(&s, &n);
	if (n >= 6 && !strncmp(s, "```", 3) && !strncmp(s + n - 3, "```", 3)) {
		nl = memchr(s, '\n', n);
		if (nl && nl < s + n - 3) {
			n = (size_t)(s + n - 3 - (nl + 1));
			s = nl + 1;
		}
	}
	a = llmk__json_loadb(s, n, JSON_DECODE_ANY, NULL);
	if (!a)
		return 0;
	score = 1;
	if (expected && *expected) {
		e = llmk__json_loads(expected, JSON_DECODE_ANY, NULL);
		score = e && json_equal(a, e) ? 1 : 0;
		json_decref(e);
	}
	json_decref(a);
	return score;
}

double llmk__cmp_score_text(int32_t scorer, const char *answer, const char *expected)
{
	const char *a = answer, *e = expected;
	size_t an = strlen(answer), en;
	regex_t re;
	double s;

	switch (scorer) {
	case LLMK_SCORE_EXACT:
		en = strlen(expected);
		trim(&a, &an);
		trim(&e, &en);
		return an == en && !memcmp(a, e, an) ? 1 : 0;
	case LLMK_SCORE_CONTAINS: return contains_nocase(answer, expected) ? 1 : 0;
	case LLMK_SCORE_REGEX:
		if (regcomp(&re, expected, REG_EXTENDED | REG_NOSUB))
			return 0;
		s = regexec(&re, answer, 0, NULL, 0) == 0 ? 1 : 0;
		regfree(&re);
		return s;
	case LLMK_SCORE_JSON: return score_json(answer, expected);
	default: return -1;
	}
}
