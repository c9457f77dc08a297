"""``agentlint diff`` for people: per workflow the figures before and after, the
findings new and fixed, then the gate (the thresholds crossed, if any)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agentlint import escape
from agentlint.metrics import METRICS
from agentlint.report.concise import line as finding_line
from agentlint.report.table import columns

if TYPE_CHECKING:
    from agentlint.ci.diff import Crossing, DiffResult, StepChange, WorkflowDiff
    from agentlint.graph.estimate import Estimate, StepEstimate


def figure_rows(before: Estimate | None, after: Estimate | None
                ) -> list[tuple[str, str, str, str]]:
    """(figure, before, after, change) with "-" for a missing side."""
    rows = []
    for m in METRICS:
        a = m.of(before) if before is not None else None
        b = m.of(after) if after is not None else None
        change = ""
        if a is not None and b is not None:
            shift, rel = m.change(a, b)
            change = shift if rel is None else f"{shift} ({rel})"
        rows.append((m.label, m.text(a) if a is not None else "-",
                     m.text(b) if b is not None else "-", change))
    return rows


def threshold_change(c: Crossing) -> str:
    """The crossing's change in its threshold's unit, e.g. ``+30.0 %``."""
    t = c.threshold
    m = t.measure
    value = m.score(c.change)  # ``change`` counts worse as positive: show the real shift
    if t.unit == "%":
        return "new" if value == float("inf") else f"{value:+.1f} %"
    if t.unit == "pp":
        return f"{value:+.2f} pp"
    return m.signed(value)


def status_text(wd: WorkflowDiff) -> str:
    if wd.status == "renamed":
        return f"renamed from {escape.text(wd.old_file or '')}"
    text = wd.status
    if not wd.change.direct and wd.change.via:
        text += " (through " + ", ".join(escape.text(v) for v in wd.change.via) + ")"
    elif wd.change.via:
        text += " (and " + ", ".join(escape.text(v) for v in wd.change.via) + ")"
    return text


def headline(result: DiffResult) -> str:
    base = result.base
    where = f"{escape.text(base.ref)} ({escape.text(base.commit[:10])}" + (
        ", merge base)" if base.merge_base else ")")
    n = len(result.workflows)
    if not n:
        return f"agentlint diff: no workflow changed since {where}"
    return f"agentlint diff: {n} workflow{'s' if n != 1 else ''} changed since {where}"


def render(result: DiffResult) -> str:
    out = [headline(result)]
    for wd in result.workflows:
        out.append("")
        out.append(f"{escape.path(wd.file)} ({escape.text(wd.name)}): {status_text(wd)}")
        if wd.after_error is not None:
            out.append(f"  cannot be read: {escape.text(str(wd.after_error))}")
        if wd.before_error is not None:
            out.append(f"  base version cannot be read: {escape.text(str(wd.before_error))}")
        if wd.before is not None or wd.after is not None:
            out += columns([("", "before", "after", "change"),
                            *figure_rows(wd.before, wd.after)], right={1, 2, 3}, pad="  ")
        if wd.steps:
            out.append("  steps changed:")
            out += columns([("step", "model", "cost/run", "time", "success"),
                            *([escape.line(s.id), *step_cells(s)] for s in wd.steps)],
                           right={2, 3, 4}, pad="    ")
        if wd.new_findings:
            out.append(f"  new findings ({len(wd.new_findings)}):")
            out += [f"    {finding_line(f)}" for f in wd.new_findings]
        if wd.fixed_findings:
            out.append(f"  fixed findings ({len(wd.fixed_findings)}):")
            out += [f"    {finding_line(f)}" for f in wd.fixed_findings]
    out += gate_lines(result)
    return "\n".join(out)


def step_cells(s: StepChange, arrow: str = "->", missing: str = "-") -> list[str]:
    """The model, cost, time and success cells of a changed step: ``x`` when the
    value stayed, ``x -> y`` when it changed, ``missing`` for a side without the step."""
    b, a = s.before, s.after

    def pair(text: Callable[[float], str], attr: str) -> str:
        x = text(getattr(b, attr)) if b is not None else missing
        y = text(getattr(a, attr)) if a is not None else missing
        return x if x == y else f"{x} {arrow} {y}"

    def model(e: StepEstimate | None) -> str:
        return missing if e is None else escape.text(" > ".join([*e.cascade,
                                                                  e.model or missing]))

    models = model(b) if model(b) == model(a) else f"{model(b)} {arrow} {model(a)}"
    return [models, *(pair(m.text, m.name) for m in METRICS)]


def gate_lines(result: DiffResult) -> list[str]:
    if not result.thresholds:
        return []
    limits = ", ".join(t.text for t in result.thresholds)
    if not result.crossings:
        return ["", f"gate: passed ({limits})"]
    n = len(result.crossings)
    rows = [("workflow", "threshold", "before", "after", "change")]
    for c in result.crossings:
        m = c.threshold.measure
        rows.append((escape.line(c.file), c.threshold.text, m.text(m.of(c.before)),
                     m.text(m.of(c.after)),
                     threshold_change(c)))
    return ["", f"gate: FAILED, {n} threshold{'s' if n != 1 else ''} crossed ({limits})",
            *columns(rows, right={2, 3, 4}, pad="  ")]
