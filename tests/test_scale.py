"""A 200,000-step spec lints for real, within 1 GB (speed is measured in benchmarks/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from lint_speed import spec_text

LIMIT_KB = 1024 * 1024


#: the command in a child that writes its own peak memory (kB) to a file when it ends:
#: the parent's RUSAGE_CHILDREN would give the largest child of the whole test session
PEAK = ("import resource, sys\n"
        "from agentlint.cli import entry\n"
        "out, sys.argv = sys.argv[1], ['agentlint', *sys.argv[2:]]\n"
        "try:\n"
        "    entry()\n"
        "finally:\n"
        "    with open(out, 'w') as fh:\n"
        "        fh.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n")


@pytest.mark.slow
def test_200k_steps_lint_for_real_under_1gb(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    path = tmp_path / "huge.yaml"
    path.write_text(spec_text(200_000), encoding="utf-8")
    peak = tmp_path / "peak"
    proc = subprocess.run([sys.executable, "-c", PEAK, str(peak), "lint", "--format",
                           "concise", str(path)],
                          capture_output=True, text=True, timeout=300)
    peak_kb = int(peak.read_text())
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == ""
    # It really ran the rules: the deep chain of this spec is reported.
    assert "AL102" in proc.stdout
    # Messages stay one readable line even when they name a 35,000-step chain.
    assert max(len(line) for line in proc.stdout.splitlines()) < 1000
    assert peak_kb < LIMIT_KB, f"peak {peak_kb / 1024:.0f} MB"
