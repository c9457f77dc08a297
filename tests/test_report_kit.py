"""The shared pieces under the reports: the Metric table, columns, budget lines,
the View walk, the catalog's Model constructor and the format registries."""

from __future__ import annotations

import click
import pytest

from agentlint import report
from agentlint.cli import main
from agentlint.graph.estimate import BudgetCheck
from agentlint.graph.view import Cluster, View, walk
from agentlint.metrics import COST, LATENCY, METRICS, RELIABILITY, metric
from agentlint.report.table import budget_lines, columns, paint
from agentlint.spec import catalog
from agentlint.spec.model import Workflow

# -- metrics ------------------------------------------------------------------------------


def test_metric_names_and_directions() -> None:
    assert [m.name for m in METRICS] == ["cost_usd", "latency_s", "reliability"]
    assert metric("cost") is metric("cost_usd") is COST
    with pytest.raises(KeyError):
        metric("calls")
    assert (COST.relation, LATENCY.relation, RELIABILITY.relation) == ("<=", "<=", ">=")
    assert COST.within(0.05, 0.05) and not COST.within(0.051, 0.05)
    assert RELIABILITY.within(0.99, 0.99) and not RELIABILITY.within(0.98, 0.99)


def test_worse_is_positive_whichever_the_direction() -> None:
    assert COST.worse(0.01, 0.03) == pytest.approx(0.02)
    assert LATENCY.worse(3.0, 2.0) == -1.0
    assert RELIABILITY.worse(0.99, 0.97) == pytest.approx(0.02)
    assert RELIABILITY.worse(0.97, 0.99) == pytest.approx(-0.02)


def test_changes_are_written_in_each_unit() -> None:
    assert COST.change(0.01, 0.015) == ("+$0.005", "+50.0 %")
    assert LATENCY.change(2.0, 1.5) == ("-0.50 s", "-25.0 %")
    assert LATENCY.change(2.0, 2.004) == ("0 s", "+0.2 %")
    assert RELIABILITY.change(0.99, 0.98) == ("-1.00 pp", None)


def test_relaxed_limits_round_the_safe_way() -> None:
    assert COST.rounded_limit(0.0412345) == pytest.approx(0.04124)  # up
    assert LATENCY.rounded_limit(3.2101) == pytest.approx(3.22)  # up
    assert RELIABILITY.rounded_limit(0.987654) == pytest.approx(0.9876)  # down
    assert COST.rounded_limit(0.0) == 0.0


# -- table --------------------------------------------------------------------------------


def test_columns_pad_align_and_strip() -> None:
    rows = [("name", "n", ""), ("a", "100", "x"), ("longer", "2", "")]
    assert columns(rows, right={1}, pad="  ") == [
        "  name      n",
        "  a       100  x",
        "  longer    2",
    ]
    assert columns([("a", "b")], sep=" ", minimum=(3, 2), right={1}) == ["a    b"]
    assert columns([]) == []


def test_budget_lines_say_pass_or_fail() -> None:
    checks = [BudgetCheck("cost_usd", 0.05, 0.04), BudgetCheck("reliability", 0.99, 0.98)]
    assert budget_lines(checks, color=False) == [
        "budget cost_usd: $0.04 <= $0.05: pass",
        "budget reliability: 98.00 % >= 99.00 %: FAIL",
    ]
    assert paint("FAIL", "31;1", True) in budget_lines(checks, color=True)[1]


# -- the View walk ------------------------------------------------------------------------


def test_walk_opens_clusters_inner_first_then_loose_steps() -> None:
    inner = Cluster("group_0", "parallel: a", [1, 2])
    outer = Cluster("loop_0", "loop l", [3], [inner])
    view = View(Workflow.__new__(Workflow), [], set(), set(), [], [outer], [0, 4])
    stops = [(v.kind, v.depth, v.cluster.name if v.cluster else v.step) for v in walk(view)]
    assert stops == [("open", 0, "loop_0"), ("open", 1, "group_0"), ("node", 2, 1),
                     ("node", 2, 2), ("close", 1, "group_0"), ("node", 1, 3),
                     ("close", 0, "loop_0"), ("node", 0, 0), ("node", 0, 4)]


# -- catalog.model ------------------------------------------------------------------------


def test_catalog_model_is_complete_or_none() -> None:
    m = catalog.model("openai/gpt-4o-mini")
    assert m is not None and m.name == "openai/gpt-4o-mini" and m.base == "gpt-4o-mini"
    assert m.lacks is None and "input_per_mtok" in m.from_catalog
    assert m.cached_input_per_mtok is not None
    assert catalog.model("no-such-model") is None


def test_catalog_model_under_a_spec_entry() -> None:
    own = {"input_per_mtok": 9.0}
    m = catalog.model("gpt-4o-mini", own, called="mini")
    assert m is not None and m.name == "mini" and m.input_per_mtok == 9.0
    assert "input_per_mtok" not in m.from_catalog and "output_per_mtok" in m.from_catalog
    bare = catalog.model("mine", {"input_per_mtok": 1.0, "output_per_mtok": 2.0})
    assert bare is not None and bare.lacks == "speed" and bare.cached_input_per_mtok == 1.0


# -- the format registries ----------------------------------------------------------------


@pytest.mark.parametrize(("command", "formats"), [
    ("lint", report.LINT), ("optimize", report.OPTIMIZE), ("diff", report.DIFF),
    ("graph", report.GRAPH)])
def test_cli_choices_are_the_registries(command: str, formats: dict[str, object]) -> None:
    cmd = main.commands[command]
    option = next(p for p in cmd.params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == list(formats)
