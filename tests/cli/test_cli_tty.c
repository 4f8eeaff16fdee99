/* llmkit on a terminal (a pseudo terminal from forkpty): a streamed answer
 * shows up while the stream is still arriving, the compare table is redrawn
 * in place as results come in, colour follows NO_COLOR, and chat without a
 * prompt is a conversation. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"
#include "cli_server.h"
#include "httpd.h"

#define EXPECT_CODE(o, want)                                                                             \
	do {                                                                                             \
		if ((o)->code != (want))                                                                 \
			fail_msg("exit status %d, wanted %d\noutput:\n%s", (o)->code, (want), (o)->out); \
	} while (0)

#define EXPECT_IN(hay, needle)                                               \
	do {                                                                 \
		if (!strstr((hay), (needle)))                                \
			fail_msg("'%s' not found in:\n%s", (needle), (hay)); \
	} while (0)

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay += strlen(needle))
		n++;
	return n;
}

/* ---- streaming ------------------------------------------------------------------ */

typedef struct stream_watch {
	int saw_first_part; /* "Hello" on the terminal ... */
	int rest_pending;   /* ... while the end of the answer had not come yet */
	int alive;          /* ... and llmkit was still running */
} stream_watch;

static int watch_stream(const cli_out *so_far, pid_t pid, int alive, void *user)
{
	stream_watch *w = user;

	(void)pid;
	if (!w->saw_first_part && strstr(so_far->out, "Hello")) {
		w->saw_first_part = 1;
		w->rest_pending = strstr(so_far->out, "help?") == NULL;
		w->alive = alive;
		return 1;
	}
	return 0;
}

static void test_stream_is_incremental(void **state)
{
	cli_server *s = *state;
	const char *const env[] = {s->env[0], s->env[1], "NO_COLOR=1", NULL};
	const char *const args[] = {"chat", "-m", "openai/slowtext", "Say hello", NULL};
	stream_watch w = {0, 0, 0};
	cli_spec spec = {args, env, NULL, 1, watch_stream, &w, 0};
	cli_out *o = cli_run(&spec);

	EXPECT_CODE(o, 0);
	assert_true(w.saw_first_part);
	assert_true(w.rest_pending); /* the first words were shown before the rest arrived */
	assert_true(w.alive);
	EXPECT_IN(o->out, "Hello! How can I help? \xc3\xa9\xe6\xbc\xa2");
	/* on a terminal, a footer with the model, tokens and time */
	EXPECT_IN(o->out, "[gpt-4o-mini-2024-07-18: 12 in / 5 out tokens");
	assert_null(strstr(o->out, "\033[")); /* NO_COLOR */
	cli_out_free(o);
}

/* ---- the live compare table -------------------------------------------------------- */

typedef struct table_watch {
	int partial; /* a frame with the fast model done and the slow one running */
	int partial_alive;
} table_watch;

/* The text after the last cursor-up sequence: the frame being drawn. */
static const char *last_frame(const char *s)
{
	const char *p, *last = s;

	for (p = s; (p = strstr(p, "\033[")) != NULL; p += 2) {
		size_t d = strspn(p + 2, "0123456789");
		if (d && p[2 + d] == 'A')
			last = p + 2 + d + 1;
	}
	return last;
}

static int watch_table(const cli_out *so_far, pid_t pid, int alive, void *user)
{
	table_watch *w = user;
	const char *f = last_frame(so_far->out);

	(void)pid;
	if (!w->partial && strstr(f, "1/2 runs done") && strstr(f, "running 0/1") && strstr(f, " ok ")) {
		w->partial = 1;
		w->partial_alive = alive;
	}
	return 0;
}

static void test_compare_table_is_live(void **state)
{
	cli_server *s = *state;
	const char *const env[] = {s->env[0], s->env[1], "NO_COLOR=1", NULL};
	const char *const args[] = {"compare", "-m", "openai/gpt-4", "-m", "openai/slow", "Say hello", NULL};
	table_watch w = {0, 0};
	cli_spec spec = {args, env, NULL, 1, watch_table, &w, 0};
	cli_out *o = cli_run(&spec);
	const char *f;

	EXPECT_CODE(o, 0);
	/* drawn three times: empty, after the fast model, after the slow one */
	assert_true(count(o->out, "runs done") >= 3);
	assert_true(count(o->out, "\033[3A") + count(o->out, "\033[4A") >= 2);
	assert_true(w.partial);
	assert_true(w.partial_alive);
	f = last_frame(o->out);
	EXPECT_IN(f, "2/2 runs done");
	EXPECT_IN(f, "openai/slow");
	assert_null(strstr(f, "running"));
	/* the cursor was hidden while drawing and shown again */
	EXPECT_IN(o->out, "\033[?25l");
	EXPECT_IN(o->out, "\033[?25h");
	/* NO_COLOR: no colour sequences (SGR), only cursor movement */
	assert_null(strstr(o->out, "\033[32m"));
	assert_null(strstr(o->out, "\033[2m"));
	assert_null(strstr(o->out, "\033[0m"));
	cli_out_free(o);
}

static void test_colour(void **state)
{
	cli_server *s = *state;
	const char *const args[] = {"compare", "-m", "openai/gpt-4", "hi", NULL};
	cli_spec spec = {args, s->env, NULL, 1, NULL, NULL, 0};
	cli_out *o = cli_run(&spec);

	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "\033[32mok");   /* green on a terminal */
	EXPECT_IN(o->out, "\033[1mmodel"); /* bold header */
	cli_out_free(o);
	{
		const char *const env[] = {s->env[0], s->env[1], "NO_COLOR=1", NULL};
		cli_spec nc = {args, env, NULL, 1, NULL, NULL, 0};
		o = cli_run(&nc);
		EXPECT_CODE(o, 0);
		assert_null(strstr(o->out, "\033[32m"));
		assert_null(strstr(o->out, "\033[1m"));
		assert_null(strstr(o->out, "\033[0m"));
		cli_out_free(o);
	}
	/* errors are red on a terminal */
	{
		const char *const a2[] = {"chat", "--retries", "0", "-m", "openai/ratelimited", "hi", NULL};
		cli_spec e = {a2, s->env, NULL, 1, NULL, NULL, 0};
		o = cli_run(&e);
		EXPECT_CODE(o, 7);
		EXPECT_IN(o->out, "\033[31merror: ");
		cli_out_free(o);
	}
}

/* ---- text from the network cannot drive the terminal ----------------------------------- */

static void test_escape_sequences_filtered(void **state)
{
	cli_server *s = *state;
	const char *const env[] = {s->env[0], s->env[1], "NO_COLOR=1", NULL};
	const char *const args[] = {"chat", "--no-stream", "-m", "openai/escapes", "hi", NULL};
	cli_spec spec = {args, env, NULL, 1, NULL, NULL, 0};
	cli_out *o = cli_run(&spec);
	const char *const cargs[] = {"compare", "--no-stream", "-m", "openai/escapes", "hi", NULL};
	cli_spec cs = {cargs, env, NULL, 1, NULL, NULL, 0};

	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "Hi ?]52;c;ZXZpbA==?there ?[31mred??2J end");
	assert_null(strchr(o->out, '\007'));
	assert_null(strstr(o->out, "\033]"));
	assert_null(strstr(o->out, "\xc2\x9b"));
	cli_out_free(o);
	/* in the live table too */
	o = cli_run(&cs);
	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "Hi  ]52;c;ZXZpbA== there  [31mred  2J end");
	assert_null(strchr(o->out, '\007'));
	assert_null(strstr(o->out, "\033]"));
	cli_out_free(o);
}

/* ---- the progress indicator ------------------------------------------------------------ */

static void test_image_progress(void **state)
{
	cli_server *s = *state;
	char path[96];
	const char *const env[] = {s->env[0], s->env[1], "NO_COLOR=1", NULL};
	const char *const args[] = {"image", "-m", "openai/slow", "-o", path, "a cat", NULL};
	cli_spec spec = {args, env, NULL, 1, NULL, NULL, 0};
	cli_out *o;

	snprintf(path, sizeof(path), "%s/cat.png", s->dir);
	o = cli_run(&spec);
	EXPECT_CODE(o, 0);
	/* redrawn in place (carriage returns) while waiting 1.5 s, then erased */
	assert_true(count(o->out, "generating...") >= 5);
	EXPECT_IN(o->out, "\r\033[K");
	EXPECT_IN(o->out, path);
	cli_out_free(o);
	unlink(path);
}

/* ---- a conversation --------------------------------------------------------------------- */

static void test_interactive_chat(void **state)
{
	cli_server *s = *state;
	const char *const env[] = {s->env[0], s->env[1], "NO_COLOR=1", NULL};
	const char *const args[] = {"chat", "-m", "openai/gpt-4o-mini", NULL};
	/* two questions typed ahead, then Ctrl-D */
	cli_spec spec = {args, env, "first question\nsecond question\n\x04", 1, NULL, NULL, 0};
	cli_out *o = cli_run(&spec);
	const char *b;

	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "chat with openai/gpt-4o-mini");
	assert_true(count(o->out, "Hello! How can I help?") == 2);
	assert_int_equal(th_request_count(s->srv), 2);
	/* the second request carries the conversation so far */
	b = (const char *)th_request_at(s->srv, 1)->body;
	EXPECT_IN(b, "\"content\":\"first question\"");
	EXPECT_IN(b, "\"role\":\"assistant\",\"content\":\"Hello! How can I help? \xc3\xa9\xe6\xbc\xa2\"");
	EXPECT_IN(b, "\"content\":\"second question\"");
	cli_out_free(o);
}

/* Ctrl-C during an answer stops that answer only: the conversation goes on
 * with the next question, which no longer carries the stopped one. */
static int interrupt_first_answer(const cli_out *so_far, pid_t pid, int alive, void *user)
{
	(void)user;
	if (alive && strstr(so_far->out, "Hello")) {
		kill(pid, SIGINT);
		return 1;
	}
	return 0;
}

static void test_interactive_ctrl_c(void **state)
{
	cli_server *s = *state;
	const char *const env[] = {s->env[0], s->env[1], "NO_COLOR=1", NULL};
	const char *const args[] = {"chat", "-m", "openai/slowtext", NULL};
	cli_spec spec = {args, env, "first question\nsecond question\n\x04", 1, interrupt_first_answer, NULL, 0};
	cli_out *o = cli_run(&spec);
	const char *b;

	EXPECT_CODE(o, 0);
	EXPECT_IN(o->out, "interrupted");
	EXPECT_IN(o->out, "Hello! How can I help?"); /* the second answer, whole */
	assert_int_equal(th_request_count(s->srv), 2);
	b = (const char *)th_request_at(s->srv, 1)->body;
	assert_null(strstr(b, "first question"));
	EXPECT_IN(b, "\"content\":\"second question\"");
	cli_out_free(o);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_stream_is_incremental, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_compare_table_is_live, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_colour, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_escape_sequences_filtered, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_image_progress, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_interactive_chat, cli_server_setup, cli_server_teardown),
	        cmocka_unit_test_setup_teardown(test_interactive_ctrl_c, cli_server_setup, cli_server_teardown),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/llmkit\n", argv[0]);
		return 2;
	}
	cli_binary = argv[1];
	cli_secret = CLI_KEY;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
