#!/usr/bin/env python3
"""Regenerates the Cohere fixtures (see README.md for sources).

Run from this directory: python3 gen_fixtures.py [path/to/cohere-openapi.json]
Spec examples are copied verbatim (values, key order); every stream is
written the way the API frames it: "event: <type>" then "data: <compact
JSON>" and a blank line per event.
"""
import json
import sys

SPEC = sys.argv[1] if len(sys.argv) > 1 else "../../../../shared/data/specs/cohere-openapi.json"


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def sse(events):
    return "".join("event: %s\ndata: %s\n\n" % (e["type"], compact(e)) for e in events)


def write(name, text):
    with open(name, "w", encoding="utf-8") as f:
        f.write(text)


def spec_example(op, sample_name, kind):
    for ex in op["x-fern-examples"]:
        names = [c["name"] for c in ex.get("code-samples", [])]
        if sample_name in names and kind in ex["response"]:
            return ex
    raise SystemExit("no %s example %r" % (kind, sample_name))


def jsonl(name):
    with open(name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


spec = json.load(open(SPEC, encoding="utf-8"))
chat = spec["paths"]["/v2/chat"]["post"]
embed = spec["paths"]["/v2/embed"]["post"]

write("chat_response.json", json.dumps(spec_example(chat, "Default", "body")["response"]["body"], indent=2,
                                       ensure_ascii=False) + "\n")
write("chat_tool_calls.json", json.dumps(spec_example(chat, "Tools", "body")["response"]["body"], indent=2,
                                         ensure_ascii=False) + "\n")
write("embed.json", json.dumps(embed["x-fern-examples"][0]["response"]["body"], ensure_ascii=False) + "\n")

default_stream = [e["data"] for e in spec_example(chat, "Default", "stream")["response"]["stream"]]
write("chat_stream.sse", sse(default_stream))
write("chat_stream_citations.sse",
      sse([e["data"] for e in spec_example(chat, "Documents", "stream")["response"]["stream"]]))
# Cut before message-end: what a dropped connection leaves.
write("chat_stream_truncated.sse", sse(default_stream[:-1]))

write("chat_stream_tools.sse", sse(jsonl("recorded_tool_call.jsonl")))
write("chat_stream_reasoning.sse", sse(jsonl("recorded_reasoning.jsonl")))
write("chat_stream_cached.sse", sse(jsonl("recorded_cached_usage.jsonl")))

# ChatMessageEndEvent.delta.error: "An error message if an error occurred
# during the generation" (no recorded example exists; built from the schema).
write("chat_stream_error.sse", sse(default_stream[:3] + [
    {"type": "content-end", "index": 0},
    {"type": "message-end", "delta": {"error": "internal server error, this has been reported to our developers",
                                       "finish_reason": "ERROR"}},
]))

# Error bodies: {"message": ...}, the shape docs.cohere.com/reference/errors
# gives (the spec also allows an "id"). Messages are quoted from that page;
# the 500 body is the one quoted in cohere-ai/cohere-python#563.
ERRORS = {
    "error_400_too_many_tokens.json": "too many tokens: total number of tokens in the prompt cannot exceed 4081 - "
                                      "received 4292. Try using a shorter prompt, or enabling prompt truncating. See "
                                      "https://docs.cohere.com/reference/generate for more details.",
    "error_400.json": "invalid request: temperature must be between 0 and 1.0 inclusive.",
    "error_401.json": "invalid api token",
    "error_402.json": "Please add or update your payment method at https://dashboard.cohere.com/billing?tab=payment "
                      "to continue",
    "error_404.json": "model 'xyz' not found, make sure the correct model ID was used and that you have access "
                      "to the model.",
    "error_429.json": "You are past the per minute request limit, please wait and try again later.",
    "error_499.json": "request cancelled",
    "error_500.json": "internal server error, this has been reported to our developers. id "
                      "b8361921-90ee-4ce3-aa18-f2bdda5a6a8b",
}
for name, msg in sorted(ERRORS.items()):
    write(name, compact({"message": msg}) + "\n")
