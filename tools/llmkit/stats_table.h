/* llmkit compare/eval: the statistics table (--stats, --baseline). */
#ifndef LLMKIT_STATS_TABLE_H
#define LLMKIT_STATS_TABLE_H

#include <stdio.h>

#include "llmkit.h"

typedef struct cli_stats_opts {
	int eval;          /* eval: scores, pass rate, cost per correct answer */
	int format;        /* FMT_* */
	int color;         /* colour codes allowed on fp */
	long baseline;     /* index of the baseline model, -1: none */
	long pass_percent; /* the pass mark, for the legend */
} cli_stats_opts;

/* Prints one row per model of the comparison's statistics on fp. */
int cli_stats_print(const llmk_compare *cmp, const cli_stats_opts *o, FILE *fp);

#endif
