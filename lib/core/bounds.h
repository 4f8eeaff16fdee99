/* Fixed limits of the engine and their defaults. */
#ifndef LLMK_CORE_BOUNDS_H
#define LLMK_CORE_BOUNDS_H

#define LLMK_ERRMSG_MAX 512
#define LLMK_MAX_STOP 4
#define LLMK_MAX_REQ_HEADERS 32 /* LLMK_OPT_HTTP_HEADER per request */
#define LLMK_DEFAULT_MAX_RESPONSE (64u * 1024u * 1024u)
#define LLMK_DEFAULT_MAX_LINE (4u * 1024u * 1024u)
#define LLMK_MAX_HEADERS 256
#define LLMK_MAX_HEADER_BYTES (64u * 1024u)
/* Elements of one answer (LLMK_E_TOO_LARGE past them): the parse budget
 * (lib/base/json.h) bounds memory; these give a clear error first. */
#define LLMK_MAX_TOOL_CALLS 128
#define LLMK_MAX_CHOICES 128
#define LLMK_MAX_IMAGES 128
#define LLMK_MAX_SEGMENTS 100000
/* Rerank documents in one request (the APIs take 1000 or fewer; a server
 * of one's own may take more), moderation results and categories per
 * result in one answer (OpenAI has 13 categories). */
#define LLMK_MAX_RERANK_DOCS 10000
#define LLMK_MAX_MODERATION_RESULTS 10000
#define LLMK_MAX_CATEGORIES 256

#endif
