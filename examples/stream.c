/* stream: print the answer as it arrives.   stream [-m provider/model] prompt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmkit.h"

static int32_t on_event(const llmk_event *ev, void *user)
{
	(void)user;
	if (llmk_event_type(ev) == LLMK_EVENT_TEXT) {
		fwrite(llmk_event_text(ev), 1, llmk_event_text_len(ev), stdout);
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *model = "openai/gpt-4o-mini";
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp;
	llmk_status st;
	int a = 1;

	if (argc > 2 && !strcmp(argv[1], "-m"))
		model = argv[2], a = 3;
	if ((st = llmk_client_new(&c, model))) {
		fprintf(stderr, "%s: %s\n", model, llmk_strerror(st));
		return 1;
	}
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_add_message(r, LLMK_ROLE_USER, a < argc ? argv[a] : "Count from one to five.");
	st = llmk_stream(c, r, on_event, NULL, &resp);
	printf("\n");
	if (st)
		fprintf(stderr, "error: %s\n", llmk_response_error(resp));
	else
		fprintf(stderr, "[finish: %s, %lld tokens out, first token after %.0f ms]\n",
		        llmk_response_finish_reason(resp), (long long)llmk_response_usage(resp, LLMK_USAGE_OUTPUT),
		        llmk_response_timing(resp, LLMK_TIMING_FIRST_TOKEN_MS));
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	return st ? 1 : 0;
}
