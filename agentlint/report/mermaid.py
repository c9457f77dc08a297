"""Mermaid flowcharts (GitHub renders them in Markdown)."""

from __future__ import annotations

from agentlint.graph.view import Cluster, View

_ARROWS = {"data": "-->", "needs": "-.->", "order": "-.->", "route": "-->"}


def _text(label: str) -> str:
    return label.replace('"', "#quot;").replace("\n", "<br/>")


def render(view: View, direction: str = "TD") -> str:
    out = [f"flowchart {direction}"]

    def node(i: int, pad: str) -> None:
        out.append(f'{pad}n{i}["{_text(view.labels[i])}"]')

    def cluster(c: Cluster, pad: str) -> None:
        out.append(f'{pad}subgraph {c.name}["{_text(c.label)}"]')
        for child in c.children:
            cluster(child, pad + "  ")
        for i in c.members:
            node(i, pad + "  ")
        out.append(f"{pad}end")

    for c in view.clusters:
        cluster(c, "  ")
    for i in view.loose:
        node(i, "  ")
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
    return "\n".join(out)
