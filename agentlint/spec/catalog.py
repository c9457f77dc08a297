"""The built-in model catalog: prices, speeds and success rates by model name.

The data is a dated snapshot in ``agentlint/data/catalog.json`` (see
docs/catalog.md for its sources and how to refresh it). Names are matched
the way people write them in specs and in other frameworks' files:
``gpt-4o-mini``, ``openai/gpt-4o-mini``, ``azure/gpt-35-turbo``,
``openrouter/anthropic/claude-3.5-sonnet``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

PRICE_FIELDS = ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "ttft_s",
                "tokens_per_s", "per_call_usd", "per_call_s", "p_ok", "context_window")


@cache
def catalog() -> dict[str, Any]:
    try:
        text = resources.files("agentlint.data").joinpath("catalog.json").read_text("utf-8")
    except FileNotFoundError:  # pragma: no cover - a broken install
        return {"snapshot": {}, "models": {}, "aliases": {}}
    return json.loads(text)


@cache
def _lower_index() -> dict[str, str]:
    data = catalog()
    index = {name.lower(): name for name in data["models"]}
    for alias, target in data.get("aliases", {}).items():
        index.setdefault(alias.lower(), target)
    return index


@cache
def resolve(name: str) -> str | None:
    """The catalog key for ``name``, or None when the catalog does not know it."""
    index = _lower_index()
    candidate = name.strip().lower()
    while candidate:
        if candidate in index:
            return index[candidate]
        # Provider prefixes: "openai/gpt-4o", "azure/gpt-35-turbo",
        # "openrouter/anthropic/claude-3.5-sonnet", "models/gemini-2.5-flash".
        if "/" not in candidate:
            break
        candidate = candidate.split("/", 1)[1]
    return None


def entry(name: str) -> dict[str, Any] | None:
    key = resolve(name)
    return catalog()["models"][key] if key is not None else None


def snapshot() -> dict[str, Any]:
    return catalog().get("snapshot", {})


def names() -> list[str]:
    return sorted(catalog()["models"])
