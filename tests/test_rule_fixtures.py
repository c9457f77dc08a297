"""Annotated rule fixtures: tests/fixtures/rules/<CODE>-<name>.yaml.

Each file is a complete spec whose ``# expect:`` comments mark where the rule
named in the file name must report, and nowhere else (tests/rule_fixtures.py).
A file without annotations checks that the rule stays silent on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentlint.lint import suppressions as sup
from agentlint.lint.registry import all_rules
from tests.conftest import FIXTURES
from tests.rule_fixtures import check_file, expectations, rule_code_of

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
