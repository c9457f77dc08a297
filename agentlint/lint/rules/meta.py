"""Rules about agentlint itself: suppression comments and assumed values.

These rules do not look at the workflow's design. ``unused-suppression``
keeps ``# agentlint: disable=...`` comments honest (a comment that silences
nothing hides the next real finding), and ``assumed-value`` says which
figures an adapter had to invent because the source format does not state
them, so the estimate is read with the right amount of trust.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentlint.lint.registry import Context, Finding, rule

UNUSED_SUPPRESSION = "AL901"
ASSUMED_VALUE = "AL902"


@rule(UNUSED_SUPPRESSION, "unused-suppression", "warning",
      "A suppression comment that silences nothing, or cannot be read")
def unused_suppression(ctx: Context) -> Iterator[Finding]:
    """What it finds
    -------------
    A ``# agentlint: disable=RULE`` or ``# agentlint: disable-file`` comment
    that did not silence any finding in its scope, a comment that names a rule
    agentlint does not know, and a comment that looks like a directive but is
    not one (``# agentlint: enable=...``, ``# agentlint: disable AL201``).

    Why it costs
    ------------
    A stale suppression is a trap: the problem it once excused is gone, but
    the comment stays and silently swallows the next, different finding of
    that rule in the same place. A misspelt one silences nothing at all while
    looking as if it did.

    Example
    -------
    ```yaml
    steps:
      - id: classify
        model: small     # agentlint: disable=premium-on-trivial-step
    ```
    ``small`` is no premium model, so nothing is reported on that line and
    the comment is reported instead.

    Write instead
    -------------
    Delete the comment, or move it to the line the finding is reported on
    (``agentlint lint`` prints ``file:line:col``). A comment alone on a line
    covers the YAML node that starts on the next line; ``disable-file``
    covers the whole file.

    The engine runs this rule after all others, when it knows which comments
    were used; it is reported only for rules that ran.
    """
    for problem in getattr(ctx, "suppression_problems", ()):
        yield ctx.report(problem.message, (problem.line, problem.column),
                         key=f"suppression:{problem.line}")


@rule(ASSUMED_VALUE, "assumed-value", "info",
      "A figure the source format does not state, so agentlint assumed it")
def assumed_value(ctx: Context) -> Iterator[Finding]:
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
    seen: set[tuple[str, tuple[int, int]]] = set()
    for message, at, key in ctx.wf.assumptions:
        if (message, at) in seen:
            continue
        seen.add((message, at))
        yield ctx.report(message, at, key=key)
