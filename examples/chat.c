/* chat: ask one question and print the answer.
 *
 *   chat [-m provider/model] [prompt]
 *
 * Without -m it uses the first hosted service whose key is set (OpenAI,
 * Anthropic, Gemini, Mistral, Cohere, Groq), else the first local server it
 * finds (llama.cpp on :8080, Ollama on :11434), and says what it tried when
 * there is none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmkit.h"

static int ask(const char *model, const char *prompt, int quiet_refused, char *why, size_t whylen)
{
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	llmk_status st;

	st = llmk_client_new(&c, model);
	if (st) {
		snprintf(why, whylen, "%s: %s", model, llmk_strerror(st));
		return 2;
	}
	llmk_client_set_i64(c, LLMK_OPT_CONNECT_TIMEOUT_MS, 2000);
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_add_message(r, LLMK_ROLE_USER, prompt);
	st = llmk_send(c, r, &resp);
	if (st == LLMK_OK) {
		printf("%s\n", llmk_response_text(resp));
		fprintf(stderr, "[%s via %s: %lld in / %lld out tokens, %.0f ms]\n", llmk_response_model(resp),
		        llmk_client_base_url(c), (long long)llmk_response_usage(resp, LLMK_USAGE_INPUT),
		        (long long)llmk_response_usage(resp, LLMK_USAGE_OUTPUT),
		        llmk_response_timing(resp, LLMK_TIMING_TOTAL_MS));
	} else {
		snprintf(why, whylen, "%s at %s: %s", model, llmk_client_base_url(c), llmk_response_error(resp));
		if (!(quiet_refused && st == LLMK_E_TRANSPORT))
			fprintf(stderr, "error: %s (%s)\n", why, llmk_status_name(st));
	}
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	return st == LLMK_OK ? 0 : st == LLMK_E_TRANSPORT ? 3 : 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *env, *model;
	} hosted[] = {
	        {"OPENAI_API_KEY", "openai/gpt-4o-mini"},
	        {"ANTHROPIC_API_KEY", "anthropic/claude-3-5-haiku-latest"},
	        {"GEMINI_API_KEY", "gemini/gemini-2.0-flash"},
	        {"MISTRAL_API_KEY", "mistral/mistral-small-latest"},
	        {"COHERE_API_KEY", "cohere/command-r7b-12-2024"},
	        {"GROQ_API_KEY", "groq/llama-3.1-8b-instant"},
	};
	static const char *const local[] = {"llamacpp/default", "ollama/llama3.2"};
	const char *model = getenv("LLMK_MODEL"), *prompt = "Explain retrieval-augmented generation in one sentence.";
	char why[1024], tried[4096] = "";
	size_t i;
	int rc, a = 1;

	if (argc > 2 && !strcmp(argv[1], "-m")) {
		model = argv[2];
		a = 3;
	}
	if (a < argc)
		prompt = argv[a];
	if (model && *model)
		return ask(model, prompt, 0, why, sizeof(why)) ? 1 : 0;
	for (i = 0; i < sizeof(hosted) / sizeof(hosted[0]); i++) {
		const char *key = getenv(hosted[i].env);
		if (key && *key)
			return ask(hosted[i].model, prompt, 0, why, sizeof(why)) ? 1 : 0;
	}
	strcat(tried,
	       "  - hosted services: none of OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, MISTRAL_API_KEY,\n"
	       "    COHERE_API_KEY, GROQ_API_KEY is set\n");
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		rc = ask(local[i], prompt, 1, why, sizeof(why));
		if (rc == 0)
			return 0;
		if (rc != 3) /* a server answered, with an error: that is the answer */
			return 1;
		strncat(tried, "  - ", sizeof(tried) - strlen(tried) - 1);
		strncat(tried, why, sizeof(tried) - strlen(tried) - 1);
		strncat(tried, "\n", sizeof(tried) - strlen(tried) - 1);
	}
	fprintf(stderr,
	        "No model provider is reachable. Tried:\n%s"
	        "Set one of those keys, start a local server (llama.cpp: llama-server -m model.gguf --port 8080;\n"
	        "Ollama: ollama serve && ollama pull llama3.2), or pass -m provider/model.\n",
	        tried);
	return 2;
}
