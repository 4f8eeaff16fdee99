/* Version, features, library initialisation and the allocator hook. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "alloc.h"
#include "curl.h"
#include "json.h"
#include "registry.h"

int32_t llmk_version_number(void)
{
	return LLMK_VERSION_NUMBER;
}

const char *llmk_version(void)
{
	return LLMK_VERSION_STRING;
}

/* ---- features ----------------------------------------------------------- */

static const struct {
	int64_t bit;
	const char *name;
} feature_names[] = {
        {LLMK_FEATURE_CURL, "curl"},
        {LLMK_FEATURE_HTTPS, "https"},
        {LLMK_FEATURE_CASSETTE, "cassette"},
        {LLMK_FEATURE_POSIX, "posix"},
        {LLMK_FEATURE_REDIS, "redis"},
        {LLMK_FEATURE_SQLITE, "sqlite"},
        {LLMK_FEATURE_OPENAI, "openai"},
        {LLMK_FEATURE_ANTHROPIC, "anthropic"},
        {LLMK_FEATURE_GEMINI, "gemini"},
        {LLMK_FEATURE_OLLAMA, "ollama"},
        {LLMK_FEATURE_COHERE, "cohere"},
        {LLMK_FEATURE_HUGGINGFACE, "huggingface"},
        {LLMK_FEATURE_WHISPERCPP, "whispercpp"},
        {LLMK_FEATURE_BEDROCK, "bedrock"},
        {LLMK_FEATURE_RESPONSES, "responses"},
};

int64_t llmk_features(void)
{
	int64_t f = 0;
	size_t i;

#ifdef LLMK_HAVE_CASSETTE
	f |= LLMK_FEATURE_CASSETTE;
#endif
#ifdef LLMK_HAVE_POSIX_TRANSPORT
	f |= LLMK_FEATURE_POSIX;
#endif
#ifdef LLMK_HAVE_REDIS
	f |= LLMK_FEATURE_REDIS;
#endif
#ifdef LLMK_HAVE_SQLITE
	f |= LLMK_FEATURE_SQLITE;
#endif

#ifdef LLMK_HAVE_CURL
	f |= LLMK_FEATURE_CURL;
	if (llmk__curl_has_tls())
		f |= LLMK_FEATURE_HTTPS;
#endif
	/* A wire format is reported when some built-in provider speaks it
	 * (-Dwire_formats decides which are built in). */
	for (i = 0; i < llmk__provider_builtin_count(); i++)
		f |= llmk__provider_builtin(i)->adapter->feature;
	return f;
}

const char *llmk_feature_name(int64_t feature)
{
	size_t i;

	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (feature_names[i].bit == feature)
			return feature_names[i].name;
	return NULL;
}

void llmk_free(void *p)
{
	llmk__free(p);
}

/* ---- initialisation ----------------------------------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static llmk_status init_status = LLMK_OK;
static int init_started; /* written before the once runs; read by set_allocator */

static void global_init(void)
{
	if (sodium_init() < 0) {
		init_status = LLMK_E_NOMEM;
		return;
	}
	llmk__json_setup();
	/* Seeds jansson's hash function once, before any thread can race on
	 * its lazy seeding (jansson's documented requirement). */
	json_object_seed(0);
#ifdef LLMK_HAVE_CURL
	init_status = llmk__curl_global_init();
#endif
}

llmk_status llmk_global_init(void)
{
	__atomic_store_n(&init_started, 1, __ATOMIC_SEQ_CST);
	pthread_once(&init_once, global_init);
	return init_status;
}

llmk_status llmk_set_allocator(void *(*m)(size_t), void *(*r)(void *, size_t), void (*f)(void *))
{
	if (!m || !r || !f)
		return LLMK_E_INVALID_ARG;
	/* Memory already handed out would be freed by the wrong function. */
	if (__atomic_load_n(&init_started, __ATOMIC_SEQ_CST) || llmk__set_alloc(m, r, f))
		return LLMK_E_CONFIG;
	return LLMK_OK;
}
