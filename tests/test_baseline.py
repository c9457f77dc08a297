"""Baselines: recorded findings stay quiet through reformatting; new ones are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentlint.ci.baseline import Baseline, build, entry_id, read
from agentlint.errors import UsageError
from agentlint.lint.registry import Finding
from tests.support import TWO_MODELS

LEGACY = """\
agentlint: 1
name: legacy
""" + TWO_MODELS + """inputs:
  ticket: {tokens: 1000}
steps:
  - id: draft
    model: big
    prompt: "Draft an answer: {{ inputs.ticket }}"
    output_tokens: 500
  - id: label
    model: big
    prompt: "One word for: {{ inputs.ticket }}"
    output_tokens: 3
  - id: answer
    model: big
    prompt: "Answer the ticket: {{ inputs.ticket }}"
    output_tokens: 400
"""

#: the same spec re-indented, keys reordered, comments and blank lines inserted
REFORMATTED = """\
# Legacy triage flow.
# Owned by the support team.

name: legacy
agentlint: 1

steps:

    # drafts first
    -   model: big
        output_tokens: 500
        id: draft
        prompt: "Draft an answer: {{ inputs.ticket }}"

    -   prompt: "One word for: {{ inputs.ticket }}"   # the label
        id: label
        output_tokens: 3
        model: big

    -   id: answer
        output_tokens: 400
        prompt: "Answer the ticket: {{ inputs.ticket }}"
        model: big

inputs:
    ticket: {tokens: 1000}

models:
    small: {p_ok: 0.98, input_per_mtok: 0.1, output_per_mtok: 0.4, ttft_s: 0.2,
            tokens_per_s: 200}
    big: {output_per_mtok: 10.0, input_per_mtok: 2.0, ttft_s: 0.5, tokens_per_s: 100,
          p_ok: 0.99}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "legacy.yaml").write_text(LEGACY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(cli, *args: str) -> tuple[int, list[dict]]:
    result = cli("lint", "flows", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_round_trip_survives_a_reformat_and_still_reports_new_findings(project: Path,
                                                                       cli) -> None:
    before = findings(cli)[1]
    assert {(f["code"], f["line"]) for f in before} >= {("AL202", 14)}
    assert len(before) >= 2
    result = cli("lint", "flows", "--write-baseline", "agentlint-baseline.json")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == (f"agentlint: recorded {len(before)} findings in "
                             "agentlint-baseline.json\n")
    assert findings(cli, "--baseline", "agentlint-baseline.json") == (0, [])

    spec = project / "flows" / "legacy.yaml"
    spec.write_text(REFORMATTED, encoding="utf-8")
    moved = findings(cli)[1]
    assert sorted(f["code"] for f in moved) == sorted(f["code"] for f in before)
    assert {f["line"] for f in moved} != {f["line"] for f in before}  # the lines did move
    assert findings(cli, "--baseline", "agentlint-baseline.json") == (0, [])
    text = cli("lint", "flows", "--baseline", "agentlint-baseline.json")
    assert (text.exit_code, text.output) == (0, "")

    # a genuinely new finding: another premium model writing a label
    spec.write_text(REFORMATTED.replace("inputs:\n", "    -   id: tag\n        model: big\n"
                                        "        prompt: \"Tag: {{ steps.answer.output }}\"\n"
                                        "        output_tokens: 2\n\ninputs:\n"),
                    encoding="utf-8")
    code, new = findings(cli, "--baseline", "agentlint-baseline.json")
    assert code == 0
    assert [(f["code"], f["message"].split("`")[1]) for f in new] == [("AL202", "tag")]


def test_the_file_is_sorted_stable_and_repository_relative(project: Path, cli) -> None:
    (project / "flows" / "b.yaml").write_text(LEGACY.replace("legacy", "b"), encoding="utf-8")
    (project / "sub").mkdir()
    for name in ("one.json", "two.json"):
        assert cli("lint", "flows", "--write-baseline", name).exit_code == 0
    first = (project / "one.json").read_bytes()
    assert first == (project / "two.json").read_bytes()
    data = json.loads(first)
    assert list(data) == ["agentlint-baseline", "findings"] and data["agentlint-baseline"] == 1
    keys = [(e["file"], e["code"], e.get("key", ""), e.get("message", ""))
            for e in data["findings"]]
    assert keys == sorted(keys)
    assert {e["file"] for e in data["findings"]} == {"flows/b.yaml", "flows/legacy.yaml"}
    for e in data["findings"]:
        assert set(e) in ({"file", "code", "rule", "key", "count"},
                          {"file", "code", "rule", "message", "count"})
        assert e["count"] == 1
    # run from a sub-folder: the same paths, so the same baseline applies
    import os

    os.chdir(project / "sub")
    result = cli("lint", "../flows", "--format", "json", "--baseline", "../one.json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def finding(key: str = "step:a/model", message: str = "m", line: int = 1) -> Finding:
    return Finding("AL202", "premium-on-trivial-step", "warning", message, "flows/x.yaml",
                   line, 1, key)


def test_counts_two_identical_findings_need_two_entries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    root = str(tmp_path)
    base = Baseline("b.json", root)
    base.counts[entry_id(finding(), root)] = 1
    two = [finding(line=3), finding(line=9)]
    kept, left_out, stale = base.apply(two)
    assert [f.line for f in kept] == [9] and left_out == 1 and stale == 0
    data = build(two, root)
    assert data["findings"] == [{"file": "flows/x.yaml", "code": "AL202",
                                 "rule": "premium-on-trivial-step", "key": "step:a/model",
                                 "count": 2}]


def test_findings_without_a_key_match_by_message(tmp_path: Path) -> None:
    root = str(tmp_path)
    base = Baseline("b.json", root)
    base.counts[entry_id(finding(key="", message="old words"), root)] = 1
    kept, _, stale = base.apply([finding(key="", message="old words", line=40),
                                 finding(key="", message="new words")])
    assert [f.message for f in kept] == ["new words"] and stale == 0


def test_stale_entries_are_counted_for_linted_files_only(project: Path, cli) -> None:
    cli("lint", "flows", "--write-baseline", "b.json")
    fixed = LEGACY.replace("  - id: label\n    model: big", "  - id: label\n    model: small")
    (project / "flows" / "legacy.yaml").write_text(fixed, encoding="utf-8")
    result = cli("lint", "flows", "--baseline", "b.json")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == ("agentlint: 1 finding recorded in b.json no longer occur; "
                             "refresh it with --write-baseline\n")
    base = read("b.json")
    assert base.apply([], linted=["elsewhere.yaml"])[2] == 0


@pytest.mark.parametrize("content, reason", [
    ("{", "invalid JSON"),
    ('{"findings": []}', "no 'agentlint-baseline' key"),
    ('{"agentlint-baseline": 2, "findings": []}', "not supported"),
    ('{"agentlint-baseline": 1, "findings": [{"file": 1}]}', "entry 1"),
])
def test_a_bad_baseline_is_one_line_exit_2(project: Path, cli, content: str,
                                           reason: str) -> None:
    (project / "b.json").write_text(content, encoding="utf-8")
    result = cli("lint", "flows", "--baseline", "b.json")
    assert result.exit_code == 2 and reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(UsageError):
        read(str(project / "b.json"))


def test_a_missing_baseline_says_how_to_make_one(project: Path, cli) -> None:
    result = cli("lint", "flows", "--baseline", "nope.json")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("agentlint: --baseline nope.json: no such file (write "
                                     "one with --write-baseline)")
