"""The dependency graph of a workflow, in index-based adjacency lists.

Built by hand rather than with networkx: every command that runs on a commit
needs it, networkx costs ~200 ms to import, and the graph here is only
topological order, reachability and longest paths, all linear.

Three relations are kept apart because rules ask different questions:
- ``data_preds``: whose output a step reads (prompt references, ``context``);
- ``dep_preds``: data plus ``needs`` plus router -> route target, the order
  the author asked for;
- the execution DAG (``exec_preds``), which adds the order the execution mode
  imposes (sequential groups, through one barrier node per group boundary so
  the edge count stays linear).
"""

from __future__ import annotations

from agentlint.record import Record
from agentlint.spec.deps import dep_lists, successors, topological_order
from agentlint.spec.model import Step, Workflow

BranchKey = tuple[int, int]  # (router index, route index)


class Graph(Record):
    """The workflow as indexed lists: dependencies, order, branches, loops, groups."""

    __slots__ = ("branch", "branch_parent", "data_preds", "dep_preds", "dep_succs", "group_of",
                 "groups", "iterations", "loop_of", "topo", "weight", "wf")
    __match_args__ = ("wf", "data_preds", "dep_preds", "dep_succs", "topo", "weight", "branch",
                      "branch_parent", "iterations", "groups", "group_of", "loop_of")

    wf: Workflow
    data_preds: list[list[int]]
    dep_preds: list[list[int]]
    dep_succs: list[list[int]]
    topo: list[int]
    #: probability that a step runs in one run (routers split it)
    weight: list[float]
    branch: list[BranchKey | None]
    #: branch key -> the branch it is nested in (None at top level)
    branch_parent: dict[BranchKey, BranchKey | None]
    #: (expected, worst-case) iterations of the loop a step is in
    iterations: list[tuple[float, float]]
    groups: list[list[int]]
    #: the index in ``groups`` of each step's group
    group_of: list[int]
    loop_of: list[int | None]

    def __init__(self, wf: Workflow, data_preds: list[list[int]], dep_preds: list[list[int]],
                 dep_succs: list[list[int]], topo: list[int], weight: list[float] | None = None,
                 branch: list[BranchKey | None] | None = None,
                 branch_parent: dict[BranchKey, BranchKey | None] | None = None,
                 iterations: list[tuple[float, float]] | None = None,
                 groups: list[list[int]] | None = None, group_of: list[int] | None = None,
                 loop_of: list[int | None] | None = None) -> None:
        self.wf = wf
        self.data_preds = data_preds
        self.dep_preds = dep_preds
        self.dep_succs = dep_succs
        self.topo = topo
        self.weight = [] if weight is None else weight
        self.branch = [] if branch is None else branch
        self.branch_parent = {} if branch_parent is None else branch_parent
        self.iterations = [] if iterations is None else iterations
        self.groups = [] if groups is None else groups
        self.group_of = [] if group_of is None else group_of
        self.loop_of = [] if loop_of is None else loop_of

    @property
    def n(self) -> int:
        return len(self.wf.steps)

    def step(self, index: int) -> Step:
        return self.wf.steps[index]

    def chain(self, key: BranchKey | None) -> list[BranchKey]:
        """``key`` and the branches it is nested in, innermost first."""
        chain: list[BranchKey] = []
        while key is not None:
            chain.append(key)
            key = self.branch_parent.get(key)
        return chain


def build_graph(wf: Workflow) -> Graph:
    data, deps = dep_lists(wf)
    n = len(wf.steps)
    succs = successors(deps)
    topo = list(range(n)) if wf.execution == "sequential" else topological_order(deps)
    g = Graph(wf, data, deps, succs, topo)
    _groups(g)
    _branches(g)
    _loops(g)
    return g


def _groups(g: Graph) -> None:
    """Sequential mode: consecutive steps with the same ``parallel`` label."""
    groups: list[list[int]] = []
    group_of: list[int] = []
    last_label: str | None = None
    for step in g.wf.steps:
        if step.parallel is not None and step.parallel == last_label and groups:
            groups[-1].append(step.index)
        else:
            groups.append([step.index])
        group_of.append(len(groups) - 1)
        last_label = step.parallel
    g.groups = groups
    g.group_of = group_of


def _branches(g: Graph) -> None:
    wf = g.wf
    n = g.n
    target_of: dict[int, BranchKey] = {}
    share: dict[BranchKey, float] = {}
    for step in wf.steps:
        for i, route in enumerate(step.routes):
            t = wf.step_index[route.step]
            target_of.setdefault(t, (step.index, i))
            share[(step.index, i)] = route.share
    weight = [1.0] * n
    branch: list[BranchKey | None] = [None] * n
    parent: dict[BranchKey, BranchKey | None] = {}
    for v in g.topo:
        if v in target_of:
            key = target_of[v]
            router = key[0]
            parent[key] = branch[router]
            branch[v] = key
            weight[v] = weight[router] * share[key]
            continue
        preds = g.dep_preds[v]
        if not preds:
            continue
        common = _common_branch([branch[p] for p in preds], parent)
        if common is not None:
            branch[v] = common
            weight[v] = _branch_weight(common, weight, share)
    g.weight = weight
    g.branch = branch
    g.branch_parent = parent


def _branch_weight(key: BranchKey, weight: list[float], share: dict[BranchKey, float]) -> float:
    return weight[key[0]] * share[key]


def _common_branch(keys: list[BranchKey | None], parent: dict[BranchKey, BranchKey | None]
                   ) -> BranchKey | None:
    """The branch a step with these dependencies runs on (None: the main line).

    A step that reads a branch step runs only when that branch ran, even if it
    also reads the main line or an enclosing branch: it belongs to the deepest
    branch among its dependencies when all the others enclose it. A step that
    joins sibling branches runs on the innermost branch containing them all.
    """
    chains: dict[BranchKey, list[BranchKey]] = {}
    for key in keys:
        if key is None or key in chains:
            continue
        chain: list[BranchKey] = []
        k: BranchKey | None = key
        while k is not None:
            chain.append(k)
            k = parent.get(k)
        chains[key] = chain
    if not chains:
        return None
    deepest = max(chains, key=lambda k: len(chains[k]))
    enclosing = set(chains[deepest])
    if all(k in enclosing for k in chains):
        return deepest
    others = [set(c) for c in chains.values()]
    for k in chains[deepest]:  # innermost first
        if all(k in o for o in others):
            return k
    return None


def _loops(g: Graph) -> None:
    its = [(1.0, 1.0)] * g.n
    loop_of: list[int | None] = [None] * g.n
    for li, loop in enumerate(g.wf.loops):
        bound = float(loop.max_iterations) if loop.max_iterations is not None \
            else loop.expected_iterations
        for name in loop.steps:
            i = g.wf.step_index[name]
            its[i] = (loop.expected_iterations, bound)
            loop_of[i] = li
    g.iterations = its
    g.loop_of = loop_of


def exec_preds(g: Graph, *, expected: bool) -> list[list[int]]:
    """Predecessors in the execution DAG; nodes >= n are group barriers.

    ``expected=True`` places the alternatives of a router one after another so
    the longest path adds their share-weighted times (the expectation);
    ``expected=False`` lets them stand side by side so it takes the slowest.
    """
    wf = g.wf
    n = g.n
    preds: list[list[int]] = [list(p) for p in g.dep_preds]
    if wf.execution == "sequential":
        groups = g.groups if expected else _merge_alternatives(g)
        for gi in range(1, len(groups)):
            barrier = len(preds)
            preds.append(list(groups[gi - 1]))
            for v in groups[gi]:
                preds[v].append(barrier)
        return preds
    if expected:
        position = {v: i for i, v in enumerate(g.topo)}
        members: dict[BranchKey, list[int]] = {}
        for v in range(n):
            k = g.branch[v]
            while k is not None:
                members.setdefault(k, []).append(v)
                k = g.branch_parent.get(k)
        for step in wf.steps:
            targets = [wf.step_index[r.step] for r in step.routes]
            for i in range(1, len(targets)):
                nxt = targets[i]
                for u in members.get((step.index, i - 1), ()):
                    if position[u] < position[nxt]:
                        preds[nxt].append(u)
    return preds


def _merge_alternatives(g: Graph) -> list[list[int]]:
    """Sequential groups with consecutive alternatives of one router merged."""
    merged: list[list[int]] = []
    # the router whose alternatives the last merged group holds (None: not such a
    # group), and their branch keys: kept as the group grows, not recomputed per step
    router: int | None = None
    keys: set[BranchKey] = set()
    for group in g.groups:
        key = g.branch[group[0]] if len(group) == 1 else None
        if merged and key is not None and key[0] == router and key not in keys:
            merged[-1].append(group[0])
            keys.add(key)
            continue
        merged.append(list(group))
        found = [g.branch[u] for u in group]
        routers = {k[0] if k is not None else None for k in found}
        router = routers.pop() if len(routers) == 1 else None
        keys = {k for k in found if k is not None}
    return merged


def longest_path(preds: list[list[int]], duration: list[float], n_steps: int
                 ) -> tuple[float, list[int]]:
    """Length of the longest path and the steps on it (barriers have no duration).

    Node ids are topologically ordered by construction except in dag mode,
    so an explicit order is computed.
    """
    total = len(preds)
    order = topological_order(preds)
    finish = [0.0] * total
    via = [-1] * total
    for v in order:
        best = 0.0
        arg = -1
        for u in preds[v]:
            if arg < 0 or finish[u] > best:
                best = finish[u]
                arg = u
        finish[v] = best + (duration[v] if v < n_steps else 0.0)
        via[v] = arg
    if not order:
        return 0.0, []
    end = max(range(total), key=lambda v: (finish[v], -v))
    path: list[int] = []
    v = end
    while v >= 0:
        if v < n_steps:
            path.append(v)
        v = via[v]
    path.reverse()
    return finish[end], path
