"""Trace readers on hostile input: every failure one ``file:line:col: reason``, each
record bounded, deep nesting refused, and a large export read in bounded memory."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentlint import paths
from agentlint.errors import SpecError
from agentlint.trace import jsonstream
from agentlint.trace.read import read_spans
from agentlint.trace.span import Span

ROOT = Path(__file__).resolve().parent.parent
COLLECTOR = Path(__file__).parent / "fixtures" / "traces" / "otlp-collector.jsonl"


def spans(path: Path, **options: str) -> list[Span]:
    return list(read_spans([str(path)], **options))  # type: ignore[arg-type]


def refused(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        spans(path)
    text = str(info.value)
    assert "\n" not in text and "Traceback" not in text
    return text


def otlp_span(**extra: object) -> dict[str, object]:
    return {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "name": "chat", "startTimeUnixNano": "1", "endTimeUnixNano": "2", **extra}


def document(*spans_: object) -> str:
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": list(spans_)}]}]},
                      indent=1)


def test_malformed_line_points_at_the_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = COLLECTOR.read_text(encoding="utf-8")
    line = '{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": }]}]}]}'
    bad.write_text(good + line + "\n", encoding="utf-8")
    column = line.index(": }") + 3
    assert refused(bad) == f"{bad}:2:{column}: malformed JSON: Expecting value"
    bad.write_text(good + '{"resourceSpans": [}\n', encoding="utf-8")
    assert refused(bad).startswith(f"{bad}:2:20: expected an OTLP resource")


def test_cut_document_is_refused_at_its_end(tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    text = document(otlp_span(), otlp_span())
    cut.write_text(text[: len(text) // 2], encoding="utf-8")
    message = refused(cut)
    assert message.startswith(f"{cut}:") and "malformed JSON" in message


def test_unclosed_outer_array_is_refused(tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    text = document(otlp_span())
    cut.write_text(text.rstrip().rstrip("}").rstrip().rstrip("]"), encoding="utf-8")
    assert "expected ',' or ']', found the end of the file" in refused(cut)


def test_a_record_over_the_limit_is_refused_not_buffered(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "MAX_TRACE_RECORD_BYTES", 4096)
    monkeypatch.setattr(jsonstream, "CHUNK_BYTES", 1024)
    big = tmp_path / "big.json"
    padding = {"key": "gen_ai.prompt", "value": {"stringValue": "x" * 100_000}}
    big.write_text(document(otlp_span(), otlp_span(attributes=[padding])), encoding="utf-8")
    message = refused(big)
    assert "a span is longer than 4096 bytes" in message
    assert message.startswith(f"{big}:")
    # the record before it was read: the limit is per record, not per file
    big.write_text(document(*[otlp_span()] * 200), encoding="utf-8")
    assert big.stat().st_size > 4096 * 4
    assert len(spans(big)) == 200


def test_the_stated_limit_is_documented() -> None:
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if "`MAX_TRACE_RECORD_BYTES`" in line)
    assert f"| {paths.MAX_TRACE_RECORD_BYTES} bytes" in row


def test_a_top_level_record_over_the_limit_is_refused(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "MAX_TRACE_RECORD_BYTES", 4096)
    row = {"request_id": "r", "startTime": "2025-04-21T10:00:00", "spend": 0}
    row.update({f"k{i}": "y" * 100 for i in range(100)})
    wide = tmp_path / "wide.jsonl"
    wide.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert "a record is longer than 4096 bytes" in refused(wide)


def test_deep_nesting_is_refused_without_a_crash(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    nested = "[" * 200_000 + "]" * 200_000
    deep.write_text('{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": '
                    + nested + "}]}]}]}", encoding="utf-8")
    assert "nested too deeply" in refused(deep)
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"a": ' + nested + "}\n", encoding="utf-8")
    assert "nested too deeply" in refused(lines)


@pytest.mark.parametrize(("content", "reason"), [
    (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "\xff"}]}]}]}', "not valid UTF-8"),
    (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "a\x00"}]}]}]}',
     "malformed JSON"),
    (b"resourceSpans", "expected a JSON object or array"),
    (b'{"resourceSpans": 3}', "a record of no trace format"),
    (b'{"resourceSpans": [{"scopeSpans": [{"spans": [7]}]}]}',
     "1:47: expected an OTLP span (a JSON object), found '7'"),
    (b'[{"request_id": "r", "startTime": "2025-01-01", "spend": 0}, null]',
     "expected a record (a JSON object), found 'n'"),
    (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 7, "spanId": "a"}]}]}]}',
     "traceId is not a string"),
    (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "a", "traceId": "b",'
     b' "startTimeUnixNano": "soon"}]}]}]}', "startTimeUnixNano is not a count"),
    (b'[{"id": "o", "traceId": "t", "type": "GENERATION", "startTime": "yesterday"}]',
     "startTime 'yesterday' is not an ISO 8601 time"),
    (b'[{"id": "o", "traceId": "t", "type": "GENERATION", "startTime": "2025-01-01",'
     b' "usageDetails": {"input": "many"}}]', "usage input is not a count"),
    (b'[{"request_id": "r", "startTime": "2025-01-01", "spend": 0, "metadata": "{oops"}]',
     "metadata is a string that is not a JSON object"),
    (b'{"resourceSpans": []} {"b": 2', "expected ',' or '}', found the end of the file"),
    (b'{1: 2}', "expected a key in double quotes"),
])
def test_bad_input_is_one_line(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "trace.json"
    path.write_bytes(content)
    with pytest.raises(SpecError) as info:
        spans(path)
    text = str(info.value)
    assert text.startswith(f"{path}:") and reason in text, text
    assert "\n" not in text


def test_damaged_gzip_is_refused(tmp_path: Path) -> None:
    packed = gzip.compress(COLLECTOR.read_bytes())
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(packed[: len(packed) // 2])
    assert "cannot read the trace file" in refused(damaged) or "malformed" in refused(damaged)
    garbage = tmp_path / "garbage.gz"
    garbage.write_bytes(b"\x1f\x8b" + os.urandom(64))
    assert refused(garbage).startswith(f"{garbage}:")


def test_what_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path / "missing.json").endswith("trace file not found")
    assert "a folder, not a regular file" in refused(tmp_path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        assert "named pipe" in refused(fifo)


def test_a_trace_file_outside_the_repository_is_read(tmp_path: Path) -> None:
    """Downloaded exports live anywhere: a trace file named on the command line is read
    wherever it is (a link to it too); only its records are bounded."""
    outside = tmp_path / "downloads" / "export.jsonl"
    outside.parent.mkdir()
    outside.write_bytes(COLLECTOR.read_bytes())
    link = tmp_path / "link.jsonl"
    link.symlink_to(outside)
    assert len(spans(outside)) == len(spans(link)) == 3


# the child's own peak: VmHWM is its address space's high-water mark (ru_maxrss would
# count the pages of the parent it was forked from, which Linux carries across exec)
_CHILD = textwrap.dedent("""
    import json, sys
    from agentlint.trace.read import read_spans
    count = sum(1 for _ in read_spans([sys.argv[1]]))
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(int(line.split()[1]) * 1024 for line in status
                    if line.startswith("VmHWM:"))
    print(json.dumps({"spans": count, "peak": peak}))
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux's /proc")
def test_a_large_document_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """A 48 MB single-document export is read by a child process whose peak memory is
    well below the file's size: the document is streamed, never loaded."""
    prompt = {"key": "gen_ai.prompt", "value": {"stringValue": "p" * 4000}}
    span = json.dumps(otlp_span(attributes=[prompt]))
    per_scope = 1000
    scope = '{"scope": {"name": "s"}, "spans": [' + ",\n".join([span] * per_scope) + "]}"
    scopes = 12
    big = tmp_path / "big.json"
    with big.open("w", encoding="utf-8") as out:
        out.write('{"resourceSpans": [{"resource": {}, "scopeSpans": [')
        out.write(",\n".join([scope] * scopes))
        out.write("]}]}\n")
    size = big.stat().st_size
    assert size > 45_000_000
    done = subprocess.run([sys.executable, "-c", _CHILD, str(big)], capture_output=True,
                          text=True, timeout=120, check=True)
    figures = json.loads(done.stdout)
    assert figures["spans"] == per_scope * scopes
    assert figures["peak"] < size * 0.6, figures


@pytest.mark.parametrize("name", sorted(p.name for p in COLLECTOR.parent.iterdir()))
def test_mangled_exports_fail_only_in_one_line(tmp_path: Path, name: str) -> None:
    """Each real export, cut, with bytes dropped, doubled or replaced at 60 seeded places:
    read, or refused with a SpecError; never another exception."""
    import random
    data = (COLLECTOR.parent / name).read_bytes()
    rng = random.Random(name)
    path = tmp_path / name
    for _ in range(60):
        at = rng.randrange(len(data))
        mangled = rng.choice([
            data[:at], data[:at] + data[at + 1:], data[:at] + data[at:at + 40] + data[at:],
            data[:at] + bytes([rng.randrange(256)]) + data[at + 1:],
            data[:at] + rng.choice([b"{", b"[", b'"', b"\\", b"\x00", b"\xc3"]) + data[at:]])
        path.write_bytes(mangled)
        try:
            spans(path)
        except SpecError as exc:
            assert str(exc).startswith(f"{path}:") and "\n" not in str(exc)
