/* llmk_client_record() / llmk_client_replay() in a build without cassettes
 * (-Dcassette=false, for the smallest firmware builds): the functions stay
 * (the ABI is the same in every build) and say why they cannot work;
 * llmk_features() has no LLMK_FEATURE_CASSETTE. */
#include <stdio.h>

#include "client.h"

static llmk_status unsupported(llmk_client *c)
{
	if (!c)
		return LLMK_E_INVALID_ARG;
	snprintf(c->errmsg, sizeof(c->errmsg), "%s",
	         "this build of libllmkit has no cassettes (built with -Dcassette=false; see llmk_features())");
	return LLMK_E_UNSUPPORTED;
}

llmk_status llmk_client_record(llmk_client *c, const char *path)
{
	(void)path;
	return unsupported(c);
}

llmk_status llmk_client_replay(llmk_client *c, const char *path)
{
	(void)path;
	return unsupported(c);
}
