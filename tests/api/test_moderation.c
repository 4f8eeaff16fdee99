#define _POSIX_C_SOURCE 200809L
/* Moderation (LLMK_MODERATE) through the public API: OpenAI's text, text
 * array and multi-modal inputs and Mistral's text inputs as sent, the
 * published example answers read back by category name and by index, bad
 * inputs refused before sending, hostile answers refused with
 * LLMK_E_PROTOCOL. Capture transport; fixtures: tests/data/kinds/README.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "llmkit.h"

#define KEY "md-test-0123456789abcdef0123456789abcdef"

typedef tu_fixture fixture;

static int setup(void **state)
{
	*state = tu_fixture_new("openai/omni-moderation-latest", KEY, NULL);
	return 0;
}

static llmk_request *moderate(const char *const *texts, size_t n)
{
	llmk_request *r;
	size_t i;

	assert_int_equal(llmk_request_new(&r, LLMK_MODERATE), LLMK_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(llmk_request_add_input(r, texts[i]), LLMK_OK);
	return r;
}

/* The spec's "Single string" example: request and answer. */
static void test_openai_text(void **state)
{
	fixture *f = *state;
	static const char *const text[] = {"I want to kill them."};
	llmk_request *r = moderate(text, 1);
	llmk_response *resp;
	json_t *sent;
	char *answer = read_data("kinds/openai_moderation_text.json", NULL);
	size_t j, n;

	f->cap.resp_body = answer;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.openai.com/v1/moderations");
	assert_string_equal(capture_header(&f->cap, "Authorization"), "Bearer " KEY);
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "input"), "I want to kill them.");
	assert_string_equal(jstr(sent, "model"), "omni-moderation-latest");
	assert_int_equal(json_object_size(sent), 2);
	assert_int_equal(llmk_response_moderation_count(resp), 1);
	assert_int_equal(llmk_response_moderation_flagged(resp, 0), 1);
	n = llmk_response_moderation_category_count(resp, 0);
	assert_int_equal(n, 11);
	assert_int_equal(llmk_response_moderation_category_flagged(resp, 0, "harassment", 0), 1);
	assert_int_equal(llmk_response_moderation_category_flagged(resp, 0, "sexual", 0), 0);
	assert_int_equal(llmk_response_moderation_category_flagged(resp, 0, "illicit", 0), -1); /* not reported */
	assert_true(fabs(llmk_response_moderation_category_score(resp, 0, "violence", 0) - 0.9971134662628174) < 1e-12);
	assert_true(isnan(llmk_response_moderation_category_score(resp, 0, "illicit", 0)));
	assert_null(llmk_response_moderation_category_inputs(resp, 0, "violence", 0));
	/* By index: names in the answer's order, same values as by name. */
	assert_string_equal(llmk_response_moderation_category_name(resp, 0, 0), "sexual");
	for (j = 0; j < n; j++) {
		const char *name = llmk_response_moderation_category_name(resp, 0, j);
		assert_non_null(name);
		assert_int_equal(llmk_response_moderation_category_flagged(resp, 0, NULL, j),
		                 llmk_response_moderation_category_flagged(resp, 0, name, 0));
		assert_true(llmk_response_moderation_category_score(resp, 0, NULL, j) ==
		            llmk_response_moderation_category_score(resp, 0, name, 0));
	}
	assert_null(llmk_response_moderation_category_name(resp, 0, n));
	assert_int_equal(llmk_response_moderation_flagged(resp, 1), -1);
	assert_int_equal(llmk_response_moderation_category_count(resp, 1), 0);
	assert_string_equal(llmk_response_model(resp), "text-moderation-007");
	assert_string_equal(llmk_response_id(resp), "modr-AB8CjOTu2jiq12hp1AQPfeqFWaORR");
	json_decref(sent);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

static void test_openai_texts(void **state)
{
	fixture *f = *state;
	static const char *const texts[] = {"first", "second"};
	llmk_request *r = moderate(texts, 2);
	llmk_response *resp;
	json_t *sent;

	f->cap.resp_body = "{\"id\":\"m\",\"model\":\"omni-moderation-latest\",\"results\":["
	                   "{\"flagged\":false,\"categories\":{\"hate\":false},\"category_scores\":{\"hate\":0.01}},"
	                   "{\"flagged\":true,\"categories\":{\"hate\":true},\"category_scores\":{\"hate\":0.99}}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	sent = sent_json(&f->cap);
	assert_true(json_is_array(jget(sent, "input")));
	assert_string_equal(jstr(sent, "input.1"), "second");
	assert_int_equal(llmk_response_moderation_count(resp), 2);
	assert_int_equal(llmk_response_moderation_flagged(resp, 0), 0);
	assert_int_equal(llmk_response_moderation_flagged(resp, 1), 1);
	json_decref(sent);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* The spec's "Image and text" example. */
static void test_openai_image(void **state)
{
	fixture *f = *state;
	static const char *const text[] = {"...text to classify goes here..."};
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
	llmk_request *r = moderate(text, 1);
	llmk_response *resp;
	json_t *sent;
	char *answer = read_data("kinds/openai_moderation_image.json", NULL);

	assert_int_equal(llmk_request_add_image_url(r, "https://example.com/image.png", NULL), LLMK_OK);
	assert_int_equal(llmk_request_add_image_data(r, png, sizeof(png), "image/png"), LLMK_OK);
	f->cap.resp_body = answer;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "input.0.type"), "text");
	assert_string_equal(jstr(sent, "input.0.text"), "...text to classify goes here...");
	assert_string_equal(jstr(sent, "input.1.type"), "image_url");
	assert_string_equal(jstr(sent, "input.1.image_url.url"), "https://example.com/image.png");
	assert_string_equal(jstr(sent, "input.2.image_url.url"), "data:image/png;base64,iVBORw0KGgo=");
	assert_int_equal(llmk_response_moderation_count(resp), 1);
	assert_int_equal(llmk_response_moderation_category_count(resp, 0), 13);
	assert_string_equal(llmk_response_moderation_category_inputs(resp, 0, "sexual", 0), "text,image");
	assert_string_equal(llmk_response_moderation_category_inputs(resp, 0, "harassment", 0), "text");
	assert_int_equal(llmk_response_moderation_category_flagged(resp, 0, "violence/graphic", 0), 1);
	json_decref(sent);
	llmk_response_free(resp);
	/* Mistral moderates text only: refused, naming it. */
	tu_fixture_use(f, "mistral/mistral-moderation-latest", KEY, NULL);
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "mistral moderates text only (the request has 2 images)"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

/* Mistral: the spec's example answer has no flagged: derived from the
 * categories. */
static void test_mistral(void **state)
{
	fixture *f = *state;
	static const char *const texts[] = {"Such a lovely day today, isn't it?", "Now, I'm pretty confident we should "
	                                                                          "break into the museum."};
	llmk_request *r = moderate(texts, 2);
	llmk_response *resp;
	json_t *sent;
	char *answer = read_data("kinds/mistral_moderation.json", NULL);

	tu_fixture_use(f, "mistral/mistral-moderation-latest", KEY, NULL);
	f->cap.resp_body = answer;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.mistral.ai/v1/moderations");
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "model"), "mistral-moderation-latest");
	assert_string_equal(jstr(sent, "input.0"), "Such a lovely day today, isn't it?");
	assert_int_equal(json_object_size(sent), 2);
	assert_int_equal(llmk_response_moderation_count(resp), 2);
	assert_int_equal(llmk_response_moderation_category_count(resp, 1), 9);
	assert_int_equal(llmk_response_moderation_flagged(resp, 0), 0);
	assert_int_equal(llmk_response_moderation_category_flagged(resp, 0, "hate_and_discrimination", 0), 0);
	assert_false(isnan(llmk_response_moderation_category_score(resp, 0, "violence_and_threats", 0)));
	json_decref(sent);
	llmk_response_free(resp);
	/* A flagged category makes the result flagged. */
	f->cap.resp_body = "{\"id\":\"m\",\"model\":\"mistral-moderation-latest\",\"results\":[{\"categories\":"
	                   "{\"selfharm\":true,\"law\":false},\"category_scores\":{\"selfharm\":0.9,\"law\":0.1}},"
	                   "{\"categories\":{\"law\":false}}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_int_equal(llmk_response_moderation_flagged(resp, 0), 1);
	assert_int_equal(llmk_response_moderation_flagged(resp, 1), 0);
	assert_true(isnan(llmk_response_moderation_category_score(resp, 1, "law", 0)));
	llmk_response_free(resp);
	/* One result for two texts: which text was judged? Refused. */
	f->cap.resp_body = "{\"results\":[{\"categories\":{\"law\":false}}]}";
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "1 results for 2 inputs"));
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

/* Mistral's chat moderation: a conversation (llmk_request_add_message)
 * judged as one; the spec's example answer. Other providers refuse it. */
static void test_mistral_conversation(void **state)
{
	fixture *f = *state;
	llmk_request *r = moderate(NULL, 0);
	llmk_response *resp;
	json_t *sent;
	char *answer = read_data("kinds/mistral_chat_moderation.json", NULL);

	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You are a museum guide."), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "How do I get in after closing time?"), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "You cannot."), LLMK_OK);
	tu_fixture_use(f, "mistral/mistral-moderation-latest", KEY, NULL);
	f->cap.resp_body = answer;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(f->cap.url, "https://api.mistral.ai/v1/chat/moderations");
	sent = sent_json(&f->cap);
	assert_string_equal(jstr(sent, "model"), "mistral-moderation-latest");
	assert_int_equal(json_array_size(jget(sent, "input")), 3);
	assert_string_equal(jstr(sent, "input.0.role"), "system");
	assert_string_equal(jstr(sent, "input.1.role"), "user");
	assert_string_equal(jstr(sent, "input.1.content"), "How do I get in after closing time?");
	assert_string_equal(jstr(sent, "input.2.role"), "assistant");
	assert_int_equal(json_object_size(sent), 2);
	assert_int_equal(llmk_response_moderation_count(resp), 1);
	assert_int_equal(llmk_response_moderation_flagged(resp, 0), 0);
	assert_int_equal(llmk_response_moderation_category_count(resp, 0), 9);
	json_decref(sent);
	llmk_response_free(resp);
	/* Texts and a conversation at once: which is to be judged? */
	assert_int_equal(llmk_request_add_input(r, "and this"), LLMK_OK);
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "a conversation and inputs or images"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	/* OpenAI moderates texts, not conversations. */
	r = moderate(NULL, 0);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "hello"), LLMK_OK);
	tu_fixture_use(f, "openai/omni-moderation-latest", KEY, NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp),
	                       "openai moderates texts (llmk_request_add_input), not conversations"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(answer);
}

static void test_bad_inputs(void **state)
{
	fixture *f = *state;
	static const char *const empty[] = {"ok", ""};
	llmk_request *r = moderate(NULL, 0);
	llmk_response *resp;

	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "moderation request has no input"));
	llmk_response_free(resp);
	llmk_request_free(r);
	r = moderate(empty, 2);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_response_error(resp), "moderation input 1 is empty"));
	llmk_response_free(resp);
	tu_fixture_use(f, "anthropic/claude-haiku-4-5", KEY, NULL);
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "anthropic does not serve moderate requests"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	llmk_request_free(r);
	/* Images on other kinds still need a message. */
	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	assert_int_equal(llmk_request_add_image_url(r, "https://example.com/a.png", NULL), LLMK_E_INVALID_ARG);
	llmk_request_free(r);
}

static void test_hostile(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *body, *part;
	} cases[] = {
	        {"{\"results\":[]}", "0 results for 1 inputs"},
	        {"{\"results\":[{\"categories\":{}},{\"categories\":{}}]}", "2 results for 1 inputs"},
	        {"{\"results\":{}}", "0 results for 1 inputs"},
	        {"{\"results\":[{}]}", "has no categories"},
	        {"{\"results\":null}", "0 results for 1 inputs"},
	        {"{\"results\":[7]}", "is not an object"},
	        {"{\"results\":[{\"categories\":{\"hate\":\"yes\"}}]}", "category hate is not true or false"},
	        {"{\"results\":[{\"categories\":{\"hate\":true},\"category_scores\":{\"hate\":\"0.5\"}}]}",
	         "score of hate is not a number"},
	        {"{\"results\":[{\"flagged\":1,\"categories\":{\"hate\":true}}]}", "flagged is not true or false"},
	        {"{\"results\":", "not valid JSON"},
	};
	static const char *const text[] = {"x"};
	llmk_request *r = moderate(text, 1);
	llmk_response *resp;
	size_t i;
	char *many;
	size_t off;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->cap.resp_body = cases[i].body;
		assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
		if (!strstr(llmk_response_error(resp), cases[i].part))
			fail_msg("case %zu: error '%s' lacks '%s'", i, llmk_response_error(resp), cases[i].part);
		assert_int_equal(llmk_response_moderation_count(resp), 0);
		llmk_response_free(resp);
	}
	/* More categories than anyone has. */
	many = malloc(300 * 16 + 64);
	off = (size_t)sprintf(many, "{\"results\":[{\"categories\":{");
	for (i = 0; i < 300; i++)
		off += (size_t)sprintf(many + off, "%s\"c%zu\":true", i ? "," : "", i);
	strcpy(many + off, "}}]}");
	f->cap.resp_body = many;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_PROTOCOL);
	assert_non_null(strstr(llmk_response_error(resp), "300 categories"));
	llmk_response_free(resp);
	free(many);
	llmk_request_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_openai_text, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_openai_texts, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_openai_image, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_mistral, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_mistral_conversation, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_inputs, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_hostile, setup, tu_teardown),
	};
	llmk_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
