/* llmkit: option parsing, messages, colour, Ctrl-C, clients, files. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "scrub.h"

cli_global g_opt = {NULL, 0, -1, 0, 0, 0, 0};
int cli_midline;

void cli_end_line(void)
{
	if (cli_midline) {
		fputc('\n', stdout);
		fflush(stdout);
		cli_midline = 0;
	}
}
llmk_cancel *g_cancel;

const char cli_exit_table[] = "  0    success\n"
                              "  1    other failure (out of memory, output not writable)\n"
                              "  2    bad command line, or an input file cannot be read\n"
                              "  3    not configured: no API key in the environment, unknown provider,\n"
                              "       no provider reachable\n"
                              "  4    the provider refused the key or the permission (HTTP 401/403)\n"
                              "  5    cannot connect: server down or unreachable\n"
                              "  6    timed out\n"
                              "  7    rate limited or quota exceeded (HTTP 429)\n"
                              "  8    request rejected: invalid, unknown model, context too long, content\n"
                              "       filtered, not supported by the provider\n"
                              "  9    provider failure: server error (5xx), overloaded, malformed answer\n"
                              " 10    compare/eval: some runs failed (the table says which)\n"
                              " 11    chat: the model refused to answer (the refusal is on stderr)\n"
                              "130    interrupted (Ctrl-C)\n";

/* ---- parsing ---------------------------------------------------------------- */

enum { G_BASE_URL = 1, G_TIMEOUT, G_RETRIES, G_VERBOSE, G_NO_HISTORY, G_CACHE };

static const cli_opt global_opts[] = {
        {"base-url", 0, 1, G_BASE_URL},
        {"timeout", 0, 1, G_TIMEOUT},
        {"retries", 0, 1, G_RETRIES},
        {"verbose", 'v', 0, G_VERBOSE},
        {"no-history", 0, 0, G_NO_HISTORY},
        {"cache", 0, 1, G_CACHE},
        {NULL, 0, 0, 0},
};

int cli_parse_init(cli_parse *p, int argc, char **argv)
{
	memset(p, 0, sizeof(*p));
	p->argc = argc;
	p->argv = argv;
	p->i = 1;
	p->cmd = argv[0];
	p->pos = calloc((size_t)argc + 1, sizeof(*p->pos));
	return p->pos ? 0 : -1;
}

void cli_parse_free(cli_parse *p)
{
	free(p->pos);
	p->pos = NULL;
}

static const cli_opt *find_opt(const cli_opt *opts, const char *arg, size_t namelen, int is_long)
{
	for (; opts && opts->name; opts++) {
		if (is_long && strlen(opts->name) == namelen && !strncmp(opts->name, arg, namelen))
			return opts;
		if (!is_long && opts->short_name && opts->short_name == arg[0])
			return opts;
	}
	return NULL;
}

static int apply_global(cli_parse *p, int id, const char *val)
{
	long n;

	switch (id) {
	case G_BASE_URL: g_opt.base_url = val; return 0;
	case G_TIMEOUT: return cli_double(p->cmd, "--timeout", val, 0.001, 86400, &g_opt.timeout_s);
	case G_RETRIES:
		if (cli_int(p->cmd, "--retries", val, 0, 100, &n))
			return -1;
		g_opt.retries = (int)n;
		return 0;
	case G_VERBOSE: g_opt.verbose++; return 0;
	case G_NO_HISTORY: g_opt.no_history = 1; return 0;
	case G_CACHE:
		if (!*val)
			return cli_usage_error(p->cmd, "--cache needs a file name");
		g_opt.cache_path = val;
		return 0;
	}
	return -1;
}

int cli_next(cli_parse *p, const cli_opt *opts, const char **val)
{
	while (p->i < p->argc) {
		const char *arg = p->argv[p->i++], *eq, *name;
		const cli_opt *o;
		size_t namelen;
		int is_long, global;

		*val = NULL;
		if (p->no_more_opts || arg[0] != '-' || !arg[1]) {
			p->pos[p->npos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			p->no_more_opts = 1;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return CLI_HELP;
		is_long = arg[1] == '-';
		name = arg + (is_long ? 2 : 1);
		eq = is_long ? strchr(name, '=') : NULL;
		namelen = eq ? (size_t)(eq - name) : strlen(name);
		if (!is_long && namelen != 1) {
			cli_usage_error(p->cmd,
			                "unknown option '%s' (options take one dash and one letter, or two dashes)",
			                arg);
			return CLI_ERROR;
		}
		global = 0;
		o = find_opt(opts, name, namelen, is_long);
		if (!o) {
			o = find_opt(global_opts, name, namelen, is_long);
			global = 1;
		}
		if (!o) {
			cli_usage_error(p->cmd, "unknown option '%.*s'", (int)(namelen + (is_long ? 2 : 1)), arg);
			return CLI_ERROR;
		}
		if (o->has_arg) {
			if (eq)
				*val = eq + 1;
			else if (p->i < p->argc)
				*val = p->argv[p->i++];
			else {
				cli_usage_error(p->cmd, "option '%s' needs a value", arg);
				return CLI_ERROR;
			}
		} else if (eq) {
			cli_usage_error(p->cmd, "option '--%s' takes no value", o->name);
			return CLI_ERROR;
		}
		if (global) {
			if (apply_global(p, o->id, *val))
				return CLI_ERROR;
			continue;
		}
		return o->id;
	}
	return CLI_END;
}

int cli_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		cli_usage_error(cmd, "%s: '%s' is not a whole number from %ld to %ld", opt, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		cli_usage_error(cmd, "%s: '%s' is not a number from %g to %g", opt, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- messages and colour ------------------------------------------------------ */

const char *cli_c(int on, const char *code)
{
	static char buf[8][16];
	static unsigned next;
	char *b;

	if (!on)
		return "";
	b = buf[next++ % 8];
	snprintf(b, sizeof(buf[0]), "\033[%sm", code);
	return b;
}

/* What the tool writes about a request passes the library's scrubber
 * (lib/base/scrub.c, compiled in) with the secrets the tool knows of: the
 * provider's key and the AWS secrets from the environment, the base URL's
 * password. The library already scrubs what it hands out; this covers
 * whatever the tool puts beside it. */
static const char *cli_secrets[4];
static char cli_url_secret[256];

static void cli_learn_secrets(llmk_client *c)
{
	const char *env = llmk_provider_key_env(llmk_client_provider(c));

	cli_secrets[0] = env ? getenv(env) : NULL;
	cli_secrets[1] = getenv("AWS_SECRET_ACCESS_KEY");
	cli_secrets[2] = getenv("AWS_SESSION_TOKEN");
	cli_secrets[3] = llmk__url_userinfo_secret(llmk_client_base_url(c), cli_url_secret, sizeof(cli_url_secret))
	                         ? cli_url_secret
	                         : NULL;
}

/* Writes the formatted text to stderr, scrubbed. */
static void put_scrubbed(const char *fmt, va_list ap)
{
	char small[2048], *buf = small;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small)) {
		buf = malloc((size_t)n + 1);
		if (!buf)
			return;
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
	}
	llmk__scrub_str(buf, cli_secrets, sizeof(cli_secrets) / sizeof(cli_secrets[0]),
	                LLMK_SCRUB_KEYLIKE | LLMK_SCRUB_USERINFO);
	fputs(buf, stderr);
	if (buf != small)
		free(buf);
}

static void put_scrubbedf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_scrubbed(fmt, ap);
	va_end(ap);
}

static void vmsg(const char *cmd, const char *label, const char *color, const char *fmt, va_list ap)
{
	int c = g_opt.color_err;

	if (*label)
		fprintf(stderr, "llmkit%s%s: %s%s%s", cmd ? " " : "", cmd ? cmd : "", cli_c(c, color), label,
		        cli_c(c, C_RESET));
	else
		fprintf(stderr, "llmkit%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	put_scrubbed(fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cmd, "error: ", C_RED, fmt, ap);
	va_end(ap);
}

void cli_note(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cmd, "", C_DIM, fmt, ap);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cmd, "error: ", C_RED, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'llmkit %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int cli_isatty(FILE *fp)
{
	return isatty(fileno(fp));
}

int cli_term_rows(int fd)
{
	struct winsize ws;

	if (!isatty(fd))
		return 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		return ws.ws_row;
	return 24;
}

int cli_term_cols(int fd)
{
	struct winsize ws;

	if (!isatty(fd))
		return 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* ---- failures -------------------------------------------------------------------- */

int cli_exit_for(llmk_status st, const llmk_response *resp)
{
	switch (st) {
	case LLMK_OK: return EXIT_OK;
	case LLMK_E_INVALID_ARG:
	case LLMK_E_UNKNOWN_OPTION: return EXIT_USAGE;
	case LLMK_E_CONFIG: return EXIT_CONFIG;
	case LLMK_E_AUTH:
		/* no HTTP answer: the key was missing before anything was sent */
		return resp && llmk_response_http_status(resp) == 0 ? EXIT_CONFIG : EXIT_AUTH;
	case LLMK_E_PERMISSION: return EXIT_AUTH;
	case LLMK_E_TRANSPORT: return EXIT_CONNECT;
	case LLMK_E_TIMEOUT: return EXIT_TIMEOUT;
	case LLMK_E_RATE_LIMITED: return EXIT_RATE_LIMITED;
	case LLMK_E_NOT_FOUND:
	case LLMK_E_BAD_REQUEST:
	case LLMK_E_CONTEXT_LENGTH:
	case LLMK_E_CONTENT_FILTERED:
	case LLMK_E_UNSUPPORTED: return EXIT_REJECTED;
	case LLMK_E_SERVER:
	case LLMK_E_OVERLOADED:
	case LLMK_E_PROTOCOL:
	case LLMK_E_TOO_LARGE: return EXIT_SERVER;
	case LLMK_E_CANCELLED: return EXIT_INTERRUPTED;
	default: return EXIT_FAILURE_OTHER;
	}
}

int cli_fail_response(const char *cmd, const llmk_response *resp)
{
	llmk_status st = resp ? llmk_response_status(resp) : LLMK_E_NOMEM;
	char *msg = cli_clean(resp ? llmk_response_error(resp) : "");
	int64_t ra = resp ? llmk_response_retry_after_ms(resp) : -1;

	if (st == LLMK_E_CANCELLED && cli_interrupted()) {
		free(msg);
		cli_note(cmd, "interrupted");
		return EXIT_INTERRUPTED;
	}
	cli_error(cmd, "%s (%s)", msg && *msg ? msg : llmk_strerror(st), llmk_status_name(st));
	free(msg);
	if (st == LLMK_E_RATE_LIMITED && ra >= 0)
		cli_note(cmd, "the provider asks to wait %.1f s before retrying", (double)ra / 1000.0);
	return cli_exit_for(st, resp);
}

/* ---- clients ------------------------------------------------------------------------ */

static void on_log(int32_t level, const char *line, void *user)
{
	static const char *const names[] = {"", "error", "warn", "info", "debug"};
	const char *cmd = user;

	cli_end_line();
	fprintf(stderr, "llmkit %s: %s[%s]%s ", cmd, cli_c(g_opt.color_err, C_DIM),
	        level >= 1 && level <= 4 ? names[level] : "?", cli_c(g_opt.color_err, C_RESET));
	put_scrubbedf("%s\n", line);
}

/* Without --verbose, the response cache's warnings only (a damaged or
 * unusable cache file): the run goes on without it, but says so. */
static void on_cache_log(int32_t level, const char *line, void *user)
{
	if (level <= LLMK_LOG_WARN && strstr(line, "response cache"))
		on_log(level, line, user);
}

/* The store of --cache, opened once for every client of the run; NULL
 * when none, or when the file cannot be used (said once). */
static llmk_store *g_cache;
static int g_cache_tried;

static void cache_close(void)
{
	llmk_store_free(g_cache); /* at exit: no request is in flight any more */
	g_cache = NULL;
}

static llmk_store *cli_cache(const char *cmd)
{
	llmk_status st;

	if (!g_opt.cache_path || g_cache_tried)
		return g_cache;
	g_cache_tried = 1;
	st = llmk_store_new_sqlite(g_opt.cache_path, &g_cache);
	if (st == LLMK_E_UNSUPPORTED)
		cli_note(cmd, "warning: --cache: this libllmkit was built without SQLite; going on without a cache");
	else if (st != LLMK_OK)
		cli_note(cmd, "warning: --cache: '%s' cannot be used as a cache (%s); going on without it",
		         g_opt.cache_path,
		         st == LLMK_E_CONFIG ? "not an SQLite database, damaged, or not writable" : llmk_strerror(st));
	else
		atexit(cache_close);
	return g_cache;
}

static int key_required(const char *provider)
{
	int32_t kind;
	int64_t caps;

	for (kind = LLMK_CHAT; kind <= LLMK_MODERATE; kind++) {
		caps = llmk_provider_capabilities(provider, kind);
		if (caps > 0 && (caps & LLMK_CAP_KEY_REQUIRED))
			return 1;
	}
	return 0;
}

llmk_client *cli_client_ex(const char *cmd, const char *model, int check_key, int *exit_code)
{
	llmk_client *c = NULL;
	llmk_status st;
	const char *env;

	st = llmk_client_new(&c, model);
	if (st == LLMK_E_UNSUPPORTED) {
		cli_error(cmd, "'%s': unknown provider ('llmkit providers' lists them)", model);
		*exit_code = EXIT_CONFIG;
		return NULL;
	}
	if (st != LLMK_OK) {
		*exit_code = st == LLMK_E_INVALID_ARG
		                     ? cli_usage_error(cmd, "'%s' is not a model (provider/model)", model)
		                     : cli_exit_for(st, NULL);
		if (st != LLMK_E_INVALID_ARG)
			cli_error(cmd, "%s: %s", model, llmk_strerror(st));
		return NULL;
	}
	st = LLMK_OK;
	if (g_opt.base_url)
		st = llmk_client_set_str(c, LLMK_OPT_BASE_URL, g_opt.base_url);
	cli_learn_secrets(c);
	if (st == LLMK_OK && g_opt.timeout_s > 0)
		st = llmk_client_set_i64(c, LLMK_OPT_TIMEOUT_MS, (int64_t)(g_opt.timeout_s * 1000.0 + 0.5));
	if (st == LLMK_OK && g_opt.retries >= 0)
		st = llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, g_opt.retries);
	if (st == LLMK_OK && g_opt.verbose)
		st = llmk_client_set_log(c, on_log, g_opt.verbose > 1 ? LLMK_LOG_DEBUG : LLMK_LOG_INFO, (void *)cmd);
	if (st == LLMK_OK && cli_cache(cmd)) {
		st = llmk_client_set_cache(c, g_cache);
		if (st == LLMK_OK && !g_opt.verbose)
			st = llmk_client_set_log(c, on_cache_log, LLMK_LOG_WARN, (void *)cmd);
	}
	if (st != LLMK_OK) {
		*exit_code = cli_usage_error(cmd, "%s", llmk_client_errmsg(c));
		llmk_client_free(c);
		return NULL;
	}
	if (check_key && !llmk_client_has_api_key(c) && key_required(llmk_client_provider(c))) {
		env = llmk_provider_key_env(llmk_client_provider(c));
		cli_error(cmd, "%s: no API key: set %s in the environment", llmk_client_provider(c),
		          env ? env : "its key");
		*exit_code = EXIT_CONFIG;
		llmk_client_free(c);
		return NULL;
	}
	if (g_opt.verbose)
		cli_note(cmd, "%s via %s", model, llmk_client_base_url(c));
	return c;
}

llmk_client *cli_client(const char *cmd, const char *model, int *exit_code)
{
	return cli_client_ex(cmd, model, 1, exit_code);
}

void cli_verbose_response(const char *cmd, const llmk_response *resp)
{
	const char *id;

	if (!g_opt.verbose || !resp)
		return;
	id = llmk_response_request_id(resp);
	cli_note(cmd, "request id %s, HTTP %d, %d attempt(s), %.0f ms total, first byte %.0f ms, first token %.0f ms",
	         *id ? id : "(none)", (int)llmk_response_http_status(resp), (int)llmk_response_attempts(resp),
	         llmk_response_timing(resp, LLMK_TIMING_TOTAL_MS),
	         llmk_response_timing(resp, LLMK_TIMING_FIRST_BYTE_MS),
	         llmk_response_timing(resp, LLMK_TIMING_FIRST_TOKEN_MS));
}

/* ---- Ctrl-C --------------------------------------------------------------------------- */

static volatile sig_atomic_t sigs, cursor_hidden;

static void on_signal(int sig)
{
	static const char msg[] = "\nllmkit: interrupted\n";
	ssize_t r;

	(void)sig;
	sigs++;
	if (sigs > 1) {
		if (cursor_hidden)
			r = write(STDOUT_FILENO, "\033[?25h", 6);
		r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)r;
		_exit(EXIT_INTERRUPTED);
	}
	llmk_cancel_trigger(g_cancel);
}

void cli_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a read at the chat prompt returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cli_interrupted(void)
{
	return sigs > 0;
}

void cli_interrupt_reset(void)
{
	sigs = 0;
	llmk_cancel_reset(g_cancel);
}

void cli_cursor(int visible)
{
	if (!cli_isatty(stdout))
		return;
	fputs(visible ? "\033[?25h" : "\033[?25l", stdout);
	fflush(stdout);
	cursor_hidden = !visible;
}

/* ---- files ------------------------------------------------------------------------------ */

unsigned char *cli_read_file(const char *cmd, const char *path, size_t max, size_t *len)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	unsigned char *buf = NULL, *nb;
	size_t n = 0, cap = 0, got;

	if (!fp) {
		cli_error(cmd, "%s: cannot be opened: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				cli_error(cmd, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, fp);
		n += got;
		if (n > max) {
			cli_error(cmd, "%s: larger than %zu bytes", path, max);
			goto fail;
		}
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		cli_error(cmd, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	if (fp != stdin)
		fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	if (fp != stdin)
		fclose(fp);
	free(buf);
	return NULL;
}

int cli_write_file(const char *cmd, const char *path, const void *data, size_t len)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	int bad;

	if (!fp) {
		cli_error(cmd, "%s: cannot be written: %s", path, strerror(errno));
		return -1;
	}
	bad = fwrite(data, 1, len, fp) != len;
	bad |= fp == stdout ? fflush(fp) != 0 : fclose(fp) != 0;
	if (bad) {
		cli_error(cmd, "%s: write error: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

char *cli_text_arg(const char *cmd, const char **pos, size_t npos, const char *what)
{
	size_t i, n = 0, len;
	unsigned char *in;
	char *s;

	if (npos) {
		for (i = 0; i < npos; i++)
			n += strlen(pos[i]) + 1;
		s = malloc(n + 1);
		if (!s)
			return NULL;
		s[0] = '\0';
		for (i = 0; i < npos; i++) {
			if (i)
				strcat(s, " ");
			strcat(s, pos[i]);
		}
		return s;
	}
	if (isatty(STDIN_FILENO)) {
		cli_usage_error(cmd, "no %s given (as an argument or on stdin)", what);
		return NULL;
	}
	in = cli_read_file(cmd, "-", (size_t)16 << 20, &len);
	if (!in)
		return NULL;
	while (len && (in[len - 1] == '\n' || in[len - 1] == '\r'))
		in[--len] = '\0';
	if (!len || strlen((char *)in) != len) {
		free(in);
		cli_usage_error(cmd, len ? "the %s on stdin holds a NUL byte" : "the %s on stdin is empty", what);
		return NULL;
	}
	return (char *)in;
}

char *cli_clean(const char *s)
{
	size_t i, n = strlen(s ? s : "");
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (char)(c < 0x20 || c == 0x7F ? ' ' : c);
		if (c == 0xC2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F) {
			out[i++] = ' ';
			out[i] = ' ';
		}
	}
	out[n] = '\0';
	return out;
}

/* A 0xC2 byte at the end of the last piece: U+0080..U+009F may be split. */
static int pending_c2;

void cli_put_text(FILE *fp, const char *s, size_t n, int filter)
{
	size_t i;

	if (!filter) {
		fwrite(s, 1, n, fp);
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (pending_c2) {
			pending_c2 = 0;
			if (c >= 0x80 && c <= 0x9F) {
				fputc('?', fp); /* a C1 control */
				continue;
			}
			fputc(0xC2, fp);
		}
		if (c == 0xC2) {
			pending_c2 = 1;
			continue;
		}
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
			c = '?';
		fputc(c, fp);
	}
}

void cli_json_string(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', fp);
	for (; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			if (*p < 0x20)
				fprintf(fp, "\\u%04x", *p);
			else
				fputc(*p, fp);
		}
	}
	fputc('"', fp);
}

/* ---- probing local servers ------------------------------------------------------------------ */

int cli_probe_url(const char *url, int timeout_ms)
{
	char host[256], port[16];
	const char *p, *h, *end;
	struct addrinfo hints, *res = NULL, *ai;
	int ok = 0, https;
	size_t n;

	p = strstr(url, "://");
	if (!p)
		return 0;
	https = !strncmp(url, "https", 5);
	h = p + 3;
	if (*h == '[') { /* [v6]:port */
		end = strchr(h, ']');
		if (!end)
			return 0;
		n = (size_t)(end - h - 1);
		if (n >= sizeof(host))
			return 0;
		memcpy(host, h + 1, n);
		host[n] = '\0';
		p = end + 1;
	} else {
		n = strcspn(h, ":/?#");
		if (!n || n >= sizeof(host))
			return 0;
		memcpy(host, h, n);
		host[n] = '\0';
		p = h + n;
	}
	if (*p == ':') {
		n = strcspn(p + 1, "/?#");
		if (!n || n >= sizeof(port))
			return 0;
		memcpy(port, p + 1, n);
		port[n] = '\0';
	} else {
		strcpy(port, https ? "443" : "80");
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return 0;
	for (ai = res; ai && !ok; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol), err = 0;
		socklen_t el = sizeof(err);
		struct pollfd pfd;

		if (fd < 0)
			continue;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			ok = 1;
		} else if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
			    !err)
				ok = 1;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return ok;
}
