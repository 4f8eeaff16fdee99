/* llmkit: tables printed as aligned text, JSON, CSV or Markdown. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_format(const char *cmd, const char *s, int *out)
{
	static const char *const names[] = {"table", "json", "csv", "markdown"};
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	cli_usage_error(cmd, "--format: '%s' is not one of table, json, csv, markdown", s);
	return -1;
}

/* UTF-8: every lead byte starts one column; continuation bytes take none.
 * Control characters are printed as spaces (put_flat), so they take one
 * column too. East Asian wide characters are counted as one, which only
 * makes such a row shorter than the others, never wrap. */
size_t cli_utf8_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

size_t cli_utf8_cut(const char *s, size_t cols)
{
	size_t i = 0, w = 0, n;

	while (s[i] && w < cols) {
		w++;
		for (n = 1; (s[i + n] & 0xC0) == 0x80; n++)
			;
		i += n;
	}
	return i;
}

void cli_table_init(cli_table *t, size_t ncols, const char **head, const int *kind)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->head = head;
	t->kind = kind;
}

void cli_table_clear(cli_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	t->nrows = 0;
}

void cli_table_free(cli_table *t)
{
	cli_table_clear(t);
	free(t->cells);
	free(t->colors);
	t->cells = NULL;
	t->colors = NULL;
	t->cap = 0;
}

size_t cli_table_row(cli_table *t)
{
	size_t i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(*c));
		char **k;
		if (!c) {
			fputs("llmkit: out of memory\n", stderr);
			exit(EXIT_FAILURE_OTHER);
		}
		t->cells = c;
		k = realloc(t->colors, cap * t->ncols * sizeof(*k));
		if (!k) {
			fputs("llmkit: out of memory\n", stderr);
			exit(EXIT_FAILURE_OTHER);
		}
		t->colors = k;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] = NULL;
		t->colors[t->nrows * t->ncols + i] = NULL;
	}
	return t->nrows++;
}

void cli_table_set(cli_table *t, size_t row, size_t col, const char *color, const char *fmt, ...)
{
	va_list ap;
	char **cell = &t->cells[row * t->ncols + col];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	free(*cell);
	*cell = malloc((size_t)n + 1);
	if (!*cell) {
		fputs("llmkit: out of memory\n", stderr);
		exit(EXIT_FAILURE_OTHER);
	}
	va_start(ap, fmt);
	vsnprintf(*cell, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->colors[row * t->ncols + col] = (char *)color;
}

static const char *cell(const cli_table *t, size_t r, size_t c)
{
	const char *s = t->cells[r * t->ncols + c];
	return s ? s : "";
}

/* Text for one table cell: answers and error messages come from the
 * network, so every control character (line breaks, escape sequences, C1
 * controls) is printed as a space and can neither break the alignment nor
 * reach the terminal. */
static void put_flat(FILE *fp, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F) {
			fputc(' ', fp); /* U+0080..U+009F */
			i++;
		} else {
			fputc(c < 0x20 || c == 0x7F ? ' ' : c, fp);
		}
	}
}

static void put_padded(FILE *fp, const char *s, size_t width, int right, size_t maxw)
{
	size_t w = cli_utf8_width(s), len = strlen(s), pad;

	if (maxw && w > maxw) {
		len = cli_utf8_cut(s, maxw > 3 ? maxw - 3 : maxw);
		put_flat(fp, s, len);
		if (maxw > 3)
			fputs("...", fp);
		return;
	}
	pad = width > w ? width - w : 0;
	if (right)
		while (pad--)
			fputc(' ', fp);
	put_flat(fp, s, len);
	if (!right)
		while (pad--)
			fputc(' ', fp);
}

static size_t print_text(const cli_table *t, FILE *fp, int color, int max_width)
{
	size_t *w = calloc(t->ncols, sizeof(*w)), r, c, used = 0, last_max = 0;

	if (!w)
		return 0;
	for (c = 0; c < t->ncols; c++) {
		w[c] = cli_utf8_width(t->head[c]);
		for (r = 0; r < t->nrows; r++) {
			size_t cw = cli_utf8_width(cell(t, r, c));
			if (cw > w[c])
				w[c] = cw;
		}
		if (c + 1 < t->ncols)
			used += w[c] + 2;
	}
	if (max_width > 0) {
		/* the last column takes what is left (at least 8 columns) */
		last_max = (size_t)max_width > used + 8 ? (size_t)max_width - used - 1 : 8;
		if (w[t->ncols - 1] > last_max)
			w[t->ncols - 1] = last_max;
	}
	for (r = 0; r <= t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = r ? cell(t, r - 1, c) : t->head[c];
			const char *col = r ? t->colors[(r - 1) * t->ncols + c] : C_BOLD;
			int right = t->kind[c] != COL_LEFT;
			int last = c + 1 == t->ncols;

			if (c)
				fputs("  ", fp);
			if (color && col)
				fputs(cli_c(1, col), fp);
			put_padded(fp, s, last && !right ? 0 : w[c], right, last ? last_max : 0);
			if (color && col)
				fputs(cli_c(1, C_RESET), fp);
		}
		if (max_width > 0)
			fputs("\033[K", fp); /* clear what a longer earlier frame left */
		fputc('\n', fp);
	}
	free(w);
	return t->nrows + 1;
}

static int is_json_number(const char *s)
{
	char *end;

	if (!*s)
		return 0;
	(void)strtod(s, &end);
	return !*end && strspn(s, "0123456789.-+eE") == strlen(s);
}

static void print_json(const cli_table *t, FILE *fp)
{
	size_t r, c;

	fputs("[\n", fp);
	for (r = 0; r < t->nrows; r++) {
		fputs("  {", fp);
		for (c = 0; c < t->ncols; c++) {
			const char *s = cell(t, r, c);
			if (c)
				fputs(", ", fp);
			cli_json_string(fp, t->head[c]);
			fputs(": ", fp);
			if (t->kind[c] == COL_NUMBER)
				fputs(is_json_number(s) ? s : "null", fp);
			else
				cli_json_string(fp, s);
		}
		fputs(r + 1 < t->nrows ? "},\n" : "}\n", fp);
	}
	fputs("]\n", fp);
}

static void csv_field(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void print_csv(const cli_table *t, FILE *fp)
{
	size_t r, c;

	for (r = 0; r <= t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', fp);
			csv_field(fp, r ? cell(t, r - 1, c) : t->head[c]);
		}
		fputs("\r\n", fp); /* RFC 4180 */
	}
}

static void md_field(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\')
			fputc('\\', fp);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
	}
}

static void print_markdown(const cli_table *t, FILE *fp)
{
	size_t r, c;

	for (r = 0; r <= t->nrows; r++) {
		fputc('|', fp);
		for (c = 0; c < t->ncols; c++) {
			fputc(' ', fp);
			md_field(fp, r ? cell(t, r - 1, c) : t->head[c]);
			fputs(" |", fp);
		}
		fputc('\n', fp);
		if (!r) {
			fputc('|', fp);
			for (c = 0; c < t->ncols; c++)
				fputs(t->kind[c] == COL_LEFT ? " --- |" : " ---: |", fp);
			fputc('\n', fp);
		}
	}
}

size_t cli_table_print(const cli_table *t, FILE *fp, int format, int color, int max_width)
{
	switch (format) {
	case FMT_JSON: print_json(t, fp); return 0;
	case FMT_CSV: print_csv(t, fp); return 0;
	case FMT_MARKDOWN: print_markdown(t, fp); return 0;
	default: return print_text(t, fp, color, max_width);
	}
}
