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
    those of ``wf``. A native workflow is returned as it is.
    """
    if wf.extra.get("native") is None:
        return wf
    text = render(wf)
    base, _ = os.path.splitext(wf.file)
    native = load_workflow(wf.file, display=f"{base}.agentlint.yaml", text=text)
    native.extra["converted_from"] = wf.file
    return native
