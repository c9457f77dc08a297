"""Validate a loaded spec against the published JSON Schema, in plain words.

The schema file in ``agentlint/schemas/`` is the single source of truth: the
same file editors use is interpreted here. agentlint does not import
``jsonschema`` on this path because its import alone costs more than linting
a typical spec; instead this module interprets the subset of draft 2020-12
keywords the schema uses, and refuses to start if the schema ever uses one it
does not know, so the two can never silently disagree. The test suite checks
that ``jsonschema`` and this validator reach the same verdicts.

Beyond the schema, two things happen here because they need the positions:
values YAML 1.1 turned into booleans or numbers where the schema wants text
are read back as written (``id: NO`` is the step "NO"), and NaN or infinite
numbers are refused. Every number is checked against its range in
:mod:`agentlint.spec.limits` (the schema repeats those ranges) before its
type, so the message names the range.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from functools import cache
from importlib import resources
from typing import Any

from agentlint.errors import SpecError
from agentlint.spec.limits import LIMITS, problem
from agentlint.spec.positions import YMap, YSeq, position_of

SCHEMA_FILE = "workflow-v1.schema.json"
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "markdownDescription",
                "default", "examples"}
_KNOWN = _ANNOTATIONS | {
    "$ref", "type", "properties", "required", "additionalProperties", "patternProperties",
    "propertyNames", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "pattern", "items", "minItems", "maxItems",
    "uniqueItems", "minProperties",
}
_TYPE_WORDS = {
    "object": "a mapping", "array": "a list", "string": "text", "number": "a number",
    "integer": "a whole number", "boolean": "true or false", "null": "empty",
}


@cache
def load_schema() -> dict[str, Any]:
    text = resources.files("agentlint.schemas").joinpath(SCHEMA_FILE).read_text("utf-8")
    schema = json.loads(text)
    _check_keywords(schema)
    return schema


def schema_path() -> str:
    return str(resources.files("agentlint.schemas").joinpath(SCHEMA_FILE))


def _check_keywords(node: Any) -> None:
    if isinstance(node, dict):
        unknown = set(node) - _KNOWN
        if unknown:
            raise RuntimeError(f"schema uses unsupported keywords {sorted(unknown)}")
        for key, value in node.items():
            if key in ("properties", "patternProperties", "$defs"):
                for sub in value.values():
                    _check_keywords(sub)
            elif key in ("items", "additionalProperties", "propertyNames") and isinstance(
                    value, dict):
                _check_keywords(value)


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _matches_type(value: Any, wanted: str) -> bool:
    actual = _type_of(value)
    if wanted == actual:
        return True
    if wanted == "number":
        return actual == "integer"
    if wanted == "integer":
        return actual == "number" and math.isfinite(value) and float(value).is_integer()
    return False


def _describe(value: Any) -> str:
    kind = _type_of(value)
    if kind in ("object", "array"):
        return _TYPE_WORDS[kind]
    shown = repr(value) if isinstance(value, str) else json.dumps(value) \
        if kind != "number" or math.isfinite(value) else str(value)
    return f"{_TYPE_WORDS.get(kind, kind)} ({shown})"


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class Validator:
    """Checks one document; raises :class:`SpecError` at the first problem."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.root = load_schema()

    def fail(self, container: Any, key: Any, message: str, at_key: bool = False) -> SpecError:
        if at_key and isinstance(container, YMap):
            line, col = container.key_at(key)
        else:
            line, col = position_of(container, key)
        return SpecError(self.file, line, col, message)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].removeprefix("#/$defs/")
            schema = self.root["$defs"][name]
        return schema

    def validate(self, doc: Any) -> None:
        if not isinstance(doc, YMap):
            raise SpecError(self.file, *position_of(doc), "a spec must be a YAML mapping "
                            f"at the top level, not {_describe(doc)}")
        self.check_object(doc, self.root, "the spec")

    def check(self, value: Any, schema: dict[str, Any], container: Any, key: Any,
              name: str) -> None:
        """Check ``container[key]`` (which is ``value``) against ``schema``."""
        schema = self.resolve(schema)
        types = schema.get("type")
        if types in ("number", "integer") and isinstance(key, str) and key in LIMITS:
            # The range first: `retries: 1e308` or `.nan` is out of range before
            # it is anything else, and the message gives the range.
            written = container.text(key) if isinstance(container, YMap) else None
            message = problem(key, value, written)
            if message is not None:
                raise self.fail(container, key, message)
        if types is not None:
            wanted = [types] if isinstance(types, str) else list(types)
            if not any(_matches_type(value, t) for t in wanted):
                raw = container.text(key) if isinstance(container, (YMap, YSeq)) else None
                if "string" in wanted and isinstance(raw, str) and not isinstance(value, str):
                    # YAML 1.1 read `NO` as false or `1.10` as 1.1: take the text as written.
                    container[key] = value = raw
                else:
                    words = " or ".join(_TYPE_WORDS.get(t, t) for t in wanted)
                    raise self.fail(container, key,
                                    f"{name} must be {words}, not {_describe(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(container, key, f"{name} must be a finite number, not {value}")
        if "const" in schema and value != schema["const"]:
            raise self.fail(container, key, f"{name} must be {json.dumps(schema['const'])}, "
                            f"not {_describe(value)}")
        if "enum" in schema and value not in schema["enum"]:
            options = ", ".join(str(o) for o in schema["enum"])
            hint = _did_you_mean(value, schema["enum"])
            raise self.fail(container, key,
                            f"{name} must be one of {options}; got {_describe(value)}{hint}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.check_number(value, schema, container, key, name)
        elif isinstance(value, str):
            self.check_string(value, schema, container, key, name)
        elif isinstance(value, YMap):
            self.check_object(value, schema, name)
        elif isinstance(value, YSeq):
            self.check_array(value, schema, name)

    def check_number(self, value: float, schema: dict[str, Any], container: Any, key: Any,
                     name: str) -> None:
        if "minimum" in schema and value < schema["minimum"]:
            raise self.fail(container, key, f"{name} must be at least {schema['minimum']}, "
                            f"got {value}")
        if "maximum" in schema and value > schema["maximum"]:
            raise self.fail(container, key, f"{name} must be at most {schema['maximum']}, "
                            f"got {value}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            raise self.fail(container, key, f"{name} must be greater than "
                            f"{schema['exclusiveMinimum']}, got {value}")
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            raise self.fail(container, key, f"{name} must be less than "
                            f"{schema['exclusiveMaximum']}, got {value}")

    def check_string(self, value: str, schema: dict[str, Any], container: Any, key: Any,
                     name: str) -> None:
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise self.fail(container, key, f"{name} must not be empty")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise self.fail(container, key, f"{name} is longer than {schema['maxLength']} "
                            "characters")
        if "pattern" in schema and not _regex(schema["pattern"]).search(value):
            raise self.fail(container, key, f"{name} {value!r} is not a valid name: use "
                            "letters, digits, '_' and '-'" + (", '.', ':', '/', '@'"
                                                              if "." in schema["pattern"]
                                                              else ""))

    def check_object(self, obj: YMap, schema: dict[str, Any], name: str) -> None:
        schema = self.resolve(schema)
        what = schema.get("title", name).lower() if "title" in schema else name
        for req in schema.get("required", ()):
            if req not in obj:
                raise SpecError(self.file, *obj.at(), f"{what} is missing the required "
                                f"key '{req}'")
        if "minProperties" in schema and len(obj) < schema["minProperties"]:
            raise SpecError(self.file, *obj.at(), f"{what} must not be empty")
        props: dict[str, Any] = schema.get("properties", {})
        patterns: dict[str, Any] = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        for key in list(obj):
            value = obj[key]
            if key in props:
                self.check(value, props[key], obj, key, f"'{key}'")
                continue
            matched = False
            for pattern, sub in patterns.items():
                if _regex(pattern).search(key):
                    matched = True
                    self.check(value, sub, obj, key, f"'{key}'")
            if matched:
                continue
            if names is not None:
                names = self.resolve(names)
                if "pattern" in names and not _regex(names["pattern"]).search(key):
                    raise self.fail(obj, key, f"{key!r} is not a valid name in {what}: use "
                                    "letters, digits and '_.:/@-', starting with a letter "
                                    "or digit", at_key=True)
            if extra is False:
                hint = _did_you_mean(key, list(props))
                raise self.fail(obj, key, f"unknown key '{key}' in {what}{hint}", at_key=True)
            if isinstance(extra, dict):
                self.check(value, extra, obj, key, f"{what} '{key}'")

    def check_array(self, seq: YSeq, schema: dict[str, Any], name: str) -> None:
        if "minItems" in schema and len(seq) < schema["minItems"]:
            raise SpecError(self.file, *seq.at(), f"{name} needs at least "
                            f"{schema['minItems']} item(s)")
        if "maxItems" in schema and len(seq) > schema["maxItems"]:
            raise SpecError(self.file, *seq.at(), f"{name} has more than "
                            f"{schema['maxItems']} items")
        items = schema.get("items")
        if items is not None:
            for index, value in enumerate(seq):
                self.check(value, items, seq, index, f"{name} item {index + 1}")
        if schema.get("uniqueItems"):
            seen: set[Any] = set()
            for index, value in enumerate(seq):
                marker = json.dumps(value, sort_keys=True, default=str)
                if marker in seen:
                    raise self.fail(seq, index, f"{name} lists {_describe(value)} twice")
                seen.add(marker)


def _did_you_mean(word: Any, options: list[Any]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [str(o) for o in options], n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""


def validate(doc: Any, file: str) -> None:
    """Validate ``doc`` (loaded with positions); raise SpecError at the first problem."""
    Validator(file).validate(doc)
