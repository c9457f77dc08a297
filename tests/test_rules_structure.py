"""Structure rules: each fires at the exact place, and is silent once fixed."""

from __future__ import annotations

import pytest

from tests.rule_support import at, run, where

HEAD = """\
agentlint: 1
models:
  m: {input_per_mtok: 1, output_per_mtok: 2, ttft_s: 0.5, tokens_per_s: 100, p_ok: 0.99}
tools:
  send_mail: {effect: send}
inputs:
  ticket: {tokens: 1000}
  customer: {tokens: 300}
"""


# -- unused-output -----------------------------------------------------------------------

UNUSED = HEAD + """\
steps:
  - id: summarise
    model: m
    prompt: "{{ inputs.ticket }}"
    output_tokens: 100
  - id: answer
    model: m
    prompt: "{{ inputs.ticket }}"
    output_tokens: 200
"""


def test_unused_output_fires_at_the_step_id(spec) -> None:
    found = run(spec, UNUSED, "unused-output")
    assert where(found) == [(10, 9)] == [at(UNUSED, "summarise")]
    # 1,000 input tokens at $1/M + 100 output at $2/M; 0.5 s + 100/100 s
    assert "delete it (saves $0.0012 and 1.50 s per run)" in found[0].message
    assert found[0].code == "AL001" and found[0].severity == "warning"


def test_unused_output_silent_when_read(spec) -> None:
    fixed = UNUSED.replace('prompt: "{{ inputs.ticket }}"\n    output_tokens: 200',
                           'prompt: "{{ steps.summarise.output }} {{ inputs.ticket }}"\n'
                           '    output_tokens: 200')
    assert run(spec, fixed, "unused-output") == []


@pytest.mark.parametrize("extra", ["    kind: router\n    routes: [answer]\n",
                                   "    kind: orchestrator\n",
                                   "    kind: validator\n",
                                   "    terminal: true\n"])
def test_unused_output_silent_for_routers_validators_and_terminal(spec, extra) -> None:
    text = UNUSED.replace("    output_tokens: 100\n", "    output_tokens: 100\n" + extra)
    assert run(spec, text, "unused-output") == []


def test_unused_output_silent_for_side_effects_and_loop_conditions(spec) -> None:
    first = '    model: m\n    prompt: "{{ inputs.ticket }}"\n    output_tokens: 100'
    with_tool = UNUSED.replace(first, first.replace("model: m", "agent: mailer")).replace(
        "steps:", "agents:\n  mailer: {model: m, tools: [send_mail]}\nsteps:")
    assert "agent: mailer" in with_tool
    assert run(spec, with_tool, "unused-output") == []
    looped = UNUSED + """\
loops:
  - id: again
    steps: [summarise, answer]
    max_iterations: 2
    until: "{{ steps.summarise.output }} says DONE"
"""
    assert run(spec, looped, "unused-output") == []


BRANCH_ANSWERS = HEAD + """\
steps:
  - id: classify
    model: m
    kind: router
    prompt: "{{ inputs.ticket }}"
    routes: [short, long]
  - id: short
    model: m
    prompt: "{{ steps.classify.output }} {{ inputs.ticket }}"
  - id: long
    model: m
    prompt: "{{ steps.classify.output }} {{ inputs.ticket }}"
"""


def test_unused_output_last_step_of_a_branch_is_its_answer(spec) -> None:
    # `short` is nobody's input, but on its branch it is the final answer
    assert run(spec, BRANCH_ANSWERS, "unused-output") == []


def test_unused_output_branch_left_out_of_the_join(spec) -> None:
    # reply joins the short and long branches (so it runs on every path) but
    # not the third one, whose last step's output is then never used
    text = BRANCH_ANSWERS.replace("routes: [short, long]", "routes: [short, long, other]") + """\
  - id: other
    model: m
    prompt: "{{ steps.classify.output }} {{ inputs.ticket }}"
  - id: reply
    model: m
    context: [short, long]
"""
    found = run(spec, text, "unused-output")
    line, col = at(text, "id: other")
    assert where(found) == [(line, col + 4)]


def test_step_reading_one_branch_belongs_to_it(spec) -> None:
    # reply reads the main line and the long branch only: it runs when `long`
    # ran, so `short` is the answer of its own branch, not an unused output
    text = BRANCH_ANSWERS.replace("steps:\n", "steps:\n  - id: intake\n    model: m\n") + """\
  - id: reply
    model: m
    context: [intake, long]
"""
    assert run(spec, text, "unused-output") == []


def test_unused_output_dag_ends_are_outputs(spec) -> None:
    # in dag mode both answers are ends of the graph; a model step that waits
    # for one of them without reading it makes it unused again
    text = UNUSED.replace("agentlint: 1\n", "agentlint: 1\nexecution: dag\n")
    assert run(spec, text, "unused-output") == []
    waits = text + "  - id: wrap_up\n    model: m\n    needs: [summarise]\n"
    found = run(spec, waits, "unused-output")
    assert where(found) == [at(waits, "summarise")]


# -- unreachable-step --------------------------------------------------------------------

ROUTED = HEAD + """\
steps:
  - id: classify
    model: m
    kind: router
    prompt: "{{ inputs.ticket }}"
    routes:
      - {step: billing, share: 1.0}
      - tech
  - id: billing
    model: m
    prompt: "{{ steps.classify.output }} {{ inputs.ticket }}"
  - id: tech
    model: m
    prompt: "{{ steps.classify.output }} {{ inputs.ticket }}"
  - id: tech_followup
    model: m
    prompt: "{{ steps.tech.output }}"
  - id: reply
    model: m
    context: [billing, tech_followup]
"""


def test_unreachable_step_fires_at_the_route_left_with_nothing(spec) -> None:
    found = run(spec, ROUTED, "unreachable-step")
    assert where(found) == [at(ROUTED, "tech")] == [(16, 9)]
    assert "gets share 0 because the other routes' shares already add up to 1" in \
        found[0].message
    assert "`tech_followup`" in found[0].message


def test_unreachable_step_fires_at_an_explicit_zero_share(spec) -> None:
    text = ROUTED.replace("- {step: billing, share: 1.0}\n      - tech",
                          "- {step: billing, share: 1.0}\n      - {step: tech, share: 0}")
    found = run(spec, text, "unreachable-step")
    line, col = at(text, "share: 0}")
    assert where(found) == [(line, col + 7)] == [(16, 29)]
    assert "is given share 0" in found[0].message


def test_unreachable_step_silent_with_real_shares(spec) -> None:
    text = ROUTED.replace("share: 1.0", "share: 0.7")
    assert run(spec, text, "unreachable-step") == []


# -- dead-after-terminal -----------------------------------------------------------------

TERMINAL = HEAD + """\
steps:
  - id: answer
    model: m
    prompt: "{{ inputs.ticket }}"
    terminal: true
  - id: log_answer
    model: m
    prompt: "{{ steps.answer.output }}"
  - id: notify
    model: m
    prompt: "{{ inputs.ticket }}"
"""


def test_dead_after_terminal_sequential(spec) -> None:
    found = run(spec, TERMINAL, "dead-after-terminal")
    assert where(found) == [at(TERMINAL, "log_answer")] == [(14, 9)]
    assert "`answer` is terminal (line 13)" in found[0].message
    assert "`log_answer` and `notify`, listed after it, never run" in found[0].message


def test_dead_after_terminal_silent_without_terminal(spec) -> None:
    assert run(spec, TERMINAL.replace("    terminal: true\n", ""), "dead-after-terminal") == []


BRANCH_END = HEAD + """\
steps:
  - id: classify
    model: m
    kind: router
    prompt: "{{ inputs.ticket }}"
    routes: [spam, real]
  - id: spam
    model: m
    prompt: "{{ steps.classify.output }}"
    terminal: true
  - id: spam_log
    model: m
    prompt: "{{ steps.spam.output }}"
  - id: real
    model: m
    prompt: "{{ inputs.ticket }}"
  - id: reply
    model: m
    prompt: "{{ steps.real.output }} {{ inputs.ticket }}"
"""


def test_terminal_on_a_branch_ends_only_that_branch(spec) -> None:
    found = run(spec, BRANCH_END, "dead-after-terminal")
    # spam_log runs only on the spam branch; real and reply run on the other one
    assert where(found) == [at(BRANCH_END, "spam_log")]
    assert "`spam_log`" in found[0].message and "`reply`" not in found[0].message


def test_dead_after_terminal_dag_follows_dependencies(spec) -> None:
    text = TERMINAL.replace("agentlint: 1\n", "agentlint: 1\nexecution: dag\n")
    found = run(spec, text, "dead-after-terminal")
    # notify waits for nothing, so in dag mode it may run before the end
    assert where(found) == [at(text, "log_answer")]
    assert "`log_answer`, waiting for it, never runs" in found[0].message


# -- parallel-group-dependency -----------------------------------------------------------

GROUP = HEAD + """\
steps:
  - id: draft
    model: m
    parallel: work
    prompt: "{{ inputs.ticket }}"
    output_tokens: 100
  - id: polish
    model: m
    parallel: work
    prompt: "Polish: {{ steps.draft.output }}"
"""


def test_parallel_group_dependency_fires_at_the_reference(spec) -> None:
    found = run(spec, GROUP, "parallel-group-dependency")
    assert where(found) == [at(GROUP, "steps.draft")] == [(18, 25)]
    assert "waits 1.50 s for `draft`" in found[0].message


def test_parallel_group_dependency_needs(spec) -> None:
    text = GROUP.replace('prompt: "Polish: {{ steps.draft.output }}"',
                         'prompt: "{{ inputs.ticket }}"\n    needs: [draft]')
    found = run(spec, text, "parallel-group-dependency")
    assert where(found) == [at(text, "draft]")]
    assert "`polish` needs `draft`" in found[0].message


def test_parallel_group_dependency_silent_when_out_of_the_group(spec) -> None:
    text = GROUP.replace("    parallel: work\n    prompt: \"Polish", "    prompt: \"Polish")
    assert run(spec, text, "parallel-group-dependency") == []


# -- implicit-context --------------------------------------------------------------------

CREW = HEAD + """\
steps:
  - id: research
    model: m
    prompt: "{{ inputs.ticket }}"
    output_tokens: 300
  - id: outline
    model: m
    prompt: "{{ inputs.customer }}"
    output_tokens: 200
  - id: write
    model: m
    prompt: "Write it up."
    output_tokens: 500
"""


def _implicit(wf) -> None:
    wf.step("write").implicit_context = True


def test_implicit_context_fires_with_tokens_and_dollars(spec) -> None:
    found = run(spec, CREW, "implicit-context", wf_hook=_implicit)
    assert where(found) == [at(CREW, "write")] == [(18, 9)]
    # 300 + 200 tokens of earlier output at $1/M input, one call per run
    assert ("receives the output of every earlier step: `research` and `outline` (500 "
            "tokens per call, $0.0005 per run) and must wait for all of them") in \
        found[0].message


def test_implicit_context_as_an_adapter_records_it(spec) -> None:
    # a reader that knows what the format hands over lists it as context
    text = CREW.replace('prompt: "Write it up."', 'prompt: "Write it up."\n    context: [outline]')
    found = run(spec, text, "implicit-context", wf_hook=_implicit)
    assert where(found) == [at(text, "write")]
    assert ("receives the output of `outline` (200 tokens per call, $0.0002 per run) and "
            "must wait for it") in found[0].message


def test_implicit_context_silent_when_context_is_named(spec) -> None:
    assert run(spec, CREW, "implicit-context") == []


# -- router-context-transformation (contract) --------------------------------------------

TRIAGE = """\
agentlint: 1
models:
  m: {input_per_mtok: 1, output_per_mtok: 2, ttft_s: 0.5, tokens_per_s: 100, p_ok: 0.99}
inputs:
  ticket: {tokens: 1200}
  customer: {tokens: 300}
steps:
  - id: classify
    model: m
    kind: router
    prompt: |
      Customer: {{ inputs.customer }}
      Ticket: {{ inputs.ticket }}
    output_tokens: 60
    routes: [billing, account]
  - id: billing
    model: m
    prompt: |
      Triage: {{ steps.classify.output }}
      Ticket: {{ inputs.ticket }}
  - id: account
    model: m
    prompt: |
      Case summary from triage:
      {{ steps.classify.output }}
  - id: reply
    model: m
    context: [billing, account]
"""


def test_router_context_transformation_fires_at_the_worker_reference(spec) -> None:
    found = run(spec, TRIAGE, "router-context-transformation")
    # line 25 is "      {{ steps.classify.output }}"; the reference starts at column 10
    assert where(found) == [(25, 10)]
    f = found[0]
    assert f.code == "AL006" and f.rule == "router-context-transformation"
    # the router read 300 + 1,200 = 1,500 tokens and wrote 60
    assert ("`account` reads the router `classify`'s output but none of what the router "
            "read ({{ inputs.customer }}, {{ inputs.ticket }}): it works from a 60-token "
            "rewrite of 1,500 tokens of original context") in f.message
    assert f.key == "step:account/prompt"


def test_router_context_transformation_silent_with_the_original(spec) -> None:
    fixed = TRIAGE.replace("      {{ steps.classify.output }}\n",
                           "      {{ steps.classify.output }}\n"
                           "      Ticket: {{ inputs.ticket }}\n")
    assert run(spec, fixed, "router-context-transformation") == []


def test_router_context_transformation_branch_steps_and_carriers(spec) -> None:
    text = TRIAGE.replace("  - id: reply\n", """\
  - id: account_check
    model: m
    prompt: "{{ steps.classify.output }} {{ steps.billing.output }}"
  - id: account_note
    model: m
    prompt: "Note on: {{ steps.account.output }} {{ steps.classify.output }}"
  - id: reply
""")
    found = run(spec, text, "router-context-transformation")
    # account_note runs only on the account branch and reads the router's rewrite
    # plus account's output, which came from the rewrite too; account_check reads
    # billing, which read the ticket, so it is not reported
    assert [f.key for f in found] == ["step:account/prompt", "step:account_note/prompt"]
    assert where(found)[1] == at(text, "steps.classify", 4)


REWRITER = HEAD + """\
steps:
  - id: rewrite
    model: m
    prompt: "Rewrite the ticket as a short summary: {{ inputs.ticket }}"
  - id: classify
    model: m
    kind: router
    prompt: "{{ steps.rewrite.output }}"
    routes: [billing, tech]
  - id: billing
    model: m
    prompt: "{{ steps.classify.output }} {{ inputs.ticket }}"
  - id: tech
    model: m
    prompt: "{{ steps.classify.output }} {{ inputs.ticket }}"
"""


def test_router_fed_a_rewrite(spec) -> None:
    found = run(spec, REWRITER, "router-context-transformation")
    line, col = at(REWRITER, "steps.rewrite.output")
    assert where(found) == [(line, col)]
    assert found[0].message.startswith(
        "router `classify` chooses a branch from the output of `rewrite` (256 tokens), a "
        "model's rewrite of {{ inputs.ticket }} (1,000 tokens), never from the input itself")


def test_router_reading_the_input_too_is_fine(spec) -> None:
    text = REWRITER.replace('prompt: "{{ steps.rewrite.output }}"',
                            'prompt: "{{ steps.rewrite.output }} {{ inputs.ticket }}"')
    assert run(spec, text, "router-context-transformation") == []


def test_code_switch_after_a_classifier_is_fine(spec) -> None:
    text = REWRITER.replace("    model: m\n    kind: router", "    kind: router")
    assert run(spec, text, "router-context-transformation") == []
