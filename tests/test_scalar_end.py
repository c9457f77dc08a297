"""Where a one-line YAML scalar ends: one function for the spec editor and the Agent
Spec writer (agentlint/spec/edit.py ``scalar_end``)."""

from __future__ import annotations

import pytest

from agentlint.adapters.agentspec_write import _span
from agentlint.spec.edit import scalar_end


@pytest.mark.parametrize(("line", "start", "end"), [
    ("model: gpt-4o  # the default", 7, 13),
    ("model: gpt-4o", 7, 13),
    ('model: "a \\" b"  # x', 7, 15),
    ("model: 'it''s'", 7, 14),
    ("model: 'goes on", 7, None),
    ("model: ", 7, 7),
    ("model:", 9, 9),
    ("model:  # nothing", 7, 7),
])
def test_scalar_end(line: str, start: int, end: int | None) -> None:
    assert scalar_end(line, start) == end


def test_the_agentspec_writer_takes_a_scalar_on_its_line_only() -> None:
    assert _span("  model_id: gpt-4o # x", 13) == (12, 18)
    assert _span("  model_id: 'gpt-4o'", 13) == (12, 20)
    assert _span("  model_id: 'gpt-4o", 13) is None  # goes on past the line
    assert _span("  model_id:", 13) is None
    assert _span("  model_id:  # x", 13) is None
