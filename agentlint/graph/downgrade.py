"""Which steps a premium model is wasted on, and which cheaper models would do.

One answer for both sides of agentlint: the ``premium-on-trivial-step`` rule
(AL202) reports such a step and names a cheaper model, and ``optimize``
considers the very same models for that step, so a run of one never
contradicts the other.
"""

from __future__ import annotations

import re

from agentlint.spec import catalog
from agentlint.spec.model import Model, Step, Workflow

#: A model whose output costs at least this much (USD per million tokens) is premium.
PREMIUM_OUTPUT_PER_MTOK = 8.0
#: A step that writes at most this many tokens does trivial work (a label, a yes/no).
MAX_TRIVIAL_OUTPUT = 32

#: The cues in a prompt, compiled (and cached by ``re``) on first use: only a step on a
#: premium model with a short output, or one that reads earlier outputs only, is looked
#: at, and most lints compile neither. ``FORMAT_CUE`` and ``JUDGEMENT_CUE`` are the
#: compiled patterns (see :func:`__getattr__`).
_CUES = {
    #: A prompt that asks to fill a template or convert format: mechanical work.
    "FORMAT_CUE":
        r"(?i)\bfill (?:in|out)\b[^.\n]{0,60}\btemplate\b|\breformat\b|\bre-format\b"
        r"|\boutput (?:markdown|json|yaml|csv) only\b"
        r"|\bconvert\b[^.\n]{0,60}\b(?:into|to) (?:json|markdown|yaml|csv|a table)\b",
    #: A prompt that asks for a verdict on quality (a score, a rating, a grade): the
    #: answer is short, but the judgement behind it is the step's whole work, and a
    #: smaller model judges worse (LLM-as-judge agreement drops with model size).
    "JUDGEMENT_CUE":
        r"(?i)\b(?:rat(?:e|es|ing)|scor(?:e|es|ing)|grad(?:e|es|ing)|judg(?:e|es|ing|ement)"
        r"|evaluat(?:e|es|ing|ion))\b",
}


def __getattr__(name: str) -> re.Pattern[str]:
    """``FORMAT_CUE`` and ``JUDGEMENT_CUE``: the compiled cue patterns."""
    if name in _CUES:
        return re.compile(_CUES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _cue(name: str, *texts: str) -> bool:
    pattern = _CUES[name]
    return any(re.search(pattern, text) for text in texts)


def trivial(step: Step, max_output: float = MAX_TRIVIAL_OUTPUT) -> str | None:
    """Why ``step``'s job is trivial (``"to route"``, ...), or None when it is not."""
    if step.kind == "router":
        return "to route"
    if step.kind == "validator":
        return "to check another step's output"
    if step.kind != "llm":
        return None
    if step.output_tokens <= max_output:
        if _cue("JUDGEMENT_CUE", step.system, step.prompt):
            return None  # a short verdict on quality is judgement, not a label
        return f"to write {_tokens(step.output_tokens)} tokens"
    if not step.input_refs() and step.step_refs() and (
            _cue("FORMAT_CUE", step.system, step.prompt)):
        return "to fill a template from earlier outputs"
    return None


def _tokens(value: float) -> str:
    return f"{value:,.0f}"


def alternatives(wf: Workflow, model: Model, threshold: float = PREMIUM_OUTPUT_PER_MTOK,
                 configured: str = "") -> list[Model]:
    """Cheaper models for a step on the premium ``model``: ``configured`` if given, else
    the spec's declared non-premium models (the same provider's first), else the
    catalog's non-premium models of the same provider."""
    if configured:
        chosen = wf.models.get(configured) or catalog.model(configured)
        return [chosen] if chosen is not None else []
    declared = [m for m in wf.models.values() if m.declared and m.output_price < threshold]
    same = [m for m in declared if model.provider and m.provider == model.provider]
    if same:
        return same
    if declared:
        return declared
    if not model.provider:
        return []
    out = []
    for name, entry in catalog.catalog()["models"].items():
        if entry.get("provider") != model.provider:
            continue
        candidate = catalog.model(name)
        if candidate is not None and candidate.output_price < threshold:
            out.append(candidate)
    return out
