/* Incremental Server-Sent Events (text/event-stream) decoder.
 *
 * Follows the WHATWG "event stream interpretation" rules:
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 *
 * Bytes may be fed in any split, down to one byte per call. Each input byte
 * is examined once and parsed state is kept per line (the field name is
 * classified as soon as its ':' arrives and the value is appended straight to
 * its destination), so total work is linear in the input size.
 *
 * Deviations from, and choices within, the spec:
 * - The stream is handled as bytes, not decoded as UTF-8: invalid sequences
 *   are passed through rather than replaced with U+FFFD, and NUL bytes in
 *   data are delivered (data_len counts them).
 * - max_line bounds both the length of any single line (terminator excluded,
 *   comment lines included) and the event's data buffer (the data values
 *   joined with LF, counting the LF that follows the last one). Exceeding
 *   either fails with LLMK_SSE_E_TOO_LARGE. max_line 0 means no bound.
 * - A "retry" value too large for long long saturates at LLONG_MAX.
 * - After llmk__sse_finish, a following stream that sends no "id" leaves
 *   last_id as it was (the spec would reset it to "" at that stream's first
 *   blank line), so it remains usable as Last-Event-ID across reconnects.
 * - Optionally (llmk__sse_set_max_units) the stream is bounded in "units":
 *   a dispatched event is one, whatever its field lines; every line that
 *   ends up in no dispatched event -- a comment, a blank line that
 *   dispatches nothing, a field line of an event that is never dispatched
 *   -- is one too, so a stream of keep-alive comments or empty events ends
 *   by the same bound as a stream of events (LLMK_SSE_E_TOO_MANY).
 * - An error (TOO_LARGE, TOO_MANY or NOMEM) is sticky: every later feed and finish
 *   returns it, because the decoder's buffers may no longer describe the
 *   stream consistently.
 *
 * Not thread-safe; a callback must not feed or finish the decoder that
 * called it (reading last_id/retry_ms from a callback is fine). */
#ifndef LLMK_SSE_H
#define LLMK_SSE_H

#include <stddef.h>

#include "buf.h"

#define LLMK_SSE_E_NOMEM (-1)
#define LLMK_SSE_E_TOO_LARGE (-2)
#define LLMK_SSE_E_TOO_MANY (-3)

/* Called once per dispatched event. event is the event type ("" with
 * event_len 0 when the stream did not set one; callers treat that as
 * "message"). Both strings are NUL-terminated at their length and are only
 * valid during the call. Returning nonzero stops the current feed, which
 * returns that value; by convention it should be positive so it cannot be
 * confused with the negative LLMK_SSE_E_* codes. */
typedef int (*llmk__sse_event_fn)(const char *event, size_t event_len, const char *data, size_t data_len, void *user);

/* Internal; defined here only so callers can embed it. Touch it solely
 * through the functions below. */
typedef struct llmk__sse {
	size_t max_line;
	llmk__sse_event_fn fn;
	void *user;
	int err; /* sticky negative error, 0 when healthy */

	/* Per-stream state, reset by llmk__sse_finish. */
	unsigned bom;     /* BOM bytes matched so far; 3 once past the stream start */
	int last_cr;      /* previous byte ended a line with CR: a following LF belongs to it */
	int state;        /* position within the current line (see sse.c) */
	int field;        /* field being parsed, once its ':' has been seen */
	size_t line_len;  /* bytes of the current line so far */
	size_t name_len;  /* field-name length; only the first bytes are kept */
	char name[8];     /* long enough for every known name plus one byte */
	int pending;      /* a data/event/id line seen since the last blank line */
	llmk__buf data;   /* data buffer */
	llmk__buf event;  /* event type buffer */
	llmk__buf val;    /* value of the current event/id/retry line */
	llmk__buf id;     /* last event ID buffer (per stream) */
	int id_dirty;     /* id differs from last_id */
	size_t max_units; /* 0: no bound */
	size_t units;     /* see llmk__sse_set_max_units */
	size_t ev_fields; /* field lines of the event being built, counted provisionally */

	/* Event-source state; survives llmk__sse_finish so a reconnect can use it. */
	llmk__buf last_id; /* last event ID string, committed on each blank line */
	long long retry_ms;
} llmk__sse;

/* fn may be NULL to parse without dispatching. Never fails; allocation
 * happens lazily on feed. */
void llmk__sse_init(llmk__sse *d, size_t max_line, llmk__sse_event_fn fn, void *user);

/* Bounds the units of one stream (see the deviations above; 0 = none):
 * one past it fails the feed with LLMK_SSE_E_TOO_MANY, before the event
 * that would pass it is dispatched. */
void llmk__sse_set_max_units(llmk__sse *d, size_t max_units);

/* Returns 0, a negative LLMK_SSE_E_* code, or the callback's nonzero value.
 * After a callback stop the unprocessed rest of p is dropped; the decoder is
 * left at an event boundary and may be fed further. */
int llmk__sse_feed(llmk__sse *d, const char *p, size_t n);

/* Ends the stream. Per spec an event without its terminating blank line is
 * not dispatched; this returns 1 when anything was discarded that way (an
 * unterminated line, or data/event/id lines after the last blank line) so
 * callers can detect truncation, and 0 on a clean end. Returns the sticky
 * error instead if there is one. Otherwise the per-stream state is reset, so
 * the decoder can parse a reconnected stream; last_id and retry_ms are kept. */
int llmk__sse_finish(llmk__sse *d);

/* The last event ID as of the most recent blank line (so inside a callback it
 * is the dispatched event's id); "" when none. Valid until the next feed,
 * finish or free. */
const char *llmk__sse_last_id(const llmk__sse *d);

/* The last valid "retry" value in milliseconds, -1 when none. */
long long llmk__sse_retry_ms(const llmk__sse *d);

/* Frees all buffers. Safe to call twice; init again before reuse. */
void llmk__sse_free(llmk__sse *d);

#endif
