"""Safe YAML loading that keeps ``line:col`` for every node.

The document is composed into a node tree (by libyaml's C parser when PyYAML
was built with it, else the pure-Python one) and then converted here into
:class:`YMap` / :class:`YSeq` / scalars. Composition never constructs Python
objects, so no tag can execute anything; tags other than YAML's plain types
are refused. The conversion bounds depth and alias expansion, so hostile
files end in a positioned error instead of exhausting memory.
"""

from __future__ import annotations

import os
import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from agentlint.errors import SpecError
from agentlint.spec.positions import YMap, YSeq, pack

try:  # the C loader is several times faster; fall back when PyYAML lacks it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
#: Aliases may repeat a subtree, but the expanded document may not exceed the
#: distinct nodes by more than this (a "billion laughs" file expands to 10^9).
MAX_ALIAS_EXPANSION = 1_000_000

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
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


def read_text(path: str, display: str | None = None) -> str:
    """Read a spec file as UTF-8 text, refusing binary and oversized files."""
    shown = display or path
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise SpecError(shown, 1, 1, f"file is {size} bytes; agentlint reads at most "
                            f"{MAX_FILE_BYTES} bytes per spec")
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except SpecError:
        raise
    except IsADirectoryError:
        raise SpecError(shown, 1, 1, "is a directory, not a file") from None
    except OSError as exc:
        raise SpecError(shown, 1, 1, f"cannot read file: {exc.strerror or exc}") from None
    return decode(data, shown)


def decode(data: bytes, display: str) -> str:
    if b"\x00" in data:
        line, col = _offset_to_pos(data, data.index(b"\x00"))
        raise SpecError(display, line, col, "binary data (NUL byte); a spec must be UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _offset_to_pos(data, exc.start)
        raise SpecError(display, line, col,
                        f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
                        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _offset_to_pos(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def compose(text: str, display: str) -> Any:
    """Parse ``text`` into a node tree (or ``None`` for an empty document)."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if "expected a single document" in str(exc):
            problem = "more than one YAML document; a spec is a single document"
        raise SpecError(display, line, col, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(display, 1, 1, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise SpecError(display, 1, 1, "invalid YAML: nesting too deep") from None
    finally:
        loader.dispose()


class _Converter:
    """Turns a node tree into positioned plain data, with bounds."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.seen: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}
        self.distinct = 0
        self.expanded = 0

    def fail(self, node: Any, message: str) -> SpecError:
        mark = node.start_mark
        return SpecError(self.display, mark.line + 1, mark.column + 1, message)

    def convert(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nesting deeper than {MAX_DEPTH} levels; "
                            "a workflow spec never needs this")
        key = id(node)
        if key in self.seen:  # an alias: reuse the value, but count its size
            self.expanded += self.sizes[key]
            if self.expanded > self.distinct + MAX_ALIAS_EXPANSION:
                raise self.fail(node, "aliases expand the document beyond "
                                f"{MAX_ALIAS_EXPANSION} extra nodes (an alias bomb?)")
            return self.seen[key]
        before = self.expanded
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
        elif isinstance(node, MappingNode):
            value = self.mapping(node, depth)
        elif isinstance(node, SequenceNode):
            value = self.sequence(node, depth)
        else:  # pragma: no cover - composer yields only the three kinds
            raise self.fail(node, "unsupported YAML node")
        self.distinct += 1
        self.expanded += 1
        self.seen[key] = value
        self.sizes[key] = self.expanded - before
        return value

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            value = node.value
            # YAML 1.1 wants a dot in a float: `1e-5` would stay text. Read it
            # as the number everyone (JSON, YAML 1.2) means.
            if (not node.style and value and value[0] in _NUMBER_START
                    and ("e" in value or "E" in value) and _EXP_FLOAT.match(value)):
                return float(value.replace("_", ""))
            return value
        method = _SCALAR_TAGS.get(tag)
        if method is not None:
            try:
                return getattr(_constructor, method)(node)
            except (ValueError, yaml.YAMLError):
                raise self.fail(node, f"cannot read {node.value!r} as "
                                f"{tag.rsplit(':', 1)[-1]}") from None
        if tag == _TIMESTAMP:
            return node.value  # dates are text in a spec; keep what was written
        raise self.fail(node, f"tag {tag!r} is not allowed; agentlint reads plain YAML only")

    def _check_tag(self, node: Any, expected: str) -> None:
        if node.tag != expected:
            raise self.fail(node, f"tag {node.tag!r} is not allowed; "
                            "agentlint reads plain YAML only")

    def mapping(self, node: MappingNode, depth: int) -> YMap:
        self._check_tag(node, _MAP)
        mark = node.start_mark
        out = YMap(pack(mark.line + 1, mark.column + 1))
        merged: list[tuple[Any, Any, Any]] = []
        for knode, vnode in node.value:
            if knode.tag == _MERGE:
                merged.extend(self._merge_sources(vnode, depth))
                continue
            if not isinstance(knode, ScalarNode):
                raise self.fail(knode, "a mapping key must be a plain value, not a "
                                "mapping or a list")
            if knode.tag not in (_STR, _TIMESTAMP) and knode.tag not in _SCALAR_TAGS:
                raise self.fail(knode, f"tag {knode.tag!r} is not allowed; "
                                "agentlint reads plain YAML only")
            # Keys are read as written: `NO:` is the key "NO", `1.10:` is "1.10".
            k = knode.value
            if k in out:
                line, _ = out.key_at(k)
                raise self.fail(knode, f"duplicate key {k!r} (first defined at line {line}); "
                                "YAML keeps only the last one, remove one of them")
            value = self.convert(vnode, depth + 1)
            out[k] = value
            kmark = knode.start_mark
            out.kpos[k] = pack(kmark.line + 1, kmark.column + 1)
            vmark = vnode.start_mark
            out.vpos[k] = pack(vmark.line + 1, vmark.column + 1)
            if (isinstance(vnode, ScalarNode) and not vnode.style
                    and isinstance(value, (bool, int, float))):
                if out.raw is None:
                    out.raw = {}
                out.raw[k] = vnode.value
        for k, value, (kp, vp) in merged:
            if k not in out:  # explicit keys win over merged ones, as in YAML
                out[k] = value
                out.kpos[k] = kp
                out.vpos[k] = vp
        return out

    def _merge_sources(self, vnode: Any, depth: int) -> list[tuple[Any, Any, Any]]:
        sources = vnode.value if isinstance(vnode, SequenceNode) else [vnode]
        items: list[tuple[Any, Any, Any]] = []
        for src in sources:
            value = self.convert(src, depth + 1)
            if not isinstance(value, YMap):
                raise self.fail(src, "a merge key (<<) must refer to a mapping")
            items.extend((k, v, (value.kpos[k], value.vpos[k])) for k, v in value.items())
        return items

    def sequence(self, node: SequenceNode, depth: int) -> YSeq:
        self._check_tag(node, _SEQ)
        mark = node.start_mark
        out = YSeq(pack(mark.line + 1, mark.column + 1))
        ipos = out.ipos
        for index, item in enumerate(node.value):
            value = self.convert(item, depth + 1)
            out.append(value)
            imark = item.start_mark
            ipos.append(pack(imark.line + 1, imark.column + 1))
            if (isinstance(item, ScalarNode) and not item.style
                    and isinstance(value, (bool, int, float))):
                if out.raw is None:
                    out.raw = {}
                out.raw[index] = item.value
        return out


def convert(node: Any, display: str) -> Any:
    """Convert a composed node tree into positioned data."""
    if node is None:
        return None
    try:
        return _Converter(display).convert(node)
    except RecursionError:
        raise SpecError(display, 1, 1, "nesting too deep") from None


def load_text(text: str, display: str) -> Any:
    """Parse and convert YAML text; ``None`` for an empty document."""
    return convert(compose(text, display), display)


def top_level_keys(node: Any) -> set[str]:
    """Keys of a composed top-level mapping, without converting anything."""
    if isinstance(node, MappingNode):
        return {k.value for k, _ in node.value if isinstance(k, ScalarNode)}
    return set()
