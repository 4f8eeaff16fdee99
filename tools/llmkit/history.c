/* llmkit's history in SQLite (history.h). One database file, WAL mode so
 * that several llmkit processes write at once (each run is one IMMEDIATE
 * transaction; a busy database is waited for up to 10 s), schema version in
 * PRAGMA user_version. */
#include "history.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SCHEMA_VERSION 1
#define BUSY_MS 10000

static const char schema[] =
        "CREATE TABLE IF NOT EXISTS runs("
        " id INTEGER PRIMARY KEY,"
        " started TEXT NOT NULL," /* UTC, ISO 8601 */
        " command TEXT NOT NULL," /* chat, compare, eval */
        " source TEXT,"           /* eval: the dataset */
        " models TEXT NOT NULL,"  /* comma-separated */
        " repeat INTEGER NOT NULL DEFAULT 1,"
        " exit_status INTEGER,"
        " llmkit_version TEXT);"
        "CREATE TABLE IF NOT EXISTS answers("
        " id INTEGER PRIMARY KEY,"
        " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
        " model TEXT NOT NULL, case_index INTEGER, run_index INTEGER,"
        " system TEXT, prompt TEXT, expected TEXT, answer TEXT,"
        " status TEXT NOT NULL, error TEXT,"
        " input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER,"
        " cost_usd REAL, latency_ms REAL, ttft_ms REAL, score REAL, reason TEXT, judge_cost_usd REAL);"
        "CREATE INDEX IF NOT EXISTS answers_run ON answers(run_id);"
        "CREATE INDEX IF NOT EXISTS answers_model ON answers(model);";

/* ---- where, and whether ---------------------------------------------------------- */

static int off(void)
{
	const char *v = getenv("LLMKIT_NO_HISTORY");

	return g_opt.no_history || (v && *v && strcmp(v, "0"));
}

/* The database path (malloc'ed), NULL when no location is known. */
static char *db_path(void)
{
	const char *f = getenv("LLMKIT_HISTORY"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *p;
	size_t n;

	if (f && *f)
		return strdup(f);
	if (xdg && *xdg == '/') {
		n = strlen(xdg) + 32;
		if ((p = malloc(n)))
			snprintf(p, n, "%s/llmkit/history.db", xdg);
		return p;
	}
	if (home && *home) {
		n = strlen(home) + 40;
		if ((p = malloc(n)))
			snprintf(p, n, "%s/.local/share/llmkit/history.db", home);
		return p;
	}
	return NULL;
}

/* mkdir -p of the file's directory (0700: the history is private). */
static void make_dirs(const char *path)
{
	char *d = strdup(path), *s;

	if (!d)
		return;
	for (s = d + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(d, 0700) && errno != EEXIST)
			break;
		*s = '/';
	}
	free(d);
}

/* Opens (creating when `create`) and sets the database up. NULL after
 * printing why (writing: a note, the answer being already out). */
static sqlite3 *db_open(const char *cmd, int create, char **path_out)
{
	char *path = db_path();
	sqlite3 *db = NULL;
	const char *why = NULL;
	int rc, version = -1;
	sqlite3_stmt *st = NULL;

	*path_out = path;
	if (!path) {
		if (!create)
			cli_error(cmd, "no history location: set LLMKIT_HISTORY, XDG_DATA_HOME or HOME");
		return NULL;
	}
	if (create) {
		make_dirs(path);
	} else {
		struct stat sb;
		if (stat(path, &sb)) {
			cli_error(cmd, "no history recorded yet (%s does not exist)", path);
			return NULL;
		}
	}
	rc = sqlite3_open_v2(path, &db, create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY,
	                     NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db, BUSY_MS);
	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0), rc = SQLITE_OK;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		goto fail;
	if (version > SCHEMA_VERSION) {
		why = "written by a newer llmkit";
		goto fail;
	}
	if (create && version < SCHEMA_VERSION) {
		/* journal mode first (it cannot change inside a transaction), then
		 * the schema in one transaction: concurrent first runs agree */
		rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, schema, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "PRAGMA user_version=1; COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
	} else if (!create && version < 1) {
		why = "no history recorded yet";
		goto fail;
	}
	return db;
fail:
	if (create)
		cli_note(cmd, "history not recorded: %s: %s (--no-history or LLMKIT_NO_HISTORY=1 turns it off)", path,
		         why  ? why
		         : db ? sqlite3_errmsg(db)
		              : "cannot be opened");
	else
		cli_error(cmd, "history %s: %s", path, why ? why : db ? sqlite3_errmsg(db) : "cannot be opened");
	sqlite3_close(db);
	return NULL;
}

/* ---- recording ---------------------------------------------------------------------- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_num(sqlite3_stmt *st, int i, double v) /* -1: unknown, NULL */
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

static void bind_count(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* The texts of the last message of a role, joined (malloc'ed, "" if none). */
static char *message_text(const llmk_request *r, int32_t role)
{
	size_t i = llmk_request_message_count(r), k, n, len = 0;
	char *out = calloc(1, 1), *grown;

	while (r && out && i-- > 0)
		if (llmk_request_message_role(r, i) == role) {
			n = llmk_request_part_count(r, i);
			for (k = 0; k < n && out; k++)
				if (llmk_request_part_type(r, i, k) == LLMK_PART_TEXT) {
					const char *t = llmk_request_part_text(r, i, k);
					size_t tl = strlen(t);
					grown = realloc(out, len + tl + 2);
					if (!grown) {
						free(out);
						return NULL;
					}
					out = grown;
					if (len)
						out[len++] = '\n';
					memcpy(out + len, t, tl + 1);
					len += tl;
				}
			break;
		}
	return out;
}

static const char *status_word(const llmk_response *resp)
{
	const char *n = llmk_status_name(resp ? llmk_response_status(resp) : LLMK_E_NOMEM);
	return !strncmp(n, "LLMK_E_", 7) ? n + 7 : !strncmp(n, "LLMK_", 5) ? n + 5 : n;
}

typedef struct answer_row {
	const char *model;
	long case_index, run_index;
	const llmk_request *req;
	const char *expected;
	const llmk_response *resp;
	double score, judge_cost;
	const char *reason;
} answer_row;

static int insert_answer(sqlite3_stmt *st, sqlite3_int64 run_id, const answer_row *a)
{
	char *sys = message_text(a->req, LLMK_ROLE_SYSTEM), *prompt = message_text(a->req, LLMK_ROLE_USER);
	int ok = a->resp && llmk_response_status(a->resp) == LLMK_OK, rc;
	double cost = -1;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, run_id);
	bind_text(st, 2, a->model);
	sqlite3_bind_int64(st, 3, a->case_index);
	sqlite3_bind_int64(st, 4, a->run_index);
	bind_text(st, 5, sys && *sys ? sys : NULL);
	bind_text(st, 6, prompt);
	bind_text(st, 7, a->expected);
	bind_text(st, 8, ok ? llmk_response_text(a->resp) : NULL);
	bind_text(st, 9, status_word(a->resp));
	bind_text(st, 10, ok || !a->resp ? NULL : llmk_response_error(a->resp));
	bind_count(st, 11, a->resp ? llmk_response_usage(a->resp, LLMK_USAGE_INPUT) : -1);
	bind_count(st, 12, a->resp ? llmk_response_usage(a->resp, LLMK_USAGE_OUTPUT) : -1);
	bind_count(st, 13, a->resp ? llmk_response_usage(a->resp, LLMK_USAGE_CACHED_INPUT) : -1);
	if (ok)
		llmk_response_cost(a->resp, &cost);
	bind_num(st, 14, cost);
	bind_num(st, 15, a->resp ? llmk_response_timing(a->resp, LLMK_TIMING_TOTAL_MS) : -1);
	bind_num(st, 16, a->resp ? llmk_response_timing(a->resp, LLMK_TIMING_FIRST_TOKEN_MS) : -1);
	bind_num(st, 17, a->score);
	bind_text(st, 18, a->reason);
	bind_num(st, 19, a->judge_cost);
	rc = sqlite3_step(st);
	free(sys);
	free(prompt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static const char insert_answer_sql[] =
        "INSERT INTO answers(run_id, model, case_index, run_index, system, prompt, expected, answer, status, error,"
        " input_tokens, output_tokens, cached_tokens, cost_usd, latency_ms, ttft_ms, score, reason, judge_cost_usd)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/* One run and its answers in one transaction. */
typedef struct record {
	const char *command, *source, *models;
	size_t repeat;
	int exit_status;
} record;

typedef int (*answers_fn)(sqlite3_stmt *st, sqlite3_int64 run_id, void *user);

static void write_run(const char *cmd, const record *rec, answers_fn each, void *user)
{
	char *path = NULL, when[32];
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	if (off())
		return;
	db = db_open(cmd, 1, &path);
	if (!db) {
		free(path);
		return;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		        db,
		        "INSERT INTO runs(started, command, source, models, repeat, exit_status, llmkit_version)"
		        " VALUES(?,?,?,?,?,?,?)",
		        -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_text(st, 1, when);
		bind_text(st, 2, rec->command);
		bind_text(st, 3, rec->source);
		bind_text(st, 4, rec->models);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)rec->repeat);
		sqlite3_bind_int(st, 6, rec->exit_status);
		bind_text(st, 7, LLMK_VERSION_STRING);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
		sqlite3_finalize(st);
		st = NULL;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, insert_answer_sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = each(st, sqlite3_last_insert_rowid(db), user);
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		cli_note(cmd, "history not recorded: %s: %s (--no-history or LLMKIT_NO_HISTORY=1 turns it off)", path,
		         sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	free(path);
}

typedef struct chat_rec {
	answer_row a;
} chat_rec;

static int chat_answers(sqlite3_stmt *st, sqlite3_int64 run_id, void *user)
{
	return insert_answer(st, run_id, &((chat_rec *)user)->a);
}

void cli_history_chat(const char *cmd, const llmk_client *c, const llmk_request *r, const llmk_response *resp,
                      int exit_status)
{
	char model[512];
	chat_rec cr;
	record rec;

	snprintf(model, sizeof(model), "%s/%s", llmk_client_provider(c), llmk_client_model(c));
	memset(&cr, 0, sizeof(cr));
	cr.a.model = model;
	cr.a.req = r;
	cr.a.resp = resp;
	cr.a.score = -1;
	cr.a.judge_cost = -1;
	memset(&rec, 0, sizeof(rec));
	rec.command = "chat";
	rec.models = model;
	rec.repeat = 1;
	rec.exit_status = exit_status;
	write_run(cmd, &rec, chat_answers, &cr);
}

typedef struct cmp_rec {
	const llmk_compare *cmp;
	size_t repeat;
} cmp_rec;

static int compare_answers(sqlite3_stmt *st, sqlite3_int64 run_id, void *user)
{
	cmp_rec *cr = user;
	size_t m, k, r, nm = llmk_compare_model_count(cr->cmp), nk = llmk_compare_case_count(cr->cmp);
	answer_row a;
	int rc = SQLITE_OK;

	for (m = 0; m < nm && rc == SQLITE_OK; m++)
		for (k = 0; k < nk && rc == SQLITE_OK; k++)
			for (r = 0; r < cr->repeat && rc == SQLITE_OK; r++) {
				const llmk_response *judge = llmk_compare_judge_response(cr->cmp, m, k, r);
				double jc = -1;
				a.resp = llmk_compare_response(cr->cmp, m, k, r);
				if (!a.resp)
					continue; /* never ran */
				a.model = llmk_compare_model(cr->cmp, m);
				a.case_index = (long)k;
				a.run_index = (long)r;
				a.req = llmk_compare_case_request(cr->cmp, k);
				a.expected = llmk_compare_case_expected(cr->cmp, k);
				a.score = llmk_compare_score(cr->cmp, m, k, r);
				a.reason = llmk_compare_judge_reason(cr->cmp, m, k, r);
				if (judge && llmk_response_status(judge) == LLMK_OK)
					llmk_response_cost(judge, &jc);
				a.judge_cost = jc;
				rc = insert_answer(st, run_id, &a);
			}
	return rc;
}

void cli_history_compare(const char *cmd, const llmk_compare *cmp, size_t repeat, const char *source, int exit_status)
{
	size_t m, nm = llmk_compare_model_count(cmp), len = 0;
	char *models;
	cmp_rec cr = {cmp, repeat};
	record rec;

	if (off())
		return;
	for (m = 0; m < nm; m++)
		len += strlen(llmk_compare_model(cmp, m)) + 1;
	models = calloc(1, len + 1);
	if (!models)
		return;
	for (m = 0; m < nm; m++) {
		if (m)
			strcat(models, ",");
		strcat(models, llmk_compare_model(cmp, m));
	}
	memset(&rec, 0, sizeof(rec));
	rec.command = cmd;
	rec.source = source;
	rec.models = models;
	rec.repeat = repeat;
	rec.exit_status = exit_status;
	write_run(cmd, &rec, compare_answers, &cr);
	free(models);
}

/* ---- reading: llmkit logs, compare --history ------------------------------------------- */

/* Runs a query into a table, one column per result column; columns listed
 * in `number` (a string of 0/1 per column) are numbers. */
static int query_table(sqlite3 *db, const char *cmd, const char *sql, const char *const *binds, size_t nbinds,
                       const char **head, const int *kind, size_t ncols, int format, int preview)
{
	sqlite3_stmt *st = NULL;
	cli_table t;
	size_t i, row;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		cli_error(cmd, "history: %s", sqlite3_errmsg(db));
		return EXIT_FAILURE_OTHER;
	}
	for (i = 0; i < nbinds; i++)
		sqlite3_bind_text(st, (int)i + 1, binds[i], -1, SQLITE_TRANSIENT);
	cli_table_init(&t, ncols, head, kind);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = cli_table_row(&t);
		for (i = 0; i < ncols; i++) {
			const char *v = (const char *)sqlite3_column_text(st, (int)i);
			if (!v) {
				cli_table_set(&t, row, i, NULL, "%s", format == FMT_TABLE ? "-" : "");
			} else if (sqlite3_column_type(st, (int)i) == SQLITE_FLOAT) {
				double d = sqlite3_column_double(st, (int)i);
				if (format == FMT_TABLE)
					cli_table_set(&t, row, i, NULL, "%.6g", d);
				else
					cli_table_set(&t, row, i, NULL, "%.10g", d);
			} else if (preview && format == FMT_TABLE && kind[i] == COL_LEFT && cli_utf8_width(v) > 50) {
				char *clean = cli_clean(v);
				cli_table_set(&t, row, i, NULL, "%.*s...", (int)cli_utf8_cut(clean ? clean : v, 47),
				              clean ? clean : v);
				free(clean);
			} else if (format == FMT_TABLE && kind[i] == COL_LEFT) {
				char *clean = cli_clean(v);
				cli_table_set(&t, row, i, NULL, "%s", clean ? clean : v);
				free(clean);
			} else {
				cli_table_set(&t, row, i, NULL, "%s", v);
			}
		}
	}
	if (rc != SQLITE_DONE) {
		cli_error(cmd, "history: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		cli_table_free(&t);
		return EXIT_FAILURE_OTHER;
	}
	sqlite3_finalize(st);
	cli_table_print(&t, stdout, format, format == FMT_TABLE && g_opt.color_out, 0);
	cli_table_free(&t);
	return EXIT_OK;
}

static const char logs_help[] = "usage: llmkit logs [list] [-n N] [--format FORMAT | --json]\n"
                                "       llmkit logs show ID [--format FORMAT | --json]\n"
                                "       llmkit logs search TEXT [-n N] [--format FORMAT | --json]\n"
                                "       llmkit logs path\n"
                                "\n"
                                "The history of chat, compare and eval runs (SQLite, in $LLMKIT_HISTORY, else\n"
                                "$XDG_DATA_HOME/llmkit/history.db, else ~/.local/share/llmkit/history.db).\n"
                                "list: the latest runs (default 20); show: one run's answers with their\n"
                                "usage, cost, timings and scores; search: answers whose prompt or answer\n"
                                "holds TEXT (ASCII case ignored); path: where the database is.\n"
                                "Recording is off with --no-history or LLMKIT_NO_HISTORY=1; keys are never\n"
                                "recorded.\n"
                                "\n"
                                "Options:\n"
                                "  -n, --limit N          at most N rows (default 20; 0: all)\n"
                                "      --format FORMAT    table (default), json, csv or markdown\n"
                                "      --json             the same as --format json\n"
                                "\n"
                                "Exit status: 0; 2 for a bad command line or an unknown run; 1 when the\n"
                                "history cannot be read (missing, corrupted, newer).\n";

enum { L_LIMIT = 1, L_FORMAT, L_JSON };
static const cli_opt logs_opts[] = {
        {"limit", 'n', 1, L_LIMIT}, {"format", 0, 1, L_FORMAT}, {"json", 0, 0, L_JSON}, {NULL, 0, 0, 0}};

int cmd_logs(int argc, char **argv)
{
	cli_parse p;
	const char *val, *sub = "list";
	char *path = NULL, limit_s[32];
	long limit = 20;
	int id, format = FMT_TABLE, rc = EXIT_OK;
	sqlite3 *db = NULL;

	if (cli_parse_init(&p, argc, argv))
		return EXIT_FAILURE_OTHER;
	while ((id = cli_next(&p, logs_opts, &val)) > 0) {
		if ((id == L_LIMIT && cli_int("logs", "--limit", val, 0, 1000000000, &limit)) ||
		    (id == L_FORMAT && cli_format("logs", val, &format))) {
			rc = EXIT_USAGE;
			goto out;
		}
		if (id == L_JSON)
			format = FMT_JSON;
	}
	if (id == CLI_HELP) {
		fputs(logs_help, stdout);
		goto out;
	}
	if (id == CLI_ERROR) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (p.npos)
		sub = p.pos[0];
	snprintf(limit_s, sizeof(limit_s), "%ld", limit ? limit : -1);
	if (!strcmp(sub, "path")) {
		path = db_path();
		if (!path) {
			cli_error("logs", "no history location: set LLMKIT_HISTORY, XDG_DATA_HOME or HOME");
			rc = EXIT_FAILURE_OTHER;
		} else {
			printf("%s\n", path);
		}
		goto out;
	}
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "search")) {
		rc = cli_usage_error("logs", "'%s' is not list, show, search or path", sub);
		goto out;
	}
	if ((strcmp(sub, "list") ? p.npos != 2 : p.npos > 1)) {
		rc = cli_usage_error("logs", "%s takes %s", sub,
		                     !strcmp(sub, "show")     ? "one run ID"
		                     : !strcmp(sub, "search") ? "one TEXT"
		                                              : "no argument");
		goto out;
	}
	db = db_open("logs", 0, &path);
	if (!db) {
		rc = EXIT_FAILURE_OTHER;
		goto out;
	}
	if (!strcmp(sub, "list")) {
		static const char *head[] = {"id", "started", "command", "models", "answers", "ok", "cost_usd", "exit"};
		static const int kind[] = {COL_NUMBER, COL_LEFT,   COL_LEFT,   COL_LEFT,
		                           COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER};
		const char *b[] = {limit_s};
		rc = query_table(db, "logs",
		                 "SELECT r.id, r.started, r.command, r.models, COUNT(a.id),"
		                 " SUM(CASE WHEN a.status = 'OK' THEN 1 ELSE 0 END), SUM(a.cost_usd), r.exit_status"
		                 " FROM runs r LEFT JOIN answers a ON a.run_id = r.id GROUP BY r.id ORDER BY r.id DESC"
		                 " LIMIT CAST(?1 AS INTEGER)",
		                 b, 1, head, kind, 8, format, 1);
	} else if (!strcmp(sub, "show")) {
		static const char *head[] = {"model",      "case",         "run",           "status",
		                             "prompt",     "answer",       "error",         "score",
		                             "reason",     "input_tokens", "output_tokens", "cost_usd",
		                             "latency_ms", "ttft_ms",      "started",       "command"};
		static const int kind[] = {COL_LEFT,   COL_NUMBER, COL_NUMBER, COL_LEFT,   COL_LEFT,   COL_LEFT,
		                           COL_LEFT,   COL_NUMBER, COL_LEFT,   COL_NUMBER, COL_NUMBER, COL_NUMBER,
		                           COL_NUMBER, COL_NUMBER, COL_LEFT,   COL_LEFT};
		const char *b[] = {p.pos[1]};
		sqlite3_stmt *st = NULL;
		int found = 0;
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM runs WHERE id = CAST(?1 AS INTEGER)", -1, &st, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_text(st, 1, p.pos[1], -1, SQLITE_TRANSIENT);
			found = sqlite3_step(st) == SQLITE_ROW;
		}
		sqlite3_finalize(st);
		if (!found) {
			rc = cli_usage_error("logs", "no run %s in %s ('llmkit logs' lists them)", p.pos[1], path);
			goto out;
		}
		rc = query_table(
		        db, "logs",
		        "SELECT a.model, a.case_index + 1, a.run_index + 1, a.status, a.prompt, a.answer, a.error,"
		        " a.score, a.reason, a.input_tokens, a.output_tokens, a.cost_usd, a.latency_ms, a.ttft_ms,"
		        " r.started, r.command FROM answers a JOIN runs r ON r.id = a.run_id"
		        " WHERE a.run_id = CAST(?1 AS INTEGER) ORDER BY a.model, a.case_index, a.run_index",
		        b, 1, head, kind, format == FMT_TABLE ? 9 : 16, format, 1);
	} else {
		static const char *head[] = {"run", "started", "model", "prompt", "answer"};
		static const int kind[] = {COL_NUMBER, COL_LEFT, COL_LEFT, COL_LEFT, COL_LEFT};
		const char *b[] = {p.pos[1], limit_s};
		rc = query_table(
		        db, "logs",
		        "SELECT a.run_id, r.started, a.model, a.prompt, a.answer FROM answers a"
		        " JOIN runs r ON r.id = a.run_id WHERE instr(lower(a.prompt), lower(?1)) > 0"
		        " OR instr(lower(a.answer), lower(?1)) > 0 ORDER BY a.id DESC LIMIT CAST(?2 AS INTEGER)",
		        b, 2, head, kind, 5, format, 1);
	}
out:
	sqlite3_close(db);
	free(path);
	cli_parse_free(&p);
	return rc;
}

int cli_history_trend(const char *cmd, const char *const *models, size_t nmodels, int format)
{
	static const char *head[] = {"model",      "run",     "started",  "command",         "answers", "ok",
	                             "latency_ms", "ttft_ms", "cost_usd", "cost_per_answer", "score"};
	static const int kind[] = {COL_LEFT,   COL_NUMBER, COL_LEFT,   COL_LEFT,   COL_NUMBER, COL_NUMBER,
	                           COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER, COL_NUMBER};
	char *path = NULL, *sql, *filter;
	sqlite3 *db = db_open(cmd, 0, &path);
	size_t i, len = 0;
	int rc;

	if (!db) {
		free(path);
		return EXIT_FAILURE_OTHER;
	}
	/* WHERE a.model IN (?1, ?2, ...) */
	filter = calloc(1, 32 + 8 * nmodels);
	if (!filter) {
		sqlite3_close(db);
		free(path);
		return EXIT_FAILURE_OTHER;
	}
	if (nmodels) {
		len = (size_t)sprintf(filter, " WHERE a.model IN (");
		for (i = 0; i < nmodels; i++)
			len += (size_t)sprintf(filter + len, "%s?%zu", i ? "," : "", i + 1);
		strcpy(filter + len, ")");
	}
	sql = malloc(1024 + strlen(filter));
	if (!sql) {
		free(filter);
		sqlite3_close(db);
		free(path);
		return EXIT_FAILURE_OTHER;
	}
	sprintf(sql,
	        "SELECT a.model, r.id, r.started, r.command, COUNT(*), SUM(CASE WHEN a.status = 'OK' THEN 1 ELSE 0 "
	        "END),"
	        " AVG(a.latency_ms), AVG(a.ttft_ms), SUM(a.cost_usd),"
	        " SUM(a.cost_usd) / NULLIF(SUM(CASE WHEN a.status = 'OK' THEN 1 ELSE 0 END), 0), AVG(a.score)"
	        " FROM answers a JOIN runs r ON r.id = a.run_id%s GROUP BY a.model, r.id ORDER BY a.model, r.id",
	        filter);
	rc = query_table(db, cmd, sql, models, nmodels, head, kind, 11, format, 0);
	if (rc == EXIT_OK && format == FMT_TABLE)
		printf("%slatency, ttft and score: means over the answers of each run; cost per successful answer; "
		       "%s%s\n",
		       cli_c(g_opt.color_out, C_DIM), path, cli_c(g_opt.color_out, C_RESET));
	free(sql);
	free(filter);
	sqlite3_close(db);
	free(path);
	return rc;
}
