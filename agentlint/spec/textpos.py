"""Map a character offset inside a YAML string back to ``line:col`` in the file.

Messages about a placeholder or a phrase inside a prompt should point at it,
not at the start of a forty-line block. Block scalars (``|``, ``>``) start on
the line after their indicator; plain and quoted scalars start at the value's
column. When the text cannot be found as written (folded lines, escapes), the
value's own position is the honest fallback.
"""

from __future__ import annotations

from agentlint.spec.model import Ref, Step, Workflow
from agentlint.spec.positions import YMap, YSeq


def locate(text_lines: list[str], value_pos: tuple[int, int], value: str,
           offset: int) -> tuple[int, int]:
    """Position of ``value[offset]`` given that ``value`` starts at ``value_pos``."""
    vline, vcol = value_pos
    if not (0 < vline <= len(text_lines)) or offset < 0:
        return value_pos
    line_no = value.count("\n", 0, offset)
    line_start = value.rfind("\n", 0, offset) + 1
    line_end = value.find("\n", offset)
    fragment = value[line_start:line_end if line_end >= 0 else len(value)]
    within = offset - line_start
    first = text_lines[vline - 1]
    indicator = first[vcol - 1:vcol] if vcol - 1 < len(first) else ""
    if indicator in ("|", ">"):
        target = vline + 1 + line_no
        # Blank lines inside the block keep the count honest; search nearby lines
        # for the fragment in case of folding.
        for candidate in range(target, min(target + 3, len(text_lines) + 1)):
            src = text_lines[candidate - 1]
            col = src.find(fragment) if fragment else -1
            if col >= 0:
                return candidate, col + within + 1
        return value_pos
    target = vline + line_no
    if target > len(text_lines):
        return value_pos
    src = text_lines[target - 1]
    start = vcol - 1 if line_no == 0 else 0
    col = src.find(fragment, start) if fragment else -1
    if col < 0:
        return value_pos
    return target, col + within + 1


def text_lines(wf: Workflow) -> list[str]:
    lines = wf.extra.get("_lines")
    if lines is None:
        lines = wf.text.splitlines()
        wf.extra["_lines"] = lines
    return lines


def locate_in_field(wf: Workflow, raw: YMap | None, key: str, value: str,
                    offset: int) -> tuple[int, int]:
    if raw is None or key not in raw:
        return raw.at() if raw is not None else (1, 1)
    return locate(text_lines(wf), raw.value_at(key), value, offset)


def locate_ref(wf: Workflow, step: Step, ref: Ref) -> tuple[int, int]:
    raw = step.raw
    if ref.field == "context":
        seq = raw.get("context") if raw is not None else None
        if isinstance(seq, YSeq):
            for index, name in enumerate(seq):
                if name == ref.name:
                    return seq.item_at(index)
        return step.at("context")
    if ref.field == "system" and step.system_from == "agent" and step.agent:
        agent = wf.agents[step.agent]
        return locate_in_field(wf, agent.raw, "system", agent.system, ref.offset) \
            if agent.raw is not None and "system" in agent.raw else agent.at("system_file")
    key = ref.field
    if raw is not None and key not in raw and f"{key}_file" in raw:
        return step.at(f"{key}_file")
    value = step.prompt if key == "prompt" else step.system
    return locate_in_field(wf, raw, key, value, ref.offset)
