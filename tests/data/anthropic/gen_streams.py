#!/usr/bin/env python3
"""Regenerates the .sse fixtures: Anthropic Messages streams as the API sends
them (named events, `data:` a JSON object whose `type` repeats the event name,
pings in between; see README.md). Run from this directory."""
import json

MODEL = "claude-sonnet-4-5-20250929"


def ev(name, data):
    return "event: " + name + "\ndata: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n\n"


def ping():
    return 'event: ping\ndata: {"type": "ping"}\n\n'


def start(msg_id, usage):
    return ev("message_start", {"type": "message_start", "message": {
        "id": msg_id, "type": "message", "role": "assistant", "model": MODEL, "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": usage}})


def block_start(i, block):
    return ev("content_block_start", {"type": "content_block_start", "index": i, "content_block": block})


def delta(i, d):
    return ev("content_block_delta", {"type": "content_block_delta", "index": i, "delta": d})


def block_stop(i):
    return ev("content_block_stop", {"type": "content_block_stop", "index": i})


def message_delta(stop_reason, usage):
    return ev("message_delta", {"type": "message_delta",
                                "delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": usage})


def stop():
    return ev("message_stop", {"type": "message_stop"})


def usage(inp, out, read=0, write=0, write_1h=0):
    return {"input_tokens": inp, "cache_creation_input_tokens": write, "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": write - write_1h, "ephemeral_1h_input_tokens": write_1h},
            "output_tokens": out, "service_tier": "standard"}


# Plain text, with prompt caching: 14 uncached + 1800 read + 200 written
# (80 to the 5-minute cache, 120 to the 1-hour one), as message.json.
s = start("msg_01XFDUDYJgAACzvnptvVoYEL", usage(14, 1, read=1800, write=200, write_1h=120))
s += block_start(0, {"type": "text", "text": ""}) + ping()
for t in ["Hello", "!", " How", " can I help", "? \u00e9\u6f22"]:
    s += delta(0, {"type": "text_delta", "text": t})
s += block_stop(0)
s += message_delta("end_turn", {"output_tokens": 9})
s += stop()
open("stream.sse", "w", encoding="utf-8").write(s)

# Thinking, text, a client tool, a server tool (web search) with its result,
# and a second client tool: content-block indices 0..5, tool calls 0 and 1.
s = start("msg_01Aq9w938a90dw8q", usage(472, 2))
s += block_start(0, {"type": "thinking", "thinking": ""})
for t in ["The user wants weather", " and the local time."]:
    s += delta(0, {"type": "thinking_delta", "thinking": t})
s += delta(0, {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"})
s += block_stop(0)
s += block_start(1, {"type": "text", "text": ""}) + ping()
s += delta(1, {"type": "text_delta", "text": "Let me check."})
s += block_stop(1)
s += block_start(2, {"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather", "input": {}})
for f in ["", "{\"lo", "cation\":", " \"Paris\"}"]:
    s += delta(2, {"type": "input_json_delta", "partial_json": f})
s += block_stop(2)
s += block_start(3, {"type": "server_tool_use", "id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB", "name": "web_search",
                     "input": {}})
s += delta(3, {"type": "input_json_delta", "partial_json": "{\"query\": \"Paris time zone\"}"})
s += block_stop(3)
s += block_start(4, {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB",
                     "content": [{"type": "web_search_result", "title": "Time in Paris",
                                  "url": "https://example.invalid/paris", "encrypted_content": "Eo8BCioIAhgB",
                                  "page_age": None}]})
s += block_stop(4)
s += block_start(5, {"type": "tool_use", "id": "toolu_01Zx81bVQ3mU2nJd5Hk0aTqW", "name": "get_time", "input": {}})
for f in ["{\"timezone\":", "\"Europe/Paris\"}"]:
    s += delta(5, {"type": "input_json_delta", "partial_json": f})
s += block_stop(5)
s += message_delta("tool_use", {"output_tokens": 89})
s += stop()
open("stream_tools.sse", "w", encoding="utf-8").write(s)

# Overloaded after the stream had started: an error event under HTTP 200.
s = start("msg_01ErrOverload00000000", usage(10, 1))
s += block_start(0, {"type": "text", "text": ""})
s += delta(0, {"type": "text_delta", "text": "Partial"})
s += 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},' \
     '"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}\n\n'
open("stream_error.sse", "w", encoding="utf-8").write(s)

# The connection dropped mid-event: no message_delta, no message_stop.
s = start("msg_01Truncated000000000", usage(10, 1))
s += block_start(0, {"type": "text", "text": ""})
s += delta(0, {"type": "text_delta", "text": "Cut"})
s += 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de'
open("stream_truncated.sse", "w", encoding="utf-8").write(s)
