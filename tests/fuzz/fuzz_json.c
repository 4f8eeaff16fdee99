/* libFuzzer target: the JSON parser (lib/core/json.h), differentially
 * against jansson's json_loadb(), whose language it must accept exactly.
 *
 * Input: byte 0 picks the flags (bit 0 JSON_DECODE_ANY, bit 1
 * JSON_ALLOW_NUL); the rest is the text. Both parsers must agree on
 * whether it is JSON, and on success produce the same value, key order
 * included (compared as jansson's compact dump), except that we reject a
 * raw NUL byte wherever it is. The writer (llmk__json_dump) must then write
 * the value exactly as json_dumps() does. A failure must say where:
 * a position inside the input and a message. */
#include <string.h>

#include "json.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t flags = 0;
	json_error_t e1, e2;
	json_t *ours, *ref;

	if (!size)
		return 0;
	if (data[0] & 1)
		flags |= JSON_DECODE_ANY;
	if (data[0] & 2)
		flags |= JSON_ALLOW_NUL;
	data++;
	size--;
	ours = llmk__json_loadb((const char *)data, size, flags | LLMK_JSON_STRICT_NUMBERS, &e1);
	/* Without the flag (answers from servers) every document accepted
	 * strictly reads the same; numbers out of range only make it lenient. */
	{
		json_t *lenient = llmk__json_loadb((const char *)data, size, flags, NULL);
		if (ours) {
			char *a = json_dumps(ours, JSON_COMPACT | JSON_ENCODE_ANY),
			     *b = json_dumps(lenient, JSON_COMPACT | JSON_ENCODE_ANY);
			FUZZ_CHECK(lenient && a && b && !strcmp(a, b));
			free(a);
			free(b);
		}
		json_decref(lenient);
	}
	/* A raw NUL is never JSON; jansson 2.14 skips one after a number
	 * ("[1\0]" gives [1]), so it is not asked. */
	if (memchr(data, '\0', size)) {
		FUZZ_CHECK(ours == NULL);
		return 0;
	}
	/* The member filter and the span (llmk__json_loadb_span): a root
	 * object read with "data" skipped and located fails where the full
	 * parse fails (unless on its memory budget, which skipping does not
	 * spend) and succeeds where it succeeds, and the span's bytes parse to
	 * the full tree's "data" member. */
	if (!(flags & JSON_ALLOW_NUL)) {
		static const char *const keep[] = {"model", NULL};
		json_error_t e3;
		size_t off = 0, len = 0;
		json_t *full = llmk__json_loadb((const char *)data, size, flags, &e3);
		json_t *part = llmk__json_loadb_span((const char *)data, size, flags, keep, "data", &off, &len, NULL);
		if (full && json_is_object(full)) {
			json_t *want = json_object_get(full, "data");
			FUZZ_CHECK(part != NULL);
			FUZZ_CHECK(json_equal(json_object_get(part, "model"), json_object_get(full, "model")) ||
			           (!json_object_get(part, "model") && !json_object_get(full, "model")));
			FUZZ_CHECK((want != NULL) == (len != 0));
			if (want) {
				json_t *got = llmk__json_loadb((const char *)data + off, len, JSON_DECODE_ANY, NULL);
				FUZZ_CHECK(got && json_equal(got, want));
				json_decref(got);
			}
		} else if (!full && !llmk__json_error_too_large(&e3)) {
			FUZZ_CHECK(part == NULL);
		}
		json_decref(full);
		json_decref(part);
	}
	ref = json_loadb((const char *)data, size, flags, &e2);
	FUZZ_CHECK((ours == NULL) == (ref == NULL));
	if (ours) {
		char *a = json_dumps(ours, JSON_COMPACT | JSON_ENCODE_ANY),
		     *b = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
		FUZZ_CHECK(a && b && !strcmp(a, b));
		FUZZ_CHECK(json_equal(ours, ref));
		/* The writer: byte for byte jansson's text (default precision
		 * here; 15 digits as request bodies use). */
		{
			llmk__buf w = LLMK__BUF_INIT;
			char *c = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
			FUZZ_CHECK(llmk__json_dump(&w, ref, 0) == 0 && !strcmp(w.data, a));
			llmk__buf_clear(&w);
			FUZZ_CHECK(c && llmk__json_dump(&w, ref, 15) == 0 && !strcmp(w.data, c));
			llmk__buf_free(&w);
			free(c);
		}
		free(a);
		free(b);
	} else {
		FUZZ_CHECK(e1.position >= 0 && (size_t)e1.position <= size);
		FUZZ_CHECK(e1.text[0] != '\0' && e1.line >= 1 && e1.column >= 1);
	}
	json_decref(ours);
	json_decref(ref);
	return 0;
}
