/* bench/raw_multi.c - the baseline for many requests on one thread: a
 * libcurl multi handle keeping K transfers in flight (one easy handle and
 * connection each), bodies built and answers parsed with jansson as in
 * raw_curl.c.
 *
 * Usage: raw_multi BASE_URL N K. Prints one result line (bench.h). */
#include <curl/curl.h>
#include <jansson.h>

#include "bench.h"

typedef struct slot {
	CURL *h;
	char *body;
	char *in;
	size_t len, cap;
	double t;
} slot;

static size_t on_write(char *d, size_t s, size_t n, void *u)
{
	slot *x = u;
	size_t len = s * n;

	if (x->len + len + 1 > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 4096;
		char *p;
		while (cap < x->len + len + 1)
			cap *= 2;
		if (!(p = realloc(x->in, cap)))
			return 0;
		x->in = p;
		x->cap = cap;
	}
	memcpy(x->in + x->len, d, len);
	x->len += len;
	return len;
}

static int start(CURLM *m, slot *x)
{
	json_t *req = json_pack("{s:s,s:[{s:s,s:s}]}", "model", BENCH_MODEL, "messages", "role", "user", "content",
	                        BENCH_PROMPT);

	free(x->body);
	x->body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!x->body)
		return -1;
	x->len = 0;
	x->t = bench_now_us();
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE, (long)strlen(x->body));
	return curl_multi_add_handle(m, x->h) == CURLM_OK ? 0 : -1;
}

static int finish(slot *x)
{
	json_t *resp = json_loadb(x->in, x->len, 0, NULL), *choice, *msg;
	char *text = NULL;
	int ok;

	choice = json_array_get(json_object_get(resp, "choices"), 0);
	msg = json_object_get(choice, "message");
	ok = json_is_string(json_object_get(msg, "content")) &&
	     json_integer_value(json_object_get(json_object_get(resp, "usage"), "completion_tokens")) == 10;
	if (ok)
		text = strdup(json_string_value(json_object_get(msg, "content")));
	ok = ok && text && !strcmp(text, BENCH_CHAT_CONTENT);
	free(text);
	json_decref(resp);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "http://127.0.0.1:8080/v1";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000, k = argc > 3 ? strtoul(argv[3], NULL, 10) : 64;
	size_t started = 0, done = 0, i;
	struct curl_slist *hdrs = NULL;
	double *lat = calloc(n, sizeof(double)), t0, c0;
	slot *s;
	char url[512];
	CURLM *m;
	int running;

	if (k > n)
		k = n;
	s = calloc(k, sizeof(*s));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	/* HTTP/2 streams on one connection when the server offers it (libcurl's
	 * default since 7.62, said explicitly) */
	curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	snprintf(url, sizeof(url), "%s/chat/completions", base);
	hdrs = curl_slist_append(hdrs, "Authorization: Bearer " BENCH_KEY);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	t0 = bench_now_us();
	c0 = bench_cpu_us();
	for (i = 0; i < k; i++) {
		s[i].h = curl_easy_init();
		curl_easy_setopt(s[i].h, CURLOPT_URL, url);
		curl_easy_setopt(s[i].h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(s[i].h, CURLOPT_WRITEFUNCTION, on_write);
		curl_easy_setopt(s[i].h, CURLOPT_WRITEDATA, &s[i]);
		curl_easy_setopt(s[i].h, CURLOPT_PRIVATE, &s[i]);
		curl_easy_setopt(s[i].h, CURLOPT_NOSIGNAL, 1L);
		bench_curl_tls(s[i].h, url);
		if (start(m, &s[i]))
			return 1;
		started++;
	}
	while (done < n) {
		CURLMsg *msg;
		int left;
		if (curl_multi_perform(m, &running) != CURLM_OK)
			return 1;
		while ((msg = curl_multi_info_read(m, &left))) {
			slot *x;
			long code = 0;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
			if (msg->data.result != CURLE_OK || code != 200 || finish(x)) {
				fprintf(stderr, "raw_multi: request failed (%s, HTTP %ld)\n",
				        curl_easy_strerror(msg->data.result), code);
				return 1;
			}
			curl_multi_remove_handle(m, x->h);
			lat[done++] = bench_now_us() - x->t;
			if (started < n) {
				if (start(m, x))
					return 1;
				started++;
			}
		}
		if (done < n && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
			return 1;
	}
	bench_report("raw_multi", n, bench_now_us() - t0, bench_cpu_us() - c0, lat, n);
	for (i = 0; i < k; i++) {
		curl_easy_cleanup(s[i].h);
		free(s[i].body);
		free(s[i].in);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	free(s);
	free(lat);
	return 0;
}
