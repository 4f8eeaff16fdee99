/* The conversation of a request: messages, text, images, documents, tool
 * calls and results, tools, inputs, audio, extra JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "b64.h"
#include "json.h"
#include "options.h"
#include "request.h"
#include "request_build.h"
#include "response.h"
#include "url.h"
#include "utf8.h"

/* ---- conversation ------------------------------------------------------- */

llmk_status llmk__req_need_kind(llmk_request *r, int32_t kind, const char *fn)
{
	if (r->kind != kind)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "%s applies to %s requests, this is a %s request", fn,
		                     llmk__req_kind_name(kind), llmk__req_kind_name(r->kind));
	return LLMK_OK;
}

llmk__message *llmk__req_new_message(llmk_request *r, int32_t role)
{
	llmk__message *m;

	if (llmk__req_grow((void **)&r->msgs, &r->msgcap, r->nmsgs, sizeof(*r->msgs)))
		return NULL;
	m = &r->msgs[r->nmsgs++];
	memset(m, 0, sizeof(*m));
	m->role = role;
	return m;
}

llmk__part *llmk__req_new_part(llmk__message *m)
{
	llmk__part *p;

	if (llmk__req_grow((void **)&m->parts, &m->cap, m->nparts, sizeof(*m->parts)))
		return NULL;
	p = &m->parts[m->nparts];
	memset(p, 0, sizeof(*p));
	return p;
}

static llmk_status add_text(llmk_request *r, llmk__message *m, const char *text)
{
	llmk__part *p = llmk__req_new_part(m);

	if (!p || !(p->text = llmk__strdup(text)))
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
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
	/* Chat; or a conversation to moderate (Mistral's chat moderation). */
	if (r->kind != LLMK_MODERATE && (st = llmk__req_need_kind(r, LLMK_CHAT, "add_message")))
		return st;
	if (role == LLMK_ROLE_TOOL)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "use llmk_request_add_tool_result() for tool messages");
	if (role < LLMK_ROLE_SYSTEM || role > LLMK_ROLE_DEVELOPER)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "unknown role %d", (int)role);
	m = llmk__req_new_message(r, role);
	if (!m)
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	if (text && (st = add_text(r, m, text))) {
		llmk__free(m->parts);
		r->nmsgs--;
		return st;
	}
	return LLMK_OK;
}

llmk__message *llmk__req_last_message(llmk_request *r, const char *fn)
{
	/* A moderation request's images live in one implicit user message
	 * (its texts are inputs): made by the first image. */
	if (r->kind == LLMK_MODERATE && !strcmp(fn, "add_image") &&
	    (r->nmsgs || llmk__req_new_message(r, LLMK_ROLE_USER)))
		return &r->msgs[r->nmsgs - 1];
	if (r->kind == LLMK_MODERATE && !strcmp(fn, "add_image")) {
		llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
		return NULL;
	}
	if (llmk__req_need_kind(r, LLMK_CHAT, fn))
		return NULL;
	if (!r->nmsgs) {
		llmk__req_err(r, LLMK_E_INVALID_ARG, "%s needs a message first (llmk_request_add_message)", fn);
		return NULL;
	}
	return &r->msgs[r->nmsgs - 1];
}

llmk_status llmk_request_add_text(llmk_request *r, const char *text)
{
	llmk__message *m;

	if (!r || !text)
		return r ? llmk__req_err(r, LLMK_E_INVALID_ARG, "text is NULL") : LLMK_E_INVALID_ARG;
	if (!(m = llmk__req_last_message(r, "add_text")))
		return LLMK_E_INVALID_ARG;
	if (m->role == LLMK_ROLE_TOOL)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "a tool result takes no further parts");
	return add_text(r, m, text);
}

static llmk_status add_image(llmk_request *r, char *url, const char *detail)
{
	llmk__message *m;
	llmk__part *p;

	if (!(m = llmk__req_last_message(r, "add_image"))) {
		llmk__free(url);
		return LLMK_E_INVALID_ARG;
	}
	if (m->role != LLMK_ROLE_USER) {
		llmk__free(url);
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "images can only be added to user messages");
	}
	if (detail && strcmp(detail, "auto") && strcmp(detail, "low") && strcmp(detail, "high")) {
		llmk__free(url);
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "image detail must be auto, low or high");
	}
	p = llmk__req_new_part(m);
	if (!p || (detail && !(p->detail = llmk__strdup(detail)))) {
		llmk__free(url);
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
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
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "image URL must start with http://, https:// or data:");
	copy = llmk__strdup(url);
	if (!copy)
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	return add_image(r, copy, detail);
}

llmk_status llmk_request_add_image_data(llmk_request *r, const uint8_t *data, size_t len, const char *mime)
{
	char *url;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if (!data || !len)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "image data is empty");
	if (!mime || strncmp(mime, "image/", 6) || strpbrk(mime, ";, \r\n"))
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "image MIME type must be image/<type>");
	url = llmk__data_url(mime, data, len);
	if (!url)
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
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
llmk_status llmk__req_add_document_part(llmk_request *r, char *url, const char *name)
{
	llmk__message *m;
	llmk__part *p;

	if (!(m = llmk__req_last_message(r, "add_document"))) {
		llmk__free(url);
		return LLMK_E_INVALID_ARG;
	}
	if (m->role != LLMK_ROLE_USER) {
		llmk__free(url);
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "documents can only be added to user messages");
	}
	if (!(p = llmk__req_new_part(m)) || !(p->detail = llmk__strdup(name))) {
		llmk__free(url);
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	p->type = LLMK_PART_DOCUMENT;
	p->text = url;
	m->nparts++;
	return LLMK_OK;
}

int llmk__req_valid_doc_name(const char *s)
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
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "document data is empty");
	if (!mime || ((pdf = !strcmp(mime, "application/pdf")) == 0 && strcmp(mime, "text/plain")))
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "document MIME type must be application/pdf or text/plain");
	if (!pdf && !utf8_ok(data, len))
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "a text/plain document must be UTF-8 text without NUL");
	if (!filename)
		filename = pdf ? "document.pdf" : "document.txt";
	if (!llmk__req_valid_doc_name(filename))
		return llmk__req_err(r, LLMK_E_INVALID_ARG,
		                     "document file name must be 1-200 characters without quotes, "
		                     "slashes or control characters");
	if (!(url = llmk__data_url(mime, data, len)))
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	return llmk__req_add_document_part(r, url, filename);
}

llmk_status llmk_request_add_tool_call(llmk_request *r, const char *id, const char *name, const char *args)
{
	llmk__message *m;
	llmk__part *p;
	llmk_status st;

	if (!r)
		return LLMK_E_INVALID_ARG;
	if (!id || !*id || !name || !*name)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "tool call needs an id and a name");
	if (!(m = llmk__req_last_message(r, "add_tool_call")))
		return LLMK_E_INVALID_ARG;
	if (m->role != LLMK_ROLE_ASSISTANT)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "tool calls belong to assistant messages");
	if (!args)
		args = "{}";
	if ((st = llmk__req_check_json(r, "tool call arguments", args, 1)))
		return st;
	p = llmk__req_new_part(m);
	if (!p)
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	p->type = LLMK_PART_TOOL_CALL;
	p->id = llmk__strdup(id);
	p->detail = llmk__strdup(name);
	p->text = llmk__strdup(args);
	if (!p->id || !p->detail || !p->text) {
		llmk__req_part_free(p);
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
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
	if ((st = llmk__req_need_kind(r, LLMK_CHAT, "add_tool_result")))
		return st;
	if (!tool_call_id || !*tool_call_id || !content)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "tool result needs a tool_call_id and content");
	m = llmk__req_new_message(r, LLMK_ROLE_TOOL);
	if (!m)
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	if (!(m->tool_call_id = llmk__strdup(tool_call_id)) || add_text(r, m, content)) {
		llmk__free(m->tool_call_id);
		llmk__free(m->parts);
		r->nmsgs--;
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
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
	if ((st = llmk__req_need_kind(r, LLMK_CHAT, "add_tool")))
		return st;
	if (!name || !valid_tool_name(name))
		return llmk__req_err(r, LLMK_E_INVALID_ARG,
		                     "tool name must be 1-64 characters of a-z, A-Z, 0-9, _ and -");
	if (params && (st = llmk__req_check_json(r, "tool parameters", params, 1)))
		return st;
	if (llmk__req_grow((void **)&r->tools, &r->toolcap, r->ntools, sizeof(*r->tools)))
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	t = &r->tools[r->ntools];
	memset(t, 0, sizeof(*t));
	t->name = llmk__strdup(name);
	t->description = description ? llmk__strdup(description) : NULL;
	t->parameters = params ? llmk__strdup(params) : NULL;
	if (!t->name || (description && !t->description) || (params && !t->parameters)) {
		llmk__free(t->name);
		llmk__free(t->description);
		llmk__free(t->parameters);
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
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
	/* Texts to embed, documents to rank, texts to moderate. */
	if (r->kind != LLMK_RERANK && r->kind != LLMK_MODERATE &&
	    (st = llmk__req_need_kind(r, LLMK_EMBED, "add_input")))
		return st;
	if (!text)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "input text is NULL");
	if (llmk__req_grow((void **)&r->inputs, &r->inputcap, r->ninputs, sizeof(*r->inputs)) ||
	    !(copy = llmk__strdup(text)))
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
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
	if ((st = llmk__req_need_kind(r, LLMK_TRANSCRIBE, "set_audio")))
		return st;
	if (!data || !len)
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "audio data is empty");
	if (!filename || !*filename || strpbrk(filename, "\"/\\") || llmk__has_ctl(filename))
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "audio file name must be a plain name like speech.wav");
	/* The MIME type is a Content-Type header for some providers. */
	if (mime && (strchr(mime, '"') || llmk__has_ctl(mime)))
		return llmk__req_err(r, LLMK_E_INVALID_ARG, "audio MIME type contains invalid characters");
	copy = llmk__malloc(len);
	name = llmk__strdup(filename);
	type = llmk__strdup(mime ? mime : mime_from_name(filename));
	if (!copy || !name || !type) {
		llmk__free(copy);
		llmk__free(name);
		llmk__free(type);
		return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
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
		if ((st = llmk__req_check_json(r, "extra JSON", json_object, 1)))
			return st;
		if (!(copy = llmk__strdup(json_object)))
			return llmk__req_err(r, LLMK_E_NOMEM, "out of memory");
	}
	llmk__free(r->extra_json);
	r->extra_json = copy;
	return LLMK_OK;
}
