"""The greedy start of the default objective (``agentlint.optimizer.start``) on large
workflows, checked where it can be: on small generated dag workflows against
exhaustive search, with the size thresholds that switch it on lowered to 0.

- the greedy plan meets the budgets, cuts nothing and loses no tier;
- the lower bound on edits is at most the fewest edits of any plan that meets them;
- with the stages solved from the greedy plan, the plan is still the exhaustive
  optimum (fewest cuts, tiers lost, edits, then the lowest cost);
- with the stages not solved at all (the mode above ``IMPROVE_MAX_STEPS``), the plan
  meets the budgets and the gap it states is honest: the optimum is no better than
  the plan's value times one minus the gap, on the first stage not proven.

And a generated 2,000-step workflow returns a plan that meets its budgets in bounded time.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import agentlint.optimizer.run as optimizer_run
from agentlint.graph.estimate import estimate
from agentlint.optimizer.plan import figures, plan_edits, plan_loss
from agentlint.optimizer.problem import build_problem
from agentlint.optimizer.run import optimize
from agentlint.optimizer.start import edits_lower_bound, start_plan
from agentlint.spec.load import load_workflow
from tests.test_optimizer_exhaustive import (
    _best,
    _loss_and_edits,
    _meets,
    _shrink,
    exhaustive,
    specs,
)


def _over_budget(spec: dict[str, Any], data: Any, folder: str) -> tuple[str, list[Any]]:
    """Write ``spec`` with budgets the spec as written misses (latency below its own but
    not below the fastest plan without cuts, sometimes a reliability floor near its own);
    the path and every assignment's figures."""
    spec = _shrink(spec)
    path = os.path.join(folder, "gen.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(yaml.safe_dump(spec, sort_keys=False, width=10**6))
    base = load_workflow(path)
    rows = exhaustive(base)
    now = estimate(base)
    # between the fastest plan that cuts nothing and the spec: a plan without cuts meets it
    fastest = min(r[2] for r in rows if r[0] == 0)
    assume(fastest < now.latency_s * (1 - 1e-6))  # else nothing can be over budget
    budgets = {"latency_s": fastest + (now.latency_s - fastest) * data.draw(
        st.sampled_from([0.1, 0.4, 0.7, 0.9]), label="latency share")}
    if data.draw(st.booleans(), label="reliability floor"):
        budgets["reliability"] = now.reliability * data.draw(
            st.sampled_from([0.9, 1.0]), label="reliability factor")
    spec["budgets"] = budgets
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(yaml.safe_dump(spec, sort_keys=False, width=10**6))
    return path, rows


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-12)


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_greedy_start_and_bound_against_exhaustive_search(data: Any) -> None:
    spec = data.draw(specs("dag"), label="spec")
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, ".git"))
        path, rows = _over_budget(spec, data, tmp)
        wf = load_workflow(path)
        limits = dict(wf.budgets.items())
        feasible = [r for r in rows if _meets(r, limits)]
        p = build_problem(wf)
        bound = edits_lower_bound(p, limits)
        if feasible:
            assert bound <= min(r[5] for r in feasible), (bound, limits)
        plan = start_plan(p, limits)
        if plan is not None:
            f = figures(p, plan)
            assert f.latency_s <= limits["latency_s"]
            assert f.reliability >= limits.get("reliability", 0.0)
            assert f.cuts == 0 and plan_loss(p, plan) == 0
            assert plan_edits(p, plan) >= bound
        if not feasible:
            return
        best = _best(feasible, "default")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(optimizer_run, "START_MIN_STEPS", 0)
            solved = optimize(wf, time_limit=30, gap=1e-9)
            mp.setattr(optimizer_run, "IMPROVE_MAX_STEPS", -1)
            unsolved = optimize(wf, time_limit=30, gap=1e-9)
        # solved from the start: the exhaustive optimum
        assert solved.status == "optimal"
        fig = solved.proposal.figures
        lost, edits = _loss_and_edits(wf, solved.to_json()["plan"])
        assert (fig.cuts, lost, edits) == best[:3], ((fig.cuts, lost, edits), best)
        assert _close(fig.cost_usd, best[3]), (fig.cost_usd, best[3])
        # not solved: the budgets hold, and the gap stated is honest
        assert unsolved.status in ("optimal", "feasible")
        after = estimate(load_workflow(path, text=unsolved.proposal.rewrite.text))
        assert all(b.ok for b in after.budgets)
        fig = unsolved.proposal.figures
        lost, edits = _loss_and_edits(wf, unsolved.to_json()["plan"])
        if plan is None:  # no greedy plan: the stages were solved as before
            assert (fig.cuts, lost, edits) == best[:3]
            return
        assert (fig.cuts, lost) == best[:2]
        gap = unsolved.gap or 0.0
        if unsolved.status == "optimal":
            assert edits == best[2] and _close(fig.cost_usd, best[3])
        elif edits > best[2]:  # the edits stage is the one not proven
            assert best[2] >= edits * (1 - gap) - 1e-9, (edits, best, gap)
        else:
            assert fig.cost_usd * (1 - gap) <= best[3] * (1 + 1e-9), (fig, best, gap)


MODELS = {
    "large": {"input_per_mtok": 2.5, "output_per_mtok": 10.0, "ttft_s": 0.6,
              "tokens_per_s": 90, "p_ok": 0.995},
    "medium": {"input_per_mtok": 0.4, "output_per_mtok": 1.6, "ttft_s": 0.45,
               "tokens_per_s": 120, "p_ok": 0.985},
    "small": {"input_per_mtok": 0.15, "output_per_mtok": 0.6, "ttft_s": 0.3,
              "tokens_per_s": 200, "p_ok": 0.97},
}


def _random_dag(n: int, seed: int) -> dict[str, Any]:
    """The benchmark's workflows (benchmarks/optimizer_scale.py): each step reads one
    to three of the twenty before it, three candidate models, 0 to 2 retries."""
    rng = random.Random(seed)
    steps = []
    for i in range(n):
        reads = sorted(rng.sample(range(max(0, i - 20), i), min(i, rng.randint(1, 3))))
        refs = " ".join(f"{{{{ steps.s{j}.output }}}}" for j in reads)
        steps.append({"id": f"s{i}", "model": rng.choice(sorted(MODELS)),
                      "candidates": ["large", "medium", "small"],
                      "prompt": f"Step {i}. {refs} {{{{ inputs.doc }}}} Answer.",
                      "output_tokens": rng.choice([50, 200, 400, 800]),
                      "retries": rng.randint(0, 2)})
    return {"agentlint": 1, "name": f"random-{n}", "execution": "dag", "models": MODELS,
            "inputs": {"doc": {"tokens": 1500}}, "steps": steps}


@pytest.mark.slow
def test_two_thousand_steps_return_a_plan_that_meets_the_budgets_in_bounded_time(
        tmp_path: Any) -> None:
    (tmp_path / ".git").mkdir()
    spec = _random_dag(2000, 1)
    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False, width=10**6), encoding="utf-8")
    now = estimate(load_workflow(str(path)))
    spec["budgets"] = {"latency_s": now.latency_s * 0.9, "reliability": now.reliability}
    path.write_text(yaml.safe_dump(spec, sort_keys=False, width=10**6), encoding="utf-8")
    began = time.perf_counter()
    wf = load_workflow(str(path))
    result = optimize(wf, time_limit=8, path=str(path))
    took = time.perf_counter() - began
    assert took < 12, took  # the limit, and what loading the spec needs
    assert result.status in ("optimal", "feasible")
    assert result.proposal is not None and result.changes
    after = estimate(load_workflow(str(path), text=result.proposal.rewrite.text))
    assert after.latency_s <= now.latency_s * 0.9
    assert after.reliability >= now.reliability
    assert result.status == "optimal" or (result.gap is not None and 0 <= result.gap < 1)
    assert math.isfinite(after.cost_usd)


def test_above_the_size_nothing_is_solved_and_the_report_says_so(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``IMPROVE_MAX_STEPS`` (lowered here to 500): no model is built, no solve is
    made, the plan meets the budgets, and the status names the greedy plan and its gap
    to the lower bound, the same on every run."""
    from agentlint.report import optimize_markdown, optimize_text

    monkeypatch.setattr(optimizer_run, "IMPROVE_MAX_STEPS", 500)
    monkeypatch.setattr(optimizer_run, "SHADOW_MAX_STEPS", 500)  # as above 5,000 steps
    (tmp_path / ".git").mkdir()
    spec = _random_dag(1000, 3)
    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False, width=10**6), encoding="utf-8")
    now = estimate(load_workflow(str(path)))
    spec["budgets"] = {"latency_s": now.latency_s * 0.9, "reliability": now.reliability}
    path.write_text(yaml.safe_dump(spec, sort_keys=False, width=10**6), encoding="utf-8")
    wf = load_workflow(str(path))
    first = optimize(wf, time_limit=60, path=str(path))
    again = optimize(wf, time_limit=60, path=str(path))
    assert first.proposal is not None and again.proposal is not None
    assert first.proposal.plan.key() == again.proposal.plan.key()
    assert first.timings["solves"] == 0 and "build" not in first.timings
    assert first.status == "feasible" and first.gap is not None
    p = first.problem
    edits = plan_edits(p, first.proposal.plan)
    bound = edits_lower_bound(p, dict(wf.budgets.items()))
    assert first.gap == pytest.approx((edits - bound) / edits)
    after = estimate(load_workflow(str(path), text=first.proposal.rewrite.text))
    assert all(b.ok for b in after.budgets)
    gap = f"gap {first.gap * 100:.3g} %"
    assert f"feasible (a greedy plan, not solved above 500 steps, {gap})" \
        in optimize_text.render(first)
    assert f"**Feasible** plan, a greedy plan, not solved above 500 steps, {gap}" \
        in optimize_markdown.render(first)
    assert any(f"greedy one that meets the budgets with {edits} edits" in note
               and f"at least {bound} edits" in note for note in first.to_json()["notes"])


def test_the_greedy_passes_stop_at_the_deadline(tmp_path: Any) -> None:
    (tmp_path / ".git").mkdir()
    spec = _random_dag(300, 2)
    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False, width=10**6), encoding="utf-8")
    now = estimate(load_workflow(str(path)))
    limits = {"latency_s": now.latency_s * 0.9, "reliability": now.reliability}
    p = build_problem(load_workflow(str(path)))
    done: list[bool] = []
    plan = start_plan(p, limits, time.perf_counter() + 60, done)
    assert plan is not None and done == [True]
    assert start_plan(p, limits, time.perf_counter() - 1) is None
