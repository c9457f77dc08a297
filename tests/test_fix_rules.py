"""Each rule's fix on a small spec: the exact text it writes, its applicability, and
that the text it writes no longer has the finding (and still loads)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentlint.lint.autofix import fix_result
from agentlint.lint.config import Overrides
from agentlint.lint.engine import LintResult, lint_paths
from agentlint.lint.fix import SAFE, UNSAFE, Fix, apply, line_starts, offset
from agentlint.lint.rules import default_registry
from agentlint.sources import load_any
from agentlint.spec.edit import Edits, SpecText, TextEdit

FIXTURES = Path(__file__).parent / "fixtures"

LOOP = """\
agentlint: 1
name: refine-draft
inputs:
  draft: {tokens: 800}
steps:
  - id: critique
    model: gpt-4o-mini
    prompt: "Critique: {{ inputs.draft }}"
  - id: revise
    model: gpt-4o-mini
    prompt: "Revise after: {{ steps.critique.output }}"
loops:
  - id: refine  # the review round
    steps: [critique, revise]
    until: "{{ steps.critique.output }} contains APPROVED"
"""

SERIAL = """\
agentlint: 1
name: two-lookups
inputs:
  q: {tokens: 200}
steps:
  # first lookup
  - id: web
    model: gpt-4o
    prompt: "Search the web for {{ inputs.q }}"
    output_tokens: 400
  - id: docs  # the second one
    model: gpt-4o
    prompt: "Search the docs for {{ inputs.q }}"
    output_tokens: 400
  - id: answer
    model: gpt-4o
    prompt: "Answer from {{ steps.web.output }} and {{ steps.docs.output }}"
"""

PREMIUM = """\
agentlint: 1
name: tagger
inputs:
  ticket: {tokens: 800}
models:
  big: {model: gpt-4o}
  small: {model: gpt-4o-mini}
steps:
  - id: tag
    model: big   # the label
    prompt: "One word tag for {{ inputs.ticket }}"
    output_tokens: 3
"""

SUPPRESSED = """\
agentlint: 1
name: tagger
inputs:
  ticket: {tokens: 800}
steps:
  # agentlint: disable=AL203 -- the ticket is read once
  - id: tag
    model: gpt-4o  # agentlint: disable=AL202,AL201
    prompt: "One word tag for {{ inputs.ticket }}"
    output_tokens: 3
  - id: close
    model: gpt-4o-mini  # agentlint: disable=AL203
    prompt: "Close note: {{ steps.tag.output }}"
"""

UNUSED = """\
agentlint: 1
name: support-reply
inputs:
  ticket: {tokens: 1500}
steps:
  # a summary nobody asked for
  - id: summarise
    model: gpt-4o-mini
    prompt: "Summarise this ticket: {{ inputs.ticket }}"
  - id: answer
    model: gpt-4o
    prompt: "Answer: {{ inputs.ticket }}"
    output_tokens: 300
"""

VOLATILE = """\
agentlint: 1
name: dated
inputs:
  date: {tokens: 10}
  question: {tokens: 100}
steps:
  - id: answer
    model: gpt-4o
    system: |
      Today is {{ inputs.date }}.

""" + "".join(f"      Rule {i}: answer in plain words, cite the policy section, never guess.\n"
              for i in range(60)) + """\
    prompt: "{{ inputs.question }}"
"""


def lint_text(tmp_path: Path, text: str) -> LintResult:
    path = tmp_path / "flow.yaml"
    path.write_text(text, encoding="utf-8")
    return lint_paths([str(path)])


def only_fix(result: LintResult, code: str) -> Fix:
    fixes = [f.fix for f in result.findings if f.code == code and f.fix is not None]
    assert len(fixes) == 1, [(f.code, f.fix) for f in result.findings]
    return fixes[0]


def fixed(tmp_path: Path, text: str, *, unsafe: bool) -> tuple[str, LintResult]:
    result = lint_text(tmp_path, text)
    outcome = fix_result(result, Overrides(), unsafe=unsafe, input_format=None,
                         registry=default_registry())
    new = next(iter(outcome.files.values()))[1] if outcome.files else text
    return new, result


def test_al302_adds_the_iterations_the_estimate_assumed(tmp_path: Path) -> None:
    result = lint_text(tmp_path, LOOP)
    fix = only_fix(result, "AL302")
    assert fix.applicability == SAFE
    assert fix.title == "add `max_iterations: 10` to loop `refine`"
    assert fix.edits == (TextEdit((16, 1), (16, 1), "    max_iterations: 10\n"),)
    new, after = fixed(tmp_path, LOOP, unsafe=False)
    assert new == LOOP + "    max_iterations: 10\n"
    assert "AL302" not in {f.code for f in after.findings}
    assert load_any(str(tmp_path / "x.yaml"), text=new).loops[0].max_iterations == 10


def test_al101_gives_the_independent_steps_one_label(tmp_path: Path) -> None:
    fix = only_fix(lint_text(tmp_path, SERIAL), "AL101")
    assert fix.applicability == SAFE
    assert fix.title == "run `docs` beside `web` (parallel: g1)"
    new, after = fixed(tmp_path, SERIAL, unsafe=False)
    assert new == SERIAL.replace("  - id: web\n", "  - id: web\n    parallel: g1\n").replace(
        "  - id: docs  # the second one\n", "  - id: docs  # the second one\n    parallel: g1\n")
    assert "AL101" not in {f.code for f in after.findings}
    wf = load_any(str(tmp_path / "x.yaml"), text=new)
    assert [s.parallel for s in wf.steps] == ["g1", "g1", None]


def test_al202_moves_the_step_to_the_cheaper_model_only_when_unsafe(tmp_path: Path) -> None:
    fix = only_fix(lint_text(tmp_path, PREMIUM), "AL202")
    assert fix.applicability == UNSAFE
    assert fix.title == "run `tag` on `small`"
    assert fixed(tmp_path, PREMIUM, unsafe=False)[0] == PREMIUM
    new, after = fixed(tmp_path, PREMIUM, unsafe=True)
    assert new == PREMIUM.replace("model: big   # the label", "model: small   # the label")
    assert "AL202" not in {f.code for f in after.findings}


def test_al901_removes_the_directive_or_the_unused_rule(tmp_path: Path) -> None:
    result = lint_text(tmp_path, SUPPRESSED)
    unused = [f for f in result.findings if f.code == "AL901"]
    assert [(f.line, f.fix is not None and f.fix.applicability) for f in unused] == [
        (6, SAFE), (8, SAFE), (12, SAFE)]
    new, after = fixed(tmp_path, SUPPRESSED, unsafe=False)
    assert new == SUPPRESSED.replace(
        "  # agentlint: disable=AL203 -- the ticket is read once\n", "").replace(
        "disable=AL202,AL201", "disable=AL202").replace(
        "gpt-4o-mini  # agentlint: disable=AL203", "gpt-4o-mini")
    assert "AL901" not in {f.code for f in after.findings}
    assert "AL202" not in {f.code for f in after.findings}  # still silenced


def test_al001_deletes_the_unread_step_with_its_comment(tmp_path: Path) -> None:
    fix = only_fix(lint_text(tmp_path, UNUSED), "AL001")
    assert fix.applicability == UNSAFE
    assert fix.title == "delete step `summarise`"
    new, after = fixed(tmp_path, UNUSED, unsafe=True)
    assert new == UNUSED.replace(
        "  # a summary nobody asked for\n  - id: summarise\n    model: gpt-4o-mini\n"
        "    prompt: \"Summarise this ticket: {{ inputs.ticket }}\"\n", "")
    assert "AL001" not in {f.code for f in after.findings}


def test_al001_offers_no_fix_while_the_step_is_named_elsewhere(tmp_path: Path) -> None:
    text = UNUSED.replace("    output_tokens: 300\n",
                          "    output_tokens: 300\n    needs: [summarise]\n")
    found = [f for f in lint_text(tmp_path, text).findings if f.code == "AL001"]
    assert found and found[0].fix is None


def test_al201_moves_the_volatile_line_last(tmp_path: Path) -> None:
    fix = only_fix(lint_text(tmp_path, VOLATILE), "AL201")
    assert fix.applicability == UNSAFE
    new, after = fixed(tmp_path, VOLATILE, unsafe=True)
    rules = "".join(f"      Rule {i}: answer in plain words, cite the policy section, never "
                    "guess.\n" for i in range(60))
    assert new == VOLATILE.replace(
        "      Today is {{ inputs.date }}.\n\n" + rules,
        rules + "\n      Today is {{ inputs.date }}.\n")
    assert "AL201" not in {f.code for f in after.findings}
    before = load_any(str(tmp_path / "x.yaml"), text=VOLATILE).steps[0].system
    moved = load_any(str(tmp_path / "x.yaml"), text=new).steps[0].system
    assert sorted(filter(None, before.splitlines())) == sorted(filter(None, moved.splitlines()))


def test_al304_offers_no_fix_no_value_being_stated(tmp_path: Path) -> None:
    text = FIXTURES.joinpath("rules", "AL304-missing-timeout.yaml").read_text(encoding="utf-8")
    found = [f for f in lint_text(tmp_path, text).findings if f.code == "AL304"]
    assert found and all(f.fix is None for f in found)


@pytest.mark.parametrize("text", [LOOP, SERIAL, SUPPRESSED, UNUSED, LOOP.rstrip("\n"),
                                  LOOP.replace("\n", "\r\n")])
def test_range_edits_rebuild_the_editor_text(tmp_path: Path, text: str) -> None:
    """The range edits of a set of line edits give exactly the editor's own new text,
    also at the end of a file without a final line break and with CRLF line ends."""
    wf = load_any(str(tmp_path / "x.yaml"), text=text)
    spec = SpecText(wf)
    cases: list[Edits] = []
    e = spec.edits()
    e.delete(len(spec.lines), len(spec.lines))
    cases.append(e)
    e = spec.edits()
    e.insert_after(len(spec.lines), ["extra: 1"])
    cases.append(e)
    e = spec.edits()
    e.set(2, "name: renamed")
    e.delete(4, 4)
    e.insert_after(1, ["# added"])
    cases.append(e)
    for edits in cases:
        fix = Fix("t", SAFE, tuple(edits.text_edits()))
        new, applied = apply(text, [fix])
        assert applied == [fix] and new == edits.text()


def test_overlapping_fixes_are_applied_one_of_each() -> None:
    text = "a\nb\nc\n"
    whole = Fix("drop b", SAFE, (TextEdit((2, 1), (3, 1), ""),))
    inside = Fix("insert in b", SAFE, (TextEdit((2, 2), (2, 2), "x"),))
    after = Fix("insert before c", SAFE, (TextEdit((3, 1), (3, 1), "z\n"),))
    new, applied = apply(text, [whole, inside, after])
    assert applied == [whole, after] and new == "a\nz\nc\n"
    starts = line_starts(text)
    assert offset(starts, text, (4, 1)) == len(text) and offset(starts, text, (5, 1)) is None


DAG = """\
agentlint: 1
name: company-research
execution: dag
inputs:
  company: {tokens: 50}
steps:
  - id: research_news
    model: gpt-4o
    prompt: "Research the news on {{ inputs.company }}"
    output_tokens: 800
  - id: research_filings
    model: gpt-4o
    prompt: "Research the filings of {{ inputs.company }}"
    output_tokens: 800
    needs: [research_news, lookup]
  - id: lookup
    model: gpt-4o-mini
    prompt: "Ticker of {{ inputs.company }}"
    output_tokens: 5
  - id: report
    model: gpt-4o
    prompt: "Report: {{ steps.research_news.output }} {{ steps.research_filings.output }}"
    needs: [research_filings]
"""


def test_al101_in_dag_mode_drops_the_needs_entry_only_when_unsafe(tmp_path: Path) -> None:
    fix = only_fix(lint_text(tmp_path, DAG), "AL101")
    assert fix.applicability == UNSAFE
    assert fix.title == "drop `research_news` from the `needs` of `research_filings`"
    assert fixed(tmp_path, DAG, unsafe=False)[0] == DAG
    new, after = fixed(tmp_path, DAG, unsafe=True)
    assert new == DAG.replace("needs: [research_news, lookup]", "needs: [lookup]")
    assert "AL101" not in {f.code for f in after.findings}


class _Found:
    """A finding as the fix loop sees it: only its fix matters."""

    def __init__(self, fix: Fix | None) -> None:
        self.fix = fix


def test_the_fix_loop_drops_a_pass_that_breaks_the_spec_and_is_bounded() -> None:
    from agentlint.lint.autofix import fix_loop

    add = Fix("add", SAFE, (TextEdit((1, 1), (1, 1), "x"),))
    outcome = fix_loop("a\n", [_Found(add)], lambda text: ([], "flow.yaml:1:1: broken"),
                       unsafe=False)
    assert (outcome.text, outcome.fixed, outcome.broken) == ("a\n", 0, "flow.yaml:1:1: broken")
    # a fix that comes back after every pass stops at the bound
    outcome = fix_loop("a\n", [_Found(add)], lambda text: ([_Found(add)], ""), unsafe=False,
                       max_passes=5)
    assert (outcome.text, outcome.fixed) == ("xxxxxa\n", 5)
    unsafe = Fix("drop", UNSAFE, (TextEdit((1, 1), (2, 1), ""),))
    assert fix_loop("a\n", [_Found(unsafe)], lambda text: ([], ""), unsafe=False).fixed == 0
    assert fix_loop("a\n", [_Found(unsafe)], lambda text: ([], ""), unsafe=True).text == ""


CHAIN = """\
agentlint: 1
name: four-lookups
inputs:
  q: {tokens: 200}
steps:
  - id: a
    model: gpt-4o
    prompt: "Search A for {{ inputs.q }}"
    output_tokens: 400
  - id: b
    model: gpt-4o
    prompt: "Search B for {{ inputs.q }}"
    output_tokens: 400
  - id: c
    model: gpt-4o
    prompt: "Search C for {{ inputs.q }}"
    output_tokens: 400
  - id: d
    model: gpt-4o
    prompt: "Check {{ steps.a.output }}"
    output_tokens: 400
  - id: answer
    model: gpt-4o
    prompt: "Answer from {{ steps.b.output }} {{ steps.c.output }} {{ steps.d.output }}"
"""


def test_al101_fixes_of_one_pass_never_join_groups_that_depend(tmp_path: Path) -> None:
    """`d` reads `a`: the fixes of one pass label (a, b) and (c, d) apart (one label
    for both would make one group of four, `d` beside the `a` it reads)."""
    new, after = fixed(tmp_path, CHAIN, unsafe=False)
    wf = load_any(str(tmp_path / "x.yaml"), text=new)
    labels = {s.id: s.parallel for s in wf.steps}
    assert labels == {"a": "g1", "b": "g1", "c": "g3", "d": "g3", "answer": None}
    assert not {"AL004", "AL101"} & {f.code for f in after.findings}
