"""What a picture of the workflow shows, independent of the drawing language.

Mermaid and Graphviz renderers (``agentlint/report/mermaid.py``, ``dot.py``)
draw the same :class:`View`: every step as a node with its model, every
dependency as an edge (data, ``needs``, routing), the order sequential mode
adds between groups, parallel groups and loops as clusters, and the critical
path marked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from agentlint.graph.build import Graph, build_graph
from agentlint.graph.estimate import Estimate, estimate
from agentlint.spec.model import Step, Workflow


@dataclass(slots=True)
class Edge:
    src: int
    dst: int
    kind: str  # "data", "needs", "route", "order"
    label: str = ""


@dataclass(slots=True)
class Cluster:
    name: str
    label: str
    members: list[int]
    children: list[Cluster] = field(default_factory=list)


@dataclass(slots=True)
class View:
    wf: Workflow
    labels: list[str]
    critical: set[int]
    #: consecutive pairs of the critical path
    critical_edges: set[tuple[int, int]]
    edges: list[Edge]
    clusters: list[Cluster]
    #: steps not inside any cluster, in listing order
    loose: list[int]


@dataclass(slots=True, frozen=True)
class Visit:
    """One stop of :func:`walk`: a cluster opened or closed, or a step's node."""

    kind: Literal["open", "node", "close"]
    depth: int  #: 0 at the top level, one more inside each cluster
    cluster: Cluster | None = None
    step: int = -1


def walk(view: View) -> Iterator[Visit]:
    """The nodes in drawing order: each cluster opened, its inner clusters, its own
    steps, closed; then the steps outside any cluster."""

    def cluster(c: Cluster, depth: int) -> Iterator[Visit]:
        yield Visit("open", depth, cluster=c)
        for child in c.children:
            yield from cluster(child, depth + 1)
        for i in c.members:
            yield Visit("node", depth + 1, step=i)
        yield Visit("close", depth, cluster=c)

    for c in view.clusters:
        yield from cluster(c, 0)
    for i in view.loose:
        yield Visit("node", 0, step=i)


def build_view(wf: Workflow, graph: Graph | None = None, est: Estimate | None = None) -> View:
    g = graph or build_graph(wf)
    e = est or estimate(wf, g)
    index = wf.step_index
    labels = []
    for step in wf.steps:
        model = step.model or (f"tool {step.tool}" if step.tool else step.kind)
        labels.append(f"{step.id}\n{model}" if not step.cascade else cascade_label(step))
    path = [index[s] for s in e.critical_path]
    critical = set(path)
    critical_edges = set(pairwise(path))
    edges: list[Edge] = []
    routed = {(step.index, index[r.step]) for step in wf.steps for r in step.routes}
    for step in wf.steps:
        v = step.index
        data = set(g.data_preds[v])
        needs = {index[n] for n in step.needs}
        for u in g.dep_preds[v]:
            if (u, v) in routed:
                continue  # drawn once, as the route with its share
            if u in data:
                edges.append(Edge(u, v, "data"))
            elif u in needs:
                edges.append(Edge(u, v, "needs"))
        for route in step.routes:
            edges.append(Edge(v, index[route.step], "route", f"{route.share:.0%}"))
    if wf.execution == "sequential":
        linked = {(x.src, x.dst) for x in edges}
        for prev, nxt in pairwise(g.groups):
            u, v = prev[0], nxt[0]
            ku, kv = g.branch[u], g.branch[v]
            if ku is not None and kv is not None and ku[0] == kv[0]:
                continue  # alternatives of one router: only one of them runs
            if not any((a, b) in linked for a in prev for b in nxt):
                edges.append(Edge(u, v, "order"))
    clusters, loose = _clusters(wf, g)
    return View(wf, labels, critical, critical_edges, edges, clusters, loose)


def cascade_label(step: Step) -> str:
    """A cascade step's node: its first tries and the model they escalate to, as
    ``estimate`` prints the chain, with the share of answers the check accepts at each
    try (``cascade cheap > strong``, ``60% accepted``)."""
    chain = " > ".join([*(s.model for s in step.cascade), str(step.model)])
    accepted = ", ".join(f"{s.accept:.0%}" for s in step.cascade)
    return f"{step.id}\ncascade {chain}\n{accepted} accepted"


def _clusters(wf: Workflow, g: Graph) -> tuple[list[Cluster], list[int]]:
    in_cluster: set[int] = set()
    loop_clusters: dict[int, Cluster] = {}
    for li, loop in enumerate(wf.loops):
        members = [wf.step_index[s] for s in loop.steps]
        bound = f"at most {loop.max_iterations}" if loop.max_iterations else "unbounded"
        loop_clusters[li] = Cluster(f"loop_{li}", f"loop {loop.id} ({bound})", members)
    top: list[Cluster] = []
    groups = g.groups if wf.execution == "sequential" else _labelled(wf)
    for gi, members in enumerate(groups):
        if len(members) < 2:
            continue
        label = wf.steps[members[0]].parallel or "parallel"
        cluster = Cluster(f"group_{gi}", f"parallel: {label}", list(members))
        loops = {g.loop_of[m] for m in members}
        if len(loops) == 1 and None not in loops:
            owner = loop_clusters[loops.pop()]  # type: ignore[index]
            owner.children.append(cluster)
            owner.members = [m for m in owner.members if m not in members]
        else:
            top.append(cluster)
        in_cluster.update(members)
    top.extend(loop_clusters.values())
    for c in loop_clusters.values():
        in_cluster.update(c.members)
    loose = [i for i in range(len(wf.steps)) if i not in in_cluster]
    return top, loose


def _labelled(wf: Workflow) -> list[list[int]]:
    """dag mode: steps sharing a ``parallel`` label, as the author grouped them."""
    groups: dict[str, list[int]] = {}
    for step in wf.steps:
        if step.parallel is not None:
            groups.setdefault(step.parallel, []).append(step.index)
    return list(groups.values())
