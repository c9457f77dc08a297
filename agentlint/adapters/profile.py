"""``agentlint.profile.yaml``: the figures a foreign format does not carry.

A promptflow flow, a CrewAI crew, a Dify app or an ADK agent tree says which
model calls happen in which order, but not how big the inputs are, how much a
step writes, which branch a router usually takes or what an Azure deployment
name really runs. The profile beside the spec gives those figures; whatever
it leaves out is assumed and reported (AL902). The format is documented in
docs/profile.md; its shape is checked against the published schema
``agentlint/schemas/profile-v1.schema.json`` by the same positioned validator
as the workflow spec, and this module copies the values and resolves the
model names against the catalog.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentlint.adapters.ir import (
    DEFAULT_INPUT_TOKENS,
    DEFAULT_ITERATION_ITEMS,
    DEFAULT_TOOL_LOOP_CALLS,
    PROFILE_NAMES,
    LoopSpec,
    Pos,
    StepSpec,
)
from agentlint.errors import SpecError
from agentlint.paths import MAX_PROFILE_BYTES, first_file, read_text
from agentlint.spec import catalog
from agentlint.spec.limits import LIMITS
from agentlint.spec.marks import CALIBRATED
from agentlint.spec.model import Route, Workflow
from agentlint.spec.positions import YMap, position_of
from agentlint.spec.schema import SCHEMAS, normalise, validate
from agentlint.spec.yamlload import load_text

PROFILE_SCHEMA = SCHEMAS["profile"]


@dataclass(slots=True)
class Entry:
    """Profile values for one step or loop, with where each was written."""

    name: str
    at: Pos
    values: dict[str, Any] = field(default_factory=dict)
    pos: dict[str, Pos] = field(default_factory=dict)
    used: bool = False


def _used(entries: dict[str, Entry], names: tuple[str, ...]) -> Entry | None:
    """The entry of the first of ``names`` (an id, then the names the source gives) that
    has one, marked used."""
    for name in names:
        entry = entries.get(name)
        if entry is not None:
            entry.used = True
            return entry
    return None


@dataclass(slots=True)
class Profile:
    file: str | None = None
    default_model: str | None = None
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    inputs: dict[str, float] = field(default_factory=dict)
    steps: dict[str, Entry] = field(default_factory=dict)
    loops: dict[str, Entry] = field(default_factory=dict)
    budgets: dict[str, float] = field(default_factory=dict)
    #: models the optimizer may route every model step to, besides its own
    candidates: list[str] = field(default_factory=list)
    candidates_at: Pos = (1, 1)

    def step_entry(self, spec: StepSpec) -> Entry | None:
        return _used(self.steps, (spec.id, *spec.names))

    def loop_iterations(self, loop: LoopSpec) -> float | None:
        entry = _used(self.loops, (loop.id, *loop.names))
        return None if entry is None else entry.values.get("expected_iterations")

    def loop_bound(self, loop: LoopSpec) -> int | None:
        for name in (loop.id, *loop.names):
            entry = self.loops.get(name)
            if entry is not None and "max_iterations" in entry.values:
                return int(entry.values["max_iterations"])
        return None

    def route_shares(self, steps: list[StepSpec], router: StepSpec) -> dict[str, float]:
        by_id = {s.id: s for s in steps}
        shares: dict[str, float] = {}
        first: Pos | None = None
        for target, _ in router.routes:
            spec = by_id.get(target)
            entry = self.step_entry(spec) if spec is not None else None
            if entry is not None and "share" in entry.values:
                shares[target] = float(entry.values["share"])
                first = first or entry.pos["share"]
        if sum(shares.values()) > 1.0 + 1e-9 and first is not None:
            raise SpecError(self.file or PROFILE_NAMES[0], *first,
                            f"shares of the branches of '{router.id}' add up to "
                            f"{sum(shares.values()):g}; they are probabilities and must add "
                            "up to at most 1")
        return shares


def find_profile(base_dir: str) -> str | None:
    """The profile file in ``base_dir``, if there is one."""
    return first_file(base_dir, PROFILE_NAMES)


def load_profile(base_dir: str, display: str, basename: str, root: str) -> Profile:
    """The profile beside a spec (an empty one when there is none)."""
    path = find_profile(base_dir)
    if path is None:
        return Profile()
    shown = os.path.join(os.path.dirname(display), os.path.basename(path))
    return read_profile(path, shown, basename, root)


def read_profile(path: str, shown: str, basename: str, root: str | None) -> Profile:
    """The profile in the file ``path`` (shown as ``shown``), with the section under
    ``files:`` for the workflow file ``basename`` laid over the folder's."""
    doc = load_text(read_text(path, root, limit=MAX_PROFILE_BYTES, what="profile",
                              shown=shown), shown)
    profile = Profile(file=shown)
    if doc is None:
        return profile

    validate(normalise(doc, PROFILE_SCHEMA), shown, PROFILE_SCHEMA, noun="a profile",
             path_names=True)
    reader = _Reader(shown)
    reader.section(profile, doc)
    section = doc.get("files", {}).get(basename)
    if section is not None:
        reader.section(profile, section)
    return profile


class _Reader:
    """Copies a checked profile section; resolves its model names against the catalog."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, container: Any, key: Any, message: str) -> SpecError:
        return SpecError(self.file, *position_of(container, key), message)

    def section(self, profile: Profile, doc: YMap) -> None:
        if "default_model" in doc:
            name = doc["default_model"]
            if catalog.resolve(name) is None:
                raise self.fail(doc, "default_model", f"default_model '{name}' is not in "
                                "the built-in catalog ('agentlint models' lists them)")
            profile.default_model = name
        if "candidates" in doc:
            profile.candidates = list(doc["candidates"])
            profile.candidates_at = doc.value_at("candidates")
        for name, value in _entries(doc, "models"):
            profile.models[name] = self.model(doc["models"], name, value)
        for name, value in _entries(doc, "inputs"):
            profile.inputs[name] = float(value["tokens"] if isinstance(value, YMap) else value)
        for name, value in _entries(doc, "steps"):
            profile.steps[name] = _entry(doc["steps"], name, value)
        for name, value in _entries(doc, "loops"):
            profile.loops[name] = _entry(doc["loops"], name, value)
        for key, value in doc.get("budgets", {}).items():
            profile.budgets[key] = float(value)

    def model(self, section: YMap, name: str, value: Any) -> dict[str, Any]:
        if isinstance(value, str):
            resolved = catalog.resolve(value)
            if resolved is None:
                raise self.fail(section, name, f"'{value}' is not in the built-in catalog; "
                                "give a catalog name ('agentlint models') or the prices")
            return {"model": resolved}
        out: dict[str, Any] = {}
        for key, field_value in value.items():
            if key == "model":
                resolved = catalog.resolve(field_value)
                if resolved is None:
                    raise self.fail(value, key, f"'{field_value}' is not in the built-in "
                                    "catalog")
                out[key] = resolved
            else:
                out[key] = float(field_value)
        if "model" not in out:
            has_price = "per_call_usd" in out or ("input_per_mtok" in out
                                                  and "output_per_mtok" in out)
            has_time = "per_call_s" in out or ("ttft_s" in out and "tokens_per_s" in out)
            if not (has_price and has_time):
                raise self.fail(section, name, f"models.{name} needs a price (input_per_mtok "
                                "and output_per_mtok, or per_call_usd) and a speed (ttft_s "
                                "and tokens_per_s, or per_call_s), or 'model:' naming a "
                                "catalog model")
        return out


def _entries(doc: YMap, key: str) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in doc.get(key, {}).items() if not k.startswith("x-")]


def _entry(section: YMap, name: str, value: YMap) -> Entry:
    entry = Entry(name, section.key_at(name))
    for key, field_value in value.items():
        if key == "candidates":
            entry.values[key] = list(field_value)
        elif key == "class":
            entry.values[key] = str(field_value)
        elif key == "measured":  # for people: kept as written
            entry.values[key] = {k: dict(v) if isinstance(v, YMap) else v
                                 for k, v in field_value.items()}
        elif key == "may_cascade":
            entry.values[key] = {k: float(v) for k, v in field_value.items()
                                 if not k.startswith("x-")}
        else:
            entry.values[key] = int(field_value) if key in LIMITS and LIMITS[key].whole \
                else float(field_value)
        entry.pos[key] = value.value_at(key)
    return entry


def apply_profile(profile: Profile, steps: list[StepSpec], loops: list[LoopSpec],
                  inputs: dict[str, dict[str, Any]], agents: dict[str, dict[str, Any]],
                  assume: Callable[[str, str, Pos], None],
                  declare_model: Callable[[Any, Pos], str]) -> None:
    """Put the profile's figures into a draft's steps, loops and inputs.

    ``assume(key, message, at)`` records a default still assumed;
    ``declare_model(name, at)`` declares a model the profile names and returns
    its key under ``models:``. The order of the calls is the order the
    assumptions and models are reported in.
    """
    _size_inputs(profile, inputs, assume)
    by_id = {s.id: s for s in steps}
    assumed_calls: list[StepSpec] = []
    for spec in steps:
        found = profile.step_entry(spec)
        values = found.values if found is not None else {}
        _copy_step_values(spec, found, declare_model)
        if spec.items is not None:  # an iteration: the length of its list
            _count_items(spec, values, assume)
        _set_fan_out(spec, values, by_id)
        if spec.calls_assumed:
            assumed_calls.append(spec)
        if spec.routes:
            _check_route_shares(profile, steps, spec, assume)
    if profile.candidates:
        _add_candidates(profile, steps, agents, declare_model)
    if assumed_calls:
        many = len(assumed_calls)
        assume("tool-calls", f"{many} step{'s' if many > 1 else ''} with tools assumed "
               f"to make {DEFAULT_TOOL_LOOP_CALLS} model calls each (decide, call, "
               "answer); give calls per step in agentlint.profile.yaml",
               assumed_calls[0].at)
    for loop in loops:
        _bound_loop(profile, loop, assume)
    _report_unused(profile, loops, assume)


def _size_inputs(profile: Profile, inputs: dict[str, dict[str, Any]],
                 assume: Callable[[str, str, Pos], None]) -> None:
    """Input sizes from the profile; the rest assumed (capped by a maximum length) and
    reported together, at the first of them."""
    assumed_inputs: list[str] = []
    first_at: Pos | None = None
    capped = False
    for name, entry in inputs.items():
        if name in profile.inputs:
            entry["tokens"] = profile.inputs[name]
        elif entry["tokens"] is None:
            tokens = DEFAULT_INPUT_TOKENS
            if entry["cap"] is not None and entry["cap"] < tokens:
                tokens, capped = float(math.ceil(entry["cap"])), True
            entry["tokens"] = tokens
            assumed_inputs.append(name)
            first_at = first_at or entry["at"]
    if assumed_inputs:
        names = ", ".join(assumed_inputs[:6]) + (", ..." if len(assumed_inputs) > 6 else "")
        assume("inputs", f"size of input{'s' if len(assumed_inputs) > 1 else ''} "
               f"{names} assumed {DEFAULT_INPUT_TOKENS:g} tokens"
               f"{' (less where a maximum length caps it)' if capped else ''}; give "
               "the sizes under inputs: in agentlint.profile.yaml", first_at or (1, 1))


def _copy_step_values(spec: StepSpec, found: Entry | None,
                      declare_model: Callable[[Any, Pos], str]) -> None:
    """The per-step figures the profile states outright (sizes, calls, retries, and the
    candidate models, declared where the profile names them)."""
    values = found.values if found is not None else {}
    if "output_tokens" in values:
        spec.output_tokens = values["output_tokens"]
    if "input_tokens" in values:
        spec.input_tokens = values["input_tokens"]
    if "calls" in values:
        spec.calls, spec.calls_assumed = values["calls"], False
    if "retries" in values:
        spec.retries = values["retries"]
    if "per_call_s" in values:
        spec.per_call_s, spec.wait_assumed = values["per_call_s"], False
    if "candidates" in values:
        spec.candidates = [declare_model(name, found.pos["candidates"]) if found else name
                           for name in values["candidates"]]
    if "min_tier" in values:
        spec.min_tier = values["min_tier"]
    if "class" in values:
        spec.step_class = values["class"]
    if "may_cascade" in values:
        spec.may_cascade = dict(values["may_cascade"])


def _count_items(spec: StepSpec, values: dict[str, Any],
                 assume: Callable[[str, str, Pos], None]) -> None:
    """An iteration's list length and concurrency; an unknown length is assumed."""
    if "count" in values:
        spec.items, spec.items_assumed = values["count"], False
    if "max_concurrency" in values:
        spec.items_concurrency = values["max_concurrency"]
    if spec.items_assumed:
        shown = spec.names[0] if spec.names else spec.id
        assume(f"items:{spec.id}", f"'{shown}' iterates a list of unknown "
               f"length, assumed {DEFAULT_ITERATION_ITEMS} items; give count "
               "under steps: in agentlint.profile.yaml", spec.at)


def _set_fan_out(spec: StepSpec, values: dict[str, Any], by_id: dict[str, StepSpec]) -> None:
    """A step inside an iteration runs once per item (its container's count wins); any
    other fanned-out step takes its count and concurrency from the profile."""
    container = by_id.get(spec.container) if spec.container else None
    if container is not None and container.items is not None:
        spec.fan_out = container.items
        spec.fan_out_concurrency = container.items_concurrency
    elif spec.fan_out is not None:
        if "count" in values:
            spec.fan_out = values["count"]
        if "max_concurrency" in values:
            spec.fan_out_concurrency = values["max_concurrency"]


def _check_route_shares(profile: Profile, steps: list[StepSpec], router: StepSpec,
                        assume: Callable[[str, str, Pos], None]) -> None:
    """A router's branch shares must add up to at most 1; with two or more left open
    they are assumed equal."""
    shares = profile.route_shares(steps, router)
    if len(router.routes) - len(shares) >= 2:  # one open share is the remainder
        assume(f"shares:{router.id}", f"branches of '{router.id}' assumed equally "
               "likely; give share per branch step in agentlint.profile.yaml",
               router.at)


def _add_candidates(profile: Profile, steps: list[StepSpec], agents: dict[str, dict[str, Any]],
                    declare_model: Callable[[Any, Pos], str]) -> None:
    """The profile-wide candidates: every model step without its own list (or its own
    tier floor: ``min_tier`` or ``class``, which chooses among the workflow's models
    itself) may be routed to them, besides the model it has."""
    extra = [declare_model(name, profile.candidates_at) for name in profile.candidates]
    for spec in steps:
        own = spec.model or (agents.get(spec.agent, {}).get("model")
                             if spec.agent else None)
        floor = spec.min_tier is not None or spec.step_class is not None
        if own is not None and spec.candidates is None and not floor:
            spec.candidates = list(dict.fromkeys([own, *extra]))


def _bound_loop(profile: Profile, loop: LoopSpec,
                assume: Callable[[str, str, Pos], None]) -> None:
    """A loop's bound from the profile; without expected_iterations the rounds are
    assumed (half the bound for a loop that stops early, all of it otherwise)."""
    bound = profile.loop_bound(loop)
    if bound is not None:
        loop.max_iterations = bound
    if profile.loop_iterations(loop) is None:
        if loop.max_iterations is None:
            assume(f"loop:{loop.id}", f"loop '{loop.id}' has no max_iterations; "
                   "the estimate assumes 10 rounds", loop.at)
        else:
            expected = math.ceil(loop.max_iterations / 2) if loop.until \
                else loop.max_iterations
            assume(f"loop:{loop.id}", f"loop '{loop.id}' assumed to run "
                   f"{expected} of at most {loop.max_iterations} rounds; give "
                   "expected_iterations under loops: in agentlint.profile.yaml",
                   loop.at)


def _report_unused(profile: Profile, loops: list[LoopSpec],
                   assume: Callable[[str, str, Pos], None]) -> None:
    """Profile entries that match no step or loop: most likely a typo or a renamed step."""
    for kind, table in (("step", profile.steps), ("loop", profile.loops)):
        for name, named in table.items():
            if not named.used and not (kind == "loop" and any(
                    name in (lp.id, *lp.names) for lp in loops)):
                assume(f"profile:{kind}:{name}", f"{profile.file}:{named.at[0]} names "
                       f"{kind} '{name}', which this workflow does not have", (1, 1))


# -- a profile over a native spec ------------------------------------------------------

#: wf.extra key: the profile laid over the spec
PROFILE_FILE = "profile_file"
#: the figures of a model a profile lays over a native spec's model of that name
_MODEL_FIGURES = ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "ttft_s",
                  "tokens_per_s", "per_call_usd", "per_call_s", "p_ok")


def overlay_workflow(wf: Workflow, path: str, root: str | None = None) -> Profile:
    """Put the figures of the profile ``path`` into the native spec ``wf`` (``--profile``).

    Steps and loops the spec does not have stop the run at their place in the
    profile; inputs and models it does not have are left aside. Which figures came
    from it, and on how many measured runs each rests (``runs``; 0 for a figure
    given by hand), is kept in ``wf.extra`` for
    :func:`agentlint.spec.marks.calibrated_runs`.
    """
    if wf.format != "agentlint":
        raise SpecError(wf.file, 1, 1, f"--profile lays figures over agentlint specs and this "
                        f"is a {wf.format} file: it reads agentlint.profile.yaml beside it")
    profile = read_profile(path, path, os.path.basename(wf.file), root)
    marks: dict[str, dict[str, int]] = {}
    for name, entry in profile.steps.items():
        if name not in wf.step_index:
            raise SpecError(path, *entry.at, f"no step '{name}' in {wf.file}")
        step = wf.step(name)
        values = entry.values
        runs = int(values.get("runs", 0))
        mark = marks.setdefault(name, {})
        for key in ("input_tokens", "output_tokens", "p_ok"):
            if key in values:
                setattr(step, key, float(values[key]))
                mark[key] = runs
        if "cached_input_tokens" in values:  # graph.estimate.CACHED_INPUT
            wf.extra.setdefault("cached_input_tokens", {})[name] = \
                float(values["cached_input_tokens"])
            mark["cached_input_tokens"] = runs
        for key in ("calls", "retries"):
            if key in values:
                setattr(step, key, int(values[key]))
                mark[key] = runs
        if "count" in values:
            step.fan_out = int(values["count"])
            mark["count"] = runs
        if "max_concurrency" in values:
            step.fan_out_concurrency = int(values["max_concurrency"])
        if "per_call_s" in values and not step.uses_model:
            step.per_call_s = float(values["per_call_s"])
            mark["per_call_s"] = runs
        if "share" in values:
            _set_share(wf, path, name, float(values["share"]), entry.at)
            mark["share"] = runs
    for name, fields in profile.models.items():
        model = wf.models.get(name)
        if model is None:
            continue  # a model the spec does not use: nothing to lay it over
        for key, value in fields.items():
            if key in _MODEL_FIGURES:
                setattr(model, key, value)
        if "ttft_s" in fields or "tokens_per_s" in fields:
            model.per_call_s = fields.get("per_call_s")
        marks.setdefault(f"model:{name}", {}).update({k: 0 for k in fields})
    for name, entry in profile.loops.items():
        loop = next((lp for lp in wf.loops if lp.id == name), None)
        if loop is None:
            raise SpecError(path, *entry.at, f"no loop '{name}' in {wf.file}")
        if "expected_iterations" in entry.values:
            loop.expected_iterations = float(entry.values["expected_iterations"])
            marks.setdefault(f"loop:{name}", {})["expected_iterations"] = \
                int(entry.values.get("runs", 0))
        if "max_iterations" in entry.values:
            loop.max_iterations = int(entry.values["max_iterations"])
    for name, size in profile.inputs.items():
        if name in wf.inputs:
            wf.inputs[name].tokens = size
            marks.setdefault(f"input:{name}", {})["tokens"] = 0
    for key, value in profile.budgets.items():
        setattr(wf.budgets, key, value)
    wf.extra[CALIBRATED] = marks
    wf.extra[PROFILE_FILE] = path
    return profile


def _set_share(wf: Workflow, path: str, target: str, share: float,
               at: tuple[int, int]) -> None:
    """Give the branch to ``target`` its share; the branches without a share given
    split the rest equally."""
    for router in wf.steps:
        routes = router.routes
        idx = next((i for i, r in enumerate(routes) if r.step == target), None)
        if idx is None:
            continue
        old = routes[idx]
        routes[idx] = Route(old.step, share, True, old.pos)
        given = sum(r.share for r in routes if r.given)
        if given > 1.0 + 1e-6:
            raise SpecError(path, *at, f"shares of the branches of '{router.id}' add up "
                            f"to {given:g}; they are probabilities and must add up to at most 1")
        open_ = [i for i, r in enumerate(routes) if not r.given]
        for i in open_:
            r = routes[i]
            routes[i] = Route(r.step, max(0.0, 1.0 - given) / len(open_), False, r.pos)
        return
    raise SpecError(path, *at, f"'{target}' has a share but is no branch of a router "
                    f"in {wf.file}")
