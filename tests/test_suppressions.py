"""Inline suppressions and the meta rules (unused-suppression, assumed-value)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentlint.lint import suppressions as sup
from agentlint.lint.config import Config
from agentlint.lint.engine import lint_workflow
from agentlint.lint.registry import Finding
from agentlint.spec.load import load_workflow
from tests.lint_support import Rules

HEAD = """\
agentlint: 1
name: demo
models:
  small: {per_call_usd: 0.001, per_call_s: 0.2, p_ok: 0.99}
steps:
"""


@pytest.fixture
def rules() -> Iterator[Rules]:
    reg = Rules()
    reg.add("AL801", "at-model", where="model")  # one finding per step, on `model:`
    reg.add("AL802", "at-id", where="id")  # one finding per step, on `- id:`
    yield reg


def lint(rules: Rules, tmp_path: Path, body: str, config: Config | None = None
         ) -> list[Finding]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / "flow.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return lint_workflow(load_workflow(str(path), display="flow.yaml"),
                         rules.resolve(config or Config()))


def seen(findings: list[Finding]) -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.code) for f in findings]


def messages(findings: list[Finding], code: str) -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.message) for f in findings if f.code == code]


# -- parsing ------------------------------------------------------------------------------


def test_parse_forms_and_scopes() -> None:
    text = (
        "a: 1  # agentlint: disable=AL101\n"          # 1: this line
        "# agentlint: disable=AL102, cost-rule -- reason\n"  # 2: the node on line 3
        "b:\n"
        "  c: 1\n"
        "\n"
        "  # a comment inside\n"
        "  d: 2\n"
        "e: 3\n"                                      # 8: not covered
        "# agentlint: disable-file=AL103\n"
        "#agentlint:disable-file\n"
    )
    found, problems = sup.parse(text)
    assert problems == []
    assert [(s.line, s.column, s.kind, s.rules, s.start, s.end) for s in found] == [
        (1, 7, "line", ("AL101",), 1, 1),
        (2, 1, "block", ("AL102", "cost-rule"), 3, 7),
        (9, 1, "file", ("AL103",), 1, 10),
        (10, 1, "file", (), 1, 10),
    ]


def test_hash_inside_scalars_is_not_a_comment() -> None:
    text = (
        'a: "x # agentlint: disable=AL101"\n'
        "b: 'it''s # agentlint: disable=AL102'\n"
        "c: |\n"
        "  # agentlint: disable-file\n"
        "  more text\n"
        "d: plain#agentlint:disable=AL103\n"
        "e: [1, 2] # agentlint: disable=AL104\n"
        'f: "two # agentlint: disable=AL105" # agentlint: disable=AL106\n'
        "g: >-\n"
        "  folded # agentlint: disable=AL107\n"
    )
    found, _ = sup.parse(text)
    assert [(s.line, s.rules) for s in found] == [(7, ("AL104",)), (8, ("AL106",))]
    assert found[1].column == 37


def test_prose_is_ignored_and_near_misses_are_problems() -> None:
    text = (
        "# agentlint: 1 is the format version\n"
        "# agentlint: enable=AL101\n"
        "a: 1  # agentlint: disable AL101\n"
        "b: 1  # agentlint: disable=AL101,\n"
        "c: 1  # agentlint: noqa\n"
    )
    found, problems = sup.parse(text)
    assert found == []
    assert [(p.line, p.column) for p in problems] == [(2, 1), (3, 7), (4, 7), (5, 7)]
    assert "unknown agentlint directive 'enable'" in problems[0].message


def test_non_yaml_text_falls_back_to_a_quote_aware_line_scan() -> None:
    text = ("x = 'a # agentlint: disable=AL101'  # agentlint: disable=AL102\n"
            "y = [  # agentlint: disable=AL103\n")
    found, _ = sup.parse(text + "}: :\n  - ]\n")
    assert [(s.line, s.rules) for s in found] == [(1, ("AL102",)), (2, ("AL103",))]


def test_block_after_the_last_line_covers_nothing() -> None:
    found, _ = sup.parse("a: 1\n# agentlint: disable=AL101\n\n")
    assert found[0].kind == "block" and found[0].start > found[0].end


def test_parsing_is_fast_on_large_files() -> None:
    lines = []
    for i in range(20000):
        lines.append(f"k{i}: 'v # {i}'  # agentlint: disable=AL101 -- reason {i}")
        lines.append(f"# agentlint: disable=AL102\nn{i}:\n  x: 1")
    text = "\n".join(lines) + "\n"
    start = time.perf_counter()
    found, _ = sup.parse(text)
    assert len(found) == 40000
    assert time.perf_counter() - start < 5.0


# -- the engine ---------------------------------------------------------------------------


STEPS = """\
  - id: first
    model: small
  - id: second
    model: small
"""


def test_without_suppressions(rules: Rules, tmp_path: Path) -> None:
    assert seen(lint(rules, tmp_path, STEPS)) == [(6, 9, "AL802"), (7, 12, "AL801"),
                                           (8, 9, "AL802"), (9, 12, "AL801")]


def test_end_of_line_suppresses_that_line_by_code_or_name(rules: Rules,
                                                           tmp_path: Path) -> None:
    body = STEPS.replace("    model: small\n  - id: second",
                         "    model: small  # agentlint: disable=at-model\n  - id: second")
    body = body.replace("  - id: second", "  - id: second  # agentlint: disable=al802")
    assert seen(lint(rules, tmp_path, body)) == [(6, 9, "AL802"), (9, 12, "AL801")]


def test_own_line_comment_covers_the_node_below(rules: Rules, tmp_path: Path) -> None:
    body = "  # agentlint: disable=AL801,AL802\n" + STEPS
    # the comment covers the first step (lines 7-8), not the second
    assert seen(lint(rules, tmp_path, body)) == [(9, 9, "AL802"), (10, 12, "AL801")]


def test_comment_above_a_section_covers_the_section(rules: Rules, tmp_path: Path) -> None:
    text = HEAD.replace("steps:\n", "# agentlint: disable=AL801\nsteps:\n") + STEPS
    (tmp_path / ".git").mkdir()
    path = tmp_path / "flow.yaml"
    path.write_text(text, encoding="utf-8")
    found = lint_workflow(load_workflow(str(path)), rules.resolve(Config()))
    assert {f.code for f in found} == {"AL802"}


def test_disable_file(rules: Rules, tmp_path: Path) -> None:
    assert seen(lint(rules, tmp_path, STEPS + "# agentlint: disable-file=AL801\n")) == [
        (6, 9, "AL802"), (8, 9, "AL802")]
    assert lint(rules, tmp_path, "# agentlint: disable-file\n" + STEPS) == []


def test_unused_suppressions_are_reported_where_written(rules: Rules,
                                                         tmp_path: Path) -> None:
    body = STEPS.replace("  - id: first", "  - id: first  # agentlint: disable=AL801")
    body += "# agentlint: disable=AL802\n"
    found = lint(rules, tmp_path, body)
    assert messages(found, "AL901") == [
        (6, 16, "unused suppression: no AL801 (at-model) finding on this line"),
        (10, 1, "unused suppression: no AL802 (at-id) finding in the block below"),
    ]
    assert all(f.severity == "warning" and f.rule == "unused-suppression"
               for f in found if f.code == "AL901")


def test_partly_used_list_reports_only_the_unused_rule(rules: Rules,
                                                        tmp_path: Path) -> None:
    body = STEPS.replace("  - id: first", "  - id: first  # agentlint: disable=AL802,AL801")
    found = lint(rules, tmp_path, body)
    assert messages(found, "AL901") == [
        (6, 16, "unused suppression: no AL801 (at-model) finding on this line")]
    assert (6, 9, "AL802") not in seen(found)


def test_unknown_and_unselected_rules(rules: Rules, tmp_path: Path) -> None:
    body = STEPS.replace("  - id: first", "  - id: first  # agentlint: disable=AL8O1")
    body = body.replace("  - id: second", "  - id: second  # agentlint: disable=AL801")
    found = lint(rules, tmp_path, body, Config(ignore=["AL801"]))
    # AL801 did not run, so its suppression cannot be judged; the typo can
    assert messages(found, "AL901") == [
        (6, 16, "unknown rule 'AL8O1' in suppression; 'agentlint rules' lists them")]


def test_unused_suppression_can_be_ignored_or_silenced(rules: Rules, tmp_path: Path) -> None:
    body = STEPS.replace("  - id: first", "  - id: first  # agentlint: disable=AL801")
    quiet = lint(rules, tmp_path, body, Config(ignore=["unused-suppression"]))
    assert messages(quiet, "AL901") == []
    silenced = lint(rules, tmp_path, body + "# agentlint: disable-file=unused-suppression\n")
    assert messages(silenced, "AL901") == []


def test_blanket_disable_unused(rules: Rules, tmp_path: Path) -> None:
    found = lint(rules, tmp_path, STEPS + "x-note: 1  # agentlint: disable\n")
    assert messages(found, "AL901") == [
        (10, 12, "unused suppression: no finding on this line")]


def test_assumed_values_are_reported_once_each(rules: Rules, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    path = tmp_path / "flow.yaml"
    path.write_text(HEAD + STEPS, encoding="utf-8")
    wf = load_workflow(str(path))
    wf.assumptions = [("assumed 256 output tokens for step 'first'", (6, 5),
                       "step:first/output_tokens"),
                      ("assumed 256 output tokens for step 'first'", (6, 5),
                       "step:first/output_tokens"),
                      ("assumed p_ok 0.99 for model 'small'", (4, 3), "model:small/p_ok")]
    found = [f for f in lint_workflow(wf, rules.resolve(Config())) if f.code == "AL902"]
    assert [(f.line, f.column, f.severity, f.key) for f in found] == [
        (4, 3, "info", "model:small/p_ok"), (6, 5, "info", "step:first/output_tokens")]
