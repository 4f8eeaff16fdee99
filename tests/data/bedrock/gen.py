#!/usr/bin/env python3
"""Regenerates the Bedrock fixtures (see README.md): ConverseStream answers
framed as application/vnd.amazon.eventstream (CRCs from zlib.crc32), and the
JSON bodies. Run from this directory."""
import json
import struct
import zlib


def dump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def header(name, value):
    n, v = name.encode(), value.encode()
    return bytes([len(n)]) + n + bytes([7]) + struct.pack(">H", len(v)) + v


def message(headers, payload):
    h = b"".join(header(k, v) for k, v in headers)
    prelude = struct.pack(">II", 16 + len(h) + len(payload), len(h))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    msg = prelude + h + payload
    return msg + struct.pack(">I", zlib.crc32(msg))


def event(kind, body):
    # Bedrock pads events with a "p" member of varying length.
    body = dict(body, p="abcdefghij"[: 1 + len(kind) % 10])
    return message([(":event-type", kind), (":content-type", "application/json"), (":message-type", "event")],
                   dump(body).encode())


def exception(kind, body):
    return message([(":exception-type", kind), (":content-type", "application/json"),
                    (":message-type", "exception")], dump(body).encode())


def text(i, t):
    return event("contentBlockDelta", {"contentBlockIndex": i, "delta": {"text": t}})


USAGE = {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19}


def stream_text():
    return (event("messageStart", {"role": "assistant"}) + text(0, "Hello") + text(0, ", world") +
            event("contentBlockStop", {"contentBlockIndex": 0}) +
            event("messageStop", {"stopReason": "end_turn"}) +
            event("metadata", {"usage": USAGE, "metrics": {"latencyMs": 321}}))


def stream_tools():
    out = event("messageStart", {"role": "assistant"})
    out += text(0, "Let me check.")
    out += event("contentBlockStop", {"contentBlockIndex": 0})
    out += event("contentBlockStart", {"contentBlockIndex": 1, "start": {
        "toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "get_weather"}}})
    for frag in ['{"city":', '"Paris",', '"unit":"c"}']:
        out += event("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": frag}}})
    out += event("contentBlockStop", {"contentBlockIndex": 1})
    out += event("contentBlockStart", {"contentBlockIndex": 2, "start": {
        "toolUse": {"toolUseId": "tooluse_2nd0VnBxT8mS0YyX1c5fQw", "name": "get_time"}}})
    out += event("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": '{"tz":"CET"}'}}})
    out += event("contentBlockStop", {"contentBlockIndex": 2})
    out += event("messageStop", {"stopReason": "tool_use"})
    out += event("metadata", {"usage": {"inputTokens": 410, "outputTokens": 96, "totalTokens": 506},
                              "metrics": {"latencyMs": 1880}})
    return out


def stream_reasoning_tools():
    """Extended thinking on Bedrock (ConverseStream ReasoningContentBlockDelta: text, signature,
    redactedContent), then text and a tool call."""
    out = event("messageStart", {"role": "assistant"})
    for frag in ["The user wants", " the weather in Paris."]:
        out += event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": frag}}})
    out += event("contentBlockDelta", {"contentBlockIndex": 0,
                                       "delta": {"reasoningContent": {"signature": "EqoBCkgIARABGAIiQBedrockSig"}}})
    out += event("contentBlockStop", {"contentBlockIndex": 0})
    out += event("contentBlockDelta", {"contentBlockIndex": 1,
                                       "delta": {"reasoningContent": {"redactedContent": "RWR1Y2F0ZWQgZ3Vlc3M="}}})
    out += event("contentBlockStop", {"contentBlockIndex": 1})
    out += text(2, "I'll look that up.")
    out += event("contentBlockStop", {"contentBlockIndex": 2})
    out += event("contentBlockStart", {"contentBlockIndex": 3, "start": {
        "toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "get_weather"}}})
    out += event("contentBlockDelta", {"contentBlockIndex": 3, "delta": {"toolUse": {"input": '{"city":"Paris"}'}}})
    out += event("contentBlockStop", {"contentBlockIndex": 3})
    out += event("messageStop", {"stopReason": "tool_use"})
    out += event("metadata", {"usage": {"inputTokens": 410, "outputTokens": 96, "totalTokens": 506},
                              "metrics": {"latencyMs": 1880}})
    return out


EXCEPTIONS = {
    "throttlingException": "Too many requests, please wait before trying again.",
    "modelStreamErrorException": "The model failed to continue the stream.",
    "validationException": "Input is malformed.",
    "internalServerException": "The server encountered an internal error.",
    "serviceUnavailableException": "The service is unavailable. Try again later.",
}


def stream_exception(kind, msg):
    out = event("messageStart", {"role": "assistant"}) + text(0, "Partial")
    body = {"message": msg}
    if kind == "modelStreamErrorException":
        body.update(originalStatusCode=500, originalMessage="upstream model error")
    return out + exception(kind, body)


def same_stream():
    """tests/data/same/bedrock_stream.bin: the answer every provider gives in test_same."""
    return (event("messageStart", {"role": "assistant"}) + text(0, "Paris") +
            text(0, " is the capital of France.") + event("contentBlockStop", {"contentBlockIndex": 0}) +
            event("messageStop", {"stopReason": "end_turn"}) +
            event("metadata", {"usage": {"inputTokens": 12, "outputTokens": 8, "totalTokens": 20},
                               "metrics": {"latencyMs": 200}}))


def main():
    files = {
        "../same/bedrock_stream.bin": same_stream(),
        "stream.bin": stream_text(),
        "stream_tools.bin": stream_tools(),
        "stream_reasoning_tools.bin": stream_reasoning_tools(),
    }
    for k, v in EXCEPTIONS.items():
        files["stream_" + k + ".bin"] = stream_exception(k, v)
    whole = stream_text()
    files["stream_truncated.bin"] = whole[: len(whole) - 30]
    for name, data in files.items():
        with open(name, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
