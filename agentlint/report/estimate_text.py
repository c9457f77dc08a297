"""The human-readable estimate table."""

from __future__ import annotations

from agentlint.graph.estimate import Estimate
from agentlint.units import budget_value, percent, seconds, usd


def render(est: Estimate, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    header = ("", "step", "model", "runs", "calls", "cost/run", "time", "success")
    rows = []
    for s in est.steps:
        rows.append(("*" if s.critical else "", s.id, s.model or "-", f"{s.runs:.2f}",
                     f"{s.calls:.2f}", usd(s.cost_usd), seconds(s.latency_s),
                     percent(s.reliability)))
    total = ("", "total", "", "", f"{est.calls:.2f}", usd(est.cost_usd),
             seconds(est.latency_s), percent(est.reliability))
    widths = [max(len(r[i]) for r in [header, *rows, total]) for i in range(len(header))]
    right = {3, 4, 5, 6, 7}

    def line(r: tuple[str, ...]) -> str:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                 for i, c in enumerate(r)]
        return "  ".join(cells).rstrip()

    out = [paint(f"{est.file}: {est.name}", "1"), line(header)]
    out.extend(line(r) for r in rows)
    out.append(line(total))
    out.append(f"worst case: {usd(est.cost_usd_max)} per run, {seconds(est.latency_s_max)} "
               "(every retry, the slowest branch, every loop round)")
    if est.critical_path:
        out.append("critical path (*): " + " -> ".join(est.critical_path))
    for b in est.budgets:
        verdict = paint("pass", "32") if b.ok else paint("FAIL", "31;1")
        relation = ">=" if b.name == "reliability" else "<="
        out.append(f"budget {b.name}: {budget_value(b.name, b.actual)} {relation} "
                   f"{budget_value(b.name, b.limit)}: {verdict}")
    return "\n".join(out)
