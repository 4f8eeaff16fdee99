"""Shared state for rate limits and router cooldowns: ``llmk_store``.

    store = llmkit.Store.redis("redis://127.0.0.1:6379/0?prefix=myapp:")
    c = llmkit.Client("openai/gpt-4o-mini", store=store,
                      options={"rate_limit_rpm": 500, "rate_limit_tpm": 200000})
    rt = llmkit.Router([("a", c), ("b", other)], store=store)

``Store.local()`` keeps the state in this process (to share limits between
several clients); ``Store.redis(url)`` in Redis or Valkey, shared by every
process using the same server, database and prefix (the URL's password is
never logged). A store must stay open while clients or routers use it: they
keep a reference to it. When Redis is down, slow or answering errors, the
library goes on with local state and logs a warning.
"""
import ctypes

from . import _raw
from .errors import error_for


class Store:
    """A shared-state store; see the module documentation."""

    def __init__(self, ptr, kind: str) -> None:
        self._ptr = ptr
        self.kind = kind

    @classmethod
    def local(cls) -> "Store":
        """An in-process store."""
        p = ctypes.POINTER(_raw.llmk_store)()
        st = _raw.llmk_store_new_local(ctypes.byref(p))
        if st != _raw.LLMK_OK:
            raise error_for(st, "cannot create a local store")
        return cls(p, "local")

    @classmethod
    def redis(cls, url: str) -> "Store":
        """A store in Redis or Valkey: ``redis://[[user]:password@]host[:port][/db][?prefix=...]``.
        UnsupportedError when the library was built without hiredis, or for
        ``rediss://`` (TLS) when its hiredis has none."""
        p = ctypes.POINTER(_raw.llmk_store)()
        st = _raw.llmk_store_new_redis(url.encode() if url is not None else None, ctypes.byref(p))
        if st != _raw.LLMK_OK:
            # the URL may hold a password: never echoed
            raise error_for(st, "cannot create a Redis store: %s" % _raw.llmk_strerror(st).decode())
        return cls(p, "redis")

    def _live(self):
        if not self._ptr:
            raise error_for(_raw.LLMK_E_INVALID_ARG, "store is closed")
        return self._ptr

    def close(self) -> None:
        """Frees the store; the clients and routers using it must be closed
        first. Idempotent."""
        if getattr(self, "_ptr", None):
            _raw.llmk_store_free(self._ptr)
            self._ptr = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
