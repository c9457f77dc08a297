"""CrewAI crews: ``config/agents.yaml`` + ``config/tasks.yaml``, and the crew's Python.

- One step per task the crew runs, in its order (``Crew(tasks=[...])`` when
  it is an explicit list of the crew's ``@task`` methods, else the ``@task``
  methods of the crew module when it has them, else the YAML order), in
  ``sequential`` execution. A task the crew is not given is no step, and
  gives nothing to a task whose ``context`` names it (CrewAI skips context
  tasks without output). A run of consecutive ``async_execution`` tasks is
  one parallel group.
- A task's agent gives the model (its ``llm``, else CrewAI's default) and the
  system prompt (role, backstory, goal, as CrewAI composes them); the task's
  description and expected output are the prompt. ``{name}`` placeholders are
  run inputs (``kickoff(inputs=...)``).
- ``context: [task, ...]`` lists what a task reads. A task without
  ``context`` receives every earlier output (only the last sync output when
  it is async, only the joined async outputs right after an async group), as
  CrewAI does: those dependencies are added and the step is marked
  ``implicit_context``, unless the task's text asks for all it gets
  (:meth:`_Reader.asks_for`).
- Tools are classed by their names: sends or writes (``effect``), returns
  outside text (``untrusted``); a task that says it writes files makes the
  tools its agent holds for it writers (all reported as assumed).
- The crew module (the ``@CrewBase`` module beside ``config/``, whatever its
  name) and the module that assembles the crew are read with Python's ``ast``
  module, never imported or run (:mod:`agentlint.adapters.crewai_code`).
- ``process=Process.hierarchical``: the manager executes every task. Each
  task is two steps: the coworker the manager delegates to, then the
  manager's own step (two calls: it delegates, then writes the final answer
  from the task, its context and the coworker's answer).
- What CrewAI refuses is refused: a task without ``description`` or
  ``expected_output``, an agent without ``role``, ``goal`` or ``backstory``,
  a hierarchical crew without ``manager_llm`` or ``manager_agent``, a task
  without an agent in a sequential crew whose assembly was read.
- A task whose output leaves the crew (``output_file``, a ``callback``, the
  crew's final task) is marked so (``output_leaves``); fixes are said in
  CrewAI's keys (:mod:`agentlint.adapters.crewai_words`).
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.common import at_of, figure, val_pos
from agentlint.adapters.crewai_code import (
    AGENT_REQUIRED,
    TASK_REQUIRED,
    AgentCode,
    CrewCall,
    CrewCode,
    TaskCode,
    config_path,
    crew_classes,
    module_crew_calls,
    names_class,
    pick_crew_call,
    read_crew_module,
)
from agentlint.adapters.crewai_words import CrewAIWording
from agentlint.adapters.ir import DEFAULT_TOOL_LOOP_CALLS, Pos, StepSpec
from agentlint.adapters.lower import Draft, put
from agentlint.adapters.names import AGENT_NAMES, TASK_NAMES
from agentlint.errors import SpecError, excerpt
from agentlint.paths import (
    MAX_CREW_PY_BYTES,
    MAX_SPEC_BYTES,
    first_file,
    is_inside,
    read_text,
    shown_beside,
)
from agentlint.spec.limits import FOREIGN, problem
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap, YSeq
from agentlint.spec.yamlload import load_text

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")


def _sibling(path: str, names: tuple[str, ...]) -> str | None:
    return first_file(os.path.dirname(os.path.abspath(path)), names)


def _looks_like_tasks(text: str) -> bool:
    # CrewAI requires description and expected_output on every task
    return "expected_output:" in text and "description:" in text


def _looks_like_agents(text: str) -> bool:
    # ... and role, goal and backstory on every agent
    return "role:" in text and "goal:" in text and "backstory:" in text


class CrewAIAdapter:
    name = "crewai"

    def sniff(self, path: str, text: str) -> bool:
        base = os.path.basename(path).lower()
        if base in TASK_NAMES:
            # a task lacking one of the two is still a CrewAI task (and refused as CrewAI
            # refuses it) when the file has the other beside its agents.yaml
            return _looks_like_tasks(text) or (
                ("expected_output:" in text or "description:" in text)
                and _sibling(path, AGENT_NAMES) is not None)
        if base in AGENT_NAMES:
            return _looks_like_agents(text) and _sibling(path, TASK_NAMES) is not None
        return False

    def read_from(self, path: str) -> str | None:
        """The file the crew of the agents file ``path`` is read from: the tasks file
        beside it (None: ``path`` is no agents file, or has none)."""
        if os.path.basename(path).lower() not in AGENT_NAMES:
            return None
        return _sibling(path, TASK_NAMES)

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        base = os.path.basename(path).lower()
        is_agents = base in AGENT_NAMES or (base not in TASK_NAMES
                                            and _looks_like_agents(text)
                                            and not _looks_like_tasks(text))
        if is_agents:
            tasks_path = _sibling(path, TASK_NAMES)
            if tasks_path is None:
                raise SpecError(display, 1, 1, "a CrewAI agents file needs its tasks.yaml "
                                "beside it; agentlint reads the pair")
            tasks_display = shown_beside(tasks_path, display, os.path.dirname(path))
            tasks_text = read_text(tasks_path, root, limit=MAX_SPEC_BYTES, shown=tasks_display)
            agents_path: str | None = path
            agents_display, agents_text = display, text
        else:
            tasks_path, tasks_display, tasks_text = path, display, text
            agents_path = _sibling(path, AGENT_NAMES)
            agents_display = shown_beside(agents_path, display, os.path.dirname(path)) \
                if agents_path else ""
            agents_text = read_text(agents_path, root, limit=MAX_SPEC_BYTES,
                                    shown=agents_display) if agents_path else ""
        return _Reader(tasks_path, tasks_display, tasks_text, agents_path, agents_display,
                       agents_text, root).read()




# -- the crew -------------------------------------------------------------------------------

#: CrewAI's own manager (``Crew._create_manager_agent``, its English prompts)
MANAGER_ROLE = "Crew Manager"
MANAGER_GOAL = "Manage the team to complete the task in the best way possible."
MANAGER_BACKSTORY = (
    "You are a seasoned manager with a knack for getting the best out of your team.\nYou "
    "are also known for your ability to delegate work to the right people, and to ask the "
    "right questions to get the best out of your team.\nEven though you don't perform "
    "tasks by yourself, you have a lot of experience in the field, which allows you to "
    "properly evaluate the work of your team members.")
#: words in a tool's name that say it sends or writes what it is given (push_notification,
#: FileWriterTool, send_email, SlackPostTool): its agent's answer leaves the crew
_EFFECT_WORDS = re.compile(r"(?:^|_)(?:write|writer|send|sender|push|notify|notification|"
                           r"email|mail|publish|publisher|upload|uploader|save|post|slack|"
                           r"tweet|sms)(?:_|$)")


_WRITE_WORDS = re.compile(r"(?:^|_)(?:write|writer|save|upload|uploader)(?:_|$)")
#: words in a tool's name that say it brings in text from outside the crew (CrewAI's
#: SerperDevTool, ScrapeWebsiteTool, WebsiteSearchTool, TavilySearchTool, ...): anyone can
#: put words in what it returns
_OUTSIDE_WORDS = re.compile(r"(?:^|_)(?:search|serper|serp|scrape|scraper|scraping|crawl|"
                            r"crawler|browser|browse|browserbase|website|web|tavily|exa|"
                            r"firecrawl|spider|youtube|reddit|rss|fetch|url|http|brave|"
                            r"duckduckgo|news|inbox|email_reader|gmail)(?:_|$)")
#: a task's text that says it writes files ("written to the sandbox", "write app.py")
_WRITES_FILES = re.compile(
    r"\b(?:write|writes|written|writing|save|saves|saved|saving)\b[^.;\n]{0,60}?"
    r"(?:\b(?:files?|sandbox|disk|director(?:y|ies)|folder|workspace)\b|"
    r"\b[\w-]+\.(?:py|md|txt|json|csv|html|css|js|ts|yaml|yml|toml|sh|sql)\b)",
    re.IGNORECASE)


def _snake(tool: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", tool).lower()


def effect_of(tool: str) -> bool:
    """A tool whose name says it sends or writes something (CamelCase or snake_case)."""
    return bool(_EFFECT_WORDS.search(_snake(tool)))


def tool_kind(tool: str) -> tuple[str, bool]:
    """What a tool's name says it does: its effect (``read``, ``write``, ``send``) and
    whether what it returns comes from outside the crew (untrusted)."""
    snake = _snake(tool)
    effect = "read"
    if _EFFECT_WORDS.search(snake):
        effect = "write" if _WRITE_WORDS.search(snake) else "send"
    return effect, bool(_OUTSIDE_WORDS.search(snake))


#: words by which a task asks for everything earlier tasks produced ("the context you got",
#: "the outputs from prior tasks", "the previous results")
_ASKS_ALL = re.compile(
    r"\b(?:(?:the|your)\s+(?:given\s+|provided\s+)?context\s+(?:you|provided|given|received|"
    r"above|from|of\s+(?:the\s+)?(?:previous|prior|earlier))|(?:previous|prior|earlier|"
    r"preceding|above|other)\s+(?:tasks|steps|outputs|results|findings|answers|agents)|"
    r"(?:outputs?|results?|work|findings)\s+(?:of|from)\s+(?:the\s+|all\s+)?(?:previous|prior|"
    r"earlier|preceding|other)\b)", re.IGNORECASE)
#: ... and by which it asks for the one right before it ("the previous task")
_ASKS_LAST = re.compile(r"\b(?:previous|prior|preceding|last|earlier)\s+(?:task|step|output|"
                        r"result|answer)\b", re.IGNORECASE)


def _mentions(text: str, name: str) -> bool:
    """``text`` names ``name`` as written (``flight_research_task``) or in words, in the
    singular or plural (agent ``debater``: "the debaters")."""
    words = [w for w in re.split(r"[_\W]+", name) if w]
    if not words:
        return False
    spaced = r"[\s_-]+".join(re.escape(w) for w in words)
    return re.search(rf"(?<![\w]){spaced}(?:e?s)?(?![\w])", text, re.IGNORECASE) is not None


#: earlier tasks a task's text is searched for by name, at most
MAX_NAMED_CONTEXT = 32
#: model calls of the manager per task: it delegates, then writes the final answer
MANAGER_CALLS_PER_TASK = 2
#: modules read in one folder of the crew's package, and folders above the crew module
MAX_PACKAGE_MODULES = 64
MAX_PACKAGE_DEPTH = 3


@dataclass(slots=True)
class _Task:
    """One task as read, before it becomes one step (two in a hierarchical crew)."""

    key: str
    id: str
    at: Pos
    raw: YMap
    code: TaskCode | None
    agent: str | None
    agent_at: Pos
    model: str | None
    prompt: str
    calls: int | None
    is_async: bool
    explicit: list[tuple[str, Pos]] | None
    context: list[tuple[str, Pos]] = field(default_factory=list)
    origin_notes: list[str] = field(default_factory=list)
    leaves: str | None = None
    parallel: str | None = None


class _Reader:
    def __init__(self, tasks_path: str, tasks_display: str, tasks_text: str,
                 agents_path: str | None, agents_display: str, agents_text: str,
                 root: str) -> None:
        self.draft = Draft("crewai", tasks_path, tasks_display, tasks_text, root)
        self.draft.execution = "sequential"
        self.file = tasks_display
        self.root = root
        self.tasks_path = tasks_path
        self.tasks = load_text(tasks_text, tasks_display)
        self.agents_display = agents_display
        self.agents = load_text(agents_text, agents_display) if agents_path else None
        if agents_path:
            self.draft.sources.append(agents_display)
        crew_dir = os.path.dirname(os.path.dirname(os.path.abspath(tasks_path)))
        #: the agents file as the crew's ``agents_config`` names it
        self.agents_rel = os.path.normpath(os.path.relpath(os.path.abspath(agents_path),
                                                           crew_dir)) if agents_path else ""
        self.code = self.crew_module(tasks_path, tasks_display, root)
        if self.code is not None and self.code.class_name and (
                self.code.crew is None or self.code.crew.process is None):
            self.find_assembly(self.code)
        self.input_at: dict[str, Pos] = {}
        self.words = CrewAIWording(tasks_display)
        #: tasks of tasks.yaml the crew does not run
        self.not_run: set[str] = set()
        self.by_id: dict[str, _Task] = {}
        #: tools a task's text says write files -> the first such task
        self.writes_files: dict[str, str] = {}

    # -- the crew's Python ----------------------------------------------------------------

    def shown(self, path: str) -> str:
        return shown_beside(path, self.file, os.path.dirname(self.tasks_path))

    def crew_module(self, tasks_path: str, tasks_display: str, root: str) -> CrewCode | None:
        """The ``@CrewBase`` module whose ``tasks_config`` is this tasks file, in the folder
        above ``config/`` (``crew.py`` when no module there declares the crew)."""
        crew_dir = os.path.dirname(os.path.dirname(os.path.abspath(tasks_path)))
        real_root = os.path.realpath(root)
        legacy = os.path.join(crew_dir, "crew.py")
        if not is_inside(os.path.realpath(crew_dir), real_root):
            if os.path.isfile(legacy):
                self.draft.assume("crew.py", f"{self.shown(legacy)} is outside the repository "
                                  "and was not read; the crew is read from the YAML files "
                                  "only", (1, 1))
            return None
        want = os.path.normpath(os.path.relpath(os.path.abspath(tasks_path), crew_dir))
        fallback: CrewCode | None = None
        for path in _modules(crew_dir, first="crew.py"):
            shown = self.shown(path)
            is_legacy = os.path.basename(path) == "crew.py"
            if not is_inside(os.path.realpath(path), real_root):
                if is_legacy:
                    self.draft.assume("crew.py", f"{shown} is outside the repository and was "
                                      "not read; the crew is read from the YAML files only",
                                      (1, 1))
                continue
            try:
                source = read_text(path, root, limit=MAX_CREW_PY_BYTES, what="crew module",
                                   shown=shown)
            except (OSError, SpecError) as exc:
                if is_legacy:  # another module that cannot be read is not the crew's
                    detail = exc.message if isinstance(exc, SpecError) else excerpt(str(exc))
                    self.draft.assume(f"crew-module:{shown}", f"{shown} could not be read "
                                      f"({detail}); the crew is read from the YAML files "
                                      "only", (1, 1))
                continue
            if not is_legacy and "CrewBase" not in source:
                continue
            try:
                tree = ast.parse(source)
                classes = [c for c in crew_classes(tree) if os.path.normpath(config_path(
                    c, "tasks_config", "config/tasks.yaml")) == want]
                if classes:
                    return self.accept(read_crew_module(source, shown, classes[0], tree))
                if is_legacy:
                    fallback = read_crew_module(source, shown, tree=tree)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                detail = f"line {exc.lineno}: {excerpt(exc.msg)}" \
                    if isinstance(exc, SyntaxError) else excerpt(str(exc))
                self.draft.assume(f"crew-module:{shown}", f"{shown} could not be read "
                                  f"({detail}); the crew is read from the YAML files only",
                                  (1, 1))
        return self.accept(fallback) if fallback is not None else None

    def accept(self, code: CrewCode) -> CrewCode:
        infos = list(code.agents.values())
        if code.crew is not None and code.crew.manager_agent is not None:
            infos.append(code.crew.manager_agent)
        for info in infos:
            if info.max_iter is not None:
                message = problem("max_iter", info.max_iter, limit=FOREIGN["max_iter"])
                if message is not None:
                    raise SpecError(code.module, *info.max_iter_at, message)
        self.draft.sources.append(code.module)
        return code

    def find_assembly(self, code: CrewCode) -> None:
        """The ``Crew(...)`` call in another module of the package that names the crew's
        class (``main.py``, ``app.py``, ...), when the crew module names no process."""
        assert code.class_name is not None
        crew_dir = os.path.dirname(os.path.dirname(os.path.abspath(self.tasks_path)))
        real_root = os.path.realpath(self.root)
        calls: list[CrewCall] = []
        base = os.path.abspath(self.root)
        rel = os.path.relpath(crew_dir, base).replace(os.sep, "/")
        folders = [crew_dir] if rel.startswith("..") else [
            os.path.join(base, *f.split("/")) if f else base
            for f in package_folders("" if rel == "." else rel)]
        for folder in folders:
            if not is_inside(os.path.realpath(folder), real_root):
                break
            for path in _modules(folder):
                shown = self.shown(path)
                if shown == code.module or not is_inside(os.path.realpath(path), real_root):
                    continue
                try:
                    source = read_text(path, self.root, limit=MAX_CREW_PY_BYTES,
                                       what="module", shown=shown)
                    if code.class_name not in source or "Crew(" not in source:
                        continue
                    tree = ast.parse(source)
                except (OSError, SpecError, SyntaxError, ValueError, RecursionError,
                        MemoryError):
                    continue  # a module that does not read says nothing about the crew
                if names_class(tree, code.class_name):
                    found = module_crew_calls(tree, shown)
                    if found:
                        calls.extend(found)
                        self.draft.sources.append(shown)
            if calls:
                break
        chosen = pick_crew_call(([code.crew] if code.crew else []) + calls)
        code.crew = chosen
        if chosen is not None and chosen.manager_agent is not None:
            info = chosen.manager_agent
            if info.max_iter is not None:
                message = problem("max_iter", info.max_iter, limit=FOREIGN["max_iter"])
                if message is not None:
                    raise SpecError(chosen.module, *info.max_iter_at, message)

    # -- reading --------------------------------------------------------------------------

    def fail(self, at: Pos, message: str) -> SpecError:
        return SpecError(self.file, *at, message)

    def interpolate(self, text: str, at: Pos) -> str:
        def swap(m: re.Match[str]) -> str:
            name = self.draft.input(m.group(1), at)
            self.input_at.setdefault(name, at)
            return "{{ inputs." + name + " }}"

        return _PLACEHOLDER.sub(swap, text.replace("{{", "{ {").replace("}}", "} }"))

    def read(self) -> Workflow:
        tasks, draft, code = self.tasks, self.draft, self.code
        if not isinstance(tasks, YMap) or not tasks:
            raise self.fail(at_of(tasks), "a CrewAI tasks file maps task names to tasks")
        if self.agents is not None and not isinstance(self.agents, YMap):
            raise SpecError(self.agents_display, *at_of(self.agents),
                            "a CrewAI agents file maps agent names to agents")
        agents = self.agents or YMap()
        draft.name = os.path.basename(os.path.dirname(os.path.dirname(
            os.path.abspath(draft.path)))) or None
        order = [str(k) for k in tasks if not str(k).startswith("x-")]
        if code and code.tasks:
            in_code = [t.key for t in code.tasks if t.key in tasks]
            order = in_code + [k for k in order if k not in in_code]
        order = self.run_tasks(order)
        hierarchical = bool(code and code.process == "hierarchical")
        if hierarchical:
            self.check_manager()
        if code and self.agents is not None and code.agents_config == self.agents_rel:
            # CrewAI builds every @agent method's agent, used or not
            for info in code.agents.values():
                self.check_agent(info.key, agents, info)
        ids = {key: draft.new_id(key, "task") for key in order}
        # a task that is not run produces no output: CrewAI's context of a task that names
        # one holds nothing of it (``aggregate_raw_outputs_from_tasks`` skips it)
        self.not_run = {str(k) for k in tasks if not str(k).startswith("x-")} - set(order)
        read = [self.task(key, ids, hierarchical, agents) for key in order]
        self.by_id = {t.id: t for t in read}
        self.wire(read)
        if read:
            last = read[-1]
            last.leaves = last.leaves or "it is the crew's final task: its output is what " \
                "kickoff() returns"
        if hierarchical:
            self.emit_hierarchical(read, agents)
        else:
            for t in read:
                draft.steps.append(self.step(t, t.id, t.agent, t.model, t.calls))
        used = {s.agent for s in draft.steps}
        draft.agents = {k: v for k, v in draft.agents.items() if k in used}
        words = self.words
        words.order = order
        words.task_at = {key: tasks.key_at(key) for key in order}
        words.async_tasks = {t.key for t in read if t.is_async}
        key_of = {t.id: t.key for t in read}
        words.explicit_context = {t.key: [key_of.get(i, i) for i, _ in t.explicit]
                                  for t in read if t.explicit is not None}
        for t in read:
            words.step_task.setdefault(t.id, t.key)
        for spec in draft.steps:
            if spec.agent is not None and spec.id not in words.manager_steps:
                words.step_agent[spec.id] = spec.agent
        kinds = self.tool_kinds()
        wf = draft.finish()
        self.mark_tools(wf, kinds)
        wf.extra["wording"] = words
        return wf

    def run_tasks(self, order: list[str]) -> list[str]:
        """The tasks the crew runs, in its order: those of an explicit ``tasks=[...]`` list
        of the ``Crew(...)`` call (``self.tasks`` is every ``@task`` method, in the order
        CrewBase collects them)."""
        code = self.code
        crew = code.crew if code else None
        if code is None or crew is None or crew.tasks is None:
            return order
        by_method = {t.method: t.key for t in code.tasks}
        if not crew.tasks or any(m not in by_method for m in crew.tasks):
            return order  # a task built elsewhere: the file cannot say which run
        chosen = [by_method[m] for m in dict.fromkeys(crew.tasks) if by_method[m] in order]
        if not chosen:
            return order
        left = [k for k in order if k not in chosen]
        if left:
            shown = ", ".join(f"'{k}'" for k in left[:5]) + (", ..." if len(left) > 5 else "")
            self.draft.assume("crew-tasks", f"the crew in {crew.module} is given "
                              f"{len(chosen)} of the {len(order)} tasks (tasks=[...]); "
                              f"{shown} {'is' if len(left) == 1 else 'are'} not run and "
                              "not read as steps", self.tasks.key_at(left[0]))
        return chosen

    def check_task(self, key: str, raw: YMap, tc: TaskCode | None) -> None:
        """CrewAI's ``Task`` requires a description and an expected output."""
        for name in TASK_REQUIRED:
            if raw.get(name) is not None or (tc is not None and (
                    name in tc.given or tc.open_kwargs)):
                continue
            raise self.fail(self.tasks.key_at(key), f"task '{key}' has no {name}: CrewAI's "
                            "Task requires description and expected_output")

    def check_agent(self, name: str, agents: YMap, info: AgentCode | None) -> None:
        """CrewAI's agents require a role, a goal and a backstory."""
        raw = agents.get(name)
        raw = raw if isinstance(raw, YMap) else YMap()
        if info is None and name not in agents:
            return  # an agent named nowhere here: refused where the task names it
        for field_name in AGENT_REQUIRED:
            if raw.get(field_name) is not None or (info is not None and (
                    field_name in info.given or info.open_kwargs)):
                continue
            message = f"agent '{name}' has no {field_name}: CrewAI's Agent requires role, " \
                "goal and backstory"
            if name in agents:
                raise SpecError(self.agents_display, *agents.key_at(name), message)
            assert info is not None and self.code is not None
            raise SpecError(self.code.module, *info.at, message)

    def check_manager(self) -> None:
        crew = self.code.crew if self.code else None
        assert crew is not None
        if crew.manager_llm_given or crew.manager_agent_given or crew.open_kwargs:
            return
        raise SpecError(crew.module, *crew.at, "a hierarchical crew needs manager_llm or "
                        "manager_agent: CrewAI refuses Crew(process=Process.hierarchical) "
                        "without one")

    def task(self, key: str, ids: dict[str, str], hierarchical: bool,
             agents: YMap) -> _Task:
        tasks, code, draft = self.tasks, self.code, self.draft
        raw = tasks[key]
        at = tasks.key_at(key)
        if not isinstance(raw, YMap):
            raise self.fail(val_pos(tasks, key, at), f"task '{key}' must be a mapping")
        tc = next((t for t in code.tasks if t.key == key), None) if code else None
        self.check_task(key, raw, tc)
        agent_name = raw.text("agent") if "agent" in raw else None
        if agent_name is None and tc and tc.agent and code and tc.agent in code.agents:
            agent_name = code.agents[tc.agent].key
        agent_at = val_pos(raw, "agent", at)
        model: str | None = None
        agent: str | None = None
        if agent_name is not None:
            agent_name = str(agent_name)
            info = next((a for a in code.agents.values() if a.key == agent_name), None) \
                if code else None
            if agent_name not in agents and info is None:
                raise self.fail(agent_at, f"task '{key}' names agent '{agent_name}', "
                                "which is not in agents.yaml")
            self.check_agent(agent_name, agents, info)
            agent = self.agent(agent_name, agents, agent_at)
        elif hierarchical:
            model = self.delegate_model(agents, at)
        else:
            given_in_code = tc is not None and ("agent" in tc.given or tc.open_kwargs)
            if code is not None and code.crew is not None and not given_in_code:
                raise self.fail(at, f"task '{key}' has no agent: CrewAI's sequential process "
                                "refuses a task without one (give it `agent:`)")
            model = draft.model(None, at, default_reason=f"task '{key}' has no agent in "
                                "tasks.yaml or the crew module")
        if "llm" in raw:
            model = draft.model(raw.text("llm"), raw.value_at("llm"))
        description = str(raw.get("description") or "")
        expected = str(raw.get("expected_output") or "")
        prompt = description.strip()
        if expected.strip():
            prompt += ("\n\nThis is the expected criteria for your final answer: "
                       + expected.strip() + "\nyou MUST return the actual complete "
                       "content as the final answer, not a summary.")
        prompt = self.interpolate(prompt, val_pos(raw, "description", at))
        tools = tc.tools if tc and tc.tools is not None else None
        if "tools" in raw and isinstance(raw["tools"], list):
            tools = [str(t) for t in raw["tools"]]
        agent_tools = draft.agents.get(agent, {}).get("tools") if agent else None
        calls = None
        if tools or agent_tools:
            calls = DEFAULT_TOOL_LOOP_CALLS
            limit = self.max_iter(agent, agents)
            if limit is not None:
                calls = max(1, min(calls, limit))
        is_async = bool(raw.get("async_execution") is True)
        if tc and tc.async_execution is not None:
            is_async = tc.async_execution
        t = _Task(key, ids[key], at, raw, tc, agent, agent_at, model, prompt, calls, is_async,
                  self.explicit_context(key, raw, tc, ids))
        if raw.get("output_file"):
            t.origin_notes.append(f"writes {raw.get('output_file')}")
            t.leaves = f"it is written to {raw.get('output_file')} (output_file)"
        elif tc is not None and tc.output_file:
            t.leaves = "it is written to the output_file set in the crew module"
        if tc is not None and tc.callback and t.leaves is None:
            t.leaves = "it is handed to the task's callback"
        if raw.get("human_input") is True:
            t.origin_notes.append("asks a human")
        sender = next((x for x in [*(tools or []), *(agent_tools or [])] if effect_of(x)), None)
        if sender is not None and t.leaves is None:
            t.leaves = f"its tool {sender} sends or writes it out"
            draft.assume(f"effect:{sender}", f"tool {sender} is assumed to send or write "
                         "out what it is given (from its name): the output of a task that "
                         "holds it is not reported unused", at)
        self.file_writers(t, agent_tools or [], f"{description}\n{expected}")
        return t

    def file_writers(self, t: _Task, held: list[str], text: str) -> None:
        """A task whose text says it writes files, run by an agent with tools: the tools
        its text names, else those that are not known readers, write them (the work lands
        in files, whatever the task answers), so they are marked ``write``."""
        if not held or not _WRITES_FILES.search(text):
            return
        writers = [x for x in held if tool_kind(x) == ("read", False)]
        named = [x for x in writers if _mentions(text, x)]
        writers = named or writers  # "use your sandbox tools to write": those tools
        if not writers:
            return
        shown = ", ".join(writers)
        t.leaves = t.leaves or f"its tools ({shown}) write files, as the task says"
        for x in writers:
            if x not in self.writes_files:
                self.writes_files[x] = t.key
                self.draft.assume(f"writes-files:{x}", f"tool {x} is assumed to write files "
                                  f"(task '{t.key}' says it writes files and its agent holds "
                                  "it): the tasks that hold it are not reported unused or "
                                  "reordered", t.at)

    def tool_kinds(self) -> dict[str, tuple[str, bool]]:
        """Effects and outside text of the crew's tools, as their names (or the tasks
        that use them) say: only the tools that are not plain readers; assumptions note
        each."""
        kinds: dict[str, tuple[str, bool]] = {}
        for key, at in self.draft.tools.items():
            effect, outside = tool_kind(key)
            if effect == "read" and key in self.writes_files:
                effect = "write"
            if outside:
                self.draft.assume(f"outside:{key}", f"tool {key} is assumed to return text "
                                  "from outside the crew (from its name): what it returns is "
                                  "untrusted", at)
            if effect != "read" or outside:
                kinds[key] = (effect, outside)
        return kinds

    @staticmethod
    def mark_tools(wf: Workflow, kinds: dict[str, tuple[str, bool]]) -> None:
        for key, (effect, outside) in kinds.items():
            tool = wf.tools.get(key)
            if tool is None:
                continue
            tool.effect, tool.untrusted = effect, outside
            tool.idempotent = effect == "read"
            if tool.raw is not None:
                if effect != "read":
                    put(tool.raw, "effect", effect, tool.at())
                if outside:
                    put(tool.raw, "untrusted", True, tool.at())

    def wire(self, read: list[_Task]) -> None:
        """What each task reads: its ``context``, else what CrewAI hands it."""
        acc: list[str] = []
        pending: list[str] = []
        last_sync: str | None = None
        group = 0
        prev_async = False
        for t in read:
            if t.is_async:
                if not prev_async:
                    group += 1
                t.parallel = f"async-{group}"
                t.context = t.explicit if t.explicit is not None else (
                    [(last_sync, t.at)] if last_sync else [])
                pending.append(t.id)
            else:
                if pending:
                    acc, pending = list(pending), []
                t.context = t.explicit if t.explicit is not None else [(i, t.at) for i in acc]
                acc.append(t.id)
                last_sync = t.id
            prev_async = t.is_async

    def asks_for(self, t: _Task) -> bool:
        """The task's text asks for every output CrewAI hands it: by words for all earlier
        work ("the context you got", "outputs from prior tasks"), for the one before it
        ("the previous task") when that is all it gets, or by naming each task or its agent
        (when that agent is not the task's own)."""
        text = f"{t.raw.get('description') or ''}\n{t.raw.get('expected_output') or ''}"
        if _ASKS_ALL.search(text):
            return True
        handed = list(dict.fromkeys(i for i, _ in t.context))
        if len(handed) == 1 and _ASKS_LAST.search(text):
            return True
        if len(handed) > MAX_NAMED_CONTEXT:
            return False  # nobody names that many tasks one by one
        by_id = self.by_id
        for step_id in handed:
            other = by_id.get(step_id)
            if other is None:
                return False
            if _mentions(text, other.key):
                continue
            if other.agent is not None and other.agent != t.agent \
                    and _mentions(text, other.agent):
                continue
            return False
        return True

    def step(self, t: _Task, step_id: str, agent: str | None, model: str | None,
             calls: int | None) -> StepSpec:
        spec = StepSpec(step_id, t.at, origin="crewai task",
                        names=(t.key,) if t.key != step_id else ())
        spec.pos["id"] = t.at
        spec.pos["prompt"] = val_pos(t.raw, "description", t.at)
        spec.agent, spec.model = agent, model
        if agent is not None:
            spec.pos["agent"] = spec.pos["model"] = t.agent_at
        if "llm" in t.raw:
            spec.pos["model"] = t.raw.value_at("llm")
        spec.prompt = t.prompt
        if calls is not None:
            spec.calls, spec.calls_assumed = calls, True
        spec.context = list(t.context)
        spec.pos["context"] = val_pos(t.raw, "context", t.at)
        spec.implicit_context = t.explicit is None and bool(t.context) \
            and not self.asks_for(t)
        spec.parallel = t.parallel
        if t.origin_notes:
            spec.origin += f" ({'; '.join(t.origin_notes)})"
        spec.output_leaves = t.leaves
        return spec

    def emit_hierarchical(self, read: list[_Task], agents: YMap) -> None:
        """The manager executes every task: it delegates it to a coworker (the task's agent,
        else one it picks), who answers; then it writes the task's final answer.

        Each task is two steps: the coworker's, reading the task and its context (the
        manager passes them on in its delegation), and the manager's, under the task's
        own id, reading the task, its context and the coworker's answer in two calls. The
        coworkers of a run of async tasks form one parallel group, their managers' steps
        the next one.
        """
        draft = self.draft
        manager_agent, manager_model = self.manager(agents, read[0].at)
        group = 0
        run: list[tuple[StepSpec, StepSpec]] = []

        def flush() -> None:
            nonlocal group
            if not run:
                return
            group += 1
            for worker, _ in run:
                worker.parallel = f"async-{group}-coworkers"
                draft.steps.append(worker)
            for _, boss in run:
                boss.parallel = f"async-{group}"
                draft.steps.append(boss)
            run.clear()

        no_agent = False
        for t in read:
            coworker = t.agent or "coworker"
            worker = self.step(t, draft.new_id(f"{t.key}__{coworker}"), t.agent, t.model,
                               t.calls)
            worker.origin = f"crewai coworker (the manager delegates task '{t.key}' to " + (
                f"agent '{t.agent}')" if t.agent else "an agent it picks at run time)")
            worker.implicit_context = False
            worker.output_leaves = None
            no_agent = no_agent or t.agent is None
            boss = self.step(t, t.id, manager_agent, manager_model, MANAGER_CALLS_PER_TASK)
            boss.kind = "orchestrator"
            boss.calls_assumed = False  # the hierarchical assumption says why two
            boss.origin = "crewai task, executed by the crew manager (hierarchical process)"
            if manager_agent is None:
                boss.system = f"You are {MANAGER_ROLE}. {MANAGER_BACKSTORY}\nYour personal " \
                              f"goal is: {MANAGER_GOAL}"
            boss.context = [*t.context, (worker.id, t.at)]
            self.words.step_task[worker.id] = t.key
            self.words.manager_steps.add(boss.id)
            if t.is_async:
                run.append((worker, boss))
                continue
            flush()
            draft.steps.extend((worker, boss))
        flush()
        picks = "; a task without an agent goes to the coworker the manager picks at run " \
            "time" if no_agent else ""
        draft.assume("hierarchical", "hierarchical crew: the manager executes every task, "
                     "delegating it with its 'Delegate work to coworker' tool (one call), "
                     "then writing the final answer from the task, its context and the "
                     f"coworker's answer (a second call): {MANAGER_CALLS_PER_TASK} manager "
                     "calls per task are assumed, more when it asks questions or delegates "
                     f"again{picks}", read[0].at)

    def manager(self, agents: YMap, at: Pos) -> tuple[str | None, str | None]:
        """The manager's agent (``manager_agent``) or model (``manager_llm``)."""
        crew = self.code.crew if self.code else None
        assert crew is not None
        draft = self.draft
        info = crew.manager_agent
        if info is not None and info.key in agents:
            self.check_agent(info.key, agents, info)
            name = self.agent(info.key, agents, at, info)
            self.words.manager_llm = self.words.agent_llm.get(name)
            return name, None
        if info is not None:
            for field_name in AGENT_REQUIRED:
                if field_name not in info.given and not info.open_kwargs:
                    raise SpecError(crew.module, *info.at, f"the manager agent has no "
                                    f"{field_name}: CrewAI's Agent requires role, goal and "
                                    "backstory")
            model = draft.model(info.llm, info.llm_at or info.at, default_reason=(
                "the manager agent's llm is not a literal" if info.llm_given else
                "the manager agent names no llm"))
            self.words.manager_llm = (crew.module, info.llm_at or info.at, "code")
            return None, model
        if crew.manager_agent_given:
            return None, draft.model(None, crew.at, default_reason="the crew's manager_agent "
                                     "is not an Agent(...) the syntax tree can follow")
        if crew.manager_llm_at is not None:
            self.words.manager_llm = (crew.module, crew.manager_llm_at, "code")
        return None, draft.model(crew.manager_llm, crew.manager_llm_at or crew.at,
                                 default_reason="the crew's manager_llm is not a literal")

    def explicit_context(self, key: str, raw: YMap, tc: TaskCode | None,
                         ids: dict[str, str]) -> list[tuple[str, Pos]] | None:
        by_method = {t.method: t for t in self.code.tasks} if self.code else {}
        if tc is not None and tc.context is not None:
            out = []
            for method in tc.context:
                target = by_method.get(method)
                name = target.key if target is not None else method
                if name in self.not_run:
                    continue
                if name not in ids:
                    raise self.fail(self.tasks.key_at(key), f"the crew module gives task "
                                    f"'{key}' context '{method}', which is not a task")
                self.check_not_future(key, name, ids, self.tasks.key_at(key))
                out.append((ids[name], self.tasks.key_at(key)))
            return out
        if "context" not in raw:
            return None
        items = raw["context"]
        if not isinstance(items, YSeq):
            raise self.fail(raw.value_at("context"), f"context of task '{key}' must be a "
                            "list of task names")
        out = []
        for i in range(len(items)):
            name = str(items.text(i))
            if name in self.not_run:
                continue
            if name not in ids:
                raise self.fail(items.item_at(i), f"task '{key}' has context '{name}', "
                                "which is not a task in tasks.yaml")
            self.check_not_future(key, name, ids, items.item_at(i))
            out.append((ids[name], items.item_at(i)))
        return out

    def check_not_future(self, key: str, name: str, ids: dict[str, str], at: Pos) -> None:
        """CrewAI refuses a context task that the crew runs after the task
        (``validate_context_no_future_tasks``)."""
        keys = list(ids)
        if keys.index(name) >= keys.index(key):
            raise self.fail(at, f"task '{key}' has context '{name}', which is listed "
                            "after it in the crew's tasks: CrewAI refuses a context on a "
                            "later task")

    def agent(self, name: str, agents: YMap, at: Pos, code: AgentCode | None = None) -> str:
        draft = self.draft
        if name in draft.agents:
            return name
        raw = agents.get(name)
        raw = raw if isinstance(raw, YMap) else YMap()
        if code is None and self.code is not None:
            code = next((a for a in self.code.agents.values() if a.key == name), None)
        role = str(raw.get("role") or "").strip()
        goal = str(raw.get("goal") or "").strip()
        backstory = str(raw.get("backstory") or "").strip()
        system = f"You are {role}. {backstory}\nYour personal goal is: {goal}" \
            if (role or goal or backstory) else ""
        entry: dict[str, Any] = {"at": at}
        yaml_at = agents.key_at(name) if name in agents else None
        if code is not None and code.llm_given:
            self.words.agent_llm[name] = (self.code.module if self.code else self.file,
                                          code.llm_at or code.at, "code")
            if code.llm is not None:
                entry["model"] = draft.model(code.llm, at)
            else:
                entry["model"] = draft.model(None, at, default_reason=f"the llm of agent "
                                             f"'{name}' in the crew module is not a literal")
        elif "llm" in raw:
            self.words.agent_llm[name] = (self.agents_display, raw.key_at("llm"), "yaml")
            llm = raw.get("llm")
            if isinstance(llm, YMap):  # llm: {model: ..., temperature: ...}
                llm = llm.get("model")
            llm = str(llm) if llm is not None else None
            if llm is not None and self.code and llm in self.code.llms:  # an @llm method
                method_model = self.code.llms[llm]
                if method_model is None:
                    entry["model"] = draft.model(None, at, default_reason=f"the @llm method "
                                                 f"'{llm}' returns no literal model")
                else:
                    entry["model"] = draft.model(method_model, at)
            else:
                entry["model"] = draft.model(llm, at)
        else:
            if yaml_at is not None:
                self.words.agent_llm[name] = (self.agents_display, yaml_at, "yaml")
            elif code is not None and self.code is not None:
                self.words.agent_llm[name] = (self.code.module, code.at, "code")
            entry["model"] = draft.model(None, at, default_reason="agents without llm run "
                                         "on CrewAI's default model (OPENAI_MODEL_NAME, else "
                                         "gpt-4o-mini)")
        if system:
            entry["system"] = self.interpolate(system, at)
        tools = [str(t) for t in raw.get("tools", [])] if isinstance(raw.get("tools"), list) \
            else []
        if code is not None and code.tools:
            tools = code.tools
        if tools:
            entry["tools"] = [draft.tool(t, at) for t in tools]
        draft.agents[name] = entry
        return name

    def delegate_model(self, agents: YMap, at: Pos) -> str:
        """The model of a task the manager delegates: the crew's, when all agents share one."""
        names = [str(a) for a in agents if not str(a).startswith("x-")]
        manager = self.code.crew.manager_agent if self.code and self.code.crew else None
        if manager is not None:
            names = [n for n in names if n != manager.key]
        if self.code:
            names += [a.key for a in self.code.agents.values() if a.key not in names]
            given = self.code.crew.agents if self.code.crew else None
            if given and all(m in self.code.agents for m in given):
                # Crew(agents=[self.a(), ...]): the manager's coworkers are those agents
                names = [self.code.agents[m].key for m in given]
        # every agent entry's model is a Draft.model key, a str
        keys: set[str] = {self.draft.agents[n]["model"] if n in self.draft.agents
                           else self.draft.agents[self.agent(n, agents, at)]["model"]
                           for n in names}
        if len(keys) == 1:
            return keys.pop()
        return self.draft.model(None, at, default_reason="in a hierarchical crew the manager "
                                "picks which agent (and model) does a task without an agent")

    def max_iter(self, agent: str | None, agents: YMap) -> int | None:
        if agent is None:
            return None
        raw = agents.get(agent)
        if isinstance(raw, YMap) and isinstance(raw.get("max_iter"), (int, float)):
            limit = figure(raw, "max_iter", self.agents_display)
            return int(limit) if limit is not None and limit.is_integer() else None
        if self.code:
            for info in self.code.agents.values():
                if info.key == agent and info.max_iter is not None:
                    return info.max_iter
        return None


def module_names(names: list[str], first: str | None = None) -> list[str]:
    """Of the file names of one folder, the Python modules the reader looks at, in the
    order it reads them: sorted, ``first`` first, at most :data:`MAX_PACKAGE_MODULES`."""
    out = sorted(n for n in names if n.endswith(".py"))
    if first is not None and first in out:
        out.remove(first)
        out.insert(0, first)
    return out[:MAX_PACKAGE_MODULES]


def package_folders(crew_dir: str) -> list[str]:
    """The folders whose modules may hold a crew's code, as ``/``-separated paths relative
    to the repository (``""`` is its root): the crew's folder (the one above ``config/``,
    where the crew module lies), then up to :data:`MAX_PACKAGE_DEPTH` folders above it
    where the module that assembles the crew may lie, stopping at a ``src`` folder or
    the root."""
    out: list[str] = []
    folder = crew_dir.strip("/")
    for _ in range(MAX_PACKAGE_DEPTH + 1):
        if folder and folder.rsplit("/", 1)[-1] == "src":
            break
        out.append(folder)
        if not folder:
            break
        folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
    return out


def crew_folder(tasks_path: str) -> str:
    """The crew's folder, the one above ``config/tasks.yaml`` (``/``-separated)."""
    parts = tasks_path.strip("/").split("/")
    return "/".join(parts[:-2])


def _modules(folder: str, first: str | None = None) -> list[str]:
    """The Python modules directly in ``folder`` that the reader looks at."""
    try:
        names = module_names(os.listdir(folder), first)
    except OSError:
        return []
    paths = [os.path.join(folder, n) for n in names]
    return [p for p in paths if os.path.isfile(p)]
