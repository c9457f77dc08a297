"""``agentlint diff --format markdown``: a pull-request comment.

It starts with the hidden marker ``<!-- agentlint -->`` so a bot can find its
previous comment and update it instead of adding another. Then: one table row
per changed workflow (cost, latency and reliability before -> after, the
change, the findings count), the gate's verdict with the thresholds crossed,
and per workflow the steps whose figures changed, the findings new and fixed,
and the workflow's flowchart in a ```` ```mermaid ```` block (GitHub and
GitLab render it).
"""

from __future__ import annotations

from typing import Any

from agentlint.report.diff_text import (
    figure_rows,
    metric_value,
    signed_seconds,
    signed_usd,
    status_text,
    threshold_change,
)
from agentlint.units import percent, points, relative, seconds, usd

MARKER = "<!-- agentlint -->"
_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def render(result: Any) -> str:
    base = result.base
    where = f"`{base.ref}`" + (f" (merge base `{base.commit[:10]}`)" if base.merge_base
                               else f" (`{base.commit[:10]}`)")
    out = [MARKER]
    n = len(result.workflows)
    if not n:
        out.append(f"### agentlint: no workflow changed since {where}")
        out += _gate(result)
        return "\n".join(out) + "\n"
    out.append(f"### agentlint: {n} workflow{'s' if n != 1 else ''} changed since {where}")
    out.append("")
    out.append("| workflow | change | cost per run | latency | reliability | findings |")
    out.append("|---|---|---:|---:|---:|---|")
    for wd in result.workflows:
        cells = []
        crossed = {c.threshold.metric for c in result.crossings if c.file == wd.file}
        for metric, (_label, a, b, _d) in zip(("cost", "latency", "reliability"),
                                              figure_rows(wd.before, wd.after), strict=True):
            if wd.before is None or wd.after is None:
                cells.append(b if wd.after is not None else f"{a} → —")
                continue
            x, y = _figure(wd.before, metric), _figure(wd.after, metric)
            if a == b and x == y:
                cells.append(f"{b} (=)")
                continue
            if metric == "reliability":
                change = points(x, y)
            elif metric == "cost":
                change = f"{signed_usd(y - x)}, {relative(x, y)}"
            else:
                change = f"{signed_seconds(y - x)}, {relative(x, y)}"
            if metric in crossed:
                change = f"**{change}** ❌"
            cells.append(f"{a} → {b} ({change})")
        findings = []
        if wd.new_findings:
            findings.append(f"{len(wd.new_findings)} new")
        if wd.fixed_findings:
            findings.append(f"{len(wd.fixed_findings)} fixed")
        if wd.after_error is not None:
            findings.append("❌ cannot be read")
        out.append(f"| {_code(wd.file)} ({_cell(wd.name)}) | {_cell(status_text(wd))} | "
                   + " | ".join(_cell(c) for c in cells)
                   + f" | {', '.join(findings) or '-'} |")
    out += _gate(result)
    for wd in result.workflows:
        out += _details(wd)
    return "\n".join(out) + "\n"


def _figure(e: Any, metric: str) -> float:
    return {"cost": e.cost_usd, "latency": e.latency_s, "reliability": e.reliability}[metric]


def _gate(result: Any) -> list[str]:
    if not result.thresholds:
        return []
    limits = ", ".join(_code(t.text) for t in result.thresholds)
    if not result.crossings:
        return ["", f"✅ **Gate passed**: no threshold crossed ({limits})."]
    n = len(result.crossings)
    out = ["", f"❌ **Gate failed**: {n} threshold{'s' if n != 1 else ''} crossed.", "",
           "| workflow | threshold | before | after | change |", "|---|---|---:|---:|---:|"]
    for c in result.crossings:
        m = c.threshold.metric
        out.append(f"| {_code(c.file)} | {_code(c.threshold.text)} | "
                   f"{metric_value(m, c.before)} | {metric_value(m, c.after)} | "
                   f"**{threshold_change(c)}** |")
    return out


def _details(wd: Any) -> list[str]:
    out = ["", f"#### {_code(wd.file)} ({_cell(wd.name)})", ""]
    if wd.after_error is not None:
        out.append(f"❌ cannot be read: {_code(str(wd.after_error))}")
        out.append("")
    if wd.before_error is not None:
        out.append(f"The base version cannot be read: {_code(wd.before_error)}")
        out.append("")
    if wd.steps:
        out.append("| step | model | cost per run | time | success |")
        out.append("|---|---|---:|---:|---:|")
        for s in wd.steps[:20]:
            out.append("| " + " | ".join(_cell(c) for c in _step_cells(s)) + " |")
        if len(wd.steps) > 20:
            out.append(f"| … {len(wd.steps) - 20} more | | | | |")
        out.append("")
    if wd.new_findings:
        out.append(f"**New findings ({len(wd.new_findings)})**")
        out.append("")
        for f in wd.new_findings:
            out.append(f"- {_ICON.get(f.severity, '')} {_code(f'{f.file}:{f.line}')} "
                       f"**{f.code}** {f.rule}: {f.message}")
        out.append("")
    if wd.fixed_findings:
        out.append(f"**Fixed findings ({len(wd.fixed_findings)})**")
        out.append("")
        for f in wd.fixed_findings:
            out.append(f"- ✅ **{f.code}** {f.rule}: {f.message}")
        out.append("")
    if not (wd.steps or wd.new_findings or wd.fixed_findings or wd.after_error
            or wd.before_error):
        out.append("No change in figures or findings.")
        out.append("")
    if wd.mermaid:
        label = "before the change (deleted)" if wd.after is None else "after the change"
        out.append(f"<details><summary>Flowchart {label}</summary>")
        out.append("")
        out.append("```mermaid")
        out.append(wd.mermaid.rstrip("\n"))
        out.append("```")
        out.append("")
        out.append("</details>")
    while out and out[-1] == "":
        out.pop()
    return out


def _step_cells(s: Any) -> list[str]:
    b, a = s.before, s.after

    def pair(fmt: Any, attr: str) -> str:
        x = fmt(getattr(b, attr)) if b is not None else "—"
        y = fmt(getattr(a, attr)) if a is not None else "—"
        return x if x == y else f"{x} → {y}"

    def model(e: Any) -> str:
        return "—" if e is None else (e.model or "—")

    models = model(b) if model(b) == model(a) else f"{model(b)} → {model(a)}"
    name = _code(s.id) + (" (new)" if b is None else " (removed)" if a is None else "")
    return [name, models, pair(usd, "cost_usd"), pair(seconds, "latency_s"),
            pair(percent, "reliability")]
