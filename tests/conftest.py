"""Shared helpers: run the CLI in-process and write specs into a temp repository."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from agentlint.cli import main

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


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Invoke ``agentlint ARGS`` in-process; returns click's Result."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec (dedented) into a temp repository and return its path."""
    (tmp_path / ".git").mkdir(exist_ok=True)

    def write(text: str, name: str = "flow.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def run_process(*args: str, cwd: str | Path | None = None, timeout: float = 120,
                input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run agentlint in a real process (for exit codes, stderr and no-traceback checks)."""
    return subprocess.run([sys.executable, "-m", "agentlint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          input=input.decode() if input else None)
