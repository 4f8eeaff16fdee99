#define _POSIX_C_SOURCE 200809L
/* Document inputs (llmk_request_add_document()): one request with a PDF and
 * a text document, and the shape each wire format gives them: an OpenAI
 * file part (file_data) and the text as text, a Responses API input_file,
 * Anthropic document blocks (base64, text), Gemini inlineData, Bedrock
 * document blocks; refused, or left out on request, where a provider takes
 * none. Capture transport, no sockets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "llmkit.h"

#define KEY "sk-test-documents-0123456789"
#define BASE "https://api.example.invalid/v1"

/* The first bytes of a PDF are enough: no provider is asked to read it. */
static const uint8_t pdf[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n";
#define PDF_B64 "JVBERi0xLjcKJeLjz9MKMSAwIG9iajw8Pj5lbmRvYmoKJSVFT0YK"
#define NOTES "Meeting notes: caf\xc3\xa9 at 10."

static llmk_request *doc_request(void)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, "Summarise both."), LLMK_OK);
	assert_int_equal(llmk_request_add_document(r, pdf, sizeof(pdf) - 1, "application/pdf", "report Q3.pdf"),
	                 LLMK_OK);
	assert_int_equal(llmk_request_add_document(r, (const uint8_t *)NOTES, strlen(NOTES), "text/plain", NULL),
	                 LLMK_OK);
	return r;
}

static json_t *send_to(tu_fixture *f, const char *model, const char *answer)
{
	llmk_request *r = doc_request();
	llmk_response *resp;

	tu_fixture_use(f, model, KEY, BASE);
	free(f->owned);
	f->owned = read_data(answer, NULL);
	f->cap.resp_body = f->owned;
	if (llmk_send(f->c, r, &resp) != LLMK_OK)
		fail_msg("%s: %s", model, llmk_response_error(resp));
	llmk_response_free(resp);
	llmk_request_free(r);
	return sent_json(&f->cap);
}

static int setup(void **state)
{
	*state = tu_fixture_new("openai/gpt-4o", KEY, BASE);
	return 0;
}

static void test_add_document(void **state)
{
	llmk_request *r;

	(void)state;
	r = doc_request();
	assert_int_equal(llmk_request_part_count(r, 0), 3);
	assert_int_equal(llmk_request_part_type(r, 0, 1), LLMK_PART_DOCUMENT);
	assert_string_equal(llmk_request_part_text(r, 0, 1), "data:application/pdf;base64," PDF_B64);
	assert_string_equal(llmk_request_part_detail(r, 0, 1), "report Q3.pdf");
	assert_string_equal(llmk_request_part_detail(r, 0, 2), "document.txt");
	/* what it refuses */
	assert_int_equal(llmk_request_add_document(r, pdf, 0, "application/pdf", NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_document(r, pdf, 4, "application/msword", NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_document(r, (const uint8_t *)"a\xff", 2, "text/plain", NULL),
	                 LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_document(r, (const uint8_t *)"a\0b", 3, "text/plain", NULL),
	                 LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_document(r, pdf, 4, "application/pdf", "a\"b.pdf"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_document(r, pdf, 4, "application/pdf", "../x.pdf"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "ok"), LLMK_OK);
	assert_int_equal(llmk_request_add_document(r, pdf, 4, "application/pdf", NULL), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_request_errmsg(r), "user messages"));
	assert_int_equal(llmk_request_part_count(r, 0), 3);
	/* read back and written again */
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, NULL), LLMK_OK);
	assert_int_equal(llmk_request_add_part(r, LLMK_PART_DOCUMENT, llmk_request_part_text(r, 0, 1),
	                                       llmk_request_part_detail(r, 0, 1), NULL, NULL, 0),
	                 LLMK_OK);
	assert_string_equal(llmk_request_part_text(r, 2, 0), llmk_request_part_text(r, 0, 1));
	assert_int_equal(
	        llmk_request_add_part(r, LLMK_PART_DOCUMENT, "data:image/png;base64,AA==", "x.png", NULL, NULL, 0),
	        LLMK_E_INVALID_ARG);
	llmk_request_free(r);
}

static void test_openai(void **state)
{
	json_t *j = send_to(*state, "openai/gpt-4o", "openai/chat_completion.json");

	assert_string_equal(jstr(j, "messages.0.content.0.text"), "Summarise both.");
	assert_string_equal(jstr(j, "messages.0.content.1.type"), "file");
	assert_string_equal(jstr(j, "messages.0.content.1.file.filename"), "report Q3.pdf");
	assert_string_equal(jstr(j, "messages.0.content.1.file.file_data"), "data:application/pdf;base64," PDF_B64);
	/* Chat Completions reads PDFs only: a text document goes as text */
	assert_string_equal(jstr(j, "messages.0.content.2.type"), "text");
	assert_string_equal(jstr(j, "messages.0.content.2.text"), NOTES);
	json_decref(j);
}

static void test_responses(void **state)
{
	json_t *j = send_to(*state, "openai-responses/gpt-5", "responses/response_text.json");

	assert_string_equal(jstr(j, "input.0.content.1.type"), "input_file");
	assert_string_equal(jstr(j, "input.0.content.1.filename"), "report Q3.pdf");
	assert_string_equal(jstr(j, "input.0.content.1.file_data"), "data:application/pdf;base64," PDF_B64);
	assert_string_equal(jstr(j, "input.0.content.2.type"), "input_text");
	assert_string_equal(jstr(j, "input.0.content.2.text"), NOTES);
	json_decref(j);
}

static void test_anthropic(void **state)
{
	json_t *j = send_to(*state, "anthropic/claude-sonnet-4-5", "anthropic/message.json");

	assert_string_equal(jstr(j, "messages.0.content.1.type"), "document");
	assert_string_equal(jstr(j, "messages.0.content.1.source.type"), "base64");
	assert_string_equal(jstr(j, "messages.0.content.1.source.media_type"), "application/pdf");
	assert_string_equal(jstr(j, "messages.0.content.1.source.data"), PDF_B64);
	assert_string_equal(jstr(j, "messages.0.content.1.title"), "report Q3.pdf");
	assert_string_equal(jstr(j, "messages.0.content.2.source.type"), "text");
	assert_string_equal(jstr(j, "messages.0.content.2.source.media_type"), "text/plain");
	assert_string_equal(jstr(j, "messages.0.content.2.source.data"), NOTES);
	json_decref(j);
}

static void test_gemini(void **state)
{
	json_t *j = send_to(*state, "gemini/gemini-2.5-flash", "gemini/generate_content.json");

	assert_string_equal(jstr(j, "contents.0.parts.1.inlineData.mimeType"), "application/pdf");
	assert_string_equal(jstr(j, "contents.0.parts.1.inlineData.data"), PDF_B64);
	assert_string_equal(jstr(j, "contents.0.parts.2.inlineData.mimeType"), "text/plain");
	json_decref(j);
}

static void test_bedrock(void **state)
{
	json_t *j;

	setenv("AWS_REGION", "us-east-1", 1);
	j = send_to(*state, "bedrock/anthropic.claude-sonnet-4-5-v1:0", "bedrock/converse.json");
	unsetenv("AWS_REGION");
	assert_string_equal(jstr(j, "messages.0.content.1.document.format"), "pdf");
	assert_string_equal(jstr(j, "messages.0.content.1.document.name"), "report Q3-pdf");
	assert_string_equal(jstr(j, "messages.0.content.1.document.source.bytes"), PDF_B64);
	assert_string_equal(jstr(j, "messages.0.content.2.document.format"), "txt");
	json_decref(j);
}

/* A provider without documents: refused by name, or left out on request. */
static void test_unsupported(void **state)
{
	tu_fixture *f = *state;
	llmk_request *r = doc_request();
	llmk_response *resp;
	json_t *j;

	tu_fixture_use(f, "ollama/llama3.2", NULL, "http://127.0.0.1:11434");
	f->cap.calls = 0;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_response_error(resp), "ollama does not support documents"));
	assert_int_equal(f->cap.calls, 0);
	llmk_response_free(resp);
	assert_int_equal(llmk_request_set_i64(r, LLMK_OPT_DROP_UNSUPPORTED, 1), LLMK_OK);
	free(f->owned);
	f->owned = read_data("ollama/chat.json", NULL);
	f->cap.resp_body = f->owned;
	assert_int_equal(llmk_send(f->c, r, &resp), LLMK_OK);
	assert_string_equal(llmk_response_dropped(resp), "documents");
	llmk_response_free(resp);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "messages.0.content"), "Summarise both.");
	assert_null(body_find(&f->cap, PDF_B64));
	json_decref(j);
	llmk_request_free(r);
	assert_true(llmk_provider_capabilities("anthropic", LLMK_CHAT) & LLMK_CAP_DOCUMENTS);
	assert_false(llmk_provider_capabilities("llamacpp", LLMK_CHAT) & LLMK_CAP_DOCUMENTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_add_document),
	        cmocka_unit_test_setup_teardown(test_openai, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_responses, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_anthropic, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_gemini, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_bedrock, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_unsupported, setup, tu_teardown),
	};
	return cmocka_run_group_tests_name("documents", tests, NULL, NULL);
}
