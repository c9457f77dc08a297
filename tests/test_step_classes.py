"""Step classes set a default tier floor; ``min_tier`` and ``class`` in the profile too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentlint.convert import as_native
from agentlint.optimizer.run import optimize
from agentlint.sources import load_any
from agentlint.spec.load import load_workflow
from agentlint.spec.model import CLASS_TIERS
from agentlint.spec.schema import SCHEMAS, load_schema
from tests.conftest import ROOT, exit_2_one_line, run_process

SPEC = """\
agentlint: 1
name: classes
models:
  nano: {per_call_usd: 0.0001, per_call_s: 0.5, p_ok: 0.99, tier: 1}
  mini: {per_call_usd: 0.001, per_call_s: 0.8, p_ok: 0.99, tier: 2}
  mid: {per_call_usd: 0.005, per_call_s: 1.5, p_ok: 0.99, tier: 3}
  top: {per_call_usd: 0.02, per_call_s: 3.0, p_ok: 0.99, tier: 4}
steps:
  - id: label
    model: top
    class: classification
    prompt: Label it.
  - id: facts
    model: top
    class: extraction
    prompt: "Facts of {{ steps.label.output }}"
  - id: reply
    model: top
    class: generation
    prompt: "Reply with {{ steps.facts.output }}"
  - id: review
    model: top
    class: judgement
    min_tier: 4
    prompt: "Review {{ steps.reply.output }}"
  - id: plan
    model: top
    class: planning
    prompt: "Plan after {{ steps.review.output }}"
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / "flow.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_class_of_the_schema_has_a_floor() -> None:
    for name in ("workflow", "profile"):
        schema = load_schema(SCHEMAS[name])
        step = schema["$defs"]["step"]["properties"]
        assert set(step["class"]["enum"]) == set(CLASS_TIERS), name


def test_the_classes_table_in_the_docs_is_the_code() -> None:
    text = (ROOT / "docs" / "optimizer.md").read_text(encoding="utf-8")
    for name, tier in CLASS_TIERS.items():
        assert f"| `{name}` | {tier} |" in text, name


def test_the_optimizer_honours_class_floors(tmp_path: Path) -> None:
    path = _write(tmp_path, SPEC)
    wf = load_workflow(str(path))
    assert [s.tier_floor for s in wf.steps] == [1, 2, 3, 4, 4]  # min_tier beats the class
    result = optimize(wf, path=str(path), objective="cost", time_limit=30)
    assert result.status == "optimal"
    models = {k: v["model"] for k, v in result.to_json()["plan"].items()}
    # each step goes to the cheapest model its class allows, and no lower
    assert models == {"label": "nano", "facts": "mini", "reply": "mid", "review": "top",
                      "plan": "top"}
    # a step with a floor has no opportunities: its model is a decision
    assert result.to_json()["opportunities"] == []


def test_a_class_is_not_a_floor_for_listed_candidates(tmp_path: Path) -> None:
    text = SPEC.replace("    class: generation\n",
                        "    class: generation\n    candidates: [nano]\n")
    path = _write(tmp_path, text)
    result = optimize(load_workflow(str(path)), path=str(path), objective="cost",
                      time_limit=30)
    assert result.to_json()["plan"]["reply"]["model"] == "nano"


def test_without_a_class_or_floor_the_model_stays(tmp_path: Path) -> None:
    text = SPEC.replace("    class: classification\n", "")
    path = _write(tmp_path, text)
    result = optimize(load_workflow(str(path)), path=str(path), objective="cost",
                      time_limit=30)
    data = result.to_json()
    assert data["plan"]["label"]["model"] == "top"
    assert [o["step"] for o in data["opportunities"]] == ["label"]


# -- the profile -------------------------------------------------------------------------

FLOW = """\
inputs:
  question: {type: string}
nodes:
- name: classify
  type: llm
  source: {type: code, path: classify.jinja2}
  inputs:
    deployment_name: my-gpt-deployment
    question: ${inputs.question}
  connection: aoai
  api: chat
- name: answer
  type: llm
  source: {type: code, path: answer.jinja2}
  inputs:
    deployment_name: my-gpt-deployment
    question: ${inputs.question}
    label: ${classify.output}
  connection: aoai
  api: chat
"""

PROFILE = """\
models: {my-gpt-deployment: gpt-4.1}
candidates: [gpt-4.1-nano, gpt-4.1-mini]
steps:
  classify: {class: classification}
  answer: {min_tier: 3, may_cascade: {accept: 0.6, check_usd: 0.0001}}
"""


@pytest.fixture
def flow_dir(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "flow"
    folder.mkdir()
    (folder / "flow.dag.yaml").write_text(FLOW, encoding="utf-8")
    (folder / "classify.jinja2").write_text("system:\nClassify the question.\nuser:\n"
                                            "{{question}}\n", encoding="utf-8")
    (folder / "answer.jinja2").write_text("system:\nAnswer briefly.\nuser:\n{{question}}\n"
                                          "{{label}}\n", encoding="utf-8")
    (folder / "agentlint.profile.yaml").write_text(PROFILE, encoding="utf-8")
    return folder


def test_profile_states_floors_and_cascades(flow_dir: Path) -> None:
    wf = load_any(str(flow_dir / "flow.dag.yaml"))
    assert wf is not None
    classify, answer = wf.step("classify"), wf.step("answer")
    assert classify.step_class == "classification" and classify.tier_floor == 1
    assert answer.min_tier == 3 and answer.may_cascade is not None
    assert answer.may_cascade.accept == 0.6 and answer.may_cascade.check_usd == 0.0001
    # a step with its own floor chooses among the workflow's models by tier, not from
    # the profile-wide candidates
    assert classify.candidates is None and answer.candidates is None
    native = as_native(wf)
    assert "  class: classification\n" in native.text and "  min_tier: 3\n" in native.text


def test_optimize_routes_an_adapted_flow_within_the_profile_floors(flow_dir: Path) -> None:
    proc = run_process("optimize", "flow/flow.dag.yaml", "--objective", "cost",
                       "--format", "json", cwd=flow_dir.parent)
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)["plan"]
    assert plan["classify"]["model"] == "gpt-4.1-nano"  # tier 1 is allowed
    # tier 3 keeps gpt-4.1 as the last stage; the cheapest first try goes in front
    assert plan["answer"]["model"] == "my-gpt-deployment"
    assert plan["answer"]["cascade"][0]["model"] == "gpt-4.1-nano"
    assert plan["answer"]["cascade"][0]["accept"] == 0.6


@pytest.mark.parametrize(("body", "words"), [
    ("steps:\n  classify: {class: poetry}\n", "poetry"),
    ("steps:\n  classify: {min_tier: 0}\n", "min_tier: 0 is out of range"),
    ("steps:\n  classify: {may_cascade: {accept: 2}}\n", "accept: 2 is out of range"),
])
def test_bad_profile_floors_exit_2_in_the_profile(flow_dir: Path, body: str,
                                                  words: str) -> None:
    (flow_dir / "agentlint.profile.yaml").write_text(body, encoding="utf-8")
    proc = run_process("estimate", "flow/flow.dag.yaml", cwd=flow_dir.parent)
    line = exit_2_one_line(proc)
    assert line.startswith("flow/agentlint.profile.yaml:2:"), line
    assert words in line


def test_profile_class_on_a_crewai_task(tmp_path: Path) -> None:
    """A real crew (tests/fixtures/SOURCES.md): the profile-wide candidates route every
    task; a task with a class stays at its floor or above."""
    import shutil

    from tests.conftest import FIXTURES

    crew = FIXTURES / "formats/crewai/ed-donner__agents/3_crewai/community_contributions/" \
        "travelmate/src/travelmate/config"
    (tmp_path / ".git").mkdir()
    shutil.copytree(crew, tmp_path / "cfg")
    (tmp_path / "cfg" / "agentlint.profile.yaml").write_text(
        "candidates: [gpt-4.1-nano, gpt-4o]\n"
        "steps:\n  budget_plan_task: {class: summarization}\n", encoding="utf-8")
    proc = run_process("optimize", "cfg/tasks.yaml", "--objective", "cost", "--format",
                       "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)["plan"]
    assert plan["travel_guide_task"]["model"] == "gpt-4.1-nano"  # tier 1: no floor
    assert plan["budget_plan_task"]["model"] == "openai/gpt-4o-mini"  # tier 2, the floor
