"""CrewAI Flows read as the Flow runtime runs them: a method's listeners side by side,
``and_`` waiting for all, a router's labels choosing one way, a cycle through a router
bounded by nothing the file says. Real flows from three repositories
(tests/fixtures/crewai_flow, see SOURCES.md) pin call counts, the critical path and the
findings; small flows written here pin the semantics and the link to a crew's files.
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
from tests.conftest import FIXTURES, exit_2_one_line, run_process
from tests.support import model_calls

FLOWS = FIXTURES / "crewai_flow"


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "crewai-flow"
    return wf


def _findings(path: Path) -> list[dict[str, Any]]:
    proc = run_process("lint", "--format", "json", str(path))
    assert proc.returncode in (0, 1), proc.stderr
    found: list[dict[str, Any]] = json.loads(proc.stdout)
    return [f for f in found if f["severity"] in ("warning", "error") and f["code"] != "AL301"]


def flow(root: Path, body: str, name: str = "main.py") -> Path:
    (root / ".git").mkdir(exist_ok=True)
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("from crewai.flow.flow import Flow, and_, listen, or_, router, start\n"
                    "from litellm import completion\n\n\nclass F(Flow):\n" +
                    textwrap.indent(textwrap.dedent(body), "    "), encoding="utf-8")
    return path


LLM = "completion(model='gpt-4o-mini', messages=[])"


@pytest.mark.parametrize("name, calls, path", [
    ("agui_agentic_chat.py", 1, ["chat"]),
    # chat returns only "route_end": no cycle
    ("agui_human_in_the_loop.py", 1, ["start_flow", "chat", "end"]),
    # start_flow <- "route_follow_up" <- chat: an unbounded cycle, 10 rounds assumed
    ("copilotkit_agent.py", 10, ["start_flow", "chat", "end"]),
    ("agui_shared_state.py", 10, ["start_flow", "chat", "end"]),
    ("agui_agentic_generative_ui.py", 10, ["start_flow", "chat", "simulate_task"]),
    # the exploration branch (half the runs) calls the LLM once per finding (5, assumed)
    # each of 10 rounds
    ("recall_flow.py", 25, ["analyze_query_step", "filter_and_chunk", "search_chunks",
                            "recursive_exploration", "re_search", "synthesize_results"]),
    # a crew of two tasks, the router's agent, and the follow-up on half the runs
    ("flow_definition_example.yaml", 3.5, ["research_brief", "route_followup",
                                           "write_followup"]),
])
def test_real_flows(name: str, calls: float, path: list[str]) -> None:
    wf = _load(FLOWS / name)
    assert model_calls(wf) == pytest.approx(calls)
    assert estimate(wf).critical_path == path


def test_an_agent_tool_cycle_through_a_router_is_unbounded() -> None:
    for name, line in (("copilotkit_agent.py", 70), ("agui_shared_state.py", 138),
                       ("agui_agentic_generative_ui.py", 164)):
        found = _findings(FLOWS / name)
        assert [(f["code"], f["line"]) for f in found] == [("AL302", line)], (name, found)
        assert "RecursionError" in found[0]["help"] and "router `" in found[0]["help"]
    assert _findings(FLOWS / "agui_human_in_the_loop.py") == []


def test_listeners_of_one_method_run_side_by_side_and_and_waits(tmp_path: Path) -> None:
    path = flow(tmp_path, f"""\
        @start()
        def a(self):
            return {LLM}

        @listen(a)
        def b(self):
            return {LLM}

        @listen(a)
        def c(self):
            return {LLM}

        @listen(and_(b, c))
        def d(self):
            return {LLM}
        """)
    wf = _load(path)
    result = estimate(wf)
    assert model_calls(wf) == 4
    by = {row.id: row for row in result.steps}
    # b and c run at once: the run takes a, the slower of b and c, and d
    assert result.latency_s == pytest.approx(by["a"].latency_s + max(
        by["b"].latency_s, by["c"].latency_s) + by["d"].latency_s)
    assert {"b", "c"} <= set(wf.step("d").context)


def test_a_router_label_chooses_one_way_each_as_often(tmp_path: Path) -> None:
    path = flow(tmp_path, f"""\
        @start()
        def classify(self):
            return {LLM}

        @router(classify)
        def pick(self):
            if self.state.x:
                return "easy"
            return "hard"

        @listen("easy")
        def quick(self):
            return {LLM}

        @listen(or_("hard", quick))
        def slow(self):
            return {LLM}
        """)
    wf = _load(path)
    rows = {row.id: row for row in estimate(wf).steps}
    assert rows["quick"].runs == pytest.approx(0.5)
    assert wf.step("pick").kind == "router"


def test_a_crew_of_the_same_project_gives_its_calls(tmp_path: Path) -> None:
    crew = tmp_path / "src/poems/crews/poem_crew"
    (crew / "config").mkdir(parents=True)
    (crew / "config/agents.yaml").write_text(
        "poet:\n  role: Poet\n  goal: Write\n  backstory: A poet.\n  llm: gpt-4o\n",
        encoding="utf-8")
    (crew / "config/tasks.yaml").write_text(
        "draft:\n  description: Draft a poem.\n  expected_output: A poem.\n  agent: poet\n"
        "polish:\n  description: Polish it.\n  expected_output: A poem.\n  agent: poet\n",
        encoding="utf-8")
    path = flow(tmp_path, """\
        @start()
        def write(self):
            return PoemCrew().crew().kickoff(inputs={})

        @listen(write)
        def other(self):
            return OtherCrew().crew().kickoff(inputs={})
        """, name="src/poems/main.py")
    text = path.read_text(encoding="utf-8")
    path.write_text("from .crews.poem_crew.poem_crew import PoemCrew\n"
                    "from elsewhere import OtherCrew\n" + text, encoding="utf-8")
    wf = _load(path)
    assert wf.step("write").calls == 2  # the crew's two tasks
    assert wf.models[wf.step("write").model or ""].base == "gpt-4o"
    assert wf.step("other").calls == 3  # not in the project: assumed
    assert any("OtherCrew is not in this project" in a[0] for a in wf.assumptions)
    assert any(s.endswith("tasks.yaml") for s in wf.extra["sources"])


def test_detection_and_refusals(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "plain.py").write_text("from crewai import Agent\n", encoding="utf-8")
    path = flow(tmp_path, f"""\
        @start()
        def a(self):
            return {LLM}
        """)
    proc = run_process("lint", "--format", "json", str(tmp_path))
    assert proc.returncode in (0, 1), proc.stderr
    assert {Path(f["file"]).name for f in json.loads(proc.stdout)} <= {"main.py"}
    assert _load(path).step("a").calls == 1
    bad = tmp_path / "bad.py"
    bad.write_text("from crewai.flow.flow import Flow, start\nclass F(Flow):\n  @start()\n"
                   "  def a(self) return 1\n", encoding="utf-8")
    line = exit_2_one_line(run_process("estimate", str(bad)), str(bad))
    assert ":4:" in line and "not valid Python" in line
    none = tmp_path / "none.py"
    none.write_text("from crewai.flow.flow import Flow, listen\n# @start comes later\n"
                    "class F(Flow):\n  @listen('x')\n  def a(self): pass\n", encoding="utf-8")
    line = exit_2_one_line(run_process("estimate", "--input-format", "crewai-flow",
                                       str(none)), str(none))
    assert "no @start() method" in line


def test_too_many_ways_back_are_refused(tmp_path: Path) -> None:
    body = "".join(f"@listen(or_(m{i - 1}, 'back'))\ndef m{i}(self):\n    pass\n\n"
                   for i in range(1, 60))
    path = flow(tmp_path, "@start()\ndef m0(self):\n    pass\n\n" + body +
                "@router(m59)\ndef r(self):\n    return 'back'\n")
    line = exit_2_one_line(run_process("estimate", str(path)), str(path))
    assert "more than 50 ways back" in line


def test_the_profile_names_methods(tmp_path: Path) -> None:
    path = flow(tmp_path, f"""\
        @start()
        def a(self):
            return {LLM}
        """)
    (tmp_path / "agentlint.profile.yaml").write_text("steps:\n  a: {output_tokens: 42}\n",
                                                     encoding="utf-8")
    assert _load(path).step("a").output_tokens == 42
