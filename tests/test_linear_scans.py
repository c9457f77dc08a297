"""Scans of untrusted prompt text take time linear in its length.

A prompt is a stranger's text in CI. The placeholder scan used to be the
regular expression ``\\{\\{(.*?)\\}\\}``, which tries every ``{{`` against the rest
of the text: 80,000 unclosed braces took 105 s. The scan must give the same
placeholders as that expression, and doubling the input must about double the
time, never quadruple it.
"""

from __future__ import annotations

import gc
import json
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentlint.adapters.common import closest_catalog_name
from agentlint.adapters.crewai import _PLACEHOLDER as CREW_PLACEHOLDER
from agentlint.adapters.dify import _SIMPLE_VAR as DIFY_SIMPLE_VAR
from agentlint.adapters.dify import _VAR as DIFY_VAR
from agentlint.adapters.promptflow import _REF as PF_REF
from agentlint.adapters.templates import (
    _ROLE_LINE,
    brace_runs,
    jinja_tags,
    rewrite_jinja,
    split_roles,
)
from agentlint.ci.diff import _PATH_WORD
from agentlint.errors import shorten
from agentlint.graph.downgrade import FORMAT_CUE
from agentlint.lint.config import _key_at
from agentlint.lint.rules.cost.cache_defeating_prefix import VOLATILE
from agentlint.lint.rules.security.secret_in_prompt import SECRETS
from agentlint.lint.suppressions import _Blocks, apply, parse
from agentlint.spec.tokens import find_refs, placeholders, strip_templates
from tests.conftest import run_process

REFERENCE = re.compile(r"\{\{(.*?)\}\}", re.S)


@given(st.text(alphabet="{} ab.\nsteps.inputs_", max_size=60))
def test_same_placeholders_as_the_expression(text: str) -> None:
    found = [(p.start, p.end, p.body) for p in placeholders(text)]
    assert found == [(m.start(), m.end(), m.group(1)) for m in REFERENCE.finditer(text)]
    assert strip_templates(text) == REFERENCE.sub("", text)


def test_references_keep_their_offsets() -> None:
    text = "Use {{ steps.a.output }} and {{inputs.q}}."
    assert find_refs(text) == [("steps", "a", 7), ("inputs", "q", 31)]


def _once(text: str) -> float:
    start = time.perf_counter()
    list(placeholders(text))
    strip_templates(text)
    find_refs(text)
    return time.perf_counter() - start


def test_doubling_hostile_text_about_doubles_the_time() -> None:
    # the old expression took 4 s at the first rung of the ladder (6,250 "{{")
    for unit in ("{{", "{{ steps.", "{{ }} {{"):
        assert_linear(_once, unit, 100_000 * len(unit))


# -- every other scan of untrusted text ----------------------------------------------------
#
# Each scanner below gives the matches of the regular expression it replaced (a property
# test against that expression on small texts, where it is fast) and takes time linear in
# the text: up a ladder of sizes, then doubling the hostile text about doubles the time.

OLD_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
#: ADK's own state placeholder (google/adk-python, utils/instructions_utils.py)
ADK_STATE = re.compile(r"\{+([^{}]*)\}+")
OLD_ROLE_LINE = re.compile(
    r"^[ \t]*#?[ \t]*(system|user|assistant|function|tool)[ \t]*:[ \t]*$", re.I | re.M)
OLD_PATH_WORD = re.compile(
    r"(?<![\w.~/$-])((?:\.{1,2}/)*[\w.@+-]+(?:/[\w.@+-]+)*\.\w{1,10})\b")
OLD_VOLATILE = re.compile(
    r"\{\{.*?\}\}"
    r"|\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    r"|(?i:\b(?:today(?:'s date)?(?: is)?|current date(?: is)?|date|as of|generated (?:on|at)"
    r"|now)\s*:?\s*(?P<date>\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day,? \w+ \d{1,2},? \d{4}"
    r"|[a-z]+ \d{1,2},? \d{4}|\d{1,2} [a-z]+ \d{4}))"
    r"|(?i:\b(?:request|trace|run|session|correlation|conversation)[ _-]?id\s*[:=]\s*"
    r"(?P<id>[\w-]{6,}))", re.S)


@given(st.text(alphabet="{}%# a\n", max_size=40))
def test_jinja_tags_are_the_expression_s_matches(text: str) -> None:
    assert list(jinja_tags(text)) == [m.span() for m in OLD_JINJA.finditer(text)]


@given(st.text(alphabet="{}{} a?:.\n", max_size=40))
def test_adk_state_placeholders_are_adk_s_matches(text: str) -> None:
    assert list(brace_runs(text)) == [(m.start(), m.end(), m.start(1), m.end(1))
                                      for m in ADK_STATE.finditer(text)]


@given(st.text(alphabet=" \t#\nsystemuser:x", max_size=40))
def test_role_lines_are_the_expression_s_matches(text: str) -> None:
    assert [m.span(1) for m in _ROLE_LINE.finditer(text)] == \
        [m.span(1) for m in OLD_ROLE_LINE.finditer(text)]


@given(st.lists(st.sampled_from(["{{", "}}", "{", " ", "date", ":", "2024-01-01", "T10:30",
                                 "now ", "x", "\n", "1/2/2024", "run id=", "abcdef", "may 3 2024"]),
                max_size=10))
def test_volatile_parts_are_the_expression_s_matches(parts: list[str]) -> None:
    text = "".join(parts)
    assert [(m.span(), m.group("date"), m.group("id")) for m in VOLATILE.finditer(text)] == \
        [(m.span(), m.group("date"), m.group("id")) for m in OLD_VOLATILE.finditer(text)]
    assert VOLATILE.sub("", text) == OLD_VOLATILE.sub("", text)
    found, old = VOLATILE.search(text), OLD_VOLATILE.search(text)
    assert (found and found.span()) == (old and old.span())


@given(st.text(alphabet="a1._-/ :'\n", max_size=40))
def test_path_words_are_the_expression_s_matches(text: str) -> None:
    assert _PATH_WORD.findall(text) == OLD_PATH_WORD.findall(text)


def test_path_words_after_at_or_plus() -> None:
    # one start per word: a word beginning with @ or + is still read from its start
    assert _PATH_WORD.findall("see @scope/pkg.yaml and a+b.md, x@y.txt") == \
        ["@scope/pkg.yaml", "a+b.md", "x@y.txt"]
    # the one difference: a name right after "~@" or "$+" is not taken apart from it
    assert OLD_PATH_WORD.findall("~@x.yaml") == ["x.yaml"]
    assert _PATH_WORD.findall("~@x.yaml") == []


@given(st.text(alphabet="a .=]\"'{,[\t", max_size=16), st.text(alphabet="a .=\"'", min_size=1,
                                                                 max_size=3))
def test_toml_key_places_are_the_expression_s_matches(text: str, key: str) -> None:
    old = re.compile(r"(^|[\s.{,\[\"'])" + re.escape(key) + r"(?=[\"']?\s*[=.\]])").search(text)
    assert _key_at(text, key) == (None if old is None else old.start() + len(old.group(1)))


def _old_block_after(lines: list[str], line: int) -> tuple[int, int]:
    """The scan the suppressions used, each directive walking the lines after it."""
    n, i = len(lines), line
    while i < n and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
        i += 1
    if i >= n:
        return line + 1, line
    indent = len(lines[i]) - len(lines[i].lstrip(" "))
    start = end = i
    for j in range(i + 1, n):
        text = lines[j]
        if text.strip() and not text.lstrip().startswith("#"):
            if len(text) - len(text.lstrip(" ")) <= indent:
                break
            end = j
    return start + 1, end + 1


@given(st.lists(st.sampled_from(["", "# c", "a", " a", "  a", "   # x", " - b", "\ta"]),
                max_size=12))
def test_directive_blocks_are_the_line_walk_s(lines: list[str]) -> None:
    blocks = _Blocks(lines)
    for line in range(1, len(lines) + 1):
        assert blocks.after(line) == _old_block_after(lines, line)


def _seconds_of(scan: Callable[[str], object], text: str, runs: int = 2) -> float:
    """The processor time of the scan (the best of ``runs``): other processes on a shared
    machine slow the clock on the wall, not this. The cyclic garbage collector is off,
    as in the ``agentlint`` command (its passes over many live objects are superlinear)."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.process_time()
            scan(text)
            best = min(best, time.process_time() - start)
    finally:
        gc.enable()
    return best


def assert_linear(scan: Callable[[str], object], unit: str, chars: int,
                  head: str = "") -> None:
    """``head`` then ``unit`` repeated: up a ladder towards ``chars`` characters (each
    rung run once and under a second: a quadratic scan fails here within seconds),
    then doubling the text from ``chars`` must not double the time twice over (a
    quadratic scan takes four times as long). The sizes are past the processor's
    caches, where the time per character settles; a busy machine gets three tries."""
    def text(size: int) -> str:
        return head + unit * (size // len(unit)) + "x"

    size = chars // 8
    while size < chars:  # the top, ``chars``, is the doubling's first size
        once = _seconds_of(scan, text(size), runs=1)
        assert once < 1.0, (unit, size, once)
        size *= 2
    ratios = []
    for _ in range(3):
        small = _seconds_of(scan, text(chars))
        large = _seconds_of(scan, text(2 * chars))
        assert large < 2.0, (unit, large)
        ratios.append(round(large / max(small, 1e-3), 2))
        if ratios[-1] < 3:
            return
    raise AssertionError(f"{unit!r}: doubling the text multiplied the time by {ratios}")


def _all(pattern: re.Pattern[str]) -> Callable[[str], object]:
    return lambda text: sum(1 for _ in pattern.finditer(text))


def _suppressions(text: str) -> object:
    found, _ = parse(text)
    return apply([], found)


#: Sizes: past 2 MB the time per character of the regular expression engine settles
#: (below, each level of the processor's cache gives a step of up to five times); the
#: scans written in Python run at a steady pace and get smaller texts.
C_SIZE, PY_SIZE = 2_000_000, 256_000

#: scanner -> (the scan, hostile units, characters at the top of the ladder)
SCANS: dict[str, tuple[Callable[[str], object], list[str], int]] = {
    "placeholders": (_once, ["{{", "{{ steps.", "{{ }} {{"], C_SIZE),
    "jinja tags": (lambda t: list(jinja_tags(t)), ["{{", "{", "{%", "{#", "{{ a", "{{#"],
                   C_SIZE),
    "jinja rewrite": (lambda t: rewrite_jinja(t, {"q": "inputs.q"}),
                      ["{{ q", "{% q", "{{q}}"], PY_SIZE),
    "chat roles": (split_roles, [" ", "\t", " \t#", "system:\n"], C_SIZE),
    "adk state": (lambda t: list(brace_runs(t)), ["{", "{{", "{a", "}", "{a}"], PY_SIZE),
    "volatile text": (lambda t: VOLATILE.sub("", t), ["{{", " ", "{{ a", "date ", "now: "],
                      C_SIZE),
    "path words": (_all(_PATH_WORD), ["@", "a@", "./", "../", "@.", "a.", "a/"], C_SIZE),
    "suppression directives": (_suppressions, ["#agentlint:", "# agentlint: disable=AL201\n",
                                               "a:\n  # agentlint: disable\n"], PY_SIZE),
    "toml key places": (lambda t: _key_at(t, "  "), [" ", " =", "  x"], PY_SIZE),
    # a name on two lines: the patterns ending in ".*$" retried every start of the first
    "catalog names": (lambda t: closest_catalog_name(t + "\nx"), ["-latest", "@", "1.1-"],
                      PY_SIZE),
    "promptflow references": (_all(PF_REF), ["${", "${a", "$", "{"], C_SIZE),
    "dify variables": (_all(DIFY_VAR), ["{{#", "{{#a", "{{#a#"], C_SIZE),
    "dify simple variables": (_all(DIFY_SIMPLE_VAR), ["{{", "{{ ", "{{ a", "{{a"], C_SIZE),
    "crewai placeholders": (_all(CREW_PLACEHOLDER), ["{", "{a", "{a-"], C_SIZE),
    "long quotes": (shorten, ["'", "'a", "a'"], C_SIZE),
    "format cues": (_all(FORMAT_CUE), ["fill in ", "convert ", "reformat", "a "], C_SIZE),
    **{f"secret: {name}": (_all(pattern), ["sk-", "sk-a", "AKIA", "ghp_", "xoxa-", "AIza",
                                          "-----BEGIN A ", "password", "password: ", "a"],
                           C_SIZE)
       for name, pattern in SECRETS},
}
#: the scans that replaced a quadratic expression: sampled in the quick suite too
REPLACED = ["jinja tags", "chat roles", "adk state", "volatile text", "path words",
            "suppression directives", "toml key places", "catalog names"]


@pytest.mark.parametrize("name", REPLACED)
def test_each_replaced_scan_is_linear(name: str) -> None:
    """A quick sample: each replaced scanner on its first hostile text, a quarter the size."""
    scan, units, chars = SCANS[name]
    assert_linear(scan, units[0], chars // 4)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCANS))
def test_every_scan_of_every_hostile_text_is_linear(name: str) -> None:
    """Every scanner on each of its hostile texts at full size; the texts behind a
    ``date`` cue only where a scan looks for one (the volatile-text scan)."""
    scan, units, chars = SCANS[name]
    heads = ("", "date") if name == "volatile text" else ("",)
    for unit in units:
        for head in heads:
            assert_linear(scan, unit, chars, head)


# -- end to end: a hostile file of each format, linted by a real process -------------------

#: 100,000 characters of each hostile text: the expressions replaced here took minutes
#: on this (ADK's placeholder scan: 15 s for 40,000 braces, and quadratic)
HOSTILE = ("{" * 20_000 + "{{ a" * 5_000 + "{% " * 5_000 + "{#" * 5_000 + "${" * 5_000
           + "{{#" * 5_000 + " " * 10_000 + "date" + " " * 10_000 + "@" * 10_000 + "\n")
LIMIT_S = 30.0


def _lint_in_time(root: Path, name: str) -> subprocess.CompletedProcess[str]:
    start = time.monotonic()
    proc = run_process("lint", name, cwd=root, timeout=LIMIT_S * 2)
    assert time.monotonic() - start < LIMIT_S, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_hostile_adk_instruction(repo: Path) -> None:
    (repo / "root_agent.yaml").write_text(
        "name: root\nmodel: gemini-2.0-flash\ninstruction: " + json.dumps(HOSTILE) + "\n",
        encoding="utf-8")
    _lint_in_time(repo, "root_agent.yaml")


def test_hostile_promptflow_template(repo: Path) -> None:
    (repo / "flow.dag.yaml").write_text(
        "inputs:\n  q: {type: string}\nnodes:\n- name: answer\n  type: llm\n  source:\n"
        "    type: code\n    path: answer.jinja2\n  inputs:\n    deployment_name: gpt-4o\n"
        "    q: ${inputs.q}\n", encoding="utf-8")
    (repo / "answer.jinja2").write_text("system:\n" + HOSTILE + " " * 10_000 + "\n" * 2
                                        + "\nuser:\n{{q}}\n", encoding="utf-8")
    _lint_in_time(repo, "flow.dag.yaml")


def test_hostile_dify_prompt(repo: Path) -> None:
    (repo / "app.yml").write_text(
        "app: {mode: workflow, name: odd}\nkind: app\nversion: 0.9.0\nworkflow:\n"
        "  graph:\n    edges:\n    - {source: '1', target: '3', sourceHandle: source}\n"
        "    nodes:\n    - id: '1'\n      data: {type: start, title: Start, variables: []}\n"
        "    - id: '3'\n      data:\n        type: llm\n        title: Answer\n"
        "        model: {provider: openai, name: gpt-4o-mini, mode: chat}\n"
        "        prompt_template:\n        - {role: system, text: " + json.dumps(HOSTILE)
        + "}\n        - {role: user, text: 'Answer {{#1.text#}}'}\n", encoding="utf-8")
    _lint_in_time(repo, "app.yml")


def test_hostile_crewai_task(repo: Path) -> None:
    (repo / "agents.yaml").write_text(
        "writer:\n  role: Writer\n  goal: " + json.dumps(HOSTILE) + "\n  backstory: You write.\n",
        encoding="utf-8")
    (repo / "tasks.yaml").write_text(
        "draft:\n  description: " + json.dumps(HOSTILE) + "\n  expected_output: A note.\n",
        encoding="utf-8")
    _lint_in_time(repo, "tasks.yaml")


def test_hostile_native_spec_and_directives(repo: Path) -> None:
    prompt = json.dumps(HOSTILE)
    (repo / "flow.yaml").write_text(
        "agentlint: 1\nname: demo\nmodels:\n  small: {per_call_usd: 0.001, per_call_s: 0.2, "
        "p_ok: 0.99}\n" + "#agentlint:" * 20_000 + "\n" + "# agentlint: disable=AL201\n" * 5_000
        + "steps:\n  - id: first\n    model: small\n    prompt: " + prompt + "\n",
        encoding="utf-8")
    _lint_in_time(repo, "flow.yaml")
