"""The human-readable estimate table."""

from __future__ import annotations

from typing import Any

from agentlint import escape
from agentlint.graph.estimate import Estimate
from agentlint.lint.provenance import assumed_list, counts
from agentlint.report.table import budget_lines, columns, paint
from agentlint.units import percent, seconds, usd


def provenance_lines(prov: dict[str, Any]) -> list[str]:
    """Where the figures came from: counts, and the assumed ones by name."""
    stated, calibrated, assumed, runs = counts(prov)
    out = [f"figures: {stated} stated, {calibrated} calibrated"
           + (f" (up to {runs:,} runs)" if calibrated else "") + f", {assumed} assumed"]
    by_runs: dict[int, list[str]] = {}
    for sid, figures in prov["steps"].items():
        measured = [m["runs"] for m in figures.values() if m["source"] == "calibrated"]
        if measured:
            by_runs.setdefault(min(measured), []).append(sid)
    if by_runs:
        groups = [f"{', '.join(escape.text(s) for s in ids[:6])}"
                  + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
                  + f" ({n:,} run{'s' if n != 1 else ''})"
                  for n, ids in sorted(by_runs.items(), reverse=True)]
        out.append("calibrated: " + "; ".join(groups[:4])
                   + (f"; and {len(groups) - 4} more groups" if len(groups) > 4 else ""))
    names = assumed_list(prov)
    if names:
        shown = ", ".join(escape.text(n) for n in names[:8])
        out.append(f"assumed: {shown}" + (f", and {len(names) - 8} more" if len(names) > 8
                                           else ""))
    return out


def render(est: Estimate, color: bool = False, prov: dict[str, Any] | None = None) -> str:
    header = ("", "step", "model", "runs", "calls", "cost/run", "time", "success")
    rows = []
    for s in est.steps:
        model = " > ".join([*s.cascade, s.model or "-"])
        rows.append(("*" if s.critical else "", escape.line(s.id), escape.text(model),
                     f"{s.runs:.2f}",
                     f"{s.calls:.2f}", usd(s.cost_usd), seconds(s.latency_s),
                     percent(s.reliability)))
    total = ("", "total", "", "", f"{est.calls:.2f}", usd(est.cost_usd),
             seconds(est.latency_s), percent(est.reliability))
    out = [paint(f"{escape.path(est.file)}: {escape.text(est.name)}", "1", color)]
    out += columns([header, *rows, total], right={3, 4, 5, 6, 7})
    out.append(f"worst case: {usd(est.cost_usd_max)} per run, {seconds(est.latency_s_max)} "
               "(every retry, the slowest branch, every loop round)")
    if est.critical_path:
        out.append("critical path (*): " + " -> ".join(escape.text(s) for s in est.critical_path))
    if prov is not None:
        out += provenance_lines(prov)
    out += budget_lines(est.budgets, color)
    return "\n".join(out)
