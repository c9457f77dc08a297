"""What it finds
-------------
Values an adapter had to assume while reading a workflow written in
another format (a CrewAI crew, a promptflow flow, a Dify app, ...): a
model's price or speed, an output size, the retries of a step, whatever
that format leaves unsaid. Each assumption is reported once, at the place
in the source it is about.

Why it costs
------------
Cost, latency and reliability estimates are only as good as their
inputs. An assumed output size of 256 tokens may be far from what the
step really writes; knowing which figures are guesses tells you which to
measure first.

Example
-------
A CrewAI task without ``expected_output`` length: agentlint assumes the
default output size and says so.

Write instead
-------------
State the value in the source (where the format allows it), or convert
the workflow to an agentlint spec and give the figure there. When the
assumption is fine, ignore the rule: ``ignore = ["assumed-value"]``.
"""

from __future__ import annotations

from agentlint.lint.registry import Context

CODE = "AL902"
NAME = "assumed-value"
SEVERITY = "info"
SUMMARY = "A figure the source format does not state, so agentlint assumed it"


def check(ctx: Context) -> None:
    seen: set[tuple[str, tuple[int, int]]] = set()
    for message, at, key in ctx.wf.assumptions:
        if (message, at) in seen:
            continue
        seen.add((message, at))
        ctx.report(message, at, key=key)
