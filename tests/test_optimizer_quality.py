"""Quality-aware, least-change advice from ``optimize`` (docs/optimizer.md, "Quality").

A step changes its model only within its ``candidates`` or its ``min_tier``;
otherwise the cheaper models are opportunities. Within budget the default
objective proposes only changes that lose nothing; over budget, the fewest
cuts, tiers lost and edits, then the lowest cost.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agentlint.graph.downgrade import alternatives, trivial
from agentlint.optimizer.run import Result, optimize
from agentlint.spec.load import load_workflow
from tests.conftest import run_process

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def _copy(tmp_path: Path, name: str, edit: object = None) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    if callable(edit):
        text = edit(text)
    (tmp_path / "prompts").mkdir(exist_ok=True)
    for f in (EXAMPLES / "prompts").glob("*"):
        (tmp_path / "prompts" / f.name).write_text(f.read_text(encoding="utf-8"),
                                                     encoding="utf-8")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(path: Path, **kwargs: object) -> Result:
    return optimize(load_workflow(str(path)), path=str(path), **kwargs)  # type: ignore[arg-type]


def _changes(result: Result) -> list[tuple[str, str, object, object]]:
    return [(c["step"], c["field"], c["from"], c["to"])
            for c in result.to_json()["changes"]]


def _without_candidates(text: str) -> str:
    return re.sub(r"(?m)^ +candidates: \[[^\]\n]*\].*\n", "", text)


# -- the bundled examples ------------------------------------------------------------------

#: the default plan of every example, as pinned: (within budget, changes)
PLANS: dict[str, tuple[bool, list[tuple[str, str, object, object]]]] = {
    # `review` lists claude-sonnet-4-5 and gpt-4o (both tier 3): the cheaper one, at the
    # same latency and success, loses nothing
    "code-review.yaml": (True, [("review", "model", "claude-sonnet-4-5", "gpt-4o")]),
    "debate.yaml": (True, []),
    # reliability misses its floor: one retry each on the fewest steps, no model change
    # (the example's comment says assess_risks needs its premium model)
    "long-chain.yaml": (False, [(s, "retries", 0, 1) for s in (
        "clean", "detect_language", "classify", "extract_parties", "extract_terms",
        "summarise", "translate", "format")]),
    # `plan` lists claude-sonnet-4-5 and gpt-4o ("planning needs a strong model")
    "orchestrator-workers.yaml": (True, [("plan", "model", "claude-sonnet-4-5", "gpt-4o")]),
    "rag-answer.yaml": (True, []),
    # latency misses its budget: the two independent researchers join `sources`
    "research-fanout.yaml": (False, [("research_filings", "parallel", None, "sources"),
                                     ("research_forums", "parallel", None, "sources")]),
    # every step keeps its model: no reply is moved onto the fine-tuned classifier
    "support-triage.yaml": (True, []),
    # the pattern examples are within budget and name no candidates: nothing to change
    "human-handoff.yaml": (True, []),
    "role-play.yaml": (True, []),
    "single-model.yaml": (True, []),
    "validator-gate.yaml": (True, []),
    "worker-critic.yaml": (True, []),
}


def test_every_example_is_pinned() -> None:
    assert sorted(PLANS) == [p.name for p in EXAMPLE_FILES]


@pytest.mark.parametrize("name", sorted(PLANS))
def test_example_plans(tmp_path: Path, name: str) -> None:
    result = _run(_copy(tmp_path, name))
    within, changes = PLANS[name]
    assert result.status == "optimal"
    assert result.within_budget is within
    assert _changes(result) == changes
    before, after = result.before, result.after
    assert all(b.ok for b in after.budgets)
    if within:  # nothing spent: no more latency, no less reliability, no more cost
        assert after.latency_s <= before.latency_s
        assert after.reliability >= before.reliability
        assert after.cost_usd <= before.cost_usd


@pytest.mark.parametrize("name", sorted(PLANS))
def test_no_model_changes_without_candidates(tmp_path: Path, name: str) -> None:
    result = _run(_copy(tmp_path, name, _without_candidates))
    assert result.status == "optimal"
    assert [c for c in _changes(result) if c[1] == "model"] == []


def test_long_chain_does_not_spend_latency_slack(tmp_path: Path) -> None:
    result = _run(_copy(tmp_path, "long-chain.yaml"))
    # 60.02 s as written, 90 s budget: the plan adds retries, not 30 s of latency
    assert result.after.latency_s < 1.05 * result.before.latency_s
    assert "assess_risks" not in {c[0] for c in _changes(result)}


# -- opportunities ---------------------------------------------------------------------------


def test_opportunities_agree_with_premium_on_trivial_step(tmp_path: Path) -> None:
    path = _copy(tmp_path, "long-chain.yaml")
    wf = load_workflow(str(path))
    result = _run(path)
    found = {o.step: o for o in result.problem.opportunities}
    for step_id in ("detect_language", "classify", "format"):
        step = wf.step(step_id)
        model = wf.model_of(step)
        assert model is not None and trivial(step) is not None  # AL202 reports it
        names = {m.name for m in alternatives(wf, model)}
        o = found[step_id]
        assert o.to in names
        assert o.trivial == trivial(step)
        assert "premium-on-trivial-step (AL202)" in o.risk
    assert found["detect_language"].tier == (3, 2)
    assert found["detect_language"].saving_usd > 0
    # opportunities are ordered by saving, largest first
    savings = [o.saving_usd for o in result.problem.opportunities]
    assert savings == sorted(savings, reverse=True)
    # a step with candidates or a floor has none: the optimizer decides its model
    assert "review" not in {o.step for o in _run(
        _copy(tmp_path, "code-review.yaml")).problem.opportunities}


def test_a_floor_turns_an_opportunity_into_a_change(tmp_path: Path) -> None:
    def floor(text: str) -> str:
        text = text.replace("    model: premium  # expect: AL202\n",
                            "    model: premium  # expect: AL202\n    min_tier: 2\n", 1)
        return text.replace("  cost_usd: 0.10\n", "  cost_usd: 0.062\n")

    path = _copy(tmp_path, "long-chain.yaml", floor)
    wf = load_workflow(str(path))
    result = _run(path)
    assert result.status == "optimal" and not result.within_budget
    moved = [c for c in _changes(result) if c[1] == "model"]
    assert [c[0] for c in moved] == ["detect_language"]
    to = moved[0][3]
    step = wf.step("detect_language")
    model = wf.model_of(step)
    assert model is not None
    assert to in {m.name for m in alternatives(wf, model)}  # what AL202 names
    assert wf.models[str(to)].tier is not None and wf.models[str(to)].tier >= 2
    assert "detect_language" not in {o.step for o in result.problem.opportunities}


# -- the rule on small specs -----------------------------------------------------------------

TIERED = """\
agentlint: 1
name: tiered
execution: sequential
models:
  strong: {input_per_mtok: 3.0, output_per_mtok: 15.0, ttft_s: 1.0, tokens_per_s: 60,
           p_ok: 0.99, tier: 3}
  twin: {input_per_mtok: 2.5, output_per_mtok: 10.0, ttft_s: 1.0, tokens_per_s: 60,
         p_ok: 0.99, tier: 3}
  slowtwin: {input_per_mtok: 1.0, output_per_mtok: 5.0, ttft_s: 3.0, tokens_per_s: 20,
             p_ok: 0.99, tier: 3}
  small: {input_per_mtok: 0.4, output_per_mtok: 1.6, ttft_s: 0.4, tokens_per_s: 120,
          p_ok: 0.99, tier: 2}
  tiny: {input_per_mtok: 0.1, output_per_mtok: 0.4, ttft_s: 0.3, tokens_per_s: 200,
         p_ok: 0.99, tier: 1}
inputs:
  doc: {tokens: 3000}
steps:
  - id: a
    model: strong
    STEP_A
    prompt: "Read {{ inputs.doc }} now"
    output_tokens: 400
  - id: b
    model: strong
    prompt: "Go on from {{ steps.a.output }} now"
    output_tokens: 400
BUDGETS"""


def _tiered(spec: object, step_a: str, budgets: str = "") -> Path:
    text = TIERED.replace("    STEP_A\n", step_a).replace("BUDGETS", budgets)
    return spec(text)  # type: ignore[operator, no-any-return]


def test_within_budget_only_changes_that_lose_nothing(spec: object) -> None:
    # candidates of every tier: twin is cheaper at the same tier, speed and success;
    # slowtwin is cheaper still but slower; small and tiny lose tiers
    path = _tiered(spec, "    candidates: [strong, twin, slowtwin, small, tiny]\n",
                   "budgets:\n  latency_s: 100\n")
    result = _run(path)
    assert result.within_budget
    assert _changes(result) == [("a", "model", "strong", "twin")]
    assert result.after.latency_s <= result.before.latency_s
    # `b` has no candidates: its cheaper models are opportunities
    assert [(o.step, o.to) for o in result.problem.opportunities] == [("b", "tiny")]
    # asked for the lowest cost, the same candidates go to the cheapest model
    cheapest = _run(path, objective="cost")
    assert _changes(cheapest) == [("a", "model", "strong", "tiny")]


def test_over_budget_least_tiers_lost_first(spec: object) -> None:
    # $0.0222 as written; the cost budget needs `a` off the tier-3 models (slowtwin,
    # the cheapest, makes $0.0122): small (one tier down, $0.0091) is enough, though
    # tiny (two tiers down, $0.0077) would be cheaper
    path = _tiered(spec, "    min_tier: 1\n", "budgets:\n  cost_usd: 0.010\n")
    result = _run(path)
    assert not result.within_budget
    assert _changes(result) == [("a", "model", "strong", "small")]
    assert result.after.cost_usd <= 0.010
    assert _changes(_run(path, objective="cost")) == [("a", "model", "strong", "tiny")]
    # a floor of 3 allows only the tier-3 models, which cannot meet the budget
    floor3 = _run(_tiered(spec, "    min_tier: 3\n", "budgets:\n  cost_usd: 0.010\n"))
    assert floor3.status == "infeasible"
    assert {c[3] for c in _changes(floor3) if c[1] == "model"} <= {"strong", "twin",
                                                                    "slowtwin"}


def test_a_floor_routes_within_its_tiers(spec: object) -> None:
    path = _tiered(spec, "    min_tier: 2\n", "budgets:\n  cost_usd: 0.010\n")
    result = _run(path)
    assert _changes(result) == [("a", "model", "strong", "small")]
    for row in (_run(path, objective=o) for o in ("cost", "latency", "reliability")):
        assert row.to_json()["plan"]["a"]["model"] != "tiny"  # below the floor
        assert row.to_json()["plan"]["b"]["model"] == "strong"  # no floor: it stays
    assert _run(path, objective="cost").to_json()["plan"]["a"]["model"] == "small"


@pytest.mark.parametrize(("key", "value"), [("min_tier", 0), ("min_tier", 11)])
def test_bad_floor_is_refused_with_its_position(spec: object, key: str, value: int) -> None:
    path = _tiered(spec, f"    {key}: {value}\n")
    done = run_process("optimize", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    line = done.stderr.strip()
    assert "\n" not in line
    assert line.endswith(f"flow.yaml:20:15: {key}: {value} is out of range: {key} takes a "
                         "whole number from 1 to 10"), line


def test_bad_model_tier_is_refused(spec: object) -> None:
    path = spec(TIERED.replace("tier: 2}", "tier: 0}").replace("    STEP_A\n", "")
                .replace("BUDGETS", ""))  # type: ignore[operator]
    done = run_process("optimize", str(path))
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        "flow.yaml:12:29: tier: 0 is out of range: tier takes a whole number from 1 to 10")


# -- reports ----------------------------------------------------------------------------------


def test_reports_as_a_process(tmp_path: Path) -> None:
    path = _copy(tmp_path, "support-triage.yaml")
    done = run_process("optimize", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["within_budget"] is True and data["changes"] == []
    opportunities = data["opportunities"]
    assert opportunities and {"step", "line", "model", "to", "saving_usd", "tier",
                              "step_success", "step_time_s", "trivial",
                              "risk", "note"} == set(opportunities[0])
    tech = next(o for o in opportunities if o["step"] == "tech")
    assert tech["model"] == "claude-sonnet-4-5" and tech["saving_usd"] > 0
    assert "quality unknown" in tech["risk"]  # the fine-tuned classifier has no tier
    text = run_process("optimize", str(path)).stdout
    assert "no change: already within budget" in text
    assert re.search(r"support-triage\.yaml:\d+: step 'tech': model claude-sonnet-4-5 -> "
                     r"\S+ saves \$[0-9.]+ per run \([0-9.]+ %\); risk: ", text)
    md = run_process("optimize", str(path), "--format", "markdown").stdout
    assert "<summary>Opportunities not in the plan (" in md
    assert md.count("<details>") == md.count("</details>")
    assert "No change: already within budget" in md


def test_pareto_and_cost_objectives_keep_the_rule(tmp_path: Path) -> None:
    path = _copy(tmp_path, "support-triage.yaml")
    models = {s.id: s.model for s in load_workflow(str(path)).steps}
    for result in (_run(path, objective="cost"), _run(path, pareto=True)):
        assert [c for c in _changes(result) if c[1] == "model"] == []
        for q in result.frontier:
            assert {s.id: s.model for s in q.workflow.steps} == models


def test_every_stage_has_words_for_the_progress_line() -> None:
    """``--verbose`` and a terminal name each stage as it is solved: a stage without
    words was an internal error."""
    from agentlint.optimizer import run

    names = {n for stages in run.STAGES.values() for n in stages}
    names |= set(run.WITHIN_BUDGET_STAGES) | set(run.PARETO_STAGES)
    assert names <= set(run._UNITS)
