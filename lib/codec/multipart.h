/* multipart/form-data bodies (RFC 7578)  */
#ifndef LLMK_MULTIPART_H
#define LLMK_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct llmk__multipart {
	llmk__buf body;
	char boundary[48];
	char content_type[96];
	int failed;
} llmk__multipart;

/* Picks a random boundary (libsodium randomness). */
void llmk__multipart_init(llmk__multipart *m);
void llmk__multipart_field(llmk__multipart *m, const char *name, const char *value);
void llmk__multipart_file(llmk__multipart *m, const char *name, const char *filename, const char *mime,
                          const uint8_t *data, size_t len);
/* Closes the body; 0 on success, -1 if any step ran out of memory or a
 * part contained the boundary. */
int llmk__multipart_finish(llmk__multipart *m);
void llmk__multipart_free(llmk__multipart *m);

#endif
