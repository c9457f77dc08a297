"""The optimizer's report for people: before/after figures, then each change."""

from __future__ import annotations

import math
from typing import Any

from agentlint.graph.estimate import Estimate
from agentlint.units import budget_value, percent, points, relative, seconds, usd

OBJECTIVE_TEXT = {
    "default": "keep every step that can be kept, then lowest expected cost",
    "cost": "lowest expected cost",
    "latency": "lowest critical-path latency",
    "reliability": "highest reliability",
    "pareto": "cost / latency / reliability frontier",
}


def delta_rows(before: Estimate, after: Estimate) -> list[tuple[str, str, str, str]]:
    """(figure, before, after, change) for the four headline figures."""
    return [
        ("cost per run", usd(before.cost_usd), usd(after.cost_usd),
         relative(before.cost_usd, after.cost_usd)),
        ("latency", seconds(before.latency_s), seconds(after.latency_s),
         relative(before.latency_s, after.latency_s)),
        ("reliability", percent(before.reliability), percent(after.reliability),
         points(before.reliability, after.reliability)),
        ("calls", f"{before.calls:.2f}", f"{after.calls:.2f}",
         relative(before.calls, after.calls)),
    ]


def relaxation_text(name: str, value: float | None) -> str:
    """``latency_s >= 3.2 s``: the budget that would do, rounded the safe way."""
    if value is None:
        return f"{name}: relaxing it alone is not enough"
    if name == "reliability":
        step = 1e-5 if value >= 0.9999 else 1e-4
        return f"reliability <= {percent(math.floor(value / step) * step)}"
    if name == "latency_s":
        step = 1.0 if value >= 100 else 0.01
        return f"latency_s >= {seconds(math.ceil(value / step - 1e-9) * step)}"
    if value <= 0:
        return f"cost_usd >= {usd(0.0)}"
    step = 10.0 ** (math.floor(math.log10(value)) - 3)
    return f"cost_usd >= {usd(math.ceil(value / step - 1e-9) * step)}"


def relaxations_line(result: Any) -> str:
    """``needs latency_s >= 3.21 s, or cost_usd >= $0.04124``."""
    fixes = [relaxation_text(k, v) for k, v in result.relaxations.items() if v is not None]
    if fixes:
        return "needs " + ", or ".join(fixes)
    if result.relaxations:
        return "relaxing any one budget alone is not enough: relax several together"
    return "the spec has no budgets to relax"


#: a remaining gap below this is float noise, not worth a figure
NOISE_GAP = 1e-9


def optimality_gap(result: Any) -> float | None:
    """The relative gap an ``optimal`` plan is proven within, when it is not zero."""
    gap = getattr(result, "gap", None)
    if gap is not None:
        return gap if gap > NOISE_GAP else None
    limit = getattr(result, "gap_limit", 0.0) or 0.0
    return limit if limit > 1e-9 else None  # the solver did not say: the --gap it had


def status_line(result: Any) -> str:
    status = result.status
    if status == "optimal":
        gap = optimality_gap(result)
        what = "optimal (proven)" if gap is None else \
            f"optimal within {gap * 100:.3g} % (proven)"
    elif status == "feasible":
        gap = f", gap {result.gap * 100:.3g} %" if result.gap is not None else ""
        what = f"feasible (not proven optimal within the time limit{gap})"
    else:
        what = "infeasible: no plan meets the budgets"
        if result.message:
            what += f" ({result.message})"
    return (f"{result.before.file}: {result.before.name}: {what}; solver {result.solver}; "
            f"objective: {OBJECTIVE_TEXT.get(result.objective, result.objective)}")


def table(rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                 for i, c in enumerate(r)]
        out.append("  ".join(cells).rstrip())
    return out


def render(result: Any, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    out = [paint(status_line(result), "1")]
    if result.status == "infeasible":
        binding = ", ".join(result.binding) or "-"
        out.append(f"binding budget(s): {binding}")
        out.append(relaxations_line(result))
        if result.proposal is not None:
            over = ", ".join(f"{k} by {v * 100:.3g} %" for k, v in result.overrun.items()
                             if v > 0)
            out.append("closest plan (smallest total relative overrun"
                       + (f": {over}" if over else "") + "):")
    header = ("", "before", "after", "change")
    rows = [header, *delta_rows(result.before, result.after)]
    out.extend(table(rows, {1, 2, 3}))
    for b in result.after.budgets:
        verdict = paint("pass", "32") if b.ok else paint("FAIL", "31;1")
        relation = ">=" if b.name == "reliability" else "<="
        out.append(f"budget {b.name}: {budget_value(b.name, b.actual)} {relation} "
                   f"{budget_value(b.name, b.limit)}: {verdict}")
    if result.frontier:
        out.append(f"frontier ({len(result.frontier)} plans, none beaten on all three):")
        rows = [("#", "cost/run", "latency", "reliability", "calls", "changes")]
        for k, q in enumerate(result.frontier, 1):
            e = q.estimate
            rows.append((str(k), usd(e.cost_usd), seconds(e.latency_s),
                         percent(e.reliability), f"{e.calls:.2f}", str(len(q.changes))))
        out.extend(table(rows, {0, 1, 2, 3, 4, 5}))
    changes = result.changes
    if result.proposal is not None:
        if changes:
            out.append(f"{len(changes)} change{'s' if len(changes) != 1 else ''}:")
            file = result.before.file
            out.extend(f"{file}:{c.line}: {c.message}" for c in changes)
        else:
            out.append("no change: the spec as written is already the best plan")
    out.extend(f"note: {note}" for note in [*result.problem.notes, *result.notes])
    return "\n".join(out)
