"""Docker cagent teams (``docker agent run team.yaml``): agents that delegate to sub-agents.

What the cagent runtime does (``pkg/runtime/agent_delegation.go``, ``tool_dispatch.go``,
``pkg/session``): a run starts at the agent ``root`` with the user's message. An agent
with ``sub_agents`` gets a ``transfer_task`` tool; calling it runs the sub-agent in a
**new session** whose system message is the task the parent wrote (and its expected
output) and whose only user message is "Please proceed.": the sub-agent sees neither
the user's message nor the parent's conversation. The call blocks until the sub-agent
answers; its answer is the tool's result, read by the parent. The tool calls of one
answer are run one after another, so sub-agents never run at once (the
``background_agents`` toolset is what runs them side by side). ``handoffs`` pass the
conversation itself to another agent, which carries on with the whole history.

How it is read (docs/formats.md says more): each agent reached from ``root`` is one model
step on its model (an alias under ``models:`` or ``provider/model`` written inline,
``max_tokens`` capping its output), three calls when it holds toolsets or sub-agents (a
tool loop, assumed); each sub-agent is delegated once per run (assumed), reading only
the parent's output, the delegations one after another; a handoff target reads the
user's message and what came before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agentlint.adapters.common import at_of, figure, key_pos, listed, mapping, val_pos
from agentlint.adapters.ir import DEFAULT_TOOL_LOOP_CALLS, FileWording, Pos, StepSpec
from agentlint.adapters.lower import Draft
from agentlint.errors import SpecError
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.yamlload import load_text

#: agents read from one file
MAX_AGENTS = 500
_AGENTS = re.compile(r"^agents:[ \t]*(#.*)?$", re.M)
_INSTRUCTION = re.compile(r"^[ \t]+(instruction|sub_agents|toolsets|handoffs):", re.M)
_MODEL = re.compile(r"^[ \t]+model:", re.M)
_SHEBANG = re.compile(r"\A#!/usr/bin/env (cagent|docker agent|docker-agent) run")


class CagentAdapter:
    name = "cagent"

    def sniff(self, path: str, text: str) -> bool:
        if not path.lower().endswith((".yaml", ".yml")):
            return False
        if _SHEBANG.match(text) is not None:
            return True
        return _AGENTS.search(text) is not None and _MODEL.search(text) is not None and \
            _INSTRUCTION.search(text) is not None and "role:" not in text and \
            "agent_class" not in text

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        return _Reader(path, text, display, root).read()


@dataclass(slots=True)
class CagentWording(FileWording):
    """How a fix is said to a cagent team: its agents' keys."""

    format: str = "cagent"
    step_agent: dict[str, str] = field(default_factory=dict)
    agent_at: dict[str, Pos] = field(default_factory=dict)
    model_at: dict[str, Pos] = field(default_factory=dict)
    #: agent -> the alias under models: its model comes from (None: written inline)
    alias: dict[str, str | None] = field(default_factory=dict)

    def model(self, step: str, model: str) -> str | None:
        agent = self.step_agent.get(step)
        if agent is None:
            return None
        alias = self.alias.get(agent)
        if alias:
            return (f"give agent `{agent}` ({self._at(self.agent_at[agent])}) a model alias "
                    f"of its own under `models:` with `model: {model}` (its alias `{alias}` "
                    f"is at {self._at(self.model_at[agent])})")
        return f"set `model: {model}` on agent `{agent}` ({self._at(self.model_at[agent])})"

    def parallel(self, steps: Sequence[str]) -> str | None:
        agents = [self.step_agent[s] for s in steps if s in self.step_agent]
        if len(agents) < 2:
            return None
        return ("give the parent agent the `background_agents` toolset so it starts "
                f"{', '.join(f'`{a}`' for a in agents)} with `run_background_agent` side by "
                "side; `transfer_task` runs one sub-agent at a time")


def _split_model(raw: str) -> str:
    """``provider/model`` written inline: the model name."""
    return raw.split("/", 1)[1] if "/" in raw else raw


class _Reader:
    def __init__(self, path: str, text: str, display: str, root: str) -> None:
        self.draft = Draft("cagent", path, display, text, root)
        self.file = display
        self.text = text
        self.words = CagentWording(display)
        self.models: YMap = YMap()
        self.agents: YMap = YMap()
        self.step_of: dict[str, str] = {}

    def read(self) -> Workflow:
        doc = load_text(self.text, self.file)
        if not isinstance(doc, YMap) or not isinstance(doc.get("agents"), YMap):
            raise SpecError(self.file, *at_of(doc), "a cagent team is a YAML mapping with "
                            "agents: (a mapping of agent names)")
        self.agents = doc["agents"]
        self.models = mapping(doc.get("models"))
        if len(self.agents) > MAX_AGENTS:
            raise SpecError(self.file, *at_of(self.agents), f"more than {MAX_AGENTS} agents")
        names = [n for n in self.agents if isinstance(n, str)]
        if not names:
            raise SpecError(self.file, *at_of(self.agents), "no agents in agents:")
        entry = "root" if "root" in names else names[0]
        if entry != "root":
            self.draft.assume("entry", f"no agent named root; the run is assumed to start at "
                              f"'{entry}', the first", key_pos(self.agents, entry))
        task = self.draft.input("message", key_pos(self.agents, entry), untrusted=True)
        self.draft.name = entry
        self.visit(entry, None, task, [], handoff=False)
        wf = self.draft.finish()
        wf.extra["wording"] = self.words
        return wf

    def visit(self, name: str, parent: str | None, task: str, before: list[str],
              handoff: bool) -> str:
        """The step of agent ``name``; its sub-agents and handoffs after it."""
        if name in self.step_of:
            return self.step_of[name]
        raw = self.agents.get(name)
        at = key_pos(self.agents, name)
        agent = mapping(raw)
        draft = self.draft
        spec = StepSpec(draft.new_id(name, "agent"), at, origin=f"cagent agent '{name}'",
                        names=(name,))
        spec.pos["id"] = at
        self.step_of[name] = spec.id
        model_raw = agent.get("model")
        model_at = val_pos(agent, "model", at)
        alias: str | None = None
        model_name: str | None = None
        cap: float | None = None
        if isinstance(model_raw, str) and model_raw.strip():
            text = model_raw.strip()
            entry = self.models.get(text)
            if isinstance(entry, YMap):
                alias = text
                inner = entry.get("model")
                if isinstance(inner, str) and inner.strip():
                    model_name = _split_model(inner.strip())
                    model_at = val_pos(entry, "model", model_at)
                cap = figure(entry, "max_tokens", self.file, "max_tokens", model_at)
            elif "," in text or text == "auto":
                model_name = None  # several models, or cagent's own choice
            else:
                model_name = _split_model(text)
        spec.model = draft.model(model_name, model_at, default_reason=f"agent '{name}' "
                                 "names no model cagent can be read to use (auto, or none)")
        spec.pos["model"] = model_at
        spec.output_cap = cap
        instruction = agent.get("instruction")
        if isinstance(instruction, str) and instruction.strip():
            spec.system = instruction.replace("{{", "{ {")
            spec.pos["system"] = val_pos(agent, "instruction", at)
        if parent is None or handoff:
            spec.prompt = "{{ inputs." + task + " }}"
            spec.context = [(s, at) for s in before]
        else:
            # the task its parent wrote, nothing else; a parent writes the next task after
            # reading the answers of the sub-agents before (transfer_task blocks)
            spec.context = [(parent, at), *((s, at) for s in before)]
            spec.output_leaves = "returned to its parent as the result of transfer_task"
        subs = [s for s in listed(agent.get("sub_agents")) if isinstance(s, str)]
        hands = [s for s in listed(agent.get("handoffs")) if isinstance(s, str)]
        toolsets = listed(agent.get("toolsets"))
        tools = [str(mapping(t).get("type") or "tool") for t in toolsets]
        for target in subs + hands:
            if target not in self.agents:
                where = val_pos(agent, "sub_agents" if target in subs else "handoffs", at)
                raise SpecError(self.file, *where, f"agent '{name}' names '{target}', which "
                                "is not under agents:")
        if tools or subs or hands:
            spec.calls, spec.calls_assumed = DEFAULT_TOOL_LOOP_CALLS, True
            spec.agent = spec.id
            draft.agents[spec.id] = {"at": at, "model": spec.model, "tools": [
                draft.tool(t, at) for t in tools + (["transfer_task"] if subs else []) +
                [f"handoff_{h}" for h in hands]]}
        draft.steps.append(spec)
        self.words.step_agent[spec.id] = name
        self.words.agent_at[name] = at
        self.words.model_at[name] = val_pos(agent, "model", at)
        self.words.alias[name] = alias
        if subs:
            draft.assume("delegations", "each sub-agent is assumed to get one task per "
                         "run from its parent (how many transfer_task calls a run makes is "
                         "decided at run time)", val_pos(agent, "sub_agents", at))
        side_by_side = "background_agents" in tools
        done: list[str] = []
        for sub in subs:
            if sub in self.step_of:
                continue
            done.append(self.visit(sub, spec.id, task, [] if side_by_side else list(done),
                                   handoff=False))
        targets = [h for h in hands if h not in self.step_of]
        if targets:
            hands_at = val_pos(agent, "handoffs", at)
            router = StepSpec(draft.new_id(f"{name}_handoff", "handoff"), hands_at,
                              kind="router", output_tokens=0.0, names=(f"{name} handoff",),
                              origin=f"cagent agent '{name}' hands off (its own call "
                              "chooses)")
            router.needs = [(spec.id, hands_at)]
            draft.steps.append(router)
            draft.assume("handoffs", "an agent with handoffs is assumed to hand the "
                         "conversation to one of them, each as often; an agent already "
                         "reached is not followed again (a handoff back is not counted)",
                         hands_at)
            history = [*before, spec.id]
            for target in targets:
                router.routes.append((self.visit(target, spec.id, task, list(history),
                                                 handoff=True), hands_at))
        return spec.id
