"""Apply a plan to the spec's text (see :mod:`agentlint.spec.edit`).

A model change replaces the scalar after ``model:``, new keys (``retries: 2``,
``parallel: g1``) are inserted with the step's indentation, a cut step's block
is deleted with the comment block right above it, and the references other
steps hold to a cut step (``{{ steps.X.output }}`` placeholders, ``context`` /
``needs`` / loop entries) are removed. Each edit is also described as a
:class:`Change` at the line of the original spec it touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentlint.spec.edit import Edits, SpecText, scalar_text
from agentlint.spec.model import Stage, Workflow

# -- a plan, written into the spec ----------------------------------------------------------


@dataclass(slots=True)
class Change:
    """One edit a plan makes, at the line of the original spec it touches."""

    step: str
    field: str  # model | retries | parallel | cut | reference
    before: Any
    after: Any
    line: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "field": self.field, "from": self.before,
                "to": self.after, "line": self.line, "message": self.message}


@dataclass(slots=True)
class Rewrite:
    text: str
    edits: Edits
    changes: list[Change]


def rewrite(wf: Workflow, spec: SpecText, models: list[str | None], retries: list[int],
            cut: list[bool], labels: list[str | None],
            cascades: list[tuple[Stage, ...]] | None = None) -> Rewrite:
    """The spec's text with each step set to ``models`` / ``retries`` / ``labels``
    (and ``cascades``: a cascade the step does not have yet is added).

    Steps with ``cut`` set are deleted, with every reference to them.
    """
    edits = spec.edits()
    changes: list[Change] = []
    gone = {wf.steps[i].id for i in range(len(wf.steps)) if cut[i]}
    for step in wf.steps:
        i = step.index
        if cut[i]:
            spec.delete_step(edits, step)
            changes.append(Change(step.id, "cut", False, True, step.at("id")[0],
                                  f"step '{step.id}': cut (optional step removed)"))
            continue
        model = models[i]
        if model != step.model:
            assert model is not None
            line = spec.set_scalar(edits, step, "model", scalar_text(model))
            changes.append(Change(step.id, "model", step.model, model, line,
                                  f"step '{step.id}': model {step.model} -> {model}"))
        stages = cascades[i] if cascades is not None else step.cascade
        if stages != step.cascade:
            assert not step.cascade and stages
            line = spec.set_scalar(edits, step, "cascade", cascade_text(stages))
            names = ", ".join(s.model for s in stages)
            changes.append(Change(step.id, "cascade", None, [s.model for s in stages], line,
                                  f"step '{step.id}': cascade {names} -> {step.model}, "
                                  f"assuming the check accepts {stages[0].accept * 100:g} % "
                                  f"of {stages[0].model}'s answers (may_cascade)"))
        if retries[i] != step.retries:
            line = spec.set_scalar(edits, step, "retries", str(retries[i]))
            changes.append(Change(step.id, "retries", step.retries, retries[i], line,
                                  f"step '{step.id}': retries {step.retries} -> "
                                  f"{retries[i]}"))
        label = labels[i]
        if label != step.parallel:
            if label is None:
                line = spec.unset(edits, step, "parallel") or step.at("id")[0]
                what = f"parallel {step.parallel} -> (none)"
            else:
                line = spec.set_scalar(edits, step, "parallel", scalar_text(label))
                what = f"parallel {step.parallel or '(none)'} -> {label}"
            changes.append(Change(step.id, "parallel", step.parallel, label, line,
                                  f"step '{step.id}': {what}"))
    if gone:
        changes.extend(_drop_references(wf, spec, edits, gone, cut))
    changes.sort(key=lambda c: (c.line, c.step, c.field))
    return Rewrite(edits.text(), edits, changes)


def cascade_text(stages: tuple[Stage, ...]) -> str:
    """A cascade as one flow-style line: ``[{model: a, accept: 0.7}]``."""
    items = []
    for s in stages:
        name = scalar_text(s.model)
        if ":" in name and not name.startswith('"'):  # a colon ends a key in flow style
            name = '"' + name + '"'
        parts = [f"model: {name}", f"accept: {_number(s.accept)}"]
        if s.check_usd:
            parts.append(f"check_usd: {_number(s.check_usd)}")
        if s.check_s:
            parts.append(f"check_s: {_number(s.check_s)}")
        items.append("{" + ", ".join(parts) + "}")
    return "[" + ", ".join(items) + "]"


def _number(value: float) -> str:
    """A float as YAML reads it back: no exponent (``1e-05`` is a string to YAML 1.1)."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{value:.20f}".rstrip("0").rstrip(".") or "0"
    return text


def _drop_references(wf: Workflow, spec: SpecText, edits: Edits, gone: set[str],
                     cut: list[bool]) -> list[Change]:
    changes: list[Change] = []
    done: set[tuple[int, str]] = set()
    for reader in wf.steps:
        if cut[reader.index]:
            continue
        raw = reader.raw
        assert raw is not None
        for key in ("needs", "context"):
            names = set(getattr(reader, key)) & gone
            if names:
                lines = spec.remove_entries(edits, raw, key, names)
                for name in sorted(names):
                    changes.append(Change(reader.id, key, name, None, min(lines),
                                          f"step '{reader.id}': {key} drops cut step "
                                          f"'{name}'"))
        for fld in ("prompt", "system"):
            names = {r.name for r in reader.refs
                     if r.kind == "steps" and r.field == fld and r.name in gone}
            if not names:
                continue
            if fld == "system" and reader.system_from == "agent" and reader.agent:
                owner: Any = wf.agents[reader.agent].raw
                where = f"agent '{reader.agent}'"
            else:
                owner = raw
                where = f"step '{reader.id}'"
            seen = (id(owner), fld)
            if seen in done:
                continue
            done.add(seen)
            lines_new = spec.removal_edits(owner, fld, gone)
            assert lines_new is not None
            for line, new in lines_new.items():
                edits.set(line, new)
            for name in sorted(names):
                changes.append(Change(reader.id, "reference", f"steps.{name}.output", None,
                                      min(lines_new) if lines_new else raw.at()[0],
                                      f"{where}: {fld} no longer reads cut step '{name}'"))
    for loop in wf.loops:
        names = set(loop.steps) & gone
        if names and loop.raw is not None:
            lines = spec.remove_entries(edits, loop.raw, "steps", names)
            for name in sorted(names):
                changes.append(Change(name, "loop", loop.id, None, min(lines),
                                      f"loop '{loop.id}': drops cut step '{name}'"))
    return changes
