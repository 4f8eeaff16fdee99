/* Echoes of a secret as a hostile server sends them back, and a finder for
 * any of them in what the library or the tool wrote (the canary tests:
 * tests/api/test_canary.c, tests/cli/test_cli.c). Independent of the
 * library's scrubber: it normalises the whole text (decodes percent and
 * JSON escapes, any number of times, and folds case) and then searches. */
#ifndef LLMKIT_TESTS_ECHO_H
#define LLMKIT_TESTS_ECHO_H

#include <stddef.h>

/* Writes into out (cap bytes, NUL-terminated) the content of a JSON string
 * literal, without the quotes, holding every echo shape of secret, space
 * separated: plain; percent-encoded; JSON-escaped ('/' as \/, the first
 * character as \u00XX) once and twice (so one shape survives the decoding
 * of the body); upper-cased; masked ("sk-CANA************6789"). */
void echo_shapes_json(char *out, size_t cap, const char *secret);

/* NULL when text holds no echo of secret; else which shape was found
 * ("the secret", "a masked head", "a masked tail", "its tail"). */
const char *echo_find(const char *text, const char *secret);

#endif
