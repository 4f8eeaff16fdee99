/* A build without the OpenAI format's images and audio (-Dopenai_media=
 * disabled, and reduced builds by default: about 20 KB): its rows claim no
 * image, transcription or speech kind (registry.c), so the engine refuses
 * such a request before the adapter is reached; should one get here
 * anyway, it is refused by name. */
#include "openai.h"

#define OFF(resp) llmk__fail((resp), LLMK_E_UNSUPPORTED, "images and audio are left out of this build (-Dopenai_media)")

llmk_status llmk__openai_media_build(const llmk_client *c, const llmk_request *r, const char *model, int stream,
                                     llmk_exchange *ex, llmk_response *resp, llmk__body_edit edit)
{
	(void)c, (void)r, (void)model, (void)stream, (void)ex, (void)edit;
	return OFF(resp);
}

llmk_status llmk__openai_media_parse(const llmk_client *c, const llmk_request *r, llmk_response *resp,
                                     const char *ctype, const char *body, size_t len)
{
	(void)c, (void)r, (void)ctype, (void)body, (void)len;
	return OFF(resp);
}

llmk_status llmk__openai_media_event(llmk__stream_ctx *s, const char *event, const char *data, size_t len)
{
	(void)event, (void)data, (void)len;
	return OFF(s->resp);
}
