"""Microsoft Agent Framework declarative workflows read as the declarative runtime runs
them: actions one at a time in order, an agent reading the conversation it joins, a
ConditionGroup choosing one branch, a GotoAction back to an earlier action closing a loop
(bounded by a counter it guards, or by the runner's superstep limit), an externalLoop
repeating an agent with the user. Real files from three repositories
(tests/fixtures/agent_framework, see SOURCES.md) pin call counts, the critical path and
the findings; small workflows written here pin the mapping and the refusals.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agentlint.graph.estimate import estimate
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, exit_2_one_line, lint_json, run_process
from tests.support import model_calls

MAF = FIXTURES / "agent_framework" / "microsoft__agent-framework"
AZURE = FIXTURES / "agent_framework" / "Azure__azure-sdk-for-python"
CONSOLE = FIXTURES / "agent_framework" / "sanchar10__copilot-agent-console"
REAL = sorted(MAF.glob("*.yaml")) + sorted(AZURE.glob("*.yaml")) + \
    sorted(CONSOLE.glob("*.yaml"))


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "agent-framework"
    return wf


def _codes(found: list[dict[str, Any]]) -> set[str]:
    return {f["code"] for f in found if f["code"] not in ("AL902", "AL903", "AL301")}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


HEAD = """\
kind: Workflow
trigger:
  kind: OnConversationStart
  id: start
  actions:
"""


def test_agents_on_one_conversation_read_each_other(repo: Path) -> None:
    path = write(repo, "wf.yaml", HEAD + """\
    - kind: InvokeAzureAgent
      id: a
      conversationId: =System.ConversationId
      agent: {name: Writer}
    - kind: InvokeAzureAgent
      id: b
      conversationId: =System.ConversationId
      agent: {name: Editor}
    - kind: InvokeAzureAgent
      id: c
      conversationId: =System.ConversationId
      agent: {name: Publisher}
""")
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["a", "b", "c"]
    assert list(wf.step("c").context) == ["a", "b"] and wf.step("c").implicit_context
    assert not wf.step("b").implicit_context  # only the message it answers
    found = [f for f in lint_json(path) if f["code"] == "AL005"]
    assert len(found) == 1 and "CreateConversation" in found[0]["message"]


def test_a_separate_conversation_reads_only_what_input_names(repo: Path) -> None:
    path = write(repo, "wf.yaml", HEAD + """\
    - kind: InvokeAzureAgent
      id: facts
      conversationId: =System.ConversationId
      agent: {name: Research}
      output: {messages: Local.Facts}
    - kind: CreateConversation
      id: new
      conversationId: Local.Side
    - kind: InvokeAzureAgent
      id: plan
      conversationId: =Local.Side
      agent: {name: Planner}
      input: {messages: =UserMessage(Local.Facts)}
""")
    wf = _load(path)
    plan = wf.step("plan")
    assert list(plan.context) == ["facts"] and not plan.implicit_context
    assert "inputs" not in (plan.prompt or "")


def test_a_counter_bounds_a_jump_back(repo: Path) -> None:
    path = write(repo, "wf.yaml", HEAD + """\
    - kind: InvokeAzureAgent
      id: student
      conversationId: =System.ConversationId
      agent: {name: Student}
    - kind: SetVariable
      id: count
      variable: Local.Turns
      value: =Local.Turns + 1
    - kind: ConditionGroup
      id: check
      conditions:
        - condition: =Local.Turns < 3
          id: again
          actions:
            - kind: GotoAction
              id: back
              actionId: student
""")
    wf = _load(path)
    assert [(lp.steps, lp.max_iterations) for lp in wf.loops] == [(["student", "check"], 3)]
    assert wf.loops[0].until


def test_a_jump_back_without_a_counter_is_bounded_by_max_turns(repo: Path) -> None:
    path = write(repo, "wf.yaml", HEAD.replace("kind: Workflow\n",
                                               "kind: Workflow\nmaxTurns: 30\n") + """\
    - kind: Question
      id: ask
      variable: Local.Answer
    - kind: InvokeAzureAgent
      id: answer
      agent: {name: Helper}
      input: {messages: =UserMessage(Local.Answer)}
    - kind: GotoAction
      id: back
      actionId: ask
""")
    wf = _load(path)
    assert [lp.max_iterations for lp in wf.loops] == [10]  # 30 supersteps, 3 actions
    assert "ask" in wf.step("answer").context


def test_branches_are_a_router_and_a_missing_else_falls_through(repo: Path) -> None:
    path = write(repo, "wf.yaml", HEAD + """\
    - kind: InvokeAzureAgent
      id: triage
      agent: {name: Triage}
      output: {responseObject: Local.Kind}
    - kind: ConditionGroup
      id: route
      conditions:
        - condition: =Local.Kind.urgent
          id: urgent
          actions:
            - kind: InvokeAzureAgent
              id: escalate
              agent: {name: Escalation}
    - kind: InvokeAzureAgent
      id: reply
      agent: {name: Reply}
""")
    wf = _load(path)
    assert {r.step for r in wf.step("route").routes} == {"escalate", "route_none"}
    reply = wf.step("reply")
    assert set(reply.needs) | set(reply.context) >= {"escalate", "route_none"}
    # no conversationId: all three share the default conversation, so reply reads both
    assert list(reply.context) == ["triage", "escalate"]
    assert "triage" in wf.step("route").context or "triage" in wf.step("route").needs
    # triage, then half the runs escalate, then reply
    assert model_calls(wf) == pytest.approx(2.5)


def test_external_loop_repeats_the_agent_with_the_user(repo: Path) -> None:
    path = write(repo, "wf.yaml", HEAD + """\
    - kind: InvokeAzureAgent
      id: helper
      agent: {name: Helper}
      input:
        externalLoop:
          when: =!Local.Done
          maxIterations: 4
""")
    wf = _load(path)
    assert [(lp.steps, lp.max_iterations) for lp in wf.loops] == [
        (["helper", "helper_user_reply"], 4)]
    assert wf.step("helper_user_reply").kind == "human"


def test_repeat_until_a_counter_reaches_its_bound(repo: Path) -> None:
    path = write(repo, "wf.yaml", HEAD + """\
    - kind: RepeatUntil
      id: rounds
      condition: =Local.counter >= 3
      actions:
        - kind: SetVariable
          id: up
          variable: Local.counter
          value: =Local.counter + 1
        - kind: InvokeAzureAgent
          id: draft
          agent: {name: Drafter}
        - kind: Confirmation
          id: ok
          variable: Local.Approved
""")
    wf = _load(path)
    assert [(lp.steps, lp.max_iterations) for lp in wf.loops] == [(["draft", "ok"], 3)]
    assert wf.step("ok").kind == "human"


def test_an_answer_sent_by_send_activity_leaves_the_workflow(repo: Path) -> None:
    path = write(repo, "wf.yaml", HEAD + """\
    - kind: InvokeAzureAgent
      id: draft
      agent: {name: Drafter}
      output: {messages: Local.Draft, autoSend: false}
    - kind: SendActivity
      id: show
      activity: "{MessageText(Local.Draft)}"
    - kind: InvokeAzureAgent
      id: other
      agent: {name: Other}
      input: {messages: =UserMessage("next")}
""")
    wf = _load(path)
    assert wf.step("draft").output_leaves
    assert "AL001" not in _codes(lint_json(path))


def test_actions_run_in_order_so_no_order_is_droppable(repo: Path) -> None:
    path = write(repo, "wf.yaml", HEAD + """\
    - kind: InvokeAzureAgent
      id: a
      agent: {name: A}
      input: {messages: =UserMessage("one")}
    - kind: InvokeAzureAgent
      id: b
      agent: {name: B}
      input: {messages: =UserMessage("two")}
""")
    assert "AL101" not in _codes(lint_json(path))


def test_profile_gives_the_agents_model_and_names_steps_by_action(repo: Path) -> None:
    path = write(repo, "wf.yaml", (MAF / "Marketing.yaml").read_text("utf-8"))
    (repo / "agentlint.profile.yaml").write_text(
        "default_model: gpt-4o\nsteps:\n  invoke_writer: {output_tokens: 50}\n",
        encoding="utf-8")
    wf = _load(path)
    assert {wf.models[s.model or ""].name for s in wf.steps} == {"gpt-4o"}
    assert wf.step("invoke_writer").output_tokens == 50
    assert not any("defined outside" in message for message, _, _ in wf.assumptions)


# -- real files ------------------------------------------------------------------------------


def test_marketing_three_agents_on_one_conversation() -> None:
    """Marketing.yaml: analyst, writer, editor on the workflow's conversation; the editor
    reads both earlier answers."""
    wf = _load(MAF / "Marketing.yaml")
    assert model_calls(wf) == 3
    assert estimate(wf).critical_path == ["invoke_analyst", "invoke_writer", "invoke_editor"]
    assert wf.step("invoke_editor").implicit_context


def test_math_chat_loop_is_bounded_by_its_counter() -> None:
    """MathChat.yaml: student and teacher go round while Local.TurnCount < 4, or until
    the teacher says CONGRATULATIONS."""
    wf = _load(MAF / "MathChat.yaml")
    assert [(lp.max_iterations, bool(lp.until)) for lp in wf.loops] == [(4, True)]
    assert any("later rounds read more" in message for message, _, _ in wf.assumptions)
    assert "AL302" not in _codes(lint_json(MAF / "MathChat.yaml"))


def test_deep_research_ledger_loop_and_its_conversations() -> None:
    """DeepResearch.yaml (the Magentic pattern): facts and plan on a status conversation,
    a progress ledger each round, a jump back bounded only by maxTurns 500."""
    wf = _load(MAF / "DeepResearch.yaml")
    assert len(wf.loops) == 1 and wf.loops[0].steps[0] == "question_o3BQkf"
    assert wf.loops[0].max_iterations is not None and wf.loops[0].until
    path = estimate(wf).critical_path
    assert path[:3] == ["question_UDoMUw", "question_DsBaJU", "question_o3BQkf"]
    assert any("maxTurns 500" in message for message, _, _ in wf.assumptions)
    assert _codes(lint_json(MAF / "DeepResearch.yaml")) <= {"AL005"}


def test_customer_support_forward_jumps_and_external_loops() -> None:
    wf = _load(MAF / "CustomerSupport.yaml")
    assert len([s for s in wf.steps if s.kind == "human"]) == 3  # three externalLoops
    assert len(wf.loops) == 3 and all(lp.max_iterations == 100 for lp in wf.loops)
    assert not _codes(lint_json(MAF / "CustomerSupport.yaml"))


def test_foundry_student_teacher_stops_at_four_turns() -> None:
    """azure-sdk-for-python's workflow sample (Foundry's lower-case kind): student and
    teacher on conversations of their own, fed through Local.LatestMessage; the jump back
    sits in the else of `Local.TurnCount >= 4`, so at most four rounds."""
    wf = _load(AZURE / "student_teacher_workflow.yaml")
    assert [(lp.max_iterations, bool(lp.until)) for lp in wf.loops] == [(4, True)]
    assert list(wf.step("teacher_agent").context) == ["student_agent"]
    assert not wf.step("teacher_agent").implicit_context
    assert estimate(wf).critical_path == ["student_agent", "teacher_agent"]
    assert not _codes(lint_json(AZURE / "student_teacher_workflow.yaml"))


def test_agents_naming_neither_conversation_nor_input_share_the_default_one(
        repo: Path) -> None:
    """The .NET runtime gives such an agent nothing; the Python one puts it on the
    workflow's default conversation (Conversation.messages) with the previous answer, so
    it reads every earlier agent there. An agent that names its input keeps to it."""
    path = write(repo, "wf.yaml", HEAD + """\
    - kind: InvokeAzureAgent
      id: a
      agent: {name: A}
    - kind: InvokeAzureAgent
      id: b
      agent: {name: B}
      input: {messages: =UserMessage("summarise")}
    - kind: InvokeAzureAgent
      id: c
      agent: {name: C}
""")
    wf = _load(path)
    assert list(wf.step("b").context) == []
    assert list(wf.step("c").context) == ["a", "b"] and wf.step("c").implicit_context
    assert "inputs" in (wf.step("c").prompt or "")


def test_copilot_console_health_check_is_a_chain_on_the_default_conversation() -> None:
    """copilot-agent-console runs its workflows with agent_framework_declarative's
    WorkflowFactory: three agents, none naming a conversation or an input, so each reads
    the default conversation; the report generator gets the scanner's raw output besides
    the analysis it builds on."""
    path = CONSOLE / "codebase-health-check.yaml"
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["scan", "analyze", "report"] and model_calls(wf) == 3
    assert estimate(wf).critical_path == ["scan", "analyze", "report"]
    assert list(wf.step("analyze").context) == ["scan"]
    assert not wf.step("analyze").implicit_context
    assert list(wf.step("report").context) == ["scan", "analyze"]
    found = lint_json(path)
    assert _codes(found) == {"AL005"}
    assert [f["line"] for f in found if f["code"] == "AL005"] == [19]  # report's agent


def test_copilot_console_emoji_poem_hands_the_poem_on() -> None:
    path = CONSOLE / "emoji-poem.yaml"
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["write", "illustrate"] and model_calls(wf) == 2
    assert estimate(wf).critical_path == ["write", "illustrate"]
    assert list(wf.step("illustrate").context) == ["write"]
    assert not _codes(lint_json(path))


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_every_step_is_placed_in_the_real_file(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for step in _load(path).steps:
        line, col = step.at()
        text = lines[line - 1][col - 1:]
        assert text.startswith(("kind:", "name:")) or lines[line - 1][:col - 1].rstrip(
            ).endswith("name:"), (step.id, lines[line - 1])


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_the_converted_spec_estimates_the_same(path: Path) -> None:
    from agentlint.convert import as_native

    wf = _load(path)
    before, after = estimate(wf), estimate(as_native(wf))
    assert after.cost_usd == pytest.approx(before.cost_usd, rel=1e-9)
    assert after.latency_s == pytest.approx(before.latency_s, rel=1e-9)


# -- detection and refusals ------------------------------------------------------------------


def test_lint_dot_reads_workflows_and_leaves_agent_files(repo: Path) -> None:
    write(repo, "flows/marketing.yaml", (MAF / "Marketing.yaml").read_text("utf-8"))
    write(repo, "ci/argo.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n"
          "trigger:\n  x: 1\nspec:\n  templates:\n    - actions: []\n")
    write(repo, "agents/writer.yaml", "kind: Prompt\nname: Writer\ninstructions: Write.\n"
          "model:\n  id: gpt-4o\n")
    proc = run_process("lint", "--format", "json", ".", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    assert {f["file"] for f in json.loads(proc.stdout)} == {"flows/marketing.yaml"}
    proc = run_process("estimate", "--input-format", "agent-framework",
                       str(repo / "flows" / "marketing.yaml"))
    assert proc.returncode == 0, proc.stderr


def test_a_repository_of_every_format_reads_each_file_once(repo: Path) -> None:
    """Agent Spec, Agent Framework, AutoGen and a native spec side by side: each file is
    read once, by its own reader."""
    import shutil

    from agentlint.paths import discover

    shutil.copy(MAF / "MathChat.yaml", repo / "mathchat.yaml")
    spec = FIXTURES / "agentspec" / "oracle__agent-spec"
    shutil.copy(spec / "howto_summary_flow.yaml", repo / "summary.yaml")
    doc = (spec / "howto_swarm.yaml").read_text("utf-8")
    (repo / "swarm.json").write_text(json.dumps(__import__("yaml").safe_load(doc)),
                                     encoding="utf-8")
    shutil.copy(FIXTURES / "autogen" / "team.json", repo / "team.json")
    (repo / "native.yaml").write_text("agentlint: 1\nsteps:\n  - id: a\n    model: "
                                      "gpt-4o-mini\n    prompt: hi\n", encoding="utf-8")
    read: dict[str, str] = {}
    for path in discover([str(repo)]):
        wf = load_any(path)
        if wf is not None:
            rel = Path(path).relative_to(repo).as_posix()
            assert rel not in read
            read[rel] = wf.format
    assert read == {"mathchat.yaml": "agent-framework", "summary.yaml": "agentspec",
                    "swarm.json": "agentspec", "team.json": "autogen",
                    "native.yaml": "agentlint"}


def test_mutated_workflows_give_results_or_one_positioned_error(tmp_path: Path) -> None:
    import random

    import yaml

    from agentlint.errors import SpecError
    from agentlint.lint.engine import lint_workflow

    rng = random.Random("agent-framework")
    odd: list[Any] = [None, 0, -1, "", [], {}, "x", "=Local.Nowhere", 1e308, {"name": []}]
    for index, source in enumerate(REAL * 3):
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
        actions = doc["trigger"]["actions"]
        for _ in range(rng.randint(1, 3)):
            action = actions[rng.randrange(len(actions))]
            if isinstance(action, dict) and action:
                action[rng.choice(list(action))] = rng.choice(odd)
        path = tmp_path / f"m{index}.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        try:
            wf = load_any(str(path), input_format="agent-framework")
        except SpecError as exc:
            assert exc.line >= 1 and exc.col >= 1 and "\n" not in exc.message
            continue
        assert wf is not None
        estimate(wf)
        lint_workflow(wf)


BROKEN = [
    (HEAD + "    - kind: Teleport\n      id: t\n", "action kind 'Teleport'"),
    (HEAD + "    - kind: GotoAction\n      id: g\n      actionId: nowhere\n",
     "names no action"),
    (HEAD + "    - kind: InvokeAzureAgent\n      id: a\n      agent: {name: A}\n"
     "    - kind: InvokeAzureAgent\n      id: a\n      agent: {name: B}\n", "used twice"),
    ("kind: Workflow\ntrigger:\n  kind: OnConversationStart\n  actions: 3\n",
     "list of actions"),
    ("kind: Workflow\nmaxTurns: -4\ntrigger:\n  actions: []\n", "maxTurns"),
]


@pytest.mark.parametrize(("text", "reason"), BROKEN)
def test_broken_workflows_exit_2_at_the_place(repo: Path, text: str, reason: str) -> None:
    path = write(repo, "wf.yaml", text)
    assert reason in exit_2_one_line(run_process("lint", str(path)), str(path))


def test_deeply_nested_branches_are_refused(repo: Path) -> None:
    inner = "- kind: InvokeAzureAgent\n  id: leaf\n  agent: {name: A}\n"
    for depth in range(45):
        body = textwrap.indent(inner, "      ")
        inner = (f"- kind: ConditionGroup\n  id: g{depth}\n  conditions:\n"
                 f"    - condition: =true\n      actions:\n{body}")
    path = write(repo, "wf.yaml", HEAD + textwrap.indent(inner, "    "))
    assert "nest" in exit_2_one_line(run_process("lint", str(path)), str(path))
