/* llmkit embed, image, transcribe, speak: one request each, files in and out. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define GLOBAL_HELP                                                                        \
	"\nGlobal options (llmkit --help): --base-url, --timeout, --retries, --verbose.\n" \
	"Exit status: 0 on success; llmkit --help lists the others.\n"

/* Parses the options every media command has (-m), hands the others to
 * `fn`. Returns 0 to go on, else an exit status (help printed: EXIT_OK
 * through *done). */
typedef int (*opt_fn)(void *st, const char *cmd, int id, const char *val);

static int parse(cli_parse *p, const cli_opt *opts, const char *help, const char **model, opt_fn fn, void *st,
                 int *done)
{
	const char *val;
	int id;

	*done = 0;
	while ((id = cli_next(p, opts, &val)) > 0) {
		if (id == 1)
			*model = val;
		else if (fn(st, p->cmd, id, val))
			return EXIT_USAGE;
	}
	if (id == CLI_HELP) {
		fputs(help, stdout);
		*done = 1;
		return EXIT_OK;
	}
	if (id == CLI_ERROR)
		return EXIT_USAGE;
	if (!*model || !**model)
		*model = getenv("LLMK_MODEL");
	if (!*model || !**model)
		return cli_usage_error(p->cmd, "no model: give -m provider/model (or set LLMK_MODEL)");
	return 0;
}

/* Sends r, or with `progress` drives a multi and shows a spinner on stderr
 * while waiting (a terminal only). */
static void on_done(llmk_response *resp, void *user)
{
	*(llmk_response **)user = resp;
}

static llmk_status send_progress(llmk_client *c, llmk_request *r, const char *what, llmk_response **out)
{
	static const char *const frames[] = {"|", "/", "-", "\\"};
	llmk_multi *m = NULL;
	int32_t running = 1;
	double t = 0;
	unsigned f = 0;
	int tty = cli_isatty(stderr);

	*out = NULL;
	if (!tty || llmk_multi_new(&m) != LLMK_OK || llmk_multi_add(m, c, r, NULL, on_done, out) != LLMK_OK) {
		llmk_multi_free(m);
		if (*out) /* added, then the multi failed: it reported */
			return llmk_response_status(*out);
		return llmk_send(c, r, out);
	}
	while (running) {
		fprintf(stderr, "\r%s%s %s... %.1f s%s\033[K", cli_c(g_opt.color_err, C_DIM), frames[f++ % 4], what, t,
		        cli_c(g_opt.color_err, C_RESET));
		fflush(stderr);
		llmk_multi_wait(m, 100);
		llmk_multi_perform(m, &running);
		t += 0.1;
	}
	fputs("\r\033[K", stderr);
	llmk_multi_free(m);
	return *out ? llmk_response_status(*out) : LLMK_E_NOMEM;
}

static llmk_client *client_for(const char *cmd, const char *model, int *rc)
{
	return cli_client(cmd, model, rc);
}

/* ---- embed ------------------------------------------------------------------ */

static const char embed_help[] =
        "usage: llmkit embed -m MODEL [options] [TEXT...]\n"
        "\n"
        "Embeds each TEXT argument (or each non-empty line of standard input) and\n"
        "prints the vectors: JSON, one array per input on its own line, or raw\n"
        "little-endian float32 values, vector after vector (--format binary).\n"
        "\n"
        "Options:\n"
        "  -m, --model MODEL      provider/model, e.g. openai/text-embedding-3-small\n"
        "      --format FORMAT    json (default) or binary\n"
        "      --dimensions N     ask for vectors of N dimensions\n"
        "      --similarity       print cosine similarities instead: one number for\n"
        "                         two inputs, else one line per pair: I J SIMILARITY\n" GLOBAL_HELP;

enum { E_MODEL = 1, E_FORMAT, E_DIMS, E_SIM };
static const cli_opt embed_opts[] = {
        {"model", 'm', 1, E_MODEL},
        {"format", 0, 1, E_FORMAT},
        {"dimensions", 0, 1, E_DIMS},
        {"similarity", 0, 0, E_SIM},
        {NULL, 0, 0, 0},
};

typedef struct embed_st {
	int binary, similarity;
	long dims;
} embed_st;

static int embed_opt(void *v, const char *cmd, int id, const char *val)
{
	embed_st *s = v;

	if (id == E_FORMAT) {
		if (!strcmp(val, "json"))
			s->binary = 0;
		else if (!strcmp(val, "binary"))
			s->binary = 1;
		else
			return cli_usage_error(cmd, "--format: '%s' is not json or binary", val), -1;
		return 0;
	}
	if (id == E_DIMS)
		return cli_int(cmd, "--dimensions", val, 1, 65536, &s->dims);
	if (id == E_SIM)
		s->similarity = 1;
	return 0;
}

static double cosine(const float *a, const float *b, size_t dim)
{
	double ab = 0, aa = 0, bb = 0;
	size_t i;

	for (i = 0; i < dim; i++) {
		ab += (double)a[i] * b[i];
		aa += (double)a[i] * a[i];
		bb += (double)b[i] * b[i];
	}
	return aa > 0 && bb > 0 ? ab / (sqrt(aa) * sqrt(bb)) : 0;
}

int cmd_embed(int argc, char **argv)
{
	cli_parse p;
	embed_st s = {0, 0, 0};
	const char *model = NULL;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	unsigned char *in = NULL;
	size_t i, j, n, dim;
	int rc, done;

	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	rc = parse(&p, embed_opts, embed_help, &model, embed_opt, &s, &done);
	if (rc || done)
		goto out;
	if (s.binary && s.similarity) {
		rc = cli_usage_error("embed", "--similarity prints numbers: it cannot be --format binary");
		goto out;
	}
	if (s.binary && isatty(STDOUT_FILENO)) {
		rc = cli_usage_error("embed", "--format binary writes raw floats: redirect standard output to a file");
		goto out;
	}
	llmk_request_new(&r, LLMK_EMBED);
	llmk_request_set_cancel(r, g_cancel);
	if (s.dims && llmk_request_set_i64(r, LLMK_OPT_DIMENSIONS, s.dims) != LLMK_OK) {
		rc = cli_usage_error("embed", "%s", llmk_request_errmsg(r));
		goto out;
	}
	if (p.npos) {
		for (i = 0; i < p.npos; i++)
			llmk_request_add_input(r, p.pos[i]);
	} else if (isatty(STDIN_FILENO)) {
		rc = cli_usage_error("embed", "no TEXT given (as arguments or lines on stdin)");
		goto out;
	} else {
		char *line, *save = NULL;
		in = cli_read_file("embed", "-", (size_t)64 << 20, &n);
		if (!in) {
			rc = EXIT_USAGE;
			goto out;
		}
		for (line = strtok_r((char *)in, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
			if (*line)
				llmk_request_add_input(r, line);
	}
	if (!llmk_request_input_count(r)) {
		rc = cli_usage_error("embed", "nothing to embed: the input is empty");
		goto out;
	}
	if (s.similarity && llmk_request_input_count(r) < 2) {
		rc = cli_usage_error("embed", "--similarity needs at least two texts");
		goto out;
	}
	c = client_for("embed", model, &rc);
	if (!c)
		goto out;
	llmk_send(c, r, &resp);
	cli_verbose_response("embed", resp);
	if (llmk_response_status(resp) != LLMK_OK) {
		rc = cli_fail_response("embed", resp);
		goto out;
	}
	n = llmk_response_embedding_count(resp);
	dim = llmk_response_embedding_dim(resp);
	if (s.similarity) {
		if (n == 2)
			printf("%.6f\n",
			       cosine(llmk_response_embedding(resp, 0), llmk_response_embedding(resp, 1), dim));
		else
			for (i = 0; i < n; i++)
				for (j = i + 1; j < n; j++)
					printf("%zu %zu %.6f\n", i + 1, j + 1,
					       cosine(llmk_response_embedding(resp, i),
					              llmk_response_embedding(resp, j), dim));
	} else if (s.binary) {
		for (i = 0; i < n; i++)
			fwrite(llmk_response_embedding(resp, i), sizeof(float), dim, stdout);
		if (g_opt.verbose)
			cli_note("embed", "%zu vectors of %zu float32 values", n, dim);
	} else {
		for (i = 0; i < n; i++) {
			const float *v = llmk_response_embedding(resp, i);
			fputc('[', stdout);
			for (j = 0; j < dim; j++)
				printf(j ? ",%.9g" : "%.9g", (double)v[j]);
			fputs("]\n", stdout);
		}
	}
	rc = EXIT_OK;
out:
	free(in);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	cli_parse_free(&p);
	return rc;
}

/* ---- image -------------------------------------------------------------------- */

static const char image_help[] =
        "usage: llmkit image -m MODEL -o FILE [options] PROMPT...\n"
        "       llmkit image -m MODEL -o FILE --edit IMAGE [--edit IMAGE...] [--mask PNG] PROMPT...\n"
        "\n"
        "Generates an image from PROMPT (or standard input) and writes it to FILE;\n"
        "with --count N > 1 the others go to FILE-2, FILE-3, ... (before the\n"
        "extension). With --edit, edits the given images as PROMPT says (OpenAI\n"
        "/images/edits, Gemini's image models); with --edit and --variation (no\n"
        "PROMPT), makes variations of one image (OpenAI dall-e-2). Prints the files\n"
        "written (or the URLs when the provider answers with URLs). Shows a\n"
        "progress indicator on a terminal.\n"
        "\n"
        "Options:\n"
        "  -m, --model MODEL     provider/model, e.g. openai/gpt-image-1\n"
        "  -o, --output FILE     where to write the image\n"
        "      --size WxH        e.g. 1024x1024\n"
        "      --quality Q       standard, hd, low, medium, high (as the model allows)\n"
        "      --count N         number of images\n"
        "      --edit IMAGE      an image to edit (.png, .jpg, .webp; repeatable, up to 16)\n"
        "      --mask PNG        where to edit the first image: its transparent areas\n"
        "      --variation       variations of the --edit image, without a prompt\n"
        "      --format FMT      png, jpeg or webp (GPT image models)\n"
        "      --background B    transparent, opaque or auto (GPT image models)\n" GLOBAL_HELP;

enum { I_MODEL = 1, I_OUT, I_SIZE, I_QUALITY, I_COUNT, I_EDIT, I_MASK, I_VARIATION, I_FORMAT, I_BACKGROUND };
static const cli_opt image_opts[] = {
        {"model", 'm', 1, I_MODEL},
        {"output", 'o', 1, I_OUT},
        {"size", 0, 1, I_SIZE},
        {"quality", 0, 1, I_QUALITY},
        {"count", 0, 1, I_COUNT},
        {"edit", 0, 1, I_EDIT},
        {"mask", 0, 1, I_MASK},
        {"variation", 0, 0, I_VARIATION},
        {"format", 0, 1, I_FORMAT},
        {"background", 0, 1, I_BACKGROUND},
        {NULL, 0, 0, 0},
};

#define MAX_EDITS 16
typedef struct image_st {
	const char *out, *size, *quality, *mask, *format, *background;
	const char *edit[MAX_EDITS];
	size_t nedit;
	long count;
	int variation;
} image_st;

static int image_opt(void *v, const char *cmd, int id, const char *val)
{
	image_st *s = v;

	switch (id) {
	case I_OUT: s->out = val; return 0;
	case I_SIZE: s->size = val; return 0;
	case I_QUALITY: s->quality = val; return 0;
	case I_COUNT: return cli_int(cmd, "--count", val, 1, 10, &s->count);
	case I_MASK: s->mask = val; return 0;
	case I_FORMAT: s->format = val; return 0;
	case I_BACKGROUND: s->background = val; return 0;
	case I_VARIATION: s->variation = 1; return 0;
	case I_EDIT:
		if (s->nedit == MAX_EDITS)
			return cli_usage_error(cmd, "--edit: at most %d images", MAX_EDITS), -1;
		s->edit[s->nedit++] = val;
		return 0;
	}
	return -1;
}

/* The MIME type of an input image, from its file name (PNG otherwise). */
static const char *image_mime(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg")))
		return "image/jpeg";
	if (dot && !strcasecmp(dot, ".webp"))
		return "image/webp";
	return "image/png";
}

/* Adds the --edit images and the --mask to r: 0, or an exit status. */
static int add_edit_inputs(llmk_request *r, const image_st *s)
{
	unsigned char *data;
	const char *name;
	size_t i, len;
	llmk_status st;

	for (i = 0; i < s->nedit; i++) {
		if (!(data = cli_read_file("image", s->edit[i], (size_t)50 << 20, &len)))
			return EXIT_USAGE;
		name = strrchr(s->edit[i], '/') ? strrchr(s->edit[i], '/') + 1 : s->edit[i];
		st = llmk_request_add_image(r, data, len, image_mime(s->edit[i]), strcmp(name, "-") ? name : NULL);
		free(data);
		if (st != LLMK_OK)
			return cli_usage_error("image", "--edit %s: %s", s->edit[i], llmk_request_errmsg(r));
	}
	if (s->mask) {
		if (!(data = cli_read_file("image", s->mask, (size_t)50 << 20, &len)))
			return EXIT_USAGE;
		st = llmk_request_set_mask(r, data, len);
		free(data);
		if (st != LLMK_OK)
			return cli_usage_error("image", "--mask %s: %s", s->mask, llmk_request_errmsg(r));
	}
	return 0;
}

/* FILE, FILE-2.ext, FILE-3.ext ... */
static char *nth_name(const char *path, size_t i)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t base, n = strlen(path) + 24;
	char *s = malloc(n);

	if (!s)
		return NULL;
	if (i == 0) {
		memcpy(s, path, strlen(path) + 1);
		return s;
	}
	if (!dot || (slash && dot < slash))
		dot = path + strlen(path);
	base = (size_t)(dot - path);
	snprintf(s, n, "%.*s-%zu%s", (int)base, path, i + 1, dot);
	return s;
}

int cmd_image(int argc, char **argv)
{
	cli_parse p;
	image_st s;
	const char *model = NULL;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	char *prompt = NULL;
	llmk_status st = LLMK_OK;
	size_t i, n, len;
	int rc, done;

	memset(&s, 0, sizeof(s));
	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	rc = parse(&p, image_opts, image_help, &model, image_opt, &s, &done);
	if (rc || done)
		goto out;
	if (!s.out) {
		rc = cli_usage_error("image", "no output file: give -o FILE");
		goto out;
	}
	if ((s.mask || s.variation) && !s.nedit) {
		rc = cli_usage_error("image", "--mask and --variation need the image: give --edit IMAGE");
		goto out;
	}
	if (s.variation && p.npos) {
		rc = cli_usage_error("image", "--variation takes no PROMPT (give a prompt to edit instead)");
		goto out;
	}
	if (!s.variation && !(prompt = cli_text_arg("image", p.pos, p.npos, "PROMPT"))) {
		rc = EXIT_USAGE;
		goto out;
	}
	llmk_request_new(&r, LLMK_IMAGE);
	llmk_request_set_cancel(r, g_cancel);
	if ((rc = add_edit_inputs(r, &s)))
		goto out;
	if (prompt)
		st = llmk_request_set_str(r, LLMK_OPT_PROMPT, prompt);
	if (st == LLMK_OK && s.size)
		st = llmk_request_set_str(r, LLMK_OPT_IMAGE_SIZE, s.size);
	if (st == LLMK_OK && s.quality)
		st = llmk_request_set_str(r, LLMK_OPT_IMAGE_QUALITY, s.quality);
	if (st == LLMK_OK && s.count)
		st = llmk_request_set_i64(r, LLMK_OPT_IMAGE_COUNT, s.count);
	if (st == LLMK_OK && s.format)
		st = llmk_request_set_str(r, LLMK_OPT_IMAGE_OUTPUT_FORMAT, s.format);
	if (st == LLMK_OK && s.background)
		st = llmk_request_set_str(r, LLMK_OPT_IMAGE_BACKGROUND, s.background);
	if (st != LLMK_OK) {
		rc = cli_usage_error("image", "%s", llmk_request_errmsg(r));
		goto out;
	}
	c = client_for("image", model, &rc);
	if (!c)
		goto out;
	send_progress(c, r, s.nedit ? "editing" : "generating", &resp);
	cli_verbose_response("image", resp);
	if (llmk_response_status(resp) != LLMK_OK) {
		rc = cli_fail_response("image", resp);
		goto out;
	}
	n = llmk_response_image_count(resp);
	if (!n) {
		cli_error("image", "the provider answered without an image");
		rc = EXIT_SERVER;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *data = llmk_response_image_data(resp, i, &len);
		char *name;
		if (!data) {
			const char *url = llmk_response_image_url(resp, i) ? llmk_response_image_url(resp, i) : "";
			cli_put_text(stdout, url, strlen(url), g_opt.tty_out);
			fputc('\n', stdout);
			cli_note("image", "image %zu came as a URL (above); nothing written", i + 1);
			continue;
		}
		name = nth_name(s.out, i);
		if (!name || cli_write_file("image", name, data, len)) {
			free(name);
			rc = EXIT_FAILURE_OTHER;
			goto out;
		}
		printf("%s\n", name);
		free(name);
	}
	rc = EXIT_OK;
out:
	free(prompt);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	cli_parse_free(&p);
	return rc;
}

/* ---- transcribe --------------------------------------------------------------------- */

static const char transcribe_help[] =
        "usage: llmkit transcribe -m MODEL [options] FILE\n"
        "\n"
        "Prints the text spoken in the audio FILE (\"-\" for standard input; the\n"
        "extension tells the provider the format: .wav, .mp3, .m4a, .ogg, .flac, .webm),\n"
        "as it arrives where the provider streams transcripts.\n"
        "\n"
        "Options:\n"
        "  -m, --model MODEL     provider/model, e.g. openai/whisper-1\n"
        "  -l, --language LANG   ISO-639-1 language of the audio (e.g. en)\n"
        "      --prompt TEXT     context to guide the transcription\n"
        "      --translate       English text, whatever the language spoken\n"
        "      --timestamps G    one line per segment (G segment) or per word\n"
        "                        (G word): [START --> END] text\n" GLOBAL_HELP;

enum { T_MODEL = 1, T_LANG, T_PROMPT, T_TIMES, T_TRANSLATE };
static const cli_opt transcribe_opts[] = {
        {"model", 'm', 1, T_MODEL},    {"language", 'l', 1, T_LANG},     {"prompt", 0, 1, T_PROMPT},
        {"timestamps", 0, 1, T_TIMES}, {"translate", 0, 0, T_TRANSLATE}, {NULL, 0, 0, 0},
};

typedef struct tr_st {
	const char *language, *prompt, *timestamps;
	int translate;
} tr_st;

static int transcribe_opt(void *v, const char *cmd, int id, const char *val)
{
	tr_st *s = v;

	if (id == T_LANG)
		s->language = val;
	else if (id == T_PROMPT)
		s->prompt = val;
	else if (id == T_TRANSLATE)
		s->translate = 1;
	else if (id == T_TIMES) {
		if (strcmp(val, "word") && strcmp(val, "segment"))
			return cli_usage_error(cmd, "--timestamps: '%s' is not word or segment", val), -1;
		s->timestamps = val;
	}
	return 0;
}

/* The transcript as it streams: each TEXT event printed at once. */
typedef struct tr_stream {
	size_t printed;
	int last_nl;
} tr_stream;

static int32_t on_transcript(const llmk_event *ev, void *user)
{
	tr_stream *t = user;
	size_t n = llmk_event_text_len(ev);

	if (llmk_event_type(ev) != LLMK_EVENT_TEXT || !n)
		return 0;
	cli_put_text(stdout, llmk_event_text(ev), n, g_opt.tty_out);
	fflush(stdout);
	t->printed += n;
	t->last_nl = llmk_event_text(ev)[n - 1] == '\n';
	return 0;
}

static void print_timed(const char *t, double start, double end)
{
	printf("[%7.2f --> %7.2f] ", start, end);
	t += strspn(t, " ");
	cli_put_text(stdout, t, strlen(t), g_opt.tty_out);
	fputc('\n', stdout);
}

int cmd_transcribe(int argc, char **argv)
{
	cli_parse p;
	tr_st s = {NULL, NULL, NULL, 0};
	tr_stream ts = {0, 0};
	const char *model = NULL, *name;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	unsigned char *audio = NULL;
	llmk_status st;
	size_t len, i, n;
	int rc, done;

	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	rc = parse(&p, transcribe_opts, transcribe_help, &model, transcribe_opt, &s, &done);
	if (rc || done)
		goto out;
	if (p.npos != 1) {
		rc = cli_usage_error("transcribe", p.npos ? "one FILE at a time" : "no audio FILE given");
		goto out;
	}
	audio = cli_read_file("transcribe", p.pos[0], (size_t)200 << 20, &len);
	if (!audio) {
		rc = EXIT_USAGE;
		goto out;
	}
	name = strrchr(p.pos[0], '/') ? strrchr(p.pos[0], '/') + 1 : p.pos[0];
	if (!strcmp(name, "-"))
		name = "audio.wav";
	llmk_request_new(&r, LLMK_TRANSCRIBE);
	llmk_request_set_cancel(r, g_cancel);
	st = llmk_request_set_audio(r, audio, len, name, NULL);
	if (st == LLMK_OK && s.language)
		st = llmk_request_set_str(r, LLMK_OPT_LANGUAGE, s.language);
	if (st == LLMK_OK && s.prompt)
		st = llmk_request_set_str(r, LLMK_OPT_PROMPT, s.prompt);
	if (st == LLMK_OK && s.timestamps)
		st = llmk_request_set_str(r, LLMK_OPT_TRANSCRIPT_FORMAT, "verbose_json");
	/* Word times are asked for; segments come with verbose_json anyway
	 * (and whisper.cpp's server takes no timestamp_granularities). */
	if (st == LLMK_OK && s.timestamps && !strcmp(s.timestamps, "word"))
		st = llmk_request_set_str(r, LLMK_OPT_TIMESTAMPS, "word");
	if (st == LLMK_OK && s.translate)
		st = llmk_request_set_i64(r, LLMK_OPT_TRANSLATE, 1);
	if (st != LLMK_OK) {
		rc = cli_usage_error("transcribe", "%s", llmk_request_errmsg(r));
		goto out;
	}
	c = client_for("transcribe", model, &rc);
	if (!c)
		goto out;
	if (s.timestamps) {
		send_progress(c, r, "transcribing", &resp);
	} else {
		llmk_stream(c, r, on_transcript, &ts, &resp);
		if (ts.printed && llmk_response_status(resp) == LLMK_OK) {
			if (!ts.last_nl)
				fputc('\n', stdout);
			cli_verbose_response("transcribe", resp);
			rc = EXIT_OK;
			goto out;
		}
		if (ts.printed) /* cut off: end the line before the error */
			fputc('\n', stdout);
	}
	cli_verbose_response("transcribe", resp);
	if (llmk_response_status(resp) != LLMK_OK) {
		rc = cli_fail_response("transcribe", resp);
		goto out;
	}
	n = s.timestamps && !strcmp(s.timestamps, "word") ? llmk_response_word_count(resp)
	                                                  : llmk_response_segment_count(resp);
	if (s.timestamps && !n) {
		cli_error("transcribe", "the provider answered without %s timestamps", s.timestamps);
		rc = EXIT_SERVER;
		goto out;
	}
	if (s.timestamps && !strcmp(s.timestamps, "word")) {
		for (i = 0; i < n; i++)
			print_timed(llmk_response_word_text(resp, i), llmk_response_word_start(resp, i),
			            llmk_response_word_end(resp, i));
	} else if (s.timestamps) {
		for (i = 0; i < n; i++)
			print_timed(llmk_response_segment_text(resp, i), llmk_response_segment_start(resp, i),
			            llmk_response_segment_end(resp, i));
	} else {
		const char *t = llmk_response_text(resp);
		size_t tl = strlen(t);
		cli_put_text(stdout, t, tl, g_opt.tty_out);
		if (!tl || t[tl - 1] != '\n')
			fputc('\n', stdout);
	}
	rc = EXIT_OK;
out:
	free(audio);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	cli_parse_free(&p);
	return rc;
}

/* ---- speak ------------------------------------------------------------------------------ */

static const char speak_help[] = "usage: llmkit speak -m MODEL -o FILE [options] TEXT...\n"
                                 "\n"
                                 "Speaks TEXT (or standard input) into the audio FILE (\"-\": standard output).\n"
                                 "\n"
                                 "Options:\n"
                                 "  -m, --model MODEL     provider/model, e.g. openai/gpt-4o-mini-tts\n"
                                 "  -o, --output FILE     where to write the audio\n"
                                 "      --voice NAME      voice (default alloy)\n"
                                 "      --format FMT      mp3, wav, opus, aac, flac or pcm (default: from the\n"
                                 "                        extension of FILE, else mp3)\n"
                                 "      --speed X         0.25 to 4.0\n"
                                 "      --instructions T  how to speak (models that take them)\n" GLOBAL_HELP;

enum { S_MODEL = 1, S_OUT, S_VOICE, S_FORMAT, S_SPEED, S_INSTR };
static const cli_opt speak_opts[] = {
        {"model", 'm', 1, S_MODEL},
        {"output", 'o', 1, S_OUT},
        {"voice", 0, 1, S_VOICE},
        {"format", 0, 1, S_FORMAT},
        {"speed", 0, 1, S_SPEED},
        {"instructions", 0, 1, S_INSTR},
        {NULL, 0, 0, 0},
};

typedef struct speak_st {
	const char *out, *voice, *format, *instructions;
	double speed;
} speak_st;

static int speak_opt(void *v, const char *cmd, int id, const char *val)
{
	speak_st *s = v;

	switch (id) {
	case S_OUT: s->out = val; return 0;
	case S_VOICE: s->voice = val; return 0;
	case S_FORMAT: s->format = val; return 0;
	case S_INSTR: s->instructions = val; return 0;
	case S_SPEED: return cli_double(cmd, "--speed", val, 0.25, 4.0, &s->speed);
	}
	return -1;
}

static const char *format_from_name(const char *path)
{
	static const char *const known[] = {"mp3", "wav", "opus", "aac", "flac", "pcm"};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot)
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcasecmp(dot + 1, known[i]))
				return known[i];
	return "mp3";
}

int cmd_speak(int argc, char **argv)
{
	cli_parse p;
	speak_st s = {NULL, NULL, NULL, NULL, 0};
	const char *model = NULL;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	char *text = NULL;
	const uint8_t *audio;
	llmk_status st;
	size_t len;
	int rc, done;

	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	rc = parse(&p, speak_opts, speak_help, &model, speak_opt, &s, &done);
	if (rc || done)
		goto out;
	if (!s.out) {
		rc = cli_usage_error("speak", "no output file: give -o FILE (or -o - for standard output)");
		goto out;
	}
	if (!strcmp(s.out, "-") && isatty(STDOUT_FILENO)) {
		rc = cli_usage_error("speak", "-o - writes audio: redirect standard output to a file or a player");
		goto out;
	}
	text = cli_text_arg("speak", p.pos, p.npos, "TEXT");
	if (!text) {
		rc = EXIT_USAGE;
		goto out;
	}
	llmk_request_new(&r, LLMK_SPEECH);
	llmk_request_set_cancel(r, g_cancel);
	st = llmk_request_set_str(r, LLMK_OPT_INPUT, text);
	if (st == LLMK_OK)
		st = llmk_request_set_str(r, LLMK_OPT_VOICE, s.voice ? s.voice : "alloy");
	if (st == LLMK_OK)
		st = llmk_request_set_str(r, LLMK_OPT_AUDIO_FORMAT, s.format ? s.format : format_from_name(s.out));
	if (st == LLMK_OK && s.speed > 0)
		st = llmk_request_set_f64(r, LLMK_OPT_SPEED, s.speed);
	if (st == LLMK_OK && s.instructions)
		st = llmk_request_set_str(r, LLMK_OPT_INSTRUCTIONS, s.instructions);
	if (st != LLMK_OK) {
		rc = cli_usage_error("speak", "%s", llmk_request_errmsg(r));
		goto out;
	}
	c = client_for("speak", model, &rc);
	if (!c)
		goto out;
	send_progress(c, r, "speaking", &resp);
	cli_verbose_response("speak", resp);
	if (llmk_response_status(resp) != LLMK_OK) {
		rc = cli_fail_response("speak", resp);
		goto out;
	}
	audio = llmk_response_audio(resp, &len);
	if (!audio || !len) {
		cli_error("speak", "the provider answered without audio");
		rc = EXIT_SERVER;
		goto out;
	}
	if (cli_write_file("speak", s.out, audio, len)) {
		rc = EXIT_FAILURE_OTHER;
		goto out;
	}
	if (strcmp(s.out, "-"))
		printf("%s\n", s.out);
	rc = EXIT_OK;
out:
	free(text);
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	cli_parse_free(&p);
	return rc;
}
