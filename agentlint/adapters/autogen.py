"""AutoGen teams: AgentChat (0.4+) component JSON or YAML, AutoGen Studio galleries, and
the older (0.2) AutoGen Studio workflow export.

What AutoGen does at run time, and how it is read (docs/formats.md says more):

- A team's task is the first message of its thread, and every participant receives
  every message: an agent's ``model_context`` (``UnboundedChatCompletionContext``
  unless set) holds the task and all earlier replies, so turn *k* reads the task and
  the *k − 1* messages before it. The chat is unrolled turn by turn up to its bound,
  one step per turn, each reading what its context holds:
  ``BufferedChatCompletionContext(buffer_size=b)`` the last *b* messages,
  ``HeadAndTailChatCompletionContext`` its head and tail.
- ``RoundRobinGroupChat``: the participants speak in the order listed.
  ``SelectorGroupChat``: before each turn the team's ``model_client`` is asked who
  speaks (a router step reading the thread; one call, re-asked up to
  ``max_selector_attempts`` times when the answer names no valid speaker); with
  ``allow_repeated_speaker`` false and two participants only the first turn needs it.
  ``Swarm``: the first participant speaks first, then whoever a handoff names (a free
  router, equal shares unless the profile says). ``GraphFlow``: the ready nodes speak
  together; a node with conditional edges hands on to one target (a free router),
  branches followed to the end of the graph or to the bound. A gallery of several
  teams, or a 0.2
  file with several workflows, is a router over them: one run uses one team.
- The bound is the smallest of ``max_turns`` and a ``MaxMessageTermination``
  (``max_messages`` counts the task: *m* messages are *m − 1* turns) reachable through
  ``|`` (``OrTerminationCondition``); under ``&`` (``AndTerminationCondition``) a bound
  holds only when every side has one. Without a bound the chat is a loop with no
  ``max_iterations``. A ``TextMentionTermination`` may stop the chat earlier; how much
  earlier no file says, so every turn up to the bound is counted (stated).
- ``UserProxyAgent`` is a person (a human step); a 0.2 ``userproxy`` that never asks a
  person runs code (a tool step). A model client's ``config.model`` (or an Azure
  ``azure_deployment``; in 0.2 ``llm_config.config_list[0].model``) is the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.autogen_words import AutoGenWording
from agentlint.adapters.common import at_of, figure, key_pos, listed, mapping, val_pos
from agentlint.adapters.ir import (
    DEFAULT_HUMAN_WAIT_S,
    DEFAULT_TOOL_LOOP_CALLS,
    LoopSpec,
    Pos,
    StepSpec,
)
from agentlint.adapters.lower import Draft
from agentlint.errors import SpecError
from agentlint.spec.digraph import depth_first
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.yamlload import load_text

#: the most turns a chat is unrolled into (each turn reads every earlier one)
MAX_TURNS = 200
#: teams read from one gallery file
MAX_TEAMS = 100
#: what a selector writes: the name of the next speaker
SELECTOR_TOKENS = 10.0
#: AgentChat's default for SelectorGroupChat.max_selector_attempts
DEFAULT_SELECTOR_ATTEMPTS = 3

_SUFFIXES = (".json", ".yaml", ".yml")
_TEAM = re.compile(r"""provider["']?\s*:\s*["']?autogen_agentchat\.teams\.""")
_V02 = re.compile(r"""["']?speaker_selection_method["']?\s*:""")

TEAM_KINDS = {"RoundRobinGroupChat": "round_robin", "SelectorGroupChat": "selector",
              "Swarm": "swarm", "MagenticOneGroupChat": "selector", "GraphFlow": "graph"}
#: the most steps a GraphFlow's branches unroll into
MAX_GRAPH_STEPS = 5000
V02_SELECTION = {"auto": "selector", "round_robin": "round_robin", "random": "random",
                 "manual": "manual"}


class AutoGenAdapter:
    name = "autogen"

    def sniff(self, path: str, text: str) -> bool:
        if not path.lower().endswith(_SUFFIXES):
            return False
        if "component_type" in text and _TEAM.search(text) is not None:
            return True
        return "max_round" in text and "groupchat" in text and "llm_config" in text \
            and _V02.search(text) is not None

    def load(self, path: str, text: str, display: str, root: str) -> Workflow:
        return _Reader(path, text, display, root).read()


@dataclass(slots=True)
class _Member:
    name: str
    at: Pos
    cls: str
    kind: str = "llm"  # llm | human | tool
    model: str | None = None
    model_at: Pos = (1, 1)
    system: str = ""
    system_at: Pos = (1, 1)
    tools: list[str] = field(default_factory=list)
    handoffs: list[str] = field(default_factory=list)
    buffer: int | None = None
    context_at: Pos = (1, 1)
    cap: float | None = None
    inner: bool = False  # a SocietyOfMindAgent: its inner team is not counted


@dataclass(slots=True)
class _Chat:
    label: str
    at: Pos
    cls: str
    kind: str  # round_robin | selector | swarm | random | manual
    members: list[_Member]
    turns: int | None = None
    bound_at: Pos = (1, 1)
    bound_how: str = ""
    stops: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    term_at: Pos = (1, 1)
    selector: str | None = None
    selector_at: Pos = (1, 1)
    selector_prompt: str = ""
    #: the selector's own model_context: the last messages it reads (None: all)
    selector_buffer: int | None = None
    repeat: bool = False
    attempts: int = DEFAULT_SELECTOR_ATTEMPTS
    version: str = "0.4"
    #: GraphFlow: node -> its edges (target, condition or None, where), the start nodes
    edges: dict[str, list[tuple[str, str | None, Pos]]] = field(default_factory=dict)
    start: list[str] = field(default_factory=list)
    cyclic: bool = False


def _name(raw: Any) -> str:
    return raw.strip() if isinstance(raw, str) else ""


def _text(raw: Any) -> str:
    """Text from the file, with ``{{`` made harmless (it is no agentlint reference)."""
    return raw.replace("{{", "{ {") if isinstance(raw, str) else ""


def _short(provider: Any) -> str:
    return str(provider).rsplit(".", 1)[-1] if isinstance(provider, str) else ""


class _Reader:
    def __init__(self, path: str, text: str, display: str, root: str) -> None:
        self.draft = Draft("autogen", path, display, text, root)
        self.file = display
        self.text = text
        self.words = AutoGenWording(display)
        #: step id -> who takes the turn it stands for (an agent, or a team's selector)
        self.turn_of: dict[str, str] = {}
        #: chat label -> the routers after its graph nodes with conditional edges
        self.graph_routers: dict[str, list[str]] = {}
        #: chat label -> its speaker-selection steps
        self.routers: dict[str, list[str]] = {}

    # -- the file ----------------------------------------------------------------------

    def read(self) -> Workflow:
        doc = load_text(self.text, self.file)
        if not isinstance(doc, YMap):
            raise SpecError(self.file, *at_of(doc), "an AutoGen team must be a JSON or YAML "
                            "mapping")
        teams = self.teams(doc)
        if not teams:
            raise SpecError(self.file, *at_of(doc), "no AutoGen team found: a team is a "
                            "component with provider autogen_agentchat.teams.* (or a 0.2 "
                            "workflow with a groupchat)")
        chats = [self.chat(raw) for raw in teams]
        self.draft.name = chats[0].label if len(chats) == 1 else \
            _name(doc.get("name")) or None
        start: StepSpec | None = None
        if len(chats) > 1:
            start = StepSpec(self.draft.new_id("team", "team"), at_of(doc), kind="router",
                             output_tokens=0.0, origin="autogen gallery: the team a run uses")
            self.draft.steps.append(start)
            self.draft.assume("gallery", f"this file holds {len(chats)} teams; one run is "
                              "assumed to use one of them, each as often (give route "
                              "shares in agentlint.profile.yaml)", at_of(doc))
        for chat in chats:
            first = self.unroll(chat, prefix=len(chats) > 1)
            if start is not None and first is not None:
                start.routes.append((first, chat.at))
        wf = self.draft.finish()
        wf.extra["wording"] = self.words
        wf.extra["turns"] = dict(self.turn_of)
        self.one_share_note(wf, start)
        return wf

    def one_share_note(self, wf: Workflow, start: StepSpec | None) -> None:
        """One note per chat for the speakers it picks, not one per turn."""
        drop = {f"assumption:shares:{start.id}"} if start is not None else set()
        said: dict[str, str] = {}
        for label, ids in self.routers.items():
            keys = [f"assumption:shares:{i}" for i in ids]
            said[keys[0]] = (f"the speaker of each of the {len(ids)} turns of '{label}' that "
                             "the team chooses is assumed to be any participant, each as "
                             "often (who speaks is decided at run time); give a share per "
                             "step in agentlint.profile.yaml")
            drop.update(keys[1:])
        for label, ids in self.graph_routers.items():
            keys = [f"assumption:shares:{i}" for i in ids]
            said[keys[0]] = (f"where a node of '{label}' has conditional edges, exactly one "
                             "condition is assumed to hold, each as often, at each of the "
                             f"{len(ids)} places the unrolled graph reaches such a node; "
                             "give a share per step in agentlint.profile.yaml")
            drop.update(keys[1:])
        wf.assumptions = [(said.get(key, message), at, key)
                          for message, at, key in wf.assumptions if key not in drop]

    def teams(self, doc: YMap) -> list[YMap]:
        """The team mappings of the file: one team, a gallery's teams, 0.2 workflows."""
        if isinstance(doc.get("provider"), str) or "groupchat_config" in mapping(
                doc.get("receiver")) or isinstance(doc.get("agents"), list):
            return [doc]
        found: list[YMap] = []
        components = mapping(doc.get("components"))
        for item in listed(components.get("teams")):
            if isinstance(item, YMap):
                found.append(item)
        for item in listed(doc.get("workflows")):
            if isinstance(item, YMap):
                found.append(item)
        if len(found) > MAX_TEAMS:
            raise SpecError(self.file, *at_of(doc), f"more than {MAX_TEAMS} teams in one "
                            "file")
        return found

    def chat(self, raw: YMap) -> _Chat:
        if isinstance(raw.get("provider"), str):
            return self.chat04(raw)
        return self.chat02(raw)

    # -- AgentChat 0.4+ ----------------------------------------------------------------

    def chat04(self, raw: YMap) -> _Chat:
        cls = _short(raw.get("provider"))
        at = raw.value_at("provider")
        if str(raw.get("provider")).startswith("autogen_agentchat.teams.") is False:
            raise SpecError(self.file, *at, f"provider '{raw.get('provider')}' is no AutoGen "
                            "team (autogen_agentchat.teams.*)")
        kind = TEAM_KINDS.get(cls)
        if kind is None:
            raise SpecError(self.file, *at, f"team '{cls}' is not read: agentlint reads "
                            "RoundRobinGroupChat, SelectorGroupChat, Swarm and "
                            "MagenticOneGroupChat teams (convert others to a native spec)")
        config = raw.get("config")
        if not isinstance(config, YMap):
            raise SpecError(self.file, *val_pos(raw, "config", at), "a team component needs "
                            "a config mapping")
        label = _name(raw.get("label")) or cls
        members = self.members04(config, at)
        chat = _Chat(label, at, cls, kind, members)
        chat.term_at = key_pos(config, "termination_condition", at)
        self.termination(config.get("termination_condition"), chat, chat.term_at)
        turns = self.count(config, "max_turns", at)
        if turns is not None:
            self.bound(chat, turns, val_pos(config, "max_turns", at), f"max_turns={turns:g}")
        if kind == "graph":
            self.graph(config, chat, at)
        if cls == "MagenticOneGroupChat":
            self.draft.assume(f"magentic:{label}", f"'{label}' (MagenticOneGroupChat) is read "
                              "as a selector: one orchestrator call per turn; its "
                              "orchestrator also writes a plan at the start and a progress "
                              "ledger every turn, so its cost is a lower bound", at)
        if kind == "selector":
            client = config.get("model_client")
            name, where = self.model_of(client, key_pos(config, "model_client", at))
            chat.selector, chat.selector_at = name, where
            chat.selector_prompt = _text(config.get("selector_prompt"))
            chat.repeat = config.get("allow_repeated_speaker") is True
            attempts = figure(config, "max_selector_attempts", self.file, "retries", at)
            if attempts is not None and attempts >= 1:
                chat.attempts = int(attempts)
            self.words.selector[label] = (where, "model_client")
            context = mapping(config.get("model_context"))
            if _short(context.get("provider")) == "BufferedChatCompletionContext":
                size = figure(mapping(context.get("config")), "buffer_size", self.file,
                              "max_iterations", key_pos(config, "model_context", at))
                chat.selector_buffer = int(size) if size is not None and size >= 1 else None
        self.words.team_at[label] = at
        self.words.term_at[label] = chat.term_at if "termination_condition" in config \
            else key_pos(raw, "config", at)
        return chat

    def graph(self, config: YMap, chat: _Chat, at: Pos) -> None:
        """A GraphFlow's DiGraph: its nodes' edges, start nodes, and whether it cycles."""
        graph = mapping(config.get("graph"))
        nodes = graph.get("nodes")
        where = key_pos(config, "graph", at)
        if not isinstance(nodes, YMap) or not nodes:
            raise SpecError(self.file, *where, "a GraphFlow needs graph.nodes (a mapping of "
                            "node names)")
        names = {m.name for m in chat.members}
        for name, node in nodes.items():
            here = nodes.key_at(name)
            if str(name) not in names:
                raise SpecError(self.file, *here, f"graph node '{name}' is no participant")
            edges: list[tuple[str, str | None, Pos]] = []
            raw_edges = mapping(node).get("edges")
            for index, edge in enumerate(listed(raw_edges)):
                e = mapping(edge)
                target = str(e.get("target") or "")
                e_at = val_pos(e, "target", val_pos(raw_edges, index, here))
                if target not in nodes:
                    raise SpecError(self.file, *e_at, f"edge target '{target}' is no node of "
                                    "the graph")
                cond = e.get("condition")
                edges.append((target, str(cond) if cond is not None else None, e_at))
            conditional = [c for _, c, _ in edges if c is not None]
            if conditional and len(conditional) < len(edges):
                raise SpecError(self.file, *here, f"Node '{name}' has a mix of conditional "
                                "and unconditional edges.")
            chat.edges[str(name)] = edges
        start = graph.get("default_start_node")
        if isinstance(start, str) and start:
            if start not in chat.edges:
                raise SpecError(self.file, *val_pos(graph, "default_start_node", where),
                                f"default_start_node '{start}' is no node of the graph")
            chat.start = [start]
        else:
            targets = {t for edges in chat.edges.values() for t, _, _ in edges}
            chat.start = [n for n in chat.edges if n not in targets]
        chat.cyclic = self.cycles(chat.edges)
        if not chat.start:
            raise SpecError(self.file, *where, "the graph has no start node (every node has "
                            "a parent); set default_start_node")

    @staticmethod
    def cycles(edges: dict[str, list[tuple[str, str | None, Pos]]]) -> bool:
        """Whether the graph has a cycle (a depth-first search finds an edge back)."""
        _, back = depth_first(edges, {n: [t for t, _, _ in e] for n, e in edges.items()})
        return bool(back)

    def members04(self, config: YMap, at: Pos) -> list[_Member]:
        members: list[_Member] = []
        raw_list = config.get("participants")
        if not isinstance(raw_list, list) or not raw_list:
            raise SpecError(self.file, *val_pos(config, "participants", at), "a team needs "
                            "a list of participants")
        seen: set[str] = set()
        for index, item in enumerate(raw_list):
            where = val_pos(config["participants"], index, at) if isinstance(
                config["participants"], list) else at
            part = mapping(item)
            pconf = mapping(part.get("config"))
            cls = _short(part.get("provider")) or "agent"
            kept: int | None = None
            if cls == "MessageFilterAgent":
                # the wrapped agent sees only the messages its filter keeps
                counts: list[int] = []
                for entry in listed(mapping(pconf.get("filter")).get("per_source")):
                    c = mapping(entry).get("count")
                    counts.append(c if isinstance(c, int) and not isinstance(c, bool) and
                                  c > 0 else 0)
                if counts and all(counts):
                    kept = sum(counts)
                inner = mapping(pconf.get("wrapped_agent"))
                name_of = _name(pconf.get("name")) or _name(mapping(inner.get("config"))
                                                           .get("name"))
                part = inner
                pconf = mapping(inner.get("config"))
                cls = _short(inner.get("provider")) or "agent"
                if name_of and not _name(pconf.get("name")):
                    raise SpecError(self.file, *where, "a participant needs config.name")
            name = _name(pconf.get("name"))
            if not name:
                raise SpecError(self.file, *where, "a participant needs config.name")
            if name in seen:
                raise SpecError(self.file, *val_pos(pconf, "name", where), f"participant "
                                f"name '{name}' is used twice (AutoGen requires unique names)")
            seen.add(name)
            member = _Member(name, val_pos(pconf, "name", where), cls)
            if cls == "UserProxyAgent":
                member.kind = "human"
            elif cls == "CodeExecutorAgent" and "model_client" not in pconf:
                member.kind = "tool"
                member.tools = ["code_executor"]
            else:
                member.model, member.model_at = self.model_of(
                    pconf.get("model_client"), key_pos(pconf, "model_client", member.at))
                member.system = _text(pconf.get("system_message"))
                member.system_at = val_pos(pconf, "system_message", member.at)
                member.tools = self.tools04(pconf)
                member.handoffs = [h if isinstance(h, str) else _name(mapping(h).get("target"))
                                   for h in listed(pconf.get("handoffs"))]
                member.handoffs = [h for h in member.handoffs if h]
                context = mapping(pconf.get("model_context"))
                member.context_at = key_pos(pconf, "model_context", member.at)
                ctx_cls = _short(context.get("provider"))
                cconf = mapping(context.get("config"))
                if ctx_cls == "BufferedChatCompletionContext":
                    size = figure(cconf, "buffer_size", self.file, "max_iterations",
                                  member.context_at)
                    member.buffer = int(size) if size is not None and size >= 1 else None
                elif ctx_cls == "HeadAndTailChatCompletionContext":
                    head = figure(cconf, "head_size", self.file, "max_iterations",
                                  member.context_at) or 0
                    tail = figure(cconf, "tail_size", self.file, "max_iterations",
                                  member.context_at) or 0
                    member.buffer = int(head + tail) if head + tail >= 1 else None
                elif ctx_cls == "TokenLimitedChatCompletionContext":
                    self.draft.assume(f"token-limit:{name}", f"'{name}' keeps its context "
                                      "under a token limit; read as the whole transcript, "
                                      "so its input is an upper bound", member.context_at)
                if kept is not None:
                    member.buffer = kept if member.buffer is None else min(kept, member.buffer)
                member.inner = cls == "SocietyOfMindAgent"
                if member.inner:
                    self.draft.assume(f"inner:{name}", f"'{name}' (SocietyOfMindAgent) runs "
                                      "an inner team of its own; only its final answer call "
                                      "is counted, so its cost is low by the inner team's "
                                      "turns (read the inner team as a file of its own)",
                                      member.at)
                cap = figure(mapping(mapping(pconf.get("model_client")).get("config")),
                             "max_tokens", self.file, "max_tokens", member.at)
                member.cap = cap if cap is not None and cap > 0 else None
            self.words.agent_at[name] = member.at
            self.words.model_at[name] = member.model_at
            self.words.context_at[name] = member.context_at
            members.append(member)
        return members

    def tools04(self, pconf: YMap) -> list[str]:
        names: list[str] = []
        for tool in listed(pconf.get("tools")):
            names.append(_name(mapping(mapping(tool).get("config")).get("name")) or
                         _short(mapping(tool).get("provider")) or "tool")
        for bench in listed(pconf.get("workbench")) if isinstance(
                pconf.get("workbench"), list) else [pconf.get("workbench")]:
            bconf = mapping(mapping(bench).get("config"))
            inner = listed(bconf.get("tools"))
            for tool in inner:
                names.append(_name(mapping(mapping(tool).get("config")).get("name")) or "tool")
            if not inner and isinstance(bench, dict) and \
                    _short(bench.get("provider")) == "McpWorkbench":
                names.append("mcp")
        return [n for n in names if n]

    def model_of(self, client: Any, at: Pos) -> tuple[str | None, Pos]:
        conf = mapping(mapping(client).get("config"))
        for key in ("model", "azure_deployment"):
            value = conf.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip(), val_pos(conf, key, at)
        return None, at

    def termination(self, raw: Any, chat: _Chat, at: Pos) -> None:
        """Read a termination condition into ``chat``: its bound and its early stops."""
        bound, texts, others = self.condition(raw, at, 0)
        if bound is not None:
            self.bound(chat, bound[0] - 1, bound[1], f"MaxMessageTermination(max_messages="
                       f"{bound[0]:g})")
        chat.stops += texts
        chat.others += others

    def condition(self, raw: Any, at: Pos, depth: int
                  ) -> tuple[tuple[float, Pos] | None, list[str], list[str]]:
        if raw is None:
            return None, [], []
        if depth > 32:
            raise SpecError(self.file, *at, "termination conditions nested deeper than 32 "
                            "levels")
        cond = mapping(raw)
        cls = _short(cond.get("provider"))
        conf = mapping(cond.get("config"))
        here = at_of(cond, at)
        if cls == "MaxMessageTermination":
            value = self.count(conf, "max_messages", here)
            if value is None:
                return None, [], [cls]
            return (value, val_pos(conf, "max_messages", here)), [], []
        if cls in ("TextMentionTermination", "TextMessageTermination"):
            text = conf.get("text") if cls == "TextMentionTermination" else conf.get("source")
            return None, [str(text) if text is not None else cls], []
        if cls in ("OrTerminationCondition", "AndTerminationCondition"):
            parts = [self.condition(item, val_pos(conf.get("conditions"), i, here), depth + 1)
                     for i, item in enumerate(listed(conf.get("conditions")))]
            bounds = [p[0] for p in parts if p[0] is not None]
            texts = [t for p in parts for t in p[1]]
            others = [o for p in parts for o in p[2]]
            if cls == "OrTerminationCondition":
                return (min(bounds, key=lambda b: b[0]) if bounds else None), texts, others
            if bounds and len(bounds) == len(parts):
                return max(bounds, key=lambda b: b[0]), [], []
            # & stops only when every side is met: a side that may never be met unbinds it
            return None, texts, others + (["AndTerminationCondition"] if bounds else [])
        return None, [], [cls or "termination"]

    def count(self, raw: YMap, key: str, at: Pos) -> float | None:
        """A whole number AutoGen requires at ``raw[key]`` (None when absent or null)."""
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not value.is_integer()):
            raise SpecError(self.file, *val_pos(raw, key, at), f"{key} must be a whole "
                            f"number, not {str(value)[:40]!r}")
        return figure(raw, key, self.file, "max_iterations", at)

    def bound(self, chat: _Chat, turns: float, at: Pos, how: str) -> None:
        count = int(turns)
        if count > MAX_TURNS:
            raise SpecError(self.file, *at, f"{how} allows {count} turns; agentlint unrolls a "
                            f"chat turn by turn and reads at most {MAX_TURNS}")
        if chat.turns is None or count < chat.turns:
            chat.turns, chat.bound_at, chat.bound_how = count, at, how

    # -- the 0.2 AutoGen Studio export ---------------------------------------------------

    def chat02(self, raw: YMap) -> _Chat:
        at = raw.key_at("name") if "name" in raw else raw.at()
        label = _name(raw.get("name")) or "groupchat"
        receiver = mapping(raw.get("receiver"))
        manager: YMap | None = None
        if "groupchat_config" in receiver:
            manager = receiver
            settings = mapping(receiver.get("groupchat_config"))
            agents = listed(settings.get("agents"))
            llm = mapping(mapping(receiver.get("config")).get("llm_config"))
            mconf = mapping(receiver.get("config"))
        else:
            for entry in listed(raw.get("agents")):
                agent = mapping(mapping(entry).get("agent"))
                if agent.get("type") == "groupchat":
                    manager = agent
                    break
            if manager is None:
                raise SpecError(self.file, *at, "a 0.2 workflow without a groupchat agent is "
                                "not read (two-agent chats are not a team)")
            mconf = mapping(manager.get("config"))
            settings = mconf
            agents = listed(manager.get("agents"))
            llm = mapping(mconf.get("llm_config"))
        method = str(settings.get("speaker_selection_method") or "auto")
        kind = V02_SELECTION.get(method, "selector")
        where = val_pos(settings, "speaker_selection_method", at)
        members = [self.member02(mapping(agent), val_pos(settings, "agents", at))
                   for agent in agents]
        if not members:
            raise SpecError(self.file, *val_pos(settings, "agents", at), "a groupchat needs "
                            "agents")
        chat = _Chat(label, at, "GroupChat", kind, members, version="0.2")
        rounds = self.count(settings, "max_round", at)
        if rounds is not None:
            self.bound(chat, rounds - 1, val_pos(settings, "max_round", at),
                       f"max_round={rounds:g}")
        else:
            # GroupChat's own default
            self.bound(chat, 9, at, "max_round=10 (GroupChat's default)")
        chat.repeat = settings.get("allow_repeat_speaker") is not False
        if kind == "selector":
            chat.selector, chat.selector_at = self.model02(llm, manager, where)
            self.words.selector[label] = (chat.selector_at, "llm_config")
        chat.term_at = where
        self.words.team_at[label] = at
        self.words.term_at[label] = val_pos(settings, "max_round", at)
        self.words.v02 = True
        return chat

    def model02(self, llm: YMap, agent: YMap | None, at: Pos) -> tuple[str | None, Pos]:
        # the first entry of the llm_config's config_list, else of the agent's models
        for listing in (llm.get("config_list"),
                        agent.get("models") if agent is not None else None):
            configs = listed(listing)
            if configs:
                first = mapping(configs[0])
                value = first.get("model")
                if isinstance(value, str) and value.strip():
                    return value.strip(), val_pos(first, "model", at)
        return None, at

    def member02(self, agent: YMap, at: Pos) -> _Member:
        conf = mapping(agent.get("config"))
        here = at_of(agent, at)
        name = _name(conf.get("name"))
        if not name:
            raise SpecError(self.file, *here, "an agent needs config.name")
        member = _Member(name, val_pos(conf, "name", here), str(agent.get("type") or "agent"))
        llm = conf.get("llm_config")
        human = str(conf.get("human_input_mode") or "NEVER")
        if agent.get("type") == "userproxy" or not llm:
            if human == "ALWAYS":
                member.kind = "human"
            else:
                member.kind = "tool"
                member.tools = ["code_execution"]
        else:
            member.model, member.model_at = self.model02(mapping(llm), agent, member.at)
            member.system = _text(conf.get("system_message"))
            member.system_at = val_pos(conf, "system_message", member.at)
            member.tools = [_name(mapping(s).get("name")) or "skill"
                            for s in listed(agent.get("skills"))]
            cap = figure(mapping(llm), "max_tokens", self.file, "max_tokens", member.at)
            member.cap = cap if cap is not None and cap > 0 else None
        self.words.agent_at[name] = member.at
        self.words.model_at[name] = member.model_at
        self.words.context_at[name] = member.at
        return member

    # -- the steps -----------------------------------------------------------------------

    def unroll(self, chat: _Chat, prefix: bool) -> str | None:
        """Add the chat's turns as steps; returns the id of its first step."""
        draft = self.draft
        task = draft.input("task", chat.at, untrusted=True)
        tag = f"{chat.label}: " if prefix else ""
        self.words.version[chat.label] = chat.version
        first_index = len(draft.steps)
        if chat.stops:
            said = ", ".join(f"'{t}'" for t in dict.fromkeys(chat.stops))
            draft.assume(f"stop:{chat.label}", f"{tag}the chat also stops when a message "
                         f"mentions {said} (TextMentionTermination); how early no file says, "
                         "so every turn up to the bound is counted: the estimate is the "
                         "most the chat runs", chat.term_at)
        if chat.others:
            draft.assume(f"others:{chat.label}", f"{tag}termination "
                         f"{', '.join(dict.fromkeys(chat.others))} does not bound the number "
                         "of turns and is not counted", chat.term_at)
        if chat.kind == "graph":
            return self.unroll_graph(chat, task, tag, first_index)
        bounded = chat.turns is not None
        turns = chat.turns if chat.turns is not None else max(1, len(chat.members))
        if bounded and turns < 1:
            raise SpecError(self.file, *chat.bound_at, f"{chat.bound_how} ends the chat at the "
                            "task, before any agent speaks")
        thread: list[str] = []  # the step whose output is each message, in order
        last_speaker: str | None = None
        for k in range(1, turns + 1):
            message = self.turn(chat, k, thread, task, tag, last_speaker)
            thread.append(message)
            last_speaker = message
        ids = [s.id for s in draft.steps[first_index:]]
        self._mark_last_turns(draft, first_index)
        if not bounded:
            draft.loops.append(LoopSpec(draft.new_id(f"{chat.label}_chat", "chat"),
                                        chat.term_at, ids, None,
                                        until=("a message mentions " + ", ".join(
                                            f"'{t}'" for t in chat.stops)) if chat.stops
                                        else None, names=(chat.label,)))
            self.words.loops[draft.loops[-1].id] = chat.label
            draft.assume(f"round:{chat.label}", f"{tag}the chat has no bound, so one round "
                         "of its participants is read as a loop; the transcript grows every "
                         "round, which the loop's repeated sizes leave out", chat.term_at)
        return ids[0] if ids else None

    def unroll_graph(self, chat: _Chat, task: str, tag: str, first_index: int) -> str | None:
        """A GraphFlow, run as its manager runs it: the ready nodes speak together, each
        reading the thread; an unconditional edge readies its target, a node whose edges
        are conditional hands on to one of their targets (a free router). Branches are
        followed to the end of the graph or to the bound; a cycle without a bound is read
        once round, as a loop."""
        draft = self.draft
        by_name = {m.name: m for m in chat.members}
        bound = chat.turns
        if bound is None and chat.cyclic:
            bound = len(chat.edges)
        if bound is not None and bound < 1:
            raise SpecError(self.file, *chat.bound_at, f"{chat.bound_how} ends the chat at the "
                            "task, before any agent speaks")
        # (ready nodes, the thread so far, messages left, the router a branch starts at)
        work: list[tuple[list[str], list[str], int | None, StepSpec | None]] = [
            (list(chat.start), [], bound, None)]
        counter = 0
        while work:
            ready, thread, left, router = work.pop()
            if not ready or (left is not None and left <= 0):
                continue
            counter += 1
            if len(draft.steps) - first_index > MAX_GRAPH_STEPS:
                raise SpecError(self.file, *chat.at, f"GraphFlow '{chat.label}' unrolls into "
                                f"more than {MAX_GRAPH_STEPS} steps; convert it to a native "
                                "spec")
            said = [self.speak(chat, by_name[n], len(thread) + 1, thread, task, tag,
                               router if i == 0 else None) for i, n in enumerate(ready)]
            thread = thread + said
            left = None if left is None else left - len(said)
            follow: list[str] = []
            choices: list[tuple[str, str]] = []  # (speaker's step, node) with conditions
            for node, step in zip(ready, said, strict=True):
                for target, cond, _ in chat.edges.get(node, []):
                    if cond is None:
                        if target not in follow:
                            follow.append(target)
                    else:
                        choices.append((step, node))
                        break
            if not choices:
                work.append((follow, thread, left, None))
                continue
            if left is not None and left <= 0:
                continue  # the bound stops the chat before the next speaker
            step, node = choices[0]
            if len(choices) > 1:
                draft.assume(f"graph-choices:{chat.label}", f"{tag}several nodes with "
                             "conditional edges speak together; only the first one's choice "
                             "is followed", chat.at)
            choose = StepSpec(draft.new_id(f"{chat.label}_after_{node}", "route"),
                              by_name[node].at, kind="router", output_tokens=0.0,
                              names=(f"{node} edges",),
                              origin=f"autogen GraphFlow '{chat.label}': the condition that "
                              f"holds on the message of '{node}'")
            choose.needs = [(step, by_name[node].at)]
            draft.steps.append(choose)
            self.graph_routers.setdefault(chat.label, []).append(choose.id)
            targets = list(dict.fromkeys(t for t, c, _ in chat.edges[node] if c is not None))
            for target in reversed(targets):
                work.append(([target, *[f for f in follow if f != target]], thread, left,
                             choose))
        if counter == 0:
            return None
        ids = [s.id for s in draft.steps[first_index:]]
        self._mark_last_turns(draft, first_index)
        if chat.turns is None and chat.cyclic:
            draft.loops.append(LoopSpec(draft.new_id(f"{chat.label}_chat", "chat"),
                                        chat.term_at, ids, None, until=(
                                            "a message mentions " + ", ".join(
                                                f"'{t}'" for t in chat.stops))
                                        if chat.stops else None, names=(chat.label,)))
            self.words.loops[draft.loops[-1].id] = chat.label
            draft.assume(f"round:{chat.label}", f"{tag}the graph cycles and nothing bounds "
                         "it, so one pass over its nodes is read as a loop", chat.term_at)
        return ids[0] if ids else None

    def _mark_last_turns(self, draft: Draft, first_index: int) -> None:
        """Each agent's last turn reads the most: the one place the growing transcript is
        reported (implicit-context), with the fix on the agent's ``model_context``."""
        last: dict[str, StepSpec] = {}
        for spec in draft.steps[first_index:]:
            if spec.kind == "llm" and spec.context and spec.id in self.words.step_agent:
                last[self.words.step_agent[spec.id]] = spec
        for spec in last.values():
            spec.implicit_context = True

    def turn(self, chat: _Chat, k: int, thread: list[str], task: str, tag: str,
             previous: str | None) -> str:
        """Turn ``k``: who speaks and the message they write; returns the message's step."""
        members = chat.members
        if chat.kind == "round_robin" or len(members) == 1:
            return self.speak(chat, members[(k - 1) % len(members)], k, thread, task, tag,
                              None)
        if chat.kind == "swarm":
            # the first participant speaks until a handoff names another: at turn k, any
            # agent within k - 1 handoffs of the first
            members = swarm_reach(members, k)
            if len(members) == 1:
                return self.speak(chat, members[0], k, thread, task, tag, None)
        draft = self.draft
        choose = StepSpec(draft.new_id(f"{chat.label}_select_{k}", "select"), chat.at,
                          kind="router", names=(f"{chat.label} selector",),
                          origin=f"autogen {chat.cls} '{chat.label}' speaker selection, "
                          f"turn {k}")
        choose.needs = [(previous, chat.at)] if previous else []
        asks = chat.kind == "selector" and (k == 1 or chat.repeat or len(members) > 2)
        if asks:
            choose.model = draft.model(chat.selector, chat.selector_at, default_reason=f"the "
                                       f"selector of '{chat.label}' names no model_client")
            choose.pos["model"] = chat.selector_at
            choose.system = chat.selector_prompt or None
            choose.prompt = "{{ inputs." + task + " }}"
            keep = thread if chat.selector_buffer is None or len(thread) < \
                chat.selector_buffer else thread[len(thread) - chat.selector_buffer:]
            if len(keep) < len(thread):
                choose.prompt = None  # the task has left the selector's buffer
            choose.context = [(s, chat.at) for s in keep]
            choose.output_tokens = SELECTOR_TOKENS
            if chat.attempts > 1:
                choose.retries = chat.attempts - 1
            choose.origin += " (a model call)"
            draft.assume(f"selector:{chat.label}", f"{tag}the selector's answer (a name) "
                         f"assumed {SELECTOR_TOKENS:g} tokens", chat.selector_at)
        elif chat.kind == "manual":
            choose.kind = "human"
            choose.per_call_s, choose.wait_assumed = DEFAULT_HUMAN_WAIT_S, True
            choose.output_tokens = SELECTOR_TOKENS
        else:
            choose.output_tokens = 0.0
        draft.steps.append(choose)
        if choose.model is not None:
            self.turn_of[choose.id] = f"{chat.label} selector"
        self.routers.setdefault(chat.label, []).append(choose.id)
        said: list[str] = []
        for member in members:
            said.append(self.speak(chat, member, k, thread, task, tag, choose))
        join = StepSpec(draft.new_id(f"{chat.label}_turn_{k}", "turn"), chat.at,
                        kind="aggregate", size="max", names=(f"{chat.label} turn",),
                        origin=f"autogen {chat.cls} '{chat.label}' message of turn {k}")
        join.context = [(s, chat.at) for s in said]
        draft.steps.append(join)
        return join.id

    def speak(self, chat: _Chat, member: _Member, k: int, thread: list[str], task: str,
              tag: str, router: StepSpec | None) -> str:
        draft = self.draft
        spec = StepSpec(draft.new_id(f"{member.name}_{k}", "turn"), member.at,
                        origin=f"autogen {member.cls} '{member.name}' turn {k}",
                        names=(member.name,))
        spec.pos["id"] = member.at
        if router is not None:
            router.routes.append((spec.id, member.at))
        # what the agent's model context holds: the task and every earlier message, or
        # the last ``buffer`` of them
        seen = k  # the task and the k - 1 messages before this turn
        keep = seen if member.buffer is None else min(seen, member.buffer)
        earlier = thread[len(thread) - (keep - 1):] if keep - 1 > 0 else []
        if keep < seen:
            earlier = thread[len(thread) - keep:]
        task_seen = keep == seen
        if member.kind == "human":
            spec.kind = "human"
            spec.per_call_s, spec.wait_assumed = DEFAULT_HUMAN_WAIT_S, True
            spec.needs = [(thread[-1], member.at)] if thread else []
            if router is not None:
                spec.needs.append((router.id, member.at))
            draft.steps.append(spec)
            return spec.id
        if member.kind == "tool":
            spec.kind = "tool"
            spec.tool = draft.tool(member.tools[0] if member.tools else member.name, member.at)
            spec.reads = [(thread[-1], member.at)] if thread else []
            if not thread:
                spec.prompt = "{{ inputs." + task + " }}"
            draft.steps.append(spec)
            return spec.id
        spec.model = draft.model(member.model, member.model_at, default_reason=f"agent "
                                 f"'{member.name}' names no model_client")
        spec.pos["model"] = member.model_at
        spec.system = member.system or None
        spec.pos["system"] = member.system_at
        spec.prompt = "{{ inputs." + task + " }}" if task_seen else None
        spec.context = [(s, member.at) for s in earlier]
        spec.output_cap = member.cap
        if member.tools or member.handoffs:
            spec.calls, spec.calls_assumed = DEFAULT_TOOL_LOOP_CALLS, bool(member.tools)
            if not member.tools:
                spec.calls, spec.calls_assumed = 1, False
            draft.agents.setdefault(spec.id, {"at": member.at, "model": spec.model,
                                              "tools": [draft.tool(t, member.at) for t in
                                                        member.tools + [
                                                            f"transfer_to_{h}" for h in
                                                            member.handoffs]]})
            spec.agent = spec.id
        if member.inner:
            spec.origin += " (its inner team not counted)"
        draft.steps.append(spec)
        self.turn_of[spec.id] = member.name
        self.words.step_agent[spec.id] = member.name
        self.words.step_team[spec.id] = chat.label
        return spec.id


def swarm_reach(members: list[_Member], k: int) -> list[_Member]:
    """The participants a Swarm's turn ``k`` may go to, in the order listed."""
    by_name = {m.name: m for m in members}
    reach = {members[0].name}
    for _ in range(k - 1):
        more = {h for name in reach for h in by_name[name].handoffs if h in by_name}
        if more <= reach:
            break
        reach |= more
    return [m for m in members if m.name in reach]
