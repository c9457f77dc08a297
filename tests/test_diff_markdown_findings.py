"""The new and fixed findings of a workflow in the Markdown diff: one block each, the
first fifty listed and a line for the rest."""

from __future__ import annotations

from agentlint.ci.diff import WorkflowDiff
from agentlint.ci.git import Change
from agentlint.lint.registry import Finding
from agentlint.report.diff_markdown import MAX_FINDINGS, _details


def _finding(i: int) -> Finding:
    return Finding("AL201", "premium-on-trivial-step", "warning", f"step *{i}*", "a b.yaml",
                   i + 1, 1)


def _blocks(new: int, fixed: int) -> list[str]:
    wd = WorkflowDiff(Change("modified", "a b.yaml", None), "a b.yaml", "wf",
                      new_findings=[_finding(i) for i in range(new)],
                      fixed_findings=[_finding(i) for i in range(fixed)])
    return _details(wd, picture=False)


def test_past_the_limit_a_line_says_how_many_more_and_where_they_are() -> None:
    out = _blocks(MAX_FINDINGS + 2, MAX_FINDINGS + 1)
    new = out.index("**New findings (52)**")
    assert out[new + 1] == ""
    assert out[new + 2] == ("- ⚠️ `a b.yaml:1` **AL201** premium-on-trivial-step: "
                            "step *0*")
    assert out[new + 2 + MAX_FINDINGS] == ("- … 2 more: `agentlint lint -- 'a b.yaml'` "
                                           "lists them all")
    assert out[new + 3 + MAX_FINDINGS] == ""
    fixed = out.index("**Fixed findings (51)**")
    assert fixed == new + 4 + MAX_FINDINGS
    assert out[fixed + 2] == "- ✅ **AL201** premium-on-trivial-step: step *0*"
    assert out[fixed + 2 + MAX_FINDINGS] == "- … 1 more"


def test_no_findings_no_block() -> None:
    out = _blocks(0, 1)
    assert not any(line.startswith("**New findings") for line in out)
    assert out[out.index("**Fixed findings (1)**"):] == [
        "**Fixed findings (1)**", "", "- ✅ **AL201** premium-on-trivial-step: step *0*"]
