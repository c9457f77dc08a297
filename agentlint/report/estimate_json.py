"""The estimate as JSON (contract keys), streamed so a 200,000-step run stays small.

``json.dumps`` of the whole object would first build a dict per step and then
one string of hundreds of megabytes; writing the steps one by one keeps the
output identical (``indent=2``) at a fraction of the memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from agentlint.graph.estimate import Estimate, StepEstimate


def step_json(s: StepEstimate) -> dict[str, object]:
    return {"id": s.id, "model": s.model, "cost_usd": s.cost_usd, "latency_s": s.latency_s,
            "reliability": s.reliability, "runs": s.runs, "calls": s.calls,
            "input_tokens": s.input_tokens, "cached_input_tokens": s.cached_tokens,
            "output_tokens": s.output_tokens, "cost_usd_max": s.cost_usd_max,
            "latency_s_max": s.latency_s_max, "critical": s.critical}


def chunks(est: Estimate, indent: int = 0) -> Iterator[str]:
    pad = " " * indent
    head = est.to_json(include_steps=False)
    yield "{\n"
    items = list(head.items())
    for key, value in items:
        if key == "budgets":
            yield f'{pad}  "steps": ['
            for i, row in enumerate(est.steps):
                text = json.dumps(step_json(row), indent=2).replace("\n", "\n" + pad + "    ")
                yield ("," if i else "") + f"\n{pad}    {text}"
            yield f"\n{pad}  ],\n" if est.steps else "],\n"
        text = json.dumps(value, indent=2).replace("\n", "\n" + pad + "  ")
        yield f'{pad}  {json.dumps(key)}: {text}' + (",\n" if key != items[-1][0] else "\n")
    yield pad + "}"


def write(results: list[Estimate], out: TextIO, as_list: bool) -> None:
    if not as_list:
        for piece in chunks(results[0]):
            out.write(piece)
        out.write("\n")
        return
    out.write("[")
    for i, est in enumerate(results):
        out.write(("," if i else "") + "\n  ")
        for piece in chunks(est, indent=2):
            out.write(piece)
    out.write("\n]\n" if results else "]\n")
