"""Classifies many texts through the provider's batch API, at its batch price.

    OPENAI_API_KEY=sk-... python3 bindings/python/batch_example.py submit
    OPENAI_API_KEY=sk-... python3 bindings/python/batch_example.py collect BATCH_ID

The batch lives at the provider (up to 24 hours): submit prints its id and
exits; collect, from any process, waits for the end and prints each answer
with its cost.
"""
import os
import sys

import llmkit

model = os.environ.get("LLMK_MODEL", "openai/gpt-4o-mini")  # also anthropic/..., gemini/...
reviews = ["The battery lasts two days, great.", "Broke after a week.", "It does the job."]

with llmkit.Client(model, timeout=120) as client:
    if sys.argv[1:2] == ["submit"]:
        with client.batch() as b:
            for i, text in enumerate(reviews):
                b.add("review-%d" % i, text, system="Answer positive, negative or neutral.", max_tokens=5)
            print(b.submit())
    elif sys.argv[1:2] == ["collect"] and len(sys.argv) == 3:
        with client.batch(sys.argv[2]) as b:
            b.wait(poll=60, progress=lambda x: print(x.state, x.counts, file=sys.stderr))
            total = 0.0
            for custom_id, result in b.results():
                if isinstance(result, llmkit.LLMKitError):
                    print(custom_id, "failed:", result)
                    continue
                total += result.cost or 0.0
                print(custom_id, result.text)
            print("cost at the batch price: $%.6f" % total)
    else:
        sys.exit(__doc__)
