"""The cascade cases of tests/test_optimizer_exhaustive.py at 100 generated specs each
on HiGHS and 30 on CBC (seven times slower per case): the kind of set that found a wrong
"infeasible" of HiGHS's presolve and a CBC answer that broke a grouping row
(tests/test_cascade.py pins both). No more, so that both CI legs stay well inside their
time; raise ``max_examples`` to search further by hand."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_optimizer_exhaustive import _check, specs

pytestmark = pytest.mark.slow


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_cascades_match_exhaustive_search_100(data: Any) -> None:
    execution = data.draw(st.sampled_from(["sequential", "dag"]), label="execution")
    _check(data.draw(specs(execution, cascades=True), label="spec"), data)


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_cascades_under_tight_cost_budgets_match_exhaustive_search_100(data: Any) -> None:
    execution = data.draw(st.sampled_from(["sequential", "dag"]), label="execution")
    spec = data.draw(specs(execution, cascades=True), label="spec")
    for step in spec["steps"]:
        step["retries"] = step["max_retries"] = 0  # models and cascades are the levers
    _check(spec, data, tight=True)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_cbc_cascades_match_exhaustive_search_30(data: Any) -> None:
    execution = data.draw(st.sampled_from(["sequential", "dag"]), label="execution")
    _check(data.draw(specs(execution, cascades=True), label="spec"), data, solver="cbc")
