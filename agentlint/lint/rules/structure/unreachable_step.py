"""What it finds
---------------
A route whose ``share`` is 0 (given as 0, or left to share what the other
routes leave when they already add up to 1). The route's target, and every
step that runs only on that branch, can never run. Reported once per
route, at its share.

Why it costs
------------
Dead steps are not free: they are reviewed, kept in sync with the rest of
the workflow, priced by the optimizer's candidates and misread by anyone
who assumes the branch is live. A share of 0 is usually a typo for a small
share, and then every cost and latency figure is wrong for that branch.

Example
-------
```yaml
agentlint: 1
name: support-triage
inputs:
  ticket: {tokens: 800}
steps:
  - id: classify
    kind: router
    model: gpt-4o-mini
    prompt: "Classify as billing, tech or account: {{ inputs.ticket }}"
    output_tokens: 5
    routes:
      - {step: billing, share: 0.7}
      - {step: tech, share: 0.3}
      - account                  # gets what is left: 0
  - id: billing
    model: gpt-4o-mini
    prompt: "Answer the billing question: {{ inputs.ticket }}"
  - id: tech
    model: gpt-4o-mini
    prompt: "Answer the technical question: {{ inputs.ticket }}"
  - id: account
    model: gpt-4o-mini
    prompt: "Answer the account question: {{ inputs.ticket }}"
```

Write instead
-------------
Give every live route a share (they must add up to 1), and delete the
steps of a branch that is really gone:

```yaml
agentlint: 1
name: support-triage
inputs:
  ticket: {tokens: 800}
steps:
  - id: classify
    kind: router
    model: gpt-4o-mini
    prompt: "Classify as billing, tech or account: {{ inputs.ticket }}"
    output_tokens: 5
    routes:
      - {step: billing, share: 0.6}
      - {step: tech, share: 0.3}
      - {step: account, share: 0.1}
  - id: billing
    model: gpt-4o-mini
    prompt: "Answer the billing question: {{ inputs.ticket }}"
  - id: tech
    model: gpt-4o-mini
    prompt: "Answer the technical question: {{ inputs.ticket }}"
  - id: account
    model: gpt-4o-mini
    prompt: "Answer the account question: {{ inputs.ticket }}"
```
"""

from __future__ import annotations

from agentlint.graph.build import BranchKey
from agentlint.lint.facts import (
    branch_chain,
    code,
    names,
)
from agentlint.lint.registry import Context

CODE = "AL002"
NAME = "unreachable-step"
SEVERITY = "warning"
SUMMARY = "A step that runs in no run: it lies on a route with share 0"


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    zero: dict[BranchKey, list[int]] = {}
    for step in wf.steps:
        for ri, route in enumerate(step.routes):
            if route.share <= 0.0:
                zero[(step.index, ri)] = []
    if not zero:
        return
    for i in range(g.n):
        if g.weight[i] > 0.0:
            continue
        outermost = None
        for key in branch_chain(g, i):
            if key in zero:
                outermost = key
        if outermost is not None:
            zero[outermost].append(i)
    for (router, ri), members in zero.items():
        r = wf.steps[router]
        route = r.routes[ri]
        target = route.step
        others = [wf.steps[m].id for m in members if wf.steps[m].id != target]
        where = route.pos
        raw_routes = r.raw.get("routes") if r.raw is not None else None
        if raw_routes is not None and ri < len(raw_routes):
            item = raw_routes[ri]
            if hasattr(item, "value_at") and "share" in item:
                where = item.value_at("share")
        more = f" (nor do {names(others)}, which run only on that branch)" if others else ""
        how = "is given share 0" if route.given else \
            "gets share 0 because the other routes' shares already add up to 1"
        ctx.report(
            f"route {code(target)} of router {code(r.id)} {how}, so {code(target)} never "
            f"runs{more}; give the route a share, or delete the branch",
            where, key=f"step:{r.id}/routes/{target}")
