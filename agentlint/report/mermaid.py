"""Mermaid flowcharts (GitHub renders them in Markdown)."""

from __future__ import annotations

from collections.abc import Collection

from agentlint import escape
from agentlint.graph.view import View, walk

_ARROWS = {"data": "-->", "needs": "-.->", "order": "-.->", "route": "-->"}


_text = escape.mermaid


def render(view: View, direction: str = "TD", changed: Collection[int] = ()) -> str:
    """The flowchart of ``view``; the steps in ``changed`` are filled (a proposal's edits)."""
    out = [f"flowchart {direction}"]
    for v in walk(view):
        pad = "  " * (v.depth + 1)
        if v.kind == "node":
            out.append(f'{pad}n{v.step}["{_text(view.labels[v.step])}"]')
        elif v.kind == "open":
            assert v.cluster is not None
            out.append(f'{pad}subgraph {v.cluster.name}["{_text(v.cluster.label)}"]')
        else:
            out.append(f"{pad}end")
    hot = []
    for k, e in enumerate(view.edges):
        arrow = _ARROWS[e.kind]
        label = f"|{_text(e.label)}|" if e.label else ""
        out.append(f"  n{e.src} {arrow}{label} n{e.dst}")
        if (e.src, e.dst) in view.critical_edges:
            hot.append(str(k))
    if hot:
        out.append(f"  linkStyle {','.join(hot)} stroke:#d33,stroke-width:3px")
    if view.critical:
        out.append("  classDef critical stroke:#d33,stroke-width:3px")
        out.append("  class " + ",".join(f"n{i}" for i in sorted(view.critical)) + " critical")
    if changed:
        out.append("  classDef changed fill:#fff3c4")
        out.append("  class " + ",".join(f"n{i}" for i in sorted(changed)) + " changed")
    return "\n".join(out)
