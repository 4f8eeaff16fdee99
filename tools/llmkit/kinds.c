/* llmkit rerank, tokens, moderate: one request each, text out. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define GLOBAL_HELP                                                                        \
	"\nGlobal options (llmkit --help): --base-url, --timeout, --retries, --verbose.\n" \
	"Exit status: 0 on success; llmkit --help lists the others.\n"

/* -m and --format (text or json) are common to the three; the others go to
 * `fn`. Returns 0 to go on, else an exit status (*done after help). */
typedef struct kind_args {
	const char *model;
	int json;
	long top_n, per_doc;
	const char *file, *system;
	const char *images[16];
	size_t nimages;
} kind_args;

enum { K_MODEL = 1, K_FORMAT, K_TOP_N, K_PER_DOC, K_FILE, K_SYSTEM, K_IMAGE };

static int parse(cli_parse *p, const cli_opt *opts, const char *help, kind_args *a, int *done)
{
	const char *val;
	int id;

	*done = 0;
	while ((id = cli_next(p, opts, &val)) > 0) {
		switch (id) {
		case K_MODEL: a->model = val; break;
		case K_FORMAT:
			if (strcmp(val, "text") && strcmp(val, "json"))
				return cli_usage_error(p->cmd, "--format: '%s' is not text or json", val);
			a->json = !strcmp(val, "json");
			break;
		case K_TOP_N:
			if (cli_int(p->cmd, "--top-n", val, 1, 1000000, &a->top_n))
				return EXIT_USAGE;
			break;
		case K_PER_DOC:
			if (cli_int(p->cmd, "--max-tokens-per-doc", val, 1, 1000000000, &a->per_doc))
				return EXIT_USAGE;
			break;
		case K_FILE: a->file = val; break;
		case K_SYSTEM: a->system = val; break;
		case K_IMAGE:
			if (a->nimages == sizeof(a->images) / sizeof(a->images[0]))
				return cli_usage_error(p->cmd, "--image: at most %zu images", a->nimages);
			a->images[a->nimages++] = val;
			break;
		default: break;
		}
	}
	if (id == CLI_HELP) {
		fputs(help, stdout);
		*done = 1;
		return EXIT_OK;
	}
	if (id == CLI_ERROR)
		return EXIT_USAGE;
	if (!a->model || !*a->model)
		a->model = getenv("LLMK_MODEL");
	if (!a->model || !*a->model)
		return cli_usage_error(p->cmd, "no model: give -m provider/model (or set LLMK_MODEL)");
	return 0;
}

/* Adds each non-empty line of buf as an input; the count added. */
static size_t add_lines(llmk_request *r, char *buf)
{
	char *line, *save = NULL;
	size_t n = 0;

	for (line = strtok_r(buf, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
		if (*line && llmk_request_add_input(r, line) == LLMK_OK)
			n++;
	return n;
}

/* Sends r; on failure prints why and returns the exit status, else 0. */
static int send_one(const char *cmd, const char *model, llmk_request *r, llmk_response **resp)
{
	llmk_client *c;
	int rc = 0;

	*resp = NULL;
	if (!(c = cli_client(cmd, model, &rc)))
		return rc;
	llmk_send(c, r, resp);
	cli_verbose_response(cmd, *resp);
	if (llmk_response_status(*resp) != LLMK_OK)
		rc = cli_fail_response(cmd, *resp);
	llmk_client_free(c);
	return rc;
}

/* ---- rerank ------------------------------------------------------------------ */

static const char rerank_help[] = "usage: llmkit rerank -m MODEL [options] QUERY [DOCUMENT...]\n"
                                  "\n"
                                  "Ranks the DOCUMENTs (arguments, else the non-empty lines of --file or of\n"
                                  "standard input) by relevance to QUERY and prints them most relevant first,\n"
                                  "one per line: RANK, the document's number (from 1, in input order), the\n"
                                  "score and the document; or one JSON object per line (--format json).\n"
                                  "\n"
                                  "Options:\n"
                                  "  -m, --model MODEL             provider/model, e.g. cohere/rerank-v3.5,\n"
                                  "                                llamacpp/bge-reranker-v2-m3\n"
                                  "  -n, --top-n N                 only the N most relevant\n"
                                  "      --max-tokens-per-doc N    truncate each document to N tokens (Cohere)\n"
                                  "  -f, --file PATH               documents, one per line (- for stdin)\n"
                                  "      --format FORMAT           text (default) or json\n" GLOBAL_HELP;

static const cli_opt rerank_opts[] = {
        {"model", 'm', 1, K_MODEL}, {"top-n", 'n', 1, K_TOP_N}, {"max-tokens-per-doc", 0, 1, K_PER_DOC},
        {"file", 'f', 1, K_FILE},   {"format", 0, 1, K_FORMAT}, {NULL, 0, 0, 0},
};

int cmd_rerank(int argc, char **argv)
{
	cli_parse p;
	kind_args a;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	unsigned char *in = NULL;
	size_t i, n;
	int rc, done;

	memset(&a, 0, sizeof(a));
	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	rc = parse(&p, rerank_opts, rerank_help, &a, &done);
	if (rc || done)
		goto out;
	if (!p.npos) {
		rc = cli_usage_error("rerank", "no QUERY given");
		goto out;
	}
	llmk_request_new(&r, LLMK_RERANK);
	llmk_request_set_cancel(r, g_cancel);
	llmk_request_set_str(r, LLMK_OPT_QUERY, p.pos[0]);
	if (a.top_n)
		llmk_request_set_i64(r, LLMK_OPT_TOP_N, a.top_n);
	if (a.per_doc)
		llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS_PER_DOC, a.per_doc);
	for (i = 1; i < p.npos; i++)
		llmk_request_add_input(r, p.pos[i]);
	if (p.npos > 1 && a.file) {
		rc = cli_usage_error("rerank", "documents as arguments or from --file, not both");
		goto out;
	}
	if (p.npos == 1) {
		if (!a.file && isatty(STDIN_FILENO)) {
			rc = cli_usage_error("rerank", "no DOCUMENT given (as arguments, --file or lines on stdin)");
			goto out;
		}
		if (!(in = cli_read_file("rerank", a.file ? a.file : "-", (size_t)64 << 20, &n))) {
			rc = EXIT_USAGE;
			goto out;
		}
		add_lines(r, (char *)in);
	}
	if (!llmk_request_input_count(r)) {
		rc = cli_usage_error("rerank", "nothing to rank: no documents");
		goto out;
	}
	if ((rc = send_one("rerank", a.model, r, &resp)))
		goto out;
	for (i = 0; i < llmk_response_rank_count(resp); i++) {
		long long idx = (long long)llmk_response_rank_index(resp, i);
		const char *doc = llmk_response_rank_document(resp, i);
		if (a.json) {
			printf("{\"rank\":%zu,\"index\":%lld,\"score\":%.9g,\"document\":", i + 1, idx,
			       llmk_response_rank_score(resp, i));
			cli_json_string(stdout, doc);
			fputs("}\n", stdout);
		} else {
			printf("%zu\t%lld\t%.6g\t", i + 1, idx + 1, llmk_response_rank_score(resp, i));
			cli_put_text(stdout, doc, strlen(doc), g_opt.tty_out);
			fputc('\n', stdout);
		}
	}
out:
	free(in);
	llmk_response_free(resp);
	llmk_request_free(r);
	cli_parse_free(&p);
	return rc;
}

/* ---- tokens ------------------------------------------------------------------ */

static const char tokens_help[] = "usage: llmkit tokens -m MODEL [options] [PROMPT...]\n"
                                  "\n"
                                  "Prints how many input tokens the provider counts for PROMPT (the arguments\n"
                                  "joined by spaces, else standard input) sent as one user message: the\n"
                                  "provider's own count (Anthropic, OpenAI Responses, Gemini, llama-server),\n"
                                  "never an estimate; other providers are refused.\n"
                                  "\n"
                                  "Options:\n"
                                  "  -m, --model MODEL      provider/model, e.g. anthropic/claude-sonnet-4-5\n"
                                  "  -s, --system TEXT      a system prompt, counted too\n"
                                  "      --format FORMAT    text (default) or json\n" GLOBAL_HELP;

static const cli_opt tokens_opts[] = {
        {"model", 'm', 1, K_MODEL},
        {"system", 's', 1, K_SYSTEM},
        {"format", 0, 1, K_FORMAT},
        {NULL, 0, 0, 0},
};

int cmd_tokens(int argc, char **argv)
{
	cli_parse p;
	kind_args a;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	char *prompt = NULL;
	int64_t n = -1;
	int rc, done;

	memset(&a, 0, sizeof(a));
	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	rc = parse(&p, tokens_opts, tokens_help, &a, &done);
	if (rc || done)
		goto out;
	if (!p.npos && isatty(STDIN_FILENO)) {
		rc = cli_usage_error("tokens", "no PROMPT given (as arguments or on stdin)");
		goto out;
	}
	if (!(prompt = cli_text_arg("tokens", p.pos, p.npos, "PROMPT"))) {
		rc = EXIT_USAGE;
		goto out;
	}
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_set_cancel(r, g_cancel);
	if (a.system)
		llmk_request_add_message(r, LLMK_ROLE_SYSTEM, a.system);
	llmk_request_add_message(r, LLMK_ROLE_USER, prompt);
	if (!(c = cli_client("tokens", a.model, &rc)))
		goto out;
	llmk_count_tokens(c, r, &n, &resp);
	cli_verbose_response("tokens", resp);
	if (llmk_response_status(resp) != LLMK_OK) {
		rc = cli_fail_response("tokens", resp);
		goto out;
	}
	if (a.json)
		printf("{\"input_tokens\":%lld}\n", (long long)n);
	else
		printf("%lld\n", (long long)n);
out:
	free(prompt);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	cli_parse_free(&p);
	return rc;
}

/* ---- moderate ---------------------------------------------------------------- */

static const char moderate_help[] =
        "usage: llmkit moderate -m MODEL [options] [TEXT...]\n"
        "\n"
        "Asks the provider's moderation model about each TEXT (arguments, else the\n"
        "non-empty lines of standard input) and the images, and prints per result\n"
        "\"flagged\" or \"ok\" and the flagged categories with their scores; with\n"
        "--all every category. Texts with images are judged together (one result).\n"
        "\n"
        "Options:\n"
        "  -m, --model MODEL      provider/model, e.g. openai/omni-moderation-latest,\n"
        "                         mistral/mistral-moderation-latest\n"
        "  -i, --image FILE|URL   an image to moderate too (repeatable; OpenAI)\n"
        "      --format FORMAT    text (default) or json (one object per result)\n" GLOBAL_HELP;

static const cli_opt moderate_opts[] = {
        {"model", 'm', 1, K_MODEL},
        {"image", 'i', 1, K_IMAGE},
        {"format", 0, 1, K_FORMAT},
        {NULL, 0, 0, 0},
};

static const char *image_mime(const char *path)
{
	static const struct {
		const char *ext, *mime;
	} map[] = {{".png", "image/png"},
	           {".jpg", "image/jpeg"},
	           {".jpeg", "image/jpeg"},
	           {".gif", "image/gif"},
	           {".webp", "image/webp"}};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(dot, map[i].ext))
			return map[i].mime;
	return NULL;
}

static int add_image(llmk_request *r, const char *img)
{
	unsigned char *data;
	const char *mime;
	size_t len;
	llmk_status st;

	if (!strncmp(img, "http://", 7) || !strncmp(img, "https://", 8) || !strncmp(img, "data:", 5))
		st = llmk_request_add_image_url(r, img, NULL);
	else if (!(mime = image_mime(img)))
		return cli_usage_error("moderate", "--image %s: not a .png, .jpg, .gif or .webp file", img);
	else if (!(data = cli_read_file("moderate", img, (size_t)20 << 20, &len)))
		return EXIT_USAGE;
	else {
		st = llmk_request_add_image_data(r, data, len, mime);
		free(data);
	}
	return st == LLMK_OK ? 0 : cli_usage_error("moderate", "%s", llmk_request_errmsg(r));
}

static void print_result(const llmk_response *resp, size_t i, int json)
{
	size_t j, n = llmk_response_moderation_category_count(resp, i);
	int flagged = llmk_response_moderation_flagged(resp, i), first = 1;

	if (json) {
		printf("{\"flagged\":%s,\"categories\":{", flagged == 1 ? "true" : "false");
		for (j = 0; j < n; j++) {
			int f = llmk_response_moderation_category_flagged(resp, i, NULL, j);
			double s = llmk_response_moderation_category_score(resp, i, NULL, j);
			const char *inputs = llmk_response_moderation_category_inputs(resp, i, NULL, j);
			fputs(j ? "," : "", stdout);
			cli_json_string(stdout, llmk_response_moderation_category_name(resp, i, j));
			printf(":{\"flagged\":%s", f < 0 ? "null" : f ? "true" : "false");
			if (s == s)
				printf(",\"score\":%.9g", s);
			if (inputs) {
				fputs(",\"inputs\":", stdout);
				cli_json_string(stdout, inputs);
			}
			fputc('}', stdout);
		}
		fputs("}}\n", stdout);
		return;
	}
	printf("%s", flagged == 1 ? "flagged" : "ok");
	for (j = 0; j < n; j++) {
		const char *name = llmk_response_moderation_category_name(resp, i, j);
		if (llmk_response_moderation_category_flagged(resp, i, NULL, j) != 1)
			continue;
		fputs(first ? ": " : ", ", stdout);
		cli_put_text(stdout, name, strlen(name), g_opt.tty_out);
		if (llmk_response_moderation_category_score(resp, i, NULL, j) ==
		    llmk_response_moderation_category_score(resp, i, NULL, j))
			printf(" %.3f", llmk_response_moderation_category_score(resp, i, NULL, j));
		first = 0;
	}
	fputc('\n', stdout);
}

int cmd_moderate(int argc, char **argv)
{
	cli_parse p;
	kind_args a;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	unsigned char *in = NULL;
	size_t i, n;
	int rc, done;

	memset(&a, 0, sizeof(a));
	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	rc = parse(&p, moderate_opts, moderate_help, &a, &done);
	if (rc || done)
		goto out;
	llmk_request_new(&r, LLMK_MODERATE);
	llmk_request_set_cancel(r, g_cancel);
	for (i = 0; i < p.npos; i++)
		llmk_request_add_input(r, p.pos[i]);
	for (i = 0; i < a.nimages; i++)
		if ((rc = add_image(r, a.images[i])))
			goto out;
	if (!p.npos && !a.nimages) {
		if (isatty(STDIN_FILENO)) {
			rc = cli_usage_error("moderate", "no TEXT given (as arguments, lines on stdin, or --image)");
			goto out;
		}
		if (!(in = cli_read_file("moderate", "-", (size_t)64 << 20, &n))) {
			rc = EXIT_USAGE;
			goto out;
		}
		if (!add_lines(r, (char *)in)) {
			rc = cli_usage_error("moderate", "nothing to moderate: the input is empty");
			goto out;
		}
	}
	if ((rc = send_one("moderate", a.model, r, &resp)))
		goto out;
	for (i = 0; i < llmk_response_moderation_count(resp); i++)
		print_result(resp, i, a.json);
out:
	free(in);
	llmk_response_free(resp);
	llmk_request_free(r);
	cli_parse_free(&p);
	return rc;
}
