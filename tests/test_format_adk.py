"""Google ADK agent configs read as ADK loads and runs them.

ADK validates a config against its pydantic AgentConfig (each class forbids
keys it does not declare) and resolves ``agent_class`` by name: what ADK would
refuse is refused here, at ``file:line:col``, in ADK's terms. ``RouterAgent``
is modelled (classifier, then one route); a class of the user's own or a
``code:`` agent is a warning at its position saying what the estimate leaves
out. ``output_key`` writes session state; ``{key}`` reads it, even inside an
``AgentTool``'s agent: a data dependency.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from agentlint.graph.build import build_graph
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, exit_2_one_line, lint_json, run_process

#: SequentialAgent: intake (output_key ticket) -> RouterAgent triage -> custom AuditAgent
HELP_DESK = FIXTURES / "runtime" / "adk" / "help_desk"


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "adk"
    return wf


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# -- what ADK refuses ----------------------------------------------------------------------


def _refused(repo: Path, text: str, where: str, *, extra: dict[str, str] | None = None
             ) -> str:
    write(repo, "root_agent.yaml", text)
    for name, body in (extra or {}).items():
        write(repo, name, body)
    proc = run_process("estimate", "root_agent.yaml", cwd=repo)
    line = exit_2_one_line(proc)
    assert line.startswith(where), line
    return line


def test_a_key_llm_agent_config_forbids(repo: Path) -> None:
    line = _refused(repo, """
        name: writer
        model: gemini-2.5-flash
        instruction: Write.
        temperature: 0.2
        """, "root_agent.yaml:4:1: ")
    assert "temperature: Extra inputs are not permitted: ADK's LlmAgentConfig does not " \
        "accept 'temperature'" in line


def test_a_misspelt_key_gets_a_hint(repo: Path) -> None:
    line = _refused(repo, """
        name: writer
        model: gemini-2.5-flash
        instruction: Write.
        output_keys: draft
        """, "root_agent.yaml:4:1: ")
    assert line.endswith("did you mean 'output_key'?")


def test_a_container_takes_no_model_keys(repo: Path) -> None:
    line = _refused(repo, """
        agent_class: LoopAgent
        name: again
        max_iterations: 3
        instruction: Loop.
        sub_agents: []
        """, "root_agent.yaml:4:1: ")
    assert "ADK's LoopAgentConfig does not accept 'instruction'" in line


def test_an_llm_agent_needs_an_instruction(repo: Path) -> None:
    line = _refused(repo, "name: writer\nmodel: gemini-2.5-flash\n", "root_agent.yaml:1:1: ")
    assert "instruction: Field required" in line


def test_an_unknown_class_name(repo: Path) -> None:
    line = _refused(repo, """
        agent_class: SequentalAgent
        name: steps
        sub_agents: []
        """, "root_agent.yaml:1:14: ")
    assert "Invalid fully qualified name: `google.adk.agents.SequentalAgent`" in line
    assert line.endswith("Did you mean 'SequentialAgent'?")


def test_a_class_that_is_no_agent_and_a_blocked_module(repo: Path) -> None:
    line = _refused(repo, "agent_class: RunConfig\nname: x\n", "root_agent.yaml:1:14: ")
    assert "It must be a subclass of BaseAgent." in line
    line = _refused(repo, "agent_class: os.system\nname: x\n", "root_agent.yaml:1:14: ")
    assert "Blocked module reference" in line


def test_agent_names_adk_rejects(repo: Path) -> None:
    line = _refused(repo, "name: my-agent\nmodel: gemini-2.5-flash\ninstruction: Hi.\n",
                    "root_agent.yaml:1:7: ")
    assert "Found invalid agent name: `my-agent`. Agent name must be a valid identifier." \
        in line
    line = _refused(repo, "name: user\nmodel: gemini-2.5-flash\ninstruction: Hi.\n",
                    "root_agent.yaml:1:7: ")
    assert "Agent name cannot be `user`" in line


def test_bad_values(repo: Path) -> None:
    base = "name: w\nmodel: gemini-2.5-flash\ninstruction: Hi.\n"
    line = _refused(repo, base + "include_contents: all\n", "root_agent.yaml:4:19: ")
    assert "include_contents: Input should be 'default' or 'none'" in line
    line = _refused(repo, base + "tools:\n  - google_search\n", "root_agent.yaml:5:5: ")
    assert "tools.0: Input should be a valid dictionary or instance of ToolConfig" in line


def test_a_sub_agent_reference_with_a_foreign_key_in_a_nested_file(repo: Path) -> None:
    line = _refused(repo, """
        agent_class: SequentialAgent
        name: outer
        sub_agents:
          - config_path: inner.yaml
        """, "inner.yaml:5:5: ", extra={"inner.yaml": """
        agent_class: SequentialAgent
        name: inner
        sub_agents:
          - config_path: w.yaml
            name: w
        """, "w.yaml": "name: w\nmodel: gemini-2.5-flash\ninstruction: Hi.\n"})
    assert "sub_agents.0.name: Extra inputs are not permitted (AgentRefConfig" in line


def test_a_router_without_its_classifier(repo: Path) -> None:
    line = _refused(repo, """
        agent_class: RouterAgent
        name: triage
        classifier_agent_name: classify
        sub_agents:
          - config_path: w.yaml
        """, "root_agent.yaml:3:24: ",
        extra={"w.yaml": "name: w\nmodel: gemini-2.5-flash\ninstruction: Hi.\n"})
    assert "Classifier agent 'classify' not found in sub_agents." in line


def test_real_sample_configs_are_accepted() -> None:
    samples = FIXTURES / "formats" / "adk" / "zhangp365__adk-python" / "contributing" / "samples"
    for root in sorted(samples.glob("*/root_agent.yaml")):
        proc = run_process("estimate", str(root))
        assert proc.returncode == 0, proc.stderr


# -- classes ADK has: RouterAgent -----------------------------------------------------------


def test_router_agent_runs_its_classifier_then_one_route() -> None:
    wf = _load(HELP_DESK / "root_agent.yaml")
    assert [s.id for s in wf.steps] == ["intake", "classify", "triage", "billing_desk",
                                       "tech_desk", "audit", "help_desk_agents_notifier"]
    triage = wf.step("triage")
    assert triage.kind == "router" and triage.model is None and triage.output_tokens == 0
    assert triage.step_refs() == ["classify"]
    assert [r.step for r in triage.routes] == ["billing_desk", "tech_desk"]
    g = build_graph(wf)
    assert g.weight[wf.step("billing_desk").index] == g.weight[wf.step("tech_desk").index] \
        == 0.5
    # the classifier and both desks read the ticket intake wrote (output_key: ticket)
    for name in ("classify", "billing_desk", "tech_desk"):
        assert wf.step(name).step_refs() == ["intake"], name


# -- classes agentlint cannot read -----------------------------------------------------------


def test_a_custom_class_and_a_code_agent_are_warnings_at_their_place() -> None:
    hits = lint_json(HELP_DESK / "root_agent.yaml")
    warned = [(h["severity"], h["line"], h["column"], h["message"]) for h in hits
              if "not modelled" in h["message"]]
    assert [w[:3] for w in warned] == [("warning", 8, 18), ("warning", 8, 18)]
    assert warned[0][3].startswith(
        "agent class 'help_desk.agents.AuditAgent' of 'audit' is not modelled: the estimate "
        "counts it as a free tool step (its 1 sub-agent(s) counted once each, one after "
        "another), so cost and time are low by whatever its code runs, $0.00023 and 2.2 s "
        "per gpt-4o-mini call of 500 tokens in and 256 out for each model call it makes")
    assert warned[1][3].startswith("code reference 'help_desk.agents.notifier' is not "
                                   "modelled")
    # what the custom agent does comes after everything before it: it gets the session
    assert not [h for h in hits if h["rule"] == "serial-but-independent"]
    wf = _load(HELP_DESK / "root_agent.yaml")
    audit = wf.step("audit")
    assert audit.kind == "tool" and set(audit.step_refs()) == {"billing_desk", "tech_desk"}


def test_a_custom_class_configured_like_an_llm_agent(repo: Path) -> None:
    write(repo, "root_agent.yaml", """
        agent_class: my_agents.CarefulAgent
        name: careful
        model: gemini-2.5-flash
        instruction: Answer carefully.
        """)
    wf = _load(repo / "root_agent.yaml")
    assert wf.step("careful").model == "gemini-2.5-flash"
    (hit,) = [h for h in lint_json(repo / "root_agent.yaml", cwd=repo)
              if "no class ADK configures" in h["message"]]
    assert hit["severity"] == "warning" and (hit["line"], hit["column"]) == (2, 1)
    assert "read as an LlmAgent from its keys" in hit["message"]


def test_adk_classes_agentlint_does_not_read_are_warnings(repo: Path) -> None:
    write(repo, "root_agent.yaml", """
        agent_class: SequentialAgent
        name: both
        sub_agents:
          - config_path: base.yaml
          - config_path: graph.yaml
        """)
    write(repo, "base.yaml", "agent_class: BaseAgent\nname: nothing\n")
    write(repo, "graph.yaml", "agent_class: google.adk.agents.langgraph_agent.LangGraphAgent"
          "\nname: graph\ngraph: my_pkg.graph\n")  # a class of its own: extra keys allowed
    hits = [h for h in lint_json(repo / "root_agent.yaml", cwd=repo)
            if "is not modelled" in h["message"]]
    assert [(h["severity"], h["line"], h["message"].split(" is ")[0]) for h in hits] == [
        ("warning", 4, "agent class 'BaseAgent' of 'nothing'"),
        ("warning", 5, "agent class 'google.adk.agents.langgraph_agent.LangGraphAgent' of "
                       "'graph'")]


def test_static_instruction_is_sent_before_the_instruction(repo: Path) -> None:
    write(repo, "root_agent.yaml", """
        name: helper
        model: gemini-2.5-flash
        static_instruction: "You are the help desk of Example Ltd. Keep {this} literal."
        instruction: Answer the question.
        """)
    system = _load(repo / "root_agent.yaml").step("helper").system or ""
    assert system.startswith("You are the help desk of Example Ltd. Keep {this} literal.")
    assert system.endswith("Answer the question.")


# -- state writes are dependencies -------------------------------------------------------------


def test_an_agent_tool_reads_the_state_earlier_agents_wrote(repo: Path) -> None:
    write(repo, "root_agent.yaml", """
        agent_class: SequentialAgent
        name: pipeline
        sub_agents:
          - config_path: fetch.yaml
          - config_path: assistant.yaml
        """)
    write(repo, "fetch.yaml", """
        name: fetcher
        model: gemini-2.5-flash
        instruction: Fetch facts about the user's topic.
        output_key: facts
        """)
    write(repo, "assistant.yaml", """
        name: assistant
        model: gemini-2.5-flash
        instruction: Answer; call the summarizer when the facts are long.
        include_contents: none
        tools:
          - name: AgentTool
            args:
              agent:
                config_path: summarizer.yaml
        """)
    write(repo, "summarizer.yaml", """
        name: summarizer
        model: gemini-2.5-flash
        instruction: "Summarize {facts}."
        """)
    wf = _load(repo / "root_agent.yaml")
    summarizer = wf.step("summarizer")
    # state is copied into the AgentTool's run; the conversation is not
    assert summarizer.step_refs() == ["fetcher"] and summarizer.needs == []
    assert not summarizer.implicit_context
    assert "{{ steps.fetcher.output }}" in (summarizer.system or "")
    hits = lint_json(repo / "root_agent.yaml", cwd=repo)
    assert not [h for h in hits if h["rule"] == "serial-but-independent"
                and "summarizer" in h["message"]]


def test_a_later_reader_of_an_output_key_is_not_independent(repo: Path) -> None:
    write(repo, "root_agent.yaml", """
        agent_class: SequentialAgent
        name: pipeline
        sub_agents:
          - config_path: a.yaml
          - config_path: b.yaml
          - config_path: c.yaml
        """)
    write(repo, "a.yaml", "name: research\nmodel: gemini-2.5-pro\ninstruction: Research.\n"
          "include_contents: none\noutput_key: notes\n")
    write(repo, "b.yaml", "name: style\nmodel: gemini-2.5-flash\ninstruction: Pick a tone."
          "\ninclude_contents: none\noutput_key: tone\n")
    write(repo, "c.yaml", "name: write\nmodel: gemini-2.5-flash\ninstruction: 'Write {notes} "
          "in the tone {tone}.'\ninclude_contents: none\n")
    wf = _load(repo / "root_agent.yaml")
    write_step = wf.step("write")
    assert set(write_step.step_refs()) == {"research", "style"} and write_step.needs == []
    hits = [h for h in lint_json(repo / "root_agent.yaml", cwd=repo)
            if h["rule"] == "serial-but-independent"]
    # `style` reads nothing of `research`: that one is independent; `write` is not
    assert [h["message"].split("`")[1] for h in hits] == ["style"]


PATHS = [HELP_DESK / "root_agent.yaml"]


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


# -- calls: built-in tools, exit_loop, AgentTools and transfers -------------------------------

SAMPLES = FIXTURES / "formats" / "adk" / "zhangp365__adk-python" / "contributing" / "samples"
SUPPORT = FIXTURES / "formats" / "adk" / "own" / "support_router"


def _calls(wf: Workflow) -> dict[str, int]:
    return {s.id: s.calls for s in wf.steps if s.model is not None}


def test_built_in_search_is_served_inside_one_call() -> None:
    # google_search adds Gemini's grounding to the request: no tool loop
    wf = _load(SAMPLES / "tool_agent_tool_config" / "root_agent.yaml")
    assert _calls(wf) == {"web_search_agent": 1, "summarizer_agent": 1,
                          "research_assistant_agent": 3}


def test_agent_tools_are_called_one_after_another() -> None:
    # the root writes the summarizer's request after reading the search results
    wf = _load(SAMPLES / "tool_agent_tool_config" / "root_agent.yaml")
    assert wf.step("summarizer_agent").step_refs() == ["web_search_agent"]
    proc = run_process("estimate", "--format", "json", "root_agent.yaml",
                       cwd=SAMPLES / "tool_agent_tool_config")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["critical_path"] == [
        "web_search_agent", "summarizer_agent", "research_assistant_agent"]
    assert any("AgentTools of 'research_assistant_agent' are assumed called one after "
               "another" in m for m, _, _ in wf.assumptions)


def test_exit_loop_ends_the_turn_in_one_call() -> None:
    # RefinerAgent either writes the document or calls exit_loop (skip_summarization):
    # one call a round either way
    wf = _load(SAMPLES / "multi_agent_loop_config" / "root_agent.yaml")
    assert _calls(wf) == {"InitialWriterAgent": 1, "CriticAgent": 1, "RefinerAgent": 1}
    assert wf.loops and wf.loops[0].until


def test_a_transfer_is_a_short_reply_and_no_implicit_context() -> None:
    wf = _load(SUPPORT / "root_agent.yaml")
    assert wf.step("support_router").output_tokens == 20
    assert _calls(wf)["web_searcher"] == 1
    hits = lint_json(SUPPORT / "root_agent.yaml")
    found = {(h["rule"], h["line"]) for h in hits if h["severity"] != "info"}
    # billing_agent gets the conversation the router handed over, not a reply of it
    assert ("implicit-context", 10) not in found
    # the summarizer still reads web and docs results twice (state and conversation)
    assert ("implicit-context", 11) in found
    # the router's share of the cost is small once its reply is a transfer call
    assert not [r for r, _ in found if r == "orchestration-overhead"]
