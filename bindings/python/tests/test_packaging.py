"""Pythonic inputs (JSON given as dicts) and where the package found its library."""
import json
import os

import llmkit
from llmkit import _loader, _raw

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def test_json_schema_as_dict(server, client):
    server.push(200, "openai/chat_completion.json")
    client.chat("Where?", json_schema=SCHEMA, json_schema_name="place")
    fmt = server.request(0)["json"]["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"] == SCHEMA and fmt["json_schema"]["name"] == "place"


def test_json_schema_as_text_unchanged(server, client):
    server.push(200, "openai/chat_completion.json")
    client.chat("Where?", json_schema=json.dumps(SCHEMA))
    assert server.request(0)["json"]["response_format"]["json_schema"]["schema"] == SCHEMA


def test_tool_parameters_arguments_and_results_as_dicts(server, client):
    server.push(200, "openai/chat_completion.json")
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": SCHEMA}}]
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "call_1", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": {"temp_c": 21}},
    ]
    client.chat(messages, tools=tools)
    body = server.request(0)["json"]
    assert body["tools"][0]["function"]["parameters"] == SCHEMA
    call = body["messages"][1]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert json.loads(body["messages"][2]["content"]) == {"temp_c": 21}


def test_library_location():
    """LLMKIT_EXPECT_BUNDLED=1 (scripts/packaging-check, a wheel): the library
    loaded is the one inside the installed package, found without any variable."""
    path = _raw._lib._name
    if os.environ.get("LLMKIT_EXPECT_BUNDLED"):
        assert _loader.bundled_library() is not None
        assert os.path.dirname(os.path.abspath(path)) == os.path.dirname(os.path.abspath(llmkit.__file__)), path
        assert "LLMKIT_LIBRARY" not in os.environ
    assert os.path.basename(path).startswith("libllmkit")
