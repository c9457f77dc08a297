"""Shared helpers: run the CLI in-process and write specs into a temp repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from agentlint.cli import main
from tests.support import write

#: Every property test is bounded: a deadline per example and a number of examples.
#: Tests that need more time or examples say so with their own ``@settings``.
#: ``HYPOTHESIS_PROFILE=long`` runs ten times the examples.
settings.register_profile("agentlint", max_examples=100, deadline=2000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", parent=settings.get_profile("agentlint"),
                          max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "agentlint"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = ROOT / "examples"


@dataclass
class ProcessResult:
    """What a real ``agentlint`` process did, with the attributes of click's Result."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "contract: an output contract; the test also runs against a real process")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every ``contract`` test that uses ``cli`` twice: in-process and as a process.

    click's runner captures ``sys.stdout`` only; what a C extension or a child
    writes to the file descriptors is seen by the process run alone.
    """
    if "cli" in metafunc.fixturenames and metafunc.definition.get_closest_marker("contract"):
        metafunc.parametrize("cli", ["in-process", "process"], indirect=True)


@pytest.fixture
def cli(request: pytest.FixtureRequest) -> Callable[..., Result | ProcessResult]:
    """Invoke ``agentlint ARGS``; returns click's Result (or the same of a real process).

    In-process, a test that uses a ``rules`` fixture (tests/lint_support.py)
    runs the command over that fixture's rules instead of agentlint's.
    """
    if getattr(request, "param", "in-process") == "process":
        if "rules" in request.fixturenames:
            pytest.fail("a process runs agentlint's own rules: a test with a `rules` "
                        "fixture cannot be a `contract` test")

        def run_real(*args: str, input: str | bytes | None = None) -> ProcessResult:
            done = run_process(*args, input=input, timeout=300)
            return ProcessResult(done.returncode, done.stdout, done.stderr)

        return run_real
    runner = CliRunner()
    # a test with its own rules (tests/lint_support.py) runs the command with them
    rules = request.getfixturevalue("rules") if "rules" in request.fixturenames else None

    def run(*args: str, input: str | bytes | None = None) -> Result:
        obj = {"registry": rules.registry} if rules is not None else None
        return runner.invoke(main, list(args), input=input, catch_exceptions=False, obj=obj)

    return run


@pytest.fixture
def spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec (dedented) into a temp repository and return its path."""
    (tmp_path / ".git").mkdir(exist_ok=True)

    def write_spec(text: str, name: str = "flow.yaml") -> Path:
        return write(tmp_path / name, text)

    return write_spec


def run_process(*args: str, cwd: str | Path | None = None, timeout: float = 120,
                input: str | bytes | None = None, env: Mapping[str, str] | None = None
                ) -> subprocess.CompletedProcess[str]:
    """Run ``python -m agentlint ARGS`` as a real process: the one way tests start it.

    ``input`` is fed to stdin as given (bytes need not be UTF-8); ``env`` replaces
    the environment. stdout and stderr are read as bytes and decoded as UTF-8
    strictly, without newline translation: output that is not UTF-8, or a raw
    carriage return in it, reaches the test as it is.
    """
    data = input.encode() if isinstance(input, str) else input
    done = subprocess.run([sys.executable, "-m", "agentlint", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=timeout, input=data)
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def lint_json(path: str | Path, *extra: str, cwd: str | Path | None = None
              ) -> list[dict[str, Any]]:
    """``agentlint lint --format json [EXTRA] PATH`` as a real process: its findings (exit
    0 or 1; anything else fails the test with its standard error)."""
    proc = run_process("lint", "--format", "json", *extra, str(path), cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    found: list[dict[str, Any]] = json.loads(proc.stdout)
    return found


#: an error line that names its place: ``FILE:LINE:COLUMN: message``
POSITIONED = re.compile(r"(?P<file>.+?):(?P<line>[0-9]+):(?P<col>[0-9]+): ")


def exit_2_one_line(run: subprocess.CompletedProcess[str] | Result | ProcessResult,
                    file: str | None = None) -> str:
    """Assert the run ended in exit 2 with one line on stderr and no traceback; return it.

    With ``file``, the line is positioned in that file (``FILE:LINE:COLUMN: ``).
    Takes a process (``run_process``) or a ``cli`` result alike.
    """
    code = run.returncode if isinstance(run, subprocess.CompletedProcess) else run.exit_code
    assert code == 2, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.endswith("\n"), run.stderr
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run.stderr
    line = run.stderr[:-1]
    if file is not None:
        place = POSITIONED.match(line)
        assert place is not None and place["file"] == file, line
    return line
