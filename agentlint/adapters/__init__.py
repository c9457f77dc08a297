"""Readers for workflow formats other than agentlint's own.

Each adapter module defines an object with ``name``, ``sniff(path, text)``
(a cheap test on the path and raw text, no parsing) and
``load(path, text, display, root) -> Workflow``. Detection asks them in order
(readers a host program put in ``ADAPTERS`` first). A Python file (``.py``) is offered
only to adapters with ``python = True`` (readers of Python modules).

The built-in adapters (``_BUILTIN``: Dify, promptflow, CrewAI, Google ADK, AutoGen,
LangGraph, OpenAI Agents SDK, prompty, Docker cagent, CrewAI Flows, Oracle Agent Spec,
Agent Framework workflows) are imported one by one, when a file passes the pre-test of
one of them; ``by_name`` imports the one it names. Every one of them builds a native
format-v1 document with positions in the original files and loads it with the native
loader (see ``agentlint.adapters.lower``); docs/formats.md says what each reads.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from agentlint.adapters.names import AGENT_NAMES, ROOT_NAMES, TASK_NAMES
from agentlint.errors import SpecError, UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Protocol

    from agentlint.spec.model import Workflow

    class Adapter(Protocol):
        """What detection and loading ask of an adapter (a type only: nothing checks it
        at run time)."""

        name: str

        def sniff(self, path: str, text: str) -> bool: ...

        def load(self, path: str, text: str, display: str, root: str) -> Workflow: ...


#: readers registered by a host program (none of agentlint's own: those are in _BUILTIN)
ADAPTERS: list[Adapter] = []


class _Builtin:
    """One of agentlint's readers, imported on first use: a pre-test on the file's lower-case
    base name and text, true of every file the reader's own ``sniff`` takes (a necessary
    condition, a few substring tests), keeps a run from importing the readers its files
    cannot be for (every reader imported costs a one-file lint of a CrewAI crew 124M of its
    479M instructions)."""

    __slots__ = ("cls", "instance", "may_take", "module", "name", "python")

    def __init__(self, name: str, module: str, cls: str, python: bool,
                 may_take: Callable[[str, str], bool]) -> None:
        self.name = name
        self.module = module
        self.cls = cls
        self.python = python
        self.may_take = may_take
        self.instance: Adapter | None = None

    def adapter(self) -> Adapter:
        if self.instance is None:
            import importlib

            made: Adapter = getattr(importlib.import_module(self.module), self.cls)()
            self.instance = made
        return self.instance


def _yaml_name(base: str) -> bool:
    return base.endswith((".yaml", ".yml"))


#: agentlint's readers, most specific markers first: a Dify export says `kind: app`, a flow
#: has `nodes:`, a crew is a pair of named files, an ADK tree starts at root_agent.yaml;
#: tests/test_adapter_pretests.py holds each pre-test to its reader's sniff
_BUILTIN = (
    _Builtin("dify", "agentlint.adapters.dify", "DifyAdapter", False,
             lambda base, text: "kind" in text and "app:" in text),
    _Builtin("promptflow", "agentlint.adapters.promptflow", "PromptflowAdapter", False,
             lambda base, text: base.startswith("flow.dag.") or "nodes:" in text),
    _Builtin("crewai", "agentlint.adapters.crewai", "CrewAIAdapter", False,
             lambda base, text: base in TASK_NAMES or base in AGENT_NAMES),
    _Builtin("adk", "agentlint.adapters.adk", "AdkAdapter", False,
             lambda base, text: base in ROOT_NAMES),
    _Builtin("autogen", "agentlint.adapters.autogen", "AutoGenAdapter", False,
             lambda base, text: "component_type" in text or "max_round" in text),
    _Builtin("langgraph", "agentlint.adapters.langgraph", "LangGraphAdapter", True,
             lambda base, text: "__start__" in text or "langgraph" in text
             or "langchain" in text),
    _Builtin("agents-sdk", "agentlint.adapters.agents_sdk", "AgentsSdkAdapter", True,
             lambda base, text: base.endswith(".py") and "agents" in text
             and ("Agent(" in text or "Agent[" in text)),
    _Builtin("prompty", "agentlint.adapters.prompty", "PromptyAdapter", False,
             lambda base, text: base.endswith(".prompty")),
    _Builtin("cagent", "agentlint.adapters.cagent", "CagentAdapter", False,
             lambda base, text: _yaml_name(base) and ("agents:" in text or "#!" in text)),
    _Builtin("crewai-flow", "agentlint.adapters.crewai_flow", "CrewAIFlowAdapter", True,
             lambda base, text: "@start" in text or "crewai.flow/" in text),
    _Builtin("agentspec", "agentlint.adapters.agentspec", "AgentSpecAdapter", False,
             lambda base, text: "component_type" in text),
    _Builtin("agent-framework", "agentlint.adapters.maf", "MafAdapter", False,
             lambda base, text: _yaml_name(base) and "trigger:" in text
             and "actions:" in text),
)


def _registered() -> list[Adapter]:
    """Every reader, agentlint's imported now (a run that asks for them all)."""
    own = {a.name for a in ADAPTERS}
    return [*ADAPTERS, *(b.adapter() for b in _BUILTIN if b.name not in own)]


def detect(path: str, text: str) -> Adapter | None:
    # a Python file goes only to the readers of Python modules (``python = True``): the
    # others look for YAML keys, which a docstring may hold
    python = path.lower().endswith(".py")
    for adapter in ADAPTERS:
        if python and not getattr(adapter, "python", False):
            continue
        if adapter.sniff(path, text):
            return adapter
    base = os.path.basename(path).lower()
    own = {a.name for a in ADAPTERS}
    for builtin in _BUILTIN:
        if builtin.name in own or (python and not builtin.python) \
                or not builtin.may_take(base, text):
            continue
        adapter = builtin.adapter()
        if adapter.sniff(path, text):
            return adapter
    return None


def near_miss(path: str, text: str, shown: str) -> SpecError | None:
    """Why ``path``, a named file no adapter took, is almost a workflow (None: it is not
    one); see :mod:`agentlint.adapters.nearmiss`, loaded on first use."""
    from agentlint.adapters.nearmiss import near_miss as check

    return check(path, text, shown)


def by_name(name: str) -> Adapter:
    for adapter in ADAPTERS:
        if adapter.name == name:
            return adapter
    for builtin in _BUILTIN:
        if builtin.name == name:
            return builtin.adapter()
    known = ", ".join(["agentlint", *names()])
    raise UsageError(f"unknown input format '{name}'; known formats: {known}")


def names() -> list[str]:
    own = [a.name for a in ADAPTERS]
    return [*own, *(b.name for b in _BUILTIN if b.name not in own)]
