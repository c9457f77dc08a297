"""A spec that cannot be read is a finding, AL000 load-error, in every output format.

A folder with one broken and one clean spec goes through every ``lint --format``
as a real process: each report names the broken spec at its line and column,
each run exits 2 (the contract), and the one line on stderr stays. The text
formats say each finding's severity as a word, with ``NO_COLOR`` set.
"""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import EXAMPLES, FIXTURES, run_process

BROKEN = """\
agentlint: 1
models:
  small: {model: gpt-4o-mini}
steps:
  - id: answer
    model: small
    prompt: "Summarise {{ steps.draft.output }}"
"""
#: where the reader places the unknown step: line 7, column 27
LINE, COL = 7, 27
REASON = "unknown step 'draft'"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the repository root: no configuration from above
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    shutil.copy(EXAMPLES / "rag-answer.yaml", flows / "clean.yaml")
    return tmp_path


def lint(cwd: Path, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "NO_COLOR": "1"}
    done = run_process("lint", "flows", *args, cwd=cwd, env=env)
    return done.returncode, done.stdout, done.stderr


def stderr_line(err: str) -> None:
    assert err.splitlines() == [f"flows/broken.yaml:{LINE}:{COL}: {REASON}"]


def test_the_clean_spec_alone_is_clean(folder: Path) -> None:
    code, out, err = lint(folder, "--exclude", "flows/broken.yaml")
    assert (code, out, err) == (0, "", "")


def test_text(folder: Path) -> None:
    code, out, err = lint(folder)
    assert code == 2
    lines = out.splitlines()
    assert lines[0] == f"flows/broken.yaml:{LINE}:{COL}: error AL000 [load-error] {REASON}"
    assert lines[1] == '    7 |     prompt: "Summarise {{ steps.draft.output }}"'
    assert lines[2] == "      |" + " " * COL + "^"
    assert lines[-1] == "1 error, 0 warnings in 1 file"
    assert "\x1b[" not in out
    stderr_line(err)


def test_concise(folder: Path) -> None:
    code, out, err = lint(folder, "--format", "concise")
    assert code == 2
    assert out == f"flows/broken.yaml:{LINE}:{COL}: error AL000 [load-error] {REASON}\n"
    stderr_line(err)


def test_github_annotation_at_its_place(folder: Path) -> None:
    code, out, err = lint(folder, "--format", "github")
    assert code == 2
    assert out.splitlines() == [f"::error file=flows/broken.yaml,line={LINE},col={COL},"
                                f"title=AL000 load-error::{REASON}"]
    stderr_line(err)


def test_github_escapes_the_file_name(folder: Path) -> None:
    (folder / "flows" / "broken.yaml").rename(folder / "flows" / "a,b:c%.yaml")
    code, out, _ = lint(folder, "--format", "github")
    assert code == 2
    assert out.startswith("::error file=flows/a%2Cb%3Ac%25.yaml,line=7,col=27,")


def sarif_validator() -> jsonschema.Validator:
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def test_sarif_result_and_notification(folder: Path) -> None:
    code, out, err = lint(folder, "--format", "sarif")
    assert code == 2
    log = json.loads(out)
    problems = sorted(sarif_validator().iter_errors(log), key=str)
    assert problems == [], problems[0].message if problems else ""
    run = log["runs"][0]
    [result] = run["results"]
    assert (result["ruleId"], result["level"]) == ("AL000", "error")
    assert result["message"]["text"] == REASON
    place = result["locations"][0]["physicalLocation"]
    assert place["artifactLocation"]["uri"] == "flows/broken.yaml"
    assert place["region"] == {"startLine": LINE, "startColumn": COL}
    rules = run["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == "AL000"
    assert rules[result["ruleIndex"]]["name"] == "load-error"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == LINE
    assert note["associatedRule"] == {"id": "AL000", "index": result["ruleIndex"]}
    stderr_line(err)


def test_json(folder: Path) -> None:
    code, out, err = lint(folder, "--format", "json")
    assert code == 2
    [item] = json.loads(out)
    assert {k: item[k] for k in ("code", "rule", "severity", "message", "file", "line",
                                 "column")} == {
        "code": "AL000", "rule": "load-error", "severity": "error", "message": REASON,
        "file": "flows/broken.yaml", "line": LINE, "column": COL}
    assert (item["summary"], item["notes"], item["help"]) == (REASON, [], None)
    stderr_line(err)


def test_gitlab(folder: Path) -> None:
    code, out, err = lint(folder, "--format", "gitlab")
    assert code == 2
    [issue] = json.loads(out)
    assert issue["check_name"] == "AL000 load-error"
    assert issue["severity"] == "major"
    assert issue["location"] == {"path": "flows/broken.yaml", "lines": {"begin": LINE}}
    assert len(issue["fingerprint"]) == 64 and issue["description"] == REASON
    stderr_line(err)


def test_junit(folder: Path) -> None:
    code, _, err = lint(folder, "--format", "junit", "-o", "report.xml")
    assert code == 2
    root = ET.parse(folder / "report.xml").getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"flows/broken.yaml", "flows/clean.yaml"}
    [case] = suites["flows/broken.yaml"].findall("testcase")
    assert case.get("name") == f"AL000 load-error at {LINE}:{COL}"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert failure.get("message") == REASON
    [clean] = suites["flows/clean.yaml"].findall("testcase")
    assert list(clean) == []
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")
    stderr_line(err)


def test_statistics_count_it(folder: Path) -> None:
    code, out, _ = lint(folder, "--statistics")
    assert code == 2
    assert out.split() == ["1", "AL000", "load-error", "error"]


def test_it_cannot_be_ignored_into_exit_0(folder: Path) -> None:
    code, out, _ = lint(folder, "--exit-zero", "--format", "concise")
    assert code == 2 and "AL000" in out
    code, _, err = lint(folder, "--ignore", "AL000")
    assert code == 2
    assert err.startswith("agentlint: 'AL000' in --ignore: AL000 (load-error) cannot be")
    (folder / ".agentlint.yaml").write_text("ignore: [load-error]\n", encoding="utf-8")
    code, _, err = lint(folder)
    assert code == 2
    assert err.startswith(".agentlint.yaml:1:10: 'load-error' in 'ignore': AL000")
    (folder / ".agentlint.yaml").write_text("exclude: [flows/broken.yaml]\n",
                                            encoding="utf-8")
    assert lint(folder)[0] == 0  # leaving the file out is the way


def test_a_suppression_comment_does_not_hide_it(folder: Path) -> None:
    spec = folder / "flows" / "broken.yaml"
    spec.write_text("# agentlint: disable-file\n" + BROKEN, encoding="utf-8")
    code, out, _ = lint(folder, "--format", "concise")
    assert code == 2 and out.startswith(f"flows/broken.yaml:{LINE + 1}:{COL}: error AL000")


def test_stdin_shows_its_line(folder: Path) -> None:
    done = run_process("lint", "-", "--stdin-filename", "flows/x.yaml", cwd=folder,
                       input=BROKEN, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 2
    assert done.stdout.splitlines()[:2] == [
        f"flows/x.yaml:{LINE}:{COL}: error AL000 [load-error] {REASON}",
        '    7 |     prompt: "Summarise {{ steps.draft.output }}"']


def test_rules_and_rule_know_it(folder: Path) -> None:
    listed = run_process("rules", cwd=folder).stdout.splitlines()
    assert listed[1].split()[:4] == ["AL000", "load-error", "structure", "error"]
    data = json.loads(run_process("rules", "--format", "json", cwd=folder).stdout)
    assert data[0]["code"] == "AL000"
    for name in ("AL000", "load-error", "al000"):
        page = run_process("rule", name, cwd=folder)
        assert page.returncode == 0
        assert page.stdout.startswith("AL000 load-error\n")
        assert "cannot be ignored" in page.stdout and "```yaml" in page.stdout


def test_the_doc_example_is_a_load_error(tmp_path: Path) -> None:
    from agentlint.report.load_error import DOC

    example = DOC.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / ".git").mkdir()
    (tmp_path / "x.yaml").write_text(example, encoding="utf-8")
    done = run_process("lint", "x.yaml", "--format", "concise", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout.startswith("x.yaml:7:27: error AL000 [load-error] unknown step 'draft'")


# -- the severity word on ordinary findings ------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_severity_is_a_word_without_colour(fmt: str, tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "orchestrator-workers.yaml", tmp_path / "flow.yaml")
    (tmp_path / ".git").mkdir()
    done = run_process("lint", "flow.yaml", "--format", fmt, cwd=tmp_path,
                       env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 1 and "\x1b[" not in done.stdout
    heads = [line for line in done.stdout.splitlines() if line.startswith("flow.yaml:")]
    assert [h.split()[1:3] for h in heads] == [["warning", "AL206"], ["error", "AL303"]]
