/* custom_provider: plug an engine the program already has into libllmkit.
 *
 * Registers a provider named "wordy" whose "model" answers chat requests by
 * reporting word counts and computes bag-of-letters embeddings, then uses it
 * through the same calls as any hosted service: llmk_send(), llmk_stream(),
 * embeddings, capability queries. Nothing here touches the network.
 *
 *   build/examples/custom_provider
 *
 * Exits 0 when every answer is the one expected, 1 otherwise. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "llmkit.h"

/* ---- the "engine" -------------------------------------------------------- */

static int count_words(const char *s)
{
	int n = 0, in = 0;

	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

static int32_t wordy_send(void *user, const llmk_request *req, const char *model, llmk_reply *reply)
{
	size_t last, i;
	const char *text;
	char buf[128];
	int words;

	(void)user;
	(void)model;
	if (llmk_request_kind(req) == LLMK_EMBED) {
		for (i = 0; i < llmk_request_input_count(req); i++) {
			float v[26] = {0};
			for (text = llmk_request_input(req, i); *text; text++)
				if (isalpha((unsigned char)*text))
					v[tolower((unsigned char)*text) - 'a'] += 1.0f;
			if (llmk_reply_embedding(reply, v, 26))
				return LLMK_E_NOMEM;
		}
		return LLMK_OK;
	}
	last = llmk_request_message_count(req);
	if (!last)
		return llmk_reply_error(reply, LLMK_E_INVALID_ARG, "no messages");
	text = llmk_request_part_text(req, last - 1, 0);
	if (!text)
		return llmk_reply_error(reply, LLMK_E_INVALID_ARG, "the last message has no text");
	words = count_words(text);
	/* Streamed callers see each piece as it is produced. */
	snprintf(buf, sizeof(buf), "%d", words);
	if (llmk_reply_text(reply, "You wrote ", 10) || llmk_reply_text(reply, buf, strlen(buf)) ||
	    llmk_reply_text(reply, words == 1 ? " word." : " words.", words == 1 ? 6 : 7))
		return LLMK_E_CANCELLED; /* the caller stopped */
	llmk_reply_usage(reply, LLMK_USAGE_INPUT, words);
	llmk_reply_usage(reply, LLMK_USAGE_OUTPUT, 3);
	return llmk_reply_finish(reply, "stop");
}

/* ---- using it ------------------------------------------------------------- */

static int32_t print_event(const llmk_event *ev, void *user)
{
	int *n = user;

	if (llmk_event_type(ev) == LLMK_EVENT_TEXT) {
		printf("[%.*s]", (int)llmk_event_text_len(ev), llmk_event_text(ev));
		(*n)++;
	}
	return 0;
}

static int expect(int ok, const char *what)
{
	if (!ok)
		fprintf(stderr, "custom_provider: unexpected %s\n", what);
	return ok ? 0 : 1;
}

int main(void)
{
	llmk_provider_table table;
	llmk_client *client = NULL;
	llmk_request *req = NULL;
	llmk_response *resp = NULL;
	int bad = 0, events = 0;
	llmk_status st;

	llmk_provider_table_init(&table);
	table.send = wordy_send;
	table.kinds = (1u << LLMK_CHAT) | (1u << LLMK_EMBED);
	table.chat_capabilities = LLMK_CAP_STREAM;
	st = llmk_provider_register("wordy", &table, NULL);
	if (st != LLMK_OK) {
		fprintf(stderr, "register: %s\n", llmk_strerror(st));
		return 1;
	}
	printf("wordy serves chat: %s, tools: %s\n",
	       llmk_provider_capabilities("wordy", LLMK_CHAT) & LLMK_CAP_KIND ? "yes" : "no",
	       llmk_provider_capabilities("wordy", LLMK_CHAT) & LLMK_CAP_TOOLS ? "yes" : "no");

	if (llmk_client_new(&client, "wordy/v1") != LLMK_OK || llmk_request_new(&req, LLMK_CHAT) != LLMK_OK ||
	    llmk_request_add_message(req, LLMK_ROLE_USER, "How many words are in this sentence?") != LLMK_OK) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}

	st = llmk_send(client, req, &resp);
	printf("send:   %s (%s, %lld tokens)\n", st == LLMK_OK ? llmk_response_text(resp) : llmk_response_error(resp),
	       llmk_response_finish_reason(resp), (long long)llmk_response_usage(resp, LLMK_USAGE_TOTAL));
	bad |= expect(st == LLMK_OK && !strcmp(llmk_response_text(resp), "You wrote 7 words."), "send answer");
	bad |= expect(llmk_response_usage(resp, LLMK_USAGE_TOTAL) == 10, "usage");
	llmk_response_free(resp);

	printf("stream: ");
	st = llmk_stream(client, req, print_event, &events, &resp);
	printf("\n");
	bad |= expect(st == LLMK_OK && events == 3 && !strcmp(llmk_response_text(resp), "You wrote 7 words."),
	              "stream answer");
	llmk_response_free(resp);
	llmk_request_free(req);

	/* Tools were not declared: refused before the engine runs. */
	llmk_request_new(&req, LLMK_CHAT);
	llmk_request_add_message(req, LLMK_ROLE_USER, "call a tool");
	llmk_request_add_tool(req, "lookup", "looks things up", NULL);
	st = llmk_send(client, req, &resp);
	printf("tools:  %s\n", llmk_response_error(resp));
	bad |= expect(st == LLMK_E_UNSUPPORTED, "status for tools");
	llmk_response_free(resp);
	llmk_request_free(req);

	llmk_request_new(&req, LLMK_EMBED);
	llmk_request_add_input(req, "abba");
	llmk_request_add_input(req, "cab");
	st = llmk_send(client, req, &resp);
	if (st == LLMK_OK)
		printf("embed:  %zu vectors of %zu; a=%.0f b=%.0f in \"abba\"\n", llmk_response_embedding_count(resp),
		       llmk_response_embedding_dim(resp), llmk_response_embedding(resp, 0)[0],
		       llmk_response_embedding(resp, 0)[1]);
	bad |= expect(st == LLMK_OK && llmk_response_embedding_count(resp) == 2 &&
	                      llmk_response_embedding(resp, 0)[1] == 2.0f &&
	                      llmk_response_embedding(resp, 1)[2] == 1.0f,
	              "embeddings");
	llmk_response_free(resp);
	llmk_request_free(req);

	llmk_client_free(client);
	llmk_provider_unregister("wordy");
	return bad;
}
