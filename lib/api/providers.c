/* Provider queries (capabilities, options honoured, environment) over the
 * built-in table and the program's providers, and registration. */
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "registry.h"

const llmk__provider *llmk__api_provider(const char *name, size_t len, struct llmk__user_provider **up)
{
	const llmk__provider *p = llmk__provider_find(name, len);

	*up = p ? NULL : llmk__user_provider_get(name, len);
	return p ? p : *up ? llmk__user_provider_row(*up) : NULL;
}

size_t llmk_provider_count(void)
{
	return llmk__provider_builtin_count() + llmk__user_provider_count();
}

const char *llmk_provider_name(size_t i)
{
	size_t nb = llmk__provider_builtin_count();

	return i < nb ? llmk__provider_builtin(i)->name : llmk__user_provider_at(i - nb);
}

static int64_t capabilities(const llmk__provider *p, int32_t kind)
{
	int64_t caps = 0;

	if (kind < LLMK_CHAT || kind > LLMK_MODERATE || !(p->kinds & (1u << kind)))
		return 0;
	caps = LLMK_CAP_KIND;
	if (kind == LLMK_CHAT) {
		/* JSON output is an option like any other: one source. */
		caps |= p->chat_caps & ~(unsigned)(LLMK_CAP_JSON_MODE | LLMK_CAP_JSON_SCHEMA);
		if (p->opts & LLMK__OPT(RESPONSE_FORMAT))
			caps |= LLMK_CAP_JSON_MODE;
		if (p->opts & LLMK__OPT(JSON_SCHEMA))
			caps |= LLMK_CAP_JSON_SCHEMA;
		if (p->kinds & (1u << LLMK__COUNT_TOKENS)) /* llmk_count_tokens() */
			caps |= LLMK_CAP_COUNT_TOKENS;
	} else if (kind == LLMK_EMBED) {
		caps |= p->embed_caps;
	} else if (kind == LLMK_IMAGE || kind == LLMK_TRANSCRIBE || kind == LLMK_SPEECH) {
		/* Streams for every media kind served; edits and variations for images. */
		caps |= p->media_caps & (kind == LLMK_IMAGE ? ~0u : (unsigned)LLMK_CAP_STREAM);
	}
	if (!(p->quirks & LLMK_Q_KEY_OPTIONAL))
		caps |= LLMK_CAP_KEY_REQUIRED;
	return caps;
}

int64_t llmk_provider_capabilities(const char *name, int32_t kind)
{
	struct llmk__user_provider *up;
	const llmk__provider *p = name ? llmk__api_provider(name, strlen(name), &up) : NULL;
	int64_t caps;

	if (!p)
		return -1;
	caps = capabilities(p, kind);
	llmk__user_provider_put(up);
	return caps;
}

int32_t llmk_provider_supports_option(const char *name, int32_t option)
{
	struct llmk__user_provider *up;
	const llmk__provider *p = name ? llmk__api_provider(name, strlen(name), &up) : NULL;
	const llmk__optinfo *o = llmk__option_info(option);
	int32_t r;

	if (!p)
		return -1;
	if (!o)
		r = 0;
	else if (!(o->scope & LLMK_SCOPE_R) || option == LLMK_OPT_MODEL || option == LLMK_OPT_DROP_UNSUPPORTED)
		r = 1; /* client options and the model are the library's own */
	else if (option == LLMK_OPT_HTTP_HEADER)
		r = up ? 0 : 1; /* every HTTP request takes them; a registered provider gets no HTTP */
	else
		r = llmk__option_bit(option) >= 0 ? (int32_t)((p->opts >> llmk__option_bit(option)) & 1) : 1;
	llmk__user_provider_put(up);
	return r;
}

const char *llmk_provider_base_url(const char *name)
{
	const llmk__provider *p = name ? llmk__provider_find(name, strlen(name)) : NULL;
	return p ? p->base_url : NULL;
}

const char *llmk_provider_key_env(const char *name)
{
	const llmk__provider *p = name ? llmk__provider_find(name, strlen(name)) : NULL;
	return p ? p->key_env : NULL;
}

const char *llmk_provider_url_env(const char *name)
{
	const llmk__provider *p = name ? llmk__provider_find(name, strlen(name)) : NULL;
	return p ? p->url_env : NULL;
}

void llmk_provider_table_init(llmk_provider_table *t)
{
	if (!t)
		return;
	memset(t, 0, sizeof(*t));
	t->struct_size = sizeof(*t);
}

llmk_status llmk_provider_register(const char *name, const llmk_provider_table *t, void *user)
{
	llmk_status st;

	if (name && t && (st = llmk_global_init()))
		return st;
	/* The built-in names are taken; the registry checks its own. */
	return llmk__user_provider_add(name, t, user, llmk__provider_find(name, strlen(name)) != NULL);
}

llmk_status llmk_provider_unregister(const char *name)
{
	if (!name)
		return LLMK_E_INVALID_ARG;
	return llmk__user_provider_remove(name);
}
