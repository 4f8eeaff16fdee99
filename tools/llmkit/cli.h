/* llmkit - the command-line tool: what the subcommands share.
 *
 * Every subcommand is a function `int cmd_x(int argc, char **argv)` that
 * returns the process exit status (the EXIT_* table below, documented in
 * `llmkit --help` and docs/llmkit.1). */
#ifndef LLMKIT_CLI_H
#define LLMKIT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "llmkit.h"

/* Exit statuses: one per class of failure, so scripts can tell them apart. */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_OTHER = 1, /* anything not below (out of memory, output not writable) */
	EXIT_USAGE = 2,         /* bad command line, input file unreadable */
	EXIT_CONFIG = 3,        /* no API key, unknown provider, nothing configured */
	EXIT_AUTH = 4,          /* key or permission refused by the provider */
	EXIT_CONNECT = 5,       /* server down or unreachable */
	EXIT_TIMEOUT = 6,       /* timed out */
	EXIT_RATE_LIMITED = 7,  /* rate limited or quota exceeded */
	EXIT_REJECTED = 8,      /* request rejected: bad request, unknown model, too long, filtered, unsupported */
	EXIT_SERVER = 9,        /* provider failed: server error, overloaded, malformed answer */
	EXIT_PARTIAL = 10,      /* compare/eval: some runs failed (the table says which) */
	EXIT_REFUSED = 11,      /* chat: the model refused (its refusal went to stderr) */
	EXIT_INTERRUPTED = 130  /* Ctrl-C */
};

/* The exit-status table as printed by --help (one line each). */
extern const char cli_exit_table[];

/* Global options (any position on the command line). */
typedef struct cli_global {
	const char *base_url; /* --base-url */
	double timeout_s;     /* --timeout seconds (0: library default) */
	int retries;          /* --retries (-1: library default) */
	int verbose;          /* --verbose */
	int color_out;        /* colour allowed on stdout / stderr */
	int color_err;
	int tty_out;            /* stdout is a terminal: network text is filtered */
	int no_history;         /* --no-history: record nothing (history.h) */
	const char *cache_path; /* --cache: the response cache's SQLite file */
} cli_global;

extern cli_global g_opt;

/* ---- command-line parsing ------------------------------------------------ */

typedef struct cli_opt {
	const char *name; /* long name without "--" */
	char short_name;  /* 0: none */
	int has_arg;
	int id;
} cli_opt;

typedef struct cli_parse {
	int argc, i, no_more_opts;
	char **argv;
	const char *cmd;  /* subcommand name, for messages */
	const char **pos; /* positional arguments, in order */
	size_t npos;
} cli_parse;

enum { CLI_END = 0, CLI_ERROR = -1, CLI_HELP = -2 };

/* Starts parsing argv[1..] of a subcommand (argv[0] is its name). */
int cli_parse_init(cli_parse *p, int argc, char **argv);
void cli_parse_free(cli_parse *p);
/* Next option of `opts` (global options are handled here and skipped):
 * its id with *val set for options with an argument; CLI_HELP for
 * -h/--help; CLI_END when done (positionals are in p->pos); CLI_ERROR after
 * printing what is wrong. */
int cli_next(cli_parse *p, const cli_opt *opts, const char **val);

/* Number parsing with a message naming the option; 0 on success. */
int cli_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);

/* ---- messages, colour, terminals ------------------------------------------ */

/* "llmkit CMD: error: ..." on stderr (red "error" on a colour terminal). */
void cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;
void cli_note(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;
/* Usage error: the message, then "try 'llmkit CMD --help'"; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;

/* ANSI colour codes, or "" when colour is off for that stream. */
const char *cli_c(int on, const char *code);
#define C_RESET "0"
#define C_BOLD "1"
#define C_DIM "2"
#define C_RED "31"
#define C_GREEN "32"
#define C_YELLOW "33"
#define C_CYAN "36"

int cli_isatty(FILE *fp);
/* Columns of the terminal on fd, 0 when not a terminal. */
int cli_term_cols(int fd);
/* Rows of the terminal on fd, 0 when not a terminal. */
int cli_term_rows(int fd);

/* 1 while stdout holds a streamed line without its newline; cli_end_line()
 * ends it (before a log line or a message, so they do not run together). */
extern int cli_midline;
void cli_end_line(void);

/* ---- failures -------------------------------------------------------------- */

/* Exit status for a library status (as returned by a send). */
int cli_exit_for(llmk_status st, const llmk_response *resp);
/* Reports a failed response on stderr and returns its exit status. */
int cli_fail_response(const char *cmd, const llmk_response *resp);

/* ---- clients and requests ---------------------------------------------------- */

/* A client for "provider/model" with the global options applied (base URL,
 * timeout, retries, --verbose log). NULL after printing why; *exit_code set. */
llmk_client *cli_client(const char *cmd, const char *model, int *exit_code);
/* The same; check_key 0 leaves a missing key to fail at send time (compare
 * shows it in the table). */
llmk_client *cli_client_ex(const char *cmd, const char *model, int check_key, int *exit_code);
/* After a response: with --verbose, its request id, attempts and timings. */
void cli_verbose_response(const char *cmd, const llmk_response *resp);

/* Ctrl-C: the first raises the cancel flag (requests attached to it stop,
 * the subcommand exits with EXIT_INTERRUPTED), a second one exits at once. */
extern llmk_cancel *g_cancel;
void cli_signals_install(void);
int cli_interrupted(void);
/* Lowers the flag again (interactive chat: Ctrl-C stops one answer). */
void cli_interrupt_reset(void);
/* Hides/shows the cursor; a shown cursor is restored on exit by signal too. */
void cli_cursor(int visible);

/* ---- input and output ------------------------------------------------------- */

/* Reads a whole file ("-" for stdin), bounded by max bytes. NULL after
 * printing why. The buffer is NUL-terminated; free() it. */
unsigned char *cli_read_file(const char *cmd, const char *path, size_t max, size_t *len);
/* Writes a whole file; 0 on success, after printing why otherwise. */
int cli_write_file(const char *cmd, const char *path, const void *data, size_t len);
/* Positional arguments joined by spaces, else stdin (whole); NULL after
 * printing why. free() it. */
char *cli_text_arg(const char *cmd, const char **pos, size_t npos, const char *what);

/* Text from the network for a terminal. With `filter`, control characters
 * other than newline and tab (escape sequences, carriage returns, C1
 * controls) become '?', so an answer cannot drive the terminal; without, the
 * bytes go out as they are (redirected output keeps the exact answer).
 * Keeps state between calls (a character split across stream events). */
void cli_put_text(FILE *fp, const char *s, size_t n, int filter);
/* A copy of s with every control character as a space (for one-line
 * messages); free() it. NULL when out of memory. */
char *cli_clean(const char *s);

/* A JSON string literal of s (quotes included) on fp. */
void cli_json_string(FILE *fp, const char *s);

/* ---- tables ---------------------------------------------------------------- */

enum { FMT_TABLE = 0, FMT_JSON = 1, FMT_CSV = 2, FMT_MARKDOWN = 3 };
int cli_format(const char *cmd, const char *s, int *out);

enum { COL_LEFT = 0, COL_RIGHT = 1, COL_NUMBER = 2 /* right-aligned; a number in JSON */ };

typedef struct cli_table {
	size_t ncols, nrows, cap;
	const char **head;
	const int *kind;
	char **cells;  /* nrows * ncols, owned */
	char **colors; /* per cell: an SGR code or NULL (not owned, static strings) */
} cli_table;

void cli_table_init(cli_table *t, size_t ncols, const char **head, const int *kind);
void cli_table_free(cli_table *t);
void cli_table_clear(cli_table *t);
/* Appends a row; returns its index. */
size_t cli_table_row(cli_table *t);
void cli_table_set(cli_table *t, size_t row, size_t col, const char *color, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 5, 6)))
#endif
        ;
/* Prints in a format. For FMT_TABLE, max_width > 0 cuts the last column so
 * no line is wider (a live table must never wrap). Returns lines printed. */
size_t cli_table_print(const cli_table *t, FILE *fp, int format, int color, int max_width);

/* Display width of UTF-8 text (code points; control bytes count 0), and the
 * byte length of its prefix at most `cols` wide. */
size_t cli_utf8_width(const char *s);
size_t cli_utf8_cut(const char *s, size_t cols);

/* ---- subcommands -------------------------------------------------------------- */

int cmd_chat(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_transcribe(int argc, char **argv);
int cmd_speak(int argc, char **argv);
int cmd_rerank(int argc, char **argv);
int cmd_tokens(int argc, char **argv);
int cmd_moderate(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_batch(int argc, char **argv);
/* A client log hook for batches (batch.c): the "batch ..." progress lines
 * always, the others as --verbose asks; user is the subcommand's name. */
void cli_batch_log(int32_t level, const char *line, void *user);
int cmd_models(int argc, char **argv);
int cmd_providers(int argc, char **argv);
int cmd_logs(int argc, char **argv);

/* TCP connect to the host:port of a URL within timeout_ms: 1 reachable,
 * 0 not. */
int cli_probe_url(const char *url, int timeout_ms);

#endif
