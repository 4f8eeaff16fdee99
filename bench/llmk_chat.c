/* bench/llmk_chat.c - the same work as raw_curl.c and jansson_sse.c,
 * through libllmkit's public API.
 *
 * Usage:
 *   llmk_chat chat BASE_URL N [WARMUP]    N sequential llmk_send() chats
 *   llmk_chat cached BASE_URL N [WARMUP [FILE]] the same, answered by the response
 *                                         cache (in memory, or the SQLite FILE)
 *   llmk_chat oneshot BASE_URL            one chat (start-up and RSS)
 *   llmk_chat threads BASE_URL N T        N chats from T threads, one shared client
 *   llmk_chat stream BASE_URL             one llmk_stream() (the server picks
 *                                         the chunk count from the URL: /n<N>/w<W>/v1)
 *   llmk_chat memstream NCHUNKS STEP [REPS] the stream fed in-process by a
 *                                         transport (no socket): STEP 0 writes
 *                                         one event per write, STEP k writes k bytes
 * Prints one result line (bench.h); per-event numbers for the stream modes. */
#include <pthread.h>

#include "llmkit.h"

#include "bench.h"

static llmk_client *make_client(const char *base)
{
	llmk_client *c = NULL;

	if (llmk_client_new(&c, "openai/" BENCH_MODEL) || llmk_client_set_str(c, LLMK_OPT_API_KEY, BENCH_KEY) ||
	    (base && llmk_client_set_str(c, LLMK_OPT_BASE_URL, base)) || bench_llmk_tls(c)) {
		fprintf(stderr, "llmk_chat: client setup failed: %s\n", c ? llmk_client_errmsg(c) : "");
		exit(1);
	}
	return c;
}

static llmk_request *make_request(void)
{
	llmk_request *r = NULL;

	if (llmk_request_new(&r, LLMK_CHAT) || llmk_request_add_message(r, LLMK_ROLE_USER, BENCH_PROMPT)) {
		fprintf(stderr, "llmk_chat: request setup failed\n");
		exit(1);
	}
	return r;
}

static int check(llmk_status st, llmk_response *resp, size_t i)
{
	if (st || strcmp(llmk_response_text(resp), BENCH_CHAT_CONTENT) ||
	    llmk_response_usage(resp, LLMK_USAGE_OUTPUT) != 10) {
		fprintf(stderr, "llmk_chat: request %zu failed: %s %s\n", i, llmk_status_name(st),
		        resp ? llmk_response_error(resp) : "");
		return 1;
	}
	return 0;
}

static int run_chat_with(const char *base, size_t n, size_t warm, const char *name, llmk_store *cache)
{
	llmk_client *c = make_client(base);
	llmk_request *r = make_request();
	double *lat = calloc(n ? n : 1, sizeof(double)), t0 = bench_now_us(), c0 = bench_cpu_us(), t;
	size_t i;

	if (cache && llmk_client_set_cache(c, cache)) {
		fprintf(stderr, "llmk_chat: %s\n", llmk_client_errmsg(c));
		return 1;
	}
	for (i = 0; i < warm + n; i++) {
		llmk_response *resp = NULL;
		llmk_status st;
		if (i == warm) {
			t0 = bench_now_us();
			c0 = bench_cpu_us();
		}
		t = bench_now_us();
		st = llmk_send(c, r, &resp);
		if (check(st, resp, i))
			return 1;
		if (i >= warm)
			lat[i - warm] = bench_now_us() - t;
		llmk_response_free(resp);
	}
	bench_report(name, n, bench_now_us() - t0, bench_cpu_us() - c0, lat, n);
	llmk_request_free(r);
	llmk_client_free(c);
	free(lat);
	return 0;
}

static int run_chat(const char *base, size_t n, size_t warm, const char *name)
{
	return run_chat_with(base, n, warm, name, NULL);
}

/* The same sends answered by the response cache: the first (a warm-up)
 * fills it, every other is a hit. In memory, or in the SQLite file `path`
 * (removed first). */
static int run_cached(const char *base, size_t n, size_t warm, const char *path)
{
	llmk_store *s = NULL;
	llmk_status st;
	int rc;

	if (path)
		remove(path);
	st = path ? llmk_store_new_sqlite(path, &s) : llmk_store_new_memory(64 << 20, &s);
	if (st) {
		fprintf(stderr, "llmk_chat: cannot create the store: %s\n", llmk_status_name(st));
		return 1;
	}
	rc = run_chat_with(base, n, warm ? warm : 1, path ? "llmk_send_cached_sqlite" : "llmk_send_cached_memory", s);
	llmk_store_free(s);
	return rc;
}

typedef struct worker {
	llmk_client *c;
	const llmk_request *r;
	size_t n;
	int failed;
} worker;

static void *work(void *u)
{
	worker *w = u;
	size_t i;

	for (i = 0; i < w->n; i++) {
		llmk_response *resp = NULL;
		llmk_status st = llmk_send(w->c, w->r, &resp);
		if (check(st, resp, i))
			w->failed = 1;
		llmk_response_free(resp);
	}
	return NULL;
}

static int run_threads(const char *base, size_t n, size_t nt)
{
	llmk_client *c = make_client(base);
	llmk_request *r = make_request();
	pthread_t *th = calloc(nt, sizeof(*th));
	worker *w = calloc(nt, sizeof(*w));
	double t0, c0;
	size_t i;
	int failed = 0;

	llmk_global_init();
	t0 = bench_now_us();
	c0 = bench_cpu_us();
	for (i = 0; i < nt; i++) {
		w[i].c = c;
		w[i].r = r;
		w[i].n = n / nt + (i < n % nt);
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (i = 0; i < nt; i++) {
		pthread_join(th[i], NULL);
		failed |= w[i].failed;
	}
	if (!failed)
		bench_report("llmk_threads", n, bench_now_us() - t0, bench_cpu_us() - c0, NULL, 0);
	llmk_request_free(r);
	llmk_client_free(c);
	free(th);
	free(w);
	return failed;
}

typedef struct counts {
	size_t events, text, bytes;
} counts;

static int32_t on_event(const llmk_event *ev, void *user)
{
	counts *k = user;

	k->events++;
	if (llmk_event_type(ev) == LLMK_EVENT_TEXT) {
		k->text++;
		k->bytes += llmk_event_text_len(ev);
	}
	return 0;
}

static int stream_once(llmk_client *c, llmk_request *r, counts *k)
{
	llmk_response *resp = NULL;
	llmk_status st = llmk_stream(c, r, on_event, k, &resp);

	if (st || llmk_response_usage(resp, LLMK_USAGE_OUTPUT) < 1) {
		fprintf(stderr, "llmk_chat: stream failed: %s %s\n", llmk_status_name(st),
		        resp ? llmk_response_error(resp) : "");
		llmk_response_free(resp);
		return 1;
	}
	llmk_response_free(resp);
	return 0;
}

/* SSE events on the wire (role, content, finish, usage chunks and
 * [DONE]): the per-event unit shared with jansson_sse. */
static size_t wire_events(size_t text_events)
{
	return bench_sse_count(text_events, 1);
}

static int run_stream(const char *base)
{
	llmk_client *c = make_client(base);
	llmk_request *r = make_request();
	counts k = {0};
	double t0 = bench_now_us(), c0 = bench_cpu_us();

	if (stream_once(c, r, &k))
		return 1;
	bench_report("llmk_stream", wire_events(k.text), bench_now_us() - t0, bench_cpu_us() - c0, NULL, 0);
	llmk_request_free(r);
	llmk_client_free(c);
	return 0;
}

/* ---- in-process stream: a transport that writes a prepared body ------- */

/* The stream is prepared once (like jansson_sse's events), so the timed
 * part is the library's work only. ev_off[i] is where event i starts. */
typedef struct feed {
	size_t nchunks, step;
	char *body;
	size_t body_len, *ev_off;
} feed;

static int32_t feed_send(llmk_exchange *ex, void *user)
{
	feed *f = user;
	size_t len, off, i, k = bench_sse_count(f->nchunks, 1);

	llmk_exchange_set_status(ex, 200);
	llmk_exchange_add_header(ex, "Content-Type", "text/event-stream");
	if (!f->step) {
		for (i = 0; i < k; i++)
			if (llmk_exchange_write(ex, (const uint8_t *)f->body + f->ev_off[i],
			                        f->ev_off[i + 1] - f->ev_off[i]))
				return LLMK_E_CANCELLED;
		return LLMK_OK;
	}
	for (off = 0; off < f->body_len; off += f->step) {
		len = f->body_len - off < f->step ? f->body_len - off : f->step;
		if (llmk_exchange_write(ex, (const uint8_t *)f->body + off, len))
			return LLMK_E_CANCELLED;
	}
	return LLMK_OK;
}

static int run_memstream(size_t nchunks, size_t step, size_t reps)
{
	llmk_client *c = make_client("http://127.0.0.1:9/v1");
	llmk_request *r = make_request();
	llmk_transport t;
	feed f = {nchunks, step, NULL, 0, NULL};
	counts k = {0};
	double t0, c0;
	size_t i, nev = bench_sse_count(nchunks, 1);
	char name[64];

	f.body = bench_sse_body(nchunks, 1, &f.body_len);
	f.ev_off = calloc(nev + 1, sizeof(size_t));
	if (!f.body || !f.ev_off)
		return 1;
	for (i = 0; i < nev; i++) { /* every event ends with a blank line */
		const char *e = strstr(f.body + f.ev_off[i], "\n\n");
		f.ev_off[i + 1] = (size_t)(e + 2 - f.body);
	}

	llmk_transport_init(&t);
	t.send = feed_send;
	if (llmk_client_set_transport(c, &t, &f))
		return 1;
	if (stream_once(c, r, &k)) /* warm-up */
		return 1;
	if (k.text != nchunks) {
		fprintf(stderr, "llmk_chat: %zu text events, expected %zu\n", k.text, nchunks);
		return 1;
	}
	t0 = bench_now_us();
	c0 = bench_cpu_us();
	for (i = 0; i < reps; i++)
		if (stream_once(c, r, &k))
			return 1;
	snprintf(name, sizeof(name), "llmk_memstream_step%zu", step);
	bench_report(name, reps * wire_events(nchunks), bench_now_us() - t0, bench_cpu_us() - c0, NULL, 0);
	llmk_request_free(r);
	llmk_client_free(c);
	free(f.body);
	free(f.ev_off);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "chat";

	if (!strcmp(mode, "chat") && argc > 3)
		return run_chat(argv[2], strtoul(argv[3], NULL, 10), argc > 4 ? strtoul(argv[4], NULL, 10) : 50,
		                "llmk_send");
	if (!strcmp(mode, "cached") && argc > 3)
		return run_cached(argv[2], strtoul(argv[3], NULL, 10), argc > 4 ? strtoul(argv[4], NULL, 10) : 50,
		                  argc > 5 ? argv[5] : NULL);
	if (!strcmp(mode, "oneshot") && argc > 2)
		return run_chat(argv[2], 1, 0, "llmk_oneshot");
	if (!strcmp(mode, "threads") && argc > 4)
		return run_threads(argv[2], strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10));
	if (!strcmp(mode, "stream") && argc > 2)
		return run_stream(argv[2]);
	if (!strcmp(mode, "memstream") && argc > 3)
		return run_memstream(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
		                     argc > 4 ? strtoul(argv[4], NULL, 10) : 5);
	fprintf(stderr, "usage: llmk_chat chat|cached|oneshot|threads|stream|memstream ...\n");
	return 2;
}
