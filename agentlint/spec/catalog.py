"""The built-in model catalog: prices, speeds and success rates by model name.

The data is a dated snapshot in ``agentlint/data/catalog.json`` (see
docs/catalog.md for its sources and how to refresh it). Names are matched
the way people write them in specs and in other frameworks' files:
``gpt-4o-mini``, ``openai/gpt-4o-mini``, ``azure/gpt-35-turbo``,
``openrouter/anthropic/claude-3.5-sonnet``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache

from agentlint.paths import package_file
from agentlint.spec.model import Model

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any

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


#: Local servers: every model behind these prefixes is priced as the ``LOCAL`` entry.
LOCAL = "ollama-local"
LOCAL_PREFIXES = ("ollama/", "ollama_chat/")


@cache
def resolve(name: str) -> str | None:
    """The catalog key for ``name``, or None when the catalog does not know it."""
    index = _lower_index()
    candidate = name.strip().lower()
    if candidate.startswith(LOCAL_PREFIXES) and LOCAL in catalog()["models"]:
        return LOCAL  # every model a local Ollama serves: no charge
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
    if own is not None and "tier" in own:
        built.tier = int(own["tier"])
    elif found is not None and "tier" in found:
        built.tier = int(found["tier"])
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


# -- models the catalog does not know -----------------------------------------------------

#: Model families: a word in the name, and the catalog keys of that family.
FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (family, regular expression on the name, prefixes of its catalog keys)
    ("Claude", r"claude", ("claude-",)),
    ("Gemini", r"gemini", ("gemini-",)),
    ("gpt-oss", r"gpt-oss", ("gpt-oss-",)),
    ("GPT", r"gpt|chatgpt", ("gpt-3", "gpt-4", "gpt-5")),
    ("OpenAI o-series", r"(?:^|[/_-])o[134](?:$|[-_])", ("o1", "o3", "o4")),
    ("Llama", r"llama", ("llama-",)),
    ("Mistral", r"mistral|mixtral|ministral|magistral|codestral|devstral|pixtral",
     ("mistral-", "open-mi", "ministral-", "magistral-", "codestral-", "devstral-")),
    ("DeepSeek", r"deepseek", ("deepseek-",)),
    ("Qwen", r"qwen|qwq", ("qwen",)),
    ("GLM", r"glm", ("glm-",)),
    ("Grok", r"grok", ("grok-",)),
    ("Kimi", r"kimi|moonshot", ("kimi-",)),
)

#: Words that narrow a family to a tier (``haiku``, ``mini``, ``70b``, ...); compiled
#: (and cached by ``re``) on first use, like the family patterns: only models the
#: catalog does not know need it, never a native spec's lint.
_TIER = (r"nano|mini|lite|flash|haiku|sonnet|opus|small|medium|large|pro|"
         r"turbo|air|max|plus|scout|maverick|reasoner|chat|\d+b")


def _price(entry: Mapping[str, Any]) -> float:
    return float(entry["input_per_mtok"]) + float(entry["output_per_mtok"])


def upper_bound(name: str) -> tuple[str, str]:
    """``(catalog key, family)`` for pricing a model the catalog does not know: the
    costliest catalog model of its family (narrowed by the version and tier words
    the name shares with that family's models), else the costliest model of the
    whole catalog (family ``""``). An upper bound, never the cheapest guess."""
    models = catalog()["models"]
    low = name.strip().lower()
    keys = [k for k in models if k != LOCAL]
    family = ""
    for label, pattern, prefixes in FAMILIES:
        match = re.search(pattern, low)
        if match is None:
            continue
        members = [k for k in keys if k.startswith(prefixes)]
        if not members:
            continue
        family, keys = label, members
        # the version right after the family word: "gpt-3.5", "llama-4", "o1"
        version = re.match(r"[-_ ]?v?(\d+(?:[.-]\d+)?o?)(?![a-z])", low[match.end():])
        if version is not None:
            stem = match.group(0).strip("/_-") + "-" + version.group(1).replace("-", ".")
            same = [k for k in keys if k.replace("-", ".").startswith(stem.replace("-", "."))
                    or k.startswith(stem)]
            if not same and stem[0] == "o":
                same = [k for k in keys if k.startswith(stem.replace("-", ""))]
            keys = same or keys
        for word in dict.fromkeys(re.findall(_TIER, low)):
            tier = [k for k in keys if re.search(rf"(?:^|[-.]){word}(?:$|[-.])", k)]
            keys = tier or keys
        break
    best = max(keys, key=lambda k: (_price(models[k]), k))
    return best, family
