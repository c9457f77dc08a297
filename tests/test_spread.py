"""The run distribution (p50 / p95 / p99) against figures computed by hand."""

from __future__ import annotations

import json
import math

import pytest

from agentlint.graph.estimate import estimate
from agentlint.graph.spread import attach, rounds, spread
from agentlint.spec.load import load_workflow
from tests.conftest import run_process


def wf_of(spec, body: str):
    return load_workflow(str(spec("agentlint: 1\nname: t\n" + body)))


def test_retry_step_alone_is_a_truncated_geometric(spec) -> None:
    # an attempt succeeds with 0.8 and is retried twice at most: 2 s with 0.8,
    # 4 s with 0.2 * 0.8 = 0.16, 6 s with 0.2 ** 2 = 0.04 (every attempt costs)
    wf = wf_of(spec, """
models:
  m: {per_call_usd: 0.01, per_call_s: 2.0, p_ok: 0.8}
steps:
  - {id: a, model: m, prompt: hi, retries: 2}
""")
    sp = spread(wf)
    assert sp.latency is not None and sp.cost is not None
    assert sp.latency.method == "exact"
    # CDF 0.8, 0.96, 1.0: p50 at 2 s, p95 at 4 s, p99 at 6 s
    assert sp.latency.values == {50: pytest.approx(2.0), 95: pytest.approx(4.0),
                                 99: pytest.approx(6.0)}
    assert sp.cost.values == {50: pytest.approx(0.01), 95: pytest.approx(0.02),
                              99: pytest.approx(0.03)}
    assert sp.latency.error == 0.0


def test_a_60_40_router(spec) -> None:
    wf = wf_of(spec, """
models:
  fast: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 1.0}
  slow: {per_call_usd: 0.01, per_call_s: 5.0, p_ok: 1.0}
steps:
  - id: pick
    kind: router
    prompt: hi
    routes:
      - {step: a, share: 0.6}
      - {step: b, share: 0.4}
  - {id: a, model: fast, prompt: hi}
  - {id: b, model: slow, prompt: hi}
  - {id: after, model: fast, prompt: hi}
""")
    sp = spread(wf)
    assert sp.latency is not None and sp.cost is not None
    assert sp.latency.method == "exact"
    # 1 + 1 s in 60 % of runs, 5 + 1 s in 40 %
    assert sp.latency.values == {50: pytest.approx(2.0), 95: pytest.approx(6.0),
                                 99: pytest.approx(6.0)}
    assert sp.cost.values == {50: pytest.approx(0.002), 95: pytest.approx(0.011),
                              99: pytest.approx(0.011)}


def test_loop_rounds_are_a_truncated_geometric_with_the_expected_mean() -> None:
    # 1 + rho + rho ** 2 = 2: rho = (sqrt(5) - 1) / 2
    rho = (math.sqrt(5) - 1) / 2
    got = dict((r, p) for p, r in rounds(2.0, 3))
    assert got == {1: pytest.approx(1 - rho), 2: pytest.approx(rho * (1 - rho)),
                   3: pytest.approx(rho ** 2)}
    assert sum(p * r for p, r in rounds(2.5, 6)) == pytest.approx(2.5)
    assert rounds(3.0, 3) == [(1.0, 3)]
    # no bound: the expected rounds, mixed between the integers around a fraction
    assert rounds(2.25, None) == [(0.75, 2), (0.25, 3)]


def test_a_loop(spec) -> None:
    wf = wf_of(spec, """
models:
  m: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 1.0}
steps:
  - {id: w, model: m, prompt: hi}
loops:
  - {id: r, steps: [w], max_iterations: 3, expected_iterations: 2}
""")
    sp = spread(wf)
    assert sp.latency is not None
    # P(1 round) = 0.382, P(2) = 0.236, P(3) = 0.382: CDF 0.382, 0.618, 1
    assert sp.latency.values == {50: pytest.approx(2.0), 95: pytest.approx(3.0),
                                 99: pytest.approx(3.0)}
    # the distribution's mean is the expected figure
    assert estimate(wf).latency_s == pytest.approx(2.0)


def test_parallel_steps_take_the_maximum(spec) -> None:
    # each: 2 s with 0.8, 4 s with 0.2; both done by 2 s with 0.64
    wf = wf_of(spec, """
models:
  m: {per_call_usd: 0.01, per_call_s: 2.0, p_ok: 0.8}
steps:
  - {id: a, model: m, prompt: hi, retries: 1, parallel: g}
  - {id: b, model: m, prompt: hi, retries: 1, parallel: g}
""")
    sp = spread(wf)
    assert sp.latency is not None and sp.cost is not None
    assert sp.latency.values[50] == pytest.approx(2.0)
    assert sp.latency.values[95] == pytest.approx(4.0)
    # cost: 0.02 with 0.64, 0.03 with 0.32, 0.04 with 0.04
    assert sp.cost.values == {50: pytest.approx(0.02), 95: pytest.approx(0.03),
                              99: pytest.approx(0.04)}


N_SHAPE = """
execution: dag
models:
  m: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 1.0}
  flaky: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 0.8}
  long: {per_call_usd: 0.001, per_call_s: 3.0, p_ok: 1.0}
steps:
  - {id: a, model: m, prompt: hi}
  - {id: b, model: flaky, prompt: hi, retries: 1}
  - {id: c, model: m, prompt: "{{ steps.a.output }} {{ steps.b.output }}"}
  - {id: d, model: long, prompt: "{{ steps.b.output }}"}
"""


def test_a_graph_that_does_not_reduce_is_simulated_with_its_band(spec) -> None:
    # a and b feed c, b feeds d: no series-parallel form. The latency is
    # max(max(a, b) + c, b + d) = b + 3: 4 s with 0.8, 5 s with 0.2
    wf = wf_of(spec, N_SHAPE)
    sp = spread(wf)
    assert sp.latency is not None and sp.cost is not None
    assert sp.latency.method == "simulation"
    assert sp.samples >= 2000
    assert sp.latency.values == {50: 4.0, 95: 5.0, 99: 5.0}
    # the DKW band at 95 % confidence: sqrt(ln(40) / (2 n))
    assert sp.latency.error == pytest.approx(math.sqrt(math.log(40) / (2 * sp.samples)))
    lo, hi = sp.latency.bound[95]
    assert lo <= 5.0 <= hi


def test_estimate_json_has_the_percentiles_after_the_contract_keys(spec) -> None:
    path = spec("agentlint: 1\nname: t\n" + N_SHAPE)
    first = run_process("estimate", str(path), "--format", "json")
    second = run_process("estimate", str(path), "--format", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout  # the seed is fixed
    data = json.loads(first.stdout)
    keys = [k for k in data if k != "provenance"]  # estimate's last key, after these
    assert list(data)[-1] == "provenance"
    assert keys[-1] == "percentiles"
    assert keys[:-1] == ["name", "file", "cost_usd", "cost_usd_max", "latency_s",
                         "latency_s_max", "reliability", "calls", "critical_path", "steps",
                         "budgets"]
    lat = data["percentiles"]["latency_s"]
    assert lat["method"] == "simulation" and lat["p95"] == 5.0
    assert data["percentiles"]["seed"] == 20261130


def test_estimate_text_shows_the_percentiles(spec) -> None:
    path = spec("""\
agentlint: 1
name: t
models:
  m: {per_call_usd: 0.01, per_call_s: 2.0, p_ok: 0.8}
steps:
  - {id: a, model: m, prompt: hi, retries: 2}
""")
    done = run_process("estimate", str(path))
    assert done.returncode == 0, done.stderr
    assert ("percentiles p50 / p95 / p99: latency 2.00 s / 4.00 s / 6.00 s, "
            "cost $0.01 / $0.02 / $0.03\n  (exact)\n") in done.stdout


BUDGETED = """\
agentlint: 1
name: t
models:
  m: {per_call_usd: 0.01, per_call_s: 2.0, p_ok: 0.8}
steps:
  - {id: a, model: m, prompt: hi, retries: 2}
budgets:
  latency_s: 3
  latency_p95_s: LIMIT
"""


def test_a_p95_latency_budget_is_checked_by_estimate_and_lint(spec) -> None:
    # expected 2.48 s meets latency_s: 3; the p95 is 4 s
    over = spec(BUDGETED.replace("LIMIT", "3.5"), name="over.yaml")
    done = run_process("estimate", str(over), "--format", "json")
    assert done.returncode == 1, done.stderr
    budgets = json.loads(done.stdout)["budgets"]
    assert budgets["latency_s"]["ok"] is True
    assert budgets["latency_p95_s"] == {"limit": 3.5, "actual": 4.0, "ok": False}
    lint = run_process("lint", str(over), "--select", "AL501")
    assert lint.returncode == 1
    assert "95th-percentile latency 4.00 s is over the 3.50 s budget" in lint.stdout
    fits = spec(BUDGETED.replace("LIMIT", "4"), name="fits.yaml")
    assert run_process("estimate", str(fits)).returncode == 0
    assert run_process("lint", str(fits), "--select", "AL501").returncode == 0


def test_the_budget_is_attached_once(spec) -> None:
    wf = load_workflow(str(spec(BUDGETED.replace("LIMIT", "3.5"))))
    est = estimate(wf)
    attach(est, wf)
    assert [b.name for b in est.budgets] == ["latency_s", "latency_p95_s"]
    assert [b.name for b in est.over_budget] == ["latency_p95_s"]


OPTIMIZE = """\
agentlint: 1
name: t
models:
  flaky: {per_call_usd: 0.001, per_call_s: 2.0, p_ok: 0.7}
  steady: {per_call_usd: 0.004, per_call_s: 3.0, p_ok: 0.999}
steps:
  - id: answer
    model: flaky
    candidates: [flaky, steady]
    prompt: hi
    retries: 3
budgets:
  reliability: 0.99
"""


def test_the_optimizer_proposes_a_plan_that_meets_the_p95_budget(spec) -> None:
    from agentlint.optimizer.run import optimize

    # without it: flaky with its 3 retries is the cheapest plan at 99.19 %, and its
    # p95 latency is 6 s (2 s with 0.7, 4 s with 0.21, 6 s with 0.063: CDF 0.973)
    plain = optimize(load_workflow(str(spec(OPTIMIZE, name="plain.yaml"))))
    assert plain.proposal is None or plain.proposal.changes == []
    assert spread(load_workflow(str(spec(OPTIMIZE, name="plain.yaml")))).latency.values[95] \
        == pytest.approx(6.0)
    budgeted = OPTIMIZE + "  latency_p95_s: 3.5\n"
    result = optimize(load_workflow(str(spec(budgeted, name="p95.yaml"))))
    assert result.proposal is not None
    assert result.status == "optimal"
    # re-checked from the rewritten spec itself
    path = spec(result.proposal.rewrite.text, name="plan.yaml")
    again = load_workflow(str(path))
    assert again.steps[0].model == "steady"
    got = spread(again)
    assert got.latency is not None and got.latency.values[95] <= 3.5
    assert estimate(again).reliability >= 0.99
    assert [(b.name, b.ok) for b in result.after.budgets] == [
        ("reliability", True), ("latency_p95_s", True)]


def test_a_run_too_long_to_simulate_is_said_so_quickly(spec) -> None:
    import time

    wf = wf_of(spec, """
models:
  m: {per_call_usd: 0.01, per_call_s: 2.0, p_ok: 0.5}
steps:
  - {id: a, model: m, prompt: hi, retries: 100, fan_out: {count: 100000, max_concurrency: 7}}
  - {id: b, model: m, prompt: hi, retries: 100, calls: 1000}
loops:
  - {id: r, steps: [a, b], max_iterations: 10000, expected_iterations: 3}
""")
    started = time.process_time()
    sp = spread(wf)
    assert time.process_time() - started < 5.0
    assert sp.latency is None and sp.reason is not None
    assert sp.to_json() == {"method": "none", "reason": sp.reason}
    assert "too long to simulate" in sp.reason


def test_a_profile_budget_may_name_a_percentile(tmp_path) -> None:
    from tests import test_adapters

    (tmp_path / ".git").mkdir()
    folder = tmp_path / "flow"
    folder.mkdir()
    (folder / "flow.dag.yaml").write_text(test_adapters.FLOW, encoding="utf-8")
    for name in ("classify.jinja2", "answer.jinja2"):
        (folder / name).write_text("system:\nAnswer.\nuser:\n{{question}}\n", encoding="utf-8")
    (folder / "agentlint.profile.yaml").write_text(
        "budgets: {latency_p95_s: 0.01, cost_p95_usd: 100}\n", encoding="utf-8")
    done = run_process("estimate", "flow/flow.dag.yaml", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    budgets = json.loads(done.stdout)["budgets"]
    assert budgets["latency_p95_s"]["ok"] is False
    assert budgets["cost_p95_usd"]["ok"] is True
