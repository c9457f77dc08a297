"""Every file agentlint reads or writes goes through agentlint.paths: links out of the
repository, FIFOs, oversized files and standard input, read-only targets and writes over
an input all end in exit 2 with one line, never a hang and never the content of a file
outside the repository."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentlint import paths
from agentlint.errors import SpecError, UsageError
from tests.conftest import exit_2_one_line, run_process
from tests.support import SPEC

ROOT = Path(__file__).resolve().parent.parent
SECRET = "TOPSECRET-8d1f3a"
TASKS = "draft:\n  description: Draft a note.\n  expected_output: A note.\n"
AGENTS = "writer:\n  role: Writer\n  goal: Write.\n  backstory: You write.\n"
needs_links = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32",
                                 reason="symbolic links")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")


def run(*args: str, cwd: Path, timeout: float = 60, data: bytes | None = None
        ) -> subprocess.CompletedProcess[str]:
    return run_process(*args, cwd=cwd, timeout=timeout, input=data)


def refused(proc: subprocess.CompletedProcess[bytes], *needles: str) -> str:
    out, err = proc.stdout, proc.stderr
    exit_2_one_line(proc)
    assert SECRET not in out and SECRET not in err, out + err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository (a ``.git`` folder) beside a folder of secrets outside it."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "flow.yaml").write_text(SPEC.replace("name: demo", f"name: {SECRET}"),
                                       encoding="utf-8")
    (outside / "secret.txt").write_text(f"{SECRET}\n: [ not yaml {SECRET}\n",
                                        encoding="utf-8")
    (outside / "tasks.yaml").write_text(TASKS.replace("Draft a note", SECRET),
                                        encoding="utf-8")
    (outside / "pyproject.toml").write_text(f"[tool.agentlint]\n{SECRET} = [\n",
                                            encoding="utf-8")
    return root


def link(repo: Path, name: str, target: str) -> Path:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(repo.parent / "outside" / target)
    return path


# -- links out of the repository ------------------------------------------------------------


@needs_links
@pytest.mark.parametrize("command", ["lint", "estimate"])
def test_spec_linked_outside_is_refused(repo: Path, command: str) -> None:
    link(repo, "flow.yaml", "flow.yaml")
    refused(run(command, "flow.yaml", cwd=repo), "flow.yaml:1:1:", "outside the repository")


@needs_links
def test_spec_linked_outside_in_a_linted_folder_is_refused(repo: Path) -> None:
    link(repo, "flows/flow.yaml", "flow.yaml")
    refused(run("lint", "flows", cwd=repo), "outside the repository")


@needs_links
@pytest.mark.parametrize("name", [".agentlint.yaml", "pyproject.toml"])
def test_config_linked_outside_is_refused(repo: Path, name: str) -> None:
    (repo / "flow.yaml").write_text(SPEC, encoding="utf-8")
    link(repo, name, "secret.txt" if name.endswith(".yaml") else "pyproject.toml")
    refused(run("lint", "flow.yaml", cwd=repo), name, "outside the repository")


@needs_links
def test_crewai_tasks_linked_outside_is_refused(repo: Path) -> None:
    (repo / "crew" / "config").mkdir(parents=True)
    (repo / "crew" / "config" / "agents.yaml").write_text(AGENTS, encoding="utf-8")
    link(repo, "crew/config/tasks.yaml", "tasks.yaml")
    for command in ("lint", "estimate", "convert"):
        refused(run(command, "crew/config/tasks.yaml", cwd=repo), "outside the repository")
    # named by its agents file, the pair's tasks file is refused the same way
    refused(run("estimate", "crew/config/agents.yaml", cwd=repo), "outside the repository")


@needs_links
def test_profile_linked_outside_is_refused(repo: Path) -> None:
    (repo / "crew" / "config").mkdir(parents=True)
    (repo / "crew" / "config" / "tasks.yaml").write_text(TASKS, encoding="utf-8")
    (repo / "crew" / "config" / "agents.yaml").write_text(AGENTS, encoding="utf-8")
    link(repo, "crew/config/agentlint.profile.yaml", "secret.txt")
    refused(run("estimate", "crew/config/tasks.yaml", cwd=repo), "agentlint.profile.yaml",
            "outside the repository")


@needs_links
def test_prompt_file_linked_outside_is_refused(repo: Path) -> None:
    (repo / "flow.yaml").write_text(SPEC + "    system_file: prompts/sys.md\n",
                                    encoding="utf-8")
    link(repo, "prompts/sys.md", "secret.txt")
    refused(run("estimate", "flow.yaml", cwd=repo), "flow.yaml:", "system_file",
            "outside the repository")


# -- what is not a regular file --------------------------------------------------------------


@needs_fifo
def test_fifo_in_a_linted_folder_is_refused_without_blocking(repo: Path) -> None:
    (repo / "flows").mkdir()
    (repo / "flows" / "a.yaml").write_text(SPEC, encoding="utf-8")
    os.mkfifo(repo / "flows" / "flow.yaml")
    start = time.monotonic()
    err = refused(run("lint", "flows", cwd=repo, timeout=20), "flows/flow.yaml:1:1:",
                  "named pipe (FIFO)")
    assert time.monotonic() - start < 5, err


@needs_fifo
def test_fifo_as_system_file_is_refused_without_blocking(repo: Path) -> None:
    (repo / "flow.yaml").write_text(SPEC + "    system_file: sys.md\n", encoding="utf-8")
    os.mkfifo(repo / "sys.md")
    start = time.monotonic()
    refused(run("estimate", "flow.yaml", cwd=repo, timeout=20), "system_file",
            "named pipe (FIFO)")
    assert time.monotonic() - start < 5


def test_folder_named_as_prompt_file_is_refused(repo: Path) -> None:
    (repo / "flow.yaml").write_text(SPEC + "    system_file: prompts\n", encoding="utf-8")
    (repo / "prompts").mkdir()
    refused(run("estimate", "flow.yaml", cwd=repo), "system_file", "folder")


# -- sizes ---------------------------------------------------------------------------------


def test_oversized_spec_is_refused_before_reading(repo: Path) -> None:
    big = repo / "flow.yaml"
    with open(big, "wb") as fh:  # sparse: the size is checked, nothing is read
        fh.truncate(paths.MAX_SPEC_BYTES + 1)
    start = time.monotonic()
    refused(run("lint", "flow.yaml", cwd=repo), str(paths.MAX_SPEC_BYTES))
    assert time.monotonic() - start < 10


def test_oversized_prompt_file_is_refused(repo: Path) -> None:
    (repo / "flow.yaml").write_text(SPEC + "    system_file: sys.md\n", encoding="utf-8")
    (repo / "sys.md").write_bytes(b"x" * (paths.MAX_PROMPT_FILE_BYTES + 1))
    refused(run("estimate", "flow.yaml", cwd=repo), str(paths.MAX_PROMPT_FILE_BYTES))


def test_oversized_stdin_is_refused(repo: Path) -> None:
    data = b"# " + b"x" * paths.MAX_SPEC_BYTES + b"\n"
    start = time.monotonic()
    refused(run("lint", "-", cwd=repo, data=data), "<stdin>:1:1:", str(paths.MAX_SPEC_BYTES))
    assert time.monotonic() - start < 30


def test_stdin_within_the_limit_is_linted(repo: Path) -> None:
    proc = run("lint", "-", cwd=repo, data=SPEC.encode())
    assert proc.returncode in (0, 1), proc.stderr


def test_read_bytes_never_reads_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"abc")
    assert paths.read_bytes(str(path), str(tmp_path), limit=3) == b"abc"
    with pytest.raises(SpecError, match="at most 2 bytes"):
        paths.read_bytes(str(path), str(tmp_path), limit=2)
    with pytest.raises(SpecError, match="not valid UTF-8"):
        path.write_bytes(b"ok\n\xff")
        paths.read_text(str(path), str(tmp_path), limit=10)


# -- writing ---------------------------------------------------------------------------------


def test_optimize_write_on_a_read_only_spec_leaves_it(tmp_path: Path) -> None:
    spec = tmp_path / "long-chain.yaml"
    shutil.copy(ROOT / "examples" / "long-chain.yaml", spec)
    shutil.copytree(ROOT / "examples" / "prompts", tmp_path / "prompts")
    before = spec.read_bytes()
    spec.chmod(0o444)
    try:
        refused(run("optimize", str(spec), "--write", cwd=tmp_path), "read-only", "0444")
        assert spec.read_bytes() == before
        assert stat.S_IMODE(spec.stat().st_mode) == 0o444
    finally:
        spec.chmod(0o644)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".agentlint-")] == []


def test_optimize_write_keeps_the_mode(tmp_path: Path) -> None:
    spec = tmp_path / "long-chain.yaml"
    shutil.copy(ROOT / "examples" / "long-chain.yaml", spec)
    shutil.copytree(ROOT / "examples" / "prompts", tmp_path / "prompts")
    before = spec.read_bytes()
    spec.chmod(0o640)
    proc = run("optimize", str(spec), "--write", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert spec.read_bytes() != before
    assert stat.S_IMODE(spec.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".agentlint-")] == []


@pytest.mark.parametrize("how", ["same", "hard link"])
def test_convert_onto_its_input_is_refused(repo: Path, how: str) -> None:
    config = repo / "crew" / "config"
    config.mkdir(parents=True)
    (config / "tasks.yaml").write_text(TASKS, encoding="utf-8")
    (config / "agents.yaml").write_text(AGENTS, encoding="utf-8")
    target = config / "tasks.yaml"
    if how == "hard link":
        target = repo / "copy.yaml"
        os.link(config / "tasks.yaml", target)
    proc = run("convert", "crew/config/tasks.yaml", "-o", str(target), cwd=repo)
    refused(proc, "input" if how == "hard link" else "source")
    assert (config / "tasks.yaml").read_text(encoding="utf-8") == TASKS
    assert (config / "agents.yaml").read_text(encoding="utf-8") == AGENTS
    # the agents file of the pair is an input too
    refused(run("convert", "crew/config/tasks.yaml", "-o", "crew/config/agents.yaml",
                cwd=repo), "input")
    assert (config / "agents.yaml").read_text(encoding="utf-8") == AGENTS


def test_lint_output_onto_a_linted_spec_is_refused(repo: Path) -> None:
    (repo / "flow.yaml").write_text(SPEC, encoding="utf-8")
    refused(run("lint", ".", "-o", "flow.yaml", cwd=repo), "input of this run")
    assert (repo / "flow.yaml").read_text(encoding="utf-8") == SPEC


def test_output_into_a_read_only_folder_is_refused(repo: Path) -> None:
    (repo / "flow.yaml").write_text(SPEC, encoding="utf-8")
    (repo / "ro").mkdir()
    (repo / "ro").chmod(0o555)
    try:
        refused(run("lint", "flow.yaml", "-o", "ro/report.txt", cwd=repo), "read-only")
        assert list((repo / "ro").iterdir()) == []
    finally:
        (repo / "ro").chmod(0o755)


def test_write_text_atomic_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    paths.write_text_atomic(str(target), "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.txt"
    mask = os.umask(0o027)
    try:
        paths.write_text_atomic(str(fresh), "x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.txt", "out.txt"]


def test_write_text_atomic_interrupted_leaves_no_temp(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(paths.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        paths.write_text_atomic(str(target), "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_write_text_atomic_refuses_inputs_and_read_only(tmp_path: Path) -> None:
    source = tmp_path / "in.yaml"
    source.write_text("a\n", encoding="utf-8")
    twin = tmp_path / "twin.yaml"
    os.link(source, twin)
    with pytest.raises(UsageError, match="input of this run"):
        paths.write_text_atomic(str(twin), "b\n", inputs=[str(source)])
    source.chmod(0o444)
    with pytest.raises(UsageError, match="read-only"):
        paths.write_text_atomic(str(source), "b\n")
    assert source.read_text(encoding="utf-8") == "a\n"


def test_limits_are_documented() -> None:
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    for name in ("MAX_SPEC_BYTES", "MAX_PROMPT_FILE_BYTES", "MAX_CREW_PY_BYTES",
                 "MAX_CONFIG_BYTES", "MAX_PROFILE_BYTES", "MAX_BASELINE_BYTES"):
        row = next(line for line in doc.splitlines() if f"`{name}`" in line)
        assert f"| {getattr(paths, name)} bytes" in row, row


@needs_links
def test_output_that_links_outside_is_refused(repo: Path) -> None:
    (repo / "flow.yaml").write_text(SPEC, encoding="utf-8")
    victim = repo.parent / "outside" / "secret.txt"
    before = victim.read_bytes()
    (repo / "report.txt").symlink_to(victim)
    refused(run("lint", "flow.yaml", "-o", "report.txt", cwd=repo), "outside the repository")
    assert victim.read_bytes() == before


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGTERM") or sys.platform == "win32",
                    reason="POSIX signals")
def test_write_text_atomic_terminated_leaves_no_temp(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        pytest.skip("SIGTERM is handled by the test runner")
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")

    def terminate(*_args: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(paths.os, "replace", terminate)
    with pytest.raises(SystemExit):
        paths.write_text_atomic(str(target), "new\n")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_messages_quote_an_excerpt_only(repo: Path) -> None:
    name = "m" * 5000
    (repo / "flow.yaml").write_text(SPEC.replace("model: small", f"model: {name}"),
                                    encoding="utf-8")
    proc = run("lint", "flow.yaml", cwd=repo)
    err = refused(proc, "unknown model")
    assert name not in err and len(err) < 400, err


@pytest.mark.parametrize("rel", ["../outside/secret.txt", "../outside/missing.txt"])
def test_outside_prompt_files_are_refused_alike(repo: Path, rel: str) -> None:
    """A file outside the repository is refused before it is looked for: the message
    does not tell whether it exists."""
    (repo / "flow.yaml").write_text(SPEC + f"    system_file: {rel}\n", encoding="utf-8")
    err = refused(run("estimate", "flow.yaml", cwd=repo), "outside the repository")
    assert "not found" not in err
