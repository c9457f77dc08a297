"""`agentlint graph`: every step a node, every dependency an edge, the critical path marked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentlint.graph.build import build_graph
from agentlint.graph.estimate import estimate
from agentlint.spec.load import load_workflow
from tests.conftest import EXAMPLES

FILES = sorted(EXAMPLES.glob("*.yaml"))


def _expected_edges(wf) -> set[tuple[int, int]]:
    g = build_graph(wf)
    return {(u, v) for v in range(len(wf.steps)) for u in g.dep_preds[v]}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_mermaid_structure(cli, path: Path) -> None:
    wf = load_workflow(str(path))
    out = cli("graph", str(path)).output
    assert out.startswith("flowchart TD")
    nodes = dict(re.findall(r'^\s+n(\d+)\["([^"]*)"\]', out, re.M))
    assert {int(k) for k in nodes} == set(range(len(wf.steps)))
    for i, step in enumerate(wf.steps):
        assert nodes[str(i)].split("<br/>")[0] == step.id
    drawn = {(int(a), int(b)) for a, b in re.findall(r"^\s+n(\d+) \S+ n(\d+)$", out, re.M)}
    assert _expected_edges(wf) <= drawn
    crit = re.search(r"^\s+class ([n\d,]+) critical$", out, re.M)
    assert crit is not None
    marked = {int(x[1:]) for x in crit.group(1).split(",")}
    path_ids = estimate(wf).critical_path
    assert marked == {wf.step_index[s] for s in path_ids}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_dot_structure(cli, path: Path) -> None:
    wf = load_workflow(str(path))
    out = cli("graph", str(path), "--format", "dot").output
    assert out.startswith("digraph ")
    nodes = set(re.findall(r"^\s+n(\d+) \[label=", out, re.M))
    assert {int(n) for n in nodes} == set(range(len(wf.steps)))
    drawn = {(int(a), int(b)) for a, b in re.findall(r"^\s+n(\d+) -> n(\d+)", out, re.M)}
    assert _expected_edges(wf) <= drawn
    critical = {int(n) for n in re.findall(r'^\s+n(\d+) \[label=.*color="#d33"', out, re.M)}
    assert critical == {wf.step_index[s] for s in estimate(wf).critical_path}


def test_groups_and_loops_are_clusters(cli) -> None:
    out = cli("graph", str(EXAMPLES / "debate.yaml")).output
    assert re.search(r'subgraph loop_0\["loop rounds', out)
    assert re.search(r'subgraph group_\d+\["parallel: ', out)
