/* embed: vectors for each argument, and their cosine similarity.
 *   embed [-m provider/model] text...  */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "llmkit.h"

int main(int argc, char **argv)
{
	const char *model = "openai/text-embedding-3-small";
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	llmk_status st;
	size_t i, j, n, dim;
	int a = 1;

	if (argc > 2 && !strcmp(argv[1], "-m"))
		model = argv[2], a = 3;
	if ((st = llmk_client_new(&c, model))) {
		fprintf(stderr, "%s: %s\n", model, llmk_strerror(st));
		return 1;
	}
	llmk_request_new(&r, LLMK_EMBED);
	if (a >= argc) {
		llmk_request_add_input(r, "The cat sat on the mat.");
		llmk_request_add_input(r, "A kitten rested on the rug.");
	}
	for (; a < argc; a++)
		llmk_request_add_input(r, argv[a]);
	st = llmk_send(c, r, &resp);
	if (st) {
		fprintf(stderr, "error: %s\n", llmk_response_error(resp));
	} else {
		n = llmk_response_embedding_count(resp);
		dim = llmk_response_embedding_dim(resp);
		printf("%zu vectors of %zu dimensions\n", n, dim);
		for (i = 1; i < n; i++) {
			const float *x = llmk_response_embedding(resp, 0), *y = llmk_response_embedding(resp, i);
			double dot = 0, nx = 0, ny = 0;
			for (j = 0; j < dim; j++)
				dot += x[j] * y[j], nx += x[j] * x[j], ny += y[j] * y[j];
			printf("cosine(0, %zu) = %.4f\n", i, dot / (sqrt(nx) * sqrt(ny)));
		}
	}
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	return st ? 1 : 0;
}
