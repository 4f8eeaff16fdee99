/* bench/llmk_embed.c - a bulk embedding answer through llmk_send (issue 20):
 * N inputs, the server answers N vectors of D numbers, base64 (the
 * "openai" preset asks for it) or decimal text (the "openai-compatible"
 * preset asks "float"); every component of every vector is checked.
 *
 * Usage: llmk_embed base64|float BASE_URL N D RESPONSES. BASE_URL carries
 * the server's /e<N>x<D>/ prefix. Prints one result line (bench.h): time
 * and CPU per response, peak RSS. */
#include "llmkit.h"

#include "bench.h"

int main(int argc, char **argv)
{
	const char *form = argc > 1 ? argv[1] : "base64", *base = argc > 2 ? argv[2] : "http://127.0.0.1:8080/v1";
	size_t n = argc > 3 ? strtoul(argv[3], NULL, 10) : 2048, dim = argc > 4 ? strtoul(argv[4], NULL, 10) : 1536;
	size_t reps = argc > 5 ? strtoul(argv[5], NULL, 10) : 5, i, k;
	int b64 = !strcmp(form, "base64");
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	double t0, c0, *lat = calloc(reps, sizeof(double));

	if (llmk_client_new(&c, b64 ? "openai/" BENCH_EMBED_MODEL : "openai-compatible/" BENCH_EMBED_MODEL) ||
	    llmk_client_set_str(c, LLMK_OPT_API_KEY, BENCH_KEY) || llmk_client_set_str(c, LLMK_OPT_BASE_URL, base) ||
	    llmk_client_set_i64(c, LLMK_OPT_MAX_RESPONSE_BYTES, 1024LL * 1024 * 1024) ||
	    llmk_request_new(&r, LLMK_EMBED)) {
		fprintf(stderr, "llmk_embed: setup failed\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		char in[32];
		snprintf(in, sizeof(in), "input %zu", i);
		if (llmk_request_add_input(r, in))
			return 1;
	}
	/* k = 0 is a warm-up (connection, the server's cached answer): untimed */
	t0 = c0 = 0;
	for (k = 0; k <= reps; k++) {
		llmk_response *resp = NULL;
		double t;
		if (k == 1) {
			t0 = bench_now_us();
			c0 = bench_cpu_us();
		}
		t = bench_now_us();
		llmk_status st = llmk_send(c, r, &resp);
		if (st || (size_t)llmk_response_embedding_count(resp) != n ||
		    (size_t)llmk_response_embedding_dim(resp) != dim) {
			fprintf(stderr, "llmk_embed: %s %s\n", llmk_status_name(st), llmk_response_error(resp));
			return 1;
		}
		if (k)
			lat[k - 1] = bench_now_us() - t;
		for (i = 0; i < n; i++)
			if (bench_embed_check(llmk_response_embedding(resp, i), i, dim)) {
				fprintf(stderr, "llmk_embed: vector %zu differs from the server's\n", i);
				return 1;
			}
		llmk_response_free(resp);
	}
	/* the check of the values is the caller's work too: it is in the time,
	 * as it is in the other programs */
	bench_report(b64 ? "llmk_embed_base64" : "llmk_embed_float", reps, bench_now_us() - t0, bench_cpu_us() - c0,
	             lat, reps);
	llmk_request_free(r);
	llmk_client_free(c);
	free(lat);
	return 0;
}
