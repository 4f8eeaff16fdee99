/* libFuzzer target: the SSE decoder (lib/codec/sse.h).
 *
 * Input: FUZZ_SPLIT_HDR header bytes, then the stream. Header byte 0 picks
 * max_line (bits 0-1: 16, 64, 256 or unbounded) and whether the stream is
 * sent twice with an llmk__sse_finish between (bit 2: a reconnect); bytes
 * 1..4 are feed sizes (fuzz.h).
 *
 * The stream is decoded twice: in one feed, and in the pieces the header
 * asks for. Both must deliver the same events, end with the same status and
 * leave the same last_id / retry. Every event is checked as it arrives:
 * NUL-terminated at its lengths, within max_line, no CR or LF in the type,
 * no CR in the data; and no event is delivered once a feed failed. */
#include <string.h>

#include "sse.h"
#include "fuzz.h"

typedef struct run {
	size_t max_line;
	int failed; /* a feed returned an error: no more events allowed */
	size_t events;
	uint64_t hash;
} run;

static int on_event(const char *event, size_t event_len, const char *data, size_t data_len, void *user)
{
	run *r = user;

	FUZZ_CHECK(!r->failed);
	FUZZ_CHECK(event != NULL && data != NULL);
	FUZZ_CHECK(event[event_len] == '\0');
	FUZZ_CHECK(data[data_len] == '\0');
	FUZZ_CHECK(!memchr(event, '\r', event_len) && !memchr(event, '\n', event_len));
	FUZZ_CHECK(!memchr(data, '\r', data_len));
	if (r->max_line)
		FUZZ_CHECK(event_len <= r->max_line && data_len <= r->max_line);
	r->events++;
	r->hash = fuzz_hash(r->hash, &event_len, sizeof event_len);
	r->hash = fuzz_hash(r->hash, event, event_len);
	r->hash = fuzz_hash(r->hash, &data_len, sizeof data_len);
	r->hash = fuzz_hash(r->hash, data, data_len);
	return 0;
}

/* Feeds p in pieces (split NULL: in one call); returns the first nonzero
 * feed result, or the finish result. Keeps feeding after an error to check
 * that errors are sticky and silent. */
static int feed_all(llmk__sse *d, run *r, const uint8_t *p, size_t n, fuzz_split *split)
{
	int first = 0, rc;
	size_t off = 0, k;

	while (off < n) {
		k = split ? fuzz_split_next(split, n - off) : n - off;
		rc = llmk__sse_feed(d, (const char *)p + off, k);
		off += k;
		FUZZ_CHECK(rc <= 0); /* the callback never stops */
		if (rc < 0) {
			FUZZ_CHECK(!first || rc == first);
			first = rc;
			r->failed = 1;
		}
	}
	rc = llmk__sse_finish(d);
	if (first) {
		FUZZ_CHECK(rc == first);
		return first;
	}
	FUZZ_CHECK(rc == 0 || rc == 1);
	if (rc < 0)
		r->failed = 1;
	return rc;
}

static void decode(run *r, const uint8_t *p, size_t n, fuzz_split *split, int twice, int *rc, char **last_id,
                   long long *retry)
{
	llmk__sse d;
	const char *id;

	llmk__sse_init(&d, r->max_line, on_event, r);
	rc[0] = feed_all(&d, r, p, n, split);
	rc[1] = twice ? feed_all(&d, r, p, n, split) : 0;
	id = llmk__sse_last_id(&d);
	FUZZ_CHECK(id != NULL);
	FUZZ_CHECK(!strchr(id, '\r') && !strchr(id, '\n'));
	*last_id = strdup(id);
	*retry = llmk__sse_retry_ms(&d);
	FUZZ_CHECK(*retry >= -1);
	/* Sticky: nothing changes once failed. */
	if (rc[0] < 0)
		FUZZ_CHECK(llmk__sse_feed(&d, "\n\n", 2) == rc[0]);
	llmk__sse_free(&d);
	llmk__sse_free(&d); /* documented as safe */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t max_lines[4] = {16, 64, 256, 0};
	run whole, split;
	fuzz_split sp;
	int rc_whole[2], rc_split[2], twice;
	char *id_whole, *id_split;
	long long retry_whole, retry_split;

	if (size < FUZZ_SPLIT_HDR)
		return 0;
	memset(&whole, 0, sizeof whole);
	whole.max_line = max_lines[data[0] & 3];
	whole.hash = FUZZ_HASH_INIT;
	split = whole;
	twice = (data[0] >> 2) & 1;
	fuzz_split_init(&sp, data);
	data += FUZZ_SPLIT_HDR;
	size -= FUZZ_SPLIT_HDR;

	decode(&whole, data, size, NULL, twice, rc_whole, &id_whole, &retry_whole);
	decode(&split, data, size, &sp, twice, rc_split, &id_split, &retry_split);

	FUZZ_CHECK(rc_whole[0] == rc_split[0] && rc_whole[1] == rc_split[1]);
	FUZZ_CHECK(whole.events == split.events && whole.hash == split.hash);
	if (rc_whole[0] >= 0 && rc_whole[1] >= 0) {
		FUZZ_CHECK(retry_whole == retry_split);
		FUZZ_CHECK(id_whole && id_split && !strcmp(id_whole, id_split));
	}
	free(id_whole);
	free(id_split);
	return 0;
}
