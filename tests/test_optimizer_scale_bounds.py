"""The bounds HiGHS is told (docs/optimizer.md, "Equal plans: the tie-break"): each stage
of a lexicographic objective gets the value the previous stage's plan reaches as its
objective bound, each tie-break solve the last stage's bound as its bound and target.
They prune the search and change no answer: the same plans with and without them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from agentlint.optimizer import milp
from agentlint.optimizer.plan import Plan, current_plan
from agentlint.optimizer.run import _Run, optimize
from agentlint.spec.load import load_workflow

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from optimizer_scale import random_spec, with_budgets  # noqa: E402


def _spec(tmp: Path, n: int, seed: int, dag: bool) -> Path:
    (tmp / ".git").mkdir(exist_ok=True)
    path = tmp / f"w{n}-{seed}-{dag}.yaml"
    text = random_spec(n, seed)
    if not dag:
        text = text.replace("execution: dag\n", "")
    path.write_text(with_budgets(text, str(path)), encoding="utf-8")
    return path


def _without_bounds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Drop every bound before it reaches the solver; count those dropped."""
    real = milp.Formulation.solve
    dropped = [0]

    def solve(self: Any, minimise: Any, rows: Any, time_limit: Any, cutoff: Any = None,
              first: bool = False, known: bool = False) -> Any:
        if cutoff is not None:
            dropped[0] += 1
        return real(self, minimise, rows, time_limit, known=known)

    monkeypatch.setattr(milp.Formulation, "solve", solve)
    return dropped


CASES = [(n, seed, dag, objective) for n, seed in ((8, 1), (12, 2), (14, 3), (10, 4))
         for dag in (True, False) for objective in ("default", "cost")]


@pytest.mark.parametrize(("n", "seed", "dag", "objective"), CASES)
def test_the_same_plan_with_and_without_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               n: int, seed: int, dag: bool,
                                               objective: str) -> None:
    path = _spec(tmp_path, n, seed, dag)
    bounded = optimize(load_workflow(str(path)), path=str(path), objective=objective,
                       solver="highs")
    dropped = _without_bounds(monkeypatch)
    blind = optimize(load_workflow(str(path)), path=str(path), objective=objective,
                     solver="highs")
    assert dropped[0] > 0 or objective == "cost"
    assert bounded.status == blind.status == "optimal"
    assert bounded.proposal is not None and blind.proposal is not None
    assert bounded.proposal.plan.key() == blind.proposal.plan.key()
    assert [c.to_json() for c in bounded.changes] == [c.to_json() for c in blind.changes]
    assert [p.to_json() for p in bounded.shadow_prices] == \
        [p.to_json() for p in blind.shadow_prices]


def test_a_bound_that_leaves_no_plan_is_solved_again_without(tmp_path: Path) -> None:
    """``known`` must meet the rows; one that reaches a value no plan that meets them can
    (the spec as written, over its latency budget, with fewer edits than any plan that
    meets it) makes the bounded solve infeasible, and the stage is solved again."""
    path = _spec(tmp_path, 10, 1, True)
    wf = load_workflow(str(path))
    run = _Run(wf, str(path), "highs", None)
    rows = run.budget_rows(dict(wf.budgets.items()))
    honest = run.stages(("edits", "cost_usd"), rows)
    before = run.form.solves
    spec: Plan = current_plan(run.problem)
    tricked = run.stages(("edits", "cost_usd"), rows, known=spec)
    assert honest.plan is not None and tricked.plan is not None
    assert run.value(honest.plan, "edits") > 0  # the spec itself misses the budgets
    assert run.value(tricked.plan, "edits") == run.value(honest.plan, "edits")
    assert run.value(tricked.plan, "cost_usd") == pytest.approx(
        run.value(honest.plan, "cost_usd"), rel=1e-4)
    assert run.form.solves - before == 3  # edits bounded (infeasible), again, then cost
