"""The three figures a workflow is judged by, and what each one means.

A budget (``budgets: {cost_usd: 0.05}``), an optimizer objective (``cost``), a
``--fail-on`` threshold (``cost+10%``) and every report name one of these
metrics. Whether a limit is a ceiling or a floor, how a value is written and
which way is worse is decided here, once.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from agentlint.record import FrozenRecord
from agentlint.units import percent, points, relative, seconds, usd

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Final


class Metric(FrozenRecord):
    """One of the three figures: its names, its direction and how it is written."""

    __slots__ = ("floor", "label", "name", "short", "text", "unit")
    __match_args__ = ("name", "short", "label", "floor", "unit", "text")

    name: Final[str]  #: the budget key and the Estimate attribute: ``cost_usd``
    short: Final[str]  #: the objective and threshold name: ``cost``
    label: Final[str]  #: the reports' row label: ``cost per run``
    floor: Final[bool]  #: True: a limit is a lower bound (reliability); False: a ceiling
    unit: Final[str]  #: ``usd``, ``s`` or ``fraction``
    text: Final[Callable[[float], str]]  #: how a value is written

    def __init__(self, name: str, short: str, label: str, floor: bool, unit: str,
                 text: Callable[[float], str]) -> None:
        self.name = name
        self.short = short
        self.label = label
        self.floor = floor
        self.unit = unit
        self.text = text

    @property
    def relation(self) -> str:
        """The relation a value must have to its limit: ``<=`` or ``>=``."""
        return ">=" if self.floor else "<="

    def of(self, figures: object) -> float:
        """This metric's value on an estimate (or anything with the same attributes)."""
        return float(getattr(figures, self.name))

    def within(self, actual: float, limit: float) -> bool:
        """Does ``actual`` meet a budget of ``limit``?"""
        return actual >= limit if self.floor else actual <= limit

    def score(self, value: float) -> float:
        """``value`` turned so that smaller is better."""
        return -value if self.floor else value

    def worse(self, before: float, after: float) -> float:
        """How much worse ``after`` is than ``before`` (negative: better), in the value's unit."""
        return self.score(after) - self.score(before)

    def change(self, before: float, after: float) -> tuple[str, str | None]:
        """The change written for people: (absolute change, relative change or None).

        ``("+$0.0027", "+93.1 %")``, ``("-0.33 s", "-6.4 %")``; a fraction changes by
        percentage points and has no relative part: ``("-0.12 pp", None)``.
        """
        if self.unit == "fraction":
            return points(before, after), None
        return self.signed(after - before), relative(before, after)

    def signed(self, delta: float) -> str:
        """An absolute change with its sign: ``+$0.01``, ``-2.00 s``, ``+0.50 pp``."""
        if self.unit == "usd":
            return "$0" if delta == 0 else ("+" if delta > 0 else "-") + usd(abs(delta))
        if self.unit == "s":
            return "0 s" if abs(delta) < 0.005 else ("+" if delta > 0 else "-") + \
                seconds(abs(delta))
        return f"{delta * 100:+.2f} pp"

    def rounded_limit(self, value: float) -> float:
        """The smallest budget ``value`` meets, rounded the safe way to a figure people
        write (up for a ceiling, down for a floor)."""
        if self.unit == "fraction":
            step = 1e-5 if value >= 0.9999 else 1e-4
            return math.floor(value / step) * step
        if self.unit == "s":
            step = 1.0 if value >= 100 else 0.01
            return math.ceil(value / step - 1e-9) * step
        if value <= 0:
            return 0.0
        step = 10.0 ** (math.floor(math.log10(value)) - 3)
        return math.ceil(value / step - 1e-9) * step


COST = Metric("cost_usd", "cost", "cost per run", False, "usd", usd)
LATENCY = Metric("latency_s", "latency", "latency", False, "s", seconds)
RELIABILITY = Metric("reliability", "reliability", "reliability", True, "fraction", percent)

#: in the order reports show them
METRICS = (COST, LATENCY, RELIABILITY)
BY_NAME = {m.name: m for m in METRICS}
BY_SHORT = {m.short: m for m in METRICS}

#: budgets on a percentile of the run distribution (agentlint.graph.spread); not objectives
#: nor --fail-on thresholds: only ``budgets`` name them
LATENCY_P95 = Metric("latency_p95_s", "latency_p95", "p95 latency", False, "s", seconds)
COST_P95 = Metric("cost_p95_usd", "cost_p95", "p95 cost per run", False, "usd", usd)
PERCENTILE_METRICS = (LATENCY_P95, COST_P95)
#: every budget key
BUDGET_BY_NAME = {**BY_NAME, **{m.name: m for m in PERCENTILE_METRICS}}


def metric(name: str) -> Metric:
    """The metric called ``name`` (``cost_usd`` or ``cost``); KeyError if none is."""
    found = BY_NAME.get(name) or BY_SHORT.get(name)
    if found is None:
        raise KeyError(name)
    return found
