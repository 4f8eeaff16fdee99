/* JSON in lib/: jansson values behind the library's allocator, and the one
 * way lib/ parses JSON text.
 *
 * The parser is our own and builds jansson values. jansson's parser reads
 * one byte at a time through a stream abstraction and copies each token
 * byte by byte (~185 instructions per byte of a chat response, half of a
 * request's client-side cost in bench/); this one scans with tight loops,
 * takes strings without escapes straight from the input, and costs a
 * fraction of that. It also ends jansson 2.14's trouble with a refused
 * allocation inside its lexer (lex_save drops the byte and later trips an
 * assert), so a failed allocation here is simply NULL, which the
 * operation reports as LLMK_E_NOMEM (llmk__oom_seen()).
 *
 * Accepted language: RFC 8259 with jansson's rules, checked against
 * json_loadb() by tests/unit/test_json.c and tests/fuzz/fuzz_json.c:
 * strict UTF-8, no \u0000 unless JSON_ALLOW_NUL (never in keys), no lone
 * surrogates, integers within json_int_t and reals that do not overflow
 * with LLMK_JSON_STRICT_NUMBERS (see there for the default),
 * the last of duplicate keys wins, at most LLMK_JSON_MAX_DEPTH nested
 * containers, a top-level array or object unless JSON_DECODE_ANY. Other
 * jansson flags are not supported (nothing in lib/ uses them). */
#ifndef LLMK_JSON_H
#define LLMK_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

/* A flag of ours (jansson's flags stay below it): numbers exactly as
 * jansson reads them, an integer beyond json_int_t or a real beyond double
 * failing the parse -- for JSON the caller gives us (schemas, extra JSON).
 * Without it, as for every answer from a server, such an integer becomes a
 * real and such a real becomes null: one absurd number in a member nobody
 * reads ("1e999") must not throw the whole answer away, and a member that
 * is read finds no number there. */
#define LLMK_JSON_STRICT_NUMBERS 0x1000000

/* A flag for answers to embedding requests: an array of at least 8
 * numbers becomes one packed value (llmk__json_packed()) instead of a
 * jansson value per number -- 4 bytes a number instead of some 48, so a
 * large embedding answer fits the parse budget below. Only for trees whose
 * readers know it: a packed array reads as a string to jansson. */
#define LLMK_JSON_PACK_REALS 0x2000000

/* Every parse has a memory budget: the tree may take at most 2 x the text
 * + this (estimated from what jansson allocates per value), else the parse
 * fails and llmk__json_error_too_large() says so. A hostile body of empty
 * objects costs 78 times its size in jansson values; with the budget its
 * tree stays proportional to the body limit. */
#define LLMK_JSON_BUDGET_MARGIN (4u * 1024u * 1024u)

/* jansson's own limit (JSON_PARSER_MAX_DEPTH). */
#define LLMK_JSON_MAX_DEPTH 2048

/* Hands jansson the library's allocation functions (llmk_global_init). */
void llmk__json_setup(void);
/* Parse len bytes at data (NULL: empty) / a NUL-terminated text. NULL on
 * bad JSON or a failed allocation, with err (if given) filled: text,
 * position (byte offset), line and column (1-based, in bytes). */
json_t *llmk__json_loadb(const char *data, size_t len, size_t flags, json_error_t *err);
json_t *llmk__json_loads(const char *text, size_t flags, json_error_t *err);
/* The same, building only the root object's members named in keep
 * (NULL-terminated; NULL: all): the others are checked as JSON and
 * skipped without a value built, so an unknown member costs no memory. */
json_t *llmk__json_loadb_keys(const char *data, size_t len, size_t flags, const char *const *keep, json_error_t *err);
/* The same, and where the root member span_key (not in keep, which must
 * not be NULL) is: its value's bytes are data[*span_off, +*span_len), checked
 * as JSON like every skipped member; *span_len is 0 when there is none.
 * For a member read by a scanner of its own (a large embedding list is
 * decoded straight into floats, never built as a tree). */
json_t *llmk__json_loadb_span(const char *data, size_t len, size_t flags, const char *const *keep, const char *span_key,
                              size_t *span_off, size_t *span_len, json_error_t *err);
/* 1 when a parse failed on its memory budget (LLMK_E_TOO_LARGE, not a
 * malformed text). */
int llmk__json_error_too_large(const json_error_t *err);
/* The numbers of an array packed by LLMK_JSON_PACK_REALS (as floats, *n of
 * them), or NULL when v is not one. Valid as long as v. */
const float *llmk__json_packed(const json_t *v, size_t *n);
/* Appends v as compact JSON text, byte for byte what json_dumps(v,
 * JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(precision)) writes
 * (precision 0: jansson's default, 17), at a fraction of the cost (jansson
 * writes through a callback per token and formats every key with
 * snprintf). -1 on a failed allocation or a string that is not UTF-8; out
 * may then hold part of the text. */
int llmk__json_dump(llmk__buf *out, const json_t *v, int precision);

/* 1 when the JSON text nests arrays/objects deeper than max (strings and
 * escapes are skipped; not a validator). Linear, no allocation. */
int llmk__json_too_deep(const char *text, size_t len, size_t max);

#endif
