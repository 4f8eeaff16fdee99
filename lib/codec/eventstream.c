/* application/vnd.amazon.eventstream decoder (see eventstream.h). */
#include <string.h>

#include "eventstream.h"

/* CRC32 four bits at a time: a 16-entry table of the reflected IEEE
 * polynomial 0xEDB88320, small enough to be a constant. */
static const uint32_t crc_nibble[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
        0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t llmk__crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
	}
	return ~crc;
}

const char *llmk__evs_strerror(int code)
{
	switch (code) {
	case LLMK_EVS_E_NOMEM: return "out of memory";
	case LLMK_EVS_E_TOO_LARGE: return "message larger than the limit";
	case LLMK_EVS_E_CRC: return "CRC mismatch";
	case LLMK_EVS_E_FORMAT: return "malformed message";
	case LLMK_EVS_E_TRUNCATED: return "stream ends inside a message";
	default: return "no error";
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void llmk__evs_init(llmk__evs *d, size_t max_message, llmk__evs_fn fn, void *user)
{
	memset(d, 0, sizeof(*d));
	d->max_message = max_message && max_message < LLMK_EVS_MAX_MESSAGE ? max_message : LLMK_EVS_MAX_MESSAGE;
	d->fn = fn;
	d->user = user;
}

void llmk__evs_free(llmk__evs *d)
{
	llmk__buf_free(&d->frame);
	llmk__buf_free(&d->strings);
	d->total = 0;
}

enum { H_MTYPE, H_EVENT, H_EXC, H_ECODE, H_EMSG, H_CTYPE, H_COUNT };

typedef struct span {
	size_t off, len;
	int set;
} span;

static const char *const wanted[H_COUNT] = {":message-type", ":event-type",    ":exception-type",
                                            ":error-code",   ":error-message", ":content-type"};

/* Walks the header block; records the string headers we use. */
static int parse_headers(const uint8_t *h, size_t n, span *spans, size_t *count)
{
	static const int fixed[10] = {0, 0, 1, 2, 4, 8, -1, -1, 8, 16};
	size_t i = 0, nl, vl, k;
	uint8_t type;

	*count = 0;
	while (i < n) {
		nl = h[i];
		if (!nl || nl + 2 > n - i) /* name length, name, type byte */
			return LLMK_EVS_E_FORMAT;
		type = h[i + 1 + nl];
		if (type > 9)
			return LLMK_EVS_E_FORMAT;
		k = i + 2 + nl; /* value */
		if (fixed[type] >= 0) {
			vl = (size_t)fixed[type];
			if (vl > n - k)
				return LLMK_EVS_E_FORMAT;
		} else {
			if (2 > n - k)
				return LLMK_EVS_E_FORMAT;
			vl = (size_t)h[k] << 8 | h[k + 1];
			k += 2;
			if (vl > n - k)
				return LLMK_EVS_E_FORMAT;
			if (type == 7) {
				size_t w;
				for (w = 0; w < H_COUNT; w++)
					if (strlen(wanted[w]) == nl && !memcmp(h + i + 1, wanted[w], nl)) {
						spans[w].off = k;
						spans[w].len = vl;
						spans[w].set = 1;
					}
			}
		}
		i = k + vl;
		(*count)++;
	}
	return 0;
}

static int deliver(llmk__evs *d)
{
	uint8_t *f = (uint8_t *)d->frame.data;
	uint32_t total = d->total, hlen = be32(f + 4);
	span spans[H_COUNT];
	size_t offs[H_COUNT + 1], w, name_off;
	const uint8_t *hdrs = f + 12;
	llmk__evs_message m;
	const char *prefix = NULL, *pv;
	int rc, which = H_EVENT;

	if (llmk__crc32(0, f, total - 4) != be32(f + total - 4))
		return LLMK_EVS_E_CRC;
	memset(spans, 0, sizeof(spans));
	memset(&m, 0, sizeof(m));
	rc = parse_headers(hdrs, hlen, spans, &m.nheaders);
	if (rc)
		return rc;
	llmk__buf_clear(&d->strings);
	for (w = 0; w < H_COUNT; w++) {
		offs[w] = d->strings.len;
		if (llmk__buf_append(&d->strings, hdrs + spans[w].off, spans[w].set ? spans[w].len : 0) ||
		    llmk__buf_append_char(&d->strings, '\0'))
			return LLMK_EVS_E_NOMEM;
	}
	/* The message's name, after the values. */
	pv = d->strings.data + offs[H_MTYPE];
	if (!strcmp(pv, "exception")) {
		prefix = "exception:";
		which = H_EXC;
	} else if (!strcmp(pv, "error")) {
		prefix = "error:";
		which = H_ECODE;
	} else if (*pv && strcmp(pv, "event")) {
		prefix = ""; /* unknown kind: its own name, not an event's */
		which = H_MTYPE;
	}
	name_off = d->strings.len;
	if ((prefix && llmk__buf_append_str(&d->strings, prefix)) ||
	    llmk__buf_append(&d->strings, hdrs + spans[which].off, spans[which].set ? spans[which].len : 0) ||
	    (which == H_MTYPE && llmk__buf_append_char(&d->strings, ':')))
		return LLMK_EVS_E_NOMEM;
	/* Pointers only now: the buffer may have moved while growing. */
	m.message_type = d->strings.data + offs[H_MTYPE];
	m.event_type = d->strings.data + offs[H_EVENT];
	m.exception_type = d->strings.data + offs[H_EXC];
	m.error_code = d->strings.data + offs[H_ECODE];
	m.error_message = d->strings.data + offs[H_EMSG];
	m.content_type = d->strings.data + offs[H_CTYPE];
	m.name = d->strings.data + name_off;
	/* The CRC is checked: its first byte may become the payload's NUL. */
	m.payload = (const char *)hdrs + hlen;
	m.payload_len = total - 16 - hlen;
	f[total - 4] = 0;
	if (which == H_ECODE && !m.payload_len) { /* errors carry their text in a header */
		m.payload = m.error_message;
		m.payload_len = strlen(m.error_message);
	}
	return d->fn ? d->fn(&m, d->user) : 0;
}

int llmk__evs_feed(llmk__evs *d, const uint8_t *data, size_t len)
{
	size_t take;
	uint32_t total, hlen;
	const uint8_t *f;
	int rc;

	if (d->err)
		return d->err;
	while (len) {
		if (!d->total) {
			take = 12 - d->frame.len < len ? 12 - d->frame.len : len;
			if (llmk__buf_append(&d->frame, data, take))
				return d->err = LLMK_EVS_E_NOMEM;
			data += take;
			len -= take;
			if (d->frame.len < 12)
				break;
			f = (const uint8_t *)d->frame.data;
			total = be32(f);
			hlen = be32(f + 4);
			if (llmk__crc32(0, f, 8) != be32(f + 8))
				return d->err = LLMK_EVS_E_CRC;
			if (total < 16 || hlen > total - 16)
				return d->err = LLMK_EVS_E_FORMAT;
			if (total > d->max_message)
				return d->err = LLMK_EVS_E_TOO_LARGE;
			if (llmk__buf_reserve(&d->frame, total - 12))
				return d->err = LLMK_EVS_E_NOMEM;
			d->total = total;
		}
		take = d->total - d->frame.len < len ? d->total - d->frame.len : len;
		if (llmk__buf_append(&d->frame, data, take))
			return d->err = LLMK_EVS_E_NOMEM;
		data += take;
		len -= take;
		if (d->frame.len < d->total)
			break;
		rc = deliver(d);
		d->total = 0;
		llmk__buf_clear(&d->frame);
		if (rc < 0)
			return d->err = rc;
		if (rc > 0)
			return rc;
	}
	return 0;
}

int llmk__evs_finish(llmk__evs *d)
{
	if (d->err)
		return d->err;
	if (d->frame.len)
		return d->err = LLMK_EVS_E_TRUNCATED;
	return 0;
}
