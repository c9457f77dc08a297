"""Slack in ``sequential`` mode, timed group by group, against a plain longest-path oracle
on generated workflows with routers (nested too), parallel groups and dependencies inside
a group."""

from __future__ import annotations

import math
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from agentlint.graph.build import Graph, build_graph, exec_preds
from agentlint.graph.estimate import _slowest_routes, estimate, slack, when_run
from agentlint.spec.deps import topological_order
from agentlint.spec.load import build
from agentlint.spec.model import Workflow
from agentlint.spec.yamlload import load_text


@st.composite
def specs(draw: Any) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    count = [0]

    def step(reads: list[str], **extra: Any) -> str:
        sid = f"s{count[0]}"
        count[0] += 1
        prompt = " ".join(["Go."] + ["{{ steps." + r + ".output }}" for r in reads])
        steps.append({"id": sid, "model": "m", "prompt": prompt,
                      "output_tokens": draw(st.sampled_from([20, 100, 300, 900])), **extra})
        return sid

    def block(last: str | None, depth: int) -> str:
        reads = [last] if last else []
        kind = draw(st.sampled_from(["plain", "pair", "router"] if depth < 2
                                    else ["plain", "pair"]))
        if kind == "plain":
            return step(reads)
        if kind == "pair":
            label = f"p{count[0]}"
            a = step(reads, parallel=label)
            inner = draw(st.booleans())  # a dependency inside the group (AL004's case)
            b = step([a] if inner else reads, parallel=label)
            return step([a, b])
        router = step(reads)
        routes = draw(st.integers(2, 3))
        steps[-1]["kind"] = "router"
        ends = []
        targets = []
        for _ in range(routes):
            first = step([router])
            targets.append(first)
            end = first
            for _ in range(draw(st.integers(0, 2))):
                end = block(end, depth + 1)
            ends.append(end)
        steps[[s["id"] for s in steps].index(router)]["routes"] = targets
        return step(ends)

    last: str | None = None
    for _ in range(draw(st.integers(1, 4))):
        last = block(last, 0)
    return {"agentlint": 1, "name": "gen", "execution": "sequential",
            "models": {"m": {"input_per_mtok": 1, "output_per_mtok": 4, "ttft_s": 0.3,
                             "tokens_per_s": 100, "p_ok": 0.99}},
            "steps": steps}


def _load(spec: dict[str, Any]) -> Workflow:
    text = yaml.safe_dump(spec, sort_keys=False, width=10**6)
    return build(load_text(text, "gen.yaml"), "gen.yaml", text, ".", ".")


def oracle(g: Graph, time: list[float]) -> tuple[float, list[float]]:
    """The longest path through each step on the whole execution DAG, with the steps off
    the routes of the run timed at 0: the run with the slowest routes for the length, the
    run that takes a step's route (each router on its way sent down it) for the step."""
    full = when_run(g, time)
    preds = exec_preds(g, expected=False)
    order = topological_order(preds)
    taken = _slowest_routes(g, full)

    def longest_through(forced: dict[int, Any], v: int | None) -> float:
        dur = [full[u] if all(forced.get(k[0]) == k for k in g.chain(g.branch[u])) else 0.0
               for u in range(g.n)] + [0.0] * (len(preds) - g.n)
        if v is not None:
            dur[v] = full[v]
        finish = [0.0] * len(preds)
        for u in order:
            finish[u] = max((finish[p] for p in preds[u]), default=0.0) + dur[u]
        if v is None:
            return max(finish, default=0.0)
        succs: list[list[int]] = [[] for _ in preds]
        for u, ps in enumerate(preds):
            for p in ps:
                succs[p].append(u)
        tail = [0.0] * len(preds)
        for u in reversed(order):
            tail[u] = max((dur[w] + tail[w] for w in succs[u]), default=0.0)
        return finish[v] + tail[v]

    length = longest_through(taken, None)
    slacks = []
    for v in range(g.n):
        forced = dict(taken)
        for k in g.chain(g.branch[v]):
            forced[k[0]] = k
        slacks.append(max(0.0, length - longest_through(forced, v)))
    return length, slacks


@settings(max_examples=60, deadline=None)
@given(specs())
def test_sequential_slack_matches_the_oracle(spec: dict[str, Any]) -> None:
    wf = _load(spec)
    g = build_graph(wf)
    est = estimate(wf, g)
    time = [r.latency_s for r in est.steps]
    length, _, slacks = slack(g, time)
    want_length, want = oracle(g, time)
    assert math.isclose(length, want_length, rel_tol=1e-9)
    for v, (got, expected) in enumerate(zip(slacks, want, strict=True)):
        assert math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-6), wf.steps[v].id
    for sid in est.critical_path:
        assert slacks[wf.step_index[sid]] == 0.0
