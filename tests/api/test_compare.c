#define _POSIX_C_SOURCE 200809L
/* llmk_compare over loopback: each "model" is a client of its own server
 * with its own latency, answers, token usage and failures; the figures the
 * comparison reports are checked against what the servers were told to do,
 * and costs against the price table. An embeddings server scores answers by
 * similarity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "llmkit.h"

#define KEY "sk-test-compare-0000000000000000000"

/* Upper time bounds get `ms` of scheduling slack, times LLMK_TEST_TIME_FACTOR
 * when set (scripts/test sets 4 under valgrind). */
static double time_slack(double ms)
{
	const char *f = getenv("LLMK_TEST_TIME_FACTOR");
	double k = f ? atof(f) : 1;

	return ms * (k >= 1 ? k : 1);
}

/* Under valgrind (LLMK_TEST_TIME_FACTOR set) a new connection costs
 * hundreds of milliseconds: latencies are then checked against the
 * test's own arithmetic only, not against the servers' delays. */
static int strict_timing(void)
{
	const char *f = getenv("LLMK_TEST_TIME_FACTOR");
	return !f || atof(f) <= 1;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- model servers ------------------------------------------------------- */

typedef struct model_srv {
	th_server *srv;
	llmk_client *c;
	int delay_ms;         /* before the headers */
	int token_delay_ms;   /* streams: between the first and the second chunk */
	int fail;             /* answer HTTP 500 */
	int wrong;            /* answer every question wrongly */
	const char *reported; /* the model the answers name (a dated snapshot) */
	/* prompts "qN" (N = 1..): a delay of N x per_case_delay_ms more, the
	 * answer "ok" when bit N-1 of pass_mask is set ("bad" otherwise), HTTP
	 * 500 when that bit of fail_mask is */
	int per_case_delay_ms;
	unsigned pass_mask, fail_mask;
} model_srv;

static void json_field(const char *body, const char *name, char *out, size_t cap)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	p = body ? strstr(body, pat) : NULL;
	if (p)
		for (p += strlen(pat); *p && *p != '"' && n + 1 < cap; p++)
			out[n++] = *p;
	out[n] = '\0';
}

static const char *answer_for(const char *prompt, int wrong)
{
	if (strstr(prompt, "capital of France"))
		return wrong ? "Lyon" : "The capital is Paris.";
	if (strstr(prompt, "2+2"))
		return wrong ? "five" : "4";
	if (strstr(prompt, "JSON"))
		return wrong ? "{not json" : "```json\\n{\\\"ok\\\": true}\\n```"; /* JSON-escaped */
	if (strstr(prompt, "greet"))
		return wrong ? "bye" : "hello there";
	return "pong";
}

static void model_handler(const th_request *rq, th_response *out, void *user)
{
	model_srv *m = user;
	char prompt[128];
	char *body = malloc(2048);
	const char *b = (const char *)rq->body;
	const char *ans;

	/* the user's message (a system message may come first) */
	json_field(b ? strstr(b, "\"role\":\"user\"") : NULL, "content", prompt, sizeof(prompt));
	ans = answer_for(prompt, m->wrong);
	out->delay_headers_ms = m->delay_ms;
	int failing = m->fail;
	if (prompt[0] == 'q' && prompt[1] >= '1' && prompt[1] <= '9') {
		int n = atoi(prompt + 1);
		out->delay_headers_ms += n * m->per_case_delay_ms;
		ans = m->pass_mask & (1u << (n - 1)) ? "ok" : "bad";
		failing |= (m->fail_mask & (1u << (n - 1))) != 0;
	}
	if (failing) {
		out->status = 500;
		out->headers = strdup("Content-Type: application/json\r\n");
		snprintf(body, 2048,
		         "{\"error\":{\"message\":\"The server had an error while processing your request.\","
		         "\"type\":\"server_error\",\"param\":null,\"code\":null}}");
	} else if (b && strstr(b, "\"stream\":true")) {
		/* OpenAI chunks: the answer, then finish and usage (stream_options). */
		out->status = 200;
		out->headers = strdup("Content-Type: text/event-stream\r\n");
		snprintf(body, 2048,
		         "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"%s\","
		         "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"%s\"},\"finish_"
		         "reason\":null}]}\n\n"
		         "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"%s\","
		         "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
		         "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"%s\","
		         "\"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":"
		         "1050,"
		         "\"prompt_tokens_details\":{\"cached_tokens\":400}}}\n\n"
		         "data: [DONE]\n\n",
		         m->reported, ans, m->reported, m->reported);
		out->chunked = 1;
		/* the first chunk, a pause, the rest: two writes of write_size,
		 * the first padded with an SSE comment line to be the longer */
		{
			size_t first = (size_t)(strstr(body, "\n\n") - body) + 2, len = strlen(body);
			if (len - first > first) {
				size_t pad = len - 2 * first + 2;
				memmove(body + pad, body, len + 1);
				memset(body, 'x', pad);
				body[0] = ':';
				body[pad - 1] = '\n';
				first += pad;
			}
			out->write_size = first;
		}
		out->delay_ms = m->token_delay_ms;
	} else {
		out->status = 200;
		out->headers = strdup("Content-Type: application/json\r\n");
		snprintf(body, 2048,
		         "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"%s\","
		         "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"%s\"},\"finish_"
		         "reason\":\"stop\"}],"
		         "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":1050,"
		         "\"prompt_tokens_details\":{\"cached_tokens\":400},"
		         "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}",
		         m->reported, ans);
	}
	out->body = body;
}

/* A deterministic "embedding": letter counts of the text. */
static void embed_text(const char *s, float v[26])
{
	memset(v, 0, 26 * sizeof(float));
	for (; *s; s++) {
		char ch = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
		if (ch >= 'a' && ch <= 'z')
			v[ch - 'a'] += 1;
	}
}

static void embed_handler(const th_request *rq, th_response *out, void *user)
{
	const char *b = (const char *)rq->body, *p;
	char text[2][256];
	char *body = malloc(8192);
	size_t len = 0;

	(void)user;
	/* "input":["a","b"] */
	p = strstr(b, "\"input\":[\"");
	for (int k = 0; k < 2; k++) {
		size_t n = 0;
		text[k][0] = '\0';
		if (!p)
			continue;
		p += k == 0 ? 10 : 3;
		while (*p && *p != '"' && n + 1 < sizeof(text[k]))
			text[k][n++] = *p++;
		text[k][n] = '\0';
	}
	len += (size_t)snprintf(body + len, 8192 - len, "{\"object\":\"list\",\"data\":[");
	for (int k = 0; k < 2; k++) {
		float v[26];
		embed_text(text[k], v);
		len += (size_t)snprintf(body + len, 8192 - len,
		                        "%s{\"object\":\"embedding\",\"index\":%d,\"embedding\":[", k ? "," : "", k);
		for (int i = 0; i < 26; i++)
			len += (size_t)snprintf(body + len, 8192 - len, "%s%g", i ? "," : "", v[i]);
		len += (size_t)snprintf(body + len, 8192 - len, "]}");
	}
	snprintf(body + len, 8192 - len,
	         "],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}");
	out->status = 200;
	out->headers = strdup("Content-Type: application/json\r\n");
	out->body = body;
}

typedef struct fixture {
	model_srv m[3];
	th_server *emb_srv;
	llmk_client *emb;
	llmk_compare *cmp;
	llmk_request *req;
	char dir[64];
} fixture;

static llmk_client *client_at(const char *model, th_server *srv)
{
	llmk_client *c;
	char url[96];

	assert_int_equal(llmk_client_new(&c, model), LLMK_OK);
	snprintf(url, sizeof(url), "%s/v1", th_url(srv));
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	return c;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	static const char *models[] = {"openai/gpt-5-mini", "openai/gpt-5.1", "openai/gpt-4"};
	static const char *reported[] = {"gpt-5-mini-2025-08-07", "gpt-5.1-2025-11-13", "gpt-4-0613"};

	for (int i = 0; i < 3; i++) {
		f->m[i].reported = reported[i];
		f->m[i].srv = th_start();
		assert_non_null(f->m[i].srv);
		th_set_handler(f->m[i].srv, model_handler, &f->m[i]);
		f->m[i].c = client_at(models[i], f->m[i].srv);
	}
	f->emb_srv = th_start();
	th_set_handler(f->emb_srv, embed_handler, NULL);
	f->emb = client_at("openai/text-embedding-3-small", f->emb_srv);
	assert_int_equal(llmk_compare_new(&f->cmp), LLMK_OK);
	llmk_request_new(&f->req, LLMK_CHAT);
	llmk_request_add_message(f->req, LLMK_ROLE_USER, "What is the capital of France?");
	snprintf(f->dir, sizeof(f->dir), "/tmp/llmk-compare-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char path[128];

	llmk_compare_free(f->cmp);
	llmk_request_free(f->req);
	for (int i = 0; i < 3; i++) {
		llmk_client_free(f->m[i].c);
		th_stop(f->m[i].srv);
	}
	llmk_client_free(f->emb);
	th_stop(f->emb_srv);
	snprintf(path, sizeof(path), "%s/cases.jsonl", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static double price(const char *model, int32_t which)
{
	double v = -1;
	assert_int_equal(llmk_model_info(model, which, &v), LLMK_OK);
	return v;
}

/* The cost of one answer of the model servers (1000 input tokens, 400 of
 * them cached, 50 output) at the table's prices. */
static double one_answer_cost(const char *model)
{
	double cached = price(model, LLMK_INFO_CACHED_INPUT_PRICE);

	if (cached < 0)
		cached = price(model, LLMK_INFO_INPUT_PRICE);
	return (600 * price(model, LLMK_INFO_INPUT_PRICE) + 400 * cached + 50 * price(model, LLMK_INFO_OUTPUT_PRICE)) /
	       1e6;
}

typedef struct seen {
	int calls;
	int per_model[3];
	double runs_seen_live[3];
} seen;

static void on_result(const llmk_compare *cmp, size_t model, size_t kase, size_t run, const llmk_response *r,
                      void *user)
{
	seen *s = user;

	(void)kase, (void)run;
	assert_non_null(r);
	s->calls++;
	s->per_model[model]++;
	/* the figures include this run already */
	s->runs_seen_live[model] = llmk_compare_metric(cmp, model, LLMK_METRIC_RUNS);
	assert_int_equal((int)s->runs_seen_live[model], s->per_model[model]);
}

static void test_three_models_side_by_side(void **state)
{
	fixture *f = *state;
	seen s;
	double t0, wall, lat, cost;

	memset(&s, 0, sizeof(s));
	f->m[0].delay_ms = 100;
	f->m[1].delay_ms = 600;
	f->m[2].fail = 1;
	for (int i = 0; i < 3; i++)
		assert_int_equal(llmk_compare_add_client(f->cmp, f->m[i].c, NULL), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, NULL, LLMK_SCORE_NONE), LLMK_OK);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_REPEAT, 3), LLMK_OK);
	{ /* warm up: one-time start-up costs (large under valgrind) out of the timing */
		llmk_response *r;
		llmk_send(f->m[2].c, f->req, &r);
		llmk_response_free(r);
	}
	t0 = now_ms();
	assert_int_equal(llmk_compare_run(f->cmp, on_result, &s), LLMK_OK);
	wall = now_ms() - t0;
	assert_int_equal(s.calls, 9);
	assert_string_equal(llmk_compare_model(f->cmp, 0), "openai/gpt-5-mini");
	assert_string_equal(llmk_compare_model(f->cmp, 2), "openai/gpt-4");
	for (int i = 0; i < 3; i++)
		assert_int_equal(llmk_compare_metric(f->cmp, (size_t)i, LLMK_METRIC_RUNS), 3);
	/* concurrently: about the slowest model's latency, far from the sum
	 * (3 x 600 ms + 3 x 100 ms), with room for valgrind */
	print_message("3 models x 3 runs: %.0f ms wall\n", wall);
	assert_true(wall >= 600 && wall < 1200 + time_slack(300));
	/* and the slow model's runs were in flight together (not one after another) */
	assert_true(th_max_concurrent(f->m[1].srv) >= 2);
	/* the fast model */
	lat = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_LATENCY_MS);
	assert_true(lat >= 100 && lat < 100 + time_slack(300));
	assert_int_equal(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_OK), 3);
	assert_int_equal(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_INPUT_TOKENS), 3000);
	assert_int_equal(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_OUTPUT_TOKENS), 150);
	assert_int_equal(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_CACHED_TOKENS), 1200);
	assert_int_equal(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_TTFT_MS), -1); /* not streamed */
	cost = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_COST_USD);
	assert_true(fabs(cost - 3 * one_answer_cost("openai/gpt-5-mini")) < 1e-12);
	assert_true(cost > 0);
	/* tokens per second: 50 tokens over the whole (non-streamed) latency */
	{
		double tps = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_TOKENS_PER_S);
		assert_true(tps > 50 / ((100 + time_slack(300)) / 1000) && tps <= 50 / 0.1);
	}
	/* the slow one: its own latency and price */
	lat = llmk_compare_metric(f->cmp, 1, LLMK_METRIC_LATENCY_MS);
	assert_true(lat >= 600 && lat < 600 + time_slack(300));
	assert_true(fabs(llmk_compare_metric(f->cmp, 1, LLMK_METRIC_COST_USD) - 3 * one_answer_cost("openai/gpt-5.1")) <
	            1e-12);
	assert_true(llmk_compare_metric(f->cmp, 1, LLMK_METRIC_COST_USD) >
	            llmk_compare_metric(f->cmp, 0, LLMK_METRIC_COST_USD));
	/* the failing one: runs, no successes, the error on each response */
	assert_int_equal(llmk_compare_metric(f->cmp, 2, LLMK_METRIC_OK), 0);
	assert_int_equal(llmk_compare_metric(f->cmp, 2, LLMK_METRIC_LATENCY_MS), -1);
	assert_int_equal(llmk_compare_metric(f->cmp, 2, LLMK_METRIC_COST_USD), 0);
	assert_int_equal(llmk_response_status(llmk_compare_response(f->cmp, 2, 0, 1)), LLMK_E_SERVER);
	assert_non_null(strstr(llmk_response_error(llmk_compare_response(f->cmp, 2, 0, 1)), "HTTP 500"));
	/* each answer is there */
	assert_string_equal(llmk_response_text(llmk_compare_response(f->cmp, 1, 0, 2)), "The capital is Paris.");
	assert_null(llmk_compare_response(f->cmp, 3, 0, 0));
	assert_null(llmk_compare_response(f->cmp, 0, 0, 3));
	assert_int_equal(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_SCORE), -1); /* nothing to score */
}

static void test_streamed_time_to_first_token(void **state)
{
	fixture *f = *state;
	double ttft, lat, tps;

	f->m[0].delay_ms = 100;
	f->m[0].token_delay_ms = 400;
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "streamed"), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, NULL, LLMK_SCORE_NONE), LLMK_OK);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_STREAM, 1), LLMK_OK);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_REPEAT, 2), LLMK_OK);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	ttft = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_TTFT_MS);
	lat = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_LATENCY_MS);
	tps = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_TOKENS_PER_S);
	print_message("streamed: ttft %.1f ms, total %.1f ms, %.1f tokens/s\n", ttft, lat, tps);
	/* the first token comes with the first write, well before the pause ends */
	assert_true(ttft >= 100 && ttft < 100 + 400 - 100);
	assert_true(lat >= 500 && lat < 500 + time_slack(300));
	/* 50 tokens over the time after the first token (about 400 ms) */
	assert_true(tps > 50 / ((400 + time_slack(300)) / 1000) && tps <= 50 / 0.4 * 1.05);
	assert_int_equal(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_CACHED_TOKENS), 800);
	assert_string_equal(llmk_compare_model(f->cmp, 0), "streamed");
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_evaluate_dataset(void **state)
{
	fixture *f = *state;
	char path[128];
	float a[26], b[26];
	double dot = 0, na = 0, nb = 0, want_sim, s;

	snprintf(path, sizeof(path), "%s/cases.jsonl", f->dir);
	write_file(
	        path,
	        "# four cases and a blank line\n"
	        "{\"prompt\": \"What is the capital of France?\", \"expected\": \"paris\"}\n"
	        "\n"
	        "{\"prompt\": \"What is 2+2?\", \"expected\": \"^[[:space:]]*4[[:space:]]*$\", \"scorer\": \"regex\", "
	        "\"system\": \"Answer with a number.\", \"max_tokens\": 5, \"temperature\": 0}\n"
	        "{\"prompt\": \"Give JSON\", \"expected\": \"{\\\"ok\\\": true}\", \"scorer\": \"json\"}\n"
	        "{\"prompt\": \"greet me\", \"expected\": \"hello there friend\", \"scorer\": \"similarity\"}\n");
	f->m[1].wrong = 1;
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "right"), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[1].c, "wrong"), LLMK_OK);
	assert_int_equal(llmk_compare_load_jsonl(f->cmp, path), LLMK_OK);
	assert_int_equal(llmk_compare_case_count(f->cmp), 4);
	/* similarity needs an embedder */
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_E_CONFIG);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "embedding client"));
	assert_int_equal(llmk_compare_set_embedder(f->cmp, f->emb), LLMK_OK);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	/* right: contains, regex and JSON (fenced) all 1; similarity = cosine */
	assert_true(llmk_compare_score(f->cmp, 0, 0, 0) == 1);
	assert_true(llmk_compare_score(f->cmp, 0, 1, 0) == 1);
	assert_true(llmk_compare_score(f->cmp, 0, 2, 0) == 1);
	embed_text("hello there", a);
	embed_text("hello there friend", b);
	for (int i = 0; i < 26; i++) {
		dot += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	want_sim = dot / (sqrt(na) * sqrt(nb));
	s = llmk_compare_score(f->cmp, 0, 3, 0);
	print_message("similarity of 'hello there' to 'hello there friend': %.4f (want %.4f)\n", s, want_sim);
	assert_true(fabs(s - want_sim) < 1e-5);
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_SCORE) - (3 + want_sim) / 4) < 1e-5);
	/* wrong: 0 on the exact ones, a low similarity */
	for (int k = 0; k < 3; k++)
		assert_true(llmk_compare_score(f->cmp, 1, (size_t)k, 0) == 0);
	assert_true(llmk_compare_score(f->cmp, 1, 3, 0) < 0.5);
	assert_true(llmk_compare_metric(f->cmp, 1, LLMK_METRIC_SCORE) < 0.2);
	/* the system message and options of the line were sent */
	{
		const th_request *rq = NULL;
		for (size_t i = 0; i < th_request_count(f->m[0].srv); i++) {
			const th_request *x = th_request_at(f->m[0].srv, i);
			if (strstr((const char *)x->body, "2+2"))
				rq = x;
		}
		assert_non_null(rq);
		assert_non_null(
		        strstr((const char *)rq->body, "{\"role\":\"system\",\"content\":\"Answer with a number.\"}"));
		assert_non_null(strstr((const char *)rq->body, "\"temperature\":0"));
	}
	assert_int_equal(th_request_count(f->emb_srv), 2); /* one embedding request per similarity-scored answer */
	/* a failing model scores 0 */
	f->m[0].fail = 1;
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_SCORE) == 0);
}

static void test_scorers_one_by_one(void **state)
{
	fixture *f = *state;
	llmk_request *q2;

	llmk_request_new(&q2, LLMK_CHAT);
	llmk_request_add_message(q2, LLMK_ROLE_USER, "What is 2+2?");
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, NULL), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, q2, "4", LLMK_SCORE_EXACT), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, q2, " 4\n", LLMK_SCORE_EXACT), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, q2, "44", LLMK_SCORE_EXACT), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, "PARIS", LLMK_SCORE_CONTAINS), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, "London", LLMK_SCORE_CONTAINS), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, "Paris\\.$", LLMK_SCORE_REGEX), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, NULL, LLMK_SCORE_JSON), LLMK_OK); /* not JSON */
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	assert_true(llmk_compare_score(f->cmp, 0, 0, 0) == 1);
	assert_true(llmk_compare_score(f->cmp, 0, 1, 0) == 1);
	assert_true(llmk_compare_score(f->cmp, 0, 2, 0) == 0);
	assert_true(llmk_compare_score(f->cmp, 0, 3, 0) == 1);
	assert_true(llmk_compare_score(f->cmp, 0, 4, 0) == 0);
	assert_true(llmk_compare_score(f->cmp, 0, 5, 0) == 1);
	assert_true(llmk_compare_score(f->cmp, 0, 6, 0) == 0);
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_SCORE) - 4.0 / 7) < 1e-9);
	llmk_request_free(q2);
}

typedef struct stopper {
	llmk_cancel *flag;
	int calls;
	double t_trigger;
} stopper;

static void stop_on_first(const llmk_compare *cmp, size_t model, size_t kase, size_t run, const llmk_response *r,
                          void *user)
{
	stopper *st = user;

	(void)cmp, (void)model, (void)kase, (void)run, (void)r;
	if (st->calls++ == 0) {
		llmk_cancel_trigger(st->flag);
		st->t_trigger = now_ms();
	}
}

static void test_cancel_flag_stops_the_run(void **state)
{
	fixture *f = *state;
	stopper st = {NULL, 0, 0};
	double t0, after;

	f->m[0].delay_ms = 50;
	f->m[1].delay_ms = 5000;
	assert_int_equal(llmk_cancel_new(&st.flag), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "fast"), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[1].c, "slow"), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, "paris", LLMK_SCORE_CONTAINS), LLMK_OK);
	assert_int_equal(llmk_compare_set_cancel(f->cmp, st.flag), LLMK_OK);
	t0 = now_ms();
	assert_int_equal(llmk_compare_run(f->cmp, stop_on_first, &st), LLMK_E_CANCELLED);
	after = now_ms() - st.t_trigger;
	print_message("run ended %.1f ms after the flag went up (%.0f ms in all)\n", after, now_ms() - t0);
	assert_true(after < 100 + time_slack(50));
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "1 of 2 runs"));
	/* every run was reported: the finished one, and the cancelled one */
	assert_int_equal(st.calls, 2);
	assert_int_equal(llmk_response_status(llmk_compare_response(f->cmp, 0, 0, 0)), LLMK_OK);
	assert_true(llmk_compare_score(f->cmp, 0, 0, 0) == 1);
	assert_int_equal(llmk_response_status(llmk_compare_response(f->cmp, 1, 0, 0)), LLMK_E_CANCELLED);
	assert_true(llmk_compare_score(f->cmp, 1, 0, 0) == 0);
	assert_int_equal(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_OK), 1);
	/* lowered again, a run goes through (with the third server: the slow
	 * one is still holding its cancelled request) */
	llmk_cancel_reset(st.flag);
	llmk_compare_free(f->cmp);
	assert_int_equal(llmk_compare_new(&f->cmp), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "fast"), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[2].c, "third"), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, "paris", LLMK_SCORE_CONTAINS), LLMK_OK);
	assert_int_equal(llmk_compare_set_cancel(f->cmp, st.flag), LLMK_OK);
	st.calls = 1; /* no trigger this time */
	assert_int_equal(llmk_compare_run(f->cmp, stop_on_first, &st), LLMK_OK);
	assert_int_equal(llmk_compare_metric(f->cmp, 1, LLMK_METRIC_OK), 1);
	assert_int_equal(llmk_compare_set_cancel(NULL, st.flag), LLMK_E_INVALID_ARG);
	llmk_cancel_free(st.flag);
}

/* llmk_response_cost() on its own: a priced answer, an unknown model, an
 * answer without usage, bad arguments; and -1 in the figures when a model
 * has no price. */
static void test_response_cost(void **state)
{
	fixture *f = *state;
	llmk_response *r;
	llmk_client *unpriced;
	double usd = 0;

	assert_int_equal(llmk_send(f->m[0].c, f->req, &r), LLMK_OK);
	assert_int_equal(llmk_response_cost(r, &usd), LLMK_OK);
	assert_true(fabs(usd - one_answer_cost("openai/gpt-5-mini")) < 1e-15);
	assert_int_equal(llmk_response_cost(r, NULL), LLMK_E_INVALID_ARG);
	llmk_response_free(r);
	assert_int_equal(llmk_response_cost(NULL, &usd), LLMK_E_INVALID_ARG);
	assert_true(usd == -1);

	/* a model the table does not know, answering with a model name it
	 * does not know either */
	unpriced = client_at("openai/no-such-model", f->m[2].srv);
	f->m[2].reported = "no-such-model-2030-01-01";
	assert_int_equal(llmk_send(unpriced, f->req, &r), LLMK_OK);
	assert_int_equal(llmk_response_cost(r, &usd), LLMK_E_NOT_FOUND);
	assert_true(usd == -1);
	llmk_response_free(r);
	assert_int_equal(llmk_compare_add_client(f->cmp, unpriced, NULL), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, NULL, LLMK_SCORE_NONE), LLMK_OK);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_COST_USD) == -1);

	/* a failed answer of a priced model has no usage to price */
	f->m[0].fail = 1;
	assert_int_equal(llmk_send(f->m[0].c, f->req, &r), LLMK_E_SERVER);
	assert_int_equal(llmk_response_cost(r, &usd), LLMK_E_INVALID_ARG);
	llmk_response_free(r);
	llmk_compare_free(f->cmp);
	f->cmp = NULL;
	llmk_client_free(unpriced);
}

/* ---- statistics -------------------------------------------------------------------- */

static llmk_request *q_req(int n)
{
	llmk_request *r;
	char prompt[16];

	snprintf(prompt, sizeof(prompt), "q%d", n);
	llmk_request_new(&r, LLMK_CHAT);
	llmk_request_add_message(r, LLMK_ROLE_USER, prompt);
	return r;
}

/* Cases q1..qn scored "exact ok"; the requests go in reqs[] (freed by the
 * caller). */
static void add_q_cases(llmk_compare *cmp, llmk_request **reqs, int n)
{
	for (int i = 0; i < n; i++) {
		reqs[i] = q_req(i + 1);
		assert_int_equal(llmk_compare_add_case(cmp, reqs[i], "ok", LLMK_SCORE_EXACT), LLMK_OK);
	}
}

static void free_reqs(llmk_request **reqs, int n)
{
	for (int i = 0; i < n; i++)
		llmk_request_free(reqs[i]);
}

/* The test's own type-7 quantile (R / numpy "linear"), written apart from
 * lib/features/stats.c. */
static double quantile7(const double *sorted, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)pos;
	return i + 1 < n ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Ten cases answered after 30, 60, ..., 300 ms, seven right and three
 * wrong, then three of them failing: percentiles, pass rate with its
 * Wilson interval, standard error, costs per request and per correct
 * answer, error rate by status, all against figures worked by hand. */
static void test_statistics_by_hand(void **state)
{
	fixture *f = *state;
	llmk_request *reqs[10];
	double lat[10], c, lo, hi;

	f->m[0].per_case_delay_ms = 30;
	f->m[0].pass_mask = 0x7F; /* q1..q7 right */
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "m"), LLMK_OK);
	add_q_cases(f->cmp, reqs, 10);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);

	/* percentiles of the measured latencies, computed here ... */
	for (int k = 0; k < 10; k++)
		lat[k] = llmk_response_timing(llmk_compare_response(f->cmp, 0, (size_t)k, 0), LLMK_TIMING_TOTAL_MS);
	qsort(lat, 10, sizeof(double), by_value);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_LATENCY_P50_MS) == quantile7(lat, 10, 0.5));
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_LATENCY_MS) == quantile7(lat, 10, 0.5));
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_LATENCY_P90_MS) == quantile7(lat, 10, 0.9));
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_LATENCY_P99_MS) == quantile7(lat, 10, 0.99));
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_LATENCY_MIN_MS) == lat[0]);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_LATENCY_MAX_MS) == lat[9]);
	/* ... and of the delays the server was given: 30..300 ms, p50 = 165,
	 * p90 = 270 + 0.1 x 30 = 273, p99 = 270 + 0.91 x 30 = 297.3 */
	{
		static const double want[5][2] = {{LLMK_METRIC_LATENCY_P50_MS, 165},
		                                  {LLMK_METRIC_LATENCY_P90_MS, 273},
		                                  {LLMK_METRIC_LATENCY_P99_MS, 297.3},
		                                  {LLMK_METRIC_LATENCY_MIN_MS, 30},
		                                  {LLMK_METRIC_LATENCY_MAX_MS, 300}};
		for (int i = 0; i < 5; i++) {
			double v = llmk_compare_metric(f->cmp, 0, (int32_t)want[i][0]);
			print_message("metric %d: %.1f ms (delays alone: %.1f)\n", (int)want[i][0], v, want[i][1]);
			assert_true(v >= want[i][1]);
			if (strict_timing())
				assert_true(v < want[i][1] + 60);
		}
	}
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_TTFT_P90_MS) == -1); /* not streamed */
	/* 7 of 10 pass: Wilson 95 % [0.3968, 0.8922] (worked by hand:
	 * centre 0.89207 / 1.38415 = 0.64449, half-width 0.24772) */
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_SCORED) == 10);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_PASSED) == 7);
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_PASS_RATE) - 0.7) < 1e-12);
	lo = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_PASS_RATE_LOW);
	hi = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_PASS_RATE_HIGH);
	print_message("pass rate 0.7, Wilson 95%% [%.4f, %.4f]\n", lo, hi);
	assert_true(fabs(lo - 0.3968) < 1e-4 && fabs(hi - 0.8922) < 1e-4);
	/* scores 1 x7, 0 x3: sd = sqrt(2.1 / 9) = 0.48305, se = sd / sqrt(10) = 0.15275 */
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_SCORE_STDERR) - 0.152753) < 1e-6);
	/* cost: every answer costs c; 10 runs, 7 right */
	c = one_answer_cost("openai/gpt-5-mini");
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_COST_PER_1K_REQUESTS) - 1000 * c) < 1e-12);
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_COST_PER_CORRECT) - 10 * c / 7) < 1e-12);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_ERROR_RATE) == 0);
	assert_int_equal(llmk_compare_status_count(f->cmp, 0, LLMK_OK), 10);

	/* q8..q10 now fail (HTTP 500): 3 errors of 10, scored 0 */
	f->m[0].fail_mask = 0x380;
	f->m[0].per_case_delay_ms = 0;
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_ERROR_RATE) - 0.3) < 1e-12);
	assert_int_equal(llmk_compare_status_count(f->cmp, 0, LLMK_OK), 7);
	assert_int_equal(llmk_compare_status_count(f->cmp, 0, LLMK_E_SERVER), 3);
	assert_int_equal(llmk_compare_status_count(f->cmp, 0, LLMK_E_TIMEOUT), 0);
	assert_int_equal(llmk_compare_status_count(f->cmp, 5, LLMK_OK), 0);
	/* the failed runs cost nothing: 7 c per 10 runs, 7 c per 7 right */
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_COST_PER_1K_REQUESTS) - 700 * c) < 1e-12);
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_COST_PER_CORRECT) - c) < 1e-12);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_PASSED) == 7);
	/* a stricter pass mark changes nothing for 0/1 scores */
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_PASS_PERCENT, 100), LLMK_OK);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_PASSED) == 7);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_PASS_PERCENT, 101), LLMK_E_INVALID_ARG);
	free_reqs(reqs, 10);
}

/* Paired differences on the same six cases. Scores: A right on 1-4 and 6,
 * B on 1 and 3; differences 0,1,0,1,0,1: mean 0.5, sd = sqrt(1.5 / 5) =
 * 0.547723, se = 0.223607, t(0.975, 5) = 2.570582, so 0.5 +- 0.574800. */
static void test_paired_differences_by_hand(void **state)
{
	fixture *f = *state;
	llmk_request *reqs[6];
	double mean, lo, hi;
	size_t n;

	f->m[0].pass_mask = 0x2F;
	f->m[0].delay_ms = 20;
	f->m[1].pass_mask = 0x05;
	f->m[1].delay_ms = 150;
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "A"), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[1].c, "B"), LLMK_OK);
	add_q_cases(f->cmp, reqs, 6);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_REPEAT, 2), LLMK_OK);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, &n, f->cmp, 0, 1, LLMK_METRIC_SCORE), LLMK_OK);
	print_message("A - B score: %.6f [%.6f, %.6f] over %zu cases\n", mean, lo, hi, n);
	assert_int_equal(n, 6);
	assert_true(fabs(mean - 0.5) < 1e-12);
	assert_true(fabs(lo - (0.5 - 0.574800)) < 2e-6 && fabs(hi - (0.5 + 0.574800)) < 2e-6);
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, NULL, f->cmp, 0, 1, LLMK_METRIC_PASS_RATE), LLMK_OK);
	assert_true(fabs(mean - 0.5) < 1e-12);
	/* against itself: 0 +- 0 */
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, &n, f->cmp, 1, 1, LLMK_METRIC_SCORE), LLMK_OK);
	assert_true(mean == 0 && lo == 0 && hi == 0);
	/* latency: A about 130 ms faster on every case, the interval around it */
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, &n, f->cmp, 0, 1, LLMK_METRIC_LATENCY_MS), LLMK_OK);
	print_message("A - B latency: %.1f ms [%.1f, %.1f]\n", mean, lo, hi);
	if (strict_timing())
		assert_true(mean < -130 + 40 && mean > -130 - 40);
	assert_true(lo <= mean && mean <= hi);
	/* cost: the same tokens at each model's price (gpt-5-mini vs gpt-5.1),
	 * identical on every case: the interval has no width */
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, &n, f->cmp, 0, 1, LLMK_METRIC_COST_USD), LLMK_OK);
	assert_true(fabs(mean - (one_answer_cost("openai/gpt-5-mini") - one_answer_cost("openai/gpt-5.1"))) < 1e-12);
	assert_true(fabs(hi - lo) < 1e-12);
	/* bad arguments */
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, &n, f->cmp, 0, 2, LLMK_METRIC_SCORE), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, &n, f->cmp, 0, 1, LLMK_METRIC_RUNS), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_compare_paired(NULL, &lo, &hi, &n, f->cmp, 0, 1, LLMK_METRIC_SCORE), LLMK_E_INVALID_ARG);
	free_reqs(reqs, 6);
	/* one case: a difference but no interval */
	llmk_compare_free(f->cmp);
	assert_int_equal(llmk_compare_new(&f->cmp), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "A"), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[1].c, "B"), LLMK_OK);
	add_q_cases(f->cmp, reqs, 2);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	f->m[1].fail = 1;
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, &n, f->cmp, 0, 1, LLMK_METRIC_SCORE), LLMK_OK);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	/* B failed everything: scored 0, so the score pairs remain; latency
	 * has no pair at all */
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, &n, f->cmp, 0, 1, LLMK_METRIC_SCORE), LLMK_OK);
	assert_int_equal(n, 2);
	assert_int_equal(llmk_compare_paired(&mean, &lo, &hi, &n, f->cmp, 0, 1, LLMK_METRIC_LATENCY_MS),
	                 LLMK_E_NOT_FOUND);
	assert_int_equal(n, 0);
	free_reqs(reqs, 2);
}

/* Per-model concurrency: 8 runs of 100 ms, 2 at a time, take about
 * 400 ms (4 rounds) and never more than 2 reach the server at once;
 * throughput is 8 runs over that wall time. */
static void test_concurrency_and_throughput(void **state)
{
	fixture *f = *state;
	double wall, rps, tps;

	f->m[0].delay_ms = 100;
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "m"), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, NULL, LLMK_SCORE_NONE), LLMK_OK);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_REPEAT, 8), LLMK_OK);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_CONCURRENCY, 2), LLMK_OK);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_CONCURRENCY, -1), LLMK_E_INVALID_ARG);
	{ /* warm up */
		llmk_response *r;
		llmk_send(f->m[2].c, f->req, &r);
		llmk_response_free(r);
	}
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	wall = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_WALL_MS);
	rps = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_THROUGHPUT_RPS);
	tps = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_THROUGHPUT_TOKENS_PER_S);
	print_message("8 x 100 ms, 2 at a time: %.0f ms, %.2f requests/s, %.1f output tokens/s\n", wall, rps, tps);
	assert_int_equal(th_max_concurrent(f->m[0].srv), 2);
	assert_true(wall >= 400);
	if (strict_timing())
		assert_true(wall < 400 + 200);
	assert_true(fabs(rps - 8 / (wall / 1000)) < 1e-9);
	assert_true(fabs(tps - 8 * 50 / (wall / 1000)) < 1e-9);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_OK) == 8);
	/* unlimited: all 8 at once, about 100 ms */
	th_reset(f->m[0].srv);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_CONCURRENCY, 0), LLMK_OK);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	wall = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_WALL_MS);
	print_message("8 x 100 ms at once: %.0f ms\n", wall);
	assert_true(wall >= 100);
	if (strict_timing())
		assert_true(wall < 100 + 200);
	assert_true(th_max_concurrent(f->m[0].srv) > 2);
}

/* Cancelled under per-model concurrency: the runs never started are
 * reported as cancelled too. */
static void test_concurrency_cancel_reports_every_run(void **state)
{
	fixture *f = *state;
	stopper st = {NULL, 0, 0};

	f->m[0].delay_ms = 50;
	assert_int_equal(llmk_cancel_new(&st.flag), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "m"), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, "paris", LLMK_SCORE_CONTAINS), LLMK_OK);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_REPEAT, 6), LLMK_OK);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_CONCURRENCY, 1), LLMK_OK);
	assert_int_equal(llmk_compare_set_cancel(f->cmp, st.flag), LLMK_OK);
	assert_int_equal(llmk_compare_run(f->cmp, stop_on_first, &st), LLMK_E_CANCELLED);
	assert_int_equal(st.calls, 6);
	assert_int_equal(llmk_compare_status_count(f->cmp, 0, LLMK_OK), 1);
	assert_int_equal(llmk_compare_status_count(f->cmp, 0, LLMK_E_CANCELLED), 5);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_PASS_RATE) == 1.0 / 6);
	llmk_cancel_free(st.flag);
}

/* ---- the judge ------------------------------------------------------------------------ */

typedef struct judge_srv {
	th_server *srv;
	llmk_client *c;
	int fail; /* HTTP 500 */
} judge_srv;

/* A judge that grades by whether the answer to grade names Paris: 9 or 2,
 * with a reason; 200 input and 20 output tokens a verdict. */
static void judge_handler(const th_request *rq, th_response *out, void *user)
{
	judge_srv *j = user;
	const char *b = (const char *)rq->body, *ans = b ? strstr(b, "Answer to grade:") : NULL;
	char *body = malloc(2048);
	int paris = ans && strstr(ans, "Paris") != NULL;

	out->status = j->fail ? 500 : 200;
	out->headers = strdup("Content-Type: application/json\r\n");
	if (j->fail)
		snprintf(body, 2048, "{\"error\":{\"message\":\"judge down\",\"type\":\"server_error\"}}");
	else
		snprintf(body, 2048,
		         "{\"id\":\"j\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-5-mini-2025-08-"
		         "07\","
		         "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
		         "\"{\\\"score\\\": %d, \\\"reason\\\": \\\"%s\\\"}\"},\"finish_reason\":\"stop\"}],"
		         "\"usage\":{\"prompt_tokens\":200,\"completion_tokens\":20,\"total_tokens\":220}}",
		         paris ? 9 : 2, paris ? "names Paris" : "wrong city");
	out->body = body;
}

static void test_judge_scores_with_rubric_cache_and_cost(void **state)
{
	fixture *f = *state;
	judge_srv j = {0};
	double want_judge, c;
	int sent = 0;
	char path[128];
#ifndef LLMK_TEST_HAVE_JUDGE
	skip(); /* -Djudge=disabled */
#endif

	j.srv = th_start();
	th_set_handler(j.srv, judge_handler, &j);
	j.c = client_at("openai/gpt-5-mini", j.srv);
	f->m[1].wrong = 1;
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "right"), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[1].c, "wrong"), LLMK_OK);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, NULL, LLMK_SCORE_JUDGE), LLMK_OK);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_REPEAT, 2), LLMK_OK);
	/* no judge: a configuration error */
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_E_CONFIG);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "judge"));
	assert_int_equal(llmk_compare_set_judge(f->cmp, j.c, "Score 9 if the answer is Paris."), LLMK_OK);
	assert_int_equal(llmk_compare_set_rubric(f->cmp, 0, "The capital of France is Paris: 9 for it."), LLMK_OK);
	assert_int_equal(llmk_compare_set_rubric(f->cmp, 1, "x"), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	/* 9 / 10 and 2 / 10, with the judge's reasons */
	for (size_t run = 0; run < 2; run++) {
		assert_true(fabs(llmk_compare_score(f->cmp, 0, 0, run) - 0.9) < 1e-12);
		assert_true(fabs(llmk_compare_score(f->cmp, 1, 0, run) - 0.2) < 1e-12);
		assert_string_equal(llmk_compare_judge_reason(f->cmp, 0, 0, run), "names Paris");
		assert_string_equal(llmk_compare_judge_reason(f->cmp, 1, 0, run), "wrong city");
		sent += llmk_compare_judge_response(f->cmp, 0, 0, run) != NULL;
	}
	/* each model's two identical answers were judged once */
	assert_int_equal(th_request_count(j.srv), 2);
	assert_int_equal(sent, 1);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_JUDGE_CALLS) == 1);
	/* the request: the case's rubric (not the default one), the question, the
	 * answer, and a JSON schema for the verdict */
	{
		const char *body = (const char *)th_request_at(j.srv, 0)->body;
		assert_non_null(strstr(body, "The capital of France is Paris: 9 for it."));
		assert_null(strstr(body, "Score 9 if"));
		assert_non_null(strstr(body, "What is the capital of France?"));
		assert_non_null(strstr(body, "\"json_schema\""));
	}
	/* the judge's cost apart: one verdict of 200 + 20 tokens at gpt-5-mini's
	 * prices per model; the models' own cost does not include it */
	want_judge = (200 * 0.25 + 20 * 2.0) / 1e6;
	c = llmk_compare_metric(f->cmp, 0, LLMK_METRIC_JUDGE_COST_USD);
	print_message("judge cost per model %.8f (want %.8f)\n", c, want_judge);
	assert_true(fabs(c - want_judge) < 1e-15);
	assert_true(fabs(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_COST_USD) -
	                 2 * one_answer_cost("openai/gpt-5-mini")) < 1e-12);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_PASS_RATE) == 1);
	assert_true(llmk_compare_metric(f->cmp, 1, LLMK_METRIC_PASS_RATE) == 0);

	/* the cache lives for one run: running again asks again */
	th_reset(j.srv);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	assert_int_equal(th_request_count(j.srv), 2);

	/* a failing judge: the answers stay good, unscored, the reason says why */
	j.fail = 1;
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	assert_int_equal(llmk_response_status(llmk_compare_response(f->cmp, 0, 0, 0)), LLMK_OK);
	assert_true(llmk_compare_score(f->cmp, 0, 0, 0) == -1);
	assert_non_null(strstr(llmk_compare_judge_reason(f->cmp, 0, 0, 0), "judge failed"));
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_ERROR_RATE) == 0);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_SCORED) == 0);
	assert_true(llmk_compare_metric(f->cmp, 0, LLMK_METRIC_JUDGE_COST_USD) == 0);

	/* a dataset: "scorer": "judge" with a rubric of its own */
	j.fail = 0;
	th_reset(j.srv);
	llmk_compare_free(f->cmp);
	assert_int_equal(llmk_compare_new(&f->cmp), LLMK_OK);
	snprintf(path, sizeof(path), "%s/cases.jsonl", f->dir);
	write_file(path, "{\"prompt\": \"What is the capital of France?\", \"scorer\": \"judge\", "
	                 "\"rubric\": \"RUBRIC-FROM-FILE\", \"expected\": \"Paris\"}\n");
	assert_int_equal(llmk_compare_load_jsonl(f->cmp, path), LLMK_OK);
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, "right"), LLMK_OK);
	assert_int_equal(llmk_compare_set_judge(f->cmp, j.c, NULL), LLMK_OK);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_OK);
	assert_true(fabs(llmk_compare_score(f->cmp, 0, 0, 0) - 0.9) < 1e-12);
	assert_non_null(strstr((const char *)th_request_at(j.srv, 0)->body, "RUBRIC-FROM-FILE"));
	assert_non_null(strstr((const char *)th_request_at(j.srv, 0)->body, "Reference answer:\\nParis"));
	llmk_client_free(j.c);
	th_stop(j.srv);
}

static void test_bad_input(void **state)
{
	fixture *f = *state;
	char path[128];

	assert_int_equal(llmk_compare_new(NULL), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "no models"));
	assert_int_equal(llmk_compare_add_client(f->cmp, f->m[0].c, NULL), LLMK_OK);
	assert_int_equal(llmk_compare_run(f->cmp, NULL, NULL), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "no request"));
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, "(unclosed", LLMK_SCORE_REGEX), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "regular expression"));
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, NULL, LLMK_SCORE_EXACT), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_compare_add_case(f->cmp, f->req, "x", 42), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_compare_set_i64(f->cmp, LLMK_COMPARE_REPEAT, 0), LLMK_E_INVALID_ARG);
	assert_int_equal(llmk_compare_set_i64(f->cmp, 77, 1), LLMK_E_UNKNOWN_OPTION);
	assert_int_equal(llmk_compare_add_model(f->cmp, "nosuchprovider/x"), LLMK_E_UNSUPPORTED);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "nosuchprovider/x"));
	assert_int_equal(llmk_compare_add_model(f->cmp, "ollama/llama3.2"), LLMK_OK); /* a client it owns */
	assert_int_equal(llmk_compare_model_count(f->cmp), 2);
	/* files: missing, not JSON (line named), bad scorer; nothing is added */
	assert_int_equal(llmk_compare_load_jsonl(f->cmp, "/nonexistent/cases.jsonl"), LLMK_E_NOT_FOUND);
	snprintf(path, sizeof(path), "%s/cases.jsonl", f->dir);
	write_file(path, "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"\n");
	assert_int_equal(llmk_compare_load_jsonl(f->cmp, path), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "line 2"));
	assert_int_equal(llmk_compare_case_count(f->cmp), 0);
	write_file(path, "{\"prompt\": \"a\", \"expected\": \"x\", \"scorer\": \"fuzzy\"}\n");
	assert_int_equal(llmk_compare_load_jsonl(f->cmp, path), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "line 1"));
	write_file(path, "{\"expected\": \"x\"}\n");
	assert_int_equal(llmk_compare_load_jsonl(f->cmp, path), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "\"prompt\""));
	write_file(path, "# only a comment\n\n");
	assert_int_equal(llmk_compare_load_jsonl(f->cmp, path), LLMK_E_INVALID_ARG);
	assert_non_null(strstr(llmk_compare_errmsg(f->cmp), "no cases"));
	assert_int_equal(llmk_compare_case_count(f->cmp), 0);
	llmk_compare_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_three_models_side_by_side, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_streamed_time_to_first_token, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_evaluate_dataset, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_scorers_one_by_one, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel_flag_stops_the_run, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_response_cost, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_statistics_by_hand, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_paired_differences_by_hand, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_concurrency_and_throughput, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_concurrency_cancel_reports_every_run, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_judge_scores_with_rubric_cache_and_cost, setup, teardown),
	};
	return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
