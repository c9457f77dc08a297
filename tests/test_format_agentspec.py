"""Oracle Agent Spec flows and agents read as an Agent Spec runtime runs them: control
edges order the nodes, data edges and ``{{var}}`` carry outputs, a BranchingNode is a
router, subflows run in place, side by side (ParallelFlowNode) or once per item (MapNode),
a cycle of control edges is a loop nothing bounds. Real files from four repositories
(tests/fixtures/agentspec, see SOURCES.md) pin call counts, the critical path and the
findings; small flows written here pin the mapping and the refusals.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentlint.graph.estimate import estimate
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, exit_2_one_line, lint_json, run_process
from tests.support import model_calls

SPEC = FIXTURES / "agentspec" / "oracle__agent-spec"
WAYFLOW = FIXTURES / "agentspec" / "oracle__wayflow"
FORK = FIXTURES / "agentspec" / "spichen__agent-spec"
NVIDIA = FIXTURES / "agentspec" / "NVIDIA__NeMo-Agent-Toolkit"
REAL = [SPEC / "howto_summary_flow.yaml", SPEC / "howto_parallelflownode.yaml",
        SPEC / "howto_flow_with_conditional_branches.yaml",
        SPEC / "ext_tutorial_cybersecurity_flow.yaml",
        SPEC / "example_serialized_flow_executing_agent.yaml",
        SPEC / "howto_managerworkers.yaml", SPEC / "howto_swarm.yaml",
        WAYFLOW / "howto_mapstep.yaml", WAYFLOW / "howto_agents_in_flows.yaml",
        FORK / "example_serialized_agent_with_tools_and_toolboxes_26_2_0.yaml",
        NVIDIA / "nim_agent.yaml", NVIDIA / "weather_agent_with_tool.yaml"]


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "agentspec"
    return wf


def _codes(found: list[dict[str, Any]]) -> set[str]:
    return {f["code"] for f in found if f["code"] != "AL902"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


# -- small flows written here ----------------------------------------------------------------

LLM = {"component_type": "OpenAiConfig", "id": "llm", "name": "llm", "model_id": "gpt-4o-mini"}


def node(kind: str, name: str, **more: Any) -> dict[str, Any]:
    return {"component_type": kind, "id": name, "name": name, **more}


def ref(name: str) -> dict[str, str]:
    return {"$component_ref": name}


def flow(nodes: list[dict[str, Any]], control: list[tuple[str, str] | tuple[str, str, str]],
         data: list[tuple[str, str, str, str]] | None = None, name: str = "f",
         inputs: list[str] | None = None) -> dict[str, Any]:
    start = node("StartNode", "start", outputs=[{"title": t, "type": "string"}
                                                 for t in inputs or []])
    doc: dict[str, Any] = {
        "component_type": "Flow", "id": name, "name": name, "start_node": ref("start"),
        "nodes": [ref("start"), *(ref(n["id"]) for n in nodes)],
        "control_flow_connections": [
            {"component_type": "ControlFlowEdge", "name": f"c{i}", "from_node": ref(e[0]),
             "from_branch": e[2] if len(e) > 2 else None, "to_node": ref(e[1])}
            for i, e in enumerate(control)],
        "$referenced_components": {"start": start, **{n["id"]: n for n in nodes}},
        "agentspec_version": "25.4.1"}
    if data is not None:
        doc["data_flow_connections"] = [
            {"component_type": "DataFlowEdge", "name": f"d{i}", "source_node": ref(s),
             "source_output": so, "destination_node": ref(d), "destination_input": di}
            for i, (s, so, d, di) in enumerate(data)]
    return doc


def write(root: Path, name: str, doc: Any) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False),
                    encoding="utf-8")
    return path


def llm(name: str, prompt: str, **more: Any) -> dict[str, Any]:
    return node("LlmNode", name, llm_config=dict(LLM), prompt_template=prompt, **more)


def test_data_edges_become_references_and_control_edges_order(repo: Path) -> None:
    doc = flow([llm("a", "Summarise {{article}}"), llm("b", "Judge {{summary}}"),
                node("EndNode", "end")],
               [("start", "a"), ("a", "b"), ("b", "end")],
               [("start", "article", "a", "article"), ("a", "generated_text", "b", "summary"),
                ("b", "generated_text", "end", "verdict")], inputs=["article"])
    wf = _load(write(repo, "flow.yaml", doc))
    assert [s.id for s in wf.steps] == ["a", "b"]
    assert "{{ inputs.article }}" in (wf.step("a").prompt or "")
    assert "{{ steps.a }}" in (wf.step("b").prompt or "")
    assert estimate(wf).critical_path == ["a", "b"]
    assert model_calls(wf) == 2


def test_without_data_edges_inputs_are_matched_by_name(repo: Path) -> None:
    a = llm("a", "Write {{topic}}", outputs=[{"title": "draft", "type": "string"}])
    doc = flow([a, llm("b", "Edit {{draft}}", inputs=[{"title": "draft"}]),
                node("EndNode", "end")],
               [("start", "a"), ("a", "b"), ("b", "end")], inputs=["topic"])
    doc["nodes"][1]["inputs"] = [{"title": "topic"}]
    doc["$referenced_components"]["a"]["inputs"] = [{"title": "topic"}]
    wf = _load(write(repo, "flow.yaml", doc))
    assert "{{ steps.a }}" in (wf.step("b").prompt or "")
    assert "{{ inputs.topic }}" in (wf.step("a").prompt or "")


def test_branching_node_is_a_router_with_equal_shares(repo: Path) -> None:
    doc = flow([llm("classify", "Classify"),
                node("BranchingNode", "route", mapping={"yes": "yes"}),
                llm("yes_path", "Answer yes"), llm("other", "Answer otherwise"),
                node("EndNode", "end")],
               [("start", "classify"), ("classify", "route"), ("route", "yes_path", "yes"),
                ("route", "other", "default"), ("yes_path", "end"), ("other", "end")],
               [("classify", "generated_text", "route", "branching_mapping_key")])
    wf = _load(write(repo, "flow.yaml", doc))
    router = wf.step("route")
    assert router.kind == "router" and {r.step for r in router.routes} == {"yes_path",
                                                                           "other"}
    assert model_calls(wf) == pytest.approx(2.0)  # classify, then one of two answers


def test_an_agent_node_with_branches_is_followed_by_a_router(repo: Path) -> None:
    agent = {"component_type": "Agent", "id": "ag", "name": "checker", "llm_config": LLM,
             "system_prompt": "Decide."}
    doc = flow([node("AgentNode", "check", agent=agent, branches=["ok", "retry"]),
                llm("fix", "Fix it"), node("EndNode", "end")],
               [("start", "check"), ("check", "end", "ok"), ("check", "fix", "retry"),
                ("fix", "end")])
    wf = _load(write(repo, "flow.yaml", doc))
    router = wf.step("check_branch")
    assert router.kind == "router" and "check" in router.needs
    assert [r.step for r in router.routes] == ["fix"]


def test_message_nodes_are_the_conversation_an_agent_node_reads(repo: Path) -> None:
    agent = {"component_type": "Agent", "id": "ag", "name": "helper", "llm_config": LLM,
             "system_prompt": "Help."}
    doc = flow([node("OutputMessageNode", "hello", message="Hello!"),
                node("InputMessageNode", "ask"),
                node("AgentNode", "help", agent=agent), node("EndNode", "end")],
               [("start", "hello"), ("hello", "ask"), ("ask", "help"), ("help", "end")])
    wf = _load(write(repo, "flow.yaml", doc))
    assert wf.step("ask").kind == "human"
    assert list(wf.step("help").context) == ["hello", "ask"]
    assert wf.step("help").implicit_context


def test_map_node_runs_items_one_after_another_a_parallel_map_at_once(repo: Path) -> None:
    inner = flow([llm("judge", "Judge {{item}}"), node("EndNode", "iend")],
                 [("start", "judge"), ("judge", "iend")],
                 [("start", "item", "judge", "item")], name="inner", inputs=["item"])
    inner.pop("agentspec_version")
    times = {}
    for kind in ("MapNode", "ParallelMapNode"):
        doc = flow([node(kind, "each", inner_flow=inner), node("EndNode", "end")],
                   [("start", "each"), ("each", "end")],
                   [("start", "items", "each", "iterated_item")], inputs=["items"])
        wf = _load(write(repo, f"{kind}.yaml", doc))
        assert model_calls(wf) == 5  # five items assumed, one call each
        times[kind] = estimate(wf).latency_s
    assert times["MapNode"] == pytest.approx(5 * times["ParallelMapNode"], rel=1e-6)


def test_parallel_flow_node_runs_its_subflows_side_by_side(repo: Path) -> None:
    subs = [flow([llm(f"s{i}", f"Look up part {i}"), node("EndNode", f"e{i}")],
                 [("start", f"s{i}"), (f"s{i}", f"e{i}")], name=f"sub{i}") for i in range(3)]
    for sub in subs:
        sub.pop("agentspec_version")
    doc = flow([node("ParallelFlowNode", "together", subflows=subs), node("EndNode", "end")],
               [("start", "together"), ("together", "end")])
    wf = _load(write(repo, "flow.yaml", doc))
    rows = estimate(wf)
    assert len(wf.steps) == 3 and len(rows.critical_path) == 1
    assert rows.latency_s == pytest.approx(max(r.latency_s for r in rows.steps))


def test_max_tokens_caps_the_answer(repo: Path) -> None:
    config = dict(LLM, default_generation_parameters={"max_tokens": 64})
    doc = flow([node("LlmNode", "a", llm_config=config, prompt_template="Hi"),
                node("EndNode", "end")], [("start", "a"), ("a", "end")])
    assert _load(write(repo, "flow.yaml", doc)).step("a").output_tokens == 64


def test_a_cycle_is_an_unbounded_loop_in_agent_spec_words(repo: Path) -> None:
    doc = flow([llm("draft", "Write"), llm("review", "Review {{text}}"),
                node("BranchingNode", "ok", mapping={"yes": "yes"}), node("EndNode", "end")],
               [("start", "draft"), ("draft", "review"), ("review", "ok"),
                ("ok", "end", "yes"), ("ok", "draft", "default")],
               [("draft", "generated_text", "review", "text")])
    path = write(repo, "flow.yaml", doc)
    wf = _load(path)
    assert [(lp.steps, lp.max_iterations) for lp in wf.loops] == [
        (["draft", "review", "ok"], None)]
    assert "ok" in (wf.loops[0].until or "")  # its yes branch leaves the cycle
    loops = [f for f in lint_json(path) if f["code"] == "AL302"]
    assert len(loops) == 1 and "BranchingNode" in loops[0]["message"]


def test_an_agent_file_is_one_tool_loop(repo: Path) -> None:
    agent = {"component_type": "Agent", "id": "a", "name": "helper", "llm_config": LLM,
             "system_prompt": "Help.", "tools": [{"component_type": "ServerTool",
                                                  "name": "search"}],
             "agentspec_version": "25.4.1"}
    wf = _load(write(repo, "agent.json", json.dumps(agent)))
    assert [s.id for s in wf.steps] == ["helper"] and model_calls(wf) == 3
    assert wf.agents["helper"].tools == ["search"]


# -- real files ------------------------------------------------------------------------------


def test_summary_flow_is_one_call_whose_answer_leaves_the_flow() -> None:
    wf = _load(SPEC / "howto_summary_flow.yaml")
    step = wf.step("summarize_node")
    assert model_calls(wf) == 1 and "{{ inputs.article }}" in (step.prompt or "")
    assert step.output_leaves and "EndNode" in step.output_leaves
    assert step.at() == (80, 11)  # the LlmNode's name


def test_summary_flow_cost_by_hand(repo: Path) -> None:
    """The article (1,000 tokens, from the profile) reaches the LlmNode through its data
    edge: one call reads the template's own text and the article, writes 20 tokens."""
    from agentlint.spec import catalog
    from agentlint.spec.tokens import text_tokens

    path = write(repo, "flow.yaml", (SPEC / "howto_summary_flow.yaml").read_text("utf-8"))
    (repo / "agentlint.profile.yaml").write_text(
        "models:\n  model_id: gpt-4o-mini\ninputs:\n  article: 1000\n"
        "steps:\n  summarize_node: {output_tokens: 20}\n", encoding="utf-8")
    wf = _load(path)
    row = estimate(wf).steps[0]
    own = text_tokens("Summarize this article in 10 words:\n ")
    assert row.input_tokens == pytest.approx(own + 1000, abs=2)
    mini = catalog.model("gpt-4o-mini")
    assert mini is not None and mini.input_per_mtok and mini.output_per_mtok
    expected = (row.input_tokens * mini.input_per_mtok + 20 * mini.output_per_mtok) / 1e6
    assert row.cost_usd == pytest.approx(expected, rel=1e-9)


def test_parallel_flow_node_sample_waits_only_for_the_slowest_lookup() -> None:
    """agent-spec howto_parallelflownode.yaml: four tool subflows in a ParallelFlowNode,
    then one LlmNode that reads all four through {{...}}."""
    wf = _load(SPEC / "howto_parallelflownode.yaml")
    tools = [s for s in wf.steps if s.kind == "tool"]
    assert len(tools) == 4 and all(not s.needs for s in tools)
    prompt = wf.step("prepare_marketing_message_node").prompt or ""
    assert all("{{ steps." + s.id + " }}" in prompt for s in tools)
    path = estimate(wf).critical_path
    assert len(path) == 2 and path[-1] == "prepare_marketing_message_node"
    assert model_calls(wf) == 1
    # the message node's `output` has no DataFlowEdge: the generated text never reaches it
    assert any("input 'output' of node 'output_message_node'" in message
               for message, _, _ in wf.assumptions)


def test_review_cycle_sample_never_ends_by_itself() -> None:
    """agent-spec howto_flow_with_conditional_branches.yaml: generate, review, check, and a
    BranchingNode that goes back to generate on 'no': nothing bounds the rounds."""
    wf = _load(SPEC / "howto_flow_with_conditional_branches.yaml")
    assert [lp.max_iterations for lp in wf.loops] == [None]
    assert len(wf.loops[0].steps) == 4
    assert model_calls(wf) == 30  # three model calls a round, ten rounds assumed
    found = lint_json(SPEC / "howto_flow_with_conditional_branches.yaml")
    assert {"AL302", "AL903"} <= _codes(found)


def test_cybersecurity_sample_agent_reads_the_whole_conversation() -> None:
    """agent-spec ext_tutorial_cybersecurity_flow.yaml: a person names a tenancy, tools
    scan it, a branch asks again when nothing is found (an unbounded cycle), an LlmNode
    summarises and an AgentNode triages, reading every message of the conversation."""
    path = SPEC / "ext_tutorial_cybersecurity_flow.yaml"
    wf = _load(path)
    assert [s.kind for s in wf.steps].count("human") == 2
    assert len(wf.loops) == 1 and wf.loops[0].steps[0] == "get_tenancy_id"
    assert estimate(wf).critical_path[-3:] == ["get_confirmation", "reporting_decision",
                                               "reporting_node"]
    found = lint_json(path)
    assert {"AL302", "AL005", "AL301"} <= _codes(found)
    implicit = [f for f in found if f["code"] == "AL005"]
    assert "ConversationSummarizationTransform" in implicit[0]["message"]
    assert implicit[0]["line"] == 829  # the AgentNode's name


def test_flow_executing_an_agent_orders_a_node_that_reads_nothing_from_it() -> None:
    path = SPEC / "example_serialized_flow_executing_agent.yaml"
    wf = _load(path)
    assert model_calls(wf) == 3
    serial = [f for f in lint_json(path) if f["code"] == "AL101"]
    assert len(serial) == 1 and "ParallelFlowNode" in serial[0]["message"]


def test_wayflow_map_sample_runs_items_side_by_side_up_to_the_pool() -> None:
    """wayflow howto_mapstep.yaml: an ExtendedMapNode with parallel_execution and no
    max_workers runs its LlmNode on the items side by side, at most 20 at once (WayFlow's
    thread pool), so the five assumed items take the time of one."""
    path = WAYFLOW / "howto_mapstep.yaml"
    wf = _load(path)
    assert model_calls(wf) == 5
    step = wf.step("summarize_step")
    assert (step.fan_out, step.fan_out_concurrency) == (5, 20)
    found = lint_json(path)
    assert "AL104" not in _codes(found)
    assert any("max_workers" in f["message"] for f in found if f["code"] == "AL902")


def test_wayflow_agent_in_a_flow_between_two_messages() -> None:
    wf = _load(WAYFLOW / "howto_agents_in_flows.yaml")
    assert [(s.id, s.kind) for s in wf.steps] == [
        ("user_step", "human"), ("agent_step", "llm"), ("send_email_step", "aggregate")]
    assert model_calls(wf) == 3  # the agent's tool loop, assumed
    assert "AL005" not in _codes(lint_json(WAYFLOW / "howto_agents_in_flows.yaml"))


def test_manager_asks_one_worker_as_a_tool() -> None:
    """agent-spec howto_managerworkers.yaml: a manager (a tool loop whose tools are its
    two workers) and one worker per run (equal shares, assumed)."""
    wf = _load(SPEC / "howto_managerworkers.yaml")
    assert model_calls(wf) == pytest.approx(3 + 3)  # manager 3, the worker it asks 3 (tools)
    router = wf.step("CustomerServiceManager_turns_to")
    assert {r.step for r in router.routes} == {"RefundSpecialist", "SatisfactionSurveyor"}
    assert set(wf.agents["CustomerServiceManager"].tools) >= {"ask_RefundSpecialist",
                                                              "ask_SatisfactionSurveyor"}
    assert not {"AL001", "AL005"} & _codes(lint_json(SPEC / "howto_managerworkers.yaml"))


def test_swarm_hands_the_conversation_on_once() -> None:
    wf = _load(SPEC / "howto_swarm.yaml")
    router = wf.step("GeneralPractitioner_turns_to")
    assert {r.step for r in router.routes} == {"Pharmacist", "Dermatologist"}
    assert estimate(wf).critical_path[0] == "GeneralPractitioner"
    assert any("Swarm" in message for message, _, _ in wf.assumptions)


def test_agent_with_tools_and_toolboxes() -> None:
    wf = _load(FORK / "example_serialized_agent_with_tools_and_toolboxes_26_2_0.yaml")
    assert model_calls(wf) == 3 and len(wf.steps) == 1
    assert "my_mcp_tool" in wf.agents["Funny_agent"].tools


def test_nemo_agent_toolkit_nim_agent_is_one_call() -> None:
    """NeMo Agent Toolkit's Agent Spec fixtures: an Agent on an OpenAI-compatible NIM
    endpoint, no tools: one call to the model the file names, nothing to report."""
    path = NVIDIA / "nim_agent.yaml"
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["NIM_Test_Agent"] and model_calls(wf) == 1
    assert wf.steps[0].model == "meta/llama-3.1-8b-instruct"
    assert estimate(wf).critical_path == ["NIM_Test_Agent"]
    assert not _codes(lint_json(path))


def test_nemo_agent_toolkit_weather_agent_is_one_tool_loop() -> None:
    """A ClientTool the caller runs: the agent decides, the client answers, the agent
    replies (three calls, assumed)."""
    path = NVIDIA / "weather_agent_with_tool.yaml"
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["weather_agent"] and model_calls(wf) == 3
    assert wf.agents["weather_agent"].tools == ["get_weather"]
    assert estimate(wf).critical_path == ["weather_agent"]
    assert not _codes(lint_json(path))


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_every_step_is_placed_at_its_node_name(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for step in _load(path).steps:
        line, col = step.at()
        assert lines[line - 1][:col - 1].rstrip().endswith("name:"), (step.id, line)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_the_converted_spec_estimates_the_same(path: Path) -> None:
    from agentlint.convert import as_native

    wf = _load(path)
    before, after = estimate(wf), estimate(as_native(wf))
    assert after.cost_usd == pytest.approx(before.cost_usd, rel=1e-9)
    assert after.latency_s == pytest.approx(before.latency_s, rel=1e-9)


# -- detection, flags, refusals --------------------------------------------------------------


def test_lint_dot_reads_agent_spec_yaml_and_json_and_leaves_the_rest(repo: Path) -> None:
    doc = yaml.safe_load((SPEC / "howto_summary_flow.yaml").read_text(encoding="utf-8"))
    write(repo, "flows/summary.json", json.dumps(doc))
    write(repo, "flows/summary.yaml", (SPEC / "howto_summary_flow.yaml").read_text("utf-8"))
    write(repo, "data/other.yaml", "component_type: widget\nsize: 3\n")
    proc = run_process("lint", "--format", "json", ".", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    assert {f["file"] for f in json.loads(proc.stdout)} == {"flows/summary.json",
                                                            "flows/summary.yaml"}


def test_input_format_and_convert(repo: Path) -> None:
    path = write(repo, "flow.yaml", (SPEC / "howto_summary_flow.yaml").read_text("utf-8"))
    proc = run_process("estimate", "--input-format", "agentspec", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "summarize_node" in proc.stdout
    proc = run_process("convert", str(path))
    assert proc.returncode == 0, proc.stderr
    native = yaml.safe_load(proc.stdout)
    assert native["agentlint"] == 1 and native["steps"][0]["id"] == "summarize_node"


def test_optimize_refuses_a_diff_of_an_agent_spec_file(repo: Path) -> None:
    path = write(repo, "flow.yaml", (SPEC / "howto_summary_flow.yaml").read_text("utf-8"))
    line = exit_2_one_line(run_process("optimize", "--diff", str(path)))
    assert "agentspec file" in line


@pytest.mark.parametrize("name", ["flow.yaml", "flow.json"])
def test_optimize_write_sets_model_ids_in_the_file(repo: Path, name: str) -> None:
    shared = {"component_type": "OpenAiConfig", "id": "big", "name": "big",
              "model_id": "gpt-4o"}
    doc = flow([node("LlmNode", "a", llm_config=ref("big"), prompt_template="Say hi"),
                node("LlmNode", "b", llm_config=ref("big"), prompt_template="Say bye"),
                node("EndNode", "end")], [("start", "a"), ("a", "b"), ("b", "end")])
    doc["$referenced_components"]["big"] = shared
    path = write(repo, name, json.dumps(doc, indent=2) if name.endswith(".json") else doc)
    (repo / "agentlint.profile.yaml").write_text(
        "candidates: [gpt-4o-mini, gpt-4o]\nbudgets:\n  cost_usd: 0.0005\n",
        encoding="utf-8")
    proc = run_process("optimize", "--format", "json", str(path))
    assert proc.returncode == 0, proc.stderr
    planned = {c["step"]: c["to"] for c in json.loads(proc.stdout)["changes"]}
    assert planned == {"a": "gpt-4o-mini", "b": "gpt-4o-mini"}
    proc = run_process("optimize", "--write", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stderr
    text = path.read_text(encoding="utf-8")
    assert text.count("gpt-4o-mini") == 1 and "gpt-4o\n" not in text  # the shared config
    wf = _load(path)
    assert all(wf.models[wf.step(s).model or ""].name == "gpt-4o-mini" for s in ("a", "b"))


BROKEN: list[tuple[str, str]] = [
    ("component_type: Flow\nname: f\nstart_node: {$component_ref: nowhere}\nnodes: []\n"
     "agentspec_version: 25.4.1\n", "names no component"),
    ("component_type: Flow\nname: f\nstart_node: {$component_ref: a}\nnodes: []\n"
     "$referenced_components:\n  a: {$component_ref: a}\nagentspec_version: 25.4.1\n",
     "refers to itself"),
    ("component_type: Swarm\nname: s\nagentspec_version: 25.4.1\n", "first_agent must be"),
    ("component_type: Flow\nname: f\nnodes: 3\nagentspec_version: 25.4.1\n",
     "list of nodes"),
]


@pytest.mark.parametrize(("text", "reason"), BROKEN)
def test_broken_files_exit_2_at_the_place(repo: Path, text: str, reason: str) -> None:
    path = write(repo, "flow.yaml", text)
    assert reason in exit_2_one_line(run_process("lint", str(path)), str(path))


def test_input_format_on_a_file_without_a_component_type(repo: Path) -> None:
    path = write(repo, "flow.json", "{}")
    line = exit_2_one_line(run_process("lint", "--input-format", "agentspec", str(path)),
                           str(path))
    assert "needs a top-level component_type" in line


def test_a_list_is_no_component(repo: Path) -> None:
    path = write(repo, "flow.json", '[{"component_type": "Flow", "agentspec_version": "1"}]')
    assert "must be a YAML or JSON mapping" in exit_2_one_line(
        run_process("lint", str(path)), str(path))


def test_other_components_are_no_workflow_and_pass(repo: Path) -> None:
    """An llm_config or a RemoteAgent serialised alone is not a workflow: skipped, so a
    pre-commit hook over a repository of Agent Spec fragments passes."""
    write(repo, "llm.yaml", "component_type: VllmConfig\nname: llm\nmodel_id: x\n"
          "agentspec_version: 25.4.1\n")
    write(repo, "remote.json", json.dumps({"component_type": "RemoteAgent", "name": "r",
                                           "agentspec_version": "25.4.1"}))
    write(repo, "flow.yaml", (SPEC / "howto_summary_flow.yaml").read_text("utf-8"))
    proc = run_process("lint", "--format", "json", "llm.yaml", "remote.json", "flow.yaml",
                       cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    assert {f["file"] for f in json.loads(proc.stdout)} <= {"flow.yaml"}
    assert any(f["file"] == "flow.yaml" for f in json.loads(proc.stdout))


def test_a_config_given_at_load_time_is_said_not_refused(repo: Path) -> None:
    """pyagentspec loads `$component_ref`s the file does not hold from a components
    registry: an llm_config or a tool may live outside the file; a node may not."""
    doc = flow([node("LlmNode", "a", llm_config=ref("shared_llm"), prompt_template="Hi"),
                node("ToolNode", "t", tool=ref("search_tool")), node("EndNode", "end")],
               [("start", "a"), ("a", "t"), ("t", "end")])
    wf = _load(write(repo, "flow.yaml", doc))
    said = " ".join(message for message, _, _ in wf.assumptions)
    assert "shared_llm" in said and "search_tool" in said
    assert wf.step("t").tool == "search_tool"


def test_unknown_node_type_is_refused_at_its_type(repo: Path) -> None:
    doc = flow([node("TeleportNode", "t"), node("EndNode", "end")],
               [("start", "t"), ("t", "end")])
    path = write(repo, "flow.yaml", doc)
    line = exit_2_one_line(run_process("lint", str(path)), str(path))
    assert "TeleportNode" in line
    text = path.read_text(encoding="utf-8").splitlines()
    row, col = (int(x) for x in line.split(":")[1:3])
    assert text[row - 1][col - 1:].startswith("TeleportNode")


def test_a_flow_that_contains_itself_is_refused(repo: Path) -> None:
    doc = flow([node("FlowNode", "again", subflow=ref("f")), node("EndNode", "end")],
               [("start", "again"), ("again", "end")])
    doc["$referenced_components"]["f"] = {k: v for k, v in doc.items()
                                          if not k.startswith("$")}
    path = write(repo, "flow.yaml", doc)
    assert "contains itself" in exit_2_one_line(run_process("lint", str(path)), str(path))


def test_an_edge_to_a_node_outside_the_flow_is_refused(repo: Path) -> None:
    doc = flow([llm("a", "Hi"), node("EndNode", "end")], [("start", "a"), ("a", "end")])
    doc["$referenced_components"]["stray"] = llm("stray", "Hi")
    doc["control_flow_connections"].append(
        {"component_type": "ControlFlowEdge", "name": "x", "from_node": ref("a"),
         "to_node": ref("stray")})
    path = write(repo, "flow.yaml", doc)
    assert "not one of the flow's nodes" in exit_2_one_line(run_process("lint", str(path)),
                                                            str(path))


@pytest.mark.parametrize("value", [-5, "1e400"])
def test_a_bad_max_tokens_is_refused_at_its_value(repo: Path, value: Any) -> None:
    config = dict(LLM, default_generation_parameters={"max_tokens": value})
    doc = flow([node("LlmNode", "a", llm_config=config, prompt_template="Hi"),
                node("EndNode", "end")], [("start", "a"), ("a", "end")])
    path = write(repo, "flow.yaml", doc)
    line = exit_2_one_line(run_process("lint", str(path)), str(path))
    assert "max_tokens" in line


def test_mutated_real_files_give_results_or_one_positioned_error(tmp_path: Path) -> None:
    import random

    from agentlint.errors import SpecError
    from agentlint.lint.engine import lint_workflow

    rng = random.Random("agentspec")
    (tmp_path / ".git").mkdir()
    odd: list[Any] = [None, 0, -1, "", [], {}, "x", {"$component_ref": "nowhere"}, 1e308]
    for index, source in enumerate(REAL[:5] * 4):
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
        table = doc.get("$referenced_components") or {}
        for _ in range(rng.randint(1, 3)):
            if not table:
                break
            comp = table[rng.choice(list(table))]
            if isinstance(comp, dict) and comp:
                comp[rng.choice(list(comp))] = rng.choice(odd)
        path = tmp_path / f"m{index}.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        try:
            wf = load_any(str(path), input_format="agentspec")
        except SpecError as exc:
            assert exc.line >= 1 and exc.col >= 1 and "\n" not in exc.message
            continue
        assert wf is not None
        estimate(wf)
        lint_workflow(wf)


def test_profile_overlay_names_nodes(repo: Path) -> None:
    path = write(repo, "flow.yaml", (SPEC / "howto_summary_flow.yaml").read_text("utf-8"))
    (repo / "agentlint.profile.yaml").write_text(textwrap.dedent("""\
        models:
          model_id: gpt-4o-mini
        steps:
          summarize_node: {output_tokens: 20}
        """), encoding="utf-8")
    wf = _load(path)
    assert wf.step("summarize_node").output_tokens == 20
    assert "AL903" not in _codes(lint_json(path))
