"""The optimizer's report as a pull-request comment.

A delta table, the changes as GitHub ```` ```suggestion ```` blocks (each
preceded by an HTML comment naming the file and line range it replaces, so a
bot can post it as a review comment on those lines), and a Mermaid flowchart
of the proposed plan (its changed steps filled).
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from agentlint import escape
from agentlint.graph.view import build_view
from agentlint.report import mermaid
from agentlint.report.optimize_text import (
    OBJECTIVE_TEXT,
    delta_rows,
    gap_note,
    relaxation_text,
    relaxations_line,
)
from agentlint.units import percent, seconds, usd

if TYPE_CHECKING:
    from agentlint.optimizer.run import Proposal, Result


def render(result: Result) -> str:
    before = result.before
    out = [f"### agentlint optimize: {escape.code(before.file)} ({escape.md(before.name)})", ""]
    objective = OBJECTIVE_TEXT.get(result.objective, result.objective)
    note = gap_note(result)
    if result.status == "optimal":
        within = f" ({note})" if note else ""
        out.append(f"**Proven optimal**{within} plan for: {objective} "
                   f"(solver {result.solver}).")
    elif result.status == "feasible":
        reached = f", {note}" if note else ""
        out.append(f"**Feasible** plan, not proven optimal within the time limit{reached} "
                   f"(objective: {objective}).")
    else:
        out.append("**No plan meets the budgets.** Binding: "
                   + ", ".join(escape.code(b) for b in result.binding) + ".")
        fixes = [relaxation_text(k, v) for k, v in result.relaxations.items()
                 if v is not None]
        out.append("")
        if fixes:
            out.append("Smallest relaxation of each budget that would make it feasible: "
                       + "; or ".join(f"`{f}`" for f in fixes) + ".")
        else:
            out.append(relaxations_line(result) + ".")
        if result.proposal is not None:
            out.append("")
            out.append("The closest plan (smallest total overrun) is shown below.")
    out.append("")
    out.append("| | before | after | change |")
    out.append("|---|---:|---:|---:|")
    for name, a, after, d in delta_rows(before, result.after):
        out.append(f"| {name} | {a} | {after} | {d} |")
    for b in result.after.budgets:
        m = b.metric
        relation = "≥" if m.floor else "≤"
        verdict = "✅" if b.ok else "❌"
        out.append(f"| budget {escape.cell(escape.code(b.name))} {relation} {m.text(b.limit)} | "
                   f"{m.text(m.of(before))} | {m.text(b.actual)} | {verdict} |")
    if result.frontier:
        out.append("")
        out.append("#### Frontier")
        out.append("")
        out.append("| # | cost per run | latency | reliability | changes |")
        out.append("|---:|---:|---:|---:|---:|")
        for k, q in enumerate(result.frontier, 1):
            e = q.estimate
            out.append(f"| {k} | {usd(e.cost_usd)} | {seconds(e.latency_s)} | "
                       f"{percent(e.reliability)} | {len(q.changes)} |")
    if result.proposal is not None and result.changes:
        out.append("")
        out.append(f"#### Changes ({len(result.changes)})")
        out.append("")
        for c in result.changes:
            out.append(f"- {escape.code(f'{before.file}:{c.line}')} {escape.md(c.message)}")
        out.append("")
        out.append("<details><summary>Suggested edits</summary>")
        out.append("")
        out.extend(_suggestions(result))
        out.append("</details>")
    elif result.proposal is not None:
        out.append("")
        out.append("No change: the spec as written is already the best plan.")
    notes = [*result.problem.notes, *result.notes]
    if notes:
        out.append("")
        out.extend(f"> {escape.md(note)}" for note in notes)
    if result.proposal is not None:
        out.append("")
        out.append("#### Proposed plan")
        out.append("")
        out.extend(flowchart(result.proposal))
    return "\n".join(out) + "\n"


def _suggestions(result: Result) -> list[str]:
    file = result.before.file
    if result.proposal is None:  # no plan, nothing to suggest
        return []
    rw = result.proposal.rewrite
    changes = result.changes
    out: list[str] = []
    by_line = sorted((c.line, k) for k, c in enumerate(changes))  # each hunk: a bisect
    lines = [line for line, _ in by_line]
    for hunk in rw.edits.hunks():
        inside = by_line[bisect.bisect_left(lines, hunk.start):
                         bisect.bisect_right(lines, hunk.end)]
        about = [changes[k].message for _, k in sorted(inside, key=lambda t: t[1])]
        span = f"line {hunk.start}" if hunk.start == hunk.end else \
            f"lines {hunk.start}-{hunk.end}"
        out.append(f"<!-- agentlint-suggestion file={_comment(file)} start={hunk.start} "
                   f"end={hunk.end} -->")
        out.append(f"{escape.code(file)} {span}"
                   + (": " + "; ".join(escape.md(a) for a in about) if about else ""))
        fence = fence_for(hunk.lines)
        out.append(f"{fence}suggestion")
        out.extend(hunk.lines)
        out.append(fence)
        out.append("")
    return out


_BACKTICKS = re.compile(r"`+")


def fence_for(lines: list[str]) -> str:
    """A code fence longer than any run of backticks in ``lines``: no line can close it,
    so what it quotes (``</details>``, HTML, a fence of its own) stays code."""
    longest = max((len(m.group()) for line in lines for m in _BACKTICKS.finditer(line)),
                  default=0)
    return "`" * max(3, longest + 1)


def _comment(file: str) -> str:
    """A file name inside an HTML comment: one line, and no ``--`` to end the comment
    (a name with ``-->``, a blank or ``%`` is percent-encoded, as in a URL)."""
    shown = escape.text(file)
    for ch, code in (("%", "%25"), (" ", "%20"), ("-", "%2D"), (">", "%3E")):
        if ch in shown and (ch != "-" or "--" in shown):
            shown = shown.replace(ch, code)
    return shown


def flowchart(proposal: Proposal) -> list[str]:
    """The proposed plan drawn from its rewritten spec, the changed steps filled; the
    steps it cuts are named below (they are no longer in the spec)."""
    wf = proposal.workflow
    view = build_view(wf, est=proposal.estimate)
    index = wf.step_index
    changed = {index[c.step] for c in proposal.changes if c.step in index}
    out = ["```mermaid", mermaid.render(view, changed=changed), "```"]
    cut = [c.step for c in proposal.changes if c.field == "cut"]
    if cut:
        out += ["", "Cut: " + ", ".join(escape.code(step) for step in cut) + "."]
    return out
