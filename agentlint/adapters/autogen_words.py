"""How a fix is said to an AutoGen team: its components, and the ``file:line:col`` where
the edit goes (see :class:`agentlint.adapters.ir.Wording`).

- ``context`` / ``trim``: the agent's ``model_context``, a
  ``BufferedChatCompletionContext`` with a ``buffer_size`` (or a summarising agent
  before it); in a 0.2 export, which has no such setting, the team in AgentChat;
- ``model``: the ``model`` of the agent's ``model_client`` (for the selector's turn:
  the team's ``model_client``; in 0.2 the ``llm_config``'s ``config_list``);
- ``bound``: a ``MaxMessageTermination`` OR-ed into the ``termination_condition``, or
  ``max_turns`` on the team.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agentlint.adapters.common import safe_id
from agentlint.adapters.ir import FileWording, Pos

BUFFERED = "autogen_core.model_context.BufferedChatCompletionContext"
MAX_MESSAGES = "autogen_agentchat.conditions.MaxMessageTermination"


@dataclass(slots=True)
class AutoGenWording(FileWording):
    format: str = "autogen"
    v02: bool = False
    #: participant name -> where its name, model and model_context are written
    agent_at: dict[str, Pos] = field(default_factory=dict)
    model_at: dict[str, Pos] = field(default_factory=dict)
    context_at: dict[str, Pos] = field(default_factory=dict)
    #: step id -> the participant and the team whose turn it is
    step_agent: dict[str, str] = field(default_factory=dict)
    step_team: dict[str, str] = field(default_factory=dict)
    #: team label -> where the team, its termination and its selector model are
    team_at: dict[str, Pos] = field(default_factory=dict)
    term_at: dict[str, Pos] = field(default_factory=dict)
    selector: dict[str, tuple[Pos, str]] = field(default_factory=dict)
    version: dict[str, str] = field(default_factory=dict)
    #: loop id -> the team an unbounded chat belongs to
    loops: dict[str, str] = field(default_factory=dict)

    def context(self, step: str, reads: Sequence[str]) -> str | None:
        agent = self.step_agent.get(step)
        if agent is None:
            return None
        team = self.step_team.get(step, "")
        if self.version.get(team) == "0.2":
            return (f"a 0.2 GroupChat sends agent `{agent}` "
                    f"({self._at(self.agent_at[agent])}) the whole transcript every turn; "
                    "in AgentChat give it `model_context: BufferedChatCompletionContext` "
                    "with a small `buffer_size`, or let a summarising agent hand on a "
                    "digest")
        return (f"set the `model_context` of agent `{agent}` "
                f"({self._at(self.context_at[agent])}) to "
                f"`{{\"provider\": \"{BUFFERED}\", \"config\": {{\"buffer_size\": 4}}}}` so it "
                "reads the last messages only, not the whole transcript every turn (or let "
                "a summarising agent hand on a digest)")

    def trim(self, step: str, reads: Sequence[str]) -> str | None:
        return self.context(step, reads)

    def model(self, step: str, model: str) -> str | None:
        agent = self.step_agent.get(step)
        if agent is not None:
            where = self.model_at[agent]
            key = "config_list[0].model in its llm_config" if self.v02 else \
                "`model` in its model_client's config"
            return f"set {key} to `{model}` on agent `{agent}` ({self._at(where)})"
        for team, (where, key) in self.selector.items():
            if step.startswith(_id_head(team)):
                return (f"set `model: {model}` in the `{key}` of team `{team}` "
                        f"({self._at(where)}), the model that picks each speaker")
        return None

    def bound(self, loop: str) -> str | None:
        team = self.loops.get(loop)
        if team is None:
            return None
        where = self._at(self.term_at[team])
        return (f"bound team `{team}` ({where}): OR a "
                f"`{{\"provider\": \"{MAX_MESSAGES}\", \"config\": {{\"max_messages\": 20}}}}` "
                "into its `termination_condition` (OrTerminationCondition), or set "
                "`max_turns` in its config")


def _id_head(label: str) -> str:
    return safe_id(f"{label}_select")
