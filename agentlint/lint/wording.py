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
- ``context(step, reads)``: make ``step`` read only ``reads`` (step ids or
  ``inputs.NAME``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agentlint.spec.model import Workflow


def _code(text: str) -> str:
    return f"`{text}`"


def _list(items: Sequence[str]) -> str:
    shown = [_code(i) for i in items]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _source(wf: Workflow, step: str) -> str:
    """The step as the source names it, with where it is written."""
    s = wf.step(step)
    line, _ = s.at()
    return f"{_code(step)} (line {line})"


def _read(name: str) -> str:
    return name if name.startswith("inputs.") else f"{name}.output"


# -- per format -------------------------------------------------------------------------


def _adk_parallel(wf: Workflow, steps: Sequence[str]) -> str:
    return (f"move {_list(list(steps))} into one `agent_class: ParallelAgent` (its "
            "`sub_agents`), listed where the first of them stands in the SequentialAgent")


def _adk_unorder(wf: Workflow, step: str, before: str) -> str:
    return (f"put {_code(before)} and {_code(step)} side by side in an `agent_class: "
            "ParallelAgent` (the SequentialAgent runs its `sub_agents` one after another)")


def _adk_context(wf: Workflow, step: str, reads: Sequence[str]) -> str:
    keys = ", ".join("{" + r + "}" for r in reads)
    return (f"set `include_contents: none` on agent {_source(wf, step)} so it stops "
            f"re-reading the conversation, and pass it only what it needs: an `output_key` "
            f"on the agent that writes it, read as {keys or '{key}'} in its `instruction`")


def _pf_parallel(wf: Workflow, steps: Sequence[str]) -> str:
    return (f"promptflow runs nodes whose `inputs` do not refer to each other side by side: "
            f"remove the `${{...}}` references between {_list(list(steps))} from their "
            "`inputs`")


def _pf_unorder(wf: Workflow, step: str, before: str) -> str:
    return (f"remove the `${{{before}.output}}` entry from the `inputs` of node "
            f"{_source(wf, step)}: its template never uses it")


def _pf_context(wf: Workflow, step: str, reads: Sequence[str]) -> str:
    refs = ", ".join("${" + _read(r) + "}" for r in reads)
    return (f"in the `inputs` of node {_source(wf, step)}, pass only the part it needs "
            f"instead of {refs}")


def _dify_parallel(wf: Workflow, steps: Sequence[str]) -> str:
    return (f"connect nodes {_list(list(steps))} to the same upstream node (edges in "
            "`graph.edges`) so Dify runs them as parallel branches")


def _dify_unorder(wf: Workflow, step: str, before: str) -> str:
    return (f"move the edge into node {_source(wf, step)} from {_code(before)} to the node "
            f"{_code(before)} starts after, so the two run as parallel branches")


def _dify_context(wf: Workflow, step: str, reads: Sequence[str]) -> str:
    return (f"in node {_source(wf, step)}, point the variable selector that reads "
            f"{_list([_read(r) for r in reads])} at the part the node needs (a code or "
            "template node before it can cut it)")


Phrase = Callable[..., str]

TABLE: dict[str, dict[str, Phrase]] = {
    "adk": {"parallel": _adk_parallel, "unorder": _adk_unorder, "context": _adk_context},
    "promptflow": {"parallel": _pf_parallel, "unorder": _pf_unorder,
                   "context": _pf_context},
    "dify": {"parallel": _dify_parallel, "unorder": _dify_unorder, "context": _dify_context},
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
