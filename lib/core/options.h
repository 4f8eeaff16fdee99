/* The option table: ids, names, scopes, slots (options.c). */
#ifndef LLMK_CORE_OPTIONS_H
#define LLMK_CORE_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"

/* Slots: option id % 1000 indexes a per-type array. */
#define LLMK_STR_SLOTS 40 /* request-scope strings stay below 32 (LLMK__OPT_BIT) */
#define LLMK_I64_SLOTS 32 /* i64_set is a 32-bit mask */
#define LLMK_F64_SLOTS 8

enum { LLMK_SCOPE_C = 1, LLMK_SCOPE_R = 2, LLMK_SCOPE_CR = 3 };

typedef struct llmk_optinfo {
	int32_t id;
	const char *name;
	int scope;
	unsigned kinds; /* bit (1 << kind) for request options; 0 = any */
} llmk_optinfo;

const llmk_optinfo *llmk__option_info(int32_t id);
/* Checks an option id for a setter of `type` and `scope` (and, for request
 * options, the request kind; 0 = skip); on failure writes why into err. */
llmk_status llmk__option_check(int32_t id, int type, int scope, int32_t kind, char *err, size_t errlen);
/* Slot index of an option within its type's array, or -1. */
int llmk__option_slot(int32_t id);

/* The one check of a value that may end up in a header, a URL or a signed
 * string (options, environment variables, model strings): LLMK_OK, or
 * LLMK_E_INVALID_ARG when it holds a control character (llmk__has_ctl),
 * with err naming `what` -- an option or a variable -- never the value. */
llmk_status llmk__value_check(const char *what, const char *value, char *err, size_t errlen);

/* Bit of a request option in a provider's option mask (llmk_provider.opts):
 * strings 0..31, integers 32..47, doubles 48..63. */
#define LLMK__OPT_BIT(id) ((id) / 1000 == 1 ? (id) % 1000 : (id) / 1000 == 2 ? 32 + (id) % 1000 : 48 + (id) % 1000)
#define LLMK__OPT(NAME) (UINT64_C(1) << LLMK__OPT_BIT(LLMK_OPT_##NAME))

#endif
