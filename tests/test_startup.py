"""A plain ``agentlint lint`` of a native spec imports only what linting uses.

It is a pre-commit hook's whole cost, run on every commit: the optimizer (and
PuLP and HiGHS behind it), the readers of other formats, the CI modules and the
other report formats cost start-up time and are not needed to lint a native
spec. ``benchmarks/lint_speed.py`` measures the time itself.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import EXAMPLES

#: packages and modules the lint path must not import (the optimizer package itself only
#: names the objectives for the command line; its modules are what cost)
FORBIDDEN = (
    "agentlint.optimizer.", "agentlint.ci", "agentlint.adapters.", "agentlint.convert",
    "pulp", "highspy", "networkx", "jsonschema", "pathspec",
)
#: of the report formats, the default text report only (with the colour helper it shares)
REPORTS_ALLOWED = {"agentlint.report", "agentlint.report.text", "agentlint.report.table"}

PROBE = """\
import atexit, json, sys
from agentlint.cli import entry
atexit.register(lambda: sys.stderr.write(json.dumps(sorted(sys.modules))))
sys.argv = ["agentlint", "lint", *sys.argv[1:]]
entry()
"""


def imported_by(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode in (0, 1), done.stderr
    return set(json.loads(done.stderr))


def test_lint_of_a_native_spec_imports_only_the_lint_path() -> None:
    modules = imported_by(str(EXAMPLES / "research-fanout.yaml"))
    assert "agentlint.lint.engine" in modules  # the probe saw the run
    heavy = sorted(m for m in modules if m.startswith(FORBIDDEN) or m in FORBIDDEN)
    assert heavy == []
    reports = {m for m in modules if m.startswith("agentlint.report")}
    assert reports <= REPORTS_ALLOWED


def test_json_output_adds_its_own_report_only() -> None:
    modules = imported_by("--format", "json", str(EXAMPLES / "research-fanout.yaml"))
    assert "agentlint.report.json_report" in modules  # the probe saw the JSON run
    reports = {m for m in modules if m.startswith("agentlint.report")}
    assert reports <= REPORTS_ALLOWED | {"agentlint.report.json_report"}
    assert not any(m.startswith(FORBIDDEN) for m in modules)
