/* Secret wiping: every heap block that held a credential is zeroed before
 * it is released. This test links the exchange and utility code with its
 * own allocator (instead of lib/core/alloc.c) that inspects each block as
 * it is freed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "exchange.h"
#include "secret.h"

#define SECRET "sk-live-SECRET-7f3a9c1d2e"

static size_t freed_with_secret, freed_total;

/* Blocks carry their size in a header so free() can inspect them. */
void *llmk__malloc(size_t n)
{
	size_t *p = malloc(n + sizeof(size_t));
	if (!p)
		return NULL;
	*p = n;
	return p + 1;
}

void *llmk__calloc(size_t count, size_t size)
{
	void *p = llmk__malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

static int contains(const unsigned char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;
	for (i = 0; i + k <= n; i++)
		if (!memcmp(p + i, needle, k))
			return 1;
	return 0;
}

void llmk__free(void *q)
{
	size_t *p;
	if (!q)
		return;
	p = (size_t *)q - 1;
	freed_total++;
	if (contains(q, *p, "SECRET"))
		freed_with_secret++;
	free(p);
}

void *llmk__realloc(void *q, size_t n)
{
	void *r;
	size_t old;
	if (!q)
		return llmk__malloc(n);
	old = ((size_t *)q)[-1];
	r = llmk__malloc(n);
	if (!r)
		return NULL;
	memcpy(r, q, old < n ? old : n);
	llmk__free(q); /* a secret moved by realloc would be seen here */
	return r;
}

char *llmk__strndup(const char *s, size_t n)
{
	char *p;
	if (!s)
		return NULL;
	p = llmk__malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *llmk__strdup(const char *s)
{
	return s ? llmk__strndup(s, strlen(s)) : NULL;
}

static void test_exchange_headers_wiped(void **state)
{
	llmk_exchange ex;

	(void)state;
	freed_with_secret = freed_total = 0;
	llmk__exchange_init(&ex);
	assert_int_equal(llmk__exchange_set_url(&ex, "https://api.example.invalid/v1", "/chat/completions"), LLMK_OK);
	assert_int_equal(llmk__exchange_header(&ex, "Content-Type", "application/json"), LLMK_OK);
	assert_int_equal(llmk__exchange_header(&ex, "Authorization", "Bearer " SECRET), LLMK_OK);
	/* Enough headers to force the array to grow (realloc) too. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(llmk__exchange_header(&ex, "X-Api-Key", SECRET), LLMK_OK);
	assert_int_equal(llmk__buf_append_str(&ex.body, "{\"note\":\"" SECRET "\"}"), 0);
	assert_string_equal(llmk_exchange_header_value(&ex, 1), "Bearer " SECRET);
	llmk__exchange_clear(&ex);
	assert_true(freed_total >= 44);
	assert_int_equal(freed_with_secret, 0);
}

static void test_free_wiped(void **state)
{
	char *p = llmk__strdup("token " SECRET);

	(void)state;
	freed_with_secret = 0;
	llmk__free_wiped(p);
	assert_int_equal(freed_with_secret, 0);
	/* and the spy does see an unwiped secret (the test can fail) */
	p = llmk__strdup(SECRET);
	llmk__free(p);
	assert_int_equal(freed_with_secret, 1);
}

static void test_secret_storage(void **state)
{
	char *slot = NULL;

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	assert_int_equal(llmk__secret_set(&slot, SECRET), LLMK_OK);
	assert_string_equal(slot, SECRET);
	assert_int_equal(llmk__secret_set(&slot, "sk-other"), LLMK_OK); /* replaces, frees the old */
	assert_string_equal(slot, "sk-other");
	llmk__secret_free(&slot);
	assert_null(slot);
	llmk__secret_free(&slot); /* idempotent */
	assert_int_equal(llmk__secret_set(&slot, NULL), LLMK_OK);
	assert_null(slot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exchange_headers_wiped),
	        cmocka_unit_test(test_free_wiped),
	        cmocka_unit_test(test_secret_storage),
	};
	return cmocka_run_group_tests_name("wipe", tests, NULL, NULL);
}
