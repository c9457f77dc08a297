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

from typing import TYPE_CHECKING

from agentlint import escape
from agentlint.metrics import METRICS
from agentlint.report import mermaid
from agentlint.report.diff_text import figure_rows, status_text, step_cells, threshold_change

if TYPE_CHECKING:
    from agentlint.ci.diff import DiffResult, WorkflowDiff

MARKER = "<!-- agentlint -->"
_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def _cell(text: str) -> str:
    """Prose in a table cell: no raw HTML, pipes escaped."""
    return escape.cell(escape.md(text))


_code = escape.code


def render(result: DiffResult) -> str:
    base = result.base
    where = escape.code(base.ref) + (
        f" (merge base {escape.code(base.commit[:10])})" if base.merge_base
        else f" ({escape.code(base.commit[:10])})")
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
        crossed = {c.threshold.measure for c in result.crossings if c.file == wd.file}
        for m, (_label, a, b, _d) in zip(METRICS, figure_rows(wd.before, wd.after),
                                         strict=True):
            if wd.before is None or wd.after is None:
                cells.append(b if wd.after is not None else f"{a} → —")
                continue
            x, y = m.of(wd.before), m.of(wd.after)
            if a == b and x == y:
                cells.append(f"{b} (=)")
                continue
            shift, rel = m.change(x, y)
            change = shift if rel is None else f"{shift}, {rel}"
            if m in crossed:
                change = f"**{change}** ❌"
            cells.append(f"{a} → {b} ({change})")
        findings = []
        if wd.new_findings:
            findings.append(f"{len(wd.new_findings)} new")
        if wd.fixed_findings:
            findings.append(f"{len(wd.fixed_findings)} fixed")
        if wd.after_error is not None:
            findings.append("❌ cannot be read")
        out.append(f"| {escape.cell(_code(wd.file))} ({_cell(wd.name)}) | "
                   f"{_cell(status_text(wd))} | "
                   + " | ".join(escape.cell(c) for c in cells)
                   + f" | {', '.join(findings) or '-'} |")
    out += _gate(result)
    for wd in result.workflows:
        out += _details(wd)
    return "\n".join(out) + "\n"


def _gate(result: DiffResult) -> list[str]:
    if not result.thresholds:
        return []
    limits = ", ".join(_code(t.text) for t in result.thresholds)
    if not result.crossings:
        return ["", f"✅ **Gate passed**: no threshold crossed ({limits})."]
    n = len(result.crossings)
    out = ["", f"❌ **Gate failed**: {n} threshold{'s' if n != 1 else ''} crossed.", "",
           "| workflow | threshold | before | after | change |", "|---|---|---:|---:|---:|"]
    for c in result.crossings:
        m = c.threshold.measure
        out.append(f"| {escape.cell(_code(c.file))} | {escape.cell(_code(c.threshold.text))} | "
                   f"{m.text(m.of(c.before))} | {m.text(m.of(c.after))} | "
                   f"**{threshold_change(c)}** |")
    return out


def _details(wd: WorkflowDiff) -> list[str]:
    out = ["", f"#### {_code(wd.file)} ({escape.md(wd.name)})", ""]
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
            name = escape.cell(_code(s.id)) + (" (new)" if s.before is None else
                                  " (removed)" if s.after is None else "")
            out.append("| " + " | ".join([name, *(_cell(c) for c in step_cells(s, "→", "—"))])
                       + " |")
        if len(wd.steps) > 20:
            out.append(f"| … {len(wd.steps) - 20} more | | | | |")
        out.append("")
    if wd.new_findings:
        out.append(f"**New findings ({len(wd.new_findings)})**")
        out.append("")
        for f in wd.new_findings:
            out.append(f"- {_ICON.get(f.severity, '')} {_code(f'{f.file}:{f.line}')} "
                       f"**{escape.md(f.code)}** {escape.md(f.rule)}: {escape.md(f.message)}")
        out.append("")
    if wd.fixed_findings:
        out.append(f"**Fixed findings ({len(wd.fixed_findings)})**")
        out.append("")
        for f in wd.fixed_findings:
            out.append(f"- ✅ **{escape.md(f.code)}** {escape.md(f.rule)}: "
                       f"{escape.md(f.message)}")
        out.append("")
    if not (wd.steps or wd.new_findings or wd.fixed_findings or wd.after_error
            or wd.before_error):
        out.append("No change in figures or findings.")
        out.append("")
    if wd.view is not None:
        label = "before the change (deleted)" if wd.after is None else "after the change"
        out.append(f"<details><summary>Flowchart {label}</summary>")
        out.append("")
        out.append("```mermaid")
        out.append(mermaid.render(wd.view).rstrip("\n"))
        out.append("```")
        out.append("")
        out.append("</details>")
    while out and out[-1] == "":
        out.pop()
    return out
