"""The bounded statistics calibration keeps: exact means, quantiles within the stated error."""

from __future__ import annotations

import random

from agentlint.calibrate.stats import P95_RANK_ERROR, RESERVOIR, Line, Stat


def test_quantiles_are_exact_up_to_the_reservoir() -> None:
    stat = Stat()
    for v in range(1, 101):
        stat.add(float(v))
    assert stat.mean == 50.5 and stat.median == 50.5
    assert stat.quantile(0.0) == 1 and stat.quantile(1.0) == 100
    assert abs(stat.p95 - 95.05) < 1e-9


def test_beyond_the_reservoir_the_mean_is_exact_and_the_p95_within_its_error() -> None:
    rng = random.Random(3)
    stat = Stat(seed=9)
    values = [rng.random() for _ in range(50 * RESERVOIR)]
    for v in values:
        stat.add(v)
    assert len(stat.sample) == RESERVOIR and stat.count == len(values)
    assert abs(stat.mean - sum(values) / len(values)) < 1e-9
    # uniform values: the value read is its own rank; four standard deviations of slack
    assert abs(stat.p95 - 0.95) * 100 < 4 * P95_RANK_ERROR


def test_a_line_is_fitted_or_refused() -> None:
    line = Line()
    for x in (100.0, 200.0, 400.0, 800.0):
        line.add(x, 0.5 + x / 200)
    a, b = line.fit() or (0.0, 0.0)
    assert abs(a - 0.5) < 1e-9 and abs(1 / b - 200) < 1e-6
    flat = Line()
    for _ in range(5):
        flat.add(300.0, 2.0)
    assert flat.fit() is None  # one output size: no slope to read a speed from
