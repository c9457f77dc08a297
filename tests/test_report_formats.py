"""Every output format of `agentlint lint`, checked against what its readers expect."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from agentlint import __version__, escape
from agentlint.errors import SpecError
from agentlint.lint.engine import LintResult
from agentlint.lint.registry import Context, Finding
from agentlint.report import concise, github, json_report, junit, sarif, text
from tests.conftest import FIXTURES
from tests.lint_support import SPEC, Rules

CONTRACT_KEYS = ["code", "rule", "severity", "message", "file", "line", "column"]


@pytest.fixture
def rules() -> Iterator[Rules]:
    reg = Rules()
    reg.add("AL801", "step-error", "error", summary="Steps are errors")
    reg.add("AL802", "model-warning", "warning", where="model")

    def note(ctx: Context) -> None:
        ctx.report("a note, with: punctuation", (1, 1), key="top")

    reg.add("AL803", "top-note", "info", fn=note, family="cost")
    yield reg


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "a.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "flows" / "clean.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / ".agentlint.yaml").write_text(
        "per-file-ignores: {clean.yaml: [AL8]}\n", encoding="utf-8")
    return tmp_path


def finding(message: str = "m", severity: str = "warning", file: str = "flows/a.yaml",
            line: int = 3, column: int = 5, code: str = "AL801",
            rule: str = "step-error") -> Finding:
    return Finding(code, rule, severity, message, file, line, column)


# -- text ---------------------------------------------------------------------------------


def test_text_shows_source_and_caret(cli, rules: Rules, repo: Path) -> None:
    out = cli("lint", "flows", "--select", "AL802").output
    assert out.splitlines()[:4] == [
        "flows/a.yaml:7:12: warning AL802 [model-warning] model-warning saw step first",
        "    7 |     model: small",
        "      |            ^",
        "",
    ]
    assert out.rstrip("\n").splitlines()[-1] == "0 errors, 2 warnings in 1 file"
    assert "\x1b[" not in out


def test_text_summary_counts(cli, rules: Rules, repo: Path) -> None:
    out = cli("lint", "flows").output
    assert out.rstrip("\n").splitlines()[-1] == "2 errors, 2 warnings, 1 info in 1 file"
    quiet = cli("lint", "flows", "--quiet").output
    assert "AL803" not in quiet and "errors" not in quiet.splitlines()[-1]


def test_text_is_empty_when_clean(cli, rules: Rules, repo: Path) -> None:
    result = cli("lint", "flows/clean.yaml")
    assert (result.exit_code, result.output) == (0, "")


def test_text_colour(cli, rules: Rules, repo: Path, monkeypatch: pytest.MonkeyPatch
                     ) -> None:
    assert "\x1b[1;31merror\x1b[0m \x1b[1mAL801\x1b[0m" in cli("lint", "flows", "--color").output
    assert "\x1b[" not in cli("lint", "flows", "--no-color").output
    plain = text.render([finding()], LintResult(sources={"flows/a.yaml": SPEC}))
    painted = text.render([finding()], LintResult(sources={"flows/a.yaml": SPEC}), color=True)
    assert "\x1b[" not in plain and "\x1b[33m^\x1b[0m" in painted


def test_text_caret_handles_tabs_and_short_lines() -> None:
    result = LintResult(sources={"f.yaml": "a:\tb\nshort\n"})
    out = text.render([finding(file="f.yaml", line=1, column=4),
                       finding(file="f.yaml", line=2, column=40),
                       finding(file="f.yaml", line=99, column=1)], result)
    lines = out.splitlines()
    assert lines[1:3] == ["    1 | a: b", "      |    ^"]
    assert lines[6] == "      |      ^"
    assert lines[8] == "f.yaml:99:1: warning AL801 [step-error] m" and lines[9] == ""
    assert text.summary_line([finding(severity="error")]) == "1 error, 0 warnings in 1 file"


def test_statistics(cli, rules: Rules, repo: Path) -> None:
    out = cli("lint", "flows", "--statistics").output.splitlines()
    assert out == ["2  AL801  step-error     error", "2  AL802  model-warning  warning",
                   "1  AL803  top-note       info"]
    data = json.loads(cli("lint", "flows", "--statistics", "--format", "json").output)
    assert data[0] == {"code": "AL801", "rule": "step-error", "severity": "error", "count": 2}
    assert cli("lint", "flows", "--statistics", "--format", "sarif").exit_code == 2


# -- concise, json ------------------------------------------------------------------------


def test_concise(cli, rules: Rules, repo: Path) -> None:
    out = cli("lint", "flows", "--format", "concise").output.splitlines()
    assert out[0] == "flows/a.yaml:1:1: info AL803 [top-note] a note, with: punctuation"
    assert len(out) == 5
    assert concise.render([]) == ""


def test_json_contract(cli, rules: Rules, repo: Path) -> None:
    result = cli("lint", "flows", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert len(data) == 5
    assert all(list(item)[:7] == CONTRACT_KEYS for item in data)  # then the parts
    assert {k: data[1][k] for k in CONTRACT_KEYS} == {
        "code": "AL801", "rule": "step-error", "severity": "error",
                       "message": "step-error saw step first", "file": "flows/a.yaml",
                       "line": 6, "column": 9}
    clean = cli("lint", "flows/clean.yaml", "--format", "json")
    assert (clean.exit_code, json.loads(clean.output)) == (0, [])
    assert json.loads(json_report.render([finding(message="é ☃")]))[0]["message"] == "é ☃"


def test_output_file(cli, rules: Rules, repo: Path) -> None:
    result = cli("lint", "flows", "--format", "json", "--output-file", "out.json")
    assert result.exit_code == 1 and result.output == ""
    assert len(json.loads((repo / "out.json").read_text(encoding="utf-8"))) == 5


# -- sarif --------------------------------------------------------------------------------


def sarif_validator() -> jsonschema.Validator:
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def test_sarif_is_valid_and_complete(cli, rules: Rules, repo: Path) -> None:
    (repo / "flows" / "broken.yaml").write_text("agentlint: 1\nsteps: 3\n", encoding="utf-8")
    result = cli("lint", "flows", "--format", "sarif")
    assert result.exit_code == 2
    log = json.loads(result.output.split("\nflows/broken.yaml")[0])
    errors = sorted(sarif_validator().iter_errors(log), key=str)
    assert errors == [], errors[0].message if errors else ""
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "agentlint" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert ids[:4] == ["AL000", "AL801", "AL802", "AL803"]  # AL000: the unreadable spec
    first = driver["rules"][1]
    assert first["name"] == "step-error"
    assert first["shortDescription"]["text"] == "Steps are errors"
    assert first["fullDescription"]["text"] == "Steps, for testing."
    assert "Why it costs" in first["help"]["text"] and first["help"]["markdown"]
    assert first["defaultConfiguration"]["level"] == "error"
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"AL000": "error", "AL801": "error", "AL802": "warning", "AL803": "note"}
    for r in run["results"]:
        if r["ruleId"] == "AL000":
            continue
        assert ids[r["ruleIndex"]] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "flows/a.yaml", "uriBaseId": "%SRCROOT%"}
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
    note = next(r for r in run["results"] if r["ruleId"] == "AL803")
    assert set(note["partialFingerprints"]) == {"agentlintKey/v1"}
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].startswith(
        "flows/broken.yaml:2:8: ")


def test_sarif_clean_run_and_odd_paths(rules: Rules, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    clean = sarif.build([], LintResult())
    assert clean["runs"][0]["results"] == []
    assert list(sarif_validator().iter_errors(clean)) == []
    odd = sarif.build([finding(file="my flows/a b.yaml"), finding(file="/elsewhere/x.yaml")],
                      LintResult())
    assert list(sarif_validator().iter_errors(odd)) == []
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in odd["runs"][0]["results"]]
    assert uris == ["my%20flows/a%20b.yaml", "file:///elsewhere/x.yaml"]


# -- github -------------------------------------------------------------------------------


def test_github_escaping() -> None:
    assert escape.data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape.prop("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_commands(cli, rules: Rules, repo: Path) -> None:
    lines = cli("lint", "flows", "--format", "github").output.splitlines()
    assert lines[0] == ("::notice file=flows/a.yaml,line=1,col=1,title=AL803 top-note::"
                        "a note, with: punctuation")
    assert lines[1] == ("::error file=flows/a.yaml,line=6,col=9,title=AL801 step-error::"
                        "step-error saw step first")
    assert lines[2].startswith("::warning file=flows/a.yaml,line=7,col=12,")
    odd = github.render([finding(message="100%\nsure", file="a,b:c.yaml")])
    assert odd == ("::warning file=a%2Cb%3Ac.yaml,line=3,col=5,title=AL801 step-error::"
                   "100%25%0Asure")


# -- junit --------------------------------------------------------------------------------


def test_junit(cli, rules: Rules, repo: Path) -> None:
    (repo / "flows" / "broken.yaml").write_text("agentlint: 1\nsteps: 3\n", encoding="utf-8")
    result = cli("lint", "flows", "--format", "junit", "--output-file", "report.xml")
    assert result.exit_code == 2
    root = ET.parse(repo / "report.xml").getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"flows/a.yaml", "flows/clean.yaml", "flows/broken.yaml"}
    a = suites["flows/a.yaml"]
    assert a.get("tests") == "5" and a.get("failures") == "5"
    assert len(a.findall("testcase/failure")) == 5
    clean = suites["flows/clean.yaml"].findall("testcase")
    assert len(clean) == 1 and list(clean[0]) == []
    assert suites["flows/broken.yaml"].find("testcase/failure").get("type") == "error"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "6", "0")


def test_junit_escapes_markup() -> None:
    nasty = finding(message='<script>&"\'\x01', file='a"<b>.yaml')
    out = junit.render([nasty], LintResult(files=['a"<b>.yaml']))
    root = ET.fromstring(out.split("\n", 1)[1])
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message") == '<script>&"\'\ufffd'
    assert root.find("testsuite").get("name") == 'a"<b>.yaml'


def test_junit_for_spec_errors_only() -> None:
    err = SpecError("x.yaml", 2, 3, "bad")
    root = ET.fromstring(junit.render([], LintResult(errors=[err])).split("\n", 1)[1])
    assert root.find("testsuite/testcase/failure").text == \
        "x.yaml:2:3: error AL000 [load-error] bad"


def test_every_format_documented(cli) -> None:
    help_text = cli("lint", "--help").output
    for fmt in ("text", "concise", "json", "sarif", "github", "junit"):
        assert fmt in help_text
