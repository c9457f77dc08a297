"""The records on the lint path behave as the dataclasses they replace.

A record (``agentlint.record``) writes its ``__slots__`` and ``__init__`` by
hand so that a one-file lint does not compile generated methods at every start
(``benchmarks/lint_speed.py``). Written by hand, they can drift from the
fields: a field added as an annotation only, or to ``__init__`` and not to the
slots, would fail at run time on one path only. These tests hold every record
of the package to its fields, and the base classes to a dataclass's equality,
text, hashing and pattern matching.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from typing import Any

import pytest

import agentlint
from agentlint.lint.registry import Finding
from agentlint.metrics import METRICS
from agentlint.record import FrozenRecord, Record, replace
from agentlint.spec.limits import Limit
from agentlint.spec.model import Budgets, Model, Step, Workflow


def _records() -> list[type[Record]]:
    found: dict[str, type[Record]] = {}
    for info in pkgutil.walk_packages(agentlint.__path__, "agentlint."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Record)
                    and value not in (Record, FrozenRecord) and value.__module__ == info.name
                    and value.__dict__.get("__slots__") != ()):  # not a base (spec's Placed)
                found[f"{info.name}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


RECORDS = _records()


def test_the_lint_path_s_classes_are_records() -> None:
    names = {cls.__name__ for cls in RECORDS}
    assert {"Finding", "Rule", "Config", "Settings", "Overrides", "LintResult", "Graph",
            "Estimate", "StepEstimate", "Model", "Step", "Workflow", "Metric", "Limit"} <= names


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_a_record_s_slots_annotations_and_init_name_the_same_fields(cls: type[Record]) -> None:
    fields = cls.__match_args__
    assert len(set(fields)) == len(fields)
    params = list(inspect.signature(cls.__init__).parameters)[1:]
    assert params == list(fields), "__init__ takes the fields in __match_args__ order"
    annotated = [name for name in inspect.get_annotations(cls) if not name.startswith("_")]
    properties = {name for name, value in vars(cls).items() if isinstance(value, property)}
    assert set(annotated) | (properties & set(fields)) == set(fields)
    slots = {name for name in cls.__dict__.get("__slots__", ()) if not name.startswith("_")}
    assert slots | (properties & set(fields)) == set(fields)
    assert not dataclasses.is_dataclass(cls)  # a lint does not import dataclasses


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_a_record_has_no_instance_dict(cls: type[Record]) -> None:
    assert "__dict__" not in dir(cls)


def _twin(record: Record, frozen: bool = False) -> Any:
    """A dataclass with the record's name and fields, holding the same values."""
    fields = type(record).__match_args__
    twin = dataclasses.make_dataclass(type(record).__name__, [(n, Any) for n in fields],
                                      frozen=frozen)
    return twin(*(getattr(record, n) for n in fields))


def test_text_and_equality_are_a_dataclass_s() -> None:
    found = Finding("AL201", "cache-defeating-prefix", "warning", "a 'quoted' message",
                    "flow.yaml", 3, 7)
    assert repr(found) == repr(_twin(found))
    same = Finding("AL201", "cache-defeating-prefix", "warning", "a 'quoted' message",
                   "flow.yaml", 3, 7, "")
    assert found == same
    assert (found != same) is False
    assert found != Finding("AL201", "cache-defeating-prefix", "warning", "other",
                            "flow.yaml", 3, 7)
    assert found.__eq__(_twin(found)) is NotImplemented  # another class: not equal
    with pytest.raises(TypeError):
        hash(found)  # as a dataclass with eq and without frozen
    nan = Model("m", p_ok=float("nan"))
    assert nan == copy.copy(nan)  # fields compared as tuples: the same NaN object is equal


def test_a_record_matches_its_fields_in_order() -> None:
    match Model("m", "base", p_ok=0.5):
        case Model(name, base):
            assert (name, base) == ("m", "base")
        case _:
            pytest.fail("a record did not match its own class")


def test_factory_defaults_are_fresh_for_each_record() -> None:
    a, b = Step("a", 0), Step("b", 1)
    a.needs.append("x")
    assert b.needs == [] and Workflow("w", "f").steps == []
    assert Workflow("w", "f").budgets == Budgets() and Workflow("w", "f").budgets is not \
        Workflow("w", "f").budgets


CHANGES: list[tuple[Record, dict[str, Any]]] = [
    (Step("a", 0, prompt="hello", needs=["b"]), {"prompt": "bye", "index": 3}),
    (Workflow("w", "f", steps=[Step("a", 0)]), {"name": "v"}),
    (Budgets(cost_usd=1.0), {"latency_s": 2.0, "cost_usd": None}),
    (Limit(False, 0.0, 1.0), {"high": 2.0}),
    (Finding("AL201", "cache-defeating-prefix", "warning", "m", "flow.yaml", 3, 7), {}),
]


@pytest.mark.parametrize(("record", "changes"), CHANGES,
                         ids=lambda value: type(value).__name__)
def test_replace_is_dataclasses_replace(record: Record, changes: dict[str, Any]) -> None:
    twin = _twin(record, frozen=isinstance(record, FrozenRecord))
    before = repr(record)
    changed = replace(record, **changes)
    assert type(changed) is type(record) and changed is not record
    assert repr(changed) == repr(dataclasses.replace(twin, **changes))
    assert repr(record) == before  # the record replaced is left as it was
    for name in type(record).__match_args__:  # a field not changed is the same object
        expected = changes[name] if name in changes else getattr(record, name)
        assert getattr(changed, name) is expected


def test_replace_builds_through_init_and_refuses_an_unknown_name() -> None:
    step = Step("a", 0, needs=["b"])
    assert replace(step, prompt="p") == Step("a", 0, prompt="p", needs=["b"])
    assert replace(Workflow("w", "f"), budgets=None).budgets == Budgets()  # __init__'s default
    with pytest.raises(TypeError):
        dataclasses.replace(_twin(step), colour="red")
    with pytest.raises(TypeError):
        replace(step, colour="red")
    frozen = replace(Limit(True, 1, 10), low=2)  # a frozen record: set once, by __init__
    with pytest.raises(dataclasses.FrozenInstanceError):
        frozen.low = 3  # type: ignore[misc]


def test_frozen_records_refuse_changes_and_hash_as_a_frozen_dataclass() -> None:
    limit = Limit(False, 0.0, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        limit.high = 2.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del limit.low  # type: ignore[misc]
    assert hash(limit) == hash(_twin(limit, frozen=True))
    assert {limit: 1}[Limit(False, 0.0, 1.0)] == 1
    assert repr(limit) == repr(_twin(limit, frozen=True))
    metric = METRICS[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        metric.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("value", [Limit(True, 1, 10, True), METRICS[2],
                                   Finding("AL1", "r", "info", "m", "f", 1, 1, "k"),
                                   Step("s", 2, needs=["a"])],
                         ids=["frozen", "metric", "record", "step"])
def test_records_pickle_and_copy(value: Record) -> None:
    """``--jobs`` sends findings between processes; copies keep every field."""
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value
