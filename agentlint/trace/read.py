"""Reading trace exports: every span of a list of files, one at a time.

:func:`read_spans` opens each file through :func:`agentlint.paths.open_stream`,
recognises a gzip'd file by its first bytes, and streams it through
:mod:`agentlint.trace.jsonstream`, so a file of any size is read in the memory of
one record. The format is found from the records' shape (their keys), the first
record fixing the file's format, or named with ``input_format`` (one of
:data:`TRACE_FORMATS`); :mod:`agentlint.trace.formats` reads each.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, cast

from agentlint.errors import SpecError
from agentlint.paths import open_stream
from agentlint.trace.formats import READERS, LangSmithRuns, Where, shape
from agentlint.trace.jsonstream import Scanner, records
from agentlint.trace.span import Span

#: the formats ``--trace-format`` names; "auto" (the default) finds each file's own
TRACE_FORMATS = ("auto", "otlp", "otel-sdk", "langfuse", "langsmith", "litellm")
_GZIP_MAGIC = b"\x1f\x8b"

Progress = Callable[[int, int], None]


class _Counted:
    """A binary stream that counts the bytes read from it (the file's, before gunzip)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data or b"")
        return data or b""


def read_spans(paths: Sequence[str], *, input_format: str | None = None,
               progress: Progress | None = None) -> Iterator[Span]:
    """The spans of the trace files ``paths``, in file order, one at a time.

    ``progress`` is called after each chunk with the bytes read so far (of the
    files as stored, gzip'd or not) and the total size of all files. Bad input is
    a :class:`SpecError` at its file, line and column.
    """
    if input_format == "auto":
        input_format = None
    if input_format is not None and input_format not in READERS:
        raise SpecError(paths[0] if paths else "<traces>", 1, 1,
                        f"unknown trace format '{input_format}' (one of "
                        f"{', '.join(TRACE_FORMATS)})")
    sizes = [_size(path) for path in paths]
    total = sum(sizes)
    done = 0
    for path, size in zip(paths, sizes, strict=True):
        yield from _read_file(path, input_format, progress, done, total)
        done += size
        if progress is not None:
            progress(done, total)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # open_stream says why, in order


def _read_file(path: str, input_format: str | None, progress: Progress | None,
               done: int, total: int) -> Iterator[Span]:
    raw = open_stream(path)
    try:
        head = raw.read(2) or b""
        counted = _Counted(raw)
        counted.count = len(head)
        stream: Any
        if head == _GZIP_MAGIC:
            raw.seek(0)
            counted.count = 0
            stream = gzip.GzipFile(fileobj=cast(Any, counted), mode="rb")
        else:
            stream = _Prefixed(head, counted)
        on_read = None if progress is None else (
            lambda: progress(done + counted.count, total))
        scanner = Scanner(stream, path, on_read=on_read)
        yield from _spans(scanner, path, input_format)
    except (OSError, EOFError, zlib.error) as exc:
        raise SpecError(path, 1, 1, f"cannot read the trace file: {exc}") from None
    finally:
        raw.close()


class _Prefixed:
    """A stream whose first bytes were read already (to look for gzip's magic)."""

    def __init__(self, head: bytes, rest: _Counted) -> None:
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            return head + self.rest.read(max(0, size - len(head)) if size > 0 else -1)
        return self.rest.read(size)


def _spans(scanner: Scanner, path: str, input_format: str | None) -> Iterator[Span]:
    fixed = input_format
    runs = LangSmithRuns()
    readers = {**READERS, "langsmith": runs.read}
    for kind, raw, line in records(scanner):
        at = Where(path, line)
        found = "otlp" if kind == "otlp" else shape(raw)
        if fixed is None:
            if found is None:
                raise at.error("a record of no trace format agentlint reads (the formats: "
                               f"{', '.join(TRACE_FORMATS[1:])}; name one with "
                               "--trace-format)")
            fixed = found
        elif found is not None and found != fixed and (kind == "otlp" or input_format is None):
            raise at.error(f"a {found} record in a file read as {fixed}; a file holds "
                           "one format")
        try:
            yield from readers[fixed](raw, at)
        except SpecError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
            raise at.error(f"malformed {fixed} record: {exc}") from None
    yield from runs.rest()
