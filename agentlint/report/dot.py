"""Graphviz DOT (``agentlint graph FILE --format dot | dot -Tsvg``)."""

from __future__ import annotations

import json

from agentlint.graph.view import View, walk

_STYLE = {"data": "", "needs": ' style="dashed"', "order": ' style="dotted"',
          "route": ' color="#3060c0"'}


def _q(text: str) -> str:
    return json.dumps(text)  # a DOT string is a double-quoted C-like string


def render(view: View) -> str:
    out = [f"digraph {_q(view.wf.name)} {{", "  rankdir=TB;",
           '  node [shape=box, style="rounded", fontname="Helvetica"];']

    for v in walk(view):
        pad = "  " * (v.depth + 1)
        if v.kind == "node":
            i = v.step
            extra = ', color="#d33", penwidth=3' if i in view.critical else ""
            out.append(f"{pad}n{i} [label={_q(view.labels[i])}{extra}];")
        elif v.kind == "open":
            assert v.cluster is not None
            out.append(f"{pad}subgraph cluster_{v.cluster.name} {{")
            out.append(f"{pad}  label={_q(v.cluster.label)};")
        else:
            out.append(f"{pad}}}")
    for e in view.edges:
        label = f" label={_q(e.label)}" if e.label else ""
        critical = ' color="#d33", penwidth=2' if (e.src, e.dst) in view.critical_edges \
            else ""
        attrs = f"{_STYLE[e.kind]}{label}{critical}".strip()
        out.append(f"  n{e.src} -> n{e.dst}" + (f" [{attrs}]" if attrs else "") + ";")
    out.append("}")
    return "\n".join(out)
