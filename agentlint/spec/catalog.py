"""The built-in model catalog: prices, speeds and success rates by model name.

The data is a dated snapshot in ``agentlint/data/catalog.json`` (see
docs/catalog.md for its sources and how to refresh it). Names are matched
the way people write them in specs and in other frameworks' files:
``gpt-4o-mini``, ``openai/gpt-4o-mini``, ``azure/gpt-35-turbo``,
``openrouter/anthropic/claude-3.5-sonnet``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from agentlint.paths import package_file
from agentlint.spec.model import Model

PRICE_FIELDS = ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "ttft_s",
                "tokens_per_s", "per_call_usd", "per_call_s", "p_ok", "context_window")


@cache
def catalog() -> dict[str, Any]:
    try:
        with open(package_file("data", "catalog.json"), encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
    except FileNotFoundError:  # pragma: no cover - a broken install
        return {"snapshot": {}, "models": {}, "aliases": {}}
    return data


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


def model(name: str, own: Mapping[str, Any] | None = None, *,
          called: str | None = None) -> Model | None:
    """The catalog's model ``name`` as a :class:`Model` (called ``called``, by default
    ``name``), with the fields of ``own``, a spec's entry, over the catalog's.

    None when the catalog does not know ``name`` and there is no ``own`` entry, or
    when the catalog alone gives no price or no speed. A Model built over an ``own``
    entry is returned whatever it lacks, for the spec's loader to report at the
    entry (see ``Model.lacks``). ``from_catalog`` names the fields the catalog filled;
    the cached-input price defaults to the input price.
    """
    found = entry(name)
    if found is None and own is None:
        return None
    built = Model(name=called or name, base=resolve(name),
                  provider=found.get("provider") if found is not None else None)
    filled = []
    for key in PRICE_FIELDS:
        if own is not None and key in own:
            setattr(built, key, own[key])
        elif found is not None and key in found:
            setattr(built, key, found[key])
            filled.append(key)
    built.from_catalog = tuple(filled)
    if built.cached_input_per_mtok is None:
        built.cached_input_per_mtok = built.input_per_mtok
    if own is None and built.lacks is not None:
        return None
    return built


def snapshot() -> dict[str, Any]:
    found: dict[str, Any] = catalog().get("snapshot", {})
    return found


def names() -> list[str]:
    return sorted(catalog()["models"])
