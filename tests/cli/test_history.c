/* llmkit's history (tools/llmkit/history.c): every chat, compare and eval
 * recorded in SQLite, read back by `llmkit logs` and `compare --history`;
 * opt-out by flag and variable; no key in the file; 8 processes writing at
 * once; a database in a read-only place and a corrupted one (a clear line on
 * stderr, the answer on stdout, the exit status unchanged); a run
 * interrupted by Ctrl-C. Each test has its own database in the scratch
 * directory (LLMKIT_HISTORY). About 3 s. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"
#include "cli_server.h"
#include "httpd.h"

extern char **environ;

#define EXPECT_CODE(o, want)                                                                                         \
	do {                                                                                                         \
		if ((o)->code != (want))                                                                             \
			fail_msg("exit status %d, wanted %d\nstdout:\n%s\nstderr:\n%s", (o)->code, (want), (o)->out, \
			         (o)->err);                                                                          \
	} while (0)

#define EXPECT_IN(hay, needle)                                               \
	do {                                                                 \
		if (!strstr((hay), (needle)))                                \
			fail_msg("'%s' not found in:\n%s", (needle), (hay)); \
	} while (0)

/* The server's environment plus LLMKIT_HISTORY (and one more, or NULL). */
typedef struct henv {
	char db[128], var[160];
	const char *env[6];
} henv;

static void henv_init(henv *h, cli_server *s, const char *name, const char *extra)
{
	snprintf(h->db, sizeof(h->db), "%s/%s", s->dir, name);
	snprintf(h->var, sizeof(h->var), "LLMKIT_HISTORY=%s", h->db);
	h->env[0] = s->env[0];
	h->env[1] = s->env[1];
	h->env[2] = h->var;
	h->env[3] = extra;
	h->env[4] = NULL;
}

static cli_out *run(const char *const *env, const char *const *args)
{
	cli_spec spec = {args, env, NULL, 0, NULL, NULL, 0};
	return cli_run(&spec);
}

/* `llmkit logs ARGS --json` parsed; fails the test when not JSON. */
static json_t *logs_json(const char *const *env, const char *sub, const char *arg)
{
	const char *const args[] = {"logs", sub, arg ? arg : "--json", arg ? "--json" : NULL, NULL};
	cli_out *o = run(env, args);
	json_t *j;

	EXPECT_CODE(o, 0);
	j = json_loads(o->out, 0, NULL);
	if (!j || !json_is_array(j))
		fail_msg("not a JSON array:\n%s\n%s", o->out, o->err);
	cli_out_free(o);
	return j;
}

static size_t run_count(const char *const *env)
{
	json_t *j = logs_json(env, "list", NULL);
	size_t n = json_array_size(j);

	json_decref(j);
	return n;
}

/* The whole database (and its write-ahead log) as bytes. */
static int file_holds(const char *path, const char *needle)
{
	char wal[160];
	const char *files[2] = {path, wal};
	int found = 0;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	for (int i = 0; i < 2; i++) {
		FILE *fp = fopen(files[i], "rb");
		char *buf;
		long n;
		if (!fp)
			continue;
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		buf = malloc((size_t)n + 1);
		assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
		fclose(fp);
		found |= memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
		free(buf);
	}
	return found;
}

static void test_chat_compare_eval_recorded(void **state)
{
	cli_server *s = *state;
	henv h;
	json_t *j, *row;
	cli_out *o;
	char dataset[96];
	FILE *fp;

	henv_init(&h, s, "h1.db", NULL);
	{
		const char *const args[] = {"chat", "-m", "openai/gpt-4o-mini", "--no-stream", "hello history", NULL};
		o = run(h.env, args);
	}
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "Hello! How can I assist you today?");
	assert_int_equal(o->err_len, o->err_len); /* nothing said about the history */
	assert_null(strstr(o->err, "history"));
	cli_out_free(o);
	{
		const char *const args[] = {"compare", "-m", "openai/gpt-4", "-m",     "openai/gpt-4o",
		                            "-r",      "2",  "--no-stream",  "Say hi", NULL};
		o = run(h.env, args);
	}
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	snprintf(dataset, sizeof(dataset), "%s/cases.jsonl", s->dir);
	fp = fopen(dataset, "w");
	fputs("{\"prompt\": \"Greet me\", \"expected\": \"assist\"}\n{\"prompt\": \"Capital?\", \"expected\": "
	      "\"Paris\"}\n",
	      fp);
	fclose(fp);
	{
		const char *const args[] = {"eval", "-m", "openai/gpt-4", dataset, NULL};
		o = run(h.env, args);
	}
	EXPECT_CODE(o, 0);
	cli_out_free(o);

	/* list: newest first */
	j = logs_json(h.env, "list", NULL);
	assert_int_equal(json_array_size(j), 3);
	row = json_array_get(j, 2);
	assert_string_equal(json_string_value(json_object_get(row, "command")), "chat");
	assert_string_equal(json_string_value(json_object_get(row, "models")), "openai/gpt-4o-mini");
	assert_int_equal((int)json_number_value(json_object_get(row, "answers")), 1);
	row = json_array_get(j, 1);
	assert_string_equal(json_string_value(json_object_get(row, "models")), "openai/gpt-4,openai/gpt-4o");
	assert_int_equal((int)json_number_value(json_object_get(row, "answers")), 4);
	assert_true(json_number_value(json_object_get(row, "cost_usd")) > 0);
	assert_int_equal((int)json_number_value(json_object_get(json_array_get(j, 0), "exit")), 0);
	json_decref(j);

	/* show: the chat's prompt, answer, usage, cost, timing */
	j = logs_json(h.env, "show", "1");
	assert_int_equal(json_array_size(j), 1);
	row = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(row, "prompt")), "hello history");
	assert_string_equal(json_string_value(json_object_get(row, "answer")), "Hello! How can I assist you today?");
	assert_string_equal(json_string_value(json_object_get(row, "status")), "OK");
	assert_int_equal((int)json_number_value(json_object_get(row, "input_tokens")), 19);
	assert_true(json_number_value(json_object_get(row, "cost_usd")) > 0);
	assert_true(json_number_value(json_object_get(row, "latency_ms")) >= 0);
	json_decref(j);
	/* the eval's scores */
	j = logs_json(h.env, "show", "3");
	assert_int_equal(json_array_size(j), 2);
	assert_true(json_number_value(json_object_get(json_array_get(j, 0), "score")) +
	                    json_number_value(json_object_get(json_array_get(j, 1), "score")) ==
	            1);
	json_decref(j);

	/* search, ASCII case ignored */
	j = logs_json(h.env, "search", "HELLO HISTORY");
	assert_int_equal(json_array_size(j), 1);
	assert_int_equal((int)json_number_value(json_object_get(json_array_get(j, 0), "run")), 1);
	json_decref(j);

	/* compare --history: a row per model and run */
	{
		const char *const args[] = {"compare", "--history", "-m", "openai/gpt-4", "--format", "json", NULL};
		o = run(h.env, args);
	}
	EXPECT_CODE(o, 0);
	j = json_loads(o->out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 2); /* the compare and the eval */
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "command")), "compare");
	assert_true(fabs(json_number_value(json_object_get(json_array_get(j, 1), "score")) - 0.5) < 1e-9);
	json_decref(j);
	cli_out_free(o);

	/* a table, an unknown run, path */
	{
		const char *const args[] = {"logs", NULL};
		o = run(h.env, args);
	}
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "started");
	EXPECT_IN(o->out, "openai/gpt-4o-mini");
	cli_out_free(o);
	{
		const char *const args[] = {"logs", "show", "99", NULL};
		o = run(h.env, args);
	}
	EXPECT_CODE(o, 2);
	EXPECT_IN(o->err, "no run 99");
	cli_out_free(o);
	{
		const char *const args[] = {"logs", "path", NULL};
		o = run(h.env, args);
	}
	EXPECT_IN(o->out, h.db);
	cli_out_free(o);

	/* never a key: not the one in the environment, nor an Authorization header */
	assert_true(file_holds(h.db, "hello history")); /* the check itself works */
	assert_false(file_holds(h.db, CLI_KEY));
	assert_false(file_holds(h.db, "Bearer"));
	/* WAL */
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_open_v2(h.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
}

static void test_opt_out(void **state)
{
	cli_server *s = *state;
	henv h, off;
	cli_out *o;
	struct stat sb;

	henv_init(&h, s, "h2.db", NULL);
	{
		const char *const args[] = {"--no-history", "chat", "-m", "openai/gpt-4o-mini",
		                            "--no-stream",  "a",    NULL};
		o = run(h.env, args);
	}
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	{
		const char *const args[] = {"chat", "-m", "openai/gpt-4o-mini", "--no-stream", "--no-history",
		                            "b",    NULL};
		o = run(h.env, args);
	}
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	henv_init(&off, s, "h2.db", "LLMKIT_NO_HISTORY=1");
	{
		const char *const args[] = {"compare", "-m", "openai/gpt-4", "--no-stream", "c", NULL};
		o = run(off.env, args);
	}
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	assert_int_not_equal(stat(h.db, &sb), 0); /* nothing was even created */
	/* LLMKIT_NO_HISTORY=0 does not turn it off */
	henv_init(&off, s, "h2.db", "LLMKIT_NO_HISTORY=0");
	{
		const char *const args[] = {"chat", "-m", "openai/gpt-4o-mini", "--no-stream", "d", NULL};
		o = run(off.env, args);
	}
	EXPECT_CODE(o, 0);
	cli_out_free(o);
	assert_int_equal(run_count(h.env), 1);
}

/* 8 llmkit processes writing at once: every run recorded, the database
 * intact. */
static void test_eight_concurrent_writers(void **state)
{
	cli_server *s = *state;
	henv h;
	pid_t pids[8];
	char **envp;
	size_t n = 0, i;
	sqlite3 *db;
	sqlite3_stmt *st;

	henv_init(&h, s, "h3.db", NULL);
	while (environ[n])
		n++;
	envp = calloc(n + 4, sizeof(*envp));
	n = 0;
	for (i = 0; environ[i]; i++)
		if (strncmp(environ[i], "LLMKIT_", 7))
			envp[n++] = environ[i];
	envp[n] = (char *)h.env[0];
	envp[n + 1] = (char *)h.env[1];
	envp[n + 2] = (char *)h.env[2];
	for (i = 0; i < 8; i++) {
		char prompt[32];
		posix_spawn_file_actions_t fa;
		snprintf(prompt, sizeof(prompt), "writer %zu", i);
		char *const argv[] = {(char *)cli_binary, "chat", "-m", "openai/gpt-4o-mini",
		                      "--no-stream",      prompt, NULL};
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		assert_int_equal(posix_spawn(&pids[i], cli_binary, &fa, NULL, argv, envp), 0);
		posix_spawn_file_actions_destroy(&fa);
	}
	for (i = 0; i < 8; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	free(envp);
	assert_int_equal(run_count(h.env), 8);
	assert_int_equal(sqlite3_open_v2(h.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(DISTINCT prompt) FROM answers", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 8);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* A database that cannot be written or read: the answer is on stdout, the
 * exit status is the command's, one clear line on stderr; `logs` fails
 * with the reason. */
static void test_read_only_and_corrupted(void **state)
{
	cli_server *s = *state;
	const char *const ro_env[] = {s->env[0], s->env[1], "LLMKIT_HISTORY=/proc/llmkit-test/history.db", NULL};
	const char *const chat[] = {"chat", "-m", "openai/gpt-4o-mini", "--no-stream", "still answered", NULL};
	const char *const logs[] = {"logs", NULL};
	henv h;
	cli_out *o;
	FILE *fp;

	/* a place nothing can be written (even by root): /proc */
	o = run(ro_env, chat);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "Hello! How can I assist you today?");
	EXPECT_IN(o->err, "history not recorded: /proc/llmkit-test/history.db");
	EXPECT_IN(o->err, "LLMKIT_NO_HISTORY=1");
	cli_out_free(o);
	o = run(ro_env, logs);
	EXPECT_CODE(o, 1);
	EXPECT_IN(o->err, "no history recorded yet (/proc/llmkit-test/history.db does not exist)");
	cli_out_free(o);

	/* a file that is not a database */
	henv_init(&h, s, "h4.db", NULL);
	fp = fopen(h.db, "wb");
	for (int i = 0; i < 4096; i++)
		fputc("not a database "[i % 15], fp);
	fclose(fp);
	o = run(h.env, chat);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "Hello! How can I assist you today?");
	EXPECT_IN(o->err, "history not recorded");
	EXPECT_IN(o->err, "file is not a database");
	cli_out_free(o);
	o = run(h.env, logs);
	EXPECT_CODE(o, 1);
	EXPECT_IN(o->err, "file is not a database");
	cli_out_free(o);
	/* a failed request is recorded too, with its exit status kept */
	{
		const char *const bad[] = {"chat",        "--retries", "0", "-m", "openai/ratelimited",
		                           "--no-stream", "x",         NULL};
		henv_init(&h, s, "h5.db", NULL);
		o = run(h.env, bad);
		EXPECT_CODE(o, 7);
		cli_out_free(o);
		json_t *j = logs_json(h.env, "show", "1");
		assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "status")), "RATE_LIMITED");
		json_decref(j);
	}
	/* read-only file permissions (not for root, whom they do not stop) */
	if (geteuid() != 0) {
		henv_init(&h, s, "h6.db", NULL);
		o = run(h.env, chat);
		cli_out_free(o);
		chmod(h.db, 0444);
		o = run(h.env, chat);
		EXPECT_CODE(o, 0);
		EXPECT_IN(o->out, "Hello!");
		EXPECT_IN(o->err, "history not recorded");
		cli_out_free(o);
	}
}

static int interrupt_on_stderr(const cli_out *so_far, pid_t pid, int alive, void *user)
{
	(void)user;
	if (alive && strstr(so_far->err, "openai/gpt-4: ok in")) {
		kill(pid, SIGINT);
		return 1;
	}
	return 0;
}

/* Ctrl-C during a compare: what finished is recorded with exit status 130,
 * the cancelled run as CANCELLED. */
static void test_interrupted_run(void **state)
{
	cli_server *s = *state;
	henv h;
	const char *const args[] = {"compare", "--retries", "0", "-m", "openai/gpt-4", "-m", "openai/hang", "hi", NULL};
	cli_spec spec;
	cli_out *o;
	json_t *j;

	henv_init(&h, s, "h7.db", NULL);
	memset(&spec, 0, sizeof(spec));
	spec.args = args;
	spec.env = h.env;
	spec.watch = interrupt_on_stderr;
	o = cli_run(&spec);
	EXPECT_CODE(o, 130);
	cli_out_free(o);
	j = logs_json(h.env, "list", NULL);
	assert_int_equal(json_array_size(j), 1);
	assert_int_equal((int)json_number_value(json_object_get(json_array_get(j, 0), "exit")), 130);
	assert_int_equal((int)json_number_value(json_object_get(json_array_get(j, 0), "ok")), 1);
	json_decref(j);
	j = logs_json(h.env, "show", "1");
	assert_int_equal(json_array_size(j), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "status")), "OK");
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "status")), "CANCELLED");
	json_decref(j);
}

/* The scratch directory emptied (databases, WAL files, datasets). */
static int teardown(void **state)
{
	cli_server *s = *state;
	DIR *d = opendir(s->dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	return cli_server_teardown(state);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_chat_compare_eval_recorded, cli_server_setup, teardown),
	        cmocka_unit_test_setup_teardown(test_opt_out, cli_server_setup, teardown),
	        cmocka_unit_test_setup_teardown(test_eight_concurrent_writers, cli_server_setup, teardown),
	        cmocka_unit_test_setup_teardown(test_read_only_and_corrupted, cli_server_setup, teardown),
	        cmocka_unit_test_setup_teardown(test_interrupted_run, cli_server_setup, teardown),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/llmkit\n", argv[0]);
		return 2;
	}
	cli_binary = argv[1];
	cli_secret = CLI_KEY;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
