/* Provider queries (capabilities, options honoured, environment) and the
 * registry of providers implemented by the program. */
#include <string.h>

#include "core/internal.h"

#define MAX_USER_PROVIDERS 64
#define MAX_NAME 63

struct llmk_user_provider {
	llmk_provider row; /* what the pipeline and the queries read */
	char name[MAX_NAME + 1];
	llmk_provider_table table;
	void *user;
	int refs;        /* clients using it, plus one for the registry */
	int registered;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct llmk_user_provider *reg[MAX_USER_PROVIDERS];
static size_t nreg;

/* ---- lookup ------------------------------------------------------------- */

static const llmk_provider *find_any(const char *name, struct llmk_user_provider **up)
{
	const llmk_provider *p;
	size_t i;

	*up = NULL;
	if (!name)
		return NULL;
	if ((p = llmk__provider_find(name, strlen(name))))
		return p;
	for (i = 0; i < nreg; i++)
		if (!strcmp(reg[i]->name, name)) {
			*up = reg[i];
			return &reg[i]->row;
		}
	return NULL;
}

struct llmk_user_provider *llmk__user_provider_get(const char *name, size_t len)
{
	struct llmk_user_provider *found = NULL;
	size_t i;

	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < nreg; i++)
		if (strlen(reg[i]->name) == len && !memcmp(reg[i]->name, name, len)) {
			found = reg[i];
			found->refs++;
			break;
		}
	pthread_mutex_unlock(&reg_lock);
	return found;
}

static void release(struct llmk_user_provider *up)
{
	if (up->table.release)
		up->table.release(up->user);
	llmk__free(up);
}

void llmk__user_provider_put(struct llmk_user_provider *up)
{
	int last;

	if (!up)
		return;
	pthread_mutex_lock(&reg_lock);
	last = --up->refs == 0;
	pthread_mutex_unlock(&reg_lock);
	if (last)
		release(up);
}

const char *llmk__user_provider_name(const struct llmk_user_provider *up)
{
	return up->name;
}

const llmk_provider *llmk__user_provider_row(const struct llmk_user_provider *up)
{
	return &up->row;
}

const llmk_provider_table *llmk__user_provider_table(const struct llmk_user_provider *up)
{
	return &up->table;
}

void *llmk__user_provider_user(const struct llmk_user_provider *up)
{
	return up->user;
}

/* ---- public queries --------------------------------------------------- */

size_t llmk_provider_count(void)
{
	size_t n;

	pthread_mutex_lock(&reg_lock);
	n = llmk__provider_builtin_count() + nreg;
	pthread_mutex_unlock(&reg_lock);
	return n;
}

const char *llmk_provider_name(size_t i)
{
	size_t nb = llmk__provider_builtin_count();
	const char *name = NULL;

	if (i < nb)
		return llmk__provider_builtin(i)->name;
	pthread_mutex_lock(&reg_lock);
	if (i - nb < nreg)
		name = reg[i - nb]->name; /* valid until unregistered */
	pthread_mutex_unlock(&reg_lock);
	return name;
}

int64_t llmk_provider_capabilities(const char *name, int32_t kind)
{
	struct llmk_user_provider *up;
	const llmk_provider *p;
	int64_t caps = -1;

	pthread_mutex_lock(&reg_lock);
	p = find_any(name, &up);
	if (p) {
		caps = 0;
		if (kind >= LLMK_CHAT && kind <= LLMK_SPEECH && (p->kinds & (1u << kind))) {
			caps = LLMK_CAP_KIND;
			if (kind == LLMK_CHAT) {
				/* JSON output is an option like any other: one source. */
				caps |= p->chat_caps & ~(unsigned)(LLMK_CAP_JSON_MODE | LLMK_CAP_JSON_SCHEMA);
				if (p->opts & LLMK__OPT(RESPONSE_FORMAT))
					caps |= LLMK_CAP_JSON_MODE;
				if (p->opts & LLMK__OPT(JSON_SCHEMA))
					caps |= LLMK_CAP_JSON_SCHEMA;
			}
			else if (kind == LLMK_EMBED)
				caps |= p->embed_caps;
			if (!(p->quirks & LLMK_Q_KEY_OPTIONAL))
				caps |= LLMK_CAP_KEY_REQUIRED;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return caps;
}

int32_t llmk_provider_supports_option(const char *name, int32_t option)
{
	struct llmk_user_provider *up;
	const llmk_provider *p;
	const llmk_optinfo *o = llmk__option_info(option);
	int32_t r = -1;

	pthread_mutex_lock(&reg_lock);
	p = find_any(name, &up);
	if (p) {
		if (!o)
			r = 0;
		else if (!(o->scope & LLMK_SCOPE_R) || option == LLMK_OPT_MODEL || option == LLMK_OPT_DROP_UNSUPPORTED)
			r = 1; /* client options and the model are the library's own */
		else
			r = (p->opts >> LLMK__OPT_BIT(option)) & 1;
	}
	pthread_mutex_unlock(&reg_lock);
	return r;
}

const char *llmk_provider_base_url(const char *name)
{
	const llmk_provider *p = name ? llmk__provider_find(name, strlen(name)) : NULL;
	return p ? p->base_url : NULL;
}

const char *llmk_provider_key_env(const char *name)
{
	const llmk_provider *p = name ? llmk__provider_find(name, strlen(name)) : NULL;
	return p ? p->key_env : NULL;
}

const char *llmk_provider_url_env(const char *name)
{
	const llmk_provider *p = name ? llmk__provider_find(name, strlen(name)) : NULL;
	return p ? p->url_env : NULL;
}

/* ---- registration ------------------------------------------------------- */

void llmk_provider_table_init(llmk_provider_table *t)
{
	if (!t)
		return;
	memset(t, 0, sizeof(*t));
	t->struct_size = sizeof(*t);
}

static int valid_name(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.'))
			return 0;
	return n > 0 && n <= MAX_NAME;
}

#define TABLE_MIN_SIZE (offsetof(llmk_provider_table, chat_capabilities) + sizeof(uint32_t))

llmk_status llmk_provider_register(const char *name, const llmk_provider_table *t, void *user)
{
	struct llmk_user_provider *up, *dummy;
	llmk_status st = LLMK_OK;
	uint32_t allowed = (1u << LLMK_CHAT) | (1u << LLMK_EMBED) | (1u << LLMK_IMAGE) | (1u << LLMK_TRANSCRIBE) |
	                   (1u << LLMK_SPEECH);

	if (!name || !valid_name(name) || !t || t->struct_size < TABLE_MIN_SIZE || !t->send || !t->kinds ||
	    (t->kinds & ~allowed))
		return LLMK_E_INVALID_ARG;
	if ((st = llmk_global_init()))
		return st;
	up = llmk__calloc(1, sizeof(*up));
	if (!up)
		return LLMK_E_NOMEM;
	memcpy(up->name, name, strlen(name) + 1);
	/* Only what the caller's version of the table has (it may be older and
	 * shorter once the table grows; up is zeroed, so later fields read as
	 * NULL/0), and never more than ours (it may be newer). */
	memcpy(&up->table, t, t->struct_size < sizeof(up->table) ? t->struct_size : sizeof(up->table));
	up->table.struct_size = (uint32_t)sizeof(up->table);
	up->user = user;
	up->refs = 1;
	up->registered = 1;
	up->row.name = up->name;
	up->row.quirks = LLMK_Q_KEY_OPTIONAL;
	up->row.kinds = t->kinds;
	up->row.chat_caps = t->chat_capabilities &
	                    (LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_JSON_MODE |
	                     LLMK_CAP_JSON_SCHEMA | LLMK_CAP_STREAM_USAGE | LLMK_CAP_IMAGE_URL);
	up->row.embed_caps = LLMK_CAP_BATCH;
	/* The program reads what it wants, but structured output is refused
	 * unless declared: silently ignoring a schema would be a lie. */
	up->row.opts = ~UINT64_C(0);
	if (!(t->chat_capabilities & LLMK_CAP_JSON_MODE))
		up->row.opts &= ~LLMK__OPT(RESPONSE_FORMAT);
	if (!(t->chat_capabilities & LLMK_CAP_JSON_SCHEMA))
		up->row.opts &= ~(LLMK__OPT(JSON_SCHEMA) | LLMK__OPT(JSON_SCHEMA_NAME));
	up->row.notes = "registered by the program";

	pthread_mutex_lock(&reg_lock);
	if (find_any(name, &dummy))
		st = LLMK_E_CONFIG;
	else if (nreg == MAX_USER_PROVIDERS)
		st = LLMK_E_TOO_LARGE;
	else
		reg[nreg++] = up;
	pthread_mutex_unlock(&reg_lock);
	if (st)
		llmk__free(up);
	return st;
}

llmk_status llmk_provider_unregister(const char *name)
{
	struct llmk_user_provider *up = NULL;
	size_t i;

	if (!name)
		return LLMK_E_INVALID_ARG;
	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < nreg; i++)
		if (!strcmp(reg[i]->name, name)) {
			up = reg[i];
			memmove(&reg[i], &reg[i + 1], (nreg - i - 1) * sizeof(reg[0]));
			nreg--;
			break;
		}
	pthread_mutex_unlock(&reg_lock);
	if (!up)
		return LLMK_E_NOT_FOUND;
	llmk__user_provider_put(up);
	return LLMK_OK;
}
