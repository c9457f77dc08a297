"""``agentlint export --format dag-json``: the workflow as a serving layer schedules it.

Runtime-aware serving systems (Parrot's semantic variables, the prefix caches
of SGLang and vLLM) do better when they know a workflow's shape before the
calls arrive: which call waits for which, how many tokens each reads and
writes, how much slack a call has before it delays the run, and which calls
start with the same stable text, so one copy of that prefix's KV cache serves
them all and they can be batched.

Every figure here is the estimate's (:mod:`agentlint.graph.estimate`): the
tokens and expected calls of a step are its row of ``agentlint estimate``, the
slack comes from the same timing as its critical path
(:func:`~agentlint.graph.estimate.slack`), and the cacheable prefix is the one
the cost model prices as cached (:func:`~agentlint.spec.tokens.prefix_text`:
the system prompt up to its first placeholder, and the prompt's stable start
after a system prompt without one; from ``CACHE_MIN_TOKENS`` tokens on). A
prefix cut short by volatile text (a placeholder) is below that minimum and
joins no group. The shape is ``agentlint/schemas/dag-v1.schema.json``; keys come
in a fixed order, so the same spec always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json

from agentlint.escape import json_text
from agentlint.graph.build import Graph, build_graph, exec_preds
from agentlint.graph.estimate import Estimate, estimate, slack
from agentlint.spec.model import Ref, Workflow
from agentlint.spec.tokens import count_tokens, prefix_text

FORMAT = "agentlint-dag"
VERSION = 1


def document(wf: Workflow, est: Estimate | None = None, graph: Graph | None = None
             ) -> dict[str, object]:
    """The export of ``wf`` as a JSON-ready dict (keys in their published order)."""
    g = graph or build_graph(wf)
    est = est or estimate(wf, g)
    rows = est.steps
    length, start, slacks = slack(g, [r.latency_s for r in rows])
    waits = _waits_for(g)
    groups: dict[tuple[str, str], _Group] = {}
    group_of: list[list[str]] = [[] for _ in wf.steps]
    prefix_of: list[int] = [0] * len(wf.steps)
    for step, row in zip(wf.steps, rows, strict=True):
        if step.model is None or step.input_tokens is not None:
            continue
        text = prefix_text(step.system, step.prompt)
        prefix_of[step.index] = count_tokens(text)
        if row.cached_tokens <= 0:  # volatile text too early, or under the providers' minimum
            continue
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        for model in (*row.cascade, step.model):  # a cascade sends the same prompt to each
            group = groups.get((model, digest))
            if group is None:
                group = groups[(model, digest)] = _Group(
                    f"prefix-{len(groups) + 1}", model, digest, row.cached_tokens)
            group.steps.append(step.id)
            group_of[step.index].append(group.id)
    steps = []
    for step, row in zip(wf.steps, rows, strict=True):
        steps.append({
            "id": step.id,
            "kind": step.kind,
            "model": step.model,
            "cascade": list(row.cascade),
            "depends_on": [wf.steps[u].id for u in g.dep_preds[step.index]],
            "waits_for": waits[step.index],
            "reads": _reads(step.refs),
            "runs": row.runs,
            "calls": row.calls,
            "tokens_per_call": {"input": row.input_tokens, "cached_input": row.cached_tokens,
                                "output": row.output_tokens},
            "stable_prefix_tokens": prefix_of[step.index],
            "prefix_groups": group_of[step.index],
            "latency_s": row.latency_s,
            "start_s": start[step.index],
            "slack_s": slacks[step.index],
            "critical": row.critical,
        })
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": wf.name,
        "file": wf.file,
        "execution": wf.execution,
        "cost_usd": est.cost_usd,
        "latency_s": est.latency_s,
        "critical_path_s": length,
        "critical_path": list(est.critical_path),
        "steps": steps,
        "prefix_groups": [group.to_json() for group in groups.values()],
    }


def render(wf: Workflow) -> str:
    """The export as JSON text, ending in a newline: UTF-8, with the line and paragraph
    separators escaped too (JSON allows them raw, but a line-oriented reader splits there)."""
    text = json_text(json.dumps(document(wf), indent=2, ensure_ascii=False))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


class _Group:
    """Calls to one model whose prompts open with the same cacheable text."""

    __slots__ = ("digest", "id", "model", "steps", "tokens")

    def __init__(self, id: str, model: str, digest: str, tokens: float) -> None:
        self.id = id
        self.model = model
        self.digest = digest
        self.tokens = tokens
        self.steps: list[str] = []

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "model": self.model, "prefix_sha256": self.digest,
                "prefix_tokens": self.tokens, "steps": list(self.steps)}


def _reads(refs: list[Ref]) -> list[str]:
    """The step outputs and run inputs a step reads, each once, in the order first read."""
    out: list[str] = []
    for ref in refs:
        name = f"{ref.kind}.{ref.name}"
        if name not in out:
            out.append(name)
    return out


def _waits_for(g: Graph) -> list[list[str]]:
    """Steps a step waits for only because the execution mode orders it after them
    (``sequential``: the group before it), not because it reads or needs them."""
    wf = g.wf
    out: list[list[str]] = [[] for _ in wf.steps]
    if wf.execution != "sequential":
        return out
    preds = exec_preds(g, expected=False)
    for v in range(g.n):
        own = set(g.dep_preds[v])
        seen: list[int] = []
        for b in preds[v]:
            if b < g.n:
                continue
            for u in preds[b]:
                if u < g.n and u not in own and u not in seen:
                    seen.append(u)
        out[v] = [wf.steps[u].id for u in seen]
    return out
