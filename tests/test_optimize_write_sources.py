"""``optimize --write`` on an AutoGen team (component JSON) and a LangGraph module: a plan's
model changes go into the literal that names the model, only when every step reading that
literal moves to the same model, and only the literal's characters change; everything else
stays a suggestion. Real files from tests/fixtures (autogen, langgraph; see SOURCES.md) are
edited, read again and estimated; small modules written here pin the hostile cases.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from agentlint.adapters.source_write import write_plan
from agentlint.errors import UsageError
from agentlint.graph.estimate import estimate
from agentlint.optimizer.rewrite import Change
from agentlint.paths import read_once
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, run_process
from tests.support import write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def _load(path: Path) -> Workflow:
    with read_once():
        wf = load_any(str(path))
    assert wf is not None
    return wf


def _models(path: Path) -> dict[str, str]:
    wf = _load(path)
    return {s.id: wf.models[s.model].name for s in wf.steps if s.model}


def _plan(path: Path, *args: str) -> dict[str, Any]:
    proc = run_process("optimize", "--format", "json", *args, str(path))
    assert proc.returncode == 0, proc.stderr
    plan: dict[str, Any] = json.loads(proc.stdout)
    return plan


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.split("\n"), after.split("\n")
    assert len(old) == len(new)  # the layout is kept: no line added, dropped or moved
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def _change(step: str, to: str) -> Change:
    return Change(step, "model", None, to, 1, "")


# -- AutoGen -------------------------------------------------------------------------------


def test_autogen_team_every_turn_moved_is_written_and_estimates_as_planned(repo: Path) -> None:
    path = repo / "travel_team.json"
    shutil.copy(FIXTURES / "autogen" / "travel_team.json", path)
    (repo / "agentlint.profile.yaml").write_text("candidates: [gpt-4o-mini]\n",
                                                 encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    proc = run_process("optimize", "--objective", "cost", "--write", "--format", "json",
                       str(path))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert {c["to"] for c in plan["changes"]} == {"gpt-4o-mini"} and len(plan["changes"]) == 9
    assert "wrote" in proc.stderr and "(9 of 9 changes)" in proc.stderr
    after = path.read_text(encoding="utf-8")
    json.loads(after)
    # four model clients, one line each, only the value's characters changed
    changed = _changed_lines(before, after)
    assert len(changed) == 4
    for old, new in changed:
        assert old.replace('"gpt-4"', '"gpt-4o-mini"') == new
    wf = _load(path)
    assert set(_models(path).values()) == {"gpt-4o-mini"}
    figures = estimate(wf)
    assert figures.cost_usd == pytest.approx(plan["after"]["cost_usd"], rel=1e-9)
    assert figures.cost_usd < plan["before"]["cost_usd"]


def test_autogen_a_client_the_plan_moves_for_some_turns_only_is_a_suggestion(
        repo: Path) -> None:
    path = repo / "travel_team.json"
    shutil.copy(FIXTURES / "autogen" / "travel_team.json", path)
    (repo / "agentlint.profile.yaml").write_text(
        "candidates: [gpt-4o-mini]\nbudgets:\n  cost_usd: 0.05\n", encoding="utf-8")
    proc = run_process("optimize", "--write", "--format", "json", str(path))
    assert proc.returncode == 0, proc.stderr
    moved = {c["step"] for c in json.loads(proc.stdout)["changes"]}
    # the planner speaks three times (turns 1, 5, 9); the plan moves turns 5 and 9 only
    assert "planner_agent_1" not in moved and {"planner_agent_5", "planner_agent_9"} <= moved
    assert f"({len(moved) - 2} of {len(moved)} changes)" in proc.stderr
    assert "left as a suggestion: planner_agent_5: its model literal is shared" in proc.stderr
    models = _models(path)
    assert {models[s] for s in ("planner_agent_1", "planner_agent_5", "planner_agent_9")} \
        == {"gpt-4"}
    assert all(models[s] == "gpt-4o-mini" for s in moved if not s.startswith("planner"))


def test_autogen_hostile_literals_are_suggestions(repo: Path) -> None:
    """A model written with an escape (the same name once decoded) is not edited."""
    text = (FIXTURES / "autogen" / "team.json").read_text(encoding="utf-8")
    assert text.count('"model": "gpt-4o-mini"') == 1
    path = repo / "team.json"
    path.write_text(text.replace('"model": "gpt-4o-mini"', '"model": "gpt-4o\\u002dmini"'),
                    encoding="utf-8")
    wf = _load(path)
    steps = [s.id for s in wf.steps if s.model]
    assert steps and {wf.models[wf.step(s).model or ""].name for s in steps} == {"gpt-4o-mini"}
    done = write_plan(wf, [_change(s, "gpt-4o") for s in steps])
    assert not done.written and done.text == ""
    assert all("not a literal string" in reason for reason in done.left)


def test_autogen_02_export_is_written_as_json(repo: Path) -> None:
    path = repo / "groupchat_spec.json"
    shutil.copy(FIXTURES / "autogen" / "groupchat_spec.json", path)
    wf = _load(path)
    primary = [s.id for s in wf.steps if s.id.startswith("primary_assistant_")]
    done = write_plan(wf, [_change(s, "gpt-4o-mini") for s in primary])
    assert sorted(done.written) == sorted(primary) and not done.left
    changed = _changed_lines(wf.text, done.text)
    assert len(changed) == 1 and '"gpt-4o-mini"' in changed[0][1]
    assert json.loads(done.text) != json.loads(wf.text)


# -- LangGraph -----------------------------------------------------------------------------


def test_langgraph_literal_keyword_is_written_and_estimates_as_planned(repo: Path) -> None:
    path = repo / "agent.py"
    shutil.copy(FIXTURES / "langgraph" / "research-agent" / "agent.py", path)
    (repo / "agentlint.profile.yaml").write_text("candidates: [gpt-4o-mini]\n",
                                                 encoding="utf-8")
    before = path.read_bytes()
    proc = run_process("optimize", "--objective", "cost", "--write", "--format", "json",
                       str(path))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert [(c["step"], c["from"], c["to"]) for c in plan["changes"]] == \
        [("reason", "gpt-4o", "gpt-4o-mini")]
    after = path.read_bytes()
    ast.parse(after)
    # only the literal's bytes changed
    assert after == before.replace(b'model="gpt-4o",', b'model="gpt-4o-mini",', 1)
    assert before.count(b'model="gpt-4o",') == 1
    figures = estimate(_load(path))
    assert figures.cost_usd == pytest.approx(plan["after"]["cost_usd"], rel=1e-9)


SHARED = """\
from langchain_openai import ChatOpenAI
from langchain.chat_models import init_chat_model
from langgraph.graph import StateGraph, START, END

llm = ChatOpenAI(model="gpt-4o", temperature=0)
MODEL = "gpt-4o"


def draft(state):
    return {"messages": [llm.invoke(state["messages"])]}


def review(state):
    return {"messages": [llm.invoke(state["messages"])]}


def polish(state):
    model = init_chat_model('openai:gpt-4o')
    return {"messages": [model.invoke(state["messages"])]}


def by_constant(state):
    return {"messages": [ChatOpenAI(model=MODEL).invoke(state["messages"])]}


def by_fstring(state):
    size = "mini"
    return {"messages": [ChatOpenAI(model=f"gpt-4o-{size}").invoke(state["messages"])]}


def by_call(state):
    return {"messages": [ChatOpenAI(model=pick_model()).invoke(state["messages"])]}


builder = StateGraph(dict)
builder.add_node("draft", draft)
builder.add_node("review", review)
builder.add_node("polish", polish)
builder.add_node("by_constant", by_constant)
builder.add_node("by_fstring", by_fstring)
builder.add_node("by_call", by_call)
builder.add_edge(START, "draft")
builder.add_edge("draft", "review")
builder.add_edge("review", "polish")
builder.add_edge("polish", "by_constant")
builder.add_edge("by_constant", "by_fstring")
builder.add_edge("by_fstring", "by_call")
builder.add_edge("by_call", END)
graph = builder.compile()
"""


def _shared(repo: Path) -> tuple[Path, Workflow]:
    path = write(repo / "graph.py", SHARED)
    wf = _load(path)
    assert wf.format == "langgraph"
    return path, wf


def test_langgraph_one_variable_read_by_two_nodes(repo: Path) -> None:
    path, wf = _shared(repo)
    assert _models(path)["draft"] == _models(path)["review"] == "gpt-4o"
    # moved for one node's sake: not written
    one = write_plan(wf, [_change("draft", "gpt-4o-mini")])
    assert not one.written and one.text == ""
    assert one.left == ["draft: its model literal is shared with steps the plan does not "
                        "move alike"]
    apart = write_plan(wf, [_change("draft", "gpt-4o-mini"), _change("review", "gpt-4.1")])
    assert not apart.written
    # moved alike: the one literal is written once
    both = write_plan(wf, [_change("draft", "gpt-4o-mini"), _change("review", "gpt-4o-mini")])
    assert sorted(both.written) == ["draft", "review"]
    assert both.text == SHARED.replace('ChatOpenAI(model="gpt-4o", temperature=0)',
                                       'ChatOpenAI(model="gpt-4o-mini", temperature=0)')
    assert both.path is not None and Path(both.path) == path.resolve()


def test_langgraph_provider_prefix_and_quotes_are_kept(repo: Path) -> None:
    _, wf = _shared(repo)
    done = write_plan(wf, [_change("polish", "gpt-4o-mini")])
    assert done.written == ["polish"]
    assert "init_chat_model('openai:gpt-4o-mini')" in done.text
    ast.parse(done.text)
    # another provider's model under an openai: prefix would be a broken call
    other = write_plan(wf, [_change("polish", "claude-3-5-sonnet-latest")])
    assert not other.written and "another provider's model" in other.left[0]


def test_langgraph_hostile_models_are_suggestions(repo: Path) -> None:
    _, wf = _shared(repo)
    steps = ["by_constant", "by_fstring", "by_call"]
    done = write_plan(wf, [_change(s, "gpt-4o-mini") for s in steps]
                      + [Change("draft", "retries", 0, 2, 1, "")])
    assert not done.written and done.text == ""
    assert sorted(r.split(":")[0] for r in done.left) == ["by_call", "by_constant",
                                                          "by_fstring", "draft"]
    # through the command: the file is left byte for byte
    (repo / "agentlint.profile.yaml").write_text("candidates: [gpt-4o-mini]\n",
                                                 encoding="utf-8")
    hostile = write(repo / "hostile.py", SHARED.replace(
        'llm = ChatOpenAI(model="gpt-4o", temperature=0)',
        'llm = ChatOpenAI(model=f"{MODEL}", temperature=0)').replace(
        "init_chat_model('openai:gpt-4o')", "init_chat_model(MODEL)"))
    before = hostile.read_bytes()
    proc = run_process("optimize", "--objective", "cost", "--write", str(hostile))
    assert proc.returncode == 0, proc.stderr
    assert "not changed" in proc.stderr and "left as a suggestion" in proc.stderr
    assert hostile.read_bytes() == before


def test_a_file_changed_since_it_was_read_is_not_written(repo: Path) -> None:
    from agentlint.command import as_on_disk

    path = write(repo / "graph.py", SHARED)
    with read_once():
        wf = load_any(str(path))
        assert wf is not None
        done = write_plan(wf, [_change("polish", "gpt-4o-mini")])
        assert as_on_disk(str(path), done.source, done.text, "write") == done.text
        path.write_text(SHARED + "# edited meanwhile\n", encoding="utf-8")
        with pytest.raises(UsageError, match="changed since it was read"):
            as_on_disk(str(path), done.source, done.text, "write")


YAML_TEAM = """\
# a team kept as YAML (AutoGen's component loader reads both)
provider: autogen_agentchat.teams.RoundRobinGroupChat
component_type: team
label: pair
config:
  participants:
    - provider: autogen_agentchat.agents.AssistantAgent
      component_type: agent
      config:
        name: writer
        model_client:
          provider: autogen_ext.models.openai.OpenAIChatCompletionClient
          component_type: model
          config: {model: gpt-4o, temperature: 0}   # the writer's model
    - provider: autogen_agentchat.agents.AssistantAgent
      component_type: agent
      config:
        name: checker
        model_client:
          provider: autogen_ext.models.openai.AzureOpenAIChatCompletionClient
          component_type: model
          config:
            azure_deployment: gpt-4o
            api_version: "2024-06-01"
  termination_condition:
    provider: autogen_agentchat.conditions.MaxMessageTermination
    component_type: termination
    config: {max_messages: 5}
"""


def test_autogen_yaml_plain_value_is_written_and_a_deployment_is_not(repo: Path) -> None:
    path = write(repo / "team.yaml", YAML_TEAM)
    wf = _load(path)
    assert wf.format == "autogen"
    writer = [s.id for s in wf.steps if s.id.startswith("writer")]
    checker = [s.id for s in wf.steps if s.id.startswith("checker")]
    assert writer and checker
    assert {wf.models[wf.step(s).model or ""].name for s in writer + checker} == {"gpt-4o"}
    done = write_plan(wf, [_change(s, "gpt-4o-mini") for s in writer + checker])
    assert sorted(done.written) == sorted(writer)
    # an Azure deployment's name is the operator's, not a model name to rewrite
    assert sorted(r.split(":")[0] for r in done.left) == sorted(checker)
    changed = _changed_lines(wf.text, done.text)
    assert changed == [("          config: {model: gpt-4o, temperature: 0}   # the writer's "
                        "model", "          config: {model: gpt-4o-mini, temperature: 0}   "
                        "# the writer's model")]
    path.write_text(done.text, encoding="utf-8")
    models = _models(path)
    assert {models[s] for s in writer} == {"gpt-4o-mini"}
    assert {models[s] for s in checker} == {"gpt-4o"}


def test_autogen_file_with_a_byte_order_mark_keeps_it(repo: Path) -> None:
    path = repo / "team.json"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "autogen" / "team.json").read_bytes())
    wf = _load(path)
    steps = [s.id for s in wf.steps if s.model]
    done = write_plan(wf, [_change(s, "gpt-4o") for s in steps])
    assert sorted(done.written) == sorted(steps)
    from agentlint.command import as_on_disk

    on_disk = as_on_disk(str(path), done.source, done.text, "write")
    assert on_disk.startswith("\ufeff") and json.loads(on_disk[1:])


def test_langgraph_module_named_by_its_manifest_is_the_file_written(repo: Path) -> None:
    project = repo / "proj"
    (project / "src").mkdir(parents=True)
    module = project / "src" / "agent.py"
    shutil.copy(FIXTURES / "langgraph" / "research-agent" / "agent.py", module)
    manifest = write(project / "langgraph.json",
                     '{"graphs": {"agent": "./src/agent.py:graph"}}\n')
    (project / "src" / "agentlint.profile.yaml").write_text("candidates: [gpt-4o-mini]\n",
                                                    encoding="utf-8")
    before = manifest.read_bytes()
    proc = run_process("optimize", "--objective", "cost", "--write", "--input-format",
                       "langgraph", str(manifest))
    assert proc.returncode == 0, proc.stderr
    # said as the module is shown in the report: beside the manifest
    assert f"wrote {project / 'src' / 'agent.py'} (1 of 1 changes)" in proc.stderr
    assert manifest.read_bytes() == before
    assert b'model="gpt-4o-mini",' in module.read_bytes()


def test_langgraph_literal_also_used_outside_the_graph_is_a_suggestion(repo: Path) -> None:
    """``llm`` is read by both nodes the plan moves alike, and by code the graph does not
    run (a helper, or a second graph): editing it would move that code too."""
    both = [_change("draft", "gpt-4o-mini"), _change("review", "gpt-4o-mini")]
    helper = SHARED + '\n\ndef summarize(text):\n    return llm.invoke(text)\n'
    wf = _load(write(repo / "helper.py", helper))
    done = write_plan(wf, both)
    assert not done.written
    assert done.left == [f"{s}: its model literal is also used by code outside the steps "
                         "the plan moves" for s in ("draft", "review")]
    # a helper the nodes call is theirs: the literal is written
    called = SHARED.replace('    return {"messages": [llm.invoke(state["messages"])]}\n\n\n'
                            'def review', '    return {"messages": [ask(state)]}\n\n\n'
                            'def ask(state):\n    return llm.invoke(state["messages"])\n\n\n'
                            'def review', 1)
    assert called != SHARED
    wf = _load(write(repo / "called.py", called))
    assert sorted(write_plan(wf, both).written) == ["draft", "review"]
    # a prebuilt agent built on it at module level is read (the last graph built); the
    # literal is its own only when no other graph's nodes use it
    prebuilt = SHARED.replace(
        "from langgraph.graph import", "from langgraph.prebuilt import create_react_agent\n"
        "from langgraph.graph import") + "\nagent = create_react_agent(llm, tools=[])\n"
    wf = _load(write(repo / "prebuilt.py", prebuilt))
    assert [s.id for s in wf.steps if s.model] == ["agent"]
    done = write_plan(wf, [_change("agent", "gpt-4o-mini")])
    assert not done.written and "also used by code outside" in done.left[0]
    alone = write(repo / "alone.py", "from langchain_openai import ChatOpenAI\n"
                  "from langgraph.prebuilt import create_react_agent\n\n"
                  'llm = ChatOpenAI(model="gpt-4o")\n'
                  "agent = create_react_agent(llm, tools=[])\n")
    done = write_plan(_load(alone), [_change("agent", "gpt-4o-mini")])
    assert done.written == ["agent"] and 'ChatOpenAI(model="gpt-4o-mini")' in done.text
    inline = write(repo / "inline.py", "from langgraph.prebuilt import create_react_agent\n"
                   "\nagent = create_react_agent('openai:gpt-4o', tools=[])\n")
    done = write_plan(_load(inline), [_change("agent", "gpt-4o-mini")])
    assert done.written == ["agent"]
    assert "create_react_agent('openai:gpt-4o-mini', tools=[])" in done.text
