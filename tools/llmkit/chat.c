/* llmkit chat: ask a model; the answer streams as it arrives. With no
 * prompt and a terminal on stdin it is a conversation; with no model it
 * picks the first configured provider or reachable local server. */
#include "cli.h"
#include "history.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "chat_opts.h"

static const char chat_help[] = "usage: llmkit chat [-m MODEL] [options] [PROMPT...]\n"
                                "\n"
                                "Sends PROMPT (the arguments joined by spaces, else standard input) and\n"
                                "prints the answer as it arrives. With no PROMPT and a terminal on stdin,\n"
                                "starts a conversation: one question per line, Ctrl-C stops an answer,\n"
                                "/reset forgets the conversation, Ctrl-D or /exit quits.\n"
                                "\n"
                                "Options:\n"
                                "  -m, --model MODEL       provider/model (default: $LLMK_MODEL, else the\n"
                                "                          first provider whose key is set, else a local\n"
                                "                          server: llama.cpp on :8080, Ollama on :11434)\n"
                                "  -s, --system TEXT       system message\n"
                                "  -t, --temperature T     sampling temperature\n"
                                "      --max-tokens N      upper bound on the answer's tokens\n"
                                "      --json              ask for a JSON object\n"
                                "      --schema FILE       ask for JSON following this JSON Schema\n"
                                "  -i, --image FILE|URL    attach an image (vision models; repeatable)\n"
                                "  -f, --file FILE         attach a file: an image (.png .jpg .gif .webp) or a\n"
                                "                          document (.pdf; .txt .md .csv as text); repeatable\n"
                                "      --set NAME=VALUE    any request option by its library name\n"
                                "                          (e.g. --set seed=7 --set top_p=0.9)\n"
                                "      --no-stream         wait for the whole answer\n"
                                "      --print-model       print the model that would answer (as chosen\n"
                                "                          above) and exit; nothing is sent\n"
                                "\n"
                                "Global options (llmkit --help): --base-url, --timeout, --retries, --verbose.\n"
                                "Exit status: 0 on success; llmkit --help lists the others.\n";

/* The request options share their ids with compare's (chat_opts.h). */
enum {
	O_MODEL = 1,
	O_SYSTEM = CHAT_O_SYSTEM,
	O_TEMP = CHAT_O_TEMP,
	O_MAXTOK = CHAT_O_MAXTOK,
	O_JSON = CHAT_O_JSON,
	O_SCHEMA = CHAT_O_SCHEMA,
	O_IMAGE = CHAT_O_IMAGE,
	O_SET = CHAT_O_SET,
	O_FILE = CHAT_O_FILE,
	O_NOSTREAM = 20,
	O_PRINT_MODEL
};

static const cli_opt chat_cli_opts[] = {
        {"model", 'm', 1, O_MODEL},
        {"system", 's', 1, O_SYSTEM},
        {"temperature", 't', 1, O_TEMP},
        {"max-tokens", 0, 1, O_MAXTOK},
        {"json", 0, 0, O_JSON},
        {"schema", 0, 1, O_SCHEMA},
        {"image", 'i', 1, O_IMAGE},
        {"set", 0, 1, O_SET},
        {"file", 'f', 1, O_FILE},
        {"no-stream", 0, 0, O_NOSTREAM},
        {"print-model", 0, 0, O_PRINT_MODEL},
        {NULL, 0, 0, 0},
};

/* ---- request options shared with compare ------------------------------------ */

int chat_opts_add(chat_opts *o, const char *cmd, int id, const char *val)
{
	switch (id) {
	case CHAT_O_SYSTEM: o->system = val; return 0;
	case CHAT_O_TEMP: o->has_temp = 1; return cli_double(cmd, "--temperature", val, 0, 10, &o->temp);
	case CHAT_O_MAXTOK: return cli_int(cmd, "--max-tokens", val, 1, 100000000, &o->max_tokens);
	case CHAT_O_JSON: o->json = 1; return 0;
	case CHAT_O_SCHEMA: o->schema_path = val; return 0;
	case CHAT_O_IMAGE:
	case CHAT_O_FILE:
		if (o->nimages == CHAT_MAX_IMAGES)
			return cli_usage_error(cmd, "at most %d images and files", CHAT_MAX_IMAGES), -1;
		o->images[o->nimages++] = val;
		return 0;
	case CHAT_O_SET:
		if (o->nsets == CHAT_MAX_SETS)
			return cli_usage_error(cmd, "at most %d --set options", CHAT_MAX_SETS), -1;
		if (!strchr(val, '='))
			return cli_usage_error(cmd, "--set: '%s' is not NAME=VALUE", val), -1;
		o->sets[o->nsets++] = val;
		return 0;
	}
	return -1;
}

static const char *image_mime(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return NULL;
	if (!strcasecmp(dot, ".png"))
		return "image/png";
	if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))
		return "image/jpeg";
	if (!strcasecmp(dot, ".gif"))
		return "image/gif";
	if (!strcasecmp(dot, ".webp"))
		return "image/webp";
	return NULL;
}

/* A document's MIME type by its extension, or NULL. */
static const char *document_mime(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return NULL;
	if (!strcasecmp(dot, ".pdf"))
		return "application/pdf";
	if (!strcasecmp(dot, ".txt") || !strcasecmp(dot, ".md") || !strcasecmp(dot, ".csv"))
		return "text/plain";
	return NULL;
}

/* A JSON Schema name: the file's base name, letters, digits, '_' and '-'. */
static void schema_name(const char *path, char *out, size_t cap)
{
	const char *b = strrchr(path, '/');
	size_t n = 0;

	for (b = b ? b + 1 : path; *b && *b != '.' && n + 1 < cap; b++)
		out[n++] = (char)((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || (*b >= '0' && *b <= '9') ||
		                                  *b == '-'
		                          ? *b
		                          : '_');
	if (!n)
		out[n++] = 's';
	out[n] = '\0';
}

static int set_named(llmk_request *r, const char *cmd, const char *nv)
{
	char name[64];
	const char *eq = strchr(nv, '='), *val = eq + 1;
	size_t n = (size_t)(eq - nv);
	int32_t id;
	llmk_status st;
	char *end;

	if (n >= sizeof(name))
		return cli_usage_error(cmd, "--set: no option '%.*s'", (int)n, nv), -1;
	memcpy(name, nv, n);
	name[n] = '\0';
	id = llmk_option_by_name(name);
	if (!id)
		return cli_usage_error(cmd, "--set: no option '%s'", name), -1;
	switch (llmk_option_type(id)) {
	case LLMK_TYPE_STR: st = llmk_request_set_str(r, id, val); break;
	case LLMK_TYPE_I64: {
		long long v = strtoll(val, &end, 10);
		if (!*val || *end)
			return cli_usage_error(cmd, "--set %s: '%s' is not a whole number", name, val), -1;
		st = llmk_request_set_i64(r, id, v);
		break;
	}
	default: {
		double v = strtod(val, &end);
		if (!*val || *end)
			return cli_usage_error(cmd, "--set %s: '%s' is not a number", name, val), -1;
		st = llmk_request_set_f64(r, id, v);
	}
	}
	if (st != LLMK_OK)
		return cli_usage_error(cmd, "--set %s: %s", name,
		                       *llmk_request_errmsg(r) ? llmk_request_errmsg(r) : llmk_strerror(st)),
		       -1;
	return 0;
}

int chat_opts_apply(const chat_opts *o, const char *cmd, llmk_request *r)
{
	llmk_status st = LLMK_OK;
	size_t i;

	if (o->has_temp)
		st = llmk_request_set_f64(r, LLMK_OPT_TEMPERATURE, o->temp);
	if (st == LLMK_OK && o->max_tokens)
		st = llmk_request_set_i64(r, LLMK_OPT_MAX_TOKENS, o->max_tokens);
	if (st == LLMK_OK && o->json)
		st = llmk_request_set_str(r, LLMK_OPT_RESPONSE_FORMAT, "json_object");
	if (st == LLMK_OK && o->schema_path) {
		size_t len;
		char name[64];
		unsigned char *schema = cli_read_file(cmd, o->schema_path, 1 << 20, &len);
		if (!schema)
			return -1;
		schema_name(o->schema_path, name, sizeof(name));
		st = llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA, (const char *)schema);
		if (st == LLMK_OK)
			st = llmk_request_set_str(r, LLMK_OPT_JSON_SCHEMA_NAME, name);
		free(schema);
		if (st != LLMK_OK)
			return cli_usage_error(cmd, "--schema %s: %s", o->schema_path, llmk_request_errmsg(r)), -1;
	}
	if (st != LLMK_OK)
		return cli_usage_error(cmd, "%s", llmk_request_errmsg(r)), -1;
	for (i = 0; i < o->nsets; i++)
		if (set_named(r, cmd, o->sets[i]))
			return -1;
	return 0;
}

/* Adds the --image and --file parts to the last message. */
int chat_opts_images(const chat_opts *o, const char *cmd, llmk_request *r)
{
	size_t i, len;
	llmk_status st;

	for (i = 0; i < o->nimages; i++) {
		const char *im = o->images[i];
		if (!strncmp(im, "http://", 7) || !strncmp(im, "https://", 8) || !strncmp(im, "data:", 5)) {
			st = llmk_request_add_image_url(r, im, NULL);
		} else {
			const char *mime = image_mime(im), *doc = mime ? NULL : document_mime(im),
			           *base = strrchr(im, '/');
			unsigned char *data;
			if (!mime && !doc)
				return cli_usage_error(
				               cmd,
				               "%s: not an image (.png .jpg .gif .webp) or a document (.pdf .txt .md "
				               ".csv)",
				               im),
				       -1;
			data = cli_read_file(cmd, im, (size_t)32 << 20, &len);
			if (!data)
				return -1;
			st = mime ? llmk_request_add_image_data(r, data, len, mime)
			          : llmk_request_add_document(r, data, len, doc, base ? base + 1 : im);
			free(data);
		}
		if (st != LLMK_OK)
			return cli_usage_error(cmd, "%s: %s", im, llmk_request_errmsg(r)), -1;
	}
	return 0;
}

/* ---- streaming ---------------------------------------------------------------- */

static int32_t on_event(const llmk_event *ev, void *user)
{
	size_t n;

	(void)user;
	if (llmk_event_type(ev) == LLMK_EVENT_REFUSAL) {
		/* A refusal is not the answer: stderr, so a script's output
		 * stays empty and the exit status says why. */
		cli_put_text(stderr, llmk_event_text(ev), llmk_event_text_len(ev), cli_isatty(stderr));
		fflush(stderr);
		return 0;
	}
	if (llmk_event_type(ev) != LLMK_EVENT_TEXT)
		return 0;
	n = llmk_event_text_len(ev);
	if (!n)
		return 0;
	cli_put_text(stdout, llmk_event_text(ev), n, g_opt.tty_out);
	fflush(stdout);
	cli_midline = llmk_event_text(ev)[n - 1] != '\n';
	return 0;
}

static void footer(const llmk_client *c, const llmk_response *resp)
{
	const char *m = llmk_response_model(resp);
	double cost;
	char costs[32] = "";

	if (!g_opt.verbose && !cli_isatty(stderr))
		return;
	if (llmk_response_cost(resp, &cost) == LLMK_OK)
		snprintf(costs, sizeof(costs), ", $%.6f", cost);
	fprintf(stderr, "%s[%s: %lld in / %lld out tokens, %.0f ms%s]%s\n", cli_c(g_opt.color_err, C_DIM),
	        *m ? m : llmk_client_model(c), (long long)llmk_response_usage(resp, LLMK_USAGE_INPUT),
	        (long long)llmk_response_usage(resp, LLMK_USAGE_OUTPUT),
	        llmk_response_timing(resp, LLMK_TIMING_TOTAL_MS), costs, cli_c(g_opt.color_err, C_RESET));
}

/* Sends one request, printing the answer. 0 or an exit status. */
static int ask(llmk_client *c, const llmk_request *r, int stream, char **answer)
{
	llmk_response *resp = NULL;
	llmk_status st;
	int rc = EXIT_OK;

	cli_midline = 0;
	st = stream ? llmk_stream(c, r, on_event, NULL, &resp) : llmk_send(c, r, &resp);
	if (st == LLMK_OK && !stream) {
		const char *t = llmk_response_text(resp);
		size_t n = strlen(t);
		cli_put_text(stdout, t, n, g_opt.tty_out);
		cli_midline = n && t[n - 1] != '\n';
		t = llmk_response_refusal(resp);
		cli_put_text(stderr, t, strlen(t), cli_isatty(stderr));
	}
	if (st == LLMK_OK && *llmk_response_refusal(resp))
		fputc('\n', stderr);
	cli_end_line();
	cli_verbose_response("chat", resp);
	if (st == LLMK_OK) {
		footer(c, resp);
		if (*llmk_response_refusal(resp))
			rc = EXIT_REFUSED;
		else if (answer)
			*answer = strdup(llmk_response_text(resp));
	} else {
		rc = cli_fail_response("chat", resp);
	}
	fflush(stdout); /* the answer is out before the history is written */
	cli_history_chat("chat", c, r, resp, rc);
	llmk_response_free(resp);
	return rc;
}

/* ---- picking a model ------------------------------------------------------------- */

static const struct {
	const char *env, *model;
} hosted[] = {
        {"OPENAI_API_KEY", "openai/gpt-4o-mini"},         {"ANTHROPIC_API_KEY", "anthropic/claude-3-5-haiku-latest"},
        {"GEMINI_API_KEY", "gemini/gemini-2.0-flash"},    {"MISTRAL_API_KEY", "mistral/mistral-small-latest"},
        {"COHERE_API_KEY", "cohere/command-r7b-12-2024"}, {"GROQ_API_KEY", "groq/llama-3.1-8b-instant"},
};
static const char *const local[] = {"llamacpp/default", "ollama/llama3.2"};

/* The model to use when none was named, or NULL after saying what was tried. */
static const char *pick_model(void)
{
	char tried[2048];
	size_t i, n;
	llmk_client *c;

	for (i = 0; i < sizeof(hosted) / sizeof(hosted[0]); i++) {
		const char *k = getenv(hosted[i].env);
		if (k && *k)
			return hosted[i].model;
	}
	n = (size_t)snprintf(tried, sizeof(tried),
	                     "  - hosted services: none of OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY,\n"
	                     "    MISTRAL_API_KEY, COHERE_API_KEY, GROQ_API_KEY is set\n");
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		const char *url;
		int up;
		if (llmk_client_new(&c, local[i]) != LLMK_OK)
			continue;
		if (g_opt.base_url)
			llmk_client_set_str(c, LLMK_OPT_BASE_URL, g_opt.base_url);
		url = llmk_client_base_url(c);
		up = cli_probe_url(url, 1000);
		if (n < sizeof(tried))
			n += (size_t)snprintf(tried + n, sizeof(tried) - n, "  - %s at %s: nothing listening\n",
			                      local[i], url);
		llmk_client_free(c);
		if (up)
			return local[i];
	}
	cli_error("chat", "no model provider is reachable. Tried:");
	fprintf(stderr,
	        "%s"
	        "Set one of those keys, start a local server (llama.cpp: llama-server -m model.gguf --port 8080;\n"
	        "Ollama: ollama serve && ollama pull llama3.2), or name a model: llmkit chat -m provider/model.\n",
	        tried);
	return NULL;
}

/* ---- the command ------------------------------------------------------------------- */

typedef struct turn {
	int32_t role;
	char *text;
} turn;

static int build(const chat_opts *o, const turn *t, size_t n, llmk_request **out)
{
	llmk_request *r = NULL;
	size_t i;

	if (llmk_request_new(&r, LLMK_CHAT) != LLMK_OK)
		return EXIT_FAILURE_OTHER;
	llmk_request_set_cancel(r, g_cancel);
	if (o->system && llmk_request_add_message(r, LLMK_ROLE_SYSTEM, o->system) != LLMK_OK)
		goto bad;
	for (i = 0; i < n; i++) {
		if (llmk_request_add_message(r, t[i].role, t[i].text) != LLMK_OK)
			goto bad;
		if (i == 0 && chat_opts_images(o, "chat", r))
			goto fail;
	}
	if (chat_opts_apply(o, "chat", r))
		goto fail;
	*out = r;
	return EXIT_OK;
bad:
	cli_usage_error("chat", "%s", llmk_request_errmsg(r));
fail:
	llmk_request_free(r);
	return EXIT_USAGE;
}

static int interactive(llmk_client *c, const chat_opts *o, int stream)
{
	turn *hist = NULL;
	size_t n = 0, cap = 0, i;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	int rc = EXIT_OK;

	fprintf(stderr, "%schat with %s/%s; Ctrl-C stops an answer, /reset forgets, Ctrl-D quits%s\n",
	        cli_c(g_opt.color_err, C_DIM), llmk_client_provider(c), llmk_client_model(c),
	        cli_c(g_opt.color_err, C_RESET));
	for (;;) {
		llmk_request *r = NULL;
		char *answer = NULL;

		fprintf(stdout, "%s> %s", cli_c(g_opt.color_out, C_CYAN), cli_c(g_opt.color_out, C_RESET));
		fflush(stdout);
		errno = 0;
		len = getline(&line, &lcap, stdin);
		if (len < 0) {
			if (errno == EINTR) { /* Ctrl-C at the prompt: a fresh line */
				clearerr(stdin);
				fputc('\n', stdout);
				cli_interrupt_reset();
				continue;
			}
			fputc('\n', stdout);
			break;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		if (!strcmp(line, "/exit") || !strcmp(line, "/quit"))
			break;
		if (!strcmp(line, "/reset")) {
			for (i = 0; i < n; i++)
				free(hist[i].text);
			n = 0;
			continue;
		}
		if (n + 2 > cap) {
			turn *nh = realloc(hist, (cap = cap ? cap * 2 : 16) * sizeof(*hist));
			if (!nh) {
				rc = EXIT_FAILURE_OTHER;
				break;
			}
			hist = nh;
		}
		hist[n].role = LLMK_ROLE_USER;
		hist[n].text = strdup(line);
		if (!hist[n].text) {
			rc = EXIT_FAILURE_OTHER;
			break;
		}
		n++;
		rc = build(o, hist, n, &r);
		if (rc != EXIT_OK) {
			free(hist[--n].text);
			break;
		}
		rc = ask(c, r, stream, &answer);
		llmk_request_free(r);
		if (rc == EXIT_OK && answer) {
			hist[n].role = LLMK_ROLE_ASSISTANT;
			hist[n++].text = answer;
		} else {
			/* a failed or stopped question is forgotten; the conversation goes on */
			free(answer);
			free(hist[--n].text);
			cli_interrupt_reset();
		}
		rc = EXIT_OK;
	}
	for (i = 0; i < n; i++)
		free(hist[i].text);
	free(hist);
	free(line);
	return rc;
}

int cmd_chat(int argc, char **argv)
{
	cli_parse p;
	chat_opts o;
	const char *val, *model = NULL;
	int id, rc = EXIT_OK, stream = 1, print_model = 0;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	char *prompt = NULL;
	turn t;

	memset(&o, 0, sizeof(o));
	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	while ((id = cli_next(&p, chat_cli_opts, &val)) > 0) {
		if (id == O_MODEL)
			model = val;
		else if (id == O_NOSTREAM)
			stream = 0;
		else if (id == O_PRINT_MODEL)
			print_model = 1;
		else if (chat_opts_add(&o, "chat", id, val))
			goto usage;
	}
	if (id == CLI_HELP) {
		fputs(chat_help, stdout);
		goto out;
	}
	if (id == CLI_ERROR)
		goto usage;
	if (!model || !*model)
		model = getenv("LLMK_MODEL");
	if (!model || !*model) {
		model = pick_model();
		if (!model) {
			rc = EXIT_CONFIG;
			goto out;
		}
	}
	/* For scripts (scripts/quickstart): the choice above stays in one place. */
	if (print_model) {
		puts(model);
		goto out;
	}
	if (!p.npos && isatty(STDIN_FILENO)) {
		c = cli_client("chat", model, &rc);
		if (c)
			rc = interactive(c, &o, stream);
		goto out;
	}
	prompt = cli_text_arg("chat", p.pos, p.npos, "PROMPT");
	if (!prompt)
		goto usage;
	t.role = LLMK_ROLE_USER;
	t.text = prompt;
	rc = build(&o, &t, 1, &r);
	if (rc != EXIT_OK)
		goto out;
	c = cli_client("chat", model, &rc);
	if (c)
		rc = ask(c, r, stream, NULL);
	goto out;
usage:
	rc = EXIT_USAGE;
out:
	llmk_request_free(r);
	llmk_client_free(c);
	free(prompt);
	cli_parse_free(&p);
	return rc;
}
