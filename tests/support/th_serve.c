/*
 * th_serve - the loopback test server (httpd.c) as a standalone program, for
 * tests written in other languages (the Python and Go bindings).
 *
 * It listens on 127.0.0.1 on a free port, prints "port N" on stdout, then
 * reads commands from stdin, one per line, and answers each with one line:
 *
 *   push STATUS FILE [key=value ...]   queue a response      -> "ok"
 *        FILE: a path (relative to DATA_DIR, the first argument, default
 *        TEST_DATA_DIR) whose bytes are the body, or "-" for none.
 *        keys: type=MIME (default from the extension: .json, .sse, else
 *              application/octet-stream), hex=BYTES (body given inline in
 *              hex instead of FILE), repeat=N (queue it N times),
 *              header=Name:Value (repeatable), delay_ms=N, write_size=N,
 *              delay_headers_ms=N, chunked=1, close=1
 *   count                              requests received     -> "count N"
 *   pending                            responses still queued -> "pending N"
 *   req I                              request I as one JSON object line:
 *                                      {"method","target","headers":{},"body"}
 *   reset                              forget requests and queue -> "ok"
 *   quit (or end of input)             stop and exit 0
 *
 * Errors in a command answer "error <why>". A request that finds the queue
 * empty gets the fallback response of httpd.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "httpd.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "."
#endif

#define MAX_LINE 65536
#define MAX_HEADERS 2048
#define MAX_BODY (64u << 20)

static const char *data_dir = TEST_DATA_DIR;

/* One answer line: `what` followed by `arg`. */
static void reply(const char *what, const char *arg)
{
	fputs(what, stdout);
	fputs(arg, stdout);
	putchar('\n');
	fflush(stdout);
}

static int read_file(const char *name, unsigned char **out, size_t *len)
{
	char path[4096];
	FILE *f;
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0;

	if (name[0] == '/')
		snprintf(path, sizeof path, "%s", name);
	else
		snprintf(path, sizeof path, "%s/%s", data_dir, name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	for (;;) {
		size_t got;
		if (n == cap) {
			unsigned char *nb;
			cap = cap ? cap * 2 : 4096;
			if (cap > MAX_BODY || !(nb = realloc(buf, cap))) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int decode_hex(const char *hex, unsigned char **out, size_t *len)
{
	size_t n = strlen(hex), i;
	unsigned char *buf;

	if (n % 2)
		return -1;
	buf = malloc(n / 2 + 1);
	if (!buf)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(buf);
			return -1;
		}
		buf[i] = (unsigned char)(hi * 16 + lo);
	}
	*out = buf;
	*len = n / 2;
	return 0;
}

static const char *type_for(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && strcmp(dot, ".json") == 0)
		return "application/json";
	if (dot && strcmp(dot, ".sse") == 0)
		return "text/event-stream";
	return "application/octet-stream";
}

static void cmd_push(th_server *s, char *args)
{
	char *status_s = strtok(args, " \t"), *file = strtok(NULL, " \t"), *kv;
	char headers[MAX_HEADERS] = "";
	const char *type = NULL;
	unsigned char *body = NULL;
	size_t body_len = 0;
	long repeat = 1, i;
	th_response r;

	if (!status_s || !file) {
		reply("error usage: push STATUS FILE [key=value ...]", "");
		return;
	}
	memset(&r, 0, sizeof r);
	r.status = atoi(status_s);
	while ((kv = strtok(NULL, " \t"))) {
		char *eq = strchr(kv, '=');
		const char *v;
		if (!eq) {
			reply("error expected key=value, got ", kv);
			goto out;
		}
		*eq = '\0';
		v = eq + 1;
		if (strcmp(kv, "type") == 0) {
			type = v;
		} else if (strcmp(kv, "hex") == 0) {
			free(body);
			body = NULL;
			if (decode_hex(v, &body, &body_len) != 0) {
				reply("error bad hex", "");
				goto out;
			}
		} else if (strcmp(kv, "repeat") == 0) {
			repeat = atol(v);
		} else if (strcmp(kv, "header") == 0) {
			char *colon = strchr(v, ':');
			size_t used = strlen(headers);
			if (!colon || used + strlen(v) + 4 >= sizeof headers) {
				reply("error bad header ", v);
				goto out;
			}
			snprintf(headers + used, sizeof headers - used, "%.*s: %s\r\n", (int)(colon - v), v, colon + 1);
		} else if (strcmp(kv, "delay_ms") == 0) {
			r.delay_ms = atoi(v);
		} else if (strcmp(kv, "write_size") == 0) {
			r.write_size = (size_t)atol(v);
		} else if (strcmp(kv, "delay_headers_ms") == 0) {
			r.delay_headers_ms = atoi(v);
		} else if (strcmp(kv, "chunked") == 0) {
			r.chunked = atoi(v);
		} else if (strcmp(kv, "close") == 0) {
			r.close = atoi(v);
		} else {
			reply("error unknown key ", kv);
			goto out;
		}
	}
	if (!body && strcmp(file, "-") != 0 && read_file(file, &body, &body_len) != 0) {
		reply("error cannot read ", file);
		goto out;
	}
	{
		size_t used = strlen(headers);
		snprintf(headers + used, sizeof headers - used, "Content-Type: %s\r\n", type ? type : type_for(file));
	}
	r.headers = headers;
	/* body_len 0 with a body means strlen() to httpd.c: give NULL instead. */
	r.body = body_len ? body : NULL;
	r.body_len = body_len;
	for (i = 0; i < repeat; i++)
		th_push(s, &r);
	reply("ok", "");
out:
	free(body);
}

static void cmd_req(th_server *s, const char *arg)
{
	const th_request *rq = th_request_at(s, (size_t)strtoul(arg, NULL, 10));
	json_t *o, *h;
	char *line;
	size_t i;

	if (!rq) {
		reply("error no request ", arg);
		return;
	}
	h = json_object();
	for (i = 0; i < rq->nheaders; i++)
		json_object_set_new(h, rq->headers[i].name, json_string(rq->headers[i].value));
	o = json_pack("{s:s, s:s, s:o, s:s#}", "method", rq->method, "target", rq->target, "headers", h, "body",
	              (const char *)rq->body, (int)rq->body_len);
	if (!o) {
		/* Not UTF-8 (e.g. multipart audio): send the body's length only. */
		h = json_object();
		for (i = 0; i < rq->nheaders; i++)
			json_object_set_new(h, rq->headers[i].name, json_string(rq->headers[i].value));
		o = json_pack("{s:s, s:s, s:o, s:n, s:I}", "method", rq->method, "target", rq->target, "headers", h,
		              "body", "body_len", (json_int_t)rq->body_len);
	}
	line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (line)
		reply("", line);
	else
		reply("error cannot encode request", "");
	free(line);
	json_decref(o);
}

int main(int argc, char **argv)
{
	static char line[MAX_LINE];
	th_server *s;
	char num[32];

	if (argc > 1)
		data_dir = argv[1];
	s = th_start();
	if (!s) {
		fprintf(stderr, "th_serve: cannot start server: %s\n", strerror(errno));
		return 1;
	}
	snprintf(num, sizeof num, "%d", th_port(s));
	reply("port ", num);
	while (fgets(line, sizeof line, stdin)) {
		char *cmd, *rest;
		line[strcspn(line, "\r\n")] = '\0';
		cmd = line + strspn(line, " \t");
		rest = cmd + strcspn(cmd, " \t");
		if (*rest)
			*rest++ = '\0';
		if (strcmp(cmd, "push") == 0) {
			cmd_push(s, rest);
		} else if (strcmp(cmd, "count") == 0) {
			snprintf(num, sizeof num, "%zu", th_request_count(s));
			reply("count ", num);
		} else if (strcmp(cmd, "pending") == 0) {
			snprintf(num, sizeof num, "%zu", th_pending(s));
			reply("pending ", num);
		} else if (strcmp(cmd, "req") == 0) {
			cmd_req(s, rest);
		} else if (strcmp(cmd, "reset") == 0) {
			th_reset(s);
			reply("ok", "");
		} else if (strcmp(cmd, "quit") == 0) {
			break;
		} else if (*cmd) {
			reply("error unknown command ", cmd);
		}
	}
	th_stop(s);
	return 0;
}
