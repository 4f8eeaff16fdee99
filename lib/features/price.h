/* The built-in model table (generated from data/models.json by
 * scripts/gen_models.py) and the cost of a response. Private to lib/. */
#ifndef LLMK_PRICE_H
#define LLMK_PRICE_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"

/* One row of data/models.json. Prices are USD per million tokens; -1 means
 * "not published / not charged separately" (cached input and cache writes
 * are then billed at the input price), limits -1 mean "not published". */
typedef struct llmk__model_row {
	const char *name; /* "provider/model"; model "*": every model of the provider */
	double input, output, cached_input, cache_write;
	int64_t context_tokens, max_output_tokens;
} llmk__model_row;

extern const llmk__model_row llmk__model_table[];
extern const size_t llmk__model_table_len;
extern const char llmk__model_table_date[];

/* Cost in USD of one response. `usage` is indexed by LLMK_USAGE_* (-1 =
 * unknown; unknown parts count as 0) with the semantics of llmkit.h: INPUT
 * includes CACHED_INPUT and CACHE_WRITE, OUTPUT includes REASONING.
 * The price is looked up as "provider/reported_model" first (the snapshot
 * that answered), then "provider/requested_model"; for azure, whose model
 * string names a deployment, as "azure/requested" then "openai/reported".
 * Returns LLMK_OK, LLMK_E_INVALID_ARG (NULL provider, usage or usd),
 * LLMK_E_NOT_FOUND (no price known: *usd = -1) or LLMK_E_UNSUPPORTED (no
 * token counts at all: *usd = -1). Thread-safe. */
llmk_status llmk__cost_usd(const char *provider, const char *requested_model, const char *reported_model,
                           const int64_t usage[8], double *usd);

#endif
