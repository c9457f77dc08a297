"""A LiteLLM proxy ``config.yaml`` as the model catalog and call policy behind a workflow.

A workflow that calls models through a LiteLLM gateway names *aliases*
(``model_name`` entries of the config's ``model_list``), not models. This module
reads the config (never its ``os.environ/...`` values) and turns each alias a
workflow calls into one priced :class:`Model` standing for everything a call on
that alias does at the gateway (docs/formats.md, "LiteLLM proxy config";
docs/cost-model.md, "Gateway retries and fallbacks"):

- the deployments of the alias share its calls (equal shares unless a
  ``weight`` is given; any other routing strategy: equal shares, assumed);
- each model group is tried ``num_retries`` + 1 times at most;
- a failed group passes the call to its ``fallbacks``, in order: a cascade on
  failure, figured by the cascade formulas with acceptance 1.

Every figure of a call is linear in the per-call prices and times, so the
whole policy is one model whose prices are the expected ones.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from agentlint.errors import SpecError
from agentlint.graph.estimate import Figures, attempt_figures, chain_figures, step_tokens
from agentlint.paths import MAX_PROFILE_BYTES, find_root, read_text
from agentlint.record import Record
from agentlint.spec import catalog
from agentlint.spec.model import Model, Stage, Workflow
from agentlint.spec.positions import YMap, YSeq, position_of
from agentlint.spec.yamlload import load_text

Pos = tuple[int, int]

#: LiteLLM's router default when neither the router nor litellm_settings sets
#: num_retries (``openai.DEFAULT_MAX_RETRIES``)
DEFAULT_NUM_RETRIES = 2
#: prefixes a client puts before a gateway alias (``openai/my-gpt`` through an
#: OpenAI-compatible client, ``litellm_proxy/my-gpt`` through the LiteLLM SDK)
CLIENT_PREFIXES = ("litellm_proxy/", "openai/", "litellm/")
#: per-token price keys of litellm_params / model_info and the catalog field each sets
PRICE_KEYS = {"input_cost_per_token": "input_per_mtok",
              "output_cost_per_token": "output_per_mtok",
              "cache_read_input_token_cost": "cached_input_per_mtok"}
ROUTER_PREFIX = "auto_router/"


class Deployment(Record):
    """One ``model_list`` entry: the real model and the prices the config gives it."""

    __slots__ = ("at", "model", "prices", "weight")
    __match_args__ = ("model", "at", "prices", "weight")

    model: str
    at: Pos
    prices: dict[str, float]
    weight: float

    def __init__(self, model: str, at: Pos, prices: dict[str, float] | None = None,
                 weight: float = 1.0) -> None:
        self.model = model
        self.at = at
        self.prices = {} if prices is None else prices
        self.weight = weight


class Group(Record):
    """A model group: every entry sharing one ``model_name``."""

    __slots__ = ("at", "deployments", "name", "routes")
    __match_args__ = ("name", "at", "deployments", "routes")

    name: str
    at: Pos
    deployments: list[Deployment]
    #: an auto / adaptive / complexity router: the groups it chooses among
    routes: list[str]

    def __init__(self, name: str, at: Pos, deployments: list[Deployment] | None = None,
                 routes: list[str] | None = None) -> None:
        self.name = name
        self.at = at
        self.deployments = [] if deployments is None else deployments
        self.routes = [] if routes is None else routes


class Gateway(Record):
    """A proxy config as read: its model groups and the call policy over them."""

    __slots__ = ("aliases", "context_window_fallbacks", "fallbacks", "file", "groups",
                 "num_retries", "retries_given", "strategy")
    __match_args__ = ("file", "groups", "aliases", "num_retries", "retries_given", "fallbacks",
                      "context_window_fallbacks", "strategy")

    file: str
    groups: dict[str, Group]
    aliases: dict[str, str]  # model_group_alias
    num_retries: int
    retries_given: bool
    fallbacks: dict[str, list[str]]
    context_window_fallbacks: dict[str, list[str]]
    strategy: str

    def __init__(self, file: str, groups: dict[str, Group] | None = None,
                 aliases: dict[str, str] | None = None, num_retries: int = DEFAULT_NUM_RETRIES,
                 retries_given: bool = False, fallbacks: dict[str, list[str]] | None = None,
                 context_window_fallbacks: dict[str, list[str]] | None = None,
                 strategy: str = "simple-shuffle") -> None:
        self.file = file
        self.groups = {} if groups is None else groups
        self.aliases = {} if aliases is None else aliases
        self.num_retries = num_retries
        self.retries_given = retries_given
        self.fallbacks = {} if fallbacks is None else fallbacks
        self.context_window_fallbacks = {} if context_window_fallbacks is None \
            else context_window_fallbacks
        self.strategy = strategy

    def group_of(self, name: str) -> str | None:
        """The model group a workflow's model name reaches, or None."""
        candidates = [name.strip()]
        for prefix in CLIENT_PREFIXES:
            if candidates[0].lower().startswith(prefix):
                candidates.append(candidates[0][len(prefix):])
        for candidate in candidates:
            if candidate in self.groups:
                return candidate
            if candidate in self.aliases and self.aliases[candidate] in self.groups:
                return self.aliases[candidate]
        return None

    def wildcard_of(self, name: str) -> tuple[str, str] | None:
        """``(group, the part * stands for)`` of the most specific wildcard group
        (``anthropic/*`` before ``*``) that a name no group is called matches."""
        found: tuple[str, str] | None = None
        for group in self.groups:
            if group.count("*") != 1 or not self.groups[group].deployments:
                continue
            head, tail = group.split("*")
            if name.startswith(head) and name.endswith(tail) and \
                    len(name) >= len(head) + len(tail) and \
                    (found is None or len(group) > len(found[0])):
                found = (group, name[len(head):len(name) - len(tail)])
        return found


# -- reading the config ---------------------------------------------------------------------


def read_gateway(path: str, shown: str | None = None, root: str | None = None) -> Gateway:
    """Read a LiteLLM proxy config; SpecError with ``file:line:col`` on anything wrong.

    ``root``: the repository the file must lie in (a configuration file's own, for the
    ``models`` key); by default the one around the file itself.
    """
    shown = shown or path
    root = root or find_root(os.path.dirname(os.path.abspath(path)))
    doc = load_text(read_text(path, root, limit=MAX_PROFILE_BYTES, what="LiteLLM config",
                              shown=shown), shown)
    return parse_gateway(doc, shown)


@cache
def gateway(path: str, root: str | None = None) -> Gateway:
    """:func:`read_gateway`, once per path in a run."""
    return read_gateway(path, root=root)


def parse_gateway(doc: Any, shown: str) -> Gateway:
    def fail(container: Any, key: Any, message: str) -> SpecError:
        return SpecError(shown, *position_of(container, key), message)

    if not isinstance(doc, YMap) or not isinstance(doc.get("model_list"), YSeq):
        raise SpecError(shown, *(position_of(doc) if isinstance(doc, YMap) else (1, 1)),
                        "not a LiteLLM proxy config: no model_list")
    gw = Gateway(file=shown)
    entries: YSeq = doc["model_list"]
    for i, item in enumerate(entries):
        if not isinstance(item, YMap):
            raise fail(entries, i, "a model_list entry must be a mapping")
        name = item.get("model_name")
        if not isinstance(name, str) or not name.strip():
            raise fail(item, "model_name" if "model_name" in item else None,
                       "a model_list entry needs model_name, the alias clients call")
        params = item.get("litellm_params")
        if not isinstance(params, YMap) or not isinstance(params.get("model"), str):
            raise SpecError(shown, *item.key_at("litellm_params" if "litellm_params" in item
                                                else "model_name"),
                            f"'{name}' needs litellm_params.model, the model it calls")
        group = gw.groups.setdefault(name, Group(name, item.key_at("model_name")))
        model = params["model"].strip()
        if model.startswith(ROUTER_PREFIX):
            group.routes.extend(_router_targets(params, shown))
            continue
        info = item.get("model_info")
        if isinstance(info, YMap) and isinstance(info.get("base_model"), str):
            model = info["base_model"]  # what LiteLLM prices an Azure deployment as
        dep = Deployment(model, params.value_at("model"))
        for source in (params, item.get("model_info")):
            if not isinstance(source, YMap):
                continue
            for key, target in PRICE_KEYS.items():
                if key in source:
                    dep.prices[target] = _number(source, key, shown) * 1e6
        if "weight" in params:
            dep.weight = _number(params, "weight", shown)
        group.deployments.append(dep)
    for key in ("litellm_settings", "router_settings"):  # router_settings wins
        if key in doc:
            _settings(gw, doc, key, shown)
    _check_references(gw, doc, shown)
    return gw


def _settings(gw: Gateway, doc: YMap, name: str, shown: str) -> None:
    """Retries, fallbacks, the routing strategy and group aliases of one settings section."""
    section = doc[name]
    if not isinstance(section, YMap):
        raise SpecError(shown, *doc.value_at(name), f"{name} must be a mapping")
    if "num_retries" in section:
        value = _number(section, "num_retries", shown)
        if value != int(value) or value > 100:
            raise SpecError(shown, *section.value_at("num_retries"), "num_retries must be "
                            "a whole number from 0 to 100")
        gw.num_retries, gw.retries_given = int(value), True
    for key in ("fallbacks", "context_window_fallbacks"):
        if key in section:
            getattr(gw, key).update(_fallbacks(section, key, shown))
    if isinstance(section.get("routing_strategy"), str):
        gw.strategy = section["routing_strategy"]
    aliases = section.get("model_group_alias")
    if isinstance(aliases, YMap):
        for alias, target in aliases.items():
            if isinstance(target, YMap):  # {model: ..., hidden: true}
                target = target.get("model")
            if isinstance(target, str):
                gw.aliases[str(alias)] = target


def _number(container: YMap, key: str, shown: str) -> float:
    value = container[key]
    if isinstance(value, str) and value.startswith("os.environ/"):
        raise SpecError(shown, *container.value_at(key), f"{key} is read from the "
                        "environment; agentlint never reads environment variables: give "
                        "the number in the file")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SpecError(shown, *container.value_at(key), f"{key} must be a number")
    try:
        number = float(value)
    except ValueError:
        raise SpecError(shown, *container.value_at(key), f"{key} must be a number") from None
    if number != number or number in (float("inf"), float("-inf")) or number < 0:
        raise SpecError(shown, *container.value_at(key), f"{key} must be a finite number "
                        "of at least 0")
    return number


def _router_targets(params: YMap, shown: str) -> list[str]:
    """The groups an auto / adaptive / complexity router chooses among."""
    targets: list[str] = []
    for key, value in params.items():
        if not isinstance(value, YMap) or not str(key).endswith("_config"):
            continue
        models = value.get("available_models")
        if isinstance(models, YSeq):
            targets.extend(str(m) for m in models)
        tiers = value.get("tiers")
        if isinstance(tiers, YMap):
            targets.extend(str(m) for m in tiers.values() if isinstance(m, str))
    default = params.get("complexity_router_default_model")
    if isinstance(default, str):
        targets.append(default)
    if not targets:
        raise SpecError(shown, *params.value_at("model"), "this router names no model group "
                        "(available_models or tiers) agentlint can read")
    return list(dict.fromkeys(targets))


def _fallbacks(section: YMap, key: str, shown: str) -> dict[str, list[str]]:
    """``[{"a": ["b", "c"]}, ...]`` as ``{"a": ["b", "c"]}``."""
    value = section[key]
    if not isinstance(value, YSeq):
        raise SpecError(shown, *section.value_at(key), f"{key} must be a list of "
                        "{group: [fallback groups]} mappings")
    out: dict[str, list[str]] = {}
    for i, item in enumerate(value):
        if not isinstance(item, YMap):
            raise SpecError(shown, *value.item_at(i), f"each entry of {key} must be a "
                            "mapping {group: [fallback groups]}")
        for group, targets in item.items():
            if isinstance(targets, str):
                targets = [targets]
            if not isinstance(targets, YSeq | list) or \
                    not all(isinstance(t, str) for t in targets):
                raise SpecError(shown, *item.value_at(group), f"the fallbacks of '{group}' "
                                "must be a list of model group names")
            out[str(group)] = list(targets)
    return out


def _check_references(gw: Gateway, doc: YMap, shown: str) -> None:
    """Every group a fallback or router names exists; fallbacks never loop back."""
    known = set(gw.groups) | set(gw.aliases)

    def where(name: str) -> Pos:
        for section_key in ("router_settings", "litellm_settings"):
            section = doc.get(section_key)
            if not isinstance(section, YMap):
                continue
            for key in ("fallbacks", "context_window_fallbacks"):
                items = section.get(key)
                if isinstance(items, YSeq):
                    for item in items:
                        if isinstance(item, YMap) and name in item:
                            return item.key_at(name)
        return gw.groups[name].at if name in gw.groups else (1, 1)

    for key in ("fallbacks", "context_window_fallbacks"):
        table: dict[str, list[str]] = getattr(gw, key)
        for group, targets in table.items():
            for name in (group, *targets):
                if name not in known and name != "*":
                    raise SpecError(shown, *where(group), f"{key} of '{group}' name "
                                    f"'{name}', which no model_list entry defines")
        # a cycle: a -> b -> ... -> a
        for start in table:
            path, stack = [start], [(start, iter(table.get(start, ())))]
            on_path = {start}
            while stack:
                _node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    stack.pop()
                    on_path.discard(path.pop())
                    continue
                if child in on_path:
                    loop = " -> ".join([*path[path.index(child):], child])
                    raise SpecError(shown, *where(start), f"{key} loop back: {loop}; "
                                    "every fallback would be tried again and again")
                if child in table:
                    path.append(child)
                    on_path.add(child)
                    stack.append((child, iter(table[child])))
    for entry in gw.groups.values():
        for target in entry.routes:
            if target not in known:
                raise SpecError(shown, *entry.at, f"router '{entry.name}' names "
                                f"'{target}', which no model_list entry defines")


# -- the gateway as one model -----------------------------------------------------------------


class Resolved(Record):
    """An alias as one model, and what had to be assumed to make it one."""

    __slots__ = ("assumed", "chain", "model", "tries")
    __match_args__ = ("model", "chain", "assumed", "tries")

    model: Model
    chain: list[str]
    assumed: list[str]
    #: one try on each group of the chain, in order (no retries)
    tries: list[Model]

    def __init__(self, model: Model, chain: list[str], assumed: list[str] | None = None,
                 tries: list[Model] | None = None) -> None:
        self.model = model
        self.chain = chain
        self.assumed = [] if assumed is None else assumed
        self.tries = [] if tries is None else tries


def _mix(parts: list[tuple[float, Model]], name: str, p_ok: float) -> Model:
    """The model whose every per-call figure is the weighted sum of ``parts``'s."""
    first = parts[0][1]
    out = Model(name=name, base=first.base, provider=first.provider, p_ok=p_ok,
                tier=min((m.tier for _, m in parts if m.tier is not None), default=None),
                context_window=first.context_window)
    if all(m.per_call_usd is None for _, m in parts):
        out.input_per_mtok = sum(w * (m.input_per_mtok or 0.0) for w, m in parts)
        out.output_per_mtok = sum(w * (m.output_per_mtok or 0.0) for w, m in parts)
        out.cached_input_per_mtok = sum(
            w * (m.cached_input_per_mtok if m.cached_input_per_mtok is not None
                 else (m.input_per_mtok or 0.0)) for w, m in parts)
    else:  # a per-call price anywhere: the whole call priced per call (1k output tokens)
        out.per_call_usd = sum(w * (m.per_call_usd if m.per_call_usd is not None
                                    else m.output_price / 1000.0) for w, m in parts)
    if all(m.per_call_s is None for _, m in parts):
        out.ttft_s = sum(w * (m.ttft_s or 0.0) for w, m in parts)
        slow = sum(w / m.tokens_per_s for w, m in parts if m.tokens_per_s)
        out.tokens_per_s = 1.0 / slow if slow > 0 else float("inf")
    else:
        out.per_call_s = sum(w * (m.per_call_s if m.per_call_s is not None
                                  else (m.ttft_s or 0.0) + 256.0 / (m.tokens_per_s or 1.0))
                             for w, m in parts)
    return out


class Resolver:
    def __init__(self, gw: Gateway) -> None:
        self.gw = gw

    def group_model(self, name: str, seen: tuple[str, ...] = (), fill: str | None = None
                    ) -> tuple[Model, list[str]] | None:
        """One call on group ``name`` without retries: its deployments (or a router's
        groups) sharing the calls. None when no deployment can be priced."""
        name = self.gw.aliases.get(name, name)
        group = self.gw.groups.get(name)
        if group is None or name in seen:
            return None
        assumed: list[str] = []
        parts: list[tuple[float, Model]] = []
        if group.routes:
            for target in group.routes:
                found = self.group_model(target, (*seen, name))
                if found is not None:
                    parts.append((1.0, found[0]))
            assumed.append(f"router '{name}' assumed to send equal shares to "
                           f"{', '.join(group.routes)}")
        for dep in group.deployments:
            real = dep.model.replace("*", fill) if fill is not None else dep.model
            built = catalog.model(real, dep.prices or None)
            if built is not None and built.lacks is not None:
                built = catalog.model(real)
            if built is not None:
                parts.append((dep.weight, built))
            elif len(group.deployments) > 1:
                assumed.append(f"deployment {dep.model} of '{name}' is not in the catalog; "
                               "its share priced as the group's other deployments")
        if not parts:
            return None
        if len(group.deployments) > 1 and not group.routes:
            weighted = any(d.weight != 1.0 for d in group.deployments)
            if self.gw.strategy != "simple-shuffle" or not weighted:
                assumed.append(f"the {len(group.deployments)} deployments of '{name}' "
                               f"assumed to share its calls "
                               f"{'equally' if not weighted else 'by weight'} "
                               f"(routing_strategy {self.gw.strategy})")
        total = sum(w for w, _ in parts)
        parts = [(w / total, m) for w, m in parts]
        p_ok = sum(w * m.p_ok for w, m in parts)
        return _mix(parts, name, p_ok), assumed

    def resolve(self, group: str, called: str, fill: str | None = None) -> Resolved | None:
        """``group`` with the gateway's retries and fallbacks, as one model."""
        chain = [group, *self.gw.fallbacks.get(group, self.gw.fallbacks.get("*", []))]
        chain = [g for i, g in enumerate(chain) if g not in chain[:i]]
        models: list[Model] = []
        assumed: list[str] = []
        for name in chain:
            found = self.group_model(name, fill=fill if name == group else None)
            if found is None:
                if name == group:
                    return None
                continue
            models.append(found[0])
            assumed.extend(found[1])
        k = self.gw.num_retries
        # every group in the chain: a step of one call with k retries (its figures per
        # unit price), then the cascade formula with acceptance 1
        unit = [attempt_figures(1.0, 1.0, m.p_ok, 1, k, 0.0) for m in models]
        stages = [(f, Stage(m.name, 1.0)) for f, m in zip(unit[:-1], models[:-1], strict=True)]
        whole = chain_figures(stages, unit[-1], 0.0)
        weights = []
        for j in range(len(models)):
            only = [(_only(f, i == j), s) for i, (f, s) in enumerate(stages)]
            weights.append(chain_figures(only, _only(unit[-1], j == len(models) - 1),
                                         0.0).cost)
        mixed = _mix(list(zip(weights, models, strict=True)), called, whole.success)
        if models:
            mixed.base = models[0].base
            mixed.tier = models[0].tier
            mixed.context_window = models[0].context_window
        return Resolved(mixed, [m.name for m in models], assumed, models)


def _only(f: Figures, keep: bool) -> Figures:
    """``f`` with its expected cost kept (the stage's weight) or zeroed."""
    return Figures(cost=f.cost if keep else 0.0, time=f.time, success=f.success,
                   cost_max=f.cost_max, time_max=f.time_max, calls=f.calls)


def apply_gateway(wf: Workflow, gw: Gateway) -> list[str]:
    """Replace every model of ``wf`` that names a gateway alias by the alias's figures;
    returns the aliases resolved, in the order of ``wf.models``."""
    resolver = Resolver(gw)
    done: list[str] = []
    chains: dict[str, tuple[int, list[str], list[Model], Pos]] = {}
    unpriced = list(wf.extra.get("unpriced", ()))
    for key, old in list(wf.models.items()):
        group, fill = gw.group_of(key), None
        if group is None:
            match = gw.wildcard_of(key)
            if match is None:
                continue
            group, fill = match
        resolved = resolver.resolve(group, key, fill)
        if resolved is None:
            continue
        new = resolved.model
        new.raw, new.declared = old.raw, old.declared
        wf.models[key] = new
        _write_native(wf, key, new)
        done.append(key)

        names = {key, *(p + key for p in CLIENT_PREFIXES)}
        # where the source names the model: the place its unpriced finding pointed at
        spots = [u[1] for u in unpriced if u[2].split(":", 1)[-1] in names]
        unpriced = [u for u in unpriced if u[2].split(":", 1)[-1] not in names]
        wf.assumptions = [a for a in wf.assumptions
                          if a[2].split(":", 2)[-1] not in names
                          or not a[2].startswith(("assumption:model:",
                                                  "assumption:deployment:"))]
        at = spots[0] if spots else _model_at(wf, key)
        if len(resolved.tries) > 1:
            chains[key] = (gw.num_retries, resolved.chain, resolved.tries, at)
        for i, message in enumerate(resolved.assumed):
            wf.assumptions.append((f"{message}; from {gw.file}", at,
                                   f"assumption:litellm:{key}:{i}"))
    groups = {key: gw.group_of(key) for key in done}
    rerouted = _context_window_fallbacks(wf, gw, resolver, groups)
    wf.extra["unpriced"] = unpriced
    wf.extra.setdefault("gateway", {})["file"] = gw.file
    wf.extra["gateway"]["aliases"] = done
    #: alias -> (num_retries, its fallback chain of groups, one try on each, where the
    #: workflow names the alias)
    wf.extra["gateway"]["chains"] = chains
    #: step id -> the model its context-window fallback gave it
    wf.extra["gateway"]["rerouted"] = rerouted
    return done


def _context_window_fallbacks(wf: Workflow, gw: Gateway, resolver: Resolver,
                              groups: dict[str, str | None]) -> dict[str, str]:
    """A step whose input and output do not fit the window of its alias's model goes to
    the first ``context_window_fallbacks`` group they fit (the last when none does): the
    proxy refuses the call before it reaches the model, so the refusal costs nothing.
    Returns the steps moved and their new models."""
    rerouted: dict[str, str] = {}
    for step in wf.steps:
        group = groups.get(step.model) if step.model is not None else None
        fallbacks = gw.context_window_fallbacks.get(group or "", [])
        if step.model is None or not fallbacks:
            continue
        window = wf.models[step.model].context_window
        tokens = step_tokens(wf, step)
        need = tokens.input + tokens.output
        if window is None or need <= window:
            continue
        chosen: tuple[str, Model] | None = None
        for target in fallbacks:
            key = f"{step.model}@{target}"
            found = wf.models.get(key)
            if found is None:
                resolved = resolver.resolve(target, key)
                if resolved is None:
                    continue
                found = resolved.model
            chosen = (key, found)
            if found.context_window is None or need <= found.context_window:
                break
        if chosen is None:
            continue
        key, found = chosen
        if key not in wf.models:
            found.declared = True
            wf.models[key] = found
            _write_native(wf, key, found, new=True)
        wf.assumptions.append((f"'{step.id}' reads {need:,.0f} tokens, more than the "
                               f"{window:,} of '{step.model}': the gateway sends it to "
                               f"'{key.split('@', 1)[1]}' (context_window_fallbacks of "
                               f"{gw.file})", _model_at(wf, step.model),
                               f"assumption:litellm:window:{step.id}"))
        _set_native_step_model(wf, step.id, key)
        step.model = key
        rerouted[step.id] = key
    return rerouted


def _set_native_step_model(wf: Workflow, step_id: str, key: str) -> None:
    doc = wf.extra.get("native")
    steps = doc.get("steps") if isinstance(doc, YMap) else None
    for entry in steps if isinstance(steps, YSeq) else ():
        if isinstance(entry, YMap) and entry.get("id") == step_id:
            entry["model"] = key
            entry.kpos.setdefault("model", entry.pos)
            entry.vpos.setdefault("model", entry.pos)


#: the figures of a gateway model written into the native spec, in this order
NATIVE_FIELDS = ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "ttft_s",
                 "tokens_per_s", "per_call_usd", "per_call_s", "p_ok", "context_window", "tier")


def overlay(wf: Workflow, models: str, root: str | None = None, *,
            plan: bool = False) -> list[str]:
    """The one place a LiteLLM gateway meets a workflow (``lint`` through a
    configuration's ``models`` key, ``--models`` on ``estimate`` and ``optimize``): the
    config ``models`` (read once per run; ``root``: the repository it must lie in, by
    default its own) resolves ``wf``'s aliases. ``plan``: the workflow is to be planned
    on, so a native spec also gets the native document an adapted workflow carries, with
    the gateway's figures (:func:`native_with_gateway`). Returns the aliases resolved."""
    done = apply_gateway(wf, gateway(models, root))
    if plan:
        native_with_gateway(wf)
    return done


def native_with_gateway(wf: Workflow) -> None:
    """Give a native spec read with a gateway the native document an adapted workflow
    carries (its own), with the gateway's figures in its models, so that it is planned
    and re-checked on them like a converted workflow."""
    if wf.extra.get("native") is not None or not isinstance(wf.raw, YMap):
        return
    wf.extra["native"] = wf.raw
    done = wf.extra.get("gateway", {})
    for key in done.get("aliases", ()):
        _write_native(wf, key, wf.models[key])
    for step_id, key in done.get("rerouted", {}).items():
        _write_native(wf, key, wf.models[key], new=True)
        _set_native_step_model(wf, step_id, key)


def _write_native(wf: Workflow, key: str, model: Model, *, new: bool = False) -> None:
    """Put ``model``'s figures into the native spec an adapted workflow carries (what
    ``convert`` prints and ``optimize`` plans and re-checks on); ``new``: add the entry."""
    doc = wf.extra.get("native")
    models = doc.get("models") if isinstance(doc, YMap) else None
    if new and isinstance(models, YMap) and key not in models:
        models[key] = YMap(models.pos)
        models.kpos[key] = models.vpos[key] = models.pos
    entry = models.get(key) if isinstance(models, YMap) else None
    if not isinstance(entry, YMap):
        return
    entry.clear()
    for name in NATIVE_FIELDS:
        value = getattr(model, name)
        if value is not None:
            entry[name] = int(value) if name in ("context_window", "tier") \
                else round(float(value), 12)
            entry.kpos[name] = entry.vpos[name] = entry.pos


def _model_at(wf: Workflow, key: str) -> Pos:
    for step in wf.steps:
        if step.model == key:
            return step.at("model")
    return wf.models[key].at()
