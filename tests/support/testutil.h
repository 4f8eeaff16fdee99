/* What the API tests share: a client answering through the capture
 * transport, the request body it sent read as JSON, a recorder of stream
 * events, and a few checks every provider's tests make. */
#ifndef TEST_TESTUTIL_H
#define TEST_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "capture.h"
#include "llmkit.h"

/* ---- fixture ------------------------------------------------------------ */

typedef struct tu_fixture {
	llmk_client *c;
	capture cap;
	const char *key; /* the client's API key, or NULL */
	char *owned;     /* a body to free at teardown, or NULL */
} tu_fixture;

/* A fixture whose client serves `model` ("provider/model") through the
 * capture transport; key and base_url are set when not NULL. */
tu_fixture *tu_fixture_new(const char *model, const char *key, const char *base_url);
/* Replaces the fixture's client and capture with fresh ones. */
void tu_fixture_use(tu_fixture *f, const char *model, const char *key, const char *base_url);
/* cmocka teardown: frees the tu_fixture in *state. */
int tu_teardown(void **state);

/* ---- what was sent ------------------------------------------------------- */

/* The captured request body as JSON (caller decrefs); fails the test when
 * it is not JSON. */
json_t *sent_json(const capture *cap);
/* Value at a path like "messages.1.content.0.type" (numbers index arrays),
 * or NULL. */
json_t *jget(json_t *j, const char *path);
const char *jstr(json_t *j, const char *path);
/* The integer (number) at path; fails the test when it is not one. */
json_int_t jint(json_t *j, const char *path);
double jnum(json_t *j, const char *path);
/* needle in the captured body (which may hold NUL bytes), or NULL. */
const char *body_find(const capture *cap, const char *needle);

/* ---- requests and answers ----------------------------------------------- */

/* A chat request with one user message. */
llmk_request *chat_request(const char *text);
/* "call_" and 24 lowercase hex digits: the id made up for a tool call that
 * came without one. */
int is_call_id(const char *id);
/* Sends chat_request("hi") answered with HTTP status `http`, `headers` and
 * `body`; checks the send and the response say `want`, the HTTP status, that
 * the message holds msg_part (when not NULL) and never the fixture's key.
 * The capture's status and answer headers are cleared after. Returns the
 * response (caller frees). */
llmk_response *tu_send_error(tu_fixture *f, int http, const char *headers, const char *body, llmk_status want,
                             const char *msg_part);
/* shared/data/audio/jfk.wav ($LLMK_SHARED_DATA, else ../shared/data next to
 * the repository), or NULL when it is not there. */
uint8_t *read_jfk(size_t *len);

/* ---- streams ------------------------------------------------------------- */

/* Answer headers of a stream and of a whole JSON answer. */
#define TU_SSE "Content-Type: text/event-stream\n"
#define TU_JSON "Content-Type: application/json\n"

/* Event kinds as bits, for tu_events.expect. */
#define TU_EV(type) (1u << (type))
#define TU_EV_ALL                                                                             \
	(TU_EV(LLMK_EVENT_TEXT) | TU_EV(LLMK_EVENT_REASONING) | TU_EV(LLMK_EVENT_TOOL_CALL) | \
	 TU_EV(LLMK_EVENT_USAGE) | TU_EV(LLMK_EVENT_DONE) | TU_EV(LLMK_EVENT_REFUSAL))

#define TU_MAX_TOOLS 2

/* What tu_on_event saw of a stream. */
typedef struct tu_events {
	char text[8192], reasoning[8192], refusal[1024];
	char seq[1024]; /* a letter an event: T text, R reasoning, C tool call, U usage, D done, F refusal */
	char runs[64];  /* seq with runs of one letter collapsed: "RTUD" */
	int ntext, nreasoning, ntool, nusage, ndone, nrefusal;
	int order_ok; /* no event came after the first DONE */
	char tool_args[TU_MAX_TOOLS][256], tool_name[TU_MAX_TOOLS][64], tool_id[TU_MAX_TOOLS][64];
	int64_t usage_in, usage_out, usage_cached; /* from the last USAGE event */
	int stop_after;                            /* cancel after this many text events (0 = never) */
	unsigned expect;                           /* TU_EV bits of the kinds that may come; others fail */
} tu_events;

/* Starts e afresh, accepting the event kinds in `expect`. */
void tu_events_init(tu_events *e, unsigned expect);
/* llmk_stream callback recording into the tu_events at user. */
int32_t tu_on_event(const llmk_event *ev, void *user);
/* Streams r through the capture, answered with `headers` and `body` in
 * writes of write_size bytes (0: one write), recording into e (initialised
 * by the caller). The capture keeps that answer afterwards. */
llmk_status tu_stream(tu_fixture *f, llmk_request *r, const char *headers, const char *body, size_t write_size,
                      tu_events *e, llmk_response **resp);

#endif
