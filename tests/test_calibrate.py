"""``agentlint calibrate``: figures recovered from generated traces whose truth differs
from the spec, the calibrated estimate against the traces' own means, the drift gate.

The traces are made by tests/tracegen.py with the real OpenTelemetry SDK and
written as the Collector's file exporter writes OTLP JSON.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentlint.adapters.profile import overlay_workflow
from agentlint.calibrate.mapping import Mapper
from agentlint.calibrate.measure import Calibrator, Measured
from agentlint.graph.estimate import estimate, step_tokens
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from agentlint.trace.read import read_spans
from agentlint.trace.span import Span
from tests.conftest import exit_2_one_line, run_process
from tests.support import write
from tests.tracegen import Generator, Truth

ROOT = Path(__file__).resolve().parent.parent
FANOUT = ROOT / "examples" / "research-fanout.yaml"
#: research-fanout's truth: twice the spec's input on one step, 93 % success on one model,
#: the researchers' model a quarter slower than the spec says, a longer brief, and the
#: prompt cache serving two researchers' instructions now and then
DRIFTED = Truth(input_scale={"research_news": 2.0}, p_ok={"claude-sonnet-4-5": 0.93},
                speed={"scout": 0.75}, output_scale={"synthesise": 1.2},
                cached={f"research_{s}": (0.6, 1000) for s in ("papers", "filings")})
RUNS = 300

ROUTER_SPEC = """\
agentlint: 1
name: triage
execution: dag
models:
  small: {input_per_mtok: 0.15, output_per_mtok: 0.6, ttft_s: 0.3, tokens_per_s: 150, p_ok: 0.99}
  big: {input_per_mtok: 2.5, output_per_mtok: 10, ttft_s: 0.6, tokens_per_s: 80, p_ok: 0.98}
inputs:
  ticket: {tokens: 400}
steps:
  - id: route
    kind: router
    model: small
    prompt: "Route this ticket: {{ inputs.ticket }}"
    output_tokens: 10
    routes: [easy, hard]
  - id: easy
    model: small
    prompt: "Answer: {{ inputs.ticket }}"
    output_tokens: 200
  - id: hard
    model: big
    prompt: "Answer carefully: {{ inputs.ticket }}"
    output_tokens: 600
    retries: 1
"""


LOOP_SPEC = """\
agentlint: 1
name: drafting
models:
  small: {input_per_mtok: 0.15, output_per_mtok: 0.6, ttft_s: 0.3, tokens_per_s: 150, p_ok: 0.99}
steps:
  - id: draft
    model: small
    prompt: "Write the draft."
    output_tokens: 300
  - id: review
    model: small
    prompt: "Review: {{ steps.draft.output }}"
    output_tokens: 50
loops:
  - id: rounds
    steps: [draft, review]
    max_iterations: 4
    until: "{{ steps.review.output }} starts with OK"
"""


def load(path: Path) -> Workflow:
    wf = load_any(str(path), explicit=True, display=path.name)
    assert wf is not None
    return wf


def generate(folder: Path, spec: Path, truth: Truth, runs: int, seed: int = 7,
             step_attribute: bool = True) -> tuple[Path, Generator]:
    gen = Generator(load(spec), truth, seed, step_attribute=step_attribute)
    out = folder / f"traces-{seed}-{int(step_attribute)}.jsonl"
    gen.write(str(out), runs)
    return out, gen


def measure(spec: Path, traces: Path) -> Measured:
    return Calibrator(load(spec)).feed(read_spans([str(traces)]))


@pytest.fixture(scope="module")
def fanout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Generator]:
    folder = tmp_path_factory.mktemp("fanout")
    spec = folder / "research-fanout.yaml"
    shutil.copy(FANOUT, spec)
    traces, gen = generate(folder, spec, DRIFTED, RUNS)
    return spec, traces, gen


def within(value: float, truth: float, rel: float = 0.05) -> bool:
    return abs(value - truth) <= rel * abs(truth)


def test_the_traces_are_otlp_json_as_the_collector_writes_it(fanout: tuple[Path, Path, Generator]
                                                             ) -> None:
    _, traces, _ = fanout
    line = json.loads(traces.read_text(encoding="utf-8").splitlines()[0])
    span = line["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert len(span["traceId"]) == 32 and int(span["traceId"], 16) >= 0  # hex, not base64
    assert isinstance(span["startTimeUnixNano"], str)  # int64 as a decimal string
    keys = {a["key"] for a in span["attributes"]}
    assert {"gen_ai.request.model", "gen_ai.usage.input_tokens"} <= keys


def test_calibration_recovers_the_true_figures(fanout: tuple[Path, Path, Generator]) -> None:
    spec, traces, gen = fanout
    m = measure(spec, traces)
    wf = load(spec)
    assert m.runs == RUNS and m.ambiguous == 0 and m.rootless == 0 and m.late == 0
    assert m.unmatched > 0  # the generator's stray embedding spans: counted, not placed
    spec_input = step_tokens(wf, wf.step("research_news")).input
    assert within(m.steps["research_news"].input_tokens.mean, 2 * spec_input)
    assert within(m.steps["research_papers"].input_tokens.mean,
                  step_tokens(wf, wf.step("research_papers")).input)
    assert within(m.models["claude-sonnet-4-5"].p_ok or 0, 0.93)
    assert within(m.steps["synthesise"].p_ok or 0, 0.93)
    assert within(m.steps["research_papers"].cache_hit or 0, 0.6)
    assert m.steps["research_news"].cache_hit == 0
    assert m.steps["research_news"].calls_per_attempt == 4
    assert m.steps["synthesise"].retries_seen == 1
    assert within(m.cost_mean, gen.cost / gen.runs, 1e-9)
    assert within(m.latency_mean, gen.latency / gen.runs, 1e-9)


def test_mapping_by_agent_name_and_call_order_gives_the_same_figures(tmp_path: Path) -> None:
    spec = tmp_path / "research-fanout.yaml"
    shutil.copy(FANOUT, spec)
    with_ids, _ = generate(tmp_path, spec, DRIFTED, 60, seed=3, step_attribute=True)
    by_order, _ = generate(tmp_path, spec, DRIFTED, 60, seed=3, step_attribute=False)
    a, b = measure(spec, with_ids), measure(spec, by_order)
    assert b.ambiguous == 0
    for sid, fig in a.steps.items():
        assert fig.input_tokens.total == b.steps[sid].input_tokens.total, sid
        assert fig.calls == b.steps[sid].calls, sid


def _span(span_id: str, parent: str | None, name: str, start: int, **kw: object) -> Span:
    return Span("t1", span_id, parent, name, start, start + 10, **kw)  # type: ignore[arg-type]


def test_spans_of_a_shared_agent_that_start_together_are_ambiguous() -> None:
    wf = load(FANOUT)
    spans = [_span("r", None, "run", 0),
             _span("a", "r", "invoke_agent researcher", 5, agent="researcher"),
             _span("b", "r", "invoke_agent researcher", 5, agent="researcher"),
             _span("c", "a", "chat", 6, operation="chat", input_tokens=3, output_tokens=4),
             _span("p", "r", "invoke_agent plan", 1, agent="plan"),
             _span("x", "r", "mystery", 1)]
    tm = Mapper(wf).map(spans[0], spans)
    assert [e.step for e in tm.executions] == ["plan"]
    assert {s.span_id for s in tm.ambiguous} == {"a", "b", "c"}
    assert [s.span_id for s in tm.unmatched] == ["x"]


def test_router_shares_are_recovered(tmp_path: Path) -> None:
    spec = write(tmp_path / "triage.yaml", ROUTER_SPEC)
    truth = Truth(shares={"route": {"easy": 0.6, "hard": 0.4}}, output_scale={"hard": 1.5})
    traces, gen = generate(tmp_path, spec, truth, 600)
    m = measure(spec, traces)
    took = m.routes["route"]
    assert within(took["easy"] / m.router_runs["route"], 0.6)
    assert within(took["hard"] / m.router_runs["route"], 0.4)
    run = run_process("calibrate", str(traces), "--spec", str(spec), "-o", "p.yaml",
                      cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    wf = load(spec)
    assert estimate(wf).cost_usd < 0.97 * gen.cost / gen.runs  # the spec's 50/50 is off
    overlay_workflow(wf, str(tmp_path / "p.yaml"))
    assert [r.share for r in wf.step("route").routes] == pytest.approx([0.6, 0.4], abs=0.03)
    assert within(estimate(wf).cost_usd, gen.cost / gen.runs)


def test_loop_rounds_are_recovered(tmp_path: Path) -> None:
    spec = write(tmp_path / "drafting.yaml", LOOP_SPEC)
    truth = Truth(rounds={"rounds": [(1, 0.1), (2, 0.3), (3, 0.4), (4, 0.2)]})
    traces, gen = generate(tmp_path, spec, truth, 250, step_attribute=False)
    m = measure(spec, traces)
    assert m.ambiguous == 0
    assert within(m.rounds["rounds"].mean, 2.7)
    assert m.rounds["rounds"].quantile(1.0) == 4
    run = run_process("calibrate", str(traces), "--spec", str(spec), "-o", "p.yaml",
                      cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "loop rounds:" in run.stdout
    wf = load(spec)
    overlay_workflow(wf, str(tmp_path / "p.yaml"))
    assert within(wf.loops[0].expected_iterations, 2.7)
    assert within(estimate(wf).cost_usd, gen.cost / gen.runs)


def test_fan_out_widths_are_recovered(tmp_path: Path) -> None:
    # the review reads no draft here: the generator sizes inputs from the spec, which
    # would not know of the true number of drafts
    spec = write(tmp_path / "fan.yaml", LOOP_SPEC.split("loops:")[0].replace(
        "    output_tokens: 300\n", "    output_tokens: 300\n    fan_out: {count: 2}\n")
        .replace("{{ steps.draft.output }}", "the drafts"))
    truth = Truth(widths={"draft": [(3, 0.5), (5, 0.5)]})
    traces, gen = generate(tmp_path, spec, truth, 200, step_attribute=False)
    m = measure(spec, traces)
    fig = m.steps["draft"]
    assert fig.executions == sum(k * v for k, v in fig.per_run.items())
    assert within(fig.executions / fig.runs, 4.0)
    run = run_process("calibrate", str(traces), "--spec", str(spec), "-o", "p.yaml",
                      cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    wf = load(spec)
    overlay_workflow(wf, str(tmp_path / "p.yaml"))
    assert wf.step("draft").fan_out == 4
    assert within(estimate(wf).cost_usd, gen.cost / gen.runs)


def test_the_calibrated_estimate_matches_the_traces(fanout: tuple[Path, Path, Generator],
                                                    tmp_path: Path) -> None:
    spec, traces, gen = fanout
    run = run_process("calibrate", str(traces), "--spec", str(spec), "-o", "calibrated.yaml",
                      cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "research_news" in run.stdout and f"{RUNS} runs measured" in run.stdout
    before = json.loads(run_process("estimate", str(spec), "--format", "json").stdout)
    after = run_process("estimate", str(spec), "--format", "json", "--profile",
                        str(tmp_path / "calibrated.yaml"))
    assert after.returncode in (0, 1), after.stderr
    data = json.loads(after.stdout)
    cost, latency = gen.cost / gen.runs, gen.latency / gen.runs
    assert not within(before["cost_usd"], cost, 0.05)  # the spec alone is off by more
    assert not within(before["latency_s"], latency, 0.05)
    assert within(data["cost_usd"], cost) and within(data["latency_s"], latency)
    assert within(data["cost_usd"], cost, 0.01)  # cached input priced as cached
    assert "scout" in (tmp_path / "calibrated.yaml").read_text(encoding="utf-8")


def test_check_fails_on_drift_and_passes_without(tmp_path: Path) -> None:
    spec = tmp_path / "research-fanout.yaml"
    shutil.copy(FANOUT, spec)
    steady, _ = generate(tmp_path, spec, Truth(), 250, seed=11)
    drifted, _ = generate(tmp_path, spec, Truth(output_scale={"synthesise": 2.5},
                                                input_scale={"research_news": 2.0}), 120,
                          seed=12)
    ok = run_process("calibrate", str(steady), "--spec", str(spec), "--check", cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "drift cost+10%" in ok.stdout and "FAIL" not in ok.stdout
    bad = run_process("calibrate", str(drifted), "--spec", str(spec), "--check",
                      "--fail-on", "cost+10%", "--fail-on", "latency+5s", cwd=tmp_path)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "drift cost+10%" in bad.stdout and "FAIL" in bad.stdout
    furthest = bad.stdout.split("furthest off:")[1].splitlines()[1:3]
    assert {line.split(":")[0].strip() for line in furthest} == {"synthesise", "research_news"}


def test_a_bad_export_line_stops_at_its_place(tmp_path: Path) -> None:
    spec = tmp_path / "research-fanout.yaml"
    shutil.copy(FANOUT, spec)
    (tmp_path / "t.jsonl").write_text('{"resourceSpans": []}\n{"resourceSpans": [1]}\n',
                                      encoding="utf-8")
    run = run_process("calibrate", "t.jsonl", "--spec", str(spec), cwd=tmp_path)
    assert exit_2_one_line(run, "t.jsonl").startswith("t.jsonl:2:")
    bad = run_process("calibrate", "t.jsonl", "--spec", str(spec), "--check", "--fail-on",
                      "cost-3%", cwd=tmp_path)
    assert bad.returncode == 2 and "--fail-on" in bad.stderr


@pytest.mark.slow
def test_a_thousand_runs_recover_the_figures_and_the_means(tmp_path: Path) -> None:
    spec = tmp_path / "research-fanout.yaml"
    shutil.copy(FANOUT, spec)
    traces, gen = generate(tmp_path, spec, DRIFTED, 1000, seed=5, step_attribute=False)
    m = measure(spec, traces)
    wf = load(spec)
    assert within(m.steps["research_news"].input_tokens.mean,
                  2 * step_tokens(wf, wf.step("research_news")).input)
    assert within(m.models["claude-sonnet-4-5"].p_ok or 0, 0.93, 0.02)
    run = run_process("calibrate", str(traces), "--spec", str(spec), "-o", "c.yaml",
                      cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    overlay_workflow(wf, str(tmp_path / "c.yaml"))
    est = estimate(wf)
    assert within(est.cost_usd, gen.cost / gen.runs)
    assert within(est.latency_s, gen.latency / gen.runs)


def test_hostile_span_names_are_escaped_and_missing_files_stop_the_run(tmp_path: Path
                                                                      ) -> None:
    spec = tmp_path / "research-fanout.yaml"
    shutil.copy(FANOUT, spec)
    line = {"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "ab" * 16, "spanId": "cd" * 8, "name": "run",
         "startTimeUnixNano": "1", "endTimeUnixNano": "2000000001"},
        {"traceId": "ab" * 16, "spanId": "ef" * 8, "parentSpanId": "cd" * 8,
         "name": "\x1b[2J\x1b[31mowned\r\nnext", "startTimeUnixNano": "1",
         "endTimeUnixNano": "2"}]}]}]}
    (tmp_path / "t.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    run = run_process("calibrate", "t.jsonl", "--spec", str(spec), "-o", "p.yaml",
                      cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "\x1b" not in run.stdout and "\r" not in run.stdout
    assert "1 runs measured" not in run.stdout and "1 run measured" in run.stdout
    assert "unmatched: t.jsonl:1: span" in run.stdout
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    empty = run_process("calibrate", "empty.jsonl", "--spec", str(spec), "--check",
                        cwd=tmp_path)
    assert "no run of the workflow" in exit_2_one_line(empty, "empty.jsonl")
    missing = run_process("calibrate", "nope.jsonl", "--spec", str(spec), cwd=tmp_path)
    assert "trace file not found" in exit_2_one_line(missing, "nope.jsonl")


def test_progress_goes_to_a_terminal_and_nowhere_else(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    spec = tmp_path / "research-fanout.yaml"
    shutil.copy(FANOUT, spec)
    runs = [json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": f"{i:032x}", "spanId": f"{i + 1:016x}", "name": "run",
         "startTimeUnixNano": "1", "endTimeUnixNano": "1000000001"}]}]}]})
        for i in range(12_000)]
    (tmp_path / "t.jsonl").write_text("\n".join(runs) + "\n", encoding="utf-8")
    args = ["calibrate", "t.jsonl", "--spec", str(spec), "-o", "p.yaml"]
    plain = run_process(*args, cwd=tmp_path)
    assert plain.returncode == 0 and "MB of traces read" not in plain.stderr + plain.stdout
    main, other = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "agentlint", *args], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=other, timeout=120)
        os.close(other)
        seen = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main)
    assert done.returncode == 0
    assert b"MB of traces read" in seen
    assert b"read" not in done.stdout and b"12,000 runs measured" in done.stdout


def test_a_trace_is_folded_whole_whatever_the_order_of_its_spans(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import agentlint.calibrate.measure as measure_module

    monkeypatch.setattr(measure_module, "QUIET_SPANS", 10)
    wf = load(FANOUT)
    cal = Calibrator(wf)
    most = 0
    for t in range(40):
        trace = f"{t:032x}"
        root = Span(trace, "r", None, "run", 0, 10**9)
        plan = Span(trace, "p", "r", "invoke_agent plan", 1, 2, agent="plan")
        call = Span(trace, "c", "p", "chat", 1, 2, operation="chat", input_tokens=5,
                    output_tokens=7)
        # the root first, its children after it, as some exporters write them
        for span in (root, plan, call) if t % 2 else (call, plan, root):
            cal.add(span)
        most = max(most, cal.open_spans)
    m = cal.finish()
    assert m.runs == 40 and m.late == 0 and m.rootless == 0
    assert m.steps["plan"].calls == 40 and m.steps["plan"].input_tokens.mean == 5
    assert most <= 10 + 3  # folded as the window passes: memory does not follow the file


REACT_SPEC = """\
agentlint: 1
name: react
models:
  gpt-4o: {}
tools:
  web_search: {effect: read, per_call_s: 1.0}
agents:
  assistant: {model: gpt-4o, tools: [web_search]}
steps:
  - id: agent
    agent: assistant
    prompt: "Answer with the tools you have."
    output_tokens: 100
  - id: tools
    kind: tool
    tool: web_search
    prompt: "{{ steps.agent.output }}"
loops:
  - id: react
    steps: [agent, tools]
    max_iterations: 5
    until: "{{ steps.agent.output }} has no tool call"
"""


def test_a_real_langfuse_export_of_a_langgraph_agent_is_calibrated(tmp_path: Path) -> None:
    """Langfuse's own LangGraph trace (tests/fixtures/SOURCES.md): nodes ``agent`` and
    ``tools``, the agent asked twice, one web search between."""
    spec = write(tmp_path / "react.yaml", REACT_SPEC)
    export = ROOT / "tests" / "fixtures" / "traces" / "langfuse-langgraph-2025-08-22.json"
    m = measure(spec, export)
    assert (m.runs, m.unmatched, m.ambiguous) == (1, 0, 0)
    agent = m.steps["agent"]
    assert (agent.executions, agent.calls, agent.input_tokens.total) == (2, 2, 168)
    assert m.rounds["react"].mean == 2 and m.steps["tools"].executions == 1
    run = run_process("calibrate", str(export), "--spec", str(spec), "-o", "p.yaml",
                      "--trace-format", "langfuse", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    wf = load(spec)
    overlay_workflow(wf, str(tmp_path / "p.yaml"))
    assert wf.step("agent").input_tokens == 84 and wf.loops[0].expected_iterations == 2
    assert wf.step("tools").per_call_s is not None and wf.step("tools").per_call_s < 0.1
