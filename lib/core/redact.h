/* Removing secrets from text the library hands out (redact.c). */
#ifndef LLMK_CORE_REDACT_H
#define LLMK_CORE_REDACT_H

/* Removes any copy of key from msg, in place: plain or percent-encoded,
 * and masked echoes of the providers' key formats. NULL-safe. */
void llmk__redact(char *msg, const char *key);

#endif
