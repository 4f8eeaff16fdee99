#!/usr/bin/env python3
"""Regenerates the .sse fixtures: OpenAI chat.completion.chunk streams with the
field set real streams carry (see README.md). Run from this directory."""
import json

base = {"id": "chatcmpl-AyPYs3kLq8Vb2Kt7rZpW", "object": "chat.completion.chunk", "created": 1738960860,
        "model": "gpt-4o-mini-2024-07-18", "service_tier": "default", "system_fingerprint": "fp_72ed7ab54c"}


def chunk(delta=None, finish=None, usage=None, choices=True):
    c = dict(base)
    c["choices"] = [{"index": 0, "delta": delta if delta is not None else {}, "logprobs": None,
                     "finish_reason": finish}] if choices else []
    c["usage"] = usage
    return "data: " + json.dumps(c, separators=(",", ":")) + "\n\n"


usage = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17,
         "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
         "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                       "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}

s = chunk({"role": "assistant", "content": "", "refusal": None})
for t in ["Hello", "!", " How", " can I help", "? \u00e9\u6f22"]:
    s += chunk({"content": t})
s += chunk({}, "stop")
s += chunk(None, None, usage, choices=False)
s += "data: [DONE]\n\n"
open("chat_stream.sse", "w").write(s)

s = chunk({"role": "assistant", "content": None, "tool_calls": [
    {"index": 0, "id": "call_PieqNSej6kM9hgYbcQdbZSaC", "type": "function",
     "function": {"name": "get_weather", "arguments": ""}}], "refusal": None})
for f in ["{\"lo", "cation\":", "\"Paris\"}"]:
    s += chunk({"tool_calls": [{"index": 0, "function": {"arguments": f}}]})
s += chunk({"tool_calls": [{"index": 1, "id": "call_Zx81bVQ3mU2nJd5Hk0aTqWeR", "type": "function",
                            "function": {"name": "get_time", "arguments": ""}}]})
for f in ["{\"timezone\":", "\"Europe/Paris\"}"]:
    s += chunk({"tool_calls": [{"index": 1, "function": {"arguments": f}}]})
s += chunk({}, "tool_calls")
u2 = dict(usage)
u2.update(prompt_tokens=80, completion_tokens=40, total_tokens=120)
s += chunk(None, None, u2, choices=False)
s += "data: [DONE]\n\n"
open("chat_stream_tools.sse", "w").write(s)

s = chunk({"role": "assistant", "content": ""}) + chunk({"content": "Partial"})
s += ('data: {"error":{"message":"The server had an error while processing your request. Sorry about that!",'
      '"type":"server_error","param":null,"code":null}}\n\n')
open("chat_stream_error.sse", "w").write(s)

s = chunk({"role": "assistant", "content": ""}) + chunk({"content": "Cut"})
s += 'data: {"id":"chatcmpl-AyPYs3kLq8Vb2Kt7rZpW","object":"chat.comp'
open("chat_stream_truncated.sse", "w").write(s)

# A refusal (structured outputs, gpt-4o-2024-08-06 and later): the role chunk
# says "refusal": "", the refusal streams in delta.refusal while content stays
# null, and the finish reason is "stop" (OpenAI structured outputs guide,
# "Refusals with Structured Outputs"; ChatCompletionStreamResponseDelta.refusal).
s = chunk({"role": "assistant", "content": None, "refusal": ""})
for t in ["I'm sorry,", " I can't help", " with that request."]:
    s += chunk({"refusal": t})
s += chunk({}, "stop")
s += chunk(None, None, usage, choices=False)
s += "data: [DONE]\n\n"
open("chat_stream_refusal.sse", "w").write(s)
