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
 * is not given, is skipped.
 *
 * The test transport, the 422 checks, the field check and body printing
 * are shared with conformance.c: support.c. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define FAKE_KEY "test-prism-key-0000000000000000000000"

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
        {"mistral",
         "MISTRAL",
         "/v1",
         "mistral-small-latest",
         "pixtral-12b-2409",
         "mistral-embed",
         NULL,
         "voxtral-mini-latest",
         {NULL},
         "",
         NULL,
         0},
        /* ChatMessage in Ollama's spec lacks tool_name, which its API docs
	 * (docs/api.md, tool calling) and server (api.Message.ToolName) use to
	 * tie a tool result to its call. */
        {"ollama",
         "OLLAMA",
         "",
         "llama3.2",
         "llava",
         "nomic-embed-text",
         NULL,
         NULL,
         {"messages.tool_name", NULL},
         "",
         NULL,
         0},
        {"cohere",
         "COHERE",
         "",
         "command-a-03-2025",
         "command-a-vision-07-2025",
         "embed-v4.0",
         NULL,
         NULL,
         {NULL},
         "",
         NULL,
         0},
        {"tgi", "TGI", "", "tgi", "tgi", NULL, NULL, NULL, {NULL}, "", NULL, 0},
        /* The Gemini spec (v1beta, as published) predates these
	 * GenerationConfig members, which the adapter sends on purpose (see
	 * the header of lib/providers/gemini.c and ai.google.dev's reference),
	 * and Schema.minimum (in the current API reference's Schema). */
        {"gemini",
         "GEMINI",
         "/v1beta",
         "gemini-2.5-flash",
         "gemini-2.5-flash",
         "gemini-embedding-001",
         "gemini-2.5-flash-image",
         NULL,
         {"generationConfig.seed", "generationConfig.thinkingConfig", "generationConfig.responseJsonSchema",
          "generationConfig.responseModalities", "tools.functionDeclarations.parameters*.minimum", NULL},
         "",
         NULL,
         0},
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
	F_IMAGE_EDIT,     /* prompt + two input images (llmk_request_add_image) */
	F_TRANSCRIBE,     /* jfk.wav + options */
	NFEAT
};

static const char *const feat_names[NFEAT] = {"chat (plain)",
                                              "chat (roles)",
                                              "chat (options)",
                                              "chat (tools, round trip)",
                                              "chat (tool required)",
                                              "chat (tool by name)",
                                              "chat (tool none)",
                                              "chat (inline image)",
                                              "chat (image URL)",
                                              "chat (json_object)",
                                              "chat (json_schema)",
                                              "chat (stream)",
                                              "embed (one)",
                                              "embed (batch)",
                                              "image",
                                              "image edit (two input images)",
                                              "transcribe (jfk.wav)"};

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
	case F_CHAT_OPTIONS: return (chat & LLMK_CAP_KIND) != 0;
	case F_CHAT_TOOLS: return (chat & LLMK_CAP_TOOLS) != 0;
	case F_CHAT_TOOL_REQ:
	case F_CHAT_TOOL_NAME:
	case F_CHAT_TOOL_NONE: return (chat & LLMK_CAP_TOOLS) && supports(p, LLMK_OPT_TOOL_CHOICE);
	case F_CHAT_IMAGE: return (chat & LLMK_CAP_VISION) != 0;
	case F_CHAT_IMAGE_URL: return (chat & LLMK_CAP_VISION) && (chat & LLMK_CAP_IMAGE_URL);
	case F_CHAT_JSON: return (chat & LLMK_CAP_JSON_MODE) != 0;
	case F_CHAT_SCHEMA: return (chat & LLMK_CAP_JSON_SCHEMA) != 0;
	case F_CHAT_STREAM: return (chat & LLMK_CAP_STREAM) != 0;
	case F_EMBED_ONE: return (embed & LLMK_CAP_KIND) != 0;
	case F_EMBED_BATCH: return (embed & LLMK_CAP_BATCH) != 0;
	case F_IMAGE: return (caps(p, LLMK_IMAGE) & LLMK_CAP_KIND) != 0;
	case F_IMAGE_EDIT: return (caps(p, LLMK_IMAGE) & LLMK_CAP_IMAGE_EDIT) != 0;
	default: return (caps(p, LLMK_TRANSCRIBE) & LLMK_CAP_KIND) != 0;
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
		/* Gemini takes either (thinkingLevel, thinkingBudget), never both */
		if (!supports(p, LLMK_OPT_REASONING_BUDGET))
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
		OK(llmk_request_add_image_data(r, png, png_size, "image/png"));
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
	case F_IMAGE_EDIT:
		OK(llmk_request_new(&r, LLMK_IMAGE));
		OK(llmk_request_set_str(r, LLMK_OPT_MODEL, p->image_model));
		OK(llmk_request_set_str(r, LLMK_OPT_PROMPT, "put a hat on the cat"));
		OK(llmk_request_add_image(r, png, png_size, "image/png", NULL));
		OK(llmk_request_add_image(r, png, png_size, "image/png", "hat.png"));
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
	char model[128];

	snprintf(model, sizeof(model), "%s/%s", p->name, p->chat_model);
	return prism_client(model, p->base, FAKE_KEY);
}

static llmk_status send_feat(llmk_client *c, const prov *p, int f, llmk_response **resp)
{
	return send_request(c, make(p, f), f == F_CHAT_STREAM, resp);
}

/* A client whose requests go through the test transport w (support.h). */
static llmk_client *wire_client(const prov *p, wire *w)
{
	return wire_attach(client(p), w);
}

/* ==== Prism's own answer ================================================== */

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
        {"gemini", F_IMAGE_EDIT, LLMK_E_PROTOCOL,
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

/* Walks the body w sent against the spec's request schema for its
 * operation, filling ck (undeclared members are printed unless quiet). */
static void check_body(const prov *p, const wire *w, const char *method, check *ck)
{
	char opname[512] = "";
	const char *ct = wire_ctype(w);
	json_t *op, *schema;

	ck->newer = p->newer;
	op = find_operation(p->spec, w->url, method, opname, sizeof(opname));
	if (!op)
		fail_msg("%s: the spec has no operation for %s %s", p->name, method, w->url);
	if (!(schema = request_schema(p->spec, op, ct)))
		fail_msg("%s: the spec has no %s request body for %s", p->name, ct, opname);
	check_schema(p->spec, schema, w, ck);
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
			         feat_names[f], llmk_status_name(st), pn ? " or " : "",
			         pn ? llmk_status_name(pn->allowed) : "");
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
	fprintf(stderr, "fields: %s: %s: %d members checked, %d undeclared%s%s%s%s\n", p->name, feat_names[f],
	        ck.checked, ck.undeclared, ck.newer_sent[0] ? "; documented, not in the spec:" : "", ck.newer_sent,
	        ck.notes[0] ? "; deprecated in the spec:" : "", ck.notes);
	if (ck.undeclared) {
		print_body("the library sent", w.sent, w.sent_len);
		fail_msg(
		        "%s: %s: %d member(s) of the body are not declared by the spec (listed above): fix the adapter",
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
        {"gemini", F_IMAGE_EDIT, SET, "contents.0.parts.1.inlineData.mimeType", "42", "mimeType"},
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

/* The mutate_fn (support.h) applying control arg to the body. */
static char *corrupt_body(const void *arg, const char *b, size_t n, size_t *o)
{
	const control *ctl = arg;
	json_t *root, *parent, *val;
	char last[128], *out;

	if (ctl->op == DROP_PART)
		return multipart_drop(b, n, ctl->path, o);
	if (ctl->op == SET_PART)
		return multipart_set(b, n, ctl->path, ctl->value, o);
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
	char what[512];

	need_provider(p);
	c = wire_client(p, &w);
	send_feat(c, p, f, &resp);
	if (!accepted(p, f, resp))
		fail_rejected(p, f, resp, "the uncorrupted control request was not accepted");
	llmk_response_free(resp);

	w.mutate = corrupt_body;
	w.mutate_arg = ctl;
	st = send_feat(c, p, f, &resp);
	snprintf(what, sizeof(what), "%s: %s with %s %s%s", p->name, feat_names[f], ctl->path, op_names[ctl->op],
	         ctl->value ? ctl->value : "");
	expect_rejected(what, st, resp, &w, ctl->named);
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

	w.mutate = corrupt_body;
	w.mutate_arg = ctl;
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

/* Appends test fn of variant f on p (with control ctl, or NULL) to
 * tests/cases; the caller names it in the returned case. */
static tcase *add_test(struct CMUnitTest *tests, tcase *cases, size_t *n, prov *p, int f, const control *ctl,
                       CMUnitTestFunction fn)
{
	tcase *tc = &cases[*n];

	tc->p = p;
	tc->feat = f;
	tc->ctl = ctl;
	tests[*n].name = tc->name;
	tests[*n].test_func = fn;
	tests[*n].initial_state = tc;
	(*n)++;
	return tc;
}

int main(void)
{
	const char *data = getenv("LLMK_SHARED_DATA"), *url, *specpath, *only = getenv("LLMK_CONFORMANCE_ONLY");
	char var[64];
	struct CMUnitTest *tests;
	tcase *cases, *tc;
	size_t ntests = 0, ncases, i;
	int f, rc, given = 0;
	prov *p;

	if (!data) {
		fprintf(stderr, "run me through tests/conformance/run_providers.sh "
		                "(needs LLMK_SHARED_DATA and LLMK_PRISM_<PROVIDER>_URL/_SPEC)\n");
		return 1;
	}
	if (conf_init(data))
		return 1;

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
			if (!(p->spec = load_spec(specpath)))
				return 1;
		}
		fprintf(stderr, "%s: %s; %s\n", p->name, p->adapter ? "adapter compiled in" : "no adapter (skipped)",
		        p->base[0] ? p->base : "no Prism (skipped)");
		for (f = 0; f < NFEAT; f++) {
			if (p->adapter && !applies(p, f))
				continue;
			if (!p->adapter && f != F_CHAT_PLAIN) /* one skipped test stands for the provider */
				continue;
			tc = add_test(tests, cases, &ntests, p, f, NULL, test_case);
			snprintf(tc->name, sizeof(tc->name), "%s: %s", p->name, feat_names[f]);
		}
		for (i = 0; i < N(controls); i++) {
			const control *ctl = &controls[i];
			if (strcmp(ctl->provider, p->name) || (p->adapter && !applies(p, ctl->feat)))
				continue;
			tc = add_test(tests, cases, &ntests, p, ctl->feat, ctl, test_control);
			snprintf(tc->name, sizeof(tc->name), "%s: rejected: %s with %s %s%s", p->name,
			         feat_names[ctl->feat], ctl->path, op_names[ctl->op], ctl->value ? ctl->value : "");
		}
		for (i = 0; i < N(misspellings); i++) {
			const control *ctl = &misspellings[i];
			if (strcmp(ctl->provider, p->name) || (p->adapter && !applies(p, ctl->feat)))
				continue;
			tc = add_test(tests, cases, &ntests, p, ctl->feat, ctl, test_fields_self);
			snprintf(tc->name, sizeof(tc->name), "%s: fields self-test: %s", p->name,
			         feat_names[ctl->feat]);
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
	conf_cleanup();
	return rc;
}
