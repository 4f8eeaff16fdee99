"""llmkit.Store: rate limits and router cooldowns shared through a store
(in-process, and Redis when redis-server is installed: started here on a
free port of 127.0.0.1, without persistence, and stopped)."""
import os
import shutil
import socket
import subprocess
import time

import pytest

import llmkit


def _client(server, store=None, **opts):
    opts.setdefault("max_retries", 0)
    return llmkit.Client("openai/gpt-4o-mini", base_url=server.url, api_key="sk-test-not-real", options=opts,
                         store=store)


def test_local_store_shares_limits(server):
    server.push(200, "openai/chat_completion.json", repeat=4)
    with llmkit.Store.local() as store:
        a = _client(server, store, rate_limit_rpm=3, rate_limit_max_wait_ms=0)
        b = _client(server, store, rate_limit_rpm=3, rate_limit_max_wait_ms=0)
        r = a.chat("one")
        assert r.rate_wait_ms == 0
        b.chat("two")
        a.chat("three")
        with pytest.raises(llmkit.RateLimitError, match="rate_limit_rpm = 3") as ei:
            b.chat("four")
        assert ei.value.retry_after_ms > 0
        assert server.count() == 3  # the fourth was never sent
        a.close()
        b.close()
    # a client without a limit measures no wait
    with _client(server) as c:
        assert c.chat("x").rate_wait_ms is None


def test_wait_shows_on_the_response(server):
    server.push(200, "openai/chat_completion.json", repeat=3)
    with _client(server, rate_limit_rpm=120, rate_limit_window_ms=500) as c:  # 1 per 500 ms
        c.chat("one")
        t0 = time.monotonic()
        r = c.chat("two")
        assert time.monotonic() - t0 >= 0.4
        assert r.rate_wait_ms >= 400


def test_redis_url_errors():
    with pytest.raises(llmkit.InvalidArgumentError):
        llmkit.Store.redis("http://127.0.0.1")
    with pytest.raises(llmkit.UnsupportedError):
        llmkit.Store.redis("rediss://127.0.0.1:6390")


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def redis_url():
    if not (llmkit.raw.llmk_features() & llmkit.raw.LLMK_FEATURE_REDIS):
        pytest.skip("library built without hiredis")
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(exe):
        pytest.skip("redis-server is not installed (scripts/deps.sh installs it)")
    port = _free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", "/tmp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(250):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.02)
        yield "redis://127.0.0.1:%d/0?prefix=pytest%d:" % (port, os.getpid())
    finally:
        proc.kill()
        proc.wait()


def test_redis_store_shares_limits_and_cooldowns(server, redis_url):
    # two stores on the same server and prefix stand for two processes
    s1, s2 = llmkit.Store.redis(redis_url), llmkit.Store.redis(redis_url)
    a = _client(server, s1, rate_limit_rpm=2, rate_limit_max_wait_ms=0)
    b = _client(server, s2, rate_limit_rpm=2, rate_limit_max_wait_ms=0)
    server.push(200, "openai/chat_completion.json", repeat=2)
    a.chat("one")
    b.chat("two")
    with pytest.raises(llmkit.RateLimitError):
        a.chat("three")
    assert server.count() == 2
    # routers: a cooldown decided by one is obeyed by the other
    server.reset()
    p1 = _client(server)
    p2 = llmkit.Client("openai/gpt-4o", base_url=server.url, api_key="k", options={"max_retries": 0})
    r1 = llmkit.Router([("p", p1), ("q", p2)], allowed_fails=1, cooldown_ms=60000, store=s1)
    r2 = llmkit.Router([("p", p1), ("q", p2)], store=s2)
    server.push(429, "openai/error_429.json")
    server.push(200, "openai/chat_completion.json", repeat=2)
    assert r1.chat("hi").tried == "p=LLMK_E_RATE_LIMITED,q=LLMK_OK"
    assert r2.cooling(0)
    assert r2.chat("hi").tried == "q=LLMK_OK"
    assert server.count() == 3
    for x in (r1, r2, a, b, p1, p2, s1, s2):
        x.close()
