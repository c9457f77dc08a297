"""Every machine-readable output, read from a real ``agentlint`` process.

A reader of ``--format json`` pipes stdout into a parser: anything else on the
file descriptor (a library's banner, a warning) breaks it. click's test runner
sees ``sys.stdout`` only, so these run the command as its users do.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from agentlint.cli import main
from tests.conftest import EXAMPLES, FIXTURES, ROOT, ProcessResult, run_process

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
FORMATS = FIXTURES / "formats"


def agentlint(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_process(*args, cwd=cwd, timeout=300)


def test_lint_json_is_the_whole_of_stdout() -> None:
    done = agentlint("lint", "examples", "--format", "json")
    assert done.returncode == 1 and done.stderr == ""
    findings = json.loads(done.stdout)
    assert findings and all(  # the contract's seven keys first; keys are only added after them
        list(f)[:7] == ["code", "rule", "severity", "message", "file", "line", "column"]
        and set(list(f)[7:]) <= {"summary", "notes", "help", "fix"} for f in findings)
    assert {f["file"] for f in findings} <= {f"examples/{p.name}" for p in EXAMPLE_FILES}


def test_lint_sarif_validates_against_the_schema() -> None:
    done = agentlint("lint", "examples", "--format", "sarif")
    assert done.returncode == 1 and done.stderr == ""
    log = json.loads(done.stdout)
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    assert list(validator.iter_errors(log)) == []
    assert log["runs"][0]["results"]


def test_lint_github_prints_workflow_commands_only() -> None:
    done = agentlint("lint", "examples", "--format", "github")
    assert done.returncode == 1 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice "))
                         for line in lines)


def test_lint_junit_and_gitlab_parse() -> None:
    junit = agentlint("lint", "examples", "--format", "junit")
    assert junit.returncode == 1 and junit.stderr == ""
    assert ET.fromstring(junit.stdout.encode()).tag == "testsuites"
    gitlab = agentlint("lint", "examples", "--format", "gitlab")
    assert gitlab.returncode == 1 and gitlab.stderr == ""
    issues = json.loads(gitlab.stdout)
    assert issues and all({"description", "fingerprint", "location"} <= set(i) for i in issues)


def test_other_formats_lint_as_json() -> None:
    done = agentlint("lint", str(FORMATS), "--format", "json")
    assert done.returncode in (0, 1) and done.stderr == ""
    assert isinstance(json.loads(done.stdout), list)


def test_estimate_json_of_every_example_in_one_array() -> None:
    done = agentlint("estimate", "examples", "--format", "json")
    assert done.returncode == 1 and done.stderr == ""  # two examples miss a budget
    data = json.loads(done.stdout)
    assert [d["file"] for d in data] == [f"examples/{p.name}" for p in EXAMPLE_FILES]


def test_graph_mermaid_is_only_the_chart() -> None:
    done = agentlint("graph", "examples/research-fanout.yaml", "--format", "mermaid")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("flowchart ")


def test_in_process_use_leaves_the_garbage_collector_alone() -> None:
    """``main`` is called by tests and other programs; only the command may turn gc off."""
    assert gc.isenabled()
    result = CliRunner().invoke(main, ["estimate", str(EXAMPLE_FILES[0])])
    assert result.exit_code in (0, 1)
    assert gc.isenabled()


def test_the_command_runs_without_the_cyclic_collector() -> None:
    code = ("import gc, sys; from agentlint import cli; "
            "cli.main = lambda: sys.stdout.write(str(gc.isenabled())); cli.entry()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout == "False"


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "junit", "gitlab", "concise"])
def test_a_broken_spec_keeps_stdout_parseable(tmp_path: Path, fmt: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "broken.yaml").write_text("agentlint: 1\nsteps: 3\n", encoding="utf-8")
    done = agentlint("lint", "broken.yaml", "--format", fmt, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("broken.yaml:2:8: ")
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(done.stdout)


@pytest.mark.contract
def test_the_contract_marker_runs_both_ways(cli, request: pytest.FixtureRequest) -> None:
    """A ``contract`` test runs twice, named by how; the ``process`` run is a real child."""
    variant = request.node.callspec.params["cli"]
    assert variant in ("in-process", "process")
    assert request.node.name == f"test_the_contract_marker_runs_both_ways[{variant}]"
    result = cli("graph", str(EXAMPLES / "research-fanout.yaml"), "--format", "mermaid")
    assert result.exit_code == 0
    assert result.output.startswith("flowchart ")
    assert isinstance(result, ProcessResult) == (variant == "process")
    if variant == "process":  # what the child wrote to its file descriptors, nothing else
        assert result.stderr == "" and result.stdout.startswith("flowchart ")
