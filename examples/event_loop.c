/* event_loop: many requests from a program that runs its own poll() loop.
 *
 *   event_loop [-m provider/model] [prompt ...]
 *
 * The library never blocks here: the loop asks which descriptors to watch
 * (llmk_multi_fds) and how long it may sleep (llmk_multi_timeout_ms), adds
 * its own descriptor (standard input: press Enter to cancel everything),
 * and calls llmk_multi_perform when something is ready. Answers are
 * printed as they finish. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "llmkit.h"

#define MAX_FDS 256

static int finished;

static void on_done(llmk_response *resp, void *user)
{
	const char *prompt = user;

	finished++;
	if (llmk_response_status(resp) == LLMK_OK)
		printf("[%.0f ms] %s\n  -> %s\n", llmk_response_timing(resp, LLMK_TIMING_TOTAL_MS), prompt,
		       llmk_response_text(resp));
	else
		printf("[%s] %s\n  -> %s\n", llmk_status_name(llmk_response_status(resp)), prompt,
		       llmk_response_error(resp));
	llmk_response_free(resp);
}

int main(int argc, char **argv)
{
	static const char *defaults[] = {"Name a prime number.", "Name a colour.", "Name a planet."};
	const char *model = "openai/gpt-5-mini";
	const char *prompts[64];
	llmk_request *reqs[64];
	size_t n = 0, i;
	llmk_client *c;
	llmk_multi *m;
	llmk_cancel *cancel;
	int32_t running = 1, fds[MAX_FDS], events[MAX_FDS];
	struct pollfd pf[MAX_FDS + 1];
	int a, watch_stdin = 1;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-m") && a + 1 < argc)
			model = argv[++a];
		else if (n < 64)
			prompts[n++] = argv[a];
	}
	for (i = 0; !n && i < 3; i++)
		prompts[i] = defaults[i];
	if (!n)
		n = 3;
	if (llmk_client_new(&c, model) != LLMK_OK) {
		fprintf(stderr, "event_loop: unknown model %s\n", model);
		return 2;
	}
	llmk_multi_new(&m);
	llmk_cancel_new(&cancel);
	for (i = 0; i < n; i++) {
		llmk_request_new(&reqs[i], LLMK_CHAT);
		llmk_request_add_message(reqs[i], LLMK_ROLE_USER, prompts[i]);
		llmk_request_set_cancel(reqs[i], cancel);
		llmk_multi_add(m, c, reqs[i], NULL, on_done, (void *)prompts[i]);
	}

	while (running) {
		size_t nfds, k;
		int64_t wait;

		llmk_multi_perform(m, &running);
		if (!running)
			break;
		nfds = llmk_multi_fds(m, fds, events, MAX_FDS);
		if (nfds > MAX_FDS)
			nfds = MAX_FDS; /* the rest are served at the next turn */
		for (k = 0; k < nfds; k++) {
			pf[k].fd = fds[k];
			pf[k].events = (short)(((events[k] & LLMK_POLL_IN) ? POLLIN : 0) |
			                       ((events[k] & LLMK_POLL_OUT) ? POLLOUT : 0));
		}
		pf[nfds].fd = watch_stdin ? STDIN_FILENO : -1; /* the program's own business */
		pf[nfds].events = POLLIN;
		pf[nfds].revents = 0;
		wait = llmk_multi_timeout_ms(m);
		if (poll(pf, nfds + 1, wait < 0 || wait > 1000 ? 1000 : (int)wait) > 0 && (pf[nfds].revents & POLLIN)) {
			char line[64];
			if (fgets(line, sizeof(line), stdin)) {
				fprintf(stderr, "cancelling %d request(s)\n", running);
				llmk_cancel_trigger(cancel);
			} else {
				watch_stdin = 0; /* end of input: nothing more to watch there */
			}
		}
	}
	fprintf(stderr, "%d of %zu finished\n", finished, n);
	for (i = 0; i < n; i++)
		llmk_request_free(reqs[i]);
	llmk_multi_free(m);
	llmk_cancel_free(cancel);
	llmk_client_free(c);
	return 0;
}
