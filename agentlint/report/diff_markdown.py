"""``agentlint diff --format markdown``: a pull-request comment.

It starts with the hidden marker ``<!-- agentlint -->`` so a bot can find its
previous comment and update it instead of adding another. Then: one table row
per changed workflow (cost, latency and reliability before -> after, the
change, the findings count), the gate's verdict with the thresholds crossed,
and per workflow the steps whose figures changed, the findings new and fixed,
and the workflow's flowchart in a ```` ```mermaid ```` block (GitHub and
GitLab render it).

The comment has at most ``limit`` characters (60,000 by default, under GitHub's
65,536): a flowchart Mermaid would not draw (over 500 edges or 50,000
characters) is left out with a line saying so; past the limit, the details of
the last workflows are left out a whole block at a time (first their
flowcharts), and a line says how many and which command prints them all.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from agentlint import escape
from agentlint.ci.comment import DEFAULT_LIMIT, fit
from agentlint.metrics import METRICS
from agentlint.report import mermaid
from agentlint.report.diff_text import figure_rows, status_text, step_cells, threshold_change

if TYPE_CHECKING:
    from agentlint.ci.diff import DiffResult, WorkflowDiff

MARKER = "<!-- agentlint -->"
#: Mermaid's defaults (``maxEdges``, ``maxTextSize``): a flowchart over either is not drawn
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000
#: new findings listed per workflow
MAX_FINDINGS = 50
#: kept free for the lines that say what is left out
RESERVE = 600
_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def _cell(text: str) -> str:
    """Prose in a table cell: no raw HTML, pipes escaped."""
    return escape.cell(escape.md(text))


_code = escape.code


def render(result: DiffResult, limit: int = DEFAULT_LIMIT) -> str:
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
    gate = _gate(result)
    room = limit - _size(out) - _size(gate) - RESERVE
    rows = [_row(result, wd) for wd in result.workflows]
    kept = 0
    for row in rows:
        if len(row) + 1 > room - 200:
            break
        out.append(row)
        room -= len(row) + 1
        kept += 1
    if kept < len(rows):
        out.append(f"| … {len(rows) - kept:,} more workflows, not shown | | | | | |")
    out += gate
    left_out = len(rows) - kept
    for wd in result.workflows[:kept]:
        full = _details(wd)
        if _size(full) <= room:
            out += full
            room -= _size(full)
            continue
        lite = _details(wd, picture=False)
        if _size(lite) <= room:
            out += lite
            room -= _size(lite)
            continue
        left_out += 1
    if left_out:
        out += ["", f"**The details of {left_out:,} of {n:,} workflows are not shown**, to "
                "keep to a pull-request comment's size: "
                + escape.code(f"agentlint diff {shlex.quote(base.ref)}")
                + " prints them all."]
    return fit("\n".join(out) + "\n", limit,
               escape.code(f"agentlint diff {shlex.quote(base.ref)}") + " prints it all")


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _row(result: DiffResult, wd: WorkflowDiff) -> str:
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
    return (f"| {escape.cell(_code(wd.file))} ({_cell(wd.name)}) | "
            f"{_cell(status_text(wd))} | "
            + " | ".join(escape.cell(c) for c in cells)
            + f" | {', '.join(findings) or '-'} |")


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


def _findings(which: str, items: list[str], total: int, rest: str = "") -> list[str]:
    """The block of ``which`` (New, Fixed) findings: the first ``MAX_FINDINGS`` items of
    ``total``, and a line for the rest (``rest`` says where they are); none: nothing."""
    if not total:
        return []
    more = [f"- … {total - MAX_FINDINGS:,} more{rest}"] if total > MAX_FINDINGS else []
    return [f"**{which} findings ({total})**", "", *items, *more, ""]


def _details(wd: WorkflowDiff, picture: bool = True) -> list[str]:
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
    out += _findings("New", [
        f"- {_ICON.get(f.severity, '')} {_code(f'{f.file}:{f.line}')} "
        f"**{escape.md(f.code)}** {escape.md(f.rule)}: {escape.md(f.message)}"
        for f in wd.new_findings[:MAX_FINDINGS]], len(wd.new_findings),
        ": " + escape.code(f"agentlint lint -- {shlex.quote(wd.file)}") + " lists them all")
    out += _findings("Fixed", [
        f"- ✅ **{escape.md(f.code)}** {escape.md(f.rule)}: {escape.md(f.message)}"
        for f in wd.fixed_findings[:MAX_FINDINGS]], len(wd.fixed_findings))
    if not (wd.steps or wd.new_findings or wd.fixed_findings or wd.after_error
            or wd.before_error):
        out.append("No change in figures or findings.")
        out.append("")
    if wd.view is not None:
        label = "before the change (deleted)" if wd.after is None else "after the change"
        drawn = mermaid.render(wd.view).rstrip("\n")
        if len(wd.view.edges) > MERMAID_MAX_EDGES or len(drawn) > MERMAID_MAX_TEXT:
            out.append(f"The flowchart {label} is left out: {len(wd.view.edges):,} edges, "
                       f"{len(drawn):,} characters, over what Mermaid draws "
                       f"({MERMAID_MAX_EDGES} edges, {MERMAID_MAX_TEXT:,} characters).")
        elif not picture:
            out.append(f"The flowchart {label} is left out, to keep to a pull-request "
                       "comment's size: " + escape.code(f"agentlint graph -- "
                                                        f"{shlex.quote(wd.file)}")
                       + " draws it.")
        else:
            out.append(f"<details><summary>Flowchart {label}</summary>")
            out.append("")
            out.append("```mermaid")
            out.append(drawn)
            out.append("```")
            out.append("")
            out.append("</details>")
    while out and out[-1] == "":
        out.pop()
    return out
