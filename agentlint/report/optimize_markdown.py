"""The optimizer's report as a pull-request comment.

A delta table, the changes as GitHub ```` ```suggestion ```` blocks (each
preceded by an HTML comment naming the file and line range it replaces, so a
bot can post it as a review comment on those lines), and a Mermaid flowchart
of the proposed groups.
"""

from __future__ import annotations

from typing import Any

from agentlint.report.optimize_text import (
    OBJECTIVE_TEXT,
    delta_rows,
    optimality_gap,
    relaxation_text,
    relaxations_line,
)
from agentlint.units import percent, seconds, usd


def render(result: Any) -> str:
    before = result.before
    out = [f"### agentlint optimize: `{before.file}` ({before.name})", ""]
    objective = OBJECTIVE_TEXT.get(result.objective, result.objective)
    if result.status == "optimal":
        gap = optimality_gap(result)
        within = f" (within {gap * 100:.3g} %)" if gap is not None else ""
        out.append(f"**Proven optimal**{within} plan for: {objective} "
                   f"(solver {result.solver}).")
    elif result.status == "feasible":
        gap = f", gap {result.gap * 100:.3g} %" if result.gap is not None else ""
        out.append(f"**Feasible** plan, not proven optimal within the time limit{gap} "
                   f"(objective: {objective}).")
    else:
        out.append("**No plan meets the budgets.** Binding: "
                   + ", ".join(f"`{b}`" for b in result.binding) + ".")
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
    for name, a, b, d in delta_rows(before, result.after):
        out.append(f"| {name} | {a} | {b} | {d} |")
    for b in result.after.budgets:
        m = b.metric
        relation = "≥" if m.floor else "≤"
        verdict = "✅" if b.ok else "❌"
        out.append(f"| budget `{b.name}` {relation} {m.text(b.limit)} | "
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
            out.append(f"- `{before.file}:{c.line}` {c.message}")
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
        out.extend(f"> {note}" for note in notes)
    if result.proposal is not None:
        out.append("")
        out.append("#### Proposed groups")
        out.append("")
        out.extend(mermaid(result))
    return "\n".join(out) + "\n"


def _suggestions(result: Any) -> list[str]:
    file = result.before.file
    rw = result.proposal.rewrite
    changes = result.changes
    out: list[str] = []
    for hunk in rw.draft.hunks():
        about = [c.message for c in changes if hunk.start <= c.line <= hunk.end]
        span = f"line {hunk.start}" if hunk.start == hunk.end else \
            f"lines {hunk.start}-{hunk.end}"
        out.append(f"<!-- agentlint-suggestion file={file} start={hunk.start} "
                   f"end={hunk.end} -->")
        out.append(f"`{file}` {span}" + (": " + "; ".join(about) if about else ""))
        fence = "````" if any("```" in line for line in hunk.lines) else "```"
        out.append(f"{fence}suggestion")
        out.extend(hunk.lines)
        out.append(fence)
        out.append("")
    return out


def _node_id(step_id: str) -> str:
    return "s_" + "".join(ch if ch.isalnum() else "_" for ch in step_id)


def _label(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(result: Any) -> list[str]:
    """A flowchart of the proposed plan: groups as subgraphs, cut steps dashed."""
    p = result.problem
    from agentlint.optimizer.plan import kept_groups, labels

    plan = result.proposal.plan
    wf = p.wf
    labs = labels(p, plan)
    lines = ["```mermaid", "flowchart TD"]

    def node(i: int) -> str:
        step = wf.steps[i]
        c = plan.choice[i]
        if c is None:
            return f'{_node_id(step.id)}["{_label(step.id)} (cut)"]:::cut'
        o = p.choices[i].options[c]
        model = o.model or step.kind
        retry = f", {o.retries} retr{'y' if o.retries == 1 else 'ies'}" if o.retries else ""
        return f'{_node_id(step.id)}["{_label(step.id)}<br/>{_label(model)}{retry}"]'

    if p.sequential:
        previous = None
        for k, group in enumerate(kept_groups(p, plan)):
            if len(group) > 1:
                name = f"grp{k}"
                lines.append(f'  subgraph {name} ["parallel: {_label(labs[group[0]] or "")}"]')
                lines.extend(f"    {node(i)}" for i in group)
                lines.append("  end")
            else:
                name = _node_id(wf.steps[group[0]].id)
                lines.append(f"  {node(group[0])}")
            if previous is not None:
                lines.append(f"  {previous} --> {name}")
            previous = name
        cut = [i for i, c in enumerate(plan.choice) if c is None]
        lines.extend(f"  {node(i)}" for i in cut)
    else:
        for i in range(p.n):
            lines.append(f"  {node(i)}")
        for v in range(p.n):
            if plan.choice[v] is None:
                continue
            data = set(p.graph.data_preds[v])
            for u in p.graph.dep_preds[v]:
                if plan.choice[u] is None:
                    continue
                arrow = "-->" if u in data else "-.->"
                lines.append(f"  {_node_id(wf.steps[u].id)} {arrow} {_node_id(wf.steps[v].id)}")
    lines.append("  classDef cut stroke-dasharray: 5 5,opacity:0.6")
    lines.append("```")
    return lines
