"""Provider batches: many requests run by the provider at its batch price.

    with llmkit.Client("openai/gpt-4o-mini") as c:
        with c.batch() as b:
            b.add("q1", "What is RAG?", max_tokens=100)
            b.add("q2", [{"role": "user", "content": "Define LLM."}])
            batch_id = b.submit()
    # later, from any process:
    with llmkit.Client("openai/gpt-4o-mini") as c, c.batch(batch_id) as b:
        b.wait(poll=60)
        for custom_id, result in b.results():
            print(custom_id, result.text if not isinstance(result, Exception) else result)

A result is the ordinary response (ChatResponse, EmbedResponse) with its
cost at the batch price, or, for a request that failed, the LLMKitError it
would have raised (returned, not raised, so one failure does not hide the
others).
"""
import ctypes
import time
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Sequence, Tuple, Union

from . import _raw
from .client import Cancel, Messages, Response, _b, _check, _Request, _s, _s_or_none, chat_request, convert_response
from .errors import LLMKitError, error_for
from .client import response_error

STATES = ("new", "validating", "in_progress", "finalizing", "completed", "failed", "expired", "cancelling",
          "cancelled")
ENDED = frozenset(["completed", "failed", "expired", "cancelled"])


class Batch:
    """A provider batch (``Client.batch()``): add requests under your own
    ids, ``submit()``, then ``wait()`` and read ``results()``; or open one
    submitted earlier with ``Client.batch(batch_id)``. Each call blocks while
    it talks to the provider, with the client's timeouts and retries."""

    def __init__(self, client, batch_id: Optional[str] = None) -> None:
        self._client = client  # keeps the client alive as long as the batch
        p = ctypes.POINTER(_raw.llmk_batch)()
        cp = client._live()
        if batch_id is None:
            st = _raw.llmk_batch_new(ctypes.byref(p), cp)
            if st != _raw.LLMK_OK:
                raise error_for(st, _s(_raw.llmk_client_errmsg(cp)))
        else:
            st = _raw.llmk_batch_open(ctypes.byref(p), cp, _b(batch_id))
            if st != _raw.LLMK_OK:
                detail = _s(_raw.llmk_batch_errmsg(p)) if p else _s(_raw.llmk_client_errmsg(cp))
                if p:
                    _raw.llmk_batch_free(p)
                raise error_for(st, detail)
        self._ptr = p
        self._cancel: Optional[Cancel] = None

    # -- lifetime -------------------------------------------------------------

    def close(self) -> None:
        """Frees the handle; the batch goes on at the provider."""
        if getattr(self, "_ptr", None):
            _raw.llmk_batch_free(self._ptr)
            self._ptr = None

    def __enter__(self) -> "Batch":
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
            raise error_for(_raw.LLMK_E_INVALID_ARG, "batch is closed")
        return self._ptr

    def _err(self) -> bytes:
        return _raw.llmk_batch_errmsg(self._live())

    # -- building ---------------------------------------------------------------

    def add(self, custom_id: str, messages: Messages, *, system: Optional[str] = None,
            tools: Optional[Sequence[Mapping[str, Any]]] = None, **options: Any) -> None:
        """Adds a chat request (the arguments of ``Client.chat()``) under
        ``custom_id`` (letters, digits, '_' and '-', up to 64; unique)."""
        with chat_request(messages, system, tools, options) as req:
            _check(_raw.llmk_batch_add(self._live(), _b(custom_id), req.ptr), self._err)

    def add_embed(self, custom_id: str, inputs: Union[str, Sequence[str]], **options: Any) -> None:
        """Adds an embedding request (the arguments of ``Client.embed()``)."""
        with _Request(_raw.LLMK_EMBED) as req:
            for t in [inputs] if isinstance(inputs, str) else inputs:
                _check(_raw.llmk_request_add_input(req.ptr, _b(t)), req._err)
            req.options(options)
            _check(_raw.llmk_batch_add(self._live(), _b(custom_id), req.ptr), self._err)

    def __len__(self) -> int:
        return int(_raw.llmk_batch_size(self._live()))

    def submit(self) -> str:
        """Submits the batch; returns its id (keep it to come back later)."""
        _check(_raw.llmk_batch_submit(self._live()), self._err)
        return self.id  # type: ignore[return-value]

    # -- state ------------------------------------------------------------------

    @property
    def id(self) -> Optional[str]:
        return _s_or_none(_raw.llmk_batch_id(self._live()))

    @property
    def state(self) -> str:
        """"new", "validating", "in_progress", "finalizing", "completed",
        "failed", "expired", "cancelling" or "cancelled" (as of the last
        call that asked the provider)."""
        return _s(_raw.llmk_batch_state_name(_raw.llmk_batch_state(self._live())))

    @property
    def ended(self) -> bool:
        return _raw.llmk_batch_ended(self._live()) == 1

    @property
    def counts(self) -> Dict[str, Optional[int]]:
        """Request counts of the last poll: total, succeeded, failed,
        pending, not_run (None where the provider does not say)."""
        p = self._live()
        names = (("total", _raw.LLMK_BATCH_N_TOTAL), ("succeeded", _raw.LLMK_BATCH_N_SUCCEEDED),
                 ("failed", _raw.LLMK_BATCH_N_FAILED), ("pending", _raw.LLMK_BATCH_N_PENDING),
                 ("not_run", _raw.LLMK_BATCH_N_OTHER))
        out: Dict[str, Optional[int]] = {}
        for name, which in names:
            v = _raw.llmk_batch_count(p, which)
            out[name] = None if v < 0 else int(v)
        return out

    @property
    def error(self) -> str:
        """Why the last call failed, or a failed batch's reason; "" if none."""
        return _s(self._err())

    def refresh(self) -> str:
        """Asks the provider once; returns the state."""
        _check(_raw.llmk_batch_refresh(self._live()), self._err)
        return self.state

    def wait(self, poll: float = 30.0, timeout: Optional[float] = None,
             progress: Optional[Callable[["Batch"], Any]] = None, cancel: Optional[Cancel] = None) -> str:
        """Polls every ``poll`` seconds until the batch has ended (or
        ``timeout`` seconds: TimeoutError of llmkit). ``progress(batch)`` is
        called after each poll; returning True stops waiting. Polled from
        Python, so Ctrl-C works between polls. Returns the final state."""
        start = time.monotonic()
        while True:
            if cancel is not None and cancel.triggered():
                raise error_for(_raw.LLMK_E_CANCELLED, "stopped waiting (cancel)")
            state = self.refresh()
            if progress is not None and progress(self):
                raise error_for(_raw.LLMK_E_CANCELLED, "stopped waiting (progress callback)")
            if state in ENDED:
                return state
            if timeout is not None and time.monotonic() - start + poll > timeout:
                raise error_for(_raw.LLMK_E_TIMEOUT, "the batch is still %s after %.0f s" % (state, timeout))
            time.sleep(poll)

    def cancel(self) -> str:
        """Asks the provider to cancel; returns the state (cancelling, or
        cancelled)."""
        _check(_raw.llmk_batch_cancel(self._live()), self._err)
        return self.state

    # -- results ------------------------------------------------------------------

    def results(self) -> Iterator[Tuple[str, Union[Response, LLMKitError]]]:
        """(custom_id, result) for each request of an ended batch, in the
        provider's order: the response (cost at the batch price), or the
        LLMKitError of a request that failed (cancelled and expired ones
        included). Downloaded on the first step."""
        p = self._live()
        cid = ctypes.c_char_p()
        while True:
            out = ctypes.POINTER(_raw.llmk_response)()
            _check(_raw.llmk_batch_next_result(p, ctypes.byref(cid), ctypes.byref(out)), self._err)
            if not out:
                return
            name = _s(cid.value)
            try:
                if _raw.llmk_response_status(out) != _raw.LLMK_OK:
                    item: Union[Response, LLMKitError] = response_error(out)
                else:
                    kind = _raw.LLMK_EMBED if _raw.llmk_response_embedding_count(out) else _raw.LLMK_CHAT
                    item = convert_response(kind, out)
            finally:
                _raw.llmk_response_free(out)
            yield name, item
