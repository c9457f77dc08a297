"""A finding's fix in the machine formats: the ``fix`` key of ``--format json`` and
the SARIF ``fixes`` (valid against the 2.1.0 schema), both from the same edits."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.conftest import run_process
from tests.test_fix_rules import LOOP, PREMIUM

FIXTURES = Path(__file__).parent / "fixtures"


def test_json_carries_the_fix_after_the_contract_keys(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text(LOOP, encoding="utf-8")
    done = run_process("lint", "loop.yaml", "--format", "json", cwd=tmp_path)
    findings = json.loads(done.stdout)
    loop = [f for f in findings if f["code"] == "AL302"]
    assert len(loop) == 1
    assert list(loop[0])[:7] == ["code", "rule", "severity", "message", "file", "line",
                                 "column"]
    assert "fix" in list(loop[0])[7:]
    assert loop[0]["fix"] == {
        "title": "add `max_iterations: 10` to loop `refine`",
        "applicability": "safe",
        "edits": [{"start": {"line": 16, "column": 1}, "end": {"line": 16, "column": 1},
                   "new_text": "    max_iterations: 10\n"}]}
    assert all("fix" not in f for f in findings if f["code"] != "AL302")


def test_sarif_fixes_are_replacements_and_validate(tmp_path: Path) -> None:
    (tmp_path / "tag.yaml").write_text(PREMIUM, encoding="utf-8")
    done = run_process("lint", "tag.yaml", "--format", "sarif", cwd=tmp_path)
    log = json.loads(done.stdout)
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft4Validator(schema).iter_errors(log)) == []
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "AL202")
    assert result["fixes"] == [{
        "description": {"text": "run `tag` on `small`"},
        "artifactChanges": [{
            "artifactLocation": {"uri": "tag.yaml", "uriBaseId": "%SRCROOT%"},
            "replacements": [{
                "deletedRegion": {"startLine": 10, "startColumn": 1, "endLine": 11,
                                  "endColumn": 1},
                "insertedContent": {"text": "    model: small   # the label\n"}}]}],
        "properties": {"applicability": "unsafe"}}]


def test_the_rule_page_says_what_its_fix_does() -> None:
    page = run_process("rule", "unbounded-loop").stdout.splitlines()
    assert page[4] == ("fix:      safe: adds `max_iterations` with the rounds the estimate "
                       "already assumed (agentlint lint --fix)")
    unsafe = run_process("rule", "AL202").stdout
    assert "(agentlint lint --unsafe-fixes)" in unsafe
    assert "fix:" not in run_process("rule", "AL304").stdout.split("\n\n")[1]


def test_a_lint_without_fixable_findings_does_not_load_the_spec_editor() -> None:
    """Fixes cost nothing on the pre-commit path until a rule builds one."""
    from tests.test_startup import imported_by

    clean = imported_by("examples/debate.yaml")
    assert "agentlint.lint.fix" in clean and "agentlint.spec.edit" not in clean
    assert "agentlint.lint.autofix" not in clean
    assert "agentlint.spec.edit" in imported_by("examples/research-fanout.yaml")


def test_fixes_come_back_from_worker_processes_unchanged() -> None:
    from agentlint.lint.engine import lint_paths

    root = Path(__file__).resolve().parent.parent
    one = lint_paths([str(root / "examples")])
    two = lint_paths([str(root / "examples")], jobs=2)
    assert [f.fix for f in two.findings] == [f.fix for f in one.findings]
    assert any(f.fix is not None for f in one.findings)
