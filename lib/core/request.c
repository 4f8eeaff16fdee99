/* Request: the provider-neutral description of what to ask. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "json.h"
#include "options.h"
#include "request.h"
#include "request_build.h"
#include "response.h"
#include "url.h"
#include "utf8.h"

llmk_status llmk__req_err(llmk_request *r, llmk_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
	return st;
}

const char *llmk__req_kind_name(int32_t kind)
{
	switch (kind) {
	case LLMK_CHAT: return "chat";
	case LLMK_EMBED: return "embed";
	case LLMK_IMAGE: return "image";
	case LLMK_TRANSCRIBE: return "transcribe";
	case LLMK_SPEECH: return "speech";
	case LLMK_RERANK: return "rerank";
	case LLMK_MODERATE: return "moderate";
	default: return "unknown";
	}
}

llmk_status llmk_request_new(llmk_request **out, int32_t kind)
{
	llmk_request *r;

	if (!out)
		return LLMK_E_INVALID_ARG;
	*out = NULL;
	if (kind < LLMK_CHAT || kind > LLMK_MODERATE)
		return LLMK_E_INVALID_ARG;
	r = llmk__calloc(1, sizeof(*r));
	if (!r)
		return LLMK_E_NOMEM;
	r->kind = kind;
	*out = r;
	return LLMK_OK;
}

void llmk__req_part_free(llmk__part *p)
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
			llmk__req_part_free(&r->msgs[i].parts[j]);
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
	llmk__request_media_free(r);
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
int llmk__req_grow(void **arr, size_t *cap, size_t len, size_t size)
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

llmk_status llmk__req_check_json(llmk_request *r, const char *what, const char *text, int want_object)
{
	json_error_t err;
	json_t *j;

	llmk__oom_reset();
	j = llmk__json_loads(text, JSON_DECODE_ANY | LLMK_JSON_STRICT_NUMBERS, &err);
	if (!j && llmk__oom_seen())
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory reading %s", what);
	if (!j)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "%s is not valid JSON: %s (line %d, column %d)", what,
		                     err.text, err.line, err.column);
	if (want_object && !json_is_object(j)) {
		json_decref(j);
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "%s must be a JSON object", what);
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
	/* Image and audio vocabularies: OpenAI spec v2.3.0 (CreateImageRequest,
	 * CreateImageEditRequest, CreateTranscriptionRequest, CreateSpeechRequest). */
	static const char *const grains[] = {"word", "segment", "word,segment", "segment,word", NULL};
	static const char *const oformats[] = {"png", "jpeg", "webp", NULL};
	static const char *const backgrounds[] = {"transparent", "opaque", "auto", NULL};
	static const char *const moderations[] = {"low", "auto", NULL};
	static const char *const fidelities[] = {"high", "low", NULL};
	static const char *const sformats[] = {"audio", "sse", NULL};

	(void)details;
	switch (opt) {
	case LLMK_OPT_RESPONSE_FORMAT:
		if (!one_of(v, formats))
			return llmk__req_err(
			        r, LLMK_E_INVALID_ARG,
			        "response_format must be 'text' or 'json_object' (use json_schema for a schema)");
		break;
	case LLMK_OPT_TRANSCRIPT_FORMAT:
		if (!one_of(v, tformats))
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "transcript_format must be json, text, verbose_json, srt or vtt");
		break;
	case LLMK_OPT_AUDIO_FORMAT:
		if (!one_of(v, aformats))
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "audio_format must be mp3, wav, pcm, opus, aac or flac");
		break;
	case LLMK_OPT_IMAGE_RESPONSE_FORMAT:
		if (!one_of(v, iformats))
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "image_response_format must be 'b64_json' or 'url'");
		break;
	case LLMK_OPT_EMBED_INPUT_TYPE:
		if (!one_of(v, itypes))
			return llmk__req_err(
			        r, LLMK_E_INVALID_ARG,
			        "embed_input_type must be search_document, search_query, classification or clustering");
		break;
	case LLMK_OPT_REASONING_EFFORT:
		if (!one_of(v, efforts))
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "reasoning_effort must be none, minimal, low, medium, high, xhigh or max");
		break;
	case LLMK_OPT_CACHE_SYSTEM:
	case LLMK_OPT_CACHE_TOOLS:
	case LLMK_OPT_CACHE_MESSAGES:
		if (strcmp(v, "5m") && strcmp(v, "1h"))
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "%s must be 5m or 1h (how long the cached prefix lives)",
			                     llmk_option_name(opt));
		break;
	case LLMK_OPT_PROMPT_CACHE_RETENTION:
		if (strcmp(v, "in_memory") && strcmp(v, "24h"))
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "prompt_cache_retention must be in_memory or 24h");
		break;
	case LLMK_OPT_REASONING_SUMMARY:
		if (!one_of(v, summaries))
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "reasoning_summary must be auto, concise or detailed");
		break;
	case LLMK_OPT_TIMESTAMPS:
		if (!one_of(v, grains))
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "timestamps must be word, segment or word,segment");
		break;
	case LLMK_OPT_IMAGE_OUTPUT_FORMAT:
		if (!one_of(v, oformats))
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "image_output_format must be png, jpeg or webp");
		break;
	case LLMK_OPT_IMAGE_BACKGROUND:
		if (!one_of(v, backgrounds))
			return llmk__req_err(r, LLMK_E_INVALID_ARG,
			                     "image_background must be transparent, opaque or auto");
		break;
	case LLMK_OPT_IMAGE_MODERATION:
		if (!one_of(v, moderations))
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "image_moderation must be low or auto");
		break;
	case LLMK_OPT_IMAGE_INPUT_FIDELITY:
		if (!one_of(v, fidelities))
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "image_input_fidelity must be high or low");
		break;
	case LLMK_OPT_STREAM_FORMAT:
		if (!one_of(v, sformats))
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "stream_format must be audio or sse");
		break;
	case LLMK_OPT_CHUNKING:
		if (strcmp(v, "auto"))
			return llmk__req_check_json(r, "chunking (auto, or a server_vad JSON object)", v, 1);
		break;
	case LLMK_OPT_JSON_SCHEMA: return llmk__req_check_json(r, "json_schema", v, 1);
	case LLMK_OPT_MODEL: /* a URL path segment for some providers */
		if (llmk__value_check("option 'model'", v, r->errmsg, sizeof(r->errmsg)))
			return LLMK_E_INVALID_ARG;
		/* fall through */
	case LLMK_OPT_TOOL_CHOICE:
	case LLMK_OPT_JSON_SCHEMA_NAME:
	case LLMK_OPT_PREVIOUS_RESPONSE_ID:
	case LLMK_OPT_CACHED_CONTENT:
	case LLMK_OPT_PROMPT_CACHE_KEY:
		if (!*v)
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "option '%s' must not be empty",
			                     llmk_option_name(opt));
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
		return llmk__req_err(
		        r, LLMK_E_INVALID_ARG,
		        "http_header must be \"Name: value\" (a token name, no control characters in the value)");
	}
	if (r->nheaders == LLMK_MAX_REQ_HEADERS) {
		llmk__free(copy);
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "at most %d http_header values", LLMK_MAX_REQ_HEADERS);
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
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
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
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "at most %d stop sequences", LLMK_MAX_STOP);
		}
		r->stops[r->nstops++] = copy;
		return LLMK_OK;
	}
	slot = llmk__option_slot(opt);
	llmk__free(r->str[slot]);
	r->str[slot] = copy;
	return LLMK_OK;
}

/* The ranges of the image, audio and choice options (OpenAI spec v2.3.0:
 * n 1..128, top_logprobs 0..20, output_compression 0..100, partial_images
 * 0..3); 0 for an option without one here. */
static int int_range(int32_t opt, int64_t *lo, int64_t *hi)
{
	switch (opt) {
	case LLMK_OPT_CHOICES: *lo = 1, *hi = 128; return 1;
	case LLMK_OPT_LOGPROBS:
	case LLMK_OPT_TRANSLATE: *lo = 0, *hi = 1; return 1;
	case LLMK_OPT_TOP_LOGPROBS: *lo = 0, *hi = 20; return 1;
	case LLMK_OPT_IMAGE_COMPRESSION: *lo = 0, *hi = 100; return 1;
	case LLMK_OPT_PARTIAL_IMAGES: *lo = 0, *hi = 3; return 1;
	default: return 0;
	}
}

llmk_status llmk_request_set_i64(llmk_request *r, int32_t opt, int64_t value)
{
	llmk_status st;
	int64_t lo, hi;
	int slot;

	if (!r)
		return LLMK_E_INVALID_ARG;
	st = check_opt(r, opt, LLMK_TYPE_I64);
	if (st)
		return st;
	if ((opt == LLMK_OPT_MAX_TOKENS || opt == LLMK_OPT_DIMENSIONS || opt == LLMK_OPT_IMAGE_COUNT ||
	     opt == LLMK_OPT_TOP_K) &&
	    value < 1)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "option '%s' must be at least 1", llmk_option_name(opt));
	if (((opt == LLMK_OPT_DROP_UNSUPPORTED || opt == LLMK_OPT_STORE || opt == LLMK_OPT_STRICT_TOOLS) &&
	     value != 0 && value != 1) ||
	    (opt == LLMK_OPT_REASONING_BUDGET && value < 0))
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "option '%s' must be %s", llmk_option_name(opt),
		                     opt == LLMK_OPT_REASONING_BUDGET ? "at least 0" : "0 or 1");
	if (opt == LLMK_OPT_IMAGE_COUNT && value > 10)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "image_count must be at most 10");
	if (int_range(opt, &lo, &hi) && (value < lo || value > hi))
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "option '%s' must be between %lld and %lld",
		                     llmk_option_name(opt), (long long)lo, (long long)hi);
	if (opt == LLMK_OPT_CACHE && value > 2)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "option 'cache' must be 0, 1 or 2");
	if (LLMK__IS_CACHE_OPT(opt)) {
		if (value < 0)
			return llmk__req_err(r, LLMK_E_INVALID_ARG, "option '%s' must not be negative",
			                     llmk_option_name(opt));
		llmk__cache_opt_set(&r->cache_opts, opt, value);
		return LLMK_OK;
	}
	slot = llmk__option_slot(opt);
	r->i64[slot] = value;
	r->i64_set |= UINT64_C(1) << slot;
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
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "option '%s' must be between %g and %g",
		                     llmk_option_name(opt), lo, hi);
	slot = llmk__option_slot(opt);
	r->f64[slot] = value;
	r->f64_set |= UINT64_C(1) << slot;
	return LLMK_OK;
}

const char *llmk__req_str(const llmk_request *r, int32_t opt)
{
	int slot = opt / 1000 == LLMK_TYPE_STR ? llmk__option_slot(opt) : -1;
	return slot >= 0 ? r->str[slot] : NULL;
}

int llmk__req_i64(const llmk_request *r, int32_t opt, int64_t *out)
{
	int slot = opt / 1000 == LLMK_TYPE_I64 ? llmk__option_slot(opt) : -1;

	if (LLMK__IS_CACHE_OPT(opt))
		return llmk__cache_opt_get(&r->cache_opts, opt, out);
	if (slot < 0 || !(r->i64_set & (UINT64_C(1) << slot)))
		return 0;
	*out = r->i64[slot];
	return 1;
}

int llmk__req_f64(const llmk_request *r, int32_t opt, double *out)
{
	int slot = opt / 1000 == LLMK_TYPE_F64 ? llmk__option_slot(opt) : -1;

	if (slot < 0 || !(r->f64_set & (UINT64_C(1) << slot)))
		return 0;
	*out = r->f64[slot];
	return 1;
}
