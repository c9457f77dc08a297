"""What it finds
---------------
A cascade stage that costs more than it spares: a first try whose answers a
check judges (``accept`` below 1) and that, at the stated acceptance rate, makes
the step dearer than asking the models after it directly. Three settings do
this: a first model that is not cheaper than the one it escalates to, a check
that costs about as much as the escalation it avoids, or an acceptance rate
under the stage's break-even rate.

Stage j pays for itself exactly when its acceptance rate is above

    a* = (C_j + P_j · u_j) / (P_j · C_after)

where ``C_j`` is the stage's expected cost per request (its calls and retries,
as in the cost model), ``P_j`` its success per request, ``u_j`` its
``check_usd`` and ``C_after`` the expected cost of what follows it (the next
stages and the step's model, cascade figures of docs/cost-model.md). For a
two-model cascade that is ``(C_cheap + P_cheap · u) / (P_cheap · C_strong)``.
Stages that keep every answer (``accept: 1``, a fallback on failure) are
fallbacks for reliability, not a bet on cost, and are left to
fallback-without-retries.

Why it costs
------------
A cascade pays for its first try and the check on every request, and the
strong model on every request the check rejects. When the first try costs
nearly what the strong model does, or the check does, or the check rejects
most answers, the rejected requests pay for both models and the check, and
the step costs more than the strong model alone: cost and latency up, no
saving in return.

Example
-------
The check keeps 30 % of gpt-4.1-mini's answers: too few for a first try that
costs a fifth of gpt-4.1 and a check at a tenth of it.

```yaml
agentlint: 1
name: answer-desk
inputs:
  question: {tokens: 800}
steps:
  - id: answer
    model: gpt-4.1
    cascade:
      - {model: gpt-4.1-mini, accept: 0.3, check_usd: 0.0005}
    prompt: "Answer: {{ inputs.question }}"
    output_tokens: 300
```

Write instead
-------------
Ask the strong model directly, or keep the cascade with a check that accepts
more of the first try's answers (measured on your traffic) or costs less:

```yaml
agentlint: 1
name: answer-desk
inputs:
  question: {tokens: 800}
steps:
  - id: answer
    model: gpt-4.1
    cascade:
      - {model: gpt-4.1-mini, accept: 0.7, check_usd: 0.0001}
    prompt: "Answer: {{ inputs.question }}"
    output_tokens: 300
```
"""

from __future__ import annotations

from agentlint.graph.estimate import (
    Figures,
    attempt_figures,
    call_figures,
    chain_figures,
    multipliers,
    step_figures,
    step_tokens,
)
from agentlint.lint.facts import code, step_pos
from agentlint.lint.registry import Context
from agentlint.spec.model import Stage, Step, Workflow
from agentlint.spec.positions import YMap, YSeq
from agentlint.units import usd

CODE = "AL209"
NAME = "cascade-costs-more"
SEVERITY = "warning"
SUMMARY = "A cascade's first try and check cost more than the escalations they spare"


def check(ctx: Context) -> None:
    wf = ctx.wf
    for step in wf.steps:
        if not step.cascade or step.model is None or step.model not in wf.models:
            continue
        if any(s.model not in wf.models for s in step.cascade):
            continue
        m = multipliers(ctx.graph, step.index)
        with_all = m.cost(step_figures(wf, step))
        for j, stage in enumerate(step.cascade):
            if stage.accept >= 1.0:
                continue  # a fallback on failure: AL208's business
            first, after, p = _stage_costs(wf, step, j)
            if p <= 0.0 or after <= 0.0:
                continue
            spent = first + p * stage.check_usd
            if spent < p * stage.accept * after:
                continue  # the stage pays: it spares more escalations than it costs
            rest = step.cascade[:j] + step.cascade[j + 1:]
            without = m.cost(step_figures(wf, step, cascade=rest))
            extra = with_all - without
            if extra <= 0.0:
                continue
            nxt = step.cascade[j + 1].model if j + 1 < len(step.cascade) else step.model
            break_even = spent / (p * after)
            ctx.report(_message(step, j, nxt, extra, break_even, first, after, p),
                       _stage_pos(step, j), key=f"step:{step.id}/cascade/{j}")


def _stage_costs(wf: Workflow, step: Step, j: int) -> tuple[float, float, float]:
    """``(C_j, C_after, P_j)``: the stage's expected cost and success per request, and the
    expected cost of the stages and model after it, by the cost model's own formulas
    (without the response cache, which scales both sides alike)."""
    tokens = step_tokens(wf, step)

    def figures(model_name: str) -> Figures:
        c, t, p = call_figures(wf, step, wf.models[model_name], tokens)
        return attempt_figures(c, t, p, step.calls, step.retries, 0.0)

    stage = figures(step.cascade[j].model)
    rest: list[tuple[Figures, Stage]] = [(figures(s.model), s) for s in step.cascade[j + 1:]]
    after = chain_figures(rest, figures(str(step.model)), 0.0)
    return stage.cost, after.cost, stage.success


def _message(step: Step, j: int, nxt: str | None, extra: float, break_even: float,
             first: float, after: float, p: float) -> str:
    stage = step.cascade[j]
    which = "the first try" if j == 0 else f"try {j + 1}"
    head = (f"{code(step.id)}: {which} on {code(stage.model)} costs more than the "
            f"escalations to {code(str(nxt))} it spares: {usd(extra)} per run more than "
            f"without it, at accept {stage.accept:g}")
    if break_even >= 1.0:
        if first >= p * after:
            why = (f"{code(stage.model)} ({usd(first)} a request) is not cheaper than what "
                   f"follows it ({usd(after)}), so no acceptance rate pays")
            fix = f"put a model cheaper than {code(str(nxt))} first, or drop the stage"
        else:
            ceiling = p * stage.accept * after - first
            why = (f"its check ({usd(stage.check_usd)} an answer) costs more than it "
                   f"spares, so no acceptance rate pays")
            fix = (f"use a check under {usd(max(ceiling, 0.0) / p)} an answer, or drop the "
                   "stage") if ceiling > 0 else "drop the stage or its check"
        return f"{head}; {why}; {fix}"
    return (f"{head}, under its break-even rate of {_pct(break_even)}; drop the stage, or "
            f"keep it only if the check accepts more than {_pct(break_even)} of its answers "
            "on your traffic")


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"


def _stage_pos(step: Step, j: int) -> tuple[int, int]:
    listed = step.raw.get("cascade") if step.raw is not None else None
    item = listed[j] if isinstance(listed, YSeq) and j < len(listed) else None
    if isinstance(item, YMap):
        return item.at()
    return step_pos(step, "cascade")
