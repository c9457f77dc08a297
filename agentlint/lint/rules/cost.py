"""Cost rules: tokens and dollars spent without need.

Dollar figures are expected values per run from the cost model
(docs/cost-model.md): a step's calls already include its retries, route
share, loop rounds and fan-out copies, so "per run" means what a run costs
on average, the same unit as ``agentlint estimate``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from agentlint.graph.estimate import (
    CACHE_MIN_TOKENS,
    Tokens,
    attempt_figures,
    call_figures,
    multipliers,
    step_tokens,
)
from agentlint.lint.registry import Context, Finding, rule
from agentlint.lint.rules.structure import (
    code,
    input_price,
    model_pos,
    names,
    step_pos,
    tokens,
)
from agentlint.report.numbers import seconds, usd
from agentlint.spec import catalog
from agentlint.spec.model import Model, Step, Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.textpos import locate, text_lines
from agentlint.spec.tokens import count_tokens

# -- cache-defeating-prefix ------------------------------------------------------------

#: Text that differs from call to call: placeholders, timestamps, UUIDs, dates
#: and ids introduced as such. A bare date inside policy text ("since 2024-01-01")
#: is stable and is not matched.
VOLATILE = re.compile(
    r"\{\{.*?\}\}"
    r"|\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    r"|(?i:\b(?:today(?:'s date)?(?: is)?|current date(?: is)?|date|as of|generated (?:on|at)"
    r"|now)\s*:?\s*(?P<date>\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day,? \w+ \d{1,2},? \d{4}"
    r"|[a-z]+ \d{1,2},? \d{4}|\d{1,2} [a-z]+ \d{4}))"
    r"|(?i:\b(?:request|trace|run|session|correlation|conversation)[ _-]?id\s*[:=]\s*"
    r"(?P<id>[\w-]{6,}))",
    re.S)


@dataclass(slots=True)
class _Text:
    """A prompt text and where it lives: an agent's system prompt or a step's field."""

    text: str
    field: str  # "system" or "prompt"
    raw: YMap | None
    owner: str  # "agent:NAME" or "step:ID"
    users: list[Step]


def _prompt_texts(wf: Workflow) -> list[_Text]:
    out: list[_Text] = []
    by_agent: dict[str, list[Step]] = {}
    for step in wf.steps:
        if step.system_from == "agent" and step.agent is not None:
            by_agent.setdefault(step.agent, []).append(step)
        elif step.system:
            out.append(_Text(step.system, "system", step.raw, f"step:{step.id}", [step]))
        if step.prompt:
            out.append(_Text(step.prompt, "prompt", step.raw, f"step:{step.id}", [step]))
    for name, users in by_agent.items():
        agent = wf.agents[name]
        out.append(_Text(agent.system, "system", agent.raw, f"agent:{name}", users))
    return out


def _text_pos(wf: Workflow, raw: YMap | None, field: str, text: str, offset: int
              ) -> tuple[int, int]:
    if raw is None:
        return (1, 1)
    if field in raw:
        return locate(text_lines(wf), raw.value_at(field), text, offset)
    if f"{field}_file" in raw:
        return raw.value_at(f"{field}_file")
    return raw.at()


def _value(m: re.Match[str]) -> tuple[int, str]:
    """Where the changing part of a volatile match starts, and the part itself."""
    for group in ("date", "id"):
        if m.group(group) is not None:
            return m.start(group), m.group(group)
    return m.start(), m.group(0)


def _volatile_free(text: str) -> str:
    return VOLATILE.sub("", text)


def _stable_head(text: str) -> str:
    m = VOLATILE.search(text)
    return text if m is None else text[:m.start()]


def _cached(system: str, prompt: str) -> int:
    """Cacheable prefix tokens, with literal timestamps and ids counted as volatile."""
    prefix = _stable_head(system)
    if len(prefix) == len(system):
        prefix = prefix + "\n" + _stable_head(prompt) if system else _stable_head(prompt)
    size = count_tokens(prefix)
    return size if size >= CACHE_MIN_TOKENS else 0


def _reordered(text: str) -> str:
    """The text with its volatile parts moved to the end."""
    moved = " ".join(m.group(0) for m in VOLATILE.finditer(text))
    return _volatile_free(text).rstrip() + "\n" + moved


def _cache_saving(ctx: Context, item: _Text) -> tuple[float, float]:
    """(most tokens made cacheable in one call, USD per run) if volatile parts move last."""
    wf = ctx.wf
    rows = ctx.estimate.steps
    best = 0.0
    dollars = 0.0
    for step in item.users:
        if step.input_tokens is not None:
            continue
        system, prompt = step.system, step.prompt
        before = _cached(system, prompt)
        if item.field == "system":
            system = _reordered(system)
        else:
            prompt = _reordered(prompt)
        gain = float(_cached(system, prompt) - before)
        if gain <= 0:
            continue
        best = max(best, gain)
        model = wf.model_of(step)
        if model is not None and model.per_call_usd is None:
            cached = model.cached_input_per_mtok
            if cached is None:
                cached = model.input_per_mtok or 0.0
            per_call = gain * ((model.input_per_mtok or 0.0) - cached) / 1e6
            dollars += per_call * rows[step.index].calls
    return best, dollars


@rule("AL201", "cache-defeating-prefix", "warning",
      "Volatile text before a long stable prompt body, so the prefix cache cannot reuse it",
      options={"min_tokens": 256, "min_shared_tokens": 1024})
def cache_defeating_prefix(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A system prompt or prompt where text that changes from call to call
    (``{{ }}`` placeholders, timestamps, UUIDs, dates and ids introduced as
    such: ``Today is 2025-03-14``, ``request_id: 8f3a...``) comes before a long
    stable body (at least ``min_tokens``, default 256), when moving the
    volatile part to the end would give a cacheable prefix (providers cache
    from 1,024 tokens). Reported at the first volatile part, once per prompt
    (an agent's system prompt once for all its steps), with the tokens a
    reorder makes cacheable and the dollars per run.

    Also: agents whose system prompts share at least ``min_shared_tokens``
    (default 1,024) of text behind different openings, so each agent caches
    its own copy of the shared body instead of one prefix serving all.

    Why it costs
    ------------
    Provider prefix caches (OpenAI, Anthropic, Gemini, DeepSeek) match a
    prompt from its first token. One variable near the top makes every call
    a cache miss, and the whole stable body is billed at the full input
    price on every call, often four to ten times the cached price, with a
    longer time to first token. Multi-agent workflows multiply this: the
    same instructions are re-read by every agent on every call.

    Example
    -------
    ```yaml
    agents:
      researcher:
        system: |
          Today is {{ inputs.date }}.
          You are a research analyst ... (1,000 tokens of instructions)
    ```

    Write instead
    -------------
    Stable text first, volatile text last (or in the user prompt):

    ```yaml
    agents:
      researcher:
        system: |
          You are a research analyst ... (1,000 tokens of instructions)
          Today is {{ inputs.date }}.
    ```
    For agents that share a body, put the shared text first and each agent's
    own lines after it.
    """
    wf = ctx.wf
    min_tokens = float(ctx.option("min_tokens"))
    texts = _prompt_texts(wf)
    for item in texts:
        first = VOLATILE.search(item.text)
        if first is None:
            continue
        after = count_tokens(_volatile_free(item.text[first.start():]))
        if after < min_tokens:
            continue
        gain, dollars = _cache_saving(ctx, item)
        if gain <= 0:
            continue
        users = [s.id for s in item.users]
        start, snippet = _value(first)
        where = _text_pos(wf, item.raw, item.field, item.text, start)
        what = "system prompt" if item.field == "system" else "prompt"
        owner = f"agent {code(item.owner[6:])}" if item.owner.startswith("agent:") \
            else code(item.owner[5:])
        used_by = f" (used by {names(users)})" if item.owner.startswith("agent:") else ""
        if len(snippet) > 40:
            snippet = snippet[:37] + "..."
        yield ctx.report(
            f"the {what} of {owner}{used_by} has `{snippet}`, which changes between "
            f"calls, before {tokens(after)} tokens of stable text, so no call can reuse a "
            f"cached prefix; move the volatile part to the end (or into the user prompt) to "
            f"make {tokens(gain)} tokens cacheable"
            + (f": saves {usd(dollars)} per run" if dollars > 0 else
               " (its model has no cheaper cached-input price, but cached prefixes also "
               "cut time to first token)"),
            where, key=f"{item.owner}/{item.field}")
    yield from _shared_bodies(ctx, [t for t in texts if t.field == "system"])


def _shared_bodies(ctx: Context, texts: list[_Text]) -> Iterator[Finding]:
    """System prompts that share lines behind different openings (hash per line)."""
    wf = ctx.wf
    min_shared = float(ctx.option("min_shared_tokens"))
    distinct: dict[str, int] = {}
    owners: list[list[_Text]] = []
    for item in texts:
        k = distinct.setdefault(item.text, len(owners))
        if k == len(owners):
            owners.append([])
        owners[k].append(item)
    if len(owners) < 2:
        return
    occurrences: dict[str, list[tuple[int, int]]] = {}
    for text, k in distinct.items():
        head = 0
        for line in text.splitlines():
            key = " ".join(line.split())
            if key:
                occurrences.setdefault(key, []).append((k, head))
                head = hash((head, key))
    shared = [0.0] * len(owners)
    parent = list(range(len(owners)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for line, occ in occurrences.items():
        if len({k for k, _ in occ}) < 2 or len({h for _, h in occ}) < 2:
            continue  # one prompt only, or part of a prefix they all share
        size = count_tokens(line)
        first = occ[0][0]
        for k, _ in occ:
            shared[k] += size
            parent[find(k)] = find(first)
    clusters: dict[int, list[int]] = {}
    for k in range(len(owners)):
        if shared[k] >= min_shared:
            clusters.setdefault(find(k), []).append(k)
    for members in clusters.values():
        if len(members) < 2:
            continue
        size = min(shared[k] for k in members)
        items = [item for k in members for item in owners[k]]
        labels = [item.owner.split(":", 1)[1] for item in items]
        lead = items[0]
        cold = 0.0
        for item in items[1:]:
            model = wf.model_of(item.users[0])
            if model is not None and model.per_call_usd is None:
                cached = model.cached_input_per_mtok or 0.0
                cold += size * ((model.input_per_mtok or 0.0) - cached) / 1e6
        kind = "agents" if all(i.owner.startswith("agent:") for i in items) else "steps"
        yield ctx.report(
            f"the system prompts of {kind} {names(labels)} share {tokens(size)} tokens of "
            "text behind different openings, so each caches its own copy; put the shared "
            f"text first and each one's own lines last so one cached prefix serves all "
            f"{len(items)} ({tokens(size * (len(items) - 1))} tokens fewer to cache, up to "
            f"{usd(cold)} per run when the cache has expired)",
            _text_pos(wf, lead.raw, "system", lead.text, 0),
            key=f"{lead.owner}/system")


# -- premium-on-trivial-step ------------------------------------------------------------

#: A prompt that asks to fill a template or convert format: mechanical work.
FORMAT_CUE = re.compile(
    r"(?i)\bfill (?:in|out)\b[^.\n]{0,60}\btemplate\b|\breformat\b|\bre-format\b"
    r"|\boutput (?:markdown|json|yaml|csv) only\b"
    r"|\bconvert\b[^.\n]{0,60}\b(?:into|to) (?:json|markdown|yaml|csv|a table)\b")


def _catalog_model(name: str) -> Model | None:
    entry = catalog.entry(name)
    if entry is None:
        return None
    model = Model(name=name, base=catalog.resolve(name), provider=entry.get("provider"))
    for key in catalog.PRICE_FIELDS:
        if key in entry:
            setattr(model, key, entry[key])
    if model.cached_input_per_mtok is None:
        model.cached_input_per_mtok = model.input_per_mtok
    priced = model.per_call_usd is not None or (
        model.input_per_mtok is not None and model.output_per_mtok is not None)
    timed = model.per_call_s is not None or (
        model.ttft_s is not None and model.tokens_per_s is not None)
    return model if priced and timed else None


def _cost_on(ctx: Context, step: Step, model: Model) -> float:
    wf = ctx.wf
    c, t, p = call_figures(wf, step, model, step_tokens(wf, step))
    f = attempt_figures(c, t, p, step.calls, step.retries, step.cache_hit_rate)
    return multipliers(ctx.graph, step.index).cost(f)


def _trivial(wf: Workflow, step: Step, max_output: float) -> str | None:
    if step.kind == "router":
        return "to route"
    if step.kind == "validator":
        return "to check another step's output"
    if step.kind != "llm":
        return None
    if step.output_tokens <= max_output:
        return f"to write {tokens(step.output_tokens)} tokens"
    if not step.input_refs() and step.step_refs() and (
            FORMAT_CUE.search(step.system) or FORMAT_CUE.search(step.prompt)):
        return "to fill a template from earlier outputs"
    return None


@rule("AL202", "premium-on-trivial-step", "warning",
      "A premium model on a step a small model does as well",
      options={"premium_output_per_mtok": 8.0, "max_output_tokens": 32,
               "cheap_model": ""})
def premium_on_trivial_step(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A step on a premium model (output price at least
    ``premium_output_per_mtok``, default 8 USD per million tokens) whose job
    is trivial: a router, a validator, a step that writes at most
    ``max_output_tokens`` (default 32: a label, a code, a yes/no), or a step
    that only fills a template or converts the format of earlier outputs.
    The message names a cheaper model and the dollars per run it saves: the
    configured ``cheap_model``, else the cheapest non-premium model declared
    in the spec (the provider's own first), else the built-in catalog's
    cheapest of the same provider.

    Why it costs
    ------------
    Premium models cost ten to fifty times as much as small ones, and on a
    short answer most of the price is the input they read, the whole
    document, at the premium rate. A classifier, a language tag or a template
    fill does not get better on a bigger model; it only gets slower to start.

    Example
    -------
    ```yaml
      - id: detect_language
        model: gpt-4o
        prompt: "{{ steps.clean.output }}"
        output_tokens: 4
    ```

    Write instead
    -------------
    ```yaml
      - id: detect_language
        model: gpt-4o-mini
        prompt: "{{ steps.clean.output }}"
        output_tokens: 4
    ```
    Or list both in ``candidates`` and let ``agentlint optimize`` choose.
    """
    wf = ctx.wf
    threshold = float(ctx.option("premium_output_per_mtok"))
    max_output = float(ctx.option("max_output_tokens"))
    configured = str(ctx.option("cheap_model") or "")
    rows = ctx.estimate.steps
    declared = [m for m in wf.models.values()
                if m.declared and m.output_price < threshold]
    for step in wf.steps:
        model = wf.model_of(step)
        if model is None or model.output_price < threshold:
            continue
        why = _trivial(wf, step, max_output)
        if why is None:
            continue
        options = _alternatives(wf, model, declared, configured, threshold)
        now = rows[step.index].cost_usd
        priced = [(_cost_on(ctx, step, m), m) for m in options]
        best = min(priced, key=lambda x: x[0], default=None)
        base = f" ({model.base})" if model.base and model.base != model.name else ""
        msg = (f"{code(step.id)} runs on premium model {code(model.name)}{base}, "
               f"${model.output_price:g}/Mtok output, {why}")
        if best is not None:
            after, cheap = best
            if after < now:
                msg += (f"; a small model does this as well: on {code(cheap.name)} it costs "
                        f"{usd(after)} instead of {usd(now)} per run (saves "
                        f"{usd(now - after)}, {(now - after) / now * 100:.0f} %)")
            else:
                msg += "; move it to a smaller model"
        else:
            msg += "; move it to a smaller model"
        yield ctx.report(msg, model_pos(wf, step), key=f"step:{step.id}/model")


def _alternatives(wf: Workflow, model: Model, declared: list[Model], configured: str,
                  threshold: float) -> list[Model]:
    if configured:
        chosen = wf.models.get(configured) or _catalog_model(configured)
        return [chosen] if chosen is not None else []
    same = [m for m in declared if model.provider and m.provider == model.provider]
    if same:
        return same
    if declared:
        return declared
    if not model.provider:
        return []
    data = catalog.catalog()["models"]
    out = []
    for name, entry in data.items():
        if entry.get("provider") != model.provider:
            continue
        candidate = _catalog_model(name)
        if candidate is not None and candidate.output_price < threshold:
            out.append(candidate)
    return out


# -- repeated-context ------------------------------------------------------------------


@rule("AL203", "repeated-context", "warning",
      "The same large input or output fed to many steps",
      options={"min_readers": 3, "min_tokens": 2000})
def repeated_context(ctx: Context) -> Iterator[Finding]:
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
      - id: classify
        prompt: "{{ steps.clean.output }}"       # 3,800 tokens
      - id: extract_parties
        prompt: "{{ steps.clean.output }}"
      - id: extract_terms
        prompt: "{{ steps.clean.output }}"
    ```

    Write instead
    -------------
    Give each step only what it needs (the first page, an extract, a
    summary), merge the readers into one call that returns all fields, or
    run them on one model with the shared text first in the prompt so the
    prefix cache serves it.
    """
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
    for (ns, name), every in readers.items():
        # Readers that pay for the tokens, counted by how often they run: the
        # alternatives of a router are one reader, not several.
        who = [i for i in every if wf.steps[i].uses_model]
        if sum(g.weight[i] for i in who) < min_readers - 1e-9:
            continue
        if ns == "inputs":
            size = wf.inputs[name].tokens
            where = _input_pos(wf, name)
            label = f"input `{name}`"
        else:
            src = wf.step(name)
            size = src.output_tokens * src.fan_out
            where = step_pos(src)
            label = f"the output of {code(name)}"
        if size < min_tokens:
            continue
        reads = sum(rows[i].calls for i in who)
        dollars = sum(size * input_price(wf.model_of(wf.steps[i])) * rows[i].calls / 1e6
                      for i in who)
        yield ctx.report(
            f"{label} ({tokens(size)} tokens) is fed in full to {len(who)} steps "
            f"({names([wf.steps[i].id for i in who])}): {reads:.1f} reads per run, "
            f"{tokens(size * reads)} input tokens and {usd(dollars)}; give each step only "
            "the part it needs, or merge the readers into one call",
            where, key=f"{ns}:{name}")
    yield from _same_context_readers(ctx, readers, min_readers, min_tokens)


def _same_context_readers(ctx: Context, readers: dict[tuple[str, str], list[int]],
                          min_readers: int, min_tokens: float) -> Iterator[Finding]:
    """Many steps re-reading the same small run inputs, which add up to a large context.

    Eight evaluators that each read the question, the answer and the context
    re-feed the same couple of thousand tokens eight times, although no single
    source reaches ``min_tokens``. Sources read by ``min_readers`` steps or more
    are pooled; steps that read at least half of ``min_tokens`` from the pool
    are reported together, once, when what they re-read beyond the first
    reader reaches ``min_tokens``. One pass over the references: linear.
    """
    wf = ctx.wf

    def size_of(source: tuple[str, str]) -> float:
        ns, name = source
        if ns == "inputs":
            return wf.inputs[name].tokens
        src = wf.step(name)
        return src.output_tokens * src.fan_out

    g = ctx.graph
    # Model calls on the main line only: alternatives of a router never run
    # together, and a router passing the input on to its workers is the point.
    readers = {s: [i for i in who if wf.steps[i].model is not None
                   and wf.steps[i].kind != "router" and g.branch[i] is None]
               for s, who in readers.items()}
    # Run inputs only: every reader gets the very same text. Step outputs differ
    # from step to step and are judged one by one above.
    pool = {s: size_of(s) for s, who in readers.items()
            if s[0] == "inputs" and len(who) >= min_readers and size_of(s) < min_tokens}
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
    yield ctx.report(
        f"{len(who)} steps ({names([wf.steps[i].id for i in who])}) each re-read the same "
        f"{', '.join(labels)} ({span} tokens per step): {tokens(tokens_per_run)} input "
        f"tokens and {usd(dollars)} per run; merge the steps on one model into one call that "
        "returns every answer, or put the shared text first so the prefix cache serves it",
        step_pos(first), key=f"step:{first.id}/context")


def _input_pos(wf: Workflow, name: str) -> tuple[int, int]:
    raw = wf.raw.get("inputs") if wf.raw is not None else None
    if raw is not None and name in raw:
        return raw.key_at(name)
    return wf.inputs[name].at()


# -- debate-without-early-stop ---------------------------------------------------------


@rule("AL204", "debate-without-early-stop", "warning",
      "A loop of several model steps with no `until`, so every run pays for every round")
def debate_without_early_stop(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A bounded loop whose body has two or more steps that call a model (a
    debate, a critique-and-revise cycle) and no ``until`` condition. Reported
    at the loop, with what each round costs and what an early stop saves
    (with ``until`` the estimate expects half the rounds, rounded up).
    Unbounded loops are reported by ``unbounded-loop`` instead.

    Why it costs
    ------------
    Without an exit condition every run goes through every round, including
    the rounds after the agents have converged, which in practice is most of
    them: debates and critique loops usually settle in one or two rounds.
    Each extra round re-reads the whole growing transcript.

    Example
    -------
    ```yaml
    loops:
      - id: rounds
        steps: [argue_for, argue_against, judge_round]
        max_iterations: 4
    ```

    Write instead
    -------------
    ```yaml
    loops:
      - id: rounds
        steps: [argue_for, argue_against, judge_round]
        max_iterations: 4
        until: "{{ steps.judge_round.output }} starts with SETTLED"
    ```
    """
    wf = ctx.wf
    rows = ctx.estimate.steps
    for loop in wf.loops:
        if loop.until or loop.max_iterations is None:
            continue
        body = [wf.step(s) for s in loop.steps]
        llm = [s for s in body if s.uses_model]
        if len(llm) < 2:
            continue
        rounds = loop.expected_iterations or 1.0
        per_round = sum(rows[s.index].cost_usd for s in body) / rounds
        bound = loop.max_iterations
        early = math.ceil(bound / 2)
        yield ctx.report(
            f"loop {code(loop.id)} runs {names([s.id for s in llm])} for all {bound} rounds "
            f"on every run ({usd(per_round)} per round, {usd(per_round * rounds)} per run): "
            f"it has no `until`; stop when a judge's verdict settles it (expected "
            f"{early} rounds: saves about {usd(per_round * (rounds - early))} per run)",
            loop.at("id"), key=f"loop:{loop.id}")


# -- validator-regenerates -------------------------------------------------------------


@rule("AL205", "validator-regenerates", "warning",
      "A validator that writes as much as the output it checks",
      options={"ratio": 0.5, "verdict_tokens": 60})
def validator_regenerates(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A ``kind: validator`` step whose ``output_tokens`` are at least ``ratio``
    (default 0.5) of the output of the model step it checks: it rewrites the
    answer rather than judging it. The message gives the dollars and seconds
    a verdict of ``verdict_tokens`` (default 60) would save.

    Why it costs
    ------------
    A critique ("PASS", or "FAIL: the second claim has no source") costs a
    few dozen output tokens; a regenerated answer costs as much as the
    original, doubles the decode time on the critical path, and leaves you
    with two answers and no reason to prefer either.

    Example
    -------
    ```yaml
      - id: check
        kind: validator
        prompt: "Improve this answer: {{ steps.answer.output }}"
        output_tokens: 600               # answer writes 700
    ```

    Write instead
    -------------
    ```yaml
      - id: check
        kind: validator
        system: Answer PASS, or FAIL and the unsupported claims. Do not rewrite.
        prompt: "{{ steps.answer.output }}"
        output_tokens: 60
    ```
    """
    wf, g = ctx.wf, ctx.graph
    ratio = float(ctx.option("ratio"))
    verdict = float(ctx.option("verdict_tokens"))
    rows = ctx.estimate.steps
    for step in wf.steps:
        if step.kind != "validator" or step.model is None:
            continue
        checked = [wf.steps[p] for p in g.data_preds[step.index] if wf.steps[p].uses_model]
        if not checked:
            continue
        target = max(checked, key=lambda s: s.output_tokens * s.fan_out)
        size = target.output_tokens * target.fan_out
        if size <= 0 or step.output_tokens < ratio * size or step.output_tokens <= verdict:
            continue
        tk = step_tokens(wf, step)
        c, t, p = call_figures(wf, step, wf.model_of(step), Tokens(tk.input, tk.cached, verdict))
        f = attempt_figures(c, t, p, step.calls, step.retries, step.cache_hit_rate)
        m = multipliers(g, step.index)
        row = rows[step.index]
        yield ctx.report(
            f"validator {code(step.id)} writes {tokens(step.output_tokens)} tokens to check "
            f"{code(target.id)}'s {tokens(size)}: it regenerates instead of critiquing; "
            f"return a verdict (PASS, or FAIL and the problems) in about {tokens(verdict)} "
            f"tokens: saves {usd(row.cost_usd - m.cost(f))} and "
            f"{seconds(row.latency_s - m.time(f))} per run",
            step_pos(step, "output_tokens"), key=f"step:{step.id}/output_tokens")


# -- orchestration-overhead ------------------------------------------------------------

OVERHEAD_KINDS = ("router", "orchestrator", "aggregate")


@rule("AL206", "orchestration-overhead", "warning",
      "Coordination steps take a large share of the run's cost or tokens",
      options={"max_share": 0.3})
def orchestration_overhead(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    Workflows where the coordination steps (``router``, ``orchestrator`` and
    ``aggregate`` steps that call a model) take more than ``max_share``
    (default 30 %) of the expected cost of a run. Reported once, at the
    costliest coordination step, with the shares of cost, tokens and critical
    path. (Tokens alone do not count: a router on a small model reads the same
    request its workers read, which is right, and costs little.)

    Why it costs
    ------------
    Coordination does no user-visible work: a planner that re-reads the whole
    repository map every round, a merge step between workers and the next
    plan, a router in front of every call. When it costs as much as the work
    it coordinates, the decomposition is paying for itself twice, and it
    sits on the critical path before any worker can start.

    Example
    -------
    A premium orchestrator that reads 4,000 tokens of context and plans every
    round for six cheap workers: over half of each run's cost is planning.

    ```yaml
      - id: plan
        kind: orchestrator
        model: claude-sonnet-4-5
        prompt: "{{ inputs.request }} {{ inputs.repo_map }}"   # 4,300 tokens
        output_tokens: 500
      - id: upgrade
        model: gpt-4.1-mini
        prompt: "{{ steps.plan.output }}"
        fan_out: {count: 6, max_concurrency: 3}
    loops:
      - {id: rounds, steps: [plan, upgrade], max_iterations: 3}
    ```

    Write instead
    -------------
    Plan with a cheaper model, plan once for all rounds and let later rounds
    read only what changed, let workers read the request directly instead
    of a plan that restates it, or fold the merge into the last worker.
    """
    wf = ctx.wf
    est = ctx.estimate
    limit = float(ctx.option("max_share"))
    total_cost = est.cost_usd
    total_tokens = sum((r.input_tokens + r.output_tokens) * r.calls for r in est.steps)
    over = [s for s in wf.steps if s.kind in OVERHEAD_KINDS and s.uses_model]
    if not over or total_cost <= 0 or total_tokens <= 0:
        return
    rows = est.steps
    cost = sum(rows[s.index].cost_usd for s in over)
    toks = sum((rows[s.index].input_tokens + rows[s.index].output_tokens) * rows[s.index].calls
               for s in over)
    cost_share, token_share = cost / total_cost, toks / total_tokens
    if cost_share <= limit:
        return
    critical = set(est.critical_path)
    path_time = sum(rows[s.index].latency_s for s in over if s.id in critical)
    out = sum(rows[s.index].output_tokens * rows[s.index].calls for s in over)
    lead = max(over, key=lambda s: rows[s.index].cost_usd)
    path = f" and {path_time / est.latency_s * 100:.0f} % of the critical path " \
        f"({seconds(path_time)})" if est.latency_s > 0 and path_time > 0 else ""
    yield ctx.report(
        f"coordination steps {names([s.id for s in over])} take {cost_share * 100:.0f} % of "
        f"the expected cost ({usd(cost)} of {usd(total_cost)} per run), "
        f"{token_share * 100:.0f} % of the tokens{path}, for {tokens(out)} tokens of output "
        f"per run (limit {limit * 100:.0f} %); plan with a cheaper model, plan once instead "
        "of every round, or let workers read the request directly",
        step_pos(lead, "kind"), key=f"step:{lead.id}/kind")


# -- context-window-overflow -----------------------------------------------------------


@rule("AL207", "context-window-overflow", "error",
      "A step's input is larger than its model's context window")
def context_window_overflow(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A step whose estimated input tokens (system prompt, prompt, the inputs
    and outputs it reads, every fan-out copy of them) exceed the
    ``context_window`` of its model (given in ``models:`` or taken from the
    built-in catalog).

    Why it costs
    ------------
    The call fails, or the framework silently truncates the input and the
    model answers from part of it. Either way every run pays for a call that
    cannot do its job, and retries fail the same way.

    Example
    -------
    ```yaml
      - id: summarise_all
        model: gpt-4o                   # 128,000-token window
        prompt: "{{ steps.fetch_all.output }}"   # fan_out 40 x 4,000 tokens
    ```

    Write instead
    -------------
    Summarise in stages (map, then reduce), pass only the relevant part, or
    use a model with a larger window.
    """
    wf = ctx.wf
    rows = ctx.estimate.steps
    for step in wf.steps:
        model = wf.model_of(step)
        if model is None or not model.context_window:
            continue
        size = rows[step.index].input_tokens
        if size <= model.context_window:
            continue
        yield ctx.report(
            f"{code(step.id)} reads about {tokens(size)} input tokens but {code(model.name)} "
            f"takes at most {tokens(model.context_window)}: the call fails or is truncated; "
            "pass only the part it needs, summarise in stages, or use a model with a larger "
            "context window",
            model_pos(wf, step), key=f"step:{step.id}/model")
