/* Status mapping (see status.h) and the status table's names and messages. */
#include "status.h"

llmk_status llmk__status_from_http(int32_t http_status)
{
	switch (http_status) {
	case 400:
	case 422: return LLMK_E_BAD_REQUEST;
	case 401: return LLMK_E_AUTH;
	case 403: return LLMK_E_PERMISSION;
	case 404: return LLMK_E_NOT_FOUND;
	case 408:
	case 504: return LLMK_E_TIMEOUT;
	case 413: return LLMK_E_TOO_LARGE;
	case 429: return LLMK_E_RATE_LIMITED;
	case 503:
	case 529: return LLMK_E_OVERLOADED;
	default: break;
	}
	if (http_status >= 500)
		return LLMK_E_SERVER;
	if (http_status >= 400)
		return LLMK_E_BAD_REQUEST;
	return LLMK_E_PROTOCOL; /* 1xx/3xx where a final answer was expected */
}

int llmk__http_retryable(int32_t h)
{
	return h == 408 || h == 409 || h == 429 || (h >= 500 && h <= 599 && h != 501 && h != 505);
}

#define LLMK__NAME_CASE(name, value, msg) \
	case value: return "LLMK_" #name;
const char *llmk_status_name(int32_t status)
{
	switch (status) {
		LLMK_STATUS_TABLE(LLMK__NAME_CASE)
	default: return "LLMK_E_UNKNOWN_STATUS";
	}
}

#define LLMK__MSG_CASE(name, value, msg) \
	case value: return msg;
const char *llmk_strerror(int32_t status)
{
	switch (status) {
		LLMK_STATUS_TABLE(LLMK__MSG_CASE)
	default: return "unknown status code";
	}
}
