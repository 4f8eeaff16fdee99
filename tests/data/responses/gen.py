#!/usr/bin/env python3
"""Regenerates the Responses API fixtures (see README.md). Run from this directory.

Shapes: the OpenAI OpenAPI spec v2.3.0 (Response, OutputItem, ResponseUsage and the
ResponseStreamEvent members); field sets and event order of recorded OpenAI streams
(see README.md). Ids, encrypted contents and obfuscation values are made up."""
import json

MODEL = "gpt-5-2025-08-07"


def sse(obj):
    return "event: " + obj["type"] + "\ndata: " + json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n\n"


def pretty(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def usage(inp, cached, out, reasoning):
    return {"input_tokens": inp, "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": out, "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": inp + out}


def response(rid, status, output, u=None, incomplete=None, error=None, store=False):
    return {"id": rid, "object": "response", "created_at": 1760000000, "status": status, "background": False,
            "error": error, "incomplete_details": incomplete, "instructions": "Answer with the tools.",
            "max_output_tokens": None, "max_tool_calls": None, "model": MODEL, "output": output,
            "parallel_tool_calls": True, "previous_response_id": None, "prompt_cache_key": None,
            "reasoning": {"effort": "medium", "summary": "auto"}, "safety_identifier": None,
            "service_tier": "default", "store": store, "temperature": 1.0,
            "text": {"format": {"type": "text"}, "verbosity": "medium"}, "tool_choice": "auto", "tools": [],
            "top_logprobs": 0, "top_p": 1.0, "truncation": "disabled", "usage": u, "user": None, "metadata": {}}


class Stream:
    def __init__(self):
        self.n = 0
        self.out = ""

    def ev(self, typ, **kw):
        obj = {"type": typ, "sequence_number": self.n}
        obj.update(kw)
        self.n += 1
        self.out += sse(obj)


ENC1 = "gAAAAABo_reasoning-step-1-encrypted-made-up-for-tests_A1"
ENC1_DONE = "gAAAAABo_reasoning-step-1-encrypted-made-up-for-tests_D1"
RS1 = "rs_68d9303e94ac819ead3d9e066f405eae0000000000000001"
FC1, CALL1 = "fc_68d9303fe7fc819ea999bda4361740420000000000000001", "call_5dp5Uj0Loqn1YcyIpqSq6sLX"
FC2, CALL2 = "fc_68d9303fe7fc819ea999bda4361740420000000000000002", "call_Zx81bVQ3mU2nJd5Hk0aTqWeR"
MSG = "msg_68d930427844819ebda216a5dcfbec460000000000000001"
SUM1 = "**Two lookups**\n\nThe user wants the weather and the time."
SUM2 = "**Order**\n\nWeather first."

reasoning_item = {"id": RS1, "type": "reasoning", "encrypted_content": ENC1_DONE,
                  "summary": [{"type": "summary_text", "text": SUM1}, {"type": "summary_text", "text": SUM2}]}
call1 = {"id": FC1, "type": "function_call", "status": "completed", "arguments": "{\"location\":\"Paris\"}",
         "call_id": CALL1, "name": "get_weather"}
call2 = {"id": FC2, "type": "function_call", "status": "completed", "arguments": "{\"timezone\":\"Europe/Paris\"}",
         "call_id": CALL2, "name": "get_time"}
U_TOOLS = usage(512, 384, 148, 96)

# ---- whole answers -----------------------------------------------------------
open("response_tools.json", "w").write(pretty(response("resp_tools_0001", "completed",
                                                      [reasoning_item, call1, call2], U_TOOLS)))
text_msg = {"id": MSG, "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "annotations": [], "logprobs": [],
                         "text": "It is 18 C and 14:05 in Paris."}]}
open("response_text.json", "w").write(pretty(response("resp_text_0002", "completed", [text_msg],
                                                     usage(700, 640, 12, 0))))
refusal_msg = {"id": "msg_refusal_0001", "type": "message", "status": "completed", "role": "assistant",
               "content": [{"type": "refusal", "refusal": "I'm sorry, I can't help with that."}]}
open("response_refusal.json", "w").write(pretty(response("resp_refusal_0003", "completed", [refusal_msg],
                                                        usage(20, 0, 9, 0))))
cut_msg = {"id": "msg_cut_0001", "type": "message", "status": "incomplete", "role": "assistant",
           "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": "The weather in Par"}]}
open("response_incomplete.json", "w").write(pretty(response(
    "resp_cut_0004", "incomplete", [cut_msg], usage(20, 0, 16, 0), incomplete={"reason": "max_output_tokens"})))
open("response_failed.json", "w").write(pretty(response(
    "resp_failed_0005", "failed", [], None,
    error={"code": "server_error", "message": "The model failed to generate a response."})))

# ---- streams -------------------------------------------------------------------
# Reasoning with two summary parts, then two function calls: every event type of a
# tool round (created, in_progress, output_item.added/.done, reasoning_summary_part
# .added/.done, reasoning_summary_text.delta/.done, function_call_arguments
# .delta/.done, completed). The encrypted content differs between .added, .done and
# the final response, as in recorded streams: .done is the one kept.
s = Stream()
s.ev("response.created", response=response("resp_tools_0001", "in_progress", []))
s.ev("response.in_progress", response=response("resp_tools_0001", "in_progress", []))
s.ev("response.output_item.added", output_index=0,
     item={"id": RS1, "type": "reasoning", "encrypted_content": ENC1, "summary": []})
for si, text in enumerate([SUM1, SUM2]):
    s.ev("response.reasoning_summary_part.added", item_id=RS1, output_index=0, summary_index=si,
         part={"type": "summary_text", "text": ""})
    half = len(text) // 2
    for frag in [text[:half], text[half:]]:
        s.ev("response.reasoning_summary_text.delta", item_id=RS1, output_index=0, summary_index=si, delta=frag,
             obfuscation="Zx3f")
    s.ev("response.reasoning_summary_text.done", item_id=RS1, output_index=0, summary_index=si, text=text)
    s.ev("response.reasoning_summary_part.done", item_id=RS1, output_index=0, summary_index=si,
         part={"type": "summary_text", "text": text})
s.ev("response.output_item.done", output_index=0, item=reasoning_item)
for oi, (fc, call, name, frags) in enumerate([(FC1, CALL1, "get_weather", ["{\"lo", "cation\":", "\"Paris\"}"]),
                                              (FC2, CALL2, "get_time", ["{\"timezone\":", "\"Europe/Paris\"}"])], 1):
    s.ev("response.output_item.added", output_index=oi,
         item={"id": fc, "type": "function_call", "status": "in_progress", "arguments": "", "call_id": call,
               "name": name})
    for f in frags:
        s.ev("response.function_call_arguments.delta", item_id=fc, output_index=oi, delta=f, obfuscation="q1")
    s.ev("response.function_call_arguments.done", item_id=fc, output_index=oi, arguments="".join(frags))
    s.ev("response.output_item.done", output_index=oi, item=call1 if oi == 1 else call2)
final = dict(reasoning_item, encrypted_content="gAAAAABo_reasoning-step-1-encrypted-made-up-for-tests_C1")
s.ev("response.completed", response=response("resp_tools_0001", "completed", [final, call1, call2], U_TOOLS))
open("stream_tools.sse", "w").write(s.out)

# The final answer of a round: a message streamed as text deltas (content_part
# .added/.done, output_text.delta/.done).
s = Stream()
s.ev("response.created", response=response("resp_text_0002", "in_progress", []))
s.ev("response.output_item.added", output_index=0,
     item={"id": MSG, "type": "message", "status": "in_progress", "role": "assistant", "content": []})
s.ev("response.content_part.added", item_id=MSG, output_index=0, content_index=0,
     part={"type": "output_text", "annotations": [], "logprobs": [], "text": ""})
for t in ["It is 18 C", " and 14:05", " in Paris."]:
    s.ev("response.output_text.delta", item_id=MSG, output_index=0, content_index=0, delta=t, logprobs=[],
         obfuscation="x")
s.ev("response.output_text.done", item_id=MSG, output_index=0, content_index=0,
     text="It is 18 C and 14:05 in Paris.", logprobs=[])
s.ev("response.content_part.done", item_id=MSG, output_index=0, content_index=0,
     part=text_msg["content"][0])
s.ev("response.output_item.done", output_index=0, item=text_msg)
s.ev("response.completed", response=response("resp_text_0002", "completed", [text_msg], usage(700, 640, 12, 0)))
open("stream_text.sse", "w").write(s.out)

# A refusal (refusal.delta / refusal.done).
s = Stream()
s.ev("response.created", response=response("resp_refusal_0003", "in_progress", []))
s.ev("response.output_item.added", output_index=0,
     item={"id": "msg_refusal_0001", "type": "message", "status": "in_progress", "role": "assistant",
           "content": []})
s.ev("response.content_part.added", item_id="msg_refusal_0001", output_index=0, content_index=0,
     part={"type": "refusal", "refusal": ""})
for t in ["I'm sorry,", " I can't help", " with that."]:
    s.ev("response.refusal.delta", item_id="msg_refusal_0001", output_index=0, content_index=0, delta=t)
s.ev("response.refusal.done", item_id="msg_refusal_0001", output_index=0, content_index=0,
     refusal="I'm sorry, I can't help with that.")
s.ev("response.output_item.done", output_index=0, item=refusal_msg)
s.ev("response.completed", response=response("resp_refusal_0003", "completed", [refusal_msg], usage(20, 0, 9, 0)))
open("stream_refusal.sse", "w").write(s.out)

# Cut by max_output_tokens: response.incomplete ends the stream.
s = Stream()
s.ev("response.created", response=response("resp_cut_0004", "in_progress", []))
s.ev("response.output_item.added", output_index=0,
     item={"id": "msg_cut_0001", "type": "message", "status": "in_progress", "role": "assistant", "content": []})
for t in ["The weather", " in Par"]:
    s.ev("response.output_text.delta", item_id="msg_cut_0001", output_index=0, content_index=0, delta=t, logprobs=[])
s.ev("response.output_item.done", output_index=0, item=cut_msg)
s.ev("response.incomplete", response=response("resp_cut_0004", "incomplete", [cut_msg], usage(20, 0, 16, 0),
                                                incomplete={"reason": "max_output_tokens"}))
open("stream_incomplete.sse", "w").write(s.out)

# response.failed after it had started.
s = Stream()
s.ev("response.created", response=response("resp_failed_0005", "in_progress", []))
s.ev("response.failed", response=response("resp_failed_0005", "failed", [], None, error={
    "code": "server_error", "message": "The model failed to generate a response."}))
open("stream_failed.sse", "w").write(s.out)

# An error event (ResponseErrorEvent: code, message, param) instead of a response.
s = Stream()
s.ev("response.created", response=response("resp_error_0006", "in_progress", []))
s.ev("error", code="rate_limit_exceeded", message="Rate limit reached for gpt-5 on tokens per min (TPM).",
     param=None)
open("stream_error.sse", "w").write(s.out)

# Cut inside an event: no terminal event.
whole = open("stream_text.sse").read()
open("stream_truncated.sse", "w").write(whole[: whole.index("response.output_text.done") + 40])

# sequence_number going back: two events numbered 2.
s = Stream()
s.ev("response.created", response=response("resp_seq_0007", "in_progress", []))
s.ev("response.output_item.added", output_index=0,
     item={"id": MSG, "type": "message", "status": "in_progress", "role": "assistant", "content": []})
s.ev("response.output_text.delta", item_id=MSG, output_index=0, content_index=0, delta="Hi", logprobs=[])
s.n = 2
s.ev("response.output_text.delta", item_id=MSG, output_index=0, content_index=0, delta=" again", logprobs=[])
open("stream_bad_sequence.sse", "w").write(s.out)

# A compatible server's stream: reasoning_text content (open models), items sent whole
# at .done without deltas for the call, no sequence numbers, no event: lines.
out = ""
def plain(obj):
    return "data: " + json.dumps(obj, separators=(",", ":")) + "\n\n"
out += plain({"type": "response.created", "response": response("resp_local_0008", "in_progress", [])})
out += plain({"type": "response.output_item.added", "output_index": 0,
              "item": {"id": "rs_local", "type": "reasoning", "summary": [], "content": []}})
out += plain({"type": "response.reasoning_text.delta", "item_id": "rs_local", "output_index": 0, "content_index": 0,
              "delta": "Need the weather."})
local_rs = {"id": "rs_local", "type": "reasoning", "summary": [],
            "content": [{"type": "reasoning_text", "text": "Need the weather."}]}
out += plain({"type": "response.output_item.done", "output_index": 0, "item": local_rs})
local_fc = {"id": "fc_local", "type": "function_call", "status": "completed", "arguments": "{\"location\":\"Paris\"}",
            "call_id": "call_local_1", "name": "get_weather"}
out += plain({"type": "response.output_item.done", "output_index": 1, "item": local_fc})
out += plain({"type": "response.completed", "response": response("resp_local_0008", "completed", [local_rs, local_fc],
                                                                  usage(40, 0, 20, 6))})
open("stream_local.sse", "w").write(out)
