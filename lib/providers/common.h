/* Helpers shared by the provider adapters: JSON bodies, auth headers, error
 * bodies, data URLs, tool-call ids. Private to lib/. */
#ifndef LLMK_PROVIDERS_COMMON_H
#define LLMK_PROVIDERS_COMMON_H

#include <jansson.h>

#include "adapter.h"
#include "alloc.h"
#include "b64.h"
#include "ids.h"
#include "json.h"
#include "registry.h"
#include "secret.h"
#include "status.h"
#include "url.h"

#define LLMK__FAIL_OOM(resp) llmk__fail((resp), LLMK_E_NOMEM, "out of memory building the request")

/* Sets obj[key] = val (stealing val); -1 when val is NULL or on failure. */
int llmk__json_set(json_t *obj, const char *key, json_t *val);

/* Parses JSON text of any type (tool parameters, schemas), or NULL. */
json_t *llmk__json_text(const char *text);

/* Parses a body that must be a JSON object; on failure records
 * LLMK_E_PROTOCOL naming `what` and returns NULL. */
json_t *llmk__json_object(const char *body, size_t len, llmk_response *resp, const char *what);

/* *out = obj[key] when it is a non-negative integer. */
void llmk__json_i64(json_t *obj, const char *key, int64_t *out);

/* A string or integer JSON value as a new string (error codes), or NULL. */
char *llmk__json_string_or_number(json_t *v);

/* Appends a JSON value's compact text (a tool call's arguments: a string
 * is taken as is, an object is serialised). */
llmk_status llmk__json_append_args(llmk_buf *out, json_t *args);

/* Merges the request's extra JSON object into body. */
llmk_status llmk__merge_extra(const llmk_request *r, json_t *body, llmk_response *resp);

/* Serialises body into the exchange and sets Content-Type: application/json
 * and Accept (NULL: application/json). Does not steal body. */
llmk_status llmk__set_json_body(llmk_exchange *ex, json_t *body, const char *accept, llmk_response *resp);

/* Adds a credential header "name: prefix key" without leaving unwiped
 * copies behind (prefix may be NULL). */
llmk_status llmk__auth_header(llmk_exchange *ex, const char *name, const char *prefix, const char *key);

/* User-Agent: the client's option or llmkit/VERSION. */
llmk_status llmk__user_agent(const llmk_client *c, llmk_exchange *ex);

/* Status for an error found in a body, from its type/code/message and the
 * HTTP status (0 or 2xx: an error inside a successful response). */
llmk_status llmk__status_from_error(int32_t http, const char *type, const char *code, const char *msg);

/* Fills error/error_type/error_code from the common error shapes:
 * {"error":{"message","type","code"|"status"}}, {"error":"..."},
 * {"message":...}, {"detail":...}; returns the status. */
llmk_status llmk__error_from_json(llmk_response *resp, int32_t http, json_t *root);

/* parse_error for JSON-or-text bodies (non-JSON: a printable snippet). */
llmk_status llmk__error_generic(llmk_response *resp, int32_t http, const char *body, size_t len);

/* Turns the message llmk__error_from_json() left in resp->error into the
 * final failure of an error inside a 2xx answer (stream or body):
 * "error inside the stream: ...". */
llmk_status llmk__stream_failure(llmk_response *resp, llmk_status st);

/* Streams whose content blocks are numbered across text, thinking and tool
 * blocks while tool calls are numbered across tool blocks only (Anthropic
 * Messages, Bedrock ConverseStream): s->state[0..3] is a bitmap of the
 * block indices that are tool blocks, and a block's tool-call index is the
 * number of tool blocks before it, whatever order the events come in. */
#define LLMK_MAX_BLOCKS 256
/* Marks block `block` (< LLMK_MAX_BLOCKS) as a tool block. */
void llmk__block_set_tool(llmk_stream_ctx *s, size_t block);
int llmk__block_is_tool(const llmk_stream_ctx *s, size_t block);
size_t llmk__block_tool_index(const llmk_stream_ctx *s, size_t block);
/* Why an emit call asked to stop: the failure on record, else the caller's
 * cancel. */
llmk_status llmk__stream_stopped(llmk_stream_ctx *s);

/* For "data:<mime>;base64,<data>" URLs: sets *mime (not NUL-terminated,
 * length *mime_len) and *b64 (rest of the string) and returns 1; else 0. */
int llmk__data_url_split(const char *url, const char **mime, size_t *mime_len, const char **b64);

/* A tool declaration {"name", "description"?, <schema_key>: schema}; the
 * schema is the tool's parameters or, when it has none, an empty object
 * schema. With `wrap`, OpenAI's {"type": "function", "function": {...}}.
 * NULL on allocation failure. */
json_t *llmk__tool_decl(const llmk_tool *t, const char *schema_key, int wrap);

/* Appends every declared tool to body[key] (an array it creates). */
llmk_status llmk__tool_decls(const llmk_request *r, json_t *body, const char *key, const char *schema_key, int wrap,
                             llmk_response *resp);

/* A message's text and image parts as OpenAI's content array
 * [{"type":"text","text"}, {"type":"image_url","image_url":{"url","detail"?}}]
 * (also Cohere v2's shape). NULL on allocation failure. */
json_t *llmk__content_parts(const llmk_message *m);

/* A document part (LLMK_PART_DOCUMENT) in the OpenAI shapes: a PDF as a
 * file part with the data: URL as file_data ({"type":"file","file":{...}}
 * when file_type is "file", else {"type": file_type, "filename",
 * "file_data"}: the Responses API's input_file), a text/plain document as
 * its text ({"type": text_type, "text"}): those APIs read only PDFs. NULL
 * on allocation failure. */
json_t *llmk__document_part(const llmk_part *p, const char *text_type, const char *file_type);
/* A text/plain document's text (decoded from its data: URL) appended to out. */
llmk_status llmk__document_text(const llmk_part *p, llmk_buf *out);

/* The text parts of a message joined with "\n" ("" when none). */
llmk_status llmk__message_text(const llmk_message *m, llmk_buf *out);

/* Stores n vectors of dim floats taken from rows[i] (JSON arrays of
 * numbers); checks shape. `what` names the response in messages. */
llmk_status llmk__embeddings_from_rows(llmk_response *resp, json_t *const *rows, size_t n, size_t expected,
                                       const char *what);

#endif
