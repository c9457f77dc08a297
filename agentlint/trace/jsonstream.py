"""An incremental JSON scanner: the records of a file of any size, one at a time.

A trace export is one JSON document of many megabytes (``{"resourceSpans": [...]}``,
``{"data": [...]}``, ``[...]``), or many small ones (JSON lines, or the indented
objects the OpenTelemetry SDK's console exporter prints one after another). The
scanner reads the file a chunk at a time and walks only the outer structure
itself; each record (one span, observation, run or row) is decoded whole by the
standard library's decoder, so decoding runs at C speed and memory follows the
largest record, never the file.

Every record is bounded (:data:`~agentlint.paths.MAX_TRACE_RECORD_BYTES`): one
that is longer is refused, not buffered. Nesting deeper than the decoder's
recursion limit is refused too. Every failure is a
:class:`~agentlint.errors.SpecError` at the file, line and column it is about.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from agentlint.errors import SpecError
from agentlint.paths import MAX_TRACE_RECORD_BYTES

#: how much of the file is read at a time
CHUNK_BYTES = 1024 * 1024
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
#: a decode error this close to the end of what is read may be the record's end not read yet
_TAIL = 16

#: the arrays whose elements are walked, not decoded whole: (the object's kind, key) ->
#: the kind of each element. "top" is an object at the top of the file or in a top-level
#: array; "record" elements are decoded whole and reported as records.
_WALKED: dict[tuple[str, str], str] = {
    ("top", "resourceSpans"): "resource",
    ("resource", "scopeSpans"): "scope",
    ("resource", "instrumentationLibrarySpans"): "scope",
    ("scope", "spans"): "otlp",
    ("top", "data"): "record",
    ("top", "observations"): "record",
    ("top", "runs"): "record",
    ("top", "post"): "record",
    ("top", "patch"): "record",
}


class Scanner:
    """The text of a binary stream, decoded as UTF-8 and held a chunk at a time."""

    def __init__(self, stream: IO[bytes], shown: str, *, limit: int | None = None,
                 on_read: Callable[[], None] | None = None) -> None:
        self.stream = stream
        self.shown = shown
        self.limit = MAX_TRACE_RECORD_BYTES if limit is None else limit
        self.on_read = on_read
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self._started = False
        # newlines are counted up to _counted: _line is the line there, _line_start the
        # index (in buf, may be negative after a trim) where that line starts
        self._counted = 0
        self._line = 1
        self._line_start = 0

    # -- positions ------------------------------------------------------------------------

    def where(self, index: int) -> tuple[int, int]:
        """The line and column (1-based) of ``buf[index]``."""
        if index < self._counted:  # behind the count (an error at a record's start)
            line = self._line - self.buf.count("\n", index, self._counted)
            return line, index - self.buf.rfind("\n", 0, index)
        if index > self._counted:
            newlines = self.buf.count("\n", self._counted, index)
            if newlines:
                self._line += newlines
                self._line_start = self.buf.rfind("\n", self._counted, index) + 1
            self._counted = index
        return self._line, index - self._line_start + 1

    def error(self, index: int, message: str) -> SpecError:
        line, col = self.where(min(index, len(self.buf)))
        return SpecError(self.shown, line, col, message)

    # -- reading --------------------------------------------------------------------------

    def fill(self, keep: int) -> int:
        """Read one more chunk, dropping what lies before ``keep`` when that is much; the
        number of characters dropped (indexes into ``buf`` move back by it), -1 at the end."""
        if self.eof:
            return -1
        dropped = 0
        if keep > CHUNK_BYTES:
            dropped = keep
            self.where(keep)
            self.buf = self.buf[keep:]
            self.pos -= keep
            self._counted -= keep
            self._line_start -= keep
        want = max(CHUNK_BYTES, len(self.buf) - min(self.pos, keep - dropped))
        try:
            data = self.stream.read(min(want, self.limit + _TAIL))
        except (OSError, EOFError, ValueError) as exc:  # gzip: a damaged or cut stream
            raise self.error(len(self.buf), f"cannot read the trace file: {exc}") from None
        if self.on_read is not None:
            self.on_read()
        try:
            text = self._utf8.decode(data or b"", final=not data)
        except UnicodeDecodeError as exc:
            byte = exc.object[exc.start] if exc.start < len(exc.object) else 0
            raise self.error(len(self.buf), f"not valid UTF-8 (byte 0x{byte:02x}); a trace "
                             "export must be UTF-8 JSON") from None
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        self.buf += text
        if not data:
            self.eof = True
        return dropped

    def peek(self) -> str:
        """The next character after white space ("" at the end of the file)."""
        while True:
            match = _WS.match(self.buf, self.pos)
            assert match is not None  # the pattern matches the empty string
            self.pos = match.end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.fill(self.pos) < 0:
                return ""

    def expect(self, chars: str, what: str) -> str:
        """The next character, which must be one of ``chars``; consumed."""
        char = self.peek()
        if not char or char not in chars:
            found = f"'{char}'" if char else "the end of the file"
            raise self.error(self.pos, f"expected {what}, found {found}")
        self.pos += 1
        return char

    def value(self, what: str = "record") -> Any:
        """The JSON value at the current position, decoded whole (at most ``limit`` long)."""
        self.peek()
        start = self.pos
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, start)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self.buf) - _TAIL or exc.msg.startswith("Unterminated")
                if cut and not self.eof:
                    start -= self._grow(start, what)
                    continue
                raise self.error(exc.pos, f"malformed JSON: {exc.msg}") from None
            except RecursionError:
                raise self.error(start, f"{what} is nested too deeply") from None
            if end >= len(self.buf) - _TAIL and not self.eof and not isinstance(obj, (dict, list)):
                start -= self._grow(start, what)  # a number may go on in the next chunk
                continue
            self.pos = end
            return obj

    def _grow(self, start: int, what: str) -> int:
        """Read on for a value begun at ``start`` that the text read so far cuts."""
        if len(self.buf) - start > self.limit:
            raise self.error(start, f"{what} is longer than {self.limit} bytes; agentlint "
                             "reads no record longer than that")
        return max(0, self.fill(start))


#: one record found: its kind ("otlp" for an OTLP span, "record" for anything else), the
#: decoded object and the line it starts on
Found = tuple[str, dict[str, Any], int]


def records(scanner: Scanner) -> Iterator[Found]:
    """Every record of the file: the spans of OTLP requests, the elements of a top-level
    array or of a ``data`` / ``observations`` / ``runs`` array, or the top-level objects."""
    while True:
        char = scanner.peek()
        if not char:
            return
        if char == "[":
            scanner.pos += 1
            yield from _array(scanner, "top")
        elif char == "{":
            yield from _object(scanner, "top")
        else:
            raise scanner.error(scanner.pos, "expected a JSON object or array, found "
                                f"'{char}'")


_ELEMENT = {"top": "a record", "record": "a record", "otlp": "an OTLP span",
            "resource": "an OTLP resource", "scope": "an OTLP scope"}


def _array(scanner: Scanner, kind: str) -> Iterator[Found]:
    """The elements of an array whose '[' was consumed, each of ``kind``."""
    if scanner.peek() == "]":
        scanner.pos += 1
        return
    while True:
        char = scanner.peek()
        if kind in ("top", "resource", "scope") and char == "{":
            yield from _object(scanner, kind)
        elif kind in ("top", "record", "otlp") and char == "{":
            line, _ = scanner.where(scanner.pos)
            obj = scanner.value("a span" if kind == "otlp" else "a record")
            yield ("otlp" if kind == "otlp" else "record", obj, line)
        else:
            found = f"'{char}'" if char else "the end of the file"
            raise scanner.error(scanner.pos, f"expected {_ELEMENT[kind]} (a JSON object), "
                                f"found {found}")
        if scanner.expect(",]", "',' or ']'") == "]":
            return


def _object(scanner: Scanner, kind: str) -> Iterator[Found]:
    """An object at the current position: walked key by key, so that a large array under
    one of its keys is streamed; a top-level object with none is itself a record."""
    start = scanner.pos
    line, _ = scanner.where(start)
    scanner.expect("{", "'{'")
    fields: dict[str, Any] = {}
    walked = False
    size = 0
    if scanner.peek() == "}":
        scanner.pos += 1
    else:
        while True:
            if scanner.peek() != '"':
                raise scanner.error(scanner.pos, "malformed JSON: expected a key in double "
                                    "quotes")
            key = scanner.value("a key")
            scanner.expect(":", "':'")
            inner = _WALKED.get((kind, key))
            if inner is not None and scanner.peek() == "[":
                scanner.pos += 1
                walked = True
                yield from _array(scanner, inner)
            else:
                at = scanner.pos
                fields[key] = scanner.value("a record")
                size += scanner.pos - at
                if size > scanner.limit:
                    raise scanner.error(start, f"a record is longer than {scanner.limit} "
                                        "bytes; agentlint reads no record longer than that")
            if scanner.expect(",}", "',' or '}'") == "}":
                break
    if kind == "top" and not walked:
        yield ("record", fields, line)
