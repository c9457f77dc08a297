"""The published JSON Schema of the workflow spec, format version 1.

The schema is read at run time by agentlint's own small validator, which
understands only a subset of JSON Schema; these tests keep the file inside
that subset and check it against the reference implementation.
"""

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from agentlint.spec.schema import SCHEMAS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "agentlint" / "schemas" / "workflow-v1.schema.json"
SCHEMA_ID = (
    "https://raw.githubusercontent.com/agentlint/agentlint/main/"
    "agentlint/schemas/workflow-v1.schema.json"
)

ALLOWED_KEYWORDS = {
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "markdownDescription",
    "default",
    "examples",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "propertyNames",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
}
ALLOWED_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
# Keywords whose value is a mapping of names to subschemas.
SCHEMA_MAPS = {"properties", "patternProperties", "$defs"}
# Keywords whose value is a single subschema (a boolean schema for
# additionalProperties is allowed only as false).
SUBSCHEMAS = {"items", "propertyNames", "additionalProperties"}


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft202012Validator(schema)


def walk(node, path="#"):
    """Yield (path, subschema) for every subschema of ``node``."""
    yield path, node
    for key, value in node.items():
        if key in SCHEMA_MAPS:
            for name, sub in value.items():
                yield from walk(sub, f"{path}/{key}/{name}")
        elif key in SUBSCHEMAS and isinstance(value, dict):
            yield from walk(value, f"{path}/{key}")


def test_schema_is_valid_draft_2020_12(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] and schema["description"]


def test_the_checker_reads_exactly_the_allowed_keywords():
    from agentlint.spec.schema import _KNOWN

    assert _KNOWN == ALLOWED_KEYWORDS


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_published_schema_uses_only_keywords_the_checker_reads(name):
    """agentlint's own checker validates against these files at run time and reads no other
    keyword; a schema using one would be checked short of what it says."""
    published = json.loads((ROOT / "agentlint" / "schemas" / SCHEMAS[name]).read_text(
        encoding="utf-8"))
    for path, sub in walk(published):
        if isinstance(sub, dict):
            unknown = set(sub) - ALLOWED_KEYWORDS
            assert not unknown, f"{SCHEMAS[name]} {path}: unsupported keywords {sorted(unknown)}"


def test_schema_uses_only_supported_keywords(schema):
    for path, sub in walk(schema):
        assert isinstance(sub, dict), path
        unknown = set(sub) - ALLOWED_KEYWORDS
        assert not unknown, f"{path}: unsupported keywords {sorted(unknown)}"
        if "$ref" in sub:
            ref = sub["$ref"]
            assert ref.startswith("#/$defs/"), f"{path}: non-local $ref {ref}"
            assert ref.removeprefix("#/$defs/") in schema["$defs"], f"{path}: {ref}"
        if "type" in sub:
            types = sub["type"] if isinstance(sub["type"], list) else [sub["type"]]
            assert set(types) <= ALLOWED_TYPES, f"{path}: type {sub['type']}"
        if "items" in sub:
            assert isinstance(sub["items"], dict), f"{path}: items must be one schema"
        if "additionalProperties" in sub:
            value = sub["additionalProperties"]
            assert value is False or isinstance(value, dict), path


def test_every_object_is_closed_but_allows_extensions(schema):
    for path, sub in walk(schema):
        if "properties" in sub or sub.get("type") == "object":
            assert "additionalProperties" in sub, f"{path}: open object"
            assert sub["patternProperties"] == {"^x-": {}}, path


def test_every_property_is_described(schema):
    for path, sub in walk(schema):
        for name, prop in sub.get("properties", {}).items():
            assert prop.get("description"), f"{path}/properties/{name}"


DOCUMENT = """
agentlint: 1
name: support-ticket
execution: sequential
max_concurrency: 4
x-owner: support-team
models:
  premium:
    model: gpt-4o
    cached_input_per_mtok: 1.25
  gpt-4o-mini: {}
  openai/gpt-4o: {input_per_mtok: 2.5, output_per_mtok: 10, ttft_s: 0.6,
                  tokens_per_s: 100, p_ok: 0.985, context_window: 128000}
  small:
    per_call_usd: 0.002
    per_call_s: 0.4
    p_ok: 0.945
tools:
  lookup_account: {}
  search_web: {effect: read, untrusted: true, per_call_s: 1.2}
  send_email: {effect: send}
  update_crm: {effect: write, idempotent: false}
inputs:
  ticket: {tokens: 2000}
  history: {tokens: 6000, untrusted: true}
agents:
  triage:
    model: small
    system: |
      You classify support tickets.
    tools: [lookup_account]
    x-note: reviewed
steps:
  - id: classify
    agent: triage
    kind: router
    prompt: "Ticket: {{ inputs.ticket }}"
    output_tokens: 20
    routes: [billing, {step: tech, share: 0.3}]
  - id: billing
    model: premium
    prompt: "{{ steps.classify.output }} {{ inputs.ticket }}"
    output_tokens: 300
    retries: 1
    needs: [classify]
    parallel: fanout
    calls: 1
    cache_hit_rate: 0.0
    optional: false
    candidates: [premium, small]
    max_retries: 3
    timeout_s: 30
  - id: tech
    model: gpt-4o-mini
    prompt_file: prompts/tech.md
    context: [classify]
    fan_out: {count: 3, max_concurrency: 2}
  - id: notify
    kind: tool
    tool: send_email
    per_call_s: 0.5
    p_ok: 0.99
    terminal: true
loops:
  - id: refine
    steps: [billing]
    max_iterations: 4
    expected_iterations: 2
    until: "{{ steps.billing.output }} contains APPROVED"
budgets:
  cost_usd: 0.02
  latency_s: 4.0
  reliability: 0.97
"""


def test_valid_document(validator):
    document = yaml.safe_load(DOCUMENT)
    errors = [error.message for error in validator.iter_errors(document)]
    assert errors == []


def test_minimal_document(validator):
    document = yaml.safe_load("agentlint: 1\nsteps:\n  - id: only\n")
    assert validator.is_valid(document)


def _set(document, path, value):
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _drop(document, path):
    node = document
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]


@pytest.mark.parametrize(
    ("change", "path", "value"),
    [
        ("set", ("steps", 1, "retires"), 1),
        ("set", ("models", "small", "p_ok"), 1.5),
        ("set", ("models", "small", "p_ok"), 0),
        ("set", ("steps", 1, "kind"), "lllm"),
        ("set", ("agentlint",), 2),
        ("set", ("steps", 1, "output_tokens"), -5),
        ("drop", ("steps", 2, "id"), None),
        ("set", ("steps", 0, "routes"), ["billing", {"share": 0.5}]),
        ("set", ("steps", 0, "routes"), [{"step": "tech", "share": 1.5}]),
        ("set", ("steps", 1, "id"), "has space"),
        ("set", ("execution",), "parallel"),
        ("set", ("tools", "send_email", "effect"), "delete"),
        ("set", ("steps", 1, "calls"), 0),
        ("set", ("steps", 2, "fan_out"), {"max_concurrency": 2}),
        ("set", ("loops", 0, "max_iterations"), 0),
        ("set", ("budgets", "reliability"), 1.2),
        ("set", ("models", "bad name"), {}),
        ("set", ("steps",), []),
        ("drop", ("steps",), None),
        ("drop", ("agentlint",), None),
    ],
)
def test_invalid_documents(validator, change, path, value):
    document = copy.deepcopy(yaml.safe_load(DOCUMENT))
    if change == "set":
        _set(document, path, value)
    else:
        _drop(document, path)
    errors = list(validator.iter_errors(document))
    assert len(errors) == 1, [error.message for error in errors]


def test_docs_point_editors_at_the_schema():
    format_doc = ROOT / "docs" / "format.md"
    if not format_doc.exists():
        pytest.skip("docs/format.md not present")
    assert SCHEMA_ID in format_doc.read_text(encoding="utf-8")
