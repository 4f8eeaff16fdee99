/* Conformance of the rerank, moderation and token-count requests against
 * the official specs, validated by Prism: OpenAI (POST /moderations with a
 * text, texts, texts and images; POST /responses/input_tokens), Cohere
 * (POST /v2/rerank) and Mistral (POST /v1/moderations).
 *
 * Run by tests/conformance/run_kinds.sh, which starts one Prism per spec
 * and passes LLMK_PRISM_<TAG>_URL and LLMK_PRISM_<TAG>_SPEC (TAG OPENAI,
 * COHERE, MISTRAL) and LLMK_SHARED_DATA.
 *
 * For each request, as conformance.c does for the other kinds:
 *   accepted  sent by the library's own transport, Prism answers 2xx with
 *             no sl-violations header, and the library reads Prism's
 *             example answer where the example fits (said per request);
 *   fields    through the test transport that records the body: every
 *             member is declared by the spec at its place;
 *   rejected  the body corrupted after the library built it (a required
 *             member removed or given a wrong type) gets 422 naming it,
 *             while the same request uncorrupted is accepted. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define FAKE_KEY "sk-test-prism-000000000000000000000000"

enum { OPENAI, COHERE, MISTRAL, NSPECS };
static const char *const tags[NSPECS] = {"OPENAI", "COHERE", "MISTRAL"};
static char base[NSPECS][256];
static json_t *specs[NSPECS];

enum req {
	MOD_TEXT,         /* OpenAI: one text */
	MOD_TEXTS,        /* OpenAI: two texts */
	MOD_IMAGE,        /* OpenAI: a text, an image URL and an inline image */
	TOKENS,           /* OpenAI Responses: input_tokens of an agent request */
	RERANK,           /* Cohere: query, documents, top_n, max_tokens_per_doc */
	MOD_MISTRAL,      /* Mistral: two texts */
	MOD_MISTRAL_CHAT, /* Mistral: a conversation (/v1/chat/moderations) */
	NREQS
};

static const struct {
	const char *name;
	int spec;
	const char *model, *path; /* the spec's path */
	int count;                /* sent with llmk_count_tokens() */
	int parse;                /* Prism's example answer must parse */
	const char *drop;         /* negative control: this member removed... */
	const char *set, *value;  /* ... or this one given this value */
	const char *named;        /* ... and Prism's 422 names this */
} reqs[NREQS] = {
        {"moderation (text)", OPENAI, "openai/omni-moderation-latest", "/moderations", 0, 1, "input", NULL, NULL,
         "input"},
        {"moderation (texts)", OPENAI, "openai/omni-moderation-latest", "/moderations", 0, 0, NULL, "input", "7",
         "input"},
        {"moderation (text and images)", OPENAI, "openai/omni-moderation-latest", "/moderations", 0, 1, NULL, "input",
         "[{\"type\":\"image_url\",\"image_url\":\"https://example.com/a.png\"}]", "input"},
        {"input_tokens", OPENAI, "openai-responses/gpt-5", "/responses/input_tokens", 1, 1, NULL, "input", "7",
         "input"},
        {"rerank", COHERE, "cohere/rerank-v3.5", "/v2/rerank", 0, 1, "query", NULL, NULL, "query"},
        {"moderation (mistral)", MISTRAL, "mistral/mistral-moderation-latest", "/v1/moderations", 0, 0, "model", NULL,
         NULL, "model"},
        {"moderation (mistral conversation)", MISTRAL, "mistral/mistral-moderation-latest", "/v1/chat/moderations", 0,
         1, NULL, "input", "\"a string\"", "input"},
};

static llmk_request *make(int v)
{
	llmk_request *r;

	switch (v) {
	case MOD_TEXT:
		OK(llmk_request_new(&r, LLMK_MODERATE));
		OK(llmk_request_add_input(r, "I want to kill them."));
		break;
	case MOD_TEXTS:
	case MOD_MISTRAL:
		OK(llmk_request_new(&r, LLMK_MODERATE));
		OK(llmk_request_add_input(r, "Such a lovely day today, isn't it?"));
		OK(llmk_request_add_input(r, "Now, I'm pretty confident we should break into the museum."));
		break;
	case MOD_IMAGE:
		OK(llmk_request_new(&r, LLMK_MODERATE));
		OK(llmk_request_add_input(r, "...text to classify goes here..."));
		OK(llmk_request_add_image_url(r, "https://example.com/image.png", NULL));
		OK(llmk_request_add_image_data(r, png, png_size, "image/png"));
		break;
	case MOD_MISTRAL_CHAT:
		OK(llmk_request_new(&r, LLMK_MODERATE));
		OK(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You are a museum guide."));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "How do I get in after closing time?"));
		OK(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "You cannot."));
		break;
	case TOKENS:
		OK(llmk_request_new(&r, LLMK_CHAT));
		OK(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You are terse."));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "What is the weather in Paris?"));
		OK(llmk_request_add_tool(r, "get_weather", "Weather of a city",
		                         "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
		                         "\"required\":[\"city\"],\"additionalProperties\":false}"));
		OK(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "auto"));
		OK(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.3));
		OK(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 100));
		OK(llmk_request_set_str(r, LLMK_OPT_REASONING_EFFORT, "low"));
		break;
	default: /* RERANK: the spec's own example */
		OK(llmk_request_new(&r, LLMK_RERANK));
		OK(llmk_request_set_str(r, LLMK_OPT_QUERY, "What is the capital of the United States?"));
		OK(llmk_request_add_input(r, "Carson City is the capital city of the American state of Nevada."));
		OK(llmk_request_add_input(r, "Washington, D.C. is the capital of the United States."));
		OK(llmk_request_add_input(r, "Capital punishment has existed in the United States since before the "
		                             "United States was a country."));
		OK(llmk_request_set_i64(r, LLMK_OPT_TOP_N, 2));
		OK(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS_PER_DOC, 512));
		break;
	}
	return r;
}

static llmk_client *client(int v)
{
	return prism_client(reqs[v].model, base[reqs[v].spec], FAKE_KEY);
}

static llmk_status send_req(llmk_client *c, int v, llmk_response **resp)
{
	llmk_request *r = make(v);
	llmk_status st;
	int64_t n;

	if (!reqs[v].count)
		return send_request(c, r, 0, resp);
	st = llmk_count_tokens(c, r, &n, resp);
	llmk_request_free(r);
	return st;
}

static void print_failure(int v, llmk_response *resp)
{
	size_t len;
	const char *raw = llmk_response_raw(resp, &len);

	fprintf(stderr, "%s: HTTP %d, %s: %s\n", reqs[v].name, llmk_response_http_status(resp),
	        llmk_status_name(llmk_response_status(resp)), llmk_response_error(resp));
	print_body("Prism answered", raw, len);
	print_violations(resp);
}

static void test_accepted(void **state)
{
	int v = (int)(intptr_t)*state;
	llmk_client *c;
	llmk_response *resp;
	int http;

	if (!specs[reqs[v].spec])
		skip();
	c = client(v);
	send_req(c, v, &resp);
	http = llmk_response_http_status(resp);
	if (http < 200 || http > 299 || llmk_response_header(resp, "sl-violations")) {
		print_failure(v, resp);
		fail_msg("%s: Prism did not accept the request (HTTP %d)", reqs[v].name, http);
	}
	if (reqs[v].parse && llmk_response_status(resp) != LLMK_OK) {
		print_failure(v, resp);
		fail_msg("%s: Prism's example answer did not parse", reqs[v].name);
	}
	if (!reqs[v].parse && llmk_response_status(resp) != LLMK_OK)
		fprintf(stderr, "note: %s: accepted; Prism's example answer not usable: %s: %s\n", reqs[v].name,
		        llmk_status_name(llmk_response_status(resp)), llmk_response_error(resp));
	llmk_response_free(resp);
	llmk_client_free(c);
}

static void test_fields(void **state)
{
	int v = (int)(intptr_t)*state;
	json_t *spec = specs[reqs[v].spec], *op, *schema;
	wire w = {0};
	llmk_client *c;
	llmk_response *resp;
	check ck;

	if (!spec)
		skip();
	c = wire_attach(client(v), &w);
	send_req(c, v, &resp);
	if (llmk_response_http_status(resp) < 200 || llmk_response_http_status(resp) > 299) {
		print_failure(v, resp);
		fail_msg("%s: not accepted through the test transport", reqs[v].name);
	}
	op = json_object_get(json_object_get(json_object_get(spec, "paths"), reqs[v].path), "post");
	if (!(schema = request_schema(spec, op, "application/json")))
		fail_msg("the spec has no request body for POST %s", reqs[v].path);
	memset(&ck, 0, sizeof(ck));
	check_schema(spec, schema, &w, &ck);
	if (ck.undeclared) {
		print_body("the library sent", w.sent, w.sent_len);
		fail_msg("%s: %d of %d members are not declared by the spec", reqs[v].name, ck.undeclared, ck.checked);
	}
	assert_true(ck.checked >= 2);
	if (ck.notes[0])
		fprintf(stderr, "note: %s: deprecated members: %s\n", reqs[v].name, ck.notes);
	llmk_response_free(resp);
	llmk_client_free(c);
	free(w.sent);
}

static char *corrupt(const void *arg, const char *b, size_t n, size_t *o)
{
	int v = (int)(intptr_t)arg;
	json_t *root = json_loadb(b, n, 0, NULL);
	char *out;

	assert_non_null(root);
	if (reqs[v].drop) {
		assert_int_equal(json_object_del(root, reqs[v].drop), 0);
	} else {
		assert_non_null(json_object_get(root, reqs[v].set));
		json_object_set_new(root, reqs[v].set, json_loads(reqs[v].value, JSON_DECODE_ANY, NULL));
	}
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	*o = strlen(out);
	return out;
}

static void test_rejected(void **state)
{
	int v = (int)(intptr_t)*state;
	wire w = {0};
	llmk_client *c;
	llmk_response *resp;
	llmk_status st;
	char what[160];

	if (!specs[reqs[v].spec])
		skip();
	c = wire_attach(client(v), &w);
	send_req(c, v, &resp);
	if (llmk_response_http_status(resp) < 200 || llmk_response_http_status(resp) > 299) {
		print_failure(v, resp);
		fail_msg("%s: the uncorrupted control request was not accepted", reqs[v].name);
	}
	llmk_response_free(resp);
	free(w.sent);
	w.sent = NULL;
	w.mutate = corrupt;
	w.mutate_arg = (const void *)(intptr_t)v;
	st = send_req(c, v, &resp);
	snprintf(what, sizeof(what), "%s with %s %s", reqs[v].name, reqs[v].drop ? reqs[v].drop : reqs[v].set,
	         reqs[v].drop ? "removed" : reqs[v].value);
	expect_rejected(what, st, resp, &w, reqs[v].named);
	llmk_response_free(resp);
	llmk_client_free(c);
	free(w.sent);
}

int main(void)
{
	const char *data = getenv("LLMK_SHARED_DATA");
	struct CMUnitTest tests[3 * NREQS];
	char names[3 * NREQS][96], var[64];
	int i, n = 0, rc;

	if (!data) {
		fprintf(stderr, "run me through tests/conformance/run_kinds.sh\n");
		return 1;
	}
	if (conf_init(data))
		return 1;
	for (i = 0; i < NSPECS; i++) {
		const char *url, *path;
		snprintf(var, sizeof(var), "LLMK_PRISM_%s_URL", tags[i]);
		url = getenv(var);
		snprintf(var, sizeof(var), "LLMK_PRISM_%s_SPEC", tags[i]);
		path = getenv(var);
		if (!url || !path)
			continue;
		/* Mistral's and Cohere's paths carry their version; OpenAI's spec
		 * paths are under the /v1 of its server URL. */
		snprintf(base[i], sizeof(base[i]), "%s%s", url, i == MISTRAL ? "/v1" : "");
		if (!(specs[i] = load_spec(path)))
			return 1;
	}
	for (i = 0; i < NREQS; i++) {
		void (*fn[3])(void **) = {test_accepted, test_fields, test_rejected};
		const char *kind[3] = {"accepted", "fields", "rejected"};
		int k;
		for (k = 0; k < 3; k++, n++) {
			snprintf(names[n], sizeof(names[n]), "%s: %s", kind[k], reqs[i].name);
			tests[n] = (struct CMUnitTest){names[n], fn[k], NULL, NULL, (void *)(intptr_t)i};
		}
	}
	rc = _cmocka_run_group_tests("conformance_kinds", tests, (size_t)n, NULL, NULL);
	for (i = 0; i < NSPECS; i++)
		json_decref(specs[i]);
	conf_cleanup();
	return rc;
}
