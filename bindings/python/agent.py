"""An agent loop: the model calls a local function, gets its result and answers.

    ANTHROPIC_API_KEY=... LLMK_MODEL=anthropic/claude-sonnet-4-5 python3 bindings/python/agent.py

The conversation is a plain list: append each answer (a ChatResponse, which
carries what its provider needs back: thinking signatures, encrypted
reasoning) and each tool result, and send the list again. The same loop works
for every provider.
"""
import json
import os
import sys

import llmkit

model = os.environ.get("LLMK_MODEL", "openai/gpt-4o-mini")
TOOLS = [{"name": "get_weather", "description": "Current weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                         "required": ["city"], "additionalProperties": False}}]


def get_weather(city):
    """The local function the model may call (a real program would ask a service)."""
    return {"city": city, "temp_c": 18, "sky": "clear"}


def run(client, question, max_rounds=5, **options):
    messages = [{"role": "user", "content": question}]
    for _ in range(max_rounds):
        resp = client.chat(messages, tools=TOOLS, **options)
        if not resp.tool_calls:
            return resp
        messages.append(resp)  # the assistant's turn, as the provider needs it back
        for call in resp.tool_calls:
            args = json.loads(call.arguments)
            if call.name == "get_weather":
                result = get_weather(args.get("city") or args.get("location", ""))
            else:
                result = {"error": "unknown tool %s" % call.name}
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
    raise RuntimeError("no answer after %d rounds" % max_rounds)


if __name__ == "__main__":
    with llmkit.Client(model, timeout=120) as client:
        try:
            answer = run(client, sys.argv[1] if len(sys.argv) > 1 else "Do I need a jacket in Paris?")
        except llmkit.LLMKitError as e:
            sys.exit("%s: %s" % (type(e).__name__, e))
        print(answer.refusal or answer.text)
