/* AWS event-stream decoder (lib/codec/eventstream.c): CRC32 against known
 * values, a frame whose CRCs were computed elsewhere (Python's zlib.crc32),
 * frames built here (with a bitwise CRC32 independent of the library's
 * table) fed at every split and one byte at a time, every header type,
 * corrupted CRCs and lengths rejected, limits, truncation, stopping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "eventstream.h"

/* ---- frames built by the test ---------------------------------------- */

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

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Appends "name" (string header) to hdrs. */
static size_t str_header(uint8_t *h, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	h[0] = (uint8_t)nl;
	memcpy(h + 1, name, nl);
	h[1 + nl] = 7;
	h[2 + nl] = (uint8_t)(vl >> 8);
	h[3 + nl] = (uint8_t)vl;
	memcpy(h + 4 + nl, value, vl);
	return 4 + nl + vl;
}

/* A whole message into out; returns its length. */
static size_t frame(uint8_t *out, const uint8_t *hdrs, size_t hlen, const char *payload)
{
	size_t pl = strlen(payload), total = 16 + hlen + pl;

	put32(out, (uint32_t)total);
	put32(out + 4, (uint32_t)hlen);
	put32(out + 8, crc_bitwise(out, 8));
	memcpy(out + 12, hdrs, hlen);
	memcpy(out + 12 + hlen, payload, pl);
	put32(out + total - 4, crc_bitwise(out, total - 4));
	return total;
}

static size_t event(uint8_t *out, const char *type, const char *payload)
{
	uint8_t h[256];
	size_t n = 0;

	n += str_header(h + n, ":event-type", type);
	n += str_header(h + n, ":content-type", "application/json");
	n += str_header(h + n, ":message-type", "event");
	return frame(out, h, n, payload);
}

/* ---- what the decoder delivered -------------------------------------- */

typedef struct seen {
	char names[16][64];
	char payloads[16][128];
	char ctypes[16][32];
	size_t nheaders[16];
	int n, stop_at;
} seen;

static int on_msg(const llmk__evs_message *m, void *user)
{
	seen *s = user;

	assert_true(s->n < 16);
	assert_int_equal(m->payload[m->payload_len], '\0');
	assert_int_equal(strlen(m->payload), m->payload_len);
	snprintf(s->names[s->n], 64, "%s", m->name);
	snprintf(s->payloads[s->n], 128, "%s", m->payload);
	snprintf(s->ctypes[s->n], 32, "%s", m->content_type);
	s->nheaders[s->n] = m->nheaders;
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 9 : 0;
}

static int feed_in_steps(const uint8_t *p, size_t n, size_t step, size_t max, seen *s)
{
	llmk__evs d;
	size_t off;
	int rc = 0;

	llmk__evs_init(&d, max, on_msg, s);
	for (off = 0; off < n && !rc; off += step)
		rc = llmk__evs_feed(&d, p + off, step < n - off ? step : n - off);
	if (!rc)
		rc = llmk__evs_finish(&d);
	llmk__evs_free(&d);
	return rc;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_crc32_known_values(void **state)
{
	static const uint8_t prelude[8] = {0, 0, 0, 16, 0, 0, 0, 0};

	(void)state;
	assert_int_equal(llmk__crc32(0, "123456789", 9), 0xCBF43926u); /* the CRC-32 check value */
	assert_int_equal(llmk__crc32(0, "", 0), 0);
	assert_int_equal(llmk__crc32(0, prelude, 8), 0x05C248EBu); /* zlib.crc32 */
	/* Continuing equals one pass. */
	assert_int_equal(llmk__crc32(llmk__crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

/* A ConverseStream contentBlockDelta frame whose CRCs (0xc37babff prelude,
 * 0xf2ace5ff message) were computed with Python's zlib.crc32. */
static const uint8_t known_frame[] = "\x00\x00\x00\x9f\x00\x00\x00\x57\xc3\x7b\xab\xff"
                                     "\x0b:event-type\x07\x00\x11"
                                     "contentBlockDelta"
                                     "\x0d:content-type\x07\x00\x10"
                                     "application/json"
                                     "\x0d:message-type\x07\x00\x05"
                                     "event"
                                     "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"},\"p\":\"abcd\"}"
                                     "\xf2\xac\xe5\xff";

static void test_known_frame(void **state)
{
	seen s;
	size_t n = sizeof(known_frame) - 1, step;

	(void)state;
	assert_int_equal(n, 159);
	for (step = 1; step <= n; step++) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(feed_in_steps(known_frame, n, step, 0, &s), 0);
		assert_int_equal(s.n, 1);
		assert_string_equal(s.names[0], "contentBlockDelta");
		assert_string_equal(s.ctypes[0], "application/json");
		assert_string_equal(s.payloads[0],
		                    "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"},\"p\":\"abcd\"}");
		assert_int_equal(s.nheaders[0], 3);
	}
}

static size_t sample_stream(uint8_t *buf)
{
	uint8_t h[256];
	size_t n = 0, hn;

	n += event(buf + n, "messageStart", "{\"role\":\"assistant\"}");
	n += event(buf + n, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hello\"}}");
	n += event(buf + n, "contentBlockStop", "{\"contentBlockIndex\":0}");
	/* An exception, then an error (message in a header, no payload). */
	hn = str_header(h, ":exception-type", "throttlingException");
	hn += str_header(h + hn, ":message-type", "exception");
	n += frame(buf + n, h, hn, "{\"message\":\"slow down\"}");
	hn = str_header(h, ":message-type", "error");
	hn += str_header(h + hn, ":error-code", "InternalFailure");
	hn += str_header(h + hn, ":error-message", "boom");
	n += frame(buf + n, h, hn, "");
	/* No headers, empty payload: the smallest message (16 bytes). */
	n += frame(buf + n, h, 0, "");
	return n;
}

static void check_sample(const seen *s)
{
	assert_int_equal(s->n, 6);
	assert_string_equal(s->names[0], "messageStart");
	assert_string_equal(s->payloads[0], "{\"role\":\"assistant\"}");
	assert_string_equal(s->names[1], "contentBlockDelta");
	assert_string_equal(s->payloads[1], "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hello\"}}");
	assert_string_equal(s->names[2], "contentBlockStop");
	assert_string_equal(s->names[3], "exception:throttlingException");
	assert_string_equal(s->payloads[3], "{\"message\":\"slow down\"}");
	assert_string_equal(s->names[4], "error:InternalFailure");
	assert_string_equal(s->payloads[4], "boom");
	assert_string_equal(s->names[5], "");
	assert_string_equal(s->payloads[5], "");
	assert_int_equal(s->nheaders[5], 0);
}

static void test_every_split(void **state)
{
	uint8_t buf[2048];
	size_t n = sample_stream(buf), step;
	seen s;

	(void)state;
	for (step = 1; step <= n; step++) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(feed_in_steps(buf, n, step, 0, &s), 0);
		check_sample(&s);
	}
}

/* Split at every single position into two feeds, too. */
static void test_every_cut(void **state)
{
	uint8_t buf[2048];
	size_t n = sample_stream(buf), cut;
	llmk__evs d;
	seen s;

	(void)state;
	for (cut = 0; cut <= n; cut++) {
		memset(&s, 0, sizeof(s));
		llmk__evs_init(&d, 0, on_msg, &s);
		assert_int_equal(llmk__evs_feed(&d, buf, cut), 0);
		assert_int_equal(llmk__evs_feed(&d, buf + cut, n - cut), 0);
		assert_int_equal(llmk__evs_finish(&d), 0);
		check_sample(&s);
		llmk__evs_free(&d);
	}
}

static void test_every_header_type(void **state)
{
	uint8_t h[256], buf[512];
	size_t n = 0, len;
	seen s;

	(void)state;
	/* bool true, bool false, byte, short, int, long, bytes, timestamp, uuid */
	static const uint8_t typed[] = {
	        1,   't', 0,                                                 /* true */
	        1,   'f', 1,                                                 /* false */
	        1,   'b', 2,   0x7f,                                         /* byte */
	        1,   's', 3,   1,    2,                                      /* short */
	        1,   'i', 4,   1,    2,   3,   4,                            /* int */
	        1,   'l', 5,   1,    2,   3,   4,    5,    6,   7,   8,      /* long */
	        1,   'y', 6,   0,    3,   0,   0xff, 1,                      /* bytes */
	        2,   't', 's', 8,    0,   0,   1,    0x80, 0,   0,   0,   0, /* timestamp */
	        1,   'u', 9,   '0',  '1', '2', '3',  '4',  '5', '6', '7', '8',
	        '9', 'a', 'b', 'c',  'd', 'e', 'f', /* uuid */
	};

	memcpy(h, typed, sizeof(typed));
	n = sizeof(typed);
	n += str_header(h + n, ":event-type", "metadata");
	len = frame(buf, h, n, "{}");
	memset(&s, 0, sizeof(s));
	assert_int_equal(feed_in_steps(buf, len, 1, 0, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.nheaders[0], 10);
	assert_string_equal(s.names[0], "metadata");
	assert_string_equal(s.payloads[0], "{}");
}

/* Every single bit flipped anywhere in a message is caught: by a CRC, or
 * (in the length fields, after the prelude CRC) never silently. */
static void test_corruption_rejected(void **state)
{
	uint8_t buf[512], bad[512];
	size_t n = event(buf, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"x\"}}"), i;
	int bit, rc;
	seen s;

	(void)state;
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, buf, n);
			bad[i] ^= (uint8_t)(1u << bit);
			memset(&s, 0, sizeof(s));
			rc = feed_in_steps(bad, n, 1, 0, &s);
			assert_int_equal(s.n, 0);
			/* The prelude's own bytes and its CRC: the prelude CRC; after it,
			 * the message CRC. */
			assert_int_equal(rc, LLMK_EVS_E_CRC);
		}
}

static void test_errors_are_sticky(void **state)
{
	uint8_t buf[512];
	size_t n = event(buf, "messageStop", "{\"stopReason\":\"end_turn\"}");
	llmk__evs d;
	seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	buf[n - 1] ^= 1; /* message CRC */
	llmk__evs_init(&d, 0, on_msg, &s);
	assert_int_equal(llmk__evs_feed(&d, buf, n), LLMK_EVS_E_CRC);
	buf[n - 1] ^= 1;
	assert_int_equal(llmk__evs_feed(&d, buf, n), LLMK_EVS_E_CRC);
	assert_int_equal(llmk__evs_finish(&d), LLMK_EVS_E_CRC);
	assert_int_equal(s.n, 0);
	llmk__evs_free(&d);
}

/* Lengths that pass the prelude CRC but make no sense. */
static void test_bad_lengths(void **state)
{
	uint8_t p[16];
	llmk__evs d;

	(void)state;
	/* total 15 < 16 */
	put32(p, 15);
	put32(p + 4, 0);
	put32(p + 8, crc_bitwise(p, 8));
	llmk__evs_init(&d, 0, on_msg, NULL);
	assert_int_equal(llmk__evs_feed(&d, p, 12), LLMK_EVS_E_FORMAT);
	llmk__evs_free(&d);
	/* headers longer than the message leaves room for */
	put32(p, 32);
	put32(p + 4, 17);
	put32(p + 8, crc_bitwise(p, 8));
	llmk__evs_init(&d, 0, on_msg, NULL);
	assert_int_equal(llmk__evs_feed(&d, p, 12), LLMK_EVS_E_FORMAT);
	llmk__evs_free(&d);
	/* 4 GiB announced: refused at the prelude, nothing allocated */
	put32(p, 0xFFFFFFF0u);
	put32(p + 4, 0);
	put32(p + 8, crc_bitwise(p, 8));
	llmk__evs_init(&d, 0, on_msg, NULL);
	assert_int_equal(llmk__evs_feed(&d, p, 12), LLMK_EVS_E_TOO_LARGE);
	llmk__evs_free(&d);
}

static void test_limit(void **state)
{
	uint8_t buf[512];
	size_t n = event(buf, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"xyz\"}}");
	seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(feed_in_steps(buf, n, 3, n, &s), 0); /* exactly the limit */
	assert_int_equal(s.n, 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(feed_in_steps(buf, n, 3, n - 1, &s), LLMK_EVS_E_TOO_LARGE);
	assert_int_equal(s.n, 0);
}

static void test_bad_headers(void **state)
{
	uint8_t h[64], buf[256];
	size_t n;
	seen s;

	(void)state;
	/* unknown value type 10 */
	memcpy(h, "\x01x\x0a", 3);
	n = frame(buf, h, 3, "{}");
	assert_int_equal(feed_in_steps(buf, n, 1, 0, &s), LLMK_EVS_E_FORMAT);
	/* empty header name */
	memcpy(h, "\x00\x00", 2);
	n = frame(buf, h, 2, "{}");
	assert_int_equal(feed_in_steps(buf, n, 1, 0, &s), LLMK_EVS_E_FORMAT);
	/* string value running past the header block */
	memcpy(h,
	       "\x01x\x07\x00\x09"
	       "abc",
	       8);
	n = frame(buf, h, 8, "{}");
	assert_int_equal(feed_in_steps(buf, n, 1, 0, &s), LLMK_EVS_E_FORMAT);
	/* an int header cut short */
	memcpy(h, "\x01x\x04\x00\x00", 5);
	n = frame(buf, h, 5, "{}");
	assert_int_equal(feed_in_steps(buf, n, 1, 0, &s), LLMK_EVS_E_FORMAT);
	/* a name longer than the block */
	memcpy(h, "\x10x", 2);
	n = frame(buf, h, 2, "{}");
	memset(&s, 0, sizeof(s));
	assert_int_equal(feed_in_steps(buf, n, 1, 0, &s), LLMK_EVS_E_FORMAT);
	assert_int_equal(s.n, 0);
}

static void test_truncated(void **state)
{
	uint8_t buf[512];
	size_t n = event(buf, "messageStart", "{\"role\":\"assistant\"}"), cut;
	seen s;

	(void)state;
	for (cut = 1; cut < n; cut++) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(feed_in_steps(buf, cut, 1, 0, &s), LLMK_EVS_E_TRUNCATED);
		assert_int_equal(s.n, 0);
	}
	memset(&s, 0, sizeof(s));
	assert_int_equal(feed_in_steps(buf, 0, 1, 0, &s), 0); /* nothing at all is fine */
}

static void test_callback_stops(void **state)
{
	uint8_t buf[2048];
	size_t n = sample_stream(buf);
	llmk__evs d;
	seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	llmk__evs_init(&d, 0, on_msg, &s);
	assert_int_equal(llmk__evs_feed(&d, buf, n), 9);
	assert_int_equal(s.n, 2);
	llmk__evs_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_crc32_known_values),
	        cmocka_unit_test(test_known_frame),
	        cmocka_unit_test(test_every_split),
	        cmocka_unit_test(test_every_cut),
	        cmocka_unit_test(test_every_header_type),
	        cmocka_unit_test(test_corruption_rejected),
	        cmocka_unit_test(test_errors_are_sticky),
	        cmocka_unit_test(test_bad_lengths),
	        cmocka_unit_test(test_limit),
	        cmocka_unit_test(test_bad_headers),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_callback_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
