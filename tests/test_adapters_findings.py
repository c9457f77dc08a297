"""The known anti-patterns of real workflows in other formats are found by lint."""

from __future__ import annotations

import json

from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


def findings(cli, path) -> list[dict]:
    result = cli("lint", "--format", "json", str(path))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def test_parallel_evaluators_rereading_the_same_inputs(cli) -> None:
    flow = FORMATS / "promptflow/microsoft__promptflow/examples/flows/evaluation/" \
        "eval-single-turn-metrics/flow.dag.yaml"
    hits = [f for f in findings(cli, flow) if f["rule"] == "repeated-context"]
    assert len(hits) == 1
    assert hits[0]["message"].startswith("8 steps (`grounding`, `answer_quality`")
    assert "`answer`, `context`, `ground_truth`, `question`" in hits[0]["message"]


def test_router_fed_a_rewritten_query(cli) -> None:
    flow = FORMATS / "dify/svcvit__Awesome-Dify-Workflow/DSL/根据用户的意图进行回复.yml"
    hits = [f for f in findings(cli, flow) if f["rule"] == "router-context-transformation"]
    assert [(h["line"], h["column"]) for h in hits] == [(274, 9)]
    assert "{{ inputs.query }}" in hits[0]["message"]


def test_independent_crewai_tasks_run_in_sequence(cli) -> None:
    tasks = FORMATS / "crewai/ed-donner__agents/3_crewai/community_contributions/travelmate/" \
        "src/travelmate/config/tasks.yaml"
    hits = [f for f in findings(cli, tasks) if f["rule"] == "serial-but-independent"]
    assert {h["message"].split("`")[1] for h in hits} == {
        "activity_plan_task", "food_plan_task", "budget_plan_task"}


def test_crewai_tasks_without_context_get_everything(cli) -> None:
    tasks = FORMATS / "crewai/ed-donner__agents/3_crewai/reference/debate/src/debate/config/" \
        "tasks.yaml"
    hits = [f for f in findings(cli, tasks) if f["rule"] == "implicit-context"]
    # decide asks for the arguments of the debaters: it needs all it gets
    assert {h["message"].split("`")[1] for h in hits} == {"oppose"}


def test_every_fixture_lints_without_error(cli) -> None:
    result = cli("lint", "--format", "json", str(FORMATS))
    assert result.exit_code in (0, 1), result.output
    files = {f["file"] for f in json.loads(result.output)}
    assert any("promptflow" in f for f in files) and any("dify" in f for f in files)
