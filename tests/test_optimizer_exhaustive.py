"""The optimizer against exhaustive search on small generated workflows.

For each generated spec every assignment (model and retries per step, cut or
keep for optional steps, and in sequential mode every way to group the listed
steps) is built as a modified Workflow and priced with ``estimate``. The
optimizer's plan must reach the best objective value under the budgets, agree
on feasibility, meet the budgets when re-estimated from the rewritten text,
and report figures equal to that estimate.

The reference applies the quality rule on its own (docs/optimizer.md,
"Quality" and "Least change"): a step moves only to its ``candidates`` or, with
``min_tier``, to a model of at least that tier; the default objective, within
budget, takes only assignments that cut nothing, lose no tier, leave no step
less likely to succeed, add no latency and lose no reliability (cheapest, then
fewest edits); over budget, fewest cuts, tiers lost, edits, then cost. A step's
``class`` stands for its default ``min_tier``; with ``may_cascade`` a step may also
take one first try in front of its own model (docs/optimizer.md, "Cascades"), and a
step with a ``cascade`` keeps it in front of whichever model it ends with.
"""

from __future__ import annotations

import itertools
import math
import os
import tempfile
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentlint.graph.estimate import estimate
from agentlint.optimizer.milp import DEFAULT_GAP
from agentlint.optimizer.problem import retry_range
from agentlint.optimizer.run import optimize
from agentlint.record import replace
from agentlint.spec.load import load_workflow
from agentlint.spec.model import Stage, Workflow

#: most assignments one generated spec may have (keeps the test under a minute)
MAX_ASSIGNMENTS = 3000
REL = 1e-9
#: the classes the generated specs use, with the floors docs/optimizer.md gives them
CLASS_FLOORS = {"classification": 1, "extraction": 2, "generation": 3}


@st.composite
def specs(draw: Any, execution: str, cascades: bool = False) -> dict[str, Any]:
    """A small spec; ``cascades``: steps may also state a class, a cascade or leave to
    propose one."""
    n = draw(st.integers(4, 6))
    n_models = draw(st.integers(2, 3))
    models = {}
    for m in range(n_models):
        models[f"m{m}"] = {
            "input_per_mtok": draw(st.sampled_from([0.15, 0.4, 1.25, 3.0])),
            "output_per_mtok": draw(st.sampled_from([0.6, 1.6, 10.0, 15.0])),
            "ttft_s": draw(st.sampled_from([0.3, 0.5, 1.1])),
            "tokens_per_s": draw(st.sampled_from([40, 90, 200])),
            "p_ok": draw(st.sampled_from([0.9, 0.95, 0.97, 0.99, 0.999])),
        }
        tier = draw(st.sampled_from([None, 1, 2, 3]))
        if tier is not None:
            models[f"m{m}"]["tier"] = tier
    steps: list[dict[str, Any]] = []
    deps: list[set[int]] = []
    for i in range(n):
        step: dict[str, Any] = {"id": f"s{i}"}
        reads = sorted(j for j in range(i) if draw(st.booleans()) and draw(st.booleans()))
        needs = []
        if i and not reads and draw(st.integers(0, 4)) == 0:
            needs = [draw(st.integers(0, i - 1))]
        deps.append(set(reads) | set(needs))
        if draw(st.integers(0, 5)) == 0:
            step.update({"kind": "tool", "tool": "fetch"})
            if reads:
                step["context"] = [f"s{j}" for j in reads]
        else:
            step["model"] = f"m{draw(st.integers(0, n_models - 1))}"
            allow = draw(st.sampled_from(["none", "candidates", "min_tier"]
                                         + (["class"] if cascades else [])))
            if allow == "candidates":
                names = [f"m{m}" for m in range(n_models) if draw(st.booleans())]
                step["candidates"] = names or [step["model"]]
            elif allow == "min_tier":
                step["min_tier"] = draw(st.integers(1, 3))
            elif allow == "class":
                step["class"] = draw(st.sampled_from(sorted(CLASS_FLOORS)))
            if cascades:
                _draw_cascade(draw, step, n_models)
            parts = [f"Task {i}."] + ["{{ steps.s" + str(j) + ".output }}" for j in reads]
            if draw(st.booleans()):
                parts.append("{{ inputs.doc }}")
            # text after the last placeholder: removing one leaves the rest as written
            step["prompt"] = " ".join([*parts, "Answer."])
            step["output_tokens"] = draw(st.sampled_from([40, 200, 800]))
        if needs:
            step["needs"] = [f"s{j}" for j in needs]
        if draw(st.booleans()):
            step["retries"] = draw(st.integers(0, 2))
        step["max_retries"] = draw(st.integers(0, 2))
        if draw(st.integers(0, 2)) == 0:
            step["optional"] = True
        if draw(st.integers(0, 4)) == 0:
            step["calls"] = 2
        steps.append(step)
    if execution == "sequential":
        # existing groups: consecutive independent steps sharing a label
        label = 0
        i = 1
        while i < n:
            if draw(st.integers(0, 3)) == 0 and (i - 1) not in deps[i]:
                label += 1
                steps[i - 1]["parallel"] = steps[i]["parallel"] = f"p{label}"
                i += 2
            else:
                i += 1
    spec: dict[str, Any] = {
        "agentlint": 1, "name": "gen", "execution": execution, "models": models,
        "tools": {"fetch": {"per_call_usd": 0.001, "per_call_s": 0.7, "p_ok": 0.97}},
        "inputs": {"doc": {"tokens": draw(st.sampled_from([300, 3000]))}},
        "steps": steps,
    }
    if execution == "sequential" and draw(st.integers(0, 3)) == 0:
        spec["max_concurrency"] = 2
    return spec


def _draw_cascade(draw: Any, step: dict[str, Any], n_models: int) -> None:
    """A cascade in front of the step's model, or leave to propose one, or neither."""
    others = [f"m{m}" for m in range(n_models) if f"m{m}" != step["model"]]
    what = draw(st.sampled_from(["none", "cascade", "may", "may"]))
    figures = {"accept": draw(st.sampled_from([0.3, 0.6, 0.9]))}
    if draw(st.booleans()):
        figures["check_usd"] = draw(st.sampled_from([0.0001, 0.002]))
    if draw(st.booleans()):
        figures["check_s"] = draw(st.sampled_from([0.2, 1.5]))
    if what == "cascade" and others:
        step["cascade"] = [{"model": draw(st.sampled_from(others)), **figures}]
    elif what == "may":
        if draw(st.booleans()):
            figures["models"] = [m for m in others if draw(st.booleans())]
        step["may_cascade"] = figures


def allowed_models(wf: Workflow, step: Any) -> list[str | None]:
    """The quality rule, written out: the step's own model first, then its candidates,
    or the spec's models of at least ``min_tier`` (or its class's floor); else none."""
    if step.model is None:
        return [None]
    floor = step.min_tier
    if floor is None and step.step_class is not None:
        floor = CLASS_FLOORS[step.step_class]
    if step.candidates is not None:
        others = list(step.candidates)
    elif floor is not None:
        others = [name for name, m in wf.models.items()
                  if m.tier is not None and m.tier >= floor]
    else:
        others = []
    return [step.model, *(name for name in dict.fromkeys(others) if name != step.model)]


def allowed_settings(wf: Workflow, step: Any) -> list[tuple[str | None, tuple[Stage, ...]]]:
    """(model, cascade) pairs: the allowed models behind the step's own cascade (never
    a model the cascade already asked), and with ``may_cascade`` the step's model
    behind one first try on each allowed model (``may_cascade.models``, else the
    candidates, else every model of the spec)."""
    out = [(m, step.cascade) for m in allowed_models(wf, step)
           if all(stage.model != m for stage in step.cascade)]
    may = step.may_cascade
    if may is not None and not step.cascade and step.model is not None:
        if may.models is not None:
            firsts = list(may.models)
        elif step.candidates is not None:
            firsts = list(step.candidates)
        else:
            firsts = list(wf.models)
        for name in dict.fromkeys(firsts):
            if name != step.model:
                out.append((step.model, (Stage(name, may.accept, may.check_usd,
                                               may.check_s),)))
    return out


def tiers_lost(wf: Workflow, old: str | None, new: str | None) -> int:
    if old == new or old is None or new is None:
        return 0
    a, b = wf.models[old].tier, wf.models[new].tier
    return 0 if a is None or b is None else max(0, a - b)


def _size(wf: Workflow) -> int:
    total = 1
    for step in wf.steps:
        k = len(allowed_settings(wf, step)) * len(retry_range(wf, step))
        total *= k + (1 if step.optional else 0)
    if wf.execution == "sequential":
        total *= 2 ** (len(wf.steps) - 1)
    return total


def _shrink(spec: dict[str, Any]) -> dict[str, Any]:
    """Lower max_retries until exhaustive search stays affordable."""
    for step in reversed(spec["steps"]):
        wf = _load_text(spec)
        if _size(wf) <= MAX_ASSIGNMENTS:
            break
        step["max_retries"] = 0
        step["retries"] = 0
    while _size(_load_text(spec)) > MAX_ASSIGNMENTS:
        for step in spec["steps"]:
            step.pop("optional", None)
        if _size(_load_text(spec)) > MAX_ASSIGNMENTS:
            spec["steps"].pop()
            for step in spec["steps"]:
                for key in ("needs", "context"):
                    if key in step:
                        step[key] = [s for s in step[key]
                                     if int(s[1:]) < len(spec["steps"])]
                        if not step[key]:
                            del step[key]
                if "prompt" in step:
                    gone = f"{{{{ steps.s{len(spec['steps'])}.output }}}}"
                    step["prompt"] = step["prompt"].replace(" " + gone, "")
    return spec


def _load_text(spec: dict[str, Any]) -> Workflow:
    from agentlint.spec.load import build
    from agentlint.spec.yamlload import load_text

    text = yaml.safe_dump(spec, sort_keys=False, width=10**6)
    return build(load_text(text, "gen.yaml"), "gen.yaml", text, ".", ".")


# -- the oracle --------------------------------------------------------------------------


def _variant(wf: Workflow, models: list[Any], retries: list[int], cut: list[bool],
             labels: list[str | None], cascades: list[tuple[Stage, ...]] | None = None
             ) -> Workflow:
    """``wf`` with the steps set as given; cut steps gone and their readers' refs with them."""
    gone = {s.id for s, c in zip(wf.steps, cut, strict=True) if c}
    steps = []
    stages = cascades if cascades is not None else [s.cascade for s in wf.steps]
    for step, m, k, c, label, casc in zip(wf.steps, models, retries, cut, labels, stages,
                                          strict=True):
        if c:
            continue
        steps.append(replace(
            step, index=len(steps), model=m, retries=k, parallel=label, cascade=casc,
            refs=[r for r in step.refs if not (r.kind == "steps" and r.name in gone)],
            context=[x for x in step.context if x not in gone],
            needs=[x for x in step.needs if x not in gone]))
    return replace(wf, steps=steps,
                   step_index={s.id: i for i, s in enumerate(steps)})


def _groupings(wf: Workflow, cut: list[bool]) -> list[list[str | None]]:
    """Every labelling of the kept steps into consecutive groups that the rules allow."""
    kept = [i for i, c in enumerate(cut) if not c]
    if wf.execution != "sequential":
        return [[wf.steps[i].parallel for i in range(len(wf.steps))]]
    gone = {wf.steps[i].id for i, c in enumerate(cut) if c}
    dep = {(wf.step_index[name], s.index) for s in wf.steps
           for name in [*s.step_refs(), *s.needs] if name not in gone}
    out = []
    for bits in itertools.product((False, True), repeat=max(0, len(kept) - 1)):
        groups = [[kept[0]]]
        for v, merged in zip(kept[1:], bits, strict=True):
            if merged:
                groups[-1].append(v)
            else:
                groups.append([v])
        if wf.max_concurrency and any(len(g) > wf.max_concurrency for g in groups):
            continue
        if any((u, v) in dep for g in groups for u in g for v in g):
            continue
        labels: list[str | None] = [None] * len(wf.steps)
        for k, g in enumerate(groups):
            if len(g) > 1:
                for v in g:
                    labels[v] = f"q{k}"
        out.append(labels)
    return out


#: (cuts, cost, latency, reliability, tiers lost, edits, every kept step at least as
#: likely to succeed as written)
Row = tuple[int, float, float, float, int, int, bool]


def exhaustive(wf: Workflow) -> list[Row]:
    """The figures of every assignment the quality rule allows."""
    own = {s.id: s.reliability for s in estimate(wf).steps}
    per_step = []
    for step in wf.steps:
        opts: list[tuple[Any, tuple[Stage, ...], int, bool]] = [
            (m, casc, k, False) for m, casc in allowed_settings(wf, step)
            for k in retry_range(wf, step)]
        if step.optional:
            opts.append((step.model, step.cascade, step.retries, True))
        per_step.append(opts)
    results = []
    for combo in itertools.product(*per_step):
        cut = [c for _, _, _, c in combo]
        if all(cut):
            continue
        models = [m for m, _, _, _ in combo]
        cascades = [casc for _, casc, _, _ in combo]
        retries = [k for _, _, k, _ in combo]
        loss = sum(tiers_lost(wf, s.model, m) for s, m, c in zip(wf.steps, models, cut,
                                                                  strict=True) if not c)
        edits = sum(1 if c else (m != s.model) + (k != s.retries) + (casc != s.cascade)
                    for s, m, casc, k, c in zip(wf.steps, models, cascades, retries, cut,
                                                strict=True))
        for labels in _groupings(wf, cut):
            est = estimate(_variant(wf, models, retries, cut, labels, cascades))
            kept = all(s.reliability >= own[s.id] for s in est.steps)
            results.append((sum(cut), est.cost_usd, est.latency_s, est.reliability, loss,
                            edits, kept))
    return results


def _meets(row: Row, budgets: dict[str, float]) -> bool:
    cost, latency, rel = row[1:4]
    return (cost <= budgets.get("cost_usd", math.inf)
            and latency <= budgets.get("latency_s", math.inf)
            and rel >= budgets.get("reliability", -math.inf))


def _no_loss(rows: list[Row], now: Any) -> list[Row]:
    """Within budget: the assignments that lose nothing against the spec as written."""
    return [r for r in rows if r[0] == 0 and r[4] == 0 and r[6]
            and r[2] <= now.latency_s and r[3] >= now.reliability]


def _best(rows: list[Row], objective: str) -> tuple[float, ...]:
    if objective == "default":  # over budget: cuts, tiers lost, edits, cost
        return min((r[0], r[4], r[5], r[1]) for r in rows)
    if objective == "within":  # cost, then edits
        cost = min(r[1] for r in rows)
        return (cost, min(r[5] for r in rows if _close(r[1], cost)))
    if objective == "cost":
        return (min(r[1] for r in rows),)
    if objective == "latency":
        return (min(r[2] for r in rows),)
    return (-max(r[3] for r in rows),)


def _achieved(est: Any, objective: str) -> tuple[float, ...]:
    if objective == "cost":
        return (est.cost_usd,)
    if objective == "latency":
        return (est.latency_s,)
    if objective == "reliability":
        return (-est.reliability,)
    raise AssertionError


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b), 1e-12)


# -- the test ----------------------------------------------------------------------------


def _check(spec: dict[str, Any], data: Any, solver: str = "auto", tight: bool = False
           ) -> None:
    spec = _shrink(spec)
    text = yaml.safe_dump(spec, sort_keys=False, width=10**6)
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, ".git"))
        path = os.path.join(tmp, "gen.yaml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        base = load_workflow(path)
        rows = exhaustive(base)
        now = estimate(base)
        budgets: dict[str, float] = {}
        if tight:  # between the cheapest plan and the spec: a model must give way
            cheapest = min(r[1] for r in rows)
            budgets["cost_usd"] = cheapest + (now.cost_usd - cheapest) * data.draw(
                st.sampled_from([0.05, 0.3, 0.6, 0.9]), label="cost share")
        elif data.draw(st.booleans(), label="cost budget"):
            budgets["cost_usd"] = now.cost_usd * data.draw(
                st.sampled_from([0.2, 0.5, 0.8, 1.0, 1.3]), label="cost factor")
        if data.draw(st.booleans(), label="latency budget"):
            budgets["latency_s"] = now.latency_s * data.draw(
                st.sampled_from([0.3, 0.6, 0.8, 1.0, 1.2]), label="latency factor")
        if data.draw(st.booleans(), label="reliability budget"):
            budgets["reliability"] = data.draw(
                st.sampled_from([0.6, 0.8, 0.9, 0.95, 0.99]), label="reliability")
        if budgets:
            spec["budgets"] = budgets
            text = yaml.safe_dump(spec, sort_keys=False, width=10**6)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        wf = load_workflow(path)
        now = estimate(wf)
        feasible = [r for r in rows if _meets(r, budgets)]
        for objective in ("default", "cost", "latency", "reliability"):
            result = optimize(wf, objective=objective, time_limit=30, gap=1e-9, solver=solver)
            assert (result.status != "infeasible") == bool(feasible), (objective, budgets)
            if not feasible:
                _check_relaxations(wf, path, rows, budgets, result, solver)
                continue
            assert result.status == "optimal"
            after = estimate(load_workflow(path, text=result.proposal.rewrite.text))
            assert after.to_json() == result.after.to_json()
            for b in after.budgets:
                assert b.ok, (b.name, b.actual, b.limit)
            fig = result.proposal.figures
            assert _close(fig.cost_usd, after.cost_usd)
            assert _close(fig.latency_s, after.latency_s)
            assert _close(fig.reliability, after.reliability)
            lost, edits = _loss_and_edits(base, result.to_json()["plan"])
            within = objective == "default" and all(b.ok for b in now.budgets)
            assert result.within_budget is within
            if within:
                best = _best(_no_loss(feasible, now), "within")
                assert fig.cuts == 0 and lost == 0
                assert after.latency_s <= now.latency_s
                assert after.reliability >= now.reliability
                assert _close(after.cost_usd, best[0]), (after.cost_usd, best)
                assert edits == best[1]
            elif objective == "default":
                best = _best(feasible, objective)
                assert (fig.cuts, lost, edits) == best[:3], ((fig.cuts, lost, edits), best)
                assert _close(after.cost_usd, best[3]), (after.cost_usd, best[3])
            else:
                best = _best(feasible, objective)
                got = _achieved(after, objective)
                assert _close(got[0], best[0]), (objective, got, best)
        if feasible:
            # the default gap: "optimal" is within the gap the result states, never worse
            loose = optimize(wf, objective="cost", time_limit=30, solver=solver)
            assert loose.status == "optimal" and loose.gap_limit == DEFAULT_GAP
            stated = loose.gap or 0.0
            assert stated <= DEFAULT_GAP
            cheapest = _best(feasible, "cost")[0]
            assert loose.proposal.figures.cost_usd <= cheapest / (1 - stated) + 1e-12


def _loss_and_edits(wf: Workflow, plan: dict[str, Any]) -> tuple[int, int]:
    lost = edits = 0
    for step in wf.steps:
        entry = plan[step.id]
        if entry["cut"]:
            edits += 1
            continue
        edits += (entry["model"] != step.model) + (entry["retries"] != step.retries)
        stages = [(c["model"], c["accept"], c["check_usd"], c["check_s"])
                  for c in entry.get("cascade", [])]
        edits += stages != [(s.model, s.accept, s.check_usd, s.check_s) for s in step.cascade]
        lost += tiers_lost(wf, step.model, entry["model"])
    return lost, edits


def _check_relaxations(wf: Workflow, path: str, rows: list[Any], budgets: dict[str, float],
                       result: Any, solver: str) -> None:
    assert result.relaxations.keys() == budgets.keys()
    for name, value in result.relaxations.items():
        others = {k: v for k, v in budgets.items() if k != name}
        possible = [r for r in rows if _meets(r, others)]
        if value is None:
            assert not possible
            continue
        idx = {"cost_usd": 1, "latency_s": 2, "reliability": 3}[name]
        if name == "reliability":
            assert _close(value, max(r[idx] for r in possible))
        else:
            assert _close(value, min(r[idx] for r in possible))
        relaxed = replace(wf.budgets, **{name: value})
        again = optimize(replace(wf, budgets=relaxed), objective="cost",
                         time_limit=30, path=path, gap=1e-9, solver=solver)
        assert again.status != "infeasible", (name, value)


@pytest.mark.parametrize("execution", ["sequential", "dag"])
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_matches_exhaustive_search(execution: str, data: Any) -> None:
    spec = data.draw(specs(execution), label="spec")
    _check(spec, data)


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_cbc_matches_exhaustive_search(data: Any) -> None:
    execution = data.draw(st.sampled_from(["sequential", "dag"]), label="execution")
    _check(data.draw(specs(execution), label="spec"), data, solver="cbc")


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_tier_floors_match_exhaustive_search(data: Any) -> None:
    """Every model has a tier and every model step a floor, and no retries to give up:
    over a cost budget the plan must lose the fewest tiers, as exhaustive search says."""
    execution = data.draw(st.sampled_from(["sequential", "dag"]), label="execution")
    spec = data.draw(specs(execution), label="spec")
    for name, entry in spec["models"].items():
        entry["tier"] = data.draw(st.integers(1, 3), label=f"tier of {name}")
    for step in spec["steps"]:
        if "model" in step:
            step.pop("candidates", None)
            step["min_tier"] = data.draw(st.integers(1, 2), label="floor")
            step["retries"] = step["max_retries"] = 0  # models are the lever
    _check(spec, data, tight=True)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_cascades_match_exhaustive_search(data: Any) -> None:
    """Steps with classes, cascades and leave to propose one: the plan equals the best
    assignment of exhaustive search under every objective."""
    execution = data.draw(st.sampled_from(["sequential", "dag"]), label="execution")
    _check(data.draw(specs(execution, cascades=True), label="spec"), data)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_cascades_under_tight_cost_budgets_match_exhaustive_search(data: Any) -> None:
    """A cost budget between the cheapest plan and the spec: a cascade or a model must
    give way, with the fewest tiers lost and edits."""
    execution = data.draw(st.sampled_from(["sequential", "dag"]), label="execution")
    spec = data.draw(specs(execution, cascades=True), label="spec")
    for step in spec["steps"]:
        step["retries"] = step["max_retries"] = 0  # models and cascades are the levers
    _check(spec, data, tight=True)
