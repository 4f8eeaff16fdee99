/* Random identifiers. */
#ifndef LLMK_BASE_IDS_H
#define LLMK_BASE_IDS_H

/* A fresh tool-call id "call_" + 24 hex digits (NUL-terminated). */
void llmk__new_call_id(char out[32]);

#endif
