"""Every example yields exactly the findings its README promises, and nothing else.

Where they appear is written in the examples themselves, as ``# expect:``
comments (tests/rule_fixtures.py reads them).

A new finding on an example is noise until someone decides it is not: this
test fails, and either the rule or the table below (and examples/README.md)
changes on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentlint.lint import suppressions as sup
from agentlint.lint.registry import Context
from agentlint.lint.rules import all_rules
from agentlint.spec.load import load_workflow
from tests.rule_fixtures import check_file

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: (rule, finding key) per example
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "code-review.yaml": set(),
    "debate.yaml": set(),
    "rag-answer.yaml": set(),
    "single-model.yaml": set(),
    "validator-gate.yaml": set(),
    "worker-critic.yaml": set(),
    "human-handoff.yaml": set(),
    "role-play.yaml": {
        ("repeated-context", "inputs:request"),
    },
    "support-triage.yaml": {
        ("router-context-transformation", "step:account/prompt"),
    },
    "research-fanout.yaml": {
        ("serial-but-independent", "step:research_filings/parallel"),
        ("serial-but-independent", "step:research_forums/parallel"),
        ("cache-defeating-prefix", "agent:researcher/system"),
        ("over-budget", "budgets/latency_s"),
    },
    "long-chain.yaml": {
        ("premium-on-trivial-step", "step:detect_language/model"),
        ("premium-on-trivial-step", "step:classify/model"),
        ("premium-on-trivial-step", "step:format/model"),
        ("deep-chain", "step:format"),
        ("over-budget", "budgets/reliability"),
        # not in the README's list: five steps re-read the 3,800-token contract text
        ("repeated-context", "steps:clean"),
    },
    "orchestrator-workers.yaml": {
        ("retry-non-idempotent", "step:upgrade/retries"),
        ("orchestration-overhead", "step:plan/kind"),
    },
}


def lint(path: Path) -> Context:
    ctx = Context(load_workflow(str(path)))
    for r in all_rules():
        if r.family != "meta":
            ctx.run(r)
    return ctx


def test_every_example_is_listed() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_findings(name: str) -> None:
    ctx = lint(EXAMPLES / name)
    assert {(f.rule, f.key) for f in ctx.findings} == EXPECTED[name]
    assert len(ctx.findings) == len(EXPECTED[name])  # no duplicates


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_findings_where_annotated(name: str) -> None:
    """Every rule's findings are on the lines the ``# expect:`` comments name."""
    check_file(EXAMPLES / name, tested=[r.code for r in all_rules()])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_annotations_are_not_suppressions(name: str) -> None:
    directives, problems = sup.parse((EXAMPLES / name).read_text(encoding="utf-8"))
    assert directives == [] and problems == []


def test_example_figures() -> None:
    """The deliberate anti-patterns say what the example comments promise."""
    got = {}
    for name in ("support-triage.yaml", "research-fanout.yaml", "long-chain.yaml",
                 "orchestrator-workers.yaml"):
        for f in lint(EXAMPLES / name).findings:
            got[(name, f.rule, f.key)] = f
    triage = got[("support-triage.yaml", "router-context-transformation",
                  "step:account/prompt")]
    assert triage.column == 10  # {{ steps.classify.output }}
    assert "{{ inputs.ticket }}" in triage.message
    prefix = got[("research-fanout.yaml", "cache-defeating-prefix", "agent:researcher/system")]
    assert prefix.column == 16  # Today is {{ inputs.date }}.
    filings = got[("research-fanout.yaml", "serial-but-independent",
                   "step:research_filings/parallel")]
    # each researcher takes 15.35 s; grouping one of them takes one run off the path
    assert "add `parallel: sources`" in filings.message
    assert "saves 15.35 s on the critical path (65.20 s -> 49.85 s)" in filings.message
    retry = got[("orchestrator-workers.yaml", "retry-non-idempotent", "step:upgrade/retries")]
    assert "`apply_patch`" in retry.message
    for step in ("detect_language", "classify", "format"):
        f = got[("long-chain.yaml", "premium-on-trivial-step", f"step:{step}/model")]
        assert "on `mini`" in f.message
