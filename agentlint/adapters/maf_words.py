"""How a fix is said in a Microsoft Agent Framework declarative workflow: its actions, and
the ``file:line:col`` where the edit goes (see :class:`agentlint.adapters.ir.Wording`).

- ``context``: the agent's ``conversationId`` (a conversation of its own, made by a
  ``CreateConversation``) and ``input.messages`` naming what it needs;
- ``model``: the model is set where the Foundry agent is defined, not in the workflow;
- ``keep_output``: ``output.messages`` into a variable a later action reads;
- ``bound``: a counter (``SetVariable``) and a ``ConditionGroup`` on it before the
  ``GotoAction``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agentlint.adapters.ir import FileWording, Pos


@dataclass(slots=True)
class MafWording(FileWording):
    format: str = "agent-framework"
    #: step id -> the action it stands for (its id) and where it is written
    node: dict[str, str] = field(default_factory=dict)
    node_at: dict[str, Pos] = field(default_factory=dict)
    #: step id -> the agent it invokes and where its name is written
    agents: dict[str, tuple[str, Pos]] = field(default_factory=dict)
    #: loop id -> the actions of the loop, where it jumps back
    loops: dict[str, tuple[list[str], Pos]] = field(default_factory=dict)

    def context(self, step: str, reads: Sequence[str]) -> str | None:
        found = self.agents.get(step)
        if found is None:
            return None
        name, at = found
        return (f"action `{self.node.get(step, step)}` ({self._at(at)}) runs agent `{name}` "
                "on a conversation that holds every earlier agent's messages: give it a "
                "conversation of its own (a `CreateConversation` and its `conversationId`) "
                "and pass what it needs in `input.messages`")

    def trim(self, step: str, reads: Sequence[str]) -> str | None:
        return self.context(step, reads)

    def model(self, step: str, model: str) -> str | None:
        found = self.agents.get(step)
        if found is None:
            return None
        name, at = found
        return (f"run Foundry agent `{name}` ({self._at(at)}) on `{model}`: its model is set "
                "where the agent is defined, not in this workflow")

    def keep_output(self, step: str) -> str | None:
        if step not in self.node:
            return None
        return (f"use the answer of action `{self.node[step]}` "
                f"({self._at(self.node_at[step])}): put it in a variable with "
                "`output.messages` and name that variable where it is needed, or remove "
                "the action")

    def bound(self, loop: str) -> str | None:
        found = self.loops.get(loop)
        if found is None:
            return None
        names, at = found
        return (f"bound the jump back ({self._at(at)}) over {', '.join(names)}: add one to a "
                "counter with `SetVariable` (`=Local.Turns + 1`) and jump only while a "
                "`ConditionGroup` condition `=Local.Turns < 5` holds")
