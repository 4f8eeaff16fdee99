/* Links libllmkit from the subproject and checks what it links: the header
 * and the library agree with the version meson's dependency() reported,
 * and a request can be built and described without any network. */
#include <stdio.h>
#include <string.h>

#include <llmkit.h>

int main(void)
{
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	int bad = 0;

	if (strcmp(llmk_version(), EXPECT_VERSION) != 0 || strcmp(LLMK_VERSION_STRING, EXPECT_VERSION) != 0) {
		fprintf(stderr, "version: library %s, header %s, dependency() %s\n", llmk_version(),
		        LLMK_VERSION_STRING, EXPECT_VERSION);
		bad = 1;
	}
	if (llmk_client_new(&c, "openai/gpt-4o-mini") != LLMK_OK || llmk_request_new(&r, LLMK_CHAT) != LLMK_OK ||
	    llmk_request_add_message(r, LLMK_ROLE_USER, "hello") != LLMK_OK) {
		fprintf(stderr, "cannot build a client and a request\n");
		bad = 1;
	}
	llmk_request_free(r);
	llmk_client_free(c);
	printf("libllmkit %s from the subproject: %s\n", llmk_version(), bad ? "FAIL" : "ok");
	return bad;
}
