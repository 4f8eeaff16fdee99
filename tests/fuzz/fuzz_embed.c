/* libFuzzer target: embedding lists (issue 20, lib/providers/toolkit_vectors.c)
 * through the public API, with an oracle.
 *
 * Byte 0: bits 0-1 the number of inputs (1-4), bit 2 the preset ("openai"
 * asks base64, "openai-compatible" asks float; the answer is read in either
 * form), bits 3-7 the transport's write size (0: one write). The rest is the
 * body of a 200 application/json answer to an embeddings request.
 *
 * Whatever the status, nothing may crash or leak. When llmk_send() accepts
 * the answer, jansson (another parser) must agree on every float: the list
 * is re-read from its tree, each number as (float)json_number_value() (2^128,
 * OpenAPI tools' float bound, as FLT_MAX) and
 * each base64 string decoded by libsodium as little-endian float32, rows
 * placed by "index" (else the position); a vector llmk placed elsewhere or
 * read differently is a finding. */
#include <float.h>
#include <math.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "fuzz.h"
#include "llmkit.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static const uint8_t *body;
static size_t body_len, write_size;
static llmk_client *clients[2];
static llmk_request *requests[4];

static int32_t fuzz_send(llmk_exchange *ex, void *user)
{
	size_t off, n;

	(void)user;
	if (llmk_exchange_set_status(ex, 200) || llmk_exchange_add_header(ex, "Content-Type", "application/json"))
		return LLMK_E_CANCELLED;
	for (off = 0; off < body_len; off += n) {
		n = write_size && write_size < body_len - off ? write_size : body_len - off;
		if (llmk_exchange_write(ex, body + off, n))
			return LLMK_E_CANCELLED;
	}
	return LLMK_OK;
}

static void set_or_die(llmk_status st)
{
	FUZZ_CHECK(st == LLMK_OK);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const models[2] = {"openai-compatible/fuzz-embed", "openai/fuzz-embed"};
	llmk_transport tr;
	size_t i, k;

	(void)argc, (void)argv;
	FUZZ_CHECK(sodium_init() >= 0);
	llmk_global_init();
	for (i = 0; i < 2; i++) {
		set_or_die(llmk_client_new(&clients[i], models[i]));
		set_or_die(llmk_client_set_str(clients[i], LLMK_OPT_API_KEY, "fuzz-key-0123456789"));
		set_or_die(llmk_client_set_str(clients[i], LLMK_OPT_BASE_URL, "http://127.0.0.1:9/v1"));
		set_or_die(llmk_client_set_i64(clients[i], LLMK_OPT_MAX_RETRIES, 0));
		set_or_die(llmk_client_set_i64(clients[i], LLMK_OPT_MAX_RESPONSE_BYTES, 16384));
		llmk_transport_init(&tr);
		tr.send = fuzz_send;
		set_or_die(llmk_client_set_transport(clients[i], &tr, NULL));
	}
	for (k = 0; k < 4; k++) {
		set_or_die(llmk_request_new(&requests[k], LLMK_EMBED));
		for (i = 0; i <= k; i++)
			set_or_die(llmk_request_add_input(requests[k], "x"));
	}
	return 0;
}

/* Row idx of the response against the oracle's reading of vec. */
static void check_row(const llmk_response *r, size_t idx, json_t *vec, size_t dim)
{
	const float *row = llmk_response_embedding(r, idx);
	size_t j;

	FUZZ_CHECK(row != NULL);
	if (json_is_array(vec)) {
		FUZZ_CHECK(json_array_size(vec) == dim);
		for (j = 0; j < dim; j++) {
			json_t *x = json_array_get(vec, j);
			double d = json_number_value(x);
			float want;
			FUZZ_CHECK(json_is_number(x));
			/* the documented tolerance: 2^128 (OpenAPI tools' float bound) is FLT_MAX */
			if (fabs(d) > FLT_MAX && fabs(d) <= 0x1p128)
				d = d < 0 ? -FLT_MAX : FLT_MAX;
			want = (float)d;
			FUZZ_CHECK(isfinite(want));
			FUZZ_CHECK(memcmp(&want, &row[j], sizeof(float)) == 0);
		}
	} else {
		const char *s = json_string_value(vec), *end = NULL;
		size_t n = json_string_length(vec), got = 0;
		unsigned char *bin = malloc(n + 4);
		int variant = n && s[n - 1] == '=' ? sodium_base64_VARIANT_ORIGINAL
		                                   : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
		FUZZ_CHECK(s != NULL && bin != NULL);
		/* libsodium may refuse what llmk took (non-canonical last bits):
		 * then there is no second opinion on this vector */
		if (!sodium_base642bin(bin, n + 4, s, n, NULL, &got, &end, variant) && end == s + n) {
			FUZZ_CHECK(got == dim * 4);
			for (j = 0; j < dim; j++) {
				uint32_t u = (uint32_t)bin[4 * j] | (uint32_t)bin[4 * j + 1] << 8 |
				             (uint32_t)bin[4 * j + 2] << 16 | (uint32_t)bin[4 * j + 3] << 24;
				float want;
				memcpy(&want, &u, 4);
				FUZZ_CHECK(isfinite(want));
				FUZZ_CHECK(memcmp(&want, &row[j], sizeof(float)) == 0);
			}
		}
		free(bin);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t inputs, i, dim;
	llmk_response *r = NULL;
	llmk_status st;
	json_t *root, *list;

	if (!size)
		return 0;
	inputs = (data[0] & 3) + 1;
	write_size = data[0] >> 3;
	body = data + 1;
	body_len = size - 1;
	st = llmk_send(clients[(data[0] >> 2) & 1], requests[inputs - 1], &r);
	FUZZ_CHECK(r != NULL);
	if (st != LLMK_OK) {
		FUZZ_CHECK(llmk_response_embedding_count(r) == 0 && llmk_response_embedding(r, 0) == NULL);
		FUZZ_CHECK(llmk_response_error(r) != NULL && llmk_response_error(r)[0]);
		llmk_response_free(r);
		return 0;
	}
	FUZZ_CHECK((size_t)llmk_response_embedding_count(r) == inputs);
	dim = (size_t)llmk_response_embedding_dim(r);
	FUZZ_CHECK(dim > 0);
	root = json_loadb((const char *)body, body_len, 0, NULL);
	list = json_object_get(root, "data");
	if (json_is_array(list)) { /* jansson may refuse what ours takes (integers past int64) */
		FUZZ_CHECK(json_array_size(list) == inputs);
		for (i = 0; i < inputs; i++) {
			json_t *item = json_array_get(list, i), *ix = json_object_get(item, "index");
			size_t idx = json_is_integer(ix) ? (size_t)json_integer_value(ix) : i;
			FUZZ_CHECK(idx < inputs);
			check_row(r, idx, json_object_get(item, "embedding"), dim);
		}
	}
	json_decref(root);
	llmk_response_free(r);
	return 0;
}
