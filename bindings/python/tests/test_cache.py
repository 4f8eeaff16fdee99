"""The response cache from Python: Client(cache=...) with an SQLite file or a
memory Cache, answers marked cached with no request to the loopback server,
streams replayed, per-request bypass, and the key shared between clients
that differ only by their API key."""
import llmkit
import pytest


def _client(server, **kw):
    return llmkit.Client("openai/gpt-4o-mini", base_url=server.url, api_key=kw.pop("api_key", "sk-test-not-real"),
                         timeout=20, options={"max_retries": 0}, **kw)


def test_cache_sqlite_file(server, tmp_path):
    if not llmkit.raw.llmk_features() & llmkit.raw.LLMK_FEATURE_SQLITE:
        pytest.skip("libllmkit without SQLite")
    path = tmp_path / "answers.db"
    server.push(200, "openai/chat_completion.json")
    with _client(server, cache=str(path)) as c:
        a = c.chat("Say hello", temperature=0)
        b = c.chat("Say hello", temperature=0)
    assert not a.cached and a.attempts == 1
    assert b.cached and b.attempts == 0
    assert (b.text, b.model, b.usage, b.raw, b.finish) == (a.text, a.model, a.usage, a.raw, a.finish)
    assert server.count() == 1
    # Another client on the same file (as another process would be): a hit,
    # streamed as events.
    with _client(server, cache=path) as c:
        with c.stream("Say hello", temperature=0) as s:
            text = "".join(e.text for e in s if e.type == llmkit.EventType.TEXT)
        assert text == a.text and s.response.cached
        # A changed parameter is another question.
        server.push(200, "openai/chat_completion.json")
        d = c.chat("Say hello", temperature=0.5)
        assert not d.cached
    assert server.count() == 2
    assert b"sk-test-not-real" not in path.read_bytes()


def test_cache_memory_shared_and_bypassed(server):
    cache = llmkit.Cache.memory(1 << 20)
    server.push(200, "openai/chat_completion.json")
    with _client(server, cache=cache) as c1, _client(server, cache=cache, api_key="sk-another-key") as c2:
        a = c1.chat("hi")
        b = c2.chat("hi")  # the API key is not part of the key
        assert b.cached and b.text == a.text
        server.push(200, "openai/chat_completion.json")
        d = c2.chat("hi", cache=0)  # bypass
        assert not d.cached
        assert server.count() == 2
    cache.close()


def test_cache_ttl_and_bad_file(server, tmp_path):
    import time
    cache = llmkit.Cache.memory()
    server.push(200, "openai/chat_completion.json")
    server.push(200, "openai/chat_completion.json")
    with _client(server, cache=cache, cache_ttl=0.2) as c:
        c.chat("ttl")
        assert c.chat("ttl").cached
        time.sleep(0.6)
        assert not c.chat("ttl").cached
    assert server.count() == 2
    cache.close()
    if llmkit.raw.llmk_features() & llmkit.raw.LLMK_FEATURE_SQLITE:
        bad = tmp_path / "not-a-db"
        bad.write_bytes(b"this is no database at all, long enough to be read as a header" * 4)
        with pytest.raises(llmkit.LLMKitError, match="cannot be used as a cache"):
            _client(server, cache=str(bad))


def test_cache_asyncio(server):
    import asyncio
    cache = llmkit.Cache.memory()
    server.push(200, "openai/chat_completion.json")
    with _client(server, cache=cache) as c:
        async def main():
            first = await c.achat("async hello")
            more = await asyncio.gather(*[c.achat("async hello") for _ in range(5)])
            return first, more
        first, more = asyncio.run(main())
        assert not first.cached and all(r.cached and r.text == first.text for r in more)
    assert server.count() == 1
    cache.close()
