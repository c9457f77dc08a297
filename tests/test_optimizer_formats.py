"""optimize reads promptflow, CrewAI, Dify and ADK files directly (plans on the native spec)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES, run_process

FORMATS = FIXTURES / "formats"
TRAVELMATE = FORMATS / "crewai/ed-donner__agents/3_crewai/community_contributions/" \
    "travelmate/src/travelmate/config/tasks.yaml"
SOURCES = [
    FORMATS / "promptflow/microsoft__promptflow/examples/flows/evaluation/"
    "eval-single-turn-metrics/flow.dag.yaml",
    TRAVELMATE,
    FORMATS / "dify/svcvit__Awesome-Dify-Workflow/DSL/translation_workflow.yml",
    FORMATS / "adk/zhangp365__adk-python/contributing/samples/multi_agent_loop_config/"
    "root_agent.yaml",
]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_optimize_other_formats(cli, path) -> None:
    result = cli("optimize", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "optimal"
    assert {"before", "after", "plan", "changes", "objective"} <= set(data)


def test_latency_objective_groups_independent_crewai_tasks(cli) -> None:
    data = json.loads(cli("optimize", str(TRAVELMATE), "--objective", "latency",
                          "--format", "json").output)
    assert data["after"]["latency_s"] < data["before"]["latency_s"]
    groups = {p["group"] for p in data["plan"].values() if p["group"]}
    assert groups


def test_write_refused_on_other_formats(tmp_path) -> None:
    proc = run_process("optimize", str(TRAVELMATE), "--write")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "agentlint convert" in proc.stderr
