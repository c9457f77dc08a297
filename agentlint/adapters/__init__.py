"""Readers for workflow formats other than agentlint's own.

Each adapter module defines an object with ``name``, ``sniff(path, text)``
(a cheap test on the path and raw text, no parsing) and
``load(path, text, display, root) -> Workflow``. Adapters register themselves
in ``ADAPTERS``; detection asks them in order. A Python file (``.py``) is offered
only to adapters with ``python = True`` (readers of Python modules).

The built-in adapters (promptflow, CrewAI, Dify, Google ADK, AutoGen, LangGraph, OpenAI
Agents SDK, Oracle Agent Spec, Agent Framework workflows) are registered on first use. Every
one of them builds a native format-v1 document with positions in the original files and loads
it with the native loader (see ``agentlint.adapters.lower``); docs/formats.md says what each reads.
"""

from __future__ import annotations

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


ADAPTERS: list[Adapter] = []
_BUILTIN_LOADED = False


def _registered() -> list[Adapter]:
    global _BUILTIN_LOADED
    if not _BUILTIN_LOADED:
        _BUILTIN_LOADED = True
        # Imported on first use, for start-up speed: a native spec never loads an adapter.
        from agentlint.adapters.adk import AdkAdapter
        from agentlint.adapters.agents_sdk import AgentsSdkAdapter
        from agentlint.adapters.agentspec import AgentSpecAdapter
        from agentlint.adapters.autogen import AutoGenAdapter
        from agentlint.adapters.cagent import CagentAdapter
        from agentlint.adapters.crewai import CrewAIAdapter
        from agentlint.adapters.crewai_flow import CrewAIFlowAdapter
        from agentlint.adapters.dify import DifyAdapter
        from agentlint.adapters.langgraph import LangGraphAdapter
        from agentlint.adapters.maf import MafAdapter
        from agentlint.adapters.promptflow import PromptflowAdapter
        from agentlint.adapters.prompty import PromptyAdapter

        known = {a.name for a in ADAPTERS}
        # Most specific markers first: a Dify export says `kind: app`, a flow
        # has `nodes:`, a crew is a pair of named files, an ADK tree starts
        # at root_agent.yaml.
        for adapter in (DifyAdapter(), PromptflowAdapter(), CrewAIAdapter(), AdkAdapter(),
                        AutoGenAdapter(), LangGraphAdapter(), AgentsSdkAdapter(), PromptyAdapter(),
                        CagentAdapter(), CrewAIFlowAdapter(), AgentSpecAdapter(), MafAdapter()):
            if adapter.name not in known:
                ADAPTERS.append(adapter)
    return ADAPTERS


def detect(path: str, text: str) -> Adapter | None:
    # a Python file goes only to the readers of Python modules (``python = True``): the
    # others look for YAML keys, which a docstring may hold
    python = path.lower().endswith(".py")
    for adapter in _registered():
        if python and not getattr(adapter, "python", False):
            continue
        if adapter.sniff(path, text):
            return adapter
    return None


def near_miss(path: str, text: str, shown: str) -> SpecError | None:
    """Why ``path``, a named file no adapter took, is almost a workflow (None: it is not
    one); see :mod:`agentlint.adapters.nearmiss`, loaded on first use."""
    from agentlint.adapters.nearmiss import near_miss as check

    return check(path, text, shown)


def by_name(name: str) -> Adapter:
    for adapter in _registered():
        if adapter.name == name:
            return adapter
    known = ", ".join(["agentlint", *(a.name for a in _registered())])
    raise UsageError(f"unknown input format '{name}'; known formats: {known}")


def names() -> list[str]:
    return [a.name for a in _registered()]
