"""The Python binding against a real llama.cpp server (tests/real/harness.sh
chat,embed): chat, stream, the output limit through openai/ and llamacpp/,
JSON schema, anthropic/, embeddings, compare and the asyncio path.

Run by the harness as a plain script (pytest is not needed): every test_*
function runs, and the last line says "N passed, N failed". The package is
imported from bindings/python, the library from LLMKIT_LIBRARY.
"""
import asyncio
import json
import math
import os
import sys
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))

import llmkit  # noqa: E402

CHAT = os.environ["LLMK_REAL_CHAT_URL"]
EMBED = os.environ["LLMK_REAL_EMBED_URL"]
QUESTION = "What is the capital of France? Answer in one word."
COUNT = "Count from 1 to 100, separated by spaces."


def client(preset, url=CHAT, model="smollm2"):
    return llmkit.Client("%s/%s" % (preset, model), base_url=url, api_key="sk-local-python-test", timeout=120)


def test_chat_and_stream():
    for preset in ("openai", "llamacpp", "openai-compatible"):
        with client(preset) as c:
            r = c.chat(QUESTION, temperature=0, max_tokens=16)
            assert "Paris" in r.text, (preset, r.text)
            assert r.finish == llmkit.Finish.STOP, (preset, r.finish, r.finish_reason)
            assert r.usage.input > 0 and 0 < r.usage.output <= 16, (preset, r.usage)
            s = c.stream(QUESTION, temperature=0, max_tokens=16)
            text = "".join(s.text())
            assert text == s.response.text == r.text, (preset, text, r.text)
            assert s.response.usage.output == r.usage.output, (preset, s.response.usage, r.usage)


def test_max_tokens():
    # openai/ at a base URL that is not OpenAI's sends max_tokens, which every
    # server reads: the answer stops at the limit.
    for preset in ("openai", "llamacpp"):
        with client(preset) as c:
            r = c.chat(COUNT, temperature=0, max_tokens=5)
            assert r.finish == llmkit.Finish.LENGTH, (preset, r.finish_reason, r.usage)
            assert 0 < r.usage.output <= 5, (preset, r.usage)


def test_stop_and_seed():
    with client("llamacpp") as c:
        r = c.chat("Count from 1 to 20, separated by commas.", temperature=0, max_tokens=80, stop=["7"])
        assert r.finish == llmkit.Finish.STOP and "7" not in r.text and "6" in r.text, r.text
        a = c.chat("Write one sentence about the sea.", temperature=1.0, seed=99, max_tokens=24)
        b = c.chat("Write one sentence about the sea.", temperature=1.0, seed=99, max_tokens=24)
        assert a.text and a.text == b.text, (a.text, b.text)


def test_json_schema():
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
              "required": ["city", "country"], "additionalProperties": False}
    with client("llamacpp") as c:
        r = c.chat("Name a big city and its country as JSON.", temperature=0, max_tokens=60,
                   json_schema=json.dumps(schema))
        obj = json.loads(r.text)
        assert set(obj) == {"city", "country"} and all(isinstance(v, str) for v in obj.values()), r.text


def test_anthropic():
    with client("anthropic") as c:
        r = c.chat(QUESTION, system="Answer briefly.", temperature=0, max_tokens=16)
        assert "Paris" in r.text and r.finish_reason == "end_turn", (r.text, r.finish_reason)
        assert r.usage.input > 0 and 0 < r.usage.output <= 16, r.usage
        r = c.chat(COUNT, temperature=0, max_tokens=5)
        assert r.finish == llmkit.Finish.LENGTH and r.usage.output <= 5, (r.finish_reason, r.usage)


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_embed():
    with client("llamacpp", EMBED, "smollm2-embed") as c:
        v = c.embed(["The cat sat on the mat.", "A cat was sitting on the mat.",
                     "Quarterly revenue grew by four percent in the third fiscal year."]).vectors
        assert len(v) == 3 and all(len(x) == 576 for x in v), [len(x) for x in v]
        assert cosine(v[0], v[1]) > cosine(v[0], v[2]) + 0.05, (cosine(v[0], v[1]), cosine(v[0], v[2]))


def test_compare():
    os.environ["LLAMACPP_BASE_URL"] = os.environ["OPENAI_COMPATIBLE_BASE_URL"] = CHAT
    try:
        if not llmkit.compare_available():
            raise AssertionError("llmkit.compare is not available in this library")
        results = llmkit.compare(["llamacpp/smollm2", "openai-compatible/smollm2"], QUESTION, temperature=0,
                                 max_tokens=16)
        assert [m.model for m in results] == ["llamacpp/smollm2", "openai-compatible/smollm2"], results
        for m in results:
            assert m.ok == 1 and "Paris" in m.answers[0].response.text, m
            assert 0 < m.output_tokens <= 16, m
    finally:
        del os.environ["LLAMACPP_BASE_URL"], os.environ["OPENAI_COMPATIBLE_BASE_URL"]


def test_asyncio():
    async def main():
        with client("llamacpp") as c:
            return await asyncio.gather(*[c.achat(QUESTION, temperature=0, max_tokens=16) for _ in range(3)])
    answers = asyncio.run(main())
    assert len(answers) == 3 and all("Paris" in a.text for a in answers), [a.text for a in answers]


def main():
    tests = [(k, v) for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)]
    passed = failed = 0
    for name, fn in tests:
        try:
            fn()
        except Exception:  # noqa: BLE001 - report every failure, then go on
            failed += 1
            print("FAIL %s" % name)
            traceback.print_exc()
        else:
            passed += 1
            print("ok   %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
