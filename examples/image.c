/* image: generate an image and write it to a file.
 *   image [-m provider/model] prompt out.png  */
#include <stdio.h>
#include <string.h>

#include "llmkit.h"

int main(int argc, char **argv)
{
	const char *model = "openai/gpt-image-1";
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	llmk_status st;
	const uint8_t *data;
	size_t len;
	int a = 1;
	FILE *f;

	if (argc > 2 && !strcmp(argv[1], "-m"))
		model = argv[2], a = 3;
	if (argc - a < 2) {
		fprintf(stderr, "usage: image [-m provider/model] PROMPT OUT.png\n");
		return 2;
	}
	if ((st = llmk_client_new(&c, model))) {
		fprintf(stderr, "%s: %s\n", model, llmk_strerror(st));
		return 1;
	}
	llmk_request_new(&r, LLMK_IMAGE);
	llmk_request_set_str(r, LLMK_OPT_PROMPT, argv[a]);
	llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, "1024x1024");
	st = llmk_send(c, r, &resp);
	if (st) {
		fprintf(stderr, "error: %s\n", llmk_response_error(resp));
	} else if ((data = llmk_response_image_data(resp, 0, &len))) {
		if (!(f = fopen(argv[a + 1], "wb")) || fwrite(data, 1, len, f) != len) {
			perror(argv[a + 1]);
			st = LLMK_E_INVALID_ARG;
		} else {
			printf("wrote %zu bytes to %s\n", len, argv[a + 1]);
		}
		if (f)
			fclose(f);
	} else {
		printf("image URL: %s\n", llmk_response_image_url(resp, 0));
	}
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	return st ? 1 : 0;
}
