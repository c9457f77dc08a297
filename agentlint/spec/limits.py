"""The range of every figure a workflow may state, written once.

A number in a spec, a profile or a foreign workflow file feeds the cost
model; a value no real workflow needs (``retries: 1e308``, a 5000-digit
token count, ``.nan``) is refused where it is written instead of turning
into hours of arithmetic or an infinite estimate. The maxima are generous:
each is far beyond what any provider, framework or budget uses today, and
finite.

:data:`LIMITS` covers the fields of the native format; the JSON schema
repeats these ranges as ``minimum`` / ``maximum`` (so editors show them) and
a test keeps the two equal. :data:`FOREIGN` covers the numbers adapters read
from other formats, under the names those formats give them.
"""

from __future__ import annotations

import math

from agentlint.errors import excerpt
from agentlint.record import FrozenRecord

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any, Final, TypeGuard


class Limit(FrozenRecord):
    """``low <= value <= high`` (``low < value`` when ``low_open``); ``whole``: integers."""

    __slots__ = ("high", "low", "low_open", "whole")
    __match_args__ = ("whole", "low", "high", "low_open")

    whole: Final[bool]
    low: Final[float]
    high: Final[float]
    low_open: Final[bool]

    def __init__(self, whole: bool, low: float, high: float, low_open: bool = False) -> None:
        self.whole = whole
        self.low = low
        self.high = high
        self.low_open = low_open

    def words(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        if self.low_open:
            return f"{kind} above {_num(self.low)} and at most {_num(self.high)}"
        return f"{kind} from {_num(self.low)} to {_num(self.high)}"

    def holds(self, value: float) -> bool:
        if value != value:  # NaN
            return False
        if self.low_open:
            return self.low < value <= self.high
        return self.low <= value <= self.high


def _whole(low: float, high: float) -> Limit:
    return Limit(True, low, high)


def _number(low: float, high: float, low_open: bool = False) -> Limit:
    return Limit(False, low, high, low_open)


TOKENS = _number(0, 100_000_000)
PRICE_PER_MTOK = _number(0, 100_000)
SECONDS = _number(0, 1_000_000)
SHARE = _number(0, 1)
WIDTH = _whole(1, 100_000)

#: field name -> range, for every number of the native format (wherever the field appears)
LIMITS: dict[str, Limit] = {
    # steps
    "retries": _whole(0, 100),
    "max_retries": _whole(0, 100),
    "min_tier": _whole(1, 10),
    # cascades: the share of answers a check accepts, and the check's own price and time
    "accept": SHARE,
    "check_usd": _number(0, 100_000),
    "check_s": SECONDS,
    "tier": _whole(1, 10),
    "calls": _whole(1, 1_000),
    "output_tokens": TOKENS,
    "input_tokens": TOKENS,
    "cache_hit_rate": SHARE,
    "timeout_s": SECONDS,
    "per_call_usd": _number(0, 100_000),
    "per_call_s": SECONDS,
    # a call that succeeds less than once in a thousand is no step anyone runs, and
    # the optimizer's log-reliability rows stay finite at every retry count
    "p_ok": _number(0.001, 1),
    # routes, fan-out, concurrency
    "share": SHARE,
    "count": WIDTH,
    "max_concurrency": WIDTH,
    # loops
    "max_iterations": _whole(1, 10_000),
    "expected_iterations": _number(0, 10_000, low_open=True),
    # inputs
    "tokens": TOKENS,
    # models
    "input_per_mtok": PRICE_PER_MTOK,
    "output_per_mtok": PRICE_PER_MTOK,
    "cached_input_per_mtok": PRICE_PER_MTOK,
    "ttft_s": SECONDS,
    "tokens_per_s": _number(0, 10_000_000, low_open=True),
    "context_window": _whole(0, 100_000_000),
    # budgets
    "cost_usd": _number(0, 1_000_000_000),
    "latency_s": _number(0, 1_000_000_000),
    "reliability": _number(0, 1, low_open=True),
    "latency_p95_s": _number(0, 1_000_000_000),
    "cost_p95_usd": _number(0, 1_000_000_000),
}

#: numbers only a profile carries: what ``agentlint calibrate`` measured (docs/profile.md)
PROFILE: dict[str, Limit] = {
    "runs": _whole(0, 10**12),
    "spans": _whole(0, 10**12),
    "unmatched": _whole(0, 10**12),
    "ambiguous": _whole(0, 10**12),
    "success": SHARE,
    "cache_hit": SHARE,
    "cached_input_tokens": TOKENS,
    "retries_seen": _whole(0, 1_000_000),
    "mean": _number(0, 10**12),
    "median": _number(0, 10**12),
    "p95": _number(0, 10**12),
}

#: numbers adapters read from other formats, by the name the format uses
FOREIGN: dict[str, Limit] = {
    "max_tokens": TOKENS,  # promptflow, Dify completion_params
    "max_output_tokens": TOKENS,  # ADK generate_content_config
    "max_length": _number(0, 4 * TOKENS.high),  # Dify input fields, in characters
    "top_k": _whole(0, 10_000),  # Dify knowledge retrieval
    "parallel_nums": _whole(0, WIDTH.high),  # Dify iteration (0: the default)
    "loop_count": _whole(0, LIMITS["max_iterations"].high),  # Dify loop (0: none)
    "max_iter": _whole(0, 10_000),  # CrewAI agent
    "max_iterations": _whole(0, LIMITS["max_iterations"].high),  # ADK LoopAgent (0: none)
}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def shown(text: Any, value: Any = None) -> str:
    """How to quote a value in a message: as written, shortened when huge (with its length:
    a 5000-digit number is out of range for being long)."""
    out = str(text) if text is not None else str(value)
    if len(out) > 24:
        out = f"{excerpt(out, 15)} ({len(out)} characters)"
    return out


def problem(field: str, value: Any, written: Any = None, limit: Limit | None = None,
            name: str | None = None) -> str | None:
    """The message when ``value`` (a number) is outside ``field``'s range, else None.

    ``written`` is the value as the file has it, for the message; ``name`` the
    field as the user knows it, when that differs from ``field``.
    """
    rule = limit or LIMITS[field]
    if not is_number(value):
        return None
    ok = rule.holds(value) if not isinstance(value, float) or math.isfinite(value) else False
    if ok:
        return None
    called = name or field
    return (f"{called}: {shown(written, value)} is out of range: {field} takes "
            f"{rule.words()}")
