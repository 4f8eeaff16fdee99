/* libFuzzer target: reading a provider batch's results (llmk_batch_*),
 * through the public API only.
 *
 * A test transport answers a batch's status with a fixed "ended" object of
 * the provider's batch API and every download of results (OpenAI's and
 * Mistral's files, Anthropic's results_url, Gemini's responses file) with
 * the fuzz input. Byte 0 chooses the provider; the rest is the results'
 * JSONL. Each result line goes through the wire format's reader and the
 * adapter's parse() or parse_error(). Any status is fine; crashes,
 * sanitizer reports, leaks and hangs are findings. */
#include <string.h>

#include "fuzz.h"
#include "llmkit.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static const struct {
	const char *model, *id, *status;
} providers[] = {
        {"openai/gpt-4o-mini", "batch_1",
         "{\"id\":\"batch_1\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\",\"status\":\"completed\","
         "\"output_file_id\":\"file-o\",\"error_file_id\":\"file-e\",\"request_counts\":{\"total\":1,"
         "\"completed\":1,\"failed\":0}}"},
        {"openai/text-embedding-3-small", "batch_2",
         "{\"id\":\"batch_2\",\"object\":\"batch\",\"endpoint\":\"/v1/embeddings\",\"status\":\"completed\","
         "\"output_file_id\":\"file-o\",\"request_counts\":{\"total\":1,\"completed\":1,\"failed\":0}}"},
        {"anthropic/claude-haiku-4-5", "msgbatch_1",
         "{\"id\":\"msgbatch_1\",\"type\":\"message_batch\",\"processing_status\":\"ended\",\"request_counts\":"
         "{\"processing\":0,\"succeeded\":1,\"errored\":0,\"canceled\":0,\"expired\":0},\"results_url\":"
         "\"http://fuzz.test/v1/messages/batches/msgbatch_1/results\"}"},
        {"gemini/gemini-2.5-flash", "batches/1",
         "{\"name\":\"batches/1\",\"metadata\":{\"state\":\"BATCH_STATE_SUCCEEDED\"},\"done\":true,"
         "\"response\":{\"responsesFile\":\"files/r\"}}"},
        {"mistral/mistral-small-latest", "m1",
         "{\"id\":\"m1\",\"status\":\"SUCCESS\",\"endpoint\":\"/v1/chat/completions\",\"total_requests\":1,"
         "\"completed_requests\":1,\"succeeded_requests\":1,\"failed_requests\":0,\"output_file\":\"o1\"}"},
};
#define NPROV (sizeof(providers) / sizeof(providers[0]))

static llmk_client *clients[NPROV];
static const uint8_t *input;
static size_t input_len;
static size_t which;

static int32_t t_send(llmk_exchange *ex, void *user)
{
	const char *url = llmk_exchange_url(ex);
	int results = strstr(url, "/content") || strstr(url, "/results") || strstr(url, ":download");
	const char *body = results ? (const char *)input : providers[which].status;
	size_t len = results ? input_len : strlen(providers[which].status);

	(void)user;
	llmk_exchange_set_status(ex, 200);
	llmk_exchange_add_header(ex, "Content-Type", "application/json");
	if (len)
		llmk_exchange_write(ex, (const uint8_t *)body, len);
	return LLMK_OK;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	llmk_transport t;
	size_t i;

	(void)argc, (void)argv;
	llmk_global_init();
	llmk_transport_init(&t);
	t.send = t_send;
	for (i = 0; i < NPROV; i++) {
		if (llmk_client_new(&clients[i], providers[i].model) != LLMK_OK)
			abort();
		llmk_client_set_transport(clients[i], &t, NULL);
		llmk_client_set_str(clients[i], LLMK_OPT_BASE_URL,
		                    strstr(providers[i].model, "gemini") ? "http://fuzz.test/v1beta"
		                                                         : "http://fuzz.test/v1");
		llmk_client_set_str(clients[i], LLMK_OPT_API_KEY, "sk-fuzz-0000000000000000");
		llmk_client_set_i64(clients[i], LLMK_OPT_MAX_RETRIES, 0);
		llmk_client_set_i64(clients[i], LLMK_OPT_MAX_RESPONSE_BYTES, 16384);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	llmk_batch *b = NULL;
	llmk_response *r;
	const char *id;
	double cost;
	int n;

	if (!size)
		return 0;
	which = data[0] % NPROV;
	input = data + 1;
	input_len = size - 1;
	if (llmk_batch_open(&b, clients[which], providers[which].id) == LLMK_OK) {
		for (n = 0; n < 1000 && llmk_batch_next_result(b, &id, &r) == LLMK_OK && r; n++) {
			/* every accessor, on whatever came out */
			(void)strlen(id);
			(void)strlen(llmk_response_text(r));
			if (llmk_response_status(r) != LLMK_OK)
				(void)strlen(llmk_response_error(r));
			llmk_response_cost(r, &cost);
			(void)llmk_response_tool_call_count(r);
			(void)llmk_response_embedding_count(r);
			llmk_response_free(r);
		}
	}
	llmk_batch_free(b);
	return 0;
}
