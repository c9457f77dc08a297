"""Shadow prices: what one more unit of each budget buys (docs/optimizer.md, "Shadow
prices").

Each stated price is checked against an independent run of ``optimize`` on the spec
with that budget moved by the stated unit: the plan it proposes must be better by
exactly the stated amount on the objective's stages (steps cut, tiers lost, edits,
cost), or, for a budget said not to bind, no better at all.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from agentlint.metrics import COST, LATENCY, RELIABILITY
from agentlint.optimizer import run as run_module
from agentlint.optimizer.plan import plan_edits, plan_loss
from agentlint.optimizer.run import Result, optimize
from agentlint.optimizer.shadow import ShadowPrice, effect_text, moved, unit_of
from agentlint.report import optimize_markdown, optimize_text
from agentlint.spec.load import load_workflow
from tests.conftest import run_process

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT / "benchmarks"))

from optimizer_scale import random_spec, with_budgets  # noqa: E402

#: the objective's stages, as the price states them
STAGE_KEYS = {"default": ("cuts", "tiers_lost", "edits", COST.name), "cost": (COST.name,)}


def _write(tmp: Path, name: str, text: str) -> Path:
    (tmp / ".git").mkdir(parents=True, exist_ok=True)
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(path: Path, objective: str) -> Result:
    return optimize(load_workflow(str(path)), path=str(path), objective=objective)


def _with_budget(text: str, name: str, value: float) -> str:
    """``text`` with budget ``name`` set to ``value`` (the budgets block is last)."""
    head, sep, tail = text.rpartition("budgets:\n")
    assert sep, "no budgets block"
    tail, n = re.subn(rf"(?m)^  {name}: .*$", f"  {name}: {value!r}", tail)
    assert n == 1, name
    return head + sep + tail


def _counts(result: Result) -> dict[str, float]:
    assert result.proposal is not None
    p, plan = result.problem, result.proposal.plan
    return {"cuts": float(result.proposal.figures.cuts),
            "tiers_lost": float(plan_loss(p, plan)), "edits": float(plan_edits(p, plan))}


def _stages(result: Result) -> dict[str, float]:
    return {**_counts(result), COST.name: result.after.cost_usd}


def _random(tmp: Path, n: int, seed: int) -> tuple[Path, str]:
    path = tmp / f"random-{n}-{seed}.yaml"
    (tmp / ".git").mkdir(exist_ok=True)
    text = with_budgets(random_spec(n, seed), str(path))
    path.write_text(text, encoding="utf-8")
    return path, text


def _example(tmp: Path, name: str) -> tuple[Path, str]:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    (tmp / "prompts").mkdir(exist_ok=True)
    for f in (EXAMPLES / "prompts").glob("*"):
        (tmp / "prompts" / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return _write(tmp, name, text), text


CASES = [("long-chain.yaml", "default"), ("long-chain.yaml", "cost"),
         ("research-fanout.yaml", "cost"), ("random-8-1", "default"), ("random-8-1", "cost"),
         ("random-10-2", "default"), ("random-10-3", "cost")]


def _case(tmp: Path, name: str) -> tuple[Path, str]:
    if name.startswith("random-"):
        _, n, seed = name.split("-")
        return _random(tmp, int(n), int(seed))
    return _example(tmp, name)


@pytest.mark.parametrize(("name", "objective"), CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_each_price_equals_an_independent_re_solve(tmp_path: Path, name: str,
                                                   objective: str) -> None:
    path, text = _case(tmp_path, name)
    base = _run(path, objective)
    assert base.status == "optimal" and not base.within_budget
    prices = base.shadow_prices
    assert {p.budget for p in prices} == {b.name for b in base.before.budgets}
    keys = STAGE_KEYS[objective]
    for price in prices:
        assert price.status in ("binding", "not binding"), price
        assert price.unit is not None and price.moved_to is not None
        moved_path = _write(tmp_path / price.budget, path.name,
                            _with_budget(text, price.budget, price.moved_to))
        if name.endswith(".yaml"):
            (tmp_path / price.budget / "prompts").mkdir(exist_ok=True)
            for f in (EXAMPLES / "prompts").glob("*"):
                (tmp_path / price.budget / "prompts" / f.name).write_text(
                    f.read_text(encoding="utf-8"), encoding="utf-8")
        again = _run(moved_path, objective)
        assert again.status == "optimal"
        before, after = _stages(base), _stages(again)
        tol = {k: 0.0 for k in keys} | {COST.name: 1e-4 * base.after.cost_usd + 1e-12}
        if price.status == "not binding":
            # the moved budget buys nothing: the independent plan is no better
            for k in keys:
                assert after[k] == pytest.approx(before[k], abs=tol[k]), (price, k)
            assert all(v == 0 for v in price.delta.values())
            continue
        # binding: better on the stages, by exactly the stated amount
        first = next(k for k in keys if abs(after[k] - before[k]) > tol[k])
        assert after[first] < before[first], (price, first)
        for k in keys:
            assert price.delta[k] == pytest.approx(after[k] - before[k], abs=tol[k] + 1e-12), \
                (price, k)


def test_a_binding_latency_budget_is_priced(tmp_path: Path) -> None:
    """A chain whose latency budget binds: four steps of 0.45 s on the fast model, 2.5 s on
    the slow one (a tenth of the price); 3.8 s holds no slow step, 3.9 s holds one."""
    models = ("models:\n"
              "  fast: {input_per_mtok: 5.0, output_per_mtok: 20.0, ttft_s: 0.2, "
              "tokens_per_s: 400, p_ok: 0.99}\n"
              "  slow: {input_per_mtok: 0.5, output_per_mtok: 2.0, ttft_s: 0.5, "
              "tokens_per_s: 50, p_ok: 0.99}\n")
    steps = "".join(f"  - id: s{i}\n    model: fast\n    candidates: [fast, slow]\n"
                    f"    prompt: \"step {i} {{{{ inputs.doc }}}} "
                    + (f"{{{{ steps.s{i - 1}.output }}}}" if i else "")
                    + "\"\n    output_tokens: 100\n"
                    "    max_retries: 0\n" for i in range(4))
    text = ("agentlint: 1\nname: chain\n" + models + "inputs:\n  doc: {tokens: 500}\n"
            "steps:\n" + steps + "budgets:\n  latency_s: 3.8\n")
    path = _write(tmp_path, "chain.yaml", text)
    base = _run(path, "cost")
    (price,) = base.shadow_prices
    assert price.budget == LATENCY.name and price.unit == 0.1
    assert price.status == "binding"
    assert price.delta[COST.name] < 0
    # the price is in the objective's terms, what comes with it in brackets
    assert price.text() == ("+0.1 s of latency budget: saves $0.004509 per run (with 1 more "
                            "edit, latency +2.05 s)")
    again = _run(_write(tmp_path / "moved", "chain.yaml",
                        _with_budget(text, LATENCY.name, price.moved_to or 0)), "cost")
    assert again.after.cost_usd - base.after.cost_usd == pytest.approx(
        price.delta[COST.name], rel=1e-9)
    shown = optimize_text.render(base)
    assert "shadow prices (solved again with each budget moved by one unit):" in shown
    assert f"  {price.text()}" in shown.splitlines()
    md = optimize_markdown.render(base)
    assert "#### Shadow prices" in md
    assert "| `latency_s` | +0.1 s of latency budget (3.80 s → 3.90 s) | saves $" in md


def test_units() -> None:
    assert unit_of(LATENCY.name, 90.0) == 1.0
    assert unit_of(LATENCY.name, 500.0) == 1.0
    assert unit_of(LATENCY.name, 5.0) == pytest.approx(0.1)
    assert unit_of(COST.name, 0.5) == pytest.approx(0.01)
    assert unit_of(COST.name, 2.0) == pytest.approx(0.1)
    assert unit_of(RELIABILITY.name, 0.95) == 0.005
    assert unit_of(RELIABILITY.name, 0.004) is None
    assert unit_of(COST.name, 0.0) is None
    assert moved(RELIABILITY.name, 0.95, 0.005) == pytest.approx(0.945)
    assert moved(LATENCY.name, 90.0, 1.0) == 91.0


def test_words() -> None:
    assert effect_text({COST.name: -0.004}) == "saves $0.004 per run"
    assert effect_text({"edits": -1.0, COST.name: 0.001}) == \
        "1 fewer edit, costs $0.001 more per run"
    assert effect_text({"tiers_lost": -2.0}) == "2 fewer tiers lost"
    assert effect_text({"edits": 1.0, COST.name: -0.5, LATENCY.name: 2.0}, (COST.name,)) == \
        "saves $0.5 per run (with 1 more edit, latency +2.00 s)"
    p = ShadowPrice(RELIABILITY.name, 0.95, 0.005, "binding", {COST.name: -0.0001})
    assert p.text() == "-0.5 pp of reliability floor: saves $0.0001 per run"
    q = ShadowPrice(COST.name, 0.5, 0.01, "not binding")
    assert q.text() == "+$0.01 of cost budget: buys nothing (not binding)"
    s = ShadowPrice(COST.name, 0.5, 0.01, "skipped", reason="the time limit ran out")
    assert s.to_json()["status"] == "skipped" and "delta" not in s.to_json()


def test_within_budget_nothing_binds_and_nothing_is_printed(tmp_path: Path) -> None:
    path, _ = _example(tmp_path, "code-review.yaml")
    result = _run(path, "default")
    assert result.within_budget
    assert result.shadow_prices
    assert all(p.status == "not binding" and p.reason for p in result.shadow_prices)
    assert "shadow" not in optimize_text.render(result)
    assert "Shadow" not in optimize_markdown.render(result)


def test_skipped_above_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    monkeypatch.setattr(run_module, "SHADOW_MAX_STEPS", 5)
    path, _ = _random(tmp_path, 8, 1)
    result = _run(path, "cost")
    assert result.shadow_prices
    for p in result.shadow_prices:
        assert p.status == "skipped" and "8 steps, more than 5" in p.reason
        assert p.text().endswith(f"not computed ({p.reason})")


def test_json_key_from_the_command(tmp_path: Path) -> None:
    path, _ = _example(tmp_path, "long-chain.yaml")
    done = run_process("optimize", str(path), "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    prices = out["shadow_prices"]
    assert [p["budget"] for p in prices] == [COST.name, LATENCY.name, RELIABILITY.name]
    for p in prices:
        assert p["method"] == "re-solve"
        assert set(p) >= {"budget", "limit", "unit", "moved_to", "status", "delta", "proven"}
        assert set(p["delta"]) == {"cuts", "tiers_lost", "edits", COST.name, LATENCY.name,
                                   RELIABILITY.name}
    rel = prices[2]
    assert rel["status"] == "binding" and rel["moved_to"] == pytest.approx(0.965)
    assert rel["delta"][COST.name] < 0


def test_skipped_when_their_time_is_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    """Shadow prices get as long as the plan's solves took; none left: each is skipped
    with the reason, and the plan and its status are those of the run."""
    path, _ = _example(tmp_path, "long-chain.yaml")
    full = _run(path, "cost")
    monkeypatch.setattr(run_module, "SHADOW_MIN_S", -1e6)
    result = _run(path, "cost")
    assert result.status == "optimal" and result.proven
    assert result.proposal is not None and full.proposal is not None
    assert result.proposal.plan.key() == full.proposal.plan.key()
    assert [p.status for p in result.shadow_prices] == ["skipped"] * 3
    assert all("not proven optimal in the time shadow prices get" in p.reason
               for p in result.shadow_prices)
    assert "not computed (not proven optimal" in optimize_text.render(result)
