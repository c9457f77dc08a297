"""Readers for workflow formats other than agentlint's own.

Each adapter module defines an object with ``name``, ``sniff(path, text)``
(a cheap test on the path and raw text, no parsing) and
``load(path, text, display, root) -> Workflow``. Adapters register themselves
in ``ADAPTERS``; detection asks them in order.
"""

from __future__ import annotations

from typing import Protocol

from agentlint.errors import UsageError
from agentlint.spec.model import Workflow


class Adapter(Protocol):
    name: str

    def sniff(self, path: str, text: str) -> bool: ...

    def load(self, path: str, text: str, display: str, root: str) -> Workflow: ...


ADAPTERS: list[Adapter] = []


def _registered() -> list[Adapter]:
    return ADAPTERS


def detect(path: str, text: str) -> Adapter | None:
    for adapter in _registered():
        if adapter.sniff(path, text):
            return adapter
    return None


def by_name(name: str) -> Adapter:
    for adapter in _registered():
        if adapter.name == name:
            return adapter
    known = ", ".join(["agentlint", *(a.name for a in _registered())])
    raise UsageError(f"unknown input format '{name}'; known formats: {known}")


def names() -> list[str]:
    return [a.name for a in _registered()]
