"""Dify read as Dify runs it: loop state, variables an assigner writes, a person's wait.

A loop node's break conditions and body read the loop's own variables
(``[loop_id, var]``): that is the loop's state, not a read of its own output.
An assigner that writes a conversation or loop variable is what a later
reader of that variable depends on. A human-input node pauses the run until
a person answers: an assumed wait, not an instant step.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentlint.graph.build import build_graph
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, lint_json, run_process

RUNTIME = FIXTURES / "runtime" / "dify"
#: langgenius/dify api/tests/fixtures/workflow: a loop that adds 1 until num >= 5
INCREMENT = RUNTIME / "increment_loop_with_break_condition_workflow.yml"
#: draft -> loop(critique, keep) -> human approval -> assigner -> reply
REVIEW = RUNTIME / "review_loop.yml"


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "dify"
    return wf


def test_a_loop_reading_its_own_variables_is_read() -> None:
    """The real export agentlint refused with "reads its own output"."""
    proc = run_process("estimate", "--format", "json", str(INCREMENT))
    assert proc.returncode == 0, proc.stderr
    assert "reads its own output" not in proc.stderr
    wf = _load(INCREMENT)
    loop_node, assigner = wf.step("1754827949615"), wf.step("1754827988715")
    # the loop node sets num to 1; its break condition (num >= 5) is the loop's `until`
    assert loop_node.step_refs() == [] and loop_node.prompt == "num: 1"
    # `num += 1` reads the loop's variable: the state the loop node set up
    assert assigner.step_refs() == ["1754827949615"]
    (loop,) = wf.loops
    assert (loop.steps, loop.max_iterations, loop.until) == (
        ["1754827988715"], 10, "a break condition holds")


def test_loop_body_reads_state_and_the_next_node_waits_for_the_last_round() -> None:
    wf = _load(REVIEW)
    assert [s.id for s in wf.steps] == ["draft", "refine", "critique", "keep", "approve",
                                       "approve_choice", "remember", "reply"]
    (loop,) = wf.loops
    assert loop.steps == ["critique", "keep"] and loop.max_iterations == 4
    # the loop node reads the draft it starts from, never its own variables
    assert wf.step("refine").step_refs() == ["draft"]
    # inside a round, `text` is what the loop holds: set up by the loop node
    assert wf.step("critique").step_refs() == ["refine"]
    assert wf.step("keep").step_refs() == ["critique"]
    # after the loop, `text` is what the assigner wrote last
    assert wf.step("approve").step_refs() == ["keep"]
    g = build_graph(wf)
    index = {s.id: s.index for s in wf.steps}
    assert index["keep"] in g.dep_preds[index["approve"]]


def test_a_conversation_variable_written_earlier_is_a_dependency() -> None:
    wf = _load(REVIEW)
    remember, reply, draft = wf.step("remember"), wf.step("reply"), wf.step("draft")
    assert remember.step_refs() == ["keep"]
    # reply reads conversation.last_draft, which remember wrote in this run
    assert reply.step_refs() == ["remember"] and reply.input_refs() == []
    # draft reads it before anything writes it: the value the last turn left
    assert sorted(draft.input_refs()) == ["conversation_last_draft", "sys_query"]
    g = build_graph(wf)
    assert wf.step("remember").index in g.data_preds[reply.index]


def test_human_input_waits_for_a_person_and_its_actions_are_branches() -> None:
    wf = _load(REVIEW)
    approve, choice = wf.step("approve"), wf.step("approve_choice")
    assert approve.kind == "human" and approve.per_call_s == 600.0
    assert approve.model is None and approve.step_refs() == ["keep"]
    # the action a person picks is a branch: `reject` leads nowhere
    assert choice.kind == "router" and choice.model is None
    assert [r.step for r in choice.routes] == ["remember"]
    messages = [m for m, _, _ in wf.assumptions]
    assert any(m.startswith("'Approve' waits for a person: assumed 600 s per run")
               for m in messages)
    assert "'Approve' has 1 branch(es) that run no step; the others share all runs" \
        in messages


def test_human_wait_is_in_the_estimate_and_findings(tmp_path: Path) -> None:
    proc = run_process("estimate", "--format", "json", str(REVIEW))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    by_id = {s["id"]: s for s in data["steps"]}
    assert by_id["approve"]["latency_s"] == 600.0 and by_id["approve"]["cost_usd"] == 0
    assert "approve" in data["critical_path"] and data["latency_s"] > 600
    hits = lint_json(REVIEW)
    rules = [(h["rule"], h["line"]) for h in hits]
    assert ("assumed-value", 107) in rules  # the wait, at the node's title
    # neither the loop nor the approval is a self-dependency or a needless wait
    assert not [h for h in hits if h["rule"] == "serial-but-independent"]
    assert not [h for h in hits if "reads its own output" in h["message"]]


def test_profile_states_the_wait(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copy(REVIEW, tmp_path / "review_loop.yml")
    (tmp_path / "agentlint.profile.yaml").write_text(
        "steps:\n  Approve:\n    per_call_s: 45\n    output_tokens: 20\n", encoding="utf-8")
    wf = _load(tmp_path / "review_loop.yml")
    approve = wf.step("approve")
    assert approve.per_call_s == 45.0 and approve.output_tokens == 20
    assert not [m for m, _, _ in wf.assumptions if "waits for a person" in m]
    proc = run_process("estimate", "--format", "json", "review_loop.yml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {s["id"]: s for s in data["steps"]}["approve"]["latency_s"] == 45.0
    assert data["latency_s"] < 100


def test_a_short_deadline_caps_the_assumed_wait(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    text = REVIEW.read_text(encoding="utf-8").replace(
        "timeout: 1\n          timeout_unit: day", "timeout: 0.05\n          timeout_unit: hour")
    (tmp_path / "app.yml").write_text(text, encoding="utf-8")
    assert _load(tmp_path / "app.yml").step("approve").per_call_s == 180.0


ITERATION_APP = """
app: {mode: workflow, name: per_item}
kind: app
workflow:
  graph:
    edges:
      - {source: start, target: each}
      - {source: eachstart, target: write}
      - {source: each, target: after}
    nodes:
      - id: start
        data: {title: Start, type: start, variables: [{variable: items, type: paragraph}]}
      - id: each
        data:
          title: Each
          type: iteration
          iterator_selector: [start, items]
          output_selector: [write, text]
          start_node_id: eachstart
      - id: eachstart
        parentId: each
        data: {title: '', type: iteration-start}
      - id: write
        parentId: each
        data:
          title: Write
          type: llm
          iteration_id: each
          model: {provider: openai, name: gpt-4o-mini}
          prompt_template: [{role: user, text: 'Write about {{#each.item#}}'}]
      - id: after
        data:
          title: After
          type: llm
          model: {provider: openai, name: gpt-4o-mini}
          prompt_template: [{role: user, text: Say done.}]
"""


def test_a_node_after_a_container_waits_for_its_last_child(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    app = tmp_path / "app.yml"
    app.write_text(ITERATION_APP, encoding="utf-8")
    wf = _load(app)
    after = wf.step("after")
    assert set(after.needs) == {"each", "write"}
    g = build_graph(wf)
    assert wf.step("write").index in g.dep_preds[after.index]


PATHS = [INCREMENT, REVIEW]


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


# -- the end user's message is untrusted; an agent without tools makes one call -------------

LLM2O1 = RUNTIME / "llm2o1.cn.yml"
AGENTFLOW = FIXTURES / "formats/dify/svcvit__Awesome-Dify-Workflow/DSL/AgentFlow.yml"


def test_sys_query_is_untrusted_and_the_platform_ids_are_not(tmp_path: Path) -> None:
    wf = _load(LLM2O1)
    assert wf.inputs["sys_query"].untrusted
    # the same app quoting the platform's user id instead: no outsider's text
    (tmp_path / ".git").mkdir()
    text = LLM2O1.read_text(encoding="utf-8").replace("{{#sys.query#}}", "{{#sys.user_id#}}")
    (tmp_path / LLM2O1.name).write_text(text, encoding="utf-8")
    other = _load(tmp_path / LLM2O1.name)
    assert "sys_user_id" in other.inputs and not other.inputs["sys_user_id"].untrusted
    proc = run_process("lint", "--format", "json", LLM2O1.name, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    found = [h["message"] for h in json.loads(proc.stdout)
             if h["rule"] == "untrusted-in-system-prompt"]
    assert not [m for m in found if "sys_user_id" in m]


def test_sys_query_in_a_system_prompt_is_found_at_the_quote() -> None:
    proc = run_process("lint", "--format", "json", LLM2O1.name, cwd=RUNTIME)
    assert proc.returncode == 1, proc.stderr
    hits = [(h["line"], h["column"]) for h in json.loads(proc.stdout)
            if h["rule"] == "untrusted-in-system-prompt"]
    # the task executor's and the final summary's system messages quote {{#sys.query#}}
    assert [line for line, _ in hits] == [372, 459]
    lines = LLM2O1.read_text(encoding="utf-8").splitlines()
    for line, col in hits:
        assert lines[line - 1][col - 1:].startswith("{{#sys.query#}}")


def test_an_agent_node_without_tools_makes_one_call() -> None:
    wf = _load(AGENTFLOW)
    agents = [s for s in wf.steps if s.model is not None]
    assert len(agents) == 1  # the TOD agent node, its parameters name no tools
    assert agents[0].calls == 1


def test_a_branch_straight_to_an_answer_keeps_its_share() -> None:
    # if-else: true -> LLM -> answer, false -> answer directly; the LLM runs on half
    wf = _load(RUNTIME / "Demo-tod_agent.yml")
    g = build_graph(wf)
    router = wf.step("1742523610643")
    assert router.kind == "router"
    assert sorted(r.step for r in router.routes) == ["1742523618478", "answer"]
    assert wf.step("answer").model is None
    assert g.weight[wf.step("1742523618478").index] == 0.5
    # the agent node has no tools: one call
    assert wf.step("1742523567258").calls == 1
