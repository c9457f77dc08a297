"""How a fix is said to a CrewAI crew: its keys, and the ``file:line:col`` they go at.

The reader fills a :class:`CrewAIWording` while it reads the crew and leaves it
in ``Workflow.extra["wording"]`` (see :class:`agentlint.adapters.ir.Wording`).
A rule that suggests a fix asks it first:

- ``parallel(steps)``: ``async_execution: true`` on the tasks, and what CrewAI
  requires for it: a following synchronous task that waits for them, listing
  them in its ``context`` (a crew may not end with more than one async task);
- ``context(step, reads)``: ``context: [...]`` on the task;
- ``model(step, model)``: the agent's ``llm:`` in ``agents.yaml``, or its
  ``llm=`` in the crew module when the model is set there, or the crew's
  ``manager_llm`` for a task the manager executes;
- ``keep_output(step)``: a later task's ``context``, or ``output_file:``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agentlint.adapters.ir import Pos, where


@dataclass(slots=True)
class CrewAIWording:
    format = "crewai"
    tasks_file: str
    #: task keys in the order the crew runs them, and where each is written
    order: list[str] = field(default_factory=list)
    task_at: dict[str, Pos] = field(default_factory=dict)
    async_tasks: set[str] = field(default_factory=set)
    #: the tasks each task names in its ``context`` (tasks without one are not listed)
    explicit_context: dict[str, list[str]] = field(default_factory=dict)
    #: step id -> the task it stands for (a hierarchical task has two steps)
    step_task: dict[str, str] = field(default_factory=dict)
    #: step id -> the agent whose model runs it
    step_agent: dict[str, str] = field(default_factory=dict)
    #: agent -> where its model is set: (file, position, "yaml" | "code")
    agent_llm: dict[str, tuple[str, Pos, str]] = field(default_factory=dict)
    #: steps the hierarchical manager runs, and where its model is set
    manager_steps: set[str] = field(default_factory=set)
    manager_llm: tuple[str, Pos, str] | None = None

    def _task(self, step: str) -> str:
        return self.step_task.get(step, step)

    def _task_ref(self, task: str) -> str:
        at = self.task_at.get(task, (1, 1))
        return f"`{task}` ({where(self.tasks_file, at)})"

    def _tasks(self, steps: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(self._task(s) for s in steps))

    def parallel(self, steps: Sequence[str]) -> str | None:
        tasks = self._tasks(steps)
        if not tasks:
            return None
        listed = " and ".join(self._task_ref(t) for t in tasks)
        last = max((self.order.index(t) for t in tasks if t in self.order), default=-1)
        after = [t for t in self.order[last + 1:] if t not in self.async_tasks]
        names = ", ".join(t for t in tasks)
        if not after:
            return (f"CrewAI runs tasks side by side only when they are `async_execution: "
                    f"true` and a later synchronous task waits for them, and a crew may not "
                    f"end with more than one async task: add a final task with `context: "
                    f"[{names}]` and set `async_execution: true` on {listed}")
        follow = after[0]
        wanted = list(dict.fromkeys([*self.explicit_context.get(follow, []), *tasks]))
        return (f"set `async_execution: true` on task {listed}; CrewAI waits for async "
                f"tasks at the next synchronous task, {self._task_ref(follow)}: give it "
                f"`context: [{', '.join(wanted)}]`")

    def context(self, step: str, reads: Sequence[str]) -> str | None:
        task = self._task(step)
        names = ", ".join(t for t in self._tasks(reads) if t != task)
        return f"give task {self._task_ref(task)} `context: [{names}]`"

    def model(self, step: str, model: str) -> str | None:
        shown = model
        if step in self.manager_steps:
            if self.manager_llm is None:
                return None
            file, at, how = self.manager_llm
            if how == "code":
                return f"set `manager_llm=\"{shown}\"` on the crew ({where(file, at)})"
            return f"set `llm: {shown}` on the manager agent ({where(file, at)})"
        agent = self.step_agent.get(step)
        if agent is None or agent not in self.agent_llm:
            return f"give task {self._task_ref(self._task(step))} an `agent:` whose " \
                   f"`llm:` is {shown}"
        file, at, how = self.agent_llm[agent]
        if how == "code":
            return f"set `llm=\"{shown}\"` on agent `{agent}` ({where(file, at)})"
        return f"set `llm: {shown}` on agent `{agent}` ({where(file, at)})"

    def keep_output(self, step: str) -> str | None:
        task = self._task(step)
        return (f"list `{task}` in the `context` of the task that needs it, or set "
                f"`output_file:` on task {self._task_ref(task)} if its output is kept")
