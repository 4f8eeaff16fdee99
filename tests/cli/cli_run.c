/* See cli_run.h. The child's environment is the test's own without any
 * provider variables (keys, base URLs, LLMK_*, LLMKIT_*, NO_COLOR), plus the
 * spec's; the history is off (LLMKIT_NO_HISTORY=1) unless the spec names
 * one (LLMKIT_HISTORY) or says otherwise, so no test writes into $HOME. A
 * wrapper (valgrind) can be put in front of the binary with
 * LLMKIT_CLI_WRAPPER="valgrind --error-exitcode=99 ...". */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"

extern char **environ;

const char *cli_binary;
const char *cli_secret;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int dropped(const char *kv)
{
	static const char *const prefixes[] = {
	        "LLMK_", "LLMKIT_", "NO_COLOR=", "OLLAMA_HOST=", "HF_TOKEN=", "AZURE_", "TERM=", "COLUMNS=", "LINES="};
	const char *eq = strchr(kv, '=');
	size_t i, n;

	if (!eq)
		return 1;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(kv, prefixes[i], strlen(prefixes[i])))
			return 1;
	n = (size_t)(eq - kv);
	if ((n > 8 && !strncmp(eq - 8, "_API_KEY", 8)) || (n > 9 && !strncmp(eq - 9, "_BASE_URL", 9)))
		return 1;
	return 0;
}

static char **make_env(const char *const *add, int pty)
{
	size_t n = 0, k = 0, i;
	char **env;

	while (environ[n])
		n++;
	for (i = 0; add && add[i]; i++)
		k++;
	env = calloc(n + k + 3, sizeof(*env));
	assert_non_null(env);
	k = 0;
	for (i = 0; i < n; i++)
		if (!dropped(environ[i]))
			env[k++] = environ[i];
	for (i = 0;
	     add && add[i] && strncmp(add[i], "LLMKIT_HISTORY=", 15) && strncmp(add[i], "LLMKIT_NO_HISTORY=", 18); i++)
		;
	if (!add || !add[i])
		env[k++] = "LLMKIT_NO_HISTORY=1";
	if (pty)
		env[k++] = "TERM=xterm";
	for (i = 0; add && add[i]; i++)
		env[k++] = (char *)add[i];
	env[k] = NULL;
	return env;
}

static char **make_argv(const char *const *args, char **wrapper_buf)
{
	const char *w = getenv("LLMKIT_CLI_WRAPPER");
	size_t n = 0, i, k = 0;
	char **argv, *tok, *save = NULL;

	*wrapper_buf = w && *w ? strdup(w) : NULL;
	for (i = 0; args[i]; i++)
		n++;
	argv = calloc(n + 64, sizeof(*argv));
	assert_non_null(argv);
	if (*wrapper_buf)
		for (tok = strtok_r(*wrapper_buf, " ", &save); tok && k < 60; tok = strtok_r(NULL, " ", &save))
			argv[k++] = tok;
	argv[k++] = (char *)cli_binary;
	for (i = 0; i < n; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	return argv;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	assert_non_null(*buf);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

cli_out *cli_run(const cli_spec *spec)
{
	cli_out *o = calloc(1, sizeof(*o));
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, master = -1;
	char **env, **argv, *wbuf;
	pid_t pid;
	int status = 0, reaped = 0, watching = spec->watch != NULL,
	    timeout = spec->timeout_ms ? spec->timeout_ms : 60000;
	size_t in_off = 0, in_len = spec->stdin_data ? strlen(spec->stdin_data) : 0;
	double deadline = now_ms() + timeout;

	assert_non_null(o);
	append(&o->out, &o->out_len, "", 0);
	append(&o->err, &o->err_len, "", 0);
	env = make_env(spec->env, spec->pty);
	argv = make_argv(spec->args, &wbuf);
	if (spec->pty) {
		struct winsize ws = {40, 120, 0, 0};
		pid = forkpty(&master, NULL, NULL, &ws);
		assert_true(pid >= 0);
		if (pid == 0) {
			if (strchr(argv[0], '/'))
				execve(argv[0], argv, env);
			else
				execvpe(argv[0], argv, env);
			_exit(127);
		}
		if (in_len) /* typed ahead: the terminal keeps it until read */
			assert_int_equal(write(master, spec->stdin_data, in_len), (ssize_t)in_len);
	} else {
		assert_int_equal(pipe(in), 0);
		assert_int_equal(pipe(out), 0);
		assert_int_equal(pipe(err), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int devnull = open("/dev/null", O_RDONLY);
			dup2(spec->stdin_data ? in[0] : devnull, 0);
			dup2(out[1], 1);
			dup2(err[1], 2);
			close(in[0]), close(in[1]), close(out[0]), close(out[1]), close(err[0]), close(err[1]);
			if (strchr(argv[0], '/'))
				execve(argv[0], argv, env);
			else
				execvpe(argv[0], argv, env);
			_exit(127);
		}
		close(in[0]), close(out[1]), close(err[1]);
		if (!spec->stdin_data || !in_len) {
			close(in[1]);
			in[1] = -1;
		} else {
			fcntl(in[1], F_SETFL, O_NONBLOCK);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct pollfd p[3];
		int np = 0, r, i, open_fds = 0;
		char buf[4096];
		ssize_t got;

		if (spec->pty) {
			if (master >= 0)
				p[np].fd = master, p[np].events = POLLIN, np++;
		} else {
			if (out[0] >= 0)
				p[np].fd = out[0], p[np].events = POLLIN, np++;
			if (err[0] >= 0)
				p[np].fd = err[0], p[np].events = POLLIN, np++;
			if (in[1] >= 0)
				p[np].fd = in[1], p[np].events = POLLOUT, np++;
		}
		for (i = 0; i < np; i++)
			open_fds += p[i].events == POLLIN;
		if (!open_fds)
			break;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			fail_msg("llmkit did not finish within %d ms; output so far:\n%s\n%s", timeout, o->out, o->err);
		}
		r = poll(p, (nfds_t)np, 100);
		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r >= 0);
		for (i = 0; i < np; i++) {
			if (!p[i].revents)
				continue;
			if (p[i].fd == in[1]) {
				got = write(in[1], spec->stdin_data + in_off, in_len - in_off);
				if (got > 0)
					in_off += (size_t)got;
				if (got < 0 || in_off == in_len) {
					close(in[1]);
					in[1] = -1;
				}
				continue;
			}
			got = read(p[i].fd, buf, sizeof(buf));
			if (got <= 0) { /* EOF (a pty gives EIO once the child is gone) */
				close(p[i].fd);
				if (p[i].fd == master)
					master = -1;
				else if (p[i].fd == out[0])
					out[0] = -1;
				else
					err[0] = -1;
				continue;
			}
			if (p[i].fd == err[0])
				append(&o->err, &o->err_len, buf, (size_t)got);
			else
				append(&o->out, &o->out_len, buf, (size_t)got);
			if (watching) {
				int alive = !reaped;
				if (alive && waitpid(pid, &status, WNOHANG) == pid)
					reaped = 1, alive = 0;
				if (spec->watch(o, pid, alive, spec->user))
					watching = 0;
				o->exited_early = !alive;
			}
		}
	}
	if (in[1] >= 0)
		close(in[1]);
	if (!reaped)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	o->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	free(env);
	free(argv);
	free(wbuf);
	if (cli_secret && (strstr(o->out, cli_secret) || strstr(o->err, cli_secret)))
		fail_msg("the API key appears in the output of llmkit %s", spec->args[0]);
	return o;
}

void cli_out_free(cli_out *o)
{
	if (!o)
		return;
	free(o->out);
	free(o->err);
	free(o);
}
