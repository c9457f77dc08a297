"""The lint engine and `agentlint lint`: discovery, selection, exit codes, stdin."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentlint.errors import SpecError
from agentlint.lint.config import Config, Overrides
from agentlint.lint.engine import lint_workflow
from agentlint.lint.registry import Context, Finding
from agentlint.spec.load import load_workflow
from tests.conftest import EXAMPLES, run_process
from tests.lint_support import SPEC, Rules

GITHUB_WORKFLOW = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""
COMPOSE = """\
services:
  web:
    image: nginx
    ports: ["8080:80"]
"""
BROKEN = "agentlint: 1\nsteps:\n  - id: a\n    modle: x\n"


@pytest.fixture
def rules() -> Iterator[Rules]:
    reg = Rules()
    yield reg


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- lint_workflow ------------------------------------------------------------------------


def test_findings_are_positioned_and_sorted(rules: Rules, repo: Path) -> None:
    rules.add("AL801", "b-rule", where="model")
    rules.add("AL802", "a-rule", "error")
    wf = load_workflow(str(write(repo / "flow.yaml", SPEC)), display="flow.yaml")
    found = lint_workflow(wf, rules.resolve(Config()))
    assert [(f.line, f.column, f.code) for f in found] == [
        (6, 9, "AL802"), (7, 12, "AL801"), (9, 9, "AL802"), (10, 12, "AL801")]
    assert found[0] == Finding("AL802", "a-rule", "error", "a-rule saw step first",
                               "flow.yaml", 6, 9, "step:first/id")


def test_rule_options_reach_the_rule(rules: Rules, repo: Path) -> None:
    def limited(ctx: Context) -> None:
        ctx.report(f"limit {ctx.option('limit')}", (1, 1))

    rules.add("AL801", "limited", options={"limit": 3}, fn=limited)
    wf = load_workflow(str(write(repo / "flow.yaml", SPEC)))
    assert lint_workflow(wf, rules.resolve(Config()))[0].message == "limit 3"
    config = Config(rules={"limited": {"limit": 7}})
    assert lint_workflow(wf, rules.resolve(config))[0].message == "limit 7"


def test_default_disabled_rule_runs_only_when_selected(rules: Rules, repo: Path) -> None:
    rules.add("AL801", "opt-in", default_enabled=False)
    wf = load_workflow(str(write(repo / "flow.yaml", SPEC)))
    assert lint_workflow(wf, rules.resolve(Config())) == []
    assert len(lint_workflow(wf, rules.resolve(Config(extend_select=["opt-in"])))) == 2


# -- lint_paths ---------------------------------------------------------------------------


def test_folders_are_searched_and_other_yaml_skipped(rules: Rules, repo: Path) -> None:
    rules.add("AL801", "every-step")
    write(repo / "flows" / "a.yaml", SPEC)
    write(repo / "flows" / "deep" / "b.yml", SPEC)
    write(repo / ".github" / "workflows" / "ci.yml", GITHUB_WORKFLOW)
    write(repo / "docker-compose.yml", COMPOSE)
    write(repo / "flows" / "notes.txt", SPEC)  # not YAML: not picked from a folder
    result = rules.lint_paths(["."])
    assert sorted(result.files) == ["flows/a.yaml", "flows/deep/b.yml"]
    assert result.errors == [] and len(result.findings) == 4
    assert result.exit_code() == 0  # warnings only
    again = rules.lint_paths(["flows", "flows/a.yaml", "./flows/a.yaml"])
    assert again.files == ["flows/a.yaml", "flows/deep/b.yml"]


def test_excludes_from_cli_and_config(rules: Rules, repo: Path) -> None:
    rules.add("AL801", "every-step")
    write(repo / "flows" / "a.yaml", SPEC)
    write(repo / "flows" / "legacy" / "old.yaml", SPEC)
    write(repo / "flows" / "gen.generated.yaml", SPEC)
    assert len(rules.lint_paths(["flows"]).files) == 3
    assert rules.lint_paths(["flows"], Overrides(exclude=["legacy"])).files == [
        "flows/a.yaml", "flows/gen.generated.yaml"]
    write(repo / ".agentlint.yaml", "exclude: ['*.generated.yaml', 'flows/legacy']\n")
    assert rules.lint_paths(["flows"]).files == ["flows/a.yaml"]
    # excludes also apply to files named one by one (pre-commit names every file)
    assert rules.lint_paths(["flows/legacy/old.yaml"]).files == []


def test_bad_spec_is_collected_and_others_still_linted(rules: Rules, repo: Path) -> None:
    rules.add("AL801", "every-step", "error")
    write(repo / "a.yaml", SPEC)
    write(repo / "b.yaml", BROKEN)
    result = rules.lint_paths(["a.yaml", "b.yaml", "missing.yaml"])
    assert result.files == ["a.yaml"] and len(result.findings) == 2
    assert [str(e) for e in result.errors][1] == "missing.yaml:1:1: no such file or folder"
    assert str(result.errors[0]).startswith("b.yaml:4:5: ")
    assert result.exit_code() == 2 and result.exit_code(exit_zero=True) == 2


def test_a_crashing_rule_fails_the_file_not_the_run(rules: Rules, repo: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: Context) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.delenv("AGENTLINT_DEBUG", raising=False)
    rules.add("AL801", "broken", fn=broken)
    write(repo / "a.yaml", SPEC)
    result = rules.lint_paths(["a.yaml"])
    assert len(result.errors) == 1 and result.exit_code() == 2
    assert "internal error in rule AL801 (broken): ZeroDivisionError: oops" in str(
        result.errors[0])


def test_stdin_uses_the_given_name_and_its_config(rules: Rules, repo: Path) -> None:
    rules.add("AL801", "every-step")
    write(repo / "sub" / ".agentlint.yaml", "severity: {AL801: error}\n")
    result = rules.lint_paths(["-"], stdin=SPEC.encode(), stdin_filename="sub/flow.yaml")
    assert result.files == ["sub/flow.yaml"]
    assert {(f.file, f.severity) for f in result.findings} == {("sub/flow.yaml", "error")}
    skipped = rules.lint_paths(["-"], stdin=COMPOSE.encode(), stdin_filename="compose.yaml")
    assert skipped.files == [] and skipped.errors == []
    bad = rules.lint_paths(["-"], stdin=b"\xff\xfe", stdin_filename="x.yaml")
    assert isinstance(bad.errors[0], SpecError) and bad.exit_code() == 2


# -- the command --------------------------------------------------------------------------


def test_exit_codes(cli, rules: Rules, repo: Path) -> None:
    rules.add("AL801", "warns", "warning")
    rules.add("AL802", "errs", "error")
    write(repo / "flow.yaml", SPEC)
    assert cli("lint", "flow.yaml", "--select", "AL801").exit_code == 0
    assert cli("lint", "flow.yaml", "--select", "AL801", "--strict").exit_code == 1
    assert cli("lint", "flow.yaml").exit_code == 1
    assert cli("lint", "flow.yaml", "--exit-zero").exit_code == 0
    assert cli("lint", "flow.yaml", "--select", "AL802", "--strict", "--exit-zero"
               ).exit_code == 0
    clean = cli("lint", "flow.yaml", "--ignore", "AL8")
    assert clean.exit_code == 0 and clean.output == ""
    bad = cli("lint", "flow.yaml", "--select", "AL9O1")
    assert bad.exit_code == 2 and "unknown rule selector 'AL9O1' in --select" in bad.output


def test_selectors_accept_comma_lists(cli, rules: Rules, repo: Path) -> None:
    rules.add("AL801", "one")
    rules.add("AL802", "two")
    rules.add("AL803", "three")
    write(repo / "flow.yaml", SPEC)
    out = cli("lint", "flow.yaml", "--select", "AL801,two", "--format", "json").output
    assert {f["code"] for f in json.loads(out)} == {"AL801", "AL802"}


def test_rules_table_and_rule_page(cli, rules: Rules) -> None:
    rules.add("AL801", "demo-rule", "error", family="cost", summary="Demo things",
              options={"floor": 0.9})
    table = cli("rules")
    assert table.exit_code == 0
    line = next(x for x in table.output.splitlines() if x.startswith("AL801"))
    assert line.split()[:5] == ["AL801", "demo-rule", "cost", "error", "Demo"]
    assert "AL901" in table.output and "unused-suppression" in table.output
    page = cli("rule", "demo-rule")
    assert page.exit_code == 0
    assert page.output.startswith("AL801 demo-rule\n")
    assert "severity: error" in page.output and "family: cost" in page.output
    assert "floor = 0.9" in page.output and "What it finds" in page.output
    assert cli("rule", "al801").output == page.output
    unknown = cli("rule", "demo-rul")
    assert unknown.exit_code == 2
    assert "unknown rule 'demo-rul'; did you mean 'demo-rule'?" in unknown.output
    data = json.loads(cli("rules", "--format", "json").output)
    assert data[0]["code"] == "AL000"  # a spec that cannot be read, listed first
    assert {"code": "AL801", "name": "demo-rule"}.items() <= data[1].items()


# -- real processes ----------------------------------------------------------------------


def test_process_invalid_spec_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "bad.yaml", BROKEN)
    write(tmp_path / "good.yaml", SPEC)
    proc = run_process("lint", "bad.yaml", "good.yaml", "--select", "AL9", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bad.yaml:4:5: ")


def test_process_other_yaml_is_silent(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".github" / "workflows" / "ci.yml", GITHUB_WORKFLOW)
    write(tmp_path / "docker-compose.yml", COMPOSE)
    proc = run_process("lint", ".github/workflows/ci.yml", "docker-compose.yml", ".",
                       cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_process_stdin_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".agentlint.yaml", "select: [AL9]\nseverity: {unused-suppression: error}\n")
    text = SPEC.replace('"hello"', '"hello"  # agentlint: disable=AL902')
    proc = run_process("lint", "-", "--stdin-filename", "flows/x.yaml", "--format", "concise",
                       cwd=tmp_path, input=text.encode())
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("flows/x.yaml:8:22: error AL901 [unused-suppression] ")
    clean = run_process("lint", "-", "--stdin-filename", "x.yaml", cwd=tmp_path,
                        input=SPEC.encode())
    assert (clean.returncode, clean.stdout) == (0, "")


def test_process_bad_option_is_exit_2(tmp_path: Path) -> None:
    proc = run_process("lint", "x.yaml", "--format", "xml", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    # One line naming the option, the value and the formats agentlint offers; the
    # sentence around them is the command-line library's and may change with it.
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    for word in ("--format", "'xml'", "'text'", "'concise'", "'json'", "'sarif'", "'github'",
                 "'junit'", "'gitlab'"):
        assert word in lines[0], (word, lines[0])
    assert run_process("rule", "no-such-rule", cwd=tmp_path).stderr.count("\n") == 1


def test_lint_path_stays_light() -> None:
    """The hook runs on every commit: no networkx, jsonschema, pulp or highspy on this path."""
    import subprocess

    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "agentlint", "lint",
                           str(EXAMPLES / "support-triage.yaml")], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    heavy = [line for line in proc.stderr.splitlines()
             if any(name in line for name in ("networkx", "jsonschema", "pulp", "highspy"))]
    assert heavy == []


def test_crew_named_by_both_files_is_linted_once(cli) -> None:
    from tests.conftest import FIXTURES

    config = FIXTURES / "formats" / "crewai" / "crewAIInc__crewAI" / "lib" / "cli" / "src" \
        / "crewai_cli" / "templates" / "crew" / "config"
    both = cli("lint", "--format", "json", str(config / "agents.yaml"),
               str(config / "tasks.yaml"))
    one = cli("lint", "--format", "json", str(config / "tasks.yaml"))
    assert both.output == one.output
    assert len(json.loads(both.output)) > 0
