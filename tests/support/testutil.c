#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fixture ------------------------------------------------------------ */

tu_fixture *tu_fixture_new(const char *model, const char *key, const char *base_url)
{
	tu_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tu_fixture_use(f, model, key, base_url);
	return f;
}

void tu_fixture_use(tu_fixture *f, const char *model, const char *key, const char *base_url)
{
	llmk_client_free(f->c);
	capture_reset(&f->cap);
	memset(&f->cap, 0, sizeof(f->cap));
	f->key = key;
	assert_int_equal(llmk_client_new(&f->c, model), LLMK_OK);
	if (key)
		assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_API_KEY, key), LLMK_OK);
	if (base_url)
		assert_int_equal(llmk_client_set_str(f->c, LLMK_OPT_BASE_URL, base_url), LLMK_OK);
	capture_install(f->c, &f->cap);
}

int tu_teardown(void **state)
{
	tu_fixture *f = *state;

	llmk_client_free(f->c);
	free(f->owned);
	free(f);
	return 0;
}

/* ---- what was sent ------------------------------------------------------- */

json_t *sent_json(const capture *cap)
{
	json_error_t err;
	json_t *j = json_loadb((const char *)cap->body, cap->body_len, 0, &err);

	if (!j)
		fail_msg("request body is not JSON: %s\n%s", err.text, cap->body);
	return j;
}

json_t *jget(json_t *j, const char *path)
{
	char buf[256], *tok, *save;
	json_t *cur = j;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
		cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(tok)) : json_object_get(cur, tok);
	return cur;
}

const char *jstr(json_t *j, const char *path)
{
	return json_string_value(jget(j, path));
}

json_int_t jint(json_t *j, const char *path)
{
	json_t *v = jget(j, path);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", path);
	return json_integer_value(v);
}

double jnum(json_t *j, const char *path)
{
	json_t *v = jget(j, path);

	if (!json_is_number(v))
		fail_msg("%s is not a number", path);
	return json_number_value(v);
}

const char *body_find(const capture *cap, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= cap->body_len; i++)
		if (!memcmp(cap->body + i, needle, n))
			return (const char *)cap->body + i;
	return NULL;
}

/* ---- requests and answers ----------------------------------------------- */

llmk_request *chat_request(const char *text)
{
	llmk_request *r;

	assert_int_equal(llmk_request_new(&r, LLMK_CHAT), LLMK_OK);
	assert_int_equal(llmk_request_add_message(r, LLMK_ROLE_USER, text), LLMK_OK);
	return r;
}

int is_call_id(const char *id)
{
	size_t i;

	if (!id || strlen(id) != 29 || strncmp(id, "call_", 5))
		return 0;
	for (i = 5; i < 29; i++)
		if (!strchr("0123456789abcdef", id[i]))
			return 0;
	return 1;
}

llmk_response *tu_send_error(tu_fixture *f, int http, const char *headers, const char *body, llmk_status want,
                             const char *msg_part)
{
	llmk_request *r = chat_request("hi");
	llmk_response *resp;

	f->cap.status = http;
	f->cap.resp_headers = headers;
	f->cap.resp_body = body;
	assert_int_equal(llmk_send(f->c, r, &resp), want);
	assert_int_equal(llmk_response_status(resp), want);
	assert_int_equal(llmk_response_http_status(resp), http);
	if (msg_part && !strstr(llmk_response_error(resp), msg_part))
		fail_msg("error '%s' lacks '%s'", llmk_response_error(resp), msg_part);
	if (f->key)
		assert_null(strstr(llmk_response_error(resp), f->key));
	llmk_request_free(r);
	f->cap.status = 0;
	f->cap.resp_headers = NULL;
	return resp;
}

uint8_t *read_jfk(size_t *len)
{
	const char *env = getenv("LLMK_SHARED_DATA");
	char path[4096];
	uint8_t *buf;
	FILE *fp;
	long n;

	if (env && *env)
		snprintf(path, sizeof(path), "%s/audio/jfk.wav", env);
	else
		snprintf(path, sizeof(path), "%s/../../../shared/data/audio/jfk.wav", TEST_DATA_DIR);
	if (!(fp = fopen(path, "rb")))
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n);
	if (n <= 0 || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* ---- streams ------------------------------------------------------------- */

void tu_events_init(tu_events *e, unsigned expect)
{
	memset(e, 0, sizeof(*e));
	e->order_ok = 1;
	e->expect = expect;
}

static void note(tu_events *e, char c)
{
	size_t n = strlen(e->seq);

	if (n + 1 < sizeof(e->seq))
		e->seq[n] = c;
	n = strlen(e->runs);
	if (n + 1 < sizeof(e->runs) && (!n || e->runs[n - 1] != c))
		e->runs[n] = c;
}

int32_t tu_on_event(const llmk_event *ev, void *user)
{
	tu_events *e = user;
	int32_t type = llmk_event_type(ev);
	int idx;

	if (type < 0 || type > 31 || !(e->expect & TU_EV(type)))
		fail_msg("unexpected event type %d", type);
	if (e->ndone)
		e->order_ok = 0; /* nothing after DONE */
	switch (type) {
	case LLMK_EVENT_TEXT:
		assert_int_equal(strlen(llmk_event_text(ev)), llmk_event_text_len(ev));
		strncat(e->text, llmk_event_text(ev), sizeof(e->text) - strlen(e->text) - 1);
		e->ntext++;
		note(e, 'T');
		if (e->stop_after && e->ntext >= e->stop_after)
			return 1;
		break;
	case LLMK_EVENT_REASONING:
		strncat(e->reasoning, llmk_event_text(ev), sizeof(e->reasoning) - strlen(e->reasoning) - 1);
		e->nreasoning++;
		note(e, 'R');
		break;
	case LLMK_EVENT_TOOL_CALL:
		idx = llmk_event_tool_index(ev);
		assert_true(idx >= 0 && idx < TU_MAX_TOOLS);
		strncat(e->tool_args[idx], llmk_event_text(ev),
		        sizeof(e->tool_args[idx]) - strlen(e->tool_args[idx]) - 1);
		snprintf(e->tool_name[idx], sizeof(e->tool_name[idx]), "%s", llmk_event_tool_name(ev));
		snprintf(e->tool_id[idx], sizeof(e->tool_id[idx]), "%s", llmk_event_tool_id(ev));
		e->ntool++;
		note(e, 'C');
		break;
	case LLMK_EVENT_USAGE:
		e->usage_in = llmk_event_usage(ev, LLMK_USAGE_INPUT);
		e->usage_out = llmk_event_usage(ev, LLMK_USAGE_OUTPUT);
		e->usage_cached = llmk_event_usage(ev, LLMK_USAGE_CACHED_INPUT);
		e->nusage++;
		note(e, 'U');
		break;
	case LLMK_EVENT_DONE:
		e->ndone++;
		note(e, 'D');
		break;
	case LLMK_EVENT_REFUSAL:
		strncat(e->refusal, llmk_event_text(ev), sizeof(e->refusal) - strlen(e->refusal) - 1);
		e->nrefusal++;
		note(e, 'F');
		break;
	default: fail_msg("unexpected event type %d", type);
	}
	return 0;
}

llmk_status tu_stream(tu_fixture *f, llmk_request *r, const char *headers, const char *body, size_t write_size,
                      tu_events *e, llmk_response **resp)
{
	f->cap.resp_body = body;
	f->cap.resp_headers = headers;
	f->cap.write_size = write_size;
	return llmk_stream(f->c, r, tu_on_event, e, resp);
}
