/* The scrubber: removes echoes of secrets from text the library hands out
 * (error messages and metadata, log lines, cassettes, the CLI's notes).
 *
 * One implementation for every output, so every output covers the same
 * shapes. An echo of a secret is found
 *   - plain, percent-encoded (%2F) or JSON-escaped (\u002f, \/), in any mix
 *     of the three, and in any letter case (an upper-cased echo);
 *   - masked: a run of three or more '*' with at least the first or the
 *     last characters of the secret (four, or half of a shorter secret)
 *     right beside it ("sk-CANA************6789", as OpenAI's 401 says).
 * Secrets of any length count: local servers use short tokens.
 *
 * Everything works in place and only ever shrinks the text: an echo becomes
 * "[REDACTED]", or as many '*' as it had bytes when it is shorter than that
 * marker. No allocation and nothing but the C library, so tools/llmkit
 * compiles this file into itself. */
#ifndef LLMK_BASE_SCRUB_H
#define LLMK_BASE_SCRUB_H

#include <stddef.h>

/* Also tokens shaped like a provider key the client may not hold ("sk-",
 * "hf_", "AIza", "xai-", "gsk_" and more than three characters): messages
 * only, never bodies (model output may hold such words). */
#define LLMK_SCRUB_KEYLIKE 1u
/* Also the password of every URL in the text ("scheme://user:***@"; a userinfo
 * without ":" is taken as a token and goes whole). */
#define LLMK_SCRUB_USERINFO 2u

/* Scrubs text[0..len) of the n secrets (NULL or empty entries skipped);
 * returns the new length. Bytes past the new length are left as they were:
 * a caller with a NUL-terminated text uses llmk__scrub_str(). */
size_t llmk__scrub(char *text, size_t len, const char *const *secrets, size_t n, unsigned flags);
/* The same for a NUL-terminated string (NULL: nothing). */
void llmk__scrub_str(char *s, const char *const *secrets, size_t n, unsigned flags);

/* Copies the secret part of the URL's userinfo (the password, or the whole
 * userinfo when it has no ':'), percent-decoded, into out, NUL-terminated:
 * 1 when there is one and it fits, else 0. */
int llmk__url_userinfo_secret(const char *url, char *out, size_t cap);

#endif
