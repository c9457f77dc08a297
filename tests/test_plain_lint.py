"""``agentlint lint PATH...`` runs without click, and says exactly what the full command
line says.

A pre-commit hook calls ``agentlint lint`` with file names only; that call skips the
parser (agentlint/command.py). These tests hold the two ways to the same output: the
same arguments run as real processes through ``python -m agentlint`` (the plain way)
and through ``agentlint.cli.entry`` (click's), with stdout, stderr and the exit code
compared byte for byte; click's defaults for every lint option compared with
``run_lint``'s; and the plain way importing no click.
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentlint.__main__ import plain_lint
from agentlint.cli import lint
from agentlint.command import run_lint
from tests.support import modules_after

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

#: click's way: the command group, whatever the arguments
THROUGH_CLICK = """\
import sys
from agentlint.__main__ import _exit
from agentlint.cli import entry
sys.argv = ["agentlint", *sys.argv[1:]]
try:
    entry()
except SystemExit as done:
    _exit(done.code or 0)
"""


def both_ways(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[bytes], ...]:
    """``agentlint ARGS`` run the plain way and click's way, in ``cwd``."""
    plain = subprocess.run([sys.executable, "-m", "agentlint", *args], cwd=cwd,
                           capture_output=True, timeout=120)
    full = subprocess.run([sys.executable, "-c", THROUGH_CLICK, *args], cwd=cwd,
                          capture_output=True, timeout=120)
    return plain, full


def assert_same(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    plain, full = both_ways(*args, cwd=cwd)
    assert (plain.returncode, plain.stdout.decode(), plain.stderr.decode()) == \
        (full.returncode, full.stdout.decode(), full.stderr.decode())
    return plain


@pytest.mark.parametrize(("args", "plain"), [
    (["lint", "a.yaml"], True),
    (["lint", "a.yaml", "sub/", "b c.yaml"], True),
    (["lint"], False),  # click says what is missing
    (["lint", "-"], False),  # standard input
    (["lint", "--quiet", "a.yaml"], False),
    (["lint", "a.yaml", "-q"], False),
    (["lint", "--", "a.yaml"], False),
    (["lint", "a.yaml", ""], False),  # an empty name: click's word on it
    (["lint", "--help"], False),
    (["estimate", "a.yaml"], False),
    (["--version"], False),
    ([], False),
])
def test_only_lint_with_paths_alone_skips_the_parser(args: list[str], plain: bool) -> None:
    assert plain_lint(args) is plain


def test_every_default_is_click_s() -> None:
    """``run_lint``'s keyword defaults are the values click passes for ``lint PATH``."""
    ctx = lint.make_context("lint", ["a.yaml"])
    params = inspect.signature(run_lint).parameters  # guarded keeps the signature
    assert set(params) == set(ctx.params) | {"registry"}
    given = {name: value for name, value in ctx.params.items() if name != "paths"}
    assert given == {name: params[name].default for name in given}
    assert ctx.params["paths"] == ("a.yaml",)


def _repository(tmp_path: Path) -> Path:
    """Examples, a spec that cannot be read, a file that is not a workflow and a
    configuration in a subfolder, in a repository of their own."""
    (tmp_path / ".git").mkdir()
    for name in ("research-fanout.yaml", "long-chain.yaml", "single-model.yaml"):
        shutil.copyfile(EXAMPLES / name, tmp_path / name)
    (tmp_path / "broken.yaml").write_text("agentlint: 1\nsteps: [\n", encoding="utf-8")
    (tmp_path / "notes.yaml").write_text("title: not a workflow\n", encoding="utf-8")
    sub = tmp_path / "team"
    sub.mkdir()
    shutil.copyfile(EXAMPLES / "debate.yaml", sub / "debate.yaml")
    (sub / ".agentlint.yaml").write_text("ignore: [AL102]\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("args", [
    ["research-fanout.yaml"],  # findings with fixes: exit 1
    ["single-model.yaml"],  # clean
    ["long-chain.yaml", "team"],  # a file and a folder with its own configuration
    ["."],  # every workflow below, the unreadable one included: exit 2
    ["broken.yaml"],
    ["notes.yaml"],  # named, not a workflow: exit 2
    ["missing.yaml"],
])
def test_the_plain_way_says_what_click_s_says(tmp_path: Path, args: list[str]) -> None:
    assert_same("lint", *args, cwd=_repository(tmp_path))


def test_an_unprintable_file_name_is_escaped_the_same(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    odd = repo / "odd\x1b]0;x\x07.yaml"
    odd.write_text("agentlint: 1\nsteps: nope\n", encoding="utf-8")
    done = assert_same("lint", odd.name, cwd=repo)
    assert done.returncode == 2
    assert b"\x1b" not in done.stdout + done.stderr


def test_the_plain_way_imports_no_click(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    code, modules = modules_after("lint", "research-fanout.yaml", cwd=repo)
    assert code == 1
    assert "agentlint.lint.engine" in modules  # the probe saw the run
    assert sorted(m for m in modules if m == "click" or m.startswith(("click.", "agentlint.cli"))
                  ) == []
