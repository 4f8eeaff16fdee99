"""Several deployments behind one call: ``llmk_router``.

    primary = llmkit.Client("openai/gpt-4o-mini")
    backup = llmkit.Client("anthropic/claude-3-5-haiku-latest")
    with llmkit.Router([("primary", primary), ("backup", backup)]) as r:
        answer = r.chat("Hello")
        print(answer.deployment, answer.tried)   # "primary", "primary=LLMK_OK"

Strategies: "fallback" (in order; the next one only when a deployment fails
with a status in ``fallback_on``: by default rate limited, overloaded,
server error, timeout, transport), "weighted" (shares follow the weights
exactly: smooth weighted round-robin), "least_busy". A deployment that failed
``allowed_fails`` times in a row rests for ``cooldown_ms``. With ``store``
(llmkit.Store), cooldowns and least-busy counts are shared with every router
using it, across processes with ``Store.redis(url)``. A Router may be
shared by threads; the clients must stay open while it is used.
"""
import ctypes
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _raw
from .client import Cancel, ChatResponse, Client, Messages, Stream, _b, _check, chat_request
from .errors import error_for

_STRATEGIES = {"fallback": _raw.LLMK_ROUTE_FALLBACK, "weighted": _raw.LLMK_ROUTE_WEIGHTED,
               "least_busy": _raw.LLMK_ROUTE_LEAST_BUSY}

Deployment = Union[Tuple[str, Client], Tuple[str, Client, float]]


class Router:
    """See the module documentation."""

    def __init__(self, deployments: Iterable[Deployment] = (), *, strategy: str = "fallback",
                 fallback_on: Optional[Iterable[int]] = None, allowed_fails: Optional[int] = None,
                 cooldown_ms: Optional[int] = None, store: Any = None, per_key: bool = False) -> None:
        if strategy not in _STRATEGIES:
            raise error_for(_raw.LLMK_E_INVALID_ARG, "unknown strategy %r (one of %s)" %
                            (strategy, ", ".join(sorted(_STRATEGIES))))
        ptr = ctypes.POINTER(_raw.llmk_router)()
        _check(_raw.llmk_router_new(ctypes.byref(ptr)))
        self._ptr = ptr
        self._clients: List[Client] = []  # kept alive while the router is
        try:
            self._set(_raw.LLMK_ROUTER_STRATEGY, _STRATEGIES[strategy], "strategy")
            if fallback_on is not None:
                mask = 0
                for st in fallback_on:
                    mask |= 1 << int(st)
                self._set(_raw.LLMK_ROUTER_FALLBACK_ON, mask, "fallback_on")
            if allowed_fails is not None:
                self._set(_raw.LLMK_ROUTER_ALLOWED_FAILS, allowed_fails, "allowed_fails")
            if cooldown_ms is not None:
                self._set(_raw.LLMK_ROUTER_COOLDOWN_MS, cooldown_ms, "cooldown_ms")
            if per_key:
                self._set(_raw.LLMK_ROUTER_PER_KEY, 1, "per_key")
            self._store = store  # kept alive while the router is
            if store is not None:
                st = _raw.llmk_router_set_store(self._live(), store._live())
                if st != _raw.LLMK_OK:
                    raise error_for(st, "this store keeps no cooldowns or counters")
            for d in deployments:
                self.add(*d)
        except BaseException:
            self.close()
            raise

    def _live(self):
        if not self._ptr:
            raise error_for(_raw.LLMK_E_INVALID_ARG, "router is closed")
        return self._ptr

    def _set(self, option: int, value: int, name: str) -> None:
        st = _raw.llmk_router_set_i64(self._live(), option, int(value))
        if st != _raw.LLMK_OK:
            raise error_for(st, "router option %s: bad value %r" % (name, value))

    def add(self, name: str, client: Client, weight: float = 1.0) -> None:
        """Adds a deployment: a unique name (no ',' or '='), an open Client and
        a weight > 0 (used by the "weighted" strategy)."""
        st = _raw.llmk_router_add(self._live(), client._live(), _b(name), float(weight))
        if st == _raw.LLMK_E_CONFIG:
            raise error_for(st, "deployment name %r is taken" % name)
        if st != _raw.LLMK_OK:
            raise error_for(st, "bad deployment %r (name without ',' or '=', at most 127 bytes; weight > 0)" % name)
        self._clients.append(client)

    def __len__(self) -> int:
        return _raw.llmk_router_count(self._live())

    def cooling(self, i: int) -> bool:
        """Whether deployment i (in the order added) rests after failures."""
        c = _raw.llmk_router_cooling(self._live(), i)
        if c < 0:
            raise IndexError(i)
        return c == 1

    def chat(self, messages: Messages, *, system: Optional[str] = None,
             tools: Optional[Sequence[Mapping[str, Any]]] = None, cancel: Optional[Cancel] = None,
             **options: Any) -> ChatResponse:
        """Client.chat() through the router. The answer's ``deployment`` says
        who answered, ``tried`` what was asked ("a=LLMK_E_RATE_LIMITED,b=LLMK_OK").
        On failure the exception carries the same two fields."""
        with chat_request(messages, system, tools, options) as req:
            if cancel is not None:
                _check(_raw.llmk_request_set_cancel(req.ptr, cancel._ptr), req._err)
            out = ctypes.POINTER(_raw.llmk_response)()
            _raw.llmk_router_send(self._live(), req.ptr, ctypes.byref(out))
            return Client._finish(req.kind, out)  # type: ignore[return-value]

    def _stream_call(self, req_ptr, cb, out) -> None:
        _raw.llmk_router_stream(self._live(), req_ptr, cb, None, out)

    def stream(self, messages: Messages, *, system: Optional[str] = None,
               tools: Optional[Sequence[Mapping[str, Any]]] = None, cancel: Optional[Cancel] = None,
               **options: Any) -> Stream:
        """Client.stream() through the router: falls back only while no event
        has been delivered; ``stream.response.deployment`` / ``tried`` once
        the iteration ended."""
        req = chat_request(messages, system, tools, options)
        try:
            return Stream(self, req, cancel)
        except BaseException:
            req.close()
            raise

    def close(self) -> None:
        """Frees the router (its clients stay open). Idempotent."""
        if getattr(self, "_ptr", None):
            _raw.llmk_router_free(self._ptr)
            self._ptr = None
        self._clients = []

    def __enter__(self) -> "Router":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
