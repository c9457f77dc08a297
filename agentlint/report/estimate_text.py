"""The human-readable estimate table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentlint import escape
from agentlint.graph.estimate import Estimate
from agentlint.graph.quantiles import Quantity
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
    out += spread_lines(est)
    if est.critical_path:
        out.append("critical path (*): " + " -> ".join(escape.text(s) for s in est.critical_path))
    if prov is not None:
        out += provenance_lines(prov)
    out += budget_lines(est.budgets, color)
    return "\n".join(out)


def spread_lines(est: Estimate) -> list[str]:
    """The run distribution: percentiles of latency and cost, and how they were found."""
    sp = est.spread
    if sp is None:
        return []
    if sp.latency is None or sp.cost is None:
        return [f"percentiles: not computed ({escape.text(sp.reason or '')})"]
    lat, cost = sp.latency, sp.cost
    out = ["percentiles p50 / p95 / p99: latency "
           + " / ".join(seconds(v) for v in lat.values.values())
           + ", cost " + " / ".join(usd(v) for v in cost.values.values())]
    if lat.method == cost.method == "simulation":
        (lo, hi), (clo, chi) = lat.bound[95], cost.bound[95]
        out.append(f"  (simulated: {sp.samples} runs, seed {sp.seed}; at 95 % confidence the "
                   f"p95 latency is within {seconds(lo)} - {seconds(hi)}, the p95 cost within "
                   f"{usd(clo)} - {usd(chi)})")
        return out
    notes = [_method(lat, "latency", seconds, sp.samples, sp.seed),
             _method(cost, "cost", usd, sp.samples, sp.seed)]
    if notes[0] == notes[1]:
        out.append(f"  ({notes[0]})")
    else:
        out.append(f"  (latency {notes[0]}; cost {notes[1]})")
    return out


def _method(q: Quantity, name: str, text: Callable[[float], str], samples: int,
            seed: int) -> str:
    if q.method == "exact":
        if q.error == 0:
            return "exact"
        return "exact; grid error under " + (f"{q.error:.2g} s" if text is seconds
                                             else f"${q.error:.2g}")
    lo, hi = q.bound[95]
    return (f"simulated: {samples} runs, seed {seed}; at 95 % confidence "
            f"the p95 {name} is within {text(lo)} - {text(hi)}")
