"""Microsoft Agent Framework declarative workflows: a YAML file with ``kind: Workflow``
(Foundry's export writes ``kind: workflow``) whose ``trigger`` holds a list of ``actions``.

What the framework's declarative runtime does (agent_framework_declarative and the .NET
``Microsoft.Agents.AI.Workflows.Declarative``), and how it is read (docs/formats.md says
more):

- The actions run in the order listed. ``InvokeAzureAgent`` runs a Foundry agent by
  ``agent.name``: the agent is defined elsewhere, so its model and tools are not in the
  file (the profile's ``default_model``, else the default, one call: assumed). The agent
  reads the conversation its ``conversationId`` names: every message earlier agents
  wrote there (and the user's message, in the workflow's own conversation); what
  ``input.messages`` / ``input.arguments`` name (``Local.X``) it reads besides.
  ``output.messages`` / ``output.responseObject`` set variables later actions read.
  ``input.externalLoop.when`` repeats the agent with the user's reply until the condition
  fails, at most ``maxIterations`` times (100 by default).
- ``ConditionGroup`` / ``If``: one branch runs (a router without a model; which one, no
  file says: equal shares); without ``elseActions`` the run may go straight on.
- ``GotoAction``: a jump. Back to an earlier action it closes a loop, bounded by the
  runner's superstep limit (``maxTurns``, 100 by default) or, when a ``Local.N < k``
  condition guards the jump and the loop adds one to ``Local.N``, by *k*; forward, it
  skips to the target. ``EndWorkflow`` / ``EndConversation`` / ``CancelWorkflow`` end
  the run.
- ``Question`` / ``RequestExternalInput``: a person answers. ``InvokeFunctionTool``,
  ``HttpRequestAction``, ``InvokeMcpTool``: a tool call. ``RepeatUntil``: its actions
  again until its condition holds (bounded as a jump back). ``Foreach``: its actions once
  per item, one item after another (five items assumed). Variables, messages and
  conversation bookkeeping (``SetVariable``, ``SendActivity``, ``CreateConversation``,
  ...) call no model and are no steps; they carry data from the steps that wrote what
  they read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.common import at_of, figure, listed, mapping, val_pos
from agentlint.adapters.ir import (
    DEFAULT_HUMAN_WAIT_S,
    DEFAULT_ITERATION_ITEMS,
    LoopSpec,
    Pos,
    StepSpec,
)
from agentlint.adapters.lower import Draft
from agentlint.adapters.maf_words import MafWording
from agentlint.errors import SpecError
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.yamlload import load_text

_SUFFIXES = (".yaml", ".yml")
_KIND = re.compile(r"^kind:\s*['\"]?[Ww]orkflow['\"]?\s*$", re.M)
_TRIGGER = re.compile(r"^trigger:\s*$", re.M)
_ACTIONS = re.compile(r"^\s+actions:", re.M)
#: a Kubernetes resource (an Argo Workflow is ``kind: Workflow`` too)
_K8S = re.compile(r"^apiVersion:", re.M)
_VAR = re.compile(r"\b((?:Local|Global|Topic|Workflow)\.[A-Za-z_][A-Za-z0-9_]*)")
_COUNTER = re.compile(r"^=\s*(Local\.[A-Za-z_]\w*)\s*(<=?|>=?)\s*(\d+)\s*$")
#: the runner's superstep limit when the file sets no maxTurns
DEFAULT_MAX_TURNS = 100
#: externalLoop.maxIterations when unset
DEFAULT_EXTERNAL_LOOP = 100
MAX_DEPTH = 40
MAX_ACTIONS = 5000

AGENT = {"InvokeAzureAgent", "InvokeAgent", "InvokeAzureResponse"}
HUMAN = {"Question", "RequestExternalInput", "RequestHumanInput", "WaitForHumanInput",
         "Confirmation"}
TOOLS = {"InvokeFunctionTool", "HttpRequestAction", "InvokeMcpTool"}
BRANCH = {"ConditionGroup", "If"}
END = {"EndWorkflow", "EndConversation", "CancelWorkflow", "EndDialog"}
QUIET = {"SetVariable", "SetTextVariable", "SetValue", "ParseValue", "ResetVariable",
         "ClearAllVariables", "EditTable", "EditTableV2", "SendActivity", "SendMessage",
         "CreateConversation", "RetrieveConversationMessages", "RetrieveConversationMessage",
         "CopyConversationMessages", "AddConversationMessage", "BreakLoop", "ContinueLoop"}
KNOWN = AGENT | HUMAN | TOOLS | BRANCH | END | QUIET | {"GotoAction", "Foreach", "RepeatUntil"}


class MafAdapter:
    name = "agent-framework"

    def sniff(self, path: str, text: str) -> bool:
        return path.lower().endswith(_SUFFIXES) and _KIND.search(text) is not None and \
            _TRIGGER.search(text) is not None and _ACTIONS.search(text) is not None and \
            _K8S.search(text) is None

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        return _Reader(path, text, display, root).read()


@dataclass(slots=True)
class _Flow:
    """Where the run is: the steps the next one waits for, and the routers whose branch
    (or fall-through) the next step is."""

    needs: list[str] = field(default_factory=list)
    routers: list[StepSpec] = field(default_factory=list)

    def merge(self, other: _Flow | None) -> None:
        if other is None:
            return
        self.needs.extend(n for n in other.needs if n not in self.needs)
        self.routers.extend(r for r in other.routers if r not in self.routers)


def _refs(raw: Any) -> list[str]:
    """The variables an expression (or a mapping or list of them) names."""
    if isinstance(raw, str):
        return list(dict.fromkeys(_VAR.findall(raw)))
    if isinstance(raw, dict):
        return [v for value in raw.values() for v in _refs(value)]
    if isinstance(raw, list):
        return [v for value in raw for v in _refs(value)]
    return []


class _Reader:
    def __init__(self, path: str, text: str, display: str, root: str) -> None:
        self.draft = Draft("agent-framework", path, display, text, root)
        self.file = display
        self.text = text
        self.words = MafWording(display)
        self.vars: dict[str, list[str]] = {}
        self.conversations: dict[str, list[str]] = {}
        #: action id -> index of the first step at or after it, and the flow there
        self.at_action: dict[str, int] = {}
        self.ids: set[str] = set()
        self.jumps: dict[str, _Flow] = {}
        self.loops: list[tuple[int, int, int | None, Pos, str, str | None]] = []
        self.count = 0
        self.user = ""
        self.limit = DEFAULT_MAX_TURNS
        self.counters: dict[str, Pos] = {}
        #: agent steps that write into a conversation (it grows each round of a loop)
        self.on_conversation: set[str] = set()
        self.container: str | None = None
        #: the conditions of the branches the current action is in, innermost last, and
        #: the id of their ConditionGroup / If
        self.guards: list[tuple[list[Any], list[Any]]] = []  # (hold, fail)
        self.groups: list[str] = []
        #: actions read so far, and the count when each action id was reached (a
        #: superstep per action: what maxTurns counts)
        self.actions_run = 0
        self.action_no: dict[str, int] = {}

    def read(self) -> Workflow:
        doc = load_text(self.text, self.file)
        if not isinstance(doc, YMap) or str(doc.get("kind")).lower() != "workflow":
            raise SpecError(self.file, *at_of(doc), "an Agent Framework workflow is a YAML "
                            "mapping with kind: Workflow")
        trigger = doc.get("trigger")
        if not isinstance(trigger, YMap):
            raise SpecError(self.file, *val_pos(doc, "trigger", doc.at()), "a workflow needs "
                            "a trigger mapping with its actions")
        actions = trigger.get("actions")
        if not isinstance(actions, list):
            raise SpecError(self.file, *val_pos(trigger, "actions", trigger.at()), "the "
                            "trigger needs a list of actions")
        turns = figure(doc, "maxTurns", self.file, "max_iterations", doc.at())
        if turns is not None:
            self.limit = max(1, int(turns))
        self.collect(actions, 0)
        self.user = self.draft.input("user_message", trigger.at(), untrusted=True)
        self.conversations["=System.ConversationId"] = []
        self.sequence(actions, _Flow(), 0)
        self.make_loops()
        wf = self.draft.finish()
        wf.extra["wording"] = self.words
        # the runtime runs one action at a time, in the order written: no order between
        # actions is the author's to drop (the key of agentlint.lint.facts.ORDER_KEY)
        wf.extra["required_order"] = {
            spec.id: {name: "actions run one at a time, in order" for name, _ in spec.needs}
            for spec in self.draft.steps if spec.needs}
        return wf

    def collect(self, actions: list[Any], depth: int) -> None:
        """Every action id (a GotoAction may jump forward), refusing duplicates."""
        if depth > MAX_DEPTH:
            raise SpecError(self.file, *at_of(actions), f"actions nest more than {MAX_DEPTH} "
                            "deep")
        for item in actions:
            action = mapping(item)
            self.count += 1
            if self.count > MAX_ACTIONS:
                raise SpecError(self.file, *at_of(item), f"more than {MAX_ACTIONS} actions")
            ident = action.get("id")
            if isinstance(ident, str):
                if ident in self.ids:
                    raise SpecError(self.file, *val_pos(action, "id", at_of(item)),
                                    f"action id '{ident}' is used twice")
                self.ids.add(ident)
            for key in ("actions", "elseActions", "then", "else"):
                self.collect(listed(action.get(key)), depth + 1)
            for cond in listed(action.get("conditions")):
                self.collect(listed(mapping(cond).get("actions")), depth + 1)

    # -- the actions -----------------------------------------------------------------------

    def sequence(self, actions: list[Any], flow: _Flow | None, depth: int) -> _Flow | None:
        """Run ``actions`` from ``flow``; the flow after them (None: the run ended or
        jumped away)."""
        for index, item in enumerate(actions):
            action = mapping(item)
            at = at_of(item, val_pos(actions, index))
            kind = action.get("kind")
            ident = action.get("id")
            if isinstance(ident, str):
                if ident in self.jumps:
                    if flow is None:
                        flow = _Flow()
                    flow.merge(self.jumps.pop(ident))
                self.at_action[ident] = len(self.draft.steps)
                self.action_no[ident] = self.actions_run
            if flow is None:
                continue  # nothing reaches this action (after a jump or an end)
            self.actions_run += 1
            if not isinstance(kind, str) or kind not in KNOWN:
                raise SpecError(self.file, *val_pos(action, "kind", at), f"action kind "
                                f"'{kind}' is not one agentlint reads")
            flow = self.action(kind, action, at, flow, depth)
        return flow

    def action(self, kind: str, action: YMap, at: Pos, flow: _Flow,
               depth: int) -> _Flow | None:
        if kind in AGENT:
            return self.agent(action, at, flow)
        if kind in HUMAN:
            spec = self.step(action, at, flow, "human", f"agent-framework {kind}")
            spec.per_call_s, spec.wait_assumed = DEFAULT_HUMAN_WAIT_S, True
            self.assign(action.get("variable"), [spec.id])
            return _Flow([spec.id])
        if kind in TOOLS:
            spec = self.step(action, at, flow, "tool", f"agent-framework {kind}")
            name = action.get("functionName", action.get("toolName", action.get("url")))
            spec.tool = self.draft.tool(str(name or kind), at)
            spec.reads = [(s, at) for v in _refs(action) for s in self.vars.get(v, [])]
            output = mapping(action.get("output"))
            for key in ("result", "messages", "response", "variable"):
                self.assign(output.get(key, action.get(key) if key == "variable" else None),
                            [spec.id])
            return _Flow([spec.id])
        if kind in BRANCH:
            return self.branch(kind, action, at, flow, depth)
        if kind == "GotoAction":
            return self.goto(action, at, flow)
        if kind in END:
            return None
        if kind == "Foreach":
            return self.foreach(action, at, flow, depth)
        if kind == "RepeatUntil":
            return self.repeat(action, at, flow, depth)
        # variables and messages: no step, but data carried
        if kind in ("SendActivity", "SendMessage"):
            shown = {s for v in _refs(action) for s in self.vars.get(v, [])}
            for spec in self.draft.steps:
                if spec.id in shown and spec.output_leaves is None:
                    spec.output_leaves = "shown to the user (SendActivity)"
        if kind == "SetVariable" or kind == "SetTextVariable" or kind == "ParseValue":
            target = action.get("variable")
            value = action.get("value")
            sources = [s for v in _refs(value) for s in self.vars.get(v, [])]
            if isinstance(target, str) and isinstance(value, str) and re.fullmatch(
                    rf"=\s*{re.escape(target)}\s*\+\s*1\s*", value):
                self.counters[target] = at
            self.assign(target, sources)
        elif kind == "CreateConversation":
            target = action.get("conversationId")
            if isinstance(target, str):
                self.conversations["=" + target.lstrip("=")] = []
        return flow

    def assign(self, target: Any, steps: list[str]) -> None:
        if isinstance(target, str) and target.strip():
            self.vars[target.lstrip("=").strip()] = list(dict.fromkeys(steps))

    def step(self, action: YMap, at: Pos, flow: _Flow, kind: str, origin: str,
             name: str | None = None) -> StepSpec:
        ident = name if name is not None else action.get("id")
        label = name or (str(ident) if isinstance(ident, str) else kind)
        spec = StepSpec(self.draft.new_id(ident if isinstance(ident, str) else label, kind),
                        at, kind=kind, origin=origin, names=(label,))
        spec.pos["id"] = at
        spec.needs = [(s, at) for s in flow.needs]
        spec.container = self.container
        for router in flow.routers:
            router.routes.append((spec.id, at))
        self.draft.steps.append(spec)
        self.words.node[spec.id] = label
        self.words.node_at[spec.id] = at
        return spec

    def agent(self, action: YMap, at: Pos, flow: _Flow) -> _Flow:
        agent = action.get("agent")
        raw_name = mapping(agent).get("name") if isinstance(agent, dict) else agent
        name = str(raw_name).strip() if raw_name is not None else ""
        if not name:
            raise SpecError(self.file, *val_pos(action, "agent", at), "InvokeAzureAgent "
                            "needs agent.name")
        where = val_pos(mapping(agent), "name", at) if isinstance(agent, dict) else at
        dynamic = name.startswith("=")
        shown = "the agent it names at run time" if dynamic else name
        spec = self.step(action, where, flow, "llm", f"agent-framework InvokeAzureAgent "
                         f"'{shown}'", name=None)
        spec.names = (spec.names[0], name) if not dynamic else spec.names
        spec.model = self.draft.model(None, where, default_reason="the agents of an Agent "
                                      "Framework workflow are defined outside it (Foundry), "
                                      "so their models are not in the file")
        if dynamic:
            self.draft.assume(f"dynamic:{spec.id}", f"action '{spec.id}' picks its agent "
                              f"at run time ({name}); priced as one agent", where)
        conversation = action.get("conversationId")
        key = "=" + str(conversation).lstrip("=").strip() if conversation else ""
        thread = self.conversations.get(key, []) if key else []
        inp = mapping(action.get("input"))
        named = _refs(inp.get("messages")) + _refs(inp.get("arguments")) + \
            _refs(inp.get("parameters"))
        spec.reads = [(s, where) for v in named for s in self.vars.get(v, [])]
        if key == "=System.ConversationId" or not (named or thread):
            spec.prompt = "{{ inputs." + self.user + " }}"
        spec.context = [(s, where) for s in thread]
        spec.implicit_context = len(thread) > 1
        output = mapping(action.get("output"))
        if output.get("autoSend") is not False:
            spec.output_leaves = "sent to the user (autoSend)"
        for out_key in ("messages", "responseObject", "structuredOutputs"):
            self.assign(output.get(out_key), [spec.id])
        if key:
            self.conversations.setdefault(key, []).append(spec.id)
            self.on_conversation.add(spec.id)
        self.words.agents[spec.id] = (name, where)
        loop = mapping(inp.get("externalLoop"))
        if "when" in loop:
            rounds = figure(loop, "maxIterations", self.file, "max_iterations", where)
            bound = int(rounds) if rounds is not None else DEFAULT_EXTERNAL_LOOP
            reply = StepSpec(self.draft.new_id(f"{spec.id}_user_reply", "reply"), where,
                             kind="human", origin=f"agent-framework externalLoop of "
                             f"'{spec.id}': the user's reply", names=(f"{spec.id} reply",))
            reply.needs = [(spec.id, where)]
            reply.reads = [(spec.id, where)]
            reply.per_call_s, reply.wait_assumed = DEFAULT_HUMAN_WAIT_S, True
            self.draft.steps.append(reply)
            first = len(self.draft.steps) - 2
            self.loops.append((first, first + 1, bound, where, f"{spec.id} with the user",
                               f"the externalLoop 'when' of '{spec.id}' fails"))
            if rounds is None:
                self.draft.assume(f"external:{spec.id}", f"the externalLoop of '{spec.id}' "
                                  f"repeats while its 'when' holds, at most "
                                  f"{DEFAULT_EXTERNAL_LOOP} times (maxIterations unset)",
                                  val_pos(inp, "externalLoop", where))
            # the round that ends the loop ends with the agent's answer
            return _Flow([spec.id])
        return _Flow([spec.id])

    def branch(self, kind: str, action: YMap, at: Pos, flow: _Flow,
               depth: int) -> _Flow | None:
        if kind == "If":
            branches = [listed(action.get("then", action.get("actions"))),
                        listed(action.get("else"))]
            conditions = [action.get("condition")]
            has_else = "else" in action
        else:
            branches = [listed(mapping(c).get("actions")) for c in
                        listed(action.get("conditions"))]
            conditions = [mapping(c).get("condition") for c in listed(action.get("conditions"))]
            if "elseActions" in action:
                branches.append(listed(action.get("elseActions")))
            has_else = "elseActions" in action
        if not any(self.makes_steps(b) for b in branches):
            for b in branches:  # variables only: no choice worth a step
                self.sequence(b, _Flow(list(flow.needs), list(flow.routers)), depth + 1)
            return flow
        router = self.step(action, at, flow, "router", f"agent-framework {kind}: the branch "
                           "whose condition holds")
        router.output_tokens = 0.0
        router.reads = [(s, at) for v in _refs(conditions) for s in self.vars.get(v, [])]
        after = _Flow()
        self.groups.append(router.names[0])
        for index, b in enumerate(branches):
            # a branch runs when its condition holds and the ones before it fail; the
            # else branch when they all fail
            self.guards.append((conditions[index:index + 1], conditions[:index]))
            after.merge(self.sequence(b, _Flow([], [router]), depth + 1))
            self.guards.pop()
        self.groups.pop()
        if not has_else:
            # no condition holds: the run goes straight on (a free step, so that what
            # follows is a join of the branches, not one more branch)
            skip = self.step(action, at, _Flow([], [router]), "aggregate", f"agent-framework "
                             f"{kind}: no condition holds", name=f"{router.names[0]}_none")
            skip.output_tokens = 0.0
            after.merge(_Flow([skip.id]))
        for branch_flow in list(after.routers):
            if branch_flow is router:  # an empty branch: the same straight-on step
                after.routers.remove(router)
                skip = self.step(action, at, _Flow([], [router]), "aggregate",
                                 f"agent-framework {kind}: a branch without steps",
                                 name=f"{router.names[0]}_empty")
                skip.output_tokens = 0.0
                after.merge(_Flow([skip.id]))
        return after if (after.needs or after.routers) else None

    def makes_steps(self, actions: list[Any]) -> bool:
        for item in actions:
            action = mapping(item)
            kind = action.get("kind")
            if kind in AGENT or kind in HUMAN or kind in TOOLS or kind in END or \
                    kind == "GotoAction":
                return True
            if any(self.makes_steps(listed(action.get(k))) for k in
                   ("actions", "elseActions", "then", "else")):
                return True
            if any(self.makes_steps(listed(mapping(c).get("actions")))
                   for c in listed(action.get("conditions"))):
                return True
        return False

    def goto(self, action: YMap, at: Pos, flow: _Flow) -> _Flow | None:
        target = action.get("actionId", action.get("target"))
        where = val_pos(action, "actionId", at)
        if not isinstance(target, str) or target not in self.ids:
            raise SpecError(self.file, *where, f"GotoAction names no action ('{target}')")
        if target not in self.at_action:  # forward: the run goes on at the target
            self.jumps.setdefault(target, _Flow()).merge(flow)
            return None
        first = self.at_action[target]
        last = len(self.draft.steps) - 1
        if first > last:
            return None
        bound = None
        for hold, fail in self.guards:
            for cond, holds in [(c, True) for c in hold] + [(c, False) for c in fail]:
                match = _COUNTER.match(str(cond or ""))
                if not match or match.group(1) not in self.counters:
                    continue
                op, k = match.group(2), int(match.group(3))
                if not holds:  # the jump runs while the condition fails
                    op = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
                if op in ("<", "<="):  # counting up to k
                    bound = k + (1 if op == "<=" else 0)
        names = [self.draft.steps[i].names[0] for i in range(first, last + 1)]
        if bound is None:
            actions = self.actions_run - self.action_no.get(target, 0)
            bound = max(1, self.limit // max(1, actions))
            self.draft.assume(f"goto:{target}", f"the jump back to '{target}' repeats "
                              f"{', '.join(names)}; only the runner's superstep limit "
                              f"(maxTurns {self.limit}) bounds it: about {bound} rounds, a "
                              "superstep per action written between",
                              where)
        # a jump inside a branch: the other branches leave the loop
        until = f"a condition of '{self.groups[0]}' leads out" if self.groups else None
        self.loops.append((first, last, bound, where, target, until))
        return None

    def foreach(self, action: YMap, at: Pos, flow: _Flow, depth: int) -> _Flow | None:
        spec = self.step(action, at, flow, "aggregate", "agent-framework Foreach: its "
                         "actions once per item")
        spec.size = "item"
        spec.reads = [(s, at) for v in _refs(action.get("source")) for s in
                      self.vars.get(v, [])]
        spec.items, spec.items_assumed, spec.items_concurrency = DEFAULT_ITERATION_ITEMS, \
            True, 1
        outer, self.container = self.container, spec.id
        after = self.sequence(listed(action.get("actions")), _Flow([spec.id]), depth + 1)
        self.container = outer
        return after if after is not None else _Flow([spec.id])

    def repeat(self, action: YMap, at: Pos, flow: _Flow, depth: int) -> _Flow | None:
        """``RepeatUntil``: its actions again until its condition holds; bounded like a
        jump back (a counter it adds to, else the superstep limit)."""
        first, before = len(self.draft.steps), self.actions_run
        after = self.sequence(listed(action.get("actions")), flow, depth + 1)
        last = len(self.draft.steps) - 1
        if last < first:
            return after
        cond = str(action.get("condition") or "")
        match = _COUNTER.match(cond)
        bound = None
        if match and match.group(1) in self.counters and match.group(2) in (">", ">="):
            bound = int(match.group(3)) + (1 if match.group(2) == ">" else 0)
        if bound is None:
            bound = max(1, self.limit // max(1, self.actions_run - before))
            self.draft.assume(f"repeat:{first}", f"RepeatUntil at line {at[0]}: only the "
                              f"runner's superstep limit (maxTurns {self.limit}) bounds it: "
                              f"about {bound} rounds", at)
        label = str(action.get("id") or "repeat")
        self.loops.append((first, last, bound, at, label, f"{cond} holds"))
        return after

    def make_loops(self) -> None:
        """The loops, merged where they overlap (a loop repeats a contiguous run of
        steps)."""
        spans = sorted(self.loops)
        merged: list[list[Any]] = []
        for first, last, bound, where, label, until in spans:
            if merged and first <= merged[-1][1]:
                top = merged[-1]
                top[1] = max(top[1], last)
                top[2] = None if top[2] is None or bound is None else max(top[2], bound)
                top[5] = top[5] or until
                continue
            merged.append([first, last, bound, where, label, until])
        for first, last, bound, where, label, until in merged:
            steps = [s.id for s in self.draft.steps[first:last + 1]]
            loop = LoopSpec(self.draft.new_id(f"{label}_loop", "loop"), where, steps, bound,
                            until=until, names=(label,))
            self.draft.loops.append(loop)
            self.words.loops[loop.id] = ([self.words.node.get(s, s) for s in steps], where)
            talking = [s for s in steps if s in self.on_conversation]
            if talking:
                self.draft.assume(f"grows:{loop.id}", f"{', '.join(talking)} add to a "
                                  "conversation every round, so later rounds read more; "
                                  "the estimate counts each round at the first round's "
                                  "size (a lower bound)", where)
