/* bench/jansson_sse.c - the floor for stream decoding: the same SSE events
 * the server sends (bench.h), already split, each one's JSON parsed with
 * jansson alone and its delta text appended to a buffer. No HTTP, no SSE
 * framing: what any client must at least spend per event.
 *
 * Usage: jansson_sse NCHUNKS [REPS]. Prints one result line (bench.h). */
#include <jansson.h>

#include "bench.h"

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000, reps = argc > 2 ? strtoul(argv[2], NULL, 10) : 5;
	size_t k = bench_sse_count(n, 1), i, r, acc_len = 0, texts = 0;
	char **ev = calloc(k, sizeof(char *)), *acc = malloc(16 * n + 64);
	size_t *len = calloc(k, sizeof(size_t));
	double t0 = 0, c0 = 0;

	for (i = 0; i < k; i++) {
		ev[i] = malloc(512);
		len[i] = bench_sse_event(ev[i], 512, i == k - 1 ? n + 3 : i, n, 1);
	}
	for (r = 0; r <= reps; r++) {
		if (r == 1) { /* the first pass warms up */
			t0 = bench_now_us();
			c0 = bench_cpu_us();
		}
		acc_len = 0;
		texts = 0;
		for (i = 0; i < k; i++) {
			const char *data = ev[i] + 6; /* "data: " */
			size_t dl = len[i] - 8;       /* and "\n\n" */
			json_t *j, *delta, *content;
			if (dl == 6 && !memcmp(data, "[DONE]", 6))
				continue;
			if (!(j = json_loadb(data, dl, 0, NULL))) {
				fprintf(stderr, "jansson_sse: bad event %zu\n", i);
				return 1;
			}
			delta = json_object_get(json_array_get(json_object_get(j, "choices"), 0), "delta");
			content = json_object_get(delta, "content");
			if (json_is_string(content) && json_string_length(content)) {
				memcpy(acc + acc_len, json_string_value(content), json_string_length(content));
				acc_len += json_string_length(content);
				texts++;
			}
			json_decref(j);
		}
	}
	if (texts != n) {
		fprintf(stderr, "jansson_sse: %zu texts, expected %zu\n", texts, n);
		return 1;
	}
	bench_report("jansson_sse", reps * k, bench_now_us() - t0, bench_cpu_us() - c0, NULL, 0);
	for (i = 0; i < k; i++)
		free(ev[i]);
	free(ev);
	free(len);
	free(acc);
	return 0;
}
