/* Request: the provider-neutral description of what to ask. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "json.h"
#include "options.h"
#include "request.h"
#include "response.h"
#include "url.h"
#include "utf8.h"

static llmk_status req_err(llmk_request *r, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

static llmk_status req_err(llmk_request *r, llmk_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
	return st;
}

static const char *kind_name(int32_t kind)
{
	switch (kind) {
	case LLMK_CHAT: return "chat";
	case LLMK_EMBED: return "embed";
	case LLMK_IMAGE: return "image";
	case LLMK_TRANSCRIBE: return "transcribe";
	case LLMK_SPEECH: return "speech";
	default: return "unknown";
	}
}

llmk_status llmk_request_new(llmk_request **out, int32_t kind)
{
	llmk_request *r;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	if (kind < LLMK_CHAT || kind > LLMK_SPEECH)
		return LLMK_E_INVALID_ARG;
	r = llmk__calloc(1, sizeof(*r));
	if (!r)
		return LLMK_E_NOMEM;
	r->kind = kind;
	*out = r;
	return LLMK_OK;
}

static void part_free(llmk__part *p)
{
	llmk__free(p->text);
	llmk__free(p->detail);
	llmk__free(p->id);
	llmk__free(p->opaque);
}

void llmk_request_free(llmk_request *r)
{
	size_t i, j;

	if (!r)
		return;
	for (i = 0; i < r->nmsgs; i++) {
		for (j = 0; j < r->msgs[i].nparts; j++)
			part_free(&r->msgs[i].parts[j]);
		llmk__free(r->msgs[i].parts);
		llmk__free(r->msgs[i].tool_call_id);
		llmk__free(r->msgs[i].origin);
	}
	llmk__free(r->msgs);
	for (i = 0; i < r->ntools; i++) {
		llmk__free(r->tools[i].name);
		llmk__free(r->tools[i].description);
		llmk__free(r->tools[i].parameters);
	}
	llmk__free(r->tools);
	for (i = 0; i < r->ninputs; i++)
		llmk__free(r->inputs[i]);
	llmk__free(r->inputs);
	for (i = 0; i < r->nstops; i++)
		llmk__free(r->stops[i]);
	for (i = 0; i < r->nheaders; i++)
		llmk__free(r->headers[i]);
	for (i = 0; i < LLMK_STR_SLOTS; i++)
		llmk__free(r->str[i]);
	llmk__free(r->audio);
	llmk__free(r->audio_name);
	llmk__free(r->audio_mime);
	llmk__free(r->extra_json);
	llmk__free(r);
}

int32_t llmk_request_kind(const llmk_request *r)
{
	return r ? r->kind : 0;
}

const char *llmk_request_errmsg(const llmk_request *r)
{
	return r ? r->errmsg : "request is NULL";
}

/* Grows an array of `size`-byte elements to hold one more. */
static int grow(void **arr, size_t *cap, size_t len, size_t size)
{
	size_t ncap;
	void *p;

	if (len < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	p = llmk__realloc(*arr, ncap * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static llmk_status check_opt(llmk_request *r, int32_t opt, int type)
{
	return llmk__option_check(opt, type, LLMK_SCOPE_R, r->kind, r->errmsg, sizeof(r->errmsg));
}

static int one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return 1;
	return 0;
}

static llmk_status check_json(llmk_request *r, const char *what, const char *text, int want_object)
{
	json_error_t err;
	json_t *j;

	llmk__oom_reset();
	j = llmk__json_loads(text, JSON_DECODE_ANY | LLMK_JSON_STRICT_NUMBERS, &err);
	if (!j && llmk__oom_seen())
		return req_err(r, LLMK_E_NOMEM, "out of memory reading %s", what);
	if (!j)
		return req_err(r, LLMK_E_INVALID_ARG, "%s is not valid JSON: %s (line %d, column %d)", what, err.text,
		               err.line, err.column);
	if (want_object && !json_is_object(j)) {
		json_decref(j);
		return req_err(r, LLMK_E_INVALID_ARG, "%s must be a JSON object", what);
	}
	json_decref(j);
	return LLMK_OK;
}

/* Rejects values the provider would refuse anyway, so the caller hears
 * about a typo before paying for a round trip. Only closed vocabularies
 * are checked; open ones (sizes, voices, models) are the provider's call. */
static llmk_status check_str_value(llmk_request *r, int32_t opt, const char *v)
{
	static const char *const formats[] = {"text", "json_object", NULL};
	static const char *const tformats[] = {"json", "text", "verbose_json", "srt", "vtt", NULL};
	static const char *const aformats[] = {"mp3", "wav", "pcm", "opus", "aac", "flac", NULL};
	static const char *const iformats[] = {"b64_json", "url", NULL};
	static const char *const details[] = {"auto", "low", "high", NULL};
	static const char *const itypes[] = {"search_document", "search_query", "classification", "clustering", NULL};
	/* OpenAI's ReasoningEffort (spec v2.3.0); Anthropic's output_config.effort
	 * and Gemini's thinkingLevel take subsets of it. */
	static const char *const efforts[] = {"none", "minimal", "low", "medium", "high", "xhigh", "max", NULL};
	static const char *const summaries[] = {"auto", "concise", "detailed", NULL};

	(void)details;
	switch (opt) {
	case LLMK_OPT_RESPONSE_FORMAT:
		if (!one_of(v, formats))
			return req_err(
			        r, LLMK_E_INVALID_ARG,
			        "response_format must be 'text' or 'json_object' (use json_schema for a schema)");
		break;
	case LLMK_OPT_TRANSCRIPT_FORMAT:
		if (!one_of(v, tformats))
			return req_err(r, LLMK_E_INVALID_ARG,
			               "transcript_format must be json, text, verbose_json, srt or vtt");
		break;
	case LLMK_OPT_AUDIO_FORMAT:
		if (!one_of(v, aformats))
			return req_err(r, LLMK_E_INVALID_ARG, "audio_format must be mp3, wav, pcm, opus, aac or flac");
		break;
	case LLMK_OPT_IMAGE_RESPONSE_FORMAT:
		if (!one_of(v, iformats))
			return req_err(r, LLMK_E_INVALID_ARG, "image_response_format must be 'b64_json' or 'url'");
		break;
	case LLMK_OPT_EMBED_INPUT_TYPE:
		if (!one_of(v, itypes))
			return req_err(
			        r, LLMK_E_INVALID_ARG,
			        "embed_input_type must be search_document, search_query, classification or clustering");
		break;
	case LLMK_OPT_REASONING_EFFORT:
		if (!one_of(v, efforts))
			return req_err(r, LLMK_E_INVALID_ARG,
			               "reasoning_effort must be none, minimal, low, medium, high, xhigh or max");
		break;
	case LLMK_OPT_CACHE_SYSTEM:
	case LLMK_OPT_CACHE_TOOLS:
	case LLMK_OPT_CACHE_MESSAGES:
		if (strcmp(v, "5m") && strcmp(v, "1h"))
			return req_err(r, LLMK_E_INVALID_ARG, "%s must be 5m or 1h (how long the cached prefix lives)",
			               llmk_option_name(opt));
		break;
	case LLMK_OPT_REASONING_SUMMARY:
		if (!one_of(v, summaries))
			return req_err(r, LLMK_E_INVALID_ARG, "reasoning_summary must be auto, concise or detailed");
		break;
	case LLMK_OPT_JSON_SCHEMA: return check_json(r, "json_schema", v, 1);
	case LLMK_OPT_MODEL: /* a URL path segment for some providers */
		if (llmk__value_check("option 'model'", v, r->errmsg, sizeof(r->errmsg)))
			return LLMK_E_INVALID_ARG;
		/* fall through */
	case LLMK_OPT_TOOL_CHOICE:
	case LLMK_OPT_JSON_SCHEMA_NAME:
	case LLMK_OPT_PREVIOUS_RESPONSE_ID:
	case LLMK_OPT_CACHED_CONTENT:
		if (!*v)
			return req_err(r, LLMK_E_INVALID_ARG, "option '%s' must not be empty", llmk_option_name(opt));
		break;
	default: break;
	}
	return LLMK_OK;
}

/* "Name: value": an RFC 9110 token, a colon, optional white space, a value
 * of visible characters, spaces and tabs (no CR, LF or other controls: a
 * header must never become two). */
static int valid_header(const char *v)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	const char *p = v;

	for (; *p && *p != ':'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(tchar, *p)))
			return 0;
	if (p == v || *p != ':')
		return 0;
	for (p++; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

static llmk_status add_header(llmk_request *r, char *copy)
{
	size_t i;

	if (!copy) {
		for (i = 0; i < r->nheaders; i++)
			llmk__free(r->headers[i]);
		r->nheaders = 0;
		return LLMK_OK;
	}
	if (!valid_header(copy)) {
		llmk__free(copy);
		return req_err(
		        r, LLMK_E_INVALID_ARG,
		        "http_header must be \"Name: value\" (a token name, no control characters in the value)");
	}
	if (r->nheaders == LLMK_MAX_REQ_HEADERS) {
		llmk__free(copy);
		return req_err(r, LLMK_E_INVALID_ARG, "at most %d http_header values", LLMK_MAX_REQ_HEADERS);
	}
	r->headers[r->nheaders++] = copy;
	return LLMK_OK;
}

llmk_status llmk_request_set_str(llmk_request *r, int32_t opt, const char *value)
{
	llmk_status st;
	char *copy = NULL;
	size_t i;
	int slot;

	if (!r)
		return LLMK_E_INVALID_ARG;
	st = check_opt(r, opt, LLMK_TYPE_STR);
	if (st)
		return st;
	if (value && (st = check_str_value(r, opt, value)))
		return st;
	if (value && !(copy = llmk__strdup(value)))
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	if (opt == LLMK_OPT_HTTP_HEADER)
		return add_header(r, copy);
	if (opt == LLMK_OPT_STOP) {
		if (!copy) {
			for (i = 0; i < r->nstops; i++)
				llmk__free(r->stops[i]);
			r->nstops = 0;
			return LLMK_OK;
		}
		if (r->nstops == LLMK_MAX_STOP) {
			llmk__free(copy);
			return req_err(r, LLMK_E_INVALID_ARG, "at most %d stop sequences", LLMK_MAX_STOP);
		}
		r->stops[r->nstops++] = copy;
		return LLMK_OK;
	}
	slot = llmk__option_slot(opt);
	llmk__free(r->str[slot]);
	r->str[slot] = copy;
	return LLMK_OK;
}

llmk_status llmk_request_set_i64(llmk_request *r, int32_t opt, int64_t value)
{
	llmk_status st;
	int slot;

	if (!r)
		return LLMK_E_INVALID_ARG;
	st = check_opt(r, opt, LLMK_TYPE_I64);
	if (st)
		return st;
	if ((opt == LLMK_OPT_MAX_TOKENS || opt == LLMK_OPT_DIMENSIONS || opt == LLMK_OPT_IMAGE_COUNT ||
	     opt == LLMK_OPT_TOP_K) &&
	    value < 1)
		return req_err(r, LLMK_E_INVALID_ARG, "option '%s' must be at least 1", llmk_option_name(opt));
	if (((opt == LLMK_OPT_DROP_UNSUPPORTED || opt == LLMK_OPT_STORE) && value != 0 && value != 1) ||
	    (opt == LLMK_OPT_REASONING_BUDGET && value < 0))
		return req_err(r, LLMK_E_INVALID_ARG, "option '%s' must be %s", llmk_option_name(opt),
		               opt == LLMK_OPT_REASONING_BUDGET ? "at least 0" : "0 or 1");
	if (opt == LLMK_OPT_IMAGE_COUNT && value > 10)
		return req_err(r, LLMK_E_INVALID_ARG, "image_count must be at most 10");
	slot = llmk__option_slot(opt);
	r->i64[slot] = value;
	r->i64_set |= 1u << slot;
	return LLMK_OK;
}

llmk_status llmk_request_set_f64(llmk_request *r, int32_t opt, double value)
{
	llmk_status st;
	double lo = -1e300, hi = 1e300;
	int slot;

	if (!r)
		return LLMK_E_INVALID_ARG;
	st = check_opt(r, opt, LLMK_TYPE_F64);
	if (st)
		return st;
	switch (opt) {
	case LLMK_OPT_TEMPERATURE: lo = 0.0, hi = 2.0; break;
	case LLMK_OPT_TOP_P: lo = 0.0, hi = 1.0; break;
	case LLMK_OPT_SPEED: lo = 0.25, hi = 4.0; break;
	case LLMK_OPT_FREQUENCY_PENALTY:
	case LLMK_OPT_PRESENCE_PENALTY: lo = -2.0, hi = 2.0; break;
	default: break;
	}
	if (!(value >= lo && value <= hi)) /* also rejects NaN */
		return req_err(r, LLMK_E_INVALID_ARG, "option '%s' must be between %g and %g", llmk_option_name(opt),
		               lo, hi);
	slot = llmk__option_slot(opt);
	r->f64[slot] = value;
	r->f64_set |= 1u << slot;
	return LLMK_OK;
}

const char *llmk__req_str(const llmk_request *r, int32_t opt)
{
	int slot = llmk__option_slot(opt);
	return slot >= 0 ? r->str[slot] : NULL;
}

int llmk__req_i64(const llmk_request *r, int32_t opt, int64_t *out)
{
	int slot = llmk__option_slot(opt);

	if (slot < 0 || !(r->i64_set & (1u << slot)))
		return 0;
	*out = r->i64[slot];
	return 1;
}

int llmk__req_f64(const llmk_request *r, int32_t opt, double *out)
{
	int slot = llmk__option_slot(opt);

	if (slot < 0 || !(r->f64_set & (1u << slot)))
		return 0;
	*out = r->f64[slot];
	return 1;
}

/* ---- conversation ------------------------------------------------------- */

static llmk_status need_kind(llmk_request *r, int32_t kind, const char *fn)
{
	if (r->kind != kind)
		return req_err(r, LLMK_E_INVALID_ARG, "%s applies to %s requests, this is a %s request", fn,
		               kind_name(kind), kind_name(r->kind));
	return LLMK_OK;
}

static llmk__message *new_message(llmk_request *r, int32_t role)
{
	llmk__message *m;

	if (grow((void **)&r->msgs, &r->msgcap, r->nmsgs, sizeof(*r->msgs)))
		return NULL;
	m = &r->msgs[r->nmsgs++];
	memset(m, 0, sizeof(*m));
	m->role = role;
	return m;
}

static llmk__part *new_part(llmk__message *m)
{
	llmk__part *p;

	if (grow((void **)&m->parts, &m->cap, m->nparts, sizeof(*m->parts)))
		return NULL;
	p = &m->parts[m->nparts];
	memset(p, 0, sizeof(*p));
	return p;
}

static llmk_status add_text(llmk_request *r, llmk__message *m, const char *text)
{
	llmk__part *p = new_part(m);

	if (!p || !(p->text = llmk__strdup(text)))
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	p->type = LLMK_PART_TEXT;
	m->nparts++;
	return LLMK_OK;
}

llmk_status llmk_request_add_message(llmk_request *r, int32_t role, const char *text)
{
	llmk__message *m;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if ((st = need_kind(r, LLMK_CHAT, "add_message")))
		return st;
	if (role == LLMK_ROLE_TOOL)
		return req_err(r, LLMK_E_INVALID_ARG, "use llmk_request_add_tool_result() for tool messages");
	if (role < LLMK_ROLE_SYSTEM || role > LLMK_ROLE_DEVELOPER)
		return req_err(r, LLMK_E_INVALID_ARG, "unknown role %d", (int)role);
	m = new_message(r, role);
	if (!m)
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	if (text && (st = add_text(r, m, text))) {
		llmk__free(m->parts);
		r->nmsgs--;
		return st;
	}
	return LLMK_OK;
}

static llmk__message *last_message(llmk_request *r, const char *fn)
{
	if (need_kind(r, LLMK_CHAT, fn))
		return NULL;
	if (!r->nmsgs) {
		req_err(r, LLMK_E_INVALID_ARG, "%s needs a message first (llmk_request_add_message)", fn);
		return NULL;
	}
	return &r->msgs[r->nmsgs - 1];
}

llmk_status llmk_request_add_text(llmk_request *r, const char *text)
{
	llmk__message *m;

	if (!r || !text)
		return r ? req_err(r, LLMK_E_INVALID_ARG, "text is NULL") : LLMK_E_INVALID_ARG;
	if (!(m = last_message(r, "add_text")))
		return LLMK_E_INVALID_ARG;
	if (m->role == LLMK_ROLE_TOOL)
		return req_err(r, LLMK_E_INVALID_ARG, "a tool result takes no further parts");
	return add_text(r, m, text);
}

static llmk_status add_image(llmk_request *r, char *url, const char *detail)
{
	llmk__message *m;
	llmk__part *p;

	if (!(m = last_message(r, "add_image"))) {
		llmk__free(url);
		return LLMK_E_INVALID_ARG;
	}
	if (m->role != LLMK_ROLE_USER) {
		llmk__free(url);
		return req_err(r, LLMK_E_INVALID_ARG, "images can only be added to user messages");
	}
	if (detail && strcmp(detail, "auto") && strcmp(detail, "low") && strcmp(detail, "high")) {
		llmk__free(url);
		return req_err(r, LLMK_E_INVALID_ARG, "image detail must be auto, low or high");
	}
	p = new_part(m);
	if (!p || (detail && !(p->detail = llmk__strdup(detail)))) {
		llmk__free(url);
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	p->type = LLMK_PART_IMAGE_URL;
	p->text = url;
	m->nparts++;
	return LLMK_OK;
}

llmk_status llmk_request_add_image_url(llmk_request *r, const char *url, const char *detail)
{
	char *copy;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8) && strncmp(url, "data:", 5)))
		return req_err(r, LLMK_E_INVALID_ARG, "image URL must start with http://, https:// or data:");
	copy = llmk__strdup(url);
	if (!copy)
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	return add_image(r, copy, detail);
}

extern char *llmk__data_url(const char *mime, const uint8_t *data, size_t len);

llmk_status llmk_request_add_image_data(llmk_request *r, const uint8_t *data, size_t len, const char *mime)
{
	char *url;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if (!data || !len)
		return req_err(r, LLMK_E_INVALID_ARG, "image data is empty");
	if (!mime || strncmp(mime, "image/", 6) || strpbrk(mime, ";, \r\n"))
		return req_err(r, LLMK_E_INVALID_ARG, "image MIME type must be image/<type>");
	url = llmk__data_url(mime, data, len);
	if (!url)
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	return add_image(r, url, NULL);
}

/* UTF-8 without NUL (llmk__utf8_len for the multi-byte sequences). */
static int utf8_ok(const uint8_t *s, size_t n)
{
	const uint8_t *p = s, *end = s + n;
	size_t k;

	while (p < end) {
		if (*p && *p < 0x80) {
			p++;
			continue;
		}
		if (!*p || !(k = llmk__utf8_len(p, end)))
			return 0;
		p += k;
	}
	return 1;
}

/* A DOCUMENT part: the data: URL and its file name. */
static llmk_status add_document_part(llmk_request *r, char *url, const char *name)
{
	llmk__message *m;
	llmk__part *p;

	if (!(m = last_message(r, "add_document"))) {
		llmk__free(url);
		return LLMK_E_INVALID_ARG;
	}
	if (m->role != LLMK_ROLE_USER) {
		llmk__free(url);
		return req_err(r, LLMK_E_INVALID_ARG, "documents can only be added to user messages");
	}
	if (!(p = new_part(m)) || !(p->detail = llmk__strdup(name))) {
		llmk__free(url);
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	p->type = LLMK_PART_DOCUMENT;
	p->text = url;
	m->nparts++;
	return LLMK_OK;
}

static int valid_doc_name(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f || s[n] == '"' || s[n] == '\\' || s[n] == '/')
			return 0;
	return n > 0 && n <= 200;
}

llmk_status llmk_request_add_document(llmk_request *r, const uint8_t *data, size_t len, const char *mime,
                                      const char *filename)
{
	int pdf;
	char *url;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if (!data || !len)
		return req_err(r, LLMK_E_INVALID_ARG, "document data is empty");
	if (!mime || ((pdf = !strcmp(mime, "application/pdf")) == 0 && strcmp(mime, "text/plain")))
		return req_err(r, LLMK_E_INVALID_ARG, "document MIME type must be application/pdf or text/plain");
	if (!pdf && !utf8_ok(data, len))
		return req_err(r, LLMK_E_INVALID_ARG, "a text/plain document must be UTF-8 text without NUL");
	if (!filename)
		filename = pdf ? "document.pdf" : "document.txt";
	if (!valid_doc_name(filename))
		return req_err(r, LLMK_E_INVALID_ARG,
		               "document file name must be 1-200 characters without quotes, "
		               "slashes or control characters");
	if (!(url = llmk__data_url(mime, data, len)))
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	return add_document_part(r, url, filename);
}

llmk_status llmk_request_add_tool_call(llmk_request *r, const char *id, const char *name, const char *args)
{
	llmk__message *m;
	llmk__part *p;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if (!id || !*id || !name || !*name)
		return req_err(r, LLMK_E_INVALID_ARG, "tool call needs an id and a name");
	if (!(m = last_message(r, "add_tool_call")))
		return LLMK_E_INVALID_ARG;
	if (m->role != LLMK_ROLE_ASSISTANT)
		return req_err(r, LLMK_E_INVALID_ARG, "tool calls belong to assistant messages");
	if (!args)
		args = "{}";
	if ((st = check_json(r, "tool call arguments", args, 1)))
		return st;
	p = new_part(m);
	if (!p)
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	p->type = LLMK_PART_TOOL_CALL;
	p->id = llmk__strdup(id);
	p->detail = llmk__strdup(name);
	p->text = llmk__strdup(args);
	if (!p->id || !p->detail || !p->text) {
		part_free(p);
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	m->nparts++;
	return LLMK_OK;
}

llmk_status llmk_request_add_tool_result(llmk_request *r, const char *tool_call_id, const char *content)
{
	llmk__message *m;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if ((st = need_kind(r, LLMK_CHAT, "add_tool_result")))
		return st;
	if (!tool_call_id || !*tool_call_id || !content)
		return req_err(r, LLMK_E_INVALID_ARG, "tool result needs a tool_call_id and content");
	m = new_message(r, LLMK_ROLE_TOOL);
	if (!m)
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	if (!(m->tool_call_id = llmk__strdup(tool_call_id)) || add_text(r, m, content)) {
		llmk__free(m->tool_call_id);
		llmk__free(m->parts);
		r->nmsgs--;
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	return LLMK_OK;
}

static int valid_tool_name(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
		      s[n] == '_' || s[n] == '-'))
			return 0;
	return n > 0 && n <= 64;
}

llmk_status llmk_request_add_tool(llmk_request *r, const char *name, const char *description, const char *params)
{
	llmk__tool *t;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if ((st = need_kind(r, LLMK_CHAT, "add_tool")))
		return st;
	if (!name || !valid_tool_name(name))
		return req_err(r, LLMK_E_INVALID_ARG, "tool name must be 1-64 characters of a-z, A-Z, 0-9, _ and -");
	if (params && (st = check_json(r, "tool parameters", params, 1)))
		return st;
	if (grow((void **)&r->tools, &r->toolcap, r->ntools, sizeof(*r->tools)))
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	t = &r->tools[r->ntools];
	memset(t, 0, sizeof(*t));
	t->name = llmk__strdup(name);
	t->description = description ? llmk__strdup(description) : NULL;
	t->parameters = params ? llmk__strdup(params) : NULL;
	if (!t->name || (description && !t->description) || (params && !t->parameters)) {
		llmk__free(t->name);
		llmk__free(t->description);
		llmk__free(t->parameters);
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	r->ntools++;
	return LLMK_OK;
}

llmk_status llmk_request_add_input(llmk_request *r, const char *text)
{
	char *copy;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if ((st = need_kind(r, LLMK_EMBED, "add_input")))
		return st;
	if (!text)
		return req_err(r, LLMK_E_INVALID_ARG, "input text is NULL");
	if (grow((void **)&r->inputs, &r->inputcap, r->ninputs, sizeof(*r->inputs)) || !(copy = llmk__strdup(text)))
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	r->inputs[r->ninputs++] = copy;
	return LLMK_OK;
}

static const char *mime_from_name(const char *name)
{
	static const struct {
		const char *ext, *mime;
	} map[] = {{".wav", "audio/wav"},   {".mp3", "audio/mpeg"}, {".mpga", "audio/mpeg"}, {".m4a", "audio/mp4"},
	           {".mp4", "audio/mp4"},   {".ogg", "audio/ogg"},  {".oga", "audio/ogg"},   {".flac", "audio/flac"},
	           {".webm", "audio/webm"}, {".mpeg", "audio/mpeg"}};
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(dot, map[i].ext) == 0)
			return map[i].mime;
	return "application/octet-stream";
}

llmk_status llmk_request_set_audio(llmk_request *r, const uint8_t *data, size_t len, const char *filename,
                                   const char *mime)
{
	uint8_t *copy;
	char *name, *type;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if ((st = need_kind(r, LLMK_TRANSCRIBE, "set_audio")))
		return st;
	if (!data || !len)
		return req_err(r, LLMK_E_INVALID_ARG, "audio data is empty");
	if (!filename || !*filename || strpbrk(filename, "\"/\\") || llmk__has_ctl(filename))
		return req_err(r, LLMK_E_INVALID_ARG, "audio file name must be a plain name like speech.wav");
	/* The MIME type is a Content-Type header for some providers. */
	if (mime && (strchr(mime, '"') || llmk__has_ctl(mime)))
		return req_err(r, LLMK_E_INVALID_ARG, "audio MIME type contains invalid characters");
	copy = llmk__malloc(len);
	name = llmk__strdup(filename);
	type = llmk__strdup(mime ? mime : mime_from_name(filename));
	if (!copy || !name || !type) {
		llmk__free(copy);
		llmk__free(name);
		llmk__free(type);
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	memcpy(copy, data, len);
	llmk__free(r->audio);
	llmk__free(r->audio_name);
	llmk__free(r->audio_mime);
	r->audio = copy;
	r->audio_len = len;
	r->audio_name = name;
	r->audio_mime = type;
	return LLMK_OK;
}

llmk_status llmk_request_set_extra_json(llmk_request *r, const char *json_object)
{
	char *copy = NULL;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if (json_object) {
		if ((st = check_json(r, "extra JSON", json_object, 1)))
			return st;
		if (!(copy = llmk__strdup(json_object)))
			return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	llmk__free(r->extra_json);
	r->extra_json = copy;
	return LLMK_OK;
}

/* ---- a response as the next assistant turn ------------------------------- */

/* End of the slice of item i in its buffer: where the next item of the same
 * type starts, else the buffer's end. */
static size_t item_end(const llmk_response *resp, size_t i, size_t len)
{
	size_t j;

	for (j = i + 1; j < resp->nitems; j++)
		if (resp->items[j].type == resp->items[i].type)
			return resp->items[j].start < len ? resp->items[j].start : len;
	return len;
}

static llmk_status turn_part(llmk_request *r, llmk__message *m, int type, const char *text, size_t len,
                             const llmk__buf *opaque, int64_t wire)
{
	llmk__part *p = new_part(m);

	if (!p)
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	p->type = type;
	p->text = llmk__strndup(text ? text : "", text ? len : 0);
	if (opaque && opaque->len)
		p->opaque = llmk__strndup(opaque->data, opaque->len);
	if (!p->text || (opaque && opaque->len && !p->opaque)) {
		part_free(p);
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	/* Reasoning is the provider's state, never conversation: it keeps its
	 * wire even without opaque data, so no other provider receives it. */
	p->wire = p->opaque || type == LLMK_PART_REASONING ? wire : 0;
	m->nparts++;
	return LLMK_OK;
}

static llmk_status call_part(llmk_request *r, llmk__message *m, const llmk_response *resp, size_t i,
                             const llmk__buf *opaque)
{
	const llmk__tool_call *tc = &resp->calls[i];
	const char *args = tc->args.len ? tc->args.data : "{}";
	llmk_status st;
	llmk__part *p;

	if (!tc->id.len || !tc->name.len)
		return req_err(r, LLMK_E_INVALID_ARG, "tool call %zu of the response has no id or no name", i);
	if ((st = check_json(r, "tool call arguments of the response", args, 1)))
		return st;
	if (!(p = new_part(m)))
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	p->type = LLMK_PART_TOOL_CALL;
	p->id = llmk__strdup(tc->id.data);
	p->detail = llmk__strdup(tc->name.data);
	p->text = llmk__strdup(args);
	if (opaque && opaque->len) {
		p->opaque = llmk__strndup(opaque->data, opaque->len);
		p->wire = resp->wire;
	}
	if (!p->id || !p->detail || !p->text || (opaque && opaque->len && !p->opaque)) {
		part_free(p);
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	m->nparts++;
	return LLMK_OK;
}

/* The turn as the adapter recorded it, item by item; calls it did not
 * record follow at the end. */
static llmk_status turn_from_items(llmk_request *r, llmk__message *m, const llmk_response *resp)
{
	const llmk__buf *bufs[3] = {&resp->text, &resp->reasoning, &resp->refusal};
	llmk_status st = LLMK_OK;
	size_t i, j, end;
	int b;

	for (i = 0; i < resp->nitems && st == LLMK_OK; i++) {
		const llmk__turn_item *it = &resp->items[i];
		if (it->type == LLMK_PART_TOOL_CALL) {
			if (it->start < resp->ncalls)
				st = call_part(r, m, resp, it->start, &it->opaque);
			continue;
		}
		b = it->type == LLMK_PART_TEXT ? 0 : it->type == LLMK_PART_REASONING ? 1 : 2;
		if (it->start > bufs[b]->len)
			continue;
		end = item_end(resp, i, bufs[b]->len);
		if (end <= it->start && !it->opaque.len)
			continue; /* nothing said, nothing to carry */
		st = turn_part(r, m, b == 1 ? LLMK_PART_REASONING : LLMK_PART_TEXT, bufs[b]->data + it->start,
		               end > it->start ? end - it->start : 0, &it->opaque, resp->wire);
	}
	for (j = 0; j < resp->ncalls && st == LLMK_OK; j++) {
		for (i = 0; i < resp->nitems; i++)
			if (resp->items[i].type == LLMK_PART_TOOL_CALL && resp->items[i].start == j)
				break;
		if (i == resp->nitems)
			st = call_part(r, m, resp, j, NULL);
	}
	return st;
}

/* Adapters that record no items: the text (or the refusal), then the
 * calls. */
static llmk_status turn_default(llmk_request *r, llmk__message *m, const llmk_response *resp)
{
	const llmk__buf *t = resp->text.len ? &resp->text : &resp->refusal;
	llmk_status st = LLMK_OK;
	size_t i;

	if (t->len)
		st = turn_part(r, m, LLMK_PART_TEXT, t->data, t->len, NULL, 0);
	for (i = 0; i < resp->ncalls && st == LLMK_OK; i++)
		st = call_part(r, m, resp, i, NULL);
	return st;
}

llmk_status llmk_request_add_response(llmk_request *r, const llmk_response *resp)
{
	llmk__message *m;
	llmk_status st;
	size_t i;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if ((st = need_kind(r, LLMK_CHAT, "add_response")))
		return st;
	if (!resp)
		return req_err(r, LLMK_E_INVALID_ARG, "response is NULL");
	if (resp->status != LLMK_OK)
		return req_err(r, LLMK_E_INVALID_ARG, "the response is a failure (%s): it has no turn to add",
		               llmk_status_name(resp->status));
	if (!(m = new_message(r, LLMK_ROLE_ASSISTANT)))
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	st = resp->nitems ? turn_from_items(r, m, resp) : turn_default(r, m, resp);
	if (st == LLMK_OK && !m->nparts)
		st = req_err(r, LLMK_E_INVALID_ARG, "the response has no text, refusal or tool call to add");
	if (st == LLMK_OK && resp->provider && !(m->origin = llmk__strdup(resp->provider)))
		st = req_err(r, LLMK_E_NOMEM, "out of memory");
	if (st != LLMK_OK) { /* all or nothing */
		for (i = 0; i < m->nparts; i++)
			part_free(&m->parts[i]);
		llmk__free(m->parts);
		r->nmsgs--;
	}
	return st;
}

/* ---- a part as llmk_request_part_*() read it back ------------------------- */

static int one_bit(int64_t v)
{
	return v > 0 && !(v & (v - 1));
}

/* The opaque state of the part just added; on failure the part goes. */
static llmk_status add_opaque(llmk_request *r, llmk__message *m, const char *opaque, int64_t wire)
{
	llmk__part *p = &m->parts[m->nparts - 1];

	if (!(p->opaque = llmk__strdup(opaque))) {
		part_free(p);
		m->nparts--;
		return req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	p->wire = wire;
	return LLMK_OK;
}

llmk_status llmk_request_add_part(llmk_request *r, int32_t type, const char *text, const char *detail, const char *id,
                                  const char *opaque, int64_t wire)
{
	llmk__message *m;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if (!(m = last_message(r, "add_part")))
		return LLMK_E_INVALID_ARG;
	if ((opaque || wire) && (!one_bit(wire) || type == LLMK_PART_IMAGE_URL || type == LLMK_PART_DOCUMENT ||
	                         (!opaque && type != LLMK_PART_REASONING)))
		return req_err(
		        r, LLMK_E_INVALID_ARG,
		        "opaque state needs the wire format it belongs to (one LLMK_FEATURE_* bit) and goes with "
		        "text, tool-call and reasoning parts");
	switch (type) {
	case LLMK_PART_TEXT: st = llmk_request_add_text(r, text); break;
	case LLMK_PART_IMAGE_URL: return llmk_request_add_image_url(r, text, detail);
	case LLMK_PART_DOCUMENT: {
		char *url;
		if (!text ||
		    (strncmp(text, "data:application/pdf;base64,", 28) &&
		     strncmp(text, "data:text/plain;base64,", 23)) ||
		    !detail || !valid_doc_name(detail))
			return req_err(r, LLMK_E_INVALID_ARG,
			               "a document part is a PDF or text/plain base64 data: URL and a "
			               "file name");
		if (!(url = llmk__strdup(text)))
			return req_err(r, LLMK_E_NOMEM, "out of memory");
		return add_document_part(r, url, detail);
	}
	case LLMK_PART_TOOL_CALL: st = llmk_request_add_tool_call(r, id, detail, text); break;
	case LLMK_PART_REASONING:
		if (m->role != LLMK_ROLE_ASSISTANT)
			return req_err(r, LLMK_E_INVALID_ARG, "reasoning belongs to assistant messages");
		if (!wire)
			return req_err(r, LLMK_E_INVALID_ARG, "a reasoning part needs the wire format it belongs to");
		st = turn_part(r, m, LLMK_PART_REASONING, text, text ? strlen(text) : 0, NULL, wire);
		break;
	default: return req_err(r, LLMK_E_INVALID_ARG, "unknown part type %d", (int)type);
	}
	if (st != LLMK_OK || !opaque)
		return st;
	return add_opaque(r, m, opaque, wire);
}
