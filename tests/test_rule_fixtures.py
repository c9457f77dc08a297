"""Annotated rule fixtures: tests/fixtures/rules/<CODE>-<name>.yaml.

Each file is a complete spec whose ``# expect:`` comments mark where the rule
named in the file name must report, and nowhere else (tests/rule_fixtures.py).
A file without annotations checks that the rule stays silent on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentlint.lint import suppressions as sup
from agentlint.lint.rules import all_rules
from tests.conftest import FIXTURES
from tests.rule_fixtures import check_file, doc_blocks, expectations, findings_of, rule_code_of

RULE_FIXTURES = FIXTURES / "rules"
FILES = sorted(p for p in RULE_FIXTURES.glob("AL*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_rule_fixture(path: Path) -> None:
    check_file(path, tested=rule_code_of(path))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fixture_names_a_rule_and_is_not_a_suppression(path: Path) -> None:
    code = rule_code_of(path)
    assert code, f"{path.name}: name it <CODE>-<rule-name>.yaml"
    r = next(r for r in all_rules() if r.code == code[0])
    assert path.stem == f"{r.code}-{r.name}" or path.stem.startswith(f"{r.code}-{r.name}-")
    directives, problems = sup.parse(path.read_text(encoding="utf-8"))
    assert directives == [] and problems == []


def test_expectation_forms() -> None:
    text = ("a: 1  # expect: AL101\n"
            "# expect: AL201, AL202\n"
            "\n"
            "# a comment\n"
            "b: |  # expect+2: AL006\n"
            "  x\n"
            "  y\n"
            "c: 2  # expected: AL999 is prose\n")
    assert expectations(text) == {(1, "AL101"), (5, "AL201"), (5, "AL202"), (7, "AL006")}


# -- the doc pages' examples are specs, and do what the page says --------------------------

#: rules whose doc page still shows fragments (a few keys of a step) instead of a
#: complete spec; each is converted by writing the whole spec and leaving this set
PENDING_DOC_SPECS = {
    "AL001", "AL002", "AL003", "AL004", "AL005", "AL006", "AL101", "AL102", "AL103",
    "AL201", "AL202", "AL203", "AL204", "AL205", "AL206", "AL207", "AL301", "AL303",
    "AL401", "AL402", "AL403", "AL501", "AL901", "AL902",
}


def _doc_findings(tmp_path: Path, text: str, code: str) -> list[str]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / "example.yaml"
    path.write_text(text, encoding="utf-8")
    return [f.message for f in findings_of(path) if f.code == code]


@pytest.mark.parametrize("r", all_rules(), ids=lambda r: r.code)
def test_doc_example_fires_and_write_instead_does_not(r, tmp_path: Path) -> None:
    examples = doc_blocks(r.doc, "Example")
    fixed = doc_blocks(r.doc, "Write instead")
    if r.code in PENDING_DOC_SPECS:
        pytest.skip("doc page still shows a fragment")
    assert examples, f"{r.code}: the Example needs a ```yaml spec"
    for text in examples:
        assert _doc_findings(tmp_path, text, r.code), f"{r.code}: its Example does not fire"
    for text in fixed:
        assert _doc_findings(tmp_path, text, r.code) == [], \
            f"{r.code}: its Write-instead spec still fires"
