/* What the files that build a request share (request.c: lifecycle and
 * options; request_conv.c: the conversation; request_turn.c: an answer as
 * the next turn, parts read back). */
#ifndef LLMK_CORE_REQUEST_BUILD_H
#define LLMK_CORE_REQUEST_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"

void llmk__req_part_free(llmk__part *p);
llmk_status llmk__req_err(llmk_request *r, llmk_status st, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;
const char *llmk__req_kind_name(int32_t kind);
int llmk__req_grow(void **arr, size_t *cap, size_t len, size_t size);
llmk_status llmk__req_check_json(llmk_request *r, const char *what, const char *text, int want_object);
llmk__message *llmk__req_new_message(llmk_request *r, int32_t role);
llmk__message *llmk__req_last_message(llmk_request *r, const char *fn);
int llmk__req_valid_doc_name(const char *s);
llmk_status llmk__req_add_document_part(llmk_request *r, char *url, const char *name);
llmk_status llmk__req_need_kind(llmk_request *r, int32_t kind, const char *fn);
llmk__part *llmk__req_new_part(llmk__message *m);

#endif
