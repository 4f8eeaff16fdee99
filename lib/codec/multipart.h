/* multipart/form-data bodies (RFC 7578)  */
#ifndef LLMK_MULTIPART_H
#define LLMK_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct llmk_multipart {
	llmk_buf body;
	char boundary[48];
	char content_type[96];
	int failed;
} llmk_multipart;

/* Picks a random boundary (libsodium randomness). */
void llmk_multipart_init(llmk_multipart *m);
void llmk_multipart_field(llmk_multipart *m, const char *name, const char *value);
void llmk_multipart_file(llmk_multipart *m, const char *name, const char *filename, const char *mime,
                         const uint8_t *data, size_t len);
/* Closes the body; 0 on success, -1 if any step ran out of memory or a
 * part contained the boundary. */
int llmk_multipart_finish(llmk_multipart *m);
void llmk_multipart_free(llmk_multipart *m);

#endif
