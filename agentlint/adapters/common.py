"""What every adapter shares while reading its format: names and positioned values.

Ids and model names made acceptable to the native format, catalog names found
for near spellings, and values read with the ``line:col`` they were written at
(numbers refused at their position when out of range). The IR is in
:mod:`agentlint.adapters.ir`, its lowering to a native spec in
:mod:`agentlint.adapters.lower`.
"""

from __future__ import annotations

import re
from typing import Any

from agentlint.adapters.ir import Pos
from agentlint.errors import SpecError
from agentlint.spec import catalog
from agentlint.spec.limits import FOREIGN, LIMITS, is_number, problem
from agentlint.spec.positions import YMap, YSeq

_ID_BAD = re.compile(r"[^A-Za-z0-9_-]+")
_NAME_BAD = re.compile(r"[^A-Za-z0-9_.:/@-]+")



# -- names --------------------------------------------------------------------------------


def safe_id(name: Any, taken: set[str] | None = None, fallback: str = "step",
            tried: dict[str, int] | None = None) -> str:
    """A step, loop or input id the native format accepts, unique within ``taken``.

    ``tried`` (with a ``taken`` that only grows) keeps, per name, the first suffix not
    yet tried, so that 10,000 steps of one name cost no 10,000 tries each.
    """
    text = _ID_BAD.sub("_", str(name).strip()).strip("_") or fallback
    if text[0] == "-":
        text = "_" + text
    base = text
    n = tried.get(base, 2) if tried is not None else 2
    while taken is not None and text in taken:
        text = f"{base}_{n}"
        n += 1
    if tried is not None:
        tried[base] = n
    if taken is not None:
        taken.add(text)
    return text


def safe_name(name: str) -> str:
    """A model or tool name for ``models:`` / ``tools:`` (dots, slashes and colons allowed)."""
    text = _NAME_BAD.sub("-", name.strip()).strip("-") or "model"
    return text if text[0].isalnum() else "m" + text


def closest_catalog_name(raw: str) -> str | None:
    """A catalog model for a name the catalog does not know as written, if one is close.

    Tries the spellings that differ only in form: ``grok-4.1-fast`` for
    ``grok-4-1-fast``, a trailing date or ``-latest`` / ``-preview`` tag.
    """
    seen: set[str] = set()
    queue = [raw.strip().lower()]
    if "\n" in queue[0]:
        # a model name is one line; on several, the patterns below ending in ``.*$``
        # would retry every start of a long line (quadratic time)
        return None
    while queue:
        name = queue.pop(0)
        if not name or name in seen:
            continue
        seen.add(name)
        hit = catalog.resolve(name)
        if hit is not None:
            return hit
        queue.append(re.sub(r"(\d)\.(\d)", r"\1-\2", name))
        queue.append(re.sub(r"(\d)-(\d)", r"\1.\2", name))
        for pattern in (r"@.*$", r"-\d{4}-\d{2}-\d{2}$", r"-\d{6,8}$", r"-\d{4}$",
                        r"-(latest|preview|exp|instruct)(-.*)?$", r":[^/]*$"):
            queue.append(re.sub(pattern, "", name))
    return None


# -- positioned values --------------------------------------------------------------------


def key_pos(raw: Any, key: Any, default: Pos = (1, 1)) -> Pos:
    return raw.key_at(key) if isinstance(raw, YMap) and key in raw else default


def val_pos(raw: Any, key: Any, default: Pos = (1, 1)) -> Pos:
    if isinstance(raw, YMap) and key in raw:
        return raw.value_at(key)
    if isinstance(raw, YSeq) and isinstance(key, int) and 0 <= key < len(raw):
        return raw.item_at(key)
    return default


def at_of(raw: Any, default: Pos = (1, 1)) -> Pos:
    return raw.at() if isinstance(raw, (YMap, YSeq)) else default


def mapping(raw: Any) -> YMap:
    """``raw`` when it is a mapping (positioned or not), else an empty one."""
    if isinstance(raw, YMap):
        return raw
    out = YMap()
    if isinstance(raw, dict):
        out.update(raw)
    return out


def listed(raw: Any) -> list[Any]:
    """``raw`` when it is a list (positioned or not), else an empty one: a stranger's file
    may put a number or a mapping where the format has a list."""
    return raw if isinstance(raw, list) else []


def figure(raw: Any, key: Any, file: str, field: str | None = None,
           default: Pos = (1, 1)) -> float | None:
    """``raw[key]`` as a number (written as one or as text: promptflow writes
    ``max_tokens: '256'``), refused at its position when outside the field's range.

    ``field`` names the range in :data:`~agentlint.spec.limits.FOREIGN` (else
    :data:`~agentlint.spec.limits.LIMITS`); by default it is ``key``. Values that
    are not numbers are None; NaN, infinite and huge numbers, written as numbers
    or as text, are out of range.
    """
    value = raw.get(key) if isinstance(raw, dict) else None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not is_number(value):
        return None
    name = field or str(key)
    limit = FOREIGN.get(name) or LIMITS[name]
    written = raw.text(key) if isinstance(raw, YMap) else None
    message = problem(name, value, written, limit=limit, name=str(key))
    if message is not None:
        raise SpecError(file, *val_pos(raw, key, default), message)
    return float(value)


def clamp(field: str, value: float) -> float:
    """A figure computed from the source, kept inside its field's range."""
    limit = LIMITS[field]
    return min(max(value, limit.low), limit.high)
