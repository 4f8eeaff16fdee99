/* transcribe: speech to text.   transcribe [-m provider/model] audio.wav  */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmkit.h"

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	const char *model = "openai/whisper-1", *path, *name;
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	llmk_status st;
	unsigned char *audio;
	size_t len;
	int a = 1;

	if (argc > 2 && !strcmp(argv[1], "-m"))
		model = argv[2], a = 3;
	if (a >= argc) {
		fprintf(stderr, "usage: transcribe [-m provider/model] AUDIO_FILE\n");
		return 2;
	}
	path = argv[a];
	if (!(audio = slurp(path, &len))) {
		perror(path);
		return 1;
	}
	name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if ((st = llmk_client_new(&c, model))) {
		fprintf(stderr, "%s: %s\n", model, llmk_strerror(st));
		free(audio);
		return 1;
	}
	llmk_request_new(&r, LLMK_TRANSCRIBE);
	llmk_request_set_audio(r, audio, len, name, NULL);
	free(audio);
	st = llmk_send(c, r, &resp);
	if (st)
		fprintf(stderr, "error: %s\n", llmk_response_error(resp));
	else
		printf("%s\n", llmk_response_text(resp));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	return st ? 1 : 0;
}
