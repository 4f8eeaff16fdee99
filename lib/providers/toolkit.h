/* The provider toolkit: what the adapters (one file per wire format) share.
 * Private to lib/providers; toolkit.c (requests), toolkit_answers.c and
 * toolkit_streams.c.
 *
 * How to write an adapter
 * -----------------------
 * An adapter is a `const llmk__adapter` (adapter.h) with four functions, the
 * framing of its streams, its feature bit and the size of its stream state;
 * registry.c gives it rows (name, base URL, key variable, what it serves).
 * The wire format is mostly data handed to the toolkit:
 *
 *   build()   Set the URL (llmk__exchange_set_url) and headers
 *             (llmk__key_headers), start the body as {"model": model}, and
 *             describe the format with tables: llmk__opt_key (which option
 *             becomes which member), llmk__put_stops, llmk__tool_shape and
 *             llmk__choice (tools and tool_choice as JSON templates),
 *             llmk__part_shape (message parts as content blocks). End with
 *             llmk__finish_body(), which merges the extra JSON and writes the
 *             body with the library's writer. A format whose URL is the base
 *             URL plus a path per kind hands llmk__builders to
 *             llmk__build_json() and is done. Multipart: llmk__form_opts,
 *             llmk__set_form_body. Allocation failures: FAIL_OOM(resp).
 *   parse()   A JSON answer is llmk__read_json() with llmk__readers: one
 *             reader per request kind, an optional `first` (model, ids) and
 *             the prefix of errors found inside a 2xx answer.
 *   parse_error()  llmk__error_generic, or llmk__read_error() with the
 *             format's own reading of the error object on top of
 *             llmk__error_from_json().
 *   stream_event()  One SSE event or NDJSON line. llmk__json_event parses
 *             it (llmk__json_stream_event also turns {"error": ...} into the
 *             stream's failure); emit with llmk__emit_json_text/_reasoning,
 *             llmk__emit_tool, llmk__stream_usage; when an emit asks to
 *             stop, return llmk__stream_stopped(s); set s->done at the
 *             format's end marker. State kept across events lives in
 *             s->state: a zeroed block of the adapter's state_size that the
 *             engine gives each streamed attempt (llmk__blocks for formats
 *             that number tool calls by content block).
 *
 * Adapters built on another's wire format take its body as a tree
 * (llmk__body_edit, huggingface.c on llmk__openai_build()), never its text.
 * Names: llmk__ functions, llmk__ types; every JSON body goes out through
 * llmk__set_json_body (lib/base/json.h). */
#ifndef LLMK_PROVIDERS_TOOLKIT_H
#define LLMK_PROVIDERS_TOOLKIT_H

#include <jansson.h>

#include "adapter.h"
#include "alloc.h"
#include "b64.h"
#include "ids.h"
#include "json.h"
#include "multipart.h"
#include "registry.h"
#include "secret.h"
#include "status.h"
#include "url.h"

/* An allocation failed while a request was built: the one definition every
 * adapter uses. */
#define FAIL_OOM(resp) llmk__fail((resp), LLMK_E_NOMEM, "out of memory building the request")

/* ---- JSON values ---------------------------------------------------------- */

/* Sets obj[key] = val (stealing val); -1 when val is NULL or on failure. */
int llmk__json_set(json_t *obj, const char *key, json_t *val);

/* Parses JSON text of any type (tool parameters, schemas), or NULL. */
json_t *llmk__json_text(const char *text);

/* Parses a body that must be a JSON object; on failure records
 * LLMK_E_PROTOCOL naming `what` and returns NULL. */
json_t *llmk__json_object(const char *body, size_t len, llmk_response *resp, const char *what);
/* The same for the answer to request r: an embedding answer's number
 * arrays are packed (LLMK_JSON_PACK_REALS; llmk__json_vector() reads
 * them), and with `keep` (NULL-terminated; NULL: all) only those members
 * of the root are built -- the others are checked and skipped, so a huge
 * unknown member costs no memory. Budget failures are LLMK_E_TOO_LARGE. */
json_t *llmk__json_object_for(const llmk_request *r, const char *const *keep, const char *body, size_t len,
                              llmk_response *resp, const char *what);
/* An embedding vector: a packed array or a JSON array. Its length (0 when
 * v is neither), and with out its numbers as floats (-1 when one is not a
 * number). */
size_t llmk__json_vector_len(const json_t *v);
int llmk__json_vector(const json_t *v, float *out);

/* *out = obj[key] when it is a non-negative integer. */
/* A negative count or an absurd one (past 2^53, where sums of a few could
 * wrap) is taken as absent. Every token count goes through here. */
#define LLMK_MAX_COUNT (INT64_C(1) << 53)
void llmk__json_i64(json_t *obj, const char *key, int64_t *out);

/* *out = obj[key] when it is a non-negative integer (an index); else -1. */
int llmk__json_index(json_t *obj, const char *key, size_t *out);

/* A string or integer JSON value as a new string (error codes), or NULL. */
char *llmk__json_string_or_number(json_t *v);

/* Appends a JSON value's compact text (a tool call's arguments: a string
 * is taken as is, an object is serialised). */
llmk_status llmk__json_append_args(llmk__buf *out, json_t *args);

/* Appends v to b when it is a JSON string; -1 on a failed allocation. */
int llmk__json_append_str(llmk__buf *b, json_t *v);

/* A new empty array at obj[key]; NULL on a failed allocation. */
json_t *llmk__json_set_array(json_t *obj, const char *key);

/* obj[key] = the n strings of v as a JSON array; -1 on a failed
 * allocation. */
int llmk__json_set_strings(json_t *obj, const char *key, char *const *v, size_t n);

/* A value for a placeholder of a JSON template (llmk__json_template). */
typedef struct llmk__slot {
	const char *name; /* the placeholder: a string value of the template, "$name" */
	const char *text; /* it becomes this string, or */
	json_t *value;    /* this value (borrowed); both NULL: the member or element is left out */
} llmk__slot;

/* Wire shapes written as the JSON they are: parses the template (constant
 * JSON text) and replaces each string value that names a slot. What a slot
 * puts in is not searched for placeholders. NULL on a failed allocation. */
json_t *llmk__json_template(const char *tmpl, const llmk__slot *slots, size_t nslots);

/* ---- request bodies ------------------------------------------------------- */

/* One request option and the member it becomes. A table of them, ended by
 * {0, NULL}, is how an adapter names its sampling parameters. */
typedef struct llmk__opt_key {
	int32_t opt; /* LLMK_OPT_* */
	const char *key;
} llmk__opt_key;

/* obj[key] = the value of each option of map the request sets, in the
 * table's order, as a string, an integer or a number after the option's
 * type. -1 on a failed allocation. */
int llmk__put_opts(json_t *obj, const llmk_request *r, const llmk__opt_key *map);

/* obj[key] = the request's stop sequences (under the wire format's name
 * for them: "stop", "stop_sequences", "stopSequences"); nothing when it
 * has none. -1 on a failed allocation. */
int llmk__put_stops(json_t *obj, const char *key, const llmk_request *r);

/* body[key] = an object of the request's options of map and its stop
 * sequences (under stops_key), left out when the request sets none of them
 * (Ollama's "options", Bedrock's "inferenceConfig"). -1 on a failed
 * allocation. */
int llmk__put_section(json_t *body, const char *key, const llmk_request *r, const llmk__opt_key *map,
                      const char *stops_key);

/* The text parts of a message joined with "\n" ("" when none). */
llmk_status llmk__message_text(const llmk__message *m, llmk__buf *out);

/* A message's text and image parts as OpenAI's content array
 * [{"type":"text","text"}, {"type":"image_url","image_url":{"url","detail"?}}]
 * (also Cohere v2's shape). NULL on allocation failure. */
json_t *llmk__content_parts(const llmk__message *m);

/* A document part (LLMK_PART_DOCUMENT) in the OpenAI shapes: a PDF as a
 * file part with the data: URL as file_data ({"type":"file","file":{...}}
 * when file_type is "file", else {"type": file_type, "filename",
 * "file_data"}: the Responses API's input_file), a text/plain document as
 * its text ({"type": text_type, "text"}): those APIs read only PDFs. NULL
 * on allocation failure. */
json_t *llmk__document_part(const llmk__part *p, const char *text_type, const char *file_type);
/* A text/plain document's text (decoded from its data: URL) appended to out. */
llmk_status llmk__document_text(const llmk__part *p, llmk__buf *out);

/* For "data:<mime>;base64,<data>" URLs: sets *mime (not NUL-terminated,
 * length *mime_len) and *b64 (rest of the string) and returns 1; else 0. */
int llmk__data_url_split(const char *url, const char **mime, size_t *mime_len, const char **b64);

/* body["messages"] = one JSON message per message of the request, each
 * made by `one` (NULL: out of memory); LLMK_E_INVALID_ARG when the request
 * has none. */
llmk_status llmk__put_messages(json_t *body, const llmk_client *c, const llmk_request *r,
                               json_t *(*one)(const llmk_client *c, const llmk__message *m), llmk_response *resp);

/* An assistant's tool call as the wire format writes it: a template with
 * "$id", "$name" and "$input", the arguments as a JSON object (empty
 * arguments are {}). NULL with resp failed: LLMK_E_INVALID_ARG (naming
 * `provider`) when the arguments are not an object. */
json_t *llmk__tool_call_json(const llmk__part *p, const char *tmpl, const char *provider, llmk_response *resp);

/* How a wire format writes a message's parts as content blocks
 * (Anthropic Messages, Bedrock Converse, Gemini parts). */
typedef struct llmk__part_shape {
	const char *text;                                           /* template of a text part: "$text" */
	const char *tool_call;                                      /* template of a tool call (llmk__tool_call_json) */
	json_t *(*image)(const llmk__part *p, llmk_response *resp); /* NULL with resp failed */
	/* A document part (LLMK_PART_DOCUMENT), or NULL: the format takes none
	 * (the engine refuses them before: LLMK_CAP_DOCUMENTS). */
	json_t *(*document)(const llmk__part *p, llmk_response *resp);
	/* A reasoning part of an earlier answer (llmk_request_add_response()):
	 * its block, or NULL -- with resp failed, or with nothing to send back
	 * (another format's, or no signature) -- or no function: left out. */
	json_t *(*reasoning)(const llmk__part *p, llmk_response *resp);
	int skip_empty_text; /* leave out empty text (APIs that reject empty blocks) */
	/* Formats whose opaque state rides on the part it came with (Gemini's
	 * thoughtSignature): the member set to a part's opaque text when the
	 * part is of this wire (LLMK_FEATURE_*), on whatever block it became. */
	const char *signature_key;
	int64_t wire;
	/* The wire (LLMK_FEATURE_*) whose LLMK_PART_OPAQUE parts are whole
	 * blocks of this format, sent back as they came (Anthropic server
	 * tools' blocks); 0: opaque parts are left out. */
	int64_t opaque_wire;
} llmk__part_shape;

/* The reasoning block of an earlier answer of wire format `wire`, sent
 * back unchanged: the block as it came when its opaque state is JSON
 * (whole blocks: Anthropic thinking and redacted_thinking, Bedrock
 * reasoningContent), else `tmpl` with "$text" and "$signature" (a block
 * assembled from a stream's text and signature deltas). NULL with nothing
 * recorded when there is nothing to send back (another wire's part, or no
 * signature: the API would refuse it), NULL with resp failed on OOM. */
json_t *llmk__signed_block(const llmk__part *p, int64_t wire, const char *tmpl, llmk_response *resp);

/* Appends a block to `blocks` for each text, image, document, reasoning
 * and tool-call part of m. */
llmk_status llmk__append_parts(json_t *blocks, const llmk__message *m, const llmk__part_shape *shape,
                               const char *provider, llmk_response *resp);

/* The name of the tool call with this id in the messages before `upto`
 * (for formats whose tool results name the tool: Gemini, Ollama), or NULL. */
const char *llmk__tool_call_name(const llmk_request *r, size_t upto, const char *id);

/* ---- tools ---------------------------------------------------------------- */

/* How a wire format declares a tool. */
typedef struct llmk__tool_shape {
	/* Template of one declaration: "$name", "$description" (left out when
	 * the tool has none), "$schema" and "$strict" (LLMK_OPT_STRICT_TOOLS as
	 * a boolean, left out when the request does not set it). */
	const char *decl;
	/* The schema of a tool declared without parameters (JSON text), or
	 * NULL: "$schema" is left out. */
	const char *no_parameters;
	/* When not NULL, rewrites a schema for the wire in place, or releases
	 * it and sets *schema NULL to leave it out; -1 on a failed allocation
	 * (*schema is the caller's to release). */
	int (*schema)(json_t **schema);
} llmk__tool_shape;

/* OpenAI's {"type": "function", "function": {"name", "description",
 * "parameters"}}, also Cohere v2's and TGI's. */
extern const llmk__tool_shape llmk__function_tool;

/* A new array obj[key] holding a declaration of each of the request's
 * tools; nothing when it has none. */
llmk_status llmk__tool_decls(const llmk_request *r, const llmk__tool_shape *shape, json_t *obj, const char *key,
                             llmk_response *resp);

/* One value of LLMK_OPT_TOOL_CHOICE in a wire format's vocabulary and the
 * JSON text sent for it ("": nothing is sent). A table of them, ended by
 * {NULL, NULL}, maps the words "auto", "none", "required" and "any" (the
 * word Anthropic and Mistral use for required) that the format takes, and:
 *   "$tool"  forcing one declared tool, a template whose "$name" is the tool;
 *   "$only"  forcing the only declared tool, for a format that cannot name
 *            one (Cohere: then it is "use a tool").
 * A word the table lacks is not taken. */
typedef struct llmk__choice {
	const char *word;
	const char *json;
} llmk__choice;

/* obj[key] = the request's tool_choice in the vocabulary of `map`; nothing
 * when it has none. Fails with LLMK_E_INVALID_ARG for a value that is
 * neither a word of the table nor a declared tool, LLMK_E_UNSUPPORTED for a
 * tool the format cannot force; the messages name `provider`. */
llmk_status llmk__set_tool_choice(const llmk_request *r, const llmk__choice *map, json_t *obj, const char *key,
                                  const char *provider, llmk_response *resp);

/* ---- finishing a request -------------------------------------------------- */

/* Merges the request's extra JSON object into body. */
llmk_status llmk__merge_extra(const llmk_request *r, json_t *body, llmk_response *resp);

/* Serialises body into the exchange with the library's writer and sets
 * Content-Type: application/json and Accept (NULL: application/json). Does
 * not steal body. */
llmk_status llmk__set_json_body(llmk_exchange *ex, json_t *body, const char *accept, llmk_response *resp);

/* Rewrites a request body tree before it is written; -1 on a failed
 * allocation. The JSON tree hand-off between adapters: one built on
 * another's wire format changes the tree that one built (huggingface.c on
 * llmk__openai_build(), openai.h), never its text. */
typedef int (*llmk__body_edit)(json_t *body);

/* The end of a JSON build(): when st is LLMK_OK, merges the request's extra
 * JSON into body, lets edit (when not NULL) rewrite it and writes it into
 * the exchange (llmk__set_json_body). Releases body in every case and
 * returns the status. */
llmk_status llmk__finish_body(llmk_exchange *ex, const llmk_request *r, json_t *body, llmk_status st,
                              llmk__body_edit edit, const char *accept, llmk_response *resp);

/* Fills the body of one kind of request ({"model": ...} is in it). */
typedef llmk_status (*llmk__builder)(const llmk_client *c, const llmk_request *r, int stream, json_t *body,
                                     llmk_response *resp);

/* How an adapter builds JSON requests whose URL is the base URL and a path
 * per kind (Cohere, Ollama). */
typedef struct llmk__builders {
	const char *key_header, *key_prefix; /* the credential header (llmk__key_headers) */
	const char *stream_accept;           /* Accept of a streamed request */
	const char *path[LLMK_SPEECH + 1];   /* by LLMK_CHAT, LLMK_EMBED, ... */
	llmk__builder kind[LLMK_SPEECH + 1]; /* NULL: the kind is not served */
} llmk__builders;

/* build() of such an adapter: the URL, the key headers, {"model": model}
 * filled by the kind's builder, then llmk__finish_body(). */
llmk_status llmk__build_json(const llmk__builders *b, const llmk_client *c, const llmk_request *r, const char *model,
                             int stream, llmk_exchange *ex, llmk_response *resp);

/* Multipart form fields for the options of map the request sets: strings
 * as they are, numbers as %g, integers in decimal. */
void llmk__form_opts(llmk__multipart *mp, const llmk_request *r, const llmk__opt_key *map);

/* Finishes mp into the exchange's body with its Content-Type, and Accept
 * when not NULL; releases mp on failure. */
llmk_status llmk__set_form_body(llmk_exchange *ex, llmk__multipart *mp, const char *accept, llmk_response *resp);

/* Finishes a multipart body from a tree of fields (toolkit_form.c): the
 * request's extra JSON is merged over them (members replace, null removes),
 * then each becomes a form field after the parts already in mp: a string as
 * it is, a number or boolean as its JSON text, an array as one "name[]"
 * field per element, an object as its JSON text. Releases fields; on
 * failure releases mp too. */
llmk_status llmk__form_body(llmk_exchange *ex, llmk__multipart *mp, const llmk_request *r, json_t *fields,
                            const char *accept, llmk_response *resp);

/* Adds a credential header "name: prefix key" without leaving unwiped
 * copies behind (prefix may be NULL). */
llmk_status llmk__auth_header(llmk_exchange *ex, const char *name, const char *prefix, const char *key);

/* User-Agent: the client's option or llmkit/VERSION. */
llmk_status llmk__user_agent(const llmk_client *c, llmk_exchange *ex);

/* The headers of OpenAI's APIs (Chat Completions, Responses): the key as
 * "Authorization: Bearer" (Azure: "api-key"), OpenAI-Organization and
 * OpenAI-Project from the client's options, User-Agent. */
llmk_status llmk__openai_headers(const llmk_client *c, llmk_exchange *ex);

/* Appends "/" and seg[0..n) as one URL path segment, percent-encoded (a
 * model or deployment name). An empty, "." or ".." segment fails the
 * request with LLMK_E_INVALID_ARG naming `what` (azure/.. would post to
 * the parent path, with the key). */
llmk_status llmk__path_segment(llmk__buf *path, const char *what, const char *seg, size_t n, llmk_response *resp);

/* LLMK_OK, or LLMK_E_TOO_LARGE recorded when the answer has more than max
 * of `what` (choices, images, segments: LLMK_MAX_* in bounds.h). */
llmk_status llmk__count_check(llmk_response *resp, const char *what, size_t n, size_t max);

/* "name: prefix key" when the client has a key (llmk__auth_header), then
 * User-Agent. */
llmk_status llmk__key_headers(const llmk_client *c, llmk_exchange *ex, const char *name, const char *prefix);

/* ---- errors (toolkit_answers.c) ------------------------------------------- */

/* Status for an error found in a body, from its type/code/message and the
 * HTTP status (0 or 2xx: an error inside a successful response). */
llmk_status llmk__status_from_error(int32_t http, const char *type, const char *code, const char *msg);

/* Fills error/error_type/error_code from the common error shapes:
 * {"error":{"message","type","code"|"status"}}, {"error":"..."},
 * {"message":...}, {"detail":...}; returns the status. */
llmk_status llmk__error_from_json(llmk_response *resp, int32_t http, json_t *root);

/* parse_error for JSON-or-text bodies (non-JSON: a printable snippet). */
llmk_status llmk__error_generic(llmk_response *resp, int32_t http, const char *body, size_t len);

/* parse_error() for formats with their own reading of a JSON error object
 * (`read`); other bodies go to llmk__error_generic(). */
llmk_status llmk__read_error(llmk_response *resp, int32_t http, const char *body, size_t len,
                             llmk_status (*read)(llmk_response *resp, int32_t http, json_t *root));

/* An error object inside a 2xx answer as the failure "<prefix><message>"
 * with status st (from llmk__error_from_json() or the format's own
 * reading). */
llmk_status llmk__answer_error(llmk_response *resp, llmk_status st, const char *prefix);

/* Turns the message llmk__error_from_json() left in resp->error into the
 * final failure of an error inside a 2xx answer (stream or body):
 * "error inside the stream: ...". */
llmk_status llmk__stream_failure(llmk_response *resp, llmk_status st);

/* ---- whole answers (toolkit_answers.c) ------------------------------------ */

/* Reads one kind of whole JSON answer from its root object. */
typedef llmk_status (*llmk__reader)(const llmk_request *r, json_t *root, llmk_response *resp);

/* How an adapter reads whole JSON answers: with error_prefix, a root that
 * has an "error" member is that failure (llmk__answer_error); then `first`,
 * when not NULL, reads what every answer carries (model, ids); then the
 * reader of the request's kind. */
typedef struct llmk__readers {
	const char *error_prefix;
	const char *const *keep; /* the root's members readers use; NULL: all (llmk__json_object_for) */
	llmk_status (*first)(llmk_response *resp, json_t *root);
	llmk__reader kind[LLMK_SPEECH + 1]; /* by LLMK_CHAT, LLMK_EMBED, ... */
} llmk__readers;

/* parse() of a JSON answer: body as a JSON object (`what` names it in
 * messages), read with `readers`. */
llmk_status llmk__read_json(const llmk__readers *readers, const llmk_request *r, llmk_response *resp, const char *what,
                            const char *body, size_t len);

/* Reads OpenAI-shaped tool calls [{"id", "function": {"name",
 * "arguments"}}] (also Cohere v2's) into the response; arguments are taken
 * as they are when a string, serialised otherwise, and `none` when missing
 * or null. */
llmk_status llmk__read_function_calls(json_t *calls, const char *none, llmk_response *resp);

/* A tool call's id: v when it is a non-empty string, else a new one made in
 * gen (formats that send none: Gemini, Ollama). */
const char *llmk__call_id(json_t *v, char gen[32]);

/* The finish reason v (a JSON string; other values: nothing), kept as
 * sent, with LLMK_FINISH_TOOL_CALLS in the enum when the format says
 * "stop" while the model called tools (Gemini, Ollama): the model waits for
 * the results, which is what callers test the enum for. */
llmk_status llmk__set_finish_calls(llmk_response *resp, json_t *v);

/* Stores n vectors of dim floats taken from rows[i] (JSON arrays of
 * numbers); checks shape. `what` names the response in messages. */
llmk_status llmk__embeddings_from_rows(llmk_response *resp, json_t *const *rows, size_t n, size_t expected,
                                       const char *what);

/* The same for the rows of a JSON array: each element, or its member
 * `member` when that is not NULL ({"values": [...]}). */
llmk_status llmk__embeddings_from_array(llmk_response *resp, json_t *array, const char *member, size_t expected,
                                        const char *what);

/* ---- embedding lists at bulk speed (toolkit_vectors.c) -------------------- */

/* Reads an OpenAI-shaped list of embeddings -- the JSON text of
 * [{"index": i, "embedding": [numbers] | "base64 of little-endian float32"},
 * ...] at list[0, len), already checked as JSON -- straight into the
 * response's float array, no tree built. `expected` vectors (the inputs),
 * all of one size; items may come in any order of "index" (the position
 * when there is none); each index once. `what` names the answer. */
llmk_status llmk__embeddings_from_list(llmk_response *resp, const char *list, size_t len, size_t expected,
                                       const char *what);

/* parse() of an embeddings answer whose root object's `list_key` member is
 * such a list: the root is built with only the members in keep (which must
 * not name list_key), read by `root_reader` (model, usage; may be NULL),
 * then the list is decoded by llmk__embeddings_from_list(). */
llmk_status llmk__read_embedding_answer(const llmk_request *r, llmk_response *resp, const char *body, size_t len,
                                        const char *const *keep, const char *list_key,
                                        llmk_status (*root_reader)(llmk_response *resp, json_t *root),
                                        const char *what);

/* ---- streams (toolkit_streams.c) ------------------------------------------ */

/* The stream-stopped status: why an emit call asked to stop, the failure on
 * record, else the caller's cancel. */
llmk_status llmk__stream_stopped(llmk__stream_ctx *s);

/* Parses the data of one stream event as a JSON object; on failure records
 * LLMK_E_PROTOCOL "<what>[ <event>] is not a JSON object: ..." and returns
 * NULL. */
json_t *llmk__json_event(const char *data, size_t len, llmk_response *resp, const char *what, const char *event);

/* The stream_event() of formats whose events are JSON objects and whose
 * failures arrive as {"error": ...} (OpenAI, Ollama, Gemini): parses data
 * (llmk__json_event), turns an error object into the stream's failure
 * (llmk__stream_failure) and hands anything else to `handle`. */
llmk_status llmk__json_stream_event(llmk__stream_ctx *s, const char *data, size_t len, const char *what,
                                    llmk_status (*handle)(llmk__stream_ctx *s, json_t *root));

/* Emit a JSON string as answer text / reasoning (other values: nothing).
 * LLMK_OK, or the stream-stopped status when the stream is to end. */
llmk_status llmk__emit_json_text(llmk__stream_ctx *s, json_t *v);
llmk_status llmk__emit_json_reasoning(llmk__stream_ctx *s, json_t *v);
llmk_status llmk__emit_json_refusal(llmk__stream_ctx *s, json_t *v);

/* Reads a usage object into the response with the adapter's `read` and
 * emits the usage event; nothing when u is not an object. LLMK_OK or the
 * stream-stopped status. */
llmk_status llmk__stream_usage(llmk__stream_ctx *s, json_t *u, void (*read)(json_t *u, llmk_response *resp));

/* Streams whose content blocks are numbered across text, thinking and tool
 * blocks while tool calls are numbered across tool blocks only (Anthropic
 * Messages, Bedrock ConverseStream): the adapter's stream state is an
 * llmk__blocks (state_size = sizeof(llmk__blocks)), a bitmap of the block
 * indices that are tool blocks, and a block's tool-call index is the number
 * of tool blocks before it, whatever order the events come in. */
#define LLMK_MAX_BLOCKS 256
typedef struct llmk__blocks {
	uint64_t tool[LLMK_MAX_BLOCKS / 64];
} llmk__blocks;
/* Marks block `block` (< LLMK_MAX_BLOCKS) as a tool block. */
void llmk__block_set_tool(llmk__blocks *b, size_t block);
int llmk__block_is_tool(const llmk__blocks *b, size_t block);
size_t llmk__block_tool_index(const llmk__blocks *b, size_t block);
/* A tool block starts, its index at ev[key] (the state is an llmk__blocks):
 * marks it and emits the call's id, name and first arguments. Fails with
 * LLMK_E_PROTOCOL "<what> without a usable <key>" when the index is
 * missing or too large. */
llmk_status llmk__block_tool_start(llmk__stream_ctx *s, json_t *ev, const char *key, const char *what, const char *id,
                                   const char *name, const char *args, size_t len);
/* An arguments fragment of tool block `block` (empty ones are not sent). */
llmk_status llmk__block_tool_args(llmk__stream_ctx *s, size_t block, json_t *fragment);

/* A stream whose Content-Type a proxy rewrote reaches parse() whole (the
 * engine decodes streams by their Content-Type). llmk__looks_like_sse()
 * says whether a body starts like an SSE stream; llmk__sse_body() decodes
 * one with the SSE codec through the adapter's own stream_event() (with a
 * zeroed state of its state_size), filling resp as the stream would have;
 * the engine then replays the response as events. LLMK_E_PROTOCOL when the
 * stream ends before its end marker (`end` names it). */
int llmk__looks_like_sse(const char *body, size_t len);
llmk_status llmk__sse_body(const llmk__adapter *ad, const llmk_request *r, llmk_response *resp, const char *provider,
                           const char *end, const char *body, size_t len);

#endif
