"""A Flow method that runs a crew is priced on the model most of the crew's steps run
on; when several tie, on the one the crew runs first, in every process (the choice
once followed the hash seed of the interpreter)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import run_process

FLOW = (Path(__file__).parent / "fixtures/formats/crewai/own/content_flow/src/content_flow"
        / "main.py")


def test_a_tie_between_the_crews_models_goes_to_the_first_in_every_process() -> None:
    seen = set()
    for seed in ("1", "2", "3", "4"):
        done = run_process("graph", str(FLOW), env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        seen.add(done.stdout.splitlines()[1])
    # planner (gpt-4o-mini), writer, editor: one task each; the planner's runs first
    assert seen == {'  n0["generate_content<br/>gpt-4o-mini"]'}
