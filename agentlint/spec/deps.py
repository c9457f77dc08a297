"""Step dependencies: the lists, a stable topological order, and the cycle check.

A dependency cycle (or, in sequential mode, a reference to a later step) is an
error in the spec, reported at the reference that closes it; the loader runs
:func:`check_cycles` last. The graph layer builds on the same lists and order.
"""

from __future__ import annotations

import heapq

from agentlint.errors import SpecError
from agentlint.spec.model import Step, Workflow
from agentlint.spec.positions import YSeq
from agentlint.spec.textpos import locate_ref


def dep_lists(wf: Workflow) -> tuple[list[list[int]], list[list[int]]]:
    """Per step, by index: whose output it reads, and everything it must follow.

    The second list adds ``needs`` and the router of a route target to the first.
    """
    index = wf.step_index
    data: list[list[int]] = []
    deps: list[list[int]] = []
    for step in wf.steps:
        d: dict[int, None] = {}
        for ref in step.refs:
            if ref.kind == "steps":
                d.setdefault(index[ref.name], None)
        data.append(list(d))
        for name in step.needs:
            d.setdefault(index[name], None)
        deps.append(list(d))
    # A route target runs after its router has chosen it, whatever it reads.
    for step in wf.steps:
        for route in step.routes:
            target = deps[index[route.step]]
            if step.index not in target:
                target.append(step.index)
    return data, deps


def check_cycles(wf: Workflow, *, native: bool = True) -> None:
    """Raise SpecError naming the cycle (or the backwards reference) if there is one.

    ``native``: the spec is agentlint's own format, so a dependency that closes a
    cycle is answered with the construct the format has for rounds, ``loops:``.
    """
    _, deps = dep_lists(wf)
    if wf.execution == "sequential":
        for step, preds in zip(wf.steps, deps, strict=True):
            for p in preds:
                if p > step.index:
                    later = wf.steps[p].id
                    line, col = _ref_pos(wf, step, later)
                    if native and _depends_on(deps, p, step.index):
                        raise SpecError(wf.file, line, col, f"step '{step.id}' depends "
                                        f"on '{later}', which is listed after it and "
                                        f"depends on '{step.id}' in turn; "
                                        + _loop_hint(wf, step.index, p, step.id, later))
                    raise SpecError(wf.file, line, col, f"step '{step.id}' depends on "
                                    f"'{later}', which is listed after it; in sequential "
                                    f"mode list '{later}' first, or use execution: dag")
    order = topological_order(deps)
    if len(order) == len(wf.steps):
        return
    cycle = find_cycle(deps, set(range(len(wf.steps))) - set(order))
    names = " -> ".join(wf.steps[i].id for i in cycle)
    first = wf.steps[cycle[0]]
    closing = wf.steps[cycle[-2]].id
    line, col = _ref_pos(wf, first, closing)
    hint = "break one of these dependencies"
    if native:  # a cycle of steps is written as a loop
        hint = _loop_hint(wf, min(cycle), max(cycle), first.id, closing)
    raise SpecError(wf.file, line, col, f"dependency cycle: {names} (each feeds or must "
                    f"precede the next); {hint}")


def _depends_on(deps: list[list[int]], start: int, target: int) -> bool:
    """Does step ``start`` depend on step ``target``, directly or through others?"""
    seen = {start}
    todo = [start]
    while todo:
        for p in deps[todo.pop()]:
            if p == target:
                return True
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return False


def _loop_hint(wf: Workflow, lo: int, hi: int, reader: str, source: str) -> str:
    """How to write steps ``lo`` .. ``hi`` (listing order) that feed each other in rounds.

    A loop repeats a contiguous run of steps; what one round leaves for the next
    (a critique for the next draft) travels with the loop, not as a reference.
    No apostrophe and no long text between two quoted names: the message quotes
    names in single quotes, and a long quoted stretch is cut (errors.shorten).
    """
    drop = f"drop the dependency of '{reader}' on '{source}'"
    for loop in wf.loops:
        members = {wf.step_index[s] for s in loop.steps}
        if lo in members and hi in members:
            return (f"{drop}: loop '{loop.id}' already repeats these steps and hands the "
                    "output of one round to the next")
    first, last = wf.steps[lo].id, wf.steps[hi].id
    run = {0: first, 1: f"{first}, {last}"}.get(hi - lo, f"{first}, ..., {last}")
    return (f"{drop} and declare a loop over the steps (loops: [{{id: rounds, steps: "
            f"[{run}], max_iterations: 3, until: ...}}]): the loop hands the output of "
            "one round to the next")


def _ref_pos(wf: Workflow, step: Step, target: str) -> tuple[int, int]:
    for ref in step.refs:
        if ref.kind == "steps" and ref.name == target:
            return locate_ref(wf, step, ref)
    raw = step.raw
    needs = raw.get("needs") if raw is not None else None
    if isinstance(needs, YSeq):
        for i, name in enumerate(needs):
            if name == target:
                return needs.item_at(i)
    return step.at()


def successors(preds: list[list[int]]) -> list[list[int]]:
    """Per node, by index, the nodes that list it among their predecessors (in index order)."""
    succs: list[list[int]] = [[] for _ in preds]
    for v, ps in enumerate(preds):
        for u in ps:
            succs[u].append(v)
    return succs


def topological_order(preds: list[list[int]]) -> list[int]:
    """Kahn's algorithm, ties broken by listing order, so output is stable."""
    n = len(preds)
    indeg = [len(p) for p in preds]
    succs = successors(preds)
    heap = [v for v in range(n) if indeg[v] == 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        u = heapq.heappop(heap)
        order.append(u)
        for v in succs[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                heapq.heappush(heap, v)
    return order


def find_cycle(preds: list[list[int]], remaining: set[int]) -> list[int]:
    """A cycle among ``remaining`` nodes, in dependency order, first node repeated."""
    start = min(remaining)
    # Every remaining node has a remaining predecessor: walk backwards until a repeat.
    seen: dict[int, int] = {}
    path: list[int] = []
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = next(p for p in preds[node] if p in remaining)
    cycle = path[seen[node]:]
    cycle.reverse()  # walked against the edges; present as "a needs ... needs a"
    cycle = [cycle[-1], *cycle[:-1]] if len(cycle) > 1 else cycle
    start_at = cycle.index(min(cycle))
    cycle = cycle[start_at:] + cycle[:start_at]
    return [*cycle, cycle[0]]
