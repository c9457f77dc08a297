"""Where each figure an estimate rests on came from: stated, calibrated or assumed.

*Stated*: the spec (or a profile given with ``--profile`` by hand, or the
catalog for a model's prices) gives it. *Calibrated*: a profile written by
``agentlint calibrate`` gives it, measured over ``runs`` runs. *Assumed*: nobody
gave it and agentlint's default stands (an output of 256 tokens, an input of
500, a model's 99 % success per call, a router's even shares, a loop's assumed
rounds, three calls of a step with tools).

Sizes follow :func:`agentlint.lint.facts.assumed_sizes`, the rules' own reading,
so an estimate and a finding never disagree on what was assumed.
"""

from __future__ import annotations

from agentlint.lint.facts import assumed_input_part, assumed_sizes
from agentlint.spec.marks import calibrated_runs
from agentlint.spec.model import Step, Workflow

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any

STATED, CALIBRATED, ASSUMED = "stated", "calibrated", "assumed"


def _has(raw: Any, key: str) -> bool:
    return raw is not None and key in raw


def _mark(wf: Workflow, key: str, figure: str, stated: bool) -> dict[str, Any]:
    runs = calibrated_runs(wf, key, figure)
    if runs:
        return {"source": CALIBRATED, "runs": runs}
    if runs == 0 or stated:
        return {"source": STATED}
    return {"source": ASSUMED}


def _p_ok_stated(wf: Workflow, step: Step) -> bool:
    if _has(step.raw, "p_ok"):
        return True
    model = wf.model_of(step)
    return model is not None and (_has(model.raw, "p_ok") or "p_ok" in model.from_catalog)


def provenance(wf: Workflow) -> dict[str, Any]:
    """``{"steps": {id: {figure: {"source", "runs"?}}}, "inputs": {...}, "loops": {...}}``."""
    sizes = assumed_sizes(wf)
    native = wf.format == "agentlint"
    targets = {r.step: r for s in wf.steps for r in s.routes}
    steps: dict[str, Any] = {}
    for step in wf.steps:
        figures: dict[str, Any] = {}
        if step.uses_model:
            _, notes = assumed_input_part(wf, step, sizes)
            figures["input_tokens"] = _mark(wf, step.id, "input_tokens", not notes)
            figures["output_tokens"] = _mark(wf, step.id, "output_tokens",
                                             step.id not in sizes.outputs)
            figures["p_ok"] = _mark(wf, step.id, "p_ok", _p_ok_stated(wf, step))
            figures["calls"] = _mark(wf, step.id, "calls",
                                     _has(step.raw, "calls") or not step.tools or not native)
        if step.id in targets:
            figures["share"] = _mark(wf, step.id, "share", targets[step.id].given)
        steps[step.id] = figures
    inputs = {name: _mark(wf, f"input:{name}", "tokens", name not in sizes.inputs)
              for name in wf.inputs}
    loops = {loop.id: _mark(wf, f"loop:{loop.id}", "expected_iterations",
                            _has(loop.raw, "expected_iterations") or not native)
             for loop in wf.loops}
    return {"steps": steps, "inputs": inputs, "loops": loops}


def assumed_list(prov: dict[str, Any]) -> list[str]:
    """``step.figure`` of every assumed figure, in spec order."""
    out = [f"{sid}.{fig}" for sid, figs in prov["steps"].items()
           for fig, mark in figs.items() if mark["source"] == ASSUMED]
    out += [f"inputs.{n}" for n, mark in prov["inputs"].items() if mark["source"] == ASSUMED]
    out += [f"loops.{n}" for n, mark in prov["loops"].items() if mark["source"] == ASSUMED]
    return out


def counts(prov: dict[str, Any]) -> tuple[int, int, int, int]:
    """(stated, calibrated, assumed, most runs a calibrated figure rests on)."""
    marks = [m for figs in prov["steps"].values() for m in figs.values()]
    marks += list(prov["inputs"].values()) + list(prov["loops"].values())
    runs = [m.get("runs", 0) for m in marks if m["source"] == CALIBRATED]
    return (sum(m["source"] == STATED for m in marks), len(runs),
            sum(m["source"] == ASSUMED for m in marks), max(runs, default=0))
