/* The option table: ids, names, scopes, slots (options.c). */
#ifndef LLMK_CORE_OPTIONS_H
#define LLMK_CORE_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"

/* Slots: each option of a type has its own index into that type's array,
 * numbered densely in the order of the table (llmk__option_slot()), so the
 * arrays hold exactly the options there are whatever their ids; the set
 * masks (i64_set, f64_set) are 64-bit and the counts are checked against
 * them below. The ids themselves (id % 1000) stay below
 * LLMK_OPTION_ID_SPAN, the size of the id -> option lookup. */
#define LLMK__COUNT_TYPE(t, id) +((id) / 1000 == (t))
#define LLMK__COUNT_STR(name, id, scope, str, doc) LLMK__COUNT_TYPE(1, id)
#define LLMK__COUNT_I64(name, id, scope, str, doc) LLMK__COUNT_TYPE(2, id)
#define LLMK__COUNT_F64(name, id, scope, str, doc) LLMK__COUNT_TYPE(3, id)
enum {
	LLMK_STR_SLOTS = 0 LLMK_OPTION_TABLE(LLMK__COUNT_STR),
	LLMK_I64_SLOTS = 0 LLMK_OPTION_TABLE(LLMK__COUNT_I64),
	LLMK_F64_SLOTS = 0 LLMK_OPTION_TABLE(LLMK__COUNT_F64),
	LLMK_OPTION_ID_SPAN = 128
};
_Static_assert(LLMK_I64_SLOTS <= 64 && LLMK_F64_SLOTS <= 64, "more options of a type than bits in the set masks");

enum { LLMK_SCOPE_C = 1, LLMK_SCOPE_R = 2, LLMK_SCOPE_CR = 3 };

/* The response cache's options (LLMK_OPT_CACHE_TTL_MS, LLMK_OPT_CACHE) have
 * ids beyond the slot arrays: they are the engine's, never a provider's
 * parameter (support.c, which walks the slots, must not see them), so the
 * client and the request keep them here (cache.c reads them). */
#define LLMK__IS_CACHE_OPT(id) ((id) >= 2080 && (id) <= 2089)
typedef struct llmk__cache_opts {
	int64_t ttl_ms, mode;
	unsigned set; /* bit 0: ttl_ms, bit 1: mode */
} llmk__cache_opts;
/* Stores a cache option's value (no check: the setters did them). */
void llmk__cache_opt_set(llmk__cache_opts *o, int32_t id, int64_t value);
/* 1 with *out when the option is set, else 0. */
int llmk__cache_opt_get(const llmk__cache_opts *o, int32_t id, int64_t *out);

typedef struct llmk__optinfo {
	int32_t id;
	int16_t slot; /* index in its type's slot array (beside id: no padding) */
	const char *name;
	int scope;
	unsigned kinds; /* bit (1 << kind) for request options; 0 = any */
} llmk__optinfo;

const llmk__optinfo *llmk__option_info(int32_t id);
/* Checks an option id for a setter of `type` and `scope` (and, for request
 * options, the request kind; 0 = skip); on failure writes why into err. */
llmk_status llmk__option_check(int32_t id, int type, int scope, int32_t kind, char *err, size_t errlen);
/* Slot index of an option within its type's array, or -1. */
int llmk__option_slot(int32_t id);
/* The option id at slot `slot` of type `type` (LLMK_TYPE_*), or 0. */
int32_t llmk__option_at_slot(int type, int slot);

/* The one check of a value that may end up in a header, a URL or a signed
 * string (options, environment variables, model strings): LLMK_OK, or
 * LLMK_E_INVALID_ARG when it holds a control character (llmk__has_ctl),
 * with err naming `what` -- an option or a variable -- never the value. */
llmk_status llmk__value_check(const char *what, const char *value, char *err, size_t errlen);

/* A provider's option mask (llmk__provider.opts) has one bit per option a
 * request can carry (scope R or CR), numbered densely in the order of the
 * option table: LLMK__RB_<NAME>. Client options have no bit. The enum is
 * generated from the table, so two options never share a bit whatever
 * their ids, and the assertion below fails the build before a 65th
 * request option could wrap. */
#define LLMK__RB_C(name)
#define LLMK__RB_R(name) LLMK__RB_##name,
#define LLMK__RB_CR(name) LLMK__RB_##name,
#define LLMK__RB_ENUM(name, id, scope, str, doc) LLMK__RB_##scope(name)
enum { LLMK_OPTION_TABLE(LLMK__RB_ENUM) LLMK__RB_COUNT };
_Static_assert(LLMK__RB_COUNT <= 64, "more request options than bits in llmk__provider.opts");
#define LLMK__OPT(NAME) (UINT64_C(1) << LLMK__RB_##NAME)
/* The bit of option id in a provider's mask, or -1 (client option or
 * unknown id). */
int llmk__option_bit(int32_t id);

#endif
