/* Shared by the Prism conformance tests, conformance.c (OpenAI's spec) and
 * providers.c (Mistral, Ollama, Cohere, TGI, Gemini): the test transport
 * that records and may corrupt a body, the checks on Prism's 422 answer to
 * a corrupted body, body printing, spec loading and the check that every
 * member of a body is declared by the spec. Public API only. See
 * tests/conformance/README.md. */
#ifndef LLMK_CONFORMANCE_SUPPORT_H
#define LLMK_CONFORMANCE_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "llmkit.h"

#define OK(x) assert_int_equal((x), LLMK_OK)
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ==== test data and set-up ================================================ */

extern const uint8_t png[]; /* a 1x1 transparent PNG */
extern const size_t png_size;
extern uint8_t *wav; /* shared/data/audio/jfk.wav, loaded by conf_init() */
extern size_t wav_len;

/* Loads `data`/audio/jfk.wav into wav and initialises libcurl and the
 * library. Prints why and returns -1 when it cannot. */
int conf_init(const char *data);
void conf_cleanup(void);

/* Loads a spec (integers as reals: specs hold integers beyond int64).
 * Prints why and returns NULL when it cannot. */
json_t *load_spec(const char *path);

/* ==== requests ============================================================ */

/* A client for `model` ("provider/model") at Prism's base URL. */
llmk_client *prism_client(const char *model, const char *base, const char *key);

/* Sends r (freed) with llmk_stream() when `stream`, else llmk_send();
 * *resp is never NULL afterwards. */
llmk_status send_request(llmk_client *c, llmk_request *r, int stream, llmk_response **resp);

/* ==== the test transport: raw libcurl, records and may corrupt the body === */

/* Returns a malloc'ed replacement body; NULL leaves the body unchanged.
 * `arg` is the wire's mutate_arg. */
typedef char *(*mutate_fn)(const void *arg, const char *body, size_t len, size_t *out_len);

typedef struct wire {
	mutate_fn mutate; /* NULL: send as built */
	const void *mutate_arg;
	llmk_exchange *ex;
	char *sent; /* the body as sent (NUL-terminated; free it) */
	size_t sent_len;
	char ctype[256];
	char url[2048];
} wire;

/* Makes c send through w; returns c. */
llmk_client *wire_attach(llmk_client *c, wire *w);

/* "multipart/form-data" or "application/json", after what w sent. */
const char *wire_ctype(const wire *w);

/* ==== corrupting bodies =================================================== */

/* A mutate_fn: image[] file parts renamed image. OpenAI's SDKs and API
 * reference send several files as "image[]" (-F "image[]=@a.png"); Prism
 * reads a multipart array of files only from repeated parts of the plain
 * name, and takes "image[]" for an unknown field (then "image" is missing). */
char *multipart_unbracket_files(const void *arg, const char *b, size_t n, size_t *o);

const char *mem_find(const void *hay, size_t hn, const void *needle, size_t nn);

/* Multipart body b: a copy without the part named `name` / with its value
 * replaced by `value`. Fails the test when there is no such part. */
char *multipart_drop(const char *b, size_t n, const char *name, size_t *out_len);
char *multipart_set(const char *b, size_t n, const char *name, const char *value, size_t *out_len);

/* ==== printing ============================================================ */

/* Prints a body for a failure message: JSON as is; multipart with the file
 * data elided; other non-printable bytes as counts. */
void print_body(const char *what, const char *body, size_t len);

/* ==== Prism's violations ================================================== */

/* The violations Prism found in the request (a new array), from its 422
 * body or, where the spec defines its own 422 answer, the sl-violations
 * header (violations of Prism's own answer left out). */
json_t *request_violations(llmk_response *resp);

/* "request.body.x: message (severity)" */
void violation_text(json_t *x, char *out, size_t sz);

/* Prints the request's violations, one per line; returns how many. */
int print_violations(llmk_response *resp);

/* The answer to a body the test transport w corrupted: HTTP 422, reported
 * as LLMK_E_BAD_REQUEST (st), with request violations, all errors, one of
 * which names `field` in its location or message. `what` names the request
 * and its corruption in the messages. */
void expect_rejected(const char *what, llmk_status st, llmk_response *resp, const wire *w, const char *field);

/* ==== the spec: are all members of a body declared? ====================== */

typedef struct check {
	const char *const *newer; /* NULL-terminated fnmatch patterns, or NULL:
	                             members the spec lacks but the provider
	                             documents; reported, not failed */
	int checked;              /* object members looked up in the spec */
	int undeclared;           /* ... and not found there (newer ones excluded) */
	int quiet;                /* do not print undeclared members */
	char notes[4096];         /* members the spec marks deprecated */
	char newer_sent[1024];    /* members on the newer list that were sent */
} check;

/* s with $refs into spec resolved (NULL for a ref that does not resolve). */
json_t *spec_deref(json_t *spec, json_t *s);

/* The schema of operation op's request body for content type ct. */
json_t *request_schema(json_t *spec, json_t *op, const char *ct);

/* Walks the body w sent against schema, filling ck. */
void check_schema(json_t *spec, json_t *schema, const wire *w, check *ck);

#endif
