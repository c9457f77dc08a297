"""promptflow read as its executor runs a flow: ``activate`` and ``aggregation``.

``activate: {when: ${X.output}, is: v}`` makes the executor read X's output
before it decides to run the node: a dependency on X like an input reference,
never a needless wait. An ``aggregation: true`` node runs once per batch of
lines, after all of them, so one line bears a share of it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentlint.graph.build import build_graph
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, run_process

#: moderate (llm) -> is_safe (python) -> answer (llm, activate) -> log_scores (aggregation)
GATED = FIXTURES / "runtime" / "promptflow" / "gated_batch"
FLOWS = FIXTURES / "formats" / "promptflow" / "microsoft__promptflow" / "examples" / "flows"
SWITCH = FLOWS / "standard" / "conditional-flow-for-switch" / "flow.dag.yaml"
EVAL = FLOWS / "evaluation" / "eval-single-turn-metrics" / "flow.dag.yaml"


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "promptflow"
    return wf


def _copy(tmp_path: Path, profile: str | None = None) -> Path:
    (tmp_path / ".git").mkdir()
    shutil.copytree(GATED, tmp_path / "flow")
    if profile is not None:
        (tmp_path / "flow" / "agentlint.profile.yaml").write_text(profile, encoding="utf-8")
    return tmp_path / "flow" / "flow.dag.yaml"


def test_activate_reads_its_gate() -> None:
    wf = _load(GATED / "flow.dag.yaml")
    answer = wf.step("answer")
    assert answer.step_refs() == ["is_safe"] and answer.needs == []
    assert answer.input_refs() == ["question"]
    g = build_graph(wf)
    assert wf.step("is_safe").index in g.data_preds[answer.index]
    # a single condition value gives no odds: the node is assumed to run
    assert any(m.startswith("1 node run only when an activate condition holds")
               for m, _, _ in wf.assumptions)


def test_a_gate_is_no_needless_wait() -> None:
    proc = run_process("lint", "--format", "json", str(GATED / "flow.dag.yaml"))
    assert proc.returncode in (0, 1), proc.stderr
    hits = json.loads(proc.stdout)
    assert not [h for h in hits if h["rule"] == "serial-but-independent"]
    assert ("assumed-value", 39, 11) in [(h["rule"], h["line"], h["column"]) for h in hits]


def test_switch_branches_depend_on_the_switch_through_their_routes() -> None:
    wf = _load(SWITCH)
    check = wf.step("class_check")
    assert check.kind == "router"
    assert [r.step for r in check.routes] == ["order_search", "product_info",
                                              "product_recommendation"]
    for name in ("order_search", "product_info", "product_recommendation"):
        step = wf.step(name)
        assert step.needs == [] and step.step_refs() == []  # the route carries it
    g = build_graph(wf)
    assert all(check.index in g.dep_preds[wf.step_index[r.step]] for r in check.routes)


def test_evaluators_read_the_gate_of_the_real_flow() -> None:
    wf = _load(EVAL)
    for name in ("grounding", "creativity", "answer_correctness"):
        assert "validate_input" in wf.step(name).step_refs()
        assert "validate_input" not in wf.step(name).needs


def test_aggregation_runs_once_per_batch() -> None:
    wf = _load(GATED / "flow.dag.yaml")
    log = wf.step("log_scores")
    # 0.5 s for the batch, over 10 lines assumed
    assert log.kind == "tool" and log.per_call_s == 0.05
    assert "once per batch of 10 lines" in (log.origin or "")
    assert ("aggregation node 'log_scores' runs once per batch; a batch assumed 10 lines "
            "(give count under steps: in agentlint.profile.yaml)", (48, 16), "assumption:batch") \
        in wf.assumptions
    proc = run_process("estimate", "--format", "json", str(GATED / "flow.dag.yaml"))
    assert proc.returncode == 0, proc.stderr
    rows = {s["id"]: s for s in json.loads(proc.stdout)["steps"]}
    assert rows["log_scores"]["latency_s"] == 0.05 and rows["is_safe"]["latency_s"] == 0.5
    assert _load(EVAL).step("aggregate_results").per_call_s == 0.05


def test_profile_gives_the_batch_size(tmp_path: Path) -> None:
    flow = _copy(tmp_path, "steps:\n  log_scores: {count: 50}\n")
    wf = _load(flow)
    assert wf.step("log_scores").per_call_s == 0.01
    assert not [m for m, _, _ in wf.assumptions if "per batch" in m]


def test_a_model_aggregation_is_priced_per_line_and_says_so(tmp_path: Path) -> None:
    flow = _copy(tmp_path)
    text = flow.read_text(encoding="utf-8").replace(
        "- name: log_scores\n  type: python\n  source:\n    type: code\n    path: log_scores.py\n"
        "  inputs:\n",
        "- name: log_scores\n  type: llm\n  source:\n    type: code\n    path: answer.jinja2\n"
        "  inputs:\n    deployment_name: gpt-4o-mini\n")
    flow.write_text(text, encoding="utf-8")
    wf = _load(flow)
    log = wf.step("log_scores")
    assert log.model is not None and log.per_call_s is None
    assert any(m.startswith("aggregation node 'log_scores' calls its model once per batch")
               for m, _, _ in wf.assumptions)


PATHS = [GATED / "flow.dag.yaml", SWITCH, EVAL]


def _figures(cli, path: Path) -> tuple[float, float, float, list[tuple[str, float, float]]]:
    result = cli("estimate", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    return (data["cost_usd"], data["latency_s"], data["reliability"],
            [(s["id"], s["cost_usd"], s["latency_s"]) for s in data["steps"]])


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_the_converted_spec_estimates_the_same(cli, tmp_path: Path, path: Path) -> None:
    """What the reader models (waits, shares, state reads) survives as a native spec."""
    out = tmp_path / "converted.yaml"
    result = cli("convert", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert _figures(cli, out) == _figures(cli, path)


# -- python nodes that call a model -----------------------------------------------------------

PY_FLOWS = FIXTURES / "runtime" / "promptflow"


def _model_steps(wf: Workflow) -> list[str]:
    return [s.id for s in wf.steps if s.model is not None]


def test_a_python_node_given_a_deployment_is_a_model_call() -> None:
    # basic: `llm` is a python node with deployment_name: gpt-35-turbo-instruct
    wf = _load(PY_FLOWS / "basic" / "flow.dag.yaml")
    assert _model_steps(wf) == ["llm"]
    llm = wf.step("llm")
    assert llm.calls == 1 and llm.output_tokens <= 120  # max_tokens: "120" caps it
    assert any("python node 'llm' is read as one model call" in m
               for m, _, _ in wf.assumptions)
    # eval-summarization: four score_* nodes, each given connection and deployment_name
    wf = _load(PY_FLOWS / "eval-summarization" / "flow.dag.yaml")
    assert sorted(_model_steps(wf)) == ["score_coherence", "score_consistency",
                                        "score_fluency", "score_relevance"]


def test_a_python_node_given_a_connection_and_a_rendered_prompt_is_a_model_call() -> None:
    wf = _load(PY_FLOWS / "customer-intent-extraction" / "flow.dag.yaml")
    assert _model_steps(wf) == ["extract_intent"]
    assert wf.step("extract_intent").step_refs() == ["chat_prompt"]


def test_a_python_node_given_only_a_connection_is_a_tool_and_says_so() -> None:
    # chat-with-pdf: setup_env takes the connection to set up the environment; the calls
    # happen in code the flow does not show, and the estimate says it leaves them out
    wf = _load(PY_FLOWS / "chat-with-pdf" / "flow.dag.yaml")
    assert _model_steps(wf) == []
    assert any(m.startswith("python node 'setup_env' takes connection 'open_ai_connection'")
               and "left out of the estimate" in m for m, _, _ in wf.assumptions)


def test_an_embedding_package_tool_is_no_model_call() -> None:
    flow = FIXTURES / "formats/promptflow/Azure-Samples__contoso-chat/contoso-chat/flow.dag.yaml"
    wf = _load(flow)
    assert wf.step("question_embedding").model is None


def test_a_python_node_given_an_embedding_deployment_is_no_model_call(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "flow.dag.yaml").write_text(
        (PY_FLOWS / "basic" / "flow.dag.yaml").read_text(encoding="utf-8").replace(
            "gpt-35-turbo-instruct", "text-embedding-ada-002"), encoding="utf-8")
    shutil.copy(PY_FLOWS / "basic" / "hello.jinja2", tmp_path / "hello.jinja2")
    wf = _load(tmp_path / "flow.dag.yaml")
    assert _model_steps(wf) == []
