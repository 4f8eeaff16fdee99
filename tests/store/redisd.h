/* A redis-server for the store tests: started from Debian's binary on
 * 127.0.0.1 and a free port, without persistence, and stopped by the test
 * (killed and restarted on the same port for the fault tests). */
#ifndef LLMKIT_TESTS_REDISD_H
#define LLMKIT_TESTS_REDISD_H

typedef struct redisd {
	int pid;
	int port;
	char url[128];     /* redis://127.0.0.1:PORT */
	char password[64]; /* --requirepass, or "" */
} redisd;

/* The redis-server binary, or NULL when it is not installed
 * (scripts/deps.sh installs it). */
const char *redisd_binary(void);
/* Starts one (password: "" for none) on a free port and waits until it
 * answers PING (5 s at most): 0, or -1. */
int redisd_start(redisd *d, const char *password);
/* Starts it again on the same port (after redisd_kill): 0 or -1. */
int redisd_restart(redisd *d);
/* SIGKILL, and reaped. */
void redisd_kill(redisd *d);
/* SIGTERM (SIGKILL after 2 s), and reaped. */
void redisd_stop(redisd *d);
/* Sends one command (NULL-terminated words) and returns the reply's first
 * line in out: 0, or -1 when the server cannot be reached. */
int redisd_command(const redisd *d, char *out, size_t cap, ...);

#endif
