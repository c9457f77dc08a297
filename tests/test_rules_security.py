"""Security rules: exact places, redacted secrets, silence once fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentlint.lint.registry import Context
from agentlint.lint.rules import find_rule
from agentlint.spec.load import load_workflow
from tests.rule_support import at, run, where

HEAD = """\
agentlint: 1
models:
  m: {per_call_usd: 0.001, per_call_s: 1.0, p_ok: 1.0}
tools:
  web_search: {untrusted: true}
  send_email: {effect: send}
  lookup: {effect: read}
inputs:
  ticket: {tokens: 800, untrusted: true}
  policy: {tokens: 300}
"""

# -- untrusted-in-system-prompt ------------------------------------------------------------

SYSTEM = HEAD + """\
steps:
  - id: reply
    model: m
    system: "You answer customers. Context: {{ inputs.ticket }}"
"""


def test_untrusted_input_in_a_system_prompt(spec) -> None:
    found = run(spec, SYSTEM, "untrusted-in-system-prompt")
    assert where(found) == [at(SYSTEM, "inputs.ticket")]
    assert found[0].severity == "error"
    assert found[0].message.startswith("`inputs.ticket` is untrusted and lands in the "
                                       "system prompt of `reply`")


def test_untrusted_step_output_in_an_agent_system_prompt(spec) -> None:
    text = HEAD + """\
agents:
  searcher: {model: m, tools: [web_search]}
  writer:
    model: m
    system: |
      Write from these notes: {{ steps.research.output }}
steps:
  - id: research
    agent: searcher
    prompt: "Find sources."
  - id: write
    agent: writer
"""
    found = run(spec, text, "untrusted-in-system-prompt")
    assert where(found) == [at(text, "steps.research")]
    assert "the output of `research` carries untrusted text (tool `web_search`)" in \
        found[0].message
    assert "system prompt of agent `writer`" in found[0].message


def test_untrusted_in_the_user_prompt_is_fine(spec) -> None:
    text = SYSTEM.replace('system: "You answer customers. Context: {{ inputs.ticket }}"',
                          'system: "You answer customers. {{ inputs.policy }}"\n'
                          '    prompt: "{{ inputs.ticket }}"')
    assert run(spec, text, "untrusted-in-system-prompt") == []


# -- untrusted-to-privileged-tool ----------------------------------------------------------

PRIVILEGED = HEAD + """\
agents:
  helper: {model: m, tools: [lookup, send_email]}
steps:
  - id: summarise
    model: m
    prompt: "{{ inputs.ticket }}"
  - id: act
    agent: helper
    prompt: "{{ steps.summarise.output }}"
"""


def test_untrusted_text_reaches_a_step_that_can_send(spec) -> None:
    found = run(spec, PRIVILEGED, "untrusted-to-privileged-tool")
    assert where(found) == [at(PRIVILEGED, "helper\n")]
    assert found[0].message.startswith(
        "`act` reads untrusted text (`inputs.ticket` via `summarise`) and holds "
        "`send_email` (send)")


def test_untrusted_tool_and_privileged_tool_on_one_agent(spec) -> None:
    text = PRIVILEGED.replace("tools: [lookup, send_email]", "tools: [web_search, send_email]"
                              ).replace('prompt: "{{ steps.summarise.output }}"',
                                        'prompt: "{{ inputs.policy }}"')
    found = run(spec, text, "untrusted-to-privileged-tool")
    assert [f.key for f in found] == ["step:act/agent"]
    assert "(tool `web_search`)" in found[0].message


def test_privileged_tool_with_trusted_input_is_fine(spec) -> None:
    text = PRIVILEGED.replace('prompt: "{{ inputs.ticket }}"', 'prompt: "{{ inputs.policy }}"')
    assert run(spec, text, "untrusted-to-privileged-tool") == []
    # a tool step's action is fixed by the spec; the text is its payload
    tool_step = HEAD + """\
steps:
  - id: summarise
    model: m
    prompt: "{{ inputs.ticket }}"
  - id: mail
    kind: tool
    tool: send_email
    context: [summarise]
"""
    assert run(spec, tool_step, "untrusted-to-privileged-tool") == []


# -- secret-in-prompt ----------------------------------------------------------------------

SECRET_KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2"
AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"


@pytest.mark.parametrize(("literal", "label", "shown"), [
    (SECRET_KEY, "an OpenAI/Anthropic-style API key", "`sk-p…`"),
    (AWS_KEY, "an AWS access key id", "`AKIA…`"),
    ("ghp_" + "x" * 36, "a GitHub token", "`ghp_…`"),
    ("xoxb-" + "1234567890-abcdef", "a Slack token", "`xoxb…`"),
    ("password=" + "hunter2x", "a password", "`password=…`"),
])
def test_secret_in_prompt_fires_at_the_literal_and_redacts_it(spec, literal, label,
                                                              shown) -> None:
    text = HEAD + f"""\
steps:
  - id: lookup_user
    model: m
    prompt: "Call the CRM with {literal} and find the user."
"""
    found = run(spec, text, "secret-in-prompt")
    assert where(found) == [at(text, literal)]
    assert found[0].severity == "error"
    assert label in found[0].message and shown in found[0].message
    assert literal not in found[0].message
    assert literal[6:] not in found[0].message


def test_secret_in_an_agent_system_prompt(spec) -> None:
    text = HEAD + """\
agents:
  crm:
    model: m
    system: |
      You look up customers.
      -----BEGIN RSA PRIVATE KEY-----
steps:
  - id: find
    agent: crm
  - id: find_again
    agent: crm
"""
    found = run(spec, text, "secret-in-prompt")
    assert where(found) == [at(text, "-----BEGIN")]
    assert "a private key in the system prompt of agent `crm`" in found[0].message


def test_secret_in_prompt_silent_for_placeholders_and_prose(spec) -> None:
    text = HEAD + """\
steps:
  - id: login
    model: m
    prompt: |
      Never reveal the password: {{ inputs.policy }}
      The api_key: <set in the tool>. Ask for a password reset if needed.
      Keys look like sk-... and are never shown.
"""
    assert run(spec, text, "secret-in-prompt") == []


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"


def test_secret_in_a_prompt_file_points_at_the_file_key() -> None:
    wf = load_workflow(str(FIXTURES / "flow-with-prompt-files.yaml"))
    ctx = Context(wf)
    ctx.run(find_rule("secret-in-prompt"))  # type: ignore[arg-type]
    assert [(f.line, f.column) for f in ctx.findings] == [(9, 18)]  # prompts/crm.md
    assert "an AWS access key id in the system prompt of agent `crm`" in \
        ctx.findings[0].message
    assert "Z7QKXN3PLM4RT2WY" not in ctx.findings[0].message
