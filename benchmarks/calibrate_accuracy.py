"""How close ``agentlint calibrate`` gets to the truth of generated traces.

Run: ``python benchmarks/calibrate_accuracy.py [RUNS]`` (needs the test extra:
``opentelemetry-sdk``). It simulates RUNS (default 1,000) runs of
examples/research-fanout.yaml with tests/tracegen.py, whose truth differs from
the spec (twice the input of ``research_news``, 93 % success per call on
``claude-sonnet-4-5``, the researchers' model a quarter slower, a 20 % longer
brief, the prompt cache serving 60 % of two researchers' calls), and of a
router spec whose branches split 60/40 (the spec assumes 50/50); it calibrates
from the OTLP JSON lines written, then prints each recovered figure beside
the truth and the calibrated estimate beside the traces' own mean cost and
duration (the target: within 5 %).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agentlint.adapters.profile import overlay_workflow  # noqa: E402
from agentlint.calibrate.measure import Calibrator  # noqa: E402
from agentlint.calibrate.overlay import profile_text  # noqa: E402
from agentlint.graph.estimate import estimate, step_tokens  # noqa: E402
from agentlint.sources import load_any  # noqa: E402
from agentlint.trace.read import read_spans  # noqa: E402
from tests.test_calibrate import DRIFTED, ROUTER_SPEC  # noqa: E402
from tests.tracegen import Generator, Truth  # noqa: E402


def load(path: Path):  # type: ignore[no-untyped-def]
    return load_any(str(path), explicit=True, display=path.name)


def row(label: str, got: float, truth: float) -> None:
    print(f"  {label:44} {got:12.5g} {truth:12.5g} {100 * (got - truth) / truth:+7.2f} %")


def calibrate(folder: Path, spec: Path, truth: Truth, runs: int):  # type: ignore[no-untyped-def]
    gen = Generator(load(spec), truth, 5, step_attribute=False)
    traces = folder / f"{spec.stem}.jsonl"
    started = time.perf_counter()
    gen.write(str(traces), runs)
    made = time.perf_counter() - started
    started = time.perf_counter()
    m = Calibrator(load(spec)).feed(read_spans([str(traces)]))
    read = time.perf_counter() - started
    profile = folder / f"{spec.stem}.profile.yaml"
    profile.write_text(profile_text(load(spec), m, [str(traces)]), encoding="utf-8")
    wf = load(spec)
    overlay_workflow(wf, str(profile), str(folder))
    size = os.path.getsize(traces)
    print(f"{spec.name}: {runs} runs, {m.spans:,} spans, {size / 1e6:.1f} MB; generated "
          f"in {made:.1f} s, calibrated in {read:.1f} s ({m.spans / read:,.0f} spans/s)")
    return gen, m, wf


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = folder / "research-fanout.yaml"
        spec.write_text((ROOT / "examples" / "research-fanout.yaml").read_text("utf-8"), "utf-8")
        gen, m, wf = calibrate(folder, spec, DRIFTED, runs)
        plain = load(spec)
        print(f"  {'figure':44} {'calibrated':>12} {'truth':>12} {'error':>9}")
        row("research_news input tokens per call", m.steps["research_news"].input_tokens.mean,
            2 * step_tokens(plain, plain.step("research_news")).input)
        row("synthesise output tokens per call", m.steps["synthesise"].output_tokens.mean,
            1.2 * plain.step("synthesise").output_tokens)
        row("claude-sonnet-4-5 success per call", m.models["claude-sonnet-4-5"].p_ok or 0, 0.93)
        row("research_papers prompt-cache hit rate", m.steps["research_papers"].cache_hit or 0,
            0.6)
        row("scout tokens per second", wf.models["scout"].tokens_per_s or 0,
            0.75 * (plain.models["scout"].tokens_per_s or 0))
        est = estimate(wf)
        row("calibrated estimate: cost per run (USD)", est.cost_usd, gen.cost / gen.runs)
        row("calibrated estimate: latency (s)", est.latency_s, gen.latency / gen.runs)
        row("the spec's own estimate: cost per run", estimate(plain).cost_usd,
            gen.cost / gen.runs)
        row("the spec's own estimate: latency", estimate(plain).latency_s,
            gen.latency / gen.runs)
        router = folder / "triage.yaml"
        router.write_text(ROUTER_SPEC, "utf-8")
        gen, m, wf = calibrate(folder, router, Truth(
            shares={"route": {"easy": 0.6, "hard": 0.4}}, output_scale={"hard": 1.5}), runs)
        row("share of runs routed to easy", m.routes["route"]["easy"] / m.router_runs["route"],
            0.6)
        est = estimate(wf)
        row("calibrated estimate: cost per run (USD)", est.cost_usd, gen.cost / gen.runs)
        row("calibrated estimate: latency (s)", est.latency_s, gen.latency / gen.runs)


if __name__ == "__main__":
    main()
