"""The optimizer's report as a pull-request comment, sized to fit one.

Summary first: the status, the before / after table with the budgets, the
frontier (``--pareto``: a Mermaid ``xychart-beta`` of cost and latency with
today's spec and the proposed plan marked, and the same points in a table),
and the changes counted by kind. Then the details, each folded in a
``<details>`` block: the changes grouped by kind, a Mermaid flowchart of the
proposed plan (its changed steps filled), and the changes as GitHub
```` ```suggestion ```` blocks, each preceded by an HTML comment naming the file
and line range it replaces, so a bot can post it as a review comment on those
lines.

The whole report has at most ``limit`` characters (by default 60,000, under
GitHub's 65,536-character comment limit). What does not fit is left out a whole
block at a time, longest lists first cut, and a line says how many changes are
not shown and the command that prints them all; a flowchart Mermaid would not
draw (over 500 edges or 50,000 characters) is left out with a line saying so.
"""

from __future__ import annotations

import bisect
import math
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agentlint import escape
from agentlint.ci.comment import DEFAULT_LIMIT, fit
from agentlint.graph.view import build_view
from agentlint.metrics import metric
from agentlint.report import mermaid
from agentlint.report.optimize_text import (
    OBJECTIVE_TEXT,
    FrontierPoint,
    delta_rows,
    frontier_points,
    gap_note,
    no_change_text,
    opportunity_text,
    relaxation_text,
    relaxations_line,
)
from agentlint.units import percent, seconds, usd

if TYPE_CHECKING:
    from agentlint.graph.view import View
    from agentlint.optimizer.rewrite import Change
    from agentlint.optimizer.run import Proposal, Result

#: Mermaid's defaults (``maxEdges``, ``maxTextSize``): a flowchart over either is not drawn
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000
#: kinds of change listed in the summary table (the rest counted in one row)
MAX_KINDS = 20
#: characters of one note, of the workflow's name in the heading
MAX_NOTE = 400
MAX_NAME = 120
#: kept free for the lines that say what is left out
RESERVE = 1_200


#: Opportunities listed in a comment; the rest are counted and named by a command.
MAX_OPPORTUNITIES = 40


def render(result: Result, limit: int = DEFAULT_LIMIT) -> str:
    """The report in at most ``limit`` characters (see the module's docstring)."""
    out = _summary(result)
    out += _frontier(result)
    if result.proposal is not None and result.changes:
        out += _kinds(result)
    elif result.proposal is not None:
        out += ["", no_change_text(result).replace("no change", "No change", 1) + "."]
    out += opportunities_section(result)
    out += shadow_section(result)
    room = limit - _size(out) - RESERVE
    notes = [*result.problem.notes, *result.notes]
    if notes:
        lines = [f"> {escape.md(_short(note, MAX_NOTE))}" for note in notes]
        kept = _prefix(lines, room - 2)
        out += ["", *lines[:kept]]
        if kept < len(lines):
            out.append(f"> … {len(lines) - kept} more notes: {_command(result)} prints "
                       "them all")
        room -= _size(lines[:kept]) + 2
    if result.proposal is None:
        return _guard(out, result, limit)
    if result.changes:
        block, room, hidden = _change_groups(result, room)
        out += block
        if hidden:
            shown = len(result.changes) - hidden
            out += ["", f"**{hidden:,} of {len(result.changes):,} changes are not shown** "
                    f"({shown:,} shown, to keep to a pull-request comment's size): "
                    f"{_command(result)} prints them all"
                    + (f", {_command(result, '--diff')} as a patch" if _has_hunks(result)
                       else "") + "."]
    picture, room = _flowchart_block(result.proposal, room)
    out += picture
    if result.changes:
        out += _suggestion_block(result, room + RESERVE // 2)
    return _guard(out, result, limit)


def _guard(out: list[str], result: Result, limit: int) -> str:
    """The report, cut between blocks should its fixed parts alone pass ``limit`` (a
    small ``--max-chars``)."""
    return fit(_end(out), limit, f"{_command(result)} prints the whole plan")


def _end(out: list[str]) -> str:
    return "\n".join(out) + "\n"


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _prefix(lines: list[str], room: int) -> int:
    """How many of ``lines`` fit in ``room`` characters (a prefix)."""
    used = 0
    for k, line in enumerate(lines):
        used += len(line) + 1
        if used > room:
            return k
    return len(lines)


def _short(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:limit - 1] + "…"


def _command(result: Result, *extra: str) -> str:
    """The command that prints the whole plan, as a code span."""
    words = ["agentlint", "optimize"]
    if result.objective not in ("default", "pareto"):
        words += ["--objective", result.objective]
    words += [*extra, "--", result.before.file]
    return escape.code(" ".join(shlex.quote(w) for w in words))


def _has_hunks(result: Result) -> bool:
    return result.proposal is not None and bool(result.proposal.rewrite.edits.hunks())


# -- the summary ---------------------------------------------------------------------------


def _summary(result: Result) -> list[str]:
    before = result.before
    out = [f"### agentlint optimize: {escape.code(before.file)} "
           f"({escape.md(_short(before.name, MAX_NAME))})", ""]
    objective = OBJECTIVE_TEXT.get(result.objective, result.objective)
    note = gap_note(result)
    if result.status == "optimal":
        within = f" ({note})" if note else ""
        out.append(f"**Proven optimal**{within} plan for: {objective} "
                   f"(solver {result.solver}).")
    elif result.status == "feasible":
        reached = f", {note}" if note else ""
        out.append(f"**Feasible** plan, {result.unproven}{reached} "
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
    return out


# -- the frontier --------------------------------------------------------------------------


def _frontier(result: Result) -> list[str]:
    """The frontier as a Mermaid xychart (GitHub draws it) and as a table: the same
    points, cheapest first, today's spec among them when no plan on the frontier is it."""
    if not result.frontier:
        return []
    points = frontier_points(result)
    out = ["", "#### Frontier", ""]
    out += frontier_chart(points)
    out += ["", "| # | cost per run | latency | reliability | changes | |",
            "|---:|---:|---:|---:|---:|---|"]
    for p in points:
        e = p.estimate
        out.append(f"| {p.number or '-'} | {usd(e.cost_usd)} | {seconds(e.latency_s)} | "
                   f"{percent(e.reliability)} | {p.changes} | {p.mark} |")
    return out


def frontier_chart(points: list[FrontierPoint]) -> list[str]:
    """A ``xychart-beta``: one bar per plan (its latency), cheapest first, labelled with
    its cost; a second series repeats the bars of today's spec and of the proposed plan,
    so they stand out in its colour. Every label escaped, every number plain decimal
    (Mermaid's chart reads no exponent)."""
    values = [p.estimate.latency_s for p in points]
    if not points or not all(math.isfinite(v) and v >= 0 for v in values):
        return ["(no chart: a latency is not a finite number)"]
    labels = []
    for p in points:
        if p.number is None:
            labels.append(f"{p.mark} {usd(p.estimate.cost_usd)}")
        else:
            mark = f" ({p.mark})" if p.mark else ""
            labels.append(f"#{p.number} {usd(p.estimate.cost_usd)}{mark}")
    top = max(values) * 1.1 or 1.0
    marked = [v if p.mark else 0.0 for p, v in zip(points, values, strict=True)]
    return ["```mermaid",
            "xychart-beta",
            f'  title "{escape.mermaid("Latency of each plan, cheapest first")}"',
            "  x-axis " + f'"{escape.mermaid("plan and its cost per run")}" ['
            + ", ".join(f'"{escape.mermaid(label)}"' for label in labels) + "]",
            f'  y-axis "{escape.mermaid("latency (s)")}" 0 --> {_number(top)}',
            f'  bar "latency" [{", ".join(_number(v) for v in values)}]',
            f'  bar "today and plan" [{", ".join(_number(v) for v in marked)}]',
            "```",
            "",
            "Bars: the latency of each plan, cheapest first; today's spec and the proposed "
            "plan are also drawn in the second colour."]


def _number(value: float) -> str:
    """A number as Mermaid's chart grammar reads it: digits, a point, digits."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


# -- the changes ---------------------------------------------------------------------------


@dataclass
class _Group:
    title: str  # HTML, one line
    text: str  # Markdown, one line
    lines: list[str]


def _kind_key(c: Change) -> tuple[str, str, str]:
    if c.field in ("model", "retries"):
        return c.field, str(c.before), str(c.after)
    return c.field, "", ""


def _groups(result: Result) -> list[_Group]:
    file = result.before.file
    order: dict[tuple[str, str, str], list[str]] = {}
    for c in result.changes:
        order.setdefault(_kind_key(c), []).append(
            f"- {escape.code(f'{file}:{c.line}')} {escape.md(c.message)}")
    keyed = sorted(order.items(), key=lambda kv: -len(kv[1]))  # stable: first seen first
    out = []
    for (field, a, b), lines in keyed:
        if a or b:
            title = (f"{field} <code>{escape.md(_short(a, 80))}</code> → "
                     f"<code>{escape.md(_short(b, 80))}</code>")
            text = f"{field} {escape.code(_short(a, 80))} → {escape.code(_short(b, 80))}"
        else:
            title = text = {"cut": "step cut", "parallel": "parallel group",
                            "reference": "reference to a cut step"}.get(field, field)
        out.append(_Group(title, text, lines))
    return out


def _kinds(result: Result) -> list[str]:
    groups = _groups(result)
    n = len(result.changes)
    out = ["", f"#### Changes ({n:,})", "", "| change | count |", "|---|---:|"]
    for g in groups[:MAX_KINDS]:
        out.append(f"| {escape.cell(g.text)} | {len(g.lines):,} |")
    if len(groups) > MAX_KINDS:
        rest = sum(len(g.lines) for g in groups[MAX_KINDS:])
        out.append(f"| {len(groups) - MAX_KINDS} other kinds | {rest:,} |")
    return out


def _change_groups(result: Result, room: int) -> tuple[list[str], int, int]:
    """Each kind of change folded, its list cut to share ``room`` fairly (a kind with a
    short list shows it whole, the longest lists are cut first); the lines, the room
    left and how many changes are not shown."""
    groups = _groups(result)
    frames = []
    for g in groups:
        frames.append(["", f"<details><summary>{g.title}: {len(g.lines):,}</summary>", ""])
    fixed = sum(_size(f) + len("</details>") + 2 for f in frames)
    caps = _water_fill([[len(line) + 1 for line in g.lines] for g in groups],
                       room - fixed - 60 * len(groups))
    out: list[str] = []
    hidden = 0
    for g, frame, keep in zip(groups, frames, caps, strict=True):
        if keep == 0:
            hidden += len(g.lines)
            continue
        body = [*frame, *g.lines[:keep]]
        if keep < len(g.lines):
            body.append(f"- … {len(g.lines) - keep:,} more not shown")
            hidden += len(g.lines) - keep
        body += ["", "</details>"]
        out += body
    return out, room - _size(out), hidden


def _water_fill(groups: list[list[int]], room: int) -> list[int]:
    """How many lines of each group to keep: a prefix of each, every group given the same
    characters ``cap`` (or all it has), ``cap`` the largest that fits in ``room``."""
    sums = []
    for sizes in groups:
        acc = [0]
        for s in sizes:
            acc.append(acc[-1] + s)
        sums.append(acc)

    def kept(cap: int) -> tuple[int, list[int]]:
        counts = [bisect.bisect_right(acc, cap) - 1 for acc in sums]
        return sum(acc[k] for acc, k in zip(sums, counts, strict=True)), counts

    if room <= 0:
        return [0] * len(groups)
    lo, hi = 0, max((acc[-1] for acc in sums), default=0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if kept(mid)[0] <= room:
            lo = mid
        else:
            hi = mid - 1
    return kept(lo)[1]


# -- the flowchart -------------------------------------------------------------------------


def _flowchart_block(proposal: Proposal, room: int) -> tuple[list[str], int]:
    """The proposed plan's flowchart when Mermaid would draw it and it fits in ``room``,
    else a line saying why it is left out and how to draw it."""
    wf = proposal.workflow
    head = ["", "#### Proposed plan", ""]
    too_big = ""
    picture: list[str] = []
    if len(wf.steps) > MERMAID_MAX_EDGES:  # more nodes than edges Mermaid draws: no view
        too_big = f"{len(wf.steps):,} steps"
    else:
        view = build_view(wf, est=proposal.estimate)
        picture = flowchart(proposal, view)
        if len(view.edges) > MERMAID_MAX_EDGES:
            too_big = f"{len(view.edges):,} edges"
        elif len(picture[1]) > MERMAID_MAX_TEXT:
            too_big = f"{len(picture[1]):,} characters"
    if not too_big and _size(picture) + _size(head) <= room:
        return [*head, *picture], room - _size(head) - _size(picture)
    why = (f"over what Mermaid draws ({MERMAID_MAX_EDGES} edges, "
           f"{MERMAID_MAX_TEXT:,} characters): {too_big}" if too_big
           else "it would not fit in a pull-request comment")
    line = [*head, f"The flowchart is left out, {why}; `agentlint graph FILE` draws the "
            "spec after `agentlint optimize --write FILE`."]
    return line, room - _size(line)


def flowchart(proposal: Proposal, view: View | None = None) -> list[str]:
    """The proposed plan drawn from its rewritten spec, the changed steps filled; the
    steps it cuts are named below (they are no longer in the spec)."""
    wf = proposal.workflow
    if view is None:
        view = build_view(wf, est=proposal.estimate)
    index = wf.step_index
    changed = {index[c.step] for c in proposal.changes if c.step in index}
    out = ["```mermaid", mermaid.render(view, changed=changed), "```"]
    cut = [c.step for c in proposal.changes if c.field == "cut"]
    if cut:
        out += ["", "Cut: " + ", ".join(escape.code(step) for step in cut) + "."]
    return out


def shadow_section(result: Result) -> list[str]:
    """What one more unit of each budget buys, as a table (nothing within budget)."""
    prices = result.shadow_prices
    if not prices or result.within_budget:
        return []
    if all(p.status == "not binding" for p in prices):
        return ["", "Shadow prices: no budget binds (one more unit of each buys nothing)."]
    out = ["", "#### Shadow prices", "",
           "Solved again with each budget moved by one unit:", "",
           "| budget | moved | buys |", "|---|---|---|"]
    for p in prices:
        moved = p.move_text()
        if p.moved_to is not None:
            m = metric(p.budget)
            moved += f" ({m.text(p.limit)} → {m.text(p.moved_to)})"
        buys = p.text()[len(p.move_text()):].lstrip(" :")
        out.append(f"| {escape.cell(escape.code(p.budget))} | {escape.cell(escape.md(moved))} "
                   f"| {escape.cell(escape.md(buys))} |")
    return out


def opportunities_section(result: Result) -> list[str]:
    """Model changes the spec does not allow (no ``candidates``, no ``min_tier``), folded."""
    found = result.problem.opportunities
    if not found:
        return []
    out = ["", f"<details><summary>Opportunities not in the plan ({len(found)}): cheaper "
           "models for steps whose model the spec fixes</summary>", "",
           "Add `candidates:`, `min_tier:` or `class:` to a step to let the optimizer weigh "
           "them.", "",
           "| step | model | saving | risk |", "|---|---|---:|---|"]
    for o in found[:MAX_OPPORTUNITIES]:
        where = escape.code(f"{result.before.file}:{o.line}")
        out.append(f"| {escape.cell(escape.code(o.step))} {escape.cell(where)} | "
                   f"{escape.cell(escape.code(o.model))} → {escape.cell(escape.code(o.to))}"
                   f"{escape.cell(escape.md(o.note))} | "
                   f"{escape.cell(opportunity_text(result, o.saving_usd))} | "
                   f"{escape.cell(escape.md(o.risk.replace(' -> ', ' → ')))} |")
    if len(found) > MAX_OPPORTUNITIES:
        out += ["", f"{len(found) - MAX_OPPORTUNITIES:,} more not shown: "
                f"{_command(result)} lists them all."]
    out += ["", "</details>"]
    return out


# -- the suggested edits -------------------------------------------------------------------


def _suggestion_block(result: Result, room: int) -> list[str]:
    hunks = _suggestions(result)
    head = ["", "<details><summary>Suggested edits</summary>", ""]
    tail = ["</details>"]
    if not hunks:
        return []
    room -= _size(head) + _size(tail) + 300
    kept: list[str] = []
    shown = 0
    for block in hunks:
        size = _size(block)
        if size > room:
            break
        kept += block
        room -= size
        shown += 1
    if shown < len(hunks):
        kept += [f"{len(hunks) - shown:,} of {len(hunks):,} suggested edits are not shown: "
                 f"{_command(result, '--diff')} prints the whole change as a patch.", ""]
    return [*head, *kept, *tail]


def _suggestions(result: Result) -> list[list[str]]:
    """One block per hunk of the rewrite: its place and what it changes, then the
    suggestion fence."""
    file = result.before.file
    if result.proposal is None:  # no plan, nothing to suggest
        return []
    rw = result.proposal.rewrite
    changes = sorted(result.changes, key=lambda c: c.line)
    lines_at = [c.line for c in changes]
    out: list[list[str]] = []
    for hunk in rw.edits.hunks():
        lo = bisect.bisect_left(lines_at, hunk.start)
        hi = bisect.bisect_right(lines_at, hunk.end)
        about = [c.message for c in changes[lo:hi]]
        span = f"line {hunk.start}" if hunk.start == hunk.end else \
            f"lines {hunk.start}-{hunk.end}"
        fence = fence_for(hunk.lines)
        out.append([
            f"<!-- agentlint-suggestion file={_comment(file)} start={hunk.start} "
            f"end={hunk.end} -->",
            f"{escape.code(file)} {span}"
            + (": " + "; ".join(escape.md(a) for a in about) if about else ""),
            f"{fence}suggestion", *hunk.lines, fence, ""])
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
