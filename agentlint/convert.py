"""``agentlint convert``: the native spec (format v1) of a workflow in another format.

An adapter builds a native document and estimates exactly that; converting
prints the same document as YAML, so the converted spec loads with
``agentlint estimate`` and gives the same figures as the source. The header
names the source files and lists what had to be assumed, for the team to
replace with real figures. Like :mod:`agentlint.sources`, it belongs to the
ingest layer above the native loader and the adapters.
"""

from __future__ import annotations

import os
import re
from typing import Any

import yaml

from agentlint import escape
from agentlint.errors import SpecError, UsageError
from agentlint.sources import load_any
from agentlint.spec.load import load_workflow
from agentlint.spec.model import Workflow


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def plain(value: Any) -> Any:
    """Positioned containers as plain dicts and lists (for the YAML dumper)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):  # a file name that is not UTF-8: YAML cannot hold its bytes
        return escape.surrogates(value)
    return value


def render(wf: Workflow) -> str:
    """The native spec of an adapted workflow, with a header naming its source."""
    doc = wf.extra.get("native")
    if doc is None:
        raise UsageError(f"{wf.file} is already an agentlint spec; there is nothing to "
                         "convert")
    sources = wf.extra.get("sources") or [wf.file]
    # names escaped: one comment line each, whatever bytes a file name holds
    lines = [f"# agentlint spec converted from the {wf.format} workflow "
             f"{escape.text(sources[0])}"]
    for other in sources[1:]:
        lines.append(f"#   also read: {escape.text(other)}")
    lines.append("# by `agentlint convert`. Steps keep their source in x-source.")
    if wf.assumptions:
        lines.append("#")
        lines.append("# Assumed, because the source does not say (replace with real figures):")
        for message, (line, _), _ in wf.assumptions:
            lines.append(f"#   - {escape.text(message)} "
                         f"[{escape.text(os.path.basename(wf.file))}:{line}]")
    unpriced = wf.extra.get("unpriced") or []
    if unpriced:
        lines.append("#")
        lines.append("# Not in the catalog, priced as an upper bound (give the real model):")
        for message, (line, _), _ in unpriced:
            lines.append(f"#   - {escape.text(message)} "
                         f"[{escape.text(os.path.basename(wf.file))}:{line}]")
    body = yaml.dump(plain(doc), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=100, default_flow_style=False)
    return "\n".join(lines) + "\n" + body


def convert_file(path: str, input_format: str = "auto") -> str:
    """Read ``path`` in its format and return the equivalent native spec as YAML text."""
    if not os.path.exists(path):
        raise SpecError(path, 1, 1, "no such file")
    wf = load_any(path, input_format=input_format, explicit=True)
    if wf is None:
        raise SpecError(path, 1, 1, "not a workflow in a format agentlint reads "
                        "(promptflow, crewai, dify, adk); name one with --input-format")
    if wf.format == "agentlint":
        raise UsageError(f"{path} is already an agentlint spec; there is nothing to convert")
    return render(wf)


def as_native(wf: Workflow) -> Workflow:
    """The adapted workflow ``wf`` as a native spec, loaded from its converted text.

    Its positions point into that text (``render(wf)``), so tools that edit a
    spec's text, like the optimizer's rewrite, can work on it; the figures are
    those of ``wf``. It keeps the name of the source file (what a report names;
    :func:`source_line` turns its lines into the source's). A native workflow is
    returned as it is.
    """
    if wf.extra.get("native") is None:
        return wf
    text = render(wf)
    native = load_workflow(wf.file, display=wf.file, text=text)
    native.extra["converted_from"] = wf.file
    return native


#: The key of a step whose line a change of each field belongs to, best first.
_CHANGE_KEYS = {"model": ("model", "agent", "id"), "retries": ("retries", "id"),
                "parallel": ("parallel", "id"), "cut": ("id",), "reference": ("id",)}


def source_line(adapted: Workflow, step_id: str, field: str) -> int:
    """The line of ``adapted``'s source file that a change to ``field`` of step
    ``step_id`` is about: where the source names the step's model (or the agent that
    brings it), else the step itself (a CrewAI task's key, a promptflow ``- name:``,
    a Dify node's ``title:``, an ADK agent's ``name:``)."""
    if step_id not in adapted.step_index:
        return 1
    step = adapted.step(step_id)
    raw = step.raw
    for key in _CHANGE_KEYS.get(field, ("id",)):
        if raw is not None and key in raw:
            return step.at(key)[0]
    return step.at()[0]


def source_note(adapted: Workflow, step_id: str, field: str) -> str:
    """Where a model change is really made when the line does not show it: the file
    that defines the step (an ADK sub-agent's), or the agent it runs as (CrewAI)."""
    if field != "model" or step_id not in adapted.step_index:
        return ""
    step = adapted.step(step_id)
    defined = re.search(r"\(([^()]+\.ya?ml)\)", step.origin or "")
    if defined is not None:
        return f" (the model is set in {defined.group(1)})"
    if step.agent:
        return f" (the model is agent '{step.agent}''s)"
    return ""
