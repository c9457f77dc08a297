"""The drift gate: a spec's estimate against what its traces measured.

``agentlint calibrate TRACES --spec FILE --check`` estimates the spec as it
is written and compares the estimate with the traces' own figures per run:
mean cost (priced with the spec's prices), mean duration of a run (its root
span) and the share of runs that succeeded. The thresholds are those of
``agentlint diff`` (``--fail-on cost+10%,latency+2s,reliability-1pp``, the same
parser), read with the estimate as "before" and the traces as "after": a
threshold is crossed when reality is worse than the estimate by more than it.

Each step's assumptions (input and output tokens per call, calls per attempt,
success per call, its cost and time per run) are set beside what was
measured; the steps furthest off are named, furthest first (by the ratio of
measured to assumed; for a success rate, of the failure rates, and only beyond
two standard errors of sampling noise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from agentlint.calibrate.measure import Measured
from agentlint.ci.diff import Threshold, parse_thresholds
from agentlint.graph.estimate import Estimate, estimate, step_tokens
from agentlint.spec.model import Workflow

#: the thresholds of ``--check`` without ``--fail-on``
DEFAULT_THRESHOLDS = "cost+10%,latency+10%,reliability-2pp"


@dataclass(slots=True)
class Assumption:
    """One figure of a step: the spec's and the traces'."""

    label: str  # "input tokens per call"
    unit: str  # "tokens", "usd", "s", "fraction", "calls"
    spec: float
    measured: float
    #: the observations a success rate rests on (calls)
    count: int = 0

    @property
    def off(self) -> float:
        """How far off the spec is: |ln(measured / spec)|, or for a success rate the
        same of the failure rates; a success rate within two standard errors of the
        spec's (sampling noise) is not off at all."""
        a, b = self.spec, self.measured
        if self.unit == "fraction":
            spread = math.sqrt(max(a * (1.0 - a), 1e-12) / max(1, self.count))
            if abs(b - a) <= 2.0 * spread:
                return 0.0
            a, b = 1.0 - a, 1.0 - b
        a, b = max(a, 1e-6), max(b, 1e-6)
        return abs(math.log(b / a))


@dataclass(slots=True)
class StepDrift:
    id: str
    runs: int
    figures: list[Assumption] = field(default_factory=list)

    @property
    def off(self) -> float:
        return max((f.off for f in self.figures), default=0.0)

    @property
    def worst(self) -> Assumption | None:
        return max(self.figures, key=lambda f: f.off) if self.figures else None


@dataclass(slots=True)
class Drift:
    """The estimate, the traces' figures as an estimate, and the thresholds crossed."""

    estimate: Estimate
    measured: Estimate
    runs: int
    thresholds: list[Threshold]
    crossed: list[Threshold]
    steps: list[StepDrift]

    @property
    def failed(self) -> bool:
        return bool(self.crossed)


def measured_estimate(wf: Workflow, m: Measured) -> Estimate:
    """The traces' figures per run in the shape of an estimate (no worst case)."""
    return Estimate(name=wf.name, file=wf.file, cost_usd=m.cost_mean, cost_usd_max=0.0,
                    latency_s=m.latency_mean, latency_s_max=0.0, reliability=m.success,
                    calls=sum(f.calls for f in m.steps.values()) / max(1, m.runs),
                    critical_path=[], steps=[])


def check(wf: Workflow, m: Measured, fail_on: tuple[str, ...] = ()) -> Drift:
    """Compare ``wf``'s estimate with the figures ``m`` measured."""
    thresholds = parse_thresholds(fail_on or (DEFAULT_THRESHOLDS,))
    est = estimate(wf)
    real = measured_estimate(wf, m)
    crossed = [t for t in thresholds if t.crossed(est, real)] if m.runs else []
    rows = {r.id: r for r in est.steps}
    steps = []
    for step in wf.steps:
        fig = m.steps[step.id]
        if not fig.executions:
            continue
        drift = StepDrift(step.id, fig.runs)
        row = rows[step.id]
        if fig.calls and step.uses_model:
            tokens = step_tokens(wf, step)
            model = wf.model_of(step)
            p_ok = step.p_ok if step.p_ok is not None else (model.p_ok if model else 1.0)
            drift.figures += [
                Assumption("input tokens per call", "tokens", tokens.input,
                           fig.input_tokens.mean),
                Assumption("output tokens per call", "tokens", tokens.output,
                           fig.output_tokens.mean),
                Assumption("success per call", "fraction", p_ok, fig.p_ok or 0.0, fig.calls)]
            if fig.calls_per_attempt is not None:
                drift.figures.append(Assumption("calls per attempt", "calls", step.calls,
                                                fig.calls_per_attempt))
        if m.runs:
            drift.figures += [
                Assumption("cost per run", "usd", row.cost_usd, fig.cost_usd / m.runs),
                Assumption("time per run", "s", row.latency_s,
                           fig.duration_s.total / m.runs)]
        steps.append(drift)
    steps.sort(key=lambda d: -d.off)
    return Drift(est, real, m.runs, thresholds, crossed, steps)
