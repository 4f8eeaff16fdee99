/* libFuzzer target: the HTTP/1.1 response decoder (lib/codec/http1.h).
 *
 * Input: FUZZ_SPLIT_HDR header bytes, then the bytes a server sent. Header
 * byte 0: bits 0-1 pick max_line (16, 64, 256, 8192), bits 2-3 max_head
 * (64, 512, 4096, 65536), bit 4 says the request was HEAD, bit 5 that the
 * connection closes after the bytes; bytes 1..4 are feed sizes (fuzz.h).
 *
 * The input is fed twice, whole and in the pieces the header asks for:
 * both must report the same status, header fields, body bytes and ending.
 * What is reported is checked as it arrives: one final status, 200..999,
 * before anything else; field names non-empty tokens; values without
 * control characters (HTAB aside) or surrounding blanks; nothing reported
 * after the decoder ended or failed; and an ending is one of the codes. */
#include <string.h>

#include "http1.h"
#include "fuzz.h"

typedef struct run {
	int status, ended;
	size_t fields, body;
	uint64_t hash;
} run;

static int tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && memchr("!#$%&'*+-.^_`|~", c, 15));
}

static int on_status(void *user, int code)
{
	run *r = user;

	FUZZ_CHECK(!r->ended && !r->status);
	FUZZ_CHECK(code >= 200 && code <= 999);
	r->status = code;
	r->hash = fuzz_hash(r->hash, &code, sizeof code);
	return 0;
}

static int on_header(void *user, const char *name, const char *value)
{
	run *r = user;
	size_t nl = strlen(name), vl = strlen(value), i;

	FUZZ_CHECK(!r->ended && r->status && !r->body);
	FUZZ_CHECK(nl > 0);
	for (i = 0; i < nl; i++)
		FUZZ_CHECK(tchar((unsigned char)name[i]));
	for (i = 0; i < vl; i++)
		FUZZ_CHECK(((unsigned char)value[i] >= 0x20 && (unsigned char)value[i] != 0x7f) || value[i] == '\t');
	FUZZ_CHECK(!vl || (value[0] != ' ' && value[0] != '\t' && value[vl - 1] != ' ' && value[vl - 1] != '\t'));
	r->fields++;
	r->hash = fuzz_hash(r->hash, name, nl + 1);
	r->hash = fuzz_hash(r->hash, value, vl + 1);
	return 0;
}

static int on_body(void *user, const uint8_t *data, size_t len)
{
	run *r = user;

	FUZZ_CHECK(!r->ended && r->status);
	FUZZ_CHECK(len > 0);
	r->body += len;
	r->hash = fuzz_hash(r->hash, data, len);
	return 0;
}

static int feed_all(run *r, const uint8_t *p, size_t n, const uint8_t *hdr, fuzz_split *split)
{
	static const size_t lines[4] = {16, 64, 256, 8192}, heads[4] = {64, 512, 4096, 65536};
	llmk__http1_cb cb = {on_status, on_header, on_body, r};
	llmk__http1 d;
	size_t off = 0, k;
	int rc = LLMK_HTTP1_MORE;

	llmk__http1_init(&d, &cb, lines[hdr[0] & 3], heads[(hdr[0] >> 2) & 3], (hdr[0] >> 4) & 1);
	while (off < n && rc == LLMK_HTTP1_MORE) {
		k = split ? fuzz_split_next(split, n - off) : n - off;
		rc = llmk__http1_feed(&d, p + off, k);
		off += k;
	}
	if (rc == LLMK_HTTP1_MORE && (hdr[0] & 32))
		rc = llmk__http1_finish(&d);
	FUZZ_CHECK(rc >= LLMK_HTTP1_E_STOPPED && rc <= LLMK_HTTP1_DONE && rc != LLMK_HTTP1_E_STOPPED);
	FUZZ_CHECK((rc < 0) == (llmk__http1_why(&d)[0] != '\0'));
	r->ended = 1;
	if (rc != LLMK_HTTP1_MORE) /* sticky, and silent afterwards */
		FUZZ_CHECK(llmk__http1_feed(&d, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19) == rc);
	if (rc == LLMK_HTTP1_DONE || rc == LLMK_HTTP1_MORE)
		FUZZ_CHECK(rc == LLMK_HTTP1_MORE || r->status);
	r->hash = fuzz_hash(r->hash, &rc, sizeof rc);
	r->hash = fuzz_hash(r->hash, llmk__http1_why(&d), strlen(llmk__http1_why(&d)));
	llmk__http1_free(&d);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run whole, split;
	fuzz_split sp;
	const uint8_t *hdr = data;
	int rc_whole, rc_split;

	if (size < FUZZ_SPLIT_HDR)
		return 0;
	memset(&whole, 0, sizeof whole);
	whole.hash = FUZZ_HASH_INIT;
	split = whole;
	fuzz_split_init(&sp, data);
	data += FUZZ_SPLIT_HDR;
	size -= FUZZ_SPLIT_HDR;
	rc_whole = feed_all(&whole, data, size, hdr, NULL);
	rc_split = feed_all(&split, data, size, hdr, &sp);
	FUZZ_CHECK(rc_whole == rc_split);
	FUZZ_CHECK(whole.status == split.status && whole.fields == split.fields && whole.body == split.body);
	FUZZ_CHECK(whole.hash == split.hash);
	return 0;
}
