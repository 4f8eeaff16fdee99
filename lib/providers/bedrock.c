/* Amazon Bedrock runtime: Converse / ConverseStream for chat, InvokeModel
 * for embeddings (Titan, Cohere) and images (Titan / Nova Canvas,
 * Stability). Requests are signed with AWS Signature Version 4
 * (sigv4.c), or carry a Bedrock API key as a Bearer token; streams are
 * application/vnd.amazon.eventstream (codec/eventstream.c), whose events
 * reach bedrock_stream_event() by their :event-type, exceptions as
 * "exception:<type>".
 *
 * Reference: Amazon Bedrock API Reference, "Converse", "ConverseStream",
 * "InvokeModel" and the runtime data types (ContentBlock, ToolConfiguration,
 * InferenceConfiguration, TokenUsage, ConverseStreamOutput); the Bedrock
 * User Guide's inference parameter pages for Titan Embeddings, Cohere Embed,
 * Titan Image Generator / Nova Canvas and Stability AI models.
 *
 * Over 700 lines as one cohesive thing: one service, whose model families
 * share its endpoint, signing, error types and event stream. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "multipart.h"
#include "sigv4.h"
#include "toolkit.h"
#include "wire_kinds.h"

#define SERVICE "bedrock"

/* ---- endpoint and credentials ---------------------------------------- */

/* The base URL, with "{region}" (the default endpoint's placeholder)
 * replaced by the client's region. */
static char *endpoint(const llmk_client *c, const char *region, llmk_response *resp)
{
	const char *ph = strstr(c->base_url, "{region}");
	llmk__buf b = LLMK__BUF_INIT;

	if (!ph)
		return llmk__strdup(c->base_url);
	if (!region) {
		llmk__fail(resp, LLMK_E_CONFIG,
		           "bedrock: no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION) or the aws_region option");
		return NULL;
	}
	if (llmk__buf_append(&b, c->base_url, (size_t)(ph - c->base_url)) || llmk__buf_append_str(&b, region) ||
	    llmk__buf_append_str(&b, ph + 8)) {
		llmk__buf_free(&b);
		FAIL_OOM(resp);
		return NULL;
	}
	return b.data;
}

/* A region goes into a host name and the credential scope: letters,
 * digits and '-' only. */
static int valid_region(const char *r)
{
	if (!*r)
		return 0;
	for (; *r; r++)
		if (!((*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z') || (*r >= '0' && *r <= '9') || *r == '-'))
			return 0;
	return 1;
}

/* Host header value as curl sends it: the URL's authority without
 * userinfo, the port kept unless it is the scheme's default. */
static int url_parts(const char *url, llmk__buf *host, const char **path)
{
	const char *a = strstr(url, "://"), *e, *at;
	size_t n;
	int https = !strncmp(url, "https", 5);

	if (!a)
		return -1;
	a += 3;
	e = a + strcspn(a, "/?#");
	at = memchr(a, '@', (size_t)(e - a));
	if (at)
		a = at + 1;
	n = (size_t)(e - a);
	if ((https && n > 4 && !memcmp(e - 4, ":443", 4)) || (!https && n > 3 && !memcmp(e - 3, ":80", 3)))
		n -= https ? 4 : 3;
	*path = *e ? e : "/";
	return llmk__buf_append(host, a, n);
}

static llmk_status sign(const llmk_client *c, const char *region, llmk_exchange *ex, llmk_response *resp)
{
	const char *akid = llmk__client_str(c, LLMK_OPT_AWS_ACCESS_KEY_ID), *path;
	llmk__buf host = LLMK__BUF_INIT, authz = LLMK__BUF_INIT;
	char hash[65], date[17];
	llmk__header hs[5];
	llmk__sigv4 q;
	size_t n = 0;
	llmk_status st = LLMK_OK;

	llmk__sha256_hex(ex->body.data ? ex->body.data : "", ex->body.len, hash);
	llmk__sigv4_date((int64_t)time(NULL), date);
	if (url_parts(ex->url, &host, &path)) {
		llmk__buf_free(&host);
		return llmk__fail(resp, LLMK_E_CONFIG, "bedrock: cannot sign: malformed URL");
	}
	/* Signed: what a proxy has no reason to touch. Content-Type is the
	 * exchange's first header (llmk__set_json_body). */
	hs[n].name = (char *)"content-type";
	hs[n++].value = (char *)"application/json";
	hs[n].name = (char *)"host";
	hs[n++].value = host.data;
	hs[n].name = (char *)"x-amz-content-sha256";
	hs[n++].value = hash;
	hs[n].name = (char *)"x-amz-date";
	hs[n++].value = date;
	if (c->aws_token) {
		hs[n].name = (char *)"x-amz-security-token";
		hs[n++].value = c->aws_token;
	}
	memset(&q, 0, sizeof(q));
	q.method = ex->method;
	q.path = path;
	q.headers = hs;
	q.nheaders = n;
	q.payload_hash = hash;
	q.amz_date = date;
	q.region = region;
	q.service = SERVICE;
	if (llmk__exchange_header(ex, "X-Amz-Date", date) || llmk__exchange_header(ex, "X-Amz-Content-Sha256", hash) ||
	    (c->aws_token && llmk__auth_header(ex, "X-Amz-Security-Token", NULL, c->aws_token)) ||
	    llmk__sigv4_authorization(&q, akid, c->aws_secret, &authz) ||
	    llmk__auth_header(ex, "Authorization", NULL, authz.data))
		st = FAIL_OOM(resp);
	if (authz.data)
		sodium_memzero(authz.data, authz.len);
	llmk__buf_free(&authz);
	llmk__buf_free(&host);
	return st;
}

/* Bearer API key when there is one, else SigV4 with the key pair. */
static llmk_status authorize(const llmk_client *c, const char *region, llmk_exchange *ex, llmk_response *resp)
{
	if (c->api_key)
		return llmk__auth_header(ex, "Authorization", "Bearer ", c->api_key) ? FAIL_OOM(resp) : LLMK_OK;
	if (!llmk__client_str(c, LLMK_OPT_AWS_ACCESS_KEY_ID) || !c->aws_secret)
		return llmk__fail(
		        resp, LLMK_E_AUTH,
		        "bedrock: no credentials: set AWS_BEARER_TOKEN_BEDROCK (API key), or AWS_ACCESS_KEY_ID "
		        "and AWS_SECRET_ACCESS_KEY (options api_key, aws_access_key_id, aws_secret_access_key)");
	if (!region)
		return llmk__fail(
		        resp, LLMK_E_CONFIG,
		        "bedrock: SigV4 needs a region: set AWS_REGION (or AWS_DEFAULT_REGION) or aws_region");
	return sign(c, region, ex, resp);
}

/* ---- Converse request ------------------------------------------------- */

static const char *image_format(const char *mime, size_t n)
{
	static const char *const fmts[] = {"png", "jpeg", "gif", "webp"};
	size_t i;

	if (n > 6 && !memcmp(mime, "image/", 6))
		for (i = 0; i < 4; i++)
			if (strlen(fmts[i]) == n - 6 && !memcmp(mime + 6, fmts[i], n - 6))
				return fmts[i];
	if (n == 9 && !memcmp(mime, "image/jpg", 9))
		return "jpeg";
	return NULL;
}

static json_t *image_block(const llmk__part *p, llmk_response *resp)
{
	const char *mime, *b64, *fmt;
	size_t mime_len;
	json_t *b;

	if (!llmk__data_url_split(p->text, &mime, &mime_len, &b64)) {
		llmk__fail(resp, LLMK_E_INVALID_ARG, "bedrock takes images as data:<mime>;base64,<data> URLs");
		return NULL;
	}
	if (!(fmt = image_format(mime, mime_len))) {
		llmk__fail(resp, LLMK_E_INVALID_ARG, "bedrock: image type %.*s is not png, jpeg, gif or webp",
		           (int)(mime_len < 64 ? mime_len : 64), mime);
		return NULL;
	}
	b = json_pack("{s:{s:s, s:{s:s}}}", "image", "format", fmt, "source", "bytes", b64);
	if (!b)
		FAIL_OOM(resp);
	return b;
}

/* DocumentBlock: format pdf | txt, a name of letters, digits, single
 * spaces, '-', '(', ')', '[' and ']' (the rest becomes '-'), the bytes. */
static json_t *document_block(const llmk__part *p, llmk_response *resp)
{
	const char *mime, *b64, *n;
	char name[201];
	size_t mlen, k = 0;
	json_t *b;

	if (!llmk__data_url_split(p->text, &mime, &mlen, &b64)) {
		llmk__fail(resp, LLMK_E_INVALID_ARG, "bedrock: document is not a base64 data: URL");
		return NULL;
	}
	for (n = p->detail; *n && k < sizeof(name) - 1; n++) {
		char ch = *n;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '(' || ch == ')' || ch == '[' || ch == ']' || ch == ' '))
			ch = '-';
		if (ch == ' ' && k && name[k - 1] == ' ')
			continue;
		name[k++] = ch;
	}
	name[k] = '\0';
	b = json_pack("{s:{s:s, s:s, s:{s:s}}}", "document", "format", mlen == 10 ? "txt" : "pdf", "name",
	              k ? name : "document", "source", "bytes", b64);
	if (!b)
		FAIL_OOM(resp);
	return b;
}

static json_t *reasoning_block(const llmk__part *p, llmk_response *resp);

/* Empty text is left out: the API rejects empty text blocks. */
static const llmk__part_shape part_shape = {
        .text = "{\"text\":\"$text\"}",
        .tool_call = "{\"toolUse\":{\"toolUseId\":\"$id\",\"name\":\"$name\",\"input\":\"$input\"}}",
        .image = image_block,
        .document = document_block,
        .reasoning = reasoning_block,
        .skip_empty_text = 1,
};

static json_t *tool_result_block(const llmk__message *m, llmk_response *resp)
{
	llmk__buf text = LLMK__BUF_INIT;
	json_t *b;

	if (llmk__message_text(m, &text)) {
		FAIL_OOM(resp);
		return NULL;
	}
	b = json_pack("{s:{s:s, s:[{s:s%}]}}", "toolResult", "toolUseId", m->tool_call_id ? m->tool_call_id : "",
	              "content", "text", text.data ? text.data : "", text.len);
	llmk__buf_free(&text);
	if (!b)
		FAIL_OOM(resp);
	return b;
}

/* A reasoning block of an earlier answer (llmk_request_add_response()),
 * unchanged: the block as it came (JSON text), or from a stream its text
 * with the signature the deltas carried. NULL with nothing recorded when
 * there is nothing to send (no signature: it would be refused). */
static json_t *reasoning_block(const llmk__part *p, llmk_response *resp)
{
	return llmk__signed_block(p, LLMK_FEATURE_BEDROCK,
	                          "{\"reasoningContent\":{\"reasoningText\":{\"text\":\"$text\","
	                          "\"signature\":\"$signature\"}}}",
	                          resp);
}

static llmk_status add_blocks(const llmk__message *m, json_t *blocks, llmk_response *resp)
{
	json_t *b;

	if (m->role != LLMK_ROLE_TOOL)
		return llmk__append_parts(blocks, m, &part_shape, "bedrock", resp);
	if (!(b = tool_result_block(m, resp)))
		return resp->status;
	return json_array_append_new(blocks, b) ? FAIL_OOM(resp) : LLMK_OK;
}

/* messages[] alternate user/assistant (tool results are user content);
 * system and developer messages go to system[]. */
static llmk_status build_messages(const llmk_request *r, json_t *body, llmk_response *resp)
{
	json_t *msgs = json_array(), *system = NULL, *blocks = NULL, *msg;
	const char *cur = NULL, *role;
	llmk__buf text = LLMK__BUF_INIT;
	llmk_status st = LLMK_OK;
	size_t i;

	if (!msgs || json_object_set_new(body, "messages", msgs))
		return FAIL_OOM(resp);
	for (i = 0; i < r->nmsgs && st == LLMK_OK; i++) {
		const llmk__message *m = &r->msgs[i];
		if (m->role == LLMK_ROLE_SYSTEM || m->role == LLMK_ROLE_DEVELOPER) {
			llmk__buf_clear(&text);
			if (llmk__message_text(m, &text))
				st = FAIL_OOM(resp);
			else if (text.len &&
			         ((!system &&
			           (!(system = json_array()) || json_object_set_new(body, "system", system))) ||
			          json_array_append_new(system, json_pack("{s:s%}", "text", text.data, text.len))))
				st = FAIL_OOM(resp);
			continue;
		}
		role = m->role == LLMK_ROLE_ASSISTANT ? "assistant" : "user";
		if (!cur || strcmp(cur, role)) {
			msg = json_pack("{s:s, s:[]}", "role", role, "content");
			if (!msg || json_array_append_new(msgs, msg)) {
				st = FAIL_OOM(resp);
				break;
			}
			cur = role;
			blocks = json_object_get(msg, "content");
		}
		st = add_blocks(m, blocks, resp);
	}
	llmk__buf_free(&text);
	for (i = json_array_size(msgs); st == LLMK_OK && i-- > 0;)
		if (!json_array_size(json_object_get(json_array_get(msgs, i), "content")) && json_array_remove(msgs, i))
			st = FAIL_OOM(resp);
	if (st == LLMK_OK && !json_array_size(msgs))
		st = llmk__fail(resp, LLMK_E_INVALID_ARG, "chat request has no user or assistant message with content");
	return st;
}

static llmk_status build_inference(const llmk_request *r, json_t *body, llmk_response *resp)
{
	static const llmk__opt_key sampling[] = {{LLMK_OPT_MAX_TOKENS, "maxTokens"},
	                                         {LLMK_OPT_TEMPERATURE, "temperature"},
	                                         {LLMK_OPT_TOP_P, "topP"},
	                                         {0, NULL}};

	return llmk__put_section(body, "inferenceConfig", r, sampling, "stopSequences") ? FAIL_OOM(resp) : LLMK_OK;
}

static const llmk__tool_shape tool_shape = {
        .decl = "{\"toolSpec\":"
                "{\"name\":\"$name\",\"inputSchema\":{\"json\":\"$schema\"},\"description\":\"$description\"}}",
        .no_parameters = "{\"type\":\"object\"}",
};
/* No "none": refused by build_tools(). */
static const llmk__choice choices[] = {{"auto", "{\"auto\":{}}"},
                                       {"required", "{\"any\":{}}"},
                                       {"any", "{\"any\":{}}"},
                                       {"$tool", "{\"tool\":{\"name\":\"$name\"}}"},
                                       {NULL, NULL}};

static llmk_status build_tools(const llmk_request *r, json_t *body, llmk_response *resp)
{
	const char *choice = llmk__req_str(r, LLMK_OPT_TOOL_CHOICE);
	json_t *cfg;
	llmk_status st;

	if (!r->ntools) {
		if (choice)
			return llmk__fail(resp, LLMK_E_INVALID_ARG, "tool_choice '%s' given without tools", choice);
		return LLMK_OK;
	}
	if (choice && !strcmp(choice, "none"))
		return llmk__fail(
		        resp, LLMK_E_INVALID_ARG,
		        "bedrock Converse has no tool_choice 'none': leave the tools out of the request instead");
	cfg = json_object();
	if (!cfg || json_object_set_new(body, "toolConfig", cfg))
		return FAIL_OOM(resp);
	if ((st = llmk__tool_decls(r, &tool_shape, cfg, "tools", resp)))
		return st;
	return llmk__set_tool_choice(r, choices, cfg, "toolChoice", "bedrock", resp);
}

/* Prompt caching (API reference "CachePointBlock"): a block
 * {"cachePoint": {"type": "default", "ttl": "5m" | "1h"}} after the content
 * it closes -- at the end of system[], of toolConfig.tools[] and of the
 * last message's content -- for LLMK_OPT_CACHE_SYSTEM / _TOOLS /
 * _MESSAGES. Nothing where that part of the request is empty. */
static llmk_status cache_point(json_t *array, const llmk_request *r, int32_t opt, llmk_response *resp)
{
	const char *ttl = llmk__req_str(r, opt);

	if (!ttl || !json_array_size(array))
		return LLMK_OK;
	return json_array_append_new(array, json_pack("{s:{s:s, s:s}}", "cachePoint", "type", "default", "ttl", ttl))
	               ? FAIL_OOM(resp)
	               : LLMK_OK;
}

static llmk_status cache_points(const llmk_request *r, json_t *body, llmk_response *resp)
{
	json_t *msgs = json_object_get(body, "messages");
	llmk_status st;

	if ((st = cache_point(json_object_get(body, "system"), r, LLMK_OPT_CACHE_SYSTEM, resp)) ||
	    (st = cache_point(json_object_get(json_object_get(body, "toolConfig"), "tools"), r, LLMK_OPT_CACHE_TOOLS,
	                      resp)))
		return st;
	return cache_point(json_object_get(json_array_get(msgs, json_array_size(msgs) - 1), "content"), r,
	                   LLMK_OPT_CACHE_MESSAGES, resp);
}

static llmk_status build_chat(const llmk_request *r, json_t *body, llmk_response *resp)
{
	llmk_status st;
	int64_t seed;

	if (!r->nmsgs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "chat request has no messages");
	/* The option mask is per provider; seed only reaches the image models. */
	if (llmk__req_i64(r, LLMK_OPT_SEED, &seed))
		return llmk__fail(resp, LLMK_E_UNSUPPORTED,
		                  "bedrock Converse has no seed (it is an image option here)");
	if ((st = build_messages(r, body, resp)) || (st = build_inference(r, body, resp)) ||
	    (st = build_tools(r, body, resp)))
		return st;
	return cache_points(r, body, resp);
}

/* ---- InvokeModel bodies ------------------------------------------------ */

static int family(const char *model, const char *prefix)
{
	/* Inference profiles put a geography first: "us.amazon.titan-..." */
	const char *dot;

	if (!strncmp(model, prefix, strlen(prefix)))
		return 1;
	dot = strchr(model, '.');
	return dot && dot - model <= 4 && !strncmp(dot + 1, prefix, strlen(prefix));
}

static llmk_status build_embed(const llmk_request *r, const char *model, json_t *body, llmk_response *resp)
{
	const char *itype = llmk__req_str(r, LLMK_OPT_EMBED_INPUT_TYPE);
	int64_t dims;

	if (!r->ninputs)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "embed request has no inputs (llmk_request_add_input)");
	if (family(model, "cohere.embed")) {
		if (llmk__req_i64(r, LLMK_OPT_DIMENSIONS, &dims))
			return llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s has no dimensions option", model);
		if (r->ninputs > 96)
			return llmk__fail(resp, LLMK_E_INVALID_ARG,
			                  "embed request has %zu inputs; Cohere Embed takes at most 96", r->ninputs);
		if (llmk__json_set_strings(body, "texts", r->inputs, r->ninputs) ||
		    llmk__json_set(body, "input_type", json_string(itype ? itype : "search_document")))
			return FAIL_OOM(resp);
		return LLMK_OK;
	}
	if (family(model, "amazon.titan-embed")) {
		if (r->ninputs != 1)
			return llmk__fail(resp, LLMK_E_INVALID_ARG,
			                  "Titan embeddings take one input per request (got %zu)", r->ninputs);
		if (llmk__json_set(body, "inputText", json_string(r->inputs[0])) ||
		    (llmk__req_i64(r, LLMK_OPT_DIMENSIONS, &dims) &&
		     llmk__json_set(body, "dimensions", json_integer(dims))))
			return FAIL_OOM(resp);
		return LLMK_OK;
	}
	return llmk__fail(resp, LLMK_E_UNSUPPORTED,
	                  "bedrock embeddings: model '%s' is neither amazon.titan-embed-* nor cohere.embed-*", model);
}

static int parse_size(const char *s, int64_t *w, int64_t *h)
{
	char *end;
	long long a, b;

	a = strtoll(s, &end, 10);
	if (end == s || *end != 'x')
		return -1;
	s = end + 1;
	b = strtoll(s, &end, 10);
	if (end == s || *end || a <= 0 || b <= 0)
		return -1;
	*w = a;
	*h = b;
	return 0;
}

static llmk_status build_image(const llmk_request *r, const char *model, json_t *body, llmk_response *resp)
{
	const char *prompt = llmk__req_str(r, LLMK_OPT_PROMPT), *size = llmk__req_str(r, LLMK_OPT_IMAGE_SIZE);
	const char *quality = llmk__req_str(r, LLMK_OPT_IMAGE_QUALITY);
	int64_t n = 0, w = 0, h = 0, seed;
	int has_n = llmk__req_i64(r, LLMK_OPT_IMAGE_COUNT, &n), has_seed = llmk__req_i64(r, LLMK_OPT_SEED, &seed);
	json_t *cfg;

	if (!prompt || !*prompt)
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "image request has no prompt (LLMK_OPT_PROMPT)");
	if (size && parse_size(size, &w, &h))
		return llmk__fail(resp, LLMK_E_INVALID_ARG, "image_size '%s' is not WIDTHxHEIGHT", size);
	if (family(model, "amazon.titan-image") || family(model, "amazon.nova-canvas")) {
		cfg = json_object();
		if (!cfg || json_object_set_new(body, "imageGenerationConfig", cfg) ||
		    llmk__json_set(body, "taskType", json_string("TEXT_IMAGE")) ||
		    llmk__json_set(body, "textToImageParams", json_pack("{s:s}", "text", prompt)) ||
		    (has_n && llmk__json_set(cfg, "numberOfImages", json_integer(n))) ||
		    (w && (llmk__json_set(cfg, "width", json_integer(w)) ||
		           llmk__json_set(cfg, "height", json_integer(h)))) ||
		    (quality &&
		     llmk__json_set(cfg, "quality",
		                    json_string(!strcmp(quality, "hd") || !strcmp(quality, "high") ? "premium"
		                                                                                   : "standard"))) ||
		    (has_seed && llmk__json_set(cfg, "seed", json_integer(seed))))
			return FAIL_OOM(resp);
		return LLMK_OK;
	}
	if (quality && family(model, "stability."))
		return llmk__fail(resp, LLMK_E_UNSUPPORTED, "%s has no image_quality option", model);
	if (family(model, "stability.stable-diffusion-xl")) {
		if (llmk__json_set(body, "text_prompts", json_pack("[{s:s}]", "text", prompt)) ||
		    (has_n && llmk__json_set(body, "samples", json_integer(n))) ||
		    (w && (llmk__json_set(body, "width", json_integer(w)) ||
		           llmk__json_set(body, "height", json_integer(h)))) ||
		    (has_seed && llmk__json_set(body, "seed", json_integer(seed))))
			return FAIL_OOM(resp);
		return LLMK_OK;
	}
	if (family(model, "stability.")) { /* SD3, Stable Image Core / Ultra: one image per call */
		if (has_n && n != 1)
			return llmk__fail(resp, LLMK_E_INVALID_ARG, "%s makes one image per request (image_count %lld)",
			                  model, (long long)n);
		if (size)
			return llmk__fail(resp, LLMK_E_INVALID_ARG,
			                  "%s takes an aspect ratio, not a size: give it as extra JSON "
			                  "{\"aspect_ratio\": \"16:9\"}",
			                  model);
		if (llmk__json_set(body, "prompt", json_string(prompt)) ||
		    llmk__json_set(body, "output_format", json_string("png")) ||
		    (has_seed && llmk__json_set(body, "seed", json_integer(seed))))
			return FAIL_OOM(resp);
		return LLMK_OK;
	}
	return llmk__fail(resp, LLMK_E_UNSUPPORTED,
	                  "bedrock images: model '%s' is not amazon.titan-image-*, amazon.nova-canvas-* or stability.*",
	                  model);
}

/* Rerank is the Agents runtime's: POST /rerank on bedrock-agent-runtime
 * (the default endpoint's host renamed; a base URL of one's own is kept),
 * signed like the rest. The body: rerank.c. */
static llmk_status build_rerank(const llmk_client *c, const llmk_request *r, const char *model, const char *region,
                                llmk_exchange *ex, llmk_response *resp)
{
	char *base = endpoint(c, region, resp);
	const char *rt = base ? strstr(base, "://bedrock-runtime.") : NULL;
	llmk__buf url = LLMK__BUF_INIT;
	json_t *body = NULL;
	llmk_status st;

	if (!base)
		return resp->status ? resp->status : FAIL_OOM(resp);
	if (rt ? llmk__buf_append(&url, base, (size_t)(rt - base) + 3) ||
	                    llmk__buf_append_str(&url, "bedrock-agent-runtime.") || llmk__buf_append_str(&url, rt + 19)
	       : llmk__buf_append_str(&url, base))
		st = FAIL_OOM(resp);
	else
		st = llmk__exchange_set_url(ex, url.data, "/rerank") ? FAIL_OOM(resp) : LLMK_OK;
	ex->method = "POST";
	if (st == LLMK_OK)
		st = llmk__rerank_bedrock_body(r, model, region, &body, resp);
	if (body)
		st = llmk__finish_body(ex, r, body, st, NULL, NULL, resp);
	if (st == LLMK_OK && llmk__user_agent(c, ex))
		st = FAIL_OOM(resp);
	if (st == LLMK_OK)
		st = authorize(c, region, ex, resp);
	llmk__free(base);
	llmk__buf_free(&url);
	return st;
}

static llmk_status bedrock_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                 llmk_exchange *ex, llmk_response *resp)
{
	const char *region = llmk__client_str(c, LLMK_OPT_AWS_REGION), *op;
	char *base = NULL;
	llmk__buf path = LLMK__BUF_INIT;
	json_t *body;
	llmk_status st;

	int count = r->kind == LLMK__COUNT_TOKENS; /* llmk_count_tokens(): CountTokens of the Converse body */
	llmk_request chat;

	if (region && !valid_region(region))
		return llmk__fail(resp, LLMK_E_CONFIG, "bedrock: aws_region '%.64s' is not a region name", region);
	if (r->kind == LLMK_RERANK)
		return build_rerank(c, r, model, region, ex, resp);
	if (count) {
		chat = *r;
		chat.kind = LLMK_CHAT;
		r = &chat;
	}
	if (!(base = endpoint(c, region, resp)))
		return resp->status ? resp->status : FAIL_OOM(resp);
	op = count ? "/count-tokens" : r->kind == LLMK_CHAT ? (stream ? "/converse-stream" : "/converse") : "/invoke";
	/* Model ids hold ':' and, as ARNs, '/': one path segment, encoded. */
	if (llmk__buf_append_str(&path, "/model") ||
	    llmk__path_segment(&path, "bedrock model id", model, strlen(model), resp) ||
	    llmk__buf_append_str(&path, op) || llmk__exchange_set_url(ex, base, path.data) || !(body = json_object())) {
		st = FAIL_OOM(resp);
		goto out;
	}
	ex->method = "POST";
	/* SigV4 signs the body: it is written first. */
	if (r->kind == LLMK_CHAT)
		st = build_chat(r, body, resp);
	else if (r->kind == LLMK_EMBED)
		st = build_embed(r, model, body, resp);
	else if (r->kind == LLMK_IMAGE)
		st = build_image(r, model, body, resp);
	else
		st = llmk__fail(resp, LLMK_E_UNSUPPORTED, "bedrock serves chat, embed and image requests");
	st = llmk__finish_body(ex, r, body, st, count ? llmk__count_bedrock_edit : NULL,
	                       stream ? "application/vnd.amazon.eventstream" : NULL, resp);
	if (st == LLMK_OK && llmk__user_agent(c, ex))
		st = FAIL_OOM(resp);
	if (st == LLMK_OK)
		st = authorize(c, region, ex, resp);
out:
	llmk__free(base);
	llmk__buf_free(&path);
	return st;
}

/* ---- errors -------------------------------------------------------------- */

/* Exception names (HTTP x-amzn-ErrorType / __type, or an in-stream
 * exception's event type, any case) to statuses. */
static llmk_status exception_status(const char *type, int32_t http)
{
	static const struct {
		const char *name;
		llmk_status st;
	} map[] = {
	        {"ThrottlingException", LLMK_E_RATE_LIMITED},
	        {"ServiceQuotaExceededException", LLMK_E_RATE_LIMITED},
	        {"ValidationException", LLMK_E_BAD_REQUEST},
	        {"AccessDeniedException", LLMK_E_PERMISSION},
	        {"UnrecognizedClientException", LLMK_E_AUTH},
	        {"InvalidSignatureException", LLMK_E_AUTH},
	        {"ExpiredTokenException", LLMK_E_AUTH},
	        {"IncompleteSignature", LLMK_E_AUTH},
	        {"MissingAuthenticationTokenException", LLMK_E_AUTH},
	        {"ResourceNotFoundException", LLMK_E_NOT_FOUND},
	        {"ModelTimeoutException", LLMK_E_TIMEOUT},
	        {"ModelNotReadyException", LLMK_E_OVERLOADED},
	        {"ServiceUnavailableException", LLMK_E_OVERLOADED},
	        {"InternalServerException", LLMK_E_SERVER},
	        {"ModelErrorException", LLMK_E_SERVER},
	        {"ModelStreamErrorException", LLMK_E_SERVER},
	};
	size_t i;

	for (i = 0; type && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(type, map[i].name))
			return map[i].st;
	return http >= 200 && http < 300 ? LLMK_E_SERVER : llmk__status_from_http(http);
}

/* "ValidationException:http://internal.amazon.com/coral/..." -> the name. */
static llmk_status set_type(llmk_response *resp, const char *v)
{
	const char *hash = v ? strrchr(v, '#') : NULL;

	if (!v)
		return LLMK_OK;
	if (hash) /* "com.amazon.coral.service#ValidationException" (__type) */
		v = hash + 1;
	return llmk__set_fieldn(&resp->error_type, v, strcspn(v, ":"));
}

static llmk_status error_status(llmk_response *resp, int32_t http, json_t *root, const char *type)
{
	llmk_status st = llmk__error_from_json(resp, http, root);

	if (!resp->error || !*resp->error) { /* {"Message": ...} in some answers */
		const char *m = json_string_value(json_object_get(root, "Message"));
		if (m)
			llmk__set_field(&resp->error, m);
	}
	if (!type)
		type = json_string_value(json_object_get(root, "__type"));
	if (type) {
		llmk__free(resp->error_type);
		resp->error_type = NULL;
		if (set_type(resp, type))
			return LLMK_E_NOMEM;
		st = exception_status(resp->error_type, http);
	}
	if (resp->error && (strstr(resp->error, "Input is too long") || strstr(resp->error, "too many input tokens") ||
	                    strstr(resp->error, "prompt is too long")))
		st = LLMK_E_CONTEXT_LENGTH;
	return st;
}

static llmk_status bedrock_parse_error(llmk_response *resp, int32_t http, const char *body, size_t len)
{
	json_t *root = llmk__json_loadb(body, len, 0, NULL);
	const char *type = llmk__response_header(resp, "x-amzn-errortype");
	llmk_status st;

	if (!json_is_object(root)) {
		json_decref(root);
		st = llmk__error_generic(resp, http, body, len);
		if (type && set_type(resp, type) == LLMK_OK)
			st = exception_status(resp->error_type, http);
		return st;
	}
	st = error_status(resp, http, root, type);
	json_decref(root);
	return st;
}

/* ---- answers --------------------------------------------------------------- */

/* INPUT counts every input token: Bedrock's inputTokens leaves out the
 * cached ones (as Anthropic's does), reported apart. */
static void read_usage(json_t *u, llmk_response *resp)
{
	int64_t *us = resp->usage, in = -1, cr = -1, cw = -1;

	if (!json_is_object(u))
		return;
	llmk__json_i64(u, "inputTokens", &in);
	llmk__json_i64(u, "cacheReadInputTokens", &cr);
	llmk__json_i64(u, "cacheWriteInputTokens", &cw);
	llmk__json_i64(u, "outputTokens", &us[LLMK_USAGE_OUTPUT]);
	if (cr >= 0)
		us[LLMK_USAGE_CACHED_INPUT] = cr;
	if (cw >= 0)
		us[LLMK_USAGE_CACHE_WRITE] = cw;
	if (in >= 0)
		us[LLMK_USAGE_INPUT] = in + (cr > 0 ? cr : 0) + (cw > 0 ? cw : 0);
	llmk__json_i64(u, "totalTokens", &us[LLMK_USAGE_TOTAL]);
}

/* A reasoningContent block kept whole for the next turn
 * (llmk_request_add_response()). */
static llmk_status keep_block(llmk_response *resp, json_t *b)
{
	llmk__turn_item *it = llmk__turn_add(resp, LLMK_PART_REASONING, 0);
	llmk__buf text = LLMK__BUF_INIT;
	llmk_status st;

	if (!it)
		return LLMK_E_NOMEM;
	st = llmk__json_dump(&text, b, 0) ? FAIL_OOM(resp) : llmk__turn_set_opaque(resp, it, text.data, text.len);
	llmk__buf_free(&text);
	return st;
}

static llmk_status parse_chat(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *content = json_object_get(json_object_get(json_object_get(root, "output"), "message"), "content"), *b,
	       *tu;
	const char *stop = json_string_value(json_object_get(root, "stopReason"));
	llmk__tool_call *tc;
	size_t i;

	(void)r;
	if (!json_is_array(content))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "Converse answer has no output.message.content array");
	json_array_foreach(content, i, b)
	{
		if (json_is_string(json_object_get(b, "text"))) {
			if (!llmk__turn_add(resp, LLMK_PART_TEXT, 0) ||
			    llmk__json_append_str(&resp->text, json_object_get(b, "text")))
				return LLMK_E_NOMEM;
		} else if (json_is_object(tu = json_object_get(b, "toolUse"))) {
			if (!(tc = llmk__response_tool_call(resp, resp->ncalls)))
				return llmk__fail(resp, LLMK_E_PROTOCOL, "too many tool calls");
			if (!llmk__turn_add(resp, LLMK_PART_TOOL_CALL, resp->ncalls - 1) ||
			    llmk__json_append_str(&tc->id, json_object_get(tu, "toolUseId")) ||
			    llmk__json_append_str(&tc->name, json_object_get(tu, "name")) ||
			    llmk__json_append_args(&tc->args, json_object_get(tu, "input")))
				return LLMK_E_NOMEM;
		} else if (json_is_object(tu = json_object_get(b, "reasoningContent"))) {
			if (keep_block(resp, b) ||
			    llmk__json_append_str(&resp->reasoning,
			                          json_object_get(json_object_get(tu, "reasoningText"), "text")))
				return LLMK_E_NOMEM;
		}
	}
	if (stop && llmk__set_finish(resp, stop))
		return LLMK_E_NOMEM;
	read_usage(json_object_get(root, "usage"), resp);
	return LLMK_OK;
}

static llmk_status parse_embed(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *e = json_object_get(root, "embedding"), *rows;
	int64_t in = -1;

	if (llmk__json_vector_len(e)) { /* Titan: one vector */
		llmk__json_i64(root, "inputTextTokenCount", &in);
		if (in >= 0)
			resp->usage[LLMK_USAGE_INPUT] = resp->usage[LLMK_USAGE_TOTAL] = in;
		return llmk__embeddings_from_rows(resp, &e, 1, r->ninputs, "Titan embedding");
	}
	rows = json_object_get(root, "embeddings");
	if (json_is_object(rows)) /* Cohere with embedding_types: {"float": [[...]]} */
		rows = json_object_get(rows, "float");
	if (!json_is_array(rows))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "embedding answer has neither embedding nor embeddings");
	return llmk__embeddings_from_array(resp, rows, NULL, r->ninputs, "Cohere embeddings");
}

static llmk_status parse_image(const llmk_request *r, json_t *root, llmk_response *resp)
{
	json_t *list = json_object_get(root, "images"), *item, *art = json_object_get(root, "artifacts");
	const char *err = json_string_value(json_object_get(root, "error")), *s, *fr;
	size_t i, n;
	int bad;

	(void)r;
	if (err && *err)
		return llmk__fail(resp, LLMK_E_CONTENT_FILTERED, "bedrock image generation failed: %s", err);
	if (!json_is_array(list))
		list = art;
	if (!json_is_array(list) || !(n = json_array_size(list)))
		return llmk__fail(resp, LLMK_E_PROTOCOL, "image answer has no images");
	if (llmk__count_check(resp, "images", n, LLMK_MAX_IMAGES))
		return resp->status;
	if (!(resp->images = llmk__calloc(n, sizeof(*resp->images))))
		return LLMK_E_NOMEM;
	json_array_foreach(list, i, item)
	{
		llmk__image *img = &resp->images[i];
		resp->nimages = i + 1;
		s = json_is_string(item) ? json_string_value(item) : json_string_value(json_object_get(item, "base64"));
		fr = json_string_value(json_object_get(item, "finishReason"));
		if (fr && strcmp(fr, "SUCCESS"))
			return llmk__fail(
			        resp, fr && !strcmp(fr, "CONTENT_FILTERED") ? LLMK_E_CONTENT_FILTERED : LLMK_E_SERVER,
			        "image %zu: finishReason %s", i, fr);
		if (!s)
			return llmk__fail(resp, LLMK_E_PROTOCOL, "image %zu is not base64 text", i);
		img->data = llmk__b64_decode(s, strlen(s), &img->len, &bad);
		if (!img->data)
			return bad ? llmk__fail(resp, LLMK_E_PROTOCOL, "image %zu is not valid base64", i)
			           : LLMK_E_NOMEM;
	}
	return LLMK_OK;
}

static const llmk__readers readers = {
        .kind = {[LLMK_CHAT] = parse_chat, [LLMK_EMBED] = parse_embed, [LLMK_IMAGE] = parse_image}};

static llmk_status bedrock_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp, const char *ctype,
                                 const char *body, size_t len)
{
	(void)c;
	(void)ctype;
	if (r->kind == LLMK_RERANK)
		return llmk__rerank_parse(r, resp, body, len);
	if (r->kind == LLMK__COUNT_TOKENS)
		return llmk__count_parse(r, resp, body, len);
	return llmk__read_json(&readers, r, resp, "response body", body, len);
}

/* ---- ConverseStream -------------------------------------------------------- */

/* Content-block index -> tool-call index: llmk__block_* (toolkit.h). */
static llmk_status block_start(llmk__stream_ctx *s, json_t *ev)
{
	json_t *tu = json_object_get(json_object_get(ev, "start"), "toolUse");

	if (!json_is_object(tu))
		return LLMK_OK;
	return llmk__block_tool_start(s, ev, "contentBlockIndex", "toolUse block",
	                              json_string_value(json_object_get(tu, "toolUseId")),
	                              json_string_value(json_object_get(tu, "name")), "", 0);
}

/* ReasoningContentBlockDelta: text, then the signature that ends the
 * block, or a redactedContent block whole. Kept for the next turn as the
 * text and its signature, or the redacted block as JSON. */
static llmk_status reasoning_delta(llmk__stream_ctx *s, json_t *rc)
{
	llmk__turn_item *it = llmk__turn_last(s->resp, LLMK_PART_REASONING);
	json_t *v, *b;
	llmk_status st;

	if (json_is_string(json_object_get(rc, "redactedContent"))) {
		if (!(b = json_pack("{s:O}", "reasoningContent", rc)))
			return FAIL_OOM(s->resp);
		st = keep_block(s->resp, b);
		json_decref(b);
		return st ? llmk__stream_stopped(s) : LLMK_OK;
	}
	if (json_is_string(v = json_object_get(rc, "signature"))) {
		if (!it && !(it = llmk__turn_add(s->resp, LLMK_PART_REASONING, 0)))
			return llmk__stream_stopped(s);
		if (llmk__buf_append(&it->opaque, json_string_value(v), json_string_length(v)))
			return FAIL_OOM(s->resp);
	}
	if (!json_is_string(v = json_object_get(rc, "text")))
		return LLMK_OK;
	/* text after a signature starts the next block */
	if ((!it || it->opaque.len) && !(it = llmk__turn_add(s->resp, LLMK_PART_REASONING, 0)))
		return llmk__stream_stopped(s);
	return llmk__emit_reasoning(s, json_string_value(v), json_string_length(v)) ? llmk__stream_stopped(s) : LLMK_OK;
}

static llmk_status block_delta(llmk__stream_ctx *s, json_t *ev)
{
	json_t *d = json_object_get(ev, "delta"), *v;
	size_t idx;

	if (json_is_string(v = json_object_get(d, "text"))) {
		if (!llmk__turn_last(s->resp, LLMK_PART_TEXT) && !llmk__turn_add(s->resp, LLMK_PART_TEXT, 0))
			return llmk__stream_stopped(s);
		return llmk__emit_json_text(s, v);
	}
	if (json_is_object(v = json_object_get(d, "reasoningContent")))
		return reasoning_delta(s, v);
	if (!json_is_object(v = json_object_get(d, "toolUse")))
		return LLMK_OK; /* citations, images, ...: not ours */
	if (llmk__json_index(ev, "contentBlockIndex", &idx) || !llmk__block_is_tool(s->state, idx))
		return llmk__fail(s->resp, LLMK_E_PROTOCOL, "toolUse delta for a block that did not start as toolUse");
	return llmk__block_tool_args(s, idx, json_object_get(v, "input"));
}

static llmk_status bedrock_stream_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	llmk_response *resp = s->resp;
	json_t *root;
	llmk_status st = LLMK_OK;
	const char *name = event ? event : "";

	if (!strncmp(name, "error:", 6)) { /* payload: the :error-message text */
		if (llmk__set_field(&resp->error_code, name + 6) || llmk__set_fieldn(&resp->error, data, len))
			return FAIL_OOM(resp);
		return llmk__stream_failure(resp, LLMK_E_SERVER);
	}
	/* messageStart (the role), contentBlockStop and events added later
	 * carry nothing for us: not even parsed. */
	if (strncmp(name, "exception:", 10) && strcmp(name, "contentBlockStart") && strcmp(name, "contentBlockDelta") &&
	    strcmp(name, "messageStop") && strcmp(name, "metadata"))
		return LLMK_OK;
	if (!(root = llmk__json_event(data, len, resp, "bedrock stream event", name)))
		return resp->status;
	if (!strncmp(name, "exception:", 10)) {
		st = llmk__stream_failure(resp, error_status(resp, 200, root, name + 10));
	} else if (!strcmp(name, "contentBlockStart")) {
		st = block_start(s, root);
	} else if (!strcmp(name, "contentBlockDelta")) {
		st = block_delta(s, root);
	} else if (!strcmp(name, "messageStop")) {
		const char *stop = json_string_value(json_object_get(root, "stopReason"));
		if (stop && llmk__set_finish(resp, stop))
			st = FAIL_OOM(resp);
		s->done = 1;
	} else if (!strcmp(name, "metadata")) {
		/* Comes after messageStop: usage for the whole answer. */
		st = llmk__stream_usage(s, json_object_get(root, "usage"), read_usage);
	}
	json_decref(root);
	return st;
}

const llmk__adapter llmk__bedrock_adapter = {.build = bedrock_build,
                                             .parse = bedrock_parse,
                                             .parse_error = bedrock_parse_error,
                                             .stream_event = bedrock_stream_event,
                                             .framing = LLMK_FRAMING_EVENTSTREAM,
                                             .feature = LLMK_FEATURE_BEDROCK,
                                             .state_size = sizeof(llmk__blocks)};
