/* agent: the agent loop. The model may call a local function; its answer
 * goes back into the conversation as it came (llmk_request_add_response():
 * thinking signatures, encrypted reasoning and all), the function's result
 * after it, and the request is sent again until the model answers.
 *
 *   agent [-m provider/model] [question]
 *
 * The same program for every provider (default openai/gpt-4o-mini, key from
 * OPENAI_API_KEY; e.g. -m anthropic/claude-sonnet-4-5, -m
 * openai-responses/gpt-5, -m gemini/gemini-3-pro-preview). */
#include <stdio.h>
#include <string.h>

#include "llmkit.h"

#define WEATHER_SCHEMA                                                                                  \
	"{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]," \
	"\"additionalProperties\":false}"

/* The local function (a real program would ask a weather service). */
static const char *get_weather(const char *args)
{
	return strstr(args, "Paris") ? "{\"temp_c\":18,\"sky\":\"clear\"}" : "{\"temp_c\":21,\"sky\":\"cloudy\"}";
}

int main(int argc, char **argv)
{
	const char *model = "openai/gpt-4o-mini", *question = "Do I need a jacket in Paris today?";
	llmk_client *c;
	llmk_request *r;
	llmk_response *resp = NULL;
	int round, i, rc = 1;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-m") && i + 1 < argc)
			model = argv[++i];
		else
			question = argv[i];
	}
	if (llmk_client_new(&c, model) != LLMK_OK) {
		fprintf(stderr, "agent: unknown provider in %s\n", model);
		return 2;
	}
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_add_message(r, LLMK_ROLE_USER, question);
	llmk_request_add_tool(r, "get_weather", "Current weather in a city", WEATHER_SCHEMA);

	for (round = 0; round < 5; round++) {
		if (llmk_send(c, r, &resp) != LLMK_OK) {
			fprintf(stderr, "agent: %s\n", llmk_response_error(resp));
			goto out;
		}
		if (!llmk_response_tool_call_count(resp))
			break;
		/* the assistant's turn, exactly as the provider needs it back */
		llmk_request_add_response(r, resp);
		for (k = 0; k < llmk_response_tool_call_count(resp); k++) {
			const char *name = llmk_response_tool_call_name(resp, k);
			const char *result = strcmp(name, "get_weather")
			                             ? "{\"error\":\"unknown tool\"}"
			                             : get_weather(llmk_response_tool_call_arguments(resp, k));
			printf("[%s(%s) -> %s]\n", name, llmk_response_tool_call_arguments(resp, k), result);
			llmk_request_add_tool_result(r, llmk_response_tool_call_id(resp, k), result);
		}
		llmk_response_free(resp);
		resp = NULL;
	}
	if (resp && *llmk_response_refusal(resp))
		printf("(refused) %s\n", llmk_response_refusal(resp));
	else if (resp)
		printf("%s\n", llmk_response_text(resp));
	rc = resp && llmk_response_tool_call_count(resp) == 0 ? 0 : 1;
out:
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	return rc;
}
