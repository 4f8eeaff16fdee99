"""Asks a model one question, streams a second answer, shows an error.

    OPENAI_API_KEY=sk-... python3 bindings/python/example.py "Explain RAG in one sentence."
"""
import os
import sys

import llmkit

model = os.environ.get("LLMK_MODEL", "openai/gpt-4o-mini")  # key from OPENAI_API_KEY
question = sys.argv[1] if len(sys.argv) > 1 else "Explain retrieval-augmented generation in one sentence."

with llmkit.Client(model, timeout=60) as client:
    try:
        r = client.chat(question, temperature=0.2)
    except llmkit.AuthenticationError as e:
        sys.exit("set the API key: %s" % e)
    except llmkit.LLMKitError as e:
        sys.exit("%s (HTTP %d)" % (e.detail, e.http_status))
    print(r.text)
    print("[%s tokens in, %s out]" % (r.usage.input, r.usage.output))

    for text in client.stream("Write a haiku about the C language.").text():
        print(text, end="", flush=True)
    print()
