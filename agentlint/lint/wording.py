"""Fixes said in the words of the format a workflow was read from.

A rule that suggests a fix names the fix's *kind* and its steps; this module
returns the sentence for the workflow's source format, with the exact key and
where it goes, or None for a native spec (the rule then keeps its own words).

A reader may leave an object in ``Workflow.extra["wording"]`` with methods
named after the kinds (``parallel(steps)``, ``context(step, reads)``, ...);
it is asked first, so a format's reader can say a fix better than the table
below (the CrewAI reader knows ``async_execution`` and the task a crew waits
at). A method that is missing or returns None falls back to the table.

Kinds:

- ``parallel(steps)``: run ``steps`` side by side;
- ``unorder(step, before)``: let ``step`` start without waiting for ``before``;
- ``context(step, reads)``: make ``step`` read only what it needs of
  ``reads`` (step ids or ``inputs.NAME``);
- ``trim(step, reads)``: give ``step`` only the part of ``reads`` it needs
  (the same text, cut down), where ``context`` chooses which outputs it reads;
- ``model(step, model)``: run ``step`` on ``model`` (a catalog name);
- ``bound(loop)``: give the loop ``loop`` (a loop id) a bound on its rounds;
- ``reread(step, inputs)``: let ``step``, behind a router, read the original
  ``inputs`` again (only a reader's own words; no table entry).

Steps are named the way the source names them (an ADK agent, a Dify node's
title, a promptflow node), with the file and line where they are written.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence

from agentlint.spec.model import Workflow


def _code(text: str) -> str:
    return f"`{text}`"


def _list(items: Sequence[str]) -> str:
    shown = [_code(i) for i in items]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


#: patterns compiled (and cached by ``re``) on first use: only adapted workflows need them
_NAMED = r"'(.+)'"
_IN_FILE = r"\(([^()]+\.ya?ml)\)"


def _source(wf: Workflow, step: str, noun: str = "") -> str:
    """The step as the source names it, with where it is written: ``agent
    `billing` (agents/billing.yaml)``, ``node `TRANSLATE` (app.yml:200)``."""
    s = wf.step(step)
    origin = s.origin or ""
    named = re.search(_NAMED, origin)
    name = named.group(1) if named else step
    in_file = re.search(_IN_FILE, origin)
    where = in_file.group(1) if in_file else f"{posixpath.basename(wf.file)}:{s.at()[0]}"
    return f"{noun + ' ' if noun else ''}{_code(name)} ({where})"


def _sources(wf: Workflow, steps: Sequence[str], noun: str) -> str:
    shown = [_source(wf, s) for s in steps]
    head = f"{noun}s " if len(shown) > 1 else f"{noun} "
    if len(shown) <= 1:
        return head + "".join(shown)
    return head + ", ".join(shown[:-1]) + " and " + shown[-1]


def _read(name: str) -> str:
    return name if name.startswith("inputs.") else f"{name}.output"


# -- per format -------------------------------------------------------------------------


def _adk_parallel(wf: Workflow, steps: Sequence[str]) -> str:
    return (f"move {_sources(wf, steps, 'agent')} into one `agent_class: ParallelAgent` "
            "(as its `sub_agents`), listed in the SequentialAgent where the first of them "
            "stands")


def _adk_unorder(wf: Workflow, step: str, before: str) -> str:
    return (f"put {_sources(wf, [before, step], 'agent')} side by side under one "
            "`agent_class: ParallelAgent` (a SequentialAgent runs its `sub_agents` one after "
            "another)")


def _adk_context(wf: Workflow, step: str, reads: Sequence[str]) -> str:
    writers = [r for r in reads if not r.startswith("inputs.")]
    given = (f": give {_sources(wf, writers, 'agent')} an `output_key` and read the ones it "
             "needs as `{key}` in its `instruction`") if writers else \
        ": read only what it needs as `{key}` in its `instruction`"
    return (f"set `include_contents: none` on {_source(wf, step, 'agent')} so it no longer "
            f"receives the whole conversation{given}")


def _adk_model(wf: Workflow, step: str, model: str) -> str:
    return f"set `model: {model}` on {_source(wf, step, 'agent')}"


def _pf_parallel(wf: Workflow, steps: Sequence[str]) -> str:
    return (f"promptflow runs nodes side by side when their `inputs` do not refer to each "
            f"other: remove the `${{...}}` references between {_sources(wf, steps, 'node')} "
            "from their `inputs`")


def _pf_unorder(wf: Workflow, step: str, before: str) -> str:
    return (f"remove the `${{{before}.output}}` entry from the `inputs` of "
            f"{_source(wf, step, 'node')}: its template never uses it")


def _pf_context(wf: Workflow, step: str, reads: Sequence[str]) -> str:
    refs = ", ".join("`${" + _read(r) + "}`" for r in reads)
    return (f"in the `inputs` of {_source(wf, step, 'node')}, pass only the part it needs "
            f"instead of {refs} (a python node before it can cut it)")


def _pf_model(wf: Workflow, step: str, model: str) -> str:
    return (f"set `model: {model}` (or a `deployment_name` that serves it) under the "
            f"`inputs` of {_source(wf, step, 'node')}")


def _dify_parallel(wf: Workflow, steps: Sequence[str]) -> str:
    return (f"connect {_sources(wf, steps, 'node')} to the same upstream node (their edges "
            "in `graph.edges`) so Dify runs them as parallel branches")


def _dify_unorder(wf: Workflow, step: str, before: str) -> str:
    return (f"start the edge into {_source(wf, step, 'node')} from the node "
            f"{_source(wf, before)} starts after, not from {_source(wf, before)}, so the two "
            "run as parallel branches")


def _dify_context(wf: Workflow, step: str, reads: Sequence[str]) -> str:
    return (f"in {_source(wf, step, 'node')}, point the variable selector that reads "
            f"{_list([_read(r) for r in reads])} at the part the node needs (a code or "
            "template node before it can cut it)")


def _dify_model(wf: Workflow, step: str, model: str) -> str:
    return f"set `model.name: {model}` in {_source(wf, step, 'node')}"


Phrase = Callable[..., str]

TABLE: dict[str, dict[str, Phrase]] = {
    "adk": {"parallel": _adk_parallel, "unorder": _adk_unorder, "context": _adk_context,
            "trim": _adk_context, "model": _adk_model},
    "promptflow": {"parallel": _pf_parallel, "unorder": _pf_unorder,
                   "context": _pf_context, "trim": _pf_context, "model": _pf_model},
    "dify": {"parallel": _dify_parallel, "unorder": _dify_unorder, "context": _dify_context,
             "trim": _dify_context, "model": _dify_model},
}


def fix(wf: Workflow, kind: str, *args: object) -> str | None:
    """The fix of ``kind`` for ``wf``'s source format, or None (a native spec, or a
    format with no words for it: the rule keeps its own)."""
    reader = wf.extra.get("wording")
    method = getattr(reader, kind, None) if reader is not None else None
    if callable(method):
        said = method(*args)
        if isinstance(said, str) and said:
            return said
    phrase = TABLE.get(wf.format, {}).get(kind)
    return phrase(wf, *args) if phrase is not None else None
