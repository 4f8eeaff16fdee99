/* The registry of providers implemented by the program
 * (llmk_provider_register); the public calls are in lib/api/providers.c,
 * which also checks names against the built-in providers. */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "adapter.h"
#include "alloc.h"

#define MAX_USER_PROVIDERS 64
#define MAX_NAME 63

struct llmk__user_provider {
	llmk__provider row; /* what the pipeline and the queries read */
	char name[MAX_NAME + 1];
	llmk_provider_table table;
	void *user;
	int refs; /* clients using it, plus one for the registry */
	int registered;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct llmk__user_provider *reg[MAX_USER_PROVIDERS];
static size_t nreg;

static struct llmk__user_provider *find_locked(const char *name)
{
	size_t i;

	for (i = 0; i < nreg; i++)
		if (!strcmp(reg[i]->name, name))
			return reg[i];
	return NULL;
}

struct llmk__user_provider *llmk__user_provider_get(const char *name, size_t len)
{
	struct llmk__user_provider *found = NULL;
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

static void release(struct llmk__user_provider *up)
{
	if (up->table.release)
		up->table.release(up->user);
	llmk__free(up);
}

void llmk__user_provider_put(struct llmk__user_provider *up)
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

const char *llmk__user_provider_name(const struct llmk__user_provider *up)
{
	return up->name;
}

const llmk__provider *llmk__user_provider_row(const struct llmk__user_provider *up)
{
	return &up->row;
}

const llmk_provider_table *llmk__user_provider_table(const struct llmk__user_provider *up)
{
	return &up->table;
}

void *llmk__user_provider_user(const struct llmk__user_provider *up)
{
	return up->user;
}

/* ---- registration ------------------------------------------------------- */

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

llmk_status llmk__user_provider_add(const char *name, const llmk_provider_table *t, void *user, int taken)
{
	struct llmk__user_provider *up;
	llmk_status st = LLMK_OK;
	uint32_t allowed = (1u << LLMK_CHAT) | (1u << LLMK_EMBED) | (1u << LLMK_IMAGE) | (1u << LLMK_TRANSCRIBE) |
	                   (1u << LLMK_SPEECH);

	if (!name || !valid_name(name) || !t || t->struct_size < TABLE_MIN_SIZE || !t->send || !t->kinds ||
	    (t->kinds & ~allowed))
		return LLMK_E_INVALID_ARG;
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
	up->row.chat_caps =
	        t->chat_capabilities & (LLMK_CAP_STREAM | LLMK_CAP_TOOLS | LLMK_CAP_VISION | LLMK_CAP_JSON_MODE |
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
	if (taken || find_locked(name))
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

llmk_status llmk__user_provider_remove(const char *name)
{
	struct llmk__user_provider *up = NULL;
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

const llmk__provider *llmk__user_provider_find(const char *name)
{
	struct llmk__user_provider *up;

	pthread_mutex_lock(&reg_lock);
	up = name ? find_locked(name) : NULL;
	pthread_mutex_unlock(&reg_lock);
	/* A row lives as long as its registration; the callers that keep one
	 * past an unregister take a reference with llmk__user_provider_get(). */
	return up ? &up->row : NULL;
}

size_t llmk__user_provider_count(void)
{
	size_t n;

	pthread_mutex_lock(&reg_lock);
	n = nreg;
	pthread_mutex_unlock(&reg_lock);
	return n;
}

const char *llmk__user_provider_at(size_t i)
{
	const char *name = NULL;

	pthread_mutex_lock(&reg_lock);
	if (i < nreg)
		name = reg[i]->name; /* valid until unregistered */
	pthread_mutex_unlock(&reg_lock);
	return name;
}
