"""How fast, and in how much memory, ``read_spans`` streams a large OTLP JSON export.

Writes an OTLP JSON export of ``--size`` bytes (default 1G) in both shapes the
Collector and the SDKs write, JSON lines (one ``ExportTraceServiceRequest`` a
line) and one single document (``{"resourceSpans": [...]}``), or takes a file
with ``--file``; reads each through :func:`agentlint.trace.read.read_spans` in a
child process and prints spans/s, wall time and the child's peak RSS
(``resource.getrusage``) against the file size. Generated files are deleted
afterwards.

    python benchmarks/trace_memory.py --size 200M
    python benchmarks/trace_memory.py            # 1 GB, both shapes
    python benchmarks/trace_memory.py --size 200M --gzip
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

_UNITS = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}


def parse_size(text: str) -> int:
    text = text.strip().upper().rstrip("B")
    if text and text[-1] in _UNITS:
        return int(float(text[:-1]) * _UNITS[text[-1]])
    return int(text)


def _span(i: int) -> dict[str, object]:
    trace = f"{i // 8:032x}"
    return {
        "traceId": trace, "spanId": f"{i + 1:016x}",
        "parentSpanId": f"{i - i % 8 + 1:016x}" if i % 8 else "",
        "name": "chat gpt-4o-mini", "kind": 3,
        "startTimeUnixNano": str(1_700_000_000_000_000_000 + i * 1_000_000),
        "endTimeUnixNano": str(1_700_000_000_900_000_000 + i * 1_000_000),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
            {"key": "gen_ai.response.model", "value": {"stringValue": "gpt-4o-mini-2024-07-18"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(800 + i % 400)}},
            {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(100 + i % 50)}},
            {"key": "gen_ai.agent.name", "value": {"stringValue": f"agent-{i % 5}"}},
            {"key": "agentlint.step", "value": {"stringValue": f"step-{i % 7}"}},
        ],
        "status": {"code": 2 if i % 50 == 0 else 1},
    }


def _resource(spans: list[dict[str, object]]) -> dict[str, object]:
    return {"resource": {"attributes": [{"key": "service.name",
                                         "value": {"stringValue": "research"}}]},
            "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.openai"},
                            "spans": spans}]}


def write_export(path: str, size: int, shape: str, per_request: int = 100,
                 packed: bool = False) -> int:
    """An OTLP JSON export of about ``size`` bytes (before gzip, when ``packed``); the
    number of spans written."""
    written = spans = 0
    opener = gzip.open if packed else open
    with opener(path, "wt", encoding="utf-8") as out:
        if shape == "document":
            out.write('{"resourceSpans": [\n')
        first = True
        while written < size:
            batch = [_span(spans + k) for k in range(per_request)]
            spans += per_request
            if shape == "lines":
                text = json.dumps({"resourceSpans": [_resource(batch)]}) + "\n"
            else:
                text = ("" if first else ",\n") + json.dumps(_resource(batch))
            first = False
            out.write(text)
            written += len(text)
        if shape == "document":
            out.write("\n]}\n")
    return spans


def child(path: str) -> None:
    """Read ``path`` and print one JSON line of figures (run in the child process)."""
    from agentlint.trace.read import read_spans
    start = time.perf_counter()
    spans = failed = tokens = 0
    for span in read_spans([path]):
        spans += 1
        failed += not span.ok
        tokens += span.input_tokens or 0
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    # getrusage counts the pages of the parent this child was forked from too (Linux keeps
    # them across exec); VmHWM is the child's own high-water mark
    own = peak
    if os.path.exists("/proc/self/status"):
        with open("/proc/self/status", encoding="ascii") as status:
            own = next((int(line.split()[1]) * 1024 for line in status
                        if line.startswith("VmHWM:")), peak)
    print(json.dumps({"spans": spans, "failed": failed, "tokens": tokens, "wall_s": wall,
                      "cpu_s": cpu, "peak_rss": peak, "own_peak": own}))


def measure(path: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", path], capture_output=True,
                          text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["size"] = os.path.getsize(path)
    return figures


def report(shape: str, figures: dict[str, float]) -> str:
    mib = 1024 * 1024
    return (f"{shape:9s} {figures['size'] / mib:8.0f} MiB  {figures['spans']:>10,.0f} spans  "
            f"{figures['wall_s']:7.1f} s ({figures['cpu_s']:.1f} s CPU)  "
            f"{figures['spans'] / figures['wall_s']:>9,.0f} spans/s  "
            f"peak RSS {figures['peak_rss'] / mib:4.0f} MiB "
            f"({100 * figures['peak_rss'] / figures['size']:.1f} % of the file; "
            f"VmHWM {figures['own_peak'] / mib:.0f} MiB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="size of each generated file (1G, 200M)")
    parser.add_argument("--file", help="measure this export instead of generating one")
    parser.add_argument("--shape", choices=("lines", "document", "both"), default="both")
    parser.add_argument("--dir", default=None, help="where to write the generated files")
    parser.add_argument("--gzip", action="store_true", help="write the generated files gzip'd")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    if args.file:
        print(report("file", measure(args.file)))
        return 0
    size = parse_size(args.size)
    shapes = ("lines", "document") if args.shape == "both" else (args.shape,)
    for shape in shapes:
        suffix = ".json.gz" if args.gzip else ".json"
        fd, path = tempfile.mkstemp(suffix=suffix, prefix=f"otlp-{shape}-", dir=args.dir)
        os.close(fd)
        try:
            start = time.perf_counter()
            spans = write_export(path, size, shape, packed=args.gzip)
            print(f"wrote {shape} export: {os.path.getsize(path):,} bytes, {spans:,} spans "
                  f"in {time.perf_counter() - start:.0f} s", flush=True)
            figures = measure(path)
            if figures["spans"] != spans:
                print(f"read {figures['spans']:,.0f} spans of {spans:,}", file=sys.stderr)
                return 1
            print(report(shape, figures), flush=True)
        finally:
            os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
