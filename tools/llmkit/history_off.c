/* llmkit built without SQLite (libsqlite3-dev missing at build time): the
 * history records nothing and `llmkit logs` says why (history.h). */
#include "history.h"

static int unsupported(const char *cmd)
{
	cli_error(cmd, "this llmkit was built without SQLite (libsqlite3-dev): no history");
	return EXIT_CONFIG;
}

void cli_history_chat(const char *cmd, const llmk_client *c, const llmk_request *r, const llmk_response *resp,
                      int exit_status)
{
	(void)cmd, (void)c, (void)r, (void)resp, (void)exit_status;
}

void cli_history_compare(const char *cmd, const llmk_compare *cmp, size_t repeat, const char *source, int exit_status)
{
	(void)cmd, (void)cmp, (void)repeat, (void)source, (void)exit_status;
}

int cli_history_trend(const char *cmd, const char *const *models, size_t nmodels, int format)
{
	(void)models, (void)nmodels, (void)format;
	return unsupported(cmd);
}

int cmd_logs(int argc, char **argv)
{
	(void)argc, (void)argv;
	return unsupported("logs");
}
