/* bench/raw_curl.c - the baseline a careful C programmer writes by hand:
 * one libcurl easy handle kept alive, the body built with jansson, the
 * answer parsed with jansson (text, finish reason, token counts copied out
 * as a response object would hold them).
 *
 * Usage: raw_curl BASE_URL N [WARMUP]   N sequential chat requests
 *        raw_curl BASE_URL 1 0          one-shot (start-up and RSS)
 *        raw_curl --stream BASE_URL     one streamed chat: lines split by
 *                                       hand, each data: JSON parsed with jansson
 * Prints one result line (bench.h); per SSE event for --stream. */
#include <curl/curl.h>
#include <jansson.h>

#include "bench.h"

typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

static size_t on_write(char *d, size_t s, size_t n, void *u)
{
	buf *b = u;
	size_t len = s * n;

	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *p;
		while (cap < b->len + len + 1)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

typedef struct answer {
	char *text, *finish, *model;
	long long in, out;
} answer;

static int one(CURL *h, buf *b, answer *a)
{
	json_t *req, *resp, *msg, *choice, *usage;
	char *body;
	long code = 0;
	int rc = -1;

	req = json_pack("{s:s,s:[{s:s,s:s}]}", "model", BENCH_MODEL, "messages", "role", "user", "content",
	                BENCH_PROMPT);
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!body)
		return -1;
	b->len = 0;
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	if (curl_easy_perform(h) == CURLE_OK && curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK &&
	    code == 200 && (resp = json_loadb(b->p, b->len, 0, NULL))) {
		choice = json_array_get(json_object_get(resp, "choices"), 0);
		msg = json_object_get(choice, "message");
		usage = json_object_get(resp, "usage");
		if (json_is_string(json_object_get(msg, "content"))) {
			a->text = strdup(json_string_value(json_object_get(msg, "content")));
			a->finish = strdup(json_string_value(json_object_get(choice, "finish_reason")));
			a->model = strdup(json_string_value(json_object_get(resp, "model")));
			a->in = json_integer_value(json_object_get(usage, "prompt_tokens"));
			a->out = json_integer_value(json_object_get(usage, "completion_tokens"));
			rc = 0;
		}
		json_decref(resp);
	}
	free(body);
	return rc;
}

/* The hand-written SSE client: cut lines as they complete, parse each
 * "data: " line's JSON, append the delta text. Keeps an incomplete line
 * for the next write (so 1-byte writes cost a copy of one byte each). */
typedef struct sse {
	buf line, text;
	size_t events;
	int failed;
} sse;

static void sse_line(sse *s, const char *l, size_t n)
{
	json_t *j, *content;

	if (n < 6 || memcmp(l, "data: ", 6))
		return;
	s->events++;
	if (n == 12 && !memcmp(l + 6, "[DONE]", 6))
		return;
	if (!(j = json_loadb(l + 6, n - 6, 0, NULL))) {
		s->failed = 1;
		return;
	}
	content =
	        json_object_get(json_object_get(json_array_get(json_object_get(j, "choices"), 0), "delta"), "content");
	if (json_is_string(content))
		on_write((char *)json_string_value(content), 1, json_string_length(content), &s->text);
	json_decref(j);
}

static size_t on_stream(char *d, size_t size, size_t n, void *u)
{
	sse *s = u;
	size_t len = size * n, i, start = 0;

	for (i = 0; i < len; i++) {
		if (d[i] != '\n')
			continue;
		if (s->line.len) {
			on_write(d + start, 1, i - start, &s->line);
			sse_line(s, s->line.p, s->line.len);
			s->line.len = 0;
		} else {
			sse_line(s, d + start, i - start);
		}
		start = i + 1;
	}
	if (start < len)
		on_write(d + start, 1, len - start, &s->line);
	return len;
}

static int stream(const char *base)
{
	char url[512];
	struct curl_slist *hdrs = NULL;
	json_t *req;
	char *body;
	sse s;
	double t0, c0;
	long code = 0;
	CURL *h;

	memset(&s, 0, sizeof(s));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	snprintf(url, sizeof(url), "%s/chat/completions", base);
	hdrs = curl_slist_append(hdrs, "Authorization: Bearer " BENCH_KEY);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	t0 = bench_now_us();
	c0 = bench_cpu_us();
	req = json_pack("{s:s,s:[{s:s,s:s}],s:b,s:{s:b}}", "model", BENCH_MODEL, "messages", "role", "user", "content",
	                BENCH_PROMPT, "stream", 1, "stream_options", "include_usage", 1);
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	bench_curl_tls(h, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(h) != CURLE_OK || curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) || code != 200 ||
	    s.failed || !s.text.len) {
		fprintf(stderr, "raw_curl: stream failed\n");
		return 1;
	}
	bench_report("raw_curl_stream", s.events, bench_now_us() - t0, bench_cpu_us() - c0, NULL, 0);
	free(body);
	free(s.line.p);
	free(s.text.p);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "http://127.0.0.1:8080/v1";
	size_t n, warm, i;
	char url[512];
	struct curl_slist *hdrs = NULL;
	double *lat, t0 = 0, c0 = 0, t;
	buf b = {0};
	CURL *h;

	if (argc > 2 && !strcmp(argv[1], "--stream"))
		return stream(argv[2]);
	n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	warm = argc > 3 ? strtoul(argv[3], NULL, 10) : 50;
	lat = calloc(n ? n : 1, sizeof(double));

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	snprintf(url, sizeof(url), "%s/chat/completions", base);
	hdrs = curl_slist_append(hdrs, "Authorization: Bearer " BENCH_KEY);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	bench_curl_tls(h, url);
	for (i = 0; i < warm + n; i++) {
		answer a = {0};
		if (i == warm) {
			t0 = bench_now_us();
			c0 = bench_cpu_us();
		}
		t = bench_now_us();
		if (one(h, &b, &a) || strcmp(a.text, BENCH_CHAT_CONTENT) || a.out != 10) {
			fprintf(stderr, "raw_curl: request %zu failed\n", i);
			return 1;
		}
		if (i >= warm)
			lat[i - warm] = bench_now_us() - t;
		free(a.text);
		free(a.finish);
		free(a.model);
	}
	if (!n) {
		t0 = bench_now_us();
		c0 = bench_cpu_us();
	}
	bench_report("raw_curl", n, bench_now_us() - t0, bench_cpu_us() - c0, lat, n);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	free(b.p);
	free(lat);
	return 0;
}
