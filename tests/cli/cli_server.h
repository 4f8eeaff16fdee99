/* The loopback server the CLI tests point llmkit at: OpenAI's wire format
 * from the fixtures in tests/data/openai, with behaviour chosen by the model
 * name in the request (see cli_server.c). */
#ifndef TEST_CLI_SERVER_H
#define TEST_CLI_SERVER_H

#include "httpd.h"

#define CLI_KEY "sk-cli-test-k3y-MUST-NEVER-BE-PRINTED-7f3a9c"
/* A password in the base URL (test_canary_cli), and the same as the URL
 * carries it. */
#define CLI_PASS "pw-cli/PASS+word=9f8e7d6c"
#define CLI_PASS_URL "pw-cli%2FPASS%2Bword%3D9f8e7d6c"
/* What /v1/audio/speech answers (an MP3 frame header and a tag; enough for
 * a file comparison). */
#define CLI_AUDIO "ID3\x04\x00\x00\x00\x00\x00\x00\xff\xf3\x44\xc4llmkit-audio"

typedef struct cli_server {
	th_server *srv;
	char url_env[128];  /* OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 */
	const char *env[4]; /* OPENAI_API_KEY, OPENAI_BASE_URL, NULL */
	char dir[64];       /* a scratch directory */
	int fail_first;     /* answer the next chat request with HTTP 500 */
	int slow_release;   /* "slow" model: answer once this is 1 (pty tests) */
	char *stream, *completion, *embeddings, *image, *image_url, *transcription, *transcription_verbose;
	char *transcription_words, *transcription_stream; /* word timestamps; gpt-4o-mini-transcribe streamed */
	char *err429, *err401;
} cli_server;

int cli_server_setup(void **state);
int cli_server_teardown(void **state);

#endif
