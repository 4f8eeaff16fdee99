/* The exchange: one HTTP request/response as a transport sees it. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "exchange.h"
#include "secret.h"
#include "url.h"

void llmk__exchange_init(llmk_exchange *ex)
{
	memset(ex, 0, sizeof(*ex));
	ex->method = "POST";
}

void llmk__exchange_clear(llmk_exchange *ex)
{
	size_t i;

	llmk__free(ex->url);
	for (i = 0; i < ex->nheaders; i++) {
		llmk__free(ex->headers[i].name);
		llmk__free_wiped(ex->headers[i].value); /* may be "Bearer <key>" */
	}
	llmk__free(ex->headers);
	if (ex->body.data)
		sodium_memzero(ex->body.data, ex->body.len);
	llmk__buf_free(&ex->body);
	ex->url = NULL;
	ex->headers = NULL;
	ex->nheaders = ex->headercap = 0;
}

llmk_status llmk__exchange_set_url(llmk_exchange *ex, const char *base, const char *path)
{
	size_t bl, pl;
	char *u;

	/* The last line of defence: every value was checked where it came in
	 * (llmk__value_check), so a control character here is a bug, never a
	 * request line of the attacker's choosing. */
	if (llmk__has_ctl(base) || llmk__has_ctl(path)) {
		snprintf(ex->errmsg, sizeof(ex->errmsg), "refused a URL holding a control character");
		return LLMK_E_INVALID_ARG;
	}
	bl = strlen(base);
	pl = strlen(path);
	u = llmk__malloc(bl + pl + 1);
	if (!u)
		return LLMK_E_NOMEM;
	memcpy(u, base, bl);
	memcpy(u + bl, path, pl + 1);
	llmk__free(ex->url);
	ex->url = u;
	return LLMK_OK;
}

llmk_status llmk__exchange_header(llmk_exchange *ex, const char *name, const char *value)
{
	llmk__header *h;
	size_t ncap;

	/* As for URLs: no header line of anyone's making but ours. */
	if (!*name || strpbrk(name, ": ") || llmk__has_ctl(name) || llmk__has_ctl(value)) {
		snprintf(ex->errmsg, sizeof(ex->errmsg), "refused header '%.64s': a control character or a bad name",
		         llmk__has_ctl(name) ? "?" : name);
		return LLMK_E_INVALID_ARG;
	}
	if (ex->nheaders == ex->headercap) {
		ncap = ex->headercap ? ex->headercap * 2 : 8;
		h = llmk__realloc(ex->headers, ncap * sizeof(*h));
		if (!h)
			return LLMK_E_NOMEM;
		ex->headers = h;
		ex->headercap = ncap;
	}
	h = &ex->headers[ex->nheaders];
	h->name = llmk__strdup(name);
	h->value = llmk__strdup(value);
	if (!h->name || !h->value) {
		llmk__free(h->name);
		llmk__free_wiped(h->value);
		return LLMK_E_NOMEM;
	}
	ex->nheaders++;
	return LLMK_OK;
}

/* ---- public accessors for transports ---------------------------------- */

const char *llmk_exchange_method(const llmk_exchange *ex)
{
	return ex ? ex->method : NULL;
}

const char *llmk_exchange_url(const llmk_exchange *ex)
{
	return ex ? ex->url : NULL;
}

size_t llmk_exchange_header_count(const llmk_exchange *ex)
{
	return ex ? ex->nheaders : 0;
}

const char *llmk_exchange_header_name(const llmk_exchange *ex, size_t i)
{
	return ex && i < ex->nheaders ? ex->headers[i].name : NULL;
}

const char *llmk_exchange_header_value(const llmk_exchange *ex, size_t i)
{
	return ex && i < ex->nheaders ? ex->headers[i].value : NULL;
}

/* A streamed body asked for whole (a transport that reads only
 * llmk_exchange_body()): read it into the buffer once. The exchange is the
 * library's own, so writing through the const view is sound. */
static void materialize_body(llmk_exchange *ex)
{
	uint8_t chunk[65536];
	size_t n;

	if (ex->body.len || ex->body_read_len > (uint64_t)SIZE_MAX - 1 ||
	    llmk__buf_reserve(&ex->body, (size_t)ex->body_read_len + 1))
		return;
	while ((n = ex->body_read(ex->body_read_ctx, chunk, sizeof(chunk))) > 0 && n != (size_t)-1)
		if (llmk__buf_append(&ex->body, chunk, n))
			break;
	ex->body_read = NULL; /* read once: the transport now has it whole */
}

const uint8_t *llmk_exchange_body(const llmk_exchange *ex, size_t *len)
{
	if (ex && ex->body_read)
		materialize_body((llmk_exchange *)ex);
	if (len)
		*len = ex ? ex->body.len : 0;
	return ex && ex->body.data ? (const uint8_t *)ex->body.data : NULL;
}

int64_t llmk_exchange_timeout_ms(const llmk_exchange *ex, int32_t option)
{
	if (!ex)
		return 0;
	switch (option) {
	case LLMK_OPT_TIMEOUT_MS: return ex->timeout_ms;
	case LLMK_OPT_CONNECT_TIMEOUT_MS: return ex->connect_timeout_ms;
	case LLMK_OPT_IDLE_TIMEOUT_MS: return ex->idle_timeout_ms;
	default: return 0;
	}
}

llmk_status llmk_exchange_set_status(llmk_exchange *ex, int32_t http_status)
{
	if (!ex || http_status < 100 || http_status > 999)
		return LLMK_E_INVALID_ARG;
	if (ex->stopped)
		return LLMK_E_CANCELLED;
	if (ex->sink.status && ex->sink.status(ex->sink.ctx, http_status)) {
		ex->stopped = 1;
		return LLMK_E_CANCELLED;
	}
	return LLMK_OK;
}

llmk_status llmk_exchange_add_header(llmk_exchange *ex, const char *name, const char *value)
{
	if (!ex || !name || !value)
		return LLMK_E_INVALID_ARG;
	if (ex->stopped)
		return LLMK_E_CANCELLED;
	if (ex->sink.header && ex->sink.header(ex->sink.ctx, name, value)) {
		ex->stopped = 1;
		return LLMK_E_CANCELLED;
	}
	return LLMK_OK;
}

int32_t llmk_exchange_write(llmk_exchange *ex, const uint8_t *data, size_t len)
{
	if (!ex || (!data && len))
		return 1;
	if (ex->stopped)
		return 1;
	if (len && ex->sink.body && ex->sink.body(ex->sink.ctx, data, len)) {
		ex->stopped = 1;
		return 1;
	}
	return 0;
}

void llmk_exchange_set_error(llmk_exchange *ex, const char *message)
{
	if (ex && message)
		snprintf(ex->errmsg, sizeof(ex->errmsg), "%s", message);
}

llmk_status llmk_exchange_done(llmk_exchange *ex, int32_t status)
{
	void (*fn)(void *, int32_t);

	if (!ex || !ex->done)
		return LLMK_E_INVALID_ARG;
	fn = ex->done;
	ex->done = NULL; /* once: a second report is refused */
	fn(ex->done_ctx, status);
	return LLMK_OK;
}
