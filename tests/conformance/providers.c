/* Conformance of the native and preset adapters against their providers'
 * official OpenAPI specs, validated by Prism: Mistral, Ollama, Cohere, TGI
 * and Gemini (tests/conformance/README.md, "Other providers").
 *
 * Run by tests/conformance/run_providers.sh, which starts one Prism mock
 * server per spec on 127.0.0.1 and passes, for TAG in MISTRAL, OLLAMA,
 * COHERE, TGI, GEMINI:
 *   LLMK_PRISM_<TAG>_URL   Prism serving that provider's spec (http://127.0.0.1:PORT)
 *   LLMK_PRISM_<TAG>_SPEC  the spec as JSON (YAML specs converted by the script)
 *   LLMK_SHARED_DATA       shared/data (for audio/jfk.wav)
 *
 * Public API only. For each provider the requests follow what the library
 * says the provider serves (llmk_provider_capabilities(),
 * llmk_provider_supports_option()): every kind, every chat feature (tools
 * with a tool-call round trip, images, JSON output, streams) and every
 * option the provider honours. Each request is
 *
 *  accepted  sent by the library's own libcurl transport to Prism, which
 *            answers 422 listing the violations when the request does not
 *            conform to the spec. It must get a 2xx with no request
 *            violation in sl-violations (streams: the error Prism gives
 *            when it cannot mock the stream, after validation passed; see
 *            accepted()). A 422 passes only if every violation is a listed
 *            gap in the spec (`spec_gaps`). Whether Prism's mocked answer
 *            parses is recorded; where it cannot, `parse_notes` says why.
 *
 *  fields    sent again through a test transport (raw libcurl) that records
 *            the body as built: every member at every depth must be
 *            declared by the spec's request schema at its place. Prism
 *            cannot see undeclared members where the schemas leave objects
 *            open (most of these specs). Members the provider documents but
 *            its spec lacks are listed per provider (`newer`): reported, not
 *            failed. A self-test per provider proves misspelt members are
 *            found.
 *
 *  rejected  negative controls: the test transport corrupts a body the
 *            library built (a required member removed, a wrong type, a
 *            value outside an enum, a multipart part dropped or changed).
 *            The same request uncorrupted must be accepted; corrupted it
 *            must get 422 with a violation naming the corrupted member.
 *            This proves each Prism instance validates, also for streams.
 *
 * A request the spec rejects is an adapter bug: fix the adapter, never this
 * test (README.md lists the ones found so far). A provider whose adapter is not
 * compiled in (llmk_provider_capabilities() answers -1), or whose Prism URL
 * is not given, is skipped. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fnmatch.h>

#include <curl/curl.h>
#include <jansson.h>

#include "llmkit.h"

#define FAKE_KEY "test-prism-key-0000000000000000000000"
#define OK(x) assert_int_equal((x), LLMK_OK)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t *wav;
static size_t wav_len;

/* A 1x1 transparent PNG. */
static const uint8_t png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
	0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d,
	0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

/* ==== providers =========================================================== */

typedef struct prov {
	const char *name;   /* provider, as in "name/model" */
	const char *tag;    /* LLMK_PRISM_<tag>_URL / _SPEC */
	const char *prefix; /* path prefix of the spec's paths, part of the base URL */
	const char *chat_model, *vision_model, *embed_model, *image_model, *transcribe_model;
	/* Members the spec does not declare but the provider's API reference
	 * documents (the spec lags behind the API): dotted paths, array indices
	 * dropped. Reported, not failed; each has its reason in
	 * tests/conformance/README.md. */
	const char *newer[8];
	/* filled in by main() */
	char base[512];
	json_t *spec;
	int adapter; /* compiled in */
} prov;

static prov provs[] = {
	{"mistral", "MISTRAL", "/v1", "mistral-small-latest", "pixtral-12b-2409", "mistral-embed", NULL,
	 "voxtral-mini-latest", {NULL}, "", NULL, 0},
	/* ChatMessage in Ollama's spec lacks tool_name, which its API docs
	 * (docs/api.md, tool calling) and server (api.Message.ToolName) use to
	 * tie a tool result to its call. */
	{"ollama", "OLLAMA", "", "llama3.2", "llava", "nomic-embed-text", NULL, NULL, {"messages.tool_name", NULL}, "",
	 NULL, 0},
	{"cohere", "COHERE", "", "command-a-03-2025", "command-a-vision-07-2025", "embed-v4.0", NULL, NULL, {NULL}, "",
	 NULL, 0},
	{"tgi", "TGI", "", "tgi", "tgi", NULL, NULL, NULL, {NULL}, "", NULL, 0},
	/* The Gemini spec (v1beta, as published) predates these
	 * GenerationConfig members, which the adapter sends on purpose (see
	 * the header of lib/providers/gemini.c and ai.google.dev's reference),
	 * and Schema.minimum (in the current API reference's Schema). */
	{"gemini", "GEMINI", "/v1beta", "gemini-2.5-flash", "gemini-2.5-flash", "gemini-embedding-001",
	 "gemini-2.5-flash-image",
	 NULL,
	 {"generationConfig.seed", "generationConfig.thinkingConfig", "generationConfig.responseJsonSchema",
	  "generationConfig.responseModalities", "tools.functionDeclarations.parameters*.minimum", NULL},
	 "", NULL, 0},
};

/* ==== request variants ==================================================== */

enum feat {
	F_CHAT_PLAIN,     /* system + user */
	F_CHAT_ROLES,     /* developer message, user of two text parts, assistant turn */
	F_CHAT_OPTIONS,   /* every sampling / reasoning option the provider honours */
	F_CHAT_TOOLS,     /* two tools, tool_choice auto, tool call + tool result in history */
	F_CHAT_TOOL_REQ,  /* tool_choice required */
	F_CHAT_TOOL_NAME, /* one tool, forced by name */
	F_CHAT_TOOL_NONE, /* tool_choice none */
	F_CHAT_IMAGE,     /* user text + inline PNG (llmk_request_add_image_data) */
	F_CHAT_IMAGE_URL, /* user text + image by https URL */
	F_CHAT_JSON,      /* response_format json_object */
	F_CHAT_SCHEMA,    /* json_schema + name */
	F_CHAT_STREAM,    /* F_CHAT_OPTIONS through llmk_stream */
	F_EMBED_ONE,      /* one input */
	F_EMBED_BATCH,    /* three inputs + options */
	F_IMAGE,          /* prompt */
	F_TRANSCRIBE,     /* jfk.wav + options */
	NFEAT
};

static const char *const feat_names[NFEAT] = {
	"chat (plain)",          "chat (roles)",        "chat (options)",        "chat (tools, round trip)",
	"chat (tool required)",  "chat (tool by name)", "chat (tool none)",      "chat (inline image)",
	"chat (image URL)",      "chat (json_object)",  "chat (json_schema)",    "chat (stream)",
	"embed (one)",           "embed (batch)",       "image",                 "transcribe (jfk.wav)"};

static int supports(const prov *p, int32_t opt)
{
	return llmk_provider_supports_option(p->name, opt) == 1;
}

static int64_t caps(const prov *p, int kind)
{
	int64_t c = llmk_provider_capabilities(p->name, kind);
	return c < 0 ? 0 : c;
}

/* Does the provider serve this variant? */
static int applies(const prov *p, int f)
{
	int64_t chat = caps(p, LLMK_CHAT), embed = caps(p, LLMK_EMBED);

	switch (f) {
	case F_CHAT_PLAIN:
	case F_CHAT_ROLES:
	case F_CHAT_OPTIONS:
		return (chat & LLMK_CAP_KIND) != 0;
	case F_CHAT_TOOLS:
		return (chat & LLMK_CAP_TOOLS) != 0;
	case F_CHAT_TOOL_REQ:
	case F_CHAT_TOOL_NAME:
	case F_CHAT_TOOL_NONE:
		return (chat & LLMK_CAP_TOOLS) && supports(p, LLMK_OPT_TOOL_CHOICE);
	case F_CHAT_IMAGE:
		return (chat & LLMK_CAP_VISION) != 0;
	case F_CHAT_IMAGE_URL:
		return (chat & LLMK_CAP_VISION) && (chat & LLMK_CAP_IMAGE_URL);
	case F_CHAT_JSON:
		return (chat & LLMK_CAP_JSON_MODE) != 0;
	case F_CHAT_SCHEMA:
		return (chat & LLMK_CAP_JSON_SCHEMA) != 0;
	case F_CHAT_STREAM:
		return (chat & LLMK_CAP_STREAM) != 0;
	case F_EMBED_ONE:
		return (embed & LLMK_CAP_KIND) != 0;
	case F_EMBED_BATCH:
		return (embed & LLMK_CAP_BATCH) != 0;
	case F_IMAGE:
		return (caps(p, LLMK_IMAGE) & LLMK_CAP_KIND) != 0;
	default:
		return (caps(p, LLMK_TRANSCRIBE) & LLMK_CAP_KIND) != 0;
	}
}

/* Option setters that set only what the provider honours. */
static void opt_str(const prov *p, llmk_request *r, int32_t opt, const char *v)
{
	if (supports(p, opt))
		OK(llmk_request_set_str(r, opt, v));
}

static void opt_i64(const prov *p, llmk_request *r, int32_t opt, int64_t v)
{
	if (supports(p, opt))
		OK(llmk_request_set_i64(r, opt, v));
}

static void opt_f64(const prov *p, llmk_request *r, int32_t opt, double v)
{
	if (supports(p, opt))
		OK(llmk_request_set_f64(r, opt, v));
}

/* JSON Schema as callers write it for OpenAI-style tools: with a numeric
 * bound and additionalProperties (which OpenAI's strict mode requires). */
static const char weather_params[] =
        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"description\":\"city name\"},"
        "\"days\":{\"type\":\"integer\",\"minimum\":1}},\"required\":[\"city\"],\"additionalProperties\":false}";

static void add_tools_history(llmk_request *r)
{
	OK(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You are terse."));
	OK(llmk_request_add_message(r, LLMK_ROLE_USER, "What is the weather in Paris?"));
	OK(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Let me look that up."));
	OK(llmk_request_add_tool_call(r, "call_1", "weather", "{\"city\":\"Paris\"}"));
	OK(llmk_request_add_tool_result(r, "call_1", "{\"forecast\":\"sunny\",\"celsius\":21}"));
	OK(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Sunny, 21 degrees."));
	OK(llmk_request_add_message(r, LLMK_ROLE_USER, "And tomorrow?"));
	OK(llmk_request_add_tool(r, "weather", "Weather forecast for a city", weather_params));
	OK(llmk_request_add_tool(r, "now", "Current time", NULL));
}

static llmk_request *make(const prov *p, int f)
{
	llmk_request *r;

	switch (f) {
	case F_CHAT_PLAIN:
		OK(llmk_request_new(&r, LLMK_CHAT));
		OK(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You are terse."));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "Say hello."));
		break;
	case F_CHAT_ROLES:
		OK(llmk_request_new(&r, LLMK_CHAT));
		OK(llmk_request_add_message(r, LLMK_ROLE_DEVELOPER, "Answer in one word."));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "First part."));
		OK(llmk_request_add_text(r, "Second part."));
		OK(llmk_request_add_message(r, LLMK_ROLE_ASSISTANT, "Noted."));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "Go on."));
		break;
	case F_CHAT_OPTIONS:
	case F_CHAT_STREAM:
		OK(llmk_request_new(&r, LLMK_CHAT));
		OK(llmk_request_add_message(r, LLMK_ROLE_SYSTEM, "You are terse."));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "Count to three."));
		opt_f64(p, r, LLMK_OPT_TEMPERATURE, 0.3);
		opt_f64(p, r, LLMK_OPT_TOP_P, 0.9);
		opt_i64(p, r, LLMK_OPT_TOP_K, 40);
		opt_i64(p, r, LLMK_OPT_MAX_TOKENS, 100);
		opt_i64(p, r, LLMK_OPT_SEED, 7);
		if (supports(p, LLMK_OPT_STOP)) {
			OK(llmk_request_set_str(r, LLMK_OPT_STOP, "END"));
			OK(llmk_request_set_str(r, LLMK_OPT_STOP, "\n\n"));
		}
		opt_f64(p, r, LLMK_OPT_FREQUENCY_PENALTY, 0.5);
		opt_f64(p, r, LLMK_OPT_PRESENCE_PENALTY, 0.25);
		opt_str(p, r, LLMK_OPT_REASONING_EFFORT, "low");
		opt_i64(p, r, LLMK_OPT_REASONING_BUDGET, 1024);
		opt_str(p, r, LLMK_OPT_USER, "user-1234");
		break;
	case F_CHAT_TOOLS:
		OK(llmk_request_new(&r, LLMK_CHAT));
		add_tools_history(r);
		opt_str(p, r, LLMK_OPT_TOOL_CHOICE, "auto");
		break;
	case F_CHAT_TOOL_REQ:
		OK(llmk_request_new(&r, LLMK_CHAT));
		add_tools_history(r);
		OK(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "required"));
		break;
	case F_CHAT_TOOL_NONE:
		OK(llmk_request_new(&r, LLMK_CHAT));
		add_tools_history(r);
		OK(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "none"));
		break;
	case F_CHAT_TOOL_NAME:
		OK(llmk_request_new(&r, LLMK_CHAT));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "What is the weather in Paris?"));
		OK(llmk_request_add_tool(r, "weather", "Weather forecast for a city", weather_params));
		OK(llmk_request_set_str(r, LLMK_OPT_TOOL_CHOICE, "weather"));
		break;
	case F_CHAT_IMAGE:
		OK(llmk_request_new(&r, LLMK_CHAT));
		OK(llmk_request_set_str(r, LLMK_OPT_MODEL, p->vision_model));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "What is in this picture?"));
		OK(llmk_request_add_image_data(r, png, sizeof(png), "image/png"));
		break;
	case F_CHAT_IMAGE_URL:
		OK(llmk_request_new(&r, LLMK_CHAT));
		OK(llmk_request_set_str(r, LLMK_OPT_MODEL, p->vision_model));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "What is in this picture?"));
		OK(llmk_request_add_image_url(r, "https://example.com/cat.png", NULL));
		break;
	case F_CHAT_JSON:
		OK(llmk_request_new(&r, LLMK_CHAT));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "Give me a JSON object with a key a."));
		OK(llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_object"));
		break;
	case F_CHAT_SCHEMA:
		OK(llmk_request_new(&r, LLMK_CHAT));
		OK(llmk_request_add_message(r, LLMK_ROLE_USER, "Give me a."));
		OK(llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA,
		                        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
		                        "\"required\":[\"a\"]}"));
		opt_str(p, r, LLMK_OPT_JSON_SCHEMA_NAME, "answer");
		break;
	case F_EMBED_ONE:
		OK(llmk_request_new(&r, LLMK_EMBED));
		OK(llmk_request_set_str(r, LLMK_OPT_MODEL, p->embed_model));
		OK(llmk_request_add_input(r, "only text"));
		break;
	case F_EMBED_BATCH:
		OK(llmk_request_new(&r, LLMK_EMBED));
		OK(llmk_request_set_str(r, LLMK_OPT_MODEL, p->embed_model));
		OK(llmk_request_add_input(r, "first text"));
		OK(llmk_request_add_input(r, "second text"));
		OK(llmk_request_add_input(r, "third text"));
		opt_i64(p, r, LLMK_OPT_DIMENSIONS, 256);
		opt_str(p, r, LLMK_OPT_EMBED_INPUT_TYPE, "search_query");
		opt_str(p, r, LLMK_OPT_USER, "user-1234");
		break;
	case F_IMAGE:
		OK(llmk_request_new(&r, LLMK_IMAGE));
		OK(llmk_request_set_str(r, LLMK_OPT_MODEL, p->image_model));
		OK(llmk_request_set_str(r, LLMK_OPT_PROMPT, "a lighthouse at dusk"));
		opt_str(p, r, LLMK_OPT_IMAGE_SIZE, "1024x1024");
		opt_i64(p, r, LLMK_OPT_IMAGE_COUNT, 1);
		break;
	default:
		OK(llmk_request_new(&r, LLMK_TRANSCRIBE));
		OK(llmk_request_set_str(r, LLMK_OPT_MODEL, p->transcribe_model));
		OK(llmk_request_set_audio(r, wav, wav_len, "jfk.wav", "audio/wav"));
		opt_str(p, r, LLMK_OPT_LANGUAGE, "en");
		opt_f64(p, r, LLMK_OPT_TEMPERATURE, 0.0);
		opt_str(p, r, LLMK_OPT_PROMPT, "A presidential speech.");
		opt_str(p, r, LLMK_OPT_TRANSCRIPT_FORMAT, "json");
		break;
	}
	return r;
}

static llmk_client *client(const prov *p)
{
	llmk_client *c;
	char model[128];

	snprintf(model, sizeof(model), "%s/%s", p->name, p->chat_model);
	OK(llmk_client_new(&c, model));
	OK(llmk_client_set_str(c, LLMK_OPT_BASE_URL, p->base));
	OK(llmk_client_set_str(c, LLMK_OPT_API_KEY, FAKE_KEY));
	OK(llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, 30000));
	return c;
}

static int32_t ignore_event(const llmk_event *e, void *u)
{
	(void)e;
	(void)u;
	return 0;
}

static llmk_status send_feat(llmk_client *c, const prov *p, int f, llmk_response **resp)
{
	llmk_request *r = make(p, f);
	llmk_status st;

	*resp = NULL;
	if (f == F_CHAT_STREAM)
		st = llmk_stream(c, r, ignore_event, NULL, resp);
	else
		st = llmk_send(c, r, resp);
	llmk_request_free(r);
	assert_non_null(*resp);
	return st;
}

/* ==== a test transport: raw libcurl, records and may corrupt the body ===== */

struct control;
typedef struct wire {
	const struct control *corrupt; /* NULL: send as built */
	llmk_exchange *ex;
	char *sent; /* the body as sent (NUL-terminated) */
	size_t sent_len;
	char ctype[256];
	char url[2048];
} wire;

static char *corrupt_body(const struct control *ctl, const char *body, size_t len, size_t *out_len);

static const char *mem_find(const void *hay, size_t hn, const void *needle, size_t nn)
{
	const char *h = hay;
	size_t i;

	for (i = 0; nn && i + nn <= hn; i++)
		if (!memcmp(h + i, needle, nn))
			return h + i;
	return NULL;
}

static size_t wire_write(char *p, size_t s, size_t n, void *u)
{
	wire *w = u;
	return llmk_exchange_write(w->ex, (const uint8_t *)p, s * n) ? 0 : s * n;
}

static size_t wire_header(char *p, size_t s, size_t n, void *u)
{
	wire *w = u;
	size_t len = s * n;
	char name[256], value[2048];
	const char *colon, *sp;

	if (len > 12 && !strncmp(p, "HTTP/", 5)) {
		sp = memchr(p, ' ', len);
		if (sp && atoi(sp + 1) >= 200) /* not 1xx */
			llmk_exchange_set_status(w->ex, atoi(sp + 1));
		return len;
	}
	colon = memchr(p, ':', len);
	if (colon && (size_t)(colon - p) < sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
		colon++;
		while (*colon == ' ')
			colon++;
		snprintf(value, sizeof(value), "%.*s", (int)(p + len - colon), colon);
		value[strcspn(value, "\r\n")] = 0;
		llmk_exchange_add_header(w->ex, name, value);
	}
	return len;
}

static int32_t wire_send(llmk_exchange *ex, void *user)
{
	wire *w = user;
	CURL *h = curl_easy_init();
	struct curl_slist *hl = NULL;
	char line[4096], err[CURL_ERROR_SIZE] = "";
	size_t len, i;
	const uint8_t *b = llmk_exchange_body(ex, &len);
	char *m = NULL;
	CURLcode rc;

	assert_non_null(h);
	w->ex = ex;
	free(w->sent);
	if (w->corrupt && (m = corrupt_body(w->corrupt, (const char *)b, len, &w->sent_len)))
		w->sent = m;
	else {
		w->sent = malloc(len + 1);
		memcpy(w->sent, b, len);
		w->sent_len = len;
	}
	w->sent[w->sent_len] = 0;
	w->ctype[0] = 0;
	snprintf(w->url, sizeof(w->url), "%s", llmk_exchange_url(ex));
	for (i = 0; i < llmk_exchange_header_count(ex); i++) {
		const char *hn = llmk_exchange_header_name(ex, i), *hv = llmk_exchange_header_value(ex, i);
		snprintf(line, sizeof(line), "%s: %s", hn, hv);
		hl = curl_slist_append(hl, line);
		if (!strcasecmp(hn, "Content-Type"))
			snprintf(w->ctype, sizeof(w->ctype), "%s", hv);
	}
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, llmk_exchange_url(ex));
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, llmk_exchange_method(ex));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, w->sent);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)w->sent_len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, wire_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, wire_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, w);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	rc = curl_easy_perform(h);
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	if (rc == CURLE_OK)
		return LLMK_OK;
	llmk_exchange_set_error(ex, err[0] ? err : curl_easy_strerror(rc));
	return LLMK_E_TRANSPORT;
}

static llmk_client *wire_client(const prov *p, wire *w)
{
	llmk_client *c = client(p);
	llmk_transport t;

	llmk_transport_init(&t);
	t.send = wire_send;
	OK(llmk_client_set_transport(c, &t, w));
	return c;
}

/* ==== printing ============================================================ */

/* Prints a body for a failure message: JSON as is; multipart with the file
 * data elided; other non-printable bytes as counts. */
static void print_text(const char *p, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];
		if ((ch >= 0x20 && ch < 0x7f) || ch == '\n' || ch == '\r' || ch == '\t') {
			if (run)
				fprintf(stderr, "[%zu binary bytes]", run);
			run = 0;
			fputc(ch, stderr);
		} else {
			run++;
		}
	}
	if (run)
		fprintf(stderr, "[%zu binary bytes]", run);
}

static void print_body(const char *what, const char *body, size_t len)
{
	const char *fn, *data, *next;
	size_t blen;

	fprintf(stderr, "%s (%zu bytes):\n", what, len);
	blen = strcspn(body, "\r\n");
	fn = len > 2 && !memcmp(body, "--", 2) ? mem_find(body, len, "; filename=\"", 12) : NULL;
	data = fn ? mem_find(fn, len - (size_t)(fn - body), "\r\n\r\n", 4) : NULL;
	next = data ? mem_find(data, len - (size_t)(data - body), body, blen) : NULL;
	if (next) {
		data += 4;
		print_text(body, (size_t)(data - body));
		fprintf(stderr, "[%zu bytes of file data]\r\n", (size_t)(next - data) - 2);
		print_text(next, len - (size_t)(next - body));
	} else {
		print_text(body, len);
	}
	fputc('\n', stderr);
}

/* The violations Prism found in the request. Prism lists them in its 422
 * body ({"validation": [{"location": ["request", "body", "messages", "0"],
 * "severity": "Error", "code": ..., "message": ...}, ...]}), except where
 * the spec defines its own 422 answer (Mistral's HTTPValidationError): then
 * it serves that answer's example and lists the violations only in the
 * sl-violations header (same array). The header also lists what is wrong
 * with Prism's own mocked answer (location "response"): those are left
 * out. Returns a new array. */
static json_t *request_violations(llmk_response *resp)
{
	const char *hv = llmk_response_header(resp, "sl-violations"), *raw, *first;
	json_t *out = json_array(), *root = NULL, *body, *x, *c;
	size_t i, len;

	raw = llmk_response_http_status(resp) == 422 ? llmk_response_raw(resp, &len) : NULL;
	body = raw ? json_loadb(raw, len, 0, NULL) : NULL;
	if (json_is_array(json_object_get(body, "validation"))) {
		/* locations here lack the leading "request" */
		json_array_foreach(json_object_get(body, "validation"), i, x)
		{
			c = json_deep_copy(x);
			json_array_insert_new(json_object_get(c, "location"), 0, json_string("request"));
			json_array_append_new(out, c);
		}
	} else if (hv && (root = json_loads(hv, 0, NULL))) {
		json_array_foreach(root, i, x)
		{
			first = json_string_value(json_array_get(json_object_get(x, "location"), 0));
			if (first && !strcmp(first, "request"))
				json_array_append(out, x);
		}
	}
	json_decref(root);
	json_decref(body);
	return out;
}

static void violation_text(json_t *x, char *out, size_t sz)
{
	json_t *y;
	size_t j, l;

	out[0] = 0;
	json_array_foreach(json_object_get(x, "location"), j, y)
	{
		l = strlen(out);
		snprintf(out + l, sz - l, "%s%s", j ? "." : "", json_string_value(y));
	}
	l = strlen(out);
	snprintf(out + l, sz - l, ": %s (%s)", json_string_value(json_object_get(x, "message")),
	         json_string_value(json_object_get(x, "severity")));
}

/* Prints the request's violations, one per line; returns how many. */
static int print_violations(llmk_response *resp)
{
	json_t *v = request_violations(resp), *x;
	char line[2048];
	size_t i;
	int n = (int)json_array_size(v);

	json_array_foreach(v, i, x)
	{
		violation_text(x, line, sizeof(line));
		fprintf(stderr, "  violation: %s\n", line);
	}
	json_decref(v);
	return n;
}

/* Counts the sl-violations about Prism's own answer (listed with
 * LLMK_CONFORMANCE_VERBOSE=1): they concern the spec's examples, not the
 * request. */
static void note_response_violations(const prov *p, int f, llmk_response *resp)
{
	const char *hv = llmk_response_header(resp, "sl-violations");
	json_t *root, *x;
	size_t i;
	int n = 0;

	if (!hv)
		return;
	root = json_loads(hv, 0, NULL);
	json_array_foreach(root, i, x)
	{
		const char *first = json_string_value(json_array_get(json_object_get(x, "location"), 0));
		if (!first || strcmp(first, "response"))
			continue;
		n++;
		if (getenv("LLMK_CONFORMANCE_VERBOSE"))
			fprintf(stderr, "  Prism's answer: %s\n", json_string_value(json_object_get(x, "message")));
	}
	if (n)
		fprintf(stderr, "note: %s: %s: Prism's mocked answer itself breaks the spec in %d place(s)\n", p->name,
		        feat_names[f], n);
	json_decref(root);
}

/* ==== gaps in the specs =================================================== */

/* Violations that are the spec's fault, not the request's: the provider's
 * API reference documents the value, or the spec's own schema cannot accept
 * any value. A 422 passes only when every violation Prism lists is one of
 * these (exact location, message containing `message`); anything else in
 * the same request still fails. */
static const struct spec_gap {
	const char *provider;
	int feat; /* -1: any variant */
	const char *location;
	const char *message;
	const char *why;
} spec_gaps[] = {
	/* ResponseFormatV2 is oneOf ChatTextResponseFormatV2 /
	 * JsonResponseFormatV2 with a discriminator on "type"; both branches
	 * take "type" from the same enum [text, json_object] and allow other
	 * members, so every value matches both and plain oneOf (Prism does not
	 * apply discriminators) rejects them all, {"type": "text"} included. */
	{"cohere", -1, "request.body.response_format", "must match exactly one schema in oneOf",
	 "Cohere's spec: both ResponseFormatV2 branches match any value (discriminator ignored by Prism)"},
	/* Streaming is ?alt=sse (ai.google.dev, "generate a text stream"); the
	 * spec's shared "alt" parameter lists only json, media, proto. */
	{"gemini", F_CHAT_STREAM, "request.query.alt", "must be equal to one of the allowed values: json, media, proto",
	 "Gemini's spec: alt lacks \"sse\", which the API documents for streaming"},
};

static const struct spec_gap *spec_gap(const prov *p, int f, json_t *violation)
{
	char where[1024], *colon;
	const char *msg = json_string_value(json_object_get(violation, "message"));
	size_t i;

	violation_text(violation, where, sizeof(where));
	if ((colon = strstr(where, ": ")))
		*colon = 0;
	for (i = 0; i < N(spec_gaps); i++) {
		const struct spec_gap *g = &spec_gaps[i];
		if (!strcmp(g->provider, p->name) && (g->feat == -1 || g->feat == f) && !strcmp(where, g->location) &&
		    msg && strstr(msg, g->message))
			return g;
	}
	return NULL;
}

/* ==== Prism's example answers ============================================= */

/* Where Prism's mocked answer (the spec's example, or one generated from the
 * schema) cannot be parsed by the library, the status it gives instead and
 * why. Anything not listed must parse (LLMK_OK). */
static const struct parse_note {
	const char *provider;
	int feat;
	llmk_status allowed;
	const char *why;
} parse_notes[] = {
	{"mistral", F_EMBED_ONE, LLMK_E_PROTOCOL, "the example has 2 vectors whatever the number of inputs"},
	{"mistral", F_EMBED_BATCH, LLMK_E_PROTOCOL, "the example has 2 vectors whatever the number of inputs"},
	{"ollama", F_EMBED_BATCH, LLMK_E_PROTOCOL, "the example has 1 vector whatever the number of inputs"},
	{"cohere", F_EMBED_BATCH, LLMK_E_PROTOCOL, "the answer generated from the schema has 1 vector"},
	{"gemini", F_EMBED_BATCH, LLMK_E_PROTOCOL, "the answer generated from the schema has 1 vector"},
	{"gemini", F_IMAGE, LLMK_E_PROTOCOL,
	 "the generated answer's inlineData.data is \"string\" (not base64 image data), so there is no image"},
};

static const struct parse_note *parse_note(const prov *p, int f)
{
	size_t i;

	for (i = 0; i < N(parse_notes); i++)
		if (!strcmp(parse_notes[i].provider, p->name) && parse_notes[i].feat == f)
			return &parse_notes[i];
	return NULL;
}

/* ==== did Prism accept the request? ======================================= */

/* Prism validates a request before it mocks the answer. For streams the
 * mocking then fails in ways that depend on the spec (each proved to come
 * after validation by a negative control on the stream variant, which gets
 * 422 instead):
 *   500 NO_COMPLEX_OBJECT_TEXT  a text/event-stream answer it cannot serialise (Mistral, TGI)
 *   500 "Cannot find serializer for application/x-ndjson"  (Ollama)
 *   406 NOT_ACCEPTABLE  the spec declares no text/event-stream answer (Cohere, Gemini)
 * Returns a description of how it was accepted, or NULL when it was not.
 * A 422 whose violations are all spec gaps counts as accepted. */
static const char *accepted(const prov *p, int f, llmk_response *resp)
{
	static char how[512];
	int http = llmk_response_http_status(resp);
	const char *raw = llmk_response_raw(resp, NULL);
	const struct spec_gap *g = NULL;
	json_t *viol, *x;
	size_t i;
	int all = 1;

	viol = request_violations(resp);
	if (http >= 200 && http <= 299 && !json_array_size(viol)) {
		json_decref(viol);
		return "2xx";
	}
	if (f == F_CHAT_STREAM && raw && !json_array_size(viol)) {
		if (http == 500 && strstr(raw, "NO_COMPLEX_OBJECT_TEXT"))
			return "validated, then 500 NO_COMPLEX_OBJECT_TEXT: Prism cannot mock the event stream";
		if (http == 500 && strstr(raw, "Cannot find serializer for application/x-ndjson"))
			return "validated, then 500: Prism cannot serialise application/x-ndjson";
		if (http == 406 && strstr(raw, "NOT_ACCEPTABLE"))
			return "validated, then 406: the spec declares no text/event-stream answer";
	}
	if (http != 422 || !json_array_size(viol)) {
		json_decref(viol);
		return NULL;
	}
	json_array_foreach(viol, i, x) if (!(g = spec_gap(p, f, x))) all = 0;
	json_decref(viol);
	if (!all)
		return NULL;
	snprintf(how, sizeof(how), "422 only for a gap in the spec: %s", g->why);
	return how;
}

/* ==== the spec: find the operation, check declared members ================ */

static json_t *cur_spec; /* the spec deref() resolves against */

static json_t *deref(json_t *s)
{
	char tok[256];
	const char *ref, *p, *e;
	int guard = 0;
	size_t i, j;

	while (json_is_object(s) && (ref = json_string_value(json_object_get(s, "$ref")))) {
		if (strncmp(ref, "#/", 2) || guard++ > 64)
			return NULL;
		s = cur_spec;
		for (p = ref + 2; s && *p; p = *e ? e + 1 : e) {
			e = p + strcspn(p, "/");
			for (i = j = 0; p + i < e && j < sizeof(tok) - 1; i++, j++) {
				if (p[i] == '~' && p + i + 1 < e) {
					tok[j] = p[i + 1] == '1' ? '/' : '~';
					i++;
				} else {
					tok[j] = p[i];
				}
			}
			tok[j] = 0;
			s = json_object_get(s, tok);
		}
	}
	return s;
}

/* Does template t ("/v1beta/models/{model}:generateContent") match path p?
 * A {parameter} matches one or more characters other than '/'. */
static int tmatch(const char *t, const char *p)
{
	const char *e, *q;

	if (*t == '{') {
		e = strchr(t, '}');
		if (!e || !*p || *p == '/')
			return 0;
		for (q = p + 1;; q++) {
			if (tmatch(e + 1, q))
				return 1;
			if (!*q || *q == '/')
				return 0;
		}
	}
	if (!*t)
		return !*p;
	return *t == *p && tmatch(t + 1, p + 1);
}

/* The spec's path template matching url (most literal characters win);
 * writes it to out. */
static json_t *find_operation(json_t *spec, const char *url, const char *method, char *out, size_t outsz)
{
	char path[2048], m[16];
	const char *s = strstr(url, "://"), *key;
	json_t *ops, *best = NULL;
	size_t i, lit, best_lit = 0;

	s = s ? strchr(s + 3, '/') : NULL;
	snprintf(path, sizeof(path), "%s", s ? s : "/");
	path[strcspn(path, "?#")] = 0;
	for (i = 0; method[i] && i < sizeof(m) - 1; i++)
		m[i] = (char)(method[i] | 0x20);
	m[i] = 0;
	json_object_foreach(json_object_get(spec, "paths"), key, ops)
	{
		if (strchr(key, '#') || !json_object_get(ops, m) || !tmatch(key, path))
			continue;
		for (lit = 0, s = key; *s; s++) {
			if (*s == '{')
				s = strchr(s, '}');
			else
				lit++;
		}
		if (lit > best_lit) {
			best_lit = lit;
			best = json_object_get(ops, m);
			snprintf(out, outsz, "%s %s", method, key);
		}
	}
	return best;
}

static int type_matches(json_t *type, json_t *v)
{
	const char *t = json_string_value(type);
	size_t i;
	json_t *x;

	if (json_is_array(type)) {
		json_array_foreach(type, i, x) if (type_matches(x, v)) return 1;
		return 0;
	}
	if (!t)
		return 1;
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "integer"))
		return json_is_integer(v) || (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v));
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	return 1;
}

/* Could branch s of an anyOf/oneOf describe v? By type, and by members
 * whose schema admits a single value (discriminators such as "role" or
 * "type"). Looser than validation: only used to pick branches. */
static int compatible(json_t *s, json_t *v)
{
	json_t *props, *p, *x, *one;
	const char *k;
	size_t i;
	int any;

	s = deref(s);
	if (!json_is_object(s))
		return 1;
	if (json_object_get(s, "type") && !type_matches(json_object_get(s, "type"), v))
		return 0;
	if ((one = json_object_get(s, "const")) && !json_equal(one, v))
		return 0;
	json_array_foreach(json_object_get(s, "allOf"), i, x) if (!compatible(x, v)) return 0;
	for (k = "anyOf";; k = "oneOf") {
		if (json_is_array(json_object_get(s, k))) {
			any = 0;
			json_array_foreach(json_object_get(s, k), i, x) any |= compatible(x, v);
			if (!any)
				return 0;
		}
		if (!strcmp(k, "oneOf"))
			break;
	}
	props = json_object_get(s, "properties");
	if (json_is_object(v) && json_is_object(props)) {
		json_object_foreach(props, k, p)
		{
			json_t *have = json_object_get(v, k);
			p = deref(p);
			one = json_object_get(p, "const");
			if (!one && json_array_size(json_object_get(p, "enum")) == 1)
				one = json_array_get(json_object_get(p, "enum"), 0);
			if (have && one && !json_equal(have, one) &&
			    !(json_is_number(have) && json_is_number(one) &&
			      json_number_value(have) == json_number_value(one)))
				return 0;
		}
	}
	return 1;
}

/* Appends to out every schema that applies to v under s: s itself, all of
 * its allOf members, and the anyOf/oneOf branches compatible with v (all
 * branches when none is). */
static void flatten(json_t *s, json_t *v, json_t *out, int depth)
{
	const char *k;
	json_t *x, *alts;
	size_t i;
	int any;

	s = deref(s);
	if (!json_is_object(s) || depth > 64)
		return;
	json_array_append(out, s);
	json_array_foreach(json_object_get(s, "allOf"), i, x) flatten(x, v, out, depth + 1);
	for (k = "anyOf";; k = "oneOf") {
		alts = json_object_get(s, k);
		any = 0;
		json_array_foreach(alts, i, x) if (compatible(x, v)) any = 1;
		json_array_foreach(alts, i, x) if (!any || compatible(x, v)) flatten(x, v, out, depth + 1);
		if (!strcmp(k, "oneOf"))
			break;
	}
}

typedef struct check {
	const prov *p;
	int checked;    /* object members looked up in the spec */
	int undeclared; /* ... and not found there (newer ones excluded) */
	int quiet;
	char notes[2048]; /* deprecated members */
	char newer[1024]; /* members on the provider's `newer` list that were sent */
} check;

static void note(char *buf, size_t sz, const char *what)
{
	size_t n = strlen(buf);

	if (!strstr(buf, what))
		snprintf(buf + n, sz - n, " %s", what);
}

/* Is sub, without array indices ("contents[0].parts" -> "contents.parts"),
 * on the provider's list (fnmatch patterns)? */
static int is_newer(const prov *p, const char *sub)
{
	char plain[1024];
	size_t i, j;

	for (i = j = 0; sub[i] && j < sizeof(plain) - 1; i++) {
		if (sub[i] == '[') {
			while (sub[i] && sub[i] != ']')
				i++;
			if (!sub[i])
				break;
			continue;
		}
		plain[j++] = sub[i];
	}
	plain[j] = 0;
	for (i = 0; i < N(p->newer) && p->newer[i]; i++)
		if (!fnmatch(p->newer[i], plain, 0))
			return 1;
	return 0;
}

/* Walks value v against the schemas that apply to it (from flatten()):
 * each member of an object must be declared by one of them, unless one of
 * them leaves the object open (additionalProperties not false) or none
 * declares any member (a free-form object). Note: unlike OpenAI's spec,
 * most of these specs leave additionalProperties unset, which JSON Schema
 * reads as "allowed"; the check treats an object with declared properties
 * and no additionalProperties as closed, since an undeclared member there
 * is what Prism cannot see. */
static void walk(json_t *v, json_t *schemas, const char *path, check *ck)
{
	char sub[1024];
	const char *k;
	json_t *s, *x, *p, *ap, *subs;
	size_t i, j;
	int open = 0, declared = 0;

	if (json_is_object(v)) {
		json_array_foreach(schemas, i, s)
		{
			ap = json_object_get(s, "additionalProperties");
			/* declared members, or a map whose values have a schema */
			if (json_is_object(json_object_get(s, "properties")) || (json_is_object(ap) && json_object_size(ap)))
				declared = 1;
			if ((ap && !json_is_false(ap)) || json_object_get(s, "patternProperties"))
				open = 1;
		}
		if (!declared)
			return;
		json_object_foreach(v, k, x)
		{
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", k);
			subs = json_array();
			json_array_foreach(schemas, i, s)
			{
				p = json_object_get(json_object_get(s, "properties"), k);
				/* a map (Gemini's Schema.properties): the member's
				 * schema is additionalProperties */
				ap = json_object_get(s, "additionalProperties");
				if (!p && json_is_object(ap) && json_object_size(ap))
					p = ap;
				if (!p)
					continue;
				if (json_is_true(json_object_get(p, "deprecated")) ||
				    json_is_true(json_object_get(deref(p), "deprecated")))
					note(ck->notes, sizeof(ck->notes), sub);
				flatten(p, x, subs, 0);
			}
			if (!open)
				ck->checked++;
			if (!json_array_size(subs) && !open) {
				if (is_newer(ck->p, sub)) {
					note(ck->newer, sizeof(ck->newer), sub);
				} else {
					if (!ck->quiet)
						fprintf(stderr, "  %s: not declared by the spec\n", sub);
					ck->undeclared++;
				}
			} else {
				walk(x, subs, sub, ck);
			}
			json_decref(subs);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, j, x)
		{
			snprintf(sub, sizeof(sub), "%s[%zu]", path, j);
			subs = json_array();
			json_array_foreach(schemas, i, s) if (json_object_get(s, "items"))
			        flatten(json_object_get(s, "items"), x, subs, 0);
			walk(x, subs, sub, ck);
			json_decref(subs);
		}
	}
}

/* Names of the parts of a multipart/form-data body, as an object of
 * name -> null. */
static json_t *multipart_names(const char *body, size_t len)
{
	json_t *o = json_object();
	const char *p = body, *end = body + len, *q;
	static const char key[] = "Content-Disposition: form-data; name=\"";
	char name[256];

	while (p < end && (p = mem_find(p, (size_t)(end - p), key, sizeof(key) - 1))) {
		p += sizeof(key) - 1;
		q = mem_find(p, (size_t)(end - p), "\"", 1);
		if (!q)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(q - p), p);
		json_object_set_new(o, name, json_null());
		p = q;
	}
	return o;
}

/* Walks the body w sent against the spec's request schema for its
 * operation, filling ck (undeclared members are printed unless quiet). */
static void check_body(const prov *p, const wire *w, const char *method, check *ck)
{
	char opname[512] = "";
	const char *ct;
	json_t *op, *content, *schema = NULL, *body, *schemas, *x;
	const char *key;

	ck->p = p;
	cur_spec = p->spec;
	op = find_operation(p->spec, w->url, method, opname, sizeof(opname));
	if (!op)
		fail_msg("%s: the spec has no operation for %s %s", p->name, method, w->url);
	ct = !strncmp(w->ctype, "multipart/form-data", 19) ? "multipart/form-data" : "application/json";
	content = json_object_get(deref(json_object_get(op, "requestBody")), "content");
	json_object_foreach(content, key, x) if (!strncmp(key, ct, strlen(ct))) schema = json_object_get(x, "schema");
	if (!schema)
		fail_msg("%s: the spec has no %s request body for %s", p->name, ct, opname);
	if (!strcmp(ct, "multipart/form-data"))
		body = multipart_names(w->sent, w->sent_len);
	else
		body = json_loadb(w->sent, w->sent_len, 0, NULL);
	assert_non_null(body);
	assert_true(json_object_size(body) > 0);
	schemas = json_array();
	flatten(schema, body, schemas, 0);
	walk(body, schemas, "", ck);
	json_decref(schemas);
	json_decref(body);
}

/* ==== the accepted + fields test of one variant =========================== */

typedef struct tcase {
	prov *p;
	int feat;
	const struct control *ctl; /* negative control, or NULL */
	char name[160];
} tcase;

static void need_provider(const prov *p)
{
	if (!p->adapter || !p->spec || !p->base[0]) {
		fprintf(stderr, "skip: %s: %s\n", p->name,
		        !p->adapter ? "adapter not compiled in" : "no Prism URL / spec given");
		skip();
	}
}

/* What the library built, for failure messages (sent through the test
 * transport). */
static void print_built(const prov *p, int f)
{
	wire w = {0};
	llmk_client *c = wire_client(p, &w);
	llmk_response *resp;

	send_feat(c, p, f, &resp);
	if (w.sent) {
		fprintf(stderr, "%s %s\n", "POST", w.url);
		print_body("the library sent", w.sent, w.sent_len);
	}
	llmk_response_free(resp);
	llmk_client_free(c);
	free(w.sent);
}

static void fail_rejected(const prov *p, int f, llmk_response *resp, const char *how)
{
	size_t len;
	const char *raw = llmk_response_raw(resp, &len);
	int http = llmk_response_http_status(resp), n;

	fprintf(stderr, "%s: %s: %s: HTTP %d, %s: %s\n", p->name, feat_names[f], how, http,
	        llmk_status_name(llmk_response_status(resp)), llmk_response_error(resp));
	n = print_violations(resp);
	if (!n && raw)
		print_body("Prism answered", raw, len);
	print_built(p, f);
	fail_msg("%s: %s: not accepted by Prism (HTTP %d, %d violation(s), listed above)", p->name, feat_names[f], http,
	         n);
}

static void test_case(void **state)
{
	tcase *tc = *state;
	prov *p = tc->p;
	int f = tc->feat, http;
	llmk_client *c;
	llmk_response *resp;
	llmk_status st;
	const struct parse_note *pn;
	wire w = {0};
	check ck;
	const char *raw, *how;

	need_provider(p);

	/* accepted: the library's own transport */
	c = client(p);
	st = send_feat(c, p, f, &resp);
	http = llmk_response_http_status(resp);
	raw = llmk_response_raw(resp, NULL);
	if (!(how = accepted(p, f, resp)))
		fail_rejected(p, f, resp, "rejected");
	note_response_violations(p, f, resp);
	if (http < 200 || http > 299) {
		fprintf(stderr, "%s: %s: HTTP %d: %s\n", p->name, feat_names[f], http, how);
	} else if (st != LLMK_OK) {
		pn = parse_note(p, f);
		if (!pn || pn->allowed != st) {
			fprintf(stderr, "%s: %s: HTTP %d, but Prism's example answer did not parse: %s: %s\n", p->name,
			        feat_names[f], http, llmk_status_name(st), llmk_response_error(resp));
			if (raw)
				print_body("Prism answered", raw, strlen(raw));
			fail_msg("%s: %s: accepted, but Prism's example answer gave %s (expected LLMK_OK%s%s)", p->name,
			         feat_names[f], llmk_status_name(st), pn ? " or " : "", pn ? llmk_status_name(pn->allowed) : "");
		}
		fprintf(stderr, "note: %s: %s: accepted; Prism's example answer not usable (%s): %s: %s\n", p->name,
		        feat_names[f], pn->why, llmk_status_name(st), llmk_response_error(resp));
	}
	llmk_response_free(resp);
	llmk_client_free(c);

	/* fields: the body as built, member by member against the spec */
	memset(&ck, 0, sizeof(ck));
	c = wire_client(p, &w);
	send_feat(c, p, f, &resp);
	assert_non_null(w.sent);
	if (getenv("LLMK_CONFORMANCE_VERBOSE")) {
		fprintf(stderr, "POST %s\n", w.url);
		print_body(feat_names[f], w.sent, w.sent_len);
	}
	if (!accepted(p, f, resp))
		fail_rejected(p, f, resp, "rejected through the test transport");
	check_body(p, &w, "POST", &ck);
	fprintf(stderr, "fields: %s: %s: %d members checked, %d undeclared%s%s%s%s\n", p->name, feat_names[f], ck.checked,
	        ck.undeclared, ck.newer[0] ? "; documented, not in the spec:" : "", ck.newer,
	        ck.notes[0] ? "; deprecated in the spec:" : "", ck.notes);
	if (ck.undeclared) {
		print_body("the library sent", w.sent, w.sent_len);
		fail_msg("%s: %s: %d member(s) of the body are not declared by the spec (listed above): fix the adapter",
		         p->name, feat_names[f], ck.undeclared);
	}
	llmk_response_free(resp);
	llmk_client_free(c);
	free(w.sent);
}

/* ==== negative controls =================================================== */

enum op {
	DROP,      /* remove the member at path */
	SET,       /* set the member at path to the JSON value */
	DROP_PART, /* multipart: remove the part named path */
	SET_PART,  /* multipart: replace the value of the part named path */
	ADD        /* fields self-test: add members (path: comma-separated), each set to value */
};

typedef struct control {
	const char *provider;
	int feat;
	enum op op;
	const char *path;  /* dotted, array indices as numbers: "messages.1.content" */
	const char *value; /* JSON text (SET) or part value (SET_PART) */
	const char *named; /* a violation's location or message must contain this */
} control;

static const control controls[] = {
	{"mistral", F_CHAT_PLAIN, DROP, "model", NULL, "'model'"},
	{"mistral", F_CHAT_TOOLS, SET, "messages.1.role", "\"robot\"", "messages.1"},
	{"mistral", F_CHAT_STREAM, SET, "stream", "\"yes\"", "stream"},
	{"mistral", F_EMBED_BATCH, SET, "input", "42", "input"},
	{"mistral", F_TRANSCRIBE, DROP_PART, "model", NULL, "'model'"},
	{"mistral", F_TRANSCRIBE, SET_PART, "temperature", "warm", "temperature"},
	{"ollama", F_CHAT_PLAIN, DROP, "model", NULL, "'model'"},
	{"ollama", F_CHAT_TOOLS, SET, "messages.2.tool_calls", "{}", "tool_calls"},
	{"ollama", F_CHAT_STREAM, SET, "stream", "\"yes\"", "stream"},
	{"ollama", F_EMBED_BATCH, DROP, "input", NULL, "'input'"},
	{"cohere", F_CHAT_PLAIN, DROP, "messages", NULL, "'messages'"},
	{"cohere", F_CHAT_TOOLS, SET, "messages.3.tool_call_id", "7", "tool_call_id"},
	{"cohere", F_CHAT_STREAM, SET, "stream", "\"yes\"", "stream"},
	{"cohere", F_EMBED_BATCH, SET, "input_type", "\"bogus\"", "input_type"},
	{"tgi", F_CHAT_PLAIN, DROP, "messages", NULL, "'messages'"},
	{"tgi", F_CHAT_OPTIONS, SET, "temperature", "\"hot\"", "temperature"},
	{"tgi", F_CHAT_STREAM, SET, "stream", "\"yes\"", "stream"},
	{"gemini", F_CHAT_PLAIN, SET, "contents", "\"hello\"", "contents"},
	{"gemini", F_CHAT_OPTIONS, SET, "generationConfig.temperature", "\"hot\"", "temperature"},
	{"gemini", F_CHAT_STREAM, SET, "contents.0.parts", "{}", "parts"},
	{"gemini", F_EMBED_BATCH, SET, "requests.0.taskType", "\"BOGUS\"", "taskType"},
};

static const char *const op_names[] = {"removed", "set to ", "part removed", "part set to ", "added: "};

/* The fields check must be able to fail where Prism cannot: misspelt
 * members at the top and deeper down (which these specs' open schemas let
 * through) must all be reported as undeclared. */
static const control misspellings[] = {
	{"mistral", F_CHAT_OPTIONS, ADD, "temprature,messages.1.contnet", "1", NULL},
	{"ollama", F_CHAT_OPTIONS, ADD, "keep_alve,messages.1.imagez", "1", NULL},
	{"cohere", F_CHAT_OPTIONS, ADD, "temprature,messages.1.contnet", "1", NULL},
	{"tgi", F_CHAT_OPTIONS, ADD, "temprature,messages.1.nmae", "1", NULL},
	{"gemini", F_CHAT_OPTIONS, ADD, "generationConfig.temprature,contents.0.parts.0.txt,systemInstruction.rol", "1",
	 NULL},
};

/* Navigates to the parent of the last path token; *last receives it. */
static json_t *json_parent(json_t *root, const char *path, char *last, size_t lastsz)
{
	char buf[512], *tok, *next, *save = NULL;
	json_t *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	tok = strtok_r(buf, ".", &save);
	while (tok && (next = strtok_r(NULL, ".", &save))) {
		cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(tok)) : json_object_get(cur, tok);
		if (!cur)
			return NULL;
		tok = next;
	}
	snprintf(last, lastsz, "%s", tok ? tok : "");
	return cur;
}

/* Finds the multipart part named `name`: [*start, *end) spans from its
 * boundary line to the next boundary line. */
static void find_part(const char *b, size_t n, const char *name, size_t *start, size_t *end)
{
	char needle[128];
	const char *d, *s, *e, *lim = b + n;
	size_t blen = strcspn(b, "\r\n"); /* "--boundary" */

	assert_true(blen > 2 && blen < n);
	snprintf(needle, sizeof(needle), "form-data; name=\"%s\"", name);
	d = mem_find(b, n, needle, strlen(needle));
	if (!d)
		fail_msg("multipart body has no part named %s", name);
	for (s = d; s > b && !(s[-1] == '\n' && !memcmp(s, b, blen)); s--)
		;
	e = mem_find(d, (size_t)(lim - d), b, blen);
	assert_non_null(e);
	*start = (size_t)(s - b);
	*end = (size_t)(e - b);
}

static char *corrupt_body(const control *ctl, const char *b, size_t n, size_t *o)
{
	json_t *root, *parent, *val;
	char last[128], *out;
	const char *v;
	size_t s, e, vlen;

	if (ctl->op == DROP_PART || ctl->op == SET_PART) {
		find_part(b, n, ctl->path, &s, &e);
		if (ctl->op == DROP_PART) {
			out = malloc(n - (e - s) + 1);
			memcpy(out, b, s);
			memcpy(out + s, b + e, n - e);
			*o = n - (e - s);
			return out;
		}
		v = mem_find(b + s, e - s, "\r\n\r\n", 4);
		assert_non_null(v);
		v += 4;
		vlen = strlen(ctl->value);
		out = malloc(n + vlen + 3);
		memcpy(out, b, (size_t)(v - b));
		memcpy(out + (v - b), ctl->value, vlen);
		memcpy(out + (v - b) + vlen, "\r\n", 2);
		memcpy(out + (v - b) + vlen + 2, b + e, n - e);
		*o = (size_t)(v - b) + vlen + 2 + (n - e);
		return out;
	}
	root = json_loadb(b, n, 0, NULL);
	assert_non_null(root);
	if (ctl->op == ADD) {
		char paths[512], *tok, *save = NULL;
		snprintf(paths, sizeof(paths), "%s", ctl->path);
		for (tok = strtok_r(paths, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			parent = json_parent(root, tok, last, sizeof(last));
			if (!json_is_object(parent) || json_object_get(parent, last))
				fail_msg("fields self-test: cannot add %s to the body", tok);
			json_object_set_new(parent, last, json_loads(ctl->value, JSON_DECODE_ANY, NULL));
		}
		goto done;
	}
	parent = json_parent(root, ctl->path, last, sizeof(last));
	if (!parent || (json_is_object(parent) && !json_object_get(parent, last)) ||
	    (json_is_array(parent) && !json_array_get(parent, (size_t)atoi(last)))) {
		print_body("the library built", b, n);
		fail_msg("negative control: the body has no member %s to corrupt", ctl->path);
	}
	if (ctl->op == DROP) {
		if (json_is_array(parent))
			assert_int_equal(json_array_remove(parent, (size_t)atoi(last)), 0);
		else
			assert_int_equal(json_object_del(parent, last), 0);
	} else {
		val = json_loads(ctl->value, JSON_DECODE_ANY, NULL);
		assert_non_null(val);
		if (json_is_array(parent))
			assert_int_equal(json_array_set_new(parent, (size_t)atoi(last), val), 0);
		else
			assert_int_equal(json_object_set_new(parent, last, val), 0);
	}
done:
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	assert_non_null(out);
	*o = strlen(out);
	return out;
}

static void test_control(void **state)
{
	tcase *tc = *state;
	const control *ctl = tc->ctl;
	prov *p = tc->p;
	int f = tc->feat;
	wire w = {0};
	llmk_client *c;
	llmk_response *resp;
	llmk_status st;
	json_t *viol, *x;
	size_t i, len;
	const char *raw, *named = NULL;
	char where[1024];

	need_provider(p);
	c = wire_client(p, &w);
	send_feat(c, p, f, &resp);
	if (!accepted(p, f, resp))
		fail_rejected(p, f, resp, "the uncorrupted control request was not accepted");
	llmk_response_free(resp);

	w.corrupt = ctl;
	st = send_feat(c, p, f, &resp);
	raw = llmk_response_raw(resp, &len);
	if (llmk_response_http_status(resp) != 422) {
		fprintf(stderr, "%s: %s, corrupted: HTTP %d, %s: %s\n", p->name, feat_names[f],
		        llmk_response_http_status(resp), llmk_status_name(st), llmk_response_error(resp));
		print_body("sent", w.sent, w.sent_len);
		if (raw)
			print_body("Prism answered", raw, len);
		fail_msg("%s: %s with %s %s%s: corrupted body not rejected with 422", p->name, feat_names[f], ctl->path,
		         op_names[ctl->op], ctl->value ? ctl->value : "");
	}
	if (st != LLMK_E_BAD_REQUEST) {
		print_body("Prism answered", raw, len);
		fail_msg("%s: HTTP 422 reported as %s (%s), not LLMK_E_BAD_REQUEST", p->name, llmk_status_name(st),
		         llmk_response_error(resp));
	}
	viol = request_violations(resp);
	if (!json_array_size(viol)) {
		print_body("Prism answered", raw, len);
		fail_msg("%s: %s: 422 without violations in the body or the sl-violations header", p->name, feat_names[f]);
	}
	json_array_foreach(viol, i, x)
	{
		violation_text(x, where, sizeof(where));
		if (!named && strstr(where, ctl->named))
			named = json_string_value(json_object_get(x, "message"));
		assert_string_equal(json_string_value(json_object_get(x, "severity")), "Error");
	}
	if (!named) {
		print_violations(resp);
		fail_msg("%s: %s: 422, but no violation names %s", p->name, feat_names[f], ctl->named);
	}
	fprintf(stderr, "rejected: %s: %s with %s %s%s: 422 (%s)\n", p->name, feat_names[f], ctl->path, op_names[ctl->op],
	        ctl->value ? ctl->value : "", named);
	json_decref(viol);
	llmk_response_free(resp);
	llmk_client_free(c);
	free(w.sent);
}

static void test_fields_self(void **state)
{
	tcase *tc = *state;
	const control *ctl = tc->ctl;
	prov *p = tc->p;
	int f = tc->feat, expect = 1, before;
	wire w = {0};
	llmk_client *c;
	llmk_response *resp;
	check ck;
	const char *q;

	need_provider(p);
	for (q = ctl->path; *q; q++)
		expect += *q == ',';
	c = wire_client(p, &w);
	memset(&ck, 0, sizeof(ck));
	ck.quiet = 1;
	send_feat(c, p, f, &resp);
	check_body(p, &w, "POST", &ck);
	before = ck.undeclared;
	llmk_response_free(resp);

	w.corrupt = ctl;
	memset(&ck, 0, sizeof(ck));
	send_feat(c, p, f, &resp);
	fprintf(stderr, "self-test: %s: %s with %d misspelt member(s) (%s): Prism answered HTTP %d\n", p->name,
	        feat_names[f], expect, ctl->path, llmk_response_http_status(resp));
	check_body(p, &w, "POST", &ck);
	if (ck.undeclared - before != expect)
		fail_msg("%s: fields self-test: %d misspelt member(s) added, %d reported", p->name, expect,
		         ck.undeclared - before);
	llmk_response_free(resp);
	llmk_client_free(c);
	free(w.sent);
}

/* ==== main ================================================================ */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int main(void)
{
	const char *data = getenv("LLMK_SHARED_DATA"), *url, *specpath, *only = getenv("LLMK_CONFORMANCE_ONLY");
	char path[4096], var[64];
	struct CMUnitTest *tests;
	tcase *cases;
	size_t ntests = 0, ncases, i;
	json_error_t err;
	int f, rc, given = 0;
	prov *p;

	if (!data) {
		fprintf(stderr, "run me through tests/conformance/run_providers.sh "
		                "(needs LLMK_SHARED_DATA and LLMK_PRISM_<PROVIDER>_URL/_SPEC)\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/audio/jfk.wav", data);
	if (!(wav = slurp(path, &wav_len))) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	OK(llmk_global_init());

	ncases = N(provs) * NFEAT + N(controls) + N(misspellings);
	cases = calloc(ncases, sizeof(*cases));
	tests = calloc(ncases, sizeof(*tests));
	for (p = provs; p < provs + N(provs); p++) {
		p->adapter = llmk_provider_capabilities(p->name, LLMK_CHAT) >= 0;
		snprintf(var, sizeof(var), "LLMK_PRISM_%s_URL", p->tag);
		url = getenv(var);
		snprintf(var, sizeof(var), "LLMK_PRISM_%s_SPEC", p->tag);
		specpath = getenv(var);
		if (only && !strstr(only, p->name))
			continue;
		if (url && specpath) {
			given++;
			snprintf(p->base, sizeof(p->base), "%s%s", url, p->prefix);
			/* As reals: a spec may hold integers beyond int64. */
			if (!(p->spec = json_load_file(specpath, JSON_DECODE_INT_AS_REAL, &err))) {
				fprintf(stderr, "cannot load %s: %s (line %d)\n", specpath, err.text, err.line);
				return 1;
			}
		}
		fprintf(stderr, "%s: %s; %s\n", p->name, p->adapter ? "adapter compiled in" : "no adapter (skipped)",
		        p->base[0] ? p->base : "no Prism (skipped)");
		for (f = 0; f < NFEAT; f++) {
			if (p->adapter && !applies(p, f))
				continue;
			if (!p->adapter && f != F_CHAT_PLAIN) /* one skipped test stands for the provider */
				continue;
			cases[ntests].p = p;
			cases[ntests].feat = f;
			snprintf(cases[ntests].name, sizeof(cases[ntests].name), "%s: %s", p->name, feat_names[f]);
			tests[ntests].name = cases[ntests].name;
			tests[ntests].test_func = test_case;
			tests[ntests].initial_state = &cases[ntests];
			ntests++;
		}
		for (i = 0; i < N(controls); i++) {
			const control *ctl = &controls[i];
			if (strcmp(ctl->provider, p->name) || (p->adapter && !applies(p, ctl->feat)))
				continue;
			cases[ntests].p = p;
			cases[ntests].feat = ctl->feat;
			cases[ntests].ctl = ctl;
			snprintf(cases[ntests].name, sizeof(cases[ntests].name), "%s: rejected: %s with %s %s%s", p->name,
			         feat_names[ctl->feat], ctl->path, op_names[ctl->op], ctl->value ? ctl->value : "");
			tests[ntests].name = cases[ntests].name;
			tests[ntests].test_func = test_control;
			tests[ntests].initial_state = &cases[ntests];
			ntests++;
		}
		for (i = 0; i < N(misspellings); i++) {
			const control *ctl = &misspellings[i];
			if (strcmp(ctl->provider, p->name) || (p->adapter && !applies(p, ctl->feat)))
				continue;
			cases[ntests].p = p;
			cases[ntests].feat = ctl->feat;
			cases[ntests].ctl = ctl;
			snprintf(cases[ntests].name, sizeof(cases[ntests].name), "%s: fields self-test: %s", p->name,
			         feat_names[ctl->feat]);
			tests[ntests].name = cases[ntests].name;
			tests[ntests].test_func = test_fields_self;
			tests[ntests].initial_state = &cases[ntests];
			ntests++;
		}
	}
	if (!given) {
		fprintf(stderr, "no LLMK_PRISM_<PROVIDER>_URL/_SPEC given: run me through "
		                "tests/conformance/run_providers.sh\n");
		return 1;
	}
	rc = _cmocka_run_group_tests("prism-providers", tests, ntests, NULL, NULL);
	for (p = provs; p < provs + N(provs); p++)
		json_decref(p->spec);
	free(tests);
	free(cases);
	curl_global_cleanup();
	free(wav);
	return rc;
}
