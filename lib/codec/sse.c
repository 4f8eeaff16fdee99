#include "sse.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

/* Where the decoder is within the current line. Keeping this instead of the
 * raw line is what lets a line arrive in pieces without being rescanned. */
enum {
	ST_START,   /* nothing of the line seen yet */
	ST_NAME,    /* inside the field name */
	ST_COMMENT, /* line began with ':'; the rest is ignored */
	ST_VSPACE,  /* just past the ':'; one space may follow and is dropped */
	ST_VALUE,   /* inside the field value */
};

enum { F_UNKNOWN, F_DATA, F_EVENT, F_ID, F_RETRY };

static const unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};

static int fail(llmk__sse *d, int err)
{
	d->err = err;
	return err;
}

/* One more unit; beyond the bound the stream fails. `slack` lets the field
 * lines of an event still being built (counted provisionally, refunded when
 * it dispatches) go a little past it: a last event with an "event:" line
 * is still an event. */
static int count_unit(llmk__sse *d, size_t slack)
{
	d->units++;
	if (d->max_units && d->units > d->max_units + slack)
		return fail(d, LLMK_SSE_E_TOO_MANY);
	return 0;
}

/* Bounds the data buffer, which is otherwise limited only by line count. */
static int data_append(llmk__sse *d, const char *p, size_t n)
{
	if (n > d->max_line - d->data.len)
		return fail(d, LLMK_SSE_E_TOO_LARGE);
	if (llmk__buf_append(&d->data, p, n))
		return fail(d, LLMK_SSE_E_NOMEM);
	return 0;
}

static int classify(const char *name, size_t len)
{
	/* name holds at most sizeof d->name bytes; anything longer than the
	 * longest known name is unknown whatever it starts with. */
	if (len == 4 && !memcmp(name, "data", 4))
		return F_DATA;
	if (len == 5 && !memcmp(name, "event", 5))
		return F_EVENT;
	if (len == 2 && !memcmp(name, "id", 2))
		return F_ID;
	if (len == 5 && !memcmp(name, "retry", 5))
		return F_RETRY;
	return F_UNKNOWN;
}

/* Called once the field name is complete (at ':' or at the line end). */
static void begin_value(llmk__sse *d)
{
	d->field = classify(d->name, d->name_len);
	/* Data goes straight into the data buffer; the others are only applied
	 * when the line completes, so they collect in a scratch buffer. */
	if (d->field == F_EVENT || d->field == F_ID || d->field == F_RETRY)
		llmk__buf_clear(&d->val);
}

static int value_append(llmk__sse *d, const char *p, size_t n)
{
	switch (d->field) {
	case F_DATA: return data_append(d, p, n);
	case F_EVENT:
	case F_ID:
	case F_RETRY:
		if (llmk__buf_append(&d->val, p, n))
			return fail(d, LLMK_SSE_E_NOMEM);
		return 0;
	default: return 0;
	}
}

static void swap_buf(llmk__buf *a, llmk__buf *b)
{
	llmk__buf t = *a;

	*a = *b;
	*b = t;
}

static void apply_retry(llmk__sse *d)
{
	long long v = 0;
	size_t i;

	/* Spec: only ASCII digits, else ignore. An empty value has no digits
	 * to interpret, so it is ignored too. */
	if (!d->val.len)
		return;
	for (i = 0; i < d->val.len; i++) {
		unsigned char c = (unsigned char)d->val.data[i];

		if (c < '0' || c > '9')
			return;
	}
	for (i = 0; i < d->val.len; i++) {
		int digit = d->val.data[i] - '0';

		if (v > (LLONG_MAX - digit) / 10) {
			v = LLONG_MAX;
			break;
		}
		v = v * 10 + digit;
	}
	d->retry_ms = v;
}

/* Processes a completed field line. */
static int end_field(llmk__sse *d)
{
	if (d->field != F_DATA) {
		int rc;
		d->ev_fields++;
		if ((rc = count_unit(d, d->ev_fields < 8 ? d->ev_fields : 8)))
			return rc;
	}
	switch (d->field) {
	case F_DATA: d->pending = 1; return data_append(d, "\n", 1);
	case F_EVENT:
		/* Swapping rather than copying keeps this O(1) per line. */
		swap_buf(&d->event, &d->val);
		d->pending = 1;
		return 0;
	case F_ID:
		if (d->val.len && memchr(d->val.data, '\0', d->val.len))
			return 0;
		swap_buf(&d->id, &d->val);
		d->id_dirty = 1;
		d->pending = 1;
		return 0;
	case F_RETRY: apply_retry(d); return 0;
	default: return 0;
	}
}

static int dispatch(llmk__sse *d)
{
	int rc = 0;

	/* The spec commits the id on every blank line, even ones that dispatch
	 * nothing. Copy only when it changed, so runs of blank lines after a
	 * long id do not cost id-length each. */
	if (d->id_dirty) {
		llmk__buf_clear(&d->last_id);
		if (llmk__buf_append(&d->last_id, d->id.data ? d->id.data : "", d->id.len))
			return fail(d, LLMK_SSE_E_NOMEM);
		d->id_dirty = 0;
	}
	d->pending = 0;
	if (d->data.len) {
		/* The event is one unit, its field lines none. */
		d->units -= d->ev_fields;
		d->ev_fields = 0;
		if ((rc = count_unit(d, 0)))
			return rc;
		/* Drop the LF that followed the last data line; the buffer's
		 * NUL-termination is kept by overwriting it. */
		d->data.len--;
		d->data.data[d->data.len] = '\0';
		if (d->fn)
			rc = d->fn(d->event.len ? d->event.data : "", d->event.len, d->data.data, d->data.len, d->user);
	} else {
		/* A blank line that dispatches nothing: its field lines stay
		 * counted, and it counts itself. */
		d->ev_fields = 0;
		if ((rc = count_unit(d, 0)))
			return rc;
	}
	llmk__buf_clear(&d->data);
	llmk__buf_clear(&d->event);
	return rc;
}

static int end_line(llmk__sse *d)
{
	int rc = 0;

	switch (d->state) {
	case ST_START: rc = dispatch(d); break;
	case ST_COMMENT: rc = count_unit(d, d->ev_fields < 8 ? d->ev_fields : 8); break;
	case ST_NAME:
		/* No colon: the whole line is the name and the value is empty. */
		begin_value(d);
		rc = end_field(d);
		break;
	default: rc = end_field(d); break;
	}
	d->state = ST_START;
	d->line_len = 0;
	d->name_len = 0;
	return rc;
}

/* Consumes a run of line content (no CR or LF) of the current line. */
static int line_bytes(llmk__sse *d, const char *p, size_t n)
{
	while (n) {
		switch (d->state) {
		case ST_START:
			if (*p == ':') {
				d->state = ST_COMMENT;
				return 0;
			}
			d->state = ST_NAME;
			break;
		case ST_NAME: {
			const char *colon = memchr(p, ':', n);
			size_t k = colon ? (size_t)(colon - p) : n;
			size_t room = sizeof d->name - d->name_len;

			/* Names longer than the buffer are unknown anyway; keep
			 * counting so classify() can tell. */
			if (d->name_len < sizeof d->name)
				memcpy(d->name + d->name_len, p, k < room ? k : room);
			d->name_len += k;
			p += k;
			n -= k;
			if (colon) {
				p++;
				n--;
				begin_value(d);
				d->state = ST_VSPACE;
			}
			break;
		}
		case ST_VSPACE:
			if (*p == ' ') {
				p++;
				n--;
			}
			d->state = ST_VALUE;
			break;
		case ST_VALUE: return value_append(d, p, n);
		default: /* ST_COMMENT */ return 0;
		}
	}
	return 0;
}

static int feed_bytes(llmk__sse *d, const char *p, size_t n)
{
	size_t i = 0;
	int rc;

	while (i < n) {
		size_t j;

		if (d->last_cr) {
			d->last_cr = 0;
			if (p[i] == '\n') {
				i++;
				continue;
			}
		}
		if (p[i] == '\r' || p[i] == '\n') {
			d->last_cr = p[i] == '\r';
			i++;
			rc = end_line(d);
			if (rc)
				return rc;
			continue;
		}
		for (j = i + 1; j < n && p[j] != '\r' && p[j] != '\n'; j++)
			;
		/* Checked before storing anything, so an overlong line fails
		 * at the same byte however the input is split. */
		if (j - i > d->max_line - d->line_len)
			return fail(d, LLMK_SSE_E_TOO_LARGE);
		d->line_len += j - i;
		rc = line_bytes(d, p + i, j - i);
		if (rc)
			return rc;
		i = j;
	}
	return 0;
}

void llmk__sse_init(llmk__sse *d, size_t max_line, llmk__sse_event_fn fn, void *user)
{
	memset(d, 0, sizeof *d);
	d->max_line = max_line ? max_line : SIZE_MAX;
	d->fn = fn;
	d->user = user;
	d->state = ST_START;
	d->retry_ms = -1;
}

void llmk__sse_set_max_units(llmk__sse *d, size_t max_units)
{
	d->max_units = max_units;
}

int llmk__sse_feed(llmk__sse *d, const char *p, size_t n)
{
	if (d->err)
		return d->err;
	/* The BOM may itself arrive split, so match it a byte at a time and
	 * hold the matched prefix until it is known to be a BOM. */
	while (d->bom < 3 && n) {
		if ((unsigned char)*p == bom_bytes[d->bom]) {
			d->bom++;
			p++;
			n--;
			continue;
		}
		{
			unsigned held = d->bom;
			int rc;

			d->bom = 3;
			rc = feed_bytes(d, (const char *)bom_bytes, held);
			if (rc)
				return rc;
		}
	}
	return feed_bytes(d, p, n);
}

int llmk__sse_finish(llmk__sse *d)
{
	int partial;

	if (d->err)
		return d->err;
	partial = d->pending || d->data.len || d->state != ST_START || (d->bom > 0 && d->bom < 3);
	d->bom = 0;
	d->last_cr = 0;
	d->state = ST_START;
	d->field = F_UNKNOWN;
	d->line_len = 0;
	d->name_len = 0;
	d->pending = 0;
	llmk__buf_clear(&d->data);
	llmk__buf_clear(&d->event);
	llmk__buf_clear(&d->val);
	/* A new stream starts with an empty last event ID buffer; the committed
	 * last_id is what a reconnect sends, and it stays. */
	llmk__buf_clear(&d->id);
	d->id_dirty = 0;
	d->units = d->ev_fields = 0;
	return partial;
}

const char *llmk__sse_last_id(const llmk__sse *d)
{
	return d->last_id.data ? d->last_id.data : "";
}

long long llmk__sse_retry_ms(const llmk__sse *d)
{
	return d->retry_ms;
}

void llmk__sse_free(llmk__sse *d)
{
	llmk__buf_free(&d->data);
	llmk__buf_free(&d->event);
	llmk__buf_free(&d->val);
	llmk__buf_free(&d->id);
	llmk__buf_free(&d->last_id);
}
