/* llmkit - try, compare and script models from a shell.
 *
 *   llmkit [global options] COMMAND [options] [arguments]
 *
 * Each subcommand lives in its own file (chat.c, media.c, kinds.c,
 * compare.c, info.c); this one dispatches and holds the top-level help. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} commands[] = {
        {"chat", cmd_chat, "ask a model; the answer streams in (a conversation on a terminal)"},
        {"embed", cmd_embed, "embedding vectors of texts, or their cosine similarity"},
        {"image", cmd_image, "generate an image from a prompt into a file"},
        {"transcribe", cmd_transcribe, "speech to text"},
        {"speak", cmd_speak, "text to speech into a file"},
        {"rerank", cmd_rerank, "rank documents by relevance to a query"},
        {"tokens", cmd_tokens, "count a prompt's input tokens as the provider does"},
        {"moderate", cmd_moderate, "moderation verdicts on texts and images"},
        {"compare", cmd_compare, "one prompt, several models at once: latency, tokens, cost, live"},
        {"eval", cmd_eval, "a JSONL dataset on several models: score, latency, cost"},
        {"batch", cmd_batch, "a JSONL dataset through a provider's batch API, at the batch price"},
        {"models", cmd_models, "known models with context length and price"},
        {"providers", cmd_providers, "providers, and which are configured or reachable"},
        {"logs", cmd_logs, "the history of chat, compare and eval runs (SQLite): list, show, search"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *fp)
{
	size_t i;

	fputs("usage: llmkit [global options] COMMAND [options] [arguments]\n"
	      "\n"
	      "Try, compare and script language models from a shell, with libllmkit.\n"
	      "\n"
	      "Commands:\n",
	      fp);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-11s %s\n", commands[i].name, commands[i].what);
	fputs("\n"
	      "Global options (accepted before or after the command):\n"
	      "  --base-url URL     send to this base URL instead of the provider's\n"
	      "  --timeout SECONDS  time limit per request (default 600, the library's)\n"
	      "  --retries N        retries after a failed attempt (default 2)\n"
	      "  -v, --verbose      log requests (request ids, HTTP status, timings, retries)\n"
	      "                     on stderr; twice for more. Keys are never printed.\n"
	      "  --no-history       do not record this run in the history (llmkit logs; also\n"
	      "                     LLMKIT_NO_HISTORY=1)\n"
	      "  --cache FILE       answer chat and embedding requests asked before from this\n"
	      "                     SQLite file, and store new answers there ($0, no request;\n"
	      "                     an eval re-run pays only for what changed)\n"
	      "  -h, --help         help (also after a command: llmkit chat --help)\n"
	      "  --version          version of llmkit and of the library\n"
	      "\n"
	      "Models are named provider/model (openai/gpt-4o-mini, ollama/llama3.2, ...).\n"
	      "API keys and base URLs come from each provider's environment variables\n"
	      "(OPENAI_API_KEY, OPENAI_BASE_URL, ...; 'llmkit providers' lists them).\n"
	      "Colour is used on terminals only, and never when NO_COLOR is set.\n"
	      "\n"
	      "Exit status:\n",
	      fp);
	fputs(cli_exit_table, fp);
	fputs("\nSee llmkit(1) for more.\n", fp);
}

static int color_allowed(FILE *fp)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && *nc)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return cli_isatty(fp);
}

int main(int argc, char **argv)
{
	int i, rc;
	size_t k;
	char **sub;
	int nsub;

	g_opt.color_out = color_allowed(stdout);
	g_opt.color_err = color_allowed(stderr);
	g_opt.tty_out = cli_isatty(stdout);
	/* Global options before the command; the rest is the command's. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("llmkit %s (libllmkit %s)\n", LLMK_VERSION_STRING, llmk_version());
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose") || !strcmp(argv[i], "--no-history"))
			continue;
		if (!strncmp(argv[i], "--", 2) && !strchr(argv[i], '=') &&
		    (!strcmp(argv[i], "--base-url") || !strcmp(argv[i], "--timeout") || !strcmp(argv[i], "--retries") ||
		     !strcmp(argv[i], "--cache"))) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--base-url=", 11) || !strncmp(argv[i], "--timeout=", 10) ||
		    !strncmp(argv[i], "--retries=", 10) || !strncmp(argv[i], "--cache=", 8))
			continue;
		return cli_usage_error(NULL, "unknown option '%s' before the command", argv[i]);
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (k = 0; k < NCOMMANDS; k++)
		if (!strcmp(argv[i], commands[k].name))
			break;
	if (k == NCOMMANDS)
		return cli_usage_error(NULL, "'%s' is not a command", argv[i]);

	/* The command sees its name, its own arguments and the global options
	 * given before it (parsed with its own, so errors name the command). */
	nsub = argc;
	sub = malloc(((size_t)argc + 1) * sizeof(*sub));
	if (!sub)
		return EXIT_FAILURE_OTHER;
	sub[0] = argv[i];
	memcpy(sub + 1, argv + 1, (size_t)(i - 1) * sizeof(*sub));
	memcpy(sub + i, argv + i + 1, (size_t)(argc - i - 1) * sizeof(*sub));
	nsub = argc - 1;
	sub[nsub] = NULL;
	if (llmk_cancel_new(&g_cancel) != LLMK_OK) {
		free(sub);
		return EXIT_FAILURE_OTHER;
	}
	cli_signals_install();
	rc = commands[k].fn(nsub, sub);
	fflush(stdout);
	{
		llmk_cancel *c = g_cancel;
		g_cancel = NULL; /* a late Ctrl-C finds no flag (llmk_cancel_trigger(NULL) is a no-op) */
		llmk_cancel_free(c);
	}
	free(sub);
	if (ferror(stdout) && rc == EXIT_OK) {
		fputs("llmkit: error writing to standard output\n", stderr);
		rc = EXIT_FAILURE_OTHER;
	}
	return rc;
}
