"""How the optimizer scales: model building and solve time on random DAGs.

    python benchmarks/optimizer_scale.py              # 200, 1000, 3000, 10000 steps, HiGHS
    python benchmarks/optimizer_scale.py 10 100 --solver both

Each workflow is a random DAG (``execution: dag``): every step reads one to
three of the twenty steps before it, runs on one of three models and may get
0, 1 or 2 retries, so every step has nine options. Budgets bind: latency at
90 % of the spec as written, reliability at its value as written; the
default objective (keep every step, then lowest cost) is solved to proven
optimality. Printed per size and solver: the time to price the options
(``options``), to build the PuLP model (``build``), one solve of the
lowest cost under the budgets (``solve``), and a whole ``optimize`` run
measured separately (``total``: its solves, the tie-break and polish, the
rewrite of the spec and its re-estimate; ``post``: what of it came after
the solves, the tie-break, polish, rewrite and re-estimate; ``render``: its
text and Markdown reports; ``solves``: how many solves it made;
``status``: its status). Targets: 200 steps proven optimal within 2 s, 10,000
steps finished within 20 s (``total``).
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
from agentlint.optimizer.run import optimize
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


def measure(n: int, solver: str, folder: str, seed: int = 1) -> dict[str, Any]:
    path = os.path.join(folder, f"random-{n}.yaml")
    text = with_budgets(random_spec(n, seed), path)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    wf = load_workflow(path)
    t0 = time.perf_counter()
    problem = build_problem(wf)
    t1 = time.perf_counter()
    form = Formulation(problem, solver)
    t2 = time.perf_counter()
    rows = [form.budget_row(k, v) for k, v in wf.budgets.items()]
    cuts, _ = form.objective("cost_usd")
    first = form.solve(cuts, rows, 600)
    t3 = time.perf_counter()
    result = optimize(wf, solver=solver, time_limit=600, path=path)
    t4 = time.perf_counter()
    report.OPTIMIZE["text"](result, False)
    report.OPTIMIZE["markdown"](result, False)
    t5 = time.perf_counter()
    tm = result.timings
    return {"steps": n, "variables": form.variables, "rows": len(form.constraints),
            "options": t1 - t0, "build": t2 - t1, "solve": t3 - t2, "total": t4 - t3,
            "post": tm["total"] - tm["problem"] - tm["build"] - tm["solve"],
            "render": t5 - t4,
            "first": first.status, "status": result.status,
            "solves": result.timings["solves"],
            "saving": 1 - result.after.cost_usd / result.before.cost_usd}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[200, 1000, 3000, 10000])
    parser.add_argument("--solver", choices=["highs", "cbc", "both"], default="highs")
    args = parser.parse_args()
    solvers = ["highs", "cbc"] if args.solver == "both" else [args.solver]
    solvers = [s for s in solvers if (highs_available() if s == "highs" else cbc_available())]
    print(f"{'steps':>6} {'solver':>6} {'vars':>7} {'rows':>7} {'options':>8} {'build':>8} "
          f"{'solve':>8} {'total':>8} {'post':>8} {'render':>8} {'solves':>6}  status   "
          "saving")
    with tempfile.TemporaryDirectory() as folder:
        os.mkdir(os.path.join(folder, ".git"))
        for n in args.sizes:
            for solver in solvers:
                r = measure(n, solver, folder)
                print(f"{n:>6} {solver:>6} {r['variables']:>7} {r['rows']:>7} "
                      f"{r['options']:>7.3f}s {r['build']:>7.3f}s {r['solve']:>7.3f}s "
                      f"{r['total']:>7.3f}s {r['post']:>7.3f}s {r['render']:>7.3f}s "
                      f"{r['solves']:>6.0f}  {r['status']:<8} "
                      f"{r['saving'] * 100:5.1f} %",
                      flush=True)


if __name__ == "__main__":
    main()
