"""The optimizer's report for people: before/after figures, then each change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agentlint import escape
from agentlint.graph.estimate import Estimate
from agentlint.metrics import COST, LATENCY, METRICS, RELIABILITY, metric
from agentlint.report.table import budget_lines, columns, paint
from agentlint.units import percent, relative, seconds, usd

if TYPE_CHECKING:
    from agentlint.optimizer.run import Result

OBJECTIVE_TEXT = {
    "default": "least change (least quality lost, then fewest edits, then lowest "
               "expected cost)",
    COST.short: "lowest expected cost",
    LATENCY.short: "lowest critical-path latency",
    RELIABILITY.short: "highest reliability",
    "pareto": "cost / latency / reliability frontier",
}


@dataclass(slots=True)
class FrontierPoint:
    """One point of the frontier as the reports show it (text, Markdown table and chart)."""

    #: its number on the frontier (1 = cheapest); None for today's spec or the proposed
    #: plan when it is not on the frontier
    number: int | None
    estimate: Estimate
    changes: int
    #: "plan" (the one proposed), "today" (the spec as written), both, or ""
    mark: str


def frontier_points(result: Result) -> list[FrontierPoint]:
    """The frontier, cheapest first, with today's spec and the proposed plan placed among
    it by cost (then latency) when they are not on it (the proposed plan may be beaten on
    latency or reliability at the same cost): the points the text table, the Markdown
    table and its chart show, the JSON's ``frontier``, ``before`` and ``after``."""
    proposal = result.proposal
    out = []
    today_on = plan_on = False
    for k, q in enumerate(result.frontier, 1):
        marks = []
        if proposal is not None and (q is proposal or q.plan.key() == proposal.plan.key()):
            marks.append("plan")
            plan_on = True
        if not q.changes:
            marks.append("today")
            today_on = True
        out.append(FrontierPoint(k, q.estimate, len(q.changes), ", ".join(marks)))
    extra = []
    if not today_on:
        extra.append(FrontierPoint(None, result.before, 0, "today"))
    if proposal is not None and not plan_on:
        extra.append(FrontierPoint(None, proposal.estimate, len(proposal.changes), "plan"))
    for p in extra:
        at = sum(1 for q in out if (q.estimate.cost_usd, q.estimate.latency_s)
                 <= (p.estimate.cost_usd, p.estimate.latency_s))
        out.insert(at, p)
    return out


def delta_rows(before: Estimate, after: Estimate) -> list[tuple[str, str, str, str]]:
    """(figure, before, after, change) for the four headline figures."""
    rows = []
    for m in METRICS:
        a, b = m.of(before), m.of(after)
        shift, rel = m.change(a, b)
        rows.append((m.label, m.text(a), m.text(b), shift if rel is None else rel))
    rows.append(("calls", f"{before.calls:.2f}", f"{after.calls:.2f}",
                 relative(before.calls, after.calls)))
    return rows


def relaxation_text(name: str, value: float | None) -> str:
    """``latency_s >= 3.2 s``: the budget that would do, rounded the safe way."""
    if value is None:
        return f"{name}: relaxing it alone is not enough"
    m = metric(name)
    # the relaxed budget: a ceiling raised to at least ``value``, a floor lowered to it
    relation = "<=" if m.floor else ">="
    return f"{name} {relation} {m.text(m.rounded_limit(value))}"


def relaxations_line(result: Result) -> str:
    """``needs latency_s >= 3.21 s, or cost_usd >= $0.04124``."""
    fixes = [relaxation_text(k, v) for k, v in result.relaxations.items() if v is not None]
    if fixes:
        return "needs " + ", or ".join(fixes)
    if result.relaxations:
        return "relaxing any one budget alone is not enough: relax several together"
    return "the spec has no budgets to relax"


def gap_note(result: Result) -> str:
    """What the status says of the gap: ``within 0.0116 %`` for a plan proven optimal
    within a gap (the optimizer leaves ``gap`` 0 or None when it is closed), ``gap 0.5 %``
    for one the time limit stopped when the solver reported it, else nothing."""
    if result.gap is None or result.status == "infeasible":
        return ""
    if result.status == "optimal":
        return f"within {result.gap * 100:.3g} %" if result.gap else ""
    return f"gap {result.gap * 100:.3g} %"


def status_line(result: Result) -> str:
    status = result.status
    note = gap_note(result)
    if status == "optimal":
        what = f"optimal {note} (proven)" if note else "optimal (proven)"
    elif status == "feasible":
        reached = f", {note}" if note else ""
        what = f"feasible ({result.unproven}{reached})"
    else:
        what = "infeasible: no plan meets the budgets"
        if result.message:
            what += f" ({escape.text(result.message)})"
    return (f"{escape.path(result.before.file)}: {escape.text(result.before.name)}: {what}; "
            f"solver {result.solver}; "
            f"objective: {OBJECTIVE_TEXT.get(result.objective, result.objective)}")


def render(result: Result, color: bool = False) -> str:
    out = [paint(status_line(result), "1", color)]
    if result.status == "infeasible":
        binding = ", ".join(escape.text(b) for b in result.binding) or "-"
        out.append(f"binding budget(s): {binding}")
        out.append(relaxations_line(result))
        if result.proposal is not None:
            over = ", ".join(f"{k} by {v * 100:.3g} %" for k, v in result.overrun.items()
                             if v > 0)
            out.append("closest plan (smallest total relative overrun"
                       + (f": {over}" if over else "") + "):")
    header = ("", "before", "after", "change")
    rows = [header, *delta_rows(result.before, result.after)]
    out += columns(rows, right={1, 2, 3})
    out += budget_lines(result.after.budgets, color)
    if result.frontier:
        out.append(f"frontier ({len(result.frontier)} plans, none beaten on all three; "
                   "today's spec and the proposed plan marked):")
        points: list[tuple[str, ...]] = [
            ("#", "cost/run", "latency", "reliability", "calls", "changes", "")]
        for p in frontier_points(result):
            e = p.estimate
            points.append((str(p.number or "-"), usd(e.cost_usd), seconds(e.latency_s),
                           percent(e.reliability), f"{e.calls:.2f}", str(p.changes), p.mark))
        out += [line.rstrip() for line in columns(points, right={0, 1, 2, 3, 4, 5})]
    changes = result.changes
    if result.proposal is not None:
        if changes:
            out.append(f"{len(changes)} change{'s' if len(changes) != 1 else ''}:")
            file = escape.path(result.before.file)
            out.extend(f"{file}:{c.line}: {escape.text(c.message)}" for c in changes)
        else:
            out.append(no_change_text(result))
    out.extend(opportunity_lines(result))
    out.extend(shadow_lines(result))
    out.extend(f"note: {escape.text(note)}" for note in [*result.problem.notes, *result.notes])
    return "\n".join(out)


def shadow_lines(result: Result) -> list[str]:
    """What one more unit of each budget buys (solved again with it moved); nothing when
    the spec is within its budgets (least change spends none of their slack)."""
    prices = result.shadow_prices
    if not prices or result.within_budget:
        return []
    if all(p.status == "not binding" for p in prices):
        return ["shadow prices: no budget binds (one more unit of each buys nothing)"]
    out = ["shadow prices (solved again with each budget moved by one unit):"]
    out.extend(f"  {escape.text(p.text())}" for p in prices)
    return out


def no_change_text(result: Result) -> str:
    if result.within_budget:
        return ("no change: already within budget, and no change saves money without "
                "costing quality")
    return "no change: the spec as written is already the best plan"


def opportunity_text(result: Result, saving: float) -> str:
    """A saving per run, with its share of the spec's cost per run."""
    cost = result.before.cost_usd
    share = f" ({saving / cost * 100:.3g} %)" if cost > 0 else ""
    return f"saves {usd(saving)} per run{share}"


def opportunity_lines(result: Result) -> list[str]:
    """Model changes the spec does not allow, with what they would save and risk."""
    found = result.problem.opportunities
    if not found:
        return []
    file = escape.path(result.before.file)
    out = [f"{len(found)} opportunit{'ies' if len(found) != 1 else 'y'} (not in the plan: "
           "the step has no 'candidates', 'min_tier' or 'class', so its model stays):"]
    for o in found:
        out.append(f"{file}:{o.line}: step '{escape.text(o.step)}': model "
                   f"{escape.text(o.model)} -> {escape.text(o.to)}{escape.text(o.note)} "
                   f"{opportunity_text(result, o.saving_usd)}; risk: {escape.text(o.risk)}")
    return out
