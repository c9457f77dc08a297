"""Every solver answer is checked against the model's own rows (docs/optimizer.md,
"Checking the solver's answer"): values that break a row are not taken, a wrong
"infeasible" is not believed, and both are solved again with presolve off."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from agentlint.metrics import COST
from agentlint.optimizer import milp
from agentlint.optimizer.run import _Run, optimize
from agentlint.spec.load import load_workflow

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from optimizer_scale import random_spec, with_budgets  # noqa: E402


def _vars(values: dict[str, float], binary: tuple[str, ...] = ()) -> dict[str, Any]:
    pulp = milp._pulp()
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, value in values.items():
            var = (pulp.LpVariable(name, 0, 1, pulp.LpBinary) if name in binary
                   else pulp.LpVariable(name, 0))
            var.varValue = value
            out[name] = var
    return out


def _row(terms: dict[Any, float], sense: str, rhs: float) -> Any:
    pulp = milp._pulp()
    senses = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pulp.LpConstraint(pulp.LpAffineExpression(terms), senses[sense], "r0", rhs)


def test_a_row_broken_by_the_values_is_named() -> None:
    v = _vars({"E3": 1010.19, "R3": 2600.0, "m4": 0.0}, binary=("m4",))
    # E3 >= R3 - big * m4: the CBC answer of tests/test_cascade.py's tie-break case
    row = _row({v["E3"]: 1.0, v["R3"]: -1.0, v["m4"]: 5000.0}, ">=", 0.0)
    broken = milp.broken_row([row], list(v.values()))
    assert broken is not None and "r0" in broken and "1589.81" in broken


def test_rows_within_the_tolerance_hold() -> None:
    v = _vars({"a": 1.0, "b": 2599.9999999, "m": 1e-7}, binary=("a", "m"))
    rows = [_row({v["b"]: 1.0}, ">=", 2600.0), _row({v["a"]: 1.0, v["m"]: 1.0}, "==", 1.0),
            _row({v["b"]: 1.0, v["a"]: -1.0}, "<=", 2599.0)]
    assert milp.broken_row(rows, list(v.values())) is None


@pytest.mark.parametrize(("values", "word"), [({"a": 0.5}, "whole"), ({"a": 1.5}, "bounds"),
                                              ({"a": -0.01}, "bounds")])
def test_a_variable_off_its_domain_is_named(values: dict[str, float], word: str) -> None:
    v = _vars(values, binary=("a",))
    broken = milp.broken_row([], list(v.values()))
    assert broken is not None and word in broken


def _spec(tmp: Path) -> Path:
    (tmp / ".git").mkdir(exist_ok=True)
    path = tmp / "w.yaml"
    path.write_text(with_budgets(random_spec(12, 5), str(path)), encoding="utf-8")
    return path


def test_every_answer_is_checked_and_a_plan_is_the_same(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = _spec(tmp_path)
    plain = optimize(load_workflow(str(path)), time_limit=30, path=str(path))
    checked: list[str | None] = []
    real = milp.broken_row

    def spy(rows: list[Any], variables: list[Any]) -> str | None:
        checked.append(real(rows, variables))
        return checked[-1]

    monkeypatch.setattr(milp, "broken_row", spy)
    again = optimize(load_workflow(str(path)), time_limit=30, path=str(path))
    assert checked and all(c is None for c in checked)
    assert again.to_json()["plan"] == plain.to_json()["plan"]
    assert again.status == plain.status == "optimal"


def test_a_wrong_answer_is_solved_again_with_presolve_off(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _spec(tmp_path)
    run = _Run(load_workflow(str(path)), str(path), "highs", 30)
    lin, _ = run.form.objective(COST.name)
    rows = run.budget_rows(dict(run.wf.budgets.items()))
    honest = run.solve(lin, rows)
    presolve: list[bool] = []
    real_run, real_check = milp.Formulation._run, milp.broken_row

    def record(self: Any, *args: Any, **kw: Any) -> Any:
        presolve.append(kw.get("presolve", True))
        return real_run(self, *args, **kw)

    monkeypatch.setattr(milp.Formulation, "_run", record)
    # the first answer is called broken: the second, with presolve off, is taken
    monkeypatch.setattr(milp, "broken_row", lambda rows, variables: (
        "row r1 is off by 7" if len(presolve) == 1 else real_check(rows, variables)))
    out = run.solve(lin, rows)
    assert presolve == [True, False]
    assert out.status == "optimal" and not out.rejected
    assert out.plan is not None and honest.plan is not None
    assert out.plan.key() == honest.plan.key()
    assert run.form.rejections == ["the highs answer breaks a row: row r1 is off by 7"]


def test_an_answer_wrong_twice_keeps_the_last_verified_plan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cost stage's answers are all turned down: the edits stage's plan is reported,
    not proven, with a note that says why."""
    path = _spec(tmp_path)
    real_solve = milp.Formulation.solve

    def solve(self: Any, minimise: Any, *args: Any, **kw: Any) -> Any:
        if minimise is self.cost:
            monkeypatch.setattr(milp, "broken_row", lambda rows, variables: "row r9 is off by 3")
        else:
            monkeypatch.setattr(milp, "broken_row", real_check)
        return real_solve(self, minimise, *args, **kw)

    real_check = milp.broken_row
    monkeypatch.setattr(milp.Formulation, "solve", solve)
    result = optimize(load_workflow(str(path)), time_limit=30, path=str(path))
    assert result.proposal is not None
    assert result.status == "feasible" and not result.proven
    assert any("row r9 is off by 3" in note for note in result.notes)
    assert all(b.ok for b in result.after.budgets)
