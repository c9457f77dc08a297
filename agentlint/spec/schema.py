"""Validate a loaded document against a published JSON Schema, in plain words.

The schema files in ``agentlint/schemas/`` are the single source of truth: the
same files editors use are interpreted here, for the workflow spec, the lint
configuration (``.agentlint.yaml``, ``[tool.agentlint]``) and the profile
overlay (``agentlint.profile.yaml``). agentlint does not import
``jsonschema`` on this path because its import alone costs more than linting
a typical spec; instead this module interprets the subset of draft 2020-12
keywords the schema uses, and refuses to start if the schema ever uses one it
does not know, so the two can never silently disagree. The test suite checks
that ``jsonschema`` and this validator reach the same verdicts.

Validation never changes the document. Before it, the loader runs
:func:`normalise`, which reads back values YAML 1.1 turned into booleans or
numbers where the schema wants text, as written (``id: NO`` is the step
"NO"). Beyond the schema, NaN and infinite numbers are refused, and every
number is checked against its range in :mod:`agentlint.spec.limits` (the
schemas repeat those ranges) before its type, so the message names the range.
The range is the one of the ``$defs`` entry the number's schema refers to when
:data:`~agentlint.spec.limits.LIMITS` names it (a profile's ``inputs:
{question: 120}`` is ``tokens``), else the one of its key.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache

from agentlint.errors import SpecError
from agentlint.paths import package_file
from agentlint.spec.limits import LIMITS, problem
from agentlint.spec.positions import YMap, YSeq, position_of

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any

SCHEMA_FILE = "workflow-v1.schema.json"
#: the published schemas, by the name ``agentlint schema`` takes
SCHEMAS = {"workflow": SCHEMA_FILE, "config": "config-v1.schema.json",
           "profile": "profile-v1.schema.json", "dag": "dag-v1.schema.json"}
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
def load_schema(file: str = SCHEMA_FILE) -> dict[str, Any]:
    """A published schema (package data), read once. The checker reads only the keywords
    of ``_KNOWN``; tests/test_schema_file.py holds every published schema to them (once,
    in the tests, not on every run)."""
    with open(schema_path(file), encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


def schema_path(file: str = SCHEMA_FILE) -> str:
    """Where a published schema lies (package data, see :func:`agentlint.paths.package_file`)."""
    return package_file("schemas", file)



#: Python type -> JSON Schema type (bool before int: a bool is an int to isinstance)
_JSON_TYPES: dict[type, str] = {type(None): "null", bool: "boolean", int: "integer",
                                float: "number", str: "string", YSeq: "array", list: "array",
                                YMap: "object", dict: "object"}


def _type_of(value: Any) -> str:
    """The JSON Schema type of ``value`` (its Python type name when it has none)."""
    kind = _JSON_TYPES.get(type(value))
    if kind is None:  # a subclass
        kind = next((name for cls, name in _JSON_TYPES.items() if isinstance(value, cls)),
                    type(value).__name__)
    return kind


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
    """Checks one document against one schema; raises :class:`SpecError` at the first problem.

    ``noun`` names the document in the message for a document that is not a
    mapping; ``path_names``: range messages name a number by its dotted path
    (``steps.classify.output_tokens``) instead of its key.
    """

    def __init__(self, file: str, schema: str = SCHEMA_FILE, *, noun: str = "a spec",
                 path_names: bool = False) -> None:
        self.file = file
        self.root = load_schema(schema)
        self.noun = noun
        self.path_names = path_names
        self.path: list[Any] = []

    def fail(self, container: Any, key: Any, message: str, at_key: bool = False) -> SpecError:
        if at_key and isinstance(container, YMap):
            line, col = container.key_at(key)
        else:
            line, col = position_of(container, key)
        return SpecError(self.file, line, col, message)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.root["$defs"][_ref_name(schema)]
        return schema

    def validate(self, doc: Any) -> None:
        if not isinstance(doc, YMap):
            raise SpecError(self.file, *position_of(doc), f"{self.noun} must be a YAML "
                            f"mapping at the top level, not {_describe(doc)}")
        self.path = []
        self.check_object(doc, self.root, "the spec")

    def check(self, value: Any, schema: dict[str, Any], container: Any, key: Any,
              name: str) -> None:
        """Check ``container[key]`` (which is ``value``) against ``schema``."""
        ref = _ref_name(schema)
        schema = self.resolve(schema)
        types = schema.get("type")
        wanted = [] if types is None else [types] if isinstance(types, str) else list(types)
        # the range of the definition a user-named entry refers to (an input called
        # `retries` is a number of tokens), else the range of the key
        field = ref if ref in LIMITS else key if isinstance(key, str) else None
        if field in LIMITS and ("number" in wanted or "integer" in wanted):
            # The range first: `retries: 1e308` or `.nan` is out of range before
            # it is anything else, and the message gives the range.
            written = container.text(key) if isinstance(container, YMap) else None
            dotted = ".".join(str(k) for k in self.path) if self.path_names else None
            message = problem(field, value, written, name=dotted)
            if message is not None:
                raise self.fail(container, key, message)
        if wanted and not any(_matches_type(value, t) for t in wanted):
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in wanted)
            raise self.fail(container, key, f"{name} must be {words}, not {_describe(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(container, key, f"{name} must be a finite number, not {value}")
        if "const" in schema and value != schema["const"]:
            raise self.fail(container, key, f"{name} must be {json.dumps(schema['const'])}, "
                            f"not {_describe(value)}")
        if "enum" in schema and not any(_same(value, o) for o in schema["enum"]):
            # Written options only, once each: `off` stands for Off, OFF and false.
            shown = dict.fromkeys(str(o).lower() for o in schema["enum"] if isinstance(o, str))
            hint = _did_you_mean(value, schema["enum"])
            raise self.fail(container, key,
                            f"{name} must be one of {', '.join(shown)}; got "
                            f"{_describe(value)}{hint}")
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
        depth = len(self.path)
        for key in list(obj):
            value = obj[key]
            del self.path[depth:]
            self.path.append(key)
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
        del self.path[depth:]

    def check_array(self, seq: YSeq, schema: dict[str, Any], name: str) -> None:
        if "minItems" in schema and len(seq) < schema["minItems"]:
            raise SpecError(self.file, *seq.at(), f"{name} needs at least "
                            f"{schema['minItems']} item(s)")
        if "maxItems" in schema and len(seq) > schema["maxItems"]:
            raise SpecError(self.file, *seq.at(), f"{name} has more than "
                            f"{schema['maxItems']} items")
        items = schema.get("items")
        if items is not None:
            depth = len(self.path)
            for index, value in enumerate(seq):
                del self.path[depth:]
                self.path.append(index)
                self.check(value, items, seq, index, f"{name} item {index + 1}")
            del self.path[depth:]
        if schema.get("uniqueItems"):
            seen: set[Any] = set()
            for index, value in enumerate(seq):
                marker = json.dumps(value, sort_keys=True, default=str)
                if marker in seen:
                    raise self.fail(seq, index, f"{name} lists {_describe(value)} twice")
                seen.add(marker)


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.removeprefix("#/$defs/") if isinstance(ref, str) else None


def _same(value: Any, option: Any) -> bool:
    """JSON equality: true is not 1, and 1.0 is 1."""
    return value == option and isinstance(value, bool) == isinstance(option, bool)


def _did_you_mean(word: Any, options: list[Any]) -> str:
    if not isinstance(word, str):
        return ""
    import difflib  # an error message's hint only

    close = difflib.get_close_matches(word, [str(o) for o in options], n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""


def validate(doc: Any, file: str, schema: str = SCHEMA_FILE, *, noun: str = "a spec",
             path_names: bool = False) -> None:
    """Validate ``doc`` (loaded with positions, then :func:`normalise` run on it) against a
    published schema; raise SpecError at the first problem. ``doc`` is left as it is."""
    Validator(file, schema, noun=noun, path_names=path_names).validate(doc)


def normalise(doc: Any, schema: str = SCHEMA_FILE) -> Any:
    """Read back, as written, the values YAML 1.1 resolved where the schema wants text.

    ``id: NO`` is the step "NO", ``name: 1.10`` the name "1.10": a plain scalar
    YAML 1.1 made a boolean or a number is replaced by its text wherever the
    schema allows text and not the resolved value. The loader runs this before
    :func:`validate`; it changes ``doc`` in place and returns it. Values the
    schema has no place for are left alone (validation reports them).
    """
    root = load_schema(schema)
    _normalise(doc, root, root)
    return doc


def _normalise(node: Any, schema: dict[str, Any], root: dict[str, Any]) -> None:
    while "$ref" in schema:
        schema = root["$defs"][_ref_name(schema)]
    if isinstance(node, YMap):
        props: dict[str, Any] = schema.get("properties", {})
        patterns: dict[str, Any] = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties")
        for key in list(node):
            subs = [props[key]] if key in props else [
                sub for pattern, sub in patterns.items() if _regex(pattern).search(key)]
            if not subs and isinstance(extra, dict):
                subs = [extra]
            for sub in subs:
                _read_back(node, key, sub, root)
    elif isinstance(node, YSeq) and isinstance(schema.get("items"), dict):
        for index in range(len(node)):
            _read_back(node, index, schema["items"], root)


def _read_back(container: Any, key: Any, schema: dict[str, Any],
               root: dict[str, Any]) -> None:
    target = schema
    while "$ref" in target:
        target = root["$defs"][_ref_name(target)]
    value = container[key]
    types = target.get("type")
    wanted = [] if types is None else [types] if isinstance(types, str) else list(types)
    if "string" in wanted and not isinstance(value, str) \
            and not any(_matches_type(value, t) for t in wanted):
        raw = container.text(key)
        if isinstance(raw, str):
            container[key] = raw
            return
    if isinstance(value, (YMap, YSeq)):
        _normalise(value, target, root)
