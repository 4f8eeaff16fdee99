/* Shared by the Prism conformance tests: see support.h. */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fnmatch.h>

#include <curl/curl.h>

/* ==== test data and set-up ================================================ */

const uint8_t png[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
                       0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
                       0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
                       0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00,
                       0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
const size_t png_size = sizeof(png);

uint8_t *wav;
size_t wav_len;

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int conf_init(const char *data)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/audio/jfk.wav", data);
	if (!(wav = slurp(path, &wav_len))) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	OK(llmk_global_init());
	return 0;
}

void conf_cleanup(void)
{
	curl_global_cleanup();
	free(wav);
	wav = NULL;
}

json_t *load_spec(const char *path)
{
	json_error_t err;
	json_t *spec = json_load_file(path, JSON_DECODE_INT_AS_REAL, &err);

	if (!spec)
		fprintf(stderr, "cannot load %s: %s (line %d)\n", path, err.text, err.line);
	return spec;
}

/* ==== requests ============================================================ */

llmk_client *prism_client(const char *model, const char *base, const char *key)
{
	llmk_client *c;

	OK(llmk_client_new(&c, model));
	OK(llmk_client_set_str(c, LLMK_OPT_BASE_URL, base));
	/* Prism's answers are the point, once each: its 500s for streams it
	 * cannot mock must not be retried. */
	OK(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0));
	OK(llmk_client_set_str(c, LLMK_OPT_API_KEY, key));
	OK(llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, 30000));
	return c;
}

static int32_t ignore_event(const llmk_event *e, void *u)
{
	(void)e;
	(void)u;
	return 0;
}

llmk_status send_request(llmk_client *c, llmk_request *r, int stream, llmk_response **resp)
{
	llmk_status st;

	*resp = NULL;
	if (stream)
		st = llmk_stream(c, r, ignore_event, NULL, resp);
	else
		st = llmk_send(c, r, resp);
	llmk_request_free(r);
	assert_non_null(*resp);
	return st;
}

/* ==== the test transport ================================================== */

static size_t wire_write(char *p, size_t s, size_t n, void *u)
{
	wire *w = u;
	return llmk_exchange_write(w->ex, (const uint8_t *)p, s * n) ? 0 : s * n;
}

static size_t wire_header(char *p, size_t s, size_t n, void *u)
{
	wire *w = u;
	size_t len = s * n;
	char name[256], value[2048];
	const char *colon, *sp;

	if (len > 12 && !strncmp(p, "HTTP/", 5)) {
		sp = memchr(p, ' ', len);
		if (sp && atoi(sp + 1) >= 200) /* not 1xx */
			llmk_exchange_set_status(w->ex, atoi(sp + 1));
		return len;
	}
	colon = memchr(p, ':', len);
	if (colon && (size_t)(colon - p) < sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
		colon++;
		while (*colon == ' ')
			colon++;
		snprintf(value, sizeof(value), "%.*s", (int)(p + len - colon), colon);
		value[strcspn(value, "\r\n")] = 0;
		llmk_exchange_add_header(w->ex, name, value);
	}
	return len;
}

static int32_t wire_send(llmk_exchange *ex, void *user)
{
	wire *w = user;
	CURL *h = curl_easy_init();
	struct curl_slist *hl = NULL;
	char line[4096], err[CURL_ERROR_SIZE] = "";
	size_t len, i;
	const uint8_t *b = llmk_exchange_body(ex, &len);
	char *m = NULL;
	CURLcode rc;

	assert_non_null(h);
	w->ex = ex;
	free(w->sent);
	if (w->mutate && (m = w->mutate(w->mutate_arg, (const char *)b, len, &w->sent_len)))
		w->sent = m;
	else {
		w->sent = malloc(len + 1);
		memcpy(w->sent, b, len);
		w->sent_len = len;
	}
	w->sent[w->sent_len] = 0;
	w->ctype[0] = 0;
	snprintf(w->url, sizeof(w->url), "%s", llmk_exchange_url(ex));
	for (i = 0; i < llmk_exchange_header_count(ex); i++) {
		const char *hn = llmk_exchange_header_name(ex, i), *hv = llmk_exchange_header_value(ex, i);
		snprintf(line, sizeof(line), "%s: %s", hn, hv);
		hl = curl_slist_append(hl, line);
		if (!strcasecmp(hn, "Content-Type"))
			snprintf(w->ctype, sizeof(w->ctype), "%s", hv);
	}
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, llmk_exchange_url(ex));
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, llmk_exchange_method(ex));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, w->sent);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)w->sent_len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, wire_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, wire_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, w);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	rc = curl_easy_perform(h);
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	if (rc == CURLE_OK)
		return LLMK_OK;
	llmk_exchange_set_error(ex, err[0] ? err : curl_easy_strerror(rc));
	return LLMK_E_TRANSPORT;
}

llmk_client *wire_attach(llmk_client *c, wire *w)
{
	llmk_transport t;

	llmk_transport_init(&t);
	t.send = wire_send;
	OK(llmk_client_set_transport(c, &t, w));
	return c;
}

const char *wire_ctype(const wire *w)
{
	return !strncmp(w->ctype, "multipart/form-data", 19) ? "multipart/form-data" : "application/json";
}

/* ==== corrupting bodies =================================================== */

const char *mem_find(const void *hay, size_t hn, const void *needle, size_t nn)
{
	const char *h = hay;
	size_t i;

	for (i = 0; nn && i + nn <= hn; i++)
		if (!memcmp(h + i, needle, nn))
			return h + i;
	return NULL;
}

/* Finds the multipart part named `name`: [*start, *end) spans from its
 * boundary line to the next boundary line. */
static void find_part(const char *b, size_t n, const char *name, size_t *start, size_t *end)
{
	char needle[128];
	const char *d, *s, *e, *lim = b + n;
	size_t blen = strcspn(b, "\r\n"); /* "--boundary" */

	assert_true(blen > 2 && blen < n);
	snprintf(needle, sizeof(needle), "form-data; name=\"%s\"", name);
	d = mem_find(b, n, needle, strlen(needle));
	if (!d)
		fail_msg("multipart body has no part named %s", name);
	for (s = d; s > b && !(s[-1] == '\n' && !memcmp(s, b, blen)); s--)
		;
	e = mem_find(d, (size_t)(lim - d), b, blen);
	assert_non_null(e);
	*start = (size_t)(s - b);
	*end = (size_t)(e - b);
}

char *multipart_unbracket_files(const void *arg, const char *b, size_t n, size_t *o)
{
	static const char from[] = "name=\"image[]\"; filename=", to[] = "name=\"image\"; filename=";
	char *out = malloc(n + 1);
	size_t i = 0, k = 0;

	(void)arg;
	while (i < n) {
		if (n - i >= sizeof(from) - 1 && !memcmp(b + i, from, sizeof(from) - 1)) {
			memcpy(out + k, to, sizeof(to) - 1);
			k += sizeof(to) - 1;
			i += sizeof(from) - 1;
		} else {
			out[k++] = b[i++];
		}
	}
	*o = k;
	return out;
}

char *multipart_drop(const char *b, size_t n, const char *name, size_t *o)
{
	size_t s, e;
	char *out;

	find_part(b, n, name, &s, &e);
	out = malloc(n - (e - s) + 1);
	memcpy(out, b, s);
	memcpy(out + s, b + e, n - e);
	*o = n - (e - s);
	return out;
}

char *multipart_set(const char *b, size_t n, const char *name, const char *value, size_t *o)
{
	size_t s, e, vlen = strlen(value);
	const char *v;
	char *out;

	find_part(b, n, name, &s, &e);
	v = mem_find(b + s, e - s, "\r\n\r\n", 4);
	assert_non_null(v);
	v += 4;
	out = malloc(n + vlen + 3);
	memcpy(out, b, (size_t)(v - b));
	memcpy(out + (v - b), value, vlen);
	memcpy(out + (v - b) + vlen, "\r\n", 2);
	memcpy(out + (v - b) + vlen + 2, b + e, n - e);
	*o = (size_t)(v - b) + vlen + 2 + (n - e);
	return out;
}

/* ==== printing ============================================================ */

static void print_text(const char *p, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];
		if ((ch >= 0x20 && ch < 0x7f) || ch == '\n' || ch == '\r' || ch == '\t') {
			if (run)
				fprintf(stderr, "[%zu binary bytes]", run);
			run = 0;
			fputc(ch, stderr);
		} else {
			run++;
		}
	}
	if (run)
		fprintf(stderr, "[%zu binary bytes]", run);
}

void print_body(const char *what, const char *body, size_t len)
{
	const char *fn, *data, *next;
	size_t blen;

	fprintf(stderr, "%s (%zu bytes):\n", what, len);
	blen = strcspn(body, "\r\n");
	fn = len > 2 && !memcmp(body, "--", 2) ? mem_find(body, len, "; filename=\"", 12) : NULL;
	data = fn ? mem_find(fn, len - (size_t)(fn - body), "\r\n\r\n", 4) : NULL;
	next = data ? mem_find(data, len - (size_t)(data - body), body, blen) : NULL;
	if (next) {
		data += 4;
		print_text(body, (size_t)(data - body));
		fprintf(stderr, "[%zu bytes of file data]\r\n", (size_t)(next - data) - 2);
		print_text(next, len - (size_t)(next - body));
	} else {
		print_text(body, len);
	}
	fputc('\n', stderr);
}

/* ==== Prism's violations ================================================== */

/* Prism lists the violations in its 422 body ({"validation": [{"location":
 * ["body", "messages", "0"], "severity": "Error", "code": ..., "message":
 * ...}, ...]}), except where the spec defines its own 422 answer (Mistral's
 * HTTPValidationError, Cohere, TGI): then it serves that answer's example
 * and lists the violations only in the sl-violations header (the same
 * array, locations starting with "request"). The header also lists what is
 * wrong with Prism's own mocked answer (location "response"): those are
 * left out. */
json_t *request_violations(llmk_response *resp)
{
	const char *hv = llmk_response_header(resp, "sl-violations"), *raw, *first;
	json_t *out = json_array(), *root = NULL, *body, *x, *c;
	size_t i, len;

	raw = llmk_response_http_status(resp) == 422 ? llmk_response_raw(resp, &len) : NULL;
	body = raw ? json_loadb(raw, len, 0, NULL) : NULL;
	if (json_is_array(json_object_get(body, "validation"))) {
		/* locations here lack the leading "request" */
		json_array_foreach(json_object_get(body, "validation"), i, x)
		{
			c = json_deep_copy(x);
			json_array_insert_new(json_object_get(c, "location"), 0, json_string("request"));
			json_array_append_new(out, c);
		}
	} else if (hv && (root = json_loads(hv, 0, NULL))) {
		json_array_foreach(root, i, x)
		{
			first = json_string_value(json_array_get(json_object_get(x, "location"), 0));
			if (first && !strcmp(first, "request"))
				json_array_append(out, x);
		}
	}
	json_decref(root);
	json_decref(body);
	return out;
}

void violation_text(json_t *x, char *out, size_t sz)
{
	json_t *y;
	size_t j, l;

	out[0] = 0;
	json_array_foreach(json_object_get(x, "location"), j, y)
	{
		l = strlen(out);
		snprintf(out + l, sz - l, "%s%s", j ? "." : "", json_string_value(y));
	}
	l = strlen(out);
	snprintf(out + l, sz - l, ": %s (%s)", json_string_value(json_object_get(x, "message")),
	         json_string_value(json_object_get(x, "severity")));
}

int print_violations(llmk_response *resp)
{
	json_t *v = request_violations(resp), *x;
	char line[2048];
	size_t i;
	int n = (int)json_array_size(v);

	json_array_foreach(v, i, x)
	{
		violation_text(x, line, sizeof(line));
		fprintf(stderr, "  violation: %s\n", line);
	}
	json_decref(v);
	return n;
}

void expect_rejected(const char *what, llmk_status st, llmk_response *resp, const wire *w, const char *field)
{
	size_t i, len;
	const char *raw = llmk_response_raw(resp, &len), *msg;
	char where[1024], named[1024] = "";
	json_t *viol, *x;

	if (llmk_response_http_status(resp) != 422) {
		fprintf(stderr, "%s: HTTP %d, %s: %s\n", what, llmk_response_http_status(resp), llmk_status_name(st),
		        llmk_response_error(resp));
		print_body("sent", w->sent, w->sent_len);
		if (raw)
			print_body("Prism answered", raw, len);
		fail_msg("%s: corrupted body not rejected with 422", what);
	}
	if (st != LLMK_E_BAD_REQUEST) {
		print_body("Prism answered", raw, len);
		fail_msg("%s: HTTP 422 reported as %s (%s), not LLMK_E_BAD_REQUEST", what, llmk_status_name(st),
		         llmk_response_error(resp));
	}
	viol = request_violations(resp);
	if (!json_array_size(viol)) {
		print_body("Prism answered", raw, len);
		fail_msg("%s: 422 without violations in the body or the sl-violations header", what);
	}
	json_array_foreach(viol, i, x)
	{
		violation_text(x, where, sizeof(where));
		msg = json_string_value(json_object_get(x, "message"));
		if (!named[0] && strstr(where, field))
			snprintf(named, sizeof(named), "%s", msg ? msg : where);
		assert_string_equal(json_string_value(json_object_get(x, "severity")), "Error");
	}
	json_decref(viol);
	if (!named[0]) {
		print_violations(resp);
		print_body("Prism answered", raw, len);
		fail_msg("%s: 422, but no violation names %s", what, field);
	}
	fprintf(stderr, "rejected: %s: 422 (%s)\n", what, named);
}

/* ==== the spec: are all members of a body declared? ====================== */

static json_t *cur_spec; /* the spec deref() resolves against */

static json_t *deref(json_t *s)
{
	char tok[256];
	const char *ref, *p, *e;
	int guard = 0;
	size_t i, j;

	while (json_is_object(s) && (ref = json_string_value(json_object_get(s, "$ref")))) {
		if (strncmp(ref, "#/", 2) || guard++ > 64)
			return NULL;
		s = cur_spec;
		for (p = ref + 2; s && *p; p = *e ? e + 1 : e) {
			e = p + strcspn(p, "/");
			for (i = j = 0; p + i < e && j < sizeof(tok) - 1; i++, j++) {
				if (p[i] == '~' && p + i + 1 < e) {
					tok[j] = p[i + 1] == '1' ? '/' : '~';
					i++;
				} else {
					tok[j] = p[i];
				}
			}
			tok[j] = 0;
			s = json_object_get(s, tok);
		}
	}
	return s;
}

json_t *spec_deref(json_t *spec, json_t *s)
{
	cur_spec = spec;
	return deref(s);
}

json_t *request_schema(json_t *spec, json_t *op, const char *ct)
{
	json_t *content, *schema = NULL, *x;
	const char *key;

	content = json_object_get(spec_deref(spec, json_object_get(op, "requestBody")), "content");
	json_object_foreach(content, key, x) if (!strncmp(key, ct, strlen(ct))) schema = json_object_get(x, "schema");
	return schema;
}

static int type_matches(json_t *type, json_t *v)
{
	const char *t = json_string_value(type);
	size_t i;
	json_t *x;

	if (json_is_array(type)) {
		json_array_foreach(type, i, x) if (type_matches(x, v)) return 1;
		return 0;
	}
	if (!t)
		return 1;
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "integer"))
		return json_is_integer(v) ||
		       (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v));
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	return 1;
}

/* Could branch s of an anyOf/oneOf describe v? By type, by const, and by
 * members whose schema admits a single value (discriminators such as
 * "role" or "type"). Looser than validation: only used to pick branches. */
static int compatible(json_t *s, json_t *v)
{
	json_t *props, *p, *x, *one;
	const char *k;
	size_t i;
	int any;

	s = deref(s);
	if (!json_is_object(s))
		return 1;
	if (json_object_get(s, "type") && !type_matches(json_object_get(s, "type"), v))
		return 0;
	if ((one = json_object_get(s, "const")) && !json_equal(one, v))
		return 0;
	json_array_foreach(json_object_get(s, "allOf"), i, x) if (!compatible(x, v)) return 0;
	for (k = "anyOf";; k = "oneOf") {
		if (json_is_array(json_object_get(s, k))) {
			any = 0;
			json_array_foreach(json_object_get(s, k), i, x) any |= compatible(x, v);
			if (!any)
				return 0;
		}
		if (!strcmp(k, "oneOf"))
			break;
	}
	props = json_object_get(s, "properties");
	if (json_is_object(v) && json_is_object(props)) {
		json_object_foreach(props, k, p)
		{
			json_t *have = json_object_get(v, k);
			p = deref(p);
			one = json_object_get(p, "const");
			if (!one && json_array_size(json_object_get(p, "enum")) == 1)
				one = json_array_get(json_object_get(p, "enum"), 0);
			if (have && one && !json_equal(have, one) &&
			    !(json_is_number(have) && json_is_number(one) &&
			      json_number_value(have) == json_number_value(one)))
				return 0;
		}
	}
	return 1;
}

/* Appends to out every schema that applies to v under s: s itself, all of
 * its allOf members, and the anyOf/oneOf branches compatible with v (all
 * branches when none is). */
static void flatten(json_t *s, json_t *v, json_t *out, int depth)
{
	const char *k;
	json_t *x, *alts;
	size_t i;
	int any;

	s = deref(s);
	if (!json_is_object(s) || depth > 64)
		return;
	json_array_append(out, s);
	json_array_foreach(json_object_get(s, "allOf"), i, x) flatten(x, v, out, depth + 1);
	for (k = "anyOf";; k = "oneOf") {
		alts = json_object_get(s, k);
		any = 0;
		json_array_foreach(alts, i, x) if (compatible(x, v)) any = 1;
		json_array_foreach(alts, i, x) if (!any || compatible(x, v)) flatten(x, v, out, depth + 1);
		if (!strcmp(k, "oneOf"))
			break;
	}
}

static void note(char *buf, size_t sz, const char *what)
{
	size_t n = strlen(buf);

	if (!strstr(buf, what))
		snprintf(buf + n, sz - n, " %s", what);
}

/* Is sub, without array indices ("contents[0].parts" -> "contents.parts"),
 * on the newer list (fnmatch patterns)? */
static int is_newer(const check *ck, const char *sub)
{
	char plain[1024];
	size_t i, j;

	if (!ck->newer)
		return 0;
	for (i = j = 0; sub[i] && j < sizeof(plain) - 1; i++) {
		if (sub[i] == '[') {
			while (sub[i] && sub[i] != ']')
				i++;
			if (!sub[i])
				break;
			continue;
		}
		plain[j++] = sub[i];
	}
	plain[j] = 0;
	for (i = 0; ck->newer[i]; i++)
		if (!fnmatch(ck->newer[i], plain, 0))
			return 1;
	return 0;
}

/* Walks value v against the schemas that apply to it (from flatten()):
 * each member of an object must be declared by one of them, unless one of
 * them leaves the object open (additionalProperties not false) or none
 * declares any member (a free-form object). A map (additionalProperties
 * with a schema, such as Gemini's Schema.properties) is walked with that
 * schema for each member. Note: unlike OpenAI's spec, most of the other
 * providers' specs leave additionalProperties unset, which JSON Schema
 * reads as "allowed"; the check treats an object with declared properties
 * and no additionalProperties as closed, since an undeclared member there
 * is what Prism cannot see. */
static void walk(json_t *v, json_t *schemas, const char *path, check *ck)
{
	char sub[1024];
	const char *k;
	json_t *s, *x, *p, *ap, *subs;
	size_t i, j;
	int open = 0, declared = 0;

	if (json_is_object(v)) {
		json_array_foreach(schemas, i, s)
		{
			ap = json_object_get(s, "additionalProperties");
			/* declared members, or a map whose values have a schema */
			if (json_is_object(json_object_get(s, "properties")) ||
			    (json_is_object(ap) && json_object_size(ap)))
				declared = 1;
			if ((ap && !json_is_false(ap)) || json_object_get(s, "patternProperties"))
				open = 1;
		}
		if (!declared)
			return;
		json_object_foreach(v, k, x)
		{
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", k);
			subs = json_array();
			json_array_foreach(schemas, i, s)
			{
				p = json_object_get(json_object_get(s, "properties"), k);
				/* a map: the member's schema is additionalProperties */
				ap = json_object_get(s, "additionalProperties");
				if (!p && json_is_object(ap) && json_object_size(ap))
					p = ap;
				if (!p)
					continue;
				if (json_is_true(json_object_get(p, "deprecated")) ||
				    json_is_true(json_object_get(deref(p), "deprecated")))
					note(ck->notes, sizeof(ck->notes), sub);
				flatten(p, x, subs, 0);
			}
			if (!open)
				ck->checked++;
			if (!json_array_size(subs) && !open) {
				if (is_newer(ck, sub)) {
					note(ck->newer_sent, sizeof(ck->newer_sent), sub);
				} else {
					if (!ck->quiet)
						fprintf(stderr, "  %s: not declared by the spec\n", sub);
					ck->undeclared++;
				}
			} else {
				walk(x, subs, sub, ck);
			}
			json_decref(subs);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, j, x)
		{
			snprintf(sub, sizeof(sub), "%s[%zu]", path, j);
			subs = json_array();
			json_array_foreach(schemas, i, s) if (json_object_get(s, "items"))
			        flatten(json_object_get(s, "items"), x, subs, 0);
			walk(x, subs, sub, ck);
			json_decref(subs);
		}
	}
}

/* Names of the parts of a multipart/form-data body, as an object of
 * name -> null. */
static json_t *multipart_names(const char *body, size_t len)
{
	json_t *o = json_object();
	const char *p = body, *end = body + len, *q;
	static const char key[] = "Content-Disposition: form-data; name=\"";
	char name[256];

	while (p < end && (p = mem_find(p, (size_t)(end - p), key, sizeof(key) - 1))) {
		p += sizeof(key) - 1;
		q = mem_find(p, (size_t)(end - p), "\"", 1);
		if (!q)
			break;
		/* "x[]" and "x[key]" (OpenAI's SDKs' array and object forms) are
		 * members of x. */
		snprintf(name, sizeof(name), "%.*s", (int)(q - p), p);
		name[strcspn(name, "[")] = '\0';
		json_object_set_new(o, name, json_null());
		p = q;
	}
	return o;
}

void check_schema(json_t *spec, json_t *schema, const wire *w, check *ck)
{
	json_t *body, *schemas;

	cur_spec = spec;
	if (!strcmp(wire_ctype(w), "multipart/form-data"))
		body = multipart_names(w->sent, w->sent_len);
	else
		body = json_loadb(w->sent, w->sent_len, 0, NULL);
	assert_non_null(body);
	assert_true(json_object_size(body) > 0);
	schemas = json_array();
	flatten(schema, body, schemas, 0);
	walk(body, schemas, "", ck);
	json_decref(schemas);
	json_decref(body);
}
