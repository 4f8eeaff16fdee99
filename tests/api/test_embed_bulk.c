#define _POSIX_C_SOURCE 200809L
/* Embeddings at bulk speed (issue 20): which presets ask for base64, the
 * base64 answers read into the float array (both key orders, escaped
 * slashes, mixed with decimal vectors), decimal numbers read exactly as
 * (float)strtod() reads them, and every hostile shape refused with a
 * clear error. Capture transport (no sockets). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define KEY "sk-test-0123456789abcdef0123456789abcdef"

static int setup(void **state)
{
	*state = tu_fixture_new("openai/text-embedding-3-small", KEY, "https://api.example.invalid/v1/");
	return 0;
}

static llmk_request *embed_request(size_t n)
{
	llmk_request *r;
	size_t i;

	assert_int_equal(llmk_request_new(&r, LLMK_EMBED), LLMK_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(llmk_request_add_input(r, "text"), LLMK_OK);
	return r;
}

/* Sends r with body as the answer: the status, and the response in *out. */
static llmk_status answer(tu_fixture *f, llmk_request *r, const char *body, llmk_response **out)
{
	f->cap.resp_body = body;
	return llmk_send(f->c, r, out);
}

/* Which presets ask for base64 (LLMK_Q_EMBED_BASE64), which for float. */
static void test_encoding_per_preset(void **state)
{
	static const struct {
		const char *model, *want;
	} cases[] = {
	        {"openai/text-embedding-3-small", "base64"},
	        {"azure/my-deployment", "base64"},
	        {"vllm/BAAI/bge-m3", "base64"},
	        {"llamacpp/nomic", "base64"},
	        {"openai-compatible/any", "float"},
	        {"lmstudio/nomic", "float"},
	        {"localai/bert", "float"},
	        {"mistral/mistral-embed", "float"},
	        {"together/m2-bert", "float"},
	};
	tu_fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_request *r = embed_request(2);
		llmk_response *resp;
		json_t *j;

		tu_fixture_use(f, cases[i].model, KEY, "https://api.example.invalid/v1/");
		f->owned = read_data("openai/embeddings.json", NULL);
		assert_int_equal(answer(f, r, f->owned, &resp), LLMK_OK);
		j = sent_json(&f->cap);
		if (strcmp(jstr(j, "encoding_format"), cases[i].want))
			fail_msg("%s asked %s, want %s", cases[i].model, jstr(j, "encoding_format"), cases[i].want);
		json_decref(j);
		assert_int_equal(llmk_response_embedding_dim(resp), 4);
		llmk_response_free(resp);
		llmk_request_free(r);
		free(f->owned);
		f->owned = NULL;
	}
}

/* A program that wants the other form says so in extra JSON, which wins. */
static void test_encoding_override(void **state)
{
	tu_fixture *f = *state;
	llmk_request *r = embed_request(2);
	llmk_response *resp;
	json_t *j;

	assert_int_equal(llmk_request_set_extra_json(r, "{\"encoding_format\":\"float\"}"), LLMK_OK);
	f->owned = read_data("openai/embeddings.json", NULL);
	assert_int_equal(answer(f, r, f->owned, &resp), LLMK_OK);
	j = sent_json(&f->cap);
	assert_string_equal(jstr(j, "encoding_format"), "float");
	json_decref(j);
	assert_true(llmk_response_embedding(resp, 1)[0] == 0.5f);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* OpenAI's answer in base64 form: index order and the key order of
 * llama-server (embedding before index) both land in the right rows. */
static void test_base64_answer(void **state)
{
	tu_fixture *f = *state;
	llmk_request *r = embed_request(2);
	llmk_response *resp;
	const float *v;

	/* the float bound as OpenAPI tools write it (2^128; Prism's example
	 * answer): the largest float, not an infinity */
	assert_int_equal(answer(f, r,
	                        "{\"data\":[{\"embedding\":[-3.402823669209385e+38]},"
	                        "{\"embedding\":[3.4028234663852886e+38]}]}",
	                        &resp),
	                 LLMK_OK);
	assert_true(llmk_response_embedding(resp, 0)[0] == -FLT_MAX);
	assert_true(llmk_response_embedding(resp, 1)[0] == FLT_MAX);
	llmk_response_free(resp);

	f->owned = read_data("openai/embeddings_base64.json", NULL);
	assert_int_equal(answer(f, r, f->owned, &resp), LLMK_OK);
	assert_int_equal(llmk_response_embedding_count(resp), 2);
	assert_int_equal(llmk_response_embedding_dim(resp), 4);
	v = llmk_response_embedding(resp, 0);
	assert_true(v[0] == 0.0023064255f && v[1] == -0.009327292f && v[2] == 0.015797347f && v[3] == -0.0077780345f);
	v = llmk_response_embedding(resp, 1);
	assert_true(v[0] == 0.5f && v[1] == -0.25f && v[2] == 0.125f && v[3] == 1.0f);
	assert_string_equal(llmk_response_model(resp), "text-embedding-3-small");
	assert_int_equal(llmk_response_usage(resp, LLMK_USAGE_INPUT), 8);
	llmk_response_free(resp);

	/* "\/" from JSON writers that escape slashes; a decimal vector beside a
	 * base64 one; unpadded base64. 1.0f 2.0f = AACAPwAAAEA= */
	assert_int_equal(answer(f, r,
	                        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAEA=\"},"
	                        "{\"index\":1,\"embedding\":[-3,4.5]}]}",
	                        &resp),
	                 LLMK_OK);
	v = llmk_response_embedding(resp, 1);
	assert_true(v[0] == -3.0f && v[1] == 4.5f);
	llmk_response_free(resp);
	/* 0x3f800000 0xbf800000 with '/' in the text: "AACAPwAAgL8=" has none;
	 * 1.5f, -1.5f = "AADAPwAAwL8=", and 0.9999999f = "//9/Pw==". */
	assert_int_equal(answer(f, r,
	                        "{\"data\":[{\"index\":0,\"embedding\":\"\\/\\/9\\/Pw==\"},"
	                        "{\"index\":1,\"embedding\":\"AADAPw\"}]}",
	                        &resp),
	                 LLMK_OK);
	v = llmk_response_embedding(resp, 0);
	assert_true(v[0] == 0.99999994f);
	v = llmk_response_embedding(resp, 1);
	assert_true(v[0] == 1.5f);
	llmk_response_free(resp);
	llmk_request_free(r);
}

/* Decimal text read as (float)strtod() reads it: the fast path and the
 * slow one agree with the C library on every shape a server writes. */
static void test_decimal_exact(void **state)
{
	enum { N = 4096 };
	tu_fixture *f = *state;
	llmk_request *r = embed_request(1);
	llmk_response *resp;
	char *body = malloc(N * 48 + 256), tok[64];
	float *want = malloc(N * sizeof(float));
	const float *v;
	size_t off, i;
	unsigned seed = 12345;

	off = (size_t)sprintf(body,
	                      "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[");
	for (i = 0; i < N; i++) {
		double x;
		seed = seed * 1103515245u + 12345u;
		x = ((double)(seed >> 8) / 16777216.0 - 0.5) * pow(10.0, (double)((int)(seed % 13) - 8));
		switch (i % 8) {
		case 0: snprintf(tok, sizeof(tok), "%.9g", (double)(float)x); break;
		case 1: snprintf(tok, sizeof(tok), "%.17g", x); break;
		case 2: snprintf(tok, sizeof(tok), "%.3e", x); break;
		case 3: snprintf(tok, sizeof(tok), "%.25f", x); break; /* more than 19 digits */
		case 4: snprintf(tok, sizeof(tok), "%d", (int)(x * 1e6)); break;
		case 5: snprintf(tok, sizeof(tok), "%.6E", x * 1e30); break;
		case 6: snprintf(tok, sizeof(tok), "%s", i % 16 == 6 ? "-0" : "0.0"); break;
		default: snprintf(tok, sizeof(tok), "123456789012345678901234.5e-30"); break;
		}
		/* "-0" is the integer 0 to a JSON parser (jansson too): +0 */
		want[i] = strcmp(tok, "-0") ? (float)strtod(tok, NULL) : 0.0f;
		off += (size_t)sprintf(body + off, "%s%s", i ? (i % 3 ? "," : " ,\n ") : "", tok);
	}
	strcpy(body + off, "]}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}");
	assert_int_equal(answer(f, r, body, &resp), LLMK_OK);
	assert_int_equal(llmk_response_embedding_dim(resp), N);
	v = llmk_response_embedding(resp, 0);
	for (i = 0; i < N; i++)
		if (memcmp(&v[i], &want[i], sizeof(float)))
			fail_msg("number %zu: %.9g, want %.9g", i, (double)v[i], (double)want[i]);
	llmk_response_free(resp);
	llmk_request_free(r);
	free(body);
	free(want);
}

/* Every hostile shape: a clear status and a message naming the problem. */
static void test_hostile_lists(void **state)
{
	static const struct {
		size_t inputs;
		const char *body;
		llmk_status st;
		const char *msg;
	} cases[] = {
	        {2, "{\"data\":[{\"index\":0,\"embedding\":[1,2]}]}", LLMK_E_PROTOCOL, "1 vectors for 2 inputs"},
	        {1, "{\"data\":[{\"embedding\":[1]},{\"embedding\":[2]},{\"embedding\":[3]}]}", LLMK_E_PROTOCOL,
	         "3 vectors for 1 inputs"},
	        {1, "{\"model\":\"m\"}", LLMK_E_PROTOCOL, "no data array"},
	        {1, "{\"data\":{}}", LLMK_E_PROTOCOL, "no data array"},
	        {1, "{\"data\":[{\"embedding\":[NaN]}]}", LLMK_E_PROTOCOL, "not valid JSON"},
	        {1, "{\"data\":[{\"embedding\":[Infinity]}]}", LLMK_E_PROTOCOL, "not valid JSON"},
	        {1, "{\"data\":[{\"embedding\":[1e39]}]}", LLMK_E_PROTOCOL, "beyond float range"},
	        {1, "{\"data\":[{\"embedding\":[3.4028236692093852e+38]}]}", LLMK_E_PROTOCOL, "beyond float range"},
	        {1, "{\"data\":[{\"embedding\":[1e999]}]}", LLMK_E_PROTOCOL, "beyond float range"},
	        {1, "{\"data\":[{\"embedding\":[1,null]}]}", LLMK_E_PROTOCOL, "embedding 0 is not an array of numbers"},
	        {2, "{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[1,null]}]}", LLMK_E_PROTOCOL,
	         "embedding 1 has a non-number"},
	        {2, "{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[1,\"x\",3]}]}", LLMK_E_PROTOCOL,
	         "embedding 1 has a non-number"},
	        {1, "{\"data\":[{\"embedding\":[[1]]}]}", LLMK_E_PROTOCOL, "embedding 0 is not an array of numbers"},
	        {1, "{\"data\":[{\"embedding\":[]}]}", LLMK_E_PROTOCOL, "embedding 0 is not an array of numbers"},
	        {1, "{\"data\":[{\"embedding\":{}}]}", LLMK_E_PROTOCOL, "neither an array of numbers nor base64"},
	        {1, "{\"data\":[{\"index\":0}]}", LLMK_E_PROTOCOL, "embedding 0 is not an array of numbers"},
	        {1, "{\"data\":[7]}", LLMK_E_PROTOCOL, "item 0 of data is not an object"},
	        {2, "{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[1,2,3]}]}", LLMK_E_PROTOCOL,
	         "different dimensions (2 and 3)"},
	        {2, "{\"data\":[{\"embedding\":[1,2,3]},{\"embedding\":[1,2]}]}", LLMK_E_PROTOCOL,
	         "different dimensions (3 and 2)"},
	        {2, "{\"data\":[{\"embedding\":\"AACAPwAAAEA=\"},{\"embedding\":\"AACAPw==\"}]}", LLMK_E_PROTOCOL,
	         "different dimensions (2 and 1)"},
	        {2, "{\"data\":[{\"index\":5,\"embedding\":[1]},{\"index\":0,\"embedding\":[1]}]}", LLMK_E_PROTOCOL,
	         "index 5 out of range"},
	        {2, "{\"data\":[{\"embedding\":[1],\"index\":9}]}", LLMK_E_PROTOCOL, "index 9 out of range"},
	        {2, "{\"data\":[{\"index\":1,\"embedding\":[1]},{\"index\":1,\"embedding\":[2]}]}", LLMK_E_PROTOCOL,
	         "index 1 appears twice"},
	        {1, "{\"data\":[{\"index\":99999999999999999999999,\"embedding\":[1]}]}", LLMK_E_PROTOCOL,
	         "out of range"},
	        {1, "{\"data\":[{\"embedding\":\"AAA\"}]}", LLMK_E_PROTOCOL, "not whole little-endian float32"},
	        {1, "{\"data\":[{\"embedding\":\"AAAAAAA=\"}]}", LLMK_E_PROTOCOL, "not whole little-endian float32"},
	        {1, "{\"data\":[{\"embedding\":\"\"}]}", LLMK_E_PROTOCOL, "not whole little-endian float32"},
	        {1, "{\"data\":[{\"embedding\":\"AA*AAAAAAAAAAAAA\"}]}", LLMK_E_PROTOCOL, "base64 string is not valid"},
	        {1, "{\"data\":[{\"embedding\":\"AA=AAAAAAAAAAAAA\"}]}", LLMK_E_PROTOCOL, "base64 string is not valid"},
	        {1, "{\"data\":[{\"embedding\":\"AADAfw==\"}]}", LLMK_E_PROTOCOL, "NaN or infinite"},
	        {1, "{\"data\":[{\"embedding\":\"AACAfw==\"}]}", LLMK_E_PROTOCOL, "NaN or infinite"},
	        {1, "{\"data\":[{\"embedding\":\"\\u0041ACAPw==\"}]}", LLMK_OK, NULL}, /* escapes are text */
	        {1, "{\"data\":[{\"embedding\":[1,2]}", LLMK_E_PROTOCOL, "not valid JSON"},
	        /* duplicate members: refused, never a vector in a guessed row */
	        {2, "{\"data\":[{\"index\":0,\"embedding\":[1],\"index\":1},{\"embedding\":[1]}]}", LLMK_E_PROTOCOL,
	         "has two \"index\" members"},
	        {1, "{\"data\":[{\"embedding\":[1],\"embedding\":[2]}]}", LLMK_E_PROTOCOL,
	         "has two \"embedding\" members"},
	        /* member names with escapes are the same names */
	        {2, "{\"data\":[{\"ind\\u0065x\":1,\"embedding\":[2]},{\"index\":0,\"emb\\u0065dding\":[1]}]}", LLMK_OK,
	         NULL},
	        /* 2048 inputs and a first vector that 2048 copies could never fit in: no huge allocation */
	        {2048, "{\"data\":[{\"embedding\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21]}]}",
	         LLMK_E_PROTOCOL, "cannot fit"},
	};
	tu_fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		llmk_request *r = embed_request(cases[i].inputs);
		llmk_response *resp;
		llmk_status st = answer(f, r, cases[i].body, &resp);

		if (st != cases[i].st || (cases[i].msg && !strstr(llmk_response_error(resp), cases[i].msg)))
			fail_msg("case %zu (%s): %s \"%s\", want %s \"%s\"", i, cases[i].body, llmk_status_name(st),
			         llmk_response_error(resp), llmk_status_name(cases[i].st),
			         cases[i].msg ? cases[i].msg : "");
		if (st == LLMK_OK)
			assert_true(llmk_response_embedding(resp, 0)[0] == 1.0f);
		else
			assert_null(llmk_response_embedding(resp, 0));
		llmk_response_free(resp);
		llmk_request_free(r);
	}
}

/* 64 x 1536 both ways: the same floats, in the rows the indexes say. */
static void test_bulk_both_forms(void **state)
{
	enum { N = 64, D = 1536 };
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	tu_fixture *f = *state;
	llmk_request *r = embed_request(N);
	llmk_response *a, *b;
	char *text = malloc((size_t)N * D * 20 + 4096), *bin = malloc((size_t)N * D * 6 + 4096);
	size_t ot = 0, ob = 0, i, j, k;

	ot += (size_t)sprintf(text + ot, "{\"object\":\"list\",\"data\":[");
	ob += (size_t)sprintf(bin + ob, "{\"object\":\"list\",\"data\":[");
	for (i = 0; i < N; i++) {
		size_t idx = (i * 37) % N; /* every index once, shuffled */
		unsigned char raw[D * 4];
		ot += (size_t)sprintf(text + ot, "%s{\"object\":\"embedding\",\"index\":%zu,\"embedding\":[",
		                      i ? "," : "", idx);
		ob += (size_t)sprintf(bin + ob, "%s{\"object\":\"embedding\",\"index\":%zu,\"embedding\":\"",
		                      i ? "," : "", idx);
		for (j = 0; j < D; j++) {
			float x = (float)sin((double)(idx * D + j)) * 0.05f;
			uint32_t u;
			ot += (size_t)sprintf(text + ot, "%s%.9g", j ? "," : "", (double)x);
			memcpy(&u, &x, 4);
			raw[j * 4] = (unsigned char)u, raw[j * 4 + 1] = (unsigned char)(u >> 8);
			raw[j * 4 + 2] = (unsigned char)(u >> 16), raw[j * 4 + 3] = (unsigned char)(u >> 24);
		}
		for (k = 0; k + 3 <= sizeof(raw); k += 3) {
			uint32_t t = (uint32_t)raw[k] << 16 | (uint32_t)raw[k + 1] << 8 | raw[k + 2];
			bin[ob++] = b64[t >> 18], bin[ob++] = b64[(t >> 12) & 63];
			bin[ob++] = b64[(t >> 6) & 63], bin[ob++] = b64[t & 63];
		}
		{ /* 6144 bytes = 2048 x 3: no tail */
			assert_int_equal(k, sizeof(raw));
		}
		ot += (size_t)sprintf(text + ot, "]}");
		ob += (size_t)sprintf(bin + ob, "\"}");
	}
	strcpy(text + ot, "],\"model\":\"m\"}");
	strcpy(bin + ob, "],\"model\":\"m\"}");
	assert_int_equal(answer(f, r, text, &a), LLMK_OK);
	assert_int_equal(answer(f, r, bin, &b), LLMK_OK);
	assert_int_equal(llmk_response_embedding_count(a), N);
	assert_int_equal(llmk_response_embedding_dim(b), D);
	for (i = 0; i < N; i++) {
		const float *x = llmk_response_embedding(a, i), *y = llmk_response_embedding(b, i);
		assert_memory_equal(x, y, D * sizeof(float));
		assert_true(x[D - 1] == (float)sin((double)(i * D + D - 1)) * 0.05f);
	}
	llmk_response_free(a);
	llmk_response_free(b);
	llmk_request_free(r);
	free(text);
	free(bin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_encoding_per_preset, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_encoding_override, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_base64_answer, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_decimal_exact, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_hostile_lists, setup, tu_teardown),
	        cmocka_unit_test_setup_teardown(test_bulk_both_forms, setup, tu_teardown),
	};
	llmk_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
