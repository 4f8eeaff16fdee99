/* libFuzzer target: the NDJSON splitter (lib/codec/ndjson.h).
 *
 * Input: FUZZ_SPLIT_HDR header bytes, then the stream. Header byte 0 picks
 * max_line (bits 0-1: 16, 64, 256 or unbounded); bytes 1..4 are feed sizes
 * (fuzz.h).
 *
 * The stream is split twice: in one feed, and in the pieces the header asks
 * for. Both must deliver the same lines and end with the same status. Every
 * line is checked as it arrives: NUL-terminated at its length, no LF, not
 * blank, within max_line; and no line is delivered once a feed failed. The
 * lines delivered, joined with LF, must also be exactly the non-blank lines
 * of the input (CR before LF dropped) up to an error. */
#include <string.h>

#include "ndjson.h"
#include "fuzz.h"

typedef struct run {
	size_t max_line;
	int failed;
	size_t lines;
	uint64_t hash;
} run;

/* The oracle's own notion of a blank line (spaces, tabs, CRs only),
 * written independently of the decoder's. */
static int blank(const char *s, size_t n)
{
	while (n && memchr(" \t\r", *s, 3)) {
		s++;
		n--;
	}
	return n == 0;
}

static int on_line(const char *line, size_t len, void *user)
{
	run *r = user;

	FUZZ_CHECK(!r->failed);
	FUZZ_CHECK(line != NULL && line[len] == '\0');
	FUZZ_CHECK(len > 0 && !blank(line, len));
	FUZZ_CHECK(!memchr(line, '\n', len));
	if (r->max_line)
		FUZZ_CHECK(len <= r->max_line);
	r->lines++;
	r->hash = fuzz_hash(r->hash, &len, sizeof len);
	r->hash = fuzz_hash(r->hash, line, len);
	return 0;
}

static int split_run(run *r, const uint8_t *p, size_t n, fuzz_split *split)
{
	llmk__ndjson d;
	int first = 0, rc;
	size_t off = 0, k;

	llmk__ndjson_init(&d, r->max_line, on_line, r);
	while (off < n) {
		k = split ? fuzz_split_next(split, n - off) : n - off;
		rc = llmk__ndjson_feed(&d, (const char *)p + off, k);
		off += k;
		FUZZ_CHECK(rc <= 0);
		if (rc < 0) {
			FUZZ_CHECK(!first || rc == first);
			first = rc;
			r->failed = 1;
		}
	}
	rc = llmk__ndjson_finish(&d);
	FUZZ_CHECK(first ? rc == first : rc == 0);
	if (first)
		FUZZ_CHECK(llmk__ndjson_feed(&d, "{}\n", 3) == first);
	llmk__ndjson_free(&d);
	return rc;
}

/* The same lines, found the obvious way; up to the first overlong line. */
static void reference(run *r, const uint8_t *p, size_t n, int *rc)
{
	size_t i = 0, j, len;

	*rc = 0;
	while (i < n) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		j = nl ? (size_t)(nl - p) : n;
		len = j - i;
		if (r->max_line && len > r->max_line) {
			*rc = LLMK_NDJSON_E_TOO_LARGE;
			return;
		}
		if (len && p[i + len - 1] == '\r')
			len--;
		if (!blank((const char *)p + i, len)) {
			r->lines++;
			r->hash = fuzz_hash(r->hash, &len, sizeof len);
			r->hash = fuzz_hash(r->hash, p + i, len);
		}
		i = j + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t max_lines[4] = {16, 64, 256, 0};
	run whole, split, ref;
	fuzz_split sp;
	int rc_whole, rc_split, rc_ref;

	if (size < FUZZ_SPLIT_HDR)
		return 0;
	memset(&whole, 0, sizeof whole);
	whole.max_line = max_lines[data[0] & 3];
	whole.hash = FUZZ_HASH_INIT;
	split = ref = whole;
	fuzz_split_init(&sp, data);
	data += FUZZ_SPLIT_HDR;
	size -= FUZZ_SPLIT_HDR;

	rc_whole = split_run(&whole, data, size, NULL);
	rc_split = split_run(&split, data, size, &sp);
	reference(&ref, data, size, &rc_ref);
	FUZZ_CHECK(rc_whole == rc_split && whole.lines == split.lines && whole.hash == split.hash);
	FUZZ_CHECK(rc_whole == rc_ref && whole.lines == ref.lines && whole.hash == ref.hash);
	return 0;
}
