"""Docker cagent teams read as the cagent runtime runs them: a sub-agent gets only the task
its parent writes, delegations run one at a time unless the parent holds the
background_agents toolset, a handoff passes the conversation on to one agent. Real
files (tests/fixtures/cagent, from three repositories: see SOURCES.md) pin call counts
and the critical path.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentlint.graph.estimate import estimate
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, exit_2_one_line, run_process
from tests.support import model_calls

CAGENT = FIXTURES / "cagent"


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "cagent"
    return wf


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


@pytest.mark.parametrize("name, calls, path", [
    # root and two sub-agents, each with toolsets: 3 calls each; the second task is
    # written after the first answer came back, so they run one after another
    ("dev-team.yaml", 9, ["root", "designer", "awesome_engineer"]),
    # the same shape, but root holds the background_agents toolset: side by side
    ("background_agents.yaml", 9, ["root", "web_researcher"]),
    # the writer has no toolset: one call
    ("blog.yaml", 7, ["root", "web_search_agent", "writer"]),
    # root hands off to one of two (3 + 0.5 * 3 + ...): every agent at most once
    ("handoff.yaml", 9, ["root", "web_search", "summarizer"]),
    ("rule_based_routing.yaml", 1, ["root"]),
    # docker/cagent-action's reviewer: root delegates to a drafter, then a verifier
    ("action_pr-review.yaml", 9, ["root", "drafter", "verifier"]),
    ("action_pr-review-feedback.yaml", 3, ["root"]),
    ("action_pr-review-reply.yaml", 3, ["root"]),
    # the analyzer has no toolset: one call
    ("hn_cagent-multi-agent.yaml", 7, ["root", "fetcher", "analyzer"]),
    ("hn_cagent.yaml", 3, ["root"]),
])
def test_real_teams(name: str, calls: float, path: list[str]) -> None:
    wf = _load(CAGENT / name)
    assert model_calls(wf) == pytest.approx(calls)
    assert estimate(wf).critical_path == path


def test_a_sub_agent_reads_only_its_parent_and_models_come_from_aliases() -> None:
    wf = _load(CAGENT / "dev-team.yaml")
    designer = wf.step("designer")
    assert "inputs.message" not in (designer.prompt or "")
    assert wf.models[wf.step("root").model or ""].base == "claude-sonnet-4-20250514"
    assert wf.step("root").output_tokens <= 64000  # the alias's max_tokens caps it
    # positions: the agent's key and its model alias's model
    assert wf.step("designer").at("id") == (57, 3)
    assert wf.step("root").at("model") == (6, 12)


def test_no_findings_on_the_real_teams() -> None:
    proc = run_process("lint", "--format", "json", str(CAGENT))  # one process, every team
    assert proc.returncode in (0, 1), proc.stderr
    found = [f for f in json.loads(proc.stdout) if f["severity"] in ("warning", "error")
             and f["code"] != "AL301"]
    assert found == []
    # every team file was read (an AL902 note each at least)
    assert {Path(f["file"]).name for f in json.loads(proc.stdout)} == {
        p.name for p in CAGENT.glob("*.yaml")}


def test_detection_in_a_folder_and_the_model_advice(repo: Path) -> None:
    shutil.copy(CAGENT / "blog.yaml", repo / "team.yaml")
    (repo / "ci.yaml").write_text("jobs:\n  build: {runs-on: x}\n", encoding="utf-8")
    proc = run_process("lint", "--format", "json", str(repo))
    assert proc.returncode in (0, 1), proc.stderr
    assert {Path(f["file"]).name for f in json.loads(proc.stdout)} <= {"team.yaml"}
    proc = run_process("estimate", "--format", "json", "--input-format", "cagent",
                       str(repo / "team.yaml"))
    assert json.loads(proc.stdout)["calls"] == 7


@pytest.mark.parametrize("text, where", [
    ("agents: [a, b]\n", ":1:"),
    ("agents:\n  root:\n    model: x\n    instruction: hi\n    sub_agents: [ghost]\n", ":5:"),
    ("models:\n  m: {provider: openai, model: gpt-4o, max_tokens: -1}\nagents:\n  root:\n"
     "    model: m\n    instruction: hi\n", ":2:"),
])
def test_broken_teams_are_refused_with_a_position(repo: Path, text: str, where: str) -> None:
    path = repo / "team.yaml"
    path.write_text(text, encoding="utf-8")
    proc = run_process("estimate", "--input-format", "cagent", str(path))
    line = exit_2_one_line(proc, str(path))
    assert where in line, line


def test_a_delegation_cycle_is_read_once(repo: Path) -> None:
    path = repo / "team.yaml"
    path.write_text("agents:\n  root:\n    model: openai/gpt-4o\n    instruction: lead\n"
                    "    sub_agents: [helper]\n  helper:\n    model: openai/gpt-4o-mini\n"
                    "    instruction: help\n    sub_agents: [root]\n", encoding="utf-8")
    wf = _load(path)
    assert [s.id for s in wf.steps] == ["root", "helper"]
    assert model_calls(wf) == 6


def test_the_profile_names_agents(repo: Path) -> None:
    shutil.copy(CAGENT / "hn_cagent-multi-agent.yaml", repo / "team.yaml")
    (repo / "agentlint.profile.yaml").write_text(
        "steps:\n  analyzer: {output_tokens: 900}\n", encoding="utf-8")
    wf = _load(repo / "team.yaml")
    assert wf.step("analyzer").output_tokens == 900
