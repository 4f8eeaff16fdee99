/* The JSON parser (lib/core/json.h) against jansson's json_loadb(): the
 * same verdict and the same value for hand-picked edge cases and for tens
 * of thousands of generated and mutated documents; error positions; the
 * nesting limit; and every allocation failing in turn. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "json.h"

/* Our writer against json_dumps() for one value. */
static void same_dump(const json_t *v, int precision)
{
	size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | (precision ? JSON_REAL_PRECISION(precision) : 0);
	char *want = json_dumps(v, flags);
	llmk__buf got = LLMK__BUF_INIT;

	assert_non_null(want);
	assert_int_equal(llmk__json_dump(&got, v, precision), 0);
	if (strcmp(got.data, want)) {
		fprintf(stderr, "dumps differ:\n ours    %s\n jansson %s\n", got.data, want);
		fail();
	}
	llmk__buf_free(&got);
	free(want);
}

/* Compares one parse with jansson's; returns whether it was accepted. */
static int agree(const char *data, size_t len, size_t flags)
{
	json_error_t e1, e2;
	json_t *ours = llmk__json_loadb(data, len, flags | LLMK_JSON_STRICT_NUMBERS, &e1), *ref;
	int ok = ours != NULL;

	/* A raw NUL byte is never JSON (a control character inside a string,
	 * no token outside one). jansson 2.14 skips one that follows a number
	 * ("[1\0]" gives [1]); we reject it, and do not ask jansson. */
	if (memchr(data, '\0', len)) {
		assert_null(ours);
		assert_true(e1.position >= 0 && (size_t)e1.position <= len);
		return 0;
	}
	ref = json_loadb(data, len, flags, &e2);

	if ((ours == NULL) != (ref == NULL)) {
		fprintf(stderr, "disagree (ours %s, jansson %s) on %zu bytes, flags %zu: %.*s\n",
		        ours ? "accepts" : e1.text, ref ? "accepts" : e2.text, len, flags, (int)(len > 200 ? 200 : len),
		        data);
		fail();
	}
	if (ours) {
		char *a = json_dumps(ours, JSON_COMPACT | JSON_ENCODE_ANY),
		     *b = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_non_null(a);
		assert_non_null(b);
		if (strcmp(a, b)) {
			fprintf(stderr, "values differ on %.*s:\n ours    %s\n jansson %s\n", (int)len, data, a, b);
			fail();
		}
		assert_true(json_equal(ours, ref));
		free(a);
		free(b);
		same_dump(ref, 0);
		same_dump(ref, 15);
	} else {
		assert_true(e1.position >= 0 && (size_t)e1.position <= len);
		assert_true(e1.text[0] != '\0');
		assert_true(e1.line >= 1 && e1.column >= 1);
	}
	json_decref(ours);
	json_decref(ref);
	return ok;
}

static int agree_s(const char *s, size_t flags)
{
	return agree(s, strlen(s), flags);
}

#define ANY JSON_DECODE_ANY

static void test_accepts(void **state)
{
	static const char *const good[] = {
	        "{}",
	        "[]",
	        " { } ",
	        "\t[\r\n]\n",
	        "{\"a\":1}",
	        "[1,2,3]",
	        "{\"a\":{\"b\":[true,false,null]}}",
	        "[\"\"]",
	        "[\"plain ascii\"]",
	        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
	        "[\"\\u0041\\u00e9\\u20AC\"]",
	        "[\"\\ud83d\\ude00\"]",
	        "[\"\\uD834\\uDD1E\"]",
	        "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]",
	        "[\"\x7f\"]",
	        "[0]",
	        "[-0]",
	        "[-0.0]",
	        "[0.5]",
	        "[1e3]",
	        "[1E+3]",
	        "[1e-3]",
	        "[-12.5e-7]",
	        "[9223372036854775807]",
	        "[-9223372036854775808]",
	        "[1e308]",
	        "[1e-400]",
	        "[4.9e-324]",
	        "[123456789012345678901234567890.0]",
	        "[0.1,0.2,0.30000000000000004]",
	        "{\"a\":1,\"a\":2}",
	        "{\"b\":1,\"a\":2,\"c\":3}",
	        "{\"k\\u00e9y\":\"v\",\"k\\\"\":[{}]}",
	        "[[[[[[[[[[]]]]]]]]]]",
	        "{\"\":\"\"}",
	};
	static const char *const any[] = {"1", " \"s\" ", "null", "true", "false", "-1.5e2", "\"\\u00e9\""};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(agree_s(good[i], 0));
	for (i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
		assert_true(agree_s(any[i], ANY));
		assert_false(agree_s(any[i], 0)); /* not an array or object */
	}
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
	        "",
	        " ",
	        "[",
	        "]",
	        "{",
	        "}",
	        "[1,]",
	        "[,1]",
	        "{,}",
	        "{\"a\"}",
	        "{\"a\":}",
	        "{\"a\":1,}",
	        "{a:1}",
	        "{'a':1}",
	        "[1 2]",
	        "[1]x",
	        "[1]]",
	        "{\"a\":1}}",
	        "[\"unterminated]",
	        "[\"bad \\q escape\"]",
	        "[\"\\u12\"]",
	        "[\"\\u12G4\"]",
	        "[\"\\ud800\"]",
	        "[\"\\udc00\"]",
	        "[\"\\ud800\\u0041\"]",
	        "[\"\\ud800x\"]",
	        "[\"\\u0000\"]",
	        "{\"\\u0000\":1}",
	        "[\"tab\there\"]",
	        "[\"nl\nhere\"]",
	        "[\"\xc0\xaf\"]",
	        "[\"\xed\xa0\x80\"]",
	        "[\"\xf4\x90\x80\x80\"]",
	        "[\"\xe2\x82\"]",
	        "[\"\x80\"]",
	        "[\"\xff\"]",
	        "[01]",
	        "[-]",
	        "[-a]",
	        "[1.]",
	        "[.5]",
	        "[1e]",
	        "[1e+]",
	        "[+1]",
	        "[0x10]",
	        "[9223372036854775808]",
	        "[-9223372036854775809]",
	        "[1e309]",
	        "[-1e309]",
	        "[tru]",
	        "[truex]",
	        "[nul]",
	        "[NULL]",
	        "[True]",
	        "[nan]",
	        "[Infinity]",
	        "\xef\xbb\xbf[]",
	        "/* */[]",
	        "[]//",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(agree_s(bad[i], 0));
		assert_false(agree_s(bad[i], ANY));
	}
	/* A NUL byte is never JSON outside a string; inside one it is a
	 * control character; U+0000 only with JSON_ALLOW_NUL. */
	assert_false(agree("[\"a\0b\"]", 7, ANY));
	assert_false(agree("[1\0]", 4, 0));
	assert_false(agree("1\0", 2, ANY));
	assert_false(agree("[1]\0", 4, 0));
	assert_true(agree_s("[\"a\\u0000b\"]", JSON_ALLOW_NUL));
	assert_false(agree_s("{\"a\\u0000b\":1}", JSON_ALLOW_NUL));
}

static void test_nul_string(void **state)
{
	json_t *j = llmk__json_loads("[\"a\\u0000b\"]", JSON_ALLOW_NUL, NULL);

	(void)state;
	assert_non_null(j);
	assert_int_equal(json_string_length(json_array_get(j, 0)), 3);
	assert_memory_equal(json_string_value(json_array_get(j, 0)), "a\0b", 3);
	json_decref(j);
}

static void test_error_position(void **state)
{
	json_error_t e;

	(void)state;
	assert_null(llmk__json_loads("{\"a\": [1, 2,, 3]}", 0, &e));
	assert_int_equal(e.position, 12);
	assert_int_equal(e.line, 1);
	assert_int_equal(e.column, 13);
	assert_non_null(strstr(e.text, "','"));
	assert_null(llmk__json_loads("{\n  \"a\": 1,\n  \"b\": tru\n}", 0, &e));
	assert_int_equal(e.line, 3);
	assert_int_equal(e.column, 8);
	assert_null(llmk__json_loads("[\"x\\ud800\"]", 0, &e));
	assert_int_equal(e.position, 3);
	assert_non_null(strstr(e.text, "surrogate"));
	assert_null(llmk__json_loads("[\"\xc3\"]", 0, &e));
	assert_int_equal(e.position, 2);
	assert_non_null(strstr(e.text, "UTF-8"));
	assert_null(llmk__json_loadb("[1", 2, 0, &e));
	assert_int_equal(e.position, 2);
	assert_non_null(strstr(e.text, "end of input"));
	/* NULL input is the empty text; no error struct is fine. */
	assert_null(llmk__json_loadb(NULL, 5, ANY, &e));
	assert_int_equal(e.position, 0);
	assert_null(llmk__json_loads("[", 0, NULL));
	assert_null(llmk__json_loads(NULL, ANY, NULL));
}

static void test_depth(void **state)
{
	size_t n = LLMK_JSON_MAX_DEPTH + 1, i;
	char *s = malloc(2 * n + 1);
	json_error_t e;
	json_t *j;

	(void)state;
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	s[2 * n] = '\0';
	/* LLMK_JSON_MAX_DEPTH containers parse, one more does not: jansson's
	 * limit too. */
	assert_true(agree(s + 1, 2 * n - 2, 0));
	assert_false(agree(s, 2 * n, 0));
	assert_null(llmk__json_loadb(s, 2 * n, 0, &e));
	assert_non_null(strstr(e.text, "nesting"));
	for (i = 0; i < n; i++) {
		s[i] = '{';
		s[2 * n - 1 - i] = '}';
	}
	/* {{ is not an object with a key: rejected at the second byte. */
	assert_false(agree(s, 2 * n, 0));
	/* Deep objects {"a":{"a":...1}}: jansson counts the scalar as a
	 * level too. */
	{
		size_t depth, k;
		char *t = malloc(LLMK_JSON_MAX_DEPTH * 6 + 8);
		for (depth = LLMK_JSON_MAX_DEPTH - 1; depth <= LLMK_JSON_MAX_DEPTH; depth++) {
			k = 0;
			for (i = 0; i < depth; i++) {
				memcpy(t + k, "{\"a\":", 5);
				k += 5;
			}
			t[k++] = '1';
			for (i = 0; i < depth; i++)
				t[k++] = '}';
			assert_int_equal(agree(t, k, 0), depth < LLMK_JSON_MAX_DEPTH);
			j = llmk__json_loadb(t, k, 0, NULL);
			assert_int_equal(j != NULL, depth < LLMK_JSON_MAX_DEPTH);
			json_decref(j);
		}
		free(t);
	}
	free(s);
}

/* xorshift64*, fixed seed: the same documents on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

typedef struct sb {
	char *p;
	size_t len, cap;
} sb;

static void put(sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(sb *b, const char *s)
{
	put(b, s, strlen(s));
}

static void gen_string(sb *b)
{
	static const char *const pieces[] = {
	        "a",
	        "Z",
	        " ",
	        "0",
	        "\\\"",
	        "\\\\",
	        "\\/",
	        "\\b",
	        "\\f",
	        "\\n",
	        "\\r",
	        "\\t",
	        "\\u0041",
	        "\\u00e9",
	        "\\u20ac",
	        "\\uFFFF",
	        "\\ud83d\\ude00",
	        "\\u0000",
	        "\xc3\xa9",
	        "\xe2\x82\xac",
	        "\xf0\x9f\x98\x80",
	        "\x7f",
	        "{",
	        "]",
	        ":",
	        ",",
	        "\\u0001",
	        "\\ud800",
	        "\xed\xa0\x80",
	};
	size_t n = rnd() % 6, i;

	puts_(b, "\"");
	for (i = 0; i < n; i++)
		puts_(b, pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))]);
	puts_(b, "\"");
}

static void gen_number(sb *b)
{
	static const char *const forms[] = {
	        "0",
	        "-0",
	        "7",
	        "-42",
	        "1234567890",
	        "9223372036854775807",
	        "-9223372036854775808",
	        "18446744073709551616",
	        "0.5",
	        "-3.25",
	        "1e10",
	        "2E-5",
	        "6.02214076e23",
	        "1.7976931348623157e308",
	        "5e-324",
	        "1e400",
	        "0.1",
	        "3.141592653589793",
	        "100000000000000000000.5",
	        "-0.0e0",
	};
	char buf[32];

	if (rnd() % 2) {
		puts_(b, forms[rnd() % (sizeof(forms) / sizeof(forms[0]))]);
		return;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)(rnd() >> (rnd() % 64)) * (rnd() % 2 ? 1 : -1));
	puts_(b, buf);
}

static void gen_value(sb *b, int depth)
{
	static const char *const ws[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
	unsigned kind = (unsigned)(rnd() % (depth > 6 ? 4 : 6));
	size_t n, i;

	puts_(b, ws[rnd() % 7]);
	switch (kind) {
	case 0: gen_string(b); break;
	case 1: gen_number(b); break;
	case 2: puts_(b, (const char *[]){"true", "false", "null"}[rnd() % 3]); break;
	case 3: gen_string(b); break;
	case 4:
		n = rnd() % 5;
		puts_(b, "[");
		for (i = 0; i < n; i++) {
			if (i)
				puts_(b, ",");
			gen_value(b, depth + 1);
		}
		puts_(b, ws[rnd() % 7]);
		puts_(b, "]");
		break;
	default:
		n = rnd() % 5;
		puts_(b, "{");
		for (i = 0; i < n; i++) {
			if (i)
				puts_(b, ",");
			puts_(b, ws[rnd() % 7]);
			gen_string(b);
			puts_(b, ws[rnd() % 7]);
			puts_(b, ":");
			gen_value(b, depth + 1);
		}
		puts_(b, ws[rnd() % 7]);
		puts_(b, "}");
		break;
	}
	puts_(b, ws[rnd() % 7]);
}

static void mutate(sb *b)
{
	static const char alphabet[] = "{}[],:\"\\/ -+.0123456789eEtfnrulsabu\x80\xc3\xed\xff\n\t\0";
	size_t pos = b->len ? rnd() % b->len : 0;

	switch (rnd() % 4) {
	case 0: /* replace a byte */
		if (b->len)
			b->p[pos] = alphabet[rnd() % (sizeof(alphabet) - 1)];
		break;
	case 1: /* delete a byte */
		if (b->len) {
			memmove(b->p + pos, b->p + pos + 1, b->len - pos);
			b->len--;
		}
		break;
	case 2: /* insert a byte */
		put(b, " ", 1);
		memmove(b->p + pos + 1, b->p + pos, b->len - pos - 1);
		b->p[pos] = alphabet[rnd() % (sizeof(alphabet) - 1)];
		break;
	default: /* cut the end */ b->len = pos; break;
	}
}

static void test_generated(void **state)
{
	size_t i, accepted = 0, rejected = 0, mutated_ok = 0;
	sb b = {NULL, 0, 0};

	(void)state;
	for (i = 0; i < 100000; i++) {
		size_t flags = (i % 3 ? 0 : ANY) | (i % 5 ? 0 : JSON_ALLOW_NUL), m;
		b.len = 0;
		if (i % 2)
			puts_(&b, rnd() % 2 ? "[" : "{\"k\":");
		gen_value(&b, 0);
		if (i % 2)
			puts_(&b, b.p[0] == '[' ? "]" : "}");
		if (agree(b.p, b.len, flags))
			accepted++;
		else
			rejected++;
		for (m = rnd() % 3 + 1; m > 0; m--)
			mutate(&b);
		if (agree(b.p, b.len, flags))
			mutated_ok++;
	}
	free(b.p);
	/* The generator must exercise both verdicts a lot, or the test says
	 * little. */
	assert_true(accepted > 25000);
	assert_true(rejected > 25000);
	assert_true(mutated_ok > 2500);
}

static void test_dump(void **state)
{
	static const double reals[] = {0.0,   -0.0,    0.7,      1.0,       -1.5,
	                               1e20,  1e21,    1e-5,     1e-7,      123456789.125,
	                               1e308, 5e-324,  2.5e-308, 0.1 + 0.2, 3.141592653589793,
	                               1e100, -7e-100, 100.0};
	json_t *v, *o;
	llmk__buf b = LLMK__BUF_INIT;
	size_t i;
	uint64_t bits;
	double d;

	(void)state;
	for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		v = json_real(reals[i]);
		same_dump(v, 0);
		same_dump(v, 15);
		same_dump(v, 6);
		json_decref(v);
	}
	/* Random finite doubles, every exponent. */
	for (i = 0; i < 20000; i++) {
		bits = rnd();
		memcpy(&d, &bits, sizeof(d));
		if (!(v = json_real(d))) /* NaN and infinities are not JSON */
			continue;
		same_dump(v, i % 2 ? 17 : 15);
		json_decref(v);
	}
	/* Every control character, NUL included, in a value and a key; and
	 * integers at the ends of the range. */
	{
		char s[40];
		for (i = 0; i < 32; i++)
			s[i] = (char)i;
		memcpy(s + 32, "\"\\/\x7f\xc3\xa9", 7);
		o = json_object();
		json_object_set_new_nocheck(o, "k\"\n\x01", json_stringn(s, 39));
		json_object_set_new(o, "max", json_integer(INT64_MAX));
		json_object_set_new(o, "min", json_integer(INT64_MIN));
		json_object_set_new(o, "list", json_pack("[n,b,b,{},[],s]", 1, 0, ""));
		same_dump(o, 0);
		json_decref(o);
	}
	/* Invalid UTF-8 (only reachable through the nocheck constructors) is
	 * refused, as jansson refuses it. */
	v = json_stringn_nocheck("a\xff", 2);
	assert_int_equal(llmk__json_dump(&b, v, 0), -1);
	assert_null(json_dumps(v, JSON_ENCODE_ANY));
	json_decref(v);
	llmk__buf_free(&b);
	/* A deep tree goes past the writer's first stack. */
	v = json_object();
	o = v;
	for (i = 0; i < 100; i++) {
		json_t *next = json_object();
		json_object_set_new(o, "x", next);
		json_object_set_new(o, "y", json_real(0.5 * (double)i));
		o = next;
	}
	same_dump(v, 0);
	json_decref(v);
	v = json_array();
	o = v;
	for (i = 0; i < 100; i++) {
		json_t *next = json_array();
		json_array_append_new(o, next);
		o = next;
	}
	same_dump(v, 0);
	json_decref(v);
}

/* Every allocation the parser makes fails in turn: each time the result is
 * NULL with the failure on record (and no leak, under ASan/valgrind), and
 * once nothing fails the value is right. */
static long fail_at = -1, allocs;

static void *test_malloc_fn(size_t n)
{
	if (fail_at >= 0 && allocs++ == fail_at)
		return NULL;
	return malloc(n);
}

static void *test_realloc_fn(void *p, size_t n)
{
	if (fail_at >= 0 && allocs++ == fail_at)
		return NULL;
	return realloc(p, n);
}

static void test_allocation_failures(void **state)
{
	static const char doc[] =
	        "{\"a\":[1,2.5,\"x\\ny\",{\"k\\u00e9\":[true,null,{\"deep\":[[[\"\\ud83d\\ude00\"]]]}]}],"
	        "\"b\":\"plain\",\"a\":-7,\"c\":1e-3}";
	json_t *ref = json_loads(doc, 0, NULL), *j;
	long k;

	(void)state;
	assert_non_null(ref);
	for (k = 0;; k++) {
		allocs = 0;
		fail_at = k;
		llmk__oom_reset();
		j = llmk__json_loads(doc, 0, NULL);
		fail_at = -1;
		if (j) {
			assert_true(json_equal(j, ref));
			json_decref(j);
			break;
		}
		assert_true(llmk__oom_seen());
	}
	assert_true(k > 20); /* it did allocate, and each failure was met */
	json_decref(ref);
}

/* Answers from servers: an integer beyond json_int_t is read as a real,
 * a real beyond double as null; the rest of the document stays. */
static void test_lenient_numbers(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	        {"{\"a\":1e999,\"t\":\"kept\"}", "{\"a\":null,\"t\":\"kept\"}"},
	        {"[-1e999,1e308]", "[null,1e308]"},
	        {"[9223372036854775807,9223372036854775808]", "[9223372036854775807,9.2233720368547758e18]"},
	        {"[-9223372036854775809,99999999999999999999999]", "[-9.2233720368547758e18,9.9999999999999992e22]"},
	        {"[1e-999]", "[0.0]"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = llmk__json_loads(cases[i].in, 0, NULL);
		char *d;
		assert_non_null(j);
		d = json_dumps(j, JSON_COMPACT);
		if (strcmp(d, cases[i].out))
			fail_msg("'%s' read as '%s', wanted '%s'", cases[i].in, d, cases[i].out);
		free(d);
		json_decref(j);
		/* Strictly, the first four are refused (as jansson refuses them). */
		j = llmk__json_loads(cases[i].in, LLMK_JSON_STRICT_NUMBERS, NULL);
		if (i < 4)
			assert_null(j);
		json_decref(j);
	}
}

/* The budget: 2 x the text + a margin; a tree that would pass it fails
 * the parse, recognisably. */
static void test_budget(void **state)
{
	size_t n = 3 * 1024 * 1024, i;
	char *doc = malloc(n + 2);
	json_error_t e;
	json_t *j;

	(void)state;
	assert_non_null(doc);
	doc[0] = '[';
	for (i = 1; i + 3 < n; i += 3)
		memcpy(doc + i, "{},", 3);
	memcpy(doc + i - 1, "{}]", 3);
	n = i + 2;
	assert_null(llmk__json_loadb(doc, n, 0, &e));
	assert_true(llmk__json_error_too_large(&e));
	/* A long string costs its length: fine. */
	doc[0] = '"';
	memset(doc + 1, 'a', n - 2);
	doc[n - 1] = '"';
	j = llmk__json_loadb(doc, n, JSON_DECODE_ANY, &e);
	assert_non_null(j);
	json_decref(j);
	assert_false(llmk__json_error_too_large(&e));
	free(doc);
}

/* Packed number arrays (LLMK_JSON_PACK_REALS): only arrays of 8 numbers
 * or more, each within float range; the rest is built as usual, and a
 * malformed number fails as it would unpacked. */
static void test_packed_reals(void **state)
{
	static const char doc[] = "{\"v\":[0.5, -1.25, 3, 1e2, -0, 0.125e1, 7, 8],\"short\":[1,2,3],"
	                          "\"mixed\":[1,2,3,4,5,6,7,\"8\"],\"huge\":[1,2,3,4,5,6,7,1e39],"
	                          "\"nested\":[[1,2,3,4,5,6,7,8]]}";
	static const float want[] = {0.5f, -1.25f, 3, 100, -0.0f, 1.25f, 7, 8};
	json_error_t e;
	json_t *j = llmk__json_loads(doc, LLMK_JSON_PACK_REALS, &e), *x;
	const float *f;
	size_t n, i;

	(void)state;
	assert_non_null(j);
	f = llmk__json_packed(json_object_get(j, "v"), &n);
	assert_non_null(f);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++)
		assert_true(f[i] == want[i]);
	assert_true(json_is_array(json_object_get(j, "short")));
	assert_true(json_is_array(json_object_get(j, "mixed")));
	x = json_object_get(j, "huge");
	assert_true(json_is_array(x) && json_is_real(json_array_get(x, 7)));
	assert_non_null(llmk__json_packed(json_array_get(json_object_get(j, "nested"), 0), &n));
	assert_null(llmk__json_packed(json_object_get(j, "short"), &n));
	json_decref(j);
	/* Without the flag nothing is packed; a text cannot forge one. */
	j = llmk__json_loads(doc, 0, NULL);
	assert_null(llmk__json_packed(json_object_get(j, "v"), &n));
	json_decref(j);
	j = llmk__json_loads("[\"\\u00ffLKF\"]", 0, NULL);
	assert_null(llmk__json_packed(json_array_get(j, 0), &n));
	json_decref(j);
	/* Malformed numbers fail as unpacked. */
	assert_null(llmk__json_loads("[1,2,3,4,5,6,7,08]", LLMK_JSON_PACK_REALS, &e));
	assert_null(llmk__json_loads("[1,2,3,4,5,6,7,1.2.3]", LLMK_JSON_PACK_REALS, &e));
	assert_null(llmk__json_loads("[1,2,3,4,5,6,7,-]", LLMK_JSON_PACK_REALS, &e));
	assert_null(llmk__json_loads("[1,2,3,4,5,6,7,8,]", LLMK_JSON_PACK_REALS, &e));
}

/* Members of the root not kept are checked and skipped, not built. */
static json_t *keys(const char *doc, const char *const *keep, json_error_t *e)
{
	return llmk__json_loadb_keys(doc, strlen(doc), 0, keep, e);
}

static void test_keep_members(void **state)
{
	static const char *const keep[] = {"a", "c", NULL};
	json_t *j;
	char *d;
	json_error_t e;

	(void)state;
	j = keys("{\"a\":{\"b\":1,\"x\":[1]},\"b\":[{},[],{\"a\":\"s\"},null,true,1e999,\"\\u00e9\"],"
	         "\"c\":2,\"d\":{\"c\":3}}",
	         keep, &e);
	assert_non_null(j);
	d = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(d, "{\"a\":{\"b\":1,\"x\":[1]},\"c\":2}");
	free(d);
	json_decref(j);
	/* A skipped member is still JSON: its errors are errors. */
	assert_null(keys("{\"z\":[1,,2],\"a\":1}", keep, &e));
	assert_null(keys("{\"z\":{\"k\" 1},\"a\":1}", keep, &e));
	assert_null(keys("{\"z\":\"\\x\",\"a\":1}", keep, &e));
	assert_null(keys("{\"z\":[1],\"a\":1", keep, &e));
	/* Numbers of a skipped member are checked by their syntax alone. */
	assert_null(keys("{\"z\":[01],\"a\":1}", keep, &e));
	assert_null(keys("{\"z\":[1.],\"a\":1}", keep, &e));
	assert_null(keys("{\"z\":[-],\"a\":1}", keep, &e));
	assert_null(keys("{\"z\":[1e+],\"a\":1}", keep, &e));
	assert_null(keys("{\"z\":[.5],\"a\":1}", keep, &e));
	j = keys("{\"z\":[-0,1e999,-0.5E+3,123456789012345678901234567890],\"a\":1}", keep, &e);
	assert_non_null(j);
	json_decref(j);
}

/* A skipped member located (the embedding list read by a scanner of its
 * own): its bytes, checked as JSON; the last of duplicates; none. */
static void test_span(void **state)
{
	static const char *const keep[] = {"model", NULL};
	static const char doc[] = "{\"data\": [1, {\"x\":\"]\"}] ,\"model\":\"m\",\"data\":\t[2] }";
	json_error_t e;
	size_t off = 99, len = 99;
	json_t *j;

	(void)state;
	j = llmk__json_loadb_span(doc, strlen(doc), 0, keep, "data", &off, &len, &e);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "model")), "m");
	assert_null(json_object_get(j, "data"));
	assert_int_equal(len, 3);
	assert_memory_equal(doc + off, "[2]", 3);
	json_decref(j);
	j = llmk__json_loadb_span("{\"data\":[1,2]}", 14, 0, keep, "data", &off, &len, &e);
	assert_int_equal(off, 8);
	assert_int_equal(len, 5);
	json_decref(j);
	j = llmk__json_loadb_span("{\"model\":\"m\"}", 13, 0, keep, "data", &off, &len, &e);
	assert_non_null(j);
	assert_int_equal(len, 0);
	json_decref(j);
	/* a bad list fails the whole parse, span or not */
	assert_null(llmk__json_loadb_span("{\"data\":[1,]}", 13, 0, keep, "data", &off, &len, &e));
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lenient_numbers),
	        cmocka_unit_test(test_budget),
	        cmocka_unit_test(test_packed_reals),
	        cmocka_unit_test(test_keep_members),
	        cmocka_unit_test(test_span),
	        cmocka_unit_test(test_accepts),
	        cmocka_unit_test(test_rejects),
	        cmocka_unit_test(test_nul_string),
	        cmocka_unit_test(test_error_position),
	        cmocka_unit_test(test_depth),
	        cmocka_unit_test(test_generated),
	        cmocka_unit_test(test_dump),
	        cmocka_unit_test(test_allocation_failures),
	};

	/* The library's allocator hook (set before anything allocates), and
	 * jansson behind it as llmk_global_init() arranges. */
	if (llmk__set_alloc(test_malloc_fn, test_realloc_fn, free))
		return 1;
	llmk__json_setup();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
