"""``agentlint optimize`` in real processes: standard output is agentlint's alone.

Solvers print from C code straight to file descriptor 1 (highspy prints a
banner whenever a ``Highs`` object is made), which an in-process CLI runner
cannot see; these tests run the command as a child process and read its
descriptors. They also hold the tie-break: every example gets the same plan
from HiGHS and from CBC.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentlint.optimizer.milp import cbc_available, highs_available

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
SOLVERS = [s for s, ok in (("highs", highs_available()), ("cbc", cbc_available())) if ok]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentlint", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def optimize_json(path: Path, solver: str, *extra: str) -> dict:
    proc = run("optimize", str(path.relative_to(ROOT)), "--format", "json", "--solver",
               solver, "--time-limit", "30", *extra)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def plans() -> dict[tuple[str, str], dict]:
    return {(path.name, solver): optimize_json(path, solver)
            for path in EXAMPLES for solver in SOLVERS}


@pytest.mark.parametrize("solver", SOLVERS)
def test_json_stdout_parses(plans: dict, solver: str) -> None:
    for path in EXAMPLES:
        data = plans[(path.name, solver)]
        assert data["solver"] == solver
        assert data["status"] == "optimal"


@pytest.mark.parametrize("solver", SOLVERS)
def test_markdown_starts_with_its_heading(solver: str) -> None:
    proc = run("optimize", "examples/research-fanout.yaml", "--format", "markdown",
               "--solver", solver, "--time-limit", "30")
    assert proc.returncode == 0
    assert proc.stdout.startswith("### agentlint optimize: `examples/research-fanout.yaml`")
    assert proc.stderr == ""


def test_text_starts_with_status_line() -> None:
    proc = run("optimize", "examples/research-fanout.yaml", "--time-limit", "30")
    assert proc.returncode == 0
    assert proc.stdout.startswith("examples/research-fanout.yaml: research-fanout: optimal")
    assert proc.stderr == ""


@pytest.mark.skipif("highs" not in SOLVERS, reason="needs highspy")
def test_verbose_puts_the_solver_log_on_stderr() -> None:
    proc = run("optimize", "examples/research-fanout.yaml", "--format", "json", "--solver",
               "highs", "--verbose", "--time-limit", "30")
    assert proc.returncode == 0
    json.loads(proc.stdout)
    assert "HiGHS" in proc.stderr


def _plan_of(data: dict) -> dict:
    keys = ("status", "objective", "objective_value", "before", "after", "plan", "changes",
            "proven", "notes")
    return {k: data[k] for k in keys}


@pytest.mark.skipif(len(SOLVERS) < 2, reason="needs both solvers")
def test_every_example_gets_one_plan_from_both_solvers(plans: dict) -> None:
    for path in EXAMPLES:
        assert _plan_of(plans[(path.name, "highs")]) == _plan_of(plans[(path.name, "cbc")]), \
            path.name


@pytest.mark.parametrize("solver", SOLVERS)
def test_research_fanout_canonical_plan(plans: dict, solver: str) -> None:
    data = plans[("research-fanout.yaml", solver)]
    assert {s: e["group"] for s, e in data["plan"].items()} == {
        "plan": None, "research_papers": "sources", "research_news": "sources",
        "research_filings": "sources", "research_forums": "sources", "synthesise": None}
    # no step names candidates or a tier floor: no model changes
    assert [(c["step"], c["field"], c["to"]) for c in data["changes"]] == [
        ("research_filings", "parallel", "sources"), ("research_forums", "parallel", "sources")]


@pytest.mark.skipif(len(SOLVERS) < 2, reason="needs both solvers")
@pytest.mark.parametrize("objective", ["cost", "latency", "reliability"])
def test_research_fanout_other_objectives_agree(objective: str) -> None:
    path = ROOT / "examples" / "research-fanout.yaml"
    a, b = (optimize_json(path, s, "--objective", objective) for s in ("highs", "cbc"))
    assert _plan_of(a) == _plan_of(b)
