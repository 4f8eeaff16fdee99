/* rerank: the retrieval step of RAG -- rank passages by relevance to a
 * question, keep the best, and count what the prompt built from them costs
 * before sending it.
 *   rerank [-m provider/model] [-c chat-provider/model] question passage...
 * e.g. rerank -m cohere/rerank-v3.5 -c anthropic/claude-haiku-4-5 "..." ... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmkit.h"

int main(int argc, char **argv)
{
	const char *model = "cohere/rerank-v3.5", *chat = NULL;
	llmk_client *c = NULL, *cc = NULL;
	llmk_request *r = NULL, *q = NULL;
	llmk_response *resp = NULL;
	llmk_status st;
	int64_t tokens;
	size_t i, n;
	int a = 1;

	while (a + 1 < argc && argv[a][0] == '-') {
		if (!strcmp(argv[a], "-m"))
			model = argv[a + 1];
		else if (!strcmp(argv[a], "-c"))
			chat = argv[a + 1];
		else
			break;
		a += 2;
	}
	if (argc - a < 2) {
		fprintf(stderr, "usage: rerank [-m model] [-c chat-model] question passage...\n");
		return 2;
	}
	if ((st = llmk_client_new(&c, model))) {
		fprintf(stderr, "%s: %s\n", model, llmk_strerror(st));
		return 1;
	}
	llmk_request_new(&r, LLMK_RERANK);
	llmk_request_set_str(r, LLMK_OPT_QUERY, argv[a]);
	for (i = (size_t)a + 1; i < (size_t)argc; i++)
		llmk_request_add_input(r, argv[i]);
	n = (size_t)argc - (size_t)a - 1;
	llmk_request_set_i64(r, LLMK_OPT_TOP_N, n < 3 ? (int64_t)n : 3);
	if ((st = llmk_send(c, r, &resp))) {
		fprintf(stderr, "error: %s\n", llmk_response_error(resp));
		goto out;
	}
	for (i = 0; i < llmk_response_rank_count(resp); i++)
		printf("%.4f  [%lld] %s\n", llmk_response_rank_score(resp, i),
		       (long long)llmk_response_rank_index(resp, i), llmk_response_rank_document(resp, i));
	/* The prompt a RAG answer would send: the best passages, then the
	 * question. Its cost, counted by the chat model's provider. */
	if (chat && !(st = llmk_client_new(&cc, chat))) {
		llmk_response *count = NULL;
		llmk_request_new(&q, LLMK_CHAT);
		llmk_request_add_message(q, LLMK_ROLE_SYSTEM, "Answer from these passages only.");
		for (i = 0; i < llmk_response_rank_count(resp); i++)
			llmk_request_add_message(q, LLMK_ROLE_USER, llmk_response_rank_document(resp, i));
		llmk_request_add_message(q, LLMK_ROLE_USER, argv[a]);
		if ((st = llmk_count_tokens(cc, q, &tokens, &count)))
			fprintf(stderr, "count: %s\n", llmk_response_error(count));
		else
			printf("the prompt is %lld input tokens for %s\n", (long long)tokens, chat);
		llmk_response_free(count);
	}
out:
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_request_free(q);
	llmk_client_free(c);
	llmk_client_free(cc);
	return st ? 1 : 0;
}
