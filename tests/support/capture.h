/* A transport for tests: records the exchange the library built and answers
 * with a scripted response, delivered in writes of a chosen size. Lets the
 * tests check request mapping and response parsing through the public API
 * alone, without sockets. (Real-socket tests use httpd.h.) */
#ifndef TEST_CAPTURE_H
#define TEST_CAPTURE_H

#include <stddef.h>

#include "llmkit.h"

typedef struct capture {
	/* what the library sent */
	char method[16];
	char url[1024];
	char *headers; /* "Name: value\n" lines */
	unsigned char *body;
	size_t body_len;
	int calls;
	/* what to answer */
	int status;
	const char *resp_headers; /* "Name: value\n" lines, or NULL */
	const char *resp_body;
	size_t resp_len;   /* 0: strlen(resp_body) */
	size_t write_size; /* 0: one write */
	int32_t fail_with; /* non-zero: return this status instead of answering */
	int write_refused; /* set when llmk_exchange_write asked to stop */
} capture;

/* Installs the capture transport on a client and turns its retries off
 * (one scripted answer per send). */
void capture_install(llmk_client *c, capture *cap);
void capture_reset(capture *cap);
/* Header value the library sent, or NULL; pointer into a static buffer. */
const char *capture_header(const capture *cap, const char *name);

/* Reads a test data file (tests/data/...) into a NUL-terminated buffer. */
char *read_data(const char *rel, size_t *len);

#endif
