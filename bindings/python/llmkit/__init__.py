"""llmkit: Python bindings for libllmkit, one API for chat, embeddings,
images and speech across model providers.

    import llmkit
    with llmkit.Client("openai/gpt-4o-mini") as c:
        print(c.chat("Explain RAG in one sentence.").text)

The library is found through LLMKIT_LIBRARY, the install prefix or a build
directory (see llmkit._loader). ``llmkit.raw`` is the generated ctypes layer.
"""
from . import _raw as raw
from ._loader import MissingSymbolError
from ._raw import EventType, Finish, Kind, Option, Role, Status
from .client import (Cache, Cancel, ChatResponse, Choice, Client, EmbedResponse, Image, ImageResponse, ModerationCategory,
                     ModerationResponse, ModerationResult, RerankResponse, RerankResult, Response, Segment,
                     SpeechResponse, Stream, StreamEvent, TokenLogprob, ToolCall, TopLogprob, TranscriptionResponse,
                     Usage, Word, options, providers, version)
from .batch import Batch
from .compare import ModelResult, Run, compare
from .router import Router
from .store import Store
from .compare import available as compare_available
from .errors import *  # noqa: F401,F403 - one exception class per status
from .errors import ERRORS, LLMKitError, error_for

__version__ = raw.LLMK_VERSION_STRING  # the header these bindings were generated from

__all__ = [
    "Batch", "Cache", "Cancel", "ChatResponse", "compare_available", "Client", "EmbedResponse", "EventType", "Finish", "Image", "ImageResponse", "Kind",
    "LLMKitError", "MissingSymbolError", "ModelResult", "ModerationCategory", "ModerationResponse",
    "ModerationResult", "Option", "RerankResponse", "RerankResult", "Response", "Role", "Router", "Run", "Segment", "Store",
    "SpeechResponse", "Status", "Stream", "StreamEvent", "ToolCall", "TranscriptionResponse", "Usage", "compare",
    "error_for", "ERRORS", "options", "providers", "raw", "version", "Choice", "TokenLogprob", "TopLogprob", "Word",
] + [c.__name__ for c in ERRORS.values()]
