"""client.batch(): a provider batch's whole life over the loopback server,
scripted with the OpenAI Batch API's answers (tests/data/batch/openai)."""
import json

import pytest

import llmkit


def _script(server):
    server.push(200, "batch/openai/file.json")
    server.push(200, "batch/openai/batch_validating.json")


def test_submit_then_resume_and_collect(server, client):
    _script(server)
    with client.batch() as b:
        b.add("q1", "What is RAG?", system="Be brief.", max_tokens=50)
        b.add("bad", [{"role": "user", "content": "x"}], max_tokens=1)
        assert len(b) == 2
        assert b.state == "new" and b.id is None
        batch_id = b.submit()
        assert batch_id == "batch_abc123" and b.state == "validating"
    # What went out: the multipart upload with one line per request, each
    # the request's own body, then the batch.
    up = server.request(0)
    assert up["method"] == "POST" and up["target"] == "/v1/files"
    assert 'name="purpose"\r\n\r\nbatch\r\n' in up["body"]
    lines = [json.loads(l) for l in up["body"].split("\r\n\r\n", 2)[2].split("\r\n--")[0].splitlines()]
    assert [l["custom_id"] for l in lines] == ["q1", "bad"]
    assert all(l["method"] == "POST" and l["url"] == "/v1/chat/completions" for l in lines)
    assert lines[0]["body"]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert lines[0]["body"]["model"] == "gpt-4o-mini"
    create = server.request(1)["json"]
    assert create == {"input_file_id": "file-abc123", "endpoint": "/v1/chat/completions", "completion_window": "24h"}

    # Another "process": only the id.
    server.push(200, "batch/openai/batch_in_progress.json")
    server.push(200, "batch/openai/batch_completed.json")
    server.push(200, "batch/openai/output.jsonl")
    server.push(200, "batch/openai/errors.jsonl")
    seen = []
    with client.batch(batch_id) as b:
        assert b.state == "in_progress" and not b.ended
        assert b.counts["total"] == 2 and b.counts["succeeded"] == 1
        assert b.wait(poll=0.01, progress=lambda x: seen.append(x.state)) == "completed"
        assert seen == ["completed"]
        assert b.counts == {"total": 2, "succeeded": 1, "failed": 1, "pending": 0, "not_run": None}
        results = dict(b.results())
    assert set(results) == {"q1", "bad"}
    ok = results["q1"]
    assert isinstance(ok, llmkit.ChatResponse) and ok.text == "Retrieval-augmented generation."
    assert (ok.usage.input, ok.usage.output) == (20, 4)
    # gpt-4o-mini at half its price: (20 x 0.15 + 4 x 0.6) / 1e6 / 2
    assert ok.cost == pytest.approx((20 * 0.15 + 4 * 0.6) / 1e6 / 2, rel=1e-9)
    bad = results["bad"]
    assert isinstance(bad, llmkit.BadRequestError)
    assert "integer below minimum value" in str(bad) and "bad" in str(bad)
    assert server.request(4)["target"] == "/v1/files/file-out456/content"
    assert server.request(5)["target"] == "/v1/files/file-err789/content"


def test_refusals(server, client):
    with client.batch() as b:
        with pytest.raises(llmkit.InvalidArgumentError):
            b.add("has space", "x")
        b.add("a", "x")
        with pytest.raises(llmkit.InvalidArgumentError, match="already in the batch"):
            b.add("a", "y")
        with pytest.raises(llmkit.InvalidArgumentError, match="same kind"):
            b.add_embed("e", "text")
    with llmkit.Client("ollama/llama3.2") as other:
        with pytest.raises(llmkit.UnsupportedError, match="no batch API"):
            other.batch()
    assert server.count() == 0
