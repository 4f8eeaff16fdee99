/* Model table lookups, caller price overrides and the cost of a response.
 *
 * The built-in rows come from data/models.json through the generated
 * models_table.c. Overrides set with llmk_model_set_price() live in one
 * process-wide list behind a mutex; they are never removed, so a name handed
 * out by llmk_model_name() stays valid for the life of the process. */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "price.h"
#include "response.h"

#define KEY_MAX 256

typedef struct override {
	char *name;
	double input, output, cached_input, cache_write;
	int added; /* 1: not a built-in row (counted by llmk_model_count) */
} override;

/* What a lookup found: the row (NULL for a model only the caller priced)
 * and the four prices the cost uses (the caller's when set). */
typedef struct price {
	/* cache_write_1h < 0: not known apart (a caller's own price, or a row
	 * without it): 1-hour writes are billed at cache_write. */
	double input, output, cached_input, cache_write, cache_write_1h;
	const llmk__model_row *row;
	int overridden;
} price;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static override *overrides;
static size_t n_overrides, cap_overrides, n_added;

static const char *row_name(const llmk__model_row *row)
{
	return llmk__model_names + row->name;
}

/* USD per million tokens, -1 when not given. */
static double row_price(const llmk__model_row *row, int which)
{
	return row->price[which] == LLMK__NONE ? -1 : (double)row->price[which] / 1e6;
}

/* Binary search: the generator sorts the rows by key. */
static const llmk__model_row *builtin(const char *key)
{
	size_t lo = 0, hi = llmk__model_table_len, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(key, row_name(&llmk__model_table[mid]));
		if (!c)
			return &llmk__model_table[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Caller holds the lock. */
static override *find_override(const char *key)
{
	size_t i;

	for (i = 0; i < n_overrides; i++)
		if (!strcmp(overrides[i].name, key))
			return &overrides[i];
	return NULL;
}

/* Exact key: an override's prices win over the row's; limits come from the
 * row. 1 when either exists. */
static int lookup_exact(const char *key, price *p)
{
	const llmk__model_row *row = builtin(key);
	const override *o;
	int found = 0;

	p->row = row;
	p->overridden = 0;
	if (row) {
		p->input = row_price(row, LLMK__P_INPUT);
		p->output = row_price(row, LLMK__P_OUTPUT);
		p->cached_input = row_price(row, LLMK__P_CACHED);
		p->cache_write = row_price(row, LLMK__P_WRITE);
		p->cache_write_1h = row_price(row, LLMK__P_WRITE_1H);
		found = 1;
	}
	pthread_mutex_lock(&lock);
	o = find_override(key);
	if (o) {
		p->overridden = 1;
		p->input = o->input;
		p->output = o->output;
		p->cached_input = o->cached_input;
		p->cache_write = o->cache_write;
		p->cache_write_1h = -1;
		found = 1;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Length of a trailing snapshot date: "-2024-07-18" (OpenAI, 11),
 * "-20241022" (Anthropic, 9) or "-0613" (older OpenAI and xAI month-day
 * snapshots, 5: a valid month and day only); 0 if none. */
static size_t date_suffix(const char *m, size_t len)
{
	const char *s;
	int month, day;

	if (len > 11) {
		s = m + len - 11;
		if (s[0] == '-' && all_digits(s + 1, 4) && s[5] == '-' && all_digits(s + 6, 2) && s[8] == '-' &&
		    all_digits(s + 9, 2))
			return 11;
	}
	if (len > 9) {
		s = m + len - 9;
		if (s[0] == '-' && all_digits(s + 1, 8))
			return 9;
	}
	if (len > 5) {
		s = m + len - 5;
		if (s[0] == '-' && all_digits(s + 1, 4)) {
			month = (s[1] - '0') * 10 + (s[2] - '0');
			day = (s[3] - '0') * 10 + (s[4] - '0');
			if (month >= 1 && month <= 12 && day >= 1 && day <= 31)
				return 5;
		}
	}
	return 0;
}

static int join(char *buf, const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen >= KEY_MAX || blen >= KEY_MAX - alen)
		return 0;
	memcpy(buf, a, alen);
	memcpy(buf + alen, b, blen + 1);
	return 1;
}

/* The keys a model is looked up by (docs/PRICES.md), without the provider
 * wildcard: the exact key; then, for a dated snapshot, its family: the key
 * without the date, that + "-latest", that + "-0". Returns how many. */
static int candidates(const char *key, char c[4][KEY_MAX])
{
	const char *slash = strchr(key, '/');
	size_t len = strlen(key), d;

	if (!slash || len >= KEY_MAX)
		return 0;
	memcpy(c[0], key, len + 1);
	d = date_suffix(slash + 1, strlen(slash + 1));
	if (!d)
		return 1;
	len -= d;
	if (!join(c[1], key, len, "") || !join(c[2], key, len, "-latest") || !join(c[3], key, len, "-0"))
		return 1;
	return 4;
}

/* A caller's price for any of the keys wins over every built-in row (a
 * family price also prices snapshots the table lists apart); limits and
 * the other figures come from the first key with a built-in row. */
static int lookup_family(const char *key, price *p)
{
	char c[4][KEY_MAX];
	const llmk__model_row *row = NULL;
	const override *o = NULL;
	int n = candidates(key, c), i;

	for (i = 0; i < n && !row; i++)
		row = builtin(c[i]);
	pthread_mutex_lock(&lock);
	for (i = 0; i < n && !o; i++)
		o = find_override(c[i]);
	if (o) {
		p->row = row;
		p->overridden = 1;
		p->input = o->input;
		p->output = o->output;
		p->cached_input = o->cached_input;
		p->cache_write = o->cache_write;
		p->cache_write_1h = -1;
	}
	pthread_mutex_unlock(&lock);
	if (o)
		return 1;
	return row && lookup_exact(row_name(row), p);
}

/* The provider's row with model "*": every model (local servers). */
static int lookup_wildcard(const char *provider, size_t plen, price *p)
{
	char buf[KEY_MAX];

	return join(buf, provider, plen, "/*") && lookup_exact(buf, p);
}

static int lookup_model(const char *model, price *p)
{
	const char *slash = model ? strchr(model, '/') : NULL;

	if (!slash || slash == model || !slash[1])
		return 0;
	return lookup_family(model, p) || lookup_wildcard(model, (size_t)(slash - model), p);
}

static int lookup_in(const char *provider, const char *model, price *p)
{
	char buf[KEY_MAX];
	size_t plen = strlen(provider), mlen;

	if (!model || !*model)
		return 0;
	mlen = strlen(model);
	if (plen + 1 + mlen >= KEY_MAX)
		return 0;
	memcpy(buf, provider, plen);
	buf[plen] = '/';
	memcpy(buf + plen + 1, model, mlen + 1);
	return lookup_family(buf, p);
}

/* ---- public API ---------------------------------------------------------- */

size_t llmk_model_count(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = llmk__model_table_len + n_added;
	pthread_mutex_unlock(&lock);
	return n;
}

const char *llmk_model_name(size_t i)
{
	const char *name = NULL;
	size_t j, k = 0;

	if (i < llmk__model_table_len)
		return row_name(&llmk__model_table[i]);
	i -= llmk__model_table_len;
	pthread_mutex_lock(&lock);
	for (j = 0; j < n_overrides && !name; j++)
		if (overrides[j].added && k++ == i)
			name = overrides[j].name;
	pthread_mutex_unlock(&lock);
	return name;
}

static double u32_or_none(uint32_t v)
{
	return v == LLMK__NONE ? -1 : (double)v;
}

/* A figure of a built-in row other than the four prices a caller may set
 * (those: lookup_exact()); -1 without a row. */
static double row_figure(const llmk__model_row *row, int32_t which)
{
	if (!row)
		return -1;
	switch (which) {
	case LLMK_INFO_CONTEXT_TOKENS: return u32_or_none(row->context_tokens);
	case LLMK_INFO_MAX_OUTPUT_TOKENS: return u32_or_none(row->max_output_tokens);
	case LLMK_INFO_CACHE_WRITE_1H_PRICE: return row_price(row, LLMK__P_WRITE_1H);
	case LLMK_INFO_BATCH_INPUT_PRICE: return row_price(row, LLMK__P_BATCH_INPUT);
	case LLMK_INFO_BATCH_OUTPUT_PRICE: return row_price(row, LLMK__P_BATCH_OUTPUT);
	case LLMK_INFO_TIER_ABOVE_TOKENS: return u32_or_none(row->tier_above);
	case LLMK_INFO_TIER_INPUT_PRICE: return row_price(row, LLMK__P_TIER_INPUT);
	case LLMK_INFO_TIER_OUTPUT_PRICE: return row_price(row, LLMK__P_TIER_OUTPUT);
	case LLMK_INFO_TIER_CACHED_INPUT_PRICE: return row_price(row, LLMK__P_TIER_CACHED);
	case LLMK_INFO_DEPRECATION_DATE: return u32_or_none(row->deprecated);
	case LLMK_INFO_INPUT_MODALITIES: return row->input_modalities ? row->input_modalities : -1;
	case LLMK_INFO_OUTPUT_MODALITIES: return row->output_modalities ? row->output_modalities : -1;
	case LLMK_INFO_SOURCE: return row->source;
	default: return -1;
	}
}

llmk_status llmk_model_info(const char *model, int32_t which, double *out)
{
	price p;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = -1;
	if (!model || which < LLMK_INFO_INPUT_PRICE || which > LLMK_INFO_SOURCE)
		return LLMK_E_INVALID_ARG;
	if (!lookup_model(model, &p))
		return LLMK_E_NOT_FOUND;
	if (which > LLMK_INFO_CACHE_WRITE_PRICE) {
		*out = row_figure(p.row, which);
		return LLMK_OK;
	}
	switch (which) {
	case LLMK_INFO_INPUT_PRICE: *out = p.input; break;
	case LLMK_INFO_OUTPUT_PRICE: *out = p.output; break;
	case LLMK_INFO_CACHED_INPUT_PRICE: *out = p.cached_input; break;
	default: *out = p.cache_write; break;
	}
	return LLMK_OK;
}

static int valid_price(double v, int optional)
{
	return isfinite(v) && (v >= 0 || (optional && v == -1)) && v < 1e6;
}

static int valid_key(const char *model)
{
	const char *slash = model ? strchr(model, '/') : NULL;
	const unsigned char *c;

	if (!slash || slash == model || !slash[1] || strlen(model) >= KEY_MAX)
		return 0;
	for (c = (const unsigned char *)model; *c; c++)
		if (*c <= ' ' || *c >= 0x7f)
			return 0;
	return 1;
}

llmk_status llmk_model_set_price(const char *model, double input, double output, double cached_input,
                                 double cache_write)
{
	override *o, *grown;
	llmk_status st = LLMK_OK;

	if (!valid_key(model) || !valid_price(input, 0) || !valid_price(output, 0) || !valid_price(cached_input, 1) ||
	    !valid_price(cache_write, 1))
		return LLMK_E_INVALID_ARG;
	pthread_mutex_lock(&lock);
	o = find_override(model);
	if (!o) {
		if (n_overrides == cap_overrides) {
			size_t cap = cap_overrides ? cap_overrides * 2 : 8;
			grown = llmk__realloc(overrides, cap * sizeof(*overrides));
			if (!grown) {
				st = LLMK_E_NOMEM;
				goto out;
			}
			overrides = grown;
			cap_overrides = cap;
		}
		o = &overrides[n_overrides];
		o->name = llmk__strdup(model);
		if (!o->name) {
			st = LLMK_E_NOMEM;
			goto out;
		}
		o->added = builtin(model) == NULL;
		n_added += (size_t)o->added;
		n_overrides++;
	}
	o->input = input;
	o->output = output;
	o->cached_input = cached_input;
	o->cache_write = cache_write;
out:
	pthread_mutex_unlock(&lock);
	return st;
}

const char *llmk_model_table_date(void)
{
	return llmk__model_table_date;
}

/* ---- cost ---------------------------------------------------------------- */

static double count(const int64_t usage[8], int which)
{
	return usage[which] > 0 ? (double)usage[which] : 0.0;
}

/* The batch discount a provider documents on its standard prices, for
 * rows without batch prices of their own and for a caller's prices; -1 when
 * the provider has no batch API we know of. All five halve every token
 * price, cache reads and writes included: platform.openai.com/docs/guides/batch
 * ("50% cost discount"), learn.microsoft.com/azure/ai-foundry/openai/how-to/batch
 * ("50% less cost than global standard"), docs.claude.com/en/docs/build-with-claude/batch-processing
 * ("50% of standard API prices", with prompt caching discounts stacking),
 * ai.google.dev/gemini-api/docs/batch-mode ("50% of the standard cost"),
 * docs.mistral.ai/capabilities/batch (50% discount); read 2026-12-06. */
static double batch_discount(const char *provider)
{
	static const char *const half[] = {"openai", "azure", "anthropic", "gemini", "mistral"};
	size_t i;

	for (i = 0; i < sizeof(half) / sizeof(half[0]); i++)
		if (!strcmp(provider, half[i]))
			return 0.5;
	return -1;
}

/* Turns p into the batch prices: the row's batch input and output prices
 * (the model's published batch rate; cache prices scaled as the input
 * price is), else the provider's discount. 0 when neither is known. */
static int batch_prices(const char *provider, price *p)
{
	double in = -1, out = -1, d;

	if (!p->overridden && p->row && p->row->price[LLMK__P_BATCH_INPUT] != LLMK__NONE &&
	    p->row->price[LLMK__P_BATCH_OUTPUT] != LLMK__NONE && p->row->price[LLMK__P_INPUT] &&
	    p->row->price[LLMK__P_OUTPUT]) {
		in = (double)p->row->price[LLMK__P_BATCH_INPUT] / (double)p->row->price[LLMK__P_INPUT];
		out = (double)p->row->price[LLMK__P_BATCH_OUTPUT] / (double)p->row->price[LLMK__P_OUTPUT];
	} else if ((d = batch_discount(provider)) >= 0) {
		in = out = d;
	} else {
		return 0;
	}
	p->input *= in;
	p->output *= out;
	if (p->cached_input >= 0)
		p->cached_input *= in;
	if (p->cache_write >= 0)
		p->cache_write *= in;
	if (p->cache_write_1h >= 0)
		p->cache_write_1h *= in;
	return 1;
}

static llmk_status cost_usd(const char *provider, const char *requested_model, const char *reported_model,
                            const int64_t usage[8], int batch, double *usd)
{
	double in, cached, write, write_1h, uncached, cached_price, write_price, write_1h_price;
	price p;
	int found;

	if (!usd)
		return LLMK_E_INVALID_ARG;
	*usd = -1;
	if (!provider || !*provider || !usage)
		return LLMK_E_INVALID_ARG;
	if (!strcmp(provider, "azure"))
		/* The model string names a deployment; the response names the
		 * OpenAI model behind it. */
		found = lookup_in("azure", requested_model, &p) || lookup_in("openai", reported_model, &p) ||
		        lookup_in("openai", requested_model, &p);
	else
		found = lookup_in(provider, reported_model, &p) || lookup_in(provider, requested_model, &p) ||
		        lookup_wildcard(provider, strlen(provider), &p);
	if (!found)
		return LLMK_E_NOT_FOUND;
	if (usage[LLMK_USAGE_INPUT] < 0 && usage[LLMK_USAGE_OUTPUT] < 0)
		return LLMK_E_UNSUPPORTED;
	in = count(usage, LLMK_USAGE_INPUT);
	cached = count(usage, LLMK_USAGE_CACHED_INPUT);
	write = count(usage, LLMK_USAGE_CACHE_WRITE);
	/* CACHE_WRITE includes the 1-hour writes (Anthropic's
	 * ephemeral_1h_input_tokens), billed at their own price. */
	write_1h = count(usage, LLMK_USAGE_CACHE_WRITE_1H);
	if (write_1h > write)
		write_1h = write;
	/* INPUT includes the cached and written parts; a provider reporting
	 * more of those than INPUT is billed for what it reported. */
	uncached = in - cached - write;
	if (uncached < 0)
		uncached = 0;
	/* Long-context pricing: a prompt above the threshold bills the whole
	 * request at the tier's prices (a caller's own price has no tier). */
	if (!p.overridden && p.row && p.row->tier_above != LLMK__NONE && in > (double)p.row->tier_above &&
	    p.row->price[LLMK__P_TIER_INPUT] != LLMK__NONE) {
		double tier_cached = row_price(p.row, LLMK__P_TIER_CACHED);
		p.input = row_price(p.row, LLMK__P_TIER_INPUT);
		if (p.row->price[LLMK__P_TIER_OUTPUT] != LLMK__NONE)
			p.output = row_price(p.row, LLMK__P_TIER_OUTPUT);
		p.cached_input = tier_cached; /* not given: billed at the tier input price */
	}
	if (batch && !batch_prices(provider, &p))
		return LLMK_E_NOT_FOUND;
	cached_price = p.cached_input >= 0 ? p.cached_input : p.input;
	write_price = p.cache_write >= 0 ? p.cache_write : p.input;
	write_1h_price = p.cache_write_1h >= 0 ? p.cache_write_1h : write_price;
	*usd = (uncached * p.input + cached * cached_price + (write - write_1h) * write_price +
	        write_1h * write_1h_price + count(usage, LLMK_USAGE_OUTPUT) * p.output) /
	       1e6;
	return LLMK_OK;
}

llmk_status llmk__cost_usd(const char *provider, const char *requested_model, const char *reported_model,
                           const int64_t usage[8], double *usd)
{
	return cost_usd(provider, requested_model, reported_model, usage, 0, usd);
}

llmk_status llmk_response_cost(const llmk_response *r, double *usd)
{
	llmk_status st;

	if (usd)
		*usd = -1;
	if (!r || !usd)
		return LLMK_E_INVALID_ARG;
	if (llmk_response_cached(r)) { /* no request reached the provider */
		*usd = 0;
		return LLMK_OK;
	}
	if (!r->provider)
		return LLMK_E_NOT_FOUND;
	st = cost_usd(r->provider, r->req_model, r->model, r->usage, r->batch, usd);
	return st == LLMK_E_UNSUPPORTED ? LLMK_E_INVALID_ARG : st;
}
