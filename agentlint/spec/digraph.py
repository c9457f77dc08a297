"""Walks of a directed graph given as successor lists: the depth-first order with the
edges that close a cycle, the strongly connected components, and the components in
an order where every edge between two of them goes forward.

The readers of foreign formats order a source's nodes (agents, methods, graph
nodes) into steps and find its loops with these; none of them recurses, so a
source deep or wide enough to exhaust the interpreter's stack is read all the same.
The nodes are any hashable values; ``succ`` maps a node to its successors in the
order the source lists them (a node absent from it has none), and that order
decides every tie.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from agentlint.spec.deps import topological_order

N = TypeVar("N", bound=Hashable)


def depth_first(starts: Iterable[N], succ: Mapping[N, Sequence[N]]
                ) -> tuple[list[N], set[tuple[N, N]]]:
    """The nodes reached from ``starts`` (each start not yet reached begins a walk), in
    post-order, and the back edges ``(node, successor)``: those that reach a node still
    on the walk's path, so that the graph is acyclic without them."""
    state: dict[N, int] = {}  # 1 on the path, 2 done
    post: list[N] = []
    back: set[tuple[N, N]] = set()
    for start in starts:
        if start in state:
            continue
        state[start] = 1
        stack: list[tuple[N, int]] = [(start, 0)]
        while stack:
            node, i = stack.pop()
            edges = succ.get(node, ())
            if i < len(edges):
                stack.append((node, i + 1))
                nxt = edges[i]
                if state.get(nxt) == 1:
                    back.add((node, nxt))
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                post.append(node)
    return post, back


def strongly_connected(nodes: Sequence[N], succ: Mapping[N, Sequence[N]]) -> list[list[N]]:
    """The strongly connected components of the graph on ``nodes`` (edges to other nodes
    are left out), by Tarjan's algorithm without recursion: each component after every
    component it reaches, its members in the order of ``nodes``."""
    rank = {v: k for k, v in enumerate(nodes)}
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    on: set[N] = set()
    stack: list[N] = []
    out: list[list[N]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[N, int]] = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on.add(v)
            edges = [w for w in succ.get(v, ()) if w in rank]
            if i < len(edges):
                work.append((v, i + 1))
                w = edges[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                comp: list[N] = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp, key=rank.__getitem__))
    return out


def condensation(nodes: Sequence[N], succ: Mapping[N, Sequence[N]]) -> list[list[N]]:
    """The strongly connected components of the graph on ``nodes`` in an order where
    every edge between two of them goes forward; of two that may come next, the one
    whose first member comes first in ``nodes``. Members are in the order of ``nodes``."""
    rank = {v: k for k, v in enumerate(nodes)}
    comps = sorted(strongly_connected(nodes, succ), key=lambda c: rank[c[0]])
    comp_of = {v: k for k, c in enumerate(comps) for v in c}
    preds: list[set[int]] = [set() for _ in comps]
    for k, comp in enumerate(comps):
        for v in comp:
            for w in succ.get(v, ()):
                j = comp_of.get(w, k)
                if j != k:
                    preds[j].add(k)
    return [comps[k] for k in topological_order([sorted(p) for p in preds])]
