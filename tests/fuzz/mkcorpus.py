#!/usr/bin/env python3
"""Builds the fuzzers' seed corpora from the recorded provider exchanges.

    mkcorpus.py DATA_DIR FUZZ_DIR OUT_DIR STAMP

DATA_DIR is tests/data, FUZZ_DIR tests/fuzz, OUT_DIR its build directory,
which gets, per target:
  corpus/<target>/       the fixtures, with the header bytes their target
                         reads first (see each target's comment), and
                         FUZZ_DIR/seeds/<target>/* as they are; inputs found
                         by earlier runs are kept;
  regressions/<target>/  a copy of FUZZ_DIR/regressions/<target>/ (may be
                         empty), replaced each time;
  artifacts/<target>/    where libFuzzer writes crash reproducers.
"""
import os
import re
import shutil
import sys

TARGETS = ("fuzz_sse", "fuzz_ndjson", "fuzz_b64", "fuzz_response", "fuzz_eventstream", "fuzz_json", "fuzz_http1",
           "fuzz_config", "fuzz_cache_value", "fuzz_batch", "fuzz_embed")

# fuzz_sse / fuzz_ndjson: byte 0 options, bytes 1..4 feed sizes (fuzz.h).
SPLITS = (b"\x03\x00\x00\x00\x00", b"\x02\x01\x01\x01\x01", b"\x01\x07\x00\x1d\x03", b"\x07\x3f\x11\x05\x02")
# fuzz_eventstream byte 0: bits 0-1 max_message (32, 128, 1024, 16 MiB), bit 2 fix CRCs.
EVS_SPLITS = (b"\x03\x00\x00\x00\x00", b"\x03\x01\x01\x01\x01", b"\x07\x07\x00\x1d\x03", b"\x02\x3f\x11\x05\x02")
# fuzz_response byte 0: bits 0-2 answer kind, bits 3-7 status index / write size.
RESP_JSON, RESP_SSE, RESP_NDJSON, RESP_TEXT, RESP_ERR_JSON = 0, 1, 2, 3, 5
ERRORS = (400, 401, 402, 403, 404, 408, 409, 413, 422, 424, 429, 499, 500, 502, 503, 529)


def put(out, target, name, data):
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)


def response_seeds(name, data):
    """(file name, bytes) seeds for fuzz_response from one fixture."""
    ext = os.path.splitext(name)[1]
    m = re.search(r"error_(\d{3})", name)
    if m and int(m.group(1)) in ERRORS:
        sel = RESP_ERR_JSON | (ERRORS.index(int(m.group(1))) << 3)
        return [(name, bytes([sel]) + data)]
    if ext == ".sse":
        # one write, and 7-byte writes
        return [(name, bytes([RESP_SSE]) + data), (name + ".w7", bytes([RESP_SSE | 7 << 3]) + data)]
    if ext == ".bin":  # AWS event streams (Bedrock)
        return [(name, bytes([RESP_SSE]) + data), (name + ".w7", bytes([RESP_SSE | 7 << 3]) + data)]
    if ext == ".ndjson":
        return [(name, bytes([RESP_NDJSON]) + data), (name + ".w5", bytes([RESP_NDJSON | 5 << 3]) + data)]
    if ext in (".txt", ".srt"):
        return [(name, bytes([RESP_TEXT]) + data)]
    if ext == ".json":
        return [(name, bytes([RESP_JSON]) + data)]
    return []


def main():
    data_dir, fuzz_dir, build_dir, stamp = sys.argv[1:5]
    out = os.path.join(build_dir, "corpus")
    for t in TARGETS:
        os.makedirs(os.path.join(out, t), exist_ok=True)
        os.makedirs(os.path.join(build_dir, "artifacts", t), exist_ok=True)
        src = os.path.join(fuzz_dir, "seeds", t)
        if os.path.isdir(src):
            for f in sorted(os.listdir(src)):
                shutil.copyfile(os.path.join(src, f), os.path.join(out, t, "seed-" + f))
        reg = os.path.join(build_dir, "regressions", t)
        shutil.rmtree(reg, ignore_errors=True)
        os.makedirs(reg)
        src = os.path.join(fuzz_dir, "regressions", t)
        if os.path.isdir(src):
            for f in sorted(os.listdir(src)):
                shutil.copyfile(os.path.join(src, f), os.path.join(reg, f))
    for root, _, files in sorted(os.walk(data_dir)):
        for f in sorted(files):
            path = os.path.join(root, f)
            rel = os.path.relpath(path, data_dir).replace(os.sep, "-")
            ext = os.path.splitext(f)[1]
            if ext in (".md", ".py", ".png"):
                continue
            with open(path, "rb") as fh:
                data = fh.read()
            if len(data) > 64 * 1024:
                continue
            for name, seed in response_seeds(rel, data):
                put(out, "fuzz_response", "data-" + name, seed)
            if ext in (".sse",):
                for i, h in enumerate(SPLITS):
                    put(out, "fuzz_sse", "data-%s.%d" % (rel, i), h + data)
            if ext == ".bin":
                for i, h in enumerate(EVS_SPLITS):
                    put(out, "fuzz_eventstream", "data-%s.%d" % (rel, i), h + data)
            if ext in (".ndjson", ".jsonl"):
                for j, line in enumerate(data.split(b"\n")[:8]):
                    if line.strip():
                        put(out, "fuzz_json", "data-%s.%d" % (rel, j), b"\x01" + line)
                for i, h in enumerate(SPLITS):
                    put(out, "fuzz_ndjson", "data-%s.%d" % (rel, i), h + data)
            if ext == ".json":
                # fuzz_json byte 0: the flags (0: an array or object)
                put(out, "fuzz_json", "data-" + rel, b"\x00" + data)
                # base64 payloads inside the fixtures (images)
                for j, b in enumerate(re.findall(rb'"(?:b64_json|data|bytesBase64Encoded)"\s*:\s*"([A-Za-z0-9+/=]{8,})"', data)):
                    put(out, "fuzz_b64", "data-%s.%d" % (rel, j), b)
                    put(out, "fuzz_b64", "data-%s.%d.url" % (rel, j), b"data:image/png;base64," + b)
    with open(stamp, "w") as f:
        f.write("ok\n")


if __name__ == "__main__":
    main()
