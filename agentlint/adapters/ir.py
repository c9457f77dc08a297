"""The adapters' vocabulary: a step and a loop as a source format describes them.

An adapter reads its format into :class:`StepSpec` and :class:`LoopSpec` items
(agentlint's own vocabulary, each value with the ``line:col`` it came from in
the original file); :mod:`agentlint.adapters.lower` turns them into a native
document, and :mod:`agentlint.adapters.profile` fills in what the source does
not say. The defaults below are what is assumed when nothing says more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

Pos = tuple[int, int]

#: the model a step is priced on when its source names none and the profile gives no default
DEFAULT_MODEL = "gpt-4o-mini"
#: expected size of a run input the source gives no size for (the native default)
DEFAULT_INPUT_TOKENS = 500.0
#: what a code or tool step returns, when nothing says
DEFAULT_TOOL_OUTPUT_TOKENS = 500.0
#: model calls of an agent that may call tools (decide, call, answer)
DEFAULT_TOOL_LOOP_CALLS = 3
#: items of a list an iteration runs over
DEFAULT_ITERATION_ITEMS = 5
#: how long a person takes to answer a step that waits for one (a Dify human-input node)
DEFAULT_HUMAN_WAIT_S = 600.0
#: lines of a promptflow batch run an aggregation node summarises at once
DEFAULT_BATCH_LINES = 10
#: the profile beside a spec
PROFILE_NAMES = ("agentlint.profile.yaml", "agentlint.profile.yml")


@dataclass(slots=True)
class StepSpec:
    """One step as an adapter describes it; becomes a native step mapping."""

    id: str
    at: Pos
    kind: str = "llm"
    origin: str = ""
    #: other names a profile may use for the step (a Dify title, an ADK agent name)
    names: tuple[str, ...] = ()
    agent: str | None = None
    model: str | None = None
    system: str | None = None
    prompt: str | None = None
    tool: str | None = None
    context: list[tuple[str, Pos]] = field(default_factory=list)
    #: steps whose output this step depends on without its prompt saying so (a state
    #: variable they write, a condition on their output): data dependencies, which
    #: lowering adds as ``context`` where no reference in the text carries them
    reads: list[tuple[str, Pos]] = field(default_factory=list)
    needs: list[tuple[str, Pos]] = field(default_factory=list)
    parallel: str | None = None
    routes: list[tuple[str, Pos]] = field(default_factory=list)
    #: an output size the source states, or a cap on it (promptflow ``max_tokens``)
    output_tokens: float | None = None
    output_cap: float | None = None
    input_tokens: float | None = None
    calls: int | None = None
    calls_assumed: bool = False
    retries: int | None = None
    fan_out: int | None = None
    fan_out_concurrency: int | None = None
    #: an iteration: how many items its list has, and how many run at once
    items: int | None = None
    items_concurrency: int | None = None
    items_assumed: bool = False
    #: the iteration whose items set this step's fan-out
    container: str | None = None
    candidates: list[str] | None = None
    #: the quality floor the profile states: ``min_tier``, ``class``; and ``may_cascade``
    min_tier: int | None = None
    step_class: str | None = None
    may_cascade: dict[str, float] | None = None
    #: how a model-less step's output size follows from what it reads:
    #: "sum" (a template: its text plus what it inserts), "max" (one of its
    #: inputs, an aggregator), "item" (one element of a list it iterates)
    size: str | None = None
    implicit_context: bool = False
    #: why the step's output leaves the workflow although no step reads it (written to a
    #: file, the run's declared answer, handed to a callback); None when it does not
    output_leaves: str | None = None
    #: seconds of one call of a step without a model (``per_call_s``): a person's
    #: wait, or a batch step's time shared over the lines of its batch
    per_call_s: float | None = None
    wait_assumed: bool = False
    #: positions of individual keys (``model``, ``prompt``, ...) in the source
    pos: dict[str, Pos] = field(default_factory=dict)
    source: str | None = None


@dataclass(slots=True)
class LoopSpec:
    id: str
    at: Pos
    steps: list[str]
    max_iterations: int | None
    until: str | None = None
    names: tuple[str, ...] = ()


def where(file: str, at: Pos) -> str:
    """``file:line:col``, as a fix in a format's own words says where its edit goes."""
    return f"{file}:{at[0]}:{at[1]}"


@dataclass(slots=True)
class FileWording:
    """The base of a :class:`Wording` whose edits all go in one file (its shown name):
    a kind of fix the format has no words for is None (said in agentlint's keys)."""

    file: str

    def _at(self, at: Pos) -> str:
        return where(self.file, at)

    def parallel(self, steps: Sequence[str]) -> str | None:
        return None

    def context(self, step: str, reads: Sequence[str]) -> str | None:
        return None

    def model(self, step: str, model: str) -> str | None:
        return None

    def keep_output(self, step: str) -> str | None:
        return None


class Wording(Protocol):
    """How a fix is said in a source format's own keys, with the ``file:line:col`` where
    the edit goes. An adapter leaves one in ``Workflow.extra["wording"]``; a rule that
    suggests a fix asks it first and says the fix in agentlint's keys when it returns
    None (or when the workflow has no wording: a native spec)."""

    format: str

    def parallel(self, steps: Sequence[str]) -> str | None:
        """Run ``steps`` (step ids, in order) side by side."""

    def context(self, step: str, reads: Sequence[str]) -> str | None:
        """Make ``step`` read only ``reads`` (step ids)."""

    def model(self, step: str, model: str) -> str | None:
        """Run ``step`` on ``model`` (a catalog name)."""

    def keep_output(self, step: str) -> str | None:
        """Use the output of ``step`` (read it where it is needed, or keep it)."""
