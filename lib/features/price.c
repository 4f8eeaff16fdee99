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

typedef struct price {
	double input, output, cached_input, cache_write;
	int64_t context_tokens, max_output_tokens;
} price;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static override *overrides;
static size_t n_overrides, cap_overrides, n_added;

static const llmk__model_row *builtin(const char *key)
{
	size_t i;

	for (i = 0; i < llmk__model_table_len; i++)
		if (!strcmp(llmk__model_table[i].name, key))
			return &llmk__model_table[i];
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

	if (row) {
		p->input = row->input;
		p->output = row->output;
		p->cached_input = row->cached_input;
		p->cache_write = row->cache_write;
		p->context_tokens = row->context_tokens;
		p->max_output_tokens = row->max_output_tokens;
		found = 1;
	}
	pthread_mutex_lock(&lock);
	o = find_override(key);
	if (o) {
		if (!row)
			p->context_tokens = p->max_output_tokens = -1;
		p->input = o->input;
		p->output = o->output;
		p->cached_input = o->cached_input;
		p->cache_write = o->cache_write;
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

/* The lookup rules of docs/PRICES.md, without the provider wildcard:
 * the exact key; then, for a dated snapshot, its family: the key without
 * the date, that + "-latest", that + "-0". */
static int lookup_family(const char *key, price *p)
{
	const char *slash = strchr(key, '/');
	char buf[KEY_MAX];
	size_t len = strlen(key), d;

	if (!slash || len >= KEY_MAX)
		return 0;
	if (lookup_exact(key, p))
		return 1;
	d = date_suffix(slash + 1, strlen(slash + 1));
	if (!d)
		return 0;
	len -= d;
	return (join(buf, key, len, "") && lookup_exact(buf, p)) ||
	       (join(buf, key, len, "-latest") && lookup_exact(buf, p)) ||
	       (join(buf, key, len, "-0") && lookup_exact(buf, p));
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
		return llmk__model_table[i].name;
	i -= llmk__model_table_len;
	pthread_mutex_lock(&lock);
	for (j = 0; j < n_overrides && !name; j++)
		if (overrides[j].added && k++ == i)
			name = overrides[j].name;
	pthread_mutex_unlock(&lock);
	return name;
}

llmk_status llmk_model_info(const char *model, int32_t which, double *out)
{
	price p;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = -1;
	if (!model || which < LLMK_INFO_INPUT_PRICE || which > LLMK_INFO_MAX_OUTPUT_TOKENS)
		return LLMK_E_INVALID_ARG;
	if (!lookup_model(model, &p))
		return LLMK_E_NOT_FOUND;
	switch (which) {
	case LLMK_INFO_INPUT_PRICE:
		*out = p.input;
		break;
	case LLMK_INFO_OUTPUT_PRICE:
		*out = p.output;
		break;
	case LLMK_INFO_CACHED_INPUT_PRICE:
		*out = p.cached_input;
		break;
	case LLMK_INFO_CACHE_WRITE_PRICE:
		*out = p.cache_write;
		break;
	case LLMK_INFO_CONTEXT_TOKENS:
		*out = (double)p.context_tokens;
		break;
	default:
		*out = (double)p.max_output_tokens;
		break;
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

	if (!valid_key(model) || !valid_price(input, 0) || !valid_price(output, 0) ||
	    !valid_price(cached_input, 1) || !valid_price(cache_write, 1))
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

llmk_status llmk__cost_usd(const char *provider, const char *requested_model, const char *reported_model,
                           const int64_t usage[8], double *usd)
{
	double in, cached, write, uncached, cached_price, write_price;
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
	/* INPUT includes the cached and written parts; a provider reporting
	 * more of those than INPUT is billed for what it reported. */
	uncached = in - cached - write;
	if (uncached < 0)
		uncached = 0;
	cached_price = p.cached_input >= 0 ? p.cached_input : p.input;
	write_price = p.cache_write >= 0 ? p.cache_write : p.input;
	*usd = (uncached * p.input + cached * cached_price + write * write_price +
	        count(usage, LLMK_USAGE_OUTPUT) * p.output) /
	       1e6;
	return LLMK_OK;
}

llmk_status llmk_response_cost(const llmk_response *r, double *usd)
{
	llmk_status st;

	if (usd)
		*usd = -1;
	if (!r || !usd)
		return LLMK_E_INVALID_ARG;
	if (!r->provider)
		return LLMK_E_NOT_FOUND;
	st = llmk__cost_usd(r->provider, r->req_model, r->model, r->usage, usd);
	return st == LLMK_E_UNSUPPORTED ? LLMK_E_INVALID_ARG : st;
}
