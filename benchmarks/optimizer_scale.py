"""How the optimizer scales: model building and solve time on random DAGs.

    python benchmarks/optimizer_scale.py              # 200, 1000, 3000, 10000 steps, HiGHS
    python benchmarks/optimizer_scale.py 10 100 --solver both --time-limit 600

Each workflow is a random DAG (``execution: dag``): every step reads one to
three of the twenty steps before it, runs on one of three models (all three
its ``candidates``) and may get 0, 1 or 2 retries, so every step has nine
options. Budgets bind: latency at 90 % of the spec as written, reliability at
its value as written. Printed per size and solver: the time to price the
options and build the PuLP model (``build``); then two whole ``optimize``
runs under ``--time-limit`` (default 60 s, the command's own), each with its
wall-clock ``total`` and its ``status`` (``optimal``, or ``feasible`` with the
gap reached when the limit stopped it; above 5,000 steps the default objective
reports its greedy start, unsolved, with the gap to its lower bounds: see
docs/optimizer.md, "Large workflows: a greedy start"):

- the default objective (least change: fewest edits, then the lowest cost,
  then the tie-break; from 500 steps on, each stage improving on a greedy
  plan that meets the budgets): ``plan`` is its total without the shadow prices,
  ``shadow`` what they took (a re-solve per budget, skipped above 1,000
  steps), ``solves`` how many solves it made;
- ``--objective cost`` (one stage), with its shadow prices' share.

``render`` is the default run's text and Markdown reports; ``saving`` its cost
saving. Targets: 200 steps proven optimal within 2 s, 10,000 steps finished
within 20 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from agentlint import report
from agentlint.graph.estimate import estimate
from agentlint.optimizer.milp import Formulation, cbc_available, highs_available
from agentlint.optimizer.problem import build_problem
from agentlint.optimizer.run import TimeLimitError, optimize
from agentlint.spec.load import load_workflow

MODELS = """models:
  large: {input_per_mtok: 2.5, output_per_mtok: 10.0, ttft_s: 0.6, tokens_per_s: 90, p_ok: 0.995}
  medium: {input_per_mtok: 0.4, output_per_mtok: 1.6, ttft_s: 0.45, tokens_per_s: 120, p_ok: 0.985}
  small: {input_per_mtok: 0.15, output_per_mtok: 0.6, ttft_s: 0.3, tokens_per_s: 200, p_ok: 0.97}
"""


def random_spec(n: int, seed: int) -> str:
    rng = random.Random(seed)
    lines = ["agentlint: 1", f"name: random-{n}", "execution: dag", MODELS.rstrip(),
             "inputs:", "  doc: {tokens: 1500}", "steps:"]
    names = ["large", "medium", "small"]
    for i in range(n):
        reads = sorted(rng.sample(range(max(0, i - 20), i), min(i, rng.randint(1, 3))))
        refs = " ".join(f"{{{{ steps.s{j}.output }}}}" for j in reads)
        prompt = f"Step {i} of the pipeline. {refs} {{{{ inputs.doc }}}} Answer."
        lines += [f"  - id: s{i}",
                  f"    model: {rng.choice(names)}",
                  "    candidates: [large, medium, small]",
                  f'    prompt: "{prompt}"',
                  f"    output_tokens: {rng.choice([50, 200, 400, 800])}",
                  f"    retries: {rng.randint(0, 2)}"]
    return "\n".join(lines) + "\n"


def with_budgets(text: str, path: str) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    est = estimate(load_workflow(path))
    return text + (f"budgets:\n  latency_s: {est.latency_s * 0.9!r}\n"
                   f"  reliability: {est.reliability!r}\n")


def _status(result: Any) -> str:
    if result is None:
        return "no plan in time"
    if result.status == "feasible" and result.gap is not None:
        return f"feasible {result.gap * 100:.2g}%"
    return str(result.status)


def measure(n: int, solver: str, folder: str, time_limit: float,
            seed: int = 1) -> dict[str, Any]:
    path = os.path.join(folder, f"random-{n}.yaml")
    text = with_budgets(random_spec(n, seed), path)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    wf = load_workflow(path)
    t0 = time.perf_counter()
    problem = build_problem(wf)
    form = Formulation(problem, solver)
    t1 = time.perf_counter()
    result = _optimize(path, solver, time_limit, "default")
    t2 = time.perf_counter()
    if result is not None:
        report.OPTIMIZE["text"](result, False)
        report.OPTIMIZE["markdown"](result, False)
    t3 = time.perf_counter()
    cost = _optimize(path, solver, time_limit, "cost")
    t4 = time.perf_counter()
    shadow = 0.0 if result is None else result.timings.get("shadow", 0.0)
    return {"steps": n, "variables": form.variables, "rows": len(form.constraints),
            "build": t1 - t0, "total": t2 - t1, "plan": t2 - t1 - shadow, "shadow": shadow,
            "solves": float("nan") if result is None else result.timings["solves"],
            "status": _status(result), "render": t3 - t2, "cost_total": t4 - t3,
            "cost_status": _status(cost),
            "cost_shadow": 0.0 if cost is None else cost.timings.get("shadow", 0.0),
            "saving": float("nan") if result is None
            else 1 - result.after.cost_usd / result.before.cost_usd}


def _optimize(path: str, solver: str, time_limit: float, objective: str) -> Any:
    """A whole run, or None when the time limit ran out before any plan was found."""
    try:
        return optimize(load_workflow(path), objective=objective, solver=solver,
                        time_limit=time_limit, path=path)
    except TimeLimitError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[200, 1000, 3000, 10000])
    parser.add_argument("--solver", choices=["highs", "cbc", "both"], default="highs")
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="seconds for each optimize run (default 60, the command's)")
    args = parser.parse_args()
    solvers = ["highs", "cbc"] if args.solver == "both" else [args.solver]
    solvers = [s for s in solvers if (highs_available() if s == "highs" else cbc_available())]
    print(f"{'':>29}{'default objective':-^52}  {'--objective cost':-^31}")
    print(f"{'steps':>6} {'solver':>6} {'vars':>7} {'build':>7} {'total':>8} {'plan':>8} "
          f"{'shadow':>8} {'solves':>6}  {'status':<17} {'total':>8} {'shadow':>8}  {'status':<13} "
          f"{'render':>7} {'saving':>7}")
    with tempfile.TemporaryDirectory() as folder:
        os.mkdir(os.path.join(folder, ".git"))
        for n in args.sizes:
            for solver in solvers:
                r = measure(n, solver, folder, args.time_limit)
                print(f"{n:>6} {solver:>6} {r['variables']:>7} {r['build']:>6.2f}s "
                      f"{r['total']:>7.2f}s {r['plan']:>7.2f}s {r['shadow']:>7.2f}s "
                      f"{r['solves']:>6.0f}  {r['status']:<17} {r['cost_total']:>7.2f}s "
                      f"{r['cost_shadow']:>7.2f}s  "
                      f"{r['cost_status']:<13} {r['render']:>6.2f}s {r['saving'] * 100:6.1f}%",
                      flush=True)


if __name__ == "__main__":
    main()
