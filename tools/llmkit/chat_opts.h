/* Chat request options shared by `llmkit chat` and `llmkit compare`. */
#ifndef LLMKIT_CHAT_OPTS_H
#define LLMKIT_CHAT_OPTS_H

#include "cli.h"

#define CHAT_MAX_IMAGES 16
#define CHAT_MAX_SETS 32

/* Option ids: the same numbers in both commands' option tables. */
enum {
	CHAT_O_SYSTEM = 2,
	CHAT_O_TEMP,
	CHAT_O_MAXTOK,
	CHAT_O_JSON,
	CHAT_O_SCHEMA,
	CHAT_O_IMAGE,
	CHAT_O_SET,
	CHAT_O_FILE
};

typedef struct chat_opts {
	const char *system, *schema_path;
	double temp;
	int has_temp, json;
	long max_tokens;
	const char *images[CHAT_MAX_IMAGES]; /* --image, and --file (which picks image or document by extension) */
	size_t nimages;
	const char *sets[CHAT_MAX_SETS];
	size_t nsets;
} chat_opts;

/* Records option `id` (a CHAT_O_*); 0, or -1 after a usage message. */
int chat_opts_add(chat_opts *o, const char *cmd, int id, const char *val);
/* Sets the options on a chat request; 0, or -1 after a usage message. */
int chat_opts_apply(const chat_opts *o, const char *cmd, llmk_request *r);
/* Adds the images and documents to the request's last message; 0, or -1. */
int chat_opts_images(const chat_opts *o, const char *cmd, llmk_request *r);

#endif
