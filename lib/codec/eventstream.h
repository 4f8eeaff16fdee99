/* Incremental decoder for application/vnd.amazon.eventstream, the binary
 * framing of AWS streaming APIs (Bedrock ConverseStream, ...).
 *
 * A message is: total length (u32 BE), headers length (u32 BE), CRC32 of
 * those 8 bytes (u32 BE), headers, payload, CRC32 of everything before it
 * (u32 BE). A header is: name length (u8), name, value type (u8), value
 * (0 true, 1 false: no bytes; 2 byte; 3 i16; 4 i32; 5 i64; 6 byte array and
 * 7 string: u16 BE length then bytes; 8 timestamp: 8 bytes; 9 UUID: 16).
 * CRC32 is the IEEE 802.3 one (reflected 0xEDB88320, as zlib's crc32()).
 *
 * Bytes may be fed in any split, one at a time included; each message is
 * checked (both CRCs, lengths, header layout) before it is delivered.
 * max_message bounds one message (0 = the format's own 16 MiB). Errors are
 * sticky. The prelude CRC is checked before a message's bytes are stored,
 * so a corrupt length cannot make the decoder wait for or allocate
 * gigabytes. */
#ifndef LLMK_EVENTSTREAM_H
#define LLMK_EVENTSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define LLMK_EVS_E_NOMEM (-1)
#define LLMK_EVS_E_TOO_LARGE (-2)
#define LLMK_EVS_E_CRC (-3)       /* a prelude or message CRC does not match */
#define LLMK_EVS_E_FORMAT (-4)    /* lengths or headers malformed */
#define LLMK_EVS_E_TRUNCATED (-5) /* finish() in the middle of a message */

/* The format's own bound on one message. */
#define LLMK_EVS_MAX_MESSAGE (16u * 1024u * 1024u)

typedef struct llmk__evs_message {
	/* The string headers that matter, NUL-terminated ("" when absent). */
	const char *message_type;   /* :message-type: event | exception | error */
	const char *event_type;     /* :event-type */
	const char *exception_type; /* :exception-type */
	const char *error_code;     /* :error-code */
	const char *error_message;  /* :error-message */
	const char *content_type;   /* :content-type */
	/* One name for the message: the event type of an event,
	 * "exception:<type>" for an exception, "error:<code>" for an error. */
	const char *name;
	/* The payload, NUL-terminated at payload_len. */
	const char *payload;
	size_t payload_len;
	size_t nheaders;
} llmk__evs_message;

/* Called once per valid message; valid only during the call. Non-zero
 * (positive) stops the feed, which returns it. */
typedef int (*llmk__evs_fn)(const llmk__evs_message *m, void *user);

typedef struct llmk__evs {
	size_t max_message;
	llmk__evs_fn fn;
	void *user;
	int err;
	uint32_t total; /* length of the message being collected, 0 until its prelude is in */
	llmk__buf frame;
	llmk__buf strings; /* NUL-terminated copies of the header values */
} llmk__evs;

void llmk__evs_init(llmk__evs *d, size_t max_message, llmk__evs_fn fn, void *user);
/* Returns 0, a negative LLMK_EVS_E_* code, or the callback's value. */
int llmk__evs_feed(llmk__evs *d, const uint8_t *data, size_t len);
/* End of input: LLMK_EVS_E_TRUNCATED when a message is incomplete. */
int llmk__evs_finish(llmk__evs *d);
void llmk__evs_free(llmk__evs *d);

/* CRC32 (IEEE) of data, continuing from crc (start with 0). */
uint32_t llmk__crc32(uint32_t crc, const void *data, size_t len);

/* Short text for an LLMK_EVS_E_* code. */
const char *llmk__evs_strerror(int code);

#endif
