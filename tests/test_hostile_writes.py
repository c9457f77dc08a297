"""Every command that writes, every case, as a real process; hostile names and lines.

- one write path: a target that is an input of the run, a read-only file, a
  read-only folder: exit 2 with one line naming the file; the mode kept; no
  temporary file left;
- file names that are not UTF-8 (``b"\\xff.yaml"``) in every command and format:
  no traceback, output that is UTF-8, the name shown as ``\\xff``;
- ``optimize --format markdown``: a spec line with backticks or ``</details>``
  stays inside its suggestion fence.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, exit_2_one_line, run_process
from tests.support import GitRepo

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX names and modes")

#: a change the optimizer makes (big -> small), the line it changes holding a hostile comment
HOSTILE = """\
agentlint: 1
name: demo
models:
  big: {per_call_usd: 0.01, per_call_s: 0.5, p_ok: 0.99}
  small: {per_call_usd: 0.001, per_call_s: 0.2, p_ok: 0.99}
steps:
  - id: first
    model: big  # ````` </details> <script>alert(1)</script>
    prompt: "hello"
    candidates: [big, small]
  - id: second
    model: small
    prompt: "{{ steps.first.output }}"
"""



def bytes_run(*args: str | bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "agentlint", *args], cwd=cwd,
                          capture_output=True, timeout=120)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "flow.yaml").write_text(HOSTILE, encoding="utf-8")
    return tmp_path


# -- markdown suggestions -------------------------------------------------------------------


def test_suggestion_fence_holds_backticks_and_details(repo: Path) -> None:
    proc = run_process("optimize", "--format", "markdown", "flow.yaml", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    opening = next(i for i, line in enumerate(lines) if line.endswith("suggestion"))
    fence = lines[opening][:-len("suggestion")]
    assert set(fence) == {"`"} and len(fence) > 5
    closing = lines.index(fence, opening + 1)
    quoted = lines[opening + 1:closing]
    assert any("</details>" in line for line in quoted)
    # nothing in the block can close it: no line of backticks only, as long as the fence
    assert not any(re.fullmatch(r"\s{0,3}`{" + str(len(fence)) + r",}\s*", q) for q in quoted)
    # outside the fences, no raw HTML from the spec
    outside = [line for i, line in enumerate(lines) if not opening <= i <= closing]
    assert not any("<script>" in line for line in outside)
    closing_folds = [line for line in outside if "</details>" in line]
    assert set(closing_folds) == {"</details>"}  # each on its own line: agentlint's folds
    assert len(closing_folds) == sum(line.startswith("<details>") for line in outside)


# -- writes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ("optimize", "--write", "flow.yaml"),
    ("lint", "flow.yaml", "--output-file", "out.txt"),
    ("lint", "flow.yaml", "--write-baseline", "out.txt"),
    ("diff", "HEAD", "--output-file", "out.txt"),
    ("convert", "flow.dag.yaml", "-o", "out.txt"),
])
def test_read_only_file_is_refused_and_kept(tmp_path: Path, command: tuple[str, ...]) -> None:
    """Judged by the mode bits, so root (CI's user, who may write anything) is refused too."""
    repo = _git_repo(tmp_path)
    target = repo / ("flow.yaml" if command[0] == "optimize" else "out.txt")
    if not target.exists():
        target.write_text("old\n", encoding="utf-8")
    before = target.read_bytes()
    target.chmod(0o444)
    line = exit_2_one_line(run_process(*command, cwd=repo))
    assert target.name in line and "read-only" in line, line
    assert "internal error" not in line
    assert target.read_bytes() == before
    assert not list(repo.glob(".agentlint-*"))


@pytest.mark.parametrize("command", [
    ("optimize", "--write", "sub/flow.yaml"),
    ("lint", "flow.yaml", "--output-file", "sub/out.txt"),
    ("lint", "flow.yaml", "--write-baseline", "sub/out.txt"),
    ("diff", "HEAD", "--output-file", "sub/out.txt"),
    ("convert", "flow.dag.yaml", "-o", "sub/out.txt"),
])
def test_read_only_folder_is_refused(tmp_path: Path, command: tuple[str, ...]) -> None:
    repo = _git_repo(tmp_path)
    sub = repo / "sub"
    sub.mkdir()
    (sub / "flow.yaml").write_text(HOSTILE, encoding="utf-8")
    sub.chmod(0o555)
    try:
        line = exit_2_one_line(run_process(*command, cwd=repo))
        assert "sub/" in line and "read-only" in line, line
        assert sorted(p.name for p in sub.iterdir()) == ["flow.yaml"]
    finally:
        sub.chmod(0o755)


@pytest.mark.parametrize("command", [
    ("lint", "flow.yaml", "--output-file", "twin.yaml"),
    ("lint", "flow.yaml", "--write-baseline", "twin.yaml"),
    ("convert", "flow.dag.yaml", "-o", "twin.yaml"),
])
def test_an_input_under_another_name_is_refused(tmp_path: Path,
                                                command: tuple[str, ...]) -> None:
    """A hard link to an input is the same file (device and inode)."""
    repo = _git_repo(tmp_path)
    source = repo / ("flow.dag.yaml" if command[0] == "convert" else "flow.yaml")
    os.link(source, repo / "twin.yaml")
    before = source.read_bytes()
    line = exit_2_one_line(run_process(*command, cwd=repo))
    assert "twin.yaml" in line and "input of this run" in line, line
    assert source.read_bytes() == before


@pytest.mark.parametrize("command", [
    ("optimize", "--write", "flow.yaml"),
    ("lint", "flow.yaml", "--output-file", "out.txt"),
    ("convert", "flow.dag.yaml", "-o", "out.txt"),
    ("diff", "HEAD", "--output-file", "out.txt"),
])
def test_the_mode_is_kept_and_nothing_is_left(tmp_path: Path, command: tuple[str, ...]) -> None:
    repo = _git_repo(tmp_path)
    target = repo / ("flow.yaml" if command[0] == "optimize" else "out.txt")
    if not target.exists():
        target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    proc = run_process(*command, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    assert target.read_bytes() != b"old\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert not list(repo.glob(".agentlint-*"))


def _git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    git = GitRepo(repo)
    git.write("flow.yaml", HOSTILE)
    git.write("flow.dag.yaml", PROMPTFLOW)
    git.write("answer.jinja2", "Answer {{question}}\n")
    git.commit("start")
    return repo


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


# -- names that are not UTF-8 -----------------------------------------------------------------

NAME = b"\xff.yaml"
COMMANDS = [
    ("lint",), *(("lint", "--format", f) for f in
                 ("json", "sarif", "github", "gitlab", "junit", "concise")),
    ("estimate",), ("estimate", "--format", "json"), ("graph",), ("graph", "--format", "dot"),
    ("optimize",), ("optimize", "--format", "json"), ("optimize", "--format", "markdown"),
    ("optimize", "--diff"),
]


@pytest.fixture
def named(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    git = GitRepo(repo)
    git.write("keep.yaml", "x: 1\n")
    with open(os.path.join(os.fsencode(repo), NAME), "wb") as fh:
        fh.write(HOSTILE.encode())
    git.git("add", "-A")
    git.git("commit", "-q", "-m", "start")
    with open(os.path.join(os.fsencode(repo), NAME), "wb") as fh:
        fh.write(HOSTILE.replace("0.001", "0.002").encode())
    return repo


@pytest.mark.parametrize("command", COMMANDS, ids="-".join)
def test_a_name_that_is_not_utf8(named: Path, command: tuple[str, ...]) -> None:
    proc = bytes_run(*command, NAME, cwd=named)
    assert proc.returncode in (0, 1), proc.stderr
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")  # strictly UTF-8
    assert "Traceback" not in out + err
    assert b"\xff" not in proc.stdout + proc.stderr
    if command[0] not in ("lint", "graph"):  # no finding names it; a graph names none
        assert "\\xff" in out or "\\udcff" in out or "\\377" in out, out


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_diff_names_a_file_that_is_not_utf8(named: Path, fmt: str) -> None:
    proc = bytes_run("diff", "HEAD", "--format", fmt, cwd=named)
    assert proc.returncode in (0, 1), proc.stderr
    out = proc.stdout.decode("utf-8")
    assert "Traceback" not in out + proc.stderr.decode("utf-8")
    assert "\\xff" in out or "\\udcff" in out, out


def test_a_missing_name_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    proc = bytes_run("lint", b"\xfe-missing.yaml", cwd=tmp_path)
    run = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(),
                                      proc.stderr.decode("utf-8"))
    line = exit_2_one_line(run)
    assert line.startswith("\\xfe-missing.yaml:1:1: "), line


@pytest.mark.parametrize("target", ["flow.yaml", "sub/../flow.yaml"])
def test_diff_output_onto_a_changed_spec_is_refused(tmp_path: Path, target: str) -> None:
    """The changed specs are inputs of ``diff``: its report never replaces one."""
    repo = _git_repo(tmp_path)
    (repo / "sub").mkdir()
    spec = repo / "flow.yaml"
    spec.write_text(HOSTILE.replace("name: demo", "name: changed"), encoding="utf-8")
    before = spec.read_bytes()
    line = exit_2_one_line(run_process("diff", "HEAD", "--output-file", target, cwd=repo))
    assert "input of this run" in line and "flow.yaml" in line, line
    assert spec.read_bytes() == before
    assert not list(repo.glob(".agentlint-*"))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit",
                                 "concise"])
def test_findings_on_a_name_that_is_not_utf8(named: Path, fmt: str) -> None:
    """Every finding names the file: each format shows it escaped, none fails on it."""
    with open(os.path.join(os.fsencode(named), NAME), "wb") as fh:
        fh.write((EXAMPLES / "research-fanout.yaml").read_bytes())
    proc = bytes_run("lint", "--select", "all", "--format", fmt, NAME, cwd=named)
    assert proc.returncode in (0, 1), proc.stderr
    out = proc.stdout.decode("utf-8")
    assert b"\xff" not in proc.stdout + proc.stderr
    assert "Traceback" not in out and "internal error" not in proc.stderr.decode()
    assert "\\xff" in out or "\\udcff" in out or "%FF" in out, out
    if fmt in ("json", "sarif", "gitlab"):
        import json

        json.loads(out)


def test_baseline_of_a_name_that_is_not_utf8_round_trips(named: Path) -> None:
    out = named / "base.json"
    with open(os.path.join(os.fsencode(named), NAME), "wb") as fh:
        fh.write((EXAMPLES / "research-fanout.yaml").read_bytes())
    proc = bytes_run("lint", "--select", "all", "--write-baseline", "base.json", NAME,
                     cwd=named)
    assert proc.returncode == 0, proc.stderr
    assert b"recorded 0 " not in proc.stderr
    assert "\\udcff" in out.read_bytes().decode("utf-8")
    again = bytes_run("lint", "--select", "all", "--baseline", "base.json", NAME, cwd=named)
    assert again.returncode == 0, again.stderr
    assert again.stdout.decode("utf-8").strip() == ""


def test_convert_of_a_source_whose_name_is_not_utf8(named: Path) -> None:
    source = os.path.join(os.fsencode(named), b"\xfd.dag.yaml")
    with open(source, "wb") as fh:
        fh.write(PROMPTFLOW.encode())
    (named / "answer.jinja2").write_text("Answer {{question}}\n", encoding="utf-8")
    proc = bytes_run("convert", b"\xfd.dag.yaml", "-o", "out.yaml", cwd=named)
    assert proc.returncode == 0, proc.stderr
    text = (named / "out.yaml").read_text(encoding="utf-8")
    assert "\\xfd.dag.yaml" in text
    assert run_process("estimate", "out.yaml", cwd=named).returncode == 0
    for fmt in ("text", "json", "markdown"):
        done = bytes_run("optimize", "--format", fmt, b"\xfd.dag.yaml", cwd=named)
        assert done.returncode == 0, done.stderr
        done.stdout.decode("utf-8")
