/* llmkit_hello: the library's version and features, then one question.
 *
 *   llmkit_hello [provider/model] [prompt]
 *
 * Without arguments it only prints the version (the CMake example builds
 * and runs anywhere); the key and base URL come from the provider's
 * environment variables (OPENAI_API_KEY, OPENAI_BASE_URL, ...). */
#include <stdio.h>

#include <llmkit.h>

int main(int argc, char **argv)
{
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	llmk_status st;

	printf("libllmkit %s (header %s), features 0x%llx\n", llmk_version(), LLMK_VERSION_STRING,
	       (unsigned long long)llmk_features());
	if (argc < 2)
		return 0;
	st = llmk_client_new(&c, argv[1]);
	if (st != LLMK_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], llmk_strerror(st));
		return 1;
	}
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_add_message(r, LLMK_ROLE_USER, argc > 2 ? argv[2] : "Say hello.");
	st = llmk_send(c, r, &resp);
	if (st == LLMK_OK)
		printf("%s\n", llmk_response_text(resp));
	else
		fprintf(stderr, "error: %s\n", llmk_response_error(resp));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	return st == LLMK_OK ? 0 : 1;
}
