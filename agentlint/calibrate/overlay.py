"""The profile overlay: measured figures written as a profile, and a profile laid over a
native spec.

:func:`profile_text` writes what a calibration measured in the format of
docs/profile.md: per step the figures the estimate reads (``input_tokens``,
``output_tokens``, ``calls``, ``p_ok``, a branch's ``share``, a fan-out's
``count``) and ``runs``, the number of runs they rest on, which marks them as
calibrated; what is there for people (medians, 95th percentiles, durations,
retries seen) goes under ``measured``. :func:`apply_profile` lays such a
profile (or one written by hand) over a native spec, so ``estimate``, ``lint``
and ``optimize --profile FILE`` use its figures.

``input_tokens`` in a profile is the step's own prompt, without the inputs and
step outputs it reads (the estimate adds those); the measured mean of a call's
whole input is therefore written less what the step reads, sized with the
calibrated outputs of the steps it reads.
"""

from __future__ import annotations

import json
import os
from collections import Counter

from agentlint.calibrate.measure import Measured, StepFigures
from agentlint.calibrate.stats import Stat
from agentlint.graph.estimate import referenced_tokens
from agentlint.spec.model import Step, Workflow


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=True)


def _num(value: float, digits: int = 4) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}" if abs(value) < 1 else str(round(value, digits))


def _figure(stat: Stat) -> str:
    return (f"{{mean: {_num(stat.mean)}, median: {_num(stat.median)}, "
            f"p95: {_num(stat.p95)}}}")


def _histogram(counts: Counter[int]) -> str:
    """Mean, median and 95th percentile of whole numbers counted in ``counts`` (exact)."""
    total = sum(counts.values())
    mean = sum(k * v for k, v in counts.items()) / total if total else 0.0

    def at(q: float) -> int:
        seen = 0
        for k in sorted(counts):
            seen += counts[k]
            if seen >= q * total:
                return k
        return 0

    return f"{{mean: {_num(mean)}, median: {at(0.5)}, p95: {at(0.95)}}}"


def profile_text(wf: Workflow, m: Measured, traces: list[str]) -> str:
    """The profile of what ``m`` measured of ``wf``."""
    outputs = {sid: f.output_tokens.mean for sid, f in m.steps.items() if f.calls}
    lines = [
        "# yaml-language-server: $schema=https://raw.githubusercontent.com/agentlint/"
        "agentlint/main/agentlint/schemas/profile-v1.schema.json",
        f"# Written by agentlint calibrate for {os.path.basename(wf.file)} from "
        f"{len(traces)} trace export{'s' if len(traces) != 1 else ''}.",
        "calibrated:",
        f"  runs: {m.runs}",
        f"  spans: {m.spans}",
        f"  unmatched: {m.unmatched}",
        f"  ambiguous: {m.ambiguous}",
        f"  cost_usd: {_num(m.cost_mean, 6)}",
        f"  latency_s: {_num(m.latency_mean)}",
        f"  success: {_num(m.success, 6)}",
    ]
    models = _model_lines(wf, m)
    if models:
        lines += ["models:", *models]
    shares = _shares(wf, m)
    steps = []
    for step in wf.steps:
        fig = m.steps[step.id]
        body = _step_lines(wf, step, fig, outputs, shares.get(step.id))
        if body:
            steps += [f"  {_q(step.id)}:", *body]
    if steps:
        lines += ["steps:", *steps]
    loops = [f"  {_q(loop.id)}: {{expected_iterations: {_num(m.rounds[loop.id].mean)}, "
             f"runs: {m.rounds[loop.id].count}}}"
             for loop in wf.loops if m.rounds[loop.id].count]
    if loops:
        lines += ["loops:", *loops]
    return "\n".join(lines) + "\n"


def model_speed(m: Measured, name: str) -> tuple[float, float] | None:
    """(seconds to the first token, output tokens per second) of the model ``name``,
    fitted to its calls' times (a least-squares line of call seconds against output
    tokens), or None when the calls do not fix one."""
    fig = m.models.get(name)
    fit = fig.speed.fit() if fig is not None else None
    if fit is None or fit[1] <= 0 or fit[0] < 0:
        return None
    return fit[0], 1.0 / fit[1]


def _model_lines(wf: Workflow, m: Measured) -> list[str]:
    """Each model the traces called: the spec's prices, the measured speed and success."""
    out: list[str] = []
    for name, model in wf.models.items():
        fig = m.models.get(name)
        if fig is None or not fig.calls:
            continue
        fields: list[tuple[str, float | None]] = [
            ("per_call_usd", model.per_call_usd), ("input_per_mtok", model.input_per_mtok),
            ("output_per_mtok", model.output_per_mtok),
            ("cached_input_per_mtok", model.cached_input_per_mtok)]
        speed = model_speed(m, name)
        if model.per_call_s is not None or (speed is None and model.ttft_s is None):
            calls = [f for sid, f in m.steps.items() if wf.step(sid).model == name and f.calls]
            seconds = sum(f.call_s.total for f in calls) / max(1, sum(f.calls for f in calls))
            fields.append(("per_call_s", seconds))
        elif speed is not None:
            fields += [("ttft_s", speed[0]), ("tokens_per_s", speed[1])]
        else:
            fields += [("ttft_s", model.ttft_s), ("tokens_per_s", model.tokens_per_s)]
        fields.append(("p_ok", max(0.001, fig.p_ok or 0.0)))
        body = ", ".join(f"{k}: {_num(v)}" for k, v in fields if v is not None)
        out.append(f"  {_q(name)}: {{{body}}}  # {fig.calls:,} calls")
    return out


def _shares(wf: Workflow, m: Measured) -> dict[str, tuple[float, int]]:
    """Branch target -> (share of the router's runs that took it, the router's runs)."""
    out: dict[str, tuple[float, int]] = {}
    for step in wf.steps:
        runs = m.router_runs.get(step.id, 0)
        if step.routes and runs:
            took = m.routes.get(step.id) or Counter()
            for route in step.routes:
                out[route.step] = (took.get(route.step, 0) / runs, runs)
    return out


def _step_lines(wf: Workflow, step: Step, fig: StepFigures, outputs: dict[str, float],
                share: tuple[float, int] | None) -> list[str]:
    body: list[str] = []
    if fig.runs:
        body.append(f"    runs: {fig.runs}")
    if share is not None:
        body.append(f"    share: {_num(share[0])}")
    if fig.calls:
        read = referenced_tokens(wf, step, outputs)
        own = max(0.0, fig.input_tokens.mean - read)
        note = "" if fig.input_tokens.mean >= read else \
            f"  # the calls read {fig.input_tokens.mean:.0f} tokens, less than the " \
            f"{read:.0f} the spec's references add up to"
        if fig.cached_tokens.total:
            body.append(f"    cached_input_tokens: {_num(round(fig.cached_tokens.mean, 1))}")
        body += [f"    input_tokens: {_num(round(own, 1))}{note}",
                 f"    output_tokens: {_num(round(fig.output_tokens.mean, 1))}",
                 f"    p_ok: {_num(max(0.001, fig.p_ok or 0.0))}",
                 f"    cache_hit: {_num(fig.cache_hit or 0.0)}"]
        n = fig.calls_per_attempt
        if n is not None and step.uses_model:
            body.append(f"    calls: {n}")
    if fig.executions and not step.uses_model:  # a tool's or a person's time
        body.append(f"    per_call_s: {_num(round(fig.duration_s.mean, 4))}")
    if fig.runs and step.fan_out > 1 and step.id not in _loop_steps(wf):
        width = sum(k * v for k, v in fig.per_run.items()) / fig.runs
        body.append(f"    count: {max(1, round(width))}")
    if not fig.executions:
        return body
    body.append("    measured:")
    if fig.calls:
        body += [f"      input_tokens: {_figure(fig.input_tokens)}",
                 f"      output_tokens: {_figure(fig.output_tokens)}",
                 f"      cached_input_tokens: {_figure(fig.cached_tokens)}",
                 f"      call_s: {_figure(fig.call_s)}"]
        if fig.ttft_s.count:
            body.append(f"      ttft_s: {_figure(fig.ttft_s)}")
    body += [f"      duration_s: {_figure(fig.duration_s)}",
             f"      per_run: {_histogram(fig.per_run)}",
             f"      retries_seen: {fig.retries_seen}"]
    return body


def _loop_steps(wf: Workflow) -> set[str]:
    return {s for loop in wf.loops for s in loop.steps}
