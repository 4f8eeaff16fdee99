/* Shared helpers for the libFuzzer targets (docs/FUZZING.md). */
#ifndef LLMK_FUZZ_H
#define LLMK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a finding: print it and abort, which libFuzzer
 * reports as a crash and saves the input for. */
#define FUZZ_CHECK(cond)                                                                             \
	do {                                                                                         \
		if (!(cond)) {                                                                       \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                     \
		}                                                                                    \
	} while (0)

/* FNV-1a, to compare what two runs delivered without storing it. */
static inline uint64_t fuzz_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FUZZ_HASH_INIT 0xcbf29ce484222325ULL

/* Feed sizes for the stream decoders, taken from the input's first bytes:
 * byte 0 picks options (see each target), bytes 1..4 are the piece sizes
 * (0..63, 0 = an empty feed), used in turn. */
#define FUZZ_SPLIT_HDR 5

typedef struct fuzz_split {
	unsigned char sizes[FUZZ_SPLIT_HDR - 1];
	size_t next;
} fuzz_split;

static inline void fuzz_split_init(fuzz_split *s, const uint8_t *hdr)
{
	size_t i, sum = 0;

	for (i = 0; i < sizeof s->sizes; i++)
		sum += s->sizes[i] = hdr[1 + i] & 63;
	if (!sum) /* all empty feeds would never progress */
		for (i = 0; i < sizeof s->sizes; i++)
			s->sizes[i] = 1;
	s->next = 0;
}

static inline size_t fuzz_split_next(fuzz_split *s, size_t left)
{
	size_t n = s->sizes[s->next++ % sizeof s->sizes];

	return n < left ? n : left;
}

#endif
