/* llmkit's history: every chat, compare and eval recorded in an SQLite
 * database in the user's data directory (history.c; without SQLite at build
 * time, history_off.c records nothing and `llmkit logs` says why).
 *
 * Where: $LLMKIT_HISTORY (a file), else $XDG_DATA_HOME/llmkit/history.db,
 * else ~/.local/share/llmkit/history.db. Off with --no-history or
 * LLMKIT_NO_HISTORY=1. Recording happens after the answer is on stdout and
 * never changes the exit status: a database that cannot be written (read
 * only, corrupted, locked too long) gives one line on stderr. No key, no
 * header, no URL is recorded: models, prompts, answers, usage, cost,
 * timings, scores. */
#ifndef LLMKIT_HISTORY_H
#define LLMKIT_HISTORY_H

#include <stddef.h>

#include "cli.h"

/* Records one chat exchange (resp may hold a failure). */
void cli_history_chat(const char *cmd, const llmk_client *c, const llmk_request *r, const llmk_response *resp,
                      int exit_status);

/* Records a comparison's every run; source: the dataset (eval) or NULL. */
void cli_history_compare(const char *cmd, const llmk_compare *cmp, size_t repeat, const char *source, int exit_status);

/* llmkit compare --history: the models' figures across the runs recorded
 * (models: -m filters, may be empty). Returns the exit status. */
int cli_history_trend(const char *cmd, const char *const *models, size_t nmodels, int format);

#endif
