"""Safe YAML loading that keeps ``line:col`` for every node.

The parser (libyaml's C parser when PyYAML was built with it, else the
pure-Python one) produces events; they are built here straight into
:class:`YMap` / :class:`YSeq` / scalars. No Python object is ever constructed
from a tag, so nothing in a file can execute; tags other than YAML's plain
types are refused. Depth and alias expansion are bounded, so hostile files end
in a positioned error instead of exhausting memory.
"""

from __future__ import annotations

import math
import re
from sys import intern

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from agentlint.errors import SpecError
from agentlint.spec.positions import YMap, YSeq, pack

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any

try:  # the C loader is several times faster; fall back when PyYAML lacks it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 64
#: Aliases may repeat a subtree, but the expanded document may not exceed the
#: distinct nodes by more than this (a "billion laughs" file expands to 10^9).
MAX_ALIAS_EXPANSION = 1_000_000
NESTING_MESSAGE = (f"invalid YAML: nesting deeper than {MAX_DEPTH} levels; a workflow spec "
                   "never needs this")
#: Integers longer than this are out of every range; they are read as infinite
#: instead of converted (Python refuses to convert more than 4300 digits).
MAX_INT_DIGITS = 400
#: After the C parser's own depth limit, the text up to where it stopped is
#: parsed again in Python to find the first level past MAX_DEPTH, up to this size.
_REPARSE_BYTES = 4 * 1024 * 1024

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:int": "construct_yaml_int",
    "tag:yaml.org,2002:float": "construct_yaml_float",
    "tag:yaml.org,2002:bool": "construct_yaml_bool",
    "tag:yaml.org,2002:null": "construct_yaml_null",
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NUMBER_START = frozenset("0123456789+-.")
_EXP_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
_constructor = SafeConstructor()


class _Frame:
    """A mapping or sequence under construction."""

    __slots__ = ("anchor", "before", "container", "key", "key_mark", "merges")

    def __init__(self, container: Any, anchor: str | None, before: int) -> None:
        self.container = container
        self.anchor = anchor
        self.before = before  # expanded-node count when the container started
        self.key: Any = _NO_KEY
        self.key_mark: Any = None
        self.merges: list[tuple[Any, Any]] | None = None


_NO_KEY = object()


def _pos(mark: Any) -> int:
    """``pack`` for a 0-based parser mark, inlined: it runs for every node."""
    line: int = mark.line + 1
    col: int = mark.column + 1
    return (line << 16) | (col if col < 0xFFFF else 0xFFFF)
_MERGE_KEY = object()


class _Builder:
    """Builds positioned data straight from the parser's event stream.

    No node tree is kept: for a 200,000-step file the tree alone would cost
    gigabytes. Depth and alias expansion are bounded as events arrive, so a
    hostile file stops at the first event past a limit.
    """

    def __init__(self, display: str) -> None:
        self.display = display
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.distinct = 0
        self.expanded = 0

    def fail(self, mark: Any, message: str) -> SpecError:
        return SpecError(self.display, mark.line + 1, mark.column + 1, message)

    def build(self, loader: Any) -> Any:
        get = loader.get_event
        get()  # StreamStart
        event = get()
        if isinstance(event, StreamEndEvent):
            return None
        stack: list[_Frame] = []
        root: Any = None
        while True:
            event = get()
            kind = type(event)
            if kind is ScalarEvent:
                value, plain = self.scalar(event)
                self.distinct += 1
                self.expanded += 1
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                if not stack:
                    root = value
                else:
                    self.add(stack[-1], value, event, plain)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(event.start_mark, NESTING_MESSAGE)
                mark = event.start_mark
                pos = pack(mark.line + 1, mark.column + 1)
                if kind is MappingStartEvent:
                    self.check_tag(event, _MAP)
                    container: Any = YMap(pos)
                else:
                    self.check_tag(event, _SEQ)
                    container = YSeq(pos)
                frame = _Frame(container, event.anchor, self.expanded)
                if stack:
                    parent = stack[-1]
                    if isinstance(parent.container, YMap) and parent.key is _NO_KEY:
                        raise self.fail(mark, "a mapping key must be a plain value, not a "
                                        "mapping or a list")
                    frame.key_mark = mark
                stack.append(frame)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                container = frame.container
                if frame.merges:
                    self.merge(container, frame.merges)
                self.distinct += 1
                self.expanded += 1
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (container, self.expanded - frame.before)
                if not stack:
                    root = container
                else:
                    self.add(stack[-1], container, frame, False)
            elif kind is AliasEvent:
                if event.anchor not in self.anchors:
                    raise self.fail(event.start_mark, f"unknown alias *{event.anchor}")
                value, size = self.anchors[event.anchor]
                self.expanded += size
                if self.expanded > self.distinct + MAX_ALIAS_EXPANSION:
                    raise self.fail(event.start_mark, "aliases expand the document beyond "
                                    f"{MAX_ALIAS_EXPANSION} extra nodes (an alias bomb?)")
                if not stack:
                    root = value
                else:
                    self.add(stack[-1], value, event, False)
            elif kind is DocumentEndEvent:
                following = get()
                if not isinstance(following, StreamEndEvent):
                    raise self.fail(following.start_mark, "invalid YAML: more than one YAML "
                                    "document; a spec is a single document")
                return root
            else:  # pragma: no cover - nothing else can appear inside a document
                raise self.fail(event.start_mark, f"unexpected YAML event {kind.__name__}")

    def add(self, frame: _Frame, value: Any, source: Any, plain: bool) -> None:
        container = frame.container
        mark = source.start_mark if not isinstance(source, _Frame) else source.key_mark
        if isinstance(container, YSeq):
            container.append(value)
            container.ipos.append(_pos(mark))
            if plain and isinstance(value, (bool, int, float)):
                if container.raw is None:
                    container.raw = {}
                container.raw[len(container) - 1] = source.value
            return
        if frame.key is _NO_KEY:  # this value is a key
            if isinstance(source, _Frame):
                raise self.fail(mark, "a mapping key must be a plain value")
            if isinstance(source, AliasEvent):
                raise self.fail(mark, "an alias cannot be a mapping key here")
            if plain and source.value == "<<":
                frame.key = _MERGE_KEY
            else:
                # Keys are read as written: `NO:` is the key "NO", `1.10:` is "1.10".
                # Interned: a 200,000-step file repeats "id", "model", ... a million times.
                key = intern(source.value if not isinstance(value, str) else value)
                if key in container:
                    line, _ = container.key_at(key)
                    raise self.fail(mark, f"duplicate key {key!r} (first defined at line "
                                    f"{line}); YAML keeps only the last one, remove one of "
                                    "them")
                frame.key = key
            frame.key_mark = mark
            return
        key = frame.key
        frame.key = _NO_KEY
        if key is _MERGE_KEY:
            sources = value if isinstance(value, YSeq) else [value]
            for src in sources:
                if not isinstance(src, YMap):
                    raise self.fail(mark, "a merge key (<<) must refer to a mapping")
                if frame.merges is None:
                    frame.merges = []
                frame.merges.append((src, mark))
            return
        container[key] = value
        kmark = frame.key_mark
        container.kpos[key] = _pos(kmark)
        container.vpos[key] = _pos(mark)
        if plain and isinstance(value, (bool, int, float)):
            if container.raw is None:
                container.raw = {}
            container.raw[key] = source.value

    @staticmethod
    def merge(container: YMap, merges: list[tuple[Any, Any]]) -> None:
        for src, _ in merges:
            for k, v in src.items():
                if k not in container:  # explicit keys win over merged ones, as in YAML
                    container[k] = v
                    container.kpos[k] = src.kpos[k]
                    container.vpos[k] = src.vpos[k]
                    if src.raw is not None and k in src.raw:
                        if container.raw is None:
                            container.raw = {}
                        container.raw[k] = src.raw[k]

    def check_tag(self, event: Any, expected: str) -> None:
        tag = event.tag
        if tag is not None and tag != "!" and tag != expected:
            raise self.fail(event.start_mark, f"tag {tag!r} is not allowed; agentlint reads "
                            "plain YAML only")

    def scalar(self, event: Any) -> tuple[Any, bool]:
        """The scalar's value, and whether it was written plain (unquoted, untagged)."""
        value = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:  # quoted, or a literal/folded block
                return value, False
            tag = _resolve(value)
            if tag == _STR:
                # YAML 1.1 wants a dot in a float: `1e-5` would stay text. Read it as
                # the number everyone (JSON, YAML 1.2) means.
                if (value and value[0] in _NUMBER_START and ("e" in value or "E" in value)
                        and _EXP_FLOAT.match(value)):
                    return float(value.replace("_", "")), True
                return (intern(value) if len(value) <= 40 else value), True
            plain = True
        else:
            plain = False
        if tag == _STR or (tag == _MERGE and plain):
            return value, plain
        if tag == _TIMESTAMP:
            return value, False  # dates are text in a spec; keep what was written
        method = _SCALAR_TAGS.get(tag)
        if method is None:
            raise self.fail(event.start_mark, f"tag {tag!r} is not allowed; agentlint reads "
                            "plain YAML only")
        if tag == _INT:
            if len(value) > MAX_INT_DIGITS:  # beyond any range: refused by the ranges
                return (-math.inf if value[0] == "-" else math.inf), plain
            if value.isdigit() and (value[0] != "0" or value == "0"):
                return int(value), plain
        try:
            return getattr(_constructor, method)(ScalarNode(tag, value)), plain
        except (ValueError, yaml.YAMLError):
            raise self.fail(event.start_mark, f"cannot read {value!r} as "
                            f"{tag.rsplit(':', 1)[-1]}") from None


#: first character -> [(tag, pattern)], as PyYAML keeps them
_IMPLICIT: dict[str | None, list[tuple[str, re.Pattern[str]]]] = (
    yaml.resolver.Resolver.yaml_implicit_resolvers)
_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"


def _resolve(value: str) -> str:
    """YAML 1.1's implicit tag of a plain scalar, as PyYAML's safe loader resolves it."""
    candidates = _IMPLICIT.get(value[0] if value else "", ())
    for tag, regexp in candidates:
        if regexp.match(value):
            return tag
    return _STR


def load_text(text: str, display: str) -> Any:
    """Parse YAML text into positioned data; ``None`` for an empty document."""
    loader = _Loader(text)
    try:
        return _Builder(display).build(loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own limit (PyYAML 6.0.4 on)
            raise _deep(text, display, mark, line, col) from None
        raise SpecError(display, line, col, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(display, 1, 1, f"invalid YAML: {exc}") from None
    except RecursionError:  # a parser's own recursion: the same refusal, in the same words
        raise SpecError(display, 1, 1, NESTING_MESSAGE) from None
    finally:
        loader.dispose()


def _deep(text: str, display: str, mark: Any, line: int, col: int) -> SpecError:
    """agentlint's own nesting error where the parser stopped at its own depth limit.

    The C parser reads ahead and stops deeper than :data:`MAX_DEPTH`; the text
    it read is parsed again by the pure-Python parser, which stops at the
    first level past the limit, as it does where libyaml has no limit.
    """
    end = getattr(mark, "index", None)
    if isinstance(end, int) and 0 < end <= _REPARSE_BYTES:
        loader = yaml.SafeLoader(text[:end])
        try:
            _Builder(display).build(loader)
        except SpecError as exc:
            if exc.message == NESTING_MESSAGE:
                return exc
        except (yaml.YAMLError, RecursionError):
            pass
        finally:
            loader.dispose()
    return SpecError(display, line, col, NESTING_MESSAGE)
