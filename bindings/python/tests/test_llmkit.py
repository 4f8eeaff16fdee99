"""The Python bindings against the real libllmkit and the loopback server."""
import base64
import json
import ctypes
import os
import threading
import time

import pytest

import llmkit
from llmkit import _raw

SPEECH = b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00binary\x00audio"
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_raw_layer_loaded():
    assert _raw.LIBRARY_VERSION_NUMBER == _raw.llmk_version_number()
    assert _raw.LIBRARY_VERSION_NUMBER // 10000 == _raw.LLMK_VERSION_NUMBER // 10000
    assert llmkit.version() == _raw.llmk_version().decode()
    # Every function of the header is bound to the library with its types.
    assert len(_raw.FUNCTIONS) > 100
    for name in _raw.FUNCTIONS:
        f = getattr(_raw, name)
        assert _raw.has_symbol(name), name
        assert isinstance(f, ctypes._CFuncPtr), name
        assert f.argtypes is not None, name
    # The tables agree with the library's own lookups.
    for name, value, message in _raw.STATUS_TABLE:
        assert _raw.llmk_status_name(value).decode() == "LLMK_" + name
        assert _raw.llmk_strerror(value).decode() == message
        assert getattr(_raw, "LLMK_" + name) == value
    for name, oid, scope, key, doc in _raw.OPTION_TABLE:
        assert _raw.llmk_option_by_name(key.encode()) == oid
        assert llmkit.Option[name] == oid
    assert "openai" in llmkit.providers()


def test_missing_symbol_is_a_stub():
    from llmkit._loader import bind
    missing = []
    f = bind(_raw._lib, missing, "llmk_no_such_function", ctypes.c_int32, [])
    assert missing == ["llmk_no_such_function"]
    with pytest.raises(llmkit.MissingSymbolError, match="llmk_no_such_function"):
        f()


def test_chat(server, client):
    server.push(200, "openai/chat_completion.json", header="x-request-id:req_123")
    r = client.chat([{"role": "user", "content": "Say hello"}], system="Be brief.", temperature=0.25, max_tokens=50,
                    stop=["\n\n", "END"])
    assert isinstance(r, llmkit.ChatResponse)
    assert r.text == "Hello! How can I assist you today?"
    assert str(r) == r.text
    assert r.finish == llmkit.Finish.STOP and r.finish_reason == "stop"
    assert r.model == "gpt-4.1-2025-04-14"
    assert (r.usage.input, r.usage.output, r.usage.total) == (19, 10, 29)
    assert r.usage.cached_input == 4 and r.usage.reasoning == 2
    assert r.request_id == "req_123" and r.http_status == 200 and r.attempts == 1
    assert r.total_ms is not None and r.total_ms >= 0
    assert b'"chat.completion"' in r.raw
    req = server.request(0)
    assert req["method"] == "POST" and req["target"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer sk-test-not-real"
    body = req["json"]
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello"}]
    assert body["temperature"] == 0.25 and body.get("max_completion_tokens", body.get("max_tokens")) == 50 and body["stop"] == ["\n\n", "END"]


def test_chat_string_and_tuples_and_tools(server, client):
    server.push(200, "openai/chat_tool_calls.json")
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                                 "parameters": {"type": "object", "properties": {}}}}]
    r = client.chat([("user", "Weather?"), ("assistant", "Which city?"), ("user", "Paris")], tools=tools,
                    model="gpt-4o")
    assert r.finish == llmkit.Finish.TOOL_CALLS
    assert r.tool_calls and r.tool_calls[0].name and r.tool_calls[0].arguments.startswith("{")
    body = server.request(0)["json"]
    assert body["model"] == "gpt-4o"
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["tools"][0]["function"]["name"] == "get_weather"


def test_stream(server, client):
    server.push(200, "openai/chat_stream.sse", write_size=40)
    events = []
    with client.stream("Say hello", temperature=0) as s:
        for e in s:
            events.append(e)
    text = "".join(e.text for e in events if e.type == llmkit.EventType.TEXT)
    assert text == "Hello! How can I help? \u00e9\u6f22"
    assert events[-1].type == llmkit.EventType.DONE
    assert s.response is not None and s.response.text == text
    assert s.response.finish == llmkit.Finish.STOP
    assert server.request(0)["json"]["stream"] is True


def test_stream_text_iterator(server, client):
    server.push(200, "openai/chat_stream.sse")
    s = client.stream("Say hello")
    assert "".join(s.text()) == "Hello! How can I help? \u00e9\u6f22"


def test_stream_error_inside_stream(server, client):
    server.push(200, "openai/chat_stream_error.sse")
    seen = []
    with pytest.raises(llmkit.ServerError) as ei:
        for t in client.stream("hi").text():
            seen.append(t)
    assert seen == ["Partial"]
    assert "The server had an error" in ei.value.detail
    assert ei.value.http_status == 200


def test_embed(server, client):
    server.push(200, "openai/embeddings.json")
    r = client.embed(["first", "second"], model="text-embedding-3-small", dimensions=4)
    assert isinstance(r, llmkit.EmbedResponse)
    assert len(r.vectors) == 2
    assert r.vectors[0] == pytest.approx([0.0023064255, -0.009327292, 0.015797347, -0.0077780345])
    assert r.vectors[1] == [0.5, -0.25, 0.125, 1.0]
    assert r.usage.input == 8
    req = server.request(0)
    assert req["target"] == "/v1/embeddings"
    assert req["json"]["input"] == ["first", "second"] and req["json"]["dimensions"] == 4


def test_image(server, client):
    server.push(200, "openai/image_b64.json")
    r = client.image("a red pixel", model="gpt-image-1", image_size="1024x1024")
    assert r.images[0].data == PIXEL
    assert r.images[0].revised_prompt == "A single red pixel on a white background."
    assert server.request(0)["json"]["prompt"] == "a red pixel"
    server.push(200, "openai/image_url.json")
    r = client.image("an otter", model="dall-e-3")
    assert [i.url for i in r.images] == ["https://example.invalid/images/a.png", "https://example.invalid/images/b.png"]
    assert r.images[1].data is None


def test_transcribe(server, client, tmp_path):
    server.push(200, "openai/transcription.json")
    r = client.transcribe(b"RIFF\x00\x00\x00\x00WAVEfmt ", model="whisper-1", language="en")
    assert r.text.startswith("And so my fellow Americans")
    req = server.request(0)
    assert req["target"] == "/v1/audio/transcriptions"
    assert req["headers"]["Content-Type"].startswith("multipart/form-data")
    wav = tmp_path / "speech.wav"
    wav.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    server.push(200, "openai/transcription_verbose.json")
    r = client.transcribe(wav, model="whisper-1", transcript_format="verbose_json")
    assert r.duration and r.duration > 0
    assert r.segments and r.segments[0].end >= r.segments[0].start
    assert 'filename="speech.wav"' in (server.request(1).get("body") or "")


def test_speak(server, client):
    server.push(200, "-", hex=SPEECH.hex(), type="audio/mpeg")
    r = client.speak("Hello there", voice="alloy", format="mp3", model="gpt-4o-mini-tts", speed=1.25)
    assert r.audio == SPEECH and r.mime == "audio/mpeg"
    body = server.request(0)["json"]
    assert body == {"model": "gpt-4o-mini-tts", "input": "Hello there", "voice": "alloy",
                    "response_format": "mp3", "speed": 1.25}


@pytest.mark.parametrize("status,file,headers,cls,code", [
    (401, "openai/error_401.json", [], llmkit.AuthenticationError, llmkit.Status.E_AUTH),
    (429, "openai/error_429.json", ["retry-after:20"], llmkit.RateLimitError, llmkit.Status.E_RATE_LIMITED),
    (400, "openai/error_400_context.json", [], llmkit.ContextLengthError, llmkit.Status.E_CONTEXT_LENGTH),
])
def test_error_mapping(server, client, status, file, headers, cls, code):
    server.push(status, file, header=headers)
    with pytest.raises(cls) as ei:
        client.chat("hi")
    e = ei.value
    assert isinstance(e, llmkit.LLMKitError)
    assert e.status == code and e.status_name == "LLMK_" + code.name
    assert e.http_status == status
    assert str(status) in e.detail
    assert "sk-test-not-real" not in str(e)
    if status == 429:
        assert e.retry_after_ms == 20000 and e.error_code == "rate_limit_exceeded"
        assert "Rate limit reached" in e.detail


def test_error_classes_cover_the_status_table():
    for name, value, _ in _raw.STATUS_TABLE:
        if value:
            e = llmkit.error_for(value, "x")
            assert type(e) is llmkit.ERRORS[value] and e.status == value and e.detail == "x"
    assert isinstance(llmkit.error_for(6), TimeoutError)
    assert isinstance(llmkit.error_for(5), ConnectionError)


def test_configuration_errors(server, client):
    with pytest.raises(llmkit.UnknownOptionError):
        client.chat("hi", no_such_option=1)
    with pytest.raises(llmkit.InvalidArgumentError) as ei:
        client.embed("x", temperature=0.5)  # not an embed option
    assert ei.value.detail  # the request's own message
    with pytest.raises(llmkit.InvalidArgumentError) as ei:
        client.set_option("temperature", 1.0)  # request scope, not client
    assert ei.value.detail
    with pytest.raises(llmkit.UnsupportedError):
        llmkit.Client("no-such-provider/model")
    assert server.count() == 0


def test_nul_refused_before_sending(server, client):
    # A NUL used to cut the string: the key went out as "sk-abc", the model as
    # "gpt". Every string argument is refused instead, and nothing is sent.
    with pytest.raises(ValueError) as ei:
        llmkit.Client("openai/gpt-4o-mini", base_url=server.url, api_key="sk-abc\x00X-Inj: 1")
    assert "X-Inj" not in str(ei.value) and "sk-abc" not in str(ei.value)
    with pytest.raises(ValueError):
        llmkit.Client("openai/gpt\x00evil", base_url=server.url, api_key="sk-test")
    with pytest.raises(ValueError):
        client.chat("hi", model="gpt\x00evil")
    with pytest.raises(ValueError):
        client.chat([{"role": "user", "content": "hi\x00there"}])
    with pytest.raises(ValueError):
        client.embed(["ok", "not\x00ok"])
    with pytest.raises(ValueError):
        client.set_option("user_agent", "ua\x00X-Inj: 1")
    assert server.count() == 0


def test_transport_error():
    with llmkit.Client("openai/m", base_url="http://127.0.0.1:1/v1", api_key="k", options={"max_retries": 0}) as c:
        with pytest.raises(llmkit.TransportError) as ei:
            c.chat("hi")
        assert ei.value.http_status == 0


def test_context_manager_and_close(server):
    with llmkit.Client("openai/gpt-4o-mini", base_url=server.url, api_key="k") as c:
        assert c.provider == "openai" and c.model == "gpt-4o-mini" and c.base_url == server.url
        assert c.has_api_key
    assert c._ptr is None
    with pytest.raises(llmkit.InvalidArgumentError):
        c.chat("hi")
    c.close()  # twice is fine


def test_cancel_from_another_thread(server, client):
    server.push(200, "openai/chat_completion.json", delay_headers_ms=5000)
    with llmkit.Cancel() as cancel:
        threading.Timer(0.2, cancel.trigger).start()
        t0 = time.monotonic()
        with pytest.raises(llmkit.CancelledError):
            client.chat("hi", cancel=cancel)
        assert time.monotonic() - t0 < 2.0
        assert cancel.triggered
        cancel.reset()
        assert not cancel.triggered


def test_stream_closed_early_cancels(server, client):
    # Slow stream: one 30-byte write every 100 ms (about 8.6 s in all).
    server.push(200, "openai/chat_stream.sse", write_size=30, delay_ms=100)
    s = client.stream("hi")
    for e in s:
        if e.type == llmkit.EventType.TEXT and e.text:
            break
    t0 = time.monotonic()
    s.close()
    assert time.monotonic() - t0 < 1.0
    assert s.response is None


def _rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_memory_10000_requests(server, client):
    n, warm = 10000, 300
    server.push(200, "openai/chat_completion.json", repeat=n + warm)
    for _ in range(warm):
        client.chat("hi")
    import gc
    gc.collect()
    before = _rss_kb()
    served = 0
    for i in range(n):
        r = client.chat("hi")
        assert r.text == "Hello! How can I assist you today?"
        if i % 1000 == 999:
            served += server.count()
            server.reset()  # the server keeps every request; it is not what is measured
            server.push(200, "openai/chat_completion.json", repeat=n - i)
    gc.collect()
    grown = _rss_kb() - before
    assert served == n + warm
    print("RSS %d KiB -> %d KiB over %d requests (growth %d KiB)" % (before, before + grown, n, grown))
    assert grown <= 5 * 1024


def test_installed_package_is_tested():
    if os.environ.get("LLMKIT_EXPECT_INSTALLED"):
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        assert not os.path.abspath(llmkit.__file__).startswith(here + os.sep), llmkit.__file__


@pytest.mark.skipif(not llmkit.compare_available(), reason="the loaded libllmkit has no llmk_compare_new")
def test_compare(server, client):
    with llmkit.Client("openai/gpt-4o", base_url=server.url, api_key="k", options={"max_retries": 0}) as other:
        server.push(200, "openai/chat_completion.json", repeat=4)
        res = llmkit.compare([client, other], [{"prompt": "Say hello", "expected": "assist", "scorer": "contains"},
                                               {"prompt": "Say hi", "expected": "nope", "scorer": "exact"}])
    assert [r.model for r in res] == ["openai/gpt-4o-mini", "openai/gpt-4o"]
    for r in res:
        assert (r.runs, r.ok, r.input_tokens, r.output_tokens) == (2, 2, 38, 20)
        assert r.score == pytest.approx(0.5)
        assert r.latency_ms is not None and r.latency_ms >= 0
        assert [(a.case, a.run, a.score) for a in r.answers] == [(0, 0, 1.0), (1, 0, 0.0)]
        assert r.answers[0].response.text == "Hello! How can I assist you today?"
    assert server.count() == 4


@pytest.mark.skipif(not hasattr(_raw._lib, "llmk_compare_paired"), reason="no compare statistics in the library")
def test_compare_statistics(server, client):
    """Three of four cases pass: Wilson 95 % [0.300642, 0.954413] and a
    standard error of 0.5 / 2, worked by hand; the same answers as the
    baseline make every score difference 0."""
    with llmkit.Client("openai/gpt-4o", base_url=server.url, api_key="k", options={"max_retries": 0}) as other:
        server.push(200, "openai/chat_completion.json", repeat=8)
        cases = [{"prompt": p, "expected": e, "scorer": "contains"} for p, e in (("a", "assist"), ("b", "hello"), ("c", "today"),
                                                             ("d", "Paris"))]
        res = llmkit.compare([client, other], cases, concurrency=1, baseline="openai/gpt-4o")
    a = res[0]
    assert a.stats["pass_rate"] == 0.75
    assert a.stats["pass_rate_low"] == pytest.approx(0.300642, abs=1e-6)
    assert a.stats["pass_rate_high"] == pytest.approx(0.954413, abs=1e-6)
    assert a.stats["score_stderr"] == pytest.approx(0.25)
    assert a.stats["latency_p90_ms"] >= a.stats["latency_p50_ms"] >= a.stats["latency_min_ms"]
    assert a.stats["ttft_p50_ms"] is None
    assert a.stats["error_rate"] == 0 and a.errors == {}
    assert a.vs_baseline["score"] == (0.0, 0.0, 0.0, 4)
    assert a.vs_baseline["latency_ms"][3] == 4
    assert server.count() == 8


@pytest.mark.skipif(not hasattr(_raw._lib, "llmk_compare_set_judge"), reason="no judge scorer in the library")
def test_compare_judge(server, client):
    """The judge's verdict (7 of 10) and reason; its cost apart: 100 + 10
    tokens at gpt-4o-mini's $0.15 / $0.60 per million."""
    verdict = "7b226964223a226a222c226f626a656374223a22636861742e636f6d706c6574696f6e222c2263726561746564223a312c226d6f64656c223a226770742d346f2d6d696e692d323032342d30372d3138222c2263686f69636573223a5b7b22696e646578223a302c226d657373616765223a7b22726f6c65223a22617373697374616e74222c22636f6e74656e74223a227b5c2273636f72655c223a20372c205c22726561736f6e5c223a205c22706f6c6974655c227d227d2c2266696e6973685f726561736f6e223a2273746f70227d5d2c227573616765223a7b2270726f6d70745f746f6b656e73223a3130302c22636f6d706c6574696f6e5f746f6b656e73223a31302c22746f74616c5f746f6b656e73223a3131307d7d"
    with llmkit.Client("openai/gpt-4o-mini", base_url=server.url, api_key="k", options={"max_retries": 0}) as judge:
        server.push(200, "openai/chat_completion.json")
        server.push(200, "-", hex=verdict, type="application/json")
        res = llmkit.compare([client], [{"prompt": "Greet me", "scorer": "judge", "rubric": "politeness"}],
                             judge=judge)
    a = res[0]
    assert a.score == pytest.approx(0.7)
    assert a.answers[0].reason == "polite"
    assert a.stats["judge_calls"] == 1
    assert a.stats["judge_cost_usd"] == pytest.approx((100 * 0.15 + 10 * 0.6) / 1e6)
    assert server.count() == 2


def test_compare_availability_follows_the_library():
    assert llmkit.compare_available() == hasattr(_raw._lib, "llmk_compare_new")
    if not llmkit.compare_available():
        with pytest.raises(llmkit.UnsupportedError, match="llmk_compare_new"):
            llmkit.compare(["openai/x"], "hi")


def test_one_client_from_several_threads(server, client):
    server.push(200, "openai/chat_completion.json", repeat=200)
    errors, texts = [], []

    def work():
        try:
            for _ in range(50):
                texts.append(client.chat("hi").text)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(texts) == 200 and set(texts) == {"Hello! How can I assist you today?"}
    assert server.count() == 200


def test_router_falls_back_and_says_so(server, client):
    with llmkit.Client("openai/gpt-4o", base_url=server.url, api_key="sk-test-not-real",
                       options={"max_retries": 0}) as backup:
        with llmkit.Router([("primary", client), ("backup", backup)]) as rt:
            assert len(rt) == 2
            server.push(429, "openai/error_429.json")
            server.push(200, "openai/chat_completion.json")
            r = rt.chat("Say hello", max_tokens=20)
            assert r.text == "Hello! How can I assist you today?"
            assert r.deployment == "backup"
            assert r.tried == "primary=LLMK_E_RATE_LIMITED,backup=LLMK_OK"
            # the two requests went to the two deployments' models
            assert [server.request(i)["json"]["model"] for i in range(2)] == ["gpt-4o-mini", "gpt-4o"]
            # a bad request is not a reason to try elsewhere
            server.push(400, "openai/error_400_context.json")
            with pytest.raises(llmkit.ContextLengthError) as ei:
                rt.chat("too long")
            assert ei.value.deployment == "primary" and ei.value.tried == "primary=LLMK_E_CONTEXT_LENGTH"
            assert server.count() == 3
            # a plain client's answers name no deployment
            server.push(200, "openai/chat_completion.json")
            assert client.chat("hi").deployment == ""


def test_router_weighted_and_cooldown(server, client):
    with llmkit.Client("openai/gpt-4o", base_url=server.url, api_key="k", options={"max_retries": 0}) as other:
        with llmkit.Router([("a", client, 1), ("b", other, 3)], strategy="weighted") as rt:
            server.push(200, "openai/chat_completion.json", repeat=40)
            picks = [rt.chat("hi").deployment for _ in range(40)]
            assert (picks.count("a"), picks.count("b")) == (10, 30)
        with llmkit.Router([("a", client), ("b", other)], allowed_fails=1, cooldown_ms=60000,
                           fallback_on=[llmkit.Status.E_RATE_LIMITED]) as rt:
            server.reset()
            server.push(429, "openai/error_429.json")
            server.push(200, "openai/chat_completion.json", repeat=2)
            assert rt.chat("hi").tried == "a=LLMK_E_RATE_LIMITED,b=LLMK_OK"
            assert rt.cooling(0) and not rt.cooling(1)
            assert rt.chat("hi").tried == "b=LLMK_OK"  # a rests: not even asked
            assert server.count() == 3
            with pytest.raises(IndexError):
                rt.cooling(5)


def test_router_bad_arguments(client):
    with pytest.raises(llmkit.InvalidArgumentError, match="strategy"):
        llmkit.Router(strategy="random")
    with llmkit.Router() as rt:
        with pytest.raises(llmkit.InvalidArgumentError, match="no deployments"):
            rt.chat("hi")
        rt.add("x", client)
        with pytest.raises(llmkit.ConfigError, match="taken"):
            rt.add("x", client)
        with pytest.raises(llmkit.InvalidArgumentError):
            rt.add("a,b", client)
        with pytest.raises(llmkit.InvalidArgumentError):
            rt.add("y", client, weight=0)
    with pytest.raises(llmkit.InvalidArgumentError, match="closed"):
        len(rt)


def test_achat_many_at_once_on_one_thread(server, client):
    import asyncio
    import threading
    import time
    server.push(200, "openai/chat_completion.json", delay_headers_ms=300, repeat=20)

    async def main():
        before = threading.active_count()
        t0 = time.monotonic()
        answers = await asyncio.gather(*[client.achat("hello %d" % i, max_tokens=5) for i in range(20)])
        took = time.monotonic() - t0
        assert threading.active_count() == before  # no helper threads
        return answers, took

    answers, took = asyncio.run(main())
    assert [a.text for a in answers] == ["Hello! How can I assist you today?"] * 20
    assert all(a.usage.total == 29 for a in answers)
    # 20 x 300 ms one after another would be 6 s
    assert took < 2.0, took
    assert server.count() == 20
    prompts = sorted(server.request(i)["json"]["messages"][0]["content"] for i in range(20))
    assert prompts == sorted("hello %d" % i for i in range(20))


def test_achat_errors_and_embed(server, client):
    import asyncio
    server.push(429, "openai/error_429.json", header=["retry-after:3"])
    server.push(200, "openai/embeddings.json")

    async def main():
        with pytest.raises(llmkit.RateLimitError) as ei:
            await client.achat("hi")
        assert ei.value.retry_after_ms == 3000
        e = await client.aembed(["a", "b"])
        return e

    e = asyncio.run(main())
    assert len(e.vectors) == 2 and len(e.vectors[0]) > 0


def test_achat_cancelled_task_stops_the_request(server, client):
    import asyncio
    import time
    server.push(200, "openai/chat_completion.json", delay_headers_ms=5000)
    server.push(200, "openai/chat_completion.json")

    async def main():
        task = asyncio.ensure_future(client.achat("slow"))
        await asyncio.sleep(0.2)
        t0 = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the loop is free and the next request runs at once
        r = await client.achat("next")
        return time.monotonic() - t0, r

    took, r = asyncio.run(main())
    assert r.text == "Hello! How can I assist you today?"
    assert took < 1.5, took


def test_router_stream_falls_back_before_events(server, client):
    with llmkit.Client("openai/gpt-4o", base_url=server.url, api_key="sk-test-not-real",
                       options={"max_retries": 0}) as backup:
        with llmkit.Router([("primary", client), ("backup", backup)]) as rt:
            server.push(503, "-", header="content-type:application/json")
            server.push(200, "openai/chat_stream.sse")
            s = rt.stream("Say hello")
            text = "".join(s.text())
            assert text and text == s.response.text
            assert s.response.deployment == "backup"
            assert s.response.tried == "primary=LLMK_E_OVERLOADED,backup=LLMK_OK"
            assert server.count() == 2


SIG = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"


def test_agent_loop_appends_responses(server):
    """messages.append(response): the next request carries the turn as the
    provider needs it (Anthropic: thinking with its signature, first)."""
    import pickle
    import llmkit
    server.push(200, "anthropic/message_tool_use.json")
    server.push(200, "anthropic/stream_tools.sse", write_size=23)
    server.push(200, "anthropic/message.json")
    with llmkit.Client("anthropic/claude-sonnet-4-5", base_url=server.url, api_key="sk-ant-not-real",
                       options={"max_retries": 0}) as c:
        messages = [{"role": "user", "content": "Weather and time in Paris?"}]
        r = c.chat(messages, reasoning_budget=2048)
        assert [t.name for t in r.tool_calls] == ["get_weather", "get_time"]
        messages.append(r)
        for t in r.tool_calls:
            messages.append({"role": "tool", "tool_call_id": t.id, "content": "ok " + t.name})
        messages = pickle.loads(pickle.dumps(messages))  # the turn is plain data
        with c.stream(messages) as s:
            list(s)
        messages.append(s.response)
        messages.append({"role": "tool", "tool_call_id": s.response.tool_calls[0].id, "content": "18 C"})
        messages.append({"role": "tool", "tool_call_id": s.response.tool_calls[1].id, "content": "14:05"})
        final = c.chat(messages)
        assert final.text
        assert final.usage.cache_write == 200 and final.usage.cache_write_1h == 120
    second = server.request(1)["json"]["messages"]
    assert second[1]["content"][0] == {"type": "thinking", "thinking": "The user wants weather and the local time.",
                                       "signature": SIG}
    assert second[1]["content"][1]["type"] == "redacted_thinking"
    # the server tool's blocks go back whole, in place
    assert [b["type"] for b in second[1]["content"]] == ["thinking", "redacted_thinking", "text", "tool_use",
                                                        "server_tool_use", "web_search_tool_result", "tool_use"]
    assert second[1]["content"][5]["content"][0]["encrypted_content"] == "Eo8BCioIAhgB"
    assert [b["tool_use_id"] for b in second[2]["content"]] == ["toolu_01T1x1fJ34qAmk2tNTrN7Up6",
                                                               "toolu_01Zx81bVQ3mU2nJd5Hk0aTqW"]
    third = server.request(2)["json"]["messages"]
    assert len(third) == 5
    assert third[3]["content"][0]["signature"] == SIG  # the streamed turn, its signature from signature_delta
    assert third[3]["content"][0]["thinking"] == "The user wants weather and the local time."


def test_hand_made_response_and_refusal(server, client):
    import llmkit
    server.push(200, "openai/chat_refusal.json")
    server.push(200, "openai/chat_completion.json")
    r = client.chat("pick a lock")
    assert r.text == "" and r.refusal.startswith("I'm sorry")
    assert r.finish == llmkit.Finish.REFUSAL
    made = llmkit.ChatResponse(text="Earlier answer.", tool_calls=[llmkit.ToolCall("call_1", "f", "{}")])
    client.chat([("user", "hi"), made, {"role": "tool", "tool_call_id": "call_1", "content": "x"}, r,
                 ("user", "why?")])
    msgs = server.request(1)["json"]["messages"]
    assert msgs[1] == {"role": "assistant", "content": "Earlier answer.",
                       "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}
    assert msgs[3]["content"] == r.refusal


def test_agent_example_with_the_responses_api(server):
    """bindings/python/agent.py's loop against openai-responses: the next
    request carries the encrypted reasoning item and both calls unchanged."""
    import importlib.util
    import llmkit
    spec = importlib.util.spec_from_file_location(
        "agent_example", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "agent.py"))
    agent = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(agent)
    server.push(200, "responses/response_tools.json")
    server.push(200, "responses/response_text.json")
    with llmkit.Client("openai-responses/gpt-5", base_url=server.url, api_key="sk-not-real",
                       options={"max_retries": 0}) as c:
        answer = agent.run(c, "weather and time in Paris?", store=0)
    assert answer.text == "It is 18 C and 14:05 in Paris."
    body = server.request(1)["json"]
    assert [i.get("type") for i in body["input"]] == [None, "reasoning", "function_call", "function_call",
                                                     "function_call_output", "function_call_output"]
    assert body["input"][1]["encrypted_content"] == "gAAAAABo_reasoning-step-1-encrypted-made-up-for-tests_D1"
    assert json.loads(body["input"][4]["output"])["temp_c"] == 18
    assert body["include"] == ["reasoning.encrypted_content"]


def test_document_parts(server, client):
    server.push(200, "openai/chat_completion.json")
    client.chat([{"role": "user", "content": ["Summarise.", {"type": "document", "data": b"%PDF-1.7\n",
                                                           "filename": "r.pdf"},
                                              {"type": "document", "data": "plain notes"}]}])
    parts = server.request(0)["json"]["messages"][0]["content"]
    assert parts[1] == {"type": "file", "file": {"filename": "r.pdf", "file_data": "data:application/pdf;base64,JVBERi0xLjcK"}}
    assert parts[2] == {"type": "text", "text": "plain notes"}


def test_edit_image_and_variation(server, client, tmp_path):
    png = b"PNG first"  # ASCII: the loopback server shows UTF-8 bodies only
    path = tmp_path / "cat.webp"
    path.write_bytes(b"RIFF0000WEBPVP8 ")
    server.push(200, "openai/image_b64.json")
    r = client.edit_image([png, path], "add a hat", mask=b"PNG mask", model="gpt-image-1",
                          image_input_fidelity="high", image_output_format="jpeg", image_compression=60)
    assert r.images[0].data == PIXEL
    req = server.request(0)
    assert req["target"] == "/v1/images/edits"
    body = req["body"]
    assert body.count('name="image[]"') == 2
    assert 'name="image[]"; filename="image.png"' in body and 'filename="cat.webp"\r\nContent-Type: image/webp' in body
    assert 'name="mask"; filename="mask.png"' in body
    for field, value in (("prompt", "add a hat"), ("input_fidelity", "high"), ("output_format", "jpeg"),
                         ("output_compression", "60")):
        assert 'name="%s"\r\n\r\n%s\r\n' % (field, value) in body
    server.push(200, "openai/image_url.json")
    r = client.edit_image((png, "image/png"), model="dall-e-2", image_count=2)
    assert server.request(1)["target"] == "/v1/images/variations"
    assert len(r.images) == 2
    with pytest.raises(llmkit.InvalidArgumentError):
        client.edit_image((b"GIF89a", "image/gif"), "x")


def test_translate_words_logprobs(server, client):
    server.push(200, "openai/transcription.json")
    r = client.translate(b"RIFF\x00\x00\x00\x00WAVEfmt ", model="whisper-1")
    assert r.text.startswith("And so my fellow Americans")
    req = server.request(0)
    assert req["target"] == "/v1/audio/translations"
    server.push(200, "openai/transcription_words.json")
    r = client.transcribe(b"RIFF", model="whisper-1", transcript_format="verbose_json", timestamps="word")
    assert [(w.text, w.start) for w in r.words] == [("The", 0.0), ("volleyball", 7.400000095367432)]
    assert 'name="timestamp_granularities[]"\r\n\r\nword\r\n' in server.request(1)["body"]
    server.push(200, "openai/transcription_logprobs.json")
    r = client.transcribe(b"RIFF", model="gpt-4o-transcribe", logprobs=1)
    assert len(r.logprobs) == 16 and r.logprobs[0].token == "Hey"
    assert r.logprobs[0].logprob == pytest.approx(-1.0415299)
    assert 'name="include[]"\r\n\r\nlogprobs\r\n' in server.request(2)["body"]


def test_choices_and_logprobs(server, client):
    server.push(200, "openai/chat_choices_logprobs.json")
    r = client.chat("hi", choices=2, logprobs=1, top_logprobs=2)
    assert [(c.text, c.finish_reason) for c in r.choices] == [("Hello!", "stop"), ("Hi there", "length")]
    assert [t.token for t in r.logprobs] == ["Hello", "!"]
    assert [a.token for a in r.logprobs[1].top] == ["!", " there"]
    body = server.request(0)["json"]
    assert body["n"] == 2 and body["logprobs"] is True and body["top_logprobs"] == 2


def test_stream_transcription(server, client):
    server.push(200, "openai/transcription_stream.sse", write_size=7)
    with client.stream_transcribe(b"RIFF", model="gpt-4o-mini-transcribe") as s:
        events = list(s)
    text = "".join(e.text for e in events if e.type == llmkit.EventType.TEXT)
    assert text.startswith("I see skies of blue") and text.endswith("wonderful world.")
    assert s.response.text == text
    assert s.response.usage.input == 14
    assert 'name="stream"\r\n\r\ntrue\r\n' in server.request(0)["body"]


def test_stream_speech(server, client):
    audio = open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "data", "openai",
                              "speech_stream.bin"), "rb").read()
    server.push(200, "openai/speech_stream.sse", write_size=5)
    with client.stream_speech("hello", model="gpt-4o-mini-tts", stream_format="sse") as s:
        chunks = [e.data for e in s if e.type == llmkit.EventType.AUDIO]
    assert len(chunks) == 3 and b"".join(chunks) == audio
    assert s.response.audio == audio and s.response.mime == "audio/mpeg"
    assert s.response.usage.output == 101
    assert server.request(0)["json"]["stream_format"] == "sse"
def test_reasoning_effort_and_strict_tools(server):
    """reasoning_effort becomes Anthropic's adaptive thinking and effort on a
    model that takes it; a tool's "strict" (OpenAI's spelling) reaches every
    tool definition; tools that disagree are refused before sending."""
    import llmkit
    server.push(200, "anthropic/message.json")
    tools = [{"type": "function", "function": {"name": "lookup", "strict": True, "parameters": {
        "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"],
        "additionalProperties": False}}}, {"name": "now", "strict": True}]
    with llmkit.Client("anthropic/claude-opus-4-7", base_url=server.url, api_key="sk-ant-not-real",
                       options={"max_retries": 0}) as c:
        c.chat("hi", tools=tools, reasoning_effort="xhigh")
        body = server.request(0)["json"]
        assert body["thinking"] == {"type": "adaptive"}
        assert body["output_config"] == {"effort": "xhigh"}
        assert [t["strict"] for t in body["tools"]] == [True, True]
        with pytest.raises(llmkit.InvalidArgumentError):
            c.chat("hi", tools=[{"name": "a", "strict": True}, {"name": "b", "strict": False}])
        with pytest.raises(llmkit.InvalidArgumentError) as ei:
            c.chat("hi", reasoning_effort="minimal")
        assert "not 'minimal'" in ei.value.detail
    assert server.count() == 1


def test_stream_speech_bytes_over_the_loopback(server, client):
    """The default stream format: the audio bytes as they arrive over a real
    socket (chunked by the server), each read an AUDIO event."""
    server.push(200, "-", hex=SPEECH.hex(), type="audio/mpeg", write_size=8, delay_ms=100)
    with client.stream_speech("hello", model="tts-1") as s:
        events = list(s)
    chunks = [e.data for e in events if e.type == llmkit.EventType.AUDIO]
    assert b"".join(chunks) == SPEECH and len(chunks) >= 2
    assert events[-1].type == llmkit.EventType.DONE
    assert s.response.audio == SPEECH and s.response.mime == "audio/mpeg"
    assert "stream_format" not in server.request(0)["json"]


def test_rerank(server):
    server.push(200, "kinds/llamacpp_rerank.json")
    with llmkit.Client("vllm/bge-reranker-v2-m3", base_url=server.url, timeout=20,
                       options={"max_retries": 0}) as c:
        r = c.rerank("What is panda?", ["hi", "it is a bear", "world"], top_n=3)
    assert isinstance(r, llmkit.RerankResponse)
    assert [x.index for x in r.results] == [1, 2, 0]
    assert r.results[0].document == "it is a bear"
    assert r.results[2].score == pytest.approx(-10.905)
    assert r.usage.input == 51
    req = server.request(0)
    assert req["target"] == "/v1/rerank"
    assert req["json"] == {"model": "bge-reranker-v2-m3", "query": "What is panda?",
                           "documents": ["hi", "it is a bear", "world"], "top_n": 3}
    with llmkit.Client("vllm/m", base_url=server.url, options={"max_retries": 0}) as c:
        with pytest.raises(llmkit.InvalidArgumentError, match="top_n is 4"):
            c.rerank("q", ["a", "b"], top_n=4)
        with pytest.raises(TypeError):
            c.rerank("q", "one string")
    with pytest.raises(llmkit.UnsupportedError, match="does not serve rerank"):
        llmkit.Client("anthropic/claude-haiku-4-5", api_key="x").rerank("q", ["a"])


def test_count_tokens(server):
    server.push(200, "kinds/openai_input_tokens.json")
    with llmkit.Client("openai-responses/gpt-5", base_url=server.url, api_key="sk-test-not-real", timeout=20,
                       options={"max_retries": 0}) as c:
        assert c.count_tokens("Tell me a joke.", system="Be brief.", max_tokens=50) == 123
    req = server.request(0)
    assert req["target"] == "/v1/responses/input_tokens"
    assert "max_output_tokens" not in req["json"] and req["json"]["model"] == "gpt-5"
    with pytest.raises(llmkit.UnsupportedError, match="openai does not serve count_tokens"):
        llmkit.Client("openai/gpt-4o-mini", api_key="x").count_tokens("hi")


def test_moderate(server, client):
    server.push(200, "kinds/openai_moderation_image.json")
    r = client.moderate("...text to classify goes here...", images=["https://example.com/image.png", b"\x89PNG"],
                        model="omni-moderation-latest")
    assert isinstance(r, llmkit.ModerationResponse)
    assert len(r.results) == 1 and r.results[0].flagged
    v = r.results[0].categories["violence"]
    assert v.flagged is True and v.score == pytest.approx(0.9999992735124786)
    assert r.results[0].categories["sexual"].inputs == ["text", "image"]
    req = server.request(0)
    assert req["target"] == "/v1/moderations"
    assert req["json"]["input"][1] == {"type": "image_url", "image_url": {"url": "https://example.com/image.png"}}
    assert req["json"]["input"][2]["image_url"]["url"] == "data:image/png;base64,iVBORw=="
    server.push(200, "kinds/mistral_moderation.json")
    with llmkit.Client("mistral/mistral-moderation-latest", base_url=server.url, api_key="x",
                       options={"max_retries": 0}) as c:
        r = c.moderate(["a", "b"])
    assert [x.flagged for x in r.results] == [False, False]
    assert r.results[1].categories["pii"].flagged is False


def test_moderate_conversation(server):
    server.push(200, "kinds/mistral_chat_moderation.json")
    with llmkit.Client("mistral/mistral-moderation-latest", base_url=server.url, api_key="x",
                       options={"max_retries": 0}) as c:
        r = c.moderate(conversation=[("user", "How do I get in after closing time?"), ("assistant", "You cannot.")])
    assert len(r.results) == 1 and not r.results[0].flagged
    req = server.request(0)
    assert req["target"] == "/v1/chat/moderations"
    assert req["json"]["input"] == [{"role": "user", "content": "How do I get in after closing time?"},
                                    {"role": "assistant", "content": "You cannot."}]


def test_arerank(server):
    import asyncio
    server.push(200, "kinds/llamacpp_rerank.json")
    server.push(200, "kinds/llamacpp_rerank.json")

    async def both(c):
        return await asyncio.gather(c.arerank("q", ["hi", "it is a bear", "world"]),
                                    c.arerank("q", ["hi", "it is a bear", "world"], top_n=1))

    with llmkit.Client("llamacpp/bge-reranker-v2-m3", base_url=server.url, options={"max_retries": 0}) as c:
        a, b = asyncio.run(both(c))
    assert [x.index for x in a.results] == [1, 2, 0]
    assert [x.index for x in b.results] == [1]
