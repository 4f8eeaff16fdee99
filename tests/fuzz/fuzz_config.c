/* libFuzzer target: hostile configuration, through the public API only
 * (issue 16). The input is a set of configuration values -- client options
 * (api_key, organization, project, user_agent, api_version, base_url,
 * model, the AWS credentials and region, ca_bundle), the request's model,
 * and the provider's environment variables (its key and base URL
 * variables, the AWS ones, OPENAI_API_VERSION) -- each set the way a
 * program would, whatever the setter says. A request is then sent through
 * a transport that checks what reached it:
 *
 *   no control character (C0 or DEL) in the URL, in a header name or in a
 *   header value, and no ':' or space in a header name
 *
 * -- an extra header line or request line of the input's making is the
 * finding. Byte 0 picks the provider (llmk_provider_name()) and the
 * request kind; the rest is the values, separated by 0xFF (a NUL ends a
 * value as it ends a C string). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "llmkit.h"

static int clean(const char *s, int name)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return 1;
	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (name && (*p == ':' || *p == ' ')))
			return 0;
	return 1;
}

static int32_t check_send(llmk_exchange *ex, void *user)
{
	static const char ok[] = "{}";
	size_t i;

	(void)user;
	FUZZ_CHECK(clean(llmk_exchange_url(ex), 0));
	for (i = 0; i < llmk_exchange_header_count(ex); i++) {
		FUZZ_CHECK(clean(llmk_exchange_header_name(ex, i), 1));
		FUZZ_CHECK(clean(llmk_exchange_header_value(ex, i), 0));
	}
	if (llmk_exchange_set_status(ex, 200) || llmk_exchange_add_header(ex, "Content-Type", "application/json"))
		return LLMK_E_CANCELLED;
	llmk_exchange_write(ex, (const uint8_t *)ok, sizeof(ok) - 1);
	return LLMK_OK;
}

enum {
	V_ENV_KEY,
	V_ENV_URL,
	V_ENV_AWS_ID,
	V_ENV_AWS_SECRET,
	V_ENV_AWS_TOKEN,
	V_ENV_AWS_REGION,
	V_ENV_VERSION,
	V_MODEL,
	V_REQ_MODEL,
	V_FIRST_OPTION
};

static const int32_t options[] = {LLMK_OPT_API_KEY,
                                  LLMK_OPT_ORGANIZATION,
                                  LLMK_OPT_PROJECT,
                                  LLMK_OPT_USER_AGENT,
                                  LLMK_OPT_API_VERSION,
                                  LLMK_OPT_BASE_URL,
                                  LLMK_OPT_MODEL,
                                  LLMK_OPT_AWS_ACCESS_KEY_ID,
                                  LLMK_OPT_AWS_SECRET_ACCESS_KEY,
                                  LLMK_OPT_AWS_SESSION_TOKEN,
                                  LLMK_OPT_AWS_REGION,
                                  LLMK_OPT_CA_BUNDLE};

#define NVALUES (V_FIRST_OPTION + sizeof(options) / sizeof(options[0]))

static void set_env(const char *name, const char *v)
{
	if (!name)
		return;
	if (v)
		setenv(name, v, 1);
	else
		unsetenv(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *val[NVALUES], model[300];
	const char *prov, *v;
	size_t i, k = 0, start;
	llmk_client *c = NULL;
	llmk_request *r = NULL;
	llmk_response *resp = NULL;
	llmk_transport t;
	int32_t kind;

	if (size < 1 || !llmk_provider_count())
		return 0;
	prov = llmk_provider_name(data[0] % llmk_provider_count());
	kind = (data[0] >> 5) % 2 ? LLMK_EMBED : LLMK_CHAT;
	if (llmk_provider_capabilities(prov, kind) <= 0)
		kind = LLMK_CHAT;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	memset(val, 0, sizeof(val));
	for (i = 0, start = 0; i < size && k < NVALUES; i++)
		if (i == size - 1 || (unsigned char)buf[i] == 0xFF) {
			buf[i] = '\0';
			if (i > start)
				val[k] = buf + start;
			k++;
			start = i + 1;
		}

	set_env(llmk_provider_key_env(prov), val[V_ENV_KEY]);
	set_env(llmk_provider_url_env(prov), val[V_ENV_URL]);
	set_env("AWS_ACCESS_KEY_ID", val[V_ENV_AWS_ID]);
	set_env("AWS_SECRET_ACCESS_KEY", val[V_ENV_AWS_SECRET]);
	set_env("AWS_SESSION_TOKEN", val[V_ENV_AWS_TOKEN]);
	set_env("AWS_REGION", val[V_ENV_AWS_REGION]);
	set_env("OPENAI_API_VERSION", val[V_ENV_VERSION]);
	snprintf(model, sizeof(model), "%s/%s", prov, val[V_MODEL] ? val[V_MODEL] : "m");
	if (llmk_client_new(&c, model) != LLMK_OK)
		goto out;
	llmk_transport_init(&t);
	t.send = check_send;
	if (llmk_client_set_transport(c, &t, NULL) != LLMK_OK)
		goto out;
	/* The base URL must look like one for the setter to take it; a
	 * second form keeps the input's own bytes after a valid start. */
	llmk_client_set_str(c, LLMK_OPT_BASE_URL, "http://127.0.0.1:9/v1");
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		char url[600];
		v = val[V_FIRST_OPTION + i];
		if (!v)
			continue;
		if (options[i] == LLMK_OPT_BASE_URL && strncmp(v, "http", 4)) {
			snprintf(url, sizeof(url), "http://%s", v);
			v = url;
		}
		llmk_client_set_str(c, options[i], v); /* refused or not: either way */
	}
	llmk_client_set_i64(c, LLMK_OPT_MAX_RETRIES, 0);
	if (llmk_request_new(&r, kind) != LLMK_OK)
		goto out;
	if (kind == LLMK_CHAT)
		llmk_request_add_message(r, LLMK_ROLE_USER, "hi");
	else
		llmk_request_add_input(r, "hi");
	if (val[V_REQ_MODEL])
		llmk_request_set_str(r, LLMK_OPT_MODEL, val[V_REQ_MODEL]);
	llmk_send(c, r, &resp);
	FUZZ_CHECK(resp != NULL);
	/* Whatever went wrong, the message never carries a control character
	 * of the input (it names options and variables, never their values). */
	FUZZ_CHECK(clean(llmk_client_errmsg(c), 0));
out:
	llmk_response_free(resp);
	llmk_request_free(r);
	llmk_client_free(c);
	free(buf);
	return 0;
}
