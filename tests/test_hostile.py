"""Malformed and hostile files end in exit 2 with one positioned line, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, exit_2_one_line, run_process
from tests.support import SPEC

BOMB = """agentlint: 1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
steps: *i
"""

CASES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "empty file"),
    "only-comment": (b"# nothing here\n", "empty file"),
    "binary": (b"agentlint: 1\n\x00\x01\x02\xff", "binary data"),
    "latin1": ("agentlint: 1\nname: caf\xe9\n".encode("latin-1"), "not valid UTF-8"),
    "alias-bomb": (BOMB.encode(), "alias"),
    "deep-nesting": (b"agentlint: 1\nsteps: " + b"[" * 20000 + b"]" * 20000 + b"\n",
                     "nesting deeper"),
    "python-tag": (b"agentlint: 1\nsteps: !!python/object/apply:os.system ['touch PWNED']\n",
                   "not allowed"),
    "custom-tag": (b"agentlint: 1\nsteps: !Ref other\n", "not allowed"),
    "not-a-mapping": (b"agentlint: 1\n- a\n", "invalid YAML"),
    "list-top": (b"- agentlint: 1\n", "YAML mapping"),
    "two-documents": (b"agentlint: 1\nsteps: []\n---\nx: 1\n", "more than one YAML document"),
    "huge-number": (b"agentlint: 1\nsteps:\n  - id: a\n    model: gpt-4o\n"
                    b"    output_tokens: 1.0e+400\n", "output_tokens: 1.0e+400 is out of range"),
    "nan": (b"agentlint: 1\nsteps:\n  - id: a\n    model: gpt-4o\n    retries: .nan\n",
            "whole number"),
}


#: Files with no top-level `agentlint:` key are not workflows: `lint` skips them
#: without a word (the pre-commit hook sees every YAML file), while `estimate`
#: and `optimize`, given the file by name, say why they cannot use it.
NOT_A_WORKFLOW = {"empty", "only-comment", "list-top"}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["estimate", "lint", "optimize"])
def test_hostile_file_exit_2_one_line(tmp_path: Path, case: str, command: str) -> None:
    data, expected = CASES[case]
    if command == "lint" and case in NOT_A_WORKFLOW:
        (tmp_path / "skip.yaml").write_bytes(data)
        proc = run_process("lint", str(tmp_path / "skip.yaml"), cwd=tmp_path)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
        return
    (tmp_path / ".git").mkdir()
    path = tmp_path / f"{case}.yaml"
    path.write_bytes(data)
    started = time.monotonic()
    proc = run_process(command, str(path), cwd=tmp_path, timeout=60)
    assert time.monotonic() - started < 30
    line = exit_2_one_line(proc, file=str(path))
    assert expected in line
    assert not (tmp_path / "PWNED").exists()


def test_missing_file(tmp_path: Path) -> None:
    proc = run_process("estimate", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{tmp_path / 'nope.yaml'}:1:1: no such file or folder"


def test_unreadable_file(tmp_path: Path) -> None:

    path = tmp_path / "locked.yaml"
    path.write_text("agentlint: 1\n", encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # root reads anything; the check is moot there
            pytest.skip("running as a user who can read mode-000 files")
        proc = run_process("estimate", str(path))
        assert proc.returncode == 2
        assert "cannot read file" in proc.stderr
    finally:
        path.chmod(0o644)


def test_directory_symlink_loop_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "flows"
    sub.mkdir()
    (sub / "loop").symlink_to(tmp_path)
    (sub / "ok.yaml").write_text(SPEC, encoding="utf-8")
    proc = run_process("estimate", str(tmp_path), "--format", "json", cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count('"name"') == 1


def test_bad_option_exit_2(tmp_path: Path) -> None:
    proc = run_process("estimate", "--format", "xml", "x.yaml")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["estimate", "lint", "optimize"])
def test_unreadable_file_in_process(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    command: str) -> None:
    """Root reads mode-000 files, so deny the read itself, as the OS would."""

    path = tmp_path / "locked.yaml"
    path.write_text("agentlint: 1\nsteps: []\n", encoding="utf-8")
    real_open = os.open
    real = os.path.realpath(path)

    def deny(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file) == real:
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)  # agentlint.paths opens every file with os.open
    result = cli(command, str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{path}:1:1: cannot read file: Permission denied"


# -- files that are none of agentlint's business, and outputs that cannot be written --------


def test_lint_skips_yaml_that_is_no_workflow_even_when_not_text(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "compose.yaml").write_bytes(b"services:\n  web:\n    image: caf\xe9\n")
    (tmp_path / "blob.yaml").write_bytes(b"a: \x00\x01\x02\n")
    (tmp_path / "broken.yaml").write_bytes(b"agentlint: 1\nname: caf\xe9\n")
    skipped = run_process("lint", "compose.yaml", "blob.yaml", cwd=tmp_path)
    assert (skipped.returncode, skipped.stdout, skipped.stderr) == (0, "", "")
    broken = run_process("lint", "broken.yaml", cwd=tmp_path)
    assert broken.returncode == 2
    assert broken.stderr == ("broken.yaml:2:10: not valid UTF-8 (byte 0xe9); "
                             "save the file as UTF-8\n")


def test_a_full_output_device_is_one_line(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "agentlint", "estimate",
                               str(EXAMPLES / "debate.yaml")], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "agentlint: cannot write the output: No space left on device\n"


def test_deeply_nested_configuration_and_baseline_are_one_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copy(EXAMPLES / "debate.yaml", tmp_path / "debate.yaml")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.agentlint]\nselect = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    done = run_process("lint", "debate.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "pyproject.toml:1:1: the TOML is nested too deeply to read\n"
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "base.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    done = run_process("lint", "debate.yaml", "--baseline", "base.json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "nested too deeply" in done.stderr
