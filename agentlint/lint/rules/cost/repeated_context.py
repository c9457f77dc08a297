"""What it finds
---------------
A run input or a step output of at least ``min_tokens`` (default 2,000)
that model steps read in full at least ``min_readers`` times per run
(default 3; the alternatives of a router count by their shares). Reported at
the input's declaration or the producing step, with the input tokens and
dollars per run spent reading it.

Also several smaller run inputs that add up: when ``min_readers`` or more
model steps on the main line each re-read at least half of ``min_tokens``
from the same run inputs (eight evaluators each reading the question, the
answer and the context), reported once at the first of them.

When the size rests on an assumption (an input without ``tokens``, a step
without ``output_tokens``, a default a reader of another format filled in)
the finding is ``info``, not a warning, and names the assumed figure;
state the size (or calibrate it in ``agentlint.profile.yaml``) to confirm it.
On a workflow read from another format the fix names that format's keys
(ADK ``include_contents: none`` and ``output_key``, a promptflow node's
``inputs``, a Dify node's variable selector).

Why it costs
------------
In a multi-agent workflow input tokens, not output tokens, are where the
bill grows: every agent re-reads the same document at full price, and
with different models or prompt openings the prefix cache cannot help.
Often most readers need a small part of it (a language tag needs a
paragraph, a classifier needs the first page).

Example
-------
```yaml
agentlint: 1
name: contract-intake
inputs:
  contract: {tokens: 4000}
steps:
  - id: clean
    model: gpt-4o-mini
    prompt: "Fix the OCR errors: {{ inputs.contract }}"
    output_tokens: 3800           # read in full by the three steps below
  - id: classify
    model: gpt-4o-mini
    prompt: "Contract type? {{ steps.clean.output }}"
    output_tokens: 10
  - id: extract_parties
    model: gpt-4o-mini
    prompt: "List the parties: {{ steps.clean.output }}"
    output_tokens: 100
  - id: extract_terms
    model: gpt-4o-mini
    prompt: |
      Type: {{ steps.classify.output }}. Parties: {{ steps.extract_parties.output }}.
      List the payment terms: {{ steps.clean.output }}
    output_tokens: 300
```

Write instead
-------------
Give each step only what it needs (the first page, an extract, a
summary), merge the readers into one call that returns all fields, or
run them on one model with the shared text first in the prompt so the
prefix cache serves it:

```yaml
agentlint: 1
name: contract-intake
inputs:
  contract: {tokens: 4000}
steps:
  - id: clean
    model: gpt-4o-mini
    prompt: "Fix the OCR errors: {{ inputs.contract }}"
    output_tokens: 3800
  - id: extract                   # one call returns every field
    model: gpt-4o-mini
    prompt: |
      Reply with JSON {"type": ..., "parties": [...], "payment_terms": [...]}.
      {{ steps.clean.output }}
    output_tokens: 400
```
"""

from __future__ import annotations

from agentlint.lint.facts import (
    Assumed,
    assumed_sizes,
    code,
    input_price,
    names,
    output_size,
    report_sized,
    step_pos,
    tokens,
)
from agentlint.lint.registry import Context
from agentlint.lint.wording import fix as format_fix
from agentlint.spec.model import Workflow
from agentlint.spec.positions import YMap
from agentlint.units import usd

CODE = "AL203"
NAME = "repeated-context"
SEVERITY = "warning"
SUMMARY = "The same large input or output fed to many steps"
OPTIONS = {"min_readers": 3, "min_tokens": 2000}


def check(ctx: Context) -> None:
    wf, g = ctx.wf, ctx.graph
    min_readers = int(ctx.option("min_readers"))
    min_tokens = float(ctx.option("min_tokens"))
    readers: dict[tuple[str, str], list[int]] = {}
    for step in wf.steps:
        for name in step.input_refs():
            readers.setdefault(("inputs", name), []).append(step.index)
        for p in g.data_preds[step.index]:
            readers.setdefault(("steps", wf.steps[p].id), []).append(step.index)
    rows = ctx.estimate.steps
    assumed = assumed_sizes(wf)
    for (ns, name), every in readers.items():
        # Readers that pay for the tokens, counted by how often they run: the
        # alternatives of a router are one reader, not several.
        who = [i for i in every if wf.steps[i].uses_model]
        if sum(g.weight[i] for i in who) < min_readers - 1e-9:
            continue
        size = _size(wf, (ns, name))
        if ns == "inputs":
            where = _input_pos(wf, name)
            label = f"input `{name}`"
        else:
            where = step_pos(wf.step(name))
            label = f"the output of {code(name)}"
        if size < min_tokens:
            continue
        reads = sum(rows[i].calls for i in who)
        dollars = sum(size * input_price(wf.model_of(wf.steps[i])) * rows[i].calls / 1e6
                      for i in who)
        source = name if ns == "steps" else f"inputs.{name}"
        said = [format_fix(wf, "trim", wf.steps[i].id, [source]) for i in who[:1]]
        fix = f"{said[0]}, and the same for the other readers" if said and said[0] else \
            "give each step only the part it needs, or merge the readers into one call"
        note = assumed.source(ns, name)
        report_sized(
            ctx,
            f"{label} ({tokens(size)} tokens) is fed in full to {len(who)} steps "
            f"({names([wf.steps[i].id for i in who])}): {reads:.1f} reads per run, "
            f"{tokens(size * reads)} input tokens and {usd(dollars)}; {fix}",
            where, f"{ns}:{name}", [note] if note else [])
    _same_context_readers(ctx, readers, min_readers, min_tokens, assumed)


def _same_context_readers(ctx: Context, readers: dict[tuple[str, str], list[int]],
                          min_readers: int, min_tokens: float, assumed: Assumed) -> None:
    """Many steps re-reading the same small run inputs, which add up to a large context.

    Eight evaluators that each read the question, the answer and the context
    re-feed the same couple of thousand tokens eight times, although no single
    source reaches ``min_tokens``. Sources read by ``min_readers`` steps or more
    are pooled; steps that read at least half of ``min_tokens`` from the pool
    are reported together, once, when what they re-read beyond the first
    reader reaches ``min_tokens``. One pass over the references: linear.
    """
    wf, g = ctx.wf, ctx.graph
    # Model calls on the main line only: alternatives of a router never run
    # together, and a router passing the input on to its workers is the point.
    readers = {s: [i for i in who if wf.steps[i].model is not None
                   and wf.steps[i].kind != "router" and g.branch[i] is None]
               for s, who in readers.items()}
    # Run inputs only: every reader gets the very same text. Step outputs differ
    # from step to step and are judged one by one above.
    pool = {s: _size(wf, s) for s, who in readers.items()
            if s[0] == "inputs" and len(who) >= min_readers and _size(wf, s) < min_tokens}
    shared: dict[int, float] = {}
    used: dict[int, list[tuple[str, str]]] = {}
    for source, size in pool.items():
        for i in readers[source]:
            shared[i] = shared.get(i, 0.0) + size
            used.setdefault(i, []).append(source)
    # A single source is the per-source check's business; this one is for many small ones.
    who = sorted(i for i, t in shared.items() if t >= min_tokens / 2 and len(used[i]) >= 2)
    if len(who) < min_readers:
        return
    refed = sum(shared[i] for i in who) - max(shared[i] for i in who)
    if refed < min_tokens:
        return
    rows = ctx.estimate.steps
    sources = sorted({s for i in who for s in used[i]})
    labels = [f"`{n}`" for _, n in sources[:6]]
    if len(sources) > 6:
        labels.append(f"{len(sources) - 6} more inputs")
    tokens_per_run = sum(shared[i] * rows[i].calls for i in who)
    dollars = sum(shared[i] * input_price(wf.model_of(wf.steps[i])) * rows[i].calls / 1e6
                  for i in who)
    low, high = min(shared[i] for i in who), max(shared[i] for i in who)
    span = tokens(low) if low == high else f"{tokens(low)} to {tokens(high)}"
    first = wf.steps[who[0]]
    notes = [n for s in sources if (n := assumed.source(*s))]
    report_sized(
        ctx,
        f"{len(who)} steps ({names([wf.steps[i].id for i in who])}) each re-read the same "
        f"{', '.join(labels)} ({span} tokens per step): {tokens(tokens_per_run)} input "
        f"tokens and {usd(dollars)} per run; merge the steps on one model into one call that "
        "returns every answer, or put the shared text first so the prefix cache serves it",
        step_pos(first), f"step:{first.id}/context", notes)


def _size(wf: Workflow, source: tuple[str, str]) -> float:
    """Tokens of a run input, or of a step's output (all its copies)."""
    ns, name = source
    return wf.inputs[name].tokens if ns == "inputs" else output_size(wf.step(name))


def _input_pos(wf: Workflow, name: str) -> tuple[int, int]:
    raw = wf.raw.get("inputs") if wf.raw is not None else None
    if isinstance(raw, YMap) and name in raw:
        return raw.key_at(name)
    return wf.inputs[name].at()
