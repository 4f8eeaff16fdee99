/* The option table: ids, names, scopes, the request kinds each applies to,
 * and the lookups every setter goes through. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "url.h"

#define K(kind) (1u << (kind))
#define LLMK__OPT_INFO(name, id, scope, str, doc) {id, -1, str, LLMK_SCOPE_##scope, 0},
static llmk__optinfo options[] = {LLMK_OPTION_TABLE(LLMK__OPT_INFO)};

/* Every option id must fit the id -> option lookup. */
#define LLMK__SLOT_FITS(name, id, scope, str, doc) \
	_Static_assert((id) / 1000 >= 1 && (id) / 1000 <= 3 && (id) % 1000 < LLMK_OPTION_ID_SPAN, str);
LLMK_OPTION_TABLE(LLMK__SLOT_FITS)

/* Which request kinds each request option applies to; an option missing
 * here applies to every kind. Kept next to the table so one glance shows
 * both. */
static const struct {
	int32_t id;
	unsigned kinds;
} option_kinds[] = {
        {LLMK_OPT_STOP, K(LLMK_CHAT)},
        {LLMK_OPT_TOOL_CHOICE, K(LLMK_CHAT)},
        {LLMK_OPT_RESPONSE_FORMAT, K(LLMK_CHAT)},
        {LLMK_OPT_JSON_SCHEMA, K(LLMK_CHAT)},
        {LLMK_OPT_JSON_SCHEMA_NAME, K(LLMK_CHAT)},
        {LLMK_OPT_PROMPT, K(LLMK_IMAGE) | K(LLMK_TRANSCRIBE)},
        {LLMK_OPT_INPUT, K(LLMK_SPEECH)},
        {LLMK_OPT_VOICE, K(LLMK_SPEECH)},
        {LLMK_OPT_AUDIO_FORMAT, K(LLMK_SPEECH)},
        {LLMK_OPT_INSTRUCTIONS, K(LLMK_SPEECH)},
        {LLMK_OPT_SPEED, K(LLMK_SPEECH)},
        {LLMK_OPT_LANGUAGE, K(LLMK_TRANSCRIBE)},
        {LLMK_OPT_TRANSCRIPT_FORMAT, K(LLMK_TRANSCRIBE)},
        {LLMK_OPT_IMAGE_SIZE, K(LLMK_IMAGE)},
        {LLMK_OPT_IMAGE_QUALITY, K(LLMK_IMAGE)},
        {LLMK_OPT_IMAGE_STYLE, K(LLMK_IMAGE)},
        {LLMK_OPT_IMAGE_RESPONSE_FORMAT, K(LLMK_IMAGE)},
        {LLMK_OPT_IMAGE_COUNT, K(LLMK_IMAGE)},
        {LLMK_OPT_REASONING_EFFORT, K(LLMK_CHAT)},
        {LLMK_OPT_REASONING_SUMMARY, K(LLMK_CHAT)},
        {LLMK_OPT_PREVIOUS_RESPONSE_ID, K(LLMK_CHAT)},
        {LLMK_OPT_STORE, K(LLMK_CHAT)},
        {LLMK_OPT_CACHE_SYSTEM, K(LLMK_CHAT)},
        {LLMK_OPT_CACHE_TOOLS, K(LLMK_CHAT)},
        {LLMK_OPT_CACHE_MESSAGES, K(LLMK_CHAT)},
        {LLMK_OPT_CACHED_CONTENT, K(LLMK_CHAT)},
        {LLMK_OPT_PROMPT_CACHE_KEY, K(LLMK_CHAT)},
        {LLMK_OPT_PROMPT_CACHE_RETENTION, K(LLMK_CHAT)},
        {LLMK_OPT_STRICT_TOOLS, K(LLMK_CHAT)},
        {LLMK_OPT_MAX_TOKENS, K(LLMK_CHAT)},
        {LLMK_OPT_SEED, K(LLMK_CHAT)},
        {LLMK_OPT_TOP_P, K(LLMK_CHAT)},
        {LLMK_OPT_FREQUENCY_PENALTY, K(LLMK_CHAT)},
        {LLMK_OPT_PRESENCE_PENALTY, K(LLMK_CHAT)},
        {LLMK_OPT_TEMPERATURE, K(LLMK_CHAT) | K(LLMK_TRANSCRIBE)},
        {LLMK_OPT_DIMENSIONS, K(LLMK_EMBED)},
        {LLMK_OPT_EMBED_INPUT_TYPE, K(LLMK_EMBED)},
        {LLMK_OPT_TOP_K, K(LLMK_CHAT)},
        {LLMK_OPT_REASONING_BUDGET, K(LLMK_CHAT)},
        {LLMK_OPT_USER, K(LLMK_CHAT) | K(LLMK_EMBED) | K(LLMK_IMAGE)},
        {LLMK_OPT_TIMESTAMPS, K(LLMK_TRANSCRIBE)},
        {LLMK_OPT_CHUNKING, K(LLMK_TRANSCRIBE)},
        {LLMK_OPT_TRANSLATE, K(LLMK_TRANSCRIBE)},
        {LLMK_OPT_LOGPROBS, K(LLMK_CHAT) | K(LLMK_TRANSCRIBE)},
        {LLMK_OPT_CHOICES, K(LLMK_CHAT)},
        {LLMK_OPT_TOP_LOGPROBS, K(LLMK_CHAT)},
        {LLMK_OPT_IMAGE_OUTPUT_FORMAT, K(LLMK_IMAGE)},
        {LLMK_OPT_IMAGE_BACKGROUND, K(LLMK_IMAGE)},
        {LLMK_OPT_IMAGE_MODERATION, K(LLMK_IMAGE)},
        {LLMK_OPT_IMAGE_INPUT_FIDELITY, K(LLMK_IMAGE)},
        {LLMK_OPT_IMAGE_COMPRESSION, K(LLMK_IMAGE)},
        {LLMK_OPT_PARTIAL_IMAGES, K(LLMK_IMAGE)},
        {LLMK_OPT_STREAM_FORMAT, K(LLMK_SPEECH)},
        {LLMK_OPT_CACHE_TTL_MS, K(LLMK_CHAT) | K(LLMK_EMBED)},
        {LLMK_OPT_CACHE, K(LLMK_CHAT) | K(LLMK_EMBED)},
        {LLMK_OPT_QUERY, K(LLMK_RERANK)},
        {LLMK_OPT_TOP_N, K(LLMK_RERANK)},
        {LLMK_OPT_MAX_TOKENS_PER_DOC, K(LLMK_RERANK)},
};

static pthread_once_t options_once = PTHREAD_ONCE_INIT;

/* id -> entry, by type and id % 1000: lookups are on every request's path.
 * The static asserts above keep every id % 1000 below the span. And slot
 * -> id, for the walks over a request's set options. */
#define MAX_SLOTS LLMK_OPTION_ID_SPAN
static const llmk__optinfo *option_by_id[4][MAX_SLOTS];
static int32_t id_at_slot[4][MAX_SLOTS];

static void options_fill_kinds(void)
{
	size_t i, j;
	int next[4] = {0, 0, 0, 0};

	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		int t = options[i].id / 1000;
		options[i].slot = (int16_t)next[t]++;
		id_at_slot[t][options[i].slot] = options[i].id;
		option_by_id[t][options[i].id % 1000] = &options[i];
	}
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		for (j = 0; j < sizeof(option_kinds) / sizeof(option_kinds[0]); j++)
			if (option_kinds[j].id == options[i].id)
				options[i].kinds = option_kinds[j].kinds;
}

const llmk__optinfo *llmk__option_info(int32_t id)
{
	pthread_once(&options_once, options_fill_kinds);
	if (id < 1000 || id / 1000 > 3 || id % 1000 >= MAX_SLOTS)
		return NULL;
	return option_by_id[id / 1000][id % 1000];
}

int llmk__option_slot(int32_t id)
{
	const llmk__optinfo *o = llmk__option_info(id);

	return o ? o->slot : -1;
}

int32_t llmk__option_at_slot(int type, int slot)
{
	pthread_once(&options_once, options_fill_kinds);
	if (type < 1 || type > 3 || slot < 0 || slot >= MAX_SLOTS)
		return 0;
	return id_at_slot[type][slot];
}

static const char *type_word(int type)
{
	return type == LLMK_TYPE_STR ? "string" : type == LLMK_TYPE_I64 ? "integer" : "floating-point";
}

static const char *kind_word(int32_t kind)
{
	static const char *const names[] = {"unknown",    "chat",   "embed",  "image",
	                                    "transcribe", "speech", "rerank", "moderate"};
	return kind >= LLMK_CHAT && kind <= LLMK_MODERATE ? names[kind] : names[0];
}

llmk_status llmk__option_check(int32_t id, int type, int scope, int32_t kind, char *err, size_t errlen)
{
	const llmk__optinfo *o = llmk__option_info(id);

	if (!o) {
		snprintf(err, errlen, "unknown option id %d", (int)id);
		return LLMK_E_UNKNOWN_OPTION;
	}
	if (id / 1000 != type) {
		snprintf(err, errlen, "option '%s' takes a %s value", o->name, type_word(id / 1000));
		return LLMK_E_INVALID_ARG;
	}
	if (!(o->scope & scope)) {
		snprintf(err, errlen, "option '%s' is a %s option, not a %s option", o->name,
		         scope == LLMK_SCOPE_C ? "request" : "client", scope == LLMK_SCOPE_C ? "client" : "request");
		return LLMK_E_INVALID_ARG;
	}
	if (kind && o->kinds && !(o->kinds & (1u << kind))) {
		snprintf(err, errlen, "option '%s' does not apply to %s requests", o->name, kind_word(kind));
		return LLMK_E_INVALID_ARG;
	}
	err[0] = '\0';
	return LLMK_OK;
}

int32_t llmk_option_by_name(const char *name)
{
	size_t i;

	if (!name)
		return 0;
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strcmp(options[i].name, name) == 0)
			return options[i].id;
	return 0;
}

const char *llmk_option_name(int32_t option)
{
	const llmk__optinfo *o = llmk__option_info(option);
	return o ? o->name : NULL;
}

int32_t llmk_option_type(int32_t option)
{
	return llmk__option_info(option) ? option / 1000 : 0;
}

#define LLMK__BIT_CASE_C(name) -1
#define LLMK__BIT_CASE_R(name) LLMK__RB_##name
#define LLMK__BIT_CASE_CR(name) LLMK__RB_##name
#define LLMK__BIT_CASE(name, id, scope, str, doc) \
	case id: return LLMK__BIT_CASE_##scope(name);
int llmk__option_bit(int32_t id)
{
	switch (id) {
		LLMK_OPTION_TABLE(LLMK__BIT_CASE)
	default: return -1;
	}
}

llmk_status llmk__value_check(const char *what, const char *value, char *err, size_t errlen)
{
	if (!value || !llmk__has_ctl(value))
		return LLMK_OK;
	snprintf(err, errlen,
	         "%s holds a control character (CR, LF, TAB or another): refused, it would reach a "
	         "header or URL",
	         what);
	return LLMK_E_INVALID_ARG;
}

void llmk__cache_opt_set(llmk__cache_opts *o, int32_t id, int64_t value)
{
	if (id == LLMK_OPT_CACHE_TTL_MS) {
		o->ttl_ms = value;
		o->set |= 1u;
	} else if (id == LLMK_OPT_CACHE) {
		o->mode = value;
		o->set |= 2u;
	}
}

int llmk__cache_opt_get(const llmk__cache_opts *o, int32_t id, int64_t *out)
{
	if (id == LLMK_OPT_CACHE_TTL_MS && (o->set & 1u)) {
		*out = o->ttl_ms;
		return 1;
	}
	if (id == LLMK_OPT_CACHE && (o->set & 2u)) {
		*out = o->mode;
		return 1;
	}
	return 0;
}
