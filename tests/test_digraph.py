"""The graph walks the foreign-format readers share (agentlint/spec/digraph.py)."""

from __future__ import annotations

import random

from agentlint.spec.digraph import condensation, depth_first, strongly_connected


def _reach(succ: dict[int, list[int]], nodes: list[int]) -> dict[int, set[int]]:
    out = {}
    for v in nodes:
        seen, todo = {v}, [v]
        while todo:
            for w in succ.get(todo.pop(), []):
                if w in nodes and w not in seen:
                    seen.add(w)
                    todo.append(w)
        out[v] = seen
    return out


def test_components_match_mutual_reachability_on_random_graphs() -> None:
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 9)
        nodes = rng.sample(range(20), n)
        succ = {v: [rng.choice(range(20)) for _ in range(rng.randint(0, 3))] for v in nodes}
        reach = _reach(succ, nodes)
        comps = strongly_connected(nodes, succ)
        assert sorted(v for c in comps for v in c) == sorted(nodes)
        for c in comps:
            assert c == sorted(c, key=nodes.index)  # members in the order given
            assert all(w in reach[v] and v in reach[w] for v in c for w in c)
        comp_of = {v: k for k, c in enumerate(comps) for v in c}
        for v in nodes:
            for w in reach[v]:
                # each component after every component it reaches
                assert comp_of[w] <= comp_of[v]
                if v in reach[w]:
                    assert comp_of[w] == comp_of[v]
        order = condensation(nodes, succ)
        assert sorted(map(sorted, order)) == sorted(map(sorted, comps))
        pos = {v: k for k, c in enumerate(order) for v in c}
        assert all(pos[w] >= pos[v] for v in nodes for w in succ[v] if w in pos)


def test_condensation_breaks_ties_by_the_order_given() -> None:
    # c -> a, and b stands alone: c's component must come before a's; b (listed
    # second) comes as early as the edges allow
    assert condensation(["a", "b", "c"], {"c": ["a"]}) == [["b"], ["c"], ["a"]]
    assert condensation(["x", "y", "z"], {"x": ["y"], "y": ["x"]}) == [["x", "y"], ["z"]]


def test_depth_first_post_order_and_back_edges() -> None:
    succ = {"a": ["b", "c"], "b": ["c"], "c": ["a", "d"], "d": []}
    post, back = depth_first(["a"], succ)
    assert post == ["d", "c", "b", "a"]
    assert back == {("c", "a")}
    # a start already reached begins no second walk; an unknown node has no successors
    post, back = depth_first(["d", "a", "b", "zz"], succ)
    assert post == ["d", "c", "b", "a", "zz"]
    assert back == {("c", "a")}


def test_a_deep_chain_is_walked_without_recursion() -> None:
    n = 50_000
    succ = {i: [i + 1] for i in range(n)}
    succ[n] = [0]
    nodes = list(range(n + 1))
    assert strongly_connected(nodes, succ) == [nodes]
    post, back = depth_first([0], succ)
    assert len(post) == n + 1 and back == {(n, 0)}
