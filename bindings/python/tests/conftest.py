"""Fixtures: the real built libllmkit and the loopback test server.

LLMKIT_BUILD_DIR names the meson build directory (default: build/ at the
top of the source tree); the library is loaded from it unless LLMKIT_LIBRARY
is set (or LLMKIT_EXPECT_BUNDLED, for a wheel that carries its own), and the
server is its tests/th_serve (tests/support/th_serve.c).
"""
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.path.abspath(os.environ.get("LLMKIT_BUILD_DIR") or os.path.join(ROOT, "build"))
DATA = os.path.join(ROOT, "tests", "data")
# A wheel carries its own library: LLMKIT_EXPECT_BUNDLED=1 tests that one.
if not os.environ.get("LLMKIT_EXPECT_BUNDLED"):
    os.environ.setdefault("LLMKIT_LIBRARY", os.path.join(BUILD, "libllmkit.so.0"))
# The loopback server must never be reached through a proxy.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


class Server:
    """tests/support/th_serve driven over its stdin (see th_serve.c)."""

    def __init__(self):
        exe = os.path.join(BUILD, "tests", "th_serve")
        if not os.path.exists(exe):
            raise RuntimeError("%s not found: build libllmkit with tests (LLMKIT_BUILD_DIR)" % exe)
        self.proc = subprocess.Popen([exe, DATA], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        first = self.proc.stdout.readline().split()
        assert first[0] == "port", first
        self.port = int(first[1])
        self.url = "http://127.0.0.1:%d/v1" % self.port

    def cmd(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = self.proc.stdout.readline().rstrip("\n")
        if out.startswith("error"):
            raise RuntimeError("th_serve: %s (for %r)" % (out, line))
        return out

    def push(self, status, file="-", **kw):
        """Queues a response: FILE relative to tests/data, keywords as th_serve's key=value."""
        args = ["push", str(status), file]
        for k, v in kw.items():
            for item in (v if isinstance(v, list) else [v]):
                args.append("%s=%s" % (k, item))
        self.cmd(" ".join(args))

    def count(self):
        return int(self.cmd("count").split()[1])

    def pending(self):
        return int(self.cmd("pending").split()[1])

    def request(self, i):
        r = json.loads(self.cmd("req %d" % i))
        r["json"] = json.loads(r["body"]) if r.get("body") and r["body"].startswith("{") else None
        return r

    def reset(self):
        self.cmd("reset")

    def stop(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def _server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def server(_server):
    _server.reset()
    yield _server
    _server.reset()


@pytest.fixture
def client(server):
    import llmkit
    with llmkit.Client("openai/gpt-4o-mini", base_url=server.url, api_key="sk-test-not-real", timeout=20,
                       options={"max_retries": 0}) as c:
        yield c
