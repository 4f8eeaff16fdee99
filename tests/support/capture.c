#define _POSIX_C_SOURCE 200809L
#include "capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int32_t cap_send(llmk_exchange *ex, void *user)
{
	capture *cap = user;
	size_t i, len, off, n, hl = 0;
	const uint8_t *body;
	const char *p, *e;

	cap->calls++;
	snprintf(cap->method, sizeof(cap->method), "%s", llmk_exchange_method(ex));
	snprintf(cap->url, sizeof(cap->url), "%s", llmk_exchange_url(ex));
	free(cap->headers);
	for (i = 0; i < llmk_exchange_header_count(ex); i++)
		hl += strlen(llmk_exchange_header_name(ex, i)) + strlen(llmk_exchange_header_value(ex, i)) + 3;
	cap->headers = calloc(1, hl + 1);
	for (i = 0; i < llmk_exchange_header_count(ex); i++) {
		strcat(cap->headers, llmk_exchange_header_name(ex, i));
		strcat(cap->headers, ": ");
		strcat(cap->headers, llmk_exchange_header_value(ex, i));
		strcat(cap->headers, "\n");
	}
	body = llmk_exchange_body(ex, &len);
	free(cap->body);
	cap->body = malloc(len + 1);
	if (len)
		memcpy(cap->body, body, len);
	cap->body[len] = 0;
	cap->body_len = len;

	if (cap->fail_with) {
		llmk_exchange_set_error(ex, "scripted transport failure");
		return cap->fail_with;
	}
	if (llmk_exchange_set_status(ex, cap->status ? cap->status : 200))
		return LLMK_E_CANCELLED;
	for (p = cap->resp_headers; p && *p; p = e + 1) {
		char name[128], value[512];
		const char *colon = strchr(p, ':');
		e = strchr(p, '\n');
		if (!e || !colon || colon > e)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
		colon++;
		while (*colon == ' ')
			colon++;
		snprintf(value, sizeof(value), "%.*s", (int)(e - colon), colon);
		if (llmk_exchange_add_header(ex, name, value))
			return LLMK_E_CANCELLED;
	}
	len = cap->resp_body ? (cap->resp_len ? cap->resp_len : strlen(cap->resp_body)) : 0;
	for (off = 0; off < len; off += n) {
		n = cap->write_size && cap->write_size < len - off ? cap->write_size : len - off;
		if (llmk_exchange_write(ex, (const uint8_t *)cap->resp_body + off, n)) {
			cap->write_refused = 1;
			return LLMK_E_CANCELLED;
		}
	}
	return LLMK_OK;
}

static void cap_close(void *user)
{
	capture_reset(user);
}

void capture_install(llmk_client *c, capture *cap)
{
	llmk_transport t;

	llmk_transport_init(&t);
	t.send = cap_send;
	t.close = cap_close;
	llmk_client_set_transport(c, &t, cap);
	/* A scripted answer repeats itself: retrying it would only multiply
	 * it. The retry policy has its own tests (test_faults.c). */
	llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0);
}

void capture_reset(capture *cap)
{
	free(cap->headers);
	free(cap->body);
	cap->headers = NULL;
	cap->body = NULL;
	cap->body_len = 0;
}

const char *capture_header(const capture *cap, const char *name)
{
	static char value[1024];
	const char *p = cap->headers;
	size_t nl = strlen(name);

	while (p && *p) {
		const char *e = strchr(p, '\n');
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			snprintf(value, sizeof(value), "%.*s", (int)(e - p - nl - 2), p + nl + 2);
			return value;
		}
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

char *read_data(const char *rel, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, rel);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open test data %s\n", path);
		abort();
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	buf[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}
