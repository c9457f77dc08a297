"""The optimizer at scale: every stage after the solve grows at most about n log n, and
a long solve shows what it is doing on a terminal only.

The speed itself (200 to 10,000 steps, with the solver) is measured by
benchmarks/optimizer_scale.py.
"""

from __future__ import annotations

import os
import pty
import random
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentlint.graph.estimate import estimate
from agentlint.optimizer.plan import Plan, current_plan, figures, start_and_tail, write
from agentlint.optimizer.polish import _State, polish
from agentlint.optimizer.problem import Problem, build_problem
from agentlint.spec.load import load_workflow
from tests.conftest import run_process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from optimizer_scale import random_spec, with_budgets

#: doubling the steps may at most multiply the time by this (n log n: about 2.2;
#: quadratic: 4)
DOUBLING = 3.0


def _problem(tmp: Path, n: int, dag: bool) -> tuple[Problem, str]:
    text = random_spec(n, 1)
    if not dag:
        text = text.replace("execution: dag\n", "")
    path = tmp / f"w{n}-{dag}.yaml"
    path.write_text(text, encoding="utf-8")
    return build_problem(load_workflow(str(path))), str(path)


def _moved(p: Problem) -> Plan:
    """Every step on its last option: the polish tries to undo each change."""
    return Plan([len(c.options) - 1 for c in p.choices], list(current_plan(p).merge))


def _best_of(k: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(k):
        t = time.perf_counter()
        work()
        times.append(time.perf_counter() - t)
    return min(times)


def _post_solve(p: Problem, path: str, score: Callable[[Any], tuple[float, ...]]
                ) -> Callable[[], Any]:
    """Polish, rewrite, load again and estimate: what follows a solve."""
    def work() -> Any:
        plan = polish(p, _moved(p), score, lambda f: True)
        rw = write(p, plan)
        return estimate(load_workflow(path, text=rw.text))
    return work


@pytest.mark.slow
@pytest.mark.parametrize("dag", [True, False], ids=["dag", "sequential"])
def test_post_solve_stages_double_at_most_n_log_n(tmp_path: Path, dag: bool) -> None:
    n = 1500 if dag else 1000
    small, small_path = _problem(tmp_path, n, dag)
    large, large_path = _problem(tmp_path, 2 * n, dag)

    def score(f: Any) -> tuple[float, ...]:
        return (float(f.cuts), f.cost_usd)

    t1 = _best_of(3, _post_solve(small, small_path, score))
    t2 = _best_of(3, _post_solve(large, large_path, score))
    assert t2 <= DOUBLING * t1 + 0.05, (n, t1, t2)


@pytest.mark.slow
def test_polish_with_latency_in_the_score_doubles_at_most_n_log_n_sequential(
        tmp_path: Path) -> None:
    small, _ = _problem(tmp_path, 1000, False)
    large, _ = _problem(tmp_path, 2000, False)

    def run(p: Problem) -> Callable[[], Any]:
        return lambda: polish(p, _moved(p), lambda f: (f.latency_s,), lambda f: True)

    t1, t2 = _best_of(3, run(small)), _best_of(3, run(large))
    assert t2 <= DOUBLING * t1 + 0.05, (t1, t2)


@pytest.mark.parametrize("seed", range(5))
def test_lazy_starts_and_tails_equal_a_fresh_pass(tmp_path: Path, seed: int) -> None:
    """After any sequence of accepted changes, the starts and tails a trial reads are
    exactly those of a fresh longest-path pass over the plan."""
    p, _ = _problem(tmp_path, 120, True)
    rng = random.Random(seed)
    plan = _moved(p)
    state = _State(p, plan)
    for _ in range(200):
        i = rng.randrange(p.n)
        choice = p.choices[i]
        alt: int | None = rng.randrange(len(choice.options))
        if choice.cuttable and rng.random() < 0.2:
            alt = None
        f = state.try_choice(i, alt, False)
        assert f is not None
        state.accept(i, alt, f)
        j = rng.randrange(p.n)
        state._settle(j)
        start, tail = start_and_tail(p, Plan(list(state.choice), state.merge))
        assert state.start[j] == start[j]
        assert state.tail[j] == tail[j]
    exact = figures(p, Plan(list(state.choice), state.merge))
    assert state.cost == pytest.approx(exact.cost_usd, rel=1e-9)
    assert state.cuts == exact.cuts


def test_sequential_trials_equal_a_fresh_figure(tmp_path: Path) -> None:
    """Sequential mode: a trial's latency, read from the touched group only, is the
    latency of the plan it describes."""
    p, _ = _problem(tmp_path, 150, False)
    assert p.sequential
    rng = random.Random(7)
    plan = current_plan(p)
    merge = list(plan.merge)
    for seg in p.segments:  # some groups of two or three, where no dependency forbids it
        if seg.free:
            for v in seg.positions[1::3]:
                merge[v] = True
    state = _State(p, Plan(list(plan.choice), merge))
    for _ in range(300):
        i = rng.randrange(p.n)
        alt = rng.randrange(len(p.choices[i].options))
        f = state.try_choice(i, alt, True)
        assert f is not None
        trial = Plan(list(state.choice), state.merge)
        trial.choice[i] = alt
        assert f.latency_s == pytest.approx(figures(p, trial).latency_s, rel=1e-9, abs=1e-9)
        if rng.random() < 0.5:
            state.accept(i, alt, f)


# -- the progress line -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("progress")
    (folder / ".git").mkdir()
    path = folder / "random-150.yaml"
    path.write_text(with_budgets(random_spec(150, 3), str(path)), encoding="utf-8")
    return path


#: both runs must reach the same proven plan: on a busy machine the default 60 s limit can
#: stop one of them early, and a plan cut by the clock may differ from a proven one
UNHURRIED = ("--time-limit", "600")


@pytest.fixture(scope="module")
def piped(big_spec: Path) -> subprocess.CompletedProcess[str]:
    """The run with stdout and stderr piped, as a script or CI sees it."""
    return run_process("optimize", str(big_spec), "--solver", "highs", *UNHURRIED)


def _on_a_terminal(args: list[str], out: Path, timeout: float = 120) -> tuple[int, bytes]:
    """Run agentlint with stderr on a pseudo-terminal and stdout into ``out``."""
    master, slave = pty.openpty()
    with open(out, "wb") as stdout:
        proc = subprocess.Popen([sys.executable, "-m", "agentlint", *args], stdout=stdout,
                                stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal's last writer is gone
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, seen


def test_a_terminal_sees_one_updating_line_and_stdout_stays_clean(
        big_spec: Path, piped: subprocess.CompletedProcess[str], tmp_path: Path) -> None:
    out = tmp_path / "stdout.txt"
    code, seen = _on_a_terminal(["optimize", str(big_spec), "--solver", "highs", *UNHURRIED],
                                out, timeout=660)
    assert code == 0, seen
    text = seen.decode("utf-8")
    assert "agentlint optimize: building the model" in text
    assert "agentlint optimize: solving (cost)" in text
    assert "agentlint optimize: re-checking the plan" in text
    assert "\n" not in text.replace("\r\n", "")  # one line, redrawn in place
    assert text.endswith("\r\x1b[K")  # and erased before the report
    report = out.read_text(encoding="utf-8")
    assert "agentlint optimize:" not in report and "\x1b" not in report and "\r" not in report
    assert piped.returncode == 0
    assert report == piped.stdout


def test_a_piped_stderr_stays_empty_unless_verbose(
        big_spec: Path, piped: subprocess.CompletedProcess[str]) -> None:
    quiet = piped
    assert quiet.returncode == 0
    assert quiet.stderr == ""
    loud = run_process("optimize", str(big_spec), "--solver", "highs", "--verbose")
    assert loud.returncode == 0
    lines = [line for line in loud.stderr.splitlines() if line.startswith("agentlint optimize:")]
    assert lines[0].startswith("agentlint optimize: building the model")
    assert any(line.startswith("agentlint optimize: solving (cost)") for line in lines)
    assert "\r" not in loud.stderr and "\x1b" not in loud.stderr
    assert loud.stdout == quiet.stdout
