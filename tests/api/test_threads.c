#define _POSIX_C_SOURCE 200809L
/* One client shared by 8 threads, 500 requests each, against the loopback
 * server: every answer must be the one for its own request (the server
 * echoes the prompt back), nothing may be lost or mixed up. Run under
 * ThreadSanitizer by scripts/test. Sizes can be lowered with
 * LLMK_THREADS_N=threads,requests for a quick look. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "llmkit.h"

#define KEY "sk-test-threads-00000000000000000000"

static void echo_handler(const th_request *rq, th_response *out, void *user)
{
	const char *p = rq->body ? strstr((const char *)rq->body, "\"content\":\"") : NULL;
	char prompt[64];
	size_t n = 0;
	char *body = malloc(512);
	int stream = rq->body && strstr((const char *)rq->body, "\"stream\":true") != NULL;

	(void)user;
	if (p)
		for (p += 11; *p && *p != '"' && n + 1 < sizeof(prompt); p++)
			prompt[n++] = *p;
	prompt[n] = '\0';
	if (stream) {
		snprintf(body, 512,
		         "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
		         "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"echo:\"},\"finish_reason\":null}]}\n\n"
		         "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
		         "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},\"finish_reason\":\"stop\"}]}\n\n"
		         "data: [DONE]\n\n",
		         prompt);
		out->headers = strdup("Content-Type: text/event-stream\r\n");
	} else {
		snprintf(body, 512,
		         "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{"
		         "\"index\":0,"
		         "\"message\":{\"role\":\"assistant\",\"content\":\"echo:%s\"},\"finish_reason\":\"stop\"}],"
		         "\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2,\"total_tokens\":6}}",
		         prompt);
		out->headers = strdup("Content-Type: application/json\r\n");
	}
	out->status = 200;
	out->body = body;
}

typedef struct worker {
	llmk_client *c;
	int id, n, ok, events;
	char first_error[256];
} worker;

static int32_t count_text(const llmk_event *ev, void *user)
{
	worker *w = user;

	if (llmk_event_type(ev) == LLMK_EVENT_TEXT)
		w->events++;
	return 0;
}

static void *work(void *arg)
{
	worker *w = arg;
	char prompt[64], want[80];

	for (int i = 0; i < w->n; i++) {
		llmk_request *r;
		llmk_response *resp = NULL;
		int stream = i % 10 == 9;

		snprintf(prompt, sizeof(prompt), "t%d-r%d", w->id, i);
		snprintf(want, sizeof(want), "echo:%s", prompt);
		if (llmk_request_new(&r, LLMK_CHAT) || llmk_request_add_message(r, LLMK_ROLE_USER, prompt))
			break;
		if (stream)
			llmk_stream(w->c, r, count_text, w, &resp);
		else
			llmk_send(w->c, r, &resp);
		if (resp && llmk_response_status(resp) == LLMK_OK && !strcmp(llmk_response_text(resp), want))
			w->ok++;
		else if (!w->first_error[0])
			snprintf(w->first_error, sizeof(w->first_error), "%s: %s / %s", prompt,
			         resp ? llmk_response_error(resp) : "no response",
			         resp ? llmk_response_text(resp) : "");
		llmk_response_free(resp);
		llmk_request_free(r);
	}
	return NULL;
}

static void test_one_client_eight_threads(void **state)
{
	int nthreads = 8, per = 500, total = 0, events = 0;
	const char *env = getenv("LLMK_THREADS_N");
	th_server *srv = th_start();
	llmk_client *c;
	pthread_t t[64];
	worker w[64];
	char url[96];
	struct timespec t0, t1;

	(void)state;
	if (env && sscanf(env, "%d,%d", &nthreads, &per) != 2)
		nthreads = 8, per = 500;
	if (nthreads < 1 || nthreads > 64)
		nthreads = 8;
	assert_non_null(srv);
	th_set_handler(srv, echo_handler, NULL);
	assert_int_equal(llmk_client_new(&c, "openai/gpt-4o-mini"), LLMK_OK);
	snprintf(url, sizeof(url), "%s/v1", th_url(srv));
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_BASE_URL, url), LLMK_OK);
	assert_int_equal(llmk_client_set_str(c, LLMK_OPT_API_KEY, KEY), LLMK_OK);
	assert_int_equal(llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0), LLMK_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < nthreads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].c = c;
		w[i].id = i;
		w[i].n = per;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		if (w[i].first_error[0])
			print_error("thread %d: %s\n", i, w[i].first_error);
		total += w[i].ok;
		events += w[i].events;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("%d threads x %d requests on one client: %d correct in %.1f s, %u connections\n", nthreads, per,
	              total, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	              th_connection_count(srv));
	assert_int_equal(total, nthreads * per);
	assert_int_equal(events, nthreads * (per / 10) * 2); /* streams: two text events each */
	assert_int_equal((int)th_request_count(srv), nthreads * per);
	/* Connections are pooled per client, not opened per request. */
	assert_true(th_connection_count(srv) <= (unsigned)(nthreads + 8));
	llmk_client_free(c);
	th_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_one_client_eight_threads),
	};
	return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
