"""What it finds
---------------
A worker (a step that calls a model) reached from a router (a route
target, or a step that runs only on one of its branches) that reads the
router's output but none of what
the router itself read: not the run inputs it read, not the step outputs
it read, and no other step on the branch that read them. Reported at the
worker's reference to the router; the message names the inputs it
should read as well.

Also a router that reads no run input at all, only the output of model
steps that did (a rewriter in front of a classifier): the branch is then
chosen from a paraphrase. Reported at the router's reference.

Why it costs
------------
A router is a classifier: its output is a label and perhaps a short
summary. A worker that sees only that summary works from a paraphrase:
order numbers, exact error messages, the customer's own words are gone,
and the answer is built on what the router chose to keep. Context should
be routed, not transformed; the label costs a few tokens, the original
input is what the worker needs to do its job.

Example
-------
```yaml
agentlint: 1
name: support-triage
inputs:
  ticket: {tokens: 1200}
steps:
  - id: classify
    kind: router
    model: gpt-4o-mini
    prompt: "Classify and summarise: {{ inputs.ticket }}"
    output_tokens: 80
    routes: [billing, account]
  - id: billing
    model: gpt-4o-mini
    prompt: "Resolve the billing request: {{ inputs.ticket }}"
  - id: account
    model: gpt-4o-mini
    prompt: |                     # sees only the router's summary
      Case summary: {{ steps.classify.output }}
      Resolve the request described above.
```

Write instead
-------------
Give the worker the original input, with the router's output as a label:

```yaml
agentlint: 1
name: support-triage
inputs:
  ticket: {tokens: 1200}
steps:
  - id: classify
    kind: router
    model: gpt-4o-mini
    prompt: "Classify and summarise: {{ inputs.ticket }}"
    output_tokens: 80
    routes: [billing, account]
  - id: billing
    model: gpt-4o-mini
    prompt: "Resolve the billing request: {{ inputs.ticket }}"
  - id: account
    model: gpt-4o-mini
    prompt: |
      Triage: {{ steps.classify.output }}
      Ticket (verbatim): {{ inputs.ticket }}
```
"""

from __future__ import annotations

from agentlint.lint.facts import (
    code,
    output_size,
    tokens,
)
from agentlint.lint.registry import Context
from agentlint.lint.wording import fix as format_fix
from agentlint.spec.model import Step
from agentlint.spec.textpos import locate_ref

CODE = "AL006"
NAME = "router-context-transformation"
SEVERITY = "warning"
SUMMARY = "A worker behind a router that reads the router's output but not the original input"


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    sources: dict[int, tuple[set[str], set[int]]] = {}
    for step in wf.steps:
        if step.routes:
            preds = g.data_preds[step.index]
            # What the router read, and the run inputs behind the outputs it read:
            # a worker with the original input has what the router had, and more.
            inputs = set(step.input_refs())
            for p in preds:
                inputs.update(wf.steps[p].input_refs())
            sources[step.index] = (inputs, set(preds))
    if not sources:
        return
    branch = g.branch
    carriers: dict[int, set[int]] = {r: set() for r in sources}
    for v in g.topo:
        routers = {key[0] for key in g.chain(branch[v])}
        if not routers:
            continue
        step = wf.steps[v]
        own_inputs = set(step.input_refs())
        preds = g.data_preds[v]
        for r in routers:
            src_inputs, src_steps = sources[r]
            if not src_inputs and not src_steps:
                continue
            direct = bool(own_inputs & src_inputs) or any(p in src_steps for p in preds)
            via = any(p in carriers[r] for p in preds if p != r)
            if direct or via:
                carriers[r].add(v)
            elif r in preds and step.uses_model:
                _transformation(ctx, step, wf.steps[r], src_inputs, src_steps)
    for r in sources:
        _router_reads_rewrite(ctx, wf.steps[r])


def _router_reads_rewrite(ctx: Context, router: Step) -> None:
    """A router that sees only a model's rewrite of the run inputs, not the inputs."""
    wf, g = ctx.wf, ctx.graph
    preds = g.data_preds[router.index]
    # A router without a model is a switch on a label another step produced
    # (promptflow's python switch after an LLM classifier): nothing to reread.
    if router.input_refs() or not preds or not router.uses_model:
        return None
    if not all(wf.steps[p].uses_model for p in preds):
        return None
    upstream = sorted({name for p in preds for name in wf.steps[p].input_refs()})
    if not upstream:
        return None
    first = wf.steps[preds[0]]
    ref = next(r for r in router.refs if r.kind == "steps" and r.name == first.id)
    inputs = ", ".join(f"{{{{ inputs.{name} }}}}" for name in upstream)
    size = sum(wf.inputs[name].tokens for name in upstream)
    rewrites = ", ".join(code(wf.steps[p].id) for p in preds)
    ctx.report(
        f"router {code(router.id)} chooses a branch from the output of {rewrites} "
        f"({tokens(sum(output_size(wf.steps[p]) for p in preds))} tokens), a model's rewrite of "
        f"{inputs} ({tokens(size)} tokens), never from the input itself: a misreading "
        f"upstream sends the run down the wrong branch and every worker inherits it; give "
        f"the router {inputs} as well",
        locate_ref(wf, router, ref), key=f"step:{router.id}/prompt")


def _transformation(ctx: Context, step: Step, router: Step, src_inputs: set[str],
                    src_steps: set[int]) -> None:
    wf = ctx.wf
    original = [f"{{{{ inputs.{name} }}}}" for name in router.input_refs()
                if name in src_inputs]
    original += [f"{{{{ steps.{wf.steps[p].id}.output }}}}" for p in sorted(src_steps)]
    size = sum(wf.inputs[name].tokens for name in router.input_refs() if name in src_inputs)
    size += sum(output_size(wf.steps[p]) for p in src_steps)
    ref = next(r for r in step.refs if r.kind == "steps" and r.name == router.id)
    listed = ", ".join(original)
    # the source format's own words, where it has them (an Agents SDK handoff filter)
    said = format_fix(wf, "reread", step.id, original) or (
        f"add {listed} to its prompt and use the router's output only as a label")
    ctx.report(
        f"{code(step.id)} reads the router {code(router.id)}'s output but none of what "
        f"the router read ({listed}): it works from a {tokens(router.output_tokens)}-token "
        f"rewrite of {tokens(size)} tokens of original context; {said}",
        locate_ref(wf, step, ref), key=f"step:{step.id}/prompt")
