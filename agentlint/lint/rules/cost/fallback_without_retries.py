"""What it finds
---------------
A fallback chain without retries whose first model is cheap: a step whose
``cascade`` stage keeps every answer (``accept: 1``, so the next model is
asked only when the stage fails) and has no ``retries``, or a step calling a
LiteLLM gateway alias (``--models``) whose group has ``fallbacks`` and
``num_retries: 0``. Reported when one more try on the first model costs less
than the fallback it spares: its price per call ``c1`` is below ``p1 · c2``
(``p1`` its success per try, ``c2`` the next model's price per call).

Why it costs
------------
Most failures are transient (a rate limit, a timeout, a malformed answer).
Without a retry, every one of them goes to the fallback, often a model many
times the price. A retry on the first model catches most of them at its own
price: per call it saves ``(1 − p1) · (p1 · c2 − c1)``.

Example
-------
```yaml
agentlint: 1
name: answer-desk
inputs:
  question: {tokens: 800}
steps:
  - id: answer
    model: gpt-4o
    cascade:
      - {model: gpt-4o-mini, accept: 1}   # gpt-4o only when gpt-4o-mini fails
    prompt: "Answer: {{ inputs.question }}"
    output_tokens: 300
```

Write instead
-------------
Retry the cheap model before falling back (``retries`` on the step; in a
LiteLLM config, ``num_retries`` under ``router_settings``):

```yaml
agentlint: 1
name: answer-desk
inputs:
  question: {tokens: 800}
steps:
  - id: answer
    model: gpt-4o
    cascade:
      - {model: gpt-4o-mini, accept: 1}
    retries: 1                            # gpt-4o-mini again before gpt-4o
    prompt: "Answer: {{ inputs.question }}"
    output_tokens: 300
```
"""

from __future__ import annotations

from agentlint.graph.estimate import Tokens, call_figures, multipliers, step_tokens
from agentlint.lint.facts import code, step_pos
from agentlint.lint.registry import Context
from agentlint.spec.model import Model, Step, Workflow
from agentlint.units import usd

CODE = "AL208"
NAME = "fallback-without-retries"
SEVERITY = "warning"
SUMMARY = "A fallback to a dearer model on the first failure of a cheap one, with no retry"


def check(ctx: Context) -> None:
    wf = ctx.wf
    chains = wf.extra.get("gateway", {}).get("chains", {})
    reported: set[str] = set()
    for step in wf.steps:
        if step.model is None:
            continue
        tokens = step_tokens(wf, step)
        runs = _runs(ctx, step)
        if step.retries == 0:
            pairs = [(stage.model, wf.models.get(stage.model)) for stage in step.cascade
                     if stage.accept >= 1.0]
            for name, first in pairs:
                index = [s.model for s in step.cascade].index(name)
                after = step.cascade[index + 1].model if index + 1 < len(step.cascade) \
                    else step.model
                second = wf.models.get(after)
                if first is None or second is None:
                    continue
                saving = _saving(wf, step, first, second, tokens)
                if saving is not None:
                    ctx.report(f"{code(step.id)} falls back from {code(name)} to "
                               f"{code(after)} on its first failure, with no retries: "
                               f"{_words(saving, runs)}; give the step retries: 1",
                               step_pos(step, "cascade"), key=f"step:{step.id}/cascade")
                    break
        chain = chains.get(step.model)
        if chain is None or chain[0] > 0 or step.model in reported:
            continue
        _, groups, tries, at = chain
        saving = _saving(wf, step, tries[0], tries[1], tokens)
        if saving is not None:
            reported.add(step.model)
            ctx.report(f"{code(step.id)} calls the gateway alias {code(step.model)}, which "
                       f"falls back from {code(groups[0])} to {code(groups[1])} on its first "
                       f"failure (num_retries: 0): {_words(saving, runs)}; set num_retries: "
                       f"1 under router_settings of {wf.extra['gateway']['file']}",
                       tuple(at), key=f"gateway:{step.model}")


def _runs(ctx: Context, step: Step) -> float:
    m = multipliers(ctx.graph, step.index)
    return m.runs * m.it_expected * m.copies * step.calls


def _saving(wf: Workflow, step: Step, first: Model, second: Model, tokens: Tokens
            ) -> tuple[float, float, float] | None:
    """``(saving per call, c1, c2)`` when a retry on ``first`` saves money, else None."""
    c1, _, p1 = call_figures(wf, step, first, tokens)
    c2, _, _ = call_figures(wf, step, second, tokens)
    if c1 >= p1 * c2 or p1 >= 1.0:
        return None
    return (1.0 - p1) * (p1 * c2 - c1), c1, c2


def _words(saving: tuple[float, float, float], runs: float) -> str:
    per_call, c1, c2 = saving
    return (f"each failure pays {usd(c2)} instead of retrying at {usd(c1)}; a retry first "
            f"would save {usd(per_call * runs)} per run")
