"""Cost rules: exact places, hand-computed tokens and dollars, silence once fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentlint.lint.registry import Context
from agentlint.lint.rules import find_rule
from agentlint.spec import catalog
from agentlint.spec.load import load_workflow
from tests.rule_support import at, run, where

HEAD = """\
agentlint: 1
models:
  big: {input_per_mtok: 2.5, output_per_mtok: 10, ttft_s: 0.6, tokens_per_s: 100, p_ok: 1.0}
  small: {input_per_mtok: 0.15, output_per_mtok: 0.6, ttft_s: 0.4, tokens_per_s: 80,
          p_ok: 1.0}
  cacher: {input_per_mtok: 2.0, output_per_mtok: 8.0, cached_input_per_mtok: 0.5,
           ttft_s: 0.5, tokens_per_s: 100, p_ok: 1.0}
  flat: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 1.0}
inputs:
  doc: {tokens: 2000}
  date: {tokens: 8}
"""

# 52 lines of 79 characters: 4,160 characters with their newlines
BODY = "".join(f"      Rule {k:02d}: " + "a" * 70 + "\n" for k in range(52))


# -- cache-defeating-prefix (contract) -----------------------------------------------------

CACHE = HEAD + """\
agents:
  researcher:
    model: cacher
    system: |
      Today is {{ inputs.date }}.
""" + BODY + """\
steps:
  - id: first
    agent: researcher
    prompt: "{{ inputs.doc }}"
    output_tokens: 10
  - id: second
    agent: researcher
    prompt: "{{ inputs.doc }}"
    output_tokens: 10
"""


def test_cache_defeating_prefix_fires_at_the_placeholder(spec) -> None:
    found = run(spec, CACHE, "cache-defeating-prefix")
    # line 16 is "      Today is {{ inputs.date }}."; the placeholder is at column 16
    assert where(found) == [(16, 16)]
    f = found[0]
    assert f.code == "AL201" and f.key == "agent:researcher/system"
    # after the placeholder: ".\n" + 4,160 characters = 4,162 -> 1,041 tokens.
    # Reordered, the prefix is "Today is .\n" + the body = 4,171 characters ->
    # 1,043 tokens (over the 1,024-token cache minimum; today 3 tokens, so 0).
    # Each call saves 1,043 x (2.00 - 0.50) / 1e6 = $0.0015645; two calls per run.
    assert f.message == (
        "the system prompt of agent `researcher` (used by `first` and `second`) has "
        "`{{ inputs.date }}`, which changes between calls, before 1,041 tokens of stable "
        "text, so no call can reuse a cached prefix; move the volatile part to the end (or "
        "into the user prompt) to make 1,043 tokens cacheable: saves $0.003129 per run")


def test_cache_defeating_prefix_silent_with_the_variable_last(spec) -> None:
    fixed = CACHE.replace("      Today is {{ inputs.date }}.\n" + BODY,
                          BODY + "      Today is {{ inputs.date }}.\n")
    assert run(spec, fixed, "cache-defeating-prefix") == []


def test_cache_defeating_prefix_literal_timestamp(spec) -> None:
    text = HEAD + """\
steps:
  - id: only
    model: cacher
    system: |
      Generated at 2025-03-14T10:00:00Z for this run.
""" + BODY
    found = run(spec, text, "cache-defeating-prefix")
    assert where(found) == [at(text, "2025-03-14")]
    assert "`2025-03-14T10:00:00Z`" in found[0].message


def test_cache_defeating_prefix_short_body_is_not_reported(spec) -> None:
    # a variable before a short stable text: nothing a reorder could make cacheable
    text = HEAD + """\
steps:
  - id: only
    model: cacher
    system: "Today is {{ inputs.date }}. Be brief."
"""
    assert run(spec, text, "cache-defeating-prefix") == []


SHARED = HEAD + """\
agents:
  billing:
    model: cacher
    system: |
      You are the billing agent.
""" + BODY + """\
  tech:
    model: cacher
    system: |
      You are the tech agent.
""" + BODY + """\
steps:
  - id: b
    agent: billing
  - id: t
    agent: tech
"""


def test_cache_defeating_prefix_shared_body_behind_different_openings(spec) -> None:
    found = run(spec, SHARED, "cache-defeating-prefix")
    assert where(found) == [at(SHARED, "You are the billing agent.")]
    # 52 shared lines of 79 characters, 20 tokens each: 1,040 tokens; one agent
    # more to cache at (2.00 - 0.50) $/M
    assert found[0].message == (
        "the system prompts of agents `billing` and `tech` share 1,040 tokens of text "
        "behind different openings, so each caches its own copy; put the shared text "
        "first and each one's own lines last so one cached prefix serves all 2 (1,040 "
        "tokens fewer to cache, up to $0.00156 per run when the cache has expired)")


def test_cache_defeating_prefix_shared_body_prices_no_discount_it_does_not_have(spec) -> None:
    # `big` has no cached-input price: the estimate bills a cached read at the full
    # price, so an expired cache costs nothing extra and the message names no dollars
    text = SHARED.replace("model: cacher", "model: big")
    found = run(spec, text, "cache-defeating-prefix")
    assert where(found) == [at(text, "You are the billing agent.")]
    assert found[0].message.endswith(
        "so one cached prefix serves all 2 (1,040 tokens fewer to cache)")


def test_cache_defeating_prefix_shared_body_first_is_fine(spec) -> None:
    fixed = SHARED.replace("      You are the billing agent.\n" + BODY,
                           BODY + "      You are the billing agent.\n").replace(
        "      You are the tech agent.\n" + BODY, BODY + "      You are the tech agent.\n")
    assert run(spec, fixed, "cache-defeating-prefix") == []


# -- premium-on-trivial-step ---------------------------------------------------------------

TRIVIAL = HEAD + """\
steps:
  - id: detect_language
    model: big
    prompt: "{{ inputs.doc }}"
    output_tokens: 4
  - id: answer
    model: big
    prompt: "{{ steps.detect_language.output }} {{ inputs.doc }}"
    output_tokens: 500
"""


def test_premium_on_trivial_step_fires_at_the_model(spec) -> None:
    found = run(spec, TRIVIAL, "premium-on-trivial-step")
    assert where(found) == [at(TRIVIAL, "big\n    prompt")]
    # big: (2000 x 2.5 + 4 x 10) / 1e6 = $0.00504; small: (2000 x 0.15 + 4 x 0.6) / 1e6
    # = $0.0003024; cacher is premium too (8 $/M output) and flat is dearer here
    assert found[0].message == (
        "`detect_language` runs on premium model `big`, $10/Mtok output, to write 4 tokens; "
        "a small model does this as well: on `small` it costs $0.0003024 instead of "
        "$0.00504 per run (saves $0.004738, 94 %)")


def test_premium_on_trivial_step_silent_on_a_small_model(spec) -> None:
    fixed = TRIVIAL.replace("    model: big\n    prompt: \"{{ inputs.doc }}\"",
                            "    model: small\n    prompt: \"{{ inputs.doc }}\"")
    assert run(spec, fixed, "premium-on-trivial-step") == []


@pytest.mark.parametrize("kind", ["router", "validator"])
def test_premium_on_trivial_step_routers_and_validators(spec, kind) -> None:
    extra = "    routes: [answer]\n" if kind == "router" else ""
    text = TRIVIAL.replace("    output_tokens: 4\n",
                           f"    output_tokens: 200\n    kind: {kind}\n{extra}")
    found = run(spec, text, "premium-on-trivial-step")
    assert [f.key for f in found] == ["step:detect_language/model"]


def test_premium_on_trivial_step_template_fill(spec) -> None:
    text = TRIVIAL + """\
  - id: format
    model: big
    system: Fill in the intake template with the fields below. Output Markdown only.
    prompt: "{{ steps.answer.output }}"
    output_tokens: 700
"""
    found = run(spec, text, "premium-on-trivial-step", max_output_tokens=2)
    assert [f.key for f in found] == ["step:format/model"]
    assert "to fill a template from earlier outputs" in found[0].message
    with_input = text.replace('prompt: "{{ steps.answer.output }}"',
                              'prompt: "{{ steps.answer.output }} {{ inputs.doc }}"')
    assert run(spec, with_input, "premium-on-trivial-step", max_output_tokens=2) == []


def test_premium_on_trivial_step_configured_and_catalog_alternatives(spec) -> None:
    found = run(spec, TRIVIAL, "premium-on-trivial-step", cheap_model="flat")
    assert "on `flat` it costs $0.001 instead of $0.00504" in found[0].message
    text = """\
agentlint: 1
models:
  gpt-4o: {}
steps:
  - id: tag
    model: gpt-4o
    output_tokens: 3
"""
    found = run(spec, text, "premium-on-trivial-step")
    assert len(found) == 1
    name = found[0].message.split("on `")[1].split("`")[0]
    assert catalog.entry(name)["provider"] == catalog.entry("gpt-4o")["provider"]


# -- repeated-context ----------------------------------------------------------------------

REPEATED = HEAD.replace("doc: {tokens: 2000}", "doc: {tokens: 3000}") + """\
steps:
  - id: one
    model: small
    prompt: "{{ inputs.doc }}"
  - id: two
    model: small
    prompt: "{{ inputs.doc }}"
  - id: three
    model: small
    prompt: "{{ inputs.doc }}"
"""


def test_repeated_context_fires_at_the_input(spec) -> None:
    found = run(spec, REPEATED, "repeated-context")
    assert where(found) == [at(REPEATED, "doc:")]
    # three reads of 3,000 tokens at $0.15/M
    assert found[0].message.startswith(
        "input `doc` (3,000 tokens) is fed in full to 3 steps (`one`, `two` and `three`): "
        "3.0 reads per run, 9,000 input tokens and $0.00135;")


def test_repeated_context_silent_below_the_thresholds(spec) -> None:
    assert run(spec, REPEATED, "repeated-context", min_readers=4) == []
    assert run(spec, REPEATED, "repeated-context", min_tokens=5000) == []


# -- debate-without-early-stop -------------------------------------------------------------

DEBATE = HEAD + """\
steps:
  - id: pro
    model: flat
  - id: con
    model: flat
loops:
  - id: rounds
    steps: [pro, con]
    max_iterations: 4
"""


def test_debate_without_early_stop_fires_at_the_loop(spec) -> None:
    found = run(spec, DEBATE, "debate-without-early-stop")
    assert where(found) == [at(DEBATE, "rounds")]
    # two $0.001 calls a round, four rounds; with an until, two rounds expected
    assert found[0].message == (
        "loop `rounds` runs `pro` and `con` for all 4 rounds on every run ($0.002 per "
        "round, $0.008 per run): it has no `until`; stop when a judge's verdict settles it "
        "(expected 2 rounds: saves about $0.004 per run)")


def test_debate_without_early_stop_silent_with_until(spec) -> None:
    fixed = DEBATE + '    until: "{{ steps.con.output }} concedes"\n'
    assert run(spec, fixed, "debate-without-early-stop") == []


# -- validator-regenerates -----------------------------------------------------------------

VALIDATOR = HEAD + """\
steps:
  - id: answer
    model: big
    prompt: "{{ inputs.doc }}"
    output_tokens: 600
  - id: check
    kind: validator
    model: small
    prompt: "Improve: {{ steps.answer.output }}"
    output_tokens: 400
"""


def test_validator_regenerates_fires_at_output_tokens(spec) -> None:
    found = run(spec, VALIDATOR, "validator-regenerates")
    assert where(found) == [at(VALIDATOR, "400")]
    # 340 fewer output tokens at $0.6/M and 80 tokens/s
    assert found[0].message.endswith("tokens: saves $0.000204 and 4.25 s per run")


def test_validator_regenerates_silent_for_a_verdict(spec) -> None:
    assert run(spec, VALIDATOR.replace("output_tokens: 400", "output_tokens: 60"),
               "validator-regenerates") == []


# -- orchestration-overhead ----------------------------------------------------------------

ORCHESTRA = HEAD.replace("doc: {tokens: 2000}", "doc: {tokens: 4000}") + """\
steps:
  - id: plan
    kind: orchestrator
    model: big
    prompt: "{{ inputs.doc }}"
    output_tokens: 500
  - id: work
    model: small
    prompt: "{{ steps.plan.output }}"
    output_tokens: 200
"""


def test_orchestration_overhead_fires_at_the_costliest_coordinator(spec) -> None:
    found = run(spec, ORCHESTRA, "orchestration-overhead")
    assert where(found) == [at(ORCHESTRA, "orchestrator")]
    # plan (4000 x 2.5 + 500 x 10)/1e6 = $0.015; work (500 x 0.15 + 200 x 0.6)/1e6
    # = $0.000195; tokens 4,500 of 5,200; time 5.6 s of 5.6 + 2.9 s
    assert found[0].message.startswith(
        "coordination steps `plan` take 99 % of the expected cost ($0.015 of $0.0152 per "
        "run), 87 % of the tokens and 66 % of the critical path (5.60 s), for 500 tokens "
        "of output per run (limit 30 %)")


def test_orchestration_overhead_silent_when_cheap(spec) -> None:
    assert run(spec, ORCHESTRA, "orchestration-overhead", max_share=0.995) == []
    cheap = ORCHESTRA.replace("    model: big\n    prompt: \"{{ inputs.doc }}\"\n    "
                              "output_tokens: 500",
                              "    model: small\n    prompt: \"Split the work.\"\n    "
                              "output_tokens: 20").replace(
        "    model: small\n    prompt: \"{{ steps.plan.output }}\"",
        "    model: big\n    prompt: \"{{ steps.plan.output }} {{ inputs.doc }}\"")
    assert run(spec, cheap, "orchestration-overhead") == []


# -- context-window-overflow ---------------------------------------------------------------

WINDOW = HEAD.replace("  flat:", "  tiny: {per_call_usd: 0.001, per_call_s: 1, p_ok: 1, "
                      "context_window: 1000}\n  flat:") + """\
steps:
  - id: summarise
    model: tiny
    prompt: "{{ inputs.doc }}"
"""


def test_context_window_overflow_fires_at_the_model(spec) -> None:
    found = run(spec, WINDOW, "context-window-overflow")
    assert where(found) == [at(WINDOW, "tiny\n")]
    assert found[0].severity == "error"
    assert "reads about 2,000 input tokens but `tiny` takes at most 1,000" in found[0].message


def test_context_window_overflow_silent_when_it_fits(spec) -> None:
    assert run(spec, WINDOW.replace("context_window: 1000", "context_window: 128000"),
               "context-window-overflow") == []


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"


def test_cache_defeating_prefix_in_a_prompt_file_points_at_the_file_key() -> None:
    wf = load_workflow(str(FIXTURES / "flow-with-prompt-files.yaml"))
    r = find_rule("cache-defeating-prefix")
    ctx = Context(wf)
    ctx.run(r)  # type: ignore[arg-type]
    assert [(f.line, f.column, f.key) for f in ctx.findings] == [
        (13, 18, "step:audit/system")]  # system_file: prompts/auditor.md
    assert "`2025-06-01T08:30:00Z`" in ctx.findings[0].message


POOLED = HEAD.replace("  doc: {tokens: 2000}\n", "  question: {tokens: 400}\n"
                      "  answer: {tokens: 600}\n  context: {tokens: 800}\n") + """\
steps:
  - id: grade_a
    model: small
    prompt: "{{ inputs.question }} {{ inputs.answer }} {{ inputs.context }}"
  - id: grade_b
    model: small
    prompt: "{{ inputs.question }} {{ inputs.answer }} {{ inputs.context }}"
  - id: grade_c
    model: small
    prompt: "{{ inputs.question }} {{ inputs.answer }}"
"""


def test_repeated_context_pools_small_sources(spec) -> None:
    found = run(spec, POOLED, "repeated-context")
    line, col = at(POOLED, "id: grade_a")
    assert where(found) == [(line, col + 4)]
    # `context` has only two readers, so the pool is question + answer: 3 x 1,000
    # tokens at $0.15/M
    assert "3 steps (`grade_a`, `grade_b` and `grade_c`) each re-read the same `answer`, " \
        "`question` (1,000 tokens per step): 3,000 input tokens and $0.00045 per run" \
        in found[0].message


def test_repeated_context_pool_ignores_router_alternatives(spec) -> None:
    text = POOLED.replace("  - id: grade_a\n", "  - id: pick\n    model: small\n"
                          "    kind: router\n    routes: [grade_a, grade_b, grade_c]\n"
                          "  - id: grade_a\n")
    assert run(spec, text, "repeated-context") == []
