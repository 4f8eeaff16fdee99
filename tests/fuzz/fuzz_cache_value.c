/* libFuzzer target: the response cache's stored values (lib/core/cache.h),
 * which come from a store other processes write to (a Redis server, a
 * file): untrusted input.
 *
 * Byte 0 picks the mode:
 *  - even: the rest is the fields of a value; the target puts the header,
 *    the total length and the checksum around it (so mutations get past
 *    the checksum and reach the field parser) and reads it as a chat
 *    (bit 1 clear) or embed value under the key "cache:v1:fuzz:k". A value
 *    read must hold together: the recorded events add up to exactly the
 *    text, reasoning, refusal and tool-call arguments, turn items point
 *    inside their buffers, every accessor works.
 *  - odd: a response made from the rest (text, reasoning, one tool call,
 *    events cutting them into pieces of the sizes the bytes say) is
 *    written, read back and compared: the round trip is exact. */
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "cache.h"
#include "fuzz.h"
#include "response.h"

#define KEY "cache:v1:fuzz:k"
#define NOW 1700000000000LL

static void wrap_and_read(const uint8_t *fields, size_t n, int32_t kind)
{
	size_t len = 14 + n + 6 + 32, i;
	uint8_t *v = malloc(len), sum[32];
	llmk_response *r = NULL;
	llmk__cache_rec rec;
	const char *why;
	uint64_t text = 0, reasoning = 0, refusal = 0;

	memcpy(v, "LLMKCACHE\x01", 10);
	for (i = 0; i < 4; i++)
		v[10 + i] = (uint8_t)(len >> (8 * i));
	if (n)
		memcpy(v + 14, fields, n);
	memcpy(v + 14 + n, "\xff\xff\x20\x00\x00\x00", 6);
	crypto_generichash(sum, 32, v, len - 32, NULL, 0);
	memcpy(v + len - 32, sum, 32);
	if (llmk__cache_value_read(v, len, kind, KEY, NOW, &r, &rec, &why) == 0) {
		FUZZ_CHECK(r != NULL && why != NULL);
		for (i = 0; i < rec.n; i++) {
			const llmk__cache_ev *e = &rec.ev[i];
			if (e->type == LLMK_EVENT_TEXT)
				text += e->len;
			else if (e->type == LLMK_EVENT_REASONING)
				reasoning += e->len;
			else if (e->type == LLMK_EVENT_REFUSAL)
				refusal += e->len;
			else if (e->type == LLMK_EVENT_TOOL_CALL)
				FUZZ_CHECK(e->index < r->ncalls);
		}
		if (rec.n)
			FUZZ_CHECK(text == r->text.len && reasoning == r->reasoning.len && refusal == r->refusal.len);
		for (i = 0; i < r->nitems; i++) {
			const llmk__turn_item *it = &r->items[i];
			FUZZ_CHECK(it->type == LLMK_PART_TOOL_CALL   ? it->start < r->ncalls
			           : it->type == LLMK_PART_TEXT      ? it->start <= r->text.len
			           : it->type == LLMK_PART_REASONING ? it->start <= r->reasoning.len
			           : it->type == LLMK_TURN_REFUSAL   ? it->start <= r->refusal.len
			                                             : it->type == LLMK_PART_OPAQUE);
		}
		FUZZ_CHECK(strlen(llmk_response_text(r)) <= r->text.len);
		for (i = 0; i < llmk_response_tool_call_count(r); i++)
			FUZZ_CHECK(llmk_response_tool_call_arguments(r, i) != NULL);
		for (i = 0; i < llmk_response_embedding_count(r); i++)
			FUZZ_CHECK(llmk_response_embedding(r, i) != NULL);
		(void)llmk_response_header(r, "content-type");
		FUZZ_CHECK(r->http_status >= 200 && r->http_status <= 299);
		llmk_response_free(r);
		llmk__free(rec.ev);
	} else {
		FUZZ_CHECK(r == NULL && rec.ev == NULL && why != NULL);
	}
	free(v);
}

static void round_trip(const uint8_t *d, size_t n)
{
	llmk_response *r = llmk__response_new(), *back = NULL;
	llmk__cache_rec rec = {0}, got;
	llmk__buf v = LLMK__BUF_INIT;
	llmk__tool_call *tc;
	const char *why;
	size_t half = n / 2, off, i, k;

	FUZZ_CHECK(r != NULL);
	llmk__buf_append(&r->text, d, half);
	llmk__buf_append(&r->reasoning, d + half, n - half);
	tc = llmk__response_tool_call(r, 0);
	llmk__buf_append_str(&tc->id, "call_1");
	llmk__buf_append_str(&tc->name, "f");
	llmk__buf_append(&tc->args, d, n);
	llmk__turn_add(r, LLMK_PART_REASONING, 0);
	llmk__turn_add(r, LLMK_PART_TOOL_CALL, 0);
	r->http_status = 200;
	r->usage[LLMK_USAGE_INPUT] = (int64_t)n;
	rec.ev = calloc(3 * n + 3, sizeof(*rec.ev));
	/* text, then reasoning, then the arguments, in pieces of 1 + d[i] % 8 */
	for (k = 0; k < 3; k++) {
		size_t total = k == 0 ? half : k == 1 ? n - half : n;
		for (off = 0, i = 0; off < total; i++) {
			size_t piece = 1 + d[i % n] % 8;
			llmk__cache_ev *e = &rec.ev[rec.n++];
			if (piece > total - off)
				piece = total - off;
			e->type = k == 0 ? LLMK_EVENT_TEXT : k == 1 ? LLMK_EVENT_REASONING : LLMK_EVENT_TOOL_CALL;
			e->len = piece;
			e->flags = k == 2 && off == 0 ? 3 : 0;
			off += piece;
		}
	}
	rec.ev[rec.n].type = LLMK_EVENT_USAGE;
	rec.ev[rec.n++].usage[LLMK_USAGE_INPUT] = (int64_t)n;
	FUZZ_CHECK(llmk__cache_value_write(&v, r, LLMK_CHAT, KEY, 0, &rec) == 0);
	FUZZ_CHECK(llmk__cache_value_read((const uint8_t *)v.data, v.len, LLMK_CHAT, KEY, NOW, &back, &got, &why) == 0);
	FUZZ_CHECK(back->text.len == r->text.len && (!half || !memcmp(back->text.data, r->text.data, half)));
	FUZZ_CHECK(back->reasoning.len == r->reasoning.len);
	FUZZ_CHECK(back->ncalls == 1 && back->calls[0].args.len == n && !strcmp(back->calls[0].id.data, "call_1"));
	FUZZ_CHECK(back->nitems == 2 && back->items[1].type == LLMK_PART_TOOL_CALL);
	FUZZ_CHECK(got.n == rec.n && !memcmp(got.ev, rec.ev, rec.n * sizeof(*rec.ev)));
	/* Under another key or for another kind it is refused. */
	{
		llmk_response *other = NULL;
		llmk__cache_rec orec;
		FUZZ_CHECK(llmk__cache_value_read((const uint8_t *)v.data, v.len, LLMK_EMBED, KEY, NOW, &other, &orec,
		                                  &why) != 0 &&
		           other == NULL);
		FUZZ_CHECK(llmk__cache_value_read((const uint8_t *)v.data, v.len, LLMK_CHAT, KEY "x", NOW, &other,
		                                  &orec, &why) != 0 &&
		           other == NULL);
	}
	llmk_response_free(back);
	llmk__free(got.ev);
	free(rec.ev);
	llmk__buf_free(&v);
	llmk_response_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		round_trip(data + 1, size - 1 > 4096 ? 4096 : size - 1);
	else
		wrap_and_read(data + 1, size - 1, (data[0] & 2) ? LLMK_EMBED : LLMK_CHAT);
	return 0;
}
