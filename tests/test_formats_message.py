"""A long finding message is a headline, notes and help; nothing of it is lost."""

from __future__ import annotations

import json
import os

import pytest

from agentlint.report.message import SHORT, Parts, split
from tests.conftest import ROOT, run_process

LONG = ("`upgrade` can call `apply_patch`, which is not idempotent, and has retries: 1: "
        "expect 1.37 repeated attempts per run, each of which may call it again; make the "
        "tool idempotent (and declare it so) or drop the retries")


def test_a_short_message_stays_whole() -> None:
    text = "a; b: c"
    assert split(text) == Parts(text)
    assert split("x" * SHORT) == Parts("x" * SHORT)


def test_headline_note_and_help() -> None:
    parts = split(LONG)
    assert parts.summary == ("`upgrade` can call `apply_patch`, which is not idempotent, and "
                             "has retries: 1")
    assert parts.notes == ["expect 1.37 repeated attempts per run, each of which may call it "
                           "again"]
    assert parts.help == "make the tool idempotent (and declare it so) or drop the retries"


def test_middle_clauses_are_notes() -> None:
    text = "headline " + "h" * 60 + "; first note; second note; do this " + "d" * 40
    parts = split(text)
    assert parts.summary == "headline " + "h" * 60
    assert parts.notes == ["first note", "second note"]
    assert parts.help == "do this " + "d" * 40


@pytest.mark.parametrize("inside", ["(a; b)", "`a; b`", "{{ a; b }}", '"a; b"', "[a; b]"])
def test_no_cut_inside_brackets_or_quotes(inside: str) -> None:
    text = "x" * 60 + f" {inside} " + "y" * 60
    assert split(text) == Parts(text, [], "")


def test_every_word_is_kept() -> None:
    parts = split(LONG)
    words = " ".join([parts.summary, *parts.notes, parts.help]).replace(":", " ").split()
    assert sorted(words) == sorted(LONG.replace(":", " ").replace(";", " ").split())


def test_unbalanced_text_is_not_a_problem() -> None:
    unclosed = "(" * 50 + "; " + "x" * 80 + "; end"
    assert split(unclosed).summary == unclosed  # never closed: nothing is cut
    extra = "(" * 50 + "; " + ")" * 80 + "; " + "`" * 3
    parts = split(extra)  # the brackets close after the first "; ": cut after them
    assert (parts.summary, parts.notes, parts.help) == (
        "(" * 50 + "; " + ")" * 80, [], "`" * 3)


def test_the_report_shows_notes_and_json_has_the_parts() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    spec = "examples/orchestrator-workers.yaml"
    text = run_process("lint", spec, cwd=ROOT, env=env).stdout.splitlines()
    assert "      = note: expect 1.37 repeated attempts per run, each of which may call it " \
           "again" in text
    assert "      = help: make the tool idempotent (and declare it so) or drop the " \
           "retries" in text
    data = json.loads(run_process("lint", spec, "--format", "json", cwd=ROOT).stdout)
    for item in data:
        assert item["message"].startswith(item["summary"])
        assert all(note in item["message"] for note in item["notes"])
        assert item["help"] is None or item["message"].endswith(item["help"])
    concise = run_process("lint", spec, "--format", "concise", cwd=ROOT).stdout
    assert all(item["message"] in concise for item in data)  # concise keeps it whole
