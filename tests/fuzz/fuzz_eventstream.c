/* libFuzzer target: the AWS event-stream decoder (lib/codec/eventstream.h).
 *
 * Input: FUZZ_SPLIT_HDR header bytes, then the stream. Header byte 0:
 * bits 0-1 pick max_message (32, 128, 1024 or the format's 16 MiB); bit 2
 * asks for the CRCs to be fixed up first (each message's prelude and
 * message CRC rewritten from its announced lengths), so that mutations
 * reach the header parser instead of dying at a CRC. Bytes 1..4 are feed
 * sizes (fuzz.h).
 *
 * The stream is decoded twice: in one feed, and in the pieces the header
 * asks for. Both must deliver the same messages and end with the same
 * status. Every message is checked as it arrives (NUL-terminated strings
 * and payload, lengths within the message, no message after a failure),
 * and the result must equal that of a whole-buffer parser written here
 * independently of the decoder. */
#include <string.h>

#include "eventstream.h"
#include "fuzz.h"

typedef struct run {
	size_t max;
	int failed;
	size_t messages;
	uint64_t hash;
} run;

static uint64_t add_str(uint64_t h, const char *s)
{
	size_t n = strlen(s);

	h = fuzz_hash(h, &n, sizeof n);
	return fuzz_hash(h, s, n);
}

static int on_msg(const llmk__evs_message *m, void *user)
{
	run *r = user;

	FUZZ_CHECK(!r->failed);
	FUZZ_CHECK(m->payload != NULL && m->payload[m->payload_len] == '\0');
	FUZZ_CHECK(m->payload_len + 16 <= r->max || m->payload == m->error_message);
	FUZZ_CHECK(m->name && m->message_type && m->event_type && m->exception_type && m->error_code &&
	           m->error_message && m->content_type);
	r->messages++;
	r->hash = add_str(r->hash, m->name);
	r->hash = fuzz_hash(r->hash, &m->payload_len, sizeof m->payload_len);
	r->hash = fuzz_hash(r->hash, m->payload, m->payload_len);
	r->hash = fuzz_hash(r->hash, &m->nheaders, sizeof m->nheaders);
	return 0;
}

static int split_run(run *r, const uint8_t *p, size_t n, fuzz_split *split)
{
	llmk__evs d;
	int first = 0, rc;
	size_t off = 0, k;

	llmk__evs_init(&d, r->max, on_msg, r);
	while (off < n) {
		k = split ? fuzz_split_next(split, n - off) : n - off;
		rc = llmk__evs_feed(&d, p + off, k);
		off += k;
		FUZZ_CHECK(rc <= 0);
		if (rc < 0) {
			FUZZ_CHECK(!first || rc == first);
			first = rc;
			r->failed = 1;
		}
	}
	rc = llmk__evs_finish(&d);
	FUZZ_CHECK(first ? rc == first : rc <= 0);
	if (rc < 0)
		r->failed = 1;
	llmk__evs_free(&d);
	return rc;
}

/* ---- the oracle: whole-buffer parsing, bitwise CRC ---------------------- */

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A string header's value (the last header of a name wins, as in the
 * decoder). */
typedef struct val {
	const uint8_t *p;
	size_t n;
} val;

static int same(const uint8_t *a, size_t an, const char *b)
{
	return a && an == strlen(b) && !memcmp(a, b, an);
}

/* Returns 0 and fills the hash for a message, or an LLMK_EVS_E_* code. */
static int ref_message(const uint8_t *m, uint32_t total, uint32_t hlen, run *r)
{
	static const int fixed[10] = {0, 0, 1, 2, 4, 8, -1, -1, 8, 16};
	val mt = {NULL, 0}, et = {NULL, 0}, xt = {NULL, 0}, ec = {NULL, 0}, em = {NULL, 0}, *pick;
	const uint8_t *h = m + 12;
	size_t i = 0, nheaders = 0, vl, nl, plen = total - 16 - hlen;
	static uint8_t buf[1 << 17];
	size_t bl = 0, mtl;
	const uint8_t *payload = m + 12 + hlen;

	if (crc_bitwise(m, total - 4) != rd32(m + total - 4))
		return LLMK_EVS_E_CRC;
	while (i < hlen) {
		nl = h[i];
		if (nl == 0 || i + 1 + nl + 1 > hlen)
			return LLMK_EVS_E_FORMAT;
		if (h[i + 1 + nl] > 9)
			return LLMK_EVS_E_FORMAT;
		if (fixed[h[i + 1 + nl]] >= 0) {
			vl = (size_t)fixed[h[i + 1 + nl]];
			if (i + 2 + nl + vl > hlen)
				return LLMK_EVS_E_FORMAT;
			i += 2 + nl + vl;
		} else {
			if (i + 4 + nl > hlen)
				return LLMK_EVS_E_FORMAT;
			vl = (size_t)h[i + 2 + nl] << 8 | h[i + 3 + nl];
			if (i + 4 + nl + vl > hlen)
				return LLMK_EVS_E_FORMAT;
			if (h[i + 1 + nl] == 7) {
				pick = same(h + i + 1, nl, ":message-type")     ? &mt
				       : same(h + i + 1, nl, ":event-type")     ? &et
				       : same(h + i + 1, nl, ":exception-type") ? &xt
				       : same(h + i + 1, nl, ":error-code")     ? &ec
				       : same(h + i + 1, nl, ":error-message")  ? &em
				                                                : NULL;
				if (pick) {
					pick->p = h + i + 4 + nl;
					pick->n = vl;
				}
			}
			i += 4 + nl + vl;
		}
		nheaders++;
	}
	/* The name, as the header file documents it: the bytes, read as a C
	 * string (a NUL inside a value ends it). */
#define PUT(p, n)                           \
	do {                                \
		memcpy(buf + bl, (p), (n)); \
		bl += (n);                  \
	} while (0)
	mtl = mt.p ? strnlen((const char *)mt.p, mt.n) : 0;
	if (same(mt.p, mtl, "exception")) {
		PUT("exception:", 10);
		if (xt.p)
			PUT(xt.p, xt.n);
	} else if (same(mt.p, mtl, "error")) {
		PUT("error:", 6);
		if (ec.p)
			PUT(ec.p, ec.n);
		if (!plen) {
			payload = em.p ? em.p : (const uint8_t *)"";
			plen = em.p ? strnlen((const char *)em.p, em.n) : 0;
		}
	} else if (mtl && !same(mt.p, mtl, "event")) {
		PUT(mt.p, mt.n);
		PUT(":", 1);
	} else if (et.p) {
		PUT(et.p, et.n);
	}
#undef PUT
	buf[bl] = 0;
	r->messages++;
	r->hash = add_str(r->hash, (const char *)buf);
	r->hash = fuzz_hash(r->hash, &plen, sizeof plen);
	r->hash = fuzz_hash(r->hash, payload, plen);
	r->hash = fuzz_hash(r->hash, &nheaders, sizeof nheaders);
	return 0;
}

static int reference(run *r, const uint8_t *p, size_t n)
{
	size_t i = 0;
	uint32_t total, hlen;
	int rc;

	while (i < n) {
		if (n - i < 12)
			return LLMK_EVS_E_TRUNCATED;
		total = rd32(p + i);
		hlen = rd32(p + i + 4);
		if (crc_bitwise(p + i, 8) != rd32(p + i + 8))
			return LLMK_EVS_E_CRC;
		if (total < 16 || hlen > total - 16)
			return LLMK_EVS_E_FORMAT;
		if (total > r->max)
			return LLMK_EVS_E_TOO_LARGE;
		if (n - i < total)
			return LLMK_EVS_E_TRUNCATED;
		if ((rc = ref_message(p + i, total, hlen, r)))
			return rc;
		i += total;
	}
	return 0;
}

/* Rewrites both CRCs of every message the lengths delimit. */
static void fix_crcs(uint8_t *p, size_t n)
{
	size_t i = 0;
	uint32_t total;

	while (n - i >= 12) {
		total = rd32(p + i);
		wr32(p + i + 8, crc_bitwise(p + i, 8));
		if (total < 16 || total > n - i)
			return;
		wr32(p + i + total - 4, crc_bitwise(p + i, total - 4));
		i += total;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[4] = {32, 128, 1024, LLMK_EVS_MAX_MESSAGE};
	static uint8_t copy[1 << 16];
	run whole, split, ref;
	fuzz_split sp;
	int rc_whole, rc_split, rc_ref;

	if (size < FUZZ_SPLIT_HDR || size - FUZZ_SPLIT_HDR > sizeof copy)
		return 0;
	memset(&whole, 0, sizeof whole);
	whole.max = maxes[data[0] & 3];
	whole.hash = FUZZ_HASH_INIT;
	split = ref = whole;
	fuzz_split_init(&sp, data);
	memcpy(copy, data + FUZZ_SPLIT_HDR, size - FUZZ_SPLIT_HDR);
	size -= FUZZ_SPLIT_HDR;
	if (data[0] & 4)
		fix_crcs(copy, size);

	rc_whole = split_run(&whole, copy, size, NULL);
	rc_split = split_run(&split, copy, size, &sp);
	rc_ref = reference(&ref, copy, size);
	FUZZ_CHECK(rc_whole == rc_split && whole.messages == split.messages && whole.hash == split.hash);
	FUZZ_CHECK(rc_whole == rc_ref && whole.messages == ref.messages && whole.hash == ref.hash);
	return 0;
}
