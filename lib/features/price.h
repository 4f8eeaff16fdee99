/* The built-in model table (generated from data/models.json by
 * scripts/gen_models.py) and the cost of a response. Private to lib/. */
#ifndef LLMK_PRICE_H
#define LLMK_PRICE_H

#include <stddef.h>
#include <stdint.h>

#include "llmkit.h"

/* A figure the row does not give. */
#define LLMK__NONE 0xFFFFFFFFu

/* The prices of a row, in this order in llmk__model_row.price[]. */
enum {
	LLMK__P_INPUT,
	LLMK__P_OUTPUT,
	LLMK__P_CACHED,
	LLMK__P_WRITE,
	LLMK__P_WRITE_1H,
	LLMK__P_BATCH_INPUT,
	LLMK__P_BATCH_OUTPUT,
	LLMK__P_TIER_INPUT,
	LLMK__P_TIER_OUTPUT,
	LLMK__P_TIER_CACHED,
	LLMK__P_COUNT
};

/* One row of data/models.json. Prices are micro-USD per million tokens
 * (USD per million = price / 1e6, exactly the file's decimal as a double);
 * LLMK__NONE means "not given" (a cached or cache-write price not given is
 * billed at the input price). The key is at llmk__model_names + name. */
typedef struct llmk__model_row {
	uint32_t name;
	uint32_t price[LLMK__P_COUNT];
	uint32_t tier_above; /* tier prices apply above this many input tokens */
	uint32_t context_tokens, max_output_tokens;
	uint32_t deprecated;                         /* YYYYMMDD */
	uint8_t input_modalities, output_modalities; /* LLMK_MODALITY_* bits, 0: unknown */
	uint8_t source;                              /* LLMK_SOURCE_* */
} llmk__model_row;

/* Sorted by key (strcmp order). */
extern const llmk__model_row llmk__model_table[];
extern const size_t llmk__model_table_len;
extern const char llmk__model_names[];
extern const char llmk__model_table_date[];

/* Cost in USD of one response. `usage` is indexed by LLMK_USAGE_* (-1 =
 * unknown; unknown parts count as 0) with the semantics of llmkit.h: INPUT
 * includes CACHED_INPUT and CACHE_WRITE, OUTPUT includes REASONING.
 * The price is looked up as "provider/reported_model" first (the snapshot
 * that answered), then "provider/requested_model"; for azure, whose model
 * string names a deployment, as "azure/requested" then "openai/reported".
 * A request whose INPUT is above the row's tier threshold is billed at the
 * tier prices (unless the caller set the model's price).
 * Returns LLMK_OK, LLMK_E_INVALID_ARG (NULL provider, usage or usd),
 * LLMK_E_NOT_FOUND (no price known: *usd = -1) or LLMK_E_UNSUPPORTED (no
 * token counts at all: *usd = -1). Thread-safe. */
llmk_status llmk__cost_usd(const char *provider, const char *requested_model, const char *reported_model,
                           const int64_t usage[8], double *usd);

#endif
