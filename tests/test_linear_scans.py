"""Scans of untrusted prompt text take time linear in its length.

A prompt is a stranger's text in CI. The placeholder scan used to be the
regular expression ``\\{\\{(.*?)\\}\\}``, which tries every ``{{`` against the rest
of the text: 80,000 unclosed braces took 105 s. The scan must give the same
placeholders as that expression, and doubling the input must about double the
time, never quadruple it.
"""

from __future__ import annotations

import re
import time

from hypothesis import given
from hypothesis import strategies as st

from agentlint.spec.tokens import find_refs, placeholders, strip_templates

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


def _seconds(text: str) -> float:
    return min(_once(text) for _ in range(3))


def test_doubling_hostile_text_about_doubles_the_time() -> None:
    for unit in ("{{", "{{ steps.", "{{ }} {{"):
        # up a ladder first: a quadratic scan fails here within seconds (the old
        # expression took 4 s at the first rung), not after hours at 200,000 units
        for n in (6_250, 12_500, 25_000, 50_000, 100_000):
            once = _once(unit * n)
            assert once < 1.0, (unit, n, once)
        small = _seconds(unit * 100_000)
        large = _seconds(unit * 200_000)
        assert large < 2.0, (unit, large)
        assert large < 4 * max(small, 1e-3), (unit, small, large)
