/* A build without the batch APIs (-Dbatch=disabled, and reduced builds by
 * default): the adapters' `batch` members point at empty tables that the
 * engine's stubs (features/batch_off.c) never use. */
#include "batch.h"
#include "registry.h"

#define OFF                                                               \
	{                                                                 \
		.name = "the batch API (left out of this build: -Dbatch)" \
	}

const llmk__batch_ops llmk__batch_openai = OFF;
const llmk__batch_ops llmk__batch_anthropic = OFF;
const llmk__batch_ops llmk__batch_gemini = OFF;
