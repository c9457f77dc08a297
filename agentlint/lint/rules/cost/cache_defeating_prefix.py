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
The date opens a system prompt of 1,000 stable tokens, so no call ever hits the cache:

```yaml
agentlint: 1
name: company-research
inputs:
  date: {tokens: 10}
  question: {tokens: 200}
  sources: {tokens: 6000}
agents:
  researcher:
    model: gpt-4o
    system: |                    # the date comes first
      Today is {{ inputs.date }}.
      You are a research analyst for an investment team. You answer one question
      per request about a listed company, using only the sources the user gives.

      Sources. Read every source before you answer. Prefer primary sources (annual
      and quarterly reports, regulatory filings, earnings call transcripts, press
      releases of the company itself) over secondary ones (news articles, analyst
      notes, blog posts). When two sources disagree, say so, name both, and prefer
      the more recent primary source. Never use a source that is not in the request,
      and never rely on what you remember about the company: it may be out of date.

      Figures. Quote every figure with its unit, currency, period and source, for
      example "revenue of EUR 4.2 bn in fiscal 2024 (annual report, p. 37)". Do not
      convert currencies unless asked; if you do, give the rate and its date. Round
      only at the end of a calculation and show the calculation in one line. Mark
      estimates as estimates. If a figure the question needs is not in the sources,
      say that it is missing rather than estimating it from memory.

      Structure. Start with a direct answer in at most three sentences. Then give
      the evidence as a short list, one point per source, most important first.
      End with a section called "Open questions" that lists what the sources do not
      settle and which document would settle it. Use plain headings and plain
      lists; no tables unless the user asks for one, no emphasis, no emoji.

      Tone. Write for a portfolio manager who reads fast and knows the industry.
      Be precise and neutral. Do not recommend buying or selling, do not give price
      targets, and do not speculate about future share prices. Avoid adjectives
      that judge ("strong", "disappointing") unless a source uses them, and then
      quote the source. Keep the whole answer under 400 words unless the question
      asks for a comparison of several companies or periods.

      Risks and compliance. Flag any statement in the sources that may be material
      non-public information, and stop with a note to compliance if you find one.
      Do not name individual employees other than board members and executives who
      are named in public filings. Do not repeat personal data about customers or
      suppliers. If the question asks for legal or tax advice, say that you cannot
      give it and suggest which specialist to ask.

      Quality checks before you answer. Check that every figure has a source, that
      every period is stated, that the direct answer is supported by the evidence
      list, and that nothing in the answer contradicts a source. If you had to
      choose between sources, say which and why. If the question is ambiguous, state
      the reading you chose in one sentence at the top.

      Comparisons. When the question compares companies, use the same period and
      the same definition for each; if their fiscal years differ, say so and align
      them to the nearest quarter. Compare reported figures with reported figures
      and adjusted with adjusted, and name the adjustments each company makes.
      When a company restated a figure, use the restated one and say so.

      Segments and geography. Report segment figures as the company defines its
      segments; do not regroup them. When the question is about a region, check
      whether the company reports by customer location or by entity location, and
      say which. Note changes of segment definitions between periods.

      Guidance. Quote management guidance verbatim with its date, and say whether
      it was raised, lowered or kept since the previous statement. Do not turn a
      range into a midpoint. Keep guidance apart from what was reported.

      Format of citations. Cite as (document, page) or (document, section) after
      the sentence that uses it. For transcripts, cite the speaker and the part of
      the call (prepared remarks or questions). For news, cite outlet and date.

      Follow-ups. If the user asks a follow-up, answer it from the same sources
      unless new ones are given, and say which earlier point it changes, if any.
      Never invent a source, a page number or a quotation; if you cannot find the
      place a claim comes from, drop the claim. Reply in the user's language.

      Length. If the sources are too long to read in full, say which parts you
      read and which you skipped, and why; never answer from a part you skipped.
steps:
  - id: research
    agent: researcher
    prompt: "{{ inputs.question }} {{ inputs.sources }}"
    output_tokens: 600
```

Write instead
-------------
Stable text first, volatile text last (or in the user prompt):

```yaml
agentlint: 1
name: company-research
inputs:
  date: {tokens: 10}
  question: {tokens: 200}
  sources: {tokens: 6000}
agents:
  researcher:
    model: gpt-4o
    system: |                    # the date comes last
      You are a research analyst for an investment team. You answer one question
      per request about a listed company, using only the sources the user gives.

      Sources. Read every source before you answer. Prefer primary sources (annual
      and quarterly reports, regulatory filings, earnings call transcripts, press
      releases of the company itself) over secondary ones (news articles, analyst
      notes, blog posts). When two sources disagree, say so, name both, and prefer
      the more recent primary source. Never use a source that is not in the request,
      and never rely on what you remember about the company: it may be out of date.

      Figures. Quote every figure with its unit, currency, period and source, for
      example "revenue of EUR 4.2 bn in fiscal 2024 (annual report, p. 37)". Do not
      convert currencies unless asked; if you do, give the rate and its date. Round
      only at the end of a calculation and show the calculation in one line. Mark
      estimates as estimates. If a figure the question needs is not in the sources,
      say that it is missing rather than estimating it from memory.

      Structure. Start with a direct answer in at most three sentences. Then give
      the evidence as a short list, one point per source, most important first.
      End with a section called "Open questions" that lists what the sources do not
      settle and which document would settle it. Use plain headings and plain
      lists; no tables unless the user asks for one, no emphasis, no emoji.

      Tone. Write for a portfolio manager who reads fast and knows the industry.
      Be precise and neutral. Do not recommend buying or selling, do not give price
      targets, and do not speculate about future share prices. Avoid adjectives
      that judge ("strong", "disappointing") unless a source uses them, and then
      quote the source. Keep the whole answer under 400 words unless the question
      asks for a comparison of several companies or periods.

      Risks and compliance. Flag any statement in the sources that may be material
      non-public information, and stop with a note to compliance if you find one.
      Do not name individual employees other than board members and executives who
      are named in public filings. Do not repeat personal data about customers or
      suppliers. If the question asks for legal or tax advice, say that you cannot
      give it and suggest which specialist to ask.

      Quality checks before you answer. Check that every figure has a source, that
      every period is stated, that the direct answer is supported by the evidence
      list, and that nothing in the answer contradicts a source. If you had to
      choose between sources, say which and why. If the question is ambiguous, state
      the reading you chose in one sentence at the top.

      Comparisons. When the question compares companies, use the same period and
      the same definition for each; if their fiscal years differ, say so and align
      them to the nearest quarter. Compare reported figures with reported figures
      and adjusted with adjusted, and name the adjustments each company makes.
      When a company restated a figure, use the restated one and say so.

      Segments and geography. Report segment figures as the company defines its
      segments; do not regroup them. When the question is about a region, check
      whether the company reports by customer location or by entity location, and
      say which. Note changes of segment definitions between periods.

      Guidance. Quote management guidance verbatim with its date, and say whether
      it was raised, lowered or kept since the previous statement. Do not turn a
      range into a midpoint. Keep guidance apart from what was reported.

      Format of citations. Cite as (document, page) or (document, section) after
      the sentence that uses it. For transcripts, cite the speaker and the part of
      the call (prepared remarks or questions). For news, cite outlet and date.

      Follow-ups. If the user asks a follow-up, answer it from the same sources
      unless new ones are given, and say which earlier point it changes, if any.
      Never invent a source, a page number or a quotation; if you cannot find the
      place a claim comes from, drop the claim. Reply in the user's language.

      Length. If the sources are too long to read in full, say which parts you
      read and which you skipped, and why; never answer from a part you skipped.
      Today is {{ inputs.date }}.
steps:
  - id: research
    agent: researcher
    prompt: "{{ inputs.question }} {{ inputs.sources }}"
    output_tokens: 600
```
For agents that share a body, put the shared text first and each agent's
own lines after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from agentlint.graph.estimate import (
    CACHE_MIN_TOKENS,
)
from agentlint.lint.facts import cache_discount, code, names, text_pos, tokens
from agentlint.lint.fix import UNSAFE, Fix, from_edits
from agentlint.lint.registry import Context
from agentlint.spec.model import Step, Workflow
from agentlint.spec.positions import YMap
from agentlint.spec.tokens import count_tokens
from agentlint.units import usd

CODE = "AL201"
NAME = "cache-defeating-prefix"
SEVERITY = "warning"
SUMMARY = "Volatile text before a long stable prompt body, so the prefix cache cannot reuse it"
FIX = ("unsafe",
       "moves the lines holding volatile text to the end of the `|` block they are in "
       "(the model reads the same lines in another order)")
OPTIONS = {"min_tokens": 256, "min_shared_tokens": 1024}


#: Text that differs from call to call: placeholders, timestamps, UUIDs, dates
#: and ids introduced as such. A bare date inside policy text ("since 2024-01-01")
#: is stable and is not matched.
_LITERALS = (
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    r"|(?i:\b(?:today(?:'s date)?(?: is)?|current date(?: is)?|date|as of|generated (?:on|at)"
    r"|now)\s*+:?\s*+(?P<date>\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day,? \w+ \d{1,2},? \d{4}"
    r"|[a-z]+ \d{1,2},? \d{4}|\d{1,2} [a-z]+ \d{4}))"
    r"|(?i:\b(?:request|trace|run|session|correlation|conversation)[ _-]?id\s*[:=]\s*"
    r"(?P<id>[\w-]{6,}))")


class _Volatile:
    """The matches of ``\\{\\{.*?\\}\\}|LITERALS`` (dot matching newlines), in time
    linear in the text.

    That expression retries every ``{{`` against the rest of the text, so a
    prompt of unclosed ``{{`` took quadratic time. Every ``{{`` before the last
    ``}}`` closes, so only there are placeholders looked for, each ``{{`` found
    with ``str.find`` and matched where it is; the literals are looked for
    between them and after. No literal holds a brace, so none can overlap a
    placeholder: the matches are the whole expression's. The literals are
    compiled once (a long pattern costs a one-file lint millions of
    instructions to compile).
    """

    literals = re.compile(_LITERALS, re.S)
    #: a placeholder, with the literals' groups (never set): every match has them
    placeholder = re.compile(r"\{\{.*?\}\}(?:(?P<date>)(?P<id>)(?!))?", re.S)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        last = text.rfind("}}")
        cut = last + 2 if last >= 0 else 0
        pos = 0
        while (start := text.find("{{", pos, cut)) >= 0:
            yield from self.literals.finditer(text, pos, start)
            found = self.placeholder.match(text, start)
            assert found is not None  # a "}}" follows every "{{" before the cut
            yield found
            pos = found.end()
        yield from self.literals.finditer(text, pos)

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)

    def sub(self, repl: str, text: str) -> str:
        out: list[str] = []
        last = 0
        for m in self.finditer(text):
            out += (text[last:m.start()], repl)
            last = m.end()
        out.append(text[last:])
        return "".join(out)


#: Text that differs from call to call: placeholders, timestamps, UUIDs, dates
#: and ids introduced as such. A bare date inside policy text ("since 2024-01-01")
#: is stable and is not matched.
VOLATILE = _Volatile()


class _Text:
    """A prompt text and where it lives: an agent's system prompt or a step's field.

    A plain class: a dataclass's generated methods cost more to create at every
    start than this record is worth.
    """

    __slots__ = ("field", "owner", "raw", "text", "users")

    def __init__(self, text: str, field: str, raw: YMap | None, owner: str,
                 users: list[Step]) -> None:
        self.text = text
        self.field = field  # "system" or "prompt"
        self.raw = raw
        self.owner = owner  # "agent:NAME" or "step:ID"
        self.users = users


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


def _value(m: re.Match[str]) -> tuple[int, str]:
    """Where the changing part of a volatile match starts, and the part itself."""
    for group in ("date", "id"):
        if m.group(group) is not None:
            return m.start(group), m.group(group)
    return m.start(), m.group(0)


@lru_cache(maxsize=16)  # a prompt file thousands of steps share: once
def _first_volatile(text: str) -> re.Match[str] | None:
    return VOLATILE.search(text)


@lru_cache(maxsize=16)  # a prompt file thousands of steps share: once
def _tokens_after(text: str, start: int) -> int:
    return count_tokens(_volatile_free(text[start:]))


@lru_cache(maxsize=16)  # a prompt file thousands of steps share: once
def _volatile_free(text: str) -> str:
    return VOLATILE.sub("", text)


@lru_cache(maxsize=16)  # a prompt file thousands of steps share: once
def _stable_head(text: str) -> str:
    m = VOLATILE.search(text)
    return text if m is None else text[:m.start()]


@lru_cache(maxsize=16)  # a prompt file thousands of steps share: once
def _cached(system: str, prompt: str) -> int:
    """Cacheable prefix tokens, with literal timestamps and ids counted as volatile."""
    prefix = _stable_head(system)
    if len(prefix) == len(system):
        prefix = prefix + "\n" + _stable_head(prompt) if system else _stable_head(prompt)
    size = count_tokens(prefix)
    return size if size >= CACHE_MIN_TOKENS else 0


@lru_cache(maxsize=16)  # a prompt file thousands of steps share: once
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
        dollars += gain * cache_discount(wf.model_of(step)) / 1e6 * rows[step.index].calls
    return best, dollars


def check(ctx: Context) -> None:
    wf = ctx.wf
    min_tokens = float(ctx.option("min_tokens"))
    texts = _prompt_texts(wf)
    for item in texts:
        first = _first_volatile(item.text)
        if first is None:
            continue
        after = _tokens_after(item.text, first.start())
        if after < min_tokens:
            continue
        gain, dollars = _cache_saving(ctx, item)
        if gain <= 0:
            continue
        users = [s.id for s in item.users]
        start, snippet = _value(first)
        where = text_pos(wf, item.raw, item.field, item.text, start)
        what = "system prompt" if item.field == "system" else "prompt"
        owner = f"agent {code(item.owner[6:])}" if item.owner.startswith("agent:") \
            else code(item.owner[5:])
        used_by = f" (used by {names(users)})" if item.owner.startswith("agent:") else ""
        if len(snippet) > 40:
            snippet = snippet[:37] + "..."
        ctx.report(
            f"the {what} of {owner}{used_by} has `{snippet}`, which changes between "
            f"calls, before {tokens(after)} tokens of stable text, so no call can reuse a "
            f"cached prefix; move the volatile part to the end (or into the user prompt) to "
            f"make {tokens(gain)} tokens cacheable"
            + (f": saves {usd(dollars)} per run" if dollars > 0 else
               " (its model has no cheaper cached-input price, but cached prefixes also "
               "cut time to first token)"),
            where, key=f"{item.owner}/{item.field}", fix=_move_fix(ctx, item))
    _shared_bodies(ctx, [t for t in texts if t.field == "system"])


def _move_fix(ctx: Context, item: _Text) -> Fix | None:
    """Move the lines holding volatile text to the end of a ``|`` block.

    Unsafe: the model reads the same lines in another order, and a prompt's order
    can change its answers. Offered when every volatile part sits on one line of a
    literal block and the moved block reads back as the same lines.
    """
    if not ctx.native or item.raw is None:
        return None
    spec = ctx.spec_text
    raw, key = item.raw, item.field
    if spec.field_lines(raw, key) is None or spec.char(raw.value_at(key)) != "|":
        return None
    kline, last = spec.key_extent(raw, key)
    body = spec.lines[kline:last]
    moving = [line for line in body if VOLATILE.search(line)]
    whole = [m.group(0) for m in VOLATILE.finditer(item.text)]
    if not moving or [m.group(0) for line in moving for m in VOLATILE.finditer(line)] != whole:
        return None  # a part spans lines, or is not where the text says
    rest = [line for line in body if not VOLATILE.search(line)]
    trimmed = rest
    while trimmed and not trimmed[0].strip():
        trimmed = trimmed[1:]
    new_body = trimmed + ([""] if len(trimmed) < len(rest) else []) + moving
    if new_body == body or not _same_lines(spec.lines[kline - 1], body, new_body,
                                           raw.key_at(key)[1], item.text):
        return None
    edits = spec.edits()
    edits.delete(kline + 1, last)
    edits.insert_after(last, new_body)
    what = "system prompt" if key == "system" else "prompt"
    return from_edits(edits, f"move the volatile lines of the {what} to its end", UNSAFE)


def _same_lines(key_line: str, body: list[str], new_body: list[str], col: int,
                text: str) -> bool:
    """The block with ``new_body`` reads back as the text's own non-blank lines."""
    import yaml

    # libyaml's safe loader, as the spec itself is read: PyYAML's own scanner is pure
    # Python and took most of a one-file lint whose prompt had this fix
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def read(lines: list[str]) -> str | None:
        src = "\n".join([key_line[col - 1:], *(line[col - 1:] for line in lines)]) + "\n"
        try:
            doc = yaml.load(src, Loader=loader)
        except yaml.YAMLError:
            return None
        value = next(iter(doc.values())) if isinstance(doc, dict) and len(doc) == 1 else None
        return value if isinstance(value, str) else None

    old, new = read(body), read(new_body)
    if old is None or new is None or old != text:
        return False
    return sorted(x for x in old.splitlines() if x.strip()) == \
        sorted(x for x in new.splitlines() if x.strip())


def _shared_bodies(ctx: Context, texts: list[_Text]) -> None:
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
        line_tokens = count_tokens(line)
        first = occ[0][0]
        for k, _ in occ:
            shared[k] += line_tokens
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
        cold = sum(size * cache_discount(wf.model_of(item.users[0])) / 1e6
                   for item in items[1:])
        kind = "agents" if all(i.owner.startswith("agent:") for i in items) else "steps"
        ctx.report(
            f"the system prompts of {kind} {names(labels)} share {tokens(size)} tokens of "
            "text behind different openings, so each caches its own copy; put the shared "
            f"text first and each one's own lines last so one cached prefix serves all "
            f"{len(items)} ({tokens(size * (len(items) - 1))} tokens fewer to cache"
            + (f", up to {usd(cold)} per run when the cache has expired)" if cold > 0 else ")"),
            text_pos(wf, lead.raw, "system", lead.text, 0),
            key=f"{lead.owner}/system")
