"""AutoGen teams read as AutoGen runs them: every turn reads the task and the messages
before it, a selector asks its model before each turn, a MaxMessageTermination counts
the task. Real files from three repositories (tests/fixtures/autogen, see SOURCES.md)
pin call counts, the critical path and the findings; small teams written here pin
the cost formula of docs/cost-model.md against figures computed by hand.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agentlint.graph.estimate import estimate
from agentlint.sources import load_any
from agentlint.spec import catalog
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, exit_2_one_line, lint_json, run_process
from tests.support import model_calls

AUTOGEN = FIXTURES / "autogen"


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "autogen"
    return wf


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def agent(name: str, model: str = "gpt-4o-mini", system: str = "",
          context: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": name, "system_message": system,
        "model_client": {"provider": "autogen_ext.models.openai.OpenAIChatCompletionClient",
                         "component_type": "model", "config": {"model": model}}}
    if context is not None:
        config["model_context"] = context
    return {"provider": "autogen_agentchat.agents.AssistantAgent", "component_type": "agent",
            "config": config}


def max_messages(n: Any) -> dict[str, Any]:
    return {"provider": "autogen_agentchat.conditions.MaxMessageTermination",
            "component_type": "termination", "config": {"max_messages": n}}


def mention(text: str) -> dict[str, Any]:
    return {"provider": "autogen_agentchat.conditions.TextMentionTermination",
            "component_type": "termination", "config": {"text": text}}


def team(kind: str, participants: list[dict[str, Any]], termination: Any = None,
         **config: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"participants": participants, **config}
    if termination is not None:
        body["termination_condition"] = termination
    return {"provider": f"autogen_agentchat.teams.{kind}", "component_type": "team",
            "label": "t", "config": body}


def write(root: Path, name: str, doc: Any, profile: str | None = None) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) if not isinstance(doc, str) else doc,
                    encoding="utf-8")
    if profile is not None:
        (path.parent / "agentlint.profile.yaml").write_text(textwrap.dedent(profile),
                                                            encoding="utf-8")
    return path


# -- the cost of a growing transcript, by hand ---------------------------------------------


def _mini() -> tuple[float, float]:
    found = catalog.model("gpt-4o-mini")
    assert found is not None and found.input_per_mtok and found.output_per_mtok
    return found.input_per_mtok, found.output_per_mtok


@pytest.mark.parametrize("turns", [1, 2, 5, 12])
def test_round_robin_cost_grows_quadratically(repo: Path, turns: int) -> None:
    """Turn k reads the task (T) and the k - 1 earlier messages (O each):
    N·T + O·N(N−1)/2 input tokens and N·O output tokens in all."""
    path = write(repo, "team.json", team("RoundRobinGroupChat", [agent("a"), agent("b")],
                                         max_messages(turns + 1)),
                 profile="inputs:\n  task: 1000\nsteps:\n  a: {output_tokens: 100}\n"
                         "  b: {output_tokens: 100}\n")
    wf = _load(path)
    assert [s.id for s in wf.steps] == [f"{'ab'[(k - 1) % 2]}_{k}"
                                        for k in range(1, turns + 1)]
    pin, pout = _mini()
    tokens_in = turns * 1000 + 100 * turns * (turns - 1) / 2
    expected = (tokens_in * pin + turns * 100 * pout) / 1e6
    assert estimate(wf).cost_usd == pytest.approx(expected, rel=1e-9)
    # the last turn reads every earlier message: the step's input, one by one
    assert list(wf.steps[-1].context) == [s.id for s in wf.steps[:-1]]


def test_buffered_context_reads_the_last_messages_only(repo: Path) -> None:
    buffered = {"provider": "autogen_core.model_context.BufferedChatCompletionContext",
                "component_type": "chat_completion_context", "config": {"buffer_size": 3}}
    path = write(repo, "team.json", team("RoundRobinGroupChat",
                                         [agent("a", context=buffered)], max_messages(7)),
                 profile="inputs:\n  task: 1000\nsteps:\n  a: {output_tokens: 100}\n")
    wf = _load(path)
    pin, pout = _mini()
    # turns 1..3 see the task and all before them; turns 4..6 the last 3 messages only
    tokens_in = 1000 + 1100 + 1200 + 3 * 300
    assert estimate(wf).cost_usd == pytest.approx((tokens_in * pin + 6 * 100 * pout) / 1e6)


def test_selector_asks_its_model_before_every_turn(repo: Path) -> None:
    """Three participants: one selector call per turn, reading the thread so far, on the
    team's model_client; two more attempts when its answer names nobody."""
    path = write(repo, "team.json", team(
        "SelectorGroupChat", [agent("a"), agent("b"), agent("c")], max_messages(4),
        model_client={"provider": "autogen_ext.models.openai.OpenAIChatCompletionClient",
                      "config": {"model": "gpt-4o"}}, selector_prompt=""),
        profile="inputs:\n  task: 1000\nsteps:\n  a: {output_tokens: 100}\n"
                "  b: {output_tokens: 100}\n  c: {output_tokens: 100}\n")
    wf = _load(path)
    routers = [s for s in wf.steps if s.kind == "router"]
    assert [r.id for r in routers] == ["t_select_1", "t_select_2", "t_select_3"]
    assert all(r.model == "gpt-4o" and r.retries == 2 for r in routers)
    rows = {row.id: row for row in estimate(wf).steps}
    # turn k: the selector reads the task and k - 1 messages, writes a name (10 tokens)
    found = catalog.model("gpt-4o")
    assert found is not None and found.input_per_mtok and found.output_per_mtok
    for k, router in enumerate(routers, start=1):
        one = ((1000 + 100 * (k - 1)) * found.input_per_mtok + 10 * found.output_per_mtok) / 1e6
        assert rows[router.id].cost_usd == pytest.approx(one, rel=0.02)  # p_ok retries
    # the speakers: each of the three, a third of the runs each
    pin, pout = _mini()
    speakers = sum(rows[s.id].cost_usd for s in wf.steps if s.model == "gpt-4o-mini")
    expected = sum((1000 + 100 * (k - 1)) * pin + 100 * pout for k in (1, 2, 3)) / 1e6
    assert speakers == pytest.approx(expected, rel=0.02)


def test_two_speakers_without_repeats_need_the_selector_once(repo: Path) -> None:
    path = write(repo, "team.json", team(
        "SelectorGroupChat", [agent("a"), agent("b")], max_messages(5),
        model_client={"config": {"model": "gpt-4o"}}))
    wf = _load(path)
    asked = [s.id for s in wf.steps if s.kind == "router" and s.model is not None]
    assert asked == ["t_select_1"]  # then the other participant is the only candidate


# -- termination ---------------------------------------------------------------------------


def test_or_takes_the_smaller_bound_and_and_has_none(repo: Path) -> None:
    either = {"provider": "autogen_agentchat.base.OrTerminationCondition",
              "config": {"conditions": [max_messages(9), mention("DONE"), max_messages(4)]}}
    wf = _load(write(repo, "or.json", team("RoundRobinGroupChat", [agent("a")], either)))
    assert len(wf.steps) == 3 and not wf.loops
    assert any("'DONE'" in message for message, _, _ in wf.assumptions)
    both = {"provider": "autogen_agentchat.base.AndTerminationCondition",
            "config": {"conditions": [max_messages(4), mention("DONE")]}}
    wf = _load(write(repo, "and.json", team("RoundRobinGroupChat", [agent("a")], both)))
    assert len(wf.loops) == 1 and wf.loops[0].max_iterations is None


def test_max_turns_bounds_the_chat(repo: Path) -> None:
    wf = _load(write(repo, "team.json", team("RoundRobinGroupChat", [agent("a"), agent("b")],
                                             mention("DONE"), max_turns=3)))
    assert [s.id for s in wf.steps] == ["a_1", "b_2", "a_3"] and not wf.loops


def test_unbounded_chat_is_al302_in_autogen_words(repo: Path) -> None:
    path = write(repo, "team.json", team("RoundRobinGroupChat", [agent("a"), agent("b")],
                                         mention("APPROVE")))
    found = [f for f in lint_json(path) if f["code"] == "AL302"]
    assert len(found) == 1
    assert "MaxMessageTermination" in found[0]["message"]
    assert "max_turns" in found[0]["message"]
    # at the termination condition, in the real file
    text = path.read_text(encoding="utf-8").splitlines()
    assert "termination_condition" in text[found[0]["line"] - 1]


def test_user_proxy_is_a_person(repo: Path) -> None:
    proxy = {"provider": "autogen_agentchat.agents.UserProxyAgent",
             "config": {"name": "user", "description": "a person"}}
    wf = _load(write(repo, "team.json", team("RoundRobinGroupChat", [agent("a"), proxy],
                                             max_messages(5))))
    kinds = [(s.id, s.kind) for s in wf.steps]
    assert kinds == [("a_1", "llm"), ("user_2", "human"), ("a_3", "llm"), ("user_4", "human")]


# -- real files ------------------------------------------------------------------------------


def test_studio_round_robin_with_a_tool() -> None:
    """autogen-studio notebooks/team.json: one assistant with a calculator tool; ten
    messages are the task and nine turns, each a tool loop (three calls, assumed)."""
    wf = _load(AUTOGEN / "team.json")
    assert len(wf.steps) == 9 and model_calls(wf) == 27
    assert estimate(wf).critical_path == [f"assistant_agent_{k}" for k in range(1, 10)]


def test_studio_travel_team_reads_the_whole_thread() -> None:
    """notebooks/travel_team.json: four gpt-4 agents in turn; each turn re-reads the
    thread, so the last turn reads eight messages (AL005 at the agent, in AutoGen's
    terms)."""
    wf = _load(AUTOGEN / "travel_team.json")
    assert [s.id for s in wf.steps][:5] == ["planner_agent_1", "local_agent_2",
                                            "language_agent_3", "travel_summary_agent_4",
                                            "planner_agent_5"]
    assert model_calls(wf) == 9
    rows = estimate(wf).steps
    assert rows[-1].cost_usd > 2.5 * rows[0].cost_usd  # the transcript grows
    found = lint_json(AUTOGEN / "travel_team.json")
    implicit = [f for f in found if f["code"] == "AL005"]
    assert {f["message"].split("`")[1] for f in implicit} == {
        "planner_agent_9", "local_agent_6", "language_agent_7", "travel_summary_agent_8"}
    assert all("BufferedChatCompletionContext" in f["message"] for f in implicit)
    assert any("TERMINATE" in f["message"] for f in found if f["code"] == "AL902")


def test_studio_02_groupchat_selector_on_a_premium_model() -> None:
    """ttback/nexus-studio groupchat_spec.json (0.2 export): max_round 10, selection
    'auto' on gpt-4-1106-preview: nine turns, nine selector calls on the premium model."""
    wf = _load(AUTOGEN / "groupchat_spec.json")
    routers = [s for s in wf.steps if s.kind == "router"]
    assert len(routers) == 9 and all(r.model for r in routers)
    # 9 replies and 9 selector calls (each re-asked on a failed call: p_ok 0.99)
    assert model_calls(wf) == pytest.approx(18.09, abs=0.01)
    path = estimate(wf).critical_path
    assert path[:3] == ["Travel_Agent_Group_Chat_Workflow_select_1", "primary_assistant_1",
                        "Travel_Agent_Group_Chat_Workflow_turn_1"]
    assert path[-2:] == ["Travel_Agent_Group_Chat_Workflow_select_9", "primary_assistant_9"]
    found = lint_json(AUTOGEN / "groupchat_spec.json")
    premium = [f for f in found if f["code"] == "AL202"]
    assert len(premium) == 1  # one finding for the nine turns of the one selector
    assert "the 8 other turns" in premium[0]["message"]
    assert "llm_config" in premium[0]["message"]
    assert premium[0]["line"] == 27  # the manager's config_list model
    assert any(f["code"] == "AL005" for f in found)


def test_studio_02_travel_workflow() -> None:
    """microsoft/autogen 0.2 travel_groupchat.json: max_round 100 (99 turns), a user
    proxy that runs code and three gpt-4 assistants chosen by the manager."""
    wf = _load(AUTOGEN / "travel_groupchat.json")
    assert len([s for s in wf.steps if s.kind == "router"]) == 99
    assert len([s for s in wf.steps if s.kind == "tool"]) == 99
    # 99 selector calls (re-asked on a failed call: 1.0101 each at p_ok 0.99, two
    # retries) and three quarters of the 99 replies (the user proxy runs code)
    assert model_calls(wf) == pytest.approx(99 * 1.0101 + 99 * 0.75, abs=0.01)
    assert estimate(wf).cost_usd > 10  # 99 turns, each re-reading the thread on gpt-4


def test_gallery_is_one_team_per_run() -> None:
    wf = _load(AUTOGEN / "default_gallery.json")
    start = wf.steps[0]
    assert start.kind == "router" and len(start.routes) == 4
    assert wf.name == "Default Component Gallery"
    assert model_calls(wf) == pytest.approx(38.87, abs=0.01)  # a quarter of each team's calls
    # the longest route: the Web Agent team, whose user proxy waits for a person
    path = estimate(wf).critical_path
    assert path[:3] == ["team", "Web_Agent_Team_Operator__select_1", "user_proxy_1"]


# -- detection -------------------------------------------------------------------------------


def test_lint_dot_reads_autogen_json_and_leaves_other_json(repo: Path) -> None:
    write(repo, "teams/team.json", team("RoundRobinGroupChat", [agent("a")], max_messages(3)))
    write(repo, "package.json", {"name": "x", "provider": "autogen_agentchat.teams.X"})
    write(repo, "data/config.json", {"component_type": "team", "config": {}})
    proc = run_process("lint", "--format", "json", ".", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    files = {f["file"] for f in json.loads(proc.stdout)}
    assert files == {"teams/team.json"}


def test_yaml_team_is_read(repo: Path) -> None:
    path = write(repo, "team.yaml", textwrap.dedent("""\
        provider: autogen_agentchat.teams.RoundRobinGroupChat
        component_type: team
        config:
          participants:
            - provider: autogen_agentchat.agents.AssistantAgent
              config:
                name: writer
                model_client: {config: {model: gpt-4o-mini}}
          termination_condition:
            provider: autogen_agentchat.conditions.MaxMessageTermination
            config: {max_messages: 3}
        """))
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["writer_1", "writer_2"]
    assert wf.steps[0].at() == (7, 15)  # `writer`, its name


def test_convert_prints_the_unrolled_native_spec(repo: Path) -> None:
    path = write(repo, "team.json", team("RoundRobinGroupChat", [agent("a"), agent("b")],
                                         max_messages(4)))
    proc = run_process("convert", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "converted from the autogen workflow" in proc.stdout
    for step in ("a_1", "b_2", "a_3"):
        assert f"id: {step}" in proc.stdout


# -- hostile files ---------------------------------------------------------------------------


@pytest.mark.parametrize("value, reason", [
    (1e12, "max_messages"), ("ten", "whole number"), (5000, "at most 200"),
    (True, "whole number"), (2.5, "whole number")])
def test_bad_bounds_are_refused_at_their_position(repo: Path, value: Any, reason: str) -> None:
    path = write(repo, "team.json", team("RoundRobinGroupChat", [agent("a")],
                                         max_messages(value)))
    line = exit_2_one_line(run_process("lint", str(path)), str(path))
    assert reason in line
    row = int(line.split(":")[1])
    assert "max_messages" in path.read_text(encoding="utf-8").splitlines()[row - 1]


def test_deeply_nested_conditions_are_refused(repo: Path) -> None:
    cond: dict[str, Any] = max_messages(3)
    for _ in range(40):
        cond = {"provider": "autogen_agentchat.base.OrTerminationCondition",
                "config": {"conditions": [cond]}}
    path = write(repo, "team.json", team("RoundRobinGroupChat", [agent("a")], cond))
    assert "deeper than" in exit_2_one_line(run_process("lint", str(path)), str(path))


@pytest.mark.parametrize("doc, reason", [
    (team("RoundRobinGroupChat", []), "participants"),
    (team("RoundRobinGroupChat", [agent("a"), agent("a")]), "used twice"),
    (team("DiGraphCustomTeam", [agent("a")]), "not read"),
    (team("GraphFlow", [agent("a")]), "graph.nodes"),
    ({"provider": "autogen_agentchat.teams.RoundRobinGroupChat", "component_type": "team",
      "config": [1]}, "config mapping"),
    (team("RoundRobinGroupChat", [agent("a")], max_messages(1)), "before any agent"),
])
def test_broken_teams_exit_2(repo: Path, doc: Any, reason: str) -> None:
    path = write(repo, "team.json", doc)
    assert reason in exit_2_one_line(run_process("lint", str(path)), str(path))


def test_input_format_flag(repo: Path) -> None:
    path = write(repo, "whatever.json", team("RoundRobinGroupChat", [agent("a")],
                                             max_messages(2)))
    proc = run_process("estimate", "--input-format", "autogen", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "a_1" in proc.stdout


# -- more of AutoGen's semantics -------------------------------------------------------------


def test_swarm_starts_with_the_first_participant_then_follows_handoffs(repo: Path) -> None:
    triage = agent("triage")
    triage["config"]["handoffs"] = ["billing", {"target": "tech", "message": "to tech"}]
    path = write(repo, "swarm.json", team("Swarm", [triage, agent("billing"), agent("tech")],
                                          max_messages(3)))
    wf = _load(path)
    assert wf.steps[0].id == "triage_1"
    chooser = wf.step("t_select_2")
    assert chooser.kind == "router" and chooser.model is None  # a handoff, no model call
    assert sorted(r.step for r in chooser.routes) == ["billing_2", "tech_2", "triage_2"]
    # an agent no handoff reaches never speaks; one that hands off to nobody keeps the turn
    alone = write(repo, "alone.json", team("Swarm", [agent("solo"), agent("unreached")],
                                           max_messages(4)))
    assert [s.id for s in _load(alone).steps] == ["solo_1", "solo_2", "solo_3"]
    # the handoffs are tools of the agent: one call per turn, no tool loop
    assert wf.step("triage_1").calls == 1
    assert model_calls(wf) == pytest.approx(2)


def test_a_large_task_read_every_turn_is_repeated_context(repo: Path) -> None:
    path = write(repo, "team.json", team("RoundRobinGroupChat", [agent("a"), agent("b")],
                                         max_messages(5)),
                 profile="inputs:\n  task: 3000\n")
    found = [f for f in lint_json(path) if f["code"] == "AL203"]
    assert len(found) == 1 and "input `task`" in found[0]["message"]
    assert "BufferedChatCompletionContext" in found[0]["message"]
    assert found[0]["severity"] == "warning"  # the size is stated, not assumed


def test_profile_names_steps_by_participant(repo: Path) -> None:
    path = write(repo, "team.json", team("RoundRobinGroupChat", [agent("a"), agent("b")],
                                         max_messages(5)),
                 profile="steps:\n  a: {output_tokens: 40}\n  b: {output_tokens: 900}\n")
    rows = {row.id: row for row in estimate(_load(path)).steps}
    assert rows["a_1"].output_tokens == 40 and rows["b_4"].output_tokens == 900
    # b's second turn reads a_1, b_2 and a_3: 40 + 900 + 40 more than the task
    assert rows["b_4"].input_tokens - rows["a_1"].input_tokens == 980


def test_02_context_advice_points_to_agentchat() -> None:
    found = lint_json(AUTOGEN / "groupchat_spec.json")
    implicit = [f for f in found if f["code"] == "AL005"]
    assert implicit and all("0.2 GroupChat" in f["message"] for f in implicit)


def test_optimize_reports_at_the_source_and_refuses_a_diff(repo: Path) -> None:
    proc = run_process("optimize", str(AUTOGEN / "groupchat_spec.json"))
    assert proc.returncode in (0, 1), proc.stderr
    assert "groupchat_spec.json:27:" in proc.stdout  # the selector's model, in the file
    path = write(repo, "team.json", team("RoundRobinGroupChat", [agent("a")], max_messages(3)))
    # --write edits model literals (tests/test_optimize_write_sources.py); --diff is refused
    line = exit_2_one_line(run_process("optimize", "--diff", str(path)))
    assert "autogen file" in line


def test_lint_dot_reads_each_format_once_in_its_own(repo: Path) -> None:
    """A repository mixing every format: each workflow file is read once, by its reader."""
    import shutil

    from agentlint.paths import discover

    shutil.copy(AUTOGEN / "team.json", repo / "team.json")
    shutil.copytree(FIXTURES / "runtime" / "adk" / "help_desk", repo / "adk")
    shutil.copytree(FIXTURES / "runtime" / "promptflow" / "basic", repo / "pf")
    shutil.copy(FIXTURES / "runtime" / "dify" / "review_loop.yml", repo / "review_loop.yml")
    crew = FIXTURES / "formats" / "crewai" / "own" / "launch_crew" / "src" / "launch_crew"
    shutil.copytree(crew / "config", repo / "crew" / "config")
    (repo / "native.yaml").write_text("agentlint: 1\nsteps:\n  - id: a\n    model: gpt-4o-mini"
                                      "\n    prompt: hi\n", encoding="utf-8")
    (repo / "package.json").write_text('{"name": "web", "version": "1.0.0"}',
                                       encoding="utf-8")
    read: dict[str, str] = {}
    for path in discover([str(repo)]):
        wf = load_any(path)
        if wf is not None:
            rel = Path(path).relative_to(repo).as_posix()
            assert rel not in read
            read[rel] = wf.format
    assert read.get("team.json") == "autogen"
    assert read.get("adk/root_agent.yaml") == "adk"
    assert read.get("pf/flow.dag.yaml") == "promptflow"
    assert read.get("review_loop.yml") == "dify"
    assert read.get("native.yaml") == "agentlint"
    assert "crewai" in read.values()
    assert "package.json" not in read
    proc = run_process("lint", "--format", "json", ".", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    assert "team.json" in {f["file"] for f in json.loads(proc.stdout)}


def test_a_gallery_with_too_many_teams_is_refused(repo: Path) -> None:
    one = team("RoundRobinGroupChat", [agent("a")], max_messages(2))
    path = write(repo, "gallery.json", {"name": "g", "components": {"teams": [one] * 101}})
    assert "more than 100 teams" in exit_2_one_line(run_process("lint", str(path)), str(path))


# -- GraphFlow -------------------------------------------------------------------------------


def graph(nodes: dict[str, list[tuple[str, str | None]]], start: str | None = None
          ) -> dict[str, Any]:
    out: dict[str, Any] = {"nodes": {
        name: {"name": name, "edges": [{"target": t, "condition": c} for t, c in edges],
               "activation": "all"} for name, edges in nodes.items()}}
    if start is not None:
        out["default_start_node"] = start
    return out


REVIEW = {"writer": [("reviewer", None)],
          "reviewer": [("editor", "APPROVE"), ("writer", "REJECT")], "editor": []}


def test_graphflow_cycle_is_unrolled_to_its_bound(repo: Path) -> None:
    """writer -> reviewer -> (APPROVE: editor | REJECT: writer): each REJECT is half the
    runs (assumed), and MaxMessageTermination(7) allows six messages."""
    path = write(repo, "flow.json", team(
        "GraphFlow", [agent("writer"), agent("reviewer"), agent("editor")], max_messages(7),
        graph=graph(REVIEW, start="writer")))
    wf = _load(path)
    rows = {row.id: row for row in estimate(wf).steps}
    assert [s.id for s in wf.steps if s.model] == [
        "writer_1", "reviewer_2", "editor_3", "writer_3", "reviewer_4", "editor_5",
        "writer_5", "reviewer_6"]
    runs = {sid: round(rows[sid].runs, 3) for sid in rows if wf.step(sid).model}
    assert runs == {"writer_1": 1, "reviewer_2": 1, "editor_3": 0.5, "writer_3": 0.5,
                    "reviewer_4": 0.5, "editor_5": 0.25, "writer_5": 0.25, "reviewer_6": 0.25}
    assert model_calls(wf) == pytest.approx(4.25)
    assert estimate(wf).critical_path == ["writer_1", "reviewer_2", "writer_3", "reviewer_4",
                                          "writer_5", "reviewer_6"]
    # the second reviewer reads the task, writer_1, reviewer_2 and writer_3
    assert list(wf.step("reviewer_4").context) == ["writer_1", "reviewer_2", "writer_3"]
    assert not wf.loops


def test_graphflow_fan_out_speaks_together(repo: Path) -> None:
    nodes = {"plan": [("a", None), ("b", None)], "a": [("merge", None)],
             "b": [("merge", None)], "merge": []}
    path = write(repo, "flow.json", team(
        "GraphFlow", [agent("plan"), agent("a"), agent("b"), agent("merge")],
        graph=graph(nodes)))
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["plan_1", "a_2", "b_2", "merge_4"]
    assert list(wf.step("b_2").context) == ["plan_1"]  # a and b do not read each other
    assert len(estimate(wf).critical_path) == 3  # plan, one of a/b, merge


def test_graphflow_cycle_without_a_bound_is_an_unbounded_loop(repo: Path) -> None:
    path = write(repo, "flow.json", team(
        "GraphFlow", [agent("writer"), agent("reviewer"), agent("editor")],
        mention("APPROVE"), graph=graph(REVIEW, start="writer")))
    found = [f for f in lint_json(path) if f["code"] == "AL302"]
    assert len(found) == 1 and "MaxMessageTermination" in found[0]["message"]


@pytest.mark.parametrize("nodes, reason", [
    ({"writer": [("ghost", None)]}, "no node of the graph"),
    ({"stranger": []}, "is no participant"),
    ({"writer": [("writer", None)]}, "no start node"),
    ({"writer": [("reviewer", "OK"), ("reviewer", None)], "reviewer": []}, "a mix of"),
])
def test_broken_graphs_exit_2(repo: Path, nodes: dict[str, Any], reason: str) -> None:
    path = write(repo, "flow.json", team("GraphFlow", [agent("writer"), agent("reviewer")],
                                         max_messages(5), graph=graph(nodes)))
    assert reason in exit_2_one_line(run_process("lint", str(path)), str(path))


# -- mutated real files never crash ----------------------------------------------------------

ODD_VALUES: list[Any] = [None, True, -1, 0, 2.5, 1e308, "x", "", [], {}, [1, "a"],
                         {"provider": 3}]


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*here, index))
    return out


def _mutants(text: str, rng: Any, count: int) -> list[str]:
    doc = json.loads(text)
    paths = [p for p in _paths(doc) if p]
    out: list[str] = []
    for _ in range(count):
        copy = json.loads(text)
        how = rng.random()
        if how < 0.15:
            out.append(text[: rng.randrange(len(text))])  # cut off mid-token
            continue
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(paths)
            parent: Any = copy
            try:
                for step in path[:-1]:
                    parent = parent[step]
                if how < 0.5 and isinstance(parent, dict):
                    parent.pop(path[-1], None)
                else:
                    parent[path[-1]] = rng.choice(ODD_VALUES)
            except (KeyError, IndexError, TypeError):
                continue
        out.append(json.dumps(copy))
    return out


@pytest.mark.parametrize("name", ["team.json", "travel_team.json", "groupchat_spec.json",
                                  pytest.param("travel_groupchat.json",
                                               marks=pytest.mark.slow)])  # 99 turns: ~9 s
def test_mutated_files_give_results_or_one_positioned_error(tmp_path: Path, name: str
                                                            ) -> None:
    import random

    from agentlint.errors import SpecError
    from agentlint.lint.engine import lint_workflow

    rng = random.Random(f"autogen-{name}")
    (tmp_path / ".git").mkdir()
    for index, text in enumerate(_mutants((AUTOGEN / name).read_text(encoding="utf-8"),
                                          rng, 25)):
        path = tmp_path / f"m{index}.json"
        path.write_text(text, encoding="utf-8")
        try:
            wf = load_any(str(path), input_format="autogen")
        except SpecError as exc:
            assert exc.line >= 1 and exc.col >= 1 and "\n" not in exc.message
            continue
        assert wf is not None
        estimate(wf)
        lint_workflow(wf)


def test_changed_since_lints_a_changed_team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            cli: Any) -> None:
    from tests.support import GitRepo

    git = GitRepo(tmp_path / "repo")
    one = team("RoundRobinGroupChat", [agent("a")], max_messages(3))
    git.write("teams/kept.json", json.dumps(one))
    git.write("teams/touched.json", json.dumps(one))
    git.write("package.json", '{"name": "web"}')
    git.commit("teams")
    git.git("checkout", "-q", "-b", "feature")
    monkeypatch.chdir(git.root)
    git.write("teams/touched.json", json.dumps(team("RoundRobinGroupChat", [agent("b")],
                                                    max_messages(4))))
    git.write("package.json", '{"name": "web", "version": "2"}')
    git.commit("touch")
    result = cli("lint", "--changed-since", "main", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    assert {f["file"] for f in json.loads(result.stdout)} == {"teams/touched.json"}


@pytest.mark.parametrize("name", ["team.json", "travel_team.json", "groupchat_spec.json",
                                  "default_gallery.json"])
def test_every_step_is_placed_in_the_real_file(name: str) -> None:
    """A turn at its participant's `name`, a selector or join at its team's `provider`."""
    lines = (AUTOGEN / name).read_text(encoding="utf-8").splitlines()
    wf = _load(AUTOGEN / name)
    for step in wf.steps:
        line, col = step.at()
        if step.id == "team":  # the gallery's choice of team: the file itself
            assert (line, col) == (1, 1)
            continue
        text = lines[line - 1]
        assert '"name"' in text or '"provider"' in text, (step.id, text)
        assert text[col - 1] == '"'  # at the value, in the file's own columns


def test_selector_with_a_buffered_context_reads_the_last_messages(repo: Path) -> None:
    buffered = {"provider": "autogen_core.model_context.BufferedChatCompletionContext",
                "config": {"buffer_size": 2}}
    path = write(repo, "team.json", team(
        "SelectorGroupChat", [agent("a"), agent("b"), agent("c")], max_messages(5),
        model_client={"config": {"model": "gpt-4o"}}, model_context=buffered))
    wf = _load(path)
    assert list(wf.step("t_select_2").context) == ["t_turn_1"]
    assert "inputs.task" in (wf.step("t_select_2").prompt or "")
    assert list(wf.step("t_select_4").context) == ["t_turn_2", "t_turn_3"]
    assert not wf.step("t_select_4").prompt  # the task has left its buffer


def test_magentic_one_is_a_selector_and_says_it_is_a_lower_bound(repo: Path) -> None:
    path = write(repo, "team.json", team(
        "MagenticOneGroupChat", [agent("a"), agent("b"), agent("c")], max_turns=4,
        model_client={"config": {"model": "gpt-4o"}}))
    wf = _load(path)
    assert len([s for s in wf.steps if s.kind == "router" and s.model]) == 4
    assert any("lower bound" in message for message, _, _ in wf.assumptions)


@pytest.mark.parametrize("name", ["team.json", "travel_team.json", "groupchat_spec.json",
                                  "default_gallery.json"])
def test_the_converted_spec_estimates_the_same(tmp_path: Path, name: str) -> None:
    from agentlint.convert import as_native

    wf = _load(AUTOGEN / name)
    native = as_native(wf)
    before, after = estimate(wf), estimate(native)
    assert after.cost_usd == pytest.approx(before.cost_usd, rel=1e-9)
    assert after.latency_s == pytest.approx(before.latency_s, rel=1e-9)
    assert after.critical_path == before.critical_path


def test_a_folder_walk_passes_over_big_json_and_links(repo: Path) -> None:
    write(repo, "teams/team.json", team("RoundRobinGroupChat", [agent("a")], max_messages(3)))
    big = repo / "data" / "rows.json"
    big.parent.mkdir()
    big.write_text("[" + ",".join(['{"provider": "autogen_agentchat.teams.X"}'] * 120_000)
                   + "]", encoding="utf-8")
    assert big.stat().st_size > 4 * 1024 * 1024
    outside = repo.parent / "outside.json"
    outside.write_text(json.dumps(team("RoundRobinGroupChat", [agent("b")], max_messages(3))),
                       encoding="utf-8")
    (repo / "teams" / "linked.json").symlink_to(outside)
    proc = run_process("lint", "--format", "json", ".", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    assert {f["file"] for f in json.loads(proc.stdout)} == {"teams/team.json"}
