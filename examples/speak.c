/* speak: text to speech.   speak [-m provider/model] "text" out.mp3  */
#include <stdio.h>
#include <string.h>

#include "llmkit.h"

int main(int argc, char **argv)
{
	const char *model = "openai/gpt-4o-mini-tts";
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	llmk_status st;
	const uint8_t *audio;
	size_t len;
	FILE *f;
	int a = 1;

	if (argc > 2 && !strcmp(argv[1], "-m"))
		model = argv[2], a = 3;
	if (argc - a < 2) {
		fprintf(stderr, "usage: speak [-m provider/model] TEXT OUT.mp3\n");
		return 2;
	}
	if ((st = llmk_client_new(&c, model))) {
		fprintf(stderr, "%s: %s\n", model, llmk_strerror(st));
		return 1;
	}
	llmk_request_new(&r, LLMK_SPEECH);
	llmk_request_set_str(r, LLMK_OPT_INPUT, argv[a]);
	llmk_request_set_str(r, LLMK_OPT_VOICE, "alloy");
	st = llmk_send(c, r, &resp);
	if (st) {
		fprintf(stderr, "error: %s\n", llmk_response_error(resp));
	} else {
		audio = llmk_response_audio(resp, &len);
		if (!(f = fopen(argv[a + 1], "wb")) || fwrite(audio, 1, len, f) != len) {
			perror(argv[a + 1]);
			st = LLMK_E_INVALID_ARG;
		} else {
			printf("wrote %zu bytes of %s to %s\n", len, llmk_response_audio_mime(resp), argv[a + 1]);
		}
		if (f)
			fclose(f);
	}
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	return st ? 1 : 0;
}
