"""The built-in validator and jsonschema reach the same verdict on the same documents.

agentlint interprets its published schemas itself (to keep jsonschema's import
off the lint path); this test is what keeps the two honest. Documents are the
examples (workflow), the documented samples (configuration, profile) and random
mutations of them.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentlint.errors import SpecError
from agentlint.spec.positions import YMap, YSeq
from agentlint.spec.schema import SCHEMAS, load_schema, normalise, validate
from agentlint.spec.yamlload import load_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
VALIDATOR = jsonschema.Draft202012Validator(load_schema())
VALIDATORS = {kind: jsonschema.Draft202012Validator(load_schema(file))
              for kind, file in SCHEMAS.items()}
NOUNS = {"workflow": "a spec", "config": "a configuration", "profile": "a profile"}


def plain(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _doc_samples(page: str, start: str) -> list[Any]:
    """The YAML samples of a docs page whose text starts with ``start``."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    return [yaml.safe_load(b) for b in blocks if b.startswith(start)]


#: documents each schema accepts: the start of every mutation
SAMPLES: dict[str, list[Any]] = {
    "workflow": [plain(p) for p in EXAMPLES],
    "config": [*_doc_samples("configuration.md", "# .agentlint.yaml"),
               {"select": "AL1", "extend_select": ["AL9"], "per_file_ignores": {"a": "ALL"},
                "severity": {"AL1": "ERROR", "AL2": False, "cost": "Warning"},
                "rules": {"x": {"floor": 0.9, "names": ["a"]}}, "strict": False}],
    "profile": [*_doc_samples("profile.md", "# agentlint.profile.yaml"),
                {"inputs": {"retries": 500, "q": {"tokens": 0}, "x-note": "free"},
                 "steps": {"s": {"retries": 0, "calls": 1000, "share": 1.0}},
                 "files": {"f.yml": {"loops": {"l": {"max_iterations": 10000}}}}}],
}


def snapshot(node: Any) -> Any:
    """Everything a document holds, positions and written texts included."""
    if isinstance(node, YMap):
        return ("map", node.pos, dict(node.kpos), dict(node.vpos), dict(node.raw or {}),
                [(k, snapshot(v)) for k, v in node.items()])
    if isinstance(node, YSeq):
        return ("seq", node.pos, list(node.ipos), dict(node.raw or {}),
                [snapshot(v) for v in node])
    return (type(node).__name__, repr(node))


def ours(doc: Any, kind: str = "workflow") -> tuple[bool, Any]:
    """Our verdict, and the document as the loader normalised it before validating."""
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    loaded = normalise(load_text(text, "doc.yaml"), SCHEMAS[kind])
    before = snapshot(loaded)
    try:
        validate(loaded, "doc.yaml", SCHEMAS[kind], noun=NOUNS[kind],
                 path_names=kind == "profile")
    except SpecError:
        return False, loaded
    finally:
        assert snapshot(loaded) == before, "validation changed the document"
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


@pytest.mark.parametrize("kind", ["config", "profile"])
def test_samples_valid_for_both(kind: str) -> None:
    assert len(SAMPLES[kind]) >= 2
    for doc in SAMPLES[kind]:
        assert VALIDATORS[kind].is_valid(doc), doc
        assert ours(doc, kind)[0], doc


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_schemas_are_valid_draft_2020_12(kind: str) -> None:
    schema = load_schema(SCHEMAS[kind])
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(SCHEMAS[kind])


@pytest.mark.parametrize("kind", ["config", "profile"])
def test_every_property_is_described(kind: str) -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert "description" in sub, f"{where}.{name}"
            for value in node.values():
                walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    walk(load_schema(SCHEMAS[kind]), kind)


def test_validation_leaves_the_document_as_it_is() -> None:
    text = "agentlint: 1\nname: yes\nsteps:\n  - id: NO\n    kind: tool\n    tool: t\n" \
        "tools: {t: {}}\n"
    doc = load_text(text, "doc.yaml")
    before = snapshot(doc)
    with pytest.raises(SpecError, match="'name' must be text"):
        validate(doc, "doc.yaml")
    assert snapshot(doc) == before
    normalise(doc)
    assert doc["name"] == "yes" and doc["steps"][0]["id"] == "NO"
    after = snapshot(doc)
    validate(doc, "doc.yaml")
    assert snapshot(doc) == after


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
#: what mutations put in, and the keys they add, per schema
VALUES = {
    "workflow": REPLACEMENTS,
    "config": [*REPLACEMENTS, False, "off", "OFF", "Error", "eRRor", "loud", "AL1", ["AL1", 3],
               {"AL1": "info"}, {"floor": 0.5}],
    "profile": [*REPLACEMENTS, 0.001, 1e-4, 100, 101, 1000, 1001, 10**8, 10**8 + 1,
                "gpt-4o", {"tokens": 5}, {"tokens": -1}, {"share": 0.5}, {"count": 0},
                {"cost_usd": 1}, {"per_call_usd": 1, "per_call_s": 1}, {"p_ok": 0}],
}
ADDED = {
    "workflow": ["retires", "x-note", "kind", "id", "share", "max_iterations"],
    "config": ["selct", "select", "extend_select", "per-file-ignores", "strict", "rules",
               "severity", "x-note", "AL1"],
    "profile": ["stepz", "x-note", "share", "count", "retries", "calls", "tokens", "p_ok",
                "reliability", "expected_iterations", "max_iterations", "model", "files",
                "candidates", "default_model", "inputs"],
}


#: mutated documents per schema: a sample in every run, the full count under -m slow
FAST, FULL = 60, 300
KINDS = ["workflow", "config", "profile"]


def _budget(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("kind", KINDS)
@_budget(FAST)
@given(data=st.data())
def test_mutations_same_verdict(kind: str, data: st.DataObject) -> None:
    _mutate_and_compare(data, kind)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@_budget(FULL)
@given(data=st.data())
def test_mutations_same_verdict_full(kind: str, data: st.DataObject) -> None:
    _mutate_and_compare(data, kind)


def _mutate_and_compare(data: st.DataObject, kind: str) -> None:
    doc = copy.deepcopy(data.draw(st.sampled_from(SAMPLES[kind])))
    for _ in range(data.draw(st.integers(1, 3))):
        targets = _paths(doc)[1:]
        if not targets:
            break
        where = data.draw(st.sampled_from(targets))
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        last = where[-1]
        if action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(ADDED[kind]))] = copy.deepcopy(
                data.draw(st.sampled_from(VALUES[kind])))
        else:
            parent[last] = copy.deepcopy(data.draw(st.sampled_from(VALUES[kind])))
    # Ours reads `id: 12` or `name: yes` as the text written (YAML 1.1 would
    # make them a number or a boolean), so compare on what it normalised.
    accepted, normalised = ours(doc, kind)
    shown = yaml.safe_dump(doc)[:2000]
    if accepted:
        assert VALIDATORS[kind].is_valid(as_plain(normalised)), shown
    else:
        assert not VALIDATORS[kind].is_valid(doc), shown


def test_json_types_of_python_values() -> None:
    import enum

    from agentlint.spec.schema import _type_of

    class Flag(enum.IntEnum):
        ON = 1

    doc = load_text("m: {a: 1}\ns: [1]\n", "t.yaml")
    cases = [(None, "null"), (True, "boolean"), (1, "integer"), (1.5, "number"),
             ("x", "string"), ([], "array"), ({}, "object"), (doc, "object"),
             (doc["m"], "object"), (doc["s"], "array"), (Flag.ON, "integer"),
             (b"x", "bytes")]
    for value, kind in cases:
        assert _type_of(value) == kind, value
