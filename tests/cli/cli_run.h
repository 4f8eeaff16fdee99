/* Running the llmkit binary from a test: through pipes or on a pseudo
 * terminal, with a chosen environment, watching its output as it arrives. */
#ifndef TEST_CLI_RUN_H
#define TEST_CLI_RUN_H

#include <stddef.h>
#include <sys/types.h>

typedef struct cli_out {
	char *out, *err; /* NUL-terminated (on a pty everything is in out) */
	size_t out_len, err_len;
	int code;         /* exit status, or 128 + signal */
	int exited_early; /* the process had exited when a watcher was last called */
} cli_out;

/* Called after each read, with everything read so far. `alive` is 1 while
 * the process has not exited. Return non-zero to stop watching (the run then
 * just waits for the end). */
typedef int (*cli_watch)(const cli_out *so_far, pid_t pid, int alive, void *user);

typedef struct cli_spec {
	const char *const *args; /* after the program name, NULL-terminated */
	const char *const *env;  /* "NAME=VALUE" to add, NULL-terminated (may be NULL) */
	const char *stdin_data;  /* NULL: /dev/null (pipes) */
	int pty;                 /* 1: run on a pseudo terminal (stdin, stdout, stderr) */
	cli_watch watch;
	void *user;
	int timeout_ms; /* kill after this long (default 60000) */
} cli_spec;

/* The binary under test (set from argv[1] by main). */
extern const char *cli_binary;
/* A key that must never be printed: every run asserts its absence. */
extern const char *cli_secret;

/* Runs the binary; fails the test on a harness error or when cli_secret
 * shows up in any output. */
cli_out *cli_run(const cli_spec *spec);
void cli_out_free(cli_out *o);

#endif
