"""Inputs of hostile scale finish in time linear in their size, or are refused by a limit.

Each is linted by a real process under a time limit and a memory limit (the
address space, set with ``setrlimit`` before the process starts). The full
sizes are ``slow``; a sample a tenth the size runs in the quick suite.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentlint import paths
from agentlint.spec import tokens
from agentlint.spec.load import load_workflow as load
from tests.conftest import exit_2_one_line

#: the most address space a run may take (the interpreter and its libraries take ~300 MiB)
MEMORY_LIMIT = 1536 * 1024 * 1024
MODEL = "models:\n  small: {per_call_usd: 0.001, per_call_s: 0.2, p_ok: 0.99}\n"


def _limited() -> None:  # pragma: no cover - runs in the child process
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def lint(root: Path, name: str, seconds: float) -> subprocess.CompletedProcess[str]:
    """``agentlint lint NAME`` in ``root``, which must end within ``seconds``."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "agentlint", "lint", name], cwd=root,
                          capture_output=True, text=True, timeout=seconds * 2,
                          preexec_fn=_limited)
    took = time.monotonic() - start
    assert took < seconds, (name, took, done.stderr[-500:])
    assert "MemoryError" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


# -- a router with 20,000 routes --------------------------------------------------------


def _router(root: Path, n: int) -> None:
    lines = ["agentlint: 1", "name: wide", MODEL + "steps:", "  - id: route",
             "    kind: router", "    model: small", "    prompt: pick one",
             "    routes: [" + ", ".join(f"r{i}" for i in range(n)) + "]"]
    for i in range(n):
        lines += [f"  - id: r{i}", "    model: small", f"    prompt: answer {i}"]
    (root / "wide.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_router_with_2000_routes(repo: Path) -> None:
    _router(repo, 2_000)
    assert lint(repo, "wide.yaml", 20).returncode in (0, 1)


@pytest.mark.slow
def test_router_with_20000_routes(repo: Path) -> None:
    # the grouping of a router's alternatives was quadratic: 237 s here
    _router(repo, 20_000)
    assert lint(repo, "wide.yaml", 60).returncode in (0, 1)


# -- one 1 MB prompt file shared by 6,000 steps -----------------------------------------

PROMPT = ("Today is 2024-01-01. {{ inputs.q }}\n"
          + ("You answer questions about the manual. " * 25 + "\n") * 1_000)


def _shared(root: Path, steps: int) -> Path:
    (root / "prompts").mkdir()
    (root / "prompts" / "big.txt").write_text(PROMPT, encoding="utf-8")
    lines = ["agentlint: 1", "name: shared", MODEL + "inputs:\n  q: {tokens: 10}\nsteps:"]
    for i in range(steps):
        lines += [f"  - id: s{i}", "    model: small", "    prompt_file: prompts/big.txt",
                  "    system_file: prompts/big.txt"]
    spec = root / "shared.yaml"
    spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spec


def test_prompt_file_is_read_and_counted_once(repo: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _shared(repo, 50)
    opened: list[str] = []
    real_open = os.open

    def counting_open(path: str, flags: int, *args: int) -> int:
        opened.append(os.path.basename(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(paths.os, "open", counting_open)
    before = tokens._kept_text_tokens.cache_info()
    with paths.read_once():
        wf = load(str(spec))
        sizes = {tokens.text_tokens(step.prompt) for step in wf.steps}
    assert opened.count("big.txt") == 1
    # 100 fields hold one text: one string, counted once
    assert len({id(step.prompt) for step in wf.steps} | {id(s.system) for s in wf.steps}) == 1
    assert len(sizes) == 1
    after = tokens._kept_text_tokens.cache_info()
    assert after.misses - before.misses <= 1


def test_prompt_file_is_read_again_in_the_next_run(repo: Path) -> None:
    spec = _shared(repo, 2)
    with paths.read_once():
        first = load(str(spec)).steps[0].prompt
    (repo / "prompts" / "big.txt").write_text("Short now.\n", encoding="utf-8")
    with paths.read_once():
        assert load(str(spec)).steps[0].prompt == "Short now.\n" != first


def test_a_file_rewritten_during_a_run_is_read_again(repo: Path) -> None:
    target = repo / "p.txt"
    target.write_text("one\n", encoding="utf-8")
    with paths.read_once():
        assert paths.read_text(str(target), str(repo), limit=100) == "one\n"
        paths.write_text_atomic(str(target), "two, longer\n")
        assert paths.read_text(str(target), str(repo), limit=100) == "two, longer\n"
        with pytest.raises(paths.SpecError, match="is 12 bytes; agentlint reads at most 5"):
            paths.read_text(str(target), str(repo), limit=5)


def test_prompt_file_shared_by_600_steps(repo: Path) -> None:
    _shared(repo, 600)
    assert lint(repo, "shared.yaml", 20).returncode in (0, 1)


@pytest.mark.slow
def test_prompt_file_shared_by_6000_steps(repo: Path) -> None:
    # each step's copy was scanned by the rules and counted again: over 300 s here
    _shared(repo, 6_000)
    assert lint(repo, "shared.yaml", 60).returncode in (0, 1)


# -- an ADK sub-agent file included 999 times -------------------------------------------


def _adk(root: Path, includes: int, nested: bool = False) -> None:
    (root / "root_agent.yaml").write_text(
        "name: root\nagent_class: ParallelAgent\nsub_agents:\n"
        + "  - config_path: team.yaml\n" * includes, encoding="utf-8")
    if nested:  # each inclusion includes the leaf as many times: a tree of includes**2
        (root / "team.yaml").write_text(
            "name: team\nagent_class: ParallelAgent\nsub_agents:\n"
            + "  - config_path: leaf.yaml\n" * includes, encoding="utf-8")
    else:
        (root / "team.yaml").write_text(
            "name: leaf\nmodel: gemini-2.0-flash\ninstruction: Answer {question}.\n",
            encoding="utf-8")
    (root / "leaf.yaml").write_text("name: leaf\nmodel: gemini-2.0-flash\ninstruction: "
                                    "Answer {question}.\n", encoding="utf-8")


def test_adk_sub_agent_included_999_times(repo: Path) -> None:
    _adk(repo, 999)
    assert lint(repo, "root_agent.yaml", 30).returncode in (0, 1)


def test_adk_tree_of_includes_is_bounded(repo: Path) -> None:
    # 999 inclusions of a file that includes another 999 times: a million agents
    _adk(repo, 999, nested=True)
    done = lint(repo, "root_agent.yaml", 30)
    line = exit_2_one_line(done, "root_agent.yaml")
    # the 1001st inclusion: the second of team.yaml, whose own 999 came first
    assert line == "root_agent.yaml:5:18: more than 1000 agent config files", line


# -- huge counts ------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "message"), [
    ("retries: 1000000000000", "9:14: retries: 1000000000000 is out of range"),
    ("calls: 1000000000000", "9:12: calls: 1000000000000 is out of range"),
    ("fan_out: {count: 1000000000000}", "9:22: count: 1000000000000 is out of range"),
    ("fan_out: {count: 2, max_concurrency: 1e300}", "9:42: max_concurrency: 1e300 is out"),
])
def test_huge_step_counts_are_refused(repo: Path, field: str, message: str) -> None:
    (repo / "flow.yaml").write_text(f"agentlint: 1\nname: d\n{MODEL}steps:\n  - id: a\n"
                                    f"    model: small\n    prompt: hi\n    {field}\n",
                                    encoding="utf-8")
    line = exit_2_one_line(lint(repo, "flow.yaml", 20), "flow.yaml")
    assert line.startswith("flow.yaml:" + message), line


def test_huge_loop_bound_is_refused(repo: Path) -> None:
    (repo / "flow.yaml").write_text(
        f"agentlint: 1\nname: d\n{MODEL}steps:\n  - id: a\n    model: small\n"
        "    prompt: hi\nloops:\n  - id: l\n    steps: [a]\n    max_iterations: 1e12\n",
        encoding="utf-8")
    line = exit_2_one_line(lint(repo, "flow.yaml", 20), "flow.yaml")
    assert "max_iterations: 1e12 is out of range" in line, line


def test_huge_adk_loop_bound_is_refused(repo: Path) -> None:
    (repo / "root_agent.yaml").write_text(
        "name: loop\nagent_class: LoopAgent\nmax_iterations: 1000000000000\nsub_agents:\n"
        "  - config_path: leaf.yaml\n", encoding="utf-8")
    (repo / "leaf.yaml").write_text("name: leaf\nmodel: gemini-2.0-flash\ninstruction: Hi.\n",
                                    encoding="utf-8")
    line = exit_2_one_line(lint(repo, "root_agent.yaml", 20), "root_agent.yaml")
    assert line.startswith("root_agent.yaml:3:17: max_iterations: 1000000000000 is out of "
                           "range"), line


def test_the_read_cache_holds_a_bounded_number_of_bytes(repo: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "READ_CACHE_BYTES", 10)
    for name in ("a", "b", "c"):
        (repo / name).write_text("1234", encoding="utf-8")
    with paths.read_once():
        first = paths.read_text(str(repo / "a"), str(repo), limit=100)
        paths.read_text(str(repo / "b"), str(repo), limit=100)
        assert paths.read_text(str(repo / "a"), str(repo), limit=100) is first
        paths.read_text(str(repo / "c"), str(repo), limit=100)  # 12 bytes: "a" is let go
        assert paths._HELD == 8
        assert paths.read_text(str(repo / "a"), str(repo), limit=100) is not first
