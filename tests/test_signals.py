"""SIGINT and SIGTERM during ``optimize`` and during a write; the whole-command time limit.

Real processes only: a signal is sent to a running ``python -m agentlint``
once its solver is at work (a CBC child process, or the HiGHS thread, both
seen in /proc), and the test checks the exit code, the one line on stderr,
that no child survives and that nothing is left in the TMPDIR it set.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentlint.graph.estimate import estimate
from agentlint.spec.load import load_workflow
from tests.conftest import ROOT, exit_2_one_line

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

MODELS = """models:
  large: {input_per_mtok: 2.5, output_per_mtok: 10.0, ttft_s: 0.6, tokens_per_s: 90, p_ok: 0.995}
  medium: {input_per_mtok: 0.4, output_per_mtok: 1.6, ttft_s: 0.45, tokens_per_s: 120, p_ok: 0.985}
  small: {input_per_mtok: 0.15, output_per_mtok: 0.6, ttft_s: 0.3, tokens_per_s: 200, p_ok: 0.97}
"""


def long_spec(n: int, seed: int = 1) -> str:
    """A random DAG of ``n`` steps, nine settings each: with --gap 0 neither solver
    proves its plan optimal within a minute."""
    rng = random.Random(seed)
    lines = ["agentlint: 1", f"name: long-{n}", "execution: dag", MODELS.rstrip(),
             "inputs:", "  doc: {tokens: 1500}", "steps:"]
    for i in range(n):
        reads = sorted(rng.sample(range(max(0, i - 20), i), min(i, rng.randint(1, 3))))
        refs = " ".join(f"{{{{ steps.s{j}.output }}}}" for j in reads)
        lines += [f"  - id: s{i}",
                  f"    model: {rng.choice(['large', 'medium', 'small'])}",
                  "    candidates: [large, medium, small]",
                  f'    prompt: "Step {i}. {refs} {{{{ inputs.doc }}}} Answer."',
                  f"    output_tokens: {rng.choice([50, 200, 400, 800])}",
                  f"    retries: {rng.randint(0, 2)}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def hard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A spec whose solve with --gap 0 runs to the time limit, budgets binding."""
    root = tmp_path_factory.mktemp("hard")
    (root / ".git").mkdir()
    path = root / "hard.yaml"
    text = long_spec(1000)
    path.write_text(text, encoding="utf-8")
    est = estimate(load_workflow(str(path)))
    path.write_text(text + f"budgets:\n  latency_s: {est.latency_s * 0.9!r}\n"
                    f"  reliability: {est.reliability!r}\n", encoding="utf-8")
    return path


def start(*args: str, cwd: Path, tmpdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "agentlint", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except OSError:
            continue
        found += [int(x) for x in text.split()]
    return found


def thread_names(pid: int) -> list[str]:
    names = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            names.append(Path(f"/proc/{pid}/task/{task}/comm").read_text().strip())
        except OSError:
            continue
    return names


def wait_for(proc: subprocess.Popen[bytes], ready: object, timeout: float = 60.0) -> object:
    """Poll ``ready()`` until it gives something (the process must still be running)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        got = ready()  # type: ignore[operator]
        if got:
            return got
        time.sleep(0.02)
    proc.kill()
    pytest.fail("the solver never started")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[0]
    except OSError:
        return False
    return state != b"Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_cbc_child_is_ended_and_its_files_removed(hard: Path, tmp_path: Path,
                                                  signum: int) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    proc = start("optimize", "--solver", "cbc", "--gap", "0", "--time-limit", "120",
                 hard.name, cwd=hard.parent, tmpdir=temp)
    kids = wait_for(proc, lambda: children(proc.pid))
    assert isinstance(kids, list)
    assert any(os.listdir(temp)), "CBC's folder is where the test looks"
    sent = time.monotonic()
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert proc.returncode == 128 + signum, err
    assert err.decode() == f"agentlint: interrupted by {signal.Signals(signum).name}\n"
    assert b"Traceback" not in out + err
    time.sleep(0.2)
    assert not [pid for pid in kids if alive(pid)]
    assert os.listdir(temp) == []
    assert hard.read_text(encoding="utf-8").startswith("agentlint: 1")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_highs_solve_is_interrupted_at_once(hard: Path, tmp_path: Path, signum: int) -> None:
    """HiGHS runs in C for the whole solve: in a thread of its own, the signal is
    handled at once, not when the 120 s solve ends."""
    temp = tmp_path / "temp"
    temp.mkdir()
    proc = start("optimize", "--solver", "highs", "--gap", "0", "--time-limit", "120",
                 hard.name, cwd=hard.parent, tmpdir=temp)
    wait_for(proc, lambda: "agentlint-solve" in thread_names(proc.pid))
    time.sleep(0.3)
    sent = time.monotonic()
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert proc.returncode == 128 + signum, err
    assert err.decode() == f"agentlint: interrupted by {signal.Signals(signum).name}\n"
    assert out == b""
    assert os.listdir(temp) == []


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_time_limit_covers_the_whole_command(hard: Path, tmp_path: Path,
                                            solver: str) -> None:
    """With --gap 0 the solve alone would use all of it: the rewrite, the re-estimate
    and the rest still end within a small margin of the limit."""
    limit = 8.0
    temp = tmp_path / "temp"
    temp.mkdir()
    began = time.monotonic()
    # one stage (the lowest cost): the solve the limit stops is the one whose gap is told
    proc = start("optimize", "--solver", solver, "--gap", "0", "--time-limit", str(limit),
                 "--objective", "cost", "--format", "json", hard.name, cwd=hard.parent,
                 tmpdir=temp)
    out, err = proc.communicate(timeout=120)
    took = time.monotonic() - began
    # the margin: starting Python and importing agentlint before the clock starts
    assert took < limit + 2.0, (took, err)
    if proc.returncode == 2:  # a slow machine: no plan in time, said in one line
        run = subprocess.CompletedProcess(proc.args, 2, out.decode(), err.decode())
        assert "time limit (8 s) ran out" in exit_2_one_line(run)
    else:
        import json

        assert proc.returncode == 0, err
        data = json.loads(out)
        assert data["status"] == "feasible" and data["proven"] is False
        assert data["gap"] is not None and data["gap"] > 0
    assert os.listdir(temp) == []


def test_no_plan_in_time_is_one_line_and_exit_2(hard: Path, tmp_path: Path) -> None:
    """A limit too short for any plan: the reason in one line, the file named."""
    temp = tmp_path / "temp"
    temp.mkdir()
    proc = start("optimize", "--solver", "highs", "--time-limit", "0.01", hard.name,
                 cwd=hard.parent, tmpdir=temp)
    out, err = proc.communicate(timeout=120)
    run = subprocess.CompletedProcess(proc.args, proc.returncode, out.decode(), err.decode())
    line = exit_2_one_line(run)
    assert line.startswith("agentlint: hard.yaml: the time limit (0.01 s) ran out "), line
    assert "internal error" not in line
    assert out == b""


def test_signal_during_a_write_leaves_the_target_whole(tmp_path: Path) -> None:
    """SIGTERM while ``convert -o`` writes: exit 143, one line, the old file intact,
    no temporary file. The write is held at its rename by a ``sitecustomize`` that
    waits for the signal there."""
    (tmp_path / ".git").mkdir()
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, signal, time\n"
        "real = os.replace\n"
        "def slow(src, dst, *a, **k):\n"
        "    open(os.environ['READY'], 'w').close()\n"
        "    time.sleep(30)\n"
        "    return real(src, dst, *a, **k)\n"
        "os.replace = slow\n", encoding="utf-8")
    (tmp_path / "flow.dag.yaml").write_text(PROMPTFLOW, encoding="utf-8")
    (tmp_path / "answer.jinja2").write_text("Answer {{question}}\n", encoding="utf-8")
    target = tmp_path / "out.yaml"
    target.write_text("old\n", encoding="utf-8")
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{ROOT}", "READY": str(ready)}
    proc = subprocess.Popen([sys.executable, "-m", "agentlint", "convert", "flow.dag.yaml",
                             "-o", "out.yaml"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(proc, ready.exists)
    assert [p.name for p in tmp_path.glob(".agentlint-*.tmp")], "the write is under way"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert err.decode() == "agentlint: interrupted by SIGTERM\n"
    assert target.read_text(encoding="utf-8") == "old\n"
    assert not list(tmp_path.glob(".agentlint-*"))


PROMPTFLOW = """\
inputs:
  question: {type: string}
outputs:
  answer: {type: string, reference: "${answer.output}"}
nodes:
  - name: answer
    type: llm
    source: {type: code, path: answer.jinja2}
    inputs: {deployment_name: gpt-4o, question: "${inputs.question}"}
    connection: open_ai
    api: chat
"""
