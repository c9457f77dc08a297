"""Annotated rule fixtures: tests/fixtures/rules/<CODE>-<name>.yaml.

Each file is a complete spec whose ``# expect:`` comments mark where the rule
named in the file name must report, and nowhere else (tests/rule_fixtures.py).
A file without annotations checks that the rule stays silent on it. A rule
that fires only on a format read from fixed file names (a CrewAI
``tasks.yaml``) has a folder instead, tests/fixtures/rules/<CODE>-<name>/,
whose workflow files are checked the same way (a profile beside them is
read with them, not checked on its own).

Every rule's doc page is checked too: its Example is a complete spec that
fires the rule, its Write-instead spec one that does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentlint.lint import suppressions as sup
from agentlint.lint.engine import UNUSED_SUPPRESSION
from agentlint.lint.rules import all_rules
from tests.conftest import FIXTURES
from tests.rule_fixtures import (
    check_file,
    doc_blocks,
    doc_file_name,
    expectations,
    findings_of,
    rule_code_of,
)

RULE_FIXTURES = FIXTURES / "rules"
#: read with the workflow beside it, not a workflow itself
PROFILE = "agentlint.profile.yaml"
FILES = sorted([*RULE_FIXTURES.glob("AL*.yaml"),
                *(p for p in RULE_FIXTURES.glob("AL*/*.yaml") if p.name != PROFILE)])


def _fixture_id(path: Path) -> str:
    return path.name if path.parent == RULE_FIXTURES else f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", FILES, ids=_fixture_id)
def test_rule_fixture(path: Path) -> None:
    check_file(path, tested=rule_code_of(path))


@pytest.mark.parametrize("path", FILES, ids=_fixture_id)
def test_fixture_names_a_rule_and_is_not_a_suppression(path: Path) -> None:
    code = rule_code_of(path)
    assert code, f"{path.name}: name it <CODE>-<rule-name>.yaml"
    r = next(r for r in all_rules() if r.code == code[0])
    stem = path.stem if path.parent == RULE_FIXTURES else path.parent.name
    assert stem == f"{r.code}-{r.name}" or stem.startswith(f"{r.code}-{r.name}-")
    if r.code == UNUSED_SUPPRESSION:
        return  # suppression comments are what that rule is about
    directives, problems = sup.parse(path.read_text(encoding="utf-8"))
    assert directives == [] and problems == []


@pytest.mark.parametrize("r", all_rules(), ids=lambda r: r.code)
def test_every_rule_has_a_fixture(r) -> None:
    own = [p for p in FILES if rule_code_of(p) == [r.code]]
    assert own, f"{r.code}: add tests/fixtures/rules/{r.code}-{r.name}.yaml"
    # a silent fixture alone would pass with the rule switched off
    assert any(r.code in {c for _, c in expectations(p.read_text(encoding="utf-8"))}
               for p in own), f"{r.code}: no fixture expects it to fire (`# expect: {r.code}`)"


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


def test_doc_file_names() -> None:
    assert doc_file_name("agentlint: 1\nsteps: []\n") == "example.yaml"
    assert doc_file_name("# a spec that fires\nagentlint: 1\n") == "example.yaml"
    assert doc_file_name("# CrewAI tasks.yaml\nwrite:\n") == "tasks.yaml"


# -- the doc pages' examples are specs, and do what the page says --------------------------

def _doc_findings(tmp_path: Path, text: str, code: str) -> list[str]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / doc_file_name(text)
    path.write_text(text, encoding="utf-8")
    try:
        return [f.message for f in findings_of(path) if f.code == code]
    finally:
        path.unlink()


@pytest.mark.parametrize("r", all_rules(), ids=lambda r: r.code)
def test_doc_example_fires_and_write_instead_does_not(r, tmp_path: Path) -> None:
    examples = doc_blocks(r.doc, "Example")
    fixed = doc_blocks(r.doc, "Write instead")
    assert examples, f"{r.code}: the Example needs a ```yaml spec"
    assert fixed, f"{r.code}: Write instead needs a ```yaml spec that shows the fix"
    for text in examples:
        assert _doc_findings(tmp_path, text, r.code), f"{r.code}: its Example does not fire"
    for text in fixed:
        assert _doc_findings(tmp_path, text, r.code) == [], \
            f"{r.code}: its Write-instead spec still fires"
