"""optimize --format json: percentiles where the run computed them, never past --time-limit.

A run distribution of a long chain takes seconds to compute; optimize computes it only to
check a percentile budget, so its JSON carries ``percentiles`` exactly then (and a run
without such a budget stays within its time limit: tests/test_signals.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_process

SPEC = """\
agentlint: 1
models:
  m: {per_call_usd: 0.01, per_call_s: 2.0, p_ok: 0.9}
steps:
  - id: first
    model: m
    retries: 1
  - id: second
    model: m
    retries: 1
budgets:
  cost_usd: 1
BUDGET"""


def _optimize(tmp_path: Path, budget: str) -> dict:
    (tmp_path / ".git").mkdir(exist_ok=True)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace("BUDGET", budget), encoding="utf-8")
    proc = run_process("optimize", "--format", "json", "spec.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data: dict = json.loads(proc.stdout)
    return data


def test_a_percentile_budget_gives_before_and_after_their_percentiles(tmp_path: Path) -> None:
    data = _optimize(tmp_path, "  latency_p95_s: 30\n")
    for side in ("before", "after"):
        lat = data[side]["percentiles"]["latency_s"]
        # two steps of 2 s, each retried once at 90 %: p95 is one retry (6 s)
        assert lat["p95"] == 6.0 and lat["method"] == "exact"


def test_without_one_optimize_does_not_compute_them(tmp_path: Path) -> None:
    data = _optimize(tmp_path, "")
    assert "percentiles" not in data["before"] and "percentiles" not in data["after"]
