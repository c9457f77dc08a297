"""Graphviz DOT (``agentlint graph FILE --format dot | dot -Tsvg``)."""

from __future__ import annotations

import json

from agentlint.graph.view import Cluster, View

_STYLE = {"data": "", "needs": ' style="dashed"', "order": ' style="dotted"',
          "route": ' color="#3060c0"'}


def _q(text: str) -> str:
    return json.dumps(text)  # a DOT string is a double-quoted C-like string


def render(view: View) -> str:
    out = [f"digraph {_q(view.wf.name)} {{", "  rankdir=TB;",
           '  node [shape=box, style="rounded", fontname="Helvetica"];']

    def node(i: int, pad: str) -> None:
        extra = ', color="#d33", penwidth=3' if i in view.critical else ""
        out.append(f"{pad}n{i} [label={_q(view.labels[i])}{extra}];")

    def cluster(c: Cluster, pad: str) -> None:
        out.append(f"{pad}subgraph cluster_{c.name} {{")
        out.append(f"{pad}  label={_q(c.label)};")
        for child in c.children:
            cluster(child, pad + "  ")
        for i in c.members:
            node(i, pad + "  ")
        out.append(f"{pad}}}")

    for c in view.clusters:
        cluster(c, "  ")
    for i in view.loose:
        node(i, "  ")
    for e in view.edges:
        label = f" label={_q(e.label)}" if e.label else ""
        critical = ' color="#d33", penwidth=2' if (e.src, e.dst) in view.critical_edges \
            else ""
        attrs = f"{_STYLE[e.kind]}{label}{critical}".strip()
        out.append(f"  n{e.src} -> n{e.dst}" + (f" [{attrs}]" if attrs else "") + ";")
    out.append("}")
    return "\n".join(out)
