"""How a fix is said in an Oracle Agent Spec file: its components, and the
``file:line:col`` where the edit goes (see :class:`agentlint.adapters.ir.Wording`).

- ``parallel``: put the nodes' work in the ``subflows`` of a ``ParallelFlowNode``;
- ``context``: the ``DataFlowEdge`` items into the node (and its ``prompt_template``);
- ``model``: ``model_id`` of the node's ``llm_config``;
- ``keep_output``: a ``DataFlowEdge`` from the node's output to a node that reads it,
  or to the ``EndNode``;
- ``bound``: a ``BranchingNode`` on a counter that leaves the cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agentlint.adapters.ir import FileWording, Pos


@dataclass(slots=True)
class AgentSpecWording(FileWording):
    format: str = "agentspec"
    #: the file's text, and whether it is JSON (for writing a plan's models back)
    text: str = ""
    json: bool = False
    #: steps whose model is a model_id written in the file (not a default)
    written_model: set[str] = field(default_factory=set)
    #: step id -> the node it stands for (its name) and where the node is written
    node: dict[str, str] = field(default_factory=dict)
    node_at: dict[str, Pos] = field(default_factory=dict)
    #: step id -> where the model_id of its llm_config is written
    model_at: dict[str, Pos] = field(default_factory=dict)
    #: step id of an AgentNode -> its agent's name and where the agent is written
    agents: dict[str, tuple[str, Pos]] = field(default_factory=dict)
    #: loop id -> the nodes of the cycle, where the cycle closes
    loops: dict[str, tuple[list[str], Pos]] = field(default_factory=dict)

    def _name(self, step: str) -> str:
        return self.node.get(step, step)

    def parallel(self, steps: Sequence[str]) -> str | None:
        known = [s for s in steps if s in self.node]
        if len(known) < 2:
            return None
        names = ", ".join(f"`{self._name(s)}`" for s in known)
        return (f"run nodes {names} ({self._at(self.node_at[known[0]])}) side by side: put "
                "each in its own Flow under the `subflows` of one `ParallelFlowNode`, with "
                "ControlFlowEdges to and from that node")

    def context(self, step: str, reads: Sequence[str]) -> str | None:
        if step in self.agents:
            name, at = self.agents[step]
            return (f"agent `{name}` of node `{self._name(step)}` ({self._at(at)}) reads "
                    "every message of the flow's conversation: add a "
                    "`ConversationSummarizationTransform` to its `transforms` so it reads a "
                    "digest, or hand it what it needs through a `DataFlowEdge` and its "
                    "system_prompt in a subflow of its own")
        if step not in self.node:
            return None
        kept = ", ".join(f"`{self._name(r)}`" for r in reads) or "nothing"
        return (f"give node `{self._name(step)}` ({self._at(self.node_at[step])}) only the "
                f"data it needs (from {kept}): drop the other `DataFlowEdge` items into it "
                "and their `{{...}}` from its prompt_template")

    def trim(self, step: str, reads: Sequence[str]) -> str | None:
        return self.context(step, reads)

    def unorder(self, step: str, before: str) -> str | None:
        if step not in self.node or before not in self.node:
            return None
        return (f"let node `{self._name(step)}` ({self._at(self.node_at[step])}) start "
                f"without waiting for `{self._name(before)}`: put the two in the `subflows` "
                "of a `ParallelFlowNode` instead of the ControlFlowEdge between them")

    def model(self, step: str, model: str) -> str | None:
        where = self.model_at.get(step)
        if where is None:
            return None
        return (f"set `model_id: {model}` in the llm_config of node `{self._name(step)}` "
                f"({self._at(where)})")

    def keep_output(self, step: str) -> str | None:
        if step not in self.node:
            return None
        return (f"use the output of node `{self._name(step)}` "
                f"({self._at(self.node_at[step])}): add a `DataFlowEdge` from it to the "
                "node that needs it or to the EndNode, or remove the node")

    def bound(self, loop: str) -> str | None:
        found = self.loops.get(loop)
        if found is None:
            return None
        names, at = found
        shown = ", ".join(f"`{n}`" for n in names)
        return (f"bound the cycle through {shown} ({self._at(at)}): count the rounds in a "
                "ToolNode and add a `BranchingNode` on the count whose branch leaves the "
                "cycle after a fixed number")
