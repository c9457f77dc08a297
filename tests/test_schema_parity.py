"""The built-in validator and jsonschema reach the same verdict on the same documents.

agentlint interprets its published schema itself (to keep jsonschema's import
off the lint path); this test is what keeps the two honest. Documents are the
examples and random mutations of them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentlint.errors import SpecError
from agentlint.spec.schema import load_schema, validate
from agentlint.spec.yamlload import load_text

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))
VALIDATOR = jsonschema.Draft202012Validator(load_schema())


def plain(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def ours(doc: Any) -> tuple[bool, Any]:
    """Our verdict, and the document as our validator normalised it."""
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    loaded = load_text(text, "doc.yaml")
    try:
        validate(loaded, "doc.yaml")
    except SpecError:
        return False, loaded
    return True, loaded


def ours_accepts(doc: Any) -> bool:
    return ours(doc)[0]


def as_plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: as_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_plain(v) for v in node]
    return node


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_valid_for_both(path: Path) -> None:
    doc = plain(path)
    assert VALIDATOR.is_valid(doc)
    assert ours_accepts(doc)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


REPLACEMENTS = [None, True, -1, 0, 0.5, 1, 2, 1.5, 10**6, "", "x", "llm", "lllm", [], ["a"],
                {}, {"step": "a"}, {"retires": 1}]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutations_same_verdict(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(EXAMPLES))
    doc = plain(path)
    for _ in range(data.draw(st.integers(1, 3))):
        targets = _paths(doc)[1:]
        where = data.draw(st.sampled_from(targets))
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        last = where[-1]
        if action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["retires", "x-note", "kind", "id", "share",
                                              "max_iterations"]))] = copy.deepcopy(
                data.draw(st.sampled_from(REPLACEMENTS)))
        else:
            parent[last] = copy.deepcopy(data.draw(st.sampled_from(REPLACEMENTS)))
    # Ours reads `id: 12` or `name: yes` as the text written (YAML 1.1 would
    # make them a number or a boolean), so compare on what it normalised.
    accepted, normalised = ours(doc)
    shown = yaml.safe_dump(doc)[:2000]
    if accepted:
        assert VALIDATOR.is_valid(as_plain(normalised)), shown
    else:
        assert not VALIDATOR.is_valid(doc), shown
