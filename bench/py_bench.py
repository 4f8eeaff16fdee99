"""bench/py_bench.py - what a Python user would pick instead of libllmkit:
the official openai SDK (sync and AsyncOpenAI) and litellm, doing the same
chat request against the bench server. Run by bench/run inside the venv it
creates (.cache/bench-venv); prints one result line like the C programs.

Usage: py_bench.py openai_sync|openai_async|litellm|litellm_async BASE_URL N [IN_FLIGHT]
       py_bench.py openai_embed BASE_URL RESPONSES INPUTS DIM
  openai_embed: client.embeddings.create() with N inputs, the SDK's default
  (encoding_format base64, decoded by the SDK); every vector checked
  against the server's values (bench.h bench_embed_value, recomputed here).
"""
import asyncio
import json
import os
import resource
import struct
import sys
import time

MODEL = "gpt-4o-mini"
PROMPT = "Say hello."
KEY = "sk-bench-not-a-real-key"
CONTENT = "Hello! How can I assist you today?"
MESSAGES = [{"role": "user", "content": PROMPT}]
WARMUP = 20


def report(name, n, wall, cpu, lat):
    lat = sorted(lat)
    pick = lambda q: lat[min(len(lat) - 1, int(q * (len(lat) - 1) + 0.5))] if lat else -1
    print(json.dumps({
        "name": name, "n": n, "wall_s": wall, "cpu_us": cpu * 1e6, "cpu_us_per": cpu * 1e6 / n,
        "per_s": n / wall, "p50_us": pick(0.5), "p99_us": pick(0.99),
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


def check(resp):
    if resp.choices[0].message.content != CONTENT or resp.usage.completion_tokens != 10:
        sys.exit("py_bench: unexpected answer: %r" % (resp,))


def sequential(name, call, n):
    for _ in range(WARMUP):
        check(call())
    lat = []
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        check(call())
        lat.append((time.perf_counter() - t) * 1e6)
    report(name, n, time.perf_counter() - t0, time.process_time() - c0, lat)


def in_flight(name, acall, n, k):
    async def main():
        lat = []

        async def worker(count):
            for _ in range(count):
                t = time.perf_counter()
                check(await acall())
                lat.append((time.perf_counter() - t) * 1e6)

        await asyncio.gather(*(worker(1) for _ in range(min(k, WARMUP * 2))))
        lat.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(n // k + (i < n % k)) for i in range(k)))
        report(name, n, time.perf_counter() - t0, time.process_time() - c0, lat)

    asyncio.run(main())


def embed_value(i, j):
    """bench.h bench_embed_value(), in Python (float32 arithmetic)."""
    m = 0xffffffff
    h = ((i * 2654435761) & m) ^ ((j * 2246822519) & m)
    h ^= h >> 15
    h = (h * 2654435761) & m
    h ^= h >> 13
    f = struct.unpack("f", struct.pack("f", float(h & 0xffffff) / 16777216.0))[0]
    f = struct.unpack("f", struct.pack("f", f - 0.5))[0]
    return struct.unpack("f", struct.pack("f", f * struct.unpack("f", struct.pack("f", 0.16))[0]))[0]


def embed(base, reps, n, dim):
    from openai import OpenAI
    c = OpenAI(base_url=base, api_key=KEY, max_retries=0, timeout=600)
    inputs = ["input %d" % i for i in range(n)]
    # the values checked: a sample of rows, whole (recomputing all 3 million
    # in Python would cost more than the SDK's own work)
    rows = sorted({0, 1, n // 2, n - 1})
    want = {i: [embed_value(i, j) for j in range(dim)] for i in rows}

    def one():
        r = c.embeddings.create(model="text-embedding-3-small", input=inputs)
        if len(r.data) != n or len(r.data[0].embedding) != dim:
            sys.exit("py_bench: unexpected embedding answer")
        for i in rows:
            if [float(x) for x in r.data[i].embedding] != want[r.data[i].index] or r.data[i].index != i:
                sys.exit("py_bench: vector %d differs from the server's" % i)

    one()  # warm-up: connection, imports, the server's cached answer
    lat = []
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(reps):
        t = time.perf_counter()
        one()
        lat.append((time.perf_counter() - t) * 1e6)
    try:
        import numpy  # noqa: F401  (the SDK decodes with numpy when it is there)
        dec = "numpy"
    except ImportError:
        dec = "array"
    report("openai_embed_" + dec, reps, time.perf_counter() - t0, time.process_time() - c0, lat)


def run():
    mode, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "openai_embed":
        embed(base, n, int(sys.argv[4]), int(sys.argv[5]))
        return
    k = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    if mode == "openai_sync":
        from openai import OpenAI
        c = OpenAI(base_url=base, api_key=KEY, max_retries=0)
        sequential(mode, lambda: c.chat.completions.create(model=MODEL, messages=MESSAGES), n)
    elif mode == "openai_async":
        from openai import AsyncOpenAI
        c = AsyncOpenAI(base_url=base, api_key=KEY, max_retries=0)
        in_flight(mode, lambda: c.chat.completions.create(model=MODEL, messages=MESSAGES), n, k)
    elif mode == "litellm":
        import litellm
        sequential(mode, lambda: litellm.completion(model="openai/" + MODEL, messages=MESSAGES, api_base=base,
                                                    api_key=KEY, max_retries=0), n)
    elif mode == "litellm_async":
        import litellm
        in_flight(mode, lambda: litellm.acompletion(model="openai/" + MODEL, messages=MESSAGES, api_base=base,
                                                    api_key=KEY, max_retries=0), n, k)
    else:
        sys.exit("usage: py_bench.py openai_sync|openai_async|litellm|litellm_async BASE_URL N [IN_FLIGHT]")


if __name__ == "__main__":
    run()
