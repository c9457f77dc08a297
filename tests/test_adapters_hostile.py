"""Foreign workflows that try to reach outside the repository, run code or loop forever
end in one positioned line and exit 2, or are read without executing anything."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from agentlint.adapters import adk
from agentlint.errors import SpecError
from agentlint.sources import load_any
from tests.conftest import exit_2_one_line, run_process


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository in a folder that has a sibling outside it."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.jinja2").write_text("system:\nsecret\n", encoding="utf-8")
    (tmp_path / "outside" / "agent.yaml").write_text("name: stolen\nmodel: gemini-2.0-flash\n"
                                                     "instruction: hi\n", encoding="utf-8")
    return root


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def one_line_error(proc, prefix: str) -> None:
    assert exit_2_one_line(proc).startswith(prefix), proc.stderr


FLOW_WITH = """
inputs:
  q: {type: string}
nodes:
- name: answer
  type: llm
  source:
    type: code
    path: %s
  inputs:
    deployment_name: gpt-4o
    q: ${inputs.q}
"""


@pytest.mark.parametrize("template", ["../../../outside/secret.jinja2",
                                      "/etc/hostname", "sub/../../../../outside/secret.jinja2"])
def test_template_outside_the_repository(repo: Path, template: str) -> None:
    write(repo, "flows/qa/flow.dag.yaml", FLOW_WITH % template)
    proc = run_process("estimate", "flows/qa/flow.dag.yaml", cwd=repo)
    one_line_error(proc, "flows/qa/flow.dag.yaml:8:11: ")
    assert "points outside the repository" in proc.stderr


def test_template_symlinked_outside_the_repository(repo: Path) -> None:
    flow = write(repo, "flows/qa/flow.dag.yaml", FLOW_WITH % "link.jinja2")
    try:
        os.symlink(repo.parent / "outside" / "secret.jinja2", flow.parent / "link.jinja2")
    except OSError:
        pytest.skip("symbolic links are not available")
    proc = run_process("estimate", "flows/qa/flow.dag.yaml", cwd=repo)
    one_line_error(proc, "flows/qa/flow.dag.yaml:8:11: ")


def test_missing_template_and_unknown_reference(repo: Path) -> None:
    write(repo, "flows/qa/flow.dag.yaml", FLOW_WITH % "gone.jinja2")
    proc = run_process("estimate", "flows/qa/flow.dag.yaml", cwd=repo)
    one_line_error(proc, "flows/qa/flow.dag.yaml:8:11: template 'gone.jinja2' not found")
    write(repo, "flows/qa/flow.dag.yaml", (FLOW_WITH % "a.jinja2").replace(
        "${inputs.q}", "${ghost.output}"))
    write(repo, "flows/qa/a.jinja2", "{{q}}")
    proc = run_process("estimate", "flows/qa/flow.dag.yaml", cwd=repo)
    one_line_error(proc, "flows/qa/flow.dag.yaml:11:8: ${ghost.output} refers to node 'ghost'")


ROOT_AGENT = """
agent_class: SequentialAgent
name: pipeline
sub_agents:
  - config_path: writer.yaml
  - config_path: %s
"""


@pytest.mark.parametrize("target", ["../outside/agent.yaml", "/etc/passwd"])
def test_config_path_outside_the_repository(repo: Path, target: str) -> None:
    write(repo, "root_agent.yaml", ROOT_AGENT % target)
    write(repo, "writer.yaml", "name: writer\nmodel: gemini-2.0-flash\ninstruction: Write.\n")
    proc = run_process("estimate", "root_agent.yaml", cwd=repo)
    one_line_error(proc, "root_agent.yaml:5:18: ")
    assert f"config_path '{target}' points outside the repository" in proc.stderr


def test_config_path_outside_in_a_nested_file_names_that_file(repo: Path) -> None:
    write(repo, "root_agent.yaml", ROOT_AGENT % "inner/seq.yaml")
    write(repo, "writer.yaml", "name: writer\nmodel: gemini-2.0-flash\ninstruction: Write.\n")
    write(repo, "inner/seq.yaml", """
        agent_class: SequentialAgent
        name: inner
        sub_agents:
          - config_path: ../../outside/agent.yaml
        """)
    proc = run_process("estimate", "root_agent.yaml", cwd=repo)
    one_line_error(proc, "inner/seq.yaml:4:18: ")


def test_config_path_cycle(repo: Path) -> None:
    write(repo, "root_agent.yaml", ROOT_AGENT % "loop.yaml")
    write(repo, "writer.yaml", "name: writer\nmodel: gemini-2.0-flash\ninstruction: Write.\n")
    write(repo, "loop.yaml", """
        agent_class: LoopAgent
        name: again
        sub_agents:
          - config_path: root_agent.yaml
        """)
    proc = run_process("estimate", "root_agent.yaml", cwd=repo)
    one_line_error(proc, "loop.yaml:4:18: ")
    assert "cycle" in proc.stderr


def test_lint_reports_the_escape_and_goes_on(repo: Path) -> None:
    write(repo, "a/root_agent.yaml", ROOT_AGENT % "../../outside/agent.yaml")
    write(repo, "a/writer.yaml", "name: writer\nmodel: gemini-2.0-flash\ninstruction: Hi.\n")
    proc = run_process("lint", ".", "--format", "json", cwd=repo)
    assert proc.returncode == 2
    assert proc.stderr.startswith("a/root_agent.yaml:5:18: ")


CREW_PY = """
import pathlib

pathlib.Path(%r).write_text("crew.py was executed")

from crewai import Agent, Crew, Process, Task
from crewai.project import CrewBase, agent, crew, task


@CrewBase
class Pwned:
    pathlib.Path(%r).write_text("class body ran")

    @agent
    def writer(self) -> Agent:
        return Agent(config=self.agents_config["writer"], llm="gpt-4o")

    @task
    def draft(self) -> Task:
        return Task(config=self.tasks_config["draft"], agent=self.writer())

    @crew
    def crew(self) -> Crew:
        __import__("os").system("touch " + %r)
        return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)
"""


def test_crew_py_is_never_executed(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "executed.txt"
    write(repo, "crew/src/crew/crew.py", CREW_PY % (str(marker), str(marker), str(marker)))
    write(repo, "crew/src/crew/config/agents.yaml", """
        writer:
          role: Writer
          goal: Write about {topic}.
          backstory: You write.
        """)
    write(repo, "crew/src/crew/config/tasks.yaml", """
        draft:
          description: Draft a note about {topic}.
          expected_output: A note.
        """)
    for command in ("estimate", "lint", "convert"):
        proc = run_process(command, "crew/src/crew/config/tasks.yaml", cwd=repo)
        assert proc.returncode in (0, 1) or "No such command" in proc.stderr, proc.stderr
    wf = load_any(str(repo / "crew/src/crew/config/tasks.yaml"))
    assert wf is not None
    assert wf.agents["writer"].model == "gpt-4o"  # read from crew.py's syntax tree
    assert not marker.exists()


def test_crew_py_that_does_not_parse_is_noted(repo: Path) -> None:
    write(repo, "crew/src/crew/crew.py", "def broken(:\n")
    write(repo, "crew/src/crew/config/tasks.yaml", """
        draft:
          description: Draft a note.
          expected_output: A note.
        """)
    wf = load_any(str(repo / "crew/src/crew/config/tasks.yaml"))
    assert wf is not None
    assert any("crew.py could not be read (line 1:" in m for m, _, _ in wf.assumptions)


def test_crew_py_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    # config/ at the top of the repository: crew.py would be one folder above it
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (tmp_path / "crew.py").write_text("x = 1\n", encoding="utf-8")
    write(root, "tasks.yaml", "draft:\n  description: Draft.\n  expected_output: A note.\n")
    wf = load_any(str(root / "tasks.yaml"))
    assert wf is not None
    assert any("outside the repository and was not read" in m for m, _, _ in wf.assumptions)


def test_crewai_context_naming_a_missing_task(repo: Path) -> None:
    write(repo, "config/tasks.yaml", """
        draft:
          description: Draft.
          expected_output: A note.
          context:
            - reserch
        """)
    proc = run_process("estimate", "config/tasks.yaml", cwd=repo)
    one_line_error(proc, "config/tasks.yaml:5:7: task 'draft' has context 'reserch'")


def test_crewai_context_naming_a_later_task(repo: Path) -> None:
    write(repo, "config/tasks.yaml", """
        draft:
          description: Draft.
          expected_output: A note.
          context: [review]
        review:
          description: Review.
          expected_output: A review.
        """)
    proc = run_process("estimate", "config/tasks.yaml", cwd=repo)
    one_line_error(proc, "config/tasks.yaml:4:13: ")
    assert "listed after it" in proc.stderr


def test_dify_unknown_node_types_and_dangling_edges(repo: Path) -> None:
    write(repo, "app.yml", """
        app: {mode: workflow, name: odd}
        kind: app
        version: 0.9.0
        workflow:
          graph:
            edges:
            - {source: '1', target: '2', sourceHandle: source}
            - {source: '2', target: '3', sourceHandle: source}
            - {source: '3', target: 'gone', sourceHandle: source}
            nodes:
            - id: '1'
              data: {type: start, title: Start, variables: []}
            - id: '2'
              data:
                type: teleporter
                title: New node type
                payload: '{{#1.text#}}'
            - id: '3'
              data:
                type: llm
                title: Answer
                model: {provider: openai, name: gpt-4o-mini, mode: chat}
                prompt_template:
                - {role: user, text: 'Answer {{#2.output#}} and {{#999.text#}}'}
        """)
    wf = load_any(str(repo / "app.yml"))
    assert wf is not None
    assert wf.step("2").kind == "aggregate" and "does not know" in (wf.step("2").origin or "")
    assert wf.step("3").step_refs() == ["2"]
    assert any("'999'" in m for m, _, _ in wf.assumptions)


def test_deeply_nested_agent_configs_stop(repo: Path) -> None:
    write(repo, "root_agent.yaml", "agent_class: SequentialAgent\nname: a0\nsub_agents:\n"
          "  - config_path: a1.yaml\n")
    for i in range(1, 40):
        write(repo, f"a{i}.yaml", f"agent_class: SequentialAgent\nname: a{i}\nsub_agents:\n"
              f"  - config_path: a{i + 1}.yaml\n")
    write(repo, "a40.yaml", "name: leaf\nmodel: gemini-2.0-flash\ninstruction: Hi.\n")
    proc = run_process("estimate", "root_agent.yaml", cwd=repo)
    assert proc.returncode == 2 and "nested deeper than" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_too_many_agent_config_files_stop(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adk, "MAX_FILES", 3)
    write(repo, "root_agent.yaml", "agent_class: ParallelAgent\nname: fan\nsub_agents:\n"
          + "".join(f"  - config_path: a{i}.yaml\n" for i in range(5)))
    for i in range(5):
        write(repo, f"a{i}.yaml", f"name: a{i}\nmodel: gemini-2.0-flash\ninstruction: Hi.\n")
    with pytest.raises(SpecError) as err:
        load_any(str(repo / "root_agent.yaml"))
    assert str(err.value) == f"{repo / 'root_agent.yaml'}:7:18: more than 3 agent config files"
