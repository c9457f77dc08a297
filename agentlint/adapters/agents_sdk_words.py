"""How a fix is said to an OpenAI Agents SDK program: keyword arguments of its calls, with
the ``file:line:col`` where the edit goes (see :class:`agentlint.adapters.ir.Wording`).

- ``model``: the ``model=`` keyword of the agent's ``Agent(...)`` call (a literal string
  is replaced; a model built by an expression, or none, is a suggestion to write one);
- ``context`` / ``trim``: the ``input_filter=`` of the ``handoff(...)`` that brings the
  agent (``handoff_filters.remove_all_tools`` keeps the user's messages);
- ``bound``: ``max_turns=`` on the ``Runner.run(...)`` call;
- ``reread``: a handoff's ``input_filter`` that drops the user's messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agentlint.adapters.ir import FileWording, Pos


@dataclass(slots=True)
class AgentsSdkWording(FileWording):
    format: str = "agents-sdk"
    #: step id -> the agent's name, where its Agent(...) call and its model are written,
    #: and whether that model is a literal string
    step_agent: dict[str, str] = field(default_factory=dict)
    agent_at: dict[str, Pos] = field(default_factory=dict)
    model_at: dict[str, Pos] = field(default_factory=dict)
    model_literal: dict[str, bool] = field(default_factory=dict)
    #: agent -> the module constant its ``model=`` names, and where the constant's value is
    model_const: dict[str, tuple[str, Pos]] = field(default_factory=dict)
    #: step id -> where the handoff that brings the agent is written
    handoff_at: dict[str, Pos] = field(default_factory=dict)
    #: step id -> the literal ``model="..."`` its model comes from (line, start, end in
    #: UTF-8 bytes), None when it is not a one-line literal; and the program's text
    step_span: dict[str, tuple[int, int, int] | None] = field(default_factory=dict)
    text: str = ""
    #: where ``RunConfig(model=...)`` sets the model of every agent, if it does
    run_model_at: Pos | None = None
    #: loop id -> where the Runner call is (None: no Runner call in the file)
    loops: dict[str, Pos | None] = field(default_factory=dict)

    def model(self, step: str, model: str) -> str | None:
        agent = self.step_agent.get(step)
        if agent is None:
            return None
        if self.run_model_at is not None:
            return (f"set `model=\"{model}\"` in the `RunConfig(...)` of the run "
                    f"({self._at(self.run_model_at)}), which sets every agent's model (or "
                    f"give `{agent}` its own model and drop RunConfig's)")
        if self.model_literal.get(agent):
            return (f"set `model=\"{model}\"` in the `Agent(...)` call of `{agent}` "
                    f"({self._at(self.model_at[agent])})")
        const = self.model_const.get(agent)
        if const is not None:
            name, at = const
            shared = sum(1 for c, _ in self.model_const.values() if c == name)
            also = f", which {shared - 1} other agent{'s' if shared > 2 else ''} read too" \
                if shared > 1 else ""
            return (f"set `{name} = \"{model}\"` ({self._at(at)}){also}, or give the "
                    f"`Agent(...)` call of `{agent}` ({self._at(self.agent_at[agent])}) its "
                    f"own `model=\"{model}\"`")
        return (f"give the `Agent(...)` call of `{agent}` "
                f"({self._at(self.agent_at[agent])}) `model=\"{model}\"` (its model is not "
                "a literal string there now)")

    def context(self, step: str, reads: Sequence[str]) -> str | None:
        agent = self.step_agent.get(step)
        where = self.handoff_at.get(step)
        if agent is None or where is None:
            return None
        return (f"give the handoff to `{agent}` ({self._at(where)}) an `input_filter` that "
                "keeps the user's messages and drops what the agent does not need "
                "(`handoff_filters.remove_all_tools` drops tool calls only)")

    def reread(self, step: str, inputs: Sequence[str]) -> str | None:
        agent = self.step_agent.get(step)
        where = self.handoff_at.get(step)
        if agent is None or where is None:
            return None
        return (f"the handoff's `input_filter` ({self._at(where)}) drops the user's "
                f"messages before `{agent}` runs: keep them (filter with "
                "`handoff_filters.remove_all_tools`, or slice `new_items` instead of "
                "`input_history`)")

    def trim(self, step: str, reads: Sequence[str]) -> str | None:
        return self.context(step, reads)

    def bound(self, loop: str) -> str | None:
        if loop not in self.loops:
            return None
        at = self.loops[loop]
        if at is None:
            return ("run the entry agent with `Runner.run(agent, input, max_turns=10)`: no "
                    "`Runner.run` call in this file sets the bound of its handoff cycle")
        return (f"pass a literal `max_turns=` to `Runner.run(...)` ({self._at(at)}); the SDK "
                "stops the run with `MaxTurnsExceeded` after that many turns")
