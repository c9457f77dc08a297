"""The estimate as JSON (contract keys), streamed so a 200,000-step run stays small.

``json.dumps`` of the whole object would first build a dict per step and then
one string of hundreds of megabytes; writing the steps one by one keeps the
output identical (``indent=2``) at a fraction of the memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from agentlint.graph.estimate import Estimate


def chunks(est: Estimate, indent: int = 0, after: dict[str, object] | None = None
           ) -> Iterator[str]:
    """The object in pieces; ``after``: keys written after the contract keys."""
    pad = " " * indent
    head = est.to_json(include_steps=False)
    yield "{\n"
    items = list(head.items()) + list((after or {}).items())
    for key, value in items:
        if key == "budgets":
            yield f'{pad}  "steps": ['
            for i, row in enumerate(est.steps):
                text = json.dumps(row.to_json(), indent=2).replace("\n", "\n" + pad + "    ")
                yield ("," if i else "") + f"\n{pad}    {text}"
            yield f"\n{pad}  ],\n" if est.steps else "],\n"
        text = json.dumps(value, indent=2).replace("\n", "\n" + pad + "  ")
        yield f'{pad}  {json.dumps(key)}: {text}' + (",\n" if key != items[-1][0] else "\n")
    yield pad + "}"


def write(results: list[Estimate], out: TextIO, as_list: bool,
          after: list[dict[str, object]] | None = None) -> None:
    """The estimates; ``after[i]`` holds the keys written after the contract keys of the
    i-th (``provenance``)."""
    extra = after or [{} for _ in results]
    if not as_list:
        for piece in chunks(results[0], after=extra[0]):
            out.write(piece)
        out.write("\n")
        return
    out.write("[")
    for i, est in enumerate(results):
        out.write(("," if i else "") + "\n  ")
        for piece in chunks(est, indent=2, after=extra[i]):
            out.write(piece)
    out.write("\n]\n" if results else "]\n")
