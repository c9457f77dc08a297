"""An optimizer's plan written back into an Oracle Agent Spec file, where it can be: only a
model change whose source is a one-line ``model_id`` scalar of an ``llm_config``, taken by
every step that reads that ``llm_config`` alike (one written under
``$referenced_components`` serves every node that refers to it). Every other change stays a
suggestion. The result is read again before it is returned: the file must parse and give
the new model at the same place, or nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentlint.adapters.agents_sdk_write import Written
from agentlint.adapters.agentspec_words import AgentSpecWording
from agentlint.adapters.ir import Pos
from agentlint.errors import SpecError
from agentlint.spec.edit import scalar_end
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.yamlload import load_text

_UNSAFE = ("'", '"', "\\", "\n", "#", ":", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">",
           "%", "@", "`")


def _span(line: str, col: int) -> tuple[int, int] | None:
    """Start and end (0-based, in characters) of the one-line scalar at ``col``."""
    start = col - 1
    end = scalar_end(line, start)
    return (start, end) if end is not None and end > start else None


def _value_at(doc: Any, at: Pos) -> Any:
    """The scalar whose value starts at ``at`` in a positioned tree (None: none)."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, YMap):
            for key, value in node.items():
                if node.value_at(key) == at and not isinstance(value, (dict, list)):
                    return value
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return None


def write_models(wf: Workflow, changes: Sequence[Any]) -> Written:
    """``wf``'s file with the plan's model changes written into its ``model_id`` values."""
    words = wf.extra.get("wording")
    if not isinstance(words, AgentSpecWording) or not words.text:
        return Written("", left=[f"{c.step}: not an Agent Spec file" for c in changes])
    out = Written(words.text)
    wanted: dict[Pos, dict[str, str]] = {}  # model_id position -> step -> model
    for change in changes:
        if change.field != "model":
            out.left.append(f"{change.step}: {change.field} (not a field of the file)")
            continue
        at = words.model_at.get(change.step)
        if at is None or change.step not in words.written_model:
            out.left.append(f"{change.step}: its model is not a model_id written in the file")
            continue
        wanted.setdefault(at, {})[change.step] = str(change.after)
    lines = words.text.split("\n")
    done: dict[Pos, str] = {}
    for at, steps in sorted(wanted.items(), reverse=True):
        readers = {s for s, where in words.model_at.items() if where == at}
        models = set(steps.values())
        model = next(iter(models))
        span = _span(lines[at[0] - 1], at[1]) if at[0] - 1 < len(lines) else None
        if set(steps) != readers or len(models) != 1 or span is None or any(
                c in model for c in _UNSAFE) or not model.strip():
            out.left.extend(f"{s}: its llm_config is shared with steps the plan does not "
                            "move alike, or its model_id is not a one-line value"
                            for s in sorted(steps))
            continue
        line = lines[at[0] - 1]
        old = line[span[0]:span[1]]
        quote = old[0] if old[:1] in ("'", '"') else ('"' if words.json else "")
        lines[at[0] - 1] = line[:span[0]] + quote + model + quote + line[span[1]:]
        done[at] = model
        out.written.extend(sorted(steps))
    text = "\n".join(lines)
    try:  # never hand back a file that reads otherwise
        doc = load_text(text, words.file)
    except SpecError:
        return Written(words.text, left=[f"{c.step}: not written" for c in changes])
    if any(_value_at(doc, at) != model for at, model in done.items()):
        return Written(words.text, left=[f"{c.step}: not written" for c in changes])
    out.text = text
    return out
