/* Cassettes: recording a client's HTTP exchanges to a file and answering
 * from that file later, offline (docs/CASSETTES.md).
 *
 * Both are transports. The recorder wraps whatever transport the client had
 * (curl or the program's): it keeps the inner table and user pointer in its
 * own user pointer, tees what the inner transport reports by swapping the
 * exchange's sink for the duration of the call, and appends one JSON line
 * per exchange. All of its state lives behind transport_user, so closing the
 * client closes the recorder, which closes the inner transport.
 *
 * Credentials are removed before anything is written: the secret headers
 * by name, and the client's secrets wherever they appear in the URL, header
 * values or bodies, in any encoding (lib/base/scrub.h). Replay compares method, URL and body only, because
 * the request headers on file no longer carry the credentials. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "alloc.h"
#include "cassette.h"
#include "client.h"
#include "exchange.h"
#include "json.h"
#include "scrub.h"
#include "secret.h"

void llmk__cas_client_errf(llmk_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
}

/* ---- redaction ----------------------------------------------------------- */

int llmk__cas_secret_header(const char *name)
{
	static const char *const names[] = {"authorization", "proxy-authorization", "x-api-key",
	                                    "api-key",       "x-goog-api-key",      "cookie",
	                                    "set-cookie"};
	size_t i, n = strlen(name), tl = strlen("x-amz-security-token");

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(name, names[i]))
			return 1;
	for (i = 0; i + tl <= n; i++)
		if (!strncasecmp(name + i, "x-amz-security-token", tl))
			return 1;
	return 0;
}

/* Whose secrets to scrub: the client's, through the one scrubber every
 * output uses (llmk__client_scrub: the key, the AWS secrets, the base
 * URL's password; plain, percent-encoded, JSON-escaped, in any case, and
 * masked echoes), plus the userinfo of any URL. */

int llmk__cas_secrets_init(llmk__cas_secrets *s, const llmk_client *c)
{
	s->c = c;
	return 0;
}

void llmk__cas_secrets_free(llmk__cas_secrets *s)
{
	s->c = NULL;
}

/* A NUL-terminated scrubbed copy of (p, n); NULL on allocation failure. */
char *llmk__cas_scrub(const llmk__cas_secrets *s, const void *p, size_t n, size_t *out_len)
{
	char *b = llmk__malloc(n + 1);

	if (!b)
		return NULL;
	if (n)
		memcpy(b, p, n);
	n = llmk__client_scrub(s->c, b, n, LLMK_SCRUB_USERINFO);
	b[n] = '\0';
	if (out_len)
		*out_len = n;
	return b;
}

/* ---- JSON helpers ------------------------------------------------------------ */

/* Sets "body" (text) or, for bytes that are not UTF-8 text, "body_b64". */
int llmk__cas_put_body(json_t *obj, const uint8_t *p, size_t n)
{
	json_t *s = NULL;
	char *b;
	size_t bl;

	if (!n)
		return json_object_set_new(obj, "body", json_string(""));
	if (!memchr(p, 0, n))
		s = json_stringn((const char *)p, n); /* NULL when not UTF-8 */
	if (s)
		return json_object_set_new(obj, "body", s);
	bl = sodium_base64_ENCODED_LEN(n, B64);
	b = llmk__malloc(bl);
	if (!b)
		return -1;
	sodium_bin2base64(b, bl, p, n, B64);
	s = json_string(b);
	llmk__free(b);
	return json_object_set_new(obj, "body_b64", s);
}

/* Reads "body" or "body_b64" into a fresh buffer (NUL-terminated). */
int llmk__cas_get_body(json_t *obj, uint8_t **out, size_t *out_len)
{
	json_t *t = json_object_get(obj, "body"), *b = json_object_get(obj, "body_b64");
	const char *s;
	size_t n;

	*out = NULL;
	*out_len = 0;
	if (t && json_is_string(t)) {
		n = json_string_length(t);
		if (!(*out = llmk__malloc(n + 1)))
			return -1;
		memcpy(*out, json_string_value(t), n);
		(*out)[n] = 0;
		*out_len = n;
		return 0;
	}
	if (b && json_is_string(b)) {
		s = json_string_value(b);
		n = json_string_length(b);
		if (!(*out = llmk__malloc(n / 4 * 3 + 4)))
			return -1;
		if (sodium_base642bin(*out, n / 4 * 3 + 3, s, n, " \r\n", out_len, NULL, B64)) {
			llmk__free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[*out_len] = 0;
		return 0;
	}
	return t || b ? -1 : 0; /* absent: empty */
}

typedef struct status_row {
	const char *name;
	int32_t value;
} status_row;

#define STATUS_ROW(name, value, msg) {"LLMK_" #name, value},
static const status_row status_rows[] = {LLMK_STATUS_TABLE(STATUS_ROW)};
#undef STATUS_ROW

int llmk__cas_status_from_json(json_t *j, int32_t *out)
{
	size_t i;

	if (json_is_integer(j)) {
		*out = (int32_t)json_integer_value(j);
		return 0;
	}
	if (!json_is_string(j))
		return -1;
	for (i = 0; i < sizeof(status_rows) / sizeof(status_rows[0]); i++)
		if (!strcmp(json_string_value(j), status_rows[i].name)) {
			*out = status_rows[i].value;
			return 0;
		}
	return -1;
}

/* The multipart boundary named by a Content-Type value, or NULL. Bodies
 * are compared with their boundaries equated: a fresh random one is drawn
 * for every multipart request. */
char *llmk__cas_boundary_of(const char *content_type)
{
	const char *p, *e;

	if (!content_type || strncasecmp(content_type, "multipart/", 10))
		return NULL;
	for (p = content_type; *p; p++)
		if (!strncasecmp(p, "boundary=", 9))
			break;
	if (!*p)
		return NULL;
	p += 9;
	if (*p == '"')
		p++;
	for (e = p; *e && *e != ';' && *e != '"' && *e != ' '; e++)
		;
	return e > p ? llmk__strndup(p, (size_t)(e - p)) : NULL;
}

int llmk__cas_body_equal(const uint8_t *a, size_t an, const char *ab, const uint8_t *b, size_t bn, const char *bb)
{
	size_t i = 0, j = 0, al = ab ? strlen(ab) : 0, bl = bb ? strlen(bb) : 0;

	if (!al || !bl)
		return an == bn && (!an || !memcmp(a, b, an));
	while (i < an && j < bn) {
		if (a[i] == (uint8_t)ab[0] && an - i >= al && bn - j >= bl && !memcmp(a + i, ab, al) &&
		    !memcmp(b + j, bb, bl)) {
			i += al;
			j += bl;
			continue;
		}
		if (a[i] != b[j])
			return 0;
		i++;
		j++;
	}
	return i == an && j == bn;
}
