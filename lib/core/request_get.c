/* Reading a request back (public getters): what a provider registered by
 * the program needs to answer it. Out-of-range indexes give NULL / 0. */
#include "request.h"

const char *llmk_request_get_str(const llmk_request *r, int32_t opt)
{
	return r && opt / 1000 == LLMK_TYPE_STR ? llmk__req_str(r, opt) : NULL;
}

int32_t llmk_request_get_i64(const llmk_request *r, int32_t opt, int64_t *out)
{
	return r && out && opt / 1000 == LLMK_TYPE_I64 ? llmk__req_i64(r, opt, out) : 0;
}

int32_t llmk_request_get_f64(const llmk_request *r, int32_t opt, double *out)
{
	return r && out && opt / 1000 == LLMK_TYPE_F64 ? llmk__req_f64(r, opt, out) : 0;
}

static const llmk__message *msg_at(const llmk_request *r, size_t i)
{
	return r && i < r->nmsgs ? &r->msgs[i] : NULL;
}

static const llmk__part *part_at(const llmk_request *r, size_t m, size_t p)
{
	const llmk__message *msg = msg_at(r, m);
	return msg && p < msg->nparts ? &msg->parts[p] : NULL;
}

size_t llmk_request_message_count(const llmk_request *r)
{
	return r ? r->nmsgs : 0;
}

int32_t llmk_request_message_role(const llmk_request *r, size_t i)
{
	const llmk__message *m = msg_at(r, i);
	return m ? m->role : 0;
}

const char *llmk_request_message_tool_call_id(const llmk_request *r, size_t i)
{
	const llmk__message *m = msg_at(r, i);
	return m ? m->tool_call_id : NULL;
}

size_t llmk_request_part_count(const llmk_request *r, size_t i)
{
	const llmk__message *m = msg_at(r, i);
	return m ? m->nparts : 0;
}

int32_t llmk_request_part_type(const llmk_request *r, size_t m, size_t p)
{
	const llmk__part *pt = part_at(r, m, p);
	return pt ? pt->type : 0;
}

const char *llmk_request_part_text(const llmk_request *r, size_t m, size_t p)
{
	const llmk__part *pt = part_at(r, m, p);
	return pt ? pt->text : NULL;
}

const char *llmk_request_part_detail(const llmk_request *r, size_t m, size_t p)
{
	const llmk__part *pt = part_at(r, m, p);
	return pt ? pt->detail : NULL;
}

const char *llmk_request_part_id(const llmk_request *r, size_t m, size_t p)
{
	const llmk__part *pt = part_at(r, m, p);
	return pt && pt->type == LLMK_PART_TOOL_CALL ? pt->id : NULL;
}

size_t llmk_request_tool_count(const llmk_request *r)
{
	return r ? r->ntools : 0;
}

const char *llmk_request_tool_name(const llmk_request *r, size_t i)
{
	return r && i < r->ntools ? r->tools[i].name : NULL;
}

const char *llmk_request_tool_description(const llmk_request *r, size_t i)
{
	return r && i < r->ntools ? r->tools[i].description : NULL;
}

const char *llmk_request_tool_parameters(const llmk_request *r, size_t i)
{
	return r && i < r->ntools ? r->tools[i].parameters : NULL;
}

size_t llmk_request_input_count(const llmk_request *r)
{
	return r ? r->ninputs : 0;
}

const char *llmk_request_input(const llmk_request *r, size_t i)
{
	return r && i < r->ninputs ? r->inputs[i] : NULL;
}

size_t llmk_request_stop_count(const llmk_request *r)
{
	return r ? r->nstops : 0;
}

const char *llmk_request_stop(const llmk_request *r, size_t i)
{
	return r && i < r->nstops ? r->stops[i] : NULL;
}

const uint8_t *llmk_request_audio(const llmk_request *r, size_t *len)
{
	if (len)
		*len = r && r->audio ? r->audio_len : 0;
	return r ? r->audio : NULL;
}

const char *llmk_request_audio_name(const llmk_request *r)
{
	return r ? r->audio_name : NULL;
}

const char *llmk_request_audio_mime(const llmk_request *r)
{
	return r ? r->audio_mime : NULL;
}

const char *llmk_request_extra_json(const llmk_request *r)
{
	return r ? r->extra_json : NULL;
}

const char *llmk_request_part_opaque(const llmk_request *r, size_t m, size_t p)
{
	const llmk__part *pt = part_at(r, m, p);
	return pt ? pt->opaque : NULL;
}

int64_t llmk_request_part_wire(const llmk_request *r, size_t m, size_t p)
{
	const llmk__part *pt = part_at(r, m, p);
	return pt ? pt->wire : 0;
}
