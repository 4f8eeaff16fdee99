"""The idiomatic Python layer over the generated raw layer (_raw.py)."""
import ctypes
import json
import os
import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _raw
from .errors import LLMKitError, error_for

Message = Union[Mapping[str, Any], Tuple[str, str]]
Messages = Union[str, Sequence[Message]]

_ROLES = {"system": _raw.LLMK_ROLE_SYSTEM, "user": _raw.LLMK_ROLE_USER, "assistant": _raw.LLMK_ROLE_ASSISTANT,
          "tool": _raw.LLMK_ROLE_TOOL, "developer": _raw.LLMK_ROLE_DEVELOPER}


def _b(s: Optional[str]) -> Optional[bytes]:
    """Every string on its way to the C library: a NUL would cut it there
    (an API key "sk-abc\\x00X-Inj: 1" would go out as "sk-abc", a model
    "gpt\\x00evil" as "gpt"), so it is refused before anything is sent. The
    message never quotes the string: it may be a key."""
    if s is None:
        return None
    if "\x00" in s:
        raise ValueError("a string argument holds a NUL character (U+0000), which the C library cannot carry: "
                         "refused (at index %d of %d)" % (s.index("\x00"), len(s)))
    return s.encode("utf-8")


def _json_text(value: Any) -> str:
    """A JSON document given as text stays text; a dict, list or number is serialized."""
    if isinstance(value, (str, bytes)):
        return value.decode("utf-8") if isinstance(value, bytes) else value
    return json.dumps(value, ensure_ascii=False)


# Request options whose value is a JSON document: a dict (or list) is serialized.
_JSON_OPTIONS = frozenset(["json_schema"])


def _s(b: Optional[bytes]) -> str:
    return "" if b is None else b.decode("utf-8", errors="replace")


def _s_or_none(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", errors="replace")


def _check(status: int, detail_fn=None) -> None:
    if status != _raw.LLMK_OK:
        raise error_for(status, _s(detail_fn()) if detail_fn else "")


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

@dataclass
class Usage:
    """Token counts (None where the provider did not report them)."""
    input: Optional[int] = None
    output: Optional[int] = None
    total: Optional[int] = None
    cached_input: Optional[int] = None
    reasoning: Optional[int] = None
    cache_write: Optional[int] = None
    #: the part of cache_write written to a 1-hour cache (Anthropic), priced apart
    cache_write_1h: Optional[int] = None


@dataclass
class ToolCall:
    """A tool call the model made; ``arguments`` is JSON text."""
    id: str
    name: str
    arguments: str


@dataclass
class TopLogprob:
    """One of the most likely alternatives at a token's position."""
    token: str
    logprob: float


@dataclass
class TokenLogprob:
    """A token of the answer (or transcript) with its log probability and,
    when asked for (``top_logprobs``), the most likely alternatives."""
    token: str
    logprob: float
    top: List[TopLogprob] = field(default_factory=list)


@dataclass
class Choice:
    """One of the answers of a chat request with ``choices=n``."""
    text: str
    finish_reason: str


@dataclass
class Response:
    """What every request returns: the common fields of ``llmk_response``."""
    model: str = ""
    request_id: str = ""
    http_status: int = 0
    attempts: int = 0
    usage: Usage = field(default_factory=Usage)
    total_ms: Optional[float] = None
    first_byte_ms: Optional[float] = None
    first_token_ms: Optional[float] = None
    rate_wait_ms: Optional[float] = None  # waited for the client's rate limits (None: no limit set)
    raw: bytes = b""
    deployment: str = ""
    tried: str = ""
    cached: bool = False  # answered from the response cache (Client(cache=...)): no request, $0
    cost: Optional[float] = None  # USD (llmk_response_cost: a batch result at the batch price); None if unpriced


@dataclass
class ChatResponse(Response):
    """A chat answer.

    It is also the assistant's turn of a conversation: append it to the
    message list and send the list again (``messages.append(response)``),
    and the provider gets the turn exactly as it needs it back -- text, tool
    calls and its opaque reasoning state (thinking signatures, encrypted
    reasoning), which answers received by this library carry as plain data
    (llmk_request_add_response(), read back part by part: it survives
    copying and pickling)."""
    text: str = ""
    reasoning: str = ""
    refusal: str = ""
    finish: "_raw.Finish" = _raw.Finish.UNKNOWN
    finish_reason: str = ""
    tool_calls: List[ToolCall] = field(default_factory=list)
    dropped: List[str] = field(default_factory=list)
    id: str = ""
    choices: List[Choice] = field(default_factory=list)
    logprobs: List[TokenLogprob] = field(default_factory=list)
    _turn: List[Tuple[int, str, Optional[str], Optional[str], Optional[str], int]] = field(
        default_factory=list, repr=False, compare=False)

    def __str__(self) -> str:
        return self.text


@dataclass
class EmbedResponse(Response):
    """Embeddings, one vector per input, in input order."""
    vectors: List[List[float]] = field(default_factory=list)


@dataclass
class Image:
    """One generated image: its bytes, or its URL."""
    data: Optional[bytes] = None
    url: Optional[str] = None
    revised_prompt: Optional[str] = None


@dataclass
class ImageResponse(Response):
    images: List[Image] = field(default_factory=list)


@dataclass
class Segment:
    start: float
    end: float
    text: str


@dataclass
class Word:
    """A timed word of a transcript (``timestamps="word"``)."""
    start: float
    end: float
    text: str


@dataclass
class TranscriptionResponse(Response):
    text: str = ""
    duration: Optional[float] = None
    segments: List[Segment] = field(default_factory=list)
    words: List[Word] = field(default_factory=list)
    logprobs: List[TokenLogprob] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text


@dataclass
class SpeechResponse(Response):
    audio: bytes = b""
    mime: str = ""


@dataclass
class RerankResult:
    """One ranked document: its position among the documents sent (from
    0), its relevance score (the model's scale) and its text."""
    index: int
    score: float
    document: str


@dataclass
class RerankResponse(Response):
    """Documents by relevance, most relevant first (all, or the top_n best)."""
    results: List[RerankResult] = field(default_factory=list)


@dataclass
class ModerationCategory:
    """A moderation category of one result: flagged (None when not
    reported), score (None when not reported), the input types its verdict
    applied to (OpenAI: ["text", "image"])."""
    flagged: Optional[bool]
    score: Optional[float]
    inputs: List[str] = field(default_factory=list)


@dataclass
class ModerationResult:
    """One moderation verdict: overall, and by category name."""
    flagged: bool
    categories: Dict[str, ModerationCategory] = field(default_factory=dict)


@dataclass
class ModerationResponse(Response):
    """One result per text, or one for texts and images judged together."""
    results: List[ModerationResult] = field(default_factory=list)
    id: str = ""


@dataclass
class StreamEvent:
    """One streaming event. ``type`` is an EventType; ``text`` the new fragment
    (answer, reasoning or tool-call arguments); ``tool_index``/``tool_id``/
    ``tool_name`` for tool-call fragments; ``usage`` for USAGE/DONE events;
    ``data`` the bytes of AUDIO, IMAGE_PARTIAL and IMAGE events, ``index``
    a partial image's number or a finished image's place."""
    type: "_raw.EventType"
    text: str = ""
    tool_index: int = -1
    tool_id: str = ""
    tool_name: str = ""
    usage: Optional[Usage] = None
    data: bytes = b""
    index: int = -1


def _opt(v: int) -> Optional[int]:
    return None if v < 0 else v


def _optf(v: float) -> Optional[float]:
    return None if v < 0 else v


def _usage_of(get) -> Usage:
    return Usage(input=_opt(get(_raw.LLMK_USAGE_INPUT)), output=_opt(get(_raw.LLMK_USAGE_OUTPUT)),
                 total=_opt(get(_raw.LLMK_USAGE_TOTAL)), cached_input=_opt(get(_raw.LLMK_USAGE_CACHED_INPUT)),
                 reasoning=_opt(get(_raw.LLMK_USAGE_REASONING)), cache_write=_opt(get(_raw.LLMK_USAGE_CACHE_WRITE)),
                 cache_write_1h=_opt(get(_raw.LLMK_USAGE_CACHE_WRITE_1H)))


def _fill_common(out: Response, r) -> None:
    out.model = _s(_raw.llmk_response_model(r))
    out.request_id = _s(_raw.llmk_response_request_id(r))
    out.http_status = _raw.llmk_response_http_status(r)
    out.attempts = _raw.llmk_response_attempts(r)
    out.usage = _usage_of(lambda w: _raw.llmk_response_usage(r, w))
    out.total_ms = _optf(_raw.llmk_response_timing(r, _raw.LLMK_TIMING_TOTAL_MS))
    out.first_byte_ms = _optf(_raw.llmk_response_timing(r, _raw.LLMK_TIMING_FIRST_BYTE_MS))
    out.first_token_ms = _optf(_raw.llmk_response_timing(r, _raw.LLMK_TIMING_FIRST_TOKEN_MS))
    out.rate_wait_ms = _optf(_raw.llmk_response_timing(r, _raw.LLMK_TIMING_RATE_WAIT_MS))
    n = ctypes.c_size_t(0)
    p = _raw.llmk_response_raw(r, ctypes.byref(n))
    out.raw = ctypes.string_at(p, n.value) if p else b""
    out.deployment = _s(_raw.llmk_response_deployment(r))
    out.tried = _s(_raw.llmk_response_tried(r))
    out.cached = bool(_raw.llmk_response_cached(r))
    usd = ctypes.c_double(-1)
    out.cost = usd.value if _raw.llmk_response_cost(r, ctypes.byref(usd)) == _raw.LLMK_OK else None


def _bytes_at(ptr, n: int) -> bytes:
    return ctypes.string_at(ptr, n) if ptr and n else b""


def response_error(r) -> LLMKitError:
    """The exception for a failed llmk_response (detail and provider fields attached)."""
    ra = _raw.llmk_response_retry_after_ms(r)
    e = error_for(_raw.llmk_response_status(r), _s(_raw.llmk_response_error(r)),
                  http_status=_raw.llmk_response_http_status(r),
                  error_type=_s(_raw.llmk_response_error_type(r)), error_code=_s(_raw.llmk_response_error_code(r)),
                  request_id=_s(_raw.llmk_response_request_id(r)), retry_after_ms=None if ra < 0 else ra)
    e.deployment = _s(_raw.llmk_response_deployment(r))
    e.tried = _s(_raw.llmk_response_tried(r))
    return e


def _turn_of(r) -> list:
    """The answer as the assistant's turn, part by part: (type, text, detail,
    id, opaque, wire), as llmk_request_add_part() takes them back."""
    q = ctypes.POINTER(_raw.llmk_request)()
    if _raw.llmk_request_new(ctypes.byref(q), _raw.LLMK_CHAT) != _raw.LLMK_OK:
        return []
    try:
        if _raw.llmk_request_add_response(q, r) != _raw.LLMK_OK:
            return []  # nothing to add, or a cut-off call: text and calls then
        return [(_raw.llmk_request_part_type(q, 0, j), _s(_raw.llmk_request_part_text(q, 0, j)),
                 _s_or_none(_raw.llmk_request_part_detail(q, 0, j)), _s_or_none(_raw.llmk_request_part_id(q, 0, j)),
                 _s_or_none(_raw.llmk_request_part_opaque(q, 0, j)), _raw.llmk_request_part_wire(q, 0, j))
                for j in range(_raw.llmk_request_part_count(q, 0))]
    finally:
        _raw.llmk_request_free(q)


def _logprobs_of(r) -> List[TokenLogprob]:
    return [TokenLogprob(_s(_raw.llmk_response_logprob_token(r, i)), _raw.llmk_response_logprob(r, i),
                         [TopLogprob(_s(_raw.llmk_response_top_logprob_token(r, i, j)),
                                     _raw.llmk_response_top_logprob(r, i, j))
                          for j in range(_raw.llmk_response_top_logprob_count(r, i))])
            for i in range(_raw.llmk_response_logprob_count(r))]


def convert_response(kind: int, r) -> Response:
    """Copies everything out of an llmk_response into the Python result for its kind."""
    if kind == _raw.LLMK_CHAT:
        out: Response = ChatResponse()
        out.text = _s(_raw.llmk_response_text(r))
        out.reasoning = _s(_raw.llmk_response_reasoning(r))
        out.refusal = _s(_raw.llmk_response_refusal(r))
        out.id = _s(_raw.llmk_response_id(r))
        out.finish = _raw.Finish(_raw.llmk_response_finish(r))
        out.finish_reason = _s(_raw.llmk_response_finish_reason(r))
        out.tool_calls = [ToolCall(_s(_raw.llmk_response_tool_call_id(r, i)), _s(_raw.llmk_response_tool_call_name(r, i)),
                                   _s(_raw.llmk_response_tool_call_arguments(r, i)))
                          for i in range(_raw.llmk_response_tool_call_count(r))]
        d = _s(_raw.llmk_response_dropped(r))
        out.dropped = d.split(",") if d else []
        out._turn = _turn_of(r)
        out.choices = [Choice(_s(_raw.llmk_response_choice_text(r, i)), _s(_raw.llmk_response_choice_finish_reason(r, i)))
                       for i in range(_raw.llmk_response_choice_count(r))]
        out.logprobs = _logprobs_of(r)
    elif kind == _raw.LLMK_EMBED:
        out = EmbedResponse()
        dim = _raw.llmk_response_embedding_dim(r)
        for i in range(_raw.llmk_response_embedding_count(r)):
            p = _raw.llmk_response_embedding(r, i)
            out.vectors.append(list(p[:dim]) if p else [])
    elif kind == _raw.LLMK_IMAGE:
        out = ImageResponse()
        for i in range(_raw.llmk_response_image_count(r)):
            n = ctypes.c_size_t(0)
            p = _raw.llmk_response_image_data(r, i, ctypes.byref(n))
            out.images.append(Image(data=_bytes_at(p, n.value) if p else None,
                                    url=_s_or_none(_raw.llmk_response_image_url(r, i)),
                                    revised_prompt=_s_or_none(_raw.llmk_response_image_revised_prompt(r, i))))
    elif kind == _raw.LLMK_TRANSCRIBE:
        out = TranscriptionResponse()
        out.text = _s(_raw.llmk_response_text(r))
        out.duration = _optf(_raw.llmk_response_duration(r))
        out.segments = [Segment(_raw.llmk_response_segment_start(r, i), _raw.llmk_response_segment_end(r, i),
                                _s(_raw.llmk_response_segment_text(r, i)))
                        for i in range(_raw.llmk_response_segment_count(r))]
        out.words = [Word(_raw.llmk_response_word_start(r, i), _raw.llmk_response_word_end(r, i),
                          _s(_raw.llmk_response_word_text(r, i)))
                     for i in range(_raw.llmk_response_word_count(r))]
        out.logprobs = _logprobs_of(r)
    elif kind == _raw.LLMK_RERANK:
        out = RerankResponse()
        out.results = [RerankResult(_raw.llmk_response_rank_index(r, i), _raw.llmk_response_rank_score(r, i),
                                    _s(_raw.llmk_response_rank_document(r, i)))
                       for i in range(_raw.llmk_response_rank_count(r))]
    elif kind == _raw.LLMK_MODERATE:
        out = ModerationResponse()
        out.id = _s(_raw.llmk_response_id(r))
        for i in range(_raw.llmk_response_moderation_count(r)):
            res = ModerationResult(_raw.llmk_response_moderation_flagged(r, i) == 1)
            for j in range(_raw.llmk_response_moderation_category_count(r, i)):
                f = _raw.llmk_response_moderation_category_flagged(r, i, None, j)
                sc = _raw.llmk_response_moderation_category_score(r, i, None, j)
                inputs = _s(_raw.llmk_response_moderation_category_inputs(r, i, None, j))
                res.categories[_s(_raw.llmk_response_moderation_category_name(r, i, j))] = ModerationCategory(
                    None if f < 0 else f == 1, None if sc != sc else sc, inputs.split(",") if inputs else [])
            out.results.append(res)
    elif kind == _raw.LLMK_SPEECH:
        out = SpeechResponse()
        n = ctypes.c_size_t(0)
        p = _raw.llmk_response_audio(r, ctypes.byref(n))
        out.audio = _bytes_at(p, n.value)
        out.mime = _s(_raw.llmk_response_audio_mime(r))
    else:
        out = Response()
    _fill_common(out, r)
    return out


# --------------------------------------------------------------------------
# Cancel flag
# --------------------------------------------------------------------------

class Cancel:
    """A cancel flag: pass it to a request (``cancel=``) and call ``trigger()``
    from any thread to stop it within about 100 ms (CancelledError)."""

    def __init__(self) -> None:
        p = ctypes.POINTER(_raw.llmk_cancel)()
        _check(_raw.llmk_cancel_new(ctypes.byref(p)))
        self._ptr = p

    def trigger(self) -> None:
        """Raises the flag (thread-safe)."""
        if self._ptr:
            _raw.llmk_cancel_trigger(self._ptr)

    @property
    def triggered(self) -> bool:
        return bool(self._ptr) and _raw.llmk_cancel_triggered(self._ptr) == 1

    def reset(self) -> None:
        """Lowers the flag for the next request."""
        if self._ptr:
            _raw.llmk_cancel_reset(self._ptr)

    def close(self) -> None:
        """Frees the flag; no request may still use it."""
        if self._ptr:
            _raw.llmk_cancel_free(self._ptr)
            self._ptr = None

    def __enter__(self) -> "Cancel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


# --------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------

class _Request:
    """An llmk_request being built; freed by close()."""

    def __init__(self, kind: int) -> None:
        p = ctypes.POINTER(_raw.llmk_request)()
        _check(_raw.llmk_request_new(ctypes.byref(p), kind))
        self.kind = kind
        self.ptr = p

    def close(self) -> None:
        if self.ptr:
            _raw.llmk_request_free(self.ptr)
            self.ptr = None

    def __enter__(self) -> "_Request":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _err(self) -> bytes:
        return _raw.llmk_request_errmsg(self.ptr)

    def set(self, name: str, value: Any) -> None:
        """Sets a request option by its name in the option table ("temperature", ...)."""
        if value is None:
            return
        opt = _raw.llmk_option_by_name(_b(name))
        if opt == 0:
            raise error_for(_raw.LLMK_E_UNKNOWN_OPTION, "unknown option %r" % name)
        t = _raw.llmk_option_type(opt)
        if name == "stop" and not isinstance(value, str):
            for v in value:
                _check(_raw.llmk_request_set_str(self.ptr, opt, _b(v)), self._err)
            return
        if t == _raw.LLMK_TYPE_STR:
            text = _json_text(value) if name in _JSON_OPTIONS or isinstance(value, (Mapping, list)) else str(value)
            st = _raw.llmk_request_set_str(self.ptr, opt, _b(text))
        elif t == _raw.LLMK_TYPE_I64:
            st = _raw.llmk_request_set_i64(self.ptr, opt, int(value))
        else:
            st = _raw.llmk_request_set_f64(self.ptr, opt, float(value))
        _check(st, self._err)

    def options(self, opts: Mapping[str, Any]) -> None:
        for k, v in opts.items():
            self.set(k, v)

    def messages(self, messages: Messages, system: Optional[str]) -> None:
        if system is not None:
            _check(_raw.llmk_request_add_message(self.ptr, _raw.LLMK_ROLE_SYSTEM, _b(system)), self._err)
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        for m in messages:
            if isinstance(m, ChatResponse):
                self.add_response(m)
                continue
            if isinstance(m, tuple):
                m = {"role": m[0], "content": m[1]}
            self.message(m)

    def add_response(self, r: "ChatResponse") -> None:
        """The assistant turn of an earlier answer, as its provider needs it
        back (llmk_request_add_response()); a ChatResponse made by hand has
        only its text and tool calls."""
        if r._turn:
            _check(_raw.llmk_request_add_message(self.ptr, _raw.LLMK_ROLE_ASSISTANT, None), self._err)
            for t, text, detail, pid, opaque, wire in r._turn:
                _check(_raw.llmk_request_add_part(self.ptr, t, _b(text), _b(detail), _b(pid), _b(opaque), wire),
                       self._err)
            return
        self.message({"role": "assistant", "content": r.text or r.refusal or None,
                      "tool_calls": [{"id": t.id, "name": t.name, "arguments": t.arguments} for t in r.tool_calls]})

    def message(self, m: Mapping[str, Any]) -> None:
        role = m.get("role", "user")
        content = m.get("content")
        if role == "tool":
            result = "" if content is None else _json_text(content)
            _check(_raw.llmk_request_add_tool_result(self.ptr, _b(m["tool_call_id"]), _b(result)), self._err)
            return
        if role not in _ROLES:
            raise error_for(_raw.LLMK_E_INVALID_ARG, "unknown role %r" % role)
        if content is None or isinstance(content, str):
            _check(_raw.llmk_request_add_message(self.ptr, _ROLES[role], _b(content)), self._err)
        else:
            _check(_raw.llmk_request_add_message(self.ptr, _ROLES[role], None), self._err)
            for part in content:
                self.part(part)
        for tc in m.get("tool_calls") or ():
            fn = tc.get("function", tc)
            args = _json_text(fn["arguments"])
            _check(_raw.llmk_request_add_tool_call(self.ptr, _b(tc["id"]), _b(fn["name"]), _b(args)),
                   self._err)

    def part(self, part: Any) -> None:
        if isinstance(part, str):
            _check(_raw.llmk_request_add_text(self.ptr, _b(part)), self._err)
        elif part.get("type") == "text":
            _check(_raw.llmk_request_add_text(self.ptr, _b(part["text"])), self._err)
        elif part.get("type") == "image_url":
            iu = part["image_url"]
            url, detail = (iu, None) if isinstance(iu, str) else (iu["url"], iu.get("detail"))
            _check(_raw.llmk_request_add_image_url(self.ptr, _b(url), _b(detail)), self._err)
        elif part.get("type") == "image":
            data = bytes(part["data"])
            _check(_raw.llmk_request_add_image_data(self.ptr, data, len(data), _b(part.get("mime", "image/png"))),
                   self._err)
        elif part.get("type") == "document":
            data = part["data"].encode("utf-8") if isinstance(part["data"], str) else bytes(part["data"])
            mime = part.get("mime") or ("text/plain" if isinstance(part["data"], str) else "application/pdf")
            _check(_raw.llmk_request_add_document(self.ptr, data, len(data), _b(mime), _b(part.get("filename"))),
                   self._err)
        else:
            raise error_for(_raw.LLMK_E_INVALID_ARG, "unknown content part %r" % (part,))

    def tools(self, tools: Optional[Iterable[Mapping[str, Any]]]) -> None:
        """OpenAI-style function tools; their "strict" (as Chat Completions
        writes it) is the request's strict_tools, so all that say it must agree."""
        strict = set()
        for t in tools or ():
            fn = t.get("function", t)
            params = fn.get("parameters")
            if params is not None:
                params = _json_text(params)
            _check(_raw.llmk_request_add_tool(self.ptr, _b(fn["name"]), _b(fn.get("description")), _b(params)),
                   self._err)
            if fn.get("strict") is not None:
                strict.add(bool(fn["strict"]))
        if len(strict) > 1:
            raise error_for(_raw.LLMK_E_INVALID_ARG, "strict is one setting for all the tools of a request")
        if strict:
            self.set("strict_tools", int(strict.pop()))


# --------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------

def chat_request(messages: Messages, system, tools, options) -> _Request:
    """A chat request built from Client.chat()'s arguments (the caller closes it)."""
    req = _Request(_raw.LLMK_CHAT)
    try:
        req.messages(messages, system)
        req.tools(tools)
        req.options(options)
    except BaseException:
        req.close()
        raise
    return req


class Cache:
    """A store for the response cache (llmk_store_new_memory(), llmk_store_new_sqlite()).

    ``Cache.memory(max_bytes)`` keeps answers in this process (least
    recently used first out); ``Cache.sqlite(path)`` in a file that several
    processes may share. Give it to clients with ``Client(..., cache=c)``;
    a client keeps its cache alive, and ``close()`` must come after every
    client using it is closed. ``Client(..., cache="answers.db")`` opens
    (and closes) an SQLite cache of its own."""

    def __init__(self, ptr) -> None:
        self._ptr = ptr

    @classmethod
    def memory(cls, max_bytes: int = 64 << 20) -> "Cache":
        p = ctypes.POINTER(_raw.llmk_store)()
        _check(_raw.llmk_store_new_memory(int(max_bytes), ctypes.byref(p)))
        return cls(p)

    @classmethod
    def sqlite(cls, path: Union[str, "os.PathLike[str]"]) -> "Cache":
        p = ctypes.POINTER(_raw.llmk_store)()
        st = _raw.llmk_store_new_sqlite(_b(os.fspath(path)), ctypes.byref(p))
        if st == _raw.LLMK_E_CONFIG:
            raise error_for(st, "%s cannot be used as a cache: not an SQLite database, damaged, or not writable"
                            % os.fspath(path))
        _check(st)
        return cls(p)

    def close(self) -> None:
        if getattr(self, "_ptr", None):
            _raw.llmk_store_free(self._ptr)
            self._ptr = None

    def __enter__(self) -> "Cache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class Client:
    """One configured endpoint: ``Client("provider/model", base_url=..., api_key=..., timeout=...)``.

    The API key and base URL default to the provider's environment variables
    (OPENAI_API_KEY, ...). ``timeout`` is in seconds (the whole request);
    further client options go in ``options`` by their names in the option
    table (``{"max_retries": 0, "connect_timeout_ms": 2000}``). A client may
    be used from several threads at once. Use it as a context manager, or call
    ``close()``; it is also freed when garbage-collected.

    ``cache`` turns the response cache on (llmk_client_set_cache()): a
    ``Cache``, or the path of an SQLite file. Chat and embedding requests
    asked before are then answered from it (``response.cached``, no request,
    $0); ``cache_ttl`` bounds how long, in seconds. Per request,
    ``options={"cache": 0}`` bypasses it and ``{"cache": 2}`` refreshes.

    ``store`` (llmkit.Store) keeps the client's rate limits (``rate_limit_rpm``,
    ``rate_limit_tpm``, ...) where other clients and processes share them.
    """

    def __init__(self, model: str, *, base_url: Optional[str] = None, api_key: Optional[str] = None,
                 timeout: Optional[float] = None, options: Optional[Mapping[str, Any]] = None,
                 cache: Union["Cache", str, "os.PathLike[str]", None] = None,
                 cache_ttl: Optional[float] = None, store: Any = None) -> None:
        p = ctypes.POINTER(_raw.llmk_client)()
        self._cache = None
        self._own_cache = False
        st = _raw.llmk_client_new(ctypes.byref(p), _b(model))
        if st != _raw.LLMK_OK:
            raise error_for(st, "cannot create a client for %r: %s" % (model, _s(_raw.llmk_strerror(st))))
        self._ptr = p
        try:
            if cache is not None:
                if not isinstance(cache, Cache):
                    cache = Cache.sqlite(cache)
                    self._own_cache = True
                self._cache = cache
                if not cache._ptr:
                    raise error_for(_raw.LLMK_E_INVALID_ARG, "the cache is closed")
                _check(_raw.llmk_client_set_cache(p, cache._ptr), lambda: _raw.llmk_client_errmsg(p))
            if cache_ttl is not None:
                self.set_option("cache_ttl_ms", int(round(cache_ttl * 1000)))
            if base_url is not None:
                self.set_option("base_url", base_url)
            if api_key is not None:
                self.set_option("api_key", api_key)
            if timeout is not None:
                self.set_option("timeout_ms", int(round(timeout * 1000)))
            for k, v in (options or {}).items():
                self.set_option(k, v)
            self._store = None
            if store is not None:
                self.set_store(store)
        except BaseException:
            self.close()
            raise

    # -- lifetime -----------------------------------------------------------

    def close(self) -> None:
        """Frees the client (wiping its key). No request may be in flight."""
        if getattr(self, "_ptr", None):
            _raw.llmk_client_free(self._ptr)
            self._ptr = None
        if getattr(self, "_own_cache", False) and self._cache is not None:
            self._cache.close()
        self._cache = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _live(self):
        if not self._ptr:
            raise error_for(_raw.LLMK_E_INVALID_ARG, "client is closed")
        return self._ptr

    # -- configuration --------------------------------------------------------

    def set_option(self, name: str, value: Any) -> None:
        """Sets a client option by name (see OPTION_TABLE); None resets a string option."""
        opt = _raw.llmk_option_by_name(_b(name))
        if opt == 0:
            raise error_for(_raw.LLMK_E_UNKNOWN_OPTION, "unknown option %r" % name)
        t = _raw.llmk_option_type(opt)
        p = self._live()
        if t == _raw.LLMK_TYPE_STR:
            st = _raw.llmk_client_set_str(p, opt, _b(None if value is None else str(value)))
        elif t == _raw.LLMK_TYPE_I64:
            st = _raw.llmk_client_set_i64(p, opt, int(value))
        else:
            st = _raw.llmk_client_set_f64(p, opt, float(value))
        _check(st, lambda: _raw.llmk_client_errmsg(p))

    def set_store(self, store: Any) -> None:
        """Keeps the client's rate limits in ``store`` (llmkit.Store; None: the
        client's own counts). The client holds a reference to it."""
        p = self._live()
        _check(_raw.llmk_client_set_store(p, store._live() if store is not None else None),
               lambda: _raw.llmk_client_errmsg(p))
        self._store = store

    @property
    def provider(self) -> str:
        return _s(_raw.llmk_client_provider(self._live()))

    @property
    def model(self) -> str:
        return _s(_raw.llmk_client_model(self._live()))

    @property
    def base_url(self) -> str:
        return _s(_raw.llmk_client_base_url(self._live()))

    @property
    def has_api_key(self) -> bool:
        return _raw.llmk_client_has_api_key(self._live()) == 1

    def batch(self, batch_id: Optional[str] = None) -> "Batch":
        """A provider batch (llmkit.batch.Batch): a new one to fill and
        submit, or, with ``batch_id``, one submitted earlier (by any
        process). Requests run within 24 hours at the batch price."""
        from .batch import Batch
        return Batch(self, batch_id)

    # -- sending --------------------------------------------------------------

    def _stream_call(self, req_ptr, cb, out) -> None:
        _raw.llmk_stream(self._live(), req_ptr, cb, None, out)

    def _send(self, req: _Request, cancel: Optional[Cancel]) -> Response:
        if cancel is not None:
            _check(_raw.llmk_request_set_cancel(req.ptr, cancel._ptr), req._err)
        out = ctypes.POINTER(_raw.llmk_response)()
        _raw.llmk_send(self._live(), req.ptr, ctypes.byref(out))
        return self._finish(req.kind, out)

    @staticmethod
    def _finish(kind: int, out) -> Response:
        if not out:
            raise error_for(_raw.LLMK_E_NOMEM, "no response")
        try:
            if _raw.llmk_response_status(out) != _raw.LLMK_OK:
                raise response_error(out)
            return convert_response(kind, out)
        finally:
            _raw.llmk_response_free(out)

    def _chat_request(self, messages: Messages, system, tools, options) -> _Request:
        return chat_request(messages, system, tools, options)

    def chat(self, messages: Messages, *, system: Optional[str] = None,
             tools: Optional[Sequence[Mapping[str, Any]]] = None, cancel: Optional[Cancel] = None,
             **options: Any) -> ChatResponse:
        """Sends a chat request and returns the whole answer.

        ``messages``: a string (one user message), or a list of
        ``{"role": ..., "content": ...}`` dicts (content a string or a list of
        parts ``{"type": "text", ...}`` / ``{"type": "image_url", ...}`` /
        ``{"type": "document", "data": pdf_bytes_or_text, "filename": ...}``),
        ``(role, text)`` tuples and earlier ChatResponses (the assistant's
        turns, with the state their provider needs: the agent loop is
        ``messages.append(resp)``, then the tool results as
        ``{"role": "tool", "tool_call_id": ..., "content": ...}``). ``tools``: OpenAI-style function tools.
        Further keywords are request options by name: ``temperature=0.2``,
        ``max_tokens=100``, ``stop=["\\n"]``, ``model="other-model"``,
        ``json_schema={"type": "object", ...}`` (a dict or JSON text; tool
        ``parameters`` and tool-call ``arguments`` likewise)...
        Raises an LLMKitError subclass on failure.
        """
        with self._chat_request(messages, system, tools, options) as req:
            return self._send(req, cancel)  # type: ignore[return-value]

    async def achat(self, messages: Messages, *, system: Optional[str] = None,
                    tools: Optional[Sequence[Mapping[str, Any]]] = None, **options: Any) -> ChatResponse:
        """chat() for asyncio: many requests awaited at once are in flight
        together on the event loop's thread (one llmk_multi per loop,
        llmkit.aio), without blocking it. Cancelling the awaiting task
        cancels the request."""
        from . import aio
        req = self._chat_request(messages, system, tools, options)
        return await aio.driver().submit(self, req, req.kind, Client._finish)

    async def aembed(self, inputs: Union[str, Sequence[str]], **options: Any) -> EmbedResponse:
        """embed() for asyncio (see achat())."""
        from . import aio
        req = _Request(_raw.LLMK_EMBED)
        try:
            for t in [inputs] if isinstance(inputs, str) else inputs:
                _check(_raw.llmk_request_add_input(req.ptr, _b(t)), req._err)
            req.options(options)
        except BaseException:
            req.close()
            raise
        return await aio.driver().submit(self, req, req.kind, Client._finish)

    async def arerank(self, query: str, documents: Sequence[str], *, top_n: Optional[int] = None,
                      **options: Any) -> RerankResponse:
        """rerank() for asyncio (see achat())."""
        from . import aio
        if isinstance(documents, str):
            raise TypeError("documents must be a sequence of strings, not one string")
        req = _Request(_raw.LLMK_RERANK)
        try:
            req.set("query", query)
            for d in documents:
                _check(_raw.llmk_request_add_input(req.ptr, _b(d)), req._err)
            req.set("top_n", top_n)
            req.options(options)
        except BaseException:
            req.close()
            raise
        return await aio.driver().submit(self, req, req.kind, Client._finish)

    def stream(self, messages: Messages, *, system: Optional[str] = None,
               tools: Optional[Sequence[Mapping[str, Any]]] = None, cancel: Optional[Cancel] = None,
               **options: Any) -> "Stream":
        """Streams a chat answer: iterate the returned Stream for StreamEvents
        (or ``stream.text()`` for text fragments only); ``stream.response`` is
        the whole ChatResponse once the iteration ended. Leaving the iteration
        early (``break``, ``close()``, the ``with`` block) cancels the request.
        Arguments as for chat()."""
        req = self._chat_request(messages, system, tools, options)
        return Stream(self, req, cancel)

    def embed(self, inputs: Union[str, Sequence[str]], *, cancel: Optional[Cancel] = None,
              **options: Any) -> EmbedResponse:
        """Embeds one text or several (one vector each, in order). Options:
        ``dimensions``, ``embed_input_type``, ``model``..."""
        with _Request(_raw.LLMK_EMBED) as req:
            for t in [inputs] if isinstance(inputs, str) else inputs:
                _check(_raw.llmk_request_add_input(req.ptr, _b(t)), req._err)
            req.options(options)
            return self._send(req, cancel)  # type: ignore[return-value]

    def image(self, prompt: str, *, cancel: Optional[Cancel] = None, **options: Any) -> ImageResponse:
        """Generates images from a prompt. Options: ``image_size``,
        ``image_count``, ``image_quality``, ``image_response_format``..."""
        with _Request(_raw.LLMK_IMAGE) as req:
            req.set("prompt", prompt)
            req.options(options)
            return self._send(req, cancel)  # type: ignore[return-value]

    def edit_image(self, images: Union[bytes, str, "os.PathLike[str]", Sequence[Any]], prompt: Optional[str] = None,
                   *, mask: Union[None, bytes, str, "os.PathLike[str]"] = None, cancel: Optional[Cancel] = None,
                   **options: Any) -> ImageResponse:
        """Edits images (OpenAI /images/edits; Gemini's image models): one
        image or a list of them, each bytes, a file path or a ``(bytes, mime)``
        pair; ``mask`` a PNG whose transparent areas are to be edited. Without
        a prompt, one image asks for variations (OpenAI /images/variations).
        Options as for image(), plus ``image_input_fidelity``."""
        with _Request(_raw.LLMK_IMAGE) as req:
            for item in images if isinstance(images, (list, tuple)) and not _is_pair(images) else [images]:
                data, mime, name = _image_input(item)
                _check(_raw.llmk_request_add_image(req.ptr, data, len(data), _b(mime), _b(name)), req._err)
            if mask is not None:
                data = _read_bytes(mask)
                _check(_raw.llmk_request_set_mask(req.ptr, data, len(data)), req._err)
            req.set("prompt", prompt)
            req.options(options)
            return self._send(req, cancel)  # type: ignore[return-value]

    def _transcribe_request(self, audio, filename, mime, options) -> _Request:
        if isinstance(audio, (bytes, bytearray, memoryview)):
            data = bytes(audio)
            filename = filename or "audio.wav"
        else:
            with open(audio, "rb") as f:
                data = f.read()
            filename = filename or os.path.basename(os.fspath(audio))
        req = _Request(_raw.LLMK_TRANSCRIBE)
        try:
            _check(_raw.llmk_request_set_audio(req.ptr, data, len(data), _b(filename), _b(mime)), req._err)
            req.options(options)
        except BaseException:
            req.close()
            raise
        return req

    def transcribe(self, audio: Union[bytes, str, "os.PathLike[str]"], *, filename: Optional[str] = None,
                   mime: Optional[str] = None, cancel: Optional[Cancel] = None,
                   **options: Any) -> TranscriptionResponse:
        """Transcribes audio given as bytes or a file path. ``filename`` (sent
        with the audio; its extension names the format) defaults to the path's
        base name or "audio.wav". Options: ``language``, ``prompt``,
        ``transcript_format``, ``temperature``, ``timestamps`` ("word",
        "segment", "word,segment": ``.words``, ``.segments``), ``logprobs=1``
        (``.logprobs``), ``chunking``, ``translate=1`` (see translate())..."""
        with self._transcribe_request(audio, filename, mime, options) as req:
            return self._send(req, cancel)  # type: ignore[return-value]

    def translate(self, audio: Union[bytes, str, "os.PathLike[str]"], **kw: Any) -> TranscriptionResponse:
        """Translates speech into English text (OpenAI /audio/translations,
        whisper.cpp's translate): transcribe() with ``translate=1``."""
        return self.transcribe(audio, translate=1, **kw)

    def stream_transcribe(self, audio: Union[bytes, str, "os.PathLike[str]"], *, filename: Optional[str] = None,
                          mime: Optional[str] = None, cancel: Optional[Cancel] = None, **options: Any) -> "Stream":
        """Streams a transcription: TEXT events as the text arrives (where the
        provider streams; else the whole text at once); ``stream.response`` is
        the TranscriptionResponse. Arguments as for transcribe()."""
        return Stream(self, self._transcribe_request(audio, filename, mime, options), cancel)

    def _speech_request(self, text, voice, format, options) -> _Request:
        req = _Request(_raw.LLMK_SPEECH)
        try:
            req.set("input", text)
            req.set("voice", voice)
            req.set("audio_format", format)
            req.options(options)
        except BaseException:
            req.close()
            raise
        return req
    def rerank(self, query: str, documents: Sequence[str], *, top_n: Optional[int] = None,
               cancel: Optional[Cancel] = None, **options: Any) -> RerankResponse:
        """Ranks documents by relevance to query; the results come most
        relevant first, each with the document's position in ``documents``.
        Options: ``max_tokens_per_doc`` (Cohere), ``model``..."""
        if isinstance(documents, str):
            raise TypeError("documents must be a sequence of strings, not one string")
        with _Request(_raw.LLMK_RERANK) as req:
            req.set("query", query)
            for d in documents:
                _check(_raw.llmk_request_add_input(req.ptr, _b(d)), req._err)
            req.set("top_n", top_n)
            req.options(options)
            return self._send(req, cancel)  # type: ignore[return-value]

    def count_tokens(self, messages: Messages, *, system: Optional[str] = None,
                     tools: Optional[Sequence[Mapping[str, Any]]] = None, **options: Any) -> int:
        """The input tokens of a chat request (the arguments of chat()) as
        the provider counts them, with its own counting endpoint (Anthropic,
        OpenAI Responses, Gemini, llama-server); UnsupportedError elsewhere,
        never an estimate."""
        with self._chat_request(messages, system, tools, options) as req:
            n = ctypes.c_int64(-1)
            out = ctypes.POINTER(_raw.llmk_response)()
            _raw.llmk_count_tokens(self._live(), req.ptr, ctypes.byref(n), ctypes.byref(out))
            if not out:
                raise error_for(_raw.LLMK_E_NOMEM, "no response")
            try:
                if _raw.llmk_response_status(out) != _raw.LLMK_OK:
                    raise response_error(out)
                return n.value
            finally:
                _raw.llmk_response_free(out)

    def moderate(self, inputs: Union[str, Sequence[str]] = (), *, images: Sequence[Union[str, bytes]] = (),
                 image_mime: str = "image/png", conversation: Optional[Messages] = None,
                 cancel: Optional[Cancel] = None, **options: Any) -> ModerationResponse:
        """Moderation verdicts on one text or several (one result each), or
        on texts with images (URLs, data: URLs or bytes of ``image_mime``),
        judged together as one result (OpenAI), or on a ``conversation``
        (messages as chat() takes them; Mistral), judged as one."""
        with _Request(_raw.LLMK_MODERATE) as req:
            if conversation is not None:
                req.messages(conversation, None)
            for t in [inputs] if isinstance(inputs, str) else inputs:
                _check(_raw.llmk_request_add_input(req.ptr, _b(t)), req._err)
            for im in images:
                if isinstance(im, (bytes, bytearray, memoryview)):
                    data = bytes(im)
                    _check(_raw.llmk_request_add_image_data(req.ptr, data, len(data), _b(image_mime)), req._err)
                else:
                    _check(_raw.llmk_request_add_image_url(req.ptr, _b(im), None), req._err)
            req.options(options)
            return self._send(req, cancel)  # type: ignore[return-value]

    def speak(self, text: str, *, voice: Optional[str] = None, format: Optional[str] = None,
              cancel: Optional[Cancel] = None, **options: Any) -> SpeechResponse:
        """Turns text into speech; ``format`` is the audio format (mp3, wav,
        ...). Options: ``speed``, ``instructions``..."""
        with self._speech_request(text, voice, format, options) as req:
            return self._send(req, cancel)  # type: ignore[return-value]

    def stream_speech(self, text: str, *, voice: Optional[str] = None, format: Optional[str] = None,
                      cancel: Optional[Cancel] = None, **options: Any) -> "Stream":
        """Streams speech: AUDIO events (``event.data``) as the audio is made
        (``stream_format="sse"``: decoded from the provider's events, with
        usage); ``stream.response`` is the whole SpeechResponse. Arguments
        as for speak()."""
        return Stream(self, self._speech_request(text, voice, format, options), cancel)


def _is_pair(v: Any) -> bool:
    return isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], (bytes, bytearray)) and isinstance(v[1], str)


def _read_bytes(v: Any) -> bytes:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    with open(v, "rb") as f:
        return f.read()


_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


def _image_input(item: Any) -> Tuple[bytes, Optional[str], Optional[str]]:
    """(bytes, MIME type, file name) of an input image given as bytes, a
    path or a (bytes, mime) pair."""
    if _is_pair(item):
        return bytes(item[0]), item[1], None
    if isinstance(item, (bytes, bytearray, memoryview)):
        return bytes(item), None, None
    path = os.fspath(item)
    ext = os.path.splitext(path)[1].lower()
    return _read_bytes(path), _IMAGE_TYPES.get(ext, "image/png"), os.path.basename(path)


_END = object()


class Stream:
    """An answer being streamed (see Client.stream()). Iterating yields
    StreamEvents as they arrive; the request runs on a helper thread and is
    cancelled when the stream is closed before its end."""

    def __init__(self, client: Any, req: _Request, cancel: Optional[Cancel]) -> None:
        self._client = client  # a Client or a Router: anything with _stream_call()
        self._req = req
        self._own_cancel = cancel is None
        self._cancel = cancel or Cancel()
        self._queue: "queue.Queue[Any]" = queue.Queue()
        self._closed = False
        self._result: Optional[BaseException] = None
        self.response: Optional[ChatResponse] = None
        _check(_raw.llmk_request_set_cancel(req.ptr, self._cancel._ptr), req._err)
        self._cb = _raw.llmk_stream_fn(self._on_event)
        self._thread = threading.Thread(target=self._run, name="llmkit-stream", daemon=True)
        self._thread.start()

    def _on_event(self, ev, user) -> int:
        if self._closed:
            return 1
        t = _raw.llmk_event_type(ev)
        n = _raw.llmk_event_text_len(ev)
        p = _raw.llmk_event_text(ev)
        e = StreamEvent(type=_raw.EventType(t) if t in _raw.EventType._value2member_map_ else t)
        # Copy now: the event is valid only during this call.
        e.text = ctypes.string_at(p, n).decode("utf-8", errors="replace") if p and n else ""
        if t == _raw.LLMK_EVENT_TOOL_CALL:
            e.tool_index = _raw.llmk_event_tool_index(ev)
            e.tool_id = _s(_raw.llmk_event_tool_id(ev))
            e.tool_name = _s(_raw.llmk_event_tool_name(ev))
        elif t in (_raw.LLMK_EVENT_USAGE, _raw.LLMK_EVENT_DONE):
            e.usage = _usage_of(lambda w: _raw.llmk_event_usage(ev, w))
        elif t in (_raw.LLMK_EVENT_AUDIO, _raw.LLMK_EVENT_IMAGE_PARTIAL, _raw.LLMK_EVENT_IMAGE):
            dn = ctypes.c_size_t(0)
            dp = _raw.llmk_event_data(ev, ctypes.byref(dn))
            e.data = _bytes_at(dp, dn.value)
            e.index = _raw.llmk_event_index(ev)
        self._queue.put(e)
        return 0

    def _run(self) -> None:
        out = ctypes.POINTER(_raw.llmk_response)()
        try:
            self._client._stream_call(self._req.ptr, self._cb, ctypes.byref(out))
            self.response = Client._finish(self._req.kind, out)  # type: ignore[assignment]
        except BaseException as e:  # handed to the iterating thread
            self._result = e
        finally:
            self._queue.put(_END)

    def __iter__(self) -> Iterator[StreamEvent]:
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    break
                yield item
            if self._result is not None and not self._closed:
                raise self._result
        finally:
            self.close()

    def text(self) -> Iterator[str]:
        """Only the answer's text fragments."""
        for e in self:
            if e.type == _raw.LLMK_EVENT_TEXT and e.text:
                yield e.text

    def close(self) -> None:
        """Stops the request if it still runs (it ends with CancelledError,
        which close() swallows) and releases it."""
        if self._req is None:
            return
        if self._thread.is_alive():
            self._closed = True
            self._cancel.trigger()
        self._thread.join()
        self._req.close()
        self._req = None
        if self._own_cancel:
            self._cancel.close()

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def version() -> str:
    """Version of the loaded libllmkit, e.g. "0.1.0"."""
    return _s(_raw.llmk_version())


def providers() -> List[str]:
    """Names of the providers the loaded library knows."""
    return [_s(_raw.llmk_provider_name(i)) for i in range(_raw.llmk_provider_count())]


def options() -> Dict[str, Tuple[int, str, str]]:
    """Option table by name: {name: (id, scope, description)}."""
    return {key: (oid, scope, doc) for _, oid, scope, key, doc in _raw.OPTION_TABLE}
