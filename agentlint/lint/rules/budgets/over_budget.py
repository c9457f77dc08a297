"""What it finds
---------------
Each budget in ``budgets`` that the estimate misses: expected cost per
run over ``cost_usd``, expected critical-path time over ``latency_s``,
expected end-to-end success under ``reliability``, the 95th percentile
of a run's latency over ``latency_p95_s`` or of its cost over
``cost_p95_usd``. One finding per
budget, at its key, with the figure, the overshoot and where it comes
from: the costliest steps, the critical path, or the weakest steps and
what retries would give. When the missed figure rests on something nobody
stated or measured (a step's output size under a per-token price, a
model's success per call, a router's shares, a loop's rounds), the finding
names those figures and is ``info``: state them, or calibrate them from
traces (``agentlint calibrate``), to make it an error again.

Why it costs
------------
A budget is the team's own statement of what a run may cost, how long a
user may wait and how often it may fail. A workflow change that breaks
one should fail the check where it is reviewed, not in next month's bill
or this week's incident.

Example
-------
```yaml
agentlint: 1
name: company-research
inputs:
  company: {tokens: 50}
steps:
  - id: research_news
    model: gpt-4o
    prompt: "Research the news on {{ inputs.company }}"
    output_tokens: 1500
  - id: research_filings
    model: gpt-4o
    prompt: "Research the filings of {{ inputs.company }}"
    output_tokens: 1500
  - id: report
    model: gpt-4o
    prompt: "Report: {{ steps.research_news.output }} {{ steps.research_filings.output }}"
    output_tokens: 1000
budgets:
  latency_s: 35                   # three calls one after another take 52 s
```

Write instead
-------------
Change the workflow until it fits (``agentlint optimize FILE`` proposes
the cheapest set of model, retry and grouping changes that meets every
budget), or change the budget if the figure is really acceptable. Here
the two research steps run side by side:

```yaml
agentlint: 1
name: company-research
inputs:
  company: {tokens: 50}
steps:
  - id: research_news
    parallel: research
    model: gpt-4o
    prompt: "Research the news on {{ inputs.company }}"
    output_tokens: 1500
  - id: research_filings
    parallel: research
    model: gpt-4o
    prompt: "Research the filings of {{ inputs.company }}"
    output_tokens: 1500
  - id: report
    model: gpt-4o
    prompt: "Report: {{ steps.research_news.output }} {{ steps.research_filings.output }}"
    output_tokens: 1000
budgets:
  latency_s: 35
```
"""

from __future__ import annotations

from agentlint.lint.facts import report_sized, weakest_steps
from agentlint.lint.provenance import ASSUMED, provenance
from agentlint.lint.registry import Context
from agentlint.metrics import COST, LATENCY, LATENCY_P95, PERCENTILE_METRICS, RELIABILITY, Metric
from agentlint.spec.model import Workflow
from agentlint.units import chain, percent, seconds, usd

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import Any

CODE = "AL501"
NAME = "over-budget"
SEVERITY = "error"
SUMMARY = "The estimate exceeds a budget in `budgets`"


def check(ctx: Context) -> None:
    wf = ctx.wf
    est = ctx.estimate
    rows = est.steps
    if wf.budgets.percentile_items() and est.spread is None:
        # the run distribution costs more than the expected figures: only when a budget
        # names a percentile, and imported only then (lint's imports stay small)
        from agentlint.graph.spread import attach

        attach(est, wf)
    prov: dict[str, Any] | None = None  # where the figures came from, read when needed
    for check in est.over_budget:
        where = wf.budgets.at(check.name)
        if check.metric in PERCENTILE_METRICS:
            over = check.actual - check.limit
            name = "95th-percentile " + ("latency" if check.metric is LATENCY_P95 else "cost")
            text = check.metric.text
            message = (f"{name} {text(check.actual)} is over the {text(check.limit)} "
                       f"budget by {text(over)}"
                       + (f" (+{over / check.limit * 100:.0f} %)" if check.limit > 0 else "")
                       + "; the spread comes from retries, routes and loop rounds "
                       "(`agentlint estimate` shows p50 / p95 / p99)")
        elif check.metric is COST:
            over = check.actual - check.limit
            top = sorted(range(len(rows)), key=lambda i: -rows[i].cost_usd)[:3]
            biggest = ", ".join(f"{rows[i].id} {usd(rows[i].cost_usd)}" for i in top
                                if rows[i].cost_usd > 0)
            message = (f"expected cost {usd(check.actual)} per run is over the "
                       f"{usd(check.limit)} budget by {usd(over)} "
                       f"(+{over / check.limit * 100:.0f} %)" if check.limit > 0 else
                       f"expected cost {usd(check.actual)} per run is over the $0 budget")
            if biggest:
                message += f"; costliest steps: {biggest}"
        elif check.metric is LATENCY:
            over = check.actual - check.limit
            message = (f"expected latency {seconds(check.actual)} is over the "
                       f"{seconds(check.limit)} budget by {seconds(over)}"
                       + (f" (+{over / check.limit * 100:.0f} %)" if check.limit > 0 else "")
                       + f"; critical path: {chain(est.critical_path)}")
        else:
            short = (check.limit - check.actual) * 100
            message = (f"expected end-to-end success {percent(check.actual)} is under the "
                       f"{percent(check.limit)} budget by "
                       + (f"{short:.2f}" if short >= 0.01 else f"{short:.3g}") + " points")
            detail = weakest_steps(ctx)
            if detail:
                message += f"; {detail}"
        message += "; `agentlint optimize` proposes changes that meet the budgets"
        if prov is None:
            prov = provenance(wf)
        # a budget missed on figures nobody stated or measured: said, and at most info
        report_sized(ctx, message, where, f"budgets/{check.name}",
                     _assumed(wf, prov, check.metric), what="figures")


#: the figures each kind of budget rests on: success per call for reliability; calls,
#: shares and rounds for every budget; a step's sizes where its model prices or times tokens
_WORDS = {"p_ok": "success per call", "calls": "calls", "share": "share of runs",
          "input_tokens": "input", "output_tokens": "output"}


def _assumed(wf: Workflow, prov: dict[str, Any], metric: Metric) -> list[str]:
    """The assumed figures a budget's estimate rests on, as ``figure of `step```."""
    reliability = metric is RELIABILITY
    latency = metric is LATENCY or metric is LATENCY_P95
    notes: list[str] = []
    sized = False
    for step in wf.steps:
        marks = prov["steps"].get(step.id, {})
        model = wf.model_of(step)
        if reliability:
            figures: tuple[str, ...] = ("p_ok", "calls", "share")
        elif model is None:
            figures = ("calls", "share")
        elif latency:  # the time a call takes grows with what it writes, not what it reads
            figures = ("output_tokens", "calls", "share") if model.tokens_per_s \
                else ("calls", "share")
        else:
            priced = (("input_tokens", model.input_per_mtok),
                      ("output_tokens", model.output_per_mtok))
            figures = (*(f for f, price in priced if price), "calls", "share")
            sized = sized or "input_tokens" in figures
        notes += [f"{_WORDS[fig]} of `{step.id}`" for fig in figures
                  if marks.get(fig, {}).get("source") == ASSUMED]
    if sized:
        notes += [f"input `{name}`" for name, mark in prov["inputs"].items()
                  if mark["source"] == ASSUMED]
    notes += [f"rounds of loop `{lid}`" for lid, mark in prov["loops"].items()
              if mark["source"] == ASSUMED]
    return notes
