/*
 * batchd.h - the batch APIs of OpenAI (and Azure OpenAI), Anthropic and
 * Gemini, emulated on the loopback server (httpd.h) as their references
 * describe them (lib/providers/batch_*.c name the pages):
 *
 *   OpenAI   POST /v1/files (multipart, purpose=batch), POST /v1/batches,
 *            GET /v1/batches/{id}, POST /v1/batches/{id}/cancel,
 *            GET /v1/files/{id}/content; Azure: the same under /openai/...
 *            with ?api-version=
 *   Anthropic POST /v1/messages/batches, GET .../{id}, POST .../{id}/cancel,
 *            GET .../{id}/results
 *   Gemini   POST /v1beta/models/{m}:batchGenerateContent,
 *            GET /v1beta/batches/{id}, POST /v1beta/batches/{id}:cancel
 *
 * and the single-request endpoints (/v1/chat/completions, /v1/embeddings,
 * /v1/messages, /v1beta/models/{m}:generateContent) with the same answers,
 * so a test can compare a batch's results with the requests sent one by
 * one. Answers are computed from the request: the text is "echo: " and the
 * last user text; usage counts characters; a request with tools calls the
 * first tool with {"q": text}; a custom id starting with "bad" fails with a
 * 400 invalid_request_error.
 *
 * Each poll of a batch moves it one step: OpenAI validating, in_progress,
 * finalizing, then completed; Anthropic in_progress twice, then ended;
 * Gemini PENDING, RUNNING, then SUCCEEDED. With batchd_expire() a batch
 * ends as expired instead, with only the first half of its requests run;
 * a cancel makes it cancelling (canceling), then cancelled at the next
 * poll, also with only the first half run.
 *
 * Every line uploaded is checked (custom_id, method, url, body) and a bad
 * one refuses the upload with 400, as the services do.
 */
#ifndef LLMKIT_TESTS_BATCHD_H
#define LLMKIT_TESTS_BATCHD_H

#include <stddef.h>

#include "httpd.h"

typedef struct batchd batchd;

batchd *batchd_start(void);
void batchd_stop(batchd *d);
th_server *batchd_server(batchd *d);
/* Batches created from now on end as expired. */
void batchd_expire(batchd *d, int on);
/* The next n polls answer 503 first (a restart of the service). */
void batchd_fail_polls(batchd *d, int n);
/* Polls answered so far (503s included). */
int batchd_polls(batchd *d);
/* Bytes of the last uploaded file (OpenAI), and its number of lines. */
size_t batchd_upload_bytes(batchd *d);
size_t batchd_upload_lines(batchd *d);

#endif
