/* Random identifiers (see ids.h). */
#include <string.h>

#include <sodium.h>

#include "ids.h"

void llmk__new_call_id(char out[32])
{
	unsigned char raw[12];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, "call_", 5);
	sodium_bin2hex(out + 5, 32 - 5, raw, sizeof(raw));
}
