"""LangGraph graphs read as LangGraph runs them: nodes in supersteps along their edges,
conditional edges as free routers, cycles bounded by ``recursion_limit``. Real graphs
from five repositories (tests/fixtures/langgraph, see SOURCES.md) pin call counts, the
critical path and the findings; small modules written here pin each construct and the
hostile inputs. Modules are parsed, never imported or run.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agentlint.graph.estimate import estimate
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, exit_2_one_line, lint_json, run_process
from tests.support import model_calls

LG = FIXTURES / "langgraph"


def _load(path: Path, fmt: str | None = None) -> Workflow:
    wf = load_any(str(path), input_format=fmt)
    assert wf is not None and wf.format == "langgraph"
    return wf


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def module(root: Path, body: str, name: str = "graph.py") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


HEAD = """\
from typing import Literal
from langchain_openai import ChatOpenAI
from langgraph.graph import StateGraph, START, END, MessagesState
from langgraph.prebuilt import ToolNode

llm = ChatOpenAI(model="gpt-4o")
"""

REACT = HEAD + """
def agent(state: MessagesState):
    return {"messages": [llm.invoke(state["messages"])]}

def route(state: MessagesState) -> Literal["tools", "__end__"]:
    return "tools" if state["messages"][-1].tool_calls else END

builder = StateGraph(MessagesState)
builder.add_node("agent", agent)
builder.add_node("tools", ToolNode([]))
builder.add_edge(START, "agent")
builder.add_conditional_edges("agent", route)
builder.add_edge("tools", "agent")
graph = builder.compile()
"""


# -- real graphs ----------------------------------------------------------------------


def test_react_agent_template_is_an_agent_tools_cycle_bounded_by_the_default_limit() -> None:
    """langchain-ai/react-agent: call_model <-> tools; recursion_limit 25 supersteps allows
    12 rounds of the two nodes, half of them expected (the route may end it earlier)."""
    manifest = _load(LG / "react-agent" / "langgraph.json", "langgraph")
    assert manifest.file.endswith("src/react_agent/graph.py")  # positions in the module
    wf = _load(LG / "react-agent" / "src" / "react_agent" / "graph.py")
    assert estimate(wf).cost_usd == estimate(manifest).cost_usd
    [loop] = wf.loops
    assert loop.steps == ["call_model", "tools"] and loop.max_iterations == 12
    assert model_calls(wf) == pytest.approx(6.0)
    assert estimate(wf).critical_path == ["call_model", "tools"]
    found = lint_json(LG / "react-agent" / "langgraph.json", "--input-format", "langgraph")
    bound = [f for f in found if "default recursion_limit" in f["message"]]
    assert len(bound) == 1 and bound[0]["code"] == "AL902" and bound[0]["severity"] == "info"
    assert bound[0]["file"].endswith("graph.py") and bound[0]["line"] == 113  # add_edge back
    assert "up to 12 rounds" in bound[0]["message"]
    assert "with_config(recursion_limit=...)" in bound[0]["message"]
    assert not any(f["code"] == "AL302" for f in found)  # it has a bound: 25 supersteps


def test_data_enrichment_agent_reads_the_whole_transcript() -> None:
    """langchain-ai/data-enrichment: call_agent_model may route back to itself, so the
    shortest way round is one superstep: 25 rounds at most."""
    wf = _load(LG / "data-enrichment" / "src" / "enrichment_agent" / "graph.py")
    [loop] = wf.loops
    assert set(loop.steps) == {"call_agent_model", "call_agent_model_route", "reflect", "tools"}
    assert loop.max_iterations == 25
    assert model_calls(wf) == pytest.approx(19.5)  # 13 expected rounds, reflect on half of them
    assert estimate(wf).critical_path == ["call_agent_model", "reflect"]
    found = lint_json(LG / "data-enrichment" / "src" / "enrichment_agent" / "graph.py")
    [ctx] = [f for f in found if f["code"] == "AL005"]
    assert ctx["line"] == 221 and "`reflect`" in ctx["message"]
    assert "whole `messages` list" in ctx["message"] and "trim_messages" in ctx["message"]


def test_executive_assistant_follows_imported_node_functions() -> None:
    """langchain-ai/executive-ai-assistant: node functions imported from the package are
    read there; interrupt() is a person; the first of four graphs is read."""
    wf = _load(LG / "eaia" / "langgraph.json", "langgraph")
    kinds = {s.id: s.kind for s in wf.steps}
    assert kinds["triage_input"] == "llm" and kinds["draft_response"] == "llm"
    assert kinds["rewrite"] == "llm" and kinds["find_meeting_time"] == "llm"
    assert kinds["send_message"] == "human" and kinds["notify"] == "human"
    assert kinds["mark_as_read_node"] == "tool"
    [loop] = wf.loops
    assert loop.max_iterations == 8  # human_node -> draft_response -> send_message: 3 steps
    assert estimate(wf).critical_path == ["triage_input", "notify", "human_node",
                                          "draft_response", "rewrite", "send_email_draft"]
    assert model_calls(wf) == pytest.approx(2.778, abs=1e-3)
    assert any("'cron'" in n and "not" in n for n in wf.extra["notes"])


def test_reflection_graph_fans_out_with_send_to_a_subgraph() -> None:
    """Two graphs in one module, both named by langgraph.json: the one that runs the
    other is read (the other is its subgraph)."""
    wf = _load(LG / "eaia" / "eaia" / "reflection_graphs.py")
    assert wf.name == "multi_reflection_graph"
    assert any("langgraph.json names this module" in n for n in wf.extra["notes"])
    reflect = wf.step("reflection")
    assert reflect.fan_out == 5
    assert wf.model_of(reflect).name == "o1"  # the subgraph's node model
    # the last assignment to reflection_model is the one invoked
    assert wf.model_of(wf.step("determine_what_to_update")).name == "claude-3-5-sonnet-latest"
    found = lint_json(LG / "eaia" / "eaia" / "reflection_graphs.py")
    send = [f for f in found if "Send('reflection'" in f["message"]]
    assert send and send[0]["line"] == 176
    assert any(f["code"] == "AL104" for f in found)
    assert not any(f["code"] == "AL101" for f in found)  # Send hands it the state


def test_langgraph_101_graphs() -> None:
    """langchain-ai/langgraph-101: Command(goto=...), create_agent, a human in a cycle."""
    email = _load(LG / "langgraph-101" / "agents" / "email_agent" / "graph.py", "langgraph")
    assert [s.id for s in email.steps] == ["triage_router", "response_agent"]
    assert email.step("response_agent").calls == 3  # a compiled agent <-> tools subgraph
    assert model_calls(email) == pytest.approx(4.0)
    invoice = _load(LG / "langgraph-101" / "agents" / "music_store" / "invoice_agent.py",
                    "langgraph")
    assert [s.id for s in invoice.steps] == ["agent", "tools"]
    assert invoice.loops[0].max_iterations == 12
    research = _load(LG / "langgraph-101" / "agents" / "researcher" / "graph.py", "langgraph")
    assert research.step("human_input").kind == "human"
    assert research.model_of(research.step("clarify_with_user")).name == "gpt-4.1-mini"
    assert estimate(research).critical_path == ["clarify_with_user", "human_input"]


def test_openai_client_node_and_a_round_counter() -> None:
    """FDE-1/langgraph-research-agent: the model is called through the OpenAI client in a
    method the node calls; a routing function that compares a count is said to bound the
    cycle perhaps before recursion_limit does (no claim of 'only the default')."""
    path = LG / "research-agent" / "agent.py"
    wf = _load(path)
    assert wf.model_of(wf.step("reason")).name == "gpt-4o"
    assert wf.step("reason").pos.get("model") if hasattr(wf.step("reason"), "pos") else True
    found = lint_json(path)
    cycle = [f for f in found if "cycle reason" in f["message"]]
    assert cycle and "compares a count" in cycle[0]["message"]
    assert not any("default recursion_limit" in f["message"] for f in found)


def test_mermaid_and_json_exports_carry_topology_only() -> None:
    wf = _load(LG / "research_agent.mmd", "langgraph")
    assert [s.id for s in wf.steps] == ["reason", "reason_route", "action", "observe",
                                        "max_turn", "embed"]
    assert wf.loops[0].max_iterations == 8
    assert any("topology only" in m for m, _, _ in wf.assumptions)
    export = _load(LG / "remote_graph_export.json")
    assert [s.id for s in export.steps] == ["agent"] and model_calls(export) == 1


# -- constructs -----------------------------------------------------------------------


def test_literal_model_edit_is_said_at_the_keyword(repo: Path) -> None:
    path = module(repo, REACT)
    wf = _load(path)
    assert wf.model_of(wf.step("agent")).name == "gpt-4o"
    from agentlint.lint.wording import fix

    said = fix(wf, "model", "agent", "gpt-4o-mini")
    assert said is not None and 'model="gpt-4o-mini"' in said and "graph.py:6:" in said


def test_recursion_limit_literal_sets_the_bound(repo: Path) -> None:
    path = module(repo, REACT + 'graph = graph.with_config(recursion_limit=50)\n')
    wf = _load(path)
    assert wf.loops[0].max_iterations == 25
    found = lint_json(path)
    assert not any("default recursion_limit" in f["message"] for f in found)
    assert any("recursion_limit 50" in f["message"] for f in found)


def test_join_and_parallel_branches(repo: Path) -> None:
    path = module(repo, HEAD + """
def a(state): return {"x": llm.invoke(state["q"]).content}
def b(state): return {"y": llm.invoke(state["q"]).content}
def c(state): return {"z": llm.invoke(state["x"] + state["y"]).content}

g = StateGraph(dict)
g.add_node("a", a)
g.add_node("b", b)
g.add_node("c", c)
g.add_edge(START, "a")
g.add_edge(START, "b")
g.add_edge(["a", "b"], "c")
g.add_edge("c", END)
""")
    wf = _load(path)
    assert estimate(wf).critical_path[-1] == "c" and len(estimate(wf).critical_path) == 2
    assert {"a", "b"} <= set(wf.step("c").context) | set(wf.step("c").needs)


def test_serial_but_independent_edge(repo: Path) -> None:
    """b reads nothing a writes: the edge a -> b only orders them (AL101)."""
    path = module(repo, HEAD + """
def a(state): return {"x": llm.invoke(state["q"]).content}
def b(state): return {"y": llm.invoke(state["q"]).content}

g = StateGraph(dict)
g.add_node("a", a)
g.add_node("b", b)
g.add_edge(START, "a")
g.add_edge("a", "b")
g.add_edge("b", END)
""")
    found = lint_json(path)
    [serial] = [f for f in found if f["code"] == "AL101"]
    assert serial["line"] == 15 and "`b`" in serial["message"]  # at add_edge("a", "b")
    assert 'with add_edge(START, "b")' in serial["message"]  # in LangGraph's words
    text = path.read_text(encoding="utf-8")
    proc = run_process("lint", "--fix", "--unsafe-fixes", str(path))
    assert proc.returncode in (0, 1), proc.stderr
    assert path.read_text(encoding="utf-8") == text  # Python is never rewritten


def test_conditional_edges_with_a_path_map_and_without(repo: Path) -> None:
    path = module(repo, HEAD + """
def a(state): return {"x": llm.invoke(state["q"]).content}
def pick(state): return state["x"]

g = StateGraph(dict)
g.add_node("a", a)
g.add_node("b", a)
g.add_node("c", a)
g.add_edge(START, "a")
g.add_conditional_edges("a", pick, {"left": "b", "right": "c"})
""")
    wf = _load(path)
    assert [r.step for r in wf.step("a_route").routes] == ["b", "c"]
    unknown = module(repo, HEAD + """
def a(state): return {"x": llm.invoke(state["q"]).content}
def pick(state): return state["x"]

g = StateGraph(dict)
g.add_node("a", a)
g.add_node("b", a)
g.add_node("c", a)
g.add_edge(START, "a")
g.add_conditional_edges("a", pick)
""", "unknown.py")
    found = lint_json(unknown)
    assert any("where they lead is unknown" in f["message"] and f["line"] == 16
               for f in found)


def test_command_goto_is_a_router(repo: Path) -> None:
    path = module(repo, HEAD + """
from langgraph.types import Command

def triage(state) -> Command[Literal["billing", "tech"]]:
    answer = llm.invoke(state["q"]).content
    return Command(goto="billing" if answer == "b" else "tech", update={"a": answer})

def worker(state): return {"r": llm.invoke(state["a"]).content}

g = StateGraph(dict)
g.add_node(triage)
g.add_node("billing", worker)
g.add_node("tech", worker)
g.add_edge(START, "triage")
""")
    wf = _load(path)
    assert [r.step for r in wf.step("triage_route").routes] == ["billing", "tech"]
    assert model_calls(wf) == pytest.approx(2.0)


def test_prebuilt_react_agent(repo: Path) -> None:
    path = module(repo, """\
from langgraph.prebuilt import create_react_agent
from langchain.chat_models import init_chat_model

graph = create_react_agent(init_chat_model("openai:gpt-4o-mini"), tools=[])
""")
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["agent", "tools"]
    assert wf.model_of(wf.step("agent")).name == "gpt-4o-mini"
    assert wf.loops[0].max_iterations == 12


def test_profile_beside_the_module(repo: Path) -> None:
    path = module(repo, REACT)
    before = estimate(_load(path)).cost_usd
    (repo / "agentlint.profile.yaml").write_text(
        "steps:\n  agent:\n    output_tokens: 1000\nloops:\n  agent_cycle:\n"
        "    expected_iterations: 2\n", encoding="utf-8")
    wf = _load(path)
    assert wf.step("agent").output_tokens == 1000
    assert estimate(wf).cost_usd != before
    assert model_calls(wf) == pytest.approx(2.0)


def test_convert_estimates_to_the_same_figures(repo: Path) -> None:
    path = module(repo, REACT)
    out = repo / "native.yaml"
    proc = run_process("convert", str(path), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    native = load_any(str(out))
    assert native is not None
    assert estimate(native).cost_usd == pytest.approx(estimate(_load(path)).cost_usd)


def test_optimize_reports_at_the_source_and_refuses_a_diff(repo: Path) -> None:
    path = module(repo, REACT)
    (repo / "agentlint.profile.yaml").write_text(
        "budgets:\n  cost_usd: 0.005\ncandidates: [gpt-4o-mini, gpt-4o]\n", encoding="utf-8")
    proc = run_process("optimize", str(path))
    assert proc.returncode == 0, proc.stderr
    # the change is said at the literal that names the model (line 6: ChatOpenAI(model=...))
    assert "graph.py:6: step 'agent': model gpt-4o -> gpt-4o-mini" in proc.stdout
    # --write edits model literals (tests/test_optimize_write_sources.py); --diff is refused
    line = exit_2_one_line(run_process("optimize", "--diff", str(path)))
    assert "langgraph file" in line
    assert path.read_text(encoding="utf-8") == textwrap.dedent(REACT)


# -- detection -----------------------------------------------------------------------


def test_lint_dot_reads_each_graph_once(repo: Path) -> None:
    """Each graph module is read once, as itself; langgraph.json is a manifest (it names
    the variable), other Python is passed over."""
    from agentlint.paths import discover

    shutil.copytree(LG / "react-agent", repo / "react")
    module(repo, REACT, "solo/graph.py")
    module(repo, "import os\nprint(os.getcwd())\n", "tools/script.py")
    module(repo, "from langgraph.graph import StateGraph\n", "lib/types.py")
    read: dict[str, str] = {}
    for path in discover([str(repo)]):
        wf = load_any(path)
        if wf is not None:
            rel = Path(path).relative_to(repo).as_posix()
            assert rel not in read
            read[rel] = wf.format
    assert read == {"react/src/react_agent/graph.py": "langgraph",
                    "solo/graph.py": "langgraph"}
    found = lint_json(repo, cwd=repo)
    assert {Path(f["file"]).relative_to(repo).as_posix() for f in found} == {
        "react/src/react_agent/graph.py", "solo/graph.py"}


def test_a_manifest_named_alone_is_passed_over_and_read_with_the_format_flag() -> None:
    manifest = LG / "react-agent" / "langgraph.json"
    proc = run_process("lint", "--format", "json", str(manifest))
    assert proc.returncode == 0 and json.loads(proc.stdout) == [], proc.stderr
    assert run_process("estimate", "--input-format", "langgraph", str(manifest)).returncode == 0


# -- hostile inputs ------------------------------------------------------------------


@pytest.mark.parametrize("body, where, reason", [
    ("from langgraph.graph import StateGraph\ng = StateGraph(dict\n", None, "syntax error"),
    (HEAD + "g = StateGraph(dict)\ng.add_node('a', lambda s: s)\ng.add_edge('a', 'b')\n"
     "g.add_edge(START, 'a')\n", ":9:1:", "unknown node 'b'"),
    (HEAD + "g = StateGraph(dict)\ng.add_node('a', lambda s: s)\n", ":7:5:", "no entry point"),
    (REACT + "graph = graph.with_config(recursion_limit=1000000)\n", ":21:", "recursion_limit"),
    (REACT + "graph = graph.with_config(recursion_limit=0)\n", ":21:", "recursion_limit"),
])
def test_broken_modules_exit_2(repo: Path, body: str, where: str | None, reason: str) -> None:
    path = module(repo, body)
    line = exit_2_one_line(run_process("lint", "--input-format", "langgraph", str(path)),
                           str(path))
    assert reason in line.lower() or reason in line
    if where is not None:
        assert where in line


def test_a_module_is_never_run(repo: Path) -> None:
    marker = repo / "ran"
    path = module(repo, REACT + f"open({str(marker)!r}, 'w').write('x')\nraise SystemExit(3)\n")
    assert run_process("lint", str(path)).returncode in (0, 1)
    assert not marker.exists()


@pytest.mark.parametrize("target, reason", [
    ("../outside/graph.py:graph", "outside"),
    ("./langgraph.json:graph", "not a Python module"),
    ("./missing.py:graph", "not found"),
    ("graph.py", "path.py:variable"),
])
def test_manifest_paths_are_guarded(repo: Path, target: str, reason: str) -> None:
    (repo.parent / "outside").mkdir(exist_ok=True)
    module(repo.parent / "outside", REACT)
    proj = repo / "proj"
    proj.mkdir()
    module(proj, REACT)
    manifest = proj / "langgraph.json"
    manifest.write_text(json.dumps({"graphs": {"agent": target}}, indent=2), encoding="utf-8")
    line = exit_2_one_line(run_process("lint", "--input-format", "langgraph", str(manifest)),
                           str(manifest))
    assert ":3:" in line and reason in line


def test_changed_since_lints_a_changed_graph_module(tmp_path: Path) -> None:
    from tests.support import GitRepo

    git = GitRepo(tmp_path / "r")
    git.write("agents/graph.py", REACT)
    git.write("agents/util.py", "def f():\n    return 1\n")
    base = git.commit("first")
    git.write("agents/graph.py", REACT.replace('"gpt-4o"', '"gpt-4o-mini"'))
    git.write("agents/util.py", "def f():\n    return 2\n")
    git.commit("second")
    proc = run_process("lint", "--format", "json", "--changed-since", base, ".", cwd=git.root)
    assert proc.returncode in (0, 1), proc.stderr
    assert {Path(f["file"]).name for f in json.loads(proc.stdout)} == {"graph.py"}


def _line_mutants(text: str, rng: Any, count: int) -> list[str]:
    """The module with lines deleted, doubled, swapped or cut short: most still parse."""
    lines = text.splitlines(keepends=True)
    out = []
    for _ in range(count):
        copy = list(lines)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(copy))
            how = rng.random()
            if how < 0.4:
                del copy[i]
            elif how < 0.6:
                copy.insert(i, copy[i])
            elif how < 0.8:
                j = rng.randrange(len(copy))
                copy[i], copy[j] = copy[j], copy[i]
            else:
                copy[i] = copy[i][: rng.randrange(len(copy[i]) + 1)] + "\n"
            if not copy:
                break
        out.append("".join(copy))
    return out


@pytest.mark.parametrize("rel", ["react-agent/src/react_agent/graph.py",
                                 "data-enrichment/src/enrichment_agent/graph.py",
                                 "eaia/eaia/reflection_graphs.py",
                                 "langgraph-101/agents/email_agent/graph.py"])
def test_mutated_modules_give_results_or_one_positioned_error(tmp_path: Path, rel: str) -> None:
    import random

    from agentlint.errors import SpecError
    from agentlint.lint.engine import lint_workflow

    rng = random.Random(f"langgraph-{rel}")
    (tmp_path / ".git").mkdir()
    text = (LG / rel).read_text(encoding="utf-8")
    for index, mutant in enumerate(_line_mutants(text, rng, 30)):
        path = tmp_path / f"m{index}.py"
        path.write_text(mutant, encoding="utf-8")
        try:
            wf = load_any(str(path), input_format="langgraph")
        except SpecError as exc:
            assert exc.line >= 1 and exc.col >= 1 and "\n" not in exc.message
            continue
        assert wf is not None
        estimate(wf)
        lint_workflow(wf)


def test_react_loop_cost_is_rounds_times_one_call(repo: Path) -> None:
    """agent (gpt-4o) <-> tools with a profile: 1,000 tokens in, 200 out, 3 rounds. The
    agent re-reads the growing messages: round r reads r - 1 rounds of 200 (its reply) +
    500 (the tool result, assumed) more, so a call reads 1,000 + (3 - 1) / 2 * 700 = 1,700
    tokens on average: 3 * (1700 * in + 200 * out) / 1e6."""
    from agentlint.spec import catalog

    path = module(repo, REACT)
    (repo / "agentlint.profile.yaml").write_text(
        "inputs:\n  messages: 1000\nsteps:\n  agent:\n    output_tokens: 200\n"
        "loops:\n  agent_cycle:\n    expected_iterations: 3\n", encoding="utf-8")
    wf = _load(path)
    row = next(r for r in estimate(wf).steps if r.id == "agent")
    price = catalog.model("gpt-4o")
    assert row.calls == pytest.approx(3)
    one = (1700 * price.input_per_mtok + 200 * price.output_per_mtok) / 1e6
    assert row.cost_usd == pytest.approx(3 * one, rel=0.01)


def test_python_that_quotes_workflows_is_not_read(repo: Path) -> None:
    """A module whose docstring holds a spec or a flow (a rule's example, a test) is no
    workflow: Python goes to the LangGraph reader only, which wants a real graph."""
    quoted = ('"""Example:\n\nagentlint: 1\nsteps:\n  - id: a\n    model: m\n"""\n'
              'FLOW = """\nnodes:\n- name: a\n  inputs: {x: ${inputs.q}}\n"""\n'
              'SRC = """\nfrom langgraph.graph import StateGraph\ng = StateGraph(dict)\n"""\n')
    path = module(repo, quoted, "rules/example.py")
    assert load_any(str(path)) is None
    assert load_any(str(path), named=True) is None
    proc = run_process("lint", "--format", "json", str(repo))
    assert proc.returncode == 0 and json.loads(proc.stdout) == [], proc.stderr


def test_too_many_nodes_or_edges_are_refused(repo: Path) -> None:
    nodes = "".join(f"g.add_node('n{i}', lambda s: s)\n" for i in range(501))
    path = module(repo, HEAD + "g = StateGraph(dict)\n" + nodes + "g.add_edge(START, 'n0')\n")
    line = exit_2_one_line(run_process("lint", str(path)), str(path))
    assert ":7:5:" in line and "at most 500" in line
    edges = "".join("g.add_edge('a', 'b')\n" for _ in range(5001))
    path = module(repo, HEAD + "g = StateGraph(dict)\ng.add_node('a', lambda s: s)\n"
                  "g.add_node('b', lambda s: s)\ng.add_edge(START, 'a')\n" + edges, "e.py")
    line = exit_2_one_line(run_process("lint", str(path)), str(path))
    assert "at most 5000" in line


def test_json_export_with_conditional_edges(repo: Path) -> None:
    doc = {"nodes": [{"id": "__start__", "type": "schema", "data": "__start__"},
                     {"id": "agent", "type": "runnable", "data": {"id": ["x"], "name": "a"}},
                     {"id": "tools", "type": "runnable",
                      "data": {"id": ["langgraph", "prebuilt", "ToolNode"], "name": "tools"}},
                     {"id": "__end__", "type": "schema", "data": "__end__"}],
           "edges": [{"source": "__start__", "target": "agent"},
                     {"source": "agent", "target": "tools", "conditional": True},
                     {"source": "agent", "target": "__end__", "conditional": True},
                     {"source": "tools", "target": "agent"}]}
    path = repo / "graph.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["agent", "tools"]
    assert wf.step("tools").kind == "tool" and wf.loops[0].max_iterations == 12
    bad = repo / "bad.json"
    doc["edges"].append({"source": "agent", "target": "nowhere"})
    bad.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    line = exit_2_one_line(run_process("lint", str(bad)), str(bad))
    assert "unknown node 'nowhere'" in line


def test_mermaid_left_to_right(repo: Path) -> None:
    text = (LG / "research_agent.mmd").read_text(encoding="utf-8").replace("graph TD;",
                                                                          "graph LR;")
    path = repo / "g.mmd"
    path.write_text(text, encoding="utf-8")
    assert [s.id for s in _load(path).steps][:2] == ["reason", "reason_route"]
