/* jansson behind the library's allocator, and the one way lib/ parses JSON.
 *
 * jansson 2.14's lexer ignores a failed allocation while it saves a token
 * (lex_save drops the byte) and later trips assert(0) on the inconsistent
 * text, or returns a string with bytes missing. So while jansson parses,
 * an allocation the program's allocator refuses is served by malloc() and
 * remembered, the parse runs to its end, and the failure is still on
 * record (llmk__oom_seen()): the operation reports LLMK_E_NOMEM. Outside
 * parsing, jansson handles a NULL properly and gets it. */
#ifndef LLMK_JSON_H
#define LLMK_JSON_H

#include <stddef.h>

#include <jansson.h>

/* Hands jansson the library's allocation functions (llmk_global_init). */
void llmk__json_setup(void);
/* json_loadb()/json_loads() with the guard above. */
json_t *llmk__json_loadb(const char *data, size_t len, size_t flags, json_error_t *err);
json_t *llmk__json_loads(const char *text, size_t flags, json_error_t *err);

#endif
