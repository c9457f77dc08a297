"""CrewAI crews read as CrewAI builds and runs them.

The crews under tests/fixtures/formats/crewai/own/ are written after real ones
(tests/fixtures/SOURCES.md): a CrewAI Flow whose crew module is
``crews/content_crew/content_crew.py``, a hierarchical crew whose manager agent
is built in the ``@crew`` method of ``watch_crew.py``, a crew made hierarchical
where ``main.py`` assembles it, and a sequential crew in ``newsroom.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.conftest import FIXTURES, exit_2_one_line, lint_json, run_process
from tests.support import GitRepo, write

OWN = FIXTURES / "formats" / "crewai" / "own"
FLOW = OWN / "content_flow/src/content_flow/crews/content_crew"
WATCH = OWN / "market_watch/src/market_watch"
DESK = OWN / "support_desk/src/support_desk"
TRIAGE = DESK / "crews/triage_crew"
NEWSROOM = OWN / "newsroom/src/newsroom"


def _load(path: Path) -> Workflow:
    wf = load_any(str(path))
    assert wf is not None and wf.format == "crewai"
    return wf


def _estimate(path: Path) -> dict:
    done = run_process("estimate", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _line(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.startswith(start))


# -- 1. the crew module, whatever its name ---------------------------------------------------


def test_flow_crew_module_is_found_by_its_crewbase_class() -> None:
    wf = _load(FLOW / "config" / "tasks.yaml")
    assert any(s.endswith("crews/content_crew/content_crew.py") for s in wf.extra["sources"])
    assert not any(s.endswith("main.py") for s in wf.extra["sources"])  # it builds no crew
    assert wf.agents["writer"].model == "claude-sonnet-4-5"  # LLM(model=WRITER_MODEL)
    assert wf.agents["editor"].model == "gpt-4o"
    assert wf.agents["planner"].model == "gpt-4o-mini"
    assert wf.agents["planner"].tools == ["SerperDevTool"]
    planning = wf.step("planning_task")
    assert planning.calls == 2  # a tool loop, capped by max_iter=2 in the module
    assert not any("default model" in m for m, _, _ in wf.assumptions)


def test_flow_crew_figures() -> None:
    data = _estimate(FLOW / "config" / "tasks.yaml")
    assert [s["id"] for s in data["steps"]] == ["planning_task", "writing_task",
                                                "editing_task"]
    assert [s["model"] for s in data["steps"]] == ["gpt-4o-mini", "claude-sonnet-4-5",
                                                   "gpt-4o"]
    assert data["calls"] == pytest.approx(4.0)  # 2 (tool loop) + 1 + 1
    assert data["critical_path"] == ["planning_task", "writing_task", "editing_task"]


def test_module_named_after_the_package_is_read() -> None:
    wf = _load(NEWSROOM / "config" / "agents.yaml")
    assert any(s.endswith("newsroom/newsroom.py") for s in wf.extra["sources"])
    assert {a: wf.agents[a].model for a in wf.agents} == {
        "reporter": "gpt-4o", "writer": "gpt-4o", "social_editor": "gpt-4o-mini"}


TWO_CREWS = """
from crewai import Agent, Crew, Process, Task
from crewai.project import CrewBase, agent, crew, task


@CrewBase
class Other:
    tasks_config = "config/other_tasks.yaml"

    @agent
    def writer(self) -> Agent:
        return Agent(config=self.agents_config["writer"], llm="claude-sonnet-4-5")


@CrewBase
class Notes:
    @agent
    def writer(self) -> Agent:
        return Agent(config=self.agents_config["writer"], llm="gpt-4o")

    @task
    def draft(self) -> Task:
        return Task(config=self.tasks_config["draft"])

    @crew
    def crew(self) -> Crew:
        pathlib.Path(%r).write_text("the module ran")
        return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)
"""


def _notes(root: Path, module: str, marker: Path) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    write(root / "src/notes" / module, TWO_CREWS % str(marker))
    write(root / "src/notes/helpers.py", "import os\nos.system('false')\n")
    write(root / "src/notes/config/agents.yaml", """
        writer:
          role: Writer
          goal: Write notes about {topic}.
          backstory: You write short notes.
        """)
    return write(root / "src/notes/config/tasks.yaml", """
        draft:
          description: Draft a note about {topic}.
          expected_output: A note.
          agent: writer
        """)


def test_the_crew_whose_tasks_config_is_this_file_is_read(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    tasks = _notes(tmp_path / "repo", "notes_crew.py", marker)
    wf = _load(tasks)
    # Other names another tasks file: Notes is the crew of config/tasks.yaml
    assert wf.agents["writer"].model == "gpt-4o"
    assert not marker.exists()  # read as a syntax tree, never run


def test_a_module_linked_from_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    outside = tmp_path / "outside" / "notes_crew.py"
    outside.parent.mkdir()
    outside.write_text((TWO_CREWS % str(marker)).replace('llm="gpt-4o"', 'llm="o1"'),
                       encoding="utf-8")
    root = tmp_path / "repo"
    tasks = _notes(root, "local_crew.py", marker)
    (root / "src/notes/local_crew.py").unlink()
    (root / "src/notes/linked_crew.py").symlink_to(outside)
    wf = _load(tasks)
    assert not any(s.endswith("linked_crew.py") for s in wf.extra["sources"])
    assert wf.agents["writer"].model == "gpt-4o-mini"  # CrewAI's default, not o1
    assert not marker.exists()


# -- 2. hierarchical crews --------------------------------------------------------------------


def test_hierarchical_manager_executes_every_task() -> None:
    wf = _load(WATCH / "config" / "tasks.yaml")
    tasks = ["find_trending_companies", "research_trending_companies", "write_newsletter",
             "pick_best_company"]
    agents = ["trend_finder", "researcher", "researcher", "picker"]
    assert [s.id for s in wf.steps] == [x for t, a in zip(tasks, agents, strict=True)
                                        for x in (f"{t}__{a}", t)]
    assert "crew_manager" not in wf.step_index  # no manager run before the tasks
    for task, agent in zip(tasks, agents, strict=True):
        boss, worker = wf.step(task), wf.step(f"{task}__{agent}")
        assert boss.kind == "orchestrator" and boss.agent == "manager" and boss.calls == 2
        assert worker.agent == agent and worker.calls == 3  # its tools: a tool loop
        # the manager reads the task, its context and the coworker's answer
        assert boss.step_refs()[-1] == worker.id
        assert boss.step_refs()[:-1] == worker.step_refs()
        assert "expected criteria for your final answer" in boss.prompt
    assert wf.step("research_trending_companies").step_refs() == [
        "find_trending_companies", "research_trending_companies__researcher"]
    # the manager agent is configured in agents.yaml and built in the @crew method
    assert wf.agents["manager"].model == "gpt-4o"
    assert wf.agents["manager"].system.startswith("You are Investment Committee Chair.")
    messages = [m for m, _, _ in wf.assumptions]
    assert sum("the manager executes every task" in m for m in messages) == 1


def test_hierarchical_call_counts_and_critical_path() -> None:
    data = _estimate(WATCH / "config" / "tasks.yaml")
    # coworkers with tools: 3 calls each (4 tasks); the manager: 2 calls per task
    assert data["calls"] == pytest.approx(4 * 3 + 4 * 2)
    assert data["critical_path"] == [s["id"] for s in data["steps"]]
    assert data["critical_path"][-2:] == ["pick_best_company__picker", "pick_best_company"]
    managers = [s for s in data["steps"] if "__" not in s["id"]]
    assert {s["model"] for s in managers} == {"gpt-4o"}


def test_hierarchical_crew_assembled_in_main() -> None:
    wf = _load(TRIAGE / "config" / "agents.yaml")
    assert any(s.endswith("support_desk/main.py") for s in wf.extra["sources"])
    assert [s.id for s in wf.steps] == ["classify_ticket__coworker", "classify_ticket",
                                        "draft_reply__coworker", "draft_reply"]
    boss = wf.step("draft_reply")
    assert boss.model == "gpt-4o"  # manager_llm=LLM(model=MANAGER_MODEL) in main.py
    assert boss.system.startswith("You are Crew Manager.")  # CrewAI's own manager
    assert boss.step_refs() == ["classify_ticket", "draft_reply__coworker"]
    # no task names an agent: the coworker is one the manager picks; all run gpt-4o-mini
    assert wf.step("draft_reply__coworker").model == "gpt-4o-mini"
    data = _estimate(TRIAGE / "config" / "tasks.yaml")
    assert data["calls"] == pytest.approx(2 * 1 + 2 * 2)


def test_orchestration_overhead_of_a_hierarchical_crew_is_reported() -> None:
    found = lint_json(TRIAGE / "config" / "tasks.yaml")
    assert [f["rule"] for f in found if f["severity"] != "info"] == ["orchestration-overhead"]


def test_hierarchical_crew_without_manager_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root / "src/desk/crews/triage/triage.py", (TRIAGE / "triage_crew.py").read_text(
        encoding="utf-8").replace("class TriageCrew", "class Triage"))
    for name in ("agents.yaml", "tasks.yaml"):
        write(root / "src/desk/crews/triage/config" / name,
              (TRIAGE / "config" / name).read_text(encoding="utf-8"))
    write(root / "src/desk/main.py", """
        from crewai import Crew, Process

        from desk.crews.triage.triage import Triage


        def run() -> None:
            team = Triage()
            Crew(agents=team.agents, tasks=team.tasks,
                 process=Process.hierarchical).kickoff()
        """)
    done = run_process("estimate", "src/desk/crews/triage/config/tasks.yaml", cwd=root)
    line = exit_2_one_line(done, "src/desk/main.py")
    assert line.startswith("src/desk/main.py:8:5: a hierarchical crew needs manager_llm or "
                           "manager_agent")


# -- 3. what CrewAI refuses -------------------------------------------------------------------


def _crew(root: Path, agents: str, tasks: str, module: str | None = None) -> None:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    write(root / "src/team/config/agents.yaml", agents)
    write(root / "src/team/config/tasks.yaml", tasks)
    if module is not None:
        write(root / "src/team/team_crew.py", module)


WRITER = """
writer:
  role: Writer
  goal: Write about {topic}.
  backstory: You write.
"""


def test_task_without_expected_output_is_refused(tmp_path: Path) -> None:
    _crew(tmp_path, WRITER, """
        outline:
          description: Outline a post about {topic}.
          expected_output: An outline.
          agent: writer
        draft:
          description: Draft the post about {topic}.
          agent: writer
        """)
    done = run_process("lint", "src/team/config/tasks.yaml", cwd=tmp_path)
    assert exit_2_one_line(done).startswith(
        "src/team/config/tasks.yaml:5:1: task 'draft' has no expected_output: CrewAI's Task "
        "requires description and expected_output")


def test_agent_without_backstory_is_refused(tmp_path: Path) -> None:
    _crew(tmp_path, """
        writer:
          role: Writer
          goal: Write about {topic}.
        """, """
        draft:
          description: Draft a post about {topic}.
          expected_output: A post.
          agent: writer
        """)
    # reported in agents.yaml when the crew is read (from tasks.yaml: agents.yaml alone is
    # not recognised without all three keys)
    done = run_process("estimate", "src/team/config/tasks.yaml", cwd=tmp_path)
    assert exit_2_one_line(done).startswith(
        "src/team/config/agents.yaml:1:1: agent 'writer' has no backstory: CrewAI's Agent "
        "requires role, goal and backstory")


def test_fields_given_in_the_module_are_not_missing(tmp_path: Path) -> None:
    _crew(tmp_path, """
        writer:
          role: Writer
          goal: Write about {topic}.
        """, """
        draft:
          description: Draft a post about {topic}.
          agent: writer
        """, """
        from crewai import Agent, Crew, Process, Task
        from crewai.project import CrewBase, agent, crew, task


        @CrewBase
        class Team:
            @agent
            def writer(self) -> Agent:
                return Agent(config=self.agents_config["writer"], backstory="You write.")

            @task
            def draft(self) -> Task:
                return Task(config=self.tasks_config["draft"], expected_output="A post.")

            @crew
            def crew(self) -> Crew:
                return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)
        """)
    wf = _load(tmp_path / "src/team/config/tasks.yaml")
    assert [s.id for s in wf.steps] == ["draft"]


def test_sequential_task_without_agent_is_refused(tmp_path: Path) -> None:
    _crew(tmp_path, WRITER, """
        draft:
          description: Draft a post about {topic}.
          expected_output: A post.
        """, """
        from crewai import Agent, Crew, Process, Task
        from crewai.project import CrewBase, agent, crew, task


        @CrewBase
        class Team:
            @agent
            def writer(self) -> Agent:
                return Agent(config=self.agents_config["writer"])

            @task
            def draft(self) -> Task:
                return Task(config=self.tasks_config["draft"])

            @crew
            def crew(self) -> Crew:
                return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)
        """)
    done = run_process("estimate", "src/team/config/tasks.yaml", cwd=tmp_path)
    assert exit_2_one_line(done).startswith(
        "src/team/config/tasks.yaml:1:1: task 'draft' has no agent: CrewAI's sequential "
        "process refuses a task without one")


# -- 4. outputs that leave the crew -----------------------------------------------------------


def test_unused_output_spares_output_file_and_final_task() -> None:
    tasks = NEWSROOM / "config" / "tasks.yaml"
    found = [f for f in lint_json(tasks) if f["rule"] == "unused-output"]
    # write_article is read by no task but written to output/article.md; write_posts is the
    # crew's final task; write_headlines goes nowhere
    assert [(f["line"], f["column"]) for f in found] == [(_line(tasks, "write_headlines:"), 1)]
    assert "`write_headlines`" in found[0]["message"]
    wf = _load(tasks)
    assert wf.step("write_article").output_leaves == \
        "it is written to output/article.md (output_file)"
    assert "final task" in (wf.step("write_posts").output_leaves or "")
    assert wf.step("write_headlines").output_leaves is None


def test_unused_output_spares_a_task_with_a_callback(tmp_path: Path) -> None:
    _crew(tmp_path, WRITER, """
        draft:
          description: Draft a post about {topic}.
          expected_output: A post.
          agent: writer
        summary:
          description: Summarise the topic {topic} in one line.
          expected_output: One line.
          agent: writer
          context: []
        """, """
        from crewai import Agent, Crew, Process, Task
        from crewai.project import CrewBase, agent, crew, task


        def publish(output):
            print(output.raw)


        @CrewBase
        class Team:
            @agent
            def writer(self) -> Agent:
                return Agent(config=self.agents_config["writer"])

            @task
            def draft(self) -> Task:
                return Task(config=self.tasks_config["draft"], callback=publish)

            @task
            def summary(self) -> Task:
                return Task(config=self.tasks_config["summary"])

            @crew
            def crew(self) -> Crew:
                return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)
        """)
    tasks = tmp_path / "src/team/config/tasks.yaml"
    assert _load(tasks).step("draft").output_leaves == "it is handed to the task's callback"
    assert not [f for f in lint_json(tasks, cwd=tmp_path) if f["rule"] == "unused-output"]


def test_unused_output_spares_a_task_whose_agent_sends_it(tmp_path: Path) -> None:
    _crew(tmp_path, WRITER + """
notifier:
  role: Notifier
  goal: Tell the user about {topic}.
  backstory: You send short push notifications.
""", """
        alert:
          description: Send the user a push notification about {topic}.
          expected_output: The text that was sent.
          agent: notifier
        draft:
          description: Draft a post about {topic}.
          expected_output: A post.
          agent: writer
          context: []
        """, """
        from crewai import Agent, Crew, Process, Task
        from crewai.project import CrewBase, agent, crew, task

        from team.tools.push_tool import send_push_notification
        from team.tools.search import search_tools


        @CrewBase
        class Team:
            @agent
            def writer(self) -> Agent:
                return Agent(config=self.agents_config["writer"], tools=search_tools)

            @agent
            def notifier(self) -> Agent:
                return Agent(config=self.agents_config["notifier"],
                             tools=[send_push_notification])

            @task
            def alert(self) -> Task:
                return Task(config=self.tasks_config["alert"])

            @task
            def draft(self) -> Task:
                return Task(config=self.tasks_config["draft"])

            @crew
            def crew(self) -> Crew:
                return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)
        """)
    tasks = tmp_path / "src/team/config/tasks.yaml"
    wf = _load(tasks)
    assert wf.step("alert").output_leaves == \
        "its tool send_push_notification sends or writes it out"
    assert wf.agents["writer"].tools == ["search_tools"]  # a list held in a variable
    assert wf.step("draft").calls == 3  # so the writer runs a tool loop
    messages = [m for m, _, _ in wf.assumptions]
    assert any(m.startswith("tool send_push_notification is assumed to send") for m in messages)
    assert not [f for f in lint_json(tasks, cwd=tmp_path) if f["rule"] == "unused-output"]


# -- 5. advice in CrewAI's words --------------------------------------------------------------


def test_unused_output_advice_names_crewai_keys() -> None:
    tasks = NEWSROOM / "config" / "tasks.yaml"
    (finding,) = [f for f in lint_json(tasks) if f["rule"] == "unused-output"]
    where = f"{tasks}:{_line(tasks, 'write_headlines:')}:1"
    assert finding["message"].endswith(
        "list `write_headlines` in the `context` of the task that needs it, or set "
        f"`output_file:` on task `write_headlines` ({where}) if its output is kept")
    assert "{{ steps." not in finding["message"]


def test_wording_of_parallel_context_and_model() -> None:
    tasks = NEWSROOM / "config" / "tasks.yaml"
    words = _load(tasks).extra["wording"]
    at = {name: f"{tasks}:{_line(tasks, name + ':')}:1" for name in
          ("write_article", "write_headlines", "write_posts")}
    assert words.parallel(["write_article", "write_headlines"]) == (
        f"set `async_execution: true` on task `write_article` ({at['write_article']}) and "
        f"`write_headlines` ({at['write_headlines']}); CrewAI waits for async tasks at the "
        f"next synchronous task, `write_posts` ({at['write_posts']}): give it "
        "`context: [gather_facts, write_article, write_headlines]`")
    # the last two tasks cannot both be async: a crew ends with at most one async task
    assert "a crew may not end with more than one async task" in words.parallel(
        ["write_headlines", "write_posts"])
    assert words.context("write_posts", ["gather_facts"]) == (
        f"give task `write_posts` ({at['write_posts']}) `context: [gather_facts]`")
    module = NEWSROOM / "newsroom.py"
    line = _line(module, '        return Agent(config=self.agents_config["social_editor"]')
    column = module.read_text(encoding="utf-8").splitlines()[line - 1].index('"gpt-4o-mini"')
    assert words.model("write_posts", "gpt-4.1-nano") == (
        f'set `llm="gpt-4.1-nano"` on agent `social_editor` ({module}:{line}:{column + 1})')


def test_wording_in_a_hierarchical_crew() -> None:
    agents = WATCH / "config" / "agents.yaml"
    words = _load(WATCH / "config" / "tasks.yaml").extra["wording"]
    lines = agents.read_text(encoding="utf-8").splitlines()
    manager = _line(agents, "manager:")
    llm = next(i for i in range(manager, len(lines) + 1) if lines[i - 1] == "  llm: gpt-4o")
    assert words.model("pick_best_company", "gpt-4o-mini") == (
        f"set `llm: gpt-4o-mini` on the manager agent ({agents}:{llm}:3)")
    picker_llm = next(i for i in range(_line(agents, "picker:"), manager)
                      if lines[i - 1] == "  llm: gpt-4o")
    assert words.model("pick_best_company__picker", "gpt-4o-mini") == (
        f"set `llm: gpt-4o-mini` on agent `picker` ({agents}:{picker_llm}:3)")
    # a coworker's step is its task's: the advice goes to the task
    assert words.context("pick_best_company__picker",
                         ["research_trending_companies__researcher"]).endswith(
        "`context: [research_trending_companies]`")
    main = DESK / "main.py"
    desk = _load(TRIAGE / "config" / "tasks.yaml").extra["wording"]
    line = _line(main, "        manager_llm=")
    assert desk.model("draft_reply", "gpt-4o-mini") == (
        f'set `manager_llm="gpt-4o-mini"` on the crew ({main}:{line}:21)')


# -- the same for the other formats -----------------------------------------------------------

GATED_FLOW = """
inputs:
  question:
    type: string
outputs:
  label:
    type: string
    reference: ${classify.output}
  answer:
    type: string
    reference: ${answer.output}
nodes:
- name: classify
  type: llm
  source:
    type: code
    path: classify.jinja2
  inputs:
    model: gpt-4o-mini
    question: ${inputs.question}
  api: chat
- name: answer
  type: llm
  source:
    type: code
    path: answer.jinja2
  inputs:
    model: gpt-4o
    question: ${inputs.question}
  api: chat
  activate:
    when: ${classify.output}
    is: on-topic
"""


def test_promptflow_flow_output_is_not_unused(tmp_path: Path) -> None:
    # the flow returns classify as `label` (and its answer gates `answer`)
    (tmp_path / ".git").mkdir()
    write(tmp_path / "qa/flow.dag.yaml", GATED_FLOW)
    write(tmp_path / "qa/classify.jinja2", "system:\nSay on-topic or off-topic.\nuser:\n"
          "{{question}}\n")
    write(tmp_path / "qa/answer.jinja2", "system:\nAnswer.\nuser:\n{{question}}\n")
    wf = load_any(str(tmp_path / "qa/flow.dag.yaml"))
    assert wf is not None
    assert wf.step("classify").output_leaves == "it is the flow output 'label'"
    found = lint_json(tmp_path / "qa/flow.dag.yaml", cwd=tmp_path)
    assert "serial-but-independent" not in {f["rule"] for f in found}  # the gate is data
    assert "unused-output" not in {f["rule"] for f in found}


def test_dify_end_and_answer_nodes_mark_what_the_app_returns() -> None:
    dify = FIXTURES / "formats" / "dify"
    ends = {p.name: [s.output_leaves for s in load_any(str(p)).steps]  # type: ignore[union-attr]
            for p in dify.rglob("*.yml")}
    assert any(any(x and x.startswith("the end node ") for x in v) for v in ends.values())
    assert any(any(x and x.startswith("the answer node ") for x in v) for v in ends.values())


# -- what CrewAI runs and hands each task, on real crews --------------------------------------

ED = FIXTURES / "formats" / "crewai" / "ed-donner__agents" / "3_crewai"
MODULES = FIXTURES / "formats" / "crewai" / "modules"
TEMPLATE = FIXTURES / "formats" / "crewai" / "crewAIInc__crewAI" / "lib" / "cli" / "src" \
    / "crewai_cli" / "templates" / "crew" / "config"
DEBATE_CONFIG = ED / "reference" / "debate" / "src" / "debate" / "config"
POSTMORTEM = ED / "community_contributions" / "incident_postmortem" / "src" \
    / "incident_postmortem" / "config"
STOCK_PICKER = ED / "reference" / "stock_picker" / "src" / "stock_picker" / "config"


def _with_module(tmp_path: Path, config: Path, module: str) -> Path:
    """A real crew's YAML pair with its real crew module beside it, as the crew lays them
    out (``<package>/config/*.yaml``, ``<package>/crew.py``); returns its tasks.yaml. The
    modules are stored as text (tests/fixtures/SOURCES.md)."""
    (tmp_path / ".git").mkdir(exist_ok=True)  # the repository the crew lies in
    package = tmp_path / "src" / config.parent.name
    shutil.copytree(config, package / "config")
    shutil.copyfile(MODULES / f"{module}.py.txt", package / "crew.py")
    return package / "config" / "tasks.yaml"


def test_only_the_tasks_given_to_the_crew_run(tmp_path: Path) -> None:
    # crew.py: Crew(agents=self.agents, tasks=[self.complete_travel_package_task()])
    tasks = _with_module(tmp_path, ED / "community_contributions" / "travelmate" / "src"
                         / "travelmate" / "config", "travelmate_crew")
    wf = _load(tasks)
    assert [s.id for s in wf.steps] == ["complete_travel_package_task"]
    # the tasks its context names never run: they hand it nothing
    assert wf.steps[0].step_refs() == [] and not wf.steps[0].implicit_context
    [note] = [m for m, _, _ in wf.assumptions if "tasks=[...]" in m]
    assert "1 of the 8 tasks" in note and "'travel_guide_task'" in note
    data = _estimate(tasks)
    assert data["calls"] == 1
    assert data["critical_path"] == ["complete_travel_package_task"]
    found = {f["rule"] for f in lint_json(tasks)}
    assert not found & {"unused-output", "serial-but-independent"}


def test_tasks_listed_in_another_order_run_in_that_order(tmp_path: Path) -> None:
    tasks = _with_module(tmp_path, ED / "community_contributions" / "travelmate" / "src"
                         / "travelmate" / "config", "travelmate_crew")
    module = tasks.parent.parent / "crew.py"
    source = module.read_text(encoding="utf-8")
    given = "tasks=[self.complete_travel_package_task()]"
    module.write_text(source.replace(given, "tasks=[self.food_guide_task(), "
                                     "self.complete_travel_package_task()]"), encoding="utf-8")
    wf = _load(tasks)
    assert [s.id for s in wf.steps] == ["food_guide_task", "complete_travel_package_task"]
    # of the six tasks its context names, only food_guide_task runs (and before it)
    assert wf.step("complete_travel_package_task").step_refs() == ["food_guide_task"]
    assert wf.step("food_guide_task").step_refs() == []
    # CrewAI refuses a context on a task the crew runs later
    module.write_text(source.replace(given, "tasks=[self.complete_travel_package_task(), "
                                     "self.food_guide_task()]"), encoding="utf-8")
    done = run_process("lint", str(tasks))
    exit_2_one_line(done)
    lines = tasks.read_text(encoding="utf-8").splitlines()
    last = max(i for i, text in enumerate(lines, 1) if text == "    - food_guide_task")
    assert last > _line(tasks, "complete_travel_package_task:")
    assert f"tasks.yaml:{last}:7: task 'complete_travel_package_task'" in done.stderr
    assert "listed after it in the crew's tasks" in done.stderr
    # a list that is not of the crew's task methods says nothing: every task runs
    module.write_text(source.replace(given, "tasks=[self.food_guide_task(), make_task()]"),
                      encoding="utf-8")
    assert len(_load(tasks).steps) == 8


def test_implicit_context_the_task_asks_for_is_not_reported() -> None:
    # "Review the context you got": all it gets is what it asks for
    assert not _load(TEMPLATE / "tasks.yaml").step("reporting_task").implicit_context
    debate = _load(DEBATE_CONFIG / "tasks.yaml")
    # "Review the arguments presented by the debaters": both earlier tasks are the debater's
    assert not debate.step("decide").implicit_context
    assert debate.step("decide").step_refs() == ["propose", "oppose"]  # still handed both
    # oppose argues against the motion: it never asks for the proposal it is handed
    assert debate.step("oppose").implicit_context
    hits = [f for f in lint_json(DEBATE_CONFIG / "tasks.yaml") if f["rule"] == "implicit-context"]
    assert [h["line"] for h in hits] == [_line(DEBATE_CONFIG / "tasks.yaml", "oppose:")]


def test_implicit_context_of_the_previous_and_prior_tasks(tmp_path: Path) -> None:
    tasks = _with_module(tmp_path, POSTMORTEM, "incident_postmortem_crew")
    wf = _load(tasks)
    # "Using the timeline and impact from the previous task" (the one task before it)
    assert not wf.step("analyze_root_cause_task").implicit_context
    # "Combine the outputs from prior tasks"
    assert not wf.step("finalize_postmortem_task").implicit_context
    assert wf.step("finalize_postmortem_task").step_refs() == [
        "summarize_incident_task", "analyze_root_cause_task"]
    assert not [f for f in lint_json(tasks) if f["rule"] == "implicit-context"]


def test_the_previous_task_is_not_every_earlier_task(tmp_path: Path) -> None:
    _crew(tmp_path, AGENTS_TWO, """
a:
  description: Collect facts on {topic}.
  expected_output: Facts.
  agent: writer
b:
  description: Collect quotes on {topic}.
  expected_output: Quotes.
  agent: writer
c:
  description: Summarise the previous task.
  expected_output: A summary.
  agent: editor
""")
    wf = _load(tmp_path / "src" / "team" / "config" / "tasks.yaml")
    assert wf.step("c").implicit_context  # it gets a and b, asks for b only


AGENTS_TWO = """
writer:
  role: Writer
  goal: Write
  backstory: Writes.
editor:
  role: Editor
  goal: Edit
  backstory: Edits.
"""


def test_tasks_that_write_files_through_their_tools(tmp_path: Path) -> None:
    tasks = _with_module(tmp_path, ED / "reference" / "engineering_team" / "src"
                         / "engineering_team" / "config", "engineering_team_crew")
    wf = _load(tasks)
    # "Use your sandbox tools to write and check the code": sandbox_tools writes files
    assert wf.tools["sandbox_tools"].effect == "write"
    assert not wf.tools["sandbox_tools"].idempotent
    # the lead's MCP server (mcps=[...]) gives it tools; a documentation lookup, not a writer
    assert wf.agents["engineering_lead"].tools == ["mcp:mcp.context7.com"]
    assert wf.tools["mcp:mcp.context7.com"].effect == "read"
    assert "write files" in (wf.step("frontend_task").output_leaves or "")
    assert any("sandbox_tools is assumed to write files" in m for m, _, _ in wf.assumptions)
    # every agent holds tools: 4 tasks x 3 calls
    assert _estimate(tasks)["calls"] == 12
    found = {f["rule"] for f in lint_json(tasks)}
    assert not found & {"unused-output", "serial-but-independent"}


def test_web_search_results_reaching_a_push_notification_tool(tmp_path: Path) -> None:
    # a hierarchical crew (manager_agent built in the @crew method)
    tasks = _with_module(tmp_path, STOCK_PICKER, "stock_picker_crew")
    wf = _load(tasks)
    assert wf.tools["SerperDevTool"].untrusted and wf.tools["SerperDevTool"].effect == "read"
    assert wf.tools["send_push_notification"].effect == "send"
    hits = [f for f in lint_json(tasks) if f["rule"] == "untrusted-to-privileged-tool"]
    assert [(h["line"], h["severity"]) for h in hits] == [
        (_line(tasks, "  agent: stock_picker"), "error")]
    assert "SerperDevTool" in hits[0]["message"]
    assert "send_push_notification" in hits[0]["message"]


def test_diff_rebuilds_the_base_with_the_module_that_assembles_the_crew(
        tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    shutil.copytree(OWN / "support_desk", repo.root / "desk")
    repo.commit("a crew")
    repo.git("checkout", "-q", "-b", "feature")
    main = repo.root / "desk" / "src" / "support_desk" / "main.py"
    main.write_text(main.read_text(encoding="utf-8").replace(
        'MANAGER_MODEL = "gpt-4o"', 'MANAGER_MODEL = "gpt-4o-mini"'), encoding="utf-8")
    done = run_process("diff", "main", "--format", "json", cwd=repo.root)
    assert done.returncode in (0, 1), done.stderr
    [w] = json.loads(done.stdout)["workflows"]
    assert w["file"].endswith("crews/triage_crew/config/tasks.yaml")
    assert w["via"] == ["desk/src/support_desk/main.py"] and w["before_error"] is None
    changed = {s["before"]["model"] + " -> " + s["after"]["model"] for s in w["steps"]}
    assert changed == {"gpt-4o -> gpt-4o-mini"}


def test_hierarchical_coworkers_are_the_agents_given_to_the_crew(tmp_path: Path) -> None:
    agents = """
writer:
  role: Writer
  goal: Write about {topic}.
  backstory: You write.
  llm: claude-sonnet-4-5
editor:
  role: Editor
  goal: Edit.
  backstory: You edit.
  llm: gpt-4o
"""
    tasks = """
article:
  description: Write an article on {topic}.
  expected_output: An article.
"""
    module = """
from crewai import Agent, Crew, Process, Task
from crewai.project import CrewBase, agent, crew, task


@CrewBase
class Team:
    @agent
    def writer(self) -> Agent:
        return Agent(config=self.agents_config["writer"])

    @agent
    def editor(self) -> Agent:
        return Agent(config=self.agents_config["editor"])

    @task
    def article(self) -> Task:
        return Task(config=self.tasks_config["article"])

    @crew
    def crew(self) -> Crew:
        return Crew(agents=AGENTS, tasks=self.tasks, process=Process.hierarchical,
                    manager_llm="gpt-4o")
"""
    _crew(tmp_path, agents, tasks, module.replace("AGENTS", "[self.writer()]"))
    wf = _load(tmp_path / "src/team/config/tasks.yaml")
    # the only coworker the manager can hand the task to is the writer
    assert wf.step("article__coworker").model == "claude-sonnet-4-5"
    _crew(tmp_path, agents, tasks, module.replace("AGENTS", "self.agents"))
    wf = _load(tmp_path / "src/team/config/tasks.yaml")
    assert wf.step("article__coworker").model == "gpt-4o-mini"  # it picks: not known
