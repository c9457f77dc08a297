"""Structure rules: how steps are wired together.

Unknown references, cycles and duplicate ids stop the loader with an error of
their own; the rules here look at specs that load but are wired wastefully:
outputs nobody reads, steps that can never run, parallel groups that cannot
run in parallel, context a framework hands over without being asked, and
routers whose workers see a rewrite instead of the request.

The small helpers at the top are shared by the other rule families.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentlint.graph.build import BranchKey, Graph
from agentlint.lint.registry import Context, Finding, rule
from agentlint.report.numbers import seconds, usd
from agentlint.spec.model import Model, Step, Workflow
from agentlint.spec.textpos import locate_ref
from agentlint.spec.tokens import find_refs

# -- shared helpers --------------------------------------------------------------------


def step_pos(step: Step, key: str = "id") -> tuple[int, int]:
    """Position of ``key``'s value in ``step``, else of its id, else of the step."""
    if step.raw is not None and key in step.raw:
        return step.at(key)
    return step.at("id")


def model_pos(wf: Workflow, step: Step) -> tuple[int, int]:
    """Where the step's model is chosen: its own ``model:``, else its agent's."""
    if step.raw is not None and "model" in step.raw:
        return step.at("model")
    if step.agent is not None:
        agent = wf.agents[step.agent]
        if agent.raw is not None and "model" in agent.raw:
            return step.at("agent")
    return step_pos(step)


def code(text: str) -> str:
    return f"`{text}`"


def names(ids: list[str], limit: int = 6) -> str:
    """``a``, ``b`` and ``c`` -- long lists end in "and N more"."""
    shown = [code(i) for i in ids[:limit]]
    if len(ids) > limit:
        shown.append(f"{len(ids) - limit} more")
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def tokens(value: float) -> str:
    return f"{value:,.0f}"


def side_effect_tools(wf: Workflow, step: Step) -> list[str]:
    """Tools with effect write or send the step calls (tool step) or holds (agent)."""
    held = [step.tool] if step.kind == "tool" and step.tool else list(step.tools)
    return [t for t in held if t in wf.tools and wf.tools[t].effect in ("write", "send")]


def non_idempotent_tools(wf: Workflow, step: Step) -> list[str]:
    held = [step.tool] if step.kind == "tool" and step.tool else list(step.tools)
    return [t for t in held if t in wf.tools and not wf.tools[t].idempotent]


def branch_chain(g: Graph, i: int) -> list[BranchKey]:
    """The router branches step ``i`` lies in, innermost first."""
    return g.chain(g.branch[i])


def input_price(model: Model | None) -> float:
    """USD per million input tokens (0 for per-call priced models)."""
    if model is None or model.per_call_usd is not None:
        return 0.0
    return model.input_per_mtok or 0.0


def reader_calls(ctx: Context, i: int) -> float:
    """Expected model calls of step ``i`` per run (each call reads its whole input)."""
    return ctx.estimate.steps[i].calls


# -- rules -----------------------------------------------------------------------------

NEVER_UNUSED_KINDS = ("router", "orchestrator", "validator", "human", "tool")


@rule("AL001", "unused-output", "warning",
      "A model step whose output no other step reads")
def unused_output(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A step that calls a model but whose output no later step reads (no
    ``{{ steps.ID.output }}``, no ``context:`` entry, no loop ``until``), and
    that is neither the workflow's last step (in ``dag`` mode: a step no
    other model step waits for, an end of the graph), nor the last step of a
    router branch that no later step joins (the answer on that branch), nor
    ``terminal``, nor a step with a side effect (an agent holding a
    ``write`` or ``send`` tool). Routers
    (their output is the routing decision), validators (their verdict gates
    the run), tool and human steps are never reported.

    Why it costs
    ------------
    The step is paid for and waited for on every run, and what it writes is
    thrown away. It is usually a leftover of an earlier version of the
    workflow, or a reference that was meant to be there and was lost, in
    which case the step that should use it works without it.

    Example
    -------
    ```yaml
    steps:
      - id: summarise
        model: gpt-4o-mini
        prompt: "{{ inputs.ticket }}"
      - id: answer
        model: gpt-4o
        prompt: "{{ inputs.ticket }}"      # never reads the summary
    ```

    Write instead
    -------------
    Delete the step, or read its output where it was meant to be used:

    ```yaml
      - id: answer
        model: gpt-4o
        prompt: |
          Summary: {{ steps.summarise.output }}
          Ticket: {{ inputs.ticket }}
    ```
    """
    wf, g = ctx.wf, ctx.graph
    n = g.n
    read = [False] * n
    for preds in g.data_preds:
        for p in preds:
            read[p] = True
    for loop in wf.loops:
        for ns, name, _ in find_refs(loop.until or ""):
            if ns == "steps" and name in wf.step_index:
                read[wf.step_index[name]] = True
    branch_end = _branch_ends(g)
    rows = ctx.estimate.steps
    for step in wf.steps:
        i = step.index
        if read[i] or i == n - 1 or step.terminal or not step.uses_model:
            continue
        if step.kind in NEVER_UNUSED_KINDS or side_effect_tools(wf, step):
            continue
        if i in branch_end:
            continue
        if wf.execution == "dag" and not any(wf.steps[w].uses_model for w in g.dep_succs[i]):
            continue  # in dag mode every end of the graph is an output of the run
        yield ctx.report(
            f"nothing reads the output of {code(step.id)} ({tokens(step.output_tokens)} "
            f"tokens): it is not the last step, not terminal and has no side effect; "
            f"delete it (saves {usd(rows[i].cost_usd)} and {seconds(rows[i].latency_s)} "
            f"per run) or read it with {{{{ steps.{step.id}.output }}}} where it is needed",
            step_pos(step), key=f"step:{step.id}")


def _branch_ends(g: Graph) -> set[int]:
    """Last steps of router branches that no later step joins: the answer of their run."""
    branch = g.branch
    joined: set[int] = set()
    last: dict[BranchKey, int] = {}
    for v in range(g.n):
        key = branch[v]
        if key is not None:
            last[key] = max(v, last.get(key, -1))
        own = {k[0] for k in g.chain(key)}
        for p in g.data_preds[v]:
            for router, _ in g.chain(branch[p]):
                if router not in own:
                    joined.add(router)
    return {v for key, v in last.items() if key[0] not in joined}


@rule("AL002", "unreachable-step", "warning",
      "A step that runs in no run: it lies on a route with share 0")
def unreachable_step(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A route whose ``share`` is 0 (given as 0, or left to share what the other
    routes leave when they already add up to 1). The route's target, and every
    step that runs only on that branch, can never run. Reported once per
    route, at its share.

    Why it costs
    ------------
    Dead steps are not free: they are reviewed, kept in sync with the rest of
    the workflow, priced by the optimizer's candidates and misread by anyone
    who assumes the branch is live. A share of 0 is usually a typo for a small
    share, and then every cost and latency figure is wrong for that branch.

    Example
    -------
    ```yaml
    routes:
      - {step: billing, share: 0.7}
      - {step: tech, share: 0.3}
      - account                      # gets what is left: 0
    ```

    Write instead
    -------------
    Give every live route a share (they must add up to 1), and delete the
    steps of a branch that is really gone:

    ```yaml
    routes:
      - {step: billing, share: 0.6}
      - {step: tech, share: 0.3}
      - {step: account, share: 0.1}
    ```
    """
    wf, g = ctx.wf, ctx.graph
    zero: dict[BranchKey, list[int]] = {}
    for step in wf.steps:
        for ri, route in enumerate(step.routes):
            if route.share <= 0.0:
                zero[(step.index, ri)] = []
    if not zero:
        return
    for i in range(g.n):
        if g.weight[i] > 0.0:
            continue
        outermost = None
        for key in branch_chain(g, i):
            if key in zero:
                outermost = key
        if outermost is not None:
            zero[outermost].append(i)
    for (router, ri), members in zero.items():
        r = wf.steps[router]
        route = r.routes[ri]
        target = route.step
        others = [wf.steps[m].id for m in members if wf.steps[m].id != target]
        where = route.pos
        raw_routes = r.raw.get("routes") if r.raw is not None else None
        if raw_routes is not None and ri < len(raw_routes):
            item = raw_routes[ri]
            if hasattr(item, "value_at") and "share" in item:
                where = item.value_at("share")
        more = f" (nor do {names(others)}, which run only on that branch)" if others else ""
        how = "is given share 0" if route.given else \
            "gets share 0 because the other routes' shares already add up to 1"
        yield ctx.report(
            f"route {code(target)} of router {code(r.id)} {how}, so {code(target)} never "
            f"runs{more}; give the route a share, or delete the branch",
            where, key=f"step:{r.id}/routes/{target}")


@rule("AL003", "dead-after-terminal", "warning",
      "Steps that can only run after a terminal step, so never do")
def dead_after_terminal(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    Steps that can never run because a ``terminal: true`` step ends the
    workflow before them. In ``sequential`` mode these are the steps listed
    after a terminal step on the same path (a terminal step on a router's
    branch ends only that branch: steps after the join still run on the
    other branches). In ``dag`` mode they are the steps that wait, directly or
    through other steps, for a terminal step. Reported once per terminal
    step, at the first dead step.

    Why it costs
    ------------
    The dead steps look live: readers think the workflow does more than it
    does, and the estimate still prices them. Either the ``terminal`` flag is
    wrong and the workflow stops too early, or the steps are leftovers.

    Example
    -------
    ```yaml
    steps:
      - id: answer
        model: gpt-4o-mini
        terminal: true
      - id: log_answer               # never runs
        kind: tool
        tool: write_log
    ```

    Write instead
    -------------
    Remove ``terminal: true`` from a step that is not really the end, or
    delete the steps after it, or put the early exit on a router branch so
    the other branches continue.
    """
    wf, g = ctx.wf, ctx.graph
    dead_by: dict[int, list[int]] = {}
    if wf.execution == "sequential":
        main_end: int | None = None
        ended: dict[BranchKey, int] = {}
        for step in wf.steps:
            i = step.index
            cause = main_end
            if cause is None and ended:
                for key in branch_chain(g, i):
                    if key in ended:
                        cause = ended[key]
                        break
            if cause is not None:
                dead_by.setdefault(cause, []).append(i)
                continue
            if step.terminal:
                if g.branch[i] is None:
                    main_end = i
                else:
                    ended.setdefault(g.branch[i], i)  # type: ignore[arg-type]
    else:
        seen = [False] * g.n
        for t in g.topo:
            if not wf.steps[t].terminal or seen[t]:
                continue
            stack = list(g.dep_succs[t])
            while stack:
                v = stack.pop()
                if seen[v]:
                    continue
                seen[v] = True
                dead_by.setdefault(t, []).append(v)
                stack.extend(g.dep_succs[v])
    rows = ctx.estimate.steps
    for t, dead in dead_by.items():
        dead.sort()
        first = wf.steps[dead[0]]
        term = wf.steps[t]
        priced = sum(rows[i].cost_usd for i in dead)
        how = "listed after it" if wf.execution == "sequential" else "waiting for it"
        yield ctx.report(
            f"{code(term.id)} is terminal (line {step_pos(term, 'terminal')[0]}), so "
            f"{names([wf.steps[i].id for i in dead])}, {how}, never "
            f"run{'s' if len(dead) == 1 else ''} (the estimate still counts "
            f"{usd(priced)} per run for them); remove `terminal: true` or delete "
            f"{'the step' if len(dead) == 1 else 'them'}",
            step_pos(first), key=f"step:{first.id}")


@rule("AL004", "parallel-group-dependency", "warning",
      "A parallel group whose members depend on each other")
def parallel_group_dependency(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    In ``sequential`` mode, a step that shares a ``parallel`` label (and so a
    group) with a step whose output it reads, or that it ``needs``. Reported
    at the reference.

    Why it costs
    ------------
    A group is meant to start together, but a member that reads another
    member must wait for it: the group silently runs one after another, and
    the label promises a latency the workflow does not have. Runtimes that
    do start the group together give the reader an empty or stale input.

    Example
    -------
    ```yaml
      - id: draft
        parallel: work
        model: gpt-4o
      - id: polish
        parallel: work
        model: gpt-4o-mini
        prompt: "{{ steps.draft.output }}"
    ```

    Write instead
    -------------
    Take the dependent step out of the group (list it after the group
    without the label), or drop the reference if it is not needed:

    ```yaml
      - id: draft
        model: gpt-4o
      - id: polish
        model: gpt-4o-mini
        prompt: "{{ steps.draft.output }}"
    ```
    """
    wf, g = ctx.wf, ctx.graph
    if wf.execution != "sequential":
        return
    group_of = [0] * g.n
    for gi, group in enumerate(g.groups):
        for v in group:
            group_of[v] = gi
    rows = ctx.estimate.steps
    for gi, group in enumerate(g.groups):
        if len(group) < 2:
            continue
        for v in group:
            step = wf.steps[v]
            for p in g.dep_preds[v]:
                if group_of[p] != gi:
                    continue
                pred = wf.steps[p]
                where, how = _dependency_pos(ctx, step, pred)
                yield ctx.report(
                    f"{code(step.id)} {how} {code(pred.id)} but both are in parallel group "
                    f"'{step.parallel}': it cannot start with the group and waits "
                    f"{seconds(rows[p].latency_s)} for {code(pred.id)}; list it after the "
                    "group without the label, or drop the dependency",
                    where, key=f"step:{step.id}/parallel")


def _dependency_pos(ctx: Context, step: Step, pred: Step) -> tuple[tuple[int, int], str]:
    for ref in step.refs:
        if ref.kind == "steps" and ref.name == pred.id:
            return locate_ref(ctx.wf, step, ref), "reads the output of"
    raw = step.raw
    if raw is not None and "needs" in raw:
        for k, name in enumerate(raw["needs"]):
            if name == pred.id:
                return raw["needs"].item_at(k), "needs"
    for route in pred.routes:
        if route.step == step.id:
            return route.pos, "is a route of"
    return step_pos(step), "depends on"


@rule("AL005", "implicit-context", "warning",
      "A step that receives every earlier output without asking for it")
def implicit_context(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A step that the source format hands every earlier step's output without
    the author listing any: a CrewAI task without ``context`` receives the
    output of all tasks before it. Reported at the step (the task), with the
    tokens and dollars that context adds.

    Why it costs
    ------------
    Each earlier output becomes input tokens on every call of the step, and
    a dependency: the step cannot start before all of them finish, so nothing
    before it can be run in parallel with it. Most tasks need one or two
    earlier results, not the whole history.

    Example
    -------
    ```yaml
    # CrewAI tasks.yaml
    write_report:
      description: Write the report from the research notes.
      agent: writer
    ```

    Write instead
    -------------
    Name the tasks whose output the step needs:

    ```yaml
    write_report:
      description: Write the report from the research notes.
      agent: writer
      context: [research_notes]
    ```
    """
    wf = ctx.wf
    earlier_tokens = 0.0
    earlier: list[str] = []
    rows = None
    for step in wf.steps:
        if step.implicit_context and earlier:
            if step.context:  # what the format handed over, as the reader recorded it
                implied = list(dict.fromkeys(step.context))
                size = sum(_out(wf.step(s)) for s in implied)
            else:
                named = set(step.step_refs())
                implied = [s for s in earlier if s not in named]
                size = earlier_tokens - sum(_out(wf.step(s)) for s in earlier if s in named)
            if implied and size > 0:
                rows = rows or ctx.estimate.steps
                calls = rows[step.index].calls
                cost = size * input_price(wf.model_of(step)) * calls / 1e6
                every = "every earlier step: " if len(implied) == len(earlier) else ""
                yield ctx.report(
                    f"{code(step.id)} names no context, so it receives the output of "
                    f"{every}{names(implied)} ({tokens(size)} tokens per call, {usd(cost)} per "
                    f"run) and must wait for {'it' if len(implied) == 1 else 'all of them'}; "
                    "list only the steps it needs under `context`",
                    step_pos(step), key=f"step:{step.id}/context")
        earlier.append(step.id)
        earlier_tokens += _out(step)


def _out(step: Step) -> float:
    return step.output_tokens * step.fan_out


@rule("AL006", "router-context-transformation", "warning",
      "A worker behind a router that reads the router's output but not the original input")
def router_context_transformation(ctx: Context) -> Iterator[Finding]:
    """What it finds
    ---------------
    A worker (a step that calls a model) reached from a router (a route
    target, or a step that runs only on one of its branches) that reads the
    router's output but none of what
    the router itself read: not the run inputs it read, not the step outputs
    it read, and no other step on the branch that read them. Reported at the
    worker's reference to the router; the message names the inputs it
    should read as well.

    Also a router that reads no run input at all, only the output of model
    steps that did (a rewriter in front of a classifier): the branch is then
    chosen from a paraphrase. Reported at the router's reference.

    Why it costs
    ------------
    A router is a classifier: its output is a label and perhaps a short
    summary. A worker that sees only that summary works from a paraphrase:
    order numbers, exact error messages, the customer's own words are gone,
    and the answer is built on what the router chose to keep. Context should
    be routed, not transformed; the label costs a few tokens, the original
    input is what the worker needs to do its job.

    Example
    -------
    ```yaml
      - id: classify
        kind: router
        prompt: "{{ inputs.ticket }}"
        routes: [billing, account]
      - id: account
        prompt: |
          Case summary: {{ steps.classify.output }}
          Resolve the request described above.
    ```

    Write instead
    -------------
    Give the worker the original input, with the router's output as a label:

    ```yaml
      - id: account
        prompt: |
          Triage: {{ steps.classify.output }}
          Ticket (verbatim): {{ inputs.ticket }}
    ```
    """
    wf, g = ctx.wf, ctx.graph
    sources: dict[int, tuple[set[str], set[int]]] = {}
    for step in wf.steps:
        if step.routes:
            preds = g.data_preds[step.index]
            # What the router read, and the run inputs behind the outputs it read:
            # a worker with the original input has what the router had, and more.
            inputs = set(step.input_refs())
            for p in preds:
                inputs.update(wf.steps[p].input_refs())
            sources[step.index] = (inputs, set(preds))
    if not sources:
        return
    branch = g.branch
    carriers: dict[int, set[int]] = {r: set() for r in sources}
    for v in g.topo:
        routers = {key[0] for key in g.chain(branch[v])}
        if not routers:
            continue
        step = wf.steps[v]
        own_inputs = set(step.input_refs())
        preds = g.data_preds[v]
        for r in routers:
            src_inputs, src_steps = sources[r]
            if not src_inputs and not src_steps:
                continue
            direct = bool(own_inputs & src_inputs) or any(p in src_steps for p in preds)
            via = any(p in carriers[r] for p in preds if p != r)
            if direct or via:
                carriers[r].add(v)
            elif r in preds and step.uses_model:
                yield _transformation(ctx, step, wf.steps[r], src_inputs, src_steps)
    for r in sources:
        finding = _router_reads_rewrite(ctx, wf.steps[r])
        if finding is not None:
            yield finding


def _router_reads_rewrite(ctx: Context, router: Step) -> Finding | None:
    """A router that sees only a model's rewrite of the run inputs, not the inputs."""
    wf, g = ctx.wf, ctx.graph
    preds = g.data_preds[router.index]
    # A router without a model is a switch on a label another step produced
    # (promptflow's python switch after an LLM classifier): nothing to reread.
    if router.input_refs() or not preds or not router.uses_model:
        return None
    if not all(wf.steps[p].uses_model for p in preds):
        return None
    upstream = sorted({name for p in preds for name in wf.steps[p].input_refs()})
    if not upstream:
        return None
    first = wf.steps[preds[0]]
    ref = next(r for r in router.refs if r.kind == "steps" and r.name == first.id)
    inputs = ", ".join(f"{{{{ inputs.{name} }}}}" for name in upstream)
    size = sum(wf.inputs[name].tokens for name in upstream)
    rewrites = ", ".join(code(wf.steps[p].id) for p in preds)
    return ctx.report(
        f"router {code(router.id)} chooses a branch from the output of {rewrites} "
        f"({tokens(sum(_out(wf.steps[p]) for p in preds))} tokens), a model's rewrite of "
        f"{inputs} ({tokens(size)} tokens), never from the input itself: a misreading "
        f"upstream sends the run down the wrong branch and every worker inherits it; give "
        f"the router {inputs} as well",
        locate_ref(wf, router, ref), key=f"step:{router.id}/prompt")


def _transformation(ctx: Context, step: Step, router: Step, src_inputs: set[str],
                    src_steps: set[int]) -> Finding:
    wf = ctx.wf
    original = [f"{{{{ inputs.{name} }}}}" for name in router.input_refs()
                if name in src_inputs]
    original += [f"{{{{ steps.{wf.steps[p].id}.output }}}}" for p in sorted(src_steps)]
    size = sum(wf.inputs[name].tokens for name in router.input_refs() if name in src_inputs)
    size += sum(_out(wf.steps[p]) for p in src_steps)
    ref = next(r for r in step.refs if r.kind == "steps" and r.name == router.id)
    listed = ", ".join(original)
    return ctx.report(
        f"{code(step.id)} reads the router {code(router.id)}'s output but none of what "
        f"the router read ({listed}): it works from a {tokens(router.output_tokens)}-token "
        f"rewrite of {tokens(size)} tokens of original context; add {listed} to its "
        "prompt and use the router's output only as a label",
        locate_ref(wf, step, ref), key=f"step:{step.id}/prompt")
