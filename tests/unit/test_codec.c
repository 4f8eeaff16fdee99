/* Codecs: multipart bodies, base64, data URLs, the byte buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "b64.h"
#include "multipart.h"
#include "alloc.h"
#include "buf.h"

static void test_buf_growth(void **state)
{
	llmk__buf b = LLMK__BUF_INIT;
	size_t i, len;
	char *p;

	(void)state;
	for (i = 0; i < 10000; i++)
		assert_int_equal(llmk__buf_append_char(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[10000], '\0');
	assert_int_equal(b.data[27], 'b');
	assert_true(b.cap >= 10001 && b.cap <= 2 * 10001 + 64);
	assert_int_equal(llmk__buf_reserve(&b, (size_t)-1), -1); /* overflow refused, buffer intact */
	assert_int_equal(b.len, 10000);
	llmk__buf_clear(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	llmk__buf_append_str(&b, "xyz");
	p = llmk__buf_detach(&b, &len);
	assert_string_equal(p, "xyz");
	assert_int_equal(len, 3);
	assert_null(b.data);
	llmk__free(p);
	p = llmk__buf_detach(&b, &len); /* empty buffer detaches as "" */
	assert_string_equal(p, "");
	llmk__free(p);
}

static void test_multipart_layout(void **state)
{
	llmk__multipart m, m2;
	static const uint8_t bin[] = {0, 1, 2, '\r', '\n', 0xff};
	char expect[1024];

	(void)state;
	llmk__multipart_init(&m);
	llmk__multipart_init(&m2);
	assert_int_equal(strncmp(m.boundary, "llmkit-", 7), 0);
	assert_int_equal(strlen(m.boundary), 7 + 24);
	assert_string_not_equal(m.boundary, m2.boundary); /* random per body */
	assert_int_equal(strncmp(m.content_type, "multipart/form-data; boundary=", 30), 0);
	assert_string_equal(m.content_type + 30, m.boundary);
	llmk__multipart_field(&m, "model", "whisper-1");
	llmk__multipart_file(&m, "file", "a.wav", "audio/wav", bin, sizeof(bin));
	assert_int_equal(llmk__multipart_finish(&m), 0);
	snprintf(expect, sizeof(expect),
	         "--%s\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
	         "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: "
	         "audio/wav\r\n\r\n",
	         m.boundary, m.boundary);
	assert_int_equal(memcmp(m.body.data, expect, strlen(expect)), 0);
	assert_memory_equal(m.body.data + strlen(expect), bin, sizeof(bin));
	snprintf(expect, sizeof(expect), "\r\n--%s--\r\n", m.boundary);
	assert_string_equal(m.body.data + m.body.len - strlen(expect), expect);
	llmk__multipart_free(&m);

	/* a value that contains the boundary is refused, not sent broken */
	llmk__multipart_field(&m2, "prompt", m2.boundary);
	assert_int_equal(llmk__multipart_finish(&m2), -1);
	llmk__multipart_free(&m2);
}

static void test_base64(void **state)
{
	uint8_t *out;
	size_t len;
	int bad;
	char *url;

	(void)state;
	/* RFC 4648 section 10 test vectors */
	out = llmk__b64_decode("Zm9vYmFy", 8, &len, &bad);
	assert_int_equal(len, 6);
	assert_memory_equal(out, "foobar", 6);
	llmk__free(out);
	out = llmk__b64_decode("Zm9vYg==", 8, &len, &bad);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "foob", 4);
	llmk__free(out);
	out = llmk__b64_decode("Zm9v\nYmE=\n", 10, &len, &bad); /* line breaks ignored */
	assert_int_equal(len, 5);
	assert_memory_equal(out, "fooba", 5);
	llmk__free(out);
	out = llmk__b64_decode("", 0, &len, &bad);
	assert_non_null(out);
	assert_int_equal(len, 0);
	llmk__free(out);
	assert_null(llmk__b64_decode("Zm9v!!", 6, &len, &bad));
	assert_int_equal(bad, 1);

	url = llmk__data_url("image/png", (const uint8_t *)"foobar", 6);
	assert_string_equal(url, "data:image/png;base64,Zm9vYmFy");
	llmk__free(url);
	url = llmk__data_url("image/gif", (const uint8_t *)"f", 1);
	assert_string_equal(url, "data:image/gif;base64,Zg==");
	llmk__free(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_buf_growth),
	        cmocka_unit_test(test_multipart_layout),
	        cmocka_unit_test(test_base64),
	};
	return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
