"""Exceptions raised by llmkit, one class per libllmkit status.

Every exception derives from LLMKitError, which carries the status and the
detail the library gives (``llmk_response_error()`` for requests, the
client's or request's error message for configuration).
"""
from typing import Dict, Optional, Type

from . import _raw


class LLMKitError(Exception):
    """A libllmkit call failed.

    Attributes: ``status`` (a ``Status``), ``status_name`` (e.g. "LLMK_E_AUTH"),
    ``detail`` (what went wrong, never containing a credential), and for
    failed requests ``http_status`` (0 when no response came), ``error_type``,
    ``error_code``, ``request_id`` (provider's, "" if none) and
    ``retry_after_ms`` (None when the provider gave no delay); through a
    Router, ``deployment`` (the last one asked) and ``tried``.
    """

    def __init__(self, status: int, detail: str = "", *, http_status: int = 0, error_type: str = "",
                 error_code: str = "", request_id: str = "", retry_after_ms: Optional[int] = None):
        self.status = _raw.Status(status) if status in _raw.Status._value2member_map_ else status
        self.status_name = _raw.llmk_status_name(int(status)).decode()
        self.detail = detail or _raw.llmk_strerror(int(status)).decode()
        self.http_status = http_status
        self.error_type = error_type
        self.error_code = error_code
        self.request_id = request_id
        self.retry_after_ms = retry_after_ms
        self.deployment = ""
        self.tried = ""
        super().__init__("%s: %s" % (self.status_name, self.detail))


class InvalidArgumentError(LLMKitError, ValueError):
    """LLMK_E_INVALID_ARG: a bad argument or option value."""


class UnknownOptionError(LLMKitError, KeyError):
    """LLMK_E_UNKNOWN_OPTION."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class OutOfMemoryError(LLMKitError, MemoryError):
    """LLMK_E_NOMEM."""


class UnsupportedError(LLMKitError):
    """LLMK_E_UNSUPPORTED: not supported by this provider or build."""


class TransportError(LLMKitError, ConnectionError):
    """LLMK_E_TRANSPORT: connection failed or broken."""


class TimeoutError(LLMKitError, TimeoutError):  # noqa: A001 - also catchable as the builtin
    """LLMK_E_TIMEOUT."""


class CancelledError(LLMKitError):
    """LLMK_E_CANCELLED: cancelled by the caller (Cancel.trigger(), a closed stream)."""


class AuthenticationError(LLMKitError):
    """LLMK_E_AUTH: missing or invalid API key."""


class PermissionDeniedError(LLMKitError):
    """LLMK_E_PERMISSION."""


class NotFoundError(LLMKitError):
    """LLMK_E_NOT_FOUND: unknown model or endpoint."""


class BadRequestError(LLMKitError):
    """LLMK_E_BAD_REQUEST: the provider rejected the request as invalid."""


class RateLimitError(LLMKitError):
    """LLMK_E_RATE_LIMITED: see ``retry_after_ms``."""


class ContextLengthError(LLMKitError):
    """LLMK_E_CONTEXT_LENGTH."""


class ContentFilterError(LLMKitError):
    """LLMK_E_CONTENT_FILTERED."""


class ServerError(LLMKitError):
    """LLMK_E_SERVER: provider server error."""


class OverloadedError(LLMKitError):
    """LLMK_E_OVERLOADED: provider overloaded or unavailable."""


class ProtocolError(LLMKitError):
    """LLMK_E_PROTOCOL: malformed response from the provider."""


class TooLargeError(LLMKitError):
    """LLMK_E_TOO_LARGE: response or input exceeds a configured limit."""


class ConfigError(LLMKitError):
    """LLMK_E_CONFIG: client configuration missing or invalid."""


_BY_NAME: Dict[str, Type[LLMKitError]] = {
    "E_INVALID_ARG": InvalidArgumentError,
    "E_UNKNOWN_OPTION": UnknownOptionError,
    "E_NOMEM": OutOfMemoryError,
    "E_UNSUPPORTED": UnsupportedError,
    "E_TRANSPORT": TransportError,
    "E_TIMEOUT": TimeoutError,
    "E_CANCELLED": CancelledError,
    "E_AUTH": AuthenticationError,
    "E_PERMISSION": PermissionDeniedError,
    "E_NOT_FOUND": NotFoundError,
    "E_BAD_REQUEST": BadRequestError,
    "E_RATE_LIMITED": RateLimitError,
    "E_CONTEXT_LENGTH": ContextLengthError,
    "E_CONTENT_FILTERED": ContentFilterError,
    "E_SERVER": ServerError,
    "E_OVERLOADED": OverloadedError,
    "E_PROTOCOL": ProtocolError,
    "E_TOO_LARGE": TooLargeError,
    "E_CONFIG": ConfigError,
}

# Status -> class, from the header's status table: a status added to the
# header after this file was written still gets its own class.
ERRORS: Dict[int, Type[LLMKitError]] = {}
for _name, _value, _message in _raw.STATUS_TABLE:
    if _value == 0:
        continue
    _cls = _BY_NAME.get(_name)
    if _cls is None:
        _cls = type("".join(w.capitalize() for w in _name[2:].split("_")) + "Error", (LLMKitError,),
                    {"__doc__": "LLMK_%s: %s." % (_name, _message)})
        globals()[_cls.__name__] = _cls
    ERRORS[_value] = _cls


def error_for(status: int, detail: str = "", **fields) -> LLMKitError:
    """The exception instance for a status (LLMKitError for an unknown one)."""
    return ERRORS.get(int(status), LLMKitError)(status, detail, **fields)
