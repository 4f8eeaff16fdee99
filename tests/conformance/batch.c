/* The OpenAI Batch API against OpenAI's official OpenAPI spec, validated by
 * Prism (run by tests/conformance/run.sh, like conformance.c: Prism on
 * LLMK_PRISM_URL serving LLMK_PRISM_SPEC).
 *
 *  accepted  a batch of chat requests (and one of embeddings, one of
 *            Responses API requests), submitted through the library's own
 *            transport (the JSONL file streamed from disk into the
 *            multipart body): Prism accepts the upload (POST /files:
 *            purpose, file) and the batch (POST /batches: input_file_id,
 *            endpoint from the spec's enum, completion_window), and the
 *            library reads Prism's example answers: the file's id, the
 *            Batch (status, counts), GET /batches/{id}, the cancel.
 *  lines     the same batches through the test transport, which records
 *            the upload: every JSONL line has a custom_id, method POST and
 *            a url that is one of CreateBatchRequest.endpoint's values, and
 *            its body, posted to that endpoint, is accepted by Prism with
 *            every member declared by the spec (the fields check of
 *            conformance.c).
 *  rejected  negative controls: the upload without its purpose part, a
 *            line whose body lost its required member: Prism answers 422
 *            naming them. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "support.h"

#define FAKE_KEY "sk-test-prism-000000000000000000000000"

static const char *base_url;
static json_t *spec;

enum { CHAT, EMBED, RESPONSES };

static llmk_request *request(int kind, int i)
{
	llmk_request *r;
	char text[64];

	snprintf(text, sizeof(text), "Question number %d?", i);
	OK(llmk_request_new(&r, kind == EMBED ? LLMK_EMBED : LLMK_CHAT));
	if (kind == EMBED) {
		OK(llmk_request_add_input(r, text));
		return r;
	}
	OK(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "Answer in one word."));
	OK(llmk_request_add_message(r, LLMK_ROLE_USER, text));
	OK(llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, 16));
	OK(llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, 0.2));
	if (i % 2)
		OK(llmk_request_add_tool(r, "lookup", "Looks a word up",
		                         "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},"
		                         "\"required\":[\"q\"],\"additionalProperties\":false}"));
	return r;
}

static llmk_client *client(int kind, wire *w)
{
	llmk_client *c = prism_client(kind == EMBED       ? "openai/text-embedding-3-small"
	                              : kind == RESPONSES ? "openai-responses/gpt-4o-mini"
	                                                  : "openai/gpt-4o-mini",
	                              base_url, FAKE_KEY);
	return w ? wire_attach(c, w) : c;
}

static llmk_batch *filled(llmk_client *c, int kind)
{
	llmk_batch *b;
	llmk_request *r;
	char id[16];
	int i;

	OK(llmk_batch_new(&b, c));
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "req-%d", i);
		r = request(kind, i);
		if (llmk_batch_add(b, id, r) != LLMK_OK)
			fail_msg("add: %s", llmk_batch_errmsg(b));
		llmk_request_free(r);
	}
	return b;
}

static void accepted(int kind)
{
	llmk_client *c = client(kind, NULL);
	llmk_batch *b = filled(c, kind);

	if (llmk_batch_submit(b) != LLMK_OK)
		fail_msg("submit refused: %s", llmk_batch_errmsg(b));
	/* Prism's example Batch. */
	assert_non_null(llmk_batch_id(b));
	assert_true(llmk_batch_state(b) >= LLMK_BATCH_VALIDATING && llmk_batch_state(b) <= LLMK_BATCH_CANCELLED);
	if (llmk_batch_refresh(b) != LLMK_OK)
		fail_msg("refresh: %s", llmk_batch_errmsg(b));
	if (llmk_batch_cancel(b) != LLMK_OK)
		fail_msg("cancel: %s", llmk_batch_errmsg(b));
	llmk_batch_free(b);
	llmk_client_free(c);
}

static void test_accepted_chat(void **state)
{
	(void)state;
	accepted(CHAT);
}

static void test_accepted_embed(void **state)
{
	(void)state;
	accepted(EMBED);
}

static void test_accepted_responses(void **state)
{
	(void)state;
	accepted(RESPONSES);
}

/* Records every body the test transport sends (its mutate hook). */
typedef struct record {
	char *body[8];
	size_t len[8];
	size_t n;
	const char *drop_part; /* a multipart part to remove from the upload, or NULL */
} record;

static char *keep(const void *arg, const char *body, size_t len, size_t *out_len)
{
	record *rec = (record *)arg;

	if (rec->n < 8) {
		rec->body[rec->n] = malloc(len + 1);
		memcpy(rec->body[rec->n], body, len);
		rec->body[rec->n][len] = 0;
		rec->len[rec->n++] = len;
	}
	if (rec->drop_part && rec->n == 1)
		return multipart_drop(body, len, rec->drop_part, out_len);
	return NULL;
}

/* The "file" part of a multipart body. */
static char *file_part(const char *body, size_t len)
{
	const char *p = mem_find(body, len, "name=\"file\"", 11), *end;
	char *out;

	assert_non_null(p);
	p = strstr(p, "\r\n\r\n");
	assert_non_null(p);
	p += 4;
	end = mem_find(p, len - (size_t)(p - body), "\r\n--", 4);
	assert_non_null(end);
	out = malloc((size_t)(end - p) + 1);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = 0;
	return out;
}

static int endpoint_in_spec(const char *url)
{
	json_t *e = json_object_get(
	        json_object_get(json_object_get(json_object_get(json_object_get(spec, "components"), "schemas"),
	                                        "CreateBatchRequest"),
	                        "properties"),
	        "endpoint");
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(e, "enum"), i, v) if (!strcmp(json_string_value(v), url)) return 1;
	return 0;
}

/* Posts one line's body to Prism at its endpoint through the test
 * transport's client of the same kind? No: through raw libcurl, as the
 * body is already built; returns the HTTP status and Prism's answer. */
static long post_as(const char *path, const char *ctype, const char *body, size_t len, char **answer)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hl = NULL;
	char url[512];
	long code = 0;
	FILE *f;
	size_t alen;

	snprintf(url, sizeof(url), "%s%s", base_url, path);
	f = open_memstream(answer, &alen);
	snprintf(url, sizeof(url), "Content-Type: %s", ctype);
	hl = curl_slist_append(hl, url);
	hl = curl_slist_append(hl, "Authorization: Bearer " FAKE_KEY);
	snprintf(url, sizeof(url), "%s%s", base_url, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	fclose(f);
	return code;
}

static long post(const char *path, const char *body, char **answer)
{
	return post_as(path, "application/json", body, strlen(body), answer);
}

static void lines(int kind)
{
	record rec = {0};
	wire w = {.mutate = keep, .mutate_arg = &rec};
	llmk_client *c = client(kind, &w);
	llmk_batch *b = filled(c, kind);
	json_t *batch_req, *l, *op;
	char *file, *p, *nl, *answer = NULL;
	const char *url, *path;
	size_t n = 0, i;
	check ck = {0};
	long code;

	if (llmk_batch_submit(b) != LLMK_OK)
		fail_msg("submit refused: %s", llmk_batch_errmsg(b));
	assert_true(rec.n >= 2);
	/* The create body names an endpoint of the spec's enum. */
	batch_req = json_loads(rec.body[1], 0, NULL);
	assert_non_null(batch_req);
	assert_true(endpoint_in_spec(json_string_value(json_object_get(batch_req, "endpoint"))));
	file = file_part(rec.body[0], rec.len[0]);
	for (p = file; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl); /* every line ends in a newline */
		*nl = 0;
		l = json_loads(p, 0, NULL);
		assert_non_null(l);
		assert_true(json_is_string(json_object_get(l, "custom_id")));
		assert_string_equal(json_string_value(json_object_get(l, "method")), "POST");
		url = json_string_value(json_object_get(l, "url"));
		assert_non_null(url);
		assert_true(endpoint_in_spec(url));
		assert_string_equal(url, json_string_value(json_object_get(batch_req, "endpoint")));
		assert_int_equal(json_object_size(l), 4);
		/* The body, at its endpoint: accepted, every member declared. */
		path = url + 3; /* the spec's paths are under /v1 */
		{
			char *text = json_dumps(json_object_get(l, "body"), JSON_COMPACT);
			code = post(path, text, &answer);
			if (code < 200 || code > 299)
				fail_msg("line %zu refused by Prism (%ld): %s\n%s", n + 1, code, text, answer);
			free(answer);
			answer = NULL;
			op = json_object_get(json_object_get(spec, "paths"), path);
			w.sent = text;
			w.sent_len = strlen(text);
			snprintf(w.ctype, sizeof(w.ctype), "application/json");
			check_schema(spec, request_schema(spec, json_object_get(op, "post"), "application/json"), &w,
			             &ck);
			w.sent = NULL;
			free(text);
		}
		json_decref(l);
		n++;
	}
	assert_int_equal(n, 3);
	assert_true(ck.checked > 0);
	if (ck.undeclared)
		fail_msg("%d member(s) of the lines' bodies are not in the spec", ck.undeclared);
	json_decref(batch_req);
	free(file);
	for (i = 0; i < rec.n; i++)
		free(rec.body[i]);
	free(w.sent);
	llmk_batch_free(b);
	llmk_client_free(c);
}

static void test_lines_chat(void **state)
{
	(void)state;
	lines(CHAT);
}

static void test_lines_embed(void **state)
{
	(void)state;
	lines(EMBED);
}

static void test_lines_responses(void **state)
{
	(void)state;
	lines(RESPONSES);
}

/* The upload without its purpose part: Prism's 422 names it. */
static void test_rejected_upload(void **state)
{
	record rec = {.drop_part = "purpose"};
	wire w = {.mutate = keep, .mutate_arg = &rec};
	llmk_client *c = client(CHAT, &w);
	llmk_batch *b = filled(c, CHAT);
	size_t i;

	(void)state;
	assert_int_equal(llmk_batch_submit(b), LLMK_E_BAD_REQUEST);
	assert_non_null(strstr(llmk_batch_errmsg(b), "HTTP 422"));
	/* Prism's own message is generic: its violations, for the same body
	 * sent again, name the part. */
	{
		size_t len;
		char *bad = multipart_drop(rec.body[0], rec.len[0], "purpose", &len), *answer = NULL;
		assert_int_equal(post_as("/files", w.ctype, bad, len, &answer), 422);
		if (!strstr(answer, "purpose"))
			fail_msg("422 without naming purpose: %s", answer);
		free(answer);
		free(bad);
	}
	assert_null(llmk_batch_id(b));
	for (i = 0; i < rec.n; i++)
		free(rec.body[i]);
	free(w.sent);
	llmk_batch_free(b);
	llmk_client_free(c);
}

/* A line body without "messages" is refused at its endpoint: the check
 * of the lines can fail. */
static void test_rejected_line(void **state)
{
	char *answer = NULL;
	long code;

	(void)state;
	code = post("/chat/completions", "{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":16}", &answer);
	assert_int_equal(code, 422);
	assert_non_null(strstr(answer, "messages"));
	free(answer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_accepted_chat),      cmocka_unit_test(test_accepted_embed),
	        cmocka_unit_test(test_accepted_responses), cmocka_unit_test(test_lines_chat),
	        cmocka_unit_test(test_lines_embed),        cmocka_unit_test(test_lines_responses),
	        cmocka_unit_test(test_rejected_upload),    cmocka_unit_test(test_rejected_line),
	};
	const char *data = getenv("LLMK_SHARED_DATA"), *spec_path = getenv("LLMK_PRISM_SPEC");
	int rc;

	base_url = getenv("LLMK_PRISM_URL");
	if (!base_url || !data || !spec_path) {
		fprintf(stderr, "run me through tests/conformance/run.sh "
		                "(needs LLMK_PRISM_URL, LLMK_PRISM_SPEC, LLMK_SHARED_DATA)\n");
		return 1;
	}
	if (conf_init(data) || !(spec = load_spec(spec_path)))
		return 1;
	rc = cmocka_run_group_tests_name("prism-batch", tests, NULL, NULL);
	json_decref(spec);
	conf_cleanup();
	return rc;
}
