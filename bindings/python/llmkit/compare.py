"""compare(): the same requests sent to several models, side by side.

Built on libllmkit's llmk_compare_* API. When the generated raw layer does
not declare those functions yet (it was generated from a header older than
the compare API) they are bound here from their published signatures; when
the loaded library lacks them, compare() raises UnsupportedError and
``available()`` is False.
"""
import ctypes
from ctypes import POINTER, c_char_p, c_double, c_int32, c_int64, c_size_t, c_void_p
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _raw
from .client import Client, ChatResponse, Messages, _b, _check, _Request, _s, convert_response
from .errors import error_for

# Values of the compare enums (llmk_compare_option, llmk_scorer, llmk_metric).
_OPT_REPEAT, _OPT_STREAM, _OPT_MAX_IN_FLIGHT, _OPT_CONCURRENCY, _OPT_PASS_PERCENT = 1, 2, 3, 4, 5
SCORERS = {None: 0, "none": 0, "exact": 1, "contains": 2, "regex": 3, "json": 4, "similarity": 5, "judge": 6}
_METRICS = {"runs": 1, "ok": 2, "latency_ms": 3, "ttft_ms": 4, "tokens_per_s": 5, "input_tokens": 6,
            "output_tokens": 7, "cached_tokens": 8, "cost_usd": 9, "score": 10}
# The statistics of ModelResult.stats (LLMK_METRIC_* 11 and on).
STATS = {"latency_p50_ms": 11, "latency_p90_ms": 12, "latency_p99_ms": 13, "latency_min_ms": 14,
         "latency_max_ms": 15, "ttft_p50_ms": 16, "ttft_p90_ms": 17, "ttft_p99_ms": 18, "ttft_min_ms": 19,
         "ttft_max_ms": 20, "error_rate": 21, "scored": 22, "passed": 23, "pass_rate": 24, "pass_rate_low": 25,
         "pass_rate_high": 26, "score_stderr": 27, "cost_per_1k_requests_usd": 28, "cost_per_correct_usd": 29,
         "wall_ms": 30, "throughput_rps": 31, "throughput_tokens_per_s": 32, "judge_cost_usd": 33,
         "judge_calls": 34}
# The per-run figures llmk_compare_paired() compares against a baseline.
PAIRED = {"score": 10, "pass_rate": 24, "latency_ms": 3, "ttft_ms": 4, "tokens_per_s": 5, "input_tokens": 6,
          "output_tokens": 7, "cost_usd": 9}

_p = c_void_p  # the compare handle is opaque; a void pointer is enough here
_resp = POINTER(_raw.llmk_response)
_compare_fn = ctypes.CFUNCTYPE(None, _p, c_size_t, c_size_t, c_size_t, _resp, c_void_p)
_SIGS = {
    "llmk_compare_new": (c_int32, [POINTER(_p)]),
    "llmk_compare_free": (None, [_p]),
    "llmk_compare_set_i64": (c_int32, [_p, c_int32, c_int64]),
    "llmk_compare_add_model": (c_int32, [_p, c_char_p]),
    "llmk_compare_add_client": (c_int32, [_p, POINTER(_raw.llmk_client), c_char_p]),
    "llmk_compare_add_case": (c_int32, [_p, POINTER(_raw.llmk_request), c_char_p, c_int32]),
    "llmk_compare_set_embedder": (c_int32, [_p, POINTER(_raw.llmk_client)]),
    "llmk_compare_run": (c_int32, [_p, _compare_fn, c_void_p]),
    "llmk_compare_model_count": (c_size_t, [_p]),
    "llmk_compare_model": (c_char_p, [_p, c_size_t]),
    "llmk_compare_case_count": (c_size_t, [_p]),
    "llmk_compare_metric": (c_double, [_p, c_size_t, c_int32]),
    "llmk_compare_response": (_resp, [_p, c_size_t, c_size_t, c_size_t]),
    "llmk_compare_score": (c_double, [_p, c_size_t, c_size_t, c_size_t]),
    "llmk_compare_errmsg": (c_char_p, [_p]),
    "llmk_compare_status_count": (c_size_t, [_p, c_size_t, c_int32]),
    "llmk_compare_set_judge": (c_int32, [_p, POINTER(_raw.llmk_client), c_char_p]),
    "llmk_compare_set_rubric": (c_int32, [_p, c_size_t, c_char_p]),
    "llmk_compare_judge_reason": (c_char_p, [_p, c_size_t, c_size_t, c_size_t]),
    "llmk_compare_paired": (c_int32, [POINTER(c_double), POINTER(c_double), POINTER(c_double), POINTER(c_size_t),
                                      _p, c_size_t, c_size_t, c_int32]),
}


def _fn(name: str):
    """The library's function with this module's signature (the generated
    layer's pointer types differ; the C ABI is the same)."""
    f = getattr(_raw._lib, name)
    f.restype, f.argtypes = _SIGS[name]
    return f


def available() -> bool:
    """True when the loaded libllmkit has the compare API."""
    return hasattr(_raw._lib, "llmk_compare_new")


@dataclass
class Run:
    """One answer: model index, case index, run number, score (None when not
    scored) and the response (or the exception it failed with)."""
    model: str
    case: int
    run: int
    response: Optional[ChatResponse] = None
    error: Optional[Exception] = None
    score: Optional[float] = None
    #: the judge's reason for the score (scorer "judge")
    reason: Optional[str] = None


@dataclass
class ModelResult:
    """Metrics of one model over all cases and runs (None where unknown)."""
    model: str
    runs: int = 0
    ok: int = 0
    latency_ms: Optional[float] = None
    ttft_ms: Optional[float] = None
    tokens_per_s: Optional[float] = None
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: Optional[float] = None
    score: Optional[float] = None
    answers: List[Run] = field(default_factory=list)
    #: statistics by name (STATS: latency_p90_ms, pass_rate_low, ...; None where unknown),
    #: when the library has them
    stats: Dict[str, Optional[float]] = field(default_factory=dict)
    #: failed runs by status name ("LLMK_E_RATE_LIMITED": 3)
    errors: Dict[str, int] = field(default_factory=dict)
    #: with ``baseline``: {figure: (mean difference, low, high, pairs)} against it on the same
    #: cases, 95 % interval (low and high None when fewer than two pairs)
    vs_baseline: Dict[str, Tuple[float, Optional[float], Optional[float], int]] = field(default_factory=dict)


def _none_if_neg(v: float) -> Optional[float]:
    return None if v < 0 else v


def _add_stats(cmp: c_void_p, mi: int, r: ModelResult, baseline: Optional[Union[int, str]]) -> None:
    for name, k in STATS.items():
        r.stats[name] = _none_if_neg(_fn("llmk_compare_metric")(cmp, mi, k))
    for st in range(1, 64):
        n = _fn("llmk_compare_status_count")(cmp, mi, st)
        if n:
            r.errors[_s(_raw.llmk_status_name(st))] = n
    if baseline is None:
        return
    labels = [_s(_fn("llmk_compare_model")(cmp, i)) for i in range(_fn("llmk_compare_model_count")(cmp))]
    b = baseline if isinstance(baseline, int) else labels.index(baseline) if baseline in labels else -1
    if not 0 <= b < len(labels):
        raise error_for(_raw.LLMK_E_INVALID_ARG, "baseline %r is not one of the models" % (baseline,))
    for name, k in PAIRED.items():
        mean, lo, hi, n = c_double(), c_double(), c_double(), c_size_t()
        st = _fn("llmk_compare_paired")(ctypes.byref(mean), ctypes.byref(lo), ctypes.byref(hi), ctypes.byref(n),
                                         cmp, mi, b, k)
        if st == _raw.LLMK_OK:
            r.vs_baseline[name] = (mean.value, lo.value, hi.value, n.value)
        elif n.value:
            r.vs_baseline[name] = (mean.value, None, None, n.value)


def compare(models: Sequence[Union[str, Client]], cases: Union[Messages, Sequence[Union[str, Mapping[str, Any]]]],
            *, repeat: int = 1, stream: bool = False, max_in_flight: Optional[int] = None,
            expected: Optional[str] = None, scorer: Optional[str] = None,
            embedder: Optional[Client] = None, concurrency: Optional[int] = None,
            pass_percent: Optional[int] = None, baseline: Optional[Union[int, str]] = None,
            judge: Optional[Client] = None, rubric: Optional[str] = None,
            **options: Any) -> List[ModelResult]:
    """Sends every case to every model ``repeat`` times and returns one
    ModelResult per model, in order: median latency / time to first token /
    tokens per second, token sums, cost, mean score and every answer.

    ``models``: "provider/model" strings or Clients (labelled by their
    provider/model). ``cases``: a prompt string, or a list of prompts or of
    dicts ``{"messages"| "prompt": ..., "expected": ..., "scorer": ...}``.
    ``scorer``: none, exact, contains, regex, json or similarity (similarity
    needs ``embedder``). ``concurrency``: requests in flight per model (the
    throughput statistics measure that load). ``pass_percent``: the score a
    run needs to pass (default 50). ``baseline``: a model (index or label)
    the others are compared with, case by case (``vs_baseline``). Further
    keywords are request options (temperature=...). ``judge``: the Client that
    grades answers of the "judge" scorer by ``rubric`` (or a case's own
    "rubric"); its cost is ``stats["judge_cost_usd"]``, apart from ``cost_usd``.
    """
    if not available():
        raise error_for(_raw.LLMK_E_UNSUPPORTED, "the loaded libllmkit has no compare API (llmk_compare_new)")
    if isinstance(cases, str):
        cases = [cases]
    cmp = c_void_p()
    _check(_fn("llmk_compare_new")(ctypes.byref(cmp)))
    reqs: List[_Request] = []
    answers: List[Run] = []
    try:
        err = lambda: _fn("llmk_compare_errmsg")(cmp)  # noqa: E731
        _check(_fn("llmk_compare_set_i64")(cmp, _OPT_REPEAT, repeat), err)
        _check(_fn("llmk_compare_set_i64")(cmp, _OPT_STREAM, 1 if stream else 0), err)
        if max_in_flight is not None:
            _check(_fn("llmk_compare_set_i64")(cmp, _OPT_MAX_IN_FLIGHT, max_in_flight), err)
        if concurrency is not None:
            _check(_fn("llmk_compare_set_i64")(cmp, _OPT_CONCURRENCY, concurrency), err)
        if pass_percent is not None:
            _check(_fn("llmk_compare_set_i64")(cmp, _OPT_PASS_PERCENT, pass_percent), err)
        for m in models:
            if isinstance(m, Client):
                _check(_fn("llmk_compare_add_client")(cmp, m._live(), _b("%s/%s" % (m.provider, m.model))), err)
            else:
                _check(_fn("llmk_compare_add_model")(cmp, _b(m)), err)
        if embedder is not None:
            _check(_fn("llmk_compare_set_embedder")(cmp, embedder._live()), err)
        if judge is not None:
            _check(_fn("llmk_compare_set_judge")(cmp, judge._live(), _b(rubric)), err)
        for c in cases:
            if isinstance(c, str):
                c = {"prompt": c}
            req = _Request(_raw.LLMK_CHAT)
            reqs.append(req)
            req.messages(c.get("messages", c.get("prompt", "")), c.get("system"))
            req.options(options)
            sc = c.get("scorer", scorer)
            if sc not in SCORERS:
                raise error_for(_raw.LLMK_E_INVALID_ARG, "unknown scorer %r" % sc)
            _check(_fn("llmk_compare_add_case")(cmp, req.ptr, _b(c.get("expected", expected)), SCORERS[sc]), err)
            if c.get("rubric") is not None:
                _check(_fn("llmk_compare_set_rubric")(cmp, len(reqs) - 1, _b(c["rubric"])), err)

        def on_result(_c, mi, ci, run, resp, _user):
            try:
                a = Run(model=_s(_fn("llmk_compare_model")(cmp, mi)), case=ci, run=run)
                if _raw.llmk_response_status(resp) == _raw.LLMK_OK:
                    a.response = convert_response(_raw.LLMK_CHAT, resp)  # type: ignore[assignment]
                else:
                    from .client import response_error
                    a.error = response_error(resp)
                answers.append(a)
            except Exception:  # never let an exception cross into C
                pass

        cb = _compare_fn(on_result)
        _check(_fn("llmk_compare_run")(cmp, cb, None), err)
        out = []
        for mi in range(_fn("llmk_compare_model_count")(cmp)):
            metric = lambda k: _fn("llmk_compare_metric")(cmp, mi, _METRICS[k])  # noqa: E731
            r = ModelResult(model=_s(_fn("llmk_compare_model")(cmp, mi)), runs=int(metric("runs")),
                            ok=int(metric("ok")), latency_ms=_none_if_neg(metric("latency_ms")),
                            ttft_ms=_none_if_neg(metric("ttft_ms")), tokens_per_s=_none_if_neg(metric("tokens_per_s")),
                            input_tokens=int(max(metric("input_tokens"), 0)),
                            output_tokens=int(max(metric("output_tokens"), 0)),
                            cached_tokens=int(max(metric("cached_tokens"), 0)),
                            cost_usd=_none_if_neg(metric("cost_usd")), score=_none_if_neg(metric("score")))
            if hasattr(_raw._lib, "llmk_compare_paired"):
                _add_stats(cmp, mi, r, baseline)
            for a in answers:
                if a.model == r.model:
                    s = _fn("llmk_compare_score")(cmp, mi, a.case, a.run)
                    a.score = _none_if_neg(s)
                    if hasattr(_raw._lib, "llmk_compare_judge_reason"):
                        why = _fn("llmk_compare_judge_reason")(cmp, mi, a.case, a.run)
                        a.reason = _s(why) if why else None
                    r.answers.append(a)
            r.answers.sort(key=lambda a: (a.case, a.run))
            out.append(r)
        return out
    finally:
        _fn("llmk_compare_free")(cmp)
        for req in reqs:
            req.close()
