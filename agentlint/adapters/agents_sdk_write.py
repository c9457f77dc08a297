"""An optimizer's plan written back into an OpenAI Agents SDK program, where it can be:
only a model change whose source is a one-line literal ``model="..."`` keyword, taken by
every step that reads that literal alike. Every other change (a model set by a constant,
an expression or ``RunConfig``; retries; parallel groups) stays a suggestion. The result
is parsed again before it is returned: a program is never left broken.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.agents_sdk_words import AgentsSdkWording
from agentlint.spec.model import Workflow


@dataclass(slots=True)
class Written:
    """A plan written into a framework's file (every writer returns one:
    :mod:`agentlint.adapters.source_write` dispatches between them)."""

    #: the file's new text ("" when nothing could be written), the text it was made from,
    #: and the file to write (None: the file optimize was given)
    text: str
    source: str = ""
    path: str | None = None
    #: the changes written, and those left as suggestions (``step: reason``)
    written: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def write_models(wf: Workflow, changes: Sequence[Any]) -> Written:
    """``wf``'s program with the plan's model changes written into its literals."""
    words = wf.extra.get("wording")
    if not isinstance(words, AgentsSdkWording) or not words.text:
        return Written("", left=[f"{c.step}: not an Agents SDK program" for c in changes])
    out = Written(words.text)
    wanted: dict[tuple[int, int, int], dict[str, str]] = {}  # span -> step -> model
    for change in changes:
        if change.field != "model":
            out.left.append(f"{change.step}: {change.field} (not a keyword of the program)")
            continue
        span = words.step_span.get(change.step)
        if span is None:
            out.left.append(f"{change.step}: its model is not a literal model=\"...\"")
            continue
        wanted.setdefault(span, {})[change.step] = str(change.after)
    lines = words.text.split("\n")
    for span, steps in sorted(wanted.items(), reverse=True):
        readers = {s for s, sp in words.step_span.items() if sp == span}
        models = set(steps.values())
        if set(steps) != readers or len(models) != 1 or any(
                q in m for m in models for q in ("'", '"', "\\", "\n")):
            out.left.extend(f"{s}: the literal is shared with steps the plan does not move "
                            "alike" for s in sorted(steps))
            continue
        line, start, end = span
        raw = lines[line - 1].encode("utf-8")
        old = raw[start:end].decode("utf-8", "replace")
        quote = old[0] if old[:1] in ("'", '"') else '"'
        new = quote + models.pop() + quote
        lines[line - 1] = (raw[:start] + new.encode("utf-8") + raw[end:]).decode("utf-8")
        out.written.extend(sorted(steps))
    text = "\n".join(lines)
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):  # never hand back a broken program
        return Written(words.text, left=[f"{c.step}: not written" for c in changes])
    out.text = text
    return out
