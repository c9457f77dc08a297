"""Shadow prices: what one more unit of each budget buys.

For a mixed-integer program the LP duals of the budget rows are not the
answer (they price the relaxation, not the plans), so each price is found by
solving again: the same objective, every stage of it, with one budget moved
by its unit (latency and cost raised, the reliability floor lowered) and the
others as they were. The price is the difference between that plan and the
plan proposed, stage by stage (steps cut, tiers lost, edits, cost, latency,
reliability). The plan proposed meets the moved budget too, so the moved plan
is never worse: when the solver's plan is no better (within the optimality
gap both solves were proven to), the budget is not binding and its price is
nothing.

This module holds the units, the price and its words; ``run`` does the
solving (``_shadow_prices``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from agentlint.metrics import COST, LATENCY, RELIABILITY
from agentlint.units import seconds, usd

#: how far the reliability floor is lowered: half a percentage point
RELIABILITY_UNIT = 0.005
#: latency moves by at most one second (less for budgets under ten seconds)
LATENCY_UNIT_MAX = 1.0
#: shadow prices are solved for workflows of at most this many steps (a re-solve per
#: budget, each as long as the run's own solves); above, skipped with the reason
MAX_STEPS = 1_000
#: the figures a price is stated in, in order: counts first, then the metrics
COUNT_KEYS = ("cuts", "tiers_lost", "edits")
METRIC_KEYS = (COST.name, LATENCY.name, RELIABILITY.name)


def unit_of(name: str, limit: float) -> float | None:
    """The unit a budget is moved by, None when it cannot move (a zero budget, a floor
    already at or under one unit).

    Latency: one second, or a tenth of the budget's order of magnitude when that is
    less (a 5 s budget moves by 0.1 s); cost: a tenth of the budget's order of
    magnitude ($0.50 moves by $0.01); reliability: half a percentage point.
    """
    if name == RELIABILITY.name:
        return RELIABILITY_UNIT if limit > RELIABILITY_UNIT else None
    if not limit > 0 or not math.isfinite(limit):
        return None
    unit = 10.0 ** math.floor(math.log10(limit)) / 10.0
    return min(unit, LATENCY_UNIT_MAX) if name == LATENCY.name else unit


def moved(name: str, limit: float, unit: float) -> float:
    """The budget one unit looser: a ceiling raised, a floor lowered."""
    return limit - unit if name == RELIABILITY.name else limit + unit


@dataclass
class ShadowPrice:
    """What moving one budget by one unit does to the plan proposed."""

    budget: str
    limit: float
    #: the unit it was moved by (None: not moved, see ``reason``)
    unit: float | None
    #: binding | not binding | skipped
    status: str
    #: the moved plan minus the plan proposed: steps cut, tiers lost, edits, and each
    #: metric (cost in dollars per run, latency in seconds, reliability as a fraction)
    delta: dict[str, float] = field(default_factory=dict)
    #: why it was skipped
    reason: str = ""
    #: both solves were proven optimal (within the gap of the run)
    proven: bool = True
    #: the keys of ``delta`` the objective minimises, in its order (what the price is);
    #: the others are what comes with it
    stages: tuple[str, ...] = (*COUNT_KEYS, COST.name)

    @property
    def moved_to(self) -> float | None:
        return None if self.unit is None else moved(self.budget, self.limit, self.unit)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"budget": self.budget, "limit": self.limit,
                               "unit": self.unit, "moved_to": self.moved_to,
                               "status": self.status, "method": "re-solve",
                               "proven": self.proven}
        if self.status != "skipped":
            out["delta"] = dict(self.delta)
        if self.reason:
            out["reason"] = self.reason
        return out

    def move_text(self) -> str:
        """``+1 s of latency budget``, ``-0.5 pp of reliability floor``."""
        if self.unit is None:
            return f"{self.budget} budget"
        if self.budget == RELIABILITY.name:
            return f"-{self.unit * 100:g} pp of reliability floor"
        if self.budget == LATENCY.name:
            return f"+{self.unit:g} s of latency budget"
        return f"+{usd(self.unit)} of cost budget"

    def text(self) -> str:
        """One line: what the move buys, e.g. ``+1 s of latency budget: saves $0.0040
        per run``."""
        head = self.move_text()
        if self.status == "skipped":
            return f"{head}: not computed ({self.reason})"
        if self.status != "binding":
            return f"{head}: buys nothing (not binding)"
        return f"{head}: {effect_text(self.delta, self.stages)}"


def effect_text(delta: dict[str, float],
                stages: tuple[str, ...] = (*COUNT_KEYS, COST.name)) -> str:
    """The changes of a price in words: those of the objective's ``stages`` first, then
    in brackets what comes with them: ``saves $0.0040 per run``, ``1 fewer edit, costs
    $0.0010 more per run``, ``saves $0.0045 per run (with 1 more edit, latency +2.05
    s)``."""
    main = _parts({k: v for k, v in delta.items() if k in stages})
    rest = _parts({k: v for k, v in delta.items() if k not in stages})
    if not main:
        main = ["changes the plan, not what the objective counts"]
    return ", ".join(main) + (f" (with {', '.join(rest)})" if rest else "")


def stage_keys(stages: tuple[str, ...]) -> tuple[str, ...]:
    """The keys of ``delta`` for the optimizer's stage names (``loss``: tiers lost)."""
    return tuple("tiers_lost" if name == "loss" else name for name in stages)


def _parts(delta: dict[str, float]) -> list[str]:
    parts = []
    for key, one, many in (("cuts", "step cut", "steps cut"),
                           ("tiers_lost", "tier lost", "tiers lost"),
                           ("edits", "edit", "edits")):
        d = round(delta.get(key, 0.0))
        if d:
            word = one if abs(d) == 1 else many
            parts.append(f"{abs(d)} {'fewer' if d < 0 else 'more'} {word}")
    cost = delta.get(COST.name, 0.0)
    if cost < 0:
        parts.append(f"saves {usd(-cost)} per run")
    elif cost > 0:
        parts.append(f"costs {usd(cost)} more per run")
    lat = delta.get(LATENCY.name, 0.0)
    if seconds(abs(lat)) != seconds(0.0):  # not a change too small to show
        parts.append(f"latency {'+' if lat > 0 else '-'}{seconds(abs(lat))}")
    rel = delta.get(RELIABILITY.name, 0.0)
    if rel:
        parts.append(f"reliability {'+' if rel > 0 else '-'}{abs(rel) * 100:.3g} pp")
    return parts
