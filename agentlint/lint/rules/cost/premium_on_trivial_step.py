"""What it finds
---------------
A step on a premium model (output price at least
``premium_output_per_mtok``, default 8 USD per million tokens) whose job
is trivial: a router, a validator, a step that writes at most
``max_output_tokens`` (default 32: a label, a code, a yes/no), or a step
that only fills a template or converts the format of earlier outputs.
A short answer that judges quality (the prompt asks to score, rate,
grade, judge or evaluate) is not trivial: the verdict is the work, and a
smaller model gives worse verdicts, so such a step is not reported.
The message names a cheaper model and the dollars per run it saves: the
configured ``cheap_model``, else the cheapest non-premium model declared
in the spec (the provider's own first), else the built-in catalog's
cheapest of the same provider.

On a workflow read from another format the message also says where the
model is set there: an ADK agent's ``model:``, the ``model`` or
``deployment_name`` under a promptflow node's ``inputs``, a Dify node's
``model.name``, a CrewAI agent's ``llm``.

Why it costs
------------
Premium models cost ten to fifty times as much as small ones, and on a
short answer most of the price is the input they read, the whole
document, at the premium rate. A classifier, a language tag or a template
fill does not get better on a bigger model; it only gets slower to start.

Example
-------
```yaml
agentlint: 1
name: multilingual-reply
inputs:
  email: {tokens: 1500}
steps:
  - id: detect_language
    model: gpt-4o                 # premium prices for a 4-token answer
    prompt: "Which language is this e-mail in? {{ inputs.email }}"
    output_tokens: 4
  - id: reply
    model: gpt-4o
    prompt: "Reply in {{ steps.detect_language.output }}: {{ inputs.email }}"
    output_tokens: 400
```

Write instead
-------------
```yaml
agentlint: 1
name: multilingual-reply
inputs:
  email: {tokens: 1500}
steps:
  - id: detect_language
    model: gpt-4o-mini
    prompt: "Which language is this e-mail in? {{ inputs.email }}"
    output_tokens: 4
  - id: reply
    model: gpt-4o
    prompt: "Reply in {{ steps.detect_language.output }}: {{ inputs.email }}"
    output_tokens: 400
```
Or list both in ``candidates`` and let ``agentlint optimize`` choose.
"""

from __future__ import annotations

from agentlint.graph.downgrade import (
    MAX_TRIVIAL_OUTPUT,
    PREMIUM_OUTPUT_PER_MTOK,
    alternatives,
    trivial,
)
from agentlint.graph.estimate import (
    Figures,
    attempt_figures,
    call_figures,
    chain_figures,
    model_figures,
    multipliers,
)
from agentlint.lint.facts import call_tokens, code, model_pos
from agentlint.lint.fix import UNSAFE, Fix, from_edits
from agentlint.lint.registry import Context
from agentlint.lint.wording import fix as format_fix
from agentlint.spec.model import Model, Stage, Step
from agentlint.units import usd

CODE = "AL202"
NAME = "premium-on-trivial-step"
SEVERITY = "warning"
SUMMARY = "A premium model on a step a small model does as well"
FIX = ("unsafe",
       "sets the step's own `model:` to the cheaper model the message names")
OPTIONS = {"premium_output_per_mtok": PREMIUM_OUTPUT_PER_MTOK,
           "max_output_tokens": MAX_TRIVIAL_OUTPUT, "cheap_model": ""}


def _cost_on(ctx: Context, step: Step, model: Model) -> float:
    """The step's cost per run on ``model`` (behind the step's own cascade, if any)."""
    f = model_figures(ctx.wf, step, model, tokens=call_tokens(ctx, step))
    return multipliers(ctx.graph, step.index).cost(f)


def _cascade_cost(ctx: Context, step: Step, first: Model) -> float:
    """The step's cost per run with a first try on ``first`` in front of its model, as
    its ``may_cascade`` allows: the figures of the optimizer's cascade option."""
    wf, allowed = ctx.wf, step.may_cascade
    own = wf.model_of(step)
    assert allowed is not None and own is not None
    tokens = call_tokens(ctx, step)

    def alone(model: Model) -> Figures:
        c, t, p = call_figures(wf, step, model, tokens)
        return attempt_figures(c, t, p, step.calls, step.retries, 0.0)

    stage = Stage(first.name, allowed.accept, allowed.check_usd, allowed.check_s)
    f = chain_figures([(alone(first), stage)], alone(own), step.cache_hit_rate)
    return multipliers(ctx.graph, step.index).cost(f)


def check(ctx: Context) -> None:
    wf = ctx.wf
    threshold = float(ctx.option("premium_output_per_mtok"))
    max_output = float(ctx.option("max_output_tokens"))
    configured = str(ctx.option("cheap_model") or "")
    rows = ctx.estimate.steps
    # Steps that are turns of one agent (a group chat read turn by turn; the reader
    # lists them in extra["turns"]) share the place their model is set: one finding
    # there, for all of them.
    turns: dict[str, str] = wf.extra.get("turns") or {}
    groups: dict[tuple[tuple[int, int], str, str], list[Step]] = {}
    for step in wf.steps:
        model = wf.model_of(step)
        if model is None or model.output_price < threshold:
            continue
        why = trivial(step, max_output)
        if why is None:
            continue
        key = (model_pos(wf, step), model.name, why) if step.id in turns else \
            ((-step.index, 0), model.name, why)
        groups.setdefault(key, []).append(step)
    for (_, _, why), steps in groups.items():
        step = steps[0]
        model = wf.model_of(step)
        assert model is not None
        options = alternatives(wf, model, threshold, configured)
        now = sum(rows[s.index].cost_usd for s in steps)
        priced = [(sum(_cost_on(ctx, s, m) for s in steps), m) for m in options]
        best = min(priced, key=lambda x: x[0], default=None)
        base = f" ({model.base})" if model.base and model.base != model.name else ""
        fix = None
        who = code(step.id) if len(steps) == 1 else \
            f"{code(step.id)} and the {len(steps) - 1} other turns of {code(turns[step.id])}"
        msg = (f"{who} run{'s' if len(steps) == 1 else ''} on premium model "
               f"{code(model.name)}{base}, ${model.output_price:g}/Mtok output, {why}")
        if best is not None:
            after, cheap = best
            if after < now:
                msg += (f"; a small model does this as well: on {code(cheap.name)} it costs "
                        f"{usd(after)} instead of {usd(now)} per run (saves "
                        f"{usd(now - after)}, {(now - after) / now * 100:.0f} %)")
                said = format_fix(wf, "model", step.id, cheap.base or cheap.name)
                if said:
                    msg += f": {said}"
                if len(steps) == 1 and all(s.model != cheap.name for s in step.cascade):
                    fix = _model_fix(ctx, step, cheap)  # a cascade never ends where it began
            else:
                msg += "; move it to a smaller model"
            if len(steps) == 1 and step.may_cascade is not None and not step.cascade:
                tried = _cascade_cost(ctx, step, cheap)
                if tried < now:
                    msg += (f"; or, as its may_cascade allows, try {code(cheap.name)} first "
                            f"and keep {step.may_cascade.accept * 100:g} % of its answers: "
                            f"{usd(tried)} per run (saves {usd(now - tried)}; "
                            "`agentlint optimize` prices it the same)")
        else:
            msg += "; move it to a smaller model"
        ctx.report(msg, model_pos(wf, step), key=f"step:{step.id}/model", fix=fix)


def _model_fix(ctx: Context, step: Step, cheap: Model) -> Fix | None:
    """The step's own ``model:`` set to the cheaper model (its agent's stays as it is).

    Unsafe: another model writes the answers; "as well" is a judgement on the
    step's size, not a test of its output.
    """
    spec = ctx.spec_text
    if not ctx.native or not spec.can_set_scalar(step, "model"):
        return None
    edits = spec.edits()
    spec.set_scalar(edits, step, "model", spec.scalar(cheap.name))
    return from_edits(edits, f"run {code(step.id)} on {code(cheap.name)}", UNSAFE)

