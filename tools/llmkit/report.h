/* llmkit compare|eval --report FILE.html (report.c). */
#ifndef LLMKIT_REPORT_H
#define LLMKIT_REPORT_H

#include <stddef.h>

#include "cli.h"

typedef struct cli_report_info {
	int eval;
	size_t repeat;
	long pass_percent;
	const char *source; /* the dataset or "prompt" (shown in the heading), or NULL */
	size_t max_cases;   /* answers shown for at most this many cases */
} cli_report_info;

/* Writes the report; 0, or -1 after printing why. */
int cli_report_write(const char *cmd, const char *path, const llmk_compare *cmp, const cli_report_info *info);

#endif
