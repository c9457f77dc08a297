"""``agentlint calibrate``: the summary of what the traces measured, and the drift report
of ``--check``."""

from __future__ import annotations

import math

from agentlint import escape
from agentlint.calibrate.measure import Measured
from agentlint.calibrate.overlay import model_speed
from agentlint.ci.drift import Assumption, Drift
from agentlint.metrics import METRICS
from agentlint.report.table import columns, paint
from agentlint.spec.model import Workflow
from agentlint.units import percent, seconds, usd


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def head(wf: Workflow, m: Measured) -> list[str]:
    """What was read, and what of it was left out."""
    out = [f"{escape.path(wf.file)}: {_count(m.runs, 'run')} measured "
           f"({_count(m.spans, 'span')}; {m.unmatched:,} unmatched, {m.ambiguous:,} "
           "ambiguous)"]
    if m.late or m.rootless:
        out.append(f"left out: {_count(m.late, 'span')} after their trace's root, "
                   f"{_count(m.rootless, 'trace')} without a root span")
    for kind, where, name in m.examples:
        out.append(f"  {kind}: {escape.text(where)}: span {escape.text(name)!s}")
    return out


def summary(wf: Workflow, m: Measured) -> str:
    """Per step: runs, calls, tokens, success per call, prompt-cache hits, duration."""
    rows = [("step", "runs", "calls/run", "input", "output", "ok/call", "cache hit",
             "time p50", "time p95")]
    for step in wf.steps:
        f = m.steps[step.id]
        if not f.executions:
            rows.append((escape.line(step.id), "0", "-", "-", "-", "-", "-", "-", "-"))
            continue
        rows.append((escape.line(step.id), f"{f.runs:,}", f"{f.calls / max(1, f.runs):.2f}",
                     f"{f.input_tokens.mean:,.0f}" if f.calls else "-",
                     f"{f.output_tokens.mean:,.0f}" if f.calls else "-",
                     percent(f.p_ok) if f.p_ok is not None else "-",
                     percent(f.cache_hit) if f.cache_hit is not None else "-",
                     seconds(f.duration_s.median), seconds(f.duration_s.p95)))
    out = head(wf, m)
    out += columns(rows, right={1, 2, 3, 4, 5, 6, 7, 8})
    for name, fig in m.models.items():
        if not fig.calls:
            continue
        speed = model_speed(m, name)
        pace = f", {speed[0]:.2f} s to first token, {speed[1]:,.1f} tokens/s" if speed else ""
        out.append(f"model {escape.text(name)}: {_count(fig.calls, 'call')}, "
                   f"{percent(fig.p_ok or 0.0)} succeeded{pace}")
    for router, took in m.routes.items():
        runs = m.router_runs[router]
        shares = ", ".join(f"{escape.text(t)} {n / runs * 100:.1f} %" for t, n in took.items())
        out.append(f"router {escape.text(router)}: {shares} of {_count(runs, 'run')}")
    for loop, stat in m.rounds.items():
        if stat.count:
            out.append(f"loop {escape.text(loop)}: {stat.mean:.2f} rounds on average "
                       f"(p95 {stat.p95:g}) in {_count(stat.count, 'run')}")
    out.append(f"per run: {usd(m.cost_mean)} (spec's prices), {seconds(m.latency_mean)} "
               f"mean, {seconds(m.duration_s.p95)} p95, {percent(m.success)} succeeded")
    return "\n".join(out) + "\n"


def _value(a: Assumption, v: float) -> str:
    if a.unit == "usd":
        return usd(v)
    if a.unit == "s":
        return seconds(v)
    if a.unit == "fraction":
        return percent(v)
    return f"{v:,.0f}" if a.unit == "tokens" else f"{v:g}"


def drift(wf: Workflow, m: Measured, d: Drift, color: bool = False) -> str:
    """The estimate beside the traces, the thresholds, and the steps furthest off."""
    out = head(wf, m)
    rows = [("", "estimate", "measured", "change")]
    for metric in METRICS:
        a, b = metric.of(d.estimate), metric.of(d.measured)
        absolute, rel = metric.change(a, b)
        rows.append((metric.label, metric.text(a), metric.text(b),
                     absolute + (f" ({rel})" if rel else "")))
    out += columns(rows, right={1, 2})
    if d.runs:
        p = d.measured.reliability
        spread = math.sqrt(max(p * (1.0 - p), 0.0) / d.runs) * 100
        out.append(f"measured over {_count(d.runs, 'run')}: success ± {spread:.2f} pp "
                   "(one standard error)")
    far = [s for s in d.steps if s.worst is not None and s.off > 0.05][:3]
    if far:
        out.append("furthest off:")
        for s in far:
            w = s.worst
            assert w is not None
            out.append(f"  {escape.text(s.id)}: {w.label} {_value(w, w.measured)}, the spec "
                       f"{_value(w, w.spec)} (over {_count(s.runs, 'run')})")
    for t in d.thresholds:
        change = t.change(d.estimate, d.measured)
        shown = t.measure.signed(change) if t.unit == "abs" else \
            f"{change:+.2f} {'%' if t.unit == '%' else 'pp'}"
        verdict = paint("FAIL", "31;1", color) if t in d.crossed else paint("pass", "32", color)
        out.append(f"drift {escape.text(t.text)}: {shown} against the estimate: {verdict}")
    return "\n".join(out) + "\n"
