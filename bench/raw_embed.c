/* bench/raw_embed.c - the baseline for a bulk embedding answer: what a
 * careful C programmer writes with libcurl and jansson. The request asks
 * "encoding_format":"float" (jansson has no base64 decoder: a programmer
 * writing this by hand asks for numbers), the answer is parsed with
 * json_loadb, and every vector copied into one contiguous float array (as
 * llmk_response_embedding() gives), rows in "index" order, then checked.
 *
 * Usage: raw_embed BASE_URL N D RESPONSES (BASE_URL with the /e<N>x<D>/
 * prefix). Prints one result line (bench.h). */
#include <curl/curl.h>
#include <jansson.h>

#include "bench.h"

typedef struct sink {
	char *d;
	size_t len, cap;
} sink;

static size_t on_write(char *d, size_t s, size_t n, void *u)
{
	sink *x = u;
	size_t len = s * n;

	if (x->len + len + 1 > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 65536;
		char *p;
		while (cap < x->len + len + 1)
			cap *= 2;
		if (!(p = realloc(x->d, cap)))
			return 0;
		x->d = p;
		x->cap = cap;
	}
	memcpy(x->d + x->len, d, len);
	x->len += len;
	return len;
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "http://127.0.0.1:8080/v1";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 2048, dim = argc > 3 ? strtoul(argv[3], NULL, 10) : 1536;
	size_t reps = argc > 4 ? strtoul(argv[4], NULL, 10) : 5, i, j, k;
	struct curl_slist *hdrs = NULL;
	double t0, c0, *lat = calloc(reps, sizeof(double));
	char url[512], *body;
	json_t *req, *inputs;
	sink in = {NULL, 0, 0};
	CURL *h;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	snprintf(url, sizeof(url), "%s/embeddings", base);
	hdrs = curl_slist_append(hdrs, "Authorization: Bearer " BENCH_KEY);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	inputs = json_array();
	for (i = 0; i < n; i++) {
		char s[32];
		snprintf(s, sizeof(s), "input %zu", i);
		json_array_append_new(inputs, json_string(s));
	}
	req = json_pack("{s:s,s:o,s:s}", "model", BENCH_EMBED_MODEL, "input", inputs, "encoding_format", "float");
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &in);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* k = 0 is a warm-up (connection, the server's cached answer): untimed */
	t0 = c0 = 0;
	for (k = 0; k <= reps; k++) {
		double t;
		if (k == 1) {
			t0 = bench_now_us();
			c0 = bench_cpu_us();
		}
		t = bench_now_us();
		long code = 0;
		json_t *root, *data, *item;
		float *emb;
		in.len = 0;
		if (curl_easy_perform(h) != CURLE_OK || curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) ||
		    code != 200) {
			fprintf(stderr, "raw_embed: request failed (HTTP %ld)\n", code);
			return 1;
		}
		root = json_loadb(in.d, in.len, 0, NULL);
		data = json_object_get(root, "data");
		if (json_array_size(data) != n || !(emb = malloc(n * dim * sizeof(float)))) {
			fprintf(stderr, "raw_embed: wrong answer\n");
			return 1;
		}
		json_array_foreach(data, i, item)
		{
			json_t *vec = json_object_get(item, "embedding"), *x;
			size_t idx = (size_t)json_integer_value(json_object_get(item, "index"));
			if (idx >= n || json_array_size(vec) != dim) {
				fprintf(stderr, "raw_embed: wrong vector %zu\n", i);
				return 1;
			}
			json_array_foreach(vec, j, x) emb[idx * dim + j] = (float)json_number_value(x);
		}
		json_decref(root);
		if (k)
			lat[k - 1] = bench_now_us() - t;
		for (i = 0; i < n; i++)
			if (bench_embed_check(emb + i * dim, i, dim)) {
				fprintf(stderr, "raw_embed: vector %zu differs from the server's\n", i);
				return 1;
			}
		free(emb);
	}
	bench_report("raw_embed", reps, bench_now_us() - t0, bench_cpu_us() - c0, lat, reps);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	free(body);
	free(in.d);
	free(lat);
	return 0;
}
