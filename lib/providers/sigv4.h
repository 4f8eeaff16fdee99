/* AWS Signature Version 4 (header form), with libsodium's SHA-256 and
 * HMAC-SHA-256. Private to lib/.
 *
 * Reference: AWS IAM User Guide, "Create a signed AWS API request" and
 * "Elements of an AWS API request signature"; checked against the
 * published aws-sig-v4-test-suite vectors (tests/unit/test_sigv4.c). */
#ifndef LLMK_SIGV4_H
#define LLMK_SIGV4_H

#include <stddef.h>

#include "adapter.h"

typedef struct llmk__sigv4 {
	const char *method;
	/* The path as it goes on the wire (it may already hold %XX escapes).
	 * It is URI-encoded once more for the canonical URI, as every AWS
	 * service but S3 expects: a model id "a:b" sent as "a%3Ab" is signed
	 * as "a%253Ab". NULL or "" means "/". */
	const char *path;
	/* The query string without '?', as sent (percent-encoded), or NULL. */
	const char *query;
	/* The headers to sign (names in any case; Host included). */
	const llmk__header *headers;
	size_t nheaders;
	const char *payload_hash; /* lowercase hex SHA-256 of the body */
	const char *amz_date;     /* YYYYMMDD'T'HHMMSS'Z' */
	const char *region, *service;
} llmk__sigv4;

/* Lowercase hex SHA-256 of data. */
void llmk__sha256_hex(const void *data, size_t len, char out[65]);

/* The canonical request; *signed_headers (may be NULL) receives the
 * "a;b;c" list. 0, or -1 on allocation failure. */
int llmk__sigv4_canonical_request(const llmk__sigv4 *q, llmk__buf *out, llmk__buf *signed_headers);

/* The string to sign for a canonical request. 0 or -1. */
int llmk__sigv4_string_to_sign(const llmk__sigv4 *q, const char *creq, size_t creq_len, llmk__buf *out);

/* The Authorization header value "AWS4-HMAC-SHA256 Credential=...,
 * SignedHeaders=..., Signature=...". The intermediate keys are wiped.
 * 0 or -1. */
int llmk__sigv4_authorization(const llmk__sigv4 *q, const char *access_key, const char *secret_key, llmk__buf *out);

/* amz_date for a time (UTC): "20150830T123600Z". */
void llmk__sigv4_date(int64_t epoch, char out[17]);

#endif
