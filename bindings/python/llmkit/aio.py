"""asyncio support: ``await client.achat(...)`` / ``await client.aembed(...)``.

Requests awaited on one event loop share one ``llmk_multi`` driven by that
loop: the multi's descriptors are watched with ``loop.add_reader`` /
``add_writer`` and its timeout with ``loop.call_later``
(``llmk_multi_fds`` / ``llmk_multi_timeout_ms``), so any number of requests
are in flight on the loop's thread without a thread per request, and
nothing blocks the loop. Cancelling the awaiting task raises the request's
cancel flag; the transfer stops within a step.
"""
import asyncio
import ctypes
import weakref
from typing import Any, Dict, Optional, Tuple

from . import _raw
from .errors import error_for

_drivers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Driver]" = weakref.WeakKeyDictionary()


class _Driver:
    """One llmk_multi for one event loop (used only from the loop's thread)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        m = ctypes.POINTER(_raw.llmk_multi)()
        st = _raw.llmk_multi_new(ctypes.byref(m))
        if st != _raw.LLMK_OK:
            raise error_for(st, "cannot create a multi handle")
        self._m = m
        self._loop = weakref.ref(loop)
        self._done_cb = _raw.llmk_done_fn(self._on_done)  # kept alive with the driver
        self._pending: Dict[int, Tuple[Any, ...]] = {}
        self._next = 1
        self._fds: Dict[int, int] = {}
        self._timer: Optional[asyncio.TimerHandle] = None
        self._scheduled = False

    def submit(self, client, req, kind: int, finish) -> "asyncio.Future[Any]":
        """Adds req (a _Request the driver now owns) for client; the future gets
        finish(kind, response) or its exception."""
        loop = self._loop()
        assert loop is not None
        from .client import Cancel  # a flag per request: task cancellation raises it
        cancel = Cancel()
        st = _raw.llmk_request_set_cancel(req.ptr, cancel._ptr)
        if st != _raw.LLMK_OK:
            cancel.close()
            req.close()
            raise error_for(st, "cannot attach a cancel flag")
        fut = loop.create_future()
        key = self._next
        self._next += 1
        st = _raw.llmk_multi_add(self._m, client._live(), req.ptr, _raw.llmk_stream_fn(), self._done_cb,
                                 ctypes.c_void_p(key))
        if st != _raw.LLMK_OK:
            cancel.close()
            req.close()
            raise error_for(st, "cannot add the request")
        self._pending[key] = (fut, req, client, cancel, kind, finish)

        def on_future_done(f: "asyncio.Future[Any]") -> None:
            if f.cancelled() and key in self._pending:
                cancel.trigger()
                self.kick()

        fut.add_done_callback(on_future_done)
        self.kick()
        return fut

    def _on_done(self, resp, user) -> None:
        # Called by llmk_multi_perform() on the loop's thread: it owns resp.
        entry = self._pending.pop(user or 0, None)
        if entry is None:  # cannot happen; never leak the response
            if resp:
                _raw.llmk_response_free(resp)
            return
        fut, req, _client, cancel, kind, finish = entry
        try:
            result: Any = finish(kind, resp)  # frees resp
            exc: Optional[BaseException] = None
        except Exception as e:  # an LLMKitError for a failed request
            result, exc = None, e
        finally:
            _raw.llmk_request_set_cancel(req.ptr, None)
            req.close()
            cancel.close()
        if not fut.done():
            if exc is not None:
                fut.set_exception(exc)
            else:
                fut.set_result(result)

    def kick(self) -> None:
        """Drives the multi soon (from the loop)."""
        loop = self._loop()
        if loop is not None and not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._pump)

    def _pump(self) -> None:
        self._scheduled = False
        if not self._m:
            return
        running = ctypes.c_int32(0)
        _raw.llmk_multi_perform(self._m, ctypes.byref(running))
        self._rearm(running.value)

    def _rearm(self, running: int) -> None:
        loop = self._loop()
        if loop is None:
            return
        n = _raw.llmk_multi_fds(self._m, None, None, 0)
        want: Dict[int, int] = {}
        if n:
            fds = (ctypes.c_int32 * n)()
            evs = (ctypes.c_int32 * n)()
            n = min(n, _raw.llmk_multi_fds(self._m, fds, evs, n))
            want = {fds[i]: evs[i] for i in range(n)}
        for fd, ev in list(self._fds.items()):
            if want.get(fd) != ev:
                self._unwatch(loop, fd, ev)
        for fd, ev in want.items():
            if self._fds.get(fd) != ev:
                if ev & _raw.LLMK_POLL_IN:
                    loop.add_reader(fd, self._pump)
                if ev & _raw.LLMK_POLL_OUT:
                    loop.add_writer(fd, self._pump)
        self._fds = want
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if running:
            t = _raw.llmk_multi_timeout_ms(self._m)
            if t >= 0:
                self._timer = loop.call_later(t / 1000.0, self._pump)

    @staticmethod
    def _unwatch(loop: asyncio.AbstractEventLoop, fd: int, ev: int) -> None:
        if ev & _raw.LLMK_POLL_IN:
            loop.remove_reader(fd)
        if ev & _raw.LLMK_POLL_OUT:
            loop.remove_writer(fd)

    def close(self) -> None:
        """Frees the multi: unfinished requests end as cancelled."""
        if not self._m:
            return
        loop = self._loop()
        if loop is not None and not loop.is_closed():
            for fd, ev in self._fds.items():
                self._unwatch(loop, fd, ev)
        self._fds = {}
        if self._timer is not None:
            self._timer.cancel()
        m, self._m = self._m, None
        _raw.llmk_multi_free(m)  # calls _on_done for what was in flight

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


def driver() -> _Driver:
    """The driver of the running event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    d = _drivers.get(loop)
    if d is None:
        d = _drivers[loop] = _Driver(loop)
    return d
