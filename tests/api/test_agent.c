#define _POSIX_C_SOURCE 200809L
/* The agent loop, the same program for every wire format, over the
 * loopback server: ask with two tools; while the answer calls tools, add
 * it (llmk_request_add_response()), run the tools, add their results and
 * send again. Each provider answers in its own format: a call to
 * get_weather, then a call to get_time, then the final text, the first two
 * with the provider's reasoning state where it has one (Anthropic thinking
 * signatures, Gemini thought signatures, Bedrock reasoning signatures,
 * Responses API encrypted reasoning items). Checked: two tool rounds then
 * the answer; and what each provider received: every earlier call and
 * result, and every piece of reasoning state unchanged, in the order it
 * came and at the place its format wants it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "httpd.h"
#include "llmkit.h"
#include "testutil.h"

#define KEY "agent-test-key-0123456789abcdef"
#define WEATHER "18 C and clear"
#define TIME "14:05"
#define FINAL "Take a jacket: 18 C at 14:05."

typedef struct agent_case {
	const char *model;           /* provider/model */
	const char *ctype;           /* of the answers */
	const char *answer[3];       /* round 1 (get_weather), round 2 (get_time), final */
	const char *state[2];        /* the reasoning state of rounds 1 and 2 as it must come back, or NULL */
	void (*check)(json_t *last); /* where this format wants it, in the last request */
	int64_t wire;                /* LLMK_FEATURE_* of the reasoning parts, 0: none */
} agent_case;

/* ---- the program --------------------------------------------------------- */

static const char *run_tool(const char *name, const char *args)
{
	if (!strcmp(name, "get_weather") && strstr(args, "Paris"))
		return WEATHER;
	if (!strcmp(name, "get_time") && strstr(args, "Europe/Paris"))
		return TIME;
	fail_msg("unexpected call %s(%s)", name, args);
	return NULL;
}

static llmk_request *question(void)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Plan with the tools."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Do I need a jacket in Paris now?"), LLMK_OK);
	assert_int_equal(
	        llmk_request_add_tool(r, "get_weather", "Weather now",
	                              "{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}},"
	                              "\"required\":[\"location\"],\"additionalProperties\":false}"),
	        LLMK_OK);
	assert_int_equal(
	        llmk_request_add_tool(r, "get_time", "Local time",
	                              "{\"type\":\"object\",\"properties\":{\"timezone\":{\"type\":\"string\"}},"
	                              "\"required\":[\"timezone\"],\"additionalProperties\":false}"),
	        LLMK_OK);
	return r;
}

/* The loop, as a program would write it; returns the final answer. */
static llmk_response *agent(llmk_client *c, llmk_request *r, int *rounds)
{
	llmk_response *resp;
	size_t i;

	for (*rounds = 0;; ++*rounds) {
		if (llmk_send(c, r, &resp) != LLMK_OK)
			fail_msg("round %d: %s", *rounds, llmk_response_error(resp));
		if (!llmk_response_tool_call_count(resp) || *rounds == 5)
			return resp;
		assert_int_equal(llmk_request_add_response(r, resp), LLMK_OK);
		for (i = 0; i < llmk_response_tool_call_count(resp); i++)
			assert_int_equal(
			        llmk_request_add_tool_result(r, llmk_response_tool_call_id(resp, i),
			                                     run_tool(llmk_response_tool_call_name(resp, i),
			                                              llmk_response_tool_call_arguments(resp, i))),
			        LLMK_OK);
		llmk_response_free(resp);
	}
}

static const char *at(const char *hay, const char *needle, const char *what)
{
	const char *p = strstr(hay, needle);

	if (!p)
		fail_msg("%s: \"%s\" not sent", what, needle);
	return p;
}

static llmk_request *copy_conversation(const llmk_request *r);

static void run_case(const agent_case *k)
{
	th_server *srv = th_start();
	llmk_client *c;
	llmk_request *r = question();
	llmk_response *resp;
	th_response tr;
	const char *b2, *b3, *p;
	json_t *last;
	int rounds, i;

	assert_non_null(srv);
	for (i = 0; i < 3; i++) {
		memset(&tr, 0, sizeof(tr));
		tr.status = 200;
		tr.headers = k->ctype;
		tr.body = k->answer[i];
		tr.chunked = 1;
		tr.write_size = 17;
		th_push(srv, &tr);
	}
	assert_int_equal(llmk_client_new(&c, k->model), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, th_url(srv)), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	if (!strncmp(k->model, "bedrock/", 8))
		assert_int_equal(llmk_client_set_str(c, LLMK_OPT_AWS_REGION, "us-east-1"), LLMK_OK);
	if (!strncmp(k->model, "openai-responses/", 17))
		assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_STORE, 0), LLMK_OK);

	resp = agent(c, r, &rounds);
	if (rounds != 2)
		fail_msg("%s: %d tool rounds, expected 2", k->model, rounds);
	assert_string_equal(llmk_response_text(resp), FINAL);
	assert_int_equal(llmk_response_finish(resp), LLMK_FINISH_STOP);
	llmk_response_free(resp);
	assert_int_equal(th_request_count(srv), 3);

	/* the conversation, as the request holds it: the first turn's state
	 * is tagged with this wire format (a reasoning part, or Gemini's
	 * signature on the call) */
	assert_int_equal(llmk_request_message_role(r, 2), LLMK_ROLE_ASSISTANT);
	if (k->wire) {
		size_t n = llmk_request_part_count(r, 2), j;
		for (j = 0; j < n && llmk_request_part_wire(r, 2, j) != k->wire; j++)
			;
		if (j == n)
			fail_msg("%s: the first turn carries no state of its wire format", k->model);
		assert_string_equal(llmk_request_part_opaque(r, 2, j) &&
		                                    strstr(llmk_request_part_opaque(r, 2, j), k->state[0])
		                            ? k->state[0]
		                            : "(missing)",
		                    k->state[0]);
	}

	/* what the provider received: results and state in the order they came */
	b2 = (const char *)th_request_at(srv, 1)->body;
	b3 = (const char *)th_request_at(srv, 2)->body;
	at(b2, WEATHER, k->model);
	if (k->state[0])
		at(b2, k->state[0], k->model);
	p = b3;
	if (k->state[0])
		p = at(p, k->state[0], k->model);
	p = at(p, WEATHER, k->model);
	if (k->state[1])
		p = at(p, k->state[1], k->model);
	at(p, TIME, k->model);
	last = json_loadb(b3, th_request_at(srv, 2)->body_len, 0, NULL);
	assert_non_null(last);
	k->check(last);
	json_decref(last);

	/* a copy made with llmk_request_add_part() sends the same bytes */
	{
		llmk_request *copy = copy_conversation(r);
		const th_request *q1, *q2;
		if (!strncmp(k->model, "openai-responses/", 17))
			assert_int_equal(llmk_request_set_i64(copy, LLMK_OPT_STORE, 0), LLMK_OK);
		for (i = 0; i < 2; i++) {
			memset(&tr, 0, sizeof(tr));
			tr.status = 200;
			tr.headers = k->ctype;
			tr.body = k->answer[2];
			th_push(srv, &tr);
		}
		assert_int_equal(llmk_send(c, r, &resp), LLMK_OK);
		llmk_response_free(resp);
		assert_int_equal(llmk_send(c, copy, &resp), LLMK_OK);
		llmk_response_free(resp);
		q1 = th_request_at(srv, 3);
		q2 = th_request_at(srv, 4);
		assert_int_equal(q1->body_len, q2->body_len);
		assert_memory_equal(q1->body, q2->body, q1->body_len);
		llmk_request_free(copy);
	}

	llmk_request_free(r);
	llmk_client_free(c);
	th_stop(srv);
}

/* A copy of r through the public read-back and llmk_request_add_part():
 * what a binding or a program saving its conversations does. */
static llmk_request *copy_conversation(const llmk_request *r)
{
	llmk_request *c;
	size_t i, j, n;

	assert_int_equal(llmk_request_new(&c, LLMK_CHAT), LLMK_OK);
	for (i = 0; i < llmk_request_message_count(r); i++) {
		int32_t role = llmk_request_message_role(r, i);
		if (role == LLMK_ROLE_TOOL) {
			assert_int_equal(llmk_request_add_tool_result(c, llmk_request_message_tool_call_id(r, i),
			                                              llmk_request_part_text(r, i, 0)),
			                 LLMK_OK);
			continue;
		}
		assert_int_equal(llmk_request_add_message(c, role, NULL), LLMK_OK);
		n = llmk_request_part_count(r, i);
		for (j = 0; j < n; j++)
			assert_int_equal(llmk_request_add_part(
			                         c, llmk_request_part_type(r, i, j), llmk_request_part_text(r, i, j),
			                         llmk_request_part_detail(r, i, j), llmk_request_part_id(r, i, j),
			                         llmk_request_part_opaque(r, i, j), llmk_request_part_wire(r, i, j)),
			                 LLMK_OK);
	}
	for (i = 0; i < llmk_request_tool_count(r); i++)
		assert_int_equal(llmk_request_add_tool(c, llmk_request_tool_name(r, i),
		                                       llmk_request_tool_description(r, i),
		                                       llmk_request_tool_parameters(r, i)),
		                 LLMK_OK);
	return c;
}

/* ---- each wire format: its answers and where it wants them --------------- */

#define JSONH "Content-Type: application/json\r\n"

static void check_openai(json_t *j)
{
	assert_int_equal(json_array_size(jget(j, "messages")), 6);
	assert_string_equal(jstr(j, "messages.2.tool_calls.0.id"), "call_w");
	assert_string_equal(jstr(j, "messages.2.tool_calls.0.function.name"), "get_weather");
	assert_string_equal(jstr(j, "messages.3.tool_call_id"), "call_w");
	assert_string_equal(jstr(j, "messages.3.content"), WEATHER);
	assert_string_equal(jstr(j, "messages.4.tool_calls.0.id"), "call_t");
	assert_string_equal(jstr(j, "messages.5.content"), TIME);
}

static const agent_case openai = {
        "openai/gpt-4o-mini",
        JSONH,
        {"{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
         "\"message\":{"
         "\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_w\",\"type\":\"function\","
         "\"function\":"
         "{\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"Paris\\\"}\"}}]},\"finish_reason\":\"tool_"
         "calls\"}],"
         "\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":10,\"total_tokens\":60}}",
         "{\"id\":\"c2\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
         "\"message\":{"
         "\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_t\",\"type\":\"function\","
         "\"function\":"
         "{\"name\":\"get_time\",\"arguments\":\"{\\\"timezone\\\":\\\"Europe/Paris\\\"}\"}}]},\"finish_reason\":"
         "\"tool_calls\"}],\"usage\":{\"prompt_tokens\":70,\"completion_tokens\":10,\"total_tokens\":80}}",
         "{\"id\":\"c3\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
         "\"message\":{"
         "\"role\":\"assistant\",\"content\":\"" FINAL
         "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":90,"
         "\"completion_tokens\":12,\"total_tokens\":102}}"},
        {NULL, NULL},
        check_openai,
        0};

#define A_SIG1 "EqQBCgIYAhIMagentRound1SignatureAAAA"
#define A_SIG2 "EqQBCgIYAhIMagentRound2SignatureBBBB"

static void check_anthropic(json_t *j)
{
	assert_string_equal(jstr(j, "system"), "Plan with the tools.");
	assert_int_equal(json_array_size(jget(j, "messages")), 5);
	/* each assistant turn begins with its thinking block, unchanged */
	assert_string_equal(jstr(j, "messages.1.content.0.type"), "thinking");
	assert_string_equal(jstr(j, "messages.1.content.0.thinking"), "Weather first.");
	assert_string_equal(jstr(j, "messages.1.content.0.signature"), A_SIG1);
	assert_string_equal(jstr(j, "messages.1.content.1.id"), "toolu_w");
	assert_string_equal(jstr(j, "messages.2.content.0.tool_use_id"), "toolu_w");
	assert_string_equal(jstr(j, "messages.3.content.0.signature"), A_SIG2);
	assert_string_equal(jstr(j, "messages.3.content.1.name"), "get_time");
	assert_string_equal(jstr(j, "messages.4.content.0.content"), TIME);
}

static const agent_case anthropic = {
        "anthropic/claude-sonnet-4-5",
        JSONH,
        {"{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":["
         "{\"type\":\"thinking\",\"thinking\":\"Weather first.\",\"signature\":\"" A_SIG1 "\"},"
         "{\"type\":\"tool_use\",\"id\":\"toolu_w\",\"name\":\"get_weather\",\"input\":{\"location\":\"Paris\"}}],"
         "\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":50,\"output_tokens\":30}}",
         "{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":["
         "{\"type\":\"thinking\",\"thinking\":\"Now the time.\",\"signature\":\"" A_SIG2 "\"},"
         "{\"type\":\"tool_use\",\"id\":\"toolu_t\",\"name\":\"get_time\",\"input\":{\"timezone\":\"Europe/Paris\"}}],"
         "\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":90,\"output_tokens\":30}}",
         "{\"id\":\"msg_3\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":["
         "{\"type\":\"thinking\",\"thinking\":\"Done.\",\"signature\":\"EqQBfinal\"},{\"type\":\"text\",\"text\":"
         "\"" FINAL "\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":130,\"output_tokens\":20}}"},
        {A_SIG1, A_SIG2},
        check_anthropic,
        LLMK_FEATURE_ANTHROPIC};

#define G_SIG1 "CiQBagentGeminiRound1SignatureAAAA"
#define G_SIG2 "CiQBagentGeminiRound2SignatureBBBB"

static void check_gemini(json_t *j)
{
	assert_int_equal(json_array_size(jget(j, "contents")), 5);
	/* the real signature on the call it came with, not the placeholder */
	assert_string_equal(jstr(j, "contents.1.role"), "model");
	assert_string_equal(jstr(j, "contents.1.parts.0.functionCall.name"), "get_weather");
	assert_string_equal(jstr(j, "contents.1.parts.0.thoughtSignature"), G_SIG1);
	assert_string_equal(jstr(j, "contents.2.parts.0.functionResponse.name"), "get_weather");
	assert_string_equal(jstr(j, "contents.3.parts.0.thoughtSignature"), G_SIG2);
	assert_string_equal(jstr(j, "contents.4.parts.0.functionResponse.response.result"), TIME);
	{
		char *all = json_dumps(j, 0);
		assert_null(strstr(all, "skip_thought_signature_validator"));
		free(all);
	}
}

#define G_ANSWER(parts, reason)                                                                                        \
	"{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[" parts "]},\"finishReason\":\"" reason "\","    \
	"\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":50,\"candidatesTokenCount\":10,\"totalTokenCount\":60}" \
	","                                                                                                            \
	"\"modelVersion\":\"gemini-3-pro-preview\",\"responseId\":\"r1\"}"

static const agent_case gemini = {"gemini/gemini-3-pro-preview",
                                  JSONH,
                                  {G_ANSWER("{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"location\":"
                                            "\"Paris\"}},\"thoughtSignature\":\"" G_SIG1 "\"}",
                                            "STOP"),
                                   G_ANSWER("{\"functionCall\":{\"name\":\"get_time\",\"args\":{\"timezone\":\"Europe/"
                                            "Paris\"}},\"thoughtSignature\":\"" G_SIG2 "\"}",
                                            "STOP"),
                                   G_ANSWER("{\"text\":\"" FINAL "\",\"thoughtSignature\":\"CiQBfinal\"}", "STOP")},
                                  {G_SIG1, G_SIG2},
                                  check_gemini,
                                  LLMK_FEATURE_GEMINI};

static void check_ollama(json_t *j)
{
	assert_int_equal(json_array_size(jget(j, "messages")), 6);
	assert_string_equal(jstr(j, "messages.2.role"), "assistant");
	assert_string_equal(jstr(j, "messages.2.tool_calls.0.function.name"), "get_weather");
	assert_string_equal(jstr(j, "messages.3.role"), "tool");
	assert_string_equal(jstr(j, "messages.3.content"), WEATHER);
	assert_string_equal(jstr(j, "messages.4.tool_calls.0.function.name"), "get_time");
	assert_string_equal(jstr(j, "messages.5.content"), TIME);
}

static const agent_case ollama = {
        "ollama/qwen3",
        JSONH,
        {"{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{"
         "\"name\":"
         "\"get_weather\",\"arguments\":{\"location\":\"Paris\"}}}]},\"done_reason\":\"stop\",\"done\":true,"
         "\"prompt_eval_count\":50,\"eval_count\":10}",
         "{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{"
         "\"name\":"
         "\"get_time\",\"arguments\":{\"timezone\":\"Europe/Paris\"}}}]},\"done_reason\":\"stop\",\"done\":true,"
         "\"prompt_eval_count\":70,\"eval_count\":10}",
         "{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"" FINAL "\"},\"done_reason\":\"stop\","
         "\"done\":true,\"prompt_eval_count\":90,\"eval_count\":12}"},
        {NULL, NULL},
        check_ollama,
        0};

static void check_cohere(json_t *j)
{
	assert_int_equal(json_array_size(jget(j, "messages")), 6);
	assert_string_equal(jstr(j, "messages.2.tool_calls.0.id"), "get_weather_c1");
	assert_string_equal(jstr(j, "messages.3.tool_call_id"), "get_weather_c1");
	assert_string_equal(jstr(j, "messages.4.tool_calls.0.function.name"), "get_time");
	assert_string_equal(jstr(j, "messages.5.tool_call_id"), "get_time_c2");
}

#define C_CALL(id, name, args)                                                                          \
	"{\"id\":\"x\",\"message\":{\"role\":\"assistant\",\"tool_plan\":\"Looking it "                 \
	"up.\",\"tool_calls\":[{\"id\":\"" id "\",\"type\":\"function\",\"function\":{\"name\":\"" name \
	"\",\"arguments\":\"" args "\"}}]},"                                                            \
	"\"finish_reason\":\"TOOL_CALL\",\"usage\":{\"tokens\":{\"input_tokens\":50,\"output_tokens\":10}}}"

static const agent_case cohere = {
        "cohere/command-a-03-2025",
        JSONH,
        {C_CALL("get_weather_c1", "get_weather", "{\\\"location\\\":\\\"Paris\\\"}"),
         C_CALL("get_time_c2", "get_time", "{\\\"timezone\\\":\\\"Europe/Paris\\\"}"),
         "{\"id\":\"x\",\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"" FINAL "\"}]},"
         "\"finish_reason\":\"COMPLETE\",\"usage\":{\"tokens\":{\"input_tokens\":90,\"output_tokens\":12}}}"},
        {NULL, NULL},
        check_cohere,
        0};

#define B_SIG1 "EqoBCkgIagentBedrockRound1AAAA"
#define B_SIG2 "EqoBCkgIagentBedrockRound2BBBB"

static void check_bedrock(json_t *j)
{
	assert_string_equal(jstr(j, "system.0.text"), "Plan with the tools.");
	assert_int_equal(json_array_size(jget(j, "messages")), 5);
	assert_string_equal(jstr(j, "messages.1.content.0.reasoningContent.reasoningText.text"), "Weather first.");
	assert_string_equal(jstr(j, "messages.1.content.0.reasoningContent.reasoningText.signature"), B_SIG1);
	assert_string_equal(jstr(j, "messages.1.content.1.toolUse.toolUseId"), "tooluse_w");
	assert_string_equal(jstr(j, "messages.2.content.0.toolResult.toolUseId"), "tooluse_w");
	assert_string_equal(jstr(j, "messages.3.content.0.reasoningContent.reasoningText.signature"), B_SIG2);
	assert_string_equal(jstr(j, "messages.4.content.0.toolResult.content.0.text"), TIME);
}

#define B_ANSWER(content, stop)                                                                                     \
	"{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[" content "]}},\"stopReason\":\"" stop "\"," \
	"\"usage\":{\"inputTokens\":50,\"outputTokens\":10,\"totalTokens\":60},\"metrics\":{\"latencyMs\":100}}"

static const agent_case bedrock = {
        "bedrock/anthropic.claude-sonnet-4-5-v1:0",
        JSONH,
        {B_ANSWER("{\"reasoningContent\":{\"reasoningText\":{\"text\":\"Weather first.\",\"signature\":\"" B_SIG1
                  "\"}}},"
                  "{\"toolUse\":{\"toolUseId\":\"tooluse_w\",\"name\":\"get_weather\",\"input\":{\"location\":"
                  "\"Paris\"}}}",
                  "tool_use"),
         B_ANSWER("{\"reasoningContent\":{\"reasoningText\":{\"text\":\"Now the time.\",\"signature\":\"" B_SIG2
                  "\"}}},"
                  "{\"toolUse\":{\"toolUseId\":\"tooluse_t\",\"name\":\"get_time\",\"input\":{\"timezone\":\"Europe/"
                  "Paris\"}}}",
                  "tool_use"),
         B_ANSWER("{\"text\":\"" FINAL "\"}", "end_turn")},
        {B_SIG1, B_SIG2},
        check_bedrock,
        LLMK_FEATURE_BEDROCK};

#define R_ENC1 "gAAAAABo_agent_round1_encrypted"
#define R_ENC2 "gAAAAABo_agent_round2_encrypted"

static void check_responses(json_t *j)
{
	assert_string_equal(jstr(j, "instructions"), "Plan with the tools.");
	assert_int_equal(json_array_size(jget(j, "input")), 7);
	assert_string_equal(jstr(j, "input.1.type"), "reasoning");
	assert_string_equal(jstr(j, "input.1.encrypted_content"), R_ENC1);
	assert_string_equal(jstr(j, "input.2.id"), "fc_w");
	assert_string_equal(jstr(j, "input.2.call_id"), "call_w");
	assert_string_equal(jstr(j, "input.3.type"), "function_call_output");
	assert_string_equal(jstr(j, "input.3.call_id"), "call_w");
	assert_string_equal(jstr(j, "input.4.id"), "rs_2");
	assert_string_equal(jstr(j, "input.4.encrypted_content"), R_ENC2);
	assert_string_equal(jstr(j, "input.5.name"), "get_time");
	assert_string_equal(jstr(j, "input.6.output"), TIME);
	assert_string_equal(jstr(j, "include.0"), "reasoning.encrypted_content");
}

#define R_ANSWER(id, output)                                                                                      \
	"{\"id\":\"" id "\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-5\",\"error\":null," \
	"\"output\":[" output "],\"usage\":{\"input_tokens\":50,\"input_tokens_details\":{\"cached_tokens\":0},"  \
	"\"output_tokens\":10,\"output_tokens_details\":{\"reasoning_tokens\":4},\"total_tokens\":60}}"

static const agent_case responses = {
        "openai-responses/gpt-5",
        JSONH,
        {R_ANSWER("resp_1",
                  "{\"id\":\"rs_1\",\"type\":\"reasoning\",\"summary\":[],\"encrypted_content\":\"" R_ENC1 "\"},"
                  "{\"id\":\"fc_w\",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"call_w\","
                  "\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"Paris\\\"}\"}"),
         R_ANSWER("resp_2",
                  "{\"id\":\"rs_2\",\"type\":\"reasoning\",\"summary\":[],\"encrypted_content\":\"" R_ENC2 "\"},"
                  "{\"id\":\"fc_t\",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"call_t\","
                  "\"name\":\"get_time\",\"arguments\":\"{\\\"timezone\\\":\\\"Europe/Paris\\\"}\"}"),
         R_ANSWER("resp_3", "{\"id\":\"msg_3\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\","
                            "\"content\":[{\"type\":\"output_text\",\"text\":\"" FINAL "\",\"annotations\":[]}]}")},
        {R_ENC1, R_ENC2},
        check_responses,
        LLMK_FEATURE_RESPONSES};

#define CASE(name)                            \
	static void test_##name(void **state) \
	{                                     \
		(void)state;                  \
		run_case(&name);              \
	}
CASE(openai)
CASE(anthropic)
CASE(gemini)
CASE(ollama)
CASE(cohere)
CASE(bedrock)
CASE(responses)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_openai),    cmocka_unit_test(test_anthropic), cmocka_unit_test(test_gemini),
	        cmocka_unit_test(test_ollama),    cmocka_unit_test(test_cohere),    cmocka_unit_test(test_bedrock),
	        cmocka_unit_test(test_responses),
	};
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	return cmocka_run_group_tests_name("agent", tests, NULL, NULL);
}
